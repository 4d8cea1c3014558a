/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: QMP introspection (qapi/smmuv3-aux.json).
 *
 * The engine decodes (inspect.c); this file finds the device, takes its
 * locks one at a time (s->lock for the engine, then s->cmdqv_lock for the
 * VCMDQs, never both: smmuv3-aux.c's locking model) and builds the QAPI
 * answers.  Nothing a query does changes the device.
 */
#include "qemu/osdep.h"
#include "qemu/lockable.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-smmuv3-aux.h"
#include "qom/object.h"
#include "binding.h"
#include "inspect.h"

/* At most this many STEs are read per query-smmuv3-aux-streams. */
#define STREAMS_BUDGET  65536

static SMMUv3AuxState *smmu_find(bool has_path, const char *path,
                                 Error **errp)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path_type(has_path ? path : "",
                                           TYPE_ARM_SMMUV3_AUX, &ambiguous);

    if (ambiguous) {
        error_setg(errp, "several %s devices match%s%s; name one by its "
                   "QOM path", TYPE_ARM_SMMUV3_AUX, has_path ? " " : "",
                   has_path ? path : "");
        return NULL;
    }
    if (!obj) {
        error_setg(errp, "no %s device%s%s", TYPE_ARM_SMMUV3_AUX,
                   has_path ? " at " : "", has_path ? path : "");
        return NULL;
    }
    return ARM_SMMUV3_AUX(obj);
}

static SmmuAuxFieldList *fields_list(SMMUv3AuxLayout layout,
                                       const uint64_t *words)
{
    SMMUv3AuxField f[SMMUV3_AUX_MAX_FIELDS];
    unsigned n = smmuv3_aux_fields(layout, words, f);
    SmmuAuxFieldList *list = NULL, **tail = &list;

    for (unsigned i = 0; i < n; i++) {
        SmmuAuxField *q = g_new0(SmmuAuxField, 1);

        q->name = g_strdup(f[i].name);
        q->value = f[i].value;
        q->meaning = g_strdup(f[i].meaning);
        QAPI_LIST_APPEND(tail, q);
    }
    return list;
}

static uint64List *words_list(const uint64_t *w, unsigned n)
{
    uint64List *list = NULL, **tail = &list;

    for (unsigned i = 0; i < n; i++) {
        QAPI_LIST_APPEND(tail, w[i]);
    }
    return list;
}

/* ---- query-smmuv3-aux -------------------------------------------------- */

static const struct {
    const char *name;
    uint32_t offset;
    size_t field;               /* offsetof in SMMUv3AuxRegs */
    bool is64;
    int layout;                 /* SMMUv3AuxLayout, or -1 */
} regs_shown[] = {
#define R32(n, f, l) { #n, A_##n, offsetof(SMMUv3AuxRegs, f), false, l }
#define R64(n, f) { #n, A_##n, offsetof(SMMUv3AuxRegs, f), true, -1 }
    R32(CR0, cr0, SMMUV3_AUX_LAYOUT_CR0),
    R32(CR0ACK, cr0ack, SMMUV3_AUX_LAYOUT_CR0),
    R32(CR1, cr1, SMMUV3_AUX_LAYOUT_CR1),
    R32(CR2, cr2, SMMUV3_AUX_LAYOUT_CR2),
    R32(GBPA, gbpa, SMMUV3_AUX_LAYOUT_GBPA),
    R32(IRQ_CTRL, irq_ctrl, SMMUV3_AUX_LAYOUT_IRQ_CTRL),
    R32(GERROR, gerror, SMMUV3_AUX_LAYOUT_GERROR),
    R32(GERRORN, gerrorn, SMMUV3_AUX_LAYOUT_GERROR),
    R64(STRTAB_BASE, strtab_base),
    R32(STRTAB_BASE_CFG, strtab_base_cfg, SMMUV3_AUX_LAYOUT_STRTAB_BASE_CFG),
    R64(CMDQ_BASE, cmdq_base),
    R64(EVENTQ_BASE, evtq_base),
    R64(PRIQ_BASE, priq_base),
#undef R32
#undef R64
};

static SmmuAuxRegisterList *regs_list(const SMMUv3AuxRegs *r)
{
    SmmuAuxRegisterList *list = NULL, **tail = &list;

    for (unsigned i = 0; i < ARRAY_SIZE(regs_shown); i++) {
        SmmuAuxRegister *q = g_new0(SmmuAuxRegister, 1);
        const void *p = (const uint8_t *)r + regs_shown[i].field;

        q->name = g_strdup(regs_shown[i].name);
        q->offset = regs_shown[i].offset;
        q->value = regs_shown[i].is64 ? *(const uint64_t *)p :
                   *(const uint32_t *)p;
        if (regs_shown[i].layout >= 0) {
            q->fields = fields_list(regs_shown[i].layout, &q->value);
            q->has_fields = true;
        }
        QAPI_LIST_APPEND(tail, q);
    }
    return list;
}

static const char *cerror_name(unsigned err)
{
    static const char *const s[] = {
        "CERROR_NONE", "CERROR_ILL", "CERROR_ABT", "CERROR_ATC_INV_SYNC",
    };
    return err < ARRAY_SIZE(s) ? s[err] : "CERROR (IMPLEMENTATION DEFINED)";
}

static SmmuAuxQueueList *queues_list(SMMUv3AuxEngine *e)
{
    SMMUv3AuxQueueView v[SMMUV3_AUX_INSPECT_QUEUES];
    SmmuAuxQueueList *list = NULL, **tail = &list;

    smmuv3_aux_inspect_queues(e, v);
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
        SmmuAuxQueue *q = g_new0(SmmuAuxQueue, 1);

        q->name = g_strdup(v[i].name);
        q->base = v[i].base;
        q->log2size = v[i].log2size;
        q->prod = v[i].prod;
        q->cons = v[i].cons;
        q->pending = v[i].pending;
        q->enabled = v[i].enabled;
        if (v[i].error) {
            q->error = g_strdup(cerror_name(v[i].error));
        }
        QAPI_LIST_APPEND(tail, q);
    }
    return list;
}

static SmmuAuxCache *cache_new(const char *name, uint32_t capacity,
                                 uint32_t entries,
                                 const SMMUv3AuxCacheStats *st)
{
    SmmuAuxCache *c = g_new0(SmmuAuxCache, 1);

    c->name = g_strdup(name);
    c->capacity = capacity;
    c->entries = entries;
    if (st) {
        c->hits = st->hits;
        c->misses = st->misses;
        c->inserts = st->inserts;
        c->evictions = st->evictions;
        c->invalidated = st->invalidated;
    }
    return c;
}

static void utlb_sum(SMMUv3AuxDevice *sdev, void *opaque)
{
    uint64_t *hm = opaque;

    hm[0] += stat64_get(&sdev->utlb_hits);
    hm[1] += stat64_get(&sdev->utlb_misses);
    hm[2] += SMMUV3_AUX_UTLB_SIZE;
    if (sdev->iommu.tcache) {
        hm[3] += memory_region_iommu_translation_cache_hits(&sdev->iommu);
        hm[4] += IOMMU_TRANSLATION_CACHE_ENTRIES;
    }
}

static SmmuAuxCacheList *caches_list(SMMUv3AuxState *s)
{
    SMMUv3AuxEngine *e = &s->engine;
    SmmuAuxCacheList *list = NULL, **tail = &list;
    uint64_t hm[5] = { 0 };
    SmmuAuxCache *u;

    QAPI_LIST_APPEND(tail, cache_new("config", e->cfgc.st.capacity,
                                     smmuv3_aux_cfgc_count(&e->cfgc),
                                     &e->cfgc.stats));
    QAPI_LIST_APPEND(tail, cache_new("iotlb", e->iotlb.st.capacity,
                                     smmuv3_aux_iotlb_count(&e->iotlb),
                                     &e->iotlb.stats));
    /* Micro-TLB entries are tagged by generation: only counts are kept. */
    smmuv3_aux_foreach_device(s, utlb_sum, hm);
    u = cache_new("utlb", s->utlb_on ? hm[2] : 0, 0, NULL);
    u->hits = hm[0];
    u->misses = hm[1];
    QAPI_LIST_APPEND(tail, u);
    /* What the memory core served before the micro-TLB was asked. */
    u = cache_new("core-tlb", hm[4], 0, NULL);
    u->hits = hm[3];
    QAPI_LIST_APPEND(tail, u);
    return list;
}

static SmmuAuxCountList *counts_list(const uint64_t *counts, unsigned n,
                                       const char *(*name)(unsigned))
{
    SmmuAuxCountList *list = NULL, **tail = &list;

    for (unsigned i = 0; i < n; i++) {
        SmmuAuxCount *c;

        if (!counts[i]) {
            continue;
        }
        c = g_new0(SmmuAuxCount, 1);
        c->name = name(i) ? g_strdup(name(i)) : g_strdup_printf("0x%02x", i);
        c->count = counts[i];
        QAPI_LIST_APPEND(tail, c);
    }
    return list;
}

static void cmdqv_info(SMMUv3AuxState *s, SmmuAuxInfo *info)
{
    SMMUv3AuxCmdqv *v = s->cmdqv;
    SmmuAuxVintfList **vt = &info->vintfs;
    SmmuAuxQueueList **qt = &info->vcmdqs;

    for (unsigned i = 0; i < v->num_vintfs; i++) {
        SmmuAuxVintf *q = g_new0(SmmuAuxVintf, 1);
        uint32_t c = v->vintf[i].config;
        strList **st = &q->sids;

        q->index = i;
        q->enabled = FIELD_EX32(c, VINTF_CONFIG, EN);
        q->hyp_own = FIELD_EX32(c, VINTF_CONFIG, HYP_OWN);
        q->vmid = FIELD_EX32(c, VINTF_CONFIG, VMID);
        for (unsigned j = 0; j < v->num_sids; j++) {
            uint32_t m = v->vintf[i].sid_match[j];

            if (FIELD_EX32(m, VINTF_SID_MATCH, ENABLE)) {
                QAPI_LIST_APPEND(st, g_strdup_printf(
                    "0x%x->0x%x", FIELD_EX32(m, VINTF_SID_MATCH, VIRT_SID),
                    v->vintf[i].sid_replace[j]));
            }
        }
        QAPI_LIST_APPEND(vt, q);
    }
    for (unsigned i = 0; i < v->num_vcmdqs; i++) {
        const SMMUv3AuxVcmdq *vq = &v->q[i];
        SMMUv3AuxQueueView view;
        SmmuAuxQueue *q;

        if (!FIELD_EX32(vq->alloc, CMDQV_CMDQ_ALLOC, ALLOCATED)) {
            continue;
        }
        smmuv3_aux_inspect_vcmdq(vq, "vcmdq", &view);
        q = g_new0(SmmuAuxQueue, 1);
        q->name = g_strdup_printf("vcmdq%u", i);
        q->base = view.base;
        q->log2size = view.log2size;
        q->prod = view.prod;
        q->cons = view.cons;
        q->pending = view.pending;
        q->enabled = view.enabled;
        if (view.error) {
            q->error = g_strdup(cerror_name(view.error));
        }
        q->has_commands = true;
        q->commands = vq->n_cmds;
        q->has_vintf = true;
        q->vintf = FIELD_EX32(vq->alloc, CMDQV_CMDQ_ALLOC, VINTF);
        QAPI_LIST_APPEND(qt, q);
    }
    info->has_vintfs = info->has_vcmdqs = true;
}

static SmmuAuxInfo *smmu_info(SMMUv3AuxState *s)
{
    SmmuAuxInfo *info = g_new0(SmmuAuxInfo, 1);
    SMMUv3AuxEngine *e = &s->engine;

    info->path = object_get_canonical_path(OBJECT(s));
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        info->registers = regs_list(&e->regs);
        info->queues = queues_list(e);
        info->caches = caches_list(s);
        info->commands = counts_list(e->counters.cmds, 256,
                                     smmuv3_aux_command_name);
        info->events = counts_list(e->counters.events, 256,
                                   smmuv3_aux_event_name);
        info->fetches = counts_list(e->counters.fetches,
                                    SMMUV3_AUX_FETCH_NUM,
                                    smmuv3_aux_fetch_name);
        if (s->cmdqv) {
            info->has_vcmdq_commands = true;
            info->vcmdq_commands = counts_list(e->counters.vcmdq_cmds, 256,
                                               smmuv3_aux_command_name);
        }
        info->translations = e->counters.translations;
        info->faults = e->counters.faults;
    }
    if (s->cmdqv) {
        WITH_QEMU_LOCK_GUARD(&s->cmdqv_lock) {
            cmdqv_info(s, info);
        }
    }
    return info;
}

static int collect_smmu(Object *obj, void *opaque)
{
    SmmuAuxInfoList ***tail = opaque;

    if (object_dynamic_cast(obj, TYPE_ARM_SMMUV3_AUX) &&
        DEVICE(obj)->realized) {
        QAPI_LIST_APPEND(*tail, smmu_info(ARM_SMMUV3_AUX(obj)));
    }
    return 0;
}

SmmuAuxInfoList *qmp_query_smmuv3_aux(const char *path, Error **errp)
{
    SmmuAuxInfoList *list = NULL, **tail = &list;
    SMMUv3AuxState *s;

    if (!path) {
        object_child_foreach_recursive(object_get_root(), collect_smmu,
                                       &tail);
        return list;
    }
    s = smmu_find(true, path, errp);
    if (s) {
        QAPI_LIST_APPEND(tail, smmu_info(s));
    }
    return list;
}

/* ---- query-smmuv3-aux-streams ------------------------------------------ */

static const char *ste_config_name(uint64_t ste0)
{
    SMMUv3AuxField f[SMMUV3_AUX_MAX_FIELDS];
    unsigned n = smmuv3_aux_fields(SMMUV3_AUX_LAYOUT_STE,
                                   (uint64_t[8]) { ste0 }, f);

    for (unsigned i = 0; i < n; i++) {
        if (!strcmp(f[i].name, "Config")) {
            return f[i].meaning;
        }
    }
    return "?";
}

SmmuAuxStreamList *qmp_query_smmuv3_aux_streams(const char *path,
                                                  bool has_first,
                                                  uint32_t first,
                                                  bool has_max, uint32_t max,
                                                  Error **errp)
{
    SMMUv3AuxState *s = smmu_find(path != NULL, path, errp);
    SmmuAuxStreamList *list = NULL, **tail = &list;
    g_autofree SMMUv3AuxStreamEntry *ent = NULL;
    uint64_t next = has_first ? first : 0;
    unsigned n;

    if (!s) {
        return NULL;
    }
    max = has_max ? MIN(max, STREAMS_BUDGET) : 1024;
    ent = g_new(SMMUv3AuxStreamEntry, MAX(max, 1));
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        n = smmuv3_aux_inspect_strtab(&s->engine, &next, ent, max,
                                      STREAMS_BUDGET);
    }
    for (unsigned i = 0; i < n; i++) {
        SmmuAuxStream *q = g_new0(SmmuAuxStream, 1);

        q->sid = ent[i].sid;
        q->ste_address = ent[i].ste_addr;
        q->config = g_strdup(ste_config_name(ent[i].ste0));
        QAPI_LIST_APPEND(tail, q);
    }
    return list;
}

/* ---- query-smmuv3-aux-substreams --------------------------------------- */

static const char *s1fmt_name(unsigned s1fmt)
{
    return s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_4K ? "2-level 4K" :
           s1fmt == SMMUV3_AUX_STE_S1FMT_2LVL_64K ? "2-level 64K" : "linear";
}

SmmuAuxSubstreams *qmp_query_smmuv3_aux_substreams(const char *path,
                                                   uint32_t sid,
                                                   bool has_first,
                                                   uint32_t first,
                                                   bool has_max, uint32_t max,
                                                   Error **errp)
{
    SMMUv3AuxState *s = smmu_find(path != NULL, path, errp);
    g_autofree SMMUv3AuxCdEntry *ent = NULL;
    uint64_t next = has_first ? first : 0;
    SmmuAuxSubstreamList **tail;
    SMMUv3AuxCdTableView t;
    SmmuAuxSubstreams *r;
    unsigned n;

    if (!s) {
        return NULL;
    }
    max = has_max ? MIN(max, STREAMS_BUDGET) : 1024;
    ent = g_new(SMMUv3AuxCdEntry, MAX(max, 1));
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        n = smmuv3_aux_inspect_cdtab(&s->engine, sid, &t, &next, ent, max,
                                     STREAMS_BUDGET);
    }
    r = g_new0(SmmuAuxSubstreams, 1);
    r->config = g_strdup(t.config);
    r->event = t.event ? g_strdup(smmuv3_aux_event_name(t.event)) : NULL;
    if (t.has_cds) {
        r->has_s1cdmax = r->has_context_ptr = true;
        r->s1cdmax = t.s1cdmax;
        r->context_ptr = t.base;
        r->s1fmt = g_strdup(s1fmt_name(t.s1cdmax ? t.s1fmt : 0));
    }
    r->has_next = next < (1ULL << 32);
    r->next = next;
    tail = &r->cds;
    for (unsigned i = 0; i < n; i++) {
        SmmuAuxSubstream *q = g_new0(SmmuAuxSubstream, 1);

        q->ssid = ent[i].ssid;
        q->cd_address = ent[i].cd_addr;
        q->asid = FIELD_EX64(ent[i].cd0, CD_0, ASID);
        q->reason = g_strdup(ent[i].why);
        QAPI_LIST_APPEND(tail, q);
    }
    return r;
}

/* ---- query-smmuv3-aux-stream ------------------------------------------- */

static char *perm_str(const SMMUv3AuxPtwPerm *p)
{
    return g_strdup_printf("priv %c%c%c, unpriv %c%c%c",
                           p->pr ? 'r' : '-', p->pw ? 'w' : '-',
                           p->px ? 'x' : '-', p->ur ? 'r' : '-',
                           p->uw ? 'w' : '-', p->ux ? 'x' : '-');
}

static SmmuAuxWalkStep *walk_step(const SMMUv3AuxPtwTraceStep *t)
{
    SmmuAuxWalkStep *q = g_new0(SmmuAuxWalkStep, 1);
    bool leaf = t->kind == SMMUV3_AUX_PTW_DESC_BLOCK ||
                t->kind == SMMUV3_AUX_PTW_DESC_PAGE;

    q->stage = t->stage;
    q->purpose = g_strdup(t->stage == 1 ? "input" :
                          t->class_ == SMMUV3_AUX_EVT_CLASS_TT ? "table" :
                          t->class_ == SMMUV3_AUX_EVT_CLASS_CD ? "cd" :
                          "output");
    q->level = t->level;
    q->input = t->input;
    q->descriptor_address = t->desc_addr;
    q->descriptor_pa = t->desc_pa;
    q->descriptor = t->desc;
    q->type = g_strdup(smmuv3_aux_desc_kind_name(t->kind));
    if (t->kind == SMMUV3_AUX_PTW_DESC_TABLE || leaf) {
        q->has_next = true;
        q->next = t->next;
    }
    if (t->updated) {
        q->has_update = true;
        q->update = t->desc_new;
    }
    q->has_fields = leaf || (t->kind == SMMUV3_AUX_PTW_DESC_TABLE &&
                             t->stage == 1);
    if (leaf) {
        q->fields = fields_list(t->stage == 1 ? SMMUV3_AUX_LAYOUT_S1_LEAF :
                                SMMUV3_AUX_LAYOUT_S2_LEAF, &t->desc);
    } else if (t->kind == SMMUV3_AUX_PTW_DESC_TABLE && t->stage == 1) {
        q->fields = fields_list(SMMUV3_AUX_LAYOUT_S1_TABLE, &t->desc);
    }
    return q;
}

static SmmuAuxWalk *walk_info(const SMMUv3AuxInspect *x)
{
    SmmuAuxWalk *w = g_new0(SmmuAuxWalk, 1);
    SmmuAuxWalkStepList **tail = &w->steps;

    w->iova = x->iova;
    w->access = g_strdup_printf("%s, %s, %s", x->write ? "write" : "read",
                                x->priv ? "privileged" : "unprivileged",
                                x->exec ? "instruction" : "data");
    for (unsigned i = 0; i < x->trace.n; i++) {
        QAPI_LIST_APPEND(tail, walk_step(&x->trace.step[i]));
    }
    w->truncated = x->trace.truncated;
    if (x->translated) {
        w->has_output = w->has_ipa = w->has_size = true;
        w->output = x->oa;
        w->ipa = x->ipa;
        w->size = x->size;
        w->permissions = perm_str(&x->perm);
    } else if (x->fault.type) {
        w->fault = g_strdup(smmuv3_aux_event_name(x->fault.type));
        w->has_fault_stage = w->has_fault_level = true;
        w->fault_stage = x->fault.s2 ? 2 : 1;
        w->fault_level = x->fault.level;
    }
    return w;
}

static SmmuAuxTlbEntryList *tlb_list(const SMMUv3AuxInspect *x)
{
    SmmuAuxTlbEntryList *list = NULL, **tail = &list;

    for (unsigned i = 0; i < MIN(x->n_tlb, ARRAY_SIZE(x->tlb)); i++) {
        SmmuAuxTlbEntry *q = g_new0(SmmuAuxTlbEntry, 1);

        q->iova = x->tlb[i].iova;
        q->size = x->tlb[i].addr_mask + 1;
        q->pa = x->tlb[i].pa;
        q->level = x->tlb[i].level;
        q->global = !x->tlb[i].ng;
        q->permissions = perm_str(&x->tlb_perm[i]);
        QAPI_LIST_APPEND(tail, q);
    }
    return list;
}

static SmmuAuxStreamInfo *stream_info(const SMMUv3AuxInspect *x)
{
    SmmuAuxStreamInfo *r = g_new0(SmmuAuxStreamInfo, 1);

    r->sid = x->sid;
    r->has_ssid = x->ssv;
    r->ssid = x->ssid;
    r->config = g_strdup(x->config);
    if (x->event) {
        r->event = g_strdup(smmuv3_aux_event_name(x->event));
        r->reason = g_strdup(x->why);
        r->has_fetch_address = x->fetch_addr != 0;
        r->fetch_address = x->fetch_addr;
    }
    if (x->ste_read) {
        r->has_ste_address = true;
        r->ste_address = x->ste_addr;
        r->has_ste = r->has_ste_fields = true;
        r->ste = words_list(x->ste, 8);
        r->ste_fields = fields_list(SMMUV3_AUX_LAYOUT_STE, x->ste);
    }
    if (x->cd_read) {
        r->has_cd_address = true;
        r->cd_address = x->cd_pa;
        r->has_cd = r->has_cd_fields = true;
        r->cd = words_list(x->cd, 8);
        r->cd_fields = fields_list(SMMUV3_AUX_LAYOUT_CD, x->cd);
    }
    r->regime = g_strdup(x->regime);
    if (x->tlb_tagged) {
        r->has_asid = r->has_vmid = true;
        r->asid = x->asid;
        r->vmid = x->vmid;
    }
    r->cached = x->cfg_cached;
    r->iotlb = tlb_list(x);
    r->iotlb_matches = x->n_tlb;
    if (x->walked) {
        r->walk = walk_info(x);
    }
    return r;
}

SmmuAuxStreamInfo *qmp_query_smmuv3_aux_stream(const char *path,
                                                 uint32_t sid, bool has_ssid,
                                                 uint32_t ssid, bool has_iova,
                                                 uint64_t iova,
                                                 bool has_write, bool write,
                                                 bool has_exec, bool exec,
                                                 bool has_priv, bool priv,
                                                 Error **errp)
{
    SMMUv3AuxState *s = smmu_find(path != NULL, path, errp);
    g_autofree SMMUv3AuxInspect *x = NULL;

    if (!s) {
        return NULL;
    }
    x = g_new0(SMMUv3AuxInspect, 1);
    x->sid = sid;
    x->ssv = has_ssid;
    x->ssid = ssid;
    x->walk = has_iova;
    x->iova = iova;
    x->write = has_write && write;
    x->exec = has_exec && exec;
    x->priv = has_priv && priv;
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_inspect_stream(&s->engine, x);
    }
    return stream_info(x);
}

/* ---- query-smmuv3-aux-page-tables -------------------------------------- */

static SmmuAuxStageTables *stage_tables(const SMMUv3AuxPtwDump *d)
{
    SmmuAuxStageTables *st = g_new0(SmmuAuxStageTables, 1);
    SmmuAuxTableList **tt = &st->tables;
    SmmuAuxRangeList **rt = &st->ranges;

    for (unsigned i = 0; i < d->n_tables; i++) {
        const SMMUv3AuxPtwDumpTable *t = &d->tables[i];
        SmmuAuxTable *q = g_new0(SmmuAuxTable, 1);

        *q = (SmmuAuxTable) {
            .index = i, .stage = t->stage, .level = t->level,
            .address = t->addr, .pa = t->pa, .input = t->input,
            .span = t->span_shift, .parent = t->parent,
            .parent_index = t->parent < 0 ? t->root_tt : t->parent_index,
            .valid = t->valid, .unreadable = t->unreadable,
        };
        QAPI_LIST_APPEND(tt, q);
    }
    for (unsigned i = 0; i < d->n_ranges; i++) {
        const SMMUv3AuxPtwDumpRange *r = &d->ranges[i];
        SmmuAuxRange *q = g_new0(SmmuAuxRange, 1);
        unsigned stage = d->tables[r->table].stage;

        *q = (SmmuAuxRange) {
            .table = r->table, .level = r->level, .input = r->input,
            .size = r->size, .output = r->output, .leaves = r->leaves,
            .attributes = r->attrs,
        };
        q->fields = fields_list(stage == 1 ? SMMUV3_AUX_LAYOUT_S1_LEAF :
                                SMMUV3_AUX_LAYOUT_S2_LEAF, &r->attrs);
        QAPI_LIST_APPEND(rt, q);
    }
    st->truncated = d->truncated;
    return st;
}

static void dump_alloc(SMMUv3AuxPtwDump *d, unsigned tables,
                       unsigned ranges)
{
    *d = (SMMUv3AuxPtwDump) {
        .tables = g_new(SMMUv3AuxPtwDumpTable, tables), .max_tables = tables,
        .ranges = g_new(SMMUv3AuxPtwDumpRange, ranges), .max_ranges = ranges,
    };
}

SmmuAuxPageTables *qmp_query_smmuv3_aux_page_tables(const char *path,
                                                    uint32_t sid,
                                                    bool has_ssid,
                                                    uint32_t ssid,
                                                    bool has_max_tables,
                                                    uint32_t max_tables,
                                                    bool has_max_ranges,
                                                    uint32_t max_ranges,
                                                    Error **errp)
{
    SMMUv3AuxState *s = smmu_find(path != NULL, path, errp);
    g_autofree SMMUv3AuxInspect *x = NULL;
    SmmuAuxPageTables *r;
    SMMUv3AuxPtwDump d1, d2;

    if (!s) {
        return NULL;
    }
    max_tables = has_max_tables ? MIN(MAX(max_tables, 1), 4096) : 256;
    max_ranges = has_max_ranges ? MIN(MAX(max_ranges, 1), 65536) : 4096;
    dump_alloc(&d1, max_tables, max_ranges);
    dump_alloc(&d2, max_tables, max_ranges);
    x = g_new0(SMMUv3AuxInspect, 1);
    x->sid = sid;
    x->ssv = has_ssid;
    x->ssid = ssid;
    WITH_QEMU_LOCK_GUARD(&s->lock) {
        smmuv3_aux_inspect_tables(&s->engine, x, &d1, &d2);
    }
    r = g_new0(SmmuAuxPageTables, 1);
    r->config = g_strdup(x->config);
    if (x->event) {
        r->event = g_strdup(smmuv3_aux_event_name(x->event));
        r->reason = g_strdup(x->why);
    }
    if (d1.n_tables) {
        r->stage1 = stage_tables(&d1);
    }
    if (d2.n_tables) {
        r->stage2 = stage_tables(&d2);
    }
    g_free(d1.tables);
    g_free(d1.ranges);
    g_free(d2.tables);
    g_free(d2.ranges);
    return r;
}
