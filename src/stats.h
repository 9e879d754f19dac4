/* stats.h - summary statistics of repeated measurements (hwprof stat -r N),
 * the Mann-Whitney U test that compares two sets of runs (hwprof gate), and
 * the intervals on a sampled share (hwprof report). */
#ifndef HWPROF_STATS_H
#define HWPROF_STATS_H

#include <stddef.h>

#include "profile.h"

struct stats_summary {
	size_t n;
	double min, max, mean, median, p10, p90;
	double stddev;   /* sample standard deviation (n - 1); 0 for one value */
	double cv;       /* stddev / mean; 0 when the mean is 0 */
};

/* Summarize v[0..n) (left unchanged).  0, -EINVAL for n == 0, or -ENOMEM. */
int stats_summarize(const double *v, size_t n, struct stats_summary *out);

/* The p-quantile (0 <= p <= 1) of sorted[0..n), n > 0, interpolating linearly
 * between the closest ranks (numpy's and R's default, type 7). */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* The Mann-Whitney U test (Wilcoxon rank-sum) of a against b, two-sided. */
struct stats_mwu {
	double u;       /* pairs (x from a, y from b) with x > y; a tie counts 1/2 */
	double p;       /* two-sided p-value */
	double z;       /* the normal approximation's z (0 when exact) */
	int exact;      /* p from the exact distribution of U, else the normal one */
};

/* Sizes below which (on both sides) U's exact distribution is used when no
 * value is tied (R's wilcox.test rule). */
#define STATS_MWU_EXACT_BELOW 50

/* Test a[0..na) against b[0..nb) (left unchanged).  Exact p when nothing is
 * tied and both sizes are below STATS_MWU_EXACT_BELOW; else the normal
 * approximation with the tie-corrected variance and a continuity correction.
 * Returns 0, -EINVAL for an empty side or a NaN, or -ENOMEM. */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct stats_mwu *out);

/* The Wilson score interval of a proportion, k of n, for the normal quantile
 * z (1.96: 95%), into [*lo, *hi] within [0, 1]; [0, 1] when n is 0. */
void stats_wilson(double k, double n, double z, double *lo, double *hi);

/* The samples a share p needs for a 95% interval of +-half (a fraction:
 * 0.01 is one point), by the normal approximation: 1.96^2 p (1 - p) / half^2. */
double stats_samples_for(double p, double half);

/* The sample type of p that counts its samples ("samples", unit "count")
 * when the values of `type` are proportional to it (type is that count, or
 * every sample weighs one period of it: the profile's period type), else -1:
 * measured values (off-CPU waits) have no sampling interval. */
int stats_count_type(const struct profile *p, size_t type);

#endif
