#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guest test matrix of "make check": Debian's stable and backports arm64
# kernels on -machine virt,iommu=smmuv3-aux, one boot per (kernel, config),
# named <suite>-<config>:
#
#   strict       default translated DMA domain, strict invalidation
#                (Debian's default): probe,dma,net,dmesg-clean; the feature
#                word must have 2_LVL_CDTAB, PRI, ATS, STALLS, HA and HD
#   lazy         iommu.strict=0 (DMA-FQ domains, deferred TLBI):
#                dma,net,dmesg-clean
#   passthrough  iommu.passthrough=1 (identity domains):
#                probe,dma,net,dmesg-clean
#   s2only       -global arm-smmuv3-aux.stage1=off,hyp=off,ssidsize=0: the driver must
#                report TRANS_S2 without TRANS_S1 and use stage-2 DMA
#                domains: probe,dma,net,dmesg-clean
#   el2          -machine virtualization=on: the kernel runs at EL2 with VHE,
#                the driver sets CR2.E2H, STRW=EL2 and uses TLBI_EL2_*:
#                probe,dma,net,dmesg-clean
#   nomsipoll    arm_smmu_v3.disable_msipolling=1 (CMD_SYNC completion by
#                polling CMDQ_CONS instead of an MSI write):
#                probe,dma,net,dmesg-clean
#   cmdqv        -global arm-smmuv3-aux.cmdqv=on: the SMMU node becomes
#                "nvidia,tegra264-smmu" with a CMDQV; Debian's kernels have
#                no CONFIG_TEGRA241_CMDQV, so they must run unchanged on the
#                SMMU's own queue (7.x applies the Tegra264 erratum: every
#                CFGI/TLBI sequence issued twice), and the host checks over
#                QMP that no VCMDQ carried a command: probe,dma,dmesg-clean
#   migrate      tests/guest/migrate-guest.py: live migration to a second
#                QEMU over a unix socket (QMP migrate) in the middle of
#                O_DIRECT rounds on virtio-blk and download/upload rounds on
#                virtio-net, strict mode: probe,net,migrate,dmesg-clean
#   snapshot     migrate-guest.py --mode snapshot: savevm/loadvm (HMP
#                through QMP) on a qcow2 disk made with QMP blockdev-create:
#                probe,snapshot,dmesg-clean
#
# Every run ends with dmesg-clean: no arm-smmu-v3 error or event line and no
# oops/BUG/WARNING in the guest's kernel log.  Every run has a timeout, and
# prints the end of its console log when anything fails.
#
# Prints one line per check ("PASS <name>" / "FAIL <name>"), a timing line
# per run, and ends with "guest: N passed, N failed"; exits non-zero on any
# failure.
#
# Environment:
#   KERNEL_SUITE   "stable", "backports" or both (default "stable backports")
#   CONFIG         configurations to run, comma- or space-separated (default
#                  all: strict,lazy,passthrough,s2only,el2,nomsipoll,cmdqv)
#   SCENARIO       comma-separated scenarios for every selected run instead
#                  of the configuration's own list
#   QEMU           qemu-system-aarch64 (default build/qemu-build/...)
#   GUEST_IOMMU    virt iommu= model (default smmuv3-aux; "smmuv3" compares
#                  with upstream's model, whose properties differ: the
#                  s2only config then fails)
#   GUEST_TIMEOUT  seconds per boot (default 120; a passing boot takes
#                  15-30 s on an idle host, up to 65 s on a loaded one)
#   QEMU_EXTRA     extra QEMU arguments for every run, e.g.
#                  "-trace smmuv3_aux_*"
#   MIGRATE_SUITES the kernels the default matrix runs migrate and snapshot
#                  with (default "backports"; with CONFIG set, every suite)
#   MIGRATE_BREAK  migrate/snapshot broken on purpose (migrate-guest.py
#                  --break): "ssidsize" (the destination's SMMU has no
#                  substreams: the migration must fail), "freshdisk" (an
#                  empty disk on the destination: the data checks fail) or
#                  "noloadvm"
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
suites=${KERNEL_SUITE:-stable backports}
iommu=${GUEST_IOMMU:-smmuv3-aux}
timeout=${GUEST_TIMEOUT:-120}
all_configs="strict lazy passthrough s2only el2 nomsipoll cmdqv migrate snapshot"
configs=$(echo "${CONFIG:-$all_configs}" | tr ',' ' ')
logdir=$top/build/guest-logs
mkdir -p "$logdir"

# shellcheck source=tests/guest/lib.sh
. "$top/tests/guest/lib.sh"

# Feature bits of the driver's probe line (arm-smmu-v3.h ARM_SMMU_FEAT_*,
# the same in 6.12 and 7.x).
FEAT_TRANS_S1=0x200
FEAT_TRANS_S2=0x400
FEAT_HYP=0x1000
FEAT_E2H=0x40000
# What the device-side features add (2_LVL_CDTAB, PRI, ATS, STALLS, HA, HD):
# IDR0.CD2L, PRI, ATS, STALL_MODEL 0 and HTTU 2 of the default device.
FEAT_DEVICE_SIDE=$(printf 0x%x $((0x2 | 0x10 | 0x20 | 0x800 | 0x200000 | 0x400000)))

# config_vars <config>: sets scen, append, machine and qemu for one config,
# or returns 1 for an unknown name.
config_vars() {
    machine=""
    qemu=""
    host=()
    runner=run-guest.py
    rargs=()
    btimeout=$timeout
    case "$1" in
    strict)
        scen=probe,dma,net,dmesg-clean
        append="smmutest.expect_domain=DMA smmutest.feat_set=$FEAT_DEVICE_SIDE"
        # scripts/smmu-graph of the live DMA domain (host/graph), left
        # next to the console log
        host=(--graph "$logdir/$suite-$1-smmu")
        ;;
    lazy)
        scen=dma,net,dmesg-clean
        append="iommu.strict=0 smmutest.expect_domain=DMA-FQ"
        ;;
    passthrough)
        scen=probe,dma,net,dmesg-clean
        append="iommu.passthrough=1 smmutest.expect_domain=identity"
        ;;
    s2only)
        scen=probe,dma,net,dmesg-clean
        append="smmutest.expect_domain=DMA smmutest.feat_set=$FEAT_TRANS_S2"
        append+=" smmutest.feat_clear=$(printf 0x%x $((FEAT_TRANS_S1 | FEAT_HYP)))"
        qemu="-global arm-smmuv3-aux.stage1=off -global arm-smmuv3-aux.hyp=off -global arm-smmuv3-aux.ssidsize=0"
        host=(--graph "$logdir/$suite-$1-smmu")
        ;;
    el2)
        scen=probe,dma,net,dmesg-clean
        append="smmutest.expect_domain=DMA smmutest.expect_el2=1"
        append+=" smmutest.feat_set=$(printf 0x%x $((FEAT_TRANS_S1 | FEAT_HYP | FEAT_E2H)))"
        machine="virtualization=on"
        ;;
    nomsipoll)
        scen=probe,dma,net,dmesg-clean
        append="arm_smmu_v3.disable_msipolling=1 smmutest.expect_domain=DMA"
        ;;
    cmdqv)
        scen=probe,dma,dmesg-clean
        append="smmutest.expect_domain=DMA"
        qemu="-global arm-smmuv3-aux.cmdqv=on"
        host=(--expect-vcmdq 0)
        ;;
    migrate | snapshot)
        if [ "$1" = migrate ]; then
            scen=probe,net,migrate,dmesg-clean
        else
            scen=probe,snapshot,dmesg-clean
        fi
        append="iommu.strict=1 smmutest.expect_domain=DMA"
        runner=migrate-guest.py
        rargs=(--mode "$1")
        [ -z "${MIGRATE_BREAK:-}" ] || rargs+=(--break "$MIGRATE_BREAK")
        # two QEMUs (or a savevm and a loadvm) in one run
        btimeout=$((timeout * 2))
        ;;
    *)
        return 1
        ;;
    esac
    if [ -n "${SCENARIO:-}" ]; then
        scen=$SCENARIO
    fi
}

for suite in $suites; do
    case "$suite" in
    stable | backports) ;;
    *)
        fail "$suite/fetch" "unknown KERNEL_SUITE (stable or backports)"
        continue
        ;;
    esac
    env=$logdir/$suite.env
    if ! "$top/scripts/guest-fetch.sh" "$suite" >"$env" 2>"$logdir/$suite.fetch.log"; then
        cat "$logdir/$suite.fetch.log"
        fail "$suite/fetch" "cannot fetch the $suite kernel (log: $logdir/$suite.fetch.log)"
        continue
    fi
    kernel=$(sed -n 's/^KERNEL=//p' "$env")
    initrd=$(sed -n 's/^INITRD=//p' "$env")
    kver=$(sed -n 's/^KVER=//p' "$env")
    echo "== $suite kernel $kver, iommu=$iommu"
    for c in $configs; do
        # The default matrix runs migrate and snapshot with one kernel
        # (MIGRATE_SUITES, default backports) to keep make check short;
        # naming them in CONFIG runs them with every KERNEL_SUITE.
        case "$c" in
        migrate | snapshot)
            if [ -z "${CONFIG:-}" ] && [[ " ${MIGRATE_SUITES:-backports} " != *" $suite "* ]]; then
                continue
            fi
            ;;
        esac
        if ! config_vars "$c"; then
            fail "$suite-$c/config" "unknown CONFIG (one of: $all_configs)"
            continue
        fi
        GUEST_RUNNER=$runner BOOT_TIMEOUT=$btimeout \
            guest_boot "$suite-$c" --kernel "$kernel" --initrd "$initrd" \
            --iommu "$iommu" --scenarios "$scen" --append-extra "$append" \
            --machine-extra "$machine" --qemu-extra "$qemu" \
            ${host[@]+"${host[@]}"} ${rargs[@]+"${rargs[@]}"}
    done
done

guest_summary guest
