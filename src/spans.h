/* spans.h - the recorder's side of the span channel (spanchan.h): joins the
 * program's spans and thread labels to the samples of the same thread, and
 * keeps a latency histogram per span name.
 *
 * A sample taken inside a span gets the labels span=NAME, trace_id=ID (decimal)
 * and span_ns=the span's duration (end - begin, nanoseconds).  The duration is
 * only known when the span ends, after its samples: samples of a thread inside
 * an open span wait here (at most SPANS_MAX_PENDING of them; beyond that the
 * oldest go out without span_ns) until a later drain brings the end.  With
 * nested spans the innermost wins.  Samples also carry the thread's labels
 * (hwprof_label_set) in force at their time.
 *
 * Times in ticks (spanchan.h) are converted to ns with a calibration point per
 * drain (tscclock.h).
 *
 * Known limit: a sample taken between a thread reading the clock for a begin and
 * storing it in its ring's header counts as outside the span.  Not thread safe
 * (the recorder's thread only). */
#ifndef HWPROF_SPANS_H
#define HWPROF_SPANS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hdr.h"
#include "profile.h"
#include "spanchan.h"

#define SPANS_MAX_PENDING 65536
#define SPANS_MAX_THREAD_LABELS 8

struct spans_stats {
	uint64_t spans;         /* spans ended */
	uint64_t latencies;     /* hwprof_record_latency() values */
	uint64_t in_span;       /* samples labeled with a span */
	uint64_t no_duration;   /* ... without span_ns (pending bound, span never ended) */
	uint64_t too_large;     /* latencies beyond the histograms' range (1 h) */
};

struct spans;

/* Read ch (not owned; must outlive s).  Fills *out.  0 or -ENOMEM. */
int spans_new(struct spanchan *ch, struct spans **out);
void spans_free(struct spans *s);

/* Take in everything the program appended since the last call.  Call before
 * handing over the samples of a batch.  0 or -ENOMEM. */
int spans_drain(struct spans *s);

/* Add a sample (as profile_add_sample; labels are the recorder's own, copied)
 * to p now, or keep it until its span ends.  0 or -errno. */
int spans_add_sample(struct spans *s, struct profile *p, uint32_t tid, uint64_t time,
		     const uint64_t *locs, size_t n_locs, const struct profile_label *labels,
		     size_t n_labels, const int64_t *values);

/* After a batch: add the waiting samples whose span has ended; with final, all
 * of them (spans still open get no span_ns).  0 or -errno. */
int spans_settle(struct spans *s, struct profile *p, int final);

/* Span names seen, and per name (id 1..) its latency histogram (end - intended
 * start) and service histogram (end - begin; NULL when no span had an
 * intended start of its own, i.e. it equals the latency one); NULL if none. */
size_t spans_names(const struct spans *s);
const char *spans_name(const struct spans *s, size_t id);
const struct hdr *spans_latency(const struct spans *s, size_t id);
const struct hdr *spans_service(const struct spans *s, size_t id);

/* Write the histograms as an HdrHistogram interval log: per name one interval
 * tagged NAME (',' and spaces become '_'), and NAME.service when it differs.
 * 0, -EIO, -ENOMEM. */
int spans_write_hlog(const struct spans *s, FILE *f, double start_sec, double length_sec);

const struct spans_stats *spans_stats(const struct spans *s);

#endif
