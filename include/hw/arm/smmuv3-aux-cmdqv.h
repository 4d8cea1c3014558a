/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: architected layout of the Tegra241-CMDQV-compatible virtual
 * command queues (register names and fields after Linux's tegra241-cmdqv.c,
 * without the TEGRA241_ prefix).  Shared by the engine (vcmdq.c), the unit
 * tests and the qtests; header-only QEMU utilities only.
 *
 * MMIO layout, offsets from the CMDQV base (0x30000 + 0x20000 * VINTFs):
 *   0x00000  global page: CONFIG, PARAM, STATUS, error maps, CMDQ_ALLOC,
 *            and at 0x1000 + 0x100 * v the VINTF v registers
 *   0x10000  global VCMDQ page 0 (CONS, PROD, CONFIG, STATUS, GERROR(N)),
 *            0x80 per global queue
 *   0x20000  global VCMDQ page 1 (BASE, CONS_INDX_BASE), 0x80 per queue
 *   0x30000 + 0x20000 * i: VINTF i logical page 0, then page 1 at
 *            +0x10000, 0x80 per logical queue, routed through CMDQ_ALLOC
 */
#ifndef HW_ARM_SMMUV3_AUX_CMDQV_H
#define HW_ARM_SMMUV3_AUX_CMDQV_H

#include "hw/registerfields.h"

/* ---- Register map ---------------------------------------------------- */

#define SMMUV3_AUX_CMDQV_PAGE_SIZE      0x10000
#define SMMUV3_AUX_CMDQV_VCMDQ_PAGE0    0x10000
#define SMMUV3_AUX_CMDQV_VCMDQ_PAGE1    0x20000
#define SMMUV3_AUX_CMDQV_VINTF_PAGES    0x30000
#define SMMUV3_AUX_CMDQV_VINTF_STRIDE   0x20000
#define SMMUV3_AUX_CMDQV_VCMDQ_STRIDE   0x80
#define SMMUV3_AUX_CMDQV_VINTF_BASE     0x1000
#define SMMUV3_AUX_CMDQV_VINTF_SIZE     0x100

/* Limits the layout imposes (register widths, see params_check). */
#define SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2 6   /* 64-bit VINTF_ERR_MAP */
#define SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2 7   /* 4 x 32-bit CMDQ_ERR_MAP */
#define SMMUV3_AUX_CMDQV_MAX_SID_LOG2   4   /* SID_MATCH at 0x40..0x7f */
#define SMMUV3_AUX_CMDQV_MAX_VINTFS     (1 << SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2)
#define SMMUV3_AUX_CMDQV_MAX_VCMDQS     (1 << SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2)
#define SMMUV3_AUX_CMDQV_MAX_SIDS       (1 << SMMUV3_AUX_CMDQV_MAX_SID_LOG2)
/* LVCMDQ field of CMDQ_ALLOC: logical queues a VINTF can name. */
#define SMMUV3_AUX_CMDQV_MAX_LVCMDQS    128
/* VCMDQ_LOG2SIZE_MAX of older drivers; PROD/CONS have 19 + 1 bits. */
#define SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE   19

/* Global page */
REG32(CMDQV_CONFIG, 0x0)
    FIELD(CMDQV_CONFIG, CMDQV_EN, 0, 1)
REG32(CMDQV_PARAM, 0x4)
    FIELD(CMDQV_PARAM, VER, 0, 4)
    FIELD(CMDQV_PARAM, NUM_VCMDQ_LOG2, 4, 4)
    FIELD(CMDQV_PARAM, NUM_VINTF_LOG2, 8, 4)
    FIELD(CMDQV_PARAM, NUM_SID_PER_VM_LOG2, 12, 4)
REG32(CMDQV_STATUS, 0x8)
    FIELD(CMDQV_STATUS, CMDQV_ENABLED, 0, 1)
REG32(CMDQV_VINTF_ERR_MAP, 0x14)        /* 64 bits: 0x14, 0x18 */
REG32(CMDQV_VINTF_INT_MASK, 0x1c)       /* 64 bits: 0x1c, 0x20 */
REG32(CMDQV_CMDQ_ERR_MAP, 0x24)         /* 128 bits: 0x24..0x30 */
REG32(CMDQV_CMDQ_ALLOC, 0x200)          /* + 4 * global queue */
    FIELD(CMDQV_CMDQ_ALLOC, ALLOCATED, 0, 1)
    FIELD(CMDQV_CMDQ_ALLOC, LVCMDQ, 1, 7)
    FIELD(CMDQV_CMDQ_ALLOC, VINTF, 15, 6)

/* VINTF v, at SMMUV3_AUX_CMDQV_VINTF_BASE + 0x100 * v */
REG32(VINTF_CONFIG, 0x0)
    FIELD(VINTF_CONFIG, EN, 0, 1)
    FIELD(VINTF_CONFIG, VMID, 1, 16)
    FIELD(VINTF_CONFIG, HYP_OWN, 17, 1)
REG32(VINTF_STATUS, 0x4)
    FIELD(VINTF_STATUS, ENABLED, 0, 1)
    FIELD(VINTF_STATUS, STATUS, 1, 3)
REG32(VINTF_SID_MATCH, 0x40)            /* + 4 * s */
    FIELD(VINTF_SID_MATCH, ENABLE, 0, 1)
    FIELD(VINTF_SID_MATCH, VIRT_SID, 1, 20)
REG32(VINTF_SID_REPLACE, 0x80)          /* + 4 * s */
REG32(VINTF_LVCMDQ_ERR_MAP, 0xc0)       /* 128 bits: 0xc0..0xcc */

/* VCMDQ page 0 slot */
REG32(VCMDQ_CONS, 0x0)
    FIELD(VCMDQ_CONS, RD, 0, 20)
    FIELD(VCMDQ_CONS, ERR, 24, 7)
REG32(VCMDQ_PROD, 0x4)
    FIELD(VCMDQ_PROD, WR, 0, 20)
REG32(VCMDQ_CONFIG, 0x8)
    FIELD(VCMDQ_CONFIG, EN, 0, 1)
REG32(VCMDQ_STATUS, 0xc)
    FIELD(VCMDQ_STATUS, ENABLED, 0, 1)
REG32(VCMDQ_GERROR, 0x10)
    FIELD(VCMDQ_GERROR, CMDQ_ERR, 0, 1)
REG32(VCMDQ_GERRORN, 0x14)

/* VCMDQ page 1 slot (64-bit registers) */
REG64(VCMDQ_BASE, 0x0)
    FIELD(VCMDQ_BASE, LOG2SIZE, 0, 5)
    FIELD(VCMDQ_BASE, ADDR, 5, 43)
REG64(VCMDQ_CONS_INDX_BASE, 0x8)

#endif
