#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest tests on the project kernel (scripts/guest-kernel.sh: Debian's
# linux-source from stable-backports with tests/guest/kernel.config, the
# test module and the iommufd/VFIO and dma_map_benchmark programs), on
# -machine virt,gic-version=3,iommu=smmuv3-aux with -device
# smmuv3-aux-testdev and three virtio-blk disks, -smp 4 under MTTCG, one
# boot per configuration:
#
#   strict  default translated DMA domains, strict invalidation, arm64.nolva
#           (SVA) and -device smmuv3-aux-platdev,stream-id=0x10000:
#           probe,features,dma,dma-parallel,testdev,ats,pri,bench,iommufd,dirty,dirty,pasid,vmm,sva,
#           cmdqv,vfio-selftests,dmesg-clean (with vfio-selftests: 3 GiB of
#           guest RAM, Linux's VFIO selftests pin 1 GiB buffers, and
#           GUEST_TIMEOUT + 900 s for that boot)
#   lazy    iommu.strict=0 (DMA-FQ domains, deferred TLBI):
#           dma,dma-parallel,testdev,bench,dmesg-clean
#   cmdqv   -global arm-smmuv3-aux.cmdqv=on (Tegra241-compatible VCMDQs,
#           DT), strict: probe,cmdqv,dma,dma-parallel,testdev,vmm-cmdqv,
#           dmesg-clean; the tegra241-cmdqv driver must probe with its 4
#           VCMDQs, and after the guest powered off the host reads the
#           SMMU's QOM vcmdq-commands over QMP: exactly VCMDQs 0-3 (VINTF0's,
#           one per vCPU) and 4-5 (VINTF1's, the two hardware queues of
#           smmu-vmm --cmdqv) must have carried commands
#           (run-guest.py --expect-vcmdq 0-5)
#   cmdqv-bypass   the same with arm_smmu_v3.bypass_vcmdq=1: the driver
#           probes, but every command goes to the SMMU's queue (host:
#           vcmdq-commands all 0): cmdqv,dma,dma-parallel,testdev,dmesg-clean
#   cmdqv-disable  arm_smmu_v3.disable_cmdqv=1: the driver disables the
#           CMDQV and logs its fallback to the SMMU's queue (host: all 0):
#           cmdqv,dma,dma-parallel,testdev,dmesg-clean
#   cmdqv-acpi     cmdqv through ACPI: -machine virt,acpi=on and Debian's
#           UEFI firmware (qemu-efi-aarch64, scripts/guest-firmware.sh):
#           the DSDT's NVDA200C, 4 VCMDQs carrying commands (host check):
#           probe,cmdqv,dma,dma-parallel,dmesg-clean
#   cmdqv-migrate  cmdqv, live-migrated (tests/guest/migrate-guest.py: a
#           second QEMU over a unix socket in the middle of O_DIRECT and
#           virtio-net rounds), strict: probe,cmdqv,net,migrate,dmesg-clean;
#           on the destination some of VINTF0's VCMDQs 0-3 and no other
#           must carry the guest's commands (their QOM vcmdq-commands grow
#           there: migrate-guest.py --expect-vcmdq-dest 0-3)
#   cmdqv-snapshot cmdqv, savevm and loadvm on a qcow2 disk (migrate-guest.py
#           --mode snapshot): probe,cmdqv,snapshot,dmesg-clean
#   multi-smmu     ACPI through UEFI, a second arm-smmuv3-aux (-device) in
#           front of a pxb-pcie root bus with a test device behind it:
#           probe,multi-smmu,dmesg-clean
#
# The first run builds the kernel (about 8 minutes on 2 cores); it is cached
# afterwards (see scripts/guest-kernel.sh).  Prints "PASS/FAIL/SKIP <name>"
# lines like check-guest.sh, a timing line per run, and ends with
#   guest-project: N passed, N failed
# Exits non-zero on any failure.  SKIP lines (features the device does not
# have yet: SVA; the cmdqv scenario of "strict", whose machine has no
# CMDQV) are neither.
#
# Environment:
#   CONFIG         configurations, comma- or space-separated (default
#                  all: "strict lazy cmdqv cmdqv-bypass cmdqv-disable
#                  cmdqv-acpi")
#   SCENARIO       comma-separated scenarios for every run instead of the
#                  configuration's own list
#   QEMU           qemu-system-aarch64 (default build/qemu-build/...)
#   GUEST_TIMEOUT  seconds per boot (default 300)
#   QEMU_EXTRA     extra QEMU arguments for every run (run-guest.py)
#   APPEND_EXTRA   extra kernel command-line words for every run (e.g.
#                  smmutest.pasid_break=wrong)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
timeout=${GUEST_TIMEOUT:-300}
all_configs="strict lazy cmdqv cmdqv-bypass cmdqv-disable cmdqv-acpi cmdqv-migrate cmdqv-snapshot multi-smmu"
configs=$(echo "${CONFIG:-$all_configs}" | tr ',' ' ')
logdir=$top/build/guest-logs
mkdir -p "$logdir"

# shellcheck source=tests/guest/lib.sh
. "$top/tests/guest/lib.sh"

# firmware <config>: Debian's UEFI build for the ACPI configurations in $bios.
firmware() {
    if [ -z "${bios:-}" ]; then
        bios=$("$top/scripts/guest-firmware.sh" 2>"$logdir/firmware.log" | sed -n 's/^BIOS=//p') || true
    fi
    if [ -z "$bios" ]; then
        fail "project-$1/firmware" "cannot fetch qemu-efi-aarch64 (log: $logdir/firmware.log)"
        return 1
    fi
}

# config_vars <config>: sets scen, append, qemu (QEMU arguments besides the
# test device) and host (run-guest.py host checks), or returns 1.
config_vars() {
    qemu=""
    machine=""
    host=()
    runner=run-guest.py
    rargs=(--disks 3)
    btimeout=$timeout
    case "$1" in
    strict)
        scen=probe,features,dma,dma-parallel,testdev,ats,pri,bench,iommufd,pasid,vmm,sva,cmdqv,vfio-selftests,dmesg-clean
        # SVA: 48-bit VAs and PAs (-cpu max has 52; the SMMU's OAS is 48),
        # and the platform master at StreamID 0x10000, past every PCI RID.
        append="smmutest.expect_domain=DMA arm64.nolva"
        qemu="-global arm-smmuv3-aux.sid-size=17 -device smmuv3-aux-platdev,stream-id=0x10000"
        ;;
    lazy)
        scen=dma,dma-parallel,testdev,bench,dmesg-clean
        append="iommu.strict=0 smmutest.expect_domain=DMA-FQ"
        ;;
    cmdqv)
        scen=probe,cmdqv,dma,dma-parallel,testdev,vmm-cmdqv,dmesg-clean
        append="smmutest.expect_domain=DMA smmutest.cmdqv=vcmdq"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        host=(--expect-vcmdq 0-5)
        ;;
    cmdqv-bypass)
        scen=cmdqv,dma,dma-parallel,testdev,dmesg-clean
        append="smmutest.expect_domain=DMA arm_smmu_v3.bypass_vcmdq=1 smmutest.cmdqv=bypass"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        host=(--expect-vcmdq 0)
        ;;
    cmdqv-disable)
        scen=cmdqv,dma,dma-parallel,testdev,dmesg-clean
        append="smmutest.expect_domain=DMA arm_smmu_v3.disable_cmdqv=1 smmutest.cmdqv=disable"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        host=(--expect-vcmdq 0)
        ;;
    cmdqv-acpi)
        scen=probe,cmdqv,dma,dma-parallel,dmesg-clean
        append="smmutest.expect_domain=DMA smmutest.cmdqv=vcmdq smmutest.cmdqv_fw=ACPI"
        firmware "$1" || return 2
        qemu="-global arm-smmuv3-aux.cmdqv=on -bios $bios"
        machine="acpi=on"
        host=(--expect-vcmdq 4)
        ;;
    cmdqv-migrate)
        scen=probe,cmdqv,net,migrate,dmesg-clean
        append="iommu.strict=1 smmutest.expect_domain=DMA smmutest.cmdqv=vcmdq"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        runner=migrate-guest.py
        # one shared scratch disk (migrate-guest.py); two QEMUs in one run
        rargs=(--mode migrate --expect-vcmdq-dest 0-3)
        btimeout=$((timeout * 2))
        ;;
    cmdqv-snapshot)
        scen=probe,cmdqv,snapshot,dmesg-clean
        append="iommu.strict=1 smmutest.expect_domain=DMA smmutest.cmdqv=vcmdq"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        runner=migrate-guest.py
        rargs=(--mode snapshot)
        btimeout=$((timeout * 2))
        ;;
    multi-smmu)
        # A second SMMU in front of a pxb-pcie root bus, a test device
        # behind each; pxb-pcie needs ACPI (UEFI enumerates it, the DSDT
        # and IORT describe it).
        scen=probe,multi-smmu,dmesg-clean
        append="smmutest.expect_domain=DMA"
        firmware "$1" || return 2
        qemu="-device pxb-pcie,id=pxb1,bus_nr=0x80 -device arm-smmuv3-aux,primary-bus=pxb1"
        qemu+=" -device pcie-root-port,bus=pxb1,id=rp1,chassis=1 -device smmuv3-aux-testdev,bus=rp1"
        qemu+=" -bios $bios"
        machine="acpi=on"
        ;;
    *)
        return 1
        ;;
    esac
    if [ -n "${SCENARIO:-}" ]; then
        scen=$SCENARIO
        # 0-5 is for the whole cmdqv list: VINTF1's queues 4-5 carry
        # commands only with the VMM's part, and each CPU's own queue on
        # VINTF0 only with enough DMA (bench alone: 4 queues; the VMM part
        # without dma-parallel: which of VINTF0's are used varies, no check).
        if [ "${host[1]:-}" = 0-5 ]; then
            case ",$scen," in
            *,vmm-cmdqv,*,dma-parallel,* | *,dma-parallel,*,vmm-cmdqv,*) ;;
            *,vmm-cmdqv,*) host=() ;;
            *) host=(--expect-vcmdq 4) ;;
            esac
        fi
    fi
    # The engine's counters (query-smmuv3-aux) show that a scenario took
    # the path it claims: PASIDs past 1024 through 2-level CD tables, and
    # the unmaps' invalidations on the VCMDQs when some carried commands.
    if [ "$runner" = run-guest.py ]; then
        case ",$scen," in *,pasid,*)
            host+=(--expect-count "fetches:L1CD>0") ;;
        esac
        case "${host[*]:-}" in *"--expect-vcmdq "[1-9]* | *"--expect-vcmdq 0-"*)
            host+=(--expect-count "vcmdq-commands:CMD_TLBI_NH_VA>0"
                   --expect-count "vcmdq-commands:CMD_SYNC>0") ;;
        esac
    fi
    append="$append${APPEND_EXTRA:+ $APPEND_EXTRA}"
}

env=$logdir/project.env
# Progress lines of the build (the "KERNEL building" one included) go to
# the terminal as well as to the log.
if ! "$top/scripts/guest-kernel.sh" >"$env" 2> >(tee "$logdir/project.build.log" >&2); then
    fail "project/kernel" "cannot build the project kernel (log: $logdir/project.build.log)"
else
    kernel=$(sed -n 's/^KERNEL=//p' "$env")
    initrd=$(sed -n 's/^INITRD=//p' "$env")
    kver=$(sed -n 's/^KVER=//p' "$env")
    built=$(($(date +%s) - guest_start))
    echo "== project kernel $kver ($built s to build or find), iommu=smmuv3-aux, -device smmuv3-aux-testdev"
    for c in $configs; do
        rc=0
        config_vars "$c" || rc=$?
        if [ "$rc" -eq 1 ]; then
            fail "project-$c/config" "unknown CONFIG (one of: $all_configs)"
            continue
        elif [ "$rc" -ne 0 ]; then
            continue
        fi
        mem=1G
        boot_timeout=$timeout
        # Linux's VFIO selftests pin 1 GiB buffers, and take 5-10 minutes
        # under TCG (vfio_pci_driver_test: 35 cases, 1 GiB pinned in each).
        # vfio_dma_mapping_test's hugetlb variants: one 1 GiB and eight
        # 2 MiB pages, reserved at boot.
        case ",$scen," in *,vfio-selftests,*)
            mem=3G
            timeout=$((timeout + 900))
            append="$append hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=8"
            ;;
        esac
        GUEST_RUNNER=$runner BOOT_TIMEOUT=$((btimeout + timeout - boot_timeout)) \
            guest_boot "project-$c" --kernel "$kernel" --initrd "$initrd" \
            --iommu smmuv3-aux --scenarios "$scen" --append-extra "$append" \
            --qemu-extra "-device smmuv3-aux-testdev${qemu:+ $qemu}" --smp 4 \
            --machine-extra "$machine" --memory "$mem" \
            ${host[@]+"${host[@]}"} ${rargs[@]+"${rargs[@]}"}
        timeout=$boot_timeout
    done
fi

guest_summary guest-project
