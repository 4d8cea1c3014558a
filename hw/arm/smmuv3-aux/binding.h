/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: the QEMU binding's state, shared by smmuv3-aux.c (QOM, MMIO,
 * IOMMU regions, micro-TLB; its header comment has the locking model) and
 * migration.c (VMState).  Not an engine header: it uses QEMU's types.
 */
#ifndef HW_ARM_SMMUV3_AUX_BINDING_H
#define HW_ARM_SMMUV3_AUX_BINDING_H

#include "qemu/seqlock.h"
#include "qemu/stats64.h"
#include "qemu/thread.h"
#include "exec/memory.h"
#include "hw/pci/pci.h"
#include "hw/sysbus.h"
#include "hw/arm/smmuv3-aux.h"
#include "engine.h"
#include "vcmdq.h"

/* Micro-TLB entries: see "Micro-TLB" in smmuv3-aux.c. */
#define SMMUV3_AUX_UTLB_BITS    8
#define SMMUV3_AUX_UTLB_SIZE    (1u << SMMUV3_AUX_UTLB_BITS)

typedef struct SMMUv3AuxUtlbEntry {
    QemuSeqLock seq;        /* odd while being written (under s->lock) */
    uint32_t sid;
    uint32_t perm;          /* IOMMUTLBEntry.perm the engine returned */
    int32_t iommu_idx;
    uint64_t gen;           /* e->inval_gen at fill time; 0: empty */
    uint64_t iova;          /* input address & ~mask */
    uint64_t mask;          /* addr_mask of the IOMMUTLBEntry */
    uint64_t pa;            /* output address & ~mask */
} SMMUv3AuxUtlbEntry;

/* One IOMMU memory region per PCI function behind the SMMU. */
typedef struct SMMUv3AuxDevice {
    IOMMUMemoryRegion iommu;
    AddressSpace as;
    SMMUv3AuxState *smmu;
    PCIBus *bus;
    int devfn;
    IOMMUNotifierFlag notifier_flags;   /* of the registered notifiers */
    /* Translations served by the micro-TLB, and by the engine. */
    Stat64 utlb_hits, utlb_misses;
    SMMUv3AuxUtlbEntry utlb[SMMUV3_AUX_UTLB_SIZE];
} SMMUv3AuxDevice;

struct SMMUv3AuxState {
    SysBusDevice parent_obj;

    SMMUv3AuxParams params;
    uint32_t msi_device_id;
    PCIBus *primary_bus;

    QemuMutex lock;
    SMMUv3AuxEngine engine;
    bool utlb;                  /* property */
    bool utlb_on;               /* utlb, and caching is allowed at all */

    MemoryRegion iomem;
    MemoryRegion razwi_mr;      /* target of RAZ/WI-terminated accesses */
    AddressSpace razwi_as;
    qemu_irq irq[SMMUV3_AUX_IRQ_NUM];
    /* PCIBus * -> SMMUv3AuxDevice *[PCI_DEVFN_MAX] */
    GHashTable *devices_by_bus;
    /* Devices with an IOMMU_NOTIFIER_UNMAP notifier (BQL; atomic reads) */
    int unmap_notified;

    /* Virtual command queues: MMIO region 1 and IRQ 4, when cmdqv=on. */
    bool cmdqv_on;
    SMMUv3AuxCmdqvParams cmdqv_params;
    QemuMutex cmdqv_lock;
    SMMUv3AuxCmdqv *cmdqv;
    MemoryRegion cmdqv_mr;
    qemu_irq cmdqv_irq;

    /* Migration: the source's ID registers, checked against ours. */
    uint32_t mig_idr[6], mig_iidr, mig_aidr;
    /* ... and its CMDQV_PARAM and cmdqv-hyp-own. */
    uint32_t mig_cmdqv_param;
    bool mig_cmdqv_hyp_own;
    bool mig_cmdqv_loaded;      /* the stream had the CMDQV subsection */
};

/* Deliver what the engine latched; called without s->lock (smmuv3-aux.c). */
void smmuv3_aux_flush_sync_msis(SMMUv3AuxState *s);
void smmuv3_aux_flush_irqs(SMMUv3AuxState *s);
void smmuv3_aux_flush_invals(SMMUv3AuxState *s);

/* smmuv3-aux-cmdqv.c: the virtual command queues' part of the device. */
/* Validate the CMDQV properties; false and *errp. */
bool smmuv3_aux_cmdqv_dev_check(SMMUv3AuxState *s, Error **errp);
/* MMIO region 1 and IRQ 4 (after the SMMU's own), the CMDQV state. */
void smmuv3_aux_cmdqv_dev_realize(SMMUv3AuxState *s);
void smmuv3_aux_cmdqv_dev_reset(SMMUv3AuxState *s);
void smmuv3_aux_cmdqv_dev_unrealize(SMMUv3AuxState *s);
/* QOM getter of "vcmdq-commands". */
void smmuv3_aux_cmdqv_dev_get_commands(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp);

/* migration.c */
extern const VMStateDescription smmuv3_aux_vmstate;

#endif
