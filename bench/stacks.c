/* stacks - a CPU-bound program whose samples fall into about 10,000 distinct
 * call stacks, for DURATION seconds (default 600): it visits the numbers
 * 0..9999 in a scrambled order (n = k * 7919 mod 10000, a permutation), and
 * for each one calls down four levels, one per decimal digit, through the
 * function named after that digit (d0..d9), then spins briefly in leaf().
 * The stack main > run > dA > dB > dC > dD > leaf therefore encodes n, so the
 * profile holds up to 10^4 leaf stacks (plus a few with samples in the dN
 * frames themselves).  Build with -fno-omit-frame-pointer
 * -fno-optimize-sibling-calls so that every frame stays on the stack. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) static void leaf(int n)
{
	for (int i = 0; i < 20000; i++)
		sink += (uint64_t)(i ^ n) * 2654435761u;
}

typedef void digit_fn(int level, int n);
static digit_fn d0, d1, d2, d3, d4, d5, d6, d7, d8, d9;
static digit_fn *const digits[10] = { d0, d1, d2, d3, d4, d5, d6, d7, d8, d9 };
static const int pow10[4] = { 1000, 100, 10, 1 };

/* Called for digit `level` of n; calls the function of the next digit. */
__attribute__((noinline)) static void next(int level, int n)
{
	if (level == 4)
		leaf(n);
	else
		digits[n / pow10[level] % 10](level + 1, n);
	sink++; /* no tail call */
}

#define DIGIT(name)                                                  \
	__attribute__((noinline)) static void name(int level, int n) \
	{                                                            \
		next(level, n);                                      \
		sink++;                                              \
	}
DIGIT(d0) DIGIT(d1) DIGIT(d2) DIGIT(d3) DIGIT(d4)
DIGIT(d5) DIGIT(d6) DIGIT(d7) DIGIT(d8) DIGIT(d9)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void run(double seconds)
{
	double end = now() + seconds;

	for (uint64_t k = 0;; k++) {
		next(0, (int)(k * 7919 % 10000));
		if (k % 1000 == 0 && now() >= end)
			break;
	}
}

int main(int argc, char **argv)
{
	run(argc > 1 ? atof(argv[1]) : 600);
	return 0;
}
