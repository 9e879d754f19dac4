/* calltree - the bundled demo and the accuracy workload: main spends a designed
 * 60/30/10 share of its CPU time in leaf_a, leaf_b and leaf_c, each reached through
 * its own caller (main -> mid_X -> leaf_X).  Usage: calltree [SECONDS] (default 1)
 * of CPU time: on a loaded machine it runs longer and is sampled as often.
 *
 * Built with -DFRAMELESS_LEAVES it is the `leaves` workload: the leaves call
 * nothing, so GCC gives them no frame even with -fno-omit-frame-pointer (x86-64
 * omits the leaf frame pointer by default), and a frame-pointer walk from
 * inside them skips mid_X. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

#ifdef FRAMELESS_LEAVES
#define ROUND() do { } while (0)
#else
static volatile uint64_t rounds;

/* Called first by every leaf so that the leaf is not a leaf function to the
 * compiler: it then keeps its frame pointer (GCC omits it in leaf functions). */
__attribute__((noinline)) void count_round(void) { rounds++; }
#define ROUND() count_round()
#endif

/* The same loop body everywhere, so that time is proportional to `units`. */
#define SPIN(units) do { \
	ROUND(); \
	for (uint64_t i_ = 0; i_ < (uint64_t)(units) * 1000; i_++) \
		sink += i_ ^ (sink >> 3); \
} while (0)

__attribute__((noinline)) void leaf_a(int units) { SPIN(units); }
__attribute__((noinline)) void leaf_b(int units) { SPIN(units); }
__attribute__((noinline)) void leaf_c(int units) { SPIN(units); }
__attribute__((noinline)) void mid_a(int units) { leaf_a(units); }
__attribute__((noinline)) void mid_b(int units) { leaf_b(units); }
__attribute__((noinline)) void mid_c(int units) { leaf_c(units); }

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double end = cpu_time() + seconds;

	uint32_t x = 12345;

	/* Many short rounds: the split holds however long the run is.  Rounds of
	 * 1 to 4 times the size, in a pseudo-random order: rounds of one length
	 * could keep pace with the sampling period and always be sampled in the
	 * same function. */
	while (cpu_time() < end) {
		int scale;

		x = x * 1664525u + 1013904223u;
		scale = 1 + (int)(x >> 30);
		mid_a(60 * scale);
		mid_b(30 * scale);
		mid_c(10 * scale);
	}
	return 0;
}
