/* diffsvg.h - the differential flame graph of BASE and NEW (diff.h's two
 * sides): frames sized by NEW, red where they grew, blue where they shrank
 * (deeper for larger changes, relative to BASE), green where BASE had no such
 * frame, grey where the change is within the sampling noise; below it, the
 * stacks that vanished (BASE's stacks without samples in NEW), sized by
 * BASE.  Tooltips give both values, the delta and delta%.  Zoom and search
 * as in every flame graph (flamegraph.h). */
#ifndef HWPROF_DIFFSVG_H
#define HWPROF_DIFFSVG_H

#include <stdio.h>

#include "diff.h"

/* Write the graph of d (two sides, tallied with stacks) as v shows it;
 * title NULL: "Differential flame graph".  0, -EINVAL, -ENOMEM or -EIO. */
int diffsvg_write(const struct diff *d, const struct diff_view *v, const char *title, FILE *out);

#endif
