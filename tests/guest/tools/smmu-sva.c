// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-sva: a process binds its own address space to a test master (SVA,
 * the test module's /sys/kernel/debug/smmuv3_aux_sva/<pci|platform>, see
 * tests/guest/module/td_sva.h) and has the device read and write its
 * memory by virtual address.  Every check prints
 *   RESULT <check> PASS|FAIL|SKIP <detail>
 *
 * smmu-sva pci: the PCI test device, whose faults Linux never resolves
 *   (no I/O page faults for PCI): only the SMMU's hardware updates of the
 *   CPU's page tables make these work:
 *   touched    pages the CPU wrote: the device reads them (hash) and writes
 *              a pattern the CPU then reads;
 *   aged       pages made old with /proc/self/clear_refs (AF = 0; smaps
 *              Referenced 0): the device reads them, and the SMMU's HA sets
 *              the Access flag (smaps Referenced is the whole range again);
 *   clean      pages MADV_FREE made writable-clean (DBM = 1, AP[2] = 1;
 *              smaps Private_Dirty 0): the device writes them, the SMMU's
 *              HD makes them dirty (Private_Dirty is the whole range, so
 *              reclaim will not drop the device's data) and the CPU reads
 *              the pattern.
 * smmu-sva platform [SID]: the platform master with "dma-can-stall":
 *   bind       with StreamID SID, when given;
 *   stall      the bond has stall enabled and I/O page faults on;
 *   untouched-write, untouched-read
 *              pages never touched: each access stalls in the SMMU, the
 *              kernel's I/O page-fault handler maps the page and resumes
 *              the stall (CMD_RESUME), the device's write lands (the CPU
 *              reads it) and its read sees zeroes;
 *   stall-cost the time of a write to N untouched pages minus that to N
 *              touched ones, per page: one stalled fault resolved by the
 *              guest, end to end.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "td-iommufd.h"
#include "../module/td_sva.h"

#define PAGE        4096UL
#define NPAGES      16
#define COST_PAGES  64

/* The device's WRITE: 32-bit LE words counting up from pattern. */
static size_t pattern_bad(const uint8_t *p, size_t len, uint32_t pattern)
{
    size_t i;

    for (i = 0; i < len; i += 4) {
        uint32_t w;

        memcpy(&w, p + i, 4);
        if (w != pattern + i / 4) {
            return i;
        }
    }
    return len;
}

static int dma(int fd, uint32_t cmd, void *src, void *dst, size_t len,
               uint32_t pattern, struct td_sva_dma *d)
{
    memset(d, 0, sizeof(*d));
    d->cmd = cmd;
    d->len = len;
    d->src = (uintptr_t)src;
    d->dst = (uintptr_t)dst;
    d->pattern = pattern;
    if (ioctl(fd, TD_SVA_DMA, d) < 0) {
        return -errno;
    }
    return d->status == TD_ST_DONE ? 0 : -EIO;
}

static const char *dma_err(int ret, const struct td_sva_dma *d)
{
    static char buf[128];

    snprintf(buf, sizeof(buf), "%s (status %u, fault at 0x%llx)",
             ret == -EIO ? "device ERROR" : strerror(-ret), d->status,
             (unsigned long long)d->err_addr);
    return buf;
}

/*
 * n fresh, untouched pages in a VMA of their own (smaps counts per VMA):
 * between two PROT_NONE guard pages, which keep it from merging with the
 * mappings around it.
 */
static uint8_t *map_pages(size_t n)
{
    uint8_t *p = mmap(NULL, (n + 2) * PAGE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED || mprotect(p + PAGE, n * PAGE,
                                    PROT_READ | PROT_WRITE)) {
        perror("mmap");
        exit(1);
    }
    return p + PAGE;
}

/* "Referenced:" or "Private_Dirty:" of the VMA at addr, in kB; -1 if none. */
static long smaps_kb(const void *addr, const char *field)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    unsigned long start, end, a = (uintptr_t)addr;
    char line[512];
    bool in = false;
    long kb = -1;

    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            in = a >= start && a < end;
        } else if (in && !strncmp(line, field, strlen(field))) {
            kb = strtol(line + strlen(field), NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

static bool clear_refs(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    bool ok = fd >= 0 && write(fd, "1", 1) == 1;

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

static void check_touched(int fd)
{
    uint8_t *a = map_pages(NPAGES), *b = map_pages(NPAGES);
    size_t len = NPAGES * PAGE, bad, i;
    struct td_sva_dma d;
    int ret;

    for (i = 0; i < len; i++) {
        a[i] = i * 7 + 3;
    }
    memset(b, 0x5a, len);
    ret = dma(fd, 1, a, NULL, len, 0, &d);
    if (ret || d.result != fnv1a(a, len)) {
        result("touched", "FAIL", "READ of %zu bytes at %p: %s", len, a,
               ret ? dma_err(ret, &d) : "wrong hash");
        return;
    }
    ret = dma(fd, 2, NULL, b, len, 0x1000, &d);
    bad = ret ? 0 : pattern_bad(b, len, 0x1000);
    if (ret || bad != len) {
        result("touched", "FAIL", "WRITE at %p: %s", b,
               ret ? dma_err(ret, &d) : "the CPU does not see the pattern");
        return;
    }
    result("touched", "PASS", "the device read %zu bytes at %p (hash) and "
           "wrote %zu at %p, which the CPU reads", len, a, len, b);
}

/* HA: the device reads old pages; the SMMU sets their Access flag. */
static void check_aged(int fd)
{
    uint8_t *a = map_pages(NPAGES);
    size_t len = NPAGES * PAGE;
    long before, after;
    struct td_sva_dma d;
    uint64_t h;
    int ret;

    memset(a, 0x33, len);
    h = fnv1a(a, len);
    if (!clear_refs()) {
        result("aged", "FAIL", "cannot write /proc/self/clear_refs");
        return;
    }
    before = smaps_kb(a, "Referenced:");
    if (before != 0) {
        result("aged", "FAIL", "smaps Referenced %ld kB after clear_refs, "
               "want 0", before);
        return;
    }
    ret = dma(fd, 1, a, NULL, len, 0, &d);
    after = smaps_kb(a, "Referenced:");
    if (ret || d.result != h) {
        result("aged", "FAIL", "READ of %d old pages: %s", NPAGES,
               ret ? dma_err(ret, &d) : "wrong hash");
    } else if (after != (long)(len / 1024)) {
        result("aged", "FAIL", "smaps Referenced %ld kB after the device "
               "read, want %zu (the SMMU's HA sets AF)", after, len / 1024);
    } else {
        result("aged", "PASS", "%d pages with AF=0 (Referenced 0 kB): the "
               "device read them, Referenced %ld kB after", NPAGES, after);
    }
}

/* HD: the device writes writable-clean pages; the SMMU makes them dirty. */
static void check_clean(int fd)
{
    uint8_t *a = map_pages(NPAGES);
    size_t len = NPAGES * PAGE, bad;
    long before, after;
    struct td_sva_dma d;
    int ret;

    memset(a, 0x44, len);
    if (madvise(a, len, MADV_FREE)) {
        result("clean", "FAIL", "madvise(MADV_FREE): %s", strerror(errno));
        return;
    }
    before = smaps_kb(a, "Private_Dirty:");
    if (before != 0) {
        result("clean", "FAIL", "smaps Private_Dirty %ld kB after "
               "MADV_FREE, want 0", before);
        return;
    }
    ret = dma(fd, 2, NULL, a, len, 0x2000, &d);
    after = smaps_kb(a, "Private_Dirty:");
    bad = ret ? 0 : pattern_bad(a, len, 0x2000);
    if (ret) {
        result("clean", "FAIL", "WRITE of %d writable-clean pages: %s",
               NPAGES, dma_err(ret, &d));
    } else if (after != (long)(len / 1024)) {
        result("clean", "FAIL", "smaps Private_Dirty %ld kB after the "
               "device wrote, want %zu (the SMMU's HD)", after, len / 1024);
    } else if (bad != len) {
        result("clean", "FAIL", "the CPU reads other bytes at +0x%zx", bad);
    } else {
        result("clean", "PASS", "%d writable-clean pages (Private_Dirty 0 "
               "kB): the device wrote them, Private_Dirty %ld kB after, the "
               "CPU reads the pattern", NPAGES, after);
    }
}

static void check_untouched(int fd)
{
    uint8_t *w = map_pages(NPAGES), *r = map_pages(NPAGES);
    static uint8_t zero[NPAGES * PAGE];
    size_t len = NPAGES * PAGE, bad;
    struct td_sva_dma d;
    int ret;

    ret = dma(fd, 2, NULL, w, len, 0x3000, &d);
    bad = ret ? 0 : pattern_bad(w, len, 0x3000);
    if (ret || bad != len) {
        result("untouched-write", "FAIL", "WRITE of %d untouched pages at "
               "%p: %s", NPAGES, w,
               ret ? dma_err(ret, &d) : "the CPU does not see the pattern");
    } else {
        result("untouched-write", "PASS", "%d pages never touched: the "
               "write stalled, the fault handler mapped them, the CPU reads "
               "the pattern", NPAGES);
    }
    ret = dma(fd, 1, r, NULL, len, 0, &d);
    if (ret || d.result != fnv1a(zero, len)) {
        result("untouched-read", "FAIL", "READ of %d untouched pages: %s",
               NPAGES, ret ? dma_err(ret, &d) : "not all zeroes");
    } else {
        result("untouched-read", "PASS", "%d pages never touched read as "
               "zeroes", NPAGES);
    }
}

/* One stalled fault resolved by the guest: untouched minus touched. */
static void check_stall_cost(int fd)
{
    uint8_t *u = map_pages(COST_PAGES), *t = map_pages(COST_PAGES);
    size_t len = COST_PAGES * PAGE;
    struct td_sva_dma d;
    uint64_t tu, tt;
    int ret;

    memset(t, 1, len);
    ret = dma(fd, 2, NULL, t, len, 0, &d);
    tt = d.ns;
    if (!ret) {
        ret = dma(fd, 2, NULL, u, len, 0, &d);
        tu = d.ns;
    }
    if (ret) {
        result("stall-cost", "FAIL", "%s", dma_err(ret, &d));
        return;
    }
    printf("STALL-NS=%llu\n",
           (unsigned long long)(tu > tt ? (tu - tt) / COST_PAGES : 0));
    result("stall-cost", "PASS", "%.1f us per stalled fault resolved by the "
           "guest (%d pages: %.2f ms untouched, %.2f ms touched)",
           tu > tt ? (tu - tt) / 1e3 / COST_PAGES : 0.0, COST_PAGES,
           tu / 1e6, tt / 1e6);
}

int main(int argc, char **argv)
{
    char path[128];
    struct td_sva_info info;
    long want_sid = -1;
    bool plat;
    int fd;

    if (argc < 2 || argc > 3 ||
        (strcmp(argv[1], "pci") && strcmp(argv[1], "platform"))) {
        fprintf(stderr, "usage: smmu-sva pci|platform [SID]\n");
        return 2;
    }
    if (argc == 3) {
        want_sid = strtol(argv[2], NULL, 0);
    }
    plat = !strcmp(argv[1], "platform");
    snprintf(path, sizeof(path), "/sys/kernel/debug/smmuv3_aux_sva/%s",
             argv[1]);
    fd = open(path, O_RDWR);
    if (fd < 0 || ioctl(fd, TD_SVA_INFO, &info) < 0) {
        result("bind", "FAIL", "%s: %s", path, strerror(errno));
        return 1;
    }
    result("bind", want_sid < 0 || want_sid == info.sid ? "PASS" : "FAIL",
           "StreamID 0x%x%s, PASID %u, %u SubstreamID bits, stall %s, I/O "
           "page faults %s", info.sid,
           want_sid < 0 || want_sid == info.sid ? "" : " (not the DT's)",
           info.pasid, info.ssid_bits, info.stall ? "on" : "off",
           info.iopf ? "on" : "off");
    if (plat) {
        if (!info.stall || !info.iopf) {
            result("stall", "FAIL", "the bond has stall %s and I/O page "
                   "faults %s (DT dma-can-stall, FEAT_STALLS)",
                   info.stall ? "on" : "off", info.iopf ? "on" : "off");
        } else {
            result("stall", "PASS", "stall and I/O page faults on");
            check_untouched(fd);
            check_stall_cost(fd);
        }
    } else {
        check_touched(fd);
        check_aged(fd);
        check_clean(fd);
    }
    close(fd);
    return failures ? 1 : 0;
}
