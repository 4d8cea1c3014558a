// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-vmm's teardown step: the whole object graph of a nested guest,
 * destroyed in every order the kernel's reference counts allow, and
 * rebuilt after each with a guest RAM buffer of its own at the same IPAs.
 *
 * The graph is an IOAS (guest RAM), its NEST_PARENT HWPT (stage 2), a
 * vIOMMU on it, a vDEVICE, a vEVENTQ (object and fd), a nested HWPT from
 * a vSTE, and the device attached to that.  An order is a sequence of the
 * eight ways to undo a piece: detach the device, destroy the nested HWPT,
 * close the vEVENTQ's fd, destroy the vEVENTQ, the vDEVICE, the vIOMMU,
 * the stage-2 HWPT, the IOAS.  The order is tried round by round: a piece
 * others still hold must be refused with EBUSY, any other must go; the
 * round-by-round outcome must be the kernel's rules exactly.  Also the
 * two fd orders: the iommufd closed with everything live, and the device
 * closed first.
 *
 * "No leaked state in the SMMU": after each teardown the device's STE is
 * an abort STE again (the kernel's blocked domain), and each rebuilt
 * graph gets the same VMID and ASID as the last one (the lowest free ones)
 * over other host pages: the device must read the new buffer's bytes at
 * the same IOVA, so no IOTLB or configuration entry of the destroyed
 * graph survived its teardown in the SMMU.
 */

#include "vmm.h"

#define T_CD		0x003000u	/* the teardown step's CD (1 CD) */
#define T_PAGE		70		/* its data page */
#define T_VA		0x7f1236000000ull

enum {
	P_DETACH,	/* VFIO_DEVICE_DETACH_IOMMUFD_PT */
	P_NESTED,
	P_VEVENTQ_FD,	/* close() */
	P_VEVENTQ,
	P_VDEVICE,
	P_VIOMMU,
	P_S2,
	P_IOAS,
	P_NUM
};

static const char *const p_name[P_NUM] = {
	"detach", "nested", "veventq-fd", "veventq", "vdevice", "viommu", "s2", "ioas",
};

/* What must be gone before each piece can go (iommufd's users counts). */
static const unsigned int p_needs[P_NUM] = {
	[P_NESTED] = 1u << P_DETACH,
	[P_VEVENTQ] = 1u << P_VEVENTQ_FD,
	[P_VIOMMU] = 1u << P_NESTED | 1u << P_VEVENTQ | 1u << P_VDEVICE,
	[P_S2] = 1u << P_VIOMMU,
	[P_IOAS] = 1u << P_S2,
};

struct order {
	const char *name;
	const char *seq;	/* P_* as digits */
};

static const struct order orders[] = {
	{ "reverse", "01234567" },	/* a VMM's shutdown: nothing refused */
	{ "creation", "76543210" },	/* the order of creation: most refused */
	{ "viommu-first", "56701234" },
	{ "device-last", "12345670" },
	{ "fds-first", "23104567" },
	{ "mixed", "47260315" },
};

/*
 * This graph's guest RAM, and the last graph's, kept until this one's DMA
 * is done so that the two are sure to be other host pages.
 */
static uint8_t *t_buf, *t_prev;
static uint64_t t_root;			/* its stage-1 root table (IPA) */

/* IOMMU_DESTROY, or one of the other undo actions, of piece p: 0 or -errno. */
static int undo(struct vm *v, unsigned int p)
{
	switch (p) {
	case P_DETACH:
		return detach_pt(&v->c, false, 0);
	case P_VEVENTQ_FD:
		return close(v->veventq_fd) ? -errno : (v->veventq_fd = -1, 0);
	case P_NESTED:
		return obj_destroy(v, v->nested);
	case P_VEVENTQ:
		return obj_destroy(v, v->veventq);
	case P_VDEVICE:
		return obj_destroy(v, v->vdev);
	case P_VIOMMU:
		return obj_destroy(v, v->viommu);
	case P_S2:
		return obj_destroy(v, v->s2);
	default:
		return obj_destroy(v, v->ioas);
	}
}

/* A new guest RAM buffer; the last one is unmapped after the next DMA. */
static int buf_new(void)
{
	uint8_t *b = mmap(NULL, G_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return -ENOMEM;
	if (t_prev)
		munmap(t_prev, G_SIZE);
	t_prev = t_buf;
	t_buf = b;
	return 0;
}

/*
 * The graph over a guest RAM buffer of its own: a copy of v->ram (the CD
 * and tables this step wrote there) with the data page filled with fill.
 */
static int graph_build(struct vm *v, uint8_t fill, const char **what)
{
	uint64_t ste[2];
	int ret;

	*what = "guest RAM";
	ret = buf_new();
	if (ret)
		return ret;
	memcpy(t_buf, v->ram, G_SIZE);
	memset(t_buf + DPAGE(T_PAGE), fill, PG);
	*what = "IOAS";
	ret = ioas_alloc_map(&v->c, t_buf, G_SIZE, G_IPA, &v->ioas);
	if (!ret) {
		*what = "NEST_PARENT HWPT";
		ret = hwpt_alloc(&v->c, v->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &v->s2);
	}
	if (!ret) {
		*what = "vIOMMU";
		ret = viommu_alloc(v);
	}
	if (!ret) {
		*what = "vDEVICE";
		ret = vdevice_alloc(v, VSID);
	}
	if (!ret) {
		*what = "vEVENTQ";
		ret = veventq_alloc(v);
	}
	if (!ret) {
		*what = "nested HWPT";
		vste_make(ste, STE_CFG_S1, IPA(T_CD), 0, DSS_SSID0);
		ret = nested_attach(v, ste);
	}
	return ret;
}

/* The device reads the graph's data page at T_VA: this buffer's bytes? */
static bool graph_dma(struct vm *v, const char *check, const char *order)
{
	uint32_t st = dma(v, TD_CMD_READ, T_VA, 0, PG, 0, -1);
	uint64_t h = r64(&v->c, TD_RESULT), want = fnv1a(t_buf + DPAGE(T_PAGE), PG);
	struct smmu_view s = { };

	smmu_view(&s);
	return result_if(st == TD_ST_DONE && h == WR(want), check,
			 "%s: READ at IOVA 0x%llx of a new guest RAM buffer (VMID %u, ASID 1): "
			 "status 0x%x, FNV-1a 0x%016llx, want 0x%016llx (the new buffer's, not "
			 "a destroyed graph's)", order, T_VA, (unsigned int)(s.ste[2] & 0xffff),
			 st, (unsigned long long)h, (unsigned long long)want);
}

/*
 * Undo the graph in order o, round by round; the outcome of every try
 * must be what p_needs says.  Returns the number of refused tries, or -1
 * (with *bad) at the first try the kernel decided otherwise.
 */
static int graph_undo(struct vm *v, const struct order *o, char *bad, size_t len)
{
	unsigned int gone = 0, i, p, round;
	int refused = 0, ret;

	for (round = 0; gone != (1u << P_NUM) - 1 && round < P_NUM; round++) {
		for (i = 0; i < P_NUM; i++) {
			bool may;

			p = o->seq[i] - '0';
			if (gone & (1u << p))
				continue;
			may = (p_needs[p] & gone) == p_needs[p];
			ret = undo(v, p);
			if (ret == 0 && may) {
				gone |= 1u << p;
			} else if (ret == -EBUSY && !may) {
				refused++;
			} else {
				snprintf(bad, len, "round %u, %s: %s, want %s", round + 1, p_name[p],
					 ret ? strerror(-ret) : "done", may ? "done" : "EBUSY");
				return -1;
			}
		}
	}
	return refused;
}

/* Bind the device to a new iommufd, quietly (setup_bind()'s RESULT lines). */
static int rebind(struct vm *v)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };

	if (v->c.dev_fd < 0 && open_cdev(&v->c))
		return -ENODEV;
	if (v->c.iommu_fd < 0)
		v->c.iommu_fd = open("/dev/iommu", O_RDWR);
	if (v->c.iommu_fd < 0)
		return -errno;
	bind.iommufd = v->c.iommu_fd;
	if (ioctl(v->c.dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	v->c.dev_id = bind.out_devid;
	return 0;
}

/* Close the device's fd (and its BAR mapping) and the iommufd in either order. */
static int close_fds(struct vm *v, bool iommufd_first)
{
	if (v->veventq_fd >= 0) {
		close(v->veventq_fd);
		v->veventq_fd = -1;
	}
	if (v->c.bar) {
		munmap((void *)v->c.bar, v->c.bar_size);
		v->c.bar = NULL;
	}
	if (iommufd_first) {
		close(v->c.iommu_fd);
		v->c.iommu_fd = -1;
	}
	close(v->c.dev_fd);
	v->c.dev_fd = -1;
	if (!iommufd_first) {
		close(v->c.iommu_fd);
		v->c.iommu_fd = -1;
	}
	return 0;
}

/*
 * The device's STE holds nothing of a torn-down graph: the blocked
 * domain's abort STE, V=1 Config=0 and every other bit 0.
 */
static bool ste_clean(const char *check)
{
	struct smmu_view s;
	bool ok;
	int i;

	if (!smmu_view(&s))
		return result_if(false, check, "no STE in /sys/kernel/debug/smmuv3_aux_smmu");
	ok = s.ste[0] == STE0_V;
	for (i = 1; i < 8; i++)
		ok = ok && !s.ste[i];
	return result_if(ok == WR(true), check, "physical STE of sid 0x%x %016llx %016llx %016llx "
			 "%016llx ... (want an abort STE, 0x1 and zeroes: no S1ContextPtr, S2TTB or "
			 "VMID left)", s.sid, (unsigned long long)s.ste[0],
			 (unsigned long long)s.ste[1], (unsigned long long)s.ste[2],
			 (unsigned long long)s.ste[3]);
}

/* After the device's fd closes: open, bind and map its BAR again. */
static bool reopen(struct vm *v, const char *check)
{
	int ret = rebind(v);

	if (!ret && map_bar0(&v->c))
		ret = -EIO;
	return result_if(ret == WR(0), check, "the device opened and bound to a new iommufd: %s",
			 ret ? strerror(-ret) : "ok");
}

/* One round: build, DMA, undo in order o, the STE an abort STE again. */
static void round_order(struct vm *v, const struct order *o, uint8_t fill)
{
	char check[64], bad[160];
	const char *what;
	int ret, refused;

	snprintf(check, sizeof(check), "teardown/%s", o->name);
	ret = graph_build(v, fill, &what);
	if (ret) {
		result(check, "FAIL", "building the graph: %s: %s", what, strerror(-ret));
		return;
	}
	strcat(check, "-dma");
	graph_dma(v, check, o->name);
	refused = graph_undo(v, o, bad, sizeof(bad));
	snprintf(check, sizeof(check), "teardown/%s", o->name);
	if (refused < 0) {
		result(check, "FAIL", "%s", bad);
		return;
	}
	result_if(p_break != 1, check, "undone in the order %s%s: %d tries refused with EBUSY "
		  "while something still held the piece, every other try done", o->seq,
		  " (detach nested veventq-fd veventq vdevice viommu s2 ioas = 0..7)", refused);
	snprintf(check, sizeof(check), "teardown/%s-ste", o->name);
	ste_clean(check);
}

void step_teardown(struct vm *v)
{
	const char *what;
	unsigned int i;
	int ret;

	/* The step's own CD and tables: T_VA -> data page T_PAGE, ASID 1. */
	t_root = pt_page(v);
	pt_map(v, t_root, T_VA, IPA(DPAGE(T_PAGE)), 0);
	cd_write(v, IPA(T_CD), t_root, 1, true);

	/* Everything the earlier steps left, dropped by closing the iommufd first. */
	close_fds(v, true);
	if (!reopen(v, "teardown/close-iommufd-first"))
		goto out;
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		round_order(v, &orders[i], 0x30 + i);

	/* The device's fd closed first, with the whole graph live. */
	ret = graph_build(v, 0x3f, &what);
	if (ret) {
		result("teardown/close-device-first", "FAIL", "building the graph: %s: %s", what,
		       strerror(-ret));
		goto out;
	}
	graph_dma(v, "teardown/close-device-first-dma", "close-device-first");
	close_fds(v, false);
	if (!reopen(v, "teardown/close-device-first"))
		goto out;
	ste_clean("teardown/close-device-first-ste");

	/* And the graph still builds and translates from the new buffer. */
	ret = graph_build(v, 0x40, &what);
	if (!result_if(ret == WR(0), "teardown/rebuild", "the graph again after every teardown: %s%s%s",
		       ret ? what : "", ret ? ": " : "", ret ? strerror(-ret) : "ok"))
		goto out;
	graph_dma(v, "teardown/rebuild-dma", "rebuild");
out:
	/* teardown() at exit closes what is left; the buffers stay until then. */
	return;
}
