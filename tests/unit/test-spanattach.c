/* test-spanattach.c - joining the span channels of a /proc of our own making:
 * a process without a channel at its first look (still starting) is looked
 * at once more at the next update, and then no more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spanattach.h"
#include "tap.h"

static char root[64];

/* The lines spanattach says, counted. */
static void count_line(void *ctx, const char *line)
{
	(*(int *)ctx)++;
	printf("# said: %s\n", line);
}

static void mkdir_at(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (mkdir(path, 0755) < 0)
		printf("# cannot make %s\n", path);
}

int main(void)
{
	struct spanattach *a = NULL;
	char link[256];
	int said = 0;

	snprintf(root, sizeof(root), "/tmp/test-spanattach.XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	mkdir_at("4242");
	mkdir_at("4242/fd");
	if (spanattach_new(root, count_line, &said, &a) < 0) {
		printf("Bail out! spanattach_new\n");
		return 1;
	}
	is_int(spanattach_update(a, NULL, 0, 1, NULL), 0, "no channel at the first look");
	/* Its channel appears (the library's constructor ran): a descriptor of
	 * that name, whose file cannot be opened here, so the look says so. */
	snprintf(link, sizeof(link), "%s/4242/fd/3", root);
	if (symlink("/memfd:hwprof-spans (deleted)", link) < 0)
		printf("# cannot link %s\n", link);
	is_int(spanattach_update(a, NULL, 0, 1, NULL), 0, "the second look joins nothing here");
	is_int(said, 1, "the second look found the channel (one line on why it is not read)");
	spanattach_update(a, NULL, 0, 1, NULL);
	is_int(said, 1, "no third look");
	spanattach_free(a);
	unlink(link);
	snprintf(link, sizeof(link), "%s/4242/fd", root);
	rmdir(link);
	snprintf(link, sizeof(link), "%s/4242", root);
	rmdir(link);
	rmdir(root);
	return done_testing();
}
