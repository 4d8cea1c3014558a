/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the PRI queue (Arm IHI 0070 chapter 8) and
 * CMD_PRI_RESP (4.5.2).
 *
 * A PCIe Page Request (PPR) from a device arrives through the binding
 * (smmuv3_aux_pri_request()); it is written to the PRI queue, or, when it
 * cannot be, answered automatically (8.1, 8.2).  Responses, automatic or
 * from CMD_PRI_RESP, cannot reach a device from the engine: they wait in
 * e->pri_resps for the binding (smmuv3_aux_engine_take_pri_resps()), and
 * a full FIFO pauses the command queue on the CMD_PRI_RESP, as ATC_INV
 * does.
 *
 * Choices where the spec leaves one:
 *  - IDR3.PPS = 1: an automatic Success response to a PPR with a PASID
 *    carries its PASID, and STE.PPAR is not looked at (8.1).
 *  - A PRI queue write that aborts is a synchronous external abort: the
 *    PPR gets a Response Failure (8.2).
 *  - An automatic response that the FIFO cannot hold is dropped with a
 *    trace (a device that floods requests beyond its credits): nothing in
 *    the spec makes the SMMU wait, and the queue must not grow.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

static const char *pri_code_name(unsigned code)
{
    switch (code) {
    case SMMUV3_AUX_PRG_SUCCESS:
        return "success";
    case SMMUV3_AUX_PRG_INVALID:
        return "invalid-request";
    default:
        return "failure";
    }
}

/* Queue a PRG Response for the binding; false when the FIFO is full. */
static bool pri_respond(SMMUv3AuxEngine *e, uint32_t sid, bool ssv,
                        uint32_t ssid, uint16_t prgi, uint8_t code)
{
    if (e->n_pri_resps == SMMUV3_AUX_MAX_PRI_RESPS) {
        return false;
    }
    e->pri_resps[e->n_pri_resps++] = (SMMUv3AuxPriResp) {
        .sid = sid, .ssv = ssv, .ssid = ssv ? ssid : 0, .prgi = prgi,
        .code = code,
    };
    trace_smmuv3_aux_pri_resp(sid, ssv, ssid, prgi, pri_code_name(code));
    return true;
}

static void pri_auto_respond(SMMUv3AuxEngine *e, const SMMUv3AuxPriReq *req,
                             bool with_pasid, uint8_t code)
{
    if (!pri_respond(e, req->sid, with_pasid && req->ssv, req->ssid,
                     req->prgi, code)) {
        trace_smmuv3_aux_pri_resp_dropped(req->sid, req->prgi);
    }
}

/* A Stop Marker: PASID, and L W R = 0b100 (chapter 8). */
static bool pri_is_stop_marker(const SMMUv3AuxPriReq *req)
{
    return req->ssv && req->last && !req->w && !req->r;
}

static void pri_encode(const SMMUv3AuxPriReq *req, uint64_t *qw)
{
    qw[0] = FIELD_DP64(0, PRI_0, SID, req->sid);
    qw[0] = FIELD_DP64(qw[0], PRI_0, SSID, req->ssv ? req->ssid : 0);
    qw[0] = FIELD_DP64(qw[0], PRI_0, PRIV, req->ssv && req->priv);
    qw[0] = FIELD_DP64(qw[0], PRI_0, EXEC, req->ssv && req->exec);
    qw[0] = FIELD_DP64(qw[0], PRI_0, READ, req->r);
    qw[0] = FIELD_DP64(qw[0], PRI_0, WRITE, req->w);
    qw[0] = FIELD_DP64(qw[0], PRI_0, LAST, req->last);
    qw[0] = FIELD_DP64(qw[0], PRI_0, SSV, req->ssv);
    qw[1] = FIELD_DP64(0, PRI_1, PRGINDEX, req->prgi);
    qw[1] |= req->addr & R_PRI_1_ADDR_MASK;
}

/* The PRI queue interrupt condition (SMMU_PRIQ_IRQ_CFG2.LO). */
static void pri_irq(SMMUv3AuxEngine *e, bool was_empty, bool last)
{
    if (FIELD_EX32(e->regs.priq_irq_cfg2, PRIQ_IRQ_CFG2, LO) ? last
                                                            : was_empty) {
        smmuv3_aux_irq_raise(e, SMMUV3_AUX_IRQ_PRIQ);
    }
}

void smmuv3_aux_pri_request(SMMUv3AuxEngine *e, const SMMUv3AuxPriReq *in)
{
    SMMUv3AuxRegs *r = &e->regs;
    SMMUv3AuxPriReq req = *in;
    unsigned l = smmuv3_aux_q_log2size(r->priq_base,
                                       smmuv3_aux_priq_max_log2size(e));
    uint64_t base = smmuv3_aux_q_base_addr(r->priq_base, l,
                                           SMMUV3_AUX_PRI_SIZE);
    uint32_t prod = r->priq_prod & smmuv3_aux_q_ptr_mask(l);
    uint32_t cons = r->priq_cons & smmuv3_aux_q_ptr_mask(l);
    bool stop = pri_is_stop_marker(&req);
    uint64_t qw[2];

    if (!FIELD_EX32(r->idr[1], IDR1, SSIDSIZE)) {
        req.ssv = false;                /* no PASIDs: SSV is 0 (8) */
    }
    if (!req.ssv) {
        req.exec = req.priv = false;
    }
    trace_smmuv3_aux_pri_request(req.sid, req.ssv, req.ssid, req.addr,
                                 req.prgi, req.last, req.r, req.w);
    if (!FIELD_EX32(r->idr[0], IDR0, PRI)) {
        return;                         /* no PRI interface at all */
    }
    /* 8.2: disabled or in PRIQ_ABT_ERR: Response Failure, no PASID. */
    if (!smmuv3_aux_smmuen(e) || !FIELD_EX32(r->cr0, CR0, PRIQEN) ||
        (smmuv3_aux_gerror_active(e) & R_GERROR_PRIQ_ABT_ERR_MASK)) {
        if (!stop) {
            pri_auto_respond(e, &req, false, SMMUV3_AUX_PRG_FAILURE);
        }
        return;
    }
    /* 8.1: an active overflow, or one this PPR starts, discards it. */
    if (FIELD_EX32(r->priq_prod, PRIQ_PROD, OVFLG) ==
        FIELD_EX32(r->priq_cons, PRIQ_CONS, OVACKFLG) &&
        smmuv3_aux_q_full(prod, cons, l)) {
        r->priq_prod ^= R_PRIQ_PROD_OVFLG_MASK;
        trace_smmuv3_aux_priq_overflow(r->priq_prod, r->priq_cons);
    }
    if (FIELD_EX32(r->priq_prod, PRIQ_PROD, OVFLG) !=
        FIELD_EX32(r->priq_cons, PRIQ_CONS, OVACKFLG)) {
        if (req.last && !stop) {
            pri_auto_respond(e, &req, true, SMMUV3_AUX_PRG_SUCCESS);
            pri_irq(e, false, true);
        }
        return;
    }
    pri_encode(&req, qw);
    if (!smmuv3_aux_mem_write_le64s(e->ops, e->opaque,
                                    base + smmuv3_aux_q_idx(prod, l) *
                                    (uint64_t)SMMUV3_AUX_PRI_SIZE,
                                    qw, 2, smmuv3_aux_ns_attrs())) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_priq_abort, "prod=0x%x", prod);
        smmuv3_aux_gerror_activate(e, R_GERROR_PRIQ_ABT_ERR_MASK);
        if (!stop) {
            pri_auto_respond(e, &req, false, SMMUV3_AUX_PRG_FAILURE);
        }
        return;
    }
    r->priq_prod = (r->priq_prod & R_PRIQ_PROD_OVFLG_MASK) |
                   smmuv3_aux_q_inc(prod, l);
    pri_irq(e, smmuv3_aux_q_empty(prod, cons, l), req.last);
}

/* CMD_PRI_RESP (4.5.2): its Resp encoding to the PRG Response code. */
SMMUv3AuxCmdError smmuv3_aux_pri_resp(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    static const uint8_t code[] = {
        SMMUV3_AUX_PRG_FAILURE, SMMUV3_AUX_PRG_INVALID, SMMUV3_AUX_PRG_SUCCESS,
    };
    unsigned resp = FIELD_EX64(cmd->qw[1], CMD_1, PRI_RESP);
    bool ssv = FIELD_EX64(cmd->qw[0], CMD_0, SSV);

    if (!FIELD_EX32(e->regs.idr[0], IDR0, PRI) || resp >= ARRAY_SIZE(code)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_pri_resp, "pri=%u resp=%u",
                             FIELD_EX32(e->regs.idr[0], IDR0, PRI), resp);
        return SMMUV3_AUX_CERROR_ILL;
    }
    if (!smmuv3_aux_smmuen(e)) {
        return SMMUV3_AUX_CERROR_NONE;          /* IGNORED */
    }
    if (!FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE)) {
        ssv = false;            /* behaves as SSV == 0 (the first choice) */
    }
    if (!pri_respond(e, FIELD_EX64(cmd->qw[0], CMD_0, SID), ssv,
                     FIELD_EX64(cmd->qw[0], CMD_0, SSID),
                     FIELD_EX64(cmd->qw[1], CMD_1, PRGINDEX), code[resp])) {
        trace_smmuv3_aux_pri_resp_paused(q->name, q->index, q->cons);
        q->paused = true;       /* again once the binding took the others */
    }
    return SMMUV3_AUX_CERROR_NONE;
}

unsigned smmuv3_aux_engine_take_pri_resps(SMMUv3AuxEngine *e,
                                          SMMUv3AuxPriResp *out,
                                          unsigned max)
{
    return smmuv3_aux_fifo_take(e->pri_resps, &e->n_pri_resps,
                                sizeof(*out), out, max);
}
