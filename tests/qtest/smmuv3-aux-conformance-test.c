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
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/generic-pcihost.h"
#include "libqos/qos-smmuv3-aux.h"

#define TD_SLOT         4
#define SID             0x20            /* 00:04.0 */
#define PAGE            4096ULL
#define RAM_BASE        0x40000000ULL

/* A 2 MiB-aligned IOVA below 2^40, as in upstream's iommu-testdev test. */
#define IOVA            0x8080600000ULL
#define IOVA_1G         0x8040000000ULL
#define IOVA_512M       0x8060000000ULL
#define IOVA_BG_STRIDE  0x100000ULL     /* per-device windows above IOVA */
/* Nested: stage-1 tables, CDs and data sit at IPA = PA + IPA_OFF. */
#define IPA_OFF         0x1000000000ULL
/* An IPA that stage 2 does not map, and PA that decodes to nothing. */
#define IPA_HOLE        (IPA_OFF + 0x70000000ULL)
#define PA_UNMAPPED     0x4000000000ULL

#define SENTINEL        0xc3
#define FAULT_LEN       4               /* one aligned access: one record */
#define TD_DONE         R_TD_STATUS_DONE_MASK
#define TD_ERROR        R_TD_STATUS_ERROR_MASK

static const char *model(void)
{
    const char *m = g_getenv("SMMUV3_AUX_CONFORMANCE_MODEL");

    return m && *m ? m : "smmuv3-aux";
}

typedef struct Conf {
    QTestState *qts;
    QSMMUAux s;
    QGenericPCIBus gbus;
    QSMMUAuxTestdev td;
    QSMMUAuxTestdev extra[3];   /* at TD_SLOT + 1.., SID + 8 * (i + 1) */
    unsigned nextra;
    unsigned oas;               /* IDR5.OAS encoding */
} Conf;

/* QEMU with the test device at TD_SLOT and @nextra more after it. */
static bool conf_start_n(Conf *c, unsigned nextra)
{
    g_autoptr(GString) devs = g_string_new("");
    unsigned i;

    if (!qtest_has_machine("virt") ||
        !qtest_has_device("smmuv3-aux-testdev")) {
        g_test_skip("needs -M virt and smmuv3-aux-testdev");
        return false;
    }
    memset(c, 0, sizeof(*c));
    g_assert_cmpuint(nextra, <=, ARRAY_SIZE(c->extra));
    for (i = 0; i <= nextra; i++) {
        g_string_append_printf(devs, " -device smmuv3-aux-testdev,"
                               "bus=pcie.0,addr=%d.0", TD_SLOT + i);
    }
    c->qts = qtest_initf("-machine virt,gic-version=3,iommu=%s -cpu max "
                         "-m 512M -nodefaults%s", model(), devs->str);
    qsmmu_aux_init(&c->s, c->qts, QSMMU_AUX_VIRT_BASE);
    qpci_init_generic(&c->gbus, c->qts, NULL, false);
    qsmmu_aux_td_init(&c->td, &c->gbus.bus, QPCI_DEVFN(TD_SLOT, 0));
    c->nextra = nextra;
    for (i = 0; i < nextra; i++) {
        qsmmu_aux_td_init(&c->extra[i], &c->gbus.bus,
                          QPCI_DEVFN(TD_SLOT + 1 + i, 0));
    }
    c->oas = FIELD_EX32(qsmmu_aux_readl(&c->s, A_IDR5), IDR5, OAS);
    qsmmu_aux_strtab_linear(&c->s, 8);
    qsmmu_aux_bringup(&c->s, 8, 8);
    return true;
}

static bool conf_start(Conf *c)
{
    return conf_start_n(c, 0);
}

/* Invalidate everything, then SMMUEN = 1. */
static void conf_enable(Conf *c)
{
    qsmmu_aux_cmdq_invalidate_all(&c->s);
    qsmmu_aux_enable(&c->s);
}

static void conf_stop(Conf *c)
{
    unsigned i;

    for (i = 0; i < c->nextra; i++) {
        qsmmu_aux_td_free(&c->extra[i]);
    }
    qsmmu_aux_td_free(&c->td);
    qtest_quit(c->qts);
}

/* Fail the case for a feature the device does not implement. */
static bool require(bool have, const char *what)
{
    if (!have) {
        g_test_message("device lacks %s", what);
        g_test_fail();
    }
    return have;
}

/* ---- Data ------------------------------------------------------------ */

/* Page-aligned buffer holding the testdev WRITE pattern from @seed. */
static uint64_t alloc_data(Conf *c, uint64_t size, uint64_t align,
                           uint32_t seed)
{
    uint64_t pa = qsmmu_aux_alloc(&c->s, size, align);
    g_autofree uint8_t *buf = g_malloc(size);

    qsmmu_aux_td_write_pattern(buf, size, seed);
    qtest_memwrite(c->qts, pa, buf, size);
    return pa;
}

static uint64_t alloc_sentinel(Conf *c, uint64_t size, uint64_t align)
{
    uint64_t pa = qsmmu_aux_alloc(&c->s, size, align);

    qtest_memset(c->qts, pa, SENTINEL, size);
    return pa;
}

static uint64_t pattern_hash(uint64_t h, uint64_t len, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);

    qsmmu_aux_td_write_pattern(buf, len, seed);
    return qsmmu_aux_fnv1a(h, buf, len);
}

static void expect_mem_pattern(Conf *c, uint64_t pa, uint64_t len,
                               uint32_t seed)
{
    g_autofree uint8_t *want = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    qsmmu_aux_td_write_pattern(want, len, seed);
    qtest_memread(c->qts, pa, got, len);
    g_assert_cmpmem(got, len, want, len);
}

static void expect_mem_sentinel(Conf *c, uint64_t pa, uint64_t len)
{
    g_autofree uint8_t *want = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    memset(want, SENTINEL, len);
    qtest_memread(c->qts, pa, got, len);
    g_assert_cmpmem(got, len, want, len);
}

/* ---- DMA ------------------------------------------------------------- */

static void dma_ok(Conf *c, uint32_t cmd, uint64_t src, uint64_t dst,
                   uint32_t len, uint32_t pattern)
{
    g_assert_cmphex(qsmmu_aux_td_run(&c->td, cmd, src, dst, len, pattern),
                    ==, TD_DONE);
}

static uint64_t dma_read(Conf *c, uint64_t iova, uint32_t len)
{
    dma_ok(c, SMMUV3_AUX_TD_CMD_READ, iova, 0, len, 0);
    return qsmmu_aux_td_result(&c->td);
}

static void dma_write(Conf *c, uint64_t iova, uint32_t len, uint32_t seed)
{
    dma_ok(c, SMMUV3_AUX_TD_CMD_WRITE, 0, iova, len, seed);
}

/* A one-access DMA that must fail at @iova. */
static void dma_fails(Conf *c, bool read, uint64_t iova)
{
    uint32_t st = qsmmu_aux_td_run(&c->td, read ? SMMUV3_AUX_TD_CMD_READ
                                               : SMMUV3_AUX_TD_CMD_WRITE,
                                   iova, iova, FAULT_LEN, 0x5a5a5a5a);

    g_assert_cmphex(st, ==, TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_err_addr(&c->td), ==, iova);
}

/* A READ whose result is either of two hashes (cached or not). */
static void expect_read_either(Conf *c, uint64_t iova, uint32_t len,
                               uint64_t old_h, uint64_t new_h)
{
    uint64_t h = dma_read(c, iova, len);

    if (h != old_h && h != new_h) {
        g_test_message("read at 0x%" PRIx64 ": hash 0x%" PRIx64 " is "
                       "neither old 0x%" PRIx64 " nor new 0x%" PRIx64,
                       iova, h, old_h, new_h);
        g_assert_not_reached();
    }
}

/* ---- Events ---------------------------------------------------------- */

static void expect_no_event(Conf *c)
{
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&c->s), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(&c->s), ==, 0);
}

static void pop_one(Conf *c, SMMUv3AuxEvtRecord *r, uint8_t id)
{
    uint64_t qw0 = 0;

    g_assert_cmpuint(qsmmu_aux_evtq_pending(&c->s), ==, 1);
    g_assert_true(qsmmu_aux_evtq_pop(&c->s, r));
    qw0 = FIELD_DP64(qw0, EVT_0, EVENTID, id);
    qw0 = FIELD_DP64(qw0, EVT_0, SID, SID);
    g_assert_cmphex(r->qw[0], ==, qw0);
}

/*
 * A translation-class fault (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS,
 * F_PERMISSION; IHI 0070 7.3.13-16) of an unprivileged data access without
 * a substream: RnW, S2, CLASS; InputAddr; IPA [55:12] when S2 == 1 (UNKNOWN
 * for stage 1); TTRnW, which 7.3.16 defines for F_PERMISSION only, when
 * CLASS == TT (UNKNOWN otherwise; walks are reads).  Everything else
 * (Stall, STAG, PnU, InD, NSIPA) is 0.
 */
static void expect_fault(Conf *c, uint8_t id, uint64_t input, bool rnw,
                         bool s2, unsigned cls, uint64_t ipa)
{
    SMMUv3AuxEvtRecord r;
    uint64_t q1 = 0, mask = ~0ULL;

    pop_one(c, &r, id);
    q1 = FIELD_DP64(q1, EVT_1, RNW, rnw);
    q1 = FIELD_DP64(q1, EVT_1, S2, s2);
    q1 = FIELD_DP64(q1, EVT_1, CLASS, cls);
    if (id == SMMUV3_AUX_EVT_F_PERMISSION && cls == SMMUV3_AUX_EVT_CLASS_TT) {
        q1 = FIELD_DP64(q1, EVT_1, TTRNW, 1);
    } else {
        mask &= ~R_EVT_1_TTRNW_MASK;
    }
    g_assert_cmphex(r.qw[1] & mask, ==, q1);
    g_assert_cmphex(r.qw[2], ==, input);
    if (s2) {
        g_assert_cmphex(r.qw[3], ==, ipa & R_EVT_3_IPA_MASK);
    } else {
        g_assert_cmphex(r.qw[3] & ~R_EVT_3_IPA_MASK, ==, 0);
    }
    expect_no_event(c);
}

/*
 * Configuration events: StreamID and @qw3 (FetchAddr); the rest RES0 but
 * for F_CD_FETCH's IMPLEMENTATION DEFINED Reason in the second qword.
 */
static void expect_cfg_event(Conf *c, uint8_t id, uint64_t qw3)
{
    SMMUv3AuxEvtRecord r;

    pop_one(c, &r, id);
    if (id != SMMUV3_AUX_EVT_F_CD_FETCH) {
        g_assert_cmphex(r.qw[1], ==, 0);
    }
    g_assert_cmphex(r.qw[2], ==, 0);
    g_assert_cmphex(r.qw[3], ==, qw3);
    expect_no_event(c);
}

/* ---- Stage-1 domain -------------------------------------------------- */

typedef struct S1Dom {
    QSMMUAuxPT pt;
    uint64_t cd;                /* PA */
    SMMUv3AuxCD cdv;
    uint16_t asid;
} S1Dom;

static void s1_dom(Conf *c, S1Dom *d, unsigned gshift, uint16_t asid,
                   uint64_t oa_offset)
{
    qsmmu_aux_pt_init(&c->s, &d->pt, gshift, 48, QSMMU_AUX_PT_START_AUTO,
                      oa_offset);
    d->cd = qsmmu_aux_alloc(&c->s, SMMUV3_AUX_CD_SIZE, SMMUV3_AUX_CD_SIZE);
    d->asid = asid;
    qsmmu_aux_cd_linux(&d->cdv, &d->pt, asid, c->oas);
    qsmmu_aux_write_cd(&c->s, d->cd, &d->cdv);
}

static void s1_write_cd(Conf *c, S1Dom *d)
{
    qsmmu_aux_write_cd(&c->s, d->cd, &d->cdv);
}

static void s1_install(Conf *c, S1Dom *d)
{
    SMMUv3AuxSTE ste;

    qsmmu_aux_ste_s1(&ste, d->cd);
    qsmmu_aux_write_ste(&c->s, SID, &ste);
}

static uint64_t s1_map4k(S1Dom *d, uint64_t va, uint64_t pa)
{
    return qsmmu_aux_pt_map(&d->pt, va, pa, 3, QSMMU_AUX_S1_ATTRS_LINUX);
}

/* Stage 1 with a 4K granule, 48-bit VA, one CD; SMMU enabled. */
static void s1_4k_start(Conf *c, S1Dom *d)
{
    s1_dom(c, d, 12, 1, 0);
    s1_install(c, d);
}

static void cmd1(Conf *c, const SMMUv3AuxCmd *cmd)
{
    qsmmu_aux_cmdq_run_sync_ok(&c->s, cmd, 1);
}

/* ---- Stage 1 --------------------------------------------------------- */

/* Linux-like CD, 4K pages: READ, WRITE, COPY and a multi-page READ. */
static void test_s1_4k(void)
{
    Conf c;
    S1Dom d;
    uint64_t a, b, cc, h;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0x1000);
    b = alloc_sentinel(&c, PAGE, PAGE);
    cc = alloc_sentinel(&c, PAGE, PAGE);
    s1_map4k(&d, IOVA, a);
    s1_map4k(&d, IOVA + PAGE, b);
    s1_map4k(&d, IOVA + 2 * PAGE, cc);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x1000));
    dma_write(&c, IOVA + PAGE, PAGE, 0x2000);
    expect_mem_pattern(&c, b, PAGE, 0x2000);
    dma_ok(&c, SMMUV3_AUX_TD_CMD_COPY, IOVA, IOVA + 2 * PAGE, PAGE, 0);
    expect_mem_pattern(&c, cc, PAGE, 0x1000);
    expect_mem_pattern(&c, a, PAGE, 0x1000);

    /* Three pages, starting mid-page: 2K of a, b, 2K of cc. */
    {
        g_autofree uint8_t *buf = g_malloc(3 * PAGE);

        qtest_memread(c.qts, a + PAGE / 2, buf, PAGE / 2);
        qtest_memread(c.qts, b, buf + PAGE / 2, PAGE);
        qtest_memread(c.qts, cc, buf + 3 * PAGE / 2, PAGE / 2);
        h = qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, buf, 2 * PAGE);
    }
    g_assert_cmphex(dma_read(&c, IOVA + PAGE / 2, 2 * PAGE), ==, h);
    expect_no_event(&c);
    conf_stop(&c);
}

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
    Conf c;
    S1Dom d;
    uint64_t a, gap, b, iova = IOVA + PAGE - 4;
    uint8_t want[8];

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_sentinel(&c, PAGE, PAGE);
    gap = alloc_sentinel(&c, PAGE, PAGE);
    b = alloc_sentinel(&c, PAGE, PAGE);
    g_assert_cmphex(gap, ==, a + PAGE);
    s1_map4k(&d, IOVA, a);
    s1_map4k(&d, IOVA + PAGE, b);
    conf_enable(&c);
    qpci_io_writel(c.td.dev, c.td.bar, A_TD_CTRL, R_TD_CTRL_CACHED_MASK);

    dma_write(&c, iova, 8, 0x3000);
    qsmmu_aux_td_write_pattern(want, 8, 0x3000);
    expect_mem_sentinel(&c, a, PAGE - 4);
    g_assert_cmphex(qtest_readl(c.qts, a + PAGE - 4), ==, ldl_le_p(want));
    g_assert_cmphex(qtest_readl(c.qts, b), ==, ldl_le_p(want + 4));
    expect_mem_sentinel(&c, b + 4, PAGE - 4);
    expect_mem_sentinel(&c, gap, PAGE);

    g_assert_cmphex(dma_read(&c, iova, 8), ==,
                    qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, want, 8));
    expect_no_event(&c);
    conf_stop(&c);
}

/* Stage 1 4K with one read-only page at IOVA holding pattern @seed. */
static uint64_t s1_ro_page_start(Conf *c, S1Dom *d, uint32_t seed)
{
    uint64_t a;

    s1_4k_start(c, d);
    a = alloc_data(c, PAGE, PAGE, seed);
    qsmmu_aux_pt_map(&d->pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    conf_enable(c);
    return a;
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
    Conf c;
    S1Dom d;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    a = s1_ro_page_start(&c, &d, 0xc000);

    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_READ,
                                     IOVA + PAGE, 0, PAGE, 0), ==, TD_ERROR);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + PAGE, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    g_assert_cmphex(qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_WRITE,
                                     0, IOVA, PAGE, 0x1234), ==, TD_ERROR);
    expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, IOVA, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_pattern(&c, a, PAGE, 0xc000);
    conf_stop(&c);
}

/* Start a TD_CTRL.ASYNC command; it runs in the device's own thread. */
static void td_start_async(QSMMUAuxTestdev *td, uint32_t cmd, uint64_t src,
                           uint64_t dst, uint32_t len)
{
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    qsmmu_aux_td_start(td, cmd, src, dst, len, 0);
}

/* STATUS once BUSY has cleared (within 20 s of host time). */
static uint32_t td_wait(QSMMUAuxTestdev *td)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    uint32_t st;

    while ((st = qpci_io_readl(td->dev, td->bar, A_TD_STATUS)) &
           R_TD_STATUS_BUSY_MASK) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
    return st;
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
    Conf c;
    S1Dom d;
    unsigned i;

    if (!conf_start_n(&c, NDEV - 1)) {
        return;
    }
    s1_4k_start(&c, &d);
    qsmmu_aux_ste_s1(&ste, d.cd);
    for (i = 0; i < NDEV; i++) {
        tds[i] = i ? &c.extra[i - 1] : &c.td;
        qsmmu_aux_write_ste(&c.s, SID + 8 * i, &ste);
        src[i] = alloc_data(&c, LEN, PAGE, 0x10000 * (i + 1));
        dst[i] = alloc_sentinel(&c, LEN, PAGE);
        for (p = 0; p < LEN; p += PAGE) {
            s1_map4k(&d, IOVA + 2 * i * LEN + p, src[i] + p);
            s1_map4k(&d, IOVA + (2 * i + 1) * LEN + p, dst[i] + p);
        }
    }
    conf_enable(&c);

    for (i = 0; i < NDEV; i++) {
        td_start_async(tds[i], SMMUV3_AUX_TD_CMD_COPY, IOVA + 2 * i * LEN,
                       IOVA + (2 * i + 1) * LEN, LEN);
    }
    for (i = 0; i < NDEV; i++) {
        g_assert_cmphex(td_wait(tds[i]), ==, TD_DONE);
        expect_mem_pattern(&c, dst[i], LEN, 0x10000 * (i + 1));
    }
    expect_no_event(&c);
    conf_stop(&c);
}

enum { BG_PAGES = 64, BG_DMAS = 20000 };

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
    td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, iova, 0, 0);
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
    Conf c;
    S1Dom d;
    unsigned i, f, bursts = 0;

    if (!conf_start_n(&c, NDEV - 1)) {
        return;
    }
    s1_4k_start(&c, &d);
    qsmmu_aux_ste_s1(&ste, d.cd);
    buf[0] = alloc_data(&c, PAGE, PAGE, 0x51000);
    buf[1] = alloc_data(&c, PAGE, PAGE, 0x52000);
    dst0 = alloc_sentinel(&c, PAGE, PAGE);
    s1_map4k(&d, IOVA + PAGE, dst0);
    for (i = 1; i < NDEV; i++) {
        qsmmu_aux_write_ste(&c.s, SID + 8 * i, &ste);
        bg = qsmmu_aux_alloc(&c.s, BG_PAGES * PAGE, PAGE);
        for (p = 0; p < BG_PAGES; p++) {
            qtest_writeb(c.qts, bg + p * PAGE, bg_byte(i, p));
            s1_map4k(&d, IOVA + i * IOVA_BG_STRIDE + p * PAGE, bg + p * PAGE);
        }
    }
    conf_enable(&c);
    for (i = 1; i < NDEV; i++) {
        bg_burst(&c.extra[i - 1], IOVA + i * IOVA_BG_STRIDE);
    }

    /* At least FLIPS remaps, and until bursts really overlapped them. */
    for (f = 0; f < FLIPS || bursts < NDEV - 1; f++) {
        g_assert_cmpuint(f, <, 100 * FLIPS);
        s1_map4k(&d, IOVA, buf[f & 1]);     /* remap, as remap4k() */
        qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
        cmd1(&c, &cmd);
        dma_ok(&c, SMMUV3_AUX_TD_CMD_COPY, IOVA, IOVA + PAGE, PAGE, 0);
        expect_mem_pattern(&c, dst0, PAGE, f & 1 ? 0x52000 : 0x51000);
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
        g_assert_cmphex(td_wait(&c.extra[i - 1]), ==, TD_DONE);
        g_assert_cmphex(qsmmu_aux_td_result(&c.extra[i - 1]), ==, bg_sum(i));
    }
    g_test_message("%u background bursts of %u DMAs during %u remaps",
                   bursts, BG_DMAS, f);
    expect_no_event(&c);
    conf_stop(&c);
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
    Conf c;
    S1Dom d;
    uint64_t a, dmas;
    uint32_t st;

    if (!conf_start(&c)) {
        return;
    }
    td = &c.td;
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0x7000);
    s1_map4k(&d, IOVA, a);
    conf_enable(&c);

    dmas = qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT);
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT,
                   SMMUV3_AUX_TESTDEV_MAX_BURST + 1);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0,
                                     0, 0), ==, TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0,
                                     SMMUV3_AUX_TESTDEV_MAX_LEN + 1, 0), ==,
                    TD_ERROR);
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_CACHED_MASK);
    g_assert_cmphex(qsmmu_aux_td_run(td, SMMUV3_AUX_TD_CMD_READ, IOVA, 0,
                                     SMMUV3_AUX_TESTDEV_MAX_CACHED + 1, 0),
                    ==, TD_ERROR);
    g_assert_cmpuint(qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT), ==,
                     dmas);

    /* Long enough that the second CMD surely finds it running. */
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, 4 << 20);
    td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, IOVA, 0, 0);
    qpci_io_writel(td->dev, td->bar, A_TD_CMD, SMMUV3_AUX_TD_CMD_READ);
    st = qpci_io_readl(td->dev, td->bar, A_TD_STATUS);
    g_assert_cmphex(st, ==, R_TD_STATUS_BUSY_MASK | TD_ERROR);
    g_assert_cmphex(td_wait(td), ==, TD_DONE | TD_ERROR);
    g_assert_cmpuint(qpci_io_readq(td->dev, td->bar, A_TD_DMA_COUNT), ==,
                     dmas + (4 << 20));
    expect_no_event(&c);
    conf_stop(&c);
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
    Conf c;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    td = &c.td;
    a = alloc_data(&c, PAGE, PAGE, 0x8000);
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, 1);
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT,
                   SMMUV3_AUX_TESTDEV_MAX_BURST);
    td_start_async(td, SMMUV3_AUX_TD_CMD_BURST, a, 0, 0);  /* GBPA bypass */
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
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x8000));
    conf_stop(&c);
}

/* 4K granule, 2 MiB block at level 2. */
static void test_s1_block_2m(void)
{
    Conf c;
    S1Dom d;
    uint64_t blk;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    blk = alloc_sentinel(&c, 2 * MiB, 2 * MiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, blk, 2, QSMMU_AUX_S1_ATTRS_LINUX);
    conf_enable(&c);

    dma_write(&c, IOVA + 2 * MiB - PAGE, PAGE, 0x3000);
    expect_mem_pattern(&c, blk + 2 * MiB - PAGE, PAGE, 0x3000);
    dma_write(&c, IOVA + 0x123400, 2 * PAGE, 0x4000);
    expect_mem_pattern(&c, blk + 0x123400, 2 * PAGE, 0x4000);
    expect_mem_sentinel(&c, blk, PAGE);
    g_assert_cmphex(dma_read(&c, IOVA + 0x123400, 2 * PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 2 * PAGE, 0x4000));
    expect_no_event(&c);
    conf_stop(&c);
}

/* 4K granule, 1 GiB block at level 1 over the start of RAM. */
static void test_s1_block_1g(void)
{
    Conf c;
    S1Dom d;
    uint64_t tgt;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    qsmmu_aux_pt_map(&d.pt, IOVA_1G, RAM_BASE, 1, QSMMU_AUX_S1_ATTRS_LINUX);
    tgt = alloc_sentinel(&c, 2 * PAGE, PAGE);
    conf_enable(&c);

    dma_write(&c, IOVA_1G + (tgt - RAM_BASE) + 8, PAGE, 0x5000);
    expect_mem_pattern(&c, tgt + 8, PAGE, 0x5000);
    g_assert_cmphex(dma_read(&c, IOVA_1G + (tgt - RAM_BASE) + 8, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x5000));
    expect_no_event(&c);
    conf_stop(&c);
}

/* 16K granule, 48-bit VA (start level 0 with 2 entries). */
static void test_s1_16k(void)
{
    Conf c;
    S1Dom d;
    uint64_t pg;

    if (!conf_start(&c)) {
        return;
    }
    if (!require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR5), IDR5, GRAN16K),
                 "IDR5.GRAN16K")) {
        conf_stop(&c);
        return;
    }
    s1_dom(&c, &d, 14, 1, 0);
    s1_install(&c, &d);
    pg = alloc_sentinel(&c, 16 * KiB, 16 * KiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    conf_enable(&c);

    dma_write(&c, IOVA, 16 * KiB, 0x6000);
    expect_mem_pattern(&c, pg, 16 * KiB, 0x6000);
    g_assert_cmphex(dma_read(&c, IOVA + PAGE, 2 * PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 2 * PAGE, 0x6400));
    /* The next 16K page is not mapped. */
    dma_fails(&c, true, IOVA + 16 * KiB);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 16 * KiB, true,
                 false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    conf_stop(&c);
}

/* 64K granule, 48-bit VA (start level 1), a page and a 512M block. */
static void test_s1_64k(void)
{
    Conf c;
    S1Dom d;
    uint64_t pg, tgt;

    if (!conf_start(&c)) {
        return;
    }
    if (!require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR5), IDR5, GRAN64K),
                 "IDR5.GRAN64K")) {
        conf_stop(&c);
        return;
    }
    s1_dom(&c, &d, 16, 1, 0);
    s1_install(&c, &d);
    pg = alloc_sentinel(&c, 64 * KiB, 64 * KiB);
    qsmmu_aux_pt_map(&d.pt, IOVA, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    qsmmu_aux_pt_map(&d.pt, IOVA_512M, RAM_BASE, 2,
                     QSMMU_AUX_S1_ATTRS_LINUX);
    tgt = alloc_sentinel(&c, PAGE, PAGE);
    conf_enable(&c);

    dma_write(&c, IOVA, 64 * KiB, 0x7000);
    expect_mem_pattern(&c, pg, 64 * KiB, 0x7000);
    g_assert_cmphex(dma_read(&c, IOVA + 60 * KiB, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                 0x7000 + 60 * KiB / 4));
    dma_write(&c, IOVA_512M + (tgt - RAM_BASE), PAGE, 0x7800);
    expect_mem_pattern(&c, tgt, PAGE, 0x7800);
    expect_no_event(&c);
    conf_stop(&c);
}

/* TTB1: the upper VA range, T1SZ = 16, EPD1 = 0. */
static void test_s1_ttb1(void)
{
    const uint64_t va1 = 0xffff808060000000ULL;
    const uint64_t hole = 0x0001000000000000ULL;  /* neither range */
    Conf c;
    S1Dom d;
    QSMMUAuxPT pt1;
    uint64_t pg;

    if (!conf_start(&c)) {
        return;
    }
    s1_dom(&c, &d, 12, 1, 0);
    qsmmu_aux_pt_init(&c.s, &pt1, 12, 48, QSMMU_AUX_PT_START_AUTO, 0);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, T1SZ, 16);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, TG1, qsmmu_aux_pt_tg1(&pt1));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, IR1, 1);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, OR1, 1);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, SH1, 3);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, EPD1, 0);
    d.cdv.qw[2] = FIELD_DP64(d.cdv.qw[2], CD_2, TTB1,
                             qsmmu_aux_pt_ttb(&pt1) >> 4);
    s1_write_cd(&c, &d);
    s1_install(&c, &d);
    pg = alloc_sentinel(&c, PAGE, PAGE);
    qsmmu_aux_pt_map(&pt1, va1, pg, 3, QSMMU_AUX_S1_ATTRS_LINUX);
    /* The same low bits through TTB0 must not reach pg. */
    conf_enable(&c);

    dma_write(&c, va1 + 16, 64, 0x8000);
    expect_mem_pattern(&c, pg + 16, 64, 0x8000);
    g_assert_cmphex(dma_read(&c, va1 + 16, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0x8000));
    expect_no_event(&c);

    dma_fails(&c, true, va1 & MAKE_64BIT_MASK(0, 48));
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION,
                 va1 & MAKE_64BIT_MASK(0, 48), true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    dma_fails(&c, false, hole);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_sentinel(&c, pg, 16);
    conf_stop(&c);
}

/* CD.EPD0 = 1: a TTB0 address faults without a walk. */
static void test_s1_epd0(void)
{
    Conf c;
    S1Dom d;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    s1_map4k(&d, IOVA, alloc_data(&c, PAGE, PAGE, 0x9000));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, EPD0, 1);
    s1_write_cd(&c, &d);
    conf_enable(&c);

    dma_fails(&c, true, IOVA + 0x10);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x10, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    dma_fails(&c, false, IOVA + 0x20);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x20, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    conf_stop(&c);
}

/*
 * Invalid descriptor at one level (0..3) of a 4K, 4-level walk.  Then the
 * descriptor is repaired without invalidation: descriptors that produce a
 * Translation fault are never cached (VMSAv8-64), so the DMA succeeds.
 */
static void test_s1_invalid_level(const void *opaque)
{
    unsigned level = GPOINTER_TO_UINT(opaque);
    Conf c;
    S1Dom d;
    uint64_t a, pte, desc;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0xa000);
    s1_map4k(&d, IOVA, a);
    pte = qsmmu_aux_pt_entry_addr(&d.pt, IOVA, level, false);
    desc = qsmmu_aux_mem_readq(&c.s, pte);
    /* Keep every bit but Valid: only the V bit makes it invalid. */
    qsmmu_aux_mem_writeq(&c.s, pte, desc & ~QSMMU_AUX_PTE_VALID);
    conf_enable(&c);

    dma_fails(&c, true, IOVA + 0x40);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x40, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    dma_fails(&c, false, IOVA + 0x84);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 0x84, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_pattern(&c, a, PAGE, 0xa000);

    qsmmu_aux_mem_writeq(&c.s, pte, desc);
    g_assert_cmphex(dma_read(&c, IOVA + 0x40, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xa000 + 0x10));
    expect_no_event(&c);
    conf_stop(&c);
}

/* AP[2] = 1 (read-only): reads pass, writes fault with F_PERMISSION. */
static void test_s1_permission(void)
{
    Conf c;
    S1Dom d;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    a = s1_ro_page_start(&c, &d, 0xb000);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xb000));
    expect_no_event(&c);
    dma_fails(&c, false, IOVA + 0x100);
    expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, IOVA + 0x100, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_pattern(&c, a, PAGE, 0xb000);
    conf_stop(&c);
}

/* AF = 0: F_ACCESS (no HTTU); with CD.AFFD = 1 the access goes through. */
static void test_s1_access_flag(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;
    uint64_t a;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0xc000);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AF);
    conf_enable(&c);

    dma_fails(&c, true, IOVA + 0x200);
    expect_fault(&c, SMMUV3_AUX_EVT_F_ACCESS, IOVA + 0x200, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);

    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, AFFD, 1);
    s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, IOVA + 0x200, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xc000 + 0x80));
    expect_no_event(&c);
    conf_stop(&c);
}

/* Leaf output address beyond CD.IPS (32 bits): F_ADDR_SIZE. */
static void test_s1_addr_size(void)
{
    Conf c;
    S1Dom d;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    s1_map4k(&d, IOVA, 0x148000000ULL);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, IPS, SMMUV3_AUX_OAS_32);
    s1_write_cd(&c, &d);
    conf_enable(&c);

    dma_fails(&c, true, IOVA + 0x300);
    expect_fault(&c, SMMUV3_AUX_EVT_F_ADDR_SIZE, IOVA + 0x300, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    dma_fails(&c, false, IOVA + 0x304);
    expect_fault(&c, SMMUV3_AUX_EVT_F_ADDR_SIZE, IOVA + 0x304, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    conf_stop(&c);
}

/* CD.R = 0: faults are not recorded, the transaction still aborts. */
static void test_s1_cd_r0(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    s1_map4k(&d, IOVA, alloc_data(&c, PAGE, PAGE, 0xd000));
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 0);
    s1_write_cd(&c, &d);
    conf_enable(&c);

    dma_fails(&c, true, IOVA + PAGE);
    dma_fails(&c, false, IOVA + PAGE + 4);
    expect_no_event(&c);

    /* Control: with R = 1 the same fault is recorded. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 1);
    s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    cmd1(&c, &cmd);
    dma_fails(&c, true, IOVA + PAGE);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + PAGE, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    conf_stop(&c);
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
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;
    uint64_t a, ro = IOVA + PAGE, hole = IOVA + 2 * PAGE;
    uint8_t zero[FAULT_LEN] = { 0 };
    uint64_t zero_h = qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, zero, FAULT_LEN);

    if (!conf_start(&c)) {
        return;
    }
    if (!require(!FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0,
                             TERM_MODEL), "RAZ/WI termination")) {
        conf_stop(&c);
        return;
    }
    s1_4k_start(&c, &d);
    s1_map4k(&d, IOVA, alloc_data(&c, PAGE, PAGE, 0xd800));
    a = alloc_data(&c, PAGE, PAGE, 0xd900);
    qsmmu_aux_pt_map(&d.pt, ro, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, A, 0);
    s1_write_cd(&c, &d);
    conf_enable(&c);

    /* Mapped: unaffected. */
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xd800));
    expect_no_event(&c);
    /* F_TRANSLATION: the read completes and returns zeros. */
    g_assert_cmphex(dma_read(&c, hole + 0x10, FAULT_LEN), ==, zero_h);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    /* F_PERMISSION: the write completes and changes nothing. */
    dma_write(&c, ro + 0x20, FAULT_LEN, 0x5a5a5a5a);
    expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ro + 0x20, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_pattern(&c, a, PAGE, 0xd900);
    /* Not cached: the same faults again, recorded again. */
    g_assert_cmphex(dma_read(&c, hole + 0x10, FAULT_LEN), ==, zero_h);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);

    /* R = 0: RAZ/WI without a record. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, R, 0);
    s1_write_cd(&c, &d);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 0);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, hole, FAULT_LEN), ==, zero_h);
    dma_write(&c, ro, FAULT_LEN, 0x5a5a5a5a);
    expect_no_event(&c);
    expect_mem_pattern(&c, a, PAGE, 0xd900);

    /* Control: A = 1 aborts. */
    d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, A, 1);
    s1_write_cd(&c, &d);
    cmd1(&c, &cmd);
    dma_fails(&c, true, hole);
    expect_no_event(&c);
    conf_stop(&c);
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
    Conf c;
    S1Dom d;
    SMMUv3AuxSTE ste;
    uint64_t a, b, ro = IOVA + PAGE;

    if (!conf_start(&c)) {
        return;
    }
    if (!require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, HYP),
                 "IDR0.HYP")) {
        conf_stop(&c);
        return;
    }
    s1_dom(&c, &d, 12, 0, 0);
    qsmmu_aux_ste_s1(&ste, d.cd);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, STRW, SMMUV3_AUX_STE_STRW_EL2);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    a = alloc_data(&c, PAGE, PAGE, 0xda00);
    b = alloc_data(&c, PAGE, PAGE, 0xdb00);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV);
    qsmmu_aux_pt_map(&d.pt, ro, b, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xda00));
    dma_write(&c, IOVA + 0x100, 64, 0xdc00);
    expect_mem_pattern(&c, a + 0x100, 64, 0xdc00);
    g_assert_cmphex(dma_read(&c, ro, 64), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xdb00));
    expect_no_event(&c);

    /*
     * AP[2] = 1: read-only.  PnU is the transaction's attribute after
     * STE.PRIVCFG (7.3.12): unprivileged, as the device sent it.
     */
    dma_fails(&c, false, ro + 0x40);
    expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ro + 0x40, false, false,
                 SMMUV3_AUX_EVT_CLASS_IN, 0);
    expect_mem_pattern(&c, b, PAGE, 0xdb00);
    conf_stop(&c);
}

/* The test device's TD_ATTRS: PnU and InD of every DMA that follows. */
static void td_attrs(Conf *c, bool priv, bool exec)
{
    qpci_io_writel(c->td.dev, c->td.bar, A_TD_ATTRS,
                   (priv ? R_TD_ATTRS_PRIV_MASK : 0) |
                   (exec ? R_TD_ATTRS_EXEC_MASK : 0));
}

/* One F_PERMISSION read fault with the given PnU and InD (7.3.16). */
static void expect_perm_fault(Conf *c, uint64_t input, bool pnu, bool ind)
{
    SMMUv3AuxEvtRecord r;

    pop_one(c, &r, SMMUV3_AUX_EVT_F_PERMISSION);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, PNU), ==, pnu);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, IND), ==, ind);
    g_assert_cmpuint(FIELD_EX64(r.qw[1], EVT_1, RNW), ==, 1);
    g_assert_cmphex(r.qw[2], ==, input);
    expect_no_event(c);
}

static void set_ste_cfg(Conf *c, S1Dom *d, unsigned privcfg, unsigned instcfg)
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
    uint64_t h = pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0xa700);
    Conf c;
    S1Dom d;

    if (!conf_start(&c)) {
        return;
    }
    s1_dom(&c, &d, 12, 0, 0);
    a = alloc_data(&c, PAGE, PAGE, 0xa700);
    qsmmu_aux_pt_map(&d.pt, IOVA, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV);
    qsmmu_aux_pt_map(&d.pt, xn, a, 3,
                     (QSMMU_AUX_S1_ATTRS_LINUX & ~QSMMU_AUX_PTE_AP_UNPRIV) |
                     (1ULL << 54));
    set_ste_cfg(&c, &d, 0, 0);
    conf_enable(&c);

    dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    td_attrs(&c, true, false);
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==, h);
    td_attrs(&c, false, true);
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==, h);
    dma_fails(&c, true, xn);
    expect_perm_fault(&c, xn, false, true);
    expect_no_event(&c);

    /* PRIVCFG = 0b10: unprivileged whatever the device says. */
    set_ste_cfg(&c, &d, 2, 0);
    td_attrs(&c, true, false);
    dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    /* PRIVCFG = 0b11: privileged. */
    set_ste_cfg(&c, &d, 3, 0);
    td_attrs(&c, false, false);
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==, h);
    /* INSTCFG = 0b11: every read an instruction fetch, even twice. */
    set_ste_cfg(&c, &d, 0, 3);
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==, h);
    g_assert_cmphex(dma_read(&c, IOVA, 64), ==, h);
    /* INSTCFG = 0b10: data, whatever the device says. */
    set_ste_cfg(&c, &d, 0, 2);
    td_attrs(&c, false, true);
    dma_fails(&c, true, IOVA);
    expect_perm_fault(&c, IOVA, false, false);
    conf_stop(&c);
}

/* C_BAD_CD: V = 0 (data 0), T0SZ beyond the maximum (data 1). */
static void test_cd_bad(const void *opaque)
{
    bool t0sz = GPOINTER_TO_UINT(opaque);
    Conf c;
    S1Dom d;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    s1_map4k(&d, IOVA, alloc_data(&c, PAGE, PAGE, 0xe000));
    if (t0sz) {
        /* IHI 0070 5.4: max T0SZ is 39, or 48 (4K) with IDR3.STT == 1 */
        bool stt = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR3), IDR3, STT);

        d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, T0SZ, stt ? 49 : 40);
    } else {
        d.cdv.qw[0] = FIELD_DP64(d.cdv.qw[0], CD_0, V, 0);
    }
    s1_write_cd(&c, &d);
    conf_enable(&c);

    dma_fails(&c, true, IOVA);
    expect_cfg_event(&c, SMMUV3_AUX_EVT_C_BAD_CD, 0);
    conf_stop(&c);
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
    Conf c;
    SMMUv3AuxSTE ste;

    if (!conf_start(&c)) {
        return;
    }
    qsmmu_aux_ste_s1(&ste, cd);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    conf_enable(&c);

    dma_fails(&c, true, IOVA);
    expect_cfg_event(&c, SMMUV3_AUX_EVT_F_CD_FETCH, cd);
    g_assert_cmphex(qsmmu_aux_readl(&c.s, A_CR0), ==,
                    qsmmu_aux_readl(&c.s, A_CR0ACK));
    conf_stop(&c);
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
    Conf c;
    SMMUv3AuxCmd cmd;
    uint64_t src;

    if (!conf_start(&c)) {
        return;
    }
    src = alloc_data(&c, PAGE, PAGE, 0x5a00);
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
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, 64, 0x5a00));
    conf_stop(&c);
}

/* ---- Stage 2 --------------------------------------------------------- */

#define VMID            5

/*
 * 4K granule, 40-bit IPA starting at level 1: two concatenated level-1
 * tables (IHI 0070 5.2 S2SL0, Arm ARM D8.2.6).
 */
static void s2_pt(Conf *c, QSMMUAuxPT *pt)
{
    qsmmu_aux_pt_init(&c->s, pt, 12, 40, 1, 0);
    g_assert_cmpuint(pt->concat, ==, 2);
}

static uint64_t s2_map4k(QSMMUAuxPT *pt, uint64_t ipa, uint64_t pa)
{
    return qsmmu_aux_pt_map(pt, ipa, pa, 3, QSMMU_AUX_S2_ATTRS_LINUX);
}

static void test_s2_only(void)
{
    /* Level-1 index 513: in the second concatenated table. */
    const uint64_t ipa_hi = 0x8040600000ULL, ipa_lo = 0x12345000ULL;
    const uint64_t ipa_ro = 0x12346000ULL, hole = 0x20000000ULL;
    Conf c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    uint64_t a, b, ro;

    if (!conf_start(&c)) {
        return;
    }
    s2_pt(&c, &pt);
    a = alloc_data(&c, PAGE, PAGE, 0x11000);
    b = alloc_sentinel(&c, PAGE, PAGE);
    ro = alloc_data(&c, PAGE, PAGE, 0x12000);
    s2_map4k(&pt, ipa_hi, a);
    s2_map4k(&pt, ipa_lo, b);
    qsmmu_aux_pt_map(&pt, ipa_ro, ro, 3,
                     QSMMU_AUX_S2_ATTRS_LINUX & ~QSMMU_AUX_PTE_S2AP_W);
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, ipa_hi, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x11000));
    dma_write(&c, ipa_lo, PAGE, 0x13000);
    expect_mem_pattern(&c, b, PAGE, 0x13000);
    g_assert_cmphex(dma_read(&c, ipa_ro, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x12000));
    expect_no_event(&c);

    dma_fails(&c, true, hole + 0x10);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, hole + 0x10, true, true,
                 SMMUV3_AUX_EVT_CLASS_IN, hole);
    dma_fails(&c, false, ipa_ro + 0x20);
    expect_fault(&c, SMMUV3_AUX_EVT_F_PERMISSION, ipa_ro + 0x20, false, true,
                 SMMUV3_AUX_EVT_CLASS_IN, ipa_ro);
    expect_mem_pattern(&c, ro, PAGE, 0x12000);
    conf_stop(&c);
}

/* ---- Nested ---------------------------------------------------------- */

typedef struct Nested {
    QSMMUAuxPT s2;
    S1Dom s1;
} Nested;

/*
 * Stage 2 maps IPA_OFF + [ALLOC_START, ALLOC_END) onto the allocator's
 * window with 2M blocks; stage-1 tables and the CD are reached at IPAs.
 */
static void nested_setup(Conf *c, Nested *n, uint64_t cd_ipa)
{
    SMMUv3AuxSTE ste;
    uint64_t pa;

    s2_pt(c, &n->s2);
    for (pa = QSMMU_AUX_ALLOC_START; pa < QSMMU_AUX_ALLOC_END; pa += 2 * MiB) {
        qsmmu_aux_pt_map(&n->s2, pa + IPA_OFF, pa, 2,
                         QSMMU_AUX_S2_ATTRS_LINUX);
    }
    s1_dom(c, &n->s1, 12, 1, IPA_OFF);
    qsmmu_aux_ste_nested(&ste, cd_ipa ? cd_ipa : n->s1.cd + IPA_OFF, &n->s2,
                         VMID, c->oas);
    qsmmu_aux_write_ste(&c->s, SID, &ste);
}

static void test_nested(void)
{
    Conf c;
    Nested n;
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    a = alloc_data(&c, PAGE, PAGE, 0x21000);
    b = alloc_sentinel(&c, PAGE, PAGE);
    s1_map4k(&n.s1, IOVA, a + IPA_OFF);
    s1_map4k(&n.s1, IOVA + PAGE, b + IPA_OFF);
    /* Stage 1 maps IOVA + 3 pages to an IPA stage 2 does not map. */
    s1_map4k(&n.s1, IOVA + 3 * PAGE, IPA_HOLE);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x21000));
    dma_write(&c, IOVA + PAGE, PAGE, 0x22000);
    expect_mem_pattern(&c, b, PAGE, 0x22000);
    expect_no_event(&c);

    dma_fails(&c, true, IOVA + 2 * PAGE + 8);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 2 * PAGE + 8, true,
                 false, SMMUV3_AUX_EVT_CLASS_IN, 0);
    dma_fails(&c, false, IOVA + 3 * PAGE + 8);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA + 3 * PAGE + 8, false,
                 true, SMMUV3_AUX_EVT_CLASS_IN, IPA_HOLE);
    conf_stop(&c);
}

/* The CD's IPA is not mapped at stage 2: S2 fault, CLASS = CD. */
static void test_nested_cd_s2_fault(void)
{
    Conf c;
    Nested n;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, IPA_HOLE + 0x40);
    conf_enable(&c);

    dma_fails(&c, true, IOVA);
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA, true, true,
                 SMMUV3_AUX_EVT_CLASS_CD, IPA_HOLE + 0x40);
    conf_stop(&c);
}

/* The stage-1 TTB0 IPA is not mapped at stage 2: S2 fault, CLASS = TT. */
static void test_nested_tt_s2_fault(void)
{
    const uint64_t ttb = IPA_HOLE + 0x100000;
    Conf c;
    Nested n;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    n.s1.cdv.qw[1] = FIELD_DP64(n.s1.cdv.qw[1], CD_1, TTB0, ttb >> 4);
    s1_write_cd(&c, &n.s1);
    conf_enable(&c);

    dma_fails(&c, false, IOVA);
    /* The level-0 descriptor of IOVA: index IOVA[47:39]. */
    expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA, false, true,
                 SMMUV3_AUX_EVT_CLASS_TT, ttb + ((IOVA >> 39) & 511) * 8);
    conf_stop(&c);
}

/* ---- Invalidation ---------------------------------------------------- */

/* Point the 4K leaf of @va at @pa (no invalidation). */
static void remap4k(S1Dom *d, uint64_t va, uint64_t pa)
{
    s1_map4k(d, va, pa);
}

static void test_inv_tlbi_nh_va(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;
    uint64_t ha = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x31000);
    uint64_t hb = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x32000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0x31000);
    b = alloc_data(&c, PAGE, PAGE, 0x32000);
    s1_map4k(&d, IOVA, a);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, ha);
    remap4k(&d, IOVA, b);
    expect_read_either(&c, IOVA, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, d.asid, IOVA, true, 0, 0, 0, 0);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, hb);
    expect_no_event(&c);
    conf_stop(&c);
}

static void test_inv_tlbi_nh_asid(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;
    uint64_t h[4], pa[4];
    int i;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    for (i = 0; i < 4; i++) {
        pa[i] = alloc_data(&c, PAGE, PAGE, 0x41000 + i * 0x1000);
        h[i] = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x41000 + i * 0x1000);
    }
    s1_map4k(&d, IOVA, pa[0]);
    s1_map4k(&d, IOVA + 2 * MiB, pa[1]);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, h[0]);
    g_assert_cmphex(dma_read(&c, IOVA + 2 * MiB, PAGE), ==, h[1]);
    remap4k(&d, IOVA, pa[2]);
    remap4k(&d, IOVA + 2 * MiB, pa[3]);
    expect_read_either(&c, IOVA, PAGE, h[0], h[2]);
    expect_read_either(&c, IOVA + 2 * MiB, PAGE, h[1], h[3]);
    qsmmu_aux_cmd_tlbi_nh_asid(&cmd, 0, d.asid);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, h[2]);
    g_assert_cmphex(dma_read(&c, IOVA + 2 * MiB, PAGE), ==, h[3]);
    expect_no_event(&c);
    conf_stop(&c);
}

/*
 * Range TLBI (IDR3.RIL): TG = 4K, TTL = 3; pages 0-3 by NUM = 3, SCALE = 0
 * and pages 4-7 by NUM = 1, SCALE = 1 ((NUM + 1) << SCALE pages).
 */
static void test_inv_tlbi_range(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd[2];
    uint64_t ha[8], hb[8], pb[8];
    int i;

    if (!conf_start(&c)) {
        return;
    }
    if (!require(FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR3), IDR3, RIL),
                 "IDR3.RIL")) {
        conf_stop(&c);
        return;
    }
    s1_4k_start(&c, &d);
    for (i = 0; i < 8; i++) {
        uint32_t sa = 0x51000 + i * 0x1000, sb = 0x61000 + i * 0x1000;

        s1_map4k(&d, IOVA + i * PAGE, alloc_data(&c, PAGE, PAGE, sa));
        pb[i] = alloc_data(&c, PAGE, PAGE, sb);
        ha[i] = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, sa);
        hb[i] = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, sb);
    }
    conf_enable(&c);

    for (i = 0; i < 8; i++) {
        g_assert_cmphex(dma_read(&c, IOVA + i * PAGE, PAGE), ==, ha[i]);
        remap4k(&d, IOVA + i * PAGE, pb[i]);
    }
    for (i = 0; i < 8; i++) {
        expect_read_either(&c, IOVA + i * PAGE, PAGE, ha[i], hb[i]);
    }
    qsmmu_aux_cmd_tlbi_nh_va(&cmd[0], 0, d.asid, IOVA, true, 3, 0, 1, 3);
    qsmmu_aux_cmd_tlbi_nh_va(&cmd[1], 0, d.asid, IOVA + 4 * PAGE, true,
                             1, 1, 1, 3);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmd, 2);
    for (i = 0; i < 8; i++) {
        g_assert_cmphex(dma_read(&c, IOVA + i * PAGE, PAGE), ==, hb[i]);
    }
    expect_no_event(&c);
    conf_stop(&c);
}

/* STE change S1 -> bypass -> abort, each made visible by CFGI_STE. */
static void test_inv_cfgi_ste(void)
{
    Conf c;
    S1Dom d;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    uint64_t a, b, hb;
    uint32_t st;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0x71000);
    b = alloc_data(&c, PAGE, PAGE, 0x72000);
    hb = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x72000);
    s1_map4k(&d, IOVA, a);
    conf_enable(&c);
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x71000));

    qsmmu_aux_ste_bypass(&ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    /* Old STE: b's PA is not mapped at stage 1; new STE: bypass. */
    st = qsmmu_aux_td_run(&c.td, SMMUV3_AUX_TD_CMD_READ, b, 0, FAULT_LEN, 0);
    if (st == TD_ERROR) {
        expect_fault(&c, SMMUV3_AUX_EVT_F_TRANSLATION, b, true, false,
                     SMMUV3_AUX_EVT_CLASS_IN, 0);
    } else {
        g_assert_cmphex(st, ==, TD_DONE);
    }
    qsmmu_aux_cmd_cfgi_ste(&cmd, SID);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, b, PAGE), ==, hb);
    expect_no_event(&c);

    qsmmu_aux_ste_abort(&ste);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    cmd1(&c, &cmd);
    /* Config = abort: terminated, nothing recorded. */
    dma_fails(&c, true, b);
    expect_no_event(&c);
    conf_stop(&c);
}

/* Stage 2 only: TLBI_S2_IPA makes a changed stage-2 descriptor visible. */
static void test_inv_s2_ipa(void)
{
    const uint64_t ipa = 0x8040600000ULL;
    Conf c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    uint64_t ha = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x81000);
    uint64_t hb = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x82000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    s2_pt(&c, &pt);
    a = alloc_data(&c, PAGE, PAGE, 0x81000);
    b = alloc_data(&c, PAGE, PAGE, 0x82000);
    s2_map4k(&pt, ipa, a);
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, ipa, PAGE), ==, ha);
    s2_map4k(&pt, ipa, b);
    expect_read_either(&c, ipa, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_s2_ipa(&cmd, VMID, ipa, true, 0, 0, 0, 0);
    cmd1(&c, &cmd);
    g_assert_cmphex(dma_read(&c, ipa, PAGE), ==, hb);
    expect_no_event(&c);
    conf_stop(&c);
}

/*
 * Nested: a stage-2 change under a stage-1 mapping needs TLBI_S2_IPA and,
 * for combined entries, TLBI_NH_ALL of the VMID (as Linux issues them).
 */
static void test_inv_nested_s2(void)
{
    const uint64_t ipa = IPA_OFF + 0x60000000ULL;
    Conf c;
    Nested n;
    SMMUv3AuxCmd cmd[2];
    uint64_t ha = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x91000);
    uint64_t hb = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0x92000);
    uint64_t a, b;

    if (!conf_start(&c)) {
        return;
    }
    nested_setup(&c, &n, 0);
    a = alloc_data(&c, PAGE, PAGE, 0x91000);
    b = alloc_data(&c, PAGE, PAGE, 0x92000);
    s1_map4k(&n.s1, IOVA, ipa);
    s2_map4k(&n.s2, ipa, a);
    conf_enable(&c);

    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, ha);
    s2_map4k(&n.s2, ipa, b);
    expect_read_either(&c, IOVA, PAGE, ha, hb);
    qsmmu_aux_cmd_tlbi_s2_ipa(&cmd[0], VMID, ipa, true, 0, 0, 0, 0);
    qsmmu_aux_cmd_tlbi_nh_all(&cmd[1], VMID);
    qsmmu_aux_cmdq_run_sync_ok(&c.s, cmd, 2);
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, hb);
    expect_no_event(&c);
    conf_stop(&c);
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
    Conf c;
    S1Dom d;
    g_autofree uint8_t *data = g_malloc(STRESS_DATA * PAGE);
    g_autofree uint64_t *l3 = g_new(uint64_t, 512);
    uint64_t base, h;
    unsigned j, k, pass;

    if (!conf_start(&c)) {
        return;
    }
    s1_4k_start(&c, &d);
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
    conf_enable(&c);

    for (pass = 0; pass < 2; pass++) {
        for (j = 0; j < STRESS_PAGES; j += STRESS_CHUNK) {
            h = QSMMU_AUX_FNV1A_INIT;
            for (k = j; k < j + STRESS_CHUNK; k++) {
                h = qsmmu_aux_fnv1a(h, data + stress_perm(k) * PAGE, PAGE);
            }
            g_assert_cmphex(dma_read(&c, IOVA + j * PAGE,
                                     STRESS_CHUNK * PAGE), ==, h);
        }
    }
    expect_no_event(&c);
    conf_stop(&c);
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
    Conf c;
    S1Dom d;
    SMMUv3AuxCmd cmd;
    uint64_t a, b, msi, ill_slot;
    uint64_t hb = pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xa2000);
    uint32_t cons, ill_idx;
    bool has_msi;
    int i;

    if (!conf_start(&c)) {
        return;
    }
    has_msi = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, MSI);
    s1_4k_start(&c, &d);
    a = alloc_data(&c, PAGE, PAGE, 0xa1000);
    b = alloc_data(&c, PAGE, PAGE, 0xa2000);
    msi = qsmmu_aux_alloc(&c.s, 64, 64);
    s1_map4k(&d, IOVA, a);
    conf_enable(&c);
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==,
                    pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE, 0xa1000));
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
    g_assert_cmphex(dma_read(&c, IOVA, PAGE), ==, hb);

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
    expect_no_event(&c);
    conf_stop(&c);
}

/*
 * STE.S2AA64 = 0 (AArch32 stage-2 tables) on an SMMU with IDR0.TTF =
 * AArch64 only is ILLEGAL: C_BAD_STE (IHI 0070 5.2).  Registered last:
 * QEMU's arm-smmuv3 asserts on it.
 */
static void test_ste_bad_s2aa64(void)
{
    Conf c;
    QSMMUAuxPT pt;
    SMMUv3AuxSTE ste;
    uint32_t ttf;

    if (!conf_start(&c)) {
        return;
    }
    ttf = FIELD_EX32(qsmmu_aux_readl(&c.s, A_IDR0), IDR0, TTF);
    if (!require(ttf == SMMUV3_AUX_IDR0_TTF_AA64,
                 "IDR0.TTF == AArch64 only (the case needs S2AA64 = 0 to be "
                 "ILLEGAL)")) {
        conf_stop(&c);
        return;
    }
    s2_pt(&c, &pt);
    s2_map4k(&pt, IOVA, alloc_data(&c, PAGE, PAGE, 0xb1000));
    qsmmu_aux_ste_s2(&ste, &pt, VMID, c.oas);
    ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2AA64, 0);
    qsmmu_aux_write_ste(&c.s, SID, &ste);
    conf_enable(&c);

    dma_fails(&c, true, IOVA);
    expect_cfg_event(&c, SMMUV3_AUX_EVT_C_BAD_STE, 0);
    conf_stop(&c);
}

int main(int argc, char **argv)
{
    unsigned l;

    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/smmuv3-conformance/s1/4k-linux-cd", test_s1_4k);
    qtest_add_func("/smmuv3-conformance/s1/cached-cross-page",
                   test_s1_cached_cross_page);
    qtest_add_func("/smmuv3-conformance/s1/fault-once-per-page",
                   test_s1_fault_once_per_page);
    qtest_add_func("/smmuv3-conformance/s1/async-parallel-copy",
                   test_async_parallel_copy);
    qtest_add_func("/smmuv3-conformance/s1/async-inval-stress",
                   test_async_inval_stress);
    qtest_add_func("/smmuv3-conformance/testdev/limits", test_testdev_limits);
    qtest_add_func("/smmuv3-conformance/testdev/reset-cancels",
                   test_testdev_reset_cancels);
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
    qtest_add_func("/smmuv3-conformance/stress/iotlb-64k-pages",
                   test_stress_iotlb);
    qtest_add_func("/smmuv3-conformance/cmdq/sync-ordering",
                   test_cmdq_sync_order);
    /* Last: upstream arm-smmuv3 aborts QEMU here. */
    qtest_add_func("/smmuv3-conformance/ste/bad-s2aa64", test_ste_bad_s2aa64);

    return g_test_run();
}
