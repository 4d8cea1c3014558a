/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of core-tlb: the memory core's translation cache
 * (memory_region_iommu_enable_translation_cache(), patches/qemu/0013)
 * that arm-smmuv3-aux enables for every master whose StreamID is fixed,
 * and of the SMMU's cache of table pages for its own structure reads.
 * A hit asks neither the SMMU nor the target address space, so these
 * check that it serves repeated accesses, and that each thing that can
 * change a translation takes it away: a TLBI, a CFGI, disabling the SMMU,
 * and a change of the target address space's memory map with no SMMU
 * command at all.  The same cases run on upstream's arm-smmuv3 with
 * x-core-tlb=on (patches/qemu/0014), which opts in to the same cache.
 * And of the miss path under it: a translation delivers the interrupt it
 * raised.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define TD_IOMMU_MR     "smmuv3-aux-iommu-memory-region-root-04.0[0]"
#define IOVA            0x8080600000ULL
#define ASID            1               /* qsmmu_fix_s1_4k()'s */
#define PAGE            0x1000ULL
#define IVSHMEM_SLOT    6
#define IVSHMEM_FILL    0x77

#define UPSTREAM        "smmuv3"
#define UPSTREAM_ON     "-global arm-smmuv3.x-core-tlb=on"

typedef struct Ctx {
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    uint64_t data[2];
    bool upstream;
    char *smmu;                 /* upstream: the SMMU's QOM path */
} Ctx;

static uint32_t seed(unsigned i)
{
    return (i + 1) << 12;
}

/*
 * Start the machine without tables: model NULL for arm-smmuv3-aux,
 * UPSTREAM for arm-smmuv3, opted in to the cache unless UPSTREAM_DEFAULT.
 */
#define UPSTREAM_DEFAULT    "smmuv3-default"

static bool boot(Ctx *c, const char *model, const char *args)
{
    bool opt_in = model && strcmp(model, UPSTREAM_DEFAULT);
    g_autofree char *all = g_strdup_printf("%s %s", opt_in ? UPSTREAM_ON : "",
                                           args ? args : "");

    c->upstream = model != NULL;
    c->smmu = NULL;
    if (!qsmmu_fix_start(&c->f, c->upstream ? UPSTREAM : "smmuv3-aux", 0,
                         all)) {
        return false;
    }
    if (c->upstream) {
        c->smmu = qsmmu_fix_device_path(c->f.qts, "arm-smmuv3");
    }
    return true;
}

/* boot(), and IOVA mapped by stage 1 to data[0], the SMMU enabled. */
static bool start_model(Ctx *c, const char *model, const char *args)
{
    if (!boot(c, model, args)) {
        return false;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(c->data); i++) {
        c->data[i] = qsmmu_fix_alloc_data(&c->f, PAGE, PAGE, seed(i));
    }
    qsmmu_fix_s1_4k(&c->f, &c->d);
    qsmmu_fix_s1_map4k(&c->d, IOVA, c->data[0]);
    qsmmu_fix_enable(&c->f);
    return true;
}

static bool start(Ctx *c, const char *args)
{
    return start_model(c, NULL, args);
}

static void stop(Ctx *c)
{
    qsmmu_fix_expect_no_event(&c->f);
    qsmmu_fix_stop(&c->f);
    g_free(c->smmu);
}

static void expect_page(Ctx *c, unsigned i)
{
    g_assert_cmphex(qsmmu_fix_dma_read(&c->f, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           seed(i)));
}

static uint64_t mr_stat(Ctx *c, const char *name)
{
    return qsmmu_fix_qom_uint(c->f.qts, TD_IOMMU_MR, name);
}

/* The memory core's cache hits for the test device. */
static uint64_t hits(Ctx *c)
{
    return c->upstream ? qsmmu_fix_qom_uint(c->f.qts, c->smmu,
                                            "x-core-tlb-hits")
                       : mr_stat(c, "core-tlb-hits");
}

/* start_model(), and IOVA read twice: the second read a core-tlb hit. */
static bool start_cached(Ctx *c, const char *model)
{
    if (!start_model(c, model, NULL)) {
        return false;
    }
    expect_page(c, 0);
    expect_page(c, 0);
    g_assert_cmpuint(hits(c), >, 0);
    return true;
}

/* query-smmuv3-aux's "core-tlb" cache: its capacity and hits. */
static void qmp_core_tlb(Ctx *c, uint64_t *capacity, uint64_t *hits)
{
    QDict *rsp = qtest_qmp(c->f.qts, "{'execute': 'query-smmuv3-aux'}");
    QList *smmus = qdict_get_qlist(rsp, "return");
    QDict *smmu = qobject_to(QDict, qlist_peek(smmus));
    const QListEntry *e;
    bool found = false;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(smmu, "caches"), e) {
        QDict *cache = qobject_to(QDict, qlist_entry_obj(e));

        if (g_str_equal(qdict_get_str(cache, "name"), "core-tlb")) {
            *capacity = qdict_get_int(cache, "capacity");
            *hits = qdict_get_int(cache, "hits");
            found = true;
        }
    }
    g_assert_true(found);
    qobject_unref(rsp);
}

/*
 * Repeated reads of one page: the first reaches the SMMU, the others are
 * served by the memory core (core-tlb-hits), so the micro-TLB behind it
 * sees none of them; with core-tlb=off the micro-TLB serves them.
 */
static void test_serves_hits(const void *opaque)
{
    bool on = !opaque;
    uint64_t misses, capacity = 0, hits = 0;
    Ctx c;

    if (!start(&c, on ? NULL : "-global arm-smmuv3-aux.core-tlb=off")) {
        return;
    }
    expect_page(&c, 0);
    misses = mr_stat(&c, "utlb-misses");
    g_assert_cmpuint(misses, >, 0);
    for (int i = 0; i < 4; i++) {
        expect_page(&c, 0);
    }
    g_assert_cmpuint(mr_stat(&c, "utlb-misses"), ==, misses);
    if (on) {
        g_assert_cmpuint(mr_stat(&c, "core-tlb-hits"), >=, 4);
        g_assert_cmpuint(mr_stat(&c, "utlb-hits"), ==, 0);
    } else {
        g_assert_cmpuint(mr_stat(&c, "core-tlb-hits"), ==, 0);
        g_assert_cmpuint(mr_stat(&c, "utlb-hits"), >=, 4);
    }
    qmp_core_tlb(&c, &capacity, &hits);
    /* 64 entries for each device that has one (the host bridge too). */
    if (on) {
        g_assert_cmpuint(capacity, >=, 64);
        g_assert_cmpuint(capacity % 64, ==, 0);
    } else {
        g_assert_cmpuint(capacity, ==, 0);
    }
    g_assert_cmpuint(hits, ==, mr_stat(&c, "core-tlb-hits"));
    stop(&c);
}

/*
 * A PTE rewritten without TLBI may still be used (the architecture lets
 * an SMMU cache it); after TLBI_NH_VA and CMD_SYNC it must not be.
 */
static void test_tlbi(const void *model)
{
    SMMUv3AuxCmd cmd;
    uint64_t before;
    Ctx c;

    if (!start_cached(&c, model)) {
        return;
    }
    before = hits(&c);
    qsmmu_fix_s1_map4k(&c.d, IOVA, c.data[1]);
    expect_page(&c, 0);
    g_assert_cmpuint(hits(&c), >, before);

    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, ASID, IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c.f, &cmd);
    expect_page(&c, 1);
    stop(&c);
}

/* The STE rewritten to abort: after CFGI_STE the cached page is gone. */
static void test_cfgi(const void *model)
{
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    Ctx c;

    if (!start_cached(&c, model)) {
        return;
    }
    qsmmu_aux_ste_abort(&ste);
    qsmmu_aux_write_ste(&c.f.s, QSMMU_FIX_SID, &ste);
    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);
    qsmmu_fix_cmd(&c.f, &cmd);
    qsmmu_fix_dma_fails(&c.f, true, IOVA);
    stop(&c);
}

/*
 * SMMUEN cleared with GBPA.ABORT set: no command at all, and the next
 * DMA must be aborted, not served from the cache.
 */
static void test_smmuen_off(const void *model)
{
    Ctx c;

    if (!start_model(&c, model, NULL)) {
        return;
    }
    /* GBPA first, so that only the CR0 write can retire the page. */
    g_assert_true(qsmmu_aux_gbpa_update(&c.f.s, R_GBPA_ABORT_MASK));
    expect_page(&c, 0);
    expect_page(&c, 0);
    g_assert_cmpuint(hits(&c), >, 0);
    g_assert_true(qsmmu_aux_write_cr0(&c.f.s,
                                      qsmmu_aux_readl(&c.f.s, A_CR0) &
                                      ~R_CR0_SMMUEN_MASK));
    qsmmu_fix_dma_fails(&c.f, true, IOVA);
    stop(&c);
}

/* Upstream's default: no cache, every read reaches its translate(). */
static void test_upstream_hits(const void *opaque)
{
    bool on = !opaque;
    Ctx c;

    if (!start_model(&c, on ? UPSTREAM : UPSTREAM_DEFAULT, NULL)) {
        return;
    }
    for (int i = 0; i < 5; i++) {
        expect_page(&c, 0);
    }
    if (on) {
        g_assert_cmpuint(hits(&c), >=, 4);
    } else {
        g_assert_cmpuint(hits(&c), ==, 0);
    }
    stop(&c);
}

/*
 * Nested, stage 1 writable and stage 2 read-only: a read may fill the
 * memory core's cache, and a write after it must still fault at stage 2.
 * (Upstream's model returns stage 1's permission and checks stage 2
 * itself, so it must not let the core keep such a translation.)
 */
#define NESTED_IPA_OFF  0x1000000000ULL
#define NESTED_IPA_RO   (NESTED_IPA_OFF + 0x7fe00000ULL)   /* not a block */
#define NESTED_VMID     5

static void test_nested_s2_ro(const void *model)
{
    QSMMUFixNested n;
    SMMUv3AuxEvtRecord r;
    uint64_t pa;
    Ctx c;

    if (!boot(&c, model, model ? "-global arm-smmuv3.stage=nested" : NULL)) {
        return;
    }
    qsmmu_fix_nested_setup(&c.f, &n, NESTED_IPA_OFF, NESTED_VMID, 0);
    pa = qsmmu_fix_alloc_data(&c.f, PAGE, PAGE, seed(0));
    qsmmu_aux_pt_map(&n.s2, NESTED_IPA_RO, pa, 3,
                     QSMMU_AUX_S2_ATTRS_LINUX & ~QSMMU_AUX_PTE_S2AP_W);
    qsmmu_fix_s1_map4k(&n.s1, IOVA, NESTED_IPA_RO);
    qsmmu_fix_enable(&c.f);
    expect_page(&c, 0);
    expect_page(&c, 0);
    qsmmu_fix_dma_fails(&c.f, false, IOVA);
    qsmmu_fix_pop_event(&c.f, &r, SMMUV3_AUX_EVT_F_PERMISSION);
    stop(&c);
}

/* ivshmem-plain at IVSHMEM_SLOT with its 1 MiB RAM BAR mapped. */
static QPCIDevice *ivshmem_start(Ctx *c, const char *model, QPCIBar *bar)
{
    QPCIDevice *dev;
    uint64_t size;

    if (!qtest_has_device("ivshmem-plain")) {
        g_test_skip("needs ivshmem-plain");
        return NULL;
    }
    if (!start_model(c, model,
                     "-object memory-backend-ram,id=shm,size=1M,share=on "
                     "-device ivshmem-plain,memdev=shm,bus=pcie.0,addr=6.0")) {
        return NULL;
    }
    dev = qpci_device_find(&c->f.gbus.bus, QPCI_DEVFN(IVSHMEM_SLOT, 0));
    g_assert_nonnull(dev);
    *bar = qpci_iomap(dev, 2, &size);
    g_assert_cmpuint(size, ==, 1 << 20);
    qpci_device_enable(dev);
    return dev;
}

static void decode(QPCIDevice *dev, bool on)
{
    uint16_t cmd = qpci_config_readw(dev, PCI_COMMAND);

    qpci_config_writew(dev, PCI_COMMAND, on ? cmd | PCI_COMMAND_MEMORY
                                            : cmd & ~PCI_COMMAND_MEMORY);
}

/*
 * IOVA maps an ivshmem-plain RAM BAR.  Turning the BAR's memory decoding
 * off changes the target address space's map, and no SMMU command is
 * involved: the next read must find nothing there (a decode error, no
 * SMMU event), not the RAM the cache still points to; turned back on,
 * the same read works again.
 */
static void test_memory_map_change(const void *model)
{
    QPCIDevice *dev;
    QPCIBar bar;
    uint8_t buf[PAGE];
    uint64_t want;
    Ctx c;

    dev = ivshmem_start(&c, model, &bar);
    if (!dev) {
        return;
    }
    qtest_memset(c.f.qts, bar.addr, IVSHMEM_FILL, PAGE);
    memset(buf, IVSHMEM_FILL, sizeof(buf));
    want = qsmmu_aux_fnv1a(QSMMU_AUX_FNV1A_INIT, buf, sizeof(buf));

    qsmmu_fix_s1_map4k(&c.d, IOVA, bar.addr);
    g_assert_cmphex(qsmmu_fix_dma_read(&c.f, IOVA, PAGE), ==, want);
    g_assert_cmphex(qsmmu_fix_dma_read(&c.f, IOVA, PAGE), ==, want);
    g_assert_cmpuint(hits(&c), >, 0);

    decode(dev, false);
    qsmmu_fix_dma_fails(&c.f, true, IOVA);
    qsmmu_fix_expect_no_event(&c.f);

    decode(dev, true);
    g_assert_cmphex(qsmmu_fix_dma_read(&c.f, IOVA, PAGE), ==, want);
    g_free(dev);
    stop(&c);
}

/*
 * The SMMU's own structure reads keep host addresses of table pages
 * (smmuv3-aux-dma.c) while the memory map is unchanged.  The CD lives in
 * the ivshmem BAR: once the BAR stops decoding, a fetch of it (after
 * CFGI_STE emptied the configuration cache) must abort with F_CD_FETCH,
 * not read the RAM the page cache still points to.
 *
 * That cache is direct-mapped by page number (32 pages), so the CD goes
 * to a page of the BAR whose slot the reads between the two fetches
 * (the command queue, the stream table) do not take: otherwise they
 * would evict it and the test would pass without the generation check.
 */
#define TABLE_PAGE_SLOTS    32

static bool slot_taken(uint64_t pa, const uint64_t *pas, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if ((pa >> 12) % TABLE_PAGE_SLOTS == (pas[i] >> 12) % TABLE_PAGE_SLOTS) {
            return true;
        }
    }
    return false;
}

static void test_structure_map_change(void)
{
    SMMUv3AuxEvtRecord r;
    SMMUv3AuxCmd cmd;
    QPCIDevice *dev;
    QPCIBar bar;
    Ctx c;

    dev = ivshmem_start(&c, NULL, &bar);
    if (!dev) {
        return;
    }
    c.d.cd = bar.addr;
    {
        const uint64_t busy[] = { c.f.s.cmdq, c.f.s.strtab, c.f.s.evtq };

        while (slot_taken(c.d.cd, busy, ARRAY_SIZE(busy))) {
            c.d.cd += PAGE;
        }
    }
    qsmmu_fix_s1_write_cd(&c.f, &c.d);
    qsmmu_fix_s1_install(&c.f, &c.d);
    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);
    qsmmu_fix_cmd(&c.f, &cmd);
    expect_page(&c, 0);

    decode(dev, false);
    qsmmu_fix_cmd(&c.f, &cmd);
    qsmmu_fix_dma_fails(&c.f, true, IOVA);
    qsmmu_fix_pop_event(&c.f, &r, SMMUV3_AUX_EVT_F_CD_FETCH);

    decode(dev, true);
    qsmmu_fix_cmd(&c.f, &cmd);
    expect_page(&c, 0);
    g_free(dev);
    stop(&c);
}

/*
 * A translation that misses every cache flushes only what it latched
 * itself.  The fault's EVTQ MSI must then be in memory once the test
 * device reports the failed DMA, with no SMMU register access in between:
 * one would flush the latch and hide a miss path that never delivers.
 */
static void test_fault_msi(void)
{
    const uint32_t data = 0xfeedf00d;
    SMMUv3AuxEvtRecord r;
    uint64_t msi;
    Ctx c;

    if (!start(&c, NULL)) {
        return;
    }
    msi = qsmmu_fix_alloc_sentinel(&c.f, 64, 64);
    qsmmu_aux_writeq(&c.f.s, A_EVENTQ_IRQ_CFG0, msi);
    qsmmu_aux_writel(&c.f.s, A_EVENTQ_IRQ_CFG1, data);
    qsmmu_aux_writel(&c.f.s, A_EVENTQ_IRQ_CFG2, 1);    /* Device-nGnRE */
    g_assert_true(qsmmu_aux_write_irq_ctrl(&c.f.s,
                                           R_IRQ_CTRL_GERROR_IRQEN_MASK |
                                           R_IRQ_CTRL_EVENTQ_IRQEN_MASK));
    /* The next page has no descriptor: F_TRANSLATION. */
    qsmmu_fix_dma_fails(&c.f, true, IOVA + PAGE);
    g_assert_cmphex(qtest_readl(c.f.qts, msi), ==, data);
    qsmmu_fix_pop_event(&c.f, &r, SMMUV3_AUX_EVT_F_TRANSLATION);
    stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/smmuv3-aux/core-tlb/on-serves-hits", NULL,
                        test_serves_hits);
    qtest_add_data_func("/smmuv3-aux/core-tlb/off-utlb-serves", "off",
                        test_serves_hits);
    qtest_add_data_func("/smmuv3-aux/core-tlb/tlbi", NULL, test_tlbi);
    qtest_add_data_func("/smmuv3-aux/core-tlb/cfgi-ste", NULL, test_cfgi);
    qtest_add_data_func("/smmuv3-aux/core-tlb/smmuen-off", NULL,
                        test_smmuen_off);
    qtest_add_data_func("/smmuv3-aux/core-tlb/memory-map-change", NULL,
                        test_memory_map_change);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/on-serves-hits", NULL,
                        test_upstream_hits);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/off-default", "off",
                        test_upstream_hits);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/tlbi", UPSTREAM,
                        test_tlbi);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/cfgi-ste", UPSTREAM,
                        test_cfgi);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/smmuen-off", UPSTREAM,
                        test_smmuen_off);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/memory-map-change",
                        UPSTREAM, test_memory_map_change);
    qtest_add_data_func("/smmuv3-aux/core-tlb/nested-s2-read-only", NULL,
                        test_nested_s2_ro);
    qtest_add_data_func("/smmuv3-aux/core-tlb/upstream/nested-s2-read-only",
                        UPSTREAM, test_nested_s2_ro);
    qtest_add_func("/smmuv3-aux/table-pages/memory-map-change",
                   test_structure_map_change);
    qtest_add_func("/smmuv3-aux/miss-path/fault-msi", test_fault_msi);
    return g_test_run();
}
