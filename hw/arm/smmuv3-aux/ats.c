/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: ATS (Arm IHI 0070 3.9.1, 4.5.1, 13.7).
 *
 * Three things cross the ATS interface between the SMMU and a PCIe
 * endpoint, and each has its entry point here:
 *  - Translation Requests, answered from the tables with the permissions
 *    and the size of the translation (smmuv3_aux_ats_translate());
 *  - Translated transactions, which bypass translation but are checked
 *    against CR0.ATSCHK and STE.EATS (smmuv3_aux_ats_translated());
 *  - ATS Invalidate Requests, sent for CMD_ATC_INV.  The engine cannot
 *    talk to a device, so it queues them for the binding
 *    (smmuv3_aux_engine_take_atc_invs()), counts them per command queue,
 *    and a CMD_SYNC on that queue waits until the binding reports each one
 *    completed (smmuv3_aux_engine_atc_inv_done()) or gives up on them
 *    (smmuv3_aux_engine_atc_timeout(): CERROR_ATC_INV_SYNC).
 *
 * Choices where the spec leaves one (docs/devel/smmuv3-aux.rst, ATS):
 *  - IDR0.NS1ATS = 0 and IDR3.DPT = 0, so the effective EATS is Full ATS
 *    for 0b01 only; 0b10 and 0b11 behave as 0b00, as 0b1x does with
 *    ATSCHK = 0 (3.9.1.2).
 *  - CR2.REC_CFG_ATS is not implemented: a configuration error met by a
 *    Translation Request or a checked Translated transaction records no
 *    event (the tables of 3.9.1.2 and 3.9.1.3 allow exactly that).
 *  - Translation Requests do not use or fill the IOTLB: every one walks,
 *    so HTTU sees each request (3.13.7) and NW == 0 is the only way a
 *    writable-clean page becomes dirty through ATS.
 *  - A Translated transaction above OAS aborts without an event (the
 *    first choice of 3.9.1.1).
 *  - IDR3.PASIDTT = 0: a Translated transaction is Data, Unprivileged,
 *    SSV = 0 (3.9.1.3).
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

/* ---- Translation Requests (3.9.1.2, 13.7) ---------------------------- */

/*
 * Effective STE.EATS is Full ATS.  0b01 is that whatever ATSCHK says;
 * 0b10 needs ATSCHK and IDR0.NS1ATS, 0b11 IDR3.DPT, neither of which is
 * implemented, so both are 0b00 (see the top of this file).
 */
static bool ats_full(const SMMUv3AuxCfg *cfg)
{
    return cfg->eats == SMMUV3_AUX_STE_EATS_FULL;
}

/* UR, and the F_BAD_ATS_TREQ that goes with it in most rows of 3.9.1.2. */
static SMMUv3AuxAtsStatus ats_bad_treq(SMMUv3AuxEngine *e,
                                       const SMMUv3AuxAtsReq *req,
                                       const char *why)
{
    SMMUv3AuxTxn txn = {
        .sid = req->sid, .ssid = req->ssid, .ssv = req->ssv,
        .iova = req->addr, .is_write = !req->nw,
    };
    SMMUv3AuxEvent ev;

    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_ats_treq, "sid=0x%x addr=0x%" PRIx64
                         " %s", req->sid, req->addr, why);
    smmuv3_aux_event_init(&ev, SMMUV3_AUX_EVT_F_BAD_ATS_TREQ, &txn);
    ev.merge = true;
    smmuv3_aux_evtq_record(e, &ev);
    return SMMUV3_AUX_ATS_UR;
}

/*
 * The Translation Completion for a translation whose permissions are *p,
 * by the pseudocode of 13.7.1.  req->priv and req->exe are already 0 for a
 * request without a PASID.
 */
static void ats_grant(const SMMUv3AuxCfg *cfg, const SMMUv3AuxAtsReq *req,
                      const SMMUv3AuxPtwPerm *p, SMMUv3AuxAtsResp *resp)
{
    bool priv = cfg->privcfg & 2 ? cfg->privcfg & 1 : req->priv;
    bool ttd_r = priv ? p->pr : p->ur;
    bool ttd_x = priv ? p->px : p->ux;

    resp->priv = req->priv;
    resp->w = priv ? p->pw : p->uw;
    if (!(cfg->instcfg & 2)) {
        resp->r = ttd_r;
        resp->exe = req->exe && ttd_r && ttd_x;
    } else if (cfg->instcfg & 1) {          /* Instruction */
        resp->r = ttd_x;
        resp->exe = req->exe && ttd_x;
    } else {                                /* Data */
        resp->r = ttd_r;
        resp->exe = req->exe && ttd_r;
    }
}

static bool ats_walk(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                     uint64_t addr, SMMUv3AuxPtwAccess acc,
                     SMMUv3AuxPtwResult *res, SMMUv3AuxPtwFault *f)
{
    if (cfg->kind == SMMUV3_AUX_CFG_S2) {
        return smmuv3_aux_ptw_s2(e->ops, e->opaque, &cfg->s2, addr, acc,
                                 res, f);
    }
    if (cfg->kind == SMMUV3_AUX_CFG_NESTED) {
        return smmuv3_aux_nested_walk(e, cfg, addr, acc, res, f);
    }
    return smmuv3_aux_ptw_s1(e->ops, e->opaque, &cfg->s1, addr, acc, res, f,
                             NULL);
}

/*
 * Walk for the request and learn every permission of the page.  The walk
 * needs an access to check; the first one the page allows gives them all.
 * A write comes first when NW == 0, so that HD marks a writable-clean page
 * dirty (13.7); never when NW == 1.  Then a data read, then an
 * instruction fetch (an execute-only page under INSTCFG = Instruction).
 * Only a permission fault makes the next access worth trying.
 */
static SMMUv3AuxAtsStatus ats_walk_grant(SMMUv3AuxEngine *e,
                                         const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxAtsReq *req,
                                         SMMUv3AuxAtsResp *resp)
{
    SMMUv3AuxTxn txn = {
        .sid = req->sid, .ssid = req->ssid, .ssv = req->ssv,
        .iova = req->addr, .is_priv = req->priv,
    };
    SMMUv3AuxPtwAccess acc = smmuv3_aux_txn_access(cfg, &txn);
    SMMUv3AuxPtwAccess tries[3] = { acc, acc, acc };
    unsigned n = 0, i;
    SMMUv3AuxPtwResult res;
    SMMUv3AuxPtwFault f = { 0 };

    if (!req->nw) {
        tries[n++].write = true;
    }
    tries[n++].exec = false;
    tries[n].exec = true;
    tries[n++].write = false;
    for (i = 0; i < n; i++) {
        if (ats_walk(e, cfg, req->addr, tries[i], &res, &f)) {
            resp->addr_mask = res.addr_mask;
            resp->addr = res.oa & ~res.addr_mask;
            ats_grant(cfg, req, &res.perm, resp);
            trace_smmuv3_aux_ats_treq(req->sid, req->addr, resp->addr,
                                      resp->addr_mask, resp->r, resp->w);
            return SMMUV3_AUX_ATS_SUCCESS;
        }
        if (f.type != SMMUV3_AUX_EVT_F_PERMISSION) {
            break;
        }
    }
    if (f.type == SMMUV3_AUX_EVT_F_WALK_EABT) {
        trace_smmuv3_aux_ats_treq_fault(req->sid, req->addr, "F_WALK_EABT");
        return SMMUV3_AUX_ATS_CA;
    }
    /* Translation-related faults: Success with R == W == 0, one STU. */
    trace_smmuv3_aux_ats_treq_fault(req->sid, req->addr,
                                    smmuv3_aux_evt_name(f.type));
    resp->addr_mask = SMMUV3_AUX_ATS_STU - 1;
    resp->addr = req->addr & ~resp->addr_mask;
    resp->priv = req->priv;
    return SMMUV3_AUX_ATS_SUCCESS;
}

SMMUv3AuxAtsStatus smmuv3_aux_ats_translate(SMMUv3AuxEngine *e,
                                            const SMMUv3AuxAtsReq *in,
                                            SMMUv3AuxAtsResp *resp)
{
    SMMUv3AuxAtsReq req = *in;
    SMMUv3AuxEvent ev;
    SMMUv3AuxCfg cfg;

    memset(resp, 0, sizeof(*resp));
    if (!FIELD_EX32(e->regs.idr[0], IDR0, ATS)) {
        return SMMUV3_AUX_ATS_UR;       /* no ATS interface at all */
    }
    if (!req.ssv) {
        req.priv = req.exe = false;     /* 13.7: Data, Unprivileged */
        req.ssid = 0;
    }
    if (!smmuv3_aux_smmuen(e)) {
        return ats_bad_treq(e, &req, "SMMUEN=0");
    }
    if (!smmuv3_aux_txn_config(e, req.sid, req.ssid, req.ssv, &cfg, &ev)) {
        trace_smmuv3_aux_ats_treq_fault(req.sid, req.addr,
                                        ev.id ? smmuv3_aux_evt_name(ev.id)
                                              : "abort");
        return SMMUV3_AUX_ATS_CA;       /* CR2.REC_CFG_ATS: no event */
    }
    if (cfg.kind == SMMUV3_AUX_CFG_ABORT) {
        return SMMUV3_AUX_ATS_UR;       /* Config 0b000: UR, no event */
    }
    if (cfg.ste_config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
        return ats_bad_treq(e, &req, "STE bypass");
    }
    if (!ats_full(&cfg)) {
        return ats_bad_treq(e, &req, "EATS");
    }
    if (cfg.kind == SMMUV3_AUX_CFG_BYPASS) {
        /* S1DSS skipped stage 1 of a stage-1-only STE: identity, RW. */
        resp->addr_mask = SMMUV3_AUX_ATS_STU - 1;
        resp->addr = req.addr & ~resp->addr_mask;
        resp->r = resp->w = true;
        resp->priv = req.priv;
        return SMMUV3_AUX_ATS_SUCCESS;
    }
    return ats_walk_grant(e, &cfg, &req, resp);
}

/* ---- Translated transactions (3.9.1.3) -------------------------------- */

static SMMUv3AuxResult ats_forbidden(SMMUv3AuxEngine *e,
                                     const SMMUv3AuxTxn *txn, const char *why)
{
    SMMUv3AuxEvent ev;

    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_ats_translated, "sid=0x%x addr=0x%"
                         PRIx64 " %s", txn->sid, txn->iova, why);
    smmuv3_aux_event_init(&ev, SMMUV3_AUX_EVT_F_TRANSL_FORBIDDEN, txn);
    ev.merge = true;
    smmuv3_aux_evtq_record(e, &ev);
    return SMMUV3_AUX_TXN_ABORT;
}

SMMUv3AuxResult smmuv3_aux_ats_translated(SMMUv3AuxEngine *e,
                                          const SMMUv3AuxTxn *in,
                                          SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxTxn txn = *in;
    unsigned oas = smmuv3_aux_ptw_ps_bits(FIELD_EX32(e->regs.idr[5],
                                                     IDR5, OAS));
    SMMUv3AuxEvent ev;
    SMMUv3AuxCfg cfg;

    memset(out, 0, sizeof(*out));
    /* IDR3.PASIDTT = 0: Data, Unprivileged, no SubstreamID. */
    txn.ssv = txn.is_exec = txn.is_priv = false;
    txn.ssid = 0;
    if (!FIELD_EX32(e->regs.idr[0], IDR0, ATS)) {
        return ats_forbidden(e, &txn, "no ATS");
    }
    if (!smmuv3_aux_smmuen(e)) {
        return ats_forbidden(e, &txn, "SMMUEN=0");
    }
    if (FIELD_EX32(e->regs.cr0, CR0, ATSCHK)) {
        if (!smmuv3_aux_txn_config(e, txn.sid, 0, false, &cfg, &ev)) {
            trace_smmuv3_aux_ats_translated(txn.sid, txn.iova, "config");
            return SMMUV3_AUX_TXN_ABORT;    /* no CR2.REC_CFG_ATS */
        }
        if (cfg.kind == SMMUV3_AUX_CFG_ABORT) {
            trace_smmuv3_aux_ats_translated(txn.sid, txn.iova, "abort");
            return SMMUV3_AUX_TXN_ABORT;
        }
        if (cfg.ste_config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
            return ats_forbidden(e, &txn, "STE bypass");
        }
        if (!ats_full(&cfg)) {
            return ats_forbidden(e, &txn, "EATS");
        }
    }
    if (oas < 64 && txn.iova >> oas) {
        trace_smmuv3_aux_ats_translated(txn.sid, txn.iova, "above OAS");
        return SMMUV3_AUX_TXN_ABORT;
    }
    trace_smmuv3_aux_ats_translated(txn.sid, txn.iova, "pass");
    return smmuv3_aux_txn_bypass(&txn, out);
}

/* ---- ATS Invalidation (4.5.1, 3.9.1.4) -------------------------------- */

/*
 * CMD_ATC_INV: queue an ATS Invalidate Request for the binding.  The
 * command is consumed at once; the CMD_SYNC after it waits for the
 * completion (smmuv3_aux_ats_sync_wait()).  With the queue of requests
 * full the command queue pauses on this command until the binding has
 * taken them.
 */
SMMUv3AuxCmdError smmuv3_aux_ats_inv(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxAtcInv inv = {
        .sid = FIELD_EX64(cmd->qw[0], CMD_0, SID),
        .ssv = FIELD_EX64(cmd->qw[0], CMD_0, SSV),
        .ssid = FIELD_EX64(cmd->qw[0], CMD_0, SSID),
        .global = FIELD_EX64(cmd->qw[0], CMD_0, GLOBAL),
        .size = FIELD_EX64(cmd->qw[1], CMD_1, ATC_SIZE),
        .addr = cmd->qw[1] & R_CMD_1_ADDR_MASK,
    };
    SMMUv3AuxAtcWait *w = q->atc;

    if (!FIELD_EX32(e->regs.idr[0], IDR0, ATS)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_unsupported, "opcode=0x%x",
                             SMMUV3_AUX_CMD_ATC_INV);
        return SMMUV3_AUX_CERROR_ILL;
    }
    if (inv.size > SMMUV3_AUX_ATC_INV_SIZE_ALL) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_atc_inv_size, "size=%u",
                             inv.size);
        return SMMUV3_AUX_CERROR_ILL;   /* permitted by 4.5.1 */
    }
    if (!smmuv3_aux_smmuen(e) || !w) {
        return SMMUV3_AUX_CERROR_NONE;  /* IGNORED */
    }
    if (!FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE)) {
        inv.ssv = false;                /* behaves as SSV == 0 */
    }
    if (!inv.ssv) {
        inv.ssid = 0;
        inv.global = false;             /* IGNORED without SSV */
    }
    /* The span is aligned to its size (4.5.1). */
    if (inv.size == SMMUV3_AUX_ATC_INV_SIZE_ALL) {
        inv.addr = 0;
    } else {
        inv.addr &= ~((4096ULL << inv.size) - 1);
    }
    if (e->n_atc_invs == SMMUV3_AUX_MAX_ATC_INVS) {
        trace_smmuv3_aux_atc_inv_paused(q->name, q->index, q->cons);
        q->paused = true;
        return SMMUV3_AUX_CERROR_NONE;
    }
    inv.queue = w->queue;
    inv.epoch = w->epoch;
    e->atc_invs[e->n_atc_invs++] = inv;
    w->outstanding++;
    trace_smmuv3_aux_cmd_atc_inv(inv.sid, inv.ssv, inv.ssid, inv.addr,
                                 inv.size, w->outstanding);
    return SMMUV3_AUX_CERROR_NONE;
}

/*
 * CMD_SYNC: may it complete as far as ATS is concerned?  Not while an
 * earlier CMD_ATC_INV of its queue is outstanding (the queue pauses on
 * it); once the binding gave up on them, it fails with
 * CERROR_ATC_INV_SYNC, and the retried CMD_SYNC then completes (4.4.3).
 */
SMMUv3AuxCmdError smmuv3_aux_ats_sync_wait(SMMUv3AuxEngine *e,
                                           SMMUv3AuxCmdQueue *q)
{
    SMMUv3AuxAtcWait *w = q->atc;

    if (!w) {
        return SMMUV3_AUX_CERROR_NONE;
    }
    w->waiting = false;
    if (w->failed) {
        w->failed = false;
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_atc_inv_sync, "%s%u: an ATS "
                             "Invalidate Request timed out", q->name,
                             q->index);
        return SMMUV3_AUX_CERROR_ATC_INV_SYNC;
    }
    if (w->outstanding) {
        trace_smmuv3_aux_atc_sync_wait(q->name, q->index, w->outstanding);
        w->waiting = true;
        q->paused = true;
    }
    return SMMUV3_AUX_CERROR_NONE;
}

unsigned smmuv3_aux_engine_take_atc_invs(SMMUv3AuxEngine *e,
                                         SMMUv3AuxAtcInv *out, unsigned max)
{
    return smmuv3_aux_fifo_take(e->atc_invs, &e->n_atc_invs, sizeof(*out),
                                out, max);
}

bool smmuv3_aux_engine_atc_inv_done(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w,
                                    uint32_t epoch)
{
    if (epoch != w->epoch || !w->outstanding) {
        return false;       /* given up on already (timeout, reset) */
    }
    w->outstanding--;
    trace_smmuv3_aux_atc_inv_done(w->queue, w->outstanding);
    return !w->outstanding && w->waiting;
}

void smmuv3_aux_engine_atc_inv_hold(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w,
                                    uint32_t epoch, unsigned extra)
{
    if (epoch == w->epoch && w->outstanding) {
        w->outstanding += extra;
    }
}

bool smmuv3_aux_engine_atc_timeout(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w)
{
    if (!w->outstanding || !w->waiting) {
        return false;
    }
    trace_smmuv3_aux_atc_timeout(w->queue, w->outstanding);
    w->outstanding = 0;
    w->epoch++;
    w->failed = true;
    return true;
}

SMMUv3AuxAtcWait *smmuv3_aux_engine_atc_wait(SMMUv3AuxEngine *e,
                                             uint32_t queue)
{
    if (queue == SMMUV3_AUX_ATC_QUEUE_CMDQ) {
        return &e->cmdq_atc;
    }
    if (queue - 1 < ARRAY_SIZE(e->vcmdq_atc)) {
        return &e->vcmdq_atc[queue - 1];
    }
    return NULL;
}

void smmuv3_aux_atc_wait_reset(SMMUv3AuxAtcWait *w)
{
    w->outstanding = 0;
    w->waiting = false;
    w->failed = false;
    w->epoch++;
}
