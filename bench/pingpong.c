/* pingpong - two threads pass a byte back and forth over two pipes ROUNDS
 * times (default 20000), each spinning SPIN_US (default 40) before it answers:
 * about 2 context switches per round, some 20k per second on an idle core pair.
 * Prints "rounds N elapsed_ns N switches_per_s N". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ab[2], ba[2];
static long rounds = 20000, spin_ns = 40000;
static volatile uint64_t sink;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void spin(void)
{
	int64_t end = now_ns() + spin_ns;

	while (now_ns() < end)
		sink++;
}

static void *pong(void *arg)
{
	char c;

	(void)arg;
	for (long i = 0; i < rounds; i++) {
		if (read(ab[0], &c, 1) != 1)
			break;
		spin();
		if (write(ba[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int64_t t0, dt;
	char c = 'x';

	if (argc > 1)
		rounds = atol(argv[1]);
	if (argc > 2)
		spin_ns = atol(argv[2]) * 1000;
	if (pipe(ab) < 0 || pipe(ba) < 0 || pthread_create(&t, NULL, pong, NULL) != 0)
		return 1;
	t0 = now_ns();
	for (long i = 0; i < rounds; i++) {
		spin();
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return 1;
	}
	dt = now_ns() - t0;
	pthread_join(t, NULL);
	printf("rounds %ld elapsed_ns %lld switches_per_s %.0f\n", rounds, (long long)dt,
	       2e9 * (double)rounds / (double)dt);
	return 0;
}
