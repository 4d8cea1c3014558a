# SPDX-License-Identifier: GPL-2.0-or-later
#
# Guest benchmarks: boot time to init and 4 KiB O_DIRECT random-read IOPS
# on virtio-blk (-smp 4, 4 parallel readers), strict and lazy invalidation
# (iommu.strict=0), for iommu=none, arm-smmuv3 and arm-smmuv3-aux.
#
# The guest is Debian's backports kernel with the project's busybox
# initramfs from scripts/guest-fetch.sh.  tests/guest/init is not touched:
# this module appends a second cpio archive holding /bench (the kernel
# unpacks concatenated archives in order) and boots with rdinit=/bench.
# /bench loads the initramfs modules, prints "BENCH-INIT" (the boot-time
# marker, timed on the host from QEMU's start), then runs 4 readers.  Each
# reader repeats "dd if=/dev/vda bs=4k count=64 skip=<random> iflag=direct"
# (64 O_DIRECT 4 KiB reads from a random offset) for the measurement
# window and the guest prints the total reads and the elapsed seconds.

import gzip
import io
import os
import re
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
blocks=$(( $(cat /sys/block/vda/size) / 8 - 64 ))
reader() {
    n=0
    end=$(( $(cut -d. -f1 /proc/uptime) + secs ))
    while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
        dd if=/dev/vda of=/dev/null bs=4096 count=64 iflag=direct \
            skip=$((RANDOM * 32768 % blocks + RANDOM % 32768 % blocks)) \
            2>/dev/null || { echo "BENCH-ERROR dd"; break; }
        n=$((n + 64))
    done
    echo $n >/tmp/reads.$1
}
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp
t0=$(cut -d' ' -f1 /proc/uptime)
for r in $(seq 1 __READERS__); do reader $r & done
wait
t1=$(cut -d' ' -f1 /proc/uptime)
total=0
for r in $(seq 1 __READERS__); do total=$((total + $(cat /tmp/reads.$r))); done
echo "BENCH-IOPS reads $total t0 $t0 t1 $t1"
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


def bench_initrd(base, seconds, readers, path):
    """base initramfs + a gzip'd newc archive with /bench."""
    script = BENCH_SCRIPT.replace("__SECONDS__", str(seconds))
    script = script.replace("__READERS__", str(readers)).encode()
    arc = newc_entry("bench", script, 0o100755) + newc_entry("TRAILER!!!",
                                                             b"", 0)
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


def boot(qemu, kernel, initrd, disk, iommu, append_extra, timeout, smp):
    """Boot once; return (seconds to BENCH-INIT, iops or None, log)."""
    machine = "virt,gic-version=3" + ("" if iommu == "none"
                                      else ",iommu=" + iommu)
    cmd = [qemu, "-machine", machine, "-cpu", "max", "-smp", str(smp), "-m", "1G",
           "-accel", "tcg,thread=multi", "-nographic", "-nodefaults",
           "-serial", "stdio", "-no-reboot", "-kernel", kernel,
           "-initrd", initrd,
           "-append", "console=ttyAMA0 panic=-1 quiet rdinit=/bench " +
           append_extra,
           "-drive", "file=%s,if=none,format=raw,id=d0" % disk,
           "-device", "virtio-blk-pci,drive=d0"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    state = {"init": None, "iops": None, "lines": []}

    def reader():
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            state["lines"].append(line)
            if "BENCH-INIT" in line and state["init"] is None:
                state["init"] = time.monotonic() - start
            m = re.search(r"BENCH-IOPS reads (\d+) t0 ([\d.]+) t1 ([\d.]+)",
                          line)
            if m:
                secs = float(m.group(3)) - float(m.group(2))
                state["iops"] = int(m.group(1)) / secs if secs > 0 else None

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    th.join(5)
    return state["init"], state["iops"], state["lines"]


def bench_guest(qemu, runs, quick, log, iops=False):
    """
    Boot time for none/upstream/ours (strict), and with iops also the
    strict and lazy IOPS rows.  The IOPS loop is off by default: see
    IOPS_MISSING.
    """
    missing = []
    env = fetch_guest(log)
    if not env:
        return [], [{"figure": "guest boot and IOPS",
                     "why": "scripts/guest-fetch.sh backports failed"}]
    seconds = (4 if quick else 10) if iops else 0
    smp = 4
    runs = 1 if quick else runs
    tmp = tempfile.mkdtemp(prefix="smmuv3-aux-bench-guest-",
                           dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    initrd = os.path.join(tmp, "bench-initrd.cpio.gz")
    bench_initrd(env["INITRD"], seconds, smp, initrd)
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.write(os.urandom(1 << 20) * 64)                # 64 MiB
    plan = [("none", ""), ("smmuv3", ""), ("smmuv3-aux", "")]
    if iops:
        plan += [("smmuv3", "iommu.strict=0"), ("smmuv3-aux", "iommu.strict=0")]
    boot_s = {c: [] for c in ("smmuv3-aux", "smmuv3", "none")}
    strict = {c: [] for c in boot_s}
    lazy = {c: [] for c in boot_s}
    logdir = os.path.join(TOP, "build", "bench")
    try:
        for r in range(runs):
            for cfg, extra in plan:
                t, rate, lines = boot(qemu, env["KERNEL"], initrd, disk, cfg,
                                      extra, 120 + 10 * seconds, smp)
                with open(os.path.join(logdir, "guest-%s%s.log" % (
                        cfg, "-lazy" if extra else "")), "w") as f:
                    f.write("\n".join(lines) + "\n")
                if extra:
                    lazy[cfg].append(rate)
                else:
                    boot_s[cfg].append(t)
                    strict[cfg].append(rate)
                    if cfg == "none":
                        lazy[cfg].append(rate)      # no IOMMU: one mode
                log("  guest run %d %s %s: init %s s%s"
                    % (r + 1, cfg, extra or "strict",
                       "%.1f" % t if t else "never",
                       ", %.0f IOPS" % rate if rate else ""))
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
                 "/bench (rdinit), console=ttyAMA0 quiet"),
    ]
    if iops:
        rows += [
            Row("guest virtio-blk 4K O_DIRECT read IOPS, strict", "IOPS",
                fmt_plain, strict,
                [("aux/up", "smmuv3-aux", "smmuv3", None),
                 ("aux/none", "smmuv3-aux", "none", None)],
                (">= 1x up", lambda row: None if row.ratio("aux/up") is None
                 else row.ratio("aux/up") >= 1.0)),
            Row("guest virtio-blk 4K O_DIRECT read IOPS, lazy", "IOPS",
                fmt_plain, lazy,
                [("aux/up", "smmuv3-aux", "smmuv3", None),
                 ("aux/none", "smmuv3-aux", "none", None)],
                (">= 0.9x none", lambda row: None if row.ratio("aux/none") is None
                 else row.ratio("aux/none") >= 0.9)),
        ]
    else:
        missing.append(IOPS_MISSING)
    if runs < 5:
        missing.append({"figure": "guest rows", "why": "quick mode: 1 run "
                        "each, not a median of 5"})
    return rows, missing


IOPS_MISSING = {
    "figure": "guest virtio-blk IOPS, strict and lazy",
    "why": "the busybox-dd reader loop of /bench (--guest-iops) is not "
           "trustworthy yet: one dd of 64 O_DIRECT 4 KiB reads takes "
           "0.2-0.6 s in the guest, but the timed loop of 2 or 4 readers "
           "completes only a few dd per reader in 25-80 s on every "
           "configuration, iommu=none included, so it measures the loop, "
           "not the IOMMU.  Needs fio-like random O_DIRECT reads from one "
           "static binary (scenario 'iops' in tests/guest/init); see "
           "docs/devel/performance.rst."}
