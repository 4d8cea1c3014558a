/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMMUv3 conformance qtests: DMA from smmuv3-aux-testdev through the SMMU
 * of -M virt, one QEMU per case.  Every case checks the data the DMA read
 * or wrote and the exact event record it produced, or that it produced
 * none.
 *
 * The same cases run against QEMU's own arm-smmuv3 when the environment
 * has SMMUV3_AUX_CONFORMANCE_MODEL=smmuv3 (-machine virt,iommu=smmuv3):
 * scripts/conformance-table.sh runs both and prints a table.  Expected
 * values come from Arm IHI 0070 (SMMUv3) and the VMSAv8-64 translation
 * regime of the Arm ARM, not from either model.
 *
 * A case whose device misses a feature it needs fails (g_test_fail with
 * the reason) rather than being skipped, so that a table of results
 * compares like with like.
 *
 * The cases are about the SMMU only.  The machine, the DMA and the event
 * assertions are the fixture of libqos/qos-smmuv3-aux-fixture.h; the test
 * device's own contract, its threads, stress and QEMU memory-core
 * regressions are in smmuv3-aux-dma-test.c.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/generic-pcihost.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define TD_SLOT         QSMMU_FIX_TD_SLOT
#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
#define RAM_BASE        0x40000000ULL

/* A 2 MiB-aligned IOVA below 2^40, as in upstream's iommu-testdev test. */
#define IOVA            0x8080600000ULL
#define IOVA_1G         0x8040000000ULL
#define IOVA_512M       0x8060000000ULL
/* Nested: stage-1 tables, CDs and data sit at IPA = PA + IPA_OFF. */
#define IPA_OFF         0x1000000000ULL
/* An IPA that stage 2 does not map, and PA that decodes to nothing. */
#define IPA_HOLE        (IPA_OFF + 0x70000000ULL)
#define PA_UNMAPPED     0x4000000000ULL

#define TD_DONE         QSMMU_FIX_TD_DONE
#define TD_ERROR        QSMMU_FIX_TD_ERROR

static bool conf_start(QSMMUAuxFix *c)
{
    return qsmmu_fix_start(c, qsmmu_fix_model(), 0, NULL);
}

/* ---- Stage 1 --------------------------------------------------------- */

/* Linux-like CD, 4K pages: READ, WRITE, COPY and a multi-page READ. */
static void test_s1_4k(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, b, cc, h;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x1000);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    cc = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_s1_map4k(&d, IOVA + PAGE, b);
    qsmmu_fix_s1_map4k(&d, IOVA + 2 * PAGE, cc);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x1000));
    qsmmu_fix_dma_write(&c, IOVA + PAGE, PAGE, 0x2000);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x2000);
    qsmmu_fix_dma_ok(&c, SMMUV3_AUX_TD_CMD_COPY, IOVA, IOVA + 2 * PAGE, PAGE,
                     0);
    qsmmu_fix_expect_pattern(&c, cc, PAGE, 0x1000);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0x1000);

    /* Three pages, starting mid-page: 2K of a, b, 2K of cc. */
    {
        g_autofree uint8_t *buf = g_malloc(3 * PAGE);

        qtest_memread(c.qts, a + PAGE / 2, buf, PAGE / 2);
        qtest_memread(c.qts, b, buf + PAGE / 2, PAGE);
        qtest_memread(c.qts, cc, buf + 3 * PAGE / 2, PAGE / 2);
        h = qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, buf, 2 * PAGE);
    }
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + PAGE / 2, 2 * PAGE), ==, h);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* 4K granule, 2 MiB block at level 2. */
static void test_s1_block_2m(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t blk;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    blk = qsmmu_fix_alloc_sentinel(&c, 2 * MiB, 2 * MiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, blk, 2, QSMMU_AUX_S1_ATTRS_LINUX);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_write(&c, IOVA + 2 * MiB - PAGE, PAGE, 0x3000);
    qsmmu_fix_expect_pattern(&c, blk + 2 * MiB - PAGE, PAGE, 0x3000);
    qsmmu_fix_dma_write(&c, IOVA + 0x123400, 2 * PAGE, 0x4000);
    qsmmu_fix_expect_pattern(&c, blk + 0x123400, 2 * PAGE, 0x4000);
    qsmmu_fix_expect_sentinel(&c, blk, PAGE);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 0x123400, 2 * PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 2 * PAGE,
                                           0x4000));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* 4K granule, 1 GiB block at level 1 over the start of RAM. */
static void test_s1_block_1g(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t tgt, h;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_aux_pt_map(&d.pt, IOVA_1G, RAM_BASE, 1, QSMMU_AUX_S1_ATTRS_LINUX);
    tgt = qsmmu_fix_alloc_sentinel(&c, 2 * PAGE, PAGE);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_write(&c, IOVA_1G + (tgt - RAM_BASE) + 8, PAGE, 0x5000);
    qsmmu_fix_expect_pattern(&c, tgt + 8, PAGE, 0x5000);
    h = qsmmu_fix_dma_read(&c, IOVA_1G + (tgt - RAM_BASE) + 8, PAGE);
    g_assert_cmphex(h, ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x5000));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* 16K granule, 48-bit VA (start level 0 with 2 entries). */
static void test_s1_16k(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t pg;

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR5), IDR5,
                                      GRAN16K),
                           "IDR5.GRAN16K")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_init(&c, &d, 14, 1, 0);
    qsmmu_fix_s1_install(&c, &d);
    pg = qsmmu_fix_alloc_sentinel(&c, 16 * KiB, 16 * KiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_write(&c, IOVA, 16 * KiB, 0x6000);
    qsmmu_fix_expect_pattern(&c, pg, 16 * KiB, 0x6000);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + PAGE, 2 * PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 2 * PAGE,
                                           0x6400));
    /* The next 16K page is not mapped. */
    qsmmu_fix_dma_fails(&c, true, IOVA + 16 * KiB);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 16 * KiB,
                           true, false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_stop(&c);
}

/* 64K granule, 48-bit VA (start level 1), a page and a 512M block. */
static void test_s1_64k(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t pg, tgt;

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR5), IDR5,
                                      GRAN64K),
                           "IDR5.GRAN64K")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_init(&c, &d, 16, 1, 0);
    qsmmu_fix_s1_install(&c, &d);
    pg = qsmmu_fix_alloc_sentinel(&c, 64 * KiB, 64 * KiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    qsmmu_aux_pt_map(&d.pt, IOVA_512M, RAM_BASE, 2,
                     QSMMU_AUX_S1_ATTRS_LINUX);
    tgt = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_write(&c, IOVA, 64 * KiB, 0x7000);
    qsmmu_fix_expect_pattern(&c, pg, 64 * KiB, 0x7000);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 60 * KiB, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x7000 + 60 * KiB / 4));
    qsmmu_fix_dma_write(&c, IOVA_512M + (tgt - RAM_BASE), PAGE, 0x7800);
    qsmmu_fix_expect_pattern(&c, tgt, PAGE, 0x7800);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* TTB1: the upper VA range, T1SZ = 16, EPD1 = 0. */
static void test_s1_ttb1(void)
{
    const uint64_t va1 = 0xffff808060000000ULL;
    const uint64_t hole = 0x0001000000000000ULL;  /* neither range */
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    QSMMUAuxPT pt1;
    uint64_t pg;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_init(&c, &d, 12, 1, 0);
    qsmmu_aux_pt_init(&c.s, &pt1, 12, 48, QSMMU_AUX_PT_START_AUTO, 0);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, T1SZ, 16);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, TG1, qsmmu_aux_pt_tg1(&pt1));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, IR1, 1);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, OR1, 1);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, SH1, 3);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, EPD1, 0);
    d.cdv.qw[2] = FIELD_DP64(d.cdv.qw[2], CD_2, TTB1,
                             qsmmu_aux_pt_ttb(&pt1) >> 4);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_s1_install(&c, &d);
    pg = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_aux_pt_map(&pt1, va1, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    /* The same low bits through TTB0 must not reach pg. */
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_write(&c, va1 + 16, 64, 0x8000);
    qsmmu_fix_expect_pattern(&c, pg + 16, 64, 0x8000);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, va1 + 16, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0x8000));
    qsmmu_fix_expect_no_event(&c);

    qsmmu_fix_dma_fails(&c, true, va1 & MAKE_64BIT_MASK(0, 48));
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION,
                           va1 & MAKE_64BIT_MASK(0, 48), true, false,
                           SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_dma_fails(&c, false, hole);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole, false, false,
                           SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_sentinel(&c, pg, 16);
    qsmmu_fix_stop(&c);
}

/* CD.EPD0 = 1: a TTB0 address faults without a walk. */
static void test_s1_epd0(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x9000));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, EPD0, 1);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + 0x10);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x10, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_dma_fails(&c, false, IOVA + 0x20);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x20, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_stop(&c);
}

/*
 * Invalid descriptor at one level (0..3) of a 4K, 4-level walk.  Then the
 * descriptor is repaired without invalidation: descriptors that produce a
 * Translation fault are never cached (VMSAv8-64), so the DMA succeeds.
 */
static void test_s1_invalid_level(const void *opaque)
{
    unsigned level = GPOINTER_TO_UINT(opaque);
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a, pte, desc;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    pte = qsmmu_aux_pt_entry_addr(&d.pt, IOVA, level, false);
    desc = qsmmu_aux_mem_readq(&c.s, pte);
    /* Keep every bit but Valid: only the V bit makes it invalid. */
    qsmmu_aux_mem_writeq(&c.s, pte, desc & ~QSMMU_AUX_PTE_VALID);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + 0x40);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x40, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_dma_fails(&c, false, IOVA + 0x84);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x84, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0xa000);

    qsmmu_aux_mem_writeq(&c.s, pte, desc);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 0x40, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64,
                                           0xa000 + 0x10));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* AP[2] = 1 (read-only): reads pass, writes fault with F_PERMISSION. */
static void test_s1_permission(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    a = qsmmu_fix_s1_ro_page(&c, &d, IOVA, 0xb000);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xb000));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_dma_fails(&c, false, IOVA + 0x100);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, IOVA + 0x100, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0xb000);
    qsmmu_fix_stop(&c);
}

/*
 * HTTU (IHI 0070 3.13) by DMA: with CD.HA a leaf with AF = 0 gets AF from
 * the DMA that walks it, with no event; with CD.HD a write to a
 * writable-clean leaf (DBM = 1, AP[2] = 1) makes it writable-dirty
 * (AP[2] = 0) and a read leaves it clean; and once software has cleaned
 * it again and invalidated, the next write dirties it again: the IOTLB
 * kept no writable copy of the clean page.
 */
static void test_s1_httu(void)
{
    const uint64_t clean = QSMMU_AUX_S1_ATTRS_LINUX |
                           QSMMU_AUX_PTE_AP_RDONLY | (1ULL << 51);
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t a, b, pa_a, pa_b;

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0,
                                      HTTU) >= 2, "IDR0.HTTU >= 2 (HA+HD)")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xd000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xe000);
    pa_a = qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                            QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AF);
    pa_b = qsmmu_aux_pt_map(&d.pt, IOVA + PAGE, b, 3, clean);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, HA, 1);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, HD, 1);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    /* The Access flag: set by the walk, the read goes through. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xd000));
    g_assert_cmphex(qtest_readq(c.qts, pa_a), ==,
                    a | QSMMU_AUX_S1_ATTRS_LINUX | 3);
    qsmmu_fix_expect_no_event(&c);

    /* A read of the writable-clean page leaves it clean. */
    qsmmu_fix_dma_read(&c, IOVA + PAGE, 64);
    g_assert_cmphex(qtest_readq(c.qts, pa_b), ==, b | clean | 3);
    /* A write dirties it (AP[2] = 0) and lands. */
    qsmmu_fix_dma_write(&c, IOVA + PAGE, 256, 0x5100);
    g_assert_cmphex(qtest_readq(c.qts, pa_b), ==,
                    b | (clean & ~QSMMU_AUX_PTE_AP_RDONLY) | 3);
    qsmmu_fix_expect_pattern(&c, b, 256, 0x5100);

    /* Cleaned by software and invalidated: the next write dirties again. */
    qtest_writeq(c.qts, pa_b, b | clean | 3);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA + PAGE, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c, &cmd);
    qsmmu_fix_dma_read(&c, IOVA + PAGE, 64);       /* cached clean */
    qsmmu_fix_dma_write(&c, IOVA + PAGE + 512, 256, 0x5200);
    g_assert_cmphex(qtest_readq(c.qts, pa_b), ==,
                    b | (clean & ~QSMMU_AUX_PTE_AP_RDONLY) | 3);
    qsmmu_fix_expect_pattern(&c, b + 512, 256, 0x5200);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* AF = 0: F_ACCESS (no HTTU); with CD.AFFD = 1 the access goes through. */
static void test_s1_access_flag(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xc000);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AF);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + 0x200);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_ACCESS, IOVA + 0x200, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);

    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, AFFD, 1);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 0x200, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64,
                                           0xc000 + 0x80));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* Leaf output address beyond CD.IPS (32 bits): F_ADDR_SIZE. */
static void test_s1_addr_size(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, 0x148000000ULL);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, IPS, SMMUV3_AUX_OAS_32);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + 0x300);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_ADDR_SIZE, IOVA + 0x300, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_dma_fails(&c, false, IOVA + 0x304);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_ADDR_SIZE, IOVA + 0x304, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_stop(&c);
}

/* CD.R = 0: faults are not recorded, the transaction still aborts. */
static void test_s1_cd_r0(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xd000));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 0);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + PAGE);
    qsmmu_fix_dma_fails(&c, false, IOVA + PAGE + 4);
    qsmmu_fix_expect_no_event(&c);

    /* Control: with R = 1 the same fault is recorded. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 1);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    qsmmu_fix_cmd(&c, &cmd);
    qsmmu_fix_dma_fails(&c, true, IOVA + PAGE);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + PAGE, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_stop(&c);
}

/*
 * CD.A = 0 with IDR0.TERM_MODEL = 0 (IHI 0070 5.5): a stage-1
 * Translation-related fault completes the transaction with RAZ/WI (reads
 * return zero, writes are ignored, the device sees success), and the
 * fault is recorded as CD.R says.  One aligned access per DMA, so one
 * record per DMA.
 */
static void test_s1_cd_a0(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t a, ro = IOVA + PAGE, hole = IOVA + 2 * PAGE;
    uint8_t zero[QSMMU_FIX_FAULT_LEN] = { 0 };
    uint64_t zero_h =
        qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, zero, QSMMU_FIX_FAULT_LEN);

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(!FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0,
                                       TERM_MODEL),
                           "RAZ/WI termination")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xd800));
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xd900);
    qsmmu_aux_pt_map(&d.pt, ro, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, A, 0);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    /* Mapped: unaffected. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xd800));
    qsmmu_fix_expect_no_event(&c);
    /* F_TRANSLATION: the read completes and returns zeros. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, hole + 0x10, QSMMU_FIX_FAULT_LEN),
                    ==, zero_h);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    /* F_PERMISSION: the write completes and changes nothing. */
    qsmmu_fix_dma_write(&c, ro + 0x20, QSMMU_FIX_FAULT_LEN, 0x5a5a5a5a);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ro + 0x20, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0xd900);
    /* Not cached: the same faults again, recorded again. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, hole + 0x10, QSMMU_FIX_FAULT_LEN),
                    ==, zero_h);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);

    /* R = 0: RAZ/WI without a record. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 0);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, hole, QSMMU_FIX_FAULT_LEN), ==,
                    zero_h);
    qsmmu_fix_dma_write(&c, ro, QSMMU_FIX_FAULT_LEN, 0x5a5a5a5a);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_expect_pattern(&c, a, PAGE, 0xd900);

    /* Control: A = 1 aborts. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, A, 1);
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_cmd(&c, &cmd);
    qsmmu_fix_dma_fails(&c, true, hole);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * StreamWorld NS-EL2 (STE.STRW = EL2, CR2.E2H = 0): one privilege level,
 * every access privileged and AP[1] ignored (IHI 0070 5.2 STRW, 5.4 UWXN;
 * Arm ARM: AP[1] is RES1 in a regime with one Exception level).  A page
 * with AP[2:1] = 00, which an unprivileged device cannot reach at NS-EL1,
 * is readable and writable; AP[2] still makes a page read-only.
 */
static void test_s1_el2_perms(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxSTE ste;
    uint64_t a, b, ro = IOVA + PAGE;

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, HYP),
                           "IDR0.HYP")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_init(&c, &d, 12, 0, 0);
    qsmmu_aux_ste_s1(&ste, d.cd);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, STRW, SMMUV3_AUX_STE_STRW_EL2);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xda00);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xdb00);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV);
    qsmmu_aux_pt_map(&d.pt, ro, b, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xda00));
    qsmmu_fix_dma_write(&c, IOVA + 0x100, 64, 0xdc00);
    qsmmu_fix_expect_pattern(&c, a + 0x100, 64, 0xdc00);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, ro, 64), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xdb00));
    qsmmu_fix_expect_no_event(&c);

    /*
     * AP[2] = 1: read-only.  PnU is the transaction's attribute after
     * STE.PRIVCFG (7.3.12): unprivileged, as the device sent it.
     */
    qsmmu_fix_dma_fails(&c, false, ro + 0x40);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ro + 0x40, false,
                           false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0xdb00);
    qsmmu_fix_stop(&c);
}

/* The test device's TD_ATTRS: PnU and InD of every DMA that follows. */
static void td_attrs(QSMMUAuxFix *c, bool priv, bool exec)
{
    qpci_io_writel(c->td.dev, c->td.bar, A_TD_ATTRS,
                   (priv ? R_TD_ATTRS_PRIV_MASK : 0) |
                   (exec ? R_TD_ATTRS_EXEC_MASK : 0));
}

/* One F_PERMISSION read fault with the given PnU and InD (7.3.16). */
static void expect_perm_fault(QSMMUAuxFix *c, uint64_t input, bool pnu,
                              bool ind)
{
    SMMUv3AuxEvtRecord r;

    qsmmu_fix_pop_event(c, &r, SMMUV3_AUX_EVT_F_PERMISSION);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, PNU), ==, pnu);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, IND), ==, ind);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, RNW), ==, 1);
    g_assert_cmphex(r.qw[2], ==, input);
    qsmmu_fix_expect_no_event(c);
}

static void set_ste_cfg(QSMMUAuxFix *c, QSMMUFixS1 *d, unsigned privcfg,
                        unsigned instcfg)
{
    SMMUv3AuxSTE ste;

    qsmmu_aux_ste_s1(&ste, d->cd);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, PRIVCFG, privcfg);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, INSTCFG, instcfg);
    qsmmu_aux_write_ste(&c->s, SID, &ste);
    qsmmu_aux_cmdq_invalidate_all(&c->s);
}

/*
 * The transaction's privilege and instruction/data attributes, by DMA
 * (IHI 0070 13.1, STE.PRIVCFG/INSTCFG).  IOVA is an EL1-only page (AP[1]
 * = 0) that unprivileged code may execute (UXN = 0): an unprivileged data
 * read faults, a privileged one or an unprivileged instruction fetch is
 * allowed.  IOVA + PAGE has UXN set.  PRIVCFG/INSTCFG 0b10/0b11 override
 * what the device sent, and the record's PnU/InD show the result.
 */
static void test_s1_attrs_by_dma(void)
{
    uint64_t a, xn = IOVA + PAGE;
    uint64_t h = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xa700);
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_init(&c, &d, 12, 0, 0);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa700);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV);
    qsmmu_aux_pt_map(&d.pt, xn, a, 3,
                     (QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV) |
                     (1ULL << 54));
    set_ste_cfg(&c, &d, 0, 0);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    td_attrs(&c, true, false);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==, h);
    td_attrs(&c, false, true);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==, h);
    qsmmu_fix_dma_fails(&c, true, xn);
    expect_perm_fault(&c, xn, false, true);
    qsmmu_fix_expect_no_event(&c);

    /* PRIVCFG = 0b10: unprivileged whatever the device says. */
    set_ste_cfg(&c, &d, 2, 0);
    td_attrs(&c, true, false);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    /* PRIVCFG = 0b11: privileged. */
    set_ste_cfg(&c, &d, 3, 0);
    td_attrs(&c, false, false);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==, h);
    /* INSTCFG = 0b11: every read an instruction fetch, even twice. */
    set_ste_cfg(&c, &d, 0, 3);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==, h);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, 64), ==, h);
    /* INSTCFG = 0b10: data, whatever the device says. */
    set_ste_cfg(&c, &d, 0, 2);
    td_attrs(&c, false, true);
    qsmmu_fix_dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    qsmmu_fix_stop(&c);
}

/* C_BAD_CD: V = 0 (data 0), T0SZ beyond the maximum (data 1). */
static void test_cd_bad(const void *opaque)
{
    bool t0sz = GPOINTER_TO_UINT(opaque);
    QSMMUAuxFix c;
    QSMMUFixS1 d;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xe000));
    if (t0sz) {
        /* IHI 0070 5.4: max T0SZ is 39, or 48 (4K) with IDR3.STT == 1 */
        bool stt = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR3), IDR3, STT);

        d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, T0SZ, stt ? 49 : 40);
    } else {
        d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, V, 0);
    }
    qsmmu_fix_s1_write_cd(&c, &d);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_cfg_event(&c, SMMUV3_AUX_EVT_C_BAD_CD, 0);
    qsmmu_fix_stop(&c);
}

/*
 * S1ContextPtr at a PA where nothing decodes, or at the SMMU's own
 * register page: F_CD_FETCH with FetchAddr (IHI 0070 13.1.2), and QEMU
 * keeps answering.  The SMMU once read its own MMIO here while holding
 * its lock, and hung.
 */
static void test_cd_fetch(const void *opaque)
{
    uint64_t cd = *(const uint64_t *)opaque;
    QSMMUAuxFix c;
    SMMUv3AuxSTE ste;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_aux_ste_s1(&ste, cd);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_cfg_event(&c, SMMUV3_AUX_EVT_F_CD_FETCH, cd);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CR0), ==,
                    qsmmu_aux_readl(&c.s, A_CR0ACK));
    qsmmu_fix_stop(&c);
}

static const uint64_t cd_unmapped = PA_UNMAPPED;
static const uint64_t cd_own_mmio = QSMMU_AUX_VIRT_BASE;

/*
 * A CMD_SYNC whose MSI is aimed at the test device's TD_CMD register: the
 * write starts a DMA through the SMMU, which must not find the SMMU's lock
 * held (it once hung QEMU).  SMMUEN = 0 with GBPA bypass: the DMA reads RAM.
 */
static void test_sync_msi_to_dma_master(void)
{
    QSMMUAuxFix c;
    SMMUv3AuxCmd cmd;
    uint64_t src;

    if (!conf_start(&c)) {
        return;
    }
    src = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x5a00);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_STATUS, TD_DONE | TD_ERROR);
    qpci_io_writeq(c.td.dev, c.td.bar, A_TD_SRC, src);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_LEN, 64);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ,
                       c.td.bar.addr + A_TD_CMD, SMMUV3_AUX_TD_CMD_READ);
    qsmmu_aux_cmdq_submit(&c.s, &cmd);
    qsmmu_aux_cmdq_wait(&c.s);
    g_assert_cmphex(qpci_io_readl(c.td.dev, c.td.bar, A_TD_STATUS), ==,
                    TD_DONE);
    g_assert_cmphex(qsmmu_aux_td_result(&c.td), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0x5a00));
    qsmmu_fix_stop(&c);
}

/* ---- Stage 2 --------------------------------------------------------- */

#define VMID            5

/*
 * 4K granule, 40-bit IPA starting at level 1: two concatenated level-1
 * tables (IHI 0070 5.2 S2SL0, Arm ARM D8.2.6).
 */
static uint64_t s2_map4k(QSMMUAuxPT *pt, uint64_t ipa, uint64_t pa)
{
    return qsmmu_aux_pt_map(pt, ipa, pa, 3, QSMMU_AUX_S2_ATTRS_LINUX);
}

static void test_s2_only(void)
{
    /* Level-1 index 513: in the second concatenated table. */
    const uint64_t ipa_hi = 0x8040600000ULL, ipa_lo = 0x12345000ULL;
    const uint64_t ipa_ro = 0x12346000ULL, hole = 0x20000000ULL;
    QSMMUAuxFix c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    uint64_t a, b, ro;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s2_pt(&c, &pt);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x11000);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    ro = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x12000);
    s2_map4k(&pt, ipa_hi, a);
    s2_map4k(&pt, ipa_lo, b);
    qsmmu_aux_pt_map(&pt, ipa_ro, ro, 3,
                     QSMMU_AUX_S2_ATTRS_LINUX & ~QSMMU_AUX_PTE_S2AP_W);
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, ipa_hi, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x11000));
    qsmmu_fix_dma_write(&c, ipa_lo, PAGE, 0x13000);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x13000);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, ipa_ro, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x12000));
    qsmmu_fix_expect_no_event(&c);

    qsmmu_fix_dma_fails(&c, true, hole + 0x10);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true,
                           true, SMMUV3_AUX_EVT_CLASS_IN, hole);
    qsmmu_fix_dma_fails(&c, false, ipa_ro + 0x20);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ipa_ro + 0x20,
                           false, true, SMMUV3_AUX_EVT_CLASS_IN, ipa_ro);
    qsmmu_fix_expect_pattern(&c, ro, PAGE, 0x12000);
    qsmmu_fix_stop(&c);
}

/* ---- Nested ---------------------------------------------------------- */

typedef QSMMUFixNested Nested;

/* qsmmu_fix_nested_setup() at IPA_OFF with VMID. */
static void nested_setup(QSMMUAuxFix *c, Nested *n, uint64_t cd_ipa)
{
    qsmmu_fix_nested_setup(c, n, IPA_OFF, VMID, cd_ipa);
}

static void test_nested(void)
{
    QSMMUAuxFix c;
    Nested n;
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x21000);
    b = qsmmu_fix_alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_fix_s1_map4k(&n.s1, IOVA, a + IPA_OFF);
    qsmmu_fix_s1_map4k(&n.s1, IOVA + PAGE, b + IPA_OFF);
    /* Stage 1 maps IOVA + 3 pages to an IPA stage 2 does not map. */
    qsmmu_fix_s1_map4k(&n.s1, IOVA + 3 * PAGE, IPA_HOLE);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x21000));
    qsmmu_fix_dma_write(&c, IOVA + PAGE, PAGE, 0x22000);
    qsmmu_fix_expect_pattern(&c, b, PAGE, 0x22000);
    qsmmu_fix_expect_no_event(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA + 2 * PAGE + 8);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION,
                           IOVA + 2 * PAGE + 8, true, false,
                           SMMUV3_AUX_EVT_CLASS_IN, 0);
    qsmmu_fix_dma_fails(&c, false, IOVA + 3 * PAGE + 8);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION,
                           IOVA + 3 * PAGE + 8, false, true,
                           SMMUV3_AUX_EVT_CLASS_IN, IPA_HOLE);
    qsmmu_fix_stop(&c);
}

/* The CD's IPA is not mapped at stage 2: S2 fault, CLASS = CD. */
static void test_nested_cd_s2_fault(void)
{
    QSMMUAuxFix c;
    Nested n;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, IPA_HOLE + 0x40);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA, true, true,
                           SMMUV3_AUX_EVT_CLASS_CD, IPA_HOLE + 0x40);
    qsmmu_fix_stop(&c);
}

/* The stage-1 TTB0 IPA is not mapped at stage 2: S2 fault, CLASS = TT. */
static void test_nested_tt_s2_fault(void)
{
    const uint64_t ttb = IPA_HOLE + 0x100000;
    QSMMUAuxFix c;
    Nested n;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    n.s1.cdv.qw[1] = FIELD_DP64(n.s1.cdv.qw[1], CD_1, TTB0, ttb >> 4);
    qsmmu_fix_s1_write_cd(&c, &n.s1);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, false, IOVA);
    /* The level-0 descriptor of IOVA: index IOVA[47:39]. */
    qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA, false, true,
                           SMMUV3_AUX_EVT_CLASS_TT,
                           ttb + ((IOVA >> 39) & 511) * 8);
    qsmmu_fix_stop(&c);
}

/* ---- Invalidation ---------------------------------------------------- */

/* Point the 4K leaf of @va at @pa (no invalidation). */
static void remap4k(QSMMUFixS1 *d, uint64_t va, uint64_t pa)
{
    qsmmu_fix_s1_map4k(d, va, pa);
}

static void test_inv_tlbi_nh_va(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t ha = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x31000);
    uint64_t hb = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x32000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x31000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x32000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, ha);
    remap4k(&d, IOVA, b);
    qsmmu_fix_expect_read_either(&c, IOVA, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, hb);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

static void test_inv_tlbi_nh_asid(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t h[4], pa[4];
    int i;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    for (i = 0; i < 4; i++) {
        pa[i] = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x41000 + i * 0x1000);
        h[i] = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                      0x41000 + i * 0x1000);
    }
    qsmmu_fix_s1_map4k(&d, IOVA, pa[0]);
    qsmmu_fix_s1_map4k(&d, IOVA + 2 * MiB, pa[1]);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, h[0]);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 2 * MiB, PAGE), ==, h[1]);
    remap4k(&d, IOVA, pa[2]);
    remap4k(&d, IOVA + 2 * MiB, pa[3]);
    qsmmu_fix_expect_read_either(&c, IOVA, PAGE, h[0], h[2]);
    qsmmu_fix_expect_read_either(&c, IOVA + 2 * MiB, PAGE, h[1], h[3]);
    qsmmu_aux_cmd_tlbi_nh_asid(&cmd, 0, d.asid);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, h[2]);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + 2 * MiB, PAGE), ==, h[3]);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Range TLBI (IDR3.RIL): TG = 4K, TTL = 3; pages 0-3 by NUM = 3, SCALE = 0
 * and pages 4-7 by NUM = 1, SCALE = 1 ((NUM + 1) << SCALE pages).
 */
static void test_inv_tlbi_range(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd[2];
    uint64_t ha[8], hb[8], pb[8];
    int i;

    if (!conf_start(&c)) {
        return;
    }
    if (!qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR3), IDR3, RIL),
                           "IDR3.RIL")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    for (i = 0; i < 8; i++) {
        uint32_t sa = 0x51000 + i * 0x1000, sb = 0x61000 + i * 0x1000;

        qsmmu_fix_s1_map4k(&d, IOVA + i * PAGE,
                           qsmmu_fix_alloc_data(&c, PAGE, PAGE, sa));
        pb[i] = qsmmu_fix_alloc_data(&c, PAGE, PAGE, sb);
        ha[i] = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, sa);
        hb[i] = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, sb);
    }
    qsmmu_fix_enable(&c);

    for (i = 0; i < 8; i++) {
        g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + i * PAGE, PAGE), ==,
                        ha[i]);
        remap4k(&d, IOVA + i * PAGE, pb[i]);
    }
    for (i = 0; i < 8; i++) {
        qsmmu_fix_expect_read_either(&c, IOVA + i * PAGE, PAGE, ha[i], hb[i]);
    }
    qsmmu_aux_cmd_tlbi_nh_va(&cmd[0], 0, d.asid, IOVA, true, 3, 0, 1, 3);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd[1], 0, d.asid, IOVA + 4 * PAGE, true,
                             1, 1, 1, 3);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmd, 2);
    for (i = 0; i < 8; i++) {
        g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA + i * PAGE, PAGE), ==,
                        hb[i]);
    }
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* STE change S1 -> bypass -> abort, each made visible by CFGI_STE. */
static void test_inv_cfgi_ste(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    uint64_t a, b, hb;
    uint32_t st;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x71000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x72000);
    hb = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x72000);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x71000));

    qsmmu_aux_ste_bypass(&ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    /* Old STE: b's PA is not mapped at stage 1; new STE: bypass. */
    st = qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_READ, b, 0,
                          QSMMU_FIX_FAULT_LEN, 0);
    if (st == TD_ERROR) {
        qsmmu_fix_expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, b, true, false,
                               SMMUV3_AUX_EVT_CLASS_IN, 0);
    } else {
        g_assert_cmphex(st, ==, TD_DONE);
    }
    qsmmu_aux_cmd_cfgi_ste(&cmd, SID);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, b, PAGE), ==, hb);
    qsmmu_fix_expect_no_event(&c);

    qsmmu_aux_ste_abort(&ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_cmd(&c, &cmd);
    /* Config = abort: terminated, nothing recorded. */
    qsmmu_fix_dma_fails(&c, true, b);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* Stage 2 only: TLBI_S2_IPA makes a changed stage-2 descriptor visible. */
static void test_inv_s2_ipa(void)
{
    const uint64_t ipa = 0x8040600000ULL;
    QSMMUAuxFix c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    uint64_t ha = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x81000);
    uint64_t hb = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x82000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_fix_s2_pt(&c, &pt);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x81000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x82000);
    s2_map4k(&pt, ipa, a);
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, ipa, PAGE), ==, ha);
    s2_map4k(&pt, ipa, b);
    qsmmu_fix_expect_read_either(&c, ipa, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_s2_ipa(&cmd, VMID, ipa, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, ipa, PAGE), ==, hb);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * Nested: a stage-2 change under a stage-1 mapping needs TLBI_S2_IPA and,
 * for combined entries, TLBI_NH_ALL of the VMID (as Linux issues them).
 */
static void test_inv_nested_s2(void)
{
    const uint64_t ipa = IPA_OFF + 0x60000000ULL;
    QSMMUAuxFix c;
    Nested n;
    SMMUv3AuxCmd cmd[2];
    uint64_t ha = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x91000);
    uint64_t hb = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x92000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x91000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x92000);
    qsmmu_fix_s1_map4k(&n.s1, IOVA, ipa);
    s2_map4k(&n.s2, ipa, a);
    qsmmu_fix_enable(&c);

    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, ha);
    s2_map4k(&n.s2, ipa, b);
    qsmmu_fix_expect_read_either(&c, IOVA, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_s2_ipa(&cmd[0], VMID, ipa, true, 0, 0, 0, 0);
    qsmmu_aux_cmd_tlbi_nh_all(&cmd[1], VMID);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmd, 2);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, hb);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * CMD_SYNC ordering: [TLBI_NH_VA, SYNC#1, illegal, SYNC#2] published at
 * once.  SYNC#1 completes (and with it the TLBI), the queue stops at the
 * illegal command with CERROR_ILL, SYNC#2 does not complete until the
 * error is fixed (IHI 0070 4.7.3, 7.1).  With IDR0.MSI the syncs signal
 * with MSI writes, whose data shows which completed.
 */
static void test_cmdq_sync_order(void)
{
    QSMMUAuxFix c;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;
    uint64_t a, b, msi, ill_slot;
    uint64_t hb = qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xa2000);
    uint32_t cons, ill_idx;
    bool has_msi;
    int i;

    if (!conf_start(&c)) {
        return;
    }
    has_msi = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, MSI);
    qsmmu_fix_s1_4k(&c, &d);
    a = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa1000);
    b = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xa2000);
    msi = qsmmu_aux_alloc(&c.s, 64, 64);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0xa1000));
    remap4k(&d, IOVA, b);

    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
    qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, has_msi ? SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ
                                     : SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV,
                       has_msi ? msi : 0, 1);
    qsmmu_aux_cmdq_put(&c.s, &cmd);
    ill_idx = qsmmu_aux_q_wrp_idx(c.s.cmdq_prod, c.s.cmdq_log2size);
    qsmmu_aux_cmd_raw(&cmd, 0xff);
    ill_slot = qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, has_msi ? SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ
                                     : SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV,
                       has_msi ? msi + 8 : 0, 2);
    qsmmu_aux_cmdq_put(&c.s, &cmd);
    qsmmu_aux_cmdq_publish(&c.s);

    cons = qsmmu_aux_cmdq_wait(&c.s);
    g_assert_cmphex(FIELD_EX32(cons, CMDQ_CONS, ERR), ==,
                    SMMUV3_AUX_CERROR_ILL);
    g_assert_cmphex(qsmmu_aux_q_wrp_idx(cons, c.s.cmdq_log2size), ==,
                    ill_idx);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c.s), ==,
                    R_GERROR_CMDQ_ERR_MASK);
    if (has_msi) {
        g_assert_cmphex(qsmmu_aux_mem_readl(&c.s, msi), ==, 1);
        g_assert_cmphex(qsmmu_aux_mem_readl(&c.s, msi + 8), ==, 0);
    }
    /* SYNC#1 completed: the TLBI before it has taken effect. */
    g_assert_cmphex(qsmmu_fix_dma_read(&c, IOVA, PAGE), ==, hb);

    /* Linux's recovery: replace the bad command by a CMD_SYNC, ack. */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
    qsmmu_aux_mem_write_qwords(&c.s, ill_slot, cmd.qw, 2);
    qsmmu_aux_gerror_ack(&c.s);
    qsmmu_aux_cmdq_publish(&c.s);
    cons = qsmmu_aux_cmdq_wait(&c.s);
    /* CONS.ERR is UNKNOWN once the error is acknowledged. */
    g_assert_cmphex(qsmmu_aux_q_wrp_idx(cons, c.s.cmdq_log2size), ==,
                    qsmmu_aux_q_wrp_idx(c.s.cmdq_prod, c.s.cmdq_log2size));
    if (has_msi) {
        for (i = 0; i < QSMMU_AUX_POLL_MAX &&
             qsmmu_aux_mem_readl(&c.s, msi + 8) != 2; i++) {
            /* the MSI write is part of completion; poll briefly */
        }
        g_assert_cmphex(qsmmu_aux_mem_readl(&c.s, msi + 8), ==, 2);
    }
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * STE.S2AA64 = 0 (AArch32 stage-2 tables) on an SMMU with IDR0.TTF =
 * AArch64 only is ILLEGAL: C_BAD_STE (IHI 0070 5.2).  Registered last:
 * QEMU's arm-smmuv3 asserts on it.
 */
static void test_ste_bad_s2aa64(void)
{
    QSMMUAuxFix c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    uint32_t ttf;

    if (!conf_start(&c)) {
        return;
    }
    ttf = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, TTF);
    if (!qsmmu_fix_require(ttf == SMMUV3_AUX_IDR0_TTF_AA64,
                           "IDR0.TTF == AArch64 only (the case needs S2AA64 = "
                           "0 to be "
                           "ILLEGAL)")) {
        qsmmu_fix_stop(&c);
        return;
    }
    qsmmu_fix_s2_pt(&c, &pt);
    s2_map4k(&pt, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0xb1000));
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2AA64, 0);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    qsmmu_fix_enable(&c);

    qsmmu_fix_dma_fails(&c, true, IOVA);
    qsmmu_fix_expect_cfg_event(&c, SMMUV3_AUX_EVT_C_BAD_STE, 0);
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    unsigned l;

    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/smmuv3-conformance/s1/4k-linux-cd", test_s1_4k);
    qtest_add_func("/smmuv3-conformance/s1/block-2m", test_s1_block_2m);
    qtest_add_func("/smmuv3-conformance/s1/block-1g", test_s1_block_1g);
    qtest_add_func("/smmuv3-conformance/s1/granule-16k", test_s1_16k);
    qtest_add_func("/smmuv3-conformance/s1/granule-64k", test_s1_64k);
    qtest_add_func("/smmuv3-conformance/s1/ttb1", test_s1_ttb1);
    qtest_add_func("/smmuv3-conformance/s1/epd0", test_s1_epd0);
    for (l = 0; l < 4; l++) {
        g_autofree char *p =
            g_strdup_printf("/smmuv3-conformance/s1/invalid-pte-l%u", l);

        qtest_add_data_func(p, GUINT_TO_POINTER(l), test_s1_invalid_level);
    }
    qtest_add_func("/smmuv3-conformance/s1/permission", test_s1_permission);
    qtest_add_func("/smmuv3-conformance/s1/access-flag", test_s1_access_flag);
    qtest_add_func("/smmuv3-conformance/s1/httu", test_s1_httu);
    qtest_add_func("/smmuv3-conformance/s1/addr-size", test_s1_addr_size);
    qtest_add_func("/smmuv3-conformance/s1/cd-r0", test_s1_cd_r0);
    qtest_add_func("/smmuv3-conformance/s1/cd-a0-raz-wi", test_s1_cd_a0);
    qtest_add_func("/smmuv3-conformance/s1/el2-perms", test_s1_el2_perms);
    qtest_add_func("/smmuv3-conformance/s1/attrs-by-dma",
                   test_s1_attrs_by_dma);
    qtest_add_data_func("/smmuv3-conformance/cd/bad-v0",
                        GUINT_TO_POINTER(0), test_cd_bad);
    qtest_add_data_func("/smmuv3-conformance/cd/bad-t0sz",
                        GUINT_TO_POINTER(1), test_cd_bad);
    qtest_add_data_func("/smmuv3-conformance/cd/fetch-abort", &cd_unmapped,
                        test_cd_fetch);
    qtest_add_data_func("/smmuv3-conformance/hostile/cd-in-own-mmio",
                        &cd_own_mmio, test_cd_fetch);
    qtest_add_func("/smmuv3-conformance/hostile/sync-msi-to-dma-master",
                   test_sync_msi_to_dma_master);
    qtest_add_func("/smmuv3-conformance/s2/only", test_s2_only);
    qtest_add_func("/smmuv3-conformance/nested/basic", test_nested);
    qtest_add_func("/smmuv3-conformance/nested/s2-fault-cd",
                   test_nested_cd_s2_fault);
    qtest_add_func("/smmuv3-conformance/nested/s2-fault-tt",
                   test_nested_tt_s2_fault);
    qtest_add_func("/smmuv3-conformance/inv/tlbi-nh-va", test_inv_tlbi_nh_va);
    qtest_add_func("/smmuv3-conformance/inv/tlbi-nh-asid",
                   test_inv_tlbi_nh_asid);
    qtest_add_func("/smmuv3-conformance/inv/tlbi-range", test_inv_tlbi_range);
    qtest_add_func("/smmuv3-conformance/inv/cfgi-ste", test_inv_cfgi_ste);
    qtest_add_func("/smmuv3-conformance/inv/tlbi-s2-ipa", test_inv_s2_ipa);
    qtest_add_func("/smmuv3-conformance/inv/nested-s2-ipa-nh-all",
                   test_inv_nested_s2);
    qtest_add_func("/smmuv3-conformance/cmdq/sync-ordering",
                   test_cmdq_sync_order);
    /* Last: upstream arm-smmuv3 aborts QEMU here. */
    qtest_add_func("/smmuv3-conformance/ste/bad-s2aa64", test_ste_bad_s2aa64);

    return g_test_run();
}
