/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: configuration cache and IOTLB (Arm IHI 0070 chapter
 * 16.2 "Caching", command semantics in 4.3 and 4.4).
 *
 * Both caches are bounded hash tables over a fixed array of slots with
 * CLOCK (second chance) replacement: a hit sets the slot's reference bit,
 * the hand clears reference bits until it finds a cold slot, and that slot
 * is reused.  Insert is O(1) amortised and a full cache degrades
 * gracefully; nothing is ever flushed wholesale because it is full.  The
 * slot array and the bucket array are allocated once, on the first insert
 * (so an engine that never caches costs nothing), and are the only
 * allocations: smmuv3_aux_*_bytes() reports them.
 *
 * Configuration cache: key {StreamID, SubstreamID}, SMMUV3_AUX_NO_SSID
 * when the transaction had no SubstreamID; the value is an opaque blob of
 * a size fixed at init (the decoded STE+CD).  CFGI_ALL is O(1): every
 * entry carries the generation it was filled in, and a bump of the
 * cache's generation makes them all stale at once.
 *
 * IOTLB: entries are tagged the way the architecture tags TLB entries
 * (16.2.1 and the TLBI commands of 4.4): translation regime (StreamWorld),
 * VMID, ASID (non-global stage 1 entries only), and which stages the entry
 * holds (stage 1 only, stage 2 only, or a combined stage 1+2 result).  The
 * input address is the base of the entry's block or page, so one key can
 * be computed only once the size is known: a lookup probes each size that
 * the cache currently holds, starting with the size of the last hit.
 * Linux uses 4 KiB pages plus 2 MiB and 1 GiB blocks, so a hit costs one
 * probe in the common case and at most three.
 *
 * Locking: the caches have no lock of their own.  Every function below
 * must be called with the engine's (the binding's device) lock held, like
 * the rest of the engine.  The hit path is built so it can later go
 * lock-free without changing the layout: a lookup only reads the buckets
 * and the slots it visits and writes one reference bit (a lost update is
 * harmless).  Readers would run under RCU or a per-bucket seqlock
 * (sequence in the bucket word's spare bits, retried on change), while
 * writers (insert, invalidation) stay serialised by the device lock and
 * publish a slot only after filling it; a slot being reused would bump the
 * bucket sequence first.  That is not implemented yet.
 */
#ifndef HW_ARM_SMMUV3_AUX_TLB_H
#define HW_ARM_SMMUV3_AUX_TLB_H

/* Defaults of the "iotlb-size" and "cfgc-size" properties. */
#define SMMUV3_AUX_IOTLB_DEFAULT_SIZE   8192
#define SMMUV3_AUX_CFGC_DEFAULT_SIZE    1024
/* Upper bounds, so a property cannot ask for gigabytes. */
#define SMMUV3_AUX_IOTLB_MAX_SIZE       (1u << 20)
#define SMMUV3_AUX_CFGC_MAX_SIZE        (1u << 16)
/*
 * Value size the engine gives its configuration cache: an upper bound of
 * sizeof(SMMUv3AuxCfg), which the translation path asserts when it starts
 * caching configurations.
 */
#define SMMUV3_AUX_CFGC_VALUE_SIZE      256

/* SubstreamID key of a transaction without one (SSV = 0). */
#define SMMUV3_AUX_NO_SSID              UINT32_MAX

/* Running counters, for traces and benchmarks. */
typedef struct SMMUv3AuxCacheStats {
    uint64_t hits, misses;
    uint64_t inserts;           /* new entries and refills of a key */
    uint64_t evictions;         /* replaced by CLOCK to make room */
    uint64_t invalidated;       /* removed by an invalidation */
} SMMUv3AuxCacheStats;

/*
 * The slot machinery both caches share: slots of 'stride' bytes, each
 * starting with SMMUv3AuxSlotLink, chained per bucket.  Free slots are
 * those at index >= hwm plus a free list.
 */
typedef struct SMMUv3AuxSlotLink {
    uint32_t next;              /* bucket chain, or free list */
    uint32_t prev;              /* previous slot, or SLOT_HEAD | bucket */
} SMMUv3AuxSlotLink;

typedef struct SMMUv3AuxSlotTable {
    uint8_t *slots;
    uint32_t *buckets;          /* chain heads; SMMUV3_AUX_SLOT_NIL if empty */
    uint32_t stride, flags_off; /* slot size; offset of its flags byte */
    uint32_t capacity, bucket_mask;
    uint32_t used;              /* slots holding an entry */
    uint32_t hwm;               /* slots at or above it were never used */
    uint32_t free_head;
    uint32_t hand;              /* CLOCK hand */
} SMMUv3AuxSlotTable;

#define SMMUV3_AUX_SLOT_NIL     UINT32_MAX
/*
 * A chain's first slot names its bucket, so removal never rehashes a key
 * (an eviction or invalidation would otherwise hash the victim again).
 * Capacities are at most 2^20 (SMMUV3_AUX_IOTLB_MAX_SIZE), far below it.
 */
#define SMMUV3_AUX_SLOT_HEAD    0x80000000u

/* ---- Configuration cache -------------------------------------------- */

typedef struct SMMUv3AuxCfgCache {
    SMMUv3AuxSlotTable st;      /* each slot: header, then the value */
    uint32_t value_size;
    uint32_t gen;               /* entries of another generation are stale */
    uint32_t mru;               /* slot of the last hit: a hint, checked */
    SMMUv3AuxCacheStats stats;
} SMMUv3AuxCfgCache;

/* capacity 0 disables the cache: lookups miss, inserts do nothing. */
void smmuv3_aux_cfgc_init(SMMUv3AuxCfgCache *c, uint32_t capacity,
                          uint32_t value_size);
void smmuv3_aux_cfgc_destroy(SMMUv3AuxCfgCache *c);
/* Copy the value of {sid, ssid} to *value; false on a miss. */
bool smmuv3_aux_cfgc_lookup(SMMUv3AuxCfgCache *c, uint32_t sid, uint32_t ssid,
                            void *value);
void smmuv3_aux_cfgc_insert(SMMUv3AuxCfgCache *c, uint32_t sid,
                            uint32_t ssid, const void *value);
/*
 * Introspection: the value of {sid, ssid} if cached, without counting a
 * hit or a miss or touching the replacement state.
 */
bool smmuv3_aux_cfgc_peek(const SMMUv3AuxCfgCache *c, uint32_t sid,
                          uint32_t ssid, void *value);
/* Invalidations return the number of live entries removed. */
unsigned smmuv3_aux_cfgc_inv_all(SMMUv3AuxCfgCache *c);
/* StreamIDs first..last (inclusive), all SubstreamIDs. */
unsigned smmuv3_aux_cfgc_inv_sid_range(SMMUv3AuxCfgCache *c, uint32_t first,
                                       uint32_t last);
/* Every SubstreamID of sid, and its SMMUV3_AUX_NO_SSID entry. */
static inline unsigned smmuv3_aux_cfgc_inv_sid(SMMUv3AuxCfgCache *c,
                                               uint32_t sid)
{
    return smmuv3_aux_cfgc_inv_sid_range(c, sid, sid);
}
/*
 * SubstreamIDs first..last of sid.  A range including SSID 0 also removes
 * the SMMUV3_AUX_NO_SSID entry: with STE.S1DSS = 0b10 a transaction
 * without a SubstreamID uses CD 0 (5.2, S1DSS).
 */
unsigned smmuv3_aux_cfgc_inv_ssid_range(SMMUv3AuxCfgCache *c, uint32_t sid,
                                        uint32_t first, uint32_t last);
/* Live entries (a scan: for tests and introspection). */
unsigned smmuv3_aux_cfgc_count(const SMMUv3AuxCfgCache *c);
size_t smmuv3_aux_cfgc_bytes(const SMMUv3AuxCfgCache *c);

/* ---- IOTLB ---------------------------------------------------------- */

/*
 * Translation regimes, from STE.STRW (Non-secure only).  The values match
 * SMMUv3AuxRegime of the translation code.
 */
typedef enum SMMUv3AuxTlbRegime {
    SMMUV3_AUX_TLB_NS_EL1 = 1,  /* tags: VMID; ASID for nG stage 1 */
    SMMUV3_AUX_TLB_EL2 = 2,     /* no VMID, no ASID */
    SMMUV3_AUX_TLB_EL2_E2H = 3, /* ASID for nG entries, no VMID */
} SMMUv3AuxTlbRegime;

/* What an entry holds. */
typedef enum SMMUv3AuxTlbStage {
    SMMUV3_AUX_TLB_S1 = 0,      /* stage 1 only: VA -> PA */
    SMMUV3_AUX_TLB_S2 = 1,      /* stage 2 only: IPA -> PA */
    SMMUV3_AUX_TLB_S12 = 2,     /* nested, combined: VA -> PA */
    /*
     * The walk cache of nested translation: stage 2 translations of
     * stage-1 table addresses (IPA -> PA), made by table walks (CLASS TT,
     * so S2PTW checked) and looked up only by them; stage 2 information,
     * removed with stage 2 entries (TLBI_S2_IPA, TLBI_S12_VMALL, ...).
     */
    SMMUV3_AUX_TLB_S2TT = 3,
} SMMUv3AuxTlbStage;

#define SMMUV3_AUX_TLB_REGIME_BIT(r)    (1u << (r))
#define SMMUV3_AUX_TLB_STAGE_BIT(s)     (1u << (s))
#define SMMUV3_AUX_TLB_ALL_STAGES       0xfu

/* Permission bits of an entry; their meaning is the translation code's. */
#define SMMUV3_AUX_TLB_PERM_R       0x01
#define SMMUV3_AUX_TLB_PERM_W       0x02
#define SMMUV3_AUX_TLB_PERM_X       0x04
#define SMMUV3_AUX_TLB_PERM_PRIV_R  0x08
#define SMMUV3_AUX_TLB_PERM_PRIV_W  0x10
#define SMMUV3_AUX_TLB_PERM_PRIV_X  0x20

/* The tags of a lookup or an insert. */
typedef struct SMMUv3AuxTlbTag {
    uint8_t regime;             /* SMMUv3AuxTlbRegime */
    uint8_t stage;              /* SMMUv3AuxTlbStage */
    uint16_t vmid;              /* ignored for EL2 regimes */
    uint16_t asid;              /* ignored for S2, EL2, and global entries */
} SMMUv3AuxTlbTag;

/* A translation, as inserted and as a lookup returns it. */
typedef struct SMMUv3AuxTlbEntry {
    uint64_t iova;              /* insert: any address in the block */
    uint64_t pa;                /* output address of the block base */
    uint64_t addr_mask;         /* lookup: block size - 1 */
    uint8_t granule;            /* log2 of the translation granule: 12/14/16 */
    uint8_t level;              /* level of the leaf descriptor, 0..3 */
    uint8_t perm;               /* SMMUV3_AUX_TLB_PERM_* */
    bool ng;                    /* stage 1 nG; forced false for S2 and EL2 */
} SMMUv3AuxTlbEntry;

/*
 * An invalidation predicate: an entry is removed when every condition
 * holds.  Built by the TLBI handlers (cmdq.c); see there for which
 * command sets what.
 */
typedef struct SMMUv3AuxTlbInv {
    uint8_t regimes;            /* SMMUV3_AUX_TLB_REGIME_BIT()s */
    uint8_t stages;             /* SMMUV3_AUX_TLB_STAGE_BIT()s */
    bool match_vmid;
    bool match_asid;            /* nG entries must have asid; global match */
    bool nonglobal_only;        /* global entries are spared */
    bool has_range;             /* else every address */
    uint16_t vmid, asid;
    uint64_t start, last;       /* inclusive input address range */
    /*
     * Range hints (TG != 0): entries of this granule whose leaf level is
     * not ttl_level are spared (4.4.1 TTL); 0 means no hint.
     */
    uint8_t tg_granule;         /* log2, or 0 */
    uint8_t ttl_level;          /* 1..3, or 0 */
} SMMUv3AuxTlbInv;

#define SMMUV3_AUX_IOTLB_REGION_BITS 12

typedef struct SMMUv3AuxIotlb {
    SMMUv3AuxSlotTable st;
    struct {
        /* Live entries per log2 size, split by global/non-global. */
        uint32_t count_ng[64], count_global[64];
        uint64_t sizes_ng, sizes_global;    /* bit n: count_*[n] != 0 */
        /* Live entries per kind: regime | stage << 2. */
        uint32_t count_kind[16];
        /* Live entries per hashed address region (iotlb.c, "regions"). */
        uint32_t region[1u << SMMUV3_AUX_IOTLB_REGION_BITS];
    } sz;
    /* Live entries per block number, a filter for range TLBI (iotlb.c). */
    uint8_t *blk;
    uint32_t blk_mask;
    bool blk_sticky;            /* some counter saturated */
    uint8_t last_hit_shift;
    SMMUv3AuxCacheStats stats;
    uint64_t inv_probes, inv_scans;     /* how invalidations were served */
} SMMUv3AuxIotlb;

void smmuv3_aux_iotlb_init(SMMUv3AuxIotlb *t, uint32_t capacity);
void smmuv3_aux_iotlb_destroy(SMMUv3AuxIotlb *t);
/* Find the entry whose block holds iova; fill *out (iova = block base). */
bool smmuv3_aux_iotlb_lookup(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbTag *tag,
                             uint64_t iova, SMMUv3AuxTlbEntry *out);
/* Insert (or refresh) a translation; false if its geometry is invalid. */
bool smmuv3_aux_iotlb_insert(SMMUv3AuxIotlb *t, const SMMUv3AuxTlbTag *tag,
                             const SMMUv3AuxTlbEntry *ent);
/* Remove what inv names; return how many entries went. */
unsigned smmuv3_aux_iotlb_invalidate(SMMUv3AuxIotlb *t,
                                     const SMMUv3AuxTlbInv *inv);
void smmuv3_aux_iotlb_flush(SMMUv3AuxIotlb *t);
/*
 * Introspection: the live entries a lookup with tag could return (same
 * regime and stage and VMID; ASID for nG entries), at most max of them
 * into out[] (iova = block base), in slot order; returns how many match.
 * Touches no statistics and no replacement state.
 */
unsigned smmuv3_aux_iotlb_dump(const SMMUv3AuxIotlb *t,
                               const SMMUv3AuxTlbTag *tag,
                               SMMUv3AuxTlbEntry *out, unsigned max);
static inline unsigned smmuv3_aux_iotlb_count(const SMMUv3AuxIotlb *t)
{
    return t->st.used;
}
size_t smmuv3_aux_iotlb_bytes(const SMMUv3AuxIotlb *t);
/* Bytes per entry of a full IOTLB of this capacity, buckets included. */
size_t smmuv3_aux_iotlb_bytes_per_entry(uint32_t capacity);

/* ---- What invalidations tell the binding ----------------------------- */

/*
 * One invalidation the binding forwards to IOMMU notifiers after dropping
 * its lock (smmuv3_aux_engine_take_invals()).  Fields a kind does not use
 * are zero.
 */
typedef enum SMMUv3AuxInvalKind {
    SMMUV3_AUX_INVAL_CFG,       /* configuration of sid..sid+sid_count-1 */
    SMMUV3_AUX_INVAL_TLB_ALL,   /* every TLB entry of regime (any VMID) */
    SMMUV3_AUX_INVAL_TLB_VMID,  /* every TLB entry of vmid */
    SMMUV3_AUX_INVAL_TLB_ASID,  /* stage 1 entries of {vmid, asid} */
    SMMUV3_AUX_INVAL_TLB_VA,    /* stage 1 entries of iova..+size */
    SMMUV3_AUX_INVAL_TLB_IPA,   /* stage 2 entries of iova..+size */
} SMMUv3AuxInvalKind;

typedef struct SMMUv3AuxInval {
    SMMUv3AuxInvalKind kind;
    uint8_t regime;             /* SMMUv3AuxTlbRegime, TLB kinds */
    bool any_vmid;              /* TLB kinds: the VMID did not restrict */
    bool any_asid;              /* TLB_VA: every ASID (NH_VAA, EL2_VAA) */
    uint16_t vmid, asid;
    uint32_t sid;               /* CFG: first StreamID */
    uint32_t ssid;              /* CFG: SubstreamID, NO_SSID for all */
    uint64_t sid_count;         /* CFG: number of StreamIDs */
    uint64_t iova, size;        /* VA/IPA: range (size 0: 2^64 bytes) */
} SMMUv3AuxInval;

/* Pending invalidations kept for the binding before "everything". */
#define SMMUV3_AUX_MAX_INVALS   64

#endif
