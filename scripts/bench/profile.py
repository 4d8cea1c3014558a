#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Profile one short burst of arm-smmuv3-aux (or another iommu=) under
# valgrind's callgrind, for the profile notes of docs/devel/performance.rst
# (perf has no hardware counters in many VMs; callgrind works everywhere).
#
#   scripts/bench/profile.py [--iommu smmuv3-aux] [--pattern hit|miss|mixed]
#                            [--count 20000] [--global arm-smmuv3-aux.X=Y]
#
# Collection starts only around the burst (--collect-atstart=no, toggled
# on the test device's job, td_core_exec), so setup does not pollute the
# profile.
# Writes build/bench/callgrind.<iommu>.<pattern>.out and prints the top
# functions by inclusive cost.

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from qemu_bench import Instance, PATTERNS          # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--qemu", default=os.path.join(TOP, "build", "qemu-build",
                                                  "qemu-system-aarch64"))
    p.add_argument("--iommu", default="smmuv3-aux")
    p.add_argument("--pattern", default="hit",
                   choices=[x[0] for x in PATTERNS])
    p.add_argument("--count", type=int, default=20000)
    p.add_argument("--global", dest="globals_", action="append", default=[])
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    out = os.path.join(TOP, "build", "bench",
                       "callgrind.%s.%s.out" % (a.iommu, a.pattern))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    prefix = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
              "--toggle-collect=td_core_exec",
              "--callgrind-out-file=" + out]
    _, pages, order, _ = [x for x in PATTERNS if x[0] == a.pattern][0]
    inst = Instance(a.qemu, a.iommu, a.globals_, fill=False, alias_pages=16,
                    setups=("s1-4k",), prefix=prefix)
    try:
        inst.burst("s1-4k", pages, a.count, order)
    finally:
        inst.close()
    r = subprocess.run(["callgrind_annotate", "--inclusive=yes", out],
                       capture_output=True, text=True)
    lines = r.stdout.splitlines()
    start = next((i for i, l in enumerate(lines) if "file:function" in l), 0)
    print("\n".join(lines[start:start + a.top + 2]))
    print("profile: %s" % out)


if __name__ == "__main__":
    sys.exit(main())
