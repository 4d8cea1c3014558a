# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest-side programming for the benchmarks, over qtest: PCI config of the
# test device through ECAM, an SMMUv3 driver that programs the registers,
# stream table, context descriptor and page tables the way Linux does
# (docs: linux-driver-contract.md 1.3, 3.2, 3.3, 4), and the test device's
# BURST command.  Layouts follow include/hw/arm/smmuv3-aux-common.h and
# include/hw/arm/smmuv3-aux-testdev.h.  The same programming drives
# arm-smmuv3-aux and upstream arm-smmuv3 (stage 1 STEs with S1CDMax = 0).

import struct

# ---- virt board ----------------------------------------------------------
RAM_BASE = 0x40000000
SMMU_BASE = 0x09050000
ECAM_BASE = 0x4010000000          # highmem PCIe ECAM of -M virt
MMIO32_BASE = 0x10000000          # 32-bit PCI MMIO window
TD_BAR_STRIDE = 0x10000           # the test device's BAR0 size (64 KiB)

# ---- test device -----------------------------------------------------------
TD_DEVFN = 4 << 3                 # -device smmuv3-aux-testdev,addr=04.0
TD_SID = TD_DEVFN                 # bus 0: StreamID = RID
TD_CMD, TD_STATUS = 0x08, 0x0c
TD_SRC, TD_BURST_COUNT, TD_BURST_PAGES = 0x18, 0x48, 0x50
TD_BURST_ORDER, TD_BURST_NS, TD_DMA_COUNT = 0x54, 0x58, 0x60
TD_ERR_ADDR = 0x40
TD_PASID = 0x30                   # SSID [19:0], SSV [31]
TD_CMD_BURST = 4
TD_CTRL = 0x10
TD_CTRL_ATS = 1 << 3              # DMA through the device's ATC
PCI_EXT_CAP_ID_ATS = 0x0f
TD_STATUS_DONE, TD_STATUS_ERROR = 1, 2

# ---- SMMU registers --------------------------------------------------------
IDR0, IDR1, IDR3, IDR5 = 0x0, 0x4, 0xc, 0x14
CR0, CR0ACK, CR1, CR2 = 0x20, 0x24, 0x28, 0x2c
GERROR, GERRORN = 0x60, 0x64
STRTAB_BASE, STRTAB_BASE_CFG = 0x80, 0x88
CMDQ_BASE, CMDQ_PROD, CMDQ_CONS = 0x90, 0x98, 0x9c
EVENTQ_BASE, EVENTQ_PROD, EVENTQ_CONS = 0xa0, 0x100a8, 0x100ac
CR0_SMMUEN, CR0_EVENTQEN, CR0_CMDQEN = 1, 4, 8
OAS_BITS = {0: 32, 1: 36, 2: 40, 3: 42, 4: 44, 5: 48, 6: 52}

# ---- commands --------------------------------------------------------------
CMD_CFGI_ALL = 0x04
CMD_TLBI_NH_ASID = 0x11
CMD_TLBI_NH_VA = 0x12
CMD_TLBI_NSNH_ALL = 0x30
CMD_SYNC = 0x46
SYNC_CS_SEV = 2

# ---- translation table descriptors -----------------------------------------
PTE_VALID, PTE_TABLE = 1, 3
PTE_AF = 1 << 10
PTE_NG = 1 << 11
PTE_SH_IS = 3 << 8
PTE_AP_UNPRIV = 1 << 6
# Linux io-pgtable leaves: stage 1 WBRWA (AttrIndx 1 of MAIR 0xf404ff44),
# stage 2 RW normal write-back (MemAttr 0xf).
S1_ATTRS = PTE_AF | PTE_NG | PTE_SH_IS | PTE_AP_UNPRIV | (1 << 2)
S2_ATTRS = PTE_AF | PTE_SH_IS | (3 << 6) | (0xf << 2)
MAIR_LINUX = 0xf404ff44


def cmd_bytes(qw0, qw1=0):
    return struct.pack("<QQ", qw0, qw1)


def cmd_sync():
    # As Linux without MSI polling: CS = SIG_SEV, MSH = IS, MSIATTR = WB.
    return cmd_bytes(CMD_SYNC | (SYNC_CS_SEV << 12) | (3 << 22) | (0xf << 24))


def cmd_tlbi_nh_va(asid, addr, num=0, scale=0, tg=0, ttl=0, leaf=True):
    qw0 = CMD_TLBI_NH_VA | (num << 12) | (scale << 20) | (asid << 48)
    qw1 = (1 if leaf else 0) | (ttl << 8) | (tg << 10) | (addr & ~0xfff)
    return cmd_bytes(qw0, qw1)


class Allocator:
    """Bump allocator over a window of guest RAM (zeroed by the caller)."""

    def __init__(self, start, end):
        self.next, self.end = start, end

    def alloc(self, size, align):
        pa = (self.next + align - 1) & ~(align - 1)
        if pa + size > self.end:
            raise MemoryError("bench allocator: 0x%x bytes do not fit" % size)
        self.next = pa + size
        return pa


class PageTable:
    """
    A VMSAv8-64 translation table (4K or 64K granule), built in Python and
    written to guest memory in one go by flush().  Stage 1 or stage 2 only
    changes the leaf attributes the caller passes.
    """

    def __init__(self, alloc, granule, inputsize):
        self.alloc = alloc
        self.gbits = {4096: 12, 65536: 16}[granule]
        self.granule = granule
        self.stride = self.gbits - 3
        self.inputsize = inputsize
        # Start level: the one whose index covers the top input bit.
        level = 3
        while self.gbits + self.stride * (4 - level) < inputsize:
            level -= 1
        self.start_level = level
        self.tables = {}            # PA -> list of descriptors
        self.root = self._new_table()

    def _new_table(self):
        pa = self.alloc.alloc(self.granule, self.granule)
        self.tables[pa] = [0] * (self.granule // 8)
        return pa

    def _shift(self, level):
        return self.gbits + self.stride * (3 - level)

    def _index(self, va, level):
        return (va >> self._shift(level)) & ((1 << self.stride) - 1)

    def map(self, va, pa, attrs, leaf_level=3):
        """Map one page (leaf_level 3) or block (2, 1) at va -> pa."""
        table = self.root
        for level in range(self.start_level, leaf_level):
            t = self.tables[table]
            i = self._index(va, level)
            if not t[i]:
                t[i] = self._new_table() | PTE_TABLE
            table = t[i] & 0x0000fffffffff000
        t = self.tables[table]
        t[self._index(va, leaf_level)] = (pa | attrs |
                                          (PTE_TABLE if leaf_level == 3 else PTE_VALID))

    def map_range(self, va, pa, size, attrs, leaf_level=3, alias_pages=0):
        """
        Map [va, va + size) to pa linearly, or, with alias_pages, page i to
        pa + (i % alias_pages) * page (many IOVAs, little host memory).
        """
        step = 1 << self._shift(leaf_level)
        for i in range(size // step):
            off = (i % alias_pages if alias_pages else i) * step
            self.map(va + i * step, pa + off, attrs, leaf_level)

    def flush(self, qts):
        for pa, t in sorted(self.tables.items()):
            qts.memwrite(pa, struct.pack("<%dQ" % len(t), *t))


class TestDev:
    """The smmuv3-aux-testdev at 00:04.0, BAR0 assigned in the 32-bit window."""

    def __init__(self, qts, devfn=TD_DEVFN, bar=MMIO32_BASE):
        self.qts = qts
        self.cfg = ECAM_BASE + (devfn << 12)
        self.bar = bar
        assert qts.readl(self.cfg) == 0x00f51b36, "no smmuv3-aux-testdev"
        self.bar_size = self.bar0_size()
        assert bar % self.bar_size == 0, "BAR0 at 0x%x: not aligned to its size" % bar
        qts.writel(self.cfg + 0x10, bar)        # BAR0, 64-bit memory BAR
        qts.writel(self.cfg + 0x14, 0)
        qts.writew(self.cfg + 0x04, 0x6)        # MEMORY | BUS MASTER

    def bar0_size(self):
        """BAR0's size, sized as firmware does (all ones, read back)."""
        self.qts.writel(self.cfg + 0x10, 0xffffffff)
        mask = self.qts.readl(self.cfg + 0x10) & ~0xf
        self.qts.writel(self.cfg + 0x10, 0)
        return (~mask & 0xffffffff) + 1

    # Which clock burst() reports: "cpu" (QEMU main-thread CPU time around
    # the CMD write) or "wall" (BURST_NS, host wall time measured by the
    # device).
    clock = "cpu"

    def enable_ats(self):
        """ATS Enable in the ATS Extended Capability (STU 4 KiB)."""
        off = 0x100
        while off:
            hdr = self.qts.readl(self.cfg + off)
            if hdr & 0xffff == PCI_EXT_CAP_ID_ATS:
                self.qts.writew(self.cfg + off + 6, 0x8000)
                return
            off = hdr >> 20
        raise RuntimeError("smmuv3-aux-testdev has no ATS capability")

    def set_ats(self, on):
        """Later DMA goes through the ATC (Translated requests), or not."""
        self.qts.writel(self.bar + TD_CTRL, TD_CTRL_ATS if on else 0)

    def set_pasid(self, ssid=None):
        """Later DMA carries SubstreamID ssid (SSV = 1), or none."""
        self.qts.writel(self.bar + TD_PASID,
                        0 if ssid is None else (1 << 31) | ssid)

    def burst(self, iova, pages, count, order=0):
        """Run one BURST; return its host ns (see clock)."""
        q, b = self.qts, self.bar
        q.writeq(b + TD_SRC, iova)
        q.writel(b + TD_BURST_PAGES, pages)
        q.writel(b + TD_BURST_ORDER, order)
        q.writeq(b + TD_BURST_COUNT, count)
        q.writel(b + TD_STATUS, 3)
        cpu = q.cpu_ns()
        q.writel(b + TD_CMD, TD_CMD_BURST)
        cpu = q.cpu_ns() - cpu
        st = q.readl(b + TD_STATUS)
        if st != TD_STATUS_DONE:
            raise RuntimeError("burst failed: status %d at IOVA 0x%x"
                               % (st, q.readq(b + TD_ERR_ADDR)))
        wall = q.readq(b + TD_BURST_NS)
        return cpu if self.clock == "cpu" else wall


class SMMU:
    """Linux-style bring-up and structures for one SMMU instance."""

    def __init__(self, qts, alloc, base=SMMU_BASE, cmdq_log2=12):
        self.qts, self.alloc, self.base = qts, alloc, base
        self.oas = OAS_BITS[self.readl(IDR5) & 7]
        self.ril = bool(self.readl(IDR3) & (1 << 10))
        self.cmdq_log2 = min(cmdq_log2, (self.readl(IDR1) >> 21) & 0x1f)
        self.cmdq_prod = 0

    def readl(self, off):
        return self.qts.readl(self.base + off)

    def writel(self, off, val):
        self.qts.writel(self.base + off, val)

    def writeq(self, off, val):
        self.qts.writeq(self.base + off, val)

    def write_cr0(self, val):
        self.writel(CR0, val)
        for _ in range(1000):
            if self.readl(CR0ACK) == val:
                return
        raise RuntimeError("CR0ACK never became 0x%x" % val)

    # ---- bring-up (linux-driver-contract.md 1.3) -----------------------

    def bringup(self, sid_bits=8):
        self.write_cr0(0)
        self.writel(CR1, 0xd75)
        self.writel(CR2, 0x6)
        self.strtab = self.alloc.alloc(64 << sid_bits, 64 << sid_bits)
        self.writeq(STRTAB_BASE, self.strtab | (1 << 62))
        self.writel(STRTAB_BASE_CFG, sid_bits)           # linear
        size = 16 << self.cmdq_log2
        self.cmdq = self.alloc.alloc(size, size)
        self.writeq(CMDQ_BASE, (1 << 62) | self.cmdq | self.cmdq_log2)
        self.writel(CMDQ_PROD, 0)
        self.writel(CMDQ_CONS, 0)
        self.write_cr0(CR0_CMDQEN)
        self.submit([cmd_bytes(CMD_CFGI_ALL, 31), cmd_sync(),
                     cmd_bytes(CMD_TLBI_NSNH_ALL), cmd_sync()])
        self.evtq = self.alloc.alloc(32 << 8, 32 << 8)
        self.writeq(EVENTQ_BASE, (1 << 62) | self.evtq | 8)
        self.writel(EVENTQ_PROD, 0)
        self.writel(EVENTQ_CONS, 0)
        self.write_cr0(CR0_CMDQEN | CR0_EVENTQEN)
        self.write_cr0(CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN)

    # ---- command queue ---------------------------------------------------

    def queue(self, cmds):
        """Write commands at the shadow PROD (wrapping); do not publish."""
        n = 1 << self.cmdq_log2
        mask = (2 << self.cmdq_log2) - 1
        idx = self.cmdq_prod & (n - 1)
        first = cmds[:n - idx]
        self.qts.memwrite(self.cmdq + idx * 16, b"".join(first))
        if len(cmds) > len(first):
            self.qts.memwrite(self.cmdq, b"".join(cmds[len(first):]))
        assert len(cmds) <= n
        self.cmdq_prod = (self.cmdq_prod + len(cmds)) & mask

    def publish(self):
        self.writel(CMDQ_PROD, self.cmdq_prod)

    def check_consumed(self):
        cons = self.readl(CMDQ_CONS)
        mask = (2 << self.cmdq_log2) - 1
        if (cons & mask) != self.cmdq_prod or (cons >> 24) & 0x7f:
            raise RuntimeError("CMDQ not consumed: CONS 0x%x PROD 0x%x GERROR 0x%x"
                               % (cons, self.cmdq_prod, self.readl(GERROR)))

    def submit(self, cmds):
        self.queue(cmds)
        self.publish()
        self.check_consumed()

    def invalidate_all(self):
        self.submit([cmd_bytes(CMD_CFGI_ALL, 31), cmd_bytes(CMD_TLBI_NSNH_ALL),
                     cmd_sync()])

    def events(self):
        return (self.qts.readl(self.base + EVENTQ_PROD) -
                self.qts.readl(self.base + EVENTQ_CONS)) & 0x1ff

    # ---- STE and CD (linux-driver-contract.md 3.2, 3.3) -------------------

    def write_ste(self, sid, qw):
        qw = list(qw) + [0] * (8 - len(qw))
        self.qts.memwrite(self.strtab + 64 * sid, struct.pack("<8Q", *qw))

    def make_cd(self, ttb0, asid, granule=4096, t0sz=16, at=None):
        tg0 = {4096: 0, 65536: 1}[granule]
        ips = {v: k for k, v in OAS_BITS.items()}[self.oas]
        qw0 = (t0sz | (tg0 << 6) | (1 << 8) | (1 << 10) | (3 << 12) |
               (1 << 30) | (1 << 31) | (ips << 32) | (1 << 41) |
               (1 << 45) | (1 << 46) | (1 << 47) | (asid << 48))
        cd = self.alloc.alloc(64, 64) if at is None else at
        self.qts.memwrite(cd, struct.pack("<8Q", qw0, ttb0, 0, MAIR_LINUX,
                                          0, 0, 0, 0))
        return cd

    def s2_fields(self, s2ttb, granule, vmid=1):
        """STE qwords 2 and 3 for a stage 2 over the whole OAS."""
        t0sz = 64 - self.oas
        ps = {v: k for k, v in OAS_BITS.items()}[self.oas]
        gbits = {4096: 12, 65536: 16}[granule]
        stride = gbits - 3
        start = 3
        while gbits + stride * (4 - start) < self.oas:
            start -= 1
        # SL0: 4K: 0 -> level 2, 1 -> 1, 2 -> 0; 64K: 0 -> 3, 1 -> 2, 2 -> 1
        sl0 = (2 - start) if granule == 4096 else (3 - start)
        tg = {4096: 0, 65536: 1}[granule]
        qw2 = (vmid | (t0sz << 32) | (sl0 << 38) | (1 << 40) | (1 << 42) |
               (3 << 44) | (tg << 46) | (ps << 48) | (1 << 51) | (1 << 54) |
               (1 << 58))
        return qw2, s2ttb

    def ste_s1(self, sid, cd, cdmax=0, eats=0):
        """Stage 1; cdmax > 0: a linear table of 2^cdmax CDs, S1DSS = 0."""
        qw0 = 1 | (5 << 1) | cd | (cdmax << 59)
        qw1 = (1 << 2) | (1 << 4) | (3 << 6) | (eats << 28)
        self.write_ste(sid, [qw0, qw1])

    def make_cd_table(self, ttb0, asids):
        """A linear CD table, CD i with ASID asids[i]; returns its PA."""
        n = len(asids)
        assert n & (n - 1) == 0, "a CD table holds a power of two CDs"
        base = self.alloc.alloc(64 * n, 64 * n)
        for i, asid in enumerate(asids):
            self.make_cd(ttb0, asid, at=base + 64 * i)
        return base

    def ste_s2(self, sid, s2ttb, granule=4096):
        qw2, qw3 = self.s2_fields(s2ttb, granule)
        self.write_ste(sid, [1 | (6 << 1), 0, qw2, qw3])

    def ste_nested(self, sid, cd_ipa, s2ttb, granule=4096):
        qw2, qw3 = self.s2_fields(s2ttb, granule)
        qw1 = (1 << 2) | (1 << 4) | (3 << 6)
        self.write_ste(sid, [1 | (7 << 1) | cd_ipa, qw1, qw2, qw3])

    def ste_bypass(self, sid):
        self.write_ste(sid, [1 | (4 << 1), 1 << 44])
