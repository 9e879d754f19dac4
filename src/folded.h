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

#endif
