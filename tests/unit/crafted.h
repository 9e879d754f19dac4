/* crafted.h - a small hand-built profile for the tests of what the writers and
 * `hwprof report` make of hostile values (test-outputs.c, and the profiles
 * tests/workloads/craftprof writes): functions main, a and b, the stacks
 * main;a and main;b, one sample type "events" (count). */
#ifndef HWPROF_CRAFTED_H
#define HWPROF_CRAFTED_H

#include <stdint.h>

#include "profile.h"

/* The profile, with its two stacks (leaf first) in a and b.  NULL on failure. */
static inline struct profile *crafted_new(uint64_t a[2], uint64_t b[2])
{
	struct profile_line lm = { 0 }, la = { 0 }, lb = { 0 };
	struct profile *p = NULL;

	if (profile_new(&p) || profile_add_type(p, "events", "count") < 0) {
		profile_free(p);
		return NULL;
	}
	lm.function_id = profile_function(p, "main", "main", "", 0);
	la.function_id = profile_function(p, "a", "a", "", 0);
	lb.function_id = profile_function(p, "b", "b", "", 0);
	a[1] = b[1] = profile_location(p, 0, 0x10, &lm, 1);
	a[0] = profile_location(p, 0, 0x20, &la, 1);
	b[0] = profile_location(p, 0, 0x30, &lb, 1);
	return p;
}

/* A sample of value v on stack, labelled key=value.  0 or -ENOMEM. */
static inline int crafted_add(struct profile *p, uint64_t *stack, const char *key, const char *value,
			      int64_t v)
{
	struct profile_label l = { .key = key, .str = value };

	return profile_add_sample(p, &(struct profile_sample){ .n_locations = 2,
		.location_ids = stack, .n_labels = 1, .labels = &l, .values = &v });
}

#endif
