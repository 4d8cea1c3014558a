/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: Tegra241-CMDQV-compatible virtual command
 * queues (vcmdq.c, and the queue policy of cmdq.c).  Register sequences
 * follow Linux's tegra241-cmdqv.c.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"
#include "hw/arm/smmuv3-aux/vcmdq.h"

#define QBASE(q)        (0x100000ULL + 0x1000ULL * (q))
#define VINTF(i, r)     (0x1000 + 0x100 * (i) + (r))
#define ALLOC(q)        (A_CMDQV_CMDQ_ALLOC + 4 * (q))
#define LV0(i, l, r)    (0x30000 + 0x20000 * (i) + 0x80 * (l) + (r))
#define LV1(i, l, r)    (LV0(i, l, r) + 0x10000)
#define GQ0(q, r)       (0x10000 + 0x80 * (q) + (r))
#define GQ1(q, r)       (0x20000 + 0x80 * (q) + (r))

typedef struct TestCmdqv {
    TestSMMU *t;
    SMMUv3AuxCmdqv v;
    bool sloppy;                /* the driver may find errors to clear */
} TestCmdqv;

static TestCmdqv *tc_new(const SMMUv3AuxCmdqvParams *p)
{
    TestCmdqv *tc = g_new0(TestCmdqv, 1);
    SMMUv3AuxCmdqvParams def;
    const char *why = NULL;

    smmuv3_aux_cmdqv_params_set_defaults(&def);
    p = p ? p : &def;
    g_assert_true(smmuv3_aux_cmdqv_params_check(p, &why));
    tc->t = tsmmu_new(NULL);
    smmuv3_aux_cmdqv_init(&tc->v, p);
    return tc;
}

static void tc_free(TestCmdqv *tc)
{
    tsmmu_free(tc->t);
    g_free(tc);
}

static uint32_t r32(TestCmdqv *tc, uint64_t off)
{
    return smmuv3_aux_cmdqv_read(&tc->v, off, 4);
}

static uint64_t r64(TestCmdqv *tc, uint64_t off)
{
    return smmuv3_aux_cmdqv_read(&tc->v, off, 8);
}

/* A write, then the consumption it may start, as the binding does. */
static void wr(TestCmdqv *tc, uint64_t off, uint64_t val, unsigned size)
{
    if (smmuv3_aux_cmdqv_write(&tc->v, off, val, size)) {
        smmuv3_aux_cmdqv_run(&tc->v, &tc->t->e);
    }
}

static void w32(TestCmdqv *tc, uint64_t off, uint32_t val)
{
    wr(tc, off, val, 4);
}

static void w64(TestCmdqv *tc, uint64_t off, uint64_t val)
{
    wr(tc, off, val, 8);
}

/* tegra241_cmdqv_write_config(): write, and STATUS.0 must follow at once. */
static void write_config(TestCmdqv *tc, uint64_t config, uint64_t status,
                         uint32_t val)
{
    w32(tc, config, val);
    g_assert_cmphex(r32(tc, status) & 1, ==, val & 1);
}

static void vcmdq_deinit(TestCmdqv *tc, unsigned i, unsigned l)
{
    write_config(tc, LV0(i, l, A_VCMDQ_CONFIG), LV0(i, l, A_VCMDQ_STATUS),
                 0);
    w32(tc, LV0(i, l, A_VCMDQ_PROD), 0);
    w32(tc, LV0(i, l, A_VCMDQ_CONS), 0);
    w64(tc, LV1(i, l, A_VCMDQ_BASE), 0);
    w64(tc, LV1(i, l, A_VCMDQ_CONS_INDX_BASE), 0);
    /*
     * An uncleared error costs the driver a warning and an ack; only the
     * random test leaves one behind.
     */
    if (r32(tc, LV0(i, l, A_VCMDQ_GERRORN)) !=
        r32(tc, LV0(i, l, A_VCMDQ_GERROR))) {
        g_assert_true(tc->sloppy);
        w32(tc, LV0(i, l, A_VCMDQ_GERRORN), r32(tc, LV0(i, l, A_VCMDQ_GERROR)));
    }
}

static unsigned per_vintf(TestCmdqv *tc)
{
    return tc->v.num_vcmdqs / tc->v.num_vintfs;
}

/*
 * tegra241_vintf_hw_init(): deinit (descending unmap), CONFIG, enable,
 * read HYP_OWN back, then map ascending and init each LVCMDQ with a
 * queue of 2^log2size entries.  Returns the HYP_OWN read back.
 */
static bool vintf_init(TestCmdqv *tc, unsigned i, bool hyp_own,
                       uint16_t vmid, unsigned log2size)
{
    unsigned n = per_vintf(tc);
    uint32_t config = (hyp_own ? R_VINTF_CONFIG_HYP_OWN_MASK : 0) |
                      vmid << R_VINTF_CONFIG_VMID_SHIFT;
    bool own;

    for (unsigned l = n; l-- > 0;) {
        unsigned q = i * n + l;

        vcmdq_deinit(tc, i, l);
        w32(tc, ALLOC(q), r32(tc, ALLOC(q)) & ~1u);
    }
    write_config(tc, VINTF(i, A_VINTF_CONFIG), VINTF(i, A_VINTF_STATUS), 0);
    for (unsigned s = 0; s < tc->v.num_sids; s++) {
        w32(tc, VINTF(i, A_VINTF_SID_MATCH + 4 * s), 0);
        w32(tc, VINTF(i, A_VINTF_SID_REPLACE + 4 * s), 0);
    }
    w32(tc, VINTF(i, A_VINTF_CONFIG), config);
    write_config(tc, VINTF(i, A_VINTF_CONFIG), VINTF(i, A_VINTF_STATUS),
                 config | R_VINTF_CONFIG_EN_MASK);
    own = r32(tc, VINTF(i, A_VINTF_CONFIG)) & R_VINTF_CONFIG_HYP_OWN_MASK;
    for (unsigned l = 0; l < n; l++) {
        unsigned q = i * n + l;

        w32(tc, ALLOC(q), r32(tc, ALLOC(q)) | 1);
        vcmdq_deinit(tc, i, l);
        w64(tc, LV1(i, l, A_VCMDQ_BASE), QBASE(q) | log2size);
        write_config(tc, LV0(i, l, A_VCMDQ_CONFIG),
                     LV0(i, l, A_VCMDQ_STATUS), 1);
    }
    return own;
}

/* tegra241_cmdqv_hw_reset(), then VINTF0 for the host (contract 7.5). */
static bool driver_reset(TestCmdqv *tc, unsigned log2size)
{
    uint32_t config = r32(tc, A_CMDQV_CONFIG);
    unsigned n = per_vintf(tc);

    write_config(tc, A_CMDQV_CONFIG, A_CMDQV_STATUS, config & ~1u);
    write_config(tc, A_CMDQV_CONFIG, A_CMDQV_STATUS, config | 1);
    for (unsigned i = 0, q = 0; i < tc->v.num_vintfs; i++) {
        for (unsigned l = 0; l < n; l++) {
            w32(tc, ALLOC(q++), i << 15 | l << 1);
        }
    }
    return vintf_init(tc, 0, true, 0, log2size);
}

/* Write cmds at the logical queue's PROD, then PROD once. */
static void submit(TestCmdqv *tc, unsigned i, unsigned l,
                   const SMMUv3AuxCmd *cmds, unsigned n)
{
    uint64_t base_reg = r64(tc, LV1(i, l, A_VCMDQ_BASE));
    unsigned log2size = base_reg & R_VCMDQ_BASE_LOG2SIZE_MASK;
    uint64_t base = base_reg & R_VCMDQ_BASE_ADDR_MASK;
    uint32_t prod = r32(tc, LV0(i, l, A_VCMDQ_PROD));

    for (unsigned k = 0; k < n; k++) {
        cmd_put(tc->t, base, smmuv3_aux_q_idx(prod, log2size),
                cmds[k].qw[0], cmds[k].qw[1]);
        prod = smmuv3_aux_q_inc(prod, log2size);
    }
    w32(tc, LV0(i, l, A_VCMDQ_PROD), prod);
}

static SMMUv3AuxCmd sync_none(void)
{
    return cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
}

static SMMUv3AuxCmd tlbi_nh_asid(uint16_t vmid, uint16_t asid)
{
    return cmd_make(SMMUV3_AUX_CMD_TLBI_NH_ASID,
                    (uint64_t)vmid << 32 | (uint64_t)asid << 48, 0);
}

static SMMUv3AuxCmd atc_inv(uint32_t sid)
{
    return cmd_make(SMMUV3_AUX_CMD_ATC_INV, (uint64_t)sid << 32, 52);
}

/* ---- Register file --------------------------------------------------- */

static void test_reset_values(void)
{
    TestCmdqv *tc = tc_new(NULL);

    /* Defaults: 2 VINTFs, 8 VCMDQs, 16 SIDs per VINTF, version 1. */
    g_assert_cmphex(r32(tc, A_CMDQV_PARAM), ==, 0x4131);
    g_assert_cmphex(smmuv3_aux_cmdqv_mmio_size(&tc->v.params), ==, 0x70000);
    g_assert_cmphex(r32(tc, A_CMDQV_CONFIG), ==, 0);
    g_assert_cmphex(r32(tc, A_CMDQV_STATUS), ==, 0);
    for (unsigned off = 0x14; off <= 0x30; off += 4) {
        g_assert_cmphex(r32(tc, off), ==, 0);
    }
    for (unsigned q = 0; q < 8; q++) {
        g_assert_cmphex(r32(tc, ALLOC(q)), ==, 0);
        for (unsigned r = 0; r < 0x18; r += 4) {
            g_assert_cmphex(r32(tc, GQ0(q, r)), ==, 0);
        }
        g_assert_cmphex(r64(tc, GQ1(q, 0)), ==, 0);
    }
    for (unsigned i = 0; i < 2; i++) {
        g_assert_cmphex(r32(tc, VINTF(i, A_VINTF_CONFIG)), ==, 0);
        g_assert_cmphex(r32(tc, VINTF(i, A_VINTF_STATUS)), ==, 0);
        g_assert_cmphex(r64(tc, VINTF(i, 0xc0)), ==, 0);
    }
    tc_free(tc);
}

static void test_readback(void)
{
    TestCmdqv *tc = tc_new(NULL);
    uint32_t cfg = R_VINTF_CONFIG_HYP_OWN_MASK | 0xabcd << 1 | 1;

    w32(tc, VINTF(1, A_VINTF_CONFIG), cfg | 0xfffc0000);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_CONFIG)), ==, cfg);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_STATUS)), ==, 1);
    w32(tc, VINTF(1, A_VINTF_SID_MATCH + 4 * 15), 0xffffffff);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_SID_MATCH + 4 * 15)), ==,
                    0x1fffff);
    w32(tc, VINTF(1, A_VINTF_SID_REPLACE + 4 * 15), 0x12345);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_SID_REPLACE + 4 * 15)), ==,
                    0x12345);
    w32(tc, ALLOC(7), 0xffffffff);
    g_assert_cmphex(r32(tc, ALLOC(7)), ==, 0x1f80ff);
    /* The PARAM, STATUS and error-map registers are read-only. */
    w32(tc, A_CMDQV_PARAM, 0);
    w32(tc, A_CMDQV_CMDQ_ERR_MAP, ~0u);
    g_assert_cmphex(r32(tc, A_CMDQV_PARAM), ==, 0x4131);
    g_assert_cmphex(r32(tc, A_CMDQV_CMDQ_ERR_MAP), ==, 0);
    /* Global page 1: BASE keeps ADDR[47:5] and LOG2SIZE only. */
    w64(tc, GQ1(3, A_VCMDQ_BASE), ~0ULL);
    g_assert_cmphex(r64(tc, GQ1(3, A_VCMDQ_BASE)), ==, 0xffffffffffffULL);
    w32(tc, GQ1(3, A_VCMDQ_BASE + 4), 0);
    g_assert_cmphex(r64(tc, GQ1(3, A_VCMDQ_BASE)), ==, 0xffffffffULL);
    tc_free(tc);
}

static void test_param_layouts(void)
{
    static const struct {
        uint8_t vintf, vcmdq, sid, ver;
        bool ok;
        uint64_t size;
    } cases[] = {
        { 0, 0, 0, 0, true, 0x50000 },
        { 1, 3, 4, 1, true, 0x70000 },
        { 6, 7, 4, 15, true, 0x830000 },    /* Tegra264's reg size */
        { 7, 7, 4, 1, false },              /* 128 VINTFs */
        { 0, 8, 4, 1, false },              /* 256 VCMDQs */
        { 3, 2, 4, 1, false },              /* fewer VCMDQs than VINTFs */
        { 1, 3, 5, 1, false },              /* 32 SIDs */
        { 1, 3, 4, 16, false },
    };

    for (unsigned k = 0; k < ARRAY_SIZE(cases); k++) {
        SMMUv3AuxCmdqvParams p;
        const char *why = NULL;
        bool ok;

        smmuv3_aux_cmdqv_params_set_defaults(&p);
        p.num_vintf_log2 = cases[k].vintf;
        p.num_vcmdq_log2 = cases[k].vcmdq;
        p.num_sid_log2 = cases[k].sid;
        p.version = cases[k].ver;
        ok = smmuv3_aux_cmdqv_params_check(&p, &why);
        g_assert_cmpint(ok, ==, cases[k].ok);
        if (!ok) {
            g_assert_nonnull(why);
            continue;
        }
        g_assert_cmphex(smmuv3_aux_cmdqv_mmio_size(&p), ==, cases[k].size);
        {
            TestCmdqv *tc = tc_new(&p);

            g_assert_cmphex(r32(tc, A_CMDQV_PARAM), ==,
                            p.num_sid_log2 << 12 | p.num_vintf_log2 << 8 |
                            p.num_vcmdq_log2 << 4 | p.version);
            tc_free(tc);
        }
    }
}

static void test_bad_access(void)
{
    TestCmdqv *tc = tc_new(NULL);

    /* Wrong size, unaligned, past the end: RAZ/WI, nothing breaks. */
    g_assert_cmphex(smmuv3_aux_cmdqv_read(&tc->v, 0, 2), ==, 0);
    g_assert_cmphex(smmuv3_aux_cmdqv_read(&tc->v, 2, 4), ==, 0);
    g_assert_cmphex(smmuv3_aux_cmdqv_read(&tc->v, 0x70000, 4), ==, 0);
    g_assert_cmphex(smmuv3_aux_cmdqv_read(&tc->v, 0x6fffc, 8), ==, 0);
    w32(tc, 0x70000, 1);
    wr(tc, 1, 1, 4);
    wr(tc, 0, 1, 1);
    g_assert_cmphex(r32(tc, A_CMDQV_CONFIG), ==, 0);
    /* VINTFs and global queues past PARAM's counts are RAZ/WI. */
    w32(tc, VINTF(2, A_VINTF_CONFIG), 1);
    g_assert_cmphex(r32(tc, VINTF(2, A_VINTF_CONFIG)), ==, 0);
    w32(tc, ALLOC(8), 1);
    g_assert_cmphex(r32(tc, ALLOC(8)), ==, 0);
    w32(tc, GQ0(8, A_VCMDQ_CONFIG), 1);
    g_assert_cmphex(r32(tc, GQ0(8, A_VCMDQ_CONFIG)), ==, 0);
    tc_free(tc);
}

/* ---- Routing --------------------------------------------------------- */

static void test_driver_reset(void)
{
    TestCmdqv *tc = tc_new(NULL);

    /* Deinit pokes unmapped slots first: they must read as idle. */
    g_assert_true(driver_reset(tc, 4));
    for (unsigned l = 0; l < 4; l++) {
        g_assert_cmphex(r32(tc, ALLOC(l)), ==, l << 1 | 1);
        g_assert_cmphex(r32(tc, GQ0(l, A_VCMDQ_STATUS)), ==, 1);
        g_assert_cmphex(r64(tc, LV1(0, l, A_VCMDQ_BASE)), ==, QBASE(l) | 4);
        g_assert_cmphex(r64(tc, GQ1(l, A_VCMDQ_BASE)), ==, QBASE(l) | 4);
    }
    /* VINTF1's queues stay unmapped and off. */
    for (unsigned q = 4; q < 8; q++) {
        g_assert_cmphex(r32(tc, ALLOC(q)), ==, 1 << 15 | (q - 4) << 1);
        g_assert_cmphex(r32(tc, GQ0(q, A_VCMDQ_CONFIG)), ==, 0);
    }
    /* A second reset (kexec, rebind) takes the same path. */
    g_assert_true(driver_reset(tc, 4));
    g_assert_cmphex(r32(tc, LV0(0, 3, A_VCMDQ_STATUS)), ==, 1);
    tc_free(tc);
}

static void test_unmapped_razwi(void)
{
    TestCmdqv *tc = tc_new(NULL);

    w32(tc, GQ0(2, A_VCMDQ_PROD), 5);
    /* Not allocated: the logical slot is RAZ/WI, the queue untouched. */
    w32(tc, ALLOC(2), 1 << 15 | 1 << 1);
    g_assert_cmphex(r32(tc, LV0(1, 1, A_VCMDQ_PROD)), ==, 0);
    w32(tc, LV0(1, 1, A_VCMDQ_PROD), 7);
    w32(tc, LV0(1, 1, A_VCMDQ_CONFIG), 1);
    w64(tc, LV1(1, 1, A_VCMDQ_BASE), QBASE(2));
    g_assert_cmphex(r32(tc, GQ0(2, A_VCMDQ_PROD)), ==, 5);
    g_assert_cmphex(r32(tc, GQ0(2, A_VCMDQ_CONFIG)), ==, 0);
    g_assert_cmphex(r64(tc, GQ1(2, A_VCMDQ_BASE)), ==, 0);
    /* Allocated: the same slot is global queue 2. */
    w32(tc, ALLOC(2), r32(tc, ALLOC(2)) | 1);
    g_assert_cmphex(r32(tc, LV0(1, 1, A_VCMDQ_PROD)), ==, 5);
    w32(tc, LV0(1, 1, A_VCMDQ_PROD), 7);
    g_assert_cmphex(r32(tc, GQ0(2, A_VCMDQ_PROD)), ==, 7);
    /* Other VINTFs and slots do not see it. */
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_PROD)), ==, 0);
    g_assert_cmphex(r32(tc, LV0(1, 0, A_VCMDQ_PROD)), ==, 0);
    /* Remapped to global queue 6, slot (1, 1) reaches queue 6. */
    w32(tc, ALLOC(2), 0);
    w32(tc, ALLOC(6), 1 << 15 | 1 << 1 | 1);
    w32(tc, LV0(1, 1, A_VCMDQ_PROD), 3);
    g_assert_cmphex(r32(tc, GQ0(6, A_VCMDQ_PROD)), ==, 3);
    g_assert_cmphex(r32(tc, GQ0(2, A_VCMDQ_PROD)), ==, 7);
    tc_free(tc);
}

static void test_map_order(void)
{
    TestCmdqv *tc = tc_new(NULL);

    /* Ascending map, descending unmap: each step routes as it goes. */
    for (unsigned l = 0; l < 4; l++) {
        w32(tc, ALLOC(4 + l), 1 << 15 | l << 1 | 1);
        w32(tc, LV0(1, l, A_VCMDQ_PROD), 0x10 + l);
    }
    for (unsigned l = 4; l-- > 0;) {
        g_assert_cmphex(r32(tc, GQ0(4 + l, A_VCMDQ_PROD)), ==, 0x10 + l);
        w32(tc, ALLOC(4 + l), r32(tc, ALLOC(4 + l)) & ~1u);
        g_assert_cmphex(r32(tc, LV0(1, l, A_VCMDQ_PROD)), ==, 0);
        if (l) {
            g_assert_cmphex(r32(tc, LV0(1, l - 1, A_VCMDQ_PROD)), ==,
                            0x10 + l - 1);
        }
    }
    /* Out of order is logged and applied; a duplicate goes to the lowest. */
    w32(tc, ALLOC(5), 1 << 15 | 2 << 1 | 1);
    g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_PROD)), ==, 0x11);
    w32(tc, ALLOC(3), 1 << 15 | 2 << 1 | 1);
    g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_PROD)), ==, 0);
    tc_free(tc);
}

/* ---- Execution ------------------------------------------------------- */

static void test_exec_host(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = {
        cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31),
        cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0),
        /* SIG_IRQ with an MSI address: a VCMDQ completes by CONS only. */
        cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, QBASE(1) + 0x20, 0),
    };

    driver_reset(tc, 4);
    submit(tc, 0, 1, c, 3);
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_CONS)), ==, 3);
    g_assert_cmpuint(tc->v.q[1].n_cmds, ==, 3);
    g_assert_cmpuint(tc->v.q[0].n_cmds, ==, 0);
    g_assert_cmpuint(tc->t->e.n_sync_msi, ==, 0);
    g_assert_cmphex(mem_read32(tc->t, QBASE(1) + 0x20), ==,
                    (uint32_t)c[2].qw[0]);
    g_assert_cmpuint(tc->t->e.n_invals, ==, 2);
    /* The SMMU's own command queue saw nothing. */
    g_assert_cmphex(tc->t->e.regs.cmdq_cons, ==, 0);
    g_assert_cmphex(tc->t->e.regs.gerror, ==, 0);
    g_assert_false(smmuv3_aux_cmdqv_take_irq(&tc->v));
    tc_free(tc);
}

/*
 * An ATC_INV from a VCMDQ names that queue, and its CMD_SYNC holds CONS
 * until the invalidation completed; the kick then lets it finish.
 */
static void test_exec_atc_sync(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = { atc_inv(0x21), sync_none() };
    SMMUv3AuxEngine *e = &tc->t->e;
    SMMUv3AuxAtcInv inv;

    tsmmu_enable_all(tc->t, 0x100000, 0x200000);
    driver_reset(tc, 4);
    submit(tc, 0, 1, c, 2);
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_CONS)), ==, 1);
    g_assert_cmpuint(smmuv3_aux_engine_take_atc_invs(e, &inv, 1), ==, 1);
    g_assert_cmphex(inv.sid, ==, 0x21);
    g_assert_cmpuint(inv.queue, ==, 1 + 1);
    /* Running it again changes nothing while the invalidation is out. */
    smmuv3_aux_cmdqv_kick(&tc->v, 1);
    smmuv3_aux_cmdqv_run(&tc->v, e);
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_CONS)), ==, 1);
    g_assert_true(smmuv3_aux_engine_atc_inv_done(
                      e, smmuv3_aux_engine_atc_wait(e, inv.queue),
                      inv.epoch));
    smmuv3_aux_cmdqv_kick(&tc->v, 1);
    smmuv3_aux_cmdqv_run(&tc->v, e);
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_CONS)), ==, 2);
    /* The SMMU's own queue does not wait for a VCMDQ's invalidations. */
    g_assert_cmpuint(e->cmdq_atc.outstanding, ==, 0);
    tc_free(tc);
}

/* Put cmds at the queue's PROD and write PROD, without consuming. */
static void put_prod(TestCmdqv *tc, unsigned l, const SMMUv3AuxCmd *cmds,
                     unsigned n)
{
    uint32_t prod = r32(tc, LV0(0, l, A_VCMDQ_PROD));

    for (unsigned k = 0; k < n; k++) {
        cmd_put(tc->t, QBASE(l), smmuv3_aux_q_idx(prod, 4), cmds[k].qw[0],
                cmds[k].qw[1]);
        prod = smmuv3_aux_q_inc(prod, 4);
    }
    smmuv3_aux_cmdqv_write(&tc->v, LV0(0, l, A_VCMDQ_PROD), prod, 4);
}

/*
 * The binding runs a queue's commands as a job with the CMDQV lock
 * dropped: other CPUs meanwhile submit (to the busy queue too), poll,
 * reset, or rewrite CONS of a queue they disabled.
 */
static void test_jobs(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = {
        cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0),
        cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0),
    };
    SMMUv3AuxVcmdqJob job, job2;

    driver_reset(tc, 4);
    put_prod(tc, 0, c, 2);
    g_assert_true(smmuv3_aux_cmdqv_claim(&tc->v, &job));
    g_assert_cmpuint(job.q, ==, 0);
    /* While it runs: more for queue 0 (busy: not claimed) and queue 1. */
    put_prod(tc, 0, c, 2);
    put_prod(tc, 1, c, 1);
    g_assert_true(smmuv3_aux_cmdqv_claim(&tc->v, &job2));
    g_assert_cmpuint(job2.q, ==, 1);
    smmuv3_aux_cmdqv_exec(&job, &tc->t->e);
    /* Not finished: CONS still where it was. */
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 0);
    smmuv3_aux_cmdqv_finish(&tc->v, &job);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 2);
    /* Queue 0 is runnable again for what came in meanwhile. */
    g_assert_true(smmuv3_aux_cmdqv_claim(&tc->v, &job));
    g_assert_cmpuint(job.q, ==, 0);
    g_assert_cmphex(job.cons, ==, 2);
    g_assert_cmphex(job.prod, ==, 4);
    smmuv3_aux_cmdqv_exec(&job, &tc->t->e);
    smmuv3_aux_cmdqv_finish(&tc->v, &job);
    smmuv3_aux_cmdqv_exec(&job2, &tc->t->e);
    smmuv3_aux_cmdqv_finish(&tc->v, &job2);
    g_assert_false(smmuv3_aux_cmdqv_claim(&tc->v, &job));
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 4);
    g_assert_cmphex(r32(tc, LV0(0, 1, A_VCMDQ_CONS)), ==, 1);
    g_assert_cmpuint(tc->v.q[0].n_cmds, ==, 4);

    /* Disabled and CONS rewritten while running: software's CONS stays. */
    put_prod(tc, 0, c, 2);
    g_assert_true(smmuv3_aux_cmdqv_claim(&tc->v, &job));
    w32(tc, LV0(0, 0, A_VCMDQ_CONFIG), 0);
    w32(tc, LV0(0, 0, A_VCMDQ_CONS), 1);
    smmuv3_aux_cmdqv_exec(&job, &tc->t->e);
    smmuv3_aux_cmdqv_finish(&tc->v, &job);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 1);

    /* A reset while a job runs: nothing of the job survives it. */
    w32(tc, LV0(0, 0, A_VCMDQ_CONS), 6);
    w32(tc, LV0(0, 0, A_VCMDQ_CONFIG), 1);
    put_prod(tc, 0, c, 1);
    g_assert_true(smmuv3_aux_cmdqv_claim(&tc->v, &job));
    smmuv3_aux_cmdqv_reset(&tc->v);
    smmuv3_aux_cmdqv_exec(&job, &tc->t->e);
    smmuv3_aux_cmdqv_finish(&tc->v, &job);
    g_assert_cmphex(tc->v.q[0].cons, ==, 0);
    g_assert_cmpuint(tc->v.q[0].n_cmds, ==, 0);
    g_assert_false(tc->v.q[0].busy);
    tc_free(tc);
}

static void test_wrap(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = { tlbi_nh_asid(0, 1), sync_none(), sync_none() };

    driver_reset(tc, 2);
    submit(tc, 0, 2, c, 3);
    g_assert_cmphex(r32(tc, LV0(0, 2, A_VCMDQ_CONS)), ==, 3);
    submit(tc, 0, 2, c, 3);
    /* 6 entries of a 4-entry queue: index 2, wrap bit (bit 2) set. */
    g_assert_cmphex(r32(tc, LV0(0, 2, A_VCMDQ_CONS)), ==, 0x6);
    submit(tc, 0, 2, c, 3);
    g_assert_cmphex(r32(tc, LV0(0, 2, A_VCMDQ_CONS)), ==, 0x1);
    /* A full queue in one PROD write. */
    {
        SMMUv3AuxCmd full[4] = { sync_none(), sync_none(), sync_none(),
                                 sync_none() };

        submit(tc, 0, 2, full, 4);
        g_assert_cmphex(r32(tc, LV0(0, 2, A_VCMDQ_CONS)), ==, 0x5);
    }
    g_assert_cmpuint(tc->v.q[2].n_cmds, ==, 13);
    g_assert_cmphex(r32(tc, LV0(0, 2, A_VCMDQ_GERROR)), ==, 0);
    tc_free(tc);
}

static void test_gating(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = { sync_none() };

    driver_reset(tc, 4);
    /* CMDQV off, VINTF off, queue off, unmapped: nothing is consumed. */
    w32(tc, A_CMDQV_CONFIG, 0);
    submit(tc, 0, 0, c, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 0);
    w32(tc, A_CMDQV_CONFIG, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 1);

    w32(tc, VINTF(0, A_VINTF_CONFIG), R_VINTF_CONFIG_HYP_OWN_MASK);
    submit(tc, 0, 0, c, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 1);
    w32(tc, VINTF(0, A_VINTF_CONFIG), R_VINTF_CONFIG_HYP_OWN_MASK | 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 2);

    w32(tc, LV0(0, 0, A_VCMDQ_CONFIG), 0);
    submit(tc, 0, 0, c, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 2);
    w32(tc, LV0(0, 0, A_VCMDQ_CONFIG), 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 3);

    w32(tc, ALLOC(0), 0);
    cmd_put(tc->t, QBASE(0), 3, sync_none().qw[0], 0);
    w32(tc, GQ0(0, A_VCMDQ_PROD), 4);
    g_assert_cmphex(r32(tc, GQ0(0, A_VCMDQ_CONS)), ==, 3);
    w32(tc, ALLOC(0), 1);
    g_assert_cmphex(r32(tc, GQ0(0, A_VCMDQ_CONS)), ==, 4);
    tc_free(tc);
}

static void test_write_enabled(void)
{
    TestCmdqv *tc = tc_new(NULL);

    driver_reset(tc, 4);
    /* CONS, BASE and CONS_INDX_BASE are fixed while the queue runs. */
    w32(tc, LV0(0, 0, A_VCMDQ_CONS), 5);
    w64(tc, LV1(0, 0, A_VCMDQ_BASE), QBASE(7) | 3);
    w64(tc, LV1(0, 0, A_VCMDQ_CONS_INDX_BASE), 0x1000);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 0);
    g_assert_cmphex(r64(tc, LV1(0, 0, A_VCMDQ_BASE)), ==, QBASE(0) | 4);
    g_assert_cmphex(r64(tc, LV1(0, 0, A_VCMDQ_CONS_INDX_BASE)), ==, 0);
    tc_free(tc);
}

/* ---- Guest-owned VINTFs ---------------------------------------------- */

/* VINTF1 as iommufd sets it up for a VM: HYP_OWN = 0, a VMID, LVCMDQs. */
static TestCmdqv *tc_guest(uint16_t vmid)
{
    TestCmdqv *tc = tc_new(NULL);

    driver_reset(tc, 4);
    g_assert_false(vintf_init(tc, 1, false, vmid, 4));
    return tc;
}

static void test_guest_allowed(void)
{
    TestCmdqv *tc = tc_guest(5);
    SMMUv3AuxCmd c[] = {
        tlbi_nh_asid(0, 1),
        cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA, 1ULL << 48, 0x1000),
        sync_none(),
    };

    submit(tc, 1, 0, c, 3);
    g_assert_cmphex(r32(tc, LV0(1, 0, A_VCMDQ_CONS)), ==, 3);
    g_assert_cmphex(r32(tc, LV0(1, 0, A_VCMDQ_GERROR)), ==, 0);
    g_assert_false(smmuv3_aux_cmdqv_take_irq(&tc->v));
    tc_free(tc);
}

static void check_error_maps(TestCmdqv *tc, unsigned i, unsigned l,
                             unsigned q, bool err)
{
    g_assert_cmphex(r32(tc, A_CMDQV_VINTF_ERR_MAP), ==, err ? 1u << i : 0);
    g_assert_cmphex(r32(tc, A_CMDQV_VINTF_ERR_MAP + 4), ==, 0);
    g_assert_cmphex(r32(tc, A_CMDQV_CMDQ_ERR_MAP), ==, err ? 1u << q : 0);
    g_assert_cmphex(r64(tc, VINTF(i, 0xc0)), ==, err ? 1ULL << l : 0);
    g_assert_cmphex(r64(tc, VINTF(i, 0xc8)), ==, 0);
}

static void test_guest_illegal(void)
{
    static const unsigned ops[] = {
        SMMUV3_AUX_CMD_PREFETCH_CONFIG, SMMUV3_AUX_CMD_CFGI_STE,
        SMMUV3_AUX_CMD_CFGI_STE_RANGE, SMMUV3_AUX_CMD_CFGI_CD,
        SMMUV3_AUX_CMD_CFGI_CD_ALL, SMMUV3_AUX_CMD_TLBI_NH_ALL,
        SMMUV3_AUX_CMD_TLBI_NH_VAA, SMMUV3_AUX_CMD_TLBI_EL2_ALL,
        SMMUV3_AUX_CMD_TLBI_S12_VMALL, SMMUV3_AUX_CMD_TLBI_S2_IPA,
        SMMUV3_AUX_CMD_TLBI_NSNH_ALL, SMMUV3_AUX_CMD_PRI_RESP,
        SMMUV3_AUX_CMD_RESUME, 0x00, 0xff,
    };

    for (unsigned k = 0; k < ARRAY_SIZE(ops); k++) {
        TestCmdqv *tc = tc_guest(5);
        SMMUv3AuxCmd c[] = { sync_none(), cmd_make(ops[k], 0, 31),
                             sync_none() };
        unsigned invals = tc->t->e.n_invals;

        submit(tc, 1, 2, c, 3);
        /* Stopped on the command, CERROR_ILL, GERROR toggled, an IRQ. */
        g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_CONS)), ==,
                        SMMUV3_AUX_CERROR_ILL << 24 | 1);
        g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_GERROR)), ==, 1);
        g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_GERRORN)), ==, 0);
        g_assert_true(smmuv3_aux_cmdqv_take_irq(&tc->v));
        g_assert_cmpuint(tc->t->e.n_invals, ==, invals);
        check_error_maps(tc, 1, 2, 6, true);
        g_assert_cmphex(tc->t->e.regs.gerror, ==, 0);
        tc_free(tc);
    }
}

static void test_error_recovery(void)
{
    TestCmdqv *tc = tc_guest(5);
    SMMUv3AuxCmd c[] = { cmd_make(SMMUV3_AUX_CMD_CFGI_STE, 0, 1),
                         sync_none(), sync_none() };
    SMMUv3AuxCmd more[] = { sync_none() };
    uint32_t gerror;

    submit(tc, 1, 3, c, 3);
    g_assert_cmphex(r32(tc, LV0(1, 3, A_VCMDQ_CONS)), ==, 1 << 24);
    g_assert_true(smmuv3_aux_cmdqv_take_irq(&tc->v));
    /* In error, more PROD writes consume nothing and raise nothing. */
    submit(tc, 1, 3, more, 1);
    g_assert_cmphex(r32(tc, LV0(1, 3, A_VCMDQ_CONS)), ==, 1 << 24);
    g_assert_false(smmuv3_aux_cmdqv_take_irq(&tc->v));
    check_error_maps(tc, 1, 3, 7, true);
    /* __arm_smmu_cmdq_skip_err(): CMD_SYNC over the entry, then ack. */
    gerror = r32(tc, LV0(1, 3, A_VCMDQ_GERROR));
    cmd_put(tc->t, QBASE(7), 0, sync_none().qw[0], 0);
    w32(tc, LV0(1, 3, A_VCMDQ_GERRORN), gerror);
    g_assert_cmphex(r32(tc, LV0(1, 3, A_VCMDQ_CONS)), ==, 4);
    check_error_maps(tc, 1, 3, 7, false);
    /* A second error toggles GERROR back and interrupts again. */
    submit(tc, 1, 3, c, 1);
    g_assert_cmphex(r32(tc, LV0(1, 3, A_VCMDQ_GERROR)), ==, 0);
    g_assert_cmphex(r32(tc, LV0(1, 3, A_VCMDQ_GERRORN)), ==, 1);
    g_assert_true(smmuv3_aux_cmdqv_take_irq(&tc->v));
    check_error_maps(tc, 1, 3, 7, true);
    tc_free(tc);
}

static void test_fetch_abort(void)
{
    TestCmdqv *tc = tc_new(NULL);
    SMMUv3AuxCmd c[] = { sync_none(), sync_none() };

    driver_reset(tc, 4);
    mem_fault_read(tc->t, QBASE(0) + 16, 16);
    submit(tc, 0, 0, c, 2);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==,
                    SMMUV3_AUX_CERROR_ABT << 24 | 1);
    check_error_maps(tc, 0, 0, 0, true);
    /* The driver just acks an abort and the fetch is retried. */
    mem_clear_faults(tc->t);
    w32(tc, LV0(0, 0, A_VCMDQ_GERRORN), r32(tc, LV0(0, 0, A_VCMDQ_GERROR)));
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 2);
    tc_free(tc);
}

static void test_int_mask(void)
{
    TestCmdqv *tc = tc_guest(5);
    SMMUv3AuxCmd c[] = { cmd_make(SMMUV3_AUX_CMD_CFGI_STE, 0, 1) };

    w32(tc, A_CMDQV_VINTF_INT_MASK, 2);
    g_assert_cmphex(r32(tc, A_CMDQV_VINTF_INT_MASK + 4), ==, 0);
    g_assert_cmphex(r32(tc, A_CMDQV_VINTF_INT_MASK), ==, 2);
    submit(tc, 1, 0, c, 1);
    g_assert_false(smmuv3_aux_cmdqv_take_irq(&tc->v));
    check_error_maps(tc, 1, 0, 4, true);
    tc_free(tc);
}

static const SMMUv3AuxInval *last_inval(TestCmdqv *tc)
{
    g_assert_cmpuint(tc->t->e.n_invals, >, 0);
    return &tc->t->e.invals[tc->t->e.n_invals - 1];
}

static void put_s1(TestCmdqv *tc, uint16_t vmid, uint16_t asid)
{
    SMMUv3AuxTlbTag tag = { SMMUV3_AUX_TLB_NS_EL1, SMMUV3_AUX_TLB_S1,
                            vmid, asid };
    SMMUv3AuxTlbEntry ent = { .iova = 0x1000, .pa = 0x2000, .granule = 12,
                              .level = 3, .perm = SMMUV3_AUX_TLB_PERM_R,
                              .ng = true };

    g_assert_true(smmuv3_aux_iotlb_insert(&tc->t->e.iotlb, &tag, &ent));
}

static bool has_s1(TestCmdqv *tc, uint16_t vmid, uint16_t asid)
{
    SMMUv3AuxTlbTag tag = { SMMUV3_AUX_TLB_NS_EL1, SMMUV3_AUX_TLB_S1,
                            vmid, asid };
    SMMUv3AuxTlbEntry out;

    return smmuv3_aux_iotlb_lookup(&tc->t->e.iotlb, &tag, 0x1000, &out);
}

static void test_vmid_substitution(void)
{
    TestCmdqv *tc = tc_guest(5);
    SMMUv3AuxCmd c[] = { tlbi_nh_asid(9, 3), sync_none() };
    SMMUv3AuxCmd va[] = {
        cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA, 9ULL << 32 | 3ULL << 48, 0x1000),
    };

    /* The guest names VMID 9; the TLBI applies to VINTF1's VMID 5 only. */
    put_s1(tc, 5, 3);
    put_s1(tc, 9, 3);
    submit(tc, 1, 0, c, 2);
    g_assert_false(has_s1(tc, 5, 3));
    g_assert_true(has_s1(tc, 9, 3));
    g_assert_cmpuint(last_inval(tc)->vmid, ==, 5);
    put_s1(tc, 5, 3);
    submit(tc, 1, 1, va, 1);
    g_assert_false(has_s1(tc, 5, 3));
    g_assert_true(has_s1(tc, 9, 3));
    g_assert_cmphex(FIELD_EX64(tc->v.q[5].last.qw[0], CMD_0, VMID), ==, 5);
    /* The host's VINTF0 (HYP_OWN) keeps the VMID it names. */
    submit(tc, 0, 0, c, 1);
    g_assert_false(has_s1(tc, 9, 3));
    g_assert_cmpuint(last_inval(tc)->vmid, ==, 9);
    tc_free(tc);
}

static void test_sid_substitution(void)
{
    TestCmdqv *tc = tc_guest(5);
    SMMUv3AuxCmd ok[] = { atc_inv(0x11), sync_none() };
    SMMUv3AuxCmd bad[] = { atc_inv(0x12) };

    /* IOMMU_VDEVICE_ALLOC: SID_REPLACE = pSID, SID_MATCH = vSID << 1 | 1. */
    w32(tc, VINTF(1, A_VINTF_SID_REPLACE + 4 * 2), 0x345);
    w32(tc, VINTF(1, A_VINTF_SID_MATCH + 4 * 2), 0x11 << 1 | 1);
    w32(tc, VINTF(1, A_VINTF_SID_REPLACE + 4 * 3), 0x346);
    w32(tc, VINTF(1, A_VINTF_SID_MATCH + 4 * 3), 0x12 << 1);
    submit(tc, 1, 0, ok, 1);
    g_assert_cmphex(r32(tc, LV0(1, 0, A_VCMDQ_CONS)), ==, 1);
    g_assert_cmphex(FIELD_EX64(tc->v.q[4].last.qw[0], CMD_0, SID), ==,
                    0x345);
    /* A vSID no enabled SID_MATCH names is refused. */
    submit(tc, 1, 0, bad, 1);
    g_assert_cmphex(r32(tc, LV0(1, 0, A_VCMDQ_CONS)), ==, 1 << 24 | 1);
    g_assert_true(smmuv3_aux_cmdqv_take_irq(&tc->v));
    /* The host's VINTF0 sends StreamIDs as they are. */
    submit(tc, 0, 0, bad, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 1);
    g_assert_cmphex(FIELD_EX64(tc->v.q[0].last.qw[0], CMD_0, SID), ==,
                    0x12);
    tc_free(tc);
}

static void test_hyp_own_wired(void)
{
    SMMUv3AuxCmdqvParams p;
    TestCmdqv *tc;
    SMMUv3AuxCmd c[] = { cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31) };

    /* A CMDQV as a VMM shows it to a guest kernel: HYP_OWN reads 0. */
    smmuv3_aux_cmdqv_params_set_defaults(&p);
    p.hyp_own = false;
    tc = tc_new(&p);
    g_assert_false(driver_reset(tc, 4));
    submit(tc, 0, 0, c, 1);
    g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 1 << 24);
    tc_free(tc);
}

/*
 * Migration: the destination checks the source's PARAM and HYP_OWN
 * wiring, keeps only what MMIO writes could set, and rebuilds the routes
 * from CMDQ_ALLOC, so a loaded queue answers at its logical slot.
 */
static void test_post_load(void)
{
    SMMUv3AuxCmdqvParams p;
    TestCmdqv *tc = tc_new(NULL);
    uint32_t param = smmuv3_aux_cmdqv_param(&tc->v);
    const char *why = NULL;

    g_assert_cmphex(param, ==, r32(tc, A_CMDQV_PARAM));
    g_assert_false(smmuv3_aux_cmdqv_post_load(&tc->v, param ^ 0x10, true,
                                              &why));
    g_assert_nonnull(strstr(why, "CMDQV_PARAM"));
    g_assert_false(smmuv3_aux_cmdqv_post_load(&tc->v, param, false, &why));
    g_assert_nonnull(strstr(why, "hyp-own"));

    /* What a stream may hold: every bit set, state for absent queues. */
    tc->v.config = UINT32_MAX;
    tc->v.vintf[1].config = UINT32_MAX;
    tc->v.vintf[1].sid_match[15] = UINT32_MAX;
    tc->v.vintf[5].config = 1;
    tc->v.q[6].alloc = 1u << 15 | 2u << 1 | 1;          /* VINTF 1, LVCMDQ 2 */
    tc->v.q[6].cons = UINT32_MAX;
    tc->v.q[6].prod = 0x5;
    tc->v.q[6].gerror = UINT32_MAX;
    tc->v.q[9].prod = 1;
    g_assert_true(smmuv3_aux_cmdqv_post_load(&tc->v, param, true, &why));
    g_assert_cmphex(r32(tc, A_CMDQV_CONFIG), ==, 1);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_CONFIG)), ==,
                    R_VINTF_CONFIG_EN_MASK | R_VINTF_CONFIG_VMID_MASK |
                    R_VINTF_CONFIG_HYP_OWN_MASK);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_SID_MATCH + 60)), ==,
                    R_VINTF_SID_MATCH_ENABLE_MASK |
                    R_VINTF_SID_MATCH_VIRT_SID_MASK);
    g_assert_cmphex(tc->v.vintf[5].config, ==, 0);      /* only 2 VINTFs */
    g_assert_cmphex(tc->v.q[9].prod, ==, 0);            /* only 8 queues */
    /* Routed again: VINTF1's logical queue 2 is global queue 6. */
    g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_PROD)), ==, 5);
    g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_CONS)), ==,
                    R_VCMDQ_CONS_RD_MASK | R_VCMDQ_CONS_ERR_MASK);
    g_assert_cmphex(r32(tc, LV0(1, 2, A_VCMDQ_GERROR)), ==, 1);
    g_assert_cmphex(r32(tc, A_CMDQV_VINTF_ERR_MAP), ==, 2);
    g_assert_cmphex(r32(tc, VINTF(1, A_VINTF_LVCMDQ_ERR_MAP)), ==, 1 << 2);
    /* Nothing raised, nothing left to run. */
    g_assert_false(smmuv3_aux_cmdqv_take_irq(&tc->v));

    /* With HYP_OWN wired to zero it stays zero through a load. */
    tc_free(tc);
    smmuv3_aux_cmdqv_params_set_defaults(&p);
    p.hyp_own = false;
    tc = tc_new(&p);
    tc->v.vintf[0].config = UINT32_MAX;
    g_assert_true(smmuv3_aux_cmdqv_post_load(&tc->v,
                                             smmuv3_aux_cmdqv_param(&tc->v),
                                             false, &why));
    g_assert_cmphex(r32(tc, VINTF(0, A_VINTF_CONFIG)) &
                    R_VINTF_CONFIG_HYP_OWN_MASK, ==, 0);
    tc_free(tc);
}

/* An offset the driver could use, or anything else in the window. */
static uint64_t random_offset(GRand *r, uint64_t size)
{
    switch (g_rand_int_range(r, 0, 6)) {
    case 0:
        return g_rand_int_range(r, 0, 0x40) & ~3u;
    case 1:
        return ALLOC(g_rand_int_range(r, 0, 130));
    case 2:
        return VINTF(g_rand_int_range(r, 0, 66),
                     g_rand_int_range(r, 0, 64) * 4);
    case 3:
        return GQ0(g_rand_int_range(r, 0, 130), g_rand_int_range(r, 0, 8) * 4);
    case 4:
        return LV0(g_rand_int_range(r, 0, 3), g_rand_int_range(r, 0, 9),
                   g_rand_int_range(r, 0, 8) * 4) +
               g_rand_int_range(r, 0, 2) * 0x10000;
    default:
        return g_rand_int_range(r, 0, size + 16) & ~3u;
    }
}

static void random_command(TestCmdqv *tc, GRand *r)
{
    static const unsigned ops[] = {
        SMMUV3_AUX_CMD_TLBI_NH_ASID, SMMUV3_AUX_CMD_TLBI_NH_VA,
        SMMUV3_AUX_CMD_ATC_INV, SMMUV3_AUX_CMD_SYNC,
        SMMUV3_AUX_CMD_CFGI_STE, SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0x99,
    };
    uint64_t qw0 = ops[g_rand_int_range(r, 0, ARRAY_SIZE(ops))] |
                   (uint64_t)g_rand_int(r) << 32;

    cmd_put(tc->t, QBASE(g_rand_int_range(r, 0, 8)),
            g_rand_int_range(r, 0, 16), qw0, g_rand_int(r));
}

/*
 * Random register traffic and queue contents on several layouts: no
 * crash, no hang, and the driver's reset recovers whatever state is left.
 */
static void test_random(void)
{
    static const uint8_t layouts[][2] = { { 0, 0 }, { 1, 3 }, { 2, 7 },
                                          { 6, 7 } };
    GRand *r = g_rand_new_with_seed(11);

    for (unsigned k = 0; k < ARRAY_SIZE(layouts); k++) {
        SMMUv3AuxCmdqvParams p;
        TestCmdqv *tc;
        uint64_t size;

        smmuv3_aux_cmdqv_params_set_defaults(&p);
        p.num_vintf_log2 = layouts[k][0];
        p.num_vcmdq_log2 = layouts[k][1];
        tc = tc_new(&p);
        size = smmuv3_aux_cmdqv_mmio_size(&p);
        driver_reset(tc, 4);
        for (unsigned n = 0; n < 20000; n++) {
            uint64_t off = random_offset(r, size);
            uint64_t val = g_rand_int(r);

            switch (g_rand_int_range(r, 0, 4)) {
            case 0:
                random_command(tc, r);
                break;
            case 1:
                smmuv3_aux_cmdqv_read(&tc->v, off, 4 << g_rand_boolean(r));
                break;
            default:
                val = g_rand_boolean(r) ? val & 0x3f : val;
                wr(tc, off, val, 4 << g_rand_boolean(r));
            }
            smmuv3_aux_cmdqv_take_irq(&tc->v);
        }
        /* Whatever happened, the driver's reset gives a working queue. */
        tc->sloppy = true;
        {
            SMMUv3AuxCmd c[] = { sync_none(), sync_none() };

            driver_reset(tc, 4);
            submit(tc, 0, 0, c, 2);
            g_assert_cmphex(r32(tc, LV0(0, 0, A_VCMDQ_CONS)), ==, 2);
        }
        tc_free(tc);
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vcmdq/regs/reset-values", test_reset_values);
    g_test_add_func("/vcmdq/regs/readback", test_readback);
    g_test_add_func("/vcmdq/regs/param-layouts", test_param_layouts);
    g_test_add_func("/vcmdq/regs/bad-access", test_bad_access);
    g_test_add_func("/vcmdq/route/driver-reset", test_driver_reset);
    g_test_add_func("/vcmdq/route/unmapped-razwi", test_unmapped_razwi);
    g_test_add_func("/vcmdq/route/map-order", test_map_order);
    g_test_add_func("/vcmdq/exec/host", test_exec_host);
    g_test_add_func("/vcmdq/exec/wrap", test_wrap);
    g_test_add_func("/vcmdq/exec/atc-sync", test_exec_atc_sync);
    g_test_add_func("/vcmdq/exec/jobs", test_jobs);
    g_test_add_func("/vcmdq/exec/gating", test_gating);
    g_test_add_func("/vcmdq/exec/write-enabled", test_write_enabled);
    g_test_add_func("/vcmdq/guest/allowed", test_guest_allowed);
    g_test_add_func("/vcmdq/guest/illegal", test_guest_illegal);
    g_test_add_func("/vcmdq/guest/vmid", test_vmid_substitution);
    g_test_add_func("/vcmdq/guest/sid", test_sid_substitution);
    g_test_add_func("/vcmdq/guest/hyp-own-wired", test_hyp_own_wired);
    g_test_add_func("/vcmdq/error/recovery", test_error_recovery);
    g_test_add_func("/vcmdq/error/fetch-abort", test_fetch_abort);
    g_test_add_func("/vcmdq/error/int-mask", test_int_mask);
    g_test_add_func("/vcmdq/migration/post-load", test_post_load);
    g_test_add_func("/vcmdq/random", test_random);
    return g_test_run();
}
