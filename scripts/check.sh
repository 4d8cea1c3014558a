#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the test layers and sum them up on one last line:
#   N passed, N failed, N skipped
#
# Usage: scripts/check.sh [unit] [fuzz] [qtest] [guest] [project]
#        (default: all)
# Every layer reports individual cases (TAP lines or PASS/FAIL lines); a
# layer that cannot run at all counts as one failure, never as a pass.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
logs=$build/check-logs
mkdir -p "$logs"

passed=0 failed=0 skipped=0

# Count TAP results of a log: "ok", "not ok", "# SKIP".
count_tap() {
    local log=$1 p f s
    p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
    s=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log" | tr -d ' ')
    f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
    passed=$((passed + p - s))
    skipped=$((skipped + s))
    failed=$((failed + f))
    grep -E '^not ok ' "$log" | sed "s|^|  FAIL $(basename "$log" .log): |"
}

# A test program that died without TAP for all its cases is one failure.
run_tap() {
    local name=$1; shift
    local log=$logs/$name.log rc
    "$@" >"$log" 2>&1
    rc=$?
    count_tap "$log"
    if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$log"; then
        echo "  FAIL $name: exited with status $rc (log: $log)"
        tail -n 20 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

check_unit() {
    echo "== unit tests (standalone engine build)"
    local tests t
    mapfile -t tests < <(find "$build/standalone" -maxdepth 2 -type f \
                         -name 'test-smmuv3-aux-*' -perm -u+x | sort)
    if [ ${#tests[@]} -eq 0 ]; then
        echo "  FAIL unit: no unit test binaries in build/standalone"
        failed=$((failed + 1))
        return
    fi
    for t in "${tests[@]}"; do
        run_tap "$(basename "$t")" "$t" --tap -k
    done
}

# A time-boxed libFuzzer run from a fixed seed: a crash, leak, sanitizer
# report or hang (-timeout) fails it.
#   fuzz_one <harness> <seconds> <corpus dir or ""> [libFuzzer options]
fuzz_one() {
    local name=$1 secs=$2 seed=$3 f=$build/fuzz/$1 log=$logs/$1.log corpus
    shift 3
    if [ ! -x "$f" ]; then
        echo "  FAIL $name: not built"
        failed=$((failed + 1))
        return
    fi
    corpus=$(mktemp -d)
    [ -n "$seed" ] && [ -d "$seed" ] && cp "$seed"/* "$corpus"/ 2>/dev/null
    if (cd "$logs" && "$f" -seed=1 -max_total_time="$secs" \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -max_len=4096 "$@" "$corpus" >"$log" 2>&1); then
        echo "  PASS $name: $(grep -E '^stat::number_of_executed_units' "$log" | \
                          awk '{print $2}') inputs, no finding"
        passed=$((passed + 1))
    else
        echo "  FAIL $name: see $log"
        grep -E 'ERROR|SUMMARY|artifact' "$log" | head -n 5 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
    rm -rf "$corpus"
}

# The engine harness (FUZZ_SECONDS, default 30) and the virtual command
# queues' (FUZZ_VCMDQ_SECONDS, default 15).
check_fuzz() {
    echo "== fuzz (libFuzzer, ASan+UBSan, ${FUZZ_SECONDS:-30} + ${FUZZ_VCMDQ_SECONDS:-15} s)"
    fuzz_one fuzz-smmuv3-aux "${FUZZ_SECONDS:-30}" "$top/tests/fuzz/corpus" \
        -dict="$top/tests/fuzz/smmuv3-aux.dict"
    fuzz_one fuzz-smmuv3-aux-vcmdq "${FUZZ_VCMDQ_SECONDS:-15}" ""
}

check_qtest() {
    echo "== qtests (qemu-system-aarch64 -machine virt,iommu=smmuv3-aux)"
    local t
    for t in smmuv3-aux-test smmuv3-aux-conformance-test \
             smmuv3-aux-substream-test smmuv3-aux-dma-test \
             smmuv3-aux-migration-test smmuv3-aux-hostile-test \
             smmuv3-aux-vcmdq-test smmuv3-aux-ats-test \
             smmuv3-aux-platform-test smmuv3-aux-devfuzz-test \
             smmuv3-aux-inspect-test smmuv3-aux-coretlb-test \
             smmuv3-aux-props-test smmuv3-aux-evtq-test; do
        if [ ! -x "$build/qemu-build/tests/qtest/$t" ]; then
            echo "  FAIL $t: not built"
            failed=$((failed + 1))
            continue
        fi
        # A hang is a failure, not a CI run that never ends.
        run_tap "$t" timeout -k 10 900 env QTEST_QEMU_BINARY="$build/qemu-build/qemu-system-aarch64" \
            QTEST_QEMU_STORAGE_DAEMON_BINARY=/bin/false \
            "$build/qemu-build/tests/qtest/$t" --tap -k
    done
    # scripts/smmu-graph against a live QEMU (needs graphviz).
    run_tap test-smmu-graph timeout -k 10 300 python3 \
        "$top/tests/scripts/test-smmu-graph.py" \
        "$build/qemu-build/qemu-system-aarch64"
}

# Guest layers print PASS/FAIL/SKIP lines; a runner that printed none
# failed to run at all.
run_guest_layer() {
    local name=$1 log=$logs/$1.log p f s; shift
    "$@" 2>&1 | tee "$log" | grep --line-buffered -E '^(PASS|FAIL|SKIP|guest|==|  (KERNEL|FETCH|UNPACK|BUILD|INITRD) )'
    p=$(grep -cE '^PASS ' "$log")
    f=$(grep -cE '^FAIL ' "$log")
    s=$(grep -cE '^SKIP ' "$log")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ $((p + f + s)) -eq 0 ]; then
        echo "  FAIL $name: no results (log: $log)"
        tail -n 30 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

check_guest() {
    echo "== guest tests (Debian kernels on iommu=smmuv3-aux)"
    run_guest_layer guest "$top/tests/guest/check-guest.sh"
}

# The project kernel is built (about 10 minutes) when it is not cached.
check_project() {
    echo "== guest tests (project kernel, test module, iommufd/VFIO)"
    run_guest_layer project "$top/tests/guest/check-project.sh"
}

layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=(unit fuzz qtest guest project)
for l in "${layers[@]}"; do
    case "$l" in
    unit) check_unit ;;
    fuzz) check_fuzz ;;
    qtest) check_qtest ;;
    guest) check_guest ;;
    project) check_project ;;
    *) echo "check.sh: unknown layer $l" >&2; exit 2 ;;
    esac
done

if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
