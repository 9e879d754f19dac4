/* flamegraph.h - an interactive SVG flame graph (root at the bottom, width =
 * share of sample type `type`; hover for name and share, click to zoom).
 *
 * Three steps, each with its own data: flamegraph_build merges a profile's
 * stacks into a tree of frames, flamegraph_layout gives every node its place
 * and colour, flamegraph_emit writes the SVG.  flamegraph_write_svg runs all
 * three.  Another kind of graph (frames sized by one profile and coloured by
 * their change against another) builds and lays out the same way, then sets
 * the nodes' colours and passes its own tooltips to flamegraph_emit. */
#ifndef HWPROF_FLAMEGRAPH_H
#define HWPROF_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hindex.h"
#include "profile.h"

/* One frame: a distinct path from the root. */
struct flamegraph_node {
	const char *name;
	uint32_t parent;        /* index of the parent node (the root's is 0) */
	uint32_t depth;         /* 0 for the root */
	int64_t value;          /* sum over the stacks through this path */
	/* Set by flamegraph_layout: */
	double x, width;        /* left edge and width in px */
	uint32_t rgb;           /* fill, 0xRRGGBB */
	bool drawn;             /* wide enough to see and click */
};

struct flamegraph {
	struct flamegraph_node *nodes;  /* nodes[0] is the root, "all" */
	size_t n;
	struct profile_value_type type; /* what the values measure */
	int64_t total;                  /* nodes[0].value */
	/* Set by flamegraph_layout: */
	uint32_t *order;        /* every node once, parents before children */
	int max_depth;          /* of the drawn nodes */
	/* private: */
	size_t cap;
	struct hindex ix;       /* by (parent, name); entries are 1 + node index */
};

/* An empty graph (its root "all") of values measured as *type (whose strings
 * must outlive it).  Fills *out.  0 or -ENOMEM. */
int flamegraph_new(const struct profile_value_type *type, struct flamegraph **out);

/* Add value (ignored unless positive) along a stack of n frame names, root
 * first; the names are not copied and must outlive g ("" is "[unknown]").
 * 0, -E2BIG or -ENOMEM. */
int flamegraph_add(struct flamegraph *g, const char **names, size_t n, int64_t value);

/* The node that is parent's child named name: its index, or -1. */
int64_t flamegraph_find(const struct flamegraph *g, uint32_t parent, const char *name);

/* Merge the stacks of p with a positive value of sample type `type` into a
 * tree (widths cannot be negative: a diff profile's losses have no place in
 * it).  Fills *out; names point into p, so free the graph before p.
 * Returns 0, -EINVAL for a bad type or -ENOMEM. */
int flamegraph_build(struct profile *p, size_t type, struct flamegraph **out);
void flamegraph_free(struct flamegraph *g);

/* Place every node: children side by side from their parent's left edge,
 * ordered by name, widths proportional to the value across the image; drawn
 * when at least 0.1% of the total; a warm colour stable per name (so that a
 * function keeps its colour across graphs).  Sets g->order and g->max_depth.
 * Returns 0 or -ENOMEM. */
int flamegraph_layout(struct flamegraph *g);

/* What flamegraph_emit says besides the frames' names.  A hook writes XML
 * character data (flamegraph_put_text escapes a string); a NULL hook (or
 * NULL words) gives the default. */
struct flamegraph_words {
	const char *title;      /* NULL: "Flame Graph" */
	/* The line under the title.  Default: the total and the sample type. */
	void (*subtitle)(FILE *out, const struct flamegraph *g, const void *ctx);
	/* Inside the parentheses after a frame's name in its tooltip.  Default:
	 * its value and its share of the total. */
	void (*detail)(FILE *out, const struct flamegraph *g, const struct flamegraph_node *nd,
		       const void *ctx);
	const void *ctx;        /* passed to the hooks */
};

/* Write a laid-out g as a self-contained SVG (with a small script: click a
 * frame to zoom, "Reset Zoom", "Search" or Ctrl-F to highlight frames matching
 * a regular expression), its drawn nodes only.  Returns 0 or -EIO. */
int flamegraph_emit(const struct flamegraph *g, const struct flamegraph_words *words, FILE *out);

/* One graph of an image of several, one below the other: its own tooltips
 * (the first section's title and subtitle head the image) and a heading
 * line above it (sections after the first).  Each zooms on its own; Search
 * highlights in all and measures the first. */
struct flamegraph_section {
	const struct flamegraph *g;     /* laid out */
	const struct flamegraph_words *words;   /* NULL: the defaults */
	const char *heading;
};

/* flamegraph_emit for n >= 1 laid-out graphs in one SVG.  0, -EINVAL (no
 * section) or -EIO. */
int flamegraph_emit_sections(const struct flamegraph_section *s, size_t n, FILE *out);

/* Write s as XML character data: markup escaped, control characters as
 * spaces, invalid UTF-8 as '?'. */
void flamegraph_put_text(FILE *out, const char *s);

/* Build, lay out and emit the graph of sample type `type` with the default
 * words; title may be NULL.  Returns 0, -EINVAL for a bad type, -ENOMEM or
 * -EIO. */
int flamegraph_write_svg(struct profile *p, size_t type, const char *title, FILE *out);

#endif
