/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: what the CMDQV's queue logic (vcmdq.c) and its
 * register file (vcmdq-regs.c) share.  Engine-internal.
 */
#ifndef HW_ARM_SMMUV3_AUX_VCMDQ_INTERNAL_H
#define HW_ARM_SMMUV3_AUX_VCMDQ_INTERNAL_H

#include "vcmdq.h"

/* The bits a write can set (also what a migration stream may hold). */
#define VINTF_CONFIG_MASK   (R_VINTF_CONFIG_EN_MASK | \
                             R_VINTF_CONFIG_VMID_MASK | \
                             R_VINTF_CONFIG_HYP_OWN_MASK)
#define SID_MATCH_MASK      (R_VINTF_SID_MATCH_ENABLE_MASK | \
                             R_VINTF_SID_MATCH_VIRT_SID_MASK)
#define VCMDQ_BASE_MASK     (R_VCMDQ_BASE_ADDR_MASK | \
                             R_VCMDQ_BASE_LOG2SIZE_MASK)

static inline bool vcmdq_enabled(const SMMUv3AuxVcmdq *vq)
{
    return FIELD_EX32(vq->config, VCMDQ_CONFIG, EN);
}

/* The VINTF a global queue is allocated to, or -1. */
static inline int vcmdq_vintf(const SMMUv3AuxCmdqv *v, unsigned q)
{
    uint32_t alloc = v->q[q].alloc;
    unsigned i = FIELD_EX32(alloc, CMDQV_CMDQ_ALLOC, VINTF);

    if (!FIELD_EX32(alloc, CMDQV_CMDQ_ALLOC, ALLOCATED) ||
        i >= v->num_vintfs) {
        return -1;
    }
    return i;
}

static inline void kick(SMMUv3AuxCmdqv *v, unsigned q)
{
    v->kick[q / 64] |= 1ULL << (q % 64);
}

/* Something every queue's runnability depends on changed. */
static inline void kick_all(SMMUv3AuxCmdqv *v)
{
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        kick(v, q);
    }
}

/* Recompute every VINTF's logical-to-global queue map from CMDQ_ALLOC. */
void smmuv3_aux_cmdqv_route_rebuild(SMMUv3AuxCmdqv *v);

#endif
