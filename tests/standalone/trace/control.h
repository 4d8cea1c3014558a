/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stand-in for QEMU's trace/control.h for the standalone build: tracetool's
 * "nop" backend only needs the TraceEvent type to declare (never define or
 * use) its event objects.
 */
#ifndef SMMUV3_AUX_STANDALONE_TRACE_CONTROL_H
#define SMMUV3_AUX_STANDALONE_TRACE_CONTROL_H

typedef struct TraceEvent TraceEvent;

#endif
