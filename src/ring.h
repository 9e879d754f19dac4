/* ring.h - the perf_event mmap ring buffer: copy records out, advance data_tail.
 *
 * One ring per perf_event fd (per CPU).  Not thread safe: one reader per ring. */
#ifndef HWPROF_RING_H
#define HWPROF_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/* mmap 1 + data_pages pages of fd (data_pages a power of two).  Fills *out.
 * Returns 0 or a negative errno (-EPERM when locked memory is exhausted). */
int ring_open(int fd, size_t data_pages, struct ring **out);

/* Read over memory laid out like the kernel's ring (a struct perf_event_mmap_page
 * followed, at meta->data_offset, by data_size bytes).  The memory stays the
 * caller's.  Used by ring_open and by tests that play the kernel's part. */
int ring_attach(void *base, size_t data_size, struct ring **out);

/* Called with each complete record, contiguous even when it wrapped around the end
 * of the ring.  buf is valid only during the call.  A non-zero return stops the read. */
typedef int (*ring_record_fn)(const void *buf, size_t len, void *ctx);

/* Deliver every record now in the ring, then release their space to the kernel.
 * Returns the number of records delivered, or the callback's non-zero value
 * (negative), or -EINVAL when the ring holds a corrupt header.  The record a callback
 * stopped on counts as consumed; on -EINVAL the records before the bad one are. */
int ring_read(struct ring *r, ring_record_fn fn, void *ctx);

/* Bytes waiting to be read. */
size_t ring_pending(const struct ring *r);

/* Unmap (when ring_open mapped it) and free.  Accepts NULL. */
void ring_close(struct ring *r);

#endif
