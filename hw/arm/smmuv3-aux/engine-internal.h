/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: helpers shared by the engine files only.
 * Neither the binding nor the tests should need anything from here beyond
 * what engine.h offers, except the unit tests, which check internals.
 */
#ifndef HW_ARM_SMMUV3_AUX_ENGINE_INTERNAL_H
#define HW_ARM_SMMUV3_AUX_ENGINE_INTERNAL_H

#include "qemu/log.h"
#include "engine.h"
#include "mem.h"
#include "ptw.h"
#include "trace.h"

/*
 * Guest misbehaviour: one LOG_GUEST_ERROR line and one trace event, which
 * takes exactly the arguments the format consumes, e.g.
 *     SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ste, "sid=0x%x", sid);
 */
/*
 * Introspection (inspect.c) decodes with translation's own code, so it
 * meets the same bad configuration; a host asking is not the guest
 * erring, and it sets this (per thread: other devices' DMA threads may
 * translate meanwhile) to keep the log for what the guest really did.
 */
extern __thread bool smmuv3_aux_log_quiet;

#define SMMUV3_AUX_GUEST_ERR(event, fmt, ...)                           \
    do {                                                                \
        if (!smmuv3_aux_log_quiet) {                                    \
            qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: " #event ": "   \
                          fmt "\n", ## __VA_ARGS__);                    \
        }                                                               \
        trace_##event(__VA_ARGS__);                                     \
    } while (0)

/* Something architected that this model does not implement yet. */
#define SMMUV3_AUX_UNIMP(fmt, ...)                                      \
    qemu_log_mask(LOG_UNIMP, "smmuv3-aux: %s: " fmt "\n", __func__,     \
                  ## __VA_ARGS__)

/* ---- Queue pointers (PROD/CONS with a wrap bit at log2size) ---------- */

/* Mask of the index plus wrap bit of a queue of 2^log2size entries. */
static inline uint32_t smmuv3_aux_q_ptr_mask(unsigned log2size)
{
    return (2u << log2size) - 1;
}

static inline uint32_t smmuv3_aux_q_idx(uint32_t p, unsigned log2size)
{
    return p & ((1u << log2size) - 1);
}

static inline bool smmuv3_aux_q_wrp(uint32_t p, unsigned log2size)
{
    return (p >> log2size) & 1;
}

static inline bool smmuv3_aux_q_empty(uint32_t prod, uint32_t cons,
                                      unsigned log2size)
{
    uint32_t m = smmuv3_aux_q_ptr_mask(log2size);

    return (prod & m) == (cons & m);
}

static inline bool smmuv3_aux_q_full(uint32_t prod, uint32_t cons,
                                     unsigned log2size)
{
    return smmuv3_aux_q_idx(prod, log2size) ==
           smmuv3_aux_q_idx(cons, log2size) &&
           smmuv3_aux_q_wrp(prod, log2size) !=
           smmuv3_aux_q_wrp(cons, log2size);
}

/* p + 1, wrapping the index and toggling the wrap bit. */
static inline uint32_t smmuv3_aux_q_inc(uint32_t p, unsigned log2size)
{
    return (p + 1) & smmuv3_aux_q_ptr_mask(log2size);
}

/*
 * Effective queue geometry from a *_BASE register: LOG2SIZE is capped by
 * the IDR1 maximum, and the base is aligned to the larger of the queue
 * size in bytes and 32 bytes (the SMMU ignores the low ADDR bits).
 */
unsigned smmuv3_aux_q_log2size(uint64_t base_reg, unsigned max_log2size);
uint64_t smmuv3_aux_q_base_addr(uint64_t base_reg, unsigned log2size,
                                unsigned entry_size);

/* ---- Command queue (cmdq.c) ------------------------------------------ */

/*
 * What a queue may issue and how its commands are rewritten before they
 * run: the policy of a VCMDQ whose VINTF is not HYP_OWN (vcmdq.c).  Such
 * a queue takes only TLBI_NH_ASID, TLBI_NH_VA, ATC_INV and CMD_SYNC; its
 * TLBIs get the VINTF's VMID and its ATC_INVs the physical StreamID that
 * SID_MATCH/SID_REPLACE give the virtual one.  Anything else, or an
 * ATC_INV of a StreamID no enabled SID_MATCH names, is CERROR_ILL.
 */
typedef struct SMMUv3AuxCmdFilter {
    uint16_t vmid;
    unsigned n_sids;
    const uint32_t *sid_match;  /* VINTF_SID_MATCH registers */
    const uint32_t *sid_replace;
} SMMUv3AuxCmdFilter;

/*
 * One command queue as the consumer sees it.  The SMMU CMDQ and every
 * virtual command queue fill one of these from their own registers, run
 * smmuv3_aux_cmdq_consume(), and store prod/cons back.
 */
typedef struct SMMUv3AuxCmdQueue {
    const char *name;           /* for traces: "cmdq", "vcmdq" */
    unsigned index;             /* queue number within its kind */
    uint64_t base;              /* effective base address */
    unsigned log2size;          /* effective log2 of the number of entries */
    uint32_t prod;              /* PROD.WR: index + wrap bit */
    uint32_t cons;              /* CONS.RD: index + wrap bit */
    SMMUv3AuxMemAttrs attrs;    /* attributes for fetches */
    /*
     * Stopped at a CMD_SYNC (MSI FIFO full, ATS invalidations
     * outstanding) or at a CMD_ATC_INV (their FIFO full).
     */
    bool paused;
    SMMUv3AuxAtcWait *atc;      /* this queue's ATS invalidations */
    /* NULL: every command as it is (the SMMU CMDQ, HYP_OWN VINTFs). */
    const SMMUv3AuxCmdFilter *filter;
    /*
     * CMD_SYNC completes by CONS alone, whatever its CS: a VCMDQ has no
     * interrupt configuration, and Linux always uses CS = NONE there.
     */
    bool sync_by_cons_only;
    bool vcmdq;                 /* a CMDQV queue (counters.vcmdq_cmds) */
    /* Out: commands consumed, and the last one as executed. */
    unsigned n_consumed;
    SMMUv3AuxCmd last;
} SMMUv3AuxCmdQueue;

/*
 * Consume commands from q->cons up to q->prod, at most one queue's worth.
 * Returns CERROR_NONE, or the error of the command q->cons now points at.
 */
SMMUv3AuxCmdError smmuv3_aux_cmdq_consume(SMMUv3AuxEngine *e,
                                          SMMUv3AuxCmdQueue *q);
/* Run the SMMU's own CMDQ if it is enabled and has no error active. */
void smmuv3_aux_cmdq_run(SMMUv3AuxEngine *e);
/* Spec mnemonic of an opcode, or NULL if it is Reserved. */
const char *smmuv3_aux_cmd_name(unsigned opcode);

/* ---- Events (evtq.c) ------------------------------------------------- */

/*
 * An event before encoding.  Every field that some event type carries is
 * here; smmuv3_aux_evt_encode() puts in the record only the fields the
 * spec defines for ev->id, so callers can fill what they know.
 */
typedef struct SMMUv3AuxEvent {
    SMMUv3AuxEventId id;
    uint32_t sid;
    bool ssv;
    uint32_t ssid;
    uint16_t stag;
    bool stall;
    bool pnu, ind, rnw;         /* from the transaction */
    bool s2;                    /* fault at stage 2 */
    bool nsipa;
    bool ttrnw;
    uint8_t class_;             /* SMMUV3_AUX_EVT_CLASS_* */
    uint64_t input_addr;
    uint64_t fetch_addr;        /* F_*_FETCH, F_WALK_EABT */
    uint64_t ipa;               /* stage 2 faults */
    /*
     * The producer may merge this record into the previous one (7.3.1):
     * set for the events that precede the STE, or when STE.MEV == 1.
     */
    bool merge;
} SMMUv3AuxEvent;

/* An event carrying the transaction's SID, SSID, RnW, InD, PnU, address. */
void smmuv3_aux_event_init(SMMUv3AuxEvent *ev, SMMUv3AuxEventId id,
                           const SMMUv3AuxTxn *txn);

/* Encode into CPU-order qwords (the producer converts to LE). */
void smmuv3_aux_evt_encode(const SMMUv3AuxEvent *ev, SMMUv3AuxEvtRecord *rec);
/* Record one event in the EVTQ (or drop it, per the queue state). */
void smmuv3_aux_evtq_record(SMMUv3AuxEngine *e, const SMMUv3AuxEvent *ev);
const char *smmuv3_aux_evt_name(unsigned id);

/* ---- Stream table (strtab.c) ----------------------------------------- */

/*
 * Recompute e->strtab from STRTAB_BASE(_CFG): called when either is
 * written and at reset, so a transaction never decodes the registers.
 */
void smmuv3_aux_strtab_update(SMMUv3AuxEngine *e);
/*
 * Walk the stream table and read the STE of sid into *ste (CPU order).
 * On failure return false with ev->id (C_BAD_STREAMID or F_STE_FETCH) and
 * ev->fetch_addr filled in; the rest of *ev is left to the caller.
 */
bool smmuv3_aux_ste_fetch(SMMUv3AuxEngine *e, uint32_t sid,
                          SMMUv3AuxSTE *ste, SMMUv3AuxEvent *ev);
/* NULL if the STE is usable, else why it is ILLEGAL (C_BAD_STE). */
const char *smmuv3_aux_ste_check(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste);

/* ---- Decoded configuration (strtab.c, cd.c) ------------------------- */

typedef enum SMMUv3AuxCfgKind {
    SMMUV3_AUX_CFG_ABORT,       /* STE.Config 0b000: terminate, no event */
    SMMUV3_AUX_CFG_BYPASS,      /* STE.Config 0b100 */
    SMMUV3_AUX_CFG_S1,          /* 0b101 */
    SMMUV3_AUX_CFG_S2,          /* 0b110 */
    SMMUV3_AUX_CFG_NESTED,      /* 0b111 */
} SMMUv3AuxCfgKind;

/*
 * Translation regime a TLB entry belongs to (the StreamWorld of 5.2 STRW,
 * Non-secure only).  It decides which tags are meaningful:
 *  NS_EL1:     stage 1 entries tagged {VMID, ASID} (ASID only if nG),
 *              stage 2 entries {VMID}; VMID is S2VMID even for stage-1-only
 *              STEs when stage 2 is implemented (IgnoreSTES2VMID, 5.2.2);
 *  EL2:        no ASID, no VMID (CD.ASID is IGNORED, 5.4.1);
 *  EL2_E2H:    {ASID} only.
 */
typedef enum SMMUv3AuxRegime {
    SMMUV3_AUX_REGIME_NONE = 0, /* abort, bypass: nothing to cache */
    SMMUV3_AUX_REGIME_NS_EL1 = 1,
    SMMUV3_AUX_REGIME_EL2 = 2,
    SMMUV3_AUX_REGIME_EL2_E2H = 3,
} SMMUv3AuxRegime;

/*
 * Everything translation needs for one (StreamID, SubstreamID), decoded
 * and validated from the STE and CD.  A plain value with no pointers, so
 * a configuration cache can keep copies of it.
 */
typedef struct SMMUv3AuxCfg {
    SMMUv3AuxCfgKind kind;
    SMMUv3AuxRegime regime;
    uint32_t sid;
    uint32_t ssid;
    bool ssv;
    /* TLB tags; zero where the regime does not use them. */
    uint16_t asid;
    uint16_t vmid;
    /* Fault configuration (5.5): R and S per stage, A for stage 1. */
    bool s1_record;             /* CD.R */
    bool s1_stall;              /* CD.S, unless STE.S1STALLD */
    bool s1_abort;              /* CD.A: 0 terminates with RAZ/WI */
    bool s2_record;             /* STE.S2R */
    bool s2_stall;              /* STE.S2S */
    bool s1_stalld;             /* STE.S1STALLD */
    /* STE fields kept for substreams, ATS and event merging. */
    uint8_t strw;               /* effective STE.STRW */
    uint8_t s1dss;              /* effective: 0 while SSIDSIZE == 0 */
    uint8_t s1cdmax;            /* effective: 0 while SSIDSIZE == 0 */
    uint8_t s1fmt;              /* effective: 0 while SSIDSIZE == 0 */
    uint32_t cd_index;          /* the CD of the table this cfg uses */
    uint8_t eats;               /* effective: 0 without IDR0.ATS */
    uint8_t ste_config;         /* STE.Config (ATS tells bypass apart) */
    uint8_t privcfg;            /* STE.PRIVCFG (13.1) */
    uint8_t instcfg;            /* STE.INSTCFG (13.1) */
    bool mev;                   /* STE.MEV */
    bool s2fwb;                 /* effective STE.S2FWB */
    uint64_t cd_addr;           /* the CD: a PA, or an IPA when nested */
    SMMUv3AuxS1Cfg s1;          /* S1, NESTED */
    SMMUv3AuxS2Cfg s2;          /* S2, NESTED */
} SMMUv3AuxCfg;

/*
 * What a successful translation tells a TLB: the walk result (leaf level,
 * granule, nG, permissions, stage-2 part) and the tags it must carry.
 */
typedef struct SMMUv3AuxTransInfo {
    bool walked;                /* false: bypass, nothing to cache */
    SMMUv3AuxRegime regime;
    uint16_t asid;              /* meaningful when walk.ng */
    uint16_t vmid;
    SMMUv3AuxPtwResult walk;
} SMMUv3AuxTransInfo;

/*
 * Fetch, validate and decode the configuration of (sid, ssid).  *ev must
 * come from smmuv3_aux_event_init() for the transaction, because a
 * stage-2 fault on the CD fetch reports its address and access.  On
 * failure return false with the event in *ev, or with ev->id == 0 when
 * nothing is to be recorded; the transaction is then terminated.
 */
bool smmuv3_aux_cfg_decode(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                           bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev);
/*
 * Translate txn with a decoded configuration: walk, record faults per the
 * R bits, fill *out.  info (may be NULL) receives what an IOTLB caches.
 */
SMMUv3AuxResult smmuv3_aux_cfg_translate(SMMUv3AuxEngine *e,
                                         const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxTxn *txn,
                                         SMMUv3AuxTxnOut *out,
                                         SMMUv3AuxTransInfo *info);

/* The configuration of (sid, ssid): from the cache, or decoded and cached. */
bool smmuv3_aux_txn_config(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                           bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev);

/* ats.c: CMD_ATC_INV, and the ATS part of CMD_SYNC. */
SMMUv3AuxCmdError smmuv3_aux_ats_inv(SMMUv3AuxEngine *e,
                                     SMMUv3AuxCmdQueue *q,
                                     const SMMUv3AuxCmd *cmd);
SMMUv3AuxCmdError smmuv3_aux_ats_sync_wait(SMMUv3AuxEngine *e,
                                           SMMUv3AuxCmdQueue *q);

/* stall.c: the Stall model (3.12.2), CMD_RESUME and CMD_STALL_TERM. */
SMMUv3AuxResult smmuv3_aux_stall_fault(SMMUv3AuxEngine *e,
                                       const SMMUv3AuxTxn *txn,
                                       SMMUv3AuxEvent *ev,
                                       SMMUv3AuxTxnOut *out);
SMMUv3AuxCmdError smmuv3_aux_stall_resume(SMMUv3AuxEngine *e,
                                          const SMMUv3AuxCmd *cmd);
SMMUv3AuxCmdError smmuv3_aux_stall_term(SMMUv3AuxEngine *e,
                                        const SMMUv3AuxCmd *cmd);
/* Every stalled transaction is terminated (SMMUEN 1 -> 0, reset). */
void smmuv3_aux_stall_abort_all(SMMUv3AuxEngine *e);
/* The event queue may have become writable: waiting stalls retry. */
void smmuv3_aux_stall_evtq_writable(SMMUv3AuxEngine *e);

/* priq.c: CMD_PRI_RESP. */
SMMUv3AuxCmdError smmuv3_aux_pri_resp(SMMUv3AuxEngine *e,
                                      SMMUv3AuxCmdQueue *q,
                                      const SMMUv3AuxCmd *cmd);

/* An identity translation of the page of txn (bypass). */
SMMUv3AuxResult smmuv3_aux_txn_bypass(const SMMUv3AuxTxn *txn,
                                      SMMUv3AuxTxnOut *out);
/* The access of txn after the STE's PRIVCFG/INSTCFG overrides. */
/*
 * The walk of a nested configuration, its stage-1 table addresses through
 * the walk cache (translate.c); translation and ATS both use it.
 */
bool smmuv3_aux_nested_walk(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                            uint64_t iova, SMMUv3AuxPtwAccess acc,
                            SMMUv3AuxPtwResult *res, SMMUv3AuxPtwFault *f);
SMMUv3AuxPtwAccess smmuv3_aux_txn_access(const SMMUv3AuxCfg *cfg,
                                         const SMMUv3AuxTxn *txn);

/*
 * The STE part of the configuration of (sid, ssid): fetch, check, decode
 * into a zeroed *cfg, and refuse a SubstreamID the STE cannot take.  On
 * failure return false with ev->id set (C_BAD_STREAMID, F_STE_FETCH,
 * C_BAD_STE, C_BAD_SUBSTREAMID).  cfg->kind == ABORT is a success.
 */
bool smmuv3_aux_ste_load(SMMUv3AuxEngine *e, uint32_t sid, uint32_t ssid,
                         bool ssv, SMMUv3AuxCfg *cfg, SMMUv3AuxEvent *ev);

/* cd.c: fetch the CD of cfg (through stage 2 if nested), check, decode. */
bool smmuv3_aux_cd_load(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                        SMMUv3AuxEvent *ev);
/*
 * Only fetch it: *cd and its physical address *pa, unchecked.  False with
 * ev->id set (C_BAD_SUBSTREAMID for an invalid L1CD, F_CD_FETCH, or the
 * stage 2 fault of a nested CD table address) if it cannot be read.
 */
bool smmuv3_aux_cd_fetch(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                         SMMUv3AuxCD *cd, uint64_t *pa, SMMUv3AuxEvent *ev);
/* CDs per leaf table of a 2-level CD table (log2; 0 if cfg's is not). */
unsigned smmuv3_aux_cd_leaf_bits(const SMMUv3AuxCfg *cfg);
/* NULL if the CD is usable with cfg's STE, else why it is ILLEGAL. */
const char *smmuv3_aux_cd_check(SMMUv3AuxEngine *e, const SMMUv3AuxCfg *cfg,
                                const SMMUv3AuxCD *cd);
/* Fill cfg->s1, asid, record/stall/abort flags from a checked CD. */
void smmuv3_aux_cd_decode(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                          const SMMUv3AuxCD *cd);
/*
 * NULL if cd is usable for cfg (decoding it into cfg->s1), else why it is
 * ILLEGAL (C_BAD_CD): the checks of smmuv3_aux_cd_load().
 */
const char *smmuv3_aux_cd_why(SMMUv3AuxEngine *e, SMMUv3AuxCfg *cfg,
                              const SMMUv3AuxCD *cd);
/* The permissions of SMMUV3_AUX_TLB_PERM_* bits (an IOTLB entry's). */
SMMUv3AuxPtwPerm smmuv3_aux_tlb_perm_unpack(uint8_t bits);
/* The IOTLB tag of a translating configuration; zero where unused. */
SMMUv3AuxTlbTag smmuv3_aux_cfg_tag(const SMMUv3AuxCfg *cfg);


/* ---- IDR feature checks shared by STE and CD validation (engine.c) --- */

/* IDR5.GRAN* supports this granule (SMMUV3_AUX_GRAN_*; 0 is Reserved). */
bool smmuv3_aux_granule_supported(const SMMUv3AuxEngine *e, unsigned granule);
/* A stall bit (CD.S, STE.S2S) is ILLEGAL under IDR0.STALL_MODEL (5.5). */
bool smmuv3_aux_stall_illegal(const SMMUv3AuxEngine *e, bool stall);
/* HA/HD (CD or STE.S2HA/S2HD) ask for more than IDR0.HTTU offers. */
bool smmuv3_aux_httu_illegal(const SMMUv3AuxEngine *e, bool ha, bool hd);
/* An ENDI bit (CD.ENDI, STE.S2ENDI) contradicts IDR0.TTENDIAN. */
bool smmuv3_aux_endi_illegal(const SMMUv3AuxEngine *e, bool endi);

/* ---- Global errors and interrupts (engine.c) ------------------------- */

/* Activate GERROR errors (toggle bits not already active), raise gerror. */
void smmuv3_aux_gerror_activate(SMMUv3AuxEngine *e, uint32_t bits);
static inline uint32_t smmuv3_aux_gerror_active(const SMMUv3AuxEngine *e)
{
    return (e->regs.gerror ^ e->regs.gerrorn) & SMMUV3_AUX_GERROR_MASK;
}
/* Latch an interrupt request (if enabled) as MSI or wired. */
void smmuv3_aux_irq_raise(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq);

/* ---- Register helpers ------------------------------------------------ */

static inline bool smmuv3_aux_smmuen(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.cr0, CR0, SMMUEN);
}

static inline unsigned smmuv3_aux_cmdq_max_log2size(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.idr[1], IDR1, CMDQS);
}

static inline unsigned smmuv3_aux_evtq_max_log2size(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.idr[1], IDR1, EVENTQS);
}

static inline unsigned smmuv3_aux_priq_max_log2size(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.idr[1], IDR1, PRIQS);
}

/*
 * Take at most max elements of size esize from the front of a FIFO of *n
 * into out; return how many.
 */
static inline unsigned smmuv3_aux_fifo_take(void *fifo, unsigned *n,
                                            size_t esize, void *out,
                                            unsigned max)
{
    unsigned k = MIN(max, *n);

    memcpy(out, fifo, k * esize);
    memmove(fifo, (char *)fifo + k * esize, (*n - k) * esize);
    *n -= k;
    return k;
}

/* SMMUv3.0 (AIDR 0.0): some encodings behave differently from v3.1+. */
static inline bool smmuv3_aux_is_v30(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.aidr, AIDR, ARCH_MAJOR_REV) == 0 &&
           FIELD_EX32(e->regs.aidr, AIDR, ARCH_MINOR_REV) == 0;
}

/* IDR5.OAS in bits. */
static inline unsigned smmuv3_aux_oas_bits(const SMMUv3AuxEngine *e)
{
    return smmuv3_aux_ptw_ps_bits(FIELD_EX32(e->regs.idr[5], IDR5, OAS));
}

/*
 * CD.IPS / STE.S2PS in bits.  0b110 and 0b111 are Reserved in SMMUv3.0
 * and behave as 0b101 (48 bits); from v3.1 they select 52 bits (5.4 IPS).
 * Reserved values are not ILLEGAL, and the result is capped by OAS later.
 */
static inline unsigned smmuv3_aux_ps_bits(const SMMUv3AuxEngine *e,
                                          unsigned enc)
{
    if (enc >= 6 && smmuv3_aux_is_v30(e)) {
        return 48;
    }
    return smmuv3_aux_ptw_ps_bits(enc);
}

/* Non-secure attributes: this model implements no Secure state. */
static inline SMMUv3AuxMemAttrs smmuv3_aux_ns_attrs(void)
{
    SMMUv3AuxMemAttrs a = { .secure = false };

    return a;
}

/* Read n LE qwords of an SMMU structure (STE, L1STD, CD) at addr. */
static inline bool smmuv3_aux_read_le64s(SMMUv3AuxEngine *e, uint64_t addr,
                                         uint64_t *qw, unsigned n)
{
    return smmuv3_aux_mem_read_le64s(e->ops, e->opaque, addr, qw, n,
                                     smmuv3_aux_ns_attrs());
}

#endif
