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
 * give the same ones, or the migration fails.
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
    smmuv3_aux_flush_irqs(s);
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        memcpy(s->mig_idr, s->engine.regs.idr, sizeof(s->mig_idr));
        s->mig_iidr = s->engine.regs.iidr;
        s->mig_aidr = s->engine.regs.aidr;
    }
    return 0;
}

static int smmuv3_aux_post_load(void *opaque, int version_id)
{
    SMMUv3AuxState *s = opaque;
    const char *why = NULL;
    bool ok;

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

#define MIG_REG32(f) VMSTATE_UINT32(engine.regs.f, SMMUv3AuxState)
#define MIG_REG64(f) VMSTATE_UINT64(engine.regs.f, SMMUv3AuxState)

const VMStateDescription smmuv3_aux_vmstate = {
    .name = TYPE_ARM_SMMUV3_AUX,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = smmuv3_aux_pre_save,
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
};
