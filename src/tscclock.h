/* tscclock.h - the CPU's time-stamp counter as the cheap clock of spans, and
 * its conversion to CLOCK_MONOTONIC nanoseconds, the clock of hwprof's samples.
 *
 * A span reads the clock twice.  CLOCK_MONOTONIC through the vDSO costs 20-30
 * ns on the machines we measured (bench/span-cost), the counter alone about
 * half of that, and the vDSO's remaining work (sequence lock, scaling) can be
 * done by the recorder instead, once per record.  The counter is the
 * architecture's (arch.h: the TSC on x86-64, CNTVCT_EL0 on arm64), and is only
 * used where the kernel keeps time with it itself (its clocksource: constant
 * rate, in step across CPUs).  The recorder converts ticks along the line
 * through two calibration points, (ticks, ns) pairs: the first one it took and
 * the latest (it takes one per drain), so the slope is measured over the whole
 * run and the offset stays fresh; with a single point the slope is the
 * counter's nominal rate where the CPU states it (arm64's CNTFRQ_EL0). */
#ifndef HWPROF_TSCCLOCK_H
#define HWPROF_TSCCLOCK_H

#include <stdint.h>

#include "arch.h"

/* The counter now (0 where there is none: callers check tscclock_usable). */
static inline uint64_t tscclock_read(void)
{
	return arch_clock_read();
}

/* 1 when ticks can stand for time on this machine: the kernel's clocksource
 * is the counter tscclock_read reads. */
int tscclock_usable(void);

struct tscclock {
	uint64_t first_ticks, first_ns;
	uint64_t last_ticks, last_ns;
	int n_points;
	uint64_t hz;               /* nominal ticks per second (0: unknown, 1 tick = 1 ns) */
};

/* Add a calibration point: ticks and CLOCK_MONOTONIC read together now (and
 * the counter's nominal rate, the first time). */
void tscclock_mark(struct tscclock *c);

/* Add a calibration point taken elsewhere (tscclock_mark's second half). */
void tscclock_add_point(struct tscclock *c, uint64_t ticks, uint64_t ns);

/* ticks as CLOCK_MONOTONIC ns (0 before any point; with one point, or two at
 * the same tick, the offset alone is known and the rate is hz's, or 1 tick a
 * ns when hz is 0). */
uint64_t tscclock_ns(const struct tscclock *c, uint64_t ticks);

#endif
