/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: introspection, what the SMMU sees right now.
 *
 * Everything here reads and changes nothing: structures are fetched
 * through a read-only view of the engine's memory ops (an HTTU update a
 * walk would make is reported, not written), the caches are peeked at
 * without counting hits or touching their replacement state, and no event
 * is recorded.  The binding calls it with its lock held and turns the
 * result into QMP/HMP answers (smmuv3-aux-qmp.c).
 */
#ifndef HW_ARM_SMMUV3_AUX_INSPECT_H
#define HW_ARM_SMMUV3_AUX_INSPECT_H

#include "engine.h"
#include "ptw.h"
#include "tlb.h"
#include "vcmdq.h"

/* One field of a structure or register, named as in IHI 0070. */
typedef struct SMMUv3AuxField {
    const char *name;
    uint64_t value;
    const char *meaning;        /* an enumeration's meaning, or NULL */
} SMMUv3AuxField;

/* The layouts smmuv3_aux_fields() decodes. */
typedef enum SMMUv3AuxLayout {
    SMMUV3_AUX_LAYOUT_STE,      /* 8 qwords */
    SMMUV3_AUX_LAYOUT_CD,       /* 8 qwords */
    SMMUV3_AUX_LAYOUT_CR0,
    SMMUV3_AUX_LAYOUT_CR1,
    SMMUV3_AUX_LAYOUT_CR2,
    SMMUV3_AUX_LAYOUT_GBPA,
    SMMUV3_AUX_LAYOUT_IRQ_CTRL,
    SMMUV3_AUX_LAYOUT_GERROR,
    SMMUV3_AUX_LAYOUT_STRTAB_BASE_CFG,
    SMMUV3_AUX_LAYOUT_S1_TABLE, /* VMSAv8-64 descriptors */
    SMMUV3_AUX_LAYOUT_S1_LEAF,
    SMMUV3_AUX_LAYOUT_S2_LEAF,
} SMMUv3AuxLayout;

#define SMMUV3_AUX_MAX_FIELDS   64

/* Decode words (one, or eight for STE/CD) into out[]; return how many. */
unsigned smmuv3_aux_fields(SMMUv3AuxLayout layout, const uint64_t *words,
                           SMMUv3AuxField out[SMMUV3_AUX_MAX_FIELDS]);

/* Names for the answers. */
const char *smmuv3_aux_event_name(unsigned id);     /* "reserved" if none */
const char *smmuv3_aux_command_name(unsigned opcode); /* NULL if reserved */
const char *smmuv3_aux_desc_kind_name(unsigned kind);
const char *smmuv3_aux_fetch_name(unsigned fetch);  /* SMMUv3AuxFetch */

#define SMMUV3_AUX_INSPECT_MAX_TLB  64

/* A StreamID (and SubstreamID), and optionally one address's walk. */
typedef struct SMMUv3AuxInspect {
    /* In. */
    uint32_t sid, ssid;
    bool ssv;
    bool walk;                  /* translate iova as well */
    uint64_t iova;
    bool write, exec, priv;     /* the access to explain */
    /* Out: the structures as fetched now. */
    bool smmuen;
    bool ste_read;
    uint64_t ste_addr;
    uint64_t ste[8];
    bool cd_read;
    uint64_t cd_pa;
    uint64_t cd[8];
    /* The configuration: valid (event 0), or why not. */
    unsigned event;             /* SMMUv3AuxEventId that would be raised */
    const char *why;            /* the rule a C_BAD_STE / C_BAD_CD broke */
    uint64_t fetch_addr;        /* F_*_FETCH, C_BAD_* of a fetch */
    const char *config;         /* "abort", "bypass", "stage 1", ... */
    const char *regime;         /* "NS-EL1", "EL2", "EL2-E2H", or NULL */
    uint16_t asid, vmid;
    bool tlb_tagged;            /* stage 1/2/nested: has IOTLB tags */
    bool cfg_cached;            /* the configuration cache holds it */
    /* The IOTLB entries this configuration's tags reach. */
    unsigned n_tlb;             /* how many match (may exceed tlb[]) */
    SMMUv3AuxTlbEntry tlb[SMMUV3_AUX_INSPECT_MAX_TLB];
    SMMUv3AuxPtwPerm tlb_perm[SMMUV3_AUX_INSPECT_MAX_TLB]; /* tlb[i].perm */
    /* The walk of iova: the descriptors, then a result or a fault. */
    bool walked;
    bool translated;
    uint64_t oa, ipa, size;
    SMMUv3AuxPtwPerm perm;
    SMMUv3AuxPtwFault fault;
    SMMUv3AuxPtwTrace trace;
} SMMUv3AuxInspect;

/* Fill *x for x->sid/ssid/ssv (and walk x->iova when x->walk). */
void smmuv3_aux_inspect_stream(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x);

/*
 * The translation tables of one stage as a tree (ptw-dump.c): tables in
 * breadth-first order, each with its parent, and the leaves they hold as
 * ranges of contiguous input mapped to contiguous output with the same
 * attributes.  Bounded by the caller's arrays (truncated says so).
 */
typedef struct SMMUv3AuxPtwDumpTable {
    uint8_t stage, level, granule;
    uint8_t span_shift;         /* log2 of the input range it covers */
    bool unreadable;            /* the read (or its stage 2) failed */
    uint8_t root_tt;            /* roots: TTB0 or TTB1 */
    int32_t parent;             /* index in tables[], -1 for a root */
    uint32_t parent_index;      /* its descriptor's index in the parent */
    uint32_t valid;             /* descriptors with bit 0 set */
    uint64_t addr;              /* an IPA for nested stage 1 */
    uint64_t pa;
    uint64_t input;             /* first input address it covers */
} SMMUv3AuxPtwDumpTable;

typedef struct SMMUv3AuxPtwDumpRange {
    uint32_t table;             /* index of the table holding its leaves */
    uint8_t level;
    uint32_t leaves;
    uint64_t input, size, output;
    uint64_t attrs;             /* the leaves' descriptor bits but the OA */
} SMMUv3AuxPtwDumpRange;

typedef struct SMMUv3AuxPtwDump {
    SMMUv3AuxPtwDumpTable *tables;
    unsigned max_tables, n_tables;
    SMMUv3AuxPtwDumpRange *ranges;
    unsigned max_ranges, n_ranges;
    bool truncated;
} SMMUv3AuxPtwDump;

/* Append the tables of stage 1 (TTB0, TTB1) or of stage 2 to *d. */
void smmuv3_aux_ptw_dump_s1(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS1Cfg *cfg,
                            const SMMUv3AuxS2Cfg *nest, SMMUv3AuxPtwDump *d);
void smmuv3_aux_ptw_dump_s2(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS2Cfg *cfg, SMMUv3AuxPtwDump *d);

/*
 * The tables of (sid, ssid, ssv)'s configuration, read-only: stage 1 into
 * s1, stage 2 into s2 (each may be NULL).  False, with *x's event and why
 * filled as smmuv3_aux_inspect_stream() does, if it has no valid
 * translating configuration.
 */
bool smmuv3_aux_inspect_tables(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x,
                               SMMUv3AuxPtwDump *s1, SMMUv3AuxPtwDump *s2);

/* A queue of the SMMU as its registers define it now. */
typedef struct SMMUv3AuxQueueView {
    const char *name;           /* "cmdq", "eventq", "priq" */
    uint64_t base;              /* effective base address */
    unsigned log2size;          /* effective, capped by IDR1 */
    uint32_t prod, cons;        /* the registers, flags included */
    uint32_t pending;           /* entries from CONS to PROD */
    bool enabled;               /* CR0.xEN */
    unsigned error;             /* cmdq: CMDQ_CONS.ERR (CERROR_*) */
} SMMUv3AuxQueueView;

#define SMMUV3_AUX_INSPECT_QUEUES   3

/* out[] has room for SMMUV3_AUX_INSPECT_QUEUES. */
void smmuv3_aux_inspect_queues(SMMUv3AuxEngine *e,
                               SMMUv3AuxQueueView *out);
/*
 * A VCMDQ as a job would consume it: LOG2SIZE capped as vcmdq.c caps it,
 * the base aligned to the queue's size (name is the caller's).
 */
void smmuv3_aux_inspect_vcmdq(const SMMUv3AuxVcmdq *vq, const char *name,
                              SMMUv3AuxQueueView *out);

/* One StreamID of the live stream table (smmuv3_aux_inspect_strtab()). */
typedef struct SMMUv3AuxStreamEntry {
    uint32_t sid;
    uint64_t ste_addr;
    uint64_t ste0;              /* STE qword 0: V, Config, S1Fmt, ... */
} SMMUv3AuxStreamEntry;

/*
 * The StreamIDs from *next on whose STE has V = 1, at most max of them;
 * *next becomes where to go on (or 2^32 at the end).  Each call reads at
 * most budget STEs and level-1 descriptors, so a 2^32-entry table is
 * listed in bounded steps.
 */
unsigned smmuv3_aux_inspect_strtab(SMMUv3AuxEngine *e, uint64_t *next,
                                   SMMUv3AuxStreamEntry *out, unsigned max,
                                   unsigned budget);

/* A StreamID's CD table (smmuv3_aux_inspect_cdtab()). */
typedef struct SMMUv3AuxCdTableView {
    const char *config;         /* as SMMUv3AuxInspect.config */
    uint32_t event;             /* the STE's event, if it is not valid */
    bool has_cds;               /* stage 1 or nested */
    uint8_t s1cdmax, s1fmt;     /* effective; S1CDMax 0: one CD, no SSIDs */
    uint64_t base;              /* S1ContextPtr (an IPA when nested) */
} SMMUv3AuxCdTableView;

typedef struct SMMUv3AuxCdEntry {
    uint32_t ssid;
    uint64_t cd_addr;           /* physical address */
    uint64_t cd0;               /* CD qword 0: V, T0SZ, ..., ASID */
    const char *why;            /* NULL, or why it is ILLEGAL (C_BAD_CD) */
} SMMUv3AuxCdEntry;

/*
 * The CDs with V = 1 of sid's CD table, from SubstreamID *next on, at
 * most max of them; *next becomes where to go on (2^32 at the end).
 * Each call reads at most budget CDs (and their L1CDs); an invalid L1CD
 * skips its whole leaf table.  A StreamID with S1CDMax = 0 has one CD,
 * listed as SubstreamID 0.  *t describes the table, or why there is none.
 */
unsigned smmuv3_aux_inspect_cdtab(SMMUv3AuxEngine *e, uint32_t sid,
                                  SMMUv3AuxCdTableView *t, uint64_t *next,
                                  SMMUv3AuxCdEntry *out, unsigned max,
                                  unsigned budget);

#endif
