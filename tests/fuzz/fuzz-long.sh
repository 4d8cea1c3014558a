#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A long libFuzzer campaign of the engine harness (make fuzz-long):
#
#   make fuzz-long FUZZ_TIME=3600 [FUZZ_MERGE=1] [FUZZ_NICE=15] [FUZZ_SEED=n]
#
# One fuzzing process, niced, for FUZZ_TIME seconds, with the dictionary
# tests/fuzz/smmuv3-aux.dict, starting from the corpus kept in the
# repository (tests/fuzz/corpus/) plus the working corpus of earlier
# campaigns (build/fuzz/corpus/).  Crash, leak, timeout and OOM inputs go
# to build/fuzz/artifacts/; the log to build/fuzz/logs/.  FUZZ_MERGE=1
# then minimises repository corpus + new inputs with -set_cover_merge=1
# (-merge=1 with a greedy set cover: a third of the files) back into
# tests/fuzz/corpus/ (commit it if coverage grew).  The summary at the
# end gives executions, exec/s, coverage, corpus size and findings, and
# appends one line to build/fuzz/campaigns.tsv, whose totals it prints.
# docs/devel/fuzzing.rst describes the harness and past campaigns.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
fz=$top/build/fuzz
bin=$fz/fuzz-smmuv3-aux
dict=$top/tests/fuzz/smmuv3-aux.dict
repo_corpus=$top/tests/fuzz/corpus
corpus=$fz/corpus
artifacts=$fz/artifacts
time=${FUZZ_TIME:-3600}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
log=$fz/logs/long-$stamp.log

if [ ! -x "$bin" ]; then
    echo "fuzz-long: $bin not built (make fuzz)" >&2
    exit 1
fi
mkdir -p "$corpus" "$artifacts" "$fz/logs" "$repo_corpus"
before=$(ls "$artifacts" | wc -l)

echo "== fuzz-long: ${time} s, nice ${FUZZ_NICE:-15}, log $log"
set +e
nice -n "${FUZZ_NICE:-15}" "$bin" \
    -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    ${FUZZ_SEED:+-seed=$FUZZ_SEED} -dict="$dict" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" "$repo_corpus" >"$log" 2>&1
rc=$?
set -e

execs=$(awk '/^stat::number_of_executed_units/ { print $2 }' "$log")
rate=$(awk '/^stat::average_exec_per_sec/ { print $2 }' "$log")
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
found=$(( $(ls "$artifacts" | wc -l) - before ))

if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    merged=$(mktemp -d)
    nice -n "${FUZZ_NICE:-15}" "$bin" -set_cover_merge=1 -max_len=4096 \
        "$merged" "$repo_corpus" "$corpus" >>"$log" 2>&1
    rm -f "$repo_corpus"/*
    cp "$merged"/* "$repo_corpus"/ 2>/dev/null || true
    rm -rf "$merged"
fi

printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$time" "${execs:-0}" \
    "${rate:-0}" "${cov:-?}" "$(ls "$corpus" | wc -l)" "$found" \
    >>"$fz/campaigns.tsv"

echo "  executions   ${execs:-?} (${rate:-?}/s)"
echo "  coverage     ${cov:-?} edges, ${ft:-?} features"
echo "  corpus       $(ls "$corpus" | wc -l) inputs ($(du -sh "$corpus" | cut -f1)) in build/fuzz/corpus," \
     "$(ls "$repo_corpus" | wc -l) ($(du -sh "$repo_corpus" | cut -f1)) in tests/fuzz/corpus"
echo "  findings     $found new in build/fuzz/artifacts (exit $rc)"
grep -E '^==[0-9]+==ERROR|^SUMMARY|invariant:|^artifact_prefix|Test unit written' \
    "$log" | head -n 8 | sed 's/^/    /' || true
awk -F'\t' '{ n++; t += $2; x += $3; f += $7 }
    END { printf "  all campaigns %d runs, %d s, %d executions, %d findings " \
          "(build/fuzz/campaigns.tsv)\n", n, t, x, f }' "$fz/campaigns.tsv"
exit $rc
