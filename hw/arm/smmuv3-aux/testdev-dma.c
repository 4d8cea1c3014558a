/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands of the smmuv3-aux test masters (READ, WRITE, FILL, COPY,
 * BURST, PRI) and the DMA they make, for testdev-core.c's jobs.
 *
 * Every DMA goes through td_core_dma(), the one place that turns TD_PASID
 * and TD_ATTRS into the MemTxAttrs the SMMU sees: pid_valid/pid (SSV,
 * SubstreamID), priv (PnU) and instr (InD).  Like an AXI master, the
 * device sends TD_ATTRS without a PASID too; it does not check the PCI
 * PASID capability's enable bits, which are for the guest driver's
 * benefit.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "system/dma.h"
#include "testdev-core.h"
#include "trace.h"

static bool td_core_is_cached(const TDJob *j)
{
    return FIELD_EX32(j->ctrl, TD_CTRL, CACHED);
}

/*
 * A command without TD_CTRL.ASYNC runs inside the CMD write, that is
 * inside the vCPU's MMIO access and its RCU read section: its DMA reaches
 * RAM only (MemTxAttrs.memory).  Device MMIO from there could make one
 * register write cost without bound: a ROM device in command mode (the
 * virt board's flash) rebuilds the memory map on every word written, and
 * none of the replaced maps can be freed before the access ends (16 MiB
 * would need hundreds of GiB).  An ASYNC command's DMA, in the device's
 * thread with an RCU section per access, reaches anything.
 */
static bool td_core_ram_only(const TDJob *j)
{
    return !FIELD_EX32(j->ctrl, TD_CTRL, ASYNC);
}

/*
 * TD_CTRL.CACHED: one access through a MemoryRegionCache over exactly
 * [iova, iova + len), as virtio does for its rings.  Behind an IOMMU the
 * cache has no direct pointer, so the access takes QEMU's translated slow
 * path, which must translate each page it crosses on its own.
 */
static MemTxResult td_core_cached_rw(TDCore *c, uint64_t iova, void *buf,
                                     uint32_t len, bool is_write)
{
    MemoryRegionCache cache;
    MemTxResult res = MEMTX_DECODE_ERROR;

    RCU_READ_LOCK_GUARD();
    if (address_space_cache_init(&cache, c->as, iova, len, is_write) >= len) {
        res = is_write ? address_space_write_cached(&cache, 0, buf, len)
                       : address_space_read_cached(&cache, 0, buf, len);
    }
    address_space_cache_destroy(&cache);
    return res;
}

/*
 * A job stops early when the device is reset or unrealized: its result
 * would be discarded anyway, and unrealize waits for it.
 */
bool td_core_cancelled(TDCore *c, const TDJob *j)
{
    return qatomic_read(&c->quit) || qatomic_read(&c->epoch) != j->epoch;
}

/*
 * One DMA of at most a page (or one TD_CTRL.CACHED access).  Returns false
 * on a bus or translation error.  The attributes carry what the SMMU input
 * needs: privileged, instruction, SubstreamID.  A TD_CTRL.CACHED access goes
 * through a MemoryRegionCache, which has no attributes: it is always an
 * unprivileged data access without a SubstreamID.
 */
static bool td_core_dma(TDCore *c, TDJob *j, uint64_t iova, void *buf,
                        uint32_t len, bool is_write)
{
    MemTxAttrs attrs = {
        .priv = FIELD_EX32(j->attrs, TD_ATTRS, PRIV),
        .instr = FIELD_EX32(j->attrs, TD_ATTRS, EXEC),
        .pid_valid = FIELD_EX32(j->pasid, TD_PASID, SSV),
        .pid = FIELD_EX32(j->pasid, TD_PASID, SSID),
        .requester_id = j->requester_id,
        .memory = td_core_ram_only(j),
    };
    MemTxResult res;

    /*
     * A reset (or unplug) stops the job at its next access, whatever the
     * command: the CMD that follows a reset waits for that, inside an
     * MMIO write and an RCU read section, so the wait must be one access
     * long, not a 16 MiB command long (a WRITE to a ROM device makes a
     * FlatView per word, none of which can be freed meanwhile).
     */
    if (td_core_cancelled(c, j)) {
        j->err_addr = iova;
        return false;
    }
    if (j->razwi && iova == j->park_iova && is_write == j->park_write) {
        j->razwi = false;           /* the stalled DMA, ended as RAZ/WI */
        if (!is_write) {
            memset(buf, 0, len);
        }
        return true;
    }
    j->dmas++;
    if (FIELD_EX32(j->ctrl, TD_CTRL, ATS)) {
        res = c->ops->ats_dma(c, attrs.pid_valid ? attrs.pid : TD_NO_PASID,
                              iova, buf, len, is_write, attrs.memory) ?
              MEMTX_OK : MEMTX_ERROR;
    } else if (td_core_is_cached(j)) {
        res = td_core_cached_rw(c, iova, buf, len, is_write);
    } else {
        res = dma_memory_rw(c->as, iova, buf, len,
                            is_write ? DMA_DIRECTION_FROM_DEVICE
                                     : DMA_DIRECTION_TO_DEVICE, attrs);
    }
    if (res != MEMTX_OK) {
        j->err_addr = iova;
        if (c->master &&
            smmuv3_aux_master_take_parked_stall(c->master, &j->stall)) {
            /* Not an error: the job goes on from here after the stop. */
            j->parked = true;
            j->park_iova = iova;
            j->park_write = is_write;
            j->dmas--;
            trace_smmuv3_aux_testdev_parked(iova, is_write, j->stall);
            return false;
        }
        trace_smmuv3_aux_testdev_dma_error(iova, len, is_write, res);
        return false;
    }
    return true;
}

/*
 * Bytes of the next DMA: to the end of the page of iova, capped at len; a
 * CACHED command is one access (its len is at most a page).
 */
static uint32_t td_core_chunk(const TDJob *j, uint64_t iova, uint64_t len)
{
    if (td_core_is_cached(j)) {
        return len;
    }
    return MIN(len, TD_PAGE - (iova & (TD_PAGE - 1)));
}

static uint64_t td_core_hash(uint64_t h, const uint8_t *p, size_t n)
{
    while (n--) {
        h = (h ^ *p++) * 0x100000001b3ULL;   /* FNV-1a */
    }
    return h;
}

#define TD_FNV1A_INIT   0xcbf29ce484222325ULL

/*
 * The commands go from j->done to the end, keeping the partial hash or
 * sum in j->result, so that a parked job picks up at the DMA that parked.
 */
static bool td_core_cmd_read(TDCore *c, TDJob *j)
{
    if (!j->done) {
        j->result = TD_FNV1A_INIT;
    }
    while (j->done < j->len) {
        uint64_t iova = j->src + j->done;
        uint32_t n = td_core_chunk(j, iova, j->len - j->done);

        if (!td_core_dma(c, j, iova, c->page, n, false)) {
            return false;
        }
        j->result = td_core_hash(j->result, c->page, n);
        j->done += n;
    }
    return true;
}

/* WRITE and FILL: 32-bit LE words, counting up from PATTERN for WRITE. */
static bool td_core_cmd_write(TDCore *c, TDJob *j)
{
    bool fill = j->cmd == SMMUV3_AUX_TD_CMD_FILL;

    while (j->done < j->len) {
        uint64_t iova = j->dst + j->done, off = j->done;
        uint32_t n = td_core_chunk(j, iova, j->len - j->done), i;

        for (i = 0; i < n; i++, off++) {
            uint32_t word = j->pattern + (fill ? 0 : off / 4);

            c->page[i] = word >> (8 * (off % 4));
        }
        if (!td_core_dma(c, j, iova, c->page, n, true)) {
            return false;
        }
        j->done += n;
    }
    return true;
}

static bool td_core_cmd_copy(TDCore *c, TDJob *j)
{
    if (!j->done) {
        j->result = TD_FNV1A_INIT;
    }
    while (j->done < j->len) {
        uint64_t src = j->src + j->done, dst = j->dst + j->done;
        uint64_t left = j->len - j->done;
        uint32_t n = MIN(td_core_chunk(j, src, left),
                         td_core_chunk(j, dst, left));

        /* A parked write reads its source again: reads are idempotent. */
        if (!td_core_dma(c, j, src, c->page, n, false) ||
            !td_core_dma(c, j, dst, c->page, n, true)) {
            return false;
        }
        j->result = td_core_hash(j->result, c->page, n);
        j->done += n;
    }
    return true;
}

/*
 * Page index of DMA i of a burst.  The Zipf-like order first picks an
 * octave j of [2^j - 1, 2^(j+1) - 1) uniformly, then a page in it, so that
 * page k is chosen with probability about 1/k.  The xorshift sequence is
 * fixed, so every run (and every compared configuration) sees the same
 * pages.
 */
static uint32_t td_core_burst_page(const TDJob *j, uint64_t i,
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

static bool td_core_cmd_burst(TDCore *c, TDJob *j)
{
    int64_t start = get_clock();
    bool ok = true;

    if (!j->done) {
        j->rng = 0x9e3779b97f4a7c15ULL;
        j->result = 0;
    }
    for (; j->done < j->burst_count; j->done++) {
        uint64_t rng = j->rng;
        uint64_t iova = j->src +
            (uint64_t)td_core_burst_page(j, j->done, &rng) * TD_PAGE;

        if (!td_core_dma(c, j, iova, c->page, TD_PAGE, false)) {
            ok = false;
            break;
        }
        j->rng = rng;
        j->result += c->page[0];
    }
    j->burst_ns += get_clock() - start;
    return ok;
}

static bool td_core_check(TDCore *c, const TDJob *j)
{
    if (FIELD_EX32(j->ctrl, TD_CTRL, ATS) &&
        (!c->ops->ats_dma || td_core_is_cached(j))) {
        return false;       /* no ATS, or ATS through a cache: not here */
    }
    if (j->cmd == SMMUV3_AUX_TD_CMD_PRI) {
        return c->ops->pri != NULL;
    }
    if (j->cmd == SMMUV3_AUX_TD_CMD_BURST) {
        return j->burst_pages != 0 && j->burst_count != 0 &&
               j->burst_count <= SMMUV3_AUX_TESTDEV_MAX_BURST;
    }
    if (td_core_is_cached(j)) {
        /* A MemoryRegionCache carries no attributes: no RAM-only access. */
        return !td_core_ram_only(j) &&
               j->len != 0 && j->len <= SMMUV3_AUX_TESTDEV_MAX_CACHED;
    }
    return j->len != 0 && j->len <= SMMUV3_AUX_TESTDEV_MAX_LEN;
}

/*
 * Parked jobs
 * -----------
 * An ASYNC job's DMA that stalls in the SMMU is parked there (include/
 * hw/arm/smmuv3-aux.h): the DMA fails with j->parked, and the worker,
 * outside the DMA, waits in the SMMU for the end software gives the stall
 * (td_core_thread()), then goes on from the DMA that stalled (retried, or
 * RAZ/WI), or fails there (abort).  If the VM stops (migration, savevm,
 * "stop") meanwhile, the job ends early still parked, stays BUSY to
 * software and migrates with its progress; when the VM runs, here or on
 * the destination, the worker takes it up again.  A reset or unplug
 * gives the stall up.  False: the job does not go on now.
 */
static bool td_core_unpark(TDCore *c, TDJob *j)
{
    j->parked = false;
    if (td_core_cancelled(c, j)) {
        smmuv3_aux_master_release_stall(c->master, j->stall);
        j->ok = false;
        return false;
    }
    switch (smmuv3_aux_master_resume_stall(c->master, j->stall)) {
    case SMMUV3_AUX_STALL_END_RETRY:
        return true;
    case SMMUV3_AUX_STALL_END_RAZWI:
        j->razwi = true;
        return true;
    case SMMUV3_AUX_STALL_END_PARKED:
        j->parked = true;
        return false;
    default:
        j->ok = false;
        j->err_addr = j->park_iova;
        return false;
    }
}

/* Run a job: any thread, BQL or not (the DMA API takes it if needed). */
void td_core_exec(TDCore *c, TDJob *j)
{
    trace_smmuv3_aux_testdev_cmd(j->cmd, j->src, j->dst, j->len);
    if (j->parked && !td_core_unpark(c, j)) {
        return;
    }
    if (!td_core_check(c, j)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: bad arguments for command %u "
                      "(len %u, burst %" PRIu64 "x%u, ctrl 0x%x, "
                      "pasid 0x%x)\n", td_core_name(c), j->cmd, j->len,
                      j->burst_count, j->burst_pages, j->ctrl, j->pasid);
        j->ok = false;
        return;
    }
    switch (j->cmd) {
    case SMMUV3_AUX_TD_CMD_READ:
        j->ok = td_core_cmd_read(c, j);
        break;
    case SMMUV3_AUX_TD_CMD_WRITE:
    case SMMUV3_AUX_TD_CMD_FILL:
        j->ok = td_core_cmd_write(c, j);
        break;
    case SMMUV3_AUX_TD_CMD_COPY:
        j->ok = td_core_cmd_copy(c, j);
        break;
    case SMMUV3_AUX_TD_CMD_BURST:
        j->ok = td_core_cmd_burst(c, j);
        break;
    case SMMUV3_AUX_TD_CMD_PRI:
        j->ok = c->ops->pri(c, j);
        if (!j->ok) {
            j->err_addr = j->src;
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: unknown command %u\n",
                      td_core_name(c), j->cmd);
        j->ok = false;
    }
}
