/* fuzz-timeline.c - libFuzzer target for the .timeline reader (timeline_parse),
 * the side file that `report --timeline` reads back (built and run by
 * tests/fuzz/run.sh).
 *
 * Any input must parse or be refused with -EINVAL, without a crash or leak; a
 * timeline that parses must write out, read back and write out again to the
 * very same text, and convert to Chrome JSON. */
#include "timeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* t written as text into a malloc'd *buf of *len bytes.  0 or -1. */
static int write_text(const struct timeline *t, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int r;

	if (!f)
		return -1;
	r = timeline_write(t, f);
	return fclose(f) || r ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timeline *t = NULL, *back = NULL;
	char *a = NULL, *b = NULL, *json = NULL;
	size_t la = 0, lb = 0, lj = 0;
	FILE *f;
	int r = timeline_parse((const char *)data, size, &t);

	if (r != 0) {
		if ((r != -EINVAL && r != -ENOMEM) || t)
			abort();
		return 0;
	}
	if (write_text(t, &a, &la) || timeline_parse(a, la, &back) != 0 ||
	    write_text(back, &b, &lb) || la != lb || memcmp(a, b, la))
		abort();
	f = open_memstream(&json, &lj);
	if (!f || timeline_write_chrome(t, f) != 0)
		abort();
	fclose(f);
	free(json);
	free(a);
	free(b);
	timeline_free(back);
	timeline_free(t);
	return 0;
}
