/* rate - the speed of a program before, during and after hwprof attaches:
 * CHUNKS chunks of the same CPU work (default 100, some 50 ms each), one line
 * per chunk on stdout: "CHUNK END_MONO_NS DURATION_NS". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

static long long mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) static void chunk(void)
{
	for (uint64_t i = 0; i < 40000000; i++)
		sink += i ^ (sink >> 3);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n; i++) {
		long long t0 = mono();

		chunk();
		printf("%d %lld %lld\n", i, mono(), mono() - t0);
	}
	return 0;
}
