/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: ATS (ats.c, IHI 0070 3.9.1, 4.5.1, 13.7):
 * Translation Requests and their Completions per configuration, EATS and
 * fault, the permissions of 13.7.1 and HTTU on requests; Translated
 * transactions per CR0.ATSCHK and STE.EATS; CMD_ATC_INV queued for the
 * binding and the CMD_SYNC that waits for its completion or fails with
 * CERROR_ATC_INV_SYNC.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define STRTAB      0x400000ULL
#define CD_ADDR     0x500000ULL
#define POOL        0x1000000ULL
#define IOVA        0x12345000ULL
#define PA          0x40000000ULL
#define SID         3
#define ASID        0x42
#define EVT(x)      SMMUV3_AUX_EVT_##x

typedef struct Env {
    TestSMMU *t;
    SMMUv3AuxSTE ste;
    SMMUv3AuxCD cd;
    uint64_t root;
} Env;

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

/* Stage 1 as Linux sets it up, with EATS and the leaf's attributes. */
static void env_s1(Env *env, unsigned eats, uint64_t leaf)
{
    env->t = tsmmu_new(NULL);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->root = tpt_alloc(env->t);
    env->ste = ste_make_s1(CD_ADDR);
    env->ste.qw[1] = FIELD_DP64(env->ste.qw[1], STE_1, EATS, eats);
    env->cd = cd_make_linux(env->t, env->root, ASID);
    if (leaf) {
        tpt_map(env->t, env->root, 48, IOVA, PA, leaf, 3);
    }
    env_commit(env);
}

static void env_free(Env *env)
{
    tsmmu_free(env->t);
}

static SMMUv3AuxAtsStatus treq(Env *env, uint64_t addr, bool nw,
                               SMMUv3AuxAtsResp *resp)
{
    SMMUv3AuxAtsReq req = { .sid = SID, .addr = addr, .nw = nw };

    return smmuv3_aux_ats_translate(&env->t->e, &req, resp);
}

static void assert_one_event(Env *env, unsigned id)
{
    SMMUv3AuxEvtRecord rec;

    g_assert_cmpuint(tsmmu_n_events(env->t), ==, 1);
    tsmmu_event(env->t, 0, &rec);
    g_assert_cmphex(FIELD_EX64(rec.qw[0], EVT_0, EVENTID), ==, id);
    g_assert_cmphex(FIELD_EX64(rec.qw[0], EVT_0, SID), ==, SID);
}

/* ---- Translation Requests ---------------------------------------------- */

/* A mapped RW page: Success, its PA, its size, R and W; no event. */
static void test_treq_success(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    g_assert_cmpint(treq(&env, IOVA + 0x123, false, &r), ==,
                    SMMUV3_AUX_ATS_SUCCESS);
    g_assert_cmphex(r.addr, ==, PA);
    g_assert_cmphex(r.addr_mask, ==, 0xfff);
    g_assert_true(r.r && r.w);
    g_assert_false(r.exe || r.priv);
    /* NW == 1 on a writable-dirty page may grant W: it does. */
    g_assert_cmpint(treq(&env, IOVA, true, &r), ==, SMMUV3_AUX_ATS_SUCCESS);
    g_assert_true(r.r && r.w);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    env_free(&env);
}

/* A read-only page with NW == 0: only R (13.7, third example). */
static void test_treq_read_only(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX | PTE_AP_RDONLY);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_SUCCESS);
    g_assert_cmphex(r.addr, ==, PA);
    g_assert_true(r.r);
    g_assert_false(r.w);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    env_free(&env);
}

/*
 * An unmapped page (and CD.R = 1, which would record F_TRANSLATION for a
 * transaction): Success with R == W == 0 for one STU, and no event.
 */
static void test_treq_fault_no_event(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, 0);
    g_assert_cmpint(treq(&env, IOVA + 0x800, false, &r), ==,
                    SMMUV3_AUX_ATS_SUCCESS);
    g_assert_false(r.r || r.w);
    g_assert_cmphex(r.addr, ==, IOVA);
    g_assert_cmphex(r.addr_mask, ==, SMMUV3_AUX_ATS_STU - 1);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    env_free(&env);
}

/* EATS = 0 (and 0b10, 0b11 here): UR and F_BAD_ATS_TREQ. */
static void test_treq_eats(const void *opaque)
{
    unsigned eats = GPOINTER_TO_UINT(opaque);
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, eats, PTE_S1_LINUX);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_UR);
    assert_one_event(&env, EVT(F_BAD_ATS_TREQ));
    env_free(&env);
}

/* STE bypass: UR + F_BAD_ATS_TREQ; STE abort: UR, no event (3.9.1.2). */
static void test_treq_bypass_abort(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    env.ste = ste_make(SMMUV3_AUX_STE_CONFIG_BYPASS);
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, EATS, 1);
    env_commit(&env);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_UR);
    assert_one_event(&env, EVT(F_BAD_ATS_TREQ));
    tsmmu_consume_events(env.t);
    env.ste = ste_make(SMMUV3_AUX_STE_CONFIG_ABORT);
    env_commit(&env);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_UR);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    env_free(&env);
}

/* SMMUEN = 0: UR + F_BAD_ATS_TREQ, whatever GBPA says. */
static void test_treq_smmuen_off(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    tsmmu_set_cr0(env.t, R_CR0_CMDQEN_MASK | R_CR0_EVENTQEN_MASK);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_UR);
    assert_one_event(&env, EVT(F_BAD_ATS_TREQ));
    env_free(&env);
}

/* A configuration error (ILLEGAL CD here): CA, and no event. */
static void test_treq_config_error(void)
{
    SMMUv3AuxAtsResp r;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    env.cd.qw[0] = FIELD_DP64(env.cd.qw[0], CD_0, T0SZ, 63);
    env_commit(&env);
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_CA);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    /* The same for a transaction records C_BAD_CD: the CD is bad. */
    g_assert_cmpint(tsmmu_translate(env.t, SID, IOVA, false, &(SMMUv3AuxTxnOut){0}),
                    ==, SMMUV3_AUX_TXN_ABORT);
    assert_one_event(&env, EVT(C_BAD_CD));
    env_free(&env);
}

/*
 * HTTU on requests (3.13.7, 13.7): NW == 0 on a writable-clean page
 * makes it dirty and grants W; NW == 1 sets only AF and grants R.
 */
static void test_treq_httu(void)
{
    uint64_t clean = (PTE_S1_LINUX & ~PTE_AF) | PTE_AP_RDONLY | (1ULL << 51);
    SMMUv3AuxAtsResp r;
    uint64_t d;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, clean);
    env.cd.qw[0] |= R_CD_0_HA_MASK | R_CD_0_HD_MASK;
    env_commit(&env);
    g_assert_cmpint(treq(&env, IOVA, true, &r), ==, SMMUV3_AUX_ATS_SUCCESS);
    g_assert_true(r.r);
    g_assert_false(r.w);
    d = mem_read64(env.t, tpt_desc_addr(env.t, env.root, 48, IOVA, 3));
    g_assert_true(d & PTE_AF);
    g_assert_true(d & PTE_AP_RDONLY);           /* still clean */
    g_assert_cmpint(treq(&env, IOVA, false, &r), ==, SMMUV3_AUX_ATS_SUCCESS);
    g_assert_true(r.r && r.w);
    d = mem_read64(env.t, tpt_desc_addr(env.t, env.root, 48, IOVA, 3));
    g_assert_false(d & PTE_AP_RDONLY);          /* dirty now */
    env_free(&env);
}

/*
 * Priv and Exe come from the PASID prefix only; the completion's Priv is
 * the request's and Exe needs R and X (13.7.1).
 */
static void test_treq_priv_exe(void)
{
    SMMUv3AuxAtsReq req = {
        .sid = SID, .addr = IOVA, .nw = true, .priv = true, .exe = true,
    };
    SMMUv3AuxAtsResp r;
    Env env;

    /* Privileged RW, unprivileged nothing, executable. */
    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL,
           (PTE_S1_LINUX & ~PTE_AP_UNPRIV) & ~(1ULL << 53));
    /* Without a PASID: Unprivileged Data, so no access at all. */
    g_assert_cmpint(smmuv3_aux_ats_translate(&env.t->e, &req, &r), ==,
                    SMMUV3_AUX_ATS_SUCCESS);
    g_assert_false(r.r || r.w || r.exe || r.priv);
    env_free(&env);
}

/* ---- Translated transactions -------------------------------------------- */

static SMMUv3AuxResult translated(Env *env, uint64_t addr)
{
    SMMUv3AuxTxn txn = { .sid = SID, .iova = addr, .is_write = true };
    SMMUv3AuxTxnOut out;
    SMMUv3AuxResult res = smmuv3_aux_ats_translated(&env->t->e, &txn, &out);

    if (res == SMMUV3_AUX_TXN_OK) {
        g_assert_cmphex(out.pa, ==, addr & ~0xfffULL);
        g_assert_true(out.read && out.write);
    }
    return res;
}

static void test_translated(void)
{
    Env env;

    /* ATSCHK = 0: no check of the STE, EATS = 0 passes. */
    env_s1(&env, SMMUV3_AUX_STE_EATS_OFF, PTE_S1_LINUX);
    g_assert_cmpint(translated(&env, PA), ==, SMMUV3_AUX_TXN_OK);
    /* ... but an address above OAS (48) aborts, silently. */
    g_assert_cmpint(translated(&env, 1ULL << 48), ==, SMMUV3_AUX_TXN_ABORT);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    /* ATSCHK = 1: EATS = 0 is F_TRANSL_FORBIDDEN. */
    tsmmu_set_cr0(env.t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK | R_CR0_ATSCHK_MASK);
    g_assert_cmpint(translated(&env, PA), ==, SMMUV3_AUX_TXN_ABORT);
    assert_one_event(&env, EVT(F_TRANSL_FORBIDDEN));
    tsmmu_consume_events(env.t);
    /* EATS = 1: passes. */
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, EATS, 1);
    env_commit(&env);
    g_assert_cmpint(translated(&env, PA), ==, SMMUV3_AUX_TXN_OK);
    /* An abort STE: aborted, no event. */
    env.ste = ste_make(SMMUV3_AUX_STE_CONFIG_ABORT);
    env_commit(&env);
    g_assert_cmpint(translated(&env, PA), ==, SMMUV3_AUX_TXN_ABORT);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    /* SMMUEN = 0: F_TRANSL_FORBIDDEN whatever ATSCHK says. */
    tsmmu_set_cr0(env.t, R_CR0_CMDQEN_MASK | R_CR0_EVENTQEN_MASK);
    g_assert_cmpint(translated(&env, PA), ==, SMMUV3_AUX_TXN_ABORT);
    assert_one_event(&env, EVT(F_TRANSL_FORBIDDEN));
    env_free(&env);
}

/* ---- CMD_ATC_INV and CMD_SYNC ------------------------------------------ */

static SMMUv3AuxCmd atc_inv(uint32_t sid, bool ssv, uint32_t ssid,
                            uint64_t addr, unsigned size)
{
    return cmd_make(SMMUV3_AUX_CMD_ATC_INV,
                    ((uint64_t)sid << 32) | ((uint64_t)ssid << 12) |
                    (ssv ? R_CMD_0_SSV_MASK : 0),
                    addr | size);
}

static uint32_t cons(Env *env)
{
    return reg_r32(env->t, A_CMDQ_CONS);
}

/*
 * ATC_INV is consumed and queued with its span aligned; the CMD_SYNC
 * after it waits until the binding reports the completion.
 */
static void test_atc_inv_sync_waits(void)
{
    SMMUv3AuxCmd cmds[3];
    SMMUv3AuxAtcInv inv[4];
    uint32_t c0;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    c0 = cons(&env);
    cmds[0] = atc_inv(SID, false, 0, 0x12345000, 2);
    cmds[1] = atc_inv(SID, true, 7, 0x8000, 0);
    cmds[2] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env.t, cmds, 3);
    /* CONS sits on the CMD_SYNC. */
    g_assert_cmphex(cons(&env), ==, c0 + 2);
    g_assert_cmpuint(smmuv3_aux_engine_take_atc_invs(&env.t->e, inv, 4), ==,
                     2);
    g_assert_cmphex(inv[0].sid, ==, SID);
    g_assert_false(inv[0].ssv);
    g_assert_cmphex(inv[0].addr, ==, 0x12344000);   /* 16 KiB aligned */
    g_assert_cmpuint(inv[0].size, ==, 2);
    g_assert_true(inv[1].ssv);
    g_assert_cmphex(inv[1].ssid, ==, 7);
    g_assert_cmphex(inv[1].addr, ==, 0x8000);
    /* One completion: still waiting. */
    g_assert_false(smmuv3_aux_engine_atc_inv_done(&env.t->e,
                                                  &env.t->e.cmdq_atc,
                                                  inv[0].epoch));
    smmuv3_aux_engine_cmdq_resume(&env.t->e);
    g_assert_cmphex(cons(&env), ==, c0 + 2);
    /* The last: the queue may go on, and the CMD_SYNC completes. */
    g_assert_true(smmuv3_aux_engine_atc_inv_done(&env.t->e,
                                                 &env.t->e.cmdq_atc,
                                                 inv[1].epoch));
    smmuv3_aux_engine_cmdq_resume(&env.t->e);
    g_assert_cmphex(cons(&env), ==, c0 + 3);
    g_assert_cmphex(reg_r32(env.t, A_GERROR), ==, 0);
    env_free(&env);
}

/*
 * A device that never answers: after the timeout the CMD_SYNC fails with
 * CERROR_ATC_INV_SYNC (CONS on it), and once GERRORN acknowledges the
 * error the retried CMD_SYNC completes; the late answer changes nothing.
 */
static void test_atc_inv_sync_timeout(void)
{
    SMMUv3AuxCmd cmds[2];
    SMMUv3AuxAtcInv inv;
    uint32_t c0, g;
    Env env;

    env_s1(&env, SMMUV3_AUX_STE_EATS_FULL, PTE_S1_LINUX);
    c0 = cons(&env);
    cmds[0] = atc_inv(SID, false, 0, 0, SMMUV3_AUX_ATC_INV_SIZE_ALL);
    cmds[1] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env.t, cmds, 2);
    g_assert_cmpuint(smmuv3_aux_engine_take_atc_invs(&env.t->e, &inv, 1), ==,
                     1);
    g_assert_cmphex(inv.addr, ==, 0);
    g_assert_true(smmuv3_aux_engine_atc_timeout(&env.t->e,
                                                &env.t->e.cmdq_atc));
    smmuv3_aux_engine_cmdq_resume(&env.t->e);
    g_assert_cmphex(FIELD_EX32(cons(&env), CMDQ_CONS, RD), ==, c0 + 1);
    g_assert_cmpuint(FIELD_EX32(cons(&env), CMDQ_CONS, ERR), ==,
                     SMMUV3_AUX_CERROR_ATC_INV_SYNC);
    g = reg_r32(env.t, A_GERROR);
    g_assert_true(g & R_GERROR_CMDQ_ERR_MASK);
    /* The late completion is of a given-up epoch. */
    g_assert_false(smmuv3_aux_engine_atc_inv_done(&env.t->e,
                                                  &env.t->e.cmdq_atc,
                                                  inv.epoch));
    reg_w32(env.t, A_GERRORN, g);
    g_assert_cmphex(FIELD_EX32(cons(&env), CMDQ_CONS, RD), ==, c0 + 2);
    env_free(&env);
}

/* ATC_INV: ILLEGAL without IDR0.ATS or with Size > 52 (4.5.1). */
static void test_atc_inv_illegal(void)
{
    SMMUv3AuxParams p;
    SMMUv3AuxCmd cmd;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.ats = false;
    t = tsmmu_new(&p);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    cmd = atc_inv(SID, false, 0, 0, 0);
    tsmmu_submit(t, &cmd, 1);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_CMDQ_CONS), CMDQ_CONS, ERR), ==,
                     SMMUV3_AUX_CERROR_ILL);
    tsmmu_free(t);

    t = tsmmu_new(NULL);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    cmd = atc_inv(SID, false, 0, 0, 53);
    tsmmu_submit(t, &cmd, 1);
    g_assert_cmpuint(FIELD_EX32(reg_r32(t, A_CMDQ_CONS), CMDQ_CONS, ERR), ==,
                     SMMUV3_AUX_CERROR_ILL);
    g_assert_cmpuint(t->e.n_atc_invs, ==, 0);
    tsmmu_free(t);
}

/*
 * More ATC_INVs than the FIFO holds: the queue pauses on the first that
 * does not fit and goes on once the binding took the others; none lost.
 */
static void test_atc_inv_fifo_full(void)
{
    unsigned n = SMMUV3_AUX_MAX_ATC_INVS + 5, got = 0;
    SMMUv3AuxAtcInv inv[SMMUV3_AUX_MAX_ATC_INVS];
    SMMUv3AuxCmd cmds[SMMUV3_AUX_MAX_ATC_INVS + 5];
    TestSMMU *t = tsmmu_new(NULL);
    uint32_t c0;

    tsmmu_setup_cmdq(t, CMDQ_BASE, 8);
    tsmmu_setup_evtq(t, EVTQ_BASE, 4);
    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK);
    c0 = reg_r32(t, A_CMDQ_CONS);
    for (unsigned i = 0; i < n; i++) {
        cmds[i] = atc_inv(i, false, 0, 0, 0);
    }
    tsmmu_submit(t, cmds, n);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, c0 + SMMUV3_AUX_MAX_ATC_INVS);
    while (got < n) {
        unsigned k = smmuv3_aux_engine_take_atc_invs(&t->e, inv,
                                                     ARRAY_SIZE(inv));

        g_assert_cmpuint(k, >, 0);
        for (unsigned i = 0; i < k; i++) {
            g_assert_cmphex(inv[i].sid, ==, got + i);
        }
        got += k;
        smmuv3_aux_engine_cmdq_resume(&t->e);
    }
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, c0 + n);
    g_assert_cmpuint(t->e.cmdq_atc.outstanding, ==, n);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/ats/treq/success", test_treq_success);
    g_test_add_func("/smmuv3-aux/ats/treq/read-only", test_treq_read_only);
    g_test_add_func("/smmuv3-aux/ats/treq/fault-no-event",
                    test_treq_fault_no_event);
    g_test_add_data_func("/smmuv3-aux/ats/treq/eats-0", GUINT_TO_POINTER(0),
                         test_treq_eats);
    g_test_add_data_func("/smmuv3-aux/ats/treq/eats-split",
                         GUINT_TO_POINTER(2), test_treq_eats);
    g_test_add_data_func("/smmuv3-aux/ats/treq/eats-dpt", GUINT_TO_POINTER(3),
                         test_treq_eats);
    g_test_add_func("/smmuv3-aux/ats/treq/bypass-abort",
                    test_treq_bypass_abort);
    g_test_add_func("/smmuv3-aux/ats/treq/smmuen-off", test_treq_smmuen_off);
    g_test_add_func("/smmuv3-aux/ats/treq/config-error",
                    test_treq_config_error);
    g_test_add_func("/smmuv3-aux/ats/treq/httu", test_treq_httu);
    g_test_add_func("/smmuv3-aux/ats/treq/priv-exe", test_treq_priv_exe);
    g_test_add_func("/smmuv3-aux/ats/translated", test_translated);
    g_test_add_func("/smmuv3-aux/ats/inv/sync-waits",
                    test_atc_inv_sync_waits);
    g_test_add_func("/smmuv3-aux/ats/inv/sync-timeout",
                    test_atc_inv_sync_timeout);
    g_test_add_func("/smmuv3-aux/ats/inv/illegal", test_atc_inv_illegal);
    g_test_add_func("/smmuv3-aux/ats/inv/fifo-full", test_atc_inv_fifo_full);
    return g_test_run();
}
