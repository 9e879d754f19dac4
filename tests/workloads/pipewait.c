/* pipewait - the main thread alternates about 5 ms of computing (compute_step)
 * with a blocking read on a pipe (blocking_read) that a writer thread feeds
 * every 10 ms, for about SECONDS (default 1).  It prints "elapsed_ns N": the
 * main thread's own run time, for checking on-CPU + off-CPU against it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 10000000LL
#define STEP_NS 5000000LL

static volatile uint64_t sink;
static volatile int done;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void compute_step(void)
{
	int64_t end = now_ns() + STEP_NS;

	while (now_ns() < end)
		for (int i = 0; i < 10000; i++)
			sink += i;
}

__attribute__((noinline)) int blocking_read(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* Writes on an absolute 10 ms grid, so that the reader's waits do not drift. */
static void *writer(void *arg)
{
	int fd = *(int *)arg;
	struct timespec next;

	pthread_setname_np(pthread_self(), "writer");
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!done) {
		next.tv_nsec += TICK_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		if (write(fd, "x", 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9);
	pthread_t w;
	int fds[2];

	if (pipe(fds) < 0 || pthread_create(&w, NULL, writer, &fds[1]) != 0)
		return 1;
	while (now_ns() < end) {
		compute_step();
		if (blocking_read(fds[0]) < 0)
			return 1;
	}
	done = 1;
	pthread_join(w, NULL);
	printf("elapsed_ns %lld\n", (long long)(now_ns() - t0));
	return 0;
}
