/* clockloop - reads the clock in a loop for about SECONDS (default 1): most of
 * its time is spent in the vDSO's clock_gettime, which no file holds. */
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) double read_clocks(double seconds)
{
	struct timespec ts, start;
	double t = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (ts.tv_sec - start.tv_sec) + (ts.tv_nsec - start.tv_nsec) / 1e9;
	} while (t < seconds);
	return t;
}

int main(int argc, char **argv)
{
	return read_clocks(argc > 1 ? atof(argv[1]) : 1.0) > 0 ? 0 : 1;
}
