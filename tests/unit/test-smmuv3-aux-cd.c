/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: CD fetch, validation and decode (cd.c),
 * checked through smmuv3_aux_translate() with exact event records.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define CD_ADDR     0x500000ULL
#define POOL        0x1000000ULL
#define IOVA        0x1000000ULL    /* below 2^25: fits every T0SZ here */
#define PA          0x40000000ULL
#define SID         3
#define ASID        0x42

typedef struct CdEnv {
    TestSMMU *t;
    uint64_t root;
} CdEnv;

static void cd_env_init(CdEnv *env, const SMMUv3AuxParams *p)
{
    SMMUv3AuxSTE ste = ste_make_s1(CD_ADDR);

    env->t = tsmmu_new(p);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->root = tpt_alloc(env->t);
    tpt_map(env->t, env->root, 48, IOVA, PA, PTE_S1_LINUX, 3);
    ste_write(env->t, STRTAB + SID * 64, &ste);
}

static uint64_t ev_qw0(unsigned id)
{
    return ((uint64_t)SID << 32) | id;
}

/* ---- CdIllegal() cases -------------------------------------------------- */

enum {
    CD_P_DEFAULT, CD_P_NO_16K, CD_P_ASID8, CD_P_HYP,
    CD_P_HTTU_NONE, CD_P_HTTU_HA, CD_P_HTTU_HAFT, CD_P_NO_STALL,
    CD_P_STALL_FORCE,
};

typedef struct CdCase {
    const char *name;
    uint64_t set0, clr0;        /* CD qword 0 */
    uint64_t set1, set2;        /* CD qwords 1 and 2 */
    int params;
    unsigned event;             /* 0: the translation succeeds */
} CdCase;

#define F0(f, v)    ((uint64_t)(v) << R_CD_0_##f##_SHIFT)
#define M0(f)       R_CD_0_##f##_MASK
#define BAD_CD      SMMUV3_AUX_EVT_C_BAD_CD
#define F_TRANS     SMMUV3_AUX_EVT_F_TRANSLATION

static const CdCase cd_cases[] = {
    { "linux", 0, 0, 0, 0, 0, 0 },
    { "v0", 0, M0(V), 0, 0, 0, BAD_CD },
    { "aa32", 0, M0(AA64), 0, 0, 0, BAD_CD },
    { "tg0-reserved", F0(TG0, 3), 0, 0, 0, 0, BAD_CD },
    { "tg0-16k-unsupported", F0(TG0, 2), 0, 0, 0, CD_P_NO_16K, BAD_CD },
    { "t0sz-15", F0(T0SZ, 15), M0(T0SZ), 0, 0, 0, BAD_CD },
    { "t0sz-40", F0(T0SZ, 40), M0(T0SZ), 0, 0, 0, BAD_CD },
    /* Valid, but the tables were built for 48 bits: nothing at level 2. */
    { "t0sz-39", F0(T0SZ, 39), M0(T0SZ), 0, 0, 0, F_TRANS },
    /* 5.4.1.1: TTB0 fields are not checked when EPD0 disables them. */
    { "epd0-skips-checks", F0(EPD0, 1) | F0(TG0, 3), M0(T0SZ), 0, 0, 0,
      F_TRANS },
    { "ttb1-t1sz-0", 0, M0(EPD1), 0, 0, 0, BAD_CD },
    { "ttb1-tg1-reserved", F0(T1SZ, 16), M0(EPD1), 0, 0, 0, BAD_CD },
    { "ttb1-valid", F0(T1SZ, 16) | F0(TG1, SMMUV3_AUX_CD_TG1_4K), M0(EPD1),
      0, 0, 0, 0 },
    { "ttb1-above-ips", F0(T1SZ, 16) | F0(TG1, SMMUV3_AUX_CD_TG1_4K),
      M0(EPD1), 0, 1ULL << 44, 0, BAD_CD },
    { "endi", F0(ENDI, 1), 0, 0, 0, 0, BAD_CD },
    { "endi-both-disabled", F0(ENDI, 1) | F0(EPD0, 1), 0, 0, 0, 0, F_TRANS },
    /* 5.4 HA/HD/HAFT against IDR0.HTTU (the default is 2: HA + HD). */
    { "ha-no-httu", F0(HA, 1), 0, 0, 0, CD_P_HTTU_NONE, BAD_CD },
    { "hd-no-httu", F0(HD, 1), 0, 0, 0, CD_P_HTTU_NONE, BAD_CD },
    { "hd-httu-ha", F0(HD, 1) | F0(HA, 1), 0, 0, 0, CD_P_HTTU_HA, BAD_CD },
    { "ha-httu-ha", F0(HA, 1), 0, 0, 0, CD_P_HTTU_HA, 0 },
    { "ha-hd", F0(HD, 1) | F0(HA, 1), 0, 0, 0, 0, 0 },
    /* {HD, HA} = 10 is Reserved but not ILLEGAL here: behaves as 00. */
    { "hd-without-ha", F0(HD, 1), 0, 0, 0, 0, 0 },
    /* HAFT is RES0 unless IDR0.HTTU == 0b11, then ILLEGAL without HA. */
    { "haft-res0", 0, 0, R_CD_1_HAFT_MASK, 0, 0, 0 },
    { "haft-without-ha", 0, 0, R_CD_1_HAFT_MASK, 0, CD_P_HTTU_HAFT, BAD_CD },
    { "haft-with-ha", F0(HA, 1), 0, R_CD_1_HAFT_MASK, 0, CD_P_HTTU_HAFT, 0 },
    /* CD.S against IDR0.STALL_MODEL (5.5): ILLEGAL only where fixed. */
    { "stall-no-model", F0(S, 1), 0, 0, 0, CD_P_NO_STALL, BAD_CD },
    { "stall", F0(S, 1), 0, 0, 0, 0, 0 },
    { "no-stall-forced", 0, 0, 0, 0, CD_P_STALL_FORCE, BAD_CD },
    { "stall-forced", F0(S, 1), 0, 0, 0, CD_P_STALL_FORCE, 0 },
    /* IDR0.TERM_MODEL == 0: A = 0 is legal. */
    { "a0", 0, M0(A), 0, 0, 0, 0 },
    { "asid16-with-asid8", F0(ASID, 0x100), M0(ASID), 0, 0, CD_P_ASID8,
      BAD_CD },
    { "asid8", F0(ASID, 0xff), M0(ASID), 0, 0, CD_P_ASID8, 0 },
    /* Reserved IPS behaves as 48 bits in SMMUv3.0, capped by OAS (44). */
    { "ips-reserved", F0(IPS, 7), M0(IPS), 0, 0, 0, 0 },
    { "ttb0-above-ips", F0(IPS, 0), M0(IPS), 1ULL << 40, 0, 0, BAD_CD },
    { "ttb0-above-oas", F0(IPS, 5), M0(IPS), 1ULL << 44, 0, 0, BAD_CD },
    /* EL2 StreamWorld: ASID, EPD0, TTB1 fields IGNORED. */
    { "el2-ignores-asid-epd", F0(ASID, 0xffff) | F0(EPD0, 1), M0(EPD1), 0, 0,
      CD_P_HYP, 0 },
};

static void test_cd_case(const void *opaque)
{
    const CdCase *c = opaque;
    SMMUv3AuxParams p;
    SMMUv3AuxTxnOut out;
    SMMUv3AuxCD cd;
    CdEnv env;
    SMMUv3AuxResult r;

    smmuv3_aux_params_set_defaults(&p);
    p.oas_bits = 44;            /* the cases' ranges are written for it */
    p.gran16k = c->params != CD_P_NO_16K;
    p.asid16 = c->params != CD_P_ASID8;
    p.hyp = c->params == CD_P_HYP;
    p.stall_model = c->params == CD_P_NO_STALL ? SMMUV3_AUX_IDR0_STALL_NONE :
                    c->params == CD_P_STALL_FORCE ? SMMUV3_AUX_IDR0_STALL_FORCE :
                    SMMUV3_AUX_IDR0_STALL_BOTH;
    p.httu = c->params == CD_P_HTTU_NONE ? SMMUV3_AUX_HTTU_NONE :
             c->params == CD_P_HTTU_HA ? SMMUV3_AUX_HTTU_HA :
             c->params == CD_P_HTTU_HAFT ? SMMUV3_AUX_HTTU_HAFT :
             SMMUV3_AUX_HTTU_HD;
    cd_env_init(&env, &p);
    if (c->params == CD_P_HYP) {
        SMMUv3AuxSTE ste = ste_make_s1(CD_ADDR);

        ste.qw[1] |= (uint64_t)SMMUV3_AUX_STE_STRW_EL2 << R_STE_1_STRW_SHIFT;
        ste_write(env.t, STRTAB + SID * 64, &ste);
    }
    cd = cd_make_linux(env.t, env.root, ASID);
    cd.qw[0] = (cd.qw[0] & ~c->clr0) | c->set0;
    cd.qw[1] |= c->set1;
    cd.qw[2] |= c->set2;
    cd_write(env.t, CD_ADDR, &cd);
    r = tsmmu_translate(env.t, SID, IOVA | 0x123, false, &out);
    if (!c->event) {
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_OK);
        g_assert_cmphex(out.pa, ==, PA);
        g_assert_cmphex(out.addr_mask, ==, 0xfff);
        g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    } else if (c->event == BAD_CD) {
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_ABORT);
        g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
        assert_event_rec(env.t, 0, ev_qw0(BAD_CD), 0, 0, 0);
    } else {
        /* A read, unprivileged, stage 1, CLASS IN fault. */
        g_assert_cmpint(r, ==, SMMUV3_AUX_TXN_ABORT);
        g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
        assert_event_rec(env.t, 0, ev_qw0(c->event),
                         R_EVT_1_RNW_MASK | (2ULL << R_EVT_1_CLASS_SHIFT),
                         IOVA | 0x123, 0);
    }
    tsmmu_free(env.t);
}

/* ---- Fetch -------------------------------------------------------------- */

static void test_cd_fetch_abort(void)
{
    SMMUv3AuxTxnOut out;
    CdEnv env;

    cd_env_init(&env, NULL);
    mem_fault_read(env.t, CD_ADDR + 8, 8);
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    assert_event_rec(env.t, 0, ev_qw0(SMMUV3_AUX_EVT_F_CD_FETCH), 0, 0,
                     CD_ADDR);
    tsmmu_free(env.t);
}

/* The CD is re-read for every transaction (nothing cached on failure). */
static void test_cd_not_cached(void)
{
    SMMUv3AuxTxnOut out;
    SMMUv3AuxCD cd;
    CdEnv env;

    cd_env_init(&env, NULL);
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    assert_event_rec(env.t, 0, ev_qw0(BAD_CD), 0, 0, 0);
    cd = cd_make_linux(env.t, env.root, ASID);
    cd_write(env.t, CD_ADDR, &cd);
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_OK);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    tsmmu_free(env.t);
}

/* ---- Decode ------------------------------------------------------------- */

static void test_cd_decode_linux(void)
{
    SMMUv3AuxCfg cfg;
    SMMUv3AuxEvent ev = { 0 };
    SMMUv3AuxCD cd;
    CdEnv env;

    cd_env_init(&env, NULL);
    cd = cd_make_linux(env.t, env.root, ASID);
    cd_write(env.t, CD_ADDR, &cd);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    g_assert_cmpint(cfg.kind, ==, SMMUV3_AUX_CFG_S1);
    g_assert_cmpint(cfg.regime, ==, SMMUV3_AUX_REGIME_NS_EL1);
    g_assert_cmphex(cfg.asid, ==, ASID);
    g_assert_cmphex(cfg.vmid, ==, 0);
    g_assert_cmphex(cfg.cd_addr, ==, CD_ADDR);
    g_assert_true(cfg.s1_record && cfg.s1_abort && !cfg.s1_stall);
    g_assert_false(cfg.s2_record);
    g_assert_cmphex(cfg.s1.tt[0].ttb, ==, env.root);
    g_assert_cmpuint(cfg.s1.tt[0].tsz, ==, 16);
    g_assert_cmpuint(cfg.s1.tt[0].granule, ==, 12);
    g_assert_false(cfg.s1.tt[0].epd);
    g_assert_true(cfg.s1.tt[1].epd);
    g_assert_cmpuint(cfg.s1.ips, ==, 48);
    g_assert_cmpuint(cfg.s1.oas, ==, 48);
    g_assert_true(cfg.s1.aa64);
    tsmmu_free(env.t);
}

static void test_cd_decode_fields(void)
{
    SMMUv3AuxCfg cfg;
    SMMUv3AuxEvent ev = { 0 };
    SMMUv3AuxParams p;
    SMMUv3AuxCD cd;
    CdEnv env;

    smmuv3_aux_params_set_defaults(&p);
    p.had = false;
    cd_env_init(&env, &p);
    cd = cd_make_linux(env.t, env.root, ASID);
    cd.qw[0] |= F0(TBI0, 1) | F0(AFFD, 1) | F0(WXN, 1) | F0(PAN, 1);
    cd.qw[0] &= ~M0(R);
    /* IDR3.HAD == 0: HAD0 is IGNORED. */
    cd.qw[1] |= R_CD_1_HAD0_MASK;
    cd_write(env.t, CD_ADDR, &cd);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    g_assert_true(cfg.s1.tt[0].tbi);
    g_assert_false(cfg.s1.tt[0].had);
    g_assert_true(cfg.s1.affd && cfg.s1.wxn && cfg.s1.pan);
    g_assert_false(cfg.s1_record);
    tsmmu_free(env.t);
}

/*
 * STE.STRW = EL2: CR2.E2H == 0 selects NS-EL2, one privilege level (PAN
 * IGNORED, single-privilege permissions, no ASID, one range); E2H == 1
 * selects NS-EL2-E2H, with EL1&0's permission model, PAN and ASIDs.
 */
static void test_cd_el2_regime(const void *opaque)
{
    bool e2h = GPOINTER_TO_INT(opaque);
    SMMUv3AuxParams p;
    SMMUv3AuxCfg cfg;
    SMMUv3AuxEvent ev = { 0 };
    SMMUv3AuxSTE ste = ste_make_s1(CD_ADDR);
    SMMUv3AuxCD cd;
    CdEnv env;

    smmuv3_aux_params_set_defaults(&p);
    p.hyp = true;
    cd_env_init(&env, &p);
    env.t->e.regs.cr2 = FIELD_DP32(env.t->e.regs.cr2, CR2, E2H, e2h);
    ste.qw[1] |= (uint64_t)SMMUV3_AUX_STE_STRW_EL2 << R_STE_1_STRW_SHIFT;
    ste.qw[2] |= 7;         /* S2VMID: not used at EL2 */
    ste_write(env.t, STRTAB + SID * 64, &ste);
    cd = cd_make_linux(env.t, env.root, ASID);
    cd.qw[0] |= F0(PAN, 1);
    cd_write(env.t, CD_ADDR, &cd);
    g_assert_true(smmuv3_aux_cfg_decode(&env.t->e, SID, 0, false, &cfg,
                                        &ev));
    g_assert_cmpint(cfg.regime, ==, e2h ? SMMUV3_AUX_REGIME_EL2_E2H :
                                          SMMUV3_AUX_REGIME_EL2);
    g_assert_cmphex(cfg.asid, ==, e2h ? ASID : 0);
    g_assert_cmphex(cfg.vmid, ==, 0);
    g_assert_true(cfg.s1.tt[1].epd);
    g_assert_cmpint(cfg.s1.el2, ==, !e2h);
    g_assert_cmpint(cfg.s1.pan, ==, e2h);
    tsmmu_free(env.t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 0; i < ARRAY_SIZE(cd_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/cd/check/%s",
                                                cd_cases[i].name);
        g_test_add_data_func(path, &cd_cases[i], test_cd_case);
    }
    g_test_add_func("/smmuv3-aux/cd/fetch-abort", test_cd_fetch_abort);
    g_test_add_func("/smmuv3-aux/cd/not-cached", test_cd_not_cached);
    g_test_add_func("/smmuv3-aux/cd/decode-linux", test_cd_decode_linux);
    g_test_add_func("/smmuv3-aux/cd/decode-fields", test_cd_decode_fields);
    g_test_add_data_func("/smmuv3-aux/cd/el2-regime", GINT_TO_POINTER(0),
                         test_cd_el2_regime);
    g_test_add_data_func("/smmuv3-aux/cd/el2-e2h-regime",
                         GINT_TO_POINTER(1), test_cd_el2_regime);
    return g_test_run();
}
