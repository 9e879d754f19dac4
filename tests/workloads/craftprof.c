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

#include "pprof.h"
#include "profile.h"

static int add(struct profile *p, uint64_t *stack, const char *label, const char *value, int64_t v)
{
	struct profile_label l = { .key = label, .str = value };

	return profile_add_sample(p, &(struct profile_sample){ .n_locations = 2,
		.location_ids = stack, .n_labels = 1, .labels = &l, .values = &v });
}

static int crafted(const char *kind, const char *out)
{
	struct profile_line lm = { 0 }, la = { 0 }, lb = { 0 };
	struct profile *p = NULL;
	uint64_t a[2], b[2];
	int err;

	if (profile_new(&p) || profile_add_type(p, "events", "count") < 0)
		return 1;
	lm.function_id = profile_function(p, "main", "main", "", 0);
	la.function_id = profile_function(p, "a", "a", "", 0);
	lb.function_id = profile_function(p, "b", "b", "", 0);
	a[1] = b[1] = profile_location(p, 0, 0x10, &lm, 1);
	a[0] = profile_location(p, 0, 0x20, &la, 1);
	b[0] = profile_location(p, 0, 0x30, &lb, 1);
	if (!strcmp(kind, "huge"))
		err = add(p, a, "thread", "1", INT64_MAX) || add(p, a, "thread", "2", INT64_MAX) ||
		      add(p, b, "thread", "1", INT64_MAX);
	else if (!strcmp(kind, "negative"))
		err = add(p, a, "thread", "1", -5);
	else if (!strcmp(kind, "diffbase"))
		err = add(p, a, "pprof::base", "true", -5) || add(p, b, "thread", "1", 7);
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
