/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DMA qtests of smmuv3-aux that are not about the SMMU architecture: the
 * test device's own contract, DMA from device threads (TD_CTRL.ASYNC)
 * racing invalidations, an IOTLB capacity stress, and the regressions of
 * QEMU's memory core this project patches (patches/qemu/0003, 0004).
 * The SMMUv3 conformance cases are in smmuv3-aux-conformance-test.c;
 * both use the fixture of libqos/qos-smmuv3-aux-fixture.h.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define TD_SLOT         QSMMU_FIX_TD_SLOT
#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
/* A 2 MiB-aligned IOVA below 2^40. */
#define IOVA            0x8080600000ULL
#define IOVA_BG_STRIDE  0x100000ULL     /* per-device windows above IOVA */
#define TD_DONE         QSMMU_FIX_TD_DONE
#define TD_ERROR        QSMMU_FIX_TD_ERROR

static bool conf_start_n(QSMMUAuxFix *c, unsigned nextra)
{
    return qsmmu_fix_start(c, "smmuv3-aux", nextra, NULL);
}

static bool conf_start(QSMMUAuxFix *c)
{
    return conf_start_n(c, 0);
}

enum { BG_PAGES = 64, BG_DMAS = 20000 };

/*
 * An 8-byte access that straddles two IOVA pages mapped to non-adjacent
 * pages, made through a MemoryRegionCache as virtio makes its ring
 * accesses (testdev TD_CTRL.CACHED).  Each half must land in the page its
 * own IOVA maps to; nothing may reach the page that physically follows
 * the first one.  (Linux aligns a split virtqueue's used ring to 64
 * bytes, so 1024-entry rings have exactly such an element.)
 */
static void test_s1_cached_cross_page(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, gap, b, iova = IOVA + PAGE - 4;
    uint8_t want[8];

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    gap = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    g_assert_cmphex(gap, ==, a + PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_s1_map4k(&d, IOVA + PAGE, b);
    qsmmu_fix_enable(&c);
    /* CACHED needs ASYNC (a MemoryRegionCache cannot be RAM-only). */
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL,
                   R_TD_CTRL_CACHED_MASK | R_TD_CTRL_ASYNC_MASK);

    qsmmu_fix_dma_write(&c, iova, 8, 0x3000);
    qsmmu_aux_td_write_pattern(want, 8, 0x3000);
    qsmmu_fix_expect_sentinel(&c, a, PAGE - 4);
    g_assert_cmphex(qtest_readl(c.qts, a + PAGE - 4), ==, ldl_le_p(want));
    g_assert_cmphex(qtest_readl(c.qts, b), ==, ldl_le_p(want + 4));
    qsmmu_fix_expect_sentinel(&c, b + 4, PAGE - 4);
    qsmmu_fix_expect_sentinel(&c, gap, PAGE);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, iova, 8), ==,
                    qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, want, 8));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * A device transaction that faults records one event, however long it is:
 * a 4 KiB read of an unmapped page and a 4 KiB write to a read-only page
 * each give exactly one record, at the first faulting address.  (QEMU's
 * memory core used to retry the rest of a refused access 4 bytes at a
 * time, and every retry was translated and recorded again.)
 */
static void test_s1_fault_once_per_page(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    a = qsmmu_fix_s1_ro_page(&c, &d, IOVA, 0xc000);

    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_READ,
                                     IOVA + PAGE, 0, PAGE, 0), ==, TD_ERROR);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + PAGE, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_WRITE,
                                     0, IOVA, PAGE, 0x1234), ==, TD_ERROR);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, IOVA, false, false,
                           SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0xc000);
    qsmmu_fix_stop(&c);
}


/*
 * Four test devices, four StreamIDs, one stage-1 domain: each copies its
 * own 256 KiB through the SMMU in its own thread (TD_CTRL.ASYNC) while
 * the others do the same, so translations of different devices, cache
 * fills included, run concurrently.  Every destination must hold its
 * source's bytes and no event may be recorded.
 */
static void test_async_parallel_copy(void)
{
    enum { NDEV = 4, LEN = 64 * PAGE };
    QSMMUAuxTestdev *tds[NDEV];
    uint64_t src[NDEV], dst[NDEV], p;
    SMMUv3AuxSTE ste;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    unsigned i;

    if (!conf_start_n(&c, NDEV - 1)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_aux_ste_s1(&ste, d.cd);
    for (i = 0; i < NDEV; i++) {
        tds[i] = i ? &c.extra[i - 1] : &c.td;
        qsmmu_aux_write_ste(&c.s, SID + 8 * i, &ste);
        src[i] = qsmmu_fix_alloc_data(&c, LEN, PAGE, 0x10000 * (i + 1));
        dst[i] = qsmmu_fix_alloc_sentinel(&c, LEN, PAGE);
        for (p = 0; p < LEN; p += PAGE) {
            qsmmu_fix_s1_map4k(&d, IOVA + 2 * i * LEN + p, src[i] + p);
            qsmmu_fix_s1_map4k(&d, IOVA + (2 * i + 1) * LEN + p, dst[i] + p);
        }
    }
    qsmmu_fix_enable(&c);

    for (i = 0; i < NDEV; i++) {
        qsmmu_fix_td_start_async(tds[i], SMMUV3_AUX_TD_CMD_COPY,
                                 IOVA + 2 * i * LEN,
                                 IOVA + (2 * i + 1) * LEN, LEN);
    }
    for (i = 0; i < NDEV; i++) {
        g_assert_cmphex(qsmmu_fix_td_wait(tds[i]), ==, TD_DONE);
        qsmmu_fix_expect_pattern(&c, dst[i], LEN, 0x10000 * (i + 1));
    }
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* First byte of page @p of background device @i's pages. */
static uint8_t bg_byte(unsigned i, unsigned p)
{
    return i * 37 + p * 13 + 1;
}

/* Start a background BURST: BG_DMAS reads over BG_PAGES pages at @iova. */
static void bg_burst(QSMMUAuxTestdev *td, uint64_t iova)
{
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, BG_PAGES);
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_ORDER, 0);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, BG_DMAS);
    qsmmu_fix_td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, iova, 0, 0);
}

/* RESULT of a finished background burst: the sum of the first bytes. */
static uint64_t bg_sum(unsigned i)
{
    uint64_t sum = 0;
    unsigned k;

    for (k = 0; k < BG_DMAS; k++) {
        sum += bg_byte(i, k % BG_PAGES);
    }
    return sum;
}

/*
 * Invalidation while other devices translate.  Device 0 copies a page
 * whose IOVA the test remaps between two buffers, with TLBI_NH_VA and
 * CMD_SYNC each time, while devices 1-3 run bursts over their own pages,
 * never remapped, in their threads, restarted as soon as they finish.
 * After every invalidation device 0 must read the new buffer (no cached
 * translation of any device survives), and every burst of devices 1-3
 * must read exactly its own pages (each has a distinct first byte; the
 * sum is checked), so the lock-free hit path never hands out a torn or
 * stale entry while invalidations make it refill.
 */
static void test_async_inval_stress(void)
{
    enum { NDEV = 4, FLIPS = 200 };
    uint64_t buf[2], dst0, bg, p;
    SMMUv3AuxCmd cmd;
    SMMUv3AuxSTE ste;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    unsigned i, f, bursts = 0;

    if (!conf_start_n(&c, NDEV - 1)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_aux_ste_s1(&ste, d.cd);
    buf[0] = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x51000);
    buf[1] = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x52000);
    dst0 = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA + PAGE, dst0);
    for (i = 1; i < NDEV; i++) {
        qsmmu_aux_write_ste(&c.s, SID + 8 * i, &ste);
        bg = qsmmu_aux_alloc(&c.s, BG_PAGES * PAGE, PAGE);
        for (p = 0; p < BG_PAGES; p++) {
            qtest_writeb(c.qts, bg + p * PAGE, bg_byte(i, p));
            qsmmu_fix_s1_map4k(&d, IOVA + i * IOVA_BG_STRIDE + p * PAGE,
                               bg + p * PAGE);
        }
    }
    qsmmu_fix_enable(&c);
    for (i = 1; i < NDEV; i++) {
        bg_burst(&c.extra[i - 1], IOVA + i * IOVA_BG_STRIDE);
    }

    /* At least FLIPS remaps, and until bursts really overlapped them. */
    for (f = 0; f < FLIPS || bursts < NDEV - 1; f++) {
        g_assert_cmpuint(f, <, 100 * FLIPS);
        qsmmu_fix_s1_map4k(&d, IOVA, buf[f & 1]); /* remap, as remap4k() */
        qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
        qsmmu_fix_cmd(&c, &cmd);
        qsmmu_fix_dma_ok(&c, SMMUV3_AUX_TD_CMD_COPY, IOVA, IOVA + PAGE, PAGE,
                         0);
        qsmmu_fix_expect_pattern(&c, dst0, PAGE, f & 1 ? 0x52000 : 0x51000);
        for (i = 1; i < NDEV; i++) {
            QSMMUAuxTestdev *td = &c.extra[i - 1];
            uint32_t st = qpci_io_readl(td->dev, td->bar, A_TD_STATUS);

            if (!(st & R_TD_STATUS_BUSY_MASK)) {
                g_assert_cmphex(st, ==, TD_DONE);
                g_assert_cmphex(qsmmu_aux_td_result(td), ==, bg_sum(i));
                bg_burst(td, IOVA + i * IOVA_BG_STRIDE);
                bursts++;
            }
        }
    }
    for (i = 1; i < NDEV; i++) {
        g_assert_cmphex(qsmmu_fix_td_wait(&c.extra[i - 1]), ==, TD_DONE);
        g_assert_cmphex(qsmmu_aux_td_result(&c.extra[i - 1]), ==, bg_sum(i));
    }
    g_test_message("%u background bursts of %u DMAs during %u remaps",
                   bursts, BG_DMAS, f);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * The test device's own contract (include/hw/arm/smmuv3-aux-testdev.h):
 * arguments beyond the limits fail with ERROR and no DMA, and a CMD
 * written while an ASYNC command runs is refused (ERROR) without
 * disturbing it.
 */
static void test_testdev_limits(void)
{
    QSMMUAuxTestdev *td;
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, dmas;
    uint32_t st;

    if (!conf_start(&c)) {
        return;
    }
    td = &c.td;
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x7000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);

    dmas = qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT);
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT,
                   SMMUV3_AUX_TESTDEV_MAX_BURST + 1);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0,
                                     0, 0), ==, TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0,
                                     SMMUV3_AUX_TESTDEV_MAX_LEN + 1, 0), ==,
                    TD_ERROR);
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL,
                   R_TD_CTRL_CACHED_MASK | R_TD_CTRL_ASYNC_MASK);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0,
                                     SMMUV3_AUX_TESTDEV_MAX_CACHED + 1, 0),
                    ==, TD_ERROR);
    /* CACHED without ASYNC: a MemoryRegionCache cannot be RAM-only. */
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_CACHED_MASK);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0,
                                     8, 0), ==, TD_ERROR);
    g_assert_cmpuint(qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT), ==,
                     dmas);

    /* Long enough that the second CMD surely finds it running. */
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, 4 << 20);
    qsmmu_fix_td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0, 0);
    qpci_io_writel(td->dev, td->bar, A_TD_CMD, SMMUV3_AUX_TD_CMD_READ);
    st = qpci_io_readl(td->dev, td->bar, A_TD_STATUS);
    g_assert_cmphex(st, ==, R_TD_STATUS_BUSY_MASK | TD_ERROR);
    g_assert_cmphex(qsmmu_fix_td_wait(td), ==, TD_DONE | TD_ERROR);
    g_assert_cmpuint(qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT), ==,
                     dmas + (4 << 20));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * A system reset stops a running ASYNC command early: the longest burst
 * (2^26 DMAs, seconds of work) is started, the machine reset, and the
 * device must accept a new command (not refuse it as BUSY) within a
 * fraction of the time the burst would still take.
 */
static void test_testdev_reset_cancels(void)
{
    QSMMUAuxTestdev *td;
    gint64 deadline;
    QSMMUAuxFix c;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    td = &c.td;
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x8000);
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT,
                   SMMUV3_AUX_TESTDEV_MAX_BURST);
    /* GBPA bypass */
    qsmmu_fix_td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, a, 0, 0);
    g_assert_cmphex(qpci_io_readl(td->dev, td->bar, A_TD_STATUS), ==,
                    R_TD_STATUS_BUSY_MASK);

    qtest_system_reset(c.qts);
    qsmmu_aux_td_free(td);
    qsmmu_aux_td_init(td, &c.gbus.bus, QPCI_DEVFN(TD_SLOT, 0));
    g_assert_cmphex(qpci_io_readl(td->dev, td->bar, A_TD_STATUS), ==, 0);
    deadline = g_get_monotonic_time() + G_USEC_PER_SEC;
    while (qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, a, 0, PAGE, 0) !=
           TD_DONE) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_usleep(1000);
    }
    g_assert_cmphex(qsmmu_aux_td_result(td), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x8000));
    qsmmu_fix_stop(&c);
}

/*
 * IOTLB capacity: 65536 4K pages (256 MiB of IOVA) scattered over 1024
 * data pages, read twice in 16 MiB READs.  Nothing changes, so every
 * read must hash to what the page tables say, whatever was evicted.
 */
#define STRESS_PAGES        65536u
#define STRESS_DATA         1024u
#define STRESS_CHUNK        (SMMUV3_AUX_TESTDEV_MAX_LEN / PAGE)

static unsigned stress_perm(unsigned j)
{
    return (j * 613u + j / STRESS_DATA) % STRESS_DATA;
}

static void test_stress_iotlb(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    g_autofree uint8_t *data = g_malloc(STRESS_DATA * PAGE);
    g_autofree uint64_t *l3 = g_new(uint64_t, 512);
    uint64_t base, h;
    unsigned j, k, pass;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    base = qsmmu_aux_alloc(&c.s, STRESS_DATA * PAGE, PAGE);
    for (k = 0; k < STRESS_DATA; k++) {
        qsmmu_aux_td_write_pattern(data + k * PAGE, PAGE, k << 16);
    }
    qtest_memwrite(c.qts, base, data, STRESS_DATA * PAGE);
    for (j = 0; j < STRESS_PAGES; j += 512) {
        uint64_t t = qsmmu_aux_pt_entry_addr(&d.pt, IOVA + j * PAGE, 3, true);

        for (k = 0; k < 512; k++) {
            l3[k] = cpu_to_le64(qsmmu_aux_pt_leaf(&d.pt,
                                    base + stress_perm(j + k) * PAGE, 3,
                                    QSMMU_AUX_S1_ATTRS_LINUX));
        }
        qtest_memwrite(c.qts, t, l3, 512 * sizeof(uint64_t));
    }
    qsmmu_fix_enable(&c);

    for (pass = 0; pass < 2; pass++) {
        for (j = 0; j < STRESS_PAGES; j += STRESS_CHUNK) {
            h = QSMMU_AUX_FNV1A_INIT;
            for (k = j; k < j + STRESS_CHUNK; k++) {
                h = qsmmu_aux_fnv1a(h, data + stress_perm(k) * PAGE, PAGE);
            }
            g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + j * PAGE,
                                               STRESS_CHUNK * PAGE),
                            ==, h);
        }
    }
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-dma/memcore/cached-cross-page",
                   test_s1_cached_cross_page);
    qtest_add_func("/smmuv3-aux-dma/memcore/fault-once-per-page",
                   test_s1_fault_once_per_page);
    qtest_add_func("/smmuv3-aux-dma/testdev/limits", test_testdev_limits);
    qtest_add_func("/smmuv3-aux-dma/testdev/reset-cancels",
                   test_testdev_reset_cancels);
    qtest_add_func("/smmuv3-aux-dma/async/parallel-copy",
                   test_async_parallel_copy);
    qtest_add_func("/smmuv3-aux-dma/async/inval-stress",
                   test_async_inval_stress);
    qtest_add_func("/smmuv3-aux-dma/stress/iotlb-64k-pages",
                   test_stress_iotlb);
    return g_test_run();
}
