/* latency-harness.c - an open-loop request loop for libhwprof's spans, with
 * two planted problems:
 *
 *  - a stall: once, the loop pauses (200 ms by default) inside a request, as a
 *    GC pause or a page-in would; requests due meanwhile are served late.  A
 *    closed-loop measurement (from when each request actually started) sees
 *    one slow request; the latency from the intended start (open loop, as
 *    wrk2 measures) sees every request that queued behind it: coordinated
 *    omission, corrected p99 >> uncorrected p99;
 *  - a slow code path: every 100th request calls slow_path(), which burns
 *    5 ms of CPU, so under `hwprof record` the samples of the slowest 1% of
 *    spans are slow_path's (`hwprof report --slower-than p99`).
 *
 * Requests are due at a constant rate (intended start = t0 + i / rate); each
 * is a span "request" with trace id i + 1, opened with hwprof_span_begin_at()
 * at its intended start.  The harness prints its own corrected and uncorrected
 * percentiles (an exact sort, independent of hwprof's histograms).
 *
 *	bench/latency-harness [-r RATE] [-d SECONDS] [-s STALL_MS] [-w WORK_US]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hwprof.h"

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t sink;

/* Burn ns of this thread's CPU time (not wall time: preemption does not
 * shorten the work).  A macro, not a function, so that the samples' leaf (even
 * with inlined frames expanded) is the path itself; the clock (a system call)
 * is read rarely so that little time goes to the kernel. */
#define BURN(ns) do { \
	uint64_t end_ = cpu_ns() + (ns); \
	while (cpu_ns() < end_) \
		for (int i_ = 0; i_ < 20000; i_++) \
			sink += (uint64_t)i_ * 2654435761u; \
} while (0)

__attribute__((noinline)) static void fast_path(uint64_t ns)
{
	BURN(ns);
}

__attribute__((noinline)) static void slow_path(void)
{
	BURN(5000000);
}

__attribute__((noinline)) static void handle_request(uint64_t i, uint64_t work_ns, uint64_t stall_at,
						     uint64_t stall_ns)
{
	fast_path(work_ns);
	if (i % 100 == 50)
		slow_path();
	if (i == stall_at) {
		struct timespec ts = { (time_t)(stall_ns / 1000000000u), (long)(stall_ns % 1000000000u) };

		nanosleep(&ts, NULL);
	}
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { (time_t)(t / 1000000000u), (long)(t % 1000000000u) };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *sorted, size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * (double)n + 0.5);

	if (k == 0)
		k = 1;
	return (double)sorted[(k > n ? n : k) - 1] / 1e6;
}

int main(int argc, char **argv)
{
	uint64_t rate = 1000, secs = 3, stall_ms = 200, work_us = 50;
	uint64_t n, interval, t0, stall_at, *corrected, *uncorrected;
	static const double ps[] = { 50, 90, 99, 99.9, 100 };
	int c;

	while ((c = getopt(argc, argv, "r:d:s:w:")) != -1) {
		switch (c) {
		case 'r':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			secs = strtoull(optarg, NULL, 10);
			break;
		case 's':
			stall_ms = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			work_us = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-r RATE] [-d SECONDS] [-s STALL_MS] [-w WORK_US]\n",
				argv[0]);
			return 2;
		}
	}
	if (!rate || !secs) {
		fprintf(stderr, "latency-harness: rate and duration must be positive\n");
		return 2;
	}
	n = rate * secs;
	interval = 1000000000u / rate;
	stall_at = stall_ms ? n / 3 : UINT64_MAX;
	corrected = calloc(n, sizeof(*corrected));
	uncorrected = calloc(n, sizeof(*uncorrected));
	if (!corrected || !uncorrected)
		return 1;
	t0 = hwprof_now_ns() + 1000000;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t intended = t0 + i * interval, begin, end;

		/* Open loop: wait for the request's due time unless already late;
		 * a late request starts at once and its wait counts. */
		if (hwprof_now_ns() < intended)
			sleep_until(intended);
		begin = hwprof_now_ns();
		hwprof_span_begin_at("request", i + 1, intended);
		handle_request(i, work_us * 1000, stall_at, stall_ms * 1000000);
		hwprof_span_end();
		end = hwprof_now_ns();
		corrected[i] = end - intended;
		uncorrected[i] = end - begin;
	}
	qsort(corrected, n, sizeof(*corrected), cmp_u64);
	qsort(uncorrected, n, sizeof(*uncorrected), cmp_u64);
	printf("%llu requests at %llu/s, stall %llu ms, 1%% slow_path (5 ms); latency in ms\n",
	       (unsigned long long)n, (unsigned long long)rate, (unsigned long long)stall_ms);
	printf("%-8s %12s %12s\n", "", "corrected", "uncorrected");
	for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		printf("%-8s %12.3f %12.3f\n", ps[k] == 100 ? "max" : (ps[k] == 99.9 ? "p99.9" :
		       ps[k] == 99 ? "p99" : ps[k] == 90 ? "p90" : "p50"),
		       pct(corrected, n, ps[k]), pct(uncorrected, n, ps[k]));
	printf("spans: %s\n", hwprof_spans_active() ? "recorded" : "off (run under hwprof record "
	       "or set HWPROF_LATENCY_OUT)");
	free(corrected);
	free(uncorrected);
	return 0;
}
