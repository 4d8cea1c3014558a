/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: substreams (IHI 0070 3.4, 5.2 S1CDMax,
 * S1Fmt, S1DSS, 5.3 L1CD): every S1Fmt x S1CDMax x S1DSS x SSV/SSID
 * combination and the errors of the architecture, the configuration
 * cache bound under a SubstreamID flood, and the scope of CFGI_CD and
 * TLBI_NH_ASID over several PASIDs.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define CDTAB       0x10000000ULL   /* the CD table, or the L1CD array */
#define L2TAB       0x20000000ULL   /* 2-level leaf tables, 64 KiB apart */
#define POOL        0x1000000ULL    /* stage-1 page tables */
#define PA_BASE     0x40000000ULL   /* CD k maps IOVA to PA_BASE + k pages */
#define IOVA        0x12345000ULL
#define SID         3

#define BAD_SSID    SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID
#define DISABLED    SMMUV3_AUX_EVT_F_STREAM_DISABLED
#define BYPASSED    0xfffe      /* expect an identity translation */
#define LINEAR      SMMUV3_AUX_STE_S1FMT_LINEAR
#define L4K         SMMUV3_AUX_STE_S1FMT_2LVL_4K
#define L64K        SMMUV3_AUX_STE_S1FMT_2LVL_64K

typedef struct Sub {
    TestSMMU *t;
    SMMUv3AuxSTE ste;
    unsigned fmt, cdmax;
} Sub;

static uint64_t cd_pa(const Sub *s, uint32_t ssid)
{
    unsigned split = s->fmt == L4K ? 6 : 10;

    if (s->fmt == LINEAR || s->fmt == 3) {
        return CDTAB + (uint64_t)ssid * 64;
    }
    return L2TAB + (uint64_t)(ssid >> split) * 0x10000 +
           (ssid & ((1u << split) - 1)) * 64;
}

static uint64_t l1cd_pa(uint32_t ssid, unsigned fmt)
{
    return CDTAB + (uint64_t)(ssid >> (fmt == L4K ? 6 : 10)) * 8;
}

static uint64_t pa_of(uint32_t ssid)
{
    return PA_BASE + (uint64_t)(ssid & 0xffff) * 0x1000;
}

/* Give SubstreamID ssid its own CD, ASID and page table. */
static void sub_add_cd(Sub *s, uint32_t ssid, uint16_t asid)
{
    uint64_t root = tpt_alloc(s->t);
    SMMUv3AuxCD cd = cd_make_linux(s->t, root, asid);

    tpt_map(s->t, root, 48, IOVA, pa_of(ssid), PTE_S1_LINUX, 3);
    if (s->fmt == L4K || s->fmt == L64K) {
        unsigned split = s->fmt == L4K ? 6 : 10;
        uint64_t l2 = L2TAB + (uint64_t)(ssid >> split) * 0x10000;

        mem_write64(s->t, l1cd_pa(ssid, s->fmt), l2 | R_L1CD_V_MASK);
    }
    cd_write(s->t, cd_pa(s, ssid), &cd);
}

static void sub_init(Sub *s, unsigned fmt, unsigned cdmax, unsigned s1dss)
{
    s->t = tsmmu_new(NULL);
    s->fmt = fmt;
    s->cdmax = cdmax;
    tsmmu_setup_strtab_linear(s->t, STRTAB, 4);
    tsmmu_enable_all(s->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(s->t, POOL);
    s->ste = ste_make_s1(CDTAB);
    s->ste.qw[0] = FIELD_DP64(s->ste.qw[0], STE_0, S1FMT, fmt);
    s->ste.qw[0] = FIELD_DP64(s->ste.qw[0], STE_0, S1CDMAX, cdmax);
    s->ste.qw[1] = FIELD_DP64(s->ste.qw[1], STE_1, S1DSS, s1dss);
    ste_write(s->t, STRTAB + SID * 64, &s->ste);
}

static SMMUv3AuxResult sub_translate(Sub *s, bool ssv, uint32_t ssid,
                                     SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxTxn txn = { .sid = SID, .ssv = ssv, .ssid = ssid,
                         .iova = IOVA };

    return smmuv3_aux_translate(&s->t->e, &txn, out);
}

/* One event, of type id, with SSV/SSID as the architecture says. */
static void expect_event(Sub *s, unsigned id, bool ssv, uint32_t ssid,
                         uint64_t qw3)
{
    SMMUv3AuxEvtRecord rec;
    uint64_t qw0 = ((uint64_t)SID << 32) | id;
    unsigned log2 = FIELD_EX64(reg_r64(s->t, A_EVENTQ_BASE), CMDQ_BASE,
                               LOG2SIZE);
    uint32_t cons = reg_r32(s->t, A_EVENTQ_CONS) & ((1u << log2) - 1);

    g_assert_cmpuint(tsmmu_n_events(s->t), ==, 1);
    tsmmu_event(s->t, cons, &rec);
    /* C_BAD_SUBSTREAMID: the SubstreamID field, no SSV (7.3.9). */
    if (id == BAD_SSID) {
        qw0 = FIELD_DP64(qw0, EVT_0, SSID, ssid);
    } else if (ssv) {
        qw0 = FIELD_DP64(qw0, EVT_0, SSV, 1);
        qw0 = FIELD_DP64(qw0, EVT_0, SSID, ssid);
    }
    g_assert_cmphex(rec.qw[0], ==, qw0);
    g_assert_cmphex(rec.qw[3], ==, qw3);
    tsmmu_consume_events(s->t);
}

static void expect(Sub *s, bool ssv, uint32_t ssid, unsigned want)
{
    SMMUv3AuxTxnOut out;
    SMMUv3AuxResult r = sub_translate(s, ssv, ssid, &out);

    if (want == BYPASSED) {
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_OK);
        g_assert_cmphex(out.pa, ==, IOVA);
        g_assert_cmpuint(tsmmu_n_events(s->t), ==, 0);
    } else if (want) {
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_ABORT);
        expect_event(s, want, ssv, ssid, 0);
    } else {
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_OK);
        g_assert_cmphex(out.pa, ==, pa_of(ssv ? ssid : 0));
        g_assert_cmpuint(tsmmu_n_events(s->t), ==, 0);
    }
}

/* ---- The matrix ------------------------------------------------------- */

typedef struct MatrixCase {
    unsigned fmt, cdmax, s1dss;
} MatrixCase;

static const unsigned fmts[] = { LINEAR, L4K, L64K, 3 };
static const unsigned cdmaxes[] = { 1, 6, 7, 10, 11, 20 };

static void test_matrix(const void *opaque)
{
    const MatrixCase *c = opaque;
    uint32_t top = (1u << c->cdmax) - 1;
    Sub s;

    sub_init(&s, c->fmt, c->cdmax, c->s1dss);
    sub_add_cd(&s, 0, 1);
    sub_add_cd(&s, 1, 2);
    sub_add_cd(&s, top, 3);

    /* Without a SubstreamID: S1DSS decides (0b11 behaves as 0b00). */
    expect(&s, false, 0, c->s1dss == SMMUV3_AUX_STE_S1DSS_BYPASS ? BYPASSED :
                         c->s1dss == SMMUV3_AUX_STE_S1DSS_SSID0 ? 0 :
                         DISABLED);
    /* SubstreamID 0 belongs to SSID-less traffic with S1DSS = 0b10. */
    expect(&s, true, 0, c->s1dss == SMMUV3_AUX_STE_S1DSS_SSID0 ? DISABLED
                                                               : 0);
    expect(&s, true, 1, 0);
    expect(&s, true, top, 0);
    if (c->cdmax < 20) {
        expect(&s, true, top + 1, BAD_SSID);
        expect(&s, true, 0xfffff, BAD_SSID);
    }
    /* Twice: a fault is never cached, a success is and stays right. */
    expect(&s, true, top, 0);
    if (c->cdmax < 20) {
        expect(&s, true, top + 1, BAD_SSID);
    }
    tsmmu_free(s.t);
}

/* ---- Errors --------------------------------------------------------------- */

/* SSV on an STE that cannot take it: S1CDMax = 0, stage 2 only, bypass. */
static void test_ssid_refused_by_ste(void)
{
    static const unsigned configs[] = {
        SMMUV3_AUX_STE_CONFIG_BYPASS, SMMUV3_AUX_STE_CONFIG_S2,
        SMMUV3_AUX_STE_CONFIG_S1,
    };

    for (int i = 0; i < ARRAY_SIZE(configs); i++) {
        Sub s;

        sub_init(&s, LINEAR, 0, 0);
        sub_add_cd(&s, 0, 1);
        if (configs[i] != SMMUV3_AUX_STE_CONFIG_S1) {
            s.ste = ste_make(configs[i]);
            ste_write(s.t, STRTAB + SID * 64, &s.ste);
        }
        expect(&s, true, 5, BAD_SSID);
        tsmmu_free(s.t);
    }
}

/* An L1CD with V = 0: C_BAD_SUBSTREAMID for every SSID of its span. */
static void test_l1cd_invalid(const void *opaque)
{
    unsigned fmt = GPOINTER_TO_UINT(opaque);
    uint32_t span = fmt == L4K ? 64 : 1024;
    Sub s;

    sub_init(&s, fmt, 16, SMMUV3_AUX_STE_S1DSS_SSID0);
    sub_add_cd(&s, 1, 1);
    expect(&s, true, 1, 0);
    expect(&s, true, span, BAD_SSID);
    expect(&s, true, 3 * span + 7, BAD_SSID);
    /* Once valid (and the non-leaf CFGI_CD Linux sends), it is used. */
    sub_add_cd(&s, span + 2, 9);
    expect(&s, true, span + 2, 0);
    tsmmu_free(s.t);
}

static void expect_event_after(Sub *s, uint32_t ssid, uint64_t fetch)
{
    SMMUv3AuxTxnOut out;

    g_assert_cmpint(sub_translate(s, true, ssid, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    expect_event(s, SMMUV3_AUX_EVT_F_CD_FETCH, true, ssid, fetch);
}

/* A failed L1CD or CD read: F_CD_FETCH with the address read. */
static void test_cd_fetch_abort(void)
{
    Sub s;

    sub_init(&s, L64K, 16, SMMUV3_AUX_STE_S1DSS_SSID0);
    sub_add_cd(&s, 5, 1);
    sub_add_cd(&s, 2048 + 5, 2);
    mem_fault_read(s.t, l1cd_pa(2048, L64K), 8);
    expect_event_after(&s, 2048 + 5, l1cd_pa(2048, L64K));
    mem_fault_read(s.t, cd_pa(&s, 5), 64);
    expect_event_after(&s, 5, cd_pa(&s, 5));
    tsmmu_free(s.t);
}

/* ---- Caches ----------------------------------------------------------- */

/*
 * A flood of distinct SubstreamIDs on many StreamIDs never grows the
 * configuration cache past cfgc-size, whatever the key space (2^20 SSIDs
 * times 2^16 StreamIDs).
 */
static void test_cfgc_bound_flood(void)
{
    SMMUv3AuxTxnOut out;
    size_t bytes;
    Sub s;

    sub_init(&s, LINEAR, 20, SMMUV3_AUX_STE_S1DSS_SSID0);
    /* Every SSID's CD at the same (linear) slot content: CD 1's. */
    sub_add_cd(&s, 1, 1);
    for (uint32_t i = 0; i < 16; i++) {
        ste_write(s.t, STRTAB + i * 64, &s.ste);
    }
    sub_translate(&s, true, 1, &out);
    bytes = smmuv3_aux_cfgc_bytes(&s.t->e.cfgc);
    for (uint32_t i = 0; i < 20000; i++) {
        SMMUv3AuxTxn txn = { .sid = i & 15, .ssv = true,
                             .ssid = (i * 7919) & 0xfffff, .iova = IOVA };

        smmuv3_aux_translate(&s.t->e, &txn, &out);
        tsmmu_consume_events(s.t);
    }
    g_assert_cmpuint(smmuv3_aux_cfgc_count(&s.t->e.cfgc), <=,
                     s.t->params.cfgc_size);
    g_assert_cmpuint(smmuv3_aux_cfgc_bytes(&s.t->e.cfgc), ==, bytes);
    tsmmu_free(s.t);
}

static void submit1(Sub *s, SMMUv3AuxCmd cmd)
{
    SMMUv3AuxCmd cmds[2] = { cmd, cmd_sync_make(0, 0, 0) };

    tsmmu_submit(s->t, cmds, 2);
}

static SMMUv3AuxCmd cfgi_cd(uint32_t ssid, bool leaf)
{
    return cmd_make(SMMUV3_AUX_CMD_CFGI_CD,
                    FIELD_DP64(FIELD_DP64(0, CMD_0, SSID, ssid), CMD_0, SID,
                               SID),
                    leaf);
}

/* Move SSID ssid's CD to a new page table mapping IOVA elsewhere. */
static uint64_t sub_remap(Sub *s, uint32_t ssid, uint16_t asid, uint64_t pa)
{
    uint64_t root = tpt_alloc(s->t);
    SMMUv3AuxCD cd = cd_make_linux(s->t, root, asid);

    tpt_map(s->t, root, 48, IOVA, pa, PTE_S1_LINUX, 3);
    cd_write(s->t, cd_pa(s, ssid), &cd);
    return pa;
}

static uint64_t pa_now(Sub *s, uint32_t ssid)
{
    SMMUv3AuxTxnOut out;

    g_assert_cmpint(sub_translate(s, true, ssid, &out), ==,
                    SMMUV3_AUX_TXN_OK);
    return out.pa;
}

/*
 * CFGI_CD (leaf) names one SubstreamID; CFGI_CD_ALL and CFGI_STE every
 * one of the StreamID.  A CD changed without its CFGI keeps being served
 * from the configuration cache, which the architecture allows.
 */
static void test_cfgi_cd_scope(void)
{
    uint64_t new1 = 0x70000000, new2 = 0x70100000;
    Sub s;

    sub_init(&s, L64K, 12, SMMUV3_AUX_STE_S1DSS_SSID0);
    sub_add_cd(&s, 1, 1);
    sub_add_cd(&s, 2, 2);
    g_assert_cmphex(pa_now(&s, 1), ==, pa_of(1));
    g_assert_cmphex(pa_now(&s, 2), ==, pa_of(2));
    sub_remap(&s, 1, 11, new1);
    sub_remap(&s, 2, 12, new2);
    g_assert_cmphex(pa_now(&s, 1), ==, pa_of(1));
    submit1(&s, cfgi_cd(1, true));
    g_assert_cmphex(pa_now(&s, 1), ==, new1);
    g_assert_cmphex(pa_now(&s, 2), ==, pa_of(2));
    submit1(&s, cmd_make(SMMUV3_AUX_CMD_CFGI_CD_ALL,
                         FIELD_DP64(0, CMD_0, SID, SID), 0));
    g_assert_cmphex(pa_now(&s, 2), ==, new2);
    tsmmu_free(s.t);
}

/* Non-leaf CFGI_CD: the L1CD covering SSID is re-read (5.3.1). */
static void test_cfgi_cd_nonleaf(void)
{
    uint64_t l2b = L2TAB + 0x800000;
    SMMUv3AuxCD cd;
    Sub s;

    sub_init(&s, L64K, 12, SMMUV3_AUX_STE_S1DSS_SSID0);
    sub_add_cd(&s, 1, 1);
    g_assert_cmphex(pa_now(&s, 1), ==, pa_of(1));
    /* A second leaf table with another CD 1, and the L1CD moved to it. */
    mem_read(s.t, cd_pa(&s, 1), &cd, sizeof(cd));
    cd.qw[0] = FIELD_DP64(cd.qw[0], CD_0, ASID, 7);    /* a new ASID */
    cd.qw[1] = tpt_alloc(s.t) & R_CD_1_TTB0_MASK;
    tpt_map(s.t, cd.qw[1], 48, IOVA, 0x71000000, PTE_S1_LINUX, 3);
    cd_write(s.t, l2b + 64, &cd);
    mem_write64(s.t, l1cd_pa(1, L64K), l2b | R_L1CD_V_MASK);
    submit1(&s, cfgi_cd(1, false));
    g_assert_cmphex(pa_now(&s, 1), ==, 0x71000000);
    tsmmu_free(s.t);
}

/*
 * The IOTLB is tagged by each CD's ASID: TLBI_NH_ASID of one PASID's
 * ASID leaves another PASID's entries; two PASIDs with one ASID share
 * entries, as the architecture says.
 */
static void test_tlbi_asid_isolation(void)
{
    Sub s;
    uint64_t hits;

    sub_init(&s, LINEAR, 4, SMMUV3_AUX_STE_S1DSS_SSID0);
    sub_add_cd(&s, 1, 0x11);
    sub_add_cd(&s, 2, 0x22);
    pa_now(&s, 1);
    pa_now(&s, 2);
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&s.t->e.iotlb), ==, 2);
    submit1(&s, cmd_make(SMMUV3_AUX_CMD_TLBI_NH_ASID,
                         FIELD_DP64(0, CMD_0, ASID, 0x11), 0));
    g_assert_cmpuint(smmuv3_aux_iotlb_count(&s.t->e.iotlb), ==, 1);
    hits = s.t->e.iotlb.stats.hits;
    pa_now(&s, 2);
    g_assert_cmpuint(s.t->e.iotlb.stats.hits, ==, hits + 1);
    /* SSID 3 with SSID 2's ASID (and tables): served by SSID 2's entry. */
    sub_add_cd(&s, 3, 0x22);
    mem_write64(s.t, cd_pa(&s, 3) + 8, mem_read64(s.t, cd_pa(&s, 2) + 8));
    g_assert_cmphex(pa_now(&s, 3), ==, pa_of(2));
    g_assert_cmpuint(s.t->e.iotlb.stats.hits, ==, hits + 2);
    tsmmu_free(s.t);
}

/* ssidsize = 0: IDR1.SSIDSIZE = 0, no CD2L, every SubstreamID refused. */
static void test_ssidsize_0(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    g_assert_cmpuint(p.ssid_size, ==, 20);
    p.ssid_size = 0;
    t = tsmmu_new(&p);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_IDR1), IDR1, SSIDSIZE), ==, 0);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_IDR0), IDR0, CD2L), ==, 0);
    tsmmu_free(t);
    t = tsmmu_new(NULL);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_IDR1), IDR1, SSIDSIZE), ==, 20);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_IDR0), IDR0, CD2L), ==, 1);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    static MatrixCase cases[ARRAY_SIZE(fmts) * ARRAY_SIZE(cdmaxes) * 4];
    unsigned n = 0;

    g_test_init(&argc, &argv, NULL);
    for (int f = 0; f < ARRAY_SIZE(fmts); f++) {
        for (int m = 0; m < ARRAY_SIZE(cdmaxes); m++) {
            for (unsigned d = 0; d < 4; d++) {
                g_autofree char *name = g_strdup_printf(
                    "/smmuv3-aux/substream/matrix/fmt%u-cdmax%u-s1dss%u",
                    fmts[f], cdmaxes[m], d);

                /* A linear table of 2^20 CDs is 64 MiB: fine, sparse. */
                cases[n] = (MatrixCase) { fmts[f], cdmaxes[m], d };
                g_test_add_data_func(name, &cases[n++], test_matrix);
            }
        }
    }
    g_test_add_func("/smmuv3-aux/substream/refused-by-ste",
                    test_ssid_refused_by_ste);
    g_test_add_data_func("/smmuv3-aux/substream/l1cd-invalid/4k",
                         GUINT_TO_POINTER(L4K), test_l1cd_invalid);
    g_test_add_data_func("/smmuv3-aux/substream/l1cd-invalid/64k",
                         GUINT_TO_POINTER(L64K), test_l1cd_invalid);
    g_test_add_func("/smmuv3-aux/substream/cd-fetch-abort",
                    test_cd_fetch_abort);
    g_test_add_func("/smmuv3-aux/substream/cfgc-bound-flood",
                    test_cfgc_bound_flood);
    g_test_add_func("/smmuv3-aux/substream/cfgi-cd-scope",
                    test_cfgi_cd_scope);
    g_test_add_func("/smmuv3-aux/substream/cfgi-cd-nonleaf",
                    test_cfgi_cd_nonleaf);
    g_test_add_func("/smmuv3-aux/substream/tlbi-asid-isolation",
                    test_tlbi_asid_isolation);
    g_test_add_func("/smmuv3-aux/substream/ssidsize-0", test_ssidsize_0);
    return g_test_run();
}
