/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux engine: introspection (inspect.h).
 *
 * The configuration of a stream is decoded by the very code translation
 * uses (smmuv3_aux_cfg_decode(), the walker), so what this reports is what
 * a transaction would get, fault for fault; only memory is seen through a
 * read-only view.  Field names and encodings are those of IHI 0070 (5.2
 * STE, 5.4 CD, 6.3 registers) and of the Arm ARM's VMSAv8-64 descriptors.
 */
#include "qemu/osdep.h"
#include "engine-internal.h"
#include "inspect.h"

/* ---- Field tables ----------------------------------------------------- */

typedef const char *(*FieldMeaning)(uint64_t v);

typedef struct FieldDesc {
    const char *name;
    uint8_t word, shift, len;
    FieldMeaning meaning;
} FieldDesc;

#define F(w, reg, fld, name, m) \
    { name, w, R_##reg##_##fld##_SHIFT, R_##reg##_##fld##_LENGTH, m }
#define B(name, shift, len, m)  { name, 0, shift, len, m }

static const char *m_ste_config(uint64_t v)
{
    static const char *const s[8] = {
        "abort", "abort", "abort", "abort", "bypass",   /* 0b0xx: abort */
        "stage 1 translate, stage 2 bypass",
        "stage 1 bypass, stage 2 translate", "nested (stage 1 + stage 2)",
    };
    return s[v & 7];
}

static const char *m_s1fmt(uint64_t v)
{
    static const char *const s[4] = {
        "linear", "2-level, 4KB leaf tables", "2-level, 64KB leaf tables",
        "reserved",
    };
    return s[v & 3];
}

static const char *m_s1dss(uint64_t v)
{
    static const char *const s[4] = {
        "terminate", "bypass", "substream 0", "reserved",
    };
    return s[v & 3];
}

static const char *m_strw(uint64_t v)
{
    static const char *const s[4] = { "NS-EL1", "reserved", "EL2",
                                      "EL2-E2H" };
    return s[v & 3];
}

static const char *m_eats(uint64_t v)
{
    static const char *const s[4] = { "ATS disabled", "full ATS",
                                      "split-stage ATS", "reserved" };
    return s[v & 3];
}

static const char *m_tg0(uint64_t v)
{
    static const char *const s[4] = { "4KB", "64KB", "16KB", "reserved" };
    return s[v & 3];
}

static const char *m_tg1(uint64_t v)
{
    static const char *const s[4] = { "reserved", "16KB", "4KB", "64KB" };
    return s[v & 3];
}

static const char *m_ps(uint64_t v)
{
    static const char *const s[8] = {
        "32 bits", "36 bits", "40 bits", "42 bits", "44 bits", "48 bits",
        "52 bits", "reserved (52 bits)",
    };
    return s[v & 7];
}

static const char *m_strtab_fmt(uint64_t v)
{
    static const char *const s[4] = {
        [SMMUV3_AUX_STRTAB_FMT_LINEAR] = "linear",
        [SMMUV3_AUX_STRTAB_FMT_2LVL] = "2-level",
        [2] = "reserved", [3] = "reserved",
    };
    return s[v & 3];
}

static const char *m_s1_ap(uint64_t v)
{
    static const char *const s[4] = {
        "read/write, privileged", "read/write", "read-only, privileged",
        "read-only",
    };
    return s[v & 3];
}

static const char *m_s2ap(uint64_t v)
{
    static const char *const s[4] = { "no access", "read", "write",
                                      "read/write" };
    return s[v & 3];
}

static const FieldDesc ste_fields[] = {
    F(0, STE_0, V, "V", NULL),
    F(0, STE_0, CONFIG, "Config", m_ste_config),
    F(0, STE_0, S1FMT, "S1Fmt", m_s1fmt),
    F(0, STE_0, S1CONTEXTPTR, "S1ContextPtr", NULL),
    F(0, STE_0, S1CDMAX, "S1CDMax", NULL),
    F(1, STE_1, S1DSS, "S1DSS", m_s1dss),
    F(1, STE_1, S1CIR, "S1CIR", NULL),
    F(1, STE_1, S1COR, "S1COR", NULL),
    F(1, STE_1, S1CSH, "S1CSH", NULL),
    F(1, STE_1, DCP, "DCP", NULL),
    F(1, STE_1, PPAR, "PPAR", NULL),
    F(1, STE_1, MEV, "MEV", NULL),
    F(1, STE_1, S2FWB, "S2FWB", NULL),
    F(1, STE_1, S1STALLD, "S1STALLD", NULL),
    F(1, STE_1, EATS, "EATS", m_eats),
    F(1, STE_1, STRW, "STRW", m_strw),
    F(1, STE_1, MEMATTR, "MemAttr", NULL),
    F(1, STE_1, MTCFG, "MTCFG", NULL),
    F(1, STE_1, SHCFG, "SHCFG", NULL),
    F(1, STE_1, NSCFG, "NSCFG", NULL),
    F(1, STE_1, PRIVCFG, "PRIVCFG", NULL),
    F(1, STE_1, INSTCFG, "INSTCFG", NULL),
    F(2, STE_2, S2VMID, "S2VMID", NULL),
    F(2, STE_2, S2T0SZ, "S2T0SZ", NULL),
    F(2, STE_2, S2SL0, "S2SL0", NULL),
    F(2, STE_2, S2TG, "S2TG", m_tg0),
    F(2, STE_2, S2PS, "S2PS", m_ps),
    F(2, STE_2, S2AA64, "S2AA64", NULL),
    F(2, STE_2, S2AFFD, "S2AFFD", NULL),
    F(2, STE_2, S2PTW, "S2PTW", NULL),
    F(2, STE_2, S2HD, "S2HD", NULL),
    F(2, STE_2, S2HA, "S2HA", NULL),
    F(2, STE_2, S2S, "S2S", NULL),
    F(2, STE_2, S2R, "S2R", NULL),
    F(2, STE_2, S2HAFT, "S2HAFT", NULL),
    F(3, STE_3, S2TTB, "S2TTB", NULL),
};

static const FieldDesc cd_fields[] = {
    F(0, CD_0, T0SZ, "T0SZ", NULL),
    F(0, CD_0, TG0, "TG0", m_tg0),
    F(0, CD_0, EPD0, "EPD0", NULL),
    F(0, CD_0, T1SZ, "T1SZ", NULL),
    F(0, CD_0, TG1, "TG1", m_tg1),
    F(0, CD_0, EPD1, "EPD1", NULL),
    F(0, CD_0, V, "V", NULL),
    F(0, CD_0, IPS, "IPS", m_ps),
    F(0, CD_0, AFFD, "AFFD", NULL),
    F(0, CD_0, WXN, "WXN", NULL),
    F(0, CD_0, UWXN, "UWXN", NULL),
    F(0, CD_0, TBI0, "TBI0", NULL),
    F(0, CD_0, TBI1, "TBI1", NULL),
    F(0, CD_0, PAN, "PAN", NULL),
    F(0, CD_0, AA64, "AA64", NULL),
    F(0, CD_0, HD, "HD", NULL),
    F(0, CD_0, HA, "HA", NULL),
    F(0, CD_0, S, "S", NULL),
    F(0, CD_0, R, "R", NULL),
    F(0, CD_0, A, "A", NULL),
    F(0, CD_0, ASET, "ASET", NULL),
    F(0, CD_0, ASID, "ASID", NULL),
    F(1, CD_1, HAD0, "HAD0", NULL),
    F(1, CD_1, HAFT, "HAFT", NULL),
    F(1, CD_1, TTB0, "TTB0", NULL),
    F(2, CD_2, HAD1, "HAD1", NULL),
    F(2, CD_2, TTB1, "TTB1", NULL),
    F(2, CD_2, DS, "DS", NULL),
    F(3, CD_3, MAIR0, "MAIR0", NULL),
    F(3, CD_3, MAIR1, "MAIR1", NULL),
    F(5, CD_5, PARTID, "PARTID", NULL),
    F(5, CD_5, PMG, "PMG", NULL),
};

static const FieldDesc cr0_fields[] = {
    F(0, CR0, SMMUEN, "SMMUEN", NULL),
    F(0, CR0, PRIQEN, "PRIQEN", NULL),
    F(0, CR0, EVENTQEN, "EVENTQEN", NULL),
    F(0, CR0, CMDQEN, "CMDQEN", NULL),
    F(0, CR0, ATSCHK, "ATSCHK", NULL),
    F(0, CR0, VMW, "VMW", NULL),
};

static const FieldDesc cr1_fields[] = {
    F(0, CR1, QUEUE_IC, "QUEUE_IC", NULL),
    F(0, CR1, QUEUE_OC, "QUEUE_OC", NULL),
    F(0, CR1, QUEUE_SH, "QUEUE_SH", NULL),
    F(0, CR1, TABLE_IC, "TABLE_IC", NULL),
    F(0, CR1, TABLE_OC, "TABLE_OC", NULL),
    F(0, CR1, TABLE_SH, "TABLE_SH", NULL),
};

static const FieldDesc cr2_fields[] = {
    F(0, CR2, E2H, "E2H", NULL),
    F(0, CR2, RECINVSID, "RECINVSID", NULL),
    F(0, CR2, PTM, "PTM", NULL),
};

static const FieldDesc gbpa_fields[] = {
    F(0, GBPA, MEMATTR, "MemAttr", NULL),
    F(0, GBPA, MTCFG, "MTCFG", NULL),
    F(0, GBPA, ALLOCCFG, "ALLOCCFG", NULL),
    F(0, GBPA, SHCFG, "SHCFG", NULL),
    F(0, GBPA, PRIVCFG, "PRIVCFG", NULL),
    F(0, GBPA, INSTCFG, "INSTCFG", NULL),
    F(0, GBPA, ABORT, "ABORT", NULL),
    F(0, GBPA, UPDATE, "Update", NULL),
};

static const FieldDesc irq_ctrl_fields[] = {
    F(0, IRQ_CTRL, GERROR_IRQEN, "GERROR_IRQEN", NULL),
    F(0, IRQ_CTRL, PRIQ_IRQEN, "PRIQ_IRQEN", NULL),
    F(0, IRQ_CTRL, EVENTQ_IRQEN, "EVENTQ_IRQEN", NULL),
};

static const FieldDesc gerror_fields[] = {
    F(0, GERROR, CMDQ_ERR, "CMDQ_ERR", NULL),
    F(0, GERROR, EVENTQ_ABT_ERR, "EVENTQ_ABT_ERR", NULL),
    F(0, GERROR, PRIQ_ABT_ERR, "PRIQ_ABT_ERR", NULL),
    F(0, GERROR, MSI_CMDQ_ABT_ERR, "MSI_CMDQ_ABT_ERR", NULL),
    F(0, GERROR, MSI_EVENTQ_ABT_ERR, "MSI_EVENTQ_ABT_ERR", NULL),
    F(0, GERROR, MSI_PRIQ_ABT_ERR, "MSI_PRIQ_ABT_ERR", NULL),
    F(0, GERROR, MSI_GERROR_ABT_ERR, "MSI_GERROR_ABT_ERR", NULL),
    F(0, GERROR, SFM_ERR, "SFM_ERR", NULL),
    F(0, GERROR, CMDQP_ERR, "CMDQP_ERR", NULL),
    F(0, GERROR, DPT_ERR, "DPT_ERR", NULL),
};

static const FieldDesc strtab_base_cfg_fields[] = {
    F(0, STRTAB_BASE_CFG, LOG2SIZE, "LOG2SIZE", NULL),
    F(0, STRTAB_BASE_CFG, SPLIT, "SPLIT", NULL),
    F(0, STRTAB_BASE_CFG, FMT, "FMT", m_strtab_fmt),
};

/* VMSAv8-64 (Arm ARM D8.3); the output address is reported separately. */
static const FieldDesc s1_table_fields[] = {
    B("AF", 10, 1, NULL),           /* with HAFT */
    B("PXNTable", 59, 1, NULL),
    B("UXNTable", 60, 1, NULL),
    B("APTable", 61, 2, NULL),
    B("NSTable", 63, 1, NULL),
};

static const FieldDesc s1_leaf_fields[] = {
    B("AttrIndx", 2, 3, NULL),
    B("NS", 5, 1, NULL),
    B("AP", 6, 2, m_s1_ap),
    B("SH", 8, 2, NULL),
    B("AF", 10, 1, NULL),
    B("nG", 11, 1, NULL),
    B("DBM", 51, 1, NULL),
    B("Contiguous", 52, 1, NULL),
    B("PXN", 53, 1, NULL),
    B("UXN", 54, 1, NULL),
};

static const FieldDesc s2_leaf_fields[] = {
    B("MemAttr", 2, 4, NULL),
    B("S2AP", 6, 2, m_s2ap),
    B("SH", 8, 2, NULL),
    B("AF", 10, 1, NULL),
    B("DBM", 51, 1, NULL),
    B("Contiguous", 52, 1, NULL),
    B("XN", 53, 2, NULL),
};

#undef F
#undef B

unsigned smmuv3_aux_fields(SMMUv3AuxLayout layout, const uint64_t *words,
                           SMMUv3AuxField out[SMMUV3_AUX_MAX_FIELDS])
{
    static const struct {
        const FieldDesc *f;
        unsigned n;
    } tables[] = {
#define T(layout, t) [SMMUV3_AUX_LAYOUT_##layout] = { t, ARRAY_SIZE(t) }
        T(STE, ste_fields), T(CD, cd_fields), T(CR0, cr0_fields),
        T(CR1, cr1_fields), T(CR2, cr2_fields), T(GBPA, gbpa_fields),
        T(IRQ_CTRL, irq_ctrl_fields), T(GERROR, gerror_fields),
        T(STRTAB_BASE_CFG, strtab_base_cfg_fields),
        T(S1_TABLE, s1_table_fields), T(S1_LEAF, s1_leaf_fields),
        T(S2_LEAF, s2_leaf_fields),
#undef T
    };
    unsigned n;

    if (layout >= ARRAY_SIZE(tables)) {
        return 0;
    }
    n = MIN(tables[layout].n, SMMUV3_AUX_MAX_FIELDS);
    for (unsigned i = 0; i < n; i++) {
        const FieldDesc *d = &tables[layout].f[i];
        uint64_t v = extract64(words[d->word], d->shift, d->len);

        out[i] = (SMMUv3AuxField) {
            .name = d->name, .value = v,
            .meaning = d->meaning ? d->meaning(v) : NULL,
        };
    }
    return n;
}

const char *smmuv3_aux_event_name(unsigned id)
{
    return smmuv3_aux_evt_name(id) ?: "reserved";
}

const char *smmuv3_aux_command_name(unsigned opcode)
{
    return smmuv3_aux_cmd_name(opcode);
}

const char *smmuv3_aux_fetch_name(unsigned fetch)
{
    static const char *const s[] = {
        [SMMUV3_AUX_FETCH_STE] = "STE",
        [SMMUV3_AUX_FETCH_L1STD] = "L1STD",
        [SMMUV3_AUX_FETCH_CD] = "CD",
        [SMMUV3_AUX_FETCH_L1CD] = "L1CD",
    };

    return fetch < ARRAY_SIZE(s) ? s[fetch] : NULL;
}

const char *smmuv3_aux_desc_kind_name(unsigned kind)
{
    static const char *const s[] = {
        [SMMUV3_AUX_PTW_DESC_INVALID] = "invalid",
        [SMMUV3_AUX_PTW_DESC_TABLE] = "table",
        [SMMUV3_AUX_PTW_DESC_BLOCK] = "block",
        [SMMUV3_AUX_PTW_DESC_PAGE] = "page",
        [SMMUV3_AUX_PTW_DESC_RESERVED] = "reserved",
    };
    return kind < ARRAY_SIZE(s) ? s[kind] : "reserved";
}

/* ---- A read-only view of guest memory ------------------------------- */

/*
 * Reads go to the engine's ops; writes are dropped; a compare-and-swap
 * behaves as if it succeeded when the qword holds the expected value, so
 * a walk reports the Access flag or dirty state it would set.  The two
 * 64-byte reads a configuration fetch makes are the STE and then the CD.
 */
typedef struct RoMem {
    const SMMUv3AuxEngineOps *ops;
    void *opaque;
    SMMUv3AuxInspect *x;
    unsigned n_struct;
    uint64_t last_struct;       /* address of the last 64-byte read */
} RoMem;

static bool ro_read(void *opaque, uint64_t pa, void *buf, uint32_t len,
                    SMMUv3AuxMemAttrs attrs)
{
    RoMem *m = opaque;
    SMMUv3AuxInspect *x = m->x;

    if (!m->ops->dma_read(m->opaque, pa, buf, len, attrs)) {
        return false;
    }
    if (len == 8 * sizeof(uint64_t)) {
        m->last_struct = pa;
    }
    if (x && len == 8 * sizeof(uint64_t) && m->n_struct < 2) {
        uint64_t *dst = m->n_struct++ ? x->cd : x->ste;

        for (unsigned i = 0; i < 8; i++) {
            dst[i] = le64_to_cpu(((const uint64_t *)buf)[i]);
        }
        if (dst == x->ste) {
            x->ste_read = true;
            x->ste_addr = pa;
        } else {
            x->cd_read = true;
            x->cd_pa = pa;
        }
    }
    return true;
}

static bool ro_write(void *opaque, uint64_t pa, const void *buf,
                     uint32_t len, SMMUv3AuxMemAttrs attrs)
{
    return true;
}

static bool ro_cmpxchg64(void *opaque, uint64_t pa, uint64_t *expected_le,
                         uint64_t new_le, SMMUv3AuxMemAttrs attrs)
{
    RoMem *m = opaque;
    uint64_t cur;

    if ((pa & 7) || !m->ops->dma_read(m->opaque, pa, &cur, 8, attrs)) {
        return false;
    }
    *expected_le = cur;
    return true;
}

static const SMMUv3AuxEngineOps ro_ops = {
    .dma_read = ro_read,
    .dma_write = ro_write,
    .dma_cmpxchg64 = ro_cmpxchg64,
};

/*
 * Run engine code (the configuration decode) on the read-only view.  The
 * counters it moves are put back: asking is not a fetch the guest caused.
 */
typedef struct RoView {
    const SMMUv3AuxEngineOps *ops;
    void *opaque;
    SMMUv3AuxCounters counters;
    bool log_quiet;
} RoView;

static void ro_begin(SMMUv3AuxEngine *e, RoMem *m, RoView *v)
{
    v->ops = e->ops;
    v->opaque = e->opaque;
    v->counters = e->counters;
    v->log_quiet = smmuv3_aux_log_quiet;
    e->ops = &ro_ops;
    e->opaque = m;
    smmuv3_aux_log_quiet = true;
}

static void ro_end(SMMUv3AuxEngine *e, RoView *v)
{
    e->ops = v->ops;
    e->opaque = v->opaque;
    e->counters = v->counters;
    smmuv3_aux_log_quiet = v->log_quiet;
}

/* ---- Streams -------------------------------------------------------- */

static const char *cfg_kind_name(SMMUv3AuxCfgKind kind)
{
    static const char *const s[] = {
        [SMMUV3_AUX_CFG_ABORT] = "abort",
        [SMMUV3_AUX_CFG_BYPASS] = "bypass",
        [SMMUV3_AUX_CFG_S1] = "stage 1",
        [SMMUV3_AUX_CFG_S2] = "stage 2",
        [SMMUV3_AUX_CFG_NESTED] = "nested",
    };
    return s[kind];
}

static const char *regime_name(SMMUv3AuxRegime r)
{
    static const char *const s[] = {
        [SMMUV3_AUX_REGIME_NS_EL1] = "NS-EL1",
        [SMMUV3_AUX_REGIME_EL2] = "EL2",
        [SMMUV3_AUX_REGIME_EL2_E2H] = "EL2-E2H",
    };
    return r < ARRAY_SIZE(s) ? s[r] : NULL;
}

/* Why a configuration that failed with C_BAD_STE / C_BAD_CD is ILLEGAL. */
static const char *cfg_why(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x,
                           SMMUv3AuxCfg *cfg)
{
    if (x->event == SMMUV3_AUX_EVT_C_BAD_STE && x->ste_read) {
        SMMUv3AuxSTE ste;

        memcpy(ste.qw, x->ste, sizeof(ste.qw));
        return smmuv3_aux_ste_check(e, &ste);
    }
    if (x->event == SMMUV3_AUX_EVT_C_BAD_CD && x->cd_read) {
        SMMUv3AuxCD cd;

        memcpy(cd.qw, x->cd, sizeof(cd.qw));
        return smmuv3_aux_cd_why(e, cfg, &cd);
    }
    return NULL;
}

static void inspect_walk(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x,
                         const SMMUv3AuxCfg *cfg, RoMem *m)
{
    SMMUv3AuxTxn txn = {
        .sid = x->sid, .ssid = x->ssid, .ssv = x->ssv, .iova = x->iova,
        .is_write = x->write, .is_exec = x->exec, .is_priv = x->priv,
    };
    SMMUv3AuxPtwAccess acc = smmuv3_aux_txn_access(cfg, &txn);
    SMMUv3AuxPtwResult res;

    x->walked = true;
    switch (cfg->kind) {
    case SMMUV3_AUX_CFG_ABORT:
        return;
    case SMMUV3_AUX_CFG_BYPASS:
        x->translated = true;
        x->oa = x->ipa = x->iova;
        x->size = 4096;
        x->perm = (SMMUv3AuxPtwPerm) { true, true, true, true, true, true };
        return;
    case SMMUV3_AUX_CFG_S2:
        x->translated = smmuv3_aux_ptw_s2_trace(&ro_ops, m, &cfg->s2,
                                                x->iova, acc, &res,
                                                &x->fault, &x->trace);
        break;
    default:
        x->translated = smmuv3_aux_ptw_s1_walk(
            &ro_ops, m, &cfg->s1, x->iova, acc, &res, &x->fault,
            cfg->kind == SMMUV3_AUX_CFG_NESTED ? &cfg->s2 : NULL, NULL,
            &x->trace);
        break;
    }
    if (x->translated) {
        x->oa = res.oa;
        x->ipa = res.ipa;
        x->size = res.addr_mask + 1;
        x->perm = res.perm;
    }
}

/*
 * Decode x's configuration into *cfg through the read-only view m, as a
 * transaction would; fill x's STE/CD/configuration part.  False if there
 * is no configuration to translate with (SMMUEN = 0, or an event).
 */
static bool inspect_config(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x,
                           SMMUv3AuxCfg *cfg, RoMem *m)
{
    uint8_t cached[SMMUV3_AUX_CFGC_VALUE_SIZE];
    SMMUv3AuxTxn txn = { .sid = x->sid, .ssid = x->ssid, .ssv = x->ssv };
    g_autofree RoView *v = g_new(RoView, 1);
    SMMUv3AuxEvent ev;
    bool ok;

    x->smmuen = smmuv3_aux_smmuen(e);
    if (!x->smmuen) {
        x->config = "SMMUEN = 0 (GBPA)";
        return false;
    }
    smmuv3_aux_event_init(&ev, 0, &txn);
    ro_begin(e, m, v);
    ok = smmuv3_aux_cfg_decode(e, x->sid, x->ssid, x->ssv, cfg, &ev);
    ro_end(e, v);
    m->x = NULL;            /* later reads are the walk's, in its trace */

    x->cfg_cached = smmuv3_aux_cfgc_peek(&e->cfgc, x->sid,
                                         x->ssv ? x->ssid : SMMUV3_AUX_NO_SSID,
                                         cached);
    if (!ok) {
        x->event = ev.id;
        x->fetch_addr = ev.fetch_addr;
        x->why = cfg_why(e, x, cfg);
        x->config = "invalid";
        return false;
    }
    x->config = cfg_kind_name(cfg->kind);
    x->regime = regime_name(cfg->regime);
    x->asid = cfg->asid;
    x->vmid = cfg->vmid;
    return true;
}

void smmuv3_aux_inspect_stream(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x)
{
    RoMem m = { .ops = e->ops, .opaque = e->opaque, .x = x };
    SMMUv3AuxCfg cfg;

    if (!inspect_config(e, x, &cfg, &m)) {
        return;
    }
    if (cfg.kind != SMMUV3_AUX_CFG_ABORT && cfg.kind != SMMUV3_AUX_CFG_BYPASS) {
        SMMUv3AuxTlbTag tag = smmuv3_aux_cfg_tag(&cfg);

        x->tlb_tagged = true;
        x->n_tlb = smmuv3_aux_iotlb_dump(&e->iotlb, &tag, x->tlb,
                                         ARRAY_SIZE(x->tlb));
        for (unsigned i = 0; i < MIN(x->n_tlb, ARRAY_SIZE(x->tlb)); i++) {
            x->tlb_perm[i] = smmuv3_aux_tlb_perm_unpack(x->tlb[i].perm);
        }
    }
    if (x->walk) {
        inspect_walk(e, x, &cfg, &m);
    }
}

bool smmuv3_aux_inspect_tables(SMMUv3AuxEngine *e, SMMUv3AuxInspect *x,
                               SMMUv3AuxPtwDump *s1, SMMUv3AuxPtwDump *s2)
{
    RoMem m = { .ops = e->ops, .opaque = e->opaque, .x = x };
    SMMUv3AuxCfg cfg;
    bool nested;

    if (!inspect_config(e, x, &cfg, &m)) {
        return false;
    }
    nested = cfg.kind == SMMUV3_AUX_CFG_NESTED;
    if (s1 && (cfg.kind == SMMUV3_AUX_CFG_S1 || nested)) {
        smmuv3_aux_ptw_dump_s1(&ro_ops, &m, &cfg.s1, nested ? &cfg.s2 : NULL,
                               s1);
    }
    if (s2 && (cfg.kind == SMMUV3_AUX_CFG_S2 || nested)) {
        smmuv3_aux_ptw_dump_s2(&ro_ops, &m, &cfg.s2, s2);
    }
    return true;
}

/* ---- Queues --------------------------------------------------------- */

static void queue_view(SMMUv3AuxQueueView *v, const char *name,
                       uint64_t base_reg, unsigned max_log2size,
                       unsigned entry_size, uint32_t prod, uint32_t cons,
                       bool enabled)
{
    unsigned l = smmuv3_aux_q_log2size(base_reg, max_log2size);
    uint32_t m = smmuv3_aux_q_ptr_mask(l);

    *v = (SMMUv3AuxQueueView) {
        .name = name, .log2size = l, .prod = prod, .cons = cons,
        .base = smmuv3_aux_q_base_addr(base_reg, l, entry_size),
        /* Index and wrap bit together count modulo twice the size. */
        .pending = ((prod & m) - (cons & m)) & m,
        .enabled = enabled,
    };
}

void smmuv3_aux_inspect_queues(SMMUv3AuxEngine *e,
                               SMMUv3AuxQueueView *out)
{
    const SMMUv3AuxRegs *r = &e->regs;

    queue_view(&out[0], "cmdq", r->cmdq_base, smmuv3_aux_cmdq_max_log2size(e),
               SMMUV3_AUX_CMD_SIZE, r->cmdq_prod, r->cmdq_cons,
               FIELD_EX32(r->cr0, CR0, CMDQEN));
    out[0].error = FIELD_EX32(r->cmdq_cons, CMDQ_CONS, ERR);
    queue_view(&out[1], "eventq", r->evtq_base,
               smmuv3_aux_evtq_max_log2size(e), SMMUV3_AUX_EVT_SIZE,
               r->evtq_prod, r->evtq_cons,
               FIELD_EX32(r->cr0, CR0, EVENTQEN));
    queue_view(&out[2], "priq", r->priq_base, smmuv3_aux_priq_max_log2size(e),
               SMMUV3_AUX_PRI_SIZE, r->priq_prod, r->priq_cons,
               FIELD_EX32(r->cr0, CR0, PRIQEN));
}

void smmuv3_aux_inspect_vcmdq(const SMMUv3AuxVcmdq *vq, const char *name,
                              SMMUv3AuxQueueView *out)
{
    queue_view(out, name, vq->base & (R_VCMDQ_BASE_ADDR_MASK |
                                      R_VCMDQ_BASE_LOG2SIZE_MASK),
               SMMUV3_AUX_VCMDQ_MAX_LOG2SIZE, SMMUV3_AUX_CMD_SIZE, vq->prod,
               vq->cons, FIELD_EX32(vq->config, VCMDQ_CONFIG, EN));
    out->error = FIELD_EX32(vq->cons, VCMDQ_CONS, ERR);
}

/* ---- The live stream table ------------------------------------------ */

unsigned smmuv3_aux_inspect_strtab(SMMUv3AuxEngine *e, uint64_t *next,
                                   SMMUv3AuxStreamEntry *out, unsigned max,
                                   unsigned budget)
{
    const SMMUv3AuxStrtab *st = &e->strtab;
    uint64_t end = st->log2size < 32 ? 1ULL << st->log2size : 1ULL << 32;
    RoMem m = { .ops = e->ops, .opaque = e->opaque };
    g_autofree RoView *v = g_new(RoView, 1);
    uint64_t sid = *next;
    unsigned n = 0;

    ro_begin(e, &m, v);
    for (; sid < end && n < max && budget; sid++, budget--) {
        SMMUv3AuxEvent ev = { 0 };
        SMMUv3AuxSTE ste;

        if (!smmuv3_aux_ste_fetch(e, sid, &ste, &ev)) {
            /* A missing level-2 array: skip its whole span. */
            if (st->two_level && ev.id == SMMUV3_AUX_EVT_C_BAD_STREAMID) {
                sid |= (1ULL << st->split) - 1;
            }
            continue;
        }
        if (FIELD_EX64(ste.qw[0], STE_0, V)) {
            out[n++] = (SMMUv3AuxStreamEntry) {
                .sid = sid, .ste_addr = m.last_struct, .ste0 = ste.qw[0],
            };
        }
    }
    ro_end(e, v);
    *next = sid < end ? sid : 1ULL << 32;
    return n;
}

/* ---- A StreamID's CD table ------------------------------------------ */

/*
 * The STE's view of its CD table: SubstreamID 0 with SSV = 1 reaches the
 * table when there is one (S1CDMax > 0); else the STE's single CD.
 */
static bool cdtab_base(SMMUv3AuxEngine *e, uint32_t sid, SMMUv3AuxCfg *cfg,
                       SMMUv3AuxCdTableView *t)
{
    SMMUv3AuxEvent ev = { 0 };

    if (!smmuv3_aux_ste_load(e, sid, 0, true, cfg, &ev) || !cfg->s1cdmax) {
        ev = (SMMUv3AuxEvent) { 0 };
        if (!smmuv3_aux_ste_load(e, sid, 0, false, cfg, &ev)) {
            t->config = "invalid";
            t->event = ev.id;
            return false;
        }
    }
    t->config = cfg_kind_name(cfg->kind);
    t->has_cds = cfg->kind == SMMUV3_AUX_CFG_S1 ||
                 cfg->kind == SMMUV3_AUX_CFG_NESTED;
    t->s1cdmax = cfg->s1cdmax;
    t->s1fmt = cfg->s1fmt;
    t->base = cfg->cd_addr;
    return t->has_cds;
}

unsigned smmuv3_aux_inspect_cdtab(SMMUv3AuxEngine *e, uint32_t sid,
                                  SMMUv3AuxCdTableView *t, uint64_t *next,
                                  SMMUv3AuxCdEntry *out, unsigned max,
                                  unsigned budget)
{
    RoMem m = { .ops = e->ops, .opaque = e->opaque };
    g_autofree RoView *v = g_new(RoView, 1);
    g_autofree SMMUv3AuxCfg *base = g_new0(SMMUv3AuxCfg, 1);
    g_autofree SMMUv3AuxCfg *cfg = g_new(SMMUv3AuxCfg, 1);
    uint64_t ssid = *next, end;
    unsigned n = 0, leaf;

    *t = (SMMUv3AuxCdTableView) { 0 };
    *next = 1ULL << 32;
    ro_begin(e, &m, v);
    if (!cdtab_base(e, sid, base, t)) {
        ro_end(e, v);
        return 0;
    }
    end = 1ULL << base->s1cdmax;
    leaf = smmuv3_aux_cd_leaf_bits(base);
    for (; ssid < end && n < max && budget; ssid++, budget--) {
        SMMUv3AuxEvent ev = { 0 };
        SMMUv3AuxCD cd;
        uint64_t pa;

        *cfg = *base;
        cfg->ssid = cfg->cd_index = ssid;
        if (!smmuv3_aux_cd_fetch(e, cfg, &cd, &pa, &ev)) {
            if (leaf && ev.id == SMMUV3_AUX_EVT_C_BAD_SUBSTREAMID) {
                ssid |= (1ULL << leaf) - 1;
            }
            continue;
        }
        if (FIELD_EX64(cd.qw[0], CD_0, V)) {
            out[n++] = (SMMUv3AuxCdEntry) {
                .ssid = ssid, .cd_addr = pa, .cd0 = cd.qw[0],
                .why = smmuv3_aux_cd_why(e, cfg, &cd),
            };
        }
    }
    ro_end(e, v);
    *next = ssid < end ? ssid : 1ULL << 32;
    return n;
}
