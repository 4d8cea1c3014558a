// SPDX-License-Identifier: GPL-2.0-or-later
/* smmu-vmm: the --cmdqv step, the Tegra241 CMDQV hardware queue. */

#include "vmm.h"

/* ---- --cmdqv: the Tegra241 CMDQV hardware queue (contract 7.9) ---- */

#define LVQ_LOG2	8			/* 256 commands: one 4 KiB page */
#define LVQ_BYTES	(16u << LVQ_LOG2)
#define G_VQ(l)		(0x008000u + (l) * PG)	/* the rings, in guest RAM */
#define LVQ_CONS	0x00			/* VCMDQ page 0, 0x80 per queue */
#define LVQ_PROD	0x04
#define LVQ_CONFIG	0x08
#define LVQ_STATUS	0x0c
#define LVQ_GERROR	0x10
#define LVQ_GERRORN	0x14
#define CONS_ERR(c)	(((c) >> 24) & 0x7f)
#define CMD_SYNC	0x46			/* CS=NONE: a VCMDQ completes by CONS */
#define CERROR_ILL	1

static volatile uint32_t *lvq(struct vm *v, unsigned int l, unsigned int r)
{
	return v->vintf + (0x80 * l + r) / 4;
}

static int hw_queue_alloc(struct vm *v, unsigned int l, uint32_t *id)
{
	struct iommu_hw_queue_alloc a = { .size = sizeof(a) };

	a.viommu_id = v->viommu;
	a.type = IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV;
	a.index = l;
	a.nesting_parent_iova = IPA(G_VQ(l));
	a.length = LVQ_BYTES;
	if (ioctl(v->c.iommu_fd, IOMMU_HW_QUEUE_ALLOC, &a))
		return -errno;
	*id = a.out_hw_queue_id;
	return 0;
}

int obj_destroy(struct vm *v, uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(v->c.iommu_fd, IOMMU_DESTROY, &d) ? -errno : 0;
}

/* A 32-bit register of the VINTF page polled until (val & mask) == want, 1 s. */
static bool lvq_wait(struct vm *v, unsigned int l, unsigned int r, uint32_t mask, uint32_t want)
{
	for (int i = 0; i < 100000; i++) {
		if ((*lvq(v, l, r) & mask) == want)
			return true;
		if (i > 1000)
			usleep(10);
	}
	return false;
}

/*
 * Write n commands at the queue's PROD, as a guest's driver does, write
 * PROD, and poll CONS until it reaches PROD or reports an error (1 s).
 * Returns the CONS read last.
 */
static uint32_t lvq_submit(struct vm *v, unsigned int l, uint64_t (*cmd)[2], unsigned int n)
{
	uint64_t *ring = gva(v, IPA(G_VQ(l)));
	uint32_t prod = v->hwq_prod[l], mask = (2u << LVQ_LOG2) - 1, cons = 0;
	unsigned int k;
	int i;

	for (k = 0; k < n; k++) {
		uint32_t idx = prod & ((1u << LVQ_LOG2) - 1);

		ring[2 * idx] = htole64(cmd[k][0]);
		ring[2 * idx + 1] = htole64(cmd[k][1]);
		prod = (prod + 1) & mask;
	}
	wmb_dev();
	*lvq(v, l, LVQ_PROD) = prod;
	v->hwq_prod[l] = prod;
	for (i = 0; i < 1000000; i++) {
		cons = *lvq(v, l, LVQ_CONS);
		if ((cons & mask) == prod || CONS_ERR(cons))
			break;
	}
	return cons;
}

static void cmd_sync(uint64_t c[2])
{
	c[0] = CMD_SYNC;
	c[1] = 0;
}

/* IOMMU_GET_HW_INFO of type TEGRA241_CMDQV: the CMDQV as a VMM exposes it. */
void step_hwinfo_cmdqv(struct vm *v)
{
	struct iommu_hw_info_tegra241_cmdqv info = { };
	struct iommu_hw_info hw = { .size = sizeof(hw) };
	int ret;

	hw.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	hw.in_data_type = IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV;
	hw.dev_id = v->c.dev_id;
	hw.data_len = sizeof(info);
	hw.data_uptr = (uintptr_t)&info;
	ret = ioctl(v->c.iommu_fd, IOMMU_GET_HW_INFO, &hw) ? -errno : 0;
	/* The device's defaults: PARAM.VER 1, 4 VCMDQs and 16 SIDs per VINTF. */
	result_if(!ret && hw.out_data_type == IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV &&
		  info.version == WR(1) && info.log2vcmdqs == 2 && info.log2vsids == 4,
		  "cmdqv/hwinfo",
		  "IOMMU_GET_HW_INFO(TEGRA241_CMDQV): %s, type %u, version %u, log2vcmdqs %u, log2vsids %u (want 1, 2, 4: 4 VCMDQs and 16 vSIDs per VINTF)",
		  ret ? strerror(-ret) : "ok", hw.out_data_type, info.version, info.log2vcmdqs,
		  info.log2vsids);
}

/* The VINTF page, two hardware queues in ascending order, the vEVENTQ. */
static bool hwq_setup(struct vm *v)
{
	struct iommu_veventq_alloc ea = { .size = sizeof(ea) };
	uint32_t id;
	void *page;
	int ret, e1;

	page = v->vintf_len ? mmap(NULL, v->vintf_len, PROT_READ | PROT_WRITE, MAP_SHARED,
				   v->c.iommu_fd, v->vintf_off) : MAP_FAILED;
	if (!result_if(page != MAP_FAILED && v->vintf_len == WR(0x10000), "cmdqv/vintf-mmap",
		       "mmap of the VINTF page (offset 0x%llx, length 0x%llx, want 64 KiB): %s",
		       (unsigned long long)v->vintf_off, (unsigned long long)v->vintf_len,
		       page == MAP_FAILED ? strerror(errno) : "ok") && page == MAP_FAILED)
		return false;
	v->vintf = page;
	/* Index 1 before index 0: the hardware maps logical queues in order. */
	e1 = hw_queue_alloc(v, 1, &id);
	ret = hw_queue_alloc(v, 0, &v->hwq[0]);
	if (!ret)
		ret = hw_queue_alloc(v, 1, &v->hwq[1]);
	if (!result_if(e1 == WR(-EIO) && !ret, "cmdqv/hw-queue-alloc",
		       "IOMMU_HW_QUEUE_ALLOC index 1 first: %s (want EIO); then 0 and 1, %u bytes each at IPA 0x%llx, 0x%llx: %s",
		       e1 ? strerror(-e1) : "accepted", LVQ_BYTES, IPA(G_VQ(0)), IPA(G_VQ(1)),
		       ret ? strerror(-ret) : "ok") && ret)
		return false;
	ea.viommu_id = v->viommu;
	ea.type = IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV;
	ea.veventq_depth = 16;
	ret = ioctl(v->c.iommu_fd, IOMMU_VEVENTQ_ALLOC, &ea) ? -errno : 0;
	v->cveventq = ea.out_veventq_id;
	v->cveventq_fd = ret ? -1 : (int)ea.out_veventq_fd;
	result_if(ret == WR(0), "cmdqv/veventq", "IOMMU_VEVENTQ_ALLOC(TEGRA241_CMDQV): %s",
		  ret ? strerror(-ret) : "ok");
	/* The kernel wrote BASE only; the program enables its queues. */
	for (unsigned int l = 0; l < 2; l++)
		*lvq(v, l, LVQ_CONFIG) = 1;
	return result_if(lvq_wait(v, 0, LVQ_STATUS, 1, 1) && lvq_wait(v, 1, LVQ_STATUS, 1, 1) &&
			 *lvq(v, 0, LVQ_CONS) == WR(0) && *lvq(v, 0, LVQ_PROD) == 0,
			 "cmdqv/enable",
			 "CONFIG.EN written through the VINTF page: STATUS %u %u, CONS 0x%x, PROD 0x%x",
			 *lvq(v, 0, LVQ_STATUS), *lvq(v, 1, LVQ_STATUS), *lvq(v, 0, LVQ_CONS),
			 *lvq(v, 0, LVQ_PROD));
}

/* One TEGRA241_CMDQV vEVENT within 2 s; its LVCMDQ_ERR_MAP, or ~0. */
static uint64_t cveventq_read(struct vm *v)
{
	struct pollfd p = { .fd = v->cveventq_fd, .events = POLLIN };
	uint8_t buf[256];
	struct iommu_vevent_tegra241_cmdqv ev;
	ssize_t len;

	if (v->cveventq_fd < 0 || poll(&p, 1, 2000) <= 0)
		return ~0ull;
	len = read(v->cveventq_fd, buf, sizeof(buf));
	if (len < (ssize_t)(sizeof(struct iommufd_vevent_header) + sizeof(ev)))
		return ~0ull;
	memcpy(&ev, buf + sizeof(struct iommufd_vevent_header), sizeof(ev));
	return le64toh(ev.lvcmdq_err_map[0]);
}

/* ns per TLBI_NH_VA + CMD_SYNC: through the HW queue, through HWPT_INVALIDATE. */
static void hwq_timing(struct vm *v)
{
	enum { N = 200 };
	uint64_t c[2][2];
	struct timespec t0, t1;
	double hq, hi;
	int i;

	cmd_tlbi_va(c[0], 1, S1_VA + 3 * PG);
	cmd_sync(c[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++)
		lvq_submit(v, 1, c, 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	hq = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < N; i++)
		inval(v, c, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	hi = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
	printf("  TIMING user TLBI_NH_VA + CMD_SYNC: HW queue %.0f ns, IOMMU_HWPT_INVALIDATE %.0f ns (%.2fx)\n",
	       hq, hi, hi / hq);
}

void step_hwqueue(struct vm *v, uint64_t root1)
{
	uint64_t c[3][2];
	uint32_t cons, gerror;
	uint64_t map;
	int e0, e1, e2;

	if (!hwq_setup(v))
		return;
	/* A TLBI_NH_VA (VMID 0, as a guest writes it) through queue 0. */
	warm(v, S1_VA, PG);
	pt_map(v, root1, S1_VA, IPA(DPAGE(30)), 0);
	expect_begin(v);
	expect_write(v, DPAGE(map1[0]) + 0x300, 0, 16, WR(0x30300000u));
	check_write(v, "cmdqv/stale", S1_VA + 0x300, 16, 0x30300000u, -1,
		    "PTE of IOVA page 0 moved to IPA page 30, not invalidated yet: the old page");
	cmd_tlbi_va(c[0], 1, S1_VA);
	cmd_sync(c[1]);
	cons = lvq_submit(v, 0, c, 2);
	result_if(cons == WR(v->hwq_prod[0]), "cmdqv/tlbi-consumed",
		  "TLBI_NH_VA + CMD_SYNC written into the ring, PROD 0x%x: CONS 0x%x", v->hwq_prod[0], cons);
	expect_begin(v);
	expect_write(v, DPAGE(30) + 0x310, 0, 64, WR(0x31310000u));
	check_write(v, "cmdqv/tlbi-nh-va", S1_VA + 0x310, 64, 0x31310000u, -1,
		    "after the HW queue's TLBI_NH_VA (VMID 0 in the command, the VINTF's VMID applied): the new page");

	/*
	 * ATC_INV of the virtual StreamID (SID_MATCH/SID_REPLACE of the
	 * vDEVICE): with IDR0.ATS it reaches the device of the physical
	 * StreamID before the CMD_SYNC after it completes.
	 */
	{
		uint64_t invs0 = r64(&v->c, TD_ATC_INVS), got;
		bool ats = v->idr0 & BIT(10);

		c[0][0] = CMD_ATC_INV | (uint64_t)VSID << 32;
		c[0][1] = 52;			/* Size 52: everything */
		cmd_sync(c[1]);
		cons = lvq_submit(v, 0, c, 2);
		got = r64(&v->c, TD_ATC_INVS) - invs0;
		result_if(cons == WR(v->hwq_prod[0]) && got == (ats ? 1 : 0), "cmdqv/atc-inv",
			  "ATC_INV of vSID 0x%x + CMD_SYNC: CONS 0x%x, PROD 0x%x (accepted: the vSID is matched); the device of pSID 0x%x got %llu ATS invalidations (want %u)",
			  VSID, cons, v->hwq_prod[0], v->psid, (unsigned long long)got, ats);
	}

	/* CFGI_STE is not a guest command: queue 0 stops, a vEVENT says which. */
	c[0][0] = CMD_CFGI_STE | (uint64_t)VSID << 32;
	c[0][1] = 1;
	cmd_sync(c[1]);
	printf("EXPECT-LINE unexpected error reported. vintf_map: 0000000000000002\n");
	cons = lvq_submit(v, 0, c, 2);
	map = cveventq_read(v);
	result_if(CONS_ERR(cons) == WR(CERROR_ILL) && map == 1, "cmdqv/illegal",
		  "CFGI_STE through the HW queue: CONS 0x%x (ERR %u, want %u CERROR_ILL), vEVENT LVCMDQ_ERR_MAP 0x%llx (want 0x1)",
		  cons, CONS_ERR(cons), CERROR_ILL, (unsigned long long)map);
	/* The guest's recovery: a CMD_SYNC over the entry, GERRORN = GERROR. */
	{
		uint64_t *ring = gva(v, IPA(G_VQ(0)));
		uint32_t idx = cons & ((1u << LVQ_LOG2) - 1);

		ring[2 * idx] = htole64(CMD_SYNC);
		ring[2 * idx + 1] = 0;
		wmb_dev();
	}
	gerror = *lvq(v, 0, LVQ_GERROR);
	*lvq(v, 0, LVQ_GERRORN) = gerror;
	result_if(lvq_wait(v, 0, LVQ_CONS, (2u << LVQ_LOG2) - 1, v->hwq_prod[0]) &&
		  CONS_ERR(*lvq(v, 0, LVQ_CONS)) == WR(0), "cmdqv/recover",
		  "CMD_SYNC over the bad entry, GERRORN = GERROR 0x%x: CONS 0x%x, PROD 0x%x",
		  gerror, *lvq(v, 0, LVQ_CONS), v->hwq_prod[0]);
	pt_map(v, root1, S1_VA, IPA(DPAGE(31)), 0);
	cmd_tlbi_va(c[0], 1, S1_VA);
	cmd_sync(c[1]);
	lvq_submit(v, 0, c, 2);
	expect_begin(v);
	expect_write(v, DPAGE(31) + 0x320, 0, 64, WR(0x32320000u));
	check_write(v, "cmdqv/after-recover", S1_VA + 0x320, 64, 0x32320000u, -1,
		    "queue 0 runs again: a TLBI after the recovery takes effect");

	hwq_timing(v);

	/* Teardown: queue 0 is queue 1's dependency, so 1 goes first. */
	e0 = obj_destroy(v, v->hwq[0]);
	e1 = obj_destroy(v, v->hwq[1]);
	e2 = e0 ? obj_destroy(v, v->hwq[0]) : 0;
	result_if(e0 == WR(-EBUSY) && !e1 && !e2, "cmdqv/teardown",
		  "IOMMU_DESTROY of queue 0 first: %s (want EBUSY), queue 1: %s, then queue 0: %s",
		  e0 ? strerror(-e0) : "ok", e1 ? strerror(-e1) : "ok", e2 ? strerror(-e2) : "ok");
}
