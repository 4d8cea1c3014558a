/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: guest memory, the floor below every engine file.
 *
 * Every structure the SMMU reads or writes in memory (stream table, CDs,
 * translation tables, queues, CMD_SYNC MSIs) is little-endian here
 * (IDR0.TTENDIAN = LE, and queues are always LE: IHI 0070 3.3, 4.1, 7.2).
 * These helpers are the only place that converts, and the only place that
 * calls SMMUv3AuxEngineOps.dma_read/dma_write.  They take the ops table,
 * not the engine, so the walker (ptw.c), which knows nothing of the
 * engine, uses them too.
 */
#ifndef HW_ARM_SMMUV3_AUX_MEM_H
#define HW_ARM_SMMUV3_AUX_MEM_H

#include "engine.h"

/* The largest structure read in one go: an STE or a CD (64 bytes). */
#define SMMUV3_AUX_MEM_MAX_QWORDS   8

/*
 * Read n (at most SMMUV3_AUX_MEM_MAX_QWORDS) little-endian qwords at addr
 * into CPU order.  False on an external abort, with *qw unchanged.
 */
bool smmuv3_aux_mem_read_le64s(const SMMUv3AuxEngineOps *ops, void *opaque,
                               uint64_t addr, uint64_t *qw, unsigned n,
                               SMMUv3AuxMemAttrs attrs);
/* Write n CPU-order qwords at addr as little-endian; false on an abort. */
bool smmuv3_aux_mem_write_le64s(const SMMUv3AuxEngineOps *ops, void *opaque,
                                uint64_t addr, const uint64_t *qw, unsigned n,
                                SMMUv3AuxMemAttrs attrs);
/* Write one little-endian 32-bit word (the CMD_SYNC MSI). */
bool smmuv3_aux_mem_write_le32(const SMMUv3AuxEngineOps *ops, void *opaque,
                               uint64_t addr, uint32_t val,
                               SMMUv3AuxMemAttrs attrs);

#endif
