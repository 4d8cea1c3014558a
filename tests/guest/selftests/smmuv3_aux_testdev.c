// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver of Linux's VFIO selftest library
 * (tools/testing/selftests/vfio/lib/drivers/) for smmuv3-aux-testdev, the
 * PCIe DMA master of smmuv3-aux (include/hw/arm/smmuv3-aux-testdev.h).
 * Not part of Linux: scripts/guest-kernel.sh compiles it into the
 * selftests' libvfio and adds its ops to vfio_pci_driver.c's table, so that
 * vfio_pci_driver_test (memcpy through the device, DMA to/from unmapped
 * IOVAs, send_msi) runs on the emulated SMMU.
 *
 * memcpy is the device's COPY command (1 MiB at most here), run with
 * TD_CTRL.ASYNC in the device's own thread: memcpy_start() writes the first
 * command and returns while it runs; memcpy_wait() polls STATUS.BUSY and
 * starts the remaining copies of a repeated memcpy one after the other.
 * A COPY that faults (an unmapped IOVA: the SMMU refuses the transaction)
 * ends with STATUS.ERROR and memcpy_wait() returns -EIO.  send_msi is a
 * synchronous 8-byte READ with TD_CTRL.INTR_EN: the device signals its one
 * MSI vector when the command completes.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <linux/io.h>
#include <linux/pci_regs.h>

#include <libvfio.h>

/* include/hw/arm/smmuv3-aux-testdev.h, which needs QEMU's headers */
#define TD_VENDOR_ID		0x1b36
#define TD_DEVICE_ID		0x00f5
#define TD_MAGIC_VALUE		0x534d4d55
#define TD_MAX_LEN		(1u << 24)

#define TD_MAGIC		0x00
#define TD_CMD			0x08
#define TD_STATUS		0x0c
#define  TD_STATUS_DONE		(1u << 0)
#define  TD_STATUS_ERROR	(1u << 1)
#define  TD_STATUS_BUSY		(1u << 2)
#define TD_CTRL			0x10
#define  TD_CTRL_INTR_EN	(1u << 0)
#define  TD_CTRL_ASYNC		(1u << 2)
#define TD_SRC			0x18
#define TD_DST			0x20
#define TD_LEN			0x28
#define TD_PASID		0x30
#define TD_ATTRS		0x34
#define TD_ERR_ADDR		0x40

#define TD_CMD_READ		1
#define TD_CMD_COPY		3

/*
 * The largest memcpy the library asks of the device at once, and the most
 * repeats of one memcpy_start().  The device takes up to 16 MiB a command,
 * but under TCG it copies only some tens of MiB/s, and the tests scale with
 * these: memcpy_success and mix_and_match copy 4 x max_memcpy_size (the
 * latter 10 times, with memsets of twice that in the guest, within the
 * harness's 30 s), memcpy_storm max_memcpy_count x max_memcpy_size (60 s).
 */
#define TD_MAX_MEMCPY		(1u << 20)
#define TD_MAX_COUNT		128
/* A 1 MiB COPY takes well under a second, even under TCG: 20 s is stuck. */
#define TD_TIMEOUT_NS		(20ull * 1000 * 1000 * 1000)

struct td_state {
	void *bar0;
	iova_t src;
	iova_t dst;
	u64 size;
	u64 left;		/* copies still to start after the running one */
	int err;
	u64 msi_buf;		/* what send_msi's READ reads */
};

static struct td_state *to_td(struct vfio_pci_device *device)
{
	return device->driver.region.vaddr;
}

static u32 td_read32(struct td_state *td, u32 reg)
{
	return readl(td->bar0 + reg);
}

static void td_write32(struct td_state *td, u32 reg, u32 val)
{
	writel(val, td->bar0 + reg);
}

static void td_write64(struct td_state *td, u32 reg, u64 val)
{
	writeq(val, td->bar0 + reg);
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int td_probe(struct vfio_pci_device *device)
{
	if (!vfio_pci_device_match(device, TD_VENDOR_ID, TD_DEVICE_ID))
		return -ENODEV;
	if (!device->bars[0].vaddr)
		return -ENODEV;
	if (readl(device->bars[0].vaddr + TD_MAGIC) != TD_MAGIC_VALUE)
		return -ENODEV;
	return 0;
}

static void td_init(struct vfio_pci_device *device)
{
	struct td_state *td = to_td(device);

	VFIO_ASSERT_GE(device->driver.region.size, sizeof(*td));
	td->bar0 = device->bars[0].vaddr;

	vfio_pci_cmd_set(device, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	td_write32(td, TD_CTRL, 0);
	td_write32(td, TD_PASID, 0);
	td_write32(td, TD_ATTRS, 0);
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);

	/* The device has one MSI vector (no MSI-X). */
	vfio_pci_msi_enable(device, 0, 1);
	device->driver.msi = 0;
	device->driver.max_memcpy_size = TD_MAX_MEMCPY;
	device->driver.max_memcpy_count = TD_MAX_COUNT;
}

/* Wait until no command runs; STATUS then. */
static u32 td_idle(struct vfio_pci_device *device)
{
	struct td_state *td = to_td(device);
	u64 t0 = now_ns();
	u32 st;

	while ((st = td_read32(td, TD_STATUS)) & TD_STATUS_BUSY) {
		if (now_ns() - t0 > TD_TIMEOUT_NS)
			VFIO_FAIL("smmuv3-aux-testdev: command still running after 20 s\n");
		usleep(10);
	}
	return st;
}

static void td_remove(struct vfio_pci_device *device)
{
	struct td_state *td = to_td(device);

	td_idle(device);
	td_write32(td, TD_CTRL, 0);
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);
	vfio_pci_msi_disable(device);
	vfio_pci_cmd_clear(device, PCI_COMMAND_MASTER);
}

static void td_copy_async(struct td_state *td)
{
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);
	td_write32(td, TD_CTRL, TD_CTRL_ASYNC);
	td_write64(td, TD_SRC, td->src);
	td_write64(td, TD_DST, td->dst);
	td_write32(td, TD_LEN, td->size);
	td_write32(td, TD_CMD, TD_CMD_COPY);
}

static void td_memcpy_start(struct vfio_pci_device *device,
			    iova_t src, iova_t dst, u64 size, u64 count)
{
	struct td_state *td = to_td(device);

	VFIO_ASSERT_GT(size, 0);
	VFIO_ASSERT_GT(count, 0);
	td_idle(device);
	td->src = src;
	td->dst = dst;
	td->size = size;
	td->left = count - 1;
	td->err = 0;
	td_copy_async(td);
}

static int td_memcpy_wait(struct vfio_pci_device *device)
{
	struct td_state *td = to_td(device);
	u32 st;

	for (;;) {
		st = td_idle(device);
		if (st & TD_STATUS_ERROR) {
			if (!td->err)
				dev_info(device, "smmuv3-aux-testdev: COPY 0x%lx -> 0x%lx (0x%lx bytes) failed at IOVA 0x%lx\n",
					 (unsigned long)td->src, (unsigned long)td->dst,
					 (unsigned long)td->size,
					 (unsigned long)readq(td->bar0 + TD_ERR_ADDR));
			td->err = -EIO;
		} else if (!(st & TD_STATUS_DONE)) {
			td->err = -EIO;
		}
		if (!td->left)
			break;
		td->left--;
		td_copy_async(td);
	}
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);
	td_write32(td, TD_CTRL, 0);
	return td->err;
}

static void td_send_msi(struct vfio_pci_device *device)
{
	struct td_state *td = to_td(device);
	u32 st;

	td_idle(device);
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);
	td_write32(td, TD_CTRL, TD_CTRL_INTR_EN);
	td_write64(td, TD_SRC, to_iova(device, &td->msi_buf));
	td_write32(td, TD_LEN, sizeof(td->msi_buf));
	/* Runs to completion (no ASYNC) before the write returns. */
	td_write32(td, TD_CMD, TD_CMD_READ);
	st = td_read32(td, TD_STATUS);
	td_write32(td, TD_CTRL, 0);
	td_write32(td, TD_STATUS, TD_STATUS_DONE | TD_STATUS_ERROR);
	VFIO_ASSERT_EQ(st & (TD_STATUS_DONE | TD_STATUS_ERROR), TD_STATUS_DONE);
}

const struct vfio_pci_driver_ops smmuv3_aux_testdev_ops = {
	.name = "smmuv3-aux-testdev",
	.probe = td_probe,
	.init = td_init,
	.remove = td_remove,
	.memcpy_start = td_memcpy_start,
	.memcpy_wait = td_memcpy_wait,
	.send_msi = td_send_msi,
};
