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
typedef struct FakeMem FakeMem;
struct FakeMem {
    GHashTable *pages;          /* page number -> 4 KiB buffer */
    GArray *read_faults;        /* FakeMemRange: reads touching them fail */
    GArray *write_faults;       /* FakeMemRange: writes touching them fail */
    unsigned reads, writes;     /* successful accesses */
    unsigned failed_reads, failed_writes;
    uint64_t last_write_addr;
    uint32_t last_write_len;
    /* dma_cmpxchg64: swaps done, swaps that found another value */
    unsigned cas_ok, cas_changed;
    /*
     * The "CPU" of a race: called by every dma_cmpxchg64 before it
     * compares, so it can store to the descriptor first.
     */
    void (*cas_hook)(FakeMem *m, uint64_t pa, void *opaque);
    void *cas_hook_opaque;
};

typedef struct TestSMMU {
    FakeMem mem;
    SMMUv3AuxParams params;
    SMMUv3AuxEngine e;
    uint64_t pt_next;           /* bump allocator for page-table pages */
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

/* Context descriptors, as Linux writes them for a paging domain (3.3) */
#define TEST_MAIR_LINUX     0xf404ff44ULL
/* T0SZ 16, TG0 4K, WBWA IS walks, EPD1, IPS = OAS, AA64, R, A, ASET. */
SMMUv3AuxCD cd_make_linux(const TestSMMU *t, uint64_t ttb0, uint16_t asid);
void cd_write(TestSMMU *t, uint64_t pa, const SMMUv3AuxCD *cd);
/* Stage-1 STE pointing at one CD (S1ContextPtr). */
SMMUv3AuxSTE ste_make_s1(uint64_t cd_addr);
/* Stage-2 fields as Linux sets them: 4K, S2T0SZ = 64 - OAS, S2R, S2PTW. */
void ste_set_s2_linux(const TestSMMU *t, SMMUv3AuxSTE *ste, uint64_t s2ttb,
                      uint16_t vmid);

/* 4K-granule translation tables, pages allocated from pool upwards. */
#define PTE_AF          (1ULL << 10)
#define PTE_NG          (1ULL << 11)
#define PTE_SH_IS       (3ULL << 8)
#define PTE_AP_UNPRIV   (1ULL << 6)     /* stage 1 AP[1] */
#define PTE_AP_RDONLY   (1ULL << 7)     /* stage 1 AP[2] */
#define PTE_S2AP_R      (1ULL << 6)
#define PTE_S2AP_W      (1ULL << 7)
/* io-pgtable leaves: stage 1 cacheable RW page, stage 2 RW normal WB. */
#define PTE_S1_LINUX    (PTE_AF | PTE_NG | PTE_SH_IS | PTE_AP_UNPRIV | \
                         (1ULL << 2))
#define PTE_S2_LINUX    (PTE_AF | PTE_SH_IS | PTE_S2AP_R | PTE_S2AP_W | \
                         (0xfULL << 2))
void tpt_pool_init(TestSMMU *t, uint64_t pool);
uint64_t tpt_alloc(TestSMMU *t);
/*
 * Map va -> pa at leaf_level (3: page, 2/1: block) in the 4K table with
 * root root covering inputsize bits (start level derived from it, no
 * concatenation); attrs are the leaf's attribute bits.
 */
void tpt_map(TestSMMU *t, uint64_t root, unsigned inputsize, uint64_t va,
            uint64_t pa, uint64_t attrs, int leaf_level);
/* Address of the descriptor that maps va at level (after tpt_map). */
uint64_t tpt_desc_addr(TestSMMU *t, uint64_t root, unsigned inputsize,
                      uint64_t va, int level);

/* Number of records between EVENTQ_CONS and PROD of a 2^4 EVTQ. */
unsigned tsmmu_n_events(TestSMMU *t);
/* Consume all records: EVENTQ_CONS = PROD. */
void tsmmu_consume_events(TestSMMU *t);

/* Translate helper */
SMMUv3AuxResult tsmmu_translate(TestSMMU *t, uint32_t sid, uint64_t iova,
                                bool is_write, SMMUv3AuxTxnOut *out);
/* Exactly these four qwords were recorded at EVTQ index idx. */
void assert_event_rec(TestSMMU *t, uint32_t idx, uint64_t qw0, uint64_t qw1,
                      uint64_t qw2, uint64_t qw3);

#endif
