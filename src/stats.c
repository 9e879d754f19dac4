/* stats.c - see stats.h. */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
	double h, frac;
	size_t lo;

	if (p <= 0 || n == 1)
		return sorted[0];
	if (p >= 1)
		return sorted[n - 1];
	h = p * (double)(n - 1);
	lo = (size_t)h;
	frac = h - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int stats_summarize(const double *v, size_t n, struct stats_summary *out)
{
	double *s, sum = 0, ss = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += s[i];
	out->n = n;
	out->mean = sum / (double)n;
	/* Two passes: the deviations from the mean, not sum(x^2) - n*mean^2, which
	 * cancels catastrophically for large counts that barely vary. */
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - out->mean) * (s[i] - out->mean);
	out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->cv = out->mean != 0 ? out->stddev / fabs(out->mean) : 0;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = stats_quantile_sorted(s, n, 0.5);
	out->p10 = stats_quantile_sorted(s, n, 0.1);
	out->p90 = stats_quantile_sorted(s, n, 0.9);
	free(s);
	return 0;
}

/* One value of the pooled sample and the side it came from. */
struct mwu_obs {
	double v;
	int from_a;
};

static int cmp_obs(const void *x, const void *y)
{
	const struct mwu_obs *a = x, *b = y;

	return a->v < b->v ? -1 : a->v > b->v;
}

/* P(U <= u) and P(U >= u) under the null hypothesis, exactly: the number of
 * orderings of na a's and nb b's with U = k is the coefficient of q^k in the
 * Gaussian binomial [na + nb choose na]_q = prod_{i=1..na} (1 - q^(nb+i)) /
 * (1 - q^i), multiplied out one factor at a time.  Every partial product is
 * itself a Gaussian binomial, so the coefficients stay non-negative; doubles
 * hold them (C(98, 49) < 1e29) with a relative error far below what a
 * p-value needs.  -ENOMEM or 0. */
static int mwu_exact(size_t na, size_t nb, double u, double *le, double *ge)
{
	size_t n = na * nb + 1;
	double *c = calloc(n, sizeof(*c)), total = 0, below = 0, above = 0;

	if (!c)
		return -ENOMEM;
	c[0] = 1;
	for (size_t i = 1; i <= na; i++) {
		for (size_t k = i; k < n; k++)
			c[k] += c[k - i];
		for (size_t k = n - 1; k >= nb + i && k < n; k--)
			c[k] -= c[k - nb - i];
	}
	for (size_t k = 0; k < n; k++) {
		total += c[k];
		if ((double)k <= u)
			below += c[k];
		if ((double)k >= u)
			above += c[k];
	}
	free(c);
	*le = below / total;
	*ge = above / total;
	return 0;
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct stats_mwu *out)
{
	size_t n = na + nb;
	struct mwu_obs *o;
	double ranks_a = 0, ties = 0, mu, sigma2, d;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!na || !nb)
		return -EINVAL;
	o = malloc(n * sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		o[i].v = i < na ? a[i] : b[i - na];
		o[i].from_a = i < na;
		if (isnan(o[i].v)) {
			free(o);
			return -EINVAL;
		}
	}
	qsort(o, n, sizeof(*o), cmp_obs);
	/* Mid-ranks: a run of t equal values shares the mean of its ranks. */
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && o[j].v == o[i].v; j++)
			;
		for (size_t k = i; k < j; k++)
			if (o[k].from_a)
				ranks_a += (double)(i + 1 + j) / 2;
		ties += (double)(j - i) * (double)(j - i) * (double)(j - i) - (double)(j - i);
	}
	free(o);
	out->u = ranks_a - (double)na * (double)(na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	/* The exact distribution assumes distinct ranks: with ties U's null
	 * distribution depends on the tie pattern, and the usual answer is the
	 * normal one with the variance reduced for the ties.  From 50 a side the
	 * normal approximation is within a few thousandths of the exact p. */
	if (ties == 0 && na < STATS_MWU_EXACT_BELOW && nb < STATS_MWU_EXACT_BELOW) {
		double le = 1, ge = 1;

		err = mwu_exact(na, nb, out->u, &le, &ge);
		out->exact = 1;
		out->p = fmin(1, 2 * fmin(le, ge));
		return err;
	}
	sigma2 = (double)na * (double)nb / 12 *
		 ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (sigma2 <= 0) {
		out->p = 1;     /* every value equal: no evidence either way */
		return 0;
	}
	/* Continuity correction: U moves in steps of 1/2 or 1, the normal curve
	 * does not; toward the mean by 1/2 (R's correct = TRUE). */
	d = fabs(out->u - mu) - 0.5;
	out->z = (d > 0 ? d : 0) / sqrt(sigma2) * (out->u < mu ? -1 : 1);
	out->p = fmin(1, erfc(fabs(out->z) / sqrt(2)));
	return 0;
}

void stats_wilson(double k, double n, double z, double *lo, double *hi)
{
	double p, denom, center, half;

	if (n <= 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = k / n;
	denom = 1 + z * z / n;
	center = (p + z * z / (2 * n)) / denom;
	half = z / denom * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
	*lo = fmax(0, center - half);
	*hi = fmin(1, center + half);
}

double stats_samples_for(double p, double half)
{
	return 1.96 * 1.96 * p * (1 - p) / (half * half);
}

int stats_count_type(const struct profile *p, size_t type)
{
	int count = -1;

	for (size_t k = 0; k < p->n_types; k++)
		if (!strcmp(p->types[k].type, "samples") && !strcmp(p->types[k].unit, "count"))
			count = (int)k;
	if (count < 0 || type >= p->n_types)
		return -1;
	if ((size_t)count == type ||
	    (p->period_type.type && !strcmp(p->period_type.type, p->types[type].type)))
		return count;
	return -1;
}
