/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: VMSAv8-64 translation table walker.
 *
 * Stage 1 (EL1&0, EL2&0 or EL2 regime, from a CD), stage 2 (from an STE)
 * and nested.  The CD and STE fields a walk starts from are decoded and
 * checked in ptw-cfg.c.
 * Faults follow the SMMUv3 spec (IHI 0070) 7.3.12-7.3.16 and, within a
 * level, its priority: F_WALK_EABT, F_TRANSLATION, F_ADDR_SIZE, then at the
 * leaf F_ACCESS and F_PERMISSION.  Descriptor formats and permission rules
 * are those of the Arm ARM VMSAv8-64 chapter; see ptw.h for what is not
 * supported.
 *
 * Every walk is a bounded loop over at most four levels; a nested walk
 * runs one bounded stage-2 walk per stage-1 descriptor, without recursion,
 * so no guest table can make a walk loop or recurse.
 *
 * HTTU (IHI 0070 3.13) updates descriptors with a compare-and-swap, never
 * a plain store, so an update cannot undo what a vCPU wrote to the same
 * descriptor.  A swap that finds the descriptor changed restarts the walk
 * on the new tables, at most PTW_HTTU_RETRIES times: a guest rewriting a
 * descriptor forever then gets the fault the access would have raised
 * without the update (F_ACCESS, or F_PERMISSION for a write to a
 * writable-clean page), not a hung walk.  Updates are made before the walk
 * returns, so they are in memory before the access that caused them.
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "mem.h"
#include "ptw.h"
#include "ptw-internal.h"

/* Walks restarted because a descriptor changed under an HTTU update. */
#define PTW_HTTU_RETRIES    4

/* One step of a walk: done, faulted, or restart (a descriptor changed). */
typedef enum PtwStep {
    PTW_OK,
    PTW_FAULT,
    PTW_RETRY,
} PtwStep;

/* One walk in progress, and how to describe its faults. */
typedef struct PtwWalk {
    const SMMUv3AuxEngineOps *ops;
    void *opaque;
    SMMUv3AuxMemAttrs attrs;
    SMMUv3AuxPtwGeom g;
    bool s2;                /* this walk is stage 2 */
    uint8_t class_;         /* stage 2: CLASS of its faults */
    uint64_t ipa;           /* stage 2: the IPA being translated */
    bool hier;              /* stage 1: honour APTable/XNTable/PXNTable */
    bool haft;              /* set AF in table descriptors (HA + HAFT) */
    const SMMUv3AuxS2Cfg *nest; /* stage 1 nested: table IPAs go here */
    const SMMUv3AuxPtwTtCache *tt;  /* ... through this walk cache */
    SMMUv3AuxPtwTrace *trace;   /* introspection: record each step */
} PtwWalk;

/* The leaf a walk found, with the stage-1 hierarchical controls. */
typedef struct PtwLeaf {
    uint64_t desc;
    uint64_t desc_addr;     /* where it is: a PA, an IPA if nested */
    int level;
    unsigned shift;         /* log2 of the block/page size */
    uint64_t oa_base;       /* output address of the block/page */
    bool tbl_no_unpriv, tbl_ro, tbl_pxn, tbl_uxn;
    /* PTW_RETRY: the fault to report when the retries run out. */
    SMMUv3AuxEventId giveup;
    int giveup_level;
} PtwLeaf;

static bool walk_fault(const PtwWalk *w, SMMUv3AuxPtwFault *f,
                       SMMUv3AuxEventId type, int level)
{
    f->type = type;
    f->level = level;
    f->s2 = w->s2;
    if (w->s2) {
        f->class_ = w->class_;
        f->ipa = w->ipa;
        f->ttrnw = w->class_ == SMMUV3_AUX_EVT_CLASS_TT;
    } else {
        /* Stage-1 faults are CLASS IN, except a walk abort (7.3.12). */
        f->class_ = type == SMMUV3_AUX_EVT_F_WALK_EABT ?
                    SMMUV3_AUX_EVT_CLASS_TT : SMMUV3_AUX_EVT_CLASS_IN;
    }
    return false;
}

static bool s2_translate(const SMMUv3AuxEngineOps *ops, void *opaque,
                         const SMMUv3AuxS2Cfg *cfg, uint64_t ipa,
                         SMMUv3AuxPtwAccess acc, uint8_t class_,
                         SMMUv3AuxPtwResult *out, SMMUv3AuxPtwFault *f,
                         SMMUv3AuxPtwTrace *trace);

/*
 * Introspection: what a descriptor read at this level is, and where it
 * leads (the next table, or the output address of a block or page).
 */
static void trace_step(const PtwWalk *w, uint64_t input, int level,
                       uint64_t addr, uint64_t pa, uint64_t desc)
{
    SMMUv3AuxPtwTrace *t = w->trace;
    SMMUv3AuxPtwTraceStep *st;
    unsigned shift = ptw_level_shift(&w->g, level);

    if (t->n == SMMUV3_AUX_PTW_TRACE_MAX) {
        t->truncated = true;
        return;
    }
    st = &t->step[t->n++];
    *st = (SMMUv3AuxPtwTraceStep) {
        .stage = w->s2 ? 2 : 1, .class_ = w->s2 ? w->class_ : 0,
        .level = level, .granule = w->g.granule, .input = input,
        .desc_addr = addr, .desc_pa = pa, .desc = desc,
    };
    if (!(desc & DESC_VALID)) {
        st->kind = SMMUV3_AUX_PTW_DESC_INVALID;
    } else if (level < 3 && (desc & DESC_TABLE)) {
        st->kind = SMMUV3_AUX_PTW_DESC_TABLE;
        st->next = ptw_desc_oa(&w->g, desc, w->g.granule);
    } else if (level == 3 ? !!(desc & DESC_TABLE) :
               ptw_block_allowed(&w->g, level)) {
        st->kind = level == 3 ? SMMUV3_AUX_PTW_DESC_PAGE :
                   SMMUV3_AUX_PTW_DESC_BLOCK;
        st->next = ptw_desc_oa(&w->g, desc, shift);
    } else {
        st->kind = SMMUV3_AUX_PTW_DESC_RESERVED;
    }
}

/* Introspection: the descriptor at addr of this stage was updated. */
static void trace_update(const PtwWalk *w, uint64_t addr, uint64_t val)
{
    SMMUv3AuxPtwTrace *t = w->trace;

    for (unsigned i = t->n; i-- > 0;) {
        if (t->step[i].stage == (w->s2 ? 2 : 1) &&
            t->step[i].desc_addr == addr) {
            t->step[i].updated = true;
            t->step[i].desc_new = val;
            return;
        }
    }
}

/*
 * Read one descriptor.  Nested stage-1 walks translate the descriptor's
 * IPA through stage 2 first: a fault there is a stage-2 fault, CLASS TT,
 * reporting that IPA.
 */
static bool walk_read_desc(const PtwWalk *w, uint64_t input, uint64_t addr,
                           int level, uint64_t *desc, SMMUv3AuxPtwFault *f)
{
    static const SMMUv3AuxPtwAccess ttw_read = { .priv = true };
    uint64_t pa = addr;

    if (w->nest && !(w->tt && w->tt->lookup(w->tt->opaque, addr, &pa))) {
        SMMUv3AuxPtwResult r;

        if (!s2_translate(w->ops, w->opaque, w->nest, addr, ttw_read,
                          SMMUV3_AUX_EVT_CLASS_TT, &r, f, w->trace)) {
            return false;
        }
        pa = r.oa;
        if (w->tt) {
            w->tt->insert(w->tt->opaque, addr, &r);
        }
    }
    if (!smmuv3_aux_mem_read_le64s(w->ops, w->opaque, pa, desc, 1, w->attrs)) {
        f->fetch_addr = pa;
        return walk_fault(w, f, SMMUV3_AUX_EVT_F_WALK_EABT, level);
    }
    if (unlikely(w->trace)) {
        trace_step(w, input, level, addr, pa, *desc);
    }
    return true;
}

/*
 * HTTU: replace descriptor *desc at addr (a PA, or an IPA when nested)
 * with val by a compare-and-swap.  A nested stage-1 update is a write to
 * the IPA, so it needs stage-2 write permission (3.13.5), and that
 * stage-2 walk may itself set its AF and dirty state; a fault there is a
 * stage-2 fault, CLASS TT, TTRnW 0.  An update the memory refuses is
 * F_WALK_EABT ("fetching (or updating)", 7.3.12).  PTW_RETRY, with *desc
 * the value found, when another agent changed the descriptor first.
 */
static PtwStep walk_update_desc(const PtwWalk *w, uint64_t addr, int level,
                                uint64_t *desc, uint64_t val,
                                SMMUv3AuxPtwFault *f)
{
    static const SMMUv3AuxPtwAccess ttw_write = {
        .write = true, .priv = true,
    };
    uint64_t pa = addr;

    if (w->nest) {
        SMMUv3AuxPtwResult r;

        if (!s2_translate(w->ops, w->opaque, w->nest, addr, ttw_write,
                          SMMUV3_AUX_EVT_CLASS_TT, &r, f, w->trace)) {
            f->ttrnw = false;
            return PTW_FAULT;
        }
        pa = r.oa;
    }
    switch (smmuv3_aux_mem_cmpxchg_le64(w->ops, w->opaque, pa, desc, val,
                                        w->attrs)) {
    case SMMUV3_AUX_MEM_CAS_OK:
        if (unlikely(w->trace)) {
            trace_update(w, addr, val);
        }
        *desc = val;
        return PTW_OK;
    case SMMUV3_AUX_MEM_CAS_CHANGED:
        return PTW_RETRY;
    default:
        f->fetch_addr = pa;
        walk_fault(w, f, SMMUV3_AUX_EVT_F_WALK_EABT, level);
        return PTW_FAULT;
    }
}

/*
 * HAFT (3.13.6): a table descriptor the walk goes through gets AF = 1
 * before the next level is read, so table updates are ordered top-down
 * before the leaf's and before the access.  A table descriptor changed
 * meanwhile restarts the walk; if that never settles, F_ACCESS at its
 * level (the Access flag could not be set).
 */
static PtwStep walk_table_af(const PtwWalk *w, uint64_t addr, int level,
                             uint64_t desc, PtwLeaf *leaf,
                             SMMUv3AuxPtwFault *f)
{
    PtwStep st;

    if (!w->haft || (desc & DESC_AF)) {
        return PTW_OK;
    }
    st = walk_update_desc(w, addr, level, &desc, desc | DESC_AF, f);
    if (st == PTW_RETRY) {
        leaf->giveup = SMMUV3_AUX_EVT_F_ACCESS;
        leaf->giveup_level = level;
    }
    return st;
}

/* Collect APTable/XNTable/PXNTable of a stage-1 table descriptor. */
static void walk_table_attrs(const PtwWalk *w, uint64_t desc, PtwLeaf *leaf)
{
    if (w->s2 || !w->hier) {
        return;             /* ignored at stage 2, and with CD.HADx */
    }
    leaf->tbl_no_unpriv |= !!(desc & DESC_APTABLE0);
    leaf->tbl_ro |= !!(desc & DESC_APTABLE1);
    leaf->tbl_pxn |= !!(desc & DESC_PXNTABLE);
    leaf->tbl_uxn |= !!(desc & DESC_UXNTABLE);
}

/*
 * Walk from the start table to a block or page descriptor for addr.
 * Access flag and permissions are the caller's, per stage.
 */
static PtwStep walk(const PtwWalk *w, uint64_t table, uint64_t addr,
                    PtwLeaf *leaf, SMMUv3AuxPtwFault *f)
{
    const SMMUv3AuxPtwGeom *g = &w->g;
    int level;

    memset(leaf, 0, sizeof(*leaf));
    for (level = g->start_level; level <= 3; level++) {
        unsigned shift = ptw_level_shift(g, level);
        uint64_t idx = extract64(addr, shift, ptw_level_bits(g, level));
        uint64_t desc, oa, desc_addr = table + idx * 8;
        PtwStep st;

        if (!walk_read_desc(w, addr, desc_addr, level, &desc, f)) {
            return PTW_FAULT;
        }
        if (!(desc & DESC_VALID)) {
            walk_fault(w, f, SMMUV3_AUX_EVT_F_TRANSLATION, level);
            return PTW_FAULT;
        }
        if (level < 3 && (desc & DESC_TABLE)) {
            table = ptw_desc_oa(g, desc, g->granule);
            if (table >> g->out_bits) {
                walk_fault(w, f, SMMUV3_AUX_EVT_F_ADDR_SIZE, level);
                return PTW_FAULT;
            }
            st = walk_table_af(w, desc_addr, level, desc, leaf, f);
            if (st != PTW_OK) {
                return st;
            }
            walk_table_attrs(w, desc, leaf);
            continue;
        }
        /* A level-3 "block" (bits 01) and unsupported blocks are reserved */
        if (level == 3 ? !(desc & DESC_TABLE) : !ptw_block_allowed(g, level)) {
            walk_fault(w, f, SMMUV3_AUX_EVT_F_TRANSLATION, level);
            return PTW_FAULT;
        }
        oa = ptw_desc_oa(g, desc, shift);
        if (oa >> g->out_bits) {
            walk_fault(w, f, SMMUV3_AUX_EVT_F_ADDR_SIZE, level);
            return PTW_FAULT;
        }
        leaf->desc = desc;
        leaf->desc_addr = desc_addr;
        leaf->level = level;
        leaf->shift = shift;
        leaf->oa_base = oa;
        return PTW_OK;
    }
    g_assert_not_reached();
}

/*
 * HTTU at a leaf: write upd over the descriptor the walk found, if it
 * differs.  need_af says whether AF was being set, which decides the
 * fault when the descriptor never stops changing.
 */
static PtwStep leaf_update(const PtwWalk *w, PtwLeaf *leaf, uint64_t upd,
                           bool need_af, SMMUv3AuxPtwFault *f)
{
    PtwStep st;

    if (upd == leaf->desc) {
        return PTW_OK;
    }
    st = walk_update_desc(w, leaf->desc_addr, leaf->level, &leaf->desc, upd,
                          f);
    if (st == PTW_RETRY) {
        leaf->giveup = need_af ? SMMUV3_AUX_EVT_F_ACCESS :
                                 SMMUV3_AUX_EVT_F_PERMISSION;
        leaf->giveup_level = leaf->level;
    }
    return st;
}

/* Writes are Data (SMMU spec 13.1.2), so InD == 0 when RnW == 0. */
static SMMUv3AuxPtwAccess access_norm(SMMUv3AuxPtwAccess acc)
{
    acc.exec = acc.exec && !acc.write;
    return acc;
}

/*
 * Stage-1 permissions of the EL1&0 and EL2&0 regimes (Arm ARM "Stage 1
 * direct permissions"): AP[2:1] then APTable, UXN/PXN with their table bits,
 * EL0-writable memory is never privileged-executable, then WXN and PAN.
 * Execute needs no read permission, as on a PE.
 */
static void s1_perms(const SMMUv3AuxS1Cfg *cfg, const PtwLeaf *leaf,
                     SMMUv3AuxPtwPerm *p)
{
    unsigned ap = extract64(leaf->desc, DESC_AP_SHIFT, 2);
    bool ro = (ap & 2) || leaf->tbl_ro;
    bool unpriv = (ap & 1) && !leaf->tbl_no_unpriv;

    p->pr = true;
    p->pw = !ro;
    p->ur = unpriv;
    p->uw = unpriv && !ro;
    p->ux = !(leaf->desc & DESC_UXN) && !leaf->tbl_uxn;
    p->px = !(leaf->desc & DESC_PXN) && !leaf->tbl_pxn && !p->uw;
    if (cfg->wxn) {
        p->px = p->px && !p->pw;
        p->ux = p->ux && !p->uw;
    }
    if (cfg->pan && p->ur) {
        /* PAN stops privileged data access where EL0 has data access. */
        p->pr = p->pw = false;
    }
}

/*
 * Stage-1 permissions of a regime with one privilege level (StreamWorld
 * any-EL2, like the PE's EL2 regime without E2H; Arm ARM "Stage 1 data
 * accesses using Direct permissions"): AP[1] is RES1 and ignored, AP[2]
 * or APTable[1] makes the page read-only, and the single XN bit (54) or
 * XNTable forbids execution.  PXN (53), APTable[0] and PXNTable are RES0
 * in such a regime and ignored, and there is no "EL0-writable is PXN"
 * rule.  WXN applies; PAN and UWXN do not (IHI 0070 5.4).  Every access
 * is privileged here (5.4 UWXN), so the unprivileged permissions are the
 * same as the privileged ones.
 */
static void s1_perms_el2(const SMMUv3AuxS1Cfg *cfg, const PtwLeaf *leaf,
                         SMMUv3AuxPtwPerm *p)
{
    bool ro = extract64(leaf->desc, DESC_AP_SHIFT + 1, 1) || leaf->tbl_ro;

    p->pr = true;
    p->pw = !ro;
    p->px = !(leaf->desc & DESC_UXN) && !leaf->tbl_uxn;
    if (cfg->wxn) {
        p->px = p->px && !p->pw;
    }
    p->ur = p->pr;
    p->uw = p->pw;
    p->ux = p->px;
}

/*
 * Stage-2 permissions: S2AP[0] read, S2AP[1] write, for both privileges.
 * With IDR3.XNX, XN[1:0] = {54, 53}: 01 is PXN only, 11 UXN only, 10 both;
 * without it bit 53 is ignored and bit 54 is XN.
 */
static void s2_perms(const SMMUv3AuxS2Cfg *cfg, uint64_t desc,
                     SMMUv3AuxPtwPerm *p)
{
    unsigned s2ap = extract64(desc, DESC_AP_SHIFT, 2);
    unsigned xn = extract64(desc, 53, 2);

    p->pr = p->ur = s2ap & 1;
    p->pw = p->uw = (s2ap & 2) != 0;
    if (cfg->xnx) {
        p->px = xn == 0 || xn == 3;
        p->ux = xn == 0 || xn == 1;
    } else {
        p->px = p->ux = !(xn & 2);
    }
}

static void s1_perms_any(const SMMUv3AuxS1Cfg *cfg, const PtwLeaf *leaf,
                        SMMUv3AuxPtwPerm *p)
{
    if (cfg->el2) {
        s1_perms_el2(cfg, leaf, p);
    } else {
        s1_perms(cfg, leaf, p);
    }
}

/*
 * Stage-1 permissions of a leaf into *p.  With HD, a writable-clean leaf
 * (DBM == 1, AP[2] == 1) counts as writable for execute permission (WXN,
 * "EL0-writable is PXN"), as on a PE (3.13.8): *p is then the permission
 * of the dirty leaf less write, which only the dirty update gives, and
 * *dirty the permission of the dirty leaf.  Returns whether it is such a
 * writable-clean leaf.
 */
static bool s1_leaf_perms(const SMMUv3AuxS1Cfg *cfg, const PtwLeaf *leaf,
                          SMMUv3AuxPtwPerm *p, SMMUv3AuxPtwPerm *dirty)
{
    PtwLeaf d;

    if (!cfg->hd || !(leaf->desc & DESC_DBM) || !(leaf->desc & DESC_AP2)) {
        s1_perms_any(cfg, leaf, p);
        return false;
    }
    d = *leaf;
    d.desc &= ~DESC_AP2;
    s1_perms_any(cfg, &d, dirty);
    *p = *dirty;
    p->pw = p->uw = false;
    return true;
}

/*
 * The stage-1 leaf: Access flag, then permission (F_ACCESS first, 3.13.1).
 * With HA, AF == 0 is set instead of faulting (whatever AFFD says,
 * 3.13.2); with HD, a write that only AP[2] of a DBM leaf forbids makes it
 * writable-dirty (3.13.3.1; APTable and PAN still fault).  An access that
 * faults updates nothing, which 3.13.2 allows.
 */
static PtwStep s1_leaf(const PtwWalk *w, const SMMUv3AuxS1Cfg *cfg,
                       PtwLeaf *leaf, SMMUv3AuxPtwAccess acc,
                       SMMUv3AuxPtwPerm *p, SMMUv3AuxPtwFault *f)
{
    bool need_af = !(leaf->desc & DESC_AF);
    uint64_t upd = leaf->desc;
    SMMUv3AuxPtwPerm dirty;
    bool clean;

    if (need_af && !cfg->ha && !cfg->affd) {
        walk_fault(w, f, SMMUV3_AUX_EVT_F_ACCESS, leaf->level);
        return PTW_FAULT;
    }
    clean = s1_leaf_perms(cfg, leaf, p, &dirty);
    if (!smmuv3_aux_ptw_perm_allows(p, acc)) {
        if (!clean || !acc.write ||
            !smmuv3_aux_ptw_perm_allows(&dirty, acc)) {
            walk_fault(w, f, SMMUV3_AUX_EVT_F_PERMISSION, leaf->level);
            return PTW_FAULT;
        }
        *p = dirty;
        upd &= ~DESC_AP2;
    }
    if (need_af && cfg->ha) {
        upd |= DESC_AF;
    }
    return leaf_update(w, leaf, upd, need_af, f);
}

/* Stage-2 MemAttr selects any Device type (S2PTW). */
static bool s2_is_device(const SMMUv3AuxS2Cfg *cfg, uint64_t desc)
{
    unsigned memattr = extract64(desc, DESC_S2_MEMATTR_SHIFT, 4);

    /* FWB: MemAttr[2] == 0 is Device; otherwise MemAttr[3:2] == 00 is. */
    return cfg->fwb ? !(memattr & 4) : !(memattr & 0xc);
}

/*
 * The stage-2 leaf, like s1_leaf(): with S2HA AF is set, with S2HD a
 * write to a DBM leaf without S2AP[1] sets S2AP[1] (3.13.3.1).  A CD or
 * L1CD fetch is a read, so it only ever sets AF (3.13.2, 3.13.3.1).
 */
static PtwStep s2_leaf(const PtwWalk *w, const SMMUv3AuxS2Cfg *cfg,
                       PtwLeaf *leaf, SMMUv3AuxPtwAccess acc,
                       SMMUv3AuxPtwPerm *p, SMMUv3AuxPtwFault *f)
{
    bool need_af = !(leaf->desc & DESC_AF);
    uint64_t upd = leaf->desc;

    if (need_af && !cfg->ha && !cfg->affd) {
        walk_fault(w, f, SMMUV3_AUX_EVT_F_ACCESS, leaf->level);
        return PTW_FAULT;
    }
    if (w->class_ == SMMUV3_AUX_EVT_CLASS_TT && cfg->ptw &&
        s2_is_device(cfg, leaf->desc)) {
        walk_fault(w, f, SMMUV3_AUX_EVT_F_PERMISSION, leaf->level);
        return PTW_FAULT;
    }
    s2_perms(cfg, leaf->desc, p);
    if (!smmuv3_aux_ptw_perm_allows(p, acc)) {
        /* Only S2AP[1] can be missing for a write: S2AP[1] = 1 grants it */
        if (!acc.write || !cfg->hd || !(leaf->desc & DESC_DBM)) {
            walk_fault(w, f, SMMUV3_AUX_EVT_F_PERMISSION, leaf->level);
            return PTW_FAULT;
        }
        upd |= DESC_S2AP1;
        s2_perms(cfg, upd, p);
    }
    if (need_af && cfg->ha) {
        upd |= DESC_AF;
    }
    return leaf_update(w, leaf, upd, need_af, f);
}

static void result_leaf(SMMUv3AuxPtwResult *out, const PtwLeaf *leaf,
                        unsigned granule, uint64_t addr)
{
    uint64_t mask = MAKE_64BIT_MASK(0, leaf->shift);

    out->oa = leaf->oa_base | (addr & mask);
    out->addr_mask = mask;
    out->level = leaf->level;
    out->granule = granule;
}

/*
 * Translate ipa at stage 2.  class_ is TT for a stage-1 descriptor fetch
 * (a data read), IN for the transaction's own address.
 */
static bool s2_translate(const SMMUv3AuxEngineOps *ops, void *opaque,
                         const SMMUv3AuxS2Cfg *cfg, uint64_t ipa,
                         SMMUv3AuxPtwAccess acc, uint8_t class_,
                         SMMUv3AuxPtwResult *out, SMMUv3AuxPtwFault *f,
                         SMMUv3AuxPtwTrace *trace)
{
    PtwWalk w = {
        .ops = ops, .opaque = opaque, .attrs = cfg->attrs,
        .s2 = true, .class_ = class_, .ipa = ipa, .haft = cfg->haft,
        .trace = trace,
    };
    PtwLeaf leaf;
    PtwStep st;

    ptw_s2_geom(cfg, &w.g);
    /* An IPA above the S2T0SZ range is a stage-2 Translation fault. */
    if (ipa >> w.g.inputsize) {
        return walk_fault(&w, f, SMMUV3_AUX_EVT_F_TRANSLATION,
                          w.g.start_level);
    }
    for (unsigned tries = 0;; tries++) {
        st = walk(&w, ptw_start_table_base(&w.g, cfg->ttb), ipa, &leaf, f);
        if (st == PTW_OK) {
            st = s2_leaf(&w, cfg, &leaf, acc, &out->perm, f);
        }
        if (st != PTW_RETRY) {
            break;
        }
        if (tries == PTW_HTTU_RETRIES) {
            return walk_fault(&w, f, leaf.giveup, leaf.giveup_level);
        }
    }
    if (st == PTW_FAULT) {
        return false;
    }
    result_leaf(out, &leaf, cfg->granule, ipa);
    out->ipa = ipa;
    out->s2_level = out->level;
    out->s2_addr_mask = out->addr_mask;
    out->s2_granule = cfg->granule;
    return true;
}

static void fault_init(SMMUv3AuxPtwFault *f, uint64_t input,
                       SMMUv3AuxPtwAccess acc)
{
    memset(f, 0, sizeof(*f));
    f->input_addr = input;
    f->rnw = !acc.write;
    f->ind = acc.exec;
    f->pnu = acc.priv;
}

/*
 * TTB0 or TTB1 by VA[55]; the bits from the top (63, or 55 with TBI) down
 * to the input size must all equal VA[55], else the address is in neither
 * range.  An address selecting a TTB with EPDx == 1 faults too.  Returns
 * the index, or -1 for a Translation fault.
 */
static int s1_select_tt(const SMMUv3AuxS1Cfg *cfg, uint64_t iova)
{
    int idx = extract64(iova, 55, 1);
    const SMMUv3AuxPtwTT *tt = &cfg->tt[idx];
    unsigned top = tt->tbi ? 55 : 63;
    unsigned inputsize;
    uint64_t hi;

    /* Out-of-range TxSZ is C_BAD_CD; never walk with it regardless. */
    if (tt->epd || !smmuv3_aux_ptw_tsz_valid(tt->tsz) ||
        !ptw_granule_ok(tt->granule)) {
        return -1;
    }
    inputsize = 64 - tt->tsz;
    hi = extract64(iova, inputsize, top + 1 - inputsize);
    if (hi != (idx ? MAKE_64BIT_MASK(0, top + 1 - inputsize) : 0)) {
        return -1;
    }
    return idx;
}

/* Stage 1 of a nested translation: the output IPA goes through stage 2. */
static bool s1_nest_output(const SMMUv3AuxEngineOps *ops, void *opaque,
                           const SMMUv3AuxS2Cfg *s2cfg,
                           SMMUv3AuxPtwAccess acc, SMMUv3AuxPtwResult *out,
                           SMMUv3AuxPtwFault *f, SMMUv3AuxPtwTrace *trace)
{
    SMMUv3AuxPtwResult s2;
    SMMUv3AuxPtwPerm *p = &out->perm;

    if (!s2_translate(ops, opaque, s2cfg, out->oa, acc,
                      SMMUV3_AUX_EVT_CLASS_IN, &s2, f, trace)) {
        return false;
    }
    out->ipa = out->oa;
    out->oa = s2.oa;
    out->s2_level = s2.s2_level;
    out->s2_addr_mask = s2.s2_addr_mask;
    out->s2_granule = s2.s2_granule;
    /* A combined entry covers the smaller of the two mappings. */
    out->addr_mask = MIN(out->addr_mask, s2.addr_mask);
    p->pr &= s2.perm.pr;
    p->pw &= s2.perm.pw;
    p->px &= s2.perm.px;
    p->ur &= s2.perm.ur;
    p->uw &= s2.perm.uw;
    p->ux &= s2.perm.ux;
    return true;
}

bool smmuv3_aux_ptw_s1_walk(const SMMUv3AuxEngineOps *ops, void *opaque,
                            const SMMUv3AuxS1Cfg *cfg, uint64_t iova,
                            SMMUv3AuxPtwAccess access,
                            SMMUv3AuxPtwResult *out,
                            SMMUv3AuxPtwFault *fault,
                            const SMMUv3AuxS2Cfg *s2cfg,
                            const SMMUv3AuxPtwTtCache *cache,
                            SMMUv3AuxPtwTrace *trace)
{
    SMMUv3AuxPtwAccess acc = access_norm(access);
    PtwWalk w = {
        .ops = ops, .opaque = opaque, .attrs = cfg->attrs, .nest = s2cfg,
        /* A traced walk shows every stage 2 step: no cache. */
        .tt = s2cfg && !trace ? cache : NULL,
        .haft = cfg->haft, .trace = trace,
    };
    const SMMUv3AuxPtwTT *tt;
    PtwLeaf leaf;
    PtwStep st;
    int idx;

    memset(out, 0, sizeof(*out));
    fault_init(fault, iova, acc);
    /* Range and EPDx faults happen before any lookup: report level 0. */
    idx = s1_select_tt(cfg, iova);
    if (idx < 0) {
        return walk_fault(&w, fault, SMMUV3_AUX_EVT_F_TRANSLATION, 0);
    }
    tt = &cfg->tt[idx];
    ptw_s1_geom(cfg, tt, &w.g);
    w.hier = !tt->had;
    for (unsigned tries = 0;; tries++) {
        st = walk(&w, ptw_start_table_base(&w.g, tt->ttb), iova, &leaf, fault);
        if (st == PTW_OK) {
            st = s1_leaf(&w, cfg, &leaf, acc, &out->perm, fault);
        }
        if (st != PTW_RETRY) {
            break;
        }
        if (tries == PTW_HTTU_RETRIES) {
            return walk_fault(&w, fault, leaf.giveup, leaf.giveup_level);
        }
    }
    if (st == PTW_FAULT) {
        return false;
    }
    result_leaf(out, &leaf, tt->granule, iova);
    out->ng = !!(leaf.desc & DESC_NG);
    out->ipa = out->oa;
    out->s2_level = -1;
    return !s2cfg ||
           s1_nest_output(ops, opaque, s2cfg, acc, out, fault, trace);
}

bool smmuv3_aux_ptw_s2_trace(const SMMUv3AuxEngineOps *ops, void *opaque,
                             const SMMUv3AuxS2Cfg *cfg, uint64_t ipa,
                             SMMUv3AuxPtwAccess access,
                             SMMUv3AuxPtwResult *out,
                             SMMUv3AuxPtwFault *fault,
                             SMMUv3AuxPtwTrace *trace)
{
    SMMUv3AuxPtwAccess acc = access_norm(access);

    memset(out, 0, sizeof(*out));
    fault_init(fault, ipa, acc);
    return s2_translate(ops, opaque, cfg, ipa, acc, SMMUV3_AUX_EVT_CLASS_IN,
                        out, fault, trace);
}
