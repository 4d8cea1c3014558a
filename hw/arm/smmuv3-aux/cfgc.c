/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the configuration cache (Arm IHI 0070 16.2, the
 * CMD_CFGI_* commands of 4.3): decoded STE + CD configurations by
 * (StreamID, SubstreamID).  The design, the replacement policy and the
 * locking model are described in tlb.h.
 */
#include "qemu/osdep.h"
#include "qemu/xxhash.h"
#include "slots.h"
#include "trace.h"

/* ---- Configuration cache ------------------------------------------- */

typedef struct CfgSlot {
    SMMUv3AuxSlotLink link;
    uint32_t sid, ssid;
    uint32_t gen;
    uint8_t flags;
} CfgSlot;

static uint32_t cfg_hash(uint32_t sid, uint32_t ssid)
{
    return qemu_xxhash2(((uint64_t)sid << 32) | ssid);
}

static CfgSlot *cfg_slot(const SMMUv3AuxCfgCache *c, uint32_t i)
{
    return st_slot(&c->st, i);
}

/* The value follows its slot header. */
static uint8_t *cfg_value(const SMMUv3AuxCfgCache *c, uint32_t i)
{
    return (uint8_t *)st_slot(&c->st, i) + sizeof(CfgSlot);
}

void smmuv3_aux_cfgc_init(SMMUv3AuxCfgCache *c, uint32_t capacity,
                          uint32_t value_size)
{
    memset(c, 0, sizeof(*c));
    st_init(&c->st, MIN(capacity, SMMUV3_AUX_CFGC_MAX_SIZE),
            QEMU_ALIGN_UP(sizeof(CfgSlot) + value_size, 8),
            offsetof(CfgSlot, flags));
    c->value_size = value_size;
    c->gen = 1;
}

void smmuv3_aux_cfgc_destroy(SMMUv3AuxCfgCache *c)
{
    st_free(&c->st);
}

size_t smmuv3_aux_cfgc_bytes(const SMMUv3AuxCfgCache *c)
{
    return st_bytes(&c->st);
}

/* The slot of {sid, ssid}, live or stale, or NIL. */
static uint32_t cfgc_find(SMMUv3AuxCfgCache *c, uint32_t sid, uint32_t ssid)
{
    uint32_t i = c->st.buckets[cfg_hash(sid, ssid) & c->st.bucket_mask];

    while (i != NIL) {
        CfgSlot *s = cfg_slot(c, i);

        if (s->sid == sid && s->ssid == ssid) {
            return i;
        }
        i = s->link.next;
    }
    return NIL;
}

/*
 * A device's DMA asks for the same StreamID and SubstreamID over and over:
 * the slot of the last hit, if it still holds that key, saves the hash and
 * the bucket.  A slot at or past the high-water mark was cleared by a
 * flush; a freed one has no SLOT_USED.
 */
static uint32_t cfgc_find_mru(SMMUv3AuxCfgCache *c, uint32_t sid,
                              uint32_t ssid)
{
    uint32_t i = c->mru;

    if (i < c->st.hwm) {
        const CfgSlot *s = cfg_slot(c, i);

        if ((s->flags & SLOT_USED) && s->sid == sid && s->ssid == ssid) {
            return i;
        }
    }
    i = cfgc_find(c, sid, ssid);
    if (i != NIL) {
        c->mru = i;
    }
    return i;
}

bool smmuv3_aux_cfgc_lookup(SMMUv3AuxCfgCache *c, uint32_t sid, uint32_t ssid,
                            void *value)
{
    uint32_t i = c->st.slots ? cfgc_find_mru(c, sid, ssid) : NIL;

    if (i != NIL && cfg_slot(c, i)->gen == c->gen) {
        cfg_slot(c, i)->flags |= SLOT_REF;
        memcpy(value, cfg_value(c, i), c->value_size);
        c->stats.hits++;
        trace_smmuv3_aux_cfgc_hit(sid, ssid, c->stats.hits, c->stats.misses);
        return true;
    }
    c->stats.misses++;
    trace_smmuv3_aux_cfgc_miss(sid, ssid, c->stats.hits, c->stats.misses);
    return false;
}

bool smmuv3_aux_cfgc_peek(const SMMUv3AuxCfgCache *c, uint32_t sid,
                          uint32_t ssid, void *value)
{
    uint32_t i = c->st.slots ?
                 cfgc_find((SMMUv3AuxCfgCache *)c, sid, ssid) : NIL;

    if (i == NIL || cfg_slot(c, i)->gen != c->gen) {
        return false;
    }
    memcpy(value, cfg_value(c, i), c->value_size);
    return true;
}

static void cfgc_remove(SMMUv3AuxCfgCache *c, uint32_t i)
{
    st_chain_del(&c->st, i);
}

static void cfgc_evict(void *owner, uint32_t i)
{
    SMMUv3AuxCfgCache *c = owner;

    /* Stale entries (an older generation) are dead already. */
    c->stats.evictions += cfg_slot(c, i)->gen == c->gen;
    cfgc_remove(c, i);
}

void smmuv3_aux_cfgc_insert(SMMUv3AuxCfgCache *c, uint32_t sid,
                            uint32_t ssid, const void *value)
{
    uint32_t i;

    if (!st_alloc(&c->st)) {
        return;
    }
    i = cfgc_find(c, sid, ssid);
    if (i == NIL) {
        i = st_take(&c->st, cfgc_evict, c);
        *cfg_slot(c, i) = (CfgSlot) { .sid = sid, .ssid = ssid,
                                      .flags = SLOT_USED };
        st_chain_add(&c->st, cfg_hash(sid, ssid), i);
    }
    cfg_slot(c, i)->gen = c->gen;
    memcpy(cfg_value(c, i), value, c->value_size);
    c->stats.inserts++;
    trace_smmuv3_aux_cfgc_insert(sid, ssid, c->st.used);
}

unsigned smmuv3_aux_cfgc_inv_all(SMMUv3AuxCfgCache *c)
{
    unsigned n = c->st.used;

    /*
     * O(1): entries of older generations are never returned, and are the
     * first to be reused.  On wrap-around, really empty the table so that
     * no entry of the new generation 1 can be an old one.
     */
    if (++c->gen == 0) {
        st_clear(&c->st);
        c->gen = 1;
    }
    trace_smmuv3_aux_cfgc_inval_all(c->gen);
    return n;
}

typedef struct CfgRange {
    uint32_t sid_first, sid_last;
    uint32_t ssid_first, ssid_last;
} CfgRange;

static bool cfg_in_range(const CfgSlot *s, const CfgRange *r)
{
    if (s->sid < r->sid_first || s->sid > r->sid_last) {
        return false;
    }
    if (s->ssid == SMMUV3_AUX_NO_SSID) {
        /* No SubstreamID: uses CD 0 when S1DSS says so (tlb.h). */
        return r->ssid_first == 0 || r->ssid_last == SMMUV3_AUX_NO_SSID;
    }
    return s->ssid >= r->ssid_first && s->ssid <= r->ssid_last;
}

static unsigned cfgc_inv_range(SMMUv3AuxCfgCache *c, const CfgRange *r)
{
    unsigned n = 0;

    for (uint32_t i = 0; c->st.slots && i < c->st.hwm; i++) {
        CfgSlot *s = cfg_slot(c, i);

        if ((s->flags & SLOT_USED) && cfg_in_range(s, r)) {
            n += s->gen == c->gen;
            cfgc_remove(c, i);
        }
    }
    c->stats.invalidated += n;
    trace_smmuv3_aux_cfgc_inval(r->sid_first, r->sid_last, r->ssid_first,
                                r->ssid_last, n);
    return n;
}

unsigned smmuv3_aux_cfgc_inv_sid_range(SMMUv3AuxCfgCache *c, uint32_t first,
                                       uint32_t last)
{
    CfgRange r = { first, last, 0, SMMUV3_AUX_NO_SSID };

    return cfgc_inv_range(c, &r);
}

unsigned smmuv3_aux_cfgc_inv_ssid_range(SMMUv3AuxCfgCache *c, uint32_t sid,
                                        uint32_t first, uint32_t last)
{
    CfgRange r = { sid, sid, first, last };
    uint32_t keys[2] = { first, SMMUV3_AUX_NO_SSID };
    unsigned n = 0;

    if (first != last || !c->st.slots) {
        return cfgc_inv_range(c, &r);
    }
    /* One SubstreamID (CFGI_CD, Leaf = 1): probes rather than a scan. */
    for (int k = 0; k < (first == 0 ? 2 : 1); k++) {
        uint32_t i = cfgc_find(c, sid, keys[k]);

        if (i != NIL) {
            n += cfg_slot(c, i)->gen == c->gen;
            cfgc_remove(c, i);
        }
    }
    c->stats.invalidated += n;
    trace_smmuv3_aux_cfgc_inval(sid, sid, first, last, n);
    return n;
}

unsigned smmuv3_aux_cfgc_count(const SMMUv3AuxCfgCache *c)
{
    unsigned n = 0;

    for (uint32_t i = 0; c->st.slots && i < c->st.hwm; i++) {
        const CfgSlot *s = cfg_slot(c, i);

        n += (s->flags & SLOT_USED) && s->gen == c->gen;
    }
    return n;
}
