/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux unit tests: fake guest memory and builders.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "smmuv3-aux-test-utils.h"

#define FAKE_PAGE_BITS  12
#define FAKE_PAGE_SIZE  (1u << FAKE_PAGE_BITS)

typedef struct FakeMemRange {
    uint64_t start, len;
} FakeMemRange;

/* ---- Fake memory ------------------------------------------------------ */

static uint8_t *fake_page(FakeMem *m, uint64_t pa, bool create)
{
    uint64_t pfn = pa >> FAKE_PAGE_BITS;
    uint8_t *page = g_hash_table_lookup(m->pages, &pfn);

    if (!page && create) {
        uint64_t *key = g_new(uint64_t, 1);

        *key = pfn;
        page = g_malloc0(FAKE_PAGE_SIZE);
        g_hash_table_insert(m->pages, key, page);
    }
    return page;
}

static bool fake_faults(GArray *faults, uint64_t pa, uint64_t len)
{
    for (guint i = 0; i < faults->len; i++) {
        FakeMemRange *r = &g_array_index(faults, FakeMemRange, i);

        if (pa < r->start + r->len && r->start < pa + len) {
            return true;
        }
    }
    return false;
}

static void fake_copy(FakeMem *m, uint64_t pa, void *buf, size_t len,
                      bool write)
{
    uint8_t *p = buf;

    while (len) {
        size_t off = pa & (FAKE_PAGE_SIZE - 1);
        size_t n = MIN(len, FAKE_PAGE_SIZE - off);
        uint8_t *page = fake_page(m, pa, write);

        if (write) {
            memcpy(page + off, p, n);
        } else if (page) {
            memcpy(p, page + off, n);
        } else {
            memset(p, 0, n);
        }
        pa += n;
        p += n;
        len -= n;
    }
}

static bool fake_dma_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                          SMMUv3AuxMemAttrs attrs)
{
    FakeMem *m = opaque;

    if (fake_faults(m->read_faults, pa, len)) {
        m->failed_reads++;
        return false;
    }
    m->reads++;
    fake_copy(m, pa, buf, len, false);
    return true;
}

static bool fake_dma_write(void *opaque, uint64_t pa, const void *buf,
                           uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    FakeMem *m = opaque;

    if (fake_faults(m->write_faults, pa, len)) {
        m->failed_writes++;
        return false;
    }
    m->writes++;
    m->last_write_addr = pa;
    m->last_write_len = len;
    fake_copy(m, pa, (void *)buf, len, true);
    return true;
}

/*
 * Single-threaded, so a plain compare and store is atomic here; cas_hook
 * plays the vCPU that gets there first.  Unaligned or faulting: abort.
 */
static bool fake_dma_cmpxchg64(void *opaque, uint64_t pa,
                               uint64_t *expected_le, uint64_t new_le,
                               SMMUv3AuxMemAttrs attrs)
{
    FakeMem *m = opaque;
    uint64_t cur;

    if ((pa & 7) || fake_faults(m->read_faults, pa, 8) ||
        fake_faults(m->write_faults, pa, 8)) {
        m->failed_writes++;
        return false;
    }
    if (m->cas_hook) {
        m->cas_hook(m, pa, m->cas_hook_opaque);
    }
    fake_copy(m, pa, &cur, 8, false);
    if (cur != *expected_le) {
        m->cas_changed++;
        *expected_le = cur;
        return true;
    }
    m->cas_ok++;
    m->writes++;
    m->last_write_addr = pa;
    m->last_write_len = 8;
    fake_copy(m, pa, &new_le, 8, true);
    return true;
}

const SMMUv3AuxEngineOps fakemem_ops = {
    .dma_read = fake_dma_read,
    .dma_write = fake_dma_write,
    .dma_cmpxchg64 = fake_dma_cmpxchg64,
};

TestSMMU *tsmmu_new(const SMMUv3AuxParams *p)
{
    TestSMMU *t = g_new0(TestSMMU, 1);
    const char *why;

    t->mem.pages = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, g_free);
    t->mem.read_faults = g_array_new(false, false, sizeof(FakeMemRange));
    t->mem.write_faults = g_array_new(false, false, sizeof(FakeMemRange));
    if (p) {
        t->params = *p;
    } else {
        smmuv3_aux_params_set_defaults(&t->params);
    }
    g_assert_true(smmuv3_aux_params_check(&t->params, &why));
    smmuv3_aux_engine_init(&t->e, &t->params, &fakemem_ops, &t->mem);
    return t;
}

void tsmmu_free(TestSMMU *t)
{
    smmuv3_aux_engine_finalize(&t->e);
    g_hash_table_destroy(t->mem.pages);
    g_array_free(t->mem.read_faults, true);
    g_array_free(t->mem.write_faults, true);
    g_free(t);
}

void mem_write(TestSMMU *t, uint64_t pa, const void *buf, size_t len)
{
    fake_copy(&t->mem, pa, (void *)buf, len, true);
}

void mem_read(TestSMMU *t, uint64_t pa, void *buf, size_t len)
{
    fake_copy(&t->mem, pa, buf, len, false);
}

void mem_write64(TestSMMU *t, uint64_t pa, uint64_t v)
{
    uint64_t le = cpu_to_le64(v);

    mem_write(t, pa, &le, sizeof(le));
}

uint64_t mem_read64(TestSMMU *t, uint64_t pa)
{
    uint64_t le;

    mem_read(t, pa, &le, sizeof(le));
    return le64_to_cpu(le);
}

void mem_write32(TestSMMU *t, uint64_t pa, uint32_t v)
{
    uint32_t le = cpu_to_le32(v);

    mem_write(t, pa, &le, sizeof(le));
}

uint32_t mem_read32(TestSMMU *t, uint64_t pa)
{
    uint32_t le;

    mem_read(t, pa, &le, sizeof(le));
    return le32_to_cpu(le);
}

void mem_fault_read(TestSMMU *t, uint64_t pa, uint64_t len)
{
    FakeMemRange r = { pa, len };

    g_array_append_val(t->mem.read_faults, r);
}

void mem_fault_write(TestSMMU *t, uint64_t pa, uint64_t len)
{
    FakeMemRange r = { pa, len };

    g_array_append_val(t->mem.write_faults, r);
}

void mem_clear_faults(TestSMMU *t)
{
    g_array_set_size(t->mem.read_faults, 0);
    g_array_set_size(t->mem.write_faults, 0);
}

/* ---- MMIO ------------------------------------------------------------- */

uint32_t reg_r32(TestSMMU *t, uint64_t off)
{
    return smmuv3_aux_reg_read(&t->e, off, 4);
}

uint64_t reg_r64(TestSMMU *t, uint64_t off)
{
    return smmuv3_aux_reg_read(&t->e, off, 8);
}

/*
 * What the binding does after every register write: write the CMD_SYNC
 * MSIs the engine queued into guest memory, report the ones that abort,
 * and let a queue that paused on a full MSI FIFO go on.
 */
static void tsmmu_flush_sync_msis(TestSMMU *t)
{
    SMMUv3AuxIrqReq req[SMMUV3_AUX_MAX_SYNC_MSIS];
    bool more;

    do {
        unsigned n = smmuv3_aux_engine_take_sync_msis(&t->e, req, &more);

        for (unsigned i = 0; i < n; i++) {
            if (!smmuv3_aux_mem_write_le32(t->e.ops, t->e.opaque,
                                           req[i].msi_addr, req[i].msi_data,
                                           smmuv3_aux_ns_attrs())) {
                smmuv3_aux_engine_msi_failed(&t->e, req[i].irq);
            }
        }
        if (more) {
            smmuv3_aux_engine_cmdq_resume(&t->e);
        }
    } while (more);
}

void reg_w32(TestSMMU *t, uint64_t off, uint32_t v)
{
    smmuv3_aux_reg_write(&t->e, off, v, 4);
    tsmmu_flush_sync_msis(t);
}

void reg_w64(TestSMMU *t, uint64_t off, uint64_t v)
{
    smmuv3_aux_reg_write(&t->e, off, v, 8);
    tsmmu_flush_sync_msis(t);
}

void tsmmu_set_cr0(TestSMMU *t, uint32_t cr0)
{
    reg_w32(t, A_CR0, cr0);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, cr0);
}

uint32_t tsmmu_take_irqs(TestSMMU *t, SMMUv3AuxIrqReq out[SMMUV3_AUX_IRQ_NUM])
{
    SMMUv3AuxIrqReq local[SMMUV3_AUX_IRQ_NUM];
    SMMUv3AuxIrqReq *req = out ? out : local;
    unsigned n = smmuv3_aux_engine_take_irqs(&t->e, req);
    uint32_t mask = 0;

    for (unsigned i = 0; i < n; i++) {
        mask |= 1u << req[i].irq;
    }
    return mask;
}

/* ---- Queues ----------------------------------------------------------- */

void tsmmu_setup_cmdq(TestSMMU *t, uint64_t base, unsigned log2size)
{
    reg_w64(t, A_CMDQ_BASE, R_CMDQ_BASE_RA_MASK | base | log2size);
    reg_w32(t, A_CMDQ_PROD, 0);
    reg_w32(t, A_CMDQ_CONS, 0);
}

void tsmmu_setup_evtq(TestSMMU *t, uint64_t base, unsigned log2size)
{
    reg_w64(t, A_EVENTQ_BASE, R_EVENTQ_BASE_WA_MASK | base | log2size);
    reg_w32(t, A_EVENTQ_PROD, 0);
    reg_w32(t, A_EVENTQ_CONS, 0);
}

void cmd_put(TestSMMU *t, uint64_t base, uint32_t idx, uint64_t qw0,
             uint64_t qw1)
{
    mem_write64(t, base + idx * 16ULL, qw0);
    mem_write64(t, base + idx * 16ULL + 8, qw1);
}

void tsmmu_submit(TestSMMU *t, const SMMUv3AuxCmd *cmds, unsigned n)
{
    uint64_t base_reg = t->e.regs.cmdq_base;
    unsigned l = FIELD_EX64(base_reg, CMDQ_BASE, LOG2SIZE);
    uint64_t base = base_reg & R_CMDQ_BASE_ADDR_MASK;
    uint32_t prod = t->e.regs.cmdq_prod;

    for (unsigned i = 0; i < n; i++) {
        cmd_put(t, base, smmuv3_aux_q_idx(prod, l), cmds[i].qw[0],
                cmds[i].qw[1]);
        prod = smmuv3_aux_q_inc(prod, l);
    }
    reg_w32(t, A_CMDQ_PROD, prod);
}

SMMUv3AuxCmd cmd_make(unsigned opcode, uint64_t qw0_extra, uint64_t qw1)
{
    SMMUv3AuxCmd c = { { qw0_extra | opcode, qw1 } };

    return c;
}

SMMUv3AuxCmd cmd_sync_make(unsigned cs, uint64_t msiaddr, uint32_t msidata)
{
    uint64_t qw0 = SMMUV3_AUX_CMD_SYNC;

    qw0 = FIELD_DP64(qw0, CMD_0, CS, cs);
    qw0 = FIELD_DP64(qw0, CMD_0, MSH, 3);
    qw0 = FIELD_DP64(qw0, CMD_0, MSIATTR, 0xf);
    qw0 = FIELD_DP64(qw0, CMD_0, MSIDATA, msidata);
    return cmd_make(0, qw0, msiaddr & R_CMD_1_MSIADDR_MASK);
}

void tsmmu_event(TestSMMU *t, uint32_t idx, SMMUv3AuxEvtRecord *rec)
{
    uint64_t base = t->e.regs.evtq_base & R_EVENTQ_BASE_ADDR_MASK;

    for (int i = 0; i < 4; i++) {
        rec->qw[i] = mem_read64(t, base + idx * 32ULL + i * 8);
    }
}

/* ---- Stream table ----------------------------------------------------- */

SMMUv3AuxSTE ste_make(unsigned config)
{
    SMMUv3AuxSTE ste = { { 0 } };

    ste.qw[0] = FIELD_DP64(ste.qw[0], STE_0, V, 1);
    ste.qw[0] = FIELD_DP64(ste.qw[0], STE_0, CONFIG, config);
    if (config & 2) {
        /* A valid 4K stage 2 for a 44-bit IPA, starting at level 0. */
        ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2AA64, 1);
        ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2T0SZ, 20);
        ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2SL0, 2);
        ste.qw[2] = FIELD_DP64(ste.qw[2], STE_2, S2PS, SMMUV3_AUX_OAS_44);
    }
    return ste;
}

void ste_write(TestSMMU *t, uint64_t pa, const SMMUv3AuxSTE *ste)
{
    for (int i = 0; i < 8; i++) {
        mem_write64(t, pa + i * 8, ste->qw[i]);
    }
}

void tsmmu_setup_strtab_linear(TestSMMU *t, uint64_t base, unsigned log2size)
{
    uint32_t cfg = 0;

    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, LOG2SIZE, log2size);
    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, FMT, SMMUV3_AUX_STRTAB_FMT_LINEAR);
    reg_w64(t, A_STRTAB_BASE, R_STRTAB_BASE_RA_MASK | base);
    reg_w32(t, A_STRTAB_BASE_CFG, cfg);
}

void tsmmu_setup_strtab_2lvl(TestSMMU *t, uint64_t base, unsigned log2size,
                             unsigned split)
{
    uint32_t cfg = 0;

    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, LOG2SIZE, log2size);
    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, SPLIT, split);
    cfg = FIELD_DP32(cfg, STRTAB_BASE_CFG, FMT, SMMUV3_AUX_STRTAB_FMT_2LVL);
    reg_w64(t, A_STRTAB_BASE, R_STRTAB_BASE_RA_MASK | base);
    reg_w32(t, A_STRTAB_BASE_CFG, cfg);
}

uint64_t l1std_make(uint64_t l2ptr, unsigned span)
{
    uint64_t d = l2ptr & R_L1STD_L2PTR_MASK;

    return FIELD_DP64(d, L1STD, SPAN, span);
}

void tsmmu_enable_all(TestSMMU *t, uint64_t cmdq_base, uint64_t evtq_base)
{
    tsmmu_setup_cmdq(t, cmdq_base, 4);
    tsmmu_setup_evtq(t, evtq_base, 4);
    reg_w32(t, A_CR2, R_CR2_RECINVSID_MASK | R_CR2_PTM_MASK);
    tsmmu_set_cr0(t, R_CR0_SMMUEN_MASK | R_CR0_CMDQEN_MASK |
                  R_CR0_EVENTQEN_MASK);
}

SMMUv3AuxResult tsmmu_translate(TestSMMU *t, uint32_t sid, uint64_t iova,
                                bool is_write, SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxTxn txn = {
        .sid = sid,
        .iova = iova,
        .is_write = is_write,
    };

    return smmuv3_aux_translate(&t->e, &txn, out);
}

void assert_event_rec(TestSMMU *t, uint32_t idx, uint64_t qw0, uint64_t qw1,
                      uint64_t qw2, uint64_t qw3)
{
    SMMUv3AuxEvtRecord rec;

    tsmmu_event(t, idx, &rec);
    g_assert_cmphex(rec.qw[0], ==, qw0);
    g_assert_cmphex(rec.qw[1], ==, qw1);
    g_assert_cmphex(rec.qw[2], ==, qw2);
    g_assert_cmphex(rec.qw[3], ==, qw3);
}

unsigned tsmmu_n_events(TestSMMU *t)
{
    uint32_t prod = reg_r32(t, A_EVENTQ_PROD) & 0x1f;
    uint32_t cons = reg_r32(t, A_EVENTQ_CONS) & 0x1f;

    return (prod - cons) & 0x1f;
}

void tsmmu_consume_events(TestSMMU *t)
{
    reg_w32(t, A_EVENTQ_CONS, reg_r32(t, A_EVENTQ_PROD) & 0x1f);
}

/* ---- Context descriptors ---------------------------------------------- */

static unsigned oas_enc(const TestSMMU *t)
{
    return FIELD_EX32(t->e.regs.idr[5], IDR5, OAS);
}

SMMUv3AuxCD cd_make_linux(const TestSMMU *t, uint64_t ttb0, uint16_t asid)
{
    SMMUv3AuxCD cd = { { 0 } };
    uint64_t c0 = 0;

    c0 = FIELD_DP64(c0, CD_0, T0SZ, 16);
    c0 = FIELD_DP64(c0, CD_0, TG0, SMMUV3_AUX_CD_TG0_4K);
    c0 = FIELD_DP64(c0, CD_0, IR0, 1);
    c0 = FIELD_DP64(c0, CD_0, OR0, 1);
    c0 = FIELD_DP64(c0, CD_0, SH0, 3);
    c0 = FIELD_DP64(c0, CD_0, EPD1, 1);
    c0 = FIELD_DP64(c0, CD_0, V, 1);
    c0 = FIELD_DP64(c0, CD_0, IPS, oas_enc(t));
    c0 = FIELD_DP64(c0, CD_0, AA64, 1);
    c0 = FIELD_DP64(c0, CD_0, R, 1);
    c0 = FIELD_DP64(c0, CD_0, A, 1);
    c0 = FIELD_DP64(c0, CD_0, ASET, 1);
    c0 = FIELD_DP64(c0, CD_0, ASID, asid);
    cd.qw[0] = c0;
    cd.qw[1] = ttb0 & R_CD_1_TTB0_MASK;
    cd.qw[3] = TEST_MAIR_LINUX;
    return cd;
}

void cd_write(TestSMMU *t, uint64_t pa, const SMMUv3AuxCD *cd)
{
    for (int i = 0; i < 8; i++) {
        mem_write64(t, pa + i * 8, cd->qw[i]);
    }
}

SMMUv3AuxSTE ste_make_s1(uint64_t cd_addr)
{
    SMMUv3AuxSTE ste = ste_make(SMMUV3_AUX_STE_CONFIG_S1);

    ste.qw[0] |= cd_addr & R_STE_0_S1CONTEXTPTR_MASK;
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, S1DSS, 2);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, S1CIR, 1);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, S1COR, 1);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, S1CSH, 3);
    return ste;
}

void ste_set_s2_linux(const TestSMMU *t, SMMUv3AuxSTE *ste, uint64_t s2ttb,
                      uint16_t vmid)
{
    unsigned oas = smmuv3_aux_ptw_ps_bits(oas_enc(t));
    uint64_t q2 = 0;

    q2 = FIELD_DP64(q2, STE_2, S2VMID, vmid);
    q2 = FIELD_DP64(q2, STE_2, S2T0SZ, 64 - oas);
    /* 4K: SL0 2 starts at level 0, 1 at level 1 (no concatenation). */
    q2 = FIELD_DP64(q2, STE_2, S2SL0, oas > 39 ? 2 : 1);
    q2 = FIELD_DP64(q2, STE_2, S2IR0, 1);
    q2 = FIELD_DP64(q2, STE_2, S2OR0, 1);
    q2 = FIELD_DP64(q2, STE_2, S2SH0, 3);
    q2 = FIELD_DP64(q2, STE_2, S2TG, SMMUV3_AUX_STE_S2TG_4K);
    q2 = FIELD_DP64(q2, STE_2, S2PS, oas_enc(t));
    q2 = FIELD_DP64(q2, STE_2, S2AA64, 1);
    q2 = FIELD_DP64(q2, STE_2, S2PTW, 1);
    q2 = FIELD_DP64(q2, STE_2, S2R, 1);
    ste->qw[2] = q2;
    ste->qw[3] = s2ttb & R_STE_3_S2TTB_MASK;
}

/* ---- Translation tables ------------------------------------------------ */

void tpt_pool_init(TestSMMU *t, uint64_t pool)
{
    t->pt_next = pool;
}

uint64_t tpt_alloc(TestSMMU *t)
{
    uint64_t pa = t->pt_next;
    uint8_t zero[4096] = { 0 };

    g_assert_cmphex(pa, !=, 0);
    t->pt_next += 4096;
    mem_write(t, pa, zero, sizeof(zero));
    return pa;
}

static int tpt_start_level(unsigned inputsize)
{
    return 3 - (inputsize - 1 - 12) / 9;
}

static uint64_t tpt_index(uint64_t va, int level)
{
    return (va >> (12 + 9 * (3 - level))) & 0x1ff;
}

/* Walk to the table holding level's entry, creating tables on the way. */
static uint64_t tpt_table(TestSMMU *t, uint64_t root, unsigned inputsize,
                         uint64_t va, int level, bool create)
{
    uint64_t table = root;

    for (int l = tpt_start_level(inputsize); l < level; l++) {
        uint64_t addr = table + tpt_index(va, l) * 8;
        uint64_t desc = mem_read64(t, addr);

        if (!(desc & 1)) {
            g_assert_true(create);
            desc = tpt_alloc(t) | 3;
            mem_write64(t, addr, desc);
        }
        table = desc & 0xfffffffff000ULL;
    }
    return table;
}

void tpt_map(TestSMMU *t, uint64_t root, unsigned inputsize, uint64_t va,
            uint64_t pa, uint64_t attrs, int leaf_level)
{
    uint64_t table = tpt_table(t, root, inputsize, va, leaf_level, true);

    mem_write64(t, table + tpt_index(va, leaf_level) * 8,
                pa | attrs | (leaf_level == 3 ? 3 : 1));
}

uint64_t tpt_desc_addr(TestSMMU *t, uint64_t root, unsigned inputsize,
                      uint64_t va, int level)
{
    return tpt_table(t, root, inputsize, va, level, false) +
           tpt_index(va, level) * 8;
}
