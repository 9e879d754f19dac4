/* spinner - burns CPU in spin_forever until a signal ends it; writes its pid to
 * the file named by argv[1] (if any) once it runs. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static volatile uint64_t sink, rounds;

/* A call keeps spin_forever from being a leaf function (GCC omits the frame
 * pointer of leaf functions). */
__attribute__((noinline)) void count_round(void) { rounds++; }

__attribute__((noinline)) void spin_forever(void)
{
	for (;;) {
		count_round();
		for (int i = 0; i < 100000; i++)
			sink += i;
	}
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	spin_forever();
	return 0;
}
