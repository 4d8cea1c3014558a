/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver for the smmuv3-aux SMMUv3 model, for plain qtests.
 *
 * See qos-smmuv3-aux.h.  Layouts follow Arm IHI 0070 through
 * hw/arm/smmuv3-aux-common.h; the bring-up order follows what the Linux
 * arm-smmu-v3 driver does in arm_smmu_device_reset().
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "libqtest.h"
#include "standard-headers/linux/pci_regs.h"
#include "qos-smmuv3-aux.h"

void qsmmu_aux_init(QSMMUAux *s, QTestState *qts, uint64_t base)
{
    memset(s, 0, sizeof(*s));
    s->qts = qts;
    s->base = base;
    s->alloc_next = QSMMU_AUX_ALLOC_START;
    s->alloc_end = QSMMU_AUX_ALLOC_END;
}

uint64_t qsmmu_aux_alloc(QSMMUAux *s, uint64_t size, uint64_t align)
{
    uint64_t pa;

    g_assert(align >= 8 && is_power_of_2(align));
    pa = ROUND_UP(s->alloc_next, align);
    g_assert_cmphex(pa + size, <=, s->alloc_end);
    s->alloc_next = pa + size;
    qtest_memset(s->qts, pa, 0, size);
    return pa;
}

/* ---- MMIO ------------------------------------------------------------ */

uint32_t qsmmu_aux_readl(QSMMUAux *s, uint64_t off)
{
    return qtest_readl(s->qts, s->base + off);
}

void qsmmu_aux_writel(QSMMUAux *s, uint64_t off, uint32_t val)
{
    qtest_writel(s->qts, s->base + off, val);
}

uint64_t qsmmu_aux_readq(QSMMUAux *s, uint64_t off)
{
    return qtest_readq(s->qts, s->base + off);
}

void qsmmu_aux_writeq(QSMMUAux *s, uint64_t off, uint64_t val)
{
    qtest_writeq(s->qts, s->base + off, val);
}

/* ---- Guest memory ---------------------------------------------------- */

void qsmmu_aux_mem_write_qwords(QSMMUAux *s, uint64_t pa,
                                const uint64_t *qw, unsigned n)
{
    g_autofree uint64_t *le = g_new(uint64_t, n);
    unsigned i;

    for (i = 0; i < n; i++) {
        le[i] = cpu_to_le64(qw[i]);
    }
    qtest_memwrite(s->qts, pa, le, n * sizeof(uint64_t));
}

void qsmmu_aux_mem_read_qwords(QSMMUAux *s, uint64_t pa,
                               uint64_t *qw, unsigned n)
{
    unsigned i;

    qtest_memread(s->qts, pa, qw, n * sizeof(uint64_t));
    for (i = 0; i < n; i++) {
        qw[i] = le64_to_cpu(qw[i]);
    }
}

uint32_t qsmmu_aux_mem_readl(QSMMUAux *s, uint64_t pa)
{
    uint32_t v;

    qtest_memread(s->qts, pa, &v, sizeof(v));
    return le32_to_cpu(v);
}

/* ---- Control registers ----------------------------------------------- */

static bool qsmmu_aux_write_acked(QSMMUAux *s, uint64_t reg, uint64_t ack,
                                  uint32_t val)
{
    int i;

    qsmmu_aux_writel(s, reg, val);
    for (i = 0; i < QSMMU_AUX_POLL_MAX; i++) {
        if (qsmmu_aux_readl(s, ack) == val) {
            return true;
        }
    }
    return false;
}

bool qsmmu_aux_write_cr0(QSMMUAux *s, uint32_t val)
{
    return qsmmu_aux_write_acked(s, A_CR0, A_CR0ACK, val);
}

bool qsmmu_aux_write_irq_ctrl(QSMMUAux *s, uint32_t val)
{
    return qsmmu_aux_write_acked(s, A_IRQ_CTRL, A_IRQ_CTRLACK, val);
}

bool qsmmu_aux_gbpa_update(QSMMUAux *s, uint32_t val)
{
    int i;

    qsmmu_aux_writel(s, A_GBPA, val | R_GBPA_UPDATE_MASK);
    for (i = 0; i < QSMMU_AUX_POLL_MAX; i++) {
        if (!(qsmmu_aux_readl(s, A_GBPA) & R_GBPA_UPDATE_MASK)) {
            return true;
        }
    }
    return false;
}

void qsmmu_aux_program_cr12(QSMMUAux *s)
{
    qsmmu_aux_writel(s, A_CR1, QSMMU_AUX_CR1_LINUX);
    qsmmu_aux_writel(s, A_CR2, QSMMU_AUX_CR2_LINUX);
}

/* ---- Stream table ---------------------------------------------------- */

static void qsmmu_aux_program_strtab(QSMMUAux *s)
{
    uint64_t base = 0;
    uint32_t cfg = 0;

    base = FIELD_DP64(base, STRTAB_BASE, ADDR,
                      s->strtab >> R_STRTAB_BASE_ADDR_SHIFT);
    base = FIELD_DP64(base, STRTAB_BASE, RA, 1);
    g_assert_cmphex(base & ~R_STRTAB_BASE_RA_MASK, ==, s->strtab);

    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, FMT, s->strtab_fmt);
    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, SPLIT, s->strtab_split);
    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, LOG2SIZE, s->strtab_log2size);

    qsmmu_aux_writeq(s, A_STRTAB_BASE, base);
    qsmmu_aux_writel(s, A_STRTAB_BASE_CFG, cfg);
}

void qsmmu_aux_strtab_linear(QSMMUAux *s, unsigned log2size)
{
    uint64_t size = (uint64_t)SMMUV3_AUX_STE_SIZE << log2size;

    g_assert_cmpuint(log2size, <=, 16);
    s->strtab = qsmmu_aux_alloc(s, size, MAX(size, 64));
    s->strtab_fmt = SMMUV3_AUX_STRTAB_FMT_LINEAR;
    s->strtab_log2size = log2size;
    s->strtab_split = 0;
    qsmmu_aux_program_strtab(s);
}

void qsmmu_aux_strtab_2lvl(QSMMUAux *s, unsigned log2size, unsigned split)
{
    uint64_t size;

    g_assert_cmpuint(log2size, >=, split);
    size = (uint64_t)SMMUV3_AUX_L1STD_SIZE << (log2size - split);
    s->strtab = qsmmu_aux_alloc(s, size, MAX(size, 64));
    s->strtab_fmt = SMMUV3_AUX_STRTAB_FMT_2LVL;
    s->strtab_log2size = log2size;
    s->strtab_split = split;
    qsmmu_aux_program_strtab(s);
}

uint64_t qsmmu_aux_l1std_addr(QSMMUAux *s, uint32_t sid)
{
    g_assert_cmpuint(s->strtab_fmt, ==, SMMUV3_AUX_STRTAB_FMT_2LVL);
    g_assert_cmpuint(sid >> s->strtab_log2size, ==, 0);
    return s->strtab + (uint64_t)(sid >> s->strtab_split) *
                       SMMUV3_AUX_L1STD_SIZE;
}

uint64_t qsmmu_aux_strtab_l2_install(QSMMUAux *s, uint32_t sid)
{
    uint64_t size = (uint64_t)SMMUV3_AUX_STE_SIZE << s->strtab_split;
    uint64_t l2 = qsmmu_aux_alloc(s, size, MAX(size, 64));
    uint64_t l1std = 0;

    /* Span = SPLIT + 1: the L2 table holds 2^(Span - 1) STEs. */
    l1std = FIELD_DP64(l1std, L1STD, SPAN, s->strtab_split + 1);
    l1std = FIELD_DP64(l1std, L1STD, L2PTR, l2 >> R_L1STD_L2PTR_SHIFT);
    g_assert_cmphex(l1std & R_L1STD_L2PTR_MASK, ==, l2);
    qsmmu_aux_mem_write_qwords(s, qsmmu_aux_l1std_addr(s, sid), &l1std, 1);
    return l2;
}

uint64_t qsmmu_aux_ste_addr(QSMMUAux *s, uint32_t sid)
{
    uint64_t l1std, l2;
    uint32_t mask;

    if (s->strtab_fmt == SMMUV3_AUX_STRTAB_FMT_LINEAR) {
        g_assert_cmpuint(sid >> s->strtab_log2size, ==, 0);
        return s->strtab + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    qsmmu_aux_mem_read_qwords(s, qsmmu_aux_l1std_addr(s, sid), &l1std, 1);
    g_assert_cmpuint(FIELD_EX64(l1std, L1STD, SPAN), ==, s->strtab_split + 1);
    l2 = l1std & R_L1STD_L2PTR_MASK;
    mask = (1u << s->strtab_split) - 1;
    return l2 + (uint64_t)(sid & mask) * SMMUV3_AUX_STE_SIZE;
}

void qsmmu_aux_write_ste(QSMMUAux *s, uint32_t sid, const SMMUv3AuxSTE *ste)
{
    qsmmu_aux_mem_write_qwords(s, qsmmu_aux_ste_addr(s, sid), ste->qw,
                               ARRAY_SIZE(ste->qw));
}

void qsmmu_aux_ste_abort(SMMUv3AuxSTE *ste)
{
    memset(ste, 0, sizeof(*ste));
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, V, 1);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, CONFIG,
                            SMMUV3_AUX_STE_CONFIG_ABORT);
}

void qsmmu_aux_ste_bypass(SMMUv3AuxSTE *ste)
{
    memset(ste, 0, sizeof(*ste));
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, V, 1);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, CONFIG,
                            SMMUV3_AUX_STE_CONFIG_BYPASS);
    /* Linux's bypass STE: SHCFG = "use incoming" (1). */
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, SHCFG, 1);
}

void qsmmu_aux_ste_invalid(SMMUv3AuxSTE *ste)
{
    /* A bypass STE with V = 0: everything but V is well formed. */
    qsmmu_aux_ste_bypass(ste);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, V, 0);
}

/* ---- Queues ---------------------------------------------------------- */

uint32_t qsmmu_aux_q_inc(uint32_t p, unsigned log2size)
{
    return (qsmmu_aux_q_wrp_idx(p, log2size) + 1) & ((2u << log2size) - 1);
}

uint64_t qsmmu_aux_q_base(uint64_t pa, unsigned log2size, bool ra)
{
    uint64_t base = 0;

    base = FIELD_DP64(base, CMDQ_BASE, LOG2SIZE, log2size);
    base = FIELD_DP64(base, CMDQ_BASE, ADDR, pa >> R_CMDQ_BASE_ADDR_SHIFT);
    base = FIELD_DP64(base, CMDQ_BASE, RA, ra);
    g_assert_cmphex(base & R_CMDQ_BASE_ADDR_MASK, ==, pa);
    return base;
}

void qsmmu_aux_cmdq_setup(QSMMUAux *s, unsigned log2size)
{
    uint64_t size = (uint64_t)SMMUV3_AUX_CMD_SIZE << log2size;

    s->cmdq = qsmmu_aux_alloc(s, size, MAX(size, 32));
    s->cmdq_log2size = log2size;
    s->cmdq_prod = 0;
    qsmmu_aux_writeq(s, A_CMDQ_BASE, qsmmu_aux_q_base(s->cmdq, log2size, 1));
    qsmmu_aux_writel(s, A_CMDQ_PROD, 0);
    qsmmu_aux_writel(s, A_CMDQ_CONS, 0);
}

void qsmmu_aux_evtq_setup(QSMMUAux *s, unsigned log2size)
{
    uint64_t size = (uint64_t)SMMUV3_AUX_EVT_SIZE << log2size;

    s->evtq = qsmmu_aux_alloc(s, size, MAX(size, 32));
    s->evtq_log2size = log2size;
    s->evtq_cons = 0;
    qsmmu_aux_writeq(s, A_EVENTQ_BASE, qsmmu_aux_q_base(s->evtq, log2size, 1));
    qsmmu_aux_writel(s, A_EVENTQ_PROD, 0);
    qsmmu_aux_writel(s, A_EVENTQ_CONS, 0);
}

/* ---- Commands -------------------------------------------------------- */

void qsmmu_aux_cmd_raw(SMMUv3AuxCmd *cmd, uint8_t opcode)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, OPCODE, opcode);
}

void qsmmu_aux_cmd_cfgi_all(SMMUv3AuxCmd *cmd)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_CFGI_STE_RANGE);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, RANGE, 31);
}

void qsmmu_aux_cmd_cfgi_ste(SMMUv3AuxCmd *cmd, uint32_t sid)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_CFGI_STE);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, SID, sid);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, LEAF, 1);
}

void qsmmu_aux_cmd_tlbi_nsnh_all(SMMUv3AuxCmd *cmd)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_NSNH_ALL);
}

void qsmmu_aux_cmd_sync(SMMUv3AuxCmd *cmd, unsigned cs, uint64_t msiaddr,
                        uint32_t msidata)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_SYNC);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, CS, cs);
    /* As Linux: MSH = Inner Shareable, MSIATTR = Inner/Outer WB. */
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, MSH, 3);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, MSIATTR, 0xf);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, MSIDATA, msidata);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, MSIADDR,
                            msiaddr >> R_CMD_1_MSIADDR_SHIFT);
    g_assert_cmphex(cmd->qw[1], ==, msiaddr);
}

uint64_t qsmmu_aux_cmdq_slot(QSMMUAux *s, uint32_t idx)
{
    g_assert_cmpuint(idx >> s->cmdq_log2size, ==, 0);
    return s->cmdq + (uint64_t)idx * SMMUV3_AUX_CMD_SIZE;
}

uint64_t qsmmu_aux_cmdq_put(QSMMUAux *s, const SMMUv3AuxCmd *cmd)
{
    uint64_t pa = qsmmu_aux_cmdq_slot(s, qsmmu_aux_q_idx(s->cmdq_prod,
                                                         s->cmdq_log2size));

    qsmmu_aux_mem_write_qwords(s, pa, cmd->qw, ARRAY_SIZE(cmd->qw));
    s->cmdq_prod = qsmmu_aux_q_inc(s->cmdq_prod, s->cmdq_log2size);
    return pa;
}

void qsmmu_aux_cmdq_publish(QSMMUAux *s)
{
    qsmmu_aux_writel(s, A_CMDQ_PROD, s->cmdq_prod);
}

uint64_t qsmmu_aux_cmdq_submit(QSMMUAux *s, const SMMUv3AuxCmd *cmd)
{
    uint64_t pa = qsmmu_aux_cmdq_put(s, cmd);

    qsmmu_aux_cmdq_publish(s);
    return pa;
}

uint32_t qsmmu_aux_cmdq_wait(QSMMUAux *s)
{
    uint32_t want = qsmmu_aux_q_wrp_idx(s->cmdq_prod, s->cmdq_log2size);
    uint32_t cons = 0;
    int i;

    for (i = 0; i < QSMMU_AUX_POLL_MAX; i++) {
        cons = qsmmu_aux_readl(s, A_CMDQ_CONS);
        if (qsmmu_aux_q_wrp_idx(cons, s->cmdq_log2size) == want) {
            break;
        }
        /* CMDQ_CONS.ERR is UNKNOWN unless GERROR.CMDQ_ERR is active */
        if (FIELD_EX32(cons, CMDQ_CONS, ERR) &&
            (qsmmu_aux_gerror_active(s) & R_GERROR_CMDQ_ERR_MASK)) {
            break;
        }
    }
    return cons;
}

void qsmmu_aux_cmdq_invalidate_all(QSMMUAux *s)
{
    SMMUv3AuxCmd cmd;
    uint32_t cons;

    qsmmu_aux_cmd_cfgi_all(&cmd);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmd_tlbi_nsnh_all(&cmd);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmd_sync(&cmd, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_cmdq_put(s, &cmd);
    qsmmu_aux_cmdq_publish(s);
    cons = qsmmu_aux_cmdq_wait(s);
    g_assert_cmphex(cons, ==, qsmmu_aux_q_wrp_idx(s->cmdq_prod,
                                                  s->cmdq_log2size));
}

/* ---- Event queue ----------------------------------------------------- */

uint32_t qsmmu_aux_evtq_prod(QSMMUAux *s)
{
    return qsmmu_aux_readl(s, A_EVENTQ_PROD);
}

unsigned qsmmu_aux_evtq_pending(QSMMUAux *s)
{
    unsigned l2 = s->evtq_log2size;
    uint32_t prod = qsmmu_aux_q_wrp_idx(qsmmu_aux_evtq_prod(s), l2);
    uint32_t cons = qsmmu_aux_q_wrp_idx(s->evtq_cons, l2);

    return (prod - cons) & ((2u << l2) - 1);
}

void qsmmu_aux_evtq_peek(QSMMUAux *s, uint32_t idx, SMMUv3AuxEvtRecord *rec)
{
    g_assert_cmpuint(idx >> s->evtq_log2size, ==, 0);
    qsmmu_aux_mem_read_qwords(s, s->evtq + (uint64_t)idx * SMMUV3_AUX_EVT_SIZE,
                              rec->qw, ARRAY_SIZE(rec->qw));
}

void qsmmu_aux_evtq_write_cons(QSMMUAux *s, bool ovack)
{
    qsmmu_aux_writel(s, A_EVENTQ_CONS,
                     qsmmu_aux_q_wrp_idx(s->evtq_cons, s->evtq_log2size) |
                     (ovack ? SMMUV3_AUX_Q_OVF : 0));
}

bool qsmmu_aux_evtq_pop(QSMMUAux *s, SMMUv3AuxEvtRecord *rec)
{
    uint32_t old;

    if (!qsmmu_aux_evtq_pending(s)) {
        return false;
    }
    old = qsmmu_aux_readl(s, A_EVENTQ_CONS);
    qsmmu_aux_evtq_peek(s, qsmmu_aux_q_idx(s->evtq_cons, s->evtq_log2size),
                        rec);
    s->evtq_cons = qsmmu_aux_q_inc(s->evtq_cons, s->evtq_log2size);
    qsmmu_aux_evtq_write_cons(s, old & SMMUV3_AUX_Q_OVF);
    return true;
}

/* ---- GERROR ---------------------------------------------------------- */

uint32_t qsmmu_aux_gerror_active(QSMMUAux *s)
{
    return qsmmu_aux_readl(s, A_GERROR) ^ qsmmu_aux_readl(s, A_GERRORN);
}

void qsmmu_aux_gerror_ack(QSMMUAux *s)
{
    qsmmu_aux_writel(s, A_GERRORN, qsmmu_aux_readl(s, A_GERROR));
}

/* ---- Bring-up -------------------------------------------------------- */

void qsmmu_aux_bringup(QSMMUAux *s, unsigned cmdq_log2, unsigned evtq_log2)
{
    uint32_t cr0 = 0;

    g_assert_true(qsmmu_aux_write_cr0(s, 0));
    qsmmu_aux_program_cr12(s);

    qsmmu_aux_cmdq_setup(s, cmdq_log2);
    cr0 = FIELD_DP32(cr0, CR0, CMDQEN, 1);
    g_assert_true(qsmmu_aux_write_cr0(s, cr0));
    qsmmu_aux_cmdq_invalidate_all(s);

    qsmmu_aux_evtq_setup(s, evtq_log2);
    cr0 = FIELD_DP32(cr0, CR0, EVENTQEN, 1);
    g_assert_true(qsmmu_aux_write_cr0(s, cr0));
}

void qsmmu_aux_enable(QSMMUAux *s)
{
    uint32_t cr0 = qsmmu_aux_readl(s, A_CR0);

    cr0 = FIELD_DP32(cr0, CR0, SMMUEN, 1);
    g_assert_true(qsmmu_aux_write_cr0(s, cr0));
}

/* ---- Translation tables ---------------------------------------------- */

uint64_t qsmmu_aux_mem_readq(QSMMUAux *s, uint64_t pa)
{
    uint64_t v;

    qsmmu_aux_mem_read_qwords(s, pa, &v, 1);
    return v;
}

void qsmmu_aux_mem_writeq(QSMMUAux *s, uint64_t pa, uint64_t val)
{
    qsmmu_aux_mem_write_qwords(s, pa, &val, 1);
}

/* Lowest address bit an entry at @level translates. */
static unsigned pt_shift(const QSMMUAuxPT *pt, unsigned level)
{
    return pt->gshift + (3 - level) * (pt->gshift - 3);
}

/* Number of entries of the (possibly concatenated) start-level table. */
static uint64_t pt_root_entries(const QSMMUAuxPT *pt)
{
    return 1ULL << (pt->ia_bits - pt_shift(pt, pt->start_level));
}

void qsmmu_aux_pt_init(QSMMUAux *s, QSMMUAuxPT *pt, unsigned gshift,
                       unsigned ia_bits, int start_level, uint64_t oa_offset)
{
    unsigned stride = gshift - 3, natural;
    uint64_t entries, size;

    g_assert(gshift == 12 || gshift == 14 || gshift == 16);
    g_assert_cmpuint(ia_bits, >, gshift);
    g_assert_cmpuint(ia_bits, <=, 48);
    memset(pt, 0, sizeof(*pt));
    pt->s = s;
    pt->gshift = gshift;
    pt->ia_bits = ia_bits;
    pt->oa_offset = oa_offset;
    natural = 4 - DIV_ROUND_UP(ia_bits - gshift, stride);
    pt->start_level = start_level == QSMMU_AUX_PT_START_AUTO ? natural
                                                              : start_level;
    g_assert_cmpuint(pt->start_level, >=, natural);
    g_assert_cmpuint(pt->start_level, <=, 3);

    entries = pt_root_entries(pt);
    pt->concat = MAX(entries >> stride, 1);
    g_assert_cmpuint(pt->concat, <=, 16);
    size = MAX(entries * 8, 64);
    /* A table is aligned to its size (TTB alignment, 5.2 / D8.2.4). */
    pt->root = qsmmu_aux_alloc(s, size, size);
}

uint64_t qsmmu_aux_pt_level_size(const QSMMUAuxPT *pt, unsigned level)
{
    return 1ULL << pt_shift(pt, level);
}

uint64_t qsmmu_aux_pt_ttb(const QSMMUAuxPT *pt)
{
    return pt->root + pt->oa_offset;
}

/* Output address bits [47:gshift] of a descriptor. */
static uint64_t pt_desc_oa(const QSMMUAuxPT *pt, uint64_t desc)
{
    return desc & MAKE_64BIT_MASK(pt->gshift, 48 - pt->gshift);
}

uint64_t qsmmu_aux_pt_entry_addr(QSMMUAuxPT *pt, uint64_t va, unsigned level,
                                 bool alloc)
{
    uint64_t table = pt->root, entries = pt_root_entries(pt);
    unsigned l;

    g_assert_cmpuint(level, >=, pt->start_level);
    g_assert_cmpuint(level, <=, 3);
    for (l = pt->start_level; ; l++) {
        uint64_t idx = (va >> pt_shift(pt, l)) & (entries - 1);
        uint64_t pa = table + idx * 8, desc;

        if (l == level) {
            return pa;
        }
        desc = qsmmu_aux_mem_readq(pt->s, pa);
        if ((desc & 3) != 3) {
            uint64_t next;

            g_assert_true(alloc);
            next = qsmmu_aux_alloc(pt->s, 1ULL << pt->gshift,
                                   1ULL << pt->gshift);
            desc = (next + pt->oa_offset) | QSMMU_AUX_PTE_VALID |
                   QSMMU_AUX_PTE_TABLE;
            qsmmu_aux_mem_writeq(pt->s, pa, desc);
        }
        table = pt_desc_oa(pt, desc) - pt->oa_offset;
        entries = 1ULL << (pt->gshift - 3);
    }
}

uint64_t qsmmu_aux_pt_leaf(const QSMMUAuxPT *pt, uint64_t oa, unsigned level,
                           uint64_t attrs)
{
    uint64_t size = qsmmu_aux_pt_level_size(pt, level);

    g_assert_cmphex(oa & (size - 1), ==, 0);
    g_assert_cmphex(oa >> 48, ==, 0);
    return oa | attrs | QSMMU_AUX_PTE_VALID |
           (level == 3 ? QSMMU_AUX_PTE_TABLE : 0);
}

uint64_t qsmmu_aux_pt_map(QSMMUAuxPT *pt, uint64_t va, uint64_t oa,
                          unsigned level, uint64_t attrs)
{
    uint64_t pa = qsmmu_aux_pt_entry_addr(pt, va, level, true);

    qsmmu_aux_mem_writeq(pt->s, pa, qsmmu_aux_pt_leaf(pt, oa, level, attrs));
    return pa;
}

unsigned qsmmu_aux_pt_s2sl0(const QSMMUAuxPT *pt)
{
    /* 4K: SL0 0/1/2 = level 2/1/0; 16K, 64K: SL0 0/1/2 = level 3/2/1. */
    return (pt->gshift == 12 ? 2 : 3) - pt->start_level;
}

unsigned qsmmu_aux_pt_tg0(const QSMMUAuxPT *pt)
{
    switch (pt->gshift) {
    case 12:
        return SMMUV3_AUX_CD_TG0_4K;
    case 14:
        return SMMUV3_AUX_CD_TG0_16K;
    default:
        return SMMUV3_AUX_CD_TG0_64K;
    }
}

unsigned qsmmu_aux_pt_tg1(const QSMMUAuxPT *pt)
{
    switch (pt->gshift) {
    case 12:
        return SMMUV3_AUX_CD_TG1_4K;
    case 14:
        return SMMUV3_AUX_CD_TG1_16K;
    default:
        return SMMUV3_AUX_CD_TG1_64K;
    }
}

/* ---- CDs and STEs ---------------------------------------------------- */

void qsmmu_aux_cd_linux(SMMUv3AuxCD *cd, const QSMMUAuxPT *pt, uint16_t asid,
                        unsigned ips)
{
    uint64_t ttb = qsmmu_aux_pt_ttb(pt);

    memset(cd, 0, sizeof(*cd));
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, T0SZ, 64 - pt->ia_bits);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, TG0, qsmmu_aux_pt_tg0(pt));
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, IR0, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, OR0, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, SH0, 3);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, EPD1, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, V, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, IPS, ips);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, AA64, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, R, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, A, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, ASET, 1);
    cd->qw[0] = FIELD_DP64(cd->qw[0], CD_0, ASID, asid);
    cd->qw[1] = FIELD_DP64(cd->qw[1], CD_1, TTB0, ttb >> 4);
    g_assert_cmphex(cd->qw[1], ==, ttb);
    cd->qw[3] = QSMMU_AUX_MAIR_LINUX;
}

void qsmmu_aux_write_cd(QSMMUAux *s, uint64_t pa, const SMMUv3AuxCD *cd)
{
    qsmmu_aux_mem_write_qwords(s, pa, cd->qw, ARRAY_SIZE(cd->qw));
}

static void ste_s1_part(SMMUv3AuxSTE *ste, uint64_t cd_ptr, unsigned config)
{
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, V, 1);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, CONFIG, config);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, S1FMT,
                            SMMUV3_AUX_STE_S1FMT_LINEAR);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, S1CONTEXTPTR,
                            cd_ptr >> R_STE_0_S1CONTEXTPTR_SHIFT);
    g_assert_cmphex(ste->qw[0] & R_STE_0_S1CONTEXTPTR_MASK, ==, cd_ptr);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, S1CDMAX, 0);
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, S1CIR, 1);
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, S1COR, 1);
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, S1CSH, 3);
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, STRW,
                            SMMUV3_AUX_STE_STRW_NSEL1);
}

static void ste_s2_part(SMMUv3AuxSTE *ste, const QSMMUAuxPT *pt,
                        uint16_t vmid, unsigned s2ps)
{
    uint64_t ttb = qsmmu_aux_pt_ttb(pt);

    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2VMID, vmid);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2T0SZ, 64 - pt->ia_bits);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2SL0, qsmmu_aux_pt_s2sl0(pt));
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2IR0, 1);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2OR0, 1);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2SH0, 3);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2TG, qsmmu_aux_pt_tg0(pt));
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2PS, s2ps);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2AA64, 1);
    ste->qw[2] = FIELD_DP64(ste->qw[2], STE_2, S2R, 1);
    ste->qw[3] = FIELD_DP64(ste->qw[3], STE_3, S2TTB, ttb >> 4);
    g_assert_cmphex(ste->qw[3], ==, ttb);
}

void qsmmu_aux_ste_s1(SMMUv3AuxSTE *ste, uint64_t cd_ptr)
{
    memset(ste, 0, sizeof(*ste));
    ste_s1_part(ste, cd_ptr, SMMUV3_AUX_STE_CONFIG_S1);
}

void qsmmu_aux_ste_s2(SMMUv3AuxSTE *ste, const QSMMUAuxPT *pt, uint16_t vmid,
                      unsigned s2ps)
{
    memset(ste, 0, sizeof(*ste));
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, V, 1);
    ste->qw[0] = FIELD_DP64(ste->qw[0], STE_0, CONFIG,
                            SMMUV3_AUX_STE_CONFIG_S2);
    /* Linux: SHCFG = incoming */
    ste->qw[1] = FIELD_DP64(ste->qw[1], STE_1, SHCFG, 1);
    ste_s2_part(ste, pt, vmid, s2ps);
}

void qsmmu_aux_ste_nested(SMMUv3AuxSTE *ste, uint64_t cd_ipa,
                          const QSMMUAuxPT *s2pt, uint16_t vmid,
                          unsigned s2ps)
{
    memset(ste, 0, sizeof(*ste));
    ste_s1_part(ste, cd_ipa, SMMUV3_AUX_STE_CONFIG_NESTED);
    ste_s2_part(ste, s2pt, vmid, s2ps);
}

/* ---- Invalidation ---------------------------------------------------- */

void qsmmu_aux_cmd_cfgi_cd(SMMUv3AuxCmd *cmd, uint32_t sid, uint32_t ssid)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_CFGI_CD);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, SSID, ssid);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, SID, sid);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, LEAF, 1);
}

void qsmmu_aux_cmd_tlbi_nh_all(SMMUv3AuxCmd *cmd, uint16_t vmid)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_NH_ALL);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, vmid);
}

void qsmmu_aux_cmd_tlbi_nh_asid(SMMUv3AuxCmd *cmd, uint16_t vmid,
                                uint16_t asid)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_NH_ASID);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, vmid);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, ASID, asid);
}

static void cmd_tlbi_addr(SMMUv3AuxCmd *cmd, uint64_t addr, bool leaf,
                          unsigned num, unsigned scale, unsigned tg,
                          unsigned ttl)
{
    if (tg) {
        cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, NUM, num);
        cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, SCALE, scale);
    }
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, LEAF, leaf);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, TTL, ttl);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, TG, tg);
    cmd->qw[1] = FIELD_DP64(cmd->qw[1], CMD_1, ADDR, addr >> 12);
}

void qsmmu_aux_cmd_tlbi_nh_va(SMMUv3AuxCmd *cmd, uint16_t vmid, uint16_t asid,
                              uint64_t va, bool leaf, unsigned num,
                              unsigned scale, unsigned tg, unsigned ttl)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_NH_VA);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, vmid);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, ASID, asid);
    cmd_tlbi_addr(cmd, va, leaf, num, scale, tg, ttl);
}

void qsmmu_aux_cmd_tlbi_s2_ipa(SMMUv3AuxCmd *cmd, uint16_t vmid, uint64_t ipa,
                               bool leaf, unsigned num, unsigned scale,
                               unsigned tg, unsigned ttl)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_S2_IPA);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, vmid);
    cmd_tlbi_addr(cmd, ipa, leaf, num, scale, tg, ttl);
}

void qsmmu_aux_cmd_tlbi_s12_vmall(SMMUv3AuxCmd *cmd, uint16_t vmid)
{
    qsmmu_aux_cmd_raw(cmd, SMMUV3_AUX_CMD_TLBI_S12_VMALL);
    cmd->qw[0] = FIELD_DP64(cmd->qw[0], CMD_0, VMID, vmid);
}

uint32_t qsmmu_aux_cmdq_run_sync(QSMMUAux *s, const SMMUv3AuxCmd *cmds,
                                 unsigned n)
{
    SMMUv3AuxCmd sync;
    unsigned i;

    for (i = 0; i < n; i++) {
        qsmmu_aux_cmdq_put(s, &cmds[i]);
    }
    qsmmu_aux_cmd_sync(&sync, SMMUV3_AUX_CMD_SYNC_CS_SIG_SEV, 0, 0);
    qsmmu_aux_cmdq_put(s, &sync);
    qsmmu_aux_cmdq_publish(s);
    return qsmmu_aux_cmdq_wait(s);
}

void qsmmu_aux_cmdq_run_sync_ok(QSMMUAux *s, const SMMUv3AuxCmd *cmds,
                                unsigned n)
{
    uint32_t cons = qsmmu_aux_cmdq_run_sync(s, cmds, n);

    g_assert_cmphex(qsmmu_aux_gerror_active(s) & R_GERROR_CMDQ_ERR_MASK,
                    ==, 0);
    g_assert_cmphex(qsmmu_aux_q_wrp_idx(cons, s->cmdq_log2size), ==,
                    qsmmu_aux_q_wrp_idx(s->cmdq_prod, s->cmdq_log2size));
}

/* ---- smmuv3-aux-testdev ---------------------------------------------- */

void qsmmu_aux_td_init(QSMMUAuxTestdev *td, QPCIBus *bus, int devfn)
{
    td->dev = qpci_device_find(bus, devfn);
    g_assert_nonnull(td->dev);
    g_assert_cmphex(qpci_config_readw(td->dev, PCI_VENDOR_ID), ==,
                    SMMUV3_AUX_TESTDEV_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(td->dev, PCI_DEVICE_ID), ==,
                    SMMUV3_AUX_TESTDEV_DEVICE_ID);
    qpci_device_enable(td->dev);
    td->bar = qpci_iomap(td->dev, 0, NULL);
    g_assert_cmphex(qpci_io_readl(td->dev, td->bar, A_TD_MAGIC), ==,
                    SMMUV3_AUX_TESTDEV_MAGIC);
}

void qsmmu_aux_td_free(QSMMUAuxTestdev *td)
{
    g_free(td->dev);
    td->dev = NULL;
}

void qsmmu_aux_td_start(QSMMUAuxTestdev *td, uint32_t cmd, uint64_t src,
                        uint64_t dst, uint32_t len, uint32_t pattern)
{
    qpci_io_writel(td->dev, td->bar, A_TD_STATUS,
                   R_TD_STATUS_DONE_MASK | R_TD_STATUS_ERROR_MASK);
    qpci_io_writeq(td->dev, td->bar, A_TD_SRC, src);
    qpci_io_writeq(td->dev, td->bar, A_TD_DST, dst);
    qpci_io_writel(td->dev, td->bar, A_TD_LEN, len);
    qpci_io_writel(td->dev, td->bar, A_TD_PATTERN, pattern);
    qpci_io_writel(td->dev, td->bar, A_TD_CMD, cmd);
}

uint32_t qsmmu_aux_td_run(QSMMUAuxTestdev *td, uint32_t cmd, uint64_t src,
                          uint64_t dst, uint32_t len, uint32_t pattern)
{
    gint64 end;
    uint32_t st;

    qsmmu_aux_td_start(td, cmd, src, dst, len, pattern);
    end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while ((st = qpci_io_readl(td->dev, td->bar, A_TD_STATUS)) &
           R_TD_STATUS_BUSY_MASK) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(100);
    }
    return st;
}

uint64_t qsmmu_aux_td_result(QSMMUAuxTestdev *td)
{
    return qpci_io_readq(td->dev, td->bar, A_TD_RESULT);
}

uint64_t qsmmu_aux_td_err_addr(QSMMUAuxTestdev *td)
{
    return qpci_io_readq(td->dev, td->bar, A_TD_ERR_ADDR);
}

uint64_t qsmmu_aux_fnv1a(uint64_t h, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len--) {
        h = (h ^ *p++) * 0x100000001b3ULL;
    }
    return h;
}

void qsmmu_aux_td_write_pattern(void *buf, size_t len, uint32_t pattern)
{
    uint8_t *p = buf;
    size_t i;

    for (i = 0; i < len; i++) {
        p[i] = (pattern + i / 4) >> (8 * (i % 4));
    }
}
