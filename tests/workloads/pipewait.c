/* pipewait - the main thread alternates about 5 ms of computing (compute_step)
 * with a blocking read on a pipe (blocking_read) that a writer thread answers
 * 5 ms after being asked, for about SECONDS (default 1).  Asked, not on a
 * clock: a late compute step on a loaded machine still finds the pipe empty
 * and waits.  It prints "elapsed_ns N": the main thread's own run time, for
 * checking on-CPU + off-CPU against it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WAIT_NS 5000000L
#define STEP_NS 5000000LL

static volatile uint64_t sink;

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

struct pipes {
	int ask[2], answer[2];
};

/* Answers each request 5 ms after it came, until the asking end closes. */
static void *writer(void *arg)
{
	struct pipes *p = arg;
	struct timespec wait = { 0, WAIT_NS };
	char c;

	pthread_setname_np(pthread_self(), "writer");
	while (read(p->ask[0], &c, 1) == 1) {
		nanosleep(&wait, NULL);
		if (write(p->answer[1], "x", 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	int64_t t0 = now_ns(), end = t0 + (int64_t)(seconds * 1e9);
	struct pipes p;
	pthread_t w;

	if (pipe(p.ask) < 0 || pipe(p.answer) < 0 || pthread_create(&w, NULL, writer, &p) != 0)
		return 1;
	while (now_ns() < end) {
		compute_step();
		if (write(p.ask[1], "?", 1) != 1 || blocking_read(p.answer[0]) < 0)
			return 1;
	}
	close(p.ask[1]);
	pthread_join(w, NULL);
	printf("elapsed_ns %lld\n", (long long)(now_ns() - t0));
	return 0;
}
