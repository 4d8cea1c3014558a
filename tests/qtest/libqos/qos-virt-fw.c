/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Readers of -M virt's device tree, fw_cfg files and ACPI tables, for plain
 * qtests; see qos-virt-fw.h.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qos-virt-fw.h"

/* virt loads the DTB at the RAM base when it boots no kernel. */
#define VIRT_DTB_ADDR       0x40000000ULL
#define VIRT_FW_CFG_BASE    0x09020000ULL

#define FDT_MAGIC           0xd00dfeed
#define FDT_BEGIN_NODE      1
#define FDT_END_NODE        2
#define FDT_PROP            3
#define FDT_NOP             4

#define FW_CFG_FILE_DIR     0x19
/* struct FWCfgFile: be32 size, be16 select, be16 reserved, name[56] */
#define FW_CFG_FILE_SIZE    64
#define FW_CFG_MAX_NAME     56

#define ACPI_HEADER_LEN     36

uint32_t qvirt_fw_fdt32(const void *p)
{
    return (uint32_t)ldl_be_p(p);
}

uint8_t *qvirt_fw_dtb(QTestState *qts)
{
    uint8_t hdr[8];
    uint8_t *fdt;

    /* Header: magic, then totalsize. */
    qtest_memread(qts, VIRT_DTB_ADDR, hdr, sizeof(hdr));
    g_assert_cmphex(qvirt_fw_fdt32(hdr), ==, FDT_MAGIC);
    fdt = g_malloc(qvirt_fw_fdt32(hdr + 4));
    qtest_memread(qts, VIRT_DTB_ADDR, fdt, qvirt_fw_fdt32(hdr + 4));
    return fdt;
}

/*
 * One pass over the structure block: a node matches when its name has the
 * prefix; its @prop is remembered, and returned at its FDT_END_NODE if the
 * phandle matched too (a "phandle" property may come after @prop).
 */
const uint8_t *qvirt_fw_fdt_find(const uint8_t *fdt, const char *node_prefix,
                                 uint32_t phandle, const char *prop,
                                 uint32_t *len)
{
    const uint8_t *p = fdt + qvirt_fw_fdt32(fdt + 8);
    const char *strings = (const char *)fdt + qvirt_fw_fdt32(fdt + 12);
    const uint8_t *found = NULL;
    uint32_t found_len = 0;
    bool in_node = false, ph_ok = !phandle;
    int depth = 0, node_depth = 0;

    for (;;) {
        uint32_t tok = qvirt_fw_fdt32(p);

        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            size_t n = strlen((const char *)p);

            depth++;
            if (!in_node && g_str_has_prefix((const char *)p, node_prefix)) {
                in_node = true;
                node_depth = depth;
                found = NULL;
                ph_ok = !phandle;
            }
            p += ROUND_UP(n + 1, 4);
        } else if (tok == FDT_END_NODE) {
            if (in_node && depth == node_depth) {
                if (ph_ok && found) {
                    *len = found_len;
                    return found;
                }
                in_node = false;
            }
            depth--;
        } else if (tok == FDT_PROP) {
            uint32_t l = qvirt_fw_fdt32(p);
            const char *name = strings + qvirt_fw_fdt32(p + 4);

            if (in_node && depth == node_depth) {
                if (!strcmp(name, prop)) {
                    found = p + 8;
                    found_len = l;
                }
                if (phandle && !strcmp(name, "phandle") &&
                    qvirt_fw_fdt32(p + 8) == phandle) {
                    ph_ok = true;
                }
            }
            p += 8 + ROUND_UP(l, 4);
        } else if (tok != FDT_NOP) {
            return NULL;                        /* FDT_END */
        }
    }
}

/*
 * virt's fw_cfg is MMIO with the data register at +0 and a big-endian
 * selector at +8 (not the layout libqos's mm_fw_cfg expects).  Data reads
 * return the item's bytes in order, whatever the access size.
 */
void qvirt_fw_cfg_read(QTestState *qts, uint16_t key, uint8_t *buf,
                       size_t len)
{
    size_t i;

    qtest_writew(qts, VIRT_FW_CFG_BASE + 8, bswap16(key));
    for (i = 0; i + 8 <= len; i += 8) {
        stq_le_p(buf + i, qtest_readq(qts, VIRT_FW_CFG_BASE));
    }
    for (; i < len; i++) {
        buf[i] = qtest_readb(qts, VIRT_FW_CFG_BASE);
    }
}

uint8_t *qvirt_fw_cfg_file(QTestState *qts, const char *name, size_t *len)
{
    uint8_t hdr[4];
    g_autofree uint8_t *dir = NULL;
    uint32_t n, i;

    /* The directory: be32 count, then count FWCfgFile entries. */
    qvirt_fw_cfg_read(qts, FW_CFG_FILE_DIR, hdr, sizeof(hdr));
    n = ldl_be_p(hdr);
    dir = g_malloc(4 + n * FW_CFG_FILE_SIZE);
    qvirt_fw_cfg_read(qts, FW_CFG_FILE_DIR, dir, 4 + n * FW_CFG_FILE_SIZE);
    for (i = 0; i < n; i++) {
        const uint8_t *ent = dir + 4 + i * FW_CFG_FILE_SIZE;

        if (!strncmp((const char *)ent + 8, name, FW_CFG_MAX_NAME)) {
            uint8_t *buf;

            *len = ldl_be_p(ent);
            buf = g_malloc(*len);
            qvirt_fw_cfg_read(qts, lduw_be_p(ent + 4), buf, *len);
            return buf;
        }
    }
    return NULL;
}

const uint8_t *qvirt_fw_acpi_table(const uint8_t *blob, size_t len,
                                   const char *sig, uint32_t *tlen)
{
    size_t off = 0;

    /* The blob is the tables back to back, each with its header first. */
    while (off + ACPI_HEADER_LEN <= len) {
        uint32_t l = ldl_le_p(blob + off + 4);

        if (l < ACPI_HEADER_LEN || off + l > len) {
            break;
        }
        if (!memcmp(blob + off, sig, 4)) {
            *tlen = l;
            return blob + off;
        }
        off += l;
    }
    return NULL;
}
