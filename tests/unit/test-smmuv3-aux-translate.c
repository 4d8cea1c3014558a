/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: translation through stage 1, stage 2 and
 * nested configurations (strtab.c + cd.c + ptw.c), fault records with and
 * without CD.R / STE.S2R, and event record merging (evtq.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define CD_ADDR     0x500000ULL     /* PA, or IPA when nested (identity) */
#define POOL        0x1000000ULL    /* stage-1 tables (identity at S2) */
#define S2POOL      0x2000000ULL    /* stage-2 tables */
#define IOVA        0x12345000ULL
#define IPA         0x80000000ULL   /* nested: stage-1 output */
#define PA          0x40000000ULL
#define SID         3
#define ASID        0x42
#define VMID        0x17

#define CLASS_CD    (0ULL << R_EVT_1_CLASS_SHIFT)
#define CLASS_TT    (1ULL << R_EVT_1_CLASS_SHIFT)
#define CLASS_IN    (2ULL << R_EVT_1_CLASS_SHIFT)
#define EV_S2       R_EVT_1_S2_MASK
#define EV_RNW      R_EVT_1_RNW_MASK

typedef struct Env {
    TestSMMU *t;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCD cd;
    uint64_t s1root;
    uint64_t s2root;
} Env;

static uint64_t ev_qw0(unsigned id)
{
    return ((uint64_t)SID << 32) | id;
}

/*
 * Publish the STE and CD, then invalidate what the SMMU may have cached,
 * as software must: CFGI_ALL (CFGI_STE_RANGE, Range 31), TLBI_NSNH_ALL,
 * and a CMD_SYNC.
 */
static void env_commit(Env *env)
{
    SMMUv3AuxCmd cmds[3];

    ste_write(env->t, STRTAB + SID * 64, &env->ste);
    cd_write(env->t, CD_ADDR, &env->cd);
    cmds[0] = cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31);
    cmds[1] = cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0);
    cmds[2] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env->t, cmds, 3);
}

static void env_base(Env *env)
{
    env->t = tsmmu_new(NULL);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->s1root = tpt_alloc(env->t);
}

/* Stage 1 as Linux sets it up: IOVA -> PA, 4K pages. */
static void env_s1(Env *env)
{
    env_base(env);
    env->ste = ste_make_s1(CD_ADDR);
    env->cd = cd_make_linux(env->t, env->s1root, ASID);
    tpt_map(env->t, env->s1root, 48, IOVA, PA, PTE_S1_LINUX, 3);
    env_commit(env);
}

/* Stage 2 only: IOVA is an IPA, mapped to PA. */
static void env_s2(Env *env)
{
    env_base(env);
    env->t->pt_next = S2POOL;
    env->s2root = tpt_alloc(env->t);
    env->ste = ste_make(SMMUV3_AUX_STE_CONFIG_S2);
    ste_set_s2_linux(env->t, &env->ste, env->s2root, VMID);
    tpt_map(env->t, env->s2root, 44, IOVA, PA, PTE_S2_LINUX, 3);
    env_commit(env);
}

/*
 * Nested: stage 2 maps the CD and stage-1 table IPAs to the same PAs
 * (2M blocks) and IPA to PA; stage 1 maps IOVA to IPA.
 */
static void env_nested(Env *env)
{
    env_base(env);
    tpt_map(env->t, env->s1root, 48, IOVA, IPA, PTE_S1_LINUX, 3);
    env->t->pt_next = S2POOL;
    env->s2root = tpt_alloc(env->t);
    tpt_map(env->t, env->s2root, 44, CD_ADDR & ~0x1fffffULL,
            CD_ADDR & ~0x1fffffULL, PTE_S2_LINUX, 2);
    tpt_map(env->t, env->s2root, 44, POOL, POOL, PTE_S2_LINUX, 2);
    tpt_map(env->t, env->s2root, 44, IPA, PA, PTE_S2_LINUX, 3);
    env->ste = ste_make_s1(CD_ADDR);
    env->ste.qw[0] = FIELD_DP64(env->ste.qw[0], STE_0, CONFIG,
                                SMMUV3_AUX_STE_CONFIG_NESTED);
    ste_set_s2_linux(env->t, &env->ste, env->s2root, VMID);
    env->ste.qw[1] = FIELD_DP64(env->ste.qw[1], STE_1, MEV, 1);
    env->cd = cd_make_linux(env->t, env->s1root, ASID);
    env_commit(env);
}

static void assert_ok(Env *env, uint64_t iova, bool write, uint64_t pa,
                      uint64_t mask, bool w)
{
    SMMUv3AuxTxnOut out;

    g_assert_cmpint(tsmmu_translate(env->t, SID, iova, write, &out), ==,
                    SMMUV3_AUX_TXN_OK);
    g_assert_cmphex(out.pa, ==, pa);
    g_assert_cmphex(out.addr_mask, ==, mask);
    g_assert_true(out.read);
    g_assert_cmpint(out.write, ==, w);
    g_assert_cmpuint(tsmmu_n_events(env->t), ==, 0);
}

static void assert_abort(Env *env, uint64_t iova, bool write)
{
    SMMUv3AuxTxnOut out;

    g_assert_cmpint(tsmmu_translate(env->t, SID, iova, write, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    g_assert_false(out.read || out.write);
}

/* ---- Stage 1 ------------------------------------------------------------ */

static void test_s1_linux_4k(void)
{
    Env env;

    env_s1(&env);
    assert_ok(&env, IOVA | 0xabc, false, PA, 0xfff, true);
    assert_ok(&env, IOVA, true, PA, 0xfff, true);
    tsmmu_free(env.t);
}

static void test_s1_block(void)
{
    Env env;

    env_s1(&env);
    tpt_map(env.t, env.s1root, 48, 0x40000000ULL, 0x60000000ULL,
            PTE_S1_LINUX, 2);
    assert_ok(&env, 0x40123456ULL, false, 0x60000000ULL, 0x1fffff, true);
    tsmmu_free(env.t);
}

static void test_s1_readonly(void)
{
    Env env;

    env_s1(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, PA, PTE_S1_LINUX | PTE_AP_RDONLY, 3);
    assert_ok(&env, IOVA, false, PA, 0xfff, false);
    assert_abort(&env, IOVA | 8, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_PERMISSION), CLASS_IN,
                     IOVA | 8, 0);
    tsmmu_free(env.t);
}

/* STE.PRIVCFG = Privileged lets an unprivileged device reach AP[1] = 0. */
static void test_s1_privcfg(void)
{
    Env env;

    env_s1(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, PA, PTE_S1_LINUX & ~PTE_AP_UNPRIV,
            3);
    assert_abort(&env, IOVA, false);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_PERMISSION),
                     EV_RNW | CLASS_IN, IOVA, 0);
    tsmmu_consume_events(env.t);
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, PRIVCFG, 3);
    env_commit(&env);
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    tsmmu_free(env.t);
}

/*
 * STE.INSTCFG = 0b11 makes every read an instruction fetch, which needs
 * execute permission only.  On an execute-only page (unprivileged: AP[1]
 * = 0, UXN = 0) the read is granted, the same by the walk and by the
 * IOTLB; a write is still refused with F_PERMISSION.
 */
static void test_s1_instcfg_exec_only(void)
{
    SMMUv3AuxTxnOut out;
    Env env;

    env_s1(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, PA, PTE_S1_LINUX & ~PTE_AP_UNPRIV,
            3);
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, INSTCFG, 3);
    env_commit(&env);
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &out), ==,
                        SMMUV3_AUX_TXN_OK);
        g_assert_cmphex(out.pa, ==, PA);
        g_assert_true(out.read);
        g_assert_false(out.write);
    }
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    /* The second read hit the IOTLB: one walk, one insert. */
    g_assert_cmpuint(env.t->e.iotlb.stats.hits, ==, 1);
    g_assert_cmpuint(env.t->e.iotlb.stats.misses, ==, 1);
    /* Without INSTCFG the same read is a data read: F_PERMISSION. */
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, INSTCFG, 0);
    env_commit(&env);
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_PERMISSION),
                     EV_RNW | CLASS_IN, IOVA, 0);
    tsmmu_free(env.t);
}

typedef enum S1Fault {
    S1F_TRANSLATION, S1F_ACCESS, S1F_ADDR_SIZE, S1F_PERMISSION, S1F_EABT,
} S1Fault;

typedef struct S1FaultCase {
    const char *name;
    S1Fault kind;
    bool record;            /* CD.R */
    bool razwi;             /* CD.A == 0 */
    SMMUv3AuxResult result;
} S1FaultCase;

#define ABT     SMMUV3_AUX_TXN_ABORT
#define RAZWI   SMMUV3_AUX_TXN_RAZWI

static const S1FaultCase s1_fault_cases[] = {
    { "translation-r1", S1F_TRANSLATION, true, false, ABT },
    { "translation-r0", S1F_TRANSLATION, false, false, ABT },
    { "access-r1", S1F_ACCESS, true, false, ABT },
    { "access-r0", S1F_ACCESS, false, false, ABT },
    { "addr-size-r1", S1F_ADDR_SIZE, true, false, ABT },
    { "addr-size-r0", S1F_ADDR_SIZE, false, false, ABT },
    { "permission-r1", S1F_PERMISSION, true, false, ABT },
    { "permission-r0", S1F_PERMISSION, false, false, ABT },
    /* An external abort is not one of the four: recorded regardless. */
    { "walk-eabt-r1", S1F_EABT, true, false, ABT },
    { "walk-eabt-r0", S1F_EABT, false, false, ABT },
    /*
     * CD.A == 0 (IDR0.TERM_MODEL == 0): the four Translation-related
     * faults complete with RAZ/WI, recorded as CD.R says; an external
     * abort still aborts (5.5).
     */
    { "translation-a0-r1", S1F_TRANSLATION, true, true, RAZWI },
    { "translation-a0-r0", S1F_TRANSLATION, false, true, RAZWI },
    { "access-a0-r1", S1F_ACCESS, true, true, RAZWI },
    { "access-a0-r0", S1F_ACCESS, false, true, RAZWI },
    { "addr-size-a0-r1", S1F_ADDR_SIZE, true, true, RAZWI },
    { "addr-size-a0-r0", S1F_ADDR_SIZE, false, true, RAZWI },
    { "permission-a0-r1", S1F_PERMISSION, true, true, RAZWI },
    { "permission-a0-r0", S1F_PERMISSION, false, true, RAZWI },
    { "walk-eabt-a0-r1", S1F_EABT, true, true, ABT },
    { "walk-eabt-a0-r0", S1F_EABT, false, true, ABT },
};

static void test_s1_fault(const void *opaque)
{
    static const unsigned ids[] = {
        SMMUV3_AUX_EVT_F_TRANSLATION, SMMUV3_AUX_EVT_F_ACCESS,
        SMMUV3_AUX_EVT_F_ADDR_SIZE, SMMUV3_AUX_EVT_F_PERMISSION,
        SMMUV3_AUX_EVT_F_WALK_EABT,
    };
    const S1FaultCase *c = opaque;
    uint64_t iova = IOVA, qw1 = CLASS_IN, qw3 = 0;
    bool write = false;
    Env env;

    env_s1(&env);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, R, c->record);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, A, !c->razwi);
    env_commit(&env);
    switch (c->kind) {
    case S1F_TRANSLATION:
        iova = IOVA + 0x1000;
        break;
    case S1F_ACCESS:
        tpt_map(env.t, env.s1root, 48, IOVA, PA, PTE_S1_LINUX & ~PTE_AF, 3);
        break;
    case S1F_ADDR_SIZE:
        /* An output address above CD.IPS (44 bits), below OAS (48). */
        env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, IPS, SMMUV3_AUX_OAS_44);
        env_commit(&env);
        tpt_map(env.t, env.s1root, 48, IOVA, 1ULL << 45, PTE_S1_LINUX, 3);
        break;
    case S1F_PERMISSION:
        tpt_map(env.t, env.s1root, 48, IOVA, PA,
                PTE_S1_LINUX | PTE_AP_RDONLY, 3);
        write = true;
        break;
    case S1F_EABT:
        qw3 = tpt_desc_addr(env.t, env.s1root, 48, IOVA, 3);
        mem_fault_read(env.t, qw3, 8);
        qw1 = CLASS_TT;
        break;
    }
    qw1 |= write ? 0 : EV_RNW;
    for (int i = 0; i < 2; i++) {
        SMMUv3AuxTxnOut out;

        /* Twice: a terminated transaction is never cached. */
        g_assert_cmpint(tsmmu_translate(env.t, SID, iova, write, &out), ==,
                        c->result);
        if (c->record || c->kind == S1F_EABT) {
            g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
            assert_event_rec(env.t, i, ev_qw0(ids[c->kind]), qw1, iova, qw3);
            tsmmu_consume_events(env.t);
        } else {
            g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
        }
    }
    tsmmu_free(env.t);
}

static void test_s1_cfg_translate_info(void)
{
    SMMUv3AuxTxn txn = { .sid = SID, .iova = IOVA | 0x10 };
    SMMUv3AuxEvent ev;
    SMMUv3AuxTransInfo info;
    SMMUv3AuxTxnOut out;
    SMMUv3AuxCfg cfg, copy;
    Env env;

    env_s1(&env);
    env.ste.qw[2] = FIELD_DP64(env.ste.qw[2], STE_2, S2VMID, VMID);
    env_commit(&env);
    smmuv3_aux_event_init(&ev, 0, &txn);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    /* A plain value: a cache may keep a copy and use it later. */
    memcpy(&copy, &cfg, sizeof(cfg));
    memset(&cfg, 0xa5, sizeof(cfg));
    g_assert_cmpint(smmuv3_aux_cfg_translate(&env.t->e, &copy, &txn, &out,
                                             &info), ==, SMMUV3_AUX_TXN_OK);
    g_assert_cmphex(out.pa, ==, PA);
    g_assert_true(info.walked);
    g_assert_cmpint(info.regime, ==, SMMUV3_AUX_REGIME_NS_EL1);
    g_assert_cmphex(info.asid, ==, ASID);
    /* Stage-1-only EL1 translations are tagged with S2VMID (5.2.2). */
    g_assert_cmphex(info.vmid, ==, VMID);
    g_assert_cmpint(info.walk.level, ==, 3);
    g_assert_cmpuint(info.walk.granule, ==, 12);
    g_assert_true(info.walk.ng);
    g_assert_true(info.walk.perm.ur && info.walk.perm.uw);
    tsmmu_free(env.t);
}

static void test_s1_ssid_refused(void)
{
    SMMUv3AuxTxn txn = { .sid = SID, .ssv = true, .ssid = 0x123,
                         .iova = IOVA };
    SMMUv3AuxTxnOut out;
    Env env;

    env_s1(&env);
    g_assert_cmpint(smmuv3_aux_translate(&env.t->e, &txn, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    /* The SubstreamID as input, without an SSV qualifier (7.3.9). */
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID) |
                     FIELD_DP64(0, EVT_0, SSID, 0x123), 0, 0, 0);
    tsmmu_free(env.t);
}

/* ---- Stage 2 ------------------------------------------------------------ */

static void test_s2_linux(void)
{
    SMMUv3AuxEvent ev = { 0 };
    SMMUv3AuxCfg cfg;
    Env env;

    env_s2(&env);
    assert_ok(&env, IOVA | 0x44, true, PA, 0xfff, true);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    g_assert_cmpint(cfg.kind, ==, SMMUV3_AUX_CFG_S2);
    g_assert_cmphex(cfg.vmid, ==, VMID);
    g_assert_cmphex(cfg.asid, ==, 0);
    g_assert_true(cfg.s2_record);
    tsmmu_free(env.t);
}

static void test_s2_faults(void)
{
    Env env;

    env_s2(&env);
    /* Unmapped IPA: stage 2, CLASS IN, IPA = the input. */
    assert_abort(&env, IOVA + 0x1000, false);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_S2 | CLASS_IN | EV_RNW, IOVA + 0x1000, IOVA + 0x1000);
    /* Read-only at stage 2. */
    tpt_map(env.t, env.s2root, 44, IOVA, PA,
            PTE_S2_LINUX & ~PTE_S2AP_W, 3);
    assert_abort(&env, IOVA | 4, true);
    assert_event_rec(env.t, 1, ev_qw0(SMMUV3_AUX_EVT_F_PERMISSION),
                     EV_S2 | CLASS_IN, IOVA | 4, IOVA);
    /* S2R = 0: both are silent. */
    tsmmu_consume_events(env.t);
    env.ste.qw[2] = FIELD_DP64(env.ste.qw[2], STE_2, S2R, 0);
    env_commit(&env);
    assert_abort(&env, IOVA + 0x1000, false);
    assert_abort(&env, IOVA | 4, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    tsmmu_free(env.t);
}

/* ---- Nested ------------------------------------------------------------- */

static void test_nested_ok(void)
{
    SMMUv3AuxEvent ev = { 0 };
    SMMUv3AuxCfg cfg;
    Env env;

    env_nested(&env);
    assert_ok(&env, IOVA | 0x10, true, PA, 0xfff, true);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    g_assert_cmpint(cfg.kind, ==, SMMUV3_AUX_CFG_NESTED);
    g_assert_cmphex(cfg.asid, ==, ASID);
    g_assert_cmphex(cfg.vmid, ==, VMID);
    g_assert_true(cfg.mev);
    tsmmu_free(env.t);
}

/*
 * A stage-1 2 MiB block over stage-2 4 KiB pages that are not contiguous:
 * the combined IOTLB entry covers one 4 KiB page, so a hit on the first
 * page neither widens it nor serves its neighbour from it (16.2.1: a
 * nested entry is the smaller of the two mappings).
 */
static void test_nested_s1_block_s2_pages(void)
{
    const uint64_t iova = 0x12400000ULL;    /* 2 MiB aligned */
    Env env;

    env_nested(&env);
    tpt_map(env.t, env.s1root, 48, iova, IPA, PTE_S1_LINUX, 2);
    tpt_map(env.t, env.s2root, 44, IPA + 0x1000, PA + 0x10000,
            PTE_S2_LINUX, 3);
    assert_ok(&env, iova, false, PA, 0xfff, true);
    assert_ok(&env, iova, false, PA, 0xfff, true);          /* IOTLB hit */
    assert_ok(&env, iova + 0x1000, false, PA + 0x10000, 0xfff, true);
    assert_ok(&env, iova + 0x1000, false, PA + 0x10000, 0xfff, true);
    assert_ok(&env, iova, true, PA, 0xfff, true);
    tsmmu_free(env.t);
}

/* The CD's IPA has no stage-2 mapping: S2 fault with CLASS CD (7.3.13). */
static void test_nested_cd_s2_fault(void)
{
    Env env;

    env_nested(&env);
    env.ste.qw[0] = (env.ste.qw[0] & ~R_STE_0_S1CONTEXTPTR_MASK) |
                    0x30000000ULL;
    env_commit(&env);
    assert_abort(&env, IOVA, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_S2 | CLASS_CD, IOVA, 0x30000000ULL);
    /* STE.S2R = 0 silences it; nothing is cached either way. */
    tsmmu_consume_events(env.t);
    env.ste.qw[2] = FIELD_DP64(env.ste.qw[2], STE_2, S2R, 0);
    env_commit(&env);
    assert_abort(&env, IOVA, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    tsmmu_free(env.t);
}

static void test_nested_cd_fetch_abort(void)
{
    Env env;

    env_nested(&env);
    mem_fault_read(env.t, CD_ADDR, 64);
    assert_abort(&env, IOVA, false);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_CD_FETCH), 0, 0,
                     CD_ADDR);
    tsmmu_free(env.t);
}

/* A stage-1 table IPA without stage-2 mapping: CLASS TT, IPA = desc. */
static void test_nested_tt_s2_fault(void)
{
    uint64_t ttb = 0x30000000ULL;
    Env env;

    env_nested(&env);
    env.cd.qw[1] = ttb;
    env_commit(&env);
    assert_abort(&env, IOVA, false);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_S2 | CLASS_TT | EV_RNW, IOVA,
                     ttb);  /* level-0 index of IOVA is 0 */
    tsmmu_free(env.t);
}

/*
 * The walk cache: the stage 2 translations of stage-1 table addresses
 * are kept (IOTLB kind S2TT) until a stage 2 invalidation.  The stage 1
 * tables are copied elsewhere and stage 2 remapped to the copy, whose
 * leaf for IOVA + 4K differs: until TLBI_S2_IPA, a new walk still reads
 * the tables through the cached translation, after it the copy's.
 */
static void test_nested_walk_cache(void)
{
    const uint64_t alt = 0x3000000ULL, iova2 = IOVA + 0x1000;
    const uint64_t addr_mask = 0x0000fffffffff000ULL;
    uint64_t leaf, s2desc, buf[0x10000 / 8];
    SMMUv3AuxCmd cmds[3];
    Env env;

    env_base(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, IPA, PTE_S1_LINUX, 3);
    tpt_map(env.t, env.s1root, 48, iova2, IPA + 0x1000, PTE_S1_LINUX, 3);
    env.t->pt_next = S2POOL;
    env.s2root = tpt_alloc(env.t);
    tpt_map(env.t, env.s2root, 44, CD_ADDR & ~0x1fffffULL,
            CD_ADDR & ~0x1fffffULL, PTE_S2_LINUX, 2);
    tpt_map(env.t, env.s2root, 44, POOL, POOL, PTE_S2_LINUX, 2);
    for (unsigned i = 0; i < 3; i++) {
        tpt_map(env.t, env.s2root, 44, IPA + i * 0x1000, PA + i * 0x1000,
                PTE_S2_LINUX, 3);
    }
    env.ste = ste_make_s1(CD_ADDR);
    env.ste.qw[0] = FIELD_DP64(env.ste.qw[0], STE_0, CONFIG,
                               SMMUV3_AUX_STE_CONFIG_NESTED);
    ste_set_s2_linux(env.t, &env.ste, env.s2root, VMID);
    env.cd = cd_make_linux(env.t, env.s1root, ASID);
    env_commit(&env);
    assert_ok(&env, IOVA, true, PA, 0xfff, true);

    /* The copy: iova2's leaf points to IPA + 8K there. */
    mem_read(env.t, POOL, buf, sizeof(buf));
    mem_write(env.t, alt, buf, sizeof(buf));
    leaf = tpt_desc_addr(env.t, env.s1root, 48, iova2, 3);
    mem_write64(env.t, alt + (leaf - POOL),
                (mem_read64(env.t, leaf) & ~addr_mask) | (IPA + 0x2000));
    s2desc = tpt_desc_addr(env.t, env.s2root, 44, POOL, 2);
    mem_write64(env.t, s2desc, (mem_read64(env.t, s2desc) & ~addr_mask) | alt);

    /* iova2 was never translated: its walk uses the cached table PAs. */
    assert_ok(&env, iova2, true, PA + 0x1000, 0xfff, true);
    /* Stage 1 invalidation leaves stage 2 information alone. */
    cmds[0] = cmd_make(SMMUV3_AUX_CMD_TLBI_NH_ALL, (uint64_t)VMID << 32, 0);
    cmds[1] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env.t, cmds, 2);
    assert_ok(&env, iova2, true, PA + 0x1000, 0xfff, true);
    /* TLBI_S2_IPA of the table IPA (then of stage 1): the copy's leaf. */
    cmds[0] = cmd_make(SMMUV3_AUX_CMD_TLBI_S2_IPA, (uint64_t)VMID << 32,
                       POOL | R_CMD_1_LEAF_MASK);
    cmds[1] = cmd_make(SMMUV3_AUX_CMD_TLBI_NH_ALL, (uint64_t)VMID << 32, 0);
    cmds[2] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env.t, cmds, 3);
    assert_ok(&env, iova2, true, PA + 0x2000, 0xfff, true);
    tsmmu_free(env.t);
}

/* Stage-1 output IPA unmapped at stage 2: CLASS IN, IPA = output. */
static void test_nested_in_s2_fault(void)
{
    Env env;

    env_nested(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, IPA + 0x5000, PTE_S1_LINUX, 3);
    assert_abort(&env, IOVA | 0x20, true);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_S2 | CLASS_IN, IOVA | 0x20, IPA + 0x5000);
    tsmmu_free(env.t);
}

/*
 * CD.A applies to stage 1 only: with A == 0 a stage-1 fault of a nested
 * translation completes with RAZ/WI, a stage-2 fault still aborts (5.5).
 */
static void test_nested_a0(void)
{
    SMMUv3AuxTxnOut out;
    Env env;

    env_nested(&env);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, A, 0);
    env_commit(&env);
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA + 0x1000, true, &out),
                    ==, SMMUV3_AUX_TXN_RAZWI);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     CLASS_IN, IOVA + 0x1000, 0);
    tsmmu_consume_events(env.t);
    tpt_map(env.t, env.s1root, 48, IOVA, IPA + 0x5000, PTE_S1_LINUX, 3);
    assert_abort(&env, IOVA, false);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 1, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_S2 | CLASS_IN | EV_RNW, IOVA, IPA + 0x5000);
    tsmmu_free(env.t);
}

/* ---- Event merging (7.3.1) ---------------------------------------------- */

static void test_merge_mev1(void)
{
    Env env;

    env_s1(&env);
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, MEV, 1);
    env_commit(&env);
    /* QEMU's 4-byte retries: InputAddr[11:0] do not count (7.3.13). */
    for (int i = 0; i < 16; i++) {
        assert_abort(&env, IOVA + 0x1000 + i * 4, false);
    }
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_RNW | CLASS_IN, IOVA + 0x1000, 0);
    /* Another page, another access type: new records. */
    assert_abort(&env, IOVA + 0x2000, false);
    assert_abort(&env, IOVA + 0x2000, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 3);
    /* Once software consumed a record, nothing merges into it. */
    tsmmu_consume_events(env.t);
    assert_abort(&env, IOVA + 0x2000, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 3, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     CLASS_IN, IOVA + 0x2000, 0);
    tsmmu_free(env.t);
}

static void test_merge_mev0(void)
{
    Env env;

    env_s1(&env);
    assert_abort(&env, IOVA + 0x1000, false);
    assert_abort(&env, IOVA + 0x1004, false);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 2);
    assert_event_rec(env.t, 1, ev_qw0(SMMUV3_AUX_EVT_F_TRANSLATION),
                     EV_RNW | CLASS_IN, IOVA + 0x1004, 0);
    tsmmu_free(env.t);
}

/* Events before the STE is known may always be merged. */
static void test_merge_bad_ste(void)
{
    Env env;

    env_s1(&env);
    env.ste.qw[0] &= ~R_STE_0_V_MASK;
    env_commit(&env);
    assert_abort(&env, IOVA, false);
    assert_abort(&env, IOVA + 0x10000, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_C_BAD_STE), 0, 0, 0);
    /* A different StreamID is a different event. */
    g_assert_cmpint(tsmmu_translate(env.t, SID + 1, IOVA, false,
                                    &(SMMUv3AuxTxnOut){ 0 }), ==,
                    SMMUV3_AUX_TXN_ABORT);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 2);
    tsmmu_free(env.t);
}

/* ---- Caching: what is cached stays until the named invalidation -------- */

static void submit2(Env *env, SMMUv3AuxCmd c)
{
    SMMUv3AuxCmd cmds[2] = { c, cmd_sync_make(0, 0, 0) };

    tsmmu_submit(env->t, cmds, 2);
}

/* A PTE change is invisible until TLBI_NH_VA names the address. */
static void test_cache_tlbi_va(void)
{
    Env env;
    uint64_t other = 0x41000000ULL;

    env_s1(&env);
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    tpt_map(env.t, env.s1root, 48, IOVA, other, PTE_S1_LINUX, 3);
    assert_ok(&env, IOVA, false, PA, 0xfff, true);        /* IOTLB hit */
    /* A TLBI for another ASID or another page leaves the entry. */
    submit2(&env, cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA,
                           FIELD_DP64(0, CMD_0, ASID, ASID + 1), IOVA));
    submit2(&env, cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA,
                           FIELD_DP64(0, CMD_0, ASID, ASID), IOVA + 0x1000));
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    submit2(&env, cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA,
                           FIELD_DP64(0, CMD_0, ASID, ASID), IOVA));
    assert_ok(&env, IOVA, false, other, 0xfff, true);
    tsmmu_free(env.t);
}

/* An STE change is invisible until CFGI_STE names the StreamID. */
static void test_cache_cfgi_ste(void)
{
    Env env;

    env_s1(&env);
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    env.ste = ste_make(SMMUV3_AUX_STE_CONFIG_ABORT);
    ste_write(env.t, STRTAB + SID * 64, &env.ste);
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    submit2(&env, cmd_make(SMMUV3_AUX_CMD_CFGI_STE,
                           FIELD_DP64(0, CMD_0, SID, SID + 1), 1));
    assert_ok(&env, IOVA, false, PA, 0xfff, true);
    submit2(&env, cmd_make(SMMUV3_AUX_CMD_CFGI_STE,
                           FIELD_DP64(0, CMD_0, SID, SID), 1));
    assert_abort(&env, IOVA, false);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);     /* abort: silent */
    tsmmu_free(env.t);
}

/*
 * A cached read-only entry does not grant a write: the write is walked
 * again and faults with the complete record, and the entry stays usable.
 */
static void test_cache_permission(void)
{
    Env env;

    env_s1(&env);
    tpt_map(env.t, env.s1root, 48, IOVA, PA, PTE_S1_LINUX | PTE_AP_RDONLY, 3);
    env_commit(&env);
    assert_ok(&env, IOVA, false, PA, 0xfff, false);
    assert_abort(&env, IOVA, true);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_PERMISSION),
                     CLASS_IN, IOVA, 0);
    tsmmu_consume_events(env.t);
    assert_ok(&env, IOVA, false, PA, 0xfff, false);
    tsmmu_free(env.t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/translate/s1-linux-4k", test_s1_linux_4k);
    g_test_add_func("/smmuv3-aux/translate/s1-block", test_s1_block);
    g_test_add_func("/smmuv3-aux/translate/s1-readonly", test_s1_readonly);
    g_test_add_func("/smmuv3-aux/translate/s1-privcfg", test_s1_privcfg);
    g_test_add_func("/smmuv3-aux/translate/s1-instcfg-exec-only",
                    test_s1_instcfg_exec_only);
    g_test_add_func("/smmuv3-aux/translate/cache-tlbi-va",
                    test_cache_tlbi_va);
    g_test_add_func("/smmuv3-aux/translate/cache-cfgi-ste",
                    test_cache_cfgi_ste);
    g_test_add_func("/smmuv3-aux/translate/cache-permission",
                    test_cache_permission);
    for (int i = 0; i < ARRAY_SIZE(s1_fault_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/smmuv3-aux/translate/s1-fault/%s",
                            s1_fault_cases[i].name);
        g_test_add_data_func(path, &s1_fault_cases[i], test_s1_fault);
    }
    g_test_add_func("/smmuv3-aux/translate/s1-cfg-translate-info",
                    test_s1_cfg_translate_info);
    g_test_add_func("/smmuv3-aux/translate/s1-ssid-refused",
                    test_s1_ssid_refused);
    g_test_add_func("/smmuv3-aux/translate/s2-linux", test_s2_linux);
    g_test_add_func("/smmuv3-aux/translate/s2-faults", test_s2_faults);
    g_test_add_func("/smmuv3-aux/translate/nested-ok", test_nested_ok);
    g_test_add_func("/smmuv3-aux/translate/nested-s1-block-s2-pages",
                    test_nested_s1_block_s2_pages);
    g_test_add_func("/smmuv3-aux/translate/nested-cd-s2-fault",
                    test_nested_cd_s2_fault);
    g_test_add_func("/smmuv3-aux/translate/nested-cd-fetch-abort",
                    test_nested_cd_fetch_abort);
    g_test_add_func("/smmuv3-aux/translate/nested-tt-s2-fault",
                    test_nested_tt_s2_fault);
    g_test_add_func("/smmuv3-aux/translate/nested-walk-cache",
                    test_nested_walk_cache);
    g_test_add_func("/smmuv3-aux/translate/nested-in-s2-fault",
                    test_nested_in_s2_fault);
    g_test_add_func("/smmuv3-aux/translate/nested-a0", test_nested_a0);
    g_test_add_func("/smmuv3-aux/translate/merge-mev1", test_merge_mev1);
    g_test_add_func("/smmuv3-aux/translate/merge-mev0", test_merge_mev0);
    g_test_add_func("/smmuv3-aux/translate/merge-bad-ste",
                    test_merge_bad_ste);
    return g_test_run();
}
