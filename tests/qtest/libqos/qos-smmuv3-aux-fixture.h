/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qtest fixture for DMA through an SMMUv3 of -M virt: one QEMU with
 * smmuv3-aux-testdev at QSMMU_FIX_TD_SLOT (and up to three more after it),
 * the SMMU brought up as Linux does (linear stream table, queues), data
 * and sentinel buffers, DMA that must succeed or fail at an address, the
 * event records it must produce, and stage-1 domains with Linux's CD.
 *
 * The fixture runs against QEMU's arm-smmuv3 as well as smmuv3-aux (the
 * conformance suite compares them), so it touches the SMMU through the
 * architected registers only, never through smmuv3-aux's QOM properties.
 */
#ifndef QTEST_LIBQOS_QOS_SMMUV3_AUX_FIXTURE_H
#define QTEST_LIBQOS_QOS_SMMUV3_AUX_FIXTURE_H

#include "libqtest.h"
#include "generic-pcihost.h"
#include "qos-smmuv3-aux.h"

#define QSMMU_FIX_TD_SLOT       4
#define QSMMU_FIX_SID           0x20            /* 00:04.0 */
/* Extra test device i (0-based) is at slot TD_SLOT + 1 + i. */
#define QSMMU_FIX_EXTRA_SID(i)  (QSMMU_FIX_SID + 8 * ((i) + 1))
#define QSMMU_FIX_MAX_EXTRA     3

/* Byte that fills buffers no DMA may touch. */
#define QSMMU_FIX_SENTINEL      0xc3
/* A DMA expected to fault is one aligned access: one event record. */
#define QSMMU_FIX_FAULT_LEN     4
#define QSMMU_FIX_TD_DONE       R_TD_STATUS_DONE_MASK
#define QSMMU_FIX_TD_ERROR      R_TD_STATUS_ERROR_MASK

typedef struct QSMMUAuxFix {
    QTestState *qts;
    QSMMUAux s;
    QGenericPCIBus gbus;
    QSMMUAuxTestdev td;
    QSMMUAuxTestdev extra[QSMMU_FIX_MAX_EXTRA];
    unsigned nextra;
    unsigned oas;               /* IDR5.OAS encoding */
} QSMMUAuxFix;

/*
 * The SMMU model under test: $SMMUV3_AUX_CONFORMANCE_MODEL (smmuv3 for
 * QEMU's own arm-smmuv3) or smmuv3-aux.
 */
const char *qsmmu_fix_model(void);
/*
 * Fail (not skip) the case when the device lacks a feature it needs, so
 * that a table of results compares like with like.  Returns @have.
 */
bool qsmmu_fix_require(bool have, const char *what);

/*
 * QEMU with -machine virt,iommu=@iommu, the test device and @nextra more,
 * and @args appended to the command line; the SMMU has a 256-entry linear
 * stream table and 256-entry queues, SMMUEN = 0.  False (case skipped)
 * when the machine or the test device is not built.
 */
bool qsmmu_fix_start(QSMMUAuxFix *f, const char *iommu, unsigned nextra,
                     const char *args);
/* The QEMU command line qsmmu_fix_start() uses (g_free it). */
char *qsmmu_fix_cmdline(const char *iommu, unsigned nextra, const char *args);
/* query-migrate's status on @qts ("none" before any migration). */
const char *qsmmu_fix_migration_status(QTestState *qts);
/* Wait (60 s of host time at most) for @want; the opposite end fails. */
void qsmmu_fix_migration_wait(QTestState *qts, const char *want);
/*
 * Migrate @src through a file to a new QEMU started with @dst_cmdline
 * and -incoming; return it once it completed (@src stays, stopped).
 */
QTestState *qsmmu_fix_migrate(QTestState *src, const char *dst_cmdline);
/*
 * Migrate @src through a file to a QEMU started with @dst_cmdline, which
 * must refuse the state (its migration ends "failed"); it is then quit.
 */
void qsmmu_fix_migrate_refused(QTestState *src, const char *dst_cmdline);
/*
 * After @f's QEMU migrated to @qts (started with qsmmu_fix_cmdline() and
 * -incoming): quit the source and go on with @qts, with the same driver
 * state (allocator, queue shadows) and the test devices found again.
 */
void qsmmu_fix_migrated(QSMMUAuxFix *f, QTestState *qts);
/*
 * After a system reset: the devices found and enabled again, the SMMU
 * brought up afresh as qsmmu_fix_start() does (SMMUEN = 0).
 */
void qsmmu_fix_after_reset(QSMMUAuxFix *f);
/* Invalidate every cache, then SMMUEN = 1. */
void qsmmu_fix_enable(QSMMUAuxFix *f);
void qsmmu_fix_stop(QSMMUAuxFix *f);

/* ---- Data -------------------------------------------------------------- */

/* A buffer holding the test device's WRITE pattern from @seed. */
uint64_t qsmmu_fix_alloc_data(QSMMUAuxFix *f, uint64_t size, uint64_t align,
                              uint32_t seed);
/* A buffer filled with QSMMU_FIX_SENTINEL. */
uint64_t qsmmu_fix_alloc_sentinel(QSMMUAuxFix *f, uint64_t size,
                                  uint64_t align);
/* FNV-1a of @len bytes of pattern @seed, continuing from @h. */
uint64_t qsmmu_fix_pattern_hash(uint64_t h, uint64_t len, uint32_t seed);
void qsmmu_fix_expect_pattern(QSMMUAuxFix *f, uint64_t pa, uint64_t len,
                              uint32_t seed);
void qsmmu_fix_expect_sentinel(QSMMUAuxFix *f, uint64_t pa, uint64_t len);

/* ---- DMA by the test device at QSMMU_FIX_TD_SLOT ------------------------ */

void qsmmu_fix_dma_ok(QSMMUAuxFix *f, uint32_t cmd, uint64_t src,
                      uint64_t dst, uint32_t len, uint32_t pattern);
/* READ of @len bytes at @iova; returns the device's hash of them. */
uint64_t qsmmu_fix_dma_read(QSMMUAuxFix *f, uint64_t iova, uint32_t len);
void qsmmu_fix_dma_write(QSMMUAuxFix *f, uint64_t iova, uint32_t len,
                         uint32_t seed);
/* A one-access READ or WRITE that must fail at @iova. */
void qsmmu_fix_dma_fails(QSMMUAuxFix *f, bool read, uint64_t iova);
/* The same by test device @td (the fixture's or one of its extra ones). */
void qsmmu_fix_td_fails(QSMMUAuxTestdev *td, bool read, uint64_t iova);
/* Start a TD_CTRL.ASYNC command; it runs in the device's own thread. */
void qsmmu_fix_td_start_async(QSMMUAuxTestdev *td, uint32_t cmd,
                              uint64_t src, uint64_t dst, uint32_t len);
/* STATUS once BUSY has cleared (within 20 s of host time). */
uint32_t qsmmu_fix_td_wait(QSMMUAuxTestdev *td);
/*
 * A one-access WRITE at @iova that must be terminated without a record
 * (STE.Config = abort, GBPA.ABORT, CR2.RECINVSID = 0): the device sees an
 * error, no event is pending, no global error is active, and the @len
 * sentinel bytes at @pa, where the write would have landed, are intact.
 */
void qsmmu_fix_dma_write_dropped(QSMMUAuxFix *f, uint64_t iova, uint64_t pa,
                                 uint64_t len);
/* A READ whose hash is either @old_h or @new_h (cached or not). */
void qsmmu_fix_expect_read_either(QSMMUAuxFix *f, uint64_t iova,
                                  uint32_t len, uint64_t old_h,
                                  uint64_t new_h);
/*
 * Function Level Reset of @td, as Linux's pcie_flr() and the PCI core
 * do it, without the 100 ms wait: BAR0 and Memory Space and Bus Master
 * Enable written back at once.
 */
void qsmmu_fix_td_flr(QSMMUAuxTestdev *td);
/* QEMU's anonymous resident memory (its heap, not memfd RAM), in KiB. */
uint64_t qsmmu_fix_rss_anon_kb(QTestState *qts);
/* qom-get of an integer property @prop of the object at @path. */
/* The QOM path of the one board device of @type under /machine/unattached. */
char *qsmmu_fix_device_path(QTestState *qts, const char *type);
uint64_t qsmmu_fix_qom_uint(QTestState *qts, const char *path,
                           const char *prop);
/* TD_PASID of the test device: later DMA carries SSV = 1 and @ssid. */
void qsmmu_fix_set_ssid(QSMMUAuxTestdev *td, uint32_t ssid);
/* TD_PASID = 0: later DMA carries no SubstreamID. */
void qsmmu_fix_clear_ssid(QSMMUAuxTestdev *td);

/* ---- Events ------------------------------------------------------------ */

/* No event pending and no global error active. */
void qsmmu_fix_expect_no_event(QSMMUAuxFix *f);
/*
 * Pop the one pending record: EVENTID @id, StreamID @sid, SSV = @ssv and
 * SubstreamID @ssid (IHI 0070 7.3: SubstreamID is 0 when SSV = 0).
 */
void qsmmu_fix_pop_event_ss(QSMMUAuxFix *f, SMMUv3AuxEvtRecord *r, uint8_t id,
                            uint32_t sid, bool ssv, uint32_t ssid);
/* The same for the test device's StreamID and no substream. */
void qsmmu_fix_pop_event(QSMMUAuxFix *f, SMMUv3AuxEvtRecord *r, uint8_t id);
/*
 * The one pending record is a translation-class fault of an unprivileged
 * data access of the test device without a substream; see the .c file.
 */
void qsmmu_fix_expect_fault(QSMMUAuxFix *f, uint8_t id, uint64_t input,
                            bool rnw, bool s2, unsigned cls, uint64_t ipa);
/* The same for a transaction with SubstreamID @ssid (SSV = 1). */
void qsmmu_fix_expect_fault_ss(QSMMUAuxFix *f, uint32_t ssid, uint8_t id,
                               uint64_t input, bool rnw, bool s2,
                               unsigned cls, uint64_t ipa);
/* The one pending record is configuration event @id with FetchAddr @qw3. */
void qsmmu_fix_expect_cfg_event(QSMMUAuxFix *f, uint8_t id, uint64_t qw3);
/*
 * Record @r (popped or peeked) is configuration event @id of StreamID @sid
 * without a substream, with FetchAddr @qw3; see the .c file.
 */
void qsmmu_fix_check_cfg_record(const SMMUv3AuxEvtRecord *r, uint8_t id,
                                uint32_t sid, uint64_t qw3);

/* ---- Stage-1 domains ----------------------------------------------------- */

typedef struct QSMMUFixS1 {
    QSMMUAuxPT pt;
    uint64_t cd;                /* PA of its CD */
    SMMUv3AuxCD cdv;            /* the CD as last written */
    uint16_t asid;
} QSMMUFixS1;

/*
 * A domain of granule 1 << @gshift, 48-bit VA, tables at PA + @oa_offset
 * (the IPA, for nested cases), and Linux's CD for it at a fresh PA.
 */
void qsmmu_fix_s1_init(QSMMUAuxFix *f, QSMMUFixS1 *d, unsigned gshift,
                       uint16_t asid, uint64_t oa_offset);
/* Write d->cdv (after a change) to d->cd. */
void qsmmu_fix_s1_write_cd(QSMMUAuxFix *f, QSMMUFixS1 *d);
/* The test device's STE: stage 1 with the one CD d->cd. */
void qsmmu_fix_s1_install(QSMMUAuxFix *f, QSMMUFixS1 *d);
/* Map the 4 KiB page @va to @pa with Linux's attributes. */
uint64_t qsmmu_fix_s1_map4k(QSMMUFixS1 *d, uint64_t va, uint64_t pa);
/* A 4K-granule domain with ASID 1 installed for the test device. */
void qsmmu_fix_s1_4k(QSMMUAuxFix *f, QSMMUFixS1 *d);

/*
 * Nested: stage 2 (4K granule, 40-bit IPA, two concatenated level-1
 * tables, VMID @vmid) maps @ipa_off + [QSMMU_AUX_ALLOC_START,
 * QSMMU_AUX_ALLOC_END) onto the allocator's window with 2 MiB blocks, and
 * a stage-1 4K domain (ASID 1) has its tables and CD at IPAs.  The test
 * device's STE is written, nested, with its CD at @cd_ipa (0: the CD's
 * own IPA).
 */
typedef struct QSMMUFixNested {
    QSMMUAuxPT s2;
    QSMMUFixS1 s1;
} QSMMUFixNested;

void qsmmu_fix_s2_pt(QSMMUAuxFix *f, QSMMUAuxPT *pt);
void qsmmu_fix_nested_setup(QSMMUAuxFix *f, QSMMUFixNested *n,
                            uint64_t ipa_off, uint16_t vmid, uint64_t cd_ipa);

/*
 * A 4K-granule domain installed, one read-only page at @iova holding
 * pattern @seed, SMMU enabled; returns the page's PA.
 */
uint64_t qsmmu_fix_s1_ro_page(QSMMUAuxFix *f, QSMMUFixS1 *d, uint64_t iova,
                              uint32_t seed);

/*
 * ---- CD tables with substreams (IHI 0070 5.2 S1Fmt/S1CDMax, 5.3 L1CD)
 *
 * 2^cdmax CDs, linear (S1Fmt 0b00) or 2-level with 4 KiB (0b01, 64 CDs)
 * or 64 KiB (0b10, 1024 CDs) leaf tables.  Leaf tables are allocated when
 * a CD is first placed in their span; until then their L1CD has V = 0.
 * With @ipa_off != 0 (nested) every pointer the SMMU follows, the STE's
 * S1ContextPtr and each L1CD.L2Ptr, is written as PA + @ipa_off.
 */
typedef struct QSMMUFixCDTab {
    unsigned fmt, cdmax;
    uint64_t base;              /* PA of the linear or level-1 table */
    uint64_t ipa_off;
} QSMMUFixCDTab;

void qsmmu_fix_cdtab_init(QSMMUAuxFix *f, QSMMUFixCDTab *t, unsigned fmt,
                          unsigned cdmax, uint64_t ipa_off);
/* Log2 of the CDs a leaf table holds (0 for a linear table). */
unsigned qsmmu_fix_cdtab_split(const QSMMUFixCDTab *t);
/* PA of the L1CD for @ssid (2-level tables only). */
uint64_t qsmmu_fix_cdtab_l1cd(const QSMMUFixCDTab *t, uint32_t ssid);
/* PA of the CD of @ssid, allocating and linking its leaf table if needed. */
uint64_t qsmmu_fix_cdtab_cd(QSMMUAuxFix *f, QSMMUFixCDTab *t, uint32_t ssid);
/*
 * The STE of @sid: stage 1 (or @ste's Config and stage-2 part, when
 * @ste is not NULL) over table @t with default substream @s1dss.
 */
void qsmmu_fix_ste_ss(QSMMUAuxFix *f, uint32_t sid, const QSMMUFixCDTab *t,
                      unsigned s1dss, const SMMUv3AuxSTE *ste);
/* Domain @d (as qsmmu_fix_s1_init) whose CD is @ssid's CD of @t. */
void qsmmu_fix_s1_init_ss(QSMMUAuxFix *f, QSMMUFixS1 *d, QSMMUFixCDTab *t,
                          uint32_t ssid, unsigned gshift, uint16_t asid,
                          uint64_t oa_offset);

/* Run @cmd and a CMD_SYNC; no CERROR allowed. */
void qsmmu_fix_cmd(QSMMUAuxFix *f, const SMMUv3AuxCmd *cmd);
/* Write the STE of @sid, then CFGI_STE and CMD_SYNC (as qsmmu_fix_cmd). */
void qsmmu_fix_ste_update(QSMMUAuxFix *f, uint32_t sid,
                          const SMMUv3AuxSTE *ste);

#endif
