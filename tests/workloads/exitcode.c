/* exitcode - burns a little CPU, then exits with status STATUS (default 3). */
#include <stdint.h>
#include <stdlib.h>

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	for (uint64_t i = 0; i < 50000000; i++)
		sink += i;
	return argc > 1 ? atoi(argv[1]) : 3;
}
