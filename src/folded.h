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

/* Append frame name to dst at *len as a folded line holds it: ';' as ':',
 * line breaks as spaces, "" as "[unknown]" (at most strlen(name) or 9
 * bytes). */
void folded_put_name(const char *name, char *dst, size_t *len);

#endif
