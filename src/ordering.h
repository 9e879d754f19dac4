/* ordering.h - a batch of the rings' records, handed on in time order.
 *
 * Each ring holds its CPU's records in the order the kernel wrote them, which is
 * time order for that CPU, but the rings are read one after the other: a sample
 * read from one ring may be older than an MMAP2 read from the next.  The records
 * of a batch are copied in as they are read and handed on sorted by their time
 * (perfrec_time), so that a sample meets every record that came before it.
 * Records of equal time keep the order they were added in; records without a
 * time (none sampled, or malformed) come first, in the order added.
 * Not thread safe. */
#ifndef HWPROF_ORDERING_H
#define HWPROF_ORDERING_H

#include <stddef.h>

#include "perfrec.h"

struct ordering;

/* fmt (not owned; must outlive o) says where a record's time is.  0 or -ENOMEM. */
int ordering_new(const struct perfrec_format *fmt, struct ordering **out);
void ordering_free(struct ordering *o);

/* Copy one record (buf, len) into the batch.  0 or -ENOMEM. */
int ordering_add(struct ordering *o, const void *buf, size_t len);

/* The records of the batch so far. */
size_t ordering_pending(const struct ordering *o);

/* Called with each record in time order; a negative return stops the flush. */
typedef int (*ordering_record_fn)(const void *buf, size_t len, void *ctx);

/* Hand the batch to fn in time order and empty it (also on error: a record
 * fn failed on is not handed on again).  0, fn's negative return, or -ENOMEM
 * (then nothing was handed on). */
int ordering_flush(struct ordering *o, ordering_record_fn fn, void *ctx);

#endif
