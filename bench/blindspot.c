/* blindspot - a function called very often for much less than a sampling
 * period: tiny() runs some 50 ns a call, about a hundred thousand times a
 * second, for SHARE percent of the CPU time (default 0.5); bulk() takes the
 * rest.  Usage: blindspot SECONDS [SHARE]: SECONDS of CPU time.  Sampling
 * sees tiny in proportion to its time, but at 999 Hz a short run gives it a
 * handful of samples: bench/blindspot.sh shows how many, at which rate and
 * run length. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

#define SPIN(n) do { for (uint64_t i_ = 0; i_ < (uint64_t)(n); i_++) sink += i_ ^ (sink >> 3); } while (0)

__attribute__((noinline)) void tiny(void) { SPIN(40); }
__attribute__((noinline)) void bulk(uint64_t n) { SPIN(n); }

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double end = cpu_time() + (argc > 1 ? atof(argv[1]) : 1.0);
	double share = argc > 2 ? atof(argv[2]) : 0.5;
	uint64_t rest = (uint64_t)(40 * (100 / share - 1));

	while (cpu_time() < end) {
		/* A hundred calls between two clock reads: the clock is no blind spot. */
		for (int k = 0; k < 100; k++) {
			tiny();
			bulk(rest);
		}
	}
	return 0;
}
