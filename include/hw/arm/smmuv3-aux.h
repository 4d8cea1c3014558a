/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: an Arm SMMUv3 model with substreams and virtual command queues.
 * QOM type of the device; the architecture lives in hw/arm/smmuv3-aux/.
 */
#ifndef HW_ARM_SMMUV3_AUX_H
#define HW_ARM_SMMUV3_AUX_H

#include "hw/sysbus.h"
#include "qom/object.h"

#define TYPE_ARM_SMMUV3_AUX "arm-smmuv3-aux"
OBJECT_DECLARE_SIMPLE_TYPE(SMMUv3AuxState, ARM_SMMUV3_AUX)

#define TYPE_SMMUV3_AUX_IOMMU_MEMORY_REGION "smmuv3-aux-iommu-memory-region"

/*
 * Platform (non-PCI) DMA masters
 * ------------------------------
 * A sysbus device that masters DMA through the SMMU attaches itself with
 * the StreamID its firmware description gives it (DT "iommus = <&smmu
 * sid>"), at realize, under the BQL, and does all its DMA through the
 * address space it gets.  The attachment lasts as long as the SMMU (sysbus
 * devices are not hot-pluggable).  SubstreamIDs, privilege and InD go in
 * the MemTxAttrs of each access (pid_valid/pid, priv, instr), as for PCI.
 */
typedef struct SMMUv3AuxDevice SMMUv3AuxDevice;

/* NULL and *errp if sid is beyond sid-size or another master's. */
SMMUv3AuxDevice *smmuv3_aux_attach_master(SMMUv3AuxState *s,
                                          DeviceState *master, uint32_t sid,
                                          Error **errp);
AddressSpace *smmuv3_aux_master_address_space(SMMUv3AuxDevice *sdev);
/*
 * The master stops its DMA (a reset): its transactions stalled in the SMMU
 * end with an abort now, as CMD_STALL_TERM would end them, instead of
 * waiting for software.  Any thread.
 */
void smmuv3_aux_master_abort_stalls(SMMUv3AuxDevice *sdev);

/*
 * Stalled transactions
 * --------------------
 * Only a master that parks its stalls can stall (others' faults that
 * would stall terminate): the DMA returns with an error at once, the
 * transaction stays stalled in the SMMU, and the master, which saved where
 * its DMA was, waits for software's CMD_RESUME outside the DMA (never in
 * the IOMMU callback, which runs inside the DMA's RCU read section).  If
 * the VM stops (migration, savevm, "stop") the transaction stays parked
 * and migrates; the master comes back for it when the VM runs again, on
 * this QEMU or on a migration's destination.
 *
 * The master: calls smmuv3_aux_master_set_stall_parking() once; after a
 * DMA that failed, smmuv3_aux_master_take_parked_stall() says whether it
 * was parked, and with which handle; when the VM runs, from a thread
 * without the BQL, smmuv3_aux_master_resume_stall() waits until software
 * ends the stall (it may park again); or, if the master gives up on it (a
 * reset, unplug), smmuv3_aux_master_release_stall() aborts it.
 */
typedef enum SMMUv3AuxStallEnd {
    SMMUV3_AUX_STALL_END_RETRY,     /* issue the access again */
    SMMUV3_AUX_STALL_END_ABORT,     /* it failed */
    SMMUV3_AUX_STALL_END_RAZWI,     /* reads return 0, writes are ignored */
    SMMUV3_AUX_STALL_END_PARKED,    /* the VM stopped again meanwhile */
} SMMUv3AuxStallEnd;

/* The master behind an SMMU that as translates for, or NULL. */
SMMUv3AuxDevice *smmuv3_aux_master_of(AddressSpace *as);
void smmuv3_aux_master_set_stall_parking(SMMUv3AuxDevice *sdev, bool on);
bool smmuv3_aux_master_take_parked_stall(SMMUv3AuxDevice *sdev,
                                         uint32_t *stall);
SMMUv3AuxStallEnd smmuv3_aux_master_resume_stall(SMMUv3AuxDevice *sdev,
                                                 uint32_t stall);
void smmuv3_aux_master_release_stall(SMMUv3AuxDevice *sdev, uint32_t stall);

/*
 * ITS DeviceID of the SMMU's own MSIs on the virt board.  QEMU's ITS has 16
 * DeviceID bits and pcie.0 RIDs start at 0, so the top of the range is the
 * one least likely to collide with a PCI requester.
 */
#define SMMUV3_AUX_VIRT_MSI_DEVICE_ID 0xff00

/*
 * Where the virt board puts the virtual command queues (cmdqv=on): the
 * free window after VIRT_SECURE_GPIO, up to VIRT_MMIO at 0x0a000000, which
 * holds the largest layout (64 VINTFs, 0x830000 bytes), and the SPI after
 * the SMMU's four.
 */
#define SMMUV3_AUX_VIRT_CMDQV_BASE      0x090c0000
#define SMMUV3_AUX_VIRT_CMDQV_MAX_SIZE  0x00f40000
#define SMMUV3_AUX_VIRT_CMDQV_SPI       78

#endif
