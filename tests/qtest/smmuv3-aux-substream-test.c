/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SMMUv3 conformance qtests of substreams (PASIDs): DMA from
 * smmuv3-aux-testdev with TD_PASID.SSV/SSID through CD tables indexed by
 * SubstreamID (IHI 0070 3.4, 5.2 S1Fmt/S1CDMax/S1DSS, 5.3 L1CD, 5.4 CD),
 * the events of a SubstreamID the configuration does not accept (7.3.7
 * F_STREAM_DISABLED, 7.3.9 C_BAD_SUBSTREAMID), and the invalidations
 * (4.3.x CMD_CFGI_CD, CMD_CFGI_CD_ALL, 4.4.x CMD_TLBI_NH_*) that must
 * reach each substream's cached configuration and translations.
 *
 * Like smmuv3-aux-conformance-test, these cases run against QEMU's own
 * arm-smmuv3 too (SMMUV3_AUX_CONFORMANCE_MODEL=smmuv3), where they fail
 * with "device lacks IDR1.SSIDSIZE" rather than being skipped.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
/* Nested: CD tables, page tables and data at IPA = PA + IPA_OFF. */
#define IPA_OFF         0x1000000000ULL
#define IPA_HOLE        (IPA_OFF + 0x70000000ULL)
#define VMID            5
#define FNV             QSMMU_AUX_FNV1A_INIT

#define FMT_LINEAR      SMMUV3_AUX_STE_S1FMT_LINEAR
#define FMT_4K          SMMUV3_AUX_STE_S1FMT_2LVL_4K
#define FMT_64K         SMMUV3_AUX_STE_S1FMT_2LVL_64K
#define DSS_TERMINATE   SMMUV3_AUX_STE_S1DSS_TERMINATE
#define DSS_BYPASS      SMMUV3_AUX_STE_S1DSS_BYPASS
#define DSS_SSID0       SMMUV3_AUX_STE_S1DSS_SSID0

/* The pattern seed of the page substream @ssid's domain maps at IOVA. */
static uint32_t seed_of(uint32_t ssid)
{
    return 0x100000 + (ssid << 8);
}

static uint64_t hash_of(uint32_t ssid)
{
    return qsmmu_fix_pattern_hash(FNV, PAGE, seed_of(ssid));
}

/* QEMU with the SMMU under test; fails the case without substreams. */
static bool ss_start(QSMMUAuxFix *c, unsigned need_ssidsize)
{
    unsigned ssidsize;

    if (!qsmmu_fix_start(c, qsmmu_fix_model(), 0, NULL)) {
        return false;
    }
    ssidsize = FIELD_EX32(qsmmu_aux_readl(&c->s, A_IDR1), IDR1, SSIDSIZE);
    if (!qsmmu_fix_require(ssidsize >= need_ssidsize, "IDR1.SSIDSIZE") ||
        !qsmmu_fix_require(FIELD_EX32(qsmmu_aux_readl(&c->s, A_IDR0), IDR0,
                                      CD2L), "IDR0.CD2L")) {
        qsmmu_fix_stop(c);
        return false;
    }
    return true;
}

/*
 * Domain @d for substream @ssid of @t, ASID @asid, mapping IOVA to a
 * fresh page holding pattern seed_of(@ssid).
 */
static void ss_domain(QSMMUAuxFix *c, QSMMUFixS1 *d, QSMMUFixCDTab *t,
                      uint32_t ssid, uint16_t asid)
{
    uint64_t pa = qsmmu_fix_alloc_data(c, PAGE, PAGE, seed_of(ssid));

    qsmmu_fix_s1_init_ss(c, d, t, ssid, 12, asid, t->ipa_off);
    qsmmu_fix_s1_map4k(d, IOVA, pa + t->ipa_off);
}

/* A 4K READ at IOVA on substream @ssid (or none, @ssid < 0). */
static uint64_t read_on(QSMMUAuxFix *c, int64_t ssid)
{
    if (ssid < 0) {
        qsmmu_fix_clear_ssid(&c->td);
    } else {
        qsmmu_fix_set_ssid(&c->td, ssid);
    }
    return qsmmu_fix_dma_read(c, IOVA, PAGE);
}

/* A one-access READ at @iova on substream @ssid (or none) is refused. */
static void refused_on(QSMMUAuxFix *c, int64_t ssid, uint64_t iova)
{
    if (ssid < 0) {
        qsmmu_fix_clear_ssid(&c->td);
    } else {
        qsmmu_fix_set_ssid(&c->td, ssid);
    }
    qsmmu_fix_dma_fails(c, true, iova);
}

/*
 * The one pending record is @id for the test device with all of qwords
 * 1-3 RES0: C_BAD_SUBSTREAMID (SubstreamID always valid, no SSV; 7.3.9)
 * or F_STREAM_DISABLED (7.3.7).
 */
static void expect_ss_event(QSMMUAuxFix *c, uint8_t id, bool ssv,
                            uint32_t ssid)
{
    SMMUv3AuxEvtRecord r;
    uint64_t qw0 = 0;

    g_assert_cmpuint(qsmmu_aux_evtq_pending(&c->s), ==, 1);
    g_assert_true(qsmmu_aux_evtq_pop(&c->s, &r));
    qw0 = FIELD_DP64(qw0, EVT_0, EVENTID, id);
    qw0 = FIELD_DP64(qw0, EVT_0, SSV, ssv);
    qw0 = FIELD_DP64(qw0, EVT_0, SSID, ssid);
    qw0 = FIELD_DP64(qw0, EVT_0, SID, SID);
    g_assert_cmphex(r.qw[0], ==, qw0);
    g_assert_cmphex(r.qw[1], ==, 0);
    g_assert_cmphex(r.qw[2], ==, 0);
    g_assert_cmphex(r.qw[3], ==, 0);
    qsmmu_fix_expect_no_event(c);
}

static void expect_bad_ssid(QSMMUAuxFix *c, uint32_t ssid)
{
    expect_ss_event(c, SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID, false, ssid);
}

/* ---- Several address spaces at once ------------------------------------ */

typedef struct SSLayout {
    unsigned fmt, cdmax, dss;
    uint32_t ssids[6];          /* substreams with a domain, 0-terminated */
    uint32_t unlinked;          /* a SubstreamID whose L1CD stays V = 0 */
} SSLayout;

/*
 * One device, six substreams of one CD table, each its own domain and
 * ASID over the same IOVA, read in turn and again in reverse, so that a
 * translation cached for one substream is never handed to another; then
 * the traffic without a SubstreamID as S1DSS says, and for 2-level tables
 * a SubstreamID whose L1CD is invalid (5.3.1: C_BAD_SUBSTREAMID).
 */
static void test_ss_layout(const void *opaque)
{
    const SSLayout *l = opaque;
    QSMMUFixS1 d[ARRAY_SIZE(l->ssids)], d0;
    QSMMUFixCDTab t;
    QSMMUAuxFix c;
    unsigned i, n = 0;
    uint64_t direct;

    if (!ss_start(&c, l->cdmax)) {
        return;
    }
    qsmmu_fix_cdtab_init(&c, &t, l->fmt, l->cdmax, 0);
    for (n = 0; n < ARRAY_SIZE(l->ssids) && l->ssids[n]; n++) {
        ss_domain(&c, &d[n], &t, l->ssids[n], 10 + n);
    }
    if (l->dss == DSS_SSID0) {
        ss_domain(&c, &d0, &t, 0, 9);
    }
    qsmmu_fix_ste_ss(&c, SID, &t, l->dss, NULL);
    direct = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x77000);
    qsmmu_fix_enable(&c);

    for (i = 0; i < 2 * n; i++) {
        uint32_t ssid = l->ssids[i < n ? i : 2 * n - 1 - i];

        g_assert_cmphex(read_on(&c, ssid), ==, hash_of(ssid));
    }
    qsmmu_fix_expect_no_event(&c);

    switch (l->dss) {
    case DSS_TERMINATE:
        refused_on(&c, -1, IOVA);
        expect_ss_event(&c, SMMUV3_AUX_EVT_F_STREAM_DISABLED, false, 0);
        break;
    case DSS_BYPASS:
        /* Stage 1 bypassed: the input address is the PA. */
        qsmmu_fix_clear_ssid(&c.td);
        g_assert_cmphex(qsmmu_fix_dma_read(&c, direct, PAGE), ==,
                        qsmmu_fix_pattern_hash(FNV, PAGE, 0x77000));
        break;
    case DSS_SSID0:
        g_assert_cmphex(read_on(&c, -1), ==, hash_of(0));
        /* Substream 0 belongs to the traffic without one (5.2). */
        refused_on(&c, 0, IOVA);
        expect_ss_event(&c, SMMUV3_AUX_EVT_F_STREAM_DISABLED, true, 0);
        break;
    }
    if (l->unlinked) {
        refused_on(&c, l->unlinked, IOVA);
        expect_bad_ssid(&c, l->unlinked);
    }
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

static const SSLayout layouts[] = {
    { FMT_LINEAR, 3, DSS_SSID0, { 1, 2, 3, 5, 6, 7 } },
    { FMT_4K, 8, DSS_BYPASS, { 1, 63, 64, 65, 200, 255 }, 130 },
    { FMT_64K, 12, DSS_TERMINATE, { 1, 5, 1023, 1024, 3500, 4095 }, 2048 },
    /* The largest table the architecture allows: 2^20 substreams. */
    { FMT_64K, 20, DSS_SSID0, { 1, 1024, 0x54321, 0xfffff }, 0x80000 },
};
static const char *const layout_names[] = {
    "linear-s1dss-ssid0", "2lvl-4k-s1dss-bypass", "2lvl-64k-s1dss-terminate",
    "2lvl-64k-cdmax20",
};

/* ---- C_BAD_SUBSTREAMID ------------------------------------------------- */

typedef enum BadSsid {
    BAD_SSID_RANGE,             /* SubstreamID >= 2^S1CDMax */
    BAD_SSID_CDMAX0,            /* substreams disabled */
    BAD_SSID_S2,                /* stage 1 disabled: stage 2 only */
    BAD_SSID_BYPASS,            /* stage 1 disabled: bypass */
} BadSsid;

/* Each configuration refuses a SubstreamID it cannot accept (7.3.9). */
static void test_ss_bad(const void *opaque)
{
    BadSsid kind = GPOINTER_TO_UINT(opaque);
    QSMMUFixCDTab t;
    QSMMUFixS1 d;
    QSMMUAuxFix c;
    QSMMUAuxPT s2;
    SMMUv3AuxSTE ste;
    uint32_t ssid = 3;

    if (!ss_start(&c, 1)) {
        return;
    }
    switch (kind) {
    case BAD_SSID_RANGE:
        qsmmu_fix_cdtab_init(&c, &t, FMT_LINEAR, 2, 0);
        ss_domain(&c, &d, &t, 3, 1);
        qsmmu_fix_ste_ss(&c, SID, &t, DSS_TERMINATE, NULL);
        ssid = 4;
        break;
    case BAD_SSID_CDMAX0:
        qsmmu_fix_s1_4k(&c, &d);
        break;
    case BAD_SSID_S2:
        qsmmu_aux_pt_init(&c.s, &s2, 12, 40, 1, 0);
        qsmmu_aux_pt_map(&s2, IOVA, qsmmu_fix_alloc_data(&c, PAGE, PAGE, 1),
                         3, QSMMU_AUX_S2_ATTRS_LINUX);
        qsmmu_aux_ste_s2(&ste, &s2, VMID, c.oas);
        qsmmu_aux_write_ste(&c.s, SID, &ste);
        break;
    case BAD_SSID_BYPASS:
        qsmmu_aux_ste_bypass(&ste);
        qsmmu_aux_write_ste(&c.s, SID, &ste);
        break;
    }
    qsmmu_fix_enable(&c);

    refused_on(&c, ssid, IOVA);
    expect_bad_ssid(&c, ssid);
    /* Not cached as a success: refused and recorded again. */
    refused_on(&c, ssid, IOVA + 8);
    expect_bad_ssid(&c, ssid);
    qsmmu_fix_stop(&c);
}

/* ---- Invalidation ------------------------------------------------------ */

/*
 * CMD_CFGI_CD: a CD rewritten to another domain (new ASID and tables) is
 * seen once CFGI_CD names its SubstreamID; a leaf table swapped behind an
 * L1CD is seen after the non-leaf form (Leaf = 0), which a leaf-only
 * invalidation need not do (5.3.1); CFGI_CD_ALL reaches every substream.
 */
static void test_ss_cfgi_cd(void)
{
    QSMMUFixS1 d1, d2, n1, n2;
    QSMMUFixCDTab t, t2;
    QSMMUAuxFix c;
    SMMUv3AuxCmd cmd;
    uint64_t new1, new2, l1cd;

    if (!ss_start(&c, 8)) {
        return;
    }
    qsmmu_fix_cdtab_init(&c, &t, FMT_4K, 8, 0);
    ss_domain(&c, &d1, &t, 1, 1);
    ss_domain(&c, &d2, &t, 2, 2);
    qsmmu_fix_ste_ss(&c, SID, &t, DSS_TERMINATE, NULL);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(read_on(&c, 1), ==, hash_of(1));
    g_assert_cmphex(read_on(&c, 2), ==, hash_of(2));

    /* SSID 1's CD now names another ASID and tables: CFGI_CD(1). */
    new1 = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x31000);
    qsmmu_aux_pt_init(&c.s, &n1.pt, 12, 48, QSMMU_AUX_PT_START_AUTO, 0);
    qsmmu_fix_s1_map4k(&n1, IOVA, new1);
    qsmmu_aux_cd_linux(&n1.cdv, &n1.pt, 21, c.oas);
    qsmmu_aux_write_cd(&c.s, d1.cd, &n1.cdv);
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 1);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 1), ==,
                    qsmmu_fix_pattern_hash(FNV, PAGE, 0x31000));
    g_assert_cmphex(read_on(&c, 2), ==, hash_of(2));

    /* A new leaf table behind L1CD 0, with SSID 2 in another domain. */
    qsmmu_fix_cdtab_init(&c, &t2, FMT_4K, 8, 0);
    new2 = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x32000);
    qsmmu_fix_s1_init_ss(&c, &n2, &t2, 2, 12, 22, 0);
    qsmmu_fix_s1_map4k(&n2, IOVA, new2);
    qsmmu_aux_write_cd(&c.s, qsmmu_fix_cdtab_cd(&c, &t2, 1), &n1.cdv);
    l1cd = qsmmu_fix_cdtab_l1cd(&t, 2);
    qsmmu_aux_mem_writeq(&c.s, l1cd,
                         qsmmu_aux_mem_readq(&c.s,
                                             qsmmu_fix_cdtab_l1cd(&t2, 2)));
    qsmmu_aux_cmd_cfgi_cd(&cmd, SID, 2);
    cmd.qw[1] = FIELD_DP64(cmd.qw[1], CMD_1, LEAF, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 2), ==,
                    qsmmu_fix_pattern_hash(FNV, PAGE, 0x32000));

    /* Both CDs back to their first domains: CFGI_CD_ALL. */
    qsmmu_aux_write_cd(&c.s, qsmmu_fix_cdtab_cd(&c, &t2, 1), &d1.cdv);
    qsmmu_aux_write_cd(&c.s, qsmmu_fix_cdtab_cd(&c, &t2, 2), &d2.cdv);
    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_CFGI_CD_ALL);
    cmd.qw[0] = FIELD_DP64(cmd.qw[0], CMD_0, SID, SID);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 1), ==, hash_of(1));
    g_assert_cmphex(read_on(&c, 2), ==, hash_of(2));
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/*
 * TLBIs across substreams.  Substreams 1 and 2 have ASIDs 1 and 2, 3 and
 * 4 share ASID 3 and its tables (the architecture lets entries of one
 * ASID be shared).  Every leaf is repointed without invalidation; then
 * TLBI_NH_VA of ASID 1 must reach substream 1, TLBI_NH_ASID of 2 must
 * reach 2, and TLBI_NH_VAA of IOVA both substreams of ASID 3.  What the
 * SMMU still returns for a substream no command named yet may be old or
 * new: caching is permitted, never required.
 */
static void test_ss_tlbi(void)
{
    QSMMUFixS1 d[4];
    QSMMUFixCDTab t;
    QSMMUAuxFix c;
    SMMUv3AuxCmd cmd;
    uint64_t nh[4], ph[4], np;
    unsigned i;

    if (!ss_start(&c, 3)) {
        return;
    }
    qsmmu_fix_cdtab_init(&c, &t, FMT_LINEAR, 3, 0);
    ss_domain(&c, &d[0], &t, 1, 1);
    ss_domain(&c, &d[1], &t, 2, 2);
    ss_domain(&c, &d[2], &t, 3, 3);
    /* Substream 4: the same ASID 3 and the same tables as 3. */
    d[3] = d[2];
    d[3].cd = qsmmu_fix_cdtab_cd(&c, &t, 4);
    qsmmu_fix_s1_write_cd(&c, &d[3]);
    qsmmu_fix_ste_ss(&c, SID, &t, DSS_TERMINATE, NULL);
    qsmmu_fix_enable(&c);
    for (i = 0; i < 4; i++) {
        ph[i] = read_on(&c, i + 1);
        g_assert_cmphex(ph[i], ==, hash_of(i < 3 ? i + 1 : 3));
    }

    for (i = 0; i < 3; i++) {
        np = qsmmu_fix_alloc_data(&c, PAGE, PAGE, 0x40000 + (i << 12));
        qsmmu_fix_s1_map4k(&d[i], IOVA, np);
        nh[i] = qsmmu_fix_pattern_hash(FNV, PAGE, 0x40000 + (i << 12));
    }
    nh[3] = nh[2];

    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, 1, IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 1), ==, nh[0]);
    for (i = 1; i < 4; i++) {
        qsmmu_fix_set_ssid(&c.td, i + 1);
        qsmmu_fix_expect_read_either(&c, IOVA, PAGE, ph[i], nh[i]);
    }

    qsmmu_aux_cmd_tlbi_nh_asid(&cmd, 0, 2);
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 2), ==, nh[1]);

    qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_TLBI_NH_VAA);
    cmd.qw[1] = IOVA;
    qsmmu_fix_cmd(&c, &cmd);
    g_assert_cmphex(read_on(&c, 3), ==, nh[2]);
    g_assert_cmphex(read_on(&c, 4), ==, nh[3]);
    qsmmu_fix_expect_no_event(&c);
    qsmmu_fix_stop(&c);
}

/* ---- Nested: the CD table is in IPA space ------------------------------ */

/*
 * Stage 2 maps IPA_OFF + the allocator's window onto it; the 2-level CD
 * table, its L1CDs' L2Ptr, the stage-1 tables and the data are IPAs.
 * Substream 5 translates through both stages.  An L1CD whose L2Ptr is an
 * IPA stage 2 does not map is a stage-2 fault of the CD fetch (CLASS =
 * CD, S2 = 1, IPA of the CD), and so is an STE whose S1ContextPtr is such
 * an IPA when the L1CD itself is read.
 */
static void test_ss_nested(void)
{
    QSMMUFixCDTab t;
    QSMMUFixS1 d;
    QSMMUAuxFix c;
    QSMMUAuxPT s2;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;
    uint64_t pa, l1cd;

    if (!ss_start(&c, 11)) {
        return;
    }
    qsmmu_aux_pt_init(&c.s, &s2, 12, 40, 1, 0);
    for (pa = QSMMU_AUX_ALLOC_START; pa < QSMMU_AUX_ALLOC_END; pa += 2 * MiB) {
        qsmmu_aux_pt_map(&s2, pa + IPA_OFF, pa, 2, QSMMU_AUX_S2_ATTRS_LINUX);
    }
    qsmmu_fix_cdtab_init(&c, &t, FMT_4K, 11, IPA_OFF);
    ss_domain(&c, &d, &t, 5, 1);
    qsmmu_aux_ste_nested(&ste, 0, &s2, VMID, c.oas);
    qsmmu_fix_ste_ss(&c, SID, &t, DSS_TERMINATE, &ste);
    qsmmu_fix_enable(&c);
    g_assert_cmphex(read_on(&c, 5), ==, hash_of(5));

    /* L1CD 1 (substreams 64-127) points at an unmapped IPA. */
    l1cd = FIELD_DP64(0, L1CD, V, 1);
    l1cd = FIELD_DP64(l1cd, L1CD, L2PTR, IPA_HOLE >> 12);
    qsmmu_aux_mem_writeq(&c.s, qsmmu_fix_cdtab_l1cd(&t, 70), l1cd);
    refused_on(&c, 70, IOVA);
    qsmmu_fix_expect_fault_ss(&c, 70, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA,
                              true, true, SMMUV3_AUX_EVT_CLASS_CD,
                              IPA_HOLE + 6 * SMMUV3_AUX_CD_SIZE);

    /* The L1 table itself at an unmapped IPA. */
    t.ipa_off = IPA_HOLE - t.base;
    qsmmu_fix_ste_ss(&c, SID, &t, DSS_TERMINATE, &ste);
    qsmmu_aux_cmd_cfgi_ste(&cmd, SID);
    qsmmu_fix_cmd(&c, &cmd);
    refused_on(&c, 130, IOVA);
    qsmmu_fix_expect_fault_ss(&c, 130, SMMUV3_AUX_EVT_F_TRANSLATION, IOVA,
                              true, true, SMMUV3_AUX_EVT_CLASS_CD,
                              IPA_HOLE + 2 * SMMUV3_AUX_L1CD_SIZE);
    qsmmu_fix_stop(&c);
}

int main(int argc, char **argv)
{
    static const char *const bad_names[] = {
        [BAD_SSID_RANGE] = "ssid-out-of-range",
        [BAD_SSID_CDMAX0] = "s1cdmax-0",
        [BAD_SSID_S2] = "stage2-only",
        [BAD_SSID_BYPASS] = "bypass",
    };
    unsigned i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(layouts); i++) {
        g_autofree char *p = g_strdup_printf("/smmuv3-conformance/ss/%s",
                                             layout_names[i]);
        qtest_add_data_func(p, &layouts[i], test_ss_layout);
    }
    for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
        g_autofree char *p =
            g_strdup_printf("/smmuv3-conformance/ss/bad-substreamid/%s",
                            bad_names[i]);
        qtest_add_data_func(p, GUINT_TO_POINTER(i), test_ss_bad);
    }
    qtest_add_func("/smmuv3-conformance/ss/cfgi-cd", test_ss_cfgi_cd);
    qtest_add_func("/smmuv3-conformance/ss/tlbi-across-substreams",
                   test_ss_tlbi);
    qtest_add_func("/smmuv3-conformance/ss/nested-cd-via-s2", test_ss_nested);
    return g_test_run();
}
