/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux unit tests: a fake sparse guest memory implementing
 * SMMUv3AuxEngineOps, with fault injection, and helpers to build stream
 * tables, queues and commands.
 */
#ifndef TESTS_UNIT_SMMUV3_AUX_TEST_UTILS_H
#define TESTS_UNIT_SMMUV3_AUX_TEST_UTILS_H

#include "hw/arm/smmuv3-aux/engine-internal.h"

/* Sparse memory: unwritten bytes read as zero, like fresh RAM. */
typedef struct FakeMem {
    GHashTable *pages;          /* page number -> 4 KiB buffer */
    GArray *read_faults;        /* FakeMemRange: reads touching them fail */
    GArray *write_faults;       /* FakeMemRange: writes touching them fail */
    unsigned reads, writes;     /* successful accesses */
    unsigned failed_reads, failed_writes;
    uint64_t last_write_addr;
    uint32_t last_write_len;
} FakeMem;

typedef struct TestSMMU {
    FakeMem mem;
    SMMUv3AuxParams params;
    SMMUv3AuxEngine e;
} TestSMMU;

extern const SMMUv3AuxEngineOps fakemem_ops;

/* A fresh engine over empty memory; p == NULL means the defaults. */
TestSMMU *tsmmu_new(const SMMUv3AuxParams *p);
void tsmmu_free(TestSMMU *t);

/* Guest memory, little-endian like the guest sees it. */
void mem_write(TestSMMU *t, uint64_t pa, const void *buf, size_t len);
void mem_read(TestSMMU *t, uint64_t pa, void *buf, size_t len);
void mem_write64(TestSMMU *t, uint64_t pa, uint64_t v);
uint64_t mem_read64(TestSMMU *t, uint64_t pa);
void mem_write32(TestSMMU *t, uint64_t pa, uint32_t v);
uint32_t mem_read32(TestSMMU *t, uint64_t pa);
void mem_fault_read(TestSMMU *t, uint64_t pa, uint64_t len);
void mem_fault_write(TestSMMU *t, uint64_t pa, uint64_t len);
void mem_clear_faults(TestSMMU *t);

/* MMIO */
uint32_t reg_r32(TestSMMU *t, uint64_t off);
uint64_t reg_r64(TestSMMU *t, uint64_t off);
void reg_w32(TestSMMU *t, uint64_t off, uint32_t v);
void reg_w64(TestSMMU *t, uint64_t off, uint64_t v);
/* Write CR0 and check that CR0ACK followed. */
void tsmmu_set_cr0(TestSMMU *t, uint32_t cr0);

/* Interrupts taken since the last call, as a bitmask of SMMUv3AuxIrq. */
uint32_t tsmmu_take_irqs(TestSMMU *t, SMMUv3AuxIrqReq out[SMMUV3_AUX_IRQ_NUM]);

/* Queues */
void tsmmu_setup_cmdq(TestSMMU *t, uint64_t base, unsigned log2size);
void tsmmu_setup_evtq(TestSMMU *t, uint64_t base, unsigned log2size);
/* Write a command into slot idx of a queue at base. */
void cmd_put(TestSMMU *t, uint64_t base, uint32_t idx, uint64_t qw0,
             uint64_t qw1);
/* Append commands at the current PROD (wrapping) and write PROD once. */
void tsmmu_submit(TestSMMU *t, const SMMUv3AuxCmd *cmds, unsigned n);
SMMUv3AuxCmd cmd_make(unsigned opcode, uint64_t qw0_extra, uint64_t qw1);
SMMUv3AuxCmd cmd_sync_make(unsigned cs, uint64_t msiaddr, uint32_t msidata);
/* Read the event record at EVTQ index idx (CPU-order qwords). */
void tsmmu_event(TestSMMU *t, uint32_t idx, SMMUv3AuxEvtRecord *rec);

/* Stream table */
SMMUv3AuxSTE ste_make(unsigned config);
void ste_write(TestSMMU *t, uint64_t pa, const SMMUv3AuxSTE *ste);
void tsmmu_setup_strtab_linear(TestSMMU *t, uint64_t base,
                               unsigned log2size);
void tsmmu_setup_strtab_2lvl(TestSMMU *t, uint64_t base, unsigned log2size,
                             unsigned split);
uint64_t l1std_make(uint64_t l2ptr, unsigned span);
/* SMMUEN | CMDQEN | EVENTQEN with RECINVSID, and a 2^4-entry EVTQ. */
void tsmmu_enable_all(TestSMMU *t, uint64_t cmdq_base, uint64_t evtq_base);

/* Translate helper */
SMMUv3AuxResult tsmmu_translate(TestSMMU *t, uint32_t sid, uint64_t iova,
                                bool is_write, SMMUv3AuxTxnOut *out);

#endif
