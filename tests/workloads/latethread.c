/* latethread - waits (asleep, in wait_for_signal) until SIGUSR1, then starts a
 * thread that burns SECONDS (default 1) of its own CPU time in late_work,
 * joins it and sleeps until killed: a thread created after hwprof attached.
 * Writes its pid to argv[2] (if given) once the handler is in place. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go;
static volatile uint64_t sink;
static double seconds = 1.0;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void late_work(void)
{
	double end = cpu_time() + seconds;

	while (cpu_time() < end)
		for (int i = 0; i < 100000; i++)
			sink += i;
}

static void *late_thread(void *arg)
{
	(void)arg;
	late_work();
	return NULL;
}

__attribute__((noinline)) void wait_for_signal(void)
{
	while (!go)
		usleep(10000);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1)
		seconds = atof(argv[1]);
	signal(SIGUSR1, on_usr1);
	if (argc > 2) {
		FILE *f = fopen(argv[2], "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	wait_for_signal();
	pthread_create(&t, NULL, late_thread, NULL);
	pthread_join(t, NULL);
	for (;;)
		pause();
}
