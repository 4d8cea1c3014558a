/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the smmuv3-aux SMMUv3 model on -M virt,iommu=smmuv3-aux.
 *
 * Registers, reset, the CR0/IRQ_CTRL/GBPA handshakes, the GERROR toggle
 * protocol, the command queue (CMD_SYNC MSI completion, CERROR_ILL and
 * recovery as Linux performs it, wrap), each case on a machine of its
 * own with the SMMU as reset left it.  Configuration errors and event
 * queue overflow are smmuv3-aux-evtq-test.c; the device's properties and
 * the board's DT and ACPI description of it smmuv3-aux-props-test.c.
 *
 * The expected register values are the model's documented defaults, in
 * tests/unit/smmuv3-aux-reg-table.h; they are the specification of those
 * defaults.
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qos-smmuv3-aux.h"
#include "libqos/qos-smmuv3-aux-fixture.h"
#include "tests/unit/smmuv3-aux-reg-table.h"

/*
 * ---- Documented defaults of the model (docs/system/arm/smmuv3-aux.rst),
 * shared with the engine unit test: tests/unit/smmuv3-aux-reg-table.h.
 */
static const SMMUv3AuxRegReset regs[] = {
    SMMUV3_AUX_REG_TABLE(SMMUV3_AUX_REG_RESET_ROW)
};

/* ---- Machine ------------------------------------------------------------ */

#define PAGE_SIZE_4K        4096ULL

/*
 * The register and queue cases need the SMMU as reset left it, so they
 * start the machine themselves, without the fixture's bring-up.
 */
typedef struct Ctx {
    QTestState *qts;
    QSMMUAux smmu;
} Ctx;

/* 512 MiB of RAM so that the libqos window 0x48000000-0x50000000 exists. */
#define MACHINE_ARGS \
    "-machine virt,gic-version=3,iommu=smmuv3-aux -cpu max -m 512M " \
    "-nodefaults"

static void ctx_start(Ctx *c)
{
    memset(c, 0, sizeof(*c));
    c->qts = qtest_init(MACHINE_ARGS);
    qsmmu_aux_init(&c->smmu, c->qts, QSMMU_AUX_VIRT_BASE);
}

static void ctx_stop(Ctx *c)
{
    qtest_quit(c->qts);
}

/* A page filled with QSMMU_FIX_SENTINEL, for CMD_SYNC MSI writes. */
static uint64_t alloc_target(Ctx *c)
{
    uint64_t pa = qsmmu_aux_alloc(&c->smmu, PAGE_SIZE_4K, PAGE_SIZE_4K);

    qtest_memset(c->qts, pa, QSMMU_FIX_SENTINEL, PAGE_SIZE_4K);
    return pa;
}

static void assert_untouched(Ctx *c, uint64_t pa, size_t len)
{
    g_autofree uint8_t *got = g_malloc(len);
    g_autofree uint8_t *want = g_malloc(len);

    memset(want, QSMMU_FIX_SENTINEL, len);
    qtest_memread(c->qts, pa, got, len);
    g_assert_cmpmem(got, len, want, len);
}

/* ---- 1. ID registers and reset values ---------------------------------- */

static void test_regs_idr(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    uint32_t idr0, idr1, idr5, aidr;
    unsigned bad = 0;
    size_t i;

    ctx_start(&c);

    /* Report every deviation from the default table, then fail. */
    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        const SMMUv3AuxRegReset *r = &regs[i];
        uint64_t want = r->reset;
        uint64_t got = qsmmu_aux_readl(s, r->off);

        if (r->size == 8) {
            uint64_t q = qsmmu_aux_readq(s, r->off);

            got |= (uint64_t)qsmmu_aux_readl(s, r->off + 4) << 32;
            g_assert_cmphex(q, ==, got);
        }
        if (got != want) {
            g_test_message("%s @0x%05" PRIx64 ": got 0x%" PRIx64
                           ", expected 0x%" PRIx64 " (diff 0x%" PRIx64 ")",
                           r->name, r->off, got, want, got ^ want);
            bad++;
        }
    }
    g_assert_cmpuint(bad, ==, 0);

    /* Architectural invariants, independent of the chosen defaults. */
    idr0 = qsmmu_aux_readl(s, A_IDR0);
    idr1 = qsmmu_aux_readl(s, A_IDR1);
    idr5 = qsmmu_aux_readl(s, A_IDR5);
    aidr = qsmmu_aux_readl(s, A_AIDR);
    /* At least one stage; the AArch64 table format; a defined endianness */
    g_assert_true(FIELD_EX32(idr0, IDR0, S1P) || FIELD_EX32(idr0, IDR0, S2P));
    g_assert_true(FIELD_EX32(idr0, IDR0, TTF) & SMMUV3_AUX_IDR0_TTF_AA64);
    g_assert_cmpuint(FIELD_EX32(idr0, IDR0, TTENDIAN), !=, 1);
    g_assert_cmpuint(FIELD_EX32(idr0, IDR0, ST_LEVEL), <=, 1);
    g_assert_cmpuint(FIELD_EX32(idr0, IDR0, STALL_MODEL), !=, 3);
    /* Linux rejects embedded implementations and queues under 128 cmds */
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, TABLES_PRESET), ==, 0);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, QUEUES_PRESET), ==, 0);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, REL), ==, 0);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, CMDQS), >, 6);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, CMDQS), <=,
                     SMMUV3_AUX_Q_MAX_LOG2SIZE);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, EVENTQS), <=,
                     SMMUV3_AUX_Q_MAX_LOG2SIZE);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, PRIQS), <=,
                     SMMUV3_AUX_Q_MAX_LOG2SIZE);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, SIDSIZE), <=, 32);
    g_assert_cmpuint(FIELD_EX32(idr1, IDR1, SSIDSIZE), <=, 20);
    /* OAS is a defined encoding; at least one granule */
    g_assert_cmpuint(FIELD_EX32(idr5, IDR5, OAS), <=, SMMUV3_AUX_OAS_52);
    g_assert_true(FIELD_EX32(idr5, IDR5, GRAN4K) ||
                  FIELD_EX32(idr5, IDR5, GRAN16K) ||
                  FIELD_EX32(idr5, IDR5, GRAN64K));
    /* SMMUv3.x: ArchMajorRev = 0, bits [31:8] RES0 */
    g_assert_cmpuint(FIELD_EX32(aidr, AIDR, ARCH_MAJOR_REV), ==, 0);
    g_assert_cmphex(aidr & ~0xffu, ==, 0);

    ctx_stop(&c);
}

/* 64-bit registers: 64-bit and 32-bit halves see the same state. */
static void test_regs_64bit(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    uint64_t v = (1ULL << 62) | 0x0000123456789a40ULL;

    ctx_start(&c);

    qsmmu_aux_writeq(s, A_STRTAB_BASE, v);
    g_assert_cmphex(qsmmu_aux_readq(s, A_STRTAB_BASE), ==, v);
    g_assert_cmphex(qsmmu_aux_readl(s, A_STRTAB_BASE), ==, (uint32_t)v);
    g_assert_cmphex(qsmmu_aux_readl(s, A_STRTAB_BASE + 4), ==, v >> 32);

    /* 32-bit writes of each half */
    v = (1ULL << 62) | 0x0000000048000013ULL;
    qsmmu_aux_writel(s, A_CMDQ_BASE, (uint32_t)v);
    qsmmu_aux_writel(s, A_CMDQ_BASE + 4, v >> 32);
    g_assert_cmphex(qsmmu_aux_readq(s, A_CMDQ_BASE), ==, v);

    v = 0x0000000048001000ULL;
    qsmmu_aux_writeq(s, A_GERROR_IRQ_CFG0, v);
    g_assert_cmphex(qsmmu_aux_readq(s, A_GERROR_IRQ_CFG0), ==, v);
    qsmmu_aux_writel(s, A_EVENTQ_IRQ_CFG0 + 4, 0x1);
    qsmmu_aux_writel(s, A_EVENTQ_IRQ_CFG0, 0x48002004);
    g_assert_cmphex(qsmmu_aux_readq(s, A_EVENTQ_IRQ_CFG0), ==,
                    0x0000000148002004ULL);

    ctx_stop(&c);
}

static void snapshot(QSMMUAux *s, uint64_t *out)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        out[i] = regs[i].size == 8 ? qsmmu_aux_readq(s, regs[i].off)
                                   : qsmmu_aux_readl(s, regs[i].off);
    }
}

static void test_regs_reset(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    uint64_t before[ARRAY_SIZE(regs)], after[ARRAY_SIZE(regs)];
    size_t i;

    ctx_start(&c);
    snapshot(s, before);

    /* Junk everywhere software can write. */
    qsmmu_aux_writel(s, A_CR1, QSMMU_AUX_CR1_LINUX);
    qsmmu_aux_writel(s, A_CR2, 0x7);
    qsmmu_aux_writeq(s, A_STRTAB_BASE, (1ULL << 62) | 0x48010000);
    qsmmu_aux_writel(s, A_STRTAB_BASE_CFG, 0x10210);
    qsmmu_aux_writeq(s, A_CMDQ_BASE, (1ULL << 62) | 0x48020000 | 8);
    qsmmu_aux_writel(s, A_CMDQ_PROD, 0);
    qsmmu_aux_writel(s, A_CMDQ_CONS, 0);
    qsmmu_aux_writeq(s, A_EVENTQ_BASE, (1ULL << 62) | 0x48030000 | 7);
    qsmmu_aux_writel(s, A_EVENTQ_PROD, 3);
    qsmmu_aux_writel(s, A_EVENTQ_CONS, 3);
    qsmmu_aux_writeq(s, A_GERROR_IRQ_CFG0, 0x48040000);
    qsmmu_aux_writel(s, A_GERROR_IRQ_CFG1, 0x1234);
    qsmmu_aux_writel(s, A_GERROR_IRQ_CFG2, 0x1);
    qsmmu_aux_writeq(s, A_EVENTQ_IRQ_CFG0, 0x48040040);
    qsmmu_aux_writel(s, A_EVENTQ_IRQ_CFG1, 0x5678);
    qsmmu_aux_writel(s, A_EVENTQ_IRQ_CFG2, 0x1);
    g_assert_true(qsmmu_aux_gbpa_update(s, R_GBPA_ABORT_MASK));
    g_assert_true(qsmmu_aux_write_irq_ctrl(s, 0x5));
    g_assert_true(qsmmu_aux_write_cr0(s, 0x4));

    qtest_system_reset(c.qts);
    snapshot(s, after);

    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        if (after[i] != before[i]) {
            g_test_message("%s: 0x%" PRIx64 " -> 0x%" PRIx64, regs[i].name,
                           before[i], after[i]);
        }
        g_assert_cmphex(after[i], ==, before[i]);
        /* ID registers against the table are /smmuv3-aux/regs/idr's job */
        if (regs[i].off >= A_CR0) {
            g_assert_cmphex(after[i], ==, regs[i].reset);
        }
    }

    ctx_stop(&c);
}

/* ---- 2. CR0/CR0ACK, IRQ_CTRL/IRQ_CTRLACK, GBPA ------------------------- */

static void test_regs_cr0_ack(void)
{
    static const uint32_t cr0_vals[] = { 0x8, 0xc, 0xd, 0x1, 0x5, 0x9, 0x0 };
    static const uint32_t irq_vals[] = { 0x5, 0x1, 0x4, 0x0 };
    Ctx c;
    QSMMUAux *s = &c.smmu;
    size_t i;

    ctx_start(&c);
    qsmmu_aux_strtab_linear(s, 4);
    qsmmu_aux_cmdq_setup(s, 4);
    qsmmu_aux_evtq_setup(s, 4);

    for (i = 0; i < ARRAY_SIZE(cr0_vals); i++) {
        g_assert_true(qsmmu_aux_write_cr0(s, cr0_vals[i]));
        g_assert_cmphex(qsmmu_aux_readl(s, A_CR0), ==, cr0_vals[i]);
        g_assert_cmphex(qsmmu_aux_readl(s, A_CR0ACK), ==, cr0_vals[i]);
    }
    for (i = 0; i < ARRAY_SIZE(irq_vals); i++) {
        g_assert_true(qsmmu_aux_write_irq_ctrl(s, irq_vals[i]));
        g_assert_cmphex(qsmmu_aux_readl(s, A_IRQ_CTRL), ==, irq_vals[i]);
        g_assert_cmphex(qsmmu_aux_readl(s, A_IRQ_CTRLACK), ==, irq_vals[i]);
    }
    /* The ACK registers are read-only. */
    qsmmu_aux_writel(s, A_CR0ACK, 0xc);
    g_assert_cmphex(qsmmu_aux_readl(s, A_CR0ACK), ==, 0);
    qsmmu_aux_writel(s, A_IRQ_CTRLACK, 0x5);
    g_assert_cmphex(qsmmu_aux_readl(s, A_IRQ_CTRLACK), ==, 0);

    ctx_stop(&c);
}

/*
 * GBPA fields whose read-back is IMPLEMENTATION SPECIFIC (zero or the
 * written value) when IDR1.ATTR_TYPES_OVR / ATTR_PERMS_OVR are 0.
 */
static uint32_t gbpa_defined_mask(QSMMUAux *s)
{
    uint32_t idr1 = qsmmu_aux_readl(s, A_IDR1);
    uint32_t mask = ~0u;

    if (!FIELD_EX32(idr1, IDR1, ATTR_TYPES_OVR)) {
        mask &= ~(R_GBPA_MTCFG_MASK | R_GBPA_SHCFG_MASK |
                  R_GBPA_ALLOCCFG_MASK | R_GBPA_MEMATTR_MASK);
    }
    if (!FIELD_EX32(idr1, IDR1, ATTR_PERMS_OVR)) {
        mask &= ~(R_GBPA_INSTCFG_MASK | R_GBPA_PRIVCFG_MASK);
    }
    return mask;
}

static void test_regs_gbpa(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    uint32_t old, mask;

    ctx_start(&c);
    mask = gbpa_defined_mask(s);
    old = qsmmu_aux_readl(s, A_GBPA);
    g_assert_cmphex(old, ==, SMMUV3_AUX_DEV_GBPA_RESET);

    /* Linux's update_gbpa(): old | ABORT | UPDATE; UPDATE self-clears. */
    qsmmu_aux_writel(s, A_GBPA, old | R_GBPA_ABORT_MASK | R_GBPA_UPDATE_MASK);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GBPA) & mask, ==,
                    (old | R_GBPA_ABORT_MASK) & mask);

    /* Without UPDATE the write is IGNORED (the only v3.2+ behaviour). */
    qsmmu_aux_writel(s, A_GBPA, 0);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GBPA) & mask, ==,
                    (old | R_GBPA_ABORT_MASK) & mask);

    g_assert_true(qsmmu_aux_gbpa_update(s, old));
    g_assert_cmphex(qsmmu_aux_readl(s, A_GBPA) & mask, ==, old & mask);

    ctx_stop(&c);
}

/* ---- 3. GERROR/GERRORN toggle protocol --------------------------------- */

static void test_gerror_toggle(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    SMMUv3AuxCmd cmd;
    uint32_t cons, idx;
    uint64_t bad;

    ctx_start(&c);
    qsmmu_aux_bringup(s, 3, 3);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==, 0);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERRORN), ==, 0);

    /* Opcode 0x00 is Reserved: CERROR_ILL. */
    idx = qsmmu_aux_q_idx(s->cmdq_prod, s->cmdq_log2size);
    qsmmu_aux_cmd_raw(&cmd, 0x00);
    bad = qsmmu_aux_cmdq_submit(s, &cmd);
    g_assert_cmphex(bad, ==, qsmmu_aux_cmdq_slot(s, idx));
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, (SMMUV3_AUX_CERROR_ILL << 24) | idx);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERRORN), ==, 0);

    /* GERROR is read-only. */
    qsmmu_aux_writel(s, A_GERROR, 0);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==, R_GERROR_CMDQ_ERR_MASK);

    /*
     * Ack: the queue resumes at CONS, re-reads the same illegal entry and
     * reports it again: GERROR.CMDQ_ERR toggles back to 0 while GERRORN
     * holds 1, so the error is active again with GERROR = 0.
     */
    qsmmu_aux_gerror_ack(s);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERRORN), ==, R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==, 0);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, R_GERROR_CMDQ_ERR_MASK);
    cons = qsmmu_aux_readl(s, A_CMDQ_CONS);
    g_assert_cmphex(cons, ==, (SMMUV3_AUX_CERROR_ILL << 24) | idx);

    /* Fix the entry as Linux does and ack: GERRORN = GERROR = 0. */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_mem_write_qwords(s, bad, cmd.qw, 2);
    qsmmu_aux_gerror_ack(s);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==, 0);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERRORN), ==, 0);
    cons = qsmmu_aux_cmdq_wait(s);
    /* CONS.ERR is UNKNOWN while CMDQ_ERR is not active. */
    g_assert_cmphex(cons & ~R_CMDQ_CONS_ERR_MASK, ==, s->cmdq_prod);
    g_assert_cmphex(s->cmdq_prod, ==, idx + 1);

    ctx_stop(&c);
}

/* ---- 4. CMD_SYNC completion --------------------------------------------- */

static void test_cmdq_sync_msi(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    SMMUv3AuxCmd cmd;
    uint64_t slot, tgt;
    uint8_t got[64], want[64];
    uint64_t qw[2];
    uint32_t cons;

    ctx_start(&c);
    /* Linux issues commands with CMDQEN = 1 and SMMUEN = 0. */
    qsmmu_aux_program_cr12(s);
    qsmmu_aux_cmdq_setup(s, 3);
    g_assert_true(qsmmu_aux_write_cr0(s, R_CR0_CMDQEN_MASK));

    /* MSIPOLL: MSIADDR = the CMD_SYNC's own slot, MSIDATA = 0. */
    slot = qsmmu_aux_cmdq_slot(s, qsmmu_aux_q_idx(s->cmdq_prod,
                                                  s->cmdq_log2size));
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, slot, 0);
    g_assert_cmphex(qsmmu_aux_cmdq_put(s, &cmd), ==, slot);
    g_assert_cmphex(qsmmu_aux_mem_readl(s, slot), !=, 0);
    qsmmu_aux_cmdq_publish(s);
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, 1);
    g_assert_cmphex(qsmmu_aux_mem_readl(s, slot), ==, 0);
    /* Only the first 32-bit word was written. */
    qsmmu_aux_mem_read_qwords(s, slot, qw, 2);
    g_assert_cmphex(qw[0], ==, cmd.qw[0] & ~0xffffffffULL);
    g_assert_cmphex(qw[1], ==, cmd.qw[1]);

    /* MSIADDR elsewhere with a non-zero MSIDATA: one 32-bit LE write. */
    tgt = alloc_target(&c);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, tgt + 8,
                       0xdeadbeef);
    qsmmu_aux_cmdq_submit(s, &cmd);
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, 2);
    memset(want, QSMMU_FIX_SENTINEL, sizeof(want));
    want[8] = 0xef;
    want[9] = 0xbe;
    want[10] = 0xad;
    want[11] = 0xde;
    qtest_memread(c.qts, tgt, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), want, sizeof(want));

    /* CS = NONE and CS = SIG_SEV: completion through CONS only. */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_NONE, tgt + 16,
                       0x12345678);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, tgt + 20,
                       0x9abcdef0);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmdq_publish(s);
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, 4);
    qtest_memread(c.qts, tgt, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), want, sizeof(want));

    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);
    ctx_stop(&c);
}

/* Commands without CMD_SYNC are consumed; PROD/CONS wrap; full queue. */
static void test_cmdq_wrap(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    SMMUv3AuxCmd cmd;
    uint32_t cons;
    int i, j;

    ctx_start(&c);
    qsmmu_aux_program_cr12(s);
    qsmmu_aux_cmdq_setup(s, 2);                     /* 4 entries */
    g_assert_true(qsmmu_aux_write_cr0(s, R_CR0_CMDQEN_MASK));

    for (i = 0; i < 11; i++) {
        qsmmu_aux_cmd_cfgi_ste(&cmd, i);
        qsmmu_aux_cmdq_submit(s, &cmd);
        cons = qsmmu_aux_cmdq_wait(s);
        g_assert_cmphex(cons, ==, qsmmu_aux_q_wrp_idx(s->cmdq_prod, 2));
        g_assert_cmphex(cons, ==, (i + 1) & 7);
    }

    /* A full queue published at once: PROD = CONS with the wrap flipped. */
    for (j = 0; j < 2; j++) {
        for (i = 0; i < 4; i++) {
            qsmmu_aux_cmd_tlbi_nsnh_all(&cmd);
            qsmmu_aux_cmdq_put(s, &cmd);
        }
        g_assert_cmphex(s->cmdq_prod, ==, cons ^ 4);
        qsmmu_aux_cmdq_publish(s);
        cons = qsmmu_aux_cmdq_wait(s);
        g_assert_cmphex(cons, ==, s->cmdq_prod);
    }

    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);
    ctx_stop(&c);
}

/* ---- 5. CERROR_ILL and recovery ---------------------------------------- */

static void test_cmdq_cerror_ill(void)
{
    Ctx c;
    QSMMUAux *s = &c.smmu;
    SMMUv3AuxCmd cmd;
    uint64_t bad, tgt;
    uint32_t cons, gerrorn;

    ctx_start(&c);
    qsmmu_aux_program_cr12(s);
    qsmmu_aux_cmdq_setup(s, 3);
    g_assert_true(qsmmu_aux_write_cr0(s, R_CR0_CMDQEN_MASK));
    tgt = alloc_target(&c);
    gerrorn = qsmmu_aux_readl(s, A_GERRORN);

    qsmmu_aux_cmd_cfgi_all(&cmd);
    qsmmu_aux_cmdq_put(s, &cmd);                    /* 0 */
    qsmmu_aux_cmd_raw(&cmd, 0x7f);                  /* Reserved opcode */
    bad = qsmmu_aux_cmdq_put(s, &cmd);              /* 1 */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, tgt, 0x11111111);
    qsmmu_aux_cmdq_put(s, &cmd);                    /* 2 */
    qsmmu_aux_cmdq_publish(s);

    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, (SMMUV3_AUX_CERROR_ILL << 24) | 1);
    g_assert_cmphex(qsmmu_aux_readl(s, A_GERROR), ==,
                    gerrorn ^ R_GERROR_CMDQ_ERR_MASK);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, R_GERROR_CMDQ_ERR_MASK);
    assert_untouched(&c, tgt, 64);

    /* More commands while the error is active are not consumed. */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, tgt + 4,
                       0x22222222);
    qsmmu_aux_cmdq_submit(s, &cmd);                 /* 3 */
    g_assert_cmphex(qsmmu_aux_readl(s, A_CMDQ_CONS), ==,
                    (SMMUV3_AUX_CERROR_ILL << 24) | 1);
    assert_untouched(&c, tgt, 64);

    /*
     * __arm_smmu_cmdq_skip_err(): overwrite the bad entry with CMD_SYNC
     * (CS = SIG_SEV, MSIADDR = 0), then the GERROR handler writes
     * GERRORN := GERROR.  Consumption resumes at CONS without a PROD write.
     */
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_mem_write_qwords(s, bad, cmd.qw, 2);
    qsmmu_aux_gerror_ack(s);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);
    cons = qsmmu_aux_cmdq_wait(s);
    /* CONS.ERR is UNKNOWN once CMDQ_ERR is no longer active. */
    g_assert_cmphex(cons & ~R_CMDQ_CONS_ERR_MASK, ==, 4);
    g_assert_cmphex(qsmmu_aux_mem_readl(s, tgt), ==, 0x11111111);
    g_assert_cmphex(qsmmu_aux_mem_readl(s, tgt + 4), ==, 0x22222222);
    assert_untouched(&c, tgt + 8, 56);

    /* And the queue keeps working. */
    qsmmu_aux_cmd_tlbi_nsnh_all(&cmd);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_IRQ, tgt + 8,
                       0x33333333);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmdq_publish(s);
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons & ~R_CMDQ_CONS_ERR_MASK, ==, 6);
    g_assert_cmphex(qsmmu_aux_mem_readl(s, tgt + 8), ==, 0x33333333);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);

    ctx_stop(&c);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!qtest_has_machine("virt")) {
        g_test_skip("the virt machine is not available");
        return g_test_run();
    }

    qtest_add_func("/smmuv3-aux/regs/idr", test_regs_idr);
    qtest_add_func("/smmuv3-aux/regs/64bit", test_regs_64bit);
    qtest_add_func("/smmuv3-aux/regs/reset", test_regs_reset);
    qtest_add_func("/smmuv3-aux/regs/cr0-ack", test_regs_cr0_ack);
    qtest_add_func("/smmuv3-aux/regs/gbpa", test_regs_gbpa);
    qtest_add_func("/smmuv3-aux/gerror/toggle", test_gerror_toggle);
    qtest_add_func("/smmuv3-aux/cmdq/sync-msi", test_cmdq_sync_msi);
    qtest_add_func("/smmuv3-aux/cmdq/wrap", test_cmdq_wrap);
    qtest_add_func("/smmuv3-aux/cmdq/cerror-ill", test_cmdq_cerror_ill);
    return g_test_run();
}
