/* gate.h - the CI gate: several runs on each side, a verdict that fails only
 * beyond run-to-run noise.
 *
 * For profiles, each function's self share of its run's total, per run; for
 * counters (hwprof stat -r N --json), each event's value per run.  A row
 * fails when the two sides differ by the Mann-Whitney U test (p < alpha) and
 * the median grew by more than max_growth; a function must also hold at
 * least min_share of a total, and be in the top N by median share on one
 * side (a function that enters the top N or a top-N function that grows). */
#ifndef HWPROF_GATE_H
#define HWPROF_GATE_H

#include <stddef.h>
#include <stdio.h>

#include "diff.h"
#include "stats.h"

struct gate_opts {
	double alpha;           /* significance level (0.05) */
	double max_growth;      /* relative growth allowed (0.15: 15%) */
	double min_share;       /* functions under this share on both sides are ignored (0.005) */
	size_t top;             /* the top N by self share (5) */
	int total;              /* also gate each run's total */
};

/* The defaults above. */
void gate_opts_init(struct gate_opts *o);

struct gate_row {
	const char *name;       /* a function, "total" or an event */
	double base, new;       /* medians: a share (0..1) for functions, else a value */
	double growth;          /* (new - base) / base; INFINITY when only new has it */
	struct stats_mwu test;  /* BASE's runs against NEW's */
	size_t rank_base, rank_new; /* by median self share, 1 = largest; 0 for other rows */
	int fail;
	char why[96];           /* the verdict's reason, in words */
};

struct gate_result {
	struct gate_row *rows;  /* failures first, then by the size of the change */
	size_t n, failures;
	size_t n_base, n_new;   /* runs per side */
	int shares;             /* rows are functions' shares (plus the total) */
	struct gate_opts opts;
	const char *what;       /* what a row measures: "cpu" */
	const char *unit;       /* of the values (not the shares) */
	size_t cap;             /* private: rows allocated */
};

/* Judge the functions of d: sides 0 .. n_base - 1 are BASE's runs, the rest
 * NEW's (each side one profile tallied on the same type), and each run's
 * total when o->total.  what and unit name the type (kept by pointer).
 * Fills *out.  0, -EINVAL (fewer than two runs a side) or -ENOMEM. */
int gate_profiles(const struct diff *d, size_t n_base, const struct gate_opts *o, const char *what,
		  const char *unit, struct gate_result **out);

/* An empty result for counters (unit: ""), to which gate_add_series adds
 * one row per event.  0 or -ENOMEM. */
int gate_counters(size_t n_base, size_t n_new, const struct gate_opts *o, struct gate_result **out);

/* Judge one series: BASE's values b[0..nb) against NEW's n[0..nn) (name is
 * copied).  0, -EINVAL (fewer than two values a side) or -ENOMEM. */
int gate_add_series(struct gate_result *r, const char *name, const double *b, size_t nb,
		    const double *n, size_t nn);

struct json;

/* Rows for the events counted in both `hwprof stat -r N --json` documents
 * (base and new, parsed): each event's values per run.  Events that only
 * one counted, or counted in fewer than 2 runs, are named in notes (cap
 * bytes, one line each).  Returns the rows added, -EINVAL when a document
 * is not stat's JSON, or -ENOMEM. */
int gate_add_stat(struct gate_result *r, const struct json *base, const struct json *new,
		  char *notes, size_t cap);

/* Put the rows in report order (failures first, then by the size of the
 * change) and count the failures. */
void gate_finish(struct gate_result *r);

void gate_result_free(struct gate_result *r);

/* The reports.  Each returns 0 or -EIO (-ENOMEM where noted). */

/* The table for a terminal: a verdict line, then every row. */
int gate_write_table(const struct gate_result *r, FILE *out);

/* A PR comment: the verdict and the `rows` most changed rows (failures
 * first) with base and new, change, p-value and verdict. */
int gate_write_markdown(const struct gate_result *r, size_t rows, FILE *out);

/* JUnit XML: one test case per gated row, failed ones with the reason. */
int gate_write_junit(const struct gate_result *r, FILE *out);

/* JSON: the options, the verdict and every row. */
int gate_write_json(const struct gate_result *r, FILE *out);

#endif
