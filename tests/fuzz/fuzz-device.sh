#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Whole-device fuzzing of arm-smmuv3-aux over QEMU (make fuzz-device):
#
#   make fuzz-device FUZZ_TIME=3600 [FUZZ_STEPS=20000] [FUZZ_SEED=n]
#
# Runs tests/qtest/smmuv3-aux-devfuzz-test with fresh seeds (from
# FUZZ_SEED, else from the clock) until FUZZ_TIME seconds are used, each
# seed for FUZZ_STEPS random actions (a migration in the middle, a
# recovery check at the end) under a 15-minute timeout, so that a hang is
# a finding too.  A failing seed's log goes to build/fuzz/device/; rerun
# it with SMMUV3_AUX_DEVFUZZ_SEED=seed SMMUV3_AUX_DEVFUZZ_TRACE=1.  Each
# campaign appends one line to build/fuzz/device-campaigns.tsv.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
qb=$top/build/qemu-build
bin=$qb/tests/qtest/smmuv3-aux-devfuzz-test
out=$top/build/fuzz/device
time=${FUZZ_TIME:-600}
steps=${FUZZ_STEPS:-20000}
seed=${FUZZ_SEED:-$(date +%s)}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

if [ ! -x "$bin" ]; then
    echo "fuzz-device: $bin not built (make qemu)" >&2
    exit 1
fi
mkdir -p "$out"
end=$(( $(date +%s) + time ))
runs=0 fails=0 actions=0
echo "== fuzz-device: ${time} s, ${steps} steps per seed, first seed $seed"
while [ "$(date +%s)" -lt "$end" ]; do
    log=$out/seed-$seed.log
    t0=$(date +%s)
    if SMMUV3_AUX_DEVFUZZ_SEED=$seed SMMUV3_AUX_DEVFUZZ_STEPS=$steps \
       QTEST_QEMU_BINARY=$qb/qemu-system-aarch64 \
       QTEST_QEMU_STORAGE_DAEMON_BINARY=/bin/false \
       timeout -k 10 900 "$bin" >"$log" 2>&1; then
        rm -f "$log"
        echo "  seed $seed: ok ($(( $(date +%s) - t0 )) s)"
    else
        rc=$?
        fails=$((fails + 1))
        echo "  seed $seed: FAILED (exit $rc), log $log"
        grep -E 'ERROR|assert|devfuzz seed|Broken pipe|signal' "$log" |
            head -n 5 | sed 's/^/    /'
    fi
    runs=$((runs + 1))
    actions=$((actions + steps))
    seed=$((seed + 1))
done
printf '%s\t%s\t%s\t%s\t%s\n' "$stamp" "$time" "$runs" "$actions" "$fails" \
    >>"$top/build/fuzz/device-campaigns.tsv"
echo "  $runs seeds, $actions actions, $fails failing"
[ "$fails" -eq 0 ]
