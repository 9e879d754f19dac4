/* faulter - alternates ~20 ms phases: touch_pages maps fresh memory and touches
 * every page (a page fault each), spin_only computes without faulting, for
 * about SECONDS (default 1).  Page faults belong to touch_pages' stacks. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void touch_pages(double end)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = 256 * (size_t)page;

	while (now() < end) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			exit(1);
		for (size_t off = 0; off < len; off += page)
			p[off] = 1;
		munmap(p, len);
	}
}

__attribute__((noinline)) void spin_only(double end)
{
	while (now() < end)
		for (int i = 0; i < 10000; i++)
			sink += i;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double stop = now() + seconds;

	while (now() < stop) {
		touch_pages(now() + 0.02);
		spin_only(now() + 0.02);
	}
	return 0;
}
