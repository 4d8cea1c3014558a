/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: MMIO register semantics (Arm IHI 0070 chapter 6).
 *
 * The window is two 64 KiB pages.  Page 0 holds the Non-secure registers
 * up to 0xe00 and the Secure bank from 0x8000, which this model does not
 * implement (RAZ/WI).  Page 1 only holds EVENTQ_PROD/CONS and
 * PRIQ_PROD/CONS; the rest of it is RAZ/WI.
 *
 * 64-bit registers accept 8-byte accesses and 4-byte accesses to either
 * half; 8-byte accesses to a pair of 32-bit registers are split in two.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

/* Writable bits */
#define CR0_MASK            (R_CR0_SMMUEN_MASK | R_CR0_EVENTQEN_MASK | \
                             R_CR0_CMDQEN_MASK | R_CR0_ATSCHK_MASK | \
                             R_CR0_PRIQEN_MASK)
#define CR1_MASK            0xfffu
#define CR2_MASK            (R_CR2_RECINVSID_MASK | R_CR2_PTM_MASK)
#define GBPA_MASK           (R_GBPA_MEMATTR_MASK | R_GBPA_MTCFG_MASK | \
                             R_GBPA_ALLOCCFG_MASK | R_GBPA_SHCFG_MASK | \
                             R_GBPA_PRIVCFG_MASK | R_GBPA_INSTCFG_MASK | \
                             R_GBPA_ABORT_MASK)
#define IRQ_CTRL_MASK       (R_IRQ_CTRL_GERROR_IRQEN_MASK | \
                             R_IRQ_CTRL_EVENTQ_IRQEN_MASK | \
                             R_IRQ_CTRL_PRIQ_IRQEN_MASK)
#define IRQ_CFG0_MASK       R_GERROR_IRQ_CFG0_ADDR_MASK
#define IRQ_CFG2_MASK       (R_GERROR_IRQ_CFG2_MEMATTR_MASK | \
                             R_GERROR_IRQ_CFG2_SH_MASK)
#define STRTAB_BASE_MASK    (R_STRTAB_BASE_ADDR_MASK | R_STRTAB_BASE_RA_MASK)
#define STRTAB_CFG_MASK     (R_STRTAB_BASE_CFG_LOG2SIZE_MASK | \
                             R_STRTAB_BASE_CFG_SPLIT_MASK | \
                             R_STRTAB_BASE_CFG_FMT_MASK)
#define Q_BASE_MASK         (R_CMDQ_BASE_LOG2SIZE_MASK | \
                             R_CMDQ_BASE_ADDR_MASK | R_CMDQ_BASE_RA_MASK)
#define CMDQ_CONS_MASK      (R_CMDQ_CONS_RD_MASK | R_CMDQ_CONS_ERR_MASK)
#define EVTQ_PTR_MASK       (R_EVENTQ_PROD_WR_MASK | R_EVENTQ_PROD_OVFLG_MASK)
#define PRIQ_PTR_MASK       (R_PRIQ_PROD_WR_MASK | R_PRIQ_PROD_OVFLG_MASK)
#define PRIQ_IRQ_CFG2_MASK  (IRQ_CFG2_MASK | R_PRIQ_IRQ_CFG2_LO_MASK)

static bool has_pri(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.idr[0], IDR0, PRI);
}

static bool has_msi(const SMMUv3AuxEngine *e)
{
    return FIELD_EX32(e->regs.idr[0], IDR0, MSI);
}

static bool cr0_bit(const SMMUv3AuxEngine *e, uint32_t mask)
{
    return e->regs.cr0 & mask;
}

/* ---- Register classification ---------------------------------------- */

/* The 64-bit register at an 8-byte aligned offset, or NULL. */
static uint64_t *reg64_slot(SMMUv3AuxEngine *e, uint64_t off)
{
    SMMUv3AuxRegs *r = &e->regs;

    switch (off) {
    case A_GERROR_IRQ_CFG0:
        return &r->gerror_irq_cfg0;
    case A_STRTAB_BASE:
        return &r->strtab_base;
    case A_CMDQ_BASE:
        return &r->cmdq_base;
    case A_EVENTQ_BASE:
        return &r->evtq_base;
    case A_EVENTQ_IRQ_CFG0:
        return &r->evtq_irq_cfg0;
    case A_PRIQ_BASE:
        return &r->priq_base;
    case A_PRIQ_IRQ_CFG0:
        return &r->priq_irq_cfg0;
    default:
        return NULL;
    }
}

static bool is_reg64(SMMUv3AuxEngine *e, uint64_t off)
{
    return reg64_slot(e, off & ~7ULL) != NULL;
}

/* ---- Reads ----------------------------------------------------------- */

static uint64_t reg64_read(SMMUv3AuxEngine *e, uint64_t off)
{
    return *reg64_slot(e, off);
}

static uint32_t reg32_read_page1(SMMUv3AuxEngine *e, uint64_t off)
{
    switch (off) {
    case A_EVENTQ_PROD:
        return e->regs.evtq_prod;
    case A_EVENTQ_CONS:
        return e->regs.evtq_cons;
    case A_PRIQ_PROD:
        return e->regs.priq_prod;
    case A_PRIQ_CONS:
        return e->regs.priq_cons;
    default:
        trace_smmuv3_aux_reg_reserved(off, 0, false);
        return 0;
    }
}

static uint32_t reg32_read_page0(SMMUv3AuxEngine *e, uint64_t off)
{
    const SMMUv3AuxRegs *r = &e->regs;

    switch (off) {
    case A_IDR0 ... A_IDR5:
        return r->idr[(off - A_IDR0) / 4];
    case A_IIDR:
        return r->iidr;
    case A_AIDR:
        return r->aidr;
    case A_CR0:
        return r->cr0;
    case A_CR0ACK:
        return r->cr0ack;
    case A_CR1:
        return r->cr1;
    case A_CR2:
        return r->cr2;
    case A_STATUSR:
    case A_AGBPA:
        return 0;
    case A_GBPA:
        return r->gbpa;
    case A_IRQ_CTRL:
        return r->irq_ctrl;
    case A_IRQ_CTRLACK:
        return r->irq_ctrlack;
    case A_GERROR:
        return r->gerror;
    case A_GERRORN:
        return r->gerrorn;
    case A_GERROR_IRQ_CFG1:
        return r->gerror_irq_cfg1;
    case A_GERROR_IRQ_CFG2:
        return r->gerror_irq_cfg2;
    case A_STRTAB_BASE_CFG:
        return r->strtab_base_cfg;
    case A_CMDQ_PROD:
        return r->cmdq_prod;
    case A_CMDQ_CONS:
        return r->cmdq_cons;
    case A_EVENTQ_IRQ_CFG1:
        return r->evtq_irq_cfg1;
    case A_EVENTQ_IRQ_CFG2:
        return r->evtq_irq_cfg2;
    case A_PRIQ_IRQ_CFG1:
        return r->priq_irq_cfg1;
    case A_PRIQ_IRQ_CFG2:
        return r->priq_irq_cfg2;
    default:
        if (off >= SMMUV3_AUX_SECURE_BANK) {
            trace_smmuv3_aux_reg_secure(off, false);
        } else {
            qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: %s: read of reserved "
                          "offset 0x%" PRIx64 "\n", __func__, off);
            trace_smmuv3_aux_reg_reserved(off, 0, false);
        }
        return 0;
    }
}

static uint32_t reg32_read(SMMUv3AuxEngine *e, uint64_t off)
{
    if (is_reg64(e, off)) {
        uint64_t v = reg64_read(e, off & ~7ULL);

        return (off & 4) ? v >> 32 : (uint32_t)v;
    }
    if (off >= SMMUV3_AUX_PAGE_SIZE) {
        return reg32_read_page1(e, off);
    }
    return reg32_read_page0(e, off);
}

uint64_t smmuv3_aux_reg_read(SMMUv3AuxEngine *e, uint64_t offset,
                             unsigned size)
{
    uint64_t val;

    if ((size != 4 && size != 8) || (offset & (size - 1)) ||
        offset >= SMMUV3_AUX_MMIO_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: %s: bad access "
                      "offset 0x%" PRIx64 " size %u\n", __func__, offset,
                      size);
        trace_smmuv3_aux_reg_bad_access(offset, size, false);
        return 0;
    }
    if (size == 8 && is_reg64(e, offset)) {
        val = reg64_read(e, offset);
    } else if (size == 8) {
        val = reg32_read(e, offset) |
              ((uint64_t)reg32_read(e, offset + 4) << 32);
    } else {
        val = reg32_read(e, offset);
    }
    trace_smmuv3_aux_reg_read(offset, size, val);
    return val;
}

/* ---- Writes ---------------------------------------------------------- */

static void write_cr0(SMMUv3AuxEngine *e, uint32_t val)
{
    uint32_t old = e->regs.cr0;
    uint32_t new = val & CR0_MASK;

    if (!FIELD_EX32(e->regs.idr[0], IDR0, ATS)) {
        new &= ~R_CR0_ATSCHK_MASK;      /* RES0 without ATS (6.3.9) */
    }
    if (!has_pri(e)) {
        new &= ~R_CR0_PRIQEN_MASK;      /* RES0 without PRI */
    }

    /*
     * Updates complete at once, so CR0ACK mirrors CR0 exactly; Linux
     * polls for CR0ACK == written value.
     */
    e->regs.cr0 = new;
    e->regs.cr0ack = new;
    /* SMMUEN switches between GBPA and the tables (micro-TLB, engine.h). */
    smmuv3_aux_engine_inval_gen_bump(e);
    trace_smmuv3_aux_cr0(old, new);
    if ((old & R_CR0_SMMUEN_MASK) && !(new & R_CR0_SMMUEN_MASK)) {
        smmuv3_aux_stall_abort_all(e);      /* translation disabled */
    }
    smmuv3_aux_stall_evtq_writable(e);
    if (!(old & R_CR0_CMDQEN_MASK) && (new & R_CR0_CMDQEN_MASK)) {
        smmuv3_aux_cmdq_run(e);
    }
}

static void write_gbpa(SMMUv3AuxEngine *e, uint32_t val)
{
    /*
     * Only a write with UPDATE = 1 changes GBPA; the update completes at
     * once, so UPDATE reads back as 0.
     */
    if (!FIELD_EX32(val, GBPA, UPDATE)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_gbpa_no_update, "val=0x%x", val);
        return;
    }
    e->regs.gbpa = val & GBPA_MASK;
    /* GBPA.ABORT decides while SMMUEN = 0 (micro-TLB, engine.h). */
    smmuv3_aux_engine_inval_gen_bump(e);
    trace_smmuv3_aux_gbpa(e->regs.gbpa);
}

static void write_gerrorn(SMMUv3AuxEngine *e, uint32_t val)
{
    bool was_err = smmuv3_aux_gerror_active(e) & R_GERROR_CMDQ_ERR_MASK;

    e->regs.gerrorn = val & SMMUV3_AUX_GERROR_MASK;
    trace_smmuv3_aux_gerrorn(e->regs.gerror, e->regs.gerrorn);
    /* Acknowledging CMDQ_ERR lets the CMDQ resume at CONS. */
    if (was_err &&
        !(smmuv3_aux_gerror_active(e) & R_GERROR_CMDQ_ERR_MASK)) {
        smmuv3_aux_cmdq_run(e);
    }
    /* An acknowledged EVENTQ_ABT_ERR makes the queue writable again. */
    smmuv3_aux_stall_evtq_writable(e);
}

static void write_cmdq_prod(SMMUv3AuxEngine *e, uint32_t val)
{
    e->regs.cmdq_prod = val & R_CMDQ_PROD_WR_MASK;
    smmuv3_aux_cmdq_run(e);
}

/* Writes to a register owned by the SMMU while its queue runs. */
static bool guarded(SMMUv3AuxEngine *e, uint32_t cr0_mask, uint64_t off,
                    uint64_t val)
{
    if (cr0_bit(e, cr0_mask)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_write_enabled,
                             "off=0x%" PRIx64 " val=0x%" PRIx64, off, val);
        return true;
    }
    return false;
}

static void reg64_write(SMMUv3AuxEngine *e, uint64_t off, uint64_t val)
{
    SMMUv3AuxRegs *r = &e->regs;

    switch (off) {
    case A_GERROR_IRQ_CFG0:
    case A_EVENTQ_IRQ_CFG0:
        /* Without MSI support the IRQ_CFG registers are RES0. */
        *reg64_slot(e, off) = has_msi(e) ? val & IRQ_CFG0_MASK : 0;
        break;
    case A_STRTAB_BASE:
        /*
         * CONSTRAINED UNPREDICTABLE while SMMUEN = 1: ignore the write,
         * so the walk never sees a half-updated table pointer.
         */
        if (!guarded(e, R_CR0_SMMUEN_MASK, off, val)) {
            r->strtab_base = val & STRTAB_BASE_MASK;
            smmuv3_aux_strtab_update(e);
            smmuv3_aux_engine_inval_gen_bump(e);    /* micro-TLB */
        }
        break;
    case A_CMDQ_BASE:
        if (!guarded(e, R_CR0_CMDQEN_MASK, off, val)) {
            r->cmdq_base = val & Q_BASE_MASK;
        }
        break;
    case A_EVENTQ_BASE:
        if (!guarded(e, R_CR0_EVENTQEN_MASK, off, val)) {
            r->evtq_base = val & Q_BASE_MASK;
        }
        break;
    case A_PRIQ_BASE:
        if (has_pri(e) && !guarded(e, R_CR0_PRIQEN_MASK, off, val)) {
            r->priq_base = val & Q_BASE_MASK;
        }
        break;
    case A_PRIQ_IRQ_CFG0:
        r->priq_irq_cfg0 = has_pri(e) && has_msi(e) ? val & IRQ_CFG0_MASK : 0;
        break;
    default:
        g_assert_not_reached();
    }
    trace_smmuv3_aux_reg_write(off, 8, val);
}

static void reg32_write_page1(SMMUv3AuxEngine *e, uint64_t off, uint32_t val)
{
    switch (off) {
    case A_EVENTQ_PROD:
        /* Owned by the SMMU while EVENTQEN = 1. */
        if (!guarded(e, R_CR0_EVENTQEN_MASK, off, val)) {
            e->regs.evtq_prod = val & EVTQ_PTR_MASK;
        }
        break;
    case A_EVENTQ_CONS:
        e->regs.evtq_cons = val & EVTQ_PTR_MASK;
        smmuv3_aux_stall_evtq_writable(e);      /* room for a record */
        break;
    case A_PRIQ_PROD:
        /* Owned by the SMMU while PRIQEN = 1; RES0 without PRI. */
        if (has_pri(e) && !guarded(e, R_CR0_PRIQEN_MASK, off, val)) {
            e->regs.priq_prod = val & PRIQ_PTR_MASK;
        }
        break;
    case A_PRIQ_CONS:
        e->regs.priq_cons = has_pri(e) ? val & PRIQ_PTR_MASK : 0;
        break;
    default:
        trace_smmuv3_aux_reg_reserved(off, val, true);
        break;
    }
}

static void write_read_only(uint64_t off, uint32_t val)
{
    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_write_ro, "off=0x%" PRIx64
                         " val=0x%x", off, val);
}

static void reg32_write_page0(SMMUv3AuxEngine *e, uint64_t off, uint32_t val)
{
    SMMUv3AuxRegs *r = &e->regs;

    switch (off) {
    case A_IDR0 ... A_AIDR:
    case A_CR0ACK:
    case A_IRQ_CTRLACK:
    case A_GERROR:
    case A_STATUSR:
        write_read_only(off, val);
        break;
    case A_CR0:
        write_cr0(e, val);
        break;
    case A_CR1:
        r->cr1 = val & CR1_MASK;
        /* Only table attributes, but cheap: probe time only (engine.h). */
        smmuv3_aux_engine_inval_gen_bump(e);
        break;
    case A_CR2:
        r->cr2 = val & (CR2_MASK | (e->params.hyp ? R_CR2_E2H_MASK : 0));
        /* E2H selects the regime of EL2 STEs (micro-TLB, engine.h). */
        smmuv3_aux_engine_inval_gen_bump(e);
        break;
    case A_GBPA:
        write_gbpa(e, val);
        break;
    case A_AGBPA:
        /* No IMPLEMENTATION DEFINED attributes: RAZ/WI. */
        break;
    case A_IRQ_CTRL:
        r->irq_ctrl = val & IRQ_CTRL_MASK &
                      (has_pri(e) ? ~0u : ~R_IRQ_CTRL_PRIQ_IRQEN_MASK);
        r->irq_ctrlack = r->irq_ctrl;
        break;
    case A_GERRORN:
        write_gerrorn(e, val);
        break;
    case A_GERROR_IRQ_CFG1:
        r->gerror_irq_cfg1 = has_msi(e) ? val : 0;
        break;
    case A_GERROR_IRQ_CFG2:
        r->gerror_irq_cfg2 = has_msi(e) ? val & IRQ_CFG2_MASK : 0;
        break;
    case A_STRTAB_BASE_CFG:
        if (!guarded(e, R_CR0_SMMUEN_MASK, off, val)) {
            r->strtab_base_cfg = val & STRTAB_CFG_MASK;
            smmuv3_aux_strtab_update(e);
            smmuv3_aux_engine_inval_gen_bump(e);    /* micro-TLB */
        }
        break;
    case A_CMDQ_PROD:
        write_cmdq_prod(e, val);
        break;
    case A_CMDQ_CONS:
        if (!guarded(e, R_CR0_CMDQEN_MASK, off, val)) {
            r->cmdq_cons = val & CMDQ_CONS_MASK;
        }
        break;
    case A_EVENTQ_IRQ_CFG1:
        r->evtq_irq_cfg1 = has_msi(e) ? val : 0;
        break;
    case A_EVENTQ_IRQ_CFG2:
        r->evtq_irq_cfg2 = has_msi(e) ? val & IRQ_CFG2_MASK : 0;
        break;
    case A_PRIQ_IRQ_CFG1:
        r->priq_irq_cfg1 = has_pri(e) && has_msi(e) ? val : 0;
        break;
    case A_PRIQ_IRQ_CFG2:
        /* LO applies to wired interrupts too (6.3.1). */
        r->priq_irq_cfg2 = has_pri(e) ? val & (has_msi(e) ? PRIQ_IRQ_CFG2_MASK
                                                          : R_PRIQ_IRQ_CFG2_LO_MASK)
                                      : 0;
        break;
    default:
        if (off >= SMMUV3_AUX_SECURE_BANK) {
            trace_smmuv3_aux_reg_secure(off, true);
        } else {
            qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: %s: write to "
                          "reserved offset 0x%" PRIx64 "\n", __func__, off);
            trace_smmuv3_aux_reg_reserved(off, val, true);
        }
        break;
    }
}

static void reg32_write(SMMUv3AuxEngine *e, uint64_t off, uint32_t val)
{
    if (is_reg64(e, off)) {
        uint64_t base = off & ~7ULL;
        uint64_t cur = reg64_read(e, base);

        /* A write to one half keeps the other half as it reads back. */
        reg64_write(e, base, deposit64(cur, (off & 4) * 8, 32, val));
        return;
    }
    trace_smmuv3_aux_reg_write(off, 4, val);
    if (off >= SMMUV3_AUX_PAGE_SIZE) {
        reg32_write_page1(e, off, val);
    } else {
        reg32_write_page0(e, off, val);
    }
}

void smmuv3_aux_reg_write(SMMUv3AuxEngine *e, uint64_t offset,
                          uint64_t val, unsigned size)
{
    if ((size != 4 && size != 8) || (offset & (size - 1)) ||
        offset >= SMMUV3_AUX_MMIO_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3-aux: %s: bad access "
                      "offset 0x%" PRIx64 " size %u\n", __func__, offset,
                      size);
        trace_smmuv3_aux_reg_bad_access(offset, size, true);
        return;
    }
    if (size == 8 && is_reg64(e, offset)) {
        reg64_write(e, offset, val);
    } else if (size == 8) {
        reg32_write(e, offset, (uint32_t)val);
        reg32_write(e, offset + 4, val >> 32);
    } else {
        reg32_write(e, offset, (uint32_t)val);
    }
}
