/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: VMSAv8-64 descriptor formats and walk geometry, shared by
 * the walker (ptw.c) and the table dump of introspection (ptw-dump.c).
 * Engine-internal.
 */
#ifndef HW_ARM_SMMUV3_AUX_PTW_INTERNAL_H
#define HW_ARM_SMMUV3_AUX_PTW_INTERNAL_H

#include "qemu/bitops.h"
#include "ptw.h"

/* VMSAv8-64 descriptor bits (both stages unless noted). */
#define DESC_VALID          BIT_ULL(0)
#define DESC_TABLE          BIT_ULL(1)  /* table (levels 0-2), page (3) */
#define DESC_AF             BIT_ULL(10)
#define DESC_NG             BIT_ULL(11) /* stage 1 only */
#define DESC_PXN            BIT_ULL(53) /* S1 PXN; S2 XN[0] with XNX */
#define DESC_UXN            BIT_ULL(54) /* S1 UXN/XN; S2 XN[1] (XN) */
#define DESC_PXNTABLE       BIT_ULL(59) /* stage-1 table descriptors */
#define DESC_UXNTABLE       BIT_ULL(60)
#define DESC_APTABLE0       BIT_ULL(61) /* no unprivileged access below */
#define DESC_APTABLE1       BIT_ULL(62) /* no write access below */
#define DESC_AP_SHIFT       6           /* S1 AP[2:1], S2 S2AP[1:0] */
#define DESC_AP2            BIT_ULL(7)  /* S1 AP[2]: read-only (clean) */
#define DESC_S2AP1          BIT_ULL(7)  /* S2 S2AP[1]: writable (dirty) */
#define DESC_DBM            BIT_ULL(51) /* Dirty Bit Modifier (leaves) */
#define DESC_S2_MEMATTR_SHIFT 2         /* S2 MemAttr[3:0] */

/*
 * Without LPA2 (DS == 0) descriptors hold output address bits [47:granule];
 * with a 64K granule on a 52-bit OAS implementation (FEAT_LPA) bits [15:12]
 * hold OA[51:48].
 */
#define DESC_OA_TOP         47
#define DESC_LPA_SHIFT      12

/* Geometry of one stage's walk. */
typedef struct SMMUv3AuxPtwGeom {
    unsigned granule;       /* log2 of the granule size */
    unsigned stride;        /* index bits per level: granule - 3 */
    unsigned inputsize;     /* 64 - TxSZ */
    int start_level;
    unsigned start_bits;    /* index bits at the start level (S2: concat) */
    unsigned out_bits;      /* effective output size: xPS capped by OAS */
    bool lpa;               /* OA[51:48] in descriptor bits [15:12] */
    unsigned oas;           /* implementation OAS, for 64K level-1 blocks */
} SMMUv3AuxPtwGeom;

static inline bool ptw_granule_ok(unsigned granule)
{
    return granule == SMMUV3_AUX_GRAN_4K || granule == SMMUV3_AUX_GRAN_16K ||
           granule == SMMUV3_AUX_GRAN_64K;
}

/*
 * Effective output size: xPS capped by OAS (CD.IPS, STE.S2PS), and at 48
 * bits unless a 64K granule is used, because a DS == 0 descriptor cannot
 * hold more (bits above are then zero and cannot fault).
 */
static inline unsigned ptw_eff_out_bits(unsigned ps, unsigned oas,
                                        unsigned granule)
{
    unsigned bits = MIN(ps, oas);

    return granule == SMMUV3_AUX_GRAN_64K ? bits : MIN(bits, 48);
}

static inline unsigned ptw_level_shift(const SMMUv3AuxPtwGeom *g,
                                       int level)
{
    return g->granule + g->stride * (3 - level);
}

static inline unsigned ptw_level_bits(const SMMUv3AuxPtwGeom *g,
                                      int level)
{
    return level == g->start_level ? g->start_bits : g->stride;
}

/* Start tables are aligned to their size, and to 64 bytes for 52-bit. */
static inline uint64_t ptw_start_table_base(const SMMUv3AuxPtwGeom *g,
                                            uint64_t ttb)
{
    unsigned align = MAX(g->start_bits + 3, g->out_bits == 52 ? 6 : 3);

    return ttb & MAKE_64BIT_MASK(align, 52 - align);
}

/* Stage 1: start level from the input size (Arm ARM AArch64.S1StartLevel) */
static inline void ptw_s1_geom(const SMMUv3AuxS1Cfg *cfg,
                               const SMMUv3AuxPtwTT *tt, SMMUv3AuxPtwGeom *g)
{
    g->granule = tt->granule;
    g->stride = tt->granule - 3;
    g->inputsize = 64 - tt->tsz;
    g->start_level = 3 - (g->inputsize - 1 - g->granule) / g->stride;
    g->start_bits = g->inputsize - ptw_level_shift(g, g->start_level);
    g->oas = cfg->oas;
    g->out_bits = ptw_eff_out_bits(cfg->ips, cfg->oas, tt->granule);
    g->lpa = tt->granule == SMMUV3_AUX_GRAN_64K && cfg->oas == 52;
}

/*
 * Stage 2: start level from S2SL0, whose meaning depends on the granule
 * (VTCR_EL2.SL0): 4K counts down from level 2, 16K and 64K from level 3.
 */
static inline int ptw_s2_start_level(unsigned granule, unsigned sl0)
{
    return granule == SMMUV3_AUX_GRAN_4K ? 2 - (int)sl0 : 3 - (int)sl0;
}

static inline void ptw_s2_geom(const SMMUv3AuxS2Cfg *cfg,
                               SMMUv3AuxPtwGeom *g)
{
    g->granule = cfg->granule;
    g->stride = cfg->granule - 3;
    g->inputsize = 64 - cfg->tsz;
    g->start_level = ptw_s2_start_level(cfg->granule, cfg->sl0);
    g->start_bits = g->inputsize - ptw_level_shift(g, g->start_level);
    g->oas = cfg->oas;
    g->out_bits = ptw_eff_out_bits(cfg->ps, cfg->oas, cfg->granule);
    g->lpa = cfg->granule == SMMUV3_AUX_GRAN_64K && cfg->oas == 52;
}

/* Block descriptors: AArch64.BlockDescSupported with DS == 0. */
static inline bool ptw_block_allowed(const SMMUv3AuxPtwGeom *g, int level)
{
    switch (g->granule) {
    case SMMUV3_AUX_GRAN_4K:
        return level == 1 || level == 2;
    case SMMUV3_AUX_GRAN_16K:
        return level == 2;
    default:
        return level == 2 || (level == 1 && g->oas == 52);
    }
}

/* Output address bits of a descriptor whose low shift bits are offset. */
static inline uint64_t ptw_desc_oa(const SMMUv3AuxPtwGeom *g,
                                   uint64_t desc, unsigned shift)
{
    uint64_t oa = desc & MAKE_64BIT_MASK(shift, DESC_OA_TOP + 1 - shift);

    if (g->lpa) {
        oa |= extract64(desc, DESC_LPA_SHIFT, 4) << 48;
    }
    return oa;
}

#endif
