#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest tests on the project kernel (scripts/guest-kernel.sh: Debian's
# linux-source from stable-backports with tests/guest/kernel.config, the
# test module and the iommufd/VFIO and dma_map_benchmark programs), on
# -machine virt,gic-version=3,iommu=smmuv3-aux with -device
# smmuv3-aux-testdev, -smp 4 under MTTCG, one boot per configuration:
#
#   strict  default translated DMA domains, strict invalidation:
#           probe,features,dma,testdev,bench,iommufd,pasid,sva,cmdqv,dmesg-clean
#   lazy    iommu.strict=0 (DMA-FQ domains, deferred TLBI):
#           dma,testdev,bench,dmesg-clean
#
# The first run builds the kernel (about 8 minutes on 2 cores); it is cached
# afterwards (see scripts/guest-kernel.sh).  Prints "PASS/FAIL/SKIP <name>"
# lines like check-guest.sh, a timing line per run, and ends with
#   guest-project: N passed, N failed
# Exits non-zero on any failure.  SKIP lines (features the device does not
# have yet: PASID, SVA, CMDQV) are neither.
#
# Environment:
#   CONFIG         configurations, comma- or space-separated (default
#                  "strict lazy")
#   SCENARIO       comma-separated scenarios for every run instead of the
#                  configuration's own list
#   QEMU           qemu-system-aarch64 (default build/qemu-build/...)
#   GUEST_TIMEOUT  seconds per boot (default 300)
#   QEMU_EXTRA     extra QEMU arguments for every run (run-guest.py)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
timeout=${GUEST_TIMEOUT:-300}
all_configs="strict lazy"
configs=$(echo "${CONFIG:-$all_configs}" | tr ',' ' ')
logdir=$top/build/guest-logs
mkdir -p "$logdir"

passed=0
failed=0
skipped=0
timings=()

fail() {
    echo "FAIL $1  $2"
    failed=$((failed + 1))
}

config_vars() {
    case "$1" in
    strict)
        scen=probe,features,dma,testdev,bench,iommufd,pasid,sva,cmdqv,dmesg-clean
        append="smmutest.expect_domain=DMA"
        ;;
    lazy)
        scen=dma,testdev,bench,dmesg-clean
        append="iommu.strict=0 smmutest.expect_domain=DMA-FQ"
        ;;
    *)
        return 1
        ;;
    esac
    if [ -n "${SCENARIO:-}" ]; then
        scen=$SCENARIO
    fi
}

run_one() {
    local name=$1 out rc p f s t0 t1
    out=$logdir/$name.out
    rc=0
    t0=$(date +%s.%N)
    timeout -k 10 $((timeout + 60)) \
        python3 "$top/tests/guest/run-guest.py" \
        --kernel "$kernel" --initrd "$initrd" --iommu smmuv3-aux \
        --scenarios "$scen" --append-extra "$append" \
        --qemu-extra "-device smmuv3-aux-testdev" --smp 4 \
        --timeout "$timeout" --name "$name" --log-dir "$logdir" >"$out" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    grep -v -E '^guest: [0-9]+ passed' "$out" || true
    p=$(grep -cE '^PASS ' "$out" || true)
    f=$(grep -cE '^FAIL ' "$out" || true)
    s=$(grep -cE '^SKIP ' "$out" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            fail "$name/run" "run-guest.py killed after $((timeout + 60)) s"
            tail -n 100 "$logdir/$name.log" 2>/dev/null || true
        else
            fail "$name/run" "run-guest.py exited with status $rc"
        fi
    fi
    timings+=("$(awk -v n="$name" -v a="$t0" -v b="$t1" -v r="$rc" \
        'BEGIN { printf "%-24s %5.1f s  %s", n, b - a, r == 0 ? "pass" : "FAIL" }')")
}

start=$(date +%s)
env=$logdir/project.env
# Progress lines of the build (the "KERNEL building" one included) go to
# the terminal as well as to the log.
if ! "$top/scripts/guest-kernel.sh" >"$env" 2> >(tee "$logdir/project.build.log" >&2); then
    fail "project/kernel" "cannot build the project kernel (log: $logdir/project.build.log)"
else
    kernel=$(sed -n 's/^KERNEL=//p' "$env")
    initrd=$(sed -n 's/^INITRD=//p' "$env")
    kver=$(sed -n 's/^KVER=//p' "$env")
    built=$(($(date +%s) - start))
    echo "== project kernel $kver ($built s to build or find), iommu=smmuv3-aux, -device smmuv3-aux-testdev"
    for c in $configs; do
        if ! config_vars "$c"; then
            fail "project-$c/config" "unknown CONFIG (one of: $all_configs)"
            continue
        fi
        run_one "project-$c"
    done
fi

if [ ${#timings[@]} -gt 0 ]; then
    echo "== timings (total $(($(date +%s) - start)) s)"
    printf '  %s\n' "${timings[@]}"
fi
[ "$skipped" -eq 0 ] || echo "guest-project: $skipped skipped (features the device does not have yet)"
echo "guest-project: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
