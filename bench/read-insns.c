/* read-insns.c - what one hwprof_counters_read() of 4 counters costs in
 * instructions, read from user space (x86 rdpmc, arm64 mrs) and with read(),
 * counted by the PMU itself: an instructions counter (user and kernel: a
 * read() is mostly kernel work) around N and 2N reads, whose difference is N
 * reads' worth (the measuring counter's own reads cancel out).  Median of 7
 * tries.  Made for QEMU's emulated PMU (the hardware lane), where time is not
 * real time but instructions are exact; it runs wherever there is a PMU.  A
 * benchmark, not a test: it prints, never fails on a figure.
 *
 *	bench/read-insns [-n N] [-e EVENTS]     (4 hardware events; arm64 needs
 *	                                         kernel.perf_user_access=1)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hwprof.h"

#define TRIES 7

/* The measuring counter's increase around n reads of c, or -1. */
static int64_t around(struct hwprof_counters *m, struct hwprof_counters *c, size_t n)
{
	struct hwprof_value v0, v1, vals[4];

	if (hwprof_counters_read(m, &v0, 1) != 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (hwprof_counters_read(c, vals, 4) < 0)
			return -1;
	if (hwprof_counters_read(m, &v1, 1) != 1)
		return -1;
	return (int64_t)(v1.value - v0.value);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Instructions per read of c: the median over TRIES of (2n reads - n reads) / n. */
static double per_read(struct hwprof_counters *m, struct hwprof_counters *c, size_t n)
{
	int64_t d[TRIES];

	around(m, c, n);        /* warm up: lazy binding, first faults */
	for (int t = 0; t < TRIES; t++) {
		int64_t a = around(m, c, n), b = around(m, c, 2 * n);

		if (a < 0 || b < 0)
			return -1;
		d[t] = b - a;
	}
	qsort(d, TRIES, sizeof(d[0]), cmp_i64);
	return (double)d[TRIES / 2] / (double)n;
}

static void run(struct hwprof_counters *m, const char *label, const char *events, int flags,
		size_t n)
{
	struct hwprof_counters *c = NULL;
	struct hwprof_value v[4];
	int r = hwprof_counters_open(events, flags | HWPROF_START, &c);
	double x;

	if (r < 0) {
		printf("%-12s not available: %s\n", label, hwprof_strerror(r));
		return;
	}
	/* The page's capabilities are filled once the counters run. */
	hwprof_counters_read(c, v, 4);
	if (!(flags & HWPROF_NO_RDPMC) && !hwprof_counters_rdpmc(c))
		printf("%-12s not available: the kernel does not allow reading these counters from "
		       "user space (arm64: sysctl kernel.perf_user_access=1)\n", label);
	else if ((x = per_read(m, c, n)) < 0)
		printf("%-12s read failed\n", label);
	else
		printf("%-12s %10.1f\n", label, x);
	hwprof_counters_close(c);
}

int main(int argc, char **argv)
{
	const char *events = "cycles:u,instructions:u,stalled-cycles-frontend:u,stalled-cycles-backend:u";
	struct hwprof_counters *m = NULL;
	size_t n = 1000;
	int opt, r;

	while ((opt = getopt(argc, argv, "n:e:h")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			events = optarg;
			break;
		default:
			fprintf(stderr, "usage: read-insns [-n READS] [-e EVENTS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n == 0)
		return 2;
	/* User and kernel instructions: read() is mostly the kernel's. */
	r = hwprof_counters_open("instructions", HWPROF_START | HWPROF_NO_RDPMC, &m);
	if (r < 0) {
		printf("no instructions counter to measure with: %s\n", hwprof_strerror(r));
		return 0;
	}
	printf("instructions (user + kernel) per hwprof_counters_read() of %s, median of %d\n",
	       events, TRIES);
	run(m, "user access", events, 0, n);
	run(m, "read()", events, HWPROF_NO_RDPMC, n);
	hwprof_counters_close(m);
	return 0;
}
