/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: configuration cache and IOTLB (tlb.c),
 * and the CFGI/TLBI commands that invalidate them (cmdq.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL

#define NS      SMMUV3_AUX_TLB_NS_EL1
#define EL2     SMMUV3_AUX_TLB_EL2
#define E2H     SMMUV3_AUX_TLB_EL2_E2H
#define S1      SMMUV3_AUX_TLB_S1
#define S2      SMMUV3_AUX_TLB_S2
#define S12     SMMUV3_AUX_TLB_S12
#define NOSSID  SMMUV3_AUX_NO_SSID
#define K4      0x1000ULL
#define M2      0x200000ULL
#define G1      0x40000000ULL

static SMMUv3AuxTlbTag mktag(unsigned regime, unsigned stage, uint16_t vmid,
                             uint16_t asid)
{
    SMMUv3AuxTlbTag t = { regime, stage, vmid, asid };

    return t;
}

static void put(SMMUv3AuxIotlb *t, SMMUv3AuxTlbTag tag, uint64_t iova,
                unsigned granule, unsigned level, bool ng)
{
    SMMUv3AuxTlbEntry e = {
        .iova = iova, .pa = iova + 0x1000000000000ULL, .granule = granule,
        .level = level, .perm = SMMUV3_AUX_TLB_PERM_R, .ng = ng,
    };

    g_assert_true(smmuv3_aux_iotlb_insert(t, &tag, &e));
}

static bool hit(SMMUv3AuxIotlb *t, SMMUv3AuxTlbTag tag, uint64_t iova)
{
    SMMUv3AuxTlbEntry out;

    return smmuv3_aux_iotlb_lookup(t, &tag, iova, &out);
}

/* ---- Insert and lookup ------------------------------------------------ */

typedef struct SizeCase {
    unsigned granule, level, shift;
} SizeCase;

static const SizeCase size_cases[] = {
    { 12, 3, 12 }, { 12, 2, 21 }, { 12, 1, 30 }, { 12, 0, 39 },
    { 14, 3, 14 }, { 14, 2, 25 }, { 14, 1, 36 },
    { 16, 3, 16 }, { 16, 2, 29 }, { 16, 1, 42 },
};

static void test_sizes(void)
{
    for (int i = 0; i < ARRAY_SIZE(size_cases); i++) {
        const SizeCase *c = &size_cases[i];
        uint64_t size = 1ULL << c->shift, base = 5 * size;
        SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
        SMMUv3AuxTlbEntry out;
        SMMUv3AuxIotlb t;

        smmuv3_aux_iotlb_init(&t, 64);
        put(&t, tag, base + size / 3, c->granule, c->level, true);
        g_assert_true(smmuv3_aux_iotlb_lookup(&t, &tag, base, &out));
        g_assert_cmphex(out.iova, ==, base);
        g_assert_cmphex(out.pa, ==, base + 0x1000000000000ULL);
        g_assert_cmphex(out.addr_mask, ==, size - 1);
        g_assert_cmpuint(out.granule, ==, c->granule);
        g_assert_cmpuint(out.level, ==, c->level);
        g_assert_true(out.ng);
        g_assert_true(hit(&t, tag, base + size - 1));
        g_assert_false(hit(&t, tag, base + size));
        g_assert_false(hit(&t, tag, base - 1));
        smmuv3_aux_iotlb_destroy(&t);
    }
}

static void test_bad_geometry(void)
{
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    SMMUv3AuxTlbEntry e = { .granule = 13, .level = 3 };
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, 64);
    g_assert_false(smmuv3_aux_iotlb_insert(&t, &tag, &e));
    e.granule = 12;
    e.level = 4;
    g_assert_false(smmuv3_aux_iotlb_insert(&t, &tag, &e));
    tag.regime = 0;
    e.level = 3;
    g_assert_false(smmuv3_aux_iotlb_insert(&t, &tag, &e));
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, 0);
    smmuv3_aux_iotlb_destroy(&t);
}

/* Mixed sizes: every one is found, whatever size hit last. */
static void test_mixed_sizes(void)
{
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, 64);
    put(&t, tag, 0x1000, 12, 3, true);
    put(&t, tag, 0x400000, 12, 2, true);
    put(&t, tag, G1, 12, 1, true);
    for (int round = 0; round < 3; round++) {
        g_assert_true(hit(&t, tag, 0x1fff));
        g_assert_true(hit(&t, tag, 0x5fffff));
        g_assert_true(hit(&t, tag, G1 + 0x12345678));
        g_assert_false(hit(&t, tag, 0x2000));
    }
    g_assert_cmpuint(t.stats.hits, ==, 9);
    g_assert_cmpuint(t.stats.misses, ==, 3);
    /* Refreshing a key replaces it in place. */
    put(&t, tag, 0x1000, 12, 3, true);
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, 3);
    smmuv3_aux_iotlb_destroy(&t);
}

typedef struct TagCase {
    const char *name;
    SMMUv3AuxTlbTag fill;
    bool ng;
    SMMUv3AuxTlbTag look;
    bool hit;
} TagCase;

static const TagCase tag_cases[] = {
    { "ng-same-asid", { NS, S1, 1, 1 }, true, { NS, S1, 1, 1 }, true },
    { "ng-other-asid", { NS, S1, 1, 1 }, true, { NS, S1, 1, 2 }, false },
    { "global-other-asid", { NS, S1, 1, 1 }, false, { NS, S1, 1, 2 }, true },
    { "other-vmid", { NS, S1, 1, 1 }, false, { NS, S1, 2, 1 }, false },
    { "s1-vs-s2", { NS, S1, 1, 0 }, false, { NS, S2, 1, 0 }, false },
    { "s1-vs-s12", { NS, S1, 1, 1 }, true, { NS, S12, 1, 1 }, false },
    { "s2-ignores-asid", { NS, S2, 1, 7 }, true, { NS, S2, 1, 9 }, true },
    { "s2-other-vmid", { NS, S2, 1, 0 }, false, { NS, S2, 2, 0 }, false },
    { "el2-ignores-asid-vmid", { EL2, S1, 1, 1 }, true, { EL2, S1, 2, 2 },
      true },
    { "e2h-ignores-vmid", { E2H, S1, 1, 1 }, true, { E2H, S1, 2, 1 }, true },
    { "e2h-asid", { E2H, S1, 1, 1 }, true, { E2H, S1, 1, 2 }, false },
    { "el1-vs-el2", { NS, S1, 0, 0 }, false, { EL2, S1, 0, 0 }, false },
    { "el2-vs-e2h", { EL2, S1, 0, 0 }, false, { E2H, S1, 0, 0 }, false },
};

static void test_tags(const void *opaque)
{
    const TagCase *c = opaque;
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, 16);
    put(&t, c->fill, 0x7000, 12, 3, c->ng);
    g_assert_cmpint(hit(&t, c->look, 0x7abc), ==, c->hit);
    smmuv3_aux_iotlb_destroy(&t);
}

/* ---- Replacement ------------------------------------------------------ */

static void test_bound(void)
{
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    SMMUv3AuxIotlb t;
    const unsigned cap = 64;

    smmuv3_aux_iotlb_init(&t, cap);
    for (unsigned i = 0; i < 10 * cap; i++) {
        put(&t, tag, i * K4, 12, 3, true);
        g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), <=, cap);
    }
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, cap);
    /* No hits: CLOCK is FIFO, so the last cap inserted are present. */
    for (unsigned i = 9 * cap; i < 10 * cap; i++) {
        g_assert_true(hit(&t, tag, i * K4));
    }
    g_assert_cmpuint(t.stats.evictions, ==, 9 * cap);
    /* Slots, buckets, and 2 block counters per entry (range TLBI). */
    g_assert_cmpuint(smmuv3_aux_iotlb_bytes(&t), ==,
                     cap * 32 + cap * sizeof(uint32_t) + cap * 2);
    smmuv3_aux_iotlb_destroy(&t);
}

/* Entries used since the hand last passed get a second chance. */
static void test_second_chance(void)
{
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, 16);
    for (unsigned i = 0; i < 16; i++) {
        put(&t, tag, i * K4, 12, 3, true);
    }
    for (unsigned i = 0; i < 4; i++) {
        g_assert_true(hit(&t, tag, i * K4));
    }
    for (unsigned i = 16; i < 24; i++) {
        put(&t, tag, i * K4, 12, 3, true);
    }
    for (unsigned i = 0; i < 4; i++) {
        g_assert_true(hit(&t, tag, i * K4));
    }
    g_assert_false(hit(&t, tag, 4 * K4));
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, 16);
    smmuv3_aux_iotlb_destroy(&t);
}

static void test_disabled(void)
{
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    SMMUv3AuxIotlb t;
    SMMUv3AuxCfgCache c;
    uint64_t v = 1;

    smmuv3_aux_iotlb_init(&t, 0);
    put(&t, tag, 0, 12, 3, true);
    g_assert_false(hit(&t, tag, 0));
    g_assert_cmpuint(smmuv3_aux_iotlb_bytes(&t), ==, 0);
    smmuv3_aux_cfgc_init(&c, 0, sizeof(v));
    smmuv3_aux_cfgc_insert(&c, 1, 1, &v);
    g_assert_false(smmuv3_aux_cfgc_lookup(&c, 1, 1, &v));
    g_assert_cmpuint(smmuv3_aux_cfgc_bytes(&c), ==, 0);
}

static void test_bytes_per_entry(void)
{
    size_t b = smmuv3_aux_iotlb_bytes_per_entry(SMMUV3_AUX_IOTLB_DEFAULT_SIZE);

    g_test_message("IOTLB: %zu bytes per entry at %u entries", b,
                   SMMUV3_AUX_IOTLB_DEFAULT_SIZE);
    g_assert_cmpuint(b, <=, 40);
    /* A capacity just above a power of two has the most buckets. */
    g_assert_cmpuint(smmuv3_aux_iotlb_bytes_per_entry(8193), <=, 42);
}

/* ---- Invalidation through the command queue ---------------------------- */

/*
 * A population covering every tag combination; each TLBI case lists the
 * entries it must remove, and every other entry must survive.
 */
typedef struct Pop {
    SMMUv3AuxTlbTag tag;
    uint64_t iova;
    unsigned level;
    bool ng;
} Pop;

enum { A, B, C, D, E, F, G, H, I, J, K, L, NPOP };

static const Pop pop[NPOP] = {
    [A] = { { NS, S1, 1, 1 }, 0x1000, 3, true },
    [B] = { { NS, S1, 1, 2 }, 0x1000, 3, true },
    [C] = { { NS, S1, 1, 3 }, 0x2000, 3, false },   /* global */
    [D] = { { NS, S1, 2, 1 }, 0x1000, 3, true },
    [E] = { { NS, S2, 1, 0 }, 0x1000, 3, false },
    [F] = { { NS, S12, 1, 1 }, 0x1000, 3, true },
    [G] = { { NS, S2, 2, 0 }, 0x1000, 3, false },
    [H] = { { EL2, S1, 0, 0 }, 0x1000, 3, false },
    [I] = { { E2H, S1, 0, 1 }, 0x1000, 3, true },
    [J] = { { E2H, S1, 0, 0 }, 0x3000, 3, false },  /* global */
    [K] = { { NS, S1, 1, 1 }, 0x200000, 2, true },  /* 2 MiB block */
    [L] = { { NS, S1, 1, 1 }, 0x5000, 3, true },
};

#define BIT_(x)         (1u << (x))
#define VMID(v)         ((uint64_t)(v) << 32)
#define ASID(a)         ((uint64_t)(a) << 48)
#define NUM(n)          ((uint64_t)(n) << 12)
#define SCALE(s)        ((uint64_t)(s) << 20)
#define TTL(l)          ((uint64_t)(l) << 8)
#define TG(g)           ((uint64_t)(g) << 10)
#define LEAF            1ULL

typedef struct InvCase {
    const char *name;
    unsigned op;
    uint64_t qw0, qw1;
    uint32_t removed;           /* bitmask of pop[] */
    bool no_ril, no_s2;
} InvCase;

static const InvCase inv_cases[] = {
    { "nh-all", 0x10, VMID(1), 0,
      BIT_(A) | BIT_(B) | BIT_(C) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "nh-all-vmid2", 0x10, VMID(2), 0, BIT_(D) },
    { "nh-all-nos2-any-vmid", 0x10, VMID(7), 0,
      BIT_(A) | BIT_(B) | BIT_(C) | BIT_(D) | BIT_(F) | BIT_(K) | BIT_(L),
      .no_s2 = true },
    { "nh-asid", 0x11, VMID(1) | ASID(1), 0,
      BIT_(A) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "nh-asid-spares-global", 0x11, VMID(1) | ASID(3), 0, 0 },
    { "nh-va", 0x12, VMID(1) | ASID(1), 0x1000, BIT_(A) | BIT_(F) },
    { "nh-va-leaf", 0x12, VMID(1) | ASID(1), 0x1000 | LEAF,
      BIT_(A) | BIT_(F) },
    { "nh-va-global", 0x12, VMID(1) | ASID(2), 0x2000, BIT_(C) },
    { "nh-va-in-block", 0x12, VMID(1) | ASID(1), 0x2ff000, BIT_(K) },
    { "nh-va-other-vmid", 0x12, VMID(3) | ASID(1), 0x1000, 0 },
    { "nh-vaa", 0x13, VMID(1), 0x1000, BIT_(A) | BIT_(B) | BIT_(F) },
    { "nh-vaa-global", 0x13, VMID(1), 0x2000, BIT_(C) },
    { "el2-all", 0x20, 0, 0, BIT_(H) | BIT_(I) | BIT_(J) },
    { "el2-asid", 0x21, ASID(1), 0, BIT_(I) },
    { "el2-va-other-asid", 0x22, ASID(2), 0x1000, BIT_(H) },
    { "el2-va", 0x22, ASID(1), 0x1000, BIT_(H) | BIT_(I) },
    { "el2-va-global", 0x22, ASID(5), 0x3000, BIT_(J) },
    { "el2-vaa", 0x23, 0, 0x1000, BIT_(H) | BIT_(I) },
    { "s12-vmall", 0x28, VMID(1), 0,
      BIT_(A) | BIT_(B) | BIT_(C) | BIT_(E) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "s2-ipa", 0x2a, VMID(1), 0x1000, BIT_(E) },
    { "s2-ipa-vmid2", 0x2a, VMID(2), 0x1000 | LEAF, BIT_(G) },
    { "s2-ipa-miss", 0x2a, VMID(1), 0x2000, 0 },
    { "nsnh-all", 0x30, 0, 0,
      BIT_(A) | BIT_(B) | BIT_(C) | BIT_(D) | BIT_(E) | BIT_(F) | BIT_(G) |
      BIT_(K) | BIT_(L) },
    /* Range: (NUM + 1) << SCALE pages of TG from Address. */
    { "range-4-pages", 0x12, VMID(1) | ASID(1) | NUM(3), TG(1),
      BIT_(A) | BIT_(C) | BIT_(F) },
    { "range-8-pages", 0x12, VMID(1) | ASID(1) | NUM(1) | SCALE(2), TG(1),
      BIT_(A) | BIT_(C) | BIT_(F) | BIT_(L) },
    { "range-one-page-miss", 0x12, VMID(1) | ASID(1), 0x3000 | TG(1), 0 },
    { "range-ttl3-spares-block", 0x12, VMID(1) | ASID(1) | SCALE(10),
      TG(1) | TTL(3) | LEAF, BIT_(A) | BIT_(C) | BIT_(F) | BIT_(L) },
    { "range-ttl2-spares-pages", 0x12, VMID(1) | ASID(1) | SCALE(10),
      TG(1) | TTL(2) | LEAF, BIT_(F) | BIT_(K) },
    { "range-ttl0", 0x12, VMID(1) | ASID(1) | SCALE(10), TG(1),
      BIT_(A) | BIT_(C) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "range-64k-other-granule", 0x12, VMID(1) | ASID(1), TG(3) | TTL(3),
      BIT_(A) | BIT_(C) | BIT_(F) | BIT_(L) },
    { "range-16k-ttl1-reserved", 0x12, VMID(1) | ASID(1) | SCALE(8),
      TG(2) | TTL(1), BIT_(A) | BIT_(C) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "range-huge", 0x12, VMID(1) | ASID(1) | NUM(31) | SCALE(31), TG(1),
      BIT_(A) | BIT_(C) | BIT_(F) | BIT_(K) | BIT_(L) },
    { "range-top-wraps", 0x13, VMID(1) | NUM(31) | SCALE(31),
      0xfffffffffffff000ULL | TG(3), 0 },
    { "range-vaa", 0x13, VMID(1) | NUM(7), TG(1),
      BIT_(A) | BIT_(B) | BIT_(C) | BIT_(F) | BIT_(L) },
    { "range-s2-ipa", 0x2a, VMID(1) | NUM(1), 0x1000 | TG(1), BIT_(E) },
    { "range-el2-va", 0x22, ASID(1) | NUM(3), TG(1),
      BIT_(H) | BIT_(I) | BIT_(J) },
    /* Without RIL the range fields are RES0: one address only. */
    { "no-ril-single", 0x12, VMID(1) | ASID(1) | NUM(31), TG(1),
      0, .no_ril = true },
    { "no-ril-single-hit", 0x12, VMID(1) | ASID(1) | NUM(31),
      0x1000 | TG(1), BIT_(A) | BIT_(F), .no_ril = true },
};

static TestSMMU *cmdq_smmu(bool hyp, bool s1p, bool s2p, bool ril)
{
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.hyp = hyp;
    p.s1p = s1p;
    p.ssid_size = s1p ? p.ssid_size : 0;
    p.s2p = s2p;
    p.ril = ril;
    t = tsmmu_new(&p);
    tsmmu_setup_cmdq(t, CMDQ_BASE, 5);
    reg_w32(t, A_IRQ_CTRL, R_IRQ_CTRL_GERROR_IRQEN_MASK);
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);
    return t;
}

static void smmu_free(TestSMMU *t)
{
    smmuv3_aux_engine_finalize(&t->e);
    tsmmu_free(t);
}

static void run_cmd(TestSMMU *t, SMMUv3AuxCmd c, SMMUv3AuxCmdError err)
{
    SMMUv3AuxCmd cmds[] = {
        c, cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0),
    };
    uint32_t cons = reg_r32(t, A_CMDQ_CONS);

    tsmmu_submit(t, cmds, 2);
    if (err == SMMUV3_AUX_CERROR_NONE) {
        g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
        g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (cons + 2) & 0x3f);
    } else {
        g_assert_cmphex(reg_r32(t, A_CMDQ_CONS) >> 24, ==, err);
        g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    }
}

static void test_inv_cmd(const void *opaque)
{
    const InvCase *c = opaque;
    TestSMMU *t = cmdq_smmu(true, true, !c->no_s2, !c->no_ril);

    for (int i = 0; i < NPOP; i++) {
        put(&t->e.iotlb, pop[i].tag, pop[i].iova, 12, pop[i].level,
            pop[i].ng);
    }
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t->e.iotlb), ==, NPOP);
    run_cmd(t, cmd_make(c->op, c->qw0, c->qw1), SMMUV3_AUX_CERROR_NONE);
    for (int i = 0; i < NPOP; i++) {
        bool gone = c->removed & BIT_(i);

        if (hit(&t->e.iotlb, pop[i].tag, pop[i].iova) != !gone) {
            g_error("%s: entry %c %s", c->name, 'A' + i,
                    gone ? "survived" : "was removed");
        }
    }
    smmu_free(t);
}

typedef struct IllCase {
    const char *name;
    unsigned op;
    bool hyp, s1p, s2p;
} IllCase;

static const IllCase ill_cases[] = {
    { "nh-all-nos1", 0x10, false, false, true },
    { "nh-asid-nos1", 0x11, false, false, true },
    { "nh-va-nos1", 0x12, false, false, true },
    { "nh-vaa-nos1", 0x13, false, false, true },
    { "el2-all-nohyp", 0x20, false, true, true },
    { "el2-vaa-nohyp", 0x23, false, true, true },
    { "s12-vmall-nos2", 0x28, false, true, false },
    { "s2-ipa-nos2", 0x2a, false, true, false },
};

static void test_ill(const void *opaque)
{
    const IllCase *c = opaque;
    TestSMMU *t = cmdq_smmu(c->hyp, c->s1p, c->s2p, true);
    SMMUv3AuxTlbTag tag = mktag(NS, c->s1p ? S1 : S2, 0, 0);

    put(&t->e.iotlb, tag, 0x1000, 12, 3, false);
    run_cmd(t, cmd_make(c->op, 0, 0x1000), SMMUV3_AUX_CERROR_ILL);
    /* An illegal command has no effect. */
    g_assert_true(hit(&t->e.iotlb, tag, 0x1000));
    smmu_free(t);
}

/* One page's range TLBI, ASID asid: entries removed. */
static unsigned inv_page(SMMUv3AuxIotlb *t, uint16_t asid, uint64_t iova)
{
    SMMUv3AuxTlbInv inv = {
        .regimes = BIT_(NS), .stages = BIT_(S1) | BIT_(S12),
        .match_vmid = true, .vmid = 1, .match_asid = true, .asid = asid,
        .has_range = true, .start = iova, .last = iova + K4 - 1,
    };

    return smmuv3_aux_iotlb_invalidate(t, &inv);
}

/*
 * The block counters that let a range TLBI skip empty pages alias (block
 * numbers modulo 4 per entry) and saturate: neither may hide an entry.
 */
static void test_range_filter(void)
{
    const unsigned cap = 512, alias = cap * 2 * K4;
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, cap);
    put(&t, mktag(NS, S1, 1, 1), 0, 12, 3, true);
    put(&t, mktag(NS, S1, 1, 1), alias, 12, 3, true);
    g_assert_cmpuint(inv_page(&t, 1, 0), ==, 1);
    g_assert_true(hit(&t, mktag(NS, S1, 1, 1), alias));
    g_assert_cmpuint(inv_page(&t, 1, alias), ==, 1);
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, 0);

    /* 300 ASIDs on one page: its counter saturates, and stays "maybe". */
    for (unsigned a = 1; a <= 300; a++) {
        put(&t, mktag(NS, S1, 1, a), K4, 12, 3, true);
    }
    g_assert_true(t.blk_sticky);
    g_assert_nonnull(memchr(t.blk, 255, t.blk_mask + 1));
    for (unsigned a = 1; a <= 300; a++) {
        g_assert_cmpuint(inv_page(&t, a, K4), ==, 1);
    }
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&t), ==, 0);

    /* A scan (TLBI_NH_ALL) recounts: the saturated counter is 0 again. */
    for (unsigned a = 1; a <= 300; a++) {
        put(&t, mktag(NS, S1, 1, a), K4, 12, 3, true);
    }
    put(&t, mktag(NS, S1, 2, 1), 2 * K4, 12, 3, true);
    {
        SMMUv3AuxTlbInv all = {
            .regimes = BIT_(NS), .stages = BIT_(S1) | BIT_(S12),
            .match_vmid = true, .vmid = 1,
        };

        g_assert_cmpuint(smmuv3_aux_iotlb_invalidate(&t, &all), ==, 300);
    }
    g_assert_false(t.blk_sticky);
    g_assert_null(memchr(t.blk, 255, t.blk_mask + 1));
    g_assert_true(hit(&t, mktag(NS, S1, 2, 1), 2 * K4));
    /* ... and the entry the scan kept is still counted: probing finds it. */
    {
        SMMUv3AuxTlbInv one = {
            .regimes = BIT_(NS), .stages = BIT_(S1) | BIT_(S12),
            .match_vmid = true, .vmid = 2, .match_asid = true, .asid = 1,
            .has_range = true, .start = 2 * K4, .last = 3 * K4 - 1,
        };

        g_assert_cmpuint(smmuv3_aux_iotlb_invalidate(&t, &one), ==, 1);
    }
    smmuv3_aux_iotlb_destroy(&t);
}

/* ---- Random cross-check of probing against a reference predicate ------- */

static bool ref_match(const SMMUv3AuxTlbInv *inv, const SMMUv3AuxTlbTag *tag,
                      bool ng, uint64_t base, unsigned shift, unsigned level)
{
    bool global = !ng || tag->stage == S2 || tag->regime == EL2;
    uint16_t vmid = tag->regime == NS ? tag->vmid : 0;

    if (!(inv->regimes & BIT_(tag->regime)) ||
        !(inv->stages & BIT_(tag->stage)) ||
        (inv->match_vmid && vmid != inv->vmid) ||
        (global && inv->nonglobal_only) ||
        (!global && inv->match_asid && tag->asid != inv->asid)) {
        return false;
    }
    if (inv->has_range &&
        (base > inv->last || base + (1ULL << shift) - 1 < inv->start)) {
        return false;
    }
    return !(inv->ttl_level && tag->stage != S12 && inv->tg_granule == 12 &&
             level != inv->ttl_level);
}

static void test_random(void)
{
    static const unsigned levels[] = { 3, 3, 3, 2, 1 };
    GRand *r = g_rand_new_with_seed(0x5a5a);

    for (int round = 0; round < 200; round++) {
        SMMUv3AuxTlbTag tags[48];
        unsigned lv[48];
        bool ng[48], alive[48];
        SMMUv3AuxTlbInv inv = { 0 };
        SMMUv3AuxIotlb t;

        smmuv3_aux_iotlb_init(&t, 256);
        for (int i = 0; i < 48; i++) {
            /* One entry per 1 GiB region: no two entries overlap. */
            tags[i] = mktag(g_rand_int_range(r, 1, 4),
                            g_rand_int_range(r, 0, 3),
                            g_rand_int_range(r, 0, 3),
                            g_rand_int_range(r, 0, 3));
            lv[i] = levels[g_rand_int_range(r, 0, 5)];
            ng[i] = g_rand_boolean(r);
            put(&t, tags[i], i * G1, 12, lv[i], ng[i]);
        }
        inv.regimes = g_rand_int_range(r, 1, 16) & 0xe;
        inv.stages = g_rand_int_range(r, 1, 8);
        inv.match_vmid = g_rand_boolean(r);
        inv.vmid = g_rand_int_range(r, 0, 3);
        inv.match_asid = g_rand_boolean(r);
        inv.asid = g_rand_int_range(r, 0, 3);
        inv.nonglobal_only = g_rand_int_range(r, 0, 4) == 0;
        inv.has_range = g_rand_boolean(r);
        inv.start = (uint64_t)g_rand_int_range(r, 0, 48 << 9) << 21;
        /* Half small ranges (probed), half large ones (scanned). */
        inv.last = inv.start - 1 + (g_rand_boolean(r) ?
                   (uint64_t)g_rand_int_range(r, 1, 5) << 12 :
                   (uint64_t)g_rand_int_range(r, 1, 1 << 14)
                   << g_rand_int_range(r, 12, 28));
        inv.tg_granule = 12;
        inv.ttl_level = g_rand_int_range(r, 0, 4);
        for (int i = 0; i < 48; i++) {
            alive[i] = !ref_match(&inv, &tags[i], ng[i], i * G1,
                                  lv[i] == 3 ? 12 : lv[i] == 2 ? 21 : 30,
                                  lv[i]);
        }
        smmuv3_aux_iotlb_invalidate(&t, &inv);
        for (int i = 0; i < 48; i++) {
            g_assert_cmpint(hit(&t, tags[i], i * G1), ==, alive[i]);
        }
        smmuv3_aux_iotlb_destroy(&t);
    }
    g_rand_free(r);
}

/*
 * Dense: up to six entries on each of 256 consecutive pages, so a range
 * probe gathers more candidates than one batch holds (iotlb.c looks them
 * up 32 at a time, several keys per block), and removals in one batch
 * unlink chains that later candidates of the batch walk.  The global
 * entry has a VMID of its own: a lookup of an nG tag would hit it.
 */
static void test_random_dense(void)
{
    static const struct { SMMUv3AuxTlbTag tag; bool ng; } kinds[] = {
        { { NS, S1, 1, 1 }, true }, { { NS, S1, 1, 2 }, true },
        { { NS, S1, 3, 0 }, false }, { { NS, S2, 1, 0 }, false },
        { { NS, S1, 2, 1 }, true }, { { EL2, S1, 0, 0 }, false },
    };
    enum { PAGES = 256, NK = ARRAY_SIZE(kinds) };
    GRand *r = g_rand_new_with_seed(0xd15e);
    SMMUv3AuxIotlb t;

    smmuv3_aux_iotlb_init(&t, 4096);
    for (int round = 0; round < 300; round++) {
        bool alive[PAGES][NK];
        SMMUv3AuxTlbInv inv = { .has_range = true, .tg_granule = 12 };
        uint64_t first = g_rand_int_range(r, 0, PAGES);

        smmuv3_aux_iotlb_flush(&t);
        for (int pg = 0; pg < PAGES; pg++) {
            for (int k = 0; k < NK; k++) {
                alive[pg][k] = g_rand_int_range(r, 0, 3) != 0;
                if (alive[pg][k]) {
                    put(&t, kinds[k].tag, pg * K4, 12, 3, kinds[k].ng);
                }
            }
        }
        inv.regimes = g_rand_boolean(r) ? BIT_(NS) : BIT_(NS) | BIT_(EL2);
        inv.stages = g_rand_int_range(r, 1, 8);
        /* Mostly both tags: only then can a range be probed. */
        inv.match_vmid = g_rand_int_range(r, 0, 4) != 0;
        inv.vmid = g_rand_int_range(r, 1, 4);
        inv.match_asid = g_rand_int_range(r, 0, 4) != 0;
        inv.asid = g_rand_int_range(r, 1, 3);
        inv.nonglobal_only = g_rand_int_range(r, 0, 4) == 0;
        inv.ttl_level = g_rand_boolean(r) ? 3 : 0;
        inv.start = first * K4;
        inv.last = (first + g_rand_int_range(r, 1, 80)) * K4 - 1;
        for (int pg = 0; pg < PAGES; pg++) {
            for (int k = 0; k < NK; k++) {
                alive[pg][k] &= !ref_match(&inv, &kinds[k].tag, kinds[k].ng,
                                           pg * K4, 12, 3);
            }
        }
        smmuv3_aux_iotlb_invalidate(&t, &inv);
        for (int pg = 0; pg < PAGES; pg++) {
            for (int k = 0; k < NK; k++) {
                g_assert_cmpint(hit(&t, kinds[k].tag, pg * K4), ==,
                                alive[pg][k]);
            }
        }
    }
    /* Both paths were checked: a third of the ranges at least each. */
    g_assert_cmpuint(t.inv_probes, >=, 100);
    g_assert_cmpuint(t.inv_scans, >=, 100);
    smmuv3_aux_iotlb_destroy(&t);
    g_rand_free(r);
}

/* ---- Configuration cache ---------------------------------------------- */

static const struct { uint32_t sid, ssid; } cfg_pop[] = {
    { 1, NOSSID }, { 1, 0 }, { 1, 5 }, { 1, 0x400 }, { 2, NOSSID },
    { 2, 5 }, { 3, 7 }, { 0x100, 0 }, { 0x107, 0 }, { 0x108, NOSSID },
};

typedef struct CfgCase {
    const char *name;
    unsigned op;
    uint64_t qw0, qw1;
    uint32_t removed;           /* bitmask of cfg_pop[] */
} CfgCase;

#define SID(s)          ((uint64_t)(s) << 32)
#define SSIDF(s)        ((uint64_t)(s) << 12)

static const CfgCase cfg_cases[] = {
    { "cfgi-ste", 0x03, SID(1), 1, 0xf },
    { "cfgi-ste-nonleaf", 0x03, SID(2), 0, 0x30 },
    { "cfgi-cd", 0x05, SID(1) | SSIDF(5), 1, 0x4 },
    { "cfgi-cd-ssid0", 0x05, SID(1), 1, 0x3 },
    { "cfgi-cd-nonleaf", 0x05, SID(1) | SSIDF(5), 0, 0x7 },
    { "cfgi-cd-nonleaf-high", 0x05, SID(1) | SSIDF(0x7ff), 0, 0x8 },
    { "cfgi-cd-other-sid", 0x05, SID(3) | SSIDF(5), 1, 0 },
    { "cfgi-cd-all", 0x06, SID(2), 0, 0x30 },
    { "cfgi-ste-range", 0x04, SID(0x103), 2, 0x180 },
    { "cfgi-ste-range-1", 0x04, SID(0x108), 0, 0x200 },
    { "cfgi-all", 0x04, 0, 31, 0x3ff },
};

static void test_cfg_cmd(const void *opaque)
{
    const CfgCase *c = opaque;
    TestSMMU *t = cmdq_smmu(false, true, true, true);
    uint8_t val[SMMUV3_AUX_CFGC_VALUE_SIZE] = { 0 };
    uint64_t v;

    for (int i = 0; i < ARRAY_SIZE(cfg_pop); i++) {
        v = i;
        memcpy(val, &v, sizeof(v));
        smmuv3_aux_cfgc_insert(&t->e.cfgc, cfg_pop[i].sid, cfg_pop[i].ssid,
                               val);
    }
    run_cmd(t, cmd_make(c->op, c->qw0, c->qw1), SMMUV3_AUX_CERROR_NONE);
    for (int i = 0; i < ARRAY_SIZE(cfg_pop); i++) {
        bool gone = c->removed & BIT_(i);
        uint8_t buf[SMMUV3_AUX_CFGC_VALUE_SIZE];

        if (smmuv3_aux_cfgc_lookup(&t->e.cfgc, cfg_pop[i].sid,
                                   cfg_pop[i].ssid, buf) != !gone) {
            g_error("%s: entry %d %s", c->name, i,
                    gone ? "survived" : "was removed");
        }
        memcpy(&v, buf, sizeof(v));
        g_assert_true(gone || v == i);
    }
    smmu_free(t);
}

static void test_cfgc_bound(void)
{
    SMMUv3AuxCfgCache c;
    uint32_t v;

    smmuv3_aux_cfgc_init(&c, 32, sizeof(v));
    for (uint32_t i = 0; i < 320; i++) {
        smmuv3_aux_cfgc_insert(&c, i, NOSSID, &i);
        g_assert_cmpuint(smmuv3_aux_cfgc_count(&c), <=, 32);
    }
    for (uint32_t i = 288; i < 320; i++) {
        g_assert_true(smmuv3_aux_cfgc_lookup(&c, i, NOSSID, &v));
        g_assert_cmpuint(v, ==, i);
    }
    g_assert_false(smmuv3_aux_cfgc_lookup(&c, 0, NOSSID, &v));
    g_assert_cmpuint(smmuv3_aux_cfgc_bytes(&c), ==,
                     32 * 32 + 32 * sizeof(uint32_t));
    /* CFGI_ALL is a generation bump; stale slots are reused first. */
    smmuv3_aux_cfgc_inv_all(&c);
    g_assert_cmpuint(smmuv3_aux_cfgc_count(&c), ==, 0);
    g_assert_false(smmuv3_aux_cfgc_lookup(&c, 300, NOSSID, &v));
    for (uint32_t i = 0; i < 32; i++) {
        smmuv3_aux_cfgc_insert(&c, 1000 + i, 0, &i);
    }
    g_assert_cmpuint(smmuv3_aux_cfgc_count(&c), ==, 32);
    g_assert_cmpuint(c.stats.evictions, ==, 288);
    /* Generation wrap-around empties the table for real. */
    c.gen = UINT32_MAX;
    smmuv3_aux_cfgc_inv_all(&c);
    g_assert_cmpuint(c.gen, ==, 1);
    g_assert_cmpuint(c.st.used, ==, 0);
    smmuv3_aux_cfgc_insert(&c, 7, 7, &v);
    g_assert_true(smmuv3_aux_cfgc_lookup(&c, 7, 7, &v));
    smmuv3_aux_cfgc_destroy(&c);
}

/* ---- Records for the binding ----------------------------------------- */

static void test_invals(void)
{
    TestSMMU *t = cmdq_smmu(false, true, true, true);
    SMMUv3AuxInval out[SMMUV3_AUX_MAX_INVALS];
    bool all;

    run_cmd(t, cmd_make(0x12, VMID(3) | ASID(4) | NUM(1), 0x8000 | TG(1)),
            SMMUV3_AUX_CERROR_NONE);
    run_cmd(t, cmd_make(0x05, SID(9) | SSIDF(2), 1), SMMUV3_AUX_CERROR_NONE);
    run_cmd(t, cmd_make(0x2a, VMID(5), 0x3000), SMMUV3_AUX_CERROR_NONE);
    g_assert_cmpuint(smmuv3_aux_engine_take_invals(&t->e, out, 64, &all),
                     ==, 3);
    g_assert_false(all);
    g_assert_cmpint(out[0].kind, ==, SMMUV3_AUX_INVAL_TLB_VA);
    g_assert_cmpuint(out[0].vmid, ==, 3);
    g_assert_cmpuint(out[0].asid, ==, 4);
    g_assert_false(out[0].any_asid || out[0].any_vmid);
    g_assert_cmphex(out[0].iova, ==, 0x8000);
    g_assert_cmphex(out[0].size, ==, 0x2000);
    g_assert_cmpint(out[1].kind, ==, SMMUV3_AUX_INVAL_CFG);
    g_assert_cmpuint(out[1].sid, ==, 9);
    g_assert_cmpuint(out[1].ssid, ==, 2);
    g_assert_cmpuint(out[1].sid_count, ==, 1);
    g_assert_cmpint(out[2].kind, ==, SMMUV3_AUX_INVAL_TLB_IPA);
    g_assert_cmphex(out[2].size, ==, 1);
    g_assert_cmpuint(smmuv3_aux_engine_take_invals(&t->e, out, 64, &all),
                     ==, 0);
    /* More than the list holds: "everything", and the list restarts. */
    for (int i = 0; i < SMMUV3_AUX_MAX_INVALS + 1; i++) {
        run_cmd(t, cmd_make(0x11, ASID(i), 0), SMMUV3_AUX_CERROR_NONE);
    }
    smmuv3_aux_engine_take_invals(&t->e, out, 64, &all);
    g_assert_true(all);
    run_cmd(t, cmd_make(0x30, 0, 0), SMMUV3_AUX_CERROR_NONE);
    g_assert_cmpuint(smmuv3_aux_engine_take_invals(&t->e, out, 64, &all),
                     ==, 1);
    g_assert_false(all);
    g_assert_cmpint(out[0].kind, ==, SMMUV3_AUX_INVAL_TLB_ALL);
    g_assert_true(out[0].any_vmid);
    smmu_free(t);
}

/* Reset empties both caches. */
static void test_reset(void)
{
    TestSMMU *t = cmdq_smmu(false, true, true, true);
    SMMUv3AuxTlbTag tag = mktag(NS, S1, 1, 1);
    uint8_t v[SMMUV3_AUX_CFGC_VALUE_SIZE] = { 0 };

    put(&t->e.iotlb, tag, 0x1000, 12, 3, true);
    smmuv3_aux_cfgc_insert(&t->e.cfgc, 1, NOSSID, v);
    smmuv3_aux_engine_reset(&t->e);
    g_assert_false(hit(&t->e.iotlb, tag, 0x1000));
    g_assert_false(smmuv3_aux_cfgc_lookup(&t->e.cfgc, 1, NOSSID, v));
    smmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/tlb/sizes", test_sizes);
    g_test_add_func("/smmuv3-aux/tlb/bad-geometry", test_bad_geometry);
    g_test_add_func("/smmuv3-aux/tlb/mixed-sizes", test_mixed_sizes);
    for (int i = 0; i < ARRAY_SIZE(tag_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/tlb/tag/%s",
                                                tag_cases[i].name);
        g_test_add_data_func(path, &tag_cases[i], test_tags);
    }
    g_test_add_func("/smmuv3-aux/tlb/bound", test_bound);
    g_test_add_func("/smmuv3-aux/tlb/second-chance", test_second_chance);
    g_test_add_func("/smmuv3-aux/tlb/disabled", test_disabled);
    g_test_add_func("/smmuv3-aux/tlb/bytes-per-entry", test_bytes_per_entry);
    for (int i = 0; i < ARRAY_SIZE(inv_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/tlb/tlbi/%s",
                                                inv_cases[i].name);
        g_test_add_data_func(path, &inv_cases[i], test_inv_cmd);
    }
    for (int i = 0; i < ARRAY_SIZE(ill_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/tlb/ill/%s",
                                                ill_cases[i].name);
        g_test_add_data_func(path, &ill_cases[i], test_ill);
    }
    g_test_add_func("/smmuv3-aux/tlb/random", test_random);
    g_test_add_func("/smmuv3-aux/tlb/random-dense", test_random_dense);
    g_test_add_func("/smmuv3-aux/tlb/range-filter", test_range_filter);
    for (int i = 0; i < ARRAY_SIZE(cfg_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/tlb/cfgi/%s",
                                                cfg_cases[i].name);
        g_test_add_data_func(path, &cfg_cases[i], test_cfg_cmd);
    }
    g_test_add_func("/smmuv3-aux/tlb/cfgc-bound", test_cfgc_bound);
    g_test_add_func("/smmuv3-aux/tlb/invals", test_invals);
    g_test_add_func("/smmuv3-aux/tlb/reset", test_reset);
    return g_test_run();
}
