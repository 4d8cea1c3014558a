/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of smmuv3-aux's introspection: query-smmuv3-aux,
 * query-smmuv3-aux-streams, query-smmuv3-aux-stream (qapi/smmuv3-aux.json)
 * and "info smmuv3-aux[-stream]".  Tables are built with the fixture of
 * libqos/qos-smmuv3-aux-fixture.h; the answers must decode them as the
 * spec says, and asking must change nothing (no event, no cache hit).
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/qos-smmuv3-aux-fixture.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"

#define SID             QSMMU_FIX_SID
#define PAGE            4096ULL
#define IOVA            0x8080600000ULL

/* A non-negative integer member (QNum keeps those above INT64_MAX apart). */
static uint64_t get_u64(QDict *d, const char *key)
{
    return qnum_get_uint(qobject_to(QNum, qdict_get(d, key)));
}

static QDict *qmp_ok(QTestState *qts, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static QDict *qmp_ok(QTestState *qts, const char *fmt, ...)
{
    va_list ap;
    QDict *rsp, *ret;

    va_start(ap, fmt);
    rsp = qtest_vqmp(qts, fmt, ap);
    va_end(ap);
    g_assert(!qdict_haskey(rsp, "error"));
    ret = qdict_get_qdict(rsp, "return");
    qobject_ref(ret);
    qobject_unref(rsp);
    return ret;
}

static QDict *stream(QTestState *qts, uint64_t iova)
{
    return qmp_ok(qts, "{'execute': 'query-smmuv3-aux-stream', "
                  "'arguments': {'sid': %d, 'iova': %" PRIu64 "}}",
                  SID, iova);
}

static uint64_t field(QList *fields, const char *name)
{
    const QListEntry *e;

    QLIST_FOREACH_ENTRY(fields, e) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(f, "name"), name)) {
            return get_u64(f, "value");
        }
    }
    g_assert_not_reached();
}

static QDict *list_find(QList *l, const char *key, const char *val)
{
    const QListEntry *e;

    QLIST_FOREACH_ENTRY(l, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(d, key), val)) {
            return d;
        }
    }
    return NULL;
}

static bool start(QSMMUAuxFix *f, QSMMUFixS1 *d, uint64_t *pa)
{
    if (!qsmmu_fix_start(f, "smmuv3-aux", 0, NULL)) {
        return false;
    }
    qsmmu_fix_s1_4k(f, d);
    *pa = qsmmu_fix_alloc_data(f, PAGE, PAGE, 0x77);
    qsmmu_fix_s1_map4k(d, IOVA, *pa);
    qsmmu_fix_enable(f);
    return true;
}

/* The STE, the CD and a 4-level walk, against the tables as written. */
static void test_stream_decoded(void)
{
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    QDict *r, *w;
    QList *steps;
    const QListEntry *e;
    uint64_t pa, ste_addr;
    int level = 0;

    if (!start(&f, &d, &pa)) {
        return;
    }
    r = stream(f.qts, IOVA + 0x10);
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "stage 1");
    g_assert_false(qdict_haskey(r, "event"));
    ste_addr = get_u64(r, "ste-address");
    g_assert_cmphex(ste_addr, ==, qsmmu_aux_ste_addr(&f.s, SID));
    g_assert_cmphex(qnum_get_uint(qobject_to(QNum, qlist_peek(
                        qdict_get_qlist(r, "ste")))), ==,
                    qtest_readq(f.qts, ste_addr));
    g_assert_cmpuint(field(qdict_get_qlist(r, "ste-fields"), "Config"), ==,
                     5);
    g_assert_cmphex(field(qdict_get_qlist(r, "ste-fields"), "S1ContextPtr")
                    << 6, ==, d.cd);
    g_assert_cmphex(get_u64(r, "cd-address"), ==, d.cd);
    g_assert_cmpuint(field(qdict_get_qlist(r, "cd-fields"), "ASID"), ==,
                     d.asid);
    g_assert_cmphex(field(qdict_get_qlist(r, "cd-fields"), "TTB0") << 4,
                    ==, qsmmu_aux_pt_ttb(&d.pt));
    g_assert_cmpuint(get_u64(r, "asid"), ==, d.asid);

    w = qdict_get_qdict(r, "walk");
    g_assert_cmphex(get_u64(w, "output"), ==, pa + 0x10);
    g_assert_cmphex(get_u64(w, "size"), ==, PAGE);
    steps = qdict_get_qlist(w, "steps");
    g_assert_cmpuint(qlist_size(steps), ==, 4);
    QLIST_FOREACH_ENTRY(steps, e) {
        QDict *s = qobject_to(QDict, qlist_entry_obj(e));
        uint64_t at = get_u64(s, "descriptor-address");

        g_assert_cmpuint(qdict_get_int(s, "stage"), ==, 1);
        g_assert_cmpint(qdict_get_int(s, "level"), ==, level);
        g_assert_cmphex(at, ==, qsmmu_aux_pt_entry_addr(&d.pt, IOVA, level,
                                                        false));
        g_assert_cmphex(get_u64(s, "descriptor"), ==,
                        qtest_readq(f.qts, at));
        g_assert_cmpstr(qdict_get_str(s, "type"), ==,
                        level < 3 ? "table" : "page");
        level++;
    }
    qobject_unref(r);

    /* The tree: four tables down to the one page mapped. */
    r = qmp_ok(f.qts, "{'execute': 'query-smmuv3-aux-page-tables', "
               "'arguments': {'sid': %d}}", SID);
    g_assert_false(qdict_haskey(r, "stage2"));
    w = qdict_get_qdict(r, "stage1");
    g_assert_false(qdict_get_bool(w, "truncated"));
    g_assert_cmpuint(qlist_size(qdict_get_qlist(w, "tables")), ==, 4);
    steps = qdict_get_qlist(w, "ranges");
    g_assert_cmpuint(qlist_size(steps), ==, 1);
    {
        QDict *rg = qobject_to(QDict, qlist_peek(steps));

        g_assert_cmphex(get_u64(rg, "input"), ==, IOVA);
        g_assert_cmphex(get_u64(rg, "output"), ==, pa);
        g_assert_cmphex(get_u64(rg, "size"), ==, PAGE);
        g_assert_cmpuint(get_u64(rg, "table"), ==, 3);
    }
    qobject_unref(r);
    qsmmu_fix_expect_no_event(&f);
    qsmmu_fix_stop(&f);
}

/* A fault is explained, and asking records no event. */
static void test_stream_fault(void)
{
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    QDict *r, *w;
    uint64_t pa;

    if (!start(&f, &d, &pa)) {
        return;
    }
    r = stream(f.qts, IOVA + PAGE);
    w = qdict_get_qdict(r, "walk");
    g_assert_false(qdict_haskey(w, "output"));
    g_assert_cmpstr(qdict_get_str(w, "fault"), ==, "F_TRANSLATION");
    g_assert_cmpint(qdict_get_int(w, "fault-level"), ==, 3);
    qobject_unref(r);
    qsmmu_fix_expect_no_event(&f);
    qsmmu_fix_stop(&f);
}

/* An ILLEGAL STE: the event a transaction would raise and the rule. */
static void test_stream_bad_ste(void)
{
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    SMMUv3AuxSTE ste = { { 0 } };
    SMMUv3AuxCmd cmd = { { 0 } };
    QDict *r;
    uint64_t pa;

    if (!start(&f, &d, &pa)) {
        return;
    }
    /* Stage 2 translate with every S2 field zero: S2AA64 = 0. */
    ste.qw[0] = R_STE_0_V_MASK | 6ULL << R_STE_0_CONFIG_SHIFT;
    qsmmu_aux_write_ste(&f.s, SID, &ste);
    cmd.qw[0] = SMMUV3_AUX_CMD_CFGI_STE | (uint64_t)SID << 32;
    qsmmu_fix_cmd(&f, &cmd);
    r = stream(f.qts, IOVA);
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "invalid");
    g_assert_cmpstr(qdict_get_str(r, "event"), ==, "C_BAD_STE");
    g_assert_true(strlen(qdict_get_str(r, "reason")) > 0);
    g_assert_false(qdict_haskey(r, "walk"));
    qobject_unref(r);
    qsmmu_fix_expect_no_event(&f);
    qsmmu_fix_stop(&f);
}

/* Registers, queues, counters; the live stream table. */
static void test_smmu_state(void)
{
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    QDict *info, *reg, *q, *c, *cache;
    QList *list, *fetches;
    uint64_t pa, hits, ste_fetches;

    if (!start(&f, &d, &pa)) {
        return;
    }
    qsmmu_fix_dma_read(&f, IOVA, 64);

    {
        QDict *rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux'}");

        list = qdict_get_qlist(rsp, "return");
        g_assert_cmpuint(qlist_size(list), ==, 1);
        info = qobject_to(QDict, qlist_peek(list));
        reg = list_find(qdict_get_qlist(info, "registers"), "name", "CR0");
        g_assert_cmpuint(field(qdict_get_qlist(reg, "fields"), "SMMUEN"), ==,
                         1);
        q = list_find(qdict_get_qlist(info, "queues"), "name", "cmdq");
        g_assert_true(qdict_get_bool(q, "enabled"));
        g_assert_cmpuint(get_u64(q, "pending"), ==, 0);
        c = list_find(qdict_get_qlist(info, "commands"), "name", "CMD_SYNC");
        g_assert_nonnull(c);
        g_assert_cmpuint(get_u64(c, "count"), >=, 1);
        g_assert_cmpuint(get_u64(info, "translations"), >=, 1);
        cache = list_find(qdict_get_qlist(info, "caches"), "name", "iotlb");
        g_assert_cmpuint(get_u64(cache, "entries"), >=, 1);
        hits = get_u64(cache, "hits");
        /* The fixture's linear stream table and its one CD were read. */
        fetches = qdict_get_qlist(info, "fetches");
        c = list_find(fetches, "name", "STE");
        g_assert_nonnull(c);
        ste_fetches = get_u64(c, "count");
        g_assert_cmpuint(ste_fetches, >=, 1);
        g_assert_nonnull(list_find(fetches, "name", "CD"));
        g_assert_null(list_find(fetches, "name", "L1STD"));
        g_assert_null(list_find(fetches, "name", "L1CD"));
        g_assert_false(qdict_haskey(info, "vcmdq-commands"));
        qobject_unref(rsp);
    }

    /* Asking about the stream hits nothing. */
    qobject_unref(stream(f.qts, IOVA));
    {
        QDict *rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux'}");

        info = qobject_to(QDict, qlist_peek(qdict_get_qlist(rsp, "return")));
        cache = list_find(qdict_get_qlist(info, "caches"), "name", "iotlb");
        g_assert_cmpuint(get_u64(cache, "hits"), ==, hits);
        /* Its decode fetched the STE again, but counts only what DMA did. */
        c = list_find(qdict_get_qlist(info, "fetches"), "name", "STE");
        g_assert_cmpuint(get_u64(c, "count"), ==, ste_fetches);
        qobject_unref(rsp);
    }

    {
        QDict *rsp = qtest_qmp(f.qts, "{'execute': "
                               "'query-smmuv3-aux-streams'}");
        QDict *s;

        list = qdict_get_qlist(rsp, "return");
        g_assert_cmpuint(qlist_size(list), ==, 1);
        s = qobject_to(QDict, qlist_peek(list));
        g_assert_cmpuint(get_u64(s, "sid"), ==, SID);
        g_assert_cmpstr(qdict_get_str(s, "config"), ==,
                        "stage 1 translate, stage 2 bypass");
        qobject_unref(rsp);
    }
    qsmmu_fix_stop(&f);
}

/* A 2-level CD table: the valid CDs, with their ASIDs and addresses. */
static void test_substreams(void)
{
    static const uint32_t ssids[] = { 1, 100, 4000 };
    QSMMUFixS1 d[ARRAY_SIZE(ssids)];
    QSMMUFixCDTab t;
    QSMMUAuxFix f;
    const QListEntry *e;
    QDict *rsp, *r;
    unsigned i = 0;

    if (!qsmmu_fix_start(&f, "smmuv3-aux", 0, NULL)) {
        return;
    }
    qsmmu_fix_cdtab_init(&f, &t, SMMUV3_AUX_STE_S1FMT_2LVL_4K, 12, 0);
    for (i = 0; i < ARRAY_SIZE(ssids); i++) {
        qsmmu_fix_s1_init_ss(&f, &d[i], &t, ssids[i], 12, 10 + i, 0);
    }
    qsmmu_fix_ste_ss(&f, SID, &t, SMMUV3_AUX_STE_S1DSS_SSID0, NULL);
    qsmmu_fix_enable(&f);

    rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux-substreams', "
                    "'arguments': {'sid': %d}}", SID);
    r = qdict_get_qdict(rsp, "return");
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "stage 1");
    g_assert_cmpstr(qdict_get_str(r, "s1fmt"), ==, "2-level 4K");
    g_assert_cmpuint(get_u64(r, "s1cdmax"), ==, 12);
    g_assert_cmphex(get_u64(r, "context-ptr"), ==, t.base);
    g_assert_false(qdict_haskey(r, "next"));
    i = 0;
    QLIST_FOREACH_ENTRY(qdict_get_qlist(r, "cds"), e) {
        QDict *cd = qobject_to(QDict, qlist_entry_obj(e));

        g_assert_cmpuint(i, <, ARRAY_SIZE(ssids));
        g_assert_cmpuint(get_u64(cd, "ssid"), ==, ssids[i]);
        g_assert_cmpuint(get_u64(cd, "asid"), ==, 10 + i);
        g_assert_cmphex(get_u64(cd, "cd-address"), ==,
                        qsmmu_fix_cdtab_cd(&f, &t, ssids[i]));
        g_assert_false(qdict_haskey(cd, "reason"));
        i++;
    }
    g_assert_cmpuint(i, ==, ARRAY_SIZE(ssids));
    qobject_unref(rsp);

    /* One at a time: @next says where the second starts. */
    rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux-substreams', "
                    "'arguments': {'sid': %d, 'max': 1}}", SID);
    r = qdict_get_qdict(rsp, "return");
    g_assert_cmpuint(qlist_size(qdict_get_qlist(r, "cds")), ==, 1);
    g_assert_cmpuint(get_u64(r, "next"), ==, 2);
    qobject_unref(rsp);

    /* A StreamID without a valid STE has no CD table. */
    rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux-substreams', "
                    "'arguments': {'sid': %d}}", SID + 1);
    r = qdict_get_qdict(rsp, "return");
    g_assert_cmpstr(qdict_get_str(r, "event"), ==, "C_BAD_STE");
    g_assert_cmpuint(qlist_size(qdict_get_qlist(r, "cds")), ==, 0);
    qobject_unref(rsp);
    qsmmu_fix_stop(&f);
}

/* The HMP forms print the same decode; a wrong path is an error. */
static void test_hmp(void)
{
    QSMMUAuxFix f;
    QSMMUFixS1 d;
    g_autofree char *out = NULL, *info = NULL, *want = NULL;
    QDict *rsp;
    uint64_t pa;

    if (!start(&f, &d, &pa)) {
        return;
    }
    out = qtest_hmp(f.qts, "info smmuv3-aux-stream 0x%x 0x%" PRIx64, SID,
                    (uint64_t)IOVA);
    want = g_strdup_printf("=> 0x%" PRIx64, pa);
    g_assert_nonnull(strstr(out, "stage 1"));
    g_assert_nonnull(strstr(out, "S1 L3"));
    g_assert_nonnull(strstr(out, want));
    qsmmu_fix_dma_read(&f, IOVA, 64);       /* fetches the STE and CD */
    info = qtest_hmp(f.qts, "info smmuv3-aux");
    g_assert_nonnull(strstr(info, "SMMUEN=0x1"));
    g_assert_nonnull(strstr(info, "CMD_SYNC="));
    g_assert_nonnull(strstr(info, " fetches: STE="));

    rsp = qtest_qmp(f.qts, "{'execute': 'query-smmuv3-aux-stream', "
                    "'arguments': {'path': '/no/such', 'sid': 0}}");
    g_assert_true(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    qsmmu_fix_stop(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-inspect/stream/decoded", test_stream_decoded);
    qtest_add_func("/smmuv3-aux-inspect/stream/fault", test_stream_fault);
    qtest_add_func("/smmuv3-aux-inspect/stream/bad-ste", test_stream_bad_ste);
    qtest_add_func("/smmuv3-aux-inspect/smmu", test_smmu_state);
    qtest_add_func("/smmuv3-aux-inspect/substreams", test_substreams);
    qtest_add_func("/smmuv3-aux-inspect/hmp", test_hmp);
    return g_test_run();
}
