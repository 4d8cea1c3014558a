#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Boot one arm64 guest under QEMU (TCG) and collect its SMMUTEST results.
#
# The guest's /init (tests/guest/init) prints one line per check:
#   SMMUTEST <scenario>/<check> PASS|FAIL|SKIP <detail>
# and then SMMUTEST-DONE.  This runner boots QEMU with a fresh scratch
# virtio-blk disk, keeps the whole console in build/guest-logs/<name>.log,
# prints one result line per check ("PASS <name>/<scenario>/<check> ..."),
# and on any failure or timeout prints the end of the console log.  It
# exits 0 only if every check passed and SMMUTEST-DONE was seen.
#
# --raw boots any kernel/initrd with the given --append and just streams the
# console (used by "make run KERNEL=...").
#
# Extra QEMU arguments come from --qemu-extra or the QEMU_EXTRA environment
# variable (split like a shell would), e.g. QEMU_EXTRA="-trace smmuv3_aux_*".

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_QEMU = os.path.join(TOP, "build", "qemu-build", "qemu-system-aarch64")
DEFAULT_LOGDIR = os.path.join(TOP, "build", "guest-logs")

RESULT_RE = re.compile(r"SMMUTEST (\S+) (PASS|FAIL|SKIP)\b ?(.*)$")
DONE_RE = re.compile(r"SMMUTEST-DONE\b")
PANIC_RE = re.compile(r"Kernel panic - not syncing.*")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--qemu", default=os.environ.get("QEMU", DEFAULT_QEMU),
                   help="qemu-system-aarch64 binary (default: $QEMU or %(default)s)")
    p.add_argument("--kernel", required=True, help="arm64 Image")
    p.add_argument("--initrd", help="initramfs")
    p.add_argument("--iommu", default="smmuv3-aux",
                   help="virt machine iommu= value: smmuv3-aux, smmuv3 or none")
    p.add_argument("--scenarios", default="probe,dma,dmesg-clean",
                   help="comma-separated list for smmutest.scenarios=")
    p.add_argument("--append", default=None,
                   help="whole kernel command line (default: console, panic, "
                        "scenarios); mostly for --raw")
    p.add_argument("--append-extra", default="",
                   help="appended to the kernel command line")
    p.add_argument("--machine-extra", default="",
                   help="appended to -machine, e.g. 'its=off'")
    p.add_argument("--qemu-extra", default=os.environ.get("QEMU_EXTRA", ""),
                   help="extra QEMU arguments, shell-split (default: $QEMU_EXTRA)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds before QEMU is killed (0: none; default %(default)s)")
    p.add_argument("--name", default="guest", help="test name, used for the log file")
    p.add_argument("--log-dir", default=DEFAULT_LOGDIR)
    p.add_argument("--disk-mib", type=int, default=64,
                   help="size of the scratch virtio-blk disk (0: no disk)")
    p.add_argument("--smp", default="2")
    p.add_argument("--memory", default="1G")
    p.add_argument("--show-console", action="store_true",
                   help="stream the guest console to stdout")
    p.add_argument("--raw", action="store_true",
                   help="no SMMUTEST parsing: boot and stream the console")
    p.add_argument("--gdb", action="store_true",
                   help="add -s -S (gdbstub on :1234, wait for gdb); no timeout")
    p.add_argument("--dry-run", action="store_true",
                   help="print the QEMU command line and exit")
    return p.parse_args()


def build_cmdline(args, disk):
    machine = "virt,gic-version=3"
    if args.iommu and args.iommu != "none":
        machine += ",iommu=" + args.iommu
    if args.machine_extra:
        machine += "," + args.machine_extra.lstrip(",")
    if args.append is not None:
        append = args.append
    elif args.raw:
        append = "console=ttyAMA0"
    else:
        append = "console=ttyAMA0 panic=-1 smmutest.scenarios=" + args.scenarios
    if args.append_extra:
        append += " " + args.append_extra
    interactive = args.raw and sys.stdin.isatty()
    cmd = [args.qemu,
           "-machine", machine,
           "-cpu", "max", "-smp", args.smp, "-m", args.memory,
           "-accel", "tcg,thread=multi",
           "-nographic", "-nodefaults",
           "-serial", "mon:stdio" if interactive else "stdio",
           "-kernel", args.kernel,
           "-append", append,
           "-no-reboot"]
    if args.initrd:
        cmd += ["-initrd", args.initrd]
    if disk:
        cmd += ["-drive", "file=%s,if=none,format=raw,id=disk0" % disk,
                "-device", "virtio-blk-pci,drive=disk0"]
    if args.gdb:
        cmd += ["-s", "-S"]
    if args.qemu_extra:
        cmd += shlex.split(args.qemu_extra)
    return cmd, interactive


class Console:
    """Reads QEMU's output, logs it, parses it, optionally streams it."""

    def __init__(self, stream, logf, show, raw, name):
        self.stream = stream
        self.logf = logf
        self.show = show
        self.raw = raw
        self.name = name
        self.results = []          # (check, status, detail)
        self.done = False
        self.panic = None
        self.done_time = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        for raw_line in iter(self.stream.readline, b""):
            line = raw_line.decode("utf-8", "replace")
            self.logf.write(line)
            self.logf.flush()
            if self.show:
                sys.stdout.write(line)
                sys.stdout.flush()
            if self.raw:
                continue
            text = line.rstrip("\r\n")
            m = RESULT_RE.search(text)
            if m:
                check, status, detail = m.group(1), m.group(2), m.group(3).strip()
                self.results.append((check, status, detail))
                if not self.show:
                    report(status, "%s/%s" % (self.name, check), detail)
                continue
            if DONE_RE.search(text):
                self.done = True
                self.done_time = time.monotonic()
                continue
            m = PANIC_RE.search(text)
            if m and not self.panic:
                self.panic = m.group(0)


def report(status, name, detail=""):
    print(("%s %s  %s" % (status, name, detail)).rstrip(), flush=True)


def tail(path, n=200):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    return lines[-n:], len(lines)


def main():
    args = parse_args()
    if not os.path.exists(args.qemu) and not shutil.which(args.qemu):
        print("error: QEMU binary %s not found (use --qemu or QEMU=)" % args.qemu,
              file=sys.stderr)
        return 2
    for f in (args.kernel, args.initrd):
        if f and not os.path.exists(f):
            print("error: %s not found" % f, file=sys.stderr)
            return 2

    os.makedirs(args.log_dir, exist_ok=True)
    logpath = os.path.join(args.log_dir, re.sub(r"[^A-Za-z0-9_.,+-]", "_", args.name) + ".log")
    tmpdir = tempfile.mkdtemp(prefix="smmuv3-aux-guest-")
    try:
        disk = None
        if args.disk_mib > 0:
            disk = os.path.join(tmpdir, "disk.img")
            with open(disk, "wb") as f:
                f.truncate(args.disk_mib << 20)
        cmd, interactive = build_cmdline(args, disk)
        if args.dry_run:
            print(shlex.join(cmd))
            return 0
        return boot(args, cmd, interactive, logpath)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def boot(args, cmd, interactive, logpath):
    timeout = None if (args.gdb or args.timeout <= 0) else args.timeout
    start = time.monotonic()
    with open(logpath, "w", encoding="utf-8") as logf:
        logf.write("# %s\n" % shlex.join(cmd))
        logf.flush()
        if args.show_console or args.raw:
            print("guest: %s" % shlex.join(cmd), flush=True)
        if args.gdb:
            print("guest: waiting for gdb on localhost:1234 "
                  "(gdb-multiarch -ex 'target remote :1234' vmlinux)", flush=True)
        proc = subprocess.Popen(cmd, stdin=None if interactive else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        con = Console(proc.stdout, logf, args.show_console or args.raw, args.raw, args.name)
        con.thread.start()
        timed_out = False
        try:
            while True:
                try:
                    proc.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    pass
                now = time.monotonic()
                if timeout is not None and now - start > timeout:
                    timed_out = True
                    break
                # The guest powers off right after SMMUTEST-DONE; do not
                # wait long if it does not.
                if con.done_time is not None and now - con.done_time > 30:
                    break
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            con.thread.join(5)
            print("\nguest: interrupted; console log: %s" % logpath)
            return 130
        if proc.poll() is None:
            proc.kill()
        rc = proc.wait()
        con.thread.join(10)
        elapsed = time.monotonic() - start
        logf.write("# qemu exit status %d after %.1f s%s\n"
                   % (rc, elapsed, " (timeout)" if timed_out else ""))

    if args.raw:
        if timed_out:
            print("guest: timeout after %.0f s; console log: %s" % (elapsed, logpath))
            return 1
        print("guest: QEMU exited with status %d after %.1f s; console log: %s"
              % (rc, elapsed, logpath))
        return 0 if rc == 0 else 1

    passed = sum(1 for r in con.results if r[1] == "PASS")
    failed = sum(1 for r in con.results if r[1] == "FAIL")
    skipped = sum(1 for r in con.results if r[1] == "SKIP")
    if args.show_console:
        # The result lines scrolled by with the console: repeat them.
        print("---- results (%s) ----" % args.name)
        for check, status, detail in con.results:
            report(status, "%s/%s" % (args.name, check), detail)
    for s in [x for x in args.scenarios.split(",") if x]:
        if not any(r[0].split("/")[0] == s for r in con.results):
            failed += 1
            report("FAIL", "%s/%s" % (args.name, s), "no results for this scenario")
    if not con.done:
        failed += 1
        if timed_out:
            why = "timeout after %.0f s" % elapsed
        else:
            why = "QEMU exited with status %d after %.1f s" % (rc, elapsed)
        if con.panic:
            why += "; " + con.panic
        report("FAIL", "%s/done" % args.name, "no SMMUTEST-DONE: " + why)
    if failed:
        lines, total = tail(logpath)
        if not args.show_console:
            print("---- console log (%s), last %d of %d lines ----"
                  % (logpath, len(lines), total))
            sys.stdout.writelines(lines)
            print("---- end of console log ----")
    print("guest %s: %.1f s, console log: %s" % (args.name, elapsed, logpath))
    summary = "guest: %d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary, flush=True)
    return 0 if failed == 0 and passed > 0 and con.done else 1


if __name__ == "__main__":
    sys.exit(main())
