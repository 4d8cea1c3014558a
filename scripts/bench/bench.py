#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: speed and memory of arm-smmuv3-aux against upstream
# arm-smmuv3 and no IOMMU, one QEMU binary, one run.  Prints one table and
# writes build/bench/results.json.  Method: docs/devel/performance.rst.
#
#   scripts/bench/bench.py [--quick] [--only engine,throughput,walk,...]

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qemu_bench                                   # noqa: E402
from qemu_bench import start_instances, qemu_has_property   # noqa: E402
from stats import table_lines, write_json          # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_QEMU = os.path.join(TOP, "build", "qemu-build", "qemu-system-aarch64")
ALL = ("engine", "throughput", "pasid", "ats", "walk", "commands", "scaling",
       "memory", "guest", "vcmdq", "sva")

MISSING = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def host_info(qemu):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    head = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    ver = subprocess.run([qemu, "--version"], capture_output=True,
                         text=True).stdout.splitlines()[0]
    return {"host_cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "qemu": ver, "commit": head, "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def main():
    p = argparse.ArgumentParser(description="smmuv3-aux benchmarks")
    p.add_argument("--qemu", default=os.environ.get("QEMU", DEFAULT_QEMU))
    p.add_argument("--quick", action="store_true",
                   default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
                   help="fewer DMAs per burst (CI smoke; about 2 minutes)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--only", default=",".join(ALL),
                   help="comma-separated subset of " + ",".join(ALL))
    p.add_argument("--no-guest-iops", dest="guest_iops", action="store_false",
                   help="guest: boot time only, no virtio-blk IOPS")
    p.add_argument("--out", default=os.path.join(TOP, "build", "bench",
                                                 "results.json"))
    args = p.parse_args()
    only = [x for x in args.only.split(",") if x]
    count = 100000 if args.quick else 1000000
    walk_count = 50000 if args.quick else 300000
    runs = max(args.runs, 5)

    # A private copy: others may relink the build tree's binary mid-run.
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    qemu = os.path.join(os.path.dirname(args.out), "qemu-system-aarch64")
    for _ in range(60):
        try:
            if os.path.realpath(args.qemu) != os.path.realpath(qemu):
                shutil.copy2(args.qemu, qemu)
            break
        except OSError:
            time.sleep(5)
    else:
        print("error: cannot copy %s" % args.qemu, file=sys.stderr)
        return 2
    args.qemu = qemu
    meta = host_info(args.qemu)
    meta.update(quick=args.quick, runs=runs, burst_dmas=count,
                walk_dmas=walk_count)
    utlb = qemu_has_property(args.qemu, "arm-smmuv3-aux", "utlb")
    meta["utlb_property"] = utlb
    rows = []
    missing = list(MISSING)
    t0 = time.monotonic()

    if any(x in only for x in ("throughput", "commands")):
        log("bench: DMA throughput and commands (%d DMAs per burst)" % count)
        cfgs = {"smmuv3-aux": ("smmuv3-aux", ()),
                "smmuv3": ("smmuv3", ()),
                "none": ("none", ())}
        if "throughput" in only and qemu_has_property(
                args.qemu, "arm-smmuv3", "x-core-tlb"):
            cfgs[qemu_bench.UP_CTLB] = ("smmuv3", qemu_bench.UP_CTLB_GLOBALS)
        insts = start_instances(args.qemu, cfgs, log)
        try:
            if "throughput" in only:
                rows += qemu_bench.bench_throughput(insts, runs, count, log)
            if "commands" in only:
                rows += qemu_bench.bench_commands(insts, runs, 2048, log)
        finally:
            for i in insts.values():
                i.close()

    if "pasid" in only:
        log("bench: substreams, SSV=1 over %d PASIDs (%d DMAs per burst)"
            % (qemu_bench.PASIDS, count))
        insts = start_instances(args.qemu, {
            "smmuv3-aux": ("smmuv3-aux", ())}, log,
            setups=qemu_bench.PASID_SETUPS)
        try:
            rows += qemu_bench.bench_pasid(insts["smmuv3-aux"], runs, count,
                                           log)
        finally:
            for i in insts.values():
                i.close()

    if "ats" in only:
        log("bench: ATS, the device's ATC vs the IOTLB (%d DMAs per burst)"
            % count)
        insts = start_instances(args.qemu, {
            "smmuv3-aux": ("smmuv3-aux", ())}, log,
            setups=qemu_bench.ATS_SETUPS)
        try:
            rows += qemu_bench.bench_ats(insts["smmuv3-aux"], runs, count,
                                         log)
        finally:
            for i in insts.values():
                i.close()

    if "walk" in only:
        log("bench: walk cost (%d DMAs per burst)" % walk_count)
        aux = ["arm-smmuv3-aux.iotlb-size=0"]
        if utlb:
            aux.append("arm-smmuv3-aux.utlb=off")
        # Nested: our IOTLB stays on, as upstream's does: it holds the
        # walk cache (stage 2 translations of stage-1 table addresses);
        # 256 Ki sequential pages still miss every combined entry.
        insts = start_instances(args.qemu, {
            "smmuv3-aux": ("smmuv3-aux", tuple(aux)),
            "smmuv3-aux-nested": ("smmuv3-aux", tuple(aux[1:])),
            "smmuv3": ("smmuv3", ("arm-smmuv3.stage=nested",)),
            "none": ("none", ())}, log, fill=False,
            alias_pages=qemu_bench.HIT_PAGES)
        try:
            rows += qemu_bench.bench_walks(insts, runs, walk_count, log)
        finally:
            for i in insts.values():
                i.close()
        missing.append({"figure": "walk: upstream stage 1 64K",
                        "why": "upstream's IOTLB cannot be disabled and the "
                               "test device strides by 4 KiB, so 15 of 16 "
                               "DMAs per 64K page hit"})

    if "engine" in only:
        import engine_bench
        log("bench: standalone engine microbenchmark")
        erows, emissing = engine_bench.bench_engine(runs, args.quick, log)
        rows += erows
        missing += emissing

    if "scaling" in only:
        import scaling_bench
        log("bench: scaling, 1, 2 and 4 devices at once (%d DMAs each)"
            % count)
        rows += scaling_bench.bench_scaling(args.qemu, runs, count, log)

    if "memory" in only:
        log("bench: memory per cached translation")
        rows += qemu_bench.bench_memory(args.qemu, runs, log)

    if "guest" in only:
        import guest_bench
        log("bench: guest boot and virtio-blk IOPS")
        grows, gmissing = guest_bench.bench_guest(args.qemu, runs, args.quick,
                                                  log, iops=args.guest_iops)
        rows += grows
        missing += gmissing

    if "vcmdq" in only:
        import vcmdq_bench
        log("bench: virtual command queues vs the SMMU CMDQ (host engine; "
            "guest dma_map_benchmark on the project kernel)")
        vrows, vmissing = vcmdq_bench.bench_vcmdq(args.qemu, runs, args.quick,
                                                  log)
        rows += vrows
        missing += vmissing

    if "sva" in only:
        import sva_bench
        log("bench: SVA, a stalled fault resolved by the guest (project "
            "kernel)")
        srows, smissing = sva_bench.bench_sva(args.qemu, args.quick, log)
        rows += srows
        missing += smissing

    meta["seconds"] = round(time.monotonic() - t0, 1)
    print("smmuv3-aux bench: %s, %s (%d CPUs), %d runs per figure%s"
          % (meta["qemu"], meta["host_cpu"], meta["cpus"], runs,
             ", QUICK" if args.quick else ""))
    for line in table_lines(rows):
        print(line)
    for r in rows:
        if r.note:
            print("  note (%s): %s" % (r.figure, r.note))
    for m in missing:
        print("  missing: %s: %s" % (m["figure"], m["why"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    write_json(args.out, meta, rows, missing)
    print("results: %s (%.0f s)" % (args.out, meta["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
