# SPDX-License-Identifier: GPL-2.0-or-later
#
# SVA with stall: the round trip of a stalled fault that the guest
# resolves.  The project kernel (strict, arm64.nolva, -device
# smmuv3-aux-platdev) runs the "sva" scenario of tests/guest/project-init.sh;
# its smmu-sva program binds itself to the platform master and has it write
# 64 pages it never touched, then 64 it did.  Each untouched page stalls in
# the SMMU: the event, the driver's threaded handler, the I/O page-fault
# work item, handle_mm_fault(), CMD_RESUME and its CMD_SYNC, then the
# retried DMA.  The difference of the two writes, per page, is that round
# trip; the touched write per page is the DMA it is added to.  Upstream's
# arm-smmuv3 has no stall (and no SVA), so there is nothing to compare with.

import os
import re
import subprocess

from stats import Row

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RESULT = re.compile(r"^PASS project-\S+/sva/platform/stall-cost\s+([0-9.]+) us "
                    r"per stalled fault .*\(([0-9]+) pages: ([0-9.]+) ms "
                    r"untouched, ([0-9.]+) ms touched\)")


def fmt_us(v):
    return "n/a" if v is None else "%.1f us" % v


def _boot(qemu, log):
    """One check-project boot: (fault us, touched DMA us per page) or None."""
    env = dict(os.environ, CONFIG="strict", SCENARIO="sva", QEMU=qemu)
    r = subprocess.run([os.path.join(TOP, "tests/guest/check-project.sh")],
                       env=env, capture_output=True, text=True, timeout=1800)
    for line in r.stdout.splitlines():
        m = RESULT.match(line)
        if m:
            pages = int(m.group(2))
            return float(m.group(1)), float(m.group(4)) * 1e3 / pages
    fails = [x for x in r.stdout.splitlines() if x.startswith("FAIL")]
    log("  sva: %s" % ("; ".join(fails[:3]) or r.stderr[-500:]))
    return None


def bench_sva(qemu, quick, log):
    """Return (rows, missing)."""
    fault, dma = [], []
    for n in range(1 if quick else 3):
        got = _boot(qemu, log)
        if got is None:
            return [], [{"figure": "sva stalled fault",
                         "why": "check-project CONFIG=strict SCENARIO=sva "
                                "failed (build/guest-logs)"}]
        fault.append(got[0])
        dma.append(got[1])
        log("  sva boot %d done" % (n + 1))
    note = ("project kernel, strict, -smp 4 under MTTCG; smmu-sva platform: "
            "64 untouched pages minus 64 touched ones, per page, median of "
            "%d boots; no upstream figure (arm-smmuv3 has no stall)"
            % len(fault))
    return [Row("guest: stalled fault resolved by Linux's I/O page-fault "
                "handler (SVA, platform master), us per fault", "us", fmt_us,
                {"smmuv3-aux": fault}, note=note),
            Row("guest: the same 4 KiB SVA write to a touched page, us per "
                "page", "us", fmt_us, {"smmuv3-aux": dma})], []
