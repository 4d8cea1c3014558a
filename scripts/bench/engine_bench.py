# SPDX-License-Identifier: GPL-2.0-or-later
#
# The standalone engine microbenchmark (tests/bench/bench-smmuv3-aux-walk.c,
# built by the top-level meson.build into build/standalone): ns per
# translation through smmuv3_aux_translate() over a flat fake guest memory,
# and bytes per IOTLB and configuration-cache entry as the engine reports
# them.  Its rows go into the smmuv3-aux column of the table.

import glob
import json
import os
import subprocess

from stats import Row, fmt_ns, fmt_bytes

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STANDALONE = os.path.join(TOP, "build", "standalone")
BINARY = os.path.join(STANDALONE, "bench-smmuv3-aux-walk")

SETUPS = ("s1-4k", "s1-64k", "s2-4k", "nested")
MODES = (
    # mode, figure prefix
    ("walk", "engine walk"),
    ("walk-nocfgc", "engine STE+CD fetch and walk"),
    ("hit", "engine IOTLB hit"),
)


def _sources():
    """What the binary is built from (engine files, not the binding)."""
    binding = ("smmuv3-aux.c", "testdev.c")
    files = [f for f in glob.glob(os.path.join(TOP, "hw/arm/smmuv3-aux/*.[ch]"))
             if os.path.basename(f) not in binding]
    files += glob.glob(os.path.join(TOP, "tests/bench/*.c"))
    files += glob.glob(os.path.join(TOP, "tests/unit/smmuv3-aux-test-utils.*"))
    files += [os.path.join(TOP, "include/hw/arm/smmuv3-aux-common.h"),
              os.path.join(TOP, "meson.build")]
    return files


def _stale(binary):
    if not os.path.exists(binary):
        return True
    built = os.path.getmtime(binary)
    return any(os.path.getmtime(f) > built for f in _sources()
               if os.path.exists(f))


def ensure_built(log, binary=BINARY):
    """
    Under make (MAKELEVEL set) the binary is brought up to date with
    ninja, as make's own build steps are, and under the same build lock
    as the caller's make.  Run by hand, the script never builds: it only
    refuses a missing or stale binary, so it cannot race a build.
    """
    if not _stale(binary):
        return None
    if not os.path.exists(os.path.join(STANDALONE, "build.ninja")):
        return "build/standalone is not configured: run make first"
    if not os.environ.get("MAKELEVEL"):
        return ("%s is missing or older than its sources: run make "
                "(the standalone build) first" % os.path.relpath(binary, TOP))
    log("  building %s" % os.path.relpath(binary, TOP))
    r = subprocess.run(["ninja", "-C", STANDALONE,
                        os.path.basename(binary)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stdout[-2000:] + r.stderr[-2000:])
        return "ninja could not build %s" % os.path.basename(binary)
    return None


def bench_engine(runs, quick, log):
    """Return (rows, missing)."""
    why = ensure_built(log)
    if why:
        return [], [{"figure": "engine microbenchmark rows", "why": why}]
    cmd = [BINARY, "--runs", str(runs)] + (["--quick"] if quick else [])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        log(r.stdout[-2000:] + r.stderr[-2000:])
        return [], [{"figure": "engine microbenchmark rows",
                     "why": "bench-smmuv3-aux-walk exited with %d"
                            % r.returncode}]
    lines = r.stdout.splitlines()
    for line in lines:
        if not line.startswith("{"):
            log("  " + line)
    res = json.loads([x for x in lines if x.startswith("{")][-1])
    rows = []
    note = ("standalone engine, flat fake guest memory, CLOCK_MONOTONIC, "
            "median of %d runs of %d walks / %d hits"
            % (res["runs"], res["walk_n"], res["hit_n"]))
    for mode, prefix in MODES:
        m = res["modes"][mode]
        for setup in SETUPS:
            s = m[setup]
            desc = s["desc"]
            if mode != "hit":
                desc += ", %d reads" % s["reads"]
            rows.append(Row("%s: %s, ns/translation" % (prefix, desc), "ns",
                            fmt_ns, {"smmuv3-aux": s["ns"]},
                            note=note if (mode, setup) == ("walk", "s1-4k")
                            else ""))
    it, cf = res["iotlb"], res["cfgc"]
    rows.append(Row("engine memory: bytes per IOTLB entry (%d-entry IOTLB, "
                    "buckets included)" % it["capacity"], "B", fmt_bytes,
                    {"smmuv3-aux": [it["bytes_per_entry"]]},
                    target=("<= 64 B", lambda row:
                            row.values["smmuv3-aux"] <= 64)))
    rows.append(Row("engine memory: bytes per config-cache entry (%d "
                    "entries, %d B value)" % (cf["capacity"], cf["value_size"]),
                    "B", fmt_bytes, {"smmuv3-aux": [cf["bytes_per_entry"]]}))
    return rows, []
