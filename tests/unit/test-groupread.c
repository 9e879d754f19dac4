/* test-groupread.c - per-thread deltas of group member counts. */
#include <string.h>

#include "groupread.h"
#include "tap.h"

int main(void)
{
	struct groupread *g = NULL;
	uint64_t d = 99;

	ok(groupread_new(&g) == 0 && g, "new");
	groupread_delta(g, 10, 7, 50, &d);
	is_int(d, 50, "first reading of a thread is all increase");
	groupread_delta(g, 10, 7, 80, &d);
	is_int(d, 30, "then the increase since the last reading");
	groupread_delta(g, 11, 7, 5, &d);
	is_int(d, 5, "another thread has its own count");
	groupread_delta(g, 10, 8, 1000, &d);
	is_int(d, 1000, "another counter of the same thread too");
	groupread_delta(g, 10, 7, 80, &d);
	is_int(d, 0, "no change, no increase");
	groupread_delta(g, 10, 7, 20, &d);
	is_int(d, 0, "a count that went back (reset) gives 0, not a huge number");
	groupread_delta(g, 10, 7, 25, &d);
	is_int(d, 5, "and counts on from there");
	for (uint32_t t = 0; t < 20000; t++)
		groupread_delta(g, 1000 + t, 7, t, &d);
	groupread_delta(g, 1000 + 12345, 7, 12345 + 3, &d);
	is_int(d, 3, "found again among 20000 threads");
	groupread_free(g);
	groupread_free(NULL);
	return done_testing();
}
