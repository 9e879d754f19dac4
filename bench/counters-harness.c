/* counters-harness.c - an example benchmark harness on libhwprof: run a small
 * body N times, read the counters around each iteration, print per-iteration
 * figures (median, min, max, mean) for every event, and "n/a" for events this
 * machine cannot count (cycles and instructions without a PMU).
 *
 *	bench/counters-harness [-n N] [-e EVENTS] [-v]
 *
 * -v prints every iteration as CSV.  The body maps, touches and unmaps 16 fresh
 * pages and sums 64 Ki integers: 16 page faults and a few tens of microseconds
 * per iteration, by design. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hwprof.h"

#define BODY_PAGES 16
#define BODY_INTS (64 * 1024)

static uint64_t body(const uint32_t *ints, size_t page)
{
	volatile uint64_t sum = 0;
	char *p = mmap(NULL, BODY_PAGES * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED) {
		for (size_t i = 0; i < BODY_PAGES; i++)
			p[i * page] = (char)i;
		munmap(p, BODY_PAGES * page);
	}
	for (size_t i = 0; i < BODY_INTS; i++)
		sum += ints[i] * (i | 1);
	return sum;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: counters-harness [-n ITERATIONS] [-e EVENTS] [-v]\n");
}

/* Median, min, max and mean of each event's per-iteration deltas (delta holds
 * n rows of nev values); col is scratch space for n values. */
static void print_summary(struct hwprof_counters *c, const struct hwprof_value *after,
			  const uint64_t *delta, uint64_t *col, size_t n)
{
	size_t nev = hwprof_counters_count(c);

	printf("%zu iterations; read path: %s\n", n,
	       hwprof_counters_rdpmc(c) ? "rdpmc" : "read() of the group");
	printf("%-20s %12s %12s %12s %14s %9s\n", "event", "median", "min", "max", "mean",
	       "coverage");
	for (size_t e = 0; e < nev; e++) {
		double sum = 0;

		if (after[e].flags & HWPROF_VALUE_UNAVAILABLE) {
			printf("%-20s %12s   (not supported on this machine)\n",
			       hwprof_counters_name(c, e), "n/a");
			continue;
		}
		for (size_t it = 0; it < n; it++) {
			col[it] = delta[it * nev + e];
			sum += (double)col[it];
		}
		qsort(col, n, sizeof(*col), cmp_u64);
		printf("%-20s %12llu %12llu %12llu %14.1f %8.1f%%\n", hwprof_counters_name(c, e),
		       (unsigned long long)col[n / 2], (unsigned long long)col[0],
		       (unsigned long long)col[n - 1], sum / (double)n, 100.0 * after[e].coverage);
	}
}

int main(int argc, char **argv)
{
	const char *events = "task-clock,page-faults,context-switches,cycles,instructions";
	struct hwprof_counters *c = NULL;
	struct hwprof_value *before = NULL, *after = NULL;
	uint64_t *delta = NULL, *col = NULL;
	uint32_t *ints = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = 1000, nev;
	int verbose = 0, opt, r, status = 1;

	while ((opt = getopt(argc, argv, "n:e:vh")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			events = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n == 0) {
		usage();
		return 2;
	}
	r = hwprof_counters_open(events, HWPROF_SKIP_UNSUPPORTED | HWPROF_START, &c);
	if (r < 0) {
		char msg[256];

		if (hwprof_events_check(events, msg, sizeof(msg)) < 0)
			fprintf(stderr, "counters-harness: %s\n", msg);
		else
			fprintf(stderr, "counters-harness: %s: %s\n", events, hwprof_strerror(r));
		return r == HWPROF_E_EVENT ? 2 : 1;
	}
	nev = hwprof_counters_count(c);
	before = calloc(nev, sizeof(*before));
	after = calloc(nev, sizeof(*after));
	delta = calloc(n * nev, sizeof(*delta));
	col = calloc(n, sizeof(*col));
	ints = calloc(BODY_INTS, sizeof(*ints));
	if (!before || !after || !delta || !col || !ints) {
		fprintf(stderr, "counters-harness: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < BODY_INTS; i++)
		ints[i] = (uint32_t)(i * 2654435761u);
	body(ints, page);	/* warm up: code, libc, the first mmap */
	if (verbose) {
		printf("iteration");
		for (size_t e = 0; e < nev; e++)
			printf(",%s", hwprof_counters_name(c, e));
		printf("\n");
	}
	for (size_t it = 0; it < n; it++) {
		if (hwprof_counters_read(c, before, nev) < 0)
			goto read_failed;
		body(ints, page);
		if (hwprof_counters_read(c, after, nev) < 0)
			goto read_failed;
		for (size_t e = 0; e < nev; e++)
			delta[it * nev + e] = after[e].value - before[e].value;
		if (verbose) {
			printf("%zu", it);
			for (size_t e = 0; e < nev; e++)
				printf(",%llu", (unsigned long long)delta[it * nev + e]);
			printf("\n");
		}
	}
	print_summary(c, after, delta, col, n);
	status = 0;
	goto out;
read_failed:
	fprintf(stderr, "counters-harness: reading counters failed\n");
out:
	hwprof_counters_close(c);
	free(before);
	free(after);
	free(delta);
	free(col);
	free(ints);
	return status;
}
