/* fixture.h - fixture files for the unit tests that read files. */
#ifndef HWPROF_FIXTURE_H
#define HWPROF_FIXTURE_H

#include <stdio.h>

/* Write text to path, replacing it.  0, or -1 when it cannot be written. */
static inline int fixture_write(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

#endif
