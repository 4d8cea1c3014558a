#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guest test matrix of "make check": Debian's stable and backports arm64
# kernels on -machine virt,iommu=smmuv3-aux.
#
#   <suite>-passthrough  probe,dma,dmesg-clean with iommu.passthrough=1
#   <suite>-translated   probe with the default (translated) DMA domain
#
# Prints one line per check ("PASS <name>" / "FAIL <name>") and ends with
# "guest: N passed, N failed"; exits non-zero on any failure.
#
# Environment:
#   KERNEL_SUITE   "stable", "backports" or both (default "stable backports")
#   SCENARIO       comma-separated scenarios for the passthrough run instead
#                  of probe,dma,dmesg-clean; the translated run only runs if
#                  the list contains "probe"
#   QEMU           qemu-system-aarch64 (default build/qemu-build/...)
#   GUEST_IOMMU    virt iommu= model (default smmuv3-aux; "smmuv3" compares
#                  with upstream's model)
#   GUEST_TIMEOUT  seconds per boot (default 120; a boot takes 4-10 s with
#                  QEMU 10.0 under TCG, 10-26 s with QEMU 7.2)
#   QEMU_EXTRA     extra QEMU arguments, e.g. "-trace smmuv3_aux_*"
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
suites=${KERNEL_SUITE:-stable backports}
iommu=${GUEST_IOMMU:-smmuv3-aux}
timeout=${GUEST_TIMEOUT:-120}
scenarios=${SCENARIO:-probe,dma,dmesg-clean}
logdir=$top/build/guest-logs
mkdir -p "$logdir"

passed=0
failed=0

fail() {
    echo "FAIL $1  $2"
    failed=$((failed + 1))
}

# run_one <name> <kernel> <initrd> <scenarios> [extra append]
run_one() {
    local name=$1 kernel=$2 initrd=$3 scen=$4 extra=${5:-} out rc p f
    out=$logdir/$name.out
    rc=0
    python3 "$top/tests/guest/run-guest.py" \
        --kernel "$kernel" --initrd "$initrd" --iommu "$iommu" \
        --scenarios "$scen" --append-extra "$extra" --timeout "$timeout" \
        --name "$name" --log-dir "$logdir" >"$out" 2>&1 || rc=$?
    # Everything but run-guest's own summary line; the total comes last.
    grep -v -E '^guest: [0-9]+ passed' "$out" || true
    p=$(grep -cE '^PASS ' "$out" || true)
    f=$(grep -cE '^FAIL ' "$out" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$name/run" "run-guest.py exited with status $rc"
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
    run_one "$suite-passthrough" "$kernel" "$initrd" "$scenarios" iommu.passthrough=1
    # Default (strict) DMA domain: every virtio-blk DMA is translated by
    # stage 1 through the driver's page tables.
    run_one "$suite-translated" "$kernel" "$initrd" "$scenarios"
done

echo "guest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
