// SPDX-License-Identifier: GPL-2.0
/*
 * SVA on the smmuv3-aux test masters: a process binds its own address
 * space to a device and has it DMA at its virtual addresses, through the
 * CPU's page tables (td_sva.h has the interface; tests/guest/tools/
 * smmu-sva.c is the program).
 *
 * Two devices can be bound: the PCI test device (td_main.c adds its file)
 * and the platform master smmuv3-aux-platdev ("qemu,smmuv3-aux-platdev",
 * the platform driver below), which the DT describes with
 * "dma-can-stall": Linux resolves the SMMU's stalled faults of such a
 * master with its I/O page-fault handler (handle_mm_fault() for the bound
 * process), which it never does for PCI.  Every command runs with
 * TD_CTRL.ASYNC, in the device's own thread, which is the one that can
 * stall in the SMMU.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/mod_devicetable.h>
#include <linux/platform_device.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "arm-smmu-v3.h"

#include "td.h"
#include "td_sva.h"

/* Commands the SVA files run: at most this many bytes each. */
#define TD_SVA_MAX_LEN		(4 << 20)
/* A DMA that stalls waits for the fault handler: give it time. */
#define TD_SVA_TIMEOUT		(20 * HZ)

struct td_sva_dev {
	struct device *dev;
	void __iomem *regs;
	struct mutex *lock;		/* the device's command lock */
	struct dentry *file;
};

struct td_sva_bond {
	struct td_sva_dev *sd;
	struct iommu_sva *handle;
	struct mm_struct *mm;		/* bound (compared, not referenced) */
};

static struct dentry *td_sva_dir;
static struct td_sva_dev td_sva_devs[2];	/* PCI, platform */

/* One command with the bond's PASID, ASYNC, polled to its end. */
static int td_sva_cmd(struct td_sva_bond *b, struct td_sva_dma *d)
{
	void __iomem *regs = b->sd->regs;
	unsigned long end = jiffies + TD_SVA_TIMEOUT;
	u32 ctrl, status;
	ktime_t t0;
	int ret = 0;

	if (d->cmd < TD_CMD_READ || d->cmd > TD_CMD_COPY || !d->len ||
	    d->len > TD_SVA_MAX_LEN)
		return -EINVAL;
	mutex_lock(b->sd->lock);
	ctrl = readl(regs + TD_CTRL);
	writel(TD_CTRL_ASYNC, regs + TD_CTRL);
	writel(TD_STATUS_DONE | TD_STATUS_ERROR, regs + TD_STATUS);
	writeq(d->src, regs + TD_SRC);
	writeq(d->dst, regs + TD_DST);
	writel(d->len, regs + TD_LEN);
	writel(d->pattern, regs + TD_PATTERN);
	writel(TD_PASID_SSV | iommu_sva_get_pasid(b->handle), regs + TD_PASID);
	t0 = ktime_get();
	writel(d->cmd, regs + TD_CMD);
	while ((status = readl(regs + TD_STATUS)) & TD_STATUS_BUSY) {
		if (time_after(jiffies, end)) {
			ret = -ETIMEDOUT;
			break;
		}
		usleep_range(10, 50);
	}
	d->ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	d->status = status;
	d->result = readq(regs + TD_RESULT);
	d->err_addr = readq(regs + TD_ERR_ADDR);
	writel(TD_STATUS_DONE | TD_STATUS_ERROR, regs + TD_STATUS);
	writel(0, regs + TD_PASID);
	writel(ctrl, regs + TD_CTRL);
	mutex_unlock(b->sd->lock);
	return ret;
}

static void td_sva_info(struct td_sva_bond *b, struct td_sva_info *i)
{
	struct arm_smmu_master *m = dev_iommu_priv_get(b->sd->dev);

	i->pasid = iommu_sva_get_pasid(b->handle);
	i->sid = m->num_streams ? m->streams[0].id : 0;
	i->stall = m->stall_enabled;
	i->ssid_bits = m->ssid_bits;
	i->iopf = m->iopf_refcount > 0;
}

static long td_sva_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct td_sva_bond *b = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct td_sva_info info;
	struct td_sva_dma d;
	int ret;

	/* The device DMAs at the bound process's addresses only. */
	if (current->mm != b->mm)
		return -EPERM;
	switch (cmd) {
	case TD_SVA_DMA:
		if (copy_from_user(&d, uarg, sizeof(d)))
			return -EFAULT;
		ret = td_sva_cmd(b, &d);
		if (copy_to_user(uarg, &d, sizeof(d)))
			return -EFAULT;
		return ret;
	case TD_SVA_INFO:
		td_sva_info(b, &info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

static int td_sva_open(struct inode *inode, struct file *file)
{
	struct td_sva_dev *sd = inode->i_private;
	struct td_sva_bond *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->sd = sd;
	b->mm = current->mm;
	b->handle = iommu_sva_bind_device(sd->dev, current->mm);
	if (IS_ERR(b->handle)) {
		int ret = PTR_ERR(b->handle);

		dev_info(sd->dev, "SVA bind failed: %d\n", ret);
		kfree(b);
		return ret;
	}
	file->private_data = b;
	return 0;
}

static int td_sva_release(struct inode *inode, struct file *file)
{
	struct td_sva_bond *b = file->private_data;

	iommu_sva_unbind_device(b->handle);
	kfree(b);
	return 0;
}

static const struct file_operations td_sva_fops = {
	.owner = THIS_MODULE,
	.open = td_sva_open,
	.release = td_sva_release,
	.unlocked_ioctl = td_sva_ioctl,
	.llseek = noop_llseek,
};

int td_sva_add(struct device *dev, void __iomem *regs, struct mutex *lock,
	       unsigned int slot)
{
	struct td_sva_dev *sd = &td_sva_devs[slot];

	if (sd->dev)
		return 0;		/* one device of each kind */
	sd->dev = dev;
	sd->regs = regs;
	sd->lock = lock;
	sd->file = debugfs_create_file(slot == TD_SVA_PCI ? "pci" : "platform",
				       0600, td_sva_dir, sd, &td_sva_fops);
	return 0;
}

void td_sva_remove(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(td_sva_devs); i++) {
		if (td_sva_devs[i].dev == dev) {
			debugfs_remove(td_sva_devs[i].file);
			memset(&td_sva_devs[i], 0, sizeof(td_sva_devs[i]));
		}
	}
}

/* ---- The platform master ------------------------------------------------ */

struct td_plat {
	void __iomem *regs;
	struct mutex lock;
};

static int td_plat_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct arm_smmu_master *m;
	struct td_plat *p;
	u32 magic;

	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	mutex_init(&p->lock);
	p->regs = devm_platform_ioremap_resource(pdev, 0);
	if (IS_ERR(p->regs))
		return PTR_ERR(p->regs);
	magic = readl(p->regs + TD_MAGIC);
	if (magic != TD_MAGIC_VAL) {
		dev_err(dev, "bad magic 0x%08x\n", magic);
		return -ENODEV;
	}
	if (!device_iommu_mapped(dev)) {
		dev_err(dev, "not behind an IOMMU (DT iommus)\n");
		return -ENODEV;
	}
	m = dev_iommu_priv_get(dev);
	platform_set_drvdata(pdev, p);
	dev_info(dev, "smmuv3-aux-platdev, sid 0x%x, %u SubstreamID bits, stall %s\n",
		 m->num_streams ? m->streams[0].id : 0, m->ssid_bits,
		 m->stall_enabled ? "enabled" : "off");
	return td_sva_add(dev, p->regs, &p->lock, TD_SVA_PLATFORM);
}

static void td_plat_remove(struct platform_device *pdev)
{
	td_sva_remove(&pdev->dev);
}

static const struct of_device_id td_plat_ids[] = {
	{ .compatible = "qemu,smmuv3-aux-platdev" },
	{ }
};
MODULE_DEVICE_TABLE(of, td_plat_ids);

static struct platform_driver td_plat_driver = {
	.driver = {
		.name = "smmuv3_aux_platdev",
		.of_match_table = td_plat_ids,
	},
	.probe = td_plat_probe,
	.remove = td_plat_remove,
};

int td_sva_init(void)
{
	int ret;

	td_sva_dir = debugfs_create_dir("smmuv3_aux_sva", NULL);
	ret = platform_driver_register(&td_plat_driver);
	if (ret)
		debugfs_remove_recursive(td_sva_dir);
	return ret;
}

void td_sva_exit(void)
{
	platform_driver_unregister(&td_plat_driver);
	debugfs_remove_recursive(td_sva_dir);
}
