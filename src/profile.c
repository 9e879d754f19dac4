/* profile.c - see profile.h.
 *
 * Every find-or-add goes through a hash index (hindex.h) whose entries are the
 * 1-based ids, which index the public arrays (id - 1).
 * Strings are interned, so mappings and functions compare their strings by
 * pointer.  Samples are looked up by content instead (labels arrive as caller
 * strings on the hot path, and interning them first would cost a lookup each). */
#include "profile.h"
#include "hindex.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct profile_index {
	struct hindex_strs strings;
	struct hindex mappings, functions, locations, samples;
	size_t cap_samples, cap_mappings, cap_functions, cap_locations, cap_comments;
};

/* ---- hashing ---- */

static uint64_t hash_u64(uint64_t v, uint64_t h)
{
	return util_hash(&v, sizeof(v), h);
}

static uint64_t hash_ptr(const void *v, uint64_t h)
{
	return hash_u64((uint64_t)(uintptr_t)v, h);
}

/* ---- strings ---- */

const char *profile_intern(struct profile *p, const char *s)
{
	return s ? hindex_intern(&p->index->strings, s, strlen(s)) : NULL;
}

/* NULL stands for "" in the fields that the header says are "" when unknown. */
static const char *intern_or_empty(struct profile *p, const char *s)
{
	return profile_intern(p, s ? s : "");
}

/* ---- lifetime ---- */

int profile_new(struct profile **out)
{
	struct profile *p;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->index = calloc(1, sizeof(*p->index));
	if (!p->index)
		goto fail;
	p->default_sample_type = -1;
	p->period_type.type = profile_intern(p, "");
	p->period_type.unit = p->period_type.type;
	if (!p->period_type.type)
		goto fail;
	*out = p;
	return 0;
fail:
	profile_free(p);
	return -ENOMEM;
}

void profile_free(struct profile *p)
{
	struct profile_index *ix;

	if (!p)
		return;
	/* A sample's ids, labels and values share one block that starts at values. */
	for (size_t i = 0; i < p->n_samples; i++)
		free(p->samples[i].values);
	free(p->samples);
	for (size_t i = 0; i < p->n_locations; i++)
		free(p->locations[i].lines);
	free(p->locations);
	free(p->functions);
	free(p->mappings);
	free(p->comments);
	ix = p->index;
	if (ix) {
		hindex_strs_free(&ix->strings);
		hindex_free(&ix->mappings);
		hindex_free(&ix->functions);
		hindex_free(&ix->locations);
		hindex_free(&ix->samples);
		free(ix);
	}
	free(p);
}

int profile_new_like(const struct profile *p, struct profile **out)
{
	struct profile *n;
	int err = profile_new(&n);

	*out = NULL;
	for (size_t i = 0; err >= 0 && i < p->n_types; i++)
		err = profile_add_type(n, p->types[i].type, p->types[i].unit);
	if (err >= 0)
		err = profile_set_period(n, p->period_type.type, p->period_type.unit, p->period);
	if (err < 0) {
		profile_free(n);
		return err;
	}
	n->default_sample_type = p->default_sample_type;
	*out = n;
	return 0;
}

/* ---- header fields ---- */

int profile_add_type(struct profile *p, const char *type, const char *unit)
{
	struct profile_value_type *vt;

	if (p->n_types >= PROFILE_MAX_TYPES)
		return -E2BIG;
	/* Existing samples have one value per type already: no room for another. */
	if (p->n_samples)
		return -EBUSY;
	vt = &p->types[p->n_types];
	vt->type = intern_or_empty(p, type);
	vt->unit = intern_or_empty(p, unit);
	if (!vt->type || !vt->unit)
		return -ENOMEM;
	return (int)p->n_types++;
}

int profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period)
{
	const char *t = intern_or_empty(p, type), *u = intern_or_empty(p, unit);

	if (!t || !u)
		return -ENOMEM;
	p->period_type.type = t;
	p->period_type.unit = u;
	p->period = period;
	return 0;
}

int profile_add_comment(struct profile *p, const char *comment)
{
	const char *c = intern_or_empty(p, comment);

	if (!c || util_grow(&p->comments, &p->index->cap_comments, p->n_comments + 1,
			    sizeof(*p->comments)))
		return -ENOMEM;
	p->comments[p->n_comments++] = c;
	return 0;
}

/* ---- mappings ---- */

struct mapping_key {
	uint64_t start, limit, offset;
	const char *file;       /* interned */
};

static bool mapping_eq(const void *ctx, size_t id, const void *key)
{
	const struct profile *p = ctx;
	const struct profile_mapping *m = &p->mappings[id - 1];
	const struct mapping_key *k = key;

	return m->start == k->start && m->limit == k->limit && m->offset == k->offset &&
	       m->file == k->file;
}

int64_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit, uint64_t offset,
			const char *file, const char *build_id)
{
	struct profile_index *ix = p->index;
	struct mapping_key k = { start, limit, offset, intern_or_empty(p, file) };
	const char *bid = intern_or_empty(p, build_id);
	struct profile_mapping *m;
	uint64_t h, id;

	if (!k.file || !bid)
		return -ENOMEM;
	h = hash_u64(start, UTIL_HASH_INIT);
	h = hash_u64(limit, h);
	h = hash_u64(offset, h);
	h = hash_ptr(k.file, h);
	id = hindex_find(&ix->mappings, h, mapping_eq, &k, p);
	if (id)
		return (int64_t)id;
	if (hindex_reserve(&ix->mappings) ||
	    util_grow(&p->mappings, &ix->cap_mappings, p->n_mappings + 1, sizeof(*p->mappings)))
		return -ENOMEM;
	m = &p->mappings[p->n_mappings++];
	*m = (struct profile_mapping){
		.id = p->n_mappings, .start = start, .limit = limit, .offset = offset,
		.file = k.file, .build_id = bid,
	};
	hindex_insert(&ix->mappings, h, m->id);
	return (int64_t)m->id;
}

/* ---- functions ---- */

struct function_key {
	const char *name, *system_name, *filename;   /* interned */
};

static bool function_eq(const void *ctx, size_t id, const void *key)
{
	const struct profile *p = ctx;
	const struct profile_function *f = &p->functions[id - 1];
	const struct function_key *k = key;

	return f->name == k->name && f->system_name == k->system_name &&
	       f->filename == k->filename;
}

static uint64_t function_hash(const struct function_key *k)
{
	return hash_ptr(k->filename, hash_ptr(k->system_name, hash_ptr(k->name, UTIL_HASH_INIT)));
}

int profile_rename_functions(struct profile *p, profile_rename_fn name_of, void *ctx)
{
	struct profile_index *ix = p->index;
	int err = 0;

	for (size_t i = 0; i < p->n_functions && !err; i++) {
		struct profile_function *f = &p->functions[i];
		const char *name = name_of(ctx, f);

		if (name && !(name = profile_intern(p, name)))
			err = -ENOMEM;
		else if (name)
			f->name = name;
	}
	/* The index hashes names: index every function again under its own. */
	hindex_free(&ix->functions);
	for (size_t i = 0; i < p->n_functions; i++) {
		const struct profile_function *f = &p->functions[i];
		struct function_key k = { f->name, f->system_name, f->filename };

		if (hindex_reserve(&ix->functions))
			return -ENOMEM;
		hindex_insert(&ix->functions, function_hash(&k), f->id);
	}
	return err;
}

int64_t profile_function(struct profile *p, const char *name, const char *system_name,
			 const char *filename, int64_t start_line)
{
	struct profile_index *ix = p->index;
	struct function_key k = {
		intern_or_empty(p, name), intern_or_empty(p, system_name),
		intern_or_empty(p, filename),
	};
	struct profile_function *f;
	uint64_t h, id;

	if (!k.name || !k.system_name || !k.filename)
		return -ENOMEM;
	h = function_hash(&k);
	id = hindex_find(&ix->functions, h, function_eq, &k, p);
	if (id)
		return (int64_t)id;
	if (hindex_reserve(&ix->functions) ||
	    util_grow(&p->functions, &ix->cap_functions, p->n_functions + 1,
		      sizeof(*p->functions)))
		return -ENOMEM;
	f = &p->functions[p->n_functions++];
	*f = (struct profile_function){
		.id = p->n_functions, .name = k.name, .system_name = k.system_name,
		.filename = k.filename, .start_line = start_line,
	};
	hindex_insert(&ix->functions, h, f->id);
	return (int64_t)f->id;
}

/* ---- locations ---- */

struct location_key {
	uint64_t mapping_id, address;
};

static bool location_eq(const void *ctx, size_t id, const void *key)
{
	const struct profile *p = ctx;
	const struct profile_location *l = &p->locations[id - 1];
	const struct location_key *k = key;

	return l->mapping_id == k->mapping_id && l->address == k->address;
}

static uint64_t location_hash(const struct location_key *k)
{
	return hash_u64(k->address, hash_u64(k->mapping_id, UTIL_HASH_INIT));
}

static int location_set_lines(struct profile *p, struct profile_location *l,
			      const struct profile_line *lines, size_t n_lines)
{
	struct profile_line *c;

	if (!n_lines)
		return 0;
	for (size_t i = 0; i < n_lines; i++)
		if (!lines[i].function_id || lines[i].function_id > p->n_functions)
			return -EINVAL;
	if (n_lines > SIZE_MAX / sizeof(*c))
		return -ENOMEM;
	c = malloc(n_lines * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, lines, n_lines * sizeof(*c));
	l->lines = c;
	l->n_lines = n_lines;
	return 0;
}

static int64_t location_append(struct profile *p, const struct location_key *k, uint64_t h,
			       const struct profile_line *lines, size_t n_lines)
{
	struct profile_index *ix = p->index;
	struct profile_location *l;
	int err;

	if (k->mapping_id > p->n_mappings)
		return -EINVAL;
	if (hindex_reserve(&ix->locations) ||
	    util_grow(&p->locations, &ix->cap_locations, p->n_locations + 1,
		      sizeof(*p->locations)))
		return -ENOMEM;
	l = &p->locations[p->n_locations];
	*l = (struct profile_location){
		.id = p->n_locations + 1, .mapping_id = k->mapping_id, .address = k->address,
	};
	err = location_set_lines(p, l, lines, n_lines);
	if (err)
		return err;
	p->n_locations++;
	hindex_insert(&ix->locations, h, l->id);
	return (int64_t)l->id;
}

int64_t profile_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			 const struct profile_line *lines, size_t n_lines)
{
	struct location_key k = { mapping_id, address };
	uint64_t h = location_hash(&k);
	uint64_t id = hindex_find(&p->index->locations, h, location_eq, &k, p);
	int err;

	if (!id)
		return location_append(p, &k, h, lines, n_lines);
	if (!p->locations[id - 1].n_lines) {
		err = location_set_lines(p, &p->locations[id - 1], lines, n_lines);
		if (err)
			return err;
	}
	return (int64_t)id;
}

int64_t profile_add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			     const struct profile_line *lines, size_t n_lines)
{
	struct location_key k = { mapping_id, address };

	return location_append(p, &k, location_hash(&k), lines, n_lines);
}

uint64_t profile_find_location(const struct profile *p, uint64_t mapping_id, uint64_t address)
{
	struct location_key k = { mapping_id, address };

	return hindex_find(&p->index->locations, location_hash(&k), location_eq, &k, p);
}

/* ---- samples ---- */

static bool opt_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool sample_eq(const void *ctx, size_t id, const void *key)
{
	const struct profile *p = ctx;
	const struct profile_sample *s = &p->samples[id - 1];
	const struct profile_sample *k = key;

	if (s->n_locations != k->n_locations || s->n_labels != k->n_labels)
		return false;
	if (k->n_locations &&
	    memcmp(s->location_ids, k->location_ids, k->n_locations * sizeof(uint64_t)))
		return false;
	for (size_t i = 0; i < k->n_labels; i++) {
		const struct profile_label *a = &s->labels[i], *b = &k->labels[i];

		if (a->num != b->num || strcmp(a->key, b->key) || !opt_str_eq(a->str, b->str) ||
		    !opt_str_eq(a->num_unit, b->num_unit))
			return false;
	}
	return true;
}

/* Strings are hashed by content, with a marker so NULL and "" differ. */
static uint64_t hash_opt_str(const char *s, uint64_t h)
{
	if (!s)
		return hash_u64(1, h);
	return util_hash(s, strlen(s) + 1, h);
}

static uint64_t sample_hash(const struct profile_sample *k)
{
	uint64_t h = hash_u64(k->n_locations, UTIL_HASH_INIT);

	if (k->n_locations)
		h = util_hash(k->location_ids, k->n_locations * sizeof(uint64_t), h);
	for (size_t i = 0; i < k->n_labels; i++) {
		h = hash_opt_str(k->labels[i].key, h);
		h = hash_opt_str(k->labels[i].str, h);
		h = hash_u64((uint64_t)k->labels[i].num, h);
		h = hash_opt_str(k->labels[i].num_unit, h);
	}
	return h;
}

/* One block per sample: values, then location ids, then labels (all 8-aligned). */
static int sample_append(struct profile *p, const struct profile_sample *k, uint64_t h)
{
	struct profile_index *ix = p->index;
	size_t nv = p->n_types, sz;
	struct profile_sample *s;
	char *block;

	if (k->n_locations > (SIZE_MAX / 2) / sizeof(uint64_t) ||
	    k->n_labels > (SIZE_MAX / 4) / sizeof(struct profile_label))
		return -ENOMEM;
	sz = nv * sizeof(int64_t) + k->n_locations * sizeof(uint64_t) +
	     k->n_labels * sizeof(struct profile_label);
	if (hindex_reserve(&ix->samples) ||
	    util_grow(&p->samples, &ix->cap_samples, p->n_samples + 1, sizeof(*p->samples)))
		return -ENOMEM;
	block = malloc(sz ? sz : 1);
	if (!block)
		return -ENOMEM;
	s = &p->samples[p->n_samples];
	s->values = (int64_t *)block;
	s->location_ids = (uint64_t *)(block + nv * sizeof(int64_t));
	s->labels = (struct profile_label *)(block + nv * sizeof(int64_t) +
					     k->n_locations * sizeof(uint64_t));
	s->n_locations = k->n_locations;
	s->n_labels = k->n_labels;
	if (nv)
		memcpy(s->values, k->values, nv * sizeof(int64_t));
	if (k->n_locations)
		memcpy(s->location_ids, k->location_ids, k->n_locations * sizeof(uint64_t));
	for (size_t i = 0; i < k->n_labels; i++) {
		const struct profile_label *in = &k->labels[i];
		struct profile_label *l = &s->labels[i];

		l->key = profile_intern(p, in->key);
		l->str = profile_intern(p, in->str);
		l->num = in->num;
		l->num_unit = profile_intern(p, in->num_unit);
		if (!l->key || (in->str && !l->str) || (in->num_unit && !l->num_unit)) {
			free(block);
			return -ENOMEM;
		}
	}
	p->n_samples++;
	hindex_insert(&ix->samples, h, p->n_samples);
	return 0;
}

int profile_add_sample(struct profile *p, const struct profile_sample *s)
{
	uint64_t h, id;

	for (size_t i = 0; i < s->n_locations; i++)
		if (!s->location_ids[i] || s->location_ids[i] > p->n_locations)
			return -EINVAL;
	for (size_t i = 0; i < s->n_labels; i++)
		if (!s->labels[i].key)
			return -EINVAL;
	if (p->n_types && !s->values)
		return -EINVAL;
	h = sample_hash(s);
	id = hindex_find(&p->index->samples, h, sample_eq, s, p);
	if (!id)
		return sample_append(p, s, h);
	for (size_t i = 0; i < p->n_types; i++)
		p->samples[id - 1].values[i] = util_sat_add(p->samples[id - 1].values[i], s->values[i]);
	return 0;
}

/* ---- queries ---- */

int profile_type_index(const struct profile *p, const char *type)
{
	for (size_t i = 0; i < p->n_types; i++)
		if (strcmp(p->types[i].type, type) == 0)
			return (int)i;
	return -1;
}

int64_t profile_total(const struct profile *p, size_t type)
{
	int64_t sum = 0;

	if (type >= p->n_types)
		return 0;
	for (size_t i = 0; i < p->n_samples; i++)
		sum = util_sat_add(sum, p->samples[i].values[type]);
	return sum;
}

const struct profile_location *profile_get_location(const struct profile *p, uint64_t id)
{
	return id && id <= p->n_locations ? &p->locations[id - 1] : NULL;
}

const struct profile_function *profile_get_function(const struct profile *p, uint64_t id)
{
	return id && id <= p->n_functions ? &p->functions[id - 1] : NULL;
}

const struct profile_mapping *profile_get_mapping(const struct profile *p, uint64_t id)
{
	return id && id <= p->n_mappings ? &p->mappings[id - 1] : NULL;
}

static const char *address_name(struct profile *p, uint64_t address)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, address);
	return profile_intern(p, buf);
}

size_t profile_sample_frames(struct profile *p, const struct profile_sample *s,
			     const char **names, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_locations && n < cap; i++) {
		const struct profile_location *l = profile_get_location(p, s->location_ids[i]);
		const char *name;

		if (!l) {
			names[n++] = "[unknown]";
			continue;
		}
		for (size_t j = 0; j < l->n_lines && n < cap; j++) {
			const struct profile_function *f =
				profile_get_function(p, l->lines[j].function_id);

			name = NULL;
			if (f)
				name = *f->name ? f->name : *f->system_name ? f->system_name : NULL;
			if (!name)
				name = address_name(p, l->address);
			names[n++] = name ? name : "[unknown]";
		}
		if (!l->n_lines) {
			name = address_name(p, l->address);
			names[n++] = name ? name : "[unknown]";
		}
	}
	return n;
}

int profile_sample_stack(struct profile *p, const struct profile_sample *s,
			 enum profile_order order, const char ***names, size_t *cap)
{
	size_t need = 1, n;

	if (!s->n_locations) {
		if (util_grow(names, cap, 1, sizeof(**names)))
			return -ENOMEM;
		(*names)[0] = "[unknown]";
		return 1;
	}
	/* Exact size when every id resolves; one spare slot tells a full buffer
	 * from a truncated one, and we retry bigger if the guess was short. */
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct profile_location *l = profile_get_location(p, s->location_ids[i]);

		need += l && l->n_lines ? l->n_lines : 1;
	}
	for (;;) {
		if (util_grow(names, cap, need, sizeof(**names)))
			return -ENOMEM;
		n = profile_sample_frames(p, s, *names, *cap);
		if (n < *cap)
			break;
		need = *cap * 2;
	}
	if (n > INT32_MAX)
		return -E2BIG;
	for (size_t i = 0; order == PROFILE_ROOT_FIRST && i < n / 2; i++) {
		const char *t = (*names)[i];

		(*names)[i] = (*names)[n - 1 - i];
		(*names)[n - 1 - i] = t;
	}
	return (int)n;
}

const char *profile_sample_label(const struct profile_sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (s->labels[i].str && strcmp(s->labels[i].key, key) == 0)
			return s->labels[i].str;
	return NULL;
}
