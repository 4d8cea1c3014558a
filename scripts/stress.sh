#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make stress: STRESS_MINUTES (default 10) of guest stress on the project
# kernel (scripts/guest-kernel.sh), -smp 4 under MTTCG, iommu=smmuv3-aux,
# strict invalidation, stage-1 DMA domains:
#   - O_DIRECT write/read-back rounds on 4 virtio-blk disks at once,
#   - download/upload rounds on virtio-net,
#   - the test device's DMA from its own thread (TD_CTRL.ASYNC, "run N
#     async" of the test module, data checked in the kernel),
# (scenario "stress" of tests/guest/project-init.sh), then dmesg-clean and
# the runner's console-smmu check.  The guest RAM is preallocated
# (memory-backend-ram prealloc=on), so QEMU's RSS shows QEMU's own memory;
# run-guest.py samples /proc/<pid>/status VmRSS every STRESS_RSS_INTERVAL
# seconds (default 5), prints the series, and fails qemu-rss if it grows by
# more than STRESS_RSS_GROWTH MiB (default 32) after the first minute of
# the stress (60 s after the guest's "SMMUTEST-STRESS start").
# Not part of make check.  Runs under nice.
#
# Environment: STRESS_MINUTES (STRESS_SECONDS overrides it), STRESS_RSS_INTERVAL, STRESS_RSS_GROWTH, QEMU,
# QEMU_EXTRA, APPEND_EXTRA, KERNEL and INITRD (the project kernel's, as
# scripts/guest-kernel.sh prints them: skips that script).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
minutes=${STRESS_MINUTES:-10}
logdir=$top/build/guest-logs
mkdir -p "$logdir"

env=$logdir/stress.env
if [ -n "${KERNEL:-}" ] && [ -n "${INITRD:-}" ]; then
    # A project kernel and initramfs found before (guest-kernel.sh output).
    printf 'KERNEL=%s\nINITRD=%s\nKVER=%s\n' "$KERNEL" "$INITRD" "${KVER:-?}" >"$env"
elif ! "$top/scripts/guest-kernel.sh" >"$env"; then
    echo "FAIL stress/kernel  cannot build the project kernel"
    exit 1
fi
kernel=$(sed -n 's/^KERNEL=//p' "$env")
initrd=$(sed -n 's/^INITRD=//p' "$env")
secs=${STRESS_SECONDS:-$((minutes * 60))}
echo "== stress: $minutes min, project kernel $(sed -n 's/^KVER=//p' "$env"), -smp 4, 4 disks, net, testdev async"
t0=$(date +%s)
rc=0
nice -n "${STRESS_NICE:-10}" python3 "$top/tests/guest/run-guest.py" \
    --kernel "$kernel" --initrd "$initrd" --iommu smmuv3-aux \
    --scenarios probe,net,stress,dmesg-clean \
    --append-extra "iommu.strict=1 smmutest.expect_domain=DMA smmutest.stress_seconds=$secs${APPEND_EXTRA:+ $APPEND_EXTRA}" \
    --qemu-extra "-device smmuv3-aux-testdev -object memory-backend-ram,id=ram0,size=1G,prealloc=on" \
    --machine-extra memory-backend=ram0 --memory 1G \
    --smp 4 --disks 4 --net-mib 2 \
    --rss-interval "${STRESS_RSS_INTERVAL:-5}" --rss-max-growth "${STRESS_RSS_GROWTH:-32}" \
    --rss-mark 'SMMUTEST-STRESS start' --rss-settle 60 \
    --timeout $((secs + 600)) --name stress --log-dir "$logdir" || rc=$?
echo "stress: $(($(date +%s) - t0)) s, console log: $logdir/stress.log"
grep -E 'SMMUTEST-STRESS' "$logdir/stress.log" | sed 's/^/  /' || true
exit $rc
