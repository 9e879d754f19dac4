/* read-cost.c - what one hwprof_counters_read() of 4 counters costs, in ns:
 * with read() of the group (software events: task-clock, page-faults,
 * context-switches, cpu-migrations) and with rdpmc (hardware events: cycles,
 * instructions, branches, branch-misses) where the machine has a PMU and the
 * kernel allows user-space rdpmc; one counter alone for reference.  Median
 * (and p10, p90) over many batches of reads on CLOCK_MONOTONIC; a benchmark,
 * not a test: it prints, never fails on a figure.
 *
 *	bench/read-cost [-b BATCHES] [-k READS_PER_BATCH] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hwprof.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ns per read for each of nb batches of k reads, sorted, into per_read[]. */
static int measure(struct hwprof_counters *c, double *per_read, size_t nb, size_t k)
{
	struct hwprof_value v[4];

	for (size_t b = 0; b < nb; b++) {
		double t0 = now_ns();

		for (size_t i = 0; i < k; i++)
			if (hwprof_counters_read(c, v, 4) < 0)
				return -1;
		per_read[b] = (now_ns() - t0) / (double)k;
	}
	qsort(per_read, nb, sizeof(*per_read), cmp_double);
	return 0;
}

static void run(const char *label, const char *events, int flags, double *per_read, size_t nb,
		size_t k)
{
	struct hwprof_counters *c = NULL;
	struct hwprof_value v[4];
	int r = hwprof_counters_open(events, flags | HWPROF_START, &c);

	if (r < 0) {
		printf("%-8s %-58s not available: %s\n", label, events, hwprof_strerror(r));
		return;
	}
	/* The kernel fills the page's capabilities once the counters are scheduled
	 * in: read once before asking whether rdpmc is allowed. */
	hwprof_counters_read(c, v, 4);
	if (!(flags & HWPROF_NO_RDPMC) && !hwprof_counters_rdpmc(c)) {
		printf("%-8s %-58s not available: the kernel does not allow rdpmc "
		       "for these counters\n", label, events);
	} else if (measure(c, per_read, nb, k) < 0) {
		printf("%-8s %-58s read failed\n", label, events);
	} else {
		printf("%-8s %-58s %8.1f %8.1f %8.1f\n", label, events, per_read[nb / 2],
		       per_read[nb / 10], per_read[nb - 1 - nb / 10]);
	}
	hwprof_counters_close(c);
}

int main(int argc, char **argv)
{
	size_t nb = 201, k = 1000;
	double *per_read;
	int opt;

	while ((opt = getopt(argc, argv, "b:k:h")) != -1) {
		switch (opt) {
		case 'b':
			nb = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			k = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: read-cost [-b BATCHES] [-k READS_PER_BATCH]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (nb == 0 || k == 0)
		return 2;
	per_read = calloc(nb, sizeof(*per_read));
	if (!per_read)
		return 1;
	printf("ns per hwprof_counters_read(), %zu batches of %zu reads\n", nb, k);
	printf("%-8s %-58s %8s %8s %8s\n", "path", "events", "median", "p10", "p90");
	run("read()", "task-clock,page-faults,context-switches,cpu-migrations", HWPROF_NO_RDPMC,
	    per_read, nb, k);
	/* One counter: what the group costs on top of the system call itself. */
	run("read()", "task-clock", HWPROF_NO_RDPMC, per_read, nb, k);
	run("read()", "cycles,instructions,branches,branch-misses", HWPROF_NO_RDPMC,
	    per_read, nb, k);
	run("rdpmc", "cycles,instructions,branches,branch-misses", 0, per_read, nb, k);
	free(per_read);
	return 0;
}
