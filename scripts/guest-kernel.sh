#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the project guest kernel and its guest programs:
#
#   - Debian's newest linux-source-X.Y from stable's backports (resolved from
#     the package lists at run time), cross-compiled for arm64 from
#     allnoconfig plus tests/guest/kernel.config; every option of the
#     fragment is checked in the final .config;
#   - the test module tests/guest/module (smmuv3_aux_testdev.ko);
#   - static aarch64 programs: tests/guest/tools/smmu-iommufd.c and the
#     kernel's own tools/dma/dma_map_benchmark.c, against the uapi headers
#     of this kernel ("make headers");
#   - an initramfs: busybox-static from Debian stable, tests/guest/init's
#     scenario functions, tests/guest/project-init.sh as /init, the module
#     and the programs.
#
#   scripts/guest-kernel.sh
#
# Prints on stdout, one per line (like scripts/guest-fetch.sh):
#   KERNEL=<arm64 Image>
#   INITRD=<initramfs, cpio.gz>
#   KVER=<kernel release>
#   DEBVER=<Debian version of linux-source-X.Y>
#   CONFIG=<the kernel's .config>
#   BUILD=<kernel build directory (O=), with vmlinux and System.map>
#   HEADERS=<uapi headers of this kernel (usr/include)>
# Progress goes to stderr.  Everything lives under
# $SMMUV3_AUX_CACHE/kernel (default ~/.cache/smmuv3-aux/kernel):
#   debs/                         the linux-source package
#   <debver>/src/                 the unpacked source
#   <debver>/build-<cfg>/         the kernel build, keyed by the fragment
#   <debver>/out-<key>/           Image, module, programs, headers
#   initramfs/<key>.cpio.gz
# where <cfg> hashes the fragment and <key> also hashes the module and
# program sources: a second run with nothing changed does nothing.  Offline
# (or SMMUV3_AUX_OFFLINE=1) the version resolved last time is used.
#
# Environment: JOBS (default nproc), SMMUV3_AUX_CACHE, SMMUV3_AUX_OFFLINE,
# CROSS_COMPILE (default aarch64-linux-gnu-).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
# shellcheck source=scripts/apt-private.sh
. "$here/apt-private.sh"

# Bump when the recipe below changes in a way that changes the kernel.
RECIPE=1

fragment=$top/tests/guest/kernel.config
moddir=$top/tests/guest/module
tooldir=$top/tests/guest/tools
base_init=$top/tests/guest/init
project_init=$top/tests/guest/project-init.sh
udhcpc_script=$top/tests/guest/udhcpc.script
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
jobs=${JOBS:-$(nproc)}

kcache=$SMMUV3_AUX_CACHE/kernel
gcache=$SMMUV3_AUX_CACHE/guest
mkdir -p "$kcache/debs" "$kcache/initramfs" "$gcache/debs"

log() { printf '  %-6s %s\n' "$1" "$2" >&2; }
die() { echo "error: $*" >&2; exit 1; }

for t in "${cross}gcc" flex bison bc perl python3 cpio gzip xz; do
    command -v "$t" >/dev/null || die "$t is missing (host packages: see docs/devel/project-kernel.rst)"
done
for h in openssl/opensslv.h gelf.h; do
    [ -f "/usr/include/$h" ] || die "/usr/include/$h is missing (libssl-dev, libelf-dev)"
done

# One build at a time per cache (several checkouts may share it).
exec 9>"$kcache/.lock"
flock 9

# --- Resolve linux-source-X.Y -------------------------------------------------

resolve_source() {
    local pkg ver bp
    bp=$(apt_suite backports)
    pkg=$(apt_cache_private pkgnames 2>/dev/null | grep -E '^linux-source-[0-9]+\.[0-9]+$' |
          while read -r p; do
              case "$(apt_cache_private madison "$p" 2>/dev/null)" in
              *" $bp/"*Packages*) echo "$p" ;;
              esac
          done | sort -V | tail -n 1)
    [ -n "$pkg" ] || return 1
    ver=$(apt_cache_private madison "$pkg" 2>/dev/null |
          awk -F'|' -v a=" $bp/" '$3 ~ a && $3 ~ /Packages/ { gsub(/ /, "", $2); print $2 }' |
          sort -V | tail -n 1)
    [ -n "$ver" ] || return 1
    srcpkg=$pkg
    debver=$ver
}

load_current() {
    srcpkg=$(sed -n 's/^srcpkg=//p' "$cur")
    debver=$(sed -n 's/^debver=//p' "$cur")
}

srcpkg="" debver=""
cur=$kcache/source.current
if [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && apt_private_init &&
   [ "$cur" -nt "$APT_PRIVATE_DIR/state/updated" ]; then
    load_current
elif [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && resolve_source; then
    printf 'srcpkg=%s\ndebver=%s\n' "$srcpkg" "$debver" >"$cur.new"
    mv "$cur.new" "$cur"
elif [ -f "$cur" ]; then
    [ -n "${SMMUV3_AUX_OFFLINE:-}" ] ||
        log WARN "cannot resolve linux-source from $(apt_suite backports); using the cached one"
    load_current
else
    die "cannot resolve linux-source-X.Y in $(apt_suite backports) and nothing is cached"
fi
xy=${srcpkg#linux-source-}

vdir=$kcache/$debver
src=$vdir/src
if [ ! -f "$src/.done" ]; then
    deb=$(find "$kcache/debs" -maxdepth 1 -name "${srcpkg}_*.deb" |
          while read -r d; do
              [ "$(dpkg-deb -f "$d" Version)" = "$debver" ] && echo "$d"
          done | head -n 1)
    if [ -z "$deb" ]; then
        log FETCH "$srcpkg $debver ($(apt_suite backports))"
        (cd "$kcache/debs" && apt_private download "$srcpkg=$debver" >/dev/null 2>&1) ||
            die "cannot download $srcpkg=$debver"
        deb=$(find "$kcache/debs" -maxdepth 1 -name "${srcpkg}_*.deb" |
              while read -r d; do
                  [ "$(dpkg-deb -f "$d" Version)" = "$debver" ] && echo "$d"
              done | head -n 1)
        [ -n "$deb" ] || die "$srcpkg=$debver not found after download"
        # Older source packages of the same X.Y are of no further use.
        find "$kcache/debs" -maxdepth 1 -name "${srcpkg}_*.deb" ! -path "$deb" -delete
    fi
    log UNPACK "$(basename "$deb")"
    rm -rf "$src" "$src.tmp"
    mkdir -p "$src.tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$srcpkg.tar.xz" |
        xz -dc | tar -x -C "$src.tmp" --strip-components=1
    [ -f "$src.tmp/Makefile" ] || die "no Makefile in $srcpkg"
    mv "$src.tmp" "$src"
    touch "$src/.done"
fi

# --- Configure and build the kernel -------------------------------------------

kmake() {
    make -s -C "$src" O="$bdir" ARCH=arm64 CROSS_COMPILE="$cross" \
        KBUILD_BUILD_USER=smmuv3-aux KBUILD_BUILD_HOST=guest \
        KBUILD_BUILD_TIMESTAMP="$debver" "$@"
}

# The options of the fragment, "CONFIG_FOO=y" or "=m".
wanted_options() {
    grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$' "$fragment"
}

# Print every option of the fragment that is not in .config as requested.
missing_options() {
    local opt name val have
    while read -r opt; do
        name=${opt%%=*}
        val=${opt#*=}
        have=$(sed -n "s/^$name=//p" "$bdir/.config")
        if [ "$have" != "$val" ]; then
            if [ -z "$have" ]; then
                have="not set"
                grep -qE "^config ${name#CONFIG_}\$" -r "$src" --include='Kconfig*' ||
                    have="no such symbol in $xy"
            else
                have="=$have"
            fi
            echo "$name=$val ($have)"
        fi
    done < <(wanted_options)
}

cfghash=$( { echo "recipe $RECIPE"; echo "$debver"; echo "$cross"; cat "$fragment"; } |
           sha256sum | cut -c1-12)
bdir=$vdir/build-$cfghash
if [ ! -f "$bdir/.kernel-done" ]; then
    log KERNEL "building linux $xy (about 8 minutes on 2 cores)"
    t0=$(date +%s)
    # An interrupted build (same config) resumes where make stopped.  A
    # new fragment starts from a copy of the newest finished build of the
    # same source, so that make rebuilds only what the changed options
    # touch (kbuild tracks the CONFIG_ symbols each file uses).
    if [ ! -f "$bdir/.config-done" ]; then
        rm -rf "$bdir" "$bdir.tmp"
        # shellcheck disable=SC2012 # names are build-<hex>
        prev=$(ls -dt "$vdir"/build-*/.kernel-done 2>/dev/null | head -n 1 || true)
        if [ -n "$prev" ]; then
            prev=$(dirname "$prev")
            log KERNEL "starting from $(basename "$prev") (incremental)"
            cp -a "$prev" "$bdir.tmp"
            rm -f "$bdir.tmp"/.kernel-done "$bdir.tmp"/.config-done "$bdir.tmp"/.build-seconds
            mv "$bdir.tmp" "$bdir"
        else
            mkdir -p "$bdir"
        fi
        # allnoconfig with the fragment as the forced values, then
        # olddefconfig.
        KCONFIG_ALLCONFIG=$fragment kmake allnoconfig >"$bdir/config.log" 2>&1 ||
            { cat "$bdir/config.log" >&2; die "allnoconfig failed"; }
        kmake olddefconfig >>"$bdir/config.log" 2>&1 ||
            { cat "$bdir/config.log" >&2; die "olddefconfig failed"; }
        miss=$(missing_options)
        if [ -n "$miss" ]; then
            echo "error: these options of $fragment did not survive olddefconfig" \
                 "(a dependency is missing, or the symbol changed in $xy):" >&2
            printf '    %s\n' "$miss" >&2
            exit 1
        fi
        touch "$bdir/.config-done"
    fi
    if ! kmake -j"$jobs" Image modules >"$bdir/build.log" 2>&1; then
        tail -n 60 "$bdir/build.log" >&2
        die "kernel build failed (log: $bdir/build.log)"
    fi
    kmake headers >>"$bdir/build.log" 2>&1 || die "make headers failed (log: $bdir/build.log)"
    echo $(($(date +%s) - t0)) >"$bdir/.build-seconds"
    log KERNEL "built linux $(cat "$bdir/include/config/kernel.release") in $(cat "$bdir/.build-seconds") s"
    touch "$bdir/.kernel-done"
    # Keep the three newest kernel builds of this source (and their
    # module/program directories).
    # shellcheck disable=SC2012 # names are build-<hex>
    { ls -dt "$vdir"/build-*/ 2>/dev/null || true; } | tail -n +4 | while read -r d; do
        d=${d%/}
        rm -rf "$d" "$vdir/out-${d##*/build-}"-*
    done
fi
kver=$(cat "$bdir/include/config/kernel.release")

# --- Module and programs ------------------------------------------------------

# Linux's VFIO selftests (tools/testing/selftests/vfio) of the same source,
# with tests/guest/selftests/: a libvfio driver for smmuv3-aux-testdev and a
# <uuid/uuid.h> (there is no arm64 libuuid to link statically).
vst=$src/tools/testing/selftests/vfio
stdir=$top/tests/guest/selftests

srchash=$( { cat "$moddir"/* "$src/tools/dma/dma_map_benchmark.c"
             find "$tooldir" -type f | LC_ALL=C sort | xargs cat
             find "$stdir" -type f | LC_ALL=C sort | xargs cat
             echo "$cross"; sed -n '/^# --- Module/,/^# --- Initramfs/p' "${BASH_SOURCE[0]}"; } |
           sha256sum | cut -c1-12)
out=$vdir/out-$cfghash-$srchash

# build_vfio_selftests <dir>: the VFIO selftests as static programs in
# <dir>/vfio-selftests/ (the initramfs has them in /usr/lib/vfio-selftests), compiled the way their Makefile does (flags,
# libvfio with the drivers it builds for arm64) but without kselftest's
# lib.mk.  The table of libvfio drivers in lib/vfio_pci_driver.c gets
# smmuv3_aux_testdev_ops (tests/guest/selftests/smmuv3_aux_testdev.c).
build_vfio_selftests() {
    local d=$1 o=$1/selftests lib=$vst/lib f n objs=() progs
    mkdir -p "$o" "$d/vfio-selftests"
    : >"$d/selftests.log"
    progs=$(sed -n 's/^TEST_GEN_PROGS += *//p' "$vst/Makefile")
    [ -n "$progs" ] || { echo "no TEST_GEN_PROGS in $vst/Makefile" >>"$d/selftests.log"; return 1; }
    sed -e '/^#include <libvfio.h>/a extern struct vfio_pci_driver_ops smmuv3_aux_testdev_ops;' \
        -e '/^static struct vfio_pci_driver_ops \*driver_ops\[\] = {/a \	&smmuv3_aux_testdev_ops,' \
        "$lib/vfio_pci_driver.c" >"$o/vfio_pci_driver.c"
    if [ "$(grep -c smmuv3_aux_testdev_ops "$o/vfio_pci_driver.c")" != 2 ]; then
        echo "cannot add smmuv3_aux_testdev_ops to $lib/vfio_pci_driver.c" >>"$d/selftests.log"
        return 1
    fi
    local vcflags=(-static -O2 -Wall -Werror -pthread -D_GNU_SOURCE
                   -isystem "$d/include" -I "$src/tools/include"
                   -I "$lib/include" -I "$src/tools/testing/selftests" -I "$stdir")
    for f in "$lib"/*.c "$lib"/drivers/*/*.c "$o/vfio_pci_driver.c" "$stdir"/*.c; do
        case "$f" in
        "$lib/vfio_pci_driver.c") continue ;;
        # x86-only in lib/libvfio.mk
        */drivers/dsa/*|*/drivers/ioat/*) continue ;;
        esac
        n=$(echo "${f#"$src"/}" | tr '/' '_')
        n=${n%.c}.o
        # the driver files include their headers relative to themselves
        "${cross}gcc" "${vcflags[@]}" -I "$(dirname "$f")" -c "$f" -o "$o/$n" \
            >>"$d/selftests.log" 2>&1 || return 1
        objs+=("$o/$n")
    done
    for n in $progs; do
        "${cross}gcc" "${vcflags[@]}" -o "$d/vfio-selftests/$n" "$vst/$n.c" "${objs[@]}" \
            >>"$d/selftests.log" 2>&1 || return 1
    done
    "${cross}strip" "$d/vfio-selftests"/*
}
if [ ! -f "$out/.done" ]; then
    log BUILD "testdev module, smmu-iommufd, dma_map_benchmark for $kver"
    rm -rf "$out" "$out.tmp"
    mkdir -p "$out.tmp/module" "$out.tmp/bin"
    cp "$moddir"/* "$out.tmp/module/"
    if ! make -C "$bdir" ARCH=arm64 CROSS_COMPILE="$cross" M="$out.tmp/module" \
            modules >"$out.tmp/module.log" 2>&1; then
        cat "$out.tmp/module.log" >&2
        die "module build failed"
    fi
    cp -a "$bdir/usr/include" "$out.tmp/include"
    cflags=(-static -O2 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE
            -isystem "$out.tmp/include")
    # A program is a .c file of tools/ or a directory of them (smmu-vmm/);
    # each is linked with tools/lib/.
    for t in "$tooldir"/*.c "$tooldir"/*/; do
        n=$(basename "$t" .c)
        [ "$n" = lib ] && continue
        "${cross}gcc" "${cflags[@]}" -o "$out.tmp/bin/$n" \
            $( [ -d "$t" ] && ls "$t"*.c || echo "$t" ) "$tooldir"/lib/*.c ||
            die "cannot build $t"
    done
    "${cross}gcc" "${cflags[@]}" -Wno-sign-compare -o "$out.tmp/bin/dma_map_benchmark" \
        "$src/tools/dma/dma_map_benchmark.c" || die "cannot build dma_map_benchmark"
    build_vfio_selftests "$out.tmp" || die "cannot build the VFIO selftests (log: $out.tmp/selftests.log)"
    "${cross}strip" "$out.tmp/bin"/*
    mv "$out.tmp" "$out"
    touch "$out/.done"
fi

# --- Initramfs ----------------------------------------------------------------

# busybox-static from Debian stable, cached in the same place as
# guest-initramfs.sh does.
busybox_deb() {
    local ver="" f
    if [ -z "${SMMUV3_AUX_OFFLINE:-}" ] && apt_private_init 2>/dev/null; then
        ver=$(apt_cache_private madison busybox-static 2>/dev/null |
              awk -F'|' -v a=" $(apt_suite stable)/" '$3 ~ a && $3 ~ /Packages/ { gsub(/ /, "", $2); print $2 }' |
              sort -V | tail -n 1)
    fi
    if [ -n "$ver" ]; then
        for f in "$gcache"/debs/busybox-static_*.deb; do
            [ -f "$f" ] && [ "$(dpkg-deb -f "$f" Version)" = "$ver" ] && { echo "$f"; return; }
        done
        log FETCH "busybox-static $ver ($(apt_suite stable))"
        (cd "$gcache/debs" && apt_private download "busybox-static=$ver" >/dev/null 2>&1) ||
            die "cannot download busybox-static=$ver"
    fi
    f=$(find "$gcache/debs" -maxdepth 1 -name 'busybox-static_*.deb' | sort -V | tail -n 1)
    [ -n "$f" ] || die "no busybox-static package"
    echo "$f"
}

# The scenario functions of tests/guest/init: everything before its main
# loop (which starts with the "init: smmutest guest" banner).  project-init.sh
# sources them and adds the project kernel's scenarios.
base_functions() {
    grep -q '^echo "init: smmutest guest' "$base_init" ||
        die "$base_init has no 'echo \"init: smmutest guest' line: cannot take its functions"
    sed '/^echo "init: smmutest guest/,$d' "$base_init"
}

bbdeb=$(busybox_deb)
ikey=$( { echo "$out"; basename "$bbdeb"; base_functions; cat "$project_init" "$udhcpc_script"
          sed -n '/^# --- Initramfs/,$p' "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
initrd=$kcache/initramfs/$kver-$ikey.cpio.gz
if [ ! -f "$initrd" ]; then
    log INITRD "$(basename "$initrd")"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    dpkg-deb -x "$bbdeb" "$work/bb"
    root=$work/root
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc/udhcpc,lib/modules,lib/smmutest,usr/bin,usr/sbin,mnt}
    cp "$work/bb/usr/bin/busybox" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    base_functions >"$root/lib/smmutest/base.sh"
    install -m 0644 "$project_init" "$root/lib/smmutest/project-init.sh"
    cat >"$root/init" <<'EOF'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the project guest (made by scripts/guest-kernel.sh): the scenario
# functions of tests/guest/init, then tests/guest/project-init.sh.
. /lib/smmutest/base.sh
. /lib/smmutest/project-init.sh
EOF
    chmod 0755 "$root/init"
    install -m 0755 "$udhcpc_script" "$root/etc/udhcpc/default.script"
    install -m 0644 "$out/module/smmuv3_aux_testdev.ko" "$root/lib/modules/"
    install -m 0755 "$out/bin"/* "$root/usr/bin/"
    mkdir -p "$root/usr/lib/vfio-selftests"
    install -m 0755 "$out/vfio-selftests"/* "$root/usr/lib/vfio-selftests/"
    echo "project $kver ($srcpkg $debver)" >"$root/etc/smmutest-kernel"
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
        cpio --quiet -o -H newc -R 0:0 | gzip -9n) >"$initrd.tmp.$$"
    mv "$initrd.tmp.$$" "$initrd"
fi

printf 'KERNEL=%s\nINITRD=%s\nKVER=%s\nDEBVER=%s\nCONFIG=%s\nBUILD=%s\nHEADERS=%s\n' \
    "$bdir/arch/arm64/boot/Image" "$initrd" "$kver" "$debver" "$bdir/.config" \
    "$bdir" "$out/include"
