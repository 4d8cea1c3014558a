/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux-testdev: the device's ATS capability and ATC, and its PRI
 * capability (testdev-ats.c), through the PCI interfaces of
 * patches/qemu/0008.
 */
#ifndef HW_ARM_SMMUV3_AUX_TESTDEV_ATS_H
#define HW_ARM_SMMUV3_AUX_TESTDEV_ATS_H

#include "qemu/thread.h"
#include "exec/memory.h"
#include "hw/pci/pci_device.h"
#include "hw/arm/smmuv3-aux-testdev.h"

#define TD_ATC_ENTRIES      16
/* Address spaces the ATC caches at once: none (no PASID) and 7 PASIDs. */
#define TD_ATS_SPACES       8

typedef struct TDAtcEntry {
    bool valid;
    uint32_t pasid;         /* PCI_NO_PASID: requested without one */
    uint64_t iova, mask;    /* untranslated range: iova & ~mask */
    uint64_t pa;
    IOMMUAccessFlags perm;
} TDAtcEntry;

struct TDAts;

/* The IOTLB notifier of one address space (PASID) the ATC caches. */
typedef struct TDAtsSpace {
    IOMMUNotifier n;
    struct TDAts *a;
    uint32_t pasid;
    bool registered;        /* n is on the IOMMU (ATS above us) */
} TDAtsSpace;

typedef struct TDAts {
    PCIDevice *dev;
    /* [0] is the space without a PASID; the others on first use (BQL). */
    TDAtsSpace spaces[TD_ATS_SPACES];

    /*
     * lock protects the entries, the in-flight access and the counters:
     * DMA runs in the worker thread, invalidations come under the BQL.
     */
    QemuMutex lock;
    TDAtcEntry e[TD_ATC_ENTRIES];
    unsigned next;          /* round-robin victim */
    uint64_t hits, misses, invs;
    /*
     * The Translated access in flight (worker thread): an invalidation of
     * its range completes only once it is done (PCIe 10.3.1), so its tag
     * waits in inflight_tags.
     */
    bool inflight;
    uint64_t inflight_iova;
    uint64_t inflight_tags[SMMUV3_AUX_TESTDEV_MAX_HELD];
    unsigned n_inflight_tags;

    /* TD_ATS_CTRL.HOLD (BQL) and what it keeps. */
    bool hold;
    uint64_t held[SMMUV3_AUX_TESTDEV_MAX_HELD];
    unsigned n_held;

    /* PRI: the PRG Responses (BQL: the SMMU sends them under it). */
    IOMMUPRINotifier pri;
    bool pri_registered;
    uint64_t pri_resps;
    uint32_t pri_last;
} TDAts;

/* Add the ATS Extended Capability at offset (realize). */
void td_ats_init(TDAts *a, PCIDevice *dev, uint16_t offset);
/* Add the PRI Extended Capability at offset (realize, after td_ats_init). */
void td_pri_init(TDAts *a, uint16_t offset);
/* One Page Request (any thread); false if it could not be sent. */
bool td_pri_request(TDAts *a, uint32_t pasid, uint64_t addr, uint16_t prgi,
                    bool write, bool last);
void td_ats_exit(TDAts *a);
/* Flush the ATC, send the held completions, zero the counters (BQL). */
void td_ats_reset(TDAts *a);
/* TD_ATS_CTRL, TD_ATS_RELEASE and the counters (BQL). */
void td_ats_write_ctrl(TDAts *a, uint32_t val);
void td_ats_release(TDAts *a);
uint64_t td_ats_read(TDAts *a, hwaddr reg);
/* The ATS and PRI state that migrates (a subsection of the device's). */
extern const VMStateDescription vmstate_td_ats;

/*
 * One access of len bytes at iova (within a page) as a Translated
 * request: the ATC's translation, or a Translation Request's, with PASID
 * pasid (PCI_NO_PASID: none), to RAM only if ram_only (MemTxAttrs.memory).
 * Any thread.  False: no translation permits it, or the access failed
 * (the command fails).
 */
bool td_ats_dma(TDAts *a, uint32_t pasid, uint64_t iova, void *buf,
                uint32_t len, bool is_write, bool ram_only);

#endif
