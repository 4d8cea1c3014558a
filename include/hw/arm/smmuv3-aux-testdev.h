/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DMA test masters of smmuv3-aux: smmuv3-aux-testdev, a PCIe endpoint,
 * and smmuv3-aux-platdev, a platform (sysbus) master with a fixed
 * StreamID, for the SMMU features Linux uses only on platform devices
 * (stall, I/O page faults).
 *
 * Register layout of the first 4 KiB of BAR0 (64 KiB, with MSI-X), or of
 * the platform master's MMIO region (32- and 64-bit little-endian
 * accesses).  Shared by the device models,
 * qtests and the guest test module.
 *
 * Software writes SRC/DST/LEN/PATTERN/PASID/ATTRS, then writes CMD.  The
 * command runs to completion before the CMD write returns (unless
 * CTRL.ASYNC); STATUS then has DONE set, or ERROR with ERR_ADDR holding the
 * first IOVA that faulted.
 * Each command also raises the interrupt (MSI-X or MSI when enabled, else INTx; the
 * platform master's one wired, level interrupt) when INTR_EN is set;
 * writing STATUS clears DONE/ERROR (write 1 to clear) and deasserts INTx
 * or the wired interrupt.  The platform master has no ATS or PRI: TD_CTRL.ATS
 * and CMD PRI fail there.
 */
#ifndef HW_ARM_SMMUV3_AUX_TESTDEV_H
#define HW_ARM_SMMUV3_AUX_TESTDEV_H

#include "hw/registerfields.h"

#define TYPE_SMMUV3_AUX_TESTDEV "smmuv3-aux-testdev"
#define TYPE_SMMUV3_AUX_PLATDEV "smmuv3-aux-platdev"
/* The platform master's DT compatible (hw/core/sysbus-fdt.c) */
#define SMMUV3_AUX_PLATDEV_COMPAT "qemu,smmuv3-aux-platdev"

#define SMMUV3_AUX_TESTDEV_VENDOR_ID    0x1b36  /* Red Hat, QEMU devices */
#define SMMUV3_AUX_TESTDEV_DEVICE_ID    0x00f5
#define SMMUV3_AUX_TESTDEV_MAGIC        0x534d4d55  /* "SMMU" */
/* The registers: the platform master's MMIO region, the start of BAR0 */
#define SMMUV3_AUX_TESTDEV_REGS_SIZE    0x1000
/*
 * BAR0 of the PCI device: the registers (RAZ/WI after the first page up to
 * the MSI-X table), the MSI-X table and PBA of its one vector.
 */
#define SMMUV3_AUX_TESTDEV_BAR0_SIZE    0x10000
#define SMMUV3_AUX_TESTDEV_MSIX_TABLE   0x8000
#define SMMUV3_AUX_TESTDEV_MSIX_PBA     0x9000
/* Largest LEN of one command; bigger requests fail with ERROR. */
#define SMMUV3_AUX_TESTDEV_MAX_LEN      (1u << 24)
/* Largest LEN of a TD_CTRL.CACHED command */
#define SMMUV3_AUX_TESTDEV_MAX_CACHED   0x1000
/* Largest BURST_COUNT (a few seconds of DMA); bigger bursts fail. */
#define SMMUV3_AUX_TESTDEV_MAX_BURST    (1ull << 26)
/* Invalidation Completions TD_ATS_CTRL.HOLD keeps */
#define SMMUV3_AUX_TESTDEV_MAX_HELD     64

REG32(TD_MAGIC, 0x00)
REG32(TD_VERSION, 0x04)
REG32(TD_CMD, 0x08)
REG32(TD_STATUS, 0x0c)
    FIELD(TD_STATUS, DONE, 0, 1)
    FIELD(TD_STATUS, ERROR, 1, 1)
    FIELD(TD_STATUS, BUSY, 2, 1)     /* a TD_CTRL.ASYNC command runs */
REG32(TD_CTRL, 0x10)
    FIELD(TD_CTRL, INTR_EN, 0, 1)
    /*
     * READ, WRITE, FILL and COPY as one access of LEN (at most 4 KiB, page
     * crossings included) through a MemoryRegionCache, the way virtio
     * reaches its rings, instead of page-sized pci_dma_rw() calls.  With
     * ASYNC only (the command fails without it): see ASYNC.
     */
    FIELD(TD_CTRL, CACHED, 1, 1)
    /*
     * The command runs in the device's own thread, outside QEMU's big
     * lock: the CMD write returns at once with STATUS = BUSY, and DONE or
     * ERROR (and the interrupt) follow when it finishes.  Several devices
     * then DMA through the IOMMU concurrently.  A CMD written while BUSY
     * is refused: it sets ERROR, which stays set next to the running
     * command's DONE or ERROR.  A device reset stops a running command
     * early and discards its result; a CMD written after the reset waits
     * for that (bounded) end instead of failing.  Without ASYNC the
     * command runs inside the CMD write and its DMA reaches RAM only
     * (MemTxAttrs.memory): a DMA to device MMIO fails the command.
     */
    FIELD(TD_CTRL, ASYNC, 2, 1)
    /*
     * DMA through the device's ATC (PCIe ATS, needs the "ats" property and
     * ATS enabled in the capability): a miss sends a Translation Request
     * for the page, and the access goes out as a Translated request to
     * the address the IOMMU returned.  A page the translation does not
     * permit fails the command.  With TD_PASID.SSV the requests carry the
     * PASID (up to 7 PASIDs; the PASID capability must be enabled).  Not
     * with CACHED.
     */
    FIELD(TD_CTRL, ATS, 3, 1)
REG64(TD_SRC, 0x18)
REG64(TD_DST, 0x20)
REG32(TD_LEN, 0x28)
REG32(TD_PATTERN, 0x2c)
/* Substream: SSV in bit 31, SSID in [19:0] (carried once the SMMU takes it) */
REG32(TD_PASID, 0x30)
    FIELD(TD_PASID, SSID, 0, 20)
    FIELD(TD_PASID, SSV, 31, 1)
REG32(TD_ATTRS, 0x34)
    FIELD(TD_ATTRS, PRIV, 0, 1)
    FIELD(TD_ATTRS, EXEC, 1, 1)
/* Result of the last READ/COPY: 64-bit FNV-1a hash of the bytes read */
REG64(TD_RESULT, 0x38)
REG64(TD_ERR_ADDR, 0x40)
/* BURST: COUNT reads of 4 KiB, page i % PAGES of the set starting at SRC */
REG64(TD_BURST_COUNT, 0x48)
REG32(TD_BURST_PAGES, 0x50)
REG32(TD_BURST_ORDER, 0x54)     /* 0 sequential, 1 Zipf-like */
REG64(TD_BURST_NS, 0x58)        /* host nanoseconds the last burst took */
REG64(TD_DMA_COUNT, 0x60)       /* DMAs issued since reset */
/*
 * ATS.  HOLD: the device keeps the Invalidation Completions of the ATS
 * Invalidate Requests it gets (up to SMMUV3_AUX_TESTDEV_MAX_HELD; more
 * are never completed) until software writes ATS_RELEASE, as a device
 * that is slow, or never answers, would.
 */
REG32(TD_ATS_CTRL, 0x68)
    FIELD(TD_ATS_CTRL, HOLD, 0, 1)
REG32(TD_ATS_RELEASE, 0x6c)     /* write: send the held completions */
REG64(TD_ATC_HITS, 0x70)        /* translations the ATC had */
REG64(TD_ATC_MISSES, 0x78)      /* Translation Requests sent */
REG64(TD_ATC_INVS, 0x80)        /* ATS Invalidate Requests received */
REG32(TD_ATC_HELD, 0x88)        /* completions held now */
/*
 * PRI ("pri" property, PRI enabled in the capability): CMD PRI sends one
 * Page Request for the page of SRC, with TD_PASID's PASID, PRGI =
 * PATTERN[8:0], Read, Write = PATTERN[16], and Last unless PATTERN[17];
 * STATUS.DONE once it is sent (ERROR when it cannot be).  The PRG
 * Response comes later: PRI_RESPS counts them, PRI_LAST is the last one.
 */
REG64(TD_PRI_RESPS, 0x90)
REG32(TD_PRI_LAST, 0x98)
    FIELD(TD_PRI_LAST, PRGI, 0, 9)
    FIELD(TD_PRI_LAST, CODE, 16, 4)     /* 0 Success, 1 Invalid, 2 Failure */
    FIELD(TD_PRI_LAST, VALID, 31, 1)

enum {
    SMMUV3_AUX_TD_CMD_READ = 1,   /* read LEN bytes at SRC, hash into RESULT */
    /* write LEN bytes at DST: 32-bit LE words PATTERN, PATTERN+1, ... */
    SMMUV3_AUX_TD_CMD_WRITE = 2,
    SMMUV3_AUX_TD_CMD_COPY = 3,   /* copy LEN bytes from SRC to DST */
    SMMUV3_AUX_TD_CMD_BURST = 4,  /* timed burst of 4 KiB reads */
    SMMUV3_AUX_TD_CMD_FILL = 5,   /* write LEN bytes of PATTERN repeated */
    SMMUV3_AUX_TD_CMD_PRI = 6,    /* a Page Request (TD_PRI_RESPS) */
};

#endif
