/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux-testdev: a PCIe endpoint that issues DMA on request, for
 * qtests, guest tests and benchmarks of the SMMU.
 *
 * BAR0 holds the registers of include/hw/arm/smmuv3-aux-testdev.h, run by
 * the DMA engine the test masters share (testdev-core.c); DMA goes through
 * the device's bus-master address space.  This file is the PCI side: the
 * PCIe (with Function Level Reset), MSI, MSI-X (its table and PBA in
 * BAR0, after the registers) and PASID capabilities, End-End TLP prefixes
 * in DEVCAP2 (which
 * Linux requires before it enables PASID), and with the "ats" and "pri"
 * properties an ATS capability with an ATC and a PRI capability
 * (testdev-ats.c), used by commands with TD_CTRL.ATS and by CMD PRI.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "hw/arm/smmuv3-aux-testdev.h"
#include "testdev-ats.h"
#include "testdev-core.h"

OBJECT_DECLARE_SIMPLE_TYPE(SMMUv3AuxTestdev, SMMUV3_AUX_TESTDEV)

#define TD_PCIE_CAP         0x80
#define TD_MSIX_CAP         0x40
#define TD_MSI_CAP          0x50
#define TD_EXT_CAP          0x100   /* PASID, then ATS */

struct SMMUv3AuxTestdev {
    PCIDevice parent_obj;

    MemoryRegion bar;           /* BAR0: regs, MSI-X table and PBA */
    MemoryRegion regs;
    uint8_t pasid_width;
    bool ats_on;                /* property "ats" */
    bool pri_on;                /* property "pri" */
    TDAts ats;

    TDCore core;
};


/* ---- The TDCore's PCI side ---------------------------------------------- */

static SMMUv3AuxTestdev *td_pci(TDCore *c)
{
    return container_of(c, SMMUv3AuxTestdev, core);
}

static bool td_pci_ats_dma(TDCore *c, uint32_t pasid, uint64_t iova,
                           void *buf, uint32_t len, bool is_write,
                           bool ram_only)
{
    return td_ats_dma(&td_pci(c)->ats,
                      pasid == TD_NO_PASID ? PCI_NO_PASID : pasid,
                      iova, buf, len, is_write, ram_only);
}

/* CMD PRI: the Page Request of TD_PRI_RESPS's comment. */
static bool td_pci_pri(TDCore *c, const TDJob *j)
{
    return td_pri_request(&td_pci(c)->ats,
                          FIELD_EX32(j->pasid, TD_PASID, SSV) ?
                          FIELD_EX32(j->pasid, TD_PASID, SSID) : PCI_NO_PASID,
                          j->src, j->pattern & 0x1ff, j->pattern & (1u << 16),
                          !(j->pattern & (1u << 17)));
}

/* MSI-X or MSI when enabled, else INTx (which a STATUS write deasserts). */
static void td_pci_irq(TDCore *c, bool raise)
{
    PCIDevice *pdev = PCI_DEVICE(td_pci(c));

    if (!raise) {
        pci_set_irq(pdev, 0);
    } else if (msix_enabled(pdev)) {
        msix_notify(pdev, 0);
    } else if (msi_enabled(pdev)) {
        msi_notify(pdev, 0);
    } else {
        pci_set_irq(pdev, 1);
    }
}

static uint16_t td_pci_requester_id(TDCore *c)
{
    return pci_requester_id(PCI_DEVICE(td_pci(c)));
}

/* The ATS registers: the ATC's counters and controls (testdev-ats.c). */
static bool td_pci_read_reg(TDCore *c, hwaddr reg, uint64_t *val)
{
    switch (reg) {
    case A_TD_ATS_CTRL:
    case A_TD_ATC_HITS:
    case A_TD_ATC_MISSES:
    case A_TD_ATC_INVS:
    case A_TD_ATC_HELD:
    case A_TD_PRI_RESPS:
    case A_TD_PRI_LAST:
        *val = td_ats_read(&td_pci(c)->ats, reg);
        return true;
    }
    return false;
}

static bool td_pci_write_reg(TDCore *c, hwaddr addr, uint64_t val)
{
    switch (addr) {
    case A_TD_ATS_CTRL:
        td_ats_write_ctrl(&td_pci(c)->ats, val);
        return true;
    case A_TD_ATS_RELEASE:
        td_ats_release(&td_pci(c)->ats);
        return true;
    }
    return false;
}

/*
 * Bus Master Enable off: an IOMMU holding a stalled DMA of the worker
 * ends it (smmuv3-aux-stall.c).
 */
static void td_pci_quiesce(TDCore *c)
{
    PCIDevice *pdev = PCI_DEVICE(td_pci(c));

    pci_set_word(pdev->config + PCI_COMMAND,
                 pci_get_word(pdev->config + PCI_COMMAND) &
                 ~PCI_COMMAND_MASTER);
}

static const TDCoreOps td_pci_ops_ats = {
    .ats_dma = td_pci_ats_dma,
    .irq = td_pci_irq,
    .requester_id = td_pci_requester_id,
    .read_reg = td_pci_read_reg,
    .write_reg = td_pci_write_reg,
    .quiesce = td_pci_quiesce,
};

static const TDCoreOps td_pci_ops_ats_pri = {
    .ats_dma = td_pci_ats_dma,
    .pri = td_pci_pri,
    .irq = td_pci_irq,
    .requester_id = td_pci_requester_id,
    .read_reg = td_pci_read_reg,
    .write_reg = td_pci_write_reg,
    .quiesce = td_pci_quiesce,
};

static const TDCoreOps td_pci_ops = {
    .irq = td_pci_irq,
    .requester_id = td_pci_requester_id,
    .quiesce = td_pci_quiesce,
};

/* ---- QOM ----------------------------------------------------------------- */

static void smmuv3_aux_testdev_realize(PCIDevice *pdev, Error **errp)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(pdev);
    int ret;

    if (s->pasid_width > 20) {
        error_setg(errp, "pasid-width must be at most 20");
        return;
    }
    if (s->pri_on && !s->ats_on) {
        error_setg(errp, "pri=on needs ats=on (PRI builds on ATS)");
        return;
    }
    pci_config_set_interrupt_pin(pdev->config, 1);
    /*
     * The registers span BAR0 up to the MSI-X table, so that no access
     * below it is a decode error (past the first page they read as 0).
     */
    memory_region_init(&s->bar, OBJECT(s), "smmuv3-aux-testdev-bar0",
                       SMMUV3_AUX_TESTDEV_BAR0_SIZE);
    memory_region_init_io(&s->regs, OBJECT(s), &td_core_mmio_ops, &s->core,
                          "smmuv3-aux-testdev-regs",
                          SMMUV3_AUX_TESTDEV_MSIX_TABLE);
    memory_region_add_subregion(&s->bar, 0, &s->regs);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar);

    ret = pcie_endpoint_cap_init(pdev, TD_PCIE_CAP);
    if (ret < 0) {
        error_setg(errp, "smmuv3-aux-testdev: cannot add the PCIe capability");
        return;
    }
    /* Linux enables PASID only with End-End TLP prefix support. */
    pci_long_test_and_set_mask(pdev->config + pdev->exp.exp_cap +
                               PCI_EXP_DEVCAP2, PCI_EXP_DEVCAP2_EE_PREFIX);
    /* Function Level Reset: VFIO_DEVICE_RESET and Linux's reset methods. */
    pcie_cap_flr_init(pdev);
    if (msi_init(pdev, TD_MSI_CAP, 1, true, false, errp) < 0) {
        return;
    }
    if (msix_init(pdev, 1, &s->bar, 0, SMMUV3_AUX_TESTDEV_MSIX_TABLE,
                  &s->bar, 0, SMMUV3_AUX_TESTDEV_MSIX_PBA, TD_MSIX_CAP,
                  errp) < 0) {
        return;
    }
    msix_vector_use(pdev, 0);
    /* PASID: width, EXEC and PRIV supported; the enables are the guest's. */
    if (s->pasid_width) {
        pcie_pasid_init(pdev, TD_EXT_CAP, s->pasid_width, true, true);
    }
    if (s->ats_on) {
        uint16_t off = TD_EXT_CAP +
                       (s->pasid_width ? PCI_EXT_CAP_PASID_SIZEOF : 0);

        td_ats_init(&s->ats, pdev, off);
        if (s->pri_on) {
            td_pri_init(&s->ats, off + PCI_EXT_CAP_ATS_SIZEOF);
        }
    }
    td_core_realize(&s->core, DEVICE(s),
                    !s->ats_on ? &td_pci_ops :
                    s->pri_on ? &td_pci_ops_ats_pri : &td_pci_ops_ats,
                    pci_get_address_space(pdev));
    td_core_set_smmu_master(&s->core, smmuv3_aux_master_of(
                                pci_device_iommu_address_space(pdev)));
}

static void smmuv3_aux_testdev_write_config(PCIDevice *pdev, uint32_t addr,
                                            uint32_t val, int len)
{
    pci_default_write_config(pdev, addr, val, len);
    pcie_cap_flr_write_config(pdev, addr, val, len);
}

static void smmuv3_aux_testdev_exit(PCIDevice *pdev)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(pdev);

    td_core_unrealize(&s->core);
    if (s->ats_on) {
        td_ats_exit(&s->ats);
    }
    msix_uninit(pdev, &s->bar, &s->bar);
    msi_uninit(pdev);
    pcie_cap_exit(pdev);
}

static void smmuv3_aux_testdev_reset(DeviceState *dev)
{
    SMMUv3AuxTestdev *s = SMMUV3_AUX_TESTDEV(dev);

    td_core_reset(&s->core);
    if (s->ats_on) {
        td_ats_reset(&s->ats);
    }
}

static const Property smmuv3_aux_testdev_properties[] = {
    DEFINE_PROP_UINT8("pasid-width", SMMUv3AuxTestdev, pasid_width, 20),
    DEFINE_PROP_BOOL("ats", SMMUv3AuxTestdev, ats_on, true),
    DEFINE_PROP_BOOL("pri", SMMUv3AuxTestdev, pri_on, true),
};

static bool smmuv3_aux_testdev_ats_needed(void *opaque)
{
    SMMUv3AuxTestdev *s = opaque;

    return s->ats_on;
}

static const VMStateDescription smmuv3_aux_testdev_vmstate_ats = {
    .name = TYPE_SMMUV3_AUX_TESTDEV "/ats",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_aux_testdev_ats_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(ats, SMMUv3AuxTestdev, 1, vmstate_td_ats, TDAts),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * The registers (the core's) and PCI state (config space, MSI, the MSI-X
 * table); with ATS, its state as a subsection.  Version 2: MSI-X.
 */
static const VMStateDescription smmuv3_aux_testdev_vmstate = {
    .name = TYPE_SMMUV3_AUX_TESTDEV,
    .version_id = 2,
    .minimum_version_id = 2,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SMMUv3AuxTestdev),
        VMSTATE_MSIX(parent_obj, SMMUv3AuxTestdev),
        VMSTATE_TD_CORE(core, SMMUv3AuxTestdev),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &smmuv3_aux_testdev_vmstate_ats,
        NULL
    },
};

static void smmuv3_aux_testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    pc->realize = smmuv3_aux_testdev_realize;
    pc->config_write = smmuv3_aux_testdev_write_config;
    pc->exit = smmuv3_aux_testdev_exit;
    pc->vendor_id = SMMUV3_AUX_TESTDEV_VENDOR_ID;
    pc->device_id = SMMUV3_AUX_TESTDEV_DEVICE_ID;
    pc->class_id = PCI_CLASS_OTHERS;
    dc->desc = "DMA test device for smmuv3-aux";
    dc->vmsd = &smmuv3_aux_testdev_vmstate;
    device_class_set_legacy_reset(dc, smmuv3_aux_testdev_reset);
    device_class_set_props(dc, smmuv3_aux_testdev_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo smmuv3_aux_testdev_info = {
    .name = TYPE_SMMUV3_AUX_TESTDEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SMMUv3AuxTestdev),
    .class_init = smmuv3_aux_testdev_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void smmuv3_aux_testdev_register(void)
{
    type_register_static(&smmuv3_aux_testdev_info);
}

type_init(smmuv3_aux_testdev_register)
