/* sysfspmu.c - see sysfspmu.h. */
#include "sysfspmu.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "suggest.h"
#include "util.h"

#define TERMS_MAX 512              /* an events/ file or the terms of an event text */

void sysfspmu_dir(char *buf, size_t cap)
{
	const char *root = getenv("HWPROF_SYSFS");

	snprintf(buf, cap, "%s/bus/event_source/devices", root && *root ? root : "/sys");
}

/* A PMU, event or term name: no path in it. */
static int plain_name(const char *s, size_t len)
{
	if (len == 0 || len > 63 || (s[0] == '.'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

/* The first line of devices/PMU/REL into buf, trailing space cut.  0 or -ENOENT. */
static int read_line(const char *pmu, const char *rel, char *buf, size_t cap)
{
	char dir[256], path[512];
	FILE *f;
	size_t n;

	sysfspmu_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, pmu, rel);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	if (!fgets(buf, (int)cap, f))
		buf[0] = '\0';
	fclose(f);
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return 0;
}

static int exists(const char *pmu, const char *rel)
{
	char dir[256], path[512];

	sysfspmu_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/%s", dir, pmu, rel);
	return access(path, F_OK) == 0;
}

/* The CPU PMU's folder name: x86's cpu (cpu_core, cpu_atom on hybrids), an
 * ARM core PMU's armv8_* / armv9_* (one per core type on big.LITTLE). */
static int core_pmu(char *buf, size_t cap)
{
	static const char *const fixed[] = { "cpu", "cpu_core", "cpu_atom", "riscv-pmu", "cpum_cf" };
	char dir[256];
	struct dirent *de;
	DIR *d;
	int r = -ENOENT;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (exists(fixed[i], "type")) {
			snprintf(buf, cap, "%s", fixed[i]);
			return 0;
		}
	}
	sysfspmu_dir(dir, sizeof(dir));
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if ((strncmp(de->d_name, "armv8_", 6) == 0 || strncmp(de->d_name, "armv9_", 6) == 0) &&
		    (r < 0 || strcmp(de->d_name, buf) < 0)) {
			snprintf(buf, cap, "%s", de->d_name);
			r = 0;
		}
	}
	if (d)
		closedir(d);
	return r;
}

int sysfspmu_name(uint32_t type, char *buf, size_t cap)
{
	char dir[256], line[32];
	struct dirent *de;
	DIR *d;
	int r = -ENOENT;

	if (type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE || type == PERF_TYPE_RAW)
		return core_pmu(buf, cap);
	sysfspmu_dir(dir, sizeof(dir));
	d = opendir(dir);
	while (d && r < 0 && (de = readdir(d))) {
		if (plain_name(de->d_name, strlen(de->d_name)) &&
		    read_line(de->d_name, "type", line, sizeof(line)) == 0 &&
		    strtoul(line, NULL, 10) == type) {
			snprintf(buf, cap, "%s", de->d_name);
			r = 0;
		}
	}
	if (d)
		closedir(d);
	return r;
}

int sysfspmu_is_uncore(const char *pmu)
{
	return plain_name(pmu, strlen(pmu)) && exists(pmu, "cpumask");
}

int sysfspmu_max_precise(void)
{
	char pmu[64], line[32];

	if (core_pmu(pmu, sizeof(pmu)) == 0 && read_line(pmu, "caps/max_precise", line, sizeof(line)) == 0)
		return atoi(line);
	return arch_get()->max_precise;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A format term's bits: which field, and its bit numbers from the value's low
 * bit up ("config1:0-3,8" is config1 bits 0, 1, 2, 3, 8). */
struct fmt_bits {
	int field;                 /* 0 config, 1 config1, 2 config2 */
	unsigned n;
	unsigned char bit[64];
};

static int parse_format(const char *text, struct fmt_bits *f)
{
	const char *p = strchr(text, ':');
	size_t flen = p ? (size_t)(p - text) : 0;

	memset(f, 0, sizeof(*f));
	if (flen == 6 && strncmp(text, "config", 6) == 0)
		f->field = 0;
	else if (flen == 7 && strncmp(text, "config", 6) == 0 && (text[6] == '1' || text[6] == '2'))
		f->field = text[6] - '0';
	else
		return -EINVAL;
	while (p && *p) {
		char *end;
		unsigned long lo = strtoul(p + 1, &end, 10), hi = lo;

		if (end == p + 1)
			return -EINVAL;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (hi > 63 || lo > hi || f->n + (hi - lo + 1) > 64)
			return -EINVAL;
		for (unsigned long b = lo; b <= hi; b++)
			f->bit[f->n++] = (unsigned char)b;
		p = *end == ',' ? end : NULL;
	}
	return f->n ? 0 : -EINVAL;
}

static __u64 *field_of(struct perf_event_attr *a, int field)
{
	return field == 0 ? &a->config : field == 1 ? &a->config1 : &a->config2;
}

int sysfspmu_format_mask(const char *pmu, int field, uint64_t *mask)
{
	char dir[256], path[512], line[128];
	struct dirent *de;
	DIR *d;

	*mask = 0;
	if (!plain_name(pmu, strlen(pmu)))
		return -ENOENT;
	sysfspmu_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/format", dir, pmu);
	if (!(d = opendir(path)))
		return -ENOENT;
	while ((de = readdir(d))) {
		struct fmt_bits f;

		snprintf(path, sizeof(path), "format/%s", de->d_name);
		if (de->d_name[0] == '.' || read_line(pmu, path, line, sizeof(line)) < 0 ||
		    parse_format(line, &f) < 0 || f.field != field)
			continue;
		for (unsigned i = 0; i < f.n; i++)
			*mask |= 1ULL << f.bit[i];
	}
	closedir(d);
	return 0;
}

/* The names in folder path that plain_name takes, sorted, into *out (free
 * each and the array); how many (0 when the folder cannot be read). */
static size_t sorted_names(const char *path, char ***out)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(path);

	while (d && (de = readdir(d))) {
		if (!plain_name(de->d_name, strlen(de->d_name)) ||
		    util_grow(&names, &cap, n + 1, sizeof(*names)) < 0)
			continue;
		if ((names[n] = strdup(de->d_name)))
			n++;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	*out = names;
	return n;
}

void sysfspmu_formats(const char *pmu, char *buf, size_t cap)
{
	char dir[256], path[512], line[128], **names = NULL;
	size_t n, off = 0;

	buf[0] = '\0';
	sysfspmu_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/format", dir, pmu);
	if (!plain_name(pmu, strlen(pmu)))
		return;
	n = sorted_names(path, &names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "format/%s", names[i]);
		if (read_line(pmu, path, line, sizeof(line)) == 0 && off < cap) {
			int w = snprintf(buf + off, cap - off, "%s%s=%s", off ? ", " : "", names[i], line);

			off = w < 0 ? cap : off + (size_t)w;
		}
		free(names[i]);
	}
	free(names);
}

/* Scatter v over f's bits; -ERANGE when v has more bits than f. */
static int put_value(struct perf_event_attr *a, const struct fmt_bits *f, uint64_t v)
{
	__u64 *field = field_of(a, f->field);

	if (f->n < 64 && (v >> f->n))
		return -ERANGE;
	for (unsigned i = 0; i < f->n; i++) {
		uint64_t bit = 1ULL << f->bit[i];

		*field = (v >> i) & 1 ? *field | bit : *field & ~bit;
	}
	return 0;
}

/* An encoding in progress: the event text, for messages. */
struct encoding {
	const char *pmu, *text;
	struct sysfspmu_encoded *out;
	char *err;
	size_t errlen;
	char params[TERMS_MAX];        /* ",NAME," of each "?" term still to be given */
	int named;                     /* an event alias was used (its .scale/.unit) */
	char why[400];
};

/* The names close to a term that pmu does not know: its events and formats. */
static void suggest_term(const struct encoding *x, const char *term, char *buf, size_t cap)
{
	static const char *const sub[] = { "events", "format" };
	char dir[256], path[512];
	struct suggest sg;
	struct dirent *de;

	suggest_init(&sg, term, 3);
	sysfspmu_dir(dir, sizeof(dir));
	for (size_t i = 0; i < 2; i++) {
		DIR *d;

		snprintf(path, sizeof(path), "%s/%s/%s", dir, x->pmu, sub[i]);
		if (!(d = opendir(path)))
			continue;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' && !strchr(de->d_name, '.'))
				suggest_consider(&sg, de->d_name);
		closedir(d);
	}
	suggest_format(&sg, buf, cap);
}

/* The message for the event being encoded: "event 'TEXT': " and why.  -EINVAL. */
static int bad(struct encoding *x)
{
	snprintf(x->err, x->errlen, "event '%s': %s", x->text, x->why);
	return -EINVAL;
}

#define BAD(x, ...) (snprintf((x)->why, sizeof((x)->why), __VA_ARGS__), bad(x))

static int apply_terms(struct encoding *x, const char *terms, int from_alias);

/* One term NAME[=VALUE] of the text (from_alias 0) or of an events/ file. */
static int apply_term(struct encoding *x, char *term, int from_alias)
{
	char *eq = strchr(term, '='), line[TERMS_MAX], path[128], *end;
	const char *val = eq ? eq + 1 : NULL;
	struct perf_event_attr *a = &x->out->attr;
	struct fmt_bits f;
	uint64_t v = 1;

	if (eq)
		*eq = '\0';
	if (!plain_name(term, strlen(term)))
		return BAD(x, "'%s' is not a term name", term);
	if (val && strcmp(val, "?") == 0) {
		/* A parameter: the text must give it. */
		if (strlen(x->params) + strlen(term) + 2 < sizeof(x->params))
			strcat(strcat(strcat(x->params, ","), term), ",");
		return 0;
	}
	if (val) {
		errno = 0;
		v = strtoull(val, &end, 0);
		if (errno || end == val || *end || val[0] == '-')
			return BAD(x, "'%s=%s': expected a number (0x... or decimal)", term, val);
	}
	snprintf(path, sizeof(path), "events/%s", term);
	if (!val && !from_alias && read_line(x->pmu, path, line, sizeof(line)) == 0) {
		if (!x->named++) {
			snprintf(path, sizeof(path), "events/%s.scale", term);
			if (read_line(x->pmu, path, line, sizeof(line)) == 0)
				x->out->scale = strtod(line, NULL);
			snprintf(path, sizeof(path), "events/%s.unit", term);
			if (read_line(x->pmu, path, line, sizeof(line)) == 0)
				snprintf(x->out->unit, sizeof(x->out->unit), "%.15s", line);
		}
		snprintf(path, sizeof(path), "events/%s", term);
		read_line(x->pmu, path, line, sizeof(line));
		return apply_terms(x, line, 1);
	}
	if (strcmp(term, "period") == 0 || strcmp(term, "freq") == 0) {
		if (!val || v == 0)
			return BAD(x, "'%s' needs a positive value: %s=N", term, term);
		*(term[0] == 'p' ? &x->out->period : &x->out->freq) = v;
		return 0;
	}
	if (strncmp(term, "config", 6) == 0 && (!term[6] || ((term[6] == '1' || term[6] == '2') && !term[7]))) {
		if (!val)
			return BAD(x, "'%s' needs a value: %s=0x...", term, term);
		*field_of(a, term[6] ? term[6] - '0' : 0) = v;
		return 0;
	}
	snprintf(path, sizeof(path), "format/%s", term);
	if (read_line(x->pmu, path, line, sizeof(line)) == 0) {
		if (parse_format(line, &f) < 0)
			return BAD(x, "the kernel's format of '%s' is '%.100s', which we cannot read", term, line);
		if (put_value(a, &f, v) < 0)
			return BAD(x, "%s=%s does not fit its %u bits (%.100s)", term, val, f.n, line);
		return 0;
	}
	{
		char sugg[200];

		suggest_term(x, term, sugg, sizeof(sugg));
		return BAD(x, "PMU '%s' has no event or term '%s'%s%s%s (see 'hwprof list %s/')", x->pmu,
			   term, sugg[0] ? " (did you mean: " : "", sugg, sugg[0] ? "?)" : "", x->pmu);
	}
}

/* Comma-separated terms, each applied in turn (later ones win). */
static int apply_terms(struct encoding *x, const char *terms, int from_alias)
{
	char buf[TERMS_MAX], *save = NULL;

	if (strlen(terms) >= sizeof(buf))
		return BAD(x, "terms too long (over %d characters)", TERMS_MAX - 1);
	snprintf(buf, sizeof(buf), "%s", terms);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int r;

		while (isspace((unsigned char)*t))
			t++;
		if (!*t)
			continue;
		r = apply_term(x, t, from_alias);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Each "?" parameter of the events used must be among the text's own terms. */
static int check_params(struct encoding *x, const char *terms)
{
	char *save = NULL, *name, buf[TERMS_MAX];

	snprintf(buf, sizeof(buf), "%s", x->params);
	for (name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		char given[80];
		size_t len = strlen(name);
		const char *p = terms;

		snprintf(given, sizeof(given), "%s=", name);
		while ((p = strstr(p, given)) && !(p == terms || p[-1] == ','))
			p += len;
		if (!p)
			return BAD(x, "it needs a value for its parameter '%s': add %s=N to its terms", name, name);
	}
	return 0;
}

int sysfspmu_encode(const char *text, struct sysfspmu_encoded *out, char *err, size_t errlen)
{
	struct encoding x = { .text = text, .out = out, .err = err, .errlen = errlen };
	const char *slash = strchr(text, '/');
	size_t len = strlen(text);
	char pmu[64], terms[TERMS_MAX], line[32];
	int r;

	memset(out, 0, sizeof(*out));
	if (!slash || len < 3 || text[len - 1] != '/' || slash == text + len - 1 ||
	    (size_t)(slash - text) >= sizeof(pmu) || (size_t)(text + len - 1 - slash) > sizeof(terms)) {
		snprintf(err, errlen, "event '%s': expected PMU/TERMS/ (armv8_pmuv3/inst_retired/, "
			 "cpu/event=0x3c,umask=0x00/)", text);
		return -EINVAL;
	}
	snprintf(pmu, sizeof(pmu), "%.*s", (int)(slash - text), text);
	snprintf(terms, sizeof(terms), "%.*s", (int)(text + len - 1 - slash - 1), slash + 1);
	x.pmu = pmu;
	if (!plain_name(pmu, strlen(pmu)) || read_line(pmu, "type", line, sizeof(line)) < 0) {
		char dir[256];

		sysfspmu_dir(dir, sizeof(dir));
		snprintf(err, errlen, "event '%s': no PMU '%s' in %s (see 'hwprof list')", text, pmu, dir);
		return -EINVAL;
	}
	out->attr.size = sizeof(out->attr);
	out->attr.type = (uint32_t)strtoul(line, NULL, 10);
	r = apply_terms(&x, terms, 0);
	if (r == 0)
		r = check_params(&x, terms);
	if (r == 0 && out->period && out->freq)
		r = BAD(&x, "period= and freq= exclude each other");
	return r;
}

struct listed {
	char name[160];
	char terms[TERMS_MAX];
	char unit[64];
};

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

/* pmu's events, sorted, into *out (*n of them).  0 or -ENOMEM. */
static int list_events(const char *pmu, struct listed **out, size_t *n)
{
	char dir[256], path[512];
	struct listed *l = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	sysfspmu_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s/events", dir, pmu);
	if (!(d = opendir(path)))
		return 0;
	while ((de = readdir(d))) {
		struct listed *e;
		char rel[160], line[64];

		if (!plain_name(de->d_name, strlen(de->d_name)) || strchr(de->d_name, '.'))
			continue;
		if (util_grow(&l, &cap, *n + 1, sizeof(*l)) < 0)
			break;
		e = &l[*n];
		snprintf(rel, sizeof(rel), "events/%s", de->d_name);
		if (read_line(pmu, rel, e->terms, sizeof(e->terms)) < 0)
			continue;
		e->unit[0] = '\0';
		snprintf(rel, sizeof(rel), "events/%s.unit", de->d_name);
		if (read_line(pmu, rel, line, sizeof(line)) == 0)
			snprintf(e->unit, sizeof(e->unit), "%s", line);
		snprintf(rel, sizeof(rel), "events/%s.scale", de->d_name);
		if (read_line(pmu, rel, line, sizeof(line)) == 0) {
			size_t u = strlen(e->unit);

			snprintf(e->unit + u, sizeof(e->unit) - u, "%sscale %s", u ? ", " : "", line);
		}
		snprintf(e->name, sizeof(e->name), "%s/%s", pmu, de->d_name);
		/* Parameters the user must give: pmu/event,param=?/ */
		for (const char *q = e->terms; (q = strstr(q, "=?"));) {
			const char *b = q;
			size_t used = strlen(e->name);

			while (b > e->terms && b[-1] != ',')
				b--;
			snprintf(e->name + used, sizeof(e->name) - used, ",%.*s=?", (int)(q - b), b);
			q += 2;
		}
		strncat(e->name, "/", sizeof(e->name) - strlen(e->name) - 1);
		(*n)++;
	}
	closedir(d);
	qsort(l, *n, sizeof(*l), cmp_listed);
	*out = l;
	return 0;
}

int sysfspmu_for_each_event(sysfspmu_event_fn fn, void *ctx)
{
	char dir[256], **pmus = NULL;
	size_t npmus;
	int r = 0;

	sysfspmu_dir(dir, sizeof(dir));
	if (access(dir, F_OK) < 0)
		return -ENOENT;
	npmus = sorted_names(dir, &pmus);
	for (size_t i = 0; i < npmus; i++) {
		struct listed *l = NULL;
		size_t n = 0;

		if (r == 0)
			list_events(pmus[i], &l, &n);
		for (size_t k = 0; k < n && r == 0; k++)
			r = fn(ctx, pmus[i], l[k].name, l[k].terms, l[k].unit);
		free(l);
		free(pmus[i]);
	}
	free(pmus);
	return r;
}
