/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smmuv3-aux-platdev: a platform (non-PCI) DMA master behind the SMMU.
 *
 * Linux handles stalled faults and I/O page faults on SMMUv3 only for
 * platform devices: a master described in the DT with "iommus = <&smmu
 * SID>", "pasid-num-bits" and "dma-can-stall" (it denies every PCI page
 * request).  This device is that master: the registers and DMA engine of
 * the PCI test device (testdev-core.c) on the virt board's platform bus,
 * -device smmuv3-aux-platdev,stream-id=N, with a 4 KiB register page and
 * one level interrupt; hw/core/sysbus-fdt.c writes its DT node.
 *
 * It attaches to the SMMU with smmuv3_aux_attach_master(), the generic
 * interface for any sysbus device, and DMAs through the address space it
 * gets, with TD_PASID's SubstreamID in MemTxAttrs.  An ASYNC command runs
 * in the device's thread, so its DMA can stall in the SMMU until the
 * guest resolves the fault; a device reset aborts the stalled DMA.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/irq.h"
#include "hw/qdev-properties.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"
#include "hw/arm/smmuv3-aux.h"
#include "hw/arm/smmuv3-aux-testdev.h"
#include "testdev-core.h"

OBJECT_DECLARE_SIMPLE_TYPE(SMMUv3AuxPlatdev, SMMUV3_AUX_PLATDEV)

#define PLATDEV_NO_SID      UINT32_MAX

struct SMMUv3AuxPlatdev {
    SysBusDevice parent_obj;

    /* Properties; the DT node says the same (sysbus-fdt.c). */
    SMMUv3AuxState *smmu;       /* "iommu": default the only SMMU */
    uint32_t sid;               /* "stream-id" */
    uint8_t pasid_bits;         /* "pasid-num-bits" */
    bool can_stall;             /* "dma-can-stall" */

    MemoryRegion regs;
    qemu_irq irq;
    SMMUv3AuxDevice *sdev;
    TDCore core;
};

static SMMUv3AuxPlatdev *td_plat(TDCore *c)
{
    return container_of(c, SMMUv3AuxPlatdev, core);
}

static void td_plat_irq(TDCore *c, bool raise)
{
    qemu_set_irq(td_plat(c)->irq, raise);
}

/* Not a PCI requester: the low bits of the StreamID, for traces. */
static uint16_t td_plat_requester_id(TDCore *c)
{
    return td_plat(c)->sid;
}

static void td_plat_quiesce(TDCore *c)
{
    smmuv3_aux_master_abort_stalls(td_plat(c)->sdev);
}

static const TDCoreOps td_plat_ops = {
    .irq = td_plat_irq,
    .requester_id = td_plat_requester_id,
    .quiesce = td_plat_quiesce,
};

static void smmuv3_aux_platdev_realize(DeviceState *dev, Error **errp)
{
    SMMUv3AuxPlatdev *s = SMMUV3_AUX_PLATDEV(dev);
    g_autofree char *smmu_path = NULL;
    bool ambiguous = false;

    if (s->sid == PLATDEV_NO_SID) {
        error_setg(errp, "stream-id is required: a StreamID no PCI function "
                   "uses, e.g. 0x10000 with the SMMU's sid-size=17");
        return;
    }
    if (s->pasid_bits > 20) {
        error_setg(errp, "pasid-num-bits must be at most 20");
        return;
    }
    if (!s->smmu) {
        s->smmu = ARM_SMMUV3_AUX(object_resolve_path_type(
                                     "", TYPE_ARM_SMMUV3_AUX, &ambiguous));
        if (!s->smmu) {
            error_setg(errp, ambiguous ? "several SMMUs: say which with "
                                         "iommu=<QOM path>"
                                       : "no " TYPE_ARM_SMMUV3_AUX " to "
                                         "master DMA through (-machine "
                                         "virt,iommu=smmuv3-aux)");
            return;
        }
    }
    /* Its DT node names the SMMU's: the board writes the -device ones' later. */
    smmu_path = object_get_canonical_path(OBJECT(s->smmu));
    if (g_str_has_prefix(smmu_path, "/machine/peripheral")) {
        error_setg(errp, "iommu: a platform master can only be behind the "
                   "board's SMMU (-machine virt,iommu=smmuv3-aux)");
        return;
    }
    s->sdev = smmuv3_aux_attach_master(s->smmu, dev, s->sid, errp);
    if (!s->sdev) {
        return;
    }
    memory_region_init_io(&s->regs, OBJECT(s), &td_core_mmio_ops, &s->core,
                          "smmuv3-aux-platdev-regs",
                          SMMUV3_AUX_TESTDEV_REGS_SIZE);
    sysbus_init_mmio(SYS_BUS_DEVICE(s), &s->regs);
    sysbus_init_irq(SYS_BUS_DEVICE(s), &s->irq);
    td_core_realize(&s->core, dev, &td_plat_ops,
                    smmuv3_aux_master_address_space(s->sdev));
    td_core_set_smmu_master(&s->core, s->sdev);
}

/*
 * A job still running stops early (td_core_reset()); a DMA of it that is
 * stalled in the SMMU ends now, as the reset device no longer waits.
 */
static void smmuv3_aux_platdev_reset(DeviceState *dev)
{
    SMMUv3AuxPlatdev *s = SMMUV3_AUX_PLATDEV(dev);

    td_core_reset(&s->core);
    qemu_irq_lower(s->irq);
    smmuv3_aux_master_abort_stalls(s->sdev);
}

static const Property smmuv3_aux_platdev_properties[] = {
    DEFINE_PROP_LINK("iommu", SMMUv3AuxPlatdev, smmu, TYPE_ARM_SMMUV3_AUX,
                     SMMUv3AuxState *),
    DEFINE_PROP_UINT32("stream-id", SMMUv3AuxPlatdev, sid, PLATDEV_NO_SID),
    DEFINE_PROP_UINT8("pasid-num-bits", SMMUv3AuxPlatdev, pasid_bits, 20),
    DEFINE_PROP_BOOL("dma-can-stall", SMMUv3AuxPlatdev, can_stall, true),
};

static const VMStateDescription smmuv3_aux_platdev_vmstate = {
    .name = TYPE_SMMUV3_AUX_PLATDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_TD_CORE(core, SMMUv3AuxPlatdev),
        VMSTATE_END_OF_LIST()
    },
};

static void smmuv3_aux_platdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = smmuv3_aux_platdev_realize;
    dc->desc = "platform DMA test master for smmuv3-aux";
    dc->vmsd = &smmuv3_aux_platdev_vmstate;
    /* On a board's platform bus (virt: machine_class_allow_dynamic_...) */
    dc->user_creatable = true;
    device_class_set_legacy_reset(dc, smmuv3_aux_platdev_reset);
    device_class_set_props(dc, smmuv3_aux_platdev_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo smmuv3_aux_platdev_info = {
    .name = TYPE_SMMUV3_AUX_PLATDEV,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(SMMUv3AuxPlatdev),
    .class_init = smmuv3_aux_platdev_class_init,
};

static void smmuv3_aux_platdev_register(void)
{
    type_register_static(&smmuv3_aux_platdev_info);
}

type_init(smmuv3_aux_platdev_register)
