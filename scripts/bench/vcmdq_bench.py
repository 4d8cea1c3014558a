# SPDX-License-Identifier: GPL-2.0-or-later
#
# Virtual command queues (cmdqv=on) against the SMMU's own command queue.
#
# Host side: the standalone engine benchmark tests/bench/
# bench-smmuv3-aux-vcmdq.c, ns per command of 64-command TLBI_NH_VA +
# CMD_SYNC batches through the SMMU CMDQ, a host VINTF's VCMDQ and a
# guest VINTF's (HYP_OWN = 0: the command filter and VMID substitution).
#
# Guest side: the project kernel (CONFIG_TEGRA241_CMDQV, built by
# scripts/guest-kernel.sh when missing) in strict mode, -smp 4, runs the
# "bench" scenario of tests/guest/project-init.sh: the kernel's own
# dma_map_benchmark, 4 threads mapping and unmapping on the test device,
# each unmap a TLBI + CMD_SYNC that the CPU waits for.  The same machine
# (cmdqv=on) boots twice per round: with arm_smmu_v3.bypass_vcmdq=1 every
# CPU submits to the SMMU's one queue (check-project's cmdqv-bypass, whose
# host check sees 0 commands on the VCMDQs), otherwise each CPU to its
# own VCMDQ (cmdqv, host check: 4 VCMDQs carried commands).  Rounds
# alternate the two so that host noise falls on both.

import json
import os
import re
import subprocess

import engine_bench
from stats import Row, fmt_ns

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(engine_bench.STANDALONE, "bench-smmuv3-aux-vcmdq")
CASES = (("single-g1", "1 page"), ("single-g16", "16 pages"),
         ("sg-g8", "scatter-gather of 8"))
CONFIGS = (("cmdq", "cmdqv-bypass"), ("vcmdq", "cmdqv"))
RESULT = re.compile(r"^PASS project-\S+/bench/(\S+)\s+.*map ([0-9.]+) us, "
                    r"unmap ([0-9.]+) us")


def fmt_us(v):
    return "n/a" if v is None else "%.1f us" % v


def _host(runs, quick, log):
    why = engine_bench.ensure_built(log, BINARY)
    if why:
        return [], [{"figure": "vcmdq host rows", "why": why}]
    cmd = [BINARY, "--runs", str(runs)] + (["--quick"] if quick else [])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    lines = [x for x in r.stdout.splitlines() if x.startswith("{")]
    if r.returncode != 0 or not lines:
        log(r.stdout[-2000:] + r.stderr[-2000:])
        return [], [{"figure": "vcmdq host rows",
                     "why": "bench-smmuv3-aux-vcmdq exited with %d"
                            % r.returncode}]
    res = json.loads(lines[-1])
    note = ("standalone engine, 64-command TLBI_NH_VA + CMD_SYNC batches, "
            "median of %d runs" % runs)
    rows = []
    for key, what in (("cmdq", "SMMU CMDQ"), ("vcmdq-host", "VCMDQ, host VINTF"),
                      ("vcmdq-guest", "VCMDQ, guest VINTF (HYP_OWN=0)")):
        samples = {"smmuv3-aux": [res[key]], "cmdq": [res["cmdq"]]}
        ratios = [] if key == "cmdq" else [("vs CMDQ", "smmuv3-aux", "cmdq",
                                            None)]
        rows.append(Row("engine ns per command: %s" % what, "ns", fmt_ns,
                        samples, ratios, note=note if key == "cmdq" else ""))
    return rows, []


def _guest_boot(qemu, config, seconds, log):
    """One check-project boot; {case: (map_us, unmap_us)} or a reason."""
    env = dict(os.environ, CONFIG=config, SCENARIO="bench", QEMU=qemu,
               APPEND_EXTRA="smmutest.bench_seconds=%d" % seconds)
    r = subprocess.run([os.path.join(TOP, "tests/guest/check-project.sh")],
                       env=env, capture_output=True, text=True, timeout=3600)
    got = {}
    for line in r.stdout.splitlines():
        m = RESULT.match(line)
        if m:
            got[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    if r.returncode != 0 or len(got) != len(CASES):
        fails = [x for x in r.stdout.splitlines() if x.startswith("FAIL")]
        log("  %s: %s" % (config, "; ".join(fails[:3]) or r.stderr[-500:]))
        return None
    return got


def _guest(qemu, quick, log):
    rounds, seconds = (1, 2) if quick else (2, 4)
    us = {key: {case: [] for case, _ in CASES} for key, _ in CONFIGS}
    for n in range(rounds):
        for key, config in CONFIGS:
            got = _guest_boot(qemu, config, seconds, log)
            if got is None:
                return [], [{"figure": "vcmdq guest rows",
                             "why": "check-project CONFIG=%s SCENARIO=bench "
                                    "failed (build/guest-logs)" % config}]
            for case, _ in CASES:
                us[key][case].append(got[case][1])
            log("  guest round %d/%d %s done" % (n + 1, rounds, key))
    note = ("project kernel, strict, -smp 4 under MTTCG on this host's "
            "CPUs, dma_map_benchmark -t 4 -s %d, median of %d boots each; "
            "CMDQ = the same cmdqv=on machine with "
            "arm_smmu_v3.bypass_vcmdq=1" % (seconds, rounds))
    rows = []
    for case, what in CASES:
        fig = "guest unmap latency, 4 CPUs, %s, " % what
        rows.append(Row(fig + "SMMU CMDQ", "us", fmt_us,
                        {"smmuv3-aux": us["cmdq"][case]},
                        note=note if case == CASES[0][0] else ""))
        rows.append(Row(fig + "own VCMDQ per CPU", "us", fmt_us,
                        {"smmuv3-aux": us["vcmdq"][case],
                         "cmdq": us["cmdq"][case]},
                        [("CMDQ/VCMDQ", "cmdq", "smmuv3-aux", None)]))
    return rows, []


def bench_vcmdq(qemu, runs, quick, log, guest=True):
    """Return (rows, missing)."""
    rows, missing = _host(runs, quick, log)
    if guest:
        grows, gmissing = _guest(qemu, quick, log)
        rows += grows
        missing += gmissing
    return rows, missing
