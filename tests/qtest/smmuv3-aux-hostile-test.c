/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hostile programming of the SMMU: structures and queues in MMIO (the
 * SMMU's own register page included), in holes and at the top of the
 * address space, queue pointers that jump, page tables that loop, MSIs
 * aimed at the SMMU's own registers, a full command queue in one doorbell,
 * and DMA that races a system reset.  Each case asserts that QEMU keeps
 * answering, that the architected event or error is raised (IHI 0070 7.1
 * CERROR_*, 7.2 GERROR, 7.3 events), and that the SMMU works again once
 * the guest repairs what it broke.
 *
 * Like the conformance suite these cases run against QEMU's own arm-smmuv3
 * too (SMMUV3_AUX_CONFORMANCE_MODEL=smmuv3, scripts/conformance-table.sh).
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqos/pci.h"
#include "standard-headers/linux/pci_regs.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
#define SMMU            QSMMU_AUX_VIRT_BASE
#define PA_UNMAPPED     0x4000000000ULL         /* decodes to nothing */

static bool start(QSMMUAuxFix *c)
{
    return qsmmu_fix_start(c, qsmmu_fix_model(), 0, NULL);
}

/* QEMU still answers, and the SMMU's identity is what it was. */
static void expect_alive(QSMMUAuxFix *c, uint32_t idr0)
{
    g_assert_cmphex(qsmmu_aux_readl(&c->s, A_IDR0), ==, idr0);
}

/* Repaired: a stage-1 domain over a page at IOVA, read by DMA. */
static void expect_works(QSMMUAuxFix *c)
{
    QSMMUFixS1 d;
    uint64_t a = qsmmu_fix_alloc_data(c, PAGE, PAGE, 0x7700);
    SMMUv3AuxCmd cmd;

    qsmmu_fix_s1_4k(c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_aux_cmd_cfgi_ste(&cmd, SID);
    qsmmu_fix_cmd(c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x7700));
}

/* ---- Structures where there is no memory ------------------------------- */

/*
 * The stream table in the SMMU's own register page, or in a hole: the STE
 * fetch is an external abort, F_STE_FETCH with the STE's address (7.3.4),
 * never an MMIO read that re-enters the SMMU.
 */
static void test_strtab_not_ram(const void *opaque)
{
    uint64_t base = *(const uint64_t *)opaque;
    QSMMUAuxFix c;
    uint32_t idr0;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_CMDQEN_MASK |
                                            R_CR0_EVENTQEN_MASK));
    qsmmu_aux_writeq(&c.s, A_STRTAB_BASE, base);
    qsmmu_aux_writel(&c.s, A_STRTAB_BASE_CFG, 8);       /* linear, 256 */
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_cfg_event(&c, SMMUV3_AUX_EVT_F_STE_FETCH,
                               base + SID * SMMUV3_AUX_STE_SIZE);
    expect_alive(&c, idr0);

    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_CMDQEN_MASK |
                                            R_CR0_EVENTQEN_MASK));
    qsmmu_aux_strtab_linear(&c.s, 8);
    qsmmu_fix_enable(&c);
    expect_works(&c);
    qsmmu_fix_stop(&c);
}

/*
 * A CD whose TTB0 is the SMMU's register page: the level-0 descriptor
 * read is F_WALK_EABT with the descriptor's address (7.3.12).
 */
static void test_ttb_in_own_mmio(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxEvtRecord r;
    uint64_t desc = SMMU + ((IOVA >> 39) & 511) * 8;

    if (!start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    d.cdv.qw[1] = FIELD_DP64(d.cdv.qw[1], CD_1, TTB0, SMMU >> 4);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_WALK_EABT);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, RNW));
    g_assert_cmphex(r.qw[2], ==, IOVA);
    g_assert_cmphex(r.qw[3] & R_EVT_3_FETCHADDR_MASK, ==, desc);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The command queue in the SMMU's register page, or at the top of the
 * physical address space with the largest size IDR1.CMDQS allows: the
 * command fetch aborts, CMDQ_CONS.ERR = CERROR_ABT and GERROR.CMDQ_ERR
 * (7.1), and nothing hangs.
 */
static void test_cmdq_not_ram(const void *opaque)
{
    bool top = GPOINTER_TO_UINT(opaque);
    QSMMUAuxFix c;
    uint32_t idr0, cons;
    unsigned log2, oas_bits;
    uint64_t base;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    log2 = top ? FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR1), IDR1, CMDQS) : 4;
    oas_bits = (unsigned[]){ 32, 36, 40, 42, 44, 48, 52, 56 }[c.oas & 7];
    base = top ? (1ULL << oas_bits) - (SMMUV3_AUX_CMD_SIZE << log2) : SMMU;
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK));
    qsmmu_aux_writeq(&c.s, A_CMDQ_BASE, qsmmu_aux_q_base(base, log2, 1));
    qsmmu_aux_writel(&c.s, A_CMDQ_PROD, 0);
    qsmmu_aux_writel(&c.s, A_CMDQ_CONS, 0);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK |
                                            R_CR0_CMDQEN_MASK));
    qsmmu_aux_writel(&c.s, A_CMDQ_PROD, 1);

    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    g_assert_cmphex(FIELD_EX32(cons, CMDQ_CONS, ERR), ==,
                    SMMUV3_AUX_CERROR_ABT);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s) & R_GERROR_CMDQ_ERR_MASK,
                    ==, R_GERROR_CMDQ_ERR_MASK);
    expect_alive(&c, idr0);

    /* Repaired: a queue in RAM, the error acknowledged. */
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK));
    qsmmu_aux_gerror_ack(&c.s);
    qsmmu_aux_cmdq_setup(&c.s, 8);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK |
                                            R_CR0_CMDQEN_MASK));
    qsmmu_fix_enable(&c);
    expect_works(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The event queue in the SMMU's register page: the record write aborts,
 * GERROR.EVENTQ_ABT_ERR (7.2), and the transaction is still terminated.
 */
static void test_evtq_in_own_mmio(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint32_t idr0;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    qsmmu_fix_s1_4k(&c, &d);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_CMDQEN_MASK));
    qsmmu_aux_writeq(&c.s, A_EVENTQ_BASE, qsmmu_aux_q_base(SMMU, 4, 1));
    qsmmu_aux_writel(&c.s, A_EVENTQ_PROD, 0);
    qsmmu_aux_writel(&c.s, A_EVENTQ_CONS, 0);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_CMDQEN_MASK |
                                            R_CR0_EVENTQEN_MASK));
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s) &
                    R_GERROR_EVENTQ_ABT_ERR_MASK, ==,
                    R_GERROR_EVENTQ_ABT_ERR_MASK);
    expect_alive(&c, idr0);
    qsmmu_fix_stop(&c);
}

/* ---- Queue pointers ------------------------------------------------------ */

/*
 * CMDQ_PROD jumps a whole queue ahead (the wrap bit flipped, the same
 * index): the queue is full of zeroed entries, opcode 0 is Reserved, so
 * the first is CERROR_ILL.  A PROD with every bit set then changes
 * nothing: a queue in error consumes nothing until GERRORN acknowledges.
 */
static void test_cmdq_prod_jump(void)
{
    QSMMUAuxFix c;
    uint32_t cons, idr0;
    unsigned log2;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    log2 = c.s.cmdq_log2size;
    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    qtest_memset(c.qts, c.s.cmdq, 0, SMMUV3_AUX_CMD_SIZE << log2);
    qsmmu_aux_writel(&c.s, A_CMDQ_PROD, cons ^ (1u << log2));
    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    g_assert_cmphex(FIELD_EX32(cons, CMDQ_CONS, ERR), ==,
                    SMMUV3_AUX_CERROR_ILL);
    qsmmu_aux_writel(&c.s, A_CMDQ_PROD, UINT32_MAX);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CMDQ_CONS), ==, cons);
    expect_alive(&c, idr0);
    qsmmu_fix_stop(&c);
}

/*
 * The largest command queue IDR1.CMDQS allows, full of TLBI_NSNH_ALL but
 * for a CMD_SYNC at the end, published with one PROD write: every command
 * is consumed in that write, and QEMU answers right after.
 */
static void test_cmdq_flood(void)
{
    QSMMUAuxFix c;
    g_autofree SMMUv3AuxCmd *q = NULL;
    SMMUv3AuxCmd cmd;
    uint32_t n, i, cons;
    unsigned log2;
    uint64_t base;

    if (!start(&c)) {
        return;
    }
    log2 = MIN(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR1), IDR1, CMDQS), 19);
    n = 1u << log2;
    q = g_new(SMMUv3AuxCmd, n);
    qsmmu_aux_cmd_tlbi_nsnh_all(&cmd);
    for (i = 0; i < n; i++) {
        q[i].qw[0] = cpu_to_le64(cmd.qw[0]);
        q[i].qw[1] = cpu_to_le64(cmd.qw[1]);
    }
    qsmmu_aux_cmd_sync(&cmd, 0, 0, 0);             /* CS = SIG_NONE */
    q[n - 1].qw[0] = cpu_to_le64(cmd.qw[0]);
    q[n - 1].qw[1] = cpu_to_le64(cmd.qw[1]);

    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK));
    qsmmu_aux_cmdq_setup(&c.s, log2);
    base = c.s.cmdq;
    qtest_bufwrite(c.qts, base, q, (size_t)n * sizeof(*q));
    g_assert_true(qsmmu_aux_write_cr0(&c.s, R_CR0_EVENTQEN_MASK |
                                            R_CR0_CMDQEN_MASK));
    qsmmu_aux_writel(&c.s, A_CMDQ_PROD, 1u << log2);    /* all n: wrap */
    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    g_assert_cmphex(cons, ==, 1u << log2);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);
    qsmmu_fix_stop(&c);
}

/* ---- Page tables that loop ------------------------------------------------ */

/*
 * A level-0 table whose descriptors for IOVA at every level point back at
 * the table itself: the walk cannot loop (its levels are bounded), and at
 * level 3 the same descriptor (0b11) is a page, so the DMA reads the
 * table page.  An IOVA whose level-3 index meets a zero entry faults
 * there, F_TRANSLATION.
 */
static void test_pt_loop(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t t, desc, want;
    unsigned lvl, idx[4];

    if (!start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    t = qsmmu_aux_pt_ttb(&d.pt);
    qtest_memset(c.qts, t, 0, PAGE);
    for (lvl = 0; lvl < 4; lvl++) {
        idx[lvl] = (IOVA >> (39 - 9 * lvl)) & 511;
    }
    /* Bits [11:2] are IGNORED in a table descriptor, AF/AP/SH in a page. */
    desc = t | QSMMU_AUX_PTE_VALID | QSMMU_AUX_PTE_TABLE |
           QSMMU_AUX_S1_ATTRS_LINUX;
    for (lvl = 0; lvl < 4; lvl++) {
        qsmmu_aux_mem_writeq(&c.s, t + idx[lvl] * 8, desc);
    }
    qsmmu_fix_enable(&c);

    {
        g_autofree uint8_t *page = g_malloc(PAGE);

        qtest_memread(c.qts, t, page, PAGE);
        want = qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, page, PAGE);
    }
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, want);
    qsmmu_fix_expect_no_event(&c);

    /* Level-3 index idx[3] + 8 is none of idx[]: it holds zero. */
    qsmmu_fix_dma_fails(&c, true, IOVA + 8 * PAGE);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 8 * PAGE,
                           true, false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_stop(&c);
}

/* ---- MSIs aimed at the SMMU itself ---------------------------------------- */

/*
 * GERROR's MSI and a CMD_SYNC's MSI aimed at the SMMU's own GERRORN and
 * CMDQ_PROD: a write into the device from the device's own interrupt
 * path.  QEMU refuses the re-entrant access, the SMMU records the MSI
 * abort (GERROR.MSI_GERROR_ABT_ERR, MSI_CMDQ_ABT_ERR) or, on a model that
 * lets it through, the register takes the write; either way nothing hangs,
 * the error that caused the MSI stays recorded, and the queue works once
 * the guest acknowledges.
 */
static void test_msi_to_self(void)
{
    QSMMUAuxFix c;
    SMMUv3AuxCmd cmd;
    uint32_t idr0, cons, prod;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    if (!qsmmu_fix_require(FIELD_EX32(idr0, IDR0, MSI), "IDR0.MSI")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_aux_writeq(&c.s, A_GERROR_IRQ_CFG0, SMMU + A_GERRORN);
    qsmmu_aux_writel(&c.s, A_GERROR_IRQ_CFG1, 0);
    g_assert_true(qsmmu_aux_write_irq_ctrl(&c.s, R_IRQ_CTRL_GERROR_IRQEN_MASK));

    /*
     * A CMD_SYNC whose MSI writes CMDQ_PROD with the value it has once the
     * CMD_SYNC is published: harmless if a model lets it through.
     */
    prod = qsmmu_aux_q_inc(c.s.cmdq_prod, c.s.cmdq_log2size);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ,
                       SMMU + A_CMDQ_PROD, prod);
    qsmmu_aux_cmdq_submit(&c.s, &cmd);
    expect_alive(&c, idr0);
    /* Then an illegal command: CERROR_ILL raises GERROR and its MSI. */
    qsmmu_aux_cmd_raw(&cmd, 0x7f);
    qsmmu_aux_cmdq_submit(&c.s, &cmd);
    expect_alive(&c, idr0);
    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    g_assert_cmphex(FIELD_EX32(cons, CMDQ_CONS, ERR), ==,
                    SMMUV3_AUX_CERROR_ILL);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s) & R_GERROR_CMDQ_ERR_MASK,
                    ==, R_GERROR_CMDQ_ERR_MASK);

    /* __arm_smmu_cmdq_skip_err(): a CMD_SYNC over the bad entry, ack. */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_mem_write_qwords(&c.s, qsmmu_aux_cmdq_slot(&c.s,
                               qsmmu_aux_q_idx(cons, c.s.cmdq_log2size)),
                               cmd.qw, 2);
    qsmmu_aux_gerror_ack(&c.s);
    qsmmu_aux_cmdq_wait(&c.s);
    g_assert_true(qsmmu_aux_write_irq_ctrl(&c.s, 0));
    qsmmu_aux_gerror_ack(&c.s);
    qsmmu_fix_enable(&c);
    expect_works(&c);
    qsmmu_fix_stop(&c);
}

/* ---- DMA racing a reset ----------------------------------------------------- */

/*
 * Four devices run bursts through stage 1 from their own threads while
 * the machine is reset again and again: a DMA may see the SMMU before or
 * after the reset, never a half-reset one; QEMU answers, and the SMMU
 * comes up again after the last reset.
 */
static void test_dma_during_reset(void)
{
    enum { NDEV = 4, RESETS = 10 };
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxSTE ste;
    unsigned i, r;
    uint64_t a;
    uint32_t idr0;

    if (!qsmmu_fix_start(&c, qsmmu_fix_model(), NDEV - 1, NULL)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    for (r = 0; r < RESETS; r++) {
        qsmmu_fix_s1_4k(&c, &d);
        a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x8800);
        qsmmu_fix_s1_map4k(&d, IOVA, a);
        qsmmu_aux_ste_s1(&ste, d.cd);
        for (i = 1; i < NDEV; i++) {
            qsmmu_aux_write_ste(&c.s, QSMMU_FIX_EXTRA_SID(i - 1), &ste);
        }
        qsmmu_fix_enable(&c);
        for (i = 0; i < NDEV; i++) {
            QSMMUAuxTestdev *td = i ? &c.extra[i - 1] : &c.td;

            qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
            qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, 1 << 20);
            qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
            qsmmu_aux_td_start(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0, 0, 0);
        }
        qtest_system_reset(c.qts);
        expect_alive(&c, idr0);
        qsmmu_fix_after_reset(&c);
    }
    qsmmu_fix_enable(&c);
    expect_works(&c);
    qsmmu_fix_stop(&c);
}

/* ---- DMA racing an unplug ---------------------------------------------- */

/*
 * A test device behind a root port at 00:08.0, so that the guest can
 * unplug it: PCIe native hot-plug removes a device once software turns
 * its slot's power off (what Linux's pciehp does after device_del's
 * attention button; a guest may also do it at any time).  Bus 1, its
 * StreamID 0x100; the BAR within the virt board's 32-bit window.
 */
#define HOT_DEVFN       QPCI_DEVFN(8, 0)
#define HOT_SID         0x100
#define HOT_BAR         0x3e000000ULL
#define HOT_ARGS        "-device pcie-root-port,id=rp,bus=pcie.0,chassis=1," \
                        "addr=8.0 -device smmuv3-aux-testdev,bus=rp,id=hot"

static uint64_t hot_ecam(QSMMUAuxFix *c, unsigned bus, int devfn,
                         uint16_t off)
{
    return c->gbus.ecam_alloc_ptr + ((uint64_t)bus << 20) +
           ((uint64_t)devfn << 12) + off;
}

/* The root port's PCI Express capability. */
static uint16_t hot_exp_cap(QSMMUAuxFix *c)
{
    uint8_t off = qtest_readb(c->qts, hot_ecam(c, 0, HOT_DEVFN,
                                               PCI_CAPABILITY_LIST));

    while (off) {
        if (qtest_readb(c->qts, hot_ecam(c, 0, HOT_DEVFN, off)) ==
            PCI_CAP_ID_EXP) {
            return off;
        }
        off = qtest_readb(c->qts, hot_ecam(c, 0, HOT_DEVFN, off + 1));
    }
    g_assert_not_reached();
}

static void hot_slot_power(QSMMUAuxFix *c, bool on)
{
    qtest_writew(c->qts, hot_ecam(c, 0, HOT_DEVFN,
                                  hot_exp_cap(c) + PCI_EXP_SLTCTL),
                 on ? PCI_EXP_SLTCTL_PWR_IND_ON | PCI_EXP_SLTCTL_PWR_ON
                    : PCI_EXP_SLTCTL_PWR_IND_OFF | PCI_EXP_SLTCTL_PWR_OFF);
}

/* What firmware does: bus numbers, the port's window, the BAR. */
static void hot_enable(QSMMUAuxFix *c)
{
    QTestState *q = c->qts;

    qtest_writeb(q, hot_ecam(c, 0, HOT_DEVFN, PCI_SECONDARY_BUS), 1);
    qtest_writeb(q, hot_ecam(c, 0, HOT_DEVFN, PCI_SUBORDINATE_BUS), 1);
    qtest_writew(q, hot_ecam(c, 0, HOT_DEVFN, PCI_MEMORY_BASE),
                 HOT_BAR >> 16);
    qtest_writew(q, hot_ecam(c, 0, HOT_DEVFN, PCI_MEMORY_LIMIT),
                 HOT_BAR >> 16);
    qtest_writew(q, hot_ecam(c, 0, HOT_DEVFN, PCI_COMMAND),
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    g_assert_cmphex(qtest_readw(q, hot_ecam(c, 1, 0, PCI_VENDOR_ID)), ==,
                    SMMUV3_AUX_TESTDEV_VENDOR_ID);
    qtest_writel(q, hot_ecam(c, 1, 0, PCI_BASE_ADDRESS_0), HOT_BAR);
    qtest_writel(q, hot_ecam(c, 1, 0, PCI_BASE_ADDRESS_1), 0);
    qtest_writew(q, hot_ecam(c, 1, 0, PCI_COMMAND),
                 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* CMD_RESUME of @sid's stall @stag: Ac (bit 12) retries, Ab (13) aborts. */
static void resume(QSMMUAuxFix *c, uint32_t sid, uint16_t stag, bool retry)
{
    SMMUv3AuxCmd cmd;

    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_RESUME);
    cmd.qw[0] |= (uint64_t)sid << 32 | (retry ? 1 : 2) << 12;
    cmd.qw[1] = stag;
    qsmmu_fix_cmd(c, &cmd);
}

/* The test device's stage-1 domain, with CD.S: its faults stall. */
static void stall_domain(QSMMUAuxFix *c, QSMMUFixS1 *d)
{
    qsmmu_fix_s1_4k(c, d);
    d->cdv.qw[0] |= R_CD_0_S_MASK;
    qsmmu_fix_s1_write_cd(c, d);
}

/* An ASYNC command of the device behind the port. */
static void hot_start(QSMMUAuxFix *c, uint32_t cmd, uint64_t iova,
                      uint64_t count)
{
    QTestState *q = c->qts;

    qtest_writel(q, HOT_BAR + A_TD_BURST_PAGES, 1);
    qtest_writeq(q, HOT_BAR + A_TD_BURST_COUNT, count);
    qtest_writeq(q, HOT_BAR + A_TD_SRC, iova);
    qtest_writel(q, HOT_BAR + A_TD_LEN, PAGE);
    qtest_writel(q, HOT_BAR + A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    qtest_writel(q, HOT_BAR + A_TD_CMD, cmd);
    g_assert_cmphex(qtest_readl(q, HOT_BAR + A_TD_STATUS), ==,
                    R_TD_STATUS_BUSY_MASK);
}

/* Is /machine/peripheral/id there? */
static bool hot_present(QSMMUAuxFix *c, const char *id)
{
    QDict *rsp = qtest_qmp(c->qts, "{'execute': 'qom-list', 'arguments': "
                           "{'path': '/machine/peripheral'}}");
    QListEntry *e;
    bool found = false;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(rsp, "return"), e) {
        QDict *prop = qobject_to(QDict, qlist_entry_obj(e));

        found |= !strcmp(qdict_get_str(prop, "name"), id);
    }
    qobject_unref(rsp);
    return found;
}

/*
 * device_del, and the guest powers the slot off under the running DMA, as
 * pciehp does on the attention button: the device is unrealized (its
 * thread joined) and leaves the QOM tree.  (QEMU 10.0 sends no
 * DEVICE_DELETED for a device unplugged this way, an e1000e either: the
 * object is never finalized, so the test cannot wait for that event.)
 */
static void hot_remove(QSMMUAuxFix *c, const char *id, uint32_t idr0)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;

    qtest_qmp_device_del_send(c->qts, id);
    hot_slot_power(c, false);
    while (hot_present(c, id)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
    expect_alive(c, idr0);
    g_assert_cmphex(qtest_readw(c->qts, hot_ecam(c, 1, 0, PCI_VENDOR_ID)),
                    ==, 0xffff);
}

/*
 * A device is unplugged while its thread runs a burst through stage 1,
 * and again while its DMA is stalled in the SMMU (CD.S) waiting for a
 * CMD_RESUME that never comes: each time the unplug completes (the stall
 * ends with the device, as it stops mastering the bus), QEMU answers, no
 * further event is recorded, a device plugged into the same slot works,
 * and so does the SMMU.
 */
static void test_dma_during_unplug(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxSTE ste;
    SMMUv3AuxEvtRecord r;
    uint64_t a;
    uint32_t idr0;

    if (!qtest_has_device("pcie-root-port")) {
        g_test_skip("needs pcie-root-port");
        return;
    }
    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0, HOT_ARGS)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    qsmmu_aux_strtab_linear(&c.s, 9);
    qsmmu_aux_bringup(&c.s, 8, 8);
    qsmmu_fix_s1_init(&c, &d, 12, 1, 0);
    d.cdv.qw[0] |= R_CD_0_S_MASK;
    qsmmu_aux_write_cd(&c.s, d.cd, &d.cdv);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x9900);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_aux_ste_s1(&ste, d.cd);
    qsmmu_aux_write_ste(&c.s, HOT_SID, &ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);
    hot_enable(&c);

    hot_start(&c, SMMUV3_AUX_TD_CMD_BURST, IOVA, 1 << 22);
    hot_remove(&c, "hot", idr0);
    qsmmu_fix_expect_no_event(&c);

    qtest_qmp_device_add(c.qts, "smmuv3-aux-testdev", "hot2",
                         "{'bus': 'rp'}");
    hot_slot_power(&c, true);
    hot_enable(&c);
    hot_start(&c, SMMUV3_AUX_TD_CMD_READ, IOVA + PAGE, 0);
    while (!qsmmu_aux_evtq_pending(&c.s)) {
        g_usleep(1000);         /* the stall's record, from its thread */
    }
    qsmmu_fix_pop_event_ss(&c, &r, SMMUV3_AUX_EVT_F_TRANSLATION, HOT_SID,
                           false, 0);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, STALL));
    hot_remove(&c, "hot2", idr0);
    qsmmu_fix_expect_no_event(&c);
    /* The STAG is stale now: its RESUME does nothing. */
    resume(&c, HOT_SID, FIELD_EX64(r.qw[1], EVT_1, STAG), true);
    qsmmu_fix_expect_no_event(&c);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);

    qtest_qmp_device_add(c.qts, "smmuv3-aux-testdev", "hot3",
                         "{'bus': 'rp'}");
    hot_slot_power(&c, true);
    hot_enable(&c);
    qtest_writeq(c.qts, HOT_BAR + A_TD_SRC, IOVA);
    qtest_writel(c.qts, HOT_BAR + A_TD_LEN, PAGE);
    qtest_writel(c.qts, HOT_BAR + A_TD_CTRL, 0);
    qtest_writel(c.qts, HOT_BAR + A_TD_CMD, SMMUV3_AUX_TD_CMD_READ);
    g_assert_cmphex(qtest_readl(c.qts, HOT_BAR + A_TD_STATUS), ==,
                    QSMMU_FIX_TD_DONE);
    g_assert_cmphex(qtest_readq(c.qts, HOT_BAR + A_TD_RESULT), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x9900));
    /* expect_works() reuses ASID 1 for a new domain over IOVA. */
    qsmmu_aux_cmdq_invalidate_all(&c.s);
    expect_works(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Found by the whole-device fuzzer: a Function Level Reset while the
 * device's READ is stalled in the SMMU, bus mastering enabled again at
 * once (before the stall's waiter could see it off), and a new command:
 * the reset ends the stall (abort), the command runs instead of waiting
 * under the BQL for a CMD_RESUME no one can send, and QEMU answers.
 */
static void test_flr_during_stall(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxEvtRecord r;
    uint32_t idr0;
    uint64_t a;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    stall_domain(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x3300);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);

    qsmmu_fix_td_start_async(&c.td, SMMUV3_AUX_TD_CMD_READ, IOVA + PAGE, 0,
                             PAGE);
    while (!qsmmu_aux_evtq_pending(&c.s)) {
        g_usleep(1000);
    }
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, STALL));

    qsmmu_fix_td_flr(&c.td);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x3300));
    expect_alive(&c, idr0);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Found by the whole-device fuzzer: a synchronous test-device WRITE of
 * 16 MiB into the virt board's flash, which rebuilds the memory map on
 * every word, all inside one MMIO write and its RCU read section: QEMU
 * grew by gigabytes until the OOM killer came.  A command without ASYNC
 * reaches RAM only now: it fails at the first access, QEMU stays small;
 * the same DMA with ASYNC (the device's thread, one RCU section a page)
 * reaches the flash.
 */
static void test_sync_dma_to_rom_device(void)
{
    QSMMUAuxFix c;
    SMMUv3AuxSTE ste;
    uint64_t rss;
    uint32_t idr0;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    qsmmu_aux_ste_bypass(&ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);
    rss = qsmmu_fix_rss_anon_kb(c.qts);

    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_WRITE, 0, 0,
                                     SMMUV3_AUX_TESTDEV_MAX_LEN, 0x40ff40ff),
                    ==, QSMMU_FIX_TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_err_addr(&c.td), ==, 0);
    expect_alive(&c, idr0);
    g_assert_cmpuint(qsmmu_fix_rss_anon_kb(c.qts), <, rss + 32 * 1024);

    qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_WRITE, 0, 0,
                                     PAGE, 0x40ff40ff), ==,
                    QSMMU_FIX_TD_DONE);
    expect_alive(&c, idr0);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Found by the whole-device fuzzer: while a DMA is stalled the guest
 * changes the memory map again and again (here Memory Space Enable of a
 * second device, 2000 times).  A stall waited for inside the IOMMU
 * callback held the DMA's RCU read section, so no replaced FlatView could
 * be freed: QEMU grew by about 0.5 MiB a change.  Parked, the stall holds
 * nothing; the heap stays flat, and the CMD_RESUME still completes the
 * DMA with the right data.
 */
static void test_stall_while_map_changes(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxEvtRecord r;
    QPCIDevice *other;
    uint64_t a, rss;

    if (!qsmmu_fix_start(&c, "smmuv3-aux", 1, NULL)) {
        return;
    }
    other = c.extra[0].dev;
    stall_domain(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x6600);
    qsmmu_fix_enable(&c);

    qsmmu_fix_td_start_async(&c.td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0, PAGE);
    while (!qsmmu_aux_evtq_pending(&c.s)) {
        g_usleep(1000);
    }
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, STALL));
    rss = qsmmu_fix_rss_anon_kb(c.qts);
    for (unsigned i = 0; i < 2000; i++) {
        qpci_config_writew(other, PCI_COMMAND,
                           i & 1 ? PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
                                 : PCI_COMMAND_MASTER);
        if (i % 50 == 49) {
            g_usleep(20 * 1000);    /* call_rcu's thread frees a batch */
        }
    }
    g_assert_cmpuint(qsmmu_fix_rss_anon_kb(c.qts), <, rss + 64 * 1024);

    /* The fault's page mapped now, then Retry: the READ completes. */
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    resume(&c, SID, FIELD_EX64(r.qw[1], EVT_1, STAG), true);
    g_assert_cmphex(qsmmu_fix_td_wait(&c.td), ==, QSMMU_FIX_TD_DONE);
    g_assert_cmphex(qsmmu_aux_td_result(&c.td), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x6600));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* Pop the pending records; how many said Stall = 1, the last one's STAG. */
static unsigned pop_stalls(QSMMUAuxFix *c, uint16_t *stag)
{
    SMMUv3AuxEvtRecord r;
    unsigned n = 0;

    while (qsmmu_aux_evtq_pop(&c->s, &r)) {
        if (FIELD_EX64(r.qw[1], EVT_1, STALL)) {
            *stag = FIELD_EX64(r.qw[1], EVT_1, STAG);
            n++;
        }
    }
    return n;
}

/*
 * Found in review of the parking: one TD_CTRL.CACHED access that crosses
 * into a second faulting page must not park a second stall over the
 * first, whose handle would be lost and whose slot never freed; 70 of
 * them (more than the 64 slots) and a DMA still stalls.  Each access
 * stalls once (the second page terminates: one parked stall a master at
 * a time), and its CMD_RESUME (abort) ends the command.
 */
static void test_stall_cached_two_pages(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint16_t stag = 0;

    if (!start(&c)) {
        return;
    }
    stall_domain(&c, &d);
    qsmmu_fix_enable(&c);
    for (unsigned i = 0; i < 70; i++) {
        qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL,
                       R_TD_CTRL_CACHED_MASK | R_TD_CTRL_ASYNC_MASK);
        qsmmu_aux_td_start(&c.td, SMMUV3_AUX_TD_CMD_READ, IOVA + PAGE - 8, 0,
                           16, 0);
        while (qsmmu_aux_evtq_pending(&c.s) < 2) {
            g_usleep(100);
        }
        g_assert_cmpuint(pop_stalls(&c, &stag), ==, 1);
        resume(&c, SID, stag, false);
        g_assert_cmphex(qsmmu_fix_td_wait(&c.td), ==, QSMMU_FIX_TD_ERROR);
    }
    /* The slots were all freed: a plain DMA still stalls. */
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    qsmmu_aux_td_start(&c.td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0, 4, 0);
    while (!qsmmu_aux_evtq_pending(&c.s)) {
        g_usleep(100);
    }
    g_assert_cmpuint(pop_stalls(&c, &stag), ==, 1);
    resume(&c, SID, stag, false);
    g_assert_cmphex(qsmmu_fix_td_wait(&c.td), ==, QSMMU_FIX_TD_ERROR);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Found in review of the fuzzer's findings: CMD_SYNCs whose MSIs (CS =
 * SIG_IRQ) go to the virt flash, alternating the flash's Read ID and Read
 * Array commands, so that every MSI rebuilds the memory map, all inside
 * one CMDQ_PROD write and its RCU read section.  The SMMU writes MSIs to
 * device memory from a bottom half now: the heap stays flat, the queue
 * completes, and QEMU answers.
 */
static void test_msi_to_rom_device(void)
{
    QSMMUAuxFix c;
    SMMUv3AuxCmd cmd;
    uint64_t rss;
    unsigned n;
    uint32_t idr0;

    if (!start(&c)) {
        return;
    }
    idr0 = qsmmu_aux_readl(&c.s, A_IDR0);
    n = (1u << c.s.cmdq_log2size) - 1;
    rss = qsmmu_fix_rss_anon_kb(c.qts);
    for (unsigned i = 0; i < n; i++) {
        qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, 0x1000,
                           i & 1 ? 0x00ff00ff : 0x00900090);
        qsmmu_aux_cmdq_put(&c.s, &cmd);
    }
    qsmmu_aux_cmdq_publish(&c.s);
    qsmmu_aux_cmdq_wait(&c.s);
    expect_alive(&c, idr0);
    g_assert_cmpuint(qsmmu_fix_rss_anon_kb(c.qts), <, rss + 16 * 1024);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

static const uint64_t strtab_own_mmio = SMMU;
static const uint64_t strtab_hole = PA_UNMAPPED;

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/smmuv3-conformance/hostile/strtab-in-own-mmio",
                        &strtab_own_mmio, test_strtab_not_ram);
    qtest_add_data_func("/smmuv3-conformance/hostile/strtab-in-hole",
                        &strtab_hole, test_strtab_not_ram);
    qtest_add_func("/smmuv3-conformance/hostile/ttb-in-own-mmio",
                   test_ttb_in_own_mmio);
    qtest_add_data_func("/smmuv3-conformance/hostile/cmdq-in-own-mmio",
                        GUINT_TO_POINTER(false), test_cmdq_not_ram);
    qtest_add_data_func("/smmuv3-conformance/hostile/cmdq-max-at-top",
                        GUINT_TO_POINTER(true), test_cmdq_not_ram);
    qtest_add_func("/smmuv3-conformance/hostile/evtq-in-own-mmio",
                   test_evtq_in_own_mmio);
    qtest_add_func("/smmuv3-conformance/hostile/cmdq-prod-jump",
                   test_cmdq_prod_jump);
    qtest_add_func("/smmuv3-conformance/hostile/cmdq-flood",
                   test_cmdq_flood);
    qtest_add_func("/smmuv3-conformance/hostile/pt-loop", test_pt_loop);
    qtest_add_func("/smmuv3-conformance/hostile/msi-to-self",
                   test_msi_to_self);
    qtest_add_func("/smmuv3-conformance/hostile/dma-during-reset",
                   test_dma_during_reset);
    qtest_add_func("/smmuv3-conformance/hostile/sync-dma-to-rom-device",
                   test_sync_dma_to_rom_device);
    qtest_add_func("/smmuv3-conformance/hostile/msi-to-rom-device",
                   test_msi_to_rom_device);
    if (!strcmp(qsmmu_fix_model(), "smmuv3-aux")) {
        qtest_add_func("/smmuv3-conformance/hostile/dma-during-unplug",
                       test_dma_during_unplug);
        qtest_add_func("/smmuv3-conformance/hostile/flr-during-stall",
                       test_flr_during_stall);
        qtest_add_func("/smmuv3-conformance/hostile/stall-while-map-changes",
                       test_stall_while_map_changes);
        qtest_add_func("/smmuv3-conformance/hostile/stall-cached-two-pages",
                       test_stall_cached_two_pages);
    }
    return g_test_run();
}
