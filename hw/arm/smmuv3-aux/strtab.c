/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: transaction entry point, stream table walk, STE
 * validation and decode (Arm IHI 0070 chapters 3.3, 5.1, 5.2), and the
 * translation of a transaction through a decoded configuration.
 *
 * Translation is split in two so that caches can sit between the steps:
 * smmuv3_aux_cfg_decode() turns (StreamID, SubstreamID) into an
 * SMMUv3AuxCfg (STE, then CD through cd.c), smmuv3_aux_cfg_translate()
 * walks the tables (ptw.c) and reports faults.  Nothing is cached yet:
 * every transaction reads the L1STD (if any), the STE and the CD from
 * guest memory.  Linux writes L1STDs without any CFGI command, so an
 * invalid L1STD must never be remembered.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "engine-internal.h"

/* Output of a bypassed transaction: one 4 KiB identity page, RW. */
SMMUv3AuxResult smmuv3_aux_txn_bypass(const SMMUv3AuxTxn *txn,
                                      SMMUv3AuxTxnOut *out)
{
    out->addr_mask = 0xfff;
    out->pa = txn->iova & ~out->addr_mask;
    out->read = true;
    out->write = true;
    return SMMUV3_AUX_TXN_OK;
}

void smmuv3_aux_event_init(SMMUv3AuxEvent *ev, SMMUv3AuxEventId id,
                           const SMMUv3AuxTxn *txn)
{
    memset(ev, 0, sizeof(*ev));
    ev->id = id;
    ev->sid = txn->sid;
    ev->ssv = txn->ssv;
    ev->ssid = txn->ssv ? txn->ssid : 0;
    ev->input_addr = txn->iova;
    ev->rnw = !txn->is_write;
    ev->ind = txn->is_exec;
    ev->pnu = txn->is_priv;
}

/* ---- Stream table geometry ------------------------------------------ */

void smmuv3_aux_strtab_geometry(SMMUv3AuxEngine *e, SMMUv3AuxStrtab *st)
{
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

bool smmuv3_aux_dma_read_le64s(SMMUv3AuxEngine *e, uint64_t addr,
                               uint64_t *qw, unsigned n)
{
    uint64_t raw[8];

    g_assert(n <= ARRAY_SIZE(raw));
    if (!e->ops->dma_read(e->opaque, addr, raw, n * sizeof(uint64_t),
                          smmuv3_aux_ns_attrs())) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        qw[i] = le64_to_cpu(raw[i]);
    }
    return true;
}

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

    if (!smmuv3_aux_dma_read_le64s(e, l1_addr, &l1std, 1)) {
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
    SMMUv3AuxStrtab st;
    uint64_t ste_addr;

    smmuv3_aux_strtab_geometry(e, &st);
    if (st.log2size < 32 && sid >= (1ULL << st.log2size)) {
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    if (st.two_level) {
        if (!strtab_l1(e, &st, sid, &ste_addr, ev)) {
            return false;
        }
    } else {
        ste_addr = st.base + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    if (!smmuv3_aux_dma_read_le64s(e, ste_addr, ste->qw, ARRAY_SIZE(ste->qw))) {
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

static bool granule_supported(SMMUv3AuxEngine *e, unsigned granule)
{
    uint32_t idr5 = e->regs.idr[5];

    return (granule == SMMUV3_AUX_GRAN_4K && FIELD_EX32(idr5, IDR5, GRAN4K)) ||
           (granule == SMMUV3_AUX_GRAN_16K &&
            FIELD_EX32(idr5, IDR5, GRAN16K)) ||
           (granule == SMMUV3_AUX_GRAN_64K &&
            FIELD_EX32(idr5, IDR5, GRAN64K));
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
    s2->ha = FIELD_EX64(q2, STE_2, S2HA);
    s2->hd = FIELD_EX64(q2, STE_2, S2HD);
    s2->attrs = smmuv3_aux_ns_attrs();
}

/* Stage-2 fault model and table format bits (5.5, 5.2 S2AA64/S2HA). */
static const char *ste_check_s2_bits(SMMUv3AuxEngine *e, uint64_t q2)
{
    uint32_t idr0 = e->regs.idr[0];
    unsigned stall_model = FIELD_EX32(idr0, IDR0, STALL_MODEL);
    unsigned httu = FIELD_EX32(idr0, IDR0, HTTU);
    unsigned endian = FIELD_EX32(idr0, IDR0, TTENDIAN);
    bool s2s = FIELD_EX64(q2, STE_2, S2S);
    bool endi = FIELD_EX64(q2, STE_2, S2ENDI);

    if (stall_model == SMMUV3_AUX_IDR0_STALL_NONE && s2s) {
        return "S2S = 1 without stall support";
    }
    if (stall_model == SMMUV3_AUX_IDR0_STALL_FORCE && !s2s) {
        return "S2S = 0 with stalls forced";
    }
    /* TTF = AArch64 only: VMSAv8-32 LPAE stage 2 tables are ILLEGAL. */
    if (!FIELD_EX64(q2, STE_2, S2AA64) &&
        !(FIELD_EX32(idr0, IDR0, TTF) & SMMUV3_AUX_IDR0_TTF_AA32)) {
        return "S2AA64 = 0 without AArch32 tables";
    }
    if ((FIELD_EX64(q2, STE_2, S2HA) || FIELD_EX64(q2, STE_2, S2HD)) &&
        httu == 0) {
        return "S2HA/S2HD set without HTTU";
    }
    if (FIELD_EX64(q2, STE_2, S2HD) && httu == 1) {
        return "S2HD set with HTTU access flag only";
    }
    if ((endian == SMMUV3_AUX_IDR0_TTENDIAN_LE && endi) ||
        (endian == SMMUV3_AUX_IDR0_TTENDIAN_BE && !endi)) {
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
    if (!granule_supported(e, s2.granule)) {
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
    /* EATS is IGNORED: IDR0.ATS == 0. */
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
    }
}

/*
 * A SubstreamID is only accepted by a stage-1 STE with a CD table large
 * enough for it, within IDR1.SSIDSIZE.  With SSIDSIZE = 0 every
 * transaction that carries one is refused.
 */
static bool ssid_ok(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg)
{
    unsigned ssidsize = FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE);
    unsigned cdmax = cfg->s1cdmax;

    if (!cfg->ssv) {
        return true;
    }
    return ssidsize != 0 && (cfg->kind == SMMUV3_AUX_CFG_S1 ||
                             cfg->kind == SMMUV3_AUX_CFG_NESTED) &&
           cdmax != 0 && cfg->ssid < (1u << MIN(cdmax, ssidsize));
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

bool smmuv3_aux_cfg_decode(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
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
    if (!ssid_ok(e, cfg)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ssid, "sid=0x%x ssid=0x%x",
                             sid, ssid);
        ev->id = SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID;
        return false;
    }
    if (cfg->kind == SMMUV3_AUX_CFG_S1 || cfg->kind == SMMUV3_AUX_CFG_NESTED) {
        return smmuv3_aux_cd_load(e, cfg, ev);
    }
    return true;
}

/* ---- Translation through a decoded configuration ------------------------ */

/*
 * The access after STE.PRIVCFG and STE.INSTCFG (0b0x: use incoming,
 * 0b10: Unprivileged / Data, 0b11: Privileged / Instruction).  These are
 * the PnU/InD values events report (7.3.12).  That the EL2 StreamWorld
 * considers every access privileged (5.4 UWXN) is the walker's business:
 * its single-privilege permissions are the same for both.
 */
SMMUv3AuxPtwAccess smmuv3_aux_txn_access(const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxTxn *txn)
{
    SMMUv3AuxPtwAccess acc = {
        .write = txn->is_write, .exec = txn->is_exec, .priv = txn->is_priv,
    };

    if (cfg->privcfg & 2) {
        acc.priv = cfg->privcfg & 1;
    }
    if (cfg->instcfg & 2) {
        acc.exec = cfg->instcfg & 1;
    }
    return acc;
}

/*
 * How a walk fault terminates the transaction (5.5): a stage-1
 * Translation-related fault (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS,
 * F_PERMISSION) with CD.A == 0 completes with RAZ/WI behaviour; stage 2
 * behaves as A == 1, and every other fault (F_WALK_EABT) aborts.
 */
static SMMUv3AuxResult walk_fault_result(const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxPtwFault *f)
{
    if (f->type == SMMUV3_AUX_EVT_F_WALK_EABT || f->s2 || cfg->s1_abort) {
        return SMMUV3_AUX_TXN_ABORT;
    }
    return SMMUV3_AUX_TXN_RAZWI;
}

/*
 * A walk fault terminates the transaction.  The four Translation-related
 * faults are recorded only if R is set for their stage (CD.R, STE.S2R);
 * F_WALK_EABT always is (5.5).
 */
static SMMUv3AuxResult txn_walk_fault(SMMUv3AuxEngine *e,
                                      const SMMUv3AuxCfg *cfg,
                                      const SMMUv3AuxTxn *txn,
                                      const SMMUv3AuxPtwFault *f)
{
    bool record = f->s2 ? cfg->s2_record : cfg->s1_record;
    SMMUv3AuxResult res = walk_fault_result(cfg, f);
    SMMUv3AuxEvent ev;

    if (f->type == SMMUV3_AUX_EVT_F_WALK_EABT) {
        record = true;
    }
    trace_smmuv3_aux_translate_fault(txn->sid, txn->iova,
                                     smmuv3_aux_evt_name(f->type), f->s2,
                                     f->level, record,
                                     res == SMMUV3_AUX_TXN_RAZWI);
    if (!record) {
        return res;
    }
    smmuv3_aux_event_init(&ev, f->type, txn);
    ev.rnw = f->rnw;
    ev.ind = f->ind;
    ev.pnu = f->pnu;
    ev.s2 = f->s2;
    ev.class_ = f->class_;
    /* TTRnW is defined for F_PERMISSION only (7.3.16). */
    ev.ttrnw = f->type == SMMUV3_AUX_EVT_F_PERMISSION && f->ttrnw;
    ev.ipa = f->s2 ? f->ipa : 0;        /* IPA is UNKNOWN for stage 1 */
    ev.fetch_addr = f->fetch_addr;
    ev.merge = cfg->mev;
    smmuv3_aux_evtq_record(e, &ev);
    return res;
}

static bool perm_ok(const SMMUv3AuxPtwPerm *p, bool priv, bool write)
{
    if (write) {
        return priv ? p->pw : p->uw;
    }
    return priv ? p->pr : p->ur;
}

SMMUv3AuxResult smmuv3_aux_cfg_translate(SMMUv3AuxEngine *e,
                                         const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxTxn *txn,
                                         SMMUv3AuxTxnOut *out,
                                         SMMUv3AuxTransInfo *info)
{
    SMMUv3AuxPtwAccess acc = smmuv3_aux_txn_access(cfg, txn);
    SMMUv3AuxPtwResult res;
    SMMUv3AuxPtwFault f;
    bool ok;

    memset(out, 0, sizeof(*out));
    if (info) {
        memset(info, 0, sizeof(*info));
    }
    switch (cfg->kind) {
    case SMMUV3_AUX_CFG_ABORT:
        /* An abort STE terminates silently, by design. */
        trace_smmuv3_aux_translate_ste_abort(txn->sid, txn->iova);
        return SMMUV3_AUX_TXN_ABORT;
    case SMMUV3_AUX_CFG_BYPASS:
        trace_smmuv3_aux_translate_bypass(txn->sid, txn->iova);
        return smmuv3_aux_txn_bypass(txn, out);
    case SMMUV3_AUX_CFG_S2:
        ok = smmuv3_aux_ptw_s2(e->ops, e->opaque, &cfg->s2, txn->iova, acc,
                               &res, &f);
        break;
    default:
        ok = smmuv3_aux_ptw_s1(e->ops, e->opaque, &cfg->s1, txn->iova, acc,
                               &res, &f,
                               cfg->kind == SMMUV3_AUX_CFG_NESTED ?
                               &cfg->s2 : NULL);
        break;
    }
    if (!ok) {
        return txn_walk_fault(e, cfg, txn, &f);
    }
    out->addr_mask = res.addr_mask;
    out->pa = res.oa & ~res.addr_mask;
    out->read = perm_ok(&res.perm, acc.priv, false);
    out->write = perm_ok(&res.perm, acc.priv, true);
    trace_smmuv3_aux_translate_walk(txn->sid, txn->iova, res.oa,
                                    res.addr_mask, res.level);
    if (info) {
        info->walked = true;
        info->regime = cfg->regime;
        info->asid = cfg->asid;
        info->vmid = cfg->vmid;
        info->walk = res;
    }
    return SMMUV3_AUX_TXN_OK;
}
