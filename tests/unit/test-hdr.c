/* test-hdr.c - the HDR histogram: exact percentiles on known distributions,
 * precision bounds, coordinated-omission correction against hand-computed and
 * step-by-step results, merging, range errors and iteration. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "tap.h"

static struct hdr *mk(int64_t lo, int64_t hi, int digits)
{
	struct hdr *h = NULL;
	int err = hdr_new(lo, hi, digits, &h);

	if (err)
		printf("# hdr_new(%lld, %lld, %d): %d\n", (long long)lo, (long long)hi, digits, err);
	return h;
}

static int same_counts(const struct hdr *a, const struct hdr *b)
{
	if (hdr_counts_len(a) != hdr_counts_len(b) || hdr_total_count(a) != hdr_total_count(b))
		return 0;
	for (size_t i = 0; i < hdr_counts_len(a); i++)
		if (hdr_count_at_index(a, i) != hdr_count_at_index(b, i))
			return 0;
	return 1;
}

static void test_params(void)
{
	struct hdr *h = (struct hdr *)1;

	is_int(hdr_new(0, 1000, 3, &h), -EINVAL, "lowest 0 is refused");
	ok(h == NULL, "and *out is NULL");
	is_int(hdr_new(1, 1000, 6, &h), -EINVAL, "6 digits are refused");
	is_int(hdr_new(1, 1000, -1, &h), -EINVAL, "negative digits are refused");
	is_int(hdr_new(100, 199, 3, &h), -EINVAL, "highest < 2 * lowest is refused");
	h = mk(1, 3600LL * 1000 * 1000, 3);
	/* HdrHistogram's well-known 1 hour in us, 3 digits: 22 buckets of 2048. */
	is_int(hdr_bucket_count(h), 22, "1h in us at 3 digits: 22 buckets");
	is_int(hdr_sub_bucket_count(h), 2048, "of 2048 sub-buckets");
	is_int(hdr_counts_len(h), 23 * 1024, "counts array: (buckets + 1) half buckets");
	hdr_free(h);
	h = mk(1, 1000000, 2);
	is_int(hdr_sub_bucket_count(h), 256, "2 digits: 256 sub-buckets");
	hdr_free(h);
	hdr_free(NULL);
}

static void test_uniform(void)
{
	struct hdr *h = mk(1, 3600LL * 1000000000, 3);
	struct hdr_iter it;
	int n = 0;

	for (int v = 1; v <= 10000; v++)
		hdr_record(h, v);
	is_int(hdr_total_count(h), 10000, "1..10000: count");
	/* Exact below 2048; units of 2 up to 4095, 4 up to 8191, 8 above. */
	is_int(hdr_value_at_percentile(h, 0), 1, "p0 is the lowest value");
	is_int(hdr_value_at_percentile(h, 10), 1000, "p10 = 1000 (exact range)");
	is_int(hdr_value_at_percentile(h, 25), 2501, "p25 = 2501 (2500..2501)");
	is_int(hdr_value_at_percentile(h, 50), 5003, "p50 = 5003 (5000..5003)");
	is_int(hdr_value_at_percentile(h, 90), 9007, "p90 = 9007 (9000..9007)");
	is_int(hdr_value_at_percentile(h, 99), 9903, "p99 = 9903 (9896..9903)");
	is_int(hdr_value_at_percentile(h, 99.9), 9991, "p99.9 = 9991 (9984..9991)");
	is_int(hdr_value_at_percentile(h, 99.99), 9999, "p99.99 = 9999 (9992..9999)");
	is_int(hdr_value_at_percentile(h, 100), 10007, "p100 = 10007 (10000..10007)");
	is_int(hdr_value_at_percentile(h, 150), 10007, "p150 is clamped to p100");
	is_int(hdr_max(h), 10007, "max: highest equivalent of 10000");
	is_int(hdr_min(h), 1, "min");
	/* Mean over range middles: each range of 2 adds 1/2 per value over the
	 * exact sum (1024 ranges: +1024), of 4 +2 per range (1024: +2048), of 8
	 * +4 (226 full ranges up to 9999 and 10000's: +908). */
	ok(fabs(hdr_mean(h) - (50005000.0 + 3980) / 10000) < 1e-9, "mean = 5000.898 (got %.6f)",
	   hdr_mean(h));
	ok(fabs(hdr_stddev(h) - 2886.75) < 2, "stddev ~ 2886.75 (got %.3f)", hdr_stddev(h));
	hdr_iter_recorded_init(&it, h);
	while (hdr_iter_next(&it))
		n++;
	is_int(n, 2047 + 1024 + 1024 + 227, "one recorded step per non-empty range");
	is_int(it.cumulative, 10000, "recorded iteration ends at the total");
	hdr_free(h);
}

static void test_bimodal(void)
{
	struct hdr *h = mk(1, 3600LL * 1000000000, 3);

	hdr_record_n(h, 1000, 9000);
	hdr_record_n(h, 1000000, 1000);
	is_int(hdr_value_at_percentile(h, 50), 1000, "bimodal p50");
	is_int(hdr_value_at_percentile(h, 90), 1000, "bimodal p90: exactly 90%% at 1000");
	is_int(hdr_value_at_percentile(h, 90.01), 1000447, "bimodal p90.01 jumps to the mode");
	is_int(hdr_value_at_percentile(h, 99), 1000447, "bimodal p99 = 1000447 (999936..1000447)");
	is_int(hdr_min(h), 1000, "bimodal min");
	is_int(hdr_max(h), 1000447, "bimodal max");
	ok(fabs(hdr_mean(h) - (9000 * 1000.0 + 1000 * (999936.0 + 256)) / 10000) < 1e-6,
	   "bimodal mean over range middles");
	hdr_free(h);
}

static void test_precision(void)
{
	static const int64_t pow10[] = { 1, 10, 100, 1000, 10000, 100000 };
	uint64_t x = 88172645463325252ULL;
	int bad = 0, checked = 0;

	for (int d = 1; d <= 5; d++) {
		struct hdr *h = mk(1, INT64_C(1) << 50, d);

		for (int i = 0; i < 20000 && h; i++) {
			int64_t v, lo, hi;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = (int64_t)(x >> (14 + x % 50));
			if (v > hdr_highest(h))
				continue;
			lo = hdr_lowest_equivalent(h, v);
			hi = hdr_highest_equivalent(h, v);
			checked++;
			/* v is in its range, and the range is narrower than one
			 * unit of the d-th significant digit of v. */
			if (lo > v || hi < v || (hi > lo && (hi - lo + 1) * pow10[d] > v) ||
			    !hdr_values_equivalent(h, lo, hi) ||
			    hdr_values_equivalent(h, lo, hi + 1)) {
				if (bad++ < 5)
					printf("# d=%d v=%lld: [%lld, %lld]\n", d, (long long)v,
					       (long long)lo, (long long)hi);
			}
		}
		hdr_free(h);
	}
	ok(checked > 50000, "precision: %d random values checked", checked);
	is_int(bad, 0, "every value within its range, ranges within 10^-digits");
}

static void test_range(void)
{
	struct hdr *h = mk(1, 1000000, 3);

	is_int(hdr_record(h, 1000000), 0, "the highest trackable value is recorded");
	is_int(hdr_record(h, 1000001), -ERANGE, "above it: -ERANGE");
	is_int(hdr_record_n(h, INT64_MAX, 3), -ERANGE, "INT64_MAX: -ERANGE");
	is_int(hdr_record_corrected(h, 2000000, 1000), -ERANGE, "corrected above range: -ERANGE");
	is_int(hdr_record(h, -1), -EINVAL, "negative value: -EINVAL");
	is_int(hdr_record_n(h, 5, -1), -EINVAL, "negative count: -EINVAL");
	is_int(hdr_total_count(h), 1, "nothing recorded by the failures");
	is_int(hdr_index_of(h, INT64_MAX), -ERANGE, "index of INT64_MAX: -ERANGE");
	hdr_free(h);
}

static void test_correction(void)
{
	struct hdr *h = mk(1, 1000000, 3), *raw = mk(1, 1000000, 3), *copy = NULL;
	static const int64_t vals[] = { 35, 10, 5, 100, 9, 20 };

	/* Interval 10: 35 also stands for 25 and 15 (5 < 10 stops it); 10 and 5
	 * alone; 100 for 90, 80, ..., 10; 9 alone; 20 for 10. */
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		is_int(hdr_record_corrected(h, vals[i], 10), 0, "record_corrected %lld",
		       (long long)vals[i]);
		hdr_record(raw, vals[i]);
	}
	is_int(hdr_total_count(h), 3 + 1 + 1 + 10 + 1 + 2, "corrected count: 18");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 10)), 3,
	       "10 recorded once and back-filled twice");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 15)), 1, "15 back-filled once");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 25)), 1, "25 back-filled once");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 90)), 1, "90 back-filled once");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 95)), 0, "95 never");
	/* Sorted: 5 9 10 10 10 15 20 20 25 30 ... 100: the 9th of 18 is 25. */
	is_int(hdr_value_at_percentile(h, 50), 25, "corrected p50: 9th of 18 = 25");
	is_int(hdr_value_at_percentile(raw, 50), 10, "uncorrected p50: 3rd of 6 = 10");
	is_int(hdr_copy_corrected(raw, 10, &copy), 0, "copy corrected after the fact");
	ok(copy && same_counts(copy, h), "equals the correction while recording");
	hdr_free(copy);
	hdr_free(raw);
	hdr_free(h);

	h = mk(1, 1000000, 3);
	hdr_record_corrected_n(h, 100, 3, 30);
	is_int(hdr_total_count(h), 9, "record_corrected_n(100, x3, 30): 100, 70, 40 three times");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 40)), 3, "40 three times");
	is_int(hdr_count_at_index(h, (size_t)hdr_index_of(h, 10)), 0, "10 < 30: not back-filled");
	hdr_reset(h);
	hdr_record_corrected(h, 100, 0);
	is_int(hdr_total_count(h), 1, "interval 0: no correction");
	hdr_free(h);
}

/* The step-by-step reference algorithm, for comparison with hdr.c's per-range
 * counting of long stalls. */
static void naive_corrected(struct hdr *h, int64_t v, int64_t interval)
{
	hdr_record(h, v);
	for (int64_t m = v - interval; m >= interval; m -= interval)
		hdr_record(h, m);
}

static void test_long_stall(void)
{
	static const struct { int64_t lo, hi; int d; int64_t v, interval; } cases[] = {
		{ 1, 1000000000, 2, 1000000, 7 },
		{ 1, 1000000000, 3, 999999937, 1000 },
		{ 1000, 1000000000000LL, 3, 123456789, 1234 },
		{ 1, 1LL << 40, 5, 50000000, 13 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hdr *a = mk(cases[i].lo, cases[i].hi, cases[i].d);
		struct hdr *b = mk(cases[i].lo, cases[i].hi, cases[i].d);

		ok(cases[i].v / cases[i].interval > (int64_t)hdr_counts_len(a),
		   "case %zu takes the per-range path", i);
		hdr_record_corrected(a, cases[i].v, cases[i].interval);
		naive_corrected(b, cases[i].v, cases[i].interval);
		ok(same_counts(a, b), "long stall %zu: counts equal the step-by-step algorithm", i);
		is_int(hdr_min(a), hdr_min(b), "long stall %zu: same min", i);
		hdr_free(a);
		hdr_free(b);
	}
}

static void test_merge(void)
{
	struct hdr *a = mk(1, 3600LL * 1000000000, 3), *b = mk(1, 3600LL * 1000000000, 3);
	struct hdr *small = mk(1, 100000, 3), *wide = mk(1, 1000000000, 2);

	for (int v = 1; v <= 5000; v++)
		hdr_record(a, v);
	for (int v = 5001; v <= 10000; v++)
		hdr_record(b, v);
	is_int(hdr_add(a, b), 0, "merge two halves");
	is_int(hdr_total_count(a), 10000, "merged count");
	is_int(hdr_value_at_percentile(a, 50), 5003, "merged p50 as if recorded together");
	is_int(hdr_value_at_percentile(a, 99.9), 9991, "merged p99.9");
	is_int(hdr_max(a), 10007, "merged max");
	is_int(hdr_min(a), 1, "merged min");

	is_int(hdr_add(wide, a), 0, "merge into different parameters");
	is_int(hdr_total_count(wide), 10000, "count kept");
	ok(llabs(hdr_value_at_percentile(wide, 50) - 5000) <= 5000 / 100,
	   "p50 within 2-digit precision (got %lld)", (long long)hdr_value_at_percentile(wide, 50));
	hdr_record(wide, 500000000);
	is_int(hdr_add(small, wide), -ERANGE, "merging values beyond the range: -ERANGE");
	is_int(hdr_total_count(small), 0, "and nothing merged");
	hdr_free(a);
	hdr_free(b);
	hdr_free(small);
	hdr_free(wide);
}

static void test_iterators(void)
{
	struct hdr *h = mk(1, 1000000, 3);
	struct hdr_iter it;
	double levels[16];
	int n = 0, last100 = 0;

	hdr_record_n(h, 1, 2);
	hdr_record(h, 3);
	hdr_record(h, 1000);
	hdr_iter_recorded_init(&it, h);
	ok(hdr_iter_next(&it) && it.value == 1 && it.count == 2 && it.cumulative == 2,
	   "recorded: 1 x2");
	ok(hdr_iter_next(&it) && it.value == 3 && it.count == 1 && it.cumulative == 3,
	   "recorded: 3 x1");
	ok(hdr_iter_next(&it) && it.value == 1000 && it.cumulative == 4, "recorded: 1000");
	ok(!hdr_iter_next(&it), "recorded: end");
	hdr_free(h);

	h = mk(1, 1000000, 3);
	for (int v = 1; v <= 100; v++)
		hdr_record(h, v);
	hdr_iter_percentile_init(&it, h, 5);
	while (hdr_iter_next(&it)) {
		if (n < 16)
			levels[n] = it.percentile_level;
		n++;
		last100 = it.percentile_level == 100.0 && it.value == 100 && it.cumulative == 100;
	}
	/* 5 steps per half distance: 0, 10, .. 50, then 55 .. 75, 77.5 ... */
	ok(n >= 16 && levels[0] == 0 && fabs(levels[1] - 10) < 1e-9 && fabs(levels[5] - 50) < 1e-9 &&
	   fabs(levels[6] - 55) < 1e-9 && fabs(levels[10] - 75) < 1e-9 &&
	   fabs(levels[11] - 77.5) < 1e-9, "percentile steps 0, 10 .. 50, 55 .. 75, 77.5");
	ok(last100, "the last step is 100%% at the max with the total count");
	hdr_free(h);

	h = mk(1, 1000000, 3);
	hdr_iter_percentile_init(&it, h, 5);
	ok(!hdr_iter_next(&it), "an empty histogram has no percentile steps");
	is_int(hdr_value_at_percentile(h, 99), 0, "empty: p99 is 0");
	is_int(hdr_max(h), 0, "empty: max 0");
	ok(hdr_mean(h) == 0 && hdr_stddev(h) == 0, "empty: mean and stddev 0");
	hdr_free(h);
}

int main(void)
{
	test_params();
	test_uniform();
	test_bimodal();
	test_precision();
	test_range();
	test_correction();
	test_long_stall();
	test_merge();
	test_iterators();
	return done_testing();
}
