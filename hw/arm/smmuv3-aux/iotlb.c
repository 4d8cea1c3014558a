/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the IOTLB (Arm IHI 0070 16.2, the CMD_TLBI_*
 * commands of 4.4): translations by regime, stage, VMID, ASID and input
 * block, with range invalidation bounded by the entries a range holds.
 * The design, the replacement policy and the locking model are described
 * in tlb.h.
 */
#include "qemu/osdep.h"
#include "qemu/xxhash.h"
#include "slots.h"
#include "trace.h"

/* ---- IOTLB: entries and keys ----------------------------------------- */

/* 32 bytes: the whole per-entry cost is this plus <= 8 bytes of buckets. */
typedef struct TlbSlot {
    SMMUv3AuxSlotLink link;
    uint64_t ia;                /* input address, aligned to 1 << shift */
    uint64_t oa;                /* output address, aligned likewise */
    uint16_t vmid, asid;        /* asid is 0 in global entries */
    uint8_t shift;              /* log2 of the block or page size */
    uint8_t tag;                /* regime[1:0] stage[3:2] gran[5:4] lvl[7:6] */
    uint8_t perm;
    uint8_t flags;
} TlbSlot;

QEMU_BUILD_BUG_ON(sizeof(TlbSlot) != 32);

/* An exact key: everything an entry is found by. */
typedef struct TlbKey {
    uint8_t regime, stage, shift;
    bool global;
    uint16_t vmid, asid;        /* asid used only when !global */
    uint64_t ia;
} TlbKey;

static inline uint64_t size_mask(unsigned shift)
{
    return (1ULL << shift) - 1;
}

/* Can entries of this key be ASID-tagged?  Not S2, not EL2 (no ASID). */
static inline bool key_uses_asid(const TlbKey *k)
{
    return k->stage != SMMUV3_AUX_TLB_S2 && k->stage != SMMUV3_AUX_TLB_S2TT &&
           k->regime != SMMUV3_AUX_TLB_EL2;
}

/* Zero the tags the regime and stage do not have (tlb.h). */
static void key_from_tag(const SMMUv3AuxTlbTag *tag, TlbKey *k)
{
    memset(k, 0, sizeof(*k));
    k->regime = tag->regime;
    k->stage = tag->stage;
    k->vmid = tag->regime == SMMUV3_AUX_TLB_NS_EL1 ? tag->vmid : 0;
    k->asid = key_uses_asid(k) ? tag->asid : 0;
}

static uint32_t key_hash(const TlbKey *k)
{
    uint64_t b = k->vmid | (uint64_t)(k->global ? 0 : k->asid) << 16 |
                 (uint64_t)k->global << 32 | (uint64_t)k->regime << 33 |
                 (uint64_t)k->stage << 36 | (uint64_t)k->shift << 40;

    return qemu_xxhash4(k->ia, b);
}

static TlbSlot *tlb_slot(const SMMUv3AuxIotlb *t, uint32_t i)
{
    return st_slot(&t->st, i);
}

static bool slot_is(const TlbSlot *s, const TlbKey *k)
{
    return s->ia == k->ia && s->shift == k->shift &&
           (s->tag & 0xf) == (k->regime | k->stage << 2) &&
           s->vmid == k->vmid && !(s->flags & SLOT_NG) == k->global &&
           (k->global || s->asid == k->asid);
}

/* The slot of key k, whose key_hash() is hash; NIL if absent. */
static uint32_t tlb_find_hashed(const SMMUv3AuxIotlb *t, const TlbKey *k,
                                uint32_t hash)
{
    uint32_t i = t->st.buckets[hash & t->st.bucket_mask];

    while (i != NIL) {
        const TlbSlot *s = tlb_slot(t, i);

        if (slot_is(s, k)) {
            return i;
        }
        i = s->link.next;
    }
    return NIL;
}

static uint32_t tlb_find(const SMMUv3AuxIotlb *t, const TlbKey *k)
{
    return tlb_find_hashed(t, k, key_hash(k));
}

/* ---- IOTLB: sizes present ------------------------------------------- */

/*
 * Address regions: live entries per hashed (2 MiB region, size) of their
 * input address, whatever their VMID, ASID or kind.  A range invalidation
 * skips every region whose counter is 0, so its cost follows the cached
 * entries the range can hit, not the pages it spans or what else is
 * cached.  Collisions only cost probes.
 */
#define REGION_MIN_SHIFT    21

static unsigned region_shift(unsigned shift)
{
    return MAX(shift, REGION_MIN_SHIFT);
}

static unsigned region_idx(unsigned shift, uint64_t ia)
{
    uint64_t k = (ia >> region_shift(shift)) * 64 + shift;

    return (k * 0x9e3779b97f4a7c15ULL) >> (64 - SMMUV3_AUX_IOTLB_REGION_BITS);
}

/*
 * Blocks: live entries per block number (IA >> shift) modulo a table of
 * 1-2 counters per IOTLB entry, whatever the VMID, ASID or kind.  Within a
 * region that has entries, a range invalidation looks up only the blocks
 * whose counter is not 0: its cost follows the entries the range holds,
 * not the pages it spans.  Consecutive blocks have consecutive counters
 * (a 32-page range reads one cache line).  A lookup whose block counter
 * is 0 misses without hashing or touching a bucket (a stream of misses,
 * as a device reading fresh buffers makes, would otherwise pay a cold
 * bucket and chain per size present).  A counter that reaches 255 stays
 * there, "maybe", until the next flush: aliasing only costs probes.
 */
#define BLK_PER_ENTRY       2
#define BLK_STICKY          255

/* Between 1 and 2 counters per entry: at most 2 bytes of an entry's cost. */
static uint32_t blk_size(uint32_t capacity)
{
    return pow2floor(MAX(capacity, 16) * BLK_PER_ENTRY);
}

static inline uint8_t *blk_counter(const SMMUv3AuxIotlb *t, unsigned shift,
                                   uint64_t ia)
{
    /* Each size starts elsewhere, so 4K and 2M blocks do not collide. */
    return &t->blk[((ia >> shift) + shift * 0x9e3779b1u) & t->blk_mask];
}

static void blk_count(SMMUv3AuxIotlb *t, unsigned shift, uint64_t ia,
                      int delta)
{
    uint8_t *c = blk_counter(t, shift, ia);

    if (*c != BLK_STICKY) {
        *c += delta;
        t->blk_sticky |= *c == BLK_STICKY;
    }
}

/*
 * Recount every counter from the live slots: a scan visits them all
 * anyway, so one that finds sticky counters (many ASIDs on one page, as
 * SVA makes) sets them right again at the same order of cost.
 */
static void blk_rebuild(SMMUv3AuxIotlb *t)
{
    memset(t->blk, 0, t->blk_mask + 1);
    t->blk_sticky = false;
    for (uint32_t i = 0; i < t->st.hwm; i++) {
        const TlbSlot *s = tlb_slot(t, i);

        if (s->flags & SLOT_USED) {
            blk_count(t, s->shift, s->ia, 1);
        }
    }
}

static void size_count(SMMUv3AuxIotlb *t, unsigned shift, uint64_t ia,
                       bool global, unsigned kind, int delta)
{
    uint32_t *cnt = global ? &t->sz.count_global[shift]
                           : &t->sz.count_ng[shift];
    uint64_t *sizes = global ? &t->sz.sizes_global : &t->sz.sizes_ng;

    *cnt += delta;
    *sizes = *cnt ? *sizes | 1ULL << shift : *sizes & ~(1ULL << shift);
    t->sz.count_kind[kind] += delta;
    t->sz.region[region_idx(shift, ia)] += delta;
    blk_count(t, shift, ia, delta);
}

static void tlb_remove(SMMUv3AuxIotlb *t, uint32_t i)
{
    TlbSlot *s = tlb_slot(t, i);

    size_count(t, s->shift, s->ia, !(s->flags & SLOT_NG), s->tag & 0xf, -1);
    st_chain_del(&t->st, i);
}

static void tlb_evict(void *owner, uint32_t i)
{
    SMMUv3AuxIotlb *t = owner;

    trace_smmuv3_aux_iotlb_evict(tlb_slot(t, i)->ia, tlb_slot(t, i)->shift);
    t->stats.evictions++;
    tlb_remove(t, i);
}

void smmuv3_aux_iotlb_init(SMMUv3AuxIotlb *t, uint32_t capacity)
{
    memset(t, 0, sizeof(*t));
    st_init(&t->st, MIN(capacity, SMMUV3_AUX_IOTLB_MAX_SIZE),
            sizeof(TlbSlot), offsetof(TlbSlot, flags));
}

void smmuv3_aux_iotlb_destroy(SMMUv3AuxIotlb *t)
{
    st_free(&t->st);
    smmuv3_aux_iotlb_flush(t);
    g_free(t->blk);
    t->blk = NULL;
}

void smmuv3_aux_iotlb_flush(SMMUv3AuxIotlb *t)
{
    trace_smmuv3_aux_iotlb_flush(t->st.used);
    st_clear(&t->st);
    memset(&t->sz, 0, sizeof(t->sz));
    if (t->blk) {
        memset(t->blk, 0, t->blk_mask + 1);
    }
    t->blk_sticky = false;
}

/* Slots, buckets and block counters come together, on the first insert. */
static bool tlb_alloc(SMMUv3AuxIotlb *t)
{
    if (!st_alloc(&t->st)) {
        return false;
    }
    if (!t->blk) {
        t->blk_mask = blk_size(t->st.capacity) - 1;
        t->blk = g_malloc0(t->blk_mask + 1);
    }
    return true;
}

size_t smmuv3_aux_iotlb_bytes(const SMMUv3AuxIotlb *t)
{
    return st_bytes(&t->st) + (t->blk ? t->blk_mask + 1 : 0);
}

size_t smmuv3_aux_iotlb_bytes_per_entry(uint32_t capacity)
{
    capacity = MAX(capacity, 1);
    return DIV_ROUND_UP((size_t)capacity * sizeof(TlbSlot) +
                        (size_t)st_nbuckets(capacity) * sizeof(uint32_t) +
                        blk_size(capacity), capacity);
}

/* ---- IOTLB: lookup and insert --------------------------------------- */

/* Probe one size: the non-global key, then the global one. */
static uint32_t tlb_probe(const SMMUv3AuxIotlb *t, TlbKey *k, uint64_t iova,
                          unsigned shift)
{
    uint32_t i = NIL;

    k->shift = shift;
    k->ia = iova & ~size_mask(shift);
    /*
     * No live entry of this size in the block, of any tag: a miss without
     * touching the hash table, whose buckets and slots are cold when the
     * stream misses (a 16 KiB counter array stays in cache).
     */
    if (!*blk_counter(t, shift, k->ia)) {
        return NIL;
    }
    if (key_uses_asid(k) && t->sz.count_ng[shift]) {
        k->global = false;
        i = tlb_find(t, k);
    }
    if (i == NIL && t->sz.count_global[shift]) {
        k->global = true;
        i = tlb_find(t, k);
    }
    return i;
}

static uint32_t tlb_search(SMMUv3AuxIotlb *t, TlbKey *k, uint64_t iova)
{
    uint64_t sizes = t->sz.sizes_global |
                     (key_uses_asid(k) ? t->sz.sizes_ng : 0);
    unsigned last = t->last_hit_shift;
    uint32_t i;

    /* Most streams use one size most of the time: try the last one first. */
    if (sizes & (1ULL << last)) {
        i = tlb_probe(t, k, iova, last);
        if (i != NIL) {
            return i;
        }
        sizes &= ~(1ULL << last);
    }
    while (sizes) {
        unsigned shift = ctz64(sizes);

        sizes &= sizes - 1;
        i = tlb_probe(t, k, iova, shift);
        if (i != NIL) {
            t->last_hit_shift = shift;
            return i;
        }
    }
    return NIL;
}

bool smmuv3_aux_iotlb_lookup(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbTag *tag,
                             uint64_t iova, SMMUv3AuxTlbEntry *out)
{
    uint32_t i;
    TlbSlot *s;
    TlbKey k;

    key_from_tag(tag, &k);
    i = t->st.used ? tlb_search(t, &k, iova) : NIL;
    if (i == NIL) {
        t->stats.misses++;
        trace_smmuv3_aux_iotlb_miss(tag->regime, tag->stage, k.vmid, k.asid,
                                    iova, t->stats.hits, t->stats.misses);
        return false;
    }
    s = tlb_slot(t, i);
    s->flags |= SLOT_REF;
    out->iova = s->ia;
    out->pa = s->oa;
    out->addr_mask = size_mask(s->shift);
    out->granule = 12 + 2 * ((s->tag >> 4) & 3);
    out->level = s->tag >> 6;
    out->perm = s->perm;
    out->ng = s->flags & SLOT_NG;
    t->stats.hits++;
    trace_smmuv3_aux_iotlb_hit(tag->regime, tag->stage, k.vmid, k.asid, iova,
                               s->shift, t->stats.hits, t->stats.misses);
    return true;
}

unsigned smmuv3_aux_iotlb_dump(const SMMUv3AuxIotlb *t,
                               const SMMUv3AuxTlbTag *tag,
                               SMMUv3AuxTlbEntry *out, unsigned max)
{
    unsigned n = 0;
    TlbKey k;

    key_from_tag(tag, &k);
    for (uint32_t i = 0; t->st.slots && i < t->st.hwm; i++) {
        const TlbSlot *s = tlb_slot(t, i);

        if (!(s->flags & SLOT_USED) ||
            (s->tag & 0xf) != (k.regime | k.stage << 2) ||
            s->vmid != k.vmid ||
            ((s->flags & SLOT_NG) && s->asid != k.asid)) {
            continue;
        }
        if (n < max) {
            out[n] = (SMMUv3AuxTlbEntry) {
                .iova = s->ia, .pa = s->oa, .addr_mask = size_mask(s->shift),
                .granule = 12 + 2 * ((s->tag >> 4) & 3),
                .level = s->tag >> 6, .perm = s->perm,
                .ng = s->flags & SLOT_NG,
            };
        }
        n++;
    }
    return n;
}

/* log2 of the size a leaf at level maps with this granule, or 0. */
static unsigned leaf_shift(unsigned granule, unsigned level)
{
    if ((granule != 12 && granule != 14 && granule != 16) || level > 3) {
        return 0;
    }
    /* Each level resolves granule - 3 bits (VMSAv8-64, D8.2). */
    return granule + (3 - level) * (granule - 3);
}

bool smmuv3_aux_iotlb_insert(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbTag *tag,
                             const SMMUv3AuxTlbEntry *ent)
{
    unsigned shift = leaf_shift(ent->granule, ent->level);
    uint32_t i, hash;
    TlbSlot *s;
    TlbKey k;

    if (!shift || tag->regime < SMMUV3_AUX_TLB_NS_EL1 ||
        tag->regime > SMMUV3_AUX_TLB_EL2_E2H ||
        tag->stage > SMMUV3_AUX_TLB_S2TT) {
        return false;
    }
    if (!tlb_alloc(t)) {
        return true;            /* disabled: nothing is cached */
    }
    key_from_tag(tag, &k);
    k.global = !ent->ng || !key_uses_asid(&k);
    k.asid = k.global ? 0 : k.asid;
    k.shift = shift;
    k.ia = ent->iova & ~size_mask(shift);
    hash = key_hash(&k);
    /* Usually after a miss: the block counter says whether to look. */
    i = *blk_counter(t, shift, k.ia) ? tlb_find_hashed(t, &k, hash) : NIL;
    if (i == NIL) {
        i = st_take(&t->st, tlb_evict, t);
        *tlb_slot(t, i) = (TlbSlot) {
            .ia = k.ia, .shift = shift, .vmid = k.vmid, .asid = k.asid,
            .flags = SLOT_USED | (k.global ? 0 : SLOT_NG),
            .tag = k.regime | k.stage << 2,
        };
        st_chain_add(&t->st, hash, i);
        size_count(t, shift, k.ia, k.global, k.regime | k.stage << 2, 1);
    }
    s = tlb_slot(t, i);
    s->oa = ent->pa & ~size_mask(shift);
    s->perm = ent->perm;
    s->tag = (s->tag & 0xf) | ((ent->granule - 12) / 2) << 4 |
             ent->level << 6;
    t->stats.inserts++;
    trace_smmuv3_aux_iotlb_insert(k.regime, k.stage, k.vmid, k.asid, k.ia,
                                  s->oa, shift, !k.global, t->st.used);
    return true;
}

/* ---- IOTLB: invalidation -------------------------------------------- */

static bool inv_matches(const SMMUv3AuxTlbInv *inv, const TlbSlot *s)
{
    unsigned stage = (s->tag >> 2) & 3;
    unsigned granule = 12 + 2 * ((s->tag >> 4) & 3);

    if (!(inv->regimes & (1u << (s->tag & 3))) ||
        !(inv->stages & (1u << stage))) {
        return false;
    }
    if (inv->match_vmid && s->vmid != inv->vmid) {
        return false;
    }
    if (s->flags & SLOT_NG) {
        if (inv->match_asid && s->asid != inv->asid) {
            return false;
        }
    } else if (inv->nonglobal_only) {
        return false;
    }
    if (inv->has_range &&
        (s->ia > inv->last || s->ia + size_mask(s->shift) < inv->start)) {
        return false;
    }
    /*
     * TTL says the leaf is at that level; an entry of the same granule at
     * another level is not what software meant.  A combined entry's level
     * may be stage 2's, so the hint says nothing about it: never spared.
     */
    if (inv->ttl_level && stage != SMMUV3_AUX_TLB_S12 &&
        granule == inv->tg_granule && (s->tag >> 6) != inv->ttl_level) {
        return false;
    }
    return true;
}

static unsigned inv_scan(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv)
{
    unsigned n = 0;

    for (uint32_t i = 0; i < t->st.hwm; i++) {
        if ((tlb_slot(t, i)->flags & SLOT_USED) &&
            inv_matches(inv, tlb_slot(t, i))) {
            tlb_remove(t, i);
            n++;
        }
    }
    if (t->blk_sticky) {
        blk_rebuild(t);
    }
    return n;
}

/*
 * The kinds (bit regime | stage << 2) the invalidation names that have
 * entries at all: a range TLBI probes only those, so stage-2 or EL2
 * lookups cost nothing while no such entry is cached.
 */
static uint16_t inv_kinds(const SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv)
{
    uint16_t kinds = 0;

    for (unsigned regime = 0; regime < 4; regime++) {
        for (unsigned stage = 0; stage < 4; stage++) {
            if ((inv->regimes & (1u << regime)) &&
                (inv->stages & (1u << stage)) &&
                t->sz.count_kind[regime | stage << 2]) {
                kinds |= 1u << (regime | stage << 2);
            }
        }
    }
    return kinds;
}

/*
 * Walk the regions of one size that the range spans, calling fn on the
 * blocks of each region that has entries; stop (false) once fn says so.
 */
typedef bool RegionFn(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                      unsigned shift, uint64_t first, uint64_t last,
                      void *opaque);

static bool for_each_region(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                            unsigned shift, RegionFn *fn, void *opaque)
{
    unsigned rs = region_shift(shift);
    uint64_t r = inv->start >> rs, r_last = inv->last >> rs;

    for (;; r++) {
        uint64_t base = r << rs, end = base | size_mask(rs);

        if (t->sz.region[region_idx(shift, base)] &&
            !fn(t, inv, shift, MAX(inv->start, base) >> shift,
                MIN(inv->last, end) >> shift, opaque)) {
            return false;
        }
        if (r == r_last) {
            return true;
        }
    }
}

typedef struct ProbeCost {
    uint64_t cost, limit, per_block;
} ProbeCost;

static bool region_cost(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                        unsigned shift, uint64_t first, uint64_t last,
                        void *opaque)
{
    ProbeCost *c = opaque;

    c->cost += (last - first + 1) * c->per_block;
    return c->cost <= c->limit;
}

/*
 * Whether probing costs at most limit hash lookups (one per region
 * checked, and per block of regions with entries, for each size present),
 * and can find every matching entry: not with any VMID, or any ASID where
 * ASID-tagged entries exist.
 */
static bool inv_probe_cheap(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                            uint16_t kinds, uint64_t limit)
{
    uint64_t sizes = t->sz.sizes_ng | t->sz.sizes_global;
    ProbeCost c = { .limit = limit, .per_block = 2 * ctpop16(kinds) };

    if (!inv->has_range ||
        (!inv->match_vmid &&
         (inv->regimes & SMMUV3_AUX_TLB_REGIME_BIT(SMMUV3_AUX_TLB_NS_EL1))) ||
        (!inv->match_asid && t->sz.sizes_ng &&
         (inv->stages & ~(SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S2) |
                          SMMUV3_AUX_TLB_STAGE_BIT(SMMUV3_AUX_TLB_S2TT))) &&
         (inv->regimes & ~SMMUV3_AUX_TLB_REGIME_BIT(SMMUV3_AUX_TLB_EL2)))) {
        return false;
    }
    while (sizes) {
        unsigned shift = ctz64(sizes);
        unsigned rs = region_shift(shift);

        sizes &= sizes - 1;
        c.cost += (inv->last >> rs) - (inv->start >> rs) + 1;
        if (c.cost > limit ||
            !for_each_region(t, inv, shift, region_cost, &c)) {
            return false;
        }
    }
    return true;
}

/*
 * The keys a block of one size can have: each regime and stage the
 * invalidation names that has entries, nG (with its ASID) and global
 * where entries of this size exist.  Computed once per size, so a block
 * costs one hash lookup per key (usually one: NS-EL1 stage 1 nG).
 */
typedef struct ProbeRun {
    uint8_t key[4 * 4 * 2];     /* regime | stage << 2 | global << 4 */
    uint8_t n_keys;
    bool have_keys;             /* key[] is this size's */
    uint16_t kinds;
    unsigned n;
} ProbeRun;

static void probe_keys(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                       unsigned shift, ProbeRun *p)
{
    p->have_keys = true;
    p->n_keys = 0;
    for (unsigned x = 0; x < 4 * 4 * 2; x++) {
        unsigned kind = x / 8 | (x / 2 % 4) << 2;
        TlbKey k = { .regime = kind & 3, .stage = kind >> 2 };
        bool global = x & 1;

        if (!(p->kinds & (1u << kind)) ||
            (global ? inv->nonglobal_only || !t->sz.count_global[shift]
                    : !key_uses_asid(&k) || !t->sz.count_ng[shift])) {
            continue;
        }
        p->key[p->n_keys++] = kind | global << 4;
    }
}

/* The exact key of the block at ia for probe key x (key_from_tag()). */
static void probe_key(const SMMUv3AuxTlbInv *inv, uint8_t x, unsigned shift,
                      uint64_t ia, TlbKey *k)
{
    k->regime = x & 3;
    k->stage = (x >> 2) & 3;
    k->global = x >> 4;
    k->shift = shift;
    k->vmid = k->regime == SMMUV3_AUX_TLB_NS_EL1 ? inv->vmid : 0;
    k->asid = k->global ? 0 : inv->asid;
    k->ia = ia;
}

/*
 * Candidates gathered before any is looked up: a range invalidation runs
 * after the entries were used, when their buckets and slots are cold, so
 * one pass prefetches every bucket, a second every chain head, and only
 * the third compares keys: the misses overlap instead of queueing.
 */
#define PROBE_BATCH     32

typedef struct ProbeBatch {
    uint32_t hash[PROBE_BATCH];
    uint64_t ia[PROBE_BATCH];
    uint8_t key[PROBE_BATCH];
    unsigned n;
} ProbeBatch;

/* A block's keys always fit in one batch (region_probe() relies on it). */
QEMU_BUILD_BUG_ON(sizeof(((ProbeRun *)0)->key) > PROBE_BATCH);

static void batch_add(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                      ProbeBatch *pb, uint8_t x, unsigned shift, uint64_t ia)
{
    TlbKey k;

    probe_key(inv, x, shift, ia, &k);
    pb->hash[pb->n] = key_hash(&k);
    pb->ia[pb->n] = ia;
    pb->key[pb->n] = x;
    __builtin_prefetch(&t->st.buckets[pb->hash[pb->n] & t->st.bucket_mask]);
    pb->n++;
}

static void batch_run(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                      unsigned shift, ProbeBatch *pb, ProbeRun *p)
{
    for (unsigned m = 0; m < pb->n; m++) {
        uint32_t i = t->st.buckets[pb->hash[m] & t->st.bucket_mask];

        if (i != NIL) {
            __builtin_prefetch(tlb_slot(t, i));
        }
    }
    for (unsigned m = 0; m < pb->n; m++) {
        TlbKey k;
        uint32_t i;

        probe_key(inv, pb->key[m], shift, pb->ia[m], &k);
        i = tlb_find_hashed(t, &k, pb->hash[m]);
        if (i != NIL && inv_matches(inv, tlb_slot(t, i))) {
            tlb_remove(t, i);
            p->n++;
        }
    }
    pb->n = 0;
}

static bool region_probe(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                         unsigned shift, uint64_t first, uint64_t last,
                         void *opaque)
{
    ProbeRun *p = opaque;
    ProbeBatch pb;

    /* Only once a region has entries: most ranges meet none. */
    if (!p->have_keys) {
        probe_keys(t, inv, shift, p);
    }
    pb.n = 0;
    for (uint64_t b = first;; b++) {
        if (*blk_counter(t, shift, b << shift)) {
            if (pb.n + p->n_keys > PROBE_BATCH) {
                batch_run(t, inv, shift, &pb, p);
            }
            for (unsigned j = 0; j < p->n_keys; j++) {
                batch_add(t, inv, &pb, p->key[j], shift, b << shift);
            }
        }
        if (b == last) {
            batch_run(t, inv, shift, &pb, p);
            return true;
        }
    }
}

static unsigned inv_probe(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbInv *inv,
                          uint16_t kinds)
{
    uint64_t sizes = t->sz.sizes_ng | t->sz.sizes_global;
    ProbeRun p;             /* key[] is filled on demand */

    p.n = p.n_keys = 0;
    p.kinds = kinds;
    while (sizes) {
        unsigned shift = ctz64(sizes);

        sizes &= sizes - 1;
        p.have_keys = false;
        for_each_region(t, inv, shift, region_probe, &p);
    }
    return p.n;
}

unsigned smmuv3_aux_iotlb_invalidate(SMMUv3AuxIotlb *t,
                                     const SMMUv3AuxTlbInv *inv)
{
    uint16_t kinds;
    bool scan;
    unsigned n;

    if (!t->st.used) {
        return 0;
    }
    /*
     * Probing costs a hash lookup per block of each size present; a huge
     * range, or one that probing cannot serve, walks the slots instead,
     * which costs one pass over the table whatever the range.
     */
    kinds = inv_kinds(t, inv);
    if (!kinds) {
        return 0;               /* nothing of the regimes and stages named */
    }
    scan = !inv_probe_cheap(t, inv, kinds, MAX(16, t->st.hwm / 4));
    n = scan ? inv_scan(t, inv) : inv_probe(t, inv, kinds);
    t->stats.invalidated += n;
    *(scan ? &t->inv_scans : &t->inv_probes) += 1;
    trace_smmuv3_aux_iotlb_inval(inv->regimes, inv->stages, inv->vmid,
                                 inv->asid, inv->start, inv->last, scan, n);
    return n;
}
