/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qtest fixture for DMA through an SMMUv3 of -M virt; see
 * qos-smmuv3-aux-fixture.h.  Event layouts are Arm IHI 0070 chapter 7.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "standard-headers/linux/pci_regs.h"
#include "qos-smmuv3-aux-fixture.h"

const char *qsmmu_fix_model(void)
{
    const char *m = g_getenv("SMMUV3_AUX_CONFORMANCE_MODEL");

    return m && *m ? m : "smmuv3-aux";
}

bool qsmmu_fix_require(bool have, const char *what)
{
    if (!have) {
        g_test_message("device lacks %s", what);
        g_test_fail();
    }
    return have;
}

char *qsmmu_fix_cmdline(const char *iommu, unsigned nextra, const char *args)
{
    GString *cmd = g_string_new("");
    unsigned i;

    g_assert_cmpuint(nextra, <=, QSMMU_FIX_MAX_EXTRA);
    /* 512 MiB: the libqos allocation window must exist. */
    g_string_printf(cmd, "-machine virt,gic-version=3,iommu=%s -cpu max "
                    "-m 512M -nodefaults", iommu);
    for (i = 0; i <= nextra; i++) {
        g_string_append_printf(cmd, " -device smmuv3-aux-testdev,"
                               "bus=pcie.0,addr=%d.0", QSMMU_FIX_TD_SLOT + i);
    }
    if (args) {
        g_string_append_printf(cmd, " %s", args);
    }
    return g_string_free(cmd, false);
}

/* Find the test devices on f->qts's PCI bus and map their BARs. */
static void attach_devices(QSMMUAuxFix *f)
{
    unsigned i;

    qpci_init_generic(&f->gbus, f->qts, NULL, false);
    qsmmu_aux_td_init(&f->td, &f->gbus.bus,
                      QPCI_DEVFN(QSMMU_FIX_TD_SLOT, 0));
    for (i = 0; i < f->nextra; i++) {
        qsmmu_aux_td_init(&f->extra[i], &f->gbus.bus,
                          QPCI_DEVFN(QSMMU_FIX_TD_SLOT + 1 + i, 0));
    }
}

static void detach_devices(QSMMUAuxFix *f)
{
    unsigned i;

    for (i = 0; i < f->nextra; i++) {
        qsmmu_aux_td_free(&f->extra[i]);
    }
    qsmmu_aux_td_free(&f->td);
}

bool qsmmu_fix_start(QSMMUAuxFix *f, const char *iommu, unsigned nextra,
                     const char *args)
{
    g_autofree char *cmd = NULL;

    if (!qtest_has_machine("virt") ||
        !qtest_has_device("smmuv3-aux-testdev")) {
        g_test_skip("needs -M virt and smmuv3-aux-testdev");
        return false;
    }
    memset(f, 0, sizeof(*f));
    cmd = qsmmu_fix_cmdline(iommu, nextra, args);
    f->qts = qtest_init(cmd);
    qsmmu_aux_init(&f->s, f->qts, QSMMU_AUX_VIRT_BASE);
    f->nextra = nextra;
    attach_devices(f);
    f->oas = FIELD_EX32(qsmmu_aux_readl(&f->s, A_IDR5), IDR5, OAS);
    qsmmu_aux_strtab_linear(&f->s, 8);
    qsmmu_aux_bringup(&f->s, 8, 8);
    return true;
}

void qsmmu_fix_after_reset(QSMMUAuxFix *f)
{
    detach_devices(f);
    qsmmu_aux_init(&f->s, f->qts, QSMMU_AUX_VIRT_BASE);
    attach_devices(f);
    qsmmu_aux_strtab_linear(&f->s, 8);
    qsmmu_aux_bringup(&f->s, 8, 8);
}

/* ---- Migration ---------------------------------------------------------- */

const char *qsmmu_fix_migration_status(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
    QDict *ret = qdict_get_qdict(rsp, "return");
    static char status[32];

    g_strlcpy(status, ret && qdict_haskey(ret, "status") ?
                      qdict_get_str(ret, "status") : "none", sizeof(status));
    qobject_unref(rsp);
    return status;
}

void qsmmu_fix_migration_wait(QTestState *qts, const char *want)
{
    const char *other = strcmp(want, "failed") ? "failed" : "completed";
    gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    const char *st;

    while (strcmp(st = qsmmu_fix_migration_status(qts), want)) {
        g_assert_cmpstr(st, !=, other);
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(10 * 1000);
    }
}

QTestState *qsmmu_fix_migrate(QTestState *src, const char *dst_cmdline)
{
    static unsigned seq;
    g_autofree char *path = g_strdup_printf("%s/smmuv3-aux-mig-%d-%u",
                                            g_get_tmp_dir(), getpid(), seq++);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    QTestState *dst;

    qtest_qmp_assert_success(src, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    qsmmu_fix_migration_wait(src, "completed");
    dst = qtest_initf("%s -incoming %s", dst_cmdline, uri);
    qsmmu_fix_migration_wait(dst, "completed");
    unlink(path);
    return dst;
}

void qsmmu_fix_migrate_refused(QTestState *src, const char *dst_cmdline)
{
    g_autofree char *path = g_strdup_printf("%s/smmuv3-aux-mig-refused-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    QTestState *dst;

    qtest_qmp_assert_success(src, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    qsmmu_fix_migration_wait(src, "completed");
    dst = qtest_initf("%s -incoming defer", dst_cmdline);
    qtest_qmp_assert_success(dst, "{'execute': 'migrate-incoming', "
                             "'arguments': {'uri': %s, "
                             "'exit-on-error': false}}", uri);
    qsmmu_fix_migration_wait(dst, "failed");
    unlink(path);
    qtest_quit(dst);
}

void qsmmu_fix_migrated(QSMMUAuxFix *f, QTestState *qts)
{
    detach_devices(f);
    qtest_quit(f->qts);
    f->qts = qts;
    f->s.qts = qts;
    attach_devices(f);
}

void qsmmu_fix_enable(QSMMUAuxFix *f)
{
    qsmmu_aux_cmdq_invalidate_all(&f->s);
    qsmmu_aux_enable(&f->s);
}

void qsmmu_fix_stop(QSMMUAuxFix *f)
{
    detach_devices(f);
    qtest_quit(f->qts);
}

/* ---- Data -------------------------------------------------------------- */

uint64_t qsmmu_fix_alloc_data(QSMMUAuxFix *f, uint64_t size, uint64_t align,
                              uint32_t seed)
{
    uint64_t pa = qsmmu_aux_alloc(&f->s, size, align);
    g_autofree uint8_t *buf = g_malloc(size);

    qsmmu_aux_td_write_pattern(buf, size, seed);
    qtest_memwrite(f->qts, pa, buf, size);
    return pa;
}

uint64_t qsmmu_fix_alloc_sentinel(QSMMUAuxFix *f, uint64_t size,
                                  uint64_t align)
{
    uint64_t pa = qsmmu_aux_alloc(&f->s, size, align);

    qtest_memset(f->qts, pa, QSMMU_FIX_SENTINEL, size);
    return pa;
}

uint64_t qsmmu_fix_pattern_hash(uint64_t h, uint64_t len, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len);

    qsmmu_aux_td_write_pattern(buf, len, seed);
    return qsmmu_aux_fnv1a(h, buf, len);
}

void qsmmu_fix_expect_pattern(QSMMUAuxFix *f, uint64_t pa, uint64_t len,
                              uint32_t seed)
{
    g_autofree uint8_t *want = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    qsmmu_aux_td_write_pattern(want, len, seed);
    qtest_memread(f->qts, pa, got, len);
    g_assert_cmpmem(got, len, want, len);
}

void qsmmu_fix_expect_sentinel(QSMMUAuxFix *f, uint64_t pa, uint64_t len)
{
    g_autofree uint8_t *want = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    memset(want, QSMMU_FIX_SENTINEL, len);
    qtest_memread(f->qts, pa, got, len);
    g_assert_cmpmem(got, len, want, len);
}

/* ---- DMA --------------------------------------------------------------- */

void qsmmu_fix_dma_ok(QSMMUAuxFix *f, uint32_t cmd, uint64_t src,
                      uint64_t dst, uint32_t len, uint32_t pattern)
{
    g_assert_cmphex(qsmmu_aux_td_run(&f->td, cmd, src, dst, len, pattern),
                    ==, QSMMU_FIX_TD_DONE);
}

uint64_t qsmmu_fix_dma_read(QSMMUAuxFix *f, uint64_t iova, uint32_t len)
{
    qsmmu_fix_dma_ok(f, SMMUV3_AUX_TD_CMD_READ, iova, 0, len, 0);
    return qsmmu_aux_td_result(&f->td);
}

void qsmmu_fix_dma_write(QSMMUAuxFix *f, uint64_t iova, uint32_t len,
                         uint32_t seed)
{
    qsmmu_fix_dma_ok(f, SMMUV3_AUX_TD_CMD_WRITE, 0, iova, len, seed);
}

void qsmmu_fix_td_fails(QSMMUAuxTestdev *td, bool read, uint64_t iova)
{
    uint32_t st = qsmmu_aux_td_run(td, read ? SMMUV3_AUX_TD_CMD_READ
                                            : SMMUV3_AUX_TD_CMD_WRITE,
                                   iova, iova, QSMMU_FIX_FAULT_LEN,
                                   0x5a5a5a5a);

    g_assert_cmphex(st, ==, QSMMU_FIX_TD_ERROR);
    g_assert_cmphex(qsmmu_aux_td_err_addr(td), ==, iova);
}

void qsmmu_fix_td_start_async(QSMMUAuxTestdev *td, uint32_t cmd,
                              uint64_t src, uint64_t dst, uint32_t len)
{
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, R_TD_CTRL_ASYNC_MASK);
    qsmmu_aux_td_start(td, cmd, src, dst, len, 0);
}

void qsmmu_fix_td_flr(QSMMUAuxTestdev *td)
{
    QPCIDevice *dev = td->dev;
    uint8_t exp = qpci_find_capability(dev, PCI_CAP_ID_EXP, 0);
    uint32_t bar0 = qpci_config_readl(dev, PCI_BASE_ADDRESS_0);
    uint32_t bar1 = qpci_config_readl(dev, PCI_BASE_ADDRESS_1);

    qpci_config_writew(dev, exp + PCI_EXP_DEVCTL,
                       qpci_config_readw(dev, exp + PCI_EXP_DEVCTL) |
                       PCI_EXP_DEVCTL_BCR_FLR);
    qpci_config_writel(dev, PCI_BASE_ADDRESS_0, bar0);
    qpci_config_writel(dev, PCI_BASE_ADDRESS_1, bar1);
    qpci_config_writew(dev, PCI_COMMAND,
                       PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

char *qsmmu_fix_device_path(QTestState *qts, const char *type)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': "
                           "{'path': '/machine/unattached'}}");
    g_autofree char *child = g_strdup_printf("child<%s>", type);
    QListEntry *e;
    char *path = NULL;

    g_assert_true(qdict_haskey(rsp, "return"));
    QLIST_FOREACH_ENTRY(qdict_get_qlist(rsp, "return"), e) {
        QDict *prop = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(prop, "type"), child)) {
            g_assert_null(path);
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(prop, "name"));
        }
    }
    qobject_unref(rsp);
    g_assert_nonnull(path);
    return path;
}

uint64_t qsmmu_fix_qom_uint(QTestState *qts, const char *path,
                           const char *prop)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': %s}}", path, prop);
    uint64_t v;

    g_assert_true(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

uint64_t qsmmu_fix_rss_anon_kb(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *p;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    p = strstr(text, "RssAnon:");
    g_assert_nonnull(p);
    return g_ascii_strtoull(p + strlen("RssAnon:"), NULL, 10);
}

uint32_t qsmmu_fix_td_wait(QSMMUAuxTestdev *td)
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

void qsmmu_fix_dma_fails(QSMMUAuxFix *f, bool read, uint64_t iova)
{
    qsmmu_fix_td_fails(&f->td, read, iova);
}

void qsmmu_fix_dma_write_dropped(QSMMUAuxFix *f, uint64_t iova, uint64_t pa,
                                 uint64_t len)
{
    qsmmu_fix_dma_fails(f, false, iova);
    qsmmu_fix_expect_sentinel(f, pa, len);
    qsmmu_fix_expect_no_event(f);
}

void qsmmu_fix_expect_read_either(QSMMUAuxFix *f, uint64_t iova,
                                  uint32_t len, uint64_t old_h,
                                  uint64_t new_h)
{
    uint64_t h = qsmmu_fix_dma_read(f, iova, len);

    if (h != old_h && h != new_h) {
        g_test_message("read at 0x%" PRIx64 ": hash 0x%" PRIx64 " is "
                       "neither old 0x%" PRIx64 " nor new 0x%" PRIx64,
                       iova, h, old_h, new_h);
        g_assert_not_reached();
    }
}

void qsmmu_fix_set_ssid(QSMMUAuxTestdev *td, uint32_t ssid)
{
    qpci_io_writel(td->dev, td->bar, A_TD_PASID,
                   FIELD_DP32(ssid, TD_PASID, SSV, 1));
}

void qsmmu_fix_clear_ssid(QSMMUAuxTestdev *td)
{
    qpci_io_writel(td->dev, td->bar, A_TD_PASID, 0);
}

/* ---- Events ------------------------------------------------------------ */

void qsmmu_fix_expect_no_event(QSMMUAuxFix *f)
{
    g_assert_cmpuint(qsmmu_aux_evtq_pending(&f->s), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(&f->s), ==, 0);
}

void qsmmu_fix_pop_event_ss(QSMMUAuxFix *f, SMMUv3AuxEvtRecord *r, uint8_t id,
                            uint32_t sid, bool ssv, uint32_t ssid)
{
    uint64_t qw0 = 0;

    g_assert_cmpuint(qsmmu_aux_evtq_pending(&f->s), ==, 1);
    g_assert_true(qsmmu_aux_evtq_pop(&f->s, r));
    qw0 = FIELD_DP64(qw0, EVT_0, EVENTID, id);
    qw0 = FIELD_DP64(qw0, EVT_0, SSV, ssv);
    qw0 = FIELD_DP64(qw0, EVT_0, SSID, ssv ? ssid : 0);
    qw0 = FIELD_DP64(qw0, EVT_0, SID, sid);
    g_assert_cmphex(r->qw[0], ==, qw0);
}

void qsmmu_fix_pop_event(QSMMUAuxFix *f, SMMUv3AuxEvtRecord *r, uint8_t id)
{
    qsmmu_fix_pop_event_ss(f, r, id, QSMMU_FIX_SID, false, 0);
}

/*
 * A translation-class fault (F_TRANSLATION, F_ADDR_SIZE, F_ACCESS,
 * F_PERMISSION; IHI 0070 7.3.13-16) of an unprivileged data access without
 * a substream: RnW, S2, CLASS; InputAddr; IPA [55:12] when S2 == 1 (UNKNOWN
 * for stage 1); TTRnW, which 7.3.16 defines for F_PERMISSION only, when
 * CLASS == TT (UNKNOWN otherwise; walks are reads).  Everything else
 * (Stall, STAG, PnU, InD, NSIPA) is 0.
 */
static void expect_fault(QSMMUAuxFix *f, bool ssv, uint32_t ssid, uint8_t id,
                         uint64_t input, bool rnw, bool s2, unsigned cls,
                         uint64_t ipa)
{
    SMMUv3AuxEvtRecord r;
    uint64_t q1 = 0, mask = ~0ULL;

    qsmmu_fix_pop_event_ss(f, &r, id, QSMMU_FIX_SID, ssv, ssid);
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
    qsmmu_fix_expect_no_event(f);
}

void qsmmu_fix_expect_fault(QSMMUAuxFix *f, uint8_t id, uint64_t input,
                            bool rnw, bool s2, unsigned cls, uint64_t ipa)
{
    expect_fault(f, false, 0, id, input, rnw, s2, cls, ipa);
}

void qsmmu_fix_expect_fault_ss(QSMMUAuxFix *f, uint32_t ssid, uint8_t id,
                               uint64_t input, bool rnw, bool s2,
                               unsigned cls, uint64_t ipa)
{
    expect_fault(f, true, ssid, id, input, rnw, s2, cls, ipa);
}

/*
 * Configuration events: StreamID and @qw3 (FetchAddr); the rest RES0 but
 * for F_CD_FETCH's IMPLEMENTATION DEFINED Reason in the second qword.
 */
void qsmmu_fix_check_cfg_record(const SMMUv3AuxEvtRecord *r, uint8_t id,
                                uint32_t sid, uint64_t qw3)
{
    uint64_t qw0 = 0;

    qw0 = FIELD_DP64(qw0, EVT_0, EVENTID, id);
    qw0 = FIELD_DP64(qw0, EVT_0, SID, sid);
    g_assert_cmphex(r->qw[0], ==, qw0);
    if (id != SMMUV3_AUX_EVT_F_CD_FETCH) {
        g_assert_cmphex(r->qw[1], ==, 0);
    }
    g_assert_cmphex(r->qw[2], ==, 0);
    g_assert_cmphex(r->qw[3], ==, qw3);
}

void qsmmu_fix_expect_cfg_event(QSMMUAuxFix *f, uint8_t id, uint64_t qw3)
{
    SMMUv3AuxEvtRecord r;

    qsmmu_fix_pop_event(f, &r, id);
    qsmmu_fix_check_cfg_record(&r, id, QSMMU_FIX_SID, qw3);
    qsmmu_fix_expect_no_event(f);
}

/* ---- Stage-1 domains ----------------------------------------------------- */

/* Tables, then Linux's CD for them written at @cd. */
static void s1_init_at(QSMMUAuxFix *f, QSMMUFixS1 *d, uint64_t cd,
                       unsigned gshift, uint16_t asid, uint64_t oa_offset)
{
    qsmmu_aux_pt_init(&f->s, &d->pt, gshift, 48, QSMMU_AUX_PT_START_AUTO,
                      oa_offset);
    d->cd = cd;
    d->asid = asid;
    qsmmu_aux_cd_linux(&d->cdv, &d->pt, asid, f->oas);
    qsmmu_aux_write_cd(&f->s, d->cd, &d->cdv);
}

void qsmmu_fix_s1_init(QSMMUAuxFix *f, QSMMUFixS1 *d, unsigned gshift,
                       uint16_t asid, uint64_t oa_offset)
{
    s1_init_at(f, d,
               qsmmu_aux_alloc(&f->s, SMMUV3_AUX_CD_SIZE, SMMUV3_AUX_CD_SIZE),
               gshift, asid, oa_offset);
}

void qsmmu_fix_s1_write_cd(QSMMUAuxFix *f, QSMMUFixS1 *d)
{
    qsmmu_aux_write_cd(&f->s, d->cd, &d->cdv);
}

void qsmmu_fix_s1_install(QSMMUAuxFix *f, QSMMUFixS1 *d)
{
    SMMUv3AuxSTE ste;

    qsmmu_aux_ste_s1(&ste, d->cd);
    qsmmu_aux_write_ste(&f->s, QSMMU_FIX_SID, &ste);
}

uint64_t qsmmu_fix_s1_map4k(QSMMUFixS1 *d, uint64_t va, uint64_t pa)
{
    return qsmmu_aux_pt_map(&d->pt, va, pa, 3, QSMMU_AUX_S1_ATTRS_LINUX);
}

void qsmmu_fix_s2_pt(QSMMUAuxFix *f, QSMMUAuxPT *pt)
{
    qsmmu_aux_pt_init(&f->s, pt, 12, 40, 1, 0);
    g_assert_cmpuint(pt->concat, ==, 2);
}

void qsmmu_fix_nested_setup(QSMMUAuxFix *f, QSMMUFixNested *n,
                            uint64_t ipa_off, uint16_t vmid, uint64_t cd_ipa)
{
    SMMUv3AuxSTE ste;
    uint64_t pa;

    qsmmu_fix_s2_pt(f, &n->s2);
    for (pa = QSMMU_AUX_ALLOC_START; pa < QSMMU_AUX_ALLOC_END; pa += 2 * MiB) {
        qsmmu_aux_pt_map(&n->s2, pa + ipa_off, pa, 2,
                         QSMMU_AUX_S2_ATTRS_LINUX);
    }
    qsmmu_fix_s1_init(f, &n->s1, 12, 1, ipa_off);
    qsmmu_aux_ste_nested(&ste, cd_ipa ? cd_ipa : n->s1.cd + ipa_off, &n->s2,
                         vmid, f->oas);
    qsmmu_aux_write_ste(&f->s, QSMMU_FIX_SID, &ste);
}

void qsmmu_fix_s1_4k(QSMMUAuxFix *f, QSMMUFixS1 *d)
{
    qsmmu_fix_s1_init(f, d, 12, 1, 0);
    qsmmu_fix_s1_install(f, d);
}

/* ---- CD tables with substreams --------------------------------------- */

void qsmmu_fix_cdtab_init(QSMMUAuxFix *f, QSMMUFixCDTab *t, unsigned fmt,
                          unsigned cdmax, uint64_t ipa_off)
{
    uint64_t size;

    g_assert_cmpuint(fmt, <=, SMMUV3_AUX_STE_S1FMT_2LVL_64K);
    g_assert_cmpuint(cdmax, >=, 1);
    g_assert_cmpuint(cdmax, <=, 20);
    t->fmt = fmt;
    t->cdmax = cdmax;
    t->ipa_off = ipa_off;
    if (fmt == SMMUV3_AUX_STE_S1FMT_LINEAR) {
        size = SMMUV3_AUX_CD_SIZE << cdmax;
    } else {
        /* At least one L1CD; the table is aligned to its size (>= 64). */
        size = SMMUV3_AUX_L1CD_SIZE <<
               (cdmax > qsmmu_fix_cdtab_split(t) ?
                cdmax - qsmmu_fix_cdtab_split(t) : 0);
        size = MAX(size, 64);
    }
    t->base = qsmmu_aux_alloc(&f->s, size, size);
    qtest_memset(f->qts, t->base, 0, size);
}

unsigned qsmmu_fix_cdtab_split(const QSMMUFixCDTab *t)
{
    switch (t->fmt) {
    case SMMUV3_AUX_STE_S1FMT_2LVL_4K:
        return 6;
    case SMMUV3_AUX_STE_S1FMT_2LVL_64K:
        return 10;
    default:
        return 0;
    }
}

uint64_t qsmmu_fix_cdtab_l1cd(const QSMMUFixCDTab *t, uint32_t ssid)
{
    g_assert_cmpuint(t->fmt, !=, SMMUV3_AUX_STE_S1FMT_LINEAR);
    return t->base +
           (uint64_t)(ssid >> qsmmu_fix_cdtab_split(t)) * SMMUV3_AUX_L1CD_SIZE;
}

uint64_t qsmmu_fix_cdtab_cd(QSMMUAuxFix *f, QSMMUFixCDTab *t, uint32_t ssid)
{
    unsigned split = qsmmu_fix_cdtab_split(t);
    uint64_t l1cd, desc, leaf, size = SMMUV3_AUX_CD_SIZE << split;

    g_assert_cmpuint(ssid, <, 1u << t->cdmax);
    if (t->fmt == SMMUV3_AUX_STE_S1FMT_LINEAR) {
        return t->base + (uint64_t)ssid * SMMUV3_AUX_CD_SIZE;
    }
    l1cd = qsmmu_fix_cdtab_l1cd(t, ssid);
    desc = qsmmu_aux_mem_readq(&f->s, l1cd);
    if (FIELD_EX64(desc, L1CD, V)) {
        leaf = (FIELD_EX64(desc, L1CD, L2PTR) << 12) - t->ipa_off;
    } else {
        leaf = qsmmu_aux_alloc(&f->s, size, size);
        qtest_memset(f->qts, leaf, 0, size);
        desc = FIELD_DP64(0, L1CD, V, 1);
        desc = FIELD_DP64(desc, L1CD, L2PTR, (leaf + t->ipa_off) >> 12);
        qsmmu_aux_mem_writeq(&f->s, l1cd, desc);
    }
    return leaf + (uint64_t)(ssid & ((1u << split) - 1)) * SMMUV3_AUX_CD_SIZE;
}

void qsmmu_fix_ste_ss(QSMMUAuxFix *f, uint32_t sid, const QSMMUFixCDTab *t,
                      unsigned s1dss, const SMMUv3AuxSTE *ste)
{
    SMMUv3AuxSTE e;

    if (ste) {
        e = *ste;
    } else {
        qsmmu_aux_ste_s1(&e, 0);
    }
    e.qw[0] = FIELD_DP64(e.qw[0], STE_0, S1FMT, t->fmt);
    e.qw[0] = FIELD_DP64(e.qw[0], STE_0, S1CONTEXTPTR,
                         (t->base + t->ipa_off) >> 6);
    e.qw[0] = FIELD_DP64(e.qw[0], STE_0, S1CDMAX, t->cdmax);
    e.qw[1] = FIELD_DP64(e.qw[1], STE_1, S1DSS, s1dss);
    qsmmu_aux_write_ste(&f->s, sid, &e);
}

void qsmmu_fix_s1_init_ss(QSMMUAuxFix *f, QSMMUFixS1 *d, QSMMUFixCDTab *t,
                          uint32_t ssid, unsigned gshift, uint16_t asid,
                          uint64_t oa_offset)
{
    s1_init_at(f, d, qsmmu_fix_cdtab_cd(f, t, ssid), gshift, asid, oa_offset);
}

uint64_t qsmmu_fix_s1_ro_page(QSMMUAuxFix *f, QSMMUFixS1 *d, uint64_t iova,
                              uint32_t seed)
{
    uint64_t a;

    qsmmu_fix_s1_4k(f, d);
    a = qsmmu_fix_alloc_data(f, 4096, 4096, seed);
    qsmmu_aux_pt_map(&d->pt, iova, a, 3,
                     QSMMU_AUX_S1_ATTRS_LINUX | QSMMU_AUX_PTE_AP_RDONLY);
    qsmmu_fix_enable(f);
    return a;
}

void qsmmu_fix_cmd(QSMMUAuxFix *f, const SMMUv3AuxCmd *cmd)
{
    qsmmu_aux_cmdq_run_sync_ok(&f->s, cmd, 1);
}

void qsmmu_fix_ste_update(QSMMUAuxFix *f, uint32_t sid,
                          const SMMUv3AuxSTE *ste)
{
    SMMUv3AuxCmd cmd;

    qsmmu_aux_write_ste(&f->s, sid, ste);
    qsmmu_aux_cmd_cfgi_ste(&cmd, sid);
    qsmmu_fix_cmd(f, &cmd);
}
