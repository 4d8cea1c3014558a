/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ATS and PRI qtests of smmuv3-aux (IHI 0070 3.9.1, 4.5.1 CMD_ATC_INV,
 * 4.7.3 CMD_SYNC; chapter 8 and 4.5.2 CMD_PRI_RESP): the test device's
 * ATC asks the SMMU for translations, DMAs with Translated requests, and
 * is invalidated by CMD_ATC_INV; a CMD_SYNC waits for its Invalidation
 * Completions (TD_ATS_CTRL.HOLD keeps them) and fails with
 * CERROR_ATC_INV_SYNC when they never come.  The device's Page Requests
 * land in the PRI queue and its PRG Responses come from CMD_PRI_RESP, or
 * from the SMMU itself.  A DMA from the device's own thread that faults at
 * a stage configured to stall (CD.S) waits in the SMMU for CMD_RESUME or
 * CMD_STALL_TERM (3.12.2, 4.7), and nothing makes QEMU wait for a stall
 * forever.  Every check is on the guest's view: memory the
 * device read or wrote, the device's counters, the queues' pointers and
 * records, GERROR and the event queue.
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "standard-headers/linux/pci_regs.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
#define TD_DONE         QSMMU_FIX_TD_DONE
#define TD_ERROR        QSMMU_FIX_TD_ERROR
#define INV_TIMEOUT_MS  100

#define ATS_ARGS        "-global arm-smmuv3-aux.ats-inv-timeout=" \
                        G_STRINGIFY(INV_TIMEOUT_MS)

static bool ats_start(QSMMUAuxFix *c)
{
    return qsmmu_fix_start(c, "smmuv3-aux", 0, ATS_ARGS);
}

/* Migrate c's QEMU to a new one (to a file); go on there. */
static void ats_migrate(QSMMUAuxFix *c)
{
    g_autofree char *cmd = qsmmu_fix_cmdline("smmuv3-aux", 0, ATS_ARGS);

    qsmmu_fix_migrated(c, qsmmu_fix_migrate(c->qts, cmd));
}

/*
 * Extended configuration space, through ECAM: libqos's config accessors
 * take 8-bit offsets.
 */
static uint64_t ecam(QSMMUAuxFix *c, uint16_t off)
{
    return c->gbus.ecam_alloc_ptr + (c->td.dev->devfn << 12) + off;
}

/* The offset of the device's Extended Capability id. */
static uint16_t ext_cap(QSMMUAuxFix *c, uint16_t id)
{
    uint16_t off = PCI_CFG_SPACE_SIZE;

    while (off) {
        uint32_t hdr = qtest_readl(c->qts, ecam(c, off));

        if (PCI_EXT_CAP_ID(hdr) == id) {
            return off;
        }
        off = PCI_EXT_CAP_NEXT(hdr);
    }
    g_assert_not_reached();
}

static uint16_t ats_cap(QSMMUAuxFix *c)
{
    return ext_cap(c, PCI_EXT_CAP_ID_ATS);
}

/* ATS Enable in the device's capability, STU 4 KiB (what Linux writes). */
static void ats_enable_dev(QSMMUAuxFix *c, bool on)
{
    qtest_writew(c->qts, ecam(c, ats_cap(c) + PCI_ATS_CTRL),
                 on ? PCI_ATS_CTRL_ENABLE : 0);
}

static uint64_t td_reg(QSMMUAuxTestdev *td, uint64_t off)
{
    return qpci_io_readq(td->dev, td->bar, off);
}

/* STE.EATS of the fixture's device, published with CFGI_STE. */
static void set_eats(QSMMUAuxFix *c, QSMMUFixS1 *d, unsigned eats)
{
    SMMUv3AuxSTE ste;

    qsmmu_aux_ste_s1(&ste, d->cd);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, EATS, eats);
    qsmmu_fix_ste_update(c, SID, &ste);
}

/*
 * A stage-1 domain with IOVA -> a and IOVA + PAGE -> b, EATS = 1, the
 * SMMU on, ATS on in the device, and the device's DMA through its ATC.
 */
static void ats_setup(QSMMUAuxFix *c, QSMMUFixS1 *d, uint64_t *a,
                      uint64_t *b)
{
    qsmmu_fix_s1_4k(c, d);
    *a = qsmmu_fix_alloc_data(c, PAGE, PAGE, 0xa0000);
    *b = qsmmu_fix_alloc_data(c, PAGE, PAGE, 0xb0000);
    qsmmu_fix_s1_map4k(d, IOVA, *a);
    qsmmu_fix_s1_map4k(d, IOVA + PAGE, *b);
    qsmmu_fix_enable(c);
    set_eats(c, d, SMMUV3_AUX_STE_EATS_FULL);
    ats_enable_dev(c, true);
    qpci_io_writel(c->td.dev, c->td.bar, A_TD_CTRL, R_TD_CTRL_ATS_MASK);
}

static SMMUv3AuxCmd cmd_atc_inv(uint32_t sid, uint64_t addr, unsigned size)
{
    SMMUv3AuxCmd cmd;

    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_ATC_INV);
    cmd.qw[0] |= (uint64_t)sid << 32;
    cmd.qw[1] = addr | size;
    return cmd;
}

/*
 * A miss sends one Translation Request and the data comes from the page
 * the table maps; the next access hits the ATC.  A Translated write lands
 * where the translation said.
 */
static void test_translate_and_hit(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xa0000));
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HITS), ==, 0);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HITS), ==, 1);
    qsmmu_fix_dma_write(&c, IOVA + PAGE, PAGE, 0x77000);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x77000);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The ATC keeps a translation the tables no longer have until CMD_ATC_INV
 * (3.9.1: the SMMU's TLBIs do not reach it); after ATC_INV + CMD_SYNC
 * the device asks again and reads the new page.  A span that does not
 * cover the page leaves it cached.
 */
static void test_atc_inv(void)
{
    SMMUv3AuxCmd cmds[2];
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA, b);
    qsmmu_aux_cmd_tlbi_nh_va(&cmds[0], 0, d.asid, IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c, &cmds[0]);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xa0000));
    /* The next 8 KiB span: not our page. */
    cmds[0] = cmd_atc_inv(SID, IOVA + 2 * PAGE, 1);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmds, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_INVS), ==, 1);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 1);
    /* Its 8 KiB span, from an unaligned address (4.5.1: aligned down). */
    cmds[0] = cmd_atc_inv(SID, IOVA + PAGE, 1);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmds, 1);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xb0000));
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 2);
    /* Another StreamID's invalidation is not for this device. */
    cmds[0] = cmd_atc_inv(SID + 1, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmds, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_INVS), ==, 2);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The device holds its Invalidation Completions; inv then a CMD_SYNC are
 * published.  Returns the CMD_SYNC's index (with the wrap bit).
 */
static uint32_t held_inv_then_sync(QSMMUAuxFix *c, const SMMUv3AuxCmd *inv)
{
    SMMUv3AuxCmd sync;
    uint32_t at_sync;

    qpci_io_writel(c->td.dev, c->td.bar, A_TD_ATS_CTRL,
                   R_TD_ATS_CTRL_HOLD_MASK);
    qsmmu_aux_cmd_sync(&sync, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_cmdq_put(&c->s, inv);
    at_sync = qsmmu_aux_q_wrp_idx(c->s.cmdq_prod, c->s.cmdq_log2size);
    qsmmu_aux_cmdq_put(&c->s, &sync);
    qsmmu_aux_cmdq_publish(&c->s);
    return at_sync;
}

/*
 * With the device holding its completions, the CMD_SYNC after an ATC_INV
 * does not complete (CONS stays on it, commands before it are consumed)
 * until the device sends them.
 */
static void test_sync_waits(void)
{
    SMMUv3AuxCmd inv = cmd_atc_inv(SID, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;
    uint32_t at_sync;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    at_sync = held_inv_then_sync(&c, &inv);
    for (int i = 0; i < 10; i++) {
        g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CMDQ_CONS), ==, at_sync);
    }
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HELD), ==, 1);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_ATS_RELEASE, 1);
    g_assert_cmphex(qsmmu_aux_cmdq_wait(&c.s), ==,
                    qsmmu_aux_q_wrp_idx(c.s.cmdq_prod, c.s.cmdq_log2size));
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HELD), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);
    qsmmu_fix_stop(&c);
}

/*
 * A CMD_SYNC waiting for held completions migrates waiting: on the
 * destination CONS stays on it, the device still holds the completion,
 * and the timer is armed again; the completion
 * released there lets the CMD_SYNC complete.  The second time the device
 * never answers: the destination's timeout fails the CMD_SYNC.
 */
static void test_sync_waits_migrate(void)
{
    SMMUv3AuxCmd inv = cmd_atc_inv(SID, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;
    uint32_t at_sync;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    at_sync = held_inv_then_sync(&c, &inv);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HELD), ==, 1);
    ats_migrate(&c);
    qtest_clock_step(c.qts, (INV_TIMEOUT_MS / 2) * SCALE_MS);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CMDQ_CONS), ==, at_sync);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HELD), ==, 1);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_ATS_RELEASE, 1);
    g_assert_cmphex(qsmmu_aux_cmdq_wait(&c.s), ==,
                    qsmmu_aux_q_wrp_idx(c.s.cmdq_prod, c.s.cmdq_log2size));
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);

    at_sync = held_inv_then_sync(&c, &inv);
    ats_migrate(&c);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CMDQ_CONS), ==, at_sync);
    /*
     * The deadline is in virtual time, which a VM's migration carries on
     * but qtest's clock does not (it starts at 0): step past it anyway.
     */
    qtest_clock_step(c.qts, 3 * INV_TIMEOUT_MS * SCALE_MS);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==,
                    R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmpuint(FIELD_EX32(qsmmu_aux_readl(&c.s, A_CMDQ_CONS),
                                CMDQ_CONS, ERR), ==,
                     SMMUV3_AUX_CERROR_ATC_INV_SYNC);
    qsmmu_fix_stop(&c);
}

/*
 * A device that never answers: after ats-inv-timeout the CMD_SYNC fails
 * with CERROR_ATC_INV_SYNC (CONS on it, GERROR.CMDQ_ERR); once GERRORN
 * acknowledges the error the CMD_SYNC is retried and completes, and the
 * late completion changes nothing.
 */
static void test_sync_timeout(void)
{
    SMMUv3AuxCmd inv = cmd_atc_inv(SID, IOVA, 0);
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;
    uint32_t at_sync, cons;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    at_sync = held_inv_then_sync(&c, &inv);
    qtest_clock_step(c.qts, (INV_TIMEOUT_MS - 1) * SCALE_MS);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);
    qtest_clock_step(c.qts, 2 * SCALE_MS);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==,
                    R_GERROR_CMDQ_ERR_MASK);
    cons = qsmmu_aux_readl(&c.s, A_CMDQ_CONS);
    g_assert_cmphex(qsmmu_aux_q_wrp_idx(cons, c.s.cmdq_log2size), ==,
                    at_sync);
    g_assert_cmpuint(FIELD_EX32(cons, CMDQ_CONS, ERR), ==,
                     SMMUV3_AUX_CERROR_ATC_INV_SYNC);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_ATS_RELEASE, 1);
    qsmmu_aux_gerror_ack(&c.s);
    g_assert_cmphex(qsmmu_aux_cmdq_wait(&c.s), ==,
                    qsmmu_aux_q_wrp_idx(c.s.cmdq_prod, c.s.cmdq_log2size));
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==, 0);
    qsmmu_fix_stop(&c);
}

/*
 * Requests the tables refuse: an unmapped page is a successful
 * translation with no access (R = W = 0) and no event (3.9.1.2), so the
 * DMA fails; EATS = 0 makes every request UR with F_BAD_ATS_TREQ; with
 * ATS disabled in the device's capability none leaves the device.
 */
static void test_refused(void)
{
    SMMUv3AuxEvtRecord r;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    qsmmu_fix_dma_fails(&c, true, IOVA + 2 * PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 1);
    qsmmu_fix_expect_no_event(&c);

    set_eats(&c, &d, 0);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_BAD_ATS_TREQ);
    g_assert_cmphex(r.qw[2], ==, IOVA);
    qsmmu_fix_expect_no_event(&c);

    set_eats(&c, &d, SMMUV3_AUX_STE_EATS_FULL);
    ats_enable_dev(&c, false);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * CR0.ATSCHK = 1: a Translated access is checked against its STE.  With
 * EATS = 1 the cached translation works; once the STE becomes bypass the
 * same cached translation is refused with F_TRANSL_FORBIDDEN (3.9.1.3).
 */
static void test_atschk(void)
{
    SMMUv3AuxEvtRecord r;
    SMMUv3AuxSTE ste;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;
    uint32_t cr0;

    if (!ats_start(&c)) {
        return;
    }
    ats_setup(&c, &d, &a, &b);
    cr0 = qsmmu_aux_readl(&c.s, A_CR0);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, cr0 | R_CR0_ATSCHK_MASK));
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    qsmmu_aux_ste_bypass(&ste);
    qsmmu_fix_ste_update(&c, SID, &ste);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_HITS), ==, 1);
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_TRANSL_FORBIDDEN);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * ATS with PASIDs: the ATC keeps a translation per PASID (each PASID's CD
 * maps IOVA to its own page); CMD_ATC_INV with SSV = 1 reaches only its
 * PASID's entries, one without SSV those of every PASID.
 */
static void test_atc_pasid(void)
{
    QSMMUAuxFix c;
    QSMMUFixCDTab t;
    QSMMUFixS1 d1, d2;
    SMMUv3AuxCmd cmd;
    uint64_t a1, a2, ste1, invs;

    if (!ats_start(&c)) {
        return;
    }
    qsmmu_fix_cdtab_init(&c, &t, SMMUV3_AUX_STE_S1FMT_LINEAR, 2, 0);
    qsmmu_fix_s1_init_ss(&c, &d1, &t, 1, 12, 11, 0);
    qsmmu_fix_s1_init_ss(&c, &d2, &t, 2, 12, 12, 0);
    a1 = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa1000);
    a2 = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa2000);
    qsmmu_fix_s1_map4k(&d1, IOVA, a1);
    qsmmu_fix_s1_map4k(&d2, IOVA, a2);
    qsmmu_fix_ste_ss(&c, SID, &t, SMMUV3_AUX_STE_S1DSS_TERMINATE, NULL);
    ste1 = qsmmu_aux_mem_readq(&c.s, qsmmu_aux_ste_addr(&c.s, SID) + 8);
    qsmmu_aux_mem_writeq(&c.s, qsmmu_aux_ste_addr(&c.s, SID) + 8,
                         FIELD_DP64(ste1, STE_1, EATS,
                                    SMMUV3_AUX_STE_EATS_FULL));
    qsmmu_fix_enable(&c);
    ats_enable_dev(&c, true);
    qtest_writew(c.qts, ecam(&c, ext_cap(&c, PCI_EXT_CAP_ID_PASID) +
                             PCI_PASID_CTRL), PCI_PASID_CTRL_ENABLE);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL, R_TD_CTRL_ATS_MASK);

    qsmmu_fix_set_ssid(&c.td, 1);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xa1000));
    qsmmu_fix_set_ssid(&c.td, 2);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xa2000));
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 2);

    /* PASID 2's invalidation: PASID 1 still hits, 2 asks again. */
    invs = td_reg(&c.td, A_TD_ATC_INVS);
    cmd = cmd_atc_inv(SID, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    cmd.qw[0] |= R_CMD_0_SSV_MASK | 2ULL << R_CMD_0_SSID_SHIFT;
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_INVS), ==, invs + 1);
    qsmmu_fix_set_ssid(&c.td, 1);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 2);
    qsmmu_fix_set_ssid(&c.td, 2);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 3);

    /* Without SSV: every space (none, PASID 1, PASID 2) is invalidated. */
    invs = td_reg(&c.td, A_TD_ATC_INVS);
    cmd = cmd_atc_inv(SID, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_INVS), ==, invs + 3);
    qsmmu_fix_set_ssid(&c.td, 1);
    qsmmu_fix_dma_read(&c, IOVA, PAGE);
    g_assert_cmpuint(td_reg(&c.td, A_TD_ATC_MISSES), ==, 4);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* ---- PRI ------------------------------------------------------------- */

#define PRIQ_LOG2       1       /* 2 entries */

/* A PRI queue of 2 entries, PRIQEN, and PRI enabled in the device. */
static uint64_t pri_setup(QSMMUAuxFix *c)
{
    uint64_t priq = qsmmu_aux_alloc(&c->s, 16 << PRIQ_LOG2, 64);
    uint32_t cr0;

    qsmmu_fix_enable(c);
    qsmmu_aux_writeq(&c->s, A_PRIQ_BASE, priq | PRIQ_LOG2);
    cr0 = qsmmu_aux_readl(&c->s, A_CR0);
    g_assert_true(qsmmu_aux_write_cr0(&c->s, cr0 | R_CR0_PRIQEN_MASK));
    qtest_writew(c->qts, ecam(c, ext_cap(c, PCI_EXT_CAP_ID_PRI) +
                              PCI_PRI_CTRL), PCI_PRI_CTRL_ENABLE);
    return priq;
}

/* TD_CMD_PRI for the page of addr: PRGI, Write, Last. */
static void td_pri(QSMMUAuxFix *c, uint64_t addr, uint16_t prgi, bool write,
                   bool last)
{
    g_assert_cmphex(qsmmu_aux_td_run(&c->td, SMMUV3_AUX_TD_CMD_PRI, addr, 0,
                                     0, prgi | write << 16 | !last << 17),
                    ==, TD_DONE);
}

/*
 * PRI_RESPS once it reached n: a response the SMMU makes itself reaches
 * the device from a bottom half, which the next qtest commands let run.
 */
static uint32_t pri_wait(QSMMUAuxFix *c, uint64_t n)
{
    for (int i = 0; i < 100 && td_reg(&c->td, A_TD_PRI_RESPS) < n; i++) {
        qtest_clock_step(c->qts, 1);
    }
    g_assert_cmpuint(td_reg(&c->td, A_TD_PRI_RESPS), ==, n);
    return td_reg(&c->td, A_TD_PRI_LAST);
}

static uint32_t pri_last(uint16_t prgi, unsigned code)
{
    return R_TD_PRI_LAST_VALID_MASK | code << R_TD_PRI_LAST_CODE_SHIFT | prgi;
}

/*
 * A Page Request lands in the PRI queue as the record of chapter 8, and
 * the device hears nothing until CMD_PRI_RESP answers its group: then
 * exactly that PRGI with the response code asked for.
 */
static void test_pri_queue_and_resp(void)
{
    SMMUv3AuxCmd cmd;
    QSMMUAuxFix c;
    uint64_t priq;

    if (!ats_start(&c)) {
        return;
    }
    priq = pri_setup(&c);
    td_pri(&c, IOVA + 0x123, 0x17, true, true);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_PRIQ_PROD), ==, 1);
    g_assert_cmphex(qtest_readq(c.qts, priq), ==,
                    SID | 1ULL << 60 | 1ULL << 61 | 1ULL << 62);
    g_assert_cmphex(qtest_readq(c.qts, priq + 8), ==, IOVA | 0x17);
    qtest_clock_step(c.qts, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_PRI_RESPS), ==, 0);

    qsmmu_aux_writel(&c.s, A_PRIQ_CONS, 1);
    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_PRI_RESP);
    cmd.qw[0] |= (uint64_t)SID << 32;
    cmd.qw[1] = 0x17 | 2 << 12;                 /* Success */
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(pri_wait(&c, 1), ==, pri_last(0x17, 0));
    cmd.qw[1] = 0x18 | 1 << 12;                 /* InvalidRequest */
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(pri_wait(&c, 2), ==, pri_last(0x18, 1));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The SMMU's own responses: a full queue overflows (PROD.OVFLG) and the
 * group's Last request gets Success at once (8.1); a disabled queue
 * answers Response Failure (8.2); with PRI disabled in the device no
 * request leaves it.
 */
static void test_pri_auto_responses(void)
{
    QSMMUAuxFix c;
    uint32_t cr0;

    if (!ats_start(&c)) {
        return;
    }
    pri_setup(&c);
    td_pri(&c, IOVA, 1, false, false);
    td_pri(&c, IOVA + PAGE, 1, false, false);
    td_pri(&c, IOVA + 2 * PAGE, 1, false, true);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_PRIQ_PROD), ==,
                    2 | SMMUV3_AUX_Q_OVF);
    g_assert_cmphex(pri_wait(&c, 1), ==, pri_last(1, 0));

    cr0 = qsmmu_aux_readl(&c.s, A_CR0);
    g_assert_true(qsmmu_aux_write_cr0(&c.s, cr0 & ~R_CR0_PRIQEN_MASK));
    td_pri(&c, IOVA, 5, false, false);
    g_assert_cmphex(pri_wait(&c, 2), ==, pri_last(5, 2));

    qtest_writew(c.qts, ecam(&c, ext_cap(&c, PCI_EXT_CAP_ID_PRI) +
                             PCI_PRI_CTRL), 0);
    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_PRI, IOVA, 0,
                                     0, 6), ==, TD_ERROR);
    qtest_clock_step(c.qts, 1);
    g_assert_cmpuint(td_reg(&c.td, A_TD_PRI_RESPS), ==, 2);
    qsmmu_fix_stop(&c);
}

/* ---- Stall ------------------------------------------------------------ */

/* Stage 1 with CD.S = 1 (a dma-can-stall master), a at IOVA + PAGE. */
static uint64_t stall_setup(QSMMUAuxFix *c, QSMMUFixS1 *d)
{
    uint64_t a;

    qsmmu_fix_s1_init(c, d, 12, 1, 0);
    d->cdv.qw[0] |= R_CD_0_S_MASK;
    qsmmu_aux_write_cd(&c->s, d->cd, &d->cdv);
    qsmmu_fix_s1_install(c, d);
    a = qsmmu_fix_alloc_data(c, PAGE, PAGE, 0x5000);
    qsmmu_fix_s1_map4k(d, IOVA + PAGE, a);
    qsmmu_fix_enable(c);
    return a;
}

/* An ASYNC READ of IOVA, in the device's thread (no BQL: it can stall). */
static void stall_start_read(QSMMUAuxFix *c, uint64_t iova)
{
    qsmmu_fix_td_start_async(&c->td, SMMUV3_AUX_TD_CMD_READ, iova, 0, PAGE);
}

static uint32_t stall_td_wait(QSMMUAuxFix *c)
{
    return qsmmu_fix_td_wait(&c->td);
}

/* The stall's record (Stall = 1) once it is there; its STAG. */
static uint16_t stall_event(QSMMUAuxFix *c, uint64_t iova)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    SMMUv3AuxEvtRecord r;

    while (!qsmmu_aux_evtq_pending(&c->s)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
    qsmmu_fix_pop_event(c, &r, SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_true(FIELD_EX64(r.qw[1], EVT_1, STALL));
    g_assert_cmphex(r.qw[2], ==, iova);
    /* Still held: the device's command has not finished. */
    g_assert_cmphex(qpci_io_readl(c->td.dev, c->td.bar, A_TD_STATUS), ==,
                    R_TD_STATUS_BUSY_MASK);
    return FIELD_EX64(r.qw[1], EVT_1, STAG);
}

static void cmd_resume(QSMMUAuxFix *c, uint16_t stag, unsigned resp)
{
    SMMUv3AuxCmd cmd;

    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_RESUME);
    cmd.qw[0] |= (uint64_t)SID << 32 | (uint64_t)resp << 12;
    cmd.qw[1] = stag;
    qsmmu_fix_cmd(c, &cmd);
}

/*
 * A stalled read waits in the SMMU while software maps the page, and
 * CMD_RESUME(Retry) lets it go on: it reads the new page.  The next one
 * is resumed with Terminate (abort): the device's command fails at that
 * IOVA.  A third ends with CMD_STALL_TERM.
 */
static void test_stall_resume(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b;
    SMMUv3AuxCmd cmd;

    if (!ats_start(&c)) {
        return;
    }
    a = stall_setup(&c, &d);
    stall_start_read(&c, IOVA);
    b = stall_event(&c, IOVA);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    cmd_resume(&c, b, 1);
    g_assert_cmphex(stall_td_wait(&c), ==, TD_DONE);
    g_assert_cmphex(qsmmu_aux_td_result(&c.td), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x5000));

    stall_start_read(&c, IOVA + 2 * PAGE);
    cmd_resume(&c, stall_event(&c, IOVA + 2 * PAGE), 2);
    g_assert_cmphex(stall_td_wait(&c), ==, TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_err_addr(&c.td), ==, IOVA + 2 * PAGE);

    stall_start_read(&c, IOVA + 3 * PAGE);
    stall_event(&c, IOVA + 3 * PAGE);
    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_STALL_TERM);
    cmd.qw[0] |= (uint64_t)SID << 32;
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(stall_td_wait(&c), ==, TD_ERROR);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Nothing waits for a stall forever: a DMA made under the BQL (a command
 * without ASYNC) cannot stall and terminates at once, recorded with
 * Stall = 0; a stalled one ends when the machine is reset; and a guest
 * that never resumes does not keep QEMU from quitting (qsmmu_fix_stop).
 */
static void test_stall_no_hang(void)
{
    SMMUv3AuxEvtRecord r;
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!ats_start(&c)) {
        return;
    }
    stall_setup(&c, &d);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_pop_event(&c, &r, SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_false(FIELD_EX64(r.qw[1], EVT_1, STALL));

    stall_start_read(&c, IOVA);
    stall_event(&c, IOVA);
    qtest_system_reset(c.qts);
    /* The BARs come back with the fixture; the job ended, unpublished. */
    qsmmu_fix_after_reset(&c);
    g_assert_cmphex(stall_td_wait(&c), ==, 0);
    stall_setup(&c, &d);
    stall_start_read(&c, IOVA);
    stall_event(&c, IOVA);
    qsmmu_fix_stop(&c);                         /* stalled at quit */
}

/*
 * A stalled DMA survives a migration: the device's READ of two pages read
 * the first and stalled on the second; on the destination it is still
 * BUSY, nothing is recorded again, and the CMD_RESUME software sends with
 * the STAG of the source's record lets it go on from the stalled page:
 * the result hashes both.  Another, resumed with Terminate there, fails
 * at its IOVA.
 */
static void test_stall_migrate(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b, h;
    uint16_t stag;

    if (!ats_start(&c)) {
        return;
    }
    a = stall_setup(&c, &d);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x6000);
    qsmmu_fix_td_start_async(&c.td, SMMUV3_AUX_TD_CMD_READ, IOVA + PAGE, 0,
                             2 * PAGE);
    stag = stall_event(&c, IOVA + 2 * PAGE);
    ats_migrate(&c);
    g_assert_cmphex(qpci_io_readl(c.td.dev, c.td.bar, A_TD_STATUS), ==,
                    R_TD_STATUS_BUSY_MASK);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_s1_map4k(&d, IOVA + 2 * PAGE, b);
    cmd_resume(&c, stag, 1);
    g_assert_cmphex(stall_td_wait(&c), ==, TD_DONE);
    h = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x5000);
    g_assert_cmphex(qsmmu_aux_td_result(&c.td), ==,
                    qsmmu_fix_pattern_hash(h, PAGE, 0x6000));
    g_assert_cmpuint(qpci_io_readq(c.td.dev, c.td.bar, A_TD_DMA_COUNT), ==,
                     2);
    g_assert_cmphex(a, !=, 0);

    stall_start_read(&c, IOVA + 3 * PAGE);
    stag = stall_event(&c, IOVA + 3 * PAGE);
    ats_migrate(&c);
    cmd_resume(&c, stag, 2);
    g_assert_cmphex(stall_td_wait(&c), ==, TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_err_addr(&c.td), ==, IOVA + 3 * PAGE);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-ats/translate-and-hit",
                   test_translate_and_hit);
    qtest_add_func("/smmuv3-aux-ats/atc-inv", test_atc_inv);
    qtest_add_func("/smmuv3-aux-ats/sync-waits", test_sync_waits);
    qtest_add_func("/smmuv3-aux-ats/sync-timeout", test_sync_timeout);
    qtest_add_func("/smmuv3-aux-ats/sync-waits-migrate",
                   test_sync_waits_migrate);
    qtest_add_func("/smmuv3-aux-ats/refused", test_refused);
    qtest_add_func("/smmuv3-aux-ats/atschk", test_atschk);
    qtest_add_func("/smmuv3-aux-ats/atc-pasid", test_atc_pasid);
    qtest_add_func("/smmuv3-aux-ats/pri/queue-and-resp",
                   test_pri_queue_and_resp);
    qtest_add_func("/smmuv3-aux-ats/pri/auto-responses",
                   test_pri_auto_responses);
    qtest_add_func("/smmuv3-aux-ats/stall/resume", test_stall_resume);
    qtest_add_func("/smmuv3-aux-ats/stall/no-hang", test_stall_no_hang);
    qtest_add_func("/smmuv3-aux-ats/stall/migrate", test_stall_migrate);
    return g_test_run();
}
