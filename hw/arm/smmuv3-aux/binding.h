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
#include "qemu/timer.h"
#include "hw/registerfields.h"
#include "exec/memory.h"
#include "hw/pci/pci.h"
#include "hw/sysbus.h"
#include "hw/arm/smmuv3-aux.h"
#include "engine.h"
#include "vcmdq.h"

/* Micro-TLB entries: see "Micro-TLB" in smmuv3-aux.c. */
/* MSIs to device memory waiting for their bottom half (smmuv3-aux-irq.c) */
#define SMMUV3_AUX_MSI_DEFERRED 64

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

/* A PRI notifier a device registered for one of its PASIDs (BQL). */
typedef struct SMMUv3AuxPriNotifier {
    uint32_t pasid;             /* or PCI_NO_PASID */
    IOMMUPRINotifier *n;
    QLIST_ENTRY(SMMUv3AuxPriNotifier) node;
} SMMUv3AuxPriNotifier;

/*
 * One IOMMU memory region per DMA master behind the SMMU: a PCI function
 * (bus, devfn; its StreamID is its requester ID) or a platform master
 * (smmuv3-aux-devices.c; bus NULL, its StreamID fixed).
 */
struct SMMUv3AuxDevice {
    IOMMUMemoryRegion iommu;
    AddressSpace as;
    SMMUv3AuxState *smmu;
    PCIBus *bus;
    int devfn;
    DeviceState *master;        /* platform master */
    uint32_t sid;               /* platform master's StreamID */
    /* smmuv3_aux_master_abort_stalls() calls: a stall waiter gives up. */
    unsigned stall_abort_gen;
    /* May stall: parks them (atomic); the one parked now, + 1 (s->lock). */
    bool stall_parking;
    uint32_t parked_stall;
    unsigned parked_gen;        /* stall_abort_gen when it parked */
    QLIST_ENTRY(SMMUv3AuxDevice) master_node;
    IOMMUNotifierFlag notifier_flags;   /* of the registered notifiers */
    QLIST_HEAD(, SMMUv3AuxPriNotifier) pri_notifiers;
    /* Translations served by the micro-TLB, and by the engine. */
    Stat64 utlb_hits, utlb_misses;
    SMMUv3AuxUtlbEntry utlb[SMMUV3_AUX_UTLB_SIZE];
};

struct SMMUv3AuxState {
    SysBusDevice parent_obj;

    SMMUv3AuxParams params;
    uint32_t msi_device_id;
    PCIBus *primary_bus;

    QemuMutex lock;
    SMMUv3AuxEngine engine;
    bool utlb;                  /* property */
    bool core_tlb;              /* property: the memory core's cache too */
    bool utlb_on;               /* utlb, and caching is allowed at all */

    MemoryRegion iomem;
    MemoryRegion razwi_mr;      /* target of RAZ/WI-terminated accesses */
    MemoryRegion razwi_zero;    /* ... reads, at 0 */
    MemoryRegion razwi_sink;    /* ... writes, at 0x1000 */
    AddressSpace razwi_as;
    qemu_irq irq[SMMUV3_AUX_IRQ_NUM];
    /* PCIBus * -> SMMUv3AuxDevice *[PCI_DEVFN_MAX] */
    GHashTable *devices_by_bus;
    QLIST_HEAD(, SMMUv3AuxDevice) masters;      /* platform masters */
    /* Devices with an IOMMU_NOTIFIER_UNMAP notifier (BQL; atomic reads) */
    int unmap_notified;

    /* Virtual command queues: MMIO region 1 and IRQ 4, when cmdqv=on. */
    bool cmdqv_on;
    SMMUv3AuxCmdqvParams cmdqv_params;
    QemuMutex cmdqv_lock;
    SMMUv3AuxCmdqv *cmdqv;
    MemoryRegion cmdqv_mr;
    qemu_irq cmdqv_irq;

    /* ATS (smmuv3-aux-ats.c): queues to resume, CMD_SYNC deadlines. */
    uint32_t ats_inv_timeout_ms;    /* property "ats-inv-timeout" */
    unsigned long atc_resume[BITS_TO_LONGS(SMMUV3_AUX_ATC_QUEUES)];
    int64_t atc_deadline[SMMUV3_AUX_ATC_QUEUES];
    bool atc_waiting;           /* some CMD_SYNC waits: atc_timer runs */
    bool atc_check;             /* some invalidation was deferred */
    QEMUTimer *atc_timer;
    QEMUBH *atc_bh;

    /* MSIs to device memory, written by msi_bh (smmuv3-aux-irq.c; BQL). */
    SMMUv3AuxIrqReq msi_deferred[SMMUV3_AUX_MSI_DEFERRED];
    unsigned n_msi_deferred;
    QEMUBH *msi_bh;

    /* Stall (smmuv3-aux-stall.c): requesters wait here, under s->lock. */
    QemuCond stall_cond;
    unsigned stall_waiters;
    VMChangeStateEntry *stall_vmstate;  /* kicks waiters at a VM stop */

    /* Migration: the source's ID registers, checked against ours. */
    uint32_t mig_idr[6], mig_iidr, mig_aidr;
    /* ... and its CMDQV_PARAM and cmdqv-hyp-own. */
    uint32_t mig_cmdqv_param;
    bool mig_cmdqv_hyp_own;
    bool mig_cmdqv_loaded;      /* the stream had the CMDQV subsection */
};

/*
 * Deliver what the engine latched; called without s->lock
 * (smmuv3-aux-irq.c).  smmuv3_aux_msi_drain() writes the deferred MSIs at
 * once (BQL, outside any access: migration's pre_save).
 */
void smmuv3_aux_flush_sync_msis(SMMUv3AuxState *s);
void smmuv3_aux_flush_irqs(SMMUv3AuxState *s);
void smmuv3_aux_msi_drain(SMMUv3AuxState *s);
void smmuv3_aux_irq_realize(SMMUv3AuxState *s);
void smmuv3_aux_irq_unrealize(SMMUv3AuxState *s);
void smmuv3_aux_irq_reset(SMMUv3AuxState *s);
void smmuv3_aux_flush_invals(SMMUv3AuxState *s);

/*
 * IOMMU index
 * -----------
 * What of a transaction's MemTxAttrs reaches the engine, packed into the
 * iommu_idx QEMU passes to translate().  0 is an unprivileged data access
 * without a SubstreamID: the default input attributes (IHI 0070 13.1.3),
 * which MEMTXATTRS_UNSPECIFIED and every device that says nothing get.
 */
FIELD(IOMMU_IDX, PRIV, 0, 1)        /* PnU: MemTxAttrs.priv */
FIELD(IOMMU_IDX, INSTR, 1, 1)       /* InD: MemTxAttrs.instr */
FIELD(IOMMU_IDX, SSV, 2, 1)         /* MemTxAttrs.pid_valid */
FIELD(IOMMU_IDX, SSID, 3, 20)       /* MemTxAttrs.pid */
FIELD(IOMMU_IDX, AT, 23, 1)         /* MemTxAttrs.ats_translated */
#define SMMUV3_AUX_IOMMU_NUM_INDEXES    (1 << 24)

/* The iommu_idx of a PCI PASID (PCI_NO_PASID: none) and back. */
int smmuv3_aux_iommu_idx_of_pasid(uint32_t pasid);
uint32_t smmuv3_aux_iommu_idx_pasid(int iommu_idx);

/* smmuv3-aux-devices.c: the devices behind the SMMU (BQL). */
extern const PCIIOMMUOps smmuv3_aux_pci_ops;
/* The engine's guest memory ops (smmuv3-aux-dma.c). */
bool smmuv3_aux_dma_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                         SMMUv3AuxMemAttrs attrs);
bool smmuv3_aux_dma_write(void *opaque, uint64_t pa, const void *buf,
                          uint32_t len, SMMUv3AuxMemAttrs attrs);
bool smmuv3_aux_dma_cmpxchg64(void *opaque, uint64_t pa,
                              uint64_t *expected_le, uint64_t new_le,
                              SMMUv3AuxMemAttrs attrs);

/* QOM getter of the SMMU's "utlb-hits"/"utlb-misses", summed. */
void smmuv3_aux_get_utlb_stat(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp);
SMMUv3AuxDevice *smmuv3_aux_device(SMMUv3AuxState *s, PCIBus *bus,
                                   int devfn);
SMMUv3AuxDevice *smmuv3_aux_device_by_sid(SMMUv3AuxState *s, uint32_t sid);
/* fn(device, opaque) for every PCI function and platform master. */
void smmuv3_aux_foreach_device(SMMUv3AuxState *s,
                               void (*fn)(SMMUv3AuxDevice *, void *),
                               void *opaque);
uint32_t smmuv3_aux_device_sid(SMMUv3AuxDevice *sdev);

/* The StreamID of devfn on bus (iommu-map is 1:1); any thread. */
uint32_t smmuv3_aux_bus_sid(PCIBus *bus, int devfn);

/* smmuv3-aux-ats.c: ATS and PRI (PCIIOMMUOps of patches/qemu/0008). */
void smmuv3_aux_flush_ats_pri(SMMUv3AuxState *s);
void smmuv3_aux_ats_realize(SMMUv3AuxState *s);
void smmuv3_aux_ats_reset_locked(SMMUv3AuxState *s);
void smmuv3_aux_ats_unrealize(SMMUv3AuxState *s);
void smmuv3_aux_ats_post_load(SMMUv3AuxState *s);
void smmuv3_aux_ats_get_iotlb_info(void *opaque, uint8_t *addr_width,
                                   uint32_t *min_page_size);
void smmuv3_aux_ats_init_iotlb_notifier(PCIBus *bus, void *opaque,
                                        int devfn, IOMMUNotifier *n,
                                        IOMMUNotify fn, void *user_opaque);
void smmuv3_aux_ats_register_iotlb_notifier(PCIBus *bus, void *opaque,
                                            int devfn, uint32_t pasid,
                                            IOMMUNotifier *n);
void smmuv3_aux_ats_unregister_iotlb_notifier(PCIBus *bus, void *opaque,
                                              int devfn, uint32_t pasid,
                                              IOMMUNotifier *n);
ssize_t smmuv3_aux_ats_request_translation(PCIBus *bus, void *opaque,
                                           int devfn, uint32_t pasid,
                                           bool priv_req, bool exec_req,
                                           hwaddr addr, size_t length,
                                           bool no_write,
                                           IOMMUTLBEntry *result,
                                           size_t result_length,
                                           uint32_t *err_count);
uint64_t smmuv3_aux_ats_invalidation_defer(PCIBus *bus, void *opaque,
                                           int devfn);
void smmuv3_aux_ats_invalidation_complete(PCIBus *bus, void *opaque,
                                          int devfn, uint64_t tag);
void smmuv3_aux_pri_register_notifier(PCIBus *bus, void *opaque, int devfn,
                                      uint32_t pasid,
                                      IOMMUPRINotifier *notifier);
void smmuv3_aux_pri_unregister_notifier(PCIBus *bus, void *opaque, int devfn,
                                        uint32_t pasid);
int smmuv3_aux_pri_request_page(PCIBus *bus, void *opaque, int devfn,
                                uint32_t pasid, bool priv_req, bool exec_req,
                                hwaddr addr, bool lpig, uint16_t prgi,
                                bool is_read, bool is_write);

/* smmuv3-aux-stall.c: the Stall model. */
bool smmuv3_aux_stall_can_wait(void);
/* May a transaction of @sdev, made by this thread now, stall? */
bool smmuv3_aux_stall_possible(SMMUv3AuxDevice *sdev);
SMMUv3AuxResult smmuv3_aux_stall_park(SMMUv3AuxDevice *sdev, uint32_t stall);
void smmuv3_aux_stall_kick(SMMUv3AuxState *s);
void smmuv3_aux_stall_realize(SMMUv3AuxState *s);
void smmuv3_aux_stall_unrealize(SMMUv3AuxState *s);

/* smmuv3-aux-cmdqv.c: the virtual command queues' part of the device. */
/* Validate the CMDQV properties; false and *errp. */
bool smmuv3_aux_cmdqv_dev_check(SMMUv3AuxState *s, Error **errp);
/* MMIO region 1 and IRQ 4 (after the SMMU's own), the CMDQV state. */
void smmuv3_aux_cmdqv_dev_realize(SMMUv3AuxState *s);
void smmuv3_aux_cmdqv_dev_reset(SMMUv3AuxState *s);
void smmuv3_aux_cmdqv_dev_unrealize(SMMUv3AuxState *s);
/* Run every runnable VCMDQ's commands (no lock held). */
void smmuv3_aux_cmdqv_dev_run(SMMUv3AuxState *s);
/* QOM getter of "vcmdq-commands". */
void smmuv3_aux_cmdqv_dev_get_commands(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp);

/* migration.c */
extern const VMStateDescription smmuv3_aux_vmstate;

#endif
