/* faulter - alternates phases of ~20 ms of CPU time: touch_pages maps fresh
 * memory and touches every page (a page fault each), spin_only computes
 * without faulting, for about SECONDS (default 1) of CPU time, so that two runs
 * on a loaded machine still fault about as often.  Page faults belong to
 * touch_pages' stacks. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void touch_pages(double end)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = 256 * (size_t)page;

	while (cpu_time() < end) {
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
	while (cpu_time() < end)
		for (int i = 0; i < 10000; i++)
			sink += i;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double stop = cpu_time() + seconds;

	while (cpu_time() < stop) {
		touch_pages(cpu_time() + 0.02);
		spin_only(cpu_time() + 0.02);
	}
	return 0;
}
