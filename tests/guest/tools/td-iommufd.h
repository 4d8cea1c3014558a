/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * td-iommufd.h: what the guest tools share (smmu-iommufd.c, smmu-vmm/):
 * the smmuv3-aux test device (PCI 1b36:00f5) moved to vfio-pci, its VFIO
 * cdev bound to /dev/iommu, its BAR0 mmapped and driven from user space,
 * the IOAS/HWPT/attach ioctls, the RESULT lines.  The helpers are static
 * inline functions; the state they share is defined once, in
 * lib/td-iommufd.c, which scripts/guest-kernel.sh links into every tool.
 */
#ifndef TD_IOMMUFD_H
#define TD_IOMMUFD_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define TD_VENDOR	0x1b36
#define TD_DEVICE	0x00f5
#define TD_MAGIC_VAL	0x534d4d55u

#define TD_MAGIC	0x00
#define TD_CMD		0x08
#define TD_STATUS	0x0c
#define TD_CTRL		0x10
#define TD_SRC		0x18
#define TD_DST		0x20
#define TD_LEN		0x28
#define TD_PATTERN	0x2c
#define TD_PASID	0x30
#define TD_RESULT	0x38
#define TD_ERR_ADDR	0x40
#define TD_ATC_INVS	0x80	/* ATS Invalidate Requests received */
#define TD_ST_DONE	1u
#define TD_ST_ERROR	2u
#define TD_CMD_READ	1
#define TD_CMD_WRITE	2
#define TD_CMD_COPY	3

#define BIT(n)		(1u << (n))
#define FIELD(v, hi, lo) (((v) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))

/* lib/td-iommufd.c */
extern int failures;
/* Set by the tool: 1 = every expected value wrong by one (to see checks fail). */
extern int p_break;
#define WR(x)		(p_break == 1 ? (x) + 1 : (x))

extern char bdf[256];		/* the test device, 0000:00:02.0 */
extern char old_driver[256];	/* its driver before to_vfio() */
extern bool moved;		/* to_vfio() rebound it */

static inline void result(const char *check, const char *res, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s %s ", check, res);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!strcmp(res, "FAIL"))
		failures++;
}

/* result() PASS if ok, else FAIL; returns ok. */
static inline bool result_if(bool ok, const char *check, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s %s ", check, ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
	return ok;
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static inline int read_hex(const char *path, unsigned int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%x", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static inline bool find_testdev(void)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char p[PATH_MAX];
	unsigned int v, dv;

	if (!d)
		return false;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (read_hex(p, &v) || v != TD_VENDOR)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (read_hex(p, &dv) || dv != TD_DEVICE)
			continue;
		snprintf(bdf, sizeof(bdf), "%s", e->d_name);
		closedir(d);
		return true;
	}
	closedir(d);
	return false;
}

static inline void current_driver(char *buf, size_t len)
{
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t n;
	char *s;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(p, t, sizeof(t) - 1);
	if (n < 0) {
		buf[0] = 0;
		return;
	}
	t[n] = 0;
	s = strrchr(t, '/');
	snprintf(buf, len, "%.255s", s ? s + 1 : t);
}

/* Move the device to vfio-pci. */
static inline int to_vfio(void)
{
	char p[PATH_MAX], drv[256];
	int ret;

	current_driver(old_driver, sizeof(old_driver));
	if (!strcmp(old_driver, "vfio-pci"))
		return 0;
	if (old_driver[0]) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		ret = write_file(p, bdf);
		if (ret) {
			result("vfio-bind", "FAIL", "unbind %s from %s: %s", bdf,
			       old_driver, strerror(-ret));
			return ret;
		}
	}
	moved = true;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_file(p, "vfio-pci");
	if (ret) {
		result("vfio-bind", "FAIL", "driver_override: %s", strerror(-ret));
		return ret;
	}
	ret = write_file("/sys/bus/pci/drivers/vfio-pci/bind", bdf);
	current_driver(drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci")) {
		result("vfio-bind", "FAIL", "bind %s to vfio-pci: %s (driver now '%s')",
		       bdf, ret ? strerror(-ret) : "no error", drv);
		return ret ? ret : -ENODEV;
	}
	return 0;
}

/* Give the device back to the driver it had (if any). */
static inline void from_vfio(void)
{
	char p[PATH_MAX], drv[256];

	if (!moved)
		return;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	write_file(p, bdf);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf);
	write_file(p, "\n");
	if (old_driver[0]) {
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%s/bind", old_driver);
		write_file(p, bdf);
	}
	current_driver(drv, sizeof(drv));
	printf("  device %s back to driver '%s' (had '%s')\n", bdf, drv, old_driver);
	moved = false;
}

struct ctx {
	int dev_fd, iommu_fd;
	uint32_t dev_id, ioas_id;
	volatile uint8_t *bar;
	size_t bar_size;
};

static inline int open_cdev(struct ctx *c)
{
	char p[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int i;

	/* /sys/bus/pci/devices/BDF/vfio-dev/vfioN; devtmpfs makes the node. */
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(p);
	if (!d) {
		result("vfio-cdev", "FAIL", "%s: %s (no VFIO_DEVICE_CDEV?)", p, strerror(errno));
		return -1;
	}
	p[0] = 0;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(p, sizeof(p), "/dev/vfio/devices/%s", e->d_name);
			break;
		}
	}
	closedir(d);
	if (!p[0]) {
		result("vfio-cdev", "FAIL", "no vfioN under /sys/bus/pci/devices/%s/vfio-dev", bdf);
		return -1;
	}
	for (i = 0; i < 50; i++) {
		c->dev_fd = open(p, O_RDWR);
		if (c->dev_fd >= 0 || errno != ENOENT)
			break;
		usleep(100000);
	}
	if (c->dev_fd < 0) {
		result("vfio-cdev", "FAIL", "open %s: %s", p, strerror(errno));
		return -1;
	}
	printf("  %s: %s\n", bdf, p);
	return 0;
}

static inline int setup_bind(struct ctx *c, bool attach_ioas)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };

	memset(c, 0, sizeof(*c));
	c->dev_fd = c->iommu_fd = -1;
	if (to_vfio())
		return -1;
	if (open_cdev(c))
		return -1;
	c->iommu_fd = open("/dev/iommu", O_RDWR);
	if (c->iommu_fd < 0) {
		result("iommufd-attach", "FAIL", "open /dev/iommu: %s", strerror(errno));
		return -1;
	}
	bind.iommufd = c->iommu_fd;
	if (ioctl(c->dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		result("iommufd-attach", "FAIL", "VFIO_DEVICE_BIND_IOMMUFD: %s", strerror(errno));
		return -1;
	}
	c->dev_id = bind.out_devid;
	if (!attach_ioas) {
		result("iommufd-bind", p_break == 1 ? "FAIL" : "PASS", "%s bound to iommufd as dev %u (RID blocked until attached)",
		       bdf, c->dev_id);
		return 0;
	}
	if (ioctl(c->iommu_fd, IOMMU_IOAS_ALLOC, &alloc)) {
		result("iommufd-attach", "FAIL", "IOMMU_IOAS_ALLOC: %s", strerror(errno));
		return -1;
	}
	c->ioas_id = alloc.out_ioas_id;
	attach.pt_id = c->ioas_id;
	if (ioctl(c->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		result("iommufd-attach", "FAIL", "VFIO_DEVICE_ATTACH_IOMMUFD_PT(ioas %u): %s",
		       c->ioas_id, strerror(errno));
		return -1;
	}
	result("iommufd-attach", "PASS", "%s bound to iommufd as dev %u, attached to IOAS %u (hwpt %u)",
	       bdf, c->dev_id, c->ioas_id, attach.pt_id);
	return 0;
}

static inline int setup(struct ctx *c)
{
	return setup_bind(c, true);
}

static inline int setup_noattach(struct ctx *c)
{
	return setup_bind(c, false);
}

static inline void teardown(struct ctx *c)
{
	if (c->bar)
		munmap((void *)c->bar, c->bar_size);
	if (c->dev_fd >= 0)
		close(c->dev_fd);
	if (c->iommu_fd >= 0)
		close(c->iommu_fd);
	from_vfio();
}

static inline int get_hw_info(struct ctx *c, struct iommu_hw_info *hw,
		       struct iommu_hw_info_arm_smmuv3 *info)
{
	memset(info, 0, sizeof(*info));
	memset(hw, 0, sizeof(*hw));
	hw->size = sizeof(*hw);
	hw->dev_id = c->dev_id;
	hw->data_len = sizeof(*info);
	hw->data_uptr = (uintptr_t)info;
	return ioctl(c->iommu_fd, IOMMU_GET_HW_INFO, hw) ? -errno : 0;
}

static inline void w32(struct ctx *c, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(c->bar + off) = v;
}

static inline void w64(struct ctx *c, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(c->bar + off) = v;
}

static inline uint32_t r32(struct ctx *c, unsigned int off)
{
	return *(volatile uint32_t *)(c->bar + off);
}

static inline uint64_t r64(struct ctx *c, unsigned int off)
{
	return *(volatile uint64_t *)(c->bar + off);
}

static inline uint32_t td_cmd(struct ctx *c, uint32_t cmd, uint64_t src, uint64_t dst,
		       uint32_t len, uint32_t pattern)
{
	uint32_t st;

	w64(c, TD_SRC, src);
	w64(c, TD_DST, dst);
	w32(c, TD_LEN, len);
	w32(c, TD_PATTERN, pattern);
	w32(c, TD_PASID, 0);
	w32(c, TD_CMD, cmd);
	st = r32(c, TD_STATUS);
	w32(c, TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
	return st;
}

static inline uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static inline int map_bar0(struct ctx *c)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg) };
	uint16_t cmd;
	void *m;

	/* Memory space and bus mastering on, through the config region. */
	cfg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg)) {
		result("bar0", "FAIL", "GET_REGION_INFO(config): %s", strerror(errno));
		return -1;
	}
	if (pread(c->dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2) {
		result("bar0", "FAIL", "read PCI_COMMAND: %s", strerror(errno));
		return -1;
	}
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(c->dev_fd, &cmd, 2, cfg.offset + PCI_COMMAND) != 2) {
		result("bar0", "FAIL", "write PCI_COMMAND: %s", strerror(errno));
		return -1;
	}

	ri.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(c->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
		result("bar0", "FAIL", "GET_REGION_INFO(BAR0): %s", strerror(errno));
		return -1;
	}
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP) || ri.size < 0x1000) {
		result("bar0", "FAIL", "BAR0 size 0x%llx flags 0x%x: not mmappable",
		       (unsigned long long)ri.size, ri.flags);
		return -1;
	}
	m = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->dev_fd, ri.offset);
	if (m == MAP_FAILED) {
		result("bar0", "FAIL", "mmap BAR0: %s", strerror(errno));
		return -1;
	}
	c->bar = m;
	c->bar_size = ri.size;
	if (r32(c, TD_MAGIC) != TD_MAGIC_VAL) {
		result("bar0", "FAIL", "magic 0x%08x, want 0x%08x", r32(c, TD_MAGIC), TD_MAGIC_VAL);
		return -1;
	}
	w32(c, TD_CTRL, 0);		/* no interrupts: nobody listens */
	w32(c, TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
	printf("  BAR0: %llu bytes at region offset 0x%llx, magic ok\n",
	       (unsigned long long)ri.size, (unsigned long long)ri.offset);
	return 0;
}

static inline uint32_t td_cmd_p(struct ctx *c, uint32_t cmd, uint64_t src, uint64_t dst,
			 uint32_t len, uint32_t pattern, uint32_t pasid_reg)
{
	uint32_t st;

	w64(c, TD_SRC, src);
	w64(c, TD_DST, dst);
	w32(c, TD_LEN, len);
	w32(c, TD_PATTERN, pattern);
	w32(c, TD_PASID, pasid_reg);
	w32(c, TD_CMD, cmd);
	st = r32(c, TD_STATUS);
	w32(c, TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
	w32(c, TD_PASID, 0);
	return st;
}

/* The width of the device's PASID capability, from its config space. */
static inline int pasid_cap_width(void)
{
	char p[PATH_MAX];
	uint8_t cfg[4096];
	unsigned int off = 0x100, n = 0;
	ssize_t len;
	int fd;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	len = pread(fd, cfg, sizeof(cfg), 0);
	close(fd);
	while (len >= 4096 && off >= 0x100 && off < 4096 - 8 && n++ < 64) {
		uint32_t h = cfg[off] | cfg[off + 1] << 8 | cfg[off + 2] << 16 |
			     (uint32_t)cfg[off + 3] << 24;

		if ((h & 0xffff) == PCI_EXT_CAP_ID_PASID)
			return (cfg[off + 4 + 1] & 0x1f);	/* PASID Cap [12:8] */
		off = h >> 20;
		if (!off)
			break;
	}
	return -1;
}

/* StreamID on QEMU virt: the requester ID (iommu-map is the identity). */
static inline unsigned int bdf_sid(void)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return 0;
	return bus << 8 | dev << 3 | fn;
}

/* The STE line of the test module's debugfs file, if it is there. */
static inline bool read_ste(char *buf, size_t len)
{
	FILE *f = fopen("/sys/kernel/debug/smmuv3_aux_ste", "r");
	char line[512];
	bool ok = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, bdf, strlen(bdf)) && line[strlen(bdf)] == ' ') {
			line[strcspn(line, "\n")] = 0;
			snprintf(buf, len, "%s", line + strlen(bdf) + 1);
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

static inline int ste_field(const char *ste, const char *name)
{
	const char *p = strstr(ste, name);

	return p ? atoi(p + strlen(name)) : -1;
}

static inline int hwpt_alloc(struct ctx *c, uint32_t pt_id, uint32_t flags, uint32_t *out)
{
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };

	a.flags = flags;
	a.dev_id = c->dev_id;
	a.pt_id = pt_id;
	a.data_type = IOMMU_HWPT_DATA_NONE;
	if (ioctl(c->iommu_fd, IOMMU_HWPT_ALLOC, &a))
		return -errno;
	*out = a.out_hwpt_id;
	return 0;
}

static inline int ioas_alloc_map(struct ctx *c, void *buf, size_t len, uint64_t iova, uint32_t *ioas)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };

	if (ioctl(c->iommu_fd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	*ioas = alloc.out_ioas_id;
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = *ioas;
	map.user_va = (uintptr_t)buf;
	map.length = len;
	map.iova = iova;
	if (ioctl(c->iommu_fd, IOMMU_IOAS_MAP, &map))
		return -errno;
	return 0;
}

static inline int attach_pt(struct ctx *c, uint32_t pt_id, bool pasid, uint32_t ssid)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

	at.flags = pasid ? VFIO_DEVICE_ATTACH_PASID : 0;
	at.pt_id = pt_id;
	at.pasid = ssid;
	return ioctl(c->dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) ? -errno : 0;
}

static inline int detach_pt(struct ctx *c, bool pasid, uint32_t ssid)
{
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };

	de.flags = pasid ? VFIO_DEVICE_DETACH_PASID : 0;
	de.pasid = ssid;
	return ioctl(c->dev_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de) ? -errno : 0;
}

#endif /* TD_IOMMUFD_H */
