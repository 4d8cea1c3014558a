#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Scenarios of the project guest kernel (scripts/guest-kernel.sh), run by
# the initramfs's /init:
#
#   . /lib/smmutest/base.sh        # tests/guest/init up to its main loop
#   . /lib/smmutest/project-init.sh
#
# base.sh is the distro guests' /init without its main loop, so its
# scenario functions (scenario_probe, scenario_dma, scenario_net,
# scenario_dmesg_clean), result(), cmdline_param() and finish() are shared;
# this file adds the scenarios that need the project kernel and the test
# device (-device smmuv3-aux-testdev), and runs the list given by
# smmutest.scenarios= on the kernel command line:
#
#   probe        base probe, plus the testdev's IOMMU group
#   features     the driver's feature word against the ID registers that
#                IOMMU_GET_HW_INFO returns (smmu-iommufd hwinfo)
#   dma          base dma: O_DIRECT write/read of /dev/vda, SHA-256
#   net          base net
#   testdev      the test module: DMA API (coherent and streaming) DMA by
#                the device, data and hashes checked in the kernel, MSI count
#   dirty        smmu-iommufd dirty: iommufd dirty tracking (a DIRTY_TRACKING
#                HWPT, SET_DIRTY_TRACKING, GET_DIRTY_BITMAP) reports exactly
#                the pages the testdev wrote, through the SMMU's HTTU (HD)
#   pri          the testdev's Page Request through the driver's PRI queue
#                ("unexpected PRI request received") and its DENY back at
#                the device as Response Failure (the test module)
#   ats          the driver enabled ATS on the testdev; its DMA through its
#                ATC (Translation Requests, Translated requests), a strict
#                unmap's ATC_INV reaching it before dma_unmap returns, and
#                no stale translation used after it (the test module)
#   bench        dma_map_benchmark on the testdev: map/unmap churn, single
#                and scatter-gather, 4 threads
#   iommufd      smmu-iommufd dma: VFIO cdev + iommufd IOAS, device DMA,
#                then a DMA to an unmapped IOVA must fail; the one SMMU
#                event it causes is checked and then cleared from the log
#   pasid        PASID domains on substreams of the testdev, next to a
#                paging, an identity and a blocked RID domain, and refused
#                next to a stage-2 one: the test module (iommu_attach_device_
#                pasid, >1024 PASIDs, the STE and CD table read from the
#                driver's tables) and smmu-iommufd pasid (VFIO cdev + iommufd
#                PASID HWPTs); DMA data, faults with their PASID in the
#                logged event, detach (docs/devel/guest-tests.rst)
#   vmm          smmu-vmm, a VMM-like program: IOMMU_GET_HW_INFO, a
#                NEST_PARENT HWPT over "guest RAM", vIOMMU, vDEVICE,
#                vEVENTQ, nested HWPTs from vSTEs over CD tables and
#                stage-1 tables it writes in guest RAM, HWPT_INVALIDATE,
#                PASIDs under nesting, faults (docs/devel/guest-tests.rst)
#   vmm-cmdqv    smmu-vmm --cmdqv on a CMDQV: a TEGRA241_CMDQV vIOMMU, its
#                hardware queues driven through the mmapped VINTF page
#                (TLBI, ATC_INV, CMD_SYNC, an illegal command reported as a
#                vEVENT and recovered), teardown order
#   sva          SVA (needs arm64.nolva): smmu-sva pci (touched, aged: HA,
#                writable-clean: HD) and smmu-sva platform on the platform
#                master (never-touched pages through stall and the I/O
#                page-fault handler; the cost of one such fault)
#   cmdqv        the tegra241-cmdqv driver on the machine's CMDQV (DT or
#                ACPI): its parameters, no error/timeout line, probed (debugfs
#                and interrupt, no fallback) with its VCMDQs allocated, or
#                the fallback smmutest.cmdqv=disable|bypass asks for; SKIP
#                when the machine has no CMDQV
#   stress       smmutest.stress_seconds= of O_DIRECT rounds on every disk,
#                network rounds and the testdev's async DMA at once
#                (make stress)
#   vfio-selftests  Linux's own VFIO selftests (tools/testing/selftests/
#                vfio of the same source, scripts/guest-kernel.sh) on the
#                testdev bound to vfio-pci, every IOMMU mode of their
#                fixtures (type1, type1v2, iommufd compat type1/type1v2,
#                iommufd); one result per TAP case; vfio_pci_driver_test
#                through a libvfio driver for the testdev
#                (tests/guest/selftests/); docs/devel/guest-tests.rst
#   dmesg-clean  base dmesg-clean
#
# Parameters (besides the base ones): smmutest.testdev_iters=N (default
# 200), smmutest.bench_seconds=N (default 2), smmutest.pasid_many=N (extra
# PASIDs of the pasid scenario, default 1100), smmutest.pasid_break=wrong|
# nossv (break the pasid checks on purpose, to see them fail),
# smmutest.vmm_break=wrong|noinval|noveventq (the same for the vmm checks),
# smmutest.cmdqv=vcmdq|disable|bypass, smmutest.cmdqv_lvcmdqs=N (the cmdqv
# scenario, see there).

# The PCI function of the test device, or nothing.
testdev_pcidev() {
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat "$d/vendor" 2>/dev/null)" = 0x1b36 ] &&
            [ "$(cat "$d/device" 2>/dev/null)" = 0x00f5 ] && { echo "$d"; return; }
    done
}

# timed <seconds> <command...>: run it with a time limit (a driver probe or
# a DMA can block forever when DMA is broken); output in /tmp/timed.out.
# Returns the command's status, or 124 if it was still running (it is left
# running and STUCK is set, so that finish() reboots through sysrq).
timed() {
    limit=$1
    shift
    "$@" >/tmp/timed.out 2>&1 &
    tpid=$!
    i=0
    while [ -d "/proc/$tpid" ] && [ $i -lt $((limit * 10)) ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ -d "/proc/$tpid" ]; then
        STUCK="$*"
        return 124
    fi
    wait "$tpid"
}

testdev_driver() {
    pd=$(testdev_pcidev)
    [ -n "$pd" ] && [ -e "$pd/driver" ] || return 0
    d=$(readlink -f "$pd/driver")
    echo "${d##*/}"
}

# Bind the testdev to driver $1 (with driver_override), or to whatever
# matches it if $1 is empty.
testdev_bind() {
    pd=$(testdev_pcidev)
    bdf=${pd##*/}
    [ -e "$pd/driver" ] && echo "$bdf" >"$pd/driver/unbind"
    if [ -n "$1" ]; then
        echo "$1" >"$pd/driver_override"
    else
        echo >"$pd/driver_override"
    fi
    echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
    [ -z "$1" ] || [ "$(testdev_driver)" = "$1" ]
}

TESTDEV_LOADED=""
load_testdev() {
    [ -z "$TESTDEV_LOADED" ] || return 0
    TESTDEV_LOADED=1
    if ! timed 30 insmod /lib/modules/smmuv3_aux_testdev.ko; then
        if [ -n "$STUCK" ]; then
            result testdev/insmod FAIL "still running after 30 s (probe stuck)"
        else
            result testdev/insmod FAIL "$(cat /tmp/timed.out)"
        fi
        return 1
    fi
}

# The feature word of the driver's probe line (read at start-up: the
# iommufd scenario clears the kernel log).
FEATURES=$(dmesg | sed -n 's/.*arm-smmu-v3 .*oas [0-9]*-bit (features \(0x[0-9a-f]*\)).*/\1/p' | head -n 1)
driver_features() {
    echo "$FEATURES"
}
# The SMMU instances that probed: their features lines, one per line.
SMMU_PROBES=$(dmesg | grep -E 'arm-smmu-v3 .*oas [0-9]*-bit \(features')

# run_prog <scenario> <program> <args...>: a guest tool (smmu-iommufd,
# smmu-vmm), its RESULT lines as results of <scenario>, the rest printed.
run_prog() {
    scen=$1
    prog=$2
    shift 2
    timed 120 "$prog" "$@"
    rc=$?
    cp /tmp/timed.out /tmp/tool.out
    sed -n '/^RESULT /!s/^/  | /p' /tmp/tool.out
    while read -r tag check res detail; do
        [ "$tag" = RESULT ] && result "$scen/$check" "$res" "$detail"
    done </tmp/tool.out
    if [ $rc -eq 124 ]; then
        result "$scen/run" FAIL "$prog $* still running after 120 s"
    elif ! grep -q '^RESULT ' /tmp/tool.out; then
        result "$scen/run" FAIL "$prog $* exited with $rc and no results"
    fi
    return $rc
}

# run_tool <scenario> <args...>: run_prog with smmu-iommufd.
run_tool() {
    scen=$1
    shift
    run_prog "$scen" smmu-iommufd "$@"
}

scenario_probe_project() {
    scenario_probe
    pd=$(testdev_pcidev)
    if [ -n "$pd" ]; then
        group_check probe/testdev-group testdev "$pd"
    else
        result probe/testdev-group FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
    fi
}

HWINFO=""
scenario_features() {
    feat=$(driver_features)
    if [ -z "$feat" ]; then
        result features/driver FAIL "no 'oas NN-bit (features 0x...)' line from arm-smmu-v3"
        return
    fi
    if [ -z "$(testdev_pcidev)" ]; then
        result features/testdev FAIL "no test device to bind to iommufd"
        return
    fi
    vhe=0
    dmesg | grep -q 'CPU: All CPU(s) started at EL2' && vhe=1
    run_tool features hwinfo --features "$feat" --vhe "$vhe"
    HWINFO=$(grep -E '^SVA=' /tmp/tool.out)
}

# The SVA=/SSIDSIZE= line of smmu-iommufd hwinfo (runs it if needed).
hwinfo() {
    if [ -z "$HWINFO" ] && [ -n "$(testdev_pcidev)" ]; then
        timed 120 smmu-iommufd hwinfo --features "$(driver_features)" >/dev/null
        HWINFO=$(grep -E '^SVA=' /tmp/timed.out)
    fi
    echo "$HWINFO" | sed -n "s/.*$1=\([0-9]*\).*/\1/p"
}

# hexfmt <number>: as the kernel's %#x prints it (0x0 for zero, too).
hexfmt() {
    printf '0x%x' "$(($1))"
}

# pasid_events <prefix> <n0>: every "EXPECT <event> <sid> <ssid> <iova|->
# [<ipa>]" line of /tmp/pasid.out must have its driver line ("event: <event>
# client: <testdev> sid: <sid> ssid: <ssid>[ iova: <iova>[ ipa: <ipa>]]")
# among the kernel lines
# after line <n0>, and there must be no other SMMU event or error line.
# The console log level is 1 meanwhile (the caller sets it), so that the
# runner does not see these expected events; they are cleared afterwards
# so that dmesg-clean does not count them.
pasid_events() {
    pre=$1
    n0=$2
    bdf=$(basename "$(testdev_pcidev)")
    grep '^EXPECT ' /tmp/pasid.out >/tmp/pasid.expect
    : >/tmp/pasid.pats
    # EXPECT-LINE <text>: a driver line other than an event record
    sed -n 's/^EXPECT-LINE //p' /tmp/pasid.out >>/tmp/pasid.pats
    while read -r _ ev esid essid eiova eipa; do
        pat="event: $ev client: $bdf sid: $(hexfmt "$esid") ssid: $(hexfmt "$essid")"
        [ "$eiova" = - ] || pat="$pat iova: $(hexfmt "$eiova") "
        [ -z "$eipa" ] || pat="${pat}ipa: $(hexfmt "$eipa")"
        echo "$pat" >>/tmp/pasid.pats
    done </tmp/pasid.expect
    i=0
    while :; do
        dmesg | tail -n +$((n0 + 1)) | grep -E "$SMMU_LINE" | grep -E "$SMMU_ERR" >/tmp/pasid.new
        all=1
        while read -r pat; do
            grep -qF "$pat" /tmp/pasid.new || all=0
        done </tmp/pasid.pats
        if [ $all = 1 ] || [ $i -ge 40 ]; then
            break
        fi
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.3
    dmesg | tail -n +$((n0 + 1)) | grep -E "$SMMU_LINE" | grep -E "$SMMU_ERR" >/tmp/pasid.new
    while read -r pat; do
        ev=${pat#event: }
        ev=${ev%% *}
        essid=${pat#* ssid: }
        essid=${essid%% *}
        name="event-$ev-ssid-$essid"
        case "$pat" in *" ipa: "*) name="$name-ipa-${pat##* ipa: }" ;; esac
        case "$pat" in "event: "*) ;; *) name="log-$(echo "${pat%%.*}" | tr -c 'A-Za-z0-9\n' '-')" ;; esac
        line=$(grep -F "$pat" /tmp/pasid.new | head -n 1)
        if [ -n "$line" ]; then
            result "$pre/$name" PASS "the driver logged it: ${line#*arm-smmu-v3 }"
        else
            result "$pre/$name" FAIL "no '$pat' in the kernel log; SMMU lines: $(head -n 4 /tmp/pasid.new | tr '\n' ';' | cut -c1-400)"
        fi
    done </tmp/pasid.pats
    # The raw records the driver dumps (4 qwords after "event 0x.. received:"),
    # shown without the kernel's prefix (the runner fails on SMMU event
    # lines of the kernel on the console).
    dmesg | tail -n +$((n0 + 1)) | awk '
        /arm-smmu-v3 .*event 0x[0-9a-f]+ received:/ { n = 4; sub(/.*event /, ""); printf "  | raw event %s", $0; next }
        n > 0 { sub(/.*: */, ""); printf " %s", $0; if (--n == 0) printf "\n" }'
    other=$(grep -v -F -f /tmp/pasid.pats /tmp/pasid.new | grep -v -E 'event 0x[0-9a-f]+ received:')
    if [ -s /tmp/pasid.pats ] && [ -n "$other" ]; then
        result "$pre/events-other" FAIL "unexpected SMMU lines: $(echo "$other" | head -n 3 | tr '\n' ';' | cut -c1-400)"
    elif [ -n "$other" ]; then
        result "$pre/events" FAIL "SMMU lines where none was expected: $(echo "$other" | head -n 3 | tr '\n' ';' | cut -c1-400)"
    fi
    dmesg -c >/dev/null
}

# A scenario that provokes SMMU events needs a log without any before it:
# FAIL <name>/pre-clean and return 1 if there are some.  It then waits out
# the driver's event ratelimit (arm_smmu_dump_event(): 10 records per 5 s,
# DEFAULT_RATELIMIT_*), so that the events it checks are logged, not
# "callbacks suppressed" because the part before it used up the burst.
pre_clean() {
    errs=$(smmu_errors)
    if [ -n "$errs" ]; then
        result "$1/pre-clean" FAIL "SMMU lines before the test: $(echo "$errs" | head -n 2 | tr '\n' ';')"
        return 1
    fi
    sleep 5
}

# pasid_module <prefix> <ctl command>: one PASID run of the test module,
# its CHECK lines as results <prefix>/<check>, its events checked.
pasid_module() {
    pre=$1
    d=/sys/kernel/debug/smmuv3_aux_testdev
    pre_clean "$pre" || return
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    if ! timed 300 sh -c "echo '$2' >$d/ctl"; then
        dmesg -n "$level"
        result "$pre/run" FAIL "echo '$2' >ctl: $(cat /tmp/timed.out) ${STUCK:+(stuck)}"
        return
    fi
    cat $d/pasid_result >/tmp/pasid.out
    sed -n 's/^INFO /  | /p' /tmp/pasid.out
    while read -r tag check res detail; do
        [ "$tag" = CHECK ] && result "$pre/$check" "$res" "$detail"
    done </tmp/pasid.out
    grep -q '^RESULT ' /tmp/pasid.out ||
        result "$pre/run" FAIL "no RESULT line from the module: $(tail -n 2 /tmp/pasid.out | tr '\n' ';')"
    pasid_events "$pre" "$n0"
    dmesg -n "$level"
}

# The testdev's IOMMU group directory.
testdev_group() {
    readlink -f "$(testdev_pcidev)/iommu_group"
}

# set_group_type <type>: unbind the testdev, set its group's default domain
# type, bind it again (to whatever matches: the test module).
set_group_type() {
    pd=$(testdev_pcidev)
    g=$(testdev_group)
    [ -e "$pd/driver" ] && echo "${pd##*/}" >"$pd/driver/unbind"
    echo "$1" >"$g/type" 2>/tmp/type.err
    rc=$?
    echo >"$pd/driver_override"
    echo "${pd##*/}" >/sys/bus/pci/drivers_probe 2>/dev/null
    return $rc
}

scenario_pasid() {
    pd=$(testdev_pcidev)
    if [ -z "$pd" ]; then
        result pasid/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    ssid=$(hwinfo SSIDSIZE)
    if [ -z "$ssid" ]; then
        result pasid/ssidsize FAIL "cannot read IDR1.SSIDSIZE (smmu-iommufd hwinfo)"
        return
    elif [ "$ssid" -eq 0 ]; then
        # Not the end: the attaches below show what the kernel then refuses.
        result pasid/ssidsize FAIL "the SMMU has no substreams (IDR1.SSIDSIZE=0): no PASID"
    else
        result pasid/ssidsize PASS "IDR1.SSIDSIZE=$ssid"
    fi
    load_testdev || return
    [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
    if [ "$(testdev_driver)" != smmuv3_aux_testdev ]; then
        result pasid/bind FAIL "${pd##*/} driver '$(testdev_driver)'"
        return
    fi
    nbig=$(cmdline_param smmutest.pasid_many)
    nbig=${nbig:-1100}
    # smmutest.pasid_break=wrong|nossv: break the test on purpose (see the
    # module and smmu-iommufd): every check must then fail.
    brk=$(cmdline_param smmutest.pasid_break)
    # 1. Kernel PASID attach next to the DMA-API (paging) RID domain, with
    #    more than 1024 PASIDs in use at the end.
    t0=$(now_ms)
    pasid_module pasid/rid-paging "pasid $nbig $brk"
    echo "  | rid-paging: $(($(now_ms) - t0)) ms"
    # 2. A stage-2 RID domain and PASIDs exclude each other.
    pasid_module pasid/rid-s2 "pasid-s2 $brk"
    # 3. Next to an identity RID domain (the group's type set to identity).
    g=$(testdev_group)
    was=$(cat "$g/type")
    if set_group_type identity && [ "$(cat "$g/type")" = identity ] &&
        [ "$(testdev_driver)" = smmuv3_aux_testdev ]; then
        pasid_module pasid/rid-identity "pasid 0 $brk"
    else
        result pasid/rid-identity/group-type FAIL "cannot set ${g##*/} to identity: $(cat /tmp/type.err) (type $(cat "$g/type"), driver '$(testdev_driver)')"
    fi
    set_group_type "$was" || result pasid/rid-identity/group-type FAIL "cannot set ${g##*/} back to $was"
    # 4. Userspace: VFIO cdev + iommufd, PASID HWPTs next to a paging RID
    #    HWPT and next to the blocked RID (bound, RID not attached).
    for rid in hwpt blocked; do
        pre_clean "pasid/iommufd-$rid" || continue
        level=$(cut -f1 /proc/sys/kernel/printk)
        n0=$(dmesg | wc -l)
        dmesg -n 1
        run_tool "pasid/iommufd-$rid" pasid --rid "$rid" --ssidsize "$ssid" ${brk:+--break "$brk"}
        cp /tmp/tool.out /tmp/pasid.out
        pasid_events "pasid/iommufd-$rid" "$n0"
        dmesg -n "$level"
    done
    [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
}

# The VMM in the guest (smmu-vmm): iommufd's vIOMMU uAPI on the emulated
# SMMU, nested translation, user invalidation, PASIDs under nesting,
# vEVENTQ.  The stage-2 fault it makes is the one SMMU event the host
# kernel must log (EXPECT line, checked like the pasid scenario's); every
# stage-1 event must reach its vEVENTQ instead, so any other SMMU line in
# the log is a FAIL (vmm/events-other).
scenario_vmm() {
    if [ -z "$(testdev_pcidev)" ]; then
        result vmm/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    # The test module's /sys/kernel/debug/smmuv3_aux_smmu: the SMMU's ID
    # registers and the physical STE, whatever driver the device has.
    load_testdev || return
    pre_clean vmm || return
    brk=$(cmdline_param smmutest.vmm_break)
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    t0=$(now_ms)
    run_prog vmm smmu-vmm ${brk:+--break "$brk"}
    echo "  | vmm: $(($(now_ms) - t0)) ms"
    cp /tmp/tool.out /tmp/pasid.out
    pasid_events vmm "$n0"
    dmesg -n "$level"
    [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
}

# The VMM's CMDQV hardware queue (smmu-vmm --cmdqv, issue 13 step 7): a
# vIOMMU of type TEGRA241_CMDQV takes VINTF1, whose queues the program
# drives through the mmapped VINTF page; its illegal command makes the
# driver log "unexpected error reported" once (an EXPECT-LINE).
scenario_vmm_cmdqv() {
    if [ -z "$(testdev_pcidev)" ]; then
        result vmm-cmdqv/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    load_testdev || return
    pre_clean vmm-cmdqv || return
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    t0=$(now_ms)
    run_prog vmm-cmdqv smmu-vmm --cmdqv
    echo "  | vmm-cmdqv: $(($(now_ms) - t0)) ms"
    cp /tmp/tool.out /tmp/pasid.out
    pasid_events vmm-cmdqv "$n0"
    dmesg -n "$level"
    [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
}

scenario_sva() {
    sva=$(hwinfo SVA)
    if [ "$sva" != 1 ]; then
        why="the driver did not set FEAT_SVA (features $(driver_features))"
        grep -qw arm64.nolva /proc/cmdline ||
            why="$why: boot with arm64.nolva (-cpu max has 52-bit VAs and PAs; SVA needs 48 and the SMMU's OAS)"
        result sva/feature FAIL "$why"
        return
    fi
    result sva/feature PASS "FEAT_SVA (features $(driver_features))"
    load_testdev || return
    # The PCI test device: HA and HD alone make aged and clean pages work.
    run_prog sva/pci smmu-sva pci
    # The platform master (dma-can-stall): I/O page faults through stall.
    if [ ! -e /sys/kernel/debug/smmuv3_aux_sva/platform ]; then
        result sva/platform FAIL "no smmuv3-aux-platdev bound (-device smmuv3-aux-platdev,stream-id=N; DT qemu,smmuv3-aux-platdev)"
        return
    fi
    # The StreamID of check-project.sh's -device smmuv3-aux-platdev.
    run_prog sva/platform smmu-sva platform 0x10000
}

# multi-smmu: a second SMMU (-device arm-smmuv3-aux in front of a
# pxb-pcie root bus, described by the IORT) probes next to the board's,
# and smmu-multi shares one iommufd IOAS between a test device behind each;
# its unmap must fault both devices, each recorded by its own SMMU.
scenario_multi_smmu() {
    n=$(echo "$SMMU_PROBES" | grep -c .)
    names=$(ls /sys/class/iommu 2>/dev/null | tr '\n' ' ')
    if [ "$n" -ne 2 ]; then
        result multi-smmu/probe FAIL "$n SMMUv3 probe lines, want 2; /sys/class/iommu: $names"
        return
    fi
    result multi-smmu/probe PASS "2 SMMUv3 instances: $(echo "$SMMU_PROBES" | sed 's/.*arm-smmu-v3 \([^:]*\):.*/\1/' | tr '\n' ' ')(/sys/class/iommu: $names)"
    pre_clean multi-smmu || return
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    run_prog multi-smmu smmu-multi
    sleep 0.5
    dmesg | tail -n +$((n0 + 1)) | grep -E "$SMMU_LINE" | grep -E "$SMMU_ERR" >/tmp/multi.new
    : >/tmp/multi.pats
    while read -r tag fbdf fsid fiova; do
        [ "$tag" = FAULT ] || continue
        pat="event: F_TRANSLATION client: $fbdf sid: $(hexfmt "$fsid") ssid: 0x0 iova: $(hexfmt "$fiova") "
        echo "$pat" >>/tmp/multi.pats
        smmu=$(basename "$(readlink "/sys/bus/pci/devices/$fbdf/iommu")")
        line=$(grep -F "$pat" /tmp/multi.new | head -n 1)
        if [ -n "$line" ]; then
            result "multi-smmu/event-$fbdf" PASS "$smmu recorded it: ${line#*arm-smmu-v3 }"
        else
            result "multi-smmu/event-$fbdf" FAIL "no '$pat' in the kernel log; SMMU lines: $(head -n 3 /tmp/multi.new | tr '\n' ';' | cut -c1-300)"
        fi
    done </tmp/tool.out
    other=$(grep -v -F -f /tmp/multi.pats /tmp/multi.new | grep -v -E 'event 0x[0-9a-f]+ received:|^ *0x[0-9a-f]+$')
    [ -z "$other" ] || result multi-smmu/events-other FAIL "unexpected SMMU lines: $(echo "$other" | head -n 3 | tr '\n' ';' | cut -c1-300)"
    dmesg -n "$level"
    dmesg -c >/dev/null
}

# The tegra241-cmdqv driver (drivers/iommu/arm/arm-smmu-v3/tegra241-cmdqv.c,
# built into arm_smmu_v3: its parameters are arm_smmu_v3.disable_cmdqv and
# arm_smmu_v3.bypass_vcmdq).  It logs nothing when it succeeds (its
# "allocated"/"inited" lines are dev_dbg, and the kernel has no dynamic
# debug); what a good probe leaves behind is the arm-smmu-v3 driver's
# "allocated N entries for vcmdqK" for each logical VCMDQ of VINTF0, the
# debugfs directory iommu/tegra241_cmdqv (created only by a successful
# probe) and the "tegra241-cmdqv" interrupt.  Every line the driver prints
# carries "tegra241_cmdqv: " (its dev_fmt), after the SMMU's or the CMDQV's
# device name; its errors: "failed to ioremap", "failed to enable/disable,
# STATUS=..." (a CONFIG/STATUS handshake that timed out), "GERRORN=...",
# "failed to init vintf0", "failed to request irq", "no memory resource",
# "no interrupt. errors will not be reported", "unexpected error reported",
# "uncleared error detected", "no more available vintf", and the SMMU's
# "failed to reset impl".
CMDQV_ERR='failed|[Ee]rror|GERRORN=|no memory resource|no more available|timeout|timed out'

# smmutest.cmdqv=vcmdq|disable|bypass (what to expect; without it a machine
# without a CMDQV is a SKIP and one with it must give "vcmdq"),
# smmutest.cmdqv_lvcmdqs=N (VINTF0's logical VCMDQs, default 4: the device's
# default PARAM, 8 VCMDQs over 2 VINTFs), smmutest.cmdqv_fw=DT|ACPI (where
# the CMDQV must have been found; ACPI also needs the SMMU driver's "found
# companion CMDQV device: NVDA200C:00"), smmutest.cmdqv_break=error (log a
# fake driver error, to see the error checks fail).
scenario_cmdqv() {
    want=$(cmdline_param smmutest.cmdqv)
    nlv=$(cmdline_param smmutest.cmdqv_lvcmdqs)
    nlv=${nlv:-4}
    fw=""
    for c in /sys/firmware/devicetree/base/*/compatible; do
        [ -f "$c" ] || continue
        if tr '\0' '\n' <"$c" | grep -qx 'nvidia,tegra264-cmdqv'; then
            fw="DT ${c%/compatible}"
            break
        fi
    done
    for a in /sys/bus/acpi/devices/NVDA200C:*; do
        [ -e "$a" ] && fw="ACPI ${a##*/}" && break
    done
    if [ -z "$fw" ]; then
        if [ -z "$want" ]; then
            result cmdqv/firmware SKIP "no nvidia,tegra264-cmdqv DT node and no ACPI NVDA200C: the machine has no CMDQV (-global arm-smmuv3-aux.cmdqv=on)"
        else
            result cmdqv/firmware FAIL "smmutest.cmdqv=$want, but no nvidia,tegra264-cmdqv DT node and no ACPI NVDA200C"
        fi
        return
    fi
    want=${want:-vcmdq}
    wfw=$(cmdline_param smmutest.cmdqv_fw)
    if [ -n "$wfw" ] && [ "${fw%% *}" != "$wfw" ]; then
        result cmdqv/firmware FAIL "$fw, smmutest.cmdqv_fw=$wfw expected"
    elif [ "${fw%% *}" = ACPI ]; then
        # The ACPI path logs the companion it found (DT: dev_dbg only).
        l=$(dmesg | grep -E 'arm-smmu-v3 .*found companion CMDQV device: NVDA200C' | head -n 1)
        if [ -n "$l" ]; then
            result cmdqv/firmware PASS "$fw: ${l#*] }"
        else
            result cmdqv/firmware FAIL "$fw, but the SMMU driver did not log 'found companion CMDQV device: NVDA200C...'"
        fi
    else
        result cmdqv/firmware PASS "$fw"
    fi
    par=/sys/module/arm_smmu_v3/parameters
    if [ ! -e $par/disable_cmdqv ] || [ ! -e $par/bypass_vcmdq ]; then
        result cmdqv/params FAIL "no $par/disable_cmdqv or bypass_vcmdq: a kernel without CONFIG_TEGRA241_CMDQV"
        return
    fi
    dis=$(cat $par/disable_cmdqv)
    byp=$(cat $par/bypass_vcmdq)
    case "$want" in
    vcmdq) wdis=N wbyp=N ;;
    disable) wdis=Y wbyp=N ;;
    bypass) wdis=N wbyp=Y ;;
    *)
        result cmdqv/params FAIL "smmutest.cmdqv=$want: one of vcmdq, disable, bypass"
        return
        ;;
    esac
    if [ "$dis" = "$wdis" ] && [ "$byp" = "$wbyp" ]; then
        result cmdqv/params PASS "arm_smmu_v3.disable_cmdqv=$dis bypass_vcmdq=$byp ($want)"
    else
        result cmdqv/params FAIL "arm_smmu_v3.disable_cmdqv=$dis bypass_vcmdq=$byp, $want wants $wdis/$wbyp"
    fi
    # smmutest.cmdqv_break=error: log a driver error line of the kind a
    # timed-out VCMDQ enable prints, to see cmdqv/errors, dmesg-clean and
    # the runner's console-smmu fail.
    if [ "$(cmdline_param smmutest.cmdqv_break)" = error ]; then
        echo "<3>platform 90c0000.cmdqv: tegra241_cmdqv: VINTF0: VCMDQ0/LVCMDQ0: failed to enable, STATUS=0x00000000 (smmutest.cmdqv_break=error)" >/dev/kmsg
    fi
    dmesg >/tmp/cmdqv.dmesg
    grep -E 'tegra241_cmdqv: |arm-smmu-v3 .*failed to reset impl' /tmp/cmdqv.dmesg >/tmp/cmdqv.lines
    sed 's/^/  | /' /tmp/cmdqv.lines
    errs=$(grep -E "$CMDQV_ERR" /tmp/cmdqv.lines | head -n 3 | tr '\n' ';')
    if [ -n "$errs" ]; then
        result cmdqv/errors FAIL "$(echo "$errs" | cut -c1-400)"
    else
        result cmdqv/errors PASS "no tegra241_cmdqv error, timeout or warning line"
    fi
    fallback=$(grep -F 'Falling back to standard SMMU CMDQ' /tmp/cmdqv.lines | head -n 1 | sed 's/^\[[^]]*\] //')
    detected=$(grep -F 'Detected disable_cmdqv=true' /tmp/cmdqv.lines | head -n 1 | sed 's/^\[[^]]*\] //')
    grep -E 'arm-smmu-v3 .*: allocated [0-9]+ entries for vcmdq[0-9]+$' /tmp/cmdqv.dmesg |
        sed 's/.* for vcmdq//' | sort -n -u >/tmp/cmdqv.q
    nq=$(wc -l </tmp/cmdqv.q)
    qs=$(tr '\n' ' ' </tmp/cmdqv.q)
    dbg=/sys/kernel/debug/iommu/tegra241_cmdqv
    irq=$(grep -c 'tegra241-cmdqv' /proc/interrupts)
    ncpu=$(grep -c '^processor' /proc/cpuinfo)
    if [ "$want" = disable ]; then
        if [ -n "$detected" ] && [ -n "$fallback" ] && [ "$nq" -eq 0 ] && [ ! -d $dbg ]; then
            result cmdqv/fallback PASS "${detected#* tegra241_cmdqv: }; ${fallback}; no VCMDQ allocated"
        else
            result cmdqv/fallback FAIL "detected='$detected' fallback='$fallback' vcmdqs: $nq (${qs% }), $dbg $([ -d $dbg ] || echo absent)"
        fi
        return
    fi
    if [ -z "$fallback" ] && [ -z "$detected" ] && [ -d $dbg ] && [ "$irq" -ge 1 ]; then
        result cmdqv/probe PASS "probed ($fw): $dbg, interrupt tegra241-cmdqv, no fallback"
    else
        result cmdqv/probe FAIL "fallback='$fallback${detected:+; $detected}', $dbg $([ -d $dbg ] && echo present || echo absent), tegra241-cmdqv interrupts: $irq"
    fi
    want_q=$(seq 0 $((nlv - 1)) | tr '\n' ' ')
    if [ "$qs" = "$want_q" ]; then
        result cmdqv/vcmdqs PASS "VINTF0 allocated $nq logical VCMDQs (vcmdq ${qs% }) for $ncpu vCPUs"
    else
        result cmdqv/vcmdqs FAIL "VINTF0 allocated vcmdq '${qs% }', expected '${want_q% }' (smmutest.cmdqv_lvcmdqs=$nlv)"
    fi
    # Make every CPU invalidate: an O_DIRECT read of /dev/vda pinned to each
    # online CPU.  virtio-blk has a queue per CPU with its interrupt on that
    # CPU, so the strict unmap at completion, and its TLBI + CMD_SYNC, run
    # there and go through that CPU's logical VCMDQ (smp_processor_id() %
    # the VCMDQs of VINTF0).  The host's vcmdq-commands check counts them.
    if load_modules && wait_for_vda; then
        cpus=""
        for c in /sys/devices/system/cpu/cpu[0-9]*; do
            k=${c##*/cpu}
            [ "$(cat "$c/online" 2>/dev/null || echo 1)" = 1 ] || continue
            if timed 60 taskset "$(printf %x $((1 << k)))" \
                dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct; then
                cpus="$cpus $k"
            else
                result cmdqv/per-cpu FAIL "CPU $k: $(tail -n 1 /tmp/timed.out) ${STUCK:+(stuck)}"
                return
            fi
        done
        result cmdqv/per-cpu PASS "4 MiB O_DIRECT read of /dev/vda pinned to each CPU:$cpus"
    else
        result cmdqv/per-cpu SKIP "no virtio-blk disk to read from each CPU"
    fi
    if [ "$want" = bypass ]; then
        # The driver does not log bypass_vcmdq: get_secondary_cmdq() just
        # returns NULL, so every command goes to the SMMU's queue (the
        # host's vcmdq-commands then stay 0).  debugfs shows the switch.
        b=$(cat $dbg/bypass_vcmdq 2>/dev/null)
        if [ "$b" = Y ]; then
            result cmdqv/fallback PASS "bypass_vcmdq: $dbg/bypass_vcmdq=Y (the driver logs nothing for it)"
        else
            result cmdqv/fallback FAIL "$dbg/bypass_vcmdq='$b', expected Y"
        fi
    fi
}

scenario_testdev() {
    pd=$(testdev_pcidev)
    if [ -z "$pd" ]; then
        result testdev/device FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    load_testdev || return
    drv=$(testdev_driver)
    if [ "$drv" != smmuv3_aux_testdev ]; then
        # Another scenario may have moved it (bench, iommufd give it back).
        testdev_bind ""
        drv=$(testdev_driver)
    fi
    if [ "$drv" != smmuv3_aux_testdev ]; then
        result testdev/bind FAIL "${pd##*/} driver '${drv:-none}': $(dmesg | grep -E 'smmuv3_aux_testdev' | tail -n 1)"
        return
    fi
    group_check testdev/group testdev "$pd"
    n=$(cmdline_param smmutest.testdev_iters)
    n=${n:-200}
    d=/sys/kernel/debug/smmuv3_aux_testdev
    t0=$(now_ms)
    if ! timed 300 sh -c "echo 'run $n' >$d/ctl"; then
        result testdev/dma FAIL "run $n: $(cat /tmp/timed.out) ${STUCK:+(stuck)}"
        return
    fi
    t1=$(now_ms)
    r=$(cat $d/result)
    case "$r" in
    PASS*) result testdev/dma PASS "${r#PASS } ($((t1 - t0)) ms)" ;;
    *) result testdev/dma FAIL "${r#FAIL }" ;;
    esac
}

# The testdev bound to the test module, or a FAIL line for scenario $1.
testdev_module_ready() {
    pd=$(testdev_pcidev)
    if [ -z "$pd" ]; then
        result "$1/device" FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return 1
    fi
    load_testdev || return 1
    [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
    if [ "$(testdev_driver)" != smmuv3_aux_testdev ]; then
        result "$1/bind" FAIL "${pd##*/} driver '$(testdev_driver)'"
        return 1
    fi
}

scenario_ats() {
    testdev_module_ready ats || return
    # arm-smmu-v3 logs nothing when it enables ATS; the module checks
    # pci_dev->ats_enabled, and the device's ATC counters (td_ats.c).
    d=/sys/kernel/debug/smmuv3_aux_testdev
    if ! timed 60 sh -c "echo ats >$d/ctl"; then
        result ats/run FAIL "$(cat /tmp/timed.out) ${STUCK:+(stuck)}"
        return
    fi
    r=$(cat $d/result)
    case "$r" in
    PASS*) result ats/atc PASS "${r#PASS ats: }" ;;
    *) result ats/atc FAIL "${r#FAIL }" ;;
    esac
}

# The driver logs the request it denies ("unexpected PRI request"): the
# console hears nothing meanwhile, and the two lines, once checked, are
# cleared with the rest of the log, as pasid_module() does with events.
scenario_pri() {
    testdev_module_ready pri || return
    pre_clean pri || return
    d=/sys/kernel/debug/smmuv3_aux_testdev
    level=$(cut -f1 /proc/sys/kernel/printk)
    dmesg -n 1
    if ! timed 60 sh -c "echo pri >$d/ctl"; then
        dmesg -n "$level"
        result pri/run FAIL "$(cat /tmp/timed.out) ${STUCK:+(stuck)}"
        return
    fi
    r=$(cat $d/result)
    case "$r" in
    PASS*) result pri/response PASS "${r#PASS pri: }" ;;
    *) result pri/response FAIL "${r#FAIL }" ;;
    esac
    # The request went through the PRI queue, not an automatic response.
    line=$(dmesg | grep -A1 'unexpected PRI request received' | tail -n 1)
    case "$line" in
    *"[42L]"*) result pri/queue PASS "arm-smmu-v3 read it from its PRI queue:${line#*]}" ;;
    *) result pri/queue FAIL "no 'unexpected PRI request received' for PRGI 42 in dmesg" ;;
    esac
    other=$(smmu_errors | grep -v 'unexpected PRI request received')
    [ -z "$other" ] || result pri/other FAIL "SMMU lines besides the request: $(echo "$other" | head -n 2 | tr '\n' ';')"
    dmesg -c >/dev/null
    dmesg -n "$level"
}

scenario_bench() {
    pd=$(testdev_pcidev)
    if [ -z "$pd" ]; then
        result bench/bind FAIL "no PCI device 1b36:00f5 to benchmark on"
        return
    fi
    prev=$(testdev_driver)
    if ! testdev_bind dma_map_benchmark; then
        result bench/bind FAIL "cannot bind ${pd##*/} to dma_map_benchmark (driver '$(testdev_driver)')"
        testdev_bind ""
        return
    fi
    secs=$(cmdline_param smmutest.bench_seconds)
    secs=${secs:-2}
    for args in "-g 1" "-g 16" "-m 1 -g 8"; do
        name=single-g${args##*-g }
        case "$args" in -m*) name=sg-g${args##*-g } ;; esac
        # shellcheck disable=SC2086 # args are words
        timed $((secs + 60)) dma_map_benchmark -t 4 -s "$secs" -b 48 $args
        rc=$?
        out=$(cat /tmp/timed.out)
        echo "$out" | sed 's/^/  | /'
        map=$(echo "$out" | sed -n 's/^average map latency(us):\([0-9.]*\).*/\1/p')
        unmap=$(echo "$out" | sed -n 's/^average unmap latency(us):\([0-9.]*\).*/\1/p')
        errs=$(smmu_errors)
        if [ $rc -eq 0 ] && [ -n "$map" ] && [ -n "$unmap" ] && [ -z "$errs" ]; then
            result "bench/$name" PASS "4 threads ${secs}s: map ${map} us, unmap ${unmap} us"
        else
            result "bench/$name" FAIL "status $rc: $(echo "$out" | tail -n 1) ${errs:+SMMU: $(echo "$errs" | head -n 1)}"
            [ $rc -eq 124 ] && break
        fi
    done
    [ -n "$STUCK" ] && return
    # Give the device back.
    testdev_bind ""
    [ -z "$prev" ] || [ "$(testdev_driver)" = "$prev" ] ||
        echo "init: testdev driver now '$(testdev_driver)', was '$prev'"
}

scenario_dirty() {
    if [ -z "$(testdev_pcidev)" ]; then
        result dirty/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    run_tool dirty dirty
}

scenario_iommufd() {
    if [ -z "$(testdev_pcidev)" ]; then
        result iommufd/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    # The DMA to the unmapped IOVA makes the SMMU record one F_TRANSLATION
    # event, which the driver logs as an error.  Anything logged before is
    # unexpected; the event itself is checked, kept off the console (the
    # host runner fails on any SMMU event line there) and cleared from the
    # log so that dmesg-clean does not count it.
    pre_clean iommufd || return
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    run_tool iommufd dma
    fiova=$(sed -n 's/^FAULT-IOVA=//p' /tmp/tool.out)
    i=0
    while [ -n "$fiova" ] && ! dmesg | tail -n +$((n0 + 1)) | grep -q 'event: ' && [ $i -lt 30 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.5
    new=$(dmesg | tail -n +$((n0 + 1)) | grep -E "$SMMU_LINE" | grep -E "$SMMU_ERR")
    dmesg -n "$level"
    if [ -z "$fiova" ]; then
        [ -z "$new" ] || result iommufd/events FAIL "$(echo "$new" | head -n 2 | tr '\n' ';')"
        return
    fi
    # Expected: "event 0x10 received:" and "event: F_TRANSLATION client:
    # <testdev> sid: .. ssid: .. iova: <I> ipa: .." with I in the 4 KiB the
    # WRITE covered (a DMA is several transactions, each may be recorded;
    # the driver rate-limits its messages).
    pd=$(testdev_pcidev)
    bdf=${pd##*/}
    nev=0
    first=""
    bad=""
    echo "$new" >/tmp/iommufd.smmu
    while read -r line; do
        [ -n "$line" ] || continue
        case "$line" in
        *"event 0x10 received:"*) ;;
        *"event: F_TRANSLATION client: $bdf "*)
            iova=$(echo "$line" | sed -n 's/.* iova: \(0x[0-9a-f]*\) .*/\1/p')
            if [ -n "$iova" ] && [ $((iova)) -ge $((fiova)) ] &&
                [ $((iova)) -lt $((fiova + 4096)) ]; then
                nev=$((nev + 1))
                [ -n "$first" ] || first=${line#*] }
            else
                bad="$bad$line;"
            fi
            ;;
        *) bad="$bad$line;" ;;
        esac
    done </tmp/iommufd.smmu
    if [ -n "$bad" ]; then
        result iommufd/fault-event FAIL "unexpected: $(echo "$bad" | cut -c1-400)"
    elif [ "$nev" -eq 0 ]; then
        result iommufd/fault-event FAIL "no F_TRANSLATION event for iova $fiova in the kernel log"
    else
        result iommufd/fault-event PASS "$nev F_TRANSLATION line(s) for $bdf in [$fiova, +4 KiB) (log rate-limited), first: ${first#*: }"
        dmesg -c >/dev/null
    fi
}

# --- vfio-selftests: Linux's tools/testing/selftests/vfio ---------------------

# SKIPs that the device and machine explain (docs/devel/guest-tests.rst,
# "Linux's VFIO selftests"): "<program>/<case pattern>|<reason>".  Any other
# SKIP is a FAIL.
VST_SKIPS='vfio_pci_sriov_uapi_test/*|the testdev has no SR-IOV capability'

vst_expected_skip() {
    echo "$VST_SKIPS" | while IFS='|' read -r pat why; do
        # shellcheck disable=SC2254 # $pat is a pattern
        case "$1" in $pat) echo "$why"; break ;; esac
    done
}

# vst_run <program>: one selftest program on $VST_BDF; each kselftest TAP
# line "ok N <case>", "ok N <case> # SKIP <why>", "not ok N <case>" becomes a
# result vfio-selftests/<program>/<case>.
vst_run() {
    prog=$1
    # shellcheck disable=SC2086 # harness options, split
    t0=$(cut -d. -f1 /proc/uptime)
    # vfio_pci_driver_test pins 1 GiB in each of its 35 cases: 5-10 min
    # under TCG on a busy 2-core host.
    lim=300
    [ "$prog" != vfio_pci_driver_test ] || lim=1200
    timed $lim env VFIO_SELFTESTS_BDF="$VST_BDF" "/usr/lib/vfio-selftests/$prog" $VST_ARGS
    rc=$?
    cp /tmp/timed.out "/tmp/vst-$prog.out"
    echo "  | $prog $VST_ARGS: exit $rc after $(($(cut -d. -f1 /proc/uptime) - t0)) s"
    n=0
    : >/tmp/vst.case
    while read -r line; do
        case "$line" in
        "ok "[0-9]*|"not ok "[0-9]*) ;;
        "#  RUN "*) : >/tmp/vst.case; continue ;;
        *) echo "$line" >>/tmp/vst.case; continue ;;
        esac
        res=PASS
        case "$line" in "not ok "*) res=FAIL; line=${line#not } ;; esac
        line=${line#ok }
        line=${line#* }
        case "$line" in
        *" # SKIP"*) res=SKIP; why=${line#*# SKIP}; line=${line%% # SKIP*} ;;
        *) why="" ;;
        esac
        # The harness names a case <fixture>[.<variant>].<test>; a
        # whole-program skip (ksft_exit_skip) has no name.
        tc=${line%% *}
        case "$tc" in ""|"#"*) tc=all ;; esac
        n=$((n + 1))
        name="vfio-selftests/$prog/$tc"
        if [ $res = SKIP ]; then
            exp=$(vst_expected_skip "$prog/$tc")
            if [ -n "$exp" ]; then
                result "$name" SKIP "$exp (test:$why)"
            else
                result "$name" FAIL "unexpected SKIP:$why"
            fi
        elif [ $res = FAIL ]; then
            grep -v -E '^#  +(OK|FAIL|SKIP) ' /tmp/vst.case | sed 's/^/  | /' | head -n 20
            result "$name" FAIL "$(grep -E 'Assertion|Expected|Expression|Observed|FAIL|errno|[Tt]imeout|signal' /tmp/vst.case | head -n 4 | tr '\n' ';' | cut -c1-400)"
        else
            result "$name" PASS "$(grep -E '^(Wall time|Kicking off|Mapped)' /tmp/vst.case | head -n 1)"
        fi
        : >/tmp/vst.case
    done <"/tmp/vst-$prog.out"
    if [ $rc -eq 124 ]; then
        result "vfio-selftests/$prog/run" FAIL "still running after $lim s"
    elif [ $n -eq 0 ]; then
        # Exited before the harness printed a plan (KSFT_SKIP is 4).
        if [ $rc -eq 4 ] && exp=$(vst_expected_skip "$prog/all") && [ -n "$exp" ]; then
            result "vfio-selftests/$prog/all" SKIP "$exp (test: $(grep -v '^$' "/tmp/vst-$prog.out" | tail -n 1))"
        else
            result "vfio-selftests/$prog/run" FAIL "exit $rc, no TAP results: $(tail -n 2 "/tmp/vst-$prog.out" | tr '\n' ';')"
        fi
    fi
}

# hugepages <size kB> <n>: reserve n persistent huge pages; the count got.
hugepages() {
    f=/sys/kernel/mm/hugepages/hugepages-$1kB/nr_hugepages
    [ -w "$f" ] || { echo 0; return; }
    echo "$2" >"$f" 2>/dev/null
    cat "$f"
}

scenario_vfio_selftests() {
    pd=$(testdev_pcidev)
    if [ -z "$pd" ]; then
        result vfio-selftests/testdev FAIL "no PCI device 1b36:00f5 (-device smmuv3-aux-testdev)"
        return
    fi
    if [ ! -x /usr/lib/vfio-selftests/vfio_pci_device_test ]; then
        result vfio-selftests/build FAIL "no /usr/lib/vfio-selftests in the initramfs"
        return
    fi
    VST_BDF=${pd##*/}
    # smmutest.vst_progs=a,b (programs to run, default all) and
    # smmutest.vst_args=-v,iommufd,-t,memcpy_storm (harness options).
    VST_PROGS=$(cmdline_param smmutest.vst_progs | tr ',' ' ')
    VST_ARGS=$(cmdline_param smmutest.vst_args | tr ',' ' ')
    prev=$(testdev_driver)
    pre_clean vfio-selftests || return
    if ! testdev_bind vfio-pci; then
        result vfio-selftests/bind FAIL "$VST_BDF driver '$(testdev_driver)', not vfio-pci"
        testdev_bind ""
        return
    fi
    # vfio_dma_mapping_test maps one 2 MiB and one 1 GiB MAP_HUGETLB page
    # per IOMMU mode; they are freed again after it.
    h2=$(hugepages 2048 2)
    h1=$(hugepages 1048576 1)
    echo "  | $VST_BDF bound to vfio-pci; huge pages reserved: ${h2:-0} x 2 MiB, ${h1:-0} x 1 GiB; $(grep MemFree /proc/meminfo)"
    # vfio_pci_driver_test's DMA to unmapped IOVAs makes the SMMU record
    # F_TRANSLATION events, which the driver logs: kept off the console and
    # checked below.
    level=$(cut -f1 /proc/sys/kernel/printk)
    n0=$(dmesg | wc -l)
    dmesg -n 1
    # vfio_dma_mapping_test first (it uses the huge pages, freed after
    # it), vfio_pci_driver_test last (it pins 1 GiB per case); programs of
    # a newer Linux that this list does not know yet in between.
    known="vfio_pci_device_test vfio_iommufd_setup_test vfio_dma_mapping_test vfio_dma_mapping_mmio_test vfio_pci_device_init_perf_test vfio_pci_sriov_uapi_test"
    others=""
    for f in /usr/lib/vfio-selftests/*; do
        case " $known vfio_pci_driver_test " in
        *" ${f##*/} "*) ;;
        *) others="$others ${f##*/}" ;;
        esac
    done
    for p in $known $others vfio_pci_driver_test; do
        if [ -n "$VST_PROGS" ]; then
            case " $VST_PROGS " in *" $p "*) ;; *) continue ;; esac
        fi
        [ -n "$STUCK" ] || vst_run "$p"
        [ "$p" != vfio_dma_mapping_test ] || { hugepages 2048 0 >/dev/null; hugepages 1048576 0 >/dev/null; }
    done
    sleep 0.5
    dmesg | tail -n +$((n0 + 1)) | grep -E "$SMMU_LINE" | grep -E "$SMMU_ERR" >/tmp/vst.smmu
    dmesg -n "$level"
    nev=$(grep -c "event: F_TRANSLATION client: $VST_BDF " /tmp/vst.smmu)
    bad=$(grep -v -e "event: F_TRANSLATION client: $VST_BDF " -e 'event 0x10 received:' /tmp/vst.smmu)
    if [ -n "$bad" ]; then
        result vfio-selftests/events FAIL "unexpected SMMU lines: $(echo "$bad" | head -n 3 | tr '\n' ';' | cut -c1-400)"
    else
        result vfio-selftests/events PASS "only F_TRANSLATION events of $VST_BDF ($nev lines, rate-limited) from the DMA to unmapped IOVAs"
        dmesg -c >/dev/null
    fi
    [ -n "$STUCK" ] && return
    testdev_bind ""
    [ -z "$prev" ] || [ "$(testdev_driver)" = "$prev" ] ||
        echo "init: testdev driver now '$(testdev_driver)', was '$prev'"
}

echo "init: smmutest project guest, kernel $(uname -r) ($(cat /etc/smmutest-kernel 2>/dev/null))"
scenarios=$(cmdline_param smmutest.scenarios)
[ -n "$scenarios" ] || echo "init: no smmutest.scenarios= on the command line"
# stress: smmutest.stress_seconds= (default 600) of everything at once,
# through stage-1 translation: O_DIRECT rounds (traffic_dma_loop) on every
# virtio-blk disk, download/upload rounds on virtio-net (run "net" before
# it), and the test device's DMA from its own thread ("run N async" of the
# test module: every command with TD_CTRL.ASYNC, data and hashes checked
# in the kernel), with 8 MiB at the start of each disk written first and
# read back at the end.  Progress every 60 s; the host runner samples
# QEMU's RSS (make stress, scripts/stress.sh).
testdev_loop() {
    local n=0 r
    d=/sys/kernel/debug/smmuv3_aux_testdev
    : >/tmp/traffic.testdev
    while [ ! -f /tmp/traffic.stop ]; do
        if timed 120 sh -c "echo 'run 20 async' >$d/ctl"; then
            r=$(cat $d/result)
        else
            r="FAIL run 20 async: $(cat /tmp/timed.out)"
        fi
        n=$((n + 1))
        echo "$r" >>/tmp/traffic.testdev
        echo "SMMUTEST-TRAFFIC testdev $n ${r%% *}"
        case "$r" in PASS*) ;; *) echo "init: testdev round $n: $r" >/dev/console ;; esac
        [ -z "$STUCK" ] || break
    done
}

scenario_stress() {
    secs=$(cmdline_param smmutest.stress_seconds)
    secs=${secs:-600}
    if ! load_modules || ! wait_for_vda; then
        result stress/disks FAIL "no virtio-blk disk"
        return
    fi
    want=$(cmdline_param smmutest.disks)
    want=${want:-1}
    i=0
    while [ "$(ls -d /sys/block/vd* 2>/dev/null | wc -l)" -lt "$want" ] && [ $i -lt 50 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    disks=$(cd /sys/block && ls -d vd* 2>/dev/null | tr '\n' ' ')
    result stress/disks PASS "$(echo $disks | wc -w) disks: $disks"
    rm -f /tmp/traffic.*
    sums=""
    for dk in $disks; do
        persist_write /dev/$dk 8
        sums="$sums $dk=$PERSIST_SHA"
    done
    tags=""
    for dk in $disks; do
        traffic_dma_loop /dev/$dk $dk 16 32 >/dev/null &
        tags="$tags $dk"
    done
    if net_ready; then
        traffic_net_loop net >/dev/null &
        tags="$tags net"
    else
        result stress/net FAIL "eth0 has no address (run the net scenario before stress)"
    fi
    if [ -n "$(testdev_pcidev)" ] && load_testdev; then
        [ "$(testdev_driver)" = smmuv3_aux_testdev ] || testdev_bind ""
        testdev_loop >/dev/null &
        tags="$tags testdev"
    else
        result stress/testdev FAIL "no test device on the test module"
    fi
    t0=$(now_ms)
    echo "SMMUTEST-STRESS start ${secs}s:$tags"
    while [ $(($(now_ms) - t0)) -lt $((secs * 1000)) ]; do
        sleep 5
        if [ $(( ($(now_ms) - t0) / 1000 % 60)) -lt 5 ]; then
            line=""
            for t in $tags; do
                line="$line $t=$(grep -c '^PASS' /tmp/traffic.$t)/$(wc -l </tmp/traffic.$t)"
            done
            echo "SMMUTEST-STRESS $(( ($(now_ms) - t0) / 1000 ))s pass/rounds:$line"
        fi
    done
    touch /tmp/traffic.stop
    wait
    for t in $tags; do
        case $t in
        net) traffic_result stress/net net 0 ;;
        testdev) traffic_result stress/testdev testdev 0 ;;
        *) traffic_result stress/dma-$t $t 0 ;;
        esac
    done
    for s in $sums; do
        PERSIST_SHA=${s#*=}
        persist_check "stress/persist-${s%%=*}" "/dev/${s%%=*}" 8
    done
    rm -f /tmp/traffic.stop
}

for s in $(echo "$scenarios" | tr ',' ' '); do
    echo "init: scenario $s"
    if [ -n "$STUCK" ]; then
        result "$s/run" FAIL "not run: $STUCK is stuck"
        continue
    fi
    case "$s" in
    probe) scenario_probe_project ;;
    features) scenario_features ;;
    dma) scenario_dma ;;
    dma-parallel) scenario_dma_parallel ;;
    net) scenario_net ;;
    testdev) scenario_testdev ;;
    ats) scenario_ats ;;
    pri) scenario_pri ;;
    dirty) scenario_dirty ;;
    bench) scenario_bench ;;
    iommufd) scenario_iommufd ;;
    pasid) scenario_pasid ;;
    vmm) scenario_vmm ;;
    vmm-cmdqv) scenario_vmm_cmdqv ;;
    sva) scenario_sva ;;
    multi-smmu) scenario_multi_smmu ;;
    cmdqv) scenario_cmdqv ;;
    stress) scenario_stress ;;
    migrate) scenario_migrate ;;
    snapshot) scenario_snapshot ;;
    vfio-selftests) scenario_vfio_selftests ;;
    dmesg-clean) scenario_dmesg_clean ;;
    *) result "$s/run" FAIL "unknown scenario" ;;
    esac
done
finish
