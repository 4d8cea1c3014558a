/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: the translation tables of a configuration as a tree, for
 * introspection (inspect.h, query-smmuv3-aux-page-tables).
 *
 * Breadth first from the start table(s): each table is read once, its
 * table descriptors queue their next-level tables, and runs of leaves
 * that map contiguous input to contiguous output with the same
 * attributes become one range.  The work is bounded by the caller's
 * arrays (a guest can make every descriptor point at one table, or
 * tables point back up: each is just another entry, never a loop, since
 * every step goes one level down).  Reads go through the ops given,
 * which for introspection are the read-only view.
 */
#include "qemu/osdep.h"
#include "mem.h"
#include "ptw-internal.h"
#include "inspect.h"

/* Entries read per dma_read: one 4 KiB chunk. */
#define DUMP_CHUNK  512

typedef struct Dump {
    const SMMUv3AuxEngineOps *ops;
    void *opaque;
    SMMUv3AuxMemAttrs attrs;
    SMMUv3AuxPtwGeom g;
    uint8_t stage;
    const SMMUv3AuxS2Cfg *nest; /* stage 1 nested: table IPAs */
    SMMUv3AuxPtwDump *d;
} Dump;

static int dump_add_table(Dump *w, uint64_t addr, int level,
                          uint64_t input, int parent, unsigned index)
{
    SMMUv3AuxPtwDump *d = w->d;
    SMMUv3AuxPtwDumpTable *t;

    if (d->n_tables == d->max_tables) {
        d->truncated = true;
        return -1;
    }
    t = &d->tables[d->n_tables];
    *t = (SMMUv3AuxPtwDumpTable) {
        .stage = w->stage, .level = level, .granule = w->g.granule,
        .addr = addr, .pa = addr, .input = input,
        .span_shift = ptw_level_shift(&w->g, level) +
                      ptw_level_bits(&w->g, level),
        .parent = parent, .parent_index = index,
    };
    return d->n_tables++;
}

/* The attributes of a leaf: everything but the output address. */
static uint64_t leaf_attrs(const SMMUv3AuxPtwGeom *g, uint64_t desc,
                           unsigned shift)
{
    return desc & ~ptw_desc_oa(g, ~0ULL, shift) & ~(uint64_t)0x3;
}

static void dump_leaf(Dump *w, unsigned table, int level, uint64_t input,
                      uint64_t desc)
{
    SMMUv3AuxPtwDump *d = w->d;
    unsigned shift = ptw_level_shift(&w->g, level);
    uint64_t oa = ptw_desc_oa(&w->g, desc, shift);
    uint64_t attrs = leaf_attrs(&w->g, desc, shift);
    SMMUv3AuxPtwDumpRange *r = d->n_ranges ? &d->ranges[d->n_ranges - 1] :
                               NULL;

    if (r && r->table == table && r->level == level && r->attrs == attrs &&
        r->input + r->size == input && r->output + r->size == oa) {
        r->size += 1ULL << shift;
        r->leaves++;
        return;
    }
    if (d->n_ranges == d->max_ranges) {
        d->truncated = true;
        return;
    }
    d->ranges[d->n_ranges++] = (SMMUv3AuxPtwDumpRange) {
        .table = table, .level = level, .input = input,
        .size = 1ULL << shift, .output = oa, .attrs = attrs, .leaves = 1,
    };
}

/* Where table t is in physical memory; false if stage 2 refuses it. */
static bool dump_table_pa(Dump *w, SMMUv3AuxPtwDumpTable *t)
{
    static const SMMUv3AuxPtwAccess ttw_read = { .priv = true };
    SMMUv3AuxPtwResult r;
    SMMUv3AuxPtwFault f;

    if (!w->nest) {
        return true;
    }
    if (!smmuv3_aux_ptw_s2(w->ops, w->opaque, w->nest, t->addr, ttw_read,
                           &r, &f)) {
        return false;
    }
    t->pa = r.oa;
    return true;
}

static void dump_table(Dump *w, unsigned i)
{
    SMMUv3AuxPtwDumpTable *t = &w->d->tables[i];
    int level = t->level;
    unsigned n = 1u << ptw_level_bits(&w->g, level);
    unsigned shift = ptw_level_shift(&w->g, level);
    uint64_t buf[DUMP_CHUNK];

    if (!dump_table_pa(w, t)) {
        t->unreadable = true;
        return;
    }
    for (unsigned base = 0; base < n; base += DUMP_CHUNK) {
        unsigned m = MIN(n - base, DUMP_CHUNK);

        if (!smmuv3_aux_mem_read_le64s(w->ops, w->opaque, t->pa + base * 8,
                                       buf, m, w->attrs)) {
            t->unreadable = true;
            return;
        }
        for (unsigned j = 0; j < m; j++) {
            uint64_t desc = buf[j];
            uint64_t input = t->input + ((uint64_t)(base + j) << shift);

            if (!(desc & DESC_VALID)) {
                continue;
            }
            t->valid++;
            if (level < 3 && (desc & DESC_TABLE)) {
                dump_add_table(w, ptw_desc_oa(&w->g, desc, w->g.granule),
                               level + 1, input, i, base + j);
            } else if (level == 3 ? !!(desc & DESC_TABLE) :
                       ptw_block_allowed(&w->g, level)) {
                dump_leaf(w, i, level, input, desc);
            }
        }
    }
}

static void dump_run(Dump *w, unsigned first)
{
    for (unsigned i = first; i < w->d->n_tables; i++) {
        dump_table(w, i);
    }
}

void smmuv3_aux_ptw_dump_s1(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS1Cfg *cfg,
                            const SMMUv3AuxS2Cfg *nest, SMMUv3AuxPtwDump *d)
{
    for (unsigned i = 0; i < 2; i++) {
        const SMMUv3AuxPtwTT *tt = &cfg->tt[i];
        Dump w = {
            .ops = ops, .opaque = opaque, .attrs = cfg->attrs, .stage = 1,
            .nest = nest, .d = d,
        };
        unsigned first = d->n_tables;
        uint64_t input;

        if (tt->epd || !smmuv3_aux_ptw_tsz_valid(tt->tsz) ||
            !ptw_granule_ok(tt->granule)) {
            continue;
        }
        ptw_s1_geom(cfg, tt, &w.g);
        /* TTB1 translates the top of the address space. */
        input = i ? ~0ULL << w.g.inputsize : 0;
        if (dump_add_table(&w, ptw_start_table_base(&w.g, tt->ttb),
                           w.g.start_level, input, -1, i) >= 0) {
            d->tables[first].root_tt = i;
            dump_run(&w, first);
        }
    }
}

void smmuv3_aux_ptw_dump_s2(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS2Cfg *cfg, SMMUv3AuxPtwDump *d)
{
    Dump w = {
        .ops = ops, .opaque = opaque, .attrs = cfg->attrs, .stage = 2,
        .d = d,
    };
    unsigned first = d->n_tables;

    ptw_s2_geom(cfg, &w.g);
    if (dump_add_table(&w, ptw_start_table_base(&w.g, cfg->ttb),
                       w.g.start_level, 0, -1, 0) >= 0) {
        dump_run(&w, first);
    }
}
