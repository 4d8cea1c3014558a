/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the stream table and the STE (Arm IHI 0070 5.1, 5.2):
 * geometry from STRTAB_BASE(_CFG), the walk to a StreamID's STE through
 * linear or 2-level tables, SteIllegal() validation (5.2.2), and the
 * decode of the STE's part of a configuration, SubstreamID checks
 * included.  The CD part is cd.c's; translate.c runs both.
 *
 * Nothing here is cached: the configuration cache (tlb.c) holds decoded
 * configurations, never an L1STD.  Linux writes L1STDs without any CFGI
 * command, so an invalid L1STD must never be remembered.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

/* ---- Stream table geometry ------------------------------------------ */

void smmuv3_aux_strtab_update(SMMUv3AuxEngine *e)
{
    SMMUv3AuxStrtab *st = &e->strtab;
    uint32_t cfg = e->regs.strtab_base_cfg;
    unsigned fmt = FIELD_EX32(cfg, STRTAB_BASE_CFG, FMT);
    unsigned split = FIELD_EX32(cfg, STRTAB_BASE_CFG, SPLIT);
    uint64_t bytes;

    /* LOG2SIZE above IDR1.SIDSIZE behaves as SIDSIZE. */
    st->log2size = MIN(FIELD_EX32(cfg, STRTAB_BASE_CFG, LOG2SIZE),
                       FIELD_EX32(e->regs.idr[1], IDR1, SIDSIZE));
    st->two_level = fmt == SMMUV3_AUX_STRTAB_FMT_2LVL &&
                    FIELD_EX32(e->regs.idr[0], IDR0, ST_LEVEL) == 1;
    if (fmt != SMMUV3_AUX_STRTAB_FMT_LINEAR && !st->two_level) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_strtab_fmt, "fmt=%u", fmt);
    }
    /* SPLIT is 6, 8 or 10; other values are taken as 8 (Linux's). */
    if (split != 6 && split != 8 && split != 10) {
        if (st->two_level) {
            SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_strtab_split, "split=%u",
                                 split);
        }
        split = 8;
    }
    st->split = split;
    /* The table is aligned to its size (at least 64 bytes). */
    if (st->two_level) {
        bytes = (uint64_t)SMMUV3_AUX_L1STD_SIZE <<
                (st->log2size > split ? st->log2size - split : 0);
    } else {
        bytes = (uint64_t)SMMUV3_AUX_STE_SIZE << st->log2size;
    }
    bytes = MAX(bytes, 64);
    st->base = e->regs.strtab_base & R_STRTAB_BASE_ADDR_MASK & ~(bytes - 1);
}

/* ---- Walk ----------------------------------------------------------- */

/*
 * Level 1: find the level-2 array for sid.  Returns false with ev->id set
 * (C_BAD_STREAMID or F_STE_FETCH) when no STE can be reached.
 */
static bool strtab_l1(SMMUv3AuxEngine *e, const SMMUv3AuxStrtab *st,
                      uint32_t sid, uint64_t *ste_addr, SMMUv3AuxEvent *ev)
{
    uint64_t l1_addr = st->base +
                       (uint64_t)(sid >> st->split) * SMMUV3_AUX_L1STD_SIZE;
    uint32_t l2_idx = sid & ((1u << st->split) - 1);
    uint64_t l1std, l2ptr;
    unsigned span;

    e->counters.fetches[SMMUV3_AUX_FETCH_L1STD]++;
    if (!smmuv3_aux_read_le64s(e, l1_addr, &l1std, 1)) {
        ev->id = SMMUV3_AUX_EVT_F_STE_FETCH;
        ev->fetch_addr = l1_addr;
        return false;
    }
    span = FIELD_EX64(l1std, L1STD, SPAN);
    trace_smmuv3_aux_l1std(sid, l1_addr, l1std);
    /* Span 0, Reserved (12..31) or beyond SPLIT + 1: invalid (5.1.1). */
    if (span == 0 || span > SMMUV3_AUX_L1STD_SPAN_MAX ||
        span > st->split + 1) {
        trace_smmuv3_aux_l1std_invalid(sid, span);
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    if (l2_idx >= (1u << (span - 1))) {
        trace_smmuv3_aux_l1std_invalid(sid, span);
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    /* The level-2 array is aligned to its size, 64 << (Span - 1). */
    l2ptr = l1std & R_L1STD_L2PTR_MASK &
            ~(((uint64_t)SMMUV3_AUX_STE_SIZE << (span - 1)) - 1);
    *ste_addr = l2ptr + (uint64_t)l2_idx * SMMUV3_AUX_STE_SIZE;
    return true;
}

bool smmuv3_aux_ste_fetch(SMMUv3AuxEngine *e, uint32_t sid,
                          SMMUv3AuxSTE *ste, SMMUv3AuxEvent *ev)
{
    const SMMUv3AuxStrtab *st = &e->strtab;
    uint64_t ste_addr;

    if (st->log2size < 32 && sid >= (1ULL << st->log2size)) {
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    if (st->two_level) {
        if (!strtab_l1(e, st, sid, &ste_addr, ev)) {
            return false;
        }
    } else {
        ste_addr = st->base + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    e->counters.fetches[SMMUV3_AUX_FETCH_STE]++;
    if (!smmuv3_aux_read_le64s(e, ste_addr, ste->qw, ARRAY_SIZE(ste->qw))) {
        ev->id = SMMUV3_AUX_EVT_F_STE_FETCH;
        ev->fetch_addr = ste_addr;
        return false;
    }
    trace_smmuv3_aux_ste(sid, ste_addr, ste->qw[0], ste->qw[1], ste->qw[2]);
    return true;
}

/* ---- STE validation (SteIllegal(), 5.2.2) ---------------------------- */

/* IgnoreSTESTRW() for a Non-secure STE that reaches this point. */
static bool ste_strw_used(SMMUv3AuxEngine *e, unsigned config)
{
    uint32_t idr0 = e->regs.idr[0];

    return FIELD_EX32(idr0, IDR0, S1P) && FIELD_EX32(idr0, IDR0, HYP) &&
           config == SMMUV3_AUX_STE_CONFIG_S1;
}

static const char *ste_check_s1(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    uint32_t idr0 = e->regs.idr[0];
    unsigned ssidsize = FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE);
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);
    unsigned cdmax = FIELD_EX64(ste->qw[0], STE_0, S1CDMAX);
    unsigned fmt = FIELD_EX64(ste->qw[0], STE_0, S1FMT);
    uint64_t ctxptr = ste->qw[0] & R_STE_0_S1CONTEXTPTR_MASK;

    if (!FIELD_EX32(idr0, IDR0, S1P)) {
        return "stage 1 not supported";
    }
    /* STRW is RES0 without IDR0.HYP; when used, 0b01 and 0b11 are ILLEGAL */
    if (ste_strw_used(e, config) && (FIELD_EX64(ste->qw[1], STE_1, STRW) & 1)) {
        return "STRW Reserved";
    }
    if (FIELD_EX64(ste->qw[1], STE_1, S1STALLD) &&
        FIELD_EX32(idr0, IDR0, STALL_MODEL) != SMMUV3_AUX_IDR0_STALL_BOTH) {
        return "S1STALLD = 1 without a configurable stall model";
    }
    /* S1CDMax and S1Fmt are IGNORED while IDR1.SSIDSIZE == 0. */
    if (ssidsize && cdmax > ssidsize) {
        return "S1CDMax above SSIDSIZE";
    }
    if (ssidsize && cdmax && !FIELD_EX32(idr0, IDR0, CD2L) &&
        (fmt == SMMUV3_AUX_STE_S1FMT_2LVL_4K ||
         fmt == SMMUV3_AUX_STE_S1FMT_2LVL_64K)) {
        return "S1Fmt 2-level without IDR0.CD2L";
    }
    /* A PA within OAS, or an IPA within IAS, which is OAS here (no AA32). */
    if (ctxptr >> smmuv3_aux_oas_bits(e)) {
        return "S1ContextPtr out of range";
    }
    return NULL;
}

static void ste_decode_s2(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste,
                          SMMUv3AuxS2Cfg *s2)
{
    uint64_t q2 = ste->qw[2];
    uint32_t idr3 = e->regs.idr[3];

    memset(s2, 0, sizeof(*s2));
    s2->ttb = ste->qw[3] & R_STE_3_S2TTB_MASK;
    s2->tsz = FIELD_EX64(q2, STE_2, S2T0SZ);
    s2->sl0 = FIELD_EX64(q2, STE_2, S2SL0);
    s2->granule = smmuv3_aux_ptw_s2tg_granule(FIELD_EX64(q2, STE_2, S2TG));
    s2->ps = smmuv3_aux_ps_bits(e, FIELD_EX64(q2, STE_2, S2PS));
    s2->oas = smmuv3_aux_oas_bits(e);
    s2->aa64 = FIELD_EX64(q2, STE_2, S2AA64);
    s2->affd = FIELD_EX64(q2, STE_2, S2AFFD);
    s2->ptw = FIELD_EX64(q2, STE_2, S2PTW);
    /* S2FWB is RES0 without IDR3.FWB (SMMUv3.2). */
    s2->fwb = FIELD_EX32(idr3, IDR3, FWB) &&
              FIELD_EX64(ste->qw[1], STE_1, S2FWB);
    s2->xnx = FIELD_EX32(idr3, IDR3, XNX);
    /* {S2HA, S2HD} = 01 behaves as 00; S2HAFT is RES0 below HTTU 3. */
    s2->ha = FIELD_EX64(q2, STE_2, S2HA);
    s2->hd = s2->ha && FIELD_EX64(q2, STE_2, S2HD);
    s2->haft = s2->ha && FIELD_EX32(e->regs.idr[0], IDR0, HTTU) == 3 &&
               FIELD_EX64(q2, STE_2, S2HAFT);
    s2->attrs = smmuv3_aux_ns_attrs();
}

/* Stage-2 fault model and table format bits (5.5, 5.2 S2AA64/S2HA). */
static const char *ste_check_s2_bits(SMMUv3AuxEngine *e, uint64_t q2)
{
    bool s2s = FIELD_EX64(q2, STE_2, S2S);

    if (smmuv3_aux_stall_illegal(e, s2s)) {
        return s2s ? "S2S = 1 without stall support" :
                     "S2S = 0 with stalls forced";
    }
    /* TTF = AArch64 only: VMSAv8-32 LPAE stage 2 tables are ILLEGAL. */
    if (!FIELD_EX64(q2, STE_2, S2AA64) &&
        !(FIELD_EX32(e->regs.idr[0], IDR0, TTF) & SMMUV3_AUX_IDR0_TTF_AA32)) {
        return "S2AA64 = 0 without AArch32 tables";
    }
    if (smmuv3_aux_httu_illegal(e, FIELD_EX64(q2, STE_2, S2HA),
                                FIELD_EX64(q2, STE_2, S2HD))) {
        return "S2HA/S2HD beyond IDR0.HTTU";
    }
    if (FIELD_EX32(e->regs.idr[0], IDR0, HTTU) == 3 &&
        FIELD_EX64(q2, STE_2, S2HAFT) && !FIELD_EX64(q2, STE_2, S2HA)) {
        return "S2HAFT set without S2HA";
    }
    if (smmuv3_aux_endi_illegal(e, FIELD_EX64(q2, STE_2, S2ENDI))) {
        return "S2ENDI does not match IDR0.TTENDIAN";
    }
    return NULL;
}

static const char *ste_check_s2(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    SMMUv3AuxS2Cfg s2;
    const char *why;

    if (!FIELD_EX32(e->regs.idr[0], IDR0, S2P)) {
        return "stage 2 not supported";
    }
    why = ste_check_s2_bits(e, ste->qw[2]);
    if (why) {
        return why;
    }
    ste_decode_s2(e, ste, &s2);
    if (!smmuv3_aux_granule_supported(e, s2.granule)) {
        return "S2TG Reserved or unsupported";
    }
    /* S2T0SZ range, S2SL0 consistency, S2TTB within the effective S2PS. */
    return smmuv3_aux_ptw_s2_cfg_valid(&s2);
}

/* IgnoreSTES2VMID(): used by EL1 stage 1 and by every stage 2. */
static bool ste_vmid_used(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);

    return FIELD_EX32(e->regs.idr[0], IDR0, S2P) &&
           config != SMMUV3_AUX_STE_CONFIG_BYPASS &&
           !(ste_strw_used(e, config) &&
             FIELD_EX64(ste->qw[1], STE_1, STRW) !=
             SMMUV3_AUX_STE_STRW_NSEL1);
}

const char *smmuv3_aux_ste_check(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);
    const char *why = NULL;

    if (!FIELD_EX64(ste->qw[0], STE_0, V)) {
        return "V = 0";
    }
    /* 0b0xx (abort; 0b001..0b011 Reserved, behave as 0b000) and bypass. */
    if (!(config & 4) || config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
        return NULL;
    }
    if (config & 1) {
        why = ste_check_s1(e, ste);
    }
    if (!why && (config & 2)) {
        why = ste_check_s2(e, ste);
    }
    if (!why && ste_vmid_used(e, ste) &&
        !FIELD_EX32(e->regs.idr[0], IDR0, VMID16) &&
        (FIELD_EX64(ste->qw[2], STE_2, S2VMID) >> 8)) {
        why = "S2VMID[15:8] != 0 with 8-bit VMIDs";
    }
    /* EATS is checked by ATS (ats.c): every value is legal here. */
    return why;
}

/* ---- STE decode -------------------------------------------------------- */

static SMMUv3AuxRegime ste_regime(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);

    if (config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
        return SMMUV3_AUX_REGIME_NONE;
    }
    if (ste_strw_used(e, config) &&
        FIELD_EX64(ste->qw[1], STE_1, STRW) == SMMUV3_AUX_STE_STRW_EL2) {
        return FIELD_EX32(e->regs.cr2, CR2, E2H) ?
               SMMUV3_AUX_REGIME_EL2_E2H : SMMUV3_AUX_REGIME_EL2;
    }
    /* Stage 2 enabled: STRW IGNORED, StreamWorld NS-EL1 (5.2 STRW). */
    return SMMUV3_AUX_REGIME_NS_EL1;
}

/* Fill cfg from a valid translating or bypass STE (not the CD part). */
static void ste_decode(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste,
                       SMMUv3AuxCfg *cfg)
{
    static const SMMUv3AuxCfgKind kinds[4] = {
        SMMUV3_AUX_CFG_BYPASS, SMMUV3_AUX_CFG_S1, SMMUV3_AUX_CFG_S2,
        SMMUV3_AUX_CFG_NESTED,
    };
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);
    bool ssids = FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE) != 0;
    uint64_t q1 = ste->qw[1];

    cfg->kind = kinds[config & 3];
    cfg->ste_config = config;
    cfg->regime = ste_regime(e, ste);
    cfg->strw = ste_strw_used(e, config) ? FIELD_EX64(q1, STE_1, STRW) : 0;
    cfg->mev = FIELD_EX64(q1, STE_1, MEV);
    cfg->privcfg = FIELD_EX64(q1, STE_1, PRIVCFG);
    cfg->instcfg = FIELD_EX64(q1, STE_1, INSTCFG);
    cfg->s1cdmax = ssids ? FIELD_EX64(ste->qw[0], STE_0, S1CDMAX) : 0;
    cfg->s1fmt = ssids ? FIELD_EX64(ste->qw[0], STE_0, S1FMT) : 0;
    cfg->s1dss = ssids ? FIELD_EX64(q1, STE_1, S1DSS) : 0;
    cfg->eats = FIELD_EX32(e->regs.idr[0], IDR0, ATS) ?
                FIELD_EX64(q1, STE_1, EATS) : 0;
    if (cfg->regime == SMMUV3_AUX_REGIME_NS_EL1 && ste_vmid_used(e, ste)) {
        cfg->vmid = FIELD_EX64(ste->qw[2], STE_2, S2VMID);
    }
    if (config & 2) {
        ste_decode_s2(e, ste, &cfg->s2);
        cfg->s2fwb = cfg->s2.fwb;
        cfg->s2_record = FIELD_EX64(ste->qw[2], STE_2, S2R);
        cfg->s2_stall = FIELD_EX64(ste->qw[2], STE_2, S2S);
    }
    if (config & 1) {
        cfg->cd_addr = ste->qw[0] & R_STE_0_S1CONTEXTPTR_MASK;
        cfg->s1_stalld = FIELD_EX64(q1, STE_1, S1STALLD);
    }
}

/*
 * Substreams (5.2 S1CDMax, S1DSS, 3.4): which CD of the table a
 * transaction uses, in cfg->cd_index, or the event that terminates it.
 *  - A SubstreamID needs a stage-1 STE with S1CDMax > 0 and must be below
 *    2^S1CDMax; with IDR1.SSIDSIZE = 0 every SubstreamID is refused.  All
 *    of these are C_BAD_SUBSTREAMID.  With S1DSS = 0b10, SubstreamID 0
 *    belongs to the traffic without one: F_STREAM_DISABLED.
 *  - Without a SubstreamID, S1CDMax = 0 means the one CD; otherwise S1DSS
 *    decides: 0b00 (and Reserved 0b11) F_STREAM_DISABLED, 0b01 stage 1 is
 *    bypassed as for Config 0b1x0 (no CD is fetched), 0b10 CD 0.
 * Returns 0 or the event id.
 */
static SMMUv3AuxEventId ste_substream(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg)
{
    bool s1 = cfg->kind == SMMUV3_AUX_CFG_S1 ||
              cfg->kind == SMMUV3_AUX_CFG_NESTED;

    if (cfg->ssv) {
        if (!s1 || cfg->s1cdmax == 0 || cfg->ssid >> cfg->s1cdmax) {
            return SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID;
        }
        if (cfg->ssid == 0 && cfg->s1dss == SMMUV3_AUX_STE_S1DSS_SSID0) {
            return SMMUV3_AUX_EVT_F_STREAM_DISABLED;
        }
        cfg->cd_index = cfg->ssid;
        return 0;
    }
    if (!s1 || cfg->s1cdmax == 0) {
        return 0;
    }
    switch (cfg->s1dss) {
    case SMMUV3_AUX_STE_S1DSS_BYPASS:
        /* Stage 2 (nested) or nothing (stage 1 only) translates. */
        cfg->kind = cfg->kind == SMMUV3_AUX_CFG_NESTED ? SMMUV3_AUX_CFG_S2
                                                       : SMMUV3_AUX_CFG_BYPASS;
        if (cfg->kind == SMMUV3_AUX_CFG_BYPASS) {
            cfg->regime = SMMUV3_AUX_REGIME_NONE;
        }
        return 0;
    case SMMUV3_AUX_STE_S1DSS_SSID0:
        cfg->cd_index = 0;
        return 0;
    default:
        return SMMUV3_AUX_EVT_F_STREAM_DISABLED;
    }
}

/*
 * STE.Config 0b0xx: report abort to the device, no event recorded (5.2);
 * 0b001..0b011 are Reserved and behave as 0b000.
 */
static bool ste_config_abort(uint32_t sid, const SMMUv3AuxSTE *ste)
{
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);

    if (config & 4) {
        return false;
    }
    if (config != SMMUV3_AUX_STE_CONFIG_ABORT) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_ste_config_reserved,
                             "sid=0x%x config=%u", sid, config);
    }
    return true;
}

bool smmuv3_aux_ste_load(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                         bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev)
{
    SMMUv3AuxSTE ste;
    const char *why;

    memset(cfg, 0, sizeof(*cfg));
    cfg->sid = sid;
    cfg->ssv = ssv;
    cfg->ssid = ssv ? ssid : 0;
    /* No STE yet: these events may always be merged (7.3.1). */
    ev->merge = true;
    if (!smmuv3_aux_ste_fetch(e, sid, &ste, ev)) {
        return false;
    }
    why = smmuv3_aux_ste_check(e, &ste);
    if (why) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ste, "sid=0x%x %s", sid, why);
        ev->id = SMMUV3_AUX_EVT_C_BAD_STE;
        return false;
    }
    if (ste_config_abort(sid, &ste)) {
        cfg->kind = SMMUV3_AUX_CFG_ABORT;
        return true;
    }
    ste_decode(e, &ste, cfg);
    ev->merge = cfg->mev;
    ev->id = ste_substream(e, cfg);
    if (ev->id) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ssid, "sid=0x%x ssv=%d "
                             "ssid=0x%x %s", sid, ssv, ssid,
                             smmuv3_aux_evt_name(ev->id));
        return false;
    }
    return true;
}
