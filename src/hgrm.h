/* hgrm.h - the percentile distribution text (.hgrm) of a histogram, as
 * HdrHistogram's outputPercentileDistribution prints it, which its plotting
 * tools and HistogramLogProcessor users read:
 *
 *        Value     Percentile TotalCount 1/(1-Percentile)
 *
 *        1.023 0.000000000000          1           1.00
 *   ...
 *   #[Mean    =        5.001, StdDeviation   =        2.887]
 *   #[Max     =       10.007, Total count    =        10000]
 *   #[Buckets =           21, SubBuckets     =         2048]
 */
#ifndef HWPROF_HGRM_H
#define HWPROF_HGRM_H

#include <stdio.h>

#include "hdr.h"

/* Write h's distribution to f, `ticks` percentile steps per half distance to
 * 100% (HdrHistogram's default is 5), values divided by `ratio` (e.g. 1e6 to
 * print nanoseconds as milliseconds; <= 0 means 1).  Returns 0 or -EIO. */
int hgrm_write(FILE *f, const struct hdr *h, int ticks, double ratio);

#endif
