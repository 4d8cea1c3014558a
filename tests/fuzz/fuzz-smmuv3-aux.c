/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the smmuv3-aux engine: any sequence of MMIO
 * accesses, guest memory contents, commands and transactions must neither
 * crash, hang, leak nor trip a sanitizer, and must keep the invariants
 * checked below.  How to run it and what campaigns found:
 * docs/devel/fuzzing.rst.
 *
 * The input is a little program.  Two header bytes choose the
 * implementation (SSIDSIZE, cache capacities, OAS, stream table format);
 * then each step starts with an opcode byte (FzOp) followed by the bytes
 * that op takes (fz_take(): little-endian, zero once the input ends):
 *   - raw accesses: MMIO writes and reads anywhere in the 128 KiB window
 *     (an offset byte below FZ_REG_RAW picks an architected register),
 *     guest memory writes, bus-error injection;
 *   - well-formed but random structures, written where the engine will
 *     look for them: STEs (every Config, S1Fmt, S1CDMax, S1DSS, STRW,
 *     PRIVCFG/INSTCFG, stage-2 fields), L1STDs, CDs and L1CDs (linear and
 *     2-level CD tables, found through the STE in memory), translation
 *     table descriptors and whole mappings in any granule;
 *   - commands: every architected opcode (or any byte) with random fields,
 *     appended at CMDQ_PROD; event queue consumption and overflow acks;
 *     stream table reconfiguration;
 *   - transactions with SSV/SSID and privilege/instruction attributes.
 * Every run starts from a working configuration (stream table, command and
 * event queues, SMMU enabled), so mutations explore the interesting
 * states rather than the reset state.  tests/fuzz/smmuv3-aux.dict holds
 * the architected values in the encodings these ops take.
 *
 * Invariants, checked after every step (fz_check) and every transaction
 * (fz_check_txn); a violation aborts, so libFuzzer saves the input:
 *   - SMMUEN = 0: GBPA.ABORT = 1 aborts every transaction, else each one
 *     is bypassed as the identity;
 *   - a translation that succeeds gives an aligned power-of-two region,
 *     within OAS unless it is a bypass;
 *   - the same transaction repeated at once (nothing written in between)
 *     gets the same answer, so a cache hit agrees with the walk it came
 *     from;
 *   - while no cached entry can be stale (no guest memory, fault or
 *     configuration register changed since the caches were last empty),
 *     the answer equals that of a shadow engine without caches reading
 *     the same memory: the IOTLB and configuration cache never change a
 *     result;
 *   - both caches stay within their configured capacities, the IOTLB's
 *     per-size counts add up to its occupancy, the pending MSI and
 *     invalidation lists stay bounded, and the invalidation generation
 *     never goes back or reaches 0.
 */

#include "qemu/osdep.h"
#include "tests/unit/smmuv3-aux-test-utils.h"

#define FZ_STRTAB       0x100000ULL     /* linear table, or L1STDs */
#define FZ_STRTAB_L2    0x200000ULL     /* level-2 arrays, 64 KiB apart */
#define FZ_CMDQ         0x600000ULL
#define FZ_EVTQ         0x700000ULL
#define FZ_CD           0x800000ULL     /* 8 CD tables, 256 KiB apart */
#define FZ_CD_L2        0xc00000ULL     /* 64 CD leaf tables, 64 KiB apart */
#define FZ_PT           0x1000000ULL    /* 64 table roots, 64 KiB apart */
#define FZ_PT_ALLOC     0x1400000ULL    /* tables fz_map() allocates */
#define FZ_DATA         0x4000000ULL    /* output pages */
/* Where raw guest memory writes land: the first 32 MiB. */
#define FZ_MEM_SIZE     (32ULL << 20)
#define FZ_MAX_STEPS    512
/* Offset bytes below this pick an architected register (fz_reg_off). */
#define FZ_REG_RAW      0xe0

typedef enum FzOp {
    FZ_OP_W32,          /* offset, 4 bytes */
    FZ_OP_W64,          /* offset, 8 bytes */
    FZ_OP_R32,          /* offset */
    FZ_OP_MEM,          /* 3 bytes offset, 8 bytes value */
    FZ_OP_TXN,          /* fz_txn() */
    FZ_OP_FAULT,        /* 3 bytes offset, mode */
    FZ_OP_FLUSH,        /* what the binding does after a write */
    FZ_OP_STE,          /* fz_ste() */
    FZ_OP_CD,           /* fz_cd() */
    FZ_OP_L1CD,         /* fz_l1cd() */
    FZ_OP_L1STD,        /* fz_l1std() */
    FZ_OP_PTE,          /* fz_pte() */
    FZ_OP_MAP,          /* fz_map() */
    FZ_OP_CMD,          /* fz_cmds() */
    FZ_OP_EVTQ,         /* fz_evtq() */
    FZ_OP_STRTAB,       /* fz_strtab() */
    FZ_OP_TXN_RUN,      /* fz_txn_run() */
    FZ_OP_NUM,
} FzOp;

typedef struct FzInput {
    const uint8_t *p;
    size_t left;
} FzInput;

typedef struct Fz {
    TestSMMU *t;
    SMMUv3AuxEngine shadow;     /* no caches, same memory, writes dropped */
    SMMUv3AuxParams shadow_params;
    /* No cached entry is older than the last change of guest memory. */
    bool clean;
    unsigned clean_writes;      /* engine writes to memory when it was set */
    /*
     * IOTLB tags {regime, stage, VMID} seen since the caches were last
     * empty, with a hash of the tables each one walked: two streams whose
     * different tables share a tag (ASIDs aside, for global entries) may
     * legitimately hit each other's entries.
     */
    struct {
        uint32_t key;
        uint32_t print;
    } tags[16];
    unsigned n_tags;
    bool aliased;
    uint64_t inval_gen;
    unsigned steps;
} Fz;

static uint64_t fz_take(FzInput *in, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n && in->left; i++, in->left--) {
        v |= (uint64_t)*in->p++ << (8 * i);
    }
    return v;
}

#define fz_assert(cond, ...) do {                                       \
        if (!(cond)) {                                                  \
            fprintf(stderr, "fuzz-smmuv3-aux: invariant: %s: ", #cond); \
            fprintf(stderr, __VA_ARGS__);                               \
            fprintf(stderr, "\n");                                      \
            abort();                                                    \
        }                                                               \
    } while (0)

/* ---- The shadow engine ------------------------------------------------ */

static bool shadow_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                        SMMUv3AuxMemAttrs attrs)
{
    return fakemem_ops.dma_read(opaque, pa, buf, len, attrs);
}

static bool shadow_write(void *opaque, uint64_t pa, const void *buf,
                         uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    return true;
}

/*
 * Like shadow_write, the shadow's updates change nothing: it reports the
 * swap done when the qword matches, and the engine under test does the
 * real update.
 */
static bool shadow_cmpxchg64(void *opaque, uint64_t pa, uint64_t *expected,
                             uint64_t new, SMMUv3AuxMemAttrs attrs)
{
    uint64_t cur;

    /*
     * Refused where the engine under test's swap is refused (a read or a
     * write fault): the value is written back unchanged to find out.
     */
    if ((pa & 7) || !fakemem_ops.dma_read(opaque, pa, &cur, 8, attrs) ||
        !fakemem_ops.dma_write(opaque, pa, &cur, 8, attrs)) {
        return false;
    }
    *expected = cur;
    return true;
}

static const SMMUv3AuxEngineOps shadow_ops = {
    .dma_read = shadow_read,
    .dma_write = shadow_write,
    .dma_cmpxchg64 = shadow_cmpxchg64,
};

/* ---- Cache staleness tracking ------------------------------------------ */

static bool fz_caches_empty(Fz *fz)
{
    SMMUv3AuxEngine *e = &fz->t->e;

    /* cfgc_count() scans: only when stale slots may be all there is. */
    return smmuv3_aux_iotlb_count(&e->iotlb) == 0 &&
           (e->cfgc.st.used == 0 || smmuv3_aux_cfgc_count(&e->cfgc) == 0);
}

/*
 * Guest memory, bus faults or a configuration register change: an entry
 * cached before may now be stale, which the architecture allows until
 * the matching invalidation.
 */
static void fz_dirty(Fz *fz)
{
    if (fz->clean && !fz_caches_empty(fz)) {
        fz->clean = false;
    }
}

static void fz_update_clean(Fz *fz)
{
    if (fz->clean && fz->t->mem.writes != fz->clean_writes) {
        /* The engine wrote guest memory (event, MSI): same as the guest. */
        fz->clean_writes = fz->t->mem.writes;
        fz_dirty(fz);
    }
    if (fz_caches_empty(fz)) {
        fz->clean = true;
        fz->clean_writes = fz->t->mem.writes;
        fz->n_tags = 0;
        fz->aliased = false;
    }
}

static uint32_t fz_hash(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;

    while (n--) {
        h = (h ^ *b++) * 16777619u;
    }
    return h;
}

/* Note the tables txn's configuration walks under its IOTLB tag. */
static void fz_note_tag(Fz *fz, const SMMUv3AuxTxn *txn)
{
    SMMUv3AuxCfg cfg;
    SMMUv3AuxEvent ev;
    uint32_t key, print;
    unsigned i;

    smmuv3_aux_event_init(&ev, 0, txn);
    if (!smmuv3_aux_cfg_decode(&fz->shadow, txn->sid, txn->ssid, txn->ssv,
                               &cfg, &ev) ||
        cfg.kind == SMMUV3_AUX_CFG_ABORT || cfg.kind == SMMUV3_AUX_CFG_BYPASS) {
        return;
    }
    key = cfg.regime | cfg.kind << 4 | (uint32_t)cfg.vmid << 16;
    print = fz_hash(2166136261u, &cfg.s1, sizeof(cfg.s1));
    print = fz_hash(print, &cfg.s2, sizeof(cfg.s2));
    for (i = 0; i < fz->n_tags; i++) {
        if (fz->tags[i].key == key) {
            fz->aliased |= fz->tags[i].print != print;
            return;
        }
    }
    if (i == ARRAY_SIZE(fz->tags)) {
        fz->aliased = true;
        return;
    }
    fz->tags[i].key = key;
    fz->tags[i].print = print;
    fz->n_tags++;
}

/* ---- Invariants ------------------------------------------------------- */

static void fz_check(Fz *fz)
{
    SMMUv3AuxEngine *e = &fz->t->e;
    uint32_t sum = 0;

    fz_assert(e->iotlb.st.used <= fz->t->params.iotlb_size,
              "iotlb used %u > capacity %u", e->iotlb.st.used,
              fz->t->params.iotlb_size);
    fz_assert(e->cfgc.st.used <= fz->t->params.cfgc_size,
              "cfgc used %u > capacity %u", e->cfgc.st.used,
              fz->t->params.cfgc_size);
    fz_assert(e->iotlb.st.used <= e->iotlb.st.hwm &&
              e->cfgc.st.used <= e->cfgc.st.hwm, "used above hwm");
    for (int i = 0; i < 64; i++) {
        sum += e->iotlb.sz.count_ng[i] + e->iotlb.sz.count_global[i];
    }
    fz_assert(sum == e->iotlb.st.used, "iotlb size counts %u, used %u", sum,
              e->iotlb.st.used);
    fz_assert(e->n_sync_msi <= SMMUV3_AUX_MAX_SYNC_MSIS, "%u sync MSIs",
              e->n_sync_msi);
    fz_assert(e->n_invals <= SMMUV3_AUX_MAX_INVALS, "%u invals",
              e->n_invals);
    fz_assert(e->inval_gen != 0 && e->inval_gen >= fz->inval_gen,
              "inval_gen %" PRIu64 " after %" PRIu64, e->inval_gen,
              fz->inval_gen);
    fz->inval_gen = e->inval_gen;
    fz_update_clean(fz);
}

static bool fz_same(SMMUv3AuxResult r1, const SMMUv3AuxTxnOut *o1,
                    SMMUv3AuxResult r2, const SMMUv3AuxTxnOut *o2,
                    uint64_t iova)
{
    if (r1 != r2) {
        return false;
    }
    if (r1 != SMMUV3_AUX_TXN_OK) {
        return true;
    }
    return o1->pa + (iova & o1->addr_mask) == o2->pa + (iova & o2->addr_mask)
           && o1->read == o2->read && o1->write == o2->write;
}

static void fz_check_txn(Fz *fz, const SMMUv3AuxTxn *txn, SMMUv3AuxResult r,
                         const SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxEngine *e = &fz->t->e;
    unsigned oas = smmuv3_aux_oas_bits(e);

    if (!smmuv3_aux_smmuen(e)) {
        if (FIELD_EX32(e->regs.gbpa, GBPA, ABORT)) {
            fz_assert(r == SMMUV3_AUX_TXN_ABORT, "SMMUEN=0 GBPA.ABORT=1: %d",
                      r);
        } else {
            fz_assert(r == SMMUV3_AUX_TXN_OK &&
                      out->pa == (txn->iova & ~0xfffULL),
                      "SMMUEN=0 GBPA.ABORT=0: %d pa 0x%" PRIx64, r, out->pa);
        }
    }
    if (r != SMMUV3_AUX_TXN_OK) {
        return;
    }
    fz_assert(out->addr_mask >= 0xfff &&
              !(out->addr_mask & (out->addr_mask + 1)) &&
              !(out->pa & out->addr_mask),
              "region pa 0x%" PRIx64 " mask 0x%" PRIx64, out->pa,
              out->addr_mask);
    fz_assert(!(out->pa >> oas) ||
              (out->pa == (txn->iova & ~0xfffULL) && out->addr_mask == 0xfff),
              "pa 0x%" PRIx64 " beyond OAS %u (iova 0x%" PRIx64 ")", out->pa,
              oas, txn->iova);
}

/* Translate txn with every check; return whether it succeeded. */
static SMMUv3AuxResult fz_translate(Fz *fz, const SMMUv3AuxTxn *txn)
{
    SMMUv3AuxEngine *e = &fz->t->e;
    SMMUv3AuxTxnOut out, out2;
    SMMUv3AuxResult r, r2;
    unsigned writes;
    bool clean;

    fz_update_clean(fz);
    if (fz->clean) {
        fz->shadow.regs = e->regs;
        smmuv3_aux_strtab_update(&fz->shadow);
        fz_note_tag(fz, txn);
    }
    clean = fz->clean && !fz->aliased;
    writes = fz->t->mem.writes;
    r = smmuv3_aux_translate(e, txn, &out);
    fz_check_txn(fz, txn, r, &out);
    if (fz->t->mem.writes != writes) {
        /* An event record may have landed in a table: nothing to compare. */
        return r;
    }
    if (clean) {
        r2 = smmuv3_aux_translate(&fz->shadow, txn, &out2);
        fz_assert(fz_same(r, &out, r2, &out2, txn->iova),
                  "cached %d pa 0x%" PRIx64 "/0x%" PRIx64 " r%d w%d, uncached "
                  "%d pa 0x%" PRIx64 "/0x%" PRIx64 " r%d w%d (sid 0x%x ssv %d "
                  "ssid 0x%x iova 0x%" PRIx64 ")", r, out.pa, out.addr_mask,
                  out.read, out.write, r2, out2.pa, out2.addr_mask, out2.read,
                  out2.write, txn->sid, txn->ssv, txn->ssid, txn->iova);
    }
    /* The same transaction again: now from the caches it just filled. */
    r2 = smmuv3_aux_translate(e, txn, &out2);
    fz_check_txn(fz, txn, r2, &out2);
    fz_assert(fz->t->mem.writes != writes ||
              fz_same(r, &out, r2, &out2, txn->iova),
              "repeated: %d pa 0x%" PRIx64 "/0x%" PRIx64 ", then %d pa 0x%"
              PRIx64 "/0x%" PRIx64 " (sid 0x%x ssv %d ssid 0x%x iova 0x%"
              PRIx64 ")", r, out.pa, out.addr_mask, r2, out2.pa,
              out2.addr_mask, txn->sid, txn->ssv, txn->ssid, txn->iova);
    return r;
}

/* ---- Raw accesses ------------------------------------------------------ */

/* Architected registers, for offset bytes below FZ_REG_RAW. */
static const uint32_t fz_regs[] = {
    A_IDR0, A_IDR1, A_IDR5, A_IIDR, A_AIDR, A_CR0, A_CR0ACK, A_CR1, A_CR2,
    A_STATUSR, A_GBPA, A_AGBPA, A_IRQ_CTRL, A_IRQ_CTRLACK, A_GERROR,
    A_GERRORN, A_GERROR_IRQ_CFG0, A_GERROR_IRQ_CFG0 + 4, A_GERROR_IRQ_CFG1,
    A_GERROR_IRQ_CFG2, A_STRTAB_BASE, A_STRTAB_BASE + 4, A_STRTAB_BASE_CFG,
    A_CMDQ_BASE, A_CMDQ_BASE + 4, A_CMDQ_PROD, A_CMDQ_CONS, A_EVENTQ_BASE,
    A_EVENTQ_BASE + 4, A_EVENTQ_PROD_PAGE0, A_EVENTQ_CONS_PAGE0,
    A_EVENTQ_IRQ_CFG0, A_EVENTQ_IRQ_CFG0 + 4, A_EVENTQ_IRQ_CFG1,
    A_EVENTQ_IRQ_CFG2, A_PRIQ_BASE, A_PRIQ_BASE + 4, A_PRIQ_IRQ_CFG0,
    A_PRIQ_IRQ_CFG1, A_PRIQ_IRQ_CFG2, A_EVENTQ_PROD, A_EVENTQ_CONS,
    A_PRIQ_PROD, A_PRIQ_CONS,
    SMMUV3_AUX_SECURE_BANK, SMMUV3_AUX_SECURE_BANK + 0x20,
    SMMUV3_AUX_PAGE0_REGS_END, SMMUV3_AUX_PAGE0_REGS_END - 4,
    SMMUV3_AUX_PAGE_SIZE - 4, SMMUV3_AUX_MMIO_SIZE - 8,
};

static uint64_t fz_reg_off(FzInput *in)
{
    unsigned b = fz_take(in, 1);

    if (b < FZ_REG_RAW) {
        return fz_regs[b % ARRAY_SIZE(fz_regs)];
    }
    return fz_take(in, 3) % SMMUV3_AUX_MMIO_SIZE;
}

/* Registers whose writes change what a cached entry was decoded from. */
static bool fz_reg_is_config(uint64_t off)
{
    switch (off & ~7ULL) {
    case A_CR0 & ~7ULL:
    case A_CR2 & ~7ULL:
    case A_GBPA & ~7ULL:
    case A_STRTAB_BASE:
    case A_STRTAB_BASE_CFG & ~7ULL:
        return true;
    default:
        return false;
    }
}

static void fz_mmio_write(Fz *fz, uint64_t off, uint64_t val, unsigned size)
{
    if (fz_reg_is_config(off)) {
        fz_dirty(fz);
    }
    if (size == 8) {
        reg_w64(fz->t, off & ~7ULL, val);
    } else {
        reg_w32(fz->t, off & ~3ULL, val);
    }
}

static void fz_mem_write64(Fz *fz, uint64_t pa, uint64_t val)
{
    fz_dirty(fz);
    mem_write64(fz->t, pa, val);
}

static void fz_fault(Fz *fz, FzInput *in)
{
    uint64_t off = fz_take(in, 3) % FZ_MEM_SIZE;
    unsigned mode = fz_take(in, 1);

    fz_dirty(fz);
    switch (mode % 4) {
    case 0:
        mem_fault_read(fz->t, off & ~0xfffULL, 0x1000 << (mode >> 4));
        break;
    case 1:
        mem_fault_write(fz->t, off & ~0xfffULL, 0x1000 << (mode >> 4));
        break;
    default:
        mem_clear_faults(fz->t);
        break;
    }
}

static void fz_flush(Fz *fz)
{
    SMMUv3AuxIrqReq irqs[SMMUV3_AUX_IRQ_NUM];
    SMMUv3AuxInval inv[8];
    bool all;

    (void)smmuv3_aux_engine_take_irqs(&fz->t->e, irqs);
    (void)smmuv3_aux_engine_take_invals(&fz->t->e, inv, ARRAY_SIZE(inv),
                                        &all);
}

/* ---- Transactions ------------------------------------------------------ */

static uint64_t fz_iova(FzInput *in)
{
    unsigned mode = fz_take(in, 1);

    switch (mode & 3) {
    case 0:     /* a page in the first 64 GiB */
        return fz_take(in, 3) << 12 | (mode >> 2) << 6;
    case 1:     /* the upper (TTB1) half */
        return ~0ULL << 40 | fz_take(in, 3) << 12;
    default:
        return fz_take(in, 8);
    }
}

static void fz_txn_read(FzInput *in, SMMUv3AuxTxn *txn)
{
    unsigned attr = fz_take(in, 1);

    memset(txn, 0, sizeof(*txn));
    txn->sid = attr & 0x80 ? fz_take(in, 4) : fz_take(in, 1);
    txn->is_write = attr & 1;
    txn->is_priv = attr & 2;
    txn->is_exec = attr & 4;
    txn->ssv = attr & 8;
    if (txn->ssv) {
        txn->ssid = (attr & 0x10 ? fz_take(in, 3) : fz_take(in, 1)) & 0xfffff;
    }
    txn->iova = fz_iova(in);
}

static void fz_txn(Fz *fz, FzInput *in)
{
    SMMUv3AuxTxn txn;

    fz_txn_read(in, &txn);
    (void)fz_translate(fz, &txn);
}

/* Several pages (or addresses of one block) of a stream, one after another. */
static void fz_txn_run(Fz *fz, FzInput *in)
{
    unsigned n = fz_take(in, 1);
    uint64_t stride = 1ULL << (12 + (n >> 4) % 10);
    SMMUv3AuxTxn txn;

    fz_txn_read(in, &txn);
    for (unsigned i = 0; i <= (n & 15); i++) {
        (void)fz_translate(fz, &txn);
        txn.iova += stride;
    }
}

/* ---- Stream table ---------------------------------------------------- */

/* Where the engine reads the STE of sid, creating a level-2 array if needed. */
static uint64_t fz_ste_addr(Fz *fz, uint32_t sid)
{
    const SMMUv3AuxStrtab *st = &fz->t->e.strtab;
    uint64_t l1, desc, l2;
    unsigned span;

    if (st->log2size < 32) {
        sid &= (1ULL << st->log2size) - 1;
    }
    if (!st->two_level) {
        return st->base + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    l1 = st->base + (uint64_t)(sid >> st->split) * SMMUV3_AUX_L1STD_SIZE;
    desc = mem_read64(fz->t, l1);
    span = FIELD_EX64(desc, L1STD, SPAN);
    if (span == 0 || span > st->split + 1) {
        span = st->split + 1;
        l2 = FZ_STRTAB_L2 + ((sid >> st->split) % 64) * 0x10000;
        fz_mem_write64(fz, l1, l1std_make(l2, span));
    } else {
        l2 = desc & R_L1STD_L2PTR_MASK &
             ~(((uint64_t)SMMUV3_AUX_STE_SIZE << (span - 1)) - 1);
    }
    return l2 + (uint64_t)(sid & ((1u << (span - 1)) - 1)) *
                SMMUV3_AUX_STE_SIZE;
}

static void fz_write_qws(Fz *fz, uint64_t pa, const uint64_t *qw, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        fz_mem_write64(fz, pa + i * 8, qw[i]);
    }
}

static uint64_t fz_pt_root(unsigned idx)
{
    return FZ_PT + (uint64_t)(idx % 64) * 0x10000;
}

/* STE.Config values, most of them translating. */
static const uint8_t fz_ste_configs[8] = { 5, 7, 6, 4, 0, 5, 7, 3 };

static void fz_ste(Fz *fz, FzInput *in)
{
    uint32_t sid = fz_take(in, 2);
    unsigned b0 = fz_take(in, 1), b1 = fz_take(in, 1), b2 = fz_take(in, 1);
    unsigned ctx = fz_take(in, 1), s2a = fz_take(in, 1);
    unsigned s2b = fz_take(in, 1), s2c = fz_take(in, 1);
    SMMUv3AuxSTE ste = { { 0 } };
    uint64_t q0 = 0, q1 = 0, q2 = 0, ctxptr;

    q0 = FIELD_DP64(q0, STE_0, V, !(b0 & 0x80));
    q0 = FIELD_DP64(q0, STE_0, CONFIG, fz_ste_configs[b0 & 7]);
    q0 = FIELD_DP64(q0, STE_0, S1FMT, (b0 >> 3) & 3);
    q0 = FIELD_DP64(q0, STE_0, S1CDMAX, b1 & 0x1f);
    if (ctx & 0x80) {
        ctxptr = fz_take(in, 7) << 6;
    } else {
        ctxptr = FZ_CD + (uint64_t)(ctx & 7) * 0x40000 + ((ctx >> 3) << 6);
    }
    q0 |= ctxptr & R_STE_0_S1CONTEXTPTR_MASK;
    q1 = FIELD_DP64(q1, STE_1, S1DSS, b1 >> 5);
    q1 = FIELD_DP64(q1, STE_1, MEV, (b0 >> 5) & 1);
    q1 = FIELD_DP64(q1, STE_1, S1STALLD, (b0 >> 6) & 1 && (b1 & 0x80));
    q1 = FIELD_DP64(q1, STE_1, STRW, b2 & 3);
    q1 = FIELD_DP64(q1, STE_1, PRIVCFG, (b2 >> 2) & 3);
    q1 = FIELD_DP64(q1, STE_1, INSTCFG, (b2 >> 4) & 3);
    q1 = FIELD_DP64(q1, STE_1, EATS, b2 >> 6);
    q2 = FIELD_DP64(q2, STE_2, S2T0SZ, 16 + (s2a & 0x1f));
    q2 = FIELD_DP64(q2, STE_2, S2SL0, s2a >> 5);
    q2 = FIELD_DP64(q2, STE_2, S2TG, s2b & 3);
    q2 = FIELD_DP64(q2, STE_2, S2PS, (s2b >> 2) & 7);
    q2 = FIELD_DP64(q2, STE_2, S2AA64, !(s2b & 0x20));
    q2 = FIELD_DP64(q2, STE_2, S2R, !(s2b & 0x40));
    q2 = FIELD_DP64(q2, STE_2, S2PTW, (s2b >> 7) & 1);
    q2 = FIELD_DP64(q2, STE_2, S2AFFD, s2c & 1);
    q2 = FIELD_DP64(q2, STE_2, S2S, (s2c >> 1) & 1);
    q2 = FIELD_DP64(q2, STE_2, S2ENDI, (s2c >> 2) & 1 && (s2a & 0x80));
    q2 = FIELD_DP64(q2, STE_2, S2HA, (s2c >> 3) & 1);
    q2 = FIELD_DP64(q2, STE_2, S2HD, (s2c >> 4) & 1);
    q2 = FIELD_DP64(q2, STE_2, S2VMID, fz_take(in, 2));
    ste.qw[0] = q0;
    ste.qw[1] = q1;
    ste.qw[2] = q2;
    ste.qw[3] = fz_pt_root(s2c >> 5) & R_STE_3_S2TTB_MASK;
    if (b2 & 0x80) {
        /* Flip bits anywhere: reserved fields, RES0 bits. */
        ste.qw[fz_take(in, 1) & 7] ^= fz_take(in, 8);
    }
    fz_write_qws(fz, fz_ste_addr(fz, sid), ste.qw, 8);
}

static void fz_l1std(Fz *fz, FzInput *in)
{
    const SMMUv3AuxStrtab *st = &fz->t->e.strtab;
    uint32_t idx = fz_take(in, 2);
    unsigned b = fz_take(in, 1);
    uint64_t l2 = FZ_STRTAB_L2 + (uint64_t)(b & 63) * 0x10000;

    if (b & 0x80) {
        l2 = fz_take(in, 7) << 6;
    }
    fz_mem_write64(fz, st->base + (uint64_t)idx * SMMUV3_AUX_L1STD_SIZE,
                   l1std_make(l2, fz_take(in, 1) % 16));
}

/* ---- Context descriptors --------------------------------------------- */

typedef struct FzSteView {
    bool ok;
    unsigned config, s1fmt, s1cdmax;
    uint64_t ctxptr;
} FzSteView;

/* The STE of sid as the engine would find it, without creating anything. */
static FzSteView fz_ste_view(Fz *fz, uint32_t sid)
{
    const SMMUv3AuxStrtab *st = &fz->t->e.strtab;
    FzSteView v = { 0 };
    uint64_t addr, q0;

    if (st->two_level) {
        uint64_t d = mem_read64(fz->t, st->base + (uint64_t)(sid >> st->split)
                                * SMMUV3_AUX_L1STD_SIZE);
        unsigned span = FIELD_EX64(d, L1STD, SPAN);

        if (span == 0 || span > st->split + 1 ||
            (sid & ((1u << st->split) - 1)) >= (1u << (span - 1))) {
            return v;
        }
        addr = (d & R_L1STD_L2PTR_MASK &
                ~(((uint64_t)SMMUV3_AUX_STE_SIZE << (span - 1)) - 1)) +
               (uint64_t)(sid & ((1u << st->split) - 1)) * SMMUV3_AUX_STE_SIZE;
    } else {
        addr = st->base + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    q0 = mem_read64(fz->t, addr);
    v.ok = true;
    v.config = FIELD_EX64(q0, STE_0, CONFIG);
    v.s1fmt = FIELD_EX64(q0, STE_0, S1FMT);
    v.s1cdmax = FIELD_EX64(q0, STE_0, S1CDMAX);
    v.ctxptr = q0 & R_STE_0_S1CONTEXTPTR_MASK;
    return v;
}

static bool fz_cd_2lvl(const FzSteView *v)
{
    return v->s1cdmax && (v->s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_4K ||
                          v->s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_64K);
}

static unsigned fz_cd_split(const FzSteView *v)
{
    return v->s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_4K ? 6 : 10;
}

/* Address of the L1CD for ssid (2-level CD tables only). */
static uint64_t fz_l1cd_addr(const FzSteView *v, uint32_t ssid)
{
    unsigned split = fz_cd_split(v);
    unsigned l1_bits = v->s1cdmax > split ? v->s1cdmax - split : 0;
    uint64_t align = MAX((uint64_t)SMMUV3_AUX_L1CD_SIZE << l1_bits, 64);

    return (v->ctxptr & ~(align - 1)) +
           (uint64_t)(ssid >> split) * SMMUV3_AUX_L1CD_SIZE;
}

static uint64_t fz_l1cd_make(unsigned leaf, bool valid)
{
    uint64_t d = FZ_CD_L2 + (uint64_t)(leaf % 64) * 0x10000;

    return FIELD_DP64(d & R_L1CD_L2PTR_MASK, L1CD, V, valid);
}

/*
 * Where the engine reads the CD of (sid, ssid), writing a valid L1CD if a
 * 2-level table lacks one.  A nested STE's table is an IPA, used as is.
 */
static uint64_t fz_cd_addr(Fz *fz, uint32_t sid, uint32_t ssid)
{
    FzSteView v = fz_ste_view(fz, sid);
    unsigned split;
    uint64_t l1, d, l2;

    if (!v.ok) {
        return FZ_CD + (uint64_t)(ssid & 0xfff) * SMMUV3_AUX_CD_SIZE;
    }
    if (v.s1cdmax) {
        ssid &= (1u << v.s1cdmax) - 1;
    } else {
        ssid = 0;
    }
    if (!fz_cd_2lvl(&v)) {
        uint64_t base = v.ctxptr &
                        ~(((uint64_t)SMMUV3_AUX_CD_SIZE << v.s1cdmax) - 1);

        return base + (uint64_t)ssid * SMMUV3_AUX_CD_SIZE;
    }
    split = fz_cd_split(&v);
    l1 = fz_l1cd_addr(&v, ssid);
    d = mem_read64(fz->t, l1);
    if (!FIELD_EX64(d, L1CD, V)) {
        d = fz_l1cd_make(ssid >> split, true);
        fz_mem_write64(fz, l1, d);
    }
    l2 = d & R_L1CD_L2PTR_MASK & ~(((uint64_t)SMMUV3_AUX_CD_SIZE << split) - 1);
    return l2 + (uint64_t)(ssid & ((1u << split) - 1)) * SMMUV3_AUX_CD_SIZE;
}

static void fz_cd(Fz *fz, FzInput *in)
{
    uint32_t sid = fz_take(in, 1);
    uint32_t ssid = fz_take(in, 3) & 0xfffff;
    unsigned b0 = fz_take(in, 1), b1 = fz_take(in, 1), b2 = fz_take(in, 1);
    unsigned b3 = fz_take(in, 1), tt = fz_take(in, 1);
    SMMUv3AuxCD cd = { { 0 } };
    uint64_t c0 = 0;

    c0 = FIELD_DP64(c0, CD_0, T0SZ, 16 + (b0 & 0x1f) + (b0 & 0x20 ? 16 : 0));
    c0 = FIELD_DP64(c0, CD_0, TG0, b0 >> 6);
    c0 = FIELD_DP64(c0, CD_0, IR0, 1);
    c0 = FIELD_DP64(c0, CD_0, OR0, 1);
    c0 = FIELD_DP64(c0, CD_0, SH0, 3);
    c0 = FIELD_DP64(c0, CD_0, IPS, b1 & 7);
    c0 = FIELD_DP64(c0, CD_0, EPD0, (b1 >> 3) & 1 && (b3 & 1));
    c0 = FIELD_DP64(c0, CD_0, EPD1, !((b1 >> 4) & 1));
    c0 = FIELD_DP64(c0, CD_0, AA64, !((b1 >> 5) & 1));
    c0 = FIELD_DP64(c0, CD_0, R, !((b1 >> 6) & 1));
    c0 = FIELD_DP64(c0, CD_0, A, !((b1 >> 7) & 1));
    c0 = FIELD_DP64(c0, CD_0, S, b2 & 1 && (b3 & 2));
    c0 = FIELD_DP64(c0, CD_0, ASET, (b2 >> 1) & 1);
    c0 = FIELD_DP64(c0, CD_0, WXN, (b2 >> 2) & 1);
    c0 = FIELD_DP64(c0, CD_0, UWXN, (b2 >> 3) & 1);
    c0 = FIELD_DP64(c0, CD_0, TBI0, (b2 >> 4) & 1);
    c0 = FIELD_DP64(c0, CD_0, TBI1, (b2 >> 5) & 1);
    c0 = FIELD_DP64(c0, CD_0, PAN, (b2 >> 6) & 1);
    c0 = FIELD_DP64(c0, CD_0, AFFD, (b2 >> 7) & 1);
    c0 = FIELD_DP64(c0, CD_0, HA, (b3 >> 2) & 1);
    c0 = FIELD_DP64(c0, CD_0, HD, (b3 >> 2) & 1 && (b3 & 8));
    c0 = FIELD_DP64(c0, CD_0, V, !((b3 >> 4) & 1));
    c0 = FIELD_DP64(c0, CD_0, T1SZ, 16 + (b0 & 0x1f));
    c0 = FIELD_DP64(c0, CD_0, TG1, (b3 >> 5) & 3);
    c0 = FIELD_DP64(c0, CD_0, ENDI, (b3 >> 7) & 1 && (b2 & 1));
    c0 = FIELD_DP64(c0, CD_0, ASID, fz_take(in, 2));
    cd.qw[0] = c0;
    cd.qw[1] = fz_pt_root(tt) & R_CD_1_TTB0_MASK;
    cd.qw[1] = FIELD_DP64(cd.qw[1], CD_1, HAD0, (tt >> 6) & 1);
    cd.qw[2] = fz_pt_root(tt + 1) & R_CD_2_TTB1_MASK;
    cd.qw[3] = TEST_MAIR_LINUX;
    if (tt & 0x80) {
        cd.qw[fz_take(in, 1) & 7] ^= fz_take(in, 8);
    }
    fz_write_qws(fz, fz_cd_addr(fz, sid, ssid), cd.qw, 8);
}

static void fz_l1cd(Fz *fz, FzInput *in)
{
    uint32_t sid = fz_take(in, 1);
    uint32_t ssid = fz_take(in, 3) & 0xfffff;
    unsigned b = fz_take(in, 1);
    FzSteView v = fz_ste_view(fz, sid);
    uint64_t d = fz_l1cd_make(b, !(b & 0x80));

    if (b & 0x40) {
        d = fz_take(in, 8);
    }
    if (v.ok && fz_cd_2lvl(&v)) {
        fz_mem_write64(fz, fz_l1cd_addr(&v, ssid & ((1u << v.s1cdmax) - 1)),
                       d);
    } else {
        fz_mem_write64(fz, FZ_CD + (uint64_t)(ssid & 0x3fff) * 8, d);
    }
}

/* ---- Translation tables ------------------------------------------------ */

/* Descriptor attributes, in the bits a leaf descriptor has them. */
static uint64_t fz_leaf_attrs(unsigned b, unsigned c)
{
    uint64_t a = 0;

    a |= (uint64_t)(b & 7) << 2;        /* AttrIndx / MemAttr[2:0] */
    a |= (uint64_t)((b >> 3) & 1) << 5; /* NS / MemAttr[3] */
    a |= (uint64_t)((b >> 4) & 3) << 6; /* AP[2:1] / S2AP */
    a |= 3ULL << 8;                     /* SH inner shareable */
    a |= (uint64_t)!((b >> 6) & 1) << 10;   /* AF */
    a |= (uint64_t)((b >> 7) & 1) << 11;    /* nG */
    a |= (uint64_t)(c & 1) << 52;       /* Contiguous */
    a |= (uint64_t)((c >> 1) & 3) << 53;    /* PXN, UXN / XN[1:0] */
    return a;
}

static void fz_pte(Fz *fz, FzInput *in)
{
    unsigned root = fz_take(in, 1);
    uint64_t pa = fz_pt_root(root) + (fz_take(in, 2) % 8192) * 8;
    unsigned kind = fz_take(in, 1);
    uint64_t d;

    switch (kind & 3) {
    case 0:     /* table */
        d = fz_pt_root(kind >> 2) | 3;
        break;
    case 1:     /* block */
    case 2:     /* page */
        d = (FZ_DATA + (fz_take(in, 2) << 12)) |
            fz_leaf_attrs(fz_take(in, 1), kind >> 2) | ((kind & 3) == 2 ? 3 : 1);
        break;
    default:
        d = fz_take(in, 8);
        break;
    }
    fz_mem_write64(fz, pa, d);
}

/*
 * Map va to pa at leaf_level in the table at root, any granule, creating
 * tables from FZ_PT_ALLOC.  Stage 1 and stage 2 share the format.
 */
static void fz_map(Fz *fz, FzInput *in)
{
    unsigned root = fz_take(in, 1), geo = fz_take(in, 1);
    unsigned gbits = 12 + 2 * ((geo & 3) % 3);      /* 12, 14, 16 */
    unsigned stride = gbits - 3;
    unsigned inputsize = 25 + (geo >> 2) % 24;      /* 25..48 */
    int start = 3 - (int)((inputsize - 1 - gbits) / stride);
    int leaf = MAX(start, 1 + (int)(fz_take(in, 1) % 3));
    unsigned mode = fz_take(in, 1);
    uint64_t va = fz_take(in, 3) << gbits;
    uint64_t table = fz_pt_root(root), pa, attrs;

    if (start < 0) {
        start = 0;
    }
    attrs = fz_leaf_attrs(fz_take(in, 1), fz_take(in, 1));
    if (mode & 1) {
        pa = va;                                    /* identity */
    } else {
        pa = FZ_DATA + (fz_take(in, 3) << gbits);
    }
    for (int l = start; l <= leaf; l++) {
        unsigned shift = gbits + stride * (3 - l);
        uint64_t idx = (va >> shift) & ((1ULL << (l == start ?
                        inputsize - shift : stride)) - 1);
        uint64_t addr = table + idx * 8, desc;

        if (l == leaf) {
            pa &= ~((1ULL << shift) - 1);
            fz_mem_write64(fz, addr, pa | attrs | (l == 3 ? 3 : 1));
            break;
        }
        desc = mem_read64(fz->t, addr);
        if ((desc & 3) != 3) {
            fz->t->pt_next = QEMU_ALIGN_UP(fz->t->pt_next, 1ULL << gbits);
            desc = fz->t->pt_next | 3;
            fz->t->pt_next += 1ULL << gbits;
            fz_mem_write64(fz, addr, desc);
        }
        table = desc & MAKE_64BIT_MASK(gbits, 48 - gbits);
    }
}

/* ---- Commands and queues ----------------------------------------------- */

static const uint8_t fz_opcodes[] = {
    SMMUV3_AUX_CMD_PREFETCH_CONFIG, SMMUV3_AUX_CMD_PREFETCH_ADDR,
    SMMUV3_AUX_CMD_CFGI_STE, SMMUV3_AUX_CMD_CFGI_STE_RANGE,
    SMMUV3_AUX_CMD_CFGI_CD, SMMUV3_AUX_CMD_CFGI_CD_ALL,
    SMMUV3_AUX_CMD_CFGI_VMS_PIDM, SMMUV3_AUX_CMD_TLBI_NH_ALL,
    SMMUV3_AUX_CMD_TLBI_NH_ASID, SMMUV3_AUX_CMD_TLBI_NH_VA,
    SMMUV3_AUX_CMD_TLBI_NH_VAA, SMMUV3_AUX_CMD_TLBI_EL3_ALL,
    SMMUV3_AUX_CMD_TLBI_EL3_VA, SMMUV3_AUX_CMD_TLBI_EL2_ALL,
    SMMUV3_AUX_CMD_TLBI_EL2_ASID, SMMUV3_AUX_CMD_TLBI_EL2_VA,
    SMMUV3_AUX_CMD_TLBI_EL2_VAA, SMMUV3_AUX_CMD_TLBI_S12_VMALL,
    SMMUV3_AUX_CMD_TLBI_S2_IPA, SMMUV3_AUX_CMD_TLBI_NSNH_ALL,
    SMMUV3_AUX_CMD_ATC_INV, SMMUV3_AUX_CMD_PRI_RESP, SMMUV3_AUX_CMD_RESUME,
    SMMUV3_AUX_CMD_STALL_TERM, SMMUV3_AUX_CMD_SYNC,
    SMMUV3_AUX_CMD_TLBI_S_EL2_ALL, SMMUV3_AUX_CMD_TLBI_S_EL2_ASID,
    SMMUV3_AUX_CMD_TLBI_S_EL2_VA, SMMUV3_AUX_CMD_TLBI_S_EL2_VAA,
    SMMUV3_AUX_CMD_TLBI_S_S12_VMALL, SMMUV3_AUX_CMD_TLBI_S_S2_IPA,
    SMMUV3_AUX_CMD_TLBI_SNH_ALL, SMMUV3_AUX_CMD_DPTI_ALL,
    SMMUV3_AUX_CMD_DPTI_PA,
};
QEMU_BUILD_BUG_ON(ARRAY_SIZE(fz_opcodes) != SMMUV3_AUX_CMD_NUM_ARCHITECTED);

/*
 * One command: an opcode byte (below 0xc0 one of the architected ones),
 * a flags byte saying which fields are random, then those fields.
 */
static SMMUv3AuxCmd fz_cmd(FzInput *in)
{
    unsigned op = fz_take(in, 1), f = fz_take(in, 1);
    SMMUv3AuxCmd c = { { 0, 0 } };

    op = op < 0xc0 ? fz_opcodes[op % ARRAY_SIZE(fz_opcodes)] : op;
    c.qw[0] = op;
    if (f & 1) {
        c.qw[0] |= fz_take(in, 7) << 8;             /* everything */
    } else {
        c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, SID, fz_take(in, 1));
        if (f & 2) {
            c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, SSV, 1);
            c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, SSID, fz_take(in, 3));
        }
        if (f & 4) {                                /* VMID, ASID */
            c.qw[0] = deposit64(c.qw[0], 32, 32, fz_take(in, 4));
            c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, NUM, fz_take(in, 1));
        }
    }
    if (op == SMMUV3_AUX_CMD_SYNC && !(f & 1)) {
        c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, CS, (f >> 3) & 3);
        c.qw[0] = FIELD_DP64(c.qw[0], CMD_0, MSIDATA, 0x5a5a5a5a);
        c.qw[1] = (FZ_DATA - 0x1000) & R_CMD_1_MSIADDR_MASK;
    }
    if (f & 0x20) {
        c.qw[1] = fz_take(in, 8);                   /* address, range, ... */
    } else if (f & 0x40) {
        c.qw[1] = fz_take(in, 1);                   /* Leaf, Range */
    } else if (f & 0x80) {
        c.qw[1] = fz_iova(in) & R_CMD_1_ADDR_MASK;
        c.qw[1] |= fz_take(in, 1) << 5 & 0xfe0;     /* TTL, TG */
    }
    return c;
}

/* 1..4 commands at CMDQ_PROD, then one write of PROD. */
static void fz_cmds(Fz *fz, FzInput *in)
{
    unsigned n = 1 + fz_take(in, 1) % 4;
    SMMUv3AuxCmd cmds[4];

    fz_dirty(fz);       /* the queue may have been moved over a table */
    for (unsigned i = 0; i < n; i++) {
        cmds[i] = fz_cmd(in);
    }
    tsmmu_submit(fz->t, cmds, n);
}

static void fz_evtq(Fz *fz, FzInput *in)
{
    SMMUv3AuxEngine *e = &fz->t->e;
    unsigned mode = fz_take(in, 1);
    uint32_t prod = e->regs.evtq_prod;

    switch (mode % 4) {
    case 0:     /* consume everything and acknowledge an overflow */
        reg_w32(fz->t, A_EVENTQ_CONS, prod);
        break;
    case 1:     /* consume some */
        reg_w32(fz->t, A_EVENTQ_CONS, (e->regs.evtq_cons & SMMUV3_AUX_Q_OVF) |
                ((e->regs.evtq_cons + (mode >> 2)) & 0xfffff));
        break;
    case 2:     /* another size or place */
        reg_w64(fz->t, A_EVENTQ_BASE, R_EVENTQ_BASE_WA_MASK |
                (FZ_EVTQ + ((mode >> 7) << 16)) | ((mode >> 2) & 0x1f));
        break;
    default:    /* acknowledge GERROR */
        reg_w32(fz->t, A_GERRORN, e->regs.gerror);
        break;
    }
}

/* ---- Stream table reconfiguration ------------------------------------- */

static void fz_setup_strtab(Fz *fz, bool two_level, unsigned log2size,
                            unsigned split)
{
    if (two_level) {
        tsmmu_setup_strtab_2lvl(fz->t, FZ_STRTAB, log2size, split);
    } else {
        tsmmu_setup_strtab_linear(fz->t, FZ_STRTAB, log2size);
    }
}

static void fz_strtab(Fz *fz, FzInput *in)
{
    SMMUv3AuxEngine *e = &fz->t->e;
    unsigned b = fz_take(in, 1), c = fz_take(in, 1);
    uint32_t cr0 = e->regs.cr0;
    static const uint8_t splits[4] = { 6, 8, 10, 7 };

    fz_dirty(fz);
    reg_w32(fz->t, A_CR0, cr0 & ~R_CR0_SMMUEN_MASK);
    fz_setup_strtab(fz, b & 1, (b >> 1) % 33, splits[(b >> 6) & 3]);
    if (!(c & 1)) {
        reg_w32(fz->t, A_CR0, cr0);
    }
    if (c & 2) {
        reg_w32(fz->t, A_GBPA, R_GBPA_UPDATE_MASK |
                ((c & 4) ? R_GBPA_ABORT_MASK : 0) | ((c >> 3) << 16));
    }
}

/* ---- The program -------------------------------------------------------- */

static const uint32_t fz_tlb_sizes[8] = { SMMUV3_AUX_IOTLB_DEFAULT_SIZE, 0, 1,
                                          2, 4, 16, 64, 256 };
static const uint32_t fz_cfgc_sizes[8] = { SMMUV3_AUX_CFGC_DEFAULT_SIZE, 0, 1,
                                           2, 4, 16, 64, 256 };
static const uint8_t fz_ssid_sizes[4] = { 20, 0, 5, 20 };
static const uint8_t fz_oas[4] = { 48, 52, 40, 44 };

static void fz_setup(Fz *fz, FzInput *in)
{
    unsigned h0 = fz_take(in, 1), h1 = fz_take(in, 1);
    SMMUv3AuxParams p;
    unsigned split = (h1 >> 1) & 3 ? 6 + 2 * (((h1 >> 1) & 3) - 1) : 8;

    smmuv3_aux_params_set_defaults(&p);
    p.ssid_size = fz_ssid_sizes[h0 & 3];
    p.iotlb_size = fz_tlb_sizes[(h0 >> 2) & 7];
    p.cfgc_size = fz_cfgc_sizes[(h0 >> 5) & 7];
    p.oas_bits = fz_oas[(h1 >> 5) & 3];
    p.hyp = !(h1 & 0x80);
    fz->t = tsmmu_new(&p);
    fz->shadow_params = p;
    fz->shadow_params.iotlb_size = 0;
    fz->shadow_params.cfgc_size = 0;
    smmuv3_aux_engine_init(&fz->shadow, &fz->shadow_params, &shadow_ops,
                           &fz->t->mem);
    tpt_pool_init(fz->t, FZ_PT_ALLOC);
    if (h1 & 1) {
        fz_setup_strtab(fz, true, 16, split);
        mem_write64(fz->t, FZ_STRTAB, l1std_make(FZ_STRTAB_L2, split + 1));
    } else {
        fz_setup_strtab(fz, false, 8, 8);
    }
    tsmmu_enable_all(fz->t, FZ_CMDQ, FZ_EVTQ);
    if ((h1 >> 3) & 3) {
        tsmmu_setup_evtq(fz->t, FZ_EVTQ, ((h1 >> 3) & 3) - 1);
    }
    fz->clean = true;
    fz->clean_writes = fz->t->mem.writes;
    fz->inval_gen = fz->t->e.inval_gen;
}

static void fz_step(Fz *fz, FzInput *in)
{
    uint64_t off, val;

    switch (fz_take(in, 1) % FZ_OP_NUM) {
    case FZ_OP_W32:
        off = fz_reg_off(in);
        fz_mmio_write(fz, off, fz_take(in, 4), 4);
        break;
    case FZ_OP_W64:
        off = fz_reg_off(in);
        fz_mmio_write(fz, off, fz_take(in, 8), 8);
        break;
    case FZ_OP_R32:
        (void)smmuv3_aux_reg_read(&fz->t->e, fz_reg_off(in) & ~3ULL, 4);
        break;
    case FZ_OP_MEM:
        off = fz_take(in, 3) % FZ_MEM_SIZE;
        val = fz_take(in, 8);
        fz_mem_write64(fz, off & ~7ULL, val);
        break;
    case FZ_OP_TXN:
        fz_txn(fz, in);
        break;
    case FZ_OP_FAULT:
        fz_fault(fz, in);
        break;
    case FZ_OP_FLUSH:
        fz_flush(fz);
        break;
    case FZ_OP_STE:
        fz_ste(fz, in);
        break;
    case FZ_OP_CD:
        fz_cd(fz, in);
        break;
    case FZ_OP_L1CD:
        fz_l1cd(fz, in);
        break;
    case FZ_OP_L1STD:
        fz_l1std(fz, in);
        break;
    case FZ_OP_PTE:
        fz_pte(fz, in);
        break;
    case FZ_OP_MAP:
        fz_map(fz, in);
        break;
    case FZ_OP_CMD:
        fz_cmds(fz, in);
        break;
    case FZ_OP_EVTQ:
        fz_evtq(fz, in);
        break;
    case FZ_OP_STRTAB:
        fz_strtab(fz, in);
        break;
    default:
        fz_txn_run(fz, in);
        break;
    }
    fz_check(fz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FzInput in = { .p = data, .left = size };
    Fz fz = { 0 };

    fz_setup(&fz, &in);
    while (in.left && fz.steps++ < FZ_MAX_STEPS) {
        fz_step(&fz, &in);
    }
    smmuv3_aux_engine_finalize(&fz.shadow);
    tsmmu_free(fz.t);
    return 0;
}
