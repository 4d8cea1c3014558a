/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: MMIO registers (regs.c, engine.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"
#include "tests/unit/smmuv3-aux-reg-table.h"

/*
 * IDRs of smmuv3_aux_params_set_defaults(), which are the device's
 * property defaults (one table, SMMUV3_AUX_PARAMS): HYP on, OAS 48 bits.
 * Spelt out in hex too, so that a change of the table is seen here.
 */
/* ... HTTU = 2 (HA + HD), ATS ... */
#define DEF_IDR0    0x084d369bu
#define DEF_IDR1    0x02739d10u
/* HAD | XNX | FWB | RIL | BBML = 2 */
#define DEF_IDR3    0x00001534u
#define DEF_IDR5    0x00000075u

QEMU_BUILD_BUG_ON(SMMUV3_AUX_DEV_IDR0 != DEF_IDR0);
QEMU_BUILD_BUG_ON(SMMUV3_AUX_DEV_IDR1 != DEF_IDR1);
QEMU_BUILD_BUG_ON(SMMUV3_AUX_DEV_IDR3 != DEF_IDR3);
QEMU_BUILD_BUG_ON(SMMUV3_AUX_DEV_IDR5 != DEF_IDR5);

static const SMMUv3AuxRegReset reset_values[] = {
    SMMUV3_AUX_REG_TABLE(SMMUV3_AUX_REG_RESET_ROW)
};

/* arm-smmuv3-aux's property defaults, which the register table describes. */
static TestSMMU *tsmmu_new_device(void)
{
    return tsmmu_new(NULL);
}

static void check_reset_values(TestSMMU *t)
{
    for (int i = 0; i < ARRAY_SIZE(reset_values); i++) {
        const SMMUv3AuxRegReset *r = &reset_values[i];
        uint64_t v = smmuv3_aux_reg_read(&t->e, r->off, r->size);

        if (v != r->reset) {
            g_test_message("%s: 0x%" PRIx64 " != 0x%" PRIx64, r->name, v,
                           r->reset);
        }
        g_assert_cmphex(v, ==, r->reset);
    }
}

static void test_reset_values(void)
{
    TestSMMU *t = tsmmu_new_device();

    check_reset_values(t);
    tsmmu_free(t);
}

static void test_reset_clears(void)
{
    TestSMMU *t = tsmmu_new_device();

    tsmmu_enable_all(t, 0x10000, 0x20000);
    reg_w32(t, A_IRQ_CTRL, 5);
    reg_w32(t, A_GBPA, R_GBPA_UPDATE_MASK | R_GBPA_ABORT_MASK);
    reg_w64(t, A_GERROR_IRQ_CFG0, 0x1234);
    reg_w32(t, A_GERRORN, 1);
    t->e.irq_pending = 0xf;
    smmuv3_aux_engine_reset(&t->e);
    check_reset_values(t);
    g_assert_cmphex(t->e.irq_pending, ==, 0);
    tsmmu_free(t);
}

/* ---- IDR composition -------------------------------------------------- */

typedef struct IdrCase {
    const char *name;
    void (*tweak)(SMMUv3AuxParams *p);
    uint32_t idr0, idr1, idr3, idr5;
} IdrCase;

static void tweak_none(SMMUv3AuxParams *p)
{
}

static void tweak_minimal(SMMUv3AuxParams *p)
{
    p->sid_size = 8;
    p->cmdqs = 7;
    p->evtqs = 0;
    p->oas_bits = 32;
    p->two_level_strtab = false;
    p->msi = false;
    p->coherent = false;
    p->s2p = false;
    p->asid16 = false;
    p->vmid16 = false;
    p->ril = false;
    p->had = false;
    p->bbml = 0;
    p->httu = SMMUV3_AUX_HTTU_NONE;
    p->hyp = false;
    p->ssid_size = 0;
    p->gran16k = false;
    p->gran64k = false;
    p->ats = false;
    p->pri = false;
    p->stall_model = SMMUV3_AUX_IDR0_STALL_NONE;
}

static void tweak_s2_only_hyp_off(SMMUv3AuxParams *p)
{
    p->s1p = false;
    p->hyp = false;
    p->ssid_size = 0;
    p->oas_bits = 52;
    p->sid_size = 32;
    p->gran4k = false;
}

static void tweak_httu_none(SMMUv3AuxParams *p)
{
    p->httu = SMMUV3_AUX_HTTU_NONE;
}

static void tweak_httu_ha(SMMUv3AuxParams *p)
{
    p->httu = SMMUV3_AUX_HTTU_HA;
}

static void tweak_httu_haft(SMMUv3AuxParams *p)
{
    p->httu = SMMUV3_AUX_HTTU_HAFT;
}

static void tweak_ats_off(SMMUv3AuxParams *p)
{
    p->ats = false;
}

static void tweak_pri_off(SMMUv3AuxParams *p)
{
    p->pri = false;
}

static void tweak_stall_none(SMMUv3AuxParams *p)
{
    p->stall_model = SMMUV3_AUX_IDR0_STALL_NONE;
}

static void tweak_stall_force(SMMUv3AuxParams *p)
{
    p->stall_model = SMMUV3_AUX_IDR0_STALL_FORCE;
}

static void tweak_priqs_8(SMMUv3AuxParams *p)
{
    p->priqs = 8;
}

static const IdrCase idr_cases[] = {
    { "default", tweak_none, DEF_IDR0, DEF_IDR1, DEF_IDR3, DEF_IDR5 },
    /* S1P|TTF=AA64|TTENDIAN=LE|STALL_MODEL=1 */
    { "minimal", tweak_minimal, 0x0140000a, 0x00e00008, 0, 0x10 },
    /* S2P|TTF|COHACC|ATS|PRI|ASID16|MSI|VMID16|TTENDIAN|ST_LEVEL */
    { "s2-only", tweak_s2_only_hyp_off, 0x08453499,
      0x02739820, DEF_IDR3, 0x66 },
    /* IDR0.HTTU, bits [7:6], is the httu property's value. */
    { "httu-none", tweak_httu_none, DEF_IDR0 & ~0xc0u, DEF_IDR1, DEF_IDR3,
      DEF_IDR5 },
    { "httu-ha", tweak_httu_ha, (DEF_IDR0 & ~0xc0u) | 0x40, DEF_IDR1,
      DEF_IDR3, DEF_IDR5 },
    { "httu-haft", tweak_httu_haft, DEF_IDR0 | 0xc0, DEF_IDR1, DEF_IDR3,
      DEF_IDR5 },
    /* IDR0.ATS, bit 10, is the ats property. */
    { "ats-off", tweak_ats_off, DEF_IDR0 & ~0x400u, DEF_IDR1, DEF_IDR3,
      DEF_IDR5 },
    /* IDR0.PRI (bit 16), IDR1.PRIQS [15:11] and IDR3.PPS (bit 5): pri. */
    { "pri-off", tweak_pri_off, DEF_IDR0 & ~0x10000u, DEF_IDR1 & ~0xf800u,
      DEF_IDR3 & ~0x20u, DEF_IDR5 },
    /* IDR0.STALL_MODEL, bits [25:24], is the stall-model property. */
    { "stall-none", tweak_stall_none, DEF_IDR0 | 1u << 24, DEF_IDR1,
      DEF_IDR3, DEF_IDR5 },
    { "stall-forced", tweak_stall_force, DEF_IDR0 | 2u << 24, DEF_IDR1,
      DEF_IDR3, DEF_IDR5 },
    { "priqs-8", tweak_priqs_8, DEF_IDR0, (DEF_IDR1 & ~0xf800u) | 8 << 11,
      DEF_IDR3, DEF_IDR5 },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    c->tweak(&p);
    t = tsmmu_new(&p);
    g_assert_cmphex(reg_r32(t, A_IDR0), ==, c->idr0);
    g_assert_cmphex(reg_r32(t, A_IDR1), ==, c->idr1);
    g_assert_cmphex(reg_r32(t, A_IDR3), ==, c->idr3);
    g_assert_cmphex(reg_r32(t, A_IDR5), ==, c->idr5);
    tsmmu_free(t);
}

typedef struct BadParams {
    const char *name;
    void (*tweak)(SMMUv3AuxParams *p);
} BadParams;

static void bad_sid0(SMMUv3AuxParams *p) { p->sid_size = 0; }
static void bad_sid33(SMMUv3AuxParams *p) { p->sid_size = 33; }
static void bad_cmdqs6(SMMUv3AuxParams *p) { p->cmdqs = 6; }
static void bad_cmdqs20(SMMUv3AuxParams *p) { p->cmdqs = 20; }
static void bad_evtqs20(SMMUv3AuxParams *p) { p->evtqs = 20; }
static void bad_oas(SMMUv3AuxParams *p) { p->oas_bits = 46; }
static void bad_stages(SMMUv3AuxParams *p)
{
    p->s1p = p->s2p = false;
    p->ssid_size = 0;
}
static void bad_gran(SMMUv3AuxParams *p)
{
    p->gran4k = p->gran16k = p->gran64k = false;
}
static void bad_hyp(SMMUv3AuxParams *p)
{
    p->hyp = true;
    p->s1p = false;
    p->ssid_size = 0;
}

static void bad_httu(SMMUv3AuxParams *p) { p->httu = 4; }
static void bad_stall(SMMUv3AuxParams *p) { p->stall_model = 3; }
static void bad_priqs(SMMUv3AuxParams *p) { p->priqs = 20; }

static const BadParams bad_params[] = {
    { "sid-size-0", bad_sid0 }, { "sid-size-33", bad_sid33 },
    { "cmdqs-6", bad_cmdqs6 }, { "cmdqs-20", bad_cmdqs20 },
    { "evtqs-20", bad_evtqs20 }, { "oas-46", bad_oas },
    { "no-stage", bad_stages }, { "no-granule", bad_gran },
    { "hyp-without-s1", bad_hyp }, { "httu-4", bad_httu },
    { "stall-model-3", bad_stall }, { "priqs-20", bad_priqs },
};

static void test_params_check(void)
{
    SMMUv3AuxParams p;
    const char *why = "unset";

    smmuv3_aux_params_set_defaults(&p);
    g_assert_true(smmuv3_aux_params_check(&p, &why));
    g_assert_null(why);
    for (int i = 0; i < ARRAY_SIZE(bad_params); i++) {
        smmuv3_aux_params_set_defaults(&p);
        bad_params[i].tweak(&p);
        why = NULL;
        g_assert_false(smmuv3_aux_params_check(&p, &why));
        g_assert_nonnull(why);
    }
}

/* ---- Control registers ------------------------------------------------ */

static void test_cr0_ack(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t = tsmmu_new(NULL);

    /* With ATS and PRI: SMMUEN, PRIQEN, EVENTQEN, CMDQEN and ATSCHK. */
    reg_w32(t, A_CR0, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_CR0), ==, 0x1f);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, 0x1f);
    reg_w32(t, A_CR0, 0x8);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, 0x8);
    reg_w32(t, A_CR0, 0);
    g_assert_cmphex(reg_r32(t, A_CR0), ==, 0);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, 0);
    /* CR0ACK is read-only. */
    reg_w32(t, A_CR0ACK, 0xd);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, 0);
    tsmmu_free(t);

    /* Without ATS, ATSCHK is RES0; without PRI, PRIQEN. */
    smmuv3_aux_params_set_defaults(&p);
    p.ats = false;
    p.pri = false;
    t = tsmmu_new(&p);
    reg_w32(t, A_CR0, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_CR0), ==, 0xd);
    g_assert_cmphex(reg_r32(t, A_CR0ACK), ==, 0xd);
    tsmmu_free(t);
}

static void test_cr1_cr2(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;

    smmuv3_aux_params_set_defaults(&p);
    p.hyp = false;
    t = tsmmu_new(&p);
    reg_w32(t, A_CR1, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_CR1), ==, 0xfff);
    reg_w32(t, A_CR1, 0xd75);
    g_assert_cmphex(reg_r32(t, A_CR1), ==, 0xd75);
    /* E2H is RES0 without IDR0.HYP. */
    reg_w32(t, A_CR2, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_CR2), ==, 0x6);
    tsmmu_free(t);

    t = tsmmu_new(NULL);        /* HYP by default */
    reg_w32(t, A_CR2, 0x7);
    g_assert_cmphex(reg_r32(t, A_CR2), ==, 0x7);
    tsmmu_free(t);
}

static void test_irq_ctrl_ack(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxParams p;

    reg_w32(t, A_IRQ_CTRL, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_IRQ_CTRL), ==, 0x7);
    g_assert_cmphex(reg_r32(t, A_IRQ_CTRLACK), ==, 0x7);
    reg_w32(t, A_IRQ_CTRL, 0x4);
    g_assert_cmphex(reg_r32(t, A_IRQ_CTRLACK), ==, 0x4);
    reg_w32(t, A_IRQ_CTRLACK, 0x1);
    g_assert_cmphex(reg_r32(t, A_IRQ_CTRLACK), ==, 0x4);
    tsmmu_free(t);

    /* Without PRI, PRIQ_IRQEN is RES0. */
    smmuv3_aux_params_set_defaults(&p);
    p.pri = false;
    t = tsmmu_new(&p);
    reg_w32(t, A_IRQ_CTRL, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_IRQ_CTRL), ==, 0x5);
    tsmmu_free(t);
}

static void test_gbpa_update(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    /* Without UPDATE the write is ignored. */
    reg_w32(t, A_GBPA, R_GBPA_ABORT_MASK);
    g_assert_cmphex(reg_r32(t, A_GBPA), ==, 0x1000);
    /* With UPDATE it applies, and UPDATE reads back as 0 (done). */
    reg_w32(t, A_GBPA, R_GBPA_UPDATE_MASK | R_GBPA_ABORT_MASK | 0x1000);
    g_assert_cmphex(reg_r32(t, A_GBPA), ==, 0x101000);
    /* Reserved bits are dropped. */
    reg_w32(t, A_GBPA, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_GBPA), ==, 0x1f3f1f);
    reg_w32(t, A_GBPA, R_GBPA_UPDATE_MASK);
    g_assert_cmphex(reg_r32(t, A_GBPA), ==, 0);
    tsmmu_free(t);
}

static void test_gerror_ro_gerrorn(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    reg_w32(t, A_GERROR, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    reg_w32(t, A_GERRORN, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_GERRORN), ==, 0x1fd);
    /* GERRORN ahead of GERROR: nothing new is reported for those bits. */
    smmuv3_aux_gerror_activate(&t->e, R_GERROR_EVENTQ_ABT_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    reg_w32(t, A_GERRORN, 0);
    smmuv3_aux_gerror_activate(&t->e, R_GERROR_EVENTQ_ABT_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0x4);
    /* Already active: no second toggle. */
    smmuv3_aux_gerror_activate(&t->e, R_GERROR_EVENTQ_ABT_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0x4);
    reg_w32(t, A_GERRORN, 0x4);
    smmuv3_aux_gerror_activate(&t->e, R_GERROR_EVENTQ_ABT_ERR_MASK);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    tsmmu_free(t);
}

static void test_msi_failed(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    reg_w32(t, A_IRQ_CTRL, R_IRQ_CTRL_GERROR_IRQEN_MASK);
    smmuv3_aux_engine_msi_failed(&t->e, SMMUV3_AUX_IRQ_EVTQ);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0x20);
    smmuv3_aux_engine_msi_failed(&t->e, SMMUV3_AUX_IRQ_CMD_SYNC);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0x30);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 1u << SMMUV3_AUX_IRQ_GERROR);
    /* A failed GERROR MSI is recorded but not re-signalled. */
    smmuv3_aux_engine_msi_failed(&t->e, SMMUV3_AUX_IRQ_GERROR);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0xb0);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 0);
    tsmmu_free(t);
}

/* ---- 64-bit registers and access sizes -------------------------------- */

typedef struct Reg64Case {
    const char *name;
    uint64_t off;
    uint64_t mask;      /* bits that read back */
} Reg64Case;

static const Reg64Case reg64_cases[] = {
    { "gerror-irq-cfg0", A_GERROR_IRQ_CFG0, 0x000ffffffffffffcULL },
    { "strtab-base", A_STRTAB_BASE, 0x400fffffffffffc0ULL },
    { "cmdq-base", A_CMDQ_BASE, 0x400fffffffffffffULL },
    { "eventq-base", A_EVENTQ_BASE, 0x400fffffffffffffULL },
    { "eventq-irq-cfg0", A_EVENTQ_IRQ_CFG0, 0x000ffffffffffffcULL },
};

static void test_reg64(const void *opaque)
{
    const Reg64Case *c = opaque;
    TestSMMU *t = tsmmu_new(NULL);
    uint64_t v = 0xa5a5a5a5deadbeefULL;

    /* One 64-bit write, read as 64 and as two halves. */
    reg_w64(t, c->off, ~0ULL);
    g_assert_cmphex(reg_r64(t, c->off), ==, c->mask);
    reg_w64(t, c->off, v);
    g_assert_cmphex(reg_r64(t, c->off), ==, v & c->mask);
    g_assert_cmphex(reg_r32(t, c->off), ==, (uint32_t)(v & c->mask));
    g_assert_cmphex(reg_r32(t, c->off + 4), ==, (v & c->mask) >> 32);
    /* Halves: each 32-bit write keeps the other half. */
    reg_w64(t, c->off, 0);
    reg_w32(t, c->off + 4, 0x12345678);
    g_assert_cmphex(reg_r64(t, c->off), ==, 0x1234567800000000ULL & c->mask);
    reg_w32(t, c->off, 0x9abcdef0);
    g_assert_cmphex(reg_r64(t, c->off), ==, 0x123456789abcdef0ULL & c->mask);
    reg_w32(t, c->off + 4, 0);
    g_assert_cmphex(reg_r64(t, c->off), ==, 0x9abcdef0ULL & c->mask);
    tsmmu_free(t);
}

static void test_reg64_pair_of_reg32(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    /* An 8-byte access to CR1/CR2 is two 32-bit accesses. */
    reg_w64(t, A_CR1, 0x0000000600000d75ULL);
    g_assert_cmphex(reg_r32(t, A_CR1), ==, 0xd75);
    g_assert_cmphex(reg_r32(t, A_CR2), ==, 0x6);
    g_assert_cmphex(reg_r64(t, A_CR1), ==, 0x0000000600000d75ULL);
    g_assert_cmphex(reg_r64(t, A_IDR0), ==,
                    ((uint64_t)DEF_IDR1 << 32) | DEF_IDR0);
    tsmmu_free(t);
}

static void test_bad_access(void)
{
    TestSMMU *t = tsmmu_new_device();

    /* Unaligned and odd sizes: RAZ/WI. */
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, A_IDR0 + 2, 4), ==, 0);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, A_IDR0 + 4, 8), ==, 0);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, A_IDR0, 2), ==, 0);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, A_IDR0, 1), ==, 0);
    smmuv3_aux_reg_write(&t->e, A_CR1 + 1, 0xffffffff, 4);
    smmuv3_aux_reg_write(&t->e, A_CR1, 0xffff, 2);
    g_assert_cmphex(reg_r32(t, A_CR1), ==, 0);
    /* Beyond the 128 KiB window. */
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, 0x20000, 4), ==, 0);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, ~0ULL - 3, 4), ==, 0);
    smmuv3_aux_reg_write(&t->e, 0x20020, 0xffffffff, 4);
    /* Read-only registers ignore writes. */
    reg_w32(t, A_IDR0, 0);
    reg_w32(t, A_IIDR, 0xffffffff);
    reg_w32(t, A_AIDR, 0xffffffff);
    check_reset_values(t);
    tsmmu_free(t);
}

static const uint64_t reserved_offsets[] = {
    0x30, 0x3c, 0x4c, 0x58, 0x5c, 0x78, 0x7c, 0x8c, 0xe0, 0xdfc, 0xe00,
    0x1000, 0x7ffc,
    /* Secure bank */
    0x8000, 0x8004, 0x8020, 0x8028, 0x8080, 0xfffc,
    /* Page-0 locations of the page-1 registers */
    0xa8, 0xac, 0xc8, 0xcc,
    /* Page 1 outside EVENTQ/PRIQ PROD/CONS, incl. page-0 register offsets */
    0x10000, 0x10020, 0x10024, 0x10050, 0x10060, 0x10064, 0x10098,
    0x1009c, 0x100a0, 0x100b0, 0x10e00, 0x1fffc,
};

static void test_reserved_raz_wi(void)
{
    TestSMMU *t = tsmmu_new_device();

    for (int i = 0; i < ARRAY_SIZE(reserved_offsets); i++) {
        reg_w32(t, reserved_offsets[i], 0xffffffff);
        g_assert_cmphex(reg_r32(t, reserved_offsets[i]), ==, 0);
    }
    check_reset_values(t);
    tsmmu_free(t);
}

static void test_page1_queue_regs(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxParams p;

    reg_w32(t, A_EVENTQ_PROD, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x800fffff);
    reg_w32(t, A_EVENTQ_CONS, 0x80000012);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_CONS), ==, 0x80000012);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD_PAGE0), ==, 0);
    /* PRIQ: as the event queue's; PROD is the SMMU's once PRIQEN = 1. */
    reg_w32(t, A_PRIQ_PROD, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 0x800fffff);
    reg_w32(t, A_PRIQ_CONS, 0x80000012);
    g_assert_cmphex(reg_r32(t, A_PRIQ_CONS), ==, 0x80000012);
    reg_w64(t, A_PRIQ_BASE, 0xffffffffffffffffull);
    g_assert_cmphex(reg_r64(t, A_PRIQ_BASE), ==, 0x400fffffffffffffull);
    reg_w32(t, A_PRIQ_IRQ_CFG2, 0xffffffff);
    g_assert_cmphex(reg_r32(t, A_PRIQ_IRQ_CFG2), ==, 0x8000003f);
    reg_w32(t, A_PRIQ_PROD, 0);
    tsmmu_set_cr0(t, R_CR0_PRIQEN_MASK);
    reg_w32(t, A_PRIQ_PROD, 5);
    reg_w64(t, A_PRIQ_BASE, 0);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 0);
    g_assert_cmphex(reg_r64(t, A_PRIQ_BASE), ==, 0x400fffffffffffffull);
    tsmmu_free(t);

    /* No PRI: PRIQ registers are RES0. */
    smmuv3_aux_params_set_defaults(&p);
    p.pri = false;
    t = tsmmu_new(&p);
    reg_w32(t, A_PRIQ_PROD, 5);
    reg_w32(t, A_PRIQ_CONS, 5);
    reg_w64(t, A_PRIQ_BASE, 0x10000);
    reg_w64(t, A_PRIQ_IRQ_CFG0, 0x10000);
    reg_w32(t, A_PRIQ_IRQ_CFG1, 5);
    g_assert_cmphex(reg_r32(t, A_PRIQ_PROD), ==, 0);
    g_assert_cmphex(reg_r32(t, A_PRIQ_CONS), ==, 0);
    g_assert_cmphex(reg_r64(t, A_PRIQ_BASE), ==, 0);
    g_assert_cmphex(reg_r64(t, A_PRIQ_IRQ_CFG0), ==, 0);
    g_assert_cmphex(reg_r32(t, A_PRIQ_IRQ_CFG1), ==, 0);
    tsmmu_free(t);
}

static void test_irq_cfg(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t = tsmmu_new(NULL);

    reg_w32(t, A_GERROR_IRQ_CFG1, 0xcafe);
    reg_w32(t, A_GERROR_IRQ_CFG2, 0xffffffff);
    reg_w32(t, A_EVENTQ_IRQ_CFG1, 0xbeef);
    reg_w32(t, A_EVENTQ_IRQ_CFG2, 0x1);
    g_assert_cmphex(reg_r32(t, A_GERROR_IRQ_CFG1), ==, 0xcafe);
    g_assert_cmphex(reg_r32(t, A_GERROR_IRQ_CFG2), ==, 0x3f);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_IRQ_CFG1), ==, 0xbeef);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_IRQ_CFG2), ==, 0x1);
    tsmmu_free(t);

    /* Without MSI support the IRQ_CFG registers are RAZ/WI. */
    smmuv3_aux_params_set_defaults(&p);
    p.msi = false;
    t = tsmmu_new(&p);
    reg_w64(t, A_GERROR_IRQ_CFG0, 0x1000);
    reg_w32(t, A_GERROR_IRQ_CFG1, 1);
    reg_w32(t, A_GERROR_IRQ_CFG2, 1);
    reg_w64(t, A_EVENTQ_IRQ_CFG0, 0x1000);
    reg_w32(t, A_EVENTQ_IRQ_CFG1, 1);
    reg_w32(t, A_EVENTQ_IRQ_CFG2, 1);
    g_assert_cmphex(reg_r64(t, A_GERROR_IRQ_CFG0), ==, 0);
    g_assert_cmphex(reg_r32(t, A_GERROR_IRQ_CFG1), ==, 0);
    g_assert_cmphex(reg_r32(t, A_GERROR_IRQ_CFG2), ==, 0);
    g_assert_cmphex(reg_r64(t, A_EVENTQ_IRQ_CFG0), ==, 0);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_IRQ_CFG1), ==, 0);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_IRQ_CFG2), ==, 0);
    tsmmu_free(t);
}

/* ---- Registers guarded by enables ------------------------------------- */

typedef struct GuardCase {
    const char *name;
    uint32_t cr0;       /* enable that guards the register */
    uint64_t off;
    unsigned size;
    uint64_t val;
} GuardCase;

static const GuardCase guard_cases[] = {
    { "strtab-base", R_CR0_SMMUEN_MASK, A_STRTAB_BASE, 8, 0x40000 },
    { "strtab-base-hi", R_CR0_SMMUEN_MASK, A_STRTAB_BASE + 4, 4, 0x1 },
    { "strtab-base-cfg", R_CR0_SMMUEN_MASK, A_STRTAB_BASE_CFG, 4, 0x10210 },
    { "cmdq-base", R_CR0_CMDQEN_MASK, A_CMDQ_BASE, 8, 0x40007 },
    { "cmdq-base-lo", R_CR0_CMDQEN_MASK, A_CMDQ_BASE, 4, 0x40007 },
    { "cmdq-cons", R_CR0_CMDQEN_MASK, A_CMDQ_CONS, 4, 0x5 },
    { "eventq-base", R_CR0_EVENTQEN_MASK, A_EVENTQ_BASE, 8, 0x40007 },
    { "eventq-prod", R_CR0_EVENTQEN_MASK, A_EVENTQ_PROD, 4, 0x5 },
};

static void test_guarded(const void *opaque)
{
    const GuardCase *c = opaque;
    TestSMMU *t = tsmmu_new(NULL);

    /* Enabled: the write is ignored. */
    reg_w32(t, A_CR0, c->cr0);
    smmuv3_aux_reg_write(&t->e, c->off, c->val, c->size);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, c->off, c->size), ==, 0);
    /* Disabled: it takes effect. */
    reg_w32(t, A_CR0, 0);
    smmuv3_aux_reg_write(&t->e, c->off, c->val, c->size);
    g_assert_cmphex(smmuv3_aux_reg_read(&t->e, c->off, c->size), ==, c->val);
    tsmmu_free(t);
}

static void test_unguarded_while_enabled(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    tsmmu_enable_all(t, 0x10000, 0x20000);
    /* Software-owned pointers stay writable while the queues run. */
    reg_w32(t, A_EVENTQ_CONS, 0x3);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_CONS), ==, 0x3);
    reg_w32(t, A_CMDQ_PROD, 0);
    g_assert_cmphex(reg_r32(t, A_CMDQ_PROD), ==, 0);
    reg_w32(t, A_CMDQ_PROD, 0xfff00000);
    g_assert_cmphex(reg_r32(t, A_CMDQ_PROD), ==, 0);
    tsmmu_free(t);
}

/*
 * Guest-controlled chaos: random MMIO writes, random table contents and
 * translations must never crash, hang or assert.  Deterministic seed.
 */
static void test_random_smoke(void)
{
    TestSMMU *t = tsmmu_new(NULL);
    GRand *rand = g_rand_new_with_seed(0x5a5a1234);
    static const uint64_t hot[] = {
        A_CR0, A_CR2, A_GBPA, A_IRQ_CTRL, A_GERRORN, A_STRTAB_BASE,
        A_STRTAB_BASE_CFG, A_CMDQ_BASE, A_CMDQ_PROD, A_CMDQ_CONS,
        A_EVENTQ_BASE, A_EVENTQ_PROD, A_EVENTQ_CONS, A_GERROR_IRQ_CFG0,
        A_EVENTQ_IRQ_CFG0,
    };

    for (int i = 0; i < 20000; i++) {
        uint64_t off = g_rand_boolean(rand) ?
                       hot[g_rand_int_range(rand, 0, ARRAY_SIZE(hot))] :
                       (g_rand_int(rand) & 0x1fffc);
        uint64_t val = ((uint64_t)g_rand_int(rand) << 32) | g_rand_int(rand);
        /* Keep tables and queues in a small window of guest memory. */
        uint64_t pa = g_rand_int(rand) & 0xffff8;
        SMMUv3AuxTxnOut out;

        if (off == A_STRTAB_BASE || off == A_CMDQ_BASE ||
            off == A_EVENTQ_BASE) {
            val &= 0xc00000000000ffffULL | ~0ULL << 62;
        }
        smmuv3_aux_reg_write(&t->e, off, val, g_rand_boolean(rand) ? 8 : 4);
        mem_write64(t, pa, val);
        tsmmu_translate(t, g_rand_int(rand) & 0x1ffff, val,
                        g_rand_boolean(rand), &out);
        tsmmu_take_irqs(t, NULL);
    }
    g_rand_free(rand);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmuv3-aux/regs/reset-values", test_reset_values);
    g_test_add_func("/smmuv3-aux/regs/reset-clears", test_reset_clears);
    for (int i = 0; i < ARRAY_SIZE(idr_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/regs/idr/%s",
                                                idr_cases[i].name);
        g_test_add_data_func(path, &idr_cases[i], test_idr);
    }
    g_test_add_func("/smmuv3-aux/regs/params-check", test_params_check);
    g_test_add_func("/smmuv3-aux/regs/cr0-ack", test_cr0_ack);
    g_test_add_func("/smmuv3-aux/regs/cr1-cr2", test_cr1_cr2);
    g_test_add_func("/smmuv3-aux/regs/irq-ctrl-ack", test_irq_ctrl_ack);
    g_test_add_func("/smmuv3-aux/regs/gbpa-update", test_gbpa_update);
    g_test_add_func("/smmuv3-aux/regs/gerror-gerrorn",
                    test_gerror_ro_gerrorn);
    g_test_add_func("/smmuv3-aux/regs/msi-failed", test_msi_failed);
    for (int i = 0; i < ARRAY_SIZE(reg64_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/regs/reg64/%s",
                                                reg64_cases[i].name);
        g_test_add_data_func(path, &reg64_cases[i], test_reg64);
    }
    g_test_add_func("/smmuv3-aux/regs/reg64-pair",
                    test_reg64_pair_of_reg32);
    g_test_add_func("/smmuv3-aux/regs/bad-access", test_bad_access);
    g_test_add_func("/smmuv3-aux/regs/reserved-raz-wi",
                    test_reserved_raz_wi);
    g_test_add_func("/smmuv3-aux/regs/page1", test_page1_queue_regs);
    g_test_add_func("/smmuv3-aux/regs/irq-cfg", test_irq_cfg);
    for (int i = 0; i < ARRAY_SIZE(guard_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/regs/guard/%s",
                                                guard_cases[i].name);
        g_test_add_data_func(path, &guard_cases[i], test_guarded);
    }
    g_test_add_func("/smmuv3-aux/regs/unguarded-while-enabled",
                    test_unguarded_while_enabled);
    g_test_add_func("/smmuv3-aux/regs/random-smoke", test_random_smoke);
    return g_test_run();
}
