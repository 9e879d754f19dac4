/* deeprec - recursion deeper than any user stack copy: main -> recurse x DEPTH
 * -> work, each recurse frame holding a 256-byte buffer, so that 1000 levels
 * take some 270 KiB of stack.  A DWARF walk must stop at the copy's end, with
 * only recurse frames above work.  Usage: deeprec [SECONDS] [DEPTH]. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

__attribute__((noinline)) void work(void)
{
	for (uint64_t i = 0; i < 200000; i++)
		sink += i ^ (sink >> 3);
}

/* Not a tail call: the buffer is used after the recursive call returns. */
__attribute__((noinline)) void recurse(int depth)
{
	volatile char buf[256];

	memset((char *)buf, depth, sizeof(buf));
	if (depth > 0)
		recurse(depth - 1);
	else
		work();
	sink += buf[depth & 255];
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
	int depth = argc > 2 ? atoi(argv[2]) : 1000;
	double end = now() + seconds;

	while (now() < end)
		recurse(depth);
	return 0;
}
