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
#   strict  default translated DMA domains, strict invalidation:
#           probe,features,dma,dma-parallel,testdev,bench,iommufd,pasid,vmm,sva,
#           cmdqv,vfio-selftests,dmesg-clean (with vfio-selftests: 3 GiB of
#           guest RAM, Linux's VFIO selftests pin 1 GiB buffers, and
#           GUEST_TIMEOUT + 900 s for that boot)
#   lazy    iommu.strict=0 (DMA-FQ domains, deferred TLBI):
#           dma,dma-parallel,testdev,bench,dmesg-clean
#
# The first run builds the kernel (about 8 minutes on 2 cores); it is cached
# afterwards (see scripts/guest-kernel.sh).  Prints "PASS/FAIL/SKIP <name>"
# lines like check-guest.sh, a timing line per run, and ends with
#   guest-project: N passed, N failed
# Exits non-zero on any failure.  SKIP lines (features the device does not
# have yet: SVA, CMDQV) are neither.
#
# Environment:
#   CONFIG         configurations, comma- or space-separated (default
#                  "strict lazy")
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
all_configs="strict lazy"
configs=$(echo "${CONFIG:-$all_configs}" | tr ',' ' ')
logdir=$top/build/guest-logs
mkdir -p "$logdir"

# shellcheck source=tests/guest/lib.sh
. "$top/tests/guest/lib.sh"

config_vars() {
    case "$1" in
    strict)
        scen=probe,features,dma,dma-parallel,testdev,bench,iommufd,pasid,vmm,sva,cmdqv,vfio-selftests,dmesg-clean
        append="smmutest.expect_domain=DMA"
        ;;
    lazy)
        scen=dma,dma-parallel,testdev,bench,dmesg-clean
        append="iommu.strict=0 smmutest.expect_domain=DMA-FQ"
        ;;
    *)
        return 1
        ;;
    esac
    if [ -n "${SCENARIO:-}" ]; then
        scen=$SCENARIO
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
        if ! config_vars "$c"; then
            fail "project-$c/config" "unknown CONFIG (one of: $all_configs)"
            continue
        fi
        mem=1G
        boot_timeout=$timeout
        # Linux's VFIO selftests pin 1 GiB buffers, and take 5-10 minutes
        # under TCG (vfio_pci_driver_test: 35 cases, 1 GiB pinned in each).
        case ",$scen," in *,vfio-selftests,*) mem=3G; timeout=$((timeout + 900)) ;; esac
        guest_boot "project-$c" --kernel "$kernel" --initrd "$initrd" \
            --iommu smmuv3-aux --scenarios "$scen" --append-extra "$append" \
            --qemu-extra "-device smmuv3-aux-testdev" --smp 4 --disks 3 --memory "$mem"
        timeout=$boot_timeout
    done
fi

guest_summary guest-project
