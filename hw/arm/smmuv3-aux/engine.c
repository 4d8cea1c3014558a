/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: parameters, ID registers, reset, interrupts and
 * global errors (Arm IHI 0070 chapters 6.3 and 7.5).
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "engine-internal.h"

__thread bool smmuv3_aux_log_quiet;

/* IDR5.OAS encodings indexed by SMMUV3_AUX_OAS_*. */
static const uint8_t oas_bits_by_enc[] = { 32, 36, 40, 42, 44, 48, 52 };

static int oas_encoding(uint8_t bits)
{
    for (int i = 0; i < ARRAY_SIZE(oas_bits_by_enc); i++) {
        if (oas_bits_by_enc[i] == bits) {
            return i;
        }
    }
    return -1;
}

void smmuv3_aux_params_set_defaults(SMMUv3AuxParams *p)
{
#define SMMUV3_AUX_PARAM_DEFAULT(kind, field, name, def) p->field = (def);
    memset(p, 0, sizeof(*p));
    SMMUV3_AUX_PARAMS(SMMUV3_AUX_PARAM_DEFAULT)
#undef SMMUV3_AUX_PARAM_DEFAULT
}

bool smmuv3_aux_params_check(const SMMUv3AuxParams *p, const char **why)
{
    if (p->sid_size < 1 || p->sid_size > 32) {
        *why = "sid-size must be in 1..32";
        return false;
    }
    if (p->ssid_size > 20) {
        *why = "ssidsize must be in 0..20";
        return false;
    }
    /* Substreams are stage-1 contexts (5.2 S1CDMax). */
    if (p->ssid_size && !p->s1p) {
        *why = "ssidsize > 0 requires stage 1";
        return false;
    }
    /* Linux refuses CMDQS <= 6; the architecture caps every queue at 19. */
    if (p->cmdqs < 7 || p->cmdqs > SMMUV3_AUX_Q_MAX_LOG2SIZE) {
        *why = "cmdqs must be in 7..19";
        return false;
    }
    if (p->stall_model > SMMUV3_AUX_IDR0_STALL_FORCE) {
        *why = "stall-model must be 0 (stall and terminate), 1 (terminate "
               "only) or 2 (stall forced)";
        return false;
    }
    if (p->priqs > SMMUV3_AUX_Q_MAX_LOG2SIZE) {
        *why = "priqs must be in 0..19";
        return false;
    }
    if (p->evtqs > SMMUV3_AUX_Q_MAX_LOG2SIZE) {
        *why = "evtqs must be in 0..19";
        return false;
    }
    if (oas_encoding(p->oas_bits) < 0) {
        *why = "oas must be one of 32, 36, 40, 42, 44, 48, 52";
        return false;
    }
    if (!p->s1p && !p->s2p) {
        *why = "at least one of stage 1 and stage 2 must be supported";
        return false;
    }
    if (p->httu > SMMUV3_AUX_HTTU_HAFT) {
        *why = "httu must be 0 (none), 1 (HA), 2 (HA+HD) or 3 (HA+HD+HAFT)";
        return false;
    }
    if (p->bbml > 2) {
        *why = "bbml must be 0, 1 or 2";
        return false;
    }
    if (!p->gran4k && !p->gran16k && !p->gran64k) {
        *why = "at least one translation granule must be supported";
        return false;
    }
    /* EL2 StreamWorld contexts are stage 1 contexts. */
    if (p->hyp && !p->s1p) {
        *why = "hyp requires stage 1";
        return false;
    }
    /* Caches (cfgc.c, iotlb.c) */
    if (p->iotlb_size > SMMUV3_AUX_IOTLB_MAX_SIZE) {
        *why = "iotlb-size must be at most 1048576";
        return false;
    }
    if (p->cfgc_size > SMMUV3_AUX_CFGC_MAX_SIZE) {
        *why = "cfgc-size must be at most 65536";
        return false;
    }
    *why = NULL;
    return true;
}

static uint32_t compose_idr0(const SMMUv3AuxParams *p)
{
    uint32_t v = 0;

    v = FIELD_DP32(v, IDR0, S2P, p->s2p);
    v = FIELD_DP32(v, IDR0, S1P, p->s1p);
    v = FIELD_DP32(v, IDR0, TTF, SMMUV3_AUX_IDR0_TTF_AA64);
    v = FIELD_DP32(v, IDR0, COHACC, p->coherent);
    v = FIELD_DP32(v, IDR0, HTTU, p->httu);
    v = FIELD_DP32(v, IDR0, HYP, p->hyp);
    v = FIELD_DP32(v, IDR0, ASID16, p->asid16);
    v = FIELD_DP32(v, IDR0, MSI, p->msi);
    v = FIELD_DP32(v, IDR0, VMID16, p->vmid16);
    v = FIELD_DP32(v, IDR0, TTENDIAN, SMMUV3_AUX_IDR0_TTENDIAN_LE);
    v = FIELD_DP32(v, IDR0, STALL_MODEL, p->stall_model);
    v = FIELD_DP32(v, IDR0, ST_LEVEL, p->two_level_strtab ? 1 : 0);
    /* 2-level CD tables come with substreams; ssidsize=0 is as before. */
    v = FIELD_DP32(v, IDR0, CD2L, p->ssid_size > 0);
    v = FIELD_DP32(v, IDR0, ATS, p->ats);
    v = FIELD_DP32(v, IDR0, PRI, p->pri);
    /*
     * SEV stays 0: Linux would then wait in WFE for CMD_SYNC, and the
     * model cannot send a wake-up event.  NS1ATS (split-stage ATS), PRI,
     * BTM: not implemented.
     */
    return v;
}

static uint32_t compose_idr1(const SMMUv3AuxParams *p)
{
    uint32_t v = 0;

    v = FIELD_DP32(v, IDR1, SIDSIZE, p->sid_size);
    v = FIELD_DP32(v, IDR1, SSIDSIZE, p->ssid_size);
    v = FIELD_DP32(v, IDR1, PRIQS, p->pri ? p->priqs : 0);
    v = FIELD_DP32(v, IDR1, EVENTQS, p->evtqs);
    v = FIELD_DP32(v, IDR1, CMDQS, p->cmdqs);
    /* ATTR_*_OVR, REL, QUEUES_PRESET, TABLES_PRESET, ECMDQ stay 0. */
    return v;
}

static uint32_t compose_idr5(const SMMUv3AuxParams *p)
{
    uint32_t v = 0;
    int oas = oas_encoding(p->oas_bits);

    v = FIELD_DP32(v, IDR5, OAS, oas < 0 ? SMMUV3_AUX_OAS_44 : oas);
    v = FIELD_DP32(v, IDR5, GRAN4K, p->gran4k);
    v = FIELD_DP32(v, IDR5, GRAN16K, p->gran16k);
    v = FIELD_DP32(v, IDR5, GRAN64K, p->gran64k);
    return v;
}

void smmuv3_aux_engine_init(SMMUv3AuxEngine *e, const SMMUv3AuxParams *p,
                            const SMMUv3AuxEngineOps *ops, void *opaque)
{
    memset(e, 0, sizeof(*e));
    e->params = *p;
    e->ops = ops;
    e->opaque = opaque;
    e->cmdq_atc.queue = SMMUV3_AUX_ATC_QUEUE_CMDQ;
    for (unsigned q = 0; q < ARRAY_SIZE(e->vcmdq_atc); q++) {
        e->vcmdq_atc[q].queue = 1 + q;
    }
    /* Caches (tlb.c): sized here, allocated on first use. */
    smmuv3_aux_iotlb_init(&e->iotlb, p->iotlb_size);
    smmuv3_aux_cfgc_init(&e->cfgc, p->cfgc_size, sizeof(SMMUv3AuxCfg));
    smmuv3_aux_engine_reset(e);
}

/* Caches (cfgc.c, iotlb.c) */
void smmuv3_aux_engine_finalize(SMMUv3AuxEngine *e)
{
    smmuv3_aux_iotlb_destroy(&e->iotlb);
    smmuv3_aux_cfgc_destroy(&e->cfgc);
}

/*
 * BBML2 holds by construction: the IOTLB never raises F_TLB_CONFLICT, it
 * returns either the old or the new translation of an address whose block
 * size changed until the TLBI, which is what level 2 allows.
 */
static uint32_t compose_idr3(const SMMUv3AuxParams *p)
{
    uint32_t v = 0;

    v = FIELD_DP32(v, IDR3, HAD, p->had);
    v = FIELD_DP32(v, IDR3, XNX, p->xnx && p->s2p);
    v = FIELD_DP32(v, IDR3, FWB, p->fwb && p->s2p);
    v = FIELD_DP32(v, IDR3, RIL, p->ril);
    /* PRI auto-responses keep the PASID; STE.PPAR is not used (8.1). */
    v = FIELD_DP32(v, IDR3, PPS, p->pri);
    v = FIELD_DP32(v, IDR3, BBML, p->bbml);
    return v;
}

/*
 * Forget what is not architectural state: latched interrupts and MSIs,
 * the last event record (merging is optional, 7.3.1) and every cache;
 * @notify: the binding's notifiers are to hear that everything is
 * unmapped (take_invals reports "all").
 */
static void engine_forget_caches(SMMUv3AuxEngine *e, bool notify)
{
    e->irq_pending = 0;
    memset(e->irq_req, 0, sizeof(e->irq_req));
    e->n_sync_msi = 0;
    memset(&e->evtq_last, 0, sizeof(e->evtq_last));
    smmuv3_aux_iotlb_flush(&e->iotlb);
    smmuv3_aux_cfgc_inv_all(&e->cfgc);
    smmuv3_aux_engine_inval_gen_bump(e);
    e->n_invals = 0;
    e->invals_overflow = notify;
}

/*
 * ... and, at a reset, what is in flight: a paused queue, ATS
 * invalidations and PRG Responses not yet sent or not yet completed, and
 * stalled transactions.
 */
static void engine_forget(SMMUv3AuxEngine *e, bool notify)
{
    engine_forget_caches(e, notify);
    e->cmdq_paused = false;
    /* Invalidations not yet sent are lost with the ATCs they were for. */
    e->n_atc_invs = 0;
    e->n_pri_resps = 0;
    /* Stalled requesters are told to abort; each frees its own slot. */
    smmuv3_aux_stall_abort_all(e);
    smmuv3_aux_atc_wait_reset(&e->cmdq_atc);
    for (unsigned q = 0; q < ARRAY_SIZE(e->vcmdq_atc); q++) {
        smmuv3_aux_atc_wait_reset(&e->vcmdq_atc[q]);
    }
}

void smmuv3_aux_engine_reset(SMMUv3AuxEngine *e)
{
    SMMUv3AuxRegs *r = &e->regs;

    memset(r, 0, sizeof(*r));
    r->idr[0] = compose_idr0(&e->params);
    r->idr[1] = compose_idr1(&e->params);
    r->idr[3] = compose_idr3(&e->params);
    r->idr[5] = compose_idr5(&e->params);
    /* IIDR = 0 avoids every Linux implementation quirk keyed on it. */
    r->iidr = 0;
    /*
     * AIDR = SMMUv3.0.  RIL is a v3.2 feature but is discovered through
     * IDR3; claiming v3.1+ would promise HAD and XNX, which are
     * mandatory there and not implemented.
     */
    r->aidr = 0;
    /*
     * GBPA.ABORT resets to an IMPLEMENTATION DEFINED value.  Choose 0
     * (bypass while SMMUEN = 0), as QEMU's arm-smmuv3 does, so that
     * firmware and kernels that never program the SMMU still get DMA;
     * SHCFG = 0b01 "use incoming".  Linux only writes GBPA when it finds
     * SMMUEN already set.
     */
    r->gbpa = FIELD_DP32(0, GBPA, SHCFG, 1);
    /*
     * STRTAB_BASE(_CFG) reset to 0, whose geometry (strtab.c) is a linear
     * table of one STE at address 0: SPLIT is unused.
     */
    memset(&e->strtab, 0, sizeof(e->strtab));
    /* The binding resets its notifiers itself: nothing to tell them. */
    engine_forget(e, false);
    trace_smmuv3_aux_engine_reset(r->idr[0], r->idr[1], r->idr[3],
                                  r->idr[5]);
}

bool smmuv3_aux_engine_post_load(SMMUv3AuxEngine *e, const uint32_t idr[6],
                                 uint32_t iidr, uint32_t aidr,
                                 const char **why)
{
    SMMUv3AuxRegs *r = &e->regs;

    if (memcmp(idr, r->idr, sizeof(r->idr)) || iidr != r->iidr ||
        aidr != r->aidr) {
        *why = "the source's ID registers differ from this device's: "
               "its properties (ssidsize, oas, stage1, ...) must match";
        return false;
    }
    /* State derived from registers, as their writes would have set it. */
    smmuv3_aux_strtab_update(e);
    /*
     * Pending interrupts and MSIs were delivered before the source saved;
     * notifiers hear "everything unmapped".  What migrated in subsections
     * (parked stalls, ATS waits, a paused queue) stays.
     */
    engine_forget_caches(e, true);
    return true;
}

unsigned smmuv3_aux_engine_take_irqs(SMMUv3AuxEngine *e,
                                     SMMUv3AuxIrqReq out[SMMUV3_AUX_IRQ_NUM])
{
    unsigned n = 0;

    for (int i = 0; i < SMMUV3_AUX_IRQ_NUM; i++) {
        if (e->irq_pending & (1u << i)) {
            out[n++] = e->irq_req[i];
        }
    }
    e->irq_pending = 0;
    return n;
}

unsigned smmuv3_aux_engine_take_sync_msis(SMMUv3AuxEngine *e,
                                          SMMUv3AuxIrqReq *out, bool *more)
{
    unsigned n = e->n_sync_msi;

    memcpy(out, e->sync_msi, n * sizeof(*out));
    e->n_sync_msi = 0;
    /*
     * Only a full FIFO makes resuming worth it: a queue paused for an ATC
     * invalidation waits for smmuv3_aux_engine_atc_inv_done() instead.
     */
    *more = e->cmdq_paused && n == SMMUV3_AUX_MAX_SYNC_MSIS;
    return n;
}

void smmuv3_aux_engine_cmdq_resume(SMMUv3AuxEngine *e)
{
    e->cmdq_paused = false;
    smmuv3_aux_cmdq_run(e);
}

/*
 * The invalidation generation (engine.h).  The binding's micro-TLB
 * serves translations without the device lock while its entry's
 * generation equals this one, so this must run before the guest can
 * observe the change: before the command handler returns (so before the
 * following CMD_SYNC completes) or the register write completes.
 */
void smmuv3_aux_engine_inval_gen_bump(SMMUv3AuxEngine *e)
{
    /*
     * The change this publishes before the new generation: readers of the
     * memory core's translation cache (patches/qemu/0013) take no lock.
     */
    smp_wmb();
#ifdef CONFIG_ATOMIC64
    qatomic_set_u64(&e->inval_gen, e->inval_gen + 1);
#else
    /* No 64-bit atomics: the binding then never reads it without a lock. */
    e->inval_gen++;
#endif
    /*
     * Order the new generation before every later store, such as the
     * CMD_SYNC completion MSI this thread writes while still holding the
     * lock: a reader that saw the completion must see the new generation.
     */
    smp_wmb();
}

/* Caches (tlb.c): the invalidations recorded by cmdq.c. */
unsigned smmuv3_aux_engine_take_invals(SMMUv3AuxEngine *e,
                                       SMMUv3AuxInval *out, unsigned max,
                                       bool *all)
{
    unsigned n = MIN(max, e->n_invals);

    memcpy(out, e->invals, n * sizeof(*out));
    memmove(e->invals, e->invals + n, (e->n_invals - n) * sizeof(*out));
    e->n_invals -= n;
    *all = e->invals_overflow;
    e->invals_overflow = false;
    return n;
}

/*
 * Which *_IRQ_CFG registers describe each interrupt's MSI.  The CMD_SYNC
 * interrupt has no CFG registers: its MSI comes from the command itself,
 * so it is always wired here.
 */
static bool irq_msi_cfg(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq,
                        uint64_t *addr, uint32_t *data)
{
    const SMMUv3AuxRegs *r = &e->regs;

    switch (irq) {
    case SMMUV3_AUX_IRQ_EVTQ:
        *addr = r->evtq_irq_cfg0;
        *data = r->evtq_irq_cfg1;
        break;
    case SMMUV3_AUX_IRQ_PRIQ:
        *addr = r->priq_irq_cfg0;
        *data = r->priq_irq_cfg1;
        break;
    case SMMUV3_AUX_IRQ_GERROR:
        *addr = r->gerror_irq_cfg0;
        *data = r->gerror_irq_cfg1;
        break;
    default:
        return false;
    }
    return FIELD_EX32(r->idr[0], IDR0, MSI) && *addr != 0;
}

static bool irq_enabled(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq)
{
    uint32_t ctrl = e->regs.irq_ctrl;

    switch (irq) {
    case SMMUV3_AUX_IRQ_EVTQ:
        return FIELD_EX32(ctrl, IRQ_CTRL, EVENTQ_IRQEN);
    case SMMUV3_AUX_IRQ_PRIQ:
        return FIELD_EX32(ctrl, IRQ_CTRL, PRIQ_IRQEN);
    case SMMUV3_AUX_IRQ_GERROR:
        return FIELD_EX32(ctrl, IRQ_CTRL, GERROR_IRQEN);
    case SMMUV3_AUX_IRQ_CMD_SYNC:
        /* Requested per command by CMD_SYNC.CS; no enable bit. */
        return true;
    default:
        return false;
    }
}

void smmuv3_aux_irq_raise(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq)
{
    SMMUv3AuxIrqReq *req;
    uint64_t addr = 0;
    uint32_t data = 0;

    if (irq >= SMMUV3_AUX_IRQ_NUM || !irq_enabled(e, irq)) {
        trace_smmuv3_aux_irq_masked(irq);
        return;
    }
    req = &e->irq_req[irq];
    req->irq = irq;
    req->msi = irq_msi_cfg(e, irq, &addr, &data);
    req->msi_addr = req->msi ? addr : 0;
    req->msi_data = req->msi ? data : 0;
    e->irq_pending |= 1u << irq;
    trace_smmuv3_aux_irq_raise(irq, req->msi, req->msi_addr, req->msi_data);
}

void smmuv3_aux_gerror_activate(SMMUv3AuxEngine *e, uint32_t bits)
{
    uint32_t fresh = bits & SMMUV3_AUX_GERROR_MASK &
                     ~smmuv3_aux_gerror_active(e);

    /*
     * An error that is already active stays active without a new
     * interrupt; software acknowledges it by toggling GERRORN.
     */
    if (!fresh) {
        return;
    }
    e->regs.gerror ^= fresh;
    trace_smmuv3_aux_gerror(fresh, e->regs.gerror);
    smmuv3_aux_irq_raise(e, SMMUV3_AUX_IRQ_GERROR);
}

void smmuv3_aux_engine_msi_failed(SMMUv3AuxEngine *e, SMMUv3AuxIrq irq)
{
    uint32_t bit;

    switch (irq) {
    case SMMUV3_AUX_IRQ_EVTQ:
        bit = R_GERROR_MSI_EVENTQ_ABT_ERR_MASK;
        break;
    case SMMUV3_AUX_IRQ_PRIQ:
        bit = R_GERROR_MSI_PRIQ_ABT_ERR_MASK;
        break;
    case SMMUV3_AUX_IRQ_CMD_SYNC:
        bit = R_GERROR_MSI_CMDQ_ABT_ERR_MASK;
        break;
    case SMMUV3_AUX_IRQ_GERROR:
        /*
         * The GERROR MSI itself failed: record it, but do not request
         * another GERROR MSI, which could fail again forever.
         */
        if (!(smmuv3_aux_gerror_active(e) &
              R_GERROR_MSI_GERROR_ABT_ERR_MASK)) {
            e->regs.gerror ^= R_GERROR_MSI_GERROR_ABT_ERR_MASK;
        }
        trace_smmuv3_aux_msi_failed(irq, e->regs.gerror);
        return;
    default:
        return;
    }
    smmuv3_aux_gerror_activate(e, bit);
    trace_smmuv3_aux_msi_failed(irq, e->regs.gerror);
}

/* ---- IDR feature checks shared by STE and CD validation --------------- */

bool smmuv3_aux_granule_supported(const SMMUv3AuxEngine *e, unsigned granule)
{
    uint32_t idr5 = e->regs.idr[5];

    switch (granule) {
    case SMMUV3_AUX_GRAN_4K:
        return FIELD_EX32(idr5, IDR5, GRAN4K);
    case SMMUV3_AUX_GRAN_16K:
        return FIELD_EX32(idr5, IDR5, GRAN16K);
    case SMMUV3_AUX_GRAN_64K:
        return FIELD_EX32(idr5, IDR5, GRAN64K);
    default:
        return false;       /* TGx Reserved */
    }
}

/*
 * STALL_MODEL 0b01 (no stalls) makes a set stall bit ILLEGAL, 0b10
 * (stalls forced) a clear one; 0b00 lets software choose (5.5).
 */
bool smmuv3_aux_stall_illegal(const SMMUv3AuxEngine *e, bool stall)
{
    unsigned model = FIELD_EX32(e->regs.idr[0], IDR0, STALL_MODEL);

    return (model == SMMUV3_AUX_IDR0_STALL_NONE && stall) ||
           (model == SMMUV3_AUX_IDR0_STALL_FORCE && !stall);
}

/* HTTU 0: neither flag; 1: access flag only; 2 and 3: both (5.4 HA, HD). */
bool smmuv3_aux_httu_illegal(const SMMUv3AuxEngine *e, bool ha, bool hd)
{
    unsigned httu = FIELD_EX32(e->regs.idr[0], IDR0, HTTU);

    return ((ha || hd) && httu == 0) || (hd && httu == 1);
}

/* TTENDIAN 0b00 (mixed) accepts both; LE-only and BE-only fix ENDI. */
bool smmuv3_aux_endi_illegal(const SMMUv3AuxEngine *e, bool endi)
{
    unsigned endian = FIELD_EX32(e->regs.idr[0], IDR0, TTENDIAN);

    return (endian == SMMUV3_AUX_IDR0_TTENDIAN_LE && endi) ||
           (endian == SMMUV3_AUX_IDR0_TTENDIAN_BE && !endi);
}

/* ---- Queue geometry shared by cmdq.c and evtq.c ---------------------- */

unsigned smmuv3_aux_q_log2size(uint64_t base_reg, unsigned max_log2size)
{
    unsigned l = FIELD_EX64(base_reg, CMDQ_BASE, LOG2SIZE);

    /* A LOG2SIZE above the IDR1 maximum behaves as the maximum. */
    return MIN(l, max_log2size);
}

uint64_t smmuv3_aux_q_base_addr(uint64_t base_reg, unsigned log2size,
                                unsigned entry_size)
{
    uint64_t addr = base_reg & R_CMDQ_BASE_ADDR_MASK;
    uint64_t bytes = MAX((uint64_t)entry_size << log2size, 32);

    return addr & ~(bytes - 1);
}
