/* tracepoint.c - see tracepoint.h. */
#include "tracepoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *tracepoint_fs(void)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	const char *env = getenv("HWPROF_TRACEFS");
	char path[512];

	if (env && *env)
		return env;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (is_dir(path))
			return roots[i];
	}
	return NULL;
}

int tracepoint_word(const char *s, size_t len)
{
	if (len == 0 || len > 63)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

int tracepoint_id(const char *sys, const char *name, uint64_t *id)
{
	const char *root = tracepoint_fs();
	char path[512];
	unsigned long long v;
	FILE *f;
	int r = -ENOENT;

	if (!root)
		return -ENODEV;
	if (!tracepoint_word(sys, strlen(sys)) || !tracepoint_word(name, strlen(name)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, sys, name);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%llu", &v) == 1) {
		*id = v;
		r = 0;
	}
	fclose(f);
	return r;
}

int tracepoint_encode(const char *base, struct event *e, const char *text, char *err, size_t errlen)
{
	char sys[64], name[64];
	const char *c = strchr(base, ':');
	uint64_t id;
	int r;

	if (!c || strchr(c + 1, ':') || !tracepoint_word(base, (size_t)(c - base)) ||
	    !tracepoint_word(c + 1, strlen(c + 1)))
		return 1;   /* not shaped like SYS:NAME */
	snprintf(sys, sizeof(sys), "%.*s", (int)(c - base), base);
	snprintf(name, sizeof(name), "%s", c + 1);
	r = tracepoint_id(sys, name, &id);
	if (r == -ENOENT) {
		/* SYS:NAME where SYS is a tracepoint system: a misspelt tracepoint. */
		char path[512];
		const char *root = tracepoint_fs();

		snprintf(path, sizeof(path), "%s/events/%s", root, sys);
		if (is_dir(path)) {
			snprintf(err, errlen, "unknown tracepoint '%s': no %s in %s (see 'hwprof list %s:')",
				 text, name, path, sys);
			return -EINVAL;
		}
		return 1;
	}
	if (r < 0)
		return 1;
	e->attr.type = PERF_TYPE_TRACEPOINT;
	e->attr.config = id;
	return 0;
}
