#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# "make run": boot an arm64 Linux guest on -machine virt,iommu=smmuv3-aux
# and stream its console.
#
# Without KERNEL: fetch Debian's backports kernel and the test initramfs,
# run the probe,dma,dmesg-clean scenarios (the driver's probe lines, the
# IOMMU groups and a disk DMA integrity check scroll by)
# and exit 0 if they pass.
# With KERNEL (and optionally INITRD, APPEND): boot that kernel as it is and
# stream the console; with a terminal on stdin the console is interactive
# (Ctrl-a x quits QEMU).  NET=1 adds the virtio-net NIC on user networking
# (and the runner's HTTP server, reachable from the guest as 10.0.2.2:<port>).
#
# Environment:
#   QEMU          qemu-system-aarch64 (default build/qemu-build/...)
#   KERNEL INITRD APPEND   your own kernel, initrd and command line
#   IOMMU         virt iommu= model (default smmuv3-aux)
#   KERNEL_SUITE  backports (default) or stable, for the Debian kernel
#   SCENARIO      scenarios for the Debian kernel
#                 (default probe,dma,dmesg-clean; add net for a network
#                 transfer check, see docs/devel/guest-tests.rst)
#   PASSTHROUGH   1 boots the Debian kernel with iommu.passthrough=1;
#                 0 (default) uses the default, translated DMA domain
#   GUEST_TIMEOUT seconds for the Debian kernel run (default 300)
#   MACHINE_EXTRA appended to -machine, e.g. virtualization=on
#   QEMU_EXTRA    extra QEMU arguments, e.g. "-trace smmuv3_aux_*" or "-s -S"
#   GRAPH         leave PREFIX.{dot,svg,png} behind: scripts/smmu-graph's
#                 picture of the SMMU's live configuration, taken with the
#                 guest paused at the console line GRAPH_AT (a regular
#                 expression; default: the dma scenario's first result)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runner=$top/tests/guest/run-guest.py
qemu=${QEMU:-$top/build/qemu-build/qemu-system-aarch64}
iommu=${IOMMU:-smmuv3-aux}
graph=()
[ -n "${GRAPH:-}" ] && graph=(--graph "$GRAPH" --graph-at "${GRAPH_AT:-^SMMUTEST dma/}")

if [ -n "${KERNEL:-}" ]; then
    args=(--raw --show-console --timeout 0 --name run-user
          --qemu "$qemu" --iommu "$iommu" --kernel "$KERNEL"
          --append "${APPEND:-console=ttyAMA0}"
          --machine-extra "${MACHINE_EXTRA:-}")
    [ -n "${INITRD:-}" ] && args+=(--initrd "$INITRD")
    [ "${NET:-0}" = 1 ] && args+=(--net)
    args+=(${graph[@]+"${graph[@]}"})
    exec python3 "$runner" "${args[@]}"
fi

suite=${KERNEL_SUITE:-backports}
env=$(mktemp)
trap 'rm -f "$env"' EXIT
"$top/scripts/guest-fetch.sh" "$suite" >"$env"
kernel=$(sed -n 's/^KERNEL=//p' "$env")
initrd=$(sed -n 's/^INITRD=//p' "$env")
kver=$(sed -n 's/^KVER=//p' "$env")
extra=${APPEND:-}
if [ "${PASSTHROUGH:-0}" = 1 ]; then
    extra="iommu.passthrough=1${extra:+ $extra}"
fi
echo "run: Debian $suite kernel $kver on -machine virt,iommu=$iommu"
python3 "$runner" --show-console --name "run-$suite" \
    --qemu "$qemu" --iommu "$iommu" --kernel "$kernel" --initrd "$initrd" \
    --scenarios "${SCENARIO:-probe,dma,dmesg-clean}" --append-extra "$extra" \
    --machine-extra "${MACHINE_EXTRA:-}" \
    ${graph[@]+"${graph[@]}"} \
    --timeout "${GUEST_TIMEOUT:-300}"
