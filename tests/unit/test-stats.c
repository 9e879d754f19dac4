/* test-stats.c - summaries of repeated runs: quantiles, spread. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stats.h"
#include "tap.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

int main(void)
{
	double v[10] = { 7, 3, 10, 1, 5, 9, 2, 8, 4, 6 }, one = 42;
	double flat[3] = { 1e12 + 1, 1e12 + 2, 1e12 + 3 };
	double odd[5] = { 5, 1, 4, 2, 3 };
	struct stats_summary s;

	ok(stats_summarize(v, 10, &s) == 0, "summarize 1..10");
	is_int(s.n, 10, "n");
	ok(near(s.min, 1) && near(s.max, 10), "min 1, max 10");
	ok(near(s.mean, 5.5), "mean 5.5 (%g)", s.mean);
	ok(near(s.median, 5.5), "median of an even count averages the middle two (%g)", s.median);
	/* type 7: h = p (n - 1); 0.1 * 9 = 0.9 -> 1 + 0.9 * (2 - 1) */
	ok(near(s.p10, 1.9), "p10 interpolates between ranks (%g)", s.p10);
	ok(near(s.p90, 9.1), "p90 (%g)", s.p90);
	ok(near(s.stddev, sqrt(82.5 / 9)), "sample standard deviation, n - 1 (%g)", s.stddev);
	ok(near(s.cv, sqrt(82.5 / 9) / 5.5), "cv = stddev / mean (%g)", s.cv);
	ok(v[0] == 7 && v[9] == 6, "the input is left unsorted");

	ok(stats_summarize(odd, 5, &s) == 0 && near(s.median, 3), "median of an odd count is the middle one");
	ok(stats_summarize(&one, 1, &s) == 0 && s.median == 42 && s.p10 == 42 && s.p90 == 42 &&
	   s.stddev == 0 && s.cv == 0, "one value: every quantile is it, no spread");
	ok(stats_summarize(flat, 3, &s) == 0 && near(s.stddev, 1), "large counts that barely vary keep "
	   "their spread (no cancellation)");
	ok(stats_summarize(v, 0, &s) == -EINVAL, "no values: -EINVAL");
	{
		double z[2] = { 0, 0 };

		ok(stats_summarize(z, 2, &s) == 0 && s.cv == 0, "all zero: cv 0, not NaN");
	}
	{
		double sorted[4] = { 10, 20, 30, 40 };

		ok(near(stats_quantile_sorted(sorted, 4, 0), 10) && near(stats_quantile_sorted(sorted, 4, 1), 40),
		   "p0 and p100 are min and max");
		ok(near(stats_quantile_sorted(sorted, 4, 0.5), 25), "p50 of 4 values");
		ok(near(stats_quantile_sorted(sorted, 4, 0.25), 17.5), "p25: h = 0.75");
	}
	return done_testing();
}
