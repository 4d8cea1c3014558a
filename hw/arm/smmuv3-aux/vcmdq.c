/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: virtual command queues compatible with NVIDIA
 * Tegra241 CMDQV (register map and locking in vcmdq.h).
 *
 * Each global VCMDQ is a command queue of the SMMU: it is consumed by
 * cmdq.c over a queue context, the same consumer and handlers as the
 * SMMU CMDQ, with the policy of the VINTF it is allocated to (HYP_OWN = 0:
 * the guest command set, VMID and StreamID substitution).  Commands run
 * synchronously when PROD is written, so a CMD_SYNC is complete as soon
 * as CONS has moved past it, which is how Linux waits on a VCMDQ.
 *
 * Behaviour the driver does not pin down, decided here ("decision"):
 *  - A VCMDQ runs when CMDQV_CONFIG.CMDQV_EN, its CONFIG.EN, its
 *    CMDQ_ALLOC.ALLOCATED and its VINTF's CONFIG.EN are all set and it
 *    has no error active.  Every *STATUS.ENABLED follows its CONFIG.EN at
 *    once (the driver polls for it).
 *  - Logical slots no CMDQ_ALLOC maps are RAZ/WI (Linux's first reset
 *    deinitialises them before mapping them).  Mapping out of ascending
 *    or unmapping out of descending order, which hardware forbids, is
 *    logged and applied; a logical slot mapped twice reaches the lowest
 *    global queue.
 *  - A command error toggles VCMDQ_GERROR.CMDQ_ERR (bit 0, as the SMMU's
 *    GERROR.CMDQ_ERR), sets CONS.ERR and leaves CONS on the command.  The
 *    queue stops until GERRORN == GERROR, then resumes at CONS.
 *  - Each new queue error raises the CMDQV interrupt (an edge, as the
 *    driver's ISR comment says), unless the queue's VINTF is set in
 *    VINTF_INT_MASK (which Linux never writes; reset value 0).
 *  - CONS, BASE and CONS_INDX_BASE are writable only while CONFIG.EN = 0.
 *    CONS_INDX_BASE is stored but never written to.
 *
 * The register file is vcmdq-regs.c; this file has the queues' state,
 * the CMDQ_ALLOC routing, command execution and migration.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"
#include "vcmdq-internal.h"

/* ---- Parameters ------------------------------------------------------ */

void smmuv3_aux_cmdqv_params_set_defaults(SMMUv3AuxCmdqvParams *p)
{
#define DEFAULT(kind, field, name, def) p->field = def;
    SMMUV3_AUX_CMDQV_PARAMS(DEFAULT)
#undef DEFAULT
}

bool smmuv3_aux_cmdqv_params_check(const SMMUv3AuxCmdqvParams *p,
                                   const char **why)
{
    if (p->num_vintf_log2 > SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2) {
        *why = "cmdqv-vintfs-log2 must be at most 6: more than 64 VINTFs "
               "do not fit the 64-bit VINTF_ERR_MAP";
    } else if (p->num_vcmdq_log2 > SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2) {
        *why = "cmdqv-vcmdqs-log2 must be at most 7: more than 128 VCMDQs "
               "do not fit the 128-bit CMDQ_ERR_MAP";
    } else if (p->num_vcmdq_log2 < p->num_vintf_log2) {
        *why = "cmdqv-vcmdqs-log2 must be at least cmdqv-vintfs-log2: "
               "with fewer VCMDQs than VINTFs a VINTF has none (Linux "
               "divides by the number of VCMDQs per VINTF)";
    } else if (p->num_sid_log2 > SMMUV3_AUX_CMDQV_MAX_SID_LOG2) {
        *why = "cmdqv-sids-log2 must be at most 4: SID_MATCH has room for "
               "16 StreamIDs per VINTF";
    } else if (p->version > R_CMDQV_PARAM_VER_MASK) {
        *why = "cmdqv-version must be at most 15 (PARAM.VER has 4 bits)";
    } else {
        return true;
    }
    return false;
}

uint64_t smmuv3_aux_cmdqv_mmio_size(const SMMUv3AuxCmdqvParams *p)
{
    return SMMUV3_AUX_CMDQV_VINTF_PAGES +
           ((uint64_t)SMMUV3_AUX_CMDQV_VINTF_STRIDE << p->num_vintf_log2);
}

void smmuv3_aux_cmdqv_init(SMMUv3AuxCmdqv *v, const SMMUv3AuxCmdqvParams *p)
{
    memset(v, 0, sizeof(*v));
    v->params = *p;
    v->num_vintfs = 1u << p->num_vintf_log2;
    v->num_vcmdqs = 1u << p->num_vcmdq_log2;
    v->num_sids = 1u << p->num_sid_log2;
    smmuv3_aux_cmdqv_reset(v);
}

void smmuv3_aux_cmdqv_reset(SMMUv3AuxCmdqv *v)
{
    v->epoch++;
    v->config = 0;
    v->vintf_int_mask = 0;
    memset(v->vintf, 0, sizeof(v->vintf));
    memset(v->q, 0, sizeof(v->q));
    memset(v->route, SMMUV3_AUX_CMDQV_NO_ROUTE, sizeof(v->route));
    memset(v->kick, 0, sizeof(v->kick));
    v->irq_pending = false;
}

/* ---- Queue state ----------------------------------------------------- */

bool smmuv3_aux_vcmdq_in_error(const SMMUv3AuxCmdqv *v, unsigned q)
{
    return (v->q[q].gerror ^ v->q[q].gerrorn) & R_VCMDQ_GERROR_CMDQ_ERR_MASK;
}

static bool vcmdq_runnable(const SMMUv3AuxCmdqv *v, unsigned q)
{
    int i = vcmdq_vintf(v, q);

    return FIELD_EX32(v->config, CMDQV_CONFIG, CMDQV_EN) &&
           vcmdq_enabled(&v->q[q]) && i >= 0 &&
           FIELD_EX32(v->vintf[i].config, VINTF_CONFIG, EN) &&
           !smmuv3_aux_vcmdq_in_error(v, q);
}

static void vcmdq_error(SMMUv3AuxCmdqv *v, unsigned q)
{
    SMMUv3AuxVcmdq *vq = &v->q[q];
    int i = vcmdq_vintf(v, q);
    bool irq = i >= 0 && !(v->vintf_int_mask & (1ULL << i));

    if (!smmuv3_aux_vcmdq_in_error(v, q)) {
        vq->gerror ^= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    }
    if (irq) {
        v->irq_pending = true;
    }
    trace_smmuv3_aux_vcmdq_error(q, vq->cons, vq->gerror, irq);
}

/* ---- CMDQ_ALLOC routing ---------------------------------------------- */

void smmuv3_aux_cmdqv_route_rebuild(SMMUv3AuxCmdqv *v)
{
    memset(v->route, SMMUV3_AUX_CMDQV_NO_ROUTE, sizeof(v->route));
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        int i = vcmdq_vintf(v, q);
        unsigned l = FIELD_EX32(v->q[q].alloc, CMDQV_CMDQ_ALLOC, LVCMDQ);

        if (i < 0) {
            continue;
        }
        if (v->route[i][l] != SMMUV3_AUX_CMDQV_NO_ROUTE) {
            SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_alloc_dup,
                                 "vcmdq%u vintf=%d lvcmdq=%u", q, i, l);
            continue;
        }
        v->route[i][l] = q;
        trace_smmuv3_aux_cmdqv_route(i, l, q);
    }
}

/* ---- Execution ------------------------------------------------------- */

/* A runnable queue no job is running, its kick taken; or -1. */
static int next_runnable(SMMUv3AuxCmdqv *v)
{
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        uint64_t bit = 1ULL << (q % 64);

        if (!(v->kick[q / 64] & bit) || v->q[q].busy) {
            continue;           /* a busy queue keeps its kick */
        }
        v->kick[q / 64] &= ~bit;
        if (vcmdq_runnable(v, q)) {
            return q;
        }
    }
    return -1;
}

bool smmuv3_aux_cmdqv_claim(SMMUv3AuxCmdqv *v, SMMUv3AuxVcmdqJob *job)
{
    int q = next_runnable(v);
    const SMMUv3AuxVintf *vi;
    SMMUv3AuxVcmdq *vq;

    if (q < 0) {
        return false;
    }
    vq = &v->q[q];
    vi = &v->vintf[vcmdq_vintf(v, q)];
    vq->busy = true;
    *job = (SMMUv3AuxVcmdqJob) {
        .q = q,
        .epoch = v->epoch,
        .seq = vq->seq,
        .base = vq->base,
        .prod = vq->prod,
        .cons = FIELD_EX32(vq->cons, VCMDQ_CONS, RD),
        .hyp_own = FIELD_EX32(vi->config, VINTF_CONFIG, HYP_OWN),
        .vmid = FIELD_EX32(vi->config, VINTF_CONFIG, VMID),
        .n_sids = v->num_sids,
    };
    memcpy(job->sid_match, vi->sid_match, sizeof(job->sid_match));
    memcpy(job->sid_replace, vi->sid_replace, sizeof(job->sid_replace));
    return true;
}

void smmuv3_aux_cmdqv_exec(SMMUv3AuxVcmdqJob *job, SMMUv3AuxEngine *e)
{
    SMMUv3AuxCmdFilter f = {
        .vmid = job->vmid,
        .n_sids = job->n_sids,
        .sid_match = job->sid_match,
        .sid_replace = job->sid_replace,
    };
    unsigned log2size = smmuv3_aux_q_log2size(job->base,
                                              SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE);
    SMMUv3AuxCmdQueue cq = {
        .name = "vcmdq",
        .index = job->q,
        .log2size = log2size,
        .base = smmuv3_aux_q_base_addr(job->base & R_VCMDQ_BASE_ADDR_MASK,
                                       log2size, SMMUV3_AUX_CMD_SIZE),
        .prod = job->prod,
        .cons = job->cons,
        .attrs = smmuv3_aux_ns_attrs(),
        .filter = job->hyp_own ? NULL : &f,
        .sync_by_cons_only = true,
        .vcmdq = true,
        /* A CMD_SYNC that waits for an ATC_INV stops the job; kick resumes. */
        .atc = &e->vcmdq_atc[job->q],
    };

    job->err = smmuv3_aux_cmdq_consume(e, &cq);
    job->cons_out = cq.cons;
    job->n_consumed = cq.n_consumed;
    job->last = cq.last;
}

void smmuv3_aux_cmdqv_finish(SMMUv3AuxCmdqv *v, const SMMUv3AuxVcmdqJob *job)
{
    SMMUv3AuxVcmdq *vq = &v->q[job->q];

    if (job->epoch != v->epoch) {
        return;                 /* reset meanwhile: nothing of it stays */
    }
    vq->busy = false;
    vq->n_cmds += job->n_consumed;
    if (job->n_consumed) {
        vq->last = job->last;
    }
    if (job->seq != vq->seq) {
        /* Software rewrote CONS or BASE of the disabled queue meanwhile. */
        return;
    }
    vq->cons = FIELD_DP32(job->cons_out, VCMDQ_CONS, ERR, job->err);
    if (job->err != SMMUV3_AUX_CERROR_NONE) {
        vcmdq_error(v, job->q);
    }
}

void smmuv3_aux_cmdqv_kick(SMMUv3AuxCmdqv *v, unsigned q)
{
    if (q < v->num_vcmdqs) {
        kick(v, q);
    }
}

void smmuv3_aux_cmdqv_run(SMMUv3AuxCmdqv *v, SMMUv3AuxEngine *e)
{
    SMMUv3AuxVcmdqJob job;

    while (smmuv3_aux_cmdqv_claim(v, &job)) {
        smmuv3_aux_cmdqv_exec(&job, e);
        smmuv3_aux_cmdqv_finish(v, &job);
    }
}

/* ---- Migration ------------------------------------------------------- */

/* One loaded queue, its words back in their fields. */
static void vcmdq_sanitize(SMMUv3AuxVcmdq *vq)
{
    vq->cons &= R_VCMDQ_CONS_RD_MASK | R_VCMDQ_CONS_ERR_MASK;
    vq->prod &= R_VCMDQ_PROD_WR_MASK;
    vq->config &= R_VCMDQ_CONFIG_EN_MASK;
    vq->gerror &= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    vq->gerrorn &= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    vq->base &= VCMDQ_BASE_MASK;
    vq->alloc &= R_CMDQV_CMDQ_ALLOC_ALLOCATED_MASK |
                 R_CMDQV_CMDQ_ALLOC_LVCMDQ_MASK |
                 R_CMDQV_CMDQ_ALLOC_VINTF_MASK;
    vq->busy = false;
}

static void vintf_sanitize(const SMMUv3AuxCmdqv *v, SMMUv3AuxVintf *vi)
{
    vi->config &= VINTF_CONFIG_MASK;
    if (!v->params.hyp_own) {
        vi->config = FIELD_DP32(vi->config, VINTF_CONFIG, HYP_OWN, 0);
    }
    for (unsigned s = 0; s < SMMUV3_AUX_CMDQV_MAX_SIDS; s++) {
        vi->sid_match[s] &= s < v->num_sids ? SID_MATCH_MASK : 0;
        vi->sid_replace[s] &= s < v->num_sids ? UINT32_MAX : 0;
    }
}

bool smmuv3_aux_cmdqv_post_load(SMMUv3AuxCmdqv *v, uint32_t src_param,
                                bool src_hyp_own, const char **why)
{
    if (src_param != smmuv3_aux_cmdqv_param(v)) {
        *why = "the source's CMDQV_PARAM differs: start the destination "
               "with the same cmdqv-* properties";
        return false;
    }
    if (src_hyp_own != v->params.hyp_own) {
        *why = "the source's cmdqv-hyp-own differs";
        return false;
    }
    /*
     * The stream holds registers, not a proof that they were written
     * through MMIO: give every word only the bits a write could set, and
     * nothing to the VINTFs and queues PARAM does not have.
     */
    v->config &= R_CMDQV_CONFIG_CMDQV_EN_MASK;
    for (unsigned i = 0; i < SMMUV3_AUX_CMDQV_MAX_VINTFS; i++) {
        if (i < v->num_vintfs) {
            vintf_sanitize(v, &v->vintf[i]);
        } else {
            memset(&v->vintf[i], 0, sizeof(v->vintf[i]));
        }
    }
    for (unsigned q = 0; q < SMMUV3_AUX_CMDQV_MAX_VCMDQS; q++) {
        if (q < v->num_vcmdqs) {
            vcmdq_sanitize(&v->q[q]);
        } else {
            memset(&v->q[q], 0, sizeof(v->q[q]));
        }
    }
    smmuv3_aux_cmdqv_route_rebuild(v);
    /*
     * Commands run when PROD is written, so the source left nothing
     * runnable unconsumed, and it delivered every interrupt it raised.
     */
    memset(v->kick, 0, sizeof(v->kick));
    v->irq_pending = false;
    return true;
}

bool smmuv3_aux_cmdqv_take_irq(SMMUv3AuxCmdqv *v)
{
    bool irq = v->irq_pending;

    v->irq_pending = false;
    return irq;
}
