/* spanreport.h - reports on spans: the per-name latency table of a recording's
 * histograms (PROFILE.hlog, written by `hwprof record`), and filters of a
 * profile's samples by their span labels (span, trace_id, span_ns; spanjoin.h). */
#ifndef HWPROF_SPANREPORT_H
#define HWPROF_SPANREPORT_H

#include <stdint.h>
#include <stdio.h>

#include "hdr.h"
#include "profile.h"

struct spanreport;

/* Read an interval log, merging the intervals of each tag.  Fills *out.
 * Returns 0, -errno reading, -EINVAL for a malformed log (*line then says
 * which), -ENOMEM. */
int spanreport_read(const char *path, struct spanreport **out, size_t *line);
void spanreport_free(struct spanreport *r);

/* Per span name: count, p50, p90, p99, p99.9 and max of its latency (from the
 * intended start), then of its service time (from the begin) when that
 * differs.  Returns 0 or -EIO. */
int spanreport_table(const struct spanreport *r, FILE *out);

/* The histogram that span_ns labels measure (NAME.service, else NAME); NULL
 * when the log has no such name. */
const struct hdr *spanreport_durations(const struct spanreport *r, const char *name);

/* --slower-than's argument: "pNN" (a percentile, 0 < NN < 100, into *pct) or
 * a duration with its unit ("250ms", "1.5s", "800us", "100ns"; into *ns); the
 * other is set to -1.  Returns 0 or -EINVAL. */
int spanreport_parse_slower(const char *s, double *pct, int64_t *ns);

/* Which samples to keep: all conditions given must hold. */
struct spanreport_filter {
	const char *trace_id;   /* trace_id label equals this (decimal) */
	double slower_pct;      /* >= 0: span_ns at or above this percentile of its name */
	int64_t slower_ns;      /* >= 0: span_ns above this */
	const struct spanreport *r;     /* the histograms, for slower_pct */
};

/* Set every value of the samples that fail f to zero (the writers skip
 * zeros).  Returns the number of samples kept, or -ENOENT when slower_pct
 * needs a span name the histograms lack (*missing names it). */
long spanreport_filter(struct profile *p, const struct spanreport_filter *f, const char **missing);

/* Slow versus the rest: the flat share of each function in the samples of spans
 * at or above pct_slow, against its share in the other spans (below it); those
 * whose slow share is larger, by the difference, at most n rows (0: all).
 * Returns 0, -ENOENT (no spans in the profile), -ENOMEM, -EIO. */
int spanreport_compare(struct profile *p, size_t type, const struct spanreport *r, double pct_slow,
		       size_t n, FILE *out);

#endif
