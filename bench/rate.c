/* rate - the speed of a program before, during and after hwprof attaches:
 * chunks of the same CPU work (some 50 ms each) for SECONDS (default 10),
 * one line per chunk on stdout: "CHUNK END_MONO_NS DURATION_NS".  A duration,
 * not a number of chunks, so that the phases a caller times by the clock
 * have chunks in them whatever the machine's speed. */
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
	double secs = argc > 1 ? atof(argv[1]) : 10;
	long long end = mono() + (long long)(secs * 1e9);

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; mono() < end; i++) {
		long long t0 = mono(), t1;

		chunk();
		t1 = mono();
		printf("%d %lld %lld\n", i, t1, t1 - t0);
	}
	return 0;
}
