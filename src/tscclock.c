/* tscclock.c - see tscclock.h. */
#include "tscclock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CLOCKSOURCE "/sys/devices/system/clocksource/clocksource0/current_clocksource"
#define MARK_TRIES 3

int tscclock_usable(void)
{
	const char *want = arch_get()->clock_source;
	char name[32] = "";
	FILE *f;

	f = fopen(CLOCKSOURCE, "r");
	if (!f)
		return 0;
	if (!fgets(name, sizeof(name), f))
		name[0] = '\0';
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return strcmp(name, want) == 0;
}

void tscclock_add_point(struct tscclock *c, uint64_t ticks, uint64_t ns)
{
	if (!c->n_points) {
		c->first_ticks = ticks;
		c->first_ns = ns;
	}
	c->last_ticks = ticks;
	c->last_ns = ns;
	c->n_points++;
}

void tscclock_mark(struct tscclock *c)
{
	uint64_t best_ticks = 0, best_ns = 0, best_gap = UINT64_MAX;

	if (!c->hz)
		c->hz = arch_clock_hz();

	/* The pair is only as good as the gap around the clock read: keep the
	 * tightest of a few (an interrupt can land in one). */
	for (int i = 0; i < MARK_TRIES; i++) {
		struct timespec ts;
		uint64_t a = tscclock_read(), b;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		b = tscclock_read();
		if (b - a < best_gap) {
			best_gap = b - a;
			best_ticks = a + (b - a) / 2;
			best_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		}
	}
	tscclock_add_point(c, best_ticks, best_ns);
}

uint64_t tscclock_ns(const struct tscclock *c, uint64_t ticks)
{
	double rate = 1.0, d;

	if (!c->n_points)
		return 0;
	if (c->last_ticks > c->first_ticks)
		rate = (double)(c->last_ns - c->first_ns) / (double)(c->last_ticks - c->first_ticks);
	else if (c->hz)
		rate = 1e9 / (double)c->hz;
	/* Signed: a span's begin can predate the latest point by a long way. */
	d = (double)(int64_t)(ticks - c->last_ticks) * rate;
	if (d < 0 && (uint64_t)-d > c->last_ns)
		return 0;
	return c->last_ns + (uint64_t)(int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}
