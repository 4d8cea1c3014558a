/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux-testdev: a PCIe endpoint that issues DMA on request, for
 * qtests, guest tests and benchmarks of the SMMU.
 *
 * The register layout is in include/hw/arm/smmuv3-aux-testdev.h.  DMA goes
 * through the device's bus-master address space, so it is translated by
 * whatever IOMMU sits above the device.  Commands run synchronously in the
 * thread that writes TD_CMD, or with TD_CTRL.ASYNC in the device's own
 * thread without the BQL, so that several devices (and the vCPUs) DMA
 * through the IOMMU at the same time; a burst is timed with the host clock.
 *
 * The device has a PASID extended capability and advertises End-End TLP
 * prefixes in DEVCAP2, which Linux requires before it enables PASID.  Every
 * DMA goes through smmuv3_aux_testdev_dma(), the one place that turns
 * TD_PASID and TD_ATTRS into the MemTxAttrs the SMMU sees: pid_valid/pid
 * (SSV, SubstreamID), priv (PnU) and instr (InD).  Like an AXI master, the
 * device sends TD_ATTRS without a PASID too; it does not check the PASID
 * capability's enable bits, which are for the guest driver's benefit.
 * With the "ats" property it also has an ATS capability and an ATC
 * (testdev-ats.c), used by commands with TD_CTRL.ATS.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "system/dma.h"
#include "hw/arm/smmuv3-aux-testdev.h"
#include "testdev-ats.h"
#include "trace.h"

OBJECT_DECLARE_SIMPLE_TYPE(SMMUv3AuxTestdev, SMMUV3_AUX_TESTDEV)

#define TD_PAGE             4096
#define TD_PCIE_CAP         0x80
#define TD_MSI_CAP          0x50
#define TD_EXT_CAP          0x100   /* PASID, then ATS */

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
    /* results */
    bool ok;
    uint64_t result, err_addr, burst_ns, dmas;
} TDJob;

struct SMMUv3AuxTestdev {
    PCIDevice parent_obj;

    MemoryRegion bar;
    uint8_t pasid_width;
    bool ats_on;                /* property "ats" */
    bool pri_on;                /* property "pri" */
    TDAts ats;

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
     * see smmuv3_aux_testdev_finish_job().
     */
    bool job_done;
    QemuCond done_cond;
    VMChangeStateEntry *vmstate_entry;
    TDJob job;
    uint8_t page[TD_PAGE];
};

static bool smmuv3_aux_testdev_is_cached(const TDJob *j)
{
    return FIELD_EX32(j->ctrl, TD_CTRL, CACHED);
}

/*
 * TD_CTRL.CACHED: one access through a MemoryRegionCache over exactly
 * [iova, iova + len), as virtio does for its rings.  Behind an IOMMU the
 * cache has no direct pointer, so the access takes QEMU's translated slow
 * path, which must translate each page it crosses on its own.
 */
static MemTxResult smmuv3_aux_testdev_cached_rw(SMMUv3AuxTestdev *s,
                                                uint64_t iova, void *buf,
                                                uint32_t len, bool is_write)
{
    MemoryRegionCache cache;
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(s));
    MemTxResult res = MEMTX_DECODE_ERROR;

    RCU_READ_LOCK_GUARD();
    if (address_space_cache_init(&cache, as, iova, len, is_write) >= len) {
        res = is_write ? address_space_write_cached(&cache, 0, buf, len)
                       : address_space_read_cached(&cache, 0, buf, len);
    }
    address_space_cache_destroy(&cache);
    return res;
}

/*
 * One DMA of at most a page (or one TD_CTRL.CACHED access).  Returns false
 * on a bus or translation error.  The attributes carry what the SMMU input
 * needs: privileged, instruction, SubstreamID.  A TD_CTRL.CACHED access goes
 * through a MemoryRegionCache, which has no attributes: it is always an
 * unprivileged data access without a SubstreamID.
 */
static bool smmuv3_aux_testdev_dma(SMMUv3AuxTestdev *s, TDJob *j,
                                   uint64_t iova, void *buf, uint32_t len,
                                   bool is_write)
{
    MemTxAttrs attrs = {
        .priv = FIELD_EX32(j->attrs, TD_ATTRS, PRIV),
        .instr = FIELD_EX32(j->attrs, TD_ATTRS, EXEC),
        .pid_valid = FIELD_EX32(j->pasid, TD_PASID, SSV),
        .pid = FIELD_EX32(j->pasid, TD_PASID, SSID),
        .requester_id = pci_requester_id(PCI_DEVICE(s)),
    };
    MemTxResult res;

    j->dmas++;
    if (FIELD_EX32(j->ctrl, TD_CTRL, ATS)) {
        res = td_ats_dma(&s->ats, attrs.pid_valid ? attrs.pid : PCI_NO_PASID,
                         iova, buf, len, is_write) ? MEMTX_OK : MEMTX_ERROR;
    } else if (smmuv3_aux_testdev_is_cached(j)) {
        res = smmuv3_aux_testdev_cached_rw(s, iova, buf, len, is_write);
    } else {
        res = pci_dma_rw(PCI_DEVICE(s), iova, buf, len,
                         is_write ? DMA_DIRECTION_FROM_DEVICE
                                  : DMA_DIRECTION_TO_DEVICE, attrs);
    }
    if (res != MEMTX_OK) {
        j->err_addr = iova;
        trace_smmuv3_aux_testdev_dma_error(iova, len, is_write, res);
        return false;
    }
    return true;
}

/*
 * Bytes of the next DMA: to the end of the page of iova, capped at len; a
 * CACHED command is one access (its len is at most a page).
 */
static uint32_t smmuv3_aux_testdev_chunk(const TDJob *j, uint64_t iova,
                                         uint64_t len)
{
    if (smmuv3_aux_testdev_is_cached(j)) {
        return len;
    }
    return MIN(len, TD_PAGE - (iova & (TD_PAGE - 1)));
}

static uint64_t smmuv3_aux_testdev_hash(uint64_t h, const uint8_t *p, size_t n)
{
    while (n--) {
        h = (h ^ *p++) * 0x100000001b3ULL;   /* FNV-1a */
    }
    return h;
}

static bool smmuv3_aux_testdev_read(SMMUv3AuxTestdev *s, TDJob *j)
{
    uint64_t iova = j->src, left = j->len, h = 0xcbf29ce484222325ULL;

    while (left) {
        uint32_t n = smmuv3_aux_testdev_chunk(j, iova, left);

        if (!smmuv3_aux_testdev_dma(s, j, iova, s->page, n, false)) {
            return false;
        }
        h = smmuv3_aux_testdev_hash(h, s->page, n);
        iova += n;
        left -= n;
    }
    j->result = h;
    return true;
}

/* WRITE and FILL: 32-bit LE words, counting up from PATTERN for WRITE. */
static bool smmuv3_aux_testdev_write(SMMUv3AuxTestdev *s, TDJob *j)
{
    bool fill = j->cmd == SMMUV3_AUX_TD_CMD_FILL;
    uint64_t iova = j->dst, left = j->len, off = 0;

    while (left) {
        uint32_t n = smmuv3_aux_testdev_chunk(j, iova, left), i;

        for (i = 0; i < n; i++, off++) {
            uint32_t word = j->pattern + (fill ? 0 : off / 4);

            s->page[i] = word >> (8 * (off % 4));
        }
        if (!smmuv3_aux_testdev_dma(s, j, iova, s->page, n, true)) {
            return false;
        }
        iova += n;
        left -= n;
    }
    return true;
}

static bool smmuv3_aux_testdev_copy(SMMUv3AuxTestdev *s, TDJob *j)
{
    uint64_t src = j->src, dst = j->dst, left = j->len;
    uint64_t h = 0xcbf29ce484222325ULL;

    while (left) {
        uint32_t n = MIN(smmuv3_aux_testdev_chunk(j, src, left),
                         smmuv3_aux_testdev_chunk(j, dst, left));

        if (!smmuv3_aux_testdev_dma(s, j, src, s->page, n, false) ||
            !smmuv3_aux_testdev_dma(s, j, dst, s->page, n, true)) {
            return false;
        }
        h = smmuv3_aux_testdev_hash(h, s->page, n);
        src += n;
        dst += n;
        left -= n;
    }
    j->result = h;
    return true;
}

/*
 * Page index of DMA i of a burst.  The Zipf-like order first picks an
 * octave j of [2^j - 1, 2^(j+1) - 1) uniformly, then a page in it, so that
 * page k is chosen with probability about 1/k.  The xorshift sequence is
 * fixed, so every run (and every compared configuration) sees the same
 * pages.
 */
static uint32_t smmuv3_aux_testdev_burst_page(const TDJob *j, uint64_t i,
                                              uint64_t *rng)
{
    uint64_t x = *rng, span;
    unsigned octaves;

    if (!j->burst_order) {
        return i % j->burst_pages;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *rng = x;
    octaves = 32 - clz32(j->burst_pages);
    span = 1ULL << ((x >> 32) % octaves);
    return (span - 1 + (uint32_t)x % span) % j->burst_pages;
}

/*
 * An ASYNC job stops early when the device is reset or unrealized: its
 * result would be discarded anyway, and unrealize waits for it.
 */
static bool smmuv3_aux_testdev_cancelled(SMMUv3AuxTestdev *s, const TDJob *j)
{
    return qatomic_read(&s->quit) || qatomic_read(&s->epoch) != j->epoch;
}

static bool smmuv3_aux_testdev_burst(SMMUv3AuxTestdev *s, TDJob *j)
{
    uint64_t i, rng = 0x9e3779b97f4a7c15ULL, h = 0;
    int64_t start = get_clock();

    for (i = 0; i < j->burst_count; i++) {
        uint64_t iova = j->src +
            (uint64_t)smmuv3_aux_testdev_burst_page(j, i, &rng) * TD_PAGE;

        if (!(i & 1023) && smmuv3_aux_testdev_cancelled(s, j)) {
            return false;
        }

        if (!smmuv3_aux_testdev_dma(s, j, iova, s->page, TD_PAGE, false)) {
            return false;
        }
        h += s->page[0];
    }
    j->burst_ns = get_clock() - start;
    j->result = h;
    return true;
}

static bool smmuv3_aux_testdev_check(SMMUv3AuxTestdev *s, const TDJob *j)
{
    if (FIELD_EX32(j->ctrl, TD_CTRL, ATS) &&
        (!s->ats_on || smmuv3_aux_testdev_is_cached(j))) {
        return false;       /* no ATS, or ATS through a cache: not here */
    }
    if (j->cmd == SMMUV3_AUX_TD_CMD_PRI) {
        return s->pri_on;
    }
    if (j->cmd == SMMUV3_AUX_TD_CMD_BURST) {
        return j->burst_pages != 0 && j->burst_count != 0 &&
               j->burst_count <= SMMUV3_AUX_TESTDEV_MAX_BURST;
    }
    if (smmuv3_aux_testdev_is_cached(j)) {
        return j->len != 0 && j->len <= SMMUV3_AUX_TESTDEV_MAX_CACHED;
    }
    return j->len != 0 && j->len <= SMMUV3_AUX_TESTDEV_MAX_LEN;
}

/* Run a job: any thread, BQL or not (the DMA API takes it if needed). */
static void smmuv3_aux_testdev_exec(SMMUv3AuxTestdev *s, TDJob *j)
{
    trace_smmuv3_aux_testdev_cmd(j->cmd, j->src, j->dst, j->len);
    if (!smmuv3_aux_testdev_check(s, j)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux-testdev: bad arguments "
                      "for command %u (len %u, burst %" PRIu64 "x%u, "
                      "ctrl 0x%x, pasid 0x%x)\n", j->cmd, j->len,
                      j->burst_count, j->burst_pages, j->ctrl, j->pasid);
        j->ok = false;
        return;
    }
    switch (j->cmd) {
    case SMMUV3_AUX_TD_CMD_READ:
        j->ok = smmuv3_aux_testdev_read(s, j);
        break;
    case SMMUV3_AUX_TD_CMD_WRITE:
    case SMMUV3_AUX_TD_CMD_FILL:
        j->ok = smmuv3_aux_testdev_write(s, j);
        break;
    case SMMUV3_AUX_TD_CMD_COPY:
        j->ok = smmuv3_aux_testdev_copy(s, j);
        break;
    case SMMUV3_AUX_TD_CMD_BURST:
        j->ok = smmuv3_aux_testdev_burst(s, j);
        break;
    case SMMUV3_AUX_TD_CMD_PRI:
        j->ok = td_pri_request(&s->ats, FIELD_EX32(j->pasid, TD_PASID, SSV) ?
                               FIELD_EX32(j->pasid, TD_PASID, SSID) :
                               PCI_NO_PASID, j->src, j->pattern & 0x1ff,
                               j->pattern & (1u << 16),
                               !(j->pattern & (1u << 17)));
        if (!j->ok) {
            j->err_addr = j->src;
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3-aux-testdev: unknown command %u\n", j->cmd);
        j->ok = false;
    }
}

/* Publish a finished job in the registers and interrupt (BQL). */
static void smmuv3_aux_testdev_complete(SMMUv3AuxTestdev *s, const TDJob *j)
{
    if (j->epoch != s->epoch) {
        return;                 /* the device was reset meanwhile */
    }
    s->dma_count += j->dmas;
    s->err_addr = j->err_addr;
    if (j->ok) {
        s->result = j->result;
        if (j->cmd == SMMUV3_AUX_TD_CMD_BURST) {
            s->burst_ns = j->burst_ns;
        }
    }
    /* An ERROR already there is a CMD refused while this job ran. */
    s->status = (s->status & R_TD_STATUS_ERROR_MASK) |
                (j->ok ? R_TD_STATUS_DONE_MASK : R_TD_STATUS_ERROR_MASK);
    if (FIELD_EX32(j->ctrl, TD_CTRL, INTR_EN)) {
        if (msi_enabled(PCI_DEVICE(s))) {
            msi_notify(PCI_DEVICE(s), 0);
        } else {
            pci_set_irq(PCI_DEVICE(s), 1);
        }
    }
}

static void smmuv3_aux_testdev_done_bh(void *opaque)
{
    SMMUv3AuxTestdev *s = opaque;

    s->busy = false;
    smmuv3_aux_testdev_complete(s, &s->job);
}

/*
 * A VM that stops (for migration, savevm or "stop") has no ASYNC job left
 * running: its DMA would change guest memory after it was saved.  The job
 * is completed, not cancelled: wait for the worker (with the BQL dropped,
 * as a DMA to MMIO may need it) and publish the result now, so that the
 * registers saved say DONE or ERROR, never BUSY.  The wait is bounded by
 * the longest job (SMMUV3_AUX_TESTDEV_MAX_BURST DMAs).  BQL held.
 */
static void smmuv3_aux_testdev_finish_job(SMMUv3AuxTestdev *s)
{
    if (!s->busy) {
        return;
    }
    while (!qatomic_load_acquire(&s->job_done)) {
        qemu_cond_timedwait_bql(&s->done_cond, 10);
    }
    qemu_bh_cancel(s->done_bh);
    smmuv3_aux_testdev_done_bh(s);
}

static void smmuv3_aux_testdev_vm_state_change(void *opaque, bool running,
                                               RunState state)
{
    if (!running) {
        smmuv3_aux_testdev_finish_job(opaque);
    }
}

static void *smmuv3_aux_testdev_thread(void *opaque)
{
    SMMUv3AuxTestdev *s = opaque;

    /*
     * The DMA API reads the FlatView under rcu_read_lock(); only a
     * registered thread holds a grace period back, so without this a
     * memory transaction (a reset clearing bus mastering) frees the
     * FlatView under a running DMA.
     */
    rcu_register_thread();
    qemu_mutex_lock(&s->lock);
    for (;;) {
        while (!s->pending && !s->quit) {
            qemu_cond_wait(&s->cond, &s->lock);
        }
        if (s->quit) {
            break;
        }
        s->pending = false;
        qemu_mutex_unlock(&s->lock);
        smmuv3_aux_testdev_exec(s, &s->job);
        qemu_bh_schedule(s->done_bh);
        qatomic_store_release(&s->job_done, true);
        qemu_cond_broadcast(&s->done_cond);
        qemu_mutex_lock(&s->lock);
    }
    qemu_mutex_unlock(&s->lock);
    rcu_unregister_thread();
    return NULL;
}

/* A CMD write (BQL): run the command now, or hand it to the thread. */
static void smmuv3_aux_testdev_run(SMMUv3AuxTestdev *s, uint32_t cmd)
{
    TDJob j = {
        .cmd = cmd, .ctrl = s->ctrl, .len = s->len, .pattern = s->pattern,
        .pasid = s->pasid, .attrs = s->attrs, .burst_pages = s->burst_pages,
        .burst_order = s->burst_order, .src = s->src, .dst = s->dst,
        .burst_count = s->burst_count, .epoch = s->epoch,
    };

    /*
     * A job from before a reset stops early (it checks the epoch) and its
     * result is dropped; a command after the reset waits for it rather
     * than fail, as a reset device is idle to software.
     */
    if (s->busy && s->job.epoch != s->epoch) {
        smmuv3_aux_testdev_finish_job(s);
    }
    if (s->busy) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux-testdev: command %u "
                      "while the previous one still runs\n", cmd);
        s->status |= R_TD_STATUS_ERROR_MASK;
        return;
    }
    if (!FIELD_EX32(j.ctrl, TD_CTRL, ASYNC)) {
        s->status = 0;
        smmuv3_aux_testdev_exec(s, &j);
        smmuv3_aux_testdev_complete(s, &j);
        return;
    }
    s->busy = true;
    s->status = R_TD_STATUS_BUSY_MASK;
    qatomic_set(&s->job_done, false);
    qemu_mutex_lock(&s->lock);
    s->job = j;
    s->pending = true;
    qemu_cond_signal(&s->cond);
    qemu_mutex_unlock(&s->lock);
}

static uint64_t smmuv3_aux_testdev_read_reg(void *opaque, hwaddr addr,
                                            unsigned size)
{
    SMMUv3AuxTestdev *s = opaque;
    uint64_t v;

    switch (addr & ~7ULL) {
    case A_TD_MAGIC:
        v = SMMUV3_AUX_TESTDEV_MAGIC | (1ULL << 32);
        break;
    case A_TD_CMD:
        v = (uint64_t)s->status << 32;
        break;
    case A_TD_CTRL:
        v = s->ctrl;
        break;
    case A_TD_SRC:
        v = s->src;
        break;
    case A_TD_DST:
        v = s->dst;
        break;
    case A_TD_LEN:
        v = s->len | ((uint64_t)s->pattern << 32);
        break;
    case A_TD_PASID:
        v = s->pasid | ((uint64_t)s->attrs << 32);
        break;
    case A_TD_RESULT:
        v = s->result;
        break;
    case A_TD_ERR_ADDR:
        v = s->err_addr;
        break;
    case A_TD_BURST_COUNT:
        v = s->burst_count;
        break;
    case A_TD_BURST_PAGES:
        v = s->burst_pages | ((uint64_t)s->burst_order << 32);
        break;
    case A_TD_BURST_NS:
        v = s->burst_ns;
        break;
    case A_TD_DMA_COUNT:
        v = s->dma_count;
        break;
    case A_TD_ATS_CTRL:
        v = td_ats_read(&s->ats, A_TD_ATS_CTRL);
        break;
    case A_TD_ATC_HITS:
    case A_TD_ATC_MISSES:
    case A_TD_ATC_INVS:
    case A_TD_ATC_HELD:
    case A_TD_PRI_RESPS:
    case A_TD_PRI_LAST:
        v = td_ats_read(&s->ats, addr & ~7ULL);
        break;
    default:
        return 0;
    }
    return size == 8 ? v : (uint32_t)(v >> (8 * (addr & 4)));
}

/* Write 'size' bytes at byte offset 'shift' of a 64-bit register. */
static void smmuv3_aux_testdev_deposit(uint64_t *reg, unsigned shift,
                                       unsigned size, uint64_t val)
{
    *reg = deposit64(*reg, shift * 8, size * 8, val);
}

static void smmuv3_aux_testdev_write_reg(void *opaque, hwaddr addr,
                                         uint64_t val, unsigned size)
{
    SMMUv3AuxTestdev *s = opaque;
    unsigned shift = addr & 7;

    switch (addr) {
    case A_TD_CMD:
        smmuv3_aux_testdev_run(s, val);
        return;
    case A_TD_STATUS:
        s->status &= ~(val & ~R_TD_STATUS_BUSY_MASK);
        pci_set_irq(PCI_DEVICE(s), 0);
        return;
    case A_TD_CTRL:
        s->ctrl = val & (R_TD_CTRL_INTR_EN_MASK | R_TD_CTRL_CACHED_MASK |
                         R_TD_CTRL_ASYNC_MASK | R_TD_CTRL_ATS_MASK);
        return;
    case A_TD_ATS_CTRL:
        td_ats_write_ctrl(&s->ats, val);
        return;
    case A_TD_ATS_RELEASE:
        td_ats_release(&s->ats);
        return;
    case A_TD_LEN:
        s->len = val;
        if (size == 8) {
            s->pattern = val >> 32;
        }
        return;
    case A_TD_PATTERN:
        s->pattern = val;
        return;
    case A_TD_PASID:
        s->pasid = val & (R_TD_PASID_SSID_MASK | R_TD_PASID_SSV_MASK);
        return;
    case A_TD_ATTRS:
        s->attrs = val & (R_TD_ATTRS_PRIV_MASK | R_TD_ATTRS_EXEC_MASK);
        return;
    case A_TD_BURST_PAGES:
        s->burst_pages = val;
        return;
    case A_TD_BURST_ORDER:
        s->burst_order = val & 1;
        return;
    }
    switch (addr & ~7ULL) {
    case A_TD_SRC:
        smmuv3_aux_testdev_deposit(&s->src, shift, size, val);
        return;
    case A_TD_DST:
        smmuv3_aux_testdev_deposit(&s->dst, shift, size, val);
        return;
    case A_TD_BURST_COUNT:
        smmuv3_aux_testdev_deposit(&s->burst_count, shift, size, val);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux-testdev: write to read-only "
                  "or reserved offset 0x%" HWADDR_PRIx "\n", addr);
}

static const MemoryRegionOps smmuv3_aux_testdev_ops = {
    .read = smmuv3_aux_testdev_read_reg,
    .write = smmuv3_aux_testdev_write_reg,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static void smmuv3_aux_testdev_realize(PCIDevice *pdev, Error **errp)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(pdev);
    int ret;

    if (s->pasid_width > 20) {
        error_setg(errp, "pasid-width must be at most 20");
        return;
    }
    if (s->pri_on && !s->ats_on) {
        error_setg(errp, "pri=on needs ats=on (PRI builds on ATS)");
        return;
    }
    pci_config_set_interrupt_pin(pdev->config, 1);
    memory_region_init_io(&s->bar, OBJECT(s), &smmuv3_aux_testdev_ops, s,
                          "smmuv3-aux-testdev-regs",
                          SMMUV3_AUX_TESTDEV_BAR_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar);

    ret = pcie_endpoint_cap_init(pdev, TD_PCIE_CAP);
    if (ret < 0) {
        error_setg(errp, "smmuv3-aux-testdev: cannot add the PCIe capability");
        return;
    }
    /* Linux enables PASID only with End-End TLP prefix support. */
    pci_long_test_and_set_mask(pdev->config + pdev->exp.exp_cap +
                               PCI_EXP_DEVCAP2, PCI_EXP_DEVCAP2_EE_PREFIX);
    if (msi_init(pdev, TD_MSI_CAP, 1, true, false, errp) < 0) {
        return;
    }
    /* PASID: width, EXEC and PRIV supported; the enables are the guest's. */
    if (s->pasid_width) {
        pcie_pasid_init(pdev, TD_EXT_CAP, s->pasid_width, true, true);
    }
    if (s->ats_on) {
        uint16_t off = TD_EXT_CAP +
                       (s->pasid_width ? PCI_EXT_CAP_PASID_SIZEOF : 0);

        td_ats_init(&s->ats, pdev, off);
        if (s->pri_on) {
            td_pri_init(&s->ats, off + PCI_EXT_CAP_ATS_SIZEOF);
        }
    }
    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->cond);
    qemu_cond_init(&s->done_cond);
    s->vmstate_entry = qemu_add_vm_change_state_handler(
        smmuv3_aux_testdev_vm_state_change, s);
    s->done_bh = qemu_bh_new_guarded(smmuv3_aux_testdev_done_bh, s,
                                     &DEVICE(s)->mem_reentrancy_guard);
    qemu_thread_create(&s->thread, "smmuv3-aux-td", smmuv3_aux_testdev_thread,
                       s, QEMU_THREAD_JOINABLE);
}

static void smmuv3_aux_testdev_exit(PCIDevice *pdev)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(pdev);

    qemu_mutex_lock(&s->lock);
    qatomic_set(&s->quit, true);
    qemu_cond_signal(&s->cond);
    qemu_mutex_unlock(&s->lock);
    /*
     * Stop mastering the bus first: an IOMMU holding a stalled DMA of the
     * worker ends it then (smmuv3-aux-stall.c), as a device that quiesces
     * before it goes away would make it.
     */
    pci_set_word(pdev->config + PCI_COMMAND,
                 pci_get_word(pdev->config + PCI_COMMAND) &
                 ~PCI_COMMAND_MASTER);
    /* A running job may wait for the BQL (DMA to MMIO), as a vCPU may. */
    bql_unlock();
    qemu_thread_join(&s->thread);
    bql_lock();
    qemu_del_vm_change_state_handler(s->vmstate_entry);
    qemu_bh_delete(s->done_bh);
    qemu_cond_destroy(&s->done_cond);
    qemu_cond_destroy(&s->cond);
    qemu_mutex_destroy(&s->lock);
    if (s->ats_on) {
        td_ats_exit(&s->ats);
    }
    msi_uninit(pdev);
    pcie_cap_exit(pdev);
}

static void smmuv3_aux_testdev_reset(DeviceState *dev)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(dev);

    /* A job still running stops early and is not published. */
    qatomic_set(&s->epoch, s->epoch + 1);
    s->status = s->ctrl = s->len = s->pattern = s->pasid = s->attrs = 0;
    s->burst_pages = s->burst_order = 0;
    s->src = s->dst = s->result = s->err_addr = 0;
    s->burst_count = s->burst_ns = s->dma_count = 0;
    if (s->ats_on) {
        td_ats_reset(&s->ats);
    }
}

static const Property smmuv3_aux_testdev_properties[] = {
    DEFINE_PROP_UINT8("pasid-width", SMMUv3AuxTestdev, pasid_width, 20),
    DEFINE_PROP_BOOL("ats", SMMUv3AuxTestdev, ats_on, true),
    DEFINE_PROP_BOOL("pri", SMMUv3AuxTestdev, pri_on, true),
};

static int smmuv3_aux_testdev_pre_save(void *opaque)
{
    /* A job started over qtest or QMP while the VM was already stopped. */
    smmuv3_aux_testdev_finish_job(opaque);
    return 0;
}

/*
 * The registers and PCI state (config space, MSI).  No job is running at
 * a save (smmuv3_aux_testdev_finish_job()), so none needs resuming; the
 * page buffer is scratch of a running job.
 */
static const VMStateDescription smmuv3_aux_testdev_vmstate = {
    .name = TYPE_SMMUV3_AUX_TESTDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = smmuv3_aux_testdev_pre_save,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SMMUv3AuxTestdev),
        VMSTATE_UINT32(status, SMMUv3AuxTestdev),
        VMSTATE_UINT32(ctrl, SMMUv3AuxTestdev),
        VMSTATE_UINT32(len, SMMUv3AuxTestdev),
        VMSTATE_UINT32(pattern, SMMUv3AuxTestdev),
        VMSTATE_UINT32(pasid, SMMUv3AuxTestdev),
        VMSTATE_UINT32(attrs, SMMUv3AuxTestdev),
        VMSTATE_UINT32(burst_pages, SMMUv3AuxTestdev),
        VMSTATE_UINT32(burst_order, SMMUv3AuxTestdev),
        VMSTATE_UINT64(src, SMMUv3AuxTestdev),
        VMSTATE_UINT64(dst, SMMUv3AuxTestdev),
        VMSTATE_UINT64(result, SMMUv3AuxTestdev),
        VMSTATE_UINT64(err_addr, SMMUv3AuxTestdev),
        VMSTATE_UINT64(burst_count, SMMUv3AuxTestdev),
        VMSTATE_UINT64(burst_ns, SMMUv3AuxTestdev),
        VMSTATE_UINT64(dma_count, SMMUv3AuxTestdev),
        VMSTATE_END_OF_LIST()
    },
};

static void smmuv3_aux_testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    pc->realize = smmuv3_aux_testdev_realize;
    pc->exit = smmuv3_aux_testdev_exit;
    pc->vendor_id = SMMUV3_AUX_TESTDEV_VENDOR_ID;
    pc->device_id = SMMUV3_AUX_TESTDEV_DEVICE_ID;
    pc->class_id = PCI_CLASS_OTHERS;
    dc->desc = "DMA test device for smmuv3-aux";
    dc->vmsd = &smmuv3_aux_testdev_vmstate;
    device_class_set_legacy_reset(dc, smmuv3_aux_testdev_reset);
    device_class_set_props(dc, smmuv3_aux_testdev_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo smmuv3_aux_testdev_info = {
    .name = TYPE_SMMUV3_AUX_TESTDEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SMMUv3AuxTestdev),
    .class_init = smmuv3_aux_testdev_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void smmuv3_aux_testdev_register(void)
{
    type_register_static(&smmuv3_aux_testdev_info);
}

type_init(smmuv3_aux_testdev_register)
