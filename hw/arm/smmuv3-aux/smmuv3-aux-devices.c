/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: the devices behind the SMMU.  One IOMMU memory region per
 * DMA master: each PCI function (PCIIOMMUOps.get_address_space), and each
 * platform (non-PCI) master attached with smmuv3_aux_attach_master() with
 * the StreamID its firmware description gives it (DT "iommus").  The
 * lookups of those devices by bus/devfn and by StreamID, their micro-TLB
 * statistics, what invalidations tell their IOMMU notifiers, and the
 * PCIIOMMUOps table, whose ATS and PRI callbacks are
 * in smmuv3-aux-ats.c.
 */

#include "qemu/osdep.h"
#include "qemu/stats64.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "exec/address-spaces.h"
#include "qemu/main-loop.h"
#include "qemu/lockable.h"
#include "system/dma.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/arm/smmuv3-aux.h"
#include "binding.h"
#include "trace.h"

/* ---- Micro-TLB statistics (QOM, for benchmarks) ------------------------- */

static uint64_t smmuv3_aux_utlb_stat(SMMUv3AuxDevice *sdev, const char *name)
{
    if (g_str_equal(name, "core-tlb-hits")) {
        return memory_region_iommu_translation_cache_hits(&sdev->iommu);
    }
    return stat64_get(g_str_equal(name, "utlb-hits") ? &sdev->utlb_hits
                                                     : &sdev->utlb_misses);
}

/* "utlb-hits"/"utlb-misses" of one device's IOMMU memory region. */
static void smmuv3_aux_get_dev_utlb_stat(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    uint64_t val = smmuv3_aux_utlb_stat(opaque, name);

    visit_type_uint64(v, name, &val, errp);
}

void smmuv3_aux_foreach_device(SMMUv3AuxState *s,
                               void (*fn)(SMMUv3AuxDevice *, void *),
                               void *opaque)
{
    SMMUv3AuxDevice **devs, *sdev;
    GHashTableIter iter;
    unsigned devfn;

    g_hash_table_iter_init(&iter, s->devices_by_bus);
    while (g_hash_table_iter_next(&iter, NULL, (void **)&devs)) {
        for (devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
            if (devs[devfn]) {
                fn(devs[devfn], opaque);
            }
        }
    }
    QLIST_FOREACH(sdev, &s->masters, master_node) {
        fn(sdev, opaque);
    }
}

typedef struct UtlbStatSum {
    const char *name;
    uint64_t val;
} UtlbStatSum;

static void smmuv3_aux_add_utlb_stat(SMMUv3AuxDevice *sdev, void *opaque)
{
    UtlbStatSum *sum = opaque;

    sum->val += smmuv3_aux_utlb_stat(sdev, sum->name);
}

/* The same, summed over every device behind the SMMU (BQL held). */
void smmuv3_aux_get_utlb_stat(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    UtlbStatSum sum = { .name = name };

    smmuv3_aux_foreach_device(ARM_SMMUV3_AUX(obj), smmuv3_aux_add_utlb_stat,
                              &sum);
    visit_type_uint64(v, name, &sum.val, errp);
}

/* The IOMMU memory region and address space of a new device. */
static void smmuv3_aux_device_init(SMMUv3AuxState *s, SMMUv3AuxDevice *sdev,
                                   const char *name)
{
    sdev->smmu = s;
    memory_region_init_iommu(&sdev->iommu, sizeof(sdev->iommu),
                             TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION, OBJECT(s),
                             name, UINT64_MAX);
    /*
     * The memory core's translation cache (core-tlb) is per memory region
     * and knows nothing of StreamIDs, so only a master whose StreamID the
     * guest cannot change gets one: a platform master, or a function on a
     * root bus (behind a bridge, the bus number is the bridge's to set).
     * The micro-TLB, keyed by StreamID, serves the others.  Every change
     * of a translation bumps the engine's inval_gen, as the micro-TLB
     * needs too (see "Micro-TLB" in smmuv3-aux.c).
     */
    if (s->utlb_on && s->core_tlb &&
        (!sdev->bus || pci_bus_is_root(sdev->bus))) {
        memory_region_iommu_enable_translation_cache(&sdev->iommu,
                                                     &s->engine.inval_gen);
    }
    address_space_init(&sdev->as, MEMORY_REGION(&sdev->iommu), name);
    object_property_add(OBJECT(&sdev->iommu), "utlb-hits", "uint64",
                        smmuv3_aux_get_dev_utlb_stat, NULL, NULL, sdev);
    object_property_add(OBJECT(&sdev->iommu), "utlb-misses", "uint64",
                        smmuv3_aux_get_dev_utlb_stat, NULL, NULL, sdev);
    object_property_add(OBJECT(&sdev->iommu), "core-tlb-hits", "uint64",
                        smmuv3_aux_get_dev_utlb_stat, NULL, NULL, sdev);
    trace_smmuv3_aux_add_device(name);
}

static AddressSpace *smmuv3_aux_get_address_space(PCIBus *bus, void *opaque,
                                                  int devfn)
{
    SMMUv3AuxState *s = opaque;
    SMMUv3AuxDevice **devs = g_hash_table_lookup(s->devices_by_bus, bus);
    SMMUv3AuxDevice *sdev;
    g_autofree char *name = NULL;

    if (!devs) {
        devs = g_new0(SMMUv3AuxDevice *, PCI_DEVFN_MAX);
        g_hash_table_insert(s->devices_by_bus, bus, devs);
    }
    sdev = devs[devfn];
    if (sdev) {
        return &sdev->as;
    }

    sdev = g_new0(SMMUv3AuxDevice, 1);
    sdev->bus = bus;
    sdev->devfn = devfn;
    name = g_strdup_printf("%s-%s-%02x.%x", TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION,
                           pci_bus_is_root(bus) ? "root" : "bus",
                           PCI_SLOT(devfn), PCI_FUNC(devfn));
    smmuv3_aux_device_init(s, sdev, name);
    devs[devfn] = sdev;
    return &sdev->as;
}

SMMUv3AuxDevice *smmuv3_aux_device(SMMUv3AuxState *s, PCIBus *bus,
                                   int devfn)
{
    smmuv3_aux_get_address_space(bus, s, devfn);
    return ((SMMUv3AuxDevice **)g_hash_table_lookup(s->devices_by_bus,
                                                     bus))[devfn];
}

SMMUv3AuxDevice *smmuv3_aux_device_by_sid(SMMUv3AuxState *s, uint32_t sid)
{
    SMMUv3AuxDevice **devs, *sdev;
    GHashTableIter iter;
    unsigned devfn = sid & 0xff;

    QLIST_FOREACH(sdev, &s->masters, master_node) {
        if (sdev->sid == sid) {
            return sdev;
        }
    }
    g_hash_table_iter_init(&iter, s->devices_by_bus);
    while (g_hash_table_iter_next(&iter, NULL, (void **)&devs)) {
        if (devs[devfn] && smmuv3_aux_device_sid(devs[devfn]) == sid) {
            return devs[devfn];
        }
    }
    return NULL;
}

/* ---- IOMMU notifiers -------------------------------------------------- */

/* Tell notifier n that [start, last] is unmapped, in aligned blocks. */
static void smmuv3_aux_notify_range(SMMUv3AuxDevice *sdev, IOMMUNotifier *n,
                                    uint64_t start, uint64_t last)
{
    start = MAX(start, n->start);
    last = MIN(last, n->end);
    if (start == n->start && last == n->end) {
        memory_region_unmap_iommu_notifier_range(n);
        return;
    }
    while (start <= last) {
        uint64_t mask = dma_aligned_pow2_mask(start, last, 64);
        IOMMUTLBEvent event = {
            .type = IOMMU_NOTIFIER_UNMAP,
            .entry = {
                .target_as = &address_space_memory,
                .iova = start,
                .addr_mask = mask,
                .perm = IOMMU_NONE,
            },
        };

        trace_smmuv3_aux_notify_unmap(smmuv3_aux_device_sid(sdev), start, mask);
        memory_region_notify_iommu_one(n, &event);
        if (start + mask == last || start + mask + 1 == 0) {
            break;
        }
        start += mask + 1;
    }
}

/* What the commands invalidated, for each device's UNMAP notifiers. */
typedef struct NotifyInvals {
    const SMMUv3AuxInval *inv;
    unsigned n;
    bool all;
} NotifyInvals;

static void smmuv3_aux_notify_device(SMMUv3AuxDevice *sdev, void *opaque)
{
    const NotifyInvals *ni = opaque;
    const SMMUv3AuxInval *inv = ni->inv;
    unsigned i, n = ni->n;
    bool all = ni->all;
    IOMMUNotifier *notifier;

    if (!(sdev->notifier_flags & IOMMU_NOTIFIER_UNMAP)) {
        return;
    }
    IOMMU_NOTIFIER_FOREACH(notifier, &sdev->iommu) {
        if (!(notifier->notifier_flags & IOMMU_NOTIFIER_UNMAP)) {
            continue;
        }
        for (i = 0; i < (all ? 1 : n); i++) {
            /*
             * Address-range invalidations unmap their range; anything
             * wider (a VMID, an ASID, a configuration) unmaps everything,
             * which is always safe for an UNMAP notifier.
             */
            bool ranged = !all && inv[i].size &&
                          (inv[i].kind == SMMUV3_AUX_INVAL_TLB_VA ||
                           inv[i].kind == SMMUV3_AUX_INVAL_TLB_IPA);

            smmuv3_aux_notify_range(sdev, notifier,
                                    ranged ? inv[i].iova : 0,
                                    ranged ? inv[i].iova + inv[i].size - 1
                                           : UINT64_MAX);
        }
    }
}

/*
 * Pass what the commands invalidated on to the UNMAP notifiers (vhost's
 * device IOTLB, for example).  Called without s->lock, under the BQL, as
 * commands only run from MMIO writes.
 */
void smmuv3_aux_flush_invals(SMMUv3AuxState *s)
{
    SMMUv3AuxInval inv[SMMUV3_AUX_MAX_INVALS];
    g_autoptr(BQLLockAuto) bql = NULL;
    NotifyInvals ni = { .inv = inv, .all = false };

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        ni.n = smmuv3_aux_engine_take_invals(&s->engine, inv,
                                             ARRAY_SIZE(inv), &ni.all);
    }
    /*
     * Without UNMAP notifiers (vhost, VFIO) there is nobody to tell: a
     * caller without the BQL (a VCMDQ write) then never takes it.  A
     * notifier registered meanwhile replays the mappings it starts from.
     */
    if ((!ni.n && !ni.all) || !qatomic_read(&s->unmap_notified)) {
        return;
    }
    /* Notifiers and the device table belong to the BQL. */
    bql = bql_auto_lock(__FILE__, __LINE__);
    smmuv3_aux_foreach_device(s, smmuv3_aux_notify_device, &ni);
}

/* ---- Platform masters -------------------------------------------------- */

SMMUv3AuxDevice *smmuv3_aux_attach_master(SMMUv3AuxState *s,
                                          DeviceState *master, uint32_t sid,
                                          Error **errp)
{
    g_autofree char *name = NULL;
    SMMUv3AuxDevice *sdev;

    if (sid >> s->params.sid_size) {
        error_setg(errp, "StreamID 0x%x does not fit the SMMU's sid-size %u",
                   sid, s->params.sid_size);
        return NULL;
    }
    sdev = smmuv3_aux_device_by_sid(s, sid);
    if (sdev) {
        error_setg(errp, "StreamID 0x%x is already %s's", sid,
                   sdev->master ? object_get_canonical_path(OBJECT(
                                      sdev->master))
                                : "a PCI function");
        return NULL;
    }
    sdev = g_new0(SMMUv3AuxDevice, 1);
    sdev->master = master;
    sdev->sid = sid;
    name = g_strdup_printf("%s-sid-%x", TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION,
                           sid);
    smmuv3_aux_device_init(s, sdev, name);
    QLIST_INSERT_HEAD(&s->masters, sdev, master_node);
    return sdev;
}

AddressSpace *smmuv3_aux_master_address_space(SMMUv3AuxDevice *sdev)
{
    return &sdev->as;
}

void smmuv3_aux_master_abort_stalls(SMMUv3AuxDevice *sdev)
{
    qatomic_inc(&sdev->stall_abort_gen);
    smmuv3_aux_stall_kick(sdev->smmu);
}

const PCIIOMMUOps smmuv3_aux_pci_ops = {
    .get_address_space = smmuv3_aux_get_address_space,
    .get_iotlb_info = smmuv3_aux_ats_get_iotlb_info,
    .init_iotlb_notifier = smmuv3_aux_ats_init_iotlb_notifier,
    .register_iotlb_notifier = smmuv3_aux_ats_register_iotlb_notifier,
    .unregister_iotlb_notifier = smmuv3_aux_ats_unregister_iotlb_notifier,
    .ats_request_translation = smmuv3_aux_ats_request_translation,
    .ats_invalidation_defer = smmuv3_aux_ats_invalidation_defer,
    .ats_invalidation_complete = smmuv3_aux_ats_invalidation_complete,
    .pri_register_notifier = smmuv3_aux_pri_register_notifier,
    .pri_unregister_notifier = smmuv3_aux_pri_unregister_notifier,
    .pri_request_page = smmuv3_aux_pri_request_page,
};
