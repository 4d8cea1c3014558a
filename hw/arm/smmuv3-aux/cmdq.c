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
 * The invalidation commands are accepted and traced.  There is nothing
 * to invalidate yet: the stream table is re-read on every transaction
 * and there is no TLB.  Their handlers are where the cache hooks go.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "engine-internal.h"

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
    /* Prefetching is a hint; nothing is cached yet. */
    return check_ssec(cmd);
}

static SMMUv3AuxCmdError cmd_cfgi_ste(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, cmd_sid(cmd))) {
        trace_smmuv3_aux_cmd_cfgi_ste(cmd_sid(cmd),
                                      FIELD_EX64(cmd->qw[1], CMD_1, LEAF));
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

    if (err == SMMUV3_AUX_CERROR_NONE) {
        trace_smmuv3_aux_cmd_cfgi_ste_range(start, start + span - 1);
    }
    return err;
}

static SMMUv3AuxCmdError cmd_cfgi_cd(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, cmd_sid(cmd))) {
        trace_smmuv3_aux_cmd_cfgi_cd(cmd_sid(cmd),
                                     FIELD_EX64(cmd->qw[0], CMD_0, SSID),
                                     FIELD_EX64(cmd->qw[1], CMD_1, LEAF));
    }
    return err;
}

static SMMUv3AuxCmdError cmd_cfgi_cd_all(SMMUv3AuxEngine *e,
                                         SMMUv3AuxCmdQueue *q,
                                         const SMMUv3AuxCmd *cmd)
{
    SMMUv3AuxCmdError err = check_ssec(cmd);

    if (err == SMMUV3_AUX_CERROR_NONE && sid_in_range(e, cmd_sid(cmd))) {
        trace_smmuv3_aux_cmd_cfgi_cd(cmd_sid(cmd), 0, 0);
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

/* TLBI_NH_*, TLBI_NSNH_ALL: stage 1 (and all) Non-secure entries. */
static SMMUv3AuxCmdError cmd_tlbi_nh(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    trace_tlbi(cmd);
    return SMMUV3_AUX_CERROR_NONE;
}

/* TLBI_EL2_*: only legal with the EL2 StreamWorld (IDR0.HYP). */
static SMMUv3AuxCmdError cmd_tlbi_el2(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    if (!FIELD_EX32(e->regs.idr[0], IDR0, HYP)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_unsupported, "opcode=0x%x",
                             (unsigned)FIELD_EX64(cmd->qw[0], CMD_0, OPCODE));
        return SMMUV3_AUX_CERROR_ILL;
    }
    trace_tlbi(cmd);
    return SMMUV3_AUX_CERROR_NONE;
}

/* TLBI_S12_VMALL, TLBI_S2_IPA: only legal with stage 2. */
static SMMUv3AuxCmdError cmd_tlbi_s2(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    if (!FIELD_EX32(e->regs.idr[0], IDR0, S2P)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_unsupported, "opcode=0x%x",
                             (unsigned)FIELD_EX64(cmd->qw[0], CMD_0, OPCODE));
        return SMMUV3_AUX_CERROR_ILL;
    }
    trace_tlbi(cmd);
    return SMMUV3_AUX_CERROR_NONE;
}

/* ---- ATS, PRI and stall responses ----------------------------------- */

static SMMUv3AuxCmdError cmd_atc_inv(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd)
{
    /* No ATS yet: no ATC to invalidate, so it completes at once. */
    trace_smmuv3_aux_cmd_atc_inv(cmd_sid(cmd),
                                 FIELD_EX64(cmd->qw[0], CMD_0, SSID),
                                 cmd->qw[1] & R_CMD_1_ADDR_MASK,
                                 FIELD_EX64(cmd->qw[1], CMD_1, ATC_SIZE));
    return SMMUV3_AUX_CERROR_NONE;
}

static SMMUv3AuxCmdError cmd_response(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd)
{
    /*
     * PRI_RESP, RESUME, STALL_TERM: with no PRI queue and no stalls there
     * is never an outstanding request they could answer.
     */
    trace_smmuv3_aux_cmd_response(FIELD_EX64(cmd->qw[0], CMD_0, OPCODE),
                                  cmd_sid(cmd));
    return SMMUV3_AUX_CERROR_NONE;
}

/* ---- CMD_SYNC -------------------------------------------------------- */

static void sync_signal_irq(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                            const SMMUv3AuxCmd *cmd)
{
    uint64_t addr = cmd->qw[1] & R_CMD_1_MSIADDR_MASK;
    uint32_t data = FIELD_EX64(cmd->qw[0], CMD_0, MSIDATA);
    uint32_t le_data = cpu_to_le32(data);

    if (!FIELD_EX32(e->regs.idr[0], IDR0, MSI) || addr == 0) {
        /* No MSI: the wired CMD_SYNC interrupt, where there is one. */
        smmuv3_aux_irq_raise(e, SMMUV3_AUX_IRQ_CMD_SYNC);
        return;
    }
    /*
     * The MSI is a 32-bit write of MSIData; Linux points MSIAddr at the
     * CMD_SYNC's own queue slot and polls for the word to change.
     */
    trace_smmuv3_aux_cmd_sync_msi(addr, data);
    if (!e->ops->dma_write(e->opaque, addr, &le_data, sizeof(le_data),
                           q->attrs)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_sync_msi_abort,
                             "addr=0x%" PRIx64, addr);
        smmuv3_aux_gerror_activate(e, R_GERROR_MSI_CMDQ_ABT_ERR_MASK);
    }
}

static SMMUv3AuxCmdError cmd_sync(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                                  const SMMUv3AuxCmd *cmd)
{
    unsigned cs = FIELD_EX64(cmd->qw[0], CMD_0, CS);

    switch (cs) {
    case SMMUV3_AUX_CMD_SYNC_CS_NONE:
        break;
    case SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ:
        sync_signal_irq(e, q, cmd);
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
    CMD(TLBI_NH_ALL, cmd_tlbi_nh),
    CMD(TLBI_NH_ASID, cmd_tlbi_nh),
    CMD(TLBI_NH_VA, cmd_tlbi_nh),
    CMD(TLBI_NH_VAA, cmd_tlbi_nh),
    CMD(TLBI_EL3_ALL, NULL),
    CMD(TLBI_EL3_VA, NULL),
    CMD(TLBI_EL2_ALL, cmd_tlbi_el2),
    CMD(TLBI_EL2_ASID, cmd_tlbi_el2),
    CMD(TLBI_EL2_VA, cmd_tlbi_el2),
    CMD(TLBI_EL2_VAA, cmd_tlbi_el2),
    CMD(TLBI_S12_VMALL, cmd_tlbi_s2),
    CMD(TLBI_S2_IPA, cmd_tlbi_s2),
    CMD(TLBI_NSNH_ALL, cmd_tlbi_nh),
    CMD(ATC_INV, cmd_atc_inv),
    CMD(PRI_RESP, cmd_response),
    CMD(RESUME, cmd_response),
    CMD(STALL_TERM, cmd_response),
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

    trace_smmuv3_aux_cmd(q->name, q->index, q->cons,
                         info->name ? info->name : "reserved",
                         cmd->qw[0], cmd->qw[1]);
    if (!info->handler) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_opcode, "opcode=0x%x", op);
        return SMMUV3_AUX_CERROR_ILL;
    }
    return info->handler(e, q, cmd);
}

/* ---- Consumer -------------------------------------------------------- */

static bool cmd_fetch(SMMUv3AuxEngine *e, SMMUv3AuxCmdQueue *q,
                      SMMUv3AuxCmd *cmd)
{
    uint64_t addr = q->base +
                    smmuv3_aux_q_idx(q->cons, q->log2size) *
                    (uint64_t)SMMUV3_AUX_CMD_SIZE;
    uint64_t raw[2];

    if (!e->ops->dma_read(e->opaque, addr, raw, sizeof(raw), q->attrs)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmd_fetch, "addr=0x%" PRIx64,
                             addr);
        return false;
    }
    cmd->qw[0] = le64_to_cpu(raw[0]);
    cmd->qw[1] = le64_to_cpu(raw[1]);
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
        err = cmd_execute(e, q, &cmd);
        if (err != SMMUV3_AUX_CERROR_NONE) {
            break;
        }
        q->cons = smmuv3_aux_q_inc(q->cons, q->log2size);
    }
    trace_smmuv3_aux_cmdq_consumed(q->name, q->index, q->prod, q->cons, err);
    return err;
}

void smmuv3_aux_cmdq_run(SMMUv3AuxEngine *e)
{
    SMMUv3AuxRegs *r = &e->regs;
    SMMUv3AuxCmdQueue q;
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

    err = smmuv3_aux_cmdq_consume(e, &q);

    /* CONS stays at the failing command; ERR says why (7.1). */
    r->cmdq_cons = FIELD_DP32(q.cons, CMDQ_CONS, ERR, err);
    if (err != SMMUV3_AUX_CERROR_NONE) {
        smmuv3_aux_gerror_activate(e, R_GERROR_CMDQ_ERR_MASK);
    }
}
