/* phase.c - see phase.h. */
#include "phase.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct phase_event {
	int index;              /* in the event list */
	uint64_t period;        /* as opened */
};

struct phase {
	struct phase_event *ev;
	size_t n;
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
