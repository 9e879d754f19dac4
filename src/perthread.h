/* perthread.h - a command's events opened thread by thread, for kernels that
 * will not inherit them.
 *
 * A group samples on its leader and reads its members with every sample
 * (PERF_SAMPLE_READ).  Kernels before 6.12 ("perf: Support PERF_SAMPLE_READ
 * with inherit", 7e8b255650fc) refuse that on inherited events, so one open
 * on the command cannot follow it into the threads and processes it creates.
 * Here the events are opened on each thread instead, without inherit: on the
 * command before its exec (counting from the exec on, like the inherited
 * ones), and on every thread it creates as soon as that thread's
 * PERF_RECORD_FORK arrives; a thread's events are closed at its
 * PERF_RECORD_EXIT.  The FORK and EXIT records come from a watcher per CPU:
 * an inherited dummy event with its own small ring that wakes its reader at
 * every record, so a new thread goes unsampled only until the reader sees it.
 * The reader is a thread of its own (perthread_start), so that a busy caller
 * (naming a burst of new stacks) does not delay it; it queues the records for
 * perthread_read.  Each event writes its samples into the ring of its CPU
 * (ring_fd: the session's).  One caller thread; the watcher thread shares the
 * bookkeeping under a lock. */
#ifndef HWPROF_PERTHREAD_H
#define HWPROF_PERTHREAD_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/perf_event.h>

#include "ring.h"

struct perthread_spec {
	const struct perf_event_attr *attrs; /* n events as they sample (inherit and
					      * side-band bits are cleared here) */
	const int *leader;          /* [n]: the index of each event's group leader */
	size_t n;
	const int *cpus;            /* [n_cpus]: the CPUs to open each event on */
	size_t n_cpus;
	const int *ring_fd;         /* [n_cpus]: SET_OUTPUT target on each CPU */
};

struct perthread_stats {
	uint64_t threads;           /* threads whose events were opened */
	uint64_t failed;            /* threads that could not be given them */
	int last_err;               /* -errno of the last failure (0: none) */
};

struct perthread;

/* Copies spec (not ring_fd's fds, which must stay open).  0 or -ENOMEM. */
int perthread_new(const struct perthread_spec *spec, struct perthread **out);
void perthread_free(struct perthread *p);

/* The watchers: on each CPU an inherited dummy event on pid asking for task
 * records only, built from tmpl (clock, sample_id_all, sample_type: those of
 * the other records), with a ring of its own.  0 or the kernel's -errno. */
int perthread_watch(struct perthread *p, pid_t pid, const struct perf_event_attr *tmpl);

/* Open the events on thread tid, on every CPU (before perthread_start; later
 * the watchers open them).  on_exec: the leaders stay disabled until tid's
 * exec (the command, stopped before it); otherwise they count at once.  0, or
 * the kernel's -errno with the index of the event it refused in *failed and
 * the attr tried in *tried (either may be NULL). */
int perthread_open(struct perthread *p, pid_t tid, int on_exec, size_t *failed,
		   struct perf_event_attr *tried);

/* Start the thread that reads the watchers, opening the events of each thread
 * a FORK record announces and closing those of each thread an EXIT record
 * ends.  0, or -errno (then perthread_read does it, when called). */
int perthread_start(struct perthread *p);

/* Deliver the watchers' records to fn (as ring_read does): those the watcher
 * thread queued, or, without it, read now (opening and closing as it would).
 * 0 or the first negative return of fn. */
int perthread_read(struct perthread *p, ring_record_fn fn, void *ctx);

/* The fds to poll(2) for perthread_read into pfds[0..cap): the watchers',
 * none while the watcher thread reads them.  How many were written. */
size_t perthread_pollfds(const struct perthread *p, struct pollfd *pfds, size_t cap);

/* Which event (index in spec) a sample id belongs to, or -1. */
int perthread_event_of(struct perthread *p, uint64_t id);

/* The counts so far into *out. */
void perthread_stats(struct perthread *p, struct perthread_stats *out);

#endif
