/* recorder.h - the online pipeline: raw records in, an aggregated profile out.
 *
 * Batches of raw records (copied out of the rings) are put in time order
 * (ordering.h), because the per-CPU rings are not ordered with each other and a
 * sample must meet the MMAP2/COMM/FORK records that came before it.  Then each
 * record is dispatched: mappings and names to the procmap, a sample's stack to
 * location ids (callstack.h, named by addrname.h, once per distinct address) and
 * the sample, as one struct profile_sample, to the profile (through spanjoin.h
 * when spans are joined), switches and waits to offcpu.h.  Not thread safe. */
#ifndef HWPROF_RECORDER_H
#define HWPROF_RECORDER_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"
#include "profile.h"
#include "perfrec.h"

struct recorder_stats {
	uint64_t samples;          /* samples added to the profile */
	uint64_t lost;             /* samples the kernel dropped (PERF_RECORD_LOST*) */
	uint64_t lost_records;     /* LOST records */
	uint64_t throttled;        /* THROTTLE records */
	uint64_t malformed;        /* records we could not decode */
	uint64_t kernel_frames;    /* frames in kernel space */
	uint64_t kernel_unnamed;   /* distinct kernel addresses kallsyms could not name */
	int kallsyms_hidden;       /* kallsyms unreadable or its addresses hidden */
	uint64_t unknown_frames;   /* user frames outside any known mapping */
	uint64_t dwarf_samples;    /* samples whose user stack was unwound with DWARF CFI */
	uint64_t stack_cut;        /* ... whose stack copy was full (dyn_size == size) */
	uint64_t unwind_partial;   /* ... whose walk stopped before the outermost frame */
	uint64_t unwind_ns;        /* median cost of one DWARF walk, nanoseconds */
	uint64_t unwind_libdw;     /* ... unwound by libdw (callstack.h) */
	uint64_t unwind_compared;  /* ... by both unwinders (CALLSTACK_DWARF_COMPARE) */
	uint64_t unwind_differ;    /* ... with different frames */
	uint64_t leaf_callers;     /* frame-pointer stacks given back a frameless leaf's caller */
	uint64_t leaf_compared;    /* --unwinder compare: leaves both unwinders looked at */
	uint64_t leaf_differ;      /* ... with different callers */
	uint64_t switches;         /* PERF_RECORD_SWITCH records (--off-cpu) */
	uint64_t offcpu_waits;     /* off-CPU intervals added to the profile */
	uint64_t offcpu_unsampled; /* ... of them without the switch-out sample (lost) */
	uint64_t self_samples;     /* samples of hwprof itself, left out (system-wide) */
	uint64_t exited;           /* processes whose state was freed after their exit */
	uint64_t gone_named;       /* addresses in deleted or replaced files, named ... */
	uint64_t gone_unnamed;     /* ... or not (their process had gone too) */
};

/* At most this many labels given to every sample (recorder_opts.labels). */
#define RECORDER_MAX_LABELS 8

struct recorder_opts {
	const struct perfrec_format *fmt;
	const struct event_list *events;
	const char *kallsyms_path;  /* NULL: /proc/kallsyms */
	const char *jit_dir;        /* NULL: /tmp */
	const char *proc_root;      /* NULL: /proc */
	int functions_only;         /* functions by symbol table only (symbolize.h) */
	int dwarf;                  /* unwind user stacks from PERF_SAMPLE_STACK_USER copies
				     * (enum callstack_dwarf: with which unwinder);
				     * otherwise the registers and copy, when sampled, only
				     * recover a frameless leaf's caller (unwind.h) */
	int leaf_unwinder;          /* ... with which unwinder (enum callstack_dwarf, 0: cfi) */
	int offcpu_event;           /* 1 + the index in events of the context-switch event
				     * whose samples are switch-outs: adds off-cpu/nanoseconds
				     * from PERF_RECORD_SWITCH (offcpu.h); 0: none */
	int wall;                   /* with offcpu_event: wall/nanoseconds, event 0's value
				     * (cpu-clock) plus off-cpu */
	int timeline;               /* with offcpu_event: keep a timeline (timeline.h) */
	int process_label;          /* label samples with process (the command name) */
	uint32_t self_pid;          /* not 0: leave out this process's samples (our own) */
	const struct profile_label *labels; /* given to every sample (agent --label), */
	size_t n_labels;            /* at most RECORDER_MAX_LABELS; not copied */
	int attached;               /* processes hwprof did not start (attach, system-wide,
				     * agent): each executable file is opened when it is
				     * mapped, and an exited process's maps and names are
				     * freed once its samples are processed */
};

struct recorder;

/* The profile gets sample types samples/count then one per event. */
int recorder_new(const struct recorder_opts *o, struct recorder **out);
void recorder_free(struct recorder *r);

/* Which event a sample id belongs to (from session_event_of). */
typedef int (*recorder_event_of_fn)(const void *ctx, uint64_t id);
void recorder_set_event_map(struct recorder *r, recorder_event_of_fn fn, const void *ctx);

/* Join the samples to the program's spans (spanjoin.h; not owned, must outlive
 * the recorder): drained with every flush. */
struct spanjoin;
void recorder_set_spans(struct recorder *r, struct spanjoin *spans);

/* Load the kernel's symbol table now rather than at the first kernel frame:
 * called before the program starts, so that reading /proc/kallsyms (a tenth
 * of a second) does not compete with it for a CPU. */
void recorder_preload_kernel(struct recorder *r);

/* Queue one raw record (copied).  Matches ring_record_fn. */
int recorder_queue(const void *buf, size_t len, void *recorder);

/* Sort the queued records by time and process them.  0 or -ENOMEM. */
int recorder_flush(struct recorder *r);

/* The profile built so far (owned by the recorder) and the counters. */
struct profile *recorder_profile(struct recorder *r);
const struct recorder_stats *recorder_stats(const struct recorder *r);

/* The i-th (from 0) JIT map refused or read in part, as one line in buf
 * (jitmap_rejected): 1, or 0 when there is no i-th. */
int recorder_jit_rejected(const struct recorder *r, size_t i, char *buf, size_t len);

/* After the last flush: close the waits of threads still off-CPU at the time of
 * the last record.  0 or -ENOMEM. */
int recorder_finish(struct recorder *r);

/* Hand over the profile built so far (*out, the caller's to free) and start an
 * empty one with the same sample types and period: the agent's next interval.
 * Symbol caches and address spaces carry over, but for the ELF files no
 * sample used in the interval, which are closed.  Samples waiting for their
 * span to end go into the ending profile first.  Not with off-CPU time (its
 * waits hold the old profile's ids).  0 or -ENOMEM (nothing changed). */
int recorder_next_profile(struct recorder *r, struct profile **out);

/* The timeline (opts.timeline), owned by the recorder, or NULL. */
struct timeline *recorder_timeline(struct recorder *r);

#endif
