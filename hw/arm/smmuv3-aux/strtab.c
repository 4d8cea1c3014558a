/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: transaction entry point, stream table walk and STE
 * validation (Arm IHI 0070 chapters 3.3, 5.1 and 5.2).
 *
 * Nothing is cached: every transaction reads the L1STD (if any) and the
 * STE from guest memory.  Linux writes L1STDs without any CFGI command,
 * so an invalid L1STD must never be remembered.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "engine-internal.h"

/* Output of a bypassed transaction: one 4 KiB identity page, RW. */
static SMMUv3AuxResult txn_bypass(const SMMUv3AuxTxn *txn,
                                  SMMUv3AuxTxnOut *out)
{
    out->addr_mask = 0xfff;
    out->pa = txn->iova & ~out->addr_mask;
    out->read = true;
    out->write = true;
    return SMMUV3_AUX_TXN_OK;
}

static void event_init(SMMUv3AuxEvent *ev, SMMUv3AuxEventId id,
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

/* ---- Stream table geometry ------------------------------------------ */

void smmuv3_aux_strtab_geometry(SMMUv3AuxEngine *e, SMMUv3AuxStrtab *st)
{
    uint32_t cfg = e->regs.strtab_base_cfg;
    unsigned fmt = FIELD_EX32(cfg, STRTAB_BASE_CFG, FMT);
    unsigned split = FIELD_EX32(cfg, STRTAB_BASE_CFG, SPLIT);
    uint64_t bytes;

    /* LOG2SIZE above IDR1.SIDSIZE behaves as SIDSIZE. */
    st->log2size = MIN(FIELD_EX32(cfg, STRTAB_BASE_CFG, LOG2SIZE),
                       FIELD_EX32(e->regs.idr[1], IDR1, SIDSIZE));
    st->two_level = fmt == SMMUV3_AUX_STRTAB_FMT_2LVL &&
                    FIELD_EX32(e->regs.idr[0], IDR0, ST_LEVEL) == 1;
    if (fmt != SMMUV3_AUX_STRTAB_FMT_LINEAR && !st->two_level) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_strtab_fmt, "fmt=%u", fmt);
    }
    /* SPLIT is 6, 8 or 10; other values are taken as 8 (Linux's). */
    if (split != 6 && split != 8 && split != 10) {
        if (st->two_level) {
            SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_strtab_split, "split=%u",
                                 split);
        }
        split = 8;
    }
    st->split = split;
    /* The table is aligned to its size (at least 64 bytes). */
    if (st->two_level) {
        bytes = (uint64_t)SMMUV3_AUX_L1STD_SIZE <<
                (st->log2size > split ? st->log2size - split : 0);
    } else {
        bytes = (uint64_t)SMMUV3_AUX_STE_SIZE << st->log2size;
    }
    bytes = MAX(bytes, 64);
    st->base = e->regs.strtab_base & R_STRTAB_BASE_ADDR_MASK & ~(bytes - 1);
}

/* ---- Walk ----------------------------------------------------------- */

static bool dma_read_le64s(SMMUv3AuxEngine *e, uint64_t addr, uint64_t *qw,
                           unsigned n)
{
    uint64_t raw[8];

    g_assert(n <= ARRAY_SIZE(raw));
    if (!e->ops->dma_read(e->opaque, addr, raw, n * sizeof(uint64_t),
                          smmuv3_aux_ns_attrs())) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        qw[i] = le64_to_cpu(raw[i]);
    }
    return true;
}

/*
 * Level 1: find the level-2 array for sid.  Returns false with ev->id set
 * (C_BAD_STREAMID or F_STE_FETCH) when no STE can be reached.
 */
static bool strtab_l1(SMMUv3AuxEngine *e, const SMMUv3AuxStrtab *st,
                      uint32_t sid, uint64_t *ste_addr, SMMUv3AuxEvent *ev)
{
    uint64_t l1_addr = st->base +
                       (uint64_t)(sid >> st->split) * SMMUV3_AUX_L1STD_SIZE;
    uint32_t l2_idx = sid & ((1u << st->split) - 1);
    uint64_t l1std, l2ptr;
    unsigned span;

    if (!dma_read_le64s(e, l1_addr, &l1std, 1)) {
        ev->id = SMMUV3_AUX_EVT_F_STE_FETCH;
        ev->fetch_addr = l1_addr;
        return false;
    }
    span = FIELD_EX64(l1std, L1STD, SPAN);
    trace_smmuv3_aux_l1std(sid, l1_addr, l1std);
    /* Span 0, Reserved (12..31) or beyond SPLIT + 1: invalid (5.1.1). */
    if (span == 0 || span > SMMUV3_AUX_L1STD_SPAN_MAX ||
        span > st->split + 1) {
        trace_smmuv3_aux_l1std_invalid(sid, span);
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    if (l2_idx >= (1u << (span - 1))) {
        trace_smmuv3_aux_l1std_invalid(sid, span);
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    /* The level-2 array is aligned to its size, 64 << (Span - 1). */
    l2ptr = l1std & R_L1STD_L2PTR_MASK &
            ~(((uint64_t)SMMUV3_AUX_STE_SIZE << (span - 1)) - 1);
    *ste_addr = l2ptr + (uint64_t)l2_idx * SMMUV3_AUX_STE_SIZE;
    return true;
}

bool smmuv3_aux_ste_fetch(SMMUv3AuxEngine *e, uint32_t sid,
                          SMMUv3AuxSTE *ste, SMMUv3AuxEvent *ev)
{
    SMMUv3AuxStrtab st;
    uint64_t ste_addr;

    smmuv3_aux_strtab_geometry(e, &st);
    if (st.log2size < 32 && sid >= (1ULL << st.log2size)) {
        ev->id = SMMUV3_AUX_EVT_C_BAD_STREAMID;
        return false;
    }
    if (st.two_level) {
        if (!strtab_l1(e, &st, sid, &ste_addr, ev)) {
            return false;
        }
    } else {
        ste_addr = st.base + (uint64_t)sid * SMMUV3_AUX_STE_SIZE;
    }
    if (!dma_read_le64s(e, ste_addr, ste->qw, ARRAY_SIZE(ste->qw))) {
        ev->id = SMMUV3_AUX_EVT_F_STE_FETCH;
        ev->fetch_addr = ste_addr;
        return false;
    }
    trace_smmuv3_aux_ste(sid, ste_addr, ste->qw[0], ste->qw[1], ste->qw[2]);
    return true;
}

/* ---- STE validation ------------------------------------------------- */

static const char *ste_check_s1(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    uint32_t idr0 = e->regs.idr[0];
    unsigned cdmax = FIELD_EX64(ste->qw[0], STE_0, S1CDMAX);
    unsigned fmt = FIELD_EX64(ste->qw[0], STE_0, S1FMT);
    unsigned strw = FIELD_EX64(ste->qw[1], STE_1, STRW);

    if (!FIELD_EX32(idr0, IDR0, S1P)) {
        return "stage 1 not supported";
    }
    if (cdmax > FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE)) {
        return "S1CDMax above SSIDSIZE";
    }
    if (cdmax && (fmt == 3 ||
                  (fmt != SMMUV3_AUX_STE_S1FMT_LINEAR &&
                   !FIELD_EX32(idr0, IDR0, CD2L)))) {
        return "S1Fmt reserved or 2-level CD tables not supported";
    }
    if (strw == SMMUV3_AUX_STE_STRW_EL3 || strw == 3 ||
        (strw == SMMUV3_AUX_STE_STRW_EL2 && !FIELD_EX32(idr0, IDR0, HYP))) {
        return "STRW reserved or EL2 without IDR0.HYP";
    }
    return NULL;
}

static const char *ste_check_s2(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    const SMMUv3AuxParams *p = &e->params;
    uint32_t idr0 = e->regs.idr[0];
    unsigned tg = FIELD_EX64(ste->qw[2], STE_2, S2TG);

    if (!FIELD_EX32(idr0, IDR0, S2P)) {
        return "stage 2 not supported";
    }
    /* TTF = AArch64 only: VMSAv8-32 LPAE stage 2 tables are ILLEGAL. */
    if (!FIELD_EX64(ste->qw[2], STE_2, S2AA64)) {
        return "S2AA64 = 0 without AArch32 tables";
    }
    if (FIELD_EX64(ste->qw[2], STE_2, S2ENDI) &&
        FIELD_EX32(idr0, IDR0, TTENDIAN) == SMMUV3_AUX_IDR0_TTENDIAN_LE) {
        return "S2ENDI big-endian not supported";
    }
    if ((tg == SMMUV3_AUX_STE_S2TG_4K && !p->gran4k) ||
        (tg == SMMUV3_AUX_STE_S2TG_64K && !p->gran64k) ||
        (tg == SMMUV3_AUX_STE_S2TG_16K && !p->gran16k) || tg == 3) {
        return "S2TG granule not supported";
    }
    return NULL;
}

const char *smmuv3_aux_ste_check(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste)
{
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);
    const char *why = NULL;

    if (!FIELD_EX64(ste->qw[0], STE_0, V)) {
        return "V = 0";
    }
    if (config == SMMUV3_AUX_STE_CONFIG_ABORT ||
        config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
        return NULL;
    }
    if (!(config & 4)) {
        return "Config reserved";
    }
    if (config & 1) {
        why = ste_check_s1(e, ste);
    }
    if (!why && (config & 2)) {
        why = ste_check_s2(e, ste);
    }
    return why;
}

/*
 * A SubstreamID is only accepted by a stage-1 STE with a CD table large
 * enough for it, within IDR1.SSIDSIZE.  With SSIDSIZE = 0 every
 * transaction that carries one is refused.
 */
static bool ssid_ok(SMMUv3AuxEngine *e, const SMMUv3AuxSTE *ste,
                    const SMMUv3AuxTxn *txn)
{
    unsigned ssidsize = FIELD_EX32(e->regs.idr[1], IDR1, SSIDSIZE);
    unsigned cdmax = FIELD_EX64(ste->qw[0], STE_0, S1CDMAX);
    unsigned config = FIELD_EX64(ste->qw[0], STE_0, CONFIG);

    if (!txn->ssv) {
        return true;
    }
    return ssidsize != 0 && (config & 1) && cdmax != 0 &&
           txn->ssid < (1u << MIN(cdmax, ssidsize));
}

/* ---- Entry point ---------------------------------------------------- */

static SMMUv3AuxResult txn_fault(SMMUv3AuxEngine *e, SMMUv3AuxEvent *ev)
{
    /* Invalid StreamIDs are only recorded when CR2.RECINVSID says so. */
    if (ev->id == SMMUV3_AUX_EVT_C_BAD_STREAMID &&
        !FIELD_EX32(e->regs.cr2, CR2, RECINVSID)) {
        trace_smmuv3_aux_bad_streamid_unrecorded(ev->sid);
        return SMMUV3_AUX_TXN_ABORT;
    }
    smmuv3_aux_evtq_record(e, ev);
    return SMMUV3_AUX_TXN_ABORT;
}

static SMMUv3AuxResult txn_disabled(SMMUv3AuxEngine *e,
                                    const SMMUv3AuxTxn *txn,
                                    SMMUv3AuxTxnOut *out)
{
    /* SMMUEN = 0: GBPA decides, and no event is ever recorded. */
    if (FIELD_EX32(e->regs.gbpa, GBPA, ABORT)) {
        trace_smmuv3_aux_translate_gbpa(txn->sid, txn->iova, true);
        return SMMUV3_AUX_TXN_ABORT;
    }
    trace_smmuv3_aux_translate_gbpa(txn->sid, txn->iova, false);
    return txn_bypass(txn, out);
}

SMMUv3AuxResult smmuv3_aux_translate(SMMUv3AuxEngine *e,
                                     const SMMUv3AuxTxn *txn,
                                     SMMUv3AuxTxnOut *out)
{
    SMMUv3AuxSTE ste;
    SMMUv3AuxEvent ev;
    const char *why;
    unsigned config;

    memset(out, 0, sizeof(*out));
    if (!smmuv3_aux_smmuen(e)) {
        return txn_disabled(e, txn, out);
    }
    event_init(&ev, 0, txn);
    if (!smmuv3_aux_ste_fetch(e, txn->sid, &ste, &ev)) {
        return txn_fault(e, &ev);
    }
    why = smmuv3_aux_ste_check(e, &ste);
    if (why) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ste, "sid=0x%x %s", txn->sid,
                             why);
        ev.id = SMMUV3_AUX_EVT_C_BAD_STE;
        return txn_fault(e, &ev);
    }
    config = FIELD_EX64(ste.qw[0], STE_0, CONFIG);
    if (config == SMMUV3_AUX_STE_CONFIG_ABORT) {
        /* An abort STE terminates silently, by design. */
        trace_smmuv3_aux_translate_ste_abort(txn->sid, txn->iova);
        return SMMUV3_AUX_TXN_ABORT;
    }
    if (!ssid_ok(e, &ste, txn)) {
        SMMUV3_AUX_GUEST_ERR(smmuv3_aux_err_bad_ssid, "sid=0x%x ssid=0x%x",
                             txn->sid, txn->ssid);
        ev.id = SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID;
        return txn_fault(e, &ev);
    }
    if (config == SMMUV3_AUX_STE_CONFIG_BYPASS) {
        trace_smmuv3_aux_translate_bypass(txn->sid, txn->iova);
        return txn_bypass(txn, out);
    }
    /*
     * Stage 1, stage 2 and nested translation come with the page table
     * walker in the next milestone.  Until then such a transaction is
     * terminated without inventing an event the architecture would not
     * record for a valid configuration.
     */
    SMMUV3_AUX_UNIMP("sid 0x%x: STE Config %u translation not implemented",
                     txn->sid, config);
    trace_smmuv3_aux_translate_unimp(txn->sid, config);
    return SMMUV3_AUX_TXN_ABORT;
}
