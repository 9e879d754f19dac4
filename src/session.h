/* session.h - the profiled command and its perf_event file descriptors.
 *
 * The command is forked stopped before exec, the events are opened on it for every
 * CPU (inherit, enable_on_exec: nothing of hwprof's own start-up is counted), then
 * it is let go.  One ring buffer per CPU; the other events of that CPU write into it. */
#ifndef HWPROF_SESSION_H
#define HWPROF_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "events.h"
#include "perfrec.h"
#include "ring.h"

/* A fallback session_open took, for the caller to say: what it was, the event
 * the kernel refused (as it was before the fallback), the kernel's -errno. */
typedef void (*session_fallback_fn)(void *ctx, enum events_fallback what, const struct event *e,
				    int err);

struct session_opts {
	struct event_list *events;
	uint64_t freq;            /* samples per second, or 0 ... */
	uint64_t period;          /* ... a fixed period */
	int callchain;            /* PERF_SAMPLE_CALLCHAIN (frame pointers) */
	int exclude_callchain_user; /* ... kernel frames only (user stacks come from copies) */
	uint64_t regs_user;       /* PERF_SAMPLE_REGS_USER mask, with ... */
	uint32_t stack_user;      /* ... PERF_SAMPLE_STACK_USER bytes (0: neither) */
	int exclude_kernel;       /* user space only */
	int context_switch;       /* PERF_RECORD_SWITCH records (on the first event) */
	size_t ring_pages;        /* data pages per CPU ring, a power of two */
	session_fallback_fn on_fallback; /* told of each fallback session_open takes (or NULL) */
	void *fallback_ctx;
};

/* Data pages per CPU ring unless more are needed: 1 MiB of 4 KiB pages. */
#define SESSION_RING_PAGES 256

/* Data pages per CPU ring for o (its other fields set): asked (-m) when not 0,
 * else SESSION_RING_PAGES, more where samples are large (DWARF stack copies) or
 * many (off-CPU: a sample and two records per context switch). */
size_t session_ring_pages(const struct session_opts *o, size_t asked);

/* Off-CPU time (record --off-cpu): switch-outs are sampled by their own software
 * event, context-switches with period 1, added to o->events, and the first event
 * asks for PERF_RECORD_SWITCH records (o->context_switch): the two together time
 * each wait (offcpu.h).  0, or -errno. */
int session_add_offcpu(struct session_opts *o);

/* recorder_opts.offcpu_event: 1 + the index of the switch event in o->events, or 0
 * when there is none (not asked, or dropped by session_open). */
int session_offcpu_event(const struct session_opts *o);

struct session;

/* Fork argv stopped before exec.  Fills *out.  0 or -errno.  Should hwprof
 * die (even by SIGKILL), the child gets SIGTERM (PR_SET_PDEATHSIG; cleared
 * when it execs a set-user-ID program). */
int session_spawn(char *const argv[], struct session **out);

/* Before session_start: the child in a process group of its own, so that
 * session_signal reaches every process it starts.  The group begins in the
 * background of hwprof's terminal (hwprof keeps receiving the keyboard's
 * signals); session_wait hands the terminal to it when it reads (or writes)
 * it, as a shell's fg would.  0, -EBUSY once started, or -errno. */
int session_own_group(struct session *s);

/* Send sig to the child's process group (session_own_group) and to the child,
 * should it have left it; else to the child.  0, -ESRCH once reaped, -errno. */
int session_signal(struct session *s, int sig);

/* Forward sig, which hwprof received, with session_signal.  A second SIGINT
 * within 2 s of the one before (or `again`: two arrived at once) means the
 * program did not stop at the first: SIGKILL instead.  0 or -errno. */
int session_forward(struct session *s, int sig, int again);

/* session_wait's answer when the child of session_own_group stopped for job
 * control (Ctrl-Z forwarded, SIGSTOP, or reading a terminal that hwprof does
 * not hold either): the caller stops too, with session_stop_with. */
#define SESSION_STOPPED 2

/* Stop hwprof itself (SIGSTOP), so that the shell, which sees only hwprof,
 * shows the job stopped; once continued, session_resume.  Returns 0. */
int session_stop_with(struct session *s);

/* Take the terminal back from the child's group (before hwprof stops). */
void session_suspend(struct session *s);

/* After a stop: the terminal to the child's group again, if it had it (or
 * stopped wanting it) and it is hwprof's to give, and SIGCONT.  0 or -errno. */
int session_resume(struct session *s);
/* No child: events on running tasks (threads tids[0..n_tids), each followed
 * into the threads and processes it creates), or, when n_tids is 0, on every
 * task of each CPU (system-wide).  On cpus[0..n_cpus), or every online CPU
 * when cpus is NULL.  Fills *out; session_open then opens the events, which
 * count at once.  0 or -errno. */
int session_attach(const int *cpus, size_t n_cpus, const pid_t *tids, size_t n_tids,
		   struct session **out);

/* After session_open of an attached session: the events for one more thread
 * (one created before its creator's events were open).  0, -ESRCH when it has
 * exited, or the kernel's -errno (nothing of it stays open). */
int session_add_task(struct session *s, pid_t tid);

/* Open every event on every online CPU for the child, map the rings.  Where the
 * machine or the kernel says no, fall back, update o and tell o->on_fallback: a
 * cycles event without a CPU PMU samples cpu-clock; kernel mode not allowed: user
 * space only (o->exclude_kernel); no context-switch records: on-CPU only (the
 * switch event dropped); user stack copies refused for fp stacks: no leaf callers
 * (o->stack_user 0, not told); PERF_SAMPLE_READ refused on inherited events
 * (groups, before Linux 6.12): the events opened per thread (perthread.h).  On failure nothing stays open, *failed_event is
 * the index of the event refused, and the kernel's -errno is returned (words:
 * events_strerror, with session_refused_attr). */
int session_open(struct session *s, struct session_opts *o, size_t *failed_event);

/* The attr of the last perf_event_open session_open tried: after a failure, the
 * one the kernel refused (events_why.attr). */
const struct perf_event_attr *session_refused_attr(const struct session *s);

/* When the kernel refuses PERF_SAMPLE_READ on inherited events (before 6.12)
 * and o has groups, session_open opens the events per thread (perthread.h,
 * told as EVENTS_PER_THREAD): how that went into *out, and 1; 0 when it did
 * not. */
struct perthread_stats;
int session_perthread_stats(const struct session *s, struct perthread_stats *out);

/* Let the child exec.  Returns 0, or the -errno of a failed exec (the child then
 * exited with 127 and has been reaped). */
int session_start(struct session *s);

/* Wait until a ring has data or timeout_ms passes (or a signal arrives). */
int session_poll(struct session *s, int timeout_ms);

/* Deliver every record now in every ring to fn.  Returns 0 or a negative value. */
int session_read(struct session *s, ring_record_fn fn, void *ctx);

/* The decoding format of the records. */
const struct perfrec_format *session_format(const struct session *s);

/* Which event (index into opts->events) a sample id belongs to, or -1. */
int session_event_of(const struct session *s, uint64_t id);

/* The child's pid (0 for an attached session). */
pid_t session_pid(const struct session *s);

/* Reap the child: 1 when it exited (status in *status; the terminal back to
 * hwprof, if given), 0 when still running (nohang), SESSION_STOPPED (see
 * there), or -errno. */
int session_wait(struct session *s, int *status, int nohang);

/* Whether the kernel gave build ids in MMAP2 records. */
int session_has_build_ids(const struct session *s);

/* PERF_EVENT_IOC_PERIOD on event `event` (index into opts->events) on every
 * CPU: its period becomes period and its count restarts from zero (the
 * program's first thread only: inherited copies keep theirs).  0, or the
 * first -errno. */
int session_set_period(struct session *s, int event, uint64_t period);

/* Kill a child that never started, close fds and rings.  Accepts NULL. */
void session_free(struct session *s);

#endif
