/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers of what -M virt hands its firmware, for plain qtests: the
 * flattened device tree it writes at the bottom of RAM, its fw_cfg files
 * and the ACPI tables among them.  A qtest runs no firmware, so the
 * tables are never installed in guest memory (as acpi-utils.h expects);
 * they are read from fw_cfg instead.
 *
 * The readers trust the machine: they check the FDT magic and stop at a
 * malformed ACPI header, nothing more.
 */
#ifndef QTEST_LIBQOS_QOS_VIRT_FW_H
#define QTEST_LIBQOS_QOS_VIRT_FW_H

#include "libqtest.h"

/* ---- Device tree (Devicetree Specification v0.4, chapter 5) ------------ */

/* The big-endian 32-bit cell at @p (every FDT integer is one). */
uint32_t qvirt_fw_fdt32(const void *p);

/*
 * The machine's DTB, read from guest RAM where virt puts it when it boots
 * no kernel; g_free() it.  Asserts the FDT magic.
 */
uint8_t *qvirt_fw_dtb(QTestState *qts);

/*
 * Value of property @prop of the first node whose name starts with
 * @node_prefix (and, if @phandle is non-zero, whose phandle is @phandle);
 * NULL if there is none.  *@len gets the value's length.  The value
 * points into @fdt.
 */
const uint8_t *qvirt_fw_fdt_find(const uint8_t *fdt, const char *node_prefix,
                                 uint32_t phandle, const char *prop,
                                 uint32_t *len);

/* ---- fw_cfg (docs/specs/fw_cfg.rst) ------------------------------------ */

/* Select item @key and read its first @len bytes into @buf. */
void qvirt_fw_cfg_read(QTestState *qts, uint16_t key, uint8_t *buf,
                       size_t len);

/*
 * The contents of fw_cfg file @name (e.g. "etc/acpi/tables"), *@len bytes;
 * NULL if the machine has no such file.  g_free() it.
 */
uint8_t *qvirt_fw_cfg_file(QTestState *qts, const char *name, size_t *len);

/* ---- ACPI ---------------------------------------------------------------- */

/*
 * The table with signature @sig (4 characters, e.g. "IORT") in @blob, the
 * contents of "etc/acpi/tables"; NULL if there is none.  *@tlen gets the
 * table's length from its header.  The table points into @blob.
 */
const uint8_t *qvirt_fw_acpi_table(const uint8_t *blob, size_t len,
                                   const char *sig, uint32_t *tlen);

#endif
