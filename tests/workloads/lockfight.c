/* lockfight - two threads fight over one pthread mutex for about SECONDS
 * (default 1): each takes it in contended_update, holds it about 2 ms
 * computing, and computes 0.5 ms outside it, so each waits most of the time
 * the other holds it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile uint64_t sink;
static int64_t end_ns;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void spin_for(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			sink += i;
}

__attribute__((noinline)) void contended_update(void)
{
	pthread_mutex_lock(&lock);
	spin_for(2000000);
	pthread_mutex_unlock(&lock);
}

static void *fighter(void *arg)
{
	pthread_setname_np(pthread_self(), arg);
	while (now_ns() < end_ns) {
		contended_update();
		spin_for(500000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t a, b;

	end_ns = now_ns() + (int64_t)((argc > 1 ? atof(argv[1]) : 1.0) * 1e9);
	pthread_create(&a, NULL, fighter, "fighter-a");
	pthread_create(&b, NULL, fighter, "fighter-b");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
