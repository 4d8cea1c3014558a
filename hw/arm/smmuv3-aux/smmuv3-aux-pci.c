/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: the PCI side of the binding.  One IOMMU memory region per
 * PCI function behind the SMMU (PCIIOMMUOps.get_address_space), the
 * lookups of those devices by bus/devfn and by StreamID, their micro-TLB
 * statistics, and the PCIIOMMUOps table, whose ATS and PRI callbacks are
 * in smmuv3-aux-ats.c.
 */

#include "qemu/osdep.h"
#include "qemu/stats64.h"
#include "qapi/visitor.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/arm/smmuv3-aux.h"
#include "binding.h"
#include "trace.h"

/* ---- Micro-TLB statistics (QOM, for benchmarks) ------------------------- */

static uint64_t smmuv3_aux_utlb_stat(SMMUv3AuxDevice *sdev, const char *name)
{
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

/* The same, summed over every device behind the SMMU (BQL held). */
void smmuv3_aux_get_utlb_stat(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    SMMUv3AuxState *s = ARM_SMMUV3_AUX(obj);
    SMMUv3AuxDevice **devs;
    GHashTableIter iter;
    uint64_t val = 0;
    unsigned devfn;

    if (s->devices_by_bus) {
        g_hash_table_iter_init(&iter, s->devices_by_bus);
        while (g_hash_table_iter_next(&iter, NULL, (void **)&devs)) {
            for (devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
                if (devs[devfn]) {
                    val += smmuv3_aux_utlb_stat(devs[devfn], name);
                }
            }
        }
    }
    visit_type_uint64(v, name, &val, errp);
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
    sdev->smmu = s;
    sdev->bus = bus;
    sdev->devfn = devfn;
    name = g_strdup_printf("%s-%s-%02x.%x", TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION,
                           pci_bus_is_root(bus) ? "root" : "bus",
                           PCI_SLOT(devfn), PCI_FUNC(devfn));
    memory_region_init_iommu(&sdev->iommu, sizeof(sdev->iommu),
                             TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION, OBJECT(s),
                             name, UINT64_MAX);
    address_space_init(&sdev->as, MEMORY_REGION(&sdev->iommu), name);
    object_property_add(OBJECT(&sdev->iommu), "utlb-hits", "uint64",
                        smmuv3_aux_get_dev_utlb_stat, NULL, NULL, sdev);
    object_property_add(OBJECT(&sdev->iommu), "utlb-misses", "uint64",
                        smmuv3_aux_get_dev_utlb_stat, NULL, NULL, sdev);
    trace_smmuv3_aux_add_device(name);
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
    SMMUv3AuxDevice **devs;
    GHashTableIter iter;
    unsigned devfn = sid & 0xff;

    g_hash_table_iter_init(&iter, s->devices_by_bus);
    while (g_hash_table_iter_next(&iter, NULL, (void **)&devs)) {
        if (devs[devfn] && smmuv3_aux_device_sid(devs[devfn]) == sid) {
            return devs[devfn];
        }
    }
    return NULL;
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
