/* target.h - what `record -p/-t/-a/-C` and `agent` profile when they start
 * nothing themselves: running processes, threads, or every CPU.
 *
 * Lists are parsed here (pure: strings in, arrays out), tasks are read from
 * /proc, and target_open opens a session on them: every thread of every
 * process (the kernel's inherit follows the threads and children created
 * after an event is opened on their creator, not the creator's siblings), then
 * the tasks are read again until no thread is missing, since threads created
 * between the read and the open have no event yet.  Not thread safe. */
#ifndef HWPROF_TARGET_H
#define HWPROF_TARGET_H

#include <stddef.h>
#include <sys/types.h>

#include "session.h"

struct target {
	pid_t *pids;              /* -p: processes (every thread of each) */
	size_t n_pids;
	pid_t *tids;              /* -t: single threads (and what they create) */
	size_t n_tids;
	int system_wide;          /* -a, or -C alone: every process */
	int *cpus;                /* -C: these CPUs only; NULL: every online CPU */
	size_t n_cpus;
	const char *proc_root;    /* NULL: /proc (tests point it elsewhere) */
};

/* "12,34" into a malloc'd array appended to (*ids, *n).  0, -EINVAL for
 * anything but positive decimal numbers separated by commas, -ENOMEM. */
int target_parse_ids(const char *list, pid_t **ids, size_t *n);

/* "0-3,5,7-8" into a malloc'd array (*cpus, *n), in the order written.  0,
 * -EINVAL for a malformed or empty list or a range backwards, -ENOMEM. */
int target_parse_cpus(const char *list, int **cpus, size_t *n);

/* Whether t names anything to attach to or watch. */
int target_given(const struct target *t);

/* The threads of process pid (from PROC/PID/task), sorted, into a malloc'd
 * (*tids, *n).  0, -ESRCH when the process does not exist, -errno, -ENOMEM. */
int target_tasks(const char *proc_root, pid_t pid, pid_t **tids, size_t *n);

/* Whether pid exists: 1, 0 when it has gone (or is a zombie). */
int target_alive(const char *proc_root, pid_t pid);

/* What target_open found. */
struct target_report {
	size_t tasks;             /* threads with events */
	size_t rescans;           /* reads of the task lists after the first */
	size_t late;              /* threads found by those reads (opened then) */
	size_t vanished;          /* threads that exited before their open */
	pid_t missed;             /* a thread that could not be opened, or 0 ... */
	int missed_err;           /* ... and the kernel's -errno */
};

/* Open o's events on t through a session it creates (*out): per CPU for -a/-C,
 * else every thread of t's processes and t's threads, the task lists read
 * again after opening until stable.  0, or the -errno of session_open (with
 * *failed_event, and *out kept for session_refused_attr), -ESRCH when no
 * target exists any more.  The caller frees *out. */
int target_open(const struct target *t, struct session_opts *o, struct session **out,
		size_t *failed_event, struct target_report *rep);

/* Every process under PROC but pid `self`, into a malloc'd sorted array.  0
 * or -errno. */
int target_processes(const char *proc_root, pid_t self, pid_t **pids, size_t *n);

/* Every process but pid `self` whose real uid is uid, into a malloc'd sorted
 * array: what an unprivileged -a can still watch.  0 or -errno. */
int target_own_processes(const char *proc_root, uid_t uid, pid_t self, pid_t **pids, size_t *n);

/* Whether any process of t still runs (always 1 for system-wide). */
int target_any_alive(const struct target *t);

void target_free(struct target *t);

#endif
