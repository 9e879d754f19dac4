/* phase.h - the sampling phase: record restarts the sampling period of the
 * program's events at moments the program cannot predict, so that periodic
 * work cannot run in lockstep with the sampler, and with --jitter varies the
 * period itself.
 *
 * What the kernel allows: perf_event_attr has no phase, and PERF_EVENT_IOC_PERIOD
 * on an event restarts its count from zero (the hrtimer of cpu-clock from that
 * instant) with the new period.  It reaches only the event it is called on:
 * the program's first thread, whose events record opened.  Threads the
 * program creates inherit copies that start their own count when they start,
 * with the period in force at that moment, and keep it.  Software events that
 * count (page faults, tracepoints) are sampled at every occurrence when the
 * sample carries its period, and hardware events at -F have their period
 * adjusted by the kernel every tick: only cpu-clock and task-clock, and
 * hardware events with a fixed period (-c N), are re-armed.
 *
 * The plan is pure (phase_new, phase_tick: the caller says what time it is
 * and applies the periods); phase_plan and phase_apply connect it to a
 * session. */
#ifndef HWPROF_PHASE_H
#define HWPROF_PHASE_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "profile.h"
#include "session.h"

/* The first restart comes at a random moment in this window after the start;
 * with jitter, the next ones every PHASE_JITTER_MIN_NS to _MAX_NS. */
#define PHASE_FIRST_WINDOW_NS   50000000LL
#define PHASE_JITTER_MIN_NS     50000000LL
#define PHASE_JITTER_MAX_NS     150000000LL

struct phase_opts {
	double jitter;          /* periods drawn from P (1 +- jitter); 0: none; at most 0.5 */
	int fixed;              /* no restart at all (the kernel's phase: one period after exec) */
	uint64_t seed;          /* of the random draws */
};

/* The period, as opened, of event e: by its own :period= or :freq=, else
 * record's -c period or -F freq.  The kernel turns a frequency of cpu-clock
 * or task-clock into the fixed period 10^9 / freq ns. */
struct phase_sampling {
	uint64_t freq, period;
};

struct phase;

/* The re-arm plan for the events of l (the list session_open left: its
 * fallbacks applied) sampled as s says; skip (-1: none) is the off-CPU
 * switch event's index, which samples every switch.  Fills *out (with no
 * events to re-arm when o->fixed).  0, -EINVAL (jitter out of range) or
 * -ENOMEM. */
int phase_new(const struct event_list *l, const struct phase_sampling *s, int skip,
	      const struct phase_opts *o, struct phase **out);
void phase_free(struct phase *ph);

/* How many events the plan re-arms. */
size_t phase_events(const struct phase *ph);

/* The program started at start (monotonic ns): schedule the first restart.
 * ph may be NULL. */
void phase_start(struct phase *ph, int64_t start);

/* Milliseconds from now until the next restart (0: due), or -1 when none
 * will come. */
int phase_wait_ms(const struct phase *ph, int64_t now);

/* Apply what is due at now: set(ctx, event, period) for each event (the
 * event's index in the list); schedule the next restart (with jitter) or
 * none.  Returns 0, or the first negative value of set, after which the
 * plan does nothing more. */
typedef int (*phase_set_fn)(void *ctx, int event, uint64_t period);
int phase_tick(struct phase *ph, int64_t now, phase_set_fn set, void *ctx);

/* The plan for the events session_open left in so (o->seed drawn here from
 * getrandom, or the clock).  0, -EINVAL or -ENOMEM. */
int phase_plan(const struct session_opts *so, double jitter, int fixed, struct phase **out);

/* How long a poll may wait, in ms: max_ms, or less when a restart comes
 * sooner.  ph may be NULL (no plan: max_ms). */
int phase_timeout(const struct phase *ph, int max_ms);

/* phase_tick at the present moment, through session_set_period on s; ph may
 * be NULL (nothing to do: 0). */
int phase_apply(struct phase *ph, struct session *s);

/* Say in p's comments what the plan did (ph may be NULL: nothing said). */
void phase_comment(const struct phase *ph, struct profile *p);

#endif
