// SPDX-License-Identifier: GPL-2.0-or-later
/* smmu-vmm: guest RAM, tables, vIOMMU objects, invalidations, vEVENTs. */

#include "vmm.h"

/* ---- stage-1 tables and CDs, in guest RAM, at IPAs ---- */

uint64_t pt_page(struct vm *v)
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
uint64_t *pt_entry(struct vm *v, uint64_t root, uint64_t va, int level)
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

void pt_map(struct vm *v, uint64_t root, uint64_t va, uint64_t ipa, uint64_t extra)
{
	*pt_entry(v, root, va, 3) = (ipa & PTE_OA) | PTE_PAGE | extra;
}

/* CD at cd_ipa as Linux's arm_smmu_make_s1_cd() writes it; V=0 if !valid. */
void cd_write(struct vm *v, uint64_t cd_ipa, uint64_t ttb, uint16_t asid, bool valid)
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

void vste_make(uint64_t ste[2], unsigned int cfg, uint64_t cd_ipa, unsigned int cdmax,
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

void expect_begin(struct vm *v)
{
	memcpy(v->shadow, v->ram, G_SIZE);
}

/* Bytes pos.. of a WRITE of pattern words land at guest RAM offset off. */
void expect_write(struct vm *v, uint32_t off, uint32_t pos, uint32_t len, uint32_t pattern)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		v->shadow[off + i] = (pattern + (pos + i) / 4) >> (8 * ((pos + i) % 4));
}

/* Guest RAM equals the shadow; else *where describes the first difference. */
bool ram_ok(struct vm *v, char *where, size_t len)
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
uint32_t dma(struct vm *v, uint32_t cmd, uint64_t src, uint64_t dst, uint32_t len,
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
bool check_write(struct vm *v, const char *check, uint64_t iova, uint32_t len,
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
bool check_refused(struct vm *v, const char *check, uint64_t iova, int pasid,
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

int viommu_alloc(struct vm *v)
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

int vdevice_alloc(struct vm *v, uint64_t vsid)
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

int veventq_alloc(struct vm *v)
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
int nested_alloc(struct vm *v, const uint64_t ste[2], uint32_t *out)
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
int nested_attach(struct vm *v, const uint64_t ste[2])
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
int inval(struct vm *v, uint64_t (*cmd)[2], uint32_t n, uint32_t *done)
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

void cmd_tlbi_va(uint64_t c[2], uint16_t asid, uint64_t va)
{
	c[0] = CMD_TLBI_NH_VA | (uint64_t)asid << 48;
	c[1] = (va & GENMASK64(63, 12)) | 1 /* Leaf */;
}

void cmd_tlbi_asid(uint64_t c[2], uint16_t asid)
{
	c[0] = CMD_TLBI_NH_ASID | (uint64_t)asid << 48;
	c[1] = 0;
}

void cmd_cfgi_cd(uint64_t c[2], uint32_t vsid, uint32_t ssid)
{
	c[0] = CMD_CFGI_CD | (uint64_t)ssid << 12 | (uint64_t)vsid << 32;
	c[1] = 1;	/* Leaf */
}

/* ---- the vEVENTQ ---- */


/*
 * Read the vEVENTQ: wait up to wait_ms for the first vEVENT, then for
 * 200 ms more after each; at most max into ev.  Returns the number read;
 * *lost counts the lost-events headers and sequence gaps.
 */
int vevents(struct vm *v, struct vevent *ev, int max, int wait_ms, int *lost)
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

void vevents_drain(struct vm *v)
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
bool check_vevent(struct vm *v, const char *check, unsigned int id, int ssid,
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
bool check_no_vevent(struct vm *v, const char *check, int wait_ms, const char *what)
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


bool smmu_view(struct smmu_view *s)
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
bool check_ste(struct vm *v, const char *check, unsigned int cfg, uint64_t cd_ipa,
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
