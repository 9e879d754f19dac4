/* hdrco.c - see hdrco.h.
 *
 * The series of a value v (q = v / I, r = v % I for the interval I) is
 * r + I, r + 2I, ..., r + (q-1)I.  Of its terms, those at or below x
 * (x = pI + s with p >= 1) number
 *   q - 1          when v <= x + I (all of them),
 *   p - [r > s]    otherwise
 * (term j is at or below x when j <= (x - r) / I, that is j <= p, one less
 * when r > s).  Summed over the queued values with their counts:
 *   G(x) = S1(x + I) + p * N(> x + I) - D(x)
 * where S1(y) sums cnt * (q - 1) over the values at or below y, N(> y) counts
 * those above y, and D(x) counts those above x + I whose residue exceeds s.
 * G(x) = 0 below I, and the bucket [lo, hi] receives G(hi) - G(lo - 1).  S1
 * and N come from one ascending sweep over the sorted values, D from one
 * descending sweep that inserts residues into a Fenwick tree as values come
 * above the threshold.  Sums are taken modulo 2^64: their differences are
 * exact whenever a bucket's count fits. */
#include "hdrco.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>

/* Values queued before a flush: 8 MiB, and a flush's O(buckets) share stays
 * small beside the values'. */
#define HDRCO_BATCH ((size_t)1 << 20)

struct hdrco {
	struct hdr *h;
	int64_t interval;
	int64_t *v;             /* queued values, each with a series (v >= 2I) */
	size_t n, cap;
};

/* One flush's working arrays. */
struct hdrco_work {
	uint64_t *cnt;          /* count of each distinct value */
	int64_t *res;           /* the distinct residues, sorted */
	size_t m, nr;           /* distinct values, distinct residues */
	uint64_t *fw;           /* Fenwick tree over residue ranks 1..nr */
	int64_t *x;             /* where G is wanted: below the first bucket, each top */
	uint64_t *g;            /* G at each x */
	size_t nx;
};

int hdrco_new(struct hdr *h, int64_t interval, struct hdrco **out)
{
	struct hdrco *c;

	*out = NULL;
	if (interval <= 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->h = h;
	c->interval = interval;
	*out = c;
	return 0;
}

void hdrco_free(struct hdrco *c)
{
	if (!c)
		return;
	free(c->v);
	free(c);
}

int hdrco_record(struct hdrco *c, int64_t v)
{
	int err;

	/* Room first, so that -ENOMEM leaves nothing half done. */
	if (c->n == HDRCO_BATCH && (err = hdrco_flush(c)) < 0)
		return err;
	if (util_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v)) < 0)
		return -ENOMEM;
	err = hdr_record(c->h, v);
	if (!err && v / c->interval >= 2)
		c->v[c->n++] = v;
	return err;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The number of residues at or below s (upper) or below s (lower). */
static size_t rank(const int64_t *res, size_t nr, int64_t s, int upper)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (res[mid] < s || (upper && res[mid] == s))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void fw_add(uint64_t *fw, size_t nr, size_t i, uint64_t n)
{
	for (i++; i <= nr; i += i & -i)
		fw[i] += n;
}

/* The sum over ranks 0 .. i-1. */
static uint64_t fw_sum(const uint64_t *fw, size_t i)
{
	uint64_t s = 0;

	for (; i; i -= i & -i)
		s += fw[i];
	return s;
}

/* Sort the queue, merge it into distinct values (c->v[0..m)) with counts, and
 * list the distinct residues. */
static void distinct(struct hdrco *c, struct hdrco_work *w)
{
	size_t m = 0, nr = 0;

	util_sort(c->v, c->n, sizeof(*c->v), cmp_i64);
	for (size_t i = 0; i < c->n; i++) {
		if (m && c->v[m - 1] == c->v[i]) {
			w->cnt[m - 1]++;
			continue;
		}
		c->v[m] = c->v[i];
		w->cnt[m++] = 1;
	}
	for (size_t i = 0; i < m; i++)
		w->res[i] = c->v[i] % c->interval;
	util_sort(w->res, m, sizeof(*w->res), cmp_i64);
	for (size_t i = 0; i < m; i++)
		if (!nr || w->res[nr - 1] != w->res[i])
			w->res[nr++] = w->res[i];
	w->m = m;
	w->nr = nr;
}

/* g[k] = -D(x[k]): descending, values above x + I enter the tree. */
static void sweep_down(const struct hdrco *c, struct hdrco_work *w)
{
	const int64_t iv = c->interval;
	uint64_t inserted = 0;
	size_t j = w->m;

	for (size_t k = w->nx; k-- > 0;) {
		if (w->x[k] < iv)
			break;
		while (j > 0 && c->v[j - 1] > w->x[k] + iv) {
			j--;
			fw_add(w->fw, w->nr, rank(w->res, w->nr, c->v[j] % iv, 0), w->cnt[j]);
			inserted += w->cnt[j];
		}
		w->g[k] = -(inserted - fw_sum(w->fw, rank(w->res, w->nr, w->x[k] % iv, 1)));
	}
}

/* g[k] += S1(x + I) + p * N(> x + I): ascending. */
static void sweep_up(const struct hdrco *c, struct hdrco_work *w)
{
	const int64_t iv = c->interval;
	uint64_t s1 = 0, below = 0, total = 0;
	size_t j = 0;

	for (size_t i = 0; i < w->m; i++)
		total += w->cnt[i];
	for (size_t k = 0; k < w->nx; k++) {
		if (w->x[k] < iv)
			continue;
		while (j < w->m && c->v[j] <= w->x[k] + iv) {
			s1 += w->cnt[j] * (uint64_t)(c->v[j] / iv - 1);
			below += w->cnt[j];
			j++;
		}
		w->g[k] += s1 + (uint64_t)(w->x[k] / iv) * (total - below);
	}
}

static void work_free(struct hdrco_work *w)
{
	free(w->cnt);
	free(w->res);
	free(w->fw);
	free(w->x);
	free(w->g);
}

int hdrco_flush(struct hdrco *c)
{
	struct hdrco_work w = { 0 };
	const int64_t iv = c->interval;
	int64_t vmax = 0, first, last;

	if (!c->n)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i] > vmax)
			vmax = c->v[i];
	/* The series' terms lie in [I, vmax - I]: the buckets first..last. */
	first = hdr_index_of(c->h, iv);
	last = hdr_index_of(c->h, vmax - iv);
	w.nx = (size_t)(last - first) + 2;
	w.cnt = malloc(c->n * sizeof(*w.cnt));
	w.res = malloc(c->n * sizeof(*w.res));
	w.fw = calloc(c->n + 1, sizeof(*w.fw));
	w.x = malloc(w.nx * sizeof(*w.x));
	w.g = calloc(w.nx, sizeof(*w.g));
	if (first < 0 || last < first || !w.cnt || !w.res || !w.fw || !w.x || !w.g) {
		work_free(&w);
		return first < 0 || last < first ? -ERANGE : -ENOMEM;
	}
	distinct(c, &w);
	w.x[0] = hdr_value_at_index(c->h, (size_t)first) - 1;
	for (size_t k = 1; k < w.nx; k++) {
		int64_t hi = hdr_highest_equivalent(c->h, hdr_value_at_index(c->h, (size_t)first + k - 1));

		w.x[k] = hi < vmax - iv ? hi : vmax - iv;
	}
	sweep_down(c, &w);
	sweep_up(c, &w);
	for (size_t k = 1; k < w.nx; k++)
		if (w.g[k] != w.g[k - 1])
			hdr_add_at_index(c->h, (size_t)first + k - 1, (int64_t)(w.g[k] - w.g[k - 1]));
	c->n = 0;
	work_free(&w);
	return 0;
}
