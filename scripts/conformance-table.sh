#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run the SMMUv3 conformance qtests (smmuv3-aux-conformance-test and
# smmuv3-aux-substream-test) against smmuv3-aux and against QEMU's
# own arm-smmuv3 (same binary, -machine virt,iommu=smmuv3), one process
# and one QEMU per case, and print a table:
#
#   case | smmuv3-aux | upstream arm-smmuv3
#
# A case that crashes QEMU or the test, or that times out, is FAIL; a
# skipped case is SKIP.  The exit status is that of the smmuv3-aux column
# (0 when every case passed or was skipped); upstream's column is
# informative.
#
# Usage: scripts/conformance-table.sh [-v] [BUILD_DIR]
#   BUILD_DIR defaults to build/qemu-build; -v keeps per-case logs in
#   build/check-logs/conformance/ and prints the failure lines.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
verbose=0
if [ "${1:-}" = "-v" ]; then
    verbose=1
    shift
fi
qb=${1:-$top/build/qemu-build}
bins=("$qb/tests/qtest/smmuv3-aux-conformance-test"
      "$qb/tests/qtest/smmuv3-aux-substream-test"
      "$qb/tests/qtest/smmuv3-aux-hostile-test")
qemu=$qb/qemu-system-aarch64
logs=$top/build/check-logs/conformance
timeout_s=${CONFORMANCE_TIMEOUT:-120}

for f in "${bins[@]}" "$qemu"; do
    if [ ! -x "$f" ]; then
        echo "conformance-table: $f is not built" >&2
        exit 2
    fi
done
mkdir -p "$logs"

# Case paths are unique across the programs; remember each one's program.
declare -A bin_of=()
cases=()
for b in "${bins[@]}"; do
    mapfile -t bc < <(QTEST_QEMU_BINARY=$qemu "$b" -l | grep '^/')
    if [ ${#bc[@]} -eq 0 ]; then
        echo "conformance-table: no cases listed by $b -l" >&2
        exit 2
    fi
    for c in "${bc[@]}"; do
        bin_of[$c]=$b
    done
    cases+=("${bc[@]}")
done

# run_case MODEL PATH -> PASS/FAIL/SKIP on stdout
run_case() {
    local m=$1 path=$2 log rc
    log=$logs/$m$(echo "$path" | tr / _).log
    SMMUV3_AUX_CONFORMANCE_MODEL=$m QTEST_QEMU_BINARY=$qemu \
        QTEST_QEMU_STORAGE_DAEMON_BINARY=/bin/false \
        timeout -k 5 "$timeout_s" "${bin_of[$path]}" --tap -p "$path" \
        >"$log" 2>&1
    rc=$?
    if grep -qE '^ok [0-9]+.*# *(SKIP|skip)' "$log"; then
        echo SKIP
    elif [ $rc -eq 0 ] && grep -qE '^ok [0-9]+' "$log" &&
         ! grep -qE '^not ok' "$log"; then
        echo PASS
    else
        if [ $rc -ge 124 ]; then
            echo "# exit status $rc (timeout or signal)" >>"$log"
        fi
        echo FAIL
    fi
}

w=0
for c in "${cases[@]}"; do
    [ ${#c} -gt $w ] && w=${#c}
done

aux_fail=0
declare -A n=([aux_PASS]=0 [aux_FAIL]=0 [aux_SKIP]=0
              [up_PASS]=0 [up_FAIL]=0 [up_SKIP]=0)
printf "%-${w}s | %-10s | %s\n" "case" "smmuv3-aux" "upstream arm-smmuv3"
printf "%-${w}s-+-%-10s-+-%s\n" "$(printf '%*s' "$w" '' | tr ' ' -)" \
    "----------" "-------------------"
for c in "${cases[@]}"; do
    a=$(run_case smmuv3-aux "$c")
    u=$(run_case smmuv3 "$c")
    n[aux_$a]=$((n[aux_$a] + 1))
    n[up_$u]=$((n[up_$u] + 1))
    [ "$a" = FAIL ] && aux_fail=1
    printf "%-${w}s | %-10s | %s\n" "${c#/aarch64}" "$a" "$u"
    if [ $verbose -eq 1 ]; then
        for m in smmuv3-aux smmuv3; do
            grep -hE 'ERROR|assertion|not ok|device lacks|core dumped|exit status' \
                "$logs/$m$(echo "$c" | tr / _).log" 2>/dev/null |
                head -n 3 | sed "s|^|    [$m] |"
        done
    fi
done
printf "%-${w}s | %-10s | %s\n" "total PASS/FAIL/SKIP" \
    "${n[aux_PASS]}/${n[aux_FAIL]}/${n[aux_SKIP]}" \
    "${n[up_PASS]}/${n[up_FAIL]}/${n[up_SKIP]}"
exit $aux_fail
