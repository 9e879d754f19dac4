/* test-tscclock.c - converting TSC ticks to CLOCK_MONOTONIC ns: the line
 * through the first and the latest calibration point, before, between and
 * beyond them, with one point and with none; then the real counter against
 * the real clock, where the kernel keeps time with the TSC. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "tap.h"
#include "tscclock.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int main(void)
{
	struct tscclock c = { 0 };

	is_int(tscclock_ns(&c, 12345), 0, "no point: 0");
	tscclock_add_point(&c, 1000, 5000);
	is_int(tscclock_ns(&c, 1500), 5500, "one point: the offset, at one ns per tick");
	tscclock_add_point(&c, 3000, 6000);
	is_int(tscclock_ns(&c, 3000), 6000, "at the latest point");
	is_int(tscclock_ns(&c, 1000), 5000, "at the first");
	is_int(tscclock_ns(&c, 2001), 5500, "between them, rounded (2 ticks per ns)");
	is_int(tscclock_ns(&c, 5000), 7000, "beyond the latest");
	is_int(tscclock_ns(&c, 0), 4500, "before the first");
	tscclock_add_point(&c, 5000, 7002);
	is_int(tscclock_ns(&c, 5000), 7002, "a new latest point moves the offset");
	is_int(tscclock_ns(&c, 1000), 5000, "the slope runs from the first point");
	c = (struct tscclock){ 0 };
	tscclock_add_point(&c, 1000, 100);
	tscclock_add_point(&c, 3000, 1100);
	is_int(tscclock_ns(&c, 10), 0, "a time before the clock's zero is 0, not a wrap");

	/* Days of ticks at 2.5 GHz: still to the ns. */
	c = (struct tscclock){ 0 };
	tscclock_add_point(&c, 1000000000000000ULL, 400000000000000ULL);
	tscclock_add_point(&c, 1000000025000000ULL, 400000010000000ULL);
	is_int(tscclock_ns(&c, 1000000025000000ULL + 2500000000ULL), 400000010000000ULL + 1000000000ULL,
	       "a second after the latest point, 4.6 days into the counter");
	is_int(tscclock_ns(&c, 1000000025000000ULL - 25), 400000010000000ULL - 10,
	       "and 10 ns before it");

	if (!tscclock_usable()) {
		ok(1, "the real counter # SKIP the kernel's clocksource is not the TSC here");
	} else {
		struct timespec pause = { 0, 20000000 };
		uint64_t before, ticks, after, ns;

		c = (struct tscclock){ 0 };
		tscclock_mark(&c);
		nanosleep(&pause, NULL);
		tscclock_mark(&c);
		nanosleep(&pause, NULL);
		before = mono_ns();
		ticks = tscclock_read();
		after = mono_ns();
		ns = tscclock_ns(&c, ticks);
		ok(ns + 10000 >= before && ns <= after + 10000,
		   "the real counter 20 ms past calibration reads as the clock (%lld ns off)",
		   (long long)ns - (long long)(before / 2 + after / 2));
	}
	return done_testing();
}
