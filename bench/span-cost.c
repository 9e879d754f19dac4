/* span-cost.c - what one span (hwprof_span_begin + hwprof_span_end) costs the
 * program, in ns, in whatever mode the environment selects: nothing records
 * (run it bare), HWPROF_LATENCY_OUT (histograms in the process), or under
 * `hwprof record` (the shared-memory channel).  Batches of spans with a pause
 * between them, so that the recorder drains the channel and nothing is
 * dropped; median, p10 and p90 of the per-batch means; the costs of
 * clock_gettime and of the span clock for reference (a span reads its clock
 * twice: the TSC or CNTVCT_EL0 under `hwprof record` where the kernel keeps
 * time with it, unless HWPROF_SPAN_CLOCK=monotonic).  A benchmark, not a test.
 *
 *	bench/span-cost [-b BATCHES] [-k SPANS_PER_BATCH] [-p PAUSE_MS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hwprof.h"
#include "tscclock.h"

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

static void report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("%-28s median %7.1f ns  p10 %7.1f  p90 %7.1f\n", what, v[n / 2], v[n / 10],
	       v[n * 9 / 10]);
}

int main(int argc, char **argv)
{
	size_t batches = 40, k = 5000;
	long pause_ms = 120;
	double *span, *clk, *tsc;
	int c;

	while ((c = getopt(argc, argv, "b:k:p:")) != -1) {
		if (c == 'b')
			batches = strtoul(optarg, NULL, 10);
		else if (c == 'k')
			k = strtoul(optarg, NULL, 10);
		else if (c == 'p')
			pause_ms = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (!batches || !k)
		return 2;
	span = calloc(batches, sizeof(*span));
	clk = calloc(batches, sizeof(*clk));
	tsc = calloc(batches, sizeof(*tsc));
	if (!span || !clk || !tsc)
		return 1;
	for (size_t b = 0; b < batches; b++) {
		struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
		double t0 = now_ns(), t1, t2, t3;
		volatile uint64_t sink = 0;

		for (size_t i = 0; i < k; i++) {
			hwprof_span_begin("bench", i);
			hwprof_span_end();
		}
		t1 = now_ns();
		for (size_t i = 0; i < k; i++)
			now_ns();
		t2 = now_ns();
		for (size_t i = 0; i < k; i++)
			sink += tscclock_read();
		t3 = now_ns();
		span[b] = (t1 - t0) / (double)k;
		clk[b] = (t2 - t1) / (double)k;
		tsc[b] = (t3 - t2) / (double)k;
		if (pause_ms > 0 && hwprof_spans_active())
			nanosleep(&ts, NULL);
	}
	printf("mode: %s%s\n", !hwprof_spans_active() ? "nothing records" :
	       hwprof_spans_active() & HWPROF_SPANS_RECORD ? "hwprof record (channel)" :
	       "HWPROF_LATENCY_OUT (histograms)",
	       getenv("HWPROF_SPAN_CLOCK") ? " with HWPROF_SPAN_CLOCK set" : "");
	report("span (begin + end)", span, batches);
	report("clock_gettime (reference)", clk, batches);
	report("span clock: TSC / CNTVCT_EL0 (reference)", tsc, batches);
	free(span);
	free(clk);
	free(tsc);
	return 0;
}
