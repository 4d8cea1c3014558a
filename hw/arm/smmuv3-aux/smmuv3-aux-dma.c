/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux binding: the engine's guest memory ops (SMMUv3AuxEngineOps
 * dma_read, dma_write, dma_cmpxchg64): stream table, CD, page table and
 * queue accesses of the SMMU itself, to address_space_memory.
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/rcu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "system/dma.h"
#include "hw/arm/smmuv3-aux.h"
#include "binding.h"

/*
 * Structure accesses have MemTxAttrs.memory set: QEMU refuses them outside
 * RAM with MEMTX_ACCESS_ERROR, which the engine reports as the architected
 * external abort.  Besides being what the architecture says, this is what
 * keeps a guest from making the engine, which holds s->lock, re-enter the
 * SMMU's own MMIO handler (or any device's) and deadlock.
 */
static MemTxAttrs smmuv3_aux_memattrs(SMMUv3AuxMemAttrs a)
{
    return (MemTxAttrs) { .secure = a.secure, .memory = true };
}

/*
 * Structures are small (a descriptor, an STE, a CD) and almost always in
 * RAM: a copy from the host page, but only for RAM (address_space_read()'s
 * fast path also copies from a ROM device in ROMD mode, which
 * MemTxAttrs.memory refuses).
 */
#define SMMUV3_AUX_DIRECT_READ_MAX  64

/*
 * Table pages.  A walk reads one descriptor from each of four table pages,
 * and consecutive walks read the same pages, so each thread keeps the
 * host address of the last few RAM pages it read structures from, found
 * by physical page number.  An entry is used only while
 * address_space_memory's flat view is still the one the page was found
 * in (AddressSpace.current_map_gen, patches/qemu/0013): then the page is
 * still that RAM, and its RAMBlock cannot be freed before the caller's
 * RCU critical section ends.  Per thread, so no lock: DMA translations,
 * command queues and introspection run in any thread.
 */
#define SMMUV3_AUX_PAGE_CACHE       32      /* a power of 2 */
#define SMMUV3_AUX_TABLE_PAGE       0x1000

typedef struct SMMUv3AuxPageCache {
    uint64_t page;              /* pa >> 12 */
    uint64_t map_gen;
    MemoryRegion *mr;
    uint8_t *host;              /* NULL: empty */
    bool secure;
} SMMUv3AuxPageCache;

static __thread SMMUv3AuxPageCache smmuv3_aux_pages[SMMUV3_AUX_PAGE_CACHE];

/* Called within an RCU critical section; len does not cross the page. */
static bool smmuv3_aux_page_read(uint64_t pa, void *buf, uint32_t len,
                                 MemTxAttrs ma)
{
    uint64_t page = pa / SMMUV3_AUX_TABLE_PAGE;
    SMMUv3AuxPageCache *c =
        &smmuv3_aux_pages[page & (SMMUV3_AUX_PAGE_CACHE - 1)];
    uint64_t gen = qatomic_read_u64(&address_space_memory.current_map_gen);
    hwaddr xlat, l = SMMUV3_AUX_TABLE_PAGE;
    MemoryRegion *mr;

    if (!c->host || c->page != page || c->map_gen != gen ||
        c->secure != ma.secure) {
        smp_rmb();      /* the generation before the view it names */
        mr = address_space_translate(&address_space_memory,
                                     page * SMMUV3_AUX_TABLE_PAGE, &xlat, &l,
                                     false, ma);
        if (l != SMMUV3_AUX_TABLE_PAGE || !memory_region_is_ram(mr) ||
            !memory_access_is_direct(mr, false, ma)) {
            return false;
        }
        *c = (SMMUv3AuxPageCache) {
            .page = page, .map_gen = gen, .mr = mr, .secure = ma.secure,
            .host = qemu_map_ram_ptr(mr->ram_block, xlat),
        };
    }
    fuzz_dma_read_cb(pa, len, c->mr);
    memcpy(buf, c->host + pa % SMMUV3_AUX_TABLE_PAGE, len);
    return true;
}

bool smmuv3_aux_dma_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                         SMMUv3AuxMemAttrs attrs)
{
    MemTxAttrs ma = smmuv3_aux_memattrs(attrs);

    /*
     * Structures are naturally aligned, so they never cross a page;
     * anything that does, or is not RAM, takes the general path.
     */
    if (len <= SMMUV3_AUX_DIRECT_READ_MAX &&
        pa % SMMUV3_AUX_TABLE_PAGE + len <= SMMUV3_AUX_TABLE_PAGE) {
        RCU_READ_LOCK_GUARD();
        if (smmuv3_aux_page_read(pa, buf, len, ma)) {
            return true;
        }
    }
    return address_space_read(&address_space_memory, pa, ma, buf, len)
           == MEMTX_OK;
}

bool smmuv3_aux_dma_write(void *opaque, uint64_t pa, const void *buf,
                          uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    return address_space_write(&address_space_memory, pa,
                               smmuv3_aux_memattrs(attrs), buf, len)
           == MEMTX_OK;
}

/*
 * HTTU's descriptor update (IHI 0070 3.13): one atomic compare-and-swap
 * on the host memory behind pa, so a vCPU storing to the same descriptor
 * (a TCG or KVM store, both plain or atomic host accesses) either lands
 * before it and makes it fail, or after it.  Only writable RAM can do
 * that; anything else (MMIO, ROM, a device's RAM BAR, an unaligned or
 * page-crossing qword) is the external abort the walk reports as
 * F_WALK_EABT, as for reads.  Unmapping with the length written marks the
 * page dirty for migration only when the swap stored.
 */
bool smmuv3_aux_dma_cmpxchg64(void *opaque, uint64_t pa,
                              uint64_t *expected_le, uint64_t new_le,
                              SMMUv3AuxMemAttrs attrs)
{
    MemTxAttrs ma = smmuv3_aux_memattrs(attrs);
    hwaddr xlat, l = sizeof(uint64_t), len = sizeof(uint64_t);
    uint64_t old = *expected_le;
    MemoryRegion *mr;
    uint64_t *host;

    if (pa & (sizeof(uint64_t) - 1)) {
        return false;
    }
    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, pa, &xlat, &l, true,
                                 ma);
    if (l < sizeof(uint64_t) || !memory_region_is_ram(mr) ||
        memory_region_is_rom(mr) || memory_region_is_ram_device(mr)) {
        return false;
    }
    host = address_space_map(&address_space_memory, pa, &len, true, ma);
    if (!host) {
        return false;
    }
    if (len < sizeof(uint64_t)) {
        address_space_unmap(&address_space_memory, host, len, true, 0);
        return false;
    }
    *expected_le = qatomic_cmpxchg__nocheck(host, old, new_le);
    address_space_unmap(&address_space_memory, host, len, true,
                        *expected_le == old ? sizeof(uint64_t) : 0);
    return true;
}
