/* threads - two named threads, each burning CPU in its own function for about
 * SECONDS (default 1) of its own CPU time, while main waits: on a loaded
 * machine they run longer and are sampled as often. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static double seconds = 1.0;

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void work_one(double end)
{
	while (cpu_time() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

__attribute__((noinline)) void work_two(double end)
{
	while (cpu_time() < end)
		for (int i = 0; i < 100000; i++)
			sink ^= i;
}

static void *thread_one(void *arg)
{
	pthread_setname_np(pthread_self(), "worker-one");
	work_one(cpu_time() + seconds);
	return NULL;
}

static void *thread_two(void *arg)
{
	pthread_setname_np(pthread_self(), "worker-two");
	work_two(cpu_time() + seconds);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	if (argc > 1)
		seconds = atof(argv[1]);
	pthread_create(&a, NULL, thread_one, NULL);
	pthread_create(&b, NULL, thread_two, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
