#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Source coverage of the engine by a fuzzing corpus (make fuzz-cov):
# builds the harness once more with clang's source-based coverage (no
# sanitizers) in build/fuzz-cov, replays every input of the corpora
# (default: tests/fuzz/corpus and build/fuzz/corpus) once, without
# fuzzing, and prints llvm-cov's per-file report of the engine files.
# Needs the fuzz build (make fuzz) for its generated trace header.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/fuzz-cov
qemu_src=$(cat "$top/build/qemu-src-origin")
engine=(engine mem regs strtab cd cmdq evtq ptw tlb translate)
[ $# -gt 0 ] || set -- "$top/tests/fuzz/corpus" "$top/build/fuzz/corpus"

mkdir -p "$out"
srcs=()
for f in "${engine[@]}"; do
    srcs+=("$top/hw/arm/smmuv3-aux/$f.c")
done
# shellcheck disable=SC2046
clang -O1 -g -std=gnu11 -fno-strict-aliasing -fwrapv \
    -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer \
    -I"$top/build/fuzz/tests/standalone" -I"$top/tests/standalone" \
    -I"$top/build/fuzz/tests/standalone/trace" -I"$top" -I"$top/include" \
    -I"$qemu_src/include" $(pkg-config --cflags glib-2.0) \
    "${srcs[@]}" "$top/tests/standalone/log-stub.c" \
    "$top/tests/unit/smmuv3-aux-test-utils.c" \
    "$top/tests/fuzz/fuzz-smmuv3-aux.c" \
    $(pkg-config --libs glib-2.0) -o "$out/fuzz-smmuv3-aux-cov"

rm -f "$out"/*.profraw
# -runs=0: each input of the corpora once, nothing mutated or added.
LLVM_PROFILE_FILE="$out/%p.profraw" "$out/fuzz-smmuv3-aux-cov" -runs=0 \
    "$@" >"$out/replay.log" 2>&1 || true
n=$(sed -n 's/.*seed corpus: files: \([0-9]*\).*/\1/p' "$out/replay.log")
llvm-profdata merge -sparse "$out"/*.profraw -o "$out/cov.profdata"
echo "== coverage of the engine by ${n:-?} inputs (build/fuzz-cov)"
llvm-cov report "$out/fuzz-smmuv3-aux-cov" -instr-profile="$out/cov.profdata" \
    "${srcs[@]}" | sed "s|$top/hw/arm/smmuv3-aux/||"
llvm-cov show "$out/fuzz-smmuv3-aux-cov" -instr-profile="$out/cov.profdata" \
    -format=html -output-dir="$out/html" "${srcs[@]}" >/dev/null
echo "  line by line: build/fuzz-cov/html/index.html"
