// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state td-iommufd.h's helpers share, defined once: every guest tool
 * is linked with tests/guest/tools/lib/ (scripts/guest-kernel.sh).
 */
#include "../td-iommufd.h"

int failures;
int p_break;
char bdf[256];
char old_driver[256];
bool moved;
