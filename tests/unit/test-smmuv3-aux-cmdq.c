/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: command queue (cmdq.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define CMDQ_BASE   0x100000ULL
#define EVTQ_BASE   0x200000ULL
#define MSI_ADDR    0x300040ULL

static TestSMMU *cmdq_new(const SMMUv3AuxParams *p, unsigned log2size)
{
    TestSMMU *t = tsmmu_new(p);

    tsmmu_setup_cmdq(t, CMDQ_BASE, log2size);
    reg_w32(t, A_IRQ_CTRL, R_IRQ_CTRL_GERROR_IRQEN_MASK);
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);
    return t;
}

static SMMUv3AuxCmd cfgi_all(void)
{
    return cmd_make(SMMUV3_AUX_CMD_CFGI_STE_RANGE, 0, 31);
}

static SMMUv3AuxCmd sync_none(void)
{
    return cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0);
}

static void test_basic(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c[] = { cfgi_all(), sync_none() };

    tsmmu_submit(t, c, 2);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

static void test_wrap(void)
{
    TestSMMU *t = cmdq_new(NULL, 2);
    SMMUv3AuxCmd c[] = { cfgi_all(), sync_none(), sync_none() };

    tsmmu_submit(t, c, 3);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 3);
    tsmmu_submit(t, c, 3);
    /* 6 entries in a 4-entry queue: index 2, wrap bit (bit 2) set. */
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x6);
    tsmmu_submit(t, c, 3);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    tsmmu_free(t);
}

static void test_prod_jump(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c[16];

    for (int i = 0; i < 16; i++) {
        c[i] = i & 1 ? sync_none() : cfgi_all();
    }
    /* A full queue in one PROD write: PROD = wrap | 0. */
    tsmmu_submit(t, c, 16);
    g_assert_cmphex(reg_r32(t, A_CMDQ_PROD), ==, 0x10);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x10);
    g_assert_cmpuint(t->mem.reads, ==, 16);
    tsmmu_free(t);
}

static void test_prod_beyond_queue(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    unsigned reads;

    for (int i = 0; i < 16; i++) {
        SMMUv3AuxCmd c = sync_none();

        cmd_put(t, CMDQ_BASE, i, c.qw[0], c.qw[1]);
    }
    /*
     * PROD far beyond the queue: only WR[4:0] matter, and one PROD write
     * never consumes more than the queue holds.
     */
    reg_w32(t, A_CMDQ_PROD, 0xfffff);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x10);
    g_assert_cmpuint(t->mem.reads, ==, 16);
    reads = t->mem.reads;
    reg_w32(t, A_CMDQ_PROD, 0xfffff);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x1f);
    g_assert_cmpuint(t->mem.reads - reads, ==, 15);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    tsmmu_free(t);
}

static void test_log2size_capped(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.cmdqs = 7;
    t = cmdq_new(&p, 31);
    /* LOG2SIZE 31 acts as IDR1.CMDQS = 7: 128 entries, wrap at bit 7. */
    g_assert_cmphex(reg_r64(t, A_CMDQ_BASE) & 0x1f, ==, 31);
    for (int i = 0; i < 128; i++) {
        SMMUv3AuxCmd c = sync_none();

        cmd_put(t, CMDQ_BASE, i, c.qw[0], c.qw[1]);
    }
    reg_w32(t, A_CMDQ_PROD, 0x80);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x80);
    g_assert_cmpuint(t->mem.reads, ==, 128);
    tsmmu_free(t);
}

static void test_disabled(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxCmd c[] = { cfgi_all(), sync_none() };

    tsmmu_setup_cmdq(t, CMDQ_BASE, 4);
    tsmmu_submit(t, c, 2);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0);
    g_assert_cmpuint(t->mem.reads, ==, 0);
    /* Enabling the queue consumes what is there. */
    tsmmu_set_cr0(t, R_CR0_CMDQEN_MASK);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
    tsmmu_free(t);
}

/* ---- CMD_SYNC ----------------------------------------------------------- */

static void test_sync_msi_own_slot(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    uint64_t slot = CMDQ_BASE + 16;
    SMMUv3AuxCmd c[] = {
        cfgi_all(),
        cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, slot, 0),
    };

    /* Linux MSIPOLL: MSIData 0 written over the CMD_SYNC's first word. */
    tsmmu_submit(t, c, 2);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
    g_assert_cmphex(mem_read32(t, slot), ==, 0);
    g_assert_cmphex(mem_read32(t, slot + 4), ==, 0);
    g_assert_cmphex(mem_read64(t, slot + 8), ==, slot);
    g_assert_cmphex(t->mem.last_write_addr, ==, slot);
    g_assert_cmpuint(t->mem.last_write_len, ==, 4);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

static void test_sync_msi_data(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c = cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ,
                                   MSI_ADDR | 3, 0xdeadbeef);
    uint8_t bytes[8];

    mem_write64(t, MSI_ADDR, 0x1122334455667788ULL);
    tsmmu_submit(t, &c, 1);
    /* 32-bit little-endian write at MSIAddr[51:2]; the next word intact. */
    mem_read(t, MSI_ADDR, bytes, sizeof(bytes));
    g_assert_cmphex(bytes[0], ==, 0xef);
    g_assert_cmphex(bytes[1], ==, 0xbe);
    g_assert_cmphex(bytes[2], ==, 0xad);
    g_assert_cmphex(bytes[3], ==, 0xde);
    g_assert_cmphex(mem_read32(t, MSI_ADDR + 4), ==, 0x11223344);
    g_assert_cmphex(t->mem.last_write_addr, ==, MSI_ADDR);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

static void test_sync_wired(void)
{
    SMMUv3AuxParams p;
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c = cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, 0, 7);

    /* MSIAddr = 0: the wired CMD_SYNC interrupt instead. */
    tsmmu_submit(t, &c, 1);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==,
                    1u << SMMUV3_AUX_IRQ_CMD_SYNC);
    g_assert_false(req[0].msi);
    g_assert_cmpuint(t->mem.writes, ==, 0);
    tsmmu_free(t);

    /* Without IDR0.MSI, MSIAddr is ignored. */
    smmuv3_aux_params_set_defaults(&p);
    p.msi = false;
    t = cmdq_new(&p, 4);
    c = cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, MSI_ADDR, 7);
    tsmmu_submit(t, &c, 1);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==,
                    1u << SMMUV3_AUX_IRQ_CMD_SYNC);
    g_assert_cmpuint(t->mem.writes, ==, 0);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 1);
    tsmmu_free(t);
}

static void test_sync_sev_none(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c[] = {
        cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, MSI_ADDR, 1),
        cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, MSI_ADDR, 1),
    };

    tsmmu_submit(t, c, 2);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
    g_assert_cmpuint(t->mem.writes, ==, 0);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    tsmmu_free(t);
}

static void test_sync_msi_abort(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c = cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ,
                                   MSI_ADDR, 1);

    mem_fault_write(t, MSI_ADDR, 4);
    tsmmu_submit(t, &c, 1);
    /* The sync completes; the failed MSI is a global error. */
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_MSI_CMDQ_ABT_ERR_MASK);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 1u << SMMUV3_AUX_IRQ_GERROR);
    tsmmu_free(t);
}

/* ---- CERROR ------------------------------------------------------------- */

static void test_cerror_ill_recovery(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c[] = { cfgi_all(), cmd_make(0x00, 0, 0), sync_none() };
    SMMUv3AuxCmd fix = sync_none();
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    tsmmu_submit(t, c, 3);
    /* CONS stays on the bad command, ERR = CERROR_ILL. */
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (1u << 24) | 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 1u << SMMUV3_AUX_IRQ_GERROR);
    g_assert_false(req[0].msi);
    /* Stopped until acknowledged, whatever PROD does. */
    reg_w32(t, A_CMDQ_PROD, 3);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (1u << 24) | 1);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    /* Linux replaces the command with a CMD_SYNC and acks GERRORN. */
    cmd_put(t, CMDQ_BASE, 1, fix.qw[0], fix.qw[1]);
    reg_w32(t, A_GERRORN, reg_r32(t, A_GERROR));
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 3);
    g_assert_cmphex(reg_r32(t, A_GERROR) ^ reg_r32(t, A_GERRORN), ==, 0);
    /* A second error toggles CMDQ_ERR back. */
    c[0] = cmd_make(0xff, 0, 0);
    tsmmu_submit(t, c, 1);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (1u << 24) | 3);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    g_assert_cmphex(reg_r32(t, A_GERRORN), ==, 1);
    tsmmu_free(t);
}

static void test_cerror_abt(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c[] = { cfgi_all(), sync_none(), sync_none() };

    mem_fault_read(t, CMDQ_BASE + 16 + 8, 1);
    tsmmu_submit(t, c, 3);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (2u << 24) | 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    /* Linux just acks CERROR_ABT; the fetch is retried. */
    mem_clear_faults(t);
    reg_w32(t, A_GERRORN, R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 3);
    tsmmu_free(t);
}

static void test_cerror_after_wrap(void)
{
    TestSMMU *t = cmdq_new(NULL, 2);
    SMMUv3AuxCmd c[] = { sync_none(), sync_none(), sync_none(),
                         sync_none() };
    SMMUv3AuxCmd bad[] = { sync_none(), cmd_make(0x09, 0, 0) };

    tsmmu_submit(t, c, 4);
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0x4);
    tsmmu_submit(t, bad, 2);
    /* Error at entry 5 = index 1 with the wrap bit set. */
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (1u << 24) | 0x5);
    tsmmu_free(t);
}

static void test_gerror_msi(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c = cmd_make(0x00, 0, 0);
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    reg_w64(t, A_GERROR_IRQ_CFG0, 0x8000040ULL);
    reg_w32(t, A_GERROR_IRQ_CFG1, 0x77);
    tsmmu_submit(t, &c, 1);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 1u << SMMUV3_AUX_IRQ_GERROR);
    g_assert_true(req[0].msi);
    g_assert_cmphex(req[0].msi_addr, ==, 0x8000040ULL);
    g_assert_cmphex(req[0].msi_data, ==, 0x77);
    tsmmu_free(t);
}

static void test_gerror_irq_disabled(void)
{
    TestSMMU *t = cmdq_new(NULL, 4);
    SMMUv3AuxCmd c = cmd_make(0x00, 0, 0);

    reg_w32(t, A_IRQ_CTRL, 0);
    tsmmu_submit(t, &c, 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

/* ---- Opcodes ------------------------------------------------------------ */

typedef struct OpCase {
    const char *name;
    unsigned opcode;
    uint64_t qw0, qw1;
    int params;         /* 0 default, 1 hyp, 2 no stage 2 */
    SMMUv3AuxCmdError err;
} OpCase;

#define SSEC    R_CMD_0_SSEC_MASK
#define OK      SMMUV3_AUX_CERROR_NONE
#define ILL     SMMUV3_AUX_CERROR_ILL

static const OpCase op_cases[] = {
    { "prefetch-config", 0x01, 5ULL << 32, 0, 0, OK },
    { "prefetch-config-ssec", 0x01, SSEC, 0, 0, ILL },
    { "prefetch-addr", 0x02, 0, 0x1000, 0, OK },
    { "cfgi-ste", 0x03, 5ULL << 32, 1, 0, OK },
    { "cfgi-ste-sid-out-of-range", 0x03, 0xffffffffULL << 32, 1, 0, OK },
    { "cfgi-ste-ssec", 0x03, SSEC, 1, 0, ILL },
    { "cfgi-all", 0x04, 0, 31, 0, OK },
    { "cfgi-ste-range", 0x04, 0x100ULL << 32, 7, 0, OK },
    { "cfgi-ste-range-ssec", 0x04, SSEC, 31, 0, ILL },
    { "cfgi-cd", 0x05, 5ULL << 32, 1, 0, OK },
    { "cfgi-cd-ssec", 0x05, SSEC, 1, 0, ILL },
    { "cfgi-cd-all", 0x06, 5ULL << 32, 0, 0, OK },
    { "cfgi-cd-all-ssec", 0x06, SSEC, 0, 0, ILL },
    { "cfgi-vms-pidm", 0x07, 0, 0, 0, ILL },
    { "tlbi-nh-all", 0x10, 0, 0, 0, OK },
    { "tlbi-nh-asid", 0x11, 1ULL << 48, 0, 0, OK },
    { "tlbi-nh-va", 0x12, 1ULL << 48, 0x1000, 0, OK },
    { "tlbi-nh-vaa", 0x13, 0, 0x1000, 0, OK },
    { "tlbi-el3-all", 0x18, 0, 0, 0, ILL },
    { "tlbi-el3-va", 0x1a, 0, 0, 0, ILL },
    { "tlbi-el2-all-nohyp", 0x20, 0, 0, 0, ILL },
    { "tlbi-el2-asid-nohyp", 0x21, 0, 0, 0, ILL },
    { "tlbi-el2-va-nohyp", 0x22, 0, 0, 0, ILL },
    { "tlbi-el2-vaa-nohyp", 0x23, 0, 0, 0, ILL },
    { "tlbi-el2-all-hyp", 0x20, 0, 0, 1, OK },
    { "tlbi-el2-asid-hyp", 0x21, 0, 0, 1, OK },
    { "tlbi-el2-va-hyp", 0x22, 0, 0, 1, OK },
    { "tlbi-el2-vaa-hyp", 0x23, 0, 0, 1, OK },
    { "tlbi-s12-vmall", 0x28, 1ULL << 32, 0, 0, OK },
    { "tlbi-s2-ipa", 0x2a, 1ULL << 32, 0x1000, 0, OK },
    { "tlbi-s12-vmall-nos2", 0x28, 1ULL << 32, 0, 2, ILL },
    { "tlbi-s2-ipa-nos2", 0x2a, 1ULL << 32, 0x1000, 2, ILL },
    { "tlbi-nsnh-all", 0x30, 0, 0, 0, OK },
    { "atc-inv", 0x40, 5ULL << 32, 52, 0, OK },
    { "pri-resp", 0x41, 5ULL << 32, 0, 0, OK },
    { "resume", 0x44, 5ULL << 32, 0, 0, OK },
    { "stall-term", 0x45, 5ULL << 32, 0, 0, OK },
    { "sync", 0x46, 0, 0, 0, OK },
    { "sync-cs-reserved", 0x46, 3ULL << 12, 0, 0, ILL },
    { "tlbi-s-el2-all", 0x50, 0, 0, 1, ILL },
    { "tlbi-s-el2-asid", 0x51, 0, 0, 1, ILL },
    { "tlbi-s-el2-va", 0x52, 0, 0, 1, ILL },
    { "tlbi-s-el2-vaa", 0x53, 0, 0, 1, ILL },
    { "tlbi-s-s12-vmall", 0x58, 0, 0, 0, ILL },
    { "tlbi-s-s2-ipa", 0x5a, 0, 0, 0, ILL },
    { "tlbi-snh-all", 0x60, 0, 0, 0, ILL },
    { "dpti-all", 0x70, 0, 0, 0, ILL },
    { "dpti-pa", 0x73, 0, 0, 0, ILL },
    { "reserved-00", 0x00, 0, 0, 0, ILL },
    { "reserved-08", 0x08, 0, 0, 0, ILL },
    { "reserved-0f", 0x0f, 0, 0, 0, ILL },
    { "reserved-14", 0x14, 0, 0, 0, ILL },
    { "reserved-19", 0x19, 0, 0, 0, ILL },
    { "reserved-24", 0x24, 0, 0, 0, ILL },
    { "reserved-29", 0x29, 0, 0, 0, ILL },
    { "reserved-31", 0x31, 0, 0, 0, ILL },
    { "reserved-42", 0x42, 0, 0, 0, ILL },
    { "reserved-47", 0x47, 0, 0, 0, ILL },
    { "impdef-80", 0x80, 0, 0, 0, ILL },
    { "impdef-8f", 0x8f, 0, 0, 0, ILL },
    { "reserved-ff", 0xff, 0, 0, 0, ILL },
};

static void test_opcode(const void *opaque)
{
    const OpCase *c = opaque;
    SMMUv3AuxParams p;
    SMMUv3AuxCmd cmd[] = { cmd_make(c->opcode, c->qw0, c->qw1), sync_none() };
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.hyp = c->params == 1;
    p.s2p = c->params != 2;
    t = cmdq_new(&p, 3);
    tsmmu_submit(t, cmd, 2);
    if (c->err == OK) {
        g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 2);
        g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    } else {
        g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, (uint32_t)c->err << 24);
        g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    }
    tsmmu_free(t);
}

static void test_opcode_names(void)
{
    unsigned n = 0;

    for (unsigned op = 0; op < 256; op++) {
        n += smmuv3_aux_cmd_name(op) != NULL;
    }
    g_assert_cmpuint(n, ==, SMMUV3_AUX_CMD_NUM_ARCHITECTED);
    g_assert_cmpstr(smmuv3_aux_cmd_name(0x04), ==, "CMD_CFGI_STE_RANGE");
    g_assert_cmpstr(smmuv3_aux_cmd_name(0x07), ==, "CMD_CFGI_VMS_PIDM");
    g_assert_cmpstr(smmuv3_aux_cmd_name(0x46), ==, "CMD_SYNC");
    g_assert_cmpstr(smmuv3_aux_cmd_name(0x73), ==, "CMD_DPTI_PA");
    g_assert_null(smmuv3_aux_cmd_name(0x1b));
    g_assert_null(smmuv3_aux_cmd_name(256));
}

/* The consumer over a bare queue context, as virtual queues will use it. */
static void test_consume_context(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxCmdQueue q = {
        .name = "test", .base = 0x400000, .log2size = 1,
        .prod = 0x7, .cons = 0x0,
    };
    SMMUv3AuxCmd s = sync_none();

    cmd_put(t, q.base, 0, s.qw[0], s.qw[1]);
    cmd_put(t, q.base, 1, s.qw[0], s.qw[1]);
    /* PROD 0x7 masks to 0x3: three entries, bounded at two per call. */
    g_assert_cmpint(smmuv3_aux_cmdq_consume(&t->e, &q), ==, OK);
    g_assert_cmphex(q.prod, ==, 0x3);
    g_assert_cmphex(q.cons, ==, 0x2);
    g_assert_cmpint(smmuv3_aux_cmdq_consume(&t->e, &q), ==, OK);
    g_assert_cmphex(q.cons, ==, 0x3);
    /* The SMMU registers are untouched. */
    g_assert_cmphex(reg_r32(t, A_CMDQ_CONS), ==, 0);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/cmdq/basic", test_basic);
    g_test_add_func("/smmuv3-aux/cmdq/wrap", test_wrap);
    g_test_add_func("/smmuv3-aux/cmdq/prod-jump", test_prod_jump);
    g_test_add_func("/smmuv3-aux/cmdq/prod-beyond-queue",
                    test_prod_beyond_queue);
    g_test_add_func("/smmuv3-aux/cmdq/log2size-capped",
                    test_log2size_capped);
    g_test_add_func("/smmuv3-aux/cmdq/disabled", test_disabled);
    g_test_add_func("/smmuv3-aux/cmdq/sync-msi-own-slot",
                    test_sync_msi_own_slot);
    g_test_add_func("/smmuv3-aux/cmdq/sync-msi-data", test_sync_msi_data);
    g_test_add_func("/smmuv3-aux/cmdq/sync-wired", test_sync_wired);
    g_test_add_func("/smmuv3-aux/cmdq/sync-sev-none", test_sync_sev_none);
    g_test_add_func("/smmuv3-aux/cmdq/sync-msi-abort", test_sync_msi_abort);
    g_test_add_func("/smmuv3-aux/cmdq/cerror-ill-recovery",
                    test_cerror_ill_recovery);
    g_test_add_func("/smmuv3-aux/cmdq/cerror-abt", test_cerror_abt);
    g_test_add_func("/smmuv3-aux/cmdq/cerror-after-wrap",
                    test_cerror_after_wrap);
    g_test_add_func("/smmuv3-aux/cmdq/gerror-msi", test_gerror_msi);
    g_test_add_func("/smmuv3-aux/cmdq/gerror-irq-disabled",
                    test_gerror_irq_disabled);
    for (int i = 0; i < ARRAY_SIZE(op_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/cmdq/opcode/%s",
                                                op_cases[i].name);
        g_test_add_data_func(path, &op_cases[i], test_opcode);
    }
    g_test_add_func("/smmuv3-aux/cmdq/opcode-names", test_opcode_names);
    g_test_add_func("/smmuv3-aux/cmdq/consume-context",
                    test_consume_context);
    return g_test_run();
}
