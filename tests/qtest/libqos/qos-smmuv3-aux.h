/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver for the smmuv3-aux SMMUv3 model, for plain qtests.
 *
 * The driver owns a bump allocator over a window of guest RAM, builds
 * linear and 2-level stream tables, writes STEs, programs the queues and
 * control registers, submits commands and decodes event records.  Every
 * in-memory structure is written as little-endian qwords with
 * qtest_memwrite(), whatever the host endianness.
 *
 * Register offsets and field layouts come from the architected layout
 * header, hw/arm/smmuv3-aux-common.h (Arm IHI 0070).
 */
#ifndef QTEST_LIBQOS_QOS_SMMUV3_AUX_H
#define QTEST_LIBQOS_QOS_SMMUV3_AUX_H

#include "libqtest.h"
#include "pci.h"
#include "hw/arm/smmuv3-aux-common.h"
#include "hw/arm/smmuv3-aux-testdev.h"

/* Machine-created instance on -M virt,iommu=smmuv3-aux. */
#define QSMMU_AUX_VIRT_BASE         0x09050000ULL

/*
 * Guest RAM of -M virt starts at 0x40000000; tables go above 0x48000000,
 * so the machine needs at least 512 MiB (-m 512M).
 */
#define QSMMU_AUX_ALLOC_START       0x48000000ULL
#define QSMMU_AUX_ALLOC_END         0x50000000ULL

/* Polls of an ACK/UPDATE/CONS register before a test gives up. */
#define QSMMU_AUX_POLL_MAX          1000

/* Linux's CR1 (SH=ISH, OC/IC=WB for tables and queues) and CR2 values. */
#define QSMMU_AUX_CR1_LINUX         0x00000d75u
#define QSMMU_AUX_CR2_LINUX         0x00000006u

typedef struct QSMMUAux {
    QTestState *qts;
    uint64_t base;

    /* bump allocator */
    uint64_t alloc_next;
    uint64_t alloc_end;

    /* stream table */
    uint64_t strtab;            /* PA of the linear table or of the L1 */
    unsigned strtab_fmt;        /* SMMUV3_AUX_STRTAB_FMT_* */
    unsigned strtab_log2size;
    unsigned strtab_split;

    /* command queue; cmdq_prod is the driver's shadow of CMDQ_PROD */
    uint64_t cmdq;
    unsigned cmdq_log2size;
    uint32_t cmdq_prod;

    /* event queue; evtq_cons is the driver's shadow of EVENTQ_CONS */
    uint64_t evtq;
    unsigned evtq_log2size;
    uint32_t evtq_cons;
} QSMMUAux;

void qsmmu_aux_init(QSMMUAux *s, QTestState *qts, uint64_t base);

/* Zeroed guest memory aligned to @align (a power of two, >= 8). */
uint64_t qsmmu_aux_alloc(QSMMUAux *s, uint64_t size, uint64_t align);

/* MMIO; @off is relative to the SMMU base (page 1 is at 0x10000). */
uint32_t qsmmu_aux_readl(QSMMUAux *s, uint64_t off);
void qsmmu_aux_writel(QSMMUAux *s, uint64_t off, uint32_t val);
uint64_t qsmmu_aux_readq(QSMMUAux *s, uint64_t off);
void qsmmu_aux_writeq(QSMMUAux *s, uint64_t off, uint64_t val);

/* Little-endian in-memory qwords. */
void qsmmu_aux_mem_write_qwords(QSMMUAux *s, uint64_t pa,
                                const uint64_t *qw, unsigned n);
void qsmmu_aux_mem_read_qwords(QSMMUAux *s, uint64_t pa,
                               uint64_t *qw, unsigned n);
uint32_t qsmmu_aux_mem_readl(QSMMUAux *s, uint64_t pa);

/*
 * Write CR0 (or IRQ_CTRL) and poll CR0ACK (IRQ_CTRLACK) until it equals
 * the written value; return false if it never does.
 */
bool qsmmu_aux_write_cr0(QSMMUAux *s, uint32_t val);
bool qsmmu_aux_write_irq_ctrl(QSMMUAux *s, uint32_t val);
/* GBPA update procedure: write @val | UPDATE, poll UPDATE == 0. */
bool qsmmu_aux_gbpa_update(QSMMUAux *s, uint32_t val);

/* CR1/CR2 as Linux programs them. */
void qsmmu_aux_program_cr12(QSMMUAux *s);

/* Stream tables: allocate, zero, program STRTAB_BASE/_CFG. */
void qsmmu_aux_strtab_linear(QSMMUAux *s, unsigned log2size);
void qsmmu_aux_strtab_2lvl(QSMMUAux *s, unsigned log2size, unsigned split);
/* 2-level: allocate the L2 table covering @sid and install its L1STD. */
uint64_t qsmmu_aux_strtab_l2_install(QSMMUAux *s, uint32_t sid);
/* PA of the L1STD covering @sid (2-level only). */
uint64_t qsmmu_aux_l1std_addr(QSMMUAux *s, uint32_t sid);
/* PA of the STE of @sid; for 2-level the L1STD must be installed. */
uint64_t qsmmu_aux_ste_addr(QSMMUAux *s, uint32_t sid);
void qsmmu_aux_write_ste(QSMMUAux *s, uint32_t sid, const SMMUv3AuxSTE *ste);

/* STE builders */
void qsmmu_aux_ste_abort(SMMUv3AuxSTE *ste);
void qsmmu_aux_ste_bypass(SMMUv3AuxSTE *ste);
void qsmmu_aux_ste_invalid(SMMUv3AuxSTE *ste);

/* Queues: allocate (aligned to size), program BASE, zero PROD and CONS. */
/* A *Q_BASE value: @pa, LOG2SIZE @log2size, RA (read-allocate) @ra. */
uint64_t qsmmu_aux_q_base(uint64_t pa, unsigned log2size, bool ra);
void qsmmu_aux_cmdq_setup(QSMMUAux *s, unsigned log2size);
void qsmmu_aux_evtq_setup(QSMMUAux *s, unsigned log2size);

/* Queue pointer arithmetic: value with wrap bit at @log2size. */
uint32_t qsmmu_aux_q_inc(uint32_t p, unsigned log2size);
static inline uint32_t qsmmu_aux_q_idx(uint32_t p, unsigned log2size)
{
    return p & ((1u << log2size) - 1);
}
static inline uint32_t qsmmu_aux_q_wrp_idx(uint32_t p, unsigned log2size)
{
    return p & ((2u << log2size) - 1);
}

/* Command builders */
void qsmmu_aux_cmd_raw(SMMUv3AuxCmd *cmd, uint8_t opcode);
void qsmmu_aux_cmd_cfgi_all(SMMUv3AuxCmd *cmd);
void qsmmu_aux_cmd_cfgi_ste(SMMUv3AuxCmd *cmd, uint32_t sid);
void qsmmu_aux_cmd_tlbi_nsnh_all(SMMUv3AuxCmd *cmd);
void qsmmu_aux_cmd_sync(SMMUv3AuxCmd *cmd, unsigned cs, uint64_t msiaddr,
                        uint32_t msidata);

/* PA of CMDQ slot @idx (index without the wrap bit). */
uint64_t qsmmu_aux_cmdq_slot(QSMMUAux *s, uint32_t idx);
/* Write @cmd at the shadow PROD and advance it; return the slot's PA. */
uint64_t qsmmu_aux_cmdq_put(QSMMUAux *s, const SMMUv3AuxCmd *cmd);
/* Publish the shadow PROD to CMDQ_PROD. */
void qsmmu_aux_cmdq_publish(QSMMUAux *s);
/* put + publish */
uint64_t qsmmu_aux_cmdq_submit(QSMMUAux *s, const SMMUv3AuxCmd *cmd);
/*
 * Poll CMDQ_CONS until its RD (index and wrap) equals the shadow PROD or
 * a command error is reported (ERR non-zero while GERROR.CMDQ_ERR is
 * active; ERR is UNKNOWN otherwise); return the last CMDQ_CONS value.
 */
uint32_t qsmmu_aux_cmdq_wait(QSMMUAux *s);
/* Submit CFGI_ALL, TLBI_NSNH_ALL and CMD_SYNC; assert they are consumed. */
void qsmmu_aux_cmdq_invalidate_all(QSMMUAux *s);

/* Event queue */
uint32_t qsmmu_aux_evtq_prod(QSMMUAux *s);
/* Number of records between the shadow CONS and EVENTQ_PROD. */
unsigned qsmmu_aux_evtq_pending(QSMMUAux *s);
/* Read the record at the shadow CONS without consuming it. */
void qsmmu_aux_evtq_peek(QSMMUAux *s, uint32_t idx, SMMUv3AuxEvtRecord *rec);
/*
 * Pop one record: read it at the shadow CONS, advance CONS and write
 * EVENTQ_CONS (OVACKFLG unchanged).  Return false if the queue is empty.
 */
bool qsmmu_aux_evtq_pop(QSMMUAux *s, SMMUv3AuxEvtRecord *rec);
/* Write EVENTQ_CONS = shadow CONS | @ovack. */
void qsmmu_aux_evtq_write_cons(QSMMUAux *s, bool ovack);

/* GERROR */
uint32_t qsmmu_aux_gerror_active(QSMMUAux *s);
/* Write GERRORN := GERROR, as Linux's handler does. */
void qsmmu_aux_gerror_ack(QSMMUAux *s);

/*
 * Bring-up as Linux does it with SMMUEN left to the caller: CR0=0, CR1,
 * CR2, CMDQ, CR0=CMDQEN, CFGI_ALL/TLBI_NSNH_ALL/CMD_SYNC, EVTQ,
 * CR0=CMDQEN|EVTQEN.  The stream table must already be programmed.
 */
void qsmmu_aux_bringup(QSMMUAux *s, unsigned cmdq_log2, unsigned evtq_log2);
/* CR0 |= SMMUEN, asserting CR0ACK follows. */
void qsmmu_aux_enable(QSMMUAux *s);

/* ---- VMSAv8-64 translation tables ------------------------------------ */

/* Descriptor bits (Arm ARM D8.3; stage 2 attributes D8.5.5) */
#define QSMMU_AUX_PTE_VALID         (1ULL << 0)
#define QSMMU_AUX_PTE_TABLE         (1ULL << 1)   /* table (L0-2), page (L3) */
#define QSMMU_AUX_PTE_ATTRIDX(i)    ((uint64_t)(i) << 2)
#define QSMMU_AUX_PTE_AP_UNPRIV     (1ULL << 6)   /* AP[1] */
#define QSMMU_AUX_PTE_AP_RDONLY     (1ULL << 7)   /* AP[2] */
#define QSMMU_AUX_PTE_SH_IS         (3ULL << 8)
#define QSMMU_AUX_PTE_AF            (1ULL << 10)
#define QSMMU_AUX_PTE_NG            (1ULL << 11)
#define QSMMU_AUX_PTE_S2_MEMATTR_WB (0xfULL << 2)
#define QSMMU_AUX_PTE_S2AP_R        (1ULL << 6)
#define QSMMU_AUX_PTE_S2AP_W        (1ULL << 7)

/*
 * Leaf attributes as Linux's io-pgtable-arm writes them for IOMMU_READ |
 * IOMMU_WRITE | IOMMU_CACHE: stage 1 AttrIndx 1 (MAIR 0xff, WB), stage 2
 * MemAttr 0xf (Normal WB).
 */
#define QSMMU_AUX_S1_ATTRS_LINUX \
    (QSMMU_AUX_PTE_AF | QSMMU_AUX_PTE_SH_IS | QSMMU_AUX_PTE_AP_UNPRIV | \
     QSMMU_AUX_PTE_NG | QSMMU_AUX_PTE_ATTRIDX(1))
#define QSMMU_AUX_S2_ATTRS_LINUX \
    (QSMMU_AUX_PTE_AF | QSMMU_AUX_PTE_SH_IS | QSMMU_AUX_PTE_S2AP_R | \
     QSMMU_AUX_PTE_S2AP_W | QSMMU_AUX_PTE_S2_MEMATTR_WB)

/* Linux's MAIR: NC (0x44), WB (0xff), Device-nGnRE (0x04), 0xf4. */
#define QSMMU_AUX_MAIR_LINUX        0xf404ff44ULL

/* Start level chosen from the granule and the input size. */
#define QSMMU_AUX_PT_START_AUTO     (-1)

/*
 * One translation regime's tables (stage 1 or stage 2).  Tables are
 * allocated from the driver's window on demand.  oa_offset is added to
 * every table address written into a descriptor or returned by
 * qsmmu_aux_pt_ttb(): for nested tests the stage-1 tables then sit at
 * IPA = PA + oa_offset, which stage 2 maps back.
 */
typedef struct QSMMUAuxPT {
    QSMMUAux *s;
    unsigned gshift;            /* 12, 14 or 16 */
    unsigned ia_bits;           /* input address size */
    unsigned start_level;
    unsigned concat;            /* concatenated start-level tables (S2) */
    uint64_t root;              /* PA */
    uint64_t oa_offset;
} QSMMUAuxPT;

/*
 * @start_level: QSMMU_AUX_PT_START_AUTO for the natural level, or a
 * deeper level for stage-2 concatenation (at most 16 tables).
 */
void qsmmu_aux_pt_init(QSMMUAux *s, QSMMUAuxPT *pt, unsigned gshift,
                       unsigned ia_bits, int start_level, uint64_t oa_offset);
/* Bytes one entry at @level maps. */
uint64_t qsmmu_aux_pt_level_size(const QSMMUAuxPT *pt, unsigned level);
/* TTB (TTB0/TTB1/S2TTB) value: root + oa_offset. */
uint64_t qsmmu_aux_pt_ttb(const QSMMUAuxPT *pt);
/*
 * PA of the descriptor for @va at @level; missing tables above it are
 * allocated (and linked) when @alloc, else the function asserts they exist.
 */
uint64_t qsmmu_aux_pt_entry_addr(QSMMUAuxPT *pt, uint64_t va, unsigned level,
                                 bool alloc);
/*
 * Map @va to @oa with a leaf at @level (page at level 3, block above) and
 * leaf attributes @attrs; return the PA of the descriptor.
 */
uint64_t qsmmu_aux_pt_map(QSMMUAuxPT *pt, uint64_t va, uint64_t oa,
                          unsigned level, uint64_t attrs);
/* Leaf descriptor value qsmmu_aux_pt_map() would write. */
uint64_t qsmmu_aux_pt_leaf(const QSMMUAuxPT *pt, uint64_t oa, unsigned level,
                           uint64_t attrs);
/* STE.S2SL0 encoding of the start level (Arm IHI 0070 5.2, VTCR_EL2.SL0). */
unsigned qsmmu_aux_pt_s2sl0(const QSMMUAuxPT *pt);
/* CD.TG0 / STE.S2TG encoding; CD.TG1 encoding. */
unsigned qsmmu_aux_pt_tg0(const QSMMUAuxPT *pt);
unsigned qsmmu_aux_pt_tg1(const QSMMUAuxPT *pt);

uint64_t qsmmu_aux_mem_readq(QSMMUAux *s, uint64_t pa);
void qsmmu_aux_mem_writeq(QSMMUAux *s, uint64_t pa, uint64_t val);

/* ---- Context descriptors and STEs -------------------------------------- */

/*
 * The CD Linux's arm_smmu_make_s1_cd() writes: T0SZ = 64 - ia_bits, TG0,
 * IR0/OR0 = WBWA, SH0 = ISH, EPD1 = 1, V, IPS, AA64, R, A, ASET, ASID,
 * TTB0, MAIR 0xf404ff44.
 */
void qsmmu_aux_cd_linux(SMMUv3AuxCD *cd, const QSMMUAuxPT *pt, uint16_t asid,
                        unsigned ips);
void qsmmu_aux_write_cd(QSMMUAux *s, uint64_t pa, const SMMUv3AuxCD *cd);

/* Linux's stage-1 STE: linear CD table of one CD at @cd_ptr. */
void qsmmu_aux_ste_s1(SMMUv3AuxSTE *ste, uint64_t cd_ptr);
/*
 * Linux's stage-2 STE: VMID, VTCR fields from @pt (S2T0SZ, S2SL0, S2IR0,
 * S2OR0, S2SH0, S2TG), S2PS = @s2ps, S2AA64, S2R, S2TTB.
 */
void qsmmu_aux_ste_s2(SMMUv3AuxSTE *ste, const QSMMUAuxPT *pt, uint16_t vmid,
                      unsigned s2ps);
/* Nested: the stage-1 part of ste_s1 (CD at IPA @cd_ipa) on ste_s2. */
void qsmmu_aux_ste_nested(SMMUv3AuxSTE *ste, uint64_t cd_ipa,
                          const QSMMUAuxPT *s2pt, uint16_t vmid,
                          unsigned s2ps);

/* ---- Invalidation commands -------------------------------------------- */

void qsmmu_aux_cmd_cfgi_cd(SMMUv3AuxCmd *cmd, uint32_t sid, uint32_t ssid);
void qsmmu_aux_cmd_tlbi_nh_all(SMMUv3AuxCmd *cmd, uint16_t vmid);
void qsmmu_aux_cmd_tlbi_nh_asid(SMMUv3AuxCmd *cmd, uint16_t vmid,
                                uint16_t asid);
/*
 * TLBI_NH_VA / TLBI_S2_IPA.  @num, @scale, @tg, @ttl as in the command
 * (tg = 0 for a single address, then num and scale are ignored).
 */
void qsmmu_aux_cmd_tlbi_nh_va(SMMUv3AuxCmd *cmd, uint16_t vmid, uint16_t asid,
                              uint64_t va, bool leaf, unsigned num,
                              unsigned scale, unsigned tg, unsigned ttl);
void qsmmu_aux_cmd_tlbi_s2_ipa(SMMUv3AuxCmd *cmd, uint16_t vmid, uint64_t ipa,
                               bool leaf, unsigned num, unsigned scale,
                               unsigned tg, unsigned ttl);
void qsmmu_aux_cmd_tlbi_s12_vmall(SMMUv3AuxCmd *cmd, uint16_t vmid);

/*
 * Submit @n commands followed by CMD_SYNC (CS = SIG_SEV), publish once and
 * poll for completion; return the final CMDQ_CONS.  Completion means
 * CONS.RD == PROD with GERROR.CMDQ_ERR inactive.
 */
uint32_t qsmmu_aux_cmdq_run_sync(QSMMUAux *s, const SMMUv3AuxCmd *cmds,
                                 unsigned n);
/* As above, asserting completion without a command error. */
void qsmmu_aux_cmdq_run_sync_ok(QSMMUAux *s, const SMMUv3AuxCmd *cmds,
                                unsigned n);

/* ---- smmuv3-aux-testdev ---------------------------------------------- */

typedef struct QSMMUAuxTestdev {
    QPCIDevice *dev;
    QPCIBar bar;
} QSMMUAuxTestdev;

/* Find the test device at @devfn, enable it and map BAR0. */
void qsmmu_aux_td_init(QSMMUAuxTestdev *td, QPCIBus *bus, int devfn);
void qsmmu_aux_td_free(QSMMUAuxTestdev *td);
/*
 * Write the arguments and CMD (SMMUV3_AUX_TD_CMD_*), STATUS cleared first;
 * TD_CTRL is left as the caller set it (CACHED, ASYNC).
 */
void qsmmu_aux_td_start(QSMMUAuxTestdev *td, uint32_t cmd, uint64_t src,
                        uint64_t dst, uint32_t len, uint32_t pattern);
/*
 * qsmmu_aux_td_start(), then return TD_STATUS (DONE or ERROR) once BUSY
 * is clear: a TD_CTRL.ASYNC command is waited for (20 s at most).
 */
uint32_t qsmmu_aux_td_run(QSMMUAuxTestdev *td, uint32_t cmd, uint64_t src,
                          uint64_t dst, uint32_t len, uint32_t pattern);
uint64_t qsmmu_aux_td_result(QSMMUAuxTestdev *td);
uint64_t qsmmu_aux_td_err_addr(QSMMUAuxTestdev *td);
/* The device's READ/COPY hash: 64-bit FNV-1a, continued from @h. */
#define QSMMU_AUX_FNV1A_INIT        0xcbf29ce484222325ULL
uint64_t qsmmu_aux_fnv1a(uint64_t h, const void *buf, size_t len);
/* Bytes the device's WRITE command produces: LE words from @pattern. */
void qsmmu_aux_td_write_pattern(void *buf, size_t len, uint32_t pattern);

#endif
