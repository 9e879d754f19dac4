/* text.h - the top-N table: per function, flat (self) and cumulative values of
 * sample type `type`, with their shares of the total, sorted by flat. */
#ifndef HWPROF_TEXT_H
#define HWPROF_TEXT_H

#include <stdio.h>
#include "profile.h"

/* Print a header line and the n functions with the largest flat value (all of
 * them when n is 0).  flat counts samples where the function is the leaf
 * (innermost inlined frame); cum those where it is anywhere in the stack, once
 * per sample even under recursion.  Returns 0, -EINVAL for a bad type, -ENOMEM
 * or -EIO. */
int text_top(struct profile *p, size_t type, size_t n, FILE *out);

/* Write name and a newline as the last column of a table: control
 * characters as spaces (they would break the table), "" as "[unknown]". */
void text_put_name(const char *name, FILE *out);

#endif
