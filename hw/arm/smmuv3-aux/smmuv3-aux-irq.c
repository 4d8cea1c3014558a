/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: delivery of the interrupts the engine latches (IHI 0070
 * 3.18): wired pulses, and MSIs, which are the SMMU's own memory writes.
 *
 * MSIs to device memory are deferred
 * ----------------------------------
 * An MSI is written from inside the access that caused it: the
 * translation of a DMA, or a CMDQ_PROD write whose commands end in
 * CMD_SYNCs or errors, and so inside that access's RCU read section.
 * Aimed at a device, an MSI may change the memory map (the virt board's
 * flash does so on every word written in command mode), and no FlatView
 * that a change replaces can be freed before the access ends: one
 * CMDQ_PROD write of 2^19 CMD_SYNCs could hold hundreds of GiB.  So a
 * CMD_SYNC's MSI to anything but RAM, and any MSI to anything but RAM
 * from a caller that holds the BQL (the main loop, an MMIO access under
 * it), is queued and written by s->msi_bh, in order, outside any access.
 * MSIs to RAM (Linux's CMD_SYNC completion word) are written at once; so
 * are the few latched interrupts (EVENTQ, PRIQ, GERROR) of a caller that
 * had to take the BQL itself: a device thread's DMA, or a vCPU in the
 * SMMU's lockless register region.  The queue holds
 * SMMUV3_AUX_MSI_DEFERRED; an MSI equal to one already queued is merged
 * with it, and one more aborts (GERROR.MSI_*_ABT_ERR), as a bus that
 * takes no more posted writes would.
 *
 * An MSI aimed at the SMMU's own registers: the register regions are
 * lockless, so QEMU's re-entrancy guard is off for them, and the write
 * reaches the register, as on a bus that routes it.  It is never written
 * under s->lock, so it cannot deadlock; and it cannot recurse without
 * bound: an MSI's address and data are fixed until software changes
 * them, so its write repeated is the same register write, which latches
 * nothing new once its first effect has happened (the hostile qtest
 * aims GERROR's MSI at GERRORN and a CMD_SYNC's at CMDQ_PROD).
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/lockable.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "binding.h"
#include "trace.h"

static const char *const smmuv3_aux_irq_names[SMMUV3_AUX_IRQ_NUM] = {
    [SMMUV3_AUX_IRQ_EVTQ] = "eventq",
    [SMMUV3_AUX_IRQ_PRIQ] = "priq",
    [SMMUV3_AUX_IRQ_CMD_SYNC] = "cmdq-sync",
    [SMMUV3_AUX_IRQ_GERROR] = "gerror",
};

static bool smmuv3_aux_msi_to_ram(hwaddr addr)
{
    hwaddr xlat, len = 4;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, addr, &xlat, &len,
                                 true, MEMTXATTRS_UNSPECIFIED);
    return memory_region_is_ram(mr) && !mr->readonly;
}

/* Queue an MSI for s->msi_bh (BQL); false if the queue is full. */
static bool smmuv3_aux_msi_defer(SMMUv3AuxState *s, const SMMUv3AuxIrqReq *req)
{
    for (unsigned i = 0; i < s->n_msi_deferred; i++) {
        const SMMUv3AuxIrqReq *q = &s->msi_deferred[i];

        if (q->irq == req->irq && q->msi_addr == req->msi_addr &&
            q->msi_data == req->msi_data) {
            return true;        /* the same write is on its way */
        }
    }
    if (s->n_msi_deferred == SMMUV3_AUX_MSI_DEFERRED) {
        return false;
    }
    s->msi_deferred[s->n_msi_deferred++] = *req;
    trace_smmuv3_aux_msi_deferred(smmuv3_aux_irq_names[req->irq],
                                  req->msi_addr, s->n_msi_deferred);
    qemu_bh_schedule(s->msi_bh);
    return true;
}

/*
 * Deliver one request (BQL); returns false if an MSI write was not
 * accepted.  With @may_defer, an MSI to device memory is queued.
 */
static bool smmuv3_aux_deliver_irq(SMMUv3AuxState *s,
                                   const SMMUv3AuxIrqReq *req, bool may_defer)
{
    MemTxAttrs attrs = { .requester_id = s->msi_device_id };
    MemTxResult res;

    if (!req->msi) {
        trace_smmuv3_aux_irq_pulse(smmuv3_aux_irq_names[req->irq]);
        qemu_irq_pulse(s->irq[req->irq]);
        return true;
    }
    if (may_defer && !smmuv3_aux_msi_to_ram(req->msi_addr)) {
        return smmuv3_aux_msi_defer(s, req);
    }
    trace_smmuv3_aux_irq_msi(smmuv3_aux_irq_names[req->irq], req->msi_addr,
                             req->msi_data);
    address_space_stl_le(&address_space_memory, req->msi_addr, req->msi_data,
                         attrs, &res);
    return res == MEMTX_OK;
}

/* An MSI that was not accepted: GERROR.MSI_*_ABT_ERR (no s->lock held). */
static void smmuv3_aux_msi_aborted(SMMUv3AuxState *s,
                                   const SMMUv3AuxIrqReq *req)
{
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: %s MSI to 0x%" PRIx64
                  " aborted\n", smmuv3_aux_irq_names[req->irq], req->msi_addr);
    trace_smmuv3_aux_msi_abort(smmuv3_aux_irq_names[req->irq], req->msi_addr);
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_engine_msi_failed(&s->engine, req->irq);
    }
}

/* Write the deferred MSIs now, in order (BQL, outside any access). */
void smmuv3_aux_msi_drain(SMMUv3AuxState *s)
{
    SMMUv3AuxIrqReq req[SMMUV3_AUX_MSI_DEFERRED];
    unsigned n = s->n_msi_deferred;

    memcpy(req, s->msi_deferred, n * sizeof(req[0]));
    s->n_msi_deferred = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!smmuv3_aux_deliver_irq(s, &req[i], false)) {
            smmuv3_aux_msi_aborted(s, &req[i]);
        }
    }
}

static void smmuv3_aux_msi_bh(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    smmuv3_aux_msi_drain(s);
    smmuv3_aux_flush_irqs(s);       /* GERROR of an MSI that aborted */
}

/*
 * One CMD_SYNC's completion.  The SMMU's registers are dispatched without
 * the BQL (smmuv3-aux.c), so this may run in a vCPU that does not hold
 * it.  Linux's completion word is in RAM: written at once, as a RAM-only
 * access (MemTxAttrs.memory), so a memory map that changed meanwhile
 * cannot turn it into an MMIO write without the BQL.  Anything else (a
 * wired pulse, an MSI to the ITS) takes the BQL, and an MSI to device
 * memory is queued for s->msi_bh as from any access.
 */
static bool smmuv3_aux_deliver_sync(SMMUv3AuxState *s,
                                    const SMMUv3AuxIrqReq *req)
{
    g_autoptr(BQLLockAuto) bql = NULL;

    if (req->msi && smmuv3_aux_msi_to_ram(req->msi_addr)) {
        MemTxAttrs attrs = { .requester_id = s->msi_device_id,
                             .memory = true };
        uint32_t data = cpu_to_le32(req->msi_data);

        trace_smmuv3_aux_irq_msi(smmuv3_aux_irq_names[req->irq],
                                 req->msi_addr, req->msi_data);
        if (address_space_write(&address_space_memory, req->msi_addr, attrs,
                                &data, sizeof(data)) == MEMTX_OK) {
            return true;
        }
    }
    if (!bql_locked()) {
        bql = bql_auto_lock(__FILE__, __LINE__);
    }
    return smmuv3_aux_deliver_irq(s, req, true);
}

/*
 * Write the CMD_SYNC MSIs the engine queued, in order, and let a command
 * queue that paused on a full FIFO go on.  Called without s->lock, with or
 * without the BQL (from MMIO writes).  Each round consumes up to
 * SMMUV3_AUX_MAX_SYNC_MSIS CMD_SYNCs of the queue; it grows only while the
 * guest writes CMDQ_PROD, from whichever vCPU, so the loop ends unless the
 * guest keeps its own vCPU here by feeding CMD_SYNCs from the others.
 */
void smmuv3_aux_flush_sync_msis(SMMUv3AuxState *s)
{
    SMMUv3AuxIrqReq req[SMMUV3_AUX_MAX_SYNC_MSIS];
    bool more;
    unsigned n, i;

    do {
        WITH_QEMU_LOCK_GUARD(&s->lock) {
            n = smmuv3_aux_engine_take_sync_msis(&s->engine, req, &more);
        }
        for (i = 0; i < n; i++) {
            if (!smmuv3_aux_deliver_sync(s, &req[i])) {
                smmuv3_aux_msi_aborted(s, &req[i]);
            }
        }
        if (more) {
            WITH_QEMU_LOCK_GUARD(&s->lock) {
                smmuv3_aux_engine_cmdq_resume(&s->engine);
            }
        }
    } while (more);
}

/*
 * Deliver what the engine latched.  Called without s->lock.  A failed MSI
 * becomes GERROR.MSI_*_ABT_ERR, which may raise the GERROR interrupt in
 * turn; that second round is bounded because a failed GERROR MSI does not
 * raise anything further.  A caller that holds the BQL may be inside an
 * access: its MSIs to device memory are deferred (see the top).
 */
void smmuv3_aux_flush_irqs(SMMUv3AuxState *s)
{
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];
    bool took_bql = false;
    unsigned n, i, round;

    for (round = 0; round < 2; round++) {
        WITH_QEMU_LOCK_GUARD(&s->lock) {
            n = smmuv3_aux_engine_take_irqs(&s->engine, req);
        }
        if (!n) {
            break;
        }
        if (!bql_locked()) {
            bql_lock();
            took_bql = true;
        }
        for (i = 0; i < n; i++) {
            if (!smmuv3_aux_deliver_irq(s, &req[i], !took_bql)) {
                smmuv3_aux_msi_aborted(s, &req[i]);
            }
        }
    }
    if (took_bql) {
        bql_unlock();
    }
}

void smmuv3_aux_irq_realize(SMMUv3AuxState *s)
{
    s->msi_bh = qemu_bh_new_guarded(smmuv3_aux_msi_bh, s,
                                    &DEVICE(s)->mem_reentrancy_guard);
}

void smmuv3_aux_irq_unrealize(SMMUv3AuxState *s)
{
    qemu_bh_delete(s->msi_bh);
}

/* A reset forgets the MSIs still queued, as the engine its latches. */
void smmuv3_aux_irq_reset(SMMUv3AuxState *s)
{
    qemu_bh_cancel(s->msi_bh);
    s->n_msi_deferred = 0;
}
