/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Migration of arm-smmuv3-aux and smmuv3-aux-testdev: a source QEMU is
 * left in the middle of a stream of commands and events, with its command
 * queue stopped in CERROR behind an illegal command and more commands
 * after it, its event queue overflowed, and global errors not
 * acknowledged; it migrates to a file, and a destination started with
 * -incoming from that file must read back the same registers, deliver the
 * events the source recorded, go on with the queues where the source
 * stopped once the guest fixes the error, and translate through the same
 * tables (hw/arm/smmuv3-aux/migration.c says what migrates).
 */

#include "qemu/osdep.h"
#include "qobject/qdict.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
#define HOLE            (IOVA + 0x100000ULL)    /* mapped by nothing */

/* Every register of pages 0 and 1 that has state. */
static const uint64_t regs[] = {
    A_IDR0, A_IDR1, A_IDR3, A_IDR5, A_IIDR, A_AIDR, A_CR0, A_CR0ACK, A_CR1,
    A_CR2, A_GBPA, A_IRQ_CTRL, A_IRQ_CTRLACK, A_GERROR, A_GERRORN,
    A_GERROR_IRQ_CFG0, A_GERROR_IRQ_CFG0 + 4, A_GERROR_IRQ_CFG1,
    A_GERROR_IRQ_CFG2, A_STRTAB_BASE, A_STRTAB_BASE + 4, A_STRTAB_BASE_CFG,
    A_CMDQ_BASE, A_CMDQ_BASE + 4, A_CMDQ_PROD, A_CMDQ_CONS, A_EVENTQ_BASE,
    A_EVENTQ_BASE + 4, A_EVENTQ_PROD, A_EVENTQ_CONS, A_EVENTQ_IRQ_CFG0,
    A_EVENTQ_IRQ_CFG0 + 4, A_EVENTQ_IRQ_CFG1, A_EVENTQ_IRQ_CFG2,
};

static void read_regs(QSMMUAux *s, uint32_t *out)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        out[i] = qsmmu_aux_readl(s, regs[i]);
    }
}

/* Migrate @f's QEMU to a new one started with @dst_args; go on there. */
static void migrate(QSMMUAuxFix *f, const char *iommu, const char *dst_args)
{
    g_autofree char *cmd = qsmmu_fix_cmdline(iommu, f->nextra, dst_args);

    qsmmu_fix_migrated(f, qsmmu_fix_migrate(f->qts, cmd));
}

/* The record at event-queue index @idx: F_TRANSLATION of a READ at @va. */
static void expect_fault_at(QSMMUAux *s, uint32_t idx, uint64_t va)
{
    SMMUv3AuxEvtRecord r;

    qsmmu_aux_evtq_peek(s, idx, &r);
    g_assert_cmphex(FIELD_EX64(r.qw[0], EVT_0, EVENTID), ==,
                    SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_cmphex(FIELD_EX64(r.qw[0], EVT_0, SID), ==, QSMMU_FIX_SID);
    g_assert_cmphex(r.qw[2], ==, va);
}

static void test_migrate_mid_stream(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint32_t before[ARRAY_SIZE(regs)], after[ARRAY_SIZE(regs)];
    uint64_t a, b, bad, msi;
    uint32_t gerror;

    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0, NULL)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x1000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x2000);
    msi = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    /* A 2-entry event queue, so that three faults overflow it. */
    qsmmu_aux_bringup(&c.s, 8, 1);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x1000));

    /* Events: two recorded, the third lost to the overflow. */
    qsmmu_fix_dma_fails(&c, true, HOLE);
    qsmmu_fix_dma_fails(&c, true, HOLE + PAGE);
    qsmmu_fix_dma_fails(&c, true, HOLE + 2 * PAGE);
    g_assert_cmphex(qsmmu_aux_evtq_prod(&c.s), ==, SMMUV3_AUX_Q_OVF | 0x2);

    /*
     * Commands: remap IOVA to b with its TLBI, then an illegal command
     * (CERROR_ILL, GERROR.CMDQ_ERR active), then a CMD_SYNC whose MSI
     * would write 0x5eed into msi: it must wait for the error's fix.
     */
    qsmmu_fix_s1_map4k(&d, IOVA, b);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
    qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmd_raw(&cmd, 0x7f);              /* Reserved opcode */
    bad = qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, msi, 0x5eed);
    qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmdq_publish(&c.s);
    g_assert_cmphex(qsmmu_aux_cmdq_wait(&c.s) & R_CMDQ_CONS_ERR_MASK, ==,
                    SMMUV3_AUX_CERROR_ILL << R_CMDQ_CONS_ERR_SHIFT);
    gerror = qsmmu_aux_gerror_active(&c.s);
    g_assert_cmphex(gerror & R_GERROR_CMDQ_ERR_MASK, ==,
                    R_GERROR_CMDQ_ERR_MASK);
    read_regs(&c.s, before);

    migrate(&c, "smmuv3-aux", NULL);

    read_regs(&c.s, after);
    g_assert_cmpmem(after, sizeof(after), before, sizeof(before));
    /* The events the source recorded are there, the overflow flagged. */
    expect_fault_at(&c.s, 0, HOLE);
    expect_fault_at(&c.s, 1, HOLE + PAGE);
    c.s.evtq_cons = 0x2;
    qsmmu_aux_evtq_write_cons(&c.s, true);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_EVENTQ_CONS), ==,
                    SMMUV3_AUX_Q_OVF | 0x2);
    /* The queue waits for the fix, then runs on: the MSI lands. */
    g_assert_cmphex(qsmmu_aux_mem_readl(&c.s, msi), ==,
                    QSMMU_FIX_SENTINEL * 0x01010101u);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_mem_write_qwords(&c.s, bad, cmd.qw, 2);
    qsmmu_aux_gerror_ack(&c.s);
    g_assert_cmphex(qsmmu_aux_cmdq_wait(&c.s) & ~R_CMDQ_CONS_ERR_MASK, ==,
                    c.s.cmdq_prod);
    g_assert_cmphex(qsmmu_aux_mem_readl(&c.s, msi), ==, 0x5eed);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);
    /* The same tables translate, with the remap the TLBI announced. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x2000));
    qsmmu_fix_dma_fails(&c, true, HOLE + 3 * PAGE);
    expect_fault_at(&c.s, 0, HOLE + 3 * PAGE);     /* slot 0 again */
    qsmmu_fix_stop(&c);
}

/*
 * A translation the source cached, whose PTE the guest then changed
 * without a TLBI, may be stale on the source; the destination starts with
 * empty caches (and micro-TLBs), so it walks the tables it has.
 */
static void test_migrate_caches_empty(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;

    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0, NULL)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x3000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x4000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x3000));
    qsmmu_fix_s1_map4k(&d, IOVA, b);           /* no TLBI */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x3000));

    migrate(&c, "smmuv3-aux", NULL);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x4000));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * A destination whose properties give other ID registers refuses, and so
 * does one with virtual command queues the source did not have.
 */
static void test_migrate_mismatch(const void *data)
{
    g_autofree char *args = g_strdup_printf("-global %s", (const char *)data);
    g_autofree char *cmd = NULL;
    QSMMUAuxFix c;

    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0, NULL)) {
        return;
    }
    cmd = qsmmu_fix_cmdline("smmuv3-aux", 0, args);
    qsmmu_fix_migrate_refused(c.qts, cmd);
    qsmmu_fix_stop(&c);
}

/*
 * An ASYNC job running when the VM stops completes before the device
 * state is saved: the destination reads DONE and the job's result.
 */
static void test_migrate_async_job(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    QSMMUAuxTestdev *td;
    uint64_t a;

    if (!qsmmu_fix_start(&c, "smmuv3-aux", 0, NULL)) {
        return;
    }
    td = &c.td;
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x5000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);
    /* A burst of some seconds over one page: it is surely still running. */
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, 8 << 20);
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    qsmmu_aux_td_start(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0, 0, 0);
    g_assert_cmphex(qpci_io_readl(td->dev, td->bar, A_TD_STATUS), ==,
                    R_TD_STATUS_BUSY_MASK);

    migrate(&c, "smmuv3-aux", NULL);

    td = &c.td;
    g_assert_cmphex(qpci_io_readl(td->dev, td->bar, A_TD_STATUS), ==,
                    R_TD_STATUS_DONE_MASK);
    g_assert_cmpuint(qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT), >=,
                     8 << 20);
    /* The page's first byte, summed over every DMA of the burst. */
    g_assert_cmphex(qsmmu_aux_td_result(td), ==,
                    (uint64_t)qtest_readb(c.qts, a) * (8 << 20));
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-migration/mid-stream",
                   test_migrate_mid_stream);
    qtest_add_func("/smmuv3-aux-migration/caches-empty",
                   test_migrate_caches_empty);
    qtest_add_data_func("/smmuv3-aux-migration/idr-mismatch",
                        "arm-smmuv3-aux.ssidsize=0", test_migrate_mismatch);
    qtest_add_data_func("/smmuv3-aux-migration/cmdqv-mismatch",
                        "arm-smmuv3-aux.cmdqv=on", test_migrate_mismatch);
    qtest_add_func("/smmuv3-aux-migration/async-job", test_migrate_async_job);
    return g_test_run();
}
