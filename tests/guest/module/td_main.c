// SPDX-License-Identifier: GPL-2.0
/*
 * Guest driver for smmuv3-aux-testdev (PCI 1b36:00f5), the DMA test device
 * of the smmuv3-aux QEMU model (include/hw/arm/smmuv3-aux-testdev.h).
 *
 * It makes the device do DMA on addresses from the DMA API, so through
 * whatever default domain the IOMMU core gave the device (DMA with strict
 * invalidation, DMA-FQ with iommu.strict=0, identity with
 * iommu.passthrough=1), and checks the data in the kernel:
 *
 *   - coherent: dma_alloc_coherent(); the device WRITEs a counting pattern
 *     that the CPU checks, then READs it back (FNV-1a hash in RESULT, which
 *     the CPU recomputes);
 *   - streaming to the device: random bytes at a random offset in a
 *     multi-page buffer, dma_map_single(DMA_TO_DEVICE), device READ, hash;
 *   - streaming from the device: dma_map_single(DMA_FROM_DEVICE) of a
 *     second buffer, device COPY from the coherent buffer into it, unmap,
 *     the CPU compares the bytes (and the hash of the copy);
 *   - with MSI, every command raises one interrupt (through the GICv3 ITS,
 *     whose doorbell the SMMU translates too), which must arrive within a
 *     second, before the next command; no extra ones either.
 *
 * Interface (debugfs):
 *   /sys/kernel/debug/smmuv3_aux_testdev/ctl     write "run N" (N iterations,
 *                                                 default 1; sizes and
 *                                                 offsets vary per iteration;
 *                                                 "run N async": every
 *                                                 command with TD_CTRL.ASYNC,
 *                                                 in the device's thread)
 *   /sys/kernel/debug/smmuv3_aux_testdev/result  "PASS ..." or "FAIL ...",
 *                                                 then a line of details
 *   /sys/kernel/debug/smmuv3_aux_testdev/ctl     write "pasid N [wrong|nossv]"
 *                                                 or "pasid-s2 [wrong]": the
 *                                                 PASID tests (below)
 *   /sys/kernel/debug/smmuv3_aux_testdev/ctl     write "ats" or "pri": the
 *                                                 ATS or PRI test
 *                                                 (td_ats.c), its line in
 *                                                 result
 *   /sys/kernel/debug/smmuv3_aux_testdev/pasid_result  their CHECK/EXPECT/
 *                                                 INFO/RESULT lines
 *   /sys/kernel/debug/smmuv3_aux_ste             the STE of every test device
 *   /sys/kernel/debug/smmuv3_aux_smmu            its SMMU's ID registers and
 *                                                 the whole STE, raw
 *   /sys/kernel/debug/smmuv3_aux_sva/{pci,platform}  SVA: bind the opening
 *                                                 process, DMA at its
 *                                                 addresses (td_sva.c)
 * One device is driven (the first one probed).
 *
 * PASID: 8 paging domains (IOMMU_HWPT_ALLOC_PASID) on 8 PASIDs at once next
 * to the RID domain, DMA isolation byte for byte, a fault and a detach, N
 * more PASIDs on one further domain (more than 1024: the 2-level CD table),
 * the STE and CDs read from the driver's tables; and the stage-2 RID rule
 * (td_pasid.c).  docs/devel/guest-tests.rst describes the checks.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

/*
 * The driver's own structures (struct arm_smmu_master, the stream table and
 * the CD table): the PASID test reads the STE and the CD table that the
 * SMMU walks.  The module is built against this very kernel build
 * (scripts/guest-kernel.sh), so the layouts match.
 */
#include "arm-smmu-v3.h"

#include "td.h"

static struct td *td_dev;		/* the device the debugfs files drive */

u64 td_fnv1a(u64 h, const u8 *p, size_t n)
{
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}


static irqreturn_t td_irq(int irq, void *data)
{
	struct td *td = data;

	atomic_inc(&td->irqs);
	wake_up(&td->irq_wait);
	return IRQ_HANDLED;
}

/*
 * Run one command.  The device completes it before the CMD write returns;
 * returns 0, or -EIO with the faulting address in *err_addr.
 */
int td_cmd(struct td *td, u32 cmd, dma_addr_t src, dma_addr_t dst,
	   u32 len, u32 pattern, u64 *err_addr)
{
	u32 status;

	writeq(src, td->regs + TD_SRC);
	writeq(dst, td->regs + TD_DST);
	writel(len, td->regs + TD_LEN);
	writel(pattern, td->regs + TD_PATTERN);
	writel(0, td->regs + TD_PASID);
	writel(cmd, td->regs + TD_CMD);
	if (td->async) {
		/*
		 * TD_CTRL.ASYNC: the command runs in the device's own thread
		 * and the CMD write returned at once with STATUS.BUSY; wait
		 * until it is done (DONE or ERROR, BUSY clear), up to 10 s (a
		 * loaded host can hold the device thread back for a while).
		 */
		unsigned long end = jiffies + 10 * HZ;

		for (;;) {
			status = readl(td->regs + TD_STATUS);
			if (!(status & TD_STATUS_BUSY) &&
			    (status & (TD_STATUS_DONE | TD_STATUS_ERROR)))
				break;
			if (time_after(jiffies, end)) {
				*err_addr = status;
				return -EBUSY;
			}
			usleep_range(20, 100);
		}
	} else {
		status = readl(td->regs + TD_STATUS);
	}
	writel(TD_STATUS_DONE | TD_STATUS_ERROR, td->regs + TD_STATUS);
	if (td->msi) {
		/*
		 * Wait for this command's MSI before the next command: MSIs
		 * are edge-triggered LPIs, and a second one that arrives while
		 * the first is still pending would be merged with it.
		 */
		td->cmds++;
		if (!wait_event_timeout(td->irq_wait,
					atomic_read(&td->irqs) >= td->cmds,
					td->async ? 10 * HZ : HZ)) {
			*err_addr = 0;
			return -ENOMSG;
		}
	}
	if (status & TD_STATUS_ERROR) {
		*err_addr = readq(td->regs + TD_ERR_ADDR);
		return -EIO;
	}
	if (!(status & TD_STATUS_DONE)) {
		*err_addr = 0;
		return -ETIMEDOUT;
	}
	return 0;
}

/* What a td_cmd() error means, for the result line. */
const char *td_err_str(int err)
{
	switch (err) {
	case -EIO:
		return "STATUS.ERROR";
	case -ETIMEDOUT:
		return "STATUS has neither DONE nor ERROR";
	case -ENOMSG:
		return "its MSI did not arrive in time (1 s, 10 s for ASYNC)";
	case -EBUSY:
		return "ASYNC command not done after 10 s (err_addr: STATUS)";
	default:
		return "error";
	}
}

void td_result(struct td *td, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(td->result, TD_RESULT_LEN, fmt, ap);
	va_end(ap);
}

const char *td_domain_type(struct device *dev)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev);

	if (!d)
		return "none";
	switch (d->type) {
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "other";
	}
}

#define td_fail(td, fmt, ...) \
	scnprintf((td)->result, TD_RESULT_LEN, "FAIL " fmt "\n", ##__VA_ARGS__)

/* One iteration; returns 0 or fills td->result and returns an error. */
static int td_iteration(struct td *td, unsigned int it, void *cbuf,
			dma_addr_t cdma, u8 *sbuf, u8 *dbuf)
{
	struct device *dev = &td->pdev->dev;
	u32 len, off, pattern, i, *w;
	dma_addr_t sdma, ddma;
	u64 want, got, err = 0;
	int ret;

	/* Sizes from 4 bytes to the whole buffer, at random offsets. */
	len = 4 * (1 + get_random_u32_below(TD_BUF_MAX / 4 - 1024));
	off = 4 * get_random_u32_below(1024);
	pattern = get_random_u32();

	/* Coherent: device WRITE, CPU check, device READ, hash check. */
	memset(cbuf, 0xa5, TD_BUF_MAX);
	ret = td_cmd(td, TD_CMD_WRITE, 0, cdma + off, len, pattern, &err);
	if (ret) {
		td_fail(td, "iter %u: coherent WRITE of %u bytes at iova %pad+%u: %s (err_addr 0x%llx)",
			it, len, &cdma, off, td_err_str(ret), err);
		return ret;
	}
	w = cbuf + off;
	for (i = 0; i < len / 4; i++) {
		if (w[i] != pattern + i) {
			td_fail(td, "iter %u: coherent WRITE: word %u is 0x%08x, want 0x%08x (iova %pad+%u len %u)",
				it, i, w[i], pattern + i, &cdma, off, len);
			return -EILSEQ;
		}
	}
	if (off && ((u8 *)cbuf)[off - 1] != 0xa5) {
		td_fail(td, "iter %u: coherent WRITE wrote before its buffer", it);
		return -EILSEQ;
	}
	if (off + len < TD_BUF_MAX && ((u8 *)cbuf)[off + len] != 0xa5) {
		td_fail(td, "iter %u: coherent WRITE wrote past its buffer", it);
		return -EILSEQ;
	}
	ret = td_cmd(td, TD_CMD_READ, cdma + off, 0, len, 0, &err);
	if (ret) {
		td_fail(td, "iter %u: coherent READ: %s (err_addr 0x%llx)", it,
			td_err_str(ret), err);
		return ret;
	}
	want = td_fnv1a(TD_FNV_INIT, cbuf + off, len);
	got = readq(td->regs + TD_RESULT);
	if (got != want) {
		td_fail(td, "iter %u: coherent READ hash 0x%016llx, want 0x%016llx (len %u)",
			it, got, want, len);
		return -EILSEQ;
	}

	/* Streaming to the device: random bytes, device READ, hash. */
	get_random_bytes(sbuf + off, len);
	sdma = dma_map_single(dev, sbuf + off, len, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, sdma)) {
		td_fail(td, "iter %u: dma_map_single(TO_DEVICE, %u) failed", it, len);
		return -ENOMEM;
	}
	ret = td_cmd(td, TD_CMD_READ, sdma, 0, len, 0, &err);
	dma_unmap_single(dev, sdma, len, DMA_TO_DEVICE);
	if (ret) {
		td_fail(td, "iter %u: streaming READ at iova %pad len %u: %s (err_addr 0x%llx)",
			it, &sdma, len, td_err_str(ret), err);
		return ret;
	}
	want = td_fnv1a(TD_FNV_INIT, sbuf + off, len);
	got = readq(td->regs + TD_RESULT);
	if (got != want) {
		td_fail(td, "iter %u: streaming READ hash 0x%016llx, want 0x%016llx (iova %pad len %u)",
			it, got, want, &sdma, len);
		return -EILSEQ;
	}

	/* Streaming from the device: COPY coherent -> dbuf. */
	memset(dbuf, 0, TD_BUF_MAX + PAGE_SIZE);
	ddma = dma_map_single(dev, dbuf + off, len, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, ddma)) {
		td_fail(td, "iter %u: dma_map_single(FROM_DEVICE, %u) failed", it, len);
		return -ENOMEM;
	}
	ret = td_cmd(td, TD_CMD_COPY, cdma + off, ddma, len, 0, &err);
	dma_unmap_single(dev, ddma, len, DMA_FROM_DEVICE);
	if (ret) {
		td_fail(td, "iter %u: COPY to iova %pad len %u: %s (err_addr 0x%llx)",
			it, &ddma, len, td_err_str(ret), err);
		return ret;
	}
	if (memcmp(dbuf + off, cbuf + off, len)) {
		for (i = 0; i < len && dbuf[off + i] == ((u8 *)cbuf)[off + i]; i++)
			;
		td_fail(td, "iter %u: COPY to iova %pad len %u: byte %u differs", it, &ddma, len, i);
		return -EILSEQ;
	}
	want = td_fnv1a(TD_FNV_INIT, cbuf + off, len);
	got = readq(td->regs + TD_RESULT);
	if (got != want) {
		td_fail(td, "iter %u: COPY hash 0x%016llx, want 0x%016llx", it, got, want);
		return -EILSEQ;
	}
	td->bytes += 4ULL * len;
	return 0;
}

static int td_run(struct td *td, unsigned int n)
{
	struct device *dev = &td->pdev->dev;
	dma_addr_t cdma;
	void *cbuf;
	u8 *sbuf = NULL, *dbuf = NULL;
	unsigned int it, want_irqs;
	u64 dma0, dma1;
	int ret = 0;

	td->bytes = 0;
	td->iters = 0;
	td->cmds = 0;
	atomic_set(&td->irqs, 0);
	cbuf = dma_alloc_coherent(dev, TD_BUF_MAX, &cdma, GFP_KERNEL);
	sbuf = kmalloc(TD_BUF_MAX + PAGE_SIZE, GFP_KERNEL);
	dbuf = kmalloc(TD_BUF_MAX + PAGE_SIZE, GFP_KERNEL);
	if (!cbuf || !sbuf || !dbuf) {
		td_fail(td, "cannot allocate the buffers");
		ret = -ENOMEM;
		goto out;
	}
	dma0 = readq(td->regs + TD_DMA_COUNT);
	for (it = 0; it < n; it++) {
		ret = td_iteration(td, it, cbuf, cdma, sbuf, dbuf);
		if (ret)
			goto out;
		td->iters++;
		cond_resched();
	}
	dma1 = readq(td->regs + TD_DMA_COUNT);

	/* Every command raised exactly one MSI (td_cmd() waited for it). */
	want_irqs = td->cmds;
	msleep(20);
	if (td->msi && atomic_read(&td->irqs) != want_irqs) {
		td_fail(td, "%u iterations passed, but %d MSIs arrived for %u commands",
			n, atomic_read(&td->irqs), want_irqs);
		ret = -EPROTO;
		goto out;
	}
	scnprintf(td->result, TD_RESULT_LEN,
		  "PASS %u iterations%s, %llu bytes, %llu device DMAs, domain %s, %s %d/%u, coherent iova %pad\n",
		  n, td->async ? " async" : "", td->bytes, dma1 - dma0, td_domain_type(dev),
		  td->msi ? "msi" : "no-msi", atomic_read(&td->irqs), want_irqs, &cdma);
out:
	kfree(sbuf);
	kfree(dbuf);
	if (cbuf)
		dma_free_coherent(dev, TD_BUF_MAX, cbuf, cdma);
	return ret;
}

static ssize_t td_ctl_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct td *td = file->private_data;
	char buf[32];
	unsigned int n = 1;
	size_t len = min(count, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	strim(buf);
	if (!strncmp(buf, "pasid", 5)) {
		int ret;

		mutex_lock(&td->lock);
		ret = td_pasid_ctl(td, buf);
		mutex_unlock(&td->lock);
		return ret ? ret : count;
	}
	if (!strcmp(buf, "ats") || !strcmp(buf, "pri")) {
		mutex_lock(&td->lock);
		if (buf[0] == 'a')
			td_ats_run(td);
		else
			td_pri_run(td);
		mutex_unlock(&td->lock);
		return count;
	}
	if (strncmp(buf, "run", 3))
		return -EINVAL;
	if (buf[3] && (sscanf(buf + 3, "%u", &n) != 1 || !n || n > 1000000))
		return -EINVAL;
	mutex_lock(&td->lock);
	/* "run N async": every command with TD_CTRL.ASYNC (device thread) */
	td->async = strstr(buf + 3, "async") != NULL;
	writel((td->msi ? TD_CTRL_INTR_EN : 0) | (td->async ? TD_CTRL_ASYNC : 0),
	       td->regs + TD_CTRL);
	td_run(td, n);
	td->async = false;
	writel(td->msi ? TD_CTRL_INTR_EN : 0, td->regs + TD_CTRL);
	mutex_unlock(&td->lock);
	return count;
}

static ssize_t td_result_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct td *td = file->private_data;
	char buf[TD_RESULT_LEN + 128];
	int n;

	mutex_lock(&td->lock);
	n = scnprintf(buf, sizeof(buf), "%s", td->result[0] ? td->result : "NONE no run yet\n");
	mutex_unlock(&td->lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, n);
}

static const struct file_operations td_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = td_ctl_write,
	.llseek = noop_llseek,
};

static const struct file_operations td_result_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = td_result_read,
	.llseek = default_llseek,
};

static int td_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct td *td;
	u32 magic;
	int ret;

	td = devm_kzalloc(dev, sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	td->pdev = pdev;
	mutex_init(&td->lock);
	init_waitqueue_head(&td->irq_wait);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	td->regs = pcim_iomap_region(pdev, 0, "smmuv3_aux_testdev");
	if (IS_ERR(td->regs))
		return PTR_ERR(td->regs);
	magic = readl(td->regs + TD_MAGIC);
	if (magic != TD_MAGIC_VAL) {
		dev_err(dev, "bad magic 0x%08x\n", magic);
		return -ENODEV;
	}
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	pci_set_master(pdev);

	if (pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI) == 1) {
		ret = devm_request_irq(dev, pci_irq_vector(pdev, 0), td_irq, 0,
				       "smmuv3_aux_testdev", td);
		if (ret) {
			pci_free_irq_vectors(pdev);
			return ret;
		}
		td->msi = true;
		writel(TD_CTRL_INTR_EN, td->regs + TD_CTRL);
	} else {
		dev_info(dev, "no MSI; running without interrupts\n");
		writel(0, td->regs + TD_CTRL);
	}
	pci_set_drvdata(pdev, td);

	if (!td_dev) {
		td_dev = td;
		td->dir = debugfs_create_dir("smmuv3_aux_testdev", NULL);
		debugfs_create_file("ctl", 0200, td->dir, td, &td_ctl_fops);
		debugfs_create_file("result", 0400, td->dir, td, &td_result_fops);
		debugfs_create_file("pasid_result", 0400, td->dir, td, &td_pasid_result_fops);
	}
	td_sva_add(dev, td->regs, &td->lock, TD_SVA_PCI);
	dev_info(dev, "smmuv3-aux-testdev, domain %s, %s\n",
		 td_domain_type(dev), td->msi ? "MSI" : "no interrupt");
	return 0;
}

static void td_remove(struct pci_dev *pdev)
{
	struct td *td = pci_get_drvdata(pdev);

	writel(0, td->regs + TD_CTRL);
	td_sva_remove(&pdev->dev);
	if (td_dev == td) {
		debugfs_remove_recursive(td->dir);
		td_dev = NULL;
	}
	if (td->msi) {
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, 0), td);
		pci_free_irq_vectors(pdev);
	}
}

static const struct pci_device_id td_ids[] = {
	{ PCI_DEVICE(TD_VENDOR_ID, TD_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, td_ids);

static struct pci_driver td_driver = {
	.name = "smmuv3_aux_testdev",
	.id_table = td_ids,
	.probe = td_probe,
	.remove = td_remove,
};

static int __init td_init(void)
{
	int ret;

	ret = td_pasid_init();
	if (ret)
		return ret;
	ret = td_sva_init();
	if (!ret) {
		ret = pci_register_driver(&td_driver);
		if (ret)
			td_sva_exit();
	}
	if (ret)
		td_pasid_exit();
	return ret;
}

static void __exit td_exit(void)
{
	pci_unregister_driver(&td_driver);
	td_sva_exit();
	td_pasid_exit();
}
module_init(td_init);
module_exit(td_exit);

MODULE_DESCRIPTION("DMA API test driver for the smmuv3-aux test device");
MODULE_LICENSE("GPL");
