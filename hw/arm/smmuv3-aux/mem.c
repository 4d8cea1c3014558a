/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: little-endian guest memory access through the engine
 * ops (see mem.h).
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "mem.h"

bool smmuv3_aux_mem_write_le64s(const SMMUv3AuxEngineOps *ops, void *opaque,
                                uint64_t addr, const uint64_t *qw, unsigned n,
                                SMMUv3AuxMemAttrs attrs)
{
    uint64_t raw[SMMUV3_AUX_MEM_MAX_QWORDS];

    g_assert(n <= ARRAY_SIZE(raw));
    for (unsigned i = 0; i < n; i++) {
        raw[i] = cpu_to_le64(qw[i]);
    }
    return ops->dma_write(opaque, addr, raw, n * sizeof(uint64_t), attrs);
}

bool smmuv3_aux_mem_write_le32(const SMMUv3AuxEngineOps *ops, void *opaque,
                               uint64_t addr, uint32_t val,
                               SMMUv3AuxMemAttrs attrs)
{
    uint32_t raw = cpu_to_le32(val);

    return ops->dma_write(opaque, addr, &raw, sizeof(raw), attrs);
}
