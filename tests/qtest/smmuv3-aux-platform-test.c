/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of what smmuv3-aux puts on the virt board's platform bus.
 *
 * A second SMMU (-device arm-smmuv3-aux,primary-bus=<pxb-pcie bus>)
 * translates the devices of its root bus with its own tables and queues,
 * and the board's SMMU sees none of their traffic.
 *
 * A platform (non-PCI) DMA master behind smmuv3-aux: the
 * smmuv3-aux-platdev on the virt board's platform bus, attached with the
 * StreamID of its "stream-id" property (what the DT's "iommus" says).
 * Its DMA is translated with that StreamID's STE, carries TD_PASID's
 * SubstreamID, and its records name that StreamID; a DMA from its thread
 * that faults at a stage configured to stall waits for CMD_RESUME (IHI
 * 0070 3.12.2, 4.7.1), the path Linux's I/O page-fault handler takes for
 * a "dma-can-stall" master.  The properties that cannot work refuse to
 * start QEMU with a message that says why.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "standard-headers/linux/pci_regs.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define PSID            0xf0        /* no PCI function of the fixture's */
#define PLAT_BASE       0x0c000000ULL  /* the first platform-bus device */
#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
#define TD_DONE         QSMMU_FIX_TD_DONE
#define TD_ERROR        QSMMU_FIX_TD_ERROR

static bool plat_start(QSMMUAuxFix *c)
{
    if (!qtest_has_device("smmuv3-aux-platdev")) {
        g_test_skip("needs smmuv3-aux-platdev");
        return false;
    }
    return qsmmu_fix_start(c, "smmuv3-aux", 0,
                           "-device smmuv3-aux-platdev,stream-id="
                           G_STRINGIFY(PSID));
}

static uint64_t plat_readq(QSMMUAuxFix *c, uint64_t off)
{
    return qtest_readq(c->qts, PLAT_BASE + off);
}

static uint32_t plat_status(QSMMUAuxFix *c)
{
    return qtest_readl(c->qts, PLAT_BASE + A_TD_STATUS);
}

/* Start a command: STATUS cleared, then the arguments and CMD. */
static void plat_start_cmd(QSMMUAuxFix *c, uint32_t cmd, uint32_t ctrl,
                           uint64_t src, uint64_t dst, uint32_t len,
                           uint32_t pasid)
{
    QTestState *q = c->qts;

    qtest_writel(q, PLAT_BASE + A_TD_STATUS, ~0u);
    qtest_writel(q, PLAT_BASE + A_TD_CTRL, ctrl);
    qtest_writeq(q, PLAT_BASE + A_TD_SRC, src);
    qtest_writeq(q, PLAT_BASE + A_TD_DST, dst);
    qtest_writel(q, PLAT_BASE + A_TD_LEN, len);
    qtest_writel(q, PLAT_BASE + A_TD_PATTERN, 0x5000);
    qtest_writel(q, PLAT_BASE + A_TD_PASID, pasid);
    qtest_writel(q, PLAT_BASE + A_TD_CMD, cmd);
}

static uint32_t plat_wait(QSMMUAuxFix *c)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    uint32_t st;

    while ((st = plat_status(c)) & R_TD_STATUS_BUSY_MASK) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
    return st;
}

/* Stage 1 for PSID (CD.S = @stall), a page of pattern 0x5000 at IOVA. */
static uint64_t plat_s1(QSMMUAuxFix *c, QSMMUFixS1 *d, bool stall)
{
    SMMUv3AuxSTE ste;
    uint64_t a;

    qsmmu_fix_s1_init(c, d, 12, 1, 0);
    if (stall) {
        d->cdv.qw[0] |= R_CD_0_S_MASK;
    }
    qsmmu_aux_write_cd(&c->s, d->cd, &d->cdv);
    qsmmu_aux_ste_s1(&ste, d->cd);
    qsmmu_aux_write_ste(&c->s, PSID, &ste);
    a = qsmmu_fix_alloc_data(c, PAGE, PAGE, 0x5000);
    qsmmu_fix_s1_map4k(d, IOVA, a);
    qsmmu_fix_enable(c);
    return a;
}

/*
 * The master's DMA is translated with PSID's STE, writes land in the
 * page, and a fault is recorded with StreamID PSID; with TD_PASID.SSV
 * the SubstreamID reaches the SMMU: S1CDMax = 0 makes it C_BAD_SUBSTREAMID
 * for PSID, SSID 5.
 */
static void test_dma(void)
{
    SMMUv3AuxEvtRecord r;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t b;

    if (!plat_start(&c)) {
        return;
    }
    plat_s1(&c, &d, false);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA + PAGE, b);

    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, 0, IOVA, 0, PAGE, 0);
    g_assert_cmphex(plat_status(&c), ==, TD_DONE);
    g_assert_cmphex(plat_readq(&c, A_TD_RESULT), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x5000));
    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_COPY, 0, IOVA, IOVA + PAGE, PAGE, 0);
    g_assert_cmphex(plat_status(&c), ==, TD_DONE);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x5000);
    qsmmu_fix_expect_no_event(&c);

    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, 0, IOVA + 2 * PAGE, 0,
                   QSMMU_FIX_FAULT_LEN, 0);
    g_assert_cmphex(plat_status(&c), ==, TD_ERROR);
    g_assert_cmphex(plat_readq(&c, A_TD_ERR_ADDR), ==, IOVA + 2 * PAGE);
    qsmmu_fix_pop_event_ss(&c, &r, SMMUV3_AUX_EVT_F_TRANSLATION, PSID,
                           false, 0);
    g_assert_cmphex(r.qw[2], ==, IOVA + 2 * PAGE);

    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, 0, IOVA, 0,
                   QSMMU_FIX_FAULT_LEN, R_TD_PASID_SSV_MASK | 5);
    g_assert_cmphex(plat_status(&c), ==, TD_ERROR);
    /* The SubstreamID is always valid in this record: no SSV (7.3.9). */
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&c.s), ==, 1);
    g_assert_true(qsmmu_aux_evtq_pop(&c.s, &r));
    g_assert_cmphex(r.qw[0], ==,
                    SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID |
                    5ULL << R_EVT_0_SSID_SHIFT | (uint64_t)PSID << 32);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* The stall's record (Stall = 1, StreamID PSID) once it is there; STAG. */
static uint16_t plat_stall_event(QSMMUAuxFix *c, uint64_t iova)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    SMMUv3AuxEvtRecord r;

    while (!qsmmu_aux_evtq_pending(&c->s)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
    qsmmu_fix_pop_event_ss(c, &r, SMMUV3_AUX_EVT_F_TRANSLATION, PSID,
                           false, 0);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, STALL));
    g_assert_cmphex(r.qw[2], ==, iova);
    g_assert_cmphex(plat_status(c), ==, R_TD_STATUS_BUSY_MASK);
    return FIELD_EX64(r.qw[1], EVT_1, STAG);
}

static void plat_resume(QSMMUAuxFix *c, uint16_t stag, unsigned resp)
{
    SMMUv3AuxCmd cmd;

    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_RESUME);
    cmd.qw[0] |= (uint64_t)PSID << 32 | (uint64_t)resp << 12;
    cmd.qw[1] = stag;
    qsmmu_fix_cmd(c, &cmd);
}

/*
 * What Linux's I/O page-fault path does for the master: its ASYNC write
 * to a page that is not mapped yet stalls, software maps the page and
 * resumes with Retry, and the write lands; an abort fails the command.
 */
static void test_stall(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t b;

    if (!plat_start(&c)) {
        return;
    }
    plat_s1(&c, &d, true);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);

    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_WRITE, R_TD_CTRL_ASYNC_MASK, 0,
                   IOVA + PAGE, PAGE, 0);
    g_usleep(50 * 1000);
    qsmmu_fix_expect_sentinel(&c, b, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA + PAGE, b);
    plat_resume(&c, plat_stall_event(&c, IOVA + PAGE), 1);
    g_assert_cmphex(plat_wait(&c), ==, TD_DONE);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x5000);

    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, R_TD_CTRL_ASYNC_MASK,
                   IOVA + 2 * PAGE, 0, PAGE, 0);
    plat_resume(&c, plat_stall_event(&c, IOVA + 2 * PAGE), 2);
    g_assert_cmphex(plat_wait(&c), ==, TD_ERROR);
    g_assert_cmphex(plat_readq(&c, A_TD_ERR_ADDR), ==, IOVA + 2 * PAGE);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * A stalled DMA ends with a reset (the master's, which aborts its stalls,
 * and the SMMU's), and one still stalled does not keep QEMU from quitting.
 */
static void test_stall_no_hang(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!plat_start(&c)) {
        return;
    }
    plat_s1(&c, &d, true);
    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, R_TD_CTRL_ASYNC_MASK,
                   IOVA + PAGE, 0, PAGE, 0);
    plat_stall_event(&c, IOVA + PAGE);
    qtest_system_reset(c.qts);
    qsmmu_fix_after_reset(&c);
    g_assert_cmphex(plat_wait(&c), ==, 0);      /* ended, unpublished */

    plat_s1(&c, &d, true);
    plat_start_cmd(&c, SMMUV3_AUX_TD_CMD_READ, R_TD_CTRL_ASYNC_MASK,
                   IOVA + PAGE, 0, PAGE, 0);
    plat_stall_event(&c, IOVA + PAGE);
    qsmmu_fix_stop(&c);                         /* stalled at quit */
}

/* QEMU with @args refuses to start, saying @msg. */
static void expect_refused(const char *args, const char *msg)
{
    g_autofree char *cmd = g_strdup_printf(
        "%s -machine virt,iommu=smmuv3-aux -nodefaults -display none "
        "-accel qtest %s", g_getenv("QTEST_QEMU_BINARY"), args);
    g_autofree char *out = NULL, *err = NULL;
    g_auto(GStrv) argv = NULL;
    int status;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, NULL));
    g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!strstr(err, msg)) {
        g_test_message("stderr: %s", err);
        g_assert_not_reached();
    }
}

/*
 * A StreamID is required, must fit the SMMU's SIDSIZE, and cannot be
 * another master's (the PCI test device at 00:04.0 has 0x20).
 */
static void test_refused(void)
{
    if (!qtest_has_device("smmuv3-aux-platdev")) {
        g_test_skip("needs smmuv3-aux-platdev");
        return;
    }
    expect_refused("-device smmuv3-aux-platdev", "stream-id is required");
    expect_refused("-device smmuv3-aux-platdev,stream-id=0x10000",
                   "does not fit the SMMU's sid-size 16");
    expect_refused("-device smmuv3-aux-testdev,addr=04.0 "
                   "-device smmuv3-aux-platdev,stream-id=0x20",
                   "StreamID 0x20 is already a PCI function's");
    expect_refused("-device smmuv3-aux-platdev,stream-id=0x10 "
                   "-device smmuv3-aux-platdev,stream-id=0x10",
                   "StreamID 0x10 is already");
}

/* ---- A second SMMU ------------------------------------------------- */

/*
 * pxb-pcie's bus 8 takes bridges only: a root port at 08:00.0, the test
 * device behind it at 09:00.0, within the fixture's ECAM window.
 */
#define PXB_BUS         8
#define PXB_SID         ((PXB_BUS + 1) << 8)
#define PXB_BAR         0x3e000000ULL
#define SMMU2_BASE      PLAT_BASE

static uint64_t pxb_ecam(QSMMUAuxFix *c, unsigned bus, uint16_t off)
{
    return c->gbus.ecam_alloc_ptr + ((uint64_t)bus << 20) + off;
}

/* What firmware does: bus numbers, the port's window, the BAR. */
static void pxb_td_enable(QSMMUAuxFix *c)
{
    QTestState *q = c->qts;

    qtest_writeb(q, pxb_ecam(c, PXB_BUS, PCI_PRIMARY_BUS), PXB_BUS);
    qtest_writeb(q, pxb_ecam(c, PXB_BUS, PCI_SECONDARY_BUS), PXB_BUS + 1);
    qtest_writeb(q, pxb_ecam(c, PXB_BUS, PCI_SUBORDINATE_BUS), PXB_BUS + 1);
    qtest_writew(q, pxb_ecam(c, PXB_BUS, PCI_MEMORY_BASE), PXB_BAR >> 16);
    qtest_writew(q, pxb_ecam(c, PXB_BUS, PCI_MEMORY_LIMIT), PXB_BAR >> 16);
    qtest_writew(q, pxb_ecam(c, PXB_BUS, PCI_COMMAND),
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    g_assert_cmphex(qtest_readw(q, pxb_ecam(c, PXB_BUS + 1, PCI_VENDOR_ID)),
                    ==, SMMUV3_AUX_TESTDEV_VENDOR_ID);
    qtest_writel(q, pxb_ecam(c, PXB_BUS + 1, PCI_BASE_ADDRESS_0), PXB_BAR);
    qtest_writel(q, pxb_ecam(c, PXB_BUS + 1, PCI_BASE_ADDRESS_1), 0);
    qtest_writew(q, pxb_ecam(c, PXB_BUS + 1, PCI_COMMAND),
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static uint32_t pxb_td_read(QSMMUAuxFix *c, uint64_t iova, uint32_t len)
{
    qtest_writel(c->qts, PXB_BAR + A_TD_STATUS, ~0u);
    qtest_writeq(c->qts, PXB_BAR + A_TD_SRC, iova);
    qtest_writel(c->qts, PXB_BAR + A_TD_LEN, len);
    qtest_writel(c->qts, PXB_BAR + A_TD_CMD, SMMUV3_AUX_TD_CMD_READ);
    return qtest_readl(c->qts, PXB_BAR + A_TD_STATUS);
}

/*
 * The device behind the second SMMU: its DMA faults there (C_BAD_STE, its
 * StreamID 0x900) while that SMMU's STE is invalid, then reads its data in
 * bypass, and the board's SMMU, whose 256-entry stream table would make
 * that StreamID a C_BAD_STREAMID, records nothing: the traffic of a root
 * bus goes to its own SMMU only.
 */
static void test_second_smmu(void)
{
    SMMUv3AuxEvtRecord r;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    QSMMUAux s2;
    QSMMUAuxFix c;
    uint64_t data, win;

    if (!qtest_has_device("pxb-pcie")) {
        g_test_skip("needs pxb-pcie");
        return;
    }
    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0,
                         "-device pxb-pcie,id=pxb1,bus_nr=" G_STRINGIFY(PXB_BUS)
                         " -device arm-smmuv3-aux,primary-bus=pxb1"
                         " -device pcie-root-port,bus=pxb1,id=rp1,chassis=9"
                         " -device smmuv3-aux-testdev,bus=rp1")) {
        return;
    }
    qsmmu_fix_enable(&c);

    /* The second SMMU: its own memory, 2-level stream table, queues. */
    win = qsmmu_aux_alloc(&c.s, 4 << 20, 4096);
    qsmmu_aux_init(&s2, c.qts, SMMU2_BASE);
    s2.alloc_next = win;
    s2.alloc_end = win + (4 << 20);
    qsmmu_aux_strtab_2lvl(&s2, 16, 8);
    qsmmu_aux_strtab_l2_install(&s2, PXB_SID);
    qsmmu_aux_bringup(&s2, 8, 8);
    qsmmu_aux_enable(&s2);
    data = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x7000);
    pxb_td_enable(&c);

    g_assert_cmphex(pxb_td_read(&c, data, QSMMU_FIX_FAULT_LEN), ==,
                    TD_ERROR);
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&s2), ==, 1);
    g_assert_true(qsmmu_aux_evtq_pop(&s2, &r));
    g_assert_cmphex(r.qw[0], ==,
                    SMMUV3_AUX_EVT_C_BAD_STE | (uint64_t)PXB_SID << 32);

    qsmmu_aux_ste_bypass(&ste);
    qsmmu_aux_write_ste(&s2, PXB_SID, &ste);
    qsmmu_aux_cmd_cfgi_ste(&cmd, PXB_SID);
    qsmmu_aux_cmdq_submit(&s2, &cmd);
    qsmmu_aux_cmdq_wait(&s2);
    g_assert_cmphex(pxb_td_read(&c, data, PAGE), ==, TD_DONE);
    g_assert_cmphex(qtest_readq(c.qts, PXB_BAR + A_TD_RESULT), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x7000));
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&s2), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(&s2), ==, 0);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-platform/second-smmu", test_second_smmu);
    qtest_add_func("/smmuv3-aux-platform/dma", test_dma);
    qtest_add_func("/smmuv3-aux-platform/stall", test_stall);
    qtest_add_func("/smmuv3-aux-platform/stall-no-hang", test_stall_no_hang);
    qtest_add_func("/smmuv3-aux-platform/refused", test_refused);
    return g_test_run();
}
