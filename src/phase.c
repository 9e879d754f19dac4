/* phase.c - see phase.h. */
#include "phase.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

struct phase_event {
	int index;              /* in the event list */
	uint64_t period;        /* as opened */
};

struct phase {
	struct phase_event *ev;
	size_t n;
	int fixed;
	double jitter;
	uint64_t rng;
	int64_t next;           /* monotonic ns of the next restart; 0: none */
	int stopped;
};

/* xorshift64*: a stream of draws from the seed, no state outside the plan. */
static uint64_t draw(struct phase *ph)
{
	ph->rng ^= ph->rng >> 12;
	ph->rng ^= ph->rng << 25;
	ph->rng ^= ph->rng >> 27;
	return ph->rng * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, 1). */
static double uniform(struct phase *ph)
{
	return (double)(draw(ph) >> 11) / 9007199254740992.0;
}

static int is_clock(const struct event *e)
{
	return e->attr.type == PERF_TYPE_SOFTWARE && (e->attr.config == PERF_COUNT_SW_CPU_CLOCK ||
						       e->attr.config == PERF_COUNT_SW_TASK_CLOCK);
}

/* The fixed period event e samples with, or 0 when it has none to restart:
 * the kernel varies it (hardware at -F) or samples every event (software
 * events that count), or it only counts (a group member). */
static uint64_t fixed_period(const struct event *e, const struct phase_sampling *s)
{
	uint64_t freq = e->sampling_set ? (e->attr.freq ? e->attr.sample_freq : 0) : s->freq;
	uint64_t period = e->sampling_set ? (e->attr.freq ? 0 : e->attr.sample_period) : s->period;

	if (e->attr.type == PERF_TYPE_SOFTWARE && !is_clock(e))
		return 0;
	if (is_clock(e))
		return freq ? 1000000000ULL / freq : period;
	if (e->attr.type == PERF_TYPE_TRACEPOINT || e->attr.type == PERF_TYPE_BREAKPOINT)
		return 0;
	return freq ? 0 : period;
}

int phase_new(const struct event_list *l, const struct phase_sampling *s, int skip,
	      const struct phase_opts *o, struct phase **out)
{
	struct phase *ph;

	*out = NULL;
	if (!(o->jitter >= 0 && o->jitter <= 0.5))
		return -EINVAL;
	ph = calloc(1, sizeof(*ph));
	if (!ph || !(ph->ev = calloc(l->n ? l->n : 1, sizeof(*ph->ev)))) {
		free(ph);
		return -ENOMEM;
	}
	ph->jitter = o->jitter;
	ph->fixed = o->fixed;
	/* A zero state would stay zero. */
	ph->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < l->n && !o->fixed; i++) {
		uint64_t p = fixed_period(&l->ev[i], s);

		if (l->ev[i].leader != (int)i || (int)i == skip || p < 2)
			continue;
		ph->ev[ph->n].index = (int)i;
		ph->ev[ph->n++].period = p;
	}
	*out = ph;
	return 0;
}

void phase_free(struct phase *ph)
{
	if (!ph)
		return;
	free(ph->ev);
	free(ph);
}

size_t phase_events(const struct phase *ph)
{
	return ph->n;
}

void phase_start(struct phase *ph, int64_t start)
{
	if (!ph)
		return;
	/* 1 + ...: 0 means no restart scheduled. */
	ph->next = ph->n ? start + 1 + (int64_t)(uniform(ph) * (double)PHASE_FIRST_WINDOW_NS) : 0;
}

int phase_wait_ms(const struct phase *ph, int64_t now)
{
	if (!ph->next || ph->stopped)
		return -1;
	if (ph->next <= now)
		return 0;
	/* Rounded up: waking early would only poll again. */
	return (int)((ph->next - now + 999999) / 1000000);
}

int phase_tick(struct phase *ph, int64_t now, phase_set_fn set, void *ctx)
{
	if (!ph->next || ph->stopped || now < ph->next)
		return 0;
	for (size_t i = 0; i < ph->n; i++) {
		double f = ph->jitter > 0 ? 1 + ph->jitter * (2 * uniform(ph) - 1) : 1;
		uint64_t p = (uint64_t)llround(f * (double)ph->ev[i].period);
		int r = set(ctx, ph->ev[i].index, p > 0 ? p : 1);

		if (r < 0) {
			ph->stopped = 1;
			return r;
		}
	}
	ph->next = ph->jitter > 0 ? now + PHASE_JITTER_MIN_NS +
		   (int64_t)(uniform(ph) * (double)(PHASE_JITTER_MAX_NS - PHASE_JITTER_MIN_NS)) : 0;
	return 0;
}

static int set_period(void *ctx, int event, uint64_t period)
{
	return session_set_period(ctx, event, period);
}

int phase_plan(const struct session_opts *so, double jitter, int fixed, struct phase **out)
{
	struct phase_sampling s = { so->freq, so->period };
	struct phase_opts o = { jitter, fixed, 0 };

	if (getrandom(&o.seed, sizeof(o.seed), GRND_NONBLOCK) != sizeof(o.seed))
		o.seed = (uint64_t)util_now_real_ns() ^ (uint64_t)getpid() << 32;
	return phase_new(so->events, &s, session_offcpu_event(so) - 1, &o, out);
}

int phase_timeout(const struct phase *ph, int max_ms)
{
	int w = ph ? phase_wait_ms(ph, util_now_mono_ns()) : -1;

	return w >= 0 && w < max_ms ? w : max_ms;
}

int phase_apply(struct phase *ph, struct session *s)
{
	return ph ? phase_tick(ph, util_now_mono_ns(), set_period, s) : 0;
}

void phase_comment(const struct phase *ph, struct profile *p)
{
	char buf[256];
	size_t len = sizeof(buf);

	if (!ph)
		return;
	if (!ph->n)
		snprintf(buf, len, "sampling phase: the kernel's (%s)", ph->fixed ? "--fixed-phase" :
			 "no event with a fixed period to restart");
	else if (ph->stopped)
		snprintf(buf, len, "sampling phase: restarts stopped, the kernel refused one");
	else if (ph->jitter > 0)
		snprintf(buf, len, "sampling phase: the first thread's period restarted at random "
			 "moments, every 50-150 ms drawn from P (1 +- %g%%)", 100 * ph->jitter);
	else
		snprintf(buf, len, "sampling phase: the first thread's period restarted at a random "
			 "moment in the first 50 ms");
	profile_add_comment(p, buf);
}
