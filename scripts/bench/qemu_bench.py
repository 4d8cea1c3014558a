# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks that drive QEMU through qtest: DMA translation throughput,
# walk cost, command throughput and memory per cached translation, for
# arm-smmuv3-aux, upstream arm-smmuv3 and no IOMMU.
#
# Every figure is the median of several runs; the configurations are
# interleaved (A, B, C, A, B, C, ...) and ratios are the median of the
# run-by-run ratios, so slow drifts of the host cancel out.

import time

from qtest import QTest, QTestError
from smmu import (Allocator, PageTable, SMMU, TestDev, RAM_BASE, MMIO32_BASE,
                  TD_BAR_STRIDE,
                  S1_ATTRS, S2_ATTRS, cmd_sync, cmd_tlbi_nh_va)
from stats import (Row, CONFIGS, fmt_rate, fmt_ns, fmt_bytes, median)

# Guest physical layout (-m 4G: RAM is 0x40000000..0x140000000).
TABLES_START = RAM_BASE + (16 << 20)      # queues, STEs, CDs, page tables
TABLES_END = RAM_BASE + (256 << 20)
DATA = 0x80000000                         # DMA buffers; IOVA == IPA == PA
MISS_PAGES = 256 * 1024                   # 1 GiB of 4 KiB pages
MIXED_PAGES = 64 * 1024
HIT_PAGES = 16

PASIDS = 64

# Test devices: one per translation setup, each with its own StreamID.
SETUPS = ("s1-4k", "s1-64k", "s2-4k", "nested")
MACHINE = "virt,gic-version=3"
MODEL = {"smmuv3-aux": "arm-smmuv3-aux", "smmuv3": "arm-smmuv3"}


def qemu_has_property(qemu, device, prop):
    import subprocess
    out = subprocess.run([qemu, "-machine", "none", "-device", device + ",help"],
                         capture_output=True, text=True).stdout
    return any(line.split("=")[0].strip() == prop for line in out.splitlines())


class Instance:
    """
    One QEMU with len(SETUPS) test devices at 00:04.0.. and, unless
    iommu=none, the SMMU programmed Linux-style with one STE per device:
    stage 1 4K, stage 1 64K, stage 2 4K and nested 4K+4K, all mapping
    [DATA, DATA + 1 GiB) to itself.  With alias_pages, stage 1 4K maps page
    i to DATA + (i % alias_pages) pages instead, and so does stage 2 (64K:
    every page to the first): many distinct translations whose DMAs read
    a few cache-resident host pages (walk and memory measurements).
    """

    def __init__(self, qemu, iommu, globals_=(), fill=True, alias_pages=0,
                 setups=SETUPS, prefix=(), map_pages=MISS_PAGES):
        machine = MACHINE + ("" if iommu == "none" else ",iommu=" + iommu)
        args = ["-machine", machine, "-m", "4G"]
        for g in globals_:
            args += ["-global", g]
        for i in range(len(setups)):
            args += ["-device", "smmuv3-aux-testdev,addr=%02x.0" % (4 + i)]
        self.iommu = iommu
        self.q = QTest(qemu, args, timeout=600, prefix=prefix)
        self.devs = {}
        for i, name in enumerate(setups):
            # BAR0 is 64 KiB: devices 0x1000 apart overlapped, and every
            # burst reached the last device (the nested setup).
            self.devs[name] = TestDev(self.q, devfn=(4 + i) << 3,
                                      bar=MMIO32_BASE + i * TD_BAR_STRIDE)
        if fill:
            # Real buffers: DMA reads resident RAM, not the zero page.
            for off in range(0, MISS_PAGES * 4096, 64 << 20):
                self.q.memset(DATA + off, 64 << 20, 0x5a)
        self.smmu = None
        if iommu != "none":
            self._program(setups, alias_pages, map_pages)

    def _program(self, setups, alias_pages, map_pages):
        q = self.q
        al = Allocator(TABLES_START, TABLES_END)
        s = self.smmu = SMMU(q, al)
        s.bringup()
        size = map_pages * 4096
        s1 = PageTable(al, 4096, 48)
        s1.map_range(DATA, DATA, size, S1_ATTRS, alias_pages=alias_pages)
        s1.flush(q)
        cd4k = s.make_cd(s1.root, asid=1)
        for i, name in enumerate(setups):
            sid = (4 + i) << 3
            if name == "s1-4k-pasid":
                # PASIDs 0..63 over the same tables, each its own ASID.
                cdt = s.make_cd_table(s1.root, [100 + p for p in
                                                range(PASIDS)])
                s.ste_s1(sid, cdt, cdmax=PASIDS.bit_length() - 1)
            elif name == "s1-4k-ats":
                s.ste_s1(sid, cd4k, eats=1)       # EATS: Full ATS
                self.devs[name].enable_ats()
            elif name.startswith("s1-4k"):    # "s1-4k", "s1-4k-2", ...
                s.ste_s1(sid, cd4k)
            elif name == "s1-64k":
                t = PageTable(al, 65536, 48)
                # Aliased: every 64K page is the first one, so the 4 KiB
                # strided DMAs read the same 16 host pages as HIT_PAGES.
                t.map_range(DATA, DATA, size, S1_ATTRS,
                            alias_pages=1 if alias_pages else 0)
                t.flush(q)
                s.ste_s1(sid, s.make_cd(t.root, asid=2, granule=65536))
            elif name in ("s2-4k", "nested"):
                if not hasattr(self, "s2"):
                    # Identity over the tables and the data: the nested
                    # stage 1 tables and CD are IPAs.
                    self.s2 = PageTable(al, 4096, s.oas)
                    reserve = al.alloc(0, 4096)
                    # Leave room for the stage 2 tables themselves, which
                    # are allocated while mapping (they are never walked
                    # through stage 2, only their IPA range must be mapped
                    # for nested CD/S1 table fetches below 'reserve').
                    self.s2.map_range(TABLES_START, TABLES_START,
                                      reserve - TABLES_START, S2_ATTRS)
                    self.s2.map_range(DATA, DATA, size, S2_ATTRS,
                                      alias_pages=alias_pages)
                    self.s2.flush(q)
                if name == "s2-4k":
                    s.ste_s2(sid, self.s2.root)
                else:
                    s.ste_nested(sid, cd4k, self.s2.root)
        s.invalidate_all()

    def burst(self, setup, pages, count, order=0):
        return self.devs[setup].burst(DATA, pages, count, order)

    def close(self):
        self.q.close()


def start_instances(qemu, variants, log, **kw):
    """variants: cfg -> (iommu, globals); returns cfg -> Instance."""
    out = {}
    try:
        for cfg, (iommu, globals_) in variants.items():
            t = time.monotonic()
            out[cfg] = Instance(qemu, iommu, globals_, **kw)
            log("  started %s (%s) in %.1f s" % (cfg, " ".join(globals_) or
                                                 "defaults",
                                                 time.monotonic() - t))
    except Exception:
        for inst in out.values():
            inst.close()
        raise
    return out


# ---- 1. DMA translation throughput ------------------------------------------

PATTERNS = (
    # name, pages, order, description
    ("hit", HIT_PAGES, 0, "IOTLB hit: 16 pages, sequential"),
    ("miss", MISS_PAGES, 0, "miss: 256 Ki pages (1 GiB), sequential"),
    ("mixed", MIXED_PAGES, 1, "mixed: Zipf-like over 64 Ki pages"),
)


# Upstream's arm-smmuv3 opted in to the memory core's cache (patch 0014),
# when the binary has it: what that patch does for upstream's model.
UP_CTLB = "smmuv3-ctlb"
UP_CTLB_GLOBALS = ("arm-smmuv3.x-core-tlb=on",)


def bench_throughput(insts, runs, count, log):
    cfgs = CONFIGS + ((UP_CTLB,) if UP_CTLB in insts else ())
    samples = {p[0]: {c: [] for c in cfgs} for p in PATTERNS}
    for r in range(runs):
        for name, pages, order, _ in PATTERNS:
            for cfg in cfgs:
                ns = insts[cfg].burst("s1-4k", pages, count, order)
                samples[name][cfg].append(count / ns * 1e9)
        log("  throughput run %d/%d done" % (r + 1, runs))
    ratios = [("aux/up", "smmuv3-aux", "smmuv3", None),
              ("aux/none", "smmuv3-aux", "none", None)]
    rows = []
    targets = {
        "hit": (">= 2.5x up, >= 0.90x none",
                lambda row: _all(row.ratio("aux/up"), 2.5,
                                 row.ratio("aux/none"), 0.90)),
        "miss": (">= 1.5x up", lambda row: _all(row.ratio("aux/up"), 1.5)),
        "mixed": None,
    }
    for name, pages, order, desc in PATTERNS:
        own = {c: v for c, v in samples[name].items() if c in CONFIGS}
        rows.append(Row("DMA 4K reads/s, " + desc, "DMA/s", fmt_rate,
                        own, ratios, targets[name]))
    for name, pages, order, desc in PATTERNS[:1] if UP_CTLB in cfgs else ():
        s = samples[name]
        rows.append(Row("DMA 4K reads/s, %s: arm-smmuv3 x-core-tlb=on" % desc,
                        "DMA/s", fmt_rate,
                        {"smmuv3": s[UP_CTLB], "none": s["none"],
                         "up-default": s["smmuv3"]},
                        [("ctlb/up", "smmuv3", "up-default", None),
                         ("ctlb/none", "smmuv3", "none", None)],
                        note="upstream's model with the memory core's "
                             "translation cache (patches/qemu/0014); "
                             "the ratio is against its default, in the "
                             "same runs"))
    return rows


def _all(*pairs):
    vals = pairs[0::2]
    if any(v is None for v in vals):
        return None
    return all(v >= goal for v, goal in zip(vals, pairs[1::2]))


# ---- 1b. Substreams ---------------------------------------------------------

PASID_SETUPS = ("s1-4k", "s1-4k-pasid")


def bench_pasid(inst, runs, count, log):
    """
    arm-smmuv3-aux alone: the IOTLB-hit and miss patterns of
    bench_throughput as PASIDS bursts of count / PASIDS DMAs each, once
    with SSV = 1 and SubstreamID i on burst i (one device, a CD per
    substream over the same tables, one ASID each, so the IOTLB holds
    PASIDS times the entries) and once, on a second device with the same
    tables, without a SubstreamID.  The bursts are the same in both, so
    the ratio is what substreams cost.  For the miss pattern burst i reads
    its own slice of the 1 GiB: every DMA misses in both variants.
    """
    per = count // PASIDS
    rows = []
    for name, pages, order, desc in PATTERNS[:2]:
        span = pages // PASIDS if name == "miss" else pages
        samples = {"smmuv3-aux": [], "no-ssid": []}
        for _ in range(runs):
            for key, setup in (("no-ssid", "s1-4k"),
                               ("smmuv3-aux", "s1-4k-pasid")):
                dev = inst.devs[setup]
                ns = 0
                for p in range(PASIDS):
                    dev.set_pasid(p if setup == "s1-4k-pasid" else None)
                    iova = DATA + (p * span * 4096 if name == "miss" else 0)
                    ns += dev.burst(iova, span, per, order)
                dev.set_pasid(None)
                samples[key].append(per * PASIDS / ns * 1e9)
        rows.append(Row("DMA 4K reads/s, %s, SSV=1 over %d PASIDs"
                        % (desc.split(":")[0], PASIDS), "DMA/s", fmt_rate,
                        samples,
                        [("pasid/no-ssid", "smmuv3-aux", "no-ssid", None)],
                        (">= 0.90x no-ssid",
                         lambda row: _all(row.ratio("pasid/no-ssid"), 0.9)),
                        note="no-ssid: %s on the same instance, same bursts"
                             % fmt_rate(median(samples["no-ssid"]))))
        log("  pasid %s done" % name)
    return rows


# ---- 1c. ATS ---------------------------------------------------------------

ATS_SETUPS = ("s1-4k", "s1-4k-ats")


def bench_ats(inst, runs, count, log):
    """
    arm-smmuv3-aux alone, two devices over the same stage-1 tables: one
    DMAs as usual (the IOTLB and the micro-TLB translate each access), the
    other (STE.EATS = 1, ATS enabled) through its own 16-entry ATC, each
    access a Translated request that the SMMU only checks.  Hit: 16 pages,
    so after the first 16 Translation Requests every access is an ATC hit.
    Miss: 256 Ki pages, so every access costs one Translation Request (a
    full table walk: requests do not use the IOTLB) against one IOTLB
    miss and walk.  The ratio is what ATS changes per DMA.
    """
    rows = []
    dev, ats = inst.devs["s1-4k"], inst.devs["s1-4k-ats"]
    for name, pages, order, desc in PATTERNS[:2]:
        samples = {"smmuv3-aux": [], "iotlb": []}
        for _ in range(runs):
            samples["iotlb"].append(count / dev.burst(DATA, pages, count,
                                                      order) * 1e9)
            ats.set_ats(True)
            samples["smmuv3-aux"].append(count / ats.burst(DATA, pages, count,
                                                           order) * 1e9)
            ats.set_ats(False)
        what = ("ATC hit (no SMMU walk, a Translated request per DMA)"
                if name == "hit" else "a Translation Request per DMA")
        rows.append(Row("ATS DMA 4K reads/s, %s: %s" % (desc.split(":")[0],
                                                       what),
                        "DMA/s", fmt_rate, samples,
                        [("ats/iotlb", "smmuv3-aux", "iotlb", None)],
                        note="iotlb: the same bursts without ATS, %s"
                             % fmt_rate(median(samples["iotlb"]))))
        log("  ats %s done" % name)
    return rows


# ---- 2. Walk cost -------------------------------------------------------------

def bench_walks(insts, runs, count, log):
    """
    Extra ns per DMA when every translation walks.  The instances map
    MISS_PAGES distinct IOVAs onto HIT_PAGES host pages (alias), so the DMA
    data stays cache-resident and the difference to the no-IOMMU DMA of
    the same HIT_PAGES pages (run pair by pair) is the translation: config
    lookup, walk (descriptor reads through QEMU's memory API) and, for
    upstream, the IOTLB probes and inserts.  arm-smmuv3-aux runs with
    iotlb-size=0 (and utlb=off), so even a small working set would walk;
    upstream walks because 256 Ki distinct pages overflow its 256-entry
    IOTLB (flushed whenever full).  For the nested setup ours runs on
    insts["smmuv3-aux-nested"] when given: the IOTLB on (it holds the
    walk cache), its 8192 entries as overflowed by the 256 Ki pages as
    upstream's 256.
    """
    rows = []
    for setup in SETUPS:
        samples = {c: [] for c in CONFIGS}
        for r in range(runs):
            base = insts["none"].burst(setup, HIT_PAGES, count) / count
            samples["none"].append(base)
            for cfg in ("smmuv3-aux", "smmuv3"):
                if cfg == "smmuv3" and setup == "s1-64k":
                    continue      # 16 DMAs per 64K page: mostly TLB hits
                inst = insts[cfg]
                if cfg == "smmuv3-aux" and setup == "nested":
                    inst = insts.get("smmuv3-aux-nested", inst)
                ns = inst.burst(setup, MISS_PAGES, count) / count
                samples[cfg].append(ns - base)
        samples = {c: v for c, v in samples.items() if v}
        levels = {"s1-4k": "stage 1 4K, 4 levels",
                  "s1-64k": "stage 1 64K, 3 levels",
                  "s2-4k": "stage 2 4K, 4 levels",
                  "nested": "nested 4K+4K, up to 24 reads, walk cache"}[setup]
        rows.append(Row("walk: " + levels + ", ns/translation", "ns",
                        fmt_ns, samples,
                        [("up/aux", "smmuv3", "smmuv3-aux", None)],
                        note="none column: ns per DMA without IOMMU; the "
                             "others: extra ns per DMA over it"))
        log("  walk %s done" % setup)
    return rows


# ---- 3. Command throughput ------------------------------------------------------

def _qtest_round_trip(inst, n=200):
    """Median main-thread CPU ns of a harmless MMIO write over qtest."""
    dev = inst.devs["s1-4k"]
    ts = []
    for _ in range(n):
        t = inst.q.cpu_ns()
        inst.q.writel(dev.bar + 0x10, 0)            # TD_CTRL = 0
        ts.append(inst.q.cpu_ns() - t)
    ts.sort()
    return ts[len(ts) // 2]


def _time_batch(inst, cmds):
    """CPU ns of the CMDQ_PROD write that makes the SMMU consume cmds."""
    s = inst.smmu
    s.queue(cmds)
    t = inst.q.cpu_ns()
    s.publish()
    ns = inst.q.cpu_ns() - t
    s.check_consumed()
    return ns


def bench_commands(insts, runs, batch, log):
    kinds = {}

    def sync_cmds(s):
        return [cmd_sync()] * batch

    def tlbi_va(s):
        return [cmd_tlbi_nh_va(1, DATA + (i % 256) * 4096)
                for i in range(batch - 1)] + [cmd_sync()]

    def tlbi_ril(s):
        # 32 pages per command: TG = 4K, TTL = 3, SCALE 0, NUM 31
        return [cmd_tlbi_nh_va(1, DATA + (i * 32 % MIXED_PAGES) * 4096,
                               num=31, scale=0, tg=1, ttl=3)
                for i in range(batch - 1)] + [cmd_sync()]

    # name, commands, needs RIL, translations cached before each batch
    # (8192: our IOTLB full over the range; upstream keeps at most 256).
    tests = (("CMD_SYNC", sync_cmds, False, 256),
             ("TLBI_NH_VA (1 page, 256 cached)", tlbi_va, False, 256),
             ("TLBI_NH_VA RIL (32 pages, 256 cached)", tlbi_ril, True, 256),
             ("TLBI_NH_VA RIL (32 pages, 8192 cached)", tlbi_ril, True, 8192))
    rt = {c: _qtest_round_trip(insts[c]) for c in ("smmuv3-aux", "smmuv3")}
    rows = []
    for name, make, need_ril, cached in tests:
        samples = {"smmuv3-aux": [], "smmuv3": []}
        for r in range(runs):
            for cfg in ("smmuv3-aux", "smmuv3"):
                inst = insts[cfg]
                if need_ril and not inst.smmu.ril:
                    continue
                inst.burst("s1-4k", cached, cached)
                ns = _time_batch(inst, make(inst.smmu)) - rt[cfg]
                samples[cfg].append(batch / max(ns, 1) * 1e9)
        rows.append(Row("commands/s: %s, %d per PROD write" % (name, batch),
                        "cmd/s", fmt_rate, samples,
                        [("aux/up", "smmuv3-aux", "smmuv3", None)],
                        note="CPU time of the PROD write minus that of a "
                             "plain qtest MMIO write "
                             "(aux %d ns, upstream %d ns)"
                             % (rt["smmuv3-aux"], rt["smmuv3"])))
    log("  commands done")
    return rows


# ---- 5. Memory per cached translation ----------------------------------------

def bench_memory(qemu, runs, log):
    """
    RSS of QEMU before and after caching N distinct 4K translations.  The
    IOVAs alias 16 physical pages, so the DMAs themselves touch no new
    host memory; the delta is the cache (plus allocator noise: VmRSS has
    4 KiB granularity).  arm-smmuv3-aux gets iotlb-size=65536 and caches
    64 Ki translations.  Upstream is not measured: it holds at most 256
    (SMMU_IOTLB_MAX_SIZE, flushed when full), whose small allocations land
    in heap chunks glibc already has, so RSS does not resolve them.
    """
    plan = (("smmuv3-aux", ("arm-smmuv3-aux.iotlb-size=65536",), 65536),)
    samples = {"smmuv3-aux": []}
    for r in range(runs):
        for cfg, globals_, n in plan:
            inst = Instance(qemu, cfg, globals_, fill=False, alias_pages=16,
                            setups=("s1-4k",))
            try:
                inst.burst("s1-4k", 1, 16)              # tables allocated
                before = inst.q.rss_bytes()
                inst.burst("s1-4k", n, n)
                after = inst.q.rss_bytes()
            finally:
                inst.close()
            samples[cfg].append((after - before) / n)
    log("  memory done")
    return [Row("memory: bytes per cached translation (QEMU RSS delta)", "B",
                fmt_bytes, samples, [],
                ("<= 40 B", lambda row: None if row.values["smmuv3-aux"] is None
                 else row.values["smmuv3-aux"] <= 40),
                note="aux: 64 Ki cached translations (iotlb-size=65536); "
                     "upstream not measurable: at most 256 entries "
                     "(SMMU_IOTLB_MAX_SIZE, flushed when full) in reused "
                     "heap chunks; estimated 120-150 B each")] + \
        bench_memory_1m(qemu, log)


MEM_1M_PAGES = 1 << 20


def bench_memory_1m(qemu, log):
    """
    QEMU's RSS growth while DMAs translate 1 Mi distinct 4 KiB pages (4 GiB
    of IOVA aliasing 16 host pages), ours with iotlb-size=1048576 (its
    maximum, so it keeps them all) against upstream, which keeps at most
    256 whatever it is asked to translate.  One run each: building 1 Mi
    PTEs over qtest takes a while.
    """
    plan = (("smmuv3-aux", ("arm-smmuv3-aux.iotlb-size=%d" % MEM_1M_PAGES,)),
            ("smmuv3", ()))
    samples = {}
    for cfg, globals_ in plan:
        inst = Instance(qemu, cfg, globals_, fill=False, alias_pages=16,
                        setups=("s1-4k",), map_pages=MEM_1M_PAGES)
        try:
            inst.burst("s1-4k", 1, 16)
            before = inst.q.rss_bytes()
            inst.burst("s1-4k", MEM_1M_PAGES, MEM_1M_PAGES)
            samples[cfg] = [(inst.q.rss_bytes() - before) / (1 << 20)]
        finally:
            inst.close()
    log("  memory 1 Mi done")
    return [Row("memory: RSS delta after translating 1 Mi pages", "MiB",
                lambda v: "n/a" if v is None else "%.1f MiB" % v, samples,
                [], note="aux keeps all 1 Mi (iotlb-size=1048576), upstream "
                         "at most 256")]
