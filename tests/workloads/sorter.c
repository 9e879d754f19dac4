/* sorter - a hot path through a shared library: main -> sorter -> qsort (glibc,
 * built without frame pointers) -> cmp, where cmp takes most of the time.
 * Usage: sorter [SECONDS] (default 1). */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define N 20000

static volatile uint64_t sink;

/* Deliberately slow, so that samples land in cmp rather than in qsort. */
__attribute__((noinline)) int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	for (int i = 0; i < 50; i++)
		sink += i ^ (sink >> 3);
	return x < y ? -1 : x > y;
}

__attribute__((noinline)) void sorter(uint32_t *v, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = seed;
	}
	qsort(v, n, sizeof(*v), cmp);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint32_t v[N];
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double end = now() + seconds;
	uint32_t seed = 1;

	while (now() < end)
		sorter(v, N, seed++);
	return 0;
}
