/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the slot table under the configuration cache
 * (cfgc.c) and the IOTLB (iotlb.c): fixed-size slots allocated on first
 * use, chained per hash bucket, recycled by CLOCK (tlb.h explains the
 * policy).  Internal to those two files.
 */
#ifndef HW_ARM_SMMUV3_AUX_SLOTS_H
#define HW_ARM_SMMUV3_AUX_SLOTS_H

#include "qemu/host-utils.h"
#include "tlb.h"

#define NIL             SMMUV3_AUX_SLOT_NIL
#define SLOT_HEAD       SMMUV3_AUX_SLOT_HEAD

/* Bucket numbers stay below SLOT_HEAD (buckets: capacity rounded up). */
QEMU_BUILD_BUG_ON(SMMUV3_AUX_IOTLB_MAX_SIZE > SLOT_HEAD / 2 ||
                  SMMUV3_AUX_CFGC_MAX_SIZE > SLOT_HEAD / 2);

/* Slot flags. */
#define SLOT_USED       0x01
#define SLOT_REF        0x02    /* CLOCK reference bit, set by hits */
#define SLOT_NG         0x04    /* IOTLB: non-global (ASID-tagged) entry */

/* ---- Slot table: buckets, free slots and CLOCK, for both caches ------- */

typedef void SlotEvictFn(void *owner, uint32_t i);

static inline void st_init(SMMUv3AuxSlotTable *st, uint32_t capacity,
                           uint32_t stride, uint32_t flags_off)
{
    *st = (SMMUv3AuxSlotTable) { .capacity = capacity, .stride = stride,
                                 .flags_off = flags_off, .free_head = NIL };
}

/* Buckets: the power of two at or above capacity, so chains average <= 1. */
static inline uint32_t st_nbuckets(uint32_t capacity)
{
    return pow2ceil(MAX(capacity, 1));
}

static inline void st_clear(SMMUv3AuxSlotTable *st)
{
    if (st->buckets) {
        memset(st->buckets, 0xff, (st->bucket_mask + 1) * sizeof(uint32_t));
    }
    st->used = 0;
    st->hwm = 0;
    st->hand = 0;
    st->free_head = NIL;
}

/* Allocate on first use: an engine that never caches costs nothing. */
static inline bool st_alloc(SMMUv3AuxSlotTable *st)
{
    if (st->slots) {
        return true;
    }
    if (!st->capacity) {
        return false;
    }
    st->slots = g_malloc0((size_t)st->capacity * st->stride);
    st->buckets = g_new(uint32_t, st_nbuckets(st->capacity));
    st->bucket_mask = st_nbuckets(st->capacity) - 1;
    st_clear(st);
    return true;
}

static inline void st_free(SMMUv3AuxSlotTable *st)
{
    g_free(st->slots);
    g_free(st->buckets);
    st->slots = NULL;
    st->buckets = NULL;
    st_clear(st);
}

static inline size_t st_bytes(const SMMUv3AuxSlotTable *st)
{
    return !st->slots ? 0 : (size_t)st->capacity * st->stride +
                            (size_t)(st->bucket_mask + 1) * sizeof(uint32_t);
}

static inline void *st_slot(const SMMUv3AuxSlotTable *st, uint32_t i)
{
    return st->slots + (size_t)i * st->stride;
}

#define st_link(st, i)  ((SMMUv3AuxSlotLink *)st_slot(st, i))

static inline uint8_t *st_flags(const SMMUv3AuxSlotTable *st, uint32_t i)
{
    return (uint8_t *)st_slot(st, i) + st->flags_off;
}

static inline void st_chain_add(SMMUv3AuxSlotTable *st, uint32_t hash,
                                uint32_t i)
{
    uint32_t b = hash & st->bucket_mask;
    uint32_t *head = &st->buckets[b];
    SMMUv3AuxSlotLink *l = st_link(st, i);

    l->prev = SLOT_HEAD | b;
    l->next = *head;
    if (*head != NIL) {
        st_link(st, *head)->prev = i;
    }
    *head = i;
    st->used++;
}

/* Unlink slot i and put it on the free list. */
static inline void st_chain_del(SMMUv3AuxSlotTable *st, uint32_t i)
{
    SMMUv3AuxSlotLink *l = st_link(st, i);

    if (l->prev & SLOT_HEAD) {
        st->buckets[l->prev & ~SLOT_HEAD] = l->next;
    } else {
        st_link(st, l->prev)->next = l->next;
    }
    if (l->next != NIL) {
        st_link(st, l->next)->prev = l->prev;
    }
    *st_flags(st, i) = 0;
    l->next = st->free_head;
    st->free_head = i;
    st->used--;
}

/*
 * A slot to fill: a free one if there is any, else the CLOCK victim, which
 * evict() removes first.  The hand clears reference bits as it passes, so
 * it stops within one revolution: O(1) amortised.
 */
static inline uint32_t st_take(SMMUv3AuxSlotTable *st, SlotEvictFn *evict,
                               void *owner)
{
    uint32_t i;

    if (st->free_head == NIL && st->hwm < st->capacity) {
        return st->hwm++;
    }
    while (st->free_head == NIL) {
        uint8_t *f;

        i = st->hand;
        f = st_flags(st, i);
        st->hand = i + 1 == st->capacity ? 0 : i + 1;
        if (*f & SLOT_REF) {
            *f &= ~SLOT_REF;
        } else {
            evict(owner, i);
        }
    }
    i = st->free_head;
    st->free_head = st_link(st, i)->next;
    return i;
}

#endif
