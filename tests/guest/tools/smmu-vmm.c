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

#include "td-iommufd.h"

#include <poll.h>
#include <time.h>

#define G_IPA		0x80000000ull	/* guest RAM: IPA of its first byte */
#define G_SIZE		(4u << 20)
#define G_CD		0x000000u	/* CD table of the nested step (1 CD) */
#define G_CD8		0x001000u	/* CD table of the pasid step (8 CDs) */
#define G_PT		0x010000u	/* page-table pages, handed out upwards */
#define G_PT_END	0x100000u
#define G_DATA		0x100000u	/* data pages: G_DATA + n * 4 KiB */
#define PG		4096u
#define DPAGE(n)	(G_DATA + (n) * PG)
#define IPA(off)	(G_IPA + (off))
#define IPA_NONE	(G_IPA + 0x4000000ull)	/* mapped by no IOAS: stage-2 fault */

#define VSID		0x42u		/* the device's virtual StreamID */
#define S1_VA		0x7f1234000000ull	/* stage-1 IOVAs (48-bit VA) */
#define S1_VA_NONE	0x7f1235000000ull	/* mapped by no stage-1 table */

#define BIT64(n)	(1ull << (n))
#define GENMASK64(h, l)	((~0ull >> (63 - (h))) & ~((1ull << (l)) - 1))

/* Stage-1 descriptors as Linux's io-pgtable-arm writes them (4K granule). */
#define PTE_TABLE	3ull
#define PTE_PAGE	(3ull | BIT64(10) /* AF */ | (3ull << 8) /* SH IS */ | \
			 BIT64(6) /* AP[1] unpriv */ | BIT64(11) /* nG */ | (1ull << 2) /* AttrIndx 1 */)
#define PTE_RDONLY	BIT64(7)	/* AP[2] */
#define PTE_OA		GENMASK64(47, 12)
#define MAIR_LINUX	0xf404ff44ull

/* STE, CD, command and event fields (arm-smmu-v3.h, SMMUv3 5.2, 5.4, 4, 7). */
#define STE0_V		BIT64(0)
#define STE0_CFG(c)	((uint64_t)(c) << 1)
#define STE_CFG_ABORT	0
#define STE_CFG_BYPASS	4
#define STE_CFG_S1	5
#define STE0_CTXPTR	GENMASK64(51, 6)
#define STE0_CDMAX(n)	((uint64_t)(n) << 59)
#define STE1_S1C	((1ull << 2) | (1ull << 4) | (3ull << 6))	/* S1CIR/S1COR WBRA, S1CSH IS */
#define STE1_MEV	BIT64(19)
#define DSS_TERMINATE	0
#define DSS_BYPASS	1
#define DSS_SSID0	2

#define CMD_CFGI_STE	0x03
#define CMD_CFGI_CD	0x05
#define CMD_TLBI_NH_ASID 0x11
#define CMD_TLBI_NH_VA	0x12
#define CMD_TLBI_NH_VAA	0x13
#define CMD_TLBI_NSNH_ALL 0x30
#define CMD_CFGI_CD_ALL	0x06
#define CMD_ATC_INV	0x40

#define EVT_BAD_STREAMID	0x02
#define EVT_STREAM_DISABLED	0x06
#define EVT_BAD_SUBSTREAMID	0x08
#define EVT_BAD_CD		0x0a
#define EVT_TRANSLATION		0x10
#define EVT_PERMISSION		0x13

static int p_noinval;		/* --break noinval */
static int p_noveventq;		/* --break noveventq */
static int p_cmdqv;		/* --cmdqv: the vIOMMU is a Tegra241 CMDQV VINTF */

struct vm {
	struct ctx c;
	uint8_t *ram;			/* guest RAM, the CPU's view */
	uint8_t *shadow;		/* what guest RAM must hold after a DMA */
	uint32_t ioas, s2, viommu, vdev, veventq, nested;
	int veventq_fd;
	uint32_t psid;			/* the physical StreamID */
	uint32_t idr0;			/* IDR0 from IOMMU_GET_HW_INFO */
	uint32_t pt_next;		/* next free page-table page */
	uint32_t ev_seq;		/* next vEVENT sequence number */
	/* --cmdqv: the VINTF page, its hardware queues, their vEVENTQ */
	volatile uint32_t *vintf;
	uint64_t vintf_off, vintf_len;
	uint32_t hwq[2], hwq_prod[2];
	uint32_t cveventq;
	int cveventq_fd;
};

static inline void *gva(struct vm *v, uint64_t ipa)
{
	return v->ram + (ipa - G_IPA);
}

static inline void wmb_dev(void)
{
	/* Tables in guest RAM are complete before the device is started. */
	__asm__ volatile("dsb sy" ::: "memory");
}

/* ---- stage-1 tables and CDs, in guest RAM, at IPAs ---- */

static uint64_t pt_page(struct vm *v)
{
	uint64_t ipa = IPA(v->pt_next);

	if (v->pt_next >= G_PT_END) {
		fprintf(stderr, "smmu-vmm: out of page-table pages\n");
		exit(1);
	}
	memset(gva(v, ipa), 0, PG);
	v->pt_next += PG;
	return ipa;
}

/* The level-<level> descriptor of va under the L0 table root (IPA), tables made as needed. */
static uint64_t *pt_entry(struct vm *v, uint64_t root, uint64_t va, int level)
{
	uint64_t table = root;
	int l;

	for (l = 0; ; l++) {
		uint64_t *e = (uint64_t *)gva(v, table) + ((va >> (39 - 9 * l)) & 511);

		if (l == level)
			return e;
		if ((*e & 3) != PTE_TABLE)
			*e = pt_page(v) | PTE_TABLE;
		table = *e & PTE_OA;
	}
}

static void pt_map(struct vm *v, uint64_t root, uint64_t va, uint64_t ipa, uint64_t extra)
{
	*pt_entry(v, root, va, 3) = (ipa & PTE_OA) | PTE_PAGE | extra;
}

/* CD at cd_ipa as Linux's arm_smmu_make_s1_cd() writes it; V=0 if !valid. */
static void cd_write(struct vm *v, uint64_t cd_ipa, uint64_t ttb, uint16_t asid, bool valid)
{
	uint64_t *cd = gva(v, cd_ipa);

	cd[0] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cd[1] = ttb & GENMASK64(51, 4);
	cd[2] = 0;
	cd[3] = MAIR_LINUX;
	cd[4] = cd[5] = cd[6] = cd[7] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (valid)
		cd[0] = 16 /* T0SZ: 48-bit VA */ | 0ull << 6 /* TG0 4K */ |
			1ull << 8 /* IRGN0 WBWA */ | 1ull << 10 /* ORGN0 WBWA */ |
			3ull << 12 /* SH0 IS */ | BIT64(30) /* EPD1 */ | BIT64(31) /* V */ |
			5ull << 32 /* IPS 48 bits */ | BIT64(41) /* AA64 */ | BIT64(45) /* R */ |
			BIT64(46) /* A */ | BIT64(47) /* ASET */ | (uint64_t)asid << 48;
}

static void vste_make(uint64_t ste[2], unsigned int cfg, uint64_t cd_ipa, unsigned int cdmax,
		      unsigned int dss)
{
	ste[0] = STE0_V | STE0_CFG(cfg);
	ste[1] = 0;
	if (cfg == STE_CFG_S1) {
		ste[0] |= (cd_ipa & STE0_CTXPTR) | STE0_CDMAX(cdmax);
		ste[1] = STE1_S1C | dss;
	}
}

/* ---- guest RAM shadow: where a DMA must land, and nowhere else ---- */

static void expect_begin(struct vm *v)
{
	memcpy(v->shadow, v->ram, G_SIZE);
}

/* Bytes pos.. of a WRITE of pattern words land at guest RAM offset off. */
static void expect_write(struct vm *v, uint32_t off, uint32_t pos, uint32_t len, uint32_t pattern)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		v->shadow[off + i] = (pattern + (pos + i) / 4) >> (8 * ((pos + i) % 4));
}

/* Guest RAM equals the shadow; else *where describes the first difference. */
static bool ram_ok(struct vm *v, char *where, size_t len)
{
	size_t i;

	for (i = 0; i < G_SIZE; i++) {
		if (v->ram[i] != v->shadow[i]) {
			snprintf(where, len, "guest RAM byte 0x%zx (IPA 0x%llx) is 0x%02x, want 0x%02x",
				 i, (unsigned long long)IPA(i), v->ram[i], v->shadow[i]);
			return false;
		}
	}
	snprintf(where, len, "guest RAM as expected");
	return true;
}

/* A DMA command; pasid < 0: without a PASID (SSV=0). */
static uint32_t dma(struct vm *v, uint32_t cmd, uint64_t src, uint64_t dst, uint32_t len,
		    uint32_t pattern, int pasid)
{
	wmb_dev();
	return td_cmd_p(&v->c, cmd, src, dst, len, pattern,
			pasid < 0 ? 0 : (1u << 31) | (uint32_t)pasid);
}

/*
 * WRITE len bytes at iova; the caller has said with expect_write() where
 * they land.  PASS if the device reports DONE and guest RAM is the shadow.
 */
static bool check_write(struct vm *v, const char *check, uint64_t iova, uint32_t len,
			uint32_t pattern, int pasid, const char *what)
{
	char where[160];
	uint32_t st = dma(v, TD_CMD_WRITE, 0, iova, len, pattern, pasid);
	bool ok = st == TD_ST_DONE && ram_ok(v, where, sizeof(where));

	if (st != TD_ST_DONE)
		snprintf(where, sizeof(where), "err_addr 0x%llx",
			 (unsigned long long)r64(&v->c, TD_ERR_ADDR));
	return result_if(ok, check, "%s: WRITE %u bytes at 0x%llx%s%.0d: status 0x%x, %s", what, len,
			 (unsigned long long)iova, pasid < 0 ? "" : " PASID ", pasid < 0 ? 0 : pasid,
			 st, where);
}

/* A WRITE that must be refused: STATUS.ERROR, ERR_ADDR = iova, guest RAM untouched. */
static bool check_refused(struct vm *v, const char *check, uint64_t iova, int pasid,
			  const char *what)
{
	char where[160];
	uint32_t st;
	uint64_t err;
	bool ok;

	expect_begin(v);
	st = dma(v, TD_CMD_WRITE, 0, iova, 64, 0xbad00000u, pasid);
	err = r64(&v->c, TD_ERR_ADDR);
	ok = ram_ok(v, where, sizeof(where));
	ok = result_if(ok && (st & TD_ST_ERROR) && err == WR(iova), check,
		       "%s: WRITE at 0x%llx%s%.0d: status 0x%x (want ERROR), err_addr 0x%llx, %s", what,
		       (unsigned long long)iova, pasid < 0 ? "" : " PASID ", pasid < 0 ? 0 : pasid, st,
		       (unsigned long long)err, where);
	return ok;
}

/* ---- iommufd objects ---- */

static int viommu_alloc(struct vm *v)
{
	struct iommu_viommu_alloc a = { .size = sizeof(a) };
	struct iommu_viommu_tegra241_cmdqv data = { };

	a.type = p_cmdqv ? IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV : IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	a.dev_id = v->c.dev_id;
	a.hwpt_id = v->s2;
	if (p_cmdqv) {
		a.data_len = sizeof(data);
		a.data_uptr = (uintptr_t)&data;
	}
	if (ioctl(v->c.iommu_fd, IOMMU_VIOMMU_ALLOC, &a))
		return -errno;
	v->viommu = a.out_viommu_id;
	v->vintf_off = data.out_vintf_mmap_offset;
	v->vintf_len = data.out_vintf_mmap_length;
	return 0;
}

static int vdevice_alloc(struct vm *v, uint64_t vsid)
{
	struct iommu_vdevice_alloc a = { .size = sizeof(a) };

	a.viommu_id = v->viommu;
	a.dev_id = v->c.dev_id;
	a.virt_id = vsid;
	if (ioctl(v->c.iommu_fd, IOMMU_VDEVICE_ALLOC, &a))
		return -errno;
	v->vdev = a.out_vdevice_id;
	return 0;
}

static int veventq_alloc(struct vm *v)
{
	struct iommu_veventq_alloc a = { .size = sizeof(a) };

	a.viommu_id = v->viommu;
	a.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	a.veventq_depth = 64;
	if (ioctl(v->c.iommu_fd, IOMMU_VEVENTQ_ALLOC, &a))
		return -errno;
	v->veventq = a.out_veventq_id;
	v->veventq_fd = a.out_veventq_fd;
	return 0;
}

/* A nested HWPT on the vIOMMU from the vSTE; 0 or -errno. */
static int nested_alloc(struct vm *v, const uint64_t ste[2], uint32_t *out)
{
	struct iommu_hwpt_arm_smmuv3 data = { .ste = { ste[0], ste[1] } };
	struct iommu_hwpt_alloc a = { .size = sizeof(a) };

	a.dev_id = v->c.dev_id;
	a.pt_id = v->viommu;
	a.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	a.data_len = sizeof(data);
	a.data_uptr = (uintptr_t)&data;
	if (ioctl(v->c.iommu_fd, IOMMU_HWPT_ALLOC, &a))
		return -errno;
	*out = a.out_hwpt_id;
	return 0;
}

/* A nested HWPT from the vSTE, attached to the RID (replacing what it had). */
static int nested_attach(struct vm *v, const uint64_t ste[2])
{
	uint32_t id;
	int ret = nested_alloc(v, ste, &id);

	if (!ret)
		ret = attach_pt(&v->c, id, false, 0);
	if (!ret)
		v->nested = id;
	return ret;
}

/*
 * IOMMU_HWPT_INVALIDATE on the vIOMMU with n commands; *done = the number
 * the kernel processed.  --break noinval: nothing is sent.
 */
static int inval(struct vm *v, uint64_t (*cmd)[2], uint32_t n, uint32_t *done)
{
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv) };
	uint32_t dummy;

	if (!done)
		done = &dummy;
	*done = 0;
	if (p_noinval)
		return 0;
	inv.hwpt_id = v->viommu;
	inv.data_uptr = (uintptr_t)cmd;
	inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	inv.entry_len = sizeof(struct iommu_viommu_arm_smmuv3_invalidate);
	inv.entry_num = n;
	if (ioctl(v->c.iommu_fd, IOMMU_HWPT_INVALIDATE, &inv)) {
		*done = inv.entry_num;
		return -errno;
	}
	*done = inv.entry_num;
	return 0;
}

static void cmd_tlbi_va(uint64_t c[2], uint16_t asid, uint64_t va)
{
	c[0] = CMD_TLBI_NH_VA | (uint64_t)asid << 48;
	c[1] = (va & GENMASK64(63, 12)) | 1 /* Leaf */;
}

static void cmd_tlbi_asid(uint64_t c[2], uint16_t asid)
{
	c[0] = CMD_TLBI_NH_ASID | (uint64_t)asid << 48;
	c[1] = 0;
}

static void cmd_cfgi_cd(uint64_t c[2], uint32_t vsid, uint32_t ssid)
{
	c[0] = CMD_CFGI_CD | (uint64_t)ssid << 12 | (uint64_t)vsid << 32;
	c[1] = 1;	/* Leaf */
}

/* ---- the vEVENTQ ---- */

struct vevent {
	uint64_t e[4];
};

/*
 * Read the vEVENTQ: wait up to wait_ms for the first vEVENT, then for
 * 200 ms more after each; at most max into ev.  Returns the number read;
 * *lost counts the lost-events headers and sequence gaps.
 */
static int vevents(struct vm *v, struct vevent *ev, int max, int wait_ms, int *lost)
{
	uint8_t buf[4096];
	int n = 0, t = wait_ms;

	*lost = 0;
	for (;;) {
		struct pollfd p = { .fd = v->veventq_fd, .events = POLLIN };
		ssize_t len, off = 0;

		if (poll(&p, 1, t) <= 0)
			break;
		len = read(v->veventq_fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		while (off + (ssize_t)sizeof(struct iommufd_vevent_header) <= len) {
			struct iommufd_vevent_header h;

			memcpy(&h, buf + off, sizeof(h));
			off += sizeof(h);
			if (h.sequence != v->ev_seq)
				(*lost)++;
			v->ev_seq = h.sequence + 1;
			if (h.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
				(*lost)++;
				continue;
			}
			if (off + (ssize_t)sizeof(struct iommu_vevent_arm_smmuv3) > len)
				break;
			if (n < max)
				memcpy(&ev[n], buf + off, sizeof(ev[n]));
			n++;
			off += sizeof(struct iommu_vevent_arm_smmuv3);
		}
		t = 200;
	}
	return n;
}

static void vevents_drain(struct vm *v)
{
	struct vevent ev[8];
	int lost, n = vevents(v, ev, 8, 0, &lost);

	if (n)
		printf("  (%d earlier vEVENT(s) drained, first 0x%016llx)\n", n,
		       (unsigned long long)ev[0].e[0]);
}

/*
 * The vEVENTs of the DMA just made: at least one, every one with ID id,
 * the virtual StreamID, SSV/SSID as ssid (< 0: SSV=0), stage 1 (S2=0) and,
 * for a translation-class event, InputAddr = addr.  C_BAD_SUBSTREAMID has
 * no SSV bit (bit 11 RES0, SubstreamID always valid: SMMUv3 7.3.9).
 */
static bool check_vevent(struct vm *v, const char *check, unsigned int id, int ssid,
			 uint64_t addr, bool has_addr)
{
	struct vevent ev[16];
	int lost, n = vevents(v, ev, 16, 2000, &lost), i, bad = -1;

	for (i = 0; i < n && i < 16; i++) {
		uint64_t e0 = ev[i].e[0], e1 = ev[i].e[1];
		bool no_ssv = id == EVT_BAD_SUBSTREAMID;
		bool ssv = no_ssv ? ssid >= 0 : !!(e0 & BIT64(11));

		if ((e0 & 0xff) != WR(id) || (e0 >> 32) != VSID || ssv != (ssid >= 0) ||
		    (no_ssv && (e0 & BIT64(11))) ||
		    (ssv && ((e0 >> 12) & 0xfffff) != (uint64_t)ssid) || (e1 & BIT64(39)) ||
		    (has_addr && ev[i].e[2] != addr)) {
			bad = i;
			break;
		}
	}
	if (n)
		printf("  vEVENT %016llx %016llx %016llx %016llx%s\n",
		       (unsigned long long)ev[0].e[0], (unsigned long long)ev[0].e[1],
		       (unsigned long long)ev[0].e[2], (unsigned long long)ev[0].e[3],
		       n > 1 ? " (first of several)" : "");
	if (!n)
		return result_if(false, check, "no vEVENT within 2 s (want ID 0x%02x, SID 0x%x)", id, VSID);
	if (bad >= 0)
		return result_if(false, check,
				 "vEVENT %d of %d: 0x%016llx 0x%016llx 0x%016llx: want ID 0x%02x SID 0x%x (virtual, the physical one is 0x%x) %s%.0d S2=0%s",
				 bad, n, (unsigned long long)ev[bad].e[0], (unsigned long long)ev[bad].e[1],
				 (unsigned long long)ev[bad].e[2], WR(id), VSID, v->psid,
				 ssid < 0 ? "SSV=0" : "SSID ", ssid < 0 ? 0 : ssid,
				 has_addr ? " and the IOVA" : "");
	return result_if(true, check,
			 "%d vEVENT(s) ID 0x%02x with the virtual StreamID 0x%x (physical 0x%x), %s%.0d, S2=0%s%s",
			 n, id, VSID, v->psid, ssid < 0 ? "SSV=0" : "SSID ", ssid < 0 ? 0 : ssid,
			 has_addr ? ", InputAddr = the IOVA" : "", lost ? " (some lost)" : "");
}

/* No vEVENT within wait_ms. */
static bool check_no_vevent(struct vm *v, const char *check, int wait_ms, const char *what)
{
	struct vevent ev[4];
	int lost, n = vevents(v, ev, 4, wait_ms, &lost);

	if (n)
		printf("  unexpected vEVENT %016llx %016llx %016llx %016llx\n",
		       (unsigned long long)ev[0].e[0], (unsigned long long)ev[0].e[1],
		       (unsigned long long)ev[0].e[2], (unsigned long long)ev[0].e[3]);
	return result_if(n == WR(0) && !lost, check, "%s: %d vEVENT(s) in %d ms (want none)", what,
			 n, wait_ms);
}

/* ---- the debugfs view of the SMMU: ID registers and the physical STE ---- */

struct smmu_view {
	uint32_t idr[6], iidr, aidr, sid;
	uint64_t ste[8];
};

static bool smmu_view(struct smmu_view *s)
{
	FILE *f = fopen("/sys/kernel/debug/smmuv3_aux_smmu", "r");
	char line[1024], name[64];
	bool ok = false;

	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		unsigned long long q[8];

		if (sscanf(line, "%63s idr %x %x %x %x %x %x iidr %x aidr %x sid %x ste %llx %llx %llx %llx %llx %llx %llx %llx",
			   name, &s->idr[0], &s->idr[1], &s->idr[2], &s->idr[3], &s->idr[4],
			   &s->idr[5], &s->iidr, &s->aidr, &s->sid, &q[0], &q[1], &q[2], &q[3],
			   &q[4], &q[5], &q[6], &q[7]) == 18 && !strcmp(name, bdf)) {
			for (int i = 0; i < 8; i++)
				s->ste[i] = q[i];
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

/*
 * The physical STE: Config cfg; for Config=7 also S1ContextPtr = cd_ipa,
 * S1CDMax, S1DSS and MEV=1; for 6 and 7 the parent's S2 (S2TTB, VMID).
 */
static bool check_ste(struct vm *v, const char *check, unsigned int cfg, uint64_t cd_ipa,
		      unsigned int cdmax, unsigned int dss)
{
	struct smmu_view s;
	uint64_t q0, q1;
	unsigned int got;
	bool ok;

	if (!smmu_view(&s))
		return result_if(false, check, "no %s line in /sys/kernel/debug/smmuv3_aux_smmu (test module not loaded?)", bdf);
	q0 = s.ste[0];
	q1 = s.ste[1];
	got = (q0 >> 1) & 7;
	ok = (q0 & STE0_V) && got == WR(cfg);
	if (cfg == 7)
		ok = ok && (q0 & STE0_CTXPTR) == cd_ipa && (q0 >> 59) == cdmax && (q1 & 3) == dss &&
		     (q1 & STE1_MEV);
	if (cfg >= 6)
		ok = ok && (s.ste[3] & GENMASK64(51, 4)) && (s.ste[2] & 0xffff);
	printf("  physical STE of sid 0x%x: %016llx %016llx %016llx %016llx\n", s.sid,
	       (unsigned long long)q0, (unsigned long long)q1, (unsigned long long)s.ste[2],
	       (unsigned long long)s.ste[3]);
	return result_if(ok, check,
			 "physical STE V=%llu Config=%u S1ContextPtr=0x%llx S1CDMax=%llu S1DSS=%llu MEV=%llu S2VMID=%llu S2TTB=0x%llx (want Config=%u%s)",
			 (unsigned long long)(q0 & 1), got, (unsigned long long)(q0 & STE0_CTXPTR),
			 (unsigned long long)(q0 >> 59), (unsigned long long)(q1 & 3),
			 (unsigned long long)!!(q1 & STE1_MEV), (unsigned long long)(s.ste[2] & 0xffff),
			 (unsigned long long)(s.ste[3] & GENMASK64(51, 4)), WR(cfg),
			 cfg == 7 ? ", the vSTE's S1 fields over the parent's S2, MEV=1" :
			 cfg == 6 ? ", the parent's S2 alone" : "");
}

/* ---- the steps ---- */

static bool step_hwinfo(struct vm *v)
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

static bool step_s2(struct vm *v)
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
static const unsigned int map1[4] = { 7, 2, 5, 0 };

static bool step_nested(struct vm *v, uint64_t *root1)
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
static void warm(struct vm *v, uint64_t iova, uint32_t len)
{
	dma(v, TD_CMD_READ, iova, 0, len, 0, -1);
}

static void step_inval(struct vm *v, uint64_t root1)
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

static void step_pasid(struct vm *v)
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

static void step_fault(struct vm *v)
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

static int obj_destroy(struct vm *v, uint32_t id)
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
static void step_hwinfo_cmdqv(struct vm *v)
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

static void step_hwqueue(struct vm *v, uint64_t root1)
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
