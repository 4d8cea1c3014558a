// SPDX-License-Identifier: GPL-2.0
/*
 * The ATS and PRI tests of the smmuv3-aux-testdev guest driver ("ats" and
 * "pri" in ctl).
 *
 * arm-smmu-v3 enables ATS on the device when the SMMU has IDR0.ATS and
 * the firmware says the root complex has it ("ats-supported").  The test
 * then makes the device DMA through its own ATC (TD_CTRL.ATS: Translation
 * Requests, then Translated requests) on addresses of the DMA API's
 * domain, and checks from the device's counters that:
 *   - the first access to a mapping misses the ATC and the second hits;
 *   - an unmap in strict mode reaches the ATC (CMD_ATC_INV, then the
 *     CMD_SYNC: the invalidation counter moved before dma_unmap returned);
 *   - the next mapping, at the same IOVA when the allocator gives it
 *     back (it does in strict mode), is translated afresh: the device
 *     reads the new buffer's bytes, never the old one's.
 */

#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "td.h"

#define TD_ATC_HITS	0x70
#define TD_ATC_MISSES	0x78
#define TD_ATC_INVS	0x80
#define TD_PRI_RESPS	0x90
#define TD_PRI_LAST	0x98
#define TD_CMD_PRI	6
#define TD_PRI_PRGI	0x2a
/* TD_PRI_LAST: VALID, CODE 2 (Response Failure), PRGI */
#define TD_PRI_DENIED	(BIT(31) | 2 << 16 | TD_PRI_PRGI)

struct td_ats_count {
	u64 hits, misses, invs;
};

static void td_ats_count(struct td *td, struct td_ats_count *c)
{
	c->hits = readq(td->regs + TD_ATC_HITS);
	c->misses = readq(td->regs + TD_ATC_MISSES);
	c->invs = readq(td->regs + TD_ATC_INVS);
}

/* Map a page of pattern, READ it twice through the ATC; its hash or 0. */
static int td_ats_read2(struct td *td, u8 *buf, dma_addr_t *iova, u64 *h)
{
	struct device *dev = &td->pdev->dev;
	u64 err = 0;
	int ret, i;

	*iova = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, *iova))
		return -ENOMEM;
	for (i = 0; i < 2; i++) {
		ret = td_cmd(td, TD_CMD_READ, *iova, 0, PAGE_SIZE, 0, &err);
		if (ret)
			return ret;
	}
	*h = readq(td->regs + TD_RESULT);
	return 0;
}

void td_ats_run(struct td *td)
{
	struct td_ats_count c0, c1, c2, c3;
	dma_addr_t iova1 = 0, iova2 = 0;
	u8 *buf1, *buf2;
	u64 h1 = 0, h2 = 0;
	int ret;

	if (!td->pdev->ats_enabled) {
		td_result(td, "FAIL ATS is not enabled on %s (ats-supported, IDR0.ATS?)\n",
			  pci_name(td->pdev));
		return;
	}
	buf1 = kmalloc(PAGE_SIZE, GFP_KERNEL);
	buf2 = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf1 || !buf2) {
		td_result(td, "FAIL no memory\n");
		goto out;
	}
	memset(buf1, 0xa1, PAGE_SIZE);
	memset(buf2, 0xb2, PAGE_SIZE);
	writel((td->msi ? TD_CTRL_INTR_EN : 0) | TD_CTRL_ATS, td->regs + TD_CTRL);

	td_ats_count(td, &c0);
	ret = td_ats_read2(td, buf1, &iova1, &h1);
	td_ats_count(td, &c1);
	if (ret || h1 != td_fnv1a(TD_FNV_INIT, buf1, PAGE_SIZE) ||
	    c1.misses != c0.misses + 1 || c1.hits != c0.hits + 1) {
		td_result(td, "FAIL first mapping: %s, hash %s, misses +%llu hits +%llu (want +1 +1)\n",
			  ret ? td_err_str(ret) : "done", h1 == td_fnv1a(TD_FNV_INIT, buf1, PAGE_SIZE) ? "ok" : "wrong",
			  c1.misses - c0.misses, c1.hits - c0.hits);
		goto unmap1;
	}
	dma_unmap_single(&td->pdev->dev, iova1, PAGE_SIZE, DMA_TO_DEVICE);
	td_ats_count(td, &c2);
	if (c2.invs == c1.invs) {
		td_result(td, "FAIL dma_unmap_single() of 0x%llx returned with no ATS invalidation at the device\n",
			  (u64)iova1);
		goto out;
	}
	ret = td_ats_read2(td, buf2, &iova2, &h2);
	td_ats_count(td, &c3);
	if (ret || h2 != td_fnv1a(TD_FNV_INIT, buf2, PAGE_SIZE) ||
	    c3.misses != c2.misses + 1) {
		td_result(td, "FAIL second mapping 0x%llx (first 0x%llx): %s, %s, misses +%llu (want +1)\n",
			  (u64)iova2, (u64)iova1, ret ? td_err_str(ret) : "done",
			  h2 == td_fnv1a(TD_FNV_INIT, buf1, PAGE_SIZE) ? "read the OLD buffer (stale ATC entry)" :
			  h2 == td_fnv1a(TD_FNV_INIT, buf2, PAGE_SIZE) ? "data ok" : "wrong data",
			  c3.misses - c2.misses);
	} else {
		td_result(td, "PASS ats: iova 0x%llx then 0x%llx (%s), %llu invalidations at unmap, ATC hits %llu misses %llu\n",
			  (u64)iova1, (u64)iova2, iova1 == iova2 ? "same IOVA" : "new IOVA",
			  c2.invs - c1.invs, c3.hits - c0.hits, c3.misses - c0.misses);
	}
	dma_unmap_single(&td->pdev->dev, iova2, PAGE_SIZE, DMA_TO_DEVICE);
	goto out;
unmap1:
	if (iova1 && !dma_mapping_error(&td->pdev->dev, iova1))
		dma_unmap_single(&td->pdev->dev, iova1, PAGE_SIZE, DMA_TO_DEVICE);
out:
	writel(td->msi ? TD_CTRL_INTR_EN : 0, td->regs + TD_CTRL);
	kfree(buf1);
	kfree(buf2);
}

/*
 * PRI: arm-smmu-v3 enables its PRI queue when the SMMU has IDR0.PRI, but
 * no PCI driver of this kernel enables PRI in a device (pci_enable_pri()
 * is not exported), and the driver answers every request with DENY
 * ("unexpected PRI request received").  So the test enables the device's
 * capability itself, makes it send one Page Request (Last, PRGI 0x2a) for
 * a page it never mapped, and checks that the CMD_PRI_RESP the driver
 * sends reaches the device as a Response Failure for that group.  The
 * scenario checks the driver's log line.
 */
void td_pri_run(struct td *td)
{
	struct pci_dev *pdev = td->pdev;
	int pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_PRI);
	unsigned long end;
	u64 resps0, err = 0;
	u32 last = 0;
	int ret;

	if (!pos) {
		td_result(td, "FAIL no PRI capability on %s\n", pci_name(pdev));
		return;
	}
	pci_write_config_dword(pdev, pos + PCI_PRI_ALLOC_REQ, 32);
	pci_write_config_word(pdev, pos + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
	resps0 = readq(td->regs + TD_PRI_RESPS);
	ret = td_cmd(td, TD_CMD_PRI, 0x5a5a000, 0, 0, TD_PRI_PRGI, &err);
	if (ret) {
		td_result(td, "FAIL the page request was not sent: %s\n", td_err_str(ret));
		goto out;
	}
	end = jiffies + 2 * HZ;
	while (readq(td->regs + TD_PRI_RESPS) == resps0 && time_before(jiffies, end))
		usleep_range(100, 1000);
	last = readl(td->regs + TD_PRI_LAST);
	if (readq(td->regs + TD_PRI_RESPS) != resps0 + 1 || last != TD_PRI_DENIED)
		td_result(td, "FAIL %llu PRG responses in 2 s (want 1), last 0x%08x (want 0x%08x: Response Failure, PRGI 0x%x)\n",
			  readq(td->regs + TD_PRI_RESPS) - resps0, last, (u32)TD_PRI_DENIED, TD_PRI_PRGI);
	else
		td_result(td, "PASS pri: PRGI 0x%x answered with Response Failure (DENY)\n", TD_PRI_PRGI);
out:
	pci_write_config_word(pdev, pos + PCI_PRI_CTRL, 0);
}
