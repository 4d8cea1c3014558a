/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the PRI queue (Arm IHI 0070 chapter 8) and CMD_PRI_RESP
 * (4.5.2): the records software reads, the interrupt condition of
 * SMMU_PRIQ_IRQ_CFG2.LO, the overflow protocol with its automatic
 * responses (8.1), the Response Failure of a disabled queue (8.2), and
 * the PRG Responses the binding is given to send.
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define PRIQ_BASE   0x300000ULL
#define PRIQ_LOG2   2           /* 4 entries */
#define SID         0x42

static TestSMMU *pri_new(const SMMUv3AuxParams *p)
{
    TestSMMU *t = tsmmu_new(p);

    tsmmu_setup_cmdq(t, CMDQ_BASE, 8);
    tsmmu_setup_evtq(t, EVTQ_BASE, 4);
    reg_w64(t, A_PRIQ_BASE, PRIQ_BASE | PRIQ_LOG2);
    reg_w32(t, A_IRQ_CTRL, R_IRQ_CTRL_PRIQ_IRQEN_MASK |
            R_IRQ_CTRL_GERROR_IRQEN_MASK);
    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK |
                  (p && !p->pri ? 0 : R_CR0_PRIQEN_MASK));
    return t;
}

static SMMUv3AuxPriReq ppr(uint16_t prgi, bool last)
{
    return (SMMUv3AuxPriReq) {
        .sid = SID, .addr = 0x12345000 + prgi * 0x1000ULL, .prgi = prgi,
        .last = last, .r = true,
    };
}

static bool priq_irq(TestSMMU *t)
{
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    return tsmmu_take_irqs(t, req) & (1u << SMMUV3_AUX_IRQ_PRIQ);
}

static unsigned take_resps(TestSMMU *t, SMMUv3AuxPriResp *out)
{
    return smmuv3_aux_engine_take_pri_resps(&t->e, out,
                                            SMMUV3_AUX_MAX_PRI_RESPS);
}

static void assert_resp(const SMMUv3AuxPriResp *r, bool ssv, uint32_t ssid,
                        uint16_t prgi, uint8_t code)
{
    g_assert_cmphex(r->sid, ==, SID);
    g_assert_cmpint(r->ssv, ==, ssv);
    g_assert_cmphex(r->ssid, ==, ssid);
    g_assert_cmphex(r->prgi, ==, prgi);
    g_assert_cmphex(r->code, ==, code);
}

/* A PPR with a PASID becomes the record of chapter 8, bit for bit. */
static void test_record(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxPriReq req = {
        .sid = SID, .ssid = 0xabcde, .ssv = true, .addr = 0xfedcba987654321ULL,
        .prgi = 0x1ab, .last = true, .r = true, .w = true, .exec = true,
        .priv = true,
    };

    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmphex(mem_read64(t, PRIQ_BASE), ==,
                    SID | 0xabcdeULL << 32 | 0x1fULL << 58 | 1ULL << 63);
    g_assert_cmphex(mem_read64(t, PRIQ_BASE + 8), ==,
                    0x1ab | 0xfedcba987654000ULL);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 1);
    g_assert_true(priq_irq(t));
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    /* Without a PASID, X and Priv are 0 whatever the device said. */
    req.ssv = false;
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmphex(mem_read64(t, PRIQ_BASE + 16), ==,
                    SID | 0x7ULL << 60);
    tsmmu_free(t);
}

/*
 * SMMU_PRIQ_IRQ_CFG2.LO = 0: an interrupt when the queue goes from empty
 * to non-empty only; LO = 1: for each PPR with Last.
 */
static void test_irq_lo(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriReq r0 = ppr(1, false), r1 = ppr(1, true);

    smmuv3_aux_pri_request(&t->e, &r0);
    g_assert_true(priq_irq(t));
    smmuv3_aux_pri_request(&t->e, &r1);
    g_assert_false(priq_irq(t));
    reg_w32(t, A_PRIQ_CONS, 2);
    reg_w32(t, A_PRIQ_IRQ_CFG2, R_PRIQ_IRQ_CFG2_LO_MASK);
    smmuv3_aux_pri_request(&t->e, &r0);
    g_assert_false(priq_irq(t));
    smmuv3_aux_pri_request(&t->e, &r1);
    g_assert_true(priq_irq(t));
    tsmmu_free(t);
}

/*
 * 8.1: a PPR that finds the queue full toggles PROD.OVFLG; while the
 * overflow is active nothing is written, PPRs with Last get an automatic
 * Success (with their PASID: IDR3.PPS = 1), others and Stop Markers are
 * dropped silently.  Acknowledging with CONS.OVACKFLG lets records in
 * again.
 */
static void test_overflow(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxPriReq req, stop = {
        .sid = SID, .ssv = true, .ssid = 7, .last = true,
    };
    uint32_t prod;

    for (unsigned i = 0; i < 4; i++) {
        req = ppr(i, false);
        smmuv3_aux_pri_request(&t->e, &req);
    }
    prod = reg_r32(t, A_PRIQ_PROD);
    g_assert_cmphex(prod, ==, 4);          /* full: WR wrapped */
    req = ppr(9, true);
    req.ssv = true;
    req.ssid = 0x55;
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, prod | SMMUV3_AUX_Q_OVF);
    g_assert_cmpuint(take_resps(t, resp), ==, 1);
    assert_resp(&resp[0], true, 0x55, 9, SMMUV3_AUX_PRG_SUCCESS);
    req = ppr(10, false);
    smmuv3_aux_pri_request(&t->e, &req);
    smmuv3_aux_pri_request(&t->e, &stop);
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    /* Still active after CONS moves without the acknowledgement. */
    reg_w32(t, A_PRIQ_CONS, 4);
    req = ppr(11, true);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmpuint(take_resps(t, resp), ==, 1);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, prod | SMMUV3_AUX_Q_OVF);
    /* Acknowledged: the next one is written, OVFLG stays as it is. */
    reg_w32(t, A_PRIQ_CONS, 4 | SMMUV3_AUX_Q_OVF);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 5 | SMMUV3_AUX_Q_OVF);
    g_assert_cmphex(mem_read64(t, PRIQ_BASE + 8), ==, 11 | req.addr);
    tsmmu_free(t);
}

/*
 * 8.2: with PRIQEN = 0, SMMUEN = 0, or PRIQ_ABT_ERR active, every PPR gets
 * a Response Failure without a PASID and nothing is written; a Stop
 * Marker gets nothing.
 */
static void test_disabled(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxPriReq req = ppr(3, false), stop = {
        .sid = SID, .ssv = true, .ssid = 7, .last = true,
    };

    req.ssv = true;
    req.ssid = 0x99;
    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK);
    smmuv3_aux_pri_request(&t->e, &req);
    smmuv3_aux_pri_request(&t->e, &stop);
    tsmmu_set_cr0(t, R_CR0_PRIQEN_MASK | R_CR0_CMDQEN_MASK);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmpuint(take_resps(t, resp), ==, 2);
    assert_resp(&resp[0], false, 0, 3, SMMUV3_AUX_PRG_FAILURE);
    assert_resp(&resp[1], false, 0, 3, SMMUV3_AUX_PRG_FAILURE);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 0);
    g_assert_false(priq_irq(t));
    tsmmu_free(t);
}

/*
 * A write to the queue that aborts: GERROR.PRIQ_ABT_ERR and a Response
 * Failure for that PPR (a synchronous abort, 8.2); then every PPR is
 * refused until software acknowledges the error.
 */
static void test_abort(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxPriReq req = ppr(4, true);

    mem_fault_write(t, PRIQ_BASE, 16 << PRIQ_LOG2);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_PRIQ_ABT_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 0);
    mem_clear_faults(t);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmpuint(take_resps(t, resp), ==, 2);
    assert_resp(&resp[1], false, 0, 4, SMMUV3_AUX_PRG_FAILURE);
    reg_w32(t, A_GERRORN, R_GERROR_PRIQ_ABT_ERR_MASK);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 1);
    tsmmu_free(t);
}

static SMMUv3AuxCmd pri_resp_cmd(bool ssv, uint32_t ssid, uint16_t prgi,
                                 unsigned resp)
{
    return cmd_make(SMMUV3_AUX_CMD_PRI_RESP,
                    (uint64_t)SID << 32 | (uint64_t)ssid << 12 |
                    (ssv ? R_CMD_0_SSV_MASK : 0),
                    prgi | (uint64_t)resp << 12);
}

/*
 * CMD_PRI_RESP: Resp 0b00/0b01/0b10 are Response Failure, Invalid
 * Request and Success for the StreamID, PASID and PRGIndex given;
 * 0b11 is ILLEGAL; with SMMUEN = 0 the command is IGNORED.
 */
static void test_resp_cmd(void)
{
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxCmd cmds[3] = {
        pri_resp_cmd(false, 0, 0x1ff, 0), pri_resp_cmd(true, 0x321, 2, 1),
        pri_resp_cmd(true, 0x4, 3, 2),
    };

    tsmmu_submit(t, cmds, 3);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 3);
    g_assert_cmpuint(take_resps(t, resp), ==, 3);
    assert_resp(&resp[0], false, 0, 0x1ff, SMMUV3_AUX_PRG_FAILURE);
    assert_resp(&resp[1], true, 0x321, 2, SMMUV3_AUX_PRG_INVALID);
    assert_resp(&resp[2], true, 0x4, 3, SMMUV3_AUX_PRG_SUCCESS);
    cmds[0] = pri_resp_cmd(false, 0, 1, 3);
    tsmmu_submit(t, cmds, 1);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==,
                    3 | SMMUV3_AUX_CERROR_ILL << 24);
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    tsmmu_free(t);

    t = pri_new(NULL);
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);
    tsmmu_submit(t, cmds + 1, 2);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    tsmmu_free(t);
}

/*
 * More responses than the FIFO holds: the command queue stops on the
 * CMD_PRI_RESP that does not fit and goes on once the binding took the
 * others; none is lost, and they stay in order.
 */
static void test_resp_fifo_full(void)
{
    enum { N = SMMUV3_AUX_MAX_PRI_RESPS + 3 };
    TestSMMU *t = pri_new(NULL);
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxCmd cmds[N];
    unsigned got = 0;

    for (unsigned i = 0; i < N; i++) {
        cmds[i] = pri_resp_cmd(false, 0, i, 2);
    }
    tsmmu_submit(t, cmds, N);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, SMMUV3_AUX_MAX_PRI_RESPS);
    while (got < N) {
        unsigned k = take_resps(t, resp);

        g_assert_cmpuint(k, >, 0);
        for (unsigned i = 0; i < k; i++) {
            g_assert_cmphex(resp[i].prgi, ==, got + i);
        }
        got += k;
        smmuv3_aux_engine_cmdq_resume(&t->e);
    }
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, N);
    tsmmu_free(t);
}

/* pri = false: CMD_PRI_RESP is ILLEGAL and a PPR goes nowhere. */
static void test_no_pri(void)
{
    SMMUv3AuxPriResp resp[SMMUV3_AUX_MAX_PRI_RESPS];
    SMMUv3AuxPriReq req = ppr(1, true);
    SMMUv3AuxCmd cmd = pri_resp_cmd(false, 0, 1, 2);
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.pri = false;
    t = pri_new(&p);
    smmuv3_aux_pri_request(&t->e, &req);
    g_assert_cmpuint(take_resps(t, resp), ==, 0);
    tsmmu_submit(t, &cmd, 1);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==,
                    SMMUV3_AUX_CERROR_ILL << 24);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/pri/record", test_record);
    g_test_add_func("/smmuv3-aux/pri/irq-lo", test_irq_lo);
    g_test_add_func("/smmuv3-aux/pri/overflow", test_overflow);
    g_test_add_func("/smmuv3-aux/pri/disabled", test_disabled);
    g_test_add_func("/smmuv3-aux/pri/abort", test_abort);
    g_test_add_func("/smmuv3-aux/pri/resp-cmd", test_resp_cmd);
    g_test_add_func("/smmuv3-aux/pri/resp-fifo-full", test_resp_fifo_full);
    g_test_add_func("/smmuv3-aux/pri/no-pri", test_no_pri);
    return g_test_run();
}
