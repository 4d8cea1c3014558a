/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: introspection (inspect.c).  Known tables
 * are built, and the decoded STE/CD, the walk step by step, the cache
 * views and the stream-table listing must say what the spec says, while
 * nothing is written, counted or recorded.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"
#include "hw/arm/smmuv3-aux/inspect.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define CD_ADDR     0x500000ULL
#define POOL        0x1000000ULL
#define S2POOL      0x2000000ULL
#define IOVA        0x12345000ULL
#define IPA         0x80000000ULL
#define PA          0x40000000ULL
#define SID         3
#define ASID        0x42
#define VMID        0x17

typedef struct Env {
    TestSMMU *t;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCD cd;
    uint64_t s1root, s2root;
} Env;

static void env_commit(Env *env)
{
    SMMUv3AuxCmd cmds[3];

    ste_write(env->t, STRTAB + SID * 64, &env->ste);
    cd_write(env->t, CD_ADDR, &env->cd);
    cmds[0] = cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31);
    cmds[1] = cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0);
    cmds[2] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env->t, cmds, 3);
}

static void env_s1(Env *env, const SMMUv3AuxParams *p, uint64_t leaf)
{
    env->t = tsmmu_new(p);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->s1root = tpt_alloc(env->t);
    env->ste = ste_make_s1(CD_ADDR);
    env->cd = cd_make_linux(env->t, env->s1root, ASID);
    tpt_map(env->t, env->s1root, 48, IOVA, PA, leaf, 3);
    env_commit(env);
}

/* As the translation tests' nested setup: S2 maps tables by 2M blocks. */
static void env_nested(Env *env)
{
    env->t = tsmmu_new(NULL);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->s1root = tpt_alloc(env->t);
    tpt_map(env->t, env->s1root, 48, IOVA, IPA, PTE_S1_LINUX, 3);
    env->t->pt_next = S2POOL;
    env->s2root = tpt_alloc(env->t);
    tpt_map(env->t, env->s2root, 44, CD_ADDR & ~0x1fffffULL,
            CD_ADDR & ~0x1fffffULL, PTE_S2_LINUX, 2);
    tpt_map(env->t, env->s2root, 44, POOL, POOL, PTE_S2_LINUX, 2);
    tpt_map(env->t, env->s2root, 44, IPA, PA, PTE_S2_LINUX, 3);
    env->ste = ste_make_s1(CD_ADDR);
    env->ste.qw[0] = FIELD_DP64(env->ste.qw[0], STE_0, CONFIG,
                                SMMUV3_AUX_STE_CONFIG_NESTED);
    ste_set_s2_linux(env->t, &env->ste, env->s2root, VMID);
    env->cd = cd_make_linux(env->t, env->s1root, ASID);
    env_commit(env);
}

static void inspect(Env *env, SMMUv3AuxInspect *x, bool walk, uint64_t iova)
{
    memset(x, 0, sizeof(*x));
    x->sid = SID;
    x->walk = walk;
    x->iova = iova;
    smmuv3_aux_inspect_stream(&env->t->e, x);
}

static const SMMUv3AuxField *field(const SMMUv3AuxField *f, unsigned n,
                                   const char *name)
{
    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(f[i].name, name)) {
            return &f[i];
        }
    }
    g_assert_not_reached();
}

/* ---- Stage 1 ------------------------------------------------------------ */

static void test_s1_structures(void)
{
    SMMUv3AuxField f[SMMUV3_AUX_MAX_FIELDS];
    SMMUv3AuxInspect x;
    unsigned n;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    inspect(&env, &x, false, 0);
    g_assert_true(x.smmuen);
    g_assert_cmpstr(x.config, ==, "stage 1");
    g_assert_cmpstr(x.regime, ==, "NS-EL1");
    g_assert_cmpuint(x.event, ==, 0);
    g_assert_true(x.ste_read);
    g_assert_cmphex(x.ste_addr, ==, STRTAB + SID * 64);
    g_assert_cmpmem(x.ste, sizeof(x.ste), env.ste.qw, sizeof(env.ste.qw));
    g_assert_true(x.cd_read);
    g_assert_cmphex(x.cd_pa, ==, CD_ADDR);
    g_assert_cmpmem(x.cd, sizeof(x.cd), env.cd.qw, sizeof(env.cd.qw));
    g_assert_cmpuint(x.asid, ==, ASID);

    n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_STE, x.ste, f);
    g_assert_cmpuint(field(f, n, "V")->value, ==, 1);
    g_assert_cmpuint(field(f, n, "Config")->value, ==, 5);
    g_assert_cmpstr(field(f, n, "Config")->meaning, ==,
                    "stage 1 translate, stage 2 bypass");
    g_assert_cmphex(field(f, n, "S1ContextPtr")->value << 6, ==, CD_ADDR);
    n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_CD, x.cd, f);
    g_assert_cmpuint(field(f, n, "ASID")->value, ==, ASID);
    g_assert_cmpuint(field(f, n, "T0SZ")->value, ==, 16);
    g_assert_cmpstr(field(f, n, "TG0")->meaning, ==, "4KB");
    g_assert_cmphex(field(f, n, "TTB0")->value << 4, ==, env.s1root);
    tsmmu_free(env.t);
}

static void test_s1_walk(void)
{
    SMMUv3AuxField f[SMMUV3_AUX_MAX_FIELDS];
    SMMUv3AuxInspect x;
    unsigned n;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    inspect(&env, &x, true, IOVA + 0x123);
    g_assert_true(x.walked && x.translated);
    g_assert_cmphex(x.oa, ==, PA + 0x123);
    g_assert_cmphex(x.size, ==, 0x1000);
    g_assert_true(x.perm.ur && x.perm.uw);
    g_assert_cmpuint(x.trace.n, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        const SMMUv3AuxPtwTraceStep *s = &x.trace.step[i];

        g_assert_cmpuint(s->stage, ==, 1);
        g_assert_cmpint(s->level, ==, i);
        g_assert_cmphex(s->desc_addr, ==,
                        tpt_desc_addr(env.t, env.s1root, 48, IOVA, i));
        g_assert_cmphex(s->desc, ==, mem_read64(env.t, s->desc_addr));
        g_assert_cmpuint(s->kind, ==, i < 3 ? SMMUV3_AUX_PTW_DESC_TABLE :
                         SMMUV3_AUX_PTW_DESC_PAGE);
        if (i < 3) {
            g_assert_cmphex(s->next, ==, x.trace.step[i + 1].desc_addr &
                            ~0xfffULL);
        }
    }
    g_assert_cmphex(x.trace.step[3].next, ==, PA);
    n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_S1_LEAF, &x.trace.step[3].desc,
                          f);
    g_assert_cmpuint(field(f, n, "AF")->value, ==, 1);
    g_assert_cmpuint(field(f, n, "nG")->value, ==, 1);
    g_assert_cmpstr(field(f, n, "AP")->meaning, ==, "read/write");
    tsmmu_free(env.t);
}

static void test_s1_fault(void)
{
    SMMUv3AuxInspect x;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    inspect(&env, &x, true, IOVA + 0x1000);
    g_assert_true(x.walked);
    g_assert_false(x.translated);
    g_assert_cmpuint(x.fault.type, ==, SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_cmpint(x.fault.level, ==, 3);
    g_assert_cmpuint(x.trace.n, ==, 4);
    g_assert_cmpuint(x.trace.step[3].kind, ==, SMMUV3_AUX_PTW_DESC_INVALID);
    /* Explaining a fault records no event. */
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    tsmmu_free(env.t);
}

/* HTTU: the walk reports the Access flag it would set, and sets none. */
static void test_s1_httu_dry(void)
{
    SMMUv3AuxParams p;
    SMMUv3AuxInspect x;
    uint64_t leaf_addr, before;
    Env env;

    smmuv3_aux_params_set_defaults(&p);
    p.httu = SMMUV3_AUX_HTTU_HA;
    env_s1(&env, &p, PTE_S1_LINUX & ~PTE_AF);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, HA, 1);
    env_commit(&env);
    leaf_addr = tpt_desc_addr(env.t, env.s1root, 48, IOVA, 3);
    before = mem_read64(env.t, leaf_addr);
    inspect(&env, &x, true, IOVA);
    g_assert_true(x.translated);
    g_assert_true(x.trace.step[3].updated);
    g_assert_cmphex(x.trace.step[3].desc_new, ==, before | PTE_AF);
    g_assert_cmphex(mem_read64(env.t, leaf_addr), ==, before);
    tsmmu_free(env.t);
}

/* The caches are looked at, not used: no statistics move. */
static void test_caches_peeked(void)
{
    g_autofree SMMUv3AuxCounters *counters = g_new(SMMUv3AuxCounters, 1);
    SMMUv3AuxCacheStats tlb, cfg;
    SMMUv3AuxTxnOut out;
    SMMUv3AuxInspect x;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    inspect(&env, &x, false, 0);
    g_assert_false(x.cfg_cached);
    g_assert_true(x.tlb_tagged);
    g_assert_cmpuint(x.n_tlb, ==, 0);

    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_OK);
    tlb = env.t->e.iotlb.stats;
    cfg = env.t->e.cfgc.stats;
    *counters = env.t->e.counters;
    inspect(&env, &x, true, IOVA);
    g_assert_cmpmem(counters, sizeof(*counters), &env.t->e.counters,
                    sizeof(*counters));
    g_assert_true(x.cfg_cached);
    g_assert_cmpuint(x.n_tlb, ==, 1);
    g_assert_cmphex(x.tlb[0].iova, ==, IOVA);
    g_assert_cmphex(x.tlb[0].pa, ==, PA);
    g_assert_true(x.tlb[0].ng);
    g_assert_true(x.tlb_perm[0].ur && x.tlb_perm[0].uw);
    g_assert_false(x.tlb_perm[0].px);
    g_assert_cmpmem(&tlb, sizeof(tlb), &env.t->e.iotlb.stats, sizeof(tlb));
    g_assert_cmpmem(&cfg, sizeof(cfg), &env.t->e.cfgc.stats, sizeof(cfg));
    tsmmu_free(env.t);
}

/* ---- Nested ------------------------------------------------------------- */

static void test_nested_walk(void)
{
    SMMUv3AuxInspect x;
    const SMMUv3AuxPtwTraceStep *s;
    Env env;

    env_nested(&env);
    inspect(&env, &x, true, IOVA);
    g_assert_cmpstr(x.config, ==, "nested");
    g_assert_cmpuint(x.vmid, ==, VMID);
    g_assert_true(x.translated);
    g_assert_cmphex(x.ipa, ==, IPA);
    g_assert_cmphex(x.oa, ==, PA);
    /*
     * Each of the four stage-1 descriptors is preceded by the stage-2
     * walk of its IPA (levels 0-2 to a 2M block, CLASS TT); the output
     * IPA then takes a stage-2 walk to a page (CLASS IN): 4 x 4 + 4.
     */
    g_assert_cmpuint(x.trace.n, ==, 20);
    for (unsigned l = 0; l < 4; l++) {
        for (unsigned i = 0; i < 3; i++) {
            s = &x.trace.step[l * 4 + i];
            g_assert_cmpuint(s->stage, ==, 2);
            g_assert_cmpuint(s->class_, ==, SMMUV3_AUX_EVT_CLASS_TT);
            g_assert_cmpint(s->level, ==, i);
        }
        g_assert_cmpuint(x.trace.step[l * 4 + 2].kind, ==,
                         SMMUV3_AUX_PTW_DESC_BLOCK);
        s = &x.trace.step[l * 4 + 3];
        g_assert_cmpuint(s->stage, ==, 1);
        g_assert_cmpint(s->level, ==, l);
        g_assert_cmphex(x.trace.step[l * 4].input, ==, s->desc_addr);
    }
    s = &x.trace.step[19];
    g_assert_cmpuint(s->stage, ==, 2);
    g_assert_cmpuint(s->class_, ==, SMMUV3_AUX_EVT_CLASS_IN);
    g_assert_cmpuint(s->kind, ==, SMMUV3_AUX_PTW_DESC_PAGE);
    g_assert_cmphex(s->input, ==, IPA);
    g_assert_cmphex(s->next, ==, PA);
    tsmmu_free(env.t);
}

/* ---- Invalid configurations ------------------------------------------ */

static void test_bad_ste(void)
{
    SMMUv3AuxInspect x;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    /* Stage 2 translate with the S2 fields all zero: S2AA64 = 0. */
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, CONFIG,
                               SMMUV3_AUX_STE_CONFIG_S2);
    env_commit(&env);
    inspect(&env, &x, true, IOVA);
    g_assert_cmpstr(x.config, ==, "invalid");
    g_assert_cmpuint(x.event, ==, SMMUV3_AUX_EVT_C_BAD_STE);
    g_assert_nonnull(x.why);
    g_assert_false(x.walked);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    tsmmu_free(env.t);
}

static void test_bad_cd(void)
{
    SMMUv3AuxInspect x;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, T0SZ, 0);
    env_commit(&env);
    inspect(&env, &x, false, 0);
    g_assert_cmpuint(x.event, ==, SMMUV3_AUX_EVT_C_BAD_CD);
    g_assert_nonnull(x.why);
    g_assert_true(x.cd_read);

    mem_fault_read(env.t, CD_ADDR, 64);
    inspect(&env, &x, false, 0);
    g_assert_cmpuint(x.event, ==, SMMUV3_AUX_EVT_F_CD_FETCH);
    g_assert_cmphex(x.fetch_addr, ==, CD_ADDR);
    g_assert_null(x.why);
    tsmmu_free(env.t);
}

/* ---- Page-table dump ---------------------------------------------------- */

static void dump_init(SMMUv3AuxPtwDump *d, unsigned max_tables,
                      unsigned max_ranges)
{
    memset(d, 0, sizeof(*d));
    d->tables = g_new0(SMMUv3AuxPtwDumpTable, max_tables);
    d->max_tables = max_tables;
    d->ranges = g_new0(SMMUv3AuxPtwDumpRange, max_ranges);
    d->max_ranges = max_ranges;
}

static void dump_free(SMMUv3AuxPtwDump *d)
{
    g_free(d->tables);
    g_free(d->ranges);
}

/* Two contiguous pages are one range; a third elsewhere is another. */
static void test_dump_s1(void)
{
    SMMUv3AuxPtwDump d;
    SMMUv3AuxInspect x;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    tpt_map(env.t, env.s1root, 48, IOVA + 0x1000, PA + 0x1000,
            PTE_S1_LINUX, 3);
    tpt_map(env.t, env.s1root, 48, IOVA + 0x3000, PA + 0x9000,
            PTE_S1_LINUX, 3);
    dump_init(&d, 16, 16);
    memset(&x, 0, sizeof(x));
    x.sid = SID;
    g_assert_true(smmuv3_aux_inspect_tables(&env.t->e, &x, &d, NULL));
    g_assert_false(d.truncated);
    g_assert_cmpuint(d.n_tables, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmpuint(d.tables[i].level, ==, i);
        g_assert_cmpint(d.tables[i].parent, ==, (int)i - 1);
        g_assert_cmphex(d.tables[i].addr, ==,
                        tpt_desc_addr(env.t, env.s1root, 48, IOVA, i) &
                        ~0xfffULL);
        g_assert_cmphex(d.tables[i].input, ==,
                        IOVA & ~((1ULL << d.tables[i].span_shift) - 1));
    }
    g_assert_cmpuint(d.tables[0].span_shift, ==, 48);
    g_assert_cmpuint(d.tables[3].valid, ==, 3);
    g_assert_cmpuint(d.n_ranges, ==, 2);
    g_assert_cmphex(d.ranges[0].input, ==, IOVA);
    g_assert_cmphex(d.ranges[0].size, ==, 0x2000);
    g_assert_cmphex(d.ranges[0].output, ==, PA);
    g_assert_cmpuint(d.ranges[0].leaves, ==, 2);
    g_assert_cmphex(d.ranges[0].attrs, ==, PTE_S1_LINUX);
    g_assert_cmphex(d.ranges[1].input, ==, IOVA + 0x3000);
    g_assert_cmphex(d.ranges[1].output, ==, PA + 0x9000);
    dump_free(&d);
    tsmmu_free(env.t);
}

/* A level-1 table descriptor pointing back at the root is bounded. */
static void test_dump_loop(void)
{
    SMMUv3AuxPtwDump d;
    SMMUv3AuxInspect x;
    uint64_t l0;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    l0 = tpt_desc_addr(env.t, env.s1root, 48, IOVA, 0);
    for (unsigned i = 0; i < 512; i++) {
        mem_write64(env.t, env.s1root + i * 8, mem_read64(env.t, l0));
    }
    dump_init(&d, 64, 8);
    memset(&x, 0, sizeof(x));
    x.sid = SID;
    g_assert_true(smmuv3_aux_inspect_tables(&env.t->e, &x, &d, NULL));
    g_assert_true(d.truncated);
    g_assert_cmpuint(d.n_tables, ==, 64);
    dump_free(&d);
    tsmmu_free(env.t);
}

static void test_dump_nested(void)
{
    SMMUv3AuxPtwDump d1, d2;
    SMMUv3AuxInspect x;
    Env env;

    env_nested(&env);
    dump_init(&d1, 16, 16);
    dump_init(&d2, 16, 16);
    memset(&x, 0, sizeof(x));
    x.sid = SID;
    g_assert_true(smmuv3_aux_inspect_tables(&env.t->e, &x, &d1, &d2));
    g_assert_cmpuint(d1.n_tables, ==, 4);
    g_assert_false(d1.tables[3].unreadable);
    g_assert_cmpuint(d1.n_ranges, ==, 1);
    g_assert_cmphex(d1.ranges[0].output, ==, IPA);
    g_assert_cmpuint(d2.tables[0].stage, ==, 2);
    /* Stage 2: the CD and table 2M blocks, and the IPA's page. */
    g_assert_cmpuint(d2.n_ranges, ==, 3);
    dump_free(&d1);
    dump_free(&d2);
    tsmmu_free(env.t);
}

/* ---- Stream table, counters, registers ------------------------------- */

static void test_strtab_listing(void)
{
    SMMUv3AuxStreamEntry out[16];
    uint64_t next = 0;
    unsigned n;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    ste_write(env.t, STRTAB + 7 * 64, &env.ste);
    /* At most 4 STEs per call: SIDs 0-3, then 4-7, then 8-15. */
    n = smmuv3_aux_inspect_strtab(&env.t->e, &next, out, 16, 4);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(out[0].sid, ==, SID);
    g_assert_cmphex(out[0].ste_addr, ==, STRTAB + SID * 64);
    g_assert_cmpuint(FIELD_EX64(out[0].ste0, STE_0, CONFIG), ==, 5);
    g_assert_cmpuint(next, ==, 4);
    n = smmuv3_aux_inspect_strtab(&env.t->e, &next, out, 16, 4);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(out[0].sid, ==, 7);
    n = smmuv3_aux_inspect_strtab(&env.t->e, &next, out, 16, 100);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmphex(next, ==, 1ULL << 32);
    tsmmu_free(env.t);
}

/*
 * A 2-level CD table (S1Fmt 4K leaves of 64 CDs, S1CDMax 8): CDs 3 and 5
 * in leaf 0, leaf 1's L1CD invalid (skipped whole), CD 130 in leaf 2
 * ILLEGAL (T0SZ too small), listed with why; nothing is logged as the
 * guest's error or counted.
 */
static void test_cdtab_listing(void)
{
    const uint64_t l1 = 0x600000, l2 = 0x700000;
    SMMUv3AuxCdEntry out[8];
    SMMUv3AuxCdTableView t;
    SMMUv3AuxCD bad;
    uint64_t next = 0, fetches;
    unsigned n;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, S1CONTEXTPTR, l1 >> 6);
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, S1FMT,
                               SMMUV3_AUX_STE_S1FMT_2LVL_4K);
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, S1CDMAX, 8);
    ste_write(env.t, STRTAB + SID * 64, &env.ste);
    mem_write64(env.t, l1, l2 | R_L1CD_V_MASK);
    mem_write64(env.t, l1 + 2 * 8, (l2 + 0x2000) | R_L1CD_V_MASK);
    cd_write(env.t, l2 + 3 * 64, &env.cd);
    cd_write(env.t, l2 + 5 * 64, &env.cd);
    bad = env.cd;
    bad.qw[0] = FIELD_DP64(bad.qw[0], CD_0, T0SZ, 2);
    cd_write(env.t, l2 + 0x2000 + 2 * 64, &bad);
    fetches = env.t->e.counters.fetches[SMMUV3_AUX_FETCH_CD];

    /* 64 reads per call: leaf 0 (CDs 0-63) first. */
    n = smmuv3_aux_inspect_cdtab(&env.t->e, SID, &t, &next, out, 8, 64);
    g_assert_true(t.has_cds);
    g_assert_cmpstr(t.config, ==, "stage 1");
    g_assert_cmpuint(t.s1cdmax, ==, 8);
    g_assert_cmphex(t.base, ==, l1);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmpuint(out[0].ssid, ==, 3);
    g_assert_cmphex(out[0].cd_addr, ==, l2 + 3 * 64);
    g_assert_cmpuint(FIELD_EX64(out[0].cd0, CD_0, ASID), ==, ASID);
    g_assert_null(out[0].why);
    g_assert_cmpuint(out[1].ssid, ==, 5);
    g_assert_cmpuint(next, ==, 64);
    n = smmuv3_aux_inspect_cdtab(&env.t->e, SID, &t, &next, out, 8, 64);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(out[0].ssid, ==, 130);
    g_assert_cmphex(out[0].cd_addr, ==, l2 + 0x2000 + 2 * 64);
    g_assert_nonnull(out[0].why);
    /* One read for leaf 1's L1CD, 63 CDs of leaf 2: 128-190. */
    g_assert_cmpuint(next, ==, 191);
    n = smmuv3_aux_inspect_cdtab(&env.t->e, SID, &t, &next, out, 8, 1000);
    g_assert_cmpuint(n, ==, 0);
    g_assert_cmphex(next, ==, 1ULL << 32);
    g_assert_cmpuint(env.t->e.counters.fetches[SMMUV3_AUX_FETCH_CD], ==,
                     fetches);
    g_assert_false(smmuv3_aux_log_quiet);

    /* S1CDMax 0: the STE's one CD, as SubstreamID 0. */
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, S1CDMAX, 0);
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, S1CONTEXTPTR,
                               CD_ADDR >> 6);
    ste_write(env.t, STRTAB + SID * 64, &env.ste);
    next = 0;
    n = smmuv3_aux_inspect_cdtab(&env.t->e, SID, &t, &next, out, 8, 64);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(out[0].ssid, ==, 0);
    g_assert_cmphex(out[0].cd_addr, ==, CD_ADDR);
    g_assert_cmpuint(t.s1cdmax, ==, 0);

    /* A StreamID with no valid STE has no CD table. */
    next = 0;
    n = smmuv3_aux_inspect_cdtab(&env.t->e, 9, &t, &next, out, 8, 64);
    g_assert_cmpuint(n, ==, 0);
    g_assert_false(t.has_cds);
    g_assert_cmpuint(t.event, ==, SMMUV3_AUX_EVT_C_BAD_STE);
    tsmmu_free(env.t);
}

/* A VCMDQ as a job consumes it: LOG2SIZE capped, base aligned. */
static void test_vcmdq_view(void)
{
    SMMUv3AuxVcmdq vq = {
        /* LOG2SIZE 31 (reserved above 19), base not aligned to 2^19 x 16. */
        .base = 0x12345660ULL | 31,
        .prod = 1 | 1u << 19,      /* wrapped: index 1, wrap bit 1 */
        .cons = (1u << 19) - 2,    /* the last two entries, wrap bit 0 */
        .config = R_VCMDQ_CONFIG_EN_MASK,
    };
    SMMUv3AuxQueueView v;

    smmuv3_aux_inspect_vcmdq(&vq, "vcmdq", &v);
    g_assert_cmpuint(v.log2size, ==, SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE);
    g_assert_cmphex(v.base, ==, 0x12345660ULL & ~((16ULL << 19) - 1));
    g_assert_cmpuint(v.pending, ==, 3);
    g_assert_true(v.enabled);
    g_assert_cmpuint(v.error, ==, 0);
    vq.cons |= 1u << R_VCMDQ_CONS_ERR_SHIFT;       /* CERROR_ILL */
    smmuv3_aux_inspect_vcmdq(&vq, "vcmdq", &v);
    g_assert_cmpuint(v.error, ==, 1);
}

static void test_counters(void)
{
    SMMUv3AuxCounters *c;
    SMMUv3AuxTxnOut out;
    Env env;

    env_s1(&env, NULL, PTE_S1_LINUX);
    c = &env.t->e.counters;
    g_assert_cmpuint(c->cmds[SMMUV3_AUX_CMD_CFGI_STE_RANGE], ==, 1);
    g_assert_cmpuint(c->cmds[SMMUV3_AUX_CMD_SYNC], ==, 1);
    tsmmu_translate(env.t, SID, IOVA, false, &out);
    tsmmu_translate(env.t, SID, IOVA + 0x200000, false, &out);
    g_assert_cmpuint(c->translations, ==, 2);
    g_assert_cmpuint(c->faults, ==, 1);
    g_assert_cmpuint(c->events[SMMUV3_AUX_EVT_F_TRANSLATION], ==, 1);
    /* One STE and one CD fetch: the second translation hit the cache. */
    g_assert_cmpuint(c->fetches[SMMUV3_AUX_FETCH_STE], ==, 1);
    g_assert_cmpuint(c->fetches[SMMUV3_AUX_FETCH_CD], ==, 1);
    g_assert_cmpuint(c->fetches[SMMUV3_AUX_FETCH_L1CD], ==, 0);
    tsmmu_free(env.t);
}

static void test_register_fields(void)
{
    SMMUv3AuxField f[SMMUV3_AUX_MAX_FIELDS];
    uint64_t v = R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK;
    unsigned n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_CR0, &v, f);

    g_assert_cmpuint(field(f, n, "SMMUEN")->value, ==, 1);
    g_assert_cmpuint(field(f, n, "EVENTQEN")->value, ==, 0);
    g_assert_cmpuint(field(f, n, "CMDQEN")->value, ==, 1);
    /* FMT 0b01 is 2-level (6.3.24; Linux STRTAB_BASE_CFG_FMT_2LVL). */
    v = 1 << R_STRTAB_BASE_CFG_FMT_SHIFT | 8 << R_STRTAB_BASE_CFG_SPLIT_SHIFT;
    n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_STRTAB_BASE_CFG, &v, f);
    g_assert_cmpstr(field(f, n, "FMT")->meaning, ==, "2-level");
    g_assert_cmpuint(field(f, n, "SPLIT")->value, ==, 8);
    v = 2 << R_STRTAB_BASE_CFG_FMT_SHIFT;
    n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_STRTAB_BASE_CFG, &v, f);
    g_assert_cmpstr(field(f, n, "FMT")->meaning, ==, "reserved");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/inspect/s1/structures", test_s1_structures);
    g_test_add_func("/smmuv3-aux/inspect/s1/walk", test_s1_walk);
    g_test_add_func("/smmuv3-aux/inspect/s1/fault", test_s1_fault);
    g_test_add_func("/smmuv3-aux/inspect/s1/httu-dry", test_s1_httu_dry);
    g_test_add_func("/smmuv3-aux/inspect/caches-peeked", test_caches_peeked);
    g_test_add_func("/smmuv3-aux/inspect/nested/walk", test_nested_walk);
    g_test_add_func("/smmuv3-aux/inspect/bad-ste", test_bad_ste);
    g_test_add_func("/smmuv3-aux/inspect/bad-cd", test_bad_cd);
    g_test_add_func("/smmuv3-aux/inspect/strtab", test_strtab_listing);
    g_test_add_func("/smmuv3-aux/inspect/cdtab", test_cdtab_listing);
    g_test_add_func("/smmuv3-aux/inspect/vcmdq", test_vcmdq_view);
    g_test_add_func("/smmuv3-aux/inspect/dump/s1", test_dump_s1);
    g_test_add_func("/smmuv3-aux/inspect/dump/loop", test_dump_loop);
    g_test_add_func("/smmuv3-aux/inspect/dump/nested", test_dump_nested);
    g_test_add_func("/smmuv3-aux/inspect/counters", test_counters);
    g_test_add_func("/smmuv3-aux/inspect/register-fields",
                    test_register_fields);
    return g_test_run();
}
