/* timeline.h - per-thread intervals (running, runnable, sleeping, lock, io) and
 * sample times, kept beside a profile: pprof has no place for them.
 *
 * `record --timeline` writes them to a side file in a compact text format, one
 * item per line, times in nanoseconds of the kernel's perf clock:
 *
 *     hwprof-timeline 1
 *     t PID TID NAME            a thread (NAME to the end of the line)
 *     i TID START DUR STATE     an interval; STATE is offcpu_state_name()'s
 *     s TID TIME                an on-CPU sample
 *
 * and `report --timeline` turns them into Chrome trace event JSON (Perfetto UI,
 * chrome://tracing).  Not thread safe. */
#ifndef HWPROF_TIMELINE_H
#define HWPROF_TIMELINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Past this many items, later ones are counted in dropped, not kept: a
 * recording of hours must not grow without bound (some 32 bytes each). */
#define TIMELINE_MAX_ITEMS (8u << 20)

struct timeline_thread {
	uint32_t pid, tid;
	char *name;
};

struct timeline_item {
	uint32_t tid;
	int state;              /* enum offcpu_state, or -1 for a sample */
	uint64_t start, dur;
};

struct timeline {
	size_t n_threads, cap_threads;
	struct timeline_thread *threads;
	size_t n_items, cap_items;
	struct timeline_item *items;
	uint64_t dropped;
};

int timeline_new(struct timeline **out);
void timeline_free(struct timeline *t);

/* Add or rename a thread.  0 or -ENOMEM. */
int timeline_thread(struct timeline *t, uint32_t pid, uint32_t tid, const char *name);

/* An interval (state: enum offcpu_state) or a sample (state -1, dur 0).  0 or
 * -ENOMEM; past TIMELINE_MAX_ITEMS, 0 and dropped counts it. */
int timeline_add(struct timeline *t, uint32_t tid, int state, uint64_t start, uint64_t dur);

/* The compact format above.  0 or -EIO. */
int timeline_write(const struct timeline *t, FILE *out);

/* Parse the compact format from buf[0..len).  0, -EINVAL (not a timeline; a
 * malformed line) or -ENOMEM. */
int timeline_parse(const char *buf, size_t len, struct timeline **out);

/* timeline_parse of the file at path.  0, -errno of reading it, or as above. */
int timeline_read_file(const char *path, struct timeline **out);

/* Chrome trace event JSON: per thread a thread_name metadata event, one "X"
 * (complete) event per interval named by its state, one "i" (instant, thread
 * scope) event per sample; ts and dur in microseconds from the first item.
 * 0 or -EIO. */
int timeline_write_chrome(const struct timeline *t, FILE *out);

#endif
