/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine microbenchmark: ns per translation through
 * smmuv3_aux_translate(), without QEMU, and the bytes per entry of the
 * IOTLB and the configuration cache as the engine reports them.
 *
 *   bench-smmuv3-aux-walk [--runs N] [--quick]
 *
 * Prints a table, then one JSON line (the last line, starting with '{')
 * that scripts/bench/bench.py reads.  Method: docs/devel/performance.rst.
 *
 * Guest memory is one flat buffer behind SMMUv3AuxEngineOps, so a
 * descriptor read is a bounds check and a memcpy: the figures are the
 * engine's own cost (STE/CD decode, walk, cache lookups), not that of
 * QEMU's memory API, which the qtest walk rows of make bench include.
 * The STE and CD builders are the unit tests' (smmuv3-aux-test-utils.c);
 * their fake memory is not used because its per-access hash lookup would
 * dominate the walk.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include <time.h>
#include "smmuv3-aux-test-utils.h"

/* Guest physical layout: one flat RAM window for everything walked. */
#define MEM_BASE    0x40000000ULL
#define MEM_SIZE    (32ULL << 20)
#define CMDQ_BASE   (MEM_BASE + 0x000000)
#define EVTQ_BASE   (MEM_BASE + 0x100000)
#define STRTAB      (MEM_BASE + 0x200000)   /* 2^11 STEs: 128 KiB */
#define CD_4K       (MEM_BASE + 0x240000)
#define CD_64K      (MEM_BASE + 0x240040)
#define POOL        (MEM_BASE + 0x400000)   /* page tables, bump-allocated */
#define STRTAB_LOG2 11
/* Data: IOVA == IPA == PA, never read by the engine, so not backed. */
#define DATA        0x80000000ULL
#define WALK_PAGES  (256 * 1024)            /* 1 GiB of 4 KiB pages */
#define HIT_PAGES   16
/* StreamIDs 0..3 are the setups; CFGC_SID0.. fill the config cache. */
#define CFGC_SID0   1024

typedef struct FlatMem {
    uint8_t *buf;
    uint64_t reads;
} FlatMem;

static bool flat_dma_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                          SMMUv3AuxMemAttrs attrs)
{
    FlatMem *m = opaque;

    if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE - len) {
        return false;
    }
    m->reads++;
    memcpy(buf, m->buf + (pa - MEM_BASE), len);
    return true;
}

static bool flat_dma_write(void *opaque, uint64_t pa, const void *buf,
                           uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    FlatMem *m = opaque;

    if (pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE - len) {
        return false;
    }
    memcpy(m->buf + (pa - MEM_BASE), buf, len);
    return true;
}

/* One thread: a compare and a store are atomic enough. */
static bool flat_dma_cmpxchg64(void *opaque, uint64_t pa, uint64_t *expected,
                               uint64_t new, SMMUv3AuxMemAttrs attrs)
{
    FlatMem *m = opaque;
    uint64_t cur;

    if ((pa & 7) || pa < MEM_BASE || pa - MEM_BASE > MEM_SIZE - 8) {
        return false;
    }
    memcpy(&cur, m->buf + (pa - MEM_BASE), 8);
    if (cur == *expected) {
        memcpy(m->buf + (pa - MEM_BASE), &new, 8);
    }
    *expected = cur;
    return true;
}

static const SMMUv3AuxEngineOps flat_ops = {
    .dma_read = flat_dma_read,
    .dma_write = flat_dma_write,
    .dma_cmpxchg64 = flat_dma_cmpxchg64,
};

static FlatMem mem;
static uint64_t pool_next = POOL;

static void wr64(uint64_t pa, uint64_t v)
{
    g_assert(pa >= MEM_BASE && pa + 8 <= MEM_BASE + MEM_SIZE);
    stq_le_p(mem.buf + (pa - MEM_BASE), v);
}

static uint64_t rd64(uint64_t pa)
{
    return ldq_le_p(mem.buf + (pa - MEM_BASE));
}

static void wr_words(uint64_t pa, const uint64_t *qw, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        wr64(pa + i * 8, qw[i]);
    }
}

/* ---- Translation tables (4K or 64K granule, leaves at level 3) ------- */

typedef struct PageTable {
    uint64_t root;
    unsigned gbits, stride, start_level;
} PageTable;

static uint64_t pool_alloc(uint64_t size)
{
    uint64_t pa = QEMU_ALIGN_UP(pool_next, size);

    pool_next = pa + size;
    g_assert(pool_next <= MEM_BASE + MEM_SIZE);
    memset(mem.buf + (pa - MEM_BASE), 0, size);
    return pa;
}

static void pt_init(PageTable *pt, unsigned gbits, unsigned inputsize)
{
    pt->gbits = gbits;
    pt->stride = gbits - 3;
    /* The start level is the one whose index covers the top input bit. */
    pt->start_level = 3;
    while (gbits + pt->stride * (4 - pt->start_level) < inputsize) {
        pt->start_level--;
    }
    pt->root = pool_alloc(1ULL << gbits);
}

static void pt_map(PageTable *pt, uint64_t va, uint64_t pa, uint64_t attrs)
{
    uint64_t table = pt->root;
    uint64_t imask = (1ULL << pt->stride) - 1;

    for (unsigned l = pt->start_level; l <= 3; l++) {
        unsigned shift = pt->gbits + pt->stride * (3 - l);
        uint64_t slot = table + ((va >> shift) & imask) * 8;
        uint64_t desc;

        if (l == 3) {
            wr64(slot, pa | attrs | 3);
            return;
        }
        desc = rd64(slot);
        if (!(desc & 1)) {
            desc = pool_alloc(1ULL << pt->gbits) | 3;
            wr64(slot, desc);
        }
        table = desc & 0x0000fffffffff000ULL;
    }
}

static void pt_map_range(PageTable *pt, uint64_t va, uint64_t pa,
                         uint64_t size, uint64_t attrs)
{
    uint64_t page = 1ULL << pt->gbits;

    for (uint64_t off = 0; off < size; off += page) {
        pt_map(pt, va + off, pa + off, attrs);
    }
}

/* ---- Setups ---------------------------------------------------------- */

typedef struct Setup {
    const char *name;       /* as in scripts/bench/qemu_bench.py SETUPS */
    const char *desc;
    uint32_t sid;
    uint64_t reads_per_walk;    /* descriptor reads of one walk */
} Setup;

static Setup setups[] = {
    { "s1-4k", "stage 1 4K, 4 levels", 0, 0 },
    { "s1-64k", "stage 1 64K, 3 levels", 1, 0 },
    { "s2-4k", "stage 2 4K, 4 levels", 2, 0 },
    { "nested", "nested 4K+4K", 3, 0 },
};

/*
 * Build the tables and STEs in guest memory once; every engine below
 * reads the same memory.  'shell' is only used for the builders, which
 * need the engine's IDR5.OAS.
 */
static void build_memory(TestSMMU *shell)
{
    PageTable s1, s1_64k, s2;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCD cd;
    uint64_t size = (uint64_t)WALK_PAGES << 12;

    pt_init(&s1, 12, 48);
    pt_map_range(&s1, DATA, DATA, size, PTE_S1_LINUX);
    pt_init(&s1_64k, 16, 48);
    pt_map_range(&s1_64k, DATA, DATA, size, PTE_S1_LINUX);
    /*
     * Stage 2: identity over the whole window (the nested CD and stage 1
     * tables are IPAs) and over the data, with 4K pages like Linux's
     * io-pgtable, so a nested walk makes the full 4 + 4 * 5 reads.
     */
    pt_init(&s2, 12, shell->params.oas_bits);
    pt_map_range(&s2, DATA, DATA, size, PTE_S2_LINUX);
    pt_map_range(&s2, MEM_BASE, MEM_BASE, MEM_SIZE, PTE_S2_LINUX);

    cd = cd_make_linux(shell, s1.root, 1);
    wr_words(CD_4K, cd.qw, 8);
    cd = cd_make_linux(shell, s1_64k.root, 2);
    cd.qw[0] = FIELD_DP64(cd.qw[0], CD_0, TG0, SMMUV3_AUX_CD_TG0_64K);
    wr_words(CD_64K, cd.qw, 8);

    ste = ste_make_s1(CD_4K);
    wr_words(STRTAB + setups[0].sid * 64, ste.qw, 8);
    /* Distinct StreamIDs with the same configuration fill the cfgc. */
    for (uint32_t sid = CFGC_SID0; sid < (1u << STRTAB_LOG2); sid++) {
        wr_words(STRTAB + sid * 64ULL, ste.qw, 8);
    }
    ste = ste_make_s1(CD_64K);
    wr_words(STRTAB + setups[1].sid * 64, ste.qw, 8);
    ste = ste_make(SMMUV3_AUX_STE_CONFIG_S2);
    ste_set_s2_linux(shell, &ste, s2.root, 1);
    wr_words(STRTAB + setups[2].sid * 64, ste.qw, 8);
    ste = ste_make_s1(CD_4K);
    ste.qw[0] = FIELD_DP64(ste.qw[0], STE_0, CONFIG,
                           SMMUV3_AUX_STE_CONFIG_NESTED);
    ste_set_s2_linux(shell, &ste, s2.root, 1);
    wr_words(STRTAB + setups[3].sid * 64, ste.qw, 8);
}

/*
 * An engine over the flat memory, programmed as Linux does (linear stream
 * table, CMDQ and EVTQ, SMMUEN).  The unit tests' TestSMMU is used as a
 * plain holder of the engine: its MMIO helpers only touch t->e; its fake
 * memory stays unused.
 */
static TestSMMU *engine_new(uint32_t iotlb_size, uint32_t cfgc_size)
{
    TestSMMU *t = g_new0(TestSMMU, 1);

    smmuv3_aux_params_set_defaults(&t->params);
    t->params.iotlb_size = iotlb_size;
    t->params.cfgc_size = cfgc_size;
    smmuv3_aux_engine_init(&t->e, &t->params, &flat_ops, &mem);
    tsmmu_setup_strtab_linear(t, STRTAB, STRTAB_LOG2);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    return t;
}

static void engine_free(TestSMMU *t)
{
    smmuv3_aux_engine_finalize(&t->e);
    g_free(t);
}

static void translate_ok(TestSMMU *t, uint32_t sid, uint64_t iova)
{
    SMMUv3AuxTxn txn = { .sid = sid, .iova = iova };
    SMMUv3AuxTxnOut out;

    if (smmuv3_aux_translate(&t->e, &txn, &out) != SMMUV3_AUX_TXN_OK ||
        (out.pa | (iova & out.addr_mask)) != iova || !out.read) {
        fprintf(stderr, "bench: sid %u iova 0x%" PRIx64 " did not translate "
                "to itself\n", sid, iova);
        exit(1);
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * ns per translation of n transactions at 4 KiB steps over npages pages.
 * The result is folded into a volatile sink so nothing is optimised out.
 */
static volatile uint64_t sink;

static double time_translations(TestSMMU *t, uint32_t sid, uint32_t npages,
                                uint64_t n)
{
    SMMUv3AuxTxn txn = { .sid = sid };
    SMMUv3AuxTxnOut out;
    uint64_t acc = 0, t0;
    uint32_t page = 0;

    t0 = now_ns();
    for (uint64_t i = 0; i < n; i++) {
        txn.iova = DATA + ((uint64_t)page << 12);
        if (smmuv3_aux_translate(&t->e, &txn, &out) != SMMUV3_AUX_TXN_OK) {
            fprintf(stderr, "bench: translation failed\n");
            exit(1);
        }
        acc += out.pa;
        if (++page == npages) {
            page = 0;
        }
    }
    sink = acc;
    return (double)(now_ns() - t0) / n;
}

/* ---- Modes ------------------------------------------------------------ */

typedef struct Mode {
    const char *name, *desc;
    uint32_t iotlb_size, cfgc_size;
    uint32_t npages;
    TestSMMU *t;
    double *ns[ARRAY_SIZE(setups)];     /* one sample per run */
} Mode;

static Mode modes[] = {
    { "walk", "walk (iotlb-size=0)", 0, SMMUV3_AUX_CFGC_DEFAULT_SIZE,
      WALK_PAGES },
    { "walk-nocfgc", "STE+CD fetch and walk (iotlb-size=0, cfgc-size=0)",
      0, 0, WALK_PAGES },
    { "hit", "IOTLB hit (16 pages, default sizes)",
      SMMUV3_AUX_IOTLB_DEFAULT_SIZE, SMMUV3_AUX_CFGC_DEFAULT_SIZE,
      HIT_PAGES },
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(const double *xs, unsigned n)
{
    g_autofree double *s = g_new(double, n);

    memcpy(s, xs, n * sizeof(*xs));
    qsort(s, n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * Memory per entry, as the engine reports it: smmuv3_aux_*_bytes() of a
 * cache filled to capacity (slots are allocated all at once on the first
 * insert), divided by the capacity.
 */
static void cache_bytes(GString *json)
{
    TestSMMU *t = engine_new(SMMUV3_AUX_IOTLB_DEFAULT_SIZE,
                             SMMUV3_AUX_CFGC_DEFAULT_SIZE);
    uint32_t icap = t->params.iotlb_size, ccap = t->params.cfgc_size;
    size_t ib, cb;
    unsigned icount, ccount;

    for (uint32_t p = 0; p < icap; p++) {
        translate_ok(t, setups[0].sid, DATA + ((uint64_t)p << 12));
    }
    for (uint32_t sid = CFGC_SID0; sid < CFGC_SID0 + ccap; sid++) {
        translate_ok(t, sid, DATA);
    }
    ib = smmuv3_aux_iotlb_bytes(&t->e.iotlb);
    cb = smmuv3_aux_cfgc_bytes(&t->e.cfgc);
    icount = smmuv3_aux_iotlb_count(&t->e.iotlb);
    ccount = smmuv3_aux_cfgc_count(&t->e.cfgc);
    printf("memory: IOTLB %zu B for %u entries (%u live): %.1f B/entry\n",
           ib, icap, icount, (double)ib / icap);
    printf("memory: config cache %zu B for %u entries (%u live): "
           "%.1f B/entry (value %zu B: SMMUv3AuxCfg)\n",
           cb, ccap, ccount, (double)cb / ccap, sizeof(SMMUv3AuxCfg));
    g_string_append_printf(json, "\"iotlb\": {\"bytes\": %zu, "
                           "\"capacity\": %u, \"live\": %u, "
                           "\"bytes_per_entry\": %.1f}, ",
                           ib, icap, icount, (double)ib / icap);
    g_string_append_printf(json, "\"cfgc\": {\"bytes\": %zu, "
                           "\"capacity\": %u, \"live\": %u, "
                           "\"bytes_per_entry\": %.1f, \"value_size\": %zu}",
                           cb, ccap, ccount, (double)cb / ccap,
                           sizeof(SMMUv3AuxCfg));
    engine_free(t);
}

int main(int argc, char **argv)
{
    unsigned runs = 7;
    bool quick = false;
    uint64_t walk_n, hit_n;
    g_autoptr(GString) json = g_string_new("{");
    TestSMMU *shell;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            int v = atoi(argv[++i]);

            runs = v > 0 ? v : 1;
        } else if (!strcmp(argv[i], "--quick")) {
            quick = true;
        } else {
            fprintf(stderr, "usage: %s [--runs N] [--quick]\n", argv[0]);
            return 2;
        }
    }
    /* One walk run covers all 256 Ki pages once: ~10^5 walks per sample. */
    walk_n = quick ? WALK_PAGES / 4 : WALK_PAGES;
    hit_n = quick ? 500000 : 4000000;

    mem.buf = g_malloc0(MEM_SIZE);
    shell = engine_new(0, 0);
    build_memory(shell);
    engine_free(shell);

    for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
        modes[m].t = engine_new(modes[m].iotlb_size, modes[m].cfgc_size);
        for (unsigned s = 0; s < ARRAY_SIZE(setups); s++) {
            modes[m].ns[s] = g_new0(double, runs);
        }
    }
    /* Check every setup once, and count the descriptor reads of a walk. */
    for (unsigned s = 0; s < ARRAY_SIZE(setups); s++) {
        uint64_t before;

        translate_ok(modes[0].t, setups[s].sid, DATA + 0x5000);
        before = mem.reads;
        translate_ok(modes[0].t, setups[s].sid, DATA + 0x6000);
        setups[s].reads_per_walk = mem.reads - before;
    }

    /*
     * Interleaved: every (mode, setup) once per run, so a drift of the
     * shared host spreads over all figures alike.  The first pass of each
     * run warms the caches (the IOTLB for the hit mode).
     */
    for (unsigned r = 0; r < runs; r++) {
        for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
            Mode *mo = &modes[m];

            for (unsigned s = 0; s < ARRAY_SIZE(setups); s++) {
                uint64_t n = mo->npages == HIT_PAGES ? hit_n : walk_n;

                time_translations(mo->t, setups[s].sid, mo->npages,
                                  MIN(mo->npages, 4096));
                mo->ns[s][r] = time_translations(mo->t, setups[s].sid,
                                                 mo->npages, n);
            }
        }
    }

    printf("smmuv3-aux engine microbenchmark: median of %u runs, "
           "%" PRIu64 " walks / %" PRIu64 " hits per run\n",
           runs, walk_n, hit_n);
    printf("%-24s %-8s %10s %10s %10s %10s\n", "mode", "setup",
           "median ns", "min ns", "max ns", "walk reads");
    g_string_append_printf(json, "\"runs\": %u, \"walk_n\": %" PRIu64
                           ", \"hit_n\": %" PRIu64 ", \"modes\": {",
                           runs, walk_n, hit_n);
    for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
        Mode *mo = &modes[m];

        g_string_append_printf(json, "%s\"%s\": {\"desc\": \"%s\"",
                               m ? ", " : "", mo->name, mo->desc);
        for (unsigned s = 0; s < ARRAY_SIZE(setups); s++) {
            double med = median(mo->ns[s], runs);
            double lo = mo->ns[s][0], hi = mo->ns[s][0];

            for (unsigned r = 1; r < runs; r++) {
                lo = MIN(lo, mo->ns[s][r]);
                hi = MAX(hi, mo->ns[s][r]);
            }
            printf("%-24s %-8s %10.1f %10.1f %10.1f %10" PRIu64 "\n",
                   mo->name, setups[s].name, med, lo, hi,
                   setups[s].reads_per_walk);
            g_string_append_printf(json, ", \"%s\": {\"desc\": \"%s\", "
                                   "\"median_ns\": %.2f, \"reads\": %" PRIu64
                                   ", \"ns\": [", setups[s].name,
                                   setups[s].desc, med,
                                   setups[s].reads_per_walk);
            for (unsigned r = 0; r < runs; r++) {
                g_string_append_printf(json, "%s%.2f", r ? ", " : "",
                                       mo->ns[s][r]);
            }
            g_string_append(json, "]}");
            g_free(mo->ns[s]);
        }
        g_string_append(json, "}");
        engine_free(mo->t);
    }
    g_string_append(json, "}, ");
    cache_bytes(json);
    g_string_append(json, "}");
    printf("%s\n", json->str);
    g_free(mem.buf);
    return 0;
}
