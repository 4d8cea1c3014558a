# SPDX-License-Identifier: GPL-2.0-or-later
#
# A minimal client of QEMU's qtest protocol (system/qtest.c), stdlib only.
#
# QEMU is started with "-qtest unix:PATH -accel qtest" and connects to a
# socket this module listens on.  Each command is one text line; QEMU
# answers "OK [value]" (or "FAIL ..."/"ERR ..."), possibly preceded by
# asynchronous "IRQ raise|lower N" lines, which are skipped.  MMIO and
# guest-memory accesses run in QEMU's main loop under the BQL, so a write
# to a device register returns only after the device has handled it.

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time


class QTestError(RuntimeError):
    pass


class QTest:
    """One QEMU process driven through qtest."""

    def __init__(self, qemu, args, timeout=120.0, prefix=()):
        self.tmpdir = tempfile.mkdtemp(prefix="smmuv3-aux-bench-")
        path = os.path.join(self.tmpdir, "qtest.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(timeout)
        self.stderr_path = os.path.join(self.tmpdir, "stderr")
        self.cmdline = list(prefix) + [qemu, "-qtest", "unix:" + path, "-accel", "qtest",
                        "-display", "none", "-nodefaults", "-serial", "none",
                        "-monitor", "none"] + list(args)
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.cmdline, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        try:
            self.sock, _ = srv.accept()
        except socket.timeout:
            self.close()
            raise QTestError("QEMU did not connect: %s" % self.stderr_text())
        finally:
            srv.close()
        self.sock.settimeout(timeout)
        self.rfile = self.sock.makefile("rb")

    # ---- protocol ------------------------------------------------------

    def cmd(self, line):
        """Send one command line, return the words after "OK"."""
        self.sock.sendall(line.encode() + b"\n")
        while True:
            resp = self.rfile.readline()
            if not resp:
                raise QTestError("QEMU closed the qtest socket after %r: %s"
                                 % (line[:80], self.stderr_text()))
            words = resp.decode().split()
            if words and words[0] == "IRQ":
                continue
            if not words or words[0] != "OK":
                raise QTestError("qtest %r -> %r" % (line[:80], resp[:200]))
            return words[1:]

    def writel(self, addr, val):
        self.cmd("writel 0x%x 0x%x" % (addr, val & 0xffffffff))

    def writeq(self, addr, val):
        self.cmd("writeq 0x%x 0x%x" % (addr, val & 0xffffffffffffffff))

    def writew(self, addr, val):
        self.cmd("writew 0x%x 0x%x" % (addr, val & 0xffff))

    def readl(self, addr):
        return int(self.cmd("readl 0x%x" % addr)[0], 0)

    def readq(self, addr):
        return int(self.cmd("readq 0x%x" % addr)[0], 0)

    def readw(self, addr):
        return int(self.cmd("readw 0x%x" % addr)[0], 0)

    def memwrite(self, addr, data, chunk=1 << 20):
        """Write bytes to guest physical memory (base64, in chunks)."""
        for off in range(0, len(data), chunk):
            part = data[off:off + chunk]
            self.cmd("b64write 0x%x 0x%x %s"
                     % (addr + off, len(part), base64.b64encode(part).decode()))

    def memread(self, addr, size):
        return base64.b64decode(self.cmd("b64read 0x%x 0x%x" % (addr, size))[0])

    def memset(self, addr, size, val=0):
        self.cmd("memset 0x%x 0x%x 0x%x" % (addr, size, val))

    # ---- process -------------------------------------------------------

    def rss_bytes(self):
        """Resident set size of the QEMU process, from /proc."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise QTestError("no VmRSS for pid %d" % self.proc.pid)

    def cpu_ns(self):
        """
        Nanoseconds QEMU's main thread (where qtest commands, and the MMIO
        they trigger, run) has spent on a CPU, from /proc/PID/schedstat.
        Unlike wall time, it does not count time the thread waited for a
        CPU that other processes of a busy host were using.
        """
        with open("/proc/%d/schedstat" % self.proc.pid) as f:
            return int(f.read().split()[0])

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-2000:]
        except OSError:
            return ""

    def close(self):
        if getattr(self, "sock", None):
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wall_ns(fn, *args):
    """Host nanoseconds one call takes (monotonic clock)."""
    t = time.perf_counter_ns()
    fn(*args)
    return time.perf_counter_ns() - t
