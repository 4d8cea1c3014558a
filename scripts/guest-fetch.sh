#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fetch a Debian arm64 distro kernel and build a busybox initramfs for it.
#
#   scripts/guest-fetch.sh stable|backports
#
# Prints on stdout, one per line:
#   KERNEL=<path to an arm64 Image that QEMU's -kernel accepts>
#   INITRD=<path to the initramfs (cpio.gz)>
#   KVER=<kernel release, e.g. 6.12.107+deb13-arm64>
#   DEBVER=<Debian package version>
#   CONFIG=<path to the kernel's config>
#   MODULES=<path to the extracted /lib/modules/KVER tree>
# Progress goes to stderr.  Everything is cached under
# $SMMUV3_AUX_CACHE/guest, keyed by package version: a second run does
# not download anything, and if the package lists cannot be refreshed
# (offline, or SMMUV3_AUX_OFFLINE=1) the last kernel resolved for the suite
# is used.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/apt-private.sh
. "$here/apt-private.sh"

suite=${1:-}
case "$suite" in
stable | backports) ;;
*)
    echo "usage: $0 stable|backports" >&2
    exit 2
    ;;
esac

gcache=$SMMUV3_AUX_CACHE/guest
mkdir -p "$gcache/debs" "$gcache/kernels" "$gcache/initramfs"

# One fetch at a time per cache (several checkouts may share it).
exec 9>"$gcache/.lock"
flock 9

log() { printf '  %-6s %s\n' "$1" "$2" >&2; }

# Version of package $1 in archive $2 (from the private lists), or nothing.
suite_version() {
    apt_cache_private madison "$1" 2>/dev/null |
        awk -F'|' -v a="$2/" -v p="$1" '
            { gsub(/ /, "", $1); gsub(/ /, "", $2) }
            $1 == p && $3 ~ (" " a) && $3 ~ /Packages/ { print $2 }' |
        sort -V | tail -n 1
}

pkg_exists() {
    apt_cache_private show "$1" >/dev/null 2>&1
}

# Direct dependencies (names only) of package $1 at version $2.
pkg_depends() {
    apt_cache_private show "$1=$2" 2>/dev/null |
        awk '/^Depends:/ { sub(/^Depends: */, ""); print; exit }' |
        tr ',' '\n' | sed -e 's/^ *//' -e 's/[ (|].*//' | grep -v '^$' || true
}

# Download pkg=ver into the deb cache (if missing); print the .deb path.
fetch_deb() {
    local pkg=$1 ver=$2 f
    f=$(find "$gcache/debs" -maxdepth 1 -name "${pkg}_*.deb" |
        while read -r d; do
            [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
        done | head -n 1)
    if [ -z "$f" ]; then
        log FETCH "$pkg $ver ($suite)"
        (cd "$gcache/debs" && apt_private download "$pkg=$ver" >/dev/null 2>&1) || {
            echo "error: cannot download $pkg=$ver" >&2
            return 1
        }
        f=$(find "$gcache/debs" -maxdepth 1 -name "${pkg}_*.deb" |
            while read -r d; do
                [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"
            done | head -n 1)
    fi
    [ -n "$f" ] || { echo "error: $pkg=$ver not found after download" >&2; return 1; }
    echo "$f"
}

# Resolve the kernel: the linux-image-arm64 metapackage of the suite names
# linux-image-<kver>.  6.12 ships everything in linux-image-<kver>[-unsigned];
# newer kernels split it into linux-base-, linux-binary[-unsigned]- and
# linux-modules-<kver>.  Prefer the unsigned variants (plain Image).
resolve_kernel() {
    local meta_ver img dep pkgs=()
    meta_ver=$(suite_version linux-image-arm64 "$(apt_suite "$suite")")
    [ -n "$meta_ver" ] || return 1
    img=$(pkg_depends linux-image-arm64 "$meta_ver" | grep -E '^linux-image-[0-9]' | head -n 1)
    [ -n "$img" ] || return 1
    kver=${img#linux-image-}
    debver=$meta_ver
    if pkg_exists "$img-unsigned"; then
        pkgs+=("$img-unsigned")
    else
        pkgs+=("$img")
    fi
    for dep in $(pkg_depends "$img" "$debver"); do
        case "$dep" in
        linux-binary-"$kver")
            if pkg_exists "linux-binary-unsigned-$kver"; then
                pkgs+=("linux-binary-unsigned-$kver")
            else
                pkgs+=("$dep")
            fi
            ;;
        linux-base-"$kver" | linux-modules-"$kver")
            pkgs+=("$dep")
            ;;
        esac
    done
    kpkgs="${pkgs[*]}"
}

load_current() {
    kver=$(sed -n 's/^KVER=//p' "$gcache/$suite.current")
    debver=$(sed -n 's/^DEBVER=//p' "$gcache/$suite.current")
    kpkgs=$(sed -n 's/^PKGS=//p' "$gcache/$suite.current")
}

kver="" debver="" kpkgs=""
stamp=$APT_PRIVATE_DIR/state/updated
if [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && apt_private_init &&
   [ "$gcache/$suite.current" -nt "$stamp" ]; then
    # The package lists did not change since the last resolution.
    load_current
elif [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && resolve_kernel; then
    printf 'KVER=%s\nDEBVER=%s\nPKGS=%s\n' "$kver" "$debver" "$kpkgs" \
        >"$gcache/$suite.current.new"
    mv "$gcache/$suite.current.new" "$gcache/$suite.current"
elif [ -f "$gcache/$suite.current" ]; then
    [ -n "${SMMUV3_AUX_OFFLINE:-}" ] ||
        log WARN "cannot resolve the $suite kernel from the archive; using the cached one"
    load_current
else
    echo "error: cannot resolve the $suite kernel and nothing is cached" >&2
    exit 1
fi

kdir=$gcache/kernels/${kver}_$debver
if [ ! -f "$kdir/.done" ]; then
    rm -rf "$kdir" "$kdir.tmp"
    mkdir -p "$kdir.tmp/root"
    for p in $kpkgs; do
        deb=$(fetch_deb "$p" "$debver")
        log EXTRACT "$(basename "$deb")"
        dpkg-deb -x "$deb" "$kdir.tmp/root"
    done
    root=$kdir.tmp/root
    # 6.12: /boot/vmlinuz-KVER; newer: /usr/lib/modules/KVER/vmlinuz[.unsigned]
    vmlinuz=$(find "$root" -type f \( -name "vmlinuz-$kver" -o \
                  -path "*/modules/$kver/vmlinuz" -o \
                  -path "*/modules/$kver/vmlinuz.unsigned" \) | sort | head -n 1)
    [ -n "$vmlinuz" ] || { echo "error: no vmlinuz in $kpkgs" >&2; exit 1; }
    # QEMU's -kernel takes a raw or gzip-compressed arm64 Image.  Debian's
    # vmlinuz is normally a gzip Image; anything else is decompressed here.
    case "$(od -An -tx1 -N6 "$vmlinuz" | tr -d ' \n')" in
    1f8b*) gzip -dc "$vmlinuz" >"$kdir.tmp/Image" ;;
    28b52ffd*) zstd -qdc "$vmlinuz" >"$kdir.tmp/Image" ;;
    fd377a585a00) xz -dc "$vmlinuz" >"$kdir.tmp/Image" ;;
    *) cp "$vmlinuz" "$kdir.tmp/Image" ;;
    esac
    # An arm64 Image has "ARM\x64" at offset 0x38 (EFI zboot images do not).
    if [ "$(dd if="$kdir.tmp/Image" bs=1 skip=56 count=4 2>/dev/null | od -An -c | tr -d ' ')" != 'ARMd' ]; then
        echo "error: $vmlinuz is not an arm64 Image" >&2
        exit 1
    fi
    config=$(find "$root" -type f -name "config-$kver" | head -n 1)
    [ -n "$config" ] || config=$(find "$root" -type f -path "*/modules/$kver/config" | head -n 1)
    [ -n "$config" ] || { echo "error: no kernel config in $kpkgs" >&2; exit 1; }
    cp "$config" "$kdir.tmp/config"
    mdir=$(find "$root" -maxdepth 4 -type d -path "*/lib/modules/$kver" | head -n 1)
    [ -n "$mdir" ] || { echo "error: no /lib/modules/$kver in $kpkgs" >&2; exit 1; }
    mv "$mdir" "$kdir.tmp/modules"
    rm -rf "$root"
    mv "$kdir.tmp" "$kdir"
    touch "$kdir/.done"
fi

initrd=$("$here/guest-initramfs.sh" "$kdir")

printf 'KERNEL=%s\nINITRD=%s\nKVER=%s\nDEBVER=%s\nCONFIG=%s\nMODULES=%s\n' \
    "$kdir/Image" "$initrd" "$kver" "$debver" "$kdir/config" "$kdir/modules"
