/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of arm-smmuv3-aux's configuration errors and event queue on
 * -M virt,iommu=smmuv3-aux: a DMA whose StreamID, STE or stream table is
 * bad records the architected C_BAD_* event (IHI 0070 7.3) and is
 * terminated; bypass, abort and GBPA behave as configured; and the event
 * queue's overflow protocol (7.4: OVFLG toggles, records are dropped while
 * the queue is full).  DMA is issued by smmuv3-aux-testdev through the
 * libqos fixture: StreamID 0x20 at 00:04.0, 0x28 at 00:05.0.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qos-smmuv3-aux.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define PAGE_SIZE_4K        4096ULL

/* ---- 1. DMA through the SMMU: configuration errors --------------------- */

/*
 * The fixture's test device is the DMA master: StreamID QSMMU_FIX_SID.
 * Its DMA runs to completion in the CMD write, so a case checks the result
 * right after it.  Faulting DMAs are one aligned access, one record each.
 */
#define DMA_SID             QSMMU_FIX_SID
#define DMA_LEN             64
#define DMA_SEED            0x11000     /* the test device's WRITE pattern */

/*
 * The fixture with @nextra more masters, the SMMU up with a 256-entry
 * linear stream table and SMMUEN = 0; *@tgt is a page of sentinel bytes.
 * False (case skipped) without the test device.
 */
static bool dma_start(QSMMUAuxFix *f, unsigned nextra, uint64_t *tgt)
{
    if (!qsmmu_fix_start(f, "smmuv3-aux", nextra, NULL)) {
        return false;
    }
    *tgt = qsmmu_fix_alloc_sentinel(f, PAGE_SIZE_4K, PAGE_SIZE_4K);
    return true;
}

/* As dma_start, with @ste for the test device and SMMUEN = 1. */
static bool dma_start_with_ste(QSMMUAuxFix *f, const SMMUv3AuxSTE *ste,
                               uint64_t *tgt)
{
    if (!dma_start(f, 0, tgt)) {
        return false;
    }
    qsmmu_aux_write_ste(&f->s, DMA_SID, ste);
    qsmmu_fix_enable(f);
    return true;
}

/*
 * A write to @tgt fails and records one event, @id, the queue's first:
 * the configuration error is reported, and nothing reaches memory.
 */
static void expect_write_recorded(QSMMUAuxFix *f, uint64_t tgt, uint8_t id)
{
    qsmmu_fix_dma_fails(f, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(&f->s), ==, 1);
    qsmmu_fix_expect_cfg_event(f, id, 0);
    qsmmu_fix_expect_sentinel(f, tgt, PAGE_SIZE_4K);
}

/* Linear table with LOG2SIZE = 4: SID 0x20 is out of range. */
static void test_dma_bad_streamid(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxSTE ste;
    uint64_t tgt;
    uint32_t sid;

    if (!dma_start(&f, 0, &tgt)) {
        return;
    }
    /* Replace the fixture's table (SMMUEN is still 0), queues too. */
    qsmmu_aux_strtab_linear(s, 4);
    /* Every in-range STE is bypass, so only the range check can fail. */
    qsmmu_aux_ste_bypass(&ste);
    for (sid = 0; sid < 16; sid++) {
        qsmmu_aux_write_ste(s, sid, &ste);
    }
    qsmmu_aux_bringup(s, 3, 3);
    qsmmu_aux_enable(s);

    expect_write_recorded(&f, tgt, SMMUV3_AUX_EVT_C_BAD_STREAMID);

    /* Reads are stopped too. */
    qsmmu_fix_dma_fails(&f, true, tgt);
    qsmmu_fix_expect_cfg_event(&f, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0);

    /* CR2.RECINVSID = 0: invalid StreamIDs are terminated, not recorded. */
    g_assert_true(qsmmu_aux_write_cr0(s, R_CR0_CMDQEN_MASK |
                                         R_CR0_EVENTQEN_MASK));
    qsmmu_aux_writel(s, A_CR2, R_CR2_PTM_MASK);
    qsmmu_aux_enable(s);
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    qsmmu_fix_stop(&f);
}

static void test_dma_bypass(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_bypass(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    /* IOVA == PA, in both directions */
    qsmmu_fix_dma_write(&f, tgt + 128, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt + 128, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_sentinel(&f, tgt, 128);
    qsmmu_fix_expect_sentinel(&f, tgt + 128 + DMA_LEN,
                              PAGE_SIZE_4K - 128 - DMA_LEN);
    g_assert_cmphex(qsmmu_fix_dma_read(&f, tgt + 128, DMA_LEN), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, DMA_LEN,
                                           DMA_SEED));
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

static void test_dma_abort(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_abort(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    /* Config = abort: the transaction is terminated, no event recorded. */
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    qsmmu_fix_stop(&f);
}

static void test_dma_ste_invalid(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_invalid(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    expect_write_recorded(&f, tgt, SMMUV3_AUX_EVT_C_BAD_STE);

    qsmmu_fix_stop(&f);
}

/*
 * STE.Config 0b001..0b011 are Reserved and behave as 0b000 (IHI 0070
 * 5.2): the transaction is aborted and no event is recorded, whatever
 * the other fields hold.
 */
static void test_dma_ste_config_reserved(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_bypass(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }
    for (unsigned config = 1; config <= 3; config++) {
        ste.qw[0] = FIELD_DP64(ste.qw[0], STE_0, CONFIG, config);
        qsmmu_fix_ste_update(&f, DMA_SID, &ste);

        qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);
    }

    qsmmu_fix_stop(&f);
}

/* 2-level table as Linux builds it: SPLIT = 8, LOG2SIZE = SIDSIZE = 16. */
static void test_dma_2lvl(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    if (!dma_start(&f, 0, &tgt)) {
        return;
    }
    /* Replace the fixture's linear table (SMMUEN is still 0). */
    qsmmu_aux_strtab_2lvl(s, 16, 8);
    g_assert_cmphex(qsmmu_aux_readl(s, A_STRTAB_BASE_CFG), ==, 0x10210);
    qsmmu_aux_bringup(s, 3, 3);
    qsmmu_aux_enable(s);

    /* L1STD for SIDs 0..255 is invalid (Span = 0): C_BAD_STREAMID. */
    expect_write_recorded(&f, tgt, SMMUV3_AUX_EVT_C_BAD_STREAMID);

    /* Install the L2 table with a bypass STE: the DMA lands at IOVA. */
    qsmmu_aux_strtab_l2_install(s, DMA_SID);
    qsmmu_aux_ste_bypass(&ste);
    qsmmu_fix_ste_update(&f, DMA_SID, &ste);

    qsmmu_fix_dma_write(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_sentinel(&f, tgt + DMA_LEN, PAGE_SIZE_4K - DMA_LEN);
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

/* SMMUEN = 0: GBPA decides; an update takes effect in both directions. */
static void test_dma_gbpa(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    uint64_t tgt;
    uint32_t gbpa;

    if (!dma_start(&f, 0, &tgt)) {              /* SMMUEN stays 0 */
        return;
    }
    gbpa = qsmmu_aux_readl(s, A_GBPA);

    g_assert_true(qsmmu_aux_gbpa_update(s, gbpa | R_GBPA_ABORT_MASK));
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    g_assert_true(qsmmu_aux_gbpa_update(s, gbpa & ~R_GBPA_ABORT_MASK));
    qsmmu_fix_dma_write(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

/* ---- 2. Event queue overflow ------------------------------------------- */

static void test_evtq_overflow(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxEvtRecord rec;
    QSMMUAuxTestdev *a, *b;
    const uint32_t sid_a = DMA_SID, sid_b = QSMMU_FIX_EXTRA_SID(0);
    uint64_t tgt;

    if (!dma_start(&f, 1, &tgt)) {
        return;
    }
    a = &f.td;
    b = &f.extra[0];

    /*
     * Empty linear table of 16 STEs: both masters (SIDs 0x20, 0x28) are
     * out of range.  Alternating masters keeps consecutive records
     * different, so no implementation may merge them.
     */
    qsmmu_aux_strtab_linear(s, 4);
    qsmmu_aux_bringup(s, 3, 1);                     /* EVTQ of 2 entries */
    qsmmu_aux_enable(s);

    qsmmu_fix_td_fails(a, false, tgt);
    qsmmu_fix_td_fails(b, false, tgt);
    /* Full: PROD = CONS with the wrap bit flipped, no overflow yet. */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 0x2);

    qsmmu_fix_td_fails(a, false, tgt);              /* dropped */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x2);
    qsmmu_fix_td_fails(b, false, tgt);              /* dropped, no toggle */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x2);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);

    qsmmu_aux_evtq_peek(s, 0, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_a, 0);
    qsmmu_aux_evtq_peek(s, 1, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_b, 0);

    /* Consume both and acknowledge: CONS = 0x2 | OVACKFLG. */
    s->evtq_cons = 0x2;
    qsmmu_aux_evtq_write_cons(s, true);
    g_assert_cmphex(qsmmu_aux_readl(s, A_EVENTQ_CONS), ==,
                    SMMUV3_AUX_Q_OVF | 0x2);

    qsmmu_fix_td_fails(b, false, tgt);              /* slot 0 */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x3);
    qsmmu_fix_td_fails(a, false, tgt);              /* slot 1, full */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x0);
    qsmmu_aux_evtq_peek(s, 0, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_b, 0);
    qsmmu_aux_evtq_peek(s, 1, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_a, 0);

    /* Overflow again: the condition was acked, so OVFLG toggles to 0. */
    qsmmu_fix_td_fails(b, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 0x0);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);

    qsmmu_fix_expect_sentinel(&f, tgt, PAGE_SIZE_4K);
    qsmmu_fix_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!qtest_has_machine("virt")) {
        g_test_skip("the virt machine is not available");
        return g_test_run();
    }
    qtest_add_func("/smmuv3-aux/dma/bad-streamid", test_dma_bad_streamid);
    qtest_add_func("/smmuv3-aux/dma/bypass", test_dma_bypass);
    qtest_add_func("/smmuv3-aux/dma/abort", test_dma_abort);
    qtest_add_func("/smmuv3-aux/dma/ste-invalid", test_dma_ste_invalid);
    qtest_add_func("/smmuv3-aux/dma/ste-config-reserved",
                   test_dma_ste_config_reserved);
    qtest_add_func("/smmuv3-aux/dma/2lvl", test_dma_2lvl);
    qtest_add_func("/smmuv3-aux/dma/gbpa", test_dma_gbpa);
    qtest_add_func("/smmuv3-aux/evtq/overflow", test_evtq_overflow);

    return g_test_run();
}
