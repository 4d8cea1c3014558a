/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: guest memory, the floor below every engine file.
 *
 * Every structure the SMMU reads or writes in memory (stream table, CDs,
 * translation tables, queues, CMD_SYNC MSIs) is little-endian here
 * (IDR0.TTENDIAN = LE, and queues are always LE: IHI 0070 3.3, 4.1, 7.2).
 * These helpers are the only place that converts, and the only place that
 * calls SMMUv3AuxEngineOps.dma_read/dma_write, the guest-memory half of
 * the seam to the binding, defined here.  They take the ops table, not the
 * engine, so the walker (ptw.c), which knows nothing of the engine, uses
 * them too.
 */
#ifndef HW_ARM_SMMUV3_AUX_MEM_H
#define HW_ARM_SMMUV3_AUX_MEM_H

#include "qemu/bswap.h"

/*
 * Memory attributes the engine asks for; the binding maps them to
 * MemTxAttrs.  Every access through the ops is to a structure that the
 * architecture requires to be in memory (tables, descriptors, queues):
 * the binding refuses those anywhere but RAM, so a structure pointed at a
 * device's registers is an external abort (IHI 0070 13.1.2: F_STE_FETCH,
 * F_CD_FETCH, F_WALK_EABT, CERROR_ABT, EVENTQ_ABT_ERR), never an MMIO
 * access.  MSIs are not made through the ops: the engine hands them to
 * the binding (engine.h), which writes them without its lock.
 */
typedef struct SMMUv3AuxMemAttrs {
    bool secure;
} SMMUv3AuxMemAttrs;

typedef struct SMMUv3AuxEngineOps {
    /* Read/write guest physical memory; return false on a bus error. */
    bool (*dma_read)(void *opaque, uint64_t pa, void *buf, uint32_t len,
                     SMMUv3AuxMemAttrs attrs);
    bool (*dma_write)(void *opaque, uint64_t pa, const void *buf,
                      uint32_t len, SMMUv3AuxMemAttrs attrs);
    /*
     * Atomic 64-bit compare-and-swap of the little-endian qword at pa (the
     * hardware Access flag / dirty state updates, IHI 0070 3.13): if it
     * holds *expected_le, store new_le.  Either way *expected_le becomes
     * the value the qword held, so the swap happened iff it is unchanged.
     * Atomic against every other agent, a vCPU storing to the same word
     * included.  False on a bus error, and for pa not 8-byte aligned.
     */
    bool (*dma_cmpxchg64)(void *opaque, uint64_t pa, uint64_t *expected_le,
                          uint64_t new_le, SMMUv3AuxMemAttrs attrs);
} SMMUv3AuxEngineOps;


/* The largest structure written in one go: an event record (32 bytes). */
#define SMMUV3_AUX_MEM_MAX_QWORDS   8

/*
 * Read n little-endian qwords at addr into CPU order, straight into qw
 * (no bounce buffer: on a little-endian host the conversion is nothing,
 * and this is on every descriptor a walk reads).  False on an external
 * abort; qw is then undefined.  Inline because the walk's cost is mostly
 * these calls (docs/devel/performance.rst).
 */
static inline bool smmuv3_aux_mem_read_le64s(const SMMUv3AuxEngineOps *ops,
                                             void *opaque, uint64_t addr,
                                             uint64_t *qw, unsigned n,
                                             SMMUv3AuxMemAttrs attrs)
{
    if (!ops->dma_read(opaque, addr, qw, n * sizeof(uint64_t), attrs)) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        le64_to_cpus(&qw[i]);
    }
    return true;
}
/* Write n CPU-order qwords at addr as little-endian; false on an abort. */
bool smmuv3_aux_mem_write_le64s(const SMMUv3AuxEngineOps *ops, void *opaque,
                                uint64_t addr, const uint64_t *qw, unsigned n,
                                SMMUv3AuxMemAttrs attrs);
/* Outcome of smmuv3_aux_mem_cmpxchg_le64(). */
typedef enum SMMUv3AuxMemCas {
    SMMUV3_AUX_MEM_CAS_OK,          /* the qword was *expected; now new */
    SMMUV3_AUX_MEM_CAS_CHANGED,     /* it was not; *expected holds it */
    SMMUV3_AUX_MEM_CAS_ABORT,       /* external abort, nothing written */
} SMMUv3AuxMemCas;

/*
 * Compare-and-swap one little-endian qword, in CPU order: if the qword at
 * addr is *expected, write val.  On CHANGED *expected is the value found.
 */
SMMUv3AuxMemCas smmuv3_aux_mem_cmpxchg_le64(const SMMUv3AuxEngineOps *ops,
                                            void *opaque, uint64_t addr,
                                            uint64_t *expected, uint64_t val,
                                            SMMUv3AuxMemAttrs attrs);
/* Write one little-endian 32-bit word (the CMD_SYNC MSI). */
bool smmuv3_aux_mem_write_le32(const SMMUv3AuxEngineOps *ops, void *opaque,
                               uint64_t addr, uint32_t val,
                               SMMUv3AuxMemAttrs attrs);

#endif
