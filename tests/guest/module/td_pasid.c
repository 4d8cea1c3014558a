// SPDX-License-Identifier: GPL-2.0
/*
 * The PASID tests of the smmuv3-aux test module ("pasid N [wrong|nossv]"
 * and "pasid-s2 [wrong]" in ctl, their lines in pasid_result): paging
 * domains attached to substreams of the test device, checked by DMA and
 * against the driver's STE and CD tables; and the debugfs files that show
 * those tables (/sys/kernel/debug/smmuv3_aux_ste, smmuv3_aux_smmu).
 * docs/devel/guest-tests.rst describes the checks.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

/* The driver's own structures: the STE and CD tables the SMMU walks. */
#include "arm-smmu-v3.h"

#include "td.h"

/* ---- PASID: paging domains attached to substreams of the device ---- */

#define TDP_NDOM	8		/* PASID domains attached at once */
#define TDP_BUF		(2 * PAGE_SIZE)	/* each domain's buffer at TDP_IOVA */
#define TDP_IOVA	0x40000000UL	/* mapped in every PASID domain */
#define TDP_IOVA_OWN	0x50000000UL	/* mapped in domain 0 only */
#define TDP_IOVA_NONE	0x60000000UL	/* mapped in no domain */
#define TDP_BIG_MAX	4096
#define TDP_OUT_LEN	16384

/*
 * Output of a PASID run (debugfs pasid_result), one line each:
 *   CHECK <name> PASS|FAIL <detail>
 *   EXPECT <event> <sid> <ssid> <iova or ->   an SMMU event the run caused
 *   INFO <text>
 */
static char *tdp_out;
static size_t tdp_len;

static __printf(1, 2) void tdp_line(const char *fmt, ...)
{
	va_list ap;

	if (tdp_len >= TDP_OUT_LEN - 1)
		return;
	va_start(ap, fmt);
	tdp_len += vscnprintf(tdp_out + tdp_len, TDP_OUT_LEN - tdp_len, fmt, ap);
	va_end(ap);
	if (tdp_len < TDP_OUT_LEN - 1)
		tdp_out[tdp_len++] = '\n';
	tdp_out[tdp_len] = 0;
}

static int tdp_failures;
#define tdp_check(ok, name, fmt, ...) ({					\
	bool __ok = (ok);							\
	tdp_line("CHECK %s %s " fmt, name, __ok ? "PASS" : "FAIL", ##__VA_ARGS__); \
	if (!__ok)								\
		tdp_failures++;							\
	__ok; })

/* One command with TD_PASID = pasid_reg, interrupts off (no MSI wait). */
static u32 tdp_cmd(struct td *td, u32 cmd, u64 src, u64 dst, u32 len,
		   u32 pattern, u32 pasid_reg, u64 *err_addr)
{
	u32 status;

	writeq(src, td->regs + TD_SRC);
	writeq(dst, td->regs + TD_DST);
	writel(len, td->regs + TD_LEN);
	writel(pattern, td->regs + TD_PATTERN);
	writel(pasid_reg, td->regs + TD_PASID);
	writel(cmd, td->regs + TD_CMD);
	status = readl(td->regs + TD_STATUS);
	writel(TD_STATUS_DONE | TD_STATUS_ERROR, td->regs + TD_STATUS);
	*err_addr = readq(td->regs + TD_ERR_ADDR);
	writel(0, td->regs + TD_PASID);
	return status;
}

/*
 * Breaking the test on purpose, to see each check fail (ctl "pasid N wrong"
 * or "pasid N nossv"): "wrong" makes every expected value wrong by one (a
 * pattern, a hash, an address, a field of the STE, an errno, the PASID of an
 * expected event); "nossv" sends the PASID DMAs without SSV, as a device
 * that drops its PASID would (refused next to an identity RID domain, where
 * those DMAs would reach guest physical memory at the test's IOVAs).
 */
enum { TDP_OK, TDP_WRONG, TDP_NOSSV };
static int tdp_break;
#define WR(x)	(tdp_break == TDP_WRONG ? (x) + 1 : (x))
#define SSV(p)	((tdp_break == TDP_NOSSV ? 0 : TD_PASID_SSV) | (p))

/*
 * The STE of the device's (first) StreamID, as the SMMU reads it: from the
 * driver's stream table (linear, or the L2 table of a 2-level one).
 */
static struct arm_smmu_ste *tdp_ste_ptr(struct device *dev, u32 *sid, int *err)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_device *smmu;

	*err = -ENODEV;
	if (!master || !master->num_streams)
		return NULL;
	smmu = master->smmu;
	*sid = master->streams[0].id;
	*err = -ERANGE;
	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB) {
		struct arm_smmu_strtab_l2 *l2;

		if (arm_smmu_strtab_l1_idx(*sid) >= smmu->strtab_cfg.l2.num_l1_ents)
			return NULL;
		l2 = smmu->strtab_cfg.l2.l2ptrs[arm_smmu_strtab_l1_idx(*sid)];
		*err = -ENOENT;
		if (!l2)
			return NULL;
		return &l2->stes[arm_smmu_strtab_l2_idx(*sid)];
	}
	if (*sid >= smmu->strtab_cfg.linear.num_ents)
		return NULL;
	return &smmu->strtab_cfg.linear.table[*sid];
}

static int tdp_ste(struct device *dev, u32 *sid, u64 *q0, u64 *q1)
{
	struct arm_smmu_ste *ste;
	int err;

	ste = tdp_ste_ptr(dev, sid, &err);
	if (!ste)
		return err;
	*q0 = le64_to_cpu(READ_ONCE(ste->data[0]));
	*q1 = le64_to_cpu(READ_ONCE(ste->data[1]));
	return 0;
}

static int tdp_ste_str(struct device *dev, char *buf, size_t len)
{
	u64 q0, q1;
	u32 sid;
	int ret = tdp_ste(dev, &sid, &q0, &q1);

	if (ret)
		return scnprintf(buf, len, "STE unreadable (%d)", ret);
	return scnprintf(buf, len,
			 "sid 0x%x STE V=%llu Config=%llu S1Fmt=%llu S1CDMax=%llu S1DSS=%llu S1ContextPtr=0x%llx",
			 sid, q0 & STRTAB_STE_0_V, FIELD_GET(STRTAB_STE_0_CFG, q0),
			 FIELD_GET(STRTAB_STE_0_S1FMT, q0), FIELD_GET(STRTAB_STE_0_S1CDMAX, q0),
			 FIELD_GET(STRTAB_STE_1_S1DSS, q1), q0 & STRTAB_STE_0_S1CTXPTR_MASK);
}

/*
 * CD[ssid] qword 0 the way the SMMU finds it: from STE.S1ContextPtr, through
 * the L1 descriptor when S1Fmt says 2-level (64 KiB leaf tables of 1024
 * CDs), reading the physical memory those addresses name.  *how says what
 * was followed.  Returns 0 with *cd0, or an error (no CD table, an invalid
 * L1 descriptor: -ENOENT).
 */
static int tdp_walk_cd(struct device *dev, u32 ssid, u64 *cd0, char *how, size_t hlen)
{
	u64 q0, q1, l1d, pa;
	u32 sid, fmt;
	__le64 *p;
	int ret = tdp_ste(dev, &sid, &q0, &q1);

	if (ret)
		return ret;
	if (FIELD_GET(STRTAB_STE_0_CFG, q0) != STRTAB_STE_0_CFG_S1_TRANS)
		return -ENXIO;
	if (ssid >> FIELD_GET(STRTAB_STE_0_S1CDMAX, q0))
		return -ERANGE;
	fmt = FIELD_GET(STRTAB_STE_0_S1FMT, q0);
	pa = q0 & STRTAB_STE_0_S1CTXPTR_MASK;
	if (fmt == STRTAB_STE_0_S1FMT_64K_L2) {
		p = memremap(pa + 8 * arm_smmu_cdtab_l1_idx(ssid), 8, MEMREMAP_WB);
		if (!p)
			return -EFAULT;
		l1d = le64_to_cpu(READ_ONCE(*p));
		memunmap(p);
		scnprintf(how, hlen, "L1CD[%u]@0x%llx=0x%llx", arm_smmu_cdtab_l1_idx(ssid),
			  pa + 8 * arm_smmu_cdtab_l1_idx(ssid), l1d);
		if (!(l1d & CTXDESC_L1_DESC_V))
			return -ENOENT;
		pa = (l1d & CTXDESC_L1_DESC_L2PTR_MASK) +
		     sizeof(struct arm_smmu_cd) * arm_smmu_cdtab_l2_idx(ssid);
	} else if (fmt == STRTAB_STE_0_S1FMT_LINEAR) {
		pa += sizeof(struct arm_smmu_cd) * ssid;
		scnprintf(how, hlen, "linear");
	} else {
		return -EINVAL;
	}
	p = memremap(pa, 8, MEMREMAP_WB);
	if (!p)
		return -EFAULT;
	*cd0 = le64_to_cpu(READ_ONCE(*p));
	memunmap(p);
	return 0;
}

/* The test's PASIDs: spread over several L1 entries of a 2-level table. */
static void tdp_pick_pasids(ioasid_t *pasid, u32 max)
{
	static const u32 want[TDP_NDOM] = { 1, 2, 0x3ff, 0x400, 0x1234, 0x7ffff,
					    0xffffe, 0xfffff };
	int i;

	for (i = 0; i < TDP_NDOM; i++)
		pasid[i] = want[i] < max ? want[i] : max / 2 + i;
}

struct tdp_dom {
	struct iommu_domain *dom;
	struct page *pg;
	u8 *buf;
	ioasid_t pasid;
	bool attached;
	u32 pattern;
};

static bool tdp_buf_is(const u8 *buf, size_t off, size_t len, u32 pattern, size_t *bad)
{
	size_t i;

	for (i = 0; i < TDP_BUF; i++) {
		u8 want;

		if (i >= off && i < off + len) {
			u32 w = pattern + (u32)((i - off) / 4);

			want = w >> (8 * ((i - off) % 4));
		} else {
			want = 0xa5;
		}
		if (buf[i] != want) {
			*bad = i;
			return false;
		}
	}
	return true;
}

static const char *tdp_rid_type(struct device *dev)
{
	return td_domain_type(dev);
}

/*
 * The PASID test next to whatever RID domain the device has (DMA, DMA-FQ,
 * or identity when its group's type was set to identity).
 */
static void tdp_run(struct td *td, unsigned int nbig)
{
	struct device *dev = &td->pdev->dev;
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct iommu_domain *rid = iommu_get_domain_for_dev(dev);
	struct tdp_dom d[TDP_NDOM] = { };
	struct iommu_domain *big = NULL;
	struct page *own_pg = NULL, *big_pg = NULL;
	u8 *own = NULL, *bigbuf = NULL;
	void *cbuf = NULL;
	dma_addr_t cdma;
	ioasid_t pasids[TDP_NDOM], big0 = 0;
	unsigned int nbig_att = 0, i, j, max, ssid_bits, want_fmt, want_dss;
	bool identity = rid && rid->type == IOMMU_DOMAIN_IDENTITY;
	char ste[256], how[128];
	u64 err, cd0, q0, q1, h;
	u32 st, sid, off = 12, len = 1000;
	size_t bad;
	int ret;

	tdp_failures = 0;
	if (!master) {
		tdp_check(false, "setup", "no arm-smmu-v3 master for %s", dev_name(dev));
		return;
	}
	max = dev->iommu->max_pasids;
	ssid_bits = master->ssid_bits;
	tdp_line("INFO %s: RID domain %s, max_pasids %u, driver ssid_bits %u, SMMU SSIDSIZE %u, CD2L %d, PASID %s",
		 dev_name(dev), tdp_rid_type(dev), max, ssid_bits, master->smmu->ssid_bits,
		 !!(master->smmu->features & ARM_SMMU_FEAT_2_LVL_CDTAB),
		 td->pdev->pasid_enabled ? "enabled" : "not enabled");
	/* Not fatal: the attaches below then show what the kernel refuses. */
	tdp_check(max > TDP_NDOM && ssid_bits && td->pdev->pasid_enabled, "pasid-capable",
		  "max_pasids %u, ssid_bits %u, PCI PASID %s", max, ssid_bits,
		  td->pdev->pasid_enabled ? "enabled" : "not enabled");
	if (identity && tdp_break == TDP_NOSSV) {
		tdp_check(false, "nossv", "refused next to an identity RID domain");
		return;
	}
	tdp_check(max == (1U << WR(ssid_bits)), "max-pasids",
		  "core max_pasids %u, driver 1 << ssid_bits = %u", max, 1U << ssid_bits);
	writel(0, td->regs + TD_CTRL);		/* no interrupts in this run */
	tdp_pick_pasids(pasids, max);

	/* A RID buffer through the DMA API, to show RID DMA still works. */
	cbuf = dma_alloc_coherent(dev, PAGE_SIZE, &cdma, GFP_KERNEL);
	own_pg = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!cbuf || !own_pg) {
		tdp_check(false, "setup", "cannot allocate buffers");
		goto out;
	}
	own = page_address(own_pg);
	memset(own, 0xa5, PAGE_SIZE);

	/* 8 PASID-capable paging domains, each mapping its own buffer. */
	for (i = 0; i < TDP_NDOM; i++) {
		d[i].pasid = pasids[i];
		d[i].pattern = 0x11110000u * (i + 1);
		d[i].dom = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_PASID);
		if (IS_ERR(d[i].dom)) {
			tdp_check(false, "domain-alloc", "iommu_paging_domain_alloc_flags(PASID) #%u: %ld",
				  i, PTR_ERR(d[i].dom));
			d[i].dom = NULL;
			goto out;
		}
		d[i].pg = alloc_pages(GFP_KERNEL, get_order(TDP_BUF));
		if (!d[i].pg) {
			tdp_check(false, "setup", "cannot allocate buffer %u", i);
			goto out;
		}
		d[i].buf = page_address(d[i].pg);
		memset(d[i].buf, 0xa5, TDP_BUF);
		ret = iommu_map(d[i].dom, TDP_IOVA, page_to_phys(d[i].pg), TDP_BUF,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (!ret && i == 0)
			ret = iommu_map(d[i].dom, TDP_IOVA_OWN, page_to_phys(own_pg), PAGE_SIZE,
					IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (ret) {
			tdp_check(false, "domain-map", "iommu_map in domain %u: %d", i, ret);
			goto out;
		}
	}
	tdp_check(tdp_break != TDP_WRONG, "domain-alloc", "%d paging domains with IOMMU_HWPT_ALLOC_PASID, each maps its own %lu KiB at iova 0x%lx",
		  TDP_NDOM, TDP_BUF >> 10, TDP_IOVA);

	for (i = 0; i < TDP_NDOM; i++) {
		ret = iommu_attach_device_pasid(d[i].dom, dev, d[i].pasid, NULL);
		if (ret) {
			tdp_check(false, "attach", "iommu_attach_device_pasid(domain %u, pasid 0x%x): %d",
				  i, d[i].pasid, ret);
			goto out;
		}
		d[i].attached = true;
	}
	tdp_check((iommu_get_domain_for_dev(dev) == rid) == (tdp_break != TDP_WRONG), "attach",
		  "%d domains on PASIDs 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x 0x%x at once, RID domain still %s",
		  TDP_NDOM, pasids[0], pasids[1], pasids[2], pasids[3], pasids[4], pasids[5],
		  pasids[6], pasids[7], tdp_rid_type(dev));

	/* The STE now points at the CD table, S1DSS per the RID domain. */
	want_fmt = ((master->smmu->features & ARM_SMMU_FEAT_2_LVL_CDTAB) && ssid_bits > 10) ?
		   STRTAB_STE_0_S1FMT_64K_L2 : STRTAB_STE_0_S1FMT_LINEAR;
	want_dss = identity ? STRTAB_STE_1_S1DSS_BYPASS : STRTAB_STE_1_S1DSS_SSID0;
	want_fmt = WR(want_fmt);
	want_dss = WR(want_dss);
	tdp_ste_str(dev, ste, sizeof(ste));
	ret = tdp_ste(dev, &sid, &q0, &q1);
	tdp_check(!ret && (q0 & STRTAB_STE_0_V) &&
		  FIELD_GET(STRTAB_STE_0_CFG, q0) == STRTAB_STE_0_CFG_S1_TRANS &&
		  FIELD_GET(STRTAB_STE_0_S1CDMAX, q0) == ssid_bits &&
		  FIELD_GET(STRTAB_STE_0_S1FMT, q0) == want_fmt &&
		  FIELD_GET(STRTAB_STE_1_S1DSS, q1) == want_dss &&
		  (q0 & STRTAB_STE_0_S1CTXPTR_MASK) == master->cd_table.cdtab_dma,
		  "ste", "%s (want Config=5 S1Fmt=%u S1CDMax=%u S1DSS=%u, S1ContextPtr = the CD table 0x%llx)",
		  ste, want_fmt, ssid_bits, want_dss, (u64)master->cd_table.cdtab_dma);
	for (i = 0; i < TDP_NDOM; i++) {
		ret = tdp_walk_cd(dev, d[i].pasid, &cd0, how, sizeof(how));
		if (ret || !(cd0 & CTXDESC_CD_0_V) ||
		    FIELD_GET(CTXDESC_CD_0_ASID, cd0) !=
		    WR(container_of(d[i].dom, struct arm_smmu_domain, domain)->cd.asid)) {
			tdp_check(false, "cd-table", "pasid 0x%x: walk %d (%s), CD0 0x%llx", d[i].pasid,
				  ret, how, cd0);
			break;
		}
	}
	if (i == TDP_NDOM)
		tdp_check(true, "cd-table", "CD[pasid] V=1 with its domain's ASID for all %d PASIDs, found from STE.S1ContextPtr (%s)",
			  TDP_NDOM, want_fmt ? "2-level: through the L1CDs" : "linear");

	/* Each PASID writes its pattern at the same IOVA... */
	for (i = 0; i < TDP_NDOM; i++) {
		st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA + off + 4 * i, len + 4 * i,
			     d[i].pattern, SSV(d[i].pasid), &err);
		if (st != TD_STATUS_DONE) {
			tdp_check(false, "dma-write", "pasid 0x%x WRITE at iova 0x%lx: status 0x%x err_addr 0x%llx",
				  d[i].pasid, TDP_IOVA + off + 4 * i, st, err);
			break;
		}
	}
	/* ...and it lands in that PASID's own buffer only, byte for byte. */
	for (i = 0; i < TDP_NDOM; i++) {
		if (!tdp_buf_is(d[i].buf, off + 4 * i, len + 4 * i, WR(d[i].pattern), &bad)) {
			tdp_check(false, "dma-isolation", "buffer of pasid 0x%x: byte %zu is 0x%02x",
				  d[i].pasid, bad, d[i].buf[bad]);
			break;
		}
	}
	if (i == TDP_NDOM)
		tdp_check(true, "dma-isolation", "%d WRITEs at iova 0x%lx, one per PASID: each buffer holds exactly its own PASID's bytes (%lu bytes each checked)",
		  TDP_NDOM, TDP_IOVA, TDP_BUF);
	/* READ through each PASID: the hash of that PASID's buffer. */
	for (i = 0; i < TDP_NDOM; i++) {
		st = tdp_cmd(td, TD_CMD_READ, TDP_IOVA, 0, TDP_BUF, 0, SSV(d[i].pasid), &err);
		h = readq(td->regs + TD_RESULT);
		if (st != TD_STATUS_DONE || h != WR(td_fnv1a(TD_FNV_INIT, d[i].buf, TDP_BUF))) {
			tdp_check(false, "dma-read", "pasid 0x%x READ: status 0x%x hash 0x%llx, want 0x%llx",
				  d[i].pasid, st, h, WR(td_fnv1a(TD_FNV_INIT, d[i].buf, TDP_BUF)));
			break;
		}
	}
	if (i == TDP_NDOM)
		tdp_check(true, "dma-read", "READ of iova 0x%lx through each PASID hashes that PASID's buffer", TDP_IOVA);

	/*
	 * Invalidation per PASID (the IOTLB holds IOVA TDP_IOVA for every
	 * PASID now): domain 2 maps it to another page, domain 4 unmaps it
	 * (strict unmap: TLBI by that domain's ASID).  PASID 2 then writes the
	 * new page, PASID 4 faults, PASID 3 still writes its own buffer.
	 */
	memset(own, 0xa5, PAGE_SIZE);
	ret = iommu_unmap(d[2].dom, TDP_IOVA, TDP_BUF) != TDP_BUF;
	if (!ret)
		ret = iommu_map(d[2].dom, TDP_IOVA, page_to_phys(own_pg), PAGE_SIZE,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
	h = td_fnv1a(TD_FNV_INIT, d[2].buf, TDP_BUF);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA, 32, 0x22220000u, SSV(d[2].pasid), &err);
	tdp_check(!ret && st == TD_STATUS_DONE && ((u32 *)own)[0] == WR(0x22220000u) &&
		  h == td_fnv1a(TD_FNV_INIT, d[2].buf, TDP_BUF), "remap",
		  "pasid 0x%x WRITE after its domain remapped iova 0x%lx to another page: status 0x%x, new page %s, old buffer %s",
		  d[2].pasid, TDP_IOVA, st, ((u32 *)own)[0] == 0x22220000u ? "written" : "NOT written",
		  h == td_fnv1a(TD_FNV_INIT, d[2].buf, TDP_BUF) ? "untouched" : "WRITTEN");
	memset(own, 0xa5, PAGE_SIZE);
	iommu_unmap(d[2].dom, TDP_IOVA, PAGE_SIZE);
	ret = iommu_unmap(d[4].dom, TDP_IOVA, TDP_BUF) != TDP_BUF;
	h = td_fnv1a(TD_FNV_INIT, d[4].buf, TDP_BUF);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA, 4, 0x44440000u, SSV(d[4].pasid), &err);
	tdp_line("EXPECT F_TRANSLATION 0x%x 0x%x 0x%lx", master->streams[0].id, WR(d[4].pasid), TDP_IOVA);
	tdp_check(!ret && (st & TD_STATUS_ERROR) && err == WR(TDP_IOVA) &&
		  h == td_fnv1a(TD_FNV_INIT, d[4].buf, TDP_BUF), "unmap",
		  "pasid 0x%x WRITE after its domain unmapped iova 0x%lx: status 0x%x err_addr 0x%llx, old buffer %s",
		  d[4].pasid, TDP_IOVA, st, err,
		  h == td_fnv1a(TD_FNV_INIT, d[4].buf, TDP_BUF) ? "untouched" : "WRITTEN");
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA, 4, 0x33330000u, SSV(d[3].pasid), &err);
	tdp_check(st == TD_STATUS_DONE && *(u32 *)d[3].buf == WR(0x33330000u), "unmap-others",
		  "pasid 0x%x still writes its own buffer at iova 0x%lx: status 0x%x", d[3].pasid,
		  TDP_IOVA, st);

	/* RID traffic (no SSV) next to them: the DMA API domain. */
	memset(cbuf, 0, PAGE_SIZE);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, cdma, 256, 0xc0de0000u, 0, &err);
	for (j = 0; j < 64 && ((u32 *)cbuf)[j] == WR(0xc0de0000u) + j; j++)
		;
	tdp_check(st == TD_STATUS_DONE && j == 64, "rid-dma",
		  "RID (SSV=0) WRITE to DMA-API iova %pad next to the PASIDs: status 0x%x, %u/64 words right (RID domain %s)",
		  &cdma, st, j, tdp_rid_type(dev));

	/* An IOVA only domain 0 maps: PASID 0 reaches it, PASID 3 faults. */
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA_OWN, 64, 0x0aaa0000u, SSV(d[0].pasid), &err);
	tdp_check(st == TD_STATUS_DONE && ((u32 *)own)[0] == WR(0x0aaa0000u), "own-mapping",
		  "pasid 0x%x WRITE at iova 0x%lx (mapped in its domain only): status 0x%x", d[0].pasid,
		  TDP_IOVA_OWN, st);
	memset(own, 0xa5, PAGE_SIZE);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA_OWN, 4, 0xbad00000u, SSV(d[3].pasid), &err);
	ret = tdp_ste(dev, &sid, &q0, &q1);
	tdp_line("EXPECT F_TRANSLATION 0x%x 0x%x 0x%lx", sid, WR(d[3].pasid), TDP_IOVA_OWN);
	for (j = 0; j < PAGE_SIZE && own[j] == 0xa5; j++)
		;
	tdp_check((st & TD_STATUS_ERROR) && err == WR(TDP_IOVA_OWN) && j == PAGE_SIZE, "unmapped-fault",
		  "pasid 0x%x WRITE at iova 0x%lx (mapped only by pasid 0x%x's domain): status 0x%x err_addr 0x%llx, page %s",
		  d[3].pasid, TDP_IOVA_OWN, d[0].pasid, st, err,
		  j == PAGE_SIZE ? "untouched" : "WRITTEN");

	/* Detach one PASID: its very next DMA fails, the others still work. */
	iommu_detach_device_pasid(d[5].dom, dev, d[5].pasid);
	d[5].attached = false;
	memset(d[5].buf, 0xa5, TDP_BUF);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA, 64, 0xdead0000u, SSV(d[5].pasid), &err);
	tdp_line("EXPECT C_BAD_CD 0x%x 0x%x -", sid, WR(d[5].pasid));
	ret = tdp_walk_cd(dev, d[5].pasid, &cd0, how, sizeof(how));
	tdp_check((st & TD_STATUS_ERROR) && tdp_buf_is(d[5].buf, 0, 0, 0, &bad) &&
		  !ret && !!(cd0 & CTXDESC_CD_0_V) == (tdp_break == TDP_WRONG), "detach",
		  "first WRITE on pasid 0x%x after iommu_detach_device_pasid: status 0x%x, buffer %s, CD V=%llu",
		  d[5].pasid, st, tdp_buf_is(d[5].buf, 0, 0, 0, &bad) ? "untouched" : "WRITTEN",
		  (cd0 & CTXDESC_CD_0_V) >> 31);
	st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA, 64, 0x66660000u, SSV(d[6].pasid), &err);
	tdp_check(st == TD_STATUS_DONE && *(u32 *)d[6].buf == WR(0x66660000u), "detach-others",
		  "pasid 0x%x still writes after pasid 0x%x was detached: status 0x%x", d[6].pasid,
		  d[5].pasid, st);

	/* More than 1024 PASIDs: one more domain on nbig further PASIDs. */
	if (nbig) {
		u32 l1_lo, l1_hi, first_bad = 0;
		int nl1 = 0, nbad = 0;

		if (max < 2048) {
			tdp_check(false, "cd-2level", "max_pasids %u: cannot use more than 1024 PASIDs (ssid_bits %u)",
				  max, ssid_bits);
			goto out;
		}
		big = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_PASID);
		big_pg = alloc_page(GFP_KERNEL);
		if (IS_ERR(big) || !big_pg) {
			tdp_check(false, "cd-2level", "cannot allocate the shared domain");
			if (IS_ERR(big))
				big = NULL;
			goto out;
		}
		bigbuf = page_address(big_pg);
		memset(bigbuf, 0xa5, PAGE_SIZE);
		ret = iommu_map(big, TDP_IOVA, page_to_phys(big_pg), PAGE_SIZE,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		big0 = 0x800;	/* 0x800.. : L1 entries 2, 3, ... */
		for (i = 0; !ret && i < nbig; i++) {
			ret = iommu_attach_device_pasid(big, dev, big0 + i, NULL);
			if (!ret)
				nbig_att++;
			if (!(i & 63))
				cond_resched();
		}
		if (!tdp_check(!ret && master->cd_table.used_ssids == WR(nbig_att + TDP_NDOM - 1), "many-attach", "%u PASIDs 0x%x..0x%x on one more domain (%u in use now, driver used_ssids %u): %d",
			       nbig_att, big0, big0 + nbig - 1, nbig_att + TDP_NDOM - 1,
			       master->cd_table.used_ssids, ret) && ret)
			goto out;
		ret = tdp_ste(dev, &sid, &q0, &q1);
		tdp_ste_str(dev, ste, sizeof(ste));
		/* Every L1CD of the used range is valid, the others are not. */
		l1_lo = arm_smmu_cdtab_l1_idx(big0);
		l1_hi = arm_smmu_cdtab_l1_idx(big0 + nbig - 1);
		for (i = 0; i < nbig; i += 97) {
			if (tdp_walk_cd(dev, big0 + i, &cd0, how, sizeof(how)) ||
			    !(cd0 & CTXDESC_CD_0_V)) {
				if (!nbad++)
					first_bad = big0 + i;
			}
		}
		nl1 = l1_hi - l1_lo + 1;
		tdp_check(!ret && FIELD_GET(STRTAB_STE_0_S1FMT, q0) == WR(STRTAB_STE_0_S1FMT_64K_L2) &&
			  !nbad && master->cd_table.s1fmt == STRTAB_STE_0_S1FMT_64K_L2,
			  "cd-2level", "%u PASIDs in use: %s; PASIDs 0x%x..0x%x span L1CDs %u..%u (%d leaf tables of 1024 CDs), every sampled CD reached through them is valid%s%s",
			  nbig_att + TDP_NDOM - 1, ste, big0, big0 + nbig - 1, l1_lo, l1_hi, nl1,
			  nbad ? ", first bad pasid " : "", nbad ? "set" : "");
		if (nbad)
			tdp_line("INFO first PASID whose CD walk failed: 0x%x", first_bad);
		/* DMA through the first, a middle and the last of them. */
		for (j = 0; j < 3; j++) {
			u32 p = big0 + (j == 0 ? 0 : j == 1 ? nbig / 2 : nbig - 1);

			st = tdp_cmd(td, TD_CMD_WRITE, 0, TDP_IOVA + 16 * j, 16, 0xb1000000u + (p << 4),
				     SSV(p), &err);
			if (st != TD_STATUS_DONE || ((u32 *)bigbuf)[4 * j] != WR(0xb1000000u + (p << 4))) {
				tdp_check(false, "cd-2level-dma", "pasid 0x%x WRITE: status 0x%x err_addr 0x%llx",
					  p, st, err);
				break;
			}
		}
		if (j == 3)
			tdp_check(true, "cd-2level-dma", "DMA on PASIDs 0x%x, 0x%x, 0x%x (leaf tables %u, %u, %u) lands in their shared domain",
				  big0, big0 + nbig / 2, big0 + nbig - 1, arm_smmu_cdtab_l1_idx(big0),
				  arm_smmu_cdtab_l1_idx(big0 + nbig / 2),
				  arm_smmu_cdtab_l1_idx(big0 + nbig - 1));
	}
out:
	for (i = 0; i < nbig_att; i++) {
		iommu_detach_device_pasid(big, dev, big0 + i);
		if (!(i & 63))
			cond_resched();
	}
	for (i = 0; i < TDP_NDOM; i++)
		if (d[i].attached)
			iommu_detach_device_pasid(d[i].dom, dev, d[i].pasid);
	/* With no PASID left the STE goes back to what the RID domain wants. */
	if (!tdp_failures || nbig_att) {
		ret = tdp_ste(dev, &sid, &q0, &q1);
		tdp_ste_str(dev, ste, sizeof(ste));
		if (identity)
			tdp_check(!ret && FIELD_GET(STRTAB_STE_0_CFG, q0) == WR(STRTAB_STE_0_CFG_BYPASS),
				  "ste-after", "all PASIDs detached: %s (want Config=4, bypass)", ste);
		else
			tdp_check(!ret && FIELD_GET(STRTAB_STE_0_CFG, q0) == WR(STRTAB_STE_0_CFG_S1_TRANS) &&
				  FIELD_GET(STRTAB_STE_1_S1DSS, q1) == STRTAB_STE_1_S1DSS_SSID0 &&
				  master->cd_table.used_ssids == 0,
				  "ste-after", "all PASIDs detached: %s, used_ssids %u", ste,
				  master->cd_table.used_ssids);
	}
	if (big)
		iommu_domain_free(big);
	if (big_pg)
		__free_page(big_pg);
	for (i = 0; i < TDP_NDOM; i++) {
		if (d[i].dom)
			iommu_domain_free(d[i].dom);
		if (d[i].pg)
			__free_pages(d[i].pg, get_order(TDP_BUF));
	}
	if (own_pg)
		__free_page(own_pg);
	if (cbuf)
		dma_free_coherent(dev, PAGE_SIZE, cbuf, cdma);
	if (td->msi)
		writel(TD_CTRL_INTR_EN, td->regs + TD_CTRL);
}

/*
 * PASIDs and a stage-2 RID domain (contract 8.3, arm_smmu_set_pasid() and
 * arm_smmu_attach_dev()): with PASIDs attached, attaching a stage-2
 * (nesting parent) domain to the RID fails with -EBUSY; with the RID on a
 * stage-2 domain, a PASID attach fails with -EINVAL.  No DMA while the RID
 * is on the stage-2 domain (its MSI doorbell is not mapped there).
 */
static void tdp_s2(struct td *td)
{
	struct device *dev = &td->pdev->dev;
	struct iommu_domain *s2 = NULL, *s1 = NULL;
	struct iommu_domain *rid = iommu_get_domain_for_dev(dev);
	ioasid_t pasid = 7;
	bool attached;
	char ste[256];
	u64 q0, q1;
	u32 sid;
	int ret;

	tdp_failures = 0;
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	s1 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_PASID);
	if (IS_ERR(s2) || IS_ERR(s1)) {
		tdp_check(false, "s2-alloc", "stage-2 (NEST_PARENT) domain %ld, PASID domain %ld",
			  IS_ERR(s2) ? PTR_ERR(s2) : 0, IS_ERR(s1) ? PTR_ERR(s1) : 0);
		goto out;
	}
	ret = iommu_attach_device_pasid(s1, dev, pasid, NULL);
	tdp_check(ret == WR(0), "s2-pasid-first", "PASID 0x%x attached next to the %s RID domain: %d",
		  pasid, td_domain_type(dev), ret);
	attached = !ret;
	ret = iommu_attach_device(s2, dev);
	tdp_check(ret == WR(-EBUSY), "s2-rid-refused",
		  "iommu_attach_device(stage-2 domain) with PASID 0x%x in use: %d (want -EBUSY)", pasid, ret);
	if (!ret)
		iommu_detach_device(s2, dev);
	if (attached)
		iommu_detach_device_pasid(s1, dev, pasid);

	ret = iommu_attach_device(s2, dev);
	if (!tdp_check(ret == WR(0), "s2-rid", "iommu_attach_device(stage-2 domain), no PASID in use: %d",
		       ret) && ret)
		goto out;
	tdp_ste_str(dev, ste, sizeof(ste));
	tdp_ste(dev, &sid, &q0, &q1);
	tdp_check(FIELD_GET(STRTAB_STE_0_CFG, q0) == WR(STRTAB_STE_0_CFG_S2_TRANS), "s2-ste",
		  "%s (want Config=6, stage 2 only)", ste);
	ret = iommu_attach_device_pasid(s1, dev, pasid, NULL);
	tdp_check(ret == WR(-EINVAL), "s2-pasid-refused",
		  "iommu_attach_device_pasid(pasid 0x%x) with a stage-2 RID domain: %d (want -EINVAL)",
		  pasid, ret);
	if (!ret)
		iommu_detach_device_pasid(s1, dev, pasid);
	iommu_detach_device(s2, dev);
	tdp_ste_str(dev, ste, sizeof(ste));
	tdp_check((iommu_get_domain_for_dev(dev) == rid) == (tdp_break != TDP_WRONG), "s2-back",
		  "RID back on its %s domain: %s", td_domain_type(dev), ste);
out:
	if (!IS_ERR_OR_NULL(s2))
		iommu_domain_free(s2);
	if (!IS_ERR_OR_NULL(s1))
		iommu_domain_free(s1);
}

static ssize_t td_pasid_result_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct td *td = file->private_data;
	ssize_t n;

	mutex_lock(&td->lock);
	n = simple_read_from_buffer(ubuf, count, ppos, tdp_out, tdp_len);
	mutex_unlock(&td->lock);
	return n;
}

const struct file_operations td_pasid_result_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = td_pasid_result_read,
	.llseek = default_llseek,
};

/*
 * /sys/kernel/debug/smmuv3_aux_ste: the STE of every test device, whatever
 * driver it has (smmu-iommufd reads it while the device is on vfio-pci).
 */
static int td_ste_show(struct seq_file *m, void *v)
{
	struct pci_dev *pdev = NULL;
	char buf[256];

	while ((pdev = pci_get_device(TD_VENDOR_ID, TD_DEVICE_ID, pdev))) {
		tdp_ste_str(&pdev->dev, buf, sizeof(buf));
		seq_printf(m, "%s %s\n", pci_name(pdev), buf);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(td_ste);
static struct dentry *td_ste_file;

/*
 * /sys/kernel/debug/smmuv3_aux_smmu: for every test device, the ID
 * registers of its SMMU as the device advertises them (read from its MMIO
 * page 0 here, not through iommufd) and the whole STE of its StreamID:
 *   <bdf> idr <IDR0> .. <IDR5> iidr <IIDR> aidr <AIDR> sid <sid> ste <q0> .. <q7>
 * smmu-vmm compares IOMMU_GET_HW_INFO with the first and checks the nested
 * STE the driver builds with the second.
 */
static int td_smmu_show(struct seq_file *m, void *v)
{
	struct pci_dev *pdev = NULL;

	while ((pdev = pci_get_device(TD_VENDOR_ID, TD_DEVICE_ID, pdev))) {
		struct arm_smmu_master *master = dev_iommu_priv_get(&pdev->dev);
		struct arm_smmu_ste *ste;
		u32 sid = 0;
		int i, err;

		if (!master)
			continue;
		seq_printf(m, "%s idr", pci_name(pdev));
		for (i = 0; i <= 5; i++)
			seq_printf(m, " 0x%08x", readl_relaxed(master->smmu->base + ARM_SMMU_IDR0 + 4 * i));
		seq_printf(m, " iidr 0x%08x aidr 0x%08x",
			   readl_relaxed(master->smmu->base + ARM_SMMU_IIDR),
			   readl_relaxed(master->smmu->base + ARM_SMMU_AIDR));
		ste = tdp_ste_ptr(&pdev->dev, &sid, &err);
		seq_printf(m, " sid 0x%x ste", sid);
		for (i = 0; i < STRTAB_STE_DWORDS; i++)
			seq_printf(m, " 0x%016llx", ste ? le64_to_cpu(READ_ONCE(ste->data[i])) : 0ULL);
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(td_smmu);
static struct dentry *td_smmu_file;

/* A "pasid..." line of ctl (td->lock held). */
int td_pasid_ctl(struct td *td, const char *buf)
{
	char *mode = strchr(buf + 5, ' ');
	bool s2 = !strncmp(buf, "pasid-s2", 8);
	unsigned int n = 0;

	tdp_break = TDP_OK;
	if (mode && strstr(mode, "wrong"))
		tdp_break = TDP_WRONG;
	else if (mode && strstr(mode, "nossv"))
		tdp_break = TDP_NOSSV;
	if (!s2 && buf[5] && (sscanf(buf + 5, "%u", &n) != 1 || n > TDP_BIG_MAX))
		return -EINVAL;
	tdp_len = 0;
	tdp_out[0] = 0;
	if (s2)
		tdp_s2(td);
	else
		tdp_run(td, n);
	tdp_line("RESULT %s %d failure(s)", tdp_failures ? "FAIL" : "PASS", tdp_failures);
	return 0;
}

int td_pasid_init(void)
{
	tdp_out = kzalloc(TDP_OUT_LEN, GFP_KERNEL);
	if (!tdp_out)
		return -ENOMEM;
	td_ste_file = debugfs_create_file("smmuv3_aux_ste", 0400, NULL, NULL, &td_ste_fops);
	td_smmu_file = debugfs_create_file("smmuv3_aux_smmu", 0400, NULL, NULL, &td_smmu_fops);
	return 0;
}

void td_pasid_exit(void)
{
	debugfs_remove(td_ste_file);
	debugfs_remove(td_smmu_file);
	kfree(tdp_out);
}
