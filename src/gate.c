/* gate.c - see gate.h: the verdicts (gatereport.c writes them). */
#include "gate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

void gate_opts_init(struct gate_opts *o)
{
	o->alpha = 0.05;
	o->max_growth = 0.15;
	o->min_share = 0.005;
	o->top = 5;
	o->total = 0;
}

static double median(const double *v, size_t n)
{
	struct stats_summary s;

	return stats_summarize(v, n, &s) ? 0 : s.median;
}

static struct gate_row *new_row(struct gate_result *r, const char *name)
{
	struct gate_row *row;
	char *copy = strdup(name);

	if (!copy || util_grow(&r->rows, &r->cap, r->n + 1, sizeof(*r->rows))) {
		free(copy);
		return NULL;
	}
	row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	row->name = copy;
	return row;
}

/* Medians, growth and the test of one row.  0 or -errno. */
static int measure(struct gate_row *row, const double *b, size_t nb, const double *n, size_t nn)
{
	row->base = median(b, nb);
	row->new = median(n, nn);
	if (row->base > 0)
		row->growth = (row->new - row->base) / row->base;
	else
		row->growth = row->new > 0 ? INFINITY : 0;
	return stats_mann_whitney(b, nb, n, nn, &row->test);
}

/* Why a row that is not a failure passes. */
static void pass_why(const struct gate_opts *o, struct gate_row *row)
{
	if (row->test.p >= o->alpha)
		snprintf(row->why, sizeof(row->why), "no significant change");
	else if (row->growth <= 0)
		snprintf(row->why, sizeof(row->why), "significantly smaller");
	else if (row->growth <= o->max_growth)
		snprintf(row->why, sizeof(row->why), "grew, within %g%%", 100 * o->max_growth);
	else
		snprintf(row->why, sizeof(row->why), "grew, outside the top %zu", o->top);
}

int gate_add_series(struct gate_result *r, const char *name, const double *b, size_t nb,
		    const double *n, size_t nn)
{
	struct gate_row *row;
	int err;

	if (nb < 2 || nn < 2)
		return -EINVAL;
	row = new_row(r, name);
	if (!row)
		return -ENOMEM;
	err = measure(row, b, nb, n, nn);
	if (err)
		return err;
	row->fail = row->test.p < r->opts.alpha && row->growth > r->opts.max_growth;
	if (row->fail)
		snprintf(row->why, sizeof(row->why), "grew more than %g%%", 100 * r->opts.max_growth);
	else
		pass_why(&r->opts, row);
	return 0;
}

static struct gate_result *result_new(size_t n_base, size_t n_new, const struct gate_opts *o)
{
	struct gate_result *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->n_base = n_base;
	r->n_new = n_new;
	r->opts = *o;
	r->unit = "";
	r->what = "";
	return r;
}

int gate_counters(size_t n_base, size_t n_new, const struct gate_opts *o, struct gate_result **out)
{
	*out = result_new(n_base, n_new, o);
	return *out ? 0 : -ENOMEM;
}

/* A function's median share on one side, for ranking. */
struct ranked {
	double share;
	size_t fn;
};

static int ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->share != y->share)
		return x->share > y->share ? -1 : 1;
	return x->fn < y->fn ? -1 : x->fn > y->fn;
}

/* ranks[f]: 1 + f's place by median self share over sides [from, to). */
static int rank_side(const struct diff *d, size_t from, size_t to, size_t *ranks)
{
	struct ranked *r = calloc(d->n_fns ? d->n_fns : 1, sizeof(*r));
	double *v = calloc(to - from, sizeof(*v));

	if (!r || !v) {
		free(r);
		free(v);
		return -ENOMEM;
	}
	for (size_t f = 0; f < d->n_fns; f++) {
		for (size_t s = from; s < to; s++)
			v[s - from] = d->sides[s].total > 0 ? d->fns[f].self[s] / d->sides[s].total : 0;
		r[f].share = median(v, to - from);
		r[f].fn = f;
	}
	util_sort(r, d->n_fns, sizeof(*r), ranked_cmp);
	for (size_t k = 0; k < d->n_fns; k++)
		ranks[r[k].fn] = k + 1;
	free(r);
	free(v);
	return 0;
}

/* Judge function f: its shares per run in b and n (scratch). */
static int judge_fn(struct gate_result *r, const struct diff *d, size_t f,
		    const size_t *ranks, double *b, double *n)
{
	const struct gate_opts *o = &r->opts;
	struct gate_row *row;
	int err, top;

	for (size_t s = 0; s < d->n_sides; s++) {
		double share = d->sides[s].total > 0 ? d->fns[f].self[s] / d->sides[s].total : 0;

		if (s < r->n_base)
			b[s] = share;
		else
			n[s - r->n_base] = share;
	}
	if (median(b, r->n_base) < o->min_share && median(n, r->n_new) < o->min_share)
		return 0;
	row = new_row(r, d->fns[f].name);
	if (!row)
		return -ENOMEM;
	err = measure(row, b, r->n_base, n, r->n_new);
	if (err)
		return err;
	row->rank_base = ranks[f];
	row->rank_new = ranks[d->n_fns + f];
	top = row->rank_base <= o->top || row->rank_new <= o->top;
	/* Entering the top N counts only with a growth beyond max_growth too:
	 * two functions of nearly equal share trade places from run to run. */
	row->fail = row->test.p < o->alpha && row->growth > o->max_growth &&
		    row->new >= o->min_share && top;
	if (!row->fail)
		pass_why(o, row);
	else if (row->rank_base > o->top)
		snprintf(row->why, sizeof(row->why), "entered the top %zu", o->top);
	else
		snprintf(row->why, sizeof(row->why), "grew more than %g%% in the top %zu",
			 100 * o->max_growth, o->top);
	return 0;
}

/* The total of each run as a series. */
static int judge_total(struct gate_result *r, const struct diff *d, double *b, double *n)
{
	char name[64];

	for (size_t s = 0; s < d->n_sides; s++) {
		if (s < r->n_base)
			b[s] = d->sides[s].total;
		else
			n[s - r->n_base] = d->sides[s].total;
	}
	snprintf(name, sizeof(name), "total %s", r->what);
	return gate_add_series(r, name, b, r->n_base, n, r->n_new);
}

int gate_profiles(const struct diff *d, size_t n_base, const struct gate_opts *o, const char *what,
		  const char *unit, struct gate_result **out)
{
	struct gate_result *r;
	size_t *ranks = NULL;
	double *b = NULL, *n = NULL;
	int err = -ENOMEM;

	*out = NULL;
	if (n_base < 2 || d->n_sides < n_base + 2)
		return -EINVAL;
	r = result_new(n_base, d->n_sides - n_base, o);
	if (!r)
		return -ENOMEM;
	r->shares = 1;
	r->what = what;
	r->unit = unit;
	ranks = calloc(2 * d->n_fns + 1, sizeof(*ranks));
	b = calloc(r->n_base, sizeof(*b));
	n = calloc(r->n_new, sizeof(*n));
	if (!ranks || !b || !n)
		goto out;
	err = rank_side(d, 0, n_base, ranks);
	if (!err)
		err = rank_side(d, n_base, d->n_sides, ranks + d->n_fns);
	if (!err && o->total)
		err = judge_total(r, d, b, n);
	for (size_t f = 0; f < d->n_fns && !err; f++)
		err = judge_fn(r, d, f, ranks, b, n);
	if (!err)
		gate_finish(r);
out:
	free(ranks);
	free(b);
	free(n);
	if (err) {
		gate_result_free(r);
		return err;
	}
	*out = r;
	return 0;
}

/* The event named name in stat's "events" (NULL when absent). */
static const struct json *stat_event(const struct json *doc, const char *name)
{
	const struct json *ev = json_get(doc, "events");

	for (size_t i = 0; ev && i < ev->n; i++) {
		const struct json *nm = json_get(&ev->items[i], "name");

		if (nm && nm->type == JSON_STRING && !strcmp(nm->str, name))
			return &ev->items[i];
	}
	return NULL;
}

/* The values of a counted event, into a malloc'd array: the count, 0 when
 * it was not counted, -EINVAL when malformed, -ENOMEM. */
static int stat_values(const struct json *e, double **out)
{
	const struct json *sup = json_get(e, "supported"), *v = json_get(e, "values");
	double *vals;

	*out = NULL;
	if (sup && sup->type == JSON_FALSE)
		return 0;
	if (!v)
		return 0;
	if (v->type != JSON_ARRAY)
		return -EINVAL;
	vals = malloc((v->n ? v->n : 1) * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].type != JSON_NUMBER || !isfinite(v->items[i].num)) {
			free(vals);
			return -EINVAL;
		}
		vals[i] = v->items[i].num;
	}
	*out = vals;
	return (int)v->n;
}

static void note(char *notes, size_t cap, const char *name, const char *what)
{
	size_t len = strlen(notes);

	if (len < cap)
		snprintf(notes + len, cap - len, "%s: %s\n", name, what);
}

int gate_add_stat(struct gate_result *r, const struct json *base, const struct json *new,
		  char *notes, size_t cap)
{
	const struct json *events = json_get(base, "events"), *ne = json_get(new, "events");
	int added = 0, err = 0;

	notes[0] = '\0';
	if (!events || events->type != JSON_ARRAY || !ne || ne->type != JSON_ARRAY)
		return -EINVAL;
	for (size_t i = 0; i < events->n && err >= 0; i++) {
		const struct json *nm = json_get(&events->items[i], "name"), *other;
		double *b = NULL, *n = NULL;
		int nb, nn = 0;

		if (!nm || nm->type != JSON_STRING)
			return -EINVAL;
		other = stat_event(new, nm->str);
		nb = stat_values(&events->items[i], &b);
		if (other)
			nn = stat_values(other, &n);
		if (nb < 0 || nn < 0)
			err = nb < 0 ? nb : nn;
		else if (!other)
			note(notes, cap, nm->str, "not in NEW");
		else if (nb < 2 || nn < 2)
			note(notes, cap, nm->str, "not counted in 2 runs or more on both sides");
		else if ((err = gate_add_series(r, nm->str, b, (size_t)nb, n, (size_t)nn)) == 0)
			added++;
		free(b);
		free(n);
	}
	for (size_t i = 0; i < ne->n && err >= 0; i++) {
		const struct json *nm = json_get(&ne->items[i], "name");

		if (!nm || nm->type != JSON_STRING)
			return -EINVAL;
		if (!stat_event(base, nm->str))
			note(notes, cap, nm->str, "not in BASE");
	}
	return err < 0 ? err : added;
}

/* The size of a row's change, for ordering: share points for functions,
 * relative growth for series. */
static double change(const struct gate_row *row)
{
	if (row->rank_base || row->rank_new)
		return fabs(row->new - row->base);
	return isinf(row->growth) ? HUGE_VAL : fabs(row->growth);
}

static int row_cmp(const void *a, const void *b)
{
	const struct gate_row *x = a, *y = b;
	int fx = !(x->rank_base || x->rank_new), fy = !(y->rank_base || y->rank_new);

	if (x->fail != y->fail)
		return x->fail ? -1 : 1;
	/* The total before the functions. */
	if (fx != fy)
		return fx ? -1 : 1;
	if (change(x) != change(y))
		return change(x) > change(y) ? -1 : 1;
	return strcmp(x->name, y->name);
}

void gate_finish(struct gate_result *r)
{
	r->failures = 0;
	for (size_t i = 0; i < r->n; i++)
		r->failures += r->rows[i].fail != 0;
	util_sort(r->rows, r->n, sizeof(*r->rows), row_cmp);
}

void gate_result_free(struct gate_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->rows[i].name);
	free(r->rows);
	free(r);
}
