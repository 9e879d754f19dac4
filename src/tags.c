/* tags.c - see tags.h. */
#include "tags.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

struct tag_value {
	const char *key;
	const char *str;       /* NULL: numeric */
	int64_t num;
	int64_t value;
};

struct tag_set {
	struct tag_value *v;
	size_t n, cap;
};

static int same_label(const struct tag_value *t, const struct profile_label *l)
{
	if (strcmp(t->key, l->key) != 0 || !t->str != !l->str)
		return 0;
	return t->str ? strcmp(t->str, l->str) == 0 : t->num == l->num;
}

static int tally(struct tag_set *set, const struct profile_label *l, int64_t value)
{
	for (size_t i = 0; i < set->n; i++) {
		if (same_label(&set->v[i], l)) {
			set->v[i].value = util_sat_add(set->v[i].value, value);
			return 0;
		}
	}
	if (util_grow(&set->v, &set->cap, set->n + 1, sizeof(*set->v)) < 0)
		return -ENOMEM;
	set->v[set->n].key = l->key;
	set->v[set->n].str = l->str;
	set->v[set->n].num = l->num;
	set->v[set->n].value = value;
	set->n++;
	return 0;
}

/* By key, then the largest value first, then the label itself. */
static int cmp_tag(const void *a, const void *b)
{
	const struct tag_value *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if (x->str && y->str)
		return strcmp(x->str, y->str);
	return x->num < y->num ? -1 : x->num > y->num;
}

int tags_write(const struct profile *p, size_t type, FILE *out)
{
	struct tag_set set = { 0 };
	const char *unit;
	char buf[64];
	int64_t total = 0;
	int r = 0;

	if (type >= p->n_types)
		return -EINVAL;
	unit = p->types[type].unit;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];

		/* Like pprof: a sample worth nothing here (another type's, or one a
		 * filter such as --trace-id zeroed) lists none of its labels. */
		if (!s->values[type])
			continue;
		total = util_sat_add(total, s->values[type]);
		for (size_t k = 0; k < s->n_labels && r == 0; k++)
			r = tally(&set, &s->labels[k], s->values[type]);
		if (r)
			goto out;
	}
	util_sort(set.v, set.n, sizeof(*set.v), cmp_tag);
	for (size_t i = 0; i < set.n; i++) {
		const struct tag_value *t = &set.v[i];

		if (i == 0 || strcmp(t->key, set.v[i - 1].key) != 0)
			fprintf(out, "%s: Total %s\n", t->key, fmt_sample_value(buf, sizeof(buf), total, unit));
		fprintf(out, "  %10s (%6.2f%%): ", fmt_sample_value(buf, sizeof(buf), t->value, unit),
			total ? 100.0 * t->value / total : 0.0);
		if (t->str)
			fprintf(out, "%s\n", t->str);
		else
			fprintf(out, "%" PRId64 "\n", t->num);
	}
out:
	free(set.v);
	return r;
}
