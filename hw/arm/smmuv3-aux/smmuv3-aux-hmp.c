/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux: HMP "info smmuv3-aux" and "info smmuv3-aux-stream", the
 * text form of the QMP queries (smmuv3-aux-qmp.c).  Built whether or not
 * the device is, like QEMU's other HMP wrappers of QMP commands.
 */
#include "qemu/osdep.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-smmuv3-aux.h"
#include "qobject/qdict.h"

static void print_fields(Monitor *mon, const char *indent,
                         SmmuAuxFieldList *f)
{
    unsigned col = 0;

    for (; f; f = f->next) {
        g_autofree char *s = f->value->meaning ?
            g_strdup_printf("%s=0x%" PRIx64 " (%s)", f->value->name,
                            f->value->value, f->value->meaning) :
            g_strdup_printf("%s=0x%" PRIx64, f->value->name,
                            f->value->value);

        if (col && col + strlen(s) > 76) {
            monitor_printf(mon, "\n");
            col = 0;
        }
        col += monitor_printf(mon, "%s%s", col ? " " : indent, s);
    }
    if (col) {
        monitor_printf(mon, "\n");
    }
}

static void print_queue(Monitor *mon, SmmuAuxQueue *q)
{
    monitor_printf(mon, "  %-8s %s base 0x%" PRIx64 " log2size %u prod 0x%x "
                   "cons 0x%x pending %u", q->name,
                   q->enabled ? "on " : "off", q->base, q->log2size, q->prod,
                   q->cons, q->pending);
    if (q->has_vintf) {
        monitor_printf(mon, " vintf %u commands %" PRIu64, q->vintf,
                       q->commands);
    }
    monitor_printf(mon, "%s%s\n", q->error ? " error " : "",
                   q->error ? q->error : "");
}

static void print_counts(Monitor *mon, const char *what,
                         SmmuAuxCountList *list)
{
    monitor_printf(mon, " %s:", what);
    for (SmmuAuxCountList *c = list; c; c = c->next) {
        monitor_printf(mon, " %s=%" PRIu64, c->value->name, c->value->count);
    }
    monitor_printf(mon, "\n");
}

static void print_info(Monitor *mon, SmmuAuxInfo *info)
{
    monitor_printf(mon, "%s\n registers:\n", info->path);
    for (SmmuAuxRegisterList *r = info->registers; r; r = r->next) {
        monitor_printf(mon, "  %-16s [0x%05" PRIx64 "] 0x%" PRIx64 "\n",
                       r->value->name, r->value->offset, r->value->value);
        print_fields(mon, "    ", r->value->fields);
    }
    monitor_printf(mon, " queues:\n");
    for (SmmuAuxQueueList *q = info->queues; q; q = q->next) {
        print_queue(mon, q->value);
    }
    monitor_printf(mon, " caches:\n");
    for (SmmuAuxCacheList *c = info->caches; c; c = c->next) {
        SmmuAuxCache *v = c->value;

        monitor_printf(mon, "  %-8s %u/%u hits %" PRIu64 " misses %" PRIu64
                       " inserts %" PRIu64 " evictions %" PRIu64
                       " invalidated %" PRIu64 "\n", v->name, v->entries,
                       v->capacity, v->hits, v->misses, v->inserts,
                       v->evictions, v->invalidated);
    }
    monitor_printf(mon, " translations %" PRIu64 ", faults %" PRIu64 "\n",
                   info->translations, info->faults);
    print_counts(mon, "commands", info->commands);
    if (info->has_vcmdq_commands) {
        print_counts(mon, "vcmdq-commands", info->vcmdq_commands);
    }
    print_counts(mon, "events", info->events);
    print_counts(mon, "fetches", info->fetches);
    for (SmmuAuxVintfList *v = info->vintfs; v; v = v->next) {
        monitor_printf(mon, " vintf%u %s%s vmid %u sids", v->value->index,
                       v->value->enabled ? "enabled" : "disabled",
                       v->value->hyp_own ? " hyp-own" : "", v->value->vmid);
        for (strList *s = v->value->sids; s; s = s->next) {
            monitor_printf(mon, " %s", s->value);
        }
        monitor_printf(mon, "\n");
    }
    for (SmmuAuxQueueList *q = info->vcmdqs; q; q = q->next) {
        print_queue(mon, q->value);
    }
}

void hmp_info_smmuv3_aux(Monitor *mon, const QDict *qdict)
{
    const char *path = qdict_get_try_str(qdict, "path");
    Error *err = NULL;
    SmmuAuxInfoList *list = qmp_query_smmuv3_aux(path, &err);

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!list) {
        monitor_printf(mon, "no arm-smmuv3-aux device\n");
    }
    for (SmmuAuxInfoList *l = list; l; l = l->next) {
        print_info(mon, l->value);
    }
    qapi_free_SmmuAuxInfoList(list);
}

static void print_walk(Monitor *mon, SmmuAuxWalk *w)
{
    monitor_printf(mon, " walk of 0x%" PRIx64 " (%s):\n", w->iova, w->access);
    for (SmmuAuxWalkStepList *l = w->steps; l; l = l->next) {
        SmmuAuxWalkStep *s = l->value;

        monitor_printf(mon, "  S%u L%d %-6s in 0x%" PRIx64 " desc @0x%" PRIx64
                       " (pa 0x%" PRIx64 ") = 0x%016" PRIx64 " %s",
                       s->stage, s->level, s->purpose, s->input,
                       s->descriptor_address, s->descriptor_pa,
                       s->descriptor, s->type);
        if (s->has_next) {
            monitor_printf(mon, " -> 0x%" PRIx64, s->next);
        }
        if (s->has_update) {
            monitor_printf(mon, " (HTTU would write 0x%016" PRIx64 ")",
                           s->update);
        }
        monitor_printf(mon, "\n");
        print_fields(mon, "      ", s->fields);
    }
    if (w->has_output) {
        monitor_printf(mon, "  => 0x%" PRIx64 " (ipa 0x%" PRIx64 "), size "
                       "0x%" PRIx64 ", %s\n", w->output, w->ipa, w->size,
                       w->permissions);
    } else if (w->fault) {
        monitor_printf(mon, "  => %s at stage %u level %d\n", w->fault,
                       w->fault_stage, w->fault_level);
    } else {
        monitor_printf(mon, "  => terminated (STE.Config abort)\n");
    }
}

void hmp_info_smmuv3_aux_stream(Monitor *mon, const QDict *qdict)
{
    bool has_iova = qdict_haskey(qdict, "iova");
    bool has_ssid = qdict_haskey(qdict, "ssid");
    Error *err = NULL;
    SmmuAuxStreamInfo *r = qmp_query_smmuv3_aux_stream(
        NULL, qdict_get_int(qdict, "sid"), has_ssid,
        has_ssid ? qdict_get_int(qdict, "ssid") : 0, has_iova,
        has_iova ? qdict_get_int(qdict, "iova") : 0, false, false, false,
        false, false, false, &err);

    if (hmp_handle_error(mon, err)) {
        return;
    }
    monitor_printf(mon, "StreamID 0x%x", r->sid);
    if (r->has_ssid) {
        monitor_printf(mon, " SubstreamID 0x%x", r->ssid);
    }
    monitor_printf(mon, ": %s", r->config);
    if (r->event) {
        monitor_printf(mon, ", %s%s%s", r->event, r->reason ? ": " : "",
                       r->reason ? r->reason : "");
    }
    if (r->has_fetch_address) {
        monitor_printf(mon, " (fetch at 0x%" PRIx64 ")", r->fetch_address);
    }
    monitor_printf(mon, "\n");
    if (r->has_ste_address) {
        monitor_printf(mon, " STE @0x%" PRIx64 ":\n", r->ste_address);
        print_fields(mon, "   ", r->ste_fields);
    }
    if (r->has_cd_address) {
        monitor_printf(mon, " CD @0x%" PRIx64 ":\n", r->cd_address);
        print_fields(mon, "   ", r->cd_fields);
    }
    if (r->regime) {
        monitor_printf(mon, " regime %s asid 0x%x vmid 0x%x, configuration "
                       "%scached, %u IOTLB entries\n", r->regime, r->asid,
                       r->vmid, r->cached ? "" : "not ", r->iotlb_matches);
    }
    for (SmmuAuxTlbEntryList *t = r->iotlb; t; t = t->next) {
        monitor_printf(mon, "  0x%" PRIx64 "+0x%" PRIx64 " -> 0x%" PRIx64
                       " L%u %s %s\n", t->value->iova, t->value->size,
                       t->value->pa, t->value->level,
                       t->value->global ? "global" : "nG",
                       t->value->permissions);
    }
    if (r->walk) {
        print_walk(mon, r->walk);
    }
    qapi_free_SmmuAuxStreamInfo(r);
}
