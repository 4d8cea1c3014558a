// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * smmu-iops: random-read IOPS of a block device, fio-like but one static
 * binary for the benchmark guest (scripts/bench/guest_bench.py).
 *
 *   smmu-iops [--threads N] [--seconds T] [--bs B] [DEVICE]
 *
 * Opens DEVICE (default /dev/vda) with O_DIRECT, so every read is a DMA
 * of the device and none is served by the page cache, and runs N threads
 * (default 4) that each pread() B bytes (default 4096) at random
 * B-aligned offsets for T seconds (default 10).  Prints one line:
 *
 *   SMMU-IOPS reads R seconds S threads N bs B errors E iops I
 *
 * R counts completed reads of all threads, S is the time from starting
 * the threads to the last one stopping (CLOCK_MONOTONIC).  Exit status 0
 * if no read failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#define MAX_THREADS 64

typedef struct Reader {
    pthread_t tid;
    uint64_t seed;
    uint64_t reads, errors;
    int first_errno;
} Reader;

static int fd;
static uint64_t nblocks;
static size_t bs = 4096;
static atomic_int stop;
static pthread_barrier_t start_barrier;

/* xorshift64*: cheap, per thread, so the readers share no state. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static void *reader(void *opaque)
{
    Reader *r = opaque;
    void *buf;

    /* O_DIRECT needs a buffer aligned to the logical block size. */
    if (posix_memalign(&buf, 4096, bs)) {
        r->errors++;
        r->first_errno = ENOMEM;
        pthread_barrier_wait(&start_barrier);
        return NULL;
    }
    pthread_barrier_wait(&start_barrier);
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        off_t off = (off_t)(next_rand(&r->seed) % nblocks) * bs;

        if (pread(fd, buf, bs, off) == (ssize_t)bs) {
            r->reads++;
        } else {
            if (!r->errors) {
                r->first_errno = errno;
            }
            r->errors++;
            if (r->errors > 100) {
                break;      /* a broken device: report, do not spin */
            }
        }
    }
    free(buf);
    return NULL;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dev = "/dev/vda";
    int threads = 4;
    double seconds = 10, t0, t1;
    Reader rd[MAX_THREADS];
    uint64_t size = 0, reads = 0, errors = 0;
    struct timespec nap;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            threads = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--bs") && i + 1 < argc) {
            bs = strtoul(argv[++i], NULL, 0);
        } else if (argv[i][0] != '-') {
            dev = argv[i];
        } else {
            fprintf(stderr, "usage: %s [--threads N] [--seconds T] [--bs B] "
                    "[DEVICE]\n", argv[0]);
            return 2;
        }
    }
    if (threads < 1 || threads > MAX_THREADS || seconds <= 0 ||
        bs < 512 || bs % 512) {
        fprintf(stderr, "smmu-iops: bad arguments\n");
        return 2;
    }
    fd = open(dev, O_RDONLY | O_DIRECT);
    if (fd < 0) {
        fprintf(stderr, "smmu-iops: %s: %s\n", dev, strerror(errno));
        return 1;
    }
    if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
        size = lseek(fd, 0, SEEK_END);
    }
    nblocks = size / bs;
    if (!nblocks) {
        fprintf(stderr, "smmu-iops: %s: empty\n", dev);
        return 1;
    }

    pthread_barrier_init(&start_barrier, NULL, threads + 1);
    for (int i = 0; i < threads; i++) {
        memset(&rd[i], 0, sizeof(rd[i]));
        rd[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1) ^ (uint64_t)getpid();
        if (pthread_create(&rd[i].tid, NULL, reader, &rd[i])) {
            fprintf(stderr, "smmu-iops: cannot start thread %d\n", i);
            return 1;
        }
    }
    pthread_barrier_wait(&start_barrier);
    t0 = now();
    nap.tv_sec = (time_t)seconds;
    nap.tv_nsec = (long)((seconds - nap.tv_sec) * 1e9);
    while (nanosleep(&nap, &nap) && errno == EINTR) {
        continue;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < threads; i++) {
        pthread_join(rd[i].tid, NULL);
        reads += rd[i].reads;
        errors += rd[i].errors;
        if (rd[i].errors) {
            fprintf(stderr, "smmu-iops: thread %d: %llu failed reads (%s)\n",
                    i, (unsigned long long)rd[i].errors,
                    strerror(rd[i].first_errno));
        }
    }
    t1 = now();
    printf("SMMU-IOPS reads %llu seconds %.3f threads %d bs %zu errors %llu "
           "iops %.0f\n", (unsigned long long)reads, t1 - t0, threads, bs,
           (unsigned long long)errors, reads / (t1 - t0));
    fflush(stdout);
    return errors ? 1 : 0;
}
