/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the smmuv3-aux engine: any sequence of MMIO
 * accesses, guest memory contents and transactions must neither crash,
 * hang, leak nor trip a sanitizer.
 *
 * The input is a little program.  Each step starts with an opcode byte:
 *   MMIO write (32/64-bit) and read anywhere in the 128 KiB window,
 *   guest memory writes into the region that holds the tables and queues,
 *   transactions (StreamID, IOVA, direction) through smmuv3_aux_translate(),
 *   and bus-error injection on that memory.
 * Every run starts from a working configuration (linear stream table,
 * command and event queues, SMMU enabled), so that mutations explore the
 * interesting states rather than the reset state.
 */

#include "qemu/osdep.h"
#include "tests/unit/smmuv3-aux-test-utils.h"

#define FZ_STRTAB       0x100000ULL
#define FZ_CMDQ         0x200000ULL
#define FZ_EVTQ         0x300000ULL
/* Guest memory the fuzzer may write: 16 MiB, so the fake stays bounded. */
#define FZ_MEM_SIZE     (16ULL << 20)
#define FZ_MAX_STEPS    512

typedef struct FzInput {
    const uint8_t *p;
    size_t left;
} FzInput;

static uint64_t fz_take(FzInput *in, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n && in->left; i++, in->left--) {
        v |= (uint64_t)*in->p++ << (8 * i);
    }
    return v;
}

static void fz_setup(TestSMMU *t)
{
    tsmmu_setup_strtab_linear(t, FZ_STRTAB, 8);
    tsmmu_enable_all(t, FZ_CMDQ, FZ_EVTQ);
}

static void fz_step(TestSMMU *t, FzInput *in)
{
    SMMUv3AuxIrqReq irqs[SMMUV3_AUX_IRQ_NUM];
    SMMUv3AuxInval inv[8];
    SMMUv3AuxTxnOut out;
    SMMUv3AuxTxn txn;
    uint64_t off, val;
    bool all;

    switch (fz_take(in, 1) % 7) {
    case 0:
        off = fz_take(in, 3) % SMMUV3_AUX_MMIO_SIZE;
        smmuv3_aux_reg_write(&t->e, off & ~3ULL, fz_take(in, 4), 4);
        break;
    case 1:
        off = fz_take(in, 3) % SMMUV3_AUX_MMIO_SIZE;
        smmuv3_aux_reg_write(&t->e, off & ~7ULL, fz_take(in, 8), 8);
        break;
    case 2:
        off = fz_take(in, 3) % SMMUV3_AUX_MMIO_SIZE;
        (void)smmuv3_aux_reg_read(&t->e, off & ~3ULL, 4);
        break;
    case 3:
        off = fz_take(in, 3) % FZ_MEM_SIZE;
        val = fz_take(in, 8);
        mem_write64(t, off & ~7ULL, val);
        break;
    case 4:
        memset(&txn, 0, sizeof(txn));
        txn.sid = fz_take(in, 2);
        txn.iova = fz_take(in, 8);
        val = fz_take(in, 1);
        txn.is_write = val & 1;
        txn.is_priv = val & 2;
        txn.is_exec = val & 4;
        txn.ssv = val & 8;
        txn.ssid = fz_take(in, 3) & 0xfffff;
        (void)smmuv3_aux_translate(&t->e, &txn, &out);
        break;
    case 5:
        off = fz_take(in, 3) % FZ_MEM_SIZE;
        if (fz_take(in, 1) & 1) {
            mem_fault_read(t, off & ~0xfffULL, 0x1000);
        } else {
            mem_clear_faults(t);
        }
        break;
    default:
        /* What the binding does after every MMIO write. */
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
    unsigned steps = 0;

    fz_setup(t);
    while (in.left && steps++ < FZ_MAX_STEPS) {
        fz_step(t, &in);
    }
    tsmmu_free(t);
    return 0;
}
