/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: the Stall fault model (stall.c, IHI 0070
 * 3.12.2), CMD_RESUME and CMD_STALL_TERM (4.7): the record of a stall
 * (Stall, STAG), each way a stall ends (Retry, Terminate with abort or
 * RAZ/WI, STALL_TERM, SMMUEN cleared, reset), RESUMEs that match nothing,
 * a queue that cannot take the record yet, and the limits.
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
    ste_write(env->t, STRTAB + (SID + 1) * 64, &env->ste);
    cd_write(env->t, CD_ADDR, &env->cd);
    cmds[0] = cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31);
    cmds[1] = cmd_make(SMMUV3_AUX_CMD_TLBI_NSNH_ALL, 0, 0);
    cmds[2] = cmd_sync_make(0, 0, 0);
    tsmmu_submit(env->t, cmds, 3);
}

/* Stage 1 as Linux sets it up for a dma-can-stall master: CD.S = 1. */
static void env_init(Env *env, const SMMUv3AuxParams *p)
{
    env->t = tsmmu_new(p);
    tsmmu_setup_strtab_linear(env->t, STRTAB, 4);
    tsmmu_enable_all(env->t, CMDQ_BASE, EVTQ_BASE);
    tpt_pool_init(env->t, POOL);
    env->root = tpt_alloc(env->t);
    env->ste = ste_make_s1(CD_ADDR);
    env->cd = cd_make_linux(env->t, env->root, ASID);
    env->cd.qw[0] = FIELD_DP64(env->cd.qw[0], CD_0, S, 1);
    env_commit(env);
}

static SMMUv3AuxResult txn(Env *env, uint32_t sid, uint64_t iova,
                           bool can_stall, SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxTxn t = {
        .sid = sid, .iova = iova, .is_write = true, .can_stall = can_stall,
    };

    return smmuv3_aux_translate(&env->t->e, &t, out);
}

/* The stall's record: F_TRANSLATION, Stall = 1 and its STAG. */
static uint16_t stall_record(Env *env, uint32_t idx, uint32_t sid,
                             uint64_t iova)
{
    SMMUv3AuxEvtRecord rec;

    tsmmu_event(env->t, idx, &rec);
    g_assert_cmphex(FIELD_EX64(rec.qw[0], EVT_0, EVENTID), ==,
                    SMMUV3_AUX_EVT_F_TRANSLATION);
    g_assert_cmphex(FIELD_EX64(rec.qw[0], EVT_0, SID), ==, sid);
    g_assert_true(FIELD_EX64(rec.qw[1], EVT_1, STALL));
    g_assert_cmphex(rec.qw[2], ==, iova);
    return FIELD_EX64(rec.qw[1], EVT_1, STAG);
}

static SMMUv3AuxCmd resume(uint32_t sid, uint16_t stag, unsigned resp)
{
    return cmd_make(SMMUV3_AUX_CMD_RESUME,
                    (uint64_t)sid << 32 | (uint64_t)resp << 12, stag);
}

static void submit1(Env *env, SMMUv3AuxCmd cmd)
{
    tsmmu_submit(env->t, &cmd, 1);
}

static SMMUv3AuxStallState state(Env *env, uint32_t h)
{
    return smmuv3_aux_stall_state(&env->t->e, h);
}

/*
 * A fault at a stage with CD.S = 1 stalls: one record with Stall = 1 and
 * a STAG; after the page is mapped, CMD_RESUME(Retry) lets the
 * transaction translate again as though it had just arrived.
 */
static void test_retry(void)
{
    SMMUv3AuxTxnOut out;
    uint16_t stag;
    Env env;

    env_init(&env, NULL);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_STALL);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    stag = stall_record(&env, 0, SID, IOVA);
    g_assert_cmpint(state(&env, out.stall), ==, SMMUV3_AUX_STALL_STALLED);
    tpt_map(env.t, env.root, 48, IOVA, PA, PTE_S1_LINUX, 3);
    submit1(&env, resume(SID, stag, 1));
    g_assert_cmpint(state(&env, out.stall), ==, SMMUV3_AUX_STALL_RETRY);
    smmuv3_aux_stall_free(&env.t->e, out.stall);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==, SMMUV3_AUX_TXN_OK);
    g_assert_cmphex(out.pa, ==, PA);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 1);
    tsmmu_free(env.t);
}

/*
 * CMD_RESUME(Terminate): Ab = 1 aborts, Ab = 0 completes with RAZ/WI
 * (TERM_MODEL = 0).  A RESUME with another StreamID, a stale STAG, or
 * for a transaction already resumed does nothing.
 */
static void test_terminate(void)
{
    SMMUv3AuxTxnOut a, b;
    uint16_t sa, sb;
    Env env;

    env_init(&env, NULL);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &a), ==, SMMUV3_AUX_TXN_STALL);
    g_assert_cmpint(txn(&env, SID, IOVA + 0x1000, true, &b), ==,
                    SMMUV3_AUX_TXN_STALL);
    sa = stall_record(&env, 0, SID, IOVA);
    sb = stall_record(&env, 1, SID, IOVA + 0x1000);
    g_assert_cmphex(sa, !=, sb);
    submit1(&env, resume(SID + 1, sa, 2));          /* wrong StreamID */
    submit1(&env, resume(SID, sa ^ 0x40, 2));       /* stale STAG */
    g_assert_cmpint(state(&env, a.stall), ==, SMMUV3_AUX_STALL_STALLED);
    submit1(&env, resume(SID, sa, 2));
    submit1(&env, resume(SID, sb, 0));
    g_assert_cmpint(state(&env, a.stall), ==, SMMUV3_AUX_STALL_ABORT);
    g_assert_cmpint(state(&env, b.stall), ==, SMMUV3_AUX_STALL_RAZWI);
    submit1(&env, resume(SID, sb, 1));              /* already resumed */
    g_assert_cmpint(state(&env, b.stall), ==, SMMUV3_AUX_STALL_RAZWI);
    g_assert_cmphex(reg_r32(env.t, A_GERROR), ==, 0);
    tsmmu_free(env.t);
}

/*
 * CMD_STALL_TERM aborts every stalled transaction of its StreamID and
 * no other; clearing SMMUEN aborts all of them, as does a reset.
 */
static void test_stall_term_smmuen_reset(void)
{
    SMMUv3AuxTxnOut a, b, c;
    Env env;

    env_init(&env, NULL);
    txn(&env, SID, IOVA, true, &a);
    txn(&env, SID, IOVA + 0x1000, true, &b);
    txn(&env, SID + 1, IOVA, true, &c);
    submit1(&env, cmd_make(SMMUV3_AUX_CMD_STALL_TERM, (uint64_t)SID << 32, 0));
    g_assert_cmpint(state(&env, a.stall), ==, SMMUV3_AUX_STALL_ABORT);
    g_assert_cmpint(state(&env, b.stall), ==, SMMUV3_AUX_STALL_ABORT);
    g_assert_cmpint(state(&env, c.stall), ==, SMMUV3_AUX_STALL_STALLED);
    tsmmu_set_cr0(env.t, R_CR0_CMDQEN_MASK | R_CR0_EVENTQEN_MASK);
    g_assert_cmpint(state(&env, c.stall), ==, SMMUV3_AUX_STALL_ABORT);
    smmuv3_aux_stall_free(&env.t->e, c.stall);
    tsmmu_set_cr0(env.t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK);
    txn(&env, SID, IOVA + 0x2000, true, &c);
    g_assert_cmpint(state(&env, c.stall), ==, SMMUV3_AUX_STALL_STALLED);
    smmuv3_aux_engine_reset(&env.t->e);
    g_assert_cmpint(state(&env, c.stall), ==, SMMUV3_AUX_STALL_ABORT);
    tsmmu_free(env.t);
}

/*
 * A parked stall (its requester set it aside across a VM stop) keeps its
 * slot, STAG and state: a CMD_RESUME still finds it, a fault meanwhile
 * takes another slot, and neither a reset nor SMMUEN = 0 frees it (they
 * abort it for the requester to see).  Only a stall that is not over can
 * be parked; freeing clears the mark.
 */
static void test_parked(void)
{
    SMMUv3AuxEngine *e;
    SMMUv3AuxTxnOut a, b;
    uint16_t stag;
    Env env;

    env_init(&env, NULL);
    e = &env.t->e;
    g_assert_false(smmuv3_aux_stall_set_parked(e, 0, true));   /* free */
    g_assert_false(smmuv3_aux_stall_set_parked(e, 1000, true));
    txn(&env, SID, IOVA, true, &a);
    stag = stall_record(&env, 0, SID, IOVA);
    g_assert_true(smmuv3_aux_stall_set_parked(e, a.stall, true));
    g_assert_false(smmuv3_aux_stall_set_parked(e, a.stall, true));
    g_assert_true(smmuv3_aux_stall_is_parked(e, a.stall));
    g_assert_cmpint(txn(&env, SID, IOVA + 0x1000, true, &b), ==,
                    SMMUV3_AUX_TXN_STALL);
    g_assert_cmpuint(b.stall, !=, a.stall);
    submit1(&env, resume(SID, stag, 1));
    g_assert_cmpint(state(&env, a.stall), ==, SMMUV3_AUX_STALL_RETRY);
    g_assert_true(smmuv3_aux_stall_is_parked(e, a.stall));
    g_assert_true(smmuv3_aux_stall_set_parked(e, a.stall, false));
    smmuv3_aux_stall_free(e, a.stall);
    g_assert_false(smmuv3_aux_stall_is_parked(e, a.stall));

    g_assert_true(smmuv3_aux_stall_set_parked(e, b.stall, true));
    smmuv3_aux_engine_reset(e);
    g_assert_cmpint(state(&env, b.stall), ==, SMMUV3_AUX_STALL_ABORT);
    g_assert_true(smmuv3_aux_stall_is_parked(e, b.stall));
    smmuv3_aux_stall_free(e, b.stall);
    g_assert_false(smmuv3_aux_stall_is_parked(e, b.stall));
    g_assert_cmpint(state(&env, b.stall), ==, SMMUV3_AUX_STALL_FREE);
    tsmmu_free(env.t);
}

/*
 * A transaction the requester cannot hold (can_stall = 0), STE.S1STALLD,
 * and the 65th stall terminate as under the Terminate model.
 */
static void test_not_held(void)
{
    SMMUv3AuxTxnOut out;
    SMMUv3AuxEvtRecord rec;
    Env env;

    env_init(&env, NULL);
    g_assert_cmpint(txn(&env, SID, IOVA, false, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    tsmmu_event(env.t, 0, &rec);
    g_assert_false(FIELD_EX64(rec.qw[1], EVT_1, STALL));
    for (unsigned i = 0; i < SMMUV3_AUX_MAX_STALLS; i++) {
        g_assert_cmpint(txn(&env, SID, IOVA + i * 0x1000ULL, true, &out), ==,
                        SMMUV3_AUX_TXN_STALL);
    }
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    tsmmu_free(env.t);

    env_init(&env, NULL);
    env.ste.qw[1] = FIELD_DP64(env.ste.qw[1], STE_1, S1STALLD, 1);
    env_commit(&env);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_ABORT);
    tsmmu_free(env.t);
}

/*
 * The event queue cannot take the record (disabled): the transaction is
 * held without one and retried once the queue is enabled (3.12.2).
 */
static void test_wait_evtq(void)
{
    SMMUv3AuxTxnOut out;
    Env env;

    env_init(&env, NULL);
    tsmmu_set_cr0(env.t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_STALL);
    g_assert_cmpint(state(&env, out.stall), ==, SMMUV3_AUX_STALL_WAIT_EVTQ);
    tsmmu_set_cr0(env.t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK);
    g_assert_cmpint(state(&env, out.stall), ==, SMMUV3_AUX_STALL_RETRY);
    g_assert_cmpuint(tsmmu_n_events(env.t), ==, 0);
    smmuv3_aux_stall_free(&env.t->e, out.stall);
    g_assert_cmpint(txn(&env, SID, IOVA, true, &out), ==,
                    SMMUV3_AUX_TXN_STALL);
    stall_record(&env, 0, SID, IOVA);
    tsmmu_free(env.t);
}

/* STALL_MODEL = 0b01: CMD_RESUME and CMD_STALL_TERM are ILLEGAL. */
static void test_no_stall_model(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;
    SMMUv3AuxCmd cmd = resume(SID, 0, 1);

    smmuv3_aux_params_set_defaults(&p);
    p.stall_model = SMMUV3_AUX_IDR0_STALL_NONE;
    t = tsmmu_new(&p);
    tsmmu_enable_all(t, CMDQ_BASE, EVTQ_BASE);
    tsmmu_submit(t, &cmd, 1);
    g_assert_cmphex(FIELD_EX32(reg_r32(t, A_CMDQ_CONS), CMDQ_CONS, ERR), ==,
                    SMMUV3_AUX_CERROR_ILL);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/stall/retry", test_retry);
    g_test_add_func("/smmuv3-aux/stall/terminate", test_terminate);
    g_test_add_func("/smmuv3-aux/stall/term-smmuen-reset",
                    test_stall_term_smmuen_reset);
    g_test_add_func("/smmuv3-aux/stall/not-held", test_not_held);
    g_test_add_func("/smmuv3-aux/stall/wait-evtq", test_wait_evtq);
    g_test_add_func("/smmuv3-aux/stall/parked", test_parked);
    g_test_add_func("/smmuv3-aux/stall/no-stall-model", test_no_stall_model);
    return g_test_run();
}
