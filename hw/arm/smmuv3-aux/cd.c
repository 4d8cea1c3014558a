/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the CD table and the Context Descriptor: the walk to
 * a SubstreamID's CD through a linear or 2-level table (Arm IHI 0070 5.2
 * S1Fmt, 5.3 L1CD), fetch, validation and decode (5.4 CD, 5.4.2
 * CdIllegal(), 5.5 fault configuration).
 *
 * strtab.c has already chosen which CD the transaction uses (cfg->cd_index:
 * its SubstreamID, or 0 for STE.S1DSS = 0b10) and refused every SubstreamID
 * out of range.  An L1CD with V = 0 is C_BAD_SUBSTREAMID (5.3.1), a failed
 * L1CD or CD read F_CD_FETCH with the address of what was read.
 *
 * Nested (STE.Config == 0b111): S1ContextPtr, and L1CD.L2Ptr, are IPAs.
 * The L1CD and the CD are fetched through stage 2, and a stage-2 fault
 * there is reported as that fault with S2 == 1, CLASS == CD and the IPA of
 * the structure (7.3.13); such a failed fetch is not cached (5.4.1), which
 * holds here because nothing is cached on failure.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

/* Which translation regime the TTB fields are read for. */
static bool cd_el2(const SMMUv3AuxCfg *cfg)
{
    return cfg->regime == SMMUV3_AUX_REGIME_EL2;
}

/*
 * Effective EPDx: any-EL2 (without E2H) has a single range, so EPD0 is
 * IGNORED with an effective value of 0 and TTB1 is unreachable (its fields
 * RES0), which we model as a disabled TTB1 (5.4 EPD0, 5.4.1).
 */
static bool cd_epd(const SMMUv3AuxCfg *cfg, const SMMUv3AuxCD *cd, int i)
{
    if (cd_el2(cfg)) {
        return i == 1;
    }
    return i ? FIELD_EX64(cd->qw[0], CD_0, EPD1) :
               FIELD_EX64(cd->qw[0], CD_0, EPD0);
}

static unsigned cd_tsz(const SMMUv3AuxCD *cd, int i)
{
    return i ? FIELD_EX64(cd->qw[0], CD_0, T1SZ) :
               FIELD_EX64(cd->qw[0], CD_0, T0SZ);
}

static unsigned cd_granule(const SMMUv3AuxCD *cd, int i)
{
    return i ? smmuv3_aux_ptw_tg1_granule(FIELD_EX64(cd->qw[0], CD_0, TG1)) :
               smmuv3_aux_ptw_tg0_granule(FIELD_EX64(cd->qw[0], CD_0, TG0));
}

static uint64_t cd_ttb(const SMMUv3AuxCD *cd, int i)
{
    return i ? cd->qw[2] & R_CD_2_TTB1_MASK : cd->qw[1] & R_CD_1_TTB0_MASK;
}

/*
 * The IDR-dependent check of one enabled TTBx (5.4 TGx).  The TxSZ range
 * and the TTBx range against the effective IPS are the walker's own
 * preconditions, checked once by smmuv3_aux_ptw_s1_cfg_valid().
 */
static const char *cd_check_tt(SMMUv3AuxEngine *e, const SMMUv3AuxCD *cd,
                               int i)
{
    if (!smmuv3_aux_granule_supported(e, cd_granule(cd, i))) {
        return i ? "TG1 Reserved or unsupported" :
                   "TG0 Reserved or unsupported";
    }
    return NULL;
}

/* Fault model bits against IDR0.STALL_MODEL and TERM_MODEL (5.5). */
static const char *cd_check_ars(SMMUv3AuxEngine *e, uint64_t c0)
{
    bool s = FIELD_EX64(c0, CD_0, S);

    if (FIELD_EX32(e->regs.idr[0], IDR0, TERM_MODEL) &&
        !FIELD_EX64(c0, CD_0, A)) {
        return "A = 0 (RAZ/WI) with TERM_MODEL = 1";
    }
    if (smmuv3_aux_stall_illegal(e, s)) {
        return s ? "S = 1 without stall support" : "S = 0 with stalls forced";
    }
    return NULL;
}

/* CD.HA/HD/HAFT against IDR0.HTTU: ILLEGAL, not IGNORED (5.4 HA). */
static const char *cd_check_httu(SMMUv3AuxEngine *e, const SMMUv3AuxCD *cd)
{
    bool ha = FIELD_EX64(cd->qw[0], CD_0, HA);

    if (smmuv3_aux_httu_illegal(e, ha, FIELD_EX64(cd->qw[0], CD_0, HD))) {
        return "HA/HD beyond IDR0.HTTU";
    }
    if (FIELD_EX32(e->regs.idr[0], IDR0, HTTU) == 3 &&
        FIELD_EX64(cd->qw[1], CD_1, HAFT) && !ha) {
        return "HAFT set without HA";
    }
    return NULL;
}

/* CdIllegal() of 5.4.2 for a Non-secure VMSAv8-64-only implementation. */
const char *smmuv3_aux_cd_check(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                                const SMMUv3AuxCD *cd)
{
    uint32_t idr0 = e->regs.idr[0];
    uint64_t c0 = cd->qw[0];
    bool epd0 = cd_epd(cfg, cd, 0), epd1 = cd_epd(cfg, cd, 1);
    const char *why;

    if (!FIELD_EX64(c0, CD_0, V)) {
        return "V = 0";
    }
    why = cd_check_ars(e, c0);
    if (why) {
        return why;
    }
    /* ENDI is IGNORED only when both ranges are disabled. */
    if ((!epd0 || !epd1) &&
        smmuv3_aux_endi_illegal(e, FIELD_EX64(c0, CD_0, ENDI))) {
        return "ENDI does not match IDR0.TTENDIAN";
    }
    /* TTF = AArch64 only: VMSAv8-32 LPAE (AA64 = 0) tables are ILLEGAL. */
    if (!FIELD_EX64(c0, CD_0, AA64)) {
        if (!(FIELD_EX32(idr0, IDR0, TTF) & SMMUV3_AUX_IDR0_TTF_AA32)) {
            return "AA64 = 0 without AArch32 tables";
        }
    } else if (!(FIELD_EX32(idr0, IDR0, TTF) & SMMUV3_AUX_IDR0_TTF_AA64)) {
        return "AA64 = 1 without AArch64 tables";
    }
    why = cd_check_httu(e, cd);
    if (why) {
        return why;
    }
    /* ASID is IGNORED at EL2; otherwise 8-bit ASIDs need ASID[15:8] = 0. */
    if (!cd_el2(cfg) && !FIELD_EX32(idr0, IDR0, ASID16) &&
        (FIELD_EX64(c0, CD_0, ASID) >> 8)) {
        return "ASID[15:8] != 0 with 8-bit ASIDs";
    }
    /* 5.4.1.1: no validity checks on fields disabled by EPDx. */
    why = epd0 ? NULL : cd_check_tt(e, cd, 0);
    if (!why && !epd1) {
        why = cd_check_tt(e, cd, 1);
    }
    return why;
}

/* Fill cfg->s1 and the stage-1 fault and tag fields from a checked CD. */
void smmuv3_aux_cd_decode(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                          const SMMUv3AuxCD *cd)
{
    SMMUv3AuxS1Cfg *s1 = &cfg->s1;
    uint64_t c0 = cd->qw[0];
    bool had = FIELD_EX32(e->regs.idr[3], IDR3, HAD);

    memset(s1, 0, sizeof(*s1));
    for (int i = 0; i < 2; i++) {
        SMMUv3AuxPtwTT *tt = &s1->tt[i];

        tt->epd = cd_epd(cfg, cd, i);
        tt->ttb = cd_ttb(cd, i);
        tt->tsz = cd_tsz(cd, i);
        tt->granule = cd_granule(cd, i);
        tt->tbi = i ? FIELD_EX64(c0, CD_0, TBI1) : FIELD_EX64(c0, CD_0, TBI0);
        /* HADx are IGNORED when IDR3.HAD == 0. */
        tt->had = had && (i ? FIELD_EX64(cd->qw[2], CD_2, HAD1) :
                                FIELD_EX64(cd->qw[1], CD_1, HAD0));
    }
    s1->ips = smmuv3_aux_ps_bits(e, FIELD_EX64(c0, CD_0, IPS));
    s1->oas = smmuv3_aux_oas_bits(e);
    s1->aa64 = FIELD_EX64(c0, CD_0, AA64);
    s1->affd = FIELD_EX64(c0, CD_0, AFFD);
    s1->wxn = FIELD_EX64(c0, CD_0, WXN);
    /* PAN is IGNORED (effectively 0) in the EL2 StreamWorld. */
    s1->pan = !cd_el2(cfg) && FIELD_EX64(c0, CD_0, PAN);
    /* any-EL2 has one privilege level; EL2-E2H has EL1&0's rules. */
    s1->el2 = cd_el2(cfg);
    /* {HD, HA} = 10 is Reserved, behaving as 00; HAFT is RES0 below 3. */
    s1->ha = FIELD_EX64(c0, CD_0, HA);
    s1->hd = s1->ha && FIELD_EX64(c0, CD_0, HD);
    s1->haft = s1->ha && FIELD_EX32(e->regs.idr[0], IDR0, HTTU) == 3 &&
               FIELD_EX64(cd->qw[1], CD_1, HAFT);
    s1->attrs = smmuv3_aux_ns_attrs();
    /* EL2 without E2H has no ASIDs (5.4 ASID); E2H tags by ASID alone. */
    cfg->asid = cd_el2(cfg) ? 0 : FIELD_EX64(c0, CD_0, ASID);
    cfg->s1_record = FIELD_EX64(c0, CD_0, R);
    /* STE.S1STALLD: stage-1 faults terminate whatever CD.S says. */
    cfg->s1_stall = FIELD_EX64(c0, CD_0, S) && !cfg->s1_stalld;
    cfg->s1_abort = FIELD_EX64(c0, CD_0, A);
}

/*
 * Nested: translate the CD's IPA through stage 2.  A fault is that
 * stage-2 fault with CLASS == CD and IPA == the CD address (7.3.13); the
 * four Translation-related faults obey STE.S2R, F_WALK_EABT is always
 * recorded (5.5).
 */
static bool cd_ipa_to_pa(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                         uint64_t ipa, uint64_t *pa, SMMUv3AuxEvent *ev)
{
    static const SMMUv3AuxPtwAccess cd_read = { .priv = true };
    SMMUv3AuxPtwResult res;
    SMMUv3AuxPtwFault f;

    if (smmuv3_aux_ptw_s2(e->ops, e->opaque, &cfg->s2, ipa, cd_read, &res,
                          &f)) {
        *pa = res.oa;
        return true;
    }
    trace_smmuv3_aux_cd_s2_fault(cfg->sid, ipa, f.type);
    ev->id = f.type;
    ev->s2 = true;
    ev->class_ = SMMUV3_AUX_EVT_CLASS_CD;
    ev->ipa = ipa;
    ev->fetch_addr = f.fetch_addr;
    ev->merge = cfg->mev;
    if (f.type != SMMUV3_AUX_EVT_F_WALK_EABT && !cfg->s2_record) {
        ev->id = 0;         /* terminated silently: STE.S2R == 0 */
    }
    return false;
}

/* A structure of the CD table at addr (an IPA when nested), as a PA. */
static bool cd_table_pa(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                        uint64_t addr, uint64_t *pa, SMMUv3AuxEvent *ev)
{
    if (cfg->kind != SMMUV3_AUX_CFG_NESTED) {
        *pa = addr;
        return true;
    }
    return cd_ipa_to_pa(e, cfg, addr, pa, ev);
}

static bool cd_fetch_failed(const SMMUv3AuxCfg *cfg, uint64_t pa,
                            SMMUv3AuxEvent *ev)
{
    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cd_fetch, "sid=0x%x addr=0x%"
                         PRIx64, cfg->sid, pa);
    ev->id = SMMUV3_AUX_EVT_F_CD_FETCH;
    ev->fetch_addr = pa;
    ev->merge = cfg->mev;
    return false;
}

/* Leaf tables of a 2-level CD table hold 2^split CDs (5.2 S1Fmt). */
static unsigned cd_split(unsigned s1fmt)
{
    return s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_4K ? 6 : 10;
}

/*
 * The L1CD for cfg->cd_index: on success *l2 is the base of its leaf
 * table (an IPA when nested).  L1 tables are aligned to their size, or
 * 64 bytes; the S1ContextPtr bits below are RES0 and taken as zero.
 */
static bool cd_l1(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                  unsigned split, uint64_t *l2, SMMUv3AuxEvent *ev)
{
    unsigned l1_bits = cfg->s1cdmax > split ? cfg->s1cdmax - split : 0;
    uint64_t align = MAX((uint64_t)SMMUV3_AUX_L1CD_SIZE << l1_bits, 64);
    uint64_t addr = (cfg->cd_addr & ~(align - 1)) +
                    (uint64_t)(cfg->cd_index >> split) * SMMUV3_AUX_L1CD_SIZE;
    uint64_t pa, l1cd;

    if (!cd_table_pa(e, cfg, addr, &pa, ev)) {
        return false;
    }
    e->counters.fetches[SMMUV3_AUX_FETCH_L1CD]++;
    if (!smmuv3_aux_read_le64s(e, pa, &l1cd, 1)) {
        return cd_fetch_failed(cfg, pa, ev);
    }
    trace_smmuv3_aux_l1cd(cfg->sid, cfg->cd_index, pa, l1cd);
    if (!FIELD_EX64(l1cd, L1CD, V)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_l1cd_invalid, "sid=0x%x ssid=0x%x",
                             cfg->sid, cfg->cd_index);
        ev->id = SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID;
        ev->merge = cfg->mev;
        return false;
    }
    /* Leaf tables are aligned to their size: 4 KiB or 64 KiB. */
    *l2 = l1cd & R_L1CD_L2PTR_MASK &
          ~(((uint64_t)SMMUV3_AUX_CD_SIZE << split) - 1);
    return true;
}

/*
 * Address of the CD for cfg->cd_index (5.2 S1Fmt): S1ContextPtr itself
 * with S1CDMax = 0; else a linear table aligned to its size (Reserved
 * S1Fmt 0b11 behaves as linear), or an L1CD array of 2-level tables.
 */
static bool cd_locate(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                      uint64_t *addr, SMMUv3AuxEvent *ev)
{
    uint64_t base = cfg->cd_addr, l2;
    unsigned split;

    if (cfg->s1cdmax == 0) {
        *addr = base;
        return true;
    }
    if (cfg->s1fmt != SMMUV3_AUX_STE_S1FMT_2LVL_4K &&
        cfg->s1fmt != SMMUV3_AUX_STE_S1FMT_2LVL_64K) {
        base &= ~(((uint64_t)SMMUV3_AUX_CD_SIZE << cfg->s1cdmax) - 1);
        *addr = base + (uint64_t)cfg->cd_index * SMMUV3_AUX_CD_SIZE;
        return true;
    }
    split = cd_split(cfg->s1fmt);
    if (!cd_l1(e, cfg, split, &l2, ev)) {
        return false;
    }
    *addr = l2 + (uint64_t)(cfg->cd_index & ((1u << split) - 1)) *
            SMMUV3_AUX_CD_SIZE;
    return true;
}

const char *smmuv3_aux_cd_why(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                              const SMMUv3AuxCD *cd)
{
    const char *why = smmuv3_aux_cd_check(e, cfg, cd);

    if (why) {
        return why;
    }
    /* TxSZ and TTBx ranges: the walker's preconditions (ptw.c). */
    smmuv3_aux_cd_decode(e, cfg, cd);
    return smmuv3_aux_ptw_s1_cfg_valid(&cfg->s1);
}

unsigned smmuv3_aux_cd_leaf_bits(const SMMUv3AuxCfg *cfg)
{
    if (cfg->s1cdmax == 0 || (cfg->s1fmt != SMMUV3_AUX_STE_S1FMT_2LVL_4K &&
                              cfg->s1fmt != SMMUV3_AUX_STE_S1FMT_2LVL_64K)) {
        return 0;
    }
    return cd_split(cfg->s1fmt);
}

bool smmuv3_aux_cd_fetch(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                         SMMUv3AuxCD *cd, uint64_t *pa, SMMUv3AuxEvent *ev)
{
    uint64_t addr;

    if (!cd_locate(e, cfg, &addr, ev) || !cd_table_pa(e, cfg, addr, pa, ev)) {
        return false;
    }
    e->counters.fetches[SMMUV3_AUX_FETCH_CD]++;
    if (!smmuv3_aux_read_le64s(e, *pa, cd->qw, ARRAY_SIZE(cd->qw))) {
        return cd_fetch_failed(cfg, *pa, ev);
    }
    trace_smmuv3_aux_cd(cfg->sid, cfg->cd_index, *pa, cd->qw[0], cd->qw[1],
                        cd->qw[3]);
    return true;
}

bool smmuv3_aux_cd_load(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                        SMMUv3AuxEvent *ev)
{
    uint64_t pa;
    SMMUv3AuxCD cd;
    const char *why;

    if (!smmuv3_aux_cd_fetch(e, cfg, &cd, &pa, ev)) {
        return false;
    }
    why = smmuv3_aux_cd_why(e, cfg, &cd);
    if (why) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_cd, "sid=0x%x ssid=0x%x %s",
                             cfg->sid, cfg->cd_index, why);
        ev->id = SMMUV3_AUX_EVT_C_BAD_CD;
        ev->merge = cfg->mev;
        return false;
    }
    return true;
}
