/* mix - CPU work split among eight functions as the command line says, for
 * tests that compare versions of a program: "before" and "after" are the same
 * binary given different work.  Usage: mix SECONDS NAME=UNITS...  where NAME
 * is one of alpha bravo charlie delta echo foxtrot golf hotel and UNITS its share
 * of each round (units of the same loop, so CPU time is proportional to
 * them); SECONDS of CPU time in all.  Each function is called from main
 * through run_NAME (main -> run_NAME -> NAME). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

/* Called first by every worker so that it keeps its frame pointer. */
__attribute__((noinline)) void count_round(void) { sink++; }

#define SPIN(units) do { \
	count_round(); \
	for (uint64_t i_ = 0; i_ < (uint64_t)(units) * 1000; i_++) \
		sink += i_ ^ (sink >> 3); \
} while (0)

#define WORKER(name) \
	__attribute__((noinline)) void name(int units) { SPIN(units); } \
	__attribute__((noinline)) void run_##name(int units) { name(units); }
WORKER(alpha) WORKER(bravo) WORKER(charlie) WORKER(delta)
WORKER(echo) WORKER(foxtrot) WORKER(golf) WORKER(hotel)

static const struct {
	const char *name;
	void (*run)(int units);
} workers[] = {
	{ "alpha", run_alpha }, { "bravo", run_bravo }, { "charlie", run_charlie }, { "delta", run_delta },
	{ "echo", run_echo }, { "foxtrot", run_foxtrot }, { "golf", run_golf }, { "hotel", run_hotel },
};
#define N_WORKERS (sizeof(workers) / sizeof(workers[0]))

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int units[N_WORKERS] = { 0 };
	double end;
	uint32_t x = 12345;

	if (argc < 3) {
		fprintf(stderr, "usage: mix SECONDS NAME=UNITS...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		size_t k, len = strcspn(argv[i], "=");

		for (k = 0; k < N_WORKERS; k++)
			if (strlen(workers[k].name) == len && !strncmp(argv[i], workers[k].name, len))
				break;
		if (k == N_WORKERS || argv[i][len] != '=') {
			fprintf(stderr, "mix: %s: expected NAME=UNITS\n", argv[i]);
			return 2;
		}
		units[k] = atoi(argv[i] + len + 1);
	}
	end = cpu_time() + atof(argv[1]);
	/* Rounds of 1 to 4 times the size in a pseudo-random order, so that the
	 * rounds cannot keep pace with the sampling period. */
	while (cpu_time() < end) {
		int scale;

		x = x * 1664525u + 1013904223u;
		scale = 1 + (int)(x >> 30);
		for (size_t k = 0; k < N_WORKERS; k++)
			if (units[k] > 0)
				workers[k].run(units[k] * scale);
	}
	return 0;
}
