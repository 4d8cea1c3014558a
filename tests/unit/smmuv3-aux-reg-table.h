/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The smmuv3-aux page-0/page-1 registers and their reset values, shared by
 * the engine unit test (tests/unit/test-smmuv3-aux-regs.c) and the device
 * qtests (tests/qtest/smmuv3-aux-test.c, smmuv3-aux-props-test.c).  Both builds reach it from the
 * source root: the standalone build has the project top in its include
 * path, QEMU's has -iquote of its source root, where configure links
 * tests/unit/.
 *
 * Offsets and widths are architected (Arm IHI 0070 6.3).  The ID register
 * values are those of arm-smmuv3-aux with its property defaults
 * (docs/system/arm/smmuv3-aux.rst), written field by field: they are the
 * specification of those defaults.  GBPA resets to an IMPLEMENTATION
 * DEFINED value; the model documents ABORT = 0 (bypass while SMMUEN = 0)
 * and SHCFG = 0b01 "use incoming", as QEMU's arm-smmuv3.
 *
 * The table is an X-macro, not an array: each test expands it into its
 * own array, so no static data is defined in a header
 * (smmuv3_aux_reg_reset() expands it into a switch).
 */
#ifndef TESTS_SMMUV3_AUX_REG_TABLE_H
#define TESTS_SMMUV3_AUX_REG_TABLE_H

#include "hw/arm/smmuv3-aux-common.h"

/* Field @field of register @reg holding @v, as a constant expression. */
#define SMMUV3_AUX_FV(reg, field, v) \
    ((uint32_t)(v) << R_##reg##_##field##_SHIFT)

#define SMMUV3_AUX_DEV_IDR0 \
    (SMMUV3_AUX_FV(IDR0, S2P, 1) | \
     SMMUV3_AUX_FV(IDR0, S1P, 1) | \
     SMMUV3_AUX_FV(IDR0, TTF, SMMUV3_AUX_IDR0_TTF_AA64) | \
     SMMUV3_AUX_FV(IDR0, COHACC, 1) | \
     SMMUV3_AUX_FV(IDR0, HTTU, 2) | \
     SMMUV3_AUX_FV(IDR0, HYP, 1) | \
     SMMUV3_AUX_FV(IDR0, ATS, 1) | \
     SMMUV3_AUX_FV(IDR0, PRI, 1) | \
     SMMUV3_AUX_FV(IDR0, ASID16, 1) | \
     SMMUV3_AUX_FV(IDR0, MSI, 1) | \
     SMMUV3_AUX_FV(IDR0, VMID16, 1) | \
     SMMUV3_AUX_FV(IDR0, TTENDIAN, SMMUV3_AUX_IDR0_TTENDIAN_LE) | \
     SMMUV3_AUX_FV(IDR0, STALL_MODEL, SMMUV3_AUX_IDR0_STALL_BOTH) | \
     SMMUV3_AUX_FV(IDR0, CD2L, 1) | \
     SMMUV3_AUX_FV(IDR0, ST_LEVEL, 1))

/* SSIDSIZE = 20, PRIQS = 19 */
#define SMMUV3_AUX_DEV_IDR1 \
    (SMMUV3_AUX_FV(IDR1, SIDSIZE, 16) | \
     SMMUV3_AUX_FV(IDR1, PRIQS, 19) | \
     SMMUV3_AUX_FV(IDR1, SSIDSIZE, 20) | \
     SMMUV3_AUX_FV(IDR1, EVENTQS, 19) | \
     SMMUV3_AUX_FV(IDR1, CMDQS, 19))

#define SMMUV3_AUX_DEV_IDR3 \
    (SMMUV3_AUX_FV(IDR3, HAD, 1) | \
     SMMUV3_AUX_FV(IDR3, XNX, 1) | \
     SMMUV3_AUX_FV(IDR3, PPS, 1) | \
     SMMUV3_AUX_FV(IDR3, FWB, 1) | \
     SMMUV3_AUX_FV(IDR3, RIL, 1) | \
     SMMUV3_AUX_FV(IDR3, BBML, 2))

#define SMMUV3_AUX_DEV_IDR5 \
    (SMMUV3_AUX_FV(IDR5, OAS, SMMUV3_AUX_OAS_48) | \
     SMMUV3_AUX_FV(IDR5, GRAN4K, 1) | \
     SMMUV3_AUX_FV(IDR5, GRAN16K, 1) | \
     SMMUV3_AUX_FV(IDR5, GRAN64K, 1))

#define SMMUV3_AUX_DEV_GBPA_RESET \
    SMMUV3_AUX_FV(GBPA, SHCFG, 1)

/*
 * X(name, size, reset) for every register the Linux driver reads or
 * writes, plus STATUSR and AGBPA; name is the A_<name> offset's suffix,
 * size 4 or 8.
 */
#define SMMUV3_AUX_REG_TABLE(X) \
    X(IDR0, 4, SMMUV3_AUX_DEV_IDR0) \
    X(IDR1, 4, SMMUV3_AUX_DEV_IDR1) \
    X(IDR2, 4, 0) \
    X(IDR3, 4, SMMUV3_AUX_DEV_IDR3) \
    X(IDR4, 4, 0) \
    X(IDR5, 4, SMMUV3_AUX_DEV_IDR5) \
    X(IIDR, 4, 0) \
    X(AIDR, 4, 0) \
    X(CR0, 4, 0) \
    X(CR0ACK, 4, 0) \
    X(CR1, 4, 0) \
    X(CR2, 4, 0) \
    X(STATUSR, 4, 0) \
    X(GBPA, 4, SMMUV3_AUX_DEV_GBPA_RESET) \
    X(AGBPA, 4, 0) \
    X(IRQ_CTRL, 4, 0) \
    X(IRQ_CTRLACK, 4, 0) \
    X(GERROR, 4, 0) \
    X(GERRORN, 4, 0) \
    X(GERROR_IRQ_CFG0, 8, 0) \
    X(GERROR_IRQ_CFG1, 4, 0) \
    X(GERROR_IRQ_CFG2, 4, 0) \
    X(STRTAB_BASE, 8, 0) \
    X(STRTAB_BASE_CFG, 4, 0) \
    X(CMDQ_BASE, 8, 0) \
    X(CMDQ_PROD, 4, 0) \
    X(CMDQ_CONS, 4, 0) \
    X(EVENTQ_BASE, 8, 0) \
    X(EVENTQ_IRQ_CFG0, 8, 0) \
    X(EVENTQ_IRQ_CFG1, 4, 0) \
    X(EVENTQ_IRQ_CFG2, 4, 0) \
    X(PRIQ_BASE, 8, 0) \
    X(PRIQ_IRQ_CFG0, 8, 0) \
    X(PRIQ_IRQ_CFG1, 4, 0) \
    X(PRIQ_IRQ_CFG2, 4, 0) \
    X(EVENTQ_PROD, 4, 0) \
    X(EVENTQ_CONS, 4, 0) \
    X(PRIQ_PROD, 4, 0) \
    X(PRIQ_CONS, 4, 0)

/* The common row type and its initializer, for SMMUV3_AUX_REG_TABLE(). */
typedef struct SMMUv3AuxRegReset {
    const char *name;
    uint64_t off;
    unsigned size;          /* 4 or 8 */
    uint64_t reset;
} SMMUv3AuxRegReset;

#define SMMUV3_AUX_REG_RESET_ROW(n, sz, v) { #n, A_##n, sz, v },

/* The documented reset value of the register at @off: a switch, no data. */
#define SMMUV3_AUX_REG_RESET_CASE(n, sz, v) case A_##n: return v;

static inline uint64_t smmuv3_aux_reg_reset(uint64_t off)
{
    switch (off) {
    SMMUV3_AUX_REG_TABLE(SMMUV3_AUX_REG_RESET_CASE)
    }
    g_assert_not_reached();
}

#endif
