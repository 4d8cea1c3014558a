/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: the register file of the Tegra241-CMDQV-compatible
 * virtual command queues: the global page (CONFIG, PARAM, STATUS, the
 * error maps, CMDQ_ALLOC), each VINTF's registers, and each VCMDQ's two
 * pages, reached directly or through a VINTF's logical slots.  The
 * behaviour the driver leaves open is decided in vcmdq.c's header;
 * commands run in vcmdq.c.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"
#include "vcmdq-internal.h"

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

/* ---- CMDQ_ALLOC writes ------------------------------------------------ */

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
    smmuv3_aux_cmdqv_route_rebuild(v);
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

/* The end of the VINTF pages in the global page's space. */
#define VINTFS_END  (SMMUV3_AUX_CMDQV_VINTF_BASE + \
                     SMMUV3_AUX_CMDQV_MAX_VINTFS * SMMUV3_AUX_CMDQV_VINTF_SIZE)

static uint32_t global_read(const SMMUv3AuxCmdqv *v, uint64_t off)
{
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
    if (off >= SMMUV3_AUX_CMDQV_VINTF_BASE && off < VINTFS_END) {
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
    if (off >= SMMUV3_AUX_CMDQV_VINTF_BASE && off < VINTFS_END) {
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
