# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest benchmarks: boot time to init and 4 KiB O_DIRECT random-read IOPS
# on virtio-blk (-smp 4, 4 parallel readers), strict and lazy invalidation
# (iommu.strict=1 / iommu.strict=0), and strict again with -smp 2, for
# iommu=none, arm-smmuv3 and arm-smmuv3-aux.
#
# The guest is Debian's backports kernel with the project's busybox
# initramfs from scripts/guest-fetch.sh.  tests/guest/init is not touched:
# this module appends a second cpio archive holding /bench and
# /smmu-iops (the kernel unpacks concatenated archives in order) and
# boots with rdinit=/bench.  /bench loads the initramfs modules, prints
# "BENCH-INIT" (the boot-time marker, timed on the host from QEMU's
# start), then runs smmu-iops (tests/guest/tools/smmu-iops.c, built here
# with aarch64-linux-gnu-gcc -static): 4 threads of pread() at random
# 4 KiB-aligned offsets of /dev/vda opened O_DIRECT, for a fixed window;
# it prints the reads and the seconds they took.  The virtio-blk device
# has iommu_platform=on (see tests/guest/run-guest.py virtio_opts), so
# every request, its data and the virtqueue go through the SMMU.

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

from stats import Row, fmt_s, fmt_plain

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

BENCH_SCRIPT = r"""#!/bin/sh
# /bench: boot marker and virtio-blk IOPS (scripts/bench/guest_bench.py)
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "BENCH-INIT uptime $(cut -d' ' -f1 /proc/uptime)"
if [ -f /etc/modules.order ]; then
    while read -r m; do
        [ -n "$m" ] && insmod "/lib/modules/$m" 2>/dev/null
    done </etc/modules.order
fi
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
secs=__SECONDS__
if [ "$secs" = 0 ]; then
    echo "BENCH-IOPS skipped"
    poweroff -f
fi
# The DMA domain of the disk: DMA (strict), DMA-FQ (lazy), or none.
dom=none
for g in /sys/block/vda/device/../iommu_group /sys/block/vda/device/iommu_group; do
    [ -r "$g/type" ] && dom=$(cat "$g/type")
done
echo "BENCH-DOMAIN $dom"
/smmu-iops --threads __READERS__ --seconds "$secs" /dev/vda ||
    echo "BENCH-ERROR smmu-iops exit $?"
echo "BENCH-SMMU $(dmesg | grep -c -i 'smmu')"
poweroff -f
"""


def newc_entry(name, data, mode):
    hdr = "070701" + "".join("%08X" % v for v in (
        0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    out = hdr.encode() + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def build_iops_tool(log):
    """
    tests/guest/tools/smmu-iops.c as a static aarch64 binary, cached in
    build/bench by the hash of its source; None if it cannot be built.
    """
    src = os.path.join(TOP, "tests", "guest", "tools", "smmu-iops.c")
    with open(src, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    out = os.path.join(TOP, "build", "bench", "smmu-iops-" + digest)
    if os.path.exists(out):
        return out
    cc = shutil.which("aarch64-linux-gnu-gcc")
    if not cc:
        log("  no aarch64-linux-gnu-gcc (./configure installs it)")
        return None
    r = subprocess.run([cc, "-static", "-O2", "-Wall", "-D_GNU_SOURCE",
                        "-o", out + ".tmp", src],
                       capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stderr[-2000:])
        return None
    os.replace(out + ".tmp", out)
    return out


def bench_initrd(base, seconds, readers, path, tool):
    """base initramfs + a gzip'd newc archive with /bench and /smmu-iops."""
    script = BENCH_SCRIPT.replace("__SECONDS__", str(seconds))
    script = script.replace("__READERS__", str(readers)).encode()
    arc = newc_entry("bench", script, 0o100755)
    if tool:
        with open(tool, "rb") as f:
            arc += newc_entry("smmu-iops", f.read(), 0o100755)
    arc += newc_entry("TRAILER!!!", b"", 0)
    arc += b"\0" * (-len(arc) % 512)
    with open(base, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data)
        f.write(gzip.compress(arc))


def fetch_guest(log):
    r = subprocess.run([os.path.join(TOP, "scripts", "guest-fetch.sh"),
                        "backports"], capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stderr[-2000:])
        return None
    env = dict(line.split("=", 1) for line in r.stdout.splitlines()
               if "=" in line)
    return env


# iommu_platform=on: without VIRTIO_F_ACCESS_PLATFORM Linux bypasses the
# DMA API and QEMU's virtio device reads guest memory directly, so nothing
# but the MSI doorbell would go through the SMMU (tests/guest/run-guest.py
# virtio_opts).  ACCESS_PLATFORM needs a modern-only device.
VIRTIO_OPTS = ",iommu_platform=on,disable-legacy=on"


def boot(qemu, kernel, initrd, disk, iommu, append_extra, timeout, smp):
    """
    Boot once; return a dict: init (seconds to BENCH-INIT), iops,
    reads, seconds, domain (the disk's IOMMU domain type), errors, lines.
    """
    machine = "virt,gic-version=3" + ("" if iommu == "none"
                                      else ",iommu=" + iommu)
    cmd = [qemu, "-machine", machine, "-cpu", "max", "-smp", str(smp), "-m", "1G",
           "-accel", "tcg,thread=multi", "-nographic", "-nodefaults",
           "-serial", "stdio", "-no-reboot", "-kernel", kernel,
           "-initrd", initrd,
           "-append", "console=ttyAMA0 panic=-1 quiet rdinit=/bench " +
           append_extra,
           "-drive", "file=%s,if=none,format=raw,id=d0" % disk,
           "-device", "virtio-blk-pci,drive=d0" + VIRTIO_OPTS]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = {"init": None, "iops": None, "reads": None, "seconds": None,
             "domain": None, "errors": [], "lines": []}

    def reader():
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            state["lines"].append(line)
            if "BENCH-INIT" in line and state["init"] is None:
                state["init"] = time.monotonic() - start
            m = re.search(r"SMMU-IOPS reads (\d+) seconds ([\d.]+) .*"
                          r"errors (\d+)", line)
            if m:
                reads, secs = int(m.group(1)), float(m.group(2))
                state["reads"], state["seconds"] = reads, secs
                if int(m.group(3)):
                    state["errors"].append(line)
                else:
                    state["iops"] = reads / secs if secs > 0 else None
            m = re.search(r"BENCH-DOMAIN (\S+)", line)
            if m:
                state["domain"] = m.group(1)
            if "BENCH-ERROR" in line or "smmu-iops:" in line:
                state["errors"].append(line)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        state["errors"].append("timeout after %d s" % timeout)
    th.join(5)
    return state


# Lazy mode is a kernel parameter; strict is the Debian kernel's default
# (CONFIG_IOMMU_DEFAULT_DMA_STRICT) but is named anyway, so the rows do
# not depend on it.  Without an IOMMU there is one mode: the "none"
# samples serve both rows.
STRICT, LAZY = "iommu.strict=1", "iommu.strict=0"
SMP_FEW = 2
EXPECTED_DOMAIN = {STRICT: "DMA", LAZY: "DMA-FQ"}


def strict_row(figure, samples, note):
    """A strict-mode IOPS row: its target is upstream's IOPS and 0.9x none."""
    return Row(figure, "IOPS", fmt_plain, samples,
               [("aux/up", "smmuv3-aux", "smmuv3", None),
                ("aux/none", "smmuv3-aux", "none", None)],
               (">= 1x up, >= 0.9x none",
                lambda row: None if None in (row.ratio("aux/up"),
                                             row.ratio("aux/none"))
                else row.ratio("aux/up") >= 1.0 and
                row.ratio("aux/none") >= 0.9), note=note)


def bench_guest(qemu, runs, quick, log, iops=True):
    """
    Boot time for none/upstream/ours (strict boots), and with iops also
    the strict and lazy IOPS rows.  Every run boots none, upstream strict,
    ours strict, upstream lazy, ours lazy, in that order (interleaved).
    """
    missing = []
    env = fetch_guest(log)
    if not env:
        return [], [{"figure": "guest boot and IOPS",
                     "why": "scripts/guest-fetch.sh backports failed"}]
    tool = build_iops_tool(log) if iops else None
    if iops and not tool:
        missing.append({"figure": "guest virtio-blk IOPS, strict and lazy",
                        "why": "cannot build tests/guest/tools/smmu-iops.c "
                               "with aarch64-linux-gnu-gcc -static"})
        iops = False
    seconds = (5 if quick else 10) if iops else 0
    smp = 4
    runs = 2 if quick else runs
    tmp = tempfile.mkdtemp(prefix="smmuv3-aux-bench-guest-",
                           dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    initrd = os.path.join(tmp, "bench-initrd.cpio.gz")
    bench_initrd(env["INITRD"], seconds, smp, initrd, tool)
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.write(os.urandom(1 << 20) * 64)                # 64 MiB
    plan = [("none", STRICT, smp), ("smmuv3", STRICT, smp),
            ("smmuv3-aux", STRICT, smp)]
    if iops:
        plan += [("smmuv3", LAZY, smp), ("smmuv3-aux", LAZY, smp)]
        # Fewer vCPUs than readers, as the user ran it: with as
        # many vCPUs as host cores, upstream's one mutex is not contended.
        plan += [(c, STRICT, SMP_FEW) for c in ("none", "smmuv3",
                                                "smmuv3-aux")]
    boot_s = {c: [] for c in ("smmuv3-aux", "smmuv3", "none")}
    strict = {c: [] for c in boot_s}
    lazy = {c: [] for c in boot_s}
    strict_few = {c: [] for c in boot_s}
    problems = []
    logdir = os.path.join(TOP, "build", "bench")
    try:
        for r in range(runs):
            for cfg, mode, cpus in plan:
                st = boot(qemu, env["KERNEL"], initrd, disk, cfg, mode,
                          120 + 10 * seconds, cpus)
                name = "%s-%s" % (cfg, "lazy" if mode == LAZY else "strict")
                if cpus != smp:
                    name += "-smp%d" % cpus
                with open(os.path.join(logdir, "guest-%s.log" % name),
                          "w") as f:
                    f.write("\n".join(st["lines"]) + "\n")
                rate = st["iops"]
                want = "none" if cfg == "none" else EXPECTED_DOMAIN[mode]
                if iops and st["domain"] != want:
                    # e.g. a lazy boot that still runs strict: not a sample.
                    problems.append("run %d %s: disk domain %s, expected %s"
                                    % (r + 1, name, st["domain"], want))
                    rate = None
                for e in st["errors"]:
                    problems.append("run %d %s: %s" % (r + 1, name, e))
                if cpus != smp:
                    strict_few[cfg].append(rate)
                elif mode == LAZY:
                    lazy[cfg].append(rate)
                else:
                    boot_s[cfg].append(st["init"])
                    strict[cfg].append(rate)
                    if cfg == "none":
                        lazy[cfg].append(rate)
                log("  guest run %d %s: init %s s%s%s"
                    % (r + 1, name,
                       "%.1f" % st["init"] if st["init"] else "never",
                       ", %.0f IOPS (%s reads in %s s)"
                       % (rate, st["reads"], st["seconds"]) if rate else "",
                       ", domain %s" % st["domain"] if iops else ""))
    finally:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)
    kver = env.get("KVER", "?")
    rows = [
        Row("guest boot to init (%s, -smp %d), s" % (kver, smp), "s", fmt_s,
            boot_s,
            [("aux/none", "smmuv3-aux", "none", None),
             ("aux/up", "smmuv3-aux", "smmuv3", None)],
            ("<= 1.05x none", lambda row: None if row.ratio("aux/none") is None
             else row.ratio("aux/none") <= 1.05),
            note="host wall time from QEMU's start to the first line of "
                 "/bench (rdinit), console=ttyAMA0 quiet, strict boots"),
    ]
    if iops:
        what = ("guest virtio-blk 4K O_DIRECT randread IOPS, %d readers, "
                "-smp %d" % (smp, smp))
        note = ("smmu-iops: %d pthreads of pread() at random 4 KiB offsets "
                "of a 64 MiB /dev/vda (O_DIRECT, iommu_platform=on) for "
                "%d s; guest CLOCK_MONOTONIC" % (smp, seconds))
        rows += [
            strict_row(what + ", strict", strict, note),
            Row(what + ", lazy", "IOPS", fmt_plain, lazy,
                [("aux/up", "smmuv3-aux", "smmuv3", None),
                 ("aux/none", "smmuv3-aux", "none", None)],
                (">= 0.9x none", lambda row: None if row.ratio("aux/none") is None
                 else row.ratio("aux/none") >= 0.9),
                note="iommu.strict=0 (DMA-FQ domain); none: the same "
                     "samples as the strict row"),
            strict_row("guest virtio-blk 4K O_DIRECT randread IOPS, %d "
                       "readers, -smp %d, strict" % (smp, SMP_FEW),
                       strict_few,
                       "as the strict row, with %d vCPUs for the %d readers"
                       % (SMP_FEW, smp)),
        ]
    for p in problems:
        log("  guest problem: " + p)
    if problems:
        missing.append({"figure": "guest samples dropped or suspect",
                        "why": "; ".join(problems)[:2000]})
    if runs < 5:
        missing.append({"figure": "guest rows", "why": "quick mode: %d runs "
                        "each, not a median of 5" % runs})
    return rows, missing
