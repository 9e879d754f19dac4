/* cpubound - the benchmark workload: CPU-bound work spread over a few hundred
 * distinct stacks (recursion of varying depth over two functions): a fixed
 * amount of work, ROUNDS (default 20000, about 3 s here), so that a profiler's
 * overhead shows as a longer run.  When BENCH_REPORT names a file, it appends one line:
 * "cpu_ns exit_mono_ns" (its own CPU time, and CLOCK_MONOTONIC at exit) so that
 * the benchmark can tell the profiled program's cost from the profiler's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) static void spin(int n)
{
	for (int i = 0; i < n; i++)
		sink += (uint64_t)i * 2654435761u;
}

__attribute__((noinline)) static void walk_a(int depth, int n);
__attribute__((noinline)) static void walk_b(int depth, int n);

__attribute__((noinline)) static void walk_a(int depth, int n)
{
	if (depth == 0)
		spin(n);
	else if (depth & 1)
		walk_b(depth - 1, n);
	else
		walk_a(depth - 1, n);
}

__attribute__((noinline)) static void walk_b(int depth, int n)
{
	if (depth == 0)
		spin(n * 2);
	else if (depth % 3 == 0)
		walk_a(depth - 1, n);
	else
		walk_b(depth - 1, n);
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 20000;
	const char *report = getenv("BENCH_REPORT");

	for (long round = 0; round < rounds; round++)
		for (int d = 0; d < 24; d++)
			walk_a(d + (int)(round % 7), 2000);
	if (report) {
		struct rusage ru;
		struct timespec ts;
		FILE *f = fopen(report, "a");

		getrusage(RUSAGE_SELF, &ru);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (f) {
			fprintf(f, "%lld %lld\n",
				(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
					(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL,
				(long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
			fclose(f);
		}
	}
	return 0;
}
