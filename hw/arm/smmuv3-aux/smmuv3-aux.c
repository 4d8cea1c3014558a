/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QEMU binding of the SMMUv3 engine.
 *
 * This file is plumbing only: QOM type and properties, the MMIO region,
 * the translate callback of the per-device IOMMU memory regions (created,
 * and told of invalidations, in smmuv3-aux-devices.c), reset, and the
 * engine ops that reach guest memory; interrupts and MSIs are delivered by
 * smmuv3-aux-irq.c.  Everything the SMMUv3 specification defines lives in
 * the engine files next to it.
 *
 * Locking model
 * -------------
 * The register region is dispatched without the BQL (patches/qemu/0006),
 * as IOMMUMemoryRegionClass::translate runs in any thread that does DMA
 * (vCPU threads under MTTCG, iothreads).  One
 * QemuMutex, s->lock, protects the engine state; every engine entry point
 * is called with it held.  Interrupts are never delivered under s->lock:
 * the engine latches them and smmuv3_aux_flush_irqs() delivers them after
 * the lock is dropped, taking the BQL if the calling thread does not hold
 * it (the GIC and the ITS are BQL-protected), and from a bottom half when
 * they go to device memory from inside an access (smmuv3-aux-irq.c).  The
 * lock order is therefore BQL -> s->lock, and s->lock is never held while
 * taking the BQL.  After a register write the same flushers run whether
 * or not the caller holds the BQL: CMD_SYNC completions to RAM are written
 * at once, anything else that needs the BQL (wired IRQs, MSIs to the ITS,
 * UNMAP notifiers, ATS and PRI messages to devices) takes it.
 *
 * The Tegra241-CMDQV-compatible virtual command queues (cmdqv=on) have
 * their own lock, s->cmdqv_lock, so that polling a VCMDQ (CONS, STATUS)
 * never waits for the SMMU's command queue or for a translation; a write
 * that makes a VCMDQ runnable takes its commands out as a job and runs
 * them under s->lock alone (vcmdq.h), so the two locks are never held
 * together there.  The CMDQV region is also dispatched without the BQL
 * (memory_region_enable_lockless_io(), patches/qemu/0006): vCPUs polling
 * and filling their own VCMDQs run in parallel, and take the BQL only to
 * raise the CMDQV interrupt or to tell UNMAP notifiers (vhost, VFIO),
 * which exist only with such devices (smmuv3_aux_flush_invals()).
 *
 * The one exception to "engine state under s->lock" is the translation
 * hit path: each device has a micro-TLB that is read without any lock
 * (see "Micro-TLB" below), so DMA of different devices, and of one device
 * from several threads, does not serialize once it hits.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/lockable.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/seqlock.h"
#include "qemu/stats64.h"
#include "hw/registerfields.h"
#include "qapi/error.h"
#include "qapi/qapi-builtin-visit.h"
#include "qapi/visitor.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"
#include "hw/qdev-properties.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"
#include "system/dma.h"
#include "hw/arm/smmuv3-aux.h"
#include "binding.h"
#include "tlb.h"
#include "vcmdq.h"
#include "trace.h"

/*
 * Micro-TLB
 * ---------
 * Like the per-interface micro-TLBs of real SMMUs, each device (PCI
 * function) has a small direct-mapped cache of the translations the
 * engine returned, in front of the locked engine path, and looked up
 * without taking any lock:
 *
 * - An entry holds the whole result for one input page: the IOVA range
 *   (iova, mask), the output address, the granted IOMMU_RO/WO, and what
 *   the engine's result depended on besides the page: the StreamID (the
 *   bus number of a function behind a bridge can be renumbered without
 *   any SMMU command) and iommu_idx (privilege, InD and SubstreamID, see
 *   "IOMMU index"), so accesses of different kinds are distinct entries.
 *   The engine's own inputs (STE, CD, page tables, registers) are covered
 *   by the generation below.
 * - The engine keeps a 64-bit invalidation generation, e->inval_gen
 *   (engine.h), and bumps it, under s->lock, on everything that can change
 *   a translation result: every CFGI_* and TLBI_* (whatever it names),
 *   writes to CR0, CR1, CR2, GBPA, STRTAB_BASE(_CFG), and reset.  An entry
 *   is tagged with the generation at which it was filled and is only used
 *   while that is still the current generation: any invalidation drops
 *   every entry of every device at once, in O(1).
 * - Each entry has its own seqcount.  Entries are written only under
 *   s->lock, which serializes the writers; readers never write.
 * - Only successful translations are cached.  Faults always take the
 *   locked path, which records their event every time, as the
 *   architecture requires.  The engine's perm says exactly which reads and
 *   writes of this iommu_idx it grants (translate.c, txn_grant()), so an
 *   entry serves what its perm says; any other access goes to the engine,
 *   which faults.
 * - With iotlb-size or cfgc-size 0 the user asked for every transaction
 *   to walk the tables, so the micro-TLB is off too, as it is with
 *   utlb=off and on hosts without 64-bit atomics.
 *
 * Why a hit never returns a translation that a completed invalidation
 * removed.  Write G for e->inval_gen.  G only changes under s->lock, only
 * grows, and 64 bits do not wrap, so an entry tagged g can only match
 * while G == g.
 *
 * 1. Fill.  The filler holds s->lock from before it reads g = G until
 *    after it has written the entry.  G cannot change in that window, so
 *    the value it stores is the engine's result at generation g.  A fill
 *    racing with an invalidation is therefore either entirely before the
 *    bump (tagged g, stale once G = g + 1) or entirely after it (tagged
 *    g + 1, computed from the new state): stale is possible, wrong is not.
 * 2. Read.  The reader loads G, then snapshots the entry between two reads
 *    of its seqcount.  A snapshot overlapping a write (odd or changed
 *    count) is discarded and the locked path is used, so a half-written
 *    entry is never used.  A complete snapshot tagged g == G(loaded) was
 *    filled at generation g (1.), i.e. it is what the engine returned for
 *    this key while G was g, and G was still g when the reader loaded it:
 *    the hit is equivalent to a locked translation taken just before any
 *    later bump.  If the entry was refilled after the load of G it carries
 *    a newer tag and mismatches; it can never carry an older G again.
 * 3. CMD_SYNC.  A TLBI/CFGI bumps G in its handler, before the handler
 *    returns.  Commands run in order under s->lock, so the bump precedes
 *    the completion of every later CMD_SYNC: the guest sees it either
 *    through CMDQ_CONS (read under s->lock, after the bump's unlock) or
 *    through the CMD_SYNC MSI write (after the bump and its smp_wmb()).
 *    A DMA issued after the guest saw the completion is ordered after it
 *    through the guest and the device model (a doorbell, a descriptor the
 *    guest wrote afterwards), and the reader's smp_rmb() before loading G
 *    keeps the load of G after those loads: it sees G >= g + 1, and no
 *    entry filled before the invalidation matches.  Register writes
 *    (CR0, GBPA, STRTAB_BASE*) are complete for the guest when the MMIO
 *    write returns, which is after the bump in the same way.
 *
 * What neither this nor the locked path can give: a translation returned
 * before the bump may still be in use by a device model that has not
 * finished its access when CMD_SYNC completes; QEMU has no way to wait for
 * in-flight DMA, and upstream arm-smmuv3 has the same limit.
 *
 * Cost of a hit: one smp_rmb() (a compiler barrier on x86), two loads of
 * the seqcount and the entry fields, one shared read-mostly load of G, and
 * a per-device counter.  No store to any line shared between devices.
 */
/* The entries and their owners are declared in binding.h. */

/* The StreamID of a PCI function is its requester ID (iommu-map is 1:1). */
uint32_t smmuv3_aux_bus_sid(PCIBus *bus, int devfn)
{
    return PCI_BUILD_BDF(pci_bus_num(bus), devfn);
}

uint32_t smmuv3_aux_device_sid(SMMUv3AuxDevice *sdev)
{
    return sdev->bus ? smmuv3_aux_bus_sid(sdev->bus, sdev->devfn) : sdev->sid;
}

/* The iommu_idx layout is in binding.h. */
int smmuv3_aux_iommu_idx_of_pasid(uint32_t pasid)
{
    uint32_t idx = 0;

    if (pasid != PCI_NO_PASID) {
        idx = FIELD_DP32(idx, IOMMU_IDX, SSV, 1);
        idx = FIELD_DP32(idx, IOMMU_IDX, SSID, pasid);
    }
    return idx;
}

uint32_t smmuv3_aux_iommu_idx_pasid(int iommu_idx)
{
    return FIELD_EX32(iommu_idx, IOMMU_IDX, SSV) ?
           FIELD_EX32(iommu_idx, IOMMU_IDX, SSID) : PCI_NO_PASID;
}

/* ---- engine ops ------------------------------------------------------------ */

static const SMMUv3AuxEngineOps smmuv3_aux_engine_ops = {
    .dma_read = smmuv3_aux_dma_read,
    .dma_write = smmuv3_aux_dma_write,
    .dma_cmpxchg64 = smmuv3_aux_dma_cmpxchg64,
};

/* ---- MMIO ------------------------------------------------------------------ */

static MemTxResult smmuv3_aux_mmio_read(void *opaque, hwaddr offset,
                                        uint64_t *data, unsigned size,
                                        MemTxAttrs attrs)
{
    SMMUv3AuxState *s = opaque;

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        *data = smmuv3_aux_reg_read(&s->engine, offset, size);
    }
    return MEMTX_OK;
}

static MemTxResult smmuv3_aux_mmio_write(void *opaque, hwaddr offset,
                                         uint64_t data, unsigned size,
                                         MemTxAttrs attrs)
{
    SMMUv3AuxState *s = opaque;

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_reg_write(&s->engine, offset, data, size);
    }
    smmuv3_aux_flush_sync_msis(s);
    smmuv3_aux_flush_ats_pri(s);
    smmuv3_aux_flush_invals(s);
    smmuv3_aux_flush_irqs(s);
    smmuv3_aux_stall_kick(s);       /* CMD_RESUME, SMMUEN, EVENTQ_CONS */
    return MEMTX_OK;
}

static const MemoryRegionOps smmuv3_aux_mmio_ops = {
    .read_with_attrs = smmuv3_aux_mmio_read,
    .write_with_attrs = smmuv3_aux_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

/* ---- IOMMU memory regions ------------------------------------------------- */

/* Direct-mapped by 4 KiB page number: sequential IOVAs spread evenly. */
static SMMUv3AuxUtlbEntry *smmuv3_aux_utlb_slot(SMMUv3AuxDevice *sdev,
                                                hwaddr addr)
{
    return &sdev->utlb[(addr >> 12) & (SMMUV3_AUX_UTLB_SIZE - 1)];
}

/* The access type the engine checks: is_write = flag & IOMMU_WO. */
static uint32_t smmuv3_aux_utlb_access(IOMMUAccessFlags flag)
{
    return (flag & IOMMU_WO) ? IOMMU_WO : IOMMU_RO;
}

/* The lock-free hit path; see "Micro-TLB" for why this is safe. */
static bool smmuv3_aux_utlb_lookup(SMMUv3AuxDevice *sdev, uint32_t sid,
                                   hwaddr addr, IOMMUAccessFlags flag,
                                   int iommu_idx, IOMMUTLBEntry *entry)
{
    SMMUv3AuxUtlbEntry *u = smmuv3_aux_utlb_slot(sdev, addr);
    uint64_t gen, egen, iova, mask, pa;
    uint32_t esid, perm;
    int32_t eidx;
    unsigned seq;

    /*
     * Keep the loads that made the caller issue this DMA (a doorbell, a
     * descriptor written after the guest saw CMD_SYNC complete) before
     * the load of the generation: point 3 of the proof.
     */
    smp_rmb();
    gen = qatomic_read_u64(&sdev->smmu->engine.inval_gen);

    seq = seqlock_read_begin(&u->seq);
    egen = qatomic_read_u64(&u->gen);
    esid = qatomic_read(&u->sid);
    eidx = qatomic_read(&u->iommu_idx);
    perm = qatomic_read(&u->perm);
    iova = qatomic_read_u64(&u->iova);
    mask = qatomic_read_u64(&u->mask);
    pa = qatomic_read_u64(&u->pa);
    if (seqlock_read_retry(&u->seq, seq)) {
        return false;       /* a fill is in progress: take the lock */
    }
    if (egen != gen || esid != sid || eidx != iommu_idx ||
        (addr & ~mask) != iova ||
        !(perm & smmuv3_aux_utlb_access(flag))) {
        return false;
    }
    entry->iova = iova;
    entry->translated_addr = pa;
    entry->addr_mask = mask;
    entry->perm = perm;
    return true;
}

/*
 * Called with s->lock held, gen read under the same hold of the lock, after
 * the engine granted entry.  Only writers touch the entries and they all
 * hold s->lock, so nothing else can write the slot meanwhile.
 */
static void smmuv3_aux_utlb_fill(SMMUv3AuxDevice *sdev, uint32_t sid,
                                 hwaddr addr, int iommu_idx, uint64_t gen,
                                 const IOMMUTLBEntry *entry)
{
    SMMUv3AuxUtlbEntry *u = smmuv3_aux_utlb_slot(sdev, addr);

    seqlock_write_begin(&u->seq);
    qatomic_set_u64(&u->gen, gen);
    qatomic_set(&u->sid, sid);
    qatomic_set(&u->iommu_idx, iommu_idx);
    qatomic_set(&u->perm, entry->perm);
    qatomic_set_u64(&u->iova, entry->iova);
    qatomic_set_u64(&u->mask, entry->addr_mask);
    qatomic_set_u64(&u->pa, entry->translated_addr);
    seqlock_write_end(&u->seq);
}

/*
 * RAZ/WI termination (CD.A == 0, IHI 0070 5.5): the access completes
 * successfully, so it is translated into a small address space of the
 * SMMU's own: reads to a page of zeros, writes to a page nobody reads.
 * Both are RAM, so a master whose DMA may reach RAM only
 * (MemTxAttrs.memory) completes too.  Such an entry is never put in the
 * micro-TLB: every access reaches the engine, which records the fault as
 * CD.R says.
 */
#define RAZWI_ZERO      0x0
#define RAZWI_SINK      0x1000

static void smmuv3_aux_razwi_entry(SMMUv3AuxState *s, IOMMUAccessFlags flag,
                                   IOMMUTLBEntry *entry)
{
    bool wi = flag & IOMMU_WO;      /* what the engine checked */

    entry->target_as = &s->razwi_as;
    entry->translated_addr = wi ? RAZWI_SINK : RAZWI_ZERO;
    entry->addr_mask = 0xfff;
    entry->perm = wi ? IOMMU_WO : IOMMU_RO;
    entry->no_cache = true;     /* each access records its fault */
}

/* The RAZ/WI address space: zero page and sink, never migrated. */
static bool smmuv3_aux_razwi_init(SMMUv3AuxState *s, Error **errp)
{
    memory_region_init(&s->razwi_mr, OBJECT(s), "smmuv3-aux-razwi",
                       2 * 0x1000);
    if (!memory_region_init_ram_nomigrate(&s->razwi_zero, OBJECT(s),
                                          "smmuv3-aux-razwi-zero", 0x1000,
                                          errp) ||
        !memory_region_init_ram_nomigrate(&s->razwi_sink, OBJECT(s),
                                          "smmuv3-aux-razwi-sink", 0x1000,
                                          errp)) {
        return false;
    }
    memory_region_set_readonly(&s->razwi_zero, true);
    memory_region_add_subregion(&s->razwi_mr, RAZWI_ZERO, &s->razwi_zero);
    memory_region_add_subregion(&s->razwi_mr, RAZWI_SINK, &s->razwi_sink);
    address_space_init(&s->razwi_as, &s->razwi_mr, "smmuv3-aux-razwi");
    return true;
}

/* The miss path: the engine under s->lock, then the micro-TLB fill. */
static void smmuv3_aux_iommu_translate_slow(SMMUv3AuxDevice *sdev,
                                            uint32_t sid, hwaddr addr,
                                            IOMMUAccessFlags flag,
                                            int iommu_idx,
                                            IOMMUTLBEntry *entry)
{
    SMMUv3AuxState *s = sdev->smmu;
    SMMUv3AuxTxn txn = {
        .sid = sid,
        .iova = addr,
        .is_write = flag & IOMMU_WO,
        .is_priv = FIELD_EX32(iommu_idx, IOMMU_IDX, PRIV),
        .is_exec = FIELD_EX32(iommu_idx, IOMMU_IDX, INSTR),
        .ssv = FIELD_EX32(iommu_idx, IOMMU_IDX, SSV),
        .ssid = FIELD_EX32(iommu_idx, IOMMU_IDX, SSID),
        .can_stall = smmuv3_aux_stall_possible(sdev),
    };
    SMMUv3AuxTxnOut out = { 0 };
    SMMUv3AuxResult res;
    bool irqs;
    uint64_t gen;

    entry->target_as = &address_space_memory;
    entry->iova = addr & ~(hwaddr)0xfff;
    entry->translated_addr = addr & ~(hwaddr)0xfff;
    entry->addr_mask = 0xfff;
    entry->perm = IOMMU_NONE;

    WITH_QEMU_LOCK_GUARD(&s->lock) {
        /*
         * One parked stall a master at a time: an access that crosses a
         * page (TD_CTRL.CACHED) and faults on both must not park twice,
         * or the first handle would be lost and its slot never freed.
         */
        txn.can_stall = txn.can_stall && !sdev->parked_stall;
        /* Before the engine runs, under the same hold of the lock. */
        gen = s->engine.inval_gen;
        res = FIELD_EX32(iommu_idx, IOMMU_IDX, AT) ?
              smmuv3_aux_ats_translated(&s->engine, &txn, &out) :
              smmuv3_aux_translate(&s->engine, &txn, &out);
        if (res == SMMUV3_AUX_TXN_STALL) {
            /* Parked: the access fails, the master waits outside it. */
            res = smmuv3_aux_stall_park(sdev, out.stall);
        }
        if (res == SMMUV3_AUX_TXN_OK) {
            entry->addr_mask = out.addr_mask;
            entry->iova = addr & ~out.addr_mask;
            entry->translated_addr = out.pa & ~out.addr_mask;
            entry->perm = (out.read ? IOMMU_RO : 0) |
                          (out.write ? IOMMU_WO : 0);
            if (s->utlb_on) {
                smmuv3_aux_utlb_fill(sdev, sid, addr, iommu_idx, gen, entry);
            }
        } else if (res == SMMUV3_AUX_TXN_RAZWI) {
            trace_smmuv3_aux_iommu_translate_razwi(sid, addr);
            smmuv3_aux_razwi_entry(s, flag, entry);
        }
        /*
         * What this translation latched (an event's queue interrupt).
         * Whoever latches an interrupt flushes it, so one latched by
         * another thread is not ours to deliver: a translation that
         * latched nothing, as almost all do, skips the second lock.
         */
        irqs = s->engine.irq_pending;
    }
    stat64_add(&sdev->utlb_misses, 1);
    if (irqs) {
        smmuv3_aux_flush_irqs(s);
    }
}

static IOMMUTLBEntry smmuv3_aux_iommu_translate(IOMMUMemoryRegion *mr,
                                                hwaddr addr,
                                                IOMMUAccessFlags flag,
                                                int iommu_idx)
{
    SMMUv3AuxDevice *sdev = container_of(mr, SMMUv3AuxDevice, iommu);
    uint32_t sid = smmuv3_aux_device_sid(sdev);
    IOMMUTLBEntry entry = { .target_as = &address_space_memory };

    if (sdev->smmu->utlb_on &&
        smmuv3_aux_utlb_lookup(sdev, sid, addr, flag, iommu_idx, &entry)) {
        stat64_add(&sdev->utlb_hits, 1);
    } else {
        smmuv3_aux_iommu_translate_slow(sdev, sid, addr, flag, iommu_idx,
                                        &entry);
    }
    trace_smmuv3_aux_iommu_translate(sid, addr, entry.translated_addr,
                                     entry.perm);
    return entry;
}

static int smmuv3_aux_attrs_to_index(IOMMUMemoryRegion *mr, MemTxAttrs attrs)
{
    uint32_t idx = 0;

    if (attrs.unspecified) {
        return 0;
    }
    idx = FIELD_DP32(idx, IOMMU_IDX, PRIV, attrs.priv);
    idx = FIELD_DP32(idx, IOMMU_IDX, INSTR, attrs.instr);
    idx = FIELD_DP32(idx, IOMMU_IDX, AT, attrs.ats_translated);
    if (attrs.pid_valid) {
        idx = FIELD_DP32(idx, IOMMU_IDX, SSV, 1);
        idx = FIELD_DP32(idx, IOMMU_IDX, SSID, attrs.pid);
    }
    return idx;
}

static int smmuv3_aux_num_indexes(IOMMUMemoryRegion *mr)
{
    return SMMUV3_AUX_IOMMU_NUM_INDEXES;
}

static int smmuv3_aux_notify_flag_changed(IOMMUMemoryRegion *mr,
                                          IOMMUNotifierFlag old,
                                          IOMMUNotifierFlag new,
                                          Error **errp)
{
    SMMUv3AuxDevice *sdev = container_of(mr, SMMUv3AuxDevice, iommu);

    trace_smmuv3_aux_notify_flag_changed(smmuv3_aux_device_sid(sdev), old, new);
    if ((new & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) && !sdev->smmu->params.ats) {
        error_setg(errp, "smmuv3-aux: device-IOTLB notifiers need ATS "
                   "(ats=on; sid 0x%x)", smmuv3_aux_device_sid(sdev));
        return -EINVAL;
    }
    if (new & IOMMU_NOTIFIER_MAP) {
        error_setg(errp, "smmuv3-aux: MAP notifiers are not supported "
                   "(sid 0x%x); emulated devices only", smmuv3_aux_device_sid(sdev));
        return -EINVAL;
    }
    if (!!(new & IOMMU_NOTIFIER_UNMAP) != !!(old & IOMMU_NOTIFIER_UNMAP)) {
        /* Under the BQL; read without it by smmuv3_aux_flush_invals(). */
        qatomic_set(&sdev->smmu->unmap_notified,
                    sdev->smmu->unmap_notified +
                    (new & IOMMU_NOTIFIER_UNMAP ? 1 : -1));
    }
    sdev->notifier_flags = new;
    return 0;
}

/* ---- QOM ---------------------------------------------------------------------- */

static void smmuv3_aux_reset_exit(Object *obj, ResetType type)
{
    SMMUv3AuxState *s = ARM_SMMUV3_AUX(obj);

    /*
     * Reset in the exit phase, once every DMA-capable device has quiesced
     * in its enter/hold phases (docs/devel/reset.rst).
     */
    trace_smmuv3_aux_reset_exit();
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_engine_reset(&s->engine);
        smmuv3_aux_ats_reset_locked(s);
    }
    smmuv3_aux_stall_kick(s);       /* the engine aborted every stall */
    smmuv3_aux_irq_reset(s);
    smmuv3_aux_cmdqv_dev_reset(s);
}

static void smmuv3_aux_unrealize(DeviceState *dev)
{
    SMMUv3AuxState *s = ARM_SMMUV3_AUX(dev);

    smmuv3_aux_ats_unrealize(s);
    smmuv3_aux_stall_unrealize(s);
    smmuv3_aux_irq_unrealize(s);
    smmuv3_aux_engine_finalize(&s->engine);
    address_space_destroy(&s->razwi_as);
    g_hash_table_destroy(s->devices_by_bus);
    qemu_mutex_destroy(&s->lock);
    smmuv3_aux_cmdqv_dev_unrealize(s);
}

/*
 * The SMMU sits in front of a root bus (pcie.0, or a pxb-pcie's), and only
 * devices created after it are behind it: a PCI device takes its DMA
 * address space at realize.  Every function already there but a host
 * bridge's own would bypass the SMMU unnoticed, so that is an error.
 */
static bool smmuv3_aux_primary_bus_check(PCIBus *bus, Error **errp)
{
    unsigned devfn;

    if (!pci_bus_is_root(bus)) {
        error_setg(errp, "smmuv3-aux: primary-bus %s is not a root bus "
                   "(pcie.0 or a pxb-pcie's)", bus->qbus.name);
        return false;
    }
    if (bus->iommu_ops) {
        error_setg(errp, "smmuv3-aux: primary-bus %s already has an IOMMU",
                   bus->qbus.name);
        return false;
    }
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *d = bus->devices[devfn];

        if (d && pci_get_word(d->config + PCI_CLASS_DEVICE) !=
                 PCI_CLASS_BRIDGE_HOST) {
            error_setg(errp, "smmuv3-aux: %s is already on primary-bus %s "
                       "and would bypass the SMMU: create the SMMU first",
                       object_get_typename(OBJECT(d)), bus->qbus.name);
            return false;
        }
    }
    return true;
}

static void smmuv3_aux_realize(DeviceState *dev, Error **errp)
{
    SMMUv3AuxState *s = ARM_SMMUV3_AUX(dev);
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);
    const char *why;
    int i;

    if (!s->primary_bus) {
        error_setg(errp, "smmuv3-aux: 'primary-bus' must be set");
        return;
    }
    if (!smmuv3_aux_primary_bus_check(s->primary_bus, errp)) {
        return;
    }
    if (!smmuv3_aux_params_check(&s->params, &why)) {
        error_setg(errp, "smmuv3-aux: %s", why);
        return;
    }
    if (s->cmdqv_on && !smmuv3_aux_cmdqv_dev_check(s, errp)) {
        return;
    }
#ifndef CONFIG_ATOMIC64
    /* HTTU's descriptor updates are 64-bit compare-and-swaps on RAM. */
    if (s->params.httu) {
        error_setg(errp, "smmuv3-aux: httu needs a host with 64-bit atomic "
                   "operations: use httu=0");
        return;
    }
#endif
    /* The last check, before anything that would need undoing. */
    if (!smmuv3_aux_razwi_init(s, errp)) {
        return;
    }

    qemu_mutex_init(&s->lock);
    smmuv3_aux_stall_realize(s);
    smmuv3_aux_irq_realize(s);
    smmuv3_aux_engine_init(&s->engine, &s->params, &smmuv3_aux_engine_ops, s);
    /*
     * A cache size of 0 means "walk on every transaction"; without 64-bit
     * atomics the generation cannot be read without the lock.
     */
#ifdef CONFIG_ATOMIC64
    s->utlb_on = s->utlb && s->params.iotlb_size && s->params.cfgc_size;
#else
    s->utlb_on = false;
#endif
    s->devices_by_bus = g_hash_table_new_full(NULL, NULL, NULL, g_free);

    memory_region_init_io(&s->iomem, OBJECT(s), &smmuv3_aux_mmio_ops, s,
                          TYPE_ARM_SMMUV3_AUX, SMMUV3_AUX_MMIO_SIZE);
    /*
     * Without the BQL: a strict-mode unmap's CMDQ_PROD write and the
     * guest's CMDQ_CONS polls then wait for no other vCPU and for no
     * device emulation; what needs the BQL takes it (see the top).
     */
    memory_region_enable_lockless_io(&s->iomem);
    sysbus_init_mmio(sbd, &s->iomem);
    for (i = 0; i < SMMUV3_AUX_IRQ_NUM; i++) {
        sysbus_init_irq(sbd, &s->irq[i]);
    }
    /* MMIO region 1 and IRQ 4, after the SMMU's own. */
    if (s->cmdqv_on) {
        smmuv3_aux_cmdqv_dev_realize(s);
    }
    smmuv3_aux_ats_realize(s);
    pci_setup_iommu(s->primary_bus, &smmuv3_aux_pci_ops, s);
}

static const Property smmuv3_aux_properties[] = {
    DEFINE_PROP_LINK("primary-bus", SMMUv3AuxState, primary_bus,
                     TYPE_PCI_BUS, PCIBus *),
    DEFINE_PROP_UINT32("msi-device-id", SMMUv3AuxState, msi_device_id, 0),
#define SMMUV3_AUX_PARAM_PROP(kind, field, name, def) \
    DEFINE_PROP_##kind(name, SMMUv3AuxState, params.field, def),
    SMMUV3_AUX_PARAMS(SMMUV3_AUX_PARAM_PROP)
#undef SMMUV3_AUX_PARAM_PROP
    DEFINE_PROP_BOOL("utlb", SMMUv3AuxState, utlb, true),
    DEFINE_PROP_BOOL("core-tlb", SMMUv3AuxState, core_tlb, true),
    /* How long a CMD_SYNC waits for ATS Invalidation Completions. */
    DEFINE_PROP_UINT32("ats-inv-timeout", SMMUv3AuxState,
                       ats_inv_timeout_ms, 500),
    DEFINE_PROP_BOOL("cmdqv", SMMUv3AuxState, cmdqv_on, false),
#define SMMUV3_AUX_CMDQV_PROP(kind, field, name, def) \
    DEFINE_PROP_##kind(name, SMMUv3AuxState, cmdqv_params.field, def),
    SMMUV3_AUX_CMDQV_PARAMS(SMMUV3_AUX_CMDQV_PROP)
#undef SMMUV3_AUX_CMDQV_PROP
};

static void smmuv3_aux_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    dc->desc = "Arm SMMUv3 with substreams (PASID)";
    dc->realize = smmuv3_aux_realize;
    dc->unrealize = smmuv3_aux_unrealize;
    dc->vmsd = &smmuv3_aux_vmstate;
    /*
     * The virt board creates one (iommu=smmuv3-aux) and takes more on its
     * platform bus (-device arm-smmuv3-aux,primary-bus=...), each in front
     * of its own root bus: the board wires MMIO, SPIs, DT and IORT.
     */
    dc->user_creatable = true;
    rc->phases.exit = smmuv3_aux_reset_exit;
    device_class_set_props(dc, smmuv3_aux_properties);
    object_class_property_add(klass, "utlb-hits", "uint64",
                              smmuv3_aux_get_utlb_stat, NULL, NULL, NULL);
    object_class_property_add(klass, "core-tlb-hits", "uint64",
                              smmuv3_aux_get_utlb_stat, NULL, NULL, NULL);
    object_class_property_add(klass, "utlb-misses", "uint64",
                              smmuv3_aux_get_utlb_stat, NULL, NULL, NULL);
    object_class_property_add(klass, "vcmdq-commands", "uint64List",
                              smmuv3_aux_cmdqv_dev_get_commands, NULL, NULL,
                              NULL);
}

static void smmuv3_aux_iommu_memory_region_class_init(ObjectClass *klass,
                                                      void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = smmuv3_aux_iommu_translate;
    imrc->attrs_to_index = smmuv3_aux_attrs_to_index;
    imrc->num_indexes = smmuv3_aux_num_indexes;
    imrc->notify_flag_changed = smmuv3_aux_notify_flag_changed;
}

static const TypeInfo smmuv3_aux_types[] = {
    {
        .name = TYPE_ARM_SMMUV3_AUX,
        .parent = TYPE_SYS_BUS_DEVICE,
        .instance_size = sizeof(SMMUv3AuxState),
        .class_init = smmuv3_aux_class_init,
    },
    {
        .name = TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION,
        .parent = TYPE_IOMMU_MEMORY_REGION,
        .class_init = smmuv3_aux_iommu_memory_region_class_init,
    },
};

DEFINE_TYPES(smmuv3_aux_types)
