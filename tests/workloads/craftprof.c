/* craftprof KIND OUT - write a crafted profile with hwprof's own encoder, for
 * the tests of what `hwprof report` makes of hostile input:
 *   huge      main;a twice (apart by a label) and main;b, each INT64_MAX
 *   negative  one sample of -5
 *   diffbase  a difference profile: +7 new, -5 labelled pprof::base=true
 *   bomb N    not a profile: N MiB of zeros, gzipped (a gzip bomb)
 * Exit 0, or 1 with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../unit/crafted.h"
#include "pprof.h"

static int crafted(const char *kind, const char *out)
{
	uint64_t a[2], b[2];
	struct profile *p = crafted_new(a, b);
	int err;

	if (!p)
		return 1;
	if (!strcmp(kind, "huge"))
		err = crafted_add(p, a, "thread", "1", INT64_MAX) || crafted_add(p, a, "thread", "2", INT64_MAX) ||
		      crafted_add(p, b, "thread", "1", INT64_MAX);
	else if (!strcmp(kind, "negative"))
		err = crafted_add(p, a, "thread", "1", -5);
	else if (!strcmp(kind, "diffbase"))
		err = crafted_add(p, a, "pprof::base", "true", -5) || crafted_add(p, b, "thread", "1", 7);
	else
		err = 1;
	if (!err)
		err = pprof_write_file(p, out);
	profile_free(p);
	return err != 0;
}

static int bomb(const char *mib, const char *out)
{
	static unsigned char zeros[1 << 20];
	gzFile gz = gzopen(out, "wb1R");
	long n = atol(mib);

	if (!gz || n <= 0)
		return 1;
	for (long i = 0; i < n; i++)
		if (gzwrite(gz, zeros, sizeof(zeros)) != (int)sizeof(zeros))
			return 1;
	return gzclose(gz) != Z_OK;
}

int main(int argc, char **argv)
{
	int r;

	if (argc == 4 && !strcmp(argv[1], "bomb"))
		r = bomb(argv[2], argv[3]);
	else if (argc == 3)
		r = crafted(argv[1], argv[2]);
	else
		r = 2;
	if (r)
		fprintf(stderr, "usage: craftprof huge|negative|diffbase OUT | craftprof bomb MIB OUT\n");
	return r;
}
