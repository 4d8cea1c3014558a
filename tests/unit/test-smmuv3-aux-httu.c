/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux unit tests: hardware translation table updates (HTTU, IHI
 * 0070 3.13) in the walker (ptw.c): the Access flag (HA, and HAFT for
 * table descriptors) and dirty state (HD, DBM) at stage 1, at stage 2 and
 * nested, each update a compare-and-swap that a racing "CPU" (the fake
 * memory's cas_hook) can beat, and updates the memory refuses.
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "hw/arm/smmuv3-aux/ptw.h"
#include "smmuv3-aux-test-utils.h"

#define POOL        0x40000000ULL   /* tables (IPA == PA for stage 1 alone) */
#define IA          0x0000123456789000ULL
#define OA          0x0000007654321000ULL
#define NEST_PA     0x0000000123456000ULL
#define D_AF        BIT_ULL(10)
#define D_AP2       BIT_ULL(7)      /* S1 read-only, S2AP[1] write */
#define D_DBM       BIT_ULL(51)
#define D_TABLE_AF  BIT_ULL(10)     /* FEAT_HAFT: AF in a table descriptor */
#define EVT(x)      SMMUV3_AUX_EVT_##x

static const SMMUv3AuxPtwAccess RD = { .priv = false };
static const SMMUv3AuxPtwAccess WR = { .write = true };

typedef struct Fx {
    TestSMMU *t;
    uint64_t root, s2root;
    SMMUv3AuxS1Cfg s1;
    SMMUv3AuxS2Cfg s2;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
    /* cas_hook: what the racing CPU stores, how many times */
    uint64_t race_val;
    int race_left;
} Fx;

static void fx_init(Fx *x, uint64_t leaf_attrs)
{
    memset(x, 0, sizeof(*x));
    x->t = tsmmu_new(NULL);
    tpt_pool_init(x->t, POOL);
    x->root = tpt_alloc(x->t);
    tpt_map(x->t, x->root, 48, IA, OA, leaf_attrs, 3);
    x->s1.aa64 = true;
    x->s1.ips = x->s1.oas = 48;
    x->s1.tt[0].ttb = x->root;
    x->s1.tt[0].tsz = 16;
    x->s1.tt[0].granule = SMMUV3_AUX_GRAN_4K;
    x->s1.tt[1].epd = true;
}

/* Stage 2 over the stage-1 tables (identity) and the output page. */
static void fx_nest(Fx *x, uint64_t table_attrs, uint64_t data_attrs)
{
    x->s2root = tpt_alloc(x->t);
    for (uint64_t a = POOL; a < x->t->pt_next + 0x8000; a += 0x1000) {
        tpt_map(x->t, x->s2root, 48, a, a, table_attrs, 3);
    }
    tpt_map(x->t, x->s2root, 48, OA, NEST_PA, data_attrs, 3);
    x->s2.aa64 = true;
    x->s2.ps = x->s2.oas = 48;
    x->s2.ttb = x->s2root;
    x->s2.tsz = 16;
    x->s2.granule = SMMUV3_AUX_GRAN_4K;
    x->s2.sl0 = 2;              /* 4K, level 0 */
}

static uint64_t leaf_addr(Fx *x)
{
    return tpt_desc_addr(x->t, x->root, 48, IA, 3);
}

static bool s1(Fx *x, SMMUv3AuxPtwAccess acc)
{
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&x->s1));
    return smmuv3_aux_ptw_s1(&fakemem_ops, &x->t->mem, &x->s1, IA, acc,
                             &x->r, &x->f, x->s2root ? &x->s2 : NULL);
}

static void fx_free(Fx *x)
{
    tsmmu_free(x->t);
}

/* ---- Access flag -------------------------------------------------------- */

static void test_s1_af(void)
{
    Fx x;

    /* HA = 0: AF == 0 is an Access flag fault, nothing written. */
    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    g_assert_false(s1(&x, RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_ACCESS));
    g_assert_cmpint(x.f.level, ==, 3);
    g_assert_cmpuint(x.t->mem.cas_ok, ==, 0);
    /* AFFD: no fault and still nothing written. */
    x.s1.affd = true;
    g_assert_true(s1(&x, RD));
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)) & D_AF, ==, 0);
    /* HA = 1: the walk sets AF, with one swap, and translates. */
    x.s1.affd = false;
    x.s1.ha = true;
    g_assert_true(s1(&x, RD));
    g_assert_cmphex(x.r.oa, ==, OA);
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)), ==,
                    OA | PTE_S1_LINUX | 3);
    g_assert_cmpuint(x.t->mem.cas_ok, ==, 1);
    /* Set already: no more updates. */
    g_assert_true(s1(&x, RD));
    g_assert_cmpuint(x.t->mem.cas_ok, ==, 1);
    fx_free(&x);
}

/* A faulting access updates nothing, even with HA (3.13.2 allows it). */
static void test_s1_af_no_update_on_fault(void)
{
    Fx x;

    fx_init(&x, (PTE_S1_LINUX & ~D_AF) | D_AP2);    /* read-only */
    x.s1.ha = true;
    g_assert_false(s1(&x, WR));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)) & D_AF, ==, 0);
    fx_free(&x);
}

/* HAFT: table descriptors on the way get AF too, top-down. */
static void test_s1_haft(void)
{
    Fx x;

    fx_init(&x, PTE_S1_LINUX);
    x.s1.ha = true;
    g_assert_true(s1(&x, RD));
    for (int l = 0; l < 3; l++) {
        g_assert_cmphex(mem_read64(x.t, tpt_desc_addr(x.t, x.root, 48, IA, l))
                        & D_TABLE_AF, ==, 0);
    }
    x.s1.haft = true;
    g_assert_true(s1(&x, RD));
    for (int l = 0; l < 3; l++) {
        g_assert_cmphex(mem_read64(x.t, tpt_desc_addr(x.t, x.root, 48, IA, l))
                        & D_TABLE_AF, ==, D_TABLE_AF);
    }
    g_assert_cmpuint(x.t->mem.cas_ok, ==, 3);
    fx_free(&x);
}

/* ---- Dirty state -------------------------------------------------------- */

static void test_s1_dirty(void)
{
    uint64_t clean = PTE_S1_LINUX | D_AP2 | D_DBM;
    Fx x;

    fx_init(&x, clean);
    /* HD = 0: writable-clean is read-only. */
    g_assert_false(s1(&x, WR));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    x.s1.ha = x.s1.hd = true;
    /* A read leaves it clean and is not granted write (IOTLB-safe). */
    g_assert_true(s1(&x, RD));
    g_assert_false(x.r.perm.pw || x.r.perm.uw);
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)), ==, OA | clean | 3);
    /* A write makes it writable-dirty (AP[2] = 0) and is granted. */
    g_assert_true(s1(&x, WR));
    g_assert_true(x.r.perm.uw);
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)), ==,
                    OA | (clean & ~D_AP2) | 3);
    /* Without DBM a read-only leaf stays a permission fault. */
    mem_write64(x.t, leaf_addr(&x), OA | (PTE_S1_LINUX | D_AP2) | 3);
    g_assert_false(s1(&x, WR));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    fx_free(&x);
}

static void test_s2_af_dirty(void)
{
    uint64_t clean = (PTE_S2_LINUX & ~(D_AF | PTE_S2AP_W)) | D_DBM;
    uint64_t ipa_leaf;
    Fx x;

    fx_init(&x, PTE_S1_LINUX);
    x.s2root = tpt_alloc(x.t);
    tpt_map(x.t, x.s2root, 48, OA, NEST_PA, clean, 3);
    ipa_leaf = tpt_desc_addr(x.t, x.s2root, 48, OA, 3);
    x.s2.aa64 = true;
    x.s2.ps = x.s2.oas = 48;
    x.s2.ttb = x.s2root;
    x.s2.tsz = 16;
    x.s2.granule = SMMUV3_AUX_GRAN_4K;
    x.s2.sl0 = 2;
    g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&x.s2));
    g_assert_false(smmuv3_aux_ptw_s2(&fakemem_ops, &x.t->mem, &x.s2, OA, RD,
                                     &x.r, &x.f));
    g_assert_cmphex(x.f.type, ==, EVT(F_ACCESS));
    g_assert_true(x.f.s2);
    x.s2.ha = true;
    g_assert_true(smmuv3_aux_ptw_s2(&fakemem_ops, &x.t->mem, &x.s2, OA, RD,
                                    &x.r, &x.f));
    g_assert_cmphex(mem_read64(x.t, ipa_leaf), ==, NEST_PA | clean | D_AF | 3);
    g_assert_false(x.r.perm.uw);
    g_assert_false(smmuv3_aux_ptw_s2(&fakemem_ops, &x.t->mem, &x.s2, OA, WR,
                                     &x.r, &x.f));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    x.s2.hd = true;
    g_assert_true(smmuv3_aux_ptw_s2(&fakemem_ops, &x.t->mem, &x.s2, OA, WR,
                                    &x.r, &x.f));
    g_assert_cmphex(mem_read64(x.t, ipa_leaf), ==,
                    NEST_PA | clean | D_AF | PTE_S2AP_W | 3);
    fx_free(&x);
}

/*
 * Nested: a stage-1 update is a write to the IPA of the descriptor, so
 * stage 2 must allow writing there (a read-only table page is a stage-2
 * Permission fault of CLASS TT with TTRnW 0), and stage-2 HD makes that
 * page dirty.
 */
static void test_nested_update_is_s2_write(void)
{
    uint64_t s2_ro = PTE_S2_LINUX & ~PTE_S2AP_W;
    Fx x;

    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    x.s1.ha = true;
    fx_nest(&x, s2_ro, PTE_S2_LINUX);
    g_assert_false(s1(&x, RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    g_assert_true(x.f.s2);
    g_assert_cmpuint(x.f.class_, ==, SMMUV3_AUX_EVT_CLASS_TT);
    g_assert_false(x.f.ttrnw);
    g_assert_cmphex(x.f.ipa, ==, leaf_addr(&x));
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)) & D_AF, ==, 0);
    /* The table page writable-clean at stage 2, with S2HD: dirtied. */
    tpt_map(x.t, x.s2root, 48, leaf_addr(&x) & ~0xfffULL,
            leaf_addr(&x) & ~0xfffULL, s2_ro | D_DBM, 3);
    x.s2.hd = true;
    g_assert_true(s1(&x, RD));
    g_assert_cmphex(x.r.oa, ==, NEST_PA);
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)) & D_AF, ==, D_AF);
    g_assert_cmphex(mem_read64(x.t, tpt_desc_addr(x.t, x.s2root, 48,
                                                  leaf_addr(&x), 3)) &
                    PTE_S2AP_W, ==, PTE_S2AP_W);
    fx_free(&x);
}

/* ---- Races and refused updates ----------------------------------------- */

/* The racing CPU: store race_val over the descriptor, race_left times. */
static void race(FakeMem *m, uint64_t pa, void *opaque)
{
    Fx *x = opaque;
    uint64_t pfn = pa >> 12, v;

    if (x->race_left > 0) {
        x->race_left--;
        v = cpu_to_le64(x->race_val);
        memcpy((uint8_t *)g_hash_table_lookup(m->pages, &pfn) + (pa & 0xfff),
               &v, 8);
        /* The next store differs from this one (Contiguous hint flips). */
        x->race_val ^= BIT_ULL(52);
    }
}

static void fx_race(Fx *x, uint64_t val, int times)
{
    x->race_val = val;
    x->race_left = times;
    x->t->mem.cas_hook = race;
    x->t->mem.cas_hook_opaque = x;
}

static void test_race_still_valid(void)
{
    Fx x;

    /* The CPU remaps the page first: the walk goes on with the new one. */
    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    x.s1.ha = true;
    fx_race(&x, (OA + 0x5000) | (PTE_S1_LINUX & ~D_AF) | 3, 1);
    g_assert_true(s1(&x, RD));
    g_assert_cmphex(x.r.oa, ==, OA + 0x5000);
    g_assert_cmpuint(x.t->mem.cas_changed, ==, 1);
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)), ==,
                    (OA + 0x5000) | PTE_S1_LINUX | 3);
    fx_free(&x);
}

static void test_race_invalid(void)
{
    Fx x;

    /* The CPU unmaps it first: Translation fault, not a stale mapping. */
    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    x.s1.ha = true;
    fx_race(&x, 0, 1);
    g_assert_false(s1(&x, RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_TRANSLATION));
    g_assert_cmphex(mem_read64(x.t, leaf_addr(&x)), ==, 0);
    fx_free(&x);
}

static void test_race_forever(void)
{
    Fx x;

    /* A descriptor that never settles: the fault without the update. */
    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    x.s1.ha = true;
    fx_race(&x, OA | (PTE_S1_LINUX & ~D_AF) | BIT_ULL(52) | 3, 1000);
    g_assert_false(s1(&x, RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_ACCESS));
    g_assert_cmpuint(x.t->mem.cas_changed, ==, 5);
    /* Same for a dirty update: the write's Permission fault. */
    fx_free(&x);
    fx_init(&x, PTE_S1_LINUX | D_AP2 | D_DBM);
    x.s1.ha = x.s1.hd = true;
    fx_race(&x, OA | PTE_S1_LINUX | D_AP2 | D_DBM | BIT_ULL(52) | 3, 1000);
    g_assert_false(s1(&x, WR));
    g_assert_cmphex(x.f.type, ==, EVT(F_PERMISSION));
    fx_free(&x);
}

/* An update the memory refuses: F_WALK_EABT with the address. */
static void test_update_abort(void)
{
    Fx x;

    fx_init(&x, PTE_S1_LINUX & ~D_AF);
    x.s1.ha = true;
    mem_fault_write(x.t, leaf_addr(&x) & ~0xfffULL, 0x1000);
    g_assert_false(s1(&x, RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_WALK_EABT));
    g_assert_cmphex(x.f.fetch_addr, ==, leaf_addr(&x));
    g_assert_cmpint(x.f.level, ==, 3);
    fx_free(&x);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/httu/s1-af", test_s1_af);
    g_test_add_func("/smmuv3-aux/httu/s1-af-no-update-on-fault",
                    test_s1_af_no_update_on_fault);
    g_test_add_func("/smmuv3-aux/httu/s1-haft", test_s1_haft);
    g_test_add_func("/smmuv3-aux/httu/s1-dirty", test_s1_dirty);
    g_test_add_func("/smmuv3-aux/httu/s2-af-dirty", test_s2_af_dirty);
    g_test_add_func("/smmuv3-aux/httu/nested-update-is-s2-write",
                    test_nested_update_is_s2_write);
    g_test_add_func("/smmuv3-aux/httu/race-still-valid",
                    test_race_still_valid);
    g_test_add_func("/smmuv3-aux/httu/race-invalid", test_race_invalid);
    g_test_add_func("/smmuv3-aux/httu/race-forever", test_race_forever);
    g_test_add_func("/smmuv3-aux/httu/update-abort", test_update_abort);
    return g_test_run();
}
