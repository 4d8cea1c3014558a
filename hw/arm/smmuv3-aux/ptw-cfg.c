/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: the translation-table fields of a CD (IHI 0070 5.4: TxSZ,
 * TGx, IPS, TTBx, EPDx) and an STE (5.2: S2T0SZ, S2SL0, S2TG, S2PS,
 * S2TTB), decoded and checked before any walk uses them.  A field the
 * architecture calls ILLEGAL makes the structure invalid (C_BAD_CD or
 * C_BAD_STE, reported by cd.c and strtab.c with the reason returned here);
 * the walker (ptw.c) only ever sees configurations that passed.
 */
#include "qemu/osdep.h"
#include "ptw.h"
#include "ptw-internal.h"

/* Largest TxSZ without IDR3.STT; smallest without 52-bit VA/IPA support. */
#define PTW_TSZ_MAX         39
#define PTW_TSZ_MIN         16
#define PTW_S2_MAX_CONCAT_BITS 4    /* up to 16 concatenated start tables */

unsigned smmuv3_aux_ptw_ps_bits(unsigned enc)
{
    static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

    return bits[enc & 7];
}

unsigned smmuv3_aux_ptw_tg0_granule(unsigned tg0)
{
    static const uint8_t g[4] = {
        SMMUV3_AUX_GRAN_4K, SMMUV3_AUX_GRAN_64K, SMMUV3_AUX_GRAN_16K, 0
    };

    return g[tg0 & 3];
}

unsigned smmuv3_aux_ptw_tg1_granule(unsigned tg1)
{
    static const uint8_t g[4] = {
        0, SMMUV3_AUX_GRAN_16K, SMMUV3_AUX_GRAN_4K, SMMUV3_AUX_GRAN_64K
    };

    return g[tg1 & 3];
}

unsigned smmuv3_aux_ptw_s2tg_granule(unsigned s2tg)
{
    /* STE.S2TG has TG0's encoding. */
    return smmuv3_aux_ptw_tg0_granule(s2tg);
}

/*
 * CDTxSZInvalid() without IDR5.VAX (48-bit VAs), DS and IDR3.STT: 16..39.
 * SMMUv3.0 leaves an out-of-range TxSZ CONSTRAINED UNPREDICTABLE between
 * ILLEGAL and clamping; we take ILLEGAL, the v3.1+ rule (5.4 T0SZ).
 */
bool smmuv3_aux_ptw_tsz_valid(unsigned tsz)
{
    return tsz >= PTW_TSZ_MIN && tsz <= PTW_TSZ_MAX;
}

static const char *tt_valid(const SMMUv3AuxS1Cfg *cfg,
                            const SMMUv3AuxPtwTT *tt)
{
    SMMUv3AuxPtwGeom g;

    if (tt->epd) {
        return NULL;        /* the other fields are IGNORED */
    }
    if (!ptw_granule_ok(tt->granule)) {
        return "TGx selects a Reserved granule";
    }
    if (!smmuv3_aux_ptw_tsz_valid(tt->tsz)) {
        return "TxSZ out of range";
    }
    ptw_s1_geom(cfg, tt, &g);
    if (tt->ttb >> g.out_bits) {
        return "TTBx outside the effective IPS";
    }
    return NULL;
}

const char *smmuv3_aux_ptw_s1_cfg_valid(const SMMUv3AuxS1Cfg *cfg)
{
    const char *why;

    if (!cfg->aa64) {
        return "AA64 == 0 (VMSAv8-32 LPAE) not supported";
    }
    why = tt_valid(cfg, &cfg->tt[0]);
    return why ? why : tt_valid(cfg, &cfg->tt[1]);
}

/* AArch64.S2InvalidSL without FEAT_TTST and DS, with PAMax == OAS. */
static bool s2_sl0_invalid(const SMMUv3AuxS2Cfg *cfg)
{
    switch (cfg->granule) {
    case SMMUV3_AUX_GRAN_4K:
        return cfg->sl0 == 3 || (cfg->sl0 == 2 && cfg->oas < 44);
    case SMMUV3_AUX_GRAN_16K:
        return cfg->sl0 == 3 || (cfg->sl0 == 2 && cfg->oas < 42);
    default:
        return cfg->sl0 == 3 || (cfg->sl0 == 2 && cfg->oas < 44);
    }
}

const char *smmuv3_aux_ptw_s2_cfg_valid(const SMMUv3AuxS2Cfg *cfg)
{
    unsigned ias = cfg->oas;    /* no AArch32: IAS == OAS */
    unsigned tsz_min;
    SMMUv3AuxPtwGeom g;

    if (!cfg->aa64) {
        return "S2AA64 == 0 (VMSAv8-32 LPAE) not supported";
    }
    if (!ptw_granule_ok(cfg->granule)) {
        return "S2TG selects a Reserved granule";
    }
    /* v3.1+: MAX(16, 64 - IAS), or 12 for 64K, which is moot at 52 bits. */
    tsz_min = MAX(cfg->granule == SMMUV3_AUX_GRAN_64K ? 12 : PTW_TSZ_MIN,
                  64 - ias);
    if (cfg->tsz < tsz_min || cfg->tsz > PTW_TSZ_MAX) {
        return "S2T0SZ out of range";
    }
    if (s2_sl0_invalid(cfg)) {
        return "S2SL0 invalid for the granule";
    }
    ptw_s2_geom(cfg, &g);
    /*
     * AArch64.S2InconsistentSL: the start level must resolve at least one
     * bit, and at most a full level plus 16 concatenated tables.
     */
    if (g.inputsize <= ptw_level_shift(&g, g.start_level) ||
        g.start_bits > g.stride + PTW_S2_MAX_CONCAT_BITS) {
        return "S2SL0 inconsistent with S2T0SZ";
    }
    if (cfg->ttb >> g.out_bits) {
        return "S2TTB outside the effective S2PS";
    }
    return NULL;
}
