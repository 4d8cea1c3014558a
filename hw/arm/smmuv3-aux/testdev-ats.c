/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux-testdev: ATS (PCIe 6.0 chapter 10) for the test device.
 *
 * The device caches translations in a small ATC of its own, filled by
 * Translation Requests (pci_ats_request_translation()) and emptied by the
 * IOMMU's ATS Invalidate Requests, which arrive as DEVIOTLB_UNMAP events
 * on the notifier it registered for the address space of the request:
 * without a PASID, or one of up to 7 PASIDs (TD_PASID.SSV), registered on
 * first use.  With
 * TD_CTRL.ATS a command's DMA uses the ATC and goes out as Translated
 * requests (MemTxAttrs.ats_translated), which the IOMMU checks but does
 * not translate.
 *
 * An invalidation completes when the notifier returns, as it does for
 * later upstream QEMU's devices, except in two cases where the device
 * defers it (pci_ats_invalidation_defer()): while a Translated access to
 * the range is in flight in the worker thread (PCIe 10.3.1: the
 * completion follows the requests that used the translation), and with
 * TD_ATS_CTRL.HOLD, until software writes TD_ATS_RELEASE.
 */

#include "qemu/osdep.h"
#include "qemu/lockable.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/pci/pcie.h"
#include "migration/vmstate.h"
#include "system/dma.h"
#include "testdev-ats.h"
#include "trace.h"

/* Entry e covers iova of pasid (lock held). */
static bool td_atc_covers(const TDAtcEntry *e, uint32_t pasid, uint64_t iova)
{
    return e->valid && e->pasid == pasid && (iova & ~e->mask) == e->iova;
}

/* Keep tag for later: the held list, else lost (lock held). */
static void td_ats_keep(TDAts *a, uint64_t tag)
{
    if (a->n_held < ARRAY_SIZE(a->held)) {
        a->held[a->n_held++] = tag;
    }
    /* More than the device holds: never completed, as a broken device. */
}

/*
 * The IOMMU invalidated [entry->iova, + addr_mask] of the space n watches
 * (BQL).  A request for several spaces (no PASID, Global) reaches each of
 * their notifiers, and ATC_INVS counts each.
 */
static void td_ats_notify(IOMMUNotifier *n, IOMMUTLBEntry *entry)
{
    TDAtsSpace *sp = container_of(n, TDAtsSpace, n);
    TDAts *a = sp->a;
    uint64_t first = entry->iova, last = entry->iova + entry->addr_mask;
    uint64_t tag = 0;
    bool busy;

    WITH_QEMU_LOCK_GUARD(&a->lock) {
        a->invs++;
        for (unsigned k = 0; k < TD_ATC_ENTRIES; k++) {
            TDAtcEntry *e = &a->e[k];

            if (e->valid && e->pasid == sp->pasid && e->iova <= last &&
                e->iova + e->mask >= first) {
                e->valid = false;
            }
        }
        busy = a->inflight && a->inflight_iova >= first &&
               a->inflight_iova <= last;
        if (busy || a->hold) {
            tag = pci_ats_invalidation_defer(a->dev);
        }
        if (tag && busy &&
            a->n_inflight_tags < ARRAY_SIZE(a->inflight_tags)) {
            a->inflight_tags[a->n_inflight_tags++] = tag;
        } else if (tag) {
            td_ats_keep(a, tag);
        }
    }
    trace_smmuv3_aux_testdev_ats_inv(first, entry->addr_mask, busy, a->hold);
}

/* A translation of the page of iova that permits the access (lock held). */
static TDAtcEntry *td_atc_lookup(TDAts *a, uint32_t pasid, uint64_t iova,
                                 bool is_write)
{
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;

    for (unsigned k = 0; k < TD_ATC_ENTRIES; k++) {
        TDAtcEntry *e = &a->e[k];

        if (td_atc_covers(e, pasid, iova) && (e->perm & need)) {
            return e;
        }
    }
    return NULL;
}

/*
 * A Translation Request for the page of iova, into a new entry.  NW is
 * set for a read, so that a writable-clean page stays clean (HTTU).
 * Called without the lock: the IOMMU may raise an event, whose MSI may
 * land anywhere.
 */
static bool td_ats_request(TDAts *a, uint32_t pasid, uint64_t iova,
                           bool is_write, TDAtcEntry *out)
{
    IOMMUTLBEntry r;
    uint32_t errs;
    ssize_t n;

    n = pci_ats_request_translation(a->dev, pasid, false, false,
                                    iova & ~(uint64_t)0xfff, 0x1000,
                                    !is_write, &r, 1, &errs);
    trace_smmuv3_aux_testdev_ats_treq(iova, n, n > 0 ? r.translated_addr : 0,
                                      n > 0 ? r.perm : 0);
    if (n <= 0 || !(r.perm & (is_write ? IOMMU_WO : IOMMU_RO))) {
        return false;
    }
    *out = (TDAtcEntry) {
        .valid = true, .pasid = pasid, .iova = r.iova & ~r.addr_mask, .mask = r.addr_mask,
        .pa = r.translated_addr & ~r.addr_mask, .perm = r.perm,
    };
    return true;
}

/* Register the notifier of space sp for pasid (BQL). */
static bool td_ats_space_register(TDAts *a, TDAtsSpace *sp, uint32_t pasid)
{
    sp->a = a;
    sp->pasid = pasid;
    sp->registered =
        pci_iommu_init_iotlb_notifier(a->dev, &sp->n, td_ats_notify, a) == 0 &&
        pci_iommu_register_iotlb_notifier(a->dev, pasid, &sp->n) == 0;
    return sp->registered;
}

/*
 * The ATC caches translations of pasid only while it hears their
 * invalidations: a new PASID's notifier is registered before its first
 * request, under the BQL (taken if this thread has not got it).
 */
static bool td_ats_space(TDAts *a, uint32_t pasid)
{
    TDAtsSpace *free_sp = NULL;
    bool ok;

    for (unsigned i = 0; i < TD_ATS_SPACES; i++) {
        TDAtsSpace *sp = &a->spaces[i];

        if (sp->registered && sp->pasid == pasid) {
            return true;
        }
        if (!sp->registered && !free_sp && i) {
            free_sp = sp;
        }
    }
    if (pasid == PCI_NO_PASID || !free_sp) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux-testdev: ATS for PASID "
                      "0x%x: %s\n", pasid, free_sp ? "no IOMMU notifier"
                                                   : "more PASIDs than 7");
        return false;
    }
    if (bql_locked()) {
        return td_ats_space_register(a, free_sp, pasid);
    }
    bql_lock();
    ok = td_ats_space_register(a, free_sp, pasid);
    bql_unlock();
    return ok;
}

bool td_ats_dma(TDAts *a, uint32_t pasid, uint64_t iova, void *buf,
                uint32_t len, bool is_write, bool ram_only)
{
    MemTxAttrs attrs = {
        .ats_translated = 1,
        .memory = ram_only,
        .requester_id = pci_requester_id(a->dev),
    };
    uint64_t tags[SMMUV3_AUX_TESTDEV_MAX_HELD];
    uint64_t pa, invs;
    TDAtcEntry *e, fresh;
    unsigned n_tags = 0, tries;
    MemTxResult res;

    /*
     * Look up, and on a miss ask and look up again.  An invalidation
     * during the request may be for what it returned, which is then not
     * cached: ask again (a guest that invalidates without end fails the
     * DMA).  Lookup and in-flight mark are one critical section, so an
     * invalidation either finds the access in flight or came before it.
     */
    if (!td_ats_space(a, pasid)) {
        return false;
    }
    qemu_mutex_lock(&a->lock);
    for (tries = 0; !(e = td_atc_lookup(a, pasid, iova, is_write));
         tries++) {
        if (tries == 8) {
            qemu_mutex_unlock(&a->lock);
            return false;
        }
        a->misses++;
        invs = a->invs;
        qemu_mutex_unlock(&a->lock);
        if (!td_ats_request(a, pasid, iova, is_write, &fresh)) {
            return false;
        }
        qemu_mutex_lock(&a->lock);
        if (a->invs == invs) {
            a->e[a->next] = fresh;
            a->next = (a->next + 1) % TD_ATC_ENTRIES;
        }
    }
    if (!tries) {
        a->hits++;
    }
    pa = e->pa | (iova & e->mask);
    a->inflight = true;
    a->inflight_iova = iova;
    qemu_mutex_unlock(&a->lock);

    res = pci_dma_rw(a->dev, pa, buf, len,
                     is_write ? DMA_DIRECTION_FROM_DEVICE
                              : DMA_DIRECTION_TO_DEVICE, attrs);

    WITH_QEMU_LOCK_GUARD(&a->lock) {
        a->inflight = false;
        for (unsigned k = 0; k < a->n_inflight_tags; k++) {
            if (a->hold) {
                td_ats_keep(a, a->inflight_tags[k]);
            } else {
                tags[n_tags++] = a->inflight_tags[k];
            }
        }
        a->n_inflight_tags = 0;
    }
    for (unsigned k = 0; k < n_tags; k++) {
        pci_ats_invalidation_complete(a->dev, tags[k]);
    }
    return res == MEMTX_OK;
}

/* ---- Registers (BQL) ------------------------------------------------- */

void td_ats_write_ctrl(TDAts *a, uint32_t val)
{
    WITH_QEMU_LOCK_GUARD(&a->lock) {
        a->hold = FIELD_EX32(val, TD_ATS_CTRL, HOLD);
    }
}

void td_ats_release(TDAts *a)
{
    uint64_t tags[SMMUV3_AUX_TESTDEV_MAX_HELD];
    unsigned n;

    WITH_QEMU_LOCK_GUARD(&a->lock) {
        n = a->n_held;
        memcpy(tags, a->held, n * sizeof(tags[0]));
        a->n_held = 0;
    }
    for (unsigned k = 0; k < n; k++) {
        pci_ats_invalidation_complete(a->dev, tags[k]);
    }
}

uint64_t td_ats_read(TDAts *a, hwaddr reg)
{
    QEMU_LOCK_GUARD(&a->lock);

    switch (reg) {
    case A_TD_ATS_CTRL:
        return a->hold;
    case A_TD_ATC_HELD:
        return a->n_held;
    case A_TD_ATC_HITS:
        return a->hits;
    case A_TD_ATC_MISSES:
        return a->misses;
    case A_TD_ATC_INVS:
        return a->invs;
    case A_TD_PRI_RESPS:
        return a->pri_resps;
    case A_TD_PRI_LAST:
        return a->pri_last;
    }
    return 0;
}

/* ---- PRI ------------------------------------------------------------- */

static void td_pri_notify(IOMMUPRINotifier *n, IOMMUPRIResponse *resp)
{
    TDAts *a = container_of(n, TDAts, pri);
    uint32_t last = 0;

    last = FIELD_DP32(last, TD_PRI_LAST, PRGI, resp->prgi);
    last = FIELD_DP32(last, TD_PRI_LAST, CODE, resp->response_code);
    last = FIELD_DP32(last, TD_PRI_LAST, VALID, 1);
    WITH_QEMU_LOCK_GUARD(&a->lock) {
        a->pri_resps++;
        a->pri_last = last;
    }
    trace_smmuv3_aux_testdev_pri_resp(resp->prgi, resp->response_code);
}

bool td_pri_request(TDAts *a, uint32_t pasid, uint64_t addr, uint16_t prgi,
                    bool write, bool last)
{
    int ret = pci_pri_request_page(a->dev, pasid, false, false, addr, last,
                                   prgi, true, write);

    trace_smmuv3_aux_testdev_pri_req(addr, prgi, last, ret);
    return ret == 0;
}

void td_pri_init(TDAts *a, uint16_t offset)
{
    /* 32 outstanding requests; PRG Responses carry the PASID. */
    pcie_pri_init(a->dev, offset, 32, true);
    a->pri.notify = td_pri_notify;
    a->pri_registered =
        pci_pri_register_notifier(a->dev, PCI_NO_PASID, &a->pri) == 0;
}

/* ---- Lifecycle ------------------------------------------------------- */

void td_ats_init(TDAts *a, PCIDevice *dev, uint16_t offset)
{
    a->dev = dev;
    qemu_mutex_init(&a->lock);
    /* Page-aligned requests only; an Invalidate Queue Depth of 0 (32). */
    pcie_ats_init(dev, offset, true);
    td_ats_space_register(a, &a->spaces[0], PCI_NO_PASID);
}

void td_ats_exit(TDAts *a)
{
    td_ats_release(a);
    if (a->pri_registered) {
        pci_pri_unregister_notifier(a->dev, PCI_NO_PASID);
        a->pri_registered = false;
    }
    for (unsigned i = 0; i < TD_ATS_SPACES; i++) {
        TDAtsSpace *sp = &a->spaces[i];

        if (sp->registered) {
            pci_iommu_unregister_iotlb_notifier(a->dev, sp->pasid, &sp->n);
            sp->registered = false;
        }
    }
    qemu_mutex_destroy(&a->lock);
}

/*
 * A reset empties the ATC and the counters; what the device held is
 * completed, so that no CMD_SYNC waits for a device that forgot.
 */
void td_ats_reset(TDAts *a)
{
    td_ats_release(a);
    WITH_QEMU_LOCK_GUARD(&a->lock) {
        memset(a->e, 0, sizeof(a->e));
        a->next = 0;
        a->hits = a->misses = a->invs = 0;
        a->hold = false;
        a->pri_resps = 0;
        a->pri_last = 0;
    }
}

/*
 * Migration: the counters software reads, TD_ATS_CTRL.HOLD and the
 * Invalidation Completions held, whose tags name the SMMU's wait state
 * (which migrates too): released on the destination, they let its
 * CMD_SYNC complete.  The ATC itself is dropped, as a device may drop it
 * at any time: the destination's first access asks again.  Nothing is in
 * flight: the job finished before the save.
 */
static int td_ats_post_load(void *opaque, int version_id)
{
    TDAts *a = opaque;

    if (a->n_held > ARRAY_SIZE(a->held)) {
        return -EINVAL;
    }
    memset(a->e, 0, sizeof(a->e));
    return 0;
}

const VMStateDescription vmstate_td_ats = {
    .name = "smmuv3-aux-testdev-ats",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = td_ats_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(hits, TDAts),
        VMSTATE_UINT64(misses, TDAts),
        VMSTATE_UINT64(invs, TDAts),
        VMSTATE_BOOL(hold, TDAts),
        VMSTATE_UINT32(n_held, TDAts),
        VMSTATE_UINT64_ARRAY(held, TDAts, SMMUV3_AUX_TESTDEV_MAX_HELD),
        VMSTATE_UINT64(pri_resps, TDAts),
        VMSTATE_UINT32(pri_last, TDAts),
        VMSTATE_END_OF_LIST()
    },
};
