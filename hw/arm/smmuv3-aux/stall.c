/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the Stall fault model (Arm IHI 0070 3.12.2),
 * CMD_RESUME and CMD_STALL_TERM (4.7).
 *
 * A Translation-related fault at a stage configured to stall (CD.S with
 * STE.S1STALLD == 0, STE.S2S) holds the transaction: it gets a slot of
 * e->stalls and a STAG, its fault record says Stall = 1 with that STAG,
 * and translate() returns SMMUV3_AUX_TXN_STALL with the slot's handle.
 * The binding parks it: the access fails, and the requester, outside its
 * DMA (never under the BQL, never holding s->lock while it sleeps), waits
 * until smmuv3_aux_stall_state() says Retry (the access is issued again
 * and translated as though it had just arrived), Abort or RAZ/WI; then
 * the slot is freed.
 *
 * Choices where the spec leaves one:
 *  - STAG = slot | (uses of the slot << 6): a STAG of an earlier use of
 *    the slot matches nothing (4.7.1 lets a stale STAG be a no-op).
 *  - No duplicate suppression (3.12.2.1) and no early retry (3.12.2.2):
 *    every stall has its own record and waits for its own CMD_RESUME.
 *  - With the event queue not writable (disabled, full, or in an
 *    unacknowledged overflow) a stall is held without a record, and
 *    retried as though it had just arrived once software makes room
 *    (3.12.2; 7.2.1).
 *  - More stalls than SMMUV3_AUX_MAX_STALLS, and transactions the binding
 *    cannot hold, terminate as under the Terminate model (3.12.2.3).
 *  - A CD-fetch fault through stage 2 terminates; only walks stall.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

#define STALL_SLOT_BITS     6
QEMU_BUILD_BUG_ON(SMMUV3_AUX_MAX_STALLS != 1 << STALL_SLOT_BITS);

static const char *stall_state_name(unsigned st)
{
    static const char *const names[] = {
        "free", "stalled", "wait-evtq", "retry", "abort", "raz-wi",
    };

    return st < ARRAY_SIZE(names) ? names[st] : "?";
}

static SMMUv3AuxStall *stall_slot(SMMUv3AuxEngine *e, uint32_t handle)
{
    return &e->stalls[handle & (SMMUV3_AUX_MAX_STALLS - 1)];
}

static void stall_set(SMMUv3AuxEngine *e, SMMUv3AuxStall *s, unsigned st)
{
    trace_smmuv3_aux_stall_state(s->sid, s->stag, stall_state_name(s->state),
                                 stall_state_name(st));
    s->state = st;
    e->stall_gen++;
}

/* The event queue can take a record now (7.2.1, 7.4). */
static bool evtq_writable(SMMUv3AuxEngine *e)
{
    const SMMUv3AuxRegs *r = &e->regs;
    unsigned l = smmuv3_aux_q_log2size(r->evtq_base,
                                       smmuv3_aux_evtq_max_log2size(e));
    uint32_t mask = smmuv3_aux_q_ptr_mask(l);

    return FIELD_EX32(r->cr0, CR0, EVENTQEN) &&
           !(smmuv3_aux_gerror_active(e) & R_GERROR_EVENTQ_ABT_ERR_MASK) &&
           !smmuv3_aux_q_full(r->evtq_prod & mask, r->evtq_cons & mask, l);
}

static SMMUv3AuxStall *stall_alloc(SMMUv3AuxEngine *e, uint32_t sid)
{
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        SMMUv3AuxStall *s = &e->stalls[i];

        if (s->state == SMMUV3_AUX_STALL_FREE) {
            s->sid = sid;
            s->stag = (uint16_t)(((s->stag >> STALL_SLOT_BITS) + 1)
                                 << STALL_SLOT_BITS) | i;
            return s;
        }
    }
    return NULL;
}

/*
 * A Translation-related fault at a stage configured to stall.  Returns
 * SMMUV3_AUX_TXN_STALL with out->stall set, or SMMUV3_AUX_TXN_ABORT when
 * the transaction cannot be held (it is then recorded as a terminated
 * one, with ev as it is).
 */
SMMUv3AuxResult smmuv3_aux_stall_fault(SMMUv3AuxEngine *e,
                                       const SMMUv3AuxTxn *txn,
                                       SMMUv3AuxEvent *ev,
                                       SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxStall *s = txn->can_stall ? stall_alloc(e, txn->sid) : NULL;

    if (!s) {
        trace_smmuv3_aux_stall_refused(txn->sid, txn->iova, txn->can_stall);
        smmuv3_aux_evtq_record(e, ev);
        return SMMUV3_AUX_TXN_ABORT;
    }
    if (!evtq_writable(e)) {
        stall_set(e, s, SMMUV3_AUX_STALL_WAIT_EVTQ);
    } else {
        ev->stall = true;
        ev->stag = s->stag;
        ev->merge = false;              /* stall records never merge */
        smmuv3_aux_evtq_record(e, ev);
        stall_set(e, s, SMMUV3_AUX_STALL_STALLED);
    }
    out->stall = s - e->stalls;
    return SMMUV3_AUX_TXN_STALL;
}

SMMUv3AuxStallState smmuv3_aux_stall_state(SMMUv3AuxEngine *e,
                                           uint32_t stall)
{
    return stall_slot(e, stall)->state;
}

void smmuv3_aux_stall_free(SMMUv3AuxEngine *e, uint32_t stall)
{
    SMMUv3AuxStall *s = stall_slot(e, stall);

    s->parked = false;
    if (s->state != SMMUV3_AUX_STALL_FREE) {
        stall_set(e, s, SMMUV3_AUX_STALL_FREE);
    }
}

bool smmuv3_aux_stall_set_parked(SMMUv3AuxEngine *e, uint32_t stall,
                                 bool parked)
{
    SMMUv3AuxStall *s = stall_slot(e, stall);

    if (stall >= SMMUV3_AUX_MAX_STALLS || s->state == SMMUV3_AUX_STALL_FREE ||
        s->parked == parked) {
        return false;
    }
    trace_smmuv3_aux_stall_parked(s->sid, s->stag, parked);
    s->parked = parked;
    return true;
}

bool smmuv3_aux_stall_is_parked(SMMUv3AuxEngine *e, uint32_t stall)
{
    return stall < SMMUV3_AUX_MAX_STALLS && stall_slot(e, stall)->parked;
}

void smmuv3_aux_stall_cancel(SMMUv3AuxEngine *e, uint32_t stall)
{
    SMMUv3AuxStall *s = stall_slot(e, stall);

    if (s->state == SMMUV3_AUX_STALL_STALLED ||
        s->state == SMMUV3_AUX_STALL_WAIT_EVTQ) {
        stall_set(e, s, SMMUV3_AUX_STALL_ABORT);
    }
}

static bool stall_live(const SMMUv3AuxStall *s)
{
    return s->state == SMMUV3_AUX_STALL_STALLED;
}

/* CMD_RESUME and CMD_STALL_TERM are ILLEGAL without the Stall model. */
static bool stall_cmd_illegal(SMMUv3AuxEngine *e, unsigned op)
{
    if (FIELD_EX32(e->regs.idr[0], IDR0, STALL_MODEL) ==
        SMMUV3_AUX_IDR0_STALL_NONE) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_unsupported, "opcode=0x%x",
                             op);
        return true;
    }
    return false;
}

/*
 * CMD_RESUME (4.7.1): Ac (bit 12) 1 retries; 0 terminates, with RAZ/WI
 * when Ab (bit 13) is 0 and IDR0.TERM_MODEL allows it, else an abort.
 * A STAG that names no stalled transaction of StreamID does nothing.
 */
SMMUv3AuxCmdError smmuv3_aux_stall_resume(SMMUv3AuxEngine *e,
                                          const SMMUv3AuxCmd *cmd)
{
    unsigned resp = FIELD_EX64(cmd->qw[0], CMD_0, RESUME_ACTION);
    uint32_t sid = FIELD_EX64(cmd->qw[0], CMD_0, SID);
    uint16_t stag = FIELD_EX64(cmd->qw[1], CMD_1, STAG);
    SMMUv3AuxStall *s = stall_slot(e, stag);
    unsigned st;

    if (stall_cmd_illegal(e, SMMUV3_AUX_CMD_RESUME)) {
        return SMMUV3_AUX_CERROR_ILL;
    }
    if (!stall_live(s) || s->sid != sid || s->stag != stag) {
        trace_smmuv3_aux_stall_resume_nop(sid, stag);
        return SMMUV3_AUX_CERROR_NONE;
    }
    if (resp & 1) {
        st = SMMUV3_AUX_STALL_RETRY;
    } else if (!(resp & 2) && !FIELD_EX32(e->regs.idr[0], IDR0, TERM_MODEL)) {
        st = SMMUV3_AUX_STALL_RAZWI;
    } else {
        st = SMMUV3_AUX_STALL_ABORT;
    }
    stall_set(e, s, st);
    return SMMUV3_AUX_CERROR_NONE;
}

/* CMD_STALL_TERM (4.7.2): every stalled transaction of StreamID aborts. */
SMMUv3AuxCmdError smmuv3_aux_stall_term(SMMUv3AuxEngine *e,
                                        const SMMUv3AuxCmd *cmd)
{
    uint32_t sid = FIELD_EX64(cmd->qw[0], CMD_0, SID);

    if (stall_cmd_illegal(e, SMMUV3_AUX_CMD_STALL_TERM)) {
        return SMMUV3_AUX_CERROR_ILL;
    }
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        SMMUv3AuxStall *s = &e->stalls[i];

        if ((stall_live(s) || s->state == SMMUV3_AUX_STALL_WAIT_EVTQ) &&
            s->sid == sid) {
            stall_set(e, s, SMMUV3_AUX_STALL_ABORT);
        }
    }
    return SMMUV3_AUX_CERROR_NONE;
}

void smmuv3_aux_stall_abort_all(SMMUv3AuxEngine *e)
{
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        smmuv3_aux_stall_cancel(e, i);
    }
}

void smmuv3_aux_stall_evtq_writable(SMMUv3AuxEngine *e)
{
    if (!evtq_writable(e)) {
        return;
    }
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        if (e->stalls[i].state == SMMUV3_AUX_STALL_WAIT_EVTQ) {
            stall_set(e, &e->stalls[i], SMMUV3_AUX_STALL_RETRY);
        }
    }
}
