/* preset.c - see preset.h. */
#include "preset.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmu.h"

#ifndef HWPROF_EVENTS_DEFAULT_DIR
#define HWPROF_EVENTS_DEFAULT_DIR "/usr/local/share/hwprof/events"
#endif

const char *preset_dir(void)
{
	const char *env = getenv("HWPROF_EVENTS_DIR");

	return env && *env ? env : HWPROF_EVENTS_DEFAULT_DIR;
}

static int preset_name_ok(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return 1;
}

/* Whether pmu matches one of the comma-separated glob patterns. */
static int patterns_match(const char *patterns, const char *pmu)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%.*s", (int)sizeof(buf) - 1, patterns);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (fnmatch(tok, pmu, 0) == 0)
			return 1;
	return 0;
}

int preset_lookup(const char *dir, const char *name, const char *pmu, char **text,
		  char *desc, size_t desclen)
{
	char path[512], line[1024], *fallback = NULL, *found = NULL;
	FILE *f;
	int r = -EINVAL;

	*text = NULL;
	if (desc && desclen)
		desc[0] = '\0';
	if (!preset_name_ok(name))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s.preset", dir, name);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	/* Lines: "# comment", "description TEXT", "PATTERNS EVENTS"; the first line
	 * whose patterns match wins, '*' is the fallback wherever it appears. */
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line, *pat, *rest;

		line[strcspn(line, "\n")] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		pat = p;
		rest = p + strcspn(p, " \t");
		if (*rest)
			*rest++ = '\0';
		while (isspace((unsigned char)*rest))
			rest++;
		if (!*rest)
			goto out;   /* a pattern without events: malformed */
		if (strcmp(pat, "description") == 0) {
			if (desc && desclen)
				snprintf(desc, desclen, "%s", rest);
			continue;
		}
		if (strcmp(pat, "*") == 0) {
			if (!fallback && !(fallback = strdup(rest))) {
				r = -ENOMEM;
				goto out;
			}
			continue;
		}
		if (pmu && *pmu && patterns_match(pat, pmu) && !(found = strdup(rest))) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (found) {
		*text = found;
		found = NULL;
		r = 0;
	} else if (fallback) {
		*text = fallback;
		fallback = NULL;
		r = 0;
	}
out:
	free(found);
	free(fallback);
	fclose(f);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int preset_names(const char *dir, char *buf, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, ncap = 0, off = 0;
	int r = 0;

	buf[0] = '\0';
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 7 || strcmp(de->d_name + len - 7, ".preset") != 0)
			continue;
		if (n == ncap) {
			char **nn = realloc(names, (ncap ? ncap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				r = -ENOMEM;
				goto out;
			}
			names = nn;
			ncap = ncap ? ncap * 2 : 16;
		}
		if (!(names[n] = strndup(de->d_name, len - 7))) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", names[i]);

		if (w < 0 || (size_t)w >= cap - off)
			break;
		off += w;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

struct strbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns)
			return -ENOMEM;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Replace every top-level @NAME by the preset's events for this machine. */
int preset_expand(const char *text, char **out, char *err, size_t errlen)
{
	struct strbuf b = { NULL, 0, 0 };
	const char *p = text;
	char pmu[64];
	int depth = 0, r = 0;

	*out = NULL;
	pmu_host(pmu, sizeof(pmu));
	while (*p) {
		size_t n;

		if (*p == '{' || *p == '}') {
			depth += *p == '{' ? 1 : -1;
			r = sb_add(&b, p++, 1);
		} else if (*p == '@') {
			char name[80], *ev = NULL;
			const char *dir = preset_dir();

			n = strcspn(p + 1, ",{}");
			snprintf(name, sizeof(name), "%.*s", (int)(n < 79 ? n : 79), p + 1);
			while (n && name[0] && isspace((unsigned char)name[strlen(name) - 1]))
				name[strlen(name) - 1] = '\0';
			if (depth > 0) {
				snprintf(err, errlen, "preset '@%s' inside a group: presets hold their own "
					 "groups; list it outside the braces", name);
				r = -EINVAL;
				goto out;
			}
			r = preset_lookup(dir, name, pmu, &ev, NULL, 0);
			if (r == -ENOENT) {
				char names[512];

				if (preset_names(dir, names, sizeof(names)) < 0 || !names[0])
					snprintf(err, errlen, "unknown preset '@%s': no presets in %s "
						 "(set HWPROF_EVENTS_DIR)", name, dir);
				else
					snprintf(err, errlen, "unknown preset '@%s' (presets: %s; in %s)",
						 name, names, dir);
				r = -EINVAL;
				goto out;
			}
			if (r < 0) {
				snprintf(err, errlen, "preset '@%s' (%s/%s.preset): %s", name, dir, name,
					 r == -EINVAL ? "malformed, or no line for this CPU and no '*' line"
						      : strerror(-r));
				r = -EINVAL;
				goto out;
			}
			r = sb_add(&b, ev, strlen(ev));
			free(ev);
			p += 1 + n;
		} else {
			n = strcspn(p, "{}@");
			r = sb_add(&b, p, n);
			p += n;
		}
		if (r < 0)
			goto out;
	}
	r = sb_add(&b, "", 0);
	if (r < 0)
		goto out;
	*out = b.s;
	return 0;
out:
	free(b.s);
	return r;
}
