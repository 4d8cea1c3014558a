/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the smmuv3-aux SMMUv3 model (placeholder, being written).
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qos-smmuv3-aux.h"

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    return g_test_run();
}
