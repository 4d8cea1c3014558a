/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: command queue consumer (Arm IHI 0070 chapter 4 and
 * 7.1).
 *
 * smmuv3_aux_cmdq_consume() works on a queue context rather than on the
 * SMMU registers, so the SMMU CMDQ and the virtual command queues share
 * one consumer and one handler per opcode.  Commands run synchronously:
 * a command is complete when it is consumed, so CMD_SYNC only has to
 * signal.
 *
 * The invalidation commands act on the engine's configuration cache and
 * IOTLB (iotlb.c) with the predicates the spec gives each command (4.3,
 * 4.4), and record what they removed for the binding's IOMMU notifiers
 * (smmuv3_aux_engine_take_invals()).
 */
#include "qemu/osdep.h"
#include "engine-internal.h"
#include "hw/arm/smmuv3-aux-cmdqv.h"

typedef SMMUv3AuxCmdError (*SMMUv3AuxCmdHandler)(SMMUv3AuxEngine *e,
                                                 SMMUv3AuxCmdQueue *q,
                                                 const SMMUv3AuxCmd *cmd);

typedef struct SMMUv3AuxCmdInfo {
    const char *name;
    SMMUv3AuxCmdHandler handler;    /* NULL: always CERROR_ILL */
} SMMUv3AuxCmdInfo;

static uint32_t cmd_sid(const SMMUv3AuxCmd *cmd)
{
    return FIELD_EX64(cmd->qw[0], CMD_0, SID);
}

/*
 * Commands on a Non-secure queue must have SSec == 0, whether or not
 * Secure state is implemented (4.1.6).
 */
static SMMUv3AuxCmdError check_ssec(const SMMUv3AuxCmd *cmd)
{
    if (FIELD_EX64(cmd->qw[0], CMD_0, SSEC)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_ssec, "opcode=0x%x",
                             (unsigned)FIELD_EX64(cmd->qw[0], CMD_0, OPCODE));
        return SMMUV3_AUX_CERROR_ILL;
    }
    return SMMUV3_AUX_CERROR_NONE;
}

/*
 * An out-of-range StreamID is CONSTRAINED UNPREDICTABLE (4.1.7); this
 * model gives the command no effect.
 */
static bool sid_in_range(SMMUv3AuxEngine *e, uint32_t sid)
{
    unsigned bits = FIELD_EX32(e->regs.idr[1], IDR1, SIDSIZE);

    if (bits < 32 && sid >= (1ULL << bits)) {
        trace_smmuv3_aux_cmd_sid_out_of_range(sid);
        return false;
    }
    return true;
}

/* ---- Configuration invalidation and prefetch ------------------------ */

static SMMUv3AuxCmdError cmd_prefetch(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    /*
     * A hint that need not prefetch anything (4.2): configurations and
     * translations are cached on first use instead.  With SSV = 1 where
     * substreams are off this behaves as "no effect", one of the two
     * CONSTRAINED UNPREDICTABLE choices.
     */
    return check_ssec(cmd);
}

/* ---- What the binding must tell IOMMU notifiers ---------------------- */

/*
 * Keep a bounded list; past it, one "everything" flag covers all that
 * was lost, so nothing is ever missed and memory stays bounded.
 *
 * Every CFGI_* and TLBI_* that acts on the caches comes through here, so
 * this is also where the invalidation generation moves (engine.h): the
 * binding's micro-TLB drops everything on any invalidation, before the
 * handler returns and so before a later CMD_SYNC can complete.
 */
static void inval_record(SMMUv3AuxEngine *e, const SMMUv3AuxInval *inv)
{
    smmuv3_aux_engine_inval_gen_bump(e);
    if (e->invals_overflow) {
        return;
    }
    if (e->n_invals == SMMUV3_AUX_MAX_INVALS) {
        trace_smmuv3_aux_invals_overflow(e->n_invals);
        e->invals_overflow = true;
        e->n_invals = 0;
        return;
    }
    e->invals[e->n_invals++] = *inv;
}

static void inval_record_cfg(SMMUv3AuxEngine *e, uint32_t sid,
                             uint64_t count, uint32_t ssid)
{
    SMMUv3AuxInval r = {
        .kind = SMMUV3_AUX_INVAL_CFG,
        .sid = sid, .sid_count = count, .ssid = ssid,
    };

    inval_record(e, &r);
}

/*
 * CMD_CFGI_STE (4.3.2).  A cached configuration combines the STE with
 * the CDs fetched through it, so every SubstreamID of the StreamID goes.
 * Leaf = 0 would also invalidate a cached L1STD; none is cached here, so
 * both values remove the same entries.
 */
static SMMUv3AuxCmdError cmd_cfgi_ste(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);
    uint32_t sid = cmd_sid(cmd);

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, sid)) {
        trace_smmuv3_aux_cmd_cfgi_ste(sid,
                                      FIELD_EX64(cmd->qw[1], CMD_1, LEAF));
        smmuv3_aux_cfgc_inv_sid(&e->cfgc, sid);
        inval_record_cfg(e, sid, 1, SMMUV3_AUX_NO_SSID);
    }
    return err;
}

static SMMUv3AuxCmdError cmd_cfgi_ste_range(SMMUv3AuxEngine *e,
                                            SMMUv3AuxCmdQueue *q,
                                            const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);
    unsigned range = FIELD_EX64(cmd->qw[1], CMD_1, RANGE);
    /* 2^(Range+1) StreamIDs, aligned down; Range = 31 is CFGI_ALL. */
    uint64_t span = 2ULL << range;
    uint64_t start = cmd_sid(cmd) & ~(span - 1);

    if (err != SMMUV3_AUX_CERROR_NONE) {
        return err;
    }
    trace_smmuv3_aux_cmd_cfgi_ste_range(start, start + span - 1);
    if (range == 31) {
        /* CMD_CFGI_ALL (4.3.3): O(1), a generation bump. */
        smmuv3_aux_cfgc_inv_all(&e->cfgc);
    } else {
        smmuv3_aux_cfgc_inv_sid_range(&e->cfgc, start, start + span - 1);
    }
    inval_record_cfg(e, start, span, SMMUV3_AUX_NO_SSID);
    return err;
}

/*
 * The L2 CD table an L1CD points to holds 2^6 (S1FMT = 0b01, 4 KiB) or
 * 2^10 (0b10, 64 KiB) CDs (5.2 S1FMT).  The cached value does not say
 * which, so a non-leaf CFGI_CD removes the larger aligned block.
 */
#define CFGI_CD_L1_SPAN     (1u << 10)

/*
 * CMD_CFGI_CD (4.3.4): the CD of {SID, SSID}; with Leaf = 0 also the
 * L1CD covering SSID, and so every configuration reached through it.
 */
static SMMUv3AuxCmdError cmd_cfgi_cd(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);
    uint32_t sid = cmd_sid(cmd);
    uint32_t ssid = FIELD_EX64(cmd->qw[0], CMD_0, SSID);
    bool leaf = FIELD_EX64(cmd->qw[1], CMD_1, LEAF);
    uint32_t first = leaf ? ssid : ssid & ~(CFGI_CD_L1_SPAN - 1);
    uint32_t last = leaf ? ssid : first + CFGI_CD_L1_SPAN - 1;

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, sid)) {
        trace_smmuv3_aux_cmd_cfgi_cd(sid, ssid, leaf);
        smmuv3_aux_cfgc_inv_ssid_range(&e->cfgc, sid, first, last);
        inval_record_cfg(e, sid, 1, leaf ? ssid : SMMUV3_AUX_NO_SSID);
    }
    return err;
}

static SMMUv3AuxCmdError cmd_cfgi_cd_all(SMMUv3AuxEngine *e,
                                         SMMUv3AuxCmdQueue *q,
                                         const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, cmd_sid(cmd))) {
        /* CMD_CFGI_CD_ALL (4.3.5): every CD of the StreamID. */
        trace_smmuv3_aux_cmd_cfgi_cd(cmd_sid(cmd), 0, 0);
        smmuv3_aux_cfgc_inv_sid(&e->cfgc, cmd_sid(cmd));
        inval_record_cfg(e, cmd_sid(cmd), 1, SMMUV3_AUX_NO_SSID);
    }
    return err;
}

/* ---- TLB invalidation ------------------------------------------------ */

static void trace_tlbi(const SMMUv3AuxCmd *cmd)
{
    trace_smmuv3_aux_cmd_tlbi(FIELD_EX64(cmd->qw[0], CMD_0, OPCODE),
                              FIELD_EX64(cmd->qw[0], CMD_0, VMID),
                              FIELD_EX64(cmd->qw[0], CMD_0, ASID),
                              cmd->qw[1] & R_CMD_1_ADDR_MASK);
}

/* What each TLBI command names (4.4), as an IOTLB predicate. */
typedef struct TlbiScope {
    uint8_t regimes, stages;
    bool vmid;                  /* VMID field restricts (if IDR0.S2P) */
    bool asid;                  /* ASID field restricts nG entries */
    bool nonglobal;             /* global entries are spared */
    bool addr;                  /* Address, Leaf, TTL, TG, NUM, SCALE */
    uint8_t need;               /* IDR0 feature without which it is ILL */
    SMMUv3AuxInvalKind kind;
} TlbiScope;

enum { NEED_NONE, NEED_S1, NEED_S2, NEED_HYP };

#define R_NS    SMMUV3_AUX_TLB_REGIME_BIT(SMMUV3_AUX_TLB_NS_EL1)
#define R_E2H   SMMUV3_AUX_TLB_REGIME_BIT(SMMUV3_AUX_TLB_EL2_E2H)
#define R_EL2   (SMMUV3_AUX_TLB_REGIME_BIT(SMMUV3_AUX_TLB_EL2) | R_E2H)
#define S_S1    (SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S1) | \
                 SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S12))
#define S_S2    (SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S2) | \
                 SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S2TT))
#define S_ALL   SMMUV3_AUX_TLB_ALL_STAGES

/*
 * - TLBI_NH_ALL (4.4.2): stage 1 entries, S1-only and combined S1+S2, of
 *   the NS EL1 regime with VMID.  Stage-2-only entries stay.
 * - TLBI_NH_ASID (4.4.3): as NH_ALL, non-global entries of ASID only.
 * - TLBI_NH_VA (4.4.4): as NH_ALL, entries that translate the address
 *   (range), non-global of ASID or global.
 * - TLBI_NH_VAA (4.4.5): as NH_VA for every ASID.
 * - TLBI_EL2_ALL/ASID/VA/VAA (4.4.7-4.4.10): the same over the EL2 and
 *   EL2-E2H regimes, which have no VMID; only EL2-E2H entries carry an
 *   ASID, EL2 entries are all global.
 * - TLBI_S12_VMALL (4.4.11): every entry of the NS EL1 regime and VMID:
 *   stage 1, stage 2 and combined.
 * - TLBI_S2_IPA (4.4.12): stage-2-only entries of VMID that translate
 *   the IPA (range), and the walk cache's stage 2 translations of table
 *   addresses (SMMUV3_AUX_TLB_S2TT) in it.  Like the PE's TLBI IPAS2E1,
 *   it is not required to remove combined S1+S2 entries, and it does
 *   not: software follows it with TLBI_NH_ALL or TLBI_S12_VMALL (Linux
 *   does, for nest parents).
 * - TLBI_NSNH_ALL (4.4.13): every entry of the NS EL1 regime, all VMIDs.
 * Without stage 2 (IDR0.S2P = 0) there are no VMIDs and the VMID field
 * does not restrict, as in QEMU's arm-smmuv3.
 */
static const TlbiScope *tlbi_scope(unsigned op)
{
    static const TlbiScope nh_all = { R_NS, S_S1, 1, 0, 0, 0, NEED_S1,
                                      SMMUV3_AUX_INVAL_TLB_VMID };
    static const TlbiScope nh_asid = { R_NS, S_S1, 1, 1, 1, 0, NEED_S1,
                                       SMMUV3_AUX_INVAL_TLB_ASID };
    static const TlbiScope nh_va = { R_NS, S_S1, 1, 1, 0, 1, NEED_S1,
                                     SMMUV3_AUX_INVAL_TLB_VA };
    static const TlbiScope nh_vaa = { R_NS, S_S1, 1, 0, 0, 1, NEED_S1,
                                      SMMUV3_AUX_INVAL_TLB_VA };
    static const TlbiScope el2_all = { R_EL2, S_ALL, 0, 0, 0, 0, NEED_HYP,
                                       SMMUV3_AUX_INVAL_TLB_ALL };
    static const TlbiScope el2_asid = { R_E2H, S_ALL, 0, 1, 1, 0, NEED_HYP,
                                        SMMUV3_AUX_INVAL_TLB_ASID };
    static const TlbiScope el2_va = { R_EL2, S_ALL, 0, 1, 0, 1, NEED_HYP,
                                      SMMUV3_AUX_INVAL_TLB_VA };
    static const TlbiScope el2_vaa = { R_EL2, S_ALL, 0, 0, 0, 1, NEED_HYP,
                                       SMMUV3_AUX_INVAL_TLB_VA };
    static const TlbiScope s12_vmall = { R_NS, S_ALL, 1, 0, 0, 0, NEED_S2,
                                         SMMUV3_AUX_INVAL_TLB_VMID };
    static const TlbiScope s2_ipa = { R_NS, S_S2, 1, 0, 0, 1, NEED_S2,
                                      SMMUV3_AUX_INVAL_TLB_IPA };
    static const TlbiScope nsnh_all = { R_NS, S_ALL, 0, 0, 0, 0, NEED_NONE,
                                        SMMUV3_AUX_INVAL_TLB_ALL };

    switch (op) {
    case SMMUV3_AUX_CMD_TLBI_NH_ALL:
        return &nh_all;
    case SMMUV3_AUX_CMD_TLBI_NH_ASID:
        return &nh_asid;
    case SMMUV3_AUX_CMD_TLBI_NH_VA:
        return &nh_va;
    case SMMUV3_AUX_CMD_TLBI_NH_VAA:
        return &nh_vaa;
    case SMMUV3_AUX_CMD_TLBI_EL2_ALL:
        return &el2_all;
    case SMMUV3_AUX_CMD_TLBI_EL2_ASID:
        return &el2_asid;
    case SMMUV3_AUX_CMD_TLBI_EL2_VA:
        return &el2_va;
    case SMMUV3_AUX_CMD_TLBI_EL2_VAA:
        return &el2_vaa;
    case SMMUV3_AUX_CMD_TLBI_S12_VMALL:
        return &s12_vmall;
    case SMMUV3_AUX_CMD_TLBI_S2_IPA:
        return &s2_ipa;
    default:
        return &nsnh_all;
    }
}

/*
 * TLBI_NH_* need stage 1 (as QEMU's arm-smmuv3 requires); TLBI_EL2_*
 * the EL2 StreamWorld (IDR0.HYP); TLBI_S12_VMALL and TLBI_S2_IPA
 * stage 2.  Otherwise the command is CERROR_ILL.
 */
static bool tlbi_supported(SMMUv3AuxEngine *e, unsigned need)
{
    uint32_t idr0 = e->regs.idr[0];

    switch (need) {
    case NEED_S1:
        return FIELD_EX32(idr0, IDR0, S1P);
    case NEED_S2:
        return FIELD_EX32(idr0, IDR0, S2P);
    case NEED_HYP:
        return FIELD_EX32(idr0, IDR0, HYP);
    default:
        return true;
    }
}

/*
 * The address range of TLBI_*_VA(A) and TLBI_S2_IPA (4.4.4, 4.4.12).
 * TG = 0: the one address.  Otherwise (IDR3.RIL, SMMUv3.2) the range is
 * (NUM + 1) * 2^SCALE pages of the TG granule from Address (the formula
 * Linux encodes: SCALE = __ffs(pages), NUM = (pages >> SCALE) - 1), and
 * TTL != 0 says the leaves are at that level.  TTL = 0b01 with 16 KiB
 * is a reserved level (no level-1 blocks without LPA2) and is ignored.
 * Leaf = 1 restricts the command to last-level entries; the IOTLB holds
 * nothing but last-level (leaf) translations, so Leaf changes nothing.
 * Without RIL these fields are RES0: a guest that sets them gets a
 * warning and the non-range invalidation hardware without RIL performs.
 */
static void tlbi_range(SMMUv3AuxEngine *e, const SMMUv3AuxCmd *cmd,
                       SMMUv3AuxTlbInv *inv)
{
    uint64_t addr = cmd->qw[1] & R_CMD_1_ADDR_MASK;
    unsigned tg = FIELD_EX64(cmd->qw[1], CMD_1, TG);
    unsigned ttl = FIELD_EX64(cmd->qw[1], CMD_1, TTL);
    unsigned num = FIELD_EX64(cmd->qw[0], CMD_0, NUM);
    unsigned scale = FIELD_EX64(cmd->qw[0], CMD_0, SCALE);
    unsigned granule = 10 + 2 * tg;
    uint64_t size;

    if (!FIELD_EX32(e->regs.idr[3], IDR3, RIL) && (tg | ttl | num | scale)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_range_no_ril, "opcode=0x%x",
                             (unsigned)FIELD_EX64(cmd->qw[0], CMD_0, OPCODE));
        tg = 0;
    }
    inv->has_range = true;
    inv->start = addr;
    inv->last = addr;
    if (tg) {
        size = (uint64_t)(num + 1) << (scale + granule);
        inv->last = addr + size - 1 < addr ? UINT64_MAX : addr + size - 1;
        inv->tg_granule = granule;
        inv->ttl_level = granule == 14 && ttl == 1 ? 0 : ttl;
    }
    trace_smmuv3_aux_cmd_tlbi_range(inv->start, inv->last, tg, ttl,
                                    FIELD_EX64(cmd->qw[1], CMD_1, LEAF));
}

static void tlbi_record(SMMUv3AuxEngine *e, const TlbiScope *sc,
                        const SMMUv3AuxTlbInv *inv)
{
    SMMUv3AuxInval r = {
        .kind = sc->kind,
        .regime = sc->regimes == R_NS ? SMMUV3_AUX_TLB_NS_EL1
                                      : SMMUV3_AUX_TLB_EL2,
        .any_vmid = !inv->match_vmid,
        .any_asid = !sc->asid,
        .vmid = inv->vmid,
        .asid = inv->asid,
    };

    if (inv->has_range) {
        r.iova = inv->start;
        r.size = inv->last - inv->start + 1;
    }
    inval_record(e, &r);
}

static SMMUv3AuxCmdError cmd_tlbi(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                                  const SMMUv3AuxCmd *cmd)
{
    unsigned op = FIELD_EX64(cmd->qw[0], CMD_0, OPCODE);
    const TlbiScope *sc = tlbi_scope(op);
    SMMUv3AuxTlbInv inv = {
        .regimes = sc->regimes,
        .stages = sc->stages,
        .match_vmid = sc->vmid && FIELD_EX32(e->regs.idr[0], IDR0, S2P),
        .match_asid = sc->asid,
        .nonglobal_only = sc->nonglobal,
    };

    if (!tlbi_supported(e, sc->need)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_unsupported, "opcode=0x%x",
                             op);
        return SMMUV3_AUX_CERROR_ILL;
    }
    trace_tlbi(cmd);
    inv.vmid = inv.match_vmid ? FIELD_EX64(cmd->qw[0], CMD_0, VMID) : 0;
    inv.asid = inv.match_asid ? FIELD_EX64(cmd->qw[0], CMD_0, ASID) : 0;
    if (sc->addr) {
        tlbi_range(e, cmd, &inv);
    }
    smmuv3_aux_iotlb_invalidate(&e->iotlb, &inv);
    tlbi_record(e, sc, &inv);
    return SMMUV3_AUX_CERROR_NONE;
}

/* ---- ATS, PRI and stall responses ----------------------------------- */

static SMMUv3AuxCmdError cmd_atc_inv(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err != SMMUV3_AUX_CERROR_NONE) {
        return err;
    }
    if (!sid_in_range(e, cmd_sid(cmd))) {
        return FIELD_EX32(e->regs.idr[0], IDR0, ATS) ? SMMUV3_AUX_CERROR_NONE
                                                      : SMMUV3_AUX_CERROR_ILL;
    }
    return smmuv3_aux_ats_inv(e, q, cmd);
}

static SMMUv3AuxCmdError cmd_pri_resp(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err != SMMUV3_AUX_CERROR_NONE) {
        return err;
    }
    return smmuv3_aux_pri_resp(e, q, cmd);
}

static SMMUv3AuxCmdError cmd_resume(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                                    const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    return err != SMMUV3_AUX_CERROR_NONE ? err
                                         : smmuv3_aux_stall_resume(e, cmd);
}

static SMMUv3AuxCmdError cmd_stall_term(SMMUv3AuxEngine *e,
                                        SMMUv3AuxCmdQueue *q,
                                        const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    return err != SMMUV3_AUX_CERROR_NONE ? err
                                         : smmuv3_aux_stall_term(e, cmd);
}

/* ---- CMD_SYNC -------------------------------------------------------- */

/*
 * Returns false when the MSI FIFO is full: the queue then pauses at this
 * CMD_SYNC, which runs again once the binding has written the others.
 */
static bool sync_signal_irq(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                            const SMMUv3AuxCmd *cmd)
{
    uint64_t addr = cmd->qw[1] & R_CMD_1_MSIADDR_MASK;
    uint32_t data = FIELD_EX64(cmd->qw[0], CMD_0, MSIDATA);

    if (!FIELD_EX32(e->regs.idr[0], IDR0, MSI) || addr == 0) {
        /* No MSI: the wired CMD_SYNC interrupt, where there is one. */
        smmuv3_aux_irq_raise(e, SMMUV3_AUX_IRQ_CMD_SYNC);
        return true;
    }
    if (e->n_sync_msi == SMMUV3_AUX_MAX_SYNC_MSIS) {
        trace_smmuv3_aux_cmd_sync_paused(q->name, q->index, q->cons);
        return false;
    }
    /*
     * The MSI is a 32-bit write of MSIData; Linux points MSIAddr at the
     * CMD_SYNC's own queue slot and polls for the word to change.  The
     * binding writes it once it has dropped its lock (engine.h).
     */
    trace_smmuv3_aux_cmd_sync_msi(addr, data);
    e->sync_msi[e->n_sync_msi++] = (SMMUv3AuxIrqReq) {
        .irq = SMMUV3_AUX_IRQ_CMD_SYNC, .msi = true,
        .msi_addr = addr, .msi_data = data,
    };
    return true;
}

static SMMUv3AuxCmdError cmd_sync(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                                  const SMMUv3AuxCmd *cmd)
{
    unsigned cs = FIELD_EX64(cmd->qw[0], CMD_0, CS);
    SMMUv3AuxCmdError err = smmuv3_aux_ats_sync_wait(e, q);

    if (err != SMMUV3_AUX_CERROR_NONE || q->paused) {
        return err;     /* ATS invalidations first (3.9.1.4) */
    }
    if (q->sync_by_cons_only && cs <= SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV) {
        cs = SMMUV3_AUX_CMD_SYNC_CS_NONE;
    }
    switch (cs) {
    case SMMUV3_AUX_CMD_SYNC_CS_NONE:
        break;
    case SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ:
        if (!sync_signal_irq(e, q, cmd)) {
            q->paused = true;
            return SMMUV3_AUX_CERROR_NONE;
        }
        break;
    case SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV:
        /*
         * IDR0.SEV = 0: there is no event to send, and Linux uses SIG_SEV
         * even then, so it must not be an error.
         */
        break;
    default:
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_sync_cs, "cs=%u", cs);
        return SMMUV3_AUX_CERROR_ILL;
    }
    trace_smmuv3_aux_cmd_sync(cs);
    return SMMUV3_AUX_CERROR_NONE;
}

/* ---- Opcode table ---------------------------------------------------- */

/*
 * Every architected opcode has a name.  Those without a handler are
 * always illegal here: Secure-only and EL3 commands (no Secure state),
 * CFGI_VMS_PIDM (no VMS) and DPTI_* (no DPT).
 */
static const SMMUv3AuxCmdInfo cmd_info[256] = {
#define CMD(op, fn) [SMMUV3_AUX_CMD_##op] = { "CMD_" #op, fn }
    CMD(PREFETCH_CONFIG, cmd_prefetch),
    CMD(PREFETCH_ADDR, cmd_prefetch),
    CMD(CFGI_STE, cmd_cfgi_ste),
    CMD(CFGI_STE_RANGE, cmd_cfgi_ste_range),
    CMD(CFGI_CD, cmd_cfgi_cd),
    CMD(CFGI_CD_ALL, cmd_cfgi_cd_all),
    CMD(CFGI_VMS_PIDM, NULL),
    CMD(TLBI_NH_ALL, cmd_tlbi),
    CMD(TLBI_NH_ASID, cmd_tlbi),
    CMD(TLBI_NH_VA, cmd_tlbi),
    CMD(TLBI_NH_VAA, cmd_tlbi),
    CMD(TLBI_EL3_ALL, NULL),
    CMD(TLBI_EL3_VA, NULL),
    CMD(TLBI_EL2_ALL, cmd_tlbi),
    CMD(TLBI_EL2_ASID, cmd_tlbi),
    CMD(TLBI_EL2_VA, cmd_tlbi),
    CMD(TLBI_EL2_VAA, cmd_tlbi),
    CMD(TLBI_S12_VMALL, cmd_tlbi),
    CMD(TLBI_S2_IPA, cmd_tlbi),
    CMD(TLBI_NSNH_ALL, cmd_tlbi),
    CMD(ATC_INV, cmd_atc_inv),
    CMD(PRI_RESP, cmd_pri_resp),
    CMD(RESUME, cmd_resume),
    CMD(STALL_TERM, cmd_stall_term),
    CMD(SYNC, cmd_sync),
    CMD(TLBI_S_EL2_ALL, NULL),
    CMD(TLBI_S_EL2_ASID, NULL),
    CMD(TLBI_S_EL2_VA, NULL),
    CMD(TLBI_S_EL2_VAA, NULL),
    CMD(TLBI_S_S12_VMALL, NULL),
    CMD(TLBI_S_S2_IPA, NULL),
    CMD(TLBI_SNH_ALL, NULL),
    CMD(DPTI_ALL, NULL),
    CMD(DPTI_PA, NULL),
#undef CMD
};

const char *smmuv3_aux_cmd_name(unsigned opcode)
{
    return opcode < ARRAY_SIZE(cmd_info) ? cmd_info[opcode].name : NULL;
}

static SMMUv3AuxCmdError cmd_execute(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    unsigned op = FIELD_EX64(cmd->qw[0], CMD_0, OPCODE);
    const SMMUv3AuxCmdInfo *info = &cmd_info[op];

    e->counters.cmds[op]++;
    e->counters.vcmdq_cmds[op] += q->vcmdq;
    trace_smmuv3_aux_cmd(q->name, q->index, q->cons,
                         info->name ? info->name : "reserved",
                         cmd->qw[0], cmd->qw[1]);
    if (!info->handler) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_opcode, "opcode=0x%x", op);
        return SMMUV3_AUX_CERROR_ILL;
    }
    return info->handler(e, q, cmd);
}

/* ---- Queue policy (guest-owned VCMDQs) ------------------------------- */

/* The physical StreamID of a virtual one, through SID_MATCH/REPLACE. */
static bool filter_sid(const SMMUv3AuxCmdFilter *f, uint32_t vsid,
                       uint32_t *psid)
{
    for (unsigned s = 0; s < f->n_sids; s++) {
        uint32_t m = f->sid_match[s];

        if (FIELD_EX32(m, VINTF_SID_MATCH, ENABLE) &&
            FIELD_EX32(m, VINTF_SID_MATCH, VIRT_SID) == vsid) {
            *psid = f->sid_replace[s];
            return true;
        }
    }
    return false;
}

/*
 * Apply q->filter to *cmd in place.  The VMID a guest writes into a TLBI
 * is never trusted: the VINTF's replaces it, so a guest reaches only its
 * own stage-2 context.
 */
static SMMUv3AuxCmdError cmd_filter(const SMMUv3AuxCmdQueue *q,
                                    SMMUv3AuxCmd *cmd)
{
    const SMMUv3AuxCmdFilter *f = q->filter;
    unsigned op = FIELD_EX64(cmd->qw[0], CMD_0, OPCODE);
    uint32_t psid;

    if (!f) {
        return SMMUV3_AUX_CERROR_NONE;
    }
    switch (op) {
    case SMMUV3_AUX_CMD_TLBI_NH_ASID:
    case SMMUV3_AUX_CMD_TLBI_NH_VA:
        cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, f->vmid);
        return SMMUV3_AUX_CERROR_NONE;
    case SMMUV3_AUX_CMD_ATC_INV:
        if (!filter_sid(f, cmd_sid(cmd), &psid)) {
            SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_vcmdq_sid, "%s%u vsid=0x%x",
                                 q->name, q->index, cmd_sid(cmd));
            return SMMUV3_AUX_CERROR_ILL;
        }
        cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, SID, psid);
        return SMMUV3_AUX_CERROR_NONE;
    case SMMUV3_AUX_CMD_SYNC:
        return SMMUV3_AUX_CERROR_NONE;
    default:
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_vcmdq_cmd, "%s%u opcode=0x%x",
                             q->name, q->index, op);
        return SMMUV3_AUX_CERROR_ILL;
    }
}

/* ---- Consumer -------------------------------------------------------- */

static bool cmd_fetch(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                      SMMUv3AuxCmd *cmd)
{
    uint64_t addr = q->base +
                    smmuv3_aux_q_idx(q->cons, q->log2size) *
                    (uint64_t)SMMUV3_AUX_CMD_SIZE;

    if (!smmuv3_aux_mem_read_le64s(e->ops, e->opaque, addr, cmd->qw,
                                   ARRAY_SIZE(cmd->qw), q->attrs)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_fetch, "addr=0x%" PRIx64,
                             addr);
        return false;
    }
    return true;
}

SMMUv3AuxCmdError smmuv3_aux_cmdq_consume(SMMUv3AuxEngine *e,
                                          SMMUv3AuxCmdQueue *q)
{
    /*
     * At most one queue's worth per call: PROD only ever designates
     * entries of this queue, so a guest cannot keep us here.
     */
    uint32_t budget = 1u << q->log2size;
    uint32_t mask = smmuv3_aux_q_ptr_mask(q->log2size);
    SMMUv3AuxCmdError err = SMMUV3_AUX_CERROR_NONE;

    q->prod &= mask;
    q->cons &= mask;
    while (budget-- && !smmuv3_aux_q_empty(q->prod, q->cons, q->log2size)) {
        SMMUv3AuxCmd cmd;

        if (!cmd_fetch(e, q, &cmd)) {
            err = SMMUV3_AUX_CERROR_ABT;
            break;
        }
        err = cmd_filter(q, &cmd);
        if (err == SMMUV3_AUX_CERROR_NONE) {
            q->last = cmd;
            err = cmd_execute(e, q, &cmd);
        }
        if (err != SMMUV3_AUX_CERROR_NONE || q->paused) {
            break;
        }
        q->cons = smmuv3_aux_q_inc(q->cons, q->log2size);
        q->n_consumed++;
    }
    trace_smmuv3_aux_cmdq_consumed(q->name, q->index, q->prod, q->cons, err);
    return err;
}

void smmuv3_aux_cmdq_run(SMMUv3AuxEngine *e)
{
    SMMUv3AuxRegs *r = &e->regs;
    SMMUv3AuxCmdQueue q = { .filter = NULL };
    SMMUv3AuxCmdError err;

    if (!FIELD_EX32(r->cr0, CR0, CMDQEN) ||
        (smmuv3_aux_gerror_active(e) & R_GERROR_CMDQ_ERR_MASK)) {
        return;
    }
    q.name = "cmdq";
    q.index = 0;
    q.log2size = smmuv3_aux_q_log2size(r->cmdq_base,
                                       smmuv3_aux_cmdq_max_log2size(e));
    q.base = smmuv3_aux_q_base_addr(r->cmdq_base, q.log2size,
                                    SMMUV3_AUX_CMD_SIZE);
    q.prod = r->cmdq_prod;
    q.cons = FIELD_EX32(r->cmdq_cons, CMDQ_CONS, RD);
    q.attrs = smmuv3_aux_ns_attrs();
    q.paused = false;
    q.atc = &e->cmdq_atc;

    if (e->cmdq_paused) {
        return;             /* until the binding has written the MSIs */
    }
    err = smmuv3_aux_cmdq_consume(e, &q);
    e->cmdq_paused = q.paused;

    /* CONS stays at the failing command; ERR says why (7.1). */
    r->cmdq_cons = FIELD_DP32(q.cons, CMDQ_CONS, ERR, err);
    if (err != SMMUV3_AUX_CERROR_NONE) {
        smmuv3_aux_gerror_activate(e, R_GERROR_CMDQ_ERR_MASK);
    }
}
