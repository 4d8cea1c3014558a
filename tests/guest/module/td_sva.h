/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SVA on the test masters (td_sva.c), shared with tests/guest/tools/
 * smmu-sva.c: /sys/kernel/debug/smmuv3_aux_sva/<device>.  open() binds the
 * caller's address space to the device (iommu_sva_bind_device()), the
 * ioctls below have the device DMA at the caller's virtual addresses with
 * the bond's PASID, and the last close unbinds.
 */
#ifndef SMMUV3_AUX_TD_SVA_H
#define SMMUV3_AUX_TD_SVA_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* One device command (TD_CMD_*) on virtual addresses, in the device's thread. */
struct td_sva_dma {
	__u32 cmd;		/* in: 1 READ (hash), 2 WRITE (pattern), 3 COPY */
	__u32 len;		/* in */
	__u64 src, dst;		/* in: the caller's virtual addresses */
	__u32 pattern;		/* in: first 32-bit word of WRITE */
	__u32 status;		/* out: TD_STATUS (1 DONE, 2 ERROR) */
	__u64 result;		/* out: READ/COPY's FNV-1a hash */
	__u64 err_addr;		/* out: the faulting address after ERROR */
	__u64 ns;		/* out: nanoseconds from CMD to completion */
};

struct td_sva_info {
	__u32 pasid;		/* the bond's PASID */
	__u32 sid;		/* the device's (first) StreamID */
	__u32 stall;		/* the SMMU master has stall enabled (dma-can-stall) */
	__u32 ssid_bits;	/* its SubstreamID bits */
	__u32 iopf;		/* faults are resolved by the I/O page-fault handler */
};

#define TD_SVA_DMA	_IOWR('S', 1, struct td_sva_dma)
#define TD_SVA_INFO	_IOR('S', 2, struct td_sva_info)

#endif
