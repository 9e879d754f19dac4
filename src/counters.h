/* counters.h - the arithmetic of a counter's mmap page (struct
 * perf_event_mmap_page) and of scaling, kept pure so that unit tests check it
 * without a PMU.  Header only: libhwprof and libhwcore can both use it. */
#ifndef HWPROF_COUNTERS_H
#define HWPROF_COUNTERS_H

#include <stdint.h>

/* rdpmc returns only the pmc_width low bits of the hardware counter; the kernel
 * keeps `offset` such that offset + the sign-extended register is the count,
 * so a counter that wrapped below its start reads as a small negative delta. */
static inline int64_t counters_pmc_extend(uint64_t raw, unsigned int width)
{
	if (width == 0 || width >= 64)
		return (int64_t)raw;
	raw &= (UINT64_C(1) << width) - 1;
	if (raw & (UINT64_C(1) << (width - 1)))
		raw |= ~((UINT64_C(1) << width) - 1);
	return (int64_t)raw;
}

/* Nanoseconds since the page's time fields were last updated, from a TSC value:
 * offset + cyc * mult >> shift, split so that cyc * mult cannot overflow 64 bits
 * (cyc is up to 64 bits, mult 32). */
static inline uint64_t counters_tsc_delta(uint64_t cyc, uint32_t mult, uint16_t shift,
					  uint64_t offset)
{
	uint64_t quot = cyc >> shift;
	uint64_t rem = cyc & ((UINT64_C(1) << shift) - 1);

	return offset + quot * mult + ((rem * mult) >> shift);
}

/* With cap_user_time_short the TSC value is relative to time_cycles, modulo
 * time_mask + 1 (a truncated hardware clock); a no-op when mask is all ones. */
static inline uint64_t counters_tsc_short(uint64_t cyc, uint64_t time_cycles, uint64_t mask)
{
	return time_cycles + ((cyc - time_cycles) & mask);
}

/* The estimate for the whole enabled time of a counter that ran only part of
 * it (multiplexing): value * enabled / running, in floating point because the
 * product overflows 64 bits for long runs. */
static inline double counters_scale(uint64_t value, uint64_t enabled, uint64_t running)
{
	if (running == 0)
		return 0.0;
	if (running >= enabled)
		return (double)value;
	return (double)value * ((double)enabled / (double)running);
}

#endif
