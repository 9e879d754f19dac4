/* hwuser - libhwprof's counter reads against known work.  Usage: hwuser N
 *
 * Counts instructions:u twice: once read from user space where the PMU allows
 * it (x86 rdpmc, arm64 user access), once always through read().  For each,
 * the increase around 2N iterations of hwloop.h's loop minus the increase
 * around N iterations: the reads' own instructions cancel out, leaving exactly
 * HWLOOP_INSNS * N when the reads are exact.  Prints "user_access 0|1",
 * "user_step D" and "read_step D". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "hwloop.h"
#include "hwprof.h"

/* The counter's increase around n iterations, or -1. */
static int64_t around(struct hwprof_counters *c, uint64_t n)
{
	struct hwprof_value v0, v1;

	if (hwprof_counters_read(c, &v0, 1) != 1)
		return -1;
	hwloop_spin(n);
	if (hwprof_counters_read(c, &v1, 1) != 1)
		return -1;
	return (int64_t)(v1.value - v0.value);
}

/* Once to warm up (lazy binding of the functions the read calls), then the
 * step from n to 2n. */
static int64_t step(struct hwprof_counters *c, uint64_t n)
{
	int64_t a, b;

	if (around(c, n) < 0 || (a = around(c, n)) < 0 || (b = around(c, 2 * n)) < 0)
		return -1;
	return b - a;
}

int main(int argc, char **argv)
{
	struct hwprof_counters *user = NULL, *sys = NULL;
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	int r;

	r = hwprof_counters_open("instructions:u", HWPROF_START, &user);
	if (r == 0)
		r = hwprof_counters_open("instructions:u", HWPROF_START | HWPROF_NO_RDPMC, &sys);
	if (r < 0) {
		fprintf(stderr, "hwuser: instructions:u: %s\n", hwprof_strerror(r));
		return 1;
	}
	printf("user_access %d\n", hwprof_counters_rdpmc(user));
	printf("user_step %" PRId64 "\n", step(user, n));
	printf("read_step %" PRId64 "\n", step(sys, n));
	hwprof_counters_close(user);
	hwprof_counters_close(sys);
	return 0;
}
