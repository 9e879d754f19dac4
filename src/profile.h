/* profile.h - an aggregated profile, shaped like pprof's profile.proto.
 *
 * Samples with the same stack (location ids) and the same labels are merged on
 * add, so memory grows with distinct stacks, not with samples.  Strings passed in
 * are copied (interned); every pointer handed out lives until profile_free,
 * except pointers into the arrays below (profile_get_*), which move when an add
 * grows them.
 * Ids are 1-based (0 means "none"), as in pprof.  Not thread safe. */
#ifndef HWPROF_PROFILE_H
#define HWPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define PROFILE_MAX_TYPES 16

struct profile_value_type {
	const char *type;     /* "samples", "cpu", "cycles" */
	const char *unit;     /* "count", "nanoseconds" */
};

struct profile_mapping {
	uint64_t id;
	uint64_t start, limit, offset;
	const char *file;       /* "" when unknown */
	const char *build_id;   /* hex, "" when unknown */
	int has_functions, has_filenames, has_line_numbers;
};

struct profile_function {
	uint64_t id;
	const char *name;        /* demangled */
	const char *system_name; /* as in the symbol table (mangled) */
	const char *filename;    /* "" when unknown */
	int64_t start_line;
};

struct profile_line {
	uint64_t function_id;
	int64_t line;            /* 0 when unknown */
};

/* lines[0] is the innermost (inlined) function, the last one the outer function. */
struct profile_location {
	uint64_t id;
	uint64_t mapping_id;     /* 0: none (e.g. kernel without a mapping) */
	uint64_t address;
	size_t n_lines;
	struct profile_line *lines;
};

struct profile_label {
	const char *key;
	const char *str;         /* NULL for a numeric label */
	int64_t num;
	const char *num_unit;    /* NULL or e.g. "bytes" */
};

/* locations[0] is the leaf, the last one the root (as in pprof). */
struct profile_sample {
	size_t n_locations;
	uint64_t *location_ids;
	size_t n_labels;
	struct profile_label *labels;
	int64_t *values;         /* n_types values */
};

struct profile {
	size_t n_types;
	struct profile_value_type types[PROFILE_MAX_TYPES];
	struct profile_value_type period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;
	int64_t default_sample_type;    /* index into types, or -1 */

	size_t n_samples;
	struct profile_sample *samples;
	size_t n_mappings;
	struct profile_mapping *mappings;     /* mappings[i].id == i + 1 */
	size_t n_functions;
	struct profile_function *functions;   /* functions[i].id == i + 1 */
	size_t n_locations;
	struct profile_location *locations;   /* locations[i].id == i + 1 */
	size_t n_comments;
	const char **comments;

	struct profile_index *index;          /* private: hash tables */
};

/* An empty profile with no sample types.  Returns 0 or -ENOMEM. */
int profile_new(struct profile **out);
void profile_free(struct profile *p);

/* An empty profile with p's sample types, period type, period and default
 * sample type (the next interval of the same recording).  0 or -ENOMEM. */
int profile_new_like(const struct profile *p, struct profile **out);

/* Append a sample type; returns its index, or -E2BIG past PROFILE_MAX_TYPES.
 * Add all types before the first sample (-EBUSY after it). */
int profile_add_type(struct profile *p, const char *type, const char *unit);
int profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period);
int profile_add_comment(struct profile *p, const char *comment);

/* Copy s into the profile's string table; the result lives until profile_free.
 * NULL when s is NULL or memory runs out. */
const char *profile_intern(struct profile *p, const char *s);

/* Find-or-add; return the id (>= 1) or a negative errno.  Mappings are the same
 * when start, limit, offset and file match; functions when name, system_name and
 * filename match; locations when mapping_id and address match (lines are taken
 * from the first add, or from a later one for a location added without lines). */
int64_t profile_mapping(struct profile *p, uint64_t start, uint64_t limit, uint64_t offset,
			const char *file, const char *build_id);
int64_t profile_function(struct profile *p, const char *name, const char *system_name,
			 const char *filename, int64_t start_line);
int64_t profile_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			 const struct profile_line *lines, size_t n_lines);

/* Give functions new names: name_of(ctx, f) returns f's new name (copied), or
 * NULL to keep it.  Functions stay apart (by system_name) even when their new
 * names are the same.  0 or -ENOMEM (then some may keep their old names). */
typedef const char *(*profile_rename_fn)(void *ctx, const struct profile_function *f);
int profile_rename_functions(struct profile *p, profile_rename_fn name_of, void *ctx);

/* Append a location even when one with the same (mapping_id, address) exists:
 * a reader keeps a file's locations apart (e.g. several at address 0).  Returns
 * the id or -EINVAL (unknown mapping or function id) or -ENOMEM. */
int64_t profile_add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			     const struct profile_line *lines, size_t n_lines);

/* Look up a location by (mapping_id, address) without adding: id or 0. */
uint64_t profile_find_location(const struct profile *p, uint64_t mapping_id, uint64_t address);

/* Add s->values (n_types of them) to the sample with s's stack and labels,
 * creating it if new (everything s points to is copied).  Labels are compared in
 * the order given.  Returns 0 or -errno (-EINVAL: an unknown location id). */
int profile_add_sample(struct profile *p, const struct profile_sample *s);

/* Index of the sample type named type (e.g. "cpu"), or -1. */
int profile_type_index(const struct profile *p, const char *type);

/* Sum of values[type] over all samples. */
int64_t profile_total(const struct profile *p, size_t type);

/* Accessors by id (NULL when out of range). */
const struct profile_location *profile_get_location(const struct profile *p, uint64_t id);
const struct profile_function *profile_get_function(const struct profile *p, uint64_t id);
const struct profile_mapping *profile_get_mapping(const struct profile *p, uint64_t id);

/* Frame names of s, leaf first, inlined functions expanded (innermost first), at
 * most cap of them; returns how many.  A location without lines is named by its
 * address, formatted into p's string table (hence p is not const). */
size_t profile_sample_frames(struct profile *p, const struct profile_sample *s,
			     const char **names, size_t cap);

/* Which end of a stack comes first. */
enum profile_order { PROFILE_LEAF_FIRST, PROFILE_ROOT_FIRST };

/* All frame names of s as profile_sample_frames gives them (never truncated),
 * leaf or root first, into *names: a buffer of *cap entries, grown as needed,
 * that the caller frees.  A sample without locations has the one frame
 * "[unknown]".  Returns the count, -ENOMEM, or -E2BIG past INT32_MAX frames. */
int profile_sample_stack(struct profile *p, const struct profile_sample *s,
			 enum profile_order order, const char ***names, size_t *cap);

/* The string label key of a sample, or NULL. */
const char *profile_sample_label(const struct profile_sample *s, const char *key);

#endif
