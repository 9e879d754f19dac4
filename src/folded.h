/* folded.h - collapsed stacks ("root;caller;leaf VALUE" per line), the input of
 * flamegraph.pl, speedscope and Pyroscope. */
#ifndef HWPROF_FOLDED_H
#define HWPROF_FOLDED_H

#include <stdio.h>
#include "profile.h"

/* Write one line per distinct stack (stacks that differ only in labels are
 * summed), sorted by stack, skipping zero values of sample type `type`.
 * Returns 0 or -errno. */
int folded_write(struct profile *p, size_t type, FILE *out);

/* The frame names of s, leaf first, inlined frames expanded (as in
 * profile_sample_frames, but never truncated), into *names, a buffer of *cap
 * entries that is grown as needed and that the caller frees.  A sample without
 * locations gets the single frame "[unknown]".  Returns the count, or
 * -ENOMEM (-E2BIG past INT32_MAX frames). */
int folded_frames(struct profile *p, const struct profile_sample *s,
		  const char ***names, size_t *cap);

#endif
