/* text.h - the top-N table: per function, flat (self) and cumulative values of
 * sample type `type`, with their shares of the total, sorted by flat; where
 * the values are counts of samples (stats_count_type), each function's
 * samples and the 95% interval on its flat share. */
#ifndef HWPROF_TEXT_H
#define HWPROF_TEXT_H

#include <stdio.h>
#include "profile.h"

/* Print a header line and the n functions with the largest flat value (all of
 * them when n is 0).  flat counts samples where the function is the leaf
 * (innermost inlined frame); cum those where it is anywhere in the stack, once
 * per sample even under recursion.  With sample counts: a samples column
 * (marked '*' under 30: low confidence) and +-95% (the larger side of the
 * Wilson interval on flat%, in points), then notes: what the marks mean and
 * how many samples, and how long a run at this rate, would give +-1 point on
 * the widest interval shown.  Returns 0, -EINVAL for a bad type, -ENOMEM or
 * -EIO. */
int text_top(struct profile *p, size_t type, size_t n, FILE *out);

/* Write name and a newline as the last column of a table: control
 * characters as spaces (they would break the table), "" as "[unknown]". */
void text_put_name(const char *name, FILE *out);

#endif
