#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch Debian's arm64 UEFI firmware (package qemu-efi-aarch64, EDK2's
# ArmVirtQemu) for guests that boot through ACPI (-machine virt,acpi=on).
#
#   scripts/guest-firmware.sh
#
# Prints on stdout, one per line:
#   BIOS=<QEMU_EFI.fd: the firmware image for -bios>
#   DEBVER=<Debian package version>
# Progress goes to stderr.  The package comes from stable through the
# project's private apt state (scripts/apt-private.sh; the mirror is the
# machine's own) and is cached under $SMMUV3_AUX_CACHE/firmware, keyed by
# version: a second run downloads nothing, and offline (or
# SMMUV3_AUX_OFFLINE=1) the version fetched last is used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/apt-private.sh
. "$here/apt-private.sh"

pkg=qemu-efi-aarch64
fcache=$SMMUV3_AUX_CACHE/firmware
mkdir -p "$fcache/debs"
exec 9>"$fcache/.lock"
flock 9

log() { printf '  %-6s %s\n' "$1" "$2" >&2; }

ver=""
if [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && apt_private_init; then
    ver=$(apt_cache_private madison "$pkg" 2>/dev/null |
          awk -F'|' -v p="$pkg" -v a="$(apt_suite stable)/" '
              { gsub(/ /, "", $1); gsub(/ /, "", $2) }
              $1 == p && $3 ~ (" " a) && $3 ~ /Packages/ { print $2 }' |
          sort -V | tail -n 1)
fi
if [ -z "$ver" ]; then
    ver=$(cat "$fcache/last" 2>/dev/null || true)
    [ -n "$ver" ] || { echo "error: cannot resolve $pkg (offline, nothing cached)" >&2; exit 1; }
    log OFFLN "using $pkg $ver fetched before"
fi
dir=$fcache/$ver
bios=$dir/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
if [ ! -s "$bios" ]; then
    deb=$(find "$fcache/debs" -maxdepth 1 -name "${pkg}_*.deb" |
          while read -r d; do
              [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
          done | head -n 1)
    if [ -z "$deb" ]; then
        log FETCH "$pkg $ver"
        (cd "$fcache/debs" && apt_private download "$pkg=$ver" >/dev/null 2>&1) || {
            echo "error: cannot download $pkg=$ver" >&2
            exit 1
        }
        deb=$(ls -t "$fcache/debs/${pkg}_"*.deb | head -n 1)
    fi
    rm -rf "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp"
    [ -s "$dir.tmp/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" ] || {
        echo "error: $deb has no usr/share/qemu-efi-aarch64/QEMU_EFI.fd" >&2
        exit 1
    }
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
fi
echo "$ver" >"$fcache/last"
echo "BIOS=$bios"
echo "DEBVER=$ver"
