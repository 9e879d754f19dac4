/* tscclock.h - the CPU's time-stamp counter as the cheap clock of spans, and
 * its conversion to CLOCK_MONOTONIC nanoseconds, the clock of hwprof's samples.
 *
 * A span reads the clock twice.  CLOCK_MONOTONIC through the vDSO costs 20-30
 * ns on the machines we measured (bench/span-cost), RDTSC alone about half of
 * that, and the vDSO's remaining work (sequence lock, scaling) can be done by
 * the recorder instead, once per record.  The counter is only used where the
 * kernel keeps time with it itself (clocksource "tsc": constant rate, in step
 * across CPUs).  The recorder converts ticks along the line through two
 * calibration points, (ticks, ns) pairs: the first one it took and the latest
 * (it takes one per drain), so the slope is measured over the whole run and
 * the offset stays fresh. */
#ifndef HWPROF_TSCCLOCK_H
#define HWPROF_TSCCLOCK_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define TSCCLOCK_ARCH 1
#else
#define TSCCLOCK_ARCH 0
#endif

/* The counter now (0 where there is none: callers check tscclock_usable). */
static inline uint64_t tscclock_read(void)
{
#if TSCCLOCK_ARCH
	return __rdtsc();
#else
	return 0;
#endif
}

/* 1 when ticks can stand for time on this machine: an x86 CPU whose kernel
 * clocksource is the TSC. */
int tscclock_usable(void);

struct tscclock {
	uint64_t first_ticks, first_ns;
	uint64_t last_ticks, last_ns;
	int n_points;
};

/* Add a calibration point: ticks and CLOCK_MONOTONIC read together now. */
void tscclock_mark(struct tscclock *c);

/* Add a calibration point taken elsewhere (tscclock_mark's second half). */
void tscclock_add_point(struct tscclock *c, uint64_t ticks, uint64_t ns);

/* ticks as CLOCK_MONOTONIC ns (0 before any point; with one point, or two at
 * the same tick, the offset alone is known and the rate is taken as 1). */
uint64_t tscclock_ns(const struct tscclock *c, uint64_t ticks);

#endif
