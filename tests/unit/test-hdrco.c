/* test-hdrco.c - the batched coordinated-omission correction gives exactly what
 * hdr_record_corrected gives value by value: every count, the total, the
 * minimum and the maximum, on inputs small enough for the step-by-step way. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hdr.h"
#include "hdrco.h"
#include "tap.h"

/* A deterministic generator (xorshift64*), so that a failure repeats. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* The first index where a and b differ, or -1. */
static long first_difference(const struct hdr *a, const struct hdr *b)
{
	for (size_t i = 0; i < hdr_counts_len(a); i++)
		if (hdr_count_at_index(a, i) != hdr_count_at_index(b, i))
			return (long)i;
	return -1;
}

struct co_case {
	const char *what;
	int digits;
	int64_t highest, interval;
	int64_t lo, hi;          /* values uniform in [lo, hi] ... */
	int64_t stall, every;    /* ... and every `every`-th one `stall` + a little */
	int n, flush_every;      /* flush_every: extra flushes in between (0: none) */
};

static void check_case(const struct co_case *k, uint64_t seed)
{
	struct hdr *want = NULL, *got = NULL;
	struct hdrco *c = NULL;
	int bad = 0;
	long at;

	if (hdr_new(1, k->highest, k->digits, &want) || hdr_new(1, k->highest, k->digits, &got) ||
	    hdrco_new(got, k->interval, &c)) {
		ok(0, "%s: set up", k->what);
		goto out;
	}
	for (int i = 0; i < k->n; i++) {
		int64_t v = k->lo + (int64_t)(rnd(&seed) % (uint64_t)(k->hi - k->lo + 1));

		if (k->every && i % k->every == 0)
			v = k->stall + (int64_t)(rnd(&seed) % 1000);
		bad += hdr_record_corrected(want, v, k->interval) != hdrco_record(c, v);
		if (k->flush_every && i % k->flush_every == 0)
			bad += hdrco_flush(c) != 0;
	}
	bad += hdrco_flush(c) != 0;
	is_int(bad, 0, "%s: every value accepted or refused alike", k->what);
	at = first_difference(want, got);
	if (!ok(at < 0, "%s: the same count in every bucket", k->what))
		printf("#   index %ld (value %lld): want %lld, got %lld\n", at,
		       (long long)hdr_value_at_index(want, (size_t)at),
		       (long long)hdr_count_at_index(want, (size_t)at),
		       (long long)hdr_count_at_index(got, (size_t)at));
	is_int(hdr_total_count(got), hdr_total_count(want), "%s: the same total", k->what);
	is_int(hdr_min(got), hdr_min(want), "%s: the same minimum", k->what);
	is_int(hdr_max(got), hdr_max(want), "%s: the same maximum", k->what);
out:
	hdrco_free(c);
	hdr_free(want);
	hdr_free(got);
}

int main(void)
{
	static const struct co_case cases[] = {
		{ "exact values (below 2048 at 3 digits)", 3, 3600000000000LL, 100, 20, 50, 1900, 50, 3000, 0 },
		{ "1us interval, ns latencies to 2 ms", 3, 3600000000000LL, 1000, 50000, 2000000, 0, 0, 3000, 0 },
		{ "1us interval with 50 ms stalls", 3, 3600000000000LL, 1000, 20000, 80000,
		  50000000, 97, 2000, 0 },
		{ "interval 1, values to 10^6 (long series)", 2, 1000000000LL, 1, 1, 1000000, 0, 0, 500, 0 },
		{ "interval not a power of two, 5 digits", 5, 100000000LL, 777, 1, 5000000, 0, 0, 1000, 0 },
		{ "0 digits, wide buckets", 0, 1LL << 40, 3000, 1, 1 << 24, 0, 0, 2000, 0 },
		{ "many duplicates", 3, 3600000000000LL, 250, 1000, 1010, 0, 0, 5000, 0 },
		{ "values below two intervals only (no series)", 3, 1000000, 10000, 0, 19999, 0, 0, 1000, 0 },
		{ "flushed in many small batches", 3, 3600000000000LL, 1000, 1, 3000000, 0, 0, 2000, 37 },
	};
	struct hdrco *c;
	struct hdr *h = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], 0x9e3779b97f4a7c15ULL + i);

	is_int(hdrco_new(NULL, 0, &c), -EINVAL, "an interval of 0 is refused");
	if (hdr_new(1, 1000, 3, &h) == 0 && hdrco_new(h, 10, &c) == 0) {
		is_int(hdrco_record(c, 1001), -ERANGE, "a value above the highest: -ERANGE");
		is_int(hdrco_record(c, -1), -EINVAL, "a negative value: -EINVAL");
		is_int(hdr_total_count(h), 0, "neither recorded");
		is_int(hdrco_flush(c), 0, "an empty flush");
		hdrco_free(c);
	}
	hdr_free(h);
	hdrco_free(NULL);
	return done_testing();
}
