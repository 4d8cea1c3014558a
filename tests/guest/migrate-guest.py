#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Live migration and savevm/loadvm of an arm64 guest on iommu=smmuv3-aux,
# driven over QMP (Python 3 standard library only, like run-guest.py, whose
# command line, HTTP server and result parsing it reuses).
#
# --mode migrate (scenarios probe,net,migrate,dmesg-clean): the source QEMU
#   boots the guest; the guest's "migrate" scenario (tests/guest/init) runs
#   O_DIRECT rounds on /dev/vda and download/upload rounds on virtio-net and
#   prints "SMMUTEST-WAIT migrate" once they run.  The runner then starts a
#   destination QEMU with the same command line and "-incoming
#   unix:<socket>", migrates the source to it (QMP migrate, precopy) in the
#   middle of that traffic, waits for "completed", quits the source, lets
#   the traffic run on the destination until every loop has done
#   --dest-rounds more rounds there, and answers "stop" on the destination's
#   console.  The guest checks its data and finishes on the destination.
#   The scratch disk is a raw file both QEMUs open (shared storage).
#
# --mode snapshot (scenarios probe,snapshot,dmesg-clean): the disk is a
#   qcow2 image made through QMP blockdev-create by a throw-away
#   "qemu-system-aarch64 -machine none" (no qemu-img needed).  At
#   "SMMUTEST-WAIT snapshot" the runner runs HMP savevm (through QMP
#   human-monitor-command) and answers "go"; the guest overwrites its data;
#   at "SMMUTEST-WAIT overwritten" the runner runs loadvm, and answers
#   "verify" to the restored guest, which must find the data of the
#   snapshot.
#
# Breaking it on purpose (--break):
#   ssidsize   the destination gets -global arm-smmuv3-aux.ssidsize=0: its
#              IDR1 differs from the source's, post_load must refuse the
#              stream, the migration must fail (FAIL <name>/migration) and
#              the guest goes on and ends on the source
#   freshdisk  the destination gets an empty disk instead of the shared
#              one: the migration completes, the guest's data checks must
#              fail (migrate/persist, migrate/dma)
#   noloadvm   loadvm is not run: snapshot/restored and snapshot/data fail
#
# --expect-vcmdq-dest A-B (a CMDQV guest, -global arm-smmuv3-aux.cmdqv=on):
#   once the traffic ran on the destination, its SMMU's QOM vcmdq-commands
#   (which migrate: their growth since the destination took over) must
#   show that some of the VCMDQs A-B, and no other, carried commands: the
#   guest's tegra241-cmdqv driver goes on with the queues it had,
#   restored from the stream.
#
# Result lines like run-guest.py: "PASS|FAIL <name>/<check>  <detail>",
# then "guest: N passed, N failed"; exit status 0 only if all passed.

import argparse
import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "run_guest", os.path.join(HERE, "run-guest.py"))
rg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rg)

WAIT_RE = re.compile(r"SMMUTEST-WAIT (\S+)")
TRAFFIC_RE = re.compile(r"SMMUTEST-TRAFFIC (\S+) (\d+) (\S+)")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=("migrate", "snapshot"), default="migrate")
    p.add_argument("--qemu", default=os.environ.get("QEMU", rg.DEFAULT_QEMU))
    p.add_argument("--kernel", required=True)
    p.add_argument("--initrd")
    p.add_argument("--iommu", default="smmuv3-aux")
    p.add_argument("--scenarios", default=None,
                   help="default: probe,net,migrate,dmesg-clean or "
                        "probe,snapshot,dmesg-clean")
    p.add_argument("--append-extra", default="")
    p.add_argument("--machine-extra", default="")
    p.add_argument("--qemu-extra", default="")
    p.add_argument("--dest-extra", default="",
                   help="extra QEMU arguments of the destination only")
    p.add_argument("--break", dest="brk", choices=("ssidsize", "freshdisk", "noloadvm"),
                   help="break it on purpose (see the header)")
    p.add_argument("--expect-vcmdq-dest", default=None, metavar="A-B|A,B,...",
                   help="after the traffic on the destination: the VCMDQs "
                        "whose QOM vcmdq-commands grew there are some, and "
                        "only these")
    p.add_argument("--dest-rounds", type=int, default=3,
                   help="rounds of every traffic loop on the destination "
                        "before 'stop' (default %(default)s)")
    p.add_argument("--net-mib", type=int, default=2)
    p.add_argument("--net-up-mib", type=int, default=1)
    p.add_argument("--timeout", type=float, default=240)
    p.add_argument("--name", default=None)
    p.add_argument("--log-dir", default=rg.DEFAULT_LOGDIR)
    p.add_argument("--disk-mib", type=int, default=64)
    p.add_argument("--smp", default="2")
    p.add_argument("--memory", default="512M")
    p.add_argument("--show-console", action="store_true")
    a = p.parse_args()
    if a.scenarios is None:
        a.scenarios = ("probe,net,migrate,dmesg-clean" if a.mode == "migrate"
                       else "probe,snapshot,dmesg-clean")
    if a.name is None:
        a.name = a.mode
    # What run-guest.build_cmdline() reads.
    a.append = None
    a.raw = False
    a.bypass_iommu_virtio = False
    a.net = False
    a.gdb = False
    return a


class QMP:
    """A minimal QMP client on a unix socket."""

    def __init__(self, path, timeout=30):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.f = self.sock.makefile("rwb")
        self.events = []
        self._read()                      # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def cmd(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.f.write((json.dumps(msg) + "\n").encode())
        self.f.flush()
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise RuntimeError("%s: %s" % (execute, r["error"].get("desc", r["error"])))
            return r.get("return")

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Guest:
    """One QEMU process: its console read into the shared log."""

    def __init__(self, role, cmd, run):
        self.role = role
        self.run = run
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.waits = []                   # tokens of SMMUTEST-WAIT
        self.traffic = {}                 # tag -> rounds seen on this console
        self.qemu_msgs = []               # QEMU's own error lines
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace")
            self.run.line(self, line)
            text = line.rstrip("\r\n")
            m = WAIT_RE.search(text)
            if m:
                self.waits.append(m.group(1))
            if text.startswith("qemu-system"):
                self.qemu_msgs.append(text)
            m = TRAFFIC_RE.search(text)
            if m:
                self.traffic[m.group(1)] = self.traffic.get(m.group(1), 0) + 1

    def send(self, text):
        try:
            self.proc.stdin.write((text + "\n").encode())
            self.proc.stdin.flush()
        except OSError:
            pass

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.thread.join(10)


class Run:
    def __init__(self, args, logf):
        self.args = args
        self.logf = logf
        self.lock = threading.Lock()
        self.results = []
        self.smmu_events = []
        self.done = False
        self.panic = None
        self.passed = 0
        self.failed = 0
        self.start = time.monotonic()

    def line(self, guest, line):
        with self.lock:
            self.logf.write(line)
            self.logf.flush()
            if self.args.show_console:
                sys.stdout.write(line)
                sys.stdout.flush()
            text = line.rstrip("\r\n")
            if rg.SMMU_EVENT_RE.search(text):
                self.smmu_events.append("%s: %s" % (guest.role, text))
            m = rg.RESULT_RE.search(text)
            if m:
                self.results.append(m.groups())
                rg.report(m.group(2), "%s/%s" % (self.args.name, m.group(1)),
                          m.group(3).strip())
            elif rg.DONE_RE.search(text):
                self.done = True
            elif rg.PANIC_RE.search(text) and not self.panic:
                self.panic = text

    def note(self, text):
        with self.lock:
            self.logf.write("# %.1f s: %s\n" % (time.monotonic() - self.start, text))
            self.logf.flush()

    def check(self, status, check, detail):
        rg.report(status, "%s/%s" % (self.args.name, check), detail)
        self.note("%s %s %s" % (status, check, detail))
        if status == "PASS":
            self.passed += 1
        else:
            self.failed += 1

    def left(self):
        return self.args.timeout - (time.monotonic() - self.start)


def wait_for(pred, run, what, limit=None):
    """Poll pred() until true; False after the run's timeout (or limit s)."""
    end = time.monotonic() + (limit if limit is not None else run.left())
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.1)
    run.note("gave up waiting for " + what)
    return False


def make_qcow2(qemu, path, size, extra):
    """An empty qcow2 image through QMP blockdev-create (no qemu-img)."""
    d = tempfile.mkdtemp(prefix="smmuv3-aux-qcow2-")
    sock = os.path.join(d, "qmp.sock")
    p = subprocess.Popen([qemu, "-machine", "none", "-nodefaults", "-display", "none",
                          "-qmp", "unix:%s,server=on,wait=off" % sock] + extra,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        q = QMP(sock)

        def job(jid, **opts):
            q.cmd("blockdev-create", **{"job-id": jid, "options": opts})
            end = time.monotonic() + 30
            while time.monotonic() < end:
                for j in q.cmd("query-jobs"):
                    if j["id"] == jid and j["status"] == "concluded":
                        q.cmd("job-dismiss", id=jid)
                        if j.get("error"):
                            raise RuntimeError("blockdev-create %s: %s" % (jid, j["error"]))
                        return
                time.sleep(0.05)
            raise RuntimeError("blockdev-create %s: no end" % jid)

        job("mkfile", driver="file", filename=path, size=0)
        q.cmd("blockdev-add", driver="file", filename=path, **{"node-name": "f0"})
        job("mkqcow2", driver="qcow2", file="f0", size=size)
        q.cmd("blockdev-del", **{"node-name": "f0"})
        q.cmd("quit")
        q.close()
        p.wait(10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(d, ignore_errors=True)


def qemu_cmd(args, disk, fmt, net, qmp_sock, extra=()):
    cmd, _ = rg.build_cmdline(args, [disk], net)
    if fmt != "raw":
        cmd = [c.replace(",format=raw,", ",format=%s," % fmt) for c in cmd]
    return cmd + ["-qmp", "unix:%s,server=on,wait=off" % qmp_sock] + list(extra)


def do_migrate(args, run, tmp, src, src_cmd_base):
    net = run.net
    mig_sock = os.path.join(tmp, "mig.sock")
    dst_qmp_path = os.path.join(tmp, "dst-qmp.sock")
    extra = shlex.split(args.dest_extra)
    if args.brk == "ssidsize":
        extra += ["-global", "arm-smmuv3-aux.ssidsize=0"]
    dst_disk = run.disk
    if args.brk == "freshdisk":
        dst_disk = os.path.join(tmp, "disk0-dst.img")
        with open(dst_disk, "wb") as f:
            f.truncate(args.disk_mib << 20)
    dst_cmd = qemu_cmd(args, dst_disk, "raw", net, dst_qmp_path,
                       extra + ["-incoming", "unix:" + mig_sock])
    run.note("destination: " + shlex.join(dst_cmd))
    dst = Guest("destination", dst_cmd, run)
    run.dst = dst
    dq = QMP(dst_qmp_path)
    if not wait_for(lambda: os.path.exists(mig_sock), run, "the migration socket", 30):
        run.check("FAIL", "migration", "the destination did not listen on " + mig_sock)
        return False
    sq = run.sq
    sq.cmd("migrate-set-parameters", **{"max-bandwidth": 4 << 30, "downtime-limit": 500})
    traffic_before = dict(src.traffic)
    t0 = time.monotonic()
    sq.cmd("migrate", uri="unix:" + mig_sock)
    run.note("migrate started; traffic rounds so far %s" % traffic_before)
    info = {}
    while run.left() > 0:
        info = sq.cmd("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.1)
    secs = time.monotonic() - t0
    st = info.get("status", "?")
    if st != "completed":
        why = info.get("error-desc", "")
        time.sleep(1)
        dst_tail = ""
        if dst.proc.poll() is not None:
            dst_tail = "; destination exited with %d" % dst.proc.returncode
        if dst.qemu_msgs:
            dst_tail += ": " + " | ".join(dst.qemu_msgs[:3])
        run.check("FAIL", "migration", "status %s after %.1f s: %s%s" % (st, secs, why, dst_tail))
        # The guest goes on on the source: let it finish there.
        dq.close()
        dst.stop()
        src.send("stop")
        return False
    ram = info.get("ram", {})
    detail = ("completed in %.1f s (total-time %s ms, downtime %s ms, %.0f MiB "
              "transferred, %s dirty-sync rounds)" % (
                  secs, info.get("total-time"), info.get("downtime"),
                  ram.get("transferred", 0) / 1048576.0, ram.get("dirty-sync-count")))
    # The destination runs on its own (no -S): the guest continues there.
    ok = wait_for(lambda: dq.cmd("query-status").get("status") == "running",
                  run, "the destination to run", 30)
    run.check("PASS" if ok else "FAIL", "migration",
              detail + ("" if ok else "; destination not running"))
    # vcmdq-commands migrates: what the destination's queues carry is the
    # growth from here.
    vcmdq_base = dest_vcmdq_counts(dq) if args.expect_vcmdq_dest else None
    try:
        sq.cmd("quit")
    except (EOFError, OSError, RuntimeError):
        pass
    src.proc.wait(20)
    tags = [t for t in traffic_before]
    ok = wait_for(lambda: all(dst.traffic.get(t, 0) >= args.dest_rounds for t in tags),
                  run, "traffic on the destination", max(10, min(120, run.left() - 30)))
    seen = ", ".join("%s %d" % (t, dst.traffic.get(t, 0)) for t in sorted(tags))
    run.check("PASS" if ok and tags else "FAIL", "dest-traffic",
              "rounds on the destination: %s (want %d each; before the "
              "migration: %s)" % (seen or "none", args.dest_rounds,
                                  ", ".join("%s %d" % kv for kv in sorted(traffic_before.items()))))
    if args.expect_vcmdq_dest is not None:
        dest_vcmdq_check(args, run, dq, vcmdq_base)
    dst.send("stop")
    run.dq = dq
    return True


def find_type(q, typ, path="/machine"):
    """QOM paths of the objects of type @typ under @path."""
    found = []
    for p in q.cmd("qom-list", path=path):
        t = p.get("type", "")
        if not t.startswith("child<"):
            continue
        sub = path + "/" + p["name"]
        if t == "child<%s>" % typ:
            found.append(sub)
        found += find_type(q, typ, sub)
    return found


def dest_vcmdq_counts(dq):
    """The destination SMMU's QOM vcmdq-commands, or a reason it has none."""
    smmus = find_type(dq, "arm-smmuv3-aux")
    if len(smmus) != 1:
        return "%d arm-smmuv3-aux objects: %s" % (len(smmus), smmus)
    return dq.cmd("qom-get", path=smmus[0], property="vcmdq-commands")


def dest_vcmdq_check(args, run, dq, base):
    """--expect-vcmdq-dest: the guest's VCMDQs carry its commands after the
    migration, on the destination (counters that grew since it took over;
    the counts themselves migrate)."""
    now = dest_vcmdq_counts(dq)
    if isinstance(base, str) or isinstance(now, str) or len(now) != len(base):
        run.check("FAIL", "dest-vcmdq", "vcmdq-commands %s, then %s" % (base, now))
        return
    used = [i for i, (b, n) in enumerate(zip(base, now)) if n > b]
    allowed = rg.vcmdq_expectation(args.expect_vcmdq_dest)
    ok = bool(used) and isinstance(allowed, list) and set(used) <= set(allowed)
    run.check("PASS" if ok else "FAIL", "dest-vcmdq",
              "vcmdq-commands on the destination %s when it took over, %s "
              "after its traffic: VCMDQs %s carried commands there, some of "
              "%s expected" % (base, now, used, allowed))


def do_snapshot(args, run, src):
    sq = run.sq
    try:
        t0 = time.monotonic()
        out = sq.hmp("savevm smmutest")
        if out.strip():
            raise RuntimeError("savevm: " + out.strip())
        run.check("PASS", "savevm", "savevm in %.1f s; %s" % (
            time.monotonic() - t0, " ".join(sq.hmp("info snapshots").split()[-8:])))
    except (RuntimeError, EOFError, OSError) as e:
        run.check("FAIL", "savevm", str(e))
        src.send("stop")
        return
    src.send("go")
    if not wait_for(lambda: "overwritten" in src.waits, run, "SMMUTEST-WAIT overwritten"):
        return
    if args.brk == "noloadvm":
        rg.report("SKIP", "%s/loadvm" % args.name, "--break noloadvm: loadvm NOT run")
        run.note("SKIP loadvm (--break noloadvm)")
    else:
        try:
            t0 = time.monotonic()
            out = sq.hmp("loadvm smmutest")
            if out.strip():
                raise RuntimeError("loadvm: " + out.strip())
            run.check("PASS", "loadvm", "loadvm in %.1f s" % (time.monotonic() - t0))
        except (RuntimeError, EOFError, OSError) as e:
            run.check("FAIL", "loadvm", str(e))
    src.send("verify")


def main():
    args = parse_args()
    os.makedirs(args.log_dir, exist_ok=True)
    logpath = os.path.join(args.log_dir,
                           re.sub(r"[^A-Za-z0-9_.,+-]", "_", args.name) + ".log")
    tmp = tempfile.mkdtemp(prefix="smmuv3-aux-mig-")
    net = None
    guests = []
    with open(logpath, "w", encoding="utf-8") as logf:
        run = Run(args, logf)
        run.dst = None
        run.dq = None
        try:
            run.disk = os.path.join(tmp, "disk0.img")
            fmt = "raw"
            if args.mode == "snapshot":
                fmt = "qcow2"
                # Only "-L dir" of QEMU_EXTRA matters to -machine none.
                lopts = []
                e = shlex.split(os.environ.get("QEMU_EXTRA", ""))
                for i, a in enumerate(e):
                    if a == "-L" and i + 1 < len(e):
                        lopts += ["-L", e[i + 1]]
                make_qcow2(args.qemu, run.disk, args.disk_mib << 20, lopts)
                run.note("qcow2 scratch disk made through QMP blockdev-create")
            else:
                with open(run.disk, "wb") as f:
                    f.truncate(args.disk_mib << 20)
            if "net" in args.scenarios.split(","):
                net = rg.NetServer(rg.net_data(args.net_mib))
            run.net = net
            src_qmp = os.path.join(tmp, "src-qmp.sock")
            src_cmd = qemu_cmd(args, run.disk, fmt, net, src_qmp)
            logf.write("# %s\n" % shlex.join(src_cmd))
            src = Guest("source", src_cmd, run)
            guests.append(src)
            run.sq = QMP(src_qmp)
            first = "migrate" if args.mode == "migrate" else "snapshot"
            if wait_for(lambda: first in src.waits or src.proc.poll() is not None,
                        run, "SMMUTEST-WAIT " + first) and first in src.waits:
                if args.mode == "migrate":
                    do_migrate(args, run, tmp, src, src_cmd)
                    if run.dst is not None:
                        guests.append(run.dst)
                else:
                    do_snapshot(args, run, src)
            else:
                run.check("FAIL", "wait", "no SMMUTEST-WAIT %s from the guest" % first)
            wait_for(lambda: run.done or all(g.proc.poll() is not None for g in guests),
                     run, "SMMUTEST-DONE")
            # The guest powers off right after SMMUTEST-DONE.
            for g in guests:
                wait_for(lambda: g.proc.poll() is not None, run, "QEMU to exit", 20)
        finally:
            for g in guests:
                g.stop()
            if run.dst is not None and run.dst not in guests:
                run.dst.stop()
            if net is not None:
                for e in list(net.events):
                    logf.write("# %s\n" % e)
                net.close()
            shutil.rmtree(tmp, ignore_errors=True)
        elapsed = time.monotonic() - run.start
        logf.write("# %s exit statuses %s after %.1f s\n" % (
            args.name, [g.proc.returncode for g in guests], elapsed))

    passed = run.passed + sum(1 for r in run.results if r[1] == "PASS")
    failed = run.failed + sum(1 for r in run.results if r[1] == "FAIL")
    skipped = sum(1 for r in run.results if r[1] == "SKIP")
    for s in [x for x in args.scenarios.split(",") if x]:
        if not any(r[0].split("/")[0] == s for r in run.results):
            failed += 1
            rg.report("FAIL", "%s/%s" % (args.name, s), "no results for this scenario")
    if run.smmu_events:
        failed += 1
        rg.report("FAIL", "%s/console-smmu" % args.name,
                  "%d arm-smmu-v3 event/error lines on the consoles, first: %s"
                  % (len(run.smmu_events), run.smmu_events[0]))
    else:
        passed += 1
        rg.report("PASS", "%s/console-smmu" % args.name,
                  "no arm-smmu-v3 event or error line on the consoles")
    if not run.done:
        failed += 1
        rg.report("FAIL", "%s/done" % args.name, "no SMMUTEST-DONE after %.0f s%s"
                  % (elapsed, "; " + run.panic if run.panic else ""))
    if failed:
        lines, total = rg.tail(logpath)
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
    return 0 if failed == 0 and passed > 0 and run.done else 1


if __name__ == "__main__":
    sys.exit(main())
