/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu_log() and qemu_loglevel for the standalone build.  qemu_loglevel is
 * an int in QEMU 10.0 (include/qemu/log-for-trace.h); it becomes unsigned
 * in 10.2, so this stub follows the headers of the tree given as qemu_src.
 * Messages go to stderr only when SMMUV3_AUX_LOG is set in the environment,
 * so guest-error paths stay quiet in test output by default.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"

int qemu_loglevel = LOG_GUEST_ERROR | LOG_UNIMP;

void qemu_log(const char *fmt, ...)
{
    va_list ap;

    if (!getenv("SMMUV3_AUX_LOG")) {
        return;
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
