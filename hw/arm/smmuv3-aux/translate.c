/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the transaction pipeline (Arm IHI 0070 3.3, 5.5,
 * 13.1), start to end.  A transaction goes through:
 *   1. SMMUEN and GBPA (global bypass or abort);
 *   2. configuration: the STE (strtab.c) and the CD (cd.c) of
 *      (StreamID, SubstreamID), decoded into an SMMUv3AuxCfg and kept in
 *      the configuration cache (tlb.c) until a CFGI command names it;
 *   3. the access after STE.PRIVCFG/INSTCFG, the one input to every
 *      permission check below;
 *   4. the IOTLB (tlb.c), tagged the way the architecture tags TLB
 *      entries (regime, stage, VMID, ASID), kept until a TLBI names it;
 *   5. on a miss, the table walk (ptw.c), whose result is inserted;
 *   6. faults: recorded per the R bits (evtq.c) and terminated as the A
 *      bit says, never cached, so each one records its event every time;
 *   7. the result: the output page and what it grants to transactions of
 *      this kind, decided by smmuv3_aux_ptw_perm_allows(), the one
 *      permission rule.
 * The binding's micro-TLB sits in front of all this and caches step 7.
 */

#include "qemu/osdep.h"
#include "engine-internal.h"
#include "tlb.h"

QEMU_BUILD_BUG_ON(sizeof(SMMUv3AuxCfg) > SMMUV3_AUX_CFGC_VALUE_SIZE);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_NS_EL1 != SMMUV3_AUX_TLB_NS_EL1);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_EL2 != SMMUV3_AUX_TLB_EL2);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_EL2_E2H != SMMUV3_AUX_TLB_EL2_E2H);

/* ---- Faults of the configuration steps ------------------------------ */

static SMMUv3AuxResult txn_fault(SMMUv3AuxEngine *e, SMMUv3AuxEvent *ev)
{
    if (!ev->id) {
        return SMMUV3_AUX_TXN_ABORT;    /* terminated, nothing to record */
    }
    /* Invalid StreamIDs are only recorded when CR2.RECINVSID says so. */
    if (ev->id == SMMUV3_AUX_EVT_C_BAD_STREAMID &&
        !FIELD_EX32(e->regs.cr2, CR2, RECINVSID)) {
        trace_smmuv3_aux_bad_streamid_unrecorded(ev->sid);
        return SMMUV3_AUX_TXN_ABORT;
    }
    smmuv3_aux_evtq_record(e, ev);
    return SMMUV3_AUX_TXN_ABORT;
}

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

static SMMUv3AuxResult txn_disabled(SMMUv3AuxEngine *e,
                                    const SMMUv3AuxTxn *txn,
                                    SMMUv3AuxTxnOut *out)
{
    /* SMMUEN = 0: GBPA decides, and no event is ever recorded. */
    if (FIELD_EX32(e->regs.gbpa, GBPA, ABORT)) {
        trace_smmuv3_aux_translate_gbpa(txn->sid, txn->iova, true);
        return SMMUV3_AUX_TXN_ABORT;
    }
    trace_smmuv3_aux_translate_gbpa(txn->sid, txn->iova, false);
    return smmuv3_aux_txn_bypass(txn, out);
}

/* ---- Configuration ---------------------------------------------------- */

bool smmuv3_aux_cfg_decode(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                           bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev)
{
    if (!smmuv3_aux_ste_load(e, sid, ssid, ssv, cfg, ev)) {
        return false;
    }
    if (cfg->kind == SMMUV3_AUX_CFG_S1 || cfg->kind == SMMUV3_AUX_CFG_NESTED) {
        return smmuv3_aux_cd_load(e, cfg, ev);
    }
    return true;
}

/* The configuration of txn: from the cache, or fetched and cached. */
static bool txn_config(SMMUv3AuxEngine *e, const SMMUv3AuxTxn *txn,
                       SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev);

bool smmuv3_aux_txn_config(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                           bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev)
{
    SMMUv3AuxTxn txn = { .sid = sid, .ssid = ssid, .ssv = ssv };

    return txn_config(e, &txn, cfg, ev);
}

static bool txn_config(SMMUv3AuxEngine *e, const SMMUv3AuxTxn *txn,
                       SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev)
{
    uint32_t key = txn->ssv ? txn->ssid : SMMUV3_AUX_NO_SSID;

    if (smmuv3_aux_cfgc_lookup(&e->cfgc, txn->sid, key, cfg)) {
        return true;
    }
    smmuv3_aux_event_init(ev, 0, txn);
    if (!smmuv3_aux_cfg_decode(e, txn->sid, txn->ssid, txn->ssv, cfg, ev)) {
        return false;
    }
    smmuv3_aux_cfgc_insert(&e->cfgc, txn->sid, key, cfg);
    return true;
}

/*
 * The access after STE.PRIVCFG and STE.INSTCFG (0b0x: use incoming,
 * 0b10: Unprivileged / Data, 0b11: Privileged / Instruction; 13.1.4).
 * These are the PnU/InD values events report (7.3.12).  That the EL2
 * StreamWorld considers every access privileged (5.4 UWXN) is the
 * walker's business: its single-privilege permissions are the same for
 * both.
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
 * What a translation grants: reads and writes of this transaction's kind
 * (its privilege and, for reads, its InD after INSTCFG), by the one
 * permission rule.  A caller that keeps the result for later accesses
 * must key it by that kind, as the binding's micro-TLB does by IOMMU
 * index.
 */
static void txn_grant(const SMMUv3AuxPtwPerm *p, SMMUv3AuxPtwAccess acc,
                      SMMUv3AuxTxnOut *out)
{
    acc.write = false;
    out->read = smmuv3_aux_ptw_perm_allows(p, acc);
    acc.write = true;
    out->write = smmuv3_aux_ptw_perm_allows(p, acc);
}

/* ---- Walk faults (5.5) -------------------------------------------------- */

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
                                      const SMMUv3AuxPtwFault *f,
                                      SMMUv3AuxTxnOut *out)
{
    bool record = f->s2 ? cfg->s2_record : cfg->s1_record;
    bool stall = (f->s2 ? cfg->s2_stall : cfg->s1_stall) &&
                 f->type != SMMUV3_AUX_EVT_F_WALK_EABT;
    SMMUv3AuxResult res = walk_fault_result(cfg, f);
    SMMUv3AuxEvent ev;

    /* F_WALK_EABT is always recorded; a stall always is (3.12.2). */
    if (f->type == SMMUV3_AUX_EVT_F_WALK_EABT || stall) {
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
    if (stall) {
        return smmuv3_aux_stall_fault(e, txn, &ev, out);
    }
    smmuv3_aux_evtq_record(e, &ev);
    return res;
}

/* The six permissions of a walk, as an IOTLB entry keeps them. */
static uint8_t perm_pack(const SMMUv3AuxPtwPerm *p)
{
    return (p->ur ? SMMUV3_AUX_TLB_PERM_R : 0) |
           (p->uw ? SMMUV3_AUX_TLB_PERM_W : 0) |
           (p->ux ? SMMUV3_AUX_TLB_PERM_X : 0) |
           (p->pr ? SMMUV3_AUX_TLB_PERM_PRIV_R : 0) |
           (p->pw ? SMMUV3_AUX_TLB_PERM_PRIV_W : 0) |
           (p->px ? SMMUV3_AUX_TLB_PERM_PRIV_X : 0);
}

/*
 * The walk cache of nested translation: a stage-1 table IPA's stage 2
 * translation, as an IOTLB entry of its own kind (SMMUV3_AUX_TLB_S2TT,
 * tlb.h), tagged by VMID.  Consecutive walks read the same upper-level
 * tables, so most of their stage 2 walks (4 reads each) become a lookup.
 * Only table walks fill and use it: a data access's stage 2 entry has
 * not passed the S2PTW check a table access makes.
 */
typedef struct TtCache {
    SMMUv3AuxEngine *e;
    SMMUv3AuxTlbTag tag;
} TtCache;

/*
 * Consecutive walks read the same few table pages, so the walk cache has
 * a direct-mapped front of 4 KiB pages: a hit costs no hashing.  Anything
 * that bumps inval_gen (every TLBI and CFGI, among them all the stage 2
 * ones that remove S2TT entries) empties it; an entry the IOTLB evicted
 * meanwhile is still a translation the guest has not invalidated.
 */
static SMMUv3AuxTtFront *tt_front(TtCache *c, uint64_t ipa)
{
    return &c->e->tt_front[(ipa >> 12) & (SMMUV3_AUX_TT_FRONT - 1)];
}

static void tt_front_fill(TtCache *c, uint64_t ipa, uint64_t pa)
{
    *tt_front(c, ipa) = (SMMUv3AuxTtFront) {
        .gen = c->e->inval_gen, .ipa_page = ipa & ~0xfffULL,
        .pa_page = pa & ~0xfffULL, .vmid = c->tag.vmid,
        .regime = c->tag.regime,
    };
}

static bool tt_lookup(void *opaque, uint64_t ipa, uint64_t *pa)
{
    TtCache *c = opaque;
    SMMUv3AuxTtFront *f = tt_front(c, ipa);
    SMMUv3AuxTlbEntry ent;

    if (f->gen == c->e->inval_gen && f->ipa_page == (ipa & ~0xfffULL) &&
        f->vmid == c->tag.vmid && f->regime == c->tag.regime) {
        *pa = f->pa_page | (ipa & 0xfff);
        return true;
    }
    if (!smmuv3_aux_iotlb_lookup(&c->e->iotlb, &c->tag, ipa, &ent)) {
        return false;
    }
    *pa = ent.pa | (ipa & ent.addr_mask);
    tt_front_fill(c, ipa, *pa);
    return true;
}

static void tt_insert(void *opaque, uint64_t ipa, const SMMUv3AuxPtwResult *s2)
{
    TtCache *c = opaque;
    SMMUv3AuxTlbEntry ent = {
        .iova = ipa,
        .pa = s2->oa & ~s2->addr_mask,
        .granule = s2->granule,
        .level = s2->level,
        .perm = perm_pack(&s2->perm),
    };

    /* Only what the IOTLB keeps: iotlb-size=0 means every walk walks. */
    if (smmuv3_aux_iotlb_insert(&c->e->iotlb, &c->tag, &ent) &&
        c->e->iotlb.st.capacity) {
        tt_front_fill(c, ipa, s2->oa | (ipa & s2->addr_mask));
    }
}

bool smmuv3_aux_nested_walk(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                            uint64_t iova, SMMUv3AuxPtwAccess acc,
                            SMMUv3AuxPtwResult *res, SMMUv3AuxPtwFault *f)
{
    TtCache c = {
        .e = e,
        .tag = { .regime = cfg->regime, .stage = SMMUV3_AUX_TLB_S2TT,
                 .vmid = cfg->vmid },
    };
    const SMMUv3AuxPtwTtCache tt = {
        .lookup = tt_lookup, .insert = tt_insert, .opaque = &c,
    };

    return smmuv3_aux_ptw_s1_walk(e->ops, e->opaque, &cfg->s1, iova, acc,
                                  res, f, &cfg->s2, &tt, NULL);
}

/* ---- Walk ------------------------------------------------------------- */

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
    case SMMUV3_AUX_CFG_NESTED:
        ok = smmuv3_aux_nested_walk(e, cfg, txn->iova, acc, &res, &f);
        break;
    default:
        ok = smmuv3_aux_ptw_s1(e->ops, e->opaque, &cfg->s1, txn->iova, acc,
                               &res, &f, NULL);
        break;
    }
    if (!ok) {
        return txn_walk_fault(e, cfg, txn, &f, out);
    }
    out->addr_mask = res.addr_mask;
    out->pa = res.oa & ~res.addr_mask;
    txn_grant(&res.perm, acc, out);
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

/* ---- IOTLB ------------------------------------------------------------ */

SMMUv3AuxTlbTag smmuv3_aux_cfg_tag(const SMMUv3AuxCfg *cfg)
{
    SMMUv3AuxTlbTag tag = { .regime = cfg->regime };

    switch (cfg->kind) {
    case SMMUV3_AUX_CFG_S2:
        tag.stage = SMMUV3_AUX_TLB_S2;
        break;
    case SMMUV3_AUX_CFG_NESTED:
        tag.stage = SMMUV3_AUX_TLB_S12;
        break;
    default:
        tag.stage = SMMUV3_AUX_TLB_S1;
        break;
    }
    if (cfg->regime == SMMUV3_AUX_REGIME_NS_EL1) {
        tag.vmid = cfg->vmid;
    }
    if (tag.stage != SMMUV3_AUX_TLB_S2 &&
        cfg->regime != SMMUV3_AUX_REGIME_EL2) {
        tag.asid = cfg->asid;
    }
    return tag;
}

SMMUv3AuxPtwPerm smmuv3_aux_tlb_perm_unpack(uint8_t bits)
{
    return (SMMUv3AuxPtwPerm) {
        .ur = bits & SMMUV3_AUX_TLB_PERM_R,
        .uw = bits & SMMUV3_AUX_TLB_PERM_W,
        .ux = bits & SMMUV3_AUX_TLB_PERM_X,
        .pr = bits & SMMUV3_AUX_TLB_PERM_PRIV_R,
        .pw = bits & SMMUV3_AUX_TLB_PERM_PRIV_W,
        .px = bits & SMMUV3_AUX_TLB_PERM_PRIV_X,
    };
}

/*
 * Serve txn from the IOTLB.  An entry that does not grant the access is
 * treated as a miss: the walk then raises the permission fault with every
 * field the event record needs.
 */
static bool txn_tlb_hit(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                        const SMMUv3AuxTlbTag *tag, const SMMUv3AuxTxn *txn,
                        SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxPtwAccess acc = smmuv3_aux_txn_access(cfg, txn);
    SMMUv3AuxTlbEntry ent;
    SMMUv3AuxPtwPerm perm;

    if (!smmuv3_aux_iotlb_lookup(&e->iotlb, tag, txn->iova, &ent)) {
        return false;
    }
    perm = smmuv3_aux_tlb_perm_unpack(ent.perm);
    if (!smmuv3_aux_ptw_perm_allows(&perm, acc)) {
        return false;
    }
    out->pa = ent.pa;
    out->addr_mask = ent.addr_mask;
    txn_grant(&perm, acc, out);
    return true;
}

/*
 * Insert a walk's result.  The entry's size is its leaf's (granule,
 * level); a combined stage 1+2 entry covers the smaller of the two
 * mappings (ptw.c), and when that is stage 2's, stage 2's leaf sizes it.
 */
static void txn_tlb_fill(SMMUv3AuxEngine *e, const SMMUv3AuxTlbTag *tag,
                         const SMMUv3AuxTxn *txn,
                         const SMMUv3AuxTransInfo *info)
{
    const SMMUv3AuxPtwResult *w = &info->walk;
    bool s2_leaf = tag->stage == SMMUV3_AUX_TLB_S12 &&
                   w->s2_addr_mask == w->addr_mask;
    SMMUv3AuxTlbEntry ent = {
        .iova = txn->iova,
        .pa = w->oa & ~w->addr_mask,
        .granule = s2_leaf ? w->s2_granule : w->granule,
        .level = s2_leaf ? w->s2_level : w->level,
        .perm = perm_pack(&w->perm),
        .ng = w->ng,
    };

    smmuv3_aux_iotlb_insert(&e->iotlb, tag, &ent);
}

/* ---- The pipeline ------------------------------------------------------- */

static SMMUv3AuxResult translate(SMMUv3AuxEngine *e, const SMMUv3AuxTxn *txn,
                                 SMMUv3AuxTxnOut *out);

SMMUv3AuxResult smmuv3_aux_translate(SMMUv3AuxEngine *e,
                                     const SMMUv3AuxTxn *txn,
                                     SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxResult r = translate(e, txn, out);

    e->counters.translations++;
    e->counters.faults += r != SMMUV3_AUX_TXN_OK;
    return r;
}

static SMMUv3AuxResult translate(SMMUv3AuxEngine *e, const SMMUv3AuxTxn *txn,
                                 SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxTransInfo info;
    SMMUv3AuxTlbTag tag;
    SMMUv3AuxEvent ev;
    SMMUv3AuxCfg cfg;
    SMMUv3AuxResult r;

    memset(out, 0, sizeof(*out));
    if (!smmuv3_aux_smmuen(e)) {
        return txn_disabled(e, txn, out);
    }
    if (!txn_config(e, txn, &cfg, &ev)) {
        return txn_fault(e, &ev);
    }
    if (cfg.kind == SMMUV3_AUX_CFG_ABORT || cfg.kind == SMMUV3_AUX_CFG_BYPASS) {
        return smmuv3_aux_cfg_translate(e, &cfg, txn, out, NULL);
    }
    tag = smmuv3_aux_cfg_tag(&cfg);
    if (txn_tlb_hit(e, &cfg, &tag, txn, out)) {
        return SMMUV3_AUX_TXN_OK;
    }
    r = smmuv3_aux_cfg_translate(e, &cfg, txn, out, &info);
    if (r == SMMUV3_AUX_TXN_OK && info.walked) {
        txn_tlb_fill(e, &tag, txn, &info);
    }
    return r;
}
