/* recorder-int.h - what recorder.c and recorder-offcpu.c share: the
 * recorder's state and the two steps every sample takes into the profile.
 * Private to those two files. */
#ifndef HWPROF_RECORDER_INT_H
#define HWPROF_RECORDER_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "perfrec.h"
#include "profile.h"
#include "recorder.h"

struct recorder {
	struct recorder_opts opts;
	struct profile *prof;
	struct procmap *maps;       /* fed by MMAP2/COMM/FORK, read by names */
	struct addrname *names;
	struct callstack *stacks;
	struct ordering *order;     /* the batch of raw records */
	struct groupread *groups;   /* last member counts, with group sampling */
	struct spanjoin *spans;     /* the program's spans (recorder_set_spans), or NULL */
	struct recorder_stats stats;
	recorder_event_of_fn event_of;
	const void *event_ctx;
	struct offcpu *off;         /* --off-cpu: threads switched out */
	struct timeline *timeline;
	int offcpu_type, wall_type; /* their sample types (0: none) */
	uint64_t last_time;         /* of the last record, to close open waits at */
	/* Threads that exited (opts.attached): in this flush, and in the one
	 * before, whose state is freed after this flush (a sample read late
	 * from another CPU's ring may still come one flush after the exit). */
	pid_t *exits[2];
	size_t n_exits[2], cap_exits[2];
};

/* Labels of a sample: pid, tid, thread, process, state, and the given ones. */
#define LABELS_MAX (5 + RECORDER_MAX_LABELS)

/* x into the profile, through the program's spans when there are any. */
int recorder_add_sample(struct recorder *r, uint32_t tid, uint64_t time,
			const struct profile_sample *x);

/* The labels every sample carries into labels[0..n): pid, tid, thread name,
 * the process's name (opts.process_label), the given ones.  Returns n. */
size_t recorder_thread_labels(struct recorder *r, struct profile_label *labels, uint32_t pid,
			      uint32_t tid);

/* --off-cpu (recorder-offcpu.c).  A sample of event ev: a switch-out keeps
 * its stack until the thread runs again, any other sample shows its thread
 * running and is added as usual.  0 or -errno. */
int recorder_offcpu_sample(struct recorder *r, const struct perfrec_sample *s, int ev,
			   const struct profile_sample *x);

/* A SWITCH or EXIT record.  0 or -errno. */
int recorder_offcpu_record(struct recorder *r, const struct perfrec *rec);

/* Close the intervals of thread tid (every thread: 0) still open at end. */
int recorder_close_intervals(struct recorder *r, uint32_t tid, uint64_t end);

#endif
