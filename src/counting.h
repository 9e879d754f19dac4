/* counting.h - counting mode: open an event list on a command that has not
 * exec'd yet (inherit, enable_on_exec), read the totals after it exits, scale
 * what was multiplexed, and derive metrics (IPC, miss ratios, CPUs utilized). */
#ifndef HWPROF_COUNTING_H
#define HWPROF_COUNTING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "events.h"

struct counting_reading {
	uint64_t value;
	uint64_t enabled;   /* ns the event was enabled (PERF_FORMAT_TOTAL_TIME_ENABLED) */
	uint64_t running;   /* ns it was really on a counter (..._RUNNING) */
};

/* The count scaled to the whole enabled time, and the percentage of that time it
 * was counted.  0, or -ENODATA when it never ran (nothing to scale). */
int counting_scale(const struct counting_reading *r, double *scaled, double *pct);

struct counting;

/* Open every event of l (groups kept) on pid, disabled until pid execs, inherited
 * by its threads and children.  An event the machine refuses is left out (see
 * counting_error), as is the rest of its group when it leads one; kernel counting
 * that is not allowed falls back to user space only (counting_user_only).
 * 0, or -errno for what concerns all events (-ENOMEM). */
int counting_open(const struct event_list *l, pid_t pid, struct counting **out);

/* 0 when event i is counting, else the -errno perf_event_open gave (worded by
 * events_strerror). */
int counting_error(const struct counting *c, size_t i);

/* Whether event i counts user space only because the kernel was not allowed. */
int counting_user_only(const struct counting *c, size_t i);

/* Read event i (after the command exited: its children's counts are folded in). */
int counting_read(const struct counting *c, size_t i, struct counting_reading *out);

void counting_free(struct counting *c);

/* Try attr on the calling process, counting only.  0 or the kernel's -errno. */
int counting_probe(const struct perf_event_attr *attr);

/* A metric derived from counts, shown beside the event it belongs to. */
struct counting_metric {
	size_t event;       /* index of the event it is printed with */
	double value;
	char unit[32];      /* "CPUs utilized", "insn per cycle", "% of all branches", "/sec" */
};

/* Metrics for the values v[i] of l's events (valid[i]: counted), with the wall
 * time in ns.  Fills up to cap metrics; returns how many. */
size_t counting_metrics(const struct event_list *l, const double *v, const int *valid, double wall_ns,
			struct counting_metric *out, size_t cap);

#endif
