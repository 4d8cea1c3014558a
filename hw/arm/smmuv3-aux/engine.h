/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the SMMUv3 architecture, free of QEMU system headers.
 *
 * The engine owns the register file, the queues, the stream and CD tables,
 * the table walks and the caches.  It never touches guest memory or
 * interrupt lines itself: guest memory goes through SMMUv3AuxEngineOps
 * (mem.h), which the QEMU binding (smmuv3-aux.c) or a unit-test harness
 * provides.
 *
 * Locking: the engine is lock-agnostic.  Every entry point below must be
 * called with the caller's device lock held (the binding uses one QemuMutex).
 * Interrupts are never delivered from inside the engine: they are collected
 * in e->irq_pending and the caller flushes them with
 * smmuv3_aux_engine_take_irqs() after dropping its lock, because delivering
 * an interrupt may need the BQL, which translation threads do not hold.
 */
#ifndef HW_ARM_SMMUV3_AUX_ENGINE_H
#define HW_ARM_SMMUV3_AUX_ENGINE_H

#include "hw/arm/smmuv3-aux-common.h"
#include "hw/arm/smmuv3-aux-cmdqv.h"
#include "mem.h"
#include "tlb.h"

typedef struct SMMUv3AuxEngine SMMUv3AuxEngine;

/*
 * Static configuration: what the implementation advertises.  Every field
 * is one row of SMMUV3_AUX_PARAMS below, which gives its QOM property and
 * its default; the engine derives the IDR registers from them at reset.
 */
typedef struct SMMUv3AuxParams {
    uint8_t sid_size;       /* IDR1.SIDSIZE, 1..32 */
    uint8_t ssid_size;      /* IDR1.SSIDSIZE, 0..20; > 0 also IDR0.CD2L */
    uint8_t cmdqs;          /* IDR1.CMDQS: log2 max CMDQ entries, 7..19 */
    uint8_t evtqs;          /* IDR1.EVTQS: log2 max EVTQ entries, 0..19 */
    uint8_t oas_bits;       /* IDR5.OAS in bits: 32,36,40,42,44,48,52 */
    bool two_level_strtab;  /* IDR0.ST_LEVEL = 1 */
    bool msi;               /* IDR0.MSI */
    bool coherent;          /* IDR0.COHACC */
    bool s1p;               /* IDR0.S1P */
    bool s2p;               /* IDR0.S2P */
    bool hyp;               /* IDR0.HYP */
    bool asid16;            /* IDR0.ASID16 */
    bool vmid16;            /* IDR0.VMID16 */
    bool ril;               /* IDR3.RIL */
    bool had;               /* IDR3.HAD: CD.HAD0/HAD1 */
    bool xnx;               /* IDR3.XNX: stage-2 XN[1:0] */
    bool fwb;               /* IDR3.FWB: STE.S2FWB */
    uint8_t bbml;           /* IDR3.BBML: 0, 1 or 2 */
    uint8_t httu;           /* IDR0.HTTU: SMMUV3_AUX_HTTU_* */
    bool gran4k, gran16k, gran64k; /* IDR5.GRAN* */
    bool ats;               /* IDR0.ATS */
    bool pri;               /* IDR0.PRI */
    uint8_t stall_model;    /* IDR0.STALL_MODEL: 0 both, 1 none, 2 forced */
    uint8_t priqs;          /* IDR1.PRIQS: log2 max PRIQ entries, 0..19 */
    /* Cache capacities in entries (tlb.h); 0 disables that cache. */
    uint32_t iotlb_size;
    uint32_t cfgc_size;
} SMMUv3AuxParams;

/*
 * IDR0.HTTU (IHI 0070 6.3.1, 3.13): hardware updates of the Access flag
 * (HA), of the dirty state (HD) and of the Access flag in table
 * descriptors (HAFT).  The default, HA + HD, is what Linux's arm-smmu-v3
 * uses for dirty tracking and SVA; HAFT only matters with CPUs that have
 * FEAT_HAFT, which QEMU's do not.
 */
#define SMMUV3_AUX_HTTU_NONE    0
#define SMMUV3_AUX_HTTU_HA      1
#define SMMUV3_AUX_HTTU_HD      2   /* HA + HD */
#define SMMUV3_AUX_HTTU_HAFT    3   /* HA + HD + HAFT */

/*
 * The one table of options: X(kind, field, "property", default), kind
 * being the QOM property type (UINT8, UINT32, BOOL).  The binding expands
 * it into its properties, smmuv3_aux_params_set_defaults() into the same
 * defaults, so the device a user gets and the engine the unit tests build
 * cannot disagree.  docs/system/arm/smmuv3-aux.rst documents each row.
 */
#define SMMUV3_AUX_PARAMS(X)                                            \
    X(UINT8, sid_size, "sid-size", 16)                                  \
    X(UINT8, ssid_size, "ssidsize", 20)                                 \
    X(UINT8, cmdqs, "cmdqs", 19)                                        \
    X(UINT8, evtqs, "evtqs", 19)                                        \
    X(UINT8, oas_bits, "oas", 48)                                       \
    X(BOOL, two_level_strtab, "two-level-stream-table", true)           \
    X(BOOL, msi, "msi", true)                                           \
    X(BOOL, coherent, "cohacc", true)                                   \
    X(BOOL, s1p, "stage1", true)                                        \
    X(BOOL, s2p, "stage2", true)                                        \
    X(BOOL, hyp, "hyp", true)                                           \
    X(BOOL, asid16, "asid16", true)                                     \
    X(BOOL, vmid16, "vmid16", true)                                     \
    X(BOOL, ril, "ril", true)                                           \
    X(BOOL, had, "had", true)                                           \
    X(BOOL, xnx, "xnx", true)                                           \
    X(BOOL, fwb, "fwb", true)                                           \
    X(UINT8, bbml, "bbml", 2)                                           \
    X(UINT8, httu, "httu", SMMUV3_AUX_HTTU_HD)                          \
    X(BOOL, gran4k, "gran4k", true)                                     \
    X(BOOL, gran16k, "gran16k", true)                                   \
    X(BOOL, gran64k, "gran64k", true)                                   \
    X(BOOL, ats, "ats", true)                                           \
    X(BOOL, pri, "pri", true)                                           \
    X(UINT8, stall_model, "stall-model", SMMUV3_AUX_IDR0_STALL_BOTH)   \
    X(UINT8, priqs, "priqs", 19)                                        \
    X(UINT32, iotlb_size, "iotlb-size", SMMUV3_AUX_IOTLB_DEFAULT_SIZE)  \
    X(UINT32, cfgc_size, "cfgc-size", SMMUV3_AUX_CFGC_DEFAULT_SIZE)

/* ---- ATS (ats.c; IHI 0070 3.9.1) ---------------------------------- */

/*
 * The Smallest Translation Unit: the smallest granule of IDR5 (3.9.1),
 * 4 KiB whatever the gran* properties say, since Linux programs the STU
 * from PAGE_SIZE's granule and every granule property may be on.
 */
#define SMMUV3_AUX_ATS_STU          4096

/* The status of an ATS Translation Completion. */
typedef enum SMMUv3AuxAtsStatus {
    SMMUV3_AUX_ATS_SUCCESS = 0,     /* resp is valid (maybe R == W == 0) */
    SMMUV3_AUX_ATS_UR,              /* Unsupported Request */
    SMMUV3_AUX_ATS_CA,              /* Completer Abort */
} SMMUv3AuxAtsStatus;

/* An ATS Translation Request. */
typedef struct SMMUv3AuxAtsReq {
    uint32_t sid;
    uint32_t ssid;          /* PASID, valid when ssv */
    bool ssv;
    uint64_t addr;
    bool nw;                /* No Write: the device will only read */
    bool exe, priv;         /* from the PASID prefix; ignored without */
} SMMUv3AuxAtsReq;

/* The Translation Completion Data Entry of a successful request. */
typedef struct SMMUv3AuxAtsResp {
    uint64_t addr;          /* translated address of the region */
    uint64_t addr_mask;     /* size of the region minus one (>= STU - 1) */
    bool r, w, exe, priv;   /* Global and U are always 0 here */
} SMMUv3AuxAtsResp;

/* An ATS Invalidate Request (CMD_ATC_INV) for the binding to send. */
typedef struct SMMUv3AuxAtcInv {
    uint32_t sid;
    uint32_t ssid;          /* PASID, valid when ssv */
    bool ssv;
    bool global;            /* Global Invalidate (only with ssv) */
    uint8_t size;           /* span of 4096 << size bytes; 52: everything */
    uint64_t addr;          /* aligned to the span */
    /* For smmuv3_aux_engine_atc_inv_done(): the queue's wait state. */
    uint32_t queue;         /* SMMUV3_AUX_ATC_QUEUE_CMDQ or 1 + VCMDQ */
    uint32_t epoch;
} SMMUv3AuxAtcInv;

#define SMMUV3_AUX_ATC_QUEUE_CMDQ   0
/* The SMMU's command queue and every VCMDQ */
#define SMMUV3_AUX_ATC_QUEUES       (1 + SMMUV3_AUX_CMDQV_MAX_VCMDQS)
#define SMMUV3_AUX_MAX_ATC_INVS     64

/*
 * What a command queue's CMD_SYNC waits for: the ATS invalidations it
 * issued that no device completed yet.  epoch moves when the engine gives
 * up on them (timeout, reset), so a late completion is not counted twice.
 */
typedef struct SMMUv3AuxAtcWait {
    uint32_t queue;
    uint32_t outstanding;
    uint32_t epoch;
    bool waiting;           /* the queue is paused on a CMD_SYNC for them */
    bool failed;            /* given up on: the CMD_SYNC fails once */
} SMMUv3AuxAtcWait;

/* ---- Stall (stall.c; IHI 0070 3.12.2, 4.7) ----------------------- */

/*
 * Stalled transactions the SMMU holds at once.  A fault that finds the
 * table full terminates as under the Terminate model (how many can stall
 * is IMPLEMENTATION SPECIFIC, 3.12.2.3).
 */
#define SMMUV3_AUX_MAX_STALLS       64

typedef enum SMMUv3AuxStallState {
    SMMUV3_AUX_STALL_FREE = 0,
    SMMUV3_AUX_STALL_STALLED,       /* recorded, waits for CMD_RESUME */
    SMMUV3_AUX_STALL_WAIT_EVTQ,     /* not recorded yet: queue not writable */
    SMMUV3_AUX_STALL_RETRY,         /* retry as though it had just arrived */
    SMMUV3_AUX_STALL_ABORT,         /* terminate with an abort */
    SMMUV3_AUX_STALL_RAZWI,         /* terminate with RAZ/WI */
} SMMUv3AuxStallState;

typedef struct SMMUv3AuxStall {
    uint8_t state;                  /* SMMUv3AuxStallState */
    uint32_t sid;
    uint16_t stag;                  /* slot | use count << 6 */
    /*
     * No requester waits on it now: its requester set the transaction
     * aside while the VM is stopped (migration) and will come back for it
     * (smmuv3_aux_stall_set_parked()).  The slot stays taken until then.
     */
    bool parked;
} SMMUv3AuxStall;

/* ---- PRI (priq.c; IHI 0070 chapter 8) --------------------------- */

/* A PCIe Page Request (PPR), or a Stop Marker (ssv, L W R = 0b100). */
typedef struct SMMUv3AuxPriReq {
    uint32_t sid;
    uint32_t ssid;          /* PASID, valid when ssv */
    bool ssv;
    uint64_t addr;          /* page address */
    uint16_t prgi;          /* Page Request Group Index, 9 bits */
    bool last, r, w, exec, priv;
} SMMUv3AuxPriReq;

/* A PRG Response for the binding to send (8.3 ResponseCode). */
typedef struct SMMUv3AuxPriResp {
    uint32_t sid;
    uint32_t ssid;
    bool ssv;               /* with a PASID prefix */
    uint16_t prgi;
    uint8_t code;           /* SMMUV3_AUX_PRG_* */
} SMMUv3AuxPriResp;

#define SMMUV3_AUX_PRG_SUCCESS      0x0
#define SMMUV3_AUX_PRG_INVALID      0x1
#define SMMUV3_AUX_PRG_FAILURE      0xf
#define SMMUV3_AUX_MAX_PRI_RESPS    64

/* CMD_SYNC MSIs held between two flushes of the binding. */
#define SMMUV3_AUX_MAX_SYNC_MSIS    64

/* Interrupt sources, in the order of the virt board's four SPIs. */
typedef enum SMMUv3AuxIrq {
    SMMUV3_AUX_IRQ_EVTQ = 0,
    SMMUV3_AUX_IRQ_PRIQ = 1,
    SMMUV3_AUX_IRQ_CMD_SYNC = 2,
    SMMUV3_AUX_IRQ_GERROR = 3,
    SMMUV3_AUX_IRQ_NUM,
} SMMUv3AuxIrq;

/* One interrupt to deliver: a wired edge pulse, or an MSI write. */
typedef struct SMMUv3AuxIrqReq {
    SMMUv3AuxIrq irq;
    bool msi;
    uint64_t msi_addr;      /* *_IRQ_CFG0.ADDR, when msi */
    uint32_t msi_data;      /* *_IRQ_CFG1, when msi */
} SMMUv3AuxIrqReq;

/* A transaction entering the SMMU. */
typedef struct SMMUv3AuxTxn {
    uint32_t sid;
    uint32_t ssid;          /* valid when ssv */
    bool ssv;
    uint64_t iova;
    bool is_write;
    bool is_exec;
    bool is_priv;
    /*
     * The requester can wait for CMD_RESUME (the binding knows whether
     * the calling thread may block); otherwise a fault that would stall
     * terminates as under the Terminate model.
     */
    bool can_stall;
} SMMUv3AuxTxn;

typedef enum SMMUv3AuxResult {
    SMMUV3_AUX_TXN_OK = 0,  /* out->pa/perm are valid */
    SMMUV3_AUX_TXN_ABORT,   /* terminated; an event may have been recorded */
    /*
     * Terminated with RAZ/WI behaviour (CD.A == 0, IHI 0070 5.5): the
     * access completes successfully, reads return zero and writes are
     * ignored; an event may have been recorded.  Never cached.
     */
    SMMUV3_AUX_TXN_RAZWI,
    /*
     * Stalled (3.12.2): out->stall names the transaction; the binding
     * waits until smmuv3_aux_stall_state() says how it ends.
     */
    SMMUV3_AUX_TXN_STALL,
} SMMUv3AuxResult;

typedef struct SMMUv3AuxTxnOut {
    uint64_t pa;            /* output address of iova & ~addr_mask */
    uint64_t addr_mask;     /* size of the translated region minus one */
    bool read, write;       /* permissions granted for the region */
    uint32_t stall;         /* SMMUV3_AUX_TXN_STALL: the stall handle */
} SMMUv3AuxTxnOut;

/* One stage 2 translation of a stage-1 table page (translate.c). */
#define SMMUV3_AUX_TT_FRONT     8       /* a power of 2 */

typedef struct SMMUv3AuxTtFront {
    uint64_t gen;               /* SMMUv3AuxEngine.inval_gen; 0: empty */
    uint64_t ipa_page, pa_page;
    uint16_t vmid;
    uint8_t regime;
} SMMUv3AuxTtFront;

/* Effective stream table geometry, from STRTAB_BASE(_CFG) (strtab.c). */
typedef struct SMMUv3AuxStrtab {
    uint64_t base;              /* aligned table base address */
    unsigned log2size;          /* capped by IDR1.SIDSIZE */
    unsigned split;             /* 2-level only: 6, 8 or 10 */
    bool two_level;
} SMMUv3AuxStrtab;

/* The last event record written, for merging (evtq.c). */
typedef struct SMMUv3AuxEvtLast {
    bool valid;
    uint64_t base;              /* effective EVENTQ base it was written to */
    uint32_t prod;              /* EVENTQ_PROD.WR right after it */
    SMMUv3AuxEvtRecord rec;     /* CPU order */
} SMMUv3AuxEvtLast;

/*
 * Running counters, for introspection (query-smmuv3-aux): not
 * architectural, so neither reset nor migrated.  Micro-TLB hits are the
 * binding's, which never enter the engine.
 */
/* Structure fetches the counters tell apart (SMMUv3AuxCounters.fetches). */
typedef enum SMMUv3AuxFetch {
    SMMUV3_AUX_FETCH_STE,
    SMMUV3_AUX_FETCH_L1STD,     /* 2-level stream table */
    SMMUV3_AUX_FETCH_CD,
    SMMUV3_AUX_FETCH_L1CD,      /* 2-level CD table */
    SMMUV3_AUX_FETCH_NUM,
} SMMUv3AuxFetch;

typedef struct SMMUv3AuxCounters {
    uint64_t cmds[256];         /* commands executed, by opcode, all queues */
    uint64_t vcmdq_cmds[256];   /* ... of those, the ones a VCMDQ carried */
    uint64_t events[256];       /* events produced, by type: written, */
                                /* merged or lost to a full/off queue */
    uint64_t fetches[SMMUV3_AUX_FETCH_NUM]; /* attempted, by structure */
    uint64_t translations;      /* transactions the engine translated */
    uint64_t faults;            /* ... that did not: abort, RAZ/WI, stall */
} SMMUv3AuxCounters;

/* Architectural register state, named after the spec. */
typedef struct SMMUv3AuxRegs {
    uint32_t idr[6];
    uint32_t iidr, aidr;
    uint32_t cr0, cr0ack, cr1, cr2;
    uint32_t gbpa;
    uint32_t irq_ctrl, irq_ctrlack;
    uint32_t gerror, gerrorn;
    uint64_t gerror_irq_cfg0;
    uint32_t gerror_irq_cfg1, gerror_irq_cfg2;
    uint64_t strtab_base;
    uint32_t strtab_base_cfg;
    uint64_t cmdq_base;
    uint32_t cmdq_prod, cmdq_cons;
    uint64_t evtq_base;
    uint32_t evtq_prod, evtq_cons;
    uint64_t evtq_irq_cfg0;
    uint32_t evtq_irq_cfg1, evtq_irq_cfg2;
    uint64_t priq_base;
    uint32_t priq_prod, priq_cons;
    uint64_t priq_irq_cfg0;
    uint32_t priq_irq_cfg1, priq_irq_cfg2;
} SMMUv3AuxRegs;

struct SMMUv3AuxEngine {
    SMMUv3AuxParams params;
    SMMUv3AuxRegs regs;
    SMMUv3AuxStrtab strtab;     /* derived from regs.strtab_base(_cfg) */
    SMMUv3AuxEvtLast evtq_last;
    const SMMUv3AuxEngineOps *ops;
    void *opaque;
    /* Bitmask of SMMUv3AuxIrq raised since the last take_irqs(). */
    uint32_t irq_pending;
    /* MSI address/data latched when the interrupt was raised. */
    SMMUv3AuxIrqReq irq_req[SMMUV3_AUX_IRQ_NUM];
    /*
     * CMD_SYNC completion MSIs, in command order, for the binding to
     * write after it drops its lock: an MSI is a write to any address the
     * guest chose, a device's registers included, whose handler may DMA
     * through this SMMU.  When the FIFO is full the command queue pauses
     * at the CMD_SYNC (cmdq_paused); smmuv3_aux_engine_take_sync_msis()
     * empties it and smmuv3_aux_cmdq_run() goes on.
     */
    SMMUv3AuxIrqReq sync_msi[SMMUV3_AUX_MAX_SYNC_MSIS];
    unsigned n_sync_msi;
    bool cmdq_paused;
    /*
     * ATS Invalidate Requests for the binding to send, in command order
     * (ats.c), and what the SMMU CMDQ's CMD_SYNCs wait for.  A full FIFO
     * pauses the queue on the CMD_ATC_INV, as the MSI FIFO does on a
     * CMD_SYNC.
     */
    SMMUv3AuxAtcInv atc_invs[SMMUV3_AUX_MAX_ATC_INVS];
    unsigned n_atc_invs;
    SMMUv3AuxAtcWait cmdq_atc;
    SMMUv3AuxAtcWait vcmdq_atc[SMMUV3_AUX_CMDQV_MAX_VCMDQS];
    /*
     * PRG Responses for the binding to send, in order (priq.c).  A full
     * FIFO pauses the command queue on the CMD_PRI_RESP.
     */
    SMMUv3AuxPriResp pri_resps[SMMUV3_AUX_MAX_PRI_RESPS];
    unsigned n_pri_resps;
    /*
     * Stalled transactions (stall.c).  stall_gen moves whenever one of
     * them may end: the binding then wakes its waiters.
     */
    SMMUv3AuxStall stalls[SMMUV3_AUX_MAX_STALLS];
    uint32_t stall_gen;
    /* Caches (cfgc.c, iotlb.c), and what their invalidation must tell notifiers. */
    SMMUv3AuxCfgCache cfgc;
    SMMUv3AuxIotlb iotlb;
    SMMUv3AuxInval invals[SMMUV3_AUX_MAX_INVALS];
    unsigned n_invals;
    bool invals_overflow;       /* too many: invalidate everything */
    /*
     * Invalidation generation, for the binding's lock-free micro-TLB.
     * smmuv3_aux_engine_inval_gen_bump() advances it on every event that
     * can change the result of a translation (CFGI_*, TLBI_*, writes to
     * CR0/CR1/CR2/GBPA/STRTAB_BASE*, reset).  Written only with the device
     * lock held; read without it (qatomic_read_u64).  Never 0 once the
     * engine is initialised, so 0 can tag an empty micro-TLB entry.  At
     * one bump per nanosecond 64 bits last 584 years: no wrap handling.
     */
    uint64_t inval_gen;
    /*
     * In front of the walk cache (translate.c): the last stage 2
     * translations of stage-1 table pages, valid while inval_gen is the
     * one they were made at.
     */
    SMMUv3AuxTtFront tt_front[SMMUV3_AUX_TT_FRONT];
    SMMUv3AuxCounters counters;
};

/* engine.c */
/* Fill *p with the defaults of SMMUV3_AUX_PARAMS (the properties'). */
void smmuv3_aux_params_set_defaults(SMMUv3AuxParams *p);
/* Check params; on error return false and a static message in *why. */
bool smmuv3_aux_params_check(const SMMUv3AuxParams *p, const char **why);
void smmuv3_aux_engine_init(SMMUv3AuxEngine *e, const SMMUv3AuxParams *p,
                            const SMMUv3AuxEngineOps *ops, void *opaque);
void smmuv3_aux_engine_reset(SMMUv3AuxEngine *e);
/*
 * After migration loaded e->regs but the ID registers (passed here as the
 * source had them): rebuild the state derived from the registers, empty
 * the caches and have the binding tell its notifiers (take_invals reports
 * "all").  False, with a static message in *why, if the source's ID
 * registers are not this device's.
 */
bool smmuv3_aux_engine_post_load(SMMUv3AuxEngine *e, const uint32_t idr[6],
                                 uint32_t iidr, uint32_t aidr,
                                 const char **why);
/* Move pending interrupts into out[] (at most SMMUV3_AUX_IRQ_NUM); return n. */
unsigned smmuv3_aux_engine_take_irqs(SMMUv3AuxEngine *e,
                                     SMMUv3AuxIrqReq out[SMMUV3_AUX_IRQ_NUM]);
/*
 * Move the pending CMD_SYNC MSIs (at most SMMUV3_AUX_MAX_SYNC_MSIS) into
 * out[], in order; return n.  *more is set if the command queue paused
 * for want of room: the caller then calls smmuv3_aux_engine_cmdq_resume()
 * (with the lock) after writing them.  Called with the lock held.
 */
unsigned smmuv3_aux_engine_take_sync_msis(SMMUv3AuxEngine *e,
                                          SMMUv3AuxIrqReq *out, bool *more);
/* Go on consuming a command queue that paused on a full MSI FIFO. */
void smmuv3_aux_engine_cmdq_resume(SMMUv3AuxEngine *e);
/* The binding could not deliver an MSI: set GERROR.MSI_*_ABT_ERR. */
void smmuv3_aux_engine_msi_failed(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq);
/*
 * Move at most max pending invalidations into out[]; return how many.
 * *all is set if some were lost to overflow: the binding must then
 * invalidate everything.  Called after dropping the lock, like take_irqs().
 */
unsigned smmuv3_aux_engine_take_invals(SMMUv3AuxEngine *e,
                                       SMMUv3AuxInval *out, unsigned max,
                                       bool *all);
/*
 * Advance e->inval_gen: called (with the device lock held) by everything
 * that may change a translation result, before that change can be
 * observed by the guest.
 */
void smmuv3_aux_engine_inval_gen_bump(SMMUv3AuxEngine *e);
/* Free what the engine allocated (the caches); init may follow. */
void smmuv3_aux_engine_finalize(SMMUv3AuxEngine *e);

/* regs.c: MMIO.  offset is within the 128 KiB window; size is 4 or 8. */
uint64_t smmuv3_aux_reg_read(SMMUv3AuxEngine *e, uint64_t offset,
                             unsigned size);
void smmuv3_aux_reg_write(SMMUv3AuxEngine *e, uint64_t offset,
                          uint64_t val, unsigned size);

/* strtab.c / translation entry point. */
SMMUv3AuxResult smmuv3_aux_translate(SMMUv3AuxEngine *e,
                                     const SMMUv3AuxTxn *txn,
                                     SMMUv3AuxTxnOut *out);

/* ats.c */
/* Answer an ATS Translation Request (3.9.1.2); events as the spec says. */
SMMUv3AuxAtsStatus smmuv3_aux_ats_translate(SMMUv3AuxEngine *e,
                                            const SMMUv3AuxAtsReq *req,
                                            SMMUv3AuxAtsResp *resp);
/*
 * A Translated transaction (PCIe AT = Translated): checked against
 * CR0.ATSCHK and STE.EATS (3.9.1.3), then an identity page, or ABORT.
 */
SMMUv3AuxResult smmuv3_aux_ats_translated(SMMUv3AuxEngine *e,
                                          const SMMUv3AuxTxn *txn,
                                          SMMUv3AuxTxnOut *out);
/*
 * How stall handle (SMMUv3AuxTxnOut.stall) stands; once it is not
 * STALLED or WAIT_EVTQ the caller frees it and retries or terminates.
 */
SMMUv3AuxStallState smmuv3_aux_stall_state(SMMUv3AuxEngine *e,
                                           uint32_t stall);
void smmuv3_aux_stall_free(SMMUv3AuxEngine *e, uint32_t stall);
/*
 * The requester went away (device reset, unplug, VM stop): terminate its
 * stalled transaction with an abort, as CMD_STALL_TERM would.
 */
void smmuv3_aux_stall_cancel(SMMUv3AuxEngine *e, uint32_t stall);
/*
 * The requester of a stall that is not over sets it aside (parked) or
 * comes back for it: the transaction keeps its slot, STAG and state, so
 * the CMD_RESUME software sends meanwhile (or after a migration) still
 * finds it.  False if stall names no such transaction.
 */
bool smmuv3_aux_stall_set_parked(SMMUv3AuxEngine *e, uint32_t stall,
                                 bool parked);
bool smmuv3_aux_stall_is_parked(SMMUv3AuxEngine *e, uint32_t stall);

/*
 * A Page Request from a PCIe device (chapter 8): into the PRI queue, or
 * answered at once (a response to take).
 */
void smmuv3_aux_pri_request(SMMUv3AuxEngine *e, const SMMUv3AuxPriReq *req);
/* Move at most max PRG Responses into out[]; return n. */
unsigned smmuv3_aux_engine_take_pri_resps(SMMUv3AuxEngine *e,
                                          SMMUv3AuxPriResp *out,
                                          unsigned max);
/* The wait state of queue (SMMUv3AuxAtcInv.queue); NULL if none. */
SMMUv3AuxAtcWait *smmuv3_aux_engine_atc_wait(SMMUv3AuxEngine *e,
                                             uint32_t queue);
/* Move at most max queued ATS Invalidate Requests into out[]; return n. */
unsigned smmuv3_aux_engine_take_atc_invs(SMMUv3AuxEngine *e,
                                         SMMUv3AuxAtcInv *out, unsigned max);
/*
 * A device completed one invalidation of w (epoch from the request).
 * True if the queue was waiting for just that one: the caller resumes it.
 */
bool smmuv3_aux_engine_atc_inv_done(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w,
                                    uint32_t epoch);
/*
 * Invalidation (w, epoch) needs extra completions more before it is done:
 * several devices (or notifiers) deferred theirs.
 */
void smmuv3_aux_engine_atc_inv_hold(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w,
                                    uint32_t epoch, unsigned extra);
/*
 * The wait of w's CMD_SYNC timed out: give up on its invalidations, so
 * that the CMD_SYNC fails with CERROR_ATC_INV_SYNC.  True if the queue
 * was waiting: the caller resumes it.
 */
bool smmuv3_aux_engine_atc_timeout(SMMUv3AuxEngine *e, SMMUv3AuxAtcWait *w);
/* Forget every outstanding invalidation of w (reset). */
void smmuv3_aux_atc_wait_reset(SMMUv3AuxAtcWait *w);

#endif
