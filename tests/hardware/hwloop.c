/* hwloop - the hardware tests' counting workload: N iterations of hwloop.h's
 * loop of exactly HWLOOP_INSNS instructions.  Usage: hwloop N
 *
 * Two runs whose arguments have the same number of digits do the same work
 * outside the loop, so the difference of their instruction counts is exactly
 * HWLOOP_INSNS times the difference of their N: the truth the tests compare
 * hwprof's counts with. */
#include <stdio.h>
#include <stdlib.h>

#include "hwloop.h"

int main(int argc, char **argv)
{
	char *end;
	unsigned long long n;

	if (argc != 2) {
		fprintf(stderr, "usage: hwloop N   (N loops of %d instructions)\n", HWLOOP_INSNS);
		return 2;
	}
	n = strtoull(argv[1], &end, 10);
	if (end == argv[1] || *end) {
		fprintf(stderr, "hwloop: %s: not a number\n", argv[1]);
		return 2;
	}
	hwloop_spin(n);
	return 0;
}
