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
#include "hw/arm/smmuv3-aux-common.h"

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
 * ERR becomes non-zero; return the last CMDQ_CONS value.
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

#endif
