/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: virtual command queues compatible with NVIDIA
 * Tegra241 CMDQV (the block Linux drives with tegra241-cmdqv.c).
 *
 * There is no public specification of CMDQV; register names and fields
 * follow Linux's driver (TEGRA241_* macros without the prefix), and what
 * the driver leaves open is decided in vcmdq.c, each decision marked.
 *
 * The register map is in include/hw/arm/smmuv3-aux-cmdqv.h.
 *
 * Locking.  The CMDQV is its own object beside the SMMU engine, with its
 * own lock in the binding, so that a vCPU polling a VCMDQ (CONS, STATUS:
 * what the driver does most) never waits for the SMMU's command queue or
 * for translations.  smmuv3_aux_cmdqv_read() and _write() touch only
 * CMDQV state and need only the CMDQV lock.  Commands act on the SMMU's
 * caches and need the engine's lock; they run as a job (claim, exec,
 * finish below) with the engine's lock only, the CMDQV lock dropped, so
 * that while one CPU's batch executes another polls its own queue, or
 * submits to it, without waiting.  The two locks are never held together
 * on this path, and the engine never calls into the CMDQV.  The
 * architecture orders nothing between two command queues, so nothing else
 * is shared: executing a VCMDQ serializes with the SMMU CMDQ and with
 * other VCMDQs only for the time its commands hold the engine lock, as
 * their effects on the shared caches must.  (The binding also dispatches
 * the CMDQV's MMIO without the BQL: patches/qemu/0006.)
 */
#ifndef HW_ARM_SMMUV3_AUX_VCMDQ_H
#define HW_ARM_SMMUV3_AUX_VCMDQ_H

#include "hw/arm/smmuv3-aux-cmdqv.h"
#include "engine.h"

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
    /* A job of this queue is running (claimed, not finished). */
    bool busy;
    /* Bumped by writes to CONS and BASE: a running job's CONS is stale. */
    uint32_t seq;
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
    uint32_t epoch;             /* bumped by reset: running jobs are void */
} SMMUv3AuxCmdqv;

/*
 * One queue's consumption, taken out of the CMDQV so that it runs under
 * the engine's lock alone (see Locking above): everything the consumer
 * needs from the CMDQV's registers is copied in, the result copied out.
 */
typedef struct SMMUv3AuxVcmdqJob {
    unsigned q;                 /* global queue */
    uint32_t epoch, seq;        /* of the CMDQV and the queue at claim */
    uint64_t base;              /* VCMDQ_BASE */
    uint32_t prod, cons;        /* PROD.WR, CONS.RD */
    bool hyp_own;               /* of the VINTF: no filter */
    uint16_t vmid;
    unsigned n_sids;
    uint32_t sid_match[SMMUV3_AUX_CMDQV_MAX_SIDS];
    uint32_t sid_replace[SMMUV3_AUX_CMDQV_MAX_SIDS];
    /* Out: where CONS got to, the error there, what was consumed. */
    uint32_t cons_out;
    SMMUv3AuxCmdError err;
    unsigned n_consumed;
    SMMUv3AuxCmd last;
} SMMUv3AuxVcmdqJob;

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
 * Consuming the queues a write made runnable, in three steps, so that no
 * lock is held across another queue's commands:
 *  - _claim(), CMDQV lock: pick a runnable queue that no job is running,
 *    mark it busy and fill *job from its registers; false when none is
 *    left;
 *  - _exec(), engine lock only: execute the job's commands on e (its
 *    caches, its guest memory ops);
 *  - _finish(), CMDQV lock: store CONS, the counters and any error,
 *    unless a reset or a write to CONS/BASE came in between, and free the
 *    queue; a PROD written meanwhile left it runnable for the next claim.
 */
bool smmuv3_aux_cmdqv_claim(SMMUv3AuxCmdqv *v, SMMUv3AuxVcmdqJob *job);
void smmuv3_aux_cmdqv_exec(SMMUv3AuxVcmdqJob *job, SMMUv3AuxEngine *e);
void smmuv3_aux_cmdqv_finish(SMMUv3AuxCmdqv *v, const SMMUv3AuxVcmdqJob *job);
/*
 * Let queue q run again: a job stopped on a CMD_SYNC that waits for ATC
 * invalidations (or on a full FIFO of them) leaves no kick behind.
 */
void smmuv3_aux_cmdqv_kick(SMMUv3AuxCmdqv *v, unsigned q);
/* All of it in one thread that owns both (unit tests, benchmarks). */
void smmuv3_aux_cmdqv_run(SMMUv3AuxCmdqv *v, SMMUv3AuxEngine *e);
/* The CMDQV interrupt was raised since the last call (edge). */
bool smmuv3_aux_cmdqv_take_irq(SMMUv3AuxCmdqv *v);

/* The CMDQV_PARAM register v advertises. */
uint32_t smmuv3_aux_cmdqv_param(const SMMUv3AuxCmdqv *v);
/*
 * After a migration loaded the registers of v (config, vintf_int_mask, the
 * VINTFs' and the queues' registers, n_cmds): check that the source had
 * the same PARAM and HYP_OWN wiring, keep in each word only what a guest
 * write could have set, and rebuild what is derived (routes).  On false,
 * *why is a static message.
 */
bool smmuv3_aux_cmdqv_post_load(SMMUv3AuxCmdqv *v, uint32_t src_param,
                                bool src_hyp_own, const char **why);

/* Live error state, as the *_ERR_MAP registers show it. */
bool smmuv3_aux_vcmdq_in_error(const SMMUv3AuxCmdqv *v, unsigned q);

#endif
