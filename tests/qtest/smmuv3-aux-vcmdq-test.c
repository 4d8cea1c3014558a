/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the Tegra241-CMDQV-compatible virtual command queues of
 * smmuv3-aux (-global arm-smmuv3-aux.cmdqv=on on -M virt): the register
 * sequences of Linux's tegra241-cmdqv.c, and commands through a VCMDQ
 * that invalidate what a DMA of smmuv3-aux-testdev sees.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "libqos/generic-pcihost.h"
#include "libqos/qos-smmuv3-aux.h"
#include "libqos/qos-smmuv3-aux-fixture.h"
#include "hw/arm/smmuv3-aux.h"
#include "hw/arm/smmuv3-aux-cmdqv.h"

#define MACHINE_ARGS \
    "-machine virt,gic-version=3,iommu=smmuv3-aux -cpu max -m 512M " \
    "-nodefaults -global arm-smmuv3-aux.cmdqv=on"
#define CMDQV           SMMUV3_AUX_VIRT_CMDQV_BASE
#define VINTF(i, r)     (CMDQV + 0x1000 + 0x100 * (i) + (r))
#define ALLOC(q)        (CMDQV + A_CMDQV_CMDQ_ALLOC + 4 * (q))
#define LV0(i, l, r)    (CMDQV + 0x30000 + 0x20000 * (i) + 0x80 * (l) + (r))
#define LV1(i, l, r)    (LV0(i, l, r) + 0x10000)
#define VCMDQ_LOG2      4

#define TD_SLOT         6
#define TD_SID          0x30        /* 00:06.0 */
#define CTX_ARGS        MACHINE_ARGS " -device smmuv3-aux-testdev," \
                        "bus=pcie.0,addr=6.0"

#define S1_IOVA         0x8080600000ULL
#define S1_ASID         1
#define PAGE_4K         4096ULL

/* GICv3 distributor: the CMDQV SPI's edge config and pending bit. */
#define GICD            0x08000000ULL
#define CMDQV_INTID     (32 + SMMUV3_AUX_VIRT_CMDQV_SPI)

typedef struct Ctx {
    QTestState *qts;
    QSMMUAux s;
    QGenericPCIBus gbus;
    QSMMUAuxTestdev td;
    QSMMUAuxPT pt;
    uint64_t data[3];
    unsigned per_vintf;
    uint64_t qbase[8];
} Ctx;

static uint32_t rd(Ctx *c, uint64_t a)
{
    return qtest_readl(c->qts, a);
}

static void wr(Ctx *c, uint64_t a, uint32_t v)
{
    qtest_writel(c->qts, a, v);
}

/*
 * tegra241_cmdqv_write_config(): the driver polls STATUS.0 for 1 s; here
 * it must follow on the first read, so no boot ever waits on it.
 */
static void write_config(Ctx *c, uint64_t config, uint64_t status,
                         uint32_t val)
{
    wr(c, config, val);
    g_assert_cmphex(rd(c, status) & 1, ==, val & 1);
}

/* The flush-timeout CMD_SYNC of vcmdq_hw_deinit(), on the SMMU CMDQ. */
static void smmu_sync(Ctx *c)
{
    SMMUv3AuxCmd sync;

    qsmmu_aux_cmd_sync(&sync, SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    qsmmu_aux_cmdq_run_sync_ok(&c->s, &sync, 1);
}

static void vcmdq_deinit(Ctx *c, unsigned i, unsigned l)
{
    write_config(c, LV0(i, l, A_VCMDQ_CONFIG), LV0(i, l, A_VCMDQ_STATUS), 0);
    smmu_sync(c);
    wr(c, LV0(i, l, A_VCMDQ_PROD), 0);
    wr(c, LV0(i, l, A_VCMDQ_CONS), 0);
    qtest_writeq(c->qts, LV1(i, l, A_VCMDQ_BASE), 0);
    qtest_writeq(c->qts, LV1(i, l, A_VCMDQ_CONS_INDX_BASE), 0);
    g_assert_cmphex(rd(c, LV0(i, l, A_VCMDQ_GERRORN)), ==,
                    rd(c, LV0(i, l, A_VCMDQ_GERROR)));
}

/* tegra241_vintf_hw_init(): returns HYP_OWN as read back. */
static bool vintf_init(Ctx *c, unsigned i, bool hyp_own, uint16_t vmid)
{
    uint32_t config = (hyp_own ? R_VINTF_CONFIG_HYP_OWN_MASK : 0) |
                      vmid << R_VINTF_CONFIG_VMID_SHIFT;
    unsigned n = c->per_vintf;
    bool own;

    for (unsigned l = n; l-- > 0;) {
        vcmdq_deinit(c, i, l);
        wr(c, ALLOC(i * n + l), rd(c, ALLOC(i * n + l)) & ~1u);
    }
    write_config(c, VINTF(i, A_VINTF_CONFIG), VINTF(i, A_VINTF_STATUS), 0);
    for (unsigned s = 0; s < 16; s++) {
        wr(c, VINTF(i, A_VINTF_SID_MATCH + 4 * s), 0);
        wr(c, VINTF(i, A_VINTF_SID_REPLACE + 4 * s), 0);
    }
    wr(c, VINTF(i, A_VINTF_CONFIG), config);
    write_config(c, VINTF(i, A_VINTF_CONFIG), VINTF(i, A_VINTF_STATUS),
                 config | R_VINTF_CONFIG_EN_MASK);
    own = rd(c, VINTF(i, A_VINTF_CONFIG)) & R_VINTF_CONFIG_HYP_OWN_MASK;
    for (unsigned l = 0; l < n; l++) {
        unsigned q = i * n + l;

        wr(c, ALLOC(q), rd(c, ALLOC(q)) | 1);
        vcmdq_deinit(c, i, l);
        qtest_writeq(c->qts, LV1(i, l, A_VCMDQ_BASE),
                     c->qbase[q] | VCMDQ_LOG2);
        write_config(c, LV0(i, l, A_VCMDQ_CONFIG), LV0(i, l, A_VCMDQ_STATUS),
                     1);
    }
    return own;
}

/* tegra241_cmdqv_hw_reset(), run by the driver after SMMUEN = 1. */
static void cmdqv_reset(Ctx *c)
{
    uint32_t config = rd(c, CMDQV + A_CMDQV_CONFIG);

    write_config(c, CMDQV + A_CMDQV_CONFIG, CMDQV + A_CMDQV_STATUS,
                 config & ~1u);
    write_config(c, CMDQV + A_CMDQV_CONFIG, CMDQV + A_CMDQV_STATUS,
                 config | 1);
    for (unsigned i = 0, q = 0; i < 2; i++) {
        for (unsigned l = 0; l < c->per_vintf; l++) {
            wr(c, ALLOC(q++), i << 15 | l << 1);
        }
    }
    g_assert_true(vintf_init(c, 0, true, 0));
}

/* Machine, testdev, SMMU up with a stage-1 domain, CMDQV reset. */
static bool ctx_start(Ctx *c)
{
    g_autofree uint8_t *buf = g_malloc(PAGE_4K);
    SMMUv3AuxSTE ste;
    SMMUv3AuxCD cd;
    uint64_t cdpa;
    uint32_t param;

    if (!qtest_has_device("smmuv3-aux-testdev")) {
        g_test_skip("smmuv3-aux-testdev is not built");
        return false;
    }
    memset(c, 0, sizeof(*c));
    c->qts = qtest_init(CTX_ARGS);
    qsmmu_aux_init(&c->s, c->qts, QSMMU_AUX_VIRT_BASE);
    qpci_init_generic(&c->gbus, c->qts, NULL, false);
    qsmmu_aux_td_init(&c->td, &c->gbus.bus, QPCI_DEVFN(TD_SLOT, 0));
    qsmmu_aux_strtab_linear(&c->s, 8);
    qsmmu_aux_bringup(&c->s, 8, 8);
    for (unsigned i = 0; i < 3; i++) {
        c->data[i] = qsmmu_aux_alloc(&c->s, PAGE_4K, PAGE_4K);
        qsmmu_aux_td_write_pattern(buf, PAGE_4K, (i + 1) << 12);
        qtest_memwrite(c->qts, c->data[i], buf, PAGE_4K);
    }
    qsmmu_aux_pt_init(&c->s, &c->pt, 12, 48, QSMMU_AUX_PT_START_AUTO, 0);
    qsmmu_aux_pt_map(&c->pt, S1_IOVA, c->data[0], 3,
                     QSMMU_AUX_S1_ATTRS_LINUX);
    cdpa = qsmmu_aux_alloc(&c->s, SMMUV3_AUX_CD_SIZE, SMMUV3_AUX_CD_SIZE);
    qsmmu_aux_cd_linux(&cd, &c->pt, S1_ASID,
                       FIELD_EX32(qsmmu_aux_readl(&c->s, A_IDR5), IDR5, OAS));
    qsmmu_aux_write_cd(&c->s, cdpa, &cd);
    qsmmu_aux_ste_s1(&ste, cdpa);
    /* Stage-1 entries of this STE carry VMID 7 (S2VMID, with S2P). */
    ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2VMID, 7);
    qsmmu_aux_write_ste(&c->s, TD_SID, &ste);
    qsmmu_aux_cmdq_invalidate_all(&c->s);
    qsmmu_aux_enable(&c->s);

    param = rd(c, CMDQV + A_CMDQV_PARAM);
    g_assert_cmphex(param, ==, 0x4131);     /* the defaults */
    c->per_vintf = 8 >> 1;
    for (unsigned q = 0; q < 8; q++) {
        c->qbase[q] = qsmmu_aux_alloc(&c->s, 16 << VCMDQ_LOG2,
                                      16 << VCMDQ_LOG2);
    }
    cmdqv_reset(c);
    return true;
}

static void ctx_stop(Ctx *c)
{
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&c->s), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c->s), ==, 0);
    qsmmu_aux_td_free(&c->td);
    qtest_quit(c->qts);
}

/* Put cmds at the logical queue's PROD and write PROD once. */
static uint32_t submit(Ctx *c, unsigned i, unsigned l,
                       const SMMUv3AuxCmd *cmds, unsigned n)
{
    unsigned q = i * c->per_vintf + l;
    uint32_t prod = rd(c, LV0(i, l, A_VCMDQ_PROD));

    for (unsigned k = 0; k < n; k++) {
        qsmmu_aux_mem_write_qwords(&c->s, c->qbase[q] +
                                   16 * qsmmu_aux_q_idx(prod, VCMDQ_LOG2),
                                   cmds[k].qw, 2);
        prod = qsmmu_aux_q_inc(prod, VCMDQ_LOG2);
    }
    wr(c, LV0(i, l, A_VCMDQ_PROD), prod);
    return prod;
}

/* Submit and check that CONS went past everything (no error). */
static void submit_ok(Ctx *c, unsigned i, unsigned l,
                      const SMMUv3AuxCmd *cmds, unsigned n)
{
    uint32_t prod = submit(c, i, l, cmds, n);

    g_assert_cmphex(rd(c, LV0(i, l, A_VCMDQ_CONS)), ==, prod);
}

/* A 4K READ at S1_IOVA sees data page @i. */
static void expect_page(Ctx *c, unsigned i)
{
    g_autofree uint8_t *buf = g_malloc(PAGE_4K);

    qsmmu_aux_td_write_pattern(buf, PAGE_4K, (i + 1) << 12);
    g_assert_cmphex(qsmmu_aux_td_run(&c->td, SMMUV3_AUX_TD_CMD_READ,
                                     S1_IOVA, 0, PAGE_4K, 0),
                    ==, R_TD_STATUS_DONE_MASK);
    g_assert_cmphex(qsmmu_aux_td_result(&c->td), ==,
                    qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, buf, PAGE_4K));
}

/* Point the leaf of S1_IOVA at data page @i, without any TLBI. */
static void remap(Ctx *c, unsigned i)
{
    qsmmu_aux_mem_writeq(&c->s, qsmmu_aux_pt_entry_addr(&c->pt, S1_IOVA, 3,
                                                        false),
                         qsmmu_aux_pt_leaf(&c->pt, c->data[i], 3,
                                           QSMMU_AUX_S1_ATTRS_LINUX));
}

/* "vcmdq-commands" of the SMMU, found under /machine/unattached. */
static uint64_t vcmdq_commands(Ctx *c, unsigned q)
{
    QDict *rsp = qtest_qmp(c->qts, "{'execute': 'qom-list', 'arguments': "
                           "{'path': '/machine/unattached'}}");
    g_autofree char *path = NULL;
    const QListEntry *e;
    uint64_t n;
    QList *l;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(rsp, "return"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(p, "type"), "child<arm-smmuv3-aux>")) {
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(p, "name"));
        }
    }
    qobject_unref(rsp);
    g_assert_nonnull(path);
    rsp = qtest_qmp(c->qts, "{'execute': 'qom-get', 'arguments': "
                    "{'path': %s, 'property': 'vcmdq-commands'}}", path);
    l = qdict_get_qlist(rsp, "return");
    g_assert_cmpuint(qlist_size(l), ==, 8);
    e = qlist_first(l);
    for (unsigned k = 0; k < q; k++) {
        e = qlist_next(e);
    }
    n = qnum_get_uint(qobject_to(QNum, qlist_entry_obj(e)));
    qobject_unref(rsp);
    return n;
}

/* query-smmuv3-aux's count of @op among the commands VCMDQs carried. */
static uint64_t qmp_vcmdq_count(Ctx *c, const char *op)
{
    QDict *rsp = qtest_qmp(c->qts, "{'execute': 'query-smmuv3-aux'}");
    QDict *info = qobject_to(QDict,
                             qlist_peek(qdict_get_qlist(rsp, "return")));
    const QListEntry *e;
    uint64_t n = 0;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(info, "vcmdq-commands"), e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(d, "name"), op)) {
            n = qnum_get_uint(qobject_to(QNum, qdict_get(d, "count")));
        }
    }
    qobject_unref(rsp);
    return n;
}

static void test_driver_init(void)
{
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    /* VINTF0 owns global queues 0-3, mapped and enabled; VINTF1 idle. */
    for (unsigned q = 0; q < 8; q++) {
        g_assert_cmphex(rd(&c, ALLOC(q)), ==,
                        (q / 4) << 15 | (q % 4) << 1 | (q < 4));
        g_assert_cmphex(rd(&c, CMDQV + 0x10000 + 0x80 * q + A_VCMDQ_STATUS),
                        ==, q < 4);
    }
    g_assert_cmphex(rd(&c, VINTF(1, A_VINTF_STATUS)), ==, 0);
    /* A second reset (rebind, kexec) takes the same path. */
    cmdqv_reset(&c);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_VINTF_ERR_MAP), ==, 0);
    ctx_stop(&c);
}

static void test_invalidate_dma(void)
{
    SMMUv3AuxCmd c2[2];
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    expect_page(&c, 0);
    /* Remapped without TLBI: the IOTLB still has page 0. */
    remap(&c, 1);
    expect_page(&c, 0);
    /* TLBI_NH_VA + CMD_SYNC through VINTF0's LVCMDQ 1, as on CPU 1. */
    qsmmu_aux_cmd_tlbi_nh_va(&c2[0], 7, S1_ASID, S1_IOVA, true, 0, 0, 0, 0);
    qsmmu_aux_cmd_sync(&c2[1], SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    submit_ok(&c, 0, 1, c2, 2);
    expect_page(&c, 1);
    g_assert_cmpuint(vcmdq_commands(&c, 1), ==, 2);
    g_assert_cmpuint(vcmdq_commands(&c, 0), ==, 0);
    /* By opcode, apart from the SMMU CMDQ's (driver init's CMD_SYNCs). */
    g_assert_cmpuint(qmp_vcmdq_count(&c, "CMD_TLBI_NH_VA"), ==, 1);
    g_assert_cmpuint(qmp_vcmdq_count(&c, "CMD_SYNC"), ==, 1);
    ctx_stop(&c);
}

static void gic_edge(Ctx *c)
{
    uint64_t icfgr = GICD + 0xc00 + 4 * (CMDQV_INTID / 16);

    qtest_writel(c->qts, icfgr, qtest_readl(c->qts, icfgr) |
                 2u << 2 * (CMDQV_INTID % 16));
}

static bool gic_pending(Ctx *c)
{
    uint64_t ispendr = GICD + 0x200 + 4 * (CMDQV_INTID / 32);
    uint32_t bit = 1u << (CMDQV_INTID % 32);
    bool p = qtest_readl(c->qts, ispendr) & bit;

    qtest_writel(c->qts, GICD + 0x280 + 4 * (CMDQV_INTID / 32), bit);
    return p;
}

static void test_illegal_recover(void)
{
    SMMUv3AuxCmd bad[2], sync;
    uint32_t gerror;
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    gic_edge(&c);
    g_assert_false(gic_pending(&c));
    /* VINTF1 as iommufd gives it to a VM: HYP_OWN = 0, VMID 7. */
    g_assert_false(vintf_init(&c, 1, false, 7));
    qsmmu_aux_cmd_cfgi_ste(&bad[0], TD_SID);
    qsmmu_aux_cmd_sync(&bad[1], SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    submit(&c, 1, 2, bad, 2);
    g_assert_cmphex(rd(&c, LV0(1, 2, A_VCMDQ_CONS)), ==,
                    SMMUV3_AUX_CERROR_ILL << 24);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_VINTF_ERR_MAP), ==, 2);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_CMDQ_ERR_MAP), ==, 1u << 6);
    g_assert_cmphex(qtest_readq(c.qts, VINTF(1, 0xc0)), ==, 1u << 2);
    g_assert_true(gic_pending(&c));
    /* The SMMU's own queue is unaffected. */
    smmu_sync(&c);
    /* skip_err: a CMD_SYNC over the entry, then GERRORN = GERROR. */
    gerror = rd(&c, LV0(1, 2, A_VCMDQ_GERROR));
    qsmmu_aux_cmd_sync(&sync, SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    qsmmu_aux_mem_write_qwords(&c.s, c.qbase[6], sync.qw, 2);
    wr(&c, LV0(1, 2, A_VCMDQ_GERRORN), gerror);
    g_assert_cmphex(rd(&c, LV0(1, 2, A_VCMDQ_CONS)), ==, 2);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_VINTF_ERR_MAP), ==, 0);
    g_assert_cmphex(qtest_readq(c.qts, VINTF(1, 0xc0)), ==, 0);
    g_assert_false(gic_pending(&c));
    ctx_stop(&c);
}

static void test_guest_vintf(void)
{
    SMMUv3AuxCmd c2[2], atc;
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    /* A VM's VINTF with VMID 9: its TLBI cannot touch VMID 7. */
    g_assert_false(vintf_init(&c, 1, false, 9));
    expect_page(&c, 0);
    remap(&c, 1);
    qsmmu_aux_cmd_tlbi_nh_asid(&c2[0], 7, S1_ASID);
    qsmmu_aux_cmd_sync(&c2[1], SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    submit_ok(&c, 1, 0, c2, 2);
    expect_page(&c, 0);
    /* The same VINTF given VMID 7: the guest's VMID 0 becomes 7. */
    g_assert_false(vintf_init(&c, 1, false, 7));
    qsmmu_aux_cmd_tlbi_nh_asid(&c2[0], 0, S1_ASID);
    submit_ok(&c, 1, 0, c2, 2);
    expect_page(&c, 1);
    /* ATC_INV of vSID 0x5 is accepted once SID_MATCH maps it. */
    qsmmu_aux_cmd_raw(&atc, SMMUV3_AUX_CMD_ATC_INV);
    atc.qw[0] |= 5ULL << 32;
    atc.qw[1] = 52;
    wr(&c, VINTF(1, A_VINTF_SID_REPLACE), TD_SID);
    wr(&c, VINTF(1, A_VINTF_SID_MATCH), 5 << 1 | 1);
    submit_ok(&c, 1, 1, &atc, 1);
    ctx_stop(&c);
}

/* ---- Migration ---------------------------------------------------------- */

static void dump_at(Ctx *c, GArray *a, uint64_t addr)
{
    uint32_t v = rd(c, addr);

    g_array_append_val(a, v);
}

/* A VCMDQ's registers, in the 0x80-byte slots of its two pages. */
static void dump_vcmdq(Ctx *c, GArray *a, uint64_t page0, uint64_t page1)
{
    static const uint64_t r0[] = {
        A_VCMDQ_CONS, A_VCMDQ_PROD, A_VCMDQ_CONFIG, A_VCMDQ_STATUS,
        A_VCMDQ_GERROR, A_VCMDQ_GERRORN,
    };

    for (unsigned k = 0; k < ARRAY_SIZE(r0); k++) {
        dump_at(c, a, page0 + r0[k]);
    }
    for (unsigned k = 0; k < 16; k += 4) {
        dump_at(c, a, page1 + A_VCMDQ_BASE + k);
    }
}

/*
 * Every CMDQV register with state or derived from it, as the driver reads
 * them: the global page, both VINTFs, their logical queues and the global
 * VCMDQ pages.
 */
static GArray *cmdqv_dump(Ctx *c)
{
    GArray *a = g_array_new(false, false, sizeof(uint32_t));
    static const uint64_t global[] = {
        A_CMDQV_CONFIG, A_CMDQV_PARAM, A_CMDQV_STATUS,
        A_CMDQV_VINTF_ERR_MAP, A_CMDQV_VINTF_ERR_MAP + 4,
        A_CMDQV_VINTF_INT_MASK, A_CMDQV_VINTF_INT_MASK + 4,
        A_CMDQV_CMDQ_ERR_MAP, A_CMDQV_CMDQ_ERR_MAP + 4,
        A_CMDQV_CMDQ_ERR_MAP + 8, A_CMDQV_CMDQ_ERR_MAP + 12,
    };

    for (unsigned k = 0; k < ARRAY_SIZE(global); k++) {
        dump_at(c, a, CMDQV + global[k]);
    }
    for (unsigned q = 0; q < 8; q++) {
        dump_at(c, a, ALLOC(q));
        dump_vcmdq(c, a, CMDQV + 0x10000 + 0x80 * q,
                   CMDQV + 0x20000 + 0x80 * q);
    }
    for (unsigned i = 0; i < 2; i++) {
        for (uint64_t r = 0; r < 0xd0; r += 4) {
            if (r < 8 || r >= A_VINTF_SID_MATCH) {
                dump_at(c, a, VINTF(i, r));
            }
        }
        for (unsigned l = 0; l < c->per_vintf; l++) {
            dump_vcmdq(c, a, LV0(i, l, 0), LV1(i, l, 0));
        }
    }
    return a;
}

static void ctx_migrated(Ctx *c, QTestState *dst)
{
    qsmmu_aux_td_free(&c->td);
    qtest_quit(c->qts);
    c->qts = dst;
    c->s.qts = dst;
    qpci_init_generic(&c->gbus, dst, NULL, false);
    qsmmu_aux_td_init(&c->td, &c->gbus.bus, QPCI_DEVFN(TD_SLOT, 0));
}

/*
 * The CMDQV mid-stream: a VM's VINTF with its VMID and StreamID tables,
 * one of its queues stopped behind an illegal command with more commands
 * after it, the error and the interrupt mask not acknowledged, counters
 * running.  After migration every register reads the same, the stopped
 * queue resumes where it stopped once the guest skips the command, and a
 * VCMDQ TLBI reaches the destination's IOTLB.
 */
static void test_migrate(void)
{
    g_autoptr(GArray) before = NULL;
    g_autoptr(GArray) after = NULL;
    SMMUv3AuxCmd cmds[3], sync;
    uint32_t gerror;
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    g_assert_false(vintf_init(&c, 1, false, 9));
    wr(&c, VINTF(1, A_VINTF_SID_REPLACE + 4), TD_SID);
    wr(&c, VINTF(1, A_VINTF_SID_MATCH + 4), 5 << 1 | 1);
    wr(&c, CMDQV + A_CMDQV_VINTF_INT_MASK + 4, 0x80000000);
    qsmmu_aux_cmd_cfgi_ste(&cmds[0], TD_SID);       /* not for a guest */
    qsmmu_aux_cmd_tlbi_nh_asid(&cmds[1], 0, S1_ASID);
    qsmmu_aux_cmd_sync(&cmds[2], SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    submit(&c, 1, 3, cmds, 3);
    g_assert_cmphex(rd(&c, LV0(1, 3, A_VCMDQ_CONS)), ==,
                    SMMUV3_AUX_CERROR_ILL << 24);
    submit_ok(&c, 0, 2, &cmds[2], 1);
    expect_page(&c, 0);
    before = cmdqv_dump(&c);

    ctx_migrated(&c, qsmmu_fix_migrate(c.qts, CTX_ARGS));

    after = cmdqv_dump(&c);
    g_assert_cmpmem(after->data, after->len * 4, before->data,
                    before->len * 4);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_VINTF_ERR_MAP), ==, 2);
    g_assert_cmpuint(vcmdq_commands(&c, 2), ==, 1);
    /* The stopped queue waits for GERRORN; the others run. */
    expect_page(&c, 0);
    remap(&c, 1);
    expect_page(&c, 0);                 /* cached, no TLBI yet */
    qsmmu_aux_cmd_tlbi_nh_va(&cmds[0], 7, S1_ASID, S1_IOVA, true, 0, 0, 0, 0);
    submit_ok(&c, 0, 2, cmds, 1);
    expect_page(&c, 1);
    gerror = rd(&c, LV0(1, 3, A_VCMDQ_GERROR));
    qsmmu_aux_cmd_sync(&sync, SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    qsmmu_aux_mem_write_qwords(&c.s, c.qbase[7], sync.qw, 2);
    wr(&c, LV0(1, 3, A_VCMDQ_GERRORN), gerror);
    g_assert_cmphex(rd(&c, LV0(1, 3, A_VCMDQ_CONS)), ==, 3);
    g_assert_cmphex(rd(&c, CMDQV + A_CMDQV_VINTF_ERR_MAP), ==, 0);
    g_assert_cmpuint(vcmdq_commands(&c, 7), ==, 3);
    ctx_stop(&c);
}

/* A destination with another CMDQV layout (PARAM) refuses the state. */
static void test_migrate_param_mismatch(void)
{
    Ctx c;

    if (!ctx_start(&c)) {
        return;
    }
    qsmmu_fix_migrate_refused(c.qts, CTX_ARGS
                              " -global arm-smmuv3-aux.cmdqv-vcmdqs-log2=4");
    ctx_stop(&c);
}

/* The DTB of the machine, through QMP dumpdtb. */
static GByteArray *dump_dtb(QTestState *qts)
{
    g_autofree char *path = NULL;
    g_autofree char *buf = NULL;
    QDict *rsp;
    gsize len;
    int fd = g_file_open_tmp("vcmdq-XXXXXX.dtb", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    rsp = qtest_qmp(qts, "{'execute': 'dumpdtb', 'arguments': "
                    "{'filename': %s}}", path);
    g_assert_true(qdict_haskey(rsp, "return"));
    qobject_unref(rsp);
    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    unlink(path);
    return g_byte_array_new_take((guint8 *)g_steal_pointer(&buf), len);
}

static bool dtb_has(GByteArray *dtb, const void *what, size_t len)
{
    return memmem(dtb->data, dtb->len, what, len) != NULL;
}

#define DTB_HAS(dtb, str)   dtb_has(dtb, str, sizeof(str))

/*
 * cmdqv=on: the SMMU node is "nvidia,tegra264-smmu" with nvidia,cmdqv,
 * and the CMDQV node has reg <0x090c0000 0x70000> (2 VINTFs); off (the
 * default): none of it, and nothing answers at the CMDQV's address.
 */
static void test_dt(const void *data)
{
    bool on = data;
    /* reg = <0x0 0x090c0000 0x0 0x70000>, big-endian cells */
    static const uint8_t reg[] = { 0, 0, 0, 0, 0x09, 0x0c, 0, 0,
                                   0, 0, 0, 0, 0, 0x07, 0, 0 };
    QTestState *qts = qtest_initf("-machine virt,gic-version=3,"
                                  "iommu=smmuv3-aux -cpu max -m 512M "
                                  "-nodefaults%s",
                                  on ? " -global arm-smmuv3-aux.cmdqv=on"
                                     : "");
    g_autoptr(GByteArray) dtb = dump_dtb(qts);

    g_assert_cmpint(DTB_HAS(dtb, "nvidia,tegra264-cmdqv"), ==, on);
    g_assert_cmpint(DTB_HAS(dtb, "nvidia,tegra264-smmu"), ==, on);
    g_assert_cmpint(DTB_HAS(dtb, "nvidia,cmdqv"), ==, on);
    g_assert_cmpint(dtb_has(dtb, reg, sizeof(reg)), ==, on);
    g_assert_true(DTB_HAS(dtb, "arm,smmu-v3"));
    g_assert_cmphex(qtest_readl(qts, CMDQV + A_CMDQV_PARAM), ==,
                    on ? 0x4131 : 0);
    qtest_quit(qts);
}

/* An impossible PARAM layout stops QEMU at realize with the reason. */
static void test_bad_layout(void)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *err = NULL;
    gint status = 0;
    const char *argv[] = {
        qemu, "-machine", "virt,iommu=smmuv3-aux", "-nodefaults",
        "-display", "none", "-S", "-kernel", "/nonexistent",
        "-global", "arm-smmuv3-aux.cmdqv=on",
        "-global", "arm-smmuv3-aux.cmdqv-vintfs-log2=3",
        "-global", "arm-smmuv3-aux.cmdqv-vcmdqs-log2=2", NULL,
    };

    g_assert_nonnull(qemu);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &status, NULL));
    g_assert_cmpint(status, !=, 0);     /* a wait status: exit 1 */
    g_assert_nonnull(strstr(err, "cmdqv-vcmdqs-log2 must be at least "
                            "cmdqv-vintfs-log2"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!qtest_has_machine("virt")) {
        return g_test_run();
    }
    qtest_add_func("/smmuv3-aux/vcmdq/driver-init", test_driver_init);
    qtest_add_func("/smmuv3-aux/vcmdq/invalidate-dma", test_invalidate_dma);
    qtest_add_func("/smmuv3-aux/vcmdq/illegal-recover",
                   test_illegal_recover);
    qtest_add_func("/smmuv3-aux/vcmdq/guest-vintf", test_guest_vintf);
    qtest_add_data_func("/smmuv3-aux/vcmdq/dt/on", (void *)1, test_dt);
    qtest_add_data_func("/smmuv3-aux/vcmdq/dt/off", NULL, test_dt);
    qtest_add_func("/smmuv3-aux/vcmdq/bad-layout", test_bad_layout);
    qtest_add_func("/smmuv3-aux/vcmdq/migrate", test_migrate);
    qtest_add_func("/smmuv3-aux/vcmdq/migrate-param-mismatch",
                   test_migrate_param_mismatch);
    return g_test_run();
}
