/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of arm-smmuv3-aux's properties and of the board's description of
 * it, on -M virt,iommu=smmuv3-aux: each ID-register property changes
 * exactly its field, invalid values are refused, each cache property
 * (iotlb-size, cfgc-size, utlb) keeps or drops what it should, the
 * MSI DeviceID agrees with the DT, and the ACPI IORT describes the SMMU.
 * DMA is issued by smmuv3-aux-testdev through the libqos fixture.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/qos-smmuv3-aux.h"
#include "libqos/qos-smmuv3-aux-fixture.h"
#include "libqos/qos-virt-fw.h"
#include "tests/unit/smmuv3-aux-reg-table.h"

#define PAGE_SIZE_4K        4096ULL

/* 512 MiB of RAM so that the libqos window 0x48000000-0x50000000 exists. */
#define MACHINE_ARGS \
    "-machine virt,gic-version=3,iommu=smmuv3-aux -cpu max -m 512M " \
    "-nodefaults"

/*
 * ---- Properties: each -global arm-smmuv3-aux.<prop> changes exactly the
 * ID register field it is documented to control.
 */
typedef struct PropCase {
    const char *name;
    const char *global;     /* "prop=value" */
    uint64_t reg;
    uint32_t mask;          /* field that must change */
    uint32_t value;         /* its expected value */
} PropCase;

static const PropCase prop_cases[] = {
    { "sid-size", "sid-size=8", A_IDR1, R_IDR1_SIDSIZE_MASK, 8 },
    { "ssidsize", "ssidsize=8", A_IDR1, R_IDR1_SSIDSIZE_MASK,
      8 << R_IDR1_SSIDSIZE_SHIFT },
    /* ssidsize=0 is the no-substream SMMU: no CD2L either. */
    { "ssidsize-0", "ssidsize=0", A_IDR0, R_IDR0_CD2L_MASK, 0 },
    { "cmdqs", "cmdqs=8", A_IDR1, R_IDR1_CMDQS_MASK,
      8 << R_IDR1_CMDQS_SHIFT },
    { "evtqs", "evtqs=3", A_IDR1, R_IDR1_EVENTQS_MASK,
      3 << R_IDR1_EVENTQS_SHIFT },
    { "oas", "oas=40", A_IDR5, R_IDR5_OAS_MASK, SMMUV3_AUX_OAS_40 },
    { "two-level-stream-table", "two-level-stream-table=off", A_IDR0,
      R_IDR0_ST_LEVEL_MASK, 0 },
    { "msi", "msi=off", A_IDR0, R_IDR0_MSI_MASK, 0 },
    { "cohacc", "cohacc=off", A_IDR0, R_IDR0_COHACC_MASK, 0 },
    { "stage1", "stage1=off", A_IDR0, R_IDR0_S1P_MASK, 0 },
    { "stage2", "stage2=off", A_IDR0, R_IDR0_S2P_MASK, 0 },
    { "hyp", "hyp=off", A_IDR0, R_IDR0_HYP_MASK, 0 },
    { "asid16", "asid16=off", A_IDR0, R_IDR0_ASID16_MASK, 0 },
    { "vmid16", "vmid16=off", A_IDR0, R_IDR0_VMID16_MASK, 0 },
    { "ril", "ril=off", A_IDR3, R_IDR3_RIL_MASK, 0 },
    { "had", "had=off", A_IDR3, R_IDR3_HAD_MASK, 0 },
    { "xnx", "xnx=off", A_IDR3, R_IDR3_XNX_MASK, 0 },
    { "fwb", "fwb=off", A_IDR3, R_IDR3_FWB_MASK, 0 },
    { "bbml", "bbml=1", A_IDR3, R_IDR3_BBML_MASK, 1 << R_IDR3_BBML_SHIFT },
    { "gran4k", "gran4k=off", A_IDR5, R_IDR5_GRAN4K_MASK, 0 },
    { "gran16k", "gran16k=off", A_IDR5, R_IDR5_GRAN16K_MASK, 0 },
    { "gran64k", "gran64k=off", A_IDR5, R_IDR5_GRAN64K_MASK, 0 },
};

static void test_prop(const void *opaque)
{
    const PropCase *pc = opaque;
    /*
     * stage1=off needs hyp=off and ssidsize=0: EL2 contexts and substreams
     * are stage-1 contexts.
     */
    const char *extra = !strcmp(pc->name, "stage1") ?
                        " -global arm-smmuv3-aux.hyp=off"
                        " -global arm-smmuv3-aux.ssidsize=0" : "";
    QTestState *qts = qtest_initf(MACHINE_ARGS
                                  " -global arm-smmuv3-aux.%s%s",
                                  pc->global, extra);
    uint32_t got = qtest_readl(qts, QSMMU_AUX_VIRT_BASE + pc->reg);
    uint32_t dflt = smmuv3_aux_reg_reset(pc->reg);

    g_assert_cmphex(got & pc->mask, ==, pc->value);
    if (strcmp(pc->name, "stage1")) {
        /* Nothing else in the register moved. */
        g_assert_cmphex(got & ~pc->mask, ==, dflt & ~pc->mask);
    }
    qtest_quit(qts);
}

/*
 * Properties outside the architecture's range are refused at realize: QEMU
 * exits with an error that names the device, before the guest runs.
 */
static void test_prop_invalid(void)
{
    static const char *const bad[] = {
        "sid-size=0", "sid-size=33", "cmdqs=6", "cmdqs=20", "evtqs=20",
        "oas=47", "bbml=3",
        "gran4k=off -global arm-smmuv3-aux.gran16k=off "
        "-global arm-smmuv3-aux.gran64k=off",
        "stage1=off -global arm-smmuv3-aux.stage2=off",
        "stage1=off -global arm-smmuv3-aux.ssidsize=0", /* hyp needs S1 */
        "stage1=off -global arm-smmuv3-aux.hyp=off", /* ssidsize needs S1 */
        "ssidsize=21",
    };
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    unsigned i;

    g_assert_nonnull(qemu);
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *cmd = g_strdup_printf(
            "%s -machine virt,gic-version=3,iommu=smmuv3-aux -nodefaults "
            "-display none -S -global arm-smmuv3-aux.%s", qemu, bad[i]);
        g_autofree char *err = NULL;
        g_autoptr(GError) gerr = NULL;
        int status;

        g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status,
                                                &gerr));
        g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        g_assert_nonnull(strstr(err, "smmuv3-aux"));
    }
}

/*
 * ---- Properties with behaviour: iotlb-size, cfgc-size, utlb.  DMA from
 * smmuv3-aux-testdev through a stage-1 domain (4K granule, one CD), set
 * up by the fixture.  An entry rewritten without its TLBI/CFGI may or may
 * not be used by an SMMU (IHI 0070 3.21: the old one may be cached); this
 * model's answer is deterministic, and it is what each property changes:
 *
 *   IOTLB         a leaf PTE rewritten without TLBI: old page until TLBI;
 *                 iotlb-size=0: the new page at once;
 *   config cache  an STE or CD rewritten without CFGI: old configuration
 *                 until CFGI; cfgc-size=0: the new one at once;
 *   micro-TLB     the utlb-hits/utlb-misses counters of the device's IOMMU
 *                 memory region, and a translation the IOTLB has evicted
 *                 (iotlb-size=1) but the micro-TLB still serves.
 */
/* The IOMMU region of the fixture's test device, 00:04.0 */
#define TD_IOMMU_MR         "smmuv3-aux-iommu-memory-region-root-04.0[0]"
#define S1_IOVA             0x8080600000ULL
#define S1_ASID             1           /* qsmmu_fix_s1_4k()'s */
#define NDATA               3

typedef struct S1Ctx {
    QSMMUAuxFix f;
    QSMMUFixS1 d;               /* the test device's domain */
    uint64_t data[NDATA];       /* page i holds the testdev pattern seed(i) */
} S1Ctx;

static uint32_t data_seed(unsigned i)
{
    return (i + 1) << 12;
}

/* " -global arm-smmuv3-aux.a=x -global arm-smmuv3-aux.b=y" */
static char *globals_args(const char *globals)
{
    g_auto(GStrv) props = g_strsplit(globals, " ", -1);
    GString *args = g_string_new("");
    unsigned i;

    for (i = 0; props[i]; i++) {
        if (*props[i]) {
            g_string_append_printf(args, " -global arm-smmuv3-aux.%s",
                                   props[i]);
        }
    }
    return g_string_free(args, false);
}

/*
 * SMMU with @globals (space-separated prop=value), the testdev's STE a
 * stage-1 domain mapping S1_IOVA -> data[0] and S1_IOVA + 4K -> data[1],
 * caches invalidated, SMMUEN = 1.  False (test skipped) without testdev.
 */
static bool s1_start(S1Ctx *c, const char *globals)
{
    g_autofree char *args = globals_args(globals);
    unsigned i;

    if (!qsmmu_fix_start(&c->f, "smmuv3-aux", 0, args)) {
        return false;
    }
    for (i = 0; i < NDATA; i++) {
        c->data[i] = qsmmu_fix_alloc_data(&c->f, PAGE_SIZE_4K, PAGE_SIZE_4K,
                                          data_seed(i));
    }
    qsmmu_fix_s1_4k(&c->f, &c->d);
    g_assert_cmpuint(c->d.asid, ==, S1_ASID);
    qsmmu_fix_s1_map4k(&c->d, S1_IOVA, c->data[0]);
    qsmmu_fix_s1_map4k(&c->d, S1_IOVA + PAGE_SIZE_4K, c->data[1]);
    qsmmu_fix_enable(&c->f);
    return true;
}

static void s1_stop(S1Ctx *c)
{
    /* Nothing in these tests may fault or raise an error. */
    qsmmu_fix_expect_no_event(&c->f);
    qsmmu_fix_stop(&c->f);
}

/* A 4K READ at @iova must succeed and see data page @i. */
static void s1_expect_page(S1Ctx *c, uint64_t iova, unsigned i)
{
    g_assert_cmphex(qsmmu_fix_dma_read(&c->f, iova, PAGE_SIZE_4K), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE_SIZE_4K,
                                           data_seed(i)));
}

/* Point the leaf of @iova at data page @i, without any TLBI. */
static void s1_remap(S1Ctx *c, uint64_t iova, unsigned i)
{
    qsmmu_fix_s1_map4k(&c->d, iova, c->data[i]);
}

static uint64_t utlb_stat(S1Ctx *c, const char *name)
{
    return qsmmu_fix_qom_uint(c->f.qts, TD_IOMMU_MR, name);
}

typedef struct CacheCase {
    const char *path;
    void (*run)(S1Ctx *c, const struct CacheCase *cc);
    const char *globals;
    /*
     * IOTLB and config cases: the stale entry is still used.  utlb cases:
     * the micro-TLB serves hits.
     */
    bool cached;
} CacheCase;

/* A leaf PTE rewritten without TLBI: IOTLB (and micro-TLB) or a walk. */
static void cache_pte(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    s1_remap(c, S1_IOVA, 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    /* TLBI + CMD_SYNC: every configuration now walks to the new page. */
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, S1_ASID, S1_IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

/* The STE rewritten to Config = abort without CFGI. */
static void cache_ste(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    qsmmu_aux_ste_abort(&ste);
    qsmmu_aux_write_ste(&c->f.s, QSMMU_FIX_SID, &ste);
    if (cc->cached) {
        s1_expect_page(c, S1_IOVA, 0);
    } else {
        qsmmu_fix_dma_fails(&c->f, true, S1_IOVA);
    }

    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);
    qsmmu_fix_cmd(&c->f, &cmd);
    qsmmu_fix_dma_fails(&c->f, true, S1_IOVA);
}

/*
 * The CD rewritten without CFGI to a new ASID and new tables that map
 * S1_IOVA to data[2].  The new ASID is a different IOTLB tag, so once the
 * new CD is read the IOTLB cannot answer with the old page.
 */
static void cache_cd(S1Ctx *c, const CacheCase *cc)
{
    QSMMUFixS1 d2;
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    /* d2's CD goes over the installed one; its own copy stays unused. */
    qsmmu_fix_s1_init(&c->f, &d2, 12, S1_ASID + 1, 0);
    qsmmu_fix_s1_map4k(&d2, S1_IOVA, c->data[2]);
    c->d.cdv = d2.cdv;
    qsmmu_fix_s1_write_cd(&c->f, &c->d);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);    /* the STE and its CDs */
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

/*
 * utlb: the first READ of a page goes to the engine; repeating it is
 * served by the micro-TLB (hits grow, misses do not), or, with the
 * micro-TLB off, goes to the engine every time (no hit ever).
 */
static void utlb_counters(S1Ctx *c, const CacheCase *cc)
{
    uint64_t misses;
    int i;

    g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);
    s1_expect_page(c, S1_IOVA, 0);
    misses = utlb_stat(c, "utlb-misses");
    g_assert_cmpuint(misses, >, 0);
    g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);

    for (i = 0; i < 4; i++) {
        s1_expect_page(c, S1_IOVA, 0);
    }
    if (cc->cached) {
        g_assert_cmpuint(utlb_stat(c, "utlb-misses"), ==, misses);
        g_assert_cmpuint(utlb_stat(c, "utlb-hits"), >=, 4);
    } else {
        g_assert_cmpuint(utlb_stat(c, "utlb-misses"), >=, misses + 4);
        g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);
    }
}

/*
 * utlb with iotlb-size=1: reading S1_IOVA + 4K evicts S1_IOVA from the
 * IOTLB, but not from the micro-TLB, which only an invalidation empties.
 * A PTE rewritten without TLBI is then seen only with the micro-TLB off.
 */
static void utlb_evicted(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    s1_expect_page(c, S1_IOVA + PAGE_SIZE_4K, 1);
    s1_remap(c, S1_IOVA, 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    /* Any invalidation drops the micro-TLB (its generation moves). */
    qsmmu_aux_cmd_tlbi_nh_asid(&cmd, 0, S1_ASID + 7);
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

static const CacheCase cache_cases[] = {
    /* iotlb-size */
    { "iotlb-size/default-pte-stale", cache_pte, "", true },
    { "iotlb-size/iotlb-alone-pte-stale", cache_pte, "utlb=off", true },
    { "iotlb-size/0-pte-fresh", cache_pte, "iotlb-size=0", false },
    { "iotlb-size/0-utlb-off-pte-fresh", cache_pte,
      "iotlb-size=0 utlb=off", false },
    /* cfgc-size */
    { "cfgc-size/default-ste-stale", cache_ste, "", true },
    { "cfgc-size/cfgc-alone-ste-stale", cache_ste, "utlb=off", true },
    { "cfgc-size/0-ste-fresh", cache_ste, "cfgc-size=0", false },
    { "cfgc-size/0-utlb-off-ste-fresh", cache_ste,
      "cfgc-size=0 utlb=off", false },
    { "cfgc-size/default-cd-stale", cache_cd, "", true },
    { "cfgc-size/cfgc-alone-cd-stale", cache_cd, "utlb=off", true },
    { "cfgc-size/0-cd-fresh", cache_cd, "cfgc-size=0", false },
    /* utlb */
    { "utlb/on-hits", utlb_counters, "core-tlb=off", true },
    { "utlb/off-no-hits", utlb_counters, "utlb=off", false },
    { "utlb/iotlb-size-0-no-hits", utlb_counters, "iotlb-size=0", false },
    { "utlb/cfgc-size-0-no-hits", utlb_counters, "cfgc-size=0", false },
    { "utlb/on-outlives-iotlb-eviction", utlb_evicted, "iotlb-size=1",
      true },
    { "utlb/off-iotlb-eviction-walks", utlb_evicted,
      "iotlb-size=1 utlb=off", false },
};

static void test_cache_case(const void *opaque)
{
    const CacheCase *cc = opaque;
    S1Ctx c;

    if (!s1_start(&c, cc->globals)) {
        return;
    }
    cc->run(&c, cc);
    s1_stop(&c);
}

/*
 * ---- msi-device-id: the DeviceID the SMMU's own MSIs carry to the ITS
 * (MemTxAttrs.requester_id).  virt sets it, when it has an ITS, to
 * SMMUV3_AUX_VIRT_MSI_DEVICE_ID after creating the device, so it wins
 * over -global, and writes the same value into the SMMU node's DT
 * msi-parent = <&its DeviceID>: the two must agree, or Linux's MSIs for
 * the event queue, GERROR and CMD_SYNC go to a DeviceID it never mapped.
 * (The IORT SMMUv3 node describes the SMMU's interrupts as GSIVs only,
 * as for arm-smmuv3, so ACPI guests use the wired interrupts.)  Without
 * an ITS the board leaves the property alone and emits no msi-parent.
 */

static uint32_t smmu_msi_device_id(QTestState *qts)
{
    g_autofree char *path = qsmmu_fix_device_path(qts, "arm-smmuv3-aux");
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': 'msi-device-id'}}",
                           path);
    uint32_t v;

    g_assert_true(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

#define USER_MSI_DEVICE_ID  0x1234

/* With the ITS: the board's DeviceID, in the device and in the DT. */
static void test_msi_device_id_its(void)
{
    QTestState *qts = qtest_initf(MACHINE_ARGS " -global arm-smmuv3-aux."
                                  "msi-device-id=%d", USER_MSI_DEVICE_ID);
    g_autofree uint8_t *fdt = qvirt_fw_dtb(qts);
    const uint8_t *msi_parent, *its;
    uint32_t len = 0;

    g_assert_cmphex(smmu_msi_device_id(qts), ==, 0xff00);
    msi_parent = qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "msi-parent",
                                   &len);
    g_assert_nonnull(msi_parent);
    g_assert_cmpuint(len, ==, 8);
    g_assert_cmphex(qvirt_fw_fdt32(msi_parent + 4), ==, 0xff00);
    /* The first cell is the phandle of the ITS. */
    its = qvirt_fw_fdt_find(fdt, "its@", qvirt_fw_fdt32(msi_parent),
                            "compatible", &len);
    g_assert_nonnull(its);
    g_assert_cmpstr((const char *)its, ==, "arm,gic-v3-its");
    qtest_quit(qts);
}

/* Without an ITS the board sets nothing: -global stands, no msi-parent. */
static void test_msi_device_id_no_its(void)
{
    QTestState *qts = qtest_initf(MACHINE_ARGS " -machine its=off "
                                  "-global arm-smmuv3-aux.msi-device-id=%d",
                                  USER_MSI_DEVICE_ID);
    g_autofree uint8_t *fdt = qvirt_fw_dtb(qts);
    uint32_t len = 0;

    g_assert_cmphex(smmu_msi_device_id(qts), ==, USER_MSI_DEVICE_ID);
    g_assert_nonnull(qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "reg",
                                       &len));
    g_assert_null(qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "msi-parent",
                                    &len));
    qtest_quit(qts);
}

/*
 * ---- ACPI: the IORT describes the SMMU like arm-smmuv3's, so ACPI guests
 * find it: an SMMUv3 node (type 4) at the MMIO base with the board's GSIVs,
 * and the root complex's IDs mapped through it.
 */
#define ARM_SPI_BASE_GSIV   32
#define VIRT_SMMU_SPI       74

static void test_acpi_iort(void)
{
    QTestState *qts = qtest_init(MACHINE_ARGS);
    size_t len = 0;
    g_autofree uint8_t *blob = qvirt_fw_cfg_file(qts, "etc/acpi/tables", &len);
    const uint8_t *iort, *node, *smmu = NULL;
    uint32_t tlen, nnodes, i, off;
    bool rc_to_smmu = false;

    g_assert_nonnull(blob);
    iort = qvirt_fw_acpi_table(blob, len, "IORT", &tlen);
    g_assert_nonnull(iort);
    nnodes = ldl_le_p(iort + 36);
    off = ldl_le_p(iort + 40);
    for (i = 0; i < nnodes && off + 16 <= tlen; i++) {
        node = iort + off;
        if (node[0] == 4) {                         /* SMMUv3 */
            smmu = node;
            g_assert_cmphex(ldq_le_p(node + 16), ==, QSMMU_AUX_VIRT_BASE);
            /* COHACC override, as dma-coherent in the DT */
            g_assert_cmphex(ldl_le_p(node + 24) & 1, ==, 1);
            /* HTTU Override [2:1] says what IDR0.HTTU does (no HAFT) */
            g_assert_cmphex(extract32(ldl_le_p(node + 24), 1, 2), ==,
                            MIN(FIELD_EX32(qtest_readl(qts, QSMMU_AUX_VIRT_BASE
                                                       + A_IDR0),
                                           IDR0, HTTU), 2));
            g_assert_cmphex(extract32(ldl_le_p(node + 24), 1, 2), !=, 0);
            /* GSIVs: event, PRI, GERR, Sync */
            g_assert_cmpuint(ldl_le_p(node + 44), ==,
                             ARM_SPI_BASE_GSIV + VIRT_SMMU_SPI);
            g_assert_cmpuint(ldl_le_p(node + 52), ==,
                             ARM_SPI_BASE_GSIV + VIRT_SMMU_SPI + 3);
        } else if (node[0] == 2 && smmu) {          /* root complex */
            uint32_t n = ldl_le_p(node + 8), ref = ldl_le_p(node + 12), j;

            for (j = 0; j < n; j++) {
                /* ID mapping (20 bytes): output reference at +12 */
                if (ldl_le_p(node + ref + j * 20 + 12) == smmu - iort) {
                    rc_to_smmu = true;
                }
            }
        }
        off += lduw_le_p(node + 1);
    }
    g_assert_nonnull(smmu);
    g_assert_true(rc_to_smmu);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!qtest_has_machine("virt")) {
        g_test_skip("the virt machine is not available");
        return g_test_run();
    }
    for (unsigned i = 0; i < ARRAY_SIZE(prop_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/props/%s",
                                                prop_cases[i].name);
        qtest_add_data_func(path, &prop_cases[i], test_prop);
    }
    qtest_add_func("/smmuv3-aux/props/invalid", test_prop_invalid);
    for (unsigned i = 0; i < ARRAY_SIZE(cache_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/props/%s",
                                                cache_cases[i].path);
        qtest_add_data_func(path, &cache_cases[i], test_cache_case);
    }
    qtest_add_func("/smmuv3-aux/board/acpi-iort", test_acpi_iort);
    qtest_add_func("/smmuv3-aux/props/msi-device-id/board-its",
                   test_msi_device_id_its);
    qtest_add_func("/smmuv3-aux/props/msi-device-id/no-its",
                   test_msi_device_id_no_its);


    return g_test_run();
}
