/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QEMU binding of the virtual command queues (cmdqv=on): the
 * CMDQV MMIO region, its interrupt, the "vcmdq-commands" counters, and its
 * part of realize, reset and unrealize (its VMState is in migration.c).
 * The register file and the queues are the engine's (vcmdq.c); the locking
 * is in smmuv3-aux.c's header.
 */

#include "qemu/osdep.h"
#include "qemu/lockable.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "qapi/qapi-builtin-visit.h"
#include "qapi/visitor.h"
#include "hw/irq.h"
#include "binding.h"
#include "trace.h"

bool smmuv3_aux_cmdqv_dev_check(SMMUv3AuxState *s, Error **errp)
{
    const char *why;

    if (!smmuv3_aux_cmdqv_params_check(&s->cmdqv_params, &why)) {
        error_setg(errp, "smmuv3-aux: %s", why);
        return false;
    }
    return true;
}

static MemTxResult smmuv3_aux_cmdqv_mmio_read(void *opaque, hwaddr offset,
                                              uint64_t *data, unsigned size,
                                              MemTxAttrs attrs)
{
    SMMUv3AuxState *s = opaque;

    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        *data = smmuv3_aux_cmdqv_read(s->cmdqv, offset, size);
    }
    return MEMTX_OK;
}

static MemTxResult smmuv3_aux_cmdqv_mmio_write(void *opaque, hwaddr offset,
                                               uint64_t data, unsigned size,
                                               MemTxAttrs attrs)
{
    SMMUv3AuxState *s = opaque;
    bool run;

    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        run = smmuv3_aux_cmdqv_write(s->cmdqv, offset, data, size);
    }
    if (run) {
        smmuv3_aux_cmdqv_dev_run(s);
    }
    /* ATC_INVs go to the devices; what the TLBIs did to the notifiers. */
    smmuv3_aux_flush_ats_pri(s);
    smmuv3_aux_flush_invals(s);
    smmuv3_aux_flush_irqs(s);
    smmuv3_aux_stall_kick(s);       /* a VCMDQ's CMD_RESUME */
    return MEMTX_OK;
}

void smmuv3_aux_cmdqv_dev_run(SMMUv3AuxState *s)
{
    SMMUv3AuxVcmdqJob job;
    bool irq, more;

    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        more = smmuv3_aux_cmdqv_claim(s->cmdqv, &job);
    }
    /*
     * Each job runs under the engine lock alone (vcmdq.h), and this CPU
     * also runs whatever other CPUs made runnable while it was busy.
     */
    while (more) {
        WITH_QEMU_LOCK_GUARD(&s->lock) {
            smmuv3_aux_cmdqv_exec(&job, &s->engine);
        }
        WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
            smmuv3_aux_cmdqv_finish(s->cmdqv, &job);
            more = smmuv3_aux_cmdqv_claim(s->cmdqv, &job);
        }
    }
    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        irq = smmuv3_aux_cmdqv_take_irq(s->cmdqv);
    }
    if (irq) {
        /* An edge per new queue error, as the driver's ISR expects. */
        BQL_LOCK_GUARD();
        trace_smmuv3_aux_irq_pulse("cmdqv");
        qemu_irq_pulse(s->cmdqv_irq);
    }
}

static const MemoryRegionOps smmuv3_aux_cmdqv_ops = {
    .read_with_attrs = smmuv3_aux_cmdqv_mmio_read,
    .write_with_attrs = smmuv3_aux_cmdqv_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/* "vcmdq-commands": commands each global VCMDQ has consumed. */
void smmuv3_aux_cmdqv_dev_get_commands(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    SMMUv3AuxState *s = ARM_SMMUV3_AUX(obj);
    uint64List *list = NULL, **tail = &list;

    if (s->cmdqv) {
        WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
            for (unsigned q = 0; q < s->cmdqv->num_vcmdqs; q++) {
                QAPI_LIST_APPEND(tail, s->cmdqv->q[q].n_cmds);
            }
        }
    }
    visit_type_uint64List(v, name, &list, errp);
    qapi_free_uint64List(list);
}

void smmuv3_aux_cmdqv_dev_realize(SMMUv3AuxState *s)
{
    SysBusDevice *sbd = SYS_BUS_DEVICE(s);

    qemu_mutex_init(&s->cmdqv_lock);
    s->cmdqv = g_new0(SMMUv3AuxCmdqv, 1);
    smmuv3_aux_cmdqv_init(s->cmdqv, &s->cmdqv_params);
    memory_region_init_io(&s->cmdqv_mr, OBJECT(s), &smmuv3_aux_cmdqv_ops, s,
                          "smmuv3-aux-cmdqv",
                          smmuv3_aux_cmdqv_mmio_size(&s->cmdqv_params));
    /* Its own locks (smmuv3-aux.c's header): vCPUs poll it in parallel. */
    memory_region_enable_lockless_io(&s->cmdqv_mr);
    sysbus_init_mmio(sbd, &s->cmdqv_mr);
    sysbus_init_irq(sbd, &s->cmdqv_irq);
}

void smmuv3_aux_cmdqv_dev_reset(SMMUv3AuxState *s)
{
    if (s->cmdqv) {
        WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
            smmuv3_aux_cmdqv_reset(s->cmdqv);
        }
    }
}

void smmuv3_aux_cmdqv_dev_unrealize(SMMUv3AuxState *s)
{
    if (s->cmdqv) {
        g_free(s->cmdqv);
        s->cmdqv = NULL;
        qemu_mutex_destroy(&s->cmdqv_lock);
    }
}
