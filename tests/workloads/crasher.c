/* crasher - burns CPU in crash_work for about 0.3 s, then dereferences NULL. */
#include <stdint.h>
#include <time.h>

static volatile uint64_t sink;
static int *volatile nowhere;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void crash_work(double end)
{
	while (now() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

int main(void)
{
	crash_work(now() + 0.3);
	return *nowhere;
}
