/* util.h - small helpers shared by the modules: growing arrays, hashing, time. */
#ifndef HWPROF_UTIL_H
#define HWPROF_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Make *arr (elements of elem bytes, capacity *cap) hold at least need elements,
 * doubling.  New space is zeroed.  Returns 0 or -ENOMEM (*arr unchanged). */
int util_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* util_grow without zeroing the new space: for arrays filled as they grow,
 * where zeroing would only touch pages that are written next anyway. */
int util_grow_raw(void *arr, size_t *cap, size_t need, size_t elem);

/* A 64-bit hash of buf, continuing from h (start with UTIL_HASH_INIT): fast on
 * u64 arrays, well mixed in the low bits.  Not stable across versions: never
 * store it. */
#define UTIL_HASH_INIT 0xcbf29ce484222325ULL
uint64_t util_hash(const void *buf, size_t len, uint64_t h);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds. */
int64_t util_now_mono_ns(void);
int64_t util_now_real_ns(void);

/* Read the whole file at path (a /proc file too: read until EOF) into a
 * malloc'd buffer *out of *len bytes, NUL-terminated one byte past *len.
 * Returns 0, -errno of open or read, or -ENOMEM (*out NULL).  _max: -EFBIG,
 * without reading on, for a file longer than max bytes. */
int util_read_file(const char *path, char **out, size_t *len);
int util_read_file_max(const char *path, size_t max, char **out, size_t *len);

/* The exit status a shell reports for a wait() status: the program's own, or
 * 128 + N when signal N killed it. */
int util_exit_status(int wait_status);

/* qsort, but an empty array is left alone: qsort(NULL, 0, ...) is undefined
 * (glibc declares base nonnull). */
void util_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* a + b, held at INT64_MAX / INT64_MIN instead of overflowing: sums of
 * untrusted values (a profile's) stay ordered and never wrap. */
int64_t util_sat_add(int64_t a, int64_t b);

/* A size in bytes: digits with an optional binary suffix k, M, G or T (KiB,
 * MiB, ...; "1G", "512M", "4096").  0, or -EINVAL (also on overflow). */
int util_parse_size(const char *s, uint64_t *out);

/* A failure -err as a command says it: strerror(-err), "out of memory" for -ENOMEM. */
const char *util_strerror(int err);

/* /proc/sys/kernel/perf_event_paranoid (2, the usual default, when unreadable). */
int util_perf_paranoid(void);

/* The integer a file such as a sysctl's starts with, or dflt when it cannot be
 * read. */
int util_read_int(const char *path, int dflt);

#endif
