/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA engine of the smmuv3-aux test masters (testdev-core.c): the
 * registers of include/hw/arm/smmuv3-aux-testdev.h, the commands, the
 * worker thread of TD_CTRL.ASYNC, migration.  The bus front ends embed a
 * TDCore: the PCIe endpoint (testdev.c, with ATS and PRI) and the
 * platform master (testdev-platform.c).
 */
#ifndef HW_ARM_SMMUV3_AUX_TESTDEV_CORE_H
#define HW_ARM_SMMUV3_AUX_TESTDEV_CORE_H

#include "qemu/thread.h"
#include "exec/memory.h"
#include "hw/qdev-core.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "hw/arm/smmuv3-aux.h"
#include "hw/arm/smmuv3-aux-testdev.h"

#define TD_PAGE             4096
#define TD_NO_PASID         UINT32_MAX  /* a DMA without a SubstreamID */

/*
 * One command: the registers it reads, snapshotted when CMD is written, and
 * what it produces.  A running job touches nothing else of the device but
 * its page buffer, so it can run in the device's thread while software
 * reprograms the registers.
 */
typedef struct TDJob {
    uint32_t cmd, ctrl, len, pattern, pasid, attrs, burst_pages, burst_order;
    uint64_t src, dst, burst_count;
    uint32_t epoch;             /* device resets since realize */
    /*
     * MemTxAttrs.requester_id, taken when the job starts (BQL): the bus
     * number comes from bridge registers the BQL protects, and reading it
     * once per job keeps three QOM casts off each DMA.
     */
    uint16_t requester_id;
    /* results */
    bool ok;
    uint64_t result, err_addr, burst_ns, dmas;
    /*
     * Progress, so that a job whose DMA stalled in the SMMU can go on from
     * that DMA, now or after a VM stop (see "Parked jobs" in
     * testdev-core.c): bytes (READ, WRITE, FILL, COPY) or DMAs (BURST)
     * done, the BURST's page sequence, the stalled DMA and how its stall
     * ended.
     */
    uint64_t done, rng, park_iova;
    bool park_write;
    bool parked;                /* waits for SMMU stall handle 'stall' */
    bool razwi;                 /* the stalled DMA ends as RAZ/WI */
    uint32_t stall;
} TDJob;

typedef struct TDCore TDCore;

/* What differs between the bus front ends. */
typedef struct TDCoreOps {
    /*
     * One access through the device's ATC (TD_CTRL.ATS), pasid TD_NO_PASID
     * without one, to RAM only if @ram_only; NULL: no ATS.
     */
    bool (*ats_dma)(TDCore *c, uint32_t pasid, uint64_t iova, void *buf,
                    uint32_t len, bool is_write, bool ram_only);
    /* CMD PRI: send the job's Page Request; NULL: no PRI. */
    bool (*pri)(TDCore *c, const TDJob *j);
    /* The completion interrupt (BQL): raise it, or deassert a level. */
    void (*irq)(TDCore *c, bool raise);
    /* The requester ID of the DMA (MemTxAttrs.requester_id). */
    uint16_t (*requester_id)(TDCore *c);
    /* Registers of the front end (BQL; NULL: none): false if not one. */
    bool (*read_reg)(TDCore *c, hwaddr reg, uint64_t *val);
    bool (*write_reg)(TDCore *c, hwaddr addr, uint64_t val);
    /*
     * Stop mastering the bus (unrealize, before the worker is joined): a
     * stalled DMA of the worker ends then, as a device that quiesces
     * before it goes away would make it.
     */
    void (*quiesce)(TDCore *c);
} TDCoreOps;

struct TDCore {
    DeviceState *dev;
    const TDCoreOps *ops;
    AddressSpace *as;           /* where the DMA goes */
    SMMUv3AuxDevice *master;    /* the smmuv3-aux master it is, or NULL */

    /* Registers; BQL */
    uint32_t status, ctrl, len, pattern, pasid, attrs;
    uint32_t burst_pages, burst_order;
    uint64_t src, dst, result, err_addr;
    uint64_t burst_count, burst_ns, dma_count;
    uint32_t epoch;

    /*
     * TD_CTRL.ASYNC: the worker thread runs one job at a time outside the
     * BQL; done_bh publishes its results under the BQL.  busy (BQL) is set
     * from dispatch until done_bh ran, across a reset too, because the
     * worker owns job and page until then.
     */
    QemuThread thread;
    QemuMutex lock;             /* protects pending; quit is also read
                                   by a running job, atomically */
    QemuCond cond;
    bool pending, quit;
    bool busy;
    QEMUBH *done_bh;
    /*
     * Set (atomically) by the worker once done_bh is scheduled for the
     * job it ran; done_cond is broadcast then.  A VM stop waits for it:
     * see td_core_finish_job().
     */
    bool job_done;
    QemuCond done_cond;
    VMChangeStateEntry *vmstate_entry;
    TDJob job;
    uint8_t page[TD_PAGE];
};

/* Start the worker; as is the DMA address space (realize). */
void td_core_realize(TDCore *c, DeviceState *dev, const TDCoreOps *ops,
                     AddressSpace *as);
/*
 * The device is master m of an arm-smmuv3-aux (NULL: of none): its DMAs
 * may stall, parked, and go on from where they stalled, after a VM stop
 * and a migration too.
 */
void td_core_set_smmu_master(TDCore *c, SMMUv3AuxDevice *m);
/* Stop the worker (unrealize; BQL held, dropped while it is joined). */
void td_core_unrealize(TDCore *c);
/* Device reset: a running job stops early and is not published. */
void td_core_reset(TDCore *c);

/* testdev-dma.c: run job j's command (any thread, BQL or not). */
void td_core_exec(TDCore *c, TDJob *j);
/* Whether a reset or unrealize retired job j: it stops early. */
bool td_core_cancelled(TDCore *c, const TDJob *j);
/* The device's type, for guest-error messages. */
const char *td_core_name(TDCore *c);
/* The register page (SMMUV3_AUX_TESTDEV_REGS_SIZE); opaque: the TDCore. */
extern const MemoryRegionOps td_core_mmio_ops;

/*
 * The registers; a job is completed before a save, unless its DMA is
 * parked on a stall: then it migrates and resumes (a subsection).
 */
extern const VMStateDescription vmstate_td_core;
#define VMSTATE_TD_CORE(field, state) \
    VMSTATE_STRUCT(field, state, 1, vmstate_td_core, TDCore)

#endif
