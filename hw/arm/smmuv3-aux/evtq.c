/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: event records and the event queue producer (Arm IHI
 * 0070 chapter 7.2-7.4), with event record merging (7.3.1).
 */
#include "qemu/osdep.h"
#include "engine-internal.h"

/* Which optional parts of the record each event type defines. */
#define EVF_TXN     (1u << 0)   /* qword 1 STAG..TTRnW and input address */
#define EVF_FETCH   (1u << 1)   /* qword 3 FetchAddr */
#define EVF_IPA     (1u << 2)   /* qword 3 IPA */
#define EVF_PAGE    (1u << 3)   /* InputAddr[11:0] IGNORED when merging */
/* SubstreamID always valid, bit 11 RES0: no SSV qualifier (7.3.9) */
#define EVF_NO_SSV  (1u << 4)

typedef struct SMMUv3AuxEvtInfo {
    const char *name;
    uint8_t fields;
} SMMUv3AuxEvtInfo;

static const SMMUv3AuxEvtInfo evt_info[256] = {
#define EVT(id, f) [SMMUV3_AUX_EVT_##id] = { #id, f }
    EVT(F_UUT, EVF_TXN),
    EVT(C_BAD_STREAMID, 0),
    EVT(F_STE_FETCH, EVF_FETCH),
    EVT(C_BAD_STE, 0),
    EVT(F_BAD_ATS_TREQ, EVF_TXN),
    EVT(F_STREAM_DISABLED, 0),
    EVT(F_TRANSL_FORBIDDEN, EVF_TXN),
    EVT(C_BAD_SUBSTREAMID, EVF_NO_SSV),
    EVT(F_CD_FETCH, EVF_FETCH),
    EVT(C_BAD_CD, 0),
    EVT(F_WALK_EABT, EVF_TXN | EVF_FETCH | EVF_PAGE),
    EVT(F_TRANSLATION, EVF_TXN | EVF_IPA | EVF_PAGE),
    EVT(F_ADDR_SIZE, EVF_TXN | EVF_IPA | EVF_PAGE),
    EVT(F_ACCESS, EVF_TXN | EVF_IPA | EVF_PAGE),
    EVT(F_PERMISSION, EVF_TXN | EVF_IPA | EVF_PAGE),
    EVT(F_TLB_CONFLICT, EVF_TXN | EVF_IPA),
    EVT(F_CFG_CONFLICT, 0),
    EVT(E_PAGE_REQUEST, EVF_TXN),
    EVT(F_VMS_FETCH, EVF_FETCH),
#undef EVT
};

void smmuv3_aux_event_init(SMMUv3AuxEvent *ev, SMMUv3AuxEventId id,
                           const SMMUv3AuxTxn *txn)
{
    memset(ev, 0, sizeof(*ev));
    ev->id = id;
    ev->sid = txn->sid;
    ev->ssv = txn->ssv;
    ev->ssid = txn->ssv ? txn->ssid : 0;
    ev->input_addr = txn->iova;
    ev->rnw = !txn->is_write;
    ev->ind = txn->is_exec;
    ev->pnu = txn->is_priv;
}

const char *smmuv3_aux_evt_name(unsigned id)
{
    return id < ARRAY_SIZE(evt_info) ? evt_info[id].name : NULL;
}

void smmuv3_aux_evt_encode(const SMMUv3AuxEvent *ev, SMMUv3AuxEvtRecord *rec)
{
    uint8_t f = evt_info[ev->id & 0xff].fields;
    uint64_t q1 = 0;

    memset(rec, 0, sizeof(*rec));
    rec->qw[0] = FIELD_DP64(rec->qw[0], EVT_0, EVENTID, ev->id);
    if (f & EVF_NO_SSV) {
        rec->qw[0] = FIELD_DP64(rec->qw[0], EVT_0, SSID, ev->ssid);
    } else {
        rec->qw[0] = FIELD_DP64(rec->qw[0], EVT_0, SSV, ev->ssv);
        rec->qw[0] = FIELD_DP64(rec->qw[0], EVT_0, SSID,
                                ev->ssv ? ev->ssid : 0);
    }
    rec->qw[0] = FIELD_DP64(rec->qw[0], EVT_0, SID, ev->sid);
    if (f & EVF_TXN) {
        q1 = FIELD_DP64(q1, EVT_1, STAG, ev->stall ? ev->stag : 0);
        q1 = FIELD_DP64(q1, EVT_1, STALL, ev->stall);
        q1 = FIELD_DP64(q1, EVT_1, PNU, ev->pnu);
        q1 = FIELD_DP64(q1, EVT_1, IND, ev->ind);
        q1 = FIELD_DP64(q1, EVT_1, RNW, ev->rnw);
        q1 = FIELD_DP64(q1, EVT_1, NSIPA, ev->nsipa);
        q1 = FIELD_DP64(q1, EVT_1, S2, ev->s2);
        q1 = FIELD_DP64(q1, EVT_1, CLASS, ev->class_);
        q1 = FIELD_DP64(q1, EVT_1, TTRNW, ev->ttrnw);
        rec->qw[1] = q1;
        rec->qw[2] = ev->input_addr;
    }
    if (f & EVF_FETCH) {
        rec->qw[3] = ev->fetch_addr & R_EVT_3_FETCHADDR_MASK;
    } else if (f & EVF_IPA) {
        rec->qw[3] = ev->ipa & R_EVT_3_IPA_MASK;
    }
}

/* Write one record at PROD; false on an external abort. */
static bool evtq_write(SMMUv3AuxEngine *e, uint64_t base, unsigned log2size,
                       uint32_t prod, const SMMUv3AuxEvtRecord *rec)
{
    uint64_t addr = base + smmuv3_aux_q_idx(prod, log2size) *
                    (uint64_t)SMMUV3_AUX_EVT_SIZE;

    return smmuv3_aux_mem_write_le64s(e->ops, e->opaque, addr, rec->qw,
                                      ARRAY_SIZE(rec->qw),
                                      smmuv3_aux_ns_attrs());
}

/*
 * A full queue drops the record and signals overflow by toggling
 * PROD.OVFLG, once: while an overflow is unacknowledged (OVFLG !=
 * CONS.OVACKFLG) further drops leave it alone.  A full queue is not a
 * global error.
 */
static void evtq_overflow(SMMUv3AuxEngine *e)
{
    SMMUv3AuxRegs *r = &e->regs;
    bool ovf = FIELD_EX32(r->evtq_prod, EVENTQ_PROD, OVFLG);
    bool ack = FIELD_EX32(r->evtq_cons, EVENTQ_CONS, OVACKFLG);

    if (ovf == ack) {
        r->evtq_prod ^= R_EVENTQ_PROD_OVFLG_MASK;
    }
    trace_smmuv3_aux_evtq_overflow(r->evtq_prod, r->evtq_cons);
}

/* Identical for merging: all fields, but InputAddr[11:0] where so defined */
static bool evt_same(const SMMUv3AuxEvtRecord *a, const SMMUv3AuxEvtRecord *b)
{
    uint64_t mask = evt_info[a->qw[0] & 0xff].fields & EVF_PAGE ?
                    ~0xfffULL : ~0ULL;

    return a->qw[0] == b->qw[0] && a->qw[1] == b->qw[1] &&
           (a->qw[2] & mask) == (b->qw[2] & mask) && a->qw[3] == b->qw[3];
}

/*
 * Merging (7.3.1): an implementation may write one record for several
 * identical events that follow each other closely, when STE.MEV permits
 * it or the event precedes the STE (F_UUT, C_BAD_STREAMID, F_STE_FETCH,
 * C_BAD_STE), and never when Stall == 1.  The caller says whether merging
 * is permitted (ev->merge).  We merge only into the last record written,
 * and only while software has not consumed it (CONS has not passed it),
 * so records stay in order and every record software reads stands for at
 * least one event.  QEMU retries a failed DMA in 4-byte pieces, each
 * translated again; those pieces are one device transaction.
 *
 * The engine keeps the last record it wrote (e->evtq_last), with the
 * queue base and PROD it left behind: a merge needs both unchanged, so a
 * record is never merged into a slot of another queue or another lap.
 */
static bool evtq_merge(SMMUv3AuxEngine *e, uint64_t base, unsigned log2size,
                       uint32_t prod, uint32_t cons,
                       const SMMUv3AuxEvent *ev, const SMMUv3AuxEvtRecord *rec)
{
    const SMMUv3AuxEvtLast *last = &e->evtq_last;

    if (!ev->merge || ev->stall || smmuv3_aux_q_empty(prod, cons, log2size)) {
        return false;
    }
    return last->valid && last->base == base && last->prod == prod &&
           evt_same(&last->rec, rec);
}

void smmuv3_aux_evtq_record(SMMUv3AuxEngine *e, const SMMUv3AuxEvent *ev)
{
    SMMUv3AuxRegs *r = &e->regs;
    unsigned l = smmuv3_aux_q_log2size(r->evtq_base,
                                       smmuv3_aux_evtq_max_log2size(e));
    uint64_t base = smmuv3_aux_q_base_addr(r->evtq_base, l,
                                           SMMUV3_AUX_EVT_SIZE);
    uint32_t prod = r->evtq_prod & smmuv3_aux_q_ptr_mask(l);
    uint32_t cons = r->evtq_cons & smmuv3_aux_q_ptr_mask(l);
    SMMUv3AuxEvtRecord rec;

    e->counters.events[ev->id & 0xff]++;
    trace_smmuv3_aux_event(smmuv3_aux_evt_name(ev->id) ?: "reserved",
                           ev->sid, ev->ssid, ev->input_addr);
    if (!FIELD_EX32(r->cr0, CR0, EVENTQEN)) {
        trace_smmuv3_aux_evtq_disabled(ev->id);
        return;
    }
    smmuv3_aux_evt_encode(ev, &rec);
    if (evtq_merge(e, base, l, prod, cons, ev, &rec)) {
        trace_smmuv3_aux_evtq_merged(ev->id, prod);
        return;
    }
    if (smmuv3_aux_q_full(prod, cons, l)) {
        evtq_overflow(e);
        return;
    }
    if (!evtq_write(e, base, l, prod, &rec)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_evtq_abort, "prod=0x%x", prod);
        smmuv3_aux_gerror_activate(e, R_GERROR_EVENTQ_ABT_ERR_MASK);
        return;
    }
    /* Keep OVFLG; advance WR. */
    r->evtq_prod = (r->evtq_prod & R_EVENTQ_PROD_OVFLG_MASK) |
                   smmuv3_aux_q_inc(prod, l);
    e->evtq_last = (SMMUv3AuxEvtLast) {
        .valid = true, .base = base, .prod = smmuv3_aux_q_inc(prod, l),
        .rec = rec,
    };
    smmuv3_aux_irq_raise(e, SMMUV3_AUX_IRQ_EVTQ);
}
