/* text.c - see text.h. */
#include "text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hindex.h"
#include "stats.h"
#include "util.h"

struct text_fn {
	const char *name;
	int64_t flat, cum;
	int64_t samples;        /* behind flat */
	size_t seen;            /* 1 + index of the last sample counted in cum */
};

struct text_table {
	struct text_fn *fns;
	size_t n, cap;
	struct hindex ix;       /* by name; entries are 1 + index into fns */
	int count;              /* the type counting the samples (stats_count_type), or -1 */
	int64_t total, samples;
};

/* Fewer samples than this make a share a rough estimate (the normal
 * approximation behind an interval wants some 30 events). */
#define TEXT_LOW_SAMPLES 30

static bool fn_eq(const void *ctx, size_t entry, const void *key)
{
	const struct text_table *t = ctx;

	return strcmp(t->fns[entry - 1].name, key) == 0;
}

/* Functions are keyed by name, as pprof's default granularity: inlined copies
 * and functions split over several ids collapse into one row. */
static struct text_fn *table_get(struct text_table *t, const char *name)
{
	uint64_t h = util_hash(name, strlen(name), UTIL_HASH_INIT);
	size_t e = hindex_find(&t->ix, h, fn_eq, name, t);

	if (e)
		return &t->fns[e - 1];
	if (hindex_reserve(&t->ix) || util_grow(&t->fns, &t->cap, t->n + 1, sizeof(*t->fns)))
		return NULL;
	t->fns[t->n].name = name;
	hindex_insert(&t->ix, h, ++t->n);
	return &t->fns[t->n - 1];
}

static int fn_cmp(const void *a, const void *b)
{
	const struct text_fn *x = a, *y = b;

	if (x->flat != y->flat)
		return x->flat > y->flat ? -1 : 1;
	if (x->cum != y->cum)
		return x->cum > y->cum ? -1 : 1;
	return strcmp(x->name, y->name);
}

void text_put_name(const char *name, FILE *out)
{
	if (!*name)
		name = "[unknown]";
	for (const char *c = name; *c; c++)
		putc((unsigned char)*c < ' ' ? ' ' : *c, out);
	putc('\n', out);
}

static double pct(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

/* Every sample of type `type` into t: flat and cum per function. */
static int tally(struct profile *p, size_t type, struct text_table *t)
{
	const char **names = NULL;
	size_t cap_names = 0;
	int ret = 0;

	for (size_t i = 0; i < p->n_samples && !ret; i++) {
		const struct profile_sample *s = &p->samples[i];
		int64_t v = s->values[type], c = t->count >= 0 ? s->values[t->count] : 0;
		int nf;

		if (!v)
			continue;
		t->total = util_sat_add(t->total, v);
		t->samples += c;
		nf = profile_sample_stack(p, s, PROFILE_LEAF_FIRST, &names, &cap_names);
		if (nf < 0)
			ret = nf;
		for (int k = 0; k < nf && !ret; k++) {
			struct text_fn *f = table_get(t, names[k]);

			if (!f) {
				ret = -ENOMEM;
				break;
			}
			if (k == 0) {
				f->flat = util_sat_add(f->flat, v);
				f->samples += c;
			}
			/* A recursive function appears several times in one stack: count it once. */
			if (f->seen != i + 1) {
				f->seen = i + 1;
				f->cum = util_sat_add(f->cum, v);
			}
		}
	}
	free(names);
	return ret;
}

/* The half width, in points, of the 95% interval on the flat share of f:
 * Wilson's, which is not symmetric, so the larger side. */
static double interval(const struct text_table *t, const struct text_fn *f)
{
	double lo, hi, share = t->samples ? (double)f->samples / (double)t->samples : 0;

	stats_wilson((double)f->samples, (double)t->samples, 1.96, &lo, &hi);
	return 100 * fmax(share - lo, hi - share);
}

/* The notes under the table: the low-confidence mark, the interval, and how
 * long a run would give +-1 point on the widest interval shown. */
static void put_advice(const struct profile *p, size_t type, const struct text_table *t, size_t shown,
		       FILE *out)
{
	double worst = -1, need;
	int low = 0;
	char b[32];

	if (t->count < 0) {
		fprintf(out, "(no sampling interval: %s is not a count of equal samples)\n",
			p->types[type].type);
		return;
	}
	for (size_t i = 0; i < shown; i++) {
		double s = t->samples ? (double)t->fns[i].samples / (double)t->samples : 0;

		low |= t->fns[i].samples < TEXT_LOW_SAMPLES;
		/* The widest interval is that of the share nearest 50%. */
		if (worst < 0 || fabs(s - 0.5) < fabs(worst - 0.5))
			worst = s;
	}
	if (low)
		fprintf(out, "* fewer than %d samples: low confidence\n", TEXT_LOW_SAMPLES);
	fprintf(out, "+-95%%: the 95%% interval on flat%% (Wilson score), in points\n");
	if (worst <= 0)
		return;
	need = ceil(stats_samples_for(worst, 0.01));
	if ((double)t->samples >= need) {
		fprintf(out, "Every share here is within +-1 point (%" PRId64 " samples)\n", t->samples);
		return;
	}
	fprintf(out, "+-1 point on a share of %.1f%% needs %.0f samples", 100 * worst, need);
	if (p->duration_nanos > 0 && t->samples > 0)
		fprintf(out, ": a run of about %s at this rate (this one: %" PRId64 " samples in %s)\n",
			fmt_ns(b, sizeof(b), (int64_t)(need / (double)t->samples *
						       (double)p->duration_nanos), FMT_NS_SHORT, 0),
			t->samples, fmt_ns(b + 16, sizeof(b) - 16, p->duration_nanos, FMT_NS_SHORT, 0));
	else
		fprintf(out, " (this run: %" PRId64 ")\n", t->samples);
}

int text_top(struct profile *p, size_t type, size_t n, FILE *out)
{
	struct text_table t = { .count = -1 };
	size_t shown;
	const char *unit;
	char b1[32], b2[32];
	int64_t sum = 0;
	int ret;

	if (type >= p->n_types)
		return -EINVAL;
	unit = p->types[type].unit;
	t.count = stats_count_type(p, type);
	ret = tally(p, type, &t);
	if (ret)
		goto out;
	util_sort(t.fns, t.n, sizeof(*t.fns), fn_cmp);
	shown = n && n < t.n ? n : t.n;
	fprintf(out, "Total: %s %s (%s)", fmt_sample_value(b1, sizeof(b1), t.total, unit),
		p->types[type].type, unit);
	if (t.count >= 0)
		fprintf(out, " in %" PRId64 " samples", t.samples);
	fprintf(out, "; showing %zu of %zu functions\n", shown, t.n);
	fprintf(out, "%10s %7s %7s %10s %7s", "flat", "flat%", "sum%", "cum", "cum%");
	if (t.count >= 0)
		fprintf(out, " %9s %6s", "samples", "+-95%");
	fprintf(out, "  name\n");
	for (size_t i = 0; i < shown; i++) {
		const struct text_fn *f = &t.fns[i];

		sum = util_sat_add(sum, f->flat);
		fprintf(out, "%10s %6.2f%% %6.2f%% %10s %6.2f%%",
			fmt_sample_value(b1, sizeof(b1), f->flat, unit), pct(f->flat, t.total),
			pct(sum, t.total), fmt_sample_value(b2, sizeof(b2), f->cum, unit),
			pct(f->cum, t.total));
		if (t.count >= 0)
			fprintf(out, " %8" PRId64 "%c %6.2f", f->samples,
				f->samples < TEXT_LOW_SAMPLES ? '*' : ' ', interval(&t, f));
		fputs("  ", out);
		text_put_name(f->name, out);
	}
	put_advice(p, type, &t, shown, out);
	if (ferror(out))
		ret = -EIO;
out:
	free(t.fns);
	hindex_free(&t.ix);
	return ret;
}
