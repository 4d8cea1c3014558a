// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-iommufd: drive the smmuv3-aux test device (PCI 1b36:00f5) from user
 * space through VFIO and iommufd, on the project guest kernel.
 *
 *   smmu-iommufd hwinfo [--features 0xF] [--vhe 0|1] [--bdf B]
 *   smmu-iommufd dma [--iova 0xA] [--bdf B]
 *   smmu-iommufd pasid [--rid hwpt|blocked] [--ssidsize N] [--break wrong|nossv]
 *   smmu-iommufd dirty [--iova 0xA] [--bdf B]
 *
 * Both commands move the device to vfio-pci (driver_override), open its
 * VFIO cdev /dev/vfio/devices/vfioN and /dev/iommu, bind the device to the
 * iommufd (VFIO_DEVICE_BIND_IOMMUFD), allocate an IOAS and attach the
 * device to it (VFIO_DEVICE_ATTACH_IOMMUFD_PT), and at the end give the
 * device back to the driver it had.
 *
 * hwinfo: IOMMU_GET_HW_INFO; prints the SMMUv3 IDR0..5, IIDR and AIDR,
 *   checks that they describe an SMMU the driver can use, and with
 *   --features (the word of the driver's "oas NN-bit (features 0x...)"
 *   line) that every feature bit the driver derives from the ID registers
 *   matches them.  FEAT_SVA is reported separately.
 * dma: maps a buffer at a fixed IOVA (IOMMU_IOAS_MAP), mmaps BAR0 through
 *   the VFIO region info, makes the device WRITE a pattern there (the CPU
 *   checks it), READ it back (FNV-1a hash), COPY within it; then unmaps
 *   it and checks that a DMA to the unmapped IOVA fails with STATUS.ERROR
 *   and ERR_ADDR = the IOVA, leaving the buffer untouched.
 * pasid: binds without attaching the RID, checks IOMMU_GET_HW_INFO's
 *   out_max_pasid_log2 against IDR1.SSIDSIZE and the device's PASID
 *   capability, allocates 8 IOAS (each maps its own buffer at one IOVA) with
 *   an IOMMU_HWPT_ALLOC_PASID HWPT each, attaches them to 8 PASIDs
 *   (VFIO_DEVICE_ATTACH_IOMMUFD_PT + VFIO_DEVICE_ATTACH_PASID), drives the
 *   BAR with TD_PASID SSV/SSID and checks each buffer byte for byte, a
 *   fault on an unmapped IOVA, and that a PASID detach stops its DMA at
 *   once.  --rid hwpt puts the RID on a PASID-compatible HWPT of its own
 *   (and checks the stage-2 refusal at the end), --rid blocked leaves it
 *   blocked (RID DMA must fail).  The STE comes from the test module's
 *   /sys/kernel/debug/smmuv3_aux_ste.  It prints the SMMU events it causes
 *   as "EXPECT <event> <sid> <ssid> <iova|->" for project-init.sh.
 *
 * dirty: a HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING on an IOAS
 *   that maps 64 pages, the device attached to it, tracking turned on
 *   (IOMMU_HWPT_SET_DIRTY_TRACKING); the device writes a known set of
 *   pages and IOMMU_HWPT_GET_DIRTY_BITMAP must report exactly those (the
 *   SMMU's HTTU dirty state, STE/CD.HD with DBM descriptors); the read
 *   clears them, so a second read reports none, and one more write exactly
 *   that page; reads by the device dirty nothing.
 *
 * One line per check on stdout, for tests/guest/project-init.sh:
 *   RESULT <check> PASS|FAIL|SKIP <detail>
 * and informational lines starting with "  ".  Exit status 0 if no FAIL.
 */

#include "td-iommufd.h"

/* arm-smmu-v3.h ARM_SMMU_FEAT_* (7.x, the same since 6.x) */
static const char *const feat_names[] = {
	"2_LVL_STRTAB", "2_LVL_CDTAB", "TT_LE", "TT_BE", "PRI", "ATS", "SEV",
	"MSI", "COHERENCY", "TRANS_S1", "TRANS_S2", "STALLS", "HYP",
	"STALL_FORCE", "VAX", "RANGE_INV", "BTM", "SVA", "E2H", "NESTING",
	"ATTR_TYPES_OVR", "HA", "HD", "S2FWB", "BBML2", "HAFT",
};
enum {
	F_2LVL_STRTAB, F_2LVL_CDTAB, F_TT_LE, F_TT_BE, F_PRI, F_ATS, F_SEV,
	F_MSI, F_COHERENCY, F_TRANS_S1, F_TRANS_S2, F_STALLS, F_HYP,
	F_STALL_FORCE, F_VAX, F_RANGE_INV, F_BTM, F_SVA, F_E2H, F_NESTING,
	F_ATTR_TYPES_OVR, F_HA, F_HD, F_S2FWB, F_BBML2, F_HAFT, F_NR
};

/*
 * --break wrong: every expected value wrong by one (to see each check
 * fail); --break nossv: the PASID DMAs without SSV, as a device that drops
 * its PASID would.
 */
#define SSVP(p)		((p_break == 2 ? 0 : (1u << 31)) | (p))

/* ---- hwinfo ---- */

static uint32_t expected_features(const uint32_t *idr, uint32_t iidr, bool coherent,
				  int vhe)
{
	uint32_t f = 0, r = idr[0];
	unsigned int impl = FIELD(iidr, 11, 0), prod = FIELD(iidr, 31, 20);
	unsigned int var = FIELD(iidr, 19, 16), rev = FIELD(iidr, 15, 12);

	if (coherent)
		f |= BIT(F_COHERENCY);
	if (FIELD(r, 28, 27) == 1)
		f |= BIT(F_2LVL_STRTAB);
	if (r & BIT(19))
		f |= BIT(F_2LVL_CDTAB);
	switch (FIELD(r, 22, 21)) {
	case 0:
		f |= BIT(F_TT_LE) | BIT(F_TT_BE);
		break;
	case 2:
		f |= BIT(F_TT_LE);
		break;
	}
	if (r & BIT(16))
		f |= BIT(F_PRI);
	if (r & BIT(10))
		f |= BIT(F_ATS);
	if (r & BIT(14))
		f |= BIT(F_SEV);
	if (r & BIT(13))
		f |= BIT(F_MSI);
	if (r & BIT(9)) {
		f |= BIT(F_HYP);
		if (vhe > 0)
			f |= BIT(F_E2H);
	}
	switch (FIELD(r, 7, 6)) {	/* HTTU, from IDR0 on DT */
	case 3:
		f |= BIT(F_HAFT);
		/* fallthrough */
	case 2:
		f |= BIT(F_HD);
		/* fallthrough */
	case 1:
		f |= BIT(F_HA);
	}
	switch (FIELD(r, 25, 24)) {
	case 2:
		f |= BIT(F_STALL_FORCE);
		/* fallthrough */
	case 0:
		f |= BIT(F_STALLS);
	}
	if (r & BIT(1))
		f |= BIT(F_TRANS_S1);
	if (r & BIT(0))
		f |= BIT(F_TRANS_S2);
	if (idr[1] & BIT(27))
		f |= BIT(F_ATTR_TYPES_OVR);
	if (FIELD(idr[1], 5, 0) <= 8)
		f &= ~BIT(F_2LVL_STRTAB);
	if (idr[3] & BIT(10))
		f |= BIT(F_RANGE_INV);
	if (idr[3] & BIT(8))
		f |= BIT(F_S2FWB);
	if (FIELD(idr[3], 12, 11) == 2)
		f |= BIT(F_BBML2);
	if (FIELD(idr[5], 11, 10) == 1)
		f |= BIT(F_VAX);
	if ((f & BIT(F_TRANS_S1)) && (f & BIT(F_TRANS_S2)))
		f |= BIT(F_NESTING);
	if (impl == 0x43b && prod == 0x483) {		/* MMU-600 */
		if (var == 0 && rev <= 2)
			f &= ~BIT(F_SEV);
		if (var < 2)
			f &= ~BIT(F_NESTING);
	} else if (impl == 0x43b && prod == 0x487 && (var < 1 || rev < 1)) {
		f &= ~BIT(F_NESTING);			/* MMU-700 */
	}
	return f;
}

static void feat_list(uint32_t f, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < F_NR && o < len; i++)
		if (f & BIT(i))
			o += snprintf(buf + o, len - o, "%s%s", o ? "," : "", feat_names[i]);
	if (!o)
		snprintf(buf, len, "none");
}

/* IOMMU_GET_HW_INFO of the bound device into *hw and *info; 0 or -errno. */
static int cmd_hwinfo(long long features, int vhe)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct iommu_hw_info hw = { .size = sizeof(hw) };
	struct ctx c;
	char problems[1024] = "", *p = problems;
	const uint32_t *idr = info.idr;
	static const int oas_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int oas, cmdqs, evtqs, sid, ssid;
	bool coherent;
	int ret;

	if (setup(&c))
		goto out;
	ret = get_hw_info(&c, &hw, &info);
	if (ret) {
		result("hw-info", "FAIL", "IOMMU_GET_HW_INFO: %s", strerror(-ret));
		goto out;
	}
	printf("  IOMMU_GET_HW_INFO: type %u, data_len %u, max_pasid_log2 %u, capabilities 0x%llx\n",
	       hw.out_data_type, hw.data_len, hw.out_max_pasid_log2,
	       (unsigned long long)hw.out_capabilities);
	printf("  IDR0 0x%08x IDR1 0x%08x IDR2 0x%08x IDR3 0x%08x IDR4 0x%08x IDR5 0x%08x\n",
	       idr[0], idr[1], idr[2], idr[3], idr[4], idr[5]);
	printf("  IIDR 0x%08x AIDR 0x%08x flags 0x%x\n", info.iidr, info.aidr, info.flags);
	if (hw.out_data_type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
		result("hw-info", "FAIL", "data type %u, want %u (ARM_SMMUV3)",
		       hw.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
		goto out;
	}

	/* What the driver needs of the ID registers (contract section 2). */
#define PROBLEM(...) p += snprintf(p, problems + sizeof(problems) - p, "; " __VA_ARGS__)
	if (!(idr[0] & (BIT(0) | BIT(1))))
		PROBLEM("IDR0: neither S1P nor S2P");
	if (!(FIELD(idr[0], 3, 2) & 2))
		PROBLEM("IDR0.TTF has no AArch64");
	if (FIELD(idr[0], 22, 21) == 1 || FIELD(idr[0], 22, 21) == 3)
		PROBLEM("IDR0.TTENDIAN %u on a little-endian kernel", FIELD(idr[0], 22, 21));
	if (FIELD(idr[0], 25, 24) == 3)
		PROBLEM("IDR0.STALL_MODEL 3 is reserved");
	if (idr[1] & (BIT(30) | BIT(29) | BIT(28)))
		PROBLEM("IDR1 TABLES_PRESET/QUEUES_PRESET/REL set");
	cmdqs = FIELD(idr[1], 25, 21);
	evtqs = FIELD(idr[1], 20, 16);
	ssid = FIELD(idr[1], 10, 6);
	sid = FIELD(idr[1], 5, 0);
	if (cmdqs < 7)
		PROBLEM("IDR1.CMDQS %u < 7", cmdqs);
	if (cmdqs > 19 || evtqs > 19)
		PROBLEM("IDR1 queue sizes above 2^19");
	if (sid == 0 || sid > 32)
		PROBLEM("IDR1.SIDSIZE %u", sid);
	if (ssid > 20)
		PROBLEM("IDR1.SSIDSIZE %u > 20", ssid);
	oas = FIELD(idr[5], 2, 0);
	if (oas > 6)
		PROBLEM("IDR5.OAS %u reserved", oas);
	if (!(idr[5] & BIT(4)))
		PROBLEM("IDR5: no 4K granule (this kernel uses 4K pages)");
	if (FIELD(info.aidr, 7, 4) != 0)
		PROBLEM("AIDR.ArchMajorRev %u, want 0 (SMMUv3)", FIELD(info.aidr, 7, 4));
	if (hw.out_max_pasid_log2 > ssid)
		PROBLEM("max_pasid_log2 %u > IDR1.SSIDSIZE %u", hw.out_max_pasid_log2, ssid);
#undef PROBLEM
	if (problems[0])
		result("hw-info", "FAIL", "%s", problems + 2);
	else
		result("hw-info", "PASS", "SMMUv3.%u, OAS %d, SIDSIZE %u, SSIDSIZE %u, CMDQS %u, EVTQS %u, IIDR 0x%08x",
		       FIELD(info.aidr, 3, 0), oas <= 6 ? oas_bits[oas] : 48, sid, ssid,
		       cmdqs, evtqs, info.iidr);

	if (features < 0) {
		result("features", "SKIP", "no --features word from the driver's probe line");
		goto out;
	}
	{
		/*
		 * Bits that do not come from the ID registers: COHERENCY is the
		 * DT "dma-coherent" (QEMU virt sets it; IDR0.COHACC is only
		 * compared), E2H needs the kernel at EL2 with VHE (--vhe), SVA
		 * depends on the CPU as well, BTM is never set.
		 */
		uint32_t f = (uint32_t)features, want, mask, diff;
		char got_s[512], want_s[512], diff_s[512];

		coherent = f & BIT(F_COHERENCY);
		if (!!(idr[0] & BIT(4)) != coherent)
			printf("  note: IDR0.COHACC=%d, firmware coherency %d\n",
			       !!(idr[0] & BIT(4)), coherent);
		want = expected_features(idr, info.iidr, true, vhe);
		mask = (BIT(F_NR) - 1) & ~BIT(F_SVA) & ~BIT(F_BTM);
		if (vhe < 0)
			mask &= ~BIT(F_E2H);
		diff = (f ^ want) & mask;
		feat_list(f, got_s, sizeof(got_s));
		feat_list(want, want_s, sizeof(want_s));
		printf("  driver features 0x%08x: %s\n", f, got_s);
		printf("  from the IDRs   0x%08x: %s\n", want, want_s);
		if (diff) {
			feat_list(diff, diff_s, sizeof(diff_s));
			result("features", "FAIL", "driver 0x%08x, IDRs give 0x%08x (mask 0x%08x); differ in %s",
			       f, want, mask, diff_s);
		} else {
			result("features", "PASS", "driver 0x%08x = IDRs 0x%08x on every IDR-derived bit (%s)",
			       f, want & mask, want_s);
		}
		printf("  FEAT_SVA %s, SSIDSIZE %u\n", f & BIT(F_SVA) ? "set" : "clear", ssid);
		printf("SVA=%d SSIDSIZE=%u MAX_PASID_LOG2=%u\n", !!(f & BIT(F_SVA)), ssid,
		       hw.out_max_pasid_log2);
	}
out:
	teardown(&c);
	return failures ? 1 : 0;
}

/* ---- dma ---- */

static int cmd_dma(uint64_t iova)
{
	const size_t size = 256 * 1024, half = size / 2;
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	uint8_t *buf, *before;
	uint32_t st, pattern = 0x5a5a0000u, *w;
	uint64_t h, want, err;
	struct ctx c;
	size_t i;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	before = malloc(size);
	if (buf == MAP_FAILED || !before) {
		result("dma", "FAIL", "cannot allocate %zu bytes", size);
		return 1;
	}
	memset(buf, 0xa5, size);
	if (setup(&c))
		goto out;
	if (map_bar0(&c))
		goto out;

	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = c.ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = size;
	map.iova = iova;
	if (ioctl(c.iommu_fd, IOMMU_IOAS_MAP, &map)) {
		result("ioas-map", "FAIL", "IOMMU_IOAS_MAP %zu bytes at iova 0x%llx: %s",
		       size, (unsigned long long)iova, strerror(errno));
		goto out;
	}
	result("ioas-map", "PASS", "%zu KiB of user memory at iova 0x%llx", size >> 10,
	       (unsigned long long)iova);

	/* WRITE the first half (at an odd word offset, crossing pages). */
	st = td_cmd(&c, TD_CMD_WRITE, 0, iova + 4, half - 8, pattern);
	if (st != TD_ST_DONE) {
		result("dma-write", "FAIL", "status 0x%x, err_addr 0x%llx", st,
		       (unsigned long long)r64(&c, TD_ERR_ADDR));
		goto out;
	}
	w = (uint32_t *)(buf + 4);
	for (i = 0; i < (half - 8) / 4; i++) {
		if (w[i] != pattern + i) {
			result("dma-write", "FAIL", "word %zu is 0x%08x, want 0x%08x", i, w[i],
			       (uint32_t)(pattern + i));
			goto out;
		}
	}
	if (buf[3] != 0xa5 || buf[half - 4] != 0xa5) {
		result("dma-write", "FAIL", "the device wrote outside [iova+4, iova+%zu)", half - 4);
		goto out;
	}
	result("dma-write", "PASS", "%zu bytes at iova 0x%llx, CPU sees the pattern", half - 8,
	       (unsigned long long)iova + 4);

	/* READ it back: the device's hash must be the CPU's. */
	st = td_cmd(&c, TD_CMD_READ, iova, 0, half, 0);
	h = r64(&c, TD_RESULT);
	want = fnv1a(buf, half);
	if (st != TD_ST_DONE || h != want) {
		result("dma-read", "FAIL", "status 0x%x, hash 0x%016llx, want 0x%016llx", st,
		       (unsigned long long)h, (unsigned long long)want);
		goto out;
	}
	result("dma-read", "PASS", "%zu bytes, FNV-1a 0x%016llx", half, (unsigned long long)h);

	/* COPY the first half over the second. */
	st = td_cmd(&c, TD_CMD_COPY, iova, iova + half, half, 0);
	if (st != TD_ST_DONE || memcmp(buf, buf + half, half) || r64(&c, TD_RESULT) != want) {
		result("dma-copy", "FAIL", "status 0x%x, halves %s, hash 0x%016llx", st,
		       memcmp(buf, buf + half, half) ? "differ" : "equal",
		       (unsigned long long)r64(&c, TD_RESULT));
		goto out;
	}
	result("dma-copy", "PASS", "%zu bytes iova 0x%llx -> 0x%llx", half,
	       (unsigned long long)iova, (unsigned long long)iova + half);

	/* Unmap, then DMA to the unmapped IOVA must fail. */
	unmap.ioas_id = c.ioas_id;
	unmap.iova = iova;
	unmap.length = size;
	if (ioctl(c.iommu_fd, IOMMU_IOAS_UNMAP, &unmap) || unmap.length != size) {
		result("ioas-unmap", "FAIL", "IOMMU_IOAS_UNMAP: %s (length %llu)", strerror(errno),
		       (unsigned long long)unmap.length);
		goto out;
	}
	memcpy(before, buf, size);
	printf("FAULT-IOVA=0x%llx\n", (unsigned long long)iova + half);
	fflush(stdout);
	st = td_cmd(&c, TD_CMD_WRITE, 0, iova + half, 4096, 0x600dbeefu);
	err = r64(&c, TD_ERR_ADDR);
	if (!(st & TD_ST_ERROR) || err != iova + half || memcmp(before, buf, size)) {
		result("unmapped-fault", "FAIL", "WRITE to unmapped iova 0x%llx: status 0x%x, err_addr 0x%llx, buffer %s",
		       (unsigned long long)iova + half, st, (unsigned long long)err,
		       memcmp(before, buf, size) ? "CHANGED" : "unchanged");
		goto out;
	}
	result("unmapped-fault", "PASS", "WRITE to unmapped iova 0x%llx: STATUS.ERROR, ERR_ADDR 0x%llx, buffer unchanged",
	       (unsigned long long)iova + half, (unsigned long long)err);
out:
	teardown(&c);
	munmap(buf, size);
	free(before);
	return failures ? 1 : 0;
}

/* ---- pasid ---- */

#define NP		8
#define P_BUF		8192
#define P_IOVA		0x40000000ull	/* each PASID's own buffer, the RID's too */
#define P_IOVA_NONE	0x60000000ull	/* mapped nowhere */
#define P_SSV		(1u << 31)

/* Byte i of a WRITE of 32-bit words pattern, pattern + 1, ... at off. */
static bool buf_is(const uint8_t *b, size_t off, size_t len, uint32_t pattern, size_t *bad)
{
	size_t i;

	for (i = 0; i < P_BUF; i++) {
		uint8_t want = 0xa5;

		if (i >= off && i < off + len)
			want = (pattern + (uint32_t)((i - off) / 4)) >> (8 * ((i - off) % 4));
		if (b[i] != want) {
			*bad = i;
			return false;
		}
	}
	return true;
}

/*
 * pasid --rid hwpt|blocked: NP PASID HWPTs (IOMMU_HWPT_ALLOC_PASID), each on
 * its own IOAS that maps its own buffer at P_IOVA, attached to NP PASIDs
 * with VFIO_DEVICE_ATTACH_IOMMUFD_PT + VFIO_DEVICE_ATTACH_PASID; the RID
 * either on a PASID-compatible HWPT of a further IOAS (paging) or not
 * attached at all (blocked: the VFIO bind blocked it).
 */
static int cmd_pasid(const char *rid_mode, int ssidsize)
{
	static const uint32_t want_pasids[NP] = { 1, 2, 0x3ff, 0x400, 0x1234, 0x7ffff,
						  0xffffe, 0xfffff };
	struct iommu_hw_info hw = { .size = sizeof(hw) };
	struct iommu_hw_info_arm_smmuv3 info;
	bool blocked = !strcmp(rid_mode, "blocked");
	uint32_t ioas[NP], hwpt[NP], pasid[NP], rid_ioas = 0, rid_hwpt = 0, s2_hwpt = 0;
	uint8_t *buf[NP] = { }, *rbuf = NULL;
	bool attached[NP] = { };
	unsigned int i, sid = bdf_sid(), ssid, maxlog;
	int width, ret, want_dss;
	char ste[512];
	uint32_t st, off = 20, len = 1200;
	uint64_t h, err;
	size_t bad;
	struct ctx c;

	if (strcmp(rid_mode, "hwpt") && !blocked) {
		result("pasid", "FAIL", "--rid %s: want hwpt or blocked", rid_mode);
		return 1;
	}
	for (i = 0; i < NP; i++) {
		buf[i] = mmap(NULL, P_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf[i] == MAP_FAILED) {
			result("pasid", "FAIL", "mmap: %s", strerror(errno));
			return 1;
		}
		memset(buf[i], 0xa5, P_BUF);
	}
	rbuf = mmap(NULL, P_BUF, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rbuf == MAP_FAILED)
		return 1;
	memset(rbuf, 0xa5, P_BUF);
	if (setup_noattach(&c))
		goto out;

	/* IOMMU_GET_HW_INFO: out_max_pasid_log2 against SSIDSIZE and the cap. */
	ret = get_hw_info(&c, &hw, &info);
	if (ret) {
		result("max-pasid-log2", "FAIL", "IOMMU_GET_HW_INFO: %s", strerror(-ret));
		goto out;
	}
	ssid = FIELD(info.idr[1], 10, 6);
	width = pasid_cap_width();
	maxlog = hw.out_max_pasid_log2;
	/* Not fatal: the attaches below then show what the kernel refuses. */
	if (!result_if(maxlog && width > 0 && (int)maxlog == WR(width < (int)ssid ? width : (int)ssid) &&
		       (ssidsize < 0 || (int)ssid == ssidsize),
		       "max-pasid-log2", "out_max_pasid_log2 %u; IDR1.SSIDSIZE %u, PASID capability width %d: want their minimum %d, and PASIDs (> 0)",
		       maxlog, ssid, width, WR(width < (int)ssid ? width : (int)ssid)) && !maxlog)
		maxlog = 3;	/* PASIDs 1, 2, 4..7: the attach must then fail */
	for (i = 0; i < NP; i++)
		pasid[i] = want_pasids[i] < (1u << maxlog) ? want_pasids[i] : (1u << maxlog) / 2 + i;

	if (map_bar0(&c))
		goto out;

	/* One IOAS + PASID-capable HWPT per PASID. */
	for (i = 0; i < NP; i++) {
		ret = ioas_alloc_map(&c, buf[i], P_BUF, P_IOVA, &ioas[i]);
		if (!ret)
			ret = hwpt_alloc(&c, ioas[i], IOMMU_HWPT_ALLOC_PASID, &hwpt[i]);
		if (ret) {
			result("hwpt-alloc", "FAIL", "IOAS/IOMMU_HWPT_ALLOC(PASID) #%u: %s", i, strerror(-ret));
			goto out;
		}
	}
	result("hwpt-alloc", p_break == 1 ? "FAIL" : "PASS", "%d IOAS, each with its own %d KiB at iova 0x%llx (IOMMU_IOAS_MAP), and a HWPT with IOMMU_HWPT_ALLOC_PASID on each",
	       NP, P_BUF >> 10, P_IOVA);
	if (!blocked) {
		ret = ioas_alloc_map(&c, rbuf, P_BUF, P_IOVA, &rid_ioas);
		if (!ret)
			ret = hwpt_alloc(&c, rid_ioas, IOMMU_HWPT_ALLOC_PASID, &rid_hwpt);
		if (!ret)
			ret = attach_pt(&c, rid_hwpt, false, 0);
		if (!result_if(ret == WR(0), "rid-attach", "RID on HWPT %u (paging, PASID-compatible, IOAS %u): %s",
			       rid_hwpt, rid_ioas, ret ? strerror(-ret) : "ok") && ret)
			goto out;
	}
	for (i = 0; i < NP; i++) {
		ret = attach_pt(&c, hwpt[i], true, pasid[i]);
		if (ret) {
			result("pasid-attach", "FAIL", "VFIO_DEVICE_ATTACH_IOMMUFD_PT(PASID 0x%x, hwpt %u): %s",
			       pasid[i], hwpt[i], strerror(-ret));
			goto out;
		}
		attached[i] = true;
	}
	result("pasid-attach", p_break == 1 ? "FAIL" : "PASS", "HWPTs %u..%u on PASIDs 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x (VFIO_DEVICE_ATTACH_PASID), RID %s",
	       hwpt[0], hwpt[NP - 1], pasid[0], pasid[1], pasid[2], pasid[3], pasid[4], pasid[5],
	       pasid[6], pasid[7], blocked ? "blocked (not attached)" : "on its paging HWPT");

	/* The STE (test module's debugfs): CD table, S1DSS per the RID. */
	want_dss = WR(blocked ? 0 : 2);
	if (read_ste(ste, sizeof(ste)))
		result_if(ste_field(ste, "Config=") == 5 && ste_field(ste, "S1DSS=") == want_dss &&
			  ste_field(ste, "S1CDMax=") == (int)hw.out_max_pasid_log2,
			  "ste", "%s (want Config=5 S1CDMax=%u S1DSS=%d, %s)", ste, maxlog, want_dss,
			  blocked ? "terminate" : "substream 0");
	else
		result("ste", "FAIL", "cannot read /sys/kernel/debug/smmuv3_aux_ste (test module not loaded?)");

	/* Each PASID WRITEs at the same IOVA, into its own buffer only. */
	for (i = 0; i < NP; i++) {
		st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA + off + 4 * i, len + 4 * i,
			      0x22220000u * (i + 1), SSVP(pasid[i]));
		if (st != TD_ST_DONE) {
			result("dma-write", "FAIL", "PASID 0x%x WRITE: status 0x%x, err_addr 0x%llx", pasid[i],
			       st, (unsigned long long)r64(&c, TD_ERR_ADDR));
			break;
		}
	}
	for (i = 0; i < NP; i++) {
		if (!buf_is(buf[i], off + 4 * i, len + 4 * i, WR(0x22220000u * (i + 1)), &bad)) {
			result("dma-isolation", "FAIL", "buffer of PASID 0x%x: byte %zu is 0x%02x", pasid[i],
			       bad, buf[i][bad]);
			break;
		}
	}
	if (i < NP)
		;
	else if (!buf_is(rbuf, 0, 0, 0, &bad))
		result("dma-isolation", "FAIL", "the RID's buffer changed at byte %zu", bad);
	else
		result("dma-isolation", "PASS", "%d WRITEs from user space at iova 0x%llx, one per PASID: each user buffer holds exactly its own PASID's bytes, the RID's is untouched",
	       NP, P_IOVA);
	for (i = 0; i < NP; i++) {
		st = td_cmd_p(&c, TD_CMD_READ, P_IOVA, 0, P_BUF, 0, SSVP(pasid[i]));
		h = r64(&c, TD_RESULT);
		if (st != TD_ST_DONE || h != WR(fnv1a(buf[i], P_BUF))) {
			result("dma-read", "FAIL", "PASID 0x%x READ: status 0x%x hash 0x%016llx want 0x%016llx",
			       pasid[i], st, (unsigned long long)h,
			       (unsigned long long)WR(fnv1a(buf[i], P_BUF)));
			break;
		}
	}
	if (i == NP)
		result("dma-read", "PASS", "READ of iova 0x%llx through each PASID hashes its own buffer", P_IOVA);

	/*
	 * Replace PASID 1's HWPT by PASID 2's (VFIO_DEVICE_ATTACH_IOMMUFD_PT on
	 * an attached PASID: the driver rewrites CD[pasid] in place, then
	 * CFGI_CD): its DMA lands in PASID 2's buffer from then on.  Then
	 * unmap PASID 4's IOAS: its next DMA faults (the IOTLB entry is gone).
	 */
	h = fnv1a(buf[1], P_BUF);
	ret = attach_pt(&c, hwpt[2], true, pasid[1]);
	st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA + 4096, 32, 0x12120000u, SSVP(pasid[1]));
	result_if(!ret && st == TD_ST_DONE && *(uint32_t *)(buf[2] + 4096) == WR(0x12120000u) &&
		  h == fnv1a(buf[1], P_BUF), "replace",
		  "PASID 0x%x moved from HWPT %u to HWPT %u: %s; its WRITE: status 0x%x, lands in the new HWPT's buffer: %s, old buffer %s",
		  pasid[1], hwpt[1], hwpt[2], ret ? strerror(-ret) : "ok", st,
		  *(uint32_t *)(buf[2] + 4096) == 0x12120000u ? "yes" : "NO",
		  h == fnv1a(buf[1], P_BUF) ? "untouched" : "WRITTEN");
	{
		struct iommu_ioas_unmap um = { .size = sizeof(um) };

		um.ioas_id = ioas[4];
		um.iova = P_IOVA;
		um.length = P_BUF;
		ret = ioctl(c.iommu_fd, IOMMU_IOAS_UNMAP, &um) ? -errno : 0;
		h = fnv1a(buf[4], P_BUF);
		st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA, 4, 0x44440000u, SSVP(pasid[4]));
		err = r64(&c, TD_ERR_ADDR);
		printf("EXPECT F_TRANSLATION 0x%x 0x%x 0x%llx\n", sid, WR(pasid[4]), P_IOVA);
		result_if(!ret && (st & TD_ST_ERROR) && err == WR(P_IOVA) && h == fnv1a(buf[4], P_BUF),
			  "unmap", "IOMMU_IOAS_UNMAP of PASID 0x%x's IOAS: %s; its next WRITE: status 0x%x, err_addr 0x%llx, buffer %s",
			  pasid[4], ret ? strerror(-ret) : "ok", st, (unsigned long long)err,
			  h == fnv1a(buf[4], P_BUF) ? "untouched" : "WRITTEN");
	}

	/* The RID: its own HWPT, or blocked (S1DSS terminate). */
	memset(rbuf, 0xa5, P_BUF);
	st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA, 64, 0x0e1d0000u, 0);
	if (blocked) {
		printf("EXPECT F_STREAM_DISABLED 0x%x 0x%x -\n", sid, WR(0));
		result_if(!!(st & TD_ST_ERROR) == (p_break != 1) && buf_is(rbuf, 0, 0, 0, &bad), "rid-blocked",
			  "RID (SSV=0) WRITE at iova 0x%llx with the RID blocked: status 0x%x (want ERROR)",
			  P_IOVA, st);
	} else {
		result_if(st == TD_ST_DONE && buf_is(rbuf, 0, 64, WR(0x0e1d0000u), &bad), "rid-dma",
			  "RID (SSV=0) WRITE at iova 0x%llx lands in the RID HWPT's buffer: status 0x%x", P_IOVA, st);
	}

	/* Unmapped IOVA on one PASID: the fault names that PASID. */
	st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA_NONE, 4, 0xbad0beefu, SSVP(pasid[3]));
	err = r64(&c, TD_ERR_ADDR);
	printf("EXPECT F_TRANSLATION 0x%x 0x%x 0x%llx\n", sid, WR(pasid[3]), P_IOVA_NONE);
	result_if((st & TD_ST_ERROR) && err == WR(P_IOVA_NONE), "unmapped-fault",
		  "PASID 0x%x WRITE at unmapped iova 0x%llx: status 0x%x, err_addr 0x%llx", pasid[3],
		  P_IOVA_NONE, st, (unsigned long long)err);

	/* Detach one PASID: its next DMA fails at once. */
	ret = detach_pt(&c, true, pasid[5]);
	attached[5] = ret != 0;
	memset(buf[5], 0xa5, P_BUF);
	st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA, 64, 0xdead0000u, SSVP(pasid[5]));
	printf("EXPECT C_BAD_CD 0x%x 0x%x -\n", sid, WR(pasid[5]));
	result_if(!ret && !!(st & TD_ST_ERROR) == (p_break != 1) && buf_is(buf[5], 0, 0, 0, &bad), "detach",
		  "VFIO_DEVICE_DETACH_IOMMUFD_PT(PASID 0x%x): %s; its next WRITE: status 0x%x, buffer %s",
		  pasid[5], ret ? strerror(-ret) : "ok", st,
		  buf_is(buf[5], 0, 0, 0, &bad) ? "untouched" : "WRITTEN");
	st = td_cmd_p(&c, TD_CMD_WRITE, 0, P_IOVA, 64, 0x77770000u, SSVP(pasid[6]));
	result_if(st == TD_ST_DONE && *(uint32_t *)buf[6] == WR(0x77770000u), "detach-others",
		  "PASID 0x%x still writes after PASID 0x%x was detached: status 0x%x", pasid[6],
		  pasid[5], st);

	for (i = 0; i < NP; i++) {
		if (attached[i] && !detach_pt(&c, true, pasid[i]))
			attached[i] = false;
	}
	if (read_ste(ste, sizeof(ste)))
		result_if(ste_field(ste, "Config=") == WR(blocked ? 0 : 5), "ste-after",
			  "all PASIDs detached: %s (want Config=%d)", ste, blocked ? 0 : 5);

	/*
	 * A stage-2 RID and PASIDs: iommufd refuses a PASID attach next to a
	 * RID HWPT that is not PASID-compatible (a nesting parent cannot be:
	 * the driver refuses NEST_PARENT | PASID).
	 */
	if (!blocked) {
		int e1, e2 = 0, e3;
		uint32_t tmp;

		e1 = hwpt_alloc(&c, rid_ioas, IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, &tmp);
		ret = hwpt_alloc(&c, rid_ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &s2_hwpt);
		if (!ret)
			e2 = attach_pt(&c, s2_hwpt, false, 0);
		e3 = (!ret && !e2) ? attach_pt(&c, hwpt[0], true, pasid[0]) : 0;
		if (!e3 && !ret && !e2)
			detach_pt(&c, true, pasid[0]);
		result_if(e1 == WR(-EOPNOTSUPP) && !ret && !e2 && e3 == WR(-EINVAL), "s2-refused",
			  "HWPT NEST_PARENT|PASID: %s (want EOPNOTSUPP); RID on a NEST_PARENT (stage-2) HWPT: %s; then PASID 0x%x attach: %s (want EINVAL)",
			  e1 ? strerror(-e1) : "allocated", ret ? strerror(-ret) : e2 ? strerror(-e2) : "ok",
			  pasid[0], e3 ? strerror(-e3) : "accepted");
		if (read_ste(ste, sizeof(ste)))
			printf("  with the stage-2 RID: %s\n", ste);
		attach_pt(&c, rid_hwpt, false, 0);
	}
out:
	for (i = 0; i < NP; i++)
		if (attached[i])
			detach_pt(&c, true, pasid[i]);
	teardown(&c);
	for (i = 0; i < NP; i++)
		if (buf[i] && buf[i] != MAP_FAILED)
			munmap(buf[i], P_BUF);
	munmap(rbuf, P_BUF);
	return failures ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: smmu-iommufd hwinfo [--features 0xF] [--vhe 0|1] [--bdf B]\n"
		"       smmu-iommufd dma [--iova 0xA] [--bdf B]\n"
		"       smmu-iommufd pasid [--rid hwpt|blocked] [--ssidsize N] [--break wrong|nossv] [--bdf B]\n");
	exit(2);
}

/* ---- dirty ---- */

#define D_PAGES		64

/* IOMMU_HWPT_GET_DIRTY_BITMAP of the D_PAGES pages at iova into *bm. */
static int get_dirty(struct ctx *c, uint32_t hwpt, uint64_t iova, uint64_t *bm)
{
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get), .hwpt_id = hwpt, .iova = iova,
		.length = D_PAGES * 4096ull, .page_size = 4096,
		.data = (uintptr_t)bm,
	};

	*bm = 0;
	return ioctl(c->iommu_fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get) ? -errno : 0;
}

/* Each page of set gets a 4-byte WRITE from the device. */
static bool dirty_writes(struct ctx *c, uint64_t iova, uint64_t set)
{
	for (unsigned int p = 0; p < D_PAGES; p++) {
		uint32_t st = set >> p & 1 ?
			td_cmd(c, TD_CMD_WRITE, 0, iova + p * 4096ull + 8 * p, 4, p) : TD_ST_DONE;

		if (st != TD_ST_DONE) {
			result("dirty-write", "FAIL", "WRITE to page %u: status 0x%x", p, st);
			return false;
		}
	}
	return true;
}

static bool dirty_check(struct ctx *c, uint32_t hwpt, uint64_t iova, uint64_t want,
			const char *check, const char *what)
{
	uint64_t bm;
	int ret = get_dirty(c, hwpt, iova, &bm);

	if (ret) {
		result(check, "FAIL", "IOMMU_HWPT_GET_DIRTY_BITMAP: %s", strerror(-ret));
		return false;
	}
	return result_if(bm == WR(want), check, "%s: bitmap 0x%016llx, want 0x%016llx", what,
			 (unsigned long long)bm, (unsigned long long)want);
}

static int cmd_dirty(uint64_t iova)
{
	const uint64_t set = 1ull << 1 | 1ull << 5 | 1ull << 6 | 1ull << 33 | 1ull << 63;
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_hwpt_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_hwpt_set_dirty_tracking track = { .size = sizeof(track) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	size_t size = D_PAGES * 4096;
	uint8_t *buf;
	struct ctx c;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		result("dirty", "FAIL", "cannot allocate %zu bytes", size);
		return 1;
	}
	memset(buf, 0x5a, size);
	if (setup_noattach(&c) || map_bar0(&c))
		goto out;
	if (ioctl(c.iommu_fd, IOMMU_IOAS_ALLOC, &ioas)) {
		result("dirty-hwpt", "FAIL", "IOMMU_IOAS_ALLOC: %s", strerror(errno));
		goto out;
	}
	alloc.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	alloc.dev_id = c.dev_id;
	alloc.pt_id = ioas.out_ioas_id;
	if (ioctl(c.iommu_fd, IOMMU_HWPT_ALLOC, &alloc)) {
		result("dirty-hwpt", "FAIL", "IOMMU_HWPT_ALLOC(DIRTY_TRACKING): %s (HTTU HD?)",
		       strerror(errno));
		goto out;
	}
	attach.pt_id = alloc.out_hwpt_id;
	if (ioctl(c.dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach)) {
		result("dirty-hwpt", "FAIL", "attach to hwpt %u: %s", alloc.out_hwpt_id,
		       strerror(errno));
		goto out;
	}
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = size;
	map.iova = iova;
	if (ioctl(c.iommu_fd, IOMMU_IOAS_MAP, &map)) {
		result("dirty-hwpt", "FAIL", "IOMMU_IOAS_MAP: %s", strerror(errno));
		goto out;
	}
	track.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	track.hwpt_id = alloc.out_hwpt_id;
	if (ioctl(c.iommu_fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &track)) {
		result("dirty-hwpt", "FAIL", "IOMMU_HWPT_SET_DIRTY_TRACKING: %s", strerror(errno));
		goto out;
	}
	result("dirty-hwpt", "PASS", "hwpt %u (DIRTY_TRACKING) on IOAS %u, %u pages at iova 0x%llx, tracking on",
	       alloc.out_hwpt_id, ioas.out_ioas_id, D_PAGES, (unsigned long long)iova);

	/* Nothing written yet: nothing dirty (the first read also clears). */
	if (!dirty_check(&c, alloc.out_hwpt_id, iova, 0, "dirty-clean", "before any DMA"))
		goto out;
	if (td_cmd(&c, TD_CMD_READ, iova, 0, size, 0) != TD_ST_DONE ||
	    !dirty_check(&c, alloc.out_hwpt_id, iova, 0, "dirty-read", "after the device read every page"))
		goto out;
	if (!dirty_writes(&c, iova, set) ||
	    !dirty_check(&c, alloc.out_hwpt_id, iova, set, "dirty-bitmap",
			 "the device wrote pages 1, 5, 6, 33, 63"))
		goto out;
	if (!dirty_check(&c, alloc.out_hwpt_id, iova, 0, "dirty-cleared", "the read cleared them"))
		goto out;
	if (dirty_writes(&c, iova, 1ull << 10))
		dirty_check(&c, alloc.out_hwpt_id, iova, 1ull << 10, "dirty-again",
			    "one more write, to page 10");
	track.flags = 0;
	ioctl(c.iommu_fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &track);
out:
	teardown(&c);
	munmap(buf, size);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "features", required_argument, NULL, 'f' },
		{ "vhe", required_argument, NULL, 'v' },
		{ "iova", required_argument, NULL, 'i' },
		{ "rid", required_argument, NULL, 'r' },
		{ "ssidsize", required_argument, NULL, 's' },
		{ "break", required_argument, NULL, 'B' },
		{ }
	};
	long long features = -1;
	uint64_t iova = 0x10000000;
	int vhe = -1, o, ssidsize = -1;
	const char *rid = "hwpt";
	const char *cmd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			snprintf(bdf, sizeof(bdf), "%s", optarg);
			break;
		case 'f':
			features = strtoll(optarg, NULL, 0);
			break;
		case 'v':
			vhe = atoi(optarg);
			break;
		case 'i':
			iova = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			rid = optarg;
			break;
		case 's':
			ssidsize = atoi(optarg);
			break;
		case 'B':
			p_break = !strcmp(optarg, "wrong") ? 1 : !strcmp(optarg, "nossv") ? 2 : 0;
			break;
		default:
			usage();
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!bdf[0] && !find_testdev()) {
		result("testdev", "FAIL", "no PCI device %04x:%04x", TD_VENDOR, TD_DEVICE);
		return 1;
	}
	if (!strcmp(cmd, "hwinfo"))
		return cmd_hwinfo(features, vhe);
	if (!strcmp(cmd, "dma"))
		return cmd_dma(iova);
	if (!strcmp(cmd, "pasid"))
		return cmd_pasid(rid, ssidsize);
	if (!strcmp(cmd, "dirty"))
		return cmd_dirty(iova);
	usage();
	return 2;
}
