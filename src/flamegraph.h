/* flamegraph.h - an interactive SVG flame graph (root at the bottom, width =
 * share of sample type `type`; hover for name and share, click to zoom). */
#ifndef HWPROF_FLAMEGRAPH_H
#define HWPROF_FLAMEGRAPH_H

#include <stdio.h>
#include "profile.h"

/* Write a self-contained SVG (with a small script: click a frame to zoom, "Reset
 * Zoom", "Search" or Ctrl-F to highlight frames matching a regular expression).
 * Only positive values count; frames under 0.1% of the total are left out.
 * title may be NULL ("Flame Graph").  Returns 0, -EINVAL for a bad type,
 * -ENOMEM or -EIO. */
int flamegraph_write_svg(struct profile *p, size_t type, const char *title, FILE *out);

#endif
