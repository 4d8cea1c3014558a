// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-vmm: a VMM-like program in the project guest.  It plays the part of
 * QEMU's accelerated vSMMU (or cloud-hypervisor's, crosvm's) against the
 * emulated SMMU: the guest kernel is the host, the smmuv3-aux test device
 * (PCI 1b36:00f5) is the assigned device, a buffer of this program is the
 * "guest RAM", and the program writes the CD tables and stage-1 page
 * tables that a guest's arm-smmu-v3 driver would write there.  Every step
 * is checked by DMA from the device, driven through its mmapped BAR.
 *
 *   smmu-vmm [--cmdqv] [--break wrong|noinval|noveventq] [--bdf B]
 *
 * Steps (one RESULT line per check, named <step>/<check>):
 *   hwinfo  IOMMU_GET_HW_INFO (type ARM_SMMUV3): IDR0..5, IIDR, AIDR equal
 *           the SMMU's registers as the device advertises them (the test
 *           module's /sys/kernel/debug/smmuv3_aux_smmu reads its MMIO), and
 *           the ID bits the driver's nesting gates need.
 *   s2      guest RAM (G_SIZE bytes) mapped by an IOAS at IPA G_IPA, a
 *           NEST_PARENT (stage-2) HWPT; the RID on it alone: DMA at an IPA.
 *   nested  IOMMU_VIOMMU_ALLOC (ARM_SMMUV3) on the stage-2 HWPT,
 *           IOMMU_VDEVICE_ALLOC (virtual StreamID VSID), IOMMU_VEVENTQ_ALLOC,
 *           a nested HWPT from a vSTE whose S1ContextPtr is the IPA of a CD
 *           table in guest RAM, CD0 Linux-like (4K granule, 48-bit VA,
 *           ASID 1, TTB0 = the IPA of its own 4-level tables there); the
 *           physical STE the driver builds (Config=7 over the parent's S2,
 *           MEV); DMA at stage-1 IOVAs lands at the IPA pages the tables
 *           name, byte for byte, nothing else in guest RAM changes.
 *   inval   a leaf PTE changed: DMA still sees the old page (IOTLB); then
 *           TLBI_NH_VA, and the new one; more PTEs, each with TLBI_NH_ASID,
 *           TLBI_NH_VAA, a range TLBI_NH_VA, TLBI_NSNH_ALL; CD0 rewritten
 *           (new ASID and tables) with CFGI_CD, then CFGI_CD_ALL: each
 *           through IOMMU_HWPT_INVALIDATE on the vIOMMU, and DMA follows;
 *           commands and fields outside the uAPI's list are refused; the
 *           cost of an invalidation is printed.
 *   pasid   a vSTE with S1CDMax=3 (8 CDs): a page table for the RID (CD0,
 *           S1DSS=SSID0), one for one PASID each (CD1..3, own ASIDs), one
 *           for all PASIDs (CD4..7 share ASID and tables; one TLBI_NH_ASID
 *           moves them all); S1DSS=terminate and S1DSS=bypass for the RID;
 *           an SSID above S1CDMax and an invalid CD (CFGI_CD with SSID).
 *   fault   a stage-1 fault arrives in the vEVENTQ with the virtual
 *           StreamID, a permission fault too; a stage-2 fault (the S1
 *           output IPA is not in the IOAS) goes to the host kernel's log
 *           and not to the vEVENTQ (printed as "EXPECT <event> <sid>
 *           <ssid> <iova> <ipa>" for project-init.sh, like smmu-iommufd's
 *           pasid); vSTE abort (and V=0) aborts silently, vSTE bypass is
 *           the stage-2 translation alone.
 *
 *   teardown  the whole graph (IOAS, NEST_PARENT HWPT, vIOMMU, vDEVICE,
 *           vEVENTQ and its fd, nested HWPT, the device attached) undone
 *           in six orders, every try refused with EBUSY exactly while
 *           something still holds the piece; the iommufd closed first
 *           with everything live, and the device's fd closed first; after
 *           each the STE is an abort STE again, and the next graph, over
 *           another buffer at the same IPAs with the same VMID and ASID,
 *           reads that buffer's bytes: nothing of the old one stayed in
 *           the SMMU's caches (teardown.c).
 *
 *   cmdqv   (--cmdqv, on a CMDQV: hwinfo, s2 and nested, then this step
 *           instead of inval/pasid/fault) the vIOMMU is of type
 *           TEGRA241_CMDQV: IOMMU_GET_HW_INFO(TEGRA241_CMDQV), the VINTF
 *           page mmapped, IOMMU_HW_QUEUE_ALLOC of logical queues 0 and 1
 *           (1 first is refused), a TEGRA241_CMDQV vEVENTQ; the program
 *           enables its queues through the page and writes TLBI_NH_VA
 *           (VMID 0: the VINTF's is applied), ATC_INV of the virtual
 *           StreamID and CMD_SYNC into the ring and polls CONS; DMA follows;
 *           CFGI_STE stops the queue with CERROR_ILL and a vEVENT with its
 *           LVCMDQ_ERR_MAP, and after a CMD_SYNC over it and GERRORN the
 *           queue runs again; the cost of a user TLBI + CMD_SYNC through
 *           the HW queue and through IOMMU_HWPT_INVALIDATE is printed;
 *           queue 0 cannot be destroyed before queue 1.
 *
 * --break wrong: every expected value wrong by one, so that every check
 * fails; --break noinval: IOMMU_HWPT_INVALIDATE is not called (the
 * invalidation checks must fail: the SMMU caches); --break noveventq: no
 * vEVENTQ is allocated (the vEVENT checks fail, and the kernel logs the
 * stage-1 events itself, which project-init.sh must see as unexpected).
 *
 * Output: "RESULT <check> PASS|FAIL|SKIP <detail>" and informational lines
 * starting with "  ".  Exit status 0 if no FAIL.
 */

#include "vmm.h"

int p_noinval;
int p_noveventq;
int p_cmdqv;

static int run(void)
{
	struct vm v = { .veventq_fd = -1, .cveventq_fd = -1 };
	uint64_t root1;

	v.ram = mmap(NULL, G_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	v.shadow = malloc(G_SIZE);
	if (v.ram == MAP_FAILED || !v.shadow) {
		result("guest-ram", "FAIL", "cannot allocate %u bytes", G_SIZE);
		return 1;
	}
	memset(v.ram, 0xa5, G_SIZE);
	memset(v.ram, 0, G_DATA);
	v.pt_next = G_PT;
	v.psid = bdf_sid();
	if (setup_noattach(&v.c) || map_bar0(&v.c))
		goto out;
	if (!step_hwinfo(&v) && p_break != 1)
		printf("  (going on: the steps below show what the kernel refuses)\n");
	if (p_cmdqv)
		step_hwinfo_cmdqv(&v);
	if (!step_s2(&v))
		goto out;
	if (!step_nested(&v, &root1))
		goto out;
	if (p_cmdqv) {
		step_hwqueue(&v, root1);
		goto out;
	}
	step_inval(&v, root1);
	step_pasid(&v);
	step_fault(&v);
	step_teardown(&v);
out:
	if (v.vintf)
		munmap((void *)v.vintf, v.vintf_len);
	if (v.cveventq_fd >= 0)
		close(v.cveventq_fd);
	if (v.veventq_fd >= 0)
		close(v.veventq_fd);
	teardown(&v.c);
	munmap(v.ram, G_SIZE);
	free(v.shadow);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bdf", required_argument, NULL, 'b' },
		{ "break", required_argument, NULL, 'B' },
		{ "cmdqv", no_argument, NULL, 'c' },
		{ }
	};
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			snprintf(bdf, sizeof(bdf), "%s", optarg);
			break;
		case 'c':
			p_cmdqv = 1;
			break;
		case 'B':
			p_break = !strcmp(optarg, "wrong");
			p_noinval = !strcmp(optarg, "noinval");
			p_noveventq = !strcmp(optarg, "noveventq");
			break;
		default:
			fprintf(stderr, "usage: smmu-vmm [--cmdqv] [--break wrong|noinval|noveventq] [--bdf B]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!bdf[0] && !find_testdev()) {
		result("testdev", "FAIL", "no PCI device %04x:%04x", TD_VENDOR, TD_DEVICE);
		return 1;
	}
	return run();
}
