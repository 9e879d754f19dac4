/* clockloop - reads the clock in a loop for about SECONDS (default 1): most of
 * its time is spent in the vDSO's clock_gettime, which no file holds.
 * clockloop --dump-vdso FILE writes its vDSO image to FILE, for tests that need
 * the image's symbols. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

__attribute__((noinline)) double read_clocks(double seconds)
{
	struct timespec ts, start;
	double t = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (ts.tv_sec - start.tv_sec) + (ts.tv_nsec - start.tv_nsec) / 1e9;
	} while (t < seconds);
	return t;
}

/* The image ends with its section headers (the kernel's vDSO keeps them). */
static int dump_vdso(const char *path)
{
	const unsigned char *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	FILE *f;
	size_t size;

	if (!base || !(f = fopen(path, "wb")))
		return 1;
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	if (fwrite(base, 1, size, f) != size) {
		fclose(f);
		return 1;
	}
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--dump-vdso") == 0)
		return dump_vdso(argv[2]);
	return read_clocks(argc > 1 ? atof(argv[1]) : 1.0) > 0 ? 0 : 1;
}
