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

SMMUv3AuxMemCas smmuv3_aux_mem_cmpxchg_le64(const SMMUv3AuxEngineOps *ops,
                                            void *opaque, uint64_t addr,
                                            uint64_t *expected, uint64_t val,
                                            SMMUv3AuxMemAttrs attrs)
{
    uint64_t old_le = cpu_to_le64(*expected), seen_le = old_le;

    if (!ops->dma_cmpxchg64(opaque, addr, &seen_le, cpu_to_le64(val),
                            attrs)) {
        return SMMUV3_AUX_MEM_CAS_ABORT;
    }
    if (seen_le != old_le) {
        *expected = le64_to_cpu(seen_le);
        return SMMUV3_AUX_MEM_CAS_CHANGED;
    }
    return SMMUV3_AUX_MEM_CAS_OK;
}
