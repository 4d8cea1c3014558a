/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole-device fuzzer of arm-smmuv3-aux over QEMU itself: a seeded random
 * driver that, through qtest, does everything a hostile guest can do to
 * the SMMU, its CMDQV block and two DMA masters at once, so that the
 * binding, the memory-core patches, the test devices and their threads
 * are fuzzed together with the engine (whose own libFuzzer harness,
 * tests/fuzz/, sees only the engine).
 *
 * Each run starts from a working configuration (Linux's bring-up, a
 * stage-1 domain with mapped pages, CMDQV with one VINTF and one VCMDQ,
 * two test devices) and then takes SMMUV3_AUX_DEVFUZZ_STEPS random
 * actions: register writes of any width to any register of the SMMU's
 * two pages and of the CMDQV's pages, values near the current ones or
 * pointers into RAM, MMIO and holes; commands of every opcode with
 * random fields into the command queue and the VCMDQ, and doorbells;
 * scribbles over the stream table, CDs, page tables and queues (self
 * loops and MMIO pointers included); DMA of every command, synchronous
 * and in the device's thread, with and without PASID, ATS and the
 * MemoryRegionCache path, aimed at mapped IOVAs, at MMIO and at nothing;
 * bus-master and memory-enable toggles, ATS/PASID/PRI enables and FLR in
 * configuration space; virtual time; rare system resets; and one live
 * migration to a second QEMU in the middle.
 *
 * Throughout, QEMU must keep answering (IDR0 as at start), its heap must
 * stay flat once warm (SMMUV3_AUX_DEVFUZZ_RSS_MB of growth at most), and
 * at the end a system reset must give back an SMMU that translates
 * correctly and reports no stale event.  A crash, an assertion, a hang
 * (the qtest protocol times out) or a leak fails the case; the seed and
 * step it printed reproduce it (SMMUV3_AUX_DEVFUZZ_SEED, _STEPS, and
 * SMMUV3_AUX_DEVFUZZ_TRACE=1 for the actions).  make check runs a few
 * short seeds; make fuzz-device FUZZ_TIME=s runs fresh seeds for as long
 * as asked (docs/devel/fuzzing.rst).
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "standard-headers/linux/pci_regs.h"
#include "hw/arm/smmuv3-aux.h"
#include "hw/arm/smmuv3-aux-cmdqv.h"
#include "libqos/qos-smmuv3-aux-fixture.h"

#define PAGE            4096ULL
#define IOVA            0x8080600000ULL
#define NPAGES          8
#define SMMU            QSMMU_AUX_VIRT_BASE
#define CMDQV           SMMUV3_AUX_VIRT_CMDQV_BASE
/*
 * Guest RAM in a memfd: the pages DMA touches count as RssShmem, so that
 * RssAnon is QEMU's own heap, whose growth would be a leak.
 */
#define ARGS            "-global arm-smmuv3-aux.cmdqv=on " \
                        "-object memory-backend-memfd,id=ram0,size=512M " \
                        "-machine memory-backend=ram0"
#define VCMDQ_LOG2      4
#define MAX_TARGETS     32

/* Addresses that are not RAM: where a structure, a queue or a DMA may point. */
static const uint64_t not_ram[] = {
    SMMU, SMMU + 0x10000, SMMU + 0x90, CMDQV, CMDQV + 0x10000,
    0x08000000,             /* GIC distributor */
    0x08080000,             /* GIC ITS, the MSI doorbell */
    0x3e000000,             /* PCI MMIO window (test device BARs) */
    0x3f000000,             /* PCI ECAM-free hole */
    0x4000000000ULL,        /* decodes to nothing */
    0xfffffffffff000ULL,    /* top of a 56-bit space */
    0,
};

/* Registers of the SMMU's page 0 and page 1 (IHI 0070 6.3). */
static const uint32_t smmu_regs[] = {
    A_CR0, A_CR1, A_CR2, A_GBPA, A_IRQ_CTRL, A_GERRORN,
    A_GERROR_IRQ_CFG0, A_GERROR_IRQ_CFG0 + 4, A_GERROR_IRQ_CFG1,
    A_GERROR_IRQ_CFG2, A_STRTAB_BASE, A_STRTAB_BASE + 4, A_STRTAB_BASE_CFG,
    A_CMDQ_BASE, A_CMDQ_BASE + 4, A_CMDQ_PROD, A_CMDQ_CONS, A_EVENTQ_BASE,
    A_EVENTQ_BASE + 4, A_EVENTQ_PROD_PAGE0, A_EVENTQ_CONS_PAGE0,
    A_EVENTQ_IRQ_CFG0, A_EVENTQ_IRQ_CFG1, A_EVENTQ_IRQ_CFG2, A_PRIQ_BASE,
    A_PRIQ_BASE + 4, A_PRIQ_IRQ_CFG0, A_PRIQ_IRQ_CFG1, A_PRIQ_IRQ_CFG2,
    A_EVENTQ_PROD, A_EVENTQ_CONS, A_PRIQ_PROD, A_PRIQ_CONS,
    A_IDR0, A_CR0ACK, A_GERROR, A_STATUSR, A_AGBPA,
};

/* Offsets in a CMDQV page with meaning (config page, VINTF 0, VCMDQ 0). */
static const uint32_t cmdqv_regs[] = {
    A_CMDQV_CONFIG, A_CMDQV_PARAM, A_CMDQV_STATUS, A_CMDQV_VINTF_ERR_MAP,
    A_CMDQV_VINTF_INT_MASK, A_CMDQV_VINTF_INT_MASK + 4, A_CMDQV_CMDQ_ERR_MAP,
    A_CMDQV_CMDQ_ALLOC, A_CMDQV_CMDQ_ALLOC + 4, A_CMDQV_CMDQ_ALLOC + 28,
    0x1000 + A_VINTF_CONFIG, 0x1000 + A_VINTF_STATUS,
    0x1000 + A_VINTF_SID_MATCH, 0x1000 + A_VINTF_SID_REPLACE,
    0x1100 + A_VINTF_CONFIG, 0x1000 + A_VINTF_LVCMDQ_ERR_MAP,
    0x10000 + A_VCMDQ_CONS, 0x10000 + A_VCMDQ_PROD, 0x10000 + A_VCMDQ_CONFIG,
    0x10000 + A_VCMDQ_GERRORN, 0x10080 + A_VCMDQ_CONFIG,
    0x20000 + A_VCMDQ_BASE, 0x20000 + A_VCMDQ_CONS_INDX_BASE,
    0x30000 + A_VCMDQ_PROD, 0x30000 + A_VCMDQ_CONFIG,
    0x40000 + A_VCMDQ_BASE, 0x50000 + A_VCMDQ_PROD,
};

static const uint8_t opcodes[] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13,
    0x18, 0x1a, 0x20, 0x21, 0x22, 0x23, 0x28, 0x2a, 0x30, 0x40, 0x41,
    0x44, 0x45, 0x46, 0x50, 0x5a, 0x60, 0x70, 0x73, 0x00, 0xff,
};

typedef struct Fuzz {
    QSMMUAuxFix c;
    uint64_t rng;
    uint64_t seed;
    unsigned step;
    bool trace;
    uint32_t idr0;
    QSMMUFixS1 d;
    uint64_t data;                  /* NPAGES of pattern, mapped at IOVA */
    uint64_t vcmdq;                 /* the VCMDQ's memory */
    uint64_t targets[MAX_TARGETS];  /* structures worth scribbling over */
    unsigned ntargets;
} Fuzz;

/* ---- Randomness ----------------------------------------------------------- */

static uint64_t rnd(Fuzz *z)
{
    /* xorshift64*: reproducible from the seed on every host. */
    z->rng ^= z->rng >> 12;
    z->rng ^= z->rng << 25;
    z->rng ^= z->rng >> 27;
    return z->rng * 0x2545f4914f6cdd1dULL;
}

static unsigned below(Fuzz *z, unsigned n)
{
    return rnd(z) % n;
}

static bool one_in(Fuzz *z, unsigned n)
{
    return below(z, n) == 0;
}

#define PICK(z, a)      ((a)[below(z, ARRAY_SIZE(a))])

static void trace(Fuzz *z, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void trace(Fuzz *z, const char *fmt, ...)
{
    va_list ap;

    if (!z->trace) {
        return;
    }
    va_start(ap, fmt);
    fprintf(stderr, "devfuzz %u: ", z->step);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* An address: mostly RAM the driver uses, else MMIO, a hole or anything. */
static uint64_t any_addr(Fuzz *z)
{
    switch (below(z, 8)) {
    case 0:
        return PICK(z, not_ram) + (below(z, 4) << 3);
    case 1:
        return rnd(z) & ~7ull;
    case 2:
        return z->data + below(z, NPAGES) * PAGE;
    default:
        return z->targets[below(z, z->ntargets)] + (below(z, 8) << 3);
    }
}

/* A value for a register that holds @cur: near it, a pointer, or noise. */
static uint64_t any_value(Fuzz *z, uint64_t cur)
{
    switch (below(z, 6)) {
    case 0:
        return cur ^ (1ull << below(z, 64));
    case 1:
        return cur + below(z, 3) - 1;
    case 2:
        return any_addr(z) | below(z, 32);     /* base | LOG2SIZE */
    case 3:
        return rnd(z) >> below(z, 64);
    case 4:
        return cur;
    default:
        return rnd(z);
    }
}

/* ---- Actions ------------------------------------------------------------- */

static void poke(Fuzz *z, uint64_t addr)
{
    QTestState *q = z->c.qts;

    if (one_in(z, 3)) {
        uint64_t v = any_value(z, qtest_readq(q, addr & ~7ull));

        trace(z, "writeq %#" PRIx64 " = %#" PRIx64, addr & ~(uint64_t)7, v);
        qtest_writeq(q, addr & ~(uint64_t)7, v);
    } else if (one_in(z, 4)) {
        trace(z, "read %#" PRIx64, addr);
        qtest_readl(q, addr & ~3ull);
    } else {
        uint32_t v = any_value(z, qtest_readl(q, addr & ~3ull));

        trace(z, "writel %#" PRIx64 " = %#x", addr & ~(uint64_t)3, v);
        qtest_writel(q, addr & ~(uint64_t)3, v);
    }
}

static void act_smmu_reg(Fuzz *z)
{
    uint64_t off = one_in(z, 8) ? below(z, 0x20000) : PICK(z, smmu_regs);

    poke(z, SMMU + off);
}

static void act_cmdqv_reg(Fuzz *z)
{
    uint64_t off = one_in(z, 8) ? below(z, 0x70000) : PICK(z, cmdqv_regs);

    poke(z, CMDQV + off);
}

/* A StreamID: the two devices', one near them, or any. */
static uint64_t any_sid(Fuzz *z)
{
    static const uint32_t sids[] = {
        QSMMU_FIX_SID, QSMMU_FIX_EXTRA_SID(0), QSMMU_FIX_SID + 1, 0xff,
    };

    return one_in(z, 4) ? (uint32_t)rnd(z) >> below(z, 32) : PICK(z, sids);
}

/*
 * A command: mostly well formed (architected opcode, the devices'
 * StreamIDs, ASID 1 or VMID 0, small SubstreamIDs, addresses near the
 * mapped IOVAs, reserved fields 0) so that the queue keeps going deep
 * into the invalidation, ATS, PRI and stall paths; sometimes any bits,
 * which must end in CERROR_ILL and nothing worse.
 */
static void random_cmd(Fuzz *z, SMMUv3AuxCmd *cmd)
{
    uint8_t op = one_in(z, 16) ? below(z, 256) : PICK(z, opcodes);

    if (one_in(z, 6)) {
        cmd->qw[0] = (rnd(z) & ~0xffull) | op;
        cmd->qw[1] = rnd(z);
        return;
    }
    /* [31:12] SSID, CS, NUM/SCALE; [11] SSV; [9] Leaf of CFGI_STE */
    cmd->qw[0] = op |
                 (uint64_t)(one_in(z, 4) ? below(z, 1 << 20) : below(z, 4))
                     << 12 |
                 (uint64_t)one_in(z, 3) << 11 | (uint64_t)one_in(z, 4) << 9;
    cmd->qw[0] |= (op >= 0x10 && op < 0x40) ?
                  (uint64_t)(below(z, 2) ? 1 : below(z, 65536)) << 48 |
                  (uint64_t)below(z, 2) << 32 :               /* ASID, VMID */
                  any_sid(z) << 32;
    switch (below(z, 4)) {
    case 0:
        cmd->qw[1] = any_addr(z);                        /* an MSI, a Range */
        break;
    case 1:
        cmd->qw[1] = below(z, 32) | (uint64_t)below(z, 2) << 63;
        break;
    default:                                            /* an IOVA | Leaf */
        cmd->qw[1] = (IOVA + below(z, NPAGES * 2) * PAGE) | below(z, 0x1000);
        break;
    }
}

/*
 * Put a command at the PROD of the queue whose BASE register is at
 * @base_reg and ring its doorbell @prod_reg, wherever BASE now points
 * (a slot outside RAM is written by nobody; the doorbell still rings).
 */
static void push_cmd(Fuzz *z, uint64_t base_reg, uint64_t prod_reg,
                     const SMMUv3AuxCmd *given)
{
    QTestState *q = z->c.qts;
    uint64_t base = qtest_readq(q, base_reg);
    unsigned log2 = MIN(base & 0x1f, 19);
    uint64_t addr = base & MAKE_64BIT_MASK(5, 47) & ~((16ull << log2) - 1);
    uint32_t prod = qtest_readl(q, prod_reg);
    uint32_t idx = prod & ((1u << log2) - 1);
    uint64_t slot = addr + 16ull * idx;
    SMMUv3AuxCmd cmd;

    if (given) {
        cmd = *given;
    } else {
        random_cmd(z, &cmd);
    }
    trace(z, "cmd %#" PRIx64 " %#" PRIx64 " at %#" PRIx64 " via %#" PRIx64,
          cmd.qw[0], cmd.qw[1], slot, prod_reg);
    if (slot >= QSMMU_AUX_ALLOC_START && slot + 16 <= QSMMU_AUX_ALLOC_END) {
        qsmmu_aux_mem_write_qwords(&z->c.s, slot, cmd.qw, 2);
    }
    idx = (idx + 1) & ((1u << log2) - 1);
    prod = (prod & ~((2u << log2) - 1)) |
           ((idx == 0) ? (prod ^ (1u << log2)) & (1u << log2) :
                         prod & (1u << log2)) | idx;
    qtest_writel(q, prod_reg, prod);
}

static void act_cmd(Fuzz *z)
{
    if (one_in(z, 3)) {
        push_cmd(z, CMDQV + 0x30000 + 0x10000 + A_VCMDQ_BASE,
                 CMDQV + 0x30000 + A_VCMDQ_PROD, NULL);
    } else {
        push_cmd(z, SMMU + A_CMDQ_BASE, SMMU + A_CMDQ_PROD, NULL);
    }
}

/* Overwrite a word of an STE, a CD, a page table or a queue. */
static void act_scribble(Fuzz *z)
{
    uint64_t pa = z->targets[below(z, z->ntargets)] + (below(z, 8) << 3);
    uint64_t cur = qsmmu_aux_mem_readq(&z->c.s, pa);
    uint64_t v;

    switch (below(z, 4)) {
    case 0:
        v = cur ^ (1ull << below(z, 64));
        break;
    case 1:     /* a pointer: to itself (a loop), MMIO, a hole */
        v = (cur & 0xfff0000000000fffull) | (any_addr(z) & ~0xfffull);
        break;
    case 2:
        v = rnd(z);
        break;
    default:
        v = cur & ~(1ull << below(z, 64));
        break;
    }
    trace(z, "mem %#" PRIx64 " = %#" PRIx64, pa, v);
    qsmmu_aux_mem_writeq(&z->c.s, pa, v);
}

/*
 * Linux's iopf handler: a stalled record (IHI 0070 7.3, Stall = 1) is
 * answered with CMD_RESUME of its StreamID and STAG, Retry or Abort.
 * The event queue is found where EVENTQ_BASE now says, if that is RAM.
 */
static void answer_stalls(Fuzz *z)
{
    QTestState *q = z->c.qts;
    uint64_t base = qtest_readq(q, SMMU + A_EVENTQ_BASE);
    unsigned log2 = MIN(base & 0x1f, 19);
    uint64_t addr = base & MAKE_64BIT_MASK(5, 47) & ~((32ull << log2) - 1);
    uint32_t cons = qtest_readl(q, SMMU + A_EVENTQ_CONS);
    uint32_t prod = qtest_readl(q, SMMU + A_EVENTQ_PROD);
    uint32_t mask = (1u << log2) - 1;

    for (unsigned n = 0; n < 8 && (cons & mask) != (prod & mask); n++) {
        uint64_t slot = addr + 32ull * (cons & mask);
        SMMUv3AuxEvtRecord r;
        SMMUv3AuxCmd cmd;

        cons++;
        if (slot < QSMMU_AUX_ALLOC_START || slot + 32 > QSMMU_AUX_ALLOC_END) {
            continue;
        }
        qsmmu_aux_mem_read_qwords(&z->c.s, slot, r.qw, 4);
        if (!FIELD_EX64(r.qw[1], EVT_1, STALL)) {
            continue;
        }
        qsmmu_aux_cmd_raw(&cmd, SMMUV3_AUX_CMD_RESUME);
        cmd.qw[0] = FIELD_DP64(cmd.qw[0], CMD_0, SID,
                               FIELD_EX64(r.qw[0], EVT_0, SID));
        cmd.qw[0] = FIELD_DP64(cmd.qw[0], CMD_0, RESUME_ACTION,
                               below(z, 2));
        cmd.qw[1] = FIELD_EX64(r.qw[1], EVT_1, STAG);
        push_cmd(z, SMMU + A_CMDQ_BASE, SMMU + A_CMDQ_PROD, &cmd);
    }
}

/*
 * What Linux's interrupt handlers do: answer stalls, acknowledge the
 * global errors (the command queue goes on after CERROR), consume the
 * event and PRI queues, and acknowledge the VCMDQ's error.  Without it
 * the first bad command would stop the command queue for the rest of
 * the run.
 */
static void act_driver(Fuzz *z)
{
    QTestState *q = z->c.qts;

    trace(z, "driver acks");
    answer_stalls(z);
    qtest_writel(q, SMMU + A_GERRORN, qtest_readl(q, SMMU + A_GERROR));
    qtest_writel(q, SMMU + A_EVENTQ_CONS, qtest_readl(q, SMMU + A_EVENTQ_PROD));
    qtest_writel(q, SMMU + A_PRIQ_CONS, qtest_readl(q, SMMU + A_PRIQ_PROD));
    qtest_writel(q, CMDQV + 0x30000 + A_VCMDQ_GERRORN,
                 qtest_readl(q, CMDQV + 0x30000 + A_VCMDQ_GERROR));
    if (one_in(z, 4)) {
        qtest_writel(q, SMMU + A_CMDQ_CONS, qtest_readl(q, SMMU + A_CMDQ_PROD));
    }
}

static QSMMUAuxTestdev *any_td(Fuzz *z)
{
    return one_in(z, 2) ? &z->c.td : &z->c.extra[0];
}

/*
 * Where a DMA goes: a mapped IOVA, or anywhere an address can point but
 * the flash at 0.  A DMA write into the flash in command mode rebuilds
 * QEMU's memory map on every word, none freed before the access's RCU
 * section ends: one 4 KiB TD_CTRL.CACHED write costs some 300 MiB of
 * heap for a moment (bounded, freed after, but kept by malloc), which
 * would hide any leak from the heap check.  The hostile qtest
 * sync-dma-to-rom-device covers the flash.
 */
static uint64_t dma_addr(Fuzz *z)
{
    uint64_t a;

    if (one_in(z, 2)) {
        return IOVA + below(z, NPAGES + 1) * PAGE + below(z, PAGE);
    }
    a = any_addr(z) + below(z, 8);
    return a < 0x08000000 ? a + 0x40000000 : a;
}

/* A test-device command, in its thread when ASYNC (a stall may wait). */
static void act_dma(Fuzz *z)
{
    QSMMUAuxTestdev *td = any_td(z);
    uint32_t cmd = 1 + below(z, SMMUV3_AUX_TD_CMD_PRI);
    uint32_t ctrl = rnd(z) & (R_TD_CTRL_CACHED_MASK | R_TD_CTRL_ASYNC_MASK |
                              R_TD_CTRL_ATS_MASK | R_TD_CTRL_INTR_EN_MASK);
    uint32_t len = one_in(z, 8) ? below(z, 1 << 20) : 1 + below(z, 2 * PAGE);
    uint32_t pasid = !one_in(z, 3) ? 0 : (1u << 31) |
                     (one_in(z, 4) ? below(z, 1u << 20) : below(z, 4));

    uint64_t src = dma_addr(z);

    if (one_in(z, 6)) {
        /* Device 1's SSID 2 in its thread, at a page SSID 2 lacks: a stall */
        td = &z->c.extra[0];
        ctrl = R_TD_CTRL_ASYNC_MASK;
        pasid = 1u << 31 | 2;
        cmd = SMMUV3_AUX_TD_CMD_READ;
        src = IOVA + (1 + 2 * below(z, NPAGES / 2)) * PAGE;
    }
    trace(z, "dma td%u cmd %u ctrl %#x len %#x pasid %#x",
          td == &z->c.td ? 0 : 1, cmd, ctrl, len, pasid);
    qpci_io_writel(td->dev, td->bar, A_TD_CTRL, ctrl);
    qpci_io_writel(td->dev, td->bar, A_TD_PASID, pasid);
    qpci_io_writel(td->dev, td->bar, A_TD_ATTRS, below(z, 4));
    qpci_io_writeq(td->dev, td->bar, A_TD_BURST_COUNT, below(z, 64));
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_PAGES, below(z, 16));
    qpci_io_writel(td->dev, td->bar, A_TD_BURST_ORDER, below(z, 3));
    qpci_io_writel(td->dev, td->bar, A_TD_ATS_CTRL, below(z, 2));
    qpci_io_writeq(td->dev, td->bar, A_TD_SRC, src);
    qpci_io_writeq(td->dev, td->bar, A_TD_DST, dma_addr(z));
    qpci_io_writel(td->dev, td->bar, A_TD_LEN, len);
    qpci_io_writel(td->dev, td->bar, A_TD_PATTERN, rnd(z));
    qpci_io_writel(td->dev, td->bar, A_TD_CMD, cmd);
    if (one_in(z, 4)) {
        qpci_io_writel(td->dev, td->bar, A_TD_ATS_RELEASE, 1);
    }
}

/* Extended configuration space of @td, through ECAM. */
static uint64_t td_ecam(Fuzz *z, QSMMUAuxTestdev *td, uint16_t off)
{
    return z->c.gbus.ecam_alloc_ptr + (td->dev->devfn << 12) + off;
}

static uint16_t td_ext_cap(Fuzz *z, QSMMUAuxTestdev *td, uint16_t id)
{
    for (uint16_t off = PCI_CFG_SPACE_SIZE; off;) {
        uint32_t hdr = qtest_readl(z->c.qts, td_ecam(z, td, off));

        if (PCI_EXT_CAP_ID(hdr) == id) {
            return off;
        }
        off = PCI_EXT_CAP_NEXT(hdr);
    }
    g_assert_not_reached();
}

/* Bus mastering, memory decode, ATS/PASID/PRI enables, FLR. */
static void act_config(Fuzz *z)
{
    QSMMUAuxTestdev *td = any_td(z);
    static const uint16_t caps[] = {
        PCI_EXT_CAP_ID_ATS, PCI_EXT_CAP_ID_PASID, PCI_EXT_CAP_ID_PRI,
    };
    uint16_t cmdreg;

    switch (below(z, 4)) {
    case 0:
        cmdreg = qpci_config_readw(td->dev, PCI_COMMAND) ^
                 (one_in(z, 2) ? PCI_COMMAND_MASTER : PCI_COMMAND_MEMORY);
        trace(z, "config COMMAND = %#x", cmdreg);
        qpci_config_writew(td->dev, PCI_COMMAND, cmdreg);
        break;
    case 1:
        /* The function resets; the driver gives it its BAR back. */
        trace(z, "config FLR");
        qsmmu_fix_td_flr(td);
        break;
    default: {
        uint16_t off = td_ext_cap(z, td, PICK(z, caps));
        uint16_t reg = off + (below(z, 2) ? 4 : 6);     /* CAP or CTRL */
        uint16_t v = rnd(z);

        trace(z, "config ext %#x = %#x", reg, v);
        qtest_writew(z->c.qts, td_ecam(z, td, reg), v);
        break;
    }
    }
}

static void act_clock(Fuzz *z)
{
    int64_t ns = one_in(z, 4) ? below(z, 2000000000) : below(z, 1000000);

    trace(z, "clock_step %" PRId64, ns);
    qtest_clock_step(z->c.qts, ns);
}

/* ---- The run ------------------------------------------------------------- */

static unsigned env_uint(const char *name, unsigned dflt)
{
    const char *v = g_getenv(name);

    return v ? strtoul(v, NULL, 0) : dflt;
}

static void add_target(Fuzz *z, uint64_t pa)
{
    g_assert_cmpuint(z->ntargets, <, MAX_TARGETS);
    z->targets[z->ntargets++] = pa;
}

/*
 * CMDQV on, VINTF 0 owned by the hypervisor with VCMDQ 0 on it, enabled,
 * in the order of tegra241_cmdqv_hw_reset() and tegra241_vintf_hw_init().
 */
static void cmdqv_setup(Fuzz *z)
{
    QTestState *q = z->c.qts;
    uint32_t config = R_VINTF_CONFIG_HYP_OWN_MASK;

    z->vcmdq = qsmmu_aux_alloc(&z->c.s, 16 << VCMDQ_LOG2, 16 << VCMDQ_LOG2);
    qtest_writel(q, CMDQV + A_CMDQV_CONFIG, 1);
    qtest_writel(q, CMDQV + A_CMDQV_CMDQ_ALLOC, 0);     /* VINTF 0, LVCMDQ 0 */
    qtest_writel(q, CMDQV + 0x1000 + A_VINTF_SID_MATCH,
                 QSMMU_FIX_SID << 1 | 1);
    qtest_writel(q, CMDQV + 0x1000 + A_VINTF_SID_REPLACE, QSMMU_FIX_SID);
    qtest_writel(q, CMDQV + 0x1000 + A_VINTF_CONFIG, config);
    qtest_writel(q, CMDQV + 0x1000 + A_VINTF_CONFIG,
                 config | R_VINTF_CONFIG_EN_MASK);
    qtest_writel(q, CMDQV + A_CMDQV_CMDQ_ALLOC,
                 R_CMDQV_CMDQ_ALLOC_ALLOCATED_MASK);
    qtest_writeq(q, CMDQV + 0x40000 + A_VCMDQ_BASE, z->vcmdq | VCMDQ_LOG2);
    qtest_writel(q, CMDQV + 0x30000 + A_VCMDQ_CONFIG, 1);
    g_assert_cmphex(qtest_readl(q, CMDQV + 0x30000 + A_VCMDQ_STATUS), ==, 1);
    add_target(z, z->vcmdq);
}

/* Capability @id's control register of @td, enabled as a driver would. */
static void enable_ext_cap(Fuzz *z, QSMMUAuxTestdev *td, uint16_t id,
                           uint16_t ctrl, uint16_t val)
{
    qtest_writew(z->c.qts, td_ecam(z, td, td_ext_cap(z, td, id) + ctrl), val);
}

/*
 * Device 0: one stage-1 domain (a single CD, ASID 1) with EATS = 1 and
 * ATS enabled, so that its ATS-path DMA gets translations.
 */
static void setup_td0(Fuzz *z)
{
    QSMMUAux *s = &z->c.s;
    SMMUv3AuxSTE ste;

    qsmmu_fix_s1_init(&z->c, &z->d, 12, 1, 0);
    for (unsigned i = 0; i < NPAGES; i++) {
        add_target(z, qsmmu_fix_s1_map4k(&z->d, IOVA + i * PAGE,
                                         z->data + i * PAGE));
    }
    for (unsigned level = 0; level < 3; level++) {
        add_target(z, qsmmu_aux_pt_entry_addr(&z->d.pt, IOVA, level, false));
    }
    qsmmu_aux_ste_s1(&ste, z->d.cd);
    ste.qw[1] = FIELD_DP64(ste.qw[1], STE_1, EATS, 1);
    qsmmu_aux_write_ste(s, QSMMU_FIX_SID, &ste);
    add_target(z, qsmmu_aux_ste_addr(s, QSMMU_FIX_SID));
    add_target(z, z->d.cd);
    enable_ext_cap(z, &z->c.td, PCI_EXT_CAP_ID_ATS, PCI_ATS_CTRL,
                   PCI_ATS_CTRL_ENABLE);
}

/*
 * Device 1: substreams, a 2-level CD table (S1DSS = substream 0); SSIDs
 * 0 to 2 each a domain over the same pages, SSID 2's CD stalls faults
 * (CD.S) so that its DMA in the device's thread waits for a CMD_RESUME;
 * PASID and PRI enabled.
 */
static void setup_td1(Fuzz *z)
{
    QSMMUAux *s = &z->c.s;
    QSMMUFixCDTab t;
    QSMMUFixS1 d;

    qsmmu_fix_cdtab_init(&z->c, &t, 1, 6, 0);
    for (uint32_t ssid = 0; ssid < 3; ssid++) {
        qsmmu_fix_s1_init_ss(&z->c, &d, &t, ssid, 12, 2 + ssid, 0);
        for (unsigned i = 0; i < NPAGES; i += 2) {
            qsmmu_fix_s1_map4k(&d, IOVA + i * PAGE, z->data + i * PAGE);
        }
        if (ssid == 2) {
            d.cdv.qw[0] |= R_CD_0_S_MASK;
            qsmmu_fix_s1_write_cd(&z->c, &d);
        }
        add_target(z, d.cd);
    }
    add_target(z, qsmmu_fix_cdtab_l1cd(&t, 0));
    qsmmu_fix_ste_ss(&z->c, QSMMU_FIX_EXTRA_SID(0), &t,
                     SMMUV3_AUX_STE_S1DSS_SSID0, NULL);
    add_target(z, qsmmu_aux_ste_addr(s, QSMMU_FIX_EXTRA_SID(0)));
    enable_ext_cap(z, &z->c.extra[0], PCI_EXT_CAP_ID_PASID, PCI_PASID_CTRL,
                   PCI_PASID_CTRL_ENABLE);
    enable_ext_cap(z, &z->c.extra[0], PCI_EXT_CAP_ID_PRI, PCI_PRI_CTRL,
                   PCI_PRI_CTRL_ENABLE);
}

/*
 * Linux's bring-up (a 2-level stream table for odd seeds), the two
 * devices' configurations, NPAGES of pattern at IOVA, CMDQV.
 */
static void setup(Fuzz *z)
{
    QSMMUAux *s = &z->c.s;

    z->ntargets = 0;
    z->idr0 = qsmmu_aux_readl(s, A_IDR0);
    if (z->seed & 1) {
        /* Linux's SPLIT of 8: both devices' STEs in one L2 table. */
        qsmmu_aux_strtab_2lvl(s, 16, 8);
        add_target(z, qsmmu_aux_l1std_addr(s, QSMMU_FIX_SID));
        qsmmu_aux_strtab_l2_install(s, QSMMU_FIX_SID);
    }
    add_target(z, s->strtab);
    z->data = qsmmu_fix_alloc_data(&z->c, NPAGES * PAGE, PAGE, 0xf0220000);
    setup_td0(z);
    setup_td1(z);
    qsmmu_fix_enable(&z->c);
    add_target(z, s->cmdq + 16 * below(z, 1u << s->cmdq_log2size));
    add_target(z, s->evtq + 32 * below(z, 1u << s->evtq_log2size));
    cmdqv_setup(z);
}

static void step(Fuzz *z)
{
    unsigned r = below(z, 100);

    if (r < 18) {
        act_smmu_reg(z);
    } else if (r < 22) {
        act_driver(z);
    } else if (r < 34) {
        act_cmdqv_reg(z);
    } else if (r < 56) {
        act_cmd(z);
    } else if (r < 72) {
        act_scribble(z);
    } else if (r < 90) {
        act_dma(z);
    } else if (r < 95) {
        act_config(z);
    } else if (r < 99) {
        act_clock(z);
    } else if (one_in(z, 8)) {
        /* As firmware and Linux would after it: everything again. */
        trace(z, "system_reset");
        qtest_system_reset(z->c.qts);
        qsmmu_fix_after_reset(&z->c);
        setup(z);
    }
}

/* QEMU answers, with the SMMU it started with. */
static void expect_alive(Fuzz *z)
{
    g_assert_cmphex(qtest_readl(z->c.qts, SMMU + A_IDR0), ==, z->idr0);
}

static void expect_rss_flat(Fuzz *z, uint64_t warm_kb, const char *when)
{
    uint64_t now = qsmmu_fix_rss_anon_kb(z->c.qts);
    uint64_t limit = env_uint("SMMUV3_AUX_DEVFUZZ_RSS_MB", 48) * 1024;

    if (now > warm_kb + limit) {
        fprintf(stderr, "devfuzz seed %#" PRIx64 ": RssAnon %" PRIu64 " KiB %s, "
                "%" PRIu64 " KiB when warm\n", z->seed, now, when, warm_kb);
    }
    g_assert_cmpuint(now, <=, warm_kb + limit);
}

/* After the run: reset, bring-up, and the SMMU translates as it should. */
static void expect_recovers(Fuzz *z)
{
    uint64_t a;
    QSMMUFixS1 d;
    SMMUv3AuxCmd cmd;

    qtest_system_reset(z->c.qts);
    qsmmu_fix_after_reset(&z->c);
    expect_alive(z);
    a = qsmmu_fix_alloc_data(&z->c, PAGE, PAGE, 0x5eed0000);
    qsmmu_fix_s1_4k(&z->c, &d);
    qsmmu_fix_s1_map4k(&d, IOVA, a);
    qsmmu_fix_enable(&z->c);
    qsmmu_aux_cmd_cfgi_ste(&cmd, QSMMU_FIX_SID);
    qsmmu_fix_cmd(&z->c, &cmd);
    g_assert_cmphex(qsmmu_fix_dma_read(&z->c, IOVA, PAGE), ==,
                    qsmmu_fix_pattern_hash(QSMMU_AUX_FNV1A_INIT, PAGE,
                                           0x5eed0000));
    qsmmu_fix_expect_no_event(&z->c);
}

static void run_seed(uint64_t seed, unsigned steps)
{
    g_autofree char *dst_cmd = qsmmu_fix_cmdline("smmuv3-aux", 1, ARGS);
    Fuzz *z = g_new0(Fuzz, 1);
    uint64_t warm = 0;

    z->seed = seed;
    z->rng = seed ? seed : 1;
    z->trace = env_uint("SMMUV3_AUX_DEVFUZZ_TRACE", 0);
    if (!qsmmu_fix_start(&z->c, "smmuv3-aux", 1, ARGS)) {
        g_free(z);
        return;
    }
    g_test_message("devfuzz seed %#" PRIx64 ", %u steps", seed, steps);
    setup(z);
    for (z->step = 0; z->step < steps; z->step++) {
        if (z->step == steps / 2) {
            expect_rss_flat(z, warm, "before migration");
            trace(z, "migrate");
            /* The devices are enabled again there (attach_devices()). */
            qsmmu_fix_migrated(&z->c, qsmmu_fix_migrate(z->c.qts, dst_cmd));
        }
        if (z->step == steps / 4 || z->step == 3 * steps / 4) {
            warm = qsmmu_fix_rss_anon_kb(z->c.qts);
        }
        step(z);
        if (z->step % 64 == 0) {
            expect_alive(z);
        }
    }
    expect_alive(z);
    expect_rss_flat(z, warm, "at the end");
    expect_recovers(z);
    qsmmu_fix_stop(&z->c);
    g_free(z);
}

/* make check: a few fixed seeds, short; SMMUV3_AUX_DEVFUZZ_SEED for one. */
static void test_devfuzz(void)
{
    const char *one = g_getenv("SMMUV3_AUX_DEVFUZZ_SEED");
    unsigned steps = env_uint("SMMUV3_AUX_DEVFUZZ_STEPS", 1500);
    static const uint64_t seeds[] = { 0x5101, 0x5102, 0x5103 };

    if (one) {
        run_seed(g_ascii_strtoull(one, NULL, 0), steps);
        return;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(seeds); i++) {
        run_seed(seeds[i], steps);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3-aux-devfuzz/random-driver", test_devfuzz);
    return g_test_run();
}
