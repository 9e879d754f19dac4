/* test-phase.c - the sampling phase's plan: which events are restarted and
 * with what period, when, and what a refusal does. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "phase.h"
#include "tap.h"

#define MS 1000000LL

struct call {
	int event;
	uint64_t period;
};

struct calls {
	struct call c[64];
	int n, fail;
};

static int record_set(void *ctx, int event, uint64_t period)
{
	struct calls *cs = ctx;

	if (cs->fail)
		return -cs->fail;
	if (cs->n < 64)
		cs->c[cs->n++] = (struct call){ event, period };
	return 0;
}

static struct event_list *list(const char *text)
{
	struct event_list *l = NULL;
	char err[256];

	if (events_parse(text, &l, err, sizeof(err)))
		printf("# %s: %s\n", text, err);
	return l;
}

/* The events a plan for text (sampled at freq or period) restarts, by their
 * first tick, as "index:period ...". */
static const char *plan(const char *text, uint64_t freq, uint64_t period, int skip, char *buf,
			size_t len)
{
	struct event_list *l = list(text);
	struct phase_sampling s = { freq, period };
	struct phase_opts o = { 0, 0, 42 };
	struct phase *ph = NULL;
	struct calls cs = { 0 };
	size_t off = 0;

	buf[0] = '\0';
	if (!l || phase_new(l, &s, skip, &o, &ph)) {
		events_free(l);
		return "(no plan)";
	}
	phase_start(ph, 0);
	phase_tick(ph, PHASE_FIRST_WINDOW_NS + 1, record_set, &cs);
	for (int i = 0; i < cs.n; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%d:%llu", i ? " " : "", cs.c[i].event,
					(unsigned long long)cs.c[i].period);
	phase_free(ph);
	events_free(l);
	return buf;
}

static void test_events(void)
{
	char buf[256];

	is_str(plan("cpu-clock", 999, 0, -1, buf, sizeof(buf)), "0:1001001",
	       "cpu-clock at -F 999: the kernel's period, 10^9 / 999 ns");
	is_str(plan("task-clock", 0, 250000, -1, buf, sizeof(buf)), "0:250000", "task-clock at -c 250000");
	is_str(plan("cpu-clock:period=5000000", 999, 0, -1, buf, sizeof(buf)), "0:5000000",
	       "the event's own :period= wins");
	is_str(plan("cycles", 999, 0, -1, buf, sizeof(buf)), "",
	       "hardware at -F: the kernel varies the period, nothing to restart");
	is_str(plan("cycles", 0, 100000, -1, buf, sizeof(buf)), "0:100000", "hardware at -c: restarted");
	is_str(plan("page-faults", 0, 100, -1, buf, sizeof(buf)), "",
	       "software events that count: every event is a sample, nothing to restart");
	is_str(plan("{cycles,instructions}", 0, 100000, -1, buf, sizeof(buf)), "0:100000",
	       "a group: its leader only (members count, never sample)");
	is_str(plan("cpu-clock,context-switches:period=1", 999, 0, 1, buf, sizeof(buf)), "0:1001001",
	       "the off-CPU switch event is left alone");
}

static void test_schedule(void)
{
	struct event_list *l = list("cpu-clock");
	struct phase_sampling s = { 0, 10 * MS };
	struct phase_opts o = { 0.2, 0, 7 };
	struct phase *ph = NULL;
	struct calls cs = { 0 };
	int in_range = 1, w;
	int64_t t = 1000 * MS, first;

	if (!l || phase_new(l, &s, -1, &o, &ph)) {
		ok(0, "plan with jitter");
		events_free(l);
		return;
	}
	is_int(phase_events(ph), 1, "one event to restart");
	is_int(phase_wait_ms(ph, t), -1, "before the start: nothing due");
	phase_start(ph, t);
	w = phase_wait_ms(ph, t);
	ok(w >= 0 && w <= PHASE_FIRST_WINDOW_NS / MS, "the first restart within 50 ms (%d ms)", w);
	first = t + (int64_t)w * MS;
	is_int(phase_tick(ph, first - 2 * MS, record_set, &cs), 0, "a tick before it: ok");
	is_int(cs.n, 0, "a tick before it does nothing");
	for (int i = 0; i < 40; i++) {
		t = first + (int64_t)i * PHASE_JITTER_MAX_NS;
		w = phase_wait_ms(ph, t);
		if (i && (w < 0 || w > (PHASE_JITTER_MAX_NS - PHASE_JITTER_MIN_NS) / MS))
			in_range = 0;
		phase_tick(ph, t, record_set, &cs);
	}
	is_int(cs.n, 40, "with jitter: a restart at each tick that is due");
	ok(in_range, "the next restart after 50 to 150 ms");
	{
		uint64_t lo = UINT64_MAX, hi = 0;

		for (int i = 0; i < cs.n; i++) {
			lo = cs.c[i].period < lo ? cs.c[i].period : lo;
			hi = cs.c[i].period > hi ? cs.c[i].period : hi;
		}
		ok(lo >= 8 * MS && hi <= 12 * MS && hi - lo > 2 * MS,
		   "periods drawn from 10 ms +-20%%: %llu .. %llu ns", (unsigned long long)lo,
		   (unsigned long long)hi);
	}
	cs.fail = EINVAL;
	is_int(phase_tick(ph, t + PHASE_JITTER_MAX_NS, record_set, &cs), -EINVAL, "a refusal is returned");
	is_int(phase_wait_ms(ph, t + 2 * PHASE_JITTER_MAX_NS), -1, "and nothing more is planned");
	phase_free(ph);
	ph = NULL;
	o.jitter = 0;
	cs = (struct calls){ 0 };
	phase_new(l, &s, -1, &o, &ph);
	phase_start(ph, 0);
	phase_tick(ph, PHASE_FIRST_WINDOW_NS + 1, record_set, &cs);
	ok(cs.n == 1 && cs.c[0].period == 10 * MS, "no jitter: one restart with the period as opened");
	is_int(phase_wait_ms(ph, PHASE_FIRST_WINDOW_NS + 2), -1, "and no other");
	phase_free(ph);
	ph = NULL;
	o.fixed = 1;
	phase_new(l, &s, -1, &o, &ph);
	ok(ph && phase_events(ph) == 0, "--fixed-phase: nothing to restart");
	phase_free(ph);
	o.fixed = 0;
	o.jitter = 0.6;
	ph = NULL;
	is_int(phase_new(l, &s, -1, &o, &ph), -EINVAL, "jitter above 50%%: -EINVAL");
	events_free(l);
}

int main(void)
{
	test_events();
	test_schedule();
	return done_testing();
}
