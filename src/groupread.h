/* groupread.h - per-thread deltas of the counters a group's samples read.
 *
 * A sample of a group leader carries the running count of every member
 * (PERF_SAMPLE_READ); what belongs to that sample's stack is the increase since
 * the same thread's previous sample.  Inherited counters are per thread and
 * start at zero with it, so the first reading is all increase.  Not thread safe. */
#ifndef HWPROF_GROUPREAD_H
#define HWPROF_GROUPREAD_H

#include <stdint.h>

struct groupread;

int groupread_new(struct groupread **out);
void groupread_free(struct groupread *g);

/* The increase of counter id on thread tid since its previous reading into
 * *delta (0 when the count went backwards, as after a counter reset).
 * Returns 0 or -ENOMEM. */
int groupread_delta(struct groupread *g, uint32_t tid, uint64_t id, uint64_t value,
		    uint64_t *delta);

#endif
