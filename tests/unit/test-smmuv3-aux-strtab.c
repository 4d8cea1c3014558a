/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: translation entry point, stream tables and
 * STE validation (strtab.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define L2TAB       0x800000ULL
#define IOVA        0x12345678abcULL

static TestSMMU *strtab_new(const SMMUv3AuxParams *p, unsigned log2size)
{
    TestSMMU *t = tsmmu_new(p);

    tsmmu_setup_strtab_linear(t, STRTAB, log2size);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    return t;
}

static unsigned n_events(TestSMMU *t)
{
    return reg_r32(t, A_EVENTQ_PROD) & 0x1f;
}

/* Exactly one event was recorded, and it is this one. */
static void assert_one_event(TestSMMU *t, unsigned id, uint32_t sid,
                             uint64_t qw3)
{
    SMMUv3AuxEvtRecord rec;

    g_assert_cmpuint(n_events(t), ==, 1);
    tsmmu_event(t, 0, &rec);
    g_assert_cmphex(rec.qw[0], ==, ((uint64_t)sid << 32) | id);
    g_assert_cmphex(rec.qw[1], ==, 0);
    g_assert_cmphex(rec.qw[2], ==, 0);
    g_assert_cmphex(rec.qw[3], ==, qw3);
}

static void assert_bypass(SMMUv3AuxResult r, const SMMUv3AuxTxnOut *out,
                          uint64_t iova)
{
    g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_OK);
    g_assert_cmphex(out->pa, ==, iova & ~0xfffULL);
    g_assert_cmphex(out->addr_mask, ==, 0xfff);
    g_assert_true(out->read);
    g_assert_true(out->write);
}

/* ---- SMMUEN = 0 ------------------------------------------------------- */

static void test_gbpa_bypass(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxTxnOut out;

    assert_bypass(tsmmu_translate(t, 7, IOVA, true, &out), &out, IOVA);
    g_assert_cmpuint(t->mem.reads, ==, 0);
    tsmmu_free(t);
}

static void test_gbpa_abort(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxTxnOut out;

    tsmmu_setup_evtq(t, EVTQ_BASE, 4);
    tsmmu_set_cr0(t, R_CR0_EVENTQEN_MASK);
    reg_w32(t, A_GBPA, R_GBPA_UPDATE_MASK | R_GBPA_ABORT_MASK);
    g_assert_cmpint(tsmmu_translate(t, 7, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    g_assert_false(out.read || out.write);
    /* No event, no table access. */
    g_assert_cmpuint(n_events(t), ==, 0);
    g_assert_cmpuint(t->mem.reads, ==, 0);
    tsmmu_free(t);
}

/* ---- STE configurations (linear table) --------------------------------- */

typedef struct SteCase {
    const char *name;
    unsigned config;
    uint64_t qw[4];         /* OR-ed into the STE built by ste_make() */
    uint64_t clr2;          /* cleared from qword 2 first */
    bool clear_v;
    int params;             /* a STE_P_* variation of the defaults */
    SMMUv3AuxResult result;
    unsigned event;         /* 0: none */
} SteCase;

enum {
    STE_P_DEFAULT, STE_P_NO_S1, STE_P_NO_S2, STE_P_HYP, STE_P_VMID8,
    STE_P_NO_16K, STE_P_NO_SSID, STE_P_HTTU_NONE, STE_P_HTTU_HA,
    STE_P_HTTU_HAFT, STE_P_NO_STALL, STE_P_STALL_FORCE,
};

#define OKR     SMMUV3_AUX_TXN_OK
#define ABT     SMMUV3_AUX_TXN_ABORT
#define BAD_STE SMMUV3_AUX_EVT_C_BAD_STE
/* A valid stage-1 STE whose S1ContextPtr (0) finds an all-zero CD. */
#define BAD_CD  SMMUV3_AUX_EVT_C_BAD_CD
#define S2(f, v) ((uint64_t)(v) << R_STE_2_##f##_SHIFT)

static const SteCase ste_cases[] = {
    { "abort", 0, { 0 }, 0, false, 0, ABT, 0 },
    /* Abort ignores every other field. */
    { "abort-junk", 0, { 0xfffffffffffffff0ULL, ~0ULL, ~0ULL }, 0, false, 0,
      ABT, 0 },
    { "bypass", 4, { 0 }, 0, false, 0, OKR, 0 },
    { "bypass-junk", 4, { 0xfffffffffffffff0ULL, ~0ULL, ~0ULL }, 0, false, 0,
      OKR, 0 },
    /*
     * Valid STEs, empty tables: the CD is invalid, or stage 2 faults with
     * S2R = 0 (silently).
     */
    { "s1", 5, { 0 }, 0, false, 0, ABT, BAD_CD },
    { "s2", 6, { 0 }, 0, false, 0, ABT, 0 },
    { "nested", 7, { 0 }, 0, false, 0, ABT, 0 },
    { "invalid", 4, { 0 }, 0, true, 0, ABT, BAD_STE },
    { "invalid-abort", 0, { 0 }, 0, true, 0, ABT, BAD_STE },
    /* Config 0b001..0b011: Reserved, behave as 0b000 (5.2): no event. */
    { "config-1", 1, { 0 }, 0, false, 0, ABT, 0 },
    { "config-2", 2, { 0 }, 0, false, 0, ABT, 0 },
    { "config-3", 3, { 0 }, 0, false, 0, ABT, 0 },
    { "config-3-junk", 3, { 0xfffffffffffffff0ULL, ~0ULL, ~0ULL }, 0, false,
      0, ABT, 0 },
    { "config-3-no-s2", 3, { 0 }, 0, false, STE_P_NO_S2, ABT, 0 },
    /* V = 0 still wins over a Reserved Config. */
    { "invalid-config-2", 2, { 0 }, 0, true, 0, ABT, BAD_STE },
    { "s1-unsupported", 5, { 0 }, 0, false, STE_P_NO_S1, ABT, BAD_STE },
    { "nested-no-s1", 7, { 0 }, 0, false, STE_P_NO_S1, ABT, BAD_STE },
    { "s2-unsupported", 6, { 0 }, 0, false, STE_P_NO_S2, ABT, BAD_STE },
    { "nested-no-s2", 7, { 0 }, 0, false, STE_P_NO_S2, ABT, BAD_STE },
    /* SSIDSIZE == 0: S1CDMax and S1Fmt are IGNORED (5.2). */
    { "s1-cdmax-ignored", 5, { 1ULL << 59 }, 0, false, STE_P_NO_SSID, ABT,
      BAD_CD },
    { "s1-fmt-ignored", 5, { 3ULL << 4 }, 0, false, STE_P_NO_SSID, ABT,
      BAD_CD },
    /* With substreams, S1CDMax > 0 and S1DSS = 0 terminate SSID-less DMA */
    { "s1-cdmax-s1dss-terminate", 5, { 1ULL << 59 }, 0, false, 0, ABT,
      SMMUV3_AUX_EVT_F_STREAM_DISABLED },
    /* S1CDMax above SSIDSIZE (20) is ILLEGAL. */
    { "s1-cdmax-above-ssidsize", 5, { 21ULL << 59 }, 0, false, 0, ABT,
      BAD_STE },
    /* IDR0.HYP == 0: STRW is RES0, so any value is ignored (5.2 STRW). */
    { "s1-strw-el3-nohyp", 5, { 0, 1ULL << 30 }, 0, false, 0, ABT, BAD_CD },
    { "s1-strw-el2-nohyp", 5, { 0, 2ULL << 30 }, 0, false, 0, ABT, BAD_CD },
    { "s1-strw-3-nohyp", 5, { 0, 3ULL << 30 }, 0, false, 0, ABT, BAD_CD },
    { "s1-strw-el2-hyp", 5, { 0, 2ULL << 30 }, 0, false, STE_P_HYP, ABT,
      BAD_CD },
    { "s1-strw-el3-hyp", 5, { 0, 1ULL << 30 }, 0, false, STE_P_HYP, ABT,
      BAD_STE },
    { "s1-strw-3-hyp", 5, { 0, 3ULL << 30 }, 0, false, STE_P_HYP, ABT,
      BAD_STE },
    /* Stage 2 enabled: STRW IGNORED. */
    { "nested-strw-el3-hyp", 7, { 0, 1ULL << 30 }, 0, false, STE_P_HYP, ABT,
      0 },
    /* S1STALLD needs the configurable model (STALL_MODEL 0b00). */
    { "s1-stalld-no-model", 5, { 0, 1ULL << 27 }, 0, false, STE_P_NO_STALL,
      ABT, BAD_STE },
    { "s1-stalld-forced", 5, { 0, 1ULL << 27 }, 0, false, STE_P_STALL_FORCE,
      ABT, BAD_STE },
    { "s1-ctxptr-above-oas", 5, { 1ULL << 44 }, 0, false, 0, ABT, BAD_STE },
    { "s1-ctxptr-in-oas", 5, { 1ULL << 43 }, 0, false, 0, ABT, BAD_CD },
    { "s2-tg-reserved", 6, { 0, 0, S2(S2TG, 3) }, 0, false, 0, ABT,
      BAD_STE },
    { "s2-tg-16k-unsupported", 6, { 0, 0, S2(S2TG, 2) }, 0, false,
      STE_P_NO_16K, ABT, BAD_STE },
    { "s2-be", 6, { 0, 0, S2(S2ENDI, 1) }, 0, false, 0, ABT, BAD_STE },
    { "s2-stall-no-model", 6, { 0, 0, S2(S2S, 1) }, 0, false,
      STE_P_NO_STALL, ABT, BAD_STE },
    { "s2-no-stall-forced", 6, { 0 }, 0, false, STE_P_STALL_FORCE, ABT,
      BAD_STE },
    /* 5.2 S2HA/S2HD/S2HAFT against IDR0.HTTU (the default: HA + HD). */
    { "s2-ha-no-httu", 6, { 0, 0, S2(S2HA, 1) }, 0, false, STE_P_HTTU_NONE,
      ABT, BAD_STE },
    { "s2-hd-no-httu", 6, { 0, 0, S2(S2HD, 1) }, 0, false, STE_P_HTTU_NONE,
      ABT, BAD_STE },
    { "s2-hd-httu-ha", 6, { 0, 0, S2(S2HA, 1) | S2(S2HD, 1) }, 0, false,
      STE_P_HTTU_HA, ABT, BAD_STE },
    { "s2-ha-httu-ha", 6, { 0, 0, S2(S2HA, 1) }, 0, false, STE_P_HTTU_HA,
      ABT, 0 },
    { "s2-ha-hd", 6, { 0, 0, S2(S2HA, 1) | S2(S2HD, 1) }, 0, false, 0, ABT,
      0 },
    { "s2-haft-res0", 6, { 0, 0, S2(S2HAFT, 1) }, 0, false, 0, ABT, 0 },
    { "s2-haft-without-ha", 6, { 0, 0, S2(S2HAFT, 1) }, 0, false,
      STE_P_HTTU_HAFT, ABT, BAD_STE },
    { "s2-haft-with-ha", 6, { 0, 0, S2(S2HAFT, 1) | S2(S2HA, 1) }, 0, false,
      STE_P_HTTU_HAFT, ABT, 0 },
    /* OAS 44 = IAS: S2T0SZ >= 20; <= 39. */
    { "s2-t0sz-19", 6, { 0, 0, S2(S2T0SZ, 19) }, S2(S2T0SZ, 0x3f), false, 0,
      ABT, BAD_STE },
    { "s2-t0sz-40", 6, { 0, 0, S2(S2T0SZ, 40) | S2(S2SL0, 1) },
      S2(S2T0SZ, 0x3f) | S2(S2SL0, 3), false, 0, ABT, BAD_STE },
    /* 44-bit IPA starting at level 1 would need 32 concatenated tables. */
    { "s2-sl0-inconsistent", 6, { 0, 0, S2(S2SL0, 1) }, S2(S2SL0, 3), false,
      0, ABT, BAD_STE },
    { "s2-sl0-3", 6, { 0, 0, S2(S2SL0, 3) }, 0, false, 0, ABT, BAD_STE },
    { "s2-ttb-above-ps", 6, { 0, 0, 0, 1ULL << 44 }, 0, false, 0, ABT,
      BAD_STE },
    /* S2PS 0b111 is Reserved, behaves as 48 bits and is capped by OAS. */
    { "s2-ps-reserved", 6, { 0, 0, S2(S2PS, 7) }, 0, false, 0, ABT, 0 },
    { "s2-vmid16", 6, { 0, 0, S2(S2VMID, 0x100) }, 0, false, STE_P_VMID8,
      ABT, BAD_STE },
    { "s2-vmid8", 6, { 0, 0, S2(S2VMID, 0xff) }, 0, false, STE_P_VMID8,
      ABT, 0 },
    /* S2VMID tags EL1 stage-1-only translations too (5.2.2). */
    { "s1-vmid16", 5, { 0, 0, S2(S2VMID, 0x100) }, 0, false, STE_P_VMID8,
      ABT, BAD_STE },
    { "bypass-vmid16", 4, { 0, 0, S2(S2VMID, 0x100) }, 0, false,
      STE_P_VMID8, OKR, 0 },
    /* IDR0.ATS == 0: EATS is IGNORED. */
    { "s2-eats", 6, { 0, 3ULL << 28 }, 0, false, 0, ABT, 0 },
};

/* The cases' address ranges are written for a 44-bit OAS. */
static void ste_case_params(int v, SMMUv3AuxParams *p)
{
    smmuv3_aux_params_set_defaults(p);
    p->oas_bits = 44;
    p->s1p = v != STE_P_NO_S1;
    p->ssid_size = p->s1p && v != STE_P_NO_SSID ? p->ssid_size : 0;
    p->s2p = v != STE_P_NO_S2;
    p->hyp = v == STE_P_HYP;
    p->vmid16 = v != STE_P_VMID8;
    p->gran16k = v != STE_P_NO_16K;
    p->httu = v == STE_P_HTTU_NONE ? SMMUV3_AUX_HTTU_NONE :
              v == STE_P_HTTU_HA ? SMMUV3_AUX_HTTU_HA :
              v == STE_P_HTTU_HAFT ? SMMUV3_AUX_HTTU_HAFT :
              SMMUV3_AUX_HTTU_HD;
    p->stall_model = v == STE_P_NO_STALL ? SMMUV3_AUX_IDR0_STALL_NONE :
                     v == STE_P_STALL_FORCE ? SMMUV3_AUX_IDR0_STALL_FORCE :
                     SMMUV3_AUX_IDR0_STALL_BOTH;
}

static void test_ste(const void *opaque)
{
    const SteCase *c = opaque;
    SMMUv3AuxParams p;
    SMMUv3AuxTxnOut out;
    SMMUv3AuxSTE ste = ste_make(c->config);
    TestSMMU *t;
    uint32_t sid = 5;

    ste_case_params(c->params, &p);
    t = strtab_new(&p, 4);
    ste.qw[2] &= ~c->clr2;
    for (int i = 0; i < 4; i++) {
        ste.qw[i] |= c->qw[i];
    }
    if (c->clear_v) {
        ste.qw[0] &= ~R_STE_0_V_MASK;
    }
    ste_write(t, STRTAB + sid * 64, &ste);
    g_assert_cmpint(tsmmu_translate(t, sid, IOVA, true, &out), ==,
                    c->result);
    if (c->result == OKR) {
        assert_bypass(c->result, &out, IOVA);
    }
    if (c->event) {
        assert_one_event(t, c->event, sid, 0);
    } else {
        g_assert_cmpuint(n_events(t), ==, 0);
    }
    tsmmu_free(t);
}

static void test_s2_aa32(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxSTE ste = ste_make(6);
    SMMUv3AuxTxnOut out;

    /* TTF = AArch64 only: an AArch32 stage-2 STE is ILLEGAL. */
    ste.qw[2] &= ~R_STE_2_S2AA64_MASK;
    ste_write(t, STRTAB + 3 * 64, &ste);
    g_assert_cmpint(tsmmu_translate(t, 3, IOVA, false, &out), ==, ABT);
    assert_one_event(t, BAD_STE, 3, 0);
    tsmmu_free(t);
}

static void test_bad_streamid(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxTxnOut out;
    SMMUv3AuxSTE ste = ste_make(4);

    ste_write(t, STRTAB + 15 * 64, &ste);
    assert_bypass(tsmmu_translate(t, 15, IOVA, false, &out), &out, IOVA);
    g_assert_cmpint(tsmmu_translate(t, 16, IOVA, false, &out), ==, ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_C_BAD_STREAMID, 16, 0);
    g_assert_cmpuint(t->mem.reads, ==, 1);
    tsmmu_free(t);
}

static void test_bad_streamid_unrecorded(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxTxnOut out;

    /* CR2.RECINVSID = 0: invalid StreamIDs abort silently. */
    reg_w32(t, A_CR2, 0);
    g_assert_cmpint(tsmmu_translate(t, 0xffffffff, IOVA, false, &out), ==,
                    ABT);
    g_assert_cmpuint(n_events(t), ==, 0);
    tsmmu_free(t);
}

static void test_log2size_capped(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxTxnOut out;
    SMMUv3AuxSTE ste = ste_make(4);

    /* LOG2SIZE 63 behaves as IDR1.SIDSIZE = 16. */
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK | R_CR0_EVENTQEN_MASK);
    reg_w32(t, A_STRTAB_BASE_CFG, 63);
    tsmmu_set_cr0(t, 0xd);
    ste_write(t, STRTAB + 0xffffULL * 64, &ste);
    assert_bypass(tsmmu_translate(t, 0xffff, IOVA, false, &out), &out,
                  IOVA);
    g_assert_cmpint(tsmmu_translate(t, 0x10000, IOVA, false, &out), ==,
                    ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0x10000, 0);
    tsmmu_free(t);
}

static void test_ste_fetch_abort(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxTxnOut out;

    mem_fault_read(t, STRTAB + 9 * 64 + 56, 8);
    g_assert_cmpint(tsmmu_translate(t, 9, IOVA, false, &out), ==, ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_F_STE_FETCH, 9, STRTAB + 9 * 64);
    tsmmu_free(t);
}

static void test_ssv_without_ssid(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxn txn = { .sid = 2, .ssv = true, .ssid = 0x1f, .iova = IOVA };
    SMMUv3AuxTxnOut out;
    SMMUv3AuxEvtRecord rec;

    /* IDR1.SSIDSIZE = 0: any SubstreamID is refused. */
    ste_write(t, STRTAB + 2 * 64, &ste);
    g_assert_cmpint(smmuv3_aux_translate(&t->e, &txn, &out), ==, ABT);
    g_assert_cmpuint(n_events(t), ==, 1);
    tsmmu_event(t, 0, &rec);
    /* SubstreamID 0x1f, no SSV qualifier: bit 11 is RES0 (7.3.9). */
    g_assert_cmphex(rec.qw[0], ==, 0x000000020001f008ULL);
    tsmmu_free(t);
}

static void test_evtq_disabled(void)
{
    TestSMMU *t = strtab_new(NULL, 4);
    SMMUv3AuxTxnOut out;

    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK);
    g_assert_cmpint(tsmmu_translate(t, 4, IOVA, false, &out), ==, ABT);
    g_assert_cmpuint(t->mem.writes, ==, 0);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0);
    tsmmu_free(t);
}

static void test_strtab_base_alignment(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxnOut out;

    /* A 16-entry linear table is 1 KiB: ADDR[9:6] are ignored. */
    tsmmu_setup_strtab_linear(t, STRTAB | 0x3c0, 4);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    ste_write(t, STRTAB + 64, &ste);
    assert_bypass(tsmmu_translate(t, 1, IOVA, false, &out), &out, IOVA);
    tsmmu_free(t);
}

/* ---- Two-level stream table ------------------------------------------- */

static TestSMMU *strtab_2lvl_new(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    tsmmu_setup_strtab_2lvl(t, STRTAB, 16, 8);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    return t;
}

static void test_2lvl(void)
{
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxnOut out;

    mem_write64(t, STRTAB + 8, l1std_make(L2TAB, 9));
    ste_write(t, L2TAB + 0x05 * 64, &ste);
    ste_write(t, L2TAB + 0xff * 64, &ste);
    assert_bypass(tsmmu_translate(t, 0x105, IOVA, true, &out), &out, IOVA);
    assert_bypass(tsmmu_translate(t, 0x1ff, IOVA, true, &out), &out, IOVA);
    /* The neighbour L2 entries are still V = 0. */
    g_assert_cmpint(tsmmu_translate(t, 0x106, IOVA, true, &out), ==, ABT);
    assert_one_event(t, BAD_STE, 0x106, 0);
    tsmmu_free(t);
}

typedef struct L1Case {
    const char *name;
    uint64_t l1std;
    uint32_t sid;
    unsigned event;
} L1Case;

static const L1Case l1_cases[] = {
    { "span-0", L2TAB, 0x305, SMMUV3_AUX_EVT_C_BAD_STREAMID },
    { "span-reserved-12", L2TAB | 12, 0x305, SMMUV3_AUX_EVT_C_BAD_STREAMID },
    { "span-reserved-31", L2TAB | 31, 0x305, SMMUV3_AUX_EVT_C_BAD_STREAMID },
    { "span-above-split", L2TAB | 10, 0x305, SMMUV3_AUX_EVT_C_BAD_STREAMID },
    /* Span 3: four STEs, so L2 index 5 is out of range. */
    { "l2-index-out-of-span", L2TAB | 3, 0x305,
      SMMUV3_AUX_EVT_C_BAD_STREAMID },
    { "small-span-ok", L2TAB | 4, 0x305, 0 },
};

static void test_2lvl_l1std(const void *opaque)
{
    const L1Case *c = opaque;
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxnOut out;
    SMMUv3AuxResult r;

    mem_write64(t, STRTAB + 3 * 8, c->l1std);
    ste_write(t, L2TAB + 5 * 64, &ste);
    r = tsmmu_translate(t, c->sid, IOVA, false, &out);
    if (c->event) {
        g_assert_cmpint(r, ==, ABT);
        assert_one_event(t, c->event, c->sid, 0);
    } else {
        assert_bypass(r, &out, IOVA);
        g_assert_cmpuint(n_events(t), ==, 0);
    }
    tsmmu_free(t);
}

static void test_2lvl_l1_out_of_range(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxTxnOut out;

    /* LOG2SIZE 10, SPLIT 8: four L1 descriptors, SIDs up to 0x3ff. */
    tsmmu_setup_strtab_2lvl(t, STRTAB, 10, 8);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    g_assert_cmpint(tsmmu_translate(t, 0x400, IOVA, false, &out), ==, ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0x400, 0);
    g_assert_cmpuint(t->mem.reads, ==, 0);
    tsmmu_free(t);
}

static void test_2lvl_l1_fetch_abort(void)
{
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxTxnOut out;

    mem_fault_read(t, STRTAB + 0x12 * 8, 8);
    g_assert_cmpint(tsmmu_translate(t, 0x1234, IOVA, false, &out), ==, ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_F_STE_FETCH, 0x1234,
                     STRTAB + 0x12 * 8);
    tsmmu_free(t);
}

static void test_2lvl_l2_fetch_abort(void)
{
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxTxnOut out;

    mem_write64(t, STRTAB + 0x12 * 8, l1std_make(L2TAB, 9));
    mem_fault_read(t, L2TAB + 0x34 * 64, 64);
    g_assert_cmpint(tsmmu_translate(t, 0x1234, IOVA, false, &out), ==, ABT);
    assert_one_event(t, SMMUV3_AUX_EVT_F_STE_FETCH, 0x1234,
                     L2TAB + 0x34 * 64);
    tsmmu_free(t);
}

static void test_2lvl_l1std_not_cached(void)
{
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxnOut out;

    ste_write(t, L2TAB + 0x10 * 64, &ste);
    g_assert_cmpint(tsmmu_translate(t, 0x710, IOVA, false, &out), ==, ABT);
    g_assert_cmpuint(n_events(t), ==, 1);
    /* Linux installs the L1STD with a plain store and no CFGI. */
    mem_write64(t, STRTAB + 7 * 8, l1std_make(L2TAB, 9));
    assert_bypass(tsmmu_translate(t, 0x710, IOVA, false, &out), &out, IOVA);
    g_assert_cmpuint(n_events(t), ==, 1);
    tsmmu_free(t);
}

static void test_2lvl_l2ptr_alignment(void)
{
    TestSMMU *t = strtab_2lvl_new();
    SMMUv3AuxSTE ste = ste_make(4);
    SMMUv3AuxTxnOut out;

    /* Span 2: a 128-byte L2 array; L2Ptr[6] is ignored. */
    mem_write64(t, STRTAB + 2 * 8, l1std_make(L2TAB | 0x40, 2));
    ste_write(t, L2TAB + 64, &ste);
    assert_bypass(tsmmu_translate(t, 0x201, IOVA, false, &out), &out, IOVA);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/strtab/gbpa-bypass", test_gbpa_bypass);
    g_test_add_func("/smmuv3-aux/strtab/gbpa-abort", test_gbpa_abort);
    for (int i = 0; i < ARRAY_SIZE(ste_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/strtab/ste/%s",
                                                ste_cases[i].name);
        g_test_add_data_func(path, &ste_cases[i], test_ste);
    }
    g_test_add_func("/smmuv3-aux/strtab/s2-aa32", test_s2_aa32);
    g_test_add_func("/smmuv3-aux/strtab/bad-streamid", test_bad_streamid);
    g_test_add_func("/smmuv3-aux/strtab/bad-streamid-unrecorded",
                    test_bad_streamid_unrecorded);
    g_test_add_func("/smmuv3-aux/strtab/log2size-capped",
                    test_log2size_capped);
    g_test_add_func("/smmuv3-aux/strtab/ste-fetch-abort",
                    test_ste_fetch_abort);
    g_test_add_func("/smmuv3-aux/strtab/ssv-without-ssid",
                    test_ssv_without_ssid);
    g_test_add_func("/smmuv3-aux/strtab/evtq-disabled", test_evtq_disabled);
    g_test_add_func("/smmuv3-aux/strtab/base-alignment",
                    test_strtab_base_alignment);
    g_test_add_func("/smmuv3-aux/strtab/2lvl", test_2lvl);
    for (int i = 0; i < ARRAY_SIZE(l1_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/strtab/l1std/%s",
                                                l1_cases[i].name);
        g_test_add_data_func(path, &l1_cases[i], test_2lvl_l1std);
    }
    g_test_add_func("/smmuv3-aux/strtab/2lvl-l1-out-of-range",
                    test_2lvl_l1_out_of_range);
    g_test_add_func("/smmuv3-aux/strtab/2lvl-l1-fetch-abort",
                    test_2lvl_l1_fetch_abort);
    g_test_add_func("/smmuv3-aux/strtab/2lvl-l2-fetch-abort",
                    test_2lvl_l2_fetch_abort);
    g_test_add_func("/smmuv3-aux/strtab/2lvl-l1std-not-cached",
                    test_2lvl_l1std_not_cached);
    g_test_add_func("/smmuv3-aux/strtab/2lvl-l2ptr-alignment",
                    test_2lvl_l2ptr_alignment);
    return g_test_run();
}
