/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The smmuv3-aux-testdev guest driver's shared parts: the registers
 * (include/hw/arm/smmuv3-aux-testdev.h of the QEMU tree), struct td and
 * the helpers td_main.c gives the other tests (td_ats.c).
 */
#ifndef SMMUV3_AUX_TD_H
#define SMMUV3_AUX_TD_H

#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/wait.h>

#define TD_VENDOR_ID	0x1b36
#define TD_DEVICE_ID	0x00f5
#define TD_MAGIC_VAL	0x534d4d55	/* "SMMU" */

#define TD_MAGIC	0x00
#define TD_CMD		0x08
#define TD_STATUS	0x0c
#define  TD_STATUS_DONE		BIT(0)
#define  TD_STATUS_ERROR	BIT(1)
#define  TD_STATUS_BUSY		BIT(2)
#define TD_CTRL		0x10
#define  TD_CTRL_INTR_EN	BIT(0)
#define  TD_CTRL_ASYNC		BIT(2)
#define  TD_CTRL_ATS		BIT(3)
#define TD_SRC		0x18
#define TD_DST		0x20
#define TD_LEN		0x28
#define TD_PATTERN	0x2c
#define TD_PASID	0x30
#define TD_RESULT	0x38
#define TD_ERR_ADDR	0x40
#define TD_DMA_COUNT	0x60
#define  TD_PASID_SSV		BIT(31)

#define TD_CMD_READ	1
#define TD_CMD_WRITE	2
#define TD_CMD_COPY	3

#define TD_BUF_MAX	(256 * 1024)	/* largest transfer of one iteration */
#define TD_RESULT_LEN	512

struct td {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct dentry *dir;
	struct mutex lock;		/* one run at a time */
	bool msi;
	bool async;			/* "run N async": TD_CTRL.ASYNC commands */
	atomic_t irqs;
	wait_queue_head_t irq_wait;
	unsigned int cmds;		/* commands issued with INTR_EN */
	char result[TD_RESULT_LEN];
	/* statistics of the last run */
	u64 bytes;
	unsigned int iters;
};

#define TD_FNV_INIT	0xcbf29ce484222325ULL

u64 td_fnv1a(u64 h, const u8 *p, size_t n);
int td_cmd(struct td *td, u32 cmd, dma_addr_t src, dma_addr_t dst,
	   u32 len, u32 pattern, u64 *err_addr);
const char *td_err_str(int err);
/* Set the result file's text (printf-style). */
__printf(2, 3) void td_result(struct td *td, const char *fmt, ...);
/* The name of dev's IOMMU domain type (DMA, DMA-FQ, identity, ...). */
const char *td_domain_type(struct device *dev);
/* td_pasid.c: the PASID tests, the STE/SMMU debugfs files */
int td_pasid_ctl(struct td *td, const char *buf);
int td_pasid_init(void);
void td_pasid_exit(void);
extern const struct file_operations td_pasid_result_fops;
/* td_sva.c: the SVA files of the test masters, the platform driver */
enum { TD_SVA_PCI, TD_SVA_PLATFORM };
int td_sva_add(struct device *dev, void __iomem *regs, struct mutex *lock,
	       unsigned int slot);
void td_sva_remove(struct device *dev);
int td_sva_init(void);
void td_sva_exit(void);
/* td_ats.c: "ats" and "pri" in ctl */
void td_ats_run(struct td *td);
void td_pri_run(struct td *td);

#endif
