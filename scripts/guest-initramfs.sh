#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the test initramfs (cpio.gz) for one extracted Debian kernel:
# Debian stable's busybox-static, tests/guest/init (and the udhcpc script
# tests/guest/udhcpc.script), and the kernel modules
# the guest needs (with their dependencies, decompressed on the host
# because busybox insmod does not decompress).
#
#   scripts/guest-initramfs.sh KDIR
#
# KDIR is a kernel directory made by guest-fetch.sh (it holds "config" and
# "modules", the /lib/modules/KVER tree).  Prints the path of the cached
# initramfs on stdout.  GUEST_MODULES (space-separated module names) adds
# modules to the default list; modules built into the kernel are skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=scripts/apt-private.sh
. "$here/apt-private.sh"

kdir=${1:?usage: $0 KDIR}
kdir=$(cd "$kdir" && pwd)
[ -d "$kdir/modules" ] || { echo "error: $kdir/modules is missing" >&2; exit 1; }

init=$top/tests/guest/init
udhcpc_script=$top/tests/guest/udhcpc.script
gcache=$SMMUV3_AUX_CACHE/guest
mkdir -p "$gcache/debs" "$gcache/initramfs"

# Modules the guest needs if they are not built in, in load order.  In
# Debian's arm64 config virtio_blk and virtio_net (with failover and
# net_failover) are modules; the PCI host, the SMMU driver and the virtio
# PCI transport are =y but are listed in case a kernel has them as modules.
wanted="pci_host_generic arm_smmu_v3 virtio_pci virtio_blk virtio_net ${GUEST_MODULES:-}"

log() { printf '  %-6s %s\n' "$1" "$2" >&2; }

# busybox-static from Debian stable, cached by version.  Offline: use the
# newest cached one.
busybox_deb() {
    local ver="" f cur=$gcache/busybox.current
    if [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && apt_private_init 2>/dev/null; then
        if [ "$cur" -nt "$APT_PRIVATE_DIR/state/updated" ]; then
            ver=$(cat "$cur")
        else
            ver=$(apt_cache_private madison busybox-static 2>/dev/null |
                  awk -F'|' -v a=" $(apt_suite stable)/" '$3 ~ a && $3 ~ /Packages/ { gsub(/ /, "", $2); print $2 }' |
                  sort -V | tail -n 1)
            [ -n "$ver" ] && echo "$ver" >"$cur"
        fi
    fi
    if [ -n "$ver" ]; then
        for f in "$gcache"/debs/busybox-static_*.deb; do
            [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && { echo "$f"; return; }
        done
        log FETCH "busybox-static $ver ($(apt_suite stable))"
        (cd "$gcache/debs" && apt_private download "busybox-static=$ver" >/dev/null 2>&1) || {
            echo "error: cannot download busybox-static=$ver" >&2
            return 1
        }
    fi
    f=$(find "$gcache/debs" -maxdepth 1 -name 'busybox-static_*.deb' | sort -V | tail -n 1)
    [ -n "$f" ] || { echo "error: no busybox-static package" >&2; return 1; }
    echo "$f"
}

# Print the contents of a (possibly compressed) module.
mod_cat() {
    case "$1" in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
    esac
}

mod_file() {
    # Module names use '_' but files may use '-'.
    local n=$1 alt
    alt=$(echo "$n" | tr '_' '-')
    find "$kdir/modules/kernel" -type f \( -name "$n.ko*" -o -name "$alt.ko*" \) | head -n 1
}

is_builtin() {
    local n=$1 alt
    alt=$(echo "$n" | tr '_' '-')
    grep -qE "/($n|$alt)\.ko\$" "$kdir/modules/modules.builtin" 2>/dev/null
}

# Depth-first: dependencies before the module.  Prints file paths.
declare -A seen=()
resolve() {
    local n=$1 f d
    [ -n "${seen[$n]:-}" ] && return
    seen[$n]=1
    is_builtin "$n" && return
    f=$(mod_file "$n")
    [ -n "$f" ] || { echo "error: module $n not found in $kdir/modules" >&2; return 1; }
    for d in $(mod_cat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '); do
        resolve "$d"
    done
    echo "$f"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for m in $wanted; do
    resolve "$m"
done >"$work/modfiles"
modfiles=()
while read -r f; do
    modfiles+=("$f")
done < <(awk '!seen[$0]++' "$work/modfiles")

bbdeb=$(busybox_deb)
key=$( {
    basename "$kdir"
    basename "$bbdeb"
    printf '%s\n' "${modfiles[@]+"${modfiles[@]}"}"
    cat "$init" "$udhcpc_script" "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)
out=$gcache/initramfs/$(basename "$kdir")-$key.cpio.gz
if [ -f "$out" ]; then
    echo "$out"
    exit 0
fi

log INITRD "$(basename "$out")"
dpkg-deb -x "$bbdeb" "$work/bb"
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,lib/modules,usr/bin,usr/sbin,etc/udhcpc,mnt}
cp "$work/bb/usr/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$init" "$root/init"
install -m 0755 "$udhcpc_script" "$root/etc/udhcpc/default.script"
: >"$root/etc/modules.order"
for f in "${modfiles[@]+"${modfiles[@]}"}"; do
    n=$(basename "$f")
    n=${n%.ko*}.ko
    mod_cat "$f" >"$root/lib/modules/$n"
    echo "$n" >>"$root/etc/modules.order"
done
basename "$kdir" >"$root/etc/smmutest-kernel"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 | gzip -9n) >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$out"
