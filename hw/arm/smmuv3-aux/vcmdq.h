/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: virtual command queues compatible with NVIDIA
 * Tegra241 CMDQV (the block Linux drives with tegra241-cmdqv.c).
 *
 * There is no public specification of CMDQV; register names and fields
 * follow Linux's driver (TEGRA241_* macros without the prefix), and what
 * the driver leaves open is decided in vcmdq.c, each decision marked.
 *
 * MMIO layout, offsets from the CMDQV base (0x30000 + 0x20000 * VINTFs):
 *   0x00000  global page: CONFIG, PARAM, STATUS, error maps, CMDQ_ALLOC,
 *            and at 0x1000 + 0x100 * v the VINTF v registers
 *   0x10000  global VCMDQ page 0 (CONS, PROD, CONFIG, STATUS, GERROR(N)),
 *            0x80 per global queue
 *   0x20000  global VCMDQ page 1 (BASE, CONS_INDX_BASE), 0x80 per queue
 *   0x30000 + 0x20000 * i: VINTF i logical page 0, then page 1 at
 *            +0x10000, 0x80 per logical queue, routed through CMDQ_ALLOC
 *
 * Locking.  The CMDQV is its own object beside the SMMU engine, with its
 * own lock in the binding, so that a vCPU polling a VCMDQ (CONS, STATUS:
 * what the driver does most) never waits for the SMMU's command queue or
 * for translations.  smmuv3_aux_cmdqv_read() and _write() touch only
 * CMDQV state and need only the CMDQV lock.  Commands act on the SMMU's
 * caches, so smmuv3_aux_cmdqv_run(), which consumes the queues a write
 * made runnable, needs the engine's lock as well, taken after the CMDQV
 * lock (never the other way round: the engine never calls into the
 * CMDQV).  The architecture orders nothing between two command queues,
 * so nothing else is shared; executing a VCMDQ serializes with the SMMU
 * CMDQ only for the time its commands take the engine lock.
 */
#ifndef HW_ARM_SMMUV3_AUX_VCMDQ_H
#define HW_ARM_SMMUV3_AUX_VCMDQ_H

#include "engine.h"

/* ---- Register map ---------------------------------------------------- */

#define SMMUV3_AUX_CMDQV_PAGE_SIZE      0x10000
#define SMMUV3_AUX_CMDQV_VCMDQ_PAGE0    0x10000
#define SMMUV3_AUX_CMDQV_VCMDQ_PAGE1    0x20000
#define SMMUV3_AUX_CMDQV_VINTF_PAGES    0x30000
#define SMMUV3_AUX_CMDQV_VINTF_STRIDE   0x20000
#define SMMUV3_AUX_CMDQV_VCMDQ_STRIDE   0x80
#define SMMUV3_AUX_CMDQV_VINTF_BASE     0x1000
#define SMMUV3_AUX_CMDQV_VINTF_SIZE     0x100

/* Limits the layout imposes (register widths, see params_check). */
#define SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2 6   /* 64-bit VINTF_ERR_MAP */
#define SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2 7   /* 4 x 32-bit CMDQ_ERR_MAP */
#define SMMUV3_AUX_CMDQV_MAX_SID_LOG2   4   /* SID_MATCH at 0x40..0x7f */
#define SMMUV3_AUX_CMDQV_MAX_VINTFS     (1 << SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2)
#define SMMUV3_AUX_CMDQV_MAX_VCMDQS     (1 << SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2)
#define SMMUV3_AUX_CMDQV_MAX_SIDS       (1 << SMMUV3_AUX_CMDQV_MAX_SID_LOG2)
/* LVCMDQ field of CMDQ_ALLOC: logical queues a VINTF can name. */
#define SMMUV3_AUX_CMDQV_MAX_LVCMDQS    128
/* VCMDQ_LOG2SIZE_MAX of older drivers; PROD/CONS have 19 + 1 bits. */
#define SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE   19

/* Global page */
REG32(CMDQV_CONFIG, 0x0)
    FIELD(CMDQV_CONFIG, CMDQV_EN, 0, 1)
REG32(CMDQV_PARAM, 0x4)
    FIELD(CMDQV_PARAM, VER, 0, 4)
    FIELD(CMDQV_PARAM, NUM_VCMDQ_LOG2, 4, 4)
    FIELD(CMDQV_PARAM, NUM_VINTF_LOG2, 8, 4)
    FIELD(CMDQV_PARAM, NUM_SID_PER_VM_LOG2, 12, 4)
REG32(CMDQV_STATUS, 0x8)
    FIELD(CMDQV_STATUS, CMDQV_ENABLED, 0, 1)
REG32(CMDQV_VINTF_ERR_MAP, 0x14)        /* 64 bits: 0x14, 0x18 */
REG32(CMDQV_VINTF_INT_MASK, 0x1c)       /* 64 bits: 0x1c, 0x20 */
REG32(CMDQV_CMDQ_ERR_MAP, 0x24)         /* 128 bits: 0x24..0x30 */
REG32(CMDQV_CMDQ_ALLOC, 0x200)          /* + 4 * global queue */
    FIELD(CMDQV_CMDQ_ALLOC, ALLOCATED, 0, 1)
    FIELD(CMDQV_CMDQ_ALLOC, LVCMDQ, 1, 7)
    FIELD(CMDQV_CMDQ_ALLOC, VINTF, 15, 6)

/* VINTF v, at SMMUV3_AUX_CMDQV_VINTF_BASE + 0x100 * v */
REG32(VINTF_CONFIG, 0x0)
    FIELD(VINTF_CONFIG, EN, 0, 1)
    FIELD(VINTF_CONFIG, VMID, 1, 16)
    FIELD(VINTF_CONFIG, HYP_OWN, 17, 1)
REG32(VINTF_STATUS, 0x4)
    FIELD(VINTF_STATUS, ENABLED, 0, 1)
    FIELD(VINTF_STATUS, STATUS, 1, 3)
REG32(VINTF_SID_MATCH, 0x40)            /* + 4 * s */
    FIELD(VINTF_SID_MATCH, ENABLE, 0, 1)
    FIELD(VINTF_SID_MATCH, VIRT_SID, 1, 20)
REG32(VINTF_SID_REPLACE, 0x80)          /* + 4 * s */
REG32(VINTF_LVCMDQ_ERR_MAP, 0xc0)       /* 128 bits: 0xc0..0xcc */

/* VCMDQ page 0 slot */
REG32(VCMDQ_CONS, 0x0)
    FIELD(VCMDQ_CONS, RD, 0, 20)
    FIELD(VCMDQ_CONS, ERR, 24, 7)
REG32(VCMDQ_PROD, 0x4)
    FIELD(VCMDQ_PROD, WR, 0, 20)
REG32(VCMDQ_CONFIG, 0x8)
    FIELD(VCMDQ_CONFIG, EN, 0, 1)
REG32(VCMDQ_STATUS, 0xc)
    FIELD(VCMDQ_STATUS, ENABLED, 0, 1)
REG32(VCMDQ_GERROR, 0x10)
    FIELD(VCMDQ_GERROR, CMDQ_ERR, 0, 1)
REG32(VCMDQ_GERRORN, 0x14)

/* VCMDQ page 1 slot (64-bit registers) */
REG64(VCMDQ_BASE, 0x0)
    FIELD(VCMDQ_BASE, LOG2SIZE, 0, 5)
    FIELD(VCMDQ_BASE, ADDR, 5, 43)
REG64(VCMDQ_CONS_INDX_BASE, 0x8)

/* ---- Parameters ------------------------------------------------------ */

/* What PARAM advertises, and whether HYP_OWN can be set. */
typedef struct SMMUv3AuxCmdqvParams {
    uint8_t num_vintf_log2;     /* PARAM.NUM_VINTF_LOG2, 0..6 */
    uint8_t num_vcmdq_log2;     /* PARAM.NUM_VCMDQ_LOG2, vintf_log2..7 */
    uint8_t num_sid_log2;       /* PARAM.NUM_SID_PER_VM_LOG2, 0..4 */
    uint8_t version;            /* PARAM.VER, 0..15 */
    /*
     * false: VINTF_CONFIG.HYP_OWN is wired to zero, as a VMM exposes a
     * CMDQV to a guest kernel (every VINTF takes the guest command set).
     */
    bool hyp_own;
} SMMUv3AuxCmdqvParams;

/* X(kind, field, "property", default), as SMMUV3_AUX_PARAMS. */
#define SMMUV3_AUX_CMDQV_PARAMS(X)                                      \
    X(UINT8, num_vintf_log2, "cmdqv-vintfs-log2", 1)                    \
    X(UINT8, num_vcmdq_log2, "cmdqv-vcmdqs-log2", 3)                    \
    X(UINT8, num_sid_log2, "cmdqv-sids-log2", 4)                        \
    X(UINT8, version, "cmdqv-version", 1)                               \
    X(BOOL, hyp_own, "cmdqv-hyp-own", true)

/* ---- State ----------------------------------------------------------- */

/* One global VCMDQ: its registers and what it has done. */
typedef struct SMMUv3AuxVcmdq {
    uint32_t cons;              /* VCMDQ_CONS: RD and ERR */
    uint32_t prod;              /* VCMDQ_PROD.WR */
    uint32_t config;
    uint32_t gerror, gerrorn;
    uint64_t base;
    uint64_t cons_indx_base;    /* stored; this model never writes it */
    uint32_t alloc;             /* CMDQV_CMDQ_ALLOC of this queue */
    uint64_t n_cmds;            /* commands consumed, for introspection */
    SMMUv3AuxCmd last;          /* the last one, as executed (rewritten) */
} SMMUv3AuxVcmdq;

typedef struct SMMUv3AuxVintf {
    uint32_t config;
    uint32_t sid_match[SMMUV3_AUX_CMDQV_MAX_SIDS];
    uint32_t sid_replace[SMMUV3_AUX_CMDQV_MAX_SIDS];
} SMMUv3AuxVintf;

#define SMMUV3_AUX_CMDQV_NO_ROUTE   0xff

typedef struct SMMUv3AuxCmdqv {
    SMMUv3AuxCmdqvParams params;
    unsigned num_vintfs, num_vcmdqs, num_sids;
    uint32_t config;
    uint64_t vintf_int_mask;
    SMMUv3AuxVintf vintf[SMMUV3_AUX_CMDQV_MAX_VINTFS];
    SMMUv3AuxVcmdq q[SMMUV3_AUX_CMDQV_MAX_VCMDQS];
    /*
     * route[i][l]: the global queue VINTF i's logical queue l is mapped to,
     * or SMMUV3_AUX_CMDQV_NO_ROUTE; recomputed from CMDQ_ALLOC on writes.
     */
    uint8_t route[SMMUV3_AUX_CMDQV_MAX_VINTFS][SMMUV3_AUX_CMDQV_MAX_LVCMDQS];
    /* Global queues a write may have made runnable (for _run()). */
    uint64_t kick[SMMUV3_AUX_CMDQV_MAX_VCMDQS / 64];
    bool irq_pending;           /* the CMDQV error interrupt (an edge) */
} SMMUv3AuxCmdqv;

/* ---- API ------------------------------------------------------------- */

void smmuv3_aux_cmdqv_params_set_defaults(SMMUv3AuxCmdqvParams *p);
/* Check p; on error return false and a static message in *why. */
bool smmuv3_aux_cmdqv_params_check(const SMMUv3AuxCmdqvParams *p,
                                   const char **why);
/* MMIO size for p: the global pages plus two pages per VINTF. */
uint64_t smmuv3_aux_cmdqv_mmio_size(const SMMUv3AuxCmdqvParams *p);
/* p must have passed params_check. */
void smmuv3_aux_cmdqv_init(SMMUv3AuxCmdqv *v, const SMMUv3AuxCmdqvParams *p);
void smmuv3_aux_cmdqv_reset(SMMUv3AuxCmdqv *v);

/* MMIO, size 4 or 8, offset within smmuv3_aux_cmdqv_mmio_size(). */
uint64_t smmuv3_aux_cmdqv_read(SMMUv3AuxCmdqv *v, uint64_t offset,
                               unsigned size);
/* Returns true if a queue may have become runnable: call _run(). */
bool smmuv3_aux_cmdqv_write(SMMUv3AuxCmdqv *v, uint64_t offset,
                            uint64_t val, unsigned size);
/*
 * Consume every queue a write made runnable, executing the commands on e
 * (its caches, its guest memory ops).  Needs both locks (above).
 */
void smmuv3_aux_cmdqv_run(SMMUv3AuxCmdqv *v, SMMUv3AuxEngine *e);
/* The CMDQV interrupt was raised since the last call (edge). */
bool smmuv3_aux_cmdqv_take_irq(SMMUv3AuxCmdqv *v);

/* Live error state, as the *_ERR_MAP registers show it. */
bool smmuv3_aux_vcmdq_in_error(const SMMUv3AuxCmdqv *v, unsigned q);

#endif
