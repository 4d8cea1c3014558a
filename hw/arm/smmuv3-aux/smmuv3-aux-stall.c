/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QEMU binding of the Stall model (IHI 0070 3.12.2; the
 * engine's stall.c).
 *
 * A stalled transaction keeps its requester inside translate(): the
 * thread that does the DMA waits on s->stall_cond (s->lock released)
 * until the engine says Retry, Abort or RAZ/WI.  Only a thread that does
 * not hold the BQL can wait (a device's own thread, an iothread): the
 * guest needs the BQL to issue the CMD_RESUME, so a transaction made
 * under the BQL is marked as one that cannot stall and terminates.
 *
 * Nothing can hang QEMU on a stall: the wait gives up (Abort, as
 * CMD_STALL_TERM would) once the requester stops mastering the bus (a
 * device reset, or a device that quiesces before unplug; a platform
 * master says so with smmuv3_aux_master_abort_stalls()) or the VM stops
 * (migration, savevm and quit wait for device threads); SMMU reset and
 * SMMUEN = 0 abort every stall in the engine.
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "system/runstate.h"
#include "binding.h"
#include "trace.h"

/* How often a waiter looks at its requester and the run state. */
#define STALL_POLL_MS   100

bool smmuv3_aux_stall_can_wait(void)
{
    return !bql_locked();
}

/*
 * The requester still masters the bus (any thread: a config read), and a
 * platform master did not abort its stalls since abort_gen.
 */
static bool stall_requester_alive(SMMUv3AuxDevice *sdev, unsigned abort_gen)
{
    PCIDevice *pdev;

    if (!sdev->bus) {
        return qatomic_read(&sdev->stall_abort_gen) == abort_gen;
    }
    pdev = pci_find_device(sdev->bus, pci_bus_num(sdev->bus), sdev->devfn);
    return pdev && (pci_get_word(pdev->config + PCI_COMMAND) &
                    PCI_COMMAND_MASTER);
}

/*
 * Called with s->lock held for a SMMUV3_AUX_TXN_STALL result; returns
 * with s->lock held, the slot freed, and what the transaction became:
 * OK means "retry it", ABORT or RAZWI end it.
 */
SMMUv3AuxResult smmuv3_aux_stall_wait(SMMUv3AuxDevice *sdev, uint32_t stall)
{
    SMMUv3AuxState *s = sdev->smmu;
    SMMUv3AuxEngine *e = &s->engine;
    unsigned abort_gen = qatomic_read(&sdev->stall_abort_gen);
    SMMUv3AuxStallState st;

    /* The stall's event (and its interrupt) first: the guest needs it. */
    qemu_mutex_unlock(&s->lock);
    smmuv3_aux_flush_irqs(s);
    qemu_mutex_lock(&s->lock);
    trace_smmuv3_aux_stall_wait(smmuv3_aux_device_sid(sdev), stall);
    s->stall_waiters++;
    while ((st = smmuv3_aux_stall_state(e, stall)) ==
           SMMUV3_AUX_STALL_STALLED || st == SMMUV3_AUX_STALL_WAIT_EVTQ) {
        if (!runstate_is_running() || !stall_requester_alive(sdev, abort_gen)) {
            smmuv3_aux_stall_cancel(e, stall);
            continue;
        }
        qemu_cond_timedwait(&s->stall_cond, &s->lock, STALL_POLL_MS);
    }
    s->stall_waiters--;
    smmuv3_aux_stall_free(e, stall);
    trace_smmuv3_aux_stall_done(smmuv3_aux_device_sid(sdev), stall, st);
    switch (st) {
    case SMMUV3_AUX_STALL_RETRY:
        return SMMUV3_AUX_TXN_OK;
    case SMMUV3_AUX_STALL_RAZWI:
        return SMMUV3_AUX_TXN_RAZWI;
    default:
        return SMMUV3_AUX_TXN_ABORT;
    }
}

/* After anything that may end a stall (s->lock not held). */
void smmuv3_aux_stall_kick(SMMUv3AuxState *s)
{
    if (qatomic_read(&s->stall_waiters)) {
        qemu_cond_broadcast(&s->stall_cond);
    }
}
