/* hdr.h - a High Dynamic Range histogram: integer values from a lowest
 * discernible value to a highest trackable value, kept to a fixed number of
 * significant decimal digits, in constant memory and constant recording time.
 * The bucket layout is HdrHistogram's (Gil Tene's), so that histograms can be
 * exchanged with its Java and C implementations (hdrlog.h).
 *
 * Values are reported as HdrHistogram reports them: a value stands for its
 * "equivalent range", the values the histogram cannot tell apart at its
 * precision; percentiles and the maximum are the highest value of that range,
 * the minimum the lowest.  Not thread safe: one writer, no concurrent readers. */
#ifndef HWPROF_HDR_H
#define HWPROF_HDR_H

#include <stddef.h>
#include <stdint.h>

struct hdr;

/* A histogram that tells values apart down to `lowest` (>= 1; values below it
 * share a bucket), records values up to `highest` (>= 2 * lowest) and keeps
 * `digits` (0..5) significant decimal digits.  Fills *out (NULL on failure).
 * Returns 0, -EINVAL for a bad parameter, -ENOMEM. */
int hdr_new(int64_t lowest, int64_t highest, int digits, struct hdr **out);

/* An empty histogram with the same parameters as h. */
int hdr_new_like(const struct hdr *h, struct hdr **out);

/* Accepts NULL. */
void hdr_free(struct hdr *h);

/* Forget every recorded value, keep the parameters. */
void hdr_reset(struct hdr *h);

int64_t hdr_lowest(const struct hdr *h);
int64_t hdr_highest(const struct hdr *h);
int hdr_digits(const struct hdr *h);
/* Bucket and sub-bucket counts, as HdrHistogram reports them (.hgrm footer). */
int hdr_bucket_count(const struct hdr *h);
int hdr_sub_bucket_count(const struct hdr *h);

/* Record v once / n times.  Returns 0; -EINVAL for v < 0 or n < 0; -ERANGE
 * for v above the highest trackable value (nothing is recorded). */
int hdr_record(struct hdr *h, int64_t v);
int hdr_record_n(struct hdr *h, int64_t v, int64_t n);

/* Record v (n times) and correct for coordinated omission: when the recorder
 * expects a value every `interval` but one took v > interval, the requests that
 * should have been issued while it waited were never measured; they would have
 * seen v - interval, v - 2*interval, ... down to interval, so record those too
 * (n times each), as HdrHistogram's recordValueWithExpectedInterval does.
 * interval <= 0 records v alone.  Returns as hdr_record_n. */
int hdr_record_corrected(struct hdr *h, int64_t v, int64_t interval);
int hdr_record_corrected_n(struct hdr *h, int64_t v, int64_t n, int64_t interval);

/* A new histogram (same parameters) holding src corrected after the fact:
 * every recorded value re-recorded with hdr_record_corrected_n.  Fills *out. */
int hdr_copy_corrected(const struct hdr *src, int64_t interval, struct hdr **out);

/* Add every count of src to dst (their parameters may differ).  All or nothing:
 * -ERANGE, dst unchanged, when some value of src is beyond dst's range. */
int hdr_add(struct hdr *dst, const struct hdr *src);

int64_t hdr_total_count(const struct hdr *h);
/* Smallest / largest recorded value (their equivalent range's lowest /
 * highest value); 0 when empty. */
int64_t hdr_min(const struct hdr *h);
int64_t hdr_max(const struct hdr *h);
/* Mean and standard deviation over the middle of each equivalent range. */
double hdr_mean(const struct hdr *h);
double hdr_stddev(const struct hdr *h);

/* The value at or below which p percent (0..100, clamped) of the recorded
 * values lie (the highest equivalent value; for p == 0 the lowest); 0 when
 * empty. */
int64_t hdr_value_at_percentile(const struct hdr *h, double p);

/* The range of values that v is indistinguishable from. */
int64_t hdr_lowest_equivalent(const struct hdr *h, int64_t v);
int64_t hdr_highest_equivalent(const struct hdr *h, int64_t v);
int64_t hdr_median_equivalent(const struct hdr *h, int64_t v);
int hdr_values_equivalent(const struct hdr *h, int64_t a, int64_t b);

/* Direct access to the counts array for encoders and decoders (hdrlog.c).
 * Index i covers the values hdr_value_at_index(i) ..
 * hdr_highest_equivalent(that).  hdr_add_at_index returns -ERANGE for an index
 * outside 0 .. hdr_counts_len()-1 and -EINVAL for a negative count. */
size_t hdr_counts_len(const struct hdr *h);
int64_t hdr_count_at_index(const struct hdr *h, size_t i);
int64_t hdr_value_at_index(const struct hdr *h, size_t i);
int hdr_add_at_index(struct hdr *h, size_t i, int64_t n);
/* The counts index of v's bucket; -ERANGE when beyond the counts array. */
int64_t hdr_index_of(const struct hdr *h, int64_t v);

/* Iteration.  Initialise with one of the _init functions, then call
 * hdr_iter_next until it returns 0; each call that returns 1 fills the public
 * fields.  The histogram must not change during the iteration. */
struct hdr_iter {
	int64_t value;          /* the value iterated to (highest equivalent) */
	int64_t count;          /* the count at that value */
	int64_t cumulative;     /* total count up to and including value */
	double percentile;      /* 100 * cumulative / total */
	double percentile_level;/* percentile iteration: the step reached */

	/* private */
	const struct hdr *h;
	size_t index;
	int64_t total;
	int fresh, kind, ticks, last_done;
	double level;
};

/* Every value with a non-zero count, in increasing order. */
void hdr_iter_recorded_init(struct hdr_iter *it, const struct hdr *h);
/* Percentile steps as in HdrHistogram's outputPercentileDistribution: `ticks`
 * equal steps in each half of the distance to 100% (0%..50%, 50%..75%, ...),
 * ending with a step at 100%.  A value spanning several steps is repeated. */
void hdr_iter_percentile_init(struct hdr_iter *it, const struct hdr *h, int ticks);
int hdr_iter_next(struct hdr_iter *it);

#endif
