/* text.c - see text.h. */
#include "text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hindex.h"
#include "util.h"

struct text_fn {
	const char *name;
	int64_t flat, cum;
	size_t seen;            /* 1 + index of the last sample counted in cum */
};

struct text_table {
	struct text_fn *fns;
	size_t n, cap;
	struct hindex ix;       /* by name; entries are 1 + index into fns */
};

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

/* One name per line: control characters would break the table. */
static void put_name(const char *name, FILE *out)
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

int text_top(struct profile *p, size_t type, size_t n, FILE *out)
{
	struct text_table t = { 0 };
	const char **names = NULL;
	size_t cap_names = 0, shown;
	const char *unit;
	char b1[32], b2[32];
	int64_t total = 0, sum = 0;
	int ret = 0;

	if (type >= p->n_types)
		return -EINVAL;
	unit = p->types[type].unit;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		int64_t v = s->values[type];
		struct text_fn *f;
		int nf;

		if (!v)
			continue;
		total = util_sat_add(total, v);
		nf = profile_sample_stack(p, s, PROFILE_LEAF_FIRST, &names, &cap_names);
		if (nf < 0) {
			ret = nf;
			goto out;
		}
		for (int k = 0; k < nf; k++) {
			f = table_get(&t, names[k]);
			if (!f) {
				ret = -ENOMEM;
				goto out;
			}
			if (k == 0)
				f->flat = util_sat_add(f->flat, v);
			/* A recursive function appears several times in one stack: count it once. */
			if (f->seen != i + 1) {
				f->seen = i + 1;
				f->cum = util_sat_add(f->cum, v);
			}
		}
	}
	util_sort(t.fns, t.n, sizeof(*t.fns), fn_cmp);
	shown = n && n < t.n ? n : t.n;
	fprintf(out, "Total: %s %s (%s); showing %zu of %zu functions\n",
		fmt_sample_value(b1, sizeof(b1), total, unit), p->types[type].type,
		unit, shown, t.n);
	fprintf(out, "%10s %7s %7s %10s %7s  %s\n", "flat", "flat%", "sum%", "cum", "cum%", "name");
	for (size_t i = 0; i < shown; i++) {
		const struct text_fn *f = &t.fns[i];

		sum = util_sat_add(sum, f->flat);
		fprintf(out, "%10s %6.2f%% %6.2f%% %10s %6.2f%%  ",
			fmt_sample_value(b1, sizeof(b1), f->flat, unit), pct(f->flat, total),
			pct(sum, total), fmt_sample_value(b2, sizeof(b2), f->cum, unit),
			pct(f->cum, total));
		put_name(f->name, out);
	}
	if (ferror(out))
		ret = -EIO;
out:
	free(t.fns);
	hindex_free(&t.ix);
	free(names);
	return ret;
}
