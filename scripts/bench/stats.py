# SPDX-License-Identifier: GPL-2.0-or-later
#
# Statistics and output of the benchmark: medians, pairwise ratios, the
# text table and build/bench/results.json.

import json
import statistics


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio_median(a, b):
    """Median of the run-by-run ratios a[i] / b[i] (paired samples)."""
    rs = [x / y for x, y in zip(a, b) if x is not None and y]
    return statistics.median(rs) if rs else None


def fmt_rate(v):
    if v is None:
        return "n/a"
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.2f %s/s" % (v / div, unit)
    return "%.0f /s" % v


def fmt_ns(v):
    return "n/a" if v is None else "%.0f ns" % v


def fmt_bytes(v):
    return "n/a" if v is None else "%.0f B" % v


def fmt_s(v):
    return "n/a" if v is None else "%.2f s" % v


def fmt_plain(v):
    return "n/a" if v is None else "%.0f" % v


class Row:
    """One figure of the table; values per configuration plus ratios."""

    def __init__(self, figure, unit, fmt, samples, ratios=(), target=None,
                 note=""):
        self.figure, self.unit, self.fmt = figure, unit, fmt
        self.samples = samples               # cfg -> list of samples
        self.values = {c: median(s) for c, s in samples.items()}
        self.ratios = []                     # (name, value, goal or None)
        for name, a, b, goal in ratios:
            self.ratios.append((name, ratio_median(samples.get(a, []),
                                                   samples.get(b, [])), goal))
        self.target = target                 # (text, predicate) or None
        self.note = note

    def met(self):
        if self.target is None:
            return ""
        ok = self.target[1](self)
        if ok is None:
            return "n/a"
        return "met" if ok else "MISSED"

    def ratio(self, name):
        for n, v, _ in self.ratios:
            if n == name:
                return v
        return None

    def as_dict(self):
        return {
            "figure": self.figure, "unit": self.unit,
            "median": self.values, "samples": self.samples,
            "ratios": {n: v for n, v, _ in self.ratios},
            "target": self.target[0] if self.target else None,
            "met": self.met() or None, "note": self.note or None,
        }


CONFIGS = ("smmuv3-aux", "smmuv3", "none")
HEADER = ("figure", "smmuv3-aux", "arm-smmuv3", "none", "ratios", "target",
          "met?")


def table_lines(rows):
    cells = [HEADER]
    for r in rows:
        rat = ", ".join("%s %s" % (n, "n/a" if v is None else "%.2fx" % v)
                        for n, v, _ in r.ratios)
        cells.append((r.figure,) +
                     tuple(r.fmt(r.values.get(c)) if c in r.samples else "-"
                           for c in CONFIGS) +
                     (rat, r.target[0] if r.target else "", r.met()))
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    out = []
    for n, c in enumerate(cells):
        out.append(" | ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip())
        if n == 0:
            out.append("-+-".join("-" * w for w in widths))
    return out


def write_json(path, meta, rows, missing):
    with open(path, "w") as f:
        json.dump({"meta": meta, "rows": [r.as_dict() for r in rows],
                   "missing": missing}, f, indent=1, sort_keys=True)
        f.write("\n")
