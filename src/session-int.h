/* session-int.h - what session.c and session-open.c share: the session itself.
 *
 * Not for other modules: they hold a struct session through session.h only. */
#ifndef HWPROF_SESSION_INT_H
#define HWPROF_SESSION_INT_H

#include <poll.h>
#include "perthread.h"
#include "session.h"

struct session_fd {
	int fd;
	uint64_t id;
	int event;
};

struct session {
	pid_t pid;
	int go_fd;               /* writing here lets the child exec */
	int err_fd;              /* the child writes errno here when exec fails */
	int started, reaped;
	struct perfrec_format fmt;
	int build_ids;
	size_t n_cpus;
	int *cpus;
	size_t n_fds;
	struct session_fd *fds;
	struct ring **rings;     /* one per CPU */
	struct pollfd *pfds;
	struct perf_event_attr tried; /* the last attr given to perf_event_open */
	int per_thread;          /* the events are opened per thread (perthread.h) */
	struct perthread *pt;
	size_t n_pfds;           /* pfds in use when not n_cpus (the watchers too) */
	int own_group;           /* the child leads a process group of its own */
	int tty;                 /* our controlling terminal (descriptor 0..2), -1: none */
	int tty_given;           /* the child's group was given the terminal */
	int stop_sig;            /* what stopped the child (job control), 0: running */
	int64_t last_int;        /* when SIGINT was last forwarded (monotonic ns) */
	/* Attached (session_attach): no child; events on these tasks, or on
	 * every task of each CPU when the one task is -1. */
	int attached;
	pid_t *tasks;
	size_t n_tasks, cap_fds;
	const struct session_opts *opened;   /* as session_open left them */
};

/* Close every event fd, ring and per-thread watcher session_open opened;
 * the arrays stay (session_free frees them).  Accepts a session never opened. */
void session_close_events(struct session *s);

#endif
