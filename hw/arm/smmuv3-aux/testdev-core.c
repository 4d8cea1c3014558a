/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA engine of the smmuv3-aux test masters: the registers of
 * include/hw/arm/smmuv3-aux-testdev.h and their commands, for the PCIe
 * endpoint (testdev.c) and the platform master (testdev-platform.c).
 *
 * DMA goes through the address space the front end gives, so it is
 * translated by whatever IOMMU sits above the device.  Commands run
 * synchronously in the thread that writes TD_CMD, or with TD_CTRL.ASYNC in
 * the device's own thread without the BQL, so that several devices (and
 * the vCPUs) DMA through the IOMMU at the same time, and so that a DMA can
 * stall in the SMMU; a burst is timed with the host clock.
 *
 * This file runs jobs (the worker thread, completion, registers, reset and
 * migration); the commands themselves and their DMA are testdev-dma.c.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "system/dma.h"
#include "system/runstate.h"
#include "testdev-core.h"
#include "trace.h"

/* For guest-error messages: the device's type. */
const char *td_core_name(TDCore *c)
{
    return object_get_typename(OBJECT(c->dev));
}

/* Publish a finished job in the registers and interrupt (BQL). */
static void td_core_complete(TDCore *c, const TDJob *j)
{
    if (j->epoch != c->epoch) {
        return;                 /* the device was reset meanwhile */
    }
    c->dma_count += j->dmas;
    c->err_addr = j->err_addr;
    if (j->ok) {
        c->result = j->result;
        if (j->cmd == SMMUV3_AUX_TD_CMD_BURST) {
            c->burst_ns = j->burst_ns;
        }
    }
    /* An ERROR already there is a CMD refused while this job ran. */
    c->status = (c->status & R_TD_STATUS_ERROR_MASK) |
                (j->ok ? R_TD_STATUS_DONE_MASK : R_TD_STATUS_ERROR_MASK);
    if (FIELD_EX32(j->ctrl, TD_CTRL, INTR_EN)) {
        c->ops->irq(c, true);
    }
}

/* Hand c->job to the worker (BQL). */
static void td_core_dispatch(TDCore *c)
{
    c->busy = true;
    qatomic_set(&c->job_done, false);
    qemu_mutex_lock(&c->lock);
    c->pending = true;
    qemu_cond_signal(&c->cond);
    qemu_mutex_unlock(&c->lock);
}

static void td_core_done_bh(void *opaque)
{
    TDCore *c = opaque;

    /* Stale: the job was dispatched again since (vm_state_change). */
    if (!qatomic_load_acquire(&c->job_done)) {
        return;
    }
    if (c->job.parked) {
        if (c->job.epoch == c->epoch) {
            /* BUSY until it goes on: now, or when the VM runs again. */
            if (runstate_is_running()) {
                td_core_dispatch(c);
            }
            return;
        }
        smmuv3_aux_master_release_stall(c->master, c->job.stall);
        c->job.parked = false;
    }
    c->busy = false;
    td_core_complete(c, &c->job);
}


/*
 * A VM that stops (for migration, savevm or "stop") has no ASYNC job left
 * running: its DMA would change guest memory after it was saved.  The job
 * is completed, not cancelled: wait for the worker (with the BQL dropped,
 * as a DMA to MMIO may need it) and publish the result now, so that the
 * registers saved say DONE or ERROR, never BUSY.  The wait is bounded by
 * the longest job (SMMUV3_AUX_TESTDEV_MAX_BURST DMAs).  BQL held.
 *
 * With @cancelled, for a job from before a reset, which stops at its next
 * access (td_core_cancelled()) unless that access is stalled in the SMMU:
 * the stall waits for a CMD_RESUME that software cannot send while this
 * holds the BQL, and a guest that re-enabled bus mastering right after an
 * FLR leaves the SMMU no sign that the requester went away.  A reset
 * stops the device's transactions, so their stalls end now, on every
 * round (one may have stalled after the last abort).
 */
static void td_core_finish_job(TDCore *c, bool cancelled)
{
    if (!c->busy) {
        return;
    }
    while (!qatomic_load_acquire(&c->job_done)) {
        if (cancelled && c->master) {
            smmuv3_aux_master_abort_stalls(c->master);
        }
        qemu_cond_timedwait_bql(&c->done_cond, 10);
    }
    qemu_bh_cancel(c->done_bh);
    td_core_done_bh(c);
}

static void td_core_vm_state_change(void *opaque, bool running,
                                    RunState state)
{
    TDCore *c = opaque;

    if (!running) {
        td_core_finish_job(c, false);
    } else if (c->busy && c->job.parked && qatomic_read(&c->job_done)) {
        td_core_dispatch(c);    /* the parked job goes on */
    }
}

static void *td_core_thread(void *opaque)
{
    TDCore *c = opaque;

    /*
     * The DMA API reads the FlatView under rcu_read_lock(); only a
     * registered thread holds a grace period back, so without this a
     * memory transaction (a reset clearing bus mastering) frees the
     * FlatView under a running DMA.
     */
    rcu_register_thread();
    qemu_mutex_lock(&c->lock);
    for (;;) {
        while (!c->pending && !c->quit) {
            qemu_cond_wait(&c->cond, &c->lock);
        }
        if (c->quit) {
            break;
        }
        c->pending = false;
        qemu_mutex_unlock(&c->lock);
        td_core_exec(c, &c->job);
        /* A stall is waited for here, outside the DMA (smmuv3-aux-stall.c) */
        while (c->job.parked && runstate_is_running()) {
            td_core_exec(c, &c->job);
        }
        /* Done before the BH runs: it checks (see td_core_done_bh()). */
        qatomic_store_release(&c->job_done, true);
        qemu_bh_schedule(c->done_bh);
        qemu_cond_broadcast(&c->done_cond);
        qemu_mutex_lock(&c->lock);
    }
    qemu_mutex_unlock(&c->lock);
    rcu_unregister_thread();
    return NULL;
}

/* A CMD write (BQL): run the command now, or hand it to the thread. */
static void td_core_run(TDCore *c, uint32_t cmd)
{
    TDJob j = {
        .cmd = cmd, .ctrl = c->ctrl, .len = c->len, .pattern = c->pattern,
        .pasid = c->pasid, .attrs = c->attrs, .burst_pages = c->burst_pages,
        .burst_order = c->burst_order, .src = c->src, .dst = c->dst,
        .burst_count = c->burst_count, .epoch = c->epoch,
        .requester_id = c->ops->requester_id(c),
    };

    /*
     * A job from before a reset stops early (it checks the epoch) and its
     * result is dropped; a command after the reset waits for it rather
     * than fail, as a reset device is idle to software.
     */
    if (c->busy && c->job.epoch != c->epoch) {
        td_core_finish_job(c, true);
    }
    if (c->busy) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: command %u while the previous "
                      "one still runs\n", td_core_name(c), cmd);
        c->status |= R_TD_STATUS_ERROR_MASK;
        return;
    }
    if (!FIELD_EX32(j.ctrl, TD_CTRL, ASYNC)) {
        c->status = 0;
        td_core_exec(c, &j);
        td_core_complete(c, &j);
        return;
    }
    c->status = R_TD_STATUS_BUSY_MASK;
    c->job = j;
    td_core_dispatch(c);
}

static uint64_t td_core_read_reg(void *opaque, hwaddr addr, unsigned size)
{
    TDCore *c = opaque;
    uint64_t v;

    switch (addr & ~7ULL) {
    case A_TD_MAGIC:
        v = SMMUV3_AUX_TESTDEV_MAGIC | (1ULL << 32);
        break;
    case A_TD_CMD:
        v = (uint64_t)c->status << 32;
        break;
    case A_TD_CTRL:
        v = c->ctrl;
        break;
    case A_TD_SRC:
        v = c->src;
        break;
    case A_TD_DST:
        v = c->dst;
        break;
    case A_TD_LEN:
        v = c->len | ((uint64_t)c->pattern << 32);
        break;
    case A_TD_PASID:
        v = c->pasid | ((uint64_t)c->attrs << 32);
        break;
    case A_TD_RESULT:
        v = c->result;
        break;
    case A_TD_ERR_ADDR:
        v = c->err_addr;
        break;
    case A_TD_BURST_COUNT:
        v = c->burst_count;
        break;
    case A_TD_BURST_PAGES:
        v = c->burst_pages | ((uint64_t)c->burst_order << 32);
        break;
    case A_TD_BURST_NS:
        v = c->burst_ns;
        break;
    case A_TD_DMA_COUNT:
        v = c->dma_count;
        break;
    default:
        if (!c->ops->read_reg || !c->ops->read_reg(c, addr & ~7ULL, &v)) {
            return 0;
        }
    }
    return size == 8 ? v : (uint32_t)(v >> (8 * (addr & 4)));
}

/* Write 'size' bytes at byte offset 'shift' of a 64-bit register. */
static void td_core_deposit(uint64_t *reg, unsigned shift, unsigned size,
                            uint64_t val)
{
    *reg = deposit64(*reg, shift * 8, size * 8, val);
}

static void td_core_write_reg(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    TDCore *c = opaque;
    unsigned shift = addr & 7;

    switch (addr) {
    case A_TD_CMD:
        td_core_run(c, val);
        return;
    case A_TD_STATUS:
        c->status &= ~(val & ~R_TD_STATUS_BUSY_MASK);
        c->ops->irq(c, false);
        return;
    case A_TD_CTRL:
        c->ctrl = val & (R_TD_CTRL_INTR_EN_MASK | R_TD_CTRL_CACHED_MASK |
                         R_TD_CTRL_ASYNC_MASK | R_TD_CTRL_ATS_MASK);
        return;
    case A_TD_LEN:
        c->len = val;
        if (size == 8) {
            c->pattern = val >> 32;
        }
        return;
    case A_TD_PATTERN:
        c->pattern = val;
        return;
    case A_TD_PASID:
        c->pasid = val & (R_TD_PASID_SSID_MASK | R_TD_PASID_SSV_MASK);
        return;
    case A_TD_ATTRS:
        c->attrs = val & (R_TD_ATTRS_PRIV_MASK | R_TD_ATTRS_EXEC_MASK);
        return;
    case A_TD_BURST_PAGES:
        c->burst_pages = val;
        return;
    case A_TD_BURST_ORDER:
        c->burst_order = val & 1;
        return;
    }
    switch (addr & ~7ULL) {
    case A_TD_SRC:
        td_core_deposit(&c->src, shift, size, val);
        return;
    case A_TD_DST:
        td_core_deposit(&c->dst, shift, size, val);
        return;
    case A_TD_BURST_COUNT:
        td_core_deposit(&c->burst_count, shift, size, val);
        return;
    }
    if (c->ops->write_reg && c->ops->write_reg(c, addr, val)) {
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: write to read-only or reserved "
                  "offset 0x%" HWADDR_PRIx "\n", td_core_name(c), addr);
}

const MemoryRegionOps td_core_mmio_ops = {
    .read = td_core_read_reg,
    .write = td_core_write_reg,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

void td_core_realize(TDCore *c, DeviceState *dev, const TDCoreOps *ops,
                     AddressSpace *as)
{
    c->dev = dev;
    c->ops = ops;
    c->as = as;
    qemu_mutex_init(&c->lock);
    qemu_cond_init(&c->cond);
    qemu_cond_init(&c->done_cond);
    c->vmstate_entry = qemu_add_vm_change_state_handler(
        td_core_vm_state_change, c);
    c->done_bh = qemu_bh_new_guarded(td_core_done_bh, c,
                                     &dev->mem_reentrancy_guard);
    qemu_thread_create(&c->thread, "smmuv3-aux-td", td_core_thread, c,
                       QEMU_THREAD_JOINABLE);
}

void td_core_set_smmu_master(TDCore *c, SMMUv3AuxDevice *m)
{
    c->master = m;
    if (m) {
        smmuv3_aux_master_set_stall_parking(m, true);
    }
}

/* A parked job that will not go on: its stall ends (BQL, worker idle). */
static void td_core_drop_parked(TDCore *c)
{
    if (c->busy && c->job.parked && qatomic_read(&c->job_done)) {
        smmuv3_aux_master_release_stall(c->master, c->job.stall);
        c->job.parked = false;
        c->busy = false;
    }
}

void td_core_unrealize(TDCore *c)
{
    qemu_mutex_lock(&c->lock);
    qatomic_set(&c->quit, true);
    qemu_cond_signal(&c->cond);
    qemu_mutex_unlock(&c->lock);
    c->ops->quiesce(c);
    /* A running job may wait for the BQL (DMA to MMIO), as a vCPU may. */
    bql_unlock();
    qemu_thread_join(&c->thread);
    bql_lock();
    td_core_drop_parked(c);
    qemu_del_vm_change_state_handler(c->vmstate_entry);
    qemu_bh_delete(c->done_bh);
    qemu_cond_destroy(&c->done_cond);
    qemu_cond_destroy(&c->cond);
    qemu_mutex_destroy(&c->lock);
}

void td_core_reset(TDCore *c)
{
    /* A job still running stops early and is not published. */
    qatomic_set(&c->epoch, c->epoch + 1);
    if (c->master && c->busy) {
        smmuv3_aux_master_abort_stalls(c->master);
    }
    td_core_drop_parked(c);
    c->status = c->ctrl = c->len = c->pattern = c->pasid = c->attrs = 0;
    c->burst_pages = c->burst_order = 0;
    c->src = c->dst = c->result = c->err_addr = 0;
    c->burst_count = c->burst_ns = c->dma_count = 0;
}

static int td_core_pre_save(void *opaque)
{
    /* A job started over qtest or QMP while the VM was already stopped. */
    td_core_finish_job(opaque, false);
    return 0;
}

/*
 * A parked job (see "Parked jobs"): what it was asked, how far it got and
 * the stall it waits for; the SMMU migrates the stall itself.  It goes on
 * when the destination's VM runs.
 */
static bool td_core_parked_needed(void *opaque)
{
    TDCore *c = opaque;

    return c->busy && c->job.parked;
}

static int td_core_parked_post_load(void *opaque, int version_id)
{
    TDCore *c = opaque;

    if (!c->master) {
        error_report("%s: a parked DMA, but the device is behind no "
                     "arm-smmuv3-aux here", td_core_name(c));
        return -EINVAL;
    }
    c->busy = true;
    c->job.parked = true;
    c->job.epoch = c->epoch;
    c->job.requester_id = c->ops->requester_id(c);
    qatomic_set(&c->job_done, true);
    return 0;
}

static const VMStateDescription vmstate_td_core_parked = {
    .name = "smmuv3-aux-testdev-core/parked",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = td_core_parked_needed,
    .post_load = td_core_parked_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(job.cmd, TDCore),
        VMSTATE_UINT32(job.ctrl, TDCore),
        VMSTATE_UINT32(job.len, TDCore),
        VMSTATE_UINT32(job.pattern, TDCore),
        VMSTATE_UINT32(job.pasid, TDCore),
        VMSTATE_UINT32(job.attrs, TDCore),
        VMSTATE_UINT32(job.burst_pages, TDCore),
        VMSTATE_UINT32(job.burst_order, TDCore),
        VMSTATE_UINT64(job.src, TDCore),
        VMSTATE_UINT64(job.dst, TDCore),
        VMSTATE_UINT64(job.burst_count, TDCore),
        VMSTATE_UINT64(job.result, TDCore),
        VMSTATE_UINT64(job.err_addr, TDCore),
        VMSTATE_UINT64(job.burst_ns, TDCore),
        VMSTATE_UINT64(job.dmas, TDCore),
        VMSTATE_UINT64(job.done, TDCore),
        VMSTATE_UINT64(job.rng, TDCore),
        VMSTATE_UINT64(job.park_iova, TDCore),
        VMSTATE_BOOL(job.park_write, TDCore),
        VMSTATE_BOOL(job.razwi, TDCore),
        VMSTATE_UINT32(job.stall, TDCore),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * No job is running at a save (td_core_finish_job()): it completed, or
 * it is parked (the subsection); the page buffer is scratch of a running
 * job.
 */
const VMStateDescription vmstate_td_core = {
    .name = "smmuv3-aux-testdev-core",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = td_core_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(status, TDCore),
        VMSTATE_UINT32(ctrl, TDCore),
        VMSTATE_UINT32(len, TDCore),
        VMSTATE_UINT32(pattern, TDCore),
        VMSTATE_UINT32(pasid, TDCore),
        VMSTATE_UINT32(attrs, TDCore),
        VMSTATE_UINT32(burst_pages, TDCore),
        VMSTATE_UINT32(burst_order, TDCore),
        VMSTATE_UINT64(src, TDCore),
        VMSTATE_UINT64(dst, TDCore),
        VMSTATE_UINT64(result, TDCore),
        VMSTATE_UINT64(err_addr, TDCore),
        VMSTATE_UINT64(burst_count, TDCore),
        VMSTATE_UINT64(burst_ns, TDCore),
        VMSTATE_UINT64(dma_count, TDCore),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_td_core_parked,
        NULL
    },
};
