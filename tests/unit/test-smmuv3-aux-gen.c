/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: the invalidation generation
 * (SMMUv3AuxEngine.inval_gen).
 *
 * The binding's lock-free micro-TLB trusts an entry only while the
 * generation it was filled at is current, so every command and register
 * write that can change a translation result must advance it, and must do
 * so before the guest can see the change complete (before the CMD_SYNC
 * that follows it signals).  Commands and writes that cannot change a
 * result leave it alone, so that a guest's CMD_SYNCs and queue pointer
 * writes do not empty the micro-TLB.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB_BASE 0x400000ULL
#define MSI_ADDR    0x300040ULL

static uint64_t gen(TestSMMU *t)
{
    return t->e.inval_gen;
}

/*
 * An engine with the EL2 regime (so that TLBI_EL2_* are legal) and the
 * command queue (2^8 entries) on, SMMUEN off.
 */
static TestSMMU *gen_new(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.hyp = true;
    t = tsmmu_new(&p);

    tsmmu_setup_cmdq(t, CMDQ_BASE, 8);
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);
    return t;
}

static void gen_free(TestSMMU *t)
{
    smmuv3_aux_engine_finalize(&t->e);
    tsmmu_free(t);
}

static SMMUv3AuxCmd sync_none(void)
{
    return cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
}

static void test_init(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    /* 0 tags an empty micro-TLB entry: it must never be current. */
    g_assert_cmpuint(gen(t), !=, 0);
    gen_free(t);
}

/* ---- Commands -------------------------------------------------------- */

typedef struct CmdCase {
    const char *name;
    unsigned opcode;
    uint64_t qw0, qw1;
    bool bumps;
} CmdCase;

#define SID(x)      ((uint64_t)(x) << 32)
#define SSID(x)     ((uint64_t)(x) << 12)
#define VMID(x)     ((uint64_t)(x) << 32)
#define ASID(x)     ((uint64_t)(x) << 48)
#define LEAF        1ULL
#define RANGE(x)    ((uint64_t)(x))
/* TG = 4 KiB, NUM = 3, SCALE = 1: 8 pages from the address. */
#define TLBI_RANGE_QW0  (((uint64_t)3 << 12) | ((uint64_t)1 << 20))
#define TLBI_RANGE_QW1  (((uint64_t)1 << 10) | 0x7000ULL)

static const CmdCase cmd_cases[] = {
    /* Configuration invalidation (4.3). */
    { "cfgi-ste", SMMUV3_AUX_CMD_CFGI_STE, SID(1), LEAF, true },
    { "cfgi-ste-nonleaf", SMMUV3_AUX_CMD_CFGI_STE, SID(1), 0, true },
    { "cfgi-ste-range", SMMUV3_AUX_CMD_CFGI_STE_RANGE, SID(8), RANGE(3),
      true },
    { "cfgi-all", SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, RANGE(31), true },
    { "cfgi-cd", SMMUV3_AUX_CMD_CFGI_CD, SID(1) | SSID(5), LEAF, true },
    { "cfgi-cd-nonleaf", SMMUV3_AUX_CMD_CFGI_CD, SID(1) | SSID(5), 0, true },
    { "cfgi-cd-all", SMMUV3_AUX_CMD_CFGI_CD_ALL, SID(1), 0, true },
    /* TLB invalidation (4.4). */
    { "tlbi-nh-all", SMMUV3_AUX_CMD_TLBI_NH_ALL, VMID(1), 0, true },
    { "tlbi-nh-asid", SMMUV3_AUX_CMD_TLBI_NH_ASID, VMID(1) | ASID(2), 0,
      true },
    { "tlbi-nh-va", SMMUV3_AUX_CMD_TLBI_NH_VA, VMID(1) | ASID(2),
      0x5000 | LEAF, true },
    { "tlbi-nh-va-range", SMMUV3_AUX_CMD_TLBI_NH_VA,
      VMID(1) | ASID(2) | TLBI_RANGE_QW0, TLBI_RANGE_QW1, true },
    { "tlbi-nh-vaa", SMMUV3_AUX_CMD_TLBI_NH_VAA, VMID(1), 0x5000, true },
    { "tlbi-el2-all", SMMUV3_AUX_CMD_TLBI_EL2_ALL, 0, 0, true },
    { "tlbi-el2-asid", SMMUV3_AUX_CMD_TLBI_EL2_ASID, ASID(2), 0, true },
    { "tlbi-el2-va", SMMUV3_AUX_CMD_TLBI_EL2_VA, ASID(2), 0x5000, true },
    { "tlbi-el2-vaa", SMMUV3_AUX_CMD_TLBI_EL2_VAA, 0, 0x5000, true },
    { "tlbi-s12-vmall", SMMUV3_AUX_CMD_TLBI_S12_VMALL, VMID(1), 0, true },
    { "tlbi-s2-ipa", SMMUV3_AUX_CMD_TLBI_S2_IPA, VMID(1), 0x5000, true },
    { "tlbi-s2-ipa-range", SMMUV3_AUX_CMD_TLBI_S2_IPA,
      VMID(1) | TLBI_RANGE_QW0, TLBI_RANGE_QW1, true },
    { "tlbi-nsnh-all", SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0, true },
    /* Nothing a translation depends on. */
    { "sync", SMMUV3_AUX_CMD_SYNC, 0, 0, false },
    { "prefetch-config", SMMUV3_AUX_CMD_PREFETCH_CONFIG, SID(1), 0, false },
    { "prefetch-addr", SMMUV3_AUX_CMD_PREFETCH_ADDR, SID(1), 0x5000, false },
    { "atc-inv", SMMUV3_AUX_CMD_ATC_INV, SID(1), 0, false },
    { "pri-resp", SMMUV3_AUX_CMD_PRI_RESP, SID(1), 0, false },
    { "resume", SMMUV3_AUX_CMD_RESUME, SID(1), 0, false },
    { "stall-term", SMMUV3_AUX_CMD_STALL_TERM, SID(1), 0, false },
};

static void test_cmd(const void *opaque)
{
    const CmdCase *c = opaque;
    TestSMMU *t = gen_new();
    SMMUv3AuxCmd cmd = cmd_make(c->opcode, c->qw0, c->qw1);
    uint64_t before = gen(t);

    tsmmu_submit(t, &cmd, 1);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    if (c->bumps) {
        g_assert_cmpuint(gen(t), >, before);
    } else {
        g_assert_cmpuint(gen(t), ==, before);
    }
    gen_free(t);
}

/*
 * Past SMMUV3_AUX_MAX_INVALS recorded invalidations the notifier list
 * overflows into one "everything" flag; the generation must still move
 * for each command.
 */
static void test_overflow(void)
{
    TestSMMU *t = gen_new();
    unsigned n = SMMUV3_AUX_MAX_INVALS + 8;
    g_autofree SMMUv3AuxCmd *c = g_new(SMMUv3AuxCmd, n + 1);
    uint64_t before = gen(t);

    for (unsigned i = 0; i < n; i++) {
        c[i] = cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA, VMID(1) | ASID(2),
                        (uint64_t)i << 12);
    }
    c[n] = sync_none();
    tsmmu_submit(t, c, n + 1);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, n + 1);
    g_assert_cmpuint(gen(t), ==, before + n);
    gen_free(t);
}

/* A command with no effect (SSec = 1 is CERROR_ILL) need not bump. */
static void test_illegal(void)
{
    TestSMMU *t = gen_new();
    SMMUv3AuxCmd c = cmd_make(SMMUV3_AUX_CMD_CFGI_STE, SID(1) | (1 << 10),
                              LEAF);
    uint64_t before = gen(t);

    tsmmu_submit(t, &c, 1);
    g_assert_cmphex(reg_r32(t, A_GERROR) & R_GERROR_CMDQ_ERR_MASK, !=, 0);
    g_assert_cmpuint(gen(t), ==, before);
    gen_free(t);
}

/*
 * The bump must be visible before the CMD_SYNC that follows the
 * invalidation signals completion: record the generation at the moment
 * the CMD_SYNC MSI reaches memory.
 */
typedef struct SyncProbe {
    TestSMMU *t;
    uint64_t gen_at_msi;
    unsigned msis;
} SyncProbe;

static bool probe_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                       SMMUv3AuxMemAttrs attrs)
{
    SyncProbe *p = opaque;

    return fakemem_ops.dma_read(&p->t->mem, pa, buf, len, attrs);
}

static bool probe_write(void *opaque, uint64_t pa, const void *buf,
                        uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    SyncProbe *p = opaque;

    if (pa == MSI_ADDR) {
        p->gen_at_msi = p->t->e.inval_gen;
        p->msis++;
    }
    return fakemem_ops.dma_write(&p->t->mem, pa, buf, len, attrs);
}

static bool probe_cmpxchg64(void *opaque, uint64_t pa, uint64_t *expected,
                            uint64_t new, SMMUv3AuxMemAttrs attrs)
{
    SyncProbe *p = opaque;

    return fakemem_ops.dma_cmpxchg64(&p->t->mem, pa, expected, new, attrs);
}

static const SMMUv3AuxEngineOps probe_ops = {
    .dma_read = probe_read,
    .dma_write = probe_write,
    .dma_cmpxchg64 = probe_cmpxchg64,
};

static void test_bump_before_sync(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SyncProbe p = { .t = t };
    SMMUv3AuxCmd c[2];
    uint64_t before;

    smmuv3_aux_engine_finalize(&t->e);
    smmuv3_aux_engine_init(&t->e, &t->params, &probe_ops, &p);
    tsmmu_setup_cmdq(t, CMDQ_BASE, 8);
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);

    c[0] = cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0);
    c[1] = cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, MSI_ADDR, 0x1234);
    before = gen(t);
    tsmmu_submit(t, c, 2);
    g_assert_cmpuint(p.msis, ==, 1);
    g_assert_cmpuint(p.gen_at_msi, ==, before + 1);
    g_assert_cmpuint(gen(t), ==, before + 1);
    gen_free(t);
}

/* ---- Registers ------------------------------------------------------- */

typedef struct RegCase {
    const char *name;
    uint64_t off;
    uint64_t val;
    unsigned size;
    bool bumps;
} RegCase;

static const RegCase reg_cases[] = {
    { "cr0-smmuen", A_CR0, R_CR0_SMMUEN_MASK, 4, true },
    { "cr0-same", A_CR0, R_CR0_CMDQEN_MASK, 4, true },
    { "cr1", A_CR1, 0x5a, 4, true },
    { "cr2-e2h", A_CR2, R_CR2_E2H_MASK, 4, true },
    { "cr2-recinvsid", A_CR2, R_CR2_RECINVSID_MASK, 4, true },
    { "gbpa-abort", A_GBPA, R_GBPA_UPDATE_MASK | R_GBPA_ABORT_MASK, 4, true },
    { "gbpa-bypass", A_GBPA, R_GBPA_UPDATE_MASK, 4, true },
    { "strtab-base", A_STRTAB_BASE, STRTAB_BASE, 8, true },
    { "strtab-base-lo", A_STRTAB_BASE, STRTAB_BASE, 4, true },
    { "strtab-base-hi", A_STRTAB_BASE + 4, 1, 4, true },
    { "strtab-base-cfg", A_STRTAB_BASE_CFG, 6, 4, true },
    /* GBPA without UPDATE is ignored. */
    { "gbpa-no-update", A_GBPA, R_GBPA_ABORT_MASK, 4, false },
    { "irq-ctrl", A_IRQ_CTRL, R_IRQ_CTRL_GERROR_IRQEN_MASK, 4, false },
    { "gerrorn", A_GERRORN, 0, 4, false },
    { "cmdq-prod-empty", A_CMDQ_PROD, 0, 4, false },
    { "eventq-cons", A_EVENTQ_CONS, 0, 4, false },
    { "eventq-irq-cfg0", A_EVENTQ_IRQ_CFG0, 0x8000, 8, false },
    { "idr0", A_IDR0, 0, 4, false },
};

static void test_reg(const void *opaque)
{
    const RegCase *c = opaque;
    TestSMMU *t = gen_new();
    uint64_t before = gen(t);

    if (c->size == 8) {
        reg_w64(t, c->off, c->val);
    } else {
        reg_w32(t, c->off, c->val);
    }
    if (c->bumps) {
        g_assert_cmpuint(gen(t), >, before);
    } else {
        g_assert_cmpuint(gen(t), ==, before);
    }
    gen_free(t);
}

/* While SMMUEN = 1 STRTAB_BASE(_CFG) writes are ignored: no change. */
static void test_strtab_guarded(void)
{
    TestSMMU *t = gen_new();
    uint64_t before;

    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK);
    before = gen(t);
    reg_w64(t, A_STRTAB_BASE, STRTAB_BASE);
    reg_w32(t, A_STRTAB_BASE_CFG, 6);
    g_assert_cmpuint(gen(t), ==, before);
    gen_free(t);
}

/* Reads never bump; a whole-window read sweep must leave it alone. */
static void test_reads(void)
{
    TestSMMU *t = gen_new();
    uint64_t before = gen(t);

    for (uint64_t off = 0; off < 0x1000; off += 4) {
        reg_r32(t, off);
    }
    g_assert_cmpuint(gen(t), ==, before);
    gen_free(t);
}

/* ---- Reset and translation ------------------------------------------- */

static void test_reset(void)
{
    TestSMMU *t = gen_new();
    uint64_t before = gen(t);

    smmuv3_aux_engine_reset(&t->e);
    g_assert_cmpuint(gen(t), >, before);
    gen_free(t);
}

/* Translating, successfully or not, changes nothing cached. */
static void test_translate(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxTxnOut out;
    uint64_t before;

    /* SMMUEN = 0, GBPA bypass */
    before = gen(t);
    g_assert_cmpint(tsmmu_translate(t, 1, 0x1000, false, &out), ==,
                    SMMUV3_AUX_TXN_OK);
    g_assert_cmpuint(gen(t), ==, before);

    /* SMMUEN = 1, an invalid StreamID: C_BAD_STREAMID recorded */
    tsmmu_setup_strtab_linear(t, STRTAB_BASE, 2);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    before = gen(t);
    g_assert_cmpint(tsmmu_translate(t, 100, 0x1000, true, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    g_assert_cmpuint(tsmmu_n_events(t), ==, 1);
    g_assert_cmpuint(gen(t), ==, before);
    gen_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/gen/init", test_init);
    for (size_t i = 0; i < ARRAY_SIZE(cmd_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/smmuv3-aux/gen/cmd/%s", cmd_cases[i].name);

        g_test_add_data_func(path, &cmd_cases[i], test_cmd);
    }
    g_test_add_func("/smmuv3-aux/gen/cmd/overflow", test_overflow);
    g_test_add_func("/smmuv3-aux/gen/cmd/illegal", test_illegal);
    g_test_add_func("/smmuv3-aux/gen/cmd/before-sync", test_bump_before_sync);
    for (size_t i = 0; i < ARRAY_SIZE(reg_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/smmuv3-aux/gen/reg/%s", reg_cases[i].name);

        g_test_add_data_func(path, &reg_cases[i], test_reg);
    }
    g_test_add_func("/smmuv3-aux/gen/reg/strtab-guarded", test_strtab_guarded);
    g_test_add_func("/smmuv3-aux/gen/reg/reads", test_reads);
    g_test_add_func("/smmuv3-aux/gen/reset", test_reset);
    g_test_add_func("/smmuv3-aux/gen/translate", test_translate);
    return g_test_run();
}
