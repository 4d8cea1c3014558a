#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Test of scripts/smmu-graph against a live QEMU (TAP output).  Known
# structures are written over qtest with the benchmarks' Linux-style
# programming (scripts/bench/smmu.py): a stage 1 StreamID with one CD, a
# StreamID whose linear CD table has four CDs, two of them sharing one
# domain's tables, a stage 2 StreamID, an ILLEGAL STE and two aborts.  The graph must
# draw each of them as the SMMU reads them: the mapped ranges with their
# addresses, the shared tables once, the bad STE with its event; and
# graphviz must render it to SVG and PNG.
#
#   tests/scripts/test-smmu-graph.py QEMU [--keep DIR]
#
# --keep DIR leaves DIR/smmu-graph.{dot,svg,png} (the picture in
# docs/system/arm/smmuv3-aux.rst is made this way).

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "scripts", "bench"))

import qtest  # noqa: E402
import smmu as S  # noqa: E402

IOVA = 0x80000000
DATA = 0x48000000
SID_S1, SID_SS, SID_S2, SID_BAD = 8, 9, 10, 11

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


def build(qts):
    alloc = S.Allocator(0x50000000, 0x58000000)
    smmu = S.SMMU(qts, alloc)
    smmu.bringup(sid_bits=4)
    # SID_S1: 16 pages, then a hole, then one 2 MiB block.
    a = S.PageTable(alloc, 4096, 48)
    a.map_range(IOVA, DATA, 16 << 12, S.S1_ATTRS)
    a.map(IOVA + (4 << 20), DATA + (2 << 20), S.S1_ATTRS, leaf_level=2)
    a.flush(qts)
    smmu.ste_s1(SID_S1, smmu.make_cd(a.root, 1))
    # SID_SS: CDs 0 and 2 share domain b (ASID 2); CD 1 has c; CD 3 V = 0.
    b = S.PageTable(alloc, 4096, 48)
    b.map_range(0x10000000, DATA, 4 << 12, S.S1_ATTRS)
    b.flush(qts)
    c = S.PageTable(alloc, 4096, 48)
    c.map_range(0x20000000, DATA + (1 << 20), 8 << 12, S.S1_ATTRS)
    c.flush(qts)
    tab = alloc.alloc(64 * 4, 64 * 4)
    smmu.make_cd(b.root, 2, at=tab)
    smmu.make_cd(c.root, 3, at=tab + 64)
    smmu.make_cd(b.root, 2, at=tab + 128)
    smmu.ste_s1(SID_SS, tab, cdmax=2)
    # SID_S2: stage 2, IPA 0x40000000 + 1 GiB as one level-1 block.
    s2 = S.PageTable(alloc, 4096, smmu.oas)
    s2.map(0x40000000, 0x40000000, S.S2_ATTRS, leaf_level=1)
    s2.flush(qts)
    smmu.ste_s2(SID_S2, s2.root)
    # SID_BAD: stage 1 with S1CDMax 31, above any SSIDSIZE: ILLEGAL.
    smmu.ste_s1(SID_BAD, tab, cdmax=31)
    # SIDs 12-13: V = 1, Config abort, as Linux fills unused STEs.
    smmu.write_ste(12, [1])
    smmu.write_ste(13, [1])
    smmu.invalidate_all()
    return tab


def dot_nodes(text):
    """label text of every node of a DOT file."""
    return [m.group(1).replace("\\n", "\n")
            for m in re.finditer(r'\[label="((?:[^"\\]|\\.)*)"', text)]


def ttb0_of(text, label_start):
    """The node a TTB0 edge leads to from the node whose label starts so."""
    m = re.search(r"(n\d+) \[label=\"%s" % re.escape(label_start), text)
    e = m and re.search(r"%s -> (n\d+) \[label=\"TTB0\"" % m.group(1), text)
    return e.group(1) if e else None


def run_graph(sock, prefix, *extra):
    r = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "smmu-graph"),
                        "--qmp", sock, "-o", prefix] + list(extra),
                       capture_output=True, text=True, timeout=120)
    return r


def main():
    p = argparse.ArgumentParser()
    p.add_argument("qemu")
    p.add_argument("--keep", metavar="DIR")
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="smmu-graph-test-")
    out = args.keep or tmp
    os.makedirs(out, exist_ok=True)
    sock = os.path.join(tmp, "qmp.sock")
    qts = qtest.QTest(args.qemu, ["-machine", "virt,gic-version=3,iommu=smmuv3-aux",
                                  "-cpu", "max", "-m", "1G",
                                  "-qmp", "unix:%s,server=on,wait=off" % sock])
    try:
        tab = build(qts)
        prefix = os.path.join(out, "smmu-graph")
        r = run_graph(sock, prefix)
        check("runs", r.returncode == 0, (r.stdout + r.stderr).strip())
        text = open(prefix + ".dot").read() if os.path.exists(prefix + ".dot") else ""
        labels = dot_nodes(text)

        def has(pattern):
            return any(re.search(pattern, lab, re.S) for lab in labels)

        check("ste/s1", has(r"^STE 0x8\nstage 1"), "STE 0x8 drawn as stage 1")
        check("ste/s2", has(r"^STE 0xa\nstage 1 bypass, stage 2 translate"),
          "STE 0xa drawn as stage 2")
        check("ste/bad", has(r"^STE 0xb\n.*C_BAD_STE: S1CDMax above SSIDSIZE"),
              "the ILLEGAL STE with its event")
        check("aborts", has(r"^2 StreamID\(s\) abort:\n0xc-0xd$") and
              not has(r"^STE 0xc"), "abort STEs summed up in one node")
        check("s1/levels", all(has(r"^S1 L%d table" % lv) for lv in range(4)),
              "a 4-level stage 1 walk: L0-L3 tables")
        check("s1/pages", has(r"IOVA 0x80000000\.\.0x8000ffff\n-> PA 0x48000000\n"
                              r"16 x 4 KiB \(L3\)"), "16 pages merged into one range")
        check("s1/block", has(r"IOVA 0x80400000\.\.0x805fffff\n-> PA 0x48200000\n"
                              r"1 x 2 MiB \(L2\)"), "the 2 MiB block at level 2")
        check("s1/ap", has(r"AP .*AttrIndx=1"), "leaf attributes decoded")
        check("cdtab", has(r"^CD table\nlinear, S1CDMax 2\nS1ContextPtr 0x%x" % tab),
              "the linear CD table of STE 0x9")
        check("cds", has(r"^CD SSID 0\nASID 2") and has(r"^CD SSID 1\nASID 3") and
              has(r"^CD SSID 2\nASID 2") and not has(r"^CD SSID 3"),
              "CDs 0-2, not the invalid CD 3")
        shared = [lab for lab in labels if lab.startswith("IOVA 0x10000000")]
        ttb0 = [ttb0_of(text, "CD SSID %d\\n" % i) for i in range(3)]
        check("shared-tables", len(shared) == 1 and ttb0[0] == ttb0[2] and
              ttb0[0] is not None and ttb0[1] not in (None, ttb0[0]),
              "domain b's tables drawn once for CDs 0 and 2 (TTB0 -> %s)" % ttb0)
        check("s2/block", has(r"IPA 0x40000000\.\.0x7fffffff\n-> PA 0x40000000\n"
                              r"1 x 1 GiB \(L1\)"), "stage 2's 1 GiB block")
        try:
            ET.parse(prefix + ".svg")
            ok = True
        except (OSError, ET.ParseError) as e:
            ok = False
            check("svg", False, str(e))
        if ok:
            check("svg", True, "well-formed SVG")
        with open(prefix + ".png", "rb") if os.path.exists(prefix + ".png") \
                else open(os.devnull, "rb") as f:
            check("png", f.read(8) == b"\x89PNG\r\n\x1a\n", "PNG signature")

        # One StreamID and SubstreamID only.
        one = os.path.join(tmp, "one")
        r = run_graph(sock, one, "--sid", "9", "--ssid", "1", "--format", "dot")
        labels = dot_nodes(open(one + ".dot").read()) if r.returncode == 0 else []
        check("one-ssid", r.returncode == 0 and has(r"^CD SSID 1\nASID 3") and
              not has(r"^CD SSID 0") and not has(r"^STE 0x8"),
              (r.stdout + r.stderr).strip())

        # The guest's tables are untouched and nothing was counted as DMA.
        word = struct.unpack("<Q", qts.memread(tab + 64 * 3, 8))[0]
        check("read-only", word == 0, "CD 3 still 0x%x" % word)
    except Exception as e:  # a crash of the test is one failure
        check("setup", False, "%s: %s" % (type(e).__name__, e))
    finally:
        qts.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print("1..%d" % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%sok %d smmu-graph/%s%s" % ("" if ok else "not ", i, name,
                                          " # " + " / ".join(detail.splitlines()) if detail else ""))
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
