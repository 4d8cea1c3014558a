# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by check-guest.sh and check-project.sh: one guest boot through
# run-guest.py, its PASS/FAIL/SKIP lines counted, its time recorded, and
# the closing summary.  Source it after setting:
#   top      the repository
#   timeout  seconds per boot (run-guest.py kills QEMU after it)
#   logdir   where console logs and outputs go

passed=0
failed=0
skipped=0
timings=()
guest_start=$(date +%s)

fail() {
    echo "FAIL $1  $2"
    failed=$((failed + 1))
}

# guest_boot <name> <run-guest.py arguments...>: one boot.  Prints the run's
# result lines, adds them up, and turns a runner that died without a FAIL
# line (killed, crashed) into one failure with the end of the console log.
# GUEST_RUNNER names another runner of tests/guest with the same options
# (migrate-guest.py), BOOT_TIMEOUT another timeout for this boot.
guest_boot() {
    local name=$1 out=$logdir/$1.out rc=0 t0 t1 p f s
    local runner=${GUEST_RUNNER:-run-guest.py} timeout=${BOOT_TIMEOUT:-$timeout}
    shift
    t0=$(date +%s.%N)
    # run-guest.py kills QEMU at the timeout; the outer timeout only guards
    # against the runner itself getting stuck.
    timeout -k 10 $((timeout + 60)) \
        python3 "$top/tests/guest/$runner" "$@" \
        --timeout "$timeout" --name "$name" --log-dir "$logdir" >"$out" 2>&1 || rc=$?
    t1=$(date +%s.%N)
    # Everything but run-guest's own summary line; the total comes last.
    grep -v -E '^guest: [0-9]+ passed' "$out" || true
    p=$(grep -cE '^PASS ' "$out" || true)
    f=$(grep -cE '^FAIL ' "$out" || true)
    s=$(grep -cE '^SKIP ' "$out" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            fail "$name/run" "$runner killed after $((timeout + 60)) s"
            tail -n 100 "$logdir/$name.log" 2>/dev/null || true
        else
            fail "$name/run" "$runner exited with status $rc"
        fi
    fi
    timings+=("$(awk -v n="$name" -v a="$t0" -v b="$t1" -v r="$rc" \
        'BEGIN { printf "%-24s %5.1f s  %s", n, b - a, r == 0 ? "pass" : "FAIL" }')")
}

# guest_summary <label>: the timing table and "<label>: N passed, N failed"
# (plus skips); returns non-zero on any failure.
guest_summary() {
    if [ ${#timings[@]} -gt 0 ]; then
        echo "== timings (total $(($(date +%s) - guest_start)) s)"
        printf '  %s\n' "${timings[@]}"
    fi
    if [ "$skipped" -gt 0 ]; then
        echo "$1: $passed passed, $failed failed, $skipped skipped"
    else
        echo "$1: $passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
}
