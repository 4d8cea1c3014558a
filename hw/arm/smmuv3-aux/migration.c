/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: migration (VMState) of the SMMU.
 *
 * What migrates is the architectural state, the registers of IHI 0070
 * 6.3: CR0/CR0ACK, CR1, CR2, GBPA, IRQ_CTRL(ACK), GERROR/GERRORN (so an
 * unacknowledged global error stays active), the *_IRQ_CFG* registers, the
 * stream table base, and each queue's BASE, PROD and CONS, whose wrap,
 * overflow (EVENTQ_PROD.OVFLG, *_CONS.OVACKFLG) and error (CMDQ_CONS.ERR)
 * fields carry the queues' whole protocol state: a command queue stopped
 * in CERROR stays stopped until the destination's guest writes GERRORN.
 * The queues, stream table, CDs and translation tables are guest memory
 * and migrate with it.
 *
 * What does not: caches (the destination starts empty, and its IOMMU
 * notifiers and micro-TLBs are invalidated in post_load, so no translation
 * survives that the destination did not compute from the tables), the
 * event-merging memory (merging is optional), and interrupts: the binding
 * delivers every interrupt and CMD_SYNC MSI before it returns from the
 * access that raised it, so none is pending when the VM is stopped; the
 * wired interrupts are edges and have no level to migrate.  The ID
 * registers are not loaded but compared: the destination's properties must
 * give the same ones, or the migration fails.  The virtual command queues
 * (cmdqv=on), the stalled transactions a requester parked and the ATS
 * invalidations outstanding are subsections, described next to them
 * below.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/lockable.h"
#include "migration/vmstate.h"
#include "binding.h"
#include "trace.h"

static int smmuv3_aux_pre_save(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    /* Nothing should be latched; deliver anything that is. */
    smmuv3_aux_flush_sync_msis(s);
    smmuv3_aux_flush_ats_pri(s);
    smmuv3_aux_flush_irqs(s);
    smmuv3_aux_msi_drain(s);        /* not in an access: now, not in a BH */
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        memcpy(s->mig_idr, s->engine.regs.idr, sizeof(s->mig_idr));
        s->mig_iidr = s->engine.regs.iidr;
        s->mig_aidr = s->engine.regs.aidr;
    }
    return 0;
}

static int smmuv3_aux_pre_load(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    s->mig_cmdqv_loaded = false;
    return 0;
}

static int smmuv3_aux_post_load(void *opaque, int version_id)
{
    SMMUv3AuxState *s = opaque;
    const char *why = NULL;
    bool ok;

    /*
     * A source with cmdqv=on sends a subsection a destination without it
     * does not know, which fails the load; this is the other way round.
     */
    if (s->cmdqv && !s->mig_cmdqv_loaded) {
        error_report("arm-smmuv3-aux: the source has no virtual command "
                     "queues (cmdqv=off): start the destination likewise");
        return -EINVAL;
    }

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        ok = smmuv3_aux_engine_post_load(&s->engine, s->mig_idr,
                                         s->mig_iidr, s->mig_aidr, &why);
    }
    if (!ok) {
        error_report("arm-smmuv3-aux: %s", why);
        return -EINVAL;
    }
    trace_smmuv3_aux_post_load(s->engine.regs.cr0,
                               s->engine.regs.cmdq_prod,
                               s->engine.regs.cmdq_cons,
                               s->engine.regs.evtq_prod,
                               s->engine.regs.evtq_cons,
                               s->engine.regs.gerror ^ s->engine.regs.gerrorn);
    /* Every notifier hears that everything is unmapped. */
    smmuv3_aux_flush_invals(s);
    return 0;
}

/*
 * The virtual command queues (cmdqv=on), a subsection of their own: the
 * registers of the global page, of each VINTF and of each VCMDQ, whose
 * CONS (RD and ERR), PROD and GERROR/GERRORN are the queues' protocol
 * state, as for the SMMU's own queues; the command counters go along.
 * Everything derived (CMDQ_ALLOC routes, error maps, STATUS) is rebuilt
 * from them.  The source's PARAM is compared, like the ID registers.
 */
static const VMStateDescription smmuv3_aux_vmstate_vintf = {
    .name = TYPE_ARM_SMMUV3_AUX "/vintf",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(config, SMMUv3AuxVintf),
        VMSTATE_UINT32_ARRAY(sid_match, SMMUv3AuxVintf,
                             SMMUV3_AUX_CMDQV_MAX_SIDS),
        VMSTATE_UINT32_ARRAY(sid_replace, SMMUv3AuxVintf,
                             SMMUV3_AUX_CMDQV_MAX_SIDS),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription smmuv3_aux_vmstate_vcmdq = {
    .name = TYPE_ARM_SMMUV3_AUX "/vcmdq",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(cons, SMMUv3AuxVcmdq),
        VMSTATE_UINT32(prod, SMMUv3AuxVcmdq),
        VMSTATE_UINT32(config, SMMUv3AuxVcmdq),
        VMSTATE_UINT32(gerror, SMMUv3AuxVcmdq),
        VMSTATE_UINT32(gerrorn, SMMUv3AuxVcmdq),
        VMSTATE_UINT64(base, SMMUv3AuxVcmdq),
        VMSTATE_UINT64(cons_indx_base, SMMUv3AuxVcmdq),
        VMSTATE_UINT32(alloc, SMMUv3AuxVcmdq),
        VMSTATE_UINT64(n_cmds, SMMUv3AuxVcmdq),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription smmuv3_aux_vmstate_cmdqv_regs = {
    .name = TYPE_ARM_SMMUV3_AUX "/cmdqv-regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(config, SMMUv3AuxCmdqv),
        VMSTATE_UINT64(vintf_int_mask, SMMUv3AuxCmdqv),
        VMSTATE_STRUCT_ARRAY(vintf, SMMUv3AuxCmdqv,
                             SMMUV3_AUX_CMDQV_MAX_VINTFS, 1,
                             smmuv3_aux_vmstate_vintf, SMMUv3AuxVintf),
        VMSTATE_STRUCT_ARRAY(q, SMMUv3AuxCmdqv, SMMUV3_AUX_CMDQV_MAX_VCMDQS,
                             1, smmuv3_aux_vmstate_vcmdq, SMMUv3AuxVcmdq),
        VMSTATE_END_OF_LIST()
    },
};

static bool smmuv3_aux_cmdqv_needed(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    return s->cmdqv != NULL;
}

/*
 * Saving and loading run with the VM stopped, so no MMIO runs meanwhile;
 * the lock is for the QOM readers of the counters.
 */
static int smmuv3_aux_cmdqv_pre_save(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        s->mig_cmdqv_param = smmuv3_aux_cmdqv_param(s->cmdqv);
        s->mig_cmdqv_hyp_own = s->cmdqv->params.hyp_own;
    }
    return 0;
}

static int smmuv3_aux_cmdqv_post_load_dev(void *opaque, int version_id)
{
    SMMUv3AuxState *s = opaque;
    const char *why = NULL;
    bool ok;

    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        ok = smmuv3_aux_cmdqv_post_load(s->cmdqv, s->mig_cmdqv_param,
                                        s->mig_cmdqv_hyp_own, &why);
    }
    if (!ok) {
        error_report("arm-smmuv3-aux: cmdqv: %s", why);
        return -EINVAL;
    }
    s->mig_cmdqv_loaded = true;
    return 0;
}

static const VMStateDescription smmuv3_aux_vmstate_cmdqv = {
    .name = TYPE_ARM_SMMUV3_AUX "/cmdqv",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_aux_cmdqv_needed,
    .pre_save = smmuv3_aux_cmdqv_pre_save,
    .post_load = smmuv3_aux_cmdqv_post_load_dev,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mig_cmdqv_param, SMMUv3AuxState),
        VMSTATE_BOOL(mig_cmdqv_hyp_own, SMMUv3AuxState),
        VMSTATE_STRUCT_POINTER(cmdqv, SMMUv3AuxState,
                               smmuv3_aux_vmstate_cmdqv_regs,
                               SMMUv3AuxCmdqv),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Stalled transactions (3.12.2) whose requester parked them at the VM
 * stop (smmuv3-aux-stall.c): the slot, StreamID, STAG and state, so that
 * the CMD_RESUME or CMD_STALL_TERM the destination's software sends for
 * the event it already has finds the transaction, and the requester (whose
 * own state says it was waiting) waits for it there.  Every slot's STAG
 * goes along, so a stale STAG matches nothing on the destination either.
 * A stall of a requester that cannot park ended on the source with an
 * abort at the stop; its slot is loaded free.
 */
static const VMStateDescription smmuv3_aux_vmstate_stall = {
    .name = TYPE_ARM_SMMUV3_AUX "/stall",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(state, SMMUv3AuxStall),
        VMSTATE_UINT32(sid, SMMUv3AuxStall),
        VMSTATE_UINT16(stag, SMMUv3AuxStall),
        VMSTATE_BOOL(parked, SMMUv3AuxStall),
        VMSTATE_END_OF_LIST()
    },
};

static bool smmuv3_aux_stalls_needed(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        if (s->engine.stalls[i].parked) {
            return true;
        }
    }
    return false;
}

static int smmuv3_aux_stalls_post_load(void *opaque, int version_id)
{
    SMMUv3AuxState *s = opaque;

    QEMU_LOCK_GUARD(&s->lock);
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        SMMUv3AuxStall *st = &s->engine.stalls[i];

        if (st->state > SMMUV3_AUX_STALL_RAZWI) {
            error_report("arm-smmuv3-aux: stall slot %u: bad state %u", i,
                         st->state);
            return -EINVAL;
        }
        if (!st->parked) {
            st->state = SMMUV3_AUX_STALL_FREE;
        } else if (st->state == SMMUV3_AUX_STALL_FREE) {
            st->parked = false;
        }
    }
    return 0;
}

static const VMStateDescription smmuv3_aux_vmstate_stalls = {
    .name = TYPE_ARM_SMMUV3_AUX "/stalls",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_aux_stalls_needed,
    .post_load = smmuv3_aux_stalls_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(engine.stalls, SMMUv3AuxState,
                             SMMUV3_AUX_MAX_STALLS, 1,
                             smmuv3_aux_vmstate_stall, SMMUv3AuxStall),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * ATS invalidations outstanding (3.9.1; smmuv3-aux-ats.c): for the SMMU's
 * command queue and each VCMDQ, how many CMD_ATC_INVs no device completed
 * yet, whether its CMD_SYNC waits for them (the queue paused, CONS on the
 * CMD_SYNC) or failed, the epoch the devices' completion tags carry, and
 * the CMD_SYNC's deadline (virtual time, which migrates).  A device that
 * held completions (the test device's TD_ATS_CTRL.HOLD) migrates its tags,
 * so its completion on the destination lets the CMD_SYNC complete there.
 * Sent whenever the SMMU has ATS: the epochs matter to a late tag even
 * when nothing waits.
 */
static const VMStateDescription smmuv3_aux_vmstate_atc_wait = {
    .name = TYPE_ARM_SMMUV3_AUX "/atc-wait",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(outstanding, SMMUv3AuxAtcWait),
        VMSTATE_UINT32(epoch, SMMUv3AuxAtcWait),
        VMSTATE_BOOL(waiting, SMMUv3AuxAtcWait),
        VMSTATE_BOOL(failed, SMMUv3AuxAtcWait),
        VMSTATE_END_OF_LIST()
    },
};

static bool smmuv3_aux_ats_needed(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    return s->params.ats;
}

static int smmuv3_aux_ats_post_load_dev(void *opaque, int version_id)
{
    SMMUv3AuxState *s = opaque;

    smmuv3_aux_ats_post_load(s);
    return 0;
}

static const VMStateDescription smmuv3_aux_vmstate_ats = {
    .name = TYPE_ARM_SMMUV3_AUX "/ats",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_aux_ats_needed,
    .post_load = smmuv3_aux_ats_post_load_dev,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(engine.cmdq_paused, SMMUv3AuxState),
        VMSTATE_STRUCT(engine.cmdq_atc, SMMUv3AuxState, 1,
                       smmuv3_aux_vmstate_atc_wait, SMMUv3AuxAtcWait),
        VMSTATE_STRUCT_ARRAY(engine.vcmdq_atc, SMMUv3AuxState,
                             SMMUV3_AUX_CMDQV_MAX_VCMDQS, 1,
                             smmuv3_aux_vmstate_atc_wait, SMMUv3AuxAtcWait),
        VMSTATE_INT64_ARRAY(atc_deadline, SMMUv3AuxState,
                            SMMUV3_AUX_ATC_QUEUES),
        VMSTATE_END_OF_LIST()
    },
};

#define MIG_REG32(f) VMSTATE_UINT32(engine.regs.f, SMMUv3AuxState)
#define MIG_REG64(f) VMSTATE_UINT64(engine.regs.f, SMMUv3AuxState)

const VMStateDescription smmuv3_aux_vmstate = {
    .name = TYPE_ARM_SMMUV3_AUX,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = smmuv3_aux_pre_save,
    .pre_load = smmuv3_aux_pre_load,
    .post_load = smmuv3_aux_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_ARRAY(mig_idr, SMMUv3AuxState, 6),
        VMSTATE_UINT32(mig_iidr, SMMUv3AuxState),
        VMSTATE_UINT32(mig_aidr, SMMUv3AuxState),
        MIG_REG32(cr0), MIG_REG32(cr0ack), MIG_REG32(cr1), MIG_REG32(cr2),
        MIG_REG32(gbpa),
        MIG_REG32(irq_ctrl), MIG_REG32(irq_ctrlack),
        MIG_REG32(gerror), MIG_REG32(gerrorn),
        MIG_REG64(gerror_irq_cfg0), MIG_REG32(gerror_irq_cfg1),
        MIG_REG32(gerror_irq_cfg2),
        MIG_REG64(strtab_base), MIG_REG32(strtab_base_cfg),
        MIG_REG64(cmdq_base), MIG_REG32(cmdq_prod), MIG_REG32(cmdq_cons),
        MIG_REG64(evtq_base), MIG_REG32(evtq_prod), MIG_REG32(evtq_cons),
        MIG_REG64(evtq_irq_cfg0), MIG_REG32(evtq_irq_cfg1),
        MIG_REG32(evtq_irq_cfg2),
        MIG_REG64(priq_base), MIG_REG32(priq_prod), MIG_REG32(priq_cons),
        MIG_REG64(priq_irq_cfg0), MIG_REG32(priq_irq_cfg1),
        MIG_REG32(priq_irq_cfg2),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &smmuv3_aux_vmstate_cmdqv,
        &smmuv3_aux_vmstate_stalls,
        &smmuv3_aux_vmstate_ats,
        NULL
    },
};
