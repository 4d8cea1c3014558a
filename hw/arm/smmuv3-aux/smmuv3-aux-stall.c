/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QEMU binding of the Stall model (IHI 0070 3.12.2; the
 * engine's stall.c).
 *
 * A stalled transaction is parked: translate() fails the access with the
 * stall kept in the engine, and the requester, back outside the DMA,
 * waits on s->stall_cond (s->lock released) in
 * smmuv3_aux_master_resume_stall() until the engine says Retry, Abort or
 * RAZ/WI, then re-issues the access or ends it.  Waiting inside
 * translate() instead would hold the DMA's RCU read section for as long
 * as software takes to answer: no grace period could end, so every
 * FlatView a memory transaction replaced meanwhile would stay allocated
 * (a guest that toggles a BAR while its own DMA is stalled grows QEMU
 * without bound), and synchronize_rcu() callers would wait for the guest.
 * So only a master that can park (smmuv3_aux_master_set_stall_parking(),
 * the test devices) and does not hold the BQL (the guest needs it for the
 * CMD_RESUME) can stall; any other transaction that would stall
 * terminates, as for a stream that cannot stall.
 *
 * Nothing can hang QEMU on a stall: the wait gives up (Abort, as
 * CMD_STALL_TERM would) once the requester stops mastering the bus (a PCI
 * device that clears Bus Master Enable or quiesces before unplug) or says
 * it was reset (smmuv3_aux_master_abort_stalls(), which a PCI device
 * needs as well: a guest may set BME again right after an FLR, before
 * the waiter looked), or the VM stops
 * (migration, savevm and quit wait for device threads); SMMU reset and
 * SMMUEN = 0 abort every stall in the engine.  At a VM stop the wait
 * returns with the transaction still parked: it stays stalled in the
 * engine, migrates (migration.c), and the requester waits for it again
 * once the VM runs.
 */

#include "qemu/osdep.h"
#include "qemu/lockable.h"
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

bool smmuv3_aux_stall_possible(SMMUv3AuxDevice *sdev)
{
    return qatomic_read(&sdev->stall_parking) && smmuv3_aux_stall_can_wait();
}

/*
 * The master did not abort its stalls since abort_gen (a reset), and a
 * PCI requester still masters the bus (any thread: a config read).
 */
static bool stall_requester_alive(SMMUv3AuxDevice *sdev, unsigned abort_gen)
{
    PCIDevice *pdev;

    if (qatomic_read(&sdev->stall_abort_gen) != abort_gen) {
        return false;
    }
    if (!sdev->bus) {
        return true;
    }
    pdev = pci_find_device(sdev->bus, pci_bus_num(sdev->bus), sdev->devfn);
    return pdev && (pci_get_word(pdev->config + PCI_COMMAND) &
                    PCI_COMMAND_MASTER);
}

static const char *const stall_end_names[] = {
    [SMMUV3_AUX_STALL_END_RETRY] = "retry",
    [SMMUV3_AUX_STALL_END_ABORT] = "abort",
    [SMMUV3_AUX_STALL_END_RAZWI] = "raz/wi",
    [SMMUV3_AUX_STALL_END_PARKED] = "parked",
};

/*
 * Wait (s->lock held, dropped while asleep) until software ends stall,
 * the requester is gone (reset, bus mastering off), or the VM stops: then
 * the transaction stays parked, still stalled.  The slot is freed unless
 * parked.
 */
static SMMUv3AuxStallEnd stall_wait_locked(SMMUv3AuxDevice *sdev,
                                           uint32_t stall,
                                           unsigned abort_gen)
{
    SMMUv3AuxState *s = sdev->smmu;
    SMMUv3AuxEngine *e = &s->engine;
    SMMUv3AuxStallEnd end;
    SMMUv3AuxStallState st;

    s->stall_waiters++;
    while ((st = smmuv3_aux_stall_state(e, stall)) ==
           SMMUV3_AUX_STALL_STALLED || st == SMMUV3_AUX_STALL_WAIT_EVTQ) {
        if (!stall_requester_alive(sdev, abort_gen)) {
            smmuv3_aux_stall_cancel(e, stall);
        } else if (runstate_is_running()) {
            qemu_cond_timedwait(&s->stall_cond, &s->lock, STALL_POLL_MS);
        } else if (sdev->stall_parking) {
            break;
        } else {
            smmuv3_aux_stall_cancel(e, stall);
        }
    }
    s->stall_waiters--;
    switch (st) {
    case SMMUV3_AUX_STALL_RETRY:
        end = SMMUV3_AUX_STALL_END_RETRY;
        break;
    case SMMUV3_AUX_STALL_RAZWI:
        end = SMMUV3_AUX_STALL_END_RAZWI;
        break;
    case SMMUV3_AUX_STALL_STALLED:
    case SMMUV3_AUX_STALL_WAIT_EVTQ:
        smmuv3_aux_stall_set_parked(e, stall, true);
        end = SMMUV3_AUX_STALL_END_PARKED;
        break;
    default:
        end = SMMUV3_AUX_STALL_END_ABORT;
    }
    if (end != SMMUV3_AUX_STALL_END_PARKED) {
        smmuv3_aux_stall_free(e, stall);
    }
    trace_smmuv3_aux_stall_end(smmuv3_aux_device_sid(sdev), stall,
                               stall_end_names[end]);
    return end;
}

/*
 * Called with s->lock held for a SMMUV3_AUX_TXN_STALL result (only a
 * master that parks gets one: smmuv3_aux_stall_possible()); returns with
 * s->lock held.  The transaction is parked at once and the access fails:
 * the requester learns of it from smmuv3_aux_master_take_parked_stall()
 * and waits in smmuv3_aux_master_resume_stall(), outside the DMA.
 */
SMMUv3AuxResult smmuv3_aux_stall_park(SMMUv3AuxDevice *sdev, uint32_t stall)
{
    SMMUv3AuxState *s = sdev->smmu;

    /* The stall's event (and its interrupt) first: the guest needs it. */
    qemu_mutex_unlock(&s->lock);
    smmuv3_aux_flush_irqs(s);
    qemu_mutex_lock(&s->lock);
    trace_smmuv3_aux_stall_wait(smmuv3_aux_device_sid(sdev), stall);
    smmuv3_aux_stall_set_parked(&s->engine, stall, true);
    sdev->parked_stall = stall + 1;
    sdev->parked_gen = qatomic_read(&sdev->stall_abort_gen);
    return SMMUV3_AUX_TXN_ABORT;
}

/* ---- Parking: what a master calls (include/hw/arm/smmuv3-aux.h) -------- */

SMMUv3AuxDevice *smmuv3_aux_master_of(AddressSpace *as)
{
    IOMMUMemoryRegion *mr = memory_region_get_iommu(as->root);

    if (!mr || !object_dynamic_cast(OBJECT(mr),
                                    TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION)) {
        return NULL;
    }
    return container_of(mr, SMMUv3AuxDevice, iommu);
}

void smmuv3_aux_master_set_stall_parking(SMMUv3AuxDevice *sdev, bool on)
{
    QEMU_LOCK_GUARD(&sdev->smmu->lock);
    qatomic_set(&sdev->stall_parking, on);
}

bool smmuv3_aux_master_take_parked_stall(SMMUv3AuxDevice *sdev,
                                         uint32_t *stall)
{
    QEMU_LOCK_GUARD(&sdev->smmu->lock);
    if (!sdev->parked_stall) {
        return false;
    }
    *stall = sdev->parked_stall - 1;
    sdev->parked_stall = 0;
    return true;
}

/*
 * Wait again for a parked stall (no BQL: software needs it to resume).
 * A handle that names no parked transaction (a reset of the SMMU freed
 * it, or a migration stream that does not match) aborts.
 */
SMMUv3AuxStallEnd smmuv3_aux_master_resume_stall(SMMUv3AuxDevice *sdev,
                                                 uint32_t stall)
{
    SMMUv3AuxState *s = sdev->smmu;
    SMMUv3AuxStallEnd end;

    assert(smmuv3_aux_stall_can_wait());
    qemu_mutex_lock(&s->lock);
    if (!smmuv3_aux_stall_set_parked(&s->engine, stall, false)) {
        qemu_mutex_unlock(&s->lock);
        return SMMUV3_AUX_STALL_END_ABORT;
    }
    /* A reset since the stall parked counts, not just one from now on. */
    end = stall_wait_locked(sdev, stall, sdev->parked_gen);
    if (end == SMMUV3_AUX_STALL_END_PARKED) {
        sdev->parked_stall = 0;     /* the caller keeps the handle */
    }
    qemu_mutex_unlock(&s->lock);
    return end;
}

/* Give up on a parked stall (any thread): it ends with an abort. */
void smmuv3_aux_master_release_stall(SMMUv3AuxDevice *sdev, uint32_t stall)
{
    SMMUv3AuxEngine *e = &sdev->smmu->engine;

    QEMU_LOCK_GUARD(&sdev->smmu->lock);
    if (smmuv3_aux_stall_is_parked(e, stall)) {
        smmuv3_aux_stall_cancel(e, stall);
        smmuv3_aux_stall_free(e, stall);
    }
}

/* A VM stop: every waiter looks now whether it parks or aborts. */
static void smmuv3_aux_stall_vm_state_change(void *opaque, bool running,
                                             RunState state)
{
    if (!running) {
        smmuv3_aux_stall_kick(opaque);
    }
}

void smmuv3_aux_stall_realize(SMMUv3AuxState *s)
{
    qemu_cond_init(&s->stall_cond);
    s->stall_vmstate = qemu_add_vm_change_state_handler(
        smmuv3_aux_stall_vm_state_change, s);
}

void smmuv3_aux_stall_unrealize(SMMUv3AuxState *s)
{
    qemu_del_vm_change_state_handler(s->stall_vmstate);
    qemu_cond_destroy(&s->stall_cond);
}

/* After anything that may end a stall (s->lock not held). */
void smmuv3_aux_stall_kick(SMMUv3AuxState *s)
{
    if (qatomic_read(&s->stall_waiters)) {
        qemu_cond_broadcast(&s->stall_cond);
    }
}
