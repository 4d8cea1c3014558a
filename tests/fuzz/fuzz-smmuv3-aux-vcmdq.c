/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the Tegra241-CMDQV-compatible virtual command
 * queues (vcmdq.c and the queue policy of cmdq.c): any sequence of CMDQV
 * MMIO accesses and queue contents, on any valid layout, must neither
 * crash, hang, leak nor trip a sanitizer.
 *
 * The first byte picks the layout (VINTFs, VCMDQs, HYP_OWN wiring).  Every
 * run starts as Linux leaves the CMDQV after its reset (VINTF0 host-owned
 * with its queues mapped and enabled, VINTF1 guest-owned), so mutations
 * explore running queues.  Then each step starts with an opcode byte:
 *   CMDQV MMIO write (32/64-bit) or read anywhere in the window,
 *   a 16-byte command into a queue's memory, bus-error injection, and
 *   what the binding does after a write (take the interrupt and the
 *   invalidations), and the binding's job protocol taken apart: a write
 *   that only marks queues runnable, then claim, exec and finish of one
 *   job as separate steps, with any other step (another CPU's writes and
 *   polls, a reset) in between, as the lockless binding allows.  Each
 *   step checks that a claimed queue is busy and that no two jobs run the
 *   same queue.
 */
#include "qemu/osdep.h"
#include "tests/unit/smmuv3-aux-test-utils.h"
#include "hw/arm/smmuv3-aux/vcmdq.h"

#define FZ_QMEM         0x100000ULL     /* 2^4-entry queues, 0x1000 apart */
#define FZ_QSTRIDE      0x1000ULL
#define FZ_MAX_STEPS    512

typedef struct FzInput {
    const uint8_t *p;
    size_t left;
} FzInput;

static uint64_t fz_take(FzInput *in, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n && in->left; i++, in->left--) {
        v |= (uint64_t)*in->p++ << (8 * i);
    }
    return v;
}

static void fz_write(SMMUv3AuxCmdqv *v, TestSMMU *t, uint64_t off,
                     uint64_t val, unsigned size)
{
    if (smmuv3_aux_cmdqv_write(v, off, val, size)) {
        smmuv3_aux_cmdqv_run(v, &t->e);
    }
}

static void fz_setup(SMMUv3AuxCmdqv *v, TestSMMU *t, FzInput *in)
{
    SMMUv3AuxCmdqvParams p;
    unsigned layout = fz_take(in, 1), per;

    smmuv3_aux_cmdqv_params_set_defaults(&p);
    p.num_vintf_log2 = layout % 7;
    p.num_vcmdq_log2 = p.num_vintf_log2 +
                       (layout >> 3) % (8 - p.num_vintf_log2);
    p.hyp_own = !(layout & 0x80);
    smmuv3_aux_cmdqv_init(v, &p);
    per = v->num_vcmdqs / v->num_vintfs;
    fz_write(v, t, A_CMDQV_CONFIG, 1, 4);
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        fz_write(v, t, A_CMDQV_CMDQ_ALLOC + 4 * q,
                 (q / per) << 15 | (q % per) << 1 | (q / per < 2), 4);
        fz_write(v, t, 0x20000 + 0x80 * q, FZ_QMEM + FZ_QSTRIDE * q | 4, 8);
        fz_write(v, t, 0x10000 + 0x80 * q + A_VCMDQ_CONFIG, 1, 4);
    }
    fz_write(v, t, 0x1000, R_VINTF_CONFIG_HYP_OWN_MASK | 1, 4);
    if (v->num_vintfs > 1) {
        fz_write(v, t, 0x1100, 5 << 1 | 1, 4);
    }
}

/* The one job another CPU is running, if any. */
typedef struct FzJob {
    bool claimed, executed;
    SMMUv3AuxVcmdqJob job;
} FzJob;

static void fz_job_step(SMMUv3AuxCmdqv *v, TestSMMU *t, FzJob *j)
{
    if (!j->claimed) {
        j->claimed = smmuv3_aux_cmdqv_claim(v, &j->job);
        j->executed = false;
        return;
    }
    if (!j->executed) {
        smmuv3_aux_cmdqv_exec(&j->job, &t->e);
        j->executed = true;
        return;
    }
    smmuv3_aux_cmdqv_finish(v, &j->job);
    j->claimed = false;
}

static void fz_check(const SMMUv3AuxCmdqv *v, const FzJob *j,
                     uint32_t epoch)
{
    if (j->claimed && j->job.epoch == epoch && !v->q[j->job.q].busy) {
        abort();                /* a running queue was claimable again */
    }
}

static void fz_step(SMMUv3AuxCmdqv *v, TestSMMU *t, FzInput *in, FzJob *j)
{
    uint64_t size = smmuv3_aux_cmdqv_mmio_size(&v->params);
    SMMUv3AuxIrqReq irqs[SMMUV3_AUX_IRQ_NUM];
    SMMUv3AuxInval inv[8];
    uint64_t off, qw0;
    bool all;

    switch (fz_take(in, 1) % 9) {
    case 6:
        off = fz_take(in, 3) % size;
        (void)smmuv3_aux_cmdqv_write(v, off & ~3ULL, fz_take(in, 4), 4);
        break;
    case 7:
        fz_job_step(v, t, j);
        break;
    case 8:
        smmuv3_aux_cmdqv_reset(v);
        break;
    case 0:
        off = fz_take(in, 3) % size;
        fz_write(v, t, off & ~3ULL, fz_take(in, 4), 4);
        break;
    case 1:
        off = fz_take(in, 3) % size;
        fz_write(v, t, off & ~7ULL, fz_take(in, 8), 8);
        break;
    case 2:
        off = fz_take(in, 3) % size;
        (void)smmuv3_aux_cmdqv_read(v, off & ~3ULL, 4);
        break;
    case 3:
        off = FZ_QMEM + (fz_take(in, 2) % (FZ_QSTRIDE * 128 / 16)) * 16;
        qw0 = fz_take(in, 8);
        mem_write64(t, off, qw0);
        mem_write64(t, off + 8, fz_take(in, 8));
        break;
    case 4:
        off = FZ_QMEM + (fz_take(in, 1) % 128) * FZ_QSTRIDE;
        if (fz_take(in, 1) & 1) {
            mem_fault_read(t, off, FZ_QSTRIDE);
        } else {
            mem_clear_faults(t);
        }
        break;
    default:
        (void)smmuv3_aux_cmdqv_take_irq(v);
        (void)smmuv3_aux_engine_take_irqs(&t->e, irqs);
        (void)smmuv3_aux_engine_take_invals(&t->e, inv, ARRAY_SIZE(inv),
                                            &all);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FzInput in = { .p = data, .left = size };
    TestSMMU *t = tsmmu_new(NULL);
    SMMUv3AuxCmdqv *v = g_new0(SMMUv3AuxCmdqv, 1);
    unsigned steps = 0;

    FzJob j = { 0 };

    fz_setup(v, t, &in);
    while (in.left && steps++ < FZ_MAX_STEPS) {
        fz_step(v, t, &in, &j);
        fz_check(v, &j, v->epoch);
    }
    if (j.claimed) {
        if (!j.executed) {
            smmuv3_aux_cmdqv_exec(&j.job, &t->e);
        }
        smmuv3_aux_cmdqv_finish(v, &j.job);
    }
    g_free(v);
    tsmmu_free(t);
    return 0;
}
