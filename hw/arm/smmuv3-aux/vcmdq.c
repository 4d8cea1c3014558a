/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: virtual command queues compatible with NVIDIA
 * Tegra241 CMDQV (register map and locking in vcmdq.h).
 *
 * Each global VCMDQ is a command queue of the SMMU: it is consumed by
 * cmdq.c over a queue context, the same consumer and handlers as the
 * SMMU CMDQ, with the policy of the VINTF it is allocated to (HYP_OWN = 0:
 * the guest command set, VMID and StreamID substitution).  Commands run
 * synchronously when PROD is written, so a CMD_SYNC is complete as soon
 * as CONS has moved past it, which is how Linux waits on a VCMDQ.
 *
 * Behaviour the driver does not pin down, decided here ("decision"):
 *  - A VCMDQ runs when CMDQV_CONFIG.CMDQV_EN, its CONFIG.EN, its
 *    CMDQ_ALLOC.ALLOCATED and its VINTF's CONFIG.EN are all set and it
 *    has no error active.  Every *STATUS.ENABLED follows its CONFIG.EN at
 *    once (the driver polls for it).
 *  - Logical slots no CMDQ_ALLOC maps are RAZ/WI (Linux's first reset
 *    deinitialises them before mapping them).  Mapping out of ascending
 *    or unmapping out of descending order, which hardware forbids, is
 *    logged and applied; a logical slot mapped twice reaches the lowest
 *    global queue.
 *  - A command error toggles VCMDQ_GERROR.CMDQ_ERR (bit 0, as the SMMU's
 *    GERROR.CMDQ_ERR), sets CONS.ERR and leaves CONS on the command.  The
 *    queue stops until GERRORN == GERROR, then resumes at CONS.
 *  - Each new queue error raises the CMDQV interrupt (an edge, as the
 *    driver's ISR comment says), unless the queue's VINTF is set in
 *    VINTF_INT_MASK (which Linux never writes; reset value 0).
 *  - CONS, BASE and CONS_INDX_BASE are writable only while CONFIG.EN = 0.
 *    CONS_INDX_BASE is stored but never written to.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"
#include "vcmdq.h"

#define VINTF_CONFIG_MASK   (R_VINTF_CONFIG_EN_MASK | \
                             R_VINTF_CONFIG_VMID_MASK | \
                             R_VINTF_CONFIG_HYP_OWN_MASK)
#define SID_MATCH_MASK      (R_VINTF_SID_MATCH_ENABLE_MASK | \
                             R_VINTF_SID_MATCH_VIRT_SID_MASK)
#define VCMDQ_BASE_MASK     (R_VCMDQ_BASE_ADDR_MASK | \
                             R_VCMDQ_BASE_LOG2SIZE_MASK)

/* ---- Parameters ------------------------------------------------------ */

void smmuv3_aux_cmdqv_params_set_defaults(SMMUv3AuxCmdqvParams *p)
{
#define DEFAULT(kind, field, name, def) p->field = def;
    SMMUV3_AUX_CMDQV_PARAMS(DEFAULT)
#undef DEFAULT
}

bool smmuv3_aux_cmdqv_params_check(const SMMUv3AuxCmdqvParams *p,
                                   const char **why)
{
    if (p->num_vintf_log2 > SMMUV3_AUX_CMDQV_MAX_VINTF_LOG2) {
        *why = "cmdqv-vintfs-log2 must be at most 6: more than 64 VINTFs "
               "do not fit the 64-bit VINTF_ERR_MAP";
    } else if (p->num_vcmdq_log2 > SMMUV3_AUX_CMDQV_MAX_VCMDQ_LOG2) {
        *why = "cmdqv-vcmdqs-log2 must be at most 7: more than 128 VCMDQs "
               "do not fit the 128-bit CMDQ_ERR_MAP";
    } else if (p->num_vcmdq_log2 < p->num_vintf_log2) {
        *why = "cmdqv-vcmdqs-log2 must be at least cmdqv-vintfs-log2: "
               "with fewer VCMDQs than VINTFs a VINTF has none (Linux "
               "divides by the number of VCMDQs per VINTF)";
    } else if (p->num_sid_log2 > SMMUV3_AUX_CMDQV_MAX_SID_LOG2) {
        *why = "cmdqv-sids-log2 must be at most 4: SID_MATCH has room for "
               "16 StreamIDs per VINTF";
    } else if (p->version > R_CMDQV_PARAM_VER_MASK) {
        *why = "cmdqv-version must be at most 15 (PARAM.VER has 4 bits)";
    } else {
        return true;
    }
    return false;
}

uint64_t smmuv3_aux_cmdqv_mmio_size(const SMMUv3AuxCmdqvParams *p)
{
    return SMMUV3_AUX_CMDQV_VINTF_PAGES +
           ((uint64_t)SMMUV3_AUX_CMDQV_VINTF_STRIDE << p->num_vintf_log2);
}

void smmuv3_aux_cmdqv_init(SMMUv3AuxCmdqv *v, const SMMUv3AuxCmdqvParams *p)
{
    memset(v, 0, sizeof(*v));
    v->params = *p;
    v->num_vintfs = 1u << p->num_vintf_log2;
    v->num_vcmdqs = 1u << p->num_vcmdq_log2;
    v->num_sids = 1u << p->num_sid_log2;
    smmuv3_aux_cmdqv_reset(v);
}

void smmuv3_aux_cmdqv_reset(SMMUv3AuxCmdqv *v)
{
    v->epoch++;
    v->config = 0;
    v->vintf_int_mask = 0;
    memset(v->vintf, 0, sizeof(v->vintf));
    memset(v->q, 0, sizeof(v->q));
    memset(v->route, SMMUV3_AUX_CMDQV_NO_ROUTE, sizeof(v->route));
    memset(v->kick, 0, sizeof(v->kick));
    v->irq_pending = false;
}

/* ---- Queue state ----------------------------------------------------- */

bool smmuv3_aux_vcmdq_in_error(const SMMUv3AuxCmdqv *v, unsigned q)
{
    return (v->q[q].gerror ^ v->q[q].gerrorn) & R_VCMDQ_GERROR_CMDQ_ERR_MASK;
}

static bool vcmdq_enabled(const SMMUv3AuxVcmdq *vq)
{
    return FIELD_EX32(vq->config, VCMDQ_CONFIG, EN);
}

/* The VINTF a global queue is allocated to, or -1. */
static int vcmdq_vintf(const SMMUv3AuxCmdqv *v, unsigned q)
{
    uint32_t alloc = v->q[q].alloc;
    unsigned i = FIELD_EX32(alloc, CMDQV_CMDQ_ALLOC, VINTF);

    if (!FIELD_EX32(alloc, CMDQV_CMDQ_ALLOC, ALLOCATED) ||
        i >= v->num_vintfs) {
        return -1;
    }
    return i;
}

static bool vcmdq_runnable(const SMMUv3AuxCmdqv *v, unsigned q)
{
    int i = vcmdq_vintf(v, q);

    return FIELD_EX32(v->config, CMDQV_CONFIG, CMDQV_EN) &&
           vcmdq_enabled(&v->q[q]) && i >= 0 &&
           FIELD_EX32(v->vintf[i].config, VINTF_CONFIG, EN) &&
           !smmuv3_aux_vcmdq_in_error(v, q);
}

static void kick(SMMUv3AuxCmdqv *v, unsigned q)
{
    v->kick[q / 64] |= 1ULL << (q % 64);
}

/* Something every queue's runnability depends on changed. */
static void kick_all(SMMUv3AuxCmdqv *v)
{
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        kick(v, q);
    }
}

static void vcmdq_error(SMMUv3AuxCmdqv *v, unsigned q)
{
    SMMUv3AuxVcmdq *vq = &v->q[q];
    int i = vcmdq_vintf(v, q);
    bool irq = i >= 0 && !(v->vintf_int_mask & (1ULL << i));

    if (!smmuv3_aux_vcmdq_in_error(v, q)) {
        vq->gerror ^= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    }
    if (irq) {
        v->irq_pending = true;
    }
    trace_smmuv3_aux_vcmdq_error(q, vq->cons, vq->gerror, irq);
}

/* ---- Error maps, derived from the queues ----------------------------- */

static uint64_t vintf_err_map(const SMMUv3AuxCmdqv *v)
{
    uint64_t map = 0;

    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        int i = vcmdq_vintf(v, q);

        if (i >= 0 && smmuv3_aux_vcmdq_in_error(v, q)) {
            map |= 1ULL << i;
        }
    }
    return map;
}

/* 32 bits of CMDQ_ERR_MAP: bit n is global queue 32 * word + n. */
static uint32_t cmdq_err_map(const SMMUv3AuxCmdqv *v, unsigned word)
{
    uint32_t map = 0;

    for (unsigned n = 0; n < 32; n++) {
        unsigned q = word * 32 + n;

        if (q < v->num_vcmdqs && smmuv3_aux_vcmdq_in_error(v, q)) {
            map |= 1u << n;
        }
    }
    return map;
}

/* 32 bits of VINTF i's LVCMDQ_ERR_MAP: bit n is logical queue 32w + n. */
static uint32_t lvcmdq_err_map(const SMMUv3AuxCmdqv *v, unsigned i,
                               unsigned word)
{
    uint32_t map = 0;

    for (unsigned n = 0; n < 32; n++) {
        unsigned q = v->route[i][word * 32 + n];

        if (q != SMMUV3_AUX_CMDQV_NO_ROUTE &&
            smmuv3_aux_vcmdq_in_error(v, q)) {
            map |= 1u << n;
        }
    }
    return map;
}

/* ---- CMDQ_ALLOC routing ---------------------------------------------- */

static void route_rebuild(SMMUv3AuxCmdqv *v)
{
    memset(v->route, SMMUV3_AUX_CMDQV_NO_ROUTE, sizeof(v->route));
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        int i = vcmdq_vintf(v, q);
        unsigned l = FIELD_EX32(v->q[q].alloc, CMDQV_CMDQ_ALLOC, LVCMDQ);

        if (i < 0) {
            continue;
        }
        if (v->route[i][l] != SMMUV3_AUX_CMDQV_NO_ROUTE) {
            SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_alloc_dup,
                                 "vcmdq%u vintf=%d lvcmdq=%u", q, i, l);
            continue;
        }
        v->route[i][l] = q;
        trace_smmuv3_aux_cmdqv_route(i, l, q);
    }
}

/*
 * Hardware wants a VINTF's logical queues mapped in ascending and
 * unmapped in descending order (Linux's comments); say so when a guest
 * does otherwise, with the routes as they were before the write.
 */
static void alloc_check_order(SMMUv3AuxCmdqv *v, unsigned q, uint32_t val)
{
    bool was = FIELD_EX32(v->q[q].alloc, CMDQV_CMDQ_ALLOC, ALLOCATED);
    bool map = FIELD_EX32(val, CMDQV_CMDQ_ALLOC, ALLOCATED);
    unsigned i = FIELD_EX32(val, CMDQV_CMDQ_ALLOC, VINTF);
    unsigned l = FIELD_EX32(val, CMDQV_CMDQ_ALLOC, LVCMDQ);
    bool bad;

    if (was == map || i >= v->num_vintfs) {
        return;
    }
    if (map) {
        bad = l > 0 && v->route[i][l - 1] == SMMUV3_AUX_CMDQV_NO_ROUTE;
    } else {
        bad = l + 1 < SMMUV3_AUX_CMDQV_MAX_LVCMDQS &&
              v->route[i][l + 1] != SMMUV3_AUX_CMDQV_NO_ROUTE;
    }
    if (bad) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_alloc_order,
                             "vcmdq%u vintf=%u lvcmdq=%u map=%d",
                             q, i, l, map);
    }
}

static void alloc_write(SMMUv3AuxCmdqv *v, unsigned q, uint32_t val)
{
    val &= R_CMDQV_CMDQ_ALLOC_ALLOCATED_MASK |
           R_CMDQV_CMDQ_ALLOC_LVCMDQ_MASK | R_CMDQV_CMDQ_ALLOC_VINTF_MASK;
    alloc_check_order(v, q, val);
    v->q[q].alloc = val;
    route_rebuild(v);
    kick_all(v);
}

/* ---- Global page ----------------------------------------------------- */

uint32_t smmuv3_aux_cmdqv_param(const SMMUv3AuxCmdqv *v)
{
    uint32_t r = 0;

    r = FIELD_DP32(r, CMDQV_PARAM, VER, v->params.version);
    r = FIELD_DP32(r, CMDQV_PARAM, NUM_VCMDQ_LOG2, v->params.num_vcmdq_log2);
    r = FIELD_DP32(r, CMDQV_PARAM, NUM_VINTF_LOG2, v->params.num_vintf_log2);
    r = FIELD_DP32(r, CMDQV_PARAM, NUM_SID_PER_VM_LOG2,
                   v->params.num_sid_log2);
    return r;
}

static uint32_t vintf_read(const SMMUv3AuxCmdqv *v, unsigned i, uint64_t r)
{
    const SMMUv3AuxVintf *vi = &v->vintf[i];
    unsigned s = (r & 0x3f) / 4;

    switch (r) {
    case A_VINTF_CONFIG:
        return vi->config;
    case A_VINTF_STATUS:
        return FIELD_EX32(vi->config, VINTF_CONFIG, EN);
    case A_VINTF_SID_MATCH ... A_VINTF_SID_MATCH + 0x3c:
        return s < v->num_sids ? vi->sid_match[s] : 0;
    case A_VINTF_SID_REPLACE ... A_VINTF_SID_REPLACE + 0x3c:
        return s < v->num_sids ? vi->sid_replace[s] : 0;
    case A_VINTF_LVCMDQ_ERR_MAP ... A_VINTF_LVCMDQ_ERR_MAP + 0xc:
        return lvcmdq_err_map(v, i, (r - A_VINTF_LVCMDQ_ERR_MAP) / 4);
    default:
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_reserved,
                             "off=0x%" PRIx64 " write=%d",
                             SMMUV3_AUX_CMDQV_VINTF_BASE +
                             i * SMMUV3_AUX_CMDQV_VINTF_SIZE + r, false);
        return 0;
    }
}

static uint32_t global_read(const SMMUv3AuxCmdqv *v, uint64_t off)
{
    uint64_t vintfs_end = SMMUV3_AUX_CMDQV_VINTF_BASE +
                          SMMUV3_AUX_CMDQV_MAX_VINTFS *
                          SMMUV3_AUX_CMDQV_VINTF_SIZE;
    unsigned q = (off - A_CMDQV_CMDQ_ALLOC) / 4;
    unsigned i = (off - SMMUV3_AUX_CMDQV_VINTF_BASE) /
                 SMMUV3_AUX_CMDQV_VINTF_SIZE;

    switch (off) {
    case A_CMDQV_CONFIG:
        return v->config;
    case A_CMDQV_PARAM:
        return smmuv3_aux_cmdqv_param(v);
    case A_CMDQV_STATUS:
        return FIELD_EX32(v->config, CMDQV_CONFIG, CMDQV_EN);
    case A_CMDQV_VINTF_ERR_MAP:
    case A_CMDQV_VINTF_ERR_MAP + 4:
        return vintf_err_map(v) >> (off - A_CMDQV_VINTF_ERR_MAP) * 8;
    case A_CMDQV_VINTF_INT_MASK:
    case A_CMDQV_VINTF_INT_MASK + 4:
        return v->vintf_int_mask >> (off - A_CMDQV_VINTF_INT_MASK) * 8;
    case A_CMDQV_CMDQ_ERR_MAP ... A_CMDQV_CMDQ_ERR_MAP + 0xc:
        return cmdq_err_map(v, (off - A_CMDQV_CMDQ_ERR_MAP) / 4);
    case A_CMDQV_CMDQ_ALLOC ...
         A_CMDQV_CMDQ_ALLOC + 4 * (SMMUV3_AUX_CMDQV_MAX_VCMDQS - 1):
        return q < v->num_vcmdqs ? v->q[q].alloc : 0;
    }
    if (off >= SMMUV3_AUX_CMDQV_VINTF_BASE && off < vintfs_end) {
        /* VINTFs past PARAM's count are RAZ/WI, like unmapped slots. */
        return i < v->num_vintfs ?
               vintf_read(v, i, off % SMMUV3_AUX_CMDQV_VINTF_SIZE) : 0;
    }
    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_reserved,
                         "off=0x%" PRIx64 " write=%d", off, false);
    return 0;
}

static void vintf_write(SMMUv3AuxCmdqv *v, unsigned i, uint64_t r,
                        uint32_t val)
{
    SMMUv3AuxVintf *vi = &v->vintf[i];
    unsigned s = (r & 0x3f) / 4;

    switch (r) {
    case A_VINTF_CONFIG:
        val &= VINTF_CONFIG_MASK;
        if (!v->params.hyp_own) {
            /* Wired to zero, as a guest kernel sees it (Linux 4.5/7.8). */
            val = FIELD_DP32(val, VINTF_CONFIG, HYP_OWN, 0);
        }
        vi->config = val;
        kick_all(v);
        return;
    case A_VINTF_SID_MATCH ... A_VINTF_SID_MATCH + 0x3c:
        if (s < v->num_sids) {
            vi->sid_match[s] = val & SID_MATCH_MASK;
        }
        return;
    case A_VINTF_SID_REPLACE ... A_VINTF_SID_REPLACE + 0x3c:
        if (s < v->num_sids) {
            vi->sid_replace[s] = val;
        }
        return;
    default:
        /* STATUS and LVCMDQ_ERR_MAP are read-only. */
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_reserved,
                             "off=0x%" PRIx64 " write=%d",
                             SMMUV3_AUX_CMDQV_VINTF_BASE +
                             i * SMMUV3_AUX_CMDQV_VINTF_SIZE + r, true);
    }
}

static void global_write(SMMUv3AuxCmdqv *v, uint64_t off, uint32_t val)
{
    uint64_t vintfs_end = SMMUV3_AUX_CMDQV_VINTF_BASE +
                          SMMUV3_AUX_CMDQV_MAX_VINTFS *
                          SMMUV3_AUX_CMDQV_VINTF_SIZE;
    unsigned q = (off - A_CMDQV_CMDQ_ALLOC) / 4;
    unsigned i = (off - SMMUV3_AUX_CMDQV_VINTF_BASE) /
                 SMMUV3_AUX_CMDQV_VINTF_SIZE;
    unsigned sh = (off - A_CMDQV_VINTF_INT_MASK) * 8;

    switch (off) {
    case A_CMDQV_CONFIG:
        v->config = val & R_CMDQV_CONFIG_CMDQV_EN_MASK;
        kick_all(v);
        return;
    case A_CMDQV_VINTF_INT_MASK:
    case A_CMDQV_VINTF_INT_MASK + 4:
        v->vintf_int_mask = deposit64(v->vintf_int_mask, sh, 32, val);
        return;
    case A_CMDQV_CMDQ_ALLOC ...
         A_CMDQV_CMDQ_ALLOC + 4 * (SMMUV3_AUX_CMDQV_MAX_VCMDQS - 1):
        if (q < v->num_vcmdqs) {
            alloc_write(v, q, val);
        }
        return;
    }
    if (off >= SMMUV3_AUX_CMDQV_VINTF_BASE && off < vintfs_end) {
        if (i < v->num_vintfs) {
            vintf_write(v, i, off % SMMUV3_AUX_CMDQV_VINTF_SIZE, val);
        }
        return;
    }
    /* PARAM, STATUS and the error maps are read-only. */
    SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_reserved,
                         "off=0x%" PRIx64 " write=%d", off, true);
}

/* ---- VCMDQ pages ----------------------------------------------------- */

static uint32_t page0_read(const SMMUv3AuxVcmdq *vq, uint64_t r)
{
    switch (r) {
    case A_VCMDQ_CONS:
        return vq->cons;
    case A_VCMDQ_PROD:
        return vq->prod;
    case A_VCMDQ_CONFIG:
        return vq->config;
    case A_VCMDQ_STATUS:
        return FIELD_EX32(vq->config, VCMDQ_CONFIG, EN);
    case A_VCMDQ_GERROR:
        return vq->gerror;
    case A_VCMDQ_GERRORN:
        return vq->gerrorn;
    default:
        return 0;
    }
}

static uint32_t page1_read(const SMMUv3AuxVcmdq *vq, uint64_t r)
{
    switch (r) {
    case A_VCMDQ_BASE:
    case A_VCMDQ_BASE + 4:
        return vq->base >> (r - A_VCMDQ_BASE) * 8;
    case A_VCMDQ_CONS_INDX_BASE:
    case A_VCMDQ_CONS_INDX_BASE + 4:
        return vq->cons_indx_base >> (r - A_VCMDQ_CONS_INDX_BASE) * 8;
    default:
        return 0;
    }
}

/* A register only software may set while the queue is off. */
static bool vcmdq_may_write(const SMMUv3AuxVcmdq *vq, unsigned q,
                            uint64_t r, uint32_t val)
{
    if (vcmdq_enabled(vq)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_vcmdq_write_enabled,
                             "vcmdq%u off=0x%" PRIx64 " val=0x%x", q, r, val);
        return false;
    }
    return true;
}

static void page0_write(SMMUv3AuxCmdqv *v, unsigned q, uint64_t r,
                        uint32_t val)
{
    SMMUv3AuxVcmdq *vq = &v->q[q];

    switch (r) {
    case A_VCMDQ_CONS:
        if (vcmdq_may_write(vq, q, r, val)) {
            vq->cons = val & (R_VCMDQ_CONS_RD_MASK | R_VCMDQ_CONS_ERR_MASK);
            vq->seq++;
        }
        return;
    case A_VCMDQ_PROD:
        vq->prod = val & R_VCMDQ_PROD_WR_MASK;
        break;
    case A_VCMDQ_CONFIG:
        vq->config = val & R_VCMDQ_CONFIG_EN_MASK;
        break;
    case A_VCMDQ_GERRORN:
        vq->gerrorn = val & R_VCMDQ_GERROR_CMDQ_ERR_MASK;
        break;
    default:
        return;                 /* STATUS, GERROR: read-only */
    }
    kick(v, q);
}

static void page1_write(SMMUv3AuxVcmdq *vq, unsigned q, uint64_t r,
                        uint32_t val)
{
    unsigned sh = (r & 4) * 8;

    switch (r) {
    case A_VCMDQ_BASE:
    case A_VCMDQ_BASE + 4:
        if (vcmdq_may_write(vq, q, r, val)) {
            vq->base = deposit64(vq->base, sh, 32, val) & VCMDQ_BASE_MASK;
            vq->seq++;
        }
        return;
    case A_VCMDQ_CONS_INDX_BASE:
    case A_VCMDQ_CONS_INDX_BASE + 4:
        if (vcmdq_may_write(vq, q, r, val)) {
            if (val) {
                SMMUV3_AUX_UNIMP("vcmdq%u: CONS_INDX_BASE is not written",
                                 q);
            }
            vq->cons_indx_base = deposit64(vq->cons_indx_base, sh, 32, val);
        }
        return;
    }
}

/*
 * The global queue that off (at or above the global VCMDQ pages) reaches,
 * or -1 for RAZ/WI; *r is the offset in the queue's 0x80-byte slot and
 * *page1 which page it is in.
 */
static int vcmdq_decode(const SMMUv3AuxCmdqv *v, uint64_t off, uint64_t *r,
                        bool *page1, bool is_write)
{
    uint64_t rel = off - SMMUV3_AUX_CMDQV_VINTF_PAGES;
    unsigned slot = (off % SMMUV3_AUX_CMDQV_PAGE_SIZE) /
                    SMMUV3_AUX_CMDQV_VCMDQ_STRIDE;
    unsigned i, q;

    *r = off % SMMUV3_AUX_CMDQV_VCMDQ_STRIDE;
    if (off < SMMUV3_AUX_CMDQV_VINTF_PAGES) {
        *page1 = off >= SMMUV3_AUX_CMDQV_VCMDQ_PAGE1;
        return slot < v->num_vcmdqs ? (int)slot : -1;
    }
    i = rel / SMMUV3_AUX_CMDQV_VINTF_STRIDE;
    *page1 = (rel / SMMUV3_AUX_CMDQV_PAGE_SIZE) & 1;
    q = slot < SMMUV3_AUX_CMDQV_MAX_LVCMDQS && i < v->num_vintfs ?
        v->route[i][slot] : SMMUV3_AUX_CMDQV_NO_ROUTE;
    if (q == SMMUV3_AUX_CMDQV_NO_ROUTE) {
        trace_smmuv3_aux_cmdqv_unmapped(i, slot, off, is_write);
        return -1;
    }
    return q;
}

/* ---- MMIO ------------------------------------------------------------ */

static uint32_t cmdqv_read32(SMMUv3AuxCmdqv *v, uint64_t off)
{
    uint64_t r;
    bool page1;
    int q;

    if (off < SMMUV3_AUX_CMDQV_VCMDQ_PAGE0) {
        return global_read(v, off);
    }
    q = vcmdq_decode(v, off, &r, &page1, false);
    if (q < 0) {
        return 0;
    }
    return page1 ? page1_read(&v->q[q], r) : page0_read(&v->q[q], r);
}

static void cmdqv_write32(SMMUv3AuxCmdqv *v, uint64_t off, uint32_t val)
{
    uint64_t r;
    bool page1;
    int q;

    if (off < SMMUV3_AUX_CMDQV_VCMDQ_PAGE0) {
        global_write(v, off, val);
        return;
    }
    q = vcmdq_decode(v, off, &r, &page1, true);
    if (q < 0) {
        return;
    }
    if (page1) {
        page1_write(&v->q[q], q, r, val);
    } else {
        page0_write(v, q, r, val);
    }
}

static bool access_ok(const SMMUv3AuxCmdqv *v, uint64_t off, unsigned size,
                      bool is_write)
{
    if ((size != 4 && size != 8) || (off & (size - 1)) ||
        off + size > smmuv3_aux_cmdqv_mmio_size(&v->params)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_cmdqv_access,
                             "off=0x%" PRIx64 " size=%u write=%d",
                             off, size, is_write);
        return false;
    }
    return true;
}

/* A 64-bit access is the two 32-bit halves, low first. */
uint64_t smmuv3_aux_cmdqv_read(SMMUv3AuxCmdqv *v, uint64_t offset,
                               unsigned size)
{
    uint64_t val = 0;

    if (access_ok(v, offset, size, false)) {
        val = cmdqv_read32(v, offset);
        if (size == 8) {
            val |= (uint64_t)cmdqv_read32(v, offset + 4) << 32;
        }
    }
    trace_smmuv3_aux_cmdqv_read(offset, size, val);
    return val;
}

bool smmuv3_aux_cmdqv_write(SMMUv3AuxCmdqv *v, uint64_t offset, uint64_t val,
                            unsigned size)
{
    trace_smmuv3_aux_cmdqv_write(offset, size, val);
    if (access_ok(v, offset, size, true)) {
        cmdqv_write32(v, offset, val);
        if (size == 8) {
            cmdqv_write32(v, offset + 4, val >> 32);
        }
    }
    for (unsigned w = 0; w < ARRAY_SIZE(v->kick); w++) {
        if (v->kick[w]) {
            return true;
        }
    }
    return false;
}

/* ---- Execution ------------------------------------------------------- */

/* A runnable queue no job is running, its kick taken; or -1. */
static int next_runnable(SMMUv3AuxCmdqv *v)
{
    for (unsigned q = 0; q < v->num_vcmdqs; q++) {
        uint64_t bit = 1ULL << (q % 64);

        if (!(v->kick[q / 64] & bit) || v->q[q].busy) {
            continue;           /* a busy queue keeps its kick */
        }
        v->kick[q / 64] &= ~bit;
        if (vcmdq_runnable(v, q)) {
            return q;
        }
    }
    return -1;
}

bool smmuv3_aux_cmdqv_claim(SMMUv3AuxCmdqv *v, SMMUv3AuxVcmdqJob *job)
{
    int q = next_runnable(v);
    const SMMUv3AuxVintf *vi;
    SMMUv3AuxVcmdq *vq;

    if (q < 0) {
        return false;
    }
    vq = &v->q[q];
    vi = &v->vintf[vcmdq_vintf(v, q)];
    vq->busy = true;
    *job = (SMMUv3AuxVcmdqJob) {
        .q = q,
        .epoch = v->epoch,
        .seq = vq->seq,
        .base = vq->base,
        .prod = vq->prod,
        .cons = FIELD_EX32(vq->cons, VCMDQ_CONS, RD),
        .hyp_own = FIELD_EX32(vi->config, VINTF_CONFIG, HYP_OWN),
        .vmid = FIELD_EX32(vi->config, VINTF_CONFIG, VMID),
        .n_sids = v->num_sids,
    };
    memcpy(job->sid_match, vi->sid_match, sizeof(job->sid_match));
    memcpy(job->sid_replace, vi->sid_replace, sizeof(job->sid_replace));
    return true;
}

void smmuv3_aux_cmdqv_exec(SMMUv3AuxVcmdqJob *job, SMMUv3AuxEngine *e)
{
    SMMUv3AuxCmdFilter f = {
        .vmid = job->vmid,
        .n_sids = job->n_sids,
        .sid_match = job->sid_match,
        .sid_replace = job->sid_replace,
    };
    unsigned log2size = smmuv3_aux_q_log2size(job->base,
                                              SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE);
    SMMUv3AuxCmdQueue cq = {
        .name = "vcmdq",
        .index = job->q,
        .log2size = log2size,
        .base = smmuv3_aux_q_base_addr(job->base & R_VCMDQ_BASE_ADDR_MASK,
                                       log2size, SMMUV3_AUX_CMD_SIZE),
        .prod = job->prod,
        .cons = job->cons,
        .attrs = smmuv3_aux_ns_attrs(),
        .filter = job->hyp_own ? NULL : &f,
        .sync_by_cons_only = true,
        .vcmdq = true,
        /* A CMD_SYNC that waits for an ATC_INV stops the job; kick resumes. */
        .atc = &e->vcmdq_atc[job->q],
    };

    job->err = smmuv3_aux_cmdq_consume(e, &cq);
    job->cons_out = cq.cons;
    job->n_consumed = cq.n_consumed;
    job->last = cq.last;
}

void smmuv3_aux_cmdqv_finish(SMMUv3AuxCmdqv *v, const SMMUv3AuxVcmdqJob *job)
{
    SMMUv3AuxVcmdq *vq = &v->q[job->q];

    if (job->epoch != v->epoch) {
        return;                 /* reset meanwhile: nothing of it stays */
    }
    vq->busy = false;
    vq->n_cmds += job->n_consumed;
    if (job->n_consumed) {
        vq->last = job->last;
    }
    if (job->seq != vq->seq) {
        /* Software rewrote CONS or BASE of the disabled queue meanwhile. */
        return;
    }
    vq->cons = FIELD_DP32(job->cons_out, VCMDQ_CONS, ERR, job->err);
    if (job->err != SMMUV3_AUX_CERROR_NONE) {
        vcmdq_error(v, job->q);
    }
}

void smmuv3_aux_cmdqv_kick(SMMUv3AuxCmdqv *v, unsigned q)
{
    if (q < v->num_vcmdqs) {
        kick(v, q);
    }
}

void smmuv3_aux_cmdqv_run(SMMUv3AuxCmdqv *v, SMMUv3AuxEngine *e)
{
    SMMUv3AuxVcmdqJob job;

    while (smmuv3_aux_cmdqv_claim(v, &job)) {
        smmuv3_aux_cmdqv_exec(&job, e);
        smmuv3_aux_cmdqv_finish(v, &job);
    }
}

/* ---- Migration ------------------------------------------------------- */

/* One loaded queue, its words back in their fields. */
static void vcmdq_sanitize(SMMUv3AuxVcmdq *vq)
{
    vq->cons &= R_VCMDQ_CONS_RD_MASK | R_VCMDQ_CONS_ERR_MASK;
    vq->prod &= R_VCMDQ_PROD_WR_MASK;
    vq->config &= R_VCMDQ_CONFIG_EN_MASK;
    vq->gerror &= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    vq->gerrorn &= R_VCMDQ_GERROR_CMDQ_ERR_MASK;
    vq->base &= VCMDQ_BASE_MASK;
    vq->alloc &= R_CMDQV_CMDQ_ALLOC_ALLOCATED_MASK |
                 R_CMDQV_CMDQ_ALLOC_LVCMDQ_MASK |
                 R_CMDQV_CMDQ_ALLOC_VINTF_MASK;
    vq->busy = false;
}

static void vintf_sanitize(const SMMUv3AuxCmdqv *v, SMMUv3AuxVintf *vi)
{
    vi->config &= VINTF_CONFIG_MASK;
    if (!v->params.hyp_own) {
        vi->config = FIELD_DP32(vi->config, VINTF_CONFIG, HYP_OWN, 0);
    }
    for (unsigned s = 0; s < SMMUV3_AUX_CMDQV_MAX_SIDS; s++) {
        vi->sid_match[s] &= s < v->num_sids ? SID_MATCH_MASK : 0;
        vi->sid_replace[s] &= s < v->num_sids ? UINT32_MAX : 0;
    }
}

bool smmuv3_aux_cmdqv_post_load(SMMUv3AuxCmdqv *v, uint32_t src_param,
                                bool src_hyp_own, const char **why)
{
    if (src_param != smmuv3_aux_cmdqv_param(v)) {
        *why = "the source's CMDQV_PARAM differs: start the destination "
               "with the same cmdqv-* properties";
        return false;
    }
    if (src_hyp_own != v->params.hyp_own) {
        *why = "the source's cmdqv-hyp-own differs";
        return false;
    }
    /*
     * The stream holds registers, not a proof that they were written
     * through MMIO: give every word only the bits a write could set, and
     * nothing to the VINTFs and queues PARAM does not have.
     */
    v->config &= R_CMDQV_CONFIG_CMDQV_EN_MASK;
    for (unsigned i = 0; i < SMMUV3_AUX_CMDQV_MAX_VINTFS; i++) {
        if (i < v->num_vintfs) {
            vintf_sanitize(v, &v->vintf[i]);
        } else {
            memset(&v->vintf[i], 0, sizeof(v->vintf[i]));
        }
    }
    for (unsigned q = 0; q < SMMUV3_AUX_CMDQV_MAX_VCMDQS; q++) {
        if (q < v->num_vcmdqs) {
            vcmdq_sanitize(&v->q[q]);
        } else {
            memset(&v->q[q], 0, sizeof(v->q[q]));
        }
    }
    route_rebuild(v);
    /*
     * Commands run when PROD is written, so the source left nothing
     * runnable unconsumed, and it delivered every interrupt it raised.
     */
    memset(v->kick, 0, sizeof(v->kick));
    v->irq_pending = false;
    return true;
}

bool smmuv3_aux_cmdqv_take_irq(SMMUv3AuxCmdqv *v)
{
    bool irq = v->irq_pending;

    v->irq_pending = false;
    return irq;
}
