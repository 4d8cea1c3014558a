/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux unit tests: VMSAv8-64 translation table walker (ptw.c).
 *
 * A generated matrix covers granule x start level x stage (S1, S2, nested)
 * x outcome, with exact output addresses and exact fault fields; hand-made
 * cases cover TTB selection, EPD, TBI, concatenation, nested stage-2
 * faults, hierarchical and execute permissions, reserved descriptors and
 * configuration validation.  Page tables are built in fake guest memory.
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "hw/arm/smmuv3-aux/ptw.h"
#include "smmuv3-aux-test-utils.h"

#define ARENA_S1    0x40000000ULL   /* stage-1 tables (IPA == PA) */
#define ARENA_S2    0x50000000ULL   /* stage-2 tables */
#define ABORT_BASE  0xe000000000ULL /* reads abort here */
#define ABORT_SIZE  0x100000ULL
#define OA_BASE     0x7abcde000000ULL
#define NEST_PA     0x123456000ULL  /* where stage 2 puts the data page */
#define VA_PATTERN  0x0000a5a5a5a5a123ULL

#define D_VALID     BIT_ULL(0)
#define D_TABLE     BIT_ULL(1)
#define D_AP(x)     ((uint64_t)(x) << 6)
#define D_AF        BIT_ULL(10)
#define D_NG        BIT_ULL(11)
#define D_PXN       BIT_ULL(53)
#define D_UXN       BIT_ULL(54)
#define D_PXNTABLE  BIT_ULL(59)
#define D_UXNTABLE  BIT_ULL(60)
#define D_APTABLE(x) ((uint64_t)(x) << 61)
#define D_S2_MEMATTR(x) ((uint64_t)(x) << 2)

#define S1_LEAF     (D_AF | D_NG | D_AP(1))         /* RW at EL0 and EL1 */
#define S2_LEAF     (D_AF | D_AP(3) | D_S2_MEMATTR(0xf))

#define EVT(x)      SMMUV3_AUX_EVT_##x
#define CLASS(x)    SMMUV3_AUX_EVT_CLASS_##x

static const SMMUv3AuxPtwAccess ACC_RD = { .priv = false };
static const SMMUv3AuxPtwAccess ACC_RD_PRIV = { .priv = true };
static const SMMUv3AuxPtwAccess ACC_WR = { .write = true };
static const SMMUv3AuxPtwAccess ACC_EX = { .exec = true };
static const SMMUv3AuxPtwAccess ACC_EX_PRIV = { .exec = true, .priv = true };

/* ---- Page-table builder ------------------------------------------------ */

typedef struct PtBuilder {
    TestSMMU *t;
    unsigned gran, stride;
    int start_level;
    unsigned start_bits;
    uint64_t root, next;
} PtBuilder;

static unsigned lvl_shift(unsigned gran, int level)
{
    return gran + (gran - 3) * (3 - level);
}

static uint64_t pt_alloc(PtBuilder *b, uint64_t size)
{
    uint64_t a = QEMU_ALIGN_UP(b->next, MAX(size, 1ULL << b->gran));

    b->next = a + size;
    return a;       /* fake memory reads as zero */
}

static void pt_init(PtBuilder *b, TestSMMU *t, uint64_t arena, unsigned gran,
                    unsigned inputsize, int start_level)
{
    memset(b, 0, sizeof(*b));
    b->t = t;
    b->gran = gran;
    b->stride = gran - 3;
    b->start_level = start_level;
    b->start_bits = inputsize - lvl_shift(gran, start_level);
    b->next = arena;
    b->root = pt_alloc(b, 8ULL << b->start_bits);
}

static uint64_t pt_index(PtBuilder *b, uint64_t va, int level)
{
    unsigned bits = level == b->start_level ? b->start_bits : b->stride;

    return extract64(va, lvl_shift(b->gran, level), bits);
}

/*
 * Map va to oa with a leaf at leaf_level (page at 3, else block) and leaf
 * attribute bits attrs; path[level] gets each descriptor's address.
 */
static void pt_map(PtBuilder *b, uint64_t va, uint64_t oa, int leaf_level,
                   uint64_t attrs, uint64_t path[4])
{
    uint64_t table = b->root;

    for (int level = b->start_level; level <= leaf_level; level++) {
        uint64_t d = table + pt_index(b, va, level) * 8;
        uint64_t desc;

        if (path) {
            path[level] = d;
        }
        if (level == leaf_level) {
            mem_write64(b->t, d, oa | attrs | D_VALID |
                        (level == 3 ? D_TABLE : 0));
            return;
        }
        desc = mem_read64(b->t, d);
        if (!(desc & D_VALID)) {
            desc = pt_alloc(b, 1ULL << b->gran) | D_VALID | D_TABLE;
            mem_write64(b->t, d, desc);
        }
        table = desc & MAKE_64BIT_MASK(b->gran, 48 - b->gran);
    }
}

static void mem_or64(TestSMMU *t, uint64_t pa, uint64_t bits)
{
    mem_write64(t, pa, mem_read64(t, pa) | bits);
}

/* ---- Configurations ----------------------------------------------------- */

static void s1_cfg_init(SMMUv3AuxS1Cfg *c, unsigned gran, unsigned inputsize,
                        uint64_t ttb)
{
    memset(c, 0, sizeof(*c));
    c->aa64 = true;
    c->ips = 48;
    c->oas = 48;
    c->tt[0].ttb = ttb;
    c->tt[0].tsz = 64 - inputsize;
    c->tt[0].granule = gran;
    c->tt[1].epd = true;
}

static void s2_cfg_init(SMMUv3AuxS2Cfg *c, unsigned gran, unsigned inputsize,
                        int start_level, uint64_t ttb)
{
    memset(c, 0, sizeof(*c));
    c->aa64 = true;
    c->ps = 48;
    c->oas = 48;
    c->ttb = ttb;
    c->tsz = 64 - inputsize;
    c->granule = gran;
    c->sl0 = (gran == SMMUV3_AUX_GRAN_4K ? 2 : 3) - start_level;
    c->xnx = true;
}

/* Largest input size whose walk starts at level (48 bits at most). */
static unsigned max_inputsize(unsigned gran, int level)
{
    return MIN(48, gran + (gran - 3) * (4 - level));
}

static void assert_fault(const SMMUv3AuxPtwFault *f, unsigned type, bool s2,
                         unsigned class_, uint64_t input, uint64_t ipa,
                         int level)
{
    g_assert_cmphex(f->type, ==, type);
    g_assert_cmpint(f->s2, ==, s2);
    g_assert_cmpuint(f->class_, ==, class_);
    g_assert_cmphex(f->input_addr, ==, input);
    g_assert_cmphex(f->ipa, ==, ipa);
    g_assert_cmpint(f->level, ==, level);
}

/* ---- Generated matrix --------------------------------------------------- */

typedef enum Stage { ST_S1, ST_S2, ST_NESTED } Stage;

typedef enum Outcome {
    OC_OK,              /* leaf at case level: page at 3, block above */
    OC_INVALID,         /* descriptor at case level is invalid */
    OC_EABT,            /* table holding the case level's entry aborts */
    OC_ADDR_SIZE,       /* leaf output above xPS == 40 bits */
    OC_ACCESS,          /* AF == 0 */
    OC_ACCESS_AFFD,     /* AF == 0 with (S2)AFFD: succeeds */
    OC_PERM_RO,         /* write to read-only */
    OC_PERM_PRIV,       /* S1: unprivileged read of priv-only; S2: no access */
    OC_PERM_XN,         /* execute of XN */
} Outcome;

static const char *const oc_name[] = {
    "ok", "invalid", "eabt", "addr-size", "access", "access-affd",
    "perm-ro", "perm-priv", "perm-xn",
};
static const char *const st_name[] = { "s1", "s2", "nested" };

typedef struct PtwCase {
    Stage stage;
    unsigned gran;
    int start;
    Outcome oc;
    int level;
} PtwCase;

/* Everything one matrix case needs. */
typedef struct MatrixCtx {
    TestSMMU *t;
    PtBuilder b, nb;        /* the tested stage, and nested stage 2 */
    SMMUv3AuxS1Cfg s1;
    SMMUv3AuxS2Cfg s2, ns2;
    uint64_t va, oa_base, path[4];
    int leaf;
} MatrixCtx;

/* The nested stage 2: 4K from level 0, identity over tables, data page. */
static void nested_s2_build(MatrixCtx *m)
{
    uint64_t ipa = m->oa_base | (m->va & MAKE_64BIT_MASK(0, lvl_shift(
                   m->b.gran, m->leaf)));

    pt_init(&m->nb, m->t, ARENA_S2, SMMUV3_AUX_GRAN_4K, 48, 0);
    s2_cfg_init(&m->ns2, SMMUV3_AUX_GRAN_4K, 48, 0, m->nb.root);
    for (uint64_t a = ARENA_S1; a < m->b.next; a += 0x1000) {
        pt_map(&m->nb, a, a, 3, S2_LEAF, NULL);
    }
    for (uint64_t a = ABORT_BASE; a < ABORT_BASE + 0x10000; a += 0x1000) {
        pt_map(&m->nb, a, a, 3, S2_LEAF, NULL);
    }
    pt_map(&m->nb, ipa & ~0xfffULL, NEST_PA, 3, S2_LEAF, NULL);
}

static uint64_t leaf_attrs(const PtwCase *c)
{
    bool s2 = c->stage == ST_S2;
    uint64_t a = s2 ? S2_LEAF : S1_LEAF;

    switch (c->oc) {
    case OC_ACCESS:
    case OC_ACCESS_AFFD:
        return a & ~D_AF;
    case OC_PERM_RO:
        return s2 ? (a & ~D_AP(3)) | D_AP(1) : a | D_AP(3);
    case OC_PERM_PRIV:
        return a & ~D_AP(3);
    case OC_PERM_XN:
        return a | D_UXN;
    default:
        return a;
    }
}

static SMMUv3AuxPtwAccess case_access(const PtwCase *c)
{
    switch (c->oc) {
    case OC_PERM_RO:
        return ACC_WR;
    case OC_PERM_XN:
        return ACC_EX;
    default:
        return ACC_RD;
    }
}

static void matrix_build(MatrixCtx *m, const PtwCase *c)
{
    unsigned inputsize = max_inputsize(c->gran, c->start);
    uint64_t arena = c->stage == ST_S2 ? ARENA_S2 : ARENA_S1;

    m->t = tsmmu_new(NULL);
    mem_fault_read(m->t, ABORT_BASE, ABORT_SIZE);
    m->leaf = (c->oc == OC_OK) ? c->level : 3;
    m->va = VA_PATTERN & MAKE_64BIT_MASK(0, inputsize);
    m->oa_base = OA_BASE & ~MAKE_64BIT_MASK(0, lvl_shift(c->gran, m->leaf));
    pt_init(&m->b, m->t, arena, c->gran, inputsize, c->start);
    pt_map(&m->b, m->va, m->oa_base, m->leaf, leaf_attrs(c), m->path);
    if (c->stage == ST_S2) {
        s2_cfg_init(&m->s2, c->gran, inputsize, c->start, m->b.root);
        m->s2.affd = c->oc == OC_ACCESS_AFFD;
        m->s2.ps = c->oc == OC_ADDR_SIZE ? 40 : 48;
    } else {
        s1_cfg_init(&m->s1, c->gran, inputsize, m->b.root);
        m->s1.affd = c->oc == OC_ACCESS_AFFD;
        m->s1.ips = c->oc == OC_ADDR_SIZE ? 40 : 48;
    }
    if (c->oc == OC_INVALID) {
        mem_write64(m->t, m->path[c->level], 0);
    }
}

/* Make the table holding the case level's entry sit in aborting memory. */
static uint64_t matrix_eabt(MatrixCtx *m, const PtwCase *c)
{
    uint64_t idx = pt_index(&m->b, m->va, c->level);

    if (c->level == c->start) {
        if (c->stage == ST_S2) {
            m->s2.ttb = ABORT_BASE;
        } else {
            m->s1.tt[0].ttb = ABORT_BASE;
        }
    } else {
        mem_write64(m->t, m->path[c->level - 1],
                    ABORT_BASE | D_VALID | D_TABLE);
    }
    return ABORT_BASE + idx * 8;
}

static void matrix_check_ok(MatrixCtx *m, const PtwCase *c,
                            const SMMUv3AuxPtwResult *r)
{
    uint64_t mask = MAKE_64BIT_MASK(0, lvl_shift(c->gran, m->leaf));
    uint64_t oa = m->oa_base | (m->va & mask);
    bool s2 = c->stage == ST_S2;
    unsigned walked = m->leaf - c->start + 1;

    if (c->stage == ST_NESTED) {
        g_assert_cmphex(r->ipa, ==, oa);
        g_assert_cmphex(r->oa, ==, NEST_PA | (oa & 0xfff));
        g_assert_cmphex(r->addr_mask, ==, 0xfff);
        g_assert_cmpint(r->s2_level, ==, 3);
        /* every S1 descriptor and the output go through a 4-level S2 */
        g_assert_cmpuint(m->t->mem.reads, ==, walked * 5 + 4);
    } else {
        g_assert_cmphex(r->oa, ==, oa);
        g_assert_cmphex(r->addr_mask, ==, mask);
        g_assert_cmpuint(m->t->mem.reads, ==, walked);
    }
    g_assert_cmpint(r->level, ==, m->leaf);
    g_assert_cmpuint(r->granule, ==, c->gran);
    g_assert_cmpint(r->ng, ==, !s2);
    g_assert_true(r->perm.pr && r->perm.pw && r->perm.ur && r->perm.uw);
    /* S1 EL0-writable is never EL1-executable; S2 here grants execute. */
    g_assert_cmpint(r->perm.px, ==, s2);
    g_assert_true(r->perm.ux);
}

static void test_matrix(const void *opaque)
{
    const PtwCase *c = opaque;
    MatrixCtx m;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
    SMMUv3AuxPtwAccess acc = case_access(c);
    uint64_t fetch = 0;
    bool ok, s2 = c->stage == ST_S2;
    unsigned type = 0;

    memset(&m, 0, sizeof(m));
    matrix_build(&m, c);
    if (c->oc == OC_EABT) {
        fetch = matrix_eabt(&m, c);
    }
    if (c->stage == ST_NESTED) {
        nested_s2_build(&m);
        g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&m.ns2));
    }
    if (s2) {
        g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&m.s2));
        ok = smmuv3_aux_ptw_s2(&fakemem_ops, &m.t->mem, &m.s2, m.va, acc,
                               &r, &f);
    } else {
        g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&m.s1));
        ok = smmuv3_aux_ptw_s1(&fakemem_ops, &m.t->mem, &m.s1, m.va, acc,
                               &r, &f, c->stage == ST_NESTED ? &m.ns2 : NULL);
    }

    switch (c->oc) {
    case OC_OK:
    case OC_ACCESS_AFFD:
        g_assert_true(ok);
        matrix_check_ok(&m, c, &r);
        tsmmu_free(m.t);
        return;
    case OC_INVALID:
        type = EVT(F_TRANSLATION);
        break;
    case OC_EABT:
        type = EVT(F_WALK_EABT);
        break;
    case OC_ADDR_SIZE:
        type = EVT(F_ADDR_SIZE);
        break;
    case OC_ACCESS:
        type = EVT(F_ACCESS);
        break;
    default:
        type = EVT(F_PERMISSION);
        break;
    }
    g_assert_false(ok);
    assert_fault(&f, type, s2,
                 c->oc == OC_EABT && !s2 ? CLASS(TT) : CLASS(IN),
                 m.va, s2 ? m.va : 0, m.leaf == 3 && c->oc != OC_INVALID &&
                 c->oc != OC_EABT ? 3 : c->level);
    g_assert_cmphex(f.fetch_addr, ==, fetch);
    g_assert_cmpint(f.rnw, ==, !acc.write);
    g_assert_cmpint(f.ind, ==, acc.exec);
    g_assert_cmpint(f.pnu, ==, acc.priv);
    tsmmu_free(m.t);
}

static bool block_ok(unsigned gran, int level)
{
    return gran == SMMUV3_AUX_GRAN_4K ? level == 1 || level == 2 : level == 2;
}

static void add_case(Stage st, unsigned gran, int start, Outcome oc,
                     int level)
{
    PtwCase *c = g_new(PtwCase, 1);
    g_autofree char *path = g_strdup_printf(
        "/smmuv3-aux/ptw/%s-%uk-l%d-%s-l%d", st_name[st],
        1u << (gran - 10), start, oc_name[oc], level);

    *c = (PtwCase) { st, gran, start, oc, level };
    /* the case lives as long as the test program */
    g_test_add_data_func(path, c, test_matrix);
}

static void add_matrix(void)
{
    static const struct { unsigned gran; int s1[4], s2[4]; } geo[] = {
        { SMMUV3_AUX_GRAN_4K,  { 0, 1, 2, -1 }, { 0, 1, 2, -1 } },
        { SMMUV3_AUX_GRAN_16K, { 0, 1, 2, 3 },  { 1, 2, 3, -1 } },
        { SMMUV3_AUX_GRAN_64K, { 1, 2, 3, -1 }, { 1, 2, 3, -1 } },
    };

    for (Stage st = ST_S1; st <= ST_NESTED; st++) {
        for (unsigned g = 0; g < ARRAY_SIZE(geo); g++) {
            const int *starts = st == ST_S2 ? geo[g].s2 : geo[g].s1;

            for (unsigned i = 0; i < 4 && starts[i] >= 0; i++) {
                int start = starts[i];

                for (int l = start; l <= 3; l++) {
                    if (l == 3 || block_ok(geo[g].gran, l)) {
                        add_case(st, geo[g].gran, start, OC_OK, l);
                    }
                    add_case(st, geo[g].gran, start, OC_INVALID, l);
                    add_case(st, geo[g].gran, start, OC_EABT, l);
                }
                for (Outcome oc = OC_ADDR_SIZE; oc <= OC_PERM_XN; oc++) {
                    add_case(st, geo[g].gran, start, oc, 3);
                }
            }
        }
    }
}

/* ---- Hand-made cases ---------------------------------------------------- */

/* A 4K, 48-bit stage 1 over TTB0 (and TTB1 if asked) in fresh memory. */
typedef struct S1Fixture {
    TestSMMU *t;
    PtBuilder b0, b1;
    SMMUv3AuxS1Cfg cfg;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
} S1Fixture;

static void s1fx_init(S1Fixture *x)
{
    memset(x, 0, sizeof(*x));
    x->t = tsmmu_new(NULL);
    mem_fault_read(x->t, ABORT_BASE, ABORT_SIZE);
    pt_init(&x->b0, x->t, ARENA_S1, SMMUV3_AUX_GRAN_4K, 48, 0);
    pt_init(&x->b1, x->t, ARENA_S1 + 0x1000000, SMMUV3_AUX_GRAN_4K, 48, 0);
    s1_cfg_init(&x->cfg, SMMUV3_AUX_GRAN_4K, 48, x->b0.root);
    x->cfg.tt[1] = x->cfg.tt[0];
    x->cfg.tt[1].ttb = x->b1.root;
}

static bool s1fx_walk(S1Fixture *x, uint64_t va, SMMUv3AuxPtwAccess acc)
{
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&x->cfg));
    return smmuv3_aux_ptw_s1(&fakemem_ops, &x->t->mem, &x->cfg, va, acc,
                             &x->r, &x->f, NULL);
}

static void test_ttb1_select(void)
{
    S1Fixture x;
    uint64_t hi = 0xffff800012345678ULL, lo = 0x0000000012345678ULL;

    s1fx_init(&x);
    pt_map(&x.b0, lo, 0x80000000ULL, 3, S1_LEAF, NULL);
    pt_map(&x.b1, hi, 0x90000000ULL, 3, S1_LEAF, NULL);
    g_assert_true(s1fx_walk(&x, lo, ACC_RD));
    g_assert_cmphex(x.r.oa, ==, 0x80000678ULL);
    g_assert_true(s1fx_walk(&x, hi, ACC_RD));
    g_assert_cmphex(x.r.oa, ==, 0x90000678ULL);
    /* TTB bits below the start table's size are treated as zero. */
    x.cfg.tt[1].ttb |= 0xff0;
    g_assert_true(s1fx_walk(&x, hi, ACC_RD));
    g_assert_cmphex(x.r.oa, ==, 0x90000678ULL);
    /* Bits [63:48] neither all zeros nor all ones: in no range, level 0. */
    g_assert_false(s1fx_walk(&x, 0x0001000012345678ULL, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), false, CLASS(IN),
                 0x0001000012345678ULL, 0, 0);
    g_assert_false(s1fx_walk(&x, 0xfeff800012345678ULL, ACC_RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_TRANSLATION));
    tsmmu_free(x.t);
}

static void test_epd(void)
{
    S1Fixture x;
    uint64_t hi = 0xffff800012345678ULL, lo = 0x12345678ULL;

    s1fx_init(&x);
    pt_map(&x.b0, lo, 0x80000000ULL, 3, S1_LEAF, NULL);
    pt_map(&x.b1, hi, 0x90000000ULL, 3, S1_LEAF, NULL);
    x.cfg.tt[0].epd = true;
    x.cfg.tt[0].tsz = 0;        /* IGNORED when EPD0 == 1 */
    g_assert_false(s1fx_walk(&x, lo, ACC_WR));
    assert_fault(&x.f, EVT(F_TRANSLATION), false, CLASS(IN), lo, 0, 0);
    g_assert_false(x.f.rnw);
    g_assert_cmpuint(x.t->mem.reads, ==, 0);
    g_assert_true(s1fx_walk(&x, hi, ACC_WR));
    g_assert_cmphex(x.r.oa, ==, 0x90000678ULL);
    x.cfg.tt[1].epd = true;
    g_assert_false(s1fx_walk(&x, hi, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), false, CLASS(IN), hi, 0, 0);
    tsmmu_free(x.t);
}

static void test_tbi(void)
{
    S1Fixture x;
    uint64_t va = 0xab00000012345678ULL;

    s1fx_init(&x);
    pt_map(&x.b0, va & MAKE_64BIT_MASK(0, 56), 0x80000000ULL, 3, S1_LEAF,
           NULL);
    g_assert_false(s1fx_walk(&x, va, ACC_RD));
    g_assert_cmphex(x.f.type, ==, EVT(F_TRANSLATION));
    x.cfg.tt[0].tbi = true;
    g_assert_true(s1fx_walk(&x, va, ACC_RD));
    g_assert_cmphex(x.r.oa, ==, 0x80000678ULL);
    tsmmu_free(x.t);
}

/* APTable, PXNTable, UXNTable, and CD.HADx that turns them off. */
static void test_hier_perms(void)
{
    S1Fixture x;
    uint64_t va = 0x12345678ULL, path[4];

    s1fx_init(&x);
    pt_map(&x.b0, va, 0x80000000ULL, 3, S1_LEAF, path);
    mem_or64(x.t, path[0], D_APTABLE(2));        /* read-only below */
    g_assert_false(s1fx_walk(&x, va, ACC_WR));
    assert_fault(&x.f, EVT(F_PERMISSION), false, CLASS(IN), va, 0, 3);
    g_assert_true(s1fx_walk(&x, va, ACC_RD));
    g_assert_false(x.r.perm.pw || x.r.perm.uw);
    g_assert_true(x.r.perm.px);     /* no longer EL0-writable */
    mem_or64(x.t, path[1], D_APTABLE(1));        /* no EL0 access below */
    g_assert_false(s1fx_walk(&x, va, ACC_RD));
    g_assert_true(s1fx_walk(&x, va, ACC_RD_PRIV));
    mem_or64(x.t, path[2], D_PXNTABLE);
    g_assert_false(s1fx_walk(&x, va, ACC_EX_PRIV));
    assert_fault(&x.f, EVT(F_PERMISSION), false, CLASS(IN), va, 0, 3);
    g_assert_true(x.f.ind && x.f.pnu && x.f.rnw);
    g_assert_true(s1fx_walk(&x, va, ACC_EX));        /* UXN still clear */
    mem_or64(x.t, path[2], D_UXNTABLE);
    g_assert_false(s1fx_walk(&x, va, ACC_EX));
    x.cfg.tt[0].had = true;
    g_assert_true(s1fx_walk(&x, va, ACC_WR));
    g_assert_true(s1fx_walk(&x, va, ACC_EX));
    tsmmu_free(x.t);
}

/* EL0-writable means PXN; WXN; PAN; write+exec is a data write. */
static void test_exec_rules(void)
{
    S1Fixture x;
    uint64_t va = 0x12345678ULL, path[4];
    SMMUv3AuxPtwAccess wx = { .write = true, .exec = true };

    s1fx_init(&x);
    pt_map(&x.b0, va, 0x80000000ULL, 3, S1_LEAF, path);
    g_assert_false(s1fx_walk(&x, va, ACC_EX_PRIV));  /* AP=01: EL0-writable */
    g_assert_true(s1fx_walk(&x, va, ACC_EX));
    g_assert_true(s1fx_walk(&x, va, wx));        /* a write, not a fetch */
    mem_write64(x.t, path[3], mem_read64(x.t, path[3]) & ~D_AP(3));
    g_assert_true(s1fx_walk(&x, va, ACC_EX_PRIV));   /* AP=00 */
    g_assert_false(s1fx_walk(&x, va, wx));
    g_assert_false(x.f.rnw || x.f.ind);
    x.cfg.wxn = true;
    g_assert_false(s1fx_walk(&x, va, ACC_EX_PRIV));  /* writable at EL1 */
    mem_or64(x.t, path[3], D_AP(1));             /* AP=01 again */
    g_assert_false(s1fx_walk(&x, va, ACC_EX));       /* writable at EL0 */
    x.cfg.wxn = false;
    g_assert_true(s1fx_walk(&x, va, ACC_EX));
    g_assert_true(s1fx_walk(&x, va, ACC_RD_PRIV));
    x.cfg.pan = true;
    g_assert_false(s1fx_walk(&x, va, ACC_RD_PRIV));
    assert_fault(&x.f, EVT(F_PERMISSION), false, CLASS(IN), va, 0, 3);
    g_assert_true(s1fx_walk(&x, va, ACC_RD));
    tsmmu_free(x.t);
}

/*
 * Stage-1 permissions by regime.  EL1&0 (NS-EL1, and NS-EL2-E2H, which
 * has the same two-privilege rules) against EL2 without E2H, a regime
 * with one privilege level (IHI 0070 5.4 UWXN/PAN/HADx; Arm ARM "Stage 1
 * data accesses using Direct permissions": AP[1] RES1, one XN bit at 54,
 * PXN, APTable[0] and PXNTable RES0; every access privileged).
 */
typedef struct PermCase {
    const char *name;
    bool el2;                   /* StreamWorld any-EL2 */
    uint64_t leaf;              /* AP/PXN/UXN of a level-3 page (AF set) */
    uint64_t table;             /* APTable/PXNTable/UXNTable at level 0 */
    bool wxn, pan;
    SMMUv3AuxPtwAccess acc;
    bool ok;
} PermCase;

#define RD      { .priv = false }
#define RD_P    { .priv = true }
#define WR      { .write = true }
#define WR_P    { .write = true, .priv = true }
#define EX      { .exec = true }
#define EX_P    { .exec = true, .priv = true }

static const PermCase perm_cases[] = {
    /* EL1&0 (and EL2&0): two privilege levels. */
    { "el1/ap00-unpriv-read", false, D_AP(0), 0, false, false, RD, false },
    { "el1/ap00-priv-write", false, D_AP(0), 0, false, false, WR_P, true },
    { "el1/ap01-unpriv-write", false, D_AP(1), 0, false, false, WR, true },
    { "el1/ap01-priv-exec", false, D_AP(1), 0, false, false, EX_P, false },
    { "el1/ap11-priv-exec", false, D_AP(3), 0, false, false, EX_P, true },
    { "el1/pxn-priv-exec", false, D_AP(0) | D_PXN, 0, false, false, EX_P,
      false },
    { "el1/pxn-unpriv-exec", false, D_AP(0) | D_PXN, 0, false, false, EX,
      true },
    { "el1/uxn-unpriv-exec", false, D_AP(0) | D_UXN, 0, false, false, EX,
      false },
    { "el1/uxn-priv-exec", false, D_AP(0) | D_UXN, 0, false, false, EX_P,
      true },
    { "el1/aptable0-unpriv-read", false, D_AP(1), D_APTABLE(1), false, false,
      RD, false },
    { "el1/pxntable-priv-exec", false, D_AP(0), D_PXNTABLE, false, false,
      EX_P, false },
    { "el1/pan-priv-read", false, D_AP(1), 0, false, true, RD_P, false },
    { "el1/wxn-priv-exec", false, D_AP(0), 0, true, false, EX_P, false },
    /* EL2: one privilege level. */
    { "el2/ap00-read", true, D_AP(0), 0, false, false, RD_P, true },
    { "el2/ap00-write", true, D_AP(0), 0, false, false, WR_P, true },
    { "el2/ap00-unpriv-read", true, D_AP(0), 0, false, false, RD, true },
    { "el2/ap01-write", true, D_AP(1), 0, false, false, WR_P, true },
    { "el2/ap01-exec", true, D_AP(1), 0, false, false, EX_P, true },
    { "el2/ap10-write", true, D_AP(2), 0, false, false, WR_P, false },
    { "el2/ap10-read", true, D_AP(2), 0, false, false, RD_P, true },
    { "el2/ap11-write", true, D_AP(3), 0, false, false, WR_P, false },
    { "el2/ap11-exec", true, D_AP(3), 0, false, false, EX_P, true },
    { "el2/pxn-exec", true, D_AP(0) | D_PXN, 0, false, false, EX_P, true },
    { "el2/xn-exec", true, D_AP(0) | D_UXN, 0, false, false, EX_P, false },
    { "el2/xn-read", true, D_AP(0) | D_UXN, 0, false, false, RD_P, true },
    { "el2/pxntable-exec", true, D_AP(0), D_PXNTABLE, false, false, EX_P,
      true },
    { "el2/xntable-exec", true, D_AP(0), D_UXNTABLE, false, false, EX_P,
      false },
    { "el2/aptable0-read", true, D_AP(0), D_APTABLE(1), false, false, RD_P,
      true },
    { "el2/aptable0-unpriv-write", true, D_AP(0), D_APTABLE(1), false,
      false, WR, true },
    { "el2/aptable1-write", true, D_AP(0), D_APTABLE(2), false, false, WR_P,
      false },
    { "el2/aptable1-read", true, D_AP(0), D_APTABLE(2), false, false, RD_P,
      true },
    { "el2/wxn-exec", true, D_AP(0), 0, true, false, EX_P, false },
    { "el2/wxn-ro-exec", true, D_AP(2), 0, true, false, EX_P, true },
    { "el2/pan-ignored", true, D_AP(1), 0, false, true, RD_P, true },
};

#undef RD
#undef RD_P
#undef WR
#undef WR_P
#undef EX
#undef EX_P

static void test_regime_perm(const void *opaque)
{
    const PermCase *c = opaque;
    uint64_t va = 0x12345678ULL, path[4];
    S1Fixture x;

    s1fx_init(&x);
    pt_map(&x.b0, va, 0x80000000ULL, 3, D_AF | c->leaf, path);
    mem_or64(x.t, path[0], c->table);
    x.cfg.el2 = c->el2;
    x.cfg.wxn = c->wxn;
    x.cfg.pan = c->pan;
    g_assert_cmpint(s1fx_walk(&x, va, c->acc), ==, c->ok);
    if (c->ok) {
        g_assert_cmphex(x.r.oa, ==, 0x80000678ULL);
    } else {
        assert_fault(&x.f, EVT(F_PERMISSION), false, CLASS(IN), va, 0, 3);
        g_assert_cmpint(x.f.rnw, ==, !c->acc.write);
        g_assert_cmpint(x.f.ind, ==, c->acc.exec);
        g_assert_cmpint(x.f.pnu, ==, c->acc.priv);
    }
    tsmmu_free(x.t);
}

static void add_regime_perms(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(perm_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/ptw/perm/%s",
                                                perm_cases[i].name);

        g_test_add_data_func(path, &perm_cases[i], test_regime_perm);
    }
}

/* Reserved block levels and the level-3 "block" encoding. */
static void test_reserved_desc(void)
{
    S1Fixture x;
    uint64_t va = 0x12345678ULL, path[4];

    s1fx_init(&x);
    pt_map(&x.b0, va, 0, 0, S1_LEAF, path);      /* 4K level-0 block */
    g_assert_false(s1fx_walk(&x, va, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), false, CLASS(IN), va, 0, 0);
    mem_write64(x.t, path[0], 0);
    pt_map(&x.b0, va, 0x80000000ULL, 3, S1_LEAF, path);
    mem_write64(x.t, path[3], mem_read64(x.t, path[3]) & ~D_TABLE);
    g_assert_false(s1fx_walk(&x, va, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), false, CLASS(IN), va, 0, 3);
    tsmmu_free(x.t);
}

/* 16K level-1 block: reserved without DS. */
static void test_reserved_16k_l1_block(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    PtBuilder b;
    SMMUv3AuxS1Cfg cfg;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;

    pt_init(&b, t, ARENA_S1, SMMUV3_AUX_GRAN_16K, 47, 1);
    pt_map(&b, 0x123456789aULL, 0x1000000000ULL, 1, S1_LEAF, NULL);
    s1_cfg_init(&cfg, SMMUV3_AUX_GRAN_16K, 47, b.root);
    g_assert_false(smmuv3_aux_ptw_s1(&fakemem_ops, &t->mem, &cfg,
                                     0x123456789aULL, ACC_RD, &r, &f, NULL));
    assert_fault(&f, EVT(F_TRANSLATION), false, CLASS(IN), 0x123456789aULL,
                 0, 1);
    tsmmu_free(t);
}

/* 64K: level-1 (4 TB) blocks and OA[51:48] only with a 52-bit OAS. */
static void test_64k_lpa(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    PtBuilder b;
    SMMUv3AuxS1Cfg cfg;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
    uint64_t va = 0x0000123456789abcULL, path[4];
    uint64_t oa_lo = 0x0000340000000000ULL;      /* OA[47:42] */

    pt_init(&b, t, ARENA_S1, SMMUV3_AUX_GRAN_64K, 48, 1);
    /* OA[51:48] = 0x5 in descriptor bits [15:12] */
    pt_map(&b, va, oa_lo | (5ULL << 12), 1, S1_LEAF, path);
    s1_cfg_init(&cfg, SMMUV3_AUX_GRAN_64K, 48, b.root);
    g_assert_false(smmuv3_aux_ptw_s1(&fakemem_ops, &t->mem, &cfg, va, ACC_RD,
                                     &r, &f, NULL));
    assert_fault(&f, EVT(F_TRANSLATION), false, CLASS(IN), va, 0, 1);
    cfg.oas = cfg.ips = 52;
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&cfg));
    g_assert_true(smmuv3_aux_ptw_s1(&fakemem_ops, &t->mem, &cfg, va, ACC_RD,
                                    &r, &f, NULL));
    g_assert_cmphex(r.oa, ==, 0x0005340000000000ULL | (va & (BIT_ULL(42) - 1)));
    g_assert_cmphex(r.addr_mask, ==, BIT_ULL(42) - 1);
    g_assert_cmpint(r.level, ==, 1);
    /* The same descriptor with IPS 48 on a 52-bit OAS: Address size. */
    cfg.ips = 48;
    g_assert_false(smmuv3_aux_ptw_s1(&fakemem_ops, &t->mem, &cfg, va, ACC_RD,
                                     &r, &f, NULL));
    assert_fault(&f, EVT(F_ADDR_SIZE), false, CLASS(IN), va, 0, 1);
    tsmmu_free(t);
}

/* A next-level table address above IPS is an Address size fault there. */
static void test_table_addr_size(void)
{
    S1Fixture x;
    uint64_t va = 0x12345678ULL, path[4];

    s1fx_init(&x);
    pt_map(&x.b0, va, 0x80000000ULL, 3, S1_LEAF, path);
    mem_write64(x.t, path[1], BIT_ULL(40) | D_VALID | D_TABLE);
    x.cfg.ips = 40;
    g_assert_false(s1fx_walk(&x, va, ACC_RD));
    assert_fault(&x.f, EVT(F_ADDR_SIZE), false, CLASS(IN), va, 0, 1);
    g_assert_cmpuint(x.t->mem.reads, ==, 2);
    tsmmu_free(x.t);
}

/* Stage-2 start tables concatenated: 2 and 16 pages. */
static void test_s2_concat(void)
{
    static const struct { unsigned inputsize; unsigned pages; } k[] = {
        { 40, 2 }, { 43, 16 },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(k); i++) {
        TestSMMU *t = tsmmu_new(NULL);
        PtBuilder b;
        SMMUv3AuxS2Cfg cfg;
        SMMUv3AuxPtwResult r;
        SMMUv3AuxPtwFault f;
        uint64_t ipa = MAKE_64BIT_MASK(0, k[i].inputsize) & ~0xfffULL, path[4];
        unsigned reads;

        pt_init(&b, t, ARENA_S2, SMMUV3_AUX_GRAN_4K, k[i].inputsize, 1);
        g_assert_cmpuint(b.start_bits, ==, 9 + ctz32(k[i].pages));
        pt_map(&b, ipa | 0x321, 0x80000000ULL, 3, S2_LEAF, path);
        /* The last entry of the last concatenated page. */
        g_assert_cmphex(path[1], ==, b.root + k[i].pages * 0x1000 - 8);
        s2_cfg_init(&cfg, SMMUV3_AUX_GRAN_4K, k[i].inputsize, 1, b.root);
        g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&cfg));
        g_assert_true(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg,
                                        ipa | 0x321, ACC_WR, &r, &f));
        g_assert_cmphex(r.oa, ==, 0x80000321ULL);
        g_assert_cmpint(r.s2_level, ==, 3);
        /* Above the S2T0SZ range: stage-2 Translation fault, no walk. */
        reads = t->mem.reads;
        g_assert_false(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg,
                                         BIT_ULL(k[i].inputsize), ACC_RD, &r,
                                         &f));
        assert_fault(&f, EVT(F_TRANSLATION), true, CLASS(IN),
                     BIT_ULL(k[i].inputsize), BIT_ULL(k[i].inputsize), 1);
        g_assert_cmpuint(t->mem.reads, ==, reads);
        tsmmu_free(t);
    }
}

/* Stage-2 XN[1:0] with and without IDR3.XNX. */
static void test_s2_xn(void)
{
    /* px, ux for XN = 00, 01, 10, 11 with XNX */
    static const bool px[4] = { true, false, false, true };
    static const bool ux[4] = { true, true, false, false };
    TestSMMU *t = tsmmu_new(NULL);
    PtBuilder b;
    SMMUv3AuxS2Cfg cfg;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
    uint64_t ipa = 0x12345000ULL, path[4];

    pt_init(&b, t, ARENA_S2, SMMUV3_AUX_GRAN_4K, 40, 1);
    pt_map(&b, ipa, 0x80000000ULL, 3, S2_LEAF, path);
    s2_cfg_init(&cfg, SMMUV3_AUX_GRAN_4K, 40, 1, b.root);
    for (unsigned xn = 0; xn < 4; xn++) {
        uint64_t d = (mem_read64(t, path[3]) & ~(3ULL << 53)) |
                     ((uint64_t)xn << 53);

        mem_write64(t, path[3], d);
        for (int nx = 0; nx < 2; nx++) {
            bool want_px = nx ? !(xn & 2) : px[xn];
            bool want_ux = nx ? !(xn & 2) : ux[xn];

            cfg.xnx = !nx;
            g_assert_cmpint(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg,
                                              ipa, ACC_EX_PRIV, &r, &f),
                            ==, want_px);
            g_assert_cmpint(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg,
                                              ipa, ACC_EX, &r, &f),
                            ==, want_ux);
            if (!want_ux) {
                assert_fault(&f, EVT(F_PERMISSION), true, CLASS(IN), ipa,
                             ipa, 3);
            }
        }
    }
    /* Execute-only at stage 2 (S2AP == 00, XN == 00) is legal. */
    mem_write64(t, path[3], mem_read64(t, path[3]) & ~(D_AP(3) | 3ULL << 53));
    g_assert_true(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg, ipa, ACC_EX,
                                    &r, &f));
    g_assert_false(smmuv3_aux_ptw_s2(&fakemem_ops, &t->mem, &cfg, ipa, ACC_RD,
                                     &r, &f));
    tsmmu_free(t);
}

/* Nested: S1 4K from level 0, S2 4K from level 1 over a 40-bit IPA. */
typedef struct NestFixture {
    TestSMMU *t;
    PtBuilder b1, b2;
    SMMUv3AuxS1Cfg s1;
    SMMUv3AuxS2Cfg s2;
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;
    uint64_t va, ipa, p1[4], p2[4];
} NestFixture;

static void nest_init(NestFixture *x)
{
    memset(x, 0, sizeof(*x));
    x->t = tsmmu_new(NULL);
    mem_fault_read(x->t, ABORT_BASE, ABORT_SIZE);
    x->va = 0x0000123456789abcULL;
    x->ipa = 0x0000008765400000ULL;
    pt_init(&x->b1, x->t, ARENA_S1, SMMUV3_AUX_GRAN_4K, 48, 0);
    pt_map(&x->b1, x->va, x->ipa & ~0xfffULL, 3, S1_LEAF, x->p1);
    pt_init(&x->b2, x->t, ARENA_S2, SMMUV3_AUX_GRAN_4K, 40, 1);
    /* S1 tables: one 2 MB identity block; the data IPA: a page. */
    pt_map(&x->b2, ARENA_S1, ARENA_S1, 2, S2_LEAF, x->p2);
    pt_map(&x->b2, x->ipa, NEST_PA, 3, S2_LEAF, NULL);
    s1_cfg_init(&x->s1, SMMUV3_AUX_GRAN_4K, 48, x->b1.root);
    s2_cfg_init(&x->s2, SMMUV3_AUX_GRAN_4K, 40, 1, x->b2.root);
}

static bool nest_walk(NestFixture *x, SMMUv3AuxPtwAccess acc)
{
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&x->s1));
    g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&x->s2));
    return smmuv3_aux_ptw_s1(&fakemem_ops, &x->t->mem, &x->s1, x->va, acc,
                             &x->r, &x->f, &x->s2);
}

static void test_nested_ok(void)
{
    NestFixture x;

    nest_init(&x);
    g_assert_true(nest_walk(&x, ACC_WR));
    g_assert_cmphex(x.r.ipa, ==, x.ipa | 0xabc);
    g_assert_cmphex(x.r.oa, ==, NEST_PA | 0xabc);
    g_assert_cmphex(x.r.addr_mask, ==, 0xfff);
    g_assert_cmpint(x.r.level, ==, 3);
    g_assert_cmpint(x.r.s2_level, ==, 3);
    g_assert_true(x.r.ng);
    tsmmu_free(x.t);
}

/* A stage-1 table outside the S2 mapping: stage-2 fault, CLASS TT. */
static void test_nested_s2_fault_tt(void)
{
    NestFixture x;
    uint64_t far = ARENA_S1 + 0x400000;          /* beyond the 2 MB block */
    uint64_t d2;

    nest_init(&x);
    /* Move the level-2 table there. */
    d2 = far + pt_index(&x.b1, x.va, 2) * 8;
    mem_write64(x.t, d2, mem_read64(x.t, x.p1[2]));
    mem_write64(x.t, x.p1[1], far | D_VALID | D_TABLE);
    g_assert_false(nest_walk(&x, ACC_WR));
    assert_fault(&x.f, EVT(F_TRANSLATION), true, CLASS(TT), x.va, d2, 2);
    g_assert_true(x.f.ttrnw);
    g_assert_false(x.f.rnw);
    /* Mapped read-only at stage 2: table reads still work. */
    pt_map(&x.b2, far, far, 3, (S2_LEAF & ~D_AP(3)) | D_AP(1), NULL);
    g_assert_true(nest_walk(&x, ACC_WR));
    /* Mapped without read permission: stage-2 Permission fault, TT. */
    pt_map(&x.b2, far, far, 3, (S2_LEAF & ~D_AP(3)) | D_AP(2), NULL);
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_PERMISSION), true, CLASS(TT), x.va, d2, 3);
    /* S2PTW: a table in Device memory faults only with S2PTW. */
    pt_map(&x.b2, far, far, 3, (S2_LEAF & ~D_S2_MEMATTR(0xf)) |
           D_S2_MEMATTR(1), NULL);
    g_assert_true(nest_walk(&x, ACC_RD));
    x.s2.ptw = true;
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_PERMISSION), true, CLASS(TT), x.va, d2, 3);
    x.s2.fwb = true;        /* FWB MemAttr 0b0001: Device as well */
    g_assert_false(nest_walk(&x, ACC_RD));
    pt_map(&x.b2, far, far, 3, (S2_LEAF & ~D_S2_MEMATTR(0xf)) |
           D_S2_MEMATTR(6), NULL);                /* FWB Normal WB */
    g_assert_true(nest_walk(&x, ACC_RD));
    tsmmu_free(x.t);
}

/* TTB0 itself is an IPA, translated with CLASS TT. */
static void test_nested_ttb_fault(void)
{
    NestFixture x;

    nest_init(&x);
    mem_write64(x.t, x.p2[2], 0);                 /* unmap the tables */
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), true, CLASS(TT), x.va,
                 x.b1.root + pt_index(&x.b1, x.va, 0) * 8, 2);
    g_assert_cmpuint(x.t->mem.reads, ==, 2);
    tsmmu_free(x.t);
}

/* A stage-2 descriptor fetch aborting during a stage-1 table fetch. */
static void test_nested_s2_eabt_tt(void)
{
    NestFixture x;

    nest_init(&x);
    mem_write64(x.t, x.p2[1], ABORT_BASE | D_VALID | D_TABLE);
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_WALK_EABT), true, CLASS(TT), x.va,
                 x.b1.root + pt_index(&x.b1, x.va, 0) * 8, 2);
    g_assert_cmphex(x.f.fetch_addr, ==,
                    ABORT_BASE + pt_index(&x.b2, ARENA_S1, 2) * 8);
    tsmmu_free(x.t);
}

/* Faults on the output IPA: stage 2, CLASS IN, with the IPA. */
static void test_nested_s2_fault_in(void)
{
    NestFixture x;
    uint64_t path[4];

    nest_init(&x);
    /* S2PTW concerns table walks only, not a Device output page. */
    x.s2.ptw = true;
    pt_map(&x.b2, x.ipa, NEST_PA, 3, (S2_LEAF & ~D_S2_MEMATTR(0xf)) |
           D_S2_MEMATTR(1), path);
    g_assert_true(nest_walk(&x, ACC_RD));
    pt_map(&x.b2, x.ipa, NEST_PA, 3, (S2_LEAF & ~D_AP(3)) | D_AP(1), path);
    g_assert_true(nest_walk(&x, ACC_RD));
    g_assert_false(x.r.perm.pw || x.r.perm.uw);
    g_assert_true(x.r.perm.pr && x.r.perm.ur);
    g_assert_false(nest_walk(&x, ACC_WR));
    assert_fault(&x.f, EVT(F_PERMISSION), true, CLASS(IN), x.va,
                 x.ipa | 0xabc, 3);
    mem_write64(x.t, path[3], mem_read64(x.t, path[3]) & ~D_AF);
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_ACCESS), true, CLASS(IN), x.va,
                 x.ipa | 0xabc, 3);
    mem_write64(x.t, path[3], 0);
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), true, CLASS(IN), x.va,
                 x.ipa | 0xabc, 3);
    /* An S1 output beyond the 40-bit S2 input range. */
    mem_write64(x.t, x.p1[3], BIT_ULL(40) | S1_LEAF | D_VALID | D_TABLE);
    g_assert_false(nest_walk(&x, ACC_RD));
    assert_fault(&x.f, EVT(F_TRANSLATION), true, CLASS(IN), x.va,
                 BIT_ULL(40) | 0xabc, 1);
    tsmmu_free(x.t);
}

static void test_cfg_valid(void)
{
    SMMUv3AuxS1Cfg s1;
    SMMUv3AuxS2Cfg s2;

    s1_cfg_init(&s1, SMMUV3_AUX_GRAN_4K, 48, 0x1000);
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].tsz = 15;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].tsz = 40;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].tsz = 39;
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].granule = 0;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].epd = true;                 /* everything else IGNORED */
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1_cfg_init(&s1, SMMUV3_AUX_GRAN_4K, 48, BIT_ULL(40));
    s1.ips = 40;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.ips = 52;                         /* 4K: capped at 48 bits */
    s1.tt[0].ttb = BIT_ULL(48);
    s1.oas = 52;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.tt[0].granule = SMMUV3_AUX_GRAN_64K;
    g_assert_null(smmuv3_aux_ptw_s1_cfg_valid(&s1));
    s1.aa64 = false;
    g_assert_nonnull(smmuv3_aux_ptw_s1_cfg_valid(&s1));

    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_4K, 48, 0, 0x1000);
    g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&s2));
    s2.oas = 44;                         /* IAS 44: S2T0SZ >= 20 */
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2));
    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_4K, 44, 1, 0x1000);
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2)); /* 32 tables */
    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_4K, 30, 1, 0x1000);
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2)); /* nothing at L1 */
    s2.sl0 = 3;
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2)); /* no TTST */
    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_16K, 40, 1, 0x1000);
    g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&s2));
    s2.oas = 40;
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2)); /* SL0 2, PA < 42 */
    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_16K, 48, 0, 0x1000);
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2)); /* L0 needs DS */
    s2_cfg_init(&s2, SMMUV3_AUX_GRAN_64K, 40, 2, BIT_ULL(40));
    s2.ps = 40;
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2));
    s2.ps = 42;
    g_assert_null(smmuv3_aux_ptw_s2_cfg_valid(&s2));
    s2.granule = 0;
    g_assert_nonnull(smmuv3_aux_ptw_s2_cfg_valid(&s2));
}

static void test_decode(void)
{
    static const unsigned bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

    for (unsigned i = 0; i < 8; i++) {
        g_assert_cmpuint(smmuv3_aux_ptw_ps_bits(i), ==, bits[i]);
    }
    g_assert_cmpuint(smmuv3_aux_ptw_tg0_granule(0), ==, 12);
    g_assert_cmpuint(smmuv3_aux_ptw_tg0_granule(1), ==, 16);
    g_assert_cmpuint(smmuv3_aux_ptw_tg0_granule(2), ==, 14);
    g_assert_cmpuint(smmuv3_aux_ptw_tg0_granule(3), ==, 0);
    g_assert_cmpuint(smmuv3_aux_ptw_tg1_granule(0), ==, 0);
    g_assert_cmpuint(smmuv3_aux_ptw_tg1_granule(1), ==, 14);
    g_assert_cmpuint(smmuv3_aux_ptw_tg1_granule(2), ==, 12);
    g_assert_cmpuint(smmuv3_aux_ptw_tg1_granule(3), ==, 16);
    g_assert_cmpuint(smmuv3_aux_ptw_s2tg_granule(1), ==, 16);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add_matrix();
    g_test_add_func("/smmuv3-aux/ptw/ttb1-select", test_ttb1_select);
    g_test_add_func("/smmuv3-aux/ptw/epd", test_epd);
    g_test_add_func("/smmuv3-aux/ptw/tbi", test_tbi);
    g_test_add_func("/smmuv3-aux/ptw/hier-perms", test_hier_perms);
    g_test_add_func("/smmuv3-aux/ptw/exec-rules", test_exec_rules);
    add_regime_perms();
    g_test_add_func("/smmuv3-aux/ptw/reserved-desc", test_reserved_desc);
    g_test_add_func("/smmuv3-aux/ptw/reserved-16k-l1-block",
                    test_reserved_16k_l1_block);
    g_test_add_func("/smmuv3-aux/ptw/64k-lpa", test_64k_lpa);
    g_test_add_func("/smmuv3-aux/ptw/table-addr-size", test_table_addr_size);
    g_test_add_func("/smmuv3-aux/ptw/s2-concat", test_s2_concat);
    g_test_add_func("/smmuv3-aux/ptw/s2-xn", test_s2_xn);
    g_test_add_func("/smmuv3-aux/ptw/nested-ok", test_nested_ok);
    g_test_add_func("/smmuv3-aux/ptw/nested-s2-fault-tt",
                    test_nested_s2_fault_tt);
    g_test_add_func("/smmuv3-aux/ptw/nested-ttb-fault",
                    test_nested_ttb_fault);
    g_test_add_func("/smmuv3-aux/ptw/nested-s2-eabt-tt",
                    test_nested_s2_eabt_tt);
    g_test_add_func("/smmuv3-aux/ptw/nested-s2-fault-in",
                    test_nested_s2_fault_in);
    g_test_add_func("/smmuv3-aux/ptw/cfg-valid", test_cfg_valid);
    g_test_add_func("/smmuv3-aux/ptw/decode", test_decode);
    return g_test_run();
}
