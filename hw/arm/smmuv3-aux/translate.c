/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the translation entry point (SMMUv3 chapter 3.3).
 *
 * A transaction goes through three steps, the first two cached:
 *   1. configuration: STE (and CD) of (StreamID, SubstreamID), decoded
 *      into an SMMUv3AuxCfg and kept in the configuration cache until a
 *      CFGI command names it;
 *   2. translation: the IOTLB, tagged the way the architecture tags TLB
 *      entries (regime, stage, VMID, ASID), kept until a TLBI names it;
 *   3. on a miss, the table walk, whose result is inserted.
 * Faults are never cached: a failed decode or walk is redone, and records
 * its event, every time, as the architecture requires.
 */

#include "qemu/osdep.h"
#include "engine-internal.h"
#include "tlb.h"

QEMU_BUILD_BUG_ON(sizeof(SMMUv3AuxCfg) > SMMUV3_AUX_CFGC_VALUE_SIZE);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_NS_EL1 != SMMUV3_AUX_TLB_NS_EL1);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_EL2 != SMMUV3_AUX_TLB_EL2);
QEMU_BUILD_BUG_ON((int)SMMUV3_AUX_REGIME_EL2_E2H != SMMUV3_AUX_TLB_EL2_E2H);

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

/* The configuration of txn: from the cache, or fetched and cached. */
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

/* The IOTLB tag of a translating configuration; zero where unused. */
static SMMUv3AuxTlbTag cfg_tag(const SMMUv3AuxCfg *cfg)
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

static uint8_t perm_bits(const SMMUv3AuxPtwPerm *p)
{
    return (p->ur ? SMMUV3_AUX_TLB_PERM_R : 0) |
           (p->uw ? SMMUV3_AUX_TLB_PERM_W : 0) |
           (p->ux ? SMMUV3_AUX_TLB_PERM_X : 0) |
           (p->pr ? SMMUV3_AUX_TLB_PERM_PRIV_R : 0) |
           (p->pw ? SMMUV3_AUX_TLB_PERM_PRIV_W : 0) |
           (p->px ? SMMUV3_AUX_TLB_PERM_PRIV_X : 0);
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
    uint8_t r = acc.priv ? SMMUV3_AUX_TLB_PERM_PRIV_R : SMMUV3_AUX_TLB_PERM_R;
    uint8_t w = acc.priv ? SMMUV3_AUX_TLB_PERM_PRIV_W : SMMUV3_AUX_TLB_PERM_W;
    uint8_t x = acc.priv ? SMMUV3_AUX_TLB_PERM_PRIV_X : SMMUV3_AUX_TLB_PERM_X;
    SMMUv3AuxTlbEntry ent;
    uint8_t need;

    if (!smmuv3_aux_iotlb_lookup(&e->iotlb, tag, txn->iova, &ent)) {
        return false;
    }
    /* A write is a data access whatever InD says (13.1.2). */
    need = acc.write ? w : (acc.exec ? x | r : r);
    if ((ent.perm & need) != need) {
        return false;
    }
    out->pa = ent.pa;
    out->addr_mask = ent.addr_mask;
    out->read = ent.perm & r;
    out->write = ent.perm & w;
    return true;
}

static void txn_tlb_fill(SMMUv3AuxEngine *e, const SMMUv3AuxTlbTag *tag,
                         const SMMUv3AuxTxn *txn,
                         const SMMUv3AuxTransInfo *info)
{
    SMMUv3AuxTlbEntry ent = {
        .iova = txn->iova,
        .pa = info->walk.oa & ~info->walk.addr_mask,
        .granule = info->walk.granule,
        .level = info->walk.level,
        .perm = perm_bits(&info->walk.perm),
        .ng = info->walk.ng,
    };

    smmuv3_aux_iotlb_insert(&e->iotlb, tag, &ent);
}

SMMUv3AuxResult smmuv3_aux_translate(SMMUv3AuxEngine *e,
                                     const SMMUv3AuxTxn *txn,
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
    tag = cfg_tag(&cfg);
    if (txn_tlb_hit(e, &cfg, &tag, txn, out)) {
        return SMMUV3_AUX_TXN_OK;
    }
    r = smmuv3_aux_cfg_translate(e, &cfg, txn, out, &info);
    if (r == SMMUV3_AUX_TXN_OK && info.walked) {
        txn_tlb_fill(e, &tag, txn, &info);
    }
    return r;
}
