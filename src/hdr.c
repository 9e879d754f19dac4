/* hdr.c - HDR histogram (see hdr.h).
 *
 * Layout (HdrHistogram's, so encoded counts arrays are interchangeable): values
 * are split into buckets that double in width.  Every bucket has sub_bucket_count
 * linear sub-buckets, enough for `digits` significant digits; bucket b counts in
 * units of 2^(unit_magnitude + b).  The lower half of every bucket but the first
 * covers the same values as the previous bucket at half the resolution, so only
 * upper halves are stored: the counts array is (bucket_count + 1) half-buckets.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"

struct hdr {
	int64_t lowest, highest;
	int digits;
	int unit_magnitude;
	int sub_bucket_half_count_magnitude;
	int64_t sub_bucket_count, sub_bucket_half_count;
	int64_t sub_bucket_mask;
	int bucket_count;
	size_t counts_len;
	int64_t total;
	int64_t min_nonzero;    /* raw values, INT64_MAX / 0 when nothing recorded */
	int64_t max;
	int64_t *counts;
};

enum { ITER_RECORDED, ITER_PERCENTILE };

static int floor_log2(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

static int bucket_index(const struct hdr *h, int64_t v)
{
	/* The position of the highest set bit, with the mask forcing every value
	 * of the first bucket to the same (lowest) answer. */
	int pow2ceiling = 64 - __builtin_clzll((uint64_t)v | (uint64_t)h->sub_bucket_mask);

	return pow2ceiling - h->unit_magnitude - (h->sub_bucket_half_count_magnitude + 1);
}

static int64_t sub_bucket_index(const struct hdr *h, int64_t v, int b)
{
	return (int64_t)((uint64_t)v >> (b + h->unit_magnitude));
}

static int64_t counts_index(const struct hdr *h, int b, int64_t sb)
{
	int64_t base = (int64_t)(b + 1) << h->sub_bucket_half_count_magnitude;

	return base + (sb - h->sub_bucket_half_count);
}

static int64_t value_from(const struct hdr *h, int b, int64_t sb)
{
	return sb << (b + h->unit_magnitude);
}

int64_t hdr_index_of(const struct hdr *h, int64_t v)
{
	int b;
	int64_t i;

	if (v < 0)
		return -ERANGE;
	b = bucket_index(h, v);
	i = counts_index(h, b, sub_bucket_index(h, v, b));
	if (i < 0 || (uint64_t)i >= h->counts_len)
		return -ERANGE;
	return i;
}

int64_t hdr_value_at_index(const struct hdr *h, size_t i)
{
	int b = (int)(i >> h->sub_bucket_half_count_magnitude) - 1;
	int64_t sb = (int64_t)(i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;

	if (b < 0) {
		sb -= h->sub_bucket_half_count;
		b = 0;
	}
	return value_from(h, b, sb);
}

static int64_t equivalent_range(const struct hdr *h, int64_t v)
{
	int b = bucket_index(h, v);
	int64_t sb = sub_bucket_index(h, v, b);

	return (int64_t)1 << (h->unit_magnitude + (sb >= h->sub_bucket_count ? b + 1 : b));
}

int64_t hdr_lowest_equivalent(const struct hdr *h, int64_t v)
{
	int b = bucket_index(h, v);

	return value_from(h, b, sub_bucket_index(h, v, b));
}

int64_t hdr_highest_equivalent(const struct hdr *h, int64_t v)
{
	return hdr_lowest_equivalent(h, v) + equivalent_range(h, v) - 1;
}

int64_t hdr_median_equivalent(const struct hdr *h, int64_t v)
{
	return hdr_lowest_equivalent(h, v) + (equivalent_range(h, v) >> 1);
}

int hdr_values_equivalent(const struct hdr *h, int64_t a, int64_t b)
{
	return hdr_lowest_equivalent(h, a) == hdr_lowest_equivalent(h, b);
}

int hdr_new(int64_t lowest, int64_t highest, int digits, struct hdr **out)
{
	struct hdr *h = NULL;
	int64_t single_unit, untrackable;
	int sub_bucket_count_magnitude, buckets;
	int err = -EINVAL;

	*out = NULL;
	if (lowest < 1 || digits < 0 || digits > 5 || highest / 2 < lowest)
		goto fail;
	single_unit = 2;
	for (int i = 0; i < digits; i++)
		single_unit *= 10;
	/* The power of two at or above 2 * 10^digits sub-buckets per bucket gives
	 * unit resolution up to 10^digits within each bucket's upper half. */
	sub_bucket_count_magnitude = floor_log2((uint64_t)single_unit);
	if (((int64_t)1 << sub_bucket_count_magnitude) < single_unit)
		sub_bucket_count_magnitude++;
	err = -ENOMEM;
	h = calloc(1, sizeof(*h));
	if (!h)
		goto fail;
	h->lowest = lowest;
	h->highest = highest;
	h->digits = digits;
	h->unit_magnitude = floor_log2((uint64_t)lowest);
	err = -EINVAL;
	if (sub_bucket_count_magnitude + h->unit_magnitude > 62)
		goto fail;
	h->sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
	h->sub_bucket_count = (int64_t)1 << sub_bucket_count_magnitude;
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = (h->sub_bucket_count - 1) << h->unit_magnitude;

	untrackable = h->sub_bucket_count << h->unit_magnitude;
	buckets = 1;
	while (untrackable <= highest) {
		if (untrackable > INT64_MAX / 2) {
			buckets++;
			break;
		}
		untrackable <<= 1;
		buckets++;
	}
	h->bucket_count = buckets;
	h->counts_len = (size_t)(buckets + 1) * (size_t)h->sub_bucket_half_count;
	err = -ENOMEM;
	h->counts = calloc(h->counts_len, sizeof(*h->counts));
	if (!h->counts)
		goto fail;
	hdr_reset(h);
	*out = h;
	return 0;
fail:
	hdr_free(h);
	return err;
}

int hdr_new_like(const struct hdr *h, struct hdr **out)
{
	return hdr_new(h->lowest, h->highest, h->digits, out);
}

void hdr_free(struct hdr *h)
{
	if (!h)
		return;
	free(h->counts);
	free(h);
}

void hdr_reset(struct hdr *h)
{
	memset(h->counts, 0, h->counts_len * sizeof(*h->counts));
	h->total = 0;
	h->min_nonzero = INT64_MAX;
	h->max = 0;
}

int64_t hdr_lowest(const struct hdr *h)
{
	return h->lowest;
}

int64_t hdr_highest(const struct hdr *h)
{
	return h->highest;
}

int hdr_digits(const struct hdr *h)
{
	return h->digits;
}

int hdr_bucket_count(const struct hdr *h)
{
	return h->bucket_count;
}

int hdr_sub_bucket_count(const struct hdr *h)
{
	return (int)h->sub_bucket_count;
}

size_t hdr_counts_len(const struct hdr *h)
{
	return h->counts_len;
}

int64_t hdr_count_at_index(const struct hdr *h, size_t i)
{
	return i < h->counts_len ? h->counts[i] : 0;
}

static void note_value(struct hdr *h, int64_t v)
{
	if (v > h->max)
		h->max = v;
	if (v > 0 && v < h->min_nonzero)
		h->min_nonzero = v;
}

int hdr_add_at_index(struct hdr *h, size_t i, int64_t n)
{
	if (i >= h->counts_len)
		return -ERANGE;
	if (n < 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	h->counts[i] += n;
	h->total += n;
	note_value(h, hdr_value_at_index(h, i));
	return 0;
}

/* Record within the counts array, which reaches a little past `highest` (the
 * top bucket's equivalent ranges): what merges and corrections need. */
static int record_value(struct hdr *h, int64_t v, int64_t n)
{
	int64_t i = hdr_index_of(h, v);

	if (i < 0)
		return (int)i;
	if (n == 0)
		return 0;
	h->counts[i] += n;
	h->total += n;
	note_value(h, v);
	return 0;
}

int hdr_record_n(struct hdr *h, int64_t v, int64_t n)
{
	if (v < 0 || n < 0)
		return -EINVAL;
	if (v > h->highest)
		return -ERANGE;
	return record_value(h, v, n);
}

int hdr_record(struct hdr *h, int64_t v)
{
	return hdr_record_n(h, v, 1);
}

/* Back-fill v - interval, v - 2*interval, ... >= interval, n times each. */
static void backfill(struct hdr *h, int64_t v, int64_t n, int64_t interval)
{
	int64_t k_max, lo_index, hi_index;

	if (interval <= 0 || v / interval < 2 || n == 0)
		return;
	/* v - k*interval >= interval  <=>  k <= v/interval - 1. */
	k_max = v / interval - 1;
	if ((uint64_t)k_max <= h->counts_len) {
		for (int64_t m = v - interval; m >= interval; m -= interval)
			record_value(h, m, n);
		return;
	}
	/* A long stall with a short interval (an hour at 1 us) would take
	 * billions of steps; instead count, per bucket, how many of the
	 * arithmetic sequence's terms fall into it.  Same result, bounded time. */
	lo_index = hdr_index_of(h, v - k_max * interval);
	hi_index = hdr_index_of(h, v - interval);
	for (int64_t i = lo_index; i >= 0 && i <= hi_index; i++) {
		int64_t lo = hdr_value_at_index(h, (size_t)i);
		int64_t hi = hdr_highest_equivalent(h, lo);
		int64_t k_lo, k_hi;

		if (lo > v - interval)
			break;
		if (hi > v - interval)
			hi = v - interval;
		/* lo <= v - k*interval <= hi */
		k_lo = (v - hi + interval - 1) / interval;
		k_hi = (v - lo) / interval;
		if (k_lo < 1)
			k_lo = 1;
		if (k_hi > k_max)
			k_hi = k_max;
		if (k_hi < k_lo)
			continue;
		h->counts[i] += (k_hi - k_lo + 1) * n;
		h->total += (k_hi - k_lo + 1) * n;
		note_value(h, v - k_hi * interval);
	}
}

int hdr_record_corrected_n(struct hdr *h, int64_t v, int64_t n, int64_t interval)
{
	int err = hdr_record_n(h, v, n);

	if (err)
		return err;
	backfill(h, v, n, interval);
	return 0;
}

int hdr_record_corrected(struct hdr *h, int64_t v, int64_t interval)
{
	return hdr_record_corrected_n(h, v, 1, interval);
}

int hdr_copy_corrected(const struct hdr *src, int64_t interval, struct hdr **out)
{
	struct hdr *h = NULL;
	struct hdr_iter it;
	int err;

	*out = NULL;
	err = hdr_new_like(src, &h);
	if (err)
		goto fail;
	/* As HdrHistogram does: each recorded value stands for the highest value
	 * of its equivalent range. */
	hdr_iter_recorded_init(&it, src);
	while (hdr_iter_next(&it)) {
		err = record_value(h, it.value, it.count);
		if (err)
			goto fail;
		backfill(h, it.value, it.count, interval);
	}
	*out = h;
	return 0;
fail:
	hdr_free(h);
	return err;
}

int hdr_add(struct hdr *dst, const struct hdr *src)
{
	/* First check that everything fits, so that a failure changes nothing. */
	for (size_t i = 0; i < src->counts_len; i++)
		if (src->counts[i] && hdr_index_of(dst, hdr_value_at_index(src, i)) < 0)
			return -ERANGE;
	for (size_t i = 0; i < src->counts_len; i++)
		if (src->counts[i])
			record_value(dst, hdr_value_at_index(src, i), src->counts[i]);
	return 0;
}

int64_t hdr_total_count(const struct hdr *h)
{
	return h->total;
}

int64_t hdr_min(const struct hdr *h)
{
	if (h->total == 0 || h->counts[0] > 0 || h->min_nonzero == INT64_MAX)
		return 0;
	return hdr_lowest_equivalent(h, h->min_nonzero);
}

int64_t hdr_max(const struct hdr *h)
{
	if (h->total == 0 || h->max == 0)
		return 0;
	return hdr_highest_equivalent(h, h->max);
}

double hdr_mean(const struct hdr *h)
{
	struct hdr_iter it;
	double sum = 0;

	if (h->total == 0)
		return 0;
	hdr_iter_recorded_init(&it, h);
	while (hdr_iter_next(&it))
		sum += (double)hdr_median_equivalent(h, it.value) * (double)it.count;
	return sum / (double)h->total;
}

double hdr_stddev(const struct hdr *h)
{
	struct hdr_iter it;
	double mean = hdr_mean(h), sum = 0;

	if (h->total == 0)
		return 0;
	hdr_iter_recorded_init(&it, h);
	while (hdr_iter_next(&it)) {
		double d = (double)hdr_median_equivalent(h, it.value) - mean;

		sum += d * d * (double)it.count;
	}
	return sqrt(sum / (double)h->total);
}

int64_t hdr_value_at_percentile(const struct hdr *h, double p)
{
	int64_t want, seen = 0;
	double q;

	if (h->total == 0)
		return 0;
	/* The step just below p, so that p% of a count that is an exact
	 * multiple (50% of 10000) is not pushed to the next value by rounding. */
	q = nextafter(p, -INFINITY);
	q = q < 0 ? 0 : q > 100 ? 100 : q;
	want = (int64_t)ceil(q / 100.0 * (double)h->total);
	if (want < 1)
		want = 1;
	for (size_t i = 0; i < h->counts_len; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			int64_t v = hdr_value_at_index(h, i);

			return p <= 0 ? hdr_lowest_equivalent(h, v) : hdr_highest_equivalent(h, v);
		}
	}
	return 0;
}

void hdr_iter_recorded_init(struct hdr_iter *it, const struct hdr *h)
{
	memset(it, 0, sizeof(*it));
	it->h = h;
	it->kind = ITER_RECORDED;
	it->total = h->total;
	it->fresh = 1;
}

void hdr_iter_percentile_init(struct hdr_iter *it, const struct hdr *h, int ticks)
{
	hdr_iter_recorded_init(it, h);
	it->kind = ITER_PERCENTILE;
	it->ticks = ticks > 0 ? ticks : 1;
	it->level = 0;
}

static void iter_fill(struct hdr_iter *it, int64_t count)
{
	it->value = hdr_highest_equivalent(it->h, hdr_value_at_index(it->h, it->index));
	it->count = count;
	it->percentile = 100.0 * (double)it->cumulative / (double)it->total;
	it->percentile_level = it->level;
}

/* The next percentile step: `ticks` equal steps per half of the remaining
 * distance to 100%, the scale set by how close the current level is. */
static double next_level(double level, int ticks)
{
	double halvings;
	int64_t steps;

	if (level >= 100.0)
		return INFINITY;
	halvings = floor(log(100.0 / (100.0 - level)) / log(2));
	steps = (int64_t)ticks * (int64_t)pow(2.0, halvings + 1);
	return level + 100.0 / (double)steps;
}

int hdr_iter_next(struct hdr_iter *it)
{
	const struct hdr *h = it->h;

	if (it->kind == ITER_RECORDED) {
		while (it->index < h->counts_len) {
			int64_t c = h->counts[it->index];

			if (c) {
				it->cumulative += c;
				iter_fill(it, c);
				it->index++;
				return 1;
			}
			it->index++;
		}
		return 0;
	}

	if (it->total == 0)
		return 0;
	if (it->cumulative >= it->total) {
		/* Every value reported: one last step at 100%. */
		if (it->last_done)
			return 0;
		it->level = 100.0;
		it->last_done = 1;
	}
	while (it->index < h->counts_len) {
		int64_t c = h->counts[it->index];

		if (it->fresh) {
			it->cumulative += c;
			it->fresh = 0;
		}
		/* Stay on this index: it may cover several steps. */
		if (c && 100.0 * (double)it->cumulative / (double)it->total >= it->level) {
			iter_fill(it, c);
			it->level = next_level(it->level, it->ticks);
			return 1;
		}
		it->index++;
		it->fresh = 1;
	}
	return 0;
}
