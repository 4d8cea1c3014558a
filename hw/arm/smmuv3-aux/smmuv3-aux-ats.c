/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QEMU binding of ATS (IHI 0070 3.9.1) and PRI (chapter 8):
 * the PCI interfaces of patches/qemu/0008 (pci_ats_request_translation(),
 * device-IOTLB notifiers, deferred Invalidation Completions,
 * pci_pri_request_page() and PRI notifiers) on top of the engine's ats.c
 * and priq.c.
 *
 * A device's ATC hears of a CMD_ATC_INV as an IOMMU_NOTIFIER_DEVIOTLB_UNMAP
 * event on the notifiers it registered for its PASIDs.  The invalidation
 * is complete when the notifier returns, unless the device called
 * pci_ats_invalidation_defer() from it; then it is complete when the
 * device calls pci_ats_invalidation_complete() with the tag, from any
 * thread.  A CMD_SYNC after the CMD_ATC_INV waits (the engine pauses its
 * queue) until then, or until ats-inv-timeout ms of virtual time have
 * passed, when it fails with CERROR_ATC_INV_SYNC.
 *
 * Locking: notifiers run under the BQL without s->lock (the device may
 * DMA from them); the engine's wait state is under s->lock.  What a
 * completion lets go on (a paused queue) is recorded under s->lock in
 * atc_resume and run by smmuv3_aux_flush_ats_pri(), which the MMIO paths
 * call after each write and atc_bh after a completion from elsewhere.
 *
 * A PRG Response (CMD_PRI_RESP, or the SMMU's own) goes to the PRI
 * notifier the device registered for the response's PASID, else to its
 * notifier without one, from the same flush, under the BQL: never from
 * within the device's pci_pri_request_page().
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/lockable.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "exec/address-spaces.h"
#include "hw/pci/pci.h"
#include "binding.h"
#include "trace.h"

/* ---- Tags of deferred completions ----------------------------------- */

/*
 * A tag is the engine's wait state (queue, epoch) of the invalidation, so
 * a completion needs nothing allocated: a device that never answers costs
 * no memory, and one that answers after a timeout or a reset finds the
 * epoch moved on.  Bit 63 keeps every tag non-zero.
 */
#define ATC_TAG_VALID   (1ULL << 63)

static uint64_t atc_tag(uint32_t queue, uint32_t epoch)
{
    return ATC_TAG_VALID | (uint64_t)(queue & 0x7fffffff) << 32 | epoch;
}

/* The invalidation being delivered by this thread's notifier calls. */
typedef struct SMMUv3AuxAtcDelivery {
    SMMUv3AuxState *s;
    SMMUv3AuxDevice *sdev;
    const SMMUv3AuxAtcInv *inv;
    unsigned deferred;
} SMMUv3AuxAtcDelivery;

static __thread SMMUv3AuxAtcDelivery *atc_delivery;

/* ---- Resuming queues ------------------------------------------------- */

/* Queue q may go on (s->lock held). */
static void atc_mark_resume(SMMUv3AuxState *s, uint32_t q)
{
    if (q < SMMUV3_AUX_ATC_QUEUES) {
        set_bit(q, s->atc_resume);
    }
}

/* A completion of one invalidation of queue q (s->lock held). */
static void atc_done_locked(SMMUv3AuxState *s, uint32_t queue,
                            uint32_t epoch)
{
    SMMUv3AuxAtcWait *w = smmuv3_aux_engine_atc_wait(&s->engine, queue);

    if (w && smmuv3_aux_engine_atc_inv_done(&s->engine, w, epoch)) {
        atc_mark_resume(s, queue);
    }
}

/*
 * Run the VCMDQs of resume (the SMMU's own queue was resumed under
 * s->lock by the caller), and deliver the CMD_SYNC MSIs it may have
 * raised.  No lock held.
 */
static void atc_run_resumed(SMMUv3AuxState *s, const unsigned long *resume)
{
    bool any = false;

    if (test_bit(SMMUV3_AUX_ATC_QUEUE_CMDQ, resume)) {
        smmuv3_aux_flush_sync_msis(s);
    }
    if (!s->cmdqv) {
        return;
    }
    WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
        for (unsigned q = 1; q < SMMUV3_AUX_ATC_QUEUES; q++) {
            if (test_bit(q, resume)) {
                smmuv3_aux_cmdqv_kick(s->cmdqv, q - 1);
                any = true;
            }
        }
    }
    if (any) {
        smmuv3_aux_cmdqv_dev_run(s);
    }
}

/* ---- Timeout --------------------------------------------------------- */

/*
 * Keep a deadline for each queue whose CMD_SYNC waits, and the timer on
 * the earliest (s->lock held).  A wait that began since the last look
 * gets its full timeout.
 */
static void atc_arm_timer_locked(SMMUv3AuxState *s)
{
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL), next = INT64_MAX;
    bool any = false, outstanding = false;

    for (uint32_t q = 0; q < SMMUV3_AUX_ATC_QUEUES; q++) {
        SMMUv3AuxAtcWait *w = smmuv3_aux_engine_atc_wait(&s->engine, q);

        outstanding |= w->outstanding != 0;
        if (!w->waiting) {
            s->atc_deadline[q] = 0;
            continue;
        }
        if (!s->atc_deadline[q]) {
            s->atc_deadline[q] = now + s->ats_inv_timeout_ms;
        }
        next = MIN(next, s->atc_deadline[q]);
        any = true;
    }
    s->atc_waiting = any;
    s->atc_check = outstanding;
    if (any) {
        timer_mod(s->atc_timer, next);
    } else {
        timer_del(s->atc_timer);
    }
}

/*
 * After a migration loaded the queues' waits and deadlines: the timer
 * runs again for the CMD_SYNCs that wait.
 */
void smmuv3_aux_ats_post_load(SMMUv3AuxState *s)
{
    QEMU_LOCK_GUARD(&s->lock);
    atc_arm_timer_locked(s);
}

static void smmuv3_aux_atc_timeout(void *opaque)
{
    SMMUv3AuxState *s = opaque;
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        for (uint32_t q = 0; q < SMMUV3_AUX_ATC_QUEUES; q++) {
            SMMUv3AuxAtcWait *w = smmuv3_aux_engine_atc_wait(&s->engine, q);

            if (s->atc_deadline[q] && now >= s->atc_deadline[q] &&
                smmuv3_aux_engine_atc_timeout(&s->engine, w)) {
                qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: queue %u: no "
                              "ATS Invalidation Completion in %u ms\n", q,
                              s->ats_inv_timeout_ms);
                s->atc_deadline[q] = 0;
                atc_mark_resume(s, q);
            }
        }
    }
    smmuv3_aux_flush_ats_pri(s);
    smmuv3_aux_flush_irqs(s);
}

/* ---- Delivery -------------------------------------------------------- */

/* The notifier's PASID, from the iommu_idx it was registered with. */
static uint32_t atc_notifier_pasid(const IOMMUNotifier *n)
{
    return smmuv3_aux_iommu_idx_pasid(n->iommu_idx);
}

/*
 * Does inv reach the ATC entries n watches?  Without SSV it is for
 * every translation of the range, with or without a PASID (what Linux
 * relies on when it invalidates a whole master, arm_smmu_atc_inv_master());
 * with Global for every PASID (our completions are never Global, so that
 * is the safe reading); else for its PASID.
 */
static bool atc_inv_matches(const SMMUv3AuxAtcInv *inv,
                            const IOMMUNotifier *n)
{
    uint32_t pasid = atc_notifier_pasid(n);

    if (!inv->ssv) {
        return true;
    }
    return pasid != PCI_NO_PASID && (inv->global || pasid == inv->ssid);
}

static void atc_notify_device(SMMUv3AuxDevice *sdev,
                              const SMMUv3AuxAtcInv *inv)
{
    IOMMUTLBEvent event = {
        .type = IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
        .entry = {
            .target_as = &address_space_memory,
            .iova = inv->addr,
            .addr_mask = inv->size >= 52 ? UINT64_MAX
                                         : (4096ULL << inv->size) - 1,
            .perm = IOMMU_NONE,
        },
    };
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, &sdev->iommu) {
        if ((n->notifier_flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) &&
            atc_inv_matches(inv, n)) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
}

/*
 * Send one ATS Invalidate Request (BQL held, s->lock not).  A StreamID
 * with no device behind it has no ATC: nothing to wait for.
 */
static void atc_send(SMMUv3AuxState *s, const SMMUv3AuxAtcInv *inv)
{
    SMMUv3AuxDevice *sdev = smmuv3_aux_device_by_sid(s, inv->sid);
    SMMUv3AuxAtcDelivery d = { .s = s, .sdev = sdev, .inv = inv };

    trace_smmuv3_aux_atc_send(inv->sid, inv->ssv, inv->ssid, inv->addr,
                              inv->size, sdev != NULL);
    if (sdev) {
        atc_delivery = &d;
        atc_notify_device(sdev, inv);
        atc_delivery = NULL;
    }
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        SMMUv3AuxAtcWait *w = smmuv3_aux_engine_atc_wait(&s->engine,
                                                         inv->queue);

        if (!d.deferred) {
            atc_done_locked(s, inv->queue, inv->epoch);
        } else if (w) {
            s->atc_check = true;
            /* Every deferring notifier completes on its own. */
            smmuv3_aux_engine_atc_inv_hold(&s->engine, w, inv->epoch,
                                           d.deferred - 1);
        }
    }
}

/* The device's PRI notifier for pasid, else its one without (BQL). */
static IOMMUPRINotifier *pri_notifier(SMMUv3AuxDevice *sdev, uint32_t pasid)
{
    SMMUv3AuxPriNotifier *pn, *none = NULL;

    QLIST_FOREACH(pn, &sdev->pri_notifiers, node) {
        if (pn->pasid == pasid) {
            return pn->n;
        }
        if (pn->pasid == PCI_NO_PASID) {
            none = pn;
        }
    }
    return none ? none->n : NULL;
}

/* Send one PRG Response (BQL held, s->lock not). */
static void pri_send(SMMUv3AuxState *s, const SMMUv3AuxPriResp *r)
{
    SMMUv3AuxDevice *sdev = smmuv3_aux_device_by_sid(s, r->sid);
    IOMMUPRINotifier *n = sdev ? pri_notifier(sdev, r->ssv ? r->ssid
                                                           : PCI_NO_PASID)
                               : NULL;
    IOMMUPRIResponse resp = {
        .response_code = r->code == SMMUV3_AUX_PRG_SUCCESS ?
                         IOMMU_PRI_RESP_SUCCESS :
                         r->code == SMMUV3_AUX_PRG_INVALID ?
                         IOMMU_PRI_RESP_INVALID_REQUEST :
                         IOMMU_PRI_RESP_FAILURE,
        .prgi = r->prgi,
    };

    trace_smmuv3_aux_pri_send(r->sid, r->ssv, r->ssid, r->prgi, r->code,
                              n != NULL);
    if (n) {
        n->notify(n, &resp);
    }
}

/*
 * Under s->lock: take what the engine queued for the devices, and the
 * queues that may go on (after a full FIFO: any of them), resuming the
 * SMMU's own at once.  False when there is nothing at all to do.
 */
static bool atc_take_locked(SMMUv3AuxState *s, SMMUv3AuxAtcInv *inv,
                            unsigned *n, SMMUv3AuxPriResp *resp, unsigned *m,
                            unsigned long *resume)
{
    *n = smmuv3_aux_engine_take_atc_invs(&s->engine, inv,
                                         SMMUV3_AUX_MAX_ATC_INVS);
    *m = smmuv3_aux_engine_take_pri_resps(&s->engine, resp,
                                          SMMUV3_AUX_MAX_PRI_RESPS);
    if (*n == SMMUV3_AUX_MAX_ATC_INVS || *m == SMMUV3_AUX_MAX_PRI_RESPS) {
        bitmap_fill(s->atc_resume, SMMUV3_AUX_ATC_QUEUES);
    }
    bitmap_copy(resume, s->atc_resume, SMMUV3_AUX_ATC_QUEUES);
    bitmap_zero(s->atc_resume, SMMUV3_AUX_ATC_QUEUES);
    if (test_bit(SMMUV3_AUX_ATC_QUEUE_CMDQ, resume)) {
        smmuv3_aux_engine_cmdq_resume(&s->engine);
    }
    return *n || *m || !bitmap_empty(resume, SMMUV3_AUX_ATC_QUEUES);
}

/*
 * Send what CMD_ATC_INVs and PRG Responses queued, run what their
 * completions (and a timeout) let go on, and again for what those queues
 * queued in turn.  Called without s->lock after every MMIO write, so the
 * common case is one lock hold that finds nothing; the BQL is taken for
 * the notifiers only when there is something to send.  Bounded: each
 * round consumes commands of queues that cannot grow while we hold the
 * BQL or run their jobs.
 */
void smmuv3_aux_flush_ats_pri(SMMUv3AuxState *s)
{
    SMMUv3AuxAtcInv inv[SMMUV3_AUX_MAX_ATC_INVS];
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    unsigned long resume[BITS_TO_LONGS(SMMUV3_AUX_ATC_QUEUES)];
    unsigned n, m, i;

    for (;;) {
        WITH_QEMU_LOCK_GUARD(&s->lock) {
            if (!atc_take_locked(s, inv, &n, resp, &m, resume)) {
                /* Only deferred invalidations can leave a SYNC waiting. */
                if (s->atc_check || s->atc_waiting) {
                    atc_arm_timer_locked(s);
                }
                return;
            }
        }
        if (n || m) {
            g_autoptr(BQLLockAuto) bql = bql_auto_lock(__FILE__, __LINE__);

            for (i = 0; i < n; i++) {
                atc_send(s, &inv[i]);
            }
            for (i = 0; i < m; i++) {
                pri_send(s, &resp[i]);
            }
        }
        atc_run_resumed(s, resume);
    }
}

static void smmuv3_aux_atc_bh(void *opaque)
{
    SMMUv3AuxState *s = opaque;

    smmuv3_aux_flush_ats_pri(s);
    smmuv3_aux_flush_irqs(s);
}

/* ---- PCIIOMMUOps ----------------------------------------------------- */

void smmuv3_aux_ats_get_iotlb_info(void *opaque, uint8_t *addr_width,
                                   uint32_t *min_page_size)
{
    SMMUv3AuxState *s = opaque;

    *addr_width = s->params.oas_bits;
    *min_page_size = SMMUV3_AUX_ATS_STU;
}

void smmuv3_aux_ats_init_iotlb_notifier(PCIBus *bus, void *opaque,
                                        int devfn, IOMMUNotifier *n,
                                        IOMMUNotify fn, void *user_opaque)
{
    iommu_notifier_init(n, fn, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, HWADDR_MAX,
                        0);
}

void smmuv3_aux_ats_register_iotlb_notifier(PCIBus *bus, void *opaque,
                                            int devfn, uint32_t pasid,
                                            IOMMUNotifier *n)
{
    SMMUv3AuxState *s = opaque;
    SMMUv3AuxDevice *sdev = smmuv3_aux_device(s, bus, devfn);
    Error *err = NULL;

    if (!s->params.ats) {
        return;         /* no ATS: no invalidation will ever come */
    }
    n->iommu_idx = smmuv3_aux_iommu_idx_of_pasid(pasid);
    if (memory_region_register_iommu_notifier(MEMORY_REGION(&sdev->iommu), n,
                                              &err)) {
        error_report_err(err);
    }
}

void smmuv3_aux_ats_unregister_iotlb_notifier(PCIBus *bus, void *opaque,
                                              int devfn, uint32_t pasid,
                                              IOMMUNotifier *n)
{
    SMMUv3AuxState *s = opaque;
    SMMUv3AuxDevice *sdev = smmuv3_aux_device(s, bus, devfn);

    if (!s->params.ats) {
        return;
    }
    memory_region_unregister_iommu_notifier(MEMORY_REGION(&sdev->iommu), n);
}

/* One STU of a Translation Request, into *entry; false: UR or CA. */
static int smmuv3_aux_ats_one(SMMUv3AuxState *s, const SMMUv3AuxAtsReq *req,
                              IOMMUTLBEntry *entry)
{
    SMMUv3AuxAtsResp resp = { 0 };
    SMMUv3AuxAtsStatus st;

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        st = smmuv3_aux_ats_translate(&s->engine, req, &resp);
    }
    trace_smmuv3_aux_ats_request(req->sid, req->ssv, req->ssid, req->addr,
                                 st, resp.addr, resp.r, resp.w);
    if (st != SMMUV3_AUX_ATS_SUCCESS) {
        return st == SMMUV3_AUX_ATS_UR ? -EPERM : -EFAULT;
    }
    *entry = (IOMMUTLBEntry) {
        .target_as = &address_space_memory,
        .iova = req->addr & ~resp.addr_mask,
        .translated_addr = resp.addr & ~resp.addr_mask,
        .addr_mask = resp.addr_mask,
        .perm = (resp.r ? IOMMU_RO : 0) | (resp.w ? IOMMU_WO : 0),
    };
    return 0;
}

/*
 * A Translation Request for [addr, addr + length): one completion entry
 * per translation the range crosses, as a Translation Completion with
 * several entries would carry.  UR or CA for any part fails all of it.
 */
ssize_t smmuv3_aux_ats_request_translation(PCIBus *bus, void *opaque,
                                           int devfn, uint32_t pasid,
                                           bool priv_req, bool exec_req,
                                           hwaddr addr, size_t length,
                                           bool no_write,
                                           IOMMUTLBEntry *result,
                                           size_t result_length,
                                           uint32_t *err_count)
{
    SMMUv3AuxState *s = opaque;
    SMMUv3AuxAtsReq req = {
        .sid = smmuv3_aux_bus_sid(bus, devfn),
        .ssv = pasid != PCI_NO_PASID,
        .ssid = pasid != PCI_NO_PASID ? pasid : 0,
        .nw = no_write,
        .priv = pasid != PCI_NO_PASID && priv_req,
        .exe = pasid != PCI_NO_PASID && exec_req,
    };
    hwaddr end = addr + MAX(length, 1) - 1;
    size_t n = 0;
    int ret = 0;

    *err_count = 0;
    addr &= ~(hwaddr)(SMMUV3_AUX_ATS_STU - 1);
    while (n < result_length) {
        req.addr = addr;
        ret = smmuv3_aux_ats_one(s, &req, &result[n]);
        if (ret) {
            break;
        }
        if (result[n].perm == IOMMU_NONE) {
            (*err_count)++;
        }
        addr = result[n].iova + result[n].addr_mask;
        n++;
        if (addr >= end || addr == UINT64_MAX) {
            break;
        }
        addr++;
    }
    smmuv3_aux_flush_irqs(s);       /* F_BAD_ATS_TREQ */
    if (ret) {
        return ret;
    }
    return n == result_length && addr < end ? -ENOMEM : n;
}

uint64_t smmuv3_aux_ats_invalidation_defer(PCIBus *bus, void *opaque,
                                           int devfn)
{
    SMMUv3AuxAtcDelivery *d = atc_delivery;

    if (!d || d->s != opaque || d->sdev->bus != bus ||
        d->sdev->devfn != devfn) {
        return 0;       /* not from this SMMU's notifier: nothing waits */
    }
    d->deferred++;
    trace_smmuv3_aux_atc_defer(d->inv->sid, d->inv->queue, d->inv->epoch);
    return atc_tag(d->inv->queue, d->inv->epoch);
}

void smmuv3_aux_ats_invalidation_complete(PCIBus *bus, void *opaque,
                                          int devfn, uint64_t tag)
{
    SMMUv3AuxState *s = opaque;
    uint32_t queue = extract64(tag, 32, 31), epoch = tag;

    if (!(tag & ATC_TAG_VALID)) {
        return;
    }
    trace_smmuv3_aux_atc_complete(queue, epoch);
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        atc_done_locked(s, queue, epoch);
    }
    /* Any thread: the queue runs from the main loop. */
    qemu_bh_schedule(s->atc_bh);
}

/* ---- PRI ------------------------------------------------------------- */

void smmuv3_aux_pri_register_notifier(PCIBus *bus, void *opaque, int devfn,
                                      uint32_t pasid,
                                      IOMMUPRINotifier *notifier)
{
    SMMUv3AuxDevice *sdev = smmuv3_aux_device(opaque, bus, devfn);
    SMMUv3AuxPriNotifier *pn;

    smmuv3_aux_pri_unregister_notifier(bus, opaque, devfn, pasid);
    pn = g_new0(SMMUv3AuxPriNotifier, 1);
    pn->pasid = pasid;
    pn->n = notifier;
    QLIST_INSERT_HEAD(&sdev->pri_notifiers, pn, node);
}

void smmuv3_aux_pri_unregister_notifier(PCIBus *bus, void *opaque, int devfn,
                                        uint32_t pasid)
{
    SMMUv3AuxDevice *sdev = smmuv3_aux_device(opaque, bus, devfn);
    SMMUv3AuxPriNotifier *pn, *next;

    QLIST_FOREACH_SAFE(pn, &sdev->pri_notifiers, node, next) {
        if (pn->pasid == pasid) {
            QLIST_REMOVE(pn, node);
            g_free(pn);
        }
    }
}

/*
 * A Page Request, from any thread.  Its response, if the SMMU makes one
 * at once, waits for atc_bh: the device may hold its own lock here.
 */
int smmuv3_aux_pri_request_page(PCIBus *bus, void *opaque, int devfn,
                                uint32_t pasid, bool priv_req, bool exec_req,
                                hwaddr addr, bool lpig, uint16_t prgi,
                                bool is_read, bool is_write)
{
    SMMUv3AuxState *s = opaque;
    SMMUv3AuxPriReq req = {
        .sid = smmuv3_aux_bus_sid(bus, devfn),
        .ssv = pasid != PCI_NO_PASID,
        .ssid = pasid != PCI_NO_PASID ? pasid : 0,
        .addr = addr & ~(hwaddr)0xfff,
        .prgi = prgi & PCI_PRI_PRGI_MASK,
        .last = lpig, .r = is_read, .w = is_write,
        .priv = priv_req, .exec = exec_req,
    };
    bool resp;

    if (!s->params.pri) {
        return -ENODEV;
    }
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_pri_request(&s->engine, &req);
        resp = s->engine.n_pri_resps != 0;
    }
    if (resp) {
        qemu_bh_schedule(s->atc_bh);
    }
    smmuv3_aux_flush_irqs(s);       /* the PRI queue interrupt */
    return 0;
}

/* ---- Lifecycle ------------------------------------------------------- */

void smmuv3_aux_ats_realize(SMMUv3AuxState *s)
{
    s->atc_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, smmuv3_aux_atc_timeout,
                                s);
    s->atc_bh = qemu_bh_new_guarded(smmuv3_aux_atc_bh, s,
                                    &DEVICE(s)->mem_reentrancy_guard);
}

/* The engine forgot every wait at reset; so do we (s->lock held). */
void smmuv3_aux_ats_reset_locked(SMMUv3AuxState *s)
{
    bitmap_zero(s->atc_resume, SMMUV3_AUX_ATC_QUEUES);
    memset(s->atc_deadline, 0, sizeof(s->atc_deadline));
    s->atc_waiting = s->atc_check = false;
    timer_del(s->atc_timer);
}

void smmuv3_aux_ats_unrealize(SMMUv3AuxState *s)
{
    timer_free(s->atc_timer);
    s->atc_timer = NULL;
    qemu_bh_delete(s->atc_bh);
    s->atc_bh = NULL;
}
