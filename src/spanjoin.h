/* spanjoin.h - the recorder's side of the span channel (spanchan.h): joins the
 * program's spans and thread labels to the samples of the same thread, and
 * keeps a latency histogram per span name.
 *
 * A sample taken inside a span gets the labels span=NAME, trace_id=ID (decimal)
 * and span_ns=the span's duration (end - begin, nanoseconds).  The duration is
 * only known when the span ends, after its samples: samples of a thread inside
 * an open span wait here (at most SPANJOIN_MAX_PENDING of them; beyond that the
 * oldest go out without span_ns) until a later drain brings the end.  With
 * nested spans the innermost wins.  Samples also carry the thread's labels
 * (hwprof_label_set) in force at their time.
 *
 * Times in ticks (spanchan.h) are converted to ns with a calibration point per
 * drain (tscclock.h).
 *
 * The records come from the program (spanchan.h checks them), so what they
 * can make this keep is bounded: span state for at most SPANJOIN_MAX_THREADS
 * threads at once (the records of more are dropped and counted; a thread with
 * no span, label or closed span left is forgotten), and SPANJOIN_MAX_KEPT
 * closed spans and label changes over all threads (beyond it, the thread that
 * holds the most forgets its older half; its late samples then go without
 * those spans' labels).
 *
 * Known limit: a sample taken between a thread reading the clock for a begin and
 * storing it in its ring's header counts as outside the span.  Not thread safe
 * (the recorder's thread only). */
#ifndef HWPROF_SPANJOIN_H
#define HWPROF_SPANJOIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hdr.h"
#include "profile.h"
#include "spanchan.h"

#define SPANJOIN_MAX_PENDING 65536
#define SPANJOIN_MAX_THREAD_LABELS 8
#define SPANJOIN_MAX_THREADS 4096
#define SPANJOIN_MAX_KEPT (1 << 18)

struct spanjoin_stats {
	uint64_t spans;         /* spans ended */
	uint64_t latencies;     /* hwprof_record_latency() values */
	uint64_t in_span;       /* samples labeled with a span */
	uint64_t no_duration;   /* ... without span_ns (pending bound, span never ended) */
	uint64_t too_large;     /* latencies beyond the histograms' range (1 h) */
	uint64_t over_limit;    /* records dropped: beyond SPANJOIN_MAX_THREADS threads */
	uint64_t bad_times;     /* records dropped: TSC times no clock could give */
	uint64_t forgotten;     /* closed spans forgotten early (SPANJOIN_MAX_KEPT) */
};

struct spanjoin;

/* Read ch (not owned; must outlive s).  Fills *out.  0 or -ENOMEM. */
int spanjoin_new(struct spanchan *ch, struct spanjoin **out);
void spanjoin_free(struct spanjoin *s);

/* Chain next (not owned) behind s and whatever is chained to it already:
 * the channel of another process.  spanjoin_drain, _settle and _add_sample
 * of s then act on the whole chain (a sample goes to the channel that knows
 * its thread); the rest (stats, names, histograms, damage) stays per channel. */
void spanjoin_chain(struct spanjoin *s, struct spanjoin *next);

/* Take s out of the chain that starts at head: the chain's head after it. */
struct spanjoin *spanjoin_unchain(struct spanjoin *head, struct spanjoin *s);

/* Take in everything the program appended since the last call.  Call before
 * handing over the samples of a batch.  0 or -ENOMEM. */
int spanjoin_drain(struct spanjoin *s);

/* Add sample x of thread tid at time (as profile_add_sample: everything x points
 * to is copied) to p now, or keep it until its span ends.  0 or -errno. */
int spanjoin_add_sample(struct spanjoin *s, struct profile *p, uint32_t tid, uint64_t time,
			const struct profile_sample *x);

/* After a batch: add the waiting samples whose span has ended; with final, all
 * of them (spans still open get no span_ns).  0 or -errno. */
int spanjoin_settle(struct spanjoin *s, struct profile *p, int final);

/* Span names seen, and per name (id 1..) its latency histogram (end - intended
 * start) and service histogram (end - begin; NULL when no span had an
 * intended start of its own, i.e. it equals the latency one); NULL if none. */
size_t spanjoin_names(const struct spanjoin *s);
const char *spanjoin_name(const struct spanjoin *s, size_t id);
const struct hdr *spanjoin_latency(const struct spanjoin *s, size_t id);
const struct hdr *spanjoin_service(const struct spanjoin *s, size_t id);

/* Append the histograms to an HdrHistogram interval log (its header written
 * before: hdrlog_write_header), each over [0, length_sec): per name one
 * interval tagged NAME (',' and spaces become '_'), and NAME.service when it
 * differs.  0, -EIO, -ENOMEM. */
int spanjoin_write_intervals(const struct spanjoin *s, FILE *f, double length_sec);

const struct spanjoin_stats *spanjoin_stats(const struct spanjoin *s);

/* What the records of process pid's channel cost, as one line in buf ("" when
 * nothing): "span channel of PID corrupted: N records dropped" when the
 * program wrote over it (spanchan_corrupted, or TSC times no clock gives),
 * and the records of threads beyond SPANJOIN_MAX_THREADS.  1 when corrupted,
 * else 0. */
int spanjoin_damage(const struct spanjoin *s, int pid, char *buf, size_t len);

#endif
