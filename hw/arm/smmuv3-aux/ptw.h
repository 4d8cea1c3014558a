/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: VMSAv8-64 translation table walker (stage 1, stage 2, nested).
 *
 * The walker is pure architecture: it takes a decoded configuration (the
 * caller decodes the CD / STE and checks them with *_cfg_valid()), reads
 * descriptors through SMMUv3AuxEngineOps.dma_read, and returns either a
 * translation or a fault description.  It never records events: the caller
 * turns SMMUv3AuxPtwFault into an event record (F_TRANSLATION, F_ADDR_SIZE,
 * F_ACCESS, F_PERMISSION, F_WALK_EABT) and applies the CD/STE A, R, S bits.
 * Nothing is cached here; the IOTLB is another module.
 *
 * HTTU (IHI 0070 3.13): with HA the walker sets AF in a leaf (and, with
 * HAFT, in a table descriptor) instead of raising F_ACCESS; with HD a write
 * to a writable-clean leaf (DBM == 1) makes it writable-dirty (stage 1
 * AP[2] = 0, stage 2 S2AP[1] = 1).  Each update is one compare-and-swap of
 * the descriptor (SMMUv3AuxEngineOps.dma_cmpxchg64); when another agent
 * changed the descriptor meanwhile, that level is decided again on the new
 * value.  A writable-clean leaf is reported without write permission
 * unless this walk dirtied it, so a cached read never serves a write.
 *
 * Not supported (documented limits):
 *  - 52-bit VA (IDR5.VAX), LPA2 (CD.DS / STE.S2DS) and so start level -1 and
 *    4K level-0 / 16K level-1 blocks: those are reserved encodings here and
 *    fault as the architecture says for DS == 0;
 *  - small translation tables (IDR3.STT, so TxSZ is 16..39), FEAT_TTST
 *    (4K S2SL0 == 3);
 *  - AArch32 (VMSAv8-32 LPAE) tables, VMSAv9-128, permission indirection,
 *    overlays, E0PD, EPAN;
 *  - the Contiguous hint is ignored (entries are reported at block/page
 *    size, which the architecture allows).
 */
#ifndef HW_ARM_SMMUV3_AUX_PTW_H
#define HW_ARM_SMMUV3_AUX_PTW_H

#include "hw/arm/smmuv3-aux-common.h"
#include "mem.h"

/* Translation granules, as log2 of their size. */
#define SMMUV3_AUX_GRAN_4K      12
#define SMMUV3_AUX_GRAN_16K     14
#define SMMUV3_AUX_GRAN_64K     16

/* Levels are 0..3; -1 (LPA2) is not supported. */
#define SMMUV3_AUX_PTW_MAX_LEVELS   4

/* One stage-1 translation table (CD.TTBx and its controls). */
typedef struct SMMUv3AuxPtwTT {
    uint64_t ttb;           /* CD.TTBx: a PA, or an IPA when nested */
    uint8_t tsz;            /* CD.TxSZ */
    uint8_t granule;        /* SMMUV3_AUX_GRAN_*, from CD.TGx */
    bool epd;               /* CD.EPDx: walks through this TTB disabled */
    bool tbi;               /* CD.TBIx: top byte ignored */
    bool had;               /* CD.HADx (if IDR3.HAD): ignore APTable etc. */
} SMMUv3AuxPtwTT;

/*
 * Stage-1 configuration decoded from a CD.  The permission model follows
 * the StreamWorld: EL1&0 rules for NS-EL1 and NS-EL2-E2H (two privilege
 * levels), single-privilege rules for NS-EL2 (el2).
 */
typedef struct SMMUv3AuxS1Cfg {
    SMMUv3AuxPtwTT tt[2];   /* TTB0 (low VAs) and TTB1 (high VAs) */
    uint8_t ips;            /* CD.IPS decoded to bits (32..52) */
    uint8_t oas;            /* SMMU_IDR5.OAS in bits; caps ips */
    bool aa64;              /* CD.AA64: must be 1 */
    bool affd;              /* CD.AFFD */
    bool wxn;               /* CD.WXN */
    bool pan;               /* CD.PAN */
    bool el2;               /* StreamWorld any-EL2: one privilege level */
    bool ha, hd;            /* CD.HA/HD, effective ({HD,HA} = 10: 00) */
    bool haft;              /* CD.HAFT (with HA and IDR0.HTTU == 3) */
    SMMUv3AuxMemAttrs attrs; /* for descriptor fetches */
} SMMUv3AuxS1Cfg;

/* Stage-2 configuration decoded from an STE (the VTCR-like fields). */
typedef struct SMMUv3AuxS2Cfg {
    uint64_t ttb;           /* STE.S2TTB (PA) */
    uint8_t tsz;            /* STE.S2T0SZ */
    uint8_t sl0;            /* STE.S2SL0 */
    uint8_t granule;        /* SMMUV3_AUX_GRAN_*, from STE.S2TG */
    uint8_t ps;             /* STE.S2PS decoded to bits (32..52) */
    uint8_t oas;            /* SMMU_IDR5.OAS in bits; caps ps, is the IAS */
    bool aa64;              /* STE.S2AA64: must be 1 */
    bool affd;              /* STE.S2AFFD */
    bool ptw;               /* STE.S2PTW: S1 walks to Device memory fault */
    bool fwb;               /* STE.S2FWB: changes how MemAttr means Device */
    bool xnx;               /* SMMU_IDR3.XNX: XN[1:0] instead of XN */
    bool ha, hd;            /* STE.S2HA/S2HD, effective like CD.HA/HD */
    bool haft;              /* STE.S2HAFT (with S2HA, IDR0.HTTU == 3) */
    SMMUv3AuxMemAttrs attrs; /* for descriptor fetches */
} SMMUv3AuxS2Cfg;

/*
 * The transaction's access, after STE INSTCFG/PRIVCFG overrides.  A write
 * is always Data (SMMU spec 13.1.2): exec is ignored when write is set.
 */
typedef struct SMMUv3AuxPtwAccess {
    bool write;
    bool exec;
    bool priv;
} SMMUv3AuxPtwAccess;

/* Permissions a translation grants, privileged (p*) and unprivileged (u*). */
typedef struct SMMUv3AuxPtwPerm {
    bool pr, pw, px;
    bool ur, uw, ux;
} SMMUv3AuxPtwPerm;

typedef struct SMMUv3AuxPtwResult {
    uint64_t oa;            /* output address of the input address itself */
    uint64_t addr_mask;     /* size of the mapped region minus one */
    int level;              /* leaf level (stage 1, or stage 2 if S2 only) */
    uint8_t granule;        /* granule of that stage */
    bool ng;                /* stage-1 nG: non-global (ASID-tagged) */
    SMMUv3AuxPtwPerm perm;  /* for S1+S2, the intersection of both */
    /* Nested and S2-only: the stage-2 part. */
    uint64_t ipa;           /* stage-1 output (S2 only: the input) */
    int s2_level;
    uint64_t s2_addr_mask;
    uint8_t s2_granule;
} SMMUv3AuxPtwResult;

/* A walk fault; the caller turns it into an event record. */
typedef struct SMMUv3AuxPtwFault {
    SMMUv3AuxEventId type;  /* F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, ... */
    bool s2;                /* fault at stage 2 */
    uint8_t class_;         /* SMMUV3_AUX_EVT_CLASS_{TT,IN} */
    uint64_t input_addr;    /* the transaction's input address */
    uint64_t ipa;           /* stage-2 faults: the IPA being translated */
    uint64_t fetch_addr;    /* F_WALK_EABT: PA of the descriptor read
                               or updated */
    int level;              /* level of the walk that faulted */
    bool rnw, ind, pnu;     /* from the access (InD == 0 when RnW == 0) */
    bool ttrnw;             /* CLASS == TT: 1 descriptor read, 0 update */
} SMMUv3AuxPtwFault;

/*
 * The one permission rule of this model, used by the walk, the IOTLB and
 * the grant of a translation alike.  An instruction fetch needs execute
 * permission only, as on a PE (a VMSAv8-64 location can be execute-only);
 * a write needs write permission whatever InD says (writes are Data, SMMU
 * spec 13.1.2); a data read needs read permission; each for the access's
 * privilege.  Inline: every IOTLB hit asks it.
 */
static inline bool smmuv3_aux_ptw_perm_allows(const SMMUv3AuxPtwPerm *p,
                                              SMMUv3AuxPtwAccess acc)
{
    if (acc.write) {
        return acc.priv ? p->pw : p->uw;
    }
    if (acc.exec) {
        return acc.priv ? p->px : p->ux;
    }
    return acc.priv ? p->pr : p->ur;
}
/* A VMSAv8-64 stage-1 TxSZ this walker accepts (16..39). */
bool smmuv3_aux_ptw_tsz_valid(unsigned tsz);

/* CD.IPS / STE.S2PS encoding to bits (reserved 0b111 behaves as 52). */
unsigned smmuv3_aux_ptw_ps_bits(unsigned enc);
/* CD.TG0, CD.TG1, STE.S2TG encodings to SMMUV3_AUX_GRAN_*, 0 if Reserved. */
unsigned smmuv3_aux_ptw_tg0_granule(unsigned tg0);
unsigned smmuv3_aux_ptw_tg1_granule(unsigned tg1);
unsigned smmuv3_aux_ptw_s2tg_granule(unsigned s2tg);

/*
 * NULL if the configuration is walkable, else a static reason; the caller
 * raises C_BAD_CD (s1) or C_BAD_STE (s2).  Granule support in IDR5 is the
 * caller's check (it owns the IDRs).
 */
const char *smmuv3_aux_ptw_s1_cfg_valid(const SMMUv3AuxS1Cfg *cfg);
const char *smmuv3_aux_ptw_s2_cfg_valid(const SMMUv3AuxS2Cfg *cfg);

/*
 * Introspection (inspect.c): the descriptors a walk read, in the order it
 * read them, each with what it is and where it leads.  A walk records
 * only when given a trace; translation never does.
 */
typedef enum SMMUv3AuxPtwDescKind {
    SMMUV3_AUX_PTW_DESC_INVALID,    /* bit 0 clear: Translation fault */
    SMMUV3_AUX_PTW_DESC_TABLE,
    SMMUV3_AUX_PTW_DESC_BLOCK,
    SMMUV3_AUX_PTW_DESC_PAGE,
    SMMUV3_AUX_PTW_DESC_RESERVED,   /* a block where none may be */
} SMMUv3AuxPtwDescKind;

typedef struct SMMUv3AuxPtwTraceStep {
    uint8_t stage;          /* 1 or 2 */
    uint8_t class_;         /* stage 2: what it translated (EVT_CLASS_*) */
    int8_t level;
    uint8_t kind;           /* SMMUv3AuxPtwDescKind */
    uint8_t granule;
    bool updated;           /* HTTU wrote desc_new over it */
    uint64_t input;         /* the address this stage was translating */
    uint64_t desc_addr;     /* an IPA for nested stage-1 descriptors */
    uint64_t desc_pa;
    uint64_t desc, desc_new;
    uint64_t next;          /* TABLE: next table; BLOCK/PAGE: output base */
} SMMUv3AuxPtwTraceStep;

/* Nested 4K: 4 stage-1 levels x (1 + 4 stage-2) + 4 for the output. */
#define SMMUV3_AUX_PTW_TRACE_MAX    32

typedef struct SMMUv3AuxPtwTrace {
    SMMUv3AuxPtwTraceStep step[SMMUV3_AUX_PTW_TRACE_MAX];
    unsigned n;
    bool truncated;         /* more steps than step[] holds */
} SMMUv3AuxPtwTrace;

/*
 * The walk cache of nested translation (the caller's: translate.c keeps
 * it in the IOTLB): stage 2 translations of stage-1 table addresses.
 * lookup() gives the PA of the table IPA if it is held; insert() is
 * offered each translation a table walk made (CLASS TT, a privileged
 * read), which passed every stage 2 check a table walk makes.
 */
typedef struct SMMUv3AuxPtwTtCache {
    bool (*lookup)(void *opaque, uint64_t ipa, uint64_t *pa);
    void (*insert)(void *opaque, uint64_t ipa,
                   const SMMUv3AuxPtwResult *s2);
    void *opaque;
} SMMUv3AuxPtwTtCache;

/*
 * Walk stage 1 for iova.  With s2cfg non-NULL (nested), TTBx and every
 * table address are IPAs translated by stage 2 (faults there are stage-2
 * faults with CLASS == TT), and the output IPA is translated by stage 2
 * (CLASS == IN).  Returns true and fills *out, or false and fills *fault.
 * cfg (and s2cfg) must have passed *_cfg_valid().  cache, if not NULL,
 * is the walk cache of a nested walk's table addresses; trace, if not
 * NULL, gets every descriptor read appended (and then cache is not used,
 * so the trace shows every stage 2 step).
 */
bool smmuv3_aux_ptw_s1_walk(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS1Cfg *cfg, uint64_t iova,
                            SMMUv3AuxPtwAccess access,
                            SMMUv3AuxPtwResult *out,
                            SMMUv3AuxPtwFault *fault,
                            const SMMUv3AuxS2Cfg *s2cfg,
                            const SMMUv3AuxPtwTtCache *cache,
                            SMMUv3AuxPtwTrace *trace);

/* Walk stage 2 alone for ipa (STE.Config == S2 only). */
bool smmuv3_aux_ptw_s2_trace(const SMMUv3AuxEngineOps *ops, void *opaque,
                             const SMMUv3AuxS2Cfg *cfg, uint64_t ipa,
                             SMMUv3AuxPtwAccess access,
                             SMMUv3AuxPtwResult *out,
                             SMMUv3AuxPtwFault *fault,
                             SMMUv3AuxPtwTrace *trace);


static inline bool smmuv3_aux_ptw_s1(const SMMUv3AuxEngineOps *ops,
                                     void *opaque,
                                     const SMMUv3AuxS1Cfg *cfg,
                                     uint64_t iova,
                                     SMMUv3AuxPtwAccess access,
                                     SMMUv3AuxPtwResult *out,
                                     SMMUv3AuxPtwFault *fault,
                                     const SMMUv3AuxS2Cfg *s2cfg)
{
    return smmuv3_aux_ptw_s1_walk(ops, opaque, cfg, iova, access, out,
                                  fault, s2cfg, NULL, NULL);
}

static inline bool smmuv3_aux_ptw_s2(const SMMUv3AuxEngineOps *ops,
                                     void *opaque,
                                     const SMMUv3AuxS2Cfg *cfg, uint64_t ipa,
                                     SMMUv3AuxPtwAccess access,
                                     SMMUv3AuxPtwResult *out,
                                     SMMUv3AuxPtwFault *fault)
{
    return smmuv3_aux_ptw_s2_trace(ops, opaque, cfg, ipa, access, out,
                                   fault, NULL);
}

#endif
