/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine microbenchmark: host-side ns per command consumed
 * through the SMMU's CMDQ, through a host-owned VCMDQ (HYP_OWN = 1) and
 * through a guest-owned one (HYP_OWN = 0: filter and VMID substitution),
 * without QEMU.
 *
 *   bench-smmuv3-aux-vcmdq [--runs N] [--quick]
 *
 * Each round is a Linux-like batch: 63 TLBI_NH_VA and a CMD_SYNC, one
 * PROD write.  Guest memory is one flat buffer behind SMMUv3AuxEngineOps
 * (as in bench-smmuv3-aux-walk), so the figures are the consumer's and
 * the invalidation's own cost.  Prints a table, then one JSON line.
 */
#include "qemu/osdep.h"
#include <time.h>
#include "smmuv3-aux-test-utils.h"
#include "hw/arm/smmuv3-aux/vcmdq.h"

#define MEM_BASE    0x40000000ULL
#define MEM_SIZE    (4ULL << 20)
#define CMDQ_BASE   MEM_BASE
#define VQ_BASE(q)  (MEM_BASE + 0x100000ULL * (1 + (q)))
#define LOG2SIZE    10
#define BATCH       64
#define LV0(i, l, r) (0x30000 + 0x20000 * (i) + 0x80 * (l) + (r))
#define LV1(i, l, r) (LV0(i, l, r) + 0x10000)

static uint8_t *flat;

static bool flat_rw(uint64_t pa, uint32_t len)
{
    return pa >= MEM_BASE && pa + len <= MEM_BASE + MEM_SIZE;
}

static bool flat_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                      SMMUv3AuxMemAttrs attrs)
{
    if (!flat_rw(pa, len)) {
        return false;
    }
    memcpy(buf, flat + (pa - MEM_BASE), len);
    return true;
}

static bool flat_write(void *opaque, uint64_t pa, const void *buf,
                       uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    if (!flat_rw(pa, len)) {
        return false;
    }
    memcpy(flat + (pa - MEM_BASE), buf, len);
    return true;
}

/* One thread: a compare and a store are atomic enough. */
static bool flat_cmpxchg64(void *opaque, uint64_t pa, uint64_t *expected,
                           uint64_t new, SMMUv3AuxMemAttrs attrs)
{
    uint64_t cur;

    if ((pa & 7) || !flat_rw(pa, 8)) {
        return false;
    }
    memcpy(&cur, flat + (pa - MEM_BASE), 8);
    if (cur == *expected) {
        memcpy(flat + (pa - MEM_BASE), &new, 8);
    }
    *expected = cur;
    return true;
}

static const SMMUv3AuxEngineOps flat_ops = {
    .dma_read = flat_read,
    .dma_write = flat_write,
    .dma_cmpxchg64 = flat_cmpxchg64,
};

typedef struct Bench {
    SMMUv3AuxEngine e;
    SMMUv3AuxCmdqv v;
    uint32_t prod[3];
} Bench;

static void put(uint64_t base, uint32_t idx, const SMMUv3AuxCmd *c)
{
    uint64_t *slot = (uint64_t *)(flat + (base - MEM_BASE) + 16 * idx);

    slot[0] = cpu_to_le64(c->qw[0]);
    slot[1] = cpu_to_le64(c->qw[1]);
}

/* Fill a batch at *prod of the queue at base; return the new PROD. */
static uint32_t fill(uint64_t base, uint32_t prod)
{
    for (unsigned k = 0; k < BATCH; k++) {
        SMMUv3AuxCmd c = k == BATCH - 1 ?
            cmd_sync_make(SMMUV3_AUX_CMD_SYNC_CS_NONE, 0, 0) :
            cmd_make(SMMUV3_AUX_CMD_TLBI_NH_VA, 1ULL << 48,
                     0x100000ULL + 0x1000ULL * k);

        put(base, smmuv3_aux_q_idx(prod, LOG2SIZE), &c);
        prod = smmuv3_aux_q_inc(prod, LOG2SIZE);
    }
    return prod;
}

static void vw(Bench *b, uint64_t off, uint64_t val, unsigned size)
{
    if (smmuv3_aux_cmdqv_write(&b->v, off, val, size)) {
        smmuv3_aux_cmdqv_run(&b->v, &b->e);
    }
}

static void setup(Bench *b)
{
    SMMUv3AuxCmdqvParams vp;
    SMMUv3AuxParams p;

    smmuv3_aux_params_set_defaults(&p);
    smmuv3_aux_engine_init(&b->e, &p, &flat_ops, NULL);
    smmuv3_aux_engine_reset(&b->e);
    smmuv3_aux_reg_write(&b->e, A_CMDQ_BASE, CMDQ_BASE | LOG2SIZE, 8);
    smmuv3_aux_reg_write(&b->e, A_CR0, R_CR0_CMDQEN_MASK, 4);

    smmuv3_aux_cmdqv_params_set_defaults(&vp);
    smmuv3_aux_cmdqv_init(&b->v, &vp);
    vw(b, A_CMDQV_CONFIG, 1, 4);
    /* VINTF0 host-owned, VINTF1 guest-owned with VMID 5; LVCMDQ 0 each. */
    vw(b, A_CMDQV_CMDQ_ALLOC, 1, 4);
    vw(b, A_CMDQV_CMDQ_ALLOC + 4 * 4, 1 << 15 | 1, 4);
    vw(b, 0x1000 + A_VINTF_CONFIG, R_VINTF_CONFIG_HYP_OWN_MASK | 1, 4);
    vw(b, 0x1100 + A_VINTF_CONFIG, 5 << 1 | 1, 4);
    for (unsigned i = 0; i < 2; i++) {
        vw(b, LV1(i, 0, A_VCMDQ_BASE), VQ_BASE(i) | LOG2SIZE, 8);
        vw(b, LV0(i, 0, A_VCMDQ_CONFIG), 1, 4);
    }
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per command of one round of `batches` batches on queue `which`. */
static double round_ns(Bench *b, unsigned which, unsigned batches)
{
    double t0, t = 0;

    for (unsigned n = 0; n < batches; n++) {
        uint64_t base = which ? VQ_BASE(which - 1) : CMDQ_BASE;

        b->prod[which] = fill(base, b->prod[which]);
        t0 = now_ns();
        if (which) {
            vw(b, LV0(which - 1, 0, A_VCMDQ_PROD), b->prod[which], 4);
        } else {
            smmuv3_aux_reg_write(&b->e, A_CMDQ_PROD, b->prod[which], 4);
        }
        t += now_ns() - t0;
        /* The invalidation records are the binding's to take. */
        b->e.n_invals = 0;
        b->e.invals_overflow = false;
    }
    return t / (batches * (double)BATCH);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "cmdq", "vcmdq-host",
                                         "vcmdq-guest" };
    unsigned runs = 9, batches = 2000;
    g_autoptr(GString) json = g_string_new("{\"bench\": \"vcmdq\"");
    Bench *b = g_new0(Bench, 1);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            runs = 3;
            batches = 200;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            /* Not MAX(1, atoi(argv[++i])): the macro would step i twice. */
            runs = atoi(argv[++i]);
            runs = MAX(runs, 1);
        } else {
            fprintf(stderr, "usage: %s [--runs N] [--quick]\n", argv[0]);
            return 1;
        }
    }
    flat = g_malloc0(MEM_SIZE);
    setup(b);
    printf("ns per command (%u-command batches, median of %u runs)\n",
           BATCH, runs);
    for (unsigned w = 0; w < 3; w++) {
        g_autofree double *r = g_new(double, runs);

        for (unsigned k = 0; k < runs; k++) {
            r[k] = round_ns(b, w, batches);
        }
        qsort(r, runs, sizeof(*r), cmp_double);
        printf("%-12s %8.1f\n", names[w], r[runs / 2]);
        g_string_append_printf(json, ", \"%s\": %.2f", names[w], r[runs / 2]);
    }
    if (FIELD_EX32(b->e.regs.gerror ^ b->e.regs.gerrorn, GERROR, CMDQ_ERR) ||
        smmuv3_aux_cmdqv_read(&b->v, A_CMDQV_VINTF_ERR_MAP, 4) ||
        b->v.q[0].n_cmds != (uint64_t)runs * batches * BATCH ||
        b->v.q[4].n_cmds != (uint64_t)runs * batches * BATCH) {
        fprintf(stderr, "bench: a queue stopped on an error\n");
        return 1;
    }
    printf("%s}\n", json->str);
    smmuv3_aux_engine_finalize(&b->e);
    g_free(b);
    g_free(flat);
    return 0;
}
