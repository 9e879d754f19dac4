/* hdrco.h - coordinated-omission correction of many values at once.
 *
 * hdr_record_corrected back-fills v - interval, v - 2*interval, ... down to
 * interval for every value: O(v / interval) steps each (O(buckets) for a long
 * stall), which made `hwprof latency --expected-interval 1us` take minutes for
 * millions of lines.  hdrco records each value at once and queues it; a flush
 * sorts the queue and adds the back-fill of all of it bucket by bucket from
 * the arithmetic of the series, in O((n + buckets) log n).  The counts, the
 * total, the minimum and the maximum come out exactly as hdr_record_corrected
 * of each value (from the raw value, not its bucket) would give them. */
#ifndef HWPROF_HDRCO_H
#define HWPROF_HDRCO_H

#include <stdint.h>

#include "hdr.h"

struct hdrco;

/* A corrector recording into h (borrowed: it must outlive the corrector) with
 * the expected interval (> 0).  Fills *out.  0, -EINVAL, -ENOMEM. */
int hdrco_new(struct hdr *h, int64_t interval, struct hdrco **out);

/* Record v into h now and queue its back-fill (flushed by itself every so
 * many values).  Returns as hdr_record (nothing recorded or queued on error),
 * or -ENOMEM from a flush. */
int hdrco_record(struct hdrco *c, int64_t v);

/* Add the back-fill of every queued value to h.  0, or -ENOMEM (the queue is
 * kept: h has none of its back-fill). */
int hdrco_flush(struct hdrco *c);

/* Accepts NULL.  A queue not flushed is lost. */
void hdrco_free(struct hdrco *c);

#endif
