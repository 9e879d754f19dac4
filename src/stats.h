/* stats.h - summary statistics of repeated measurements (hwprof stat -r N). */
#ifndef HWPROF_STATS_H
#define HWPROF_STATS_H

#include <stddef.h>

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

#endif
