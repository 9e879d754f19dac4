/* diffpprof.c - see diffpprof.h. */
#include "diffpprof.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "util.h"

/* One source profile being copied into the output: its ids to ours. */
struct copy {
	struct profile *out;
	const struct profile *src;
	uint64_t *maps, *fns, *locs;    /* by source id - 1 */
	int types[PROFILE_MAX_TYPES];   /* the output's type k is the source's types[k] */
	double factor;                  /* 1 for NEW, -kb for BASE */
	int base;                       /* label the samples pprof::base=true */
};

static int copy_tables(struct copy *c)
{
	const struct profile *s = c->src;
	struct profile_line *lines = NULL;
	size_t cap = 0;
	char name[1024];
	int err = 0;

	for (size_t i = 0; i < s->n_mappings; i++) {
		const struct profile_mapping *m = &s->mappings[i];
		int64_t id = profile_mapping(c->out, m->start, m->limit, m->offset, m->file, m->build_id);

		if (id < 0)
			return (int)id;
		c->out->mappings[id - 1].has_functions |= m->has_functions;
		c->out->mappings[id - 1].has_filenames |= m->has_filenames;
		c->out->mappings[id - 1].has_line_numbers |= m->has_line_numbers;
		c->maps[i] = (uint64_t)id;
	}
	/* Functions by the names diff matches them by, so that pprof's views
	 * put a rebuilt function's two sides in one row. */
	for (size_t i = 0; i < s->n_functions; i++) {
		const struct profile_function *f = &s->functions[i];
		int64_t id = profile_function(c->out, diff_match_name(f->name, name, sizeof(name)),
					      f->system_name, f->filename, f->start_line);

		if (id < 0)
			return (int)id;
		c->fns[i] = (uint64_t)id;
	}
	/* Each side's locations stay its own: the same address in two builds
	 * is not the same code. */
	for (size_t i = 0; i < s->n_locations && !err; i++) {
		const struct profile_location *l = &s->locations[i];
		int64_t id;

		if (util_grow(&lines, &cap, l->n_lines, sizeof(*lines))) {
			err = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < l->n_lines; j++) {
			lines[j].function_id = c->fns[l->lines[j].function_id - 1];
			lines[j].line = l->lines[j].line;
		}
		id = profile_add_location(c->out, l->mapping_id ? c->maps[l->mapping_id - 1] : 0,
					  l->address, lines, l->n_lines);
		if (id < 0)
			err = (int)id;
		else
			c->locs[i] = (uint64_t)id;
	}
	free(lines);
	return err;
}

static int copy_samples(struct copy *c)
{
	struct profile_label *labels = NULL;
	uint64_t *ids = NULL;
	int64_t values[PROFILE_MAX_TYPES];
	size_t cap_l = 0, cap_i = 0;
	int err = 0;

	for (size_t i = 0; i < c->src->n_samples && !err; i++) {
		const struct profile_sample *s = &c->src->samples[i];
		size_t nl = s->n_labels + (size_t)c->base;

		if (util_grow(&labels, &cap_l, nl, sizeof(*labels)) ||
		    util_grow(&ids, &cap_i, s->n_locations, sizeof(*ids))) {
			err = -ENOMEM;
			break;
		}
		for (size_t k = 0; k < s->n_locations; k++)
			ids[k] = c->locs[s->location_ids[k] - 1];
		if (s->n_labels)
			memcpy(labels, s->labels, s->n_labels * sizeof(*labels));
		if (c->base)
			labels[s->n_labels] = (struct profile_label){ .key = "pprof::base", .str = "true" };
		for (size_t k = 0; k < c->out->n_types; k++)
			values[k] = (int64_t)llround(c->factor * (double)s->values[c->types[k]]);
		err = profile_add_sample(c->out, &(struct profile_sample){
			.n_locations = s->n_locations, .location_ids = ids,
			.n_labels = nl, .labels = labels, .values = values });
	}
	free(labels);
	free(ids);
	return err;
}

static int copy_side(struct copy *c)
{
	const struct profile *s = c->src;
	int err;

	c->maps = calloc(s->n_mappings + 1, sizeof(*c->maps));
	c->fns = calloc(s->n_functions + 1, sizeof(*c->fns));
	c->locs = calloc(s->n_locations + 1, sizeof(*c->locs));
	err = c->maps && c->fns && c->locs ? copy_tables(c) : -ENOMEM;
	if (!err)
		err = copy_samples(c);
	free(c->maps);
	free(c->fns);
	free(c->locs);
	return err;
}

/* The output's sample types: NEW's that BASE has too (same name and unit),
 * with where each is in both. */
static int add_types(struct profile *out, const struct profile *base, const struct profile *new,
		     struct copy *cb, struct copy *cn)
{
	for (size_t k = 0; k < new->n_types; k++) {
		int b = diff_same_type(base, &new->types[k]), t;

		if (b < 0)
			continue;
		t = profile_add_type(out, new->types[k].type, new->types[k].unit);
		if (t < 0)
			return t;
		cn->types[t] = (int)k;
		cb->types[t] = b;
		if ((int64_t)k == new->default_sample_type)
			out->default_sample_type = t;
	}
	return out->n_types ? 0 : -EINVAL;
}

int diffpprof_build(struct profile *base, struct profile *new, double kb, const char *comment,
		    struct profile **out)
{
	struct copy cb = { .src = base, .factor = -kb, .base = 1 };
	struct copy cn = { .src = new, .factor = 1 };
	struct profile *p = NULL;
	int err;

	*out = NULL;
	err = profile_new(&p);
	if (err)
		return err;
	p->default_sample_type = -1;
	cb.out = cn.out = p;
	err = add_types(p, base, new, &cb, &cn);
	if (!err && new->period_type.type)
		err = profile_set_period(p, new->period_type.type, new->period_type.unit, new->period);
	if (!err && comment)
		err = profile_add_comment(p, comment);
	p->time_nanos = new->time_nanos;
	p->duration_nanos = new->duration_nanos;
	if (!err)
		err = copy_side(&cn);
	if (!err)
		err = copy_side(&cb);
	if (err) {
		profile_free(p);
		return err;
	}
	*out = p;
	return 0;
}
