/* sidefile.c - see sidefile.h. */
#include "sidefile.h"

#include <stdio.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

void sidefile_timeline(const char *profile, char *buf, size_t cap)
{
	size_t n = strlen(profile);

	if (ends_with(profile, ".pb.gz"))
		n -= 6;
	snprintf(buf, cap, "%.*s.timeline", (int)n, profile);
}

void sidefile_timeline_of(const char *file, char *buf, size_t cap)
{
	if (ends_with(file, ".timeline"))
		snprintf(buf, cap, "%s", file);
	else
		sidefile_timeline(file, buf, cap);
}

void sidefile_hlog(const char *profile, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s.hlog", profile);
}
