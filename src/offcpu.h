/* offcpu.h - off-CPU time: from a thread's switch-out to its next switch-in.
 *
 * The recorder feeds, in time order, the sample taken when a thread is switched
 * out (PERF_COUNT_SW_CONTEXT_SWITCHES, period 1: its stack), the kernel's
 * PERF_RECORD_SWITCH records (out, with the PREEMPT bit, and in) and every other
 * sign that a thread runs (an on-CPU sample).  Each call may close an interval of
 * the thread: a wait (switch-out to switch-in, on the stack at switch-out) or a
 * run (switch-in to switch-out, for the timeline).  Not thread safe.
 *
 * How the state of a wait is derived, first match wins:
 *   the SWITCH_OUT record has PERF_RECORD_MISC_SWITCH_OUT_PREEMPT (the task was
 *     still runnable, preempted)                               -> runnable
 *   a kernel frame at switch-out is futex_wait* / futex_q* / __futex*  -> lock
 *   a kernel frame is io_schedule*, folio_wait*, wait_on_page*, blk_*, bio_*,
 *     submit_bio*, ext4_*, xfs_*, btrfs_*, jbd2*, nfs_*, filemap_* -> io
 *   anything else (pipes, sockets, poll, nanosleep, ...)       -> sleeping */
#ifndef HWPROF_OFFCPU_H
#define HWPROF_OFFCPU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

enum offcpu_state {
	OFFCPU_RUNNING,         /* an on-CPU interval (timeline only) */
	OFFCPU_RUNNABLE,
	OFFCPU_SLEEPING,
	OFFCPU_LOCK,
	OFFCPU_IO,
	OFFCPU_N_STATES
};

/* "running", "runnable", "sleeping", "lock", "io"; NULL out of range. */
const char *offcpu_state_name(enum offcpu_state s);

/* The state for a switch-out whose kernel frames are fns[0..n) (any order):
 * OFFCPU_LOCK, OFFCPU_IO or OFFCPU_SLEEPING (never RUNNABLE: the record says that). */
enum offcpu_state offcpu_classify(const char *const *fns, size_t n);

/* One closed interval of a thread.  locs (the stack at switch-out, leaf first,
 * profile location ids) points into the offcpu object, for reading, and stays
 * valid until the next call on it; n_locs is 0 for runs and for waits whose
 * sample was lost. */
struct offcpu_interval {
	uint32_t pid, tid;
	uint64_t start, end;
	enum offcpu_state state;
	uint64_t *locs;
	size_t n_locs;
};

/* Which thread a switch or a sample is about, and when (perf clock, ns). */
struct offcpu_at {
	uint32_t pid, tid;
	uint64_t time;
};

/* offcpu_switch's flags, from the PERF_RECORD_SWITCH record's misc bits. */
enum {
	OFFCPU_SWITCH_IN = 0,
	OFFCPU_SWITCH_OUT = 1 << 0,      /* PERF_RECORD_MISC_SWITCH_OUT */
	OFFCPU_SWITCH_PREEMPT = 1 << 1,  /* ... _OUT_PREEMPT: the task was still runnable */
};

struct offcpu;

int offcpu_new(struct offcpu **out);
void offcpu_free(struct offcpu *o);

/* The state the kernel frames at the leaf end of stack s suggest (s's locations
 * in p; kernel ones are those in mapping kernel_mapping, 0: none): a lock wait
 * anywhere wins, then I/O, else sleeping (offcpu_classify over them all).
 * Cached by location id in o, so p must be the same profile each call. */
enum offcpu_state offcpu_stack_state(struct offcpu *o, const struct profile *p,
				     uint64_t kernel_mapping, const struct profile_sample *s);

/* The switch-out sample s of thread at->tid at at->time: its stack (s's
 * locations, copied; its labels and values are not kept) and the state its
 * kernel frames suggest.  Returns 1 and fills *iv when this closed an interval
 * (the run before it, or a wait whose switch-in came first), 0 if not, -ENOMEM. */
int offcpu_out_sample(struct offcpu *o, const struct offcpu_at *at, const struct profile_sample *s,
		      enum offcpu_state state, struct offcpu_interval *iv);

/* A PERF_RECORD_SWITCH of at->tid at at->time; flags: OFFCPU_SWITCH_*.
 * Returns like offcpu_out_sample. */
int offcpu_switch(struct offcpu *o, const struct offcpu_at *at, unsigned flags,
		  struct offcpu_interval *iv);

/* tid is seen running at time (an on-CPU sample): closes a wait whose switch-in
 * record was lost.  Returns like offcpu_out_sample. */
int offcpu_running(struct offcpu *o, uint32_t tid, uint64_t time, struct offcpu_interval *iv);

/* Close what is still open at time end (thread exit, end of the recording):
 * one interval per call, of tid, or of any thread when tid is 0.  Returns 1 while
 * it closes something, then 0 (and forgets tid's state, or every thread's). */
int offcpu_close(struct offcpu *o, uint32_t tid, uint64_t end, struct offcpu_interval *iv);

/* Writers over a recorded profile (its "off-cpu" type and tid/thread/state labels).
 * offcpu_threads_write: per thread, CPU time (sample type cpu_type), off-CPU time
 * by state and the CPU/wall ratio.  offcpu_locks_write: waits in state lock by the
 * lock function and the user frame that called it, largest first, at most rows
 * (0: all).  0, -EINVAL (no off-cpu type), -ENOMEM or -EIO (write error). */
int offcpu_threads_write(struct profile *p, int cpu_type, FILE *out);
int offcpu_locks_write(struct profile *p, size_t rows, FILE *out);

#endif
