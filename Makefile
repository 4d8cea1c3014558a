# SPDX-License-Identifier: GPL-2.0-or-later
#
# smmuv3-aux: the verbs a user types.
#
#   make              build QEMU (aarch64-softmmu) with arm-smmuv3-aux
#   make run          boot Debian's arm64 kernel on -machine virt,iommu=smmuv3-aux
#   make run KERNEL=Image [INITRD=initrd] [APPEND="..."]   boot your own kernel
#   make run GRAPH=prefix  also leave scripts/smmu-graph's picture of the
#                     live SMMU behind (prefix.{dot,svg,png})
#   make check        build everything, run unit, fuzz, qtest and guest tests
#   make check-unit | check-fuzz | check-qtest | check-guest [SCENARIO=...]
#   make fuzz-long FUZZ_TIME=seconds [FUZZ_MERGE=1]   a long fuzzing campaign
#   make fuzz-device FUZZ_TIME=seconds [FUZZ_STEPS=n]  whole-device fuzzing
#   make fuzz-cov     engine line coverage of the fuzzing corpora
#   make check-project [SCENARIO=...]   guest tests on the project kernel
#   make guest-kernel  build (or find cached) the project kernel and initramfs
#   make bench [BENCH_QUICK=1]   speed and memory vs arm-smmuv3 and no IOMMU
#   make stress [STRESS_MINUTES=10]   guest stress on 4 vCPUs, QEMU's RSS
#
# Downloads, the private apt state and ccache live in ~/.cache/smmuv3-aux.

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(TOP)/build
QEMU_BUILD := $(BUILD)/qemu-build
QEMU := $(QEMU_BUILD)/qemu-system-aarch64
export SMMUV3_AUX_CACHE ?= $(HOME)/.cache/smmuv3-aux
export CCACHE_DIR ?= $(SMMUV3_AUX_CACHE)/ccache
NINJA_JOBS ?= $(shell nproc)

.PHONY: all build configure qemu standalone fuzz run check check-unit \
        check-qtest check-guest check-project check-fuzz fuzz-long fuzz-cov \
        fuzz-device \
        guest-kernel bench stress \
        clean distclean help

all: build

help:
	@sed -n '3,18p' $(TOP)/Makefile | sed 's/^# \{0,1\}//'

# configure is cheap when nothing changed; it also links new project files
# into the QEMU tree, so it runs on every build.
configure:
	@$(TOP)/configure $(CONFIGURE_FLAGS)

# ninja's step lines are condensed to a progress line every 250 steps;
# everything else (warnings, errors) is shown as is.
NINJA_FILTER := awk '/^\[[0-9]+\/[0-9]+\] / { split(substr($$1, 2, length($$1) - 2), a, "/"); \
	    if (a[1] % 250 == 0 || a[1] == a[2]) printf "  BUILD  %s/%s steps\n", a[1], a[2]; \
	    fflush(); next } { print; fflush() }'

qemu: configure
	@echo "  BUILD  qemu-system-aarch64 and the smmuv3-aux qtests"
	@set -o pipefail; ninja -C $(QEMU_BUILD) -j $(NINJA_JOBS) \
	    tests/qtest/smmuv3-aux-vcmdq-test tests/qtest/smmuv3-aux-ats-test \
	    tests/qtest/smmuv3-aux-platform-test tests/qtest/smmuv3-aux-inspect-test \
	    tests/qtest/smmuv3-aux-coretlb-test \
	    tests/qtest/smmuv3-aux-props-test tests/qtest/smmuv3-aux-evtq-test \
	    qemu-system-aarch64 tests/qtest/smmuv3-aux-test \
	    tests/qtest/smmuv3-aux-conformance-test \
	    tests/qtest/smmuv3-aux-dma-test \
	    tests/qtest/smmuv3-aux-substream-test \
	    tests/qtest/smmuv3-aux-migration-test \
	    tests/qtest/smmuv3-aux-hostile-test \
	    tests/qtest/smmuv3-aux-devfuzz-test | $(NINJA_FILTER)

# The engine and its unit tests, built without QEMU (seconds).
standalone: configure
	@if [ ! -f $(BUILD)/standalone/build.ninja ]; then \
	    meson setup $(BUILD)/standalone $(TOP) \
	        -Dqemu_src=$$(cat $(BUILD)/qemu-src-origin) >/dev/null; fi
	@set -o pipefail; ninja -C $(BUILD)/standalone | $(NINJA_FILTER)

# libFuzzer harness of the engine, built with clang, ASan and UBSan.
fuzz: configure
	@if [ ! -f $(BUILD)/fuzz/build.ninja ]; then \
	    CC=clang meson setup $(BUILD)/fuzz $(TOP) -Dfuzz=true \
	        -Dqemu_src=$$(cat $(BUILD)/qemu-src-origin) >/dev/null; fi
	@set -o pipefail; ninja -C $(BUILD)/fuzz fuzz-smmuv3-aux \
	    fuzz-smmuv3-aux-vcmdq | $(NINJA_FILTER)

build: qemu standalone fuzz

run: qemu
	@KERNEL="$(KERNEL)" INITRD="$(INITRD)" APPEND="$(APPEND)" \
	    QEMU="$(QEMU)" $(TOP)/scripts/run.sh

check: build
	@$(TOP)/scripts/check.sh unit fuzz qtest guest project

check-unit: standalone
	@$(TOP)/scripts/check.sh unit

check-fuzz: fuzz
	@$(TOP)/scripts/check.sh fuzz

# A long campaign (not part of check): one niced process for FUZZ_TIME
# seconds, corpus, dictionary and artifacts as tests/fuzz/fuzz-long.sh says.
# make fuzz only builds the harness, as before.
FUZZ_TIME ?= 3600
fuzz-long: fuzz
	@FUZZ_TIME="$(FUZZ_TIME)" FUZZ_MERGE="$(FUZZ_MERGE)" \
	    $(TOP)/tests/fuzz/fuzz-long.sh

# The seeded random driver of the whole device over QEMU, fresh seeds
# for FUZZ_TIME seconds (tests/fuzz/fuzz-device.sh).
fuzz-device: qemu
	@$(TOP)/tests/fuzz/fuzz-device.sh

# Line coverage of the engine by the corpora (a replay, no fuzzing).
fuzz-cov: fuzz
	@$(TOP)/tests/fuzz/fuzz-cov.sh

check-qtest: qemu
	@$(TOP)/scripts/check.sh qtest

# Debian's kernels, then the project kernel (built when not cached).
check-guest: qemu
	@SCENARIO="$(SCENARIO)" $(TOP)/scripts/check.sh guest project

check-project: qemu
	@SCENARIO="$(SCENARIO)" $(TOP)/scripts/check.sh project

guest-kernel:
	@$(TOP)/scripts/guest-kernel.sh

# Not part of check: minutes of timing, written to build/bench/results.json.
bench: qemu standalone
	@BENCH_QUICK="$(BENCH_QUICK)" python3 $(TOP)/scripts/bench/bench.py \
	    --qemu $(QEMU) $(BENCH_ARGS)

# Not part of check: STRESS_MINUTES (default 10) of disk, network and
# test-device DMA on the project kernel, QEMU's RSS sampled (scripts/stress.sh).
stress: qemu
	@STRESS_MINUTES="$(STRESS_MINUTES)" QEMU="$(QEMU)" $(TOP)/scripts/stress.sh

clean:
	rm -rf $(BUILD)/qemu-build $(BUILD)/standalone $(BUILD)/fuzz \
	    $(BUILD)/check-logs

distclean:
	rm -rf $(BUILD)
