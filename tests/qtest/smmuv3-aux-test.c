/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the smmuv3-aux SMMUv3 model on -M virt,iommu=smmuv3-aux.
 *
 * Registers, reset, the CR0/IRQ_CTRL/GBPA handshakes, the GERROR toggle
 * protocol, the command queue (CMD_SYNC MSI completion, CERROR_ILL and
 * recovery as Linux performs it, wrap), the event queue (configuration
 * errors and overflow), the device's properties and the board's DT and
 * ACPI description of it.  DMA is issued by smmuv3-aux-testdev through
 * the libqos fixture (libqos/qos-smmuv3-aux-fixture.h): StreamID 0x20 at
 * 00:04.0, and 0x28 at 00:05.0 where a case needs a second master.
 *
 * The expected register values are the model's documented defaults, in
 * tests/unit/smmuv3-aux-reg-table.h; they are the specification of those
 * defaults.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqos/qos-smmuv3-aux.h"
#include "libqos/qos-smmuv3-aux-fixture.h"
#include "libqos/qos-virt-fw.h"
#include "tests/unit/smmuv3-aux-reg-table.h"

/*
 * ---- Documented defaults of the model (docs/system/arm/smmuv3-aux.rst),
 * shared with the engine unit test: tests/unit/smmuv3-aux-reg-table.h.
 */
static const SMMUv3AuxRegReset regs[] = {
    SMMUV3_AUX_REG_TABLE(SMMUV3_AUX_REG_RESET_ROW)
};

/* The reset value of the register at @off. */
static uint64_t reg_expected_reset(uint64_t off)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(regs); i++) {
        if (regs[i].off == off) {
            return regs[i].reset;
        }
    }
    g_assert_not_reached();
}

/* ---- Machine ------------------------------------------------------------ */

#define PAGE_SIZE_4K        4096ULL

/*
 * The register and queue cases need the SMMU as reset left it, so they
 * start the machine themselves; the DMA cases use the fixture, which
 * brings the SMMU up.
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

/* ---- 6. DMA through the SMMU: configuration errors --------------------- */

/*
 * The fixture's test device is the DMA master: StreamID QSMMU_FIX_SID.
 * Its DMA runs to completion in the CMD write, so a case checks the result
 * right after it.  Faulting DMAs are one aligned access, one record each.
 */
#define DMA_SID             QSMMU_FIX_SID
#define DMA_LEN             64
#define DMA_SEED            0x11000     /* the test device's WRITE pattern */

/*
 * The fixture with @nextra more masters, the SMMU up with a 256-entry
 * linear stream table and SMMUEN = 0; *@tgt is a page of sentinel bytes.
 * False (case skipped) without the test device.
 */
static bool dma_start(QSMMUAuxFix *f, unsigned nextra, uint64_t *tgt)
{
    if (!qsmmu_fix_start(f, "smmuv3-aux", nextra, NULL)) {
        return false;
    }
    *tgt = qsmmu_fix_alloc_sentinel(f, PAGE_SIZE_4K, PAGE_SIZE_4K);
    return true;
}

/* As dma_start, with @ste for the test device and SMMUEN = 1. */
static bool dma_start_with_ste(QSMMUAuxFix *f, const SMMUv3AuxSTE *ste,
                               uint64_t *tgt)
{
    if (!dma_start(f, 0, tgt)) {
        return false;
    }
    qsmmu_aux_write_ste(&f->s, DMA_SID, ste);
    qsmmu_fix_enable(f);
    return true;
}

/* Linear table with LOG2SIZE = 4: SID 0x20 is out of range. */
static void test_dma_bad_streamid(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxSTE ste;
    uint64_t tgt;
    uint32_t sid;

    if (!dma_start(&f, 0, &tgt)) {
        return;
    }
    /* Replace the fixture's table (SMMUEN is still 0), queues too. */
    qsmmu_aux_strtab_linear(s, 4);
    /* Every in-range STE is bypass, so only the range check can fail. */
    qsmmu_aux_ste_bypass(&ste);
    for (sid = 0; sid < 16; sid++) {
        qsmmu_aux_write_ste(s, sid, &ste);
    }
    qsmmu_aux_bringup(s, 3, 3);
    qsmmu_aux_enable(s);

    qsmmu_fix_dma_fails(&f, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 1);
    qsmmu_fix_expect_cfg_event(&f, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0);
    qsmmu_fix_expect_sentinel(&f, tgt, PAGE_SIZE_4K);

    /* Reads are stopped too. */
    qsmmu_fix_dma_fails(&f, true, tgt);
    qsmmu_fix_expect_cfg_event(&f, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0);

    /* CR2.RECINVSID = 0: invalid StreamIDs are terminated, not recorded. */
    g_assert_true(qsmmu_aux_write_cr0(s, R_CR0_CMDQEN_MASK |
                                         R_CR0_EVENTQEN_MASK));
    qsmmu_aux_writel(s, A_CR2, R_CR2_PTM_MASK);
    qsmmu_aux_enable(s);
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    qsmmu_fix_stop(&f);
}

static void test_dma_bypass(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_bypass(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    /* IOVA == PA, in both directions */
    qsmmu_fix_dma_write(&f, tgt + 128, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt + 128, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_sentinel(&f, tgt, 128);
    qsmmu_fix_expect_sentinel(&f, tgt + 128 + DMA_LEN,
                              PAGE_SIZE_4K - 128 - DMA_LEN);
    g_assert_cmphex(qsmmu_fix_dma_read(&f, tgt + 128, DMA_LEN), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, DMA_LEN,
                                           DMA_SEED));
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

static void test_dma_abort(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_abort(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    /* Config = abort: the transaction is terminated, no event recorded. */
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    qsmmu_fix_stop(&f);
}

static void test_dma_ste_invalid(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_invalid(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }

    qsmmu_fix_dma_fails(&f, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(&f.s), ==, 1);
    qsmmu_fix_expect_cfg_event(&f, SMMUV3_AUX_EVT_C_BAD_STE, 0);
    qsmmu_fix_expect_sentinel(&f, tgt, PAGE_SIZE_4K);

    qsmmu_fix_stop(&f);
}

/*
 * STE.Config 0b001..0b011 are Reserved and behave as 0b000 (IHI 0070
 * 5.2): the transaction is aborted and no event is recorded, whatever
 * the other fields hold.
 */
static void test_dma_ste_config_reserved(void)
{
    QSMMUAuxFix f;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    qsmmu_aux_ste_bypass(&ste);
    if (!dma_start_with_ste(&f, &ste, &tgt)) {
        return;
    }
    for (unsigned config = 1; config <= 3; config++) {
        ste.qw[0] = FIELD_DP64(ste.qw[0], STE_0, CONFIG, config);
        qsmmu_fix_ste_update(&f, DMA_SID, &ste);

        qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);
    }

    qsmmu_fix_stop(&f);
}

/* 2-level table as Linux builds it: SPLIT = 8, LOG2SIZE = SIDSIZE = 16. */
static void test_dma_2lvl(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxSTE ste;
    uint64_t tgt;

    if (!dma_start(&f, 0, &tgt)) {
        return;
    }
    /* Replace the fixture's linear table (SMMUEN is still 0). */
    qsmmu_aux_strtab_2lvl(s, 16, 8);
    g_assert_cmphex(qsmmu_aux_readl(s, A_STRTAB_BASE_CFG), ==, 0x10210);
    qsmmu_aux_bringup(s, 3, 3);
    qsmmu_aux_enable(s);

    /* L1STD for SIDs 0..255 is invalid (Span = 0): C_BAD_STREAMID. */
    qsmmu_fix_dma_fails(&f, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 1);
    qsmmu_fix_expect_cfg_event(&f, SMMUV3_AUX_EVT_C_BAD_STREAMID, 0);
    qsmmu_fix_expect_sentinel(&f, tgt, PAGE_SIZE_4K);

    /* Install the L2 table with a bypass STE: the DMA lands at IOVA. */
    qsmmu_aux_strtab_l2_install(s, DMA_SID);
    qsmmu_aux_ste_bypass(&ste);
    qsmmu_fix_ste_update(&f, DMA_SID, &ste);

    qsmmu_fix_dma_write(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_sentinel(&f, tgt + DMA_LEN, PAGE_SIZE_4K - DMA_LEN);
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

/* SMMUEN = 0: GBPA decides; an update takes effect in both directions. */
static void test_dma_gbpa(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    uint64_t tgt;
    uint32_t gbpa;

    if (!dma_start(&f, 0, &tgt)) {              /* SMMUEN stays 0 */
        return;
    }
    gbpa = qsmmu_aux_readl(s, A_GBPA);

    g_assert_true(qsmmu_aux_gbpa_update(s, gbpa | R_GBPA_ABORT_MASK));
    qsmmu_fix_dma_write_dropped(&f, tgt, tgt, PAGE_SIZE_4K);

    g_assert_true(qsmmu_aux_gbpa_update(s, gbpa & ~R_GBPA_ABORT_MASK));
    qsmmu_fix_dma_write(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_pattern(&f, tgt, DMA_LEN, DMA_SEED);
    qsmmu_fix_expect_no_event(&f);

    qsmmu_fix_stop(&f);
}

/* ---- 7. Event queue overflow ------------------------------------------- */

static void test_evtq_overflow(void)
{
    QSMMUAuxFix f;
    QSMMUAux *s = &f.s;
    SMMUv3AuxEvtRecord rec;
    QSMMUAuxTestdev *a, *b;
    const uint32_t sid_a = DMA_SID, sid_b = QSMMU_FIX_EXTRA_SID(0);
    uint64_t tgt;

    if (!dma_start(&f, 1, &tgt)) {
        return;
    }
    a = &f.td;
    b = &f.extra[0];

    /*
     * Empty linear table of 16 STEs: both masters (SIDs 0x20, 0x28) are
     * out of range.  Alternating masters keeps consecutive records
     * different, so no implementation may merge them.
     */
    qsmmu_aux_strtab_linear(s, 4);
    qsmmu_aux_bringup(s, 3, 1);                     /* EVTQ of 2 entries */
    qsmmu_aux_enable(s);

    qsmmu_fix_td_fails(a, false, tgt);
    qsmmu_fix_td_fails(b, false, tgt);
    /* Full: PROD = CONS with the wrap bit flipped, no overflow yet. */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 0x2);

    qsmmu_fix_td_fails(a, false, tgt);              /* dropped */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x2);
    qsmmu_fix_td_fails(b, false, tgt);              /* dropped, no toggle */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x2);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);

    qsmmu_aux_evtq_peek(s, 0, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_a, 0);
    qsmmu_aux_evtq_peek(s, 1, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_b, 0);

    /* Consume both and acknowledge: CONS = 0x2 | OVACKFLG. */
    s->evtq_cons = 0x2;
    qsmmu_aux_evtq_write_cons(s, true);
    g_assert_cmphex(qsmmu_aux_readl(s, A_EVENTQ_CONS), ==,
                    SMMUV3_AUX_Q_OVF | 0x2);

    qsmmu_fix_td_fails(b, false, tgt);              /* slot 0 */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x3);
    qsmmu_fix_td_fails(a, false, tgt);              /* slot 1, full */
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, SMMUV3_AUX_Q_OVF | 0x0);
    qsmmu_aux_evtq_peek(s, 0, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_b, 0);
    qsmmu_aux_evtq_peek(s, 1, &rec);
    qsmmu_fix_check_cfg_record(&rec, SMMUV3_AUX_EVT_C_BAD_STREAMID, sid_a, 0);

    /* Overflow again: the condition was acked, so OVFLG toggles to 0. */
    qsmmu_fix_td_fails(b, false, tgt);
    g_assert_cmphex(qsmmu_aux_evtq_prod(s), ==, 0x0);
    g_assert_cmphex(qsmmu_aux_gerror_active(s), ==, 0);

    qsmmu_fix_expect_sentinel(&f, tgt, PAGE_SIZE_4K);
    qsmmu_fix_stop(&f);
}

/*
 * ---- Properties: each -global arm-smmuv3-aux.<prop> changes exactly the
 * ID register field it is documented to control.
 */
typedef struct PropCase {
    const char *name;
    const char *global;     /* "prop=value" */
    uint64_t reg;
    uint32_t mask;          /* field that must change */
    uint32_t value;         /* its expected value */
} PropCase;

static const PropCase prop_cases[] = {
    { "sid-size", "sid-size=8", A_IDR1, R_IDR1_SIDSIZE_MASK, 8 },
    { "ssidsize", "ssidsize=8", A_IDR1, R_IDR1_SSIDSIZE_MASK,
      8 << R_IDR1_SSIDSIZE_SHIFT },
    /* ssidsize=0 is the no-substream SMMU: no CD2L either. */
    { "ssidsize-0", "ssidsize=0", A_IDR0, R_IDR0_CD2L_MASK, 0 },
    { "cmdqs", "cmdqs=8", A_IDR1, R_IDR1_CMDQS_MASK,
      8 << R_IDR1_CMDQS_SHIFT },
    { "evtqs", "evtqs=3", A_IDR1, R_IDR1_EVENTQS_MASK,
      3 << R_IDR1_EVENTQS_SHIFT },
    { "oas", "oas=40", A_IDR5, R_IDR5_OAS_MASK, SMMUV3_AUX_OAS_40 },
    { "two-level-stream-table", "two-level-stream-table=off", A_IDR0,
      R_IDR0_ST_LEVEL_MASK, 0 },
    { "msi", "msi=off", A_IDR0, R_IDR0_MSI_MASK, 0 },
    { "cohacc", "cohacc=off", A_IDR0, R_IDR0_COHACC_MASK, 0 },
    { "stage1", "stage1=off", A_IDR0, R_IDR0_S1P_MASK, 0 },
    { "stage2", "stage2=off", A_IDR0, R_IDR0_S2P_MASK, 0 },
    { "hyp", "hyp=off", A_IDR0, R_IDR0_HYP_MASK, 0 },
    { "asid16", "asid16=off", A_IDR0, R_IDR0_ASID16_MASK, 0 },
    { "vmid16", "vmid16=off", A_IDR0, R_IDR0_VMID16_MASK, 0 },
    { "ril", "ril=off", A_IDR3, R_IDR3_RIL_MASK, 0 },
    { "had", "had=off", A_IDR3, R_IDR3_HAD_MASK, 0 },
    { "xnx", "xnx=off", A_IDR3, R_IDR3_XNX_MASK, 0 },
    { "fwb", "fwb=off", A_IDR3, R_IDR3_FWB_MASK, 0 },
    { "bbml", "bbml=1", A_IDR3, R_IDR3_BBML_MASK, 1 << R_IDR3_BBML_SHIFT },
    { "gran4k", "gran4k=off", A_IDR5, R_IDR5_GRAN4K_MASK, 0 },
    { "gran16k", "gran16k=off", A_IDR5, R_IDR5_GRAN16K_MASK, 0 },
    { "gran64k", "gran64k=off", A_IDR5, R_IDR5_GRAN64K_MASK, 0 },
};

static void test_prop(const void *opaque)
{
    const PropCase *pc = opaque;
    /*
     * stage1=off needs hyp=off and ssidsize=0: EL2 contexts and substreams
     * are stage-1 contexts.
     */
    const char *extra = !strcmp(pc->name, "stage1") ?
                        " -global arm-smmuv3-aux.hyp=off"
                        " -global arm-smmuv3-aux.ssidsize=0" : "";
    QTestState *qts = qtest_initf(MACHINE_ARGS
                                  " -global arm-smmuv3-aux.%s%s",
                                  pc->global, extra);
    uint32_t got = qtest_readl(qts, QSMMU_AUX_VIRT_BASE + pc->reg);
    uint32_t dflt = reg_expected_reset(pc->reg);

    g_assert_cmphex(got & pc->mask, ==, pc->value);
    if (strcmp(pc->name, "stage1")) {
        /* Nothing else in the register moved. */
        g_assert_cmphex(got & ~pc->mask, ==, dflt & ~pc->mask);
    }
    qtest_quit(qts);
}

/*
 * Properties outside the architecture's range are refused at realize: QEMU
 * exits with an error that names the device, before the guest runs.
 */
static void test_prop_invalid(void)
{
    static const char *const bad[] = {
        "sid-size=0", "sid-size=33", "cmdqs=6", "cmdqs=20", "evtqs=20",
        "oas=47", "bbml=3",
        "gran4k=off -global arm-smmuv3-aux.gran16k=off "
        "-global arm-smmuv3-aux.gran64k=off",
        "stage1=off -global arm-smmuv3-aux.stage2=off",
        "stage1=off -global arm-smmuv3-aux.ssidsize=0", /* hyp needs S1 */
        "stage1=off -global arm-smmuv3-aux.hyp=off", /* ssidsize needs S1 */
        "ssidsize=21",
    };
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    unsigned i;

    g_assert_nonnull(qemu);
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *cmd = g_strdup_printf(
            "%s -machine virt,gic-version=3,iommu=smmuv3-aux -nodefaults "
            "-display none -S -global arm-smmuv3-aux.%s", qemu, bad[i]);
        g_autofree char *err = NULL;
        g_autoptr(GError) gerr = NULL;
        int status;

        g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status,
                                                &gerr));
        g_assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        g_assert_nonnull(strstr(err, "smmuv3-aux"));
    }
}

/*
 * ---- Properties with behaviour: iotlb-size, cfgc-size, utlb.  DMA from
 * smmuv3-aux-testdev through a stage-1 domain (4K granule, one CD), set
 * up by the fixture.  An entry rewritten without its TLBI/CFGI may or may
 * not be used by an SMMU (IHI 0070 3.21: the old one may be cached); this
 * model's answer is deterministic, and it is what each property changes:
 *
 *   IOTLB         a leaf PTE rewritten without TLBI: old page until TLBI;
 *                 iotlb-size=0: the new page at once;
 *   config cache  an STE or CD rewritten without CFGI: old configuration
 *                 until CFGI; cfgc-size=0: the new one at once;
 *   micro-TLB     the utlb-hits/utlb-misses counters of the device's IOMMU
 *                 memory region, and a translation the IOTLB has evicted
 *                 (iotlb-size=1) but the micro-TLB still serves.
 */
/* The IOMMU region of the fixture's test device, 00:04.0 */
#define TD_IOMMU_MR         "smmuv3-aux-iommu-memory-region-root-04.0[0]"
#define S1_IOVA             0x8080600000ULL
#define S1_ASID             1           /* qsmmu_fix_s1_4k()'s */
#define NDATA               3

typedef struct S1Ctx {
    QSMMUAuxFix f;
    QSMMUFixS1 d;               /* the test device's domain */
    uint64_t data[NDATA];       /* page i holds the testdev pattern seed(i) */
} S1Ctx;

static uint32_t data_seed(unsigned i)
{
    return (i + 1) << 12;
}

/* " -global arm-smmuv3-aux.a=x -global arm-smmuv3-aux.b=y" */
static char *globals_args(const char *globals)
{
    g_auto(GStrv) props = g_strsplit(globals, " ", -1);
    GString *args = g_string_new("");
    unsigned i;

    for (i = 0; props[i]; i++) {
        if (*props[i]) {
            g_string_append_printf(args, " -global arm-smmuv3-aux.%s",
                                   props[i]);
        }
    }
    return g_string_free(args, false);
}

/*
 * SMMU with @globals (space-separated prop=value), the testdev's STE a
 * stage-1 domain mapping S1_IOVA -> data[0] and S1_IOVA + 4K -> data[1],
 * caches invalidated, SMMUEN = 1.  False (test skipped) without testdev.
 */
static bool s1_start(S1Ctx *c, const char *globals)
{
    g_autofree char *args = globals_args(globals);
    unsigned i;

    if (!qsmmu_fix_start(&c->f, "smmuv3-aux", 0, args)) {
        return false;
    }
    for (i = 0; i < NDATA; i++) {
        c->data[i] = qsmmu_fix_alloc_data(&c->f, PAGE_SIZE_4K, PAGE_SIZE_4K,
                                          data_seed(i));
    }
    qsmmu_fix_s1_4k(&c->f, &c->d);
    g_assert_cmpuint(c->d.asid, ==, S1_ASID);
    qsmmu_fix_s1_map4k(&c->d, S1_IOVA, c->data[0]);
    qsmmu_fix_s1_map4k(&c->d, S1_IOVA + PAGE_SIZE_4K, c->data[1]);
    qsmmu_fix_enable(&c->f);
    return true;
}

static void s1_stop(S1Ctx *c)
{
    /* Nothing in these tests may fault or raise an error. */
    qsmmu_fix_expect_no_event(&c->f);
    qsmmu_fix_stop(&c->f);
}

/* A 4K READ at @iova must succeed and see data page @i. */
static void s1_expect_page(S1Ctx *c, uint64_t iova, unsigned i)
{
    g_assert_cmphex(qsmmu_fix_dma_read(&c->f, iova, PAGE_SIZE_4K), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE_SIZE_4K,
                                           data_seed(i)));
}

/* Point the leaf of @iova at data page @i, without any TLBI. */
static void s1_remap(S1Ctx *c, uint64_t iova, unsigned i)
{
    qsmmu_fix_s1_map4k(&c->d, iova, c->data[i]);
}

static uint64_t utlb_stat(S1Ctx *c, const char *name)
{
    return qsmmu_fix_qom_uint(c->f.qts, TD_IOMMU_MR, name);
}

typedef struct CacheCase {
    const char *path;
    void (*run)(S1Ctx *c, const struct CacheCase *cc);
    const char *globals;
    /*
     * IOTLB and config cases: the stale entry is still used.  utlb cases:
     * the micro-TLB serves hits.
     */
    bool cached;
} CacheCase;

/* A leaf PTE rewritten without TLBI: IOTLB (and micro-TLB) or a walk. */
static void cache_pte(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    s1_remap(c, S1_IOVA, 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    /* TLBI + CMD_SYNC: every configuration now walks to the new page. */
    qsmmu_aux_cmd_tlbi_nh_va(&cmd, 0, S1_ASID, S1_IOVA, true, 0, 0, 0, 0);
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

/* The STE rewritten to Config = abort without CFGI. */
static void cache_ste(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxSTE ste;
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    qsmmu_aux_ste_abort(&ste);
    qsmmu_aux_write_ste(&c->f.s, QSMMU_FIX_SID, &ste);
    if (cc->cached) {
        s1_expect_page(c, S1_IOVA, 0);
    } else {
        qsmmu_fix_dma_fails(&c->f, true, S1_IOVA);
    }

    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);
    qsmmu_fix_cmd(&c->f, &cmd);
    qsmmu_fix_dma_fails(&c->f, true, S1_IOVA);
}

/*
 * The CD rewritten without CFGI to a new ASID and new tables that map
 * S1_IOVA to data[2].  The new ASID is a different IOTLB tag, so once the
 * new CD is read the IOTLB cannot answer with the old page.
 */
static void cache_cd(S1Ctx *c, const CacheCase *cc)
{
    QSMMUFixS1 d2;
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    /* d2's CD goes over the installed one; its own copy stays unused. */
    qsmmu_fix_s1_init(&c->f, &d2, 12, S1_ASID + 1, 0);
    qsmmu_fix_s1_map4k(&d2, S1_IOVA, c->data[2]);
    c->d.cdv = d2.cdv;
    qsmmu_fix_s1_write_cd(&c->f, &c->d);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);    /* the STE and its CDs */
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

/*
 * utlb: the first READ of a page goes to the engine; repeating it is
 * served by the micro-TLB (hits grow, misses do not), or, with the
 * micro-TLB off, goes to the engine every time (no hit ever).
 */
static void utlb_counters(S1Ctx *c, const CacheCase *cc)
{
    uint64_t misses;
    int i;

    g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);
    s1_expect_page(c, S1_IOVA, 0);
    misses = utlb_stat(c, "utlb-misses");
    g_assert_cmpuint(misses, >, 0);
    g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);

    for (i = 0; i < 4; i++) {
        s1_expect_page(c, S1_IOVA, 0);
    }
    if (cc->cached) {
        g_assert_cmpuint(utlb_stat(c, "utlb-misses"), ==, misses);
        g_assert_cmpuint(utlb_stat(c, "utlb-hits"), >=, 4);
    } else {
        g_assert_cmpuint(utlb_stat(c, "utlb-misses"), >=, misses + 4);
        g_assert_cmpuint(utlb_stat(c, "utlb-hits"), ==, 0);
    }
}

/*
 * utlb with iotlb-size=1: reading S1_IOVA + 4K evicts S1_IOVA from the
 * IOTLB, but not from the micro-TLB, which only an invalidation empties.
 * A PTE rewritten without TLBI is then seen only with the micro-TLB off.
 */
static void utlb_evicted(S1Ctx *c, const CacheCase *cc)
{
    SMMUv3AuxCmd cmd;

    s1_expect_page(c, S1_IOVA, 0);
    s1_expect_page(c, S1_IOVA + PAGE_SIZE_4K, 1);
    s1_remap(c, S1_IOVA, 2);
    s1_expect_page(c, S1_IOVA, cc->cached ? 0 : 2);

    /* Any invalidation drops the micro-TLB (its generation moves). */
    qsmmu_aux_cmd_tlbi_nh_asid(&cmd, 0, S1_ASID + 7);
    qsmmu_fix_cmd(&c->f, &cmd);
    s1_expect_page(c, S1_IOVA, 2);
}

static const CacheCase cache_cases[] = {
    /* iotlb-size */
    { "iotlb-size/default-pte-stale", cache_pte, "", true },
    { "iotlb-size/iotlb-alone-pte-stale", cache_pte, "utlb=off", true },
    { "iotlb-size/0-pte-fresh", cache_pte, "iotlb-size=0", false },
    { "iotlb-size/0-utlb-off-pte-fresh", cache_pte,
      "iotlb-size=0 utlb=off", false },
    /* cfgc-size */
    { "cfgc-size/default-ste-stale", cache_ste, "", true },
    { "cfgc-size/cfgc-alone-ste-stale", cache_ste, "utlb=off", true },
    { "cfgc-size/0-ste-fresh", cache_ste, "cfgc-size=0", false },
    { "cfgc-size/0-utlb-off-ste-fresh", cache_ste,
      "cfgc-size=0 utlb=off", false },
    { "cfgc-size/default-cd-stale", cache_cd, "", true },
    { "cfgc-size/cfgc-alone-cd-stale", cache_cd, "utlb=off", true },
    { "cfgc-size/0-cd-fresh", cache_cd, "cfgc-size=0", false },
    /* utlb */
    { "utlb/on-hits", utlb_counters, "core-tlb=off", true },
    { "utlb/off-no-hits", utlb_counters, "utlb=off", false },
    { "utlb/iotlb-size-0-no-hits", utlb_counters, "iotlb-size=0", false },
    { "utlb/cfgc-size-0-no-hits", utlb_counters, "cfgc-size=0", false },
    { "utlb/on-outlives-iotlb-eviction", utlb_evicted, "iotlb-size=1",
      true },
    { "utlb/off-iotlb-eviction-walks", utlb_evicted,
      "iotlb-size=1 utlb=off", false },
};

static void test_cache_case(const void *opaque)
{
    const CacheCase *cc = opaque;
    S1Ctx c;

    if (!s1_start(&c, cc->globals)) {
        return;
    }
    cc->run(&c, cc);
    s1_stop(&c);
}

/*
 * ---- msi-device-id: the DeviceID the SMMU's own MSIs carry to the ITS
 * (MemTxAttrs.requester_id).  virt sets it, when it has an ITS, to
 * SMMUV3_AUX_VIRT_MSI_DEVICE_ID after creating the device, so it wins
 * over -global, and writes the same value into the SMMU node's DT
 * msi-parent = <&its DeviceID>: the two must agree, or Linux's MSIs for
 * the event queue, GERROR and CMD_SYNC go to a DeviceID it never mapped.
 * (The IORT SMMUv3 node describes the SMMU's interrupts as GSIVs only,
 * as for arm-smmuv3, so ACPI guests use the wired interrupts.)  Without
 * an ITS the board leaves the property alone and emits no msi-parent.
 */

/* QOM path of the board's arm-smmuv3-aux. */
static char *smmu_qom_path(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': "
                           "{'path': '/machine/unattached'}}");
    QListEntry *e;
    char *path = NULL;

    g_assert_true(qdict_haskey(rsp, "return"));
    QLIST_FOREACH_ENTRY(qdict_get_qlist(rsp, "return"), e) {
        QDict *prop = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(prop, "type"), "child<arm-smmuv3-aux>")) {
            g_assert_null(path);
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(prop, "name"));
        }
    }
    qobject_unref(rsp);
    g_assert_nonnull(path);
    return path;
}

static uint32_t smmu_msi_device_id(QTestState *qts)
{
    g_autofree char *path = smmu_qom_path(qts);
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': %s, 'property': 'msi-device-id'}}",
                           path);
    uint32_t v;

    g_assert_true(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

#define USER_MSI_DEVICE_ID  0x1234

/* With the ITS: the board's DeviceID, in the device and in the DT. */
static void test_msi_device_id_its(void)
{
    QTestState *qts = qtest_initf(MACHINE_ARGS " -global arm-smmuv3-aux."
                                  "msi-device-id=%d", USER_MSI_DEVICE_ID);
    g_autofree uint8_t *fdt = qvirt_fw_dtb(qts);
    const uint8_t *msi_parent, *its;
    uint32_t len = 0;

    g_assert_cmphex(smmu_msi_device_id(qts), ==, 0xff00);
    msi_parent = qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "msi-parent",
                                   &len);
    g_assert_nonnull(msi_parent);
    g_assert_cmpuint(len, ==, 8);
    g_assert_cmphex(qvirt_fw_fdt32(msi_parent + 4), ==, 0xff00);
    /* The first cell is the phandle of the ITS. */
    its = qvirt_fw_fdt_find(fdt, "its@", qvirt_fw_fdt32(msi_parent),
                            "compatible", &len);
    g_assert_nonnull(its);
    g_assert_cmpstr((const char *)its, ==, "arm,gic-v3-its");
    qtest_quit(qts);
}

/* Without an ITS the board sets nothing: -global stands, no msi-parent. */
static void test_msi_device_id_no_its(void)
{
    QTestState *qts = qtest_initf(MACHINE_ARGS " -machine its=off "
                                  "-global arm-smmuv3-aux.msi-device-id=%d",
                                  USER_MSI_DEVICE_ID);
    g_autofree uint8_t *fdt = qvirt_fw_dtb(qts);
    uint32_t len = 0;

    g_assert_cmphex(smmu_msi_device_id(qts), ==, USER_MSI_DEVICE_ID);
    g_assert_nonnull(qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "reg",
                                       &len));
    g_assert_null(qvirt_fw_fdt_find(fdt, "smmuv3@9050000", 0, "msi-parent",
                                    &len));
    qtest_quit(qts);
}

/*
 * ---- ACPI: the IORT describes the SMMU like arm-smmuv3's, so ACPI guests
 * find it: an SMMUv3 node (type 4) at the MMIO base with the board's GSIVs,
 * and the root complex's IDs mapped through it.
 */
#define ARM_SPI_BASE_GSIV   32
#define VIRT_SMMU_SPI       74

static void test_acpi_iort(void)
{
    QTestState *qts = qtest_init(MACHINE_ARGS);
    size_t len = 0;
    g_autofree uint8_t *blob = qvirt_fw_cfg_file(qts, "etc/acpi/tables", &len);
    const uint8_t *iort, *node, *smmu = NULL;
    uint32_t tlen, nnodes, i, off;
    bool rc_to_smmu = false;

    g_assert_nonnull(blob);
    iort = qvirt_fw_acpi_table(blob, len, "IORT", &tlen);
    g_assert_nonnull(iort);
    nnodes = ldl_le_p(iort + 36);
    off = ldl_le_p(iort + 40);
    for (i = 0; i < nnodes && off + 16 <= tlen; i++) {
        node = iort + off;
        if (node[0] == 4) {                         /* SMMUv3 */
            smmu = node;
            g_assert_cmphex(ldq_le_p(node + 16), ==, QSMMU_AUX_VIRT_BASE);
            /* COHACC override, as dma-coherent in the DT */
            g_assert_cmphex(ldl_le_p(node + 24) & 1, ==, 1);
            /* HTTU Override [2:1] says what IDR0.HTTU does (no HAFT) */
            g_assert_cmphex(extract32(ldl_le_p(node + 24), 1, 2), ==,
                            MIN(FIELD_EX32(qtest_readl(qts, QSMMU_AUX_VIRT_BASE
                                                       + A_IDR0),
                                           IDR0, HTTU), 2));
            g_assert_cmphex(extract32(ldl_le_p(node + 24), 1, 2), !=, 0);
            /* GSIVs: event, PRI, GERR, Sync */
            g_assert_cmpuint(ldl_le_p(node + 44), ==,
                             ARM_SPI_BASE_GSIV + VIRT_SMMU_SPI);
            g_assert_cmpuint(ldl_le_p(node + 52), ==,
                             ARM_SPI_BASE_GSIV + VIRT_SMMU_SPI + 3);
        } else if (node[0] == 2 && smmu) {          /* root complex */
            uint32_t n = ldl_le_p(node + 8), ref = ldl_le_p(node + 12), j;

            for (j = 0; j < n; j++) {
                /* ID mapping (20 bytes): output reference at +12 */
                if (ldl_le_p(node + ref + j * 20 + 12) == smmu - iort) {
                    rc_to_smmu = true;
                }
            }
        }
        off += lduw_le_p(node + 1);
    }
    g_assert_nonnull(smmu);
    g_assert_true(rc_to_smmu);
    qtest_quit(qts);
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
    qtest_add_func("/smmuv3-aux/dma/bad-streamid", test_dma_bad_streamid);
    qtest_add_func("/smmuv3-aux/dma/bypass", test_dma_bypass);
    qtest_add_func("/smmuv3-aux/dma/abort", test_dma_abort);
    qtest_add_func("/smmuv3-aux/dma/ste-invalid", test_dma_ste_invalid);
    qtest_add_func("/smmuv3-aux/dma/ste-config-reserved",
                   test_dma_ste_config_reserved);
    qtest_add_func("/smmuv3-aux/dma/2lvl", test_dma_2lvl);
    qtest_add_func("/smmuv3-aux/dma/gbpa", test_dma_gbpa);
    qtest_add_func("/smmuv3-aux/evtq/overflow", test_evtq_overflow);
    for (unsigned i = 0; i < ARRAY_SIZE(prop_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/props/%s",
                                                prop_cases[i].name);
        qtest_add_data_func(path, &prop_cases[i], test_prop);
    }
    qtest_add_func("/smmuv3-aux/props/invalid", test_prop_invalid);
    for (unsigned i = 0; i < ARRAY_SIZE(cache_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/props/%s",
                                                cache_cases[i].path);
        qtest_add_data_func(path, &cache_cases[i], test_cache_case);
    }
    qtest_add_func("/smmuv3-aux/board/acpi-iort", test_acpi_iort);
    qtest_add_func("/smmuv3-aux/props/msi-device-id/board-its",
                   test_msi_device_id_its);
    qtest_add_func("/smmuv3-aux/props/msi-device-id/no-its",
                   test_msi_device_id_no_its);

    return g_test_run();
}
