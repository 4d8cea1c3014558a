// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-vmm's shared declarations: the guest RAM layout, the architected
 * fields it writes, struct vm, and the helpers (vm.c) and steps (steps.c,
 * cmdqv.c, teardown.c) that main.c runs.
 */
#ifndef SMMU_VMM_H
#define SMMU_VMM_H

#include "../td-iommufd.h"

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

extern int p_noinval;		/* --break noinval */
extern int p_noveventq;		/* --break noveventq */
extern int p_cmdqv;		/* --cmdqv: the vIOMMU is a Tegra241 CMDQV VINTF */

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

struct vevent {
	uint64_t e[4];
};

struct smmu_view {
	uint32_t idr[6], iidr, aidr, sid;
	uint64_t ste[8];
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

/* vm.c */
uint64_t pt_page(struct vm *v);
uint64_t *pt_entry(struct vm *v, uint64_t root, uint64_t va, int level);
void pt_map(struct vm *v, uint64_t root, uint64_t va, uint64_t ipa, uint64_t extra);
void cd_write(struct vm *v, uint64_t cd_ipa, uint64_t ttb, uint16_t asid, bool valid);
void vste_make(uint64_t ste[2], unsigned int cfg, uint64_t cd_ipa, unsigned int cdmax,
	       unsigned int dss);
void expect_begin(struct vm *v);
void expect_write(struct vm *v, uint32_t off, uint32_t pos, uint32_t len, uint32_t pattern);
bool ram_ok(struct vm *v, char *where, size_t len);
uint32_t dma(struct vm *v, uint32_t cmd, uint64_t src, uint64_t dst, uint32_t len,
	     uint32_t pattern, int pasid);
bool check_write(struct vm *v, const char *check, uint64_t iova, uint32_t len,
		 uint32_t pattern, int pasid, const char *what);
bool check_refused(struct vm *v, const char *check, uint64_t iova, int pasid,
		   const char *what);
int viommu_alloc(struct vm *v);
int vdevice_alloc(struct vm *v, uint64_t vsid);
int veventq_alloc(struct vm *v);
int nested_alloc(struct vm *v, const uint64_t ste[2], uint32_t *out);
int nested_attach(struct vm *v, const uint64_t ste[2]);
int inval(struct vm *v, uint64_t (*cmd)[2], uint32_t n, uint32_t *done);
void cmd_tlbi_va(uint64_t c[2], uint16_t asid, uint64_t va);
void cmd_tlbi_asid(uint64_t c[2], uint16_t asid);
void cmd_cfgi_cd(uint64_t c[2], uint32_t vsid, uint32_t ssid);
int vevents(struct vm *v, struct vevent *ev, int max, int wait_ms, int *lost);
void vevents_drain(struct vm *v);
bool check_vevent(struct vm *v, const char *check, unsigned int id, int ssid,
		  uint64_t addr, bool has_addr);
bool check_no_vevent(struct vm *v, const char *check, int wait_ms, const char *what);
bool smmu_view(struct smmu_view *s);
bool check_ste(struct vm *v, const char *check, unsigned int cfg, uint64_t cd_ipa,
	       unsigned int cdmax, unsigned int dss);

/* steps.c: the nested step's stage-1 pages, a DMA that fills the IOTLB */
extern const unsigned int map1[4];
void warm(struct vm *v, uint64_t iova, uint32_t len);

/* The steps (steps.c, cmdqv.c) */
bool step_hwinfo(struct vm *v);
bool step_s2(struct vm *v);
bool step_nested(struct vm *v, uint64_t *root1);
void step_inval(struct vm *v, uint64_t root1);
void step_pasid(struct vm *v);
void step_fault(struct vm *v);
int obj_destroy(struct vm *v, uint32_t id);
void step_hwinfo_cmdqv(struct vm *v);
void step_teardown(struct vm *v);
void step_hwqueue(struct vm *v, uint64_t root1);

#endif
