/* inlined - the hot loop lives in mix_steps, a static always_inline function
 * that the compiler (-O2 -g) inlines into the noinline crunch: a profiler
 * that reads DWARF's inlined subroutines must show main;crunch;mix_steps,
 * although only main and crunch exist as symbols.  Runs for about SECONDS
 * (default 1).  Usage: inlined [SECONDS]. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;
static volatile uint64_t rounds;

/* Called first by crunch so that crunch is not a leaf function to the
 * compiler: it then keeps its frame pointer (GCC omits it in leaf functions). */
__attribute__((noinline)) void count_round(void) { rounds++; }

/* xorshift64: a serial dependency chain the compiler can neither vectorize
 * nor reduce to a closed form, so the loop really runs here. */
static inline __attribute__((always_inline)) uint64_t mix_steps(uint64_t x, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

__attribute__((noinline)) void crunch(uint64_t n)
{
	count_round();
	sink = mix_steps(sink | 1, n);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double end = now() + seconds;

	while (now() < end)
		crunch(100000);
	return 0;
}
