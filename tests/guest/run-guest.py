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
# Extra QEMU arguments come from --qemu-extra (a configuration's own
# arguments, e.g. "-global arm-smmuv3-aux.stage1=off") and from the
# QEMU_EXTRA environment variable (split like a shell would, e.g.
# QEMU_EXTRA="-trace smmuv3_aux_*"); both are used.
#
# With the "net" scenario (or --net) the guest gets a virtio-net-pci NIC on
# QEMU's user networking, and the runner serves HTTP on 127.0.0.1:<free
# port>, which the guest reaches as 10.0.2.2:<port>: GET /data returns
# --net-mib MiB of deterministic data (its SHA-256 and length go on the
# kernel command line), POST /upload answers "<sha256> <length>" of the body.
#
# QMP (optional, off by default): --qmp gives QEMU a QMP socket in the
# run's temporary directory (-qmp unix:...,server=on,wait=off) and
# -no-shutdown, so that QEMU stays up, stopped, when the guest powers off;
# the runner then asks QEMU what the host sees (host checks, printed as
# "PASS|FAIL <name>/host/<check> ..." like the guest's) and sends "quit".
# The QMP class below is a small standard-library client that other
# runners can import (e.g. a migration runner).  --expect-vcmdq N (implies
# --qmp) reads the SMMU's QOM property "vcmdq-commands" (commands each
# global VCMDQ consumed) and checks that exactly N VCMDQs carried commands:
# 4 for 4 vCPUs each sending through its own queue, 0 when the guest's
# driver fell back to the SMMU's command queue; --expect-vcmdq A-B (or a
# comma list) names exactly which ones.  --expect-count LIST:NAME>N (or =N,
# >=N, <N; repeatable; implies --qmp) checks a counter of query-smmuv3-aux,
# summed over the SMMUs: LIST is commands, vcmdq-commands, events or
# fetches and NAME an entry of it (CMD_TLBI_NH_VA, F_TRANSLATION, L1CD,
# ...), or the counter is translations or faults with no LIST.  It shows
# that a scenario took the path it claims: fetches:L1CD>0 that the PASID
# scenario's CD table had two levels, vcmdq-commands:CMD_TLBI_NH_VA>0
# that the VCMDQs carried the invalidations.

import argparse
import hashlib
import http.server
import importlib.machinery
import importlib.util
import json
import os
import random
import re
import shlex
import shutil
import socket
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
# Kernel log lines of the arm-smmu-v3 driver that report an event, a
# command queue problem or a global error, wherever they appear on the
# console (also after the guest's own dmesg-clean check, e.g. at power-off),
# and the errors of its Tegra241 CMDQV part, whose lines carry
# "tegra241_cmdqv: " after the SMMU's or the CMDQV's device name.
SMMU_EVENT_RE = re.compile(
    r"^\[ *[0-9.]+\] (arm-smmu-v3 .*("
    r"event 0x|event: |CMD_SYNC timeout|CMDQ timeout|CMDQ error|"
    r"skipping command|retrying command|GERROR|gerror|Service Failure|"
    r"overflow|not responding|failed)|"
    r".*tegra241_cmdqv: .*(failed|[Ee]rror|GERRORN=|timeout))")


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
    p.add_argument("--qemu-extra", default="",
                   help="extra QEMU arguments, shell-split; $QEMU_EXTRA is "
                        "added after them")
    p.add_argument("--bypass-iommu-virtio", action="store_true",
                   help="leave out iommu_platform=on: the virtio devices then "
                        "DMA to guest physical addresses, around the SMMU")
    p.add_argument("--net", action="store_true",
                   help="add a virtio-net NIC on user networking and the HTTP "
                        "server (implied by the net scenario)")
    p.add_argument("--net-mib", type=int, default=8,
                   help="MiB served by GET /data (default %(default)s)")
    p.add_argument("--net-up-mib", type=int, default=4,
                   help="MiB the guest uploads (default %(default)s)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds before QEMU is killed (0: none; default %(default)s)")
    p.add_argument("--name", default="guest", help="test name, used for the log file")
    p.add_argument("--log-dir", default=DEFAULT_LOGDIR)
    p.add_argument("--disk-mib", type=int, default=64,
                   help="size of each scratch virtio-blk disk (0: no disk)")
    p.add_argument("--disks", type=int, default=1,
                   help="number of scratch virtio-blk disks; the first is "
                   "00:01.0 as always, the others 00:10.0, 00:11.0, ... so "
                   "that other devices keep their slots")
    p.add_argument("--smp", default="2")
    p.add_argument("--memory", default="1G")
    p.add_argument("--show-console", action="store_true",
                   help="stream the guest console to stdout")
    p.add_argument("--raw", action="store_true",
                   help="no SMMUTEST parsing: boot and stream the console")
    p.add_argument("--gdb", action="store_true",
                   help="add -s -S (gdbstub on :1234, wait for gdb); no timeout")
    p.add_argument("--qmp", action="store_true",
                   help="QMP socket and -no-shutdown: QEMU stays up after the "
                        "guest powers off, for the host checks, then quits")
    p.add_argument("--expect-vcmdq", default=None, metavar="N|A-B|A,B,...",
                   help="host check (implies --qmp): exactly N VCMDQs of the "
                        "SMMU carried commands (QOM vcmdq-commands), or "
                        "exactly the ones listed")
    p.add_argument("--expect-count", action="append", default=[],
                   metavar="[LIST:]NAME{>,>=,=,<}N",
                   help="host check (implies --qmp): a query-smmuv3-aux "
                        "counter summed over the SMMUs, e.g. "
                        "fetches:L1CD>0, vcmdq-commands:CMD_TLBI_NH_VA>0, "
                        "events:F_TRANSLATION=0, translations>1000")
    p.add_argument("--graph", default=None, metavar="PREFIX",
                   help="(implies --qmp) when the console prints a line "
                        "matching --graph-at, pause the guest, draw the "
                        "SMMU's live configuration with scripts/smmu-graph "
                        "to PREFIX.{dot,svg,png}, and resume")
    p.add_argument("--graph-at", default=r"^SMMUTEST dma/", metavar="REGEX",
                   help="console line for --graph (default: the dma "
                        "scenario's first result, while its DMA domain is "
                        "live; the guest's shutdown turns the SMMU off)")
    p.add_argument("--rss-interval", type=float, default=0,
                   help="sample QEMU's VmRSS (/proc/<pid>/status) every N "
                        "seconds, print the series and check that it is flat "
                        "after --rss-settle seconds (0: no sampling)")
    p.add_argument("--rss-settle", type=float, default=60,
                   help="seconds after which QEMU's RSS must stay flat "
                        "(default %(default)s), counted from the start of "
                        "QEMU or from the first console line matching "
                        "--rss-mark")
    p.add_argument("--rss-mark", default="",
                   help="regular expression of the console line that starts "
                        "the --rss-settle time (e.g. 'SMMUTEST-STRESS start')")
    p.add_argument("--rss-max-growth", type=float, default=32,
                   help="MiB the RSS may grow after --rss-settle "
                        "(default %(default)s)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the QEMU command line and exit")
    args = p.parse_args()
    if args.expect_vcmdq is not None or args.expect_count or args.graph:
        args.qmp = True
    for spec in args.expect_count:
        if not COUNT_SPEC.fullmatch(spec):
            p.error("--expect-count %r: [LIST:]NAME{>,>=,=,<}N expected" % spec)
    return args


COUNT_SPEC = re.compile(r"(?:(commands|vcmdq-commands|events|fetches):)?"
                        r"([A-Za-z0-9_]+)(>=|>|=|<)(\d+)")
COUNT_OPS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
             "=": lambda a, b: a == b, "<": lambda a, b: a < b}
COUNT_OP_NAMES = {">": "gt", ">=": "ge", "=": "eq", "<": "lt"}


def count_of(info, spec):
    """The value of one --expect-count counter in one query-smmuv3-aux
    answer (absent entries of a list count 0)."""
    lst, name = COUNT_SPEC.fullmatch(spec).group(1, 2)
    if lst is None:
        return int(info.get(name, 0))
    return sum(c["count"] for c in info.get(lst, []) if c["name"] == name)


def vcmdq_expectation(text):
    """--expect-vcmdq: a count (int) or the exact queues (sorted list)."""
    if text.isdigit():
        return int(text)
    queues = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        queues.update(range(int(lo), int(hi or lo) + 1))
    return sorted(queues)


def want_net(args):
    return args.net or (not args.raw and "net" in args.scenarios.split(","))


def net_data(mib):
    """The deterministic download: the same bytes on every run."""
    return random.Random(0x5e3a).randbytes(mib << 20)


class NetServer:
    """HTTP server on 127.0.0.1 for the guest's download and upload."""

    def __init__(self, data):
        self.data = data
        self.events = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"
            timeout = 60          # a stuck guest does not keep a thread forever

            def log_message(self, fmt, *a):
                server.events.append("http: " + (fmt % a))

            def do_GET(self):
                if self.path != "/data":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(server.data)))
                self.end_headers()
                self.wfile.write(server.data)
                server.events.append("http: sent %d bytes" % len(server.data))

            def do_POST(self):
                if self.path != "/upload":
                    self.send_error(404)
                    return
                n = int(self.headers.get("Content-Length", "0"))
                h = hashlib.sha256()
                got = 0
                while got < n:
                    chunk = self.rfile.read(min(1 << 16, n - got))
                    if not chunk:
                        break
                    h.update(chunk)
                    got += len(chunk)
                body = ("%s %d\n" % (h.hexdigest(), got)).encode()
                server.events.append("http: received %d of %d bytes, sha256 %s"
                                     % (got, n, h.hexdigest()))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A guest that stops mid-transfer resets the connection:
                # log it with the requests instead of a traceback on stderr.
                server.events.append("http: error: %r" % (sys.exc_info()[1],))

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def virtio_opts(args):
    """Properties that make a virtio-pci device DMA through the SMMU.

    Without iommu_platform=on QEMU's virtio devices do not offer
    VIRTIO_F_ACCESS_PLATFORM: Linux then bypasses the DMA API and gives the
    device guest physical addresses, and QEMU's device accesses
    address_space_memory directly, so nothing but the MSI doorbell goes
    through the IOMMU.  ACCESS_PLATFORM needs a modern-only device."""
    if args.bypass_iommu_virtio:
        return ""
    return ",iommu_platform=on,disable-legacy=on"


class QMPError(Exception):
    pass


class QMP:
    """A minimal synchronous QMP client on a UNIX socket (QEMU's
    -qmp unix:PATH,server=on,wait=off).  Events that arrive while a command
    waits for its reply are kept in .events."""

    def __init__(self, path, timeout=30, proc=None):
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(path)
                break
            except OSError:
                sock.close()
                if time.monotonic() > deadline or (proc and proc.poll() is not None):
                    raise
                time.sleep(0.05)
        sock.settimeout(timeout)
        self.sock = sock
        self.file = sock.makefile("rwb")
        self.events = []
        self.greeting = self._read()
        self.command("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def command(self, cmd, **arguments):
        msg = {"execute": cmd}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
            elif "error" in r:
                raise QMPError("%s: %s" % (cmd, r["error"].get("desc", r["error"])))
            elif "return" in r:
                return r["return"]

    def find_type(self, qom_type, root="/machine"):
        """QOM paths of the objects of type qom_type under root (breadth
        first, children only; links are not followed)."""
        found, todo = [], [root]
        while todo:
            path = todo.pop(0)
            for p in self.command("qom-list", path=path):
                t = p.get("type", "")
                if not t.startswith("child<"):
                    continue
                child = path.rstrip("/") + "/" + p["name"]
                if t == "child<%s>" % qom_type:
                    found.append(child)
                todo.append(child)
        return found

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass


def host_checks(args, qmp):
    """Checks of the host's view after the guest finished: a list of
    (check, status, detail), check names under host/."""
    res = []
    if args.expect_count:
        try:
            infos = qmp.command("query-smmuv3-aux")
        except (OSError, EOFError, ValueError, QMPError) as e:
            infos = None
            res.append(("host/counters", "FAIL", "QMP: %s" % e))
        for spec in args.expect_count if infos is not None else []:
            m = COUNT_SPEC.fullmatch(spec)
            got = sum(count_of(i, spec) for i in infos)
            ok = bool(infos) and COUNT_OPS[m.group(3)](got, int(m.group(4)))
            lst, name, op, n = m.groups()
            check = "host/count/%s%s-%s-%s" % (lst + "/" if lst else "", name,
                                               COUNT_OP_NAMES[op], n)
            res.append((check,
                        "PASS" if ok else "FAIL",
                        "%s: %d over %d SMMU(s)" % (spec, got, len(infos))))
    if args.expect_vcmdq is not None:
        check = "host/vcmdq-commands"
        try:
            smmus = qmp.find_type("arm-smmuv3-aux")
            if len(smmus) != 1:
                res.append((check, "FAIL", "%d arm-smmuv3-aux objects under "
                            "/machine: %s" % (len(smmus), smmus)))
                return res
            counts = qmp.command("qom-get", path=smmus[0], property="vcmdq-commands")
        except (OSError, EOFError, ValueError, QMPError) as e:
            res.append((check, "FAIL", "QMP: %s" % e))
            return res
        used = [q for q, n in enumerate(counts) if n > 0]
        detail = "%s vcmdq-commands=%s: %d of %d VCMDQs carried commands %s" % (
            smmus[0], counts, len(used), len(counts), used)
        want = vcmdq_expectation(args.expect_vcmdq)
        ok = used == want if isinstance(want, list) else len(used) == want
        if not counts:
            res.append((check, "FAIL", detail + " (the SMMU has no CMDQV: "
                        "-global arm-smmuv3-aux.cmdqv=on?)"))
        else:
            res.append((check, "PASS" if ok else "FAIL",
                        detail + ", %s expected" % want))
    return res


def take_graph(args, qmp, logf):
    """--graph: the guest paused while scripts/smmu-graph draws the SMMU."""
    check = "host/graph"
    spec = importlib.util.spec_from_loader(
        "smmu_graph", importlib.machinery.SourceFileLoader(
            "smmu_graph", os.path.join(TOP, "scripts", "smmu-graph")))
    try:
        graph = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(graph)
        qmp.command("stop")
        try:
            files = graph.render(qmp, args.graph)
        finally:
            qmp.command("cont")
    except (OSError, EOFError, ValueError, QMPError, RuntimeError) as e:
        return (check, "FAIL", "smmu-graph: %s" % e)
    logf.write("# smmu-graph: %s\n" % ", ".join(files))
    if args.show_console or args.raw:
        print("guest: smmu-graph wrote %s" % ", ".join(files), flush=True)
    return (check, "PASS", "wrote %s" % ", ".join(files))


def build_cmdline(args, disks, net=None):
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
    if len(disks) > 1 and not args.raw:
        append += " smmutest.disks=%d" % len(disks)
    if net is not None and not args.raw:
        append += (" smmutest.net_port=%d smmutest.net_sha256=%s"
                   " smmutest.net_bytes=%d smmutest.net_up_mib=%d"
                   % (net.port, hashlib.sha256(net.data).hexdigest(),
                      len(net.data), args.net_up_mib))
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
    for i, disk in enumerate(disks):
        slot = "" if i == 0 else ",addr=0x%x.0" % (0x10 + i - 1)
        cmd += ["-drive", "file=%s,if=none,format=raw,id=disk%d" % (disk, i),
                "-device", "virtio-blk-pci,drive=disk%d%s%s"
                % (i, slot, virtio_opts(args))]
    if want_net(args):
        # romfile=: no option ROM (the build has no firmware blobs).
        cmd += ["-netdev", "user,id=n0",
                "-device", "virtio-net-pci,netdev=n0,romfile=" + virtio_opts(args)]
    if args.gdb:
        cmd += ["-s", "-S"]
    # migrate-guest.py builds its own Namespace, without the QMP options.
    if getattr(args, "qmp", False):
        cmd += ["-qmp", "unix:%s,server=on,wait=off" % args.qmp_path,
                "-no-shutdown"]
    if args.qemu_extra:
        cmd += shlex.split(args.qemu_extra)
    if os.environ.get("QEMU_EXTRA"):
        cmd += shlex.split(os.environ["QEMU_EXTRA"])
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
        self.smmu_events = []      # console lines matching SMMU_EVENT_RE
        self.done_time = None
        self.mark_re = None        # set by boot() for --rss-mark
        self.graph_re = None       # ... and for --graph-at
        self.graph_time = None
        self.mark_time = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        for raw_line in iter(self.stream.readline, b""):
            line = raw_line.decode("utf-8", "replace")
            self.logf.write(line)
            self.logf.flush()
            if self.show:
                sys.stdout.write(line)
                sys.stdout.flush()
            text = line.rstrip("\r\n")
            if self.graph_re and self.graph_time is None and self.graph_re.search(text):
                self.graph_time = time.monotonic()
            if self.raw:
                continue
            if self.mark_re and self.mark_time is None and self.mark_re.search(text):
                self.mark_time = time.monotonic()
            if SMMU_EVENT_RE.search(text):
                self.smmu_events.append(text)
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


class RssSampler:
    """VmRSS of a process every interval seconds, from the host."""

    def __init__(self, pid, interval):
        self.pid = pid
        self.interval = interval
        self.samples = []          # (seconds since start, KiB)
        self.stop = threading.Event()
        self.start = time.monotonic()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.samples.append((time.monotonic() - self.start,
                                                 int(line.split()[1])))
                            break
            except OSError:
                return
            self.stop.wait(self.interval)

    def finish(self, name, settle, max_growth_mib, logf, mark_time=None):
        """Print the series; returns (status, detail) of the flatness check."""
        self.stop.set()
        if mark_time is not None:
            logf.write("# rss: settle time counted from %.0f s\n" % (mark_time - self.start))
            settle += mark_time - self.start
        self.thread.join(5)
        series = " ".join("%.0f:%.1f" % (t, k / 1024) for t, k in self.samples)
        logf.write("# rss (s:MiB) %s\n" % series)
        print("rss %s (s:MiB): %s" % (name, series), flush=True)
        late = [(t, k) for t, k in self.samples if t >= settle]
        # Only the part of the run where the guest still ran counts: the
        # last sample can be QEMU tearing down.
        if len(late) < 3:
            return "FAIL", "only %d RSS samples after %.0f s" % (len(late), settle)
        base = late[0][1]
        top = max(k for _, k in late)
        growth = (top - base) / 1024
        detail = ("VmRSS %.1f MiB at %.0f s, max %.1f MiB after it (+%.1f MiB), "
                  "last %.1f MiB at %.0f s, %d samples every %.0f s"
                  % (base / 1024, late[0][0], top / 1024, growth,
                     late[-1][1] / 1024, late[-1][0], len(self.samples),
                     self.interval))
        if mark_time is not None:
            detail += ", settle point %.0f s after the mark" % (settle - (mark_time - self.start))
        return ("PASS" if growth <= max_growth_mib else "FAIL"), detail


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
    net = None
    try:
        disks = []
        if args.disk_mib > 0:
            for i in range(max(args.disks, 1)):
                disks.append(os.path.join(tmpdir, "disk%d.img" % i))
                with open(disks[-1], "wb") as f:
                    f.truncate(args.disk_mib << 20)
        if want_net(args) and not args.dry_run:
            net = NetServer(net_data(args.net_mib))
        args.qmp_path = os.path.join(tmpdir, "qmp.sock")
        cmd, interactive = build_cmdline(args, disks, net)
        if args.dry_run:
            print(shlex.join(cmd))
            return 0
        if net is not None and args.raw:
            print("guest: HTTP server on 10.0.2.2:%d (GET /data, POST /upload)"
                  % net.port, flush=True)
        return boot(args, cmd, interactive, logpath, net)
    finally:
        if net is not None:
            net.close()
        shutil.rmtree(tmpdir, ignore_errors=True)


def boot(args, cmd, interactive, logpath, net=None):
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
        rss = RssSampler(proc.pid, args.rss_interval) if args.rss_interval > 0 else None
        if args.rss_mark:
            con.mark_re = re.compile(args.rss_mark)
        if args.graph:
            con.graph_re = re.compile(args.graph_at)
        graphed = False
        timed_out = False
        qmp = None
        host = []
        rss_result = None
        try:
            if args.qmp:
                try:
                    qmp = QMP(args.qmp_path, proc=proc)
                except (OSError, EOFError, ValueError, QMPError) as e:
                    host.append(("host/qmp", "FAIL", "cannot connect to QMP "
                                 "%s: %s" % (args.qmp_path, e)))
            while True:
                try:
                    proc.wait(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    pass
                # -no-shutdown: the guest's power-off (or reboot, with
                # -no-reboot) leaves QEMU stopped in "shutdown".
                if qmp is not None:
                    try:
                        st = qmp.command("query-status")["status"]
                    except (OSError, EOFError, ValueError, QMPError) as e:
                        host.append(("host/qmp", "FAIL", "query-status: %s" % e))
                        qmp.close()
                        qmp = None
                        st = None
                    if st in ("shutdown", "guest-panicked", "internal-error"):
                        logf.write("# qemu stopped: %s\n" % st)
                        break
                if qmp is not None and con.graph_time is not None and not graphed:
                    graphed = True
                    host.append(take_graph(args, qmp, logf))
                now = time.monotonic()
                if timeout is not None and now - start > timeout:
                    timed_out = True
                    break
                # The guest powers off right after SMMUTEST-DONE; do not
                # wait long if it does not.
                if con.done_time is not None and now - con.done_time > 30:
                    break
                if rss is not None and con.done and not rss.stop.is_set():
                    rss_result = rss.finish(args.name, args.rss_settle,
                                            args.rss_max_growth, logf, con.mark_time)
        except KeyboardInterrupt:
            proc.kill()
            proc.wait()
            con.thread.join(5)
            print("\nguest: interrupted; console log: %s" % logpath)
            return 130
        if rss is not None and not rss.stop.is_set():
            rss_result = rss.finish(args.name, args.rss_settle,
                                    args.rss_max_growth, logf, con.mark_time)
        if qmp is not None:
            if not timed_out and proc.poll() is None:
                host += host_checks(args, qmp)
            try:
                qmp.command("quit")
            except (OSError, EOFError, ValueError, QMPError):
                pass
            qmp.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
        rc = proc.wait()
        con.thread.join(10)
        elapsed = time.monotonic() - start
        for check, status, detail in host:
            logf.write("# %s %s %s\n" % (check, status, detail))
            con.results.append((check, status, detail))
            if not args.show_console:
                report(status, "%s/%s" % (args.name, check), detail)
        if net is not None:
            for e in list(net.events):
                logf.write("# %s\n" % e)
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
    if rss_result is not None:
        report(rss_result[0], "%s/qemu-rss" % args.name, rss_result[1])
        if rss_result[0] == "PASS":
            passed += 1
        else:
            failed += 1
    if con.smmu_events:
        failed += 1
        report("FAIL", "%s/console-smmu" % args.name,
               "%d arm-smmu-v3 event/error lines on the console, first: %s"
               % (len(con.smmu_events), con.smmu_events[0]))
    else:
        passed += 1
        report("PASS", "%s/console-smmu" % args.name,
               "no arm-smmu-v3 event or error line on the console")
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
