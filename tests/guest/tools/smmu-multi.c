// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-multi: one iommufd IOAS shared by two test devices behind two
 * different SMMUs (the board's and a -device arm-smmuv3-aux in front of a
 * pxb-pcie root bus).  Linux binds a paging domain to one SMMU instance,
 * so iommufd gives each device a HWPT of its own over the same IOAS; an
 * IOMMU_IOAS_UNMAP then has to reach both SMMUs.  Prints
 *   RESULT <check> PASS|FAIL <detail>
 * and, for the two faults it makes on purpose, "FAULT <bdf> <sid> <iova>"
 * lines: project-init.sh checks the driver logged each, from its SMMU.
 *
 *   instances  the two devices are behind two different SMMUs
 *              (/sys/bus/pci/devices/<bdf>/iommu);
 *   attach     both attach to one IOAS, each gets a HWPT (two, as the
 *              domains cannot span instances);
 *   dma        both read the buffer at the same IOVA (hash), which puts
 *              the translation in both SMMUs' IOTLBs;
 *   unmap      after IOMMU_IOAS_UNMAP both DMAs fault: the invalidation
 *              reached both instances;
 *   remap      another buffer at the same IOVA: both read its bytes.
 */

#include "td-iommufd.h"

/* Above every PCI window (their reserved regions) of both root buses */
#define IOVA	0x100000000000ull
#define LEN	0x4000u

struct dev {
	char bdf[sizeof(bdf)];
	char iommu[128];	/* the SMMU's sysfs name */
	char old_driver[sizeof(old_driver)];
	bool moved;
	struct ctx c;
	uint32_t hwpt;
};

static struct dev devs[2];

/* The test devices, in bus order; n of them. */
static int find_all(void)
{
	struct dirent **e;
	int i, n = 0, k = scandir("/sys/bus/pci/devices", &e, NULL, alphasort);
	char p[512];
	unsigned int v, dv;

	for (i = 0; i < k; i++) {
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e[i]->d_name);
		if (!read_hex(p, &v) && v == TD_VENDOR) {
			snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e[i]->d_name);
			if (!read_hex(p, &dv) && dv == TD_DEVICE && n < 2)
				snprintf(devs[n++].bdf, sizeof(devs[0].bdf), "%s", e[i]->d_name);
		}
		free(e[i]);
	}
	free(e);
	return n;
}

/* Make d the device td-iommufd.h's helpers work on, or save it back. */
static void use(struct dev *d)
{
	memcpy(bdf, d->bdf, sizeof(bdf));
	memcpy(old_driver, d->old_driver, sizeof(old_driver));
	moved = d->moved;
}

static void save(struct dev *d)
{
	memcpy(d->old_driver, old_driver, sizeof(d->old_driver));
	d->moved = moved;
}

static void smmu_of(struct dev *d)
{
	char p[PATH_MAX], l[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/iommu", d->bdf);
	n = readlink(p, l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = 0;
	snprintf(d->iommu, sizeof(d->iommu), "%s", n > 0 ? strrchr(l, '/') + 1 : "none");
}

/* vfio-pci, its cdev bound to the shared iommufd, BAR0 mapped. */
static int open_dev(struct dev *d, int iommu_fd)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int ret;

	use(d);
	d->c.dev_fd = -1;
	d->c.iommu_fd = iommu_fd;
	ret = to_vfio();
	save(d);
	if (ret || open_cdev(&d->c))
		return -1;
	bind.iommufd = iommu_fd;
	if (ioctl(d->c.dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) {
		result("bind", "FAIL", "%s: VFIO_DEVICE_BIND_IOMMUFD: %s", d->bdf, strerror(errno));
		return -1;
	}
	d->c.dev_id = bind.out_devid;
	return map_bar0(&d->c);
}

/* Attach to the IOAS; iommufd says which HWPT it attached the device to. */
static int attach_ioas(struct dev *d, uint32_t ioas)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };

	if (ioctl(d->c.dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return -errno;
	d->hwpt = at.pt_id;
	return 0;
}

static int ioas_map(int fd, uint32_t ioas, void *buf)
{
	struct iommu_ioas_map map = { .size = sizeof(map) };

	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)buf;
	map.length = LEN;
	map.iova = IOVA;
	return ioctl(fd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
}

/* Both devices READ the IOVA; true if both hashes are the buffer's. */
static bool both_read(const char *check, const uint8_t *buf, const char *what)
{
	uint64_t want = fnv1a(buf, LEN), h[2];
	uint32_t st[2];
	int i;

	for (i = 0; i < 2; i++) {
		st[i] = td_cmd(&devs[i].c, TD_CMD_READ, IOVA, 0, LEN, 0);
		h[i] = r64(&devs[i].c, TD_RESULT);
	}
	return result_if(st[0] == TD_ST_DONE && st[1] == TD_ST_DONE && h[0] == WR(want) &&
			 h[1] == want, check, "%s: %s status 0x%x hash 0x%016llx, %s status 0x%x "
			 "hash 0x%016llx (want 0x%016llx)", what, devs[0].bdf, st[0],
			 (unsigned long long)h[0], devs[1].bdf, st[1], (unsigned long long)h[1],
			 (unsigned long long)want);
}

static int run(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	/* Page-aligned: FIXED_IOVA keeps the buffer's offset in its page. */
	uint8_t *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *b = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t st[2];
	int fd, i, ret;

	if (a == MAP_FAILED || b == MAP_FAILED) {
		result("buffers", "FAIL", "mmap: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)LEN; i++) {
		a[i] = i * 13 + 1;
		b[i] = i * 7 + 5;
	}
	for (i = 0; i < 2; i++)
		smmu_of(&devs[i]);
	if (!result_if(strcmp(devs[0].iommu, devs[1].iommu) && strcmp(devs[1].iommu, "none") &&
		       p_break != 1, "instances", "%s behind %s, %s behind %s", devs[0].bdf,
		       devs[0].iommu, devs[1].bdf, devs[1].iommu))
		return 1;
	fd = open("/dev/iommu", O_RDWR);
	if (fd < 0 || ioctl(fd, IOMMU_IOAS_ALLOC, &alloc)) {
		result("attach", "FAIL", "/dev/iommu, IOMMU_IOAS_ALLOC: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < 2; i++) {
		if (open_dev(&devs[i], fd))
			return 1;
	}
	for (i = 0, ret = 0; i < 2 && !ret; i++)
		ret = attach_ioas(&devs[i], alloc.out_ioas_id);
	if (!ret)
		ret = ioas_map(fd, alloc.out_ioas_id, a);
	if (!result_if(!ret && devs[0].hwpt != WR(devs[1].hwpt), "attach",
		       "both devices on IOAS %u: %s; HWPTs %u and %u (want two: a domain "
		       "belongs to one SMMU instance)", alloc.out_ioas_id,
		       ret ? strerror(-ret) : "ok", devs[0].hwpt, devs[1].hwpt))
		return 1;
	both_read("dma", a, "both read the buffer at the IOVA");

	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = IOVA;
	unmap.length = LEN;
	ret = ioctl(fd, IOMMU_IOAS_UNMAP, &unmap) ? -errno : 0;
	for (i = 0; i < 2; i++) {
		use(&devs[i]);
		printf("FAULT %s 0x%x 0x%llx\n", bdf, bdf_sid(), IOVA);
		st[i] = td_cmd(&devs[i].c, TD_CMD_READ, IOVA, 0, 4, 0);
	}
	result_if(!ret && st[0] == WR(TD_ST_ERROR) && st[1] == TD_ST_ERROR, "unmap",
		  "after IOMMU_IOAS_UNMAP (%s): %s status 0x%x, %s status 0x%x (want ERROR for "
		  "both: the invalidation reached both SMMUs)", ret ? strerror(-ret) : "ok",
		  devs[0].bdf, st[0], devs[1].bdf, st[1]);

	ret = ioas_map(fd, alloc.out_ioas_id, b);
	if (result_if(!ret, "remap", "another buffer at IOVA 0x%llx: %s", IOVA,
		      ret ? strerror(-ret) : "ok"))
		both_read("remap-dma", b, "both read the new buffer");
	return 0;
}

int main(void)
{
	int i, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (find_all() != 2) {
		result("devices", "FAIL", "want two test devices %04x:%04x", TD_VENDOR, TD_DEVICE);
		return 1;
	}
	rc = run();
	for (i = 0; i < 2; i++) {
		if (devs[i].c.bar)
			munmap((void *)devs[i].c.bar, devs[i].c.bar_size);
		if (devs[i].c.dev_fd > 0)
			close(devs[i].c.dev_fd);
		use(&devs[i]);
		from_vfio();
	}
	return rc || failures ? 1 : 0;
}
