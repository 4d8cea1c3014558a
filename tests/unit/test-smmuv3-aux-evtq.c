/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine unit tests: event records and the event queue (evtq.c).
 */
#include "qemu/osdep.h"
#include "smmuv3-aux-test-utils.h"

#define EVTQ_BASE   0x200000ULL

/* ---- Encoding ------------------------------------------------------------ */

typedef struct EncCase {
    const char *name;
    SMMUv3AuxEventId id;
    uint64_t qw[4];
} EncCase;

/*
 * Every case encodes the same fully populated event; each type keeps only
 * the fields the architecture defines for it.
 */
static const SMMUv3AuxEvent full_event = {
    .sid = 0x12345, .ssv = true, .ssid = 0xabcde, .stag = 0x77,
    .stall = true, .pnu = true, .ind = true, .rnw = true, .s2 = true,
    .nsipa = true, .ttrnw = true, .class_ = SMMUV3_AUX_EVT_CLASS_TT,
    .input_addr = 0xffff000012345678ULL,
    .fetch_addr = 0xff0123456789abcfULL,
    .ipa = 0xff00123456789fffULL,
};

#define Q0(id)      (0x00012345abcde800ULL | (id))
#define Q1_TXN      0x000011ce80000077ULL
#define Q2_TXN      0xffff000012345678ULL
#define Q3_FETCH    0x000123456789abc8ULL
#define Q3_IPA      0x0000123456789000ULL

static const EncCase enc_cases[] = {
    { "f-uut", 0x01, { Q0(0x01), Q1_TXN, Q2_TXN, 0 } },
    { "c-bad-streamid", 0x02, { Q0(0x02), 0, 0, 0 } },
    { "f-ste-fetch", 0x03, { Q0(0x03), 0, 0, Q3_FETCH } },
    { "c-bad-ste", 0x04, { Q0(0x04), 0, 0, 0 } },
    { "f-bad-ats-treq", 0x05, { Q0(0x05), Q1_TXN, Q2_TXN, 0 } },
    { "f-stream-disabled", 0x06, { Q0(0x06), 0, 0, 0 } },
    { "f-transl-forbidden", 0x07, { Q0(0x07), Q1_TXN, Q2_TXN, 0 } },
    /* SubstreamID always valid, no SSV qualifier: bit 11 RES0 (7.3.9). */
    { "c-bad-substreamid", 0x08, { Q0(0x08) & ~0x800ULL, 0, 0, 0 } },
    { "f-cd-fetch", 0x09, { Q0(0x09), 0, 0, Q3_FETCH } },
    { "c-bad-cd", 0x0a, { Q0(0x0a), 0, 0, 0 } },
    { "f-walk-eabt", 0x0b, { Q0(0x0b), Q1_TXN, Q2_TXN, Q3_FETCH } },
    { "f-translation", 0x10, { Q0(0x10), Q1_TXN, Q2_TXN, Q3_IPA } },
    { "f-addr-size", 0x11, { Q0(0x11), Q1_TXN, Q2_TXN, Q3_IPA } },
    { "f-access", 0x12, { Q0(0x12), Q1_TXN, Q2_TXN, Q3_IPA } },
    { "f-permission", 0x13, { Q0(0x13), Q1_TXN, Q2_TXN, Q3_IPA } },
    { "f-tlb-conflict", 0x20, { Q0(0x20), Q1_TXN, Q2_TXN, Q3_IPA } },
    { "f-cfg-conflict", 0x21, { Q0(0x21), 0, 0, 0 } },
    { "e-page-request", 0x24, { Q0(0x24), Q1_TXN, Q2_TXN, 0 } },
    { "f-vms-fetch", 0x25, { Q0(0x25), 0, 0, Q3_FETCH } },
};

static void test_encode(const void *opaque)
{
    const EncCase *c = opaque;
    SMMUv3AuxEvent ev = full_event;
    SMMUv3AuxEvtRecord rec;

    ev.id = c->id;
    smmuv3_aux_evt_encode(&ev, &rec);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(rec.qw[i], ==, c->qw[i]);
    }
}

static void test_encode_no_ssv(void)
{
    SMMUv3AuxEvent ev = { .id = SMMUV3_AUX_EVT_C_BAD_STE, .sid = 7,
                          .ssv = false, .ssid = 0xfffff };
    SMMUv3AuxEvtRecord rec;

    /* SSID reads as 0 when SSV = 0. */
    smmuv3_aux_evt_encode(&ev, &rec);
    g_assert_cmphex(rec.qw[0], ==, 0x0000000700000004ULL);
}

static void test_names(void)
{
    unsigned n = 0;

    for (unsigned id = 0; id < 256; id++) {
        n += smmuv3_aux_evt_name(id) != NULL;
    }
    g_assert_cmpuint(n, ==, SMMUV3_AUX_EVT_NUM_ARCHITECTED);
    g_assert_cmpstr(smmuv3_aux_evt_name(0x25), ==, "F_VMS_FETCH");
    g_assert_null(smmuv3_aux_evt_name(0x0c));
}

/* ---- Producer ------------------------------------------------------------ */

static TestSMMU *evtq_new(const SMMUv3AuxParams *p, unsigned log2size)
{
    TestSMMU *t = tsmmu_new(p);

    tsmmu_setup_evtq(t, EVTQ_BASE, log2size);
    reg_w32(t, A_IRQ_CTRL, R_IRQ_CTRL_EVENTQ_IRQEN_MASK |
            R_IRQ_CTRL_GERROR_IRQEN_MASK);
    tsmmu_set_cr0(t, R_CR0_EVENTQEN_MASK);
    return t;
}

static void record(TestSMMU *t, uint32_t sid)
{
    SMMUv3AuxEvent ev = { .id = SMMUV3_AUX_EVT_C_BAD_STE, .sid = sid };

    smmuv3_aux_evtq_record(&t->e, &ev);
}

static void test_record(void)
{
    TestSMMU *t = evtq_new(NULL, 3);
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];
    SMMUv3AuxEvtRecord rec;
    uint8_t first;

    record(t, 0x42);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 1);
    tsmmu_event(t, 0, &rec);
    g_assert_cmphex(rec.qw[0], ==, 0x0000004200000004ULL);
    g_assert_cmphex(rec.qw[1] | rec.qw[2] | rec.qw[3], ==, 0);
    /* Little-endian in memory: the event ID is byte 0. */
    mem_read(t, EVTQ_BASE, &first, 1);
    g_assert_cmphex(first, ==, 0x04);
    g_assert_cmpuint(t->mem.last_write_len, ==, 32);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 1u << SMMUV3_AUX_IRQ_EVTQ);
    g_assert_false(req[0].msi);
    record(t, 0x43);
    tsmmu_event(t, 1, &rec);
    g_assert_cmphex(rec.qw[0], ==, 0x0000004300000004ULL);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 2);
    tsmmu_free(t);
}

static void test_irq_msi(void)
{
    TestSMMU *t = evtq_new(NULL, 3);
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    reg_w64(t, A_EVENTQ_IRQ_CFG0, 0x8000044ULL | 0x3);
    reg_w32(t, A_EVENTQ_IRQ_CFG1, 0x55);
    record(t, 1);
    record(t, 2);
    /* Two records before a flush: one request. */
    g_assert_cmpuint(smmuv3_aux_engine_take_irqs(&t->e, req), ==, 1);
    g_assert_cmpint(req[0].irq, ==, SMMUV3_AUX_IRQ_EVTQ);
    g_assert_true(req[0].msi);
    g_assert_cmphex(req[0].msi_addr, ==, 0x8000044ULL);
    g_assert_cmphex(req[0].msi_data, ==, 0x55);
    tsmmu_free(t);
}

static void test_irq_msi_unsupported(void)
{
    SMMUv3AuxParams p;
    TestSMMU *t;
    SMMUv3AuxIrqReq req[SMMUV3_AUX_IRQ_NUM];

    smmuv3_aux_params_set_defaults(&p);
    p.msi = false;
    t = evtq_new(&p, 3);
    reg_w64(t, A_EVENTQ_IRQ_CFG0, 0x8000044ULL);
    record(t, 1);
    g_assert_cmphex(tsmmu_take_irqs(t, req), ==, 1u << SMMUV3_AUX_IRQ_EVTQ);
    g_assert_false(req[0].msi);
    tsmmu_free(t);
}

static void test_irq_disabled(void)
{
    TestSMMU *t = evtq_new(NULL, 3);

    reg_w32(t, A_IRQ_CTRL, 0);
    record(t, 1);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 1);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

static void test_queue_disabled(void)
{
    TestSMMU *t = evtq_new(NULL, 3);

    tsmmu_set_cr0(t, 0);
    record(t, 1);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0);
    g_assert_cmpuint(t->mem.writes, ==, 0);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_free(t);
}

static void test_overflow(void)
{
    TestSMMU *t = evtq_new(NULL, 1);
    SMMUv3AuxEvtRecord rec;

    record(t, 1);
    record(t, 2);
    /* Full: PROD = index 0, wrap 1. */
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x2);
    tsmmu_take_irqs(t, NULL);
    record(t, 3);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x80000002);
    g_assert_cmpuint(t->mem.writes, ==, 2);
    /* Still unacknowledged: no second toggle. */
    record(t, 4);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x80000002);
    /* Never a global error, no new interrupt. */
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, 0);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==, 0);
    tsmmu_event(t, 0, &rec);
    g_assert_cmphex(rec.qw[0] >> 32, ==, 1);
    tsmmu_event(t, 1, &rec);
    g_assert_cmphex(rec.qw[0] >> 32, ==, 2);
    /* Consume everything and acknowledge the overflow. */
    reg_w32(t, A_EVENTQ_CONS, 0x80000002);
    record(t, 5);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x80000003);
    tsmmu_event(t, 0, &rec);
    g_assert_cmphex(rec.qw[0] >> 32, ==, 5);
    record(t, 6);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x80000000);
    /* Full again, overflow acknowledged: toggles back. */
    record(t, 7);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x00000000);
    tsmmu_free(t);
}

static void test_wrap(void)
{
    TestSMMU *t = evtq_new(NULL, 2);
    SMMUv3AuxEvtRecord rec;

    for (uint32_t i = 0; i < 11; i++) {
        record(t, 0x100 + i);
        /* Software keeps up. */
        reg_w32(t, A_EVENTQ_CONS, reg_r32(t, A_EVENTQ_PROD));
    }
    /* 11 records in a 4-entry queue: index 3, wrap 0. */
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 0x3);
    tsmmu_event(t, 2, &rec);
    g_assert_cmphex(rec.qw[0] >> 32, ==, 0x10a);
    tsmmu_free(t);
}

static void test_abort(void)
{
    TestSMMU *t = evtq_new(NULL, 3);

    mem_fault_write(t, EVTQ_BASE + 32, 32);
    record(t, 1);
    record(t, 2);
    /* The failed record is lost, PROD stays, EVENTQ_ABT_ERR is raised. */
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 1);
    g_assert_cmphex(reg_r32(t, A_GERROR), ==, R_GERROR_EVENTQ_ABT_ERR_MASK);
    g_assert_cmphex(tsmmu_take_irqs(t, NULL), ==,
                    (1u << SMMUV3_AUX_IRQ_EVTQ) |
                    (1u << SMMUV3_AUX_IRQ_GERROR));
    mem_clear_faults(t);
    record(t, 3);
    g_assert_cmphex(reg_r32(t, A_EVENTQ_PROD), ==, 2);
    tsmmu_free(t);
}

static void test_base_alignment(void)
{
    TestSMMU *t = tsmmu_new(NULL);

    /* A 4-entry queue is 128 bytes: ADDR bits below 7 are ignored. */
    tsmmu_setup_evtq(t, EVTQ_BASE | 0x60, 2);
    tsmmu_set_cr0(t, R_CR0_EVENTQEN_MASK);
    record(t, 9);
    g_assert_cmphex(mem_read64(t, EVTQ_BASE), ==, 0x0000000900000004ULL);
    g_assert_cmphex(mem_read64(t, EVTQ_BASE + 0x60), ==, 0);
    tsmmu_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 0; i < ARRAY_SIZE(enc_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3-aux/evtq/encode/%s",
                                                enc_cases[i].name);
        g_test_add_data_func(path, &enc_cases[i], test_encode);
    }
    g_test_add_func("/smmuv3-aux/evtq/encode-no-ssv", test_encode_no_ssv);
    g_test_add_func("/smmuv3-aux/evtq/names", test_names);
    g_test_add_func("/smmuv3-aux/evtq/record", test_record);
    g_test_add_func("/smmuv3-aux/evtq/irq-msi", test_irq_msi);
    g_test_add_func("/smmuv3-aux/evtq/irq-msi-unsupported",
                    test_irq_msi_unsupported);
    g_test_add_func("/smmuv3-aux/evtq/irq-disabled", test_irq_disabled);
    g_test_add_func("/smmuv3-aux/evtq/queue-disabled", test_queue_disabled);
    g_test_add_func("/smmuv3-aux/evtq/overflow", test_overflow);
    g_test_add_func("/smmuv3-aux/evtq/wrap", test_wrap);
    g_test_add_func("/smmuv3-aux/evtq/abort", test_abort);
    g_test_add_func("/smmuv3-aux/evtq/base-alignment", test_base_alignment);
    return g_test_run();
}
