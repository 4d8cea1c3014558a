# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmark 6, scaling: the IOTLB-hit burst of benchmark 1 on 1, 2 and 4
# test devices at once.  Each device runs its burst in its own thread
# (TD_CTRL.ASYNC, outside QEMU's big lock), all through one stage-1 domain
# with a StreamID each, so the figure shows whether the translation path
# serialises concurrent devices: arm-smmuv3 takes one mutex per
# translation, arm-smmuv3-aux serves hits from a lock-free per-device
# micro-TLB.
#
# The figure is aggregate DMAs per second: devices x DMAs per device over
# the wall time from the first CMD write until the last device is done.
# On a host with C cores at most C device threads run at once (the qtest
# main thread only polls), so the ideal speedup is min(devices, cores).

import os
import time

from qemu_bench import Instance, DATA, HIT_PAGES
from smmu import (TD_CMD, TD_STATUS, TD_SRC, TD_BURST_COUNT, TD_BURST_PAGES,
                  TD_BURST_ORDER, TD_ERR_ADDR, TD_CMD_BURST, TD_STATUS_DONE)
from stats import Row, CONFIGS, fmt_rate, fmt_plain

TD_CTRL = 0x10
TD_CTRL_ASYNC = 1 << 2
TD_STATUS_BUSY = 1 << 2
DEVICES = (1, 2, 4)
SETUPS = tuple("s1-4k" if i == 0 else "s1-4k-%d" % i for i in range(4))


def _start(dev, count):
    q, b = dev.qts, dev.bar
    q.writeq(b + TD_SRC, DATA)
    q.writel(b + TD_BURST_PAGES, HIT_PAGES)
    q.writel(b + TD_BURST_ORDER, 0)
    q.writeq(b + TD_BURST_COUNT, count)
    q.writel(b + TD_STATUS, 3)
    q.writel(b + TD_CTRL, TD_CTRL_ASYNC)
    q.writel(b + TD_CMD, TD_CMD_BURST)


def _wait(dev):
    q, b = dev.qts, dev.bar
    while True:
        st = q.readl(b + TD_STATUS)
        if not st & TD_STATUS_BUSY:
            break
        time.sleep(0.0005)
    if st != TD_STATUS_DONE:
        raise RuntimeError("async burst failed: status %d at IOVA 0x%x"
                           % (st, q.readq(b + TD_ERR_ADDR)))


def parallel_rate(inst, ndev, count):
    """Aggregate DMAs/s of ndev devices bursting at once."""
    devs = [inst.devs[s] for s in SETUPS[:ndev]]
    t = time.monotonic()
    for d in devs:
        _start(d, count)
    for d in devs:
        _wait(d)
    return ndev * count / (time.monotonic() - t)


def bench_scaling(qemu, runs, count, log):
    insts = {}
    try:
        for cfg in CONFIGS:
            insts[cfg] = Instance(qemu, cfg, setups=SETUPS)
            log("  started %s with %d test devices" % (cfg, len(SETUPS)))
        samples = {n: {c: [] for c in CONFIGS} for n in DEVICES}
        for r in range(runs):
            for n in DEVICES:
                for cfg in CONFIGS:
                    samples[n][cfg].append(parallel_rate(insts[cfg], n, count))
            log("  scaling run %d/%d done" % (r + 1, runs))
    finally:
        for i in insts.values():
            i.close()

    cores = os.cpu_count() or 1
    ratios = [("aux/up", "smmuv3-aux", "smmuv3", None),
              ("aux/none", "smmuv3-aux", "none", None)]
    rows = []
    for n in DEVICES:
        rows.append(Row("scaling: %d device%s at once, IOTLB hit, total DMA/s"
                        % (n, "s" if n > 1 else ""), "DMA/s", fmt_rate,
                        samples[n], ratios))
    # Speedup of 4 devices over 1, run by run, per configuration.
    speed = {c: [100.0 * a / b for a, b in zip(samples[4][c], samples[1][c])]
             for c in CONFIGS}
    rows.append(Row("scaling: 4 devices vs 1, speedup in %% (ideal %d00 on "
                    "%d cores)" % (min(4, cores), cores), "%", fmt_plain,
                    speed, [("aux/up", "smmuv3-aux", "smmuv3", None)]))
    return rows
