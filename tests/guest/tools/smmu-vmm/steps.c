// SPDX-License-Identifier: GPL-2.0-or-later
/* smmu-vmm: the hwinfo, s2, nested, inval, pasid and fault steps. */

#include "vmm.h"

bool step_hwinfo(struct vm *v)
{
	struct iommu_hw_info hw;
	struct iommu_hw_info_arm_smmuv3 info;
	struct smmu_view s;
	const uint32_t *idr = info.idr;
	char miss[512] = "", *p = miss;
	bool coherent = false;
	int ret, i;
	DIR *d;
	struct dirent *e;

	ret = get_hw_info(&v->c, &hw, &info);
	if (!result_if(!ret && hw.out_data_type == WR(IOMMU_HW_INFO_TYPE_ARM_SMMUV3) &&
		       hw.data_len == sizeof(info), "hwinfo/type",
		       "IOMMU_GET_HW_INFO: %s, type %u (want %u ARM_SMMUV3), data_len %u",
		       ret ? strerror(-ret) : "ok", hw.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
		       hw.data_len))
		return false;
	{
		/* The same with IOMMU_HW_INFO_FLAG_INPUT_TYPE and ARM_SMMUV3 asked for. */
		struct iommu_hw_info_arm_smmuv3 info2 = { };
		struct iommu_hw_info hw2 = { .size = sizeof(hw2) };

		hw2.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		hw2.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
		hw2.dev_id = v->c.dev_id;
		hw2.data_len = sizeof(info2);
		hw2.data_uptr = (uintptr_t)&info2;
		ret = ioctl(v->c.iommu_fd, IOMMU_GET_HW_INFO, &hw2) ? -errno : 0;
		result_if(!ret && hw2.out_data_type == WR(IOMMU_HW_INFO_TYPE_ARM_SMMUV3) &&
			  !memcmp(&info2, &info, sizeof(info)), "hwinfo/input-type",
			  "IOMMU_GET_HW_INFO with FLAG_INPUT_TYPE, in_data_type ARM_SMMUV3: %s, type %u, the same words: %s",
			  ret ? strerror(-ret) : "ok", hw2.out_data_type,
			  memcmp(&info2, &info, sizeof(info)) ? "no" : "yes");
	}
	v->idr0 = idr[0];
	printf("  hw_info IDR0..5 %08x %08x %08x %08x %08x %08x IIDR %08x AIDR %08x flags 0x%x\n",
	       idr[0], idr[1], idr[2], idr[3], idr[4], idr[5], info.iidr, info.aidr, info.flags);
	/* The fields the uAPI tells a VMM to take into its vSMMU (iommufd.h). */
	printf("  for a vSMMU: ST_LEVEL %u TERM_MODEL %u STALL_MODEL %u TTENDIAN %u CD2L %u ASID16 %u TTF %u, SIDSIZE %u SSIDSIZE %u, BBML %u RIL %u, VAX %u GRAN4K %u GRAN16K %u GRAN64K %u OAS %u\n",
	       FIELD(idr[0], 28, 27), FIELD(idr[0], 26, 26), FIELD(idr[0], 25, 24), FIELD(idr[0], 22, 21),
	       FIELD(idr[0], 19, 19), FIELD(idr[0], 12, 12), FIELD(idr[0], 3, 2), FIELD(idr[1], 5, 0),
	       FIELD(idr[1], 10, 6), FIELD(idr[3], 12, 11), FIELD(idr[3], 10, 10), FIELD(idr[5], 11, 10),
	       FIELD(idr[5], 4, 4), FIELD(idr[5], 5, 5), FIELD(idr[5], 6, 6), FIELD(idr[5], 2, 0));
	if (!smmu_view(&s)) {
		result("hwinfo/idr", "FAIL", "no %s line in /sys/kernel/debug/smmuv3_aux_smmu (test module not loaded?)", bdf);
	} else {
		int diff = -1;

		for (i = 0; i < 6; i++)
			if (idr[i] != (i == 0 ? WR(s.idr[0]) : s.idr[i]) && diff < 0)
				diff = i;
		if (diff < 0 && info.iidr != s.iidr)
			diff = 6;
		if (diff < 0 && info.aidr != s.aidr)
			diff = 7;
		result_if(diff < 0, "hwinfo/idr",
			  "IDR0..5, IIDR, AIDR of IOMMU_GET_HW_INFO %s the SMMU's registers (MMIO page 0: %08x %08x %08x %08x %08x %08x, IIDR %08x, AIDR %08x)%s%s",
			  diff < 0 ? "equal" : "differ from", s.idr[0], s.idr[1], s.idr[2], s.idr[3],
			  s.idr[4], s.idr[5], s.iidr, s.aidr, diff < 0 ? "" : ", first at word ",
			  diff < 0 ? "" : (const char *[]){ "IDR0", "IDR1", "IDR2", "IDR3", "IDR4", "IDR5", "IIDR", "AIDR" }[diff]);
	}

	/*
	 * The driver's nesting gates as far as ID registers and firmware show
	 * them (contract 9.1): FEAT_NESTING = S1P and S2P and not an early
	 * MMU-600/700 (arm_smmu_device_hw_probe); arm_smmu_get_viommu_size()
	 * wants S2FWB (IDR3.FWB) or a CANWBS master (IORT only); iommufd's bind
	 * wants a coherent SMMU (DT dma-coherent).
	 */
#define MISS(...) p += snprintf(p, miss + sizeof(miss) - p, "; " __VA_ARGS__)
	if (!(idr[0] & BIT(1)))
		MISS("IDR0.S1P=0 (no stage 1)");
	if (!(idr[0] & BIT(0)))
		MISS("IDR0.S2P=0 (no stage 2: no FEAT_NESTING, NEST_PARENT is EOPNOTSUPP)");
	if (!(idr[3] & BIT(8)))
		MISS("IDR3.FWB=0 (no FEAT_S2FWB: on DT IOMMU_VIOMMU_ALLOC is EOPNOTSUPP)");
	if (FIELD(info.iidr, 11, 0) == 0x43b &&
	    ((FIELD(info.iidr, 31, 20) == 0x483 && FIELD(info.iidr, 19, 16) < 2) ||
	     (FIELD(info.iidr, 31, 20) == 0x487 &&
	      (FIELD(info.iidr, 19, 16) < 1 || FIELD(info.iidr, 15, 12) < 1))))
		MISS("IIDR 0x%08x is an MMU-600/700 the driver denies nesting", info.iidr);
	if (FIELD(idr[1], 10, 6) == 0)
		MISS("IDR1.SSIDSIZE=0 (no substreams: the pasid step cannot work)");
	d = opendir("/sys/firmware/devicetree/base");
	while (d && (e = readdir(d))) {
		char path[PATH_MAX];

		if (strncmp(e->d_name, "smmuv3@", 7))
			continue;
		snprintf(path, sizeof(path), "/sys/firmware/devicetree/base/%s/dma-coherent", e->d_name);
		coherent = access(path, F_OK) == 0;
	}
	if (d)
		closedir(d);
	if (!coherent)
		MISS("no dma-coherent on the SMMU's DT node");
#undef MISS
	return result_if(!miss[0] && p_break != 1, "hwinfo/nesting-gates", "%s",
			 miss[0] ? miss + 2 :
			 "IDR0.S1P=1 S2P=1, IDR3.FWB=1, IIDR not an early MMU-600/700, SSIDSIZE>0, dma-coherent: what FEAT_NESTING, arm_smmu_get_viommu_size() and iommufd's bind need");
}

bool step_s2(struct vm *v)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	int ret;

	if (ioctl(v->c.iommu_fd, IOMMU_IOAS_ALLOC, &alloc)) {
		result("s2/guest-ram", "FAIL", "IOMMU_IOAS_ALLOC: %s", strerror(errno));
		return false;
	}
	v->ioas = alloc.out_ioas_id;
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = v->ioas;
	map.user_va = (uintptr_t)v->ram;
	map.length = G_SIZE;
	map.iova = G_IPA;
	ret = ioctl(v->c.iommu_fd, IOMMU_IOAS_MAP, &map) ? -errno : 0;
	if (!result_if(ret == WR(0), "s2/guest-ram", "%u MiB of guest RAM at IPA 0x%llx (IOAS %u, IOMMU_IOAS_MAP FIXED_IOVA): %s",
		       G_SIZE >> 20, G_IPA, v->ioas, ret ? strerror(-ret) : "ok") && ret)
		return false;
	ret = hwpt_alloc(&v->c, v->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &v->s2);
	if (!result_if(ret == WR(0), "s2/nest-parent", "IOMMU_HWPT_ALLOC(NEST_PARENT) on IOAS %u: %s%s", v->ioas,
		       ret ? strerror(-ret) : "ok",
		       ret == -EOPNOTSUPP ? " (the driver has no FEAT_NESTING: IDR0.S1P and S2P both needed)" : "") && ret)
		return false;
	/* The RID on the stage-2 HWPT alone: IPA = IOVA, Config=6. */
	ret = attach_pt(&v->c, v->s2, false, 0);
	if (!result_if(ret == WR(0), "s2/attach", "RID on the NEST_PARENT HWPT %u: %s", v->s2,
		       ret ? strerror(-ret) : "ok") && ret)
		return false;
	check_ste(v, "s2/ste", 6, 0, 0, 0);
	expect_begin(v);
	expect_write(v, DPAGE(40) + 0x124, 0, 1000, WR(0x52000000u));
	check_write(v, "s2/dma", IPA(DPAGE(40) + 0x124), 1000, 0x52000000u, -1,
		    "stage 2 alone, at an IPA");
	return true;
}

/* The stage-1 address space of the nested step: S1_VA page n -> data page map1[n]. */
const unsigned int map1[4] = { 7, 2, 5, 0 };

bool step_nested(struct vm *v, uint64_t *root1)
{
	uint64_t ste[2], bad[2];
	uint32_t id;
	int ret, e1, e2, e3;
	unsigned int i;
	uint64_t h, want;
	uint32_t st;

	ret = viommu_alloc(v);
	if (!result_if(ret == WR(0), "nested/viommu", "IOMMU_VIOMMU_ALLOC(%s) on HWPT %u: %s%s",
		       p_cmdqv ? "TEGRA241_CMDQV" : "ARM_SMMUV3", v->s2, ret ? strerror(-ret) : "ok",
		       ret == -EOPNOTSUPP ? " (arm_smmu_get_viommu_size() said 0: no FEAT_NESTING, or neither S2FWB nor CANWBS)" : "") && ret)
		return false;
	ret = vdevice_alloc(v, VSID);
	if (!result_if(ret == WR(0), "nested/vdevice", "IOMMU_VDEVICE_ALLOC: virtual StreamID 0x%x for the device (physical 0x%x): %s",
		       VSID, v->psid, ret ? strerror(-ret) : "ok") && ret)
		return false;
	ret = p_noveventq ? 0 : veventq_alloc(v);
	if (!result_if(ret == WR(0), "nested/veventq", "IOMMU_VEVENTQ_ALLOC(ARM_SMMUV3, depth 64) on vIOMMU %u: %s", v->viommu,
		       ret ? strerror(-ret) : "ok") && ret)
		return false;

	/* vSTEs the driver must refuse (-EIO): fields outside the allowed list, Config=6. */
	vste_make(bad, STE_CFG_S1, IPA(G_CD), 0, DSS_SSID0);
	bad[1] |= 3ull << 30;				/* STRW */
	e1 = nested_alloc(v, bad, &id);
	vste_make(bad, STE_CFG_S1, IPA(G_CD), 0, DSS_SSID0);
	bad[0] = (bad[0] & ~STE0_CFG(7)) | STE0_CFG(6);	/* S2 only: not a vSTE config */
	e2 = nested_alloc(v, bad, &id);
	vste_make(bad, STE_CFG_S1, IPA(G_CD), 0, DSS_SSID0);
	bad[1] |= 2ull << 28;				/* EATS=S1CHK */
	e3 = nested_alloc(v, bad, &id);
	result_if(e1 == WR(-EIO) && e2 == -EIO && e3 == -EIO, "nested/vste-refused",
		  "vSTE with STRW set: %s, with Config=6: %s, with EATS=2: %s (want EIO each)",
		  e1 ? strerror(-e1) : "accepted", e2 ? strerror(-e2) : "accepted",
		  e3 ? strerror(-e3) : "accepted");

	/* Stage-1 tables and CD0 in guest RAM, at IPAs. */
	*root1 = pt_page(v);
	for (i = 0; i < 4; i++)
		pt_map(v, *root1, S1_VA + i * PG, IPA(DPAGE(map1[i])), 0);
	pt_map(v, *root1, S1_VA + 8 * PG, IPA(DPAGE(9)), PTE_RDONLY);
	pt_map(v, *root1, S1_VA + 12 * PG, IPA_NONE, 0);	/* stage-2 fault */
	/* A level-2 table descriptor to an IPA no IOAS maps: stage-2 fault on the walk. */
	*pt_entry(v, *root1, S1_VA + 0x200000, 2) = (IPA_NONE + PG) | PTE_TABLE;
	cd_write(v, IPA(G_CD), *root1, 1, true);
	vste_make(ste, STE_CFG_S1, IPA(G_CD), 0, DSS_SSID0);
	ret = nested_attach(v, ste);
	if (!result_if(ret == WR(0), "nested/attach",
		       "vSTE 0x%016llx 0x%016llx (Config=5, S1ContextPtr = IPA 0x%llx): nested HWPT on vIOMMU %u, attached to the RID: %s",
		       (unsigned long long)ste[0], (unsigned long long)ste[1], IPA(G_CD), v->viommu,
		       ret ? strerror(-ret) : "ok") && ret)
		return false;
	check_ste(v, "nested/ste", 7, IPA(G_CD), 0, DSS_SSID0);

	/* One WRITE across the 4 IOVA pages: each part at its own IPA page. */
	expect_begin(v);
	for (i = 0; i < 4; i++) {
		uint32_t from = i ? 0 : 0x30, to = i == 3 ? PG - 0x50 : PG;

		expect_write(v, DPAGE(map1[i]) + from, i * PG + from - 0x30, to - from,
			     WR(0x13130000u));
	}
	check_write(v, "nested/dma-write", S1_VA + 0x30, 4 * PG - 0x80, 0x13130000u, -1,
		    "stage 1 over stage 2, 4 IOVA pages to IPA pages 7,2,5,0");
	st = dma(v, TD_CMD_READ, S1_VA + PG, 0, PG, 0, -1);
	h = r64(&v->c, TD_RESULT);
	want = fnv1a(v->ram + DPAGE(map1[1]), PG);
	result_if(st == TD_ST_DONE && h == WR(want), "nested/dma-read",
		  "READ of IOVA page 1 (IPA page %u): status 0x%x, FNV-1a 0x%016llx, want 0x%016llx",
		  map1[1], st, (unsigned long long)h, (unsigned long long)want);
	return true;
}

/* A READ of the range: its translations are in the IOTLB afterwards. */
void warm(struct vm *v, uint64_t iova, uint32_t len)
{
	dma(v, TD_CMD_READ, iova, 0, len, 0, -1);
}

void step_inval(struct vm *v, uint64_t root1)
{
	uint64_t c[2][2], root2, root3;
	uint32_t done;
	unsigned int i;
	int ret;

	/* Warm the IOTLB on IOVA pages 0 and 1, then remap page 0: old or new. */
	warm(v, S1_VA, 2 * PG);
	pt_map(v, root1, S1_VA, IPA(DPAGE(20)), 0);
	expect_begin(v);
	expect_write(v, DPAGE(map1[0]) + 0x100, 0, 16, WR(0x20200000u));
	check_write(v, "inval/stale", S1_VA + 0x100, 16, 0x20200000u, -1,
		    "PTE of IOVA page 0 moved from IPA page 7 to 20, not invalidated yet: the old page 7 (the IOTLB keeps it; the architecture allows old or new)");

	/* TLBI_NH_VA of that page: the new mapping. */
	cmd_tlbi_va(c[0], 1, S1_VA);
	ret = inval(v, c, 1, &done);
	expect_begin(v);
	expect_write(v, DPAGE(20) + 0x200, 0, 64, WR(0x21210000u));
	if (!check_write(v, "inval/tlbi-nh-va", S1_VA + 0x200, 64, 0x21210000u, -1,
			 "PTE of IOVA page 0 moved from IPA page 7 to 20, TLBI_NH_VA ASID 1") || ret)
		printf("  IOMMU_HWPT_INVALIDATE: %s, %u processed\n", ret ? strerror(-ret) : "ok", done);

	/* TLBI_NH_ASID: IOVA page 1 (warm) moved to page 21. */
	pt_map(v, root1, S1_VA + PG, IPA(DPAGE(21)), 0);
	cmd_tlbi_asid(c[0], 1);
	ret = inval(v, c, 1, &done);
	expect_begin(v);
	expect_write(v, DPAGE(21) + 0x40, 0, 128, WR(0x22220000u));
	check_write(v, "inval/tlbi-nh-asid", S1_VA + PG + 0x40, 128, 0x22220000u, -1,
		    "PTE of IOVA page 1 moved from IPA page 2 to 21, TLBI_NH_ASID 1");

	/* TLBI_NH_VAA (every ASID): IOVA page 2 (warm) moved to page 23. */
	warm(v, S1_VA + 2 * PG, PG);
	pt_map(v, root1, S1_VA + 2 * PG, IPA(DPAGE(23)), 0);
	c[0][0] = CMD_TLBI_NH_VAA;
	c[0][1] = (S1_VA + 2 * PG) | 1;
	inval(v, c, 1, NULL);
	expect_begin(v);
	expect_write(v, DPAGE(23) + 0x80, 0, 64, WR(0x24240000u));
	check_write(v, "inval/tlbi-nh-vaa", S1_VA + 2 * PG + 0x80, 64, 0x24240000u, -1,
		    "PTE of IOVA page 2 moved from IPA page 5 to 23, TLBI_NH_VAA");

	/*
	 * A range TLBI_NH_VA (IDR3.RIL): TG=4K, TTL=3, NUM=3, SCALE=0 is 4
	 * pages from the VA; IOVA pages 0..3 (warm) move to pages 24..27.
	 */
	warm(v, S1_VA, 4 * PG);
	for (i = 0; i < 4; i++)
		pt_map(v, root1, S1_VA + i * PG, IPA(DPAGE(24 + i)), 0);
	c[0][0] = CMD_TLBI_NH_VA | 1ull << 48 | 3ull << 12;
	c[0][1] = S1_VA | 1ull << 10 | 3ull << 8 | 1;
	ret = inval(v, c, 1, &done);
	expect_begin(v);
	for (i = 0; i < 4; i++)
		expect_write(v, DPAGE(24 + i), i * PG, PG, WR(0x25250000u));
	check_write(v, "inval/tlbi-range", S1_VA, 4 * PG, 0x25250000u, -1,
		    "PTEs of IOVA pages 0..3 moved to IPA pages 24..27, one range TLBI_NH_VA (TG=4K TTL=3 NUM=3 SCALE=0)");
	if (ret)
		printf("  range TLBI: %s, %u processed\n", strerror(-ret), done);

	/* TLBI_NSNH_ALL (the kernel makes it TLBI_NH_ALL of the vIOMMU's VMID). */
	warm(v, S1_VA, PG);
	pt_map(v, root1, S1_VA, IPA(DPAGE(28)), 0);
	c[0][0] = CMD_TLBI_NSNH_ALL;
	c[0][1] = 0;
	inval(v, c, 1, NULL);
	expect_begin(v);
	expect_write(v, DPAGE(28) + 0x400, 0, 64, WR(0x26260000u));
	check_write(v, "inval/tlbi-nsnh-all", S1_VA + 0x400, 64, 0x26260000u, -1,
		    "PTE of IOVA page 0 moved to IPA page 28, TLBI_NSNH_ALL");

	/* CFGI_CD: CD0 gets ASID 2 and new tables (IOVA page 0 -> page 22). */
	root2 = pt_page(v);
	pt_map(v, root2, S1_VA, IPA(DPAGE(22)), 0);
	cd_write(v, IPA(G_CD), root2, 2, true);
	cmd_cfgi_cd(c[0], VSID, 0);
	ret = inval(v, c, 1, &done);
	expect_begin(v);
	expect_write(v, DPAGE(22) + 0x300, 0, 32, WR(0x23230000u));
	check_write(v, "inval/cfgi-cd", S1_VA + 0x300, 32, 0x23230000u, -1,
		    "CD0 rewritten (ASID 2, new TTB0: IOVA page 0 -> IPA page 22), CFGI_CD vSID 0x42");

	/* CFGI_CD_ALL: CD0 gets ASID 3 and new tables (IOVA page 0 -> page 29). */
	root3 = pt_page(v);
	pt_map(v, root3, S1_VA, IPA(DPAGE(29)), 0);
	cd_write(v, IPA(G_CD), root3, 3, true);
	c[0][0] = CMD_CFGI_CD_ALL | (uint64_t)VSID << 32;
	c[0][1] = 0;
	inval(v, c, 1, NULL);
	expect_begin(v);
	expect_write(v, DPAGE(29) + 0x500, 0, 32, WR(0x27270000u));
	check_write(v, "inval/cfgi-cd-all", S1_VA + 0x500, 32, 0x27270000u, -1,
		    "CD0 rewritten (ASID 3, new TTB0: IOVA page 0 -> IPA page 29), CFGI_CD_ALL vSID 0x42");
	/* Back to the first tables for the fault step (ASID 1 is stale: TLBI it). */
	cd_write(v, IPA(G_CD), root1, 1, true);
	cmd_cfgi_cd(c[0], VSID, 0);
	cmd_tlbi_asid(c[1], 1);
	inval(v, c, 2, NULL);

	/* The kernel refuses commands outside its list, and unknown vSIDs. */
	cmd_tlbi_asid(c[0], 1);
	c[1][0] = CMD_CFGI_STE | (uint64_t)VSID << 32;
	c[1][1] = 1;
	ret = inval(v, c, 2, &done);
	{
		uint32_t done2;
		int ret2;

		cmd_cfgi_cd(c[0], VSID + 1, 0);
		ret2 = inval(v, c, 1, &done2);
		result_if(ret == WR(-EIO) && done == 1 && ret2 == -EIO && done2 == 0, "inval/refused",
			  "TLBI_NH_ASID + CFGI_STE: %s, %u processed (want EIO, 1); CFGI_CD of vSID 0x%x (no such vDEVICE): %s, %u processed (want EIO, 0)",
			  ret ? strerror(-ret) : "accepted", done, VSID + 1,
			  ret2 ? strerror(-ret2) : "accepted", done2);
	}
	if (!p_noinval) {
		/* The cost of a user invalidation (figures; under TCG, not hardware's). */
		static uint64_t many[63][2];
		struct timespec t0, t1;
		unsigned int k;

		for (k = 0; k < 63; k++)
			cmd_tlbi_asid(many[k], 100 + k);	/* ASIDs nobody uses */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < 100; k++)
			inval(v, many, 1, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("  IOMMU_HWPT_INVALIDATE of 1 TLBI_NH_ASID (+ the kernel's CMD_SYNC): %.1f us per call (100 calls)\n",
		       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / 100);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < 20; k++)
			inval(v, many, 63, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("  IOMMU_HWPT_INVALIDATE of 63 TLBI_NH_ASID (one batch + CMD_SYNC): %.1f us per call (20 calls)\n",
		       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / 20);
	}
	{
		/*
		 * ATC_INV with the vSID: with IDR0.ATS the kernel sends it to the
		 * device of the pSID (its ATC counts it), without it refuses it.
		 */
		bool ats = v->idr0 & BIT(10);
		uint64_t invs0 = r64(&v->c, TD_ATC_INVS);
		int ret;

		c[0][0] = CMD_ATC_INV | (uint64_t)VSID << 32;
		c[0][1] = 52;			/* everything */
		ret = inval(v, c, 1, NULL);
		if (ats)
			result_if(!ret && r64(&v->c, TD_ATC_INVS) == WR(invs0 + 1), "inval/atc-inv",
				  "ATC_INV of vSID 0x%x (IDR0.ATS=1): %s, the device got %llu ATS invalidations (want 1)",
				  VSID, ret ? strerror(-ret) : "accepted",
				  (unsigned long long)(r64(&v->c, TD_ATC_INVS) - invs0));
		else
			result_if(ret == WR(-EIO), "inval/atc-inv", "ATC_INV (IDR0.ATS=0): %s (want EIO)",
				  ret ? strerror(-ret) : "accepted");
	}
	{
		/* Fields the opcode does not have. */
		static const char *const what[2] = {
			"TLBI_NH_VA NUM=1 with TG=0", "TLBI_NH_VA with RES0 bit 8",
		};
		int e[3] = { -EIO };

		cmd_tlbi_va(c[0], 1, S1_VA);
		c[0][0] |= 1ull << 12;
		e[1] = inval(v, c, 1, NULL);
		cmd_tlbi_va(c[0], 1, S1_VA);
		c[0][0] |= 1ull << 8;
		e[2] = inval(v, c, 1, NULL);
		result_if(e[0] == -EIO && e[1] == WR(-EIO) && e[2] == -EIO, "inval/refused-fields",
			  "%s: %s; %s: %s (want EIO each)", what[0],
			  e[1] ? strerror(-e[1]) : "accepted", what[1],
			  e[2] ? strerror(-e[2]) : "accepted");
	}
}

/* The pasid step's address spaces: one page each at IOVA S1_VA. */
#define P_N		8	/* CDs: S1CDMax = 3 */
#define P_RID_PAGE	30	/* CD0: the RID's */
#define P_OWN_PAGE(p)	(30 + (p))	/* CD1..3: one PASID each */
#define P_ALL_PAGE	40	/* CD4..7: all PASIDs, one table */
#define P_ALL_PAGE2	41

void step_pasid(struct vm *v)
{
	uint64_t ste[2], root[4], root_all, c[2][2];
	unsigned int p;
	int ret;
	char what[160];
	bool ok;

	for (p = 0; p < 4; p++) {
		root[p] = pt_page(v);
		pt_map(v, root[p], S1_VA, IPA(DPAGE(P_OWN_PAGE(p))), 0);
		cd_write(v, IPA(G_CD8) + 64 * p, root[p], 10 + p, true);
	}
	root_all = pt_page(v);
	pt_map(v, root_all, S1_VA, IPA(DPAGE(P_ALL_PAGE)), 0);
	for (p = 4; p < P_N; p++)
		cd_write(v, IPA(G_CD8) + 64 * p, root_all, 20, true);

	vste_make(ste, STE_CFG_S1, IPA(G_CD8), 3, DSS_SSID0);
	ret = nested_attach(v, ste);
	if (!result_if(ret == WR(0), "pasid/attach", "vSTE S1CDMax=3 (8 CDs at IPA 0x%llx), S1DSS=SSID0: nested HWPT replaces the RID's: %s",
		       IPA(G_CD8), ret ? strerror(-ret) : "ok") && ret)
		return;
	check_ste(v, "pasid/ste", 7, IPA(G_CD8), 3, DSS_SSID0);

	/* The RID's table: DMA without a PASID goes through CD0. */
	expect_begin(v);
	expect_write(v, DPAGE(P_RID_PAGE) + 0x10, 0, 256, WR(0x30300000u));
	check_write(v, "pasid/rid", S1_VA + 0x10, 256, 0x30300000u, -1,
		    "a page table for the RID: no PASID, S1DSS=SSID0 -> CD0 (ASID 10) -> IPA page 30");

	/* One table for one PASID: PASIDs 1..3, the same IOVA, each its own page. */
	expect_begin(v);
	ok = true;
	for (p = 1; p < 4 && ok; p++) {
		expect_write(v, DPAGE(P_OWN_PAGE(p)) + 0x20 * p, 0, 512, WR(0x31000000u * p));
		ok = dma(v, TD_CMD_WRITE, 0, S1_VA + 0x20 * p, 512, 0x31000000u * p, p) == TD_ST_DONE;
	}
	ok = ok && ram_ok(v, what, sizeof(what));
	result_if(ok, "pasid/per-pasid",
		  "a page table for one PASID: PASIDs 1, 2, 3 WRITE at the same IOVA 0x%llx, each lands in its own IPA page (31, 32, 33: CDs 1..3, ASIDs 11..13): %s",
		  S1_VA, ok ? "yes" : "no");

	/* One table for all PASIDs: CDs 4..7 share ASID 20 and its tables. */
	expect_begin(v);
	ok = true;
	for (p = 4; p < P_N && ok; p++) {
		expect_write(v, DPAGE(P_ALL_PAGE) + 0x100 * p, 0, 64, WR(0x34000000u + (p << 16)));
		ok = dma(v, TD_CMD_WRITE, 0, S1_VA + 0x100 * p, 64, 0x34000000u + (p << 16), p) == TD_ST_DONE;
	}
	ok = ok && ram_ok(v, what, sizeof(what));
	result_if(ok, "pasid/all-pasids",
		  "a page table for all PASIDs: PASIDs 4..7 WRITE at IOVA 0x%llx + 0x100 * PASID, all land in IPA page 40 (one table, ASID 20): %s",
		  S1_VA, ok ? "yes" : what);
	/* ... and one TLBI_NH_ASID moves all of them. */
	pt_map(v, root_all, S1_VA, IPA(DPAGE(P_ALL_PAGE2)), 0);
	cmd_tlbi_asid(c[0], 20);
	inval(v, c, 1, NULL);
	expect_begin(v);
	ok = true;
	for (p = 4; p < P_N && ok; p++) {
		expect_write(v, DPAGE(P_ALL_PAGE2) + 0x100 * p, 0, 64, WR(0x35000000u + (p << 16)));
		ok = dma(v, TD_CMD_WRITE, 0, S1_VA + 0x100 * p, 64, 0x35000000u + (p << 16), p) == TD_ST_DONE;
	}
	ok = ok && ram_ok(v, what, sizeof(what));
	result_if(ok, "pasid/all-pasids-inval",
		  "the shared PTE moved to IPA page 41, one TLBI_NH_ASID 20: PASIDs 4..7 all land there: %s",
		  ok ? "yes" : what);

	/* An SSID above S1CDMax: C_BAD_SUBSTREAMID to the vEVENTQ. */
	vevents_drain(v);
	check_refused(v, "pasid/ssid-range", S1_VA, 8, "PASID 8 > 2^S1CDMax - 1");
	check_vevent(v, "pasid/ssid-range-vevent", EVT_BAD_SUBSTREAMID, 8, 0, false);

	/* CD3 made invalid, CFGI_CD SSID 3: C_BAD_CD; PASID 2 still works. */
	cd_write(v, IPA(G_CD8) + 64 * 3, root[3], 13, false);
	cmd_cfgi_cd(c[0], VSID, 3);
	inval(v, c, 1, NULL);
	vevents_drain(v);
	check_refused(v, "pasid/cd-invalid", S1_VA, 3, "CD3 V=0 then CFGI_CD vSID 0x42 SSID 3");
	check_vevent(v, "pasid/cd-invalid-vevent", EVT_BAD_CD, 3, 0, false);
	expect_begin(v);
	expect_write(v, DPAGE(P_OWN_PAGE(2)) + 0x800, 0, 64, WR(0x36360000u));
	check_write(v, "pasid/cd-invalid-others", S1_VA + 0x800, 64, 0x36360000u, 2,
		    "PASID 2 after CD3 was invalidated");

	/* S1DSS=terminate: the RID's DMA is refused, F_STREAM_DISABLED; PASIDs go on. */
	vste_make(ste, STE_CFG_S1, IPA(G_CD8), 3, DSS_TERMINATE);
	ret = nested_attach(v, ste);
	if (result_if(ret == WR(0), "pasid/s1dss-terminate", "vSTE S1DSS=terminate: nested HWPT replaced: %s", ret ? strerror(-ret) : "ok") || !ret) {
		vevents_drain(v);
		check_refused(v, "pasid/s1dss-terminate-rid", S1_VA, -1, "no PASID, S1DSS=terminate");
		check_vevent(v, "pasid/s1dss-terminate-vevent", EVT_STREAM_DISABLED, -1, 0, false);
		expect_begin(v);
		expect_write(v, DPAGE(P_OWN_PAGE(1)) + 0x900, 0, 64, WR(0x37370000u));
		check_write(v, "pasid/s1dss-terminate-pasid", S1_VA + 0x900, 64, 0x37370000u, 1,
			    "PASID 1 with S1DSS=terminate");
	}

	/* S1DSS=bypass: the RID's DMA skips stage 1 (IOVA = IPA), PASIDs still translate. */
	vste_make(ste, STE_CFG_S1, IPA(G_CD8), 3, DSS_BYPASS);
	ret = nested_attach(v, ste);
	if (result_if(ret == WR(0), "pasid/s1dss-bypass", "vSTE S1DSS=bypass: nested HWPT replaced: %s",
		      ret ? strerror(-ret) : "ok") || !ret) {
		check_ste(v, "pasid/s1dss-bypass-ste", 7, IPA(G_CD8), 3, DSS_BYPASS);
		expect_begin(v);
		expect_write(v, DPAGE(50) + 0x44, 0, 300, WR(0x38380000u));
		check_write(v, "pasid/s1dss-bypass-rid", IPA(DPAGE(50) + 0x44), 300, 0x38380000u, -1,
			    "no PASID, S1DSS=bypass: the address is an IPA (stage 2 only)");
		expect_begin(v);
		expect_write(v, DPAGE(P_OWN_PAGE(1)) + 0xa00, 0, 64, WR(0x39390000u));
		check_write(v, "pasid/s1dss-bypass-pasid", S1_VA + 0xa00, 64, 0x39390000u, 1,
			    "PASID 1 with S1DSS=bypass");
	}
}

void step_fault(struct vm *v)
{
	uint64_t ste[2];
	int ret;

	/* Back to the nested step's CD table (one CD, root1). */
	vste_make(ste, STE_CFG_S1, IPA(G_CD), 0, DSS_SSID0);
	ret = nested_attach(v, ste);
	if (!result_if(ret == WR(0), "fault/attach", "the one-CD vSTE again: %s", ret ? strerror(-ret) : "ok") && ret)
		return;

	/* Stage-1 translation fault: to the VMM, with the virtual StreamID. */
	vevents_drain(v);
	check_refused(v, "fault/s1-dma", S1_VA_NONE + 0x10, -1, "IOVA no stage-1 table maps");
	check_vevent(v, "fault/s1-vevent", EVT_TRANSLATION, -1, S1_VA_NONE + 0x10, true);

	/* Stage-1 permission fault: a WRITE to a read-only page. */
	check_refused(v, "fault/s1-perm-dma", S1_VA + 8 * PG + 0x20, -1, "read-only stage-1 page");
	check_vevent(v, "fault/s1-perm-vevent", EVT_PERMISSION, -1, S1_VA + 8 * PG + 0x20, true);

	/* Stage-2 fault: the S1 output IPA is in no IOAS mapping -> host log. */
	printf("EXPECT F_TRANSLATION 0x%x 0x0 0x%llx 0x%llx\n", v->psid,
	       (unsigned long long)WR(S1_VA + 12 * PG + 0x40), IPA_NONE);
	check_refused(v, "fault/s2-dma", S1_VA + 12 * PG + 0x40, -1,
		      "stage 1 maps it to IPA 0x84000000, which the IOAS does not");
	check_no_vevent(v, "fault/s2-not-vmm", 1000, "the stage-2 fault goes to the host kernel's log only");

	/* Stage-2 fault on the stage-1 walk (a table at an IPA the IOAS does not map). */
	printf("EXPECT F_TRANSLATION 0x%x 0x0 0x%llx 0x%llx\n", v->psid,
	       (unsigned long long)WR(S1_VA + 0x200000 + 0x80), IPA_NONE + PG);
	check_refused(v, "fault/s2-walk-dma", S1_VA + 0x200000 + 0x80, -1,
		      "its level-3 table is at IPA 0x84001000, which the IOAS does not map");
	check_no_vevent(v, "fault/s2-walk-not-vmm", 1000, "the stage-2 fault on the walk goes to the host kernel's log only");

	/* vSTE abort, and V=0 (the kernel installs an abort STE): DMA aborts, no event. */
	vste_make(ste, STE_CFG_ABORT, 0, 0, 0);
	ret = nested_attach(v, ste);
	if (result_if(ret == WR(0), "fault/vste-abort", "vSTE V=1 Config=0 (abort): %s", ret ? strerror(-ret) : "ok") || !ret) {
		check_ste(v, "fault/vste-abort-ste", 0, 0, 0, 0);
		check_refused(v, "fault/vste-abort-dma", S1_VA + 0x10, -1, "vSTE abort");
		check_no_vevent(v, "fault/vste-abort-silent", 500, "abort STE");
	}
	ste[0] = ste[1] = 0;
	ret = nested_attach(v, ste);
	if (result_if(ret == WR(0), "fault/vste-invalid", "vSTE V=0: %s", ret ? strerror(-ret) : "ok") || !ret) {
		check_ste(v, "fault/vste-invalid-ste", 0, 0, 0, 0);
		check_refused(v, "fault/vste-invalid-dma", S1_VA + 0x10, -1, "vSTE V=0");
		check_no_vevent(v, "fault/vste-invalid-silent", 500, "V=0 vSTE (abort STE)");
	}

	/* vSTE bypass: stage 2 alone, IOVA = IPA (Config=6 without a CD table). */
	vste_make(ste, STE_CFG_BYPASS, 0, 0, 0);
	ret = nested_attach(v, ste);
	if (result_if(ret == WR(0), "fault/vste-bypass", "vSTE V=1 Config=4 (bypass): %s", ret ? strerror(-ret) : "ok") || !ret) {
		check_ste(v, "fault/vste-bypass-ste", 6, 0, 0, 0);
		expect_begin(v);
		expect_write(v, DPAGE(60) + 0x8, 0, 200, WR(0x60600000u));
		check_write(v, "fault/vste-bypass-dma", IPA(DPAGE(60) + 0x8), 200, 0x60600000u, -1,
			    "vSTE bypass: stage 2 alone, at an IPA");
	}
}
