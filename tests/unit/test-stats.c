/* test-stats.c - summaries of repeated runs: quantiles, spread; the
 * Mann-Whitney U test against reference p-values computed independently
 * (tests/unit/mwu-reference.py: every split of the pooled values enumerated,
 * the normal approximation from its textbook formula) and against published
 * critical values; Wilson intervals. */
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

/* Agreement to the printed digits of the reference. */
static int near_p(double a, double b)
{
	return fabs(a - b) <= 1e-9;
}

/* a and b (sizes na, nb, no ties) such that U (pairs a > b) is u: b is 1..nb,
 * and u pairs are spread over the a's, each a just above the b's it beats. */
static void with_u(size_t na, size_t nb, size_t u, double *a, double *b)
{
	for (size_t j = 0; j < nb; j++)
		b[j] = (double)j + 1;
	for (size_t i = 0; i < na; i++) {
		size_t beats = u / na + (i < u % na);

		a[i] = (double)beats + 0.5 + 0.001 * (double)i;
	}
}

static void test_mann_whitney(void)
{
	double sep_a[] = { 1.1, 2.3, 3.5, 4.2, 5.9 }, sep_b[] = { 6.1, 7.4, 8.8, 9.0, 10.5 };
	double ov_a[] = { 3.1, 4.7, 5.2, 6.8, 7.3, 9.9 }, ov_b[] = { 1.2, 2.4, 4.1, 5.5, 6.0, 6.1, 8.4 };
	double sh_a[] = { 0.201, 0.195, 0.210, 0.188, 0.204, 0.199, 0.215, 0.192 };
	double sh_b[] = { 0.231, 0.219, 0.198, 0.240, 0.226, 0.213, 0.236, 0.221 };
	double ti_a[] = { 0, 0, 0, 1.5, 2, 3, 3, 4 }, ti_b[] = { 0, 1, 2, 3, 3, 5, 6, 7, 7, 8 };
	/* Published two-sided 5% critical values of U: significant at or below. */
	static const size_t crit[][3] = { { 5, 5, 2 }, { 8, 8, 13 }, { 10, 10, 23 }, { 5, 10, 8 },
					  { 20, 20, 127 } };
	double big_a[60], big_b[60], a[20], b[20], same[4] = { 2, 2, 2, 2 };
	struct stats_mwu m;
	int r;

	r = stats_mann_whitney(sep_a, 5, sep_b, 5, &m);
	ok(r == 0 && m.exact && m.u == 0 &&
	   near_p(m.p, 0.0079365079), "separated 5 vs 5: U 0, exact p 2/252 (%.10f)", m.p);
	r = stats_mann_whitney(sep_b, 5, sep_a, 5, &m);
	ok(r == 0 && m.u == 25 && near_p(m.p, 0.0079365079),
	   "the other way round: U 25, the same p");
	r = stats_mann_whitney(ov_a, 6, ov_b, 7, &m);
	ok(r == 0 && m.exact && m.u == 27 &&
	   near_p(m.p, 0.4452214452), "overlapping 6 vs 7: U 27, exact p 0.4452214452 (%.10f)", m.p);
	r = stats_mann_whitney(sh_a, 8, sh_b, 8, &m);
	ok(r == 0 && m.exact && m.u == 6 &&
	   near_p(m.p, 0.0046620047), "shares 8 vs 8: U 6, exact p 0.0046620047 (%.10f)", m.p);
	r = stats_mann_whitney(ti_a, 8, ti_b, 10, &m);
	ok(r == 0 && !m.exact && m.u == 19 &&
	   near_p(m.p, 0.0654007491), "ties 8 vs 10: normal, tie-corrected p 0.0654007491 (%.10f)", m.p);
	ok(fabs(m.p - 0.0629827689) < 0.005, "ties: within 0.005 of the permutation p 0.0630");
	ok(m.z < 0, "ties: a below b gives a negative z (%g)", m.z);
	for (size_t i = 0; i < 60; i++) {
		big_a[i] = 2.0 * (double)i;
		big_b[i] = 2.0 * (double)i + 13.5;
	}
	r = stats_mann_whitney(big_a, 60, big_b, 60, &m);
	ok(r == 0 && !m.exact && m.u == 1431 &&
	   near_p(m.p, 0.0530979573), "60 vs 60: normal p 0.0530979573 (%.10f)", m.p);
	for (size_t k = 0; k < sizeof(crit) / sizeof(crit[0]); k++) {
		struct stats_mwu at, above;
		size_t na = crit[k][0], nb = crit[k][1], u = crit[k][2];

		with_u(na, nb, u, a, b);
		stats_mann_whitney(a, na, b, nb, &at);
		with_u(na, nb, u + 1, a, b);
		stats_mann_whitney(a, na, b, nb, &above);
		ok(at.u == (double)u && at.p <= 0.05 && above.p > 0.05,
		   "%zu vs %zu: U %zu significant at 5%% (p %.4f), U %zu not (p %.4f), as published",
		   na, nb, u, at.p, u + 1, above.p);
	}
	r = stats_mann_whitney(same, 2, same + 2, 2, &m);
	ok(r == 0 && m.p == 1, "all equal: p 1");
	ok(stats_mann_whitney(sep_a, 0, sep_b, 5, &m) == -EINVAL, "an empty side: -EINVAL");
	{
		double nan_v[2] = { 1, NAN };

		ok(stats_mann_whitney(nan_v, 2, sep_b, 5, &m) == -EINVAL, "a NaN: -EINVAL");
	}
}

static void test_intervals(void)
{
	double lo, hi;

	/* Wilson, 95%: 50 of 100 -> [0.4038, 0.5962]; 0 of 10 -> [0, 0.2775]. */
	stats_wilson(50, 100, 1.96, &lo, &hi);
	ok(fabs(lo - 0.4038) < 1e-4 && fabs(hi - 0.5962) < 1e-4, "wilson 50/100: [%.4f, %.4f]", lo, hi);
	stats_wilson(0, 10, 1.96, &lo, &hi);
	ok(lo == 0 && fabs(hi - 0.2775) < 1e-4, "wilson 0/10: [0, %.4f]", hi);
	stats_wilson(10, 10, 1.96, &lo, &hi);
	ok(fabs(lo - 0.7225) < 1e-4 && hi == 1, "wilson 10/10: [%.4f, 1]", lo);
	stats_wilson(0, 0, 1.96, &lo, &hi);
	ok(lo == 0 && hi == 1, "wilson of nothing: [0, 1]");
	ok(fabs(stats_samples_for(0.5, 0.01) - 9604) < 1e-6, "+-1 point at 50%% needs 9604 samples");
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
	test_mann_whitney();
	test_intervals();
	return done_testing();
}
