/* events.c - see events.h. */
#include "events.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <perfmon/pfmlib_perf_event.h>

#ifndef HWPROF_EVENTS_DEFAULT_DIR
#define HWPROF_EVENTS_DEFAULT_DIR "/usr/local/share/hwprof/events"
#endif

/* perf's generic names: what users type most, and the first place to look for a
 * suggestion when they mistype. */
static const char *const generic_names[] = {
	"cycles", "instructions", "cache-references", "cache-misses", "branches",
	"branch-instructions", "branch-misses", "bus-cycles", "ref-cycles",
	"stalled-cycles-frontend", "stalled-cycles-backend", "cpu-clock", "task-clock",
	"page-faults", "faults", "minor-faults", "major-faults", "context-switches", "cs",
	"cpu-migrations", "migrations", "alignment-faults", "emulation-faults", "dummy",
	"L1-dcache-loads", "L1-dcache-load-misses", "L1-icache-load-misses", "LLC-loads",
	"LLC-load-misses", "dTLB-loads", "dTLB-load-misses", "iTLB-load-misses",
	"branch-loads", "branch-load-misses", NULL,
};

const char *const *events_generic_names(void)
{
	return generic_names;
}

static int pfm_ready(void)
{
	int r = pfm_initialize();

	return r == PFM_SUCCESS ? 0 : -ENODEV;
}

static void name_sample_type(struct event *e)
{
	const char *n = e->name;
	size_t len = strcspn(n, ":");

	if (e->attr.type == PERF_TYPE_SOFTWARE && e->attr.config == PERF_COUNT_SW_CPU_CLOCK) {
		snprintf(e->sample_type, sizeof(e->sample_type), "cpu");
		snprintf(e->unit, sizeof(e->unit), "nanoseconds");
		return;
	}
	if (e->attr.type == PERF_TYPE_SOFTWARE && e->attr.config == PERF_COUNT_SW_TASK_CLOCK) {
		snprintf(e->sample_type, sizeof(e->sample_type), "task-clock");
		snprintf(e->unit, sizeof(e->unit), "nanoseconds");
		return;
	}
	/* A tracepoint's name is SYS:NAME; the system alone would say little. */
	if (e->attr.type == PERF_TYPE_TRACEPOINT) {
		const char *c = strchr(n, ':');

		len = c ? (size_t)(c - n) + 1 + strcspn(c + 1, ":") : strlen(n);
	}
	/* Keep the event's own name, without modifiers, as the pprof type. */
	snprintf(e->sample_type, sizeof(e->sample_type), "%.*s", (int)len, n);
	snprintf(e->unit, sizeof(e->unit), "count");
}

void events_set_cpu_clock(struct event *e)
{
	int eu = e->attr.exclude_user, ek = e->attr.exclude_kernel;

	memset(&e->attr, 0, sizeof(e->attr));
	e->attr.size = sizeof(e->attr);
	e->attr.type = PERF_TYPE_SOFTWARE;
	e->attr.config = PERF_COUNT_SW_CPU_CLOCK;
	e->attr.exclude_user = eu;
	e->attr.exclude_kernel = ek;
	e->sampling_set = 0;
	snprintf(e->name, sizeof(e->name), "cpu-clock");
	name_sample_type(e);
}

int events_is_hardware(const struct event *e)
{
	switch (e->attr.type) {
	case PERF_TYPE_HARDWARE:
	case PERF_TYPE_HW_CACHE:
	case PERF_TYPE_RAW:
		return 1;
	case PERF_TYPE_SOFTWARE:
	case PERF_TYPE_TRACEPOINT:
	case PERF_TYPE_BREAKPOINT:
		return 0;
	default:
		return 1;
	}
}

size_t events_group_size(const struct event_list *l, size_t i)
{
	size_t n = 0;

	for (size_t j = 0; j < l->n; j++)
		if (l->ev[j].leader == (int)i)
			n++;
	return n;
}

int events_host_pmu(char *buf, size_t cap)
{
	int pmu;

	buf[0] = '\0';
	if (pfm_ready() < 0)
		return -ENODEV;
	pfm_for_all_pmus(pmu) {
		pfm_pmu_info_t pinfo = { .size = sizeof(pinfo) };

		if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
			continue;
		if (pinfo.type != PFM_PMU_TYPE_CORE)
			continue;
		snprintf(buf, cap, "%s", pinfo.name);
		return 0;
	}
	return -ENODEV;
}

/* The CPU as /proc/cpuinfo names it: x86's model name, family and model, or
 * arm64's implementer and part numbers (what libpfm4 matches its tables on). */
static void cpu_model(char *buf, size_t cap)
{
	char line[256], name[128] = "", family[32] = "", model[32] = "", impl[32] = "", part[32] = "";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = '\0';
		if (!name[0] && strncmp(line, "model name", 10) == 0)
			snprintf(name, sizeof(name), "%s", v);
		else if (!family[0] && strncmp(line, "cpu family", 10) == 0)
			snprintf(family, sizeof(family), "%s", v);
		else if (!model[0] && strncmp(line, "model\t", 6) == 0)
			snprintf(model, sizeof(model), "%s", v);
		else if (!impl[0] && strncmp(line, "CPU implementer", 15) == 0)
			snprintf(impl, sizeof(impl), "%s", v);
		else if (!part[0] && strncmp(line, "CPU part", 8) == 0)
			snprintf(part, sizeof(part), "%s", v);
	}
	if (f)
		fclose(f);
	if (impl[0])
		snprintf(buf, cap, "implementer %s, part %s", impl, part);
	else if (family[0])
		snprintf(buf, cap, "%s, family %s model %s", name[0] ? name : "unnamed", family, model);
	else
		snprintf(buf, cap, "unknown: no /proc/cpuinfo");
}

void events_no_pmu_table(char *buf, size_t cap)
{
	char cpu[200];

	cpu_model(cpu, sizeof(cpu));
	snprintf(buf, cap, "the installed libpfm4 has no event table for this CPU (%s)", cpu);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], prev, tmp;

	if (lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

struct suggestion {
	char name[96];
	size_t dist;
};

static void consider(struct suggestion *best, int max, const char *cand, const char *name)
{
	size_t d = strcasecmp(cand, name) == 0 ? 0 : edit_distance(name, cand);
	size_t limit = strlen(name) / 3 + 1;

	if (d > limit && !(strlen(name) >= 4 && strcasestr(cand, name)))
		return;
	if (strcasestr(cand, name))
		d = d < 2 ? d : 2;
	for (int i = 0; i < max; i++)
		if (strcmp(best[i].name, cand) == 0)
			return;
	for (int i = 0; i < max; i++) {
		if (best[i].name[0] && best[i].dist <= d)
			continue;
		memmove(&best[i + 1], &best[i], (max - i - 1) * sizeof(*best));
		snprintf(best[i].name, sizeof(best[i].name), "%s", cand);
		best[i].dist = d;
		return;
	}
}

void events_suggest(const char *name, char *buf, size_t cap, int max)
{
	struct suggestion best[8];
	char base[96];
	size_t off = 0;
	int pmu;

	if (max > 8)
		max = 8;
	memset(best, 0, sizeof(best));
	buf[0] = '\0';
	snprintf(base, sizeof(base), "%.*s", (int)strcspn(name, ":"), name);
	for (size_t i = 0; generic_names[i]; i++)
		consider(best, max, generic_names[i], base);
	if (pfm_ready() == 0) {
		pfm_for_all_pmus(pmu) {
			pfm_pmu_info_t pinfo = { .size = sizeof(pinfo) };

			if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
				continue;
			for (int ev = pinfo.first_event; ev != -1; ev = pfm_get_event_next(ev)) {
				pfm_event_info_t einfo = { .size = sizeof(einfo) };

				if (pfm_get_event_info(ev, PFM_OS_NONE, &einfo) == PFM_SUCCESS)
					consider(best, max, einfo.name, base);
			}
		}
	}
	for (int i = 0; i < max && best[i].name[0]; i++) {
		int w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", best[i].name);

		if (w < 0 || (size_t)w >= cap - off)
			break;
		off += w;
	}
}

/* ---- tracepoints ---- */

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *events_tracefs(void)
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

/* A tracepoint's system and name are file names in tracefs: reject anything that
 * could walk elsewhere. */
static int tp_word(const char *s, size_t len)
{
	if (len == 0 || len > 63)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

int events_tracepoint_id(const char *sys, const char *name, uint64_t *id)
{
	const char *root = events_tracefs();
	char path[512];
	unsigned long long v;
	FILE *f;
	int r = -ENOENT;

	if (!root)
		return -ENODEV;
	if (!tp_word(sys, strlen(sys)) || !tp_word(name, strlen(name)))
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

/* ---- presets ---- */

const char *events_presets_dir(void)
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

int events_preset_lookup(const char *dir, const char *name, const char *pmu, char **text,
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

int events_preset_names(const char *dir, char *buf, size_t cap)
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

/* ---- one event ---- */

struct mods {
	int u, k, h, priv;     /* priv: one of u, k, h was given */
	int precise;
	uint64_t period, freq;
};

/* Whether tok is one of our own modifiers (applied to any event, tracepoints
 * included): a run of u/k/h/p letters, period=N or freq=N.  -EINVAL with a
 * message for a value that is wrong; 0 when tok is not ours (libpfm4 may know it). */
static int own_modifier(const char *tok, struct mods *m, const char *text, char *err, size_t errlen)
{
	const char *eq = strchr(tok, '=');

	if (eq && (((size_t)(eq - tok) == 6 && strncmp(tok, "period", 6) == 0) ||
		   ((size_t)(eq - tok) == 4 && strncmp(tok, "freq", 4) == 0))) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-' || v == 0) {
			snprintf(err, errlen, "event '%s': bad modifier '%s': expected a positive integer", text, tok);
			return -EINVAL;
		}
		if (tok[0] == 'p')
			m->period = v;
		else
			m->freq = v;
		return 1;
	}
	if (!*tok || strspn(tok, "ukhp") != strlen(tok))
		return 0;
	{
		struct mods t = *m;

		for (const char *p = tok; *p; p++) {
			switch (*p) {
			case 'u': t.u = t.priv = 1; break;
			case 'k': t.k = t.priv = 1; break;
			case 'h': t.h = t.priv = 1; break;
			default: t.precise++; break;
			}
		}
		if (t.precise > 3) {
			snprintf(err, errlen, "event '%s': bad modifier '%s': precision goes up to ppp "
				 "(p: constant skid, pp: asks for zero skid, ppp: requires it)", text, tok);
			return -EINVAL;
		}
		*m = t;
	}
	return 1;
}

/* Where libpfm4 rejected an attribute, name it and the ones the event has. */
static void bad_attribute(const char *base, const char *text, int code, char *err, size_t errlen)
{
	char prefix[256], known[256] = "";
	size_t off = 0, bad_at = 0, bad_len;
	int idx;

	/* Encode longer and longer prefixes: the first that fails ends at the bad one. */
	for (size_t i = 0; base[i]; i++) {
		if (base[i] != ':' || base[i + 1] == ':' || (i && base[i - 1] == ':'))
			continue;
		if (!bad_at)
			bad_at = i + 1;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)i, base);
		if (i > 0 && strchr(prefix, ':')) {
			pfm_perf_encode_arg_t arg;
			struct perf_event_attr a;

			memset(&arg, 0, sizeof(arg));
			memset(&a, 0, sizeof(a));
			arg.attr = &a;
			arg.size = sizeof(arg);
			if (pfm_get_os_event_encoding(prefix, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg) != PFM_SUCCESS)
				break;
		}
		bad_at = i + 1;
	}
	if (!bad_at)
		bad_at = strlen(base);
	bad_len = strcspn(base + bad_at, ":");
	snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(base, ":"), base);
	idx = pfm_find_event(prefix);
	if (idx >= 0) {
		pfm_event_info_t einfo = { .size = sizeof(einfo) };

		if (pfm_get_event_info(idx, PFM_OS_PERF_EVENT_EXT, &einfo) == PFM_SUCCESS) {
			for (int a = 0; a < einfo.nattrs && off < sizeof(known) - 1; a++) {
				pfm_event_attr_info_t ainfo = { .size = sizeof(ainfo) };
				int w;

				if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT_EXT, &ainfo) != PFM_SUCCESS)
					continue;
				w = snprintf(known + off, sizeof(known) - off, "%s%s", off ? ", " : "", ainfo.name);
				if (w < 0 || (size_t)w >= sizeof(known) - off) {
					known[off] = '\0';
					break;
				}
				off += w;
			}
		}
	}
	if (bad_len == 0) {
		if (known[0])
			snprintf(err, errlen, "event '%s' needs a unit mask: %s:MASK (this event's: %s)",
				 text, text, known);
		else
			snprintf(err, errlen, "event '%s' needs a unit mask (see 'hwprof list %s')", text, prefix);
		return;
	}
	snprintf(err, errlen, "event '%s': %s '%.*s' (modifiers: u, k, h, p, pp, ppp, period=N, freq=N%s%s)",
		 text, code == PFM_ERR_ATTR_VAL ? "bad value in" : "unknown modifier or unit mask",
		 (int)bad_len, base + bad_at, known[0] ? "; this event's: " : "", known);
}

static int encode_tracepoint(const char *base, struct event *e, const char *text, char *err, size_t errlen)
{
	char sys[64], name[64];
	const char *c = strchr(base, ':');
	uint64_t id;
	int r;

	if (!c || strchr(c + 1, ':') || !tp_word(base, (size_t)(c - base)) || !tp_word(c + 1, strlen(c + 1)))
		return 1;   /* not shaped like SYS:NAME */
	snprintf(sys, sizeof(sys), "%.*s", (int)(c - base), base);
	snprintf(name, sizeof(name), "%s", c + 1);
	r = events_tracepoint_id(sys, name, &id);
	if (r == -ENOENT) {
		/* SYS:NAME where SYS is a tracepoint system: a misspelt tracepoint. */
		char path[512];
		const char *root = events_tracefs();

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

static const struct {
	const char *name;
	uint64_t config;
} builtin_sw[] = {
	{ "alignment-faults", PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_COUNT_SW_EMULATION_FAULTS },
};

static int parse_one(const char *text, struct event *e, char *err, size_t errlen)
{
	pfm_perf_encode_arg_t arg;
	struct mods m;
	char base[128];
	int r, plm;

	memset(e, 0, sizeof(*e));
	memset(&m, 0, sizeof(m));
	if (strlen(text) >= sizeof(e->name)) {
		snprintf(err, errlen, "event name too long: '%.40s...'", text);
		return -EINVAL;
	}
	snprintf(e->name, sizeof(e->name), "%s", text);
	snprintf(base, sizeof(base), "%s", text);
	/* Peel our own modifiers off the end; what is left is the event and the
	 * PMU's attributes, for libpfm4. */
	for (;;) {
		char *c = strrchr(base, ':');

		if (!c || c == base || c[-1] == ':')
			break;
		r = own_modifier(c + 1, &m, text, err, errlen);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		*c = '\0';
	}
	if (m.period && m.freq) {
		snprintf(err, errlen, "event '%s': period= and freq= exclude each other", text);
		return -EINVAL;
	}
	if (pfm_ready() < 0) {
		snprintf(err, errlen, "%s: libpfm4 failed to initialize", text);
		return -EINVAL;
	}
	r = encode_tracepoint(base, e, text, err, errlen);
	if (r < 0)
		return r;
	if (r == 0) {
		if (m.priv) {
			e->attr.exclude_user = !m.u;
			e->attr.exclude_kernel = !m.k;
			e->attr.exclude_hv = !m.h;
		}
		goto apply;
	}
	/* perf's software events that libpfm4 does not name. */
	for (size_t i = 0; i < sizeof(builtin_sw) / sizeof(builtin_sw[0]); i++) {
		if (strcmp(base, builtin_sw[i].name) != 0)
			continue;
		e->attr.type = PERF_TYPE_SOFTWARE;
		e->attr.config = builtin_sw[i].config;
		if (m.priv) {
			e->attr.exclude_user = !m.u;
			e->attr.exclude_kernel = !m.k;
			e->attr.exclude_hv = !m.h;
		}
		goto apply;
	}
	/* PLM0|PLM3: user and kernel unless the event text says otherwise (:u, :k). */
	plm = m.priv ? (m.u ? PFM_PLM3 : 0) | (m.k ? PFM_PLM0 : 0) | (m.h ? PFM_PLMH : 0)
		     : PFM_PLM0 | PFM_PLM3;
	memset(&arg, 0, sizeof(arg));
	arg.attr = &e->attr;
	arg.size = sizeof(arg);
	r = pfm_get_os_event_encoding(base, plm, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_ERR_ATTR || r == PFM_ERR_ATTR_VAL || r == PFM_ERR_UMASK) {
		bad_attribute(base, text, r, err, errlen);
		return -EINVAL;
	}
	if (r != PFM_SUCCESS) {
		char sugg[256];
		const char *c = strchr(base, ':');

		events_suggest(base, sugg, sizeof(sugg), 3);
		if (r == PFM_ERR_NOTFOUND && c && c[1] != ':' && !events_tracefs() &&
		    tp_word(base, (size_t)(c - base)))
			snprintf(err, errlen, "unknown event '%s' (tracepoints need tracefs: "
				 "mount -t tracefs nodev /sys/kernel/tracing)", text);
		else if (r == PFM_ERR_NOTFOUND)
			snprintf(err, errlen, "unknown event '%s'%s%s%s (see 'hwprof list')", text,
				 sugg[0] ? " (did you mean: " : "", sugg, sugg[0] ? "?)" : "");
		else
			snprintf(err, errlen, "event '%s': %s%s%s%s", text, pfm_strerror(r),
				 sugg[0] ? " (did you mean: " : "", sugg, sugg[0] ? "?)" : "");
		return -EINVAL;
	}
apply:
	e->attr.size = sizeof(e->attr);
	if (m.precise)
		e->attr.precise_ip = m.precise;
	if (m.period) {
		e->attr.freq = 0;
		e->attr.sample_period = m.period;
		e->sampling_set = 1;
	} else if (m.freq) {
		e->attr.freq = 1;
		e->attr.sample_freq = m.freq;
		e->sampling_set = 1;
	} else if (e->attr.sample_period) {
		/* libpfm4's own :period= / :freq= spelled out by hand */
		e->sampling_set = 1;
	}
	name_sample_type(e);
	return 0;
}

/* ---- lists, groups, presets ---- */

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
static int expand_presets(const char *text, char **out, char *err, size_t errlen)
{
	struct strbuf b = { NULL, 0, 0 };
	const char *p = text;
	char pmu[64];
	int depth = 0, r = 0;

	*out = NULL;
	events_host_pmu(pmu, sizeof(pmu));
	while (*p) {
		size_t n;

		if (*p == '{' || *p == '}') {
			depth += *p == '{' ? 1 : -1;
			r = sb_add(&b, p++, 1);
		} else if (*p == '@') {
			char name[80], *ev = NULL;
			const char *dir = events_presets_dir();

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
			r = events_preset_lookup(dir, name, pmu, &ev, NULL, 0);
			if (r == -ENOENT) {
				char names[512];

				if (events_preset_names(dir, names, sizeof(names)) < 0 || !names[0])
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

static int list_push(struct event_list *l, size_t *cap)
{
	if (l->n == *cap) {
		struct event *n = realloc(l->ev, (*cap ? *cap * 2 : 4) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->ev = n;
		*cap = *cap ? *cap * 2 : 4;
	}
	return 0;
}

static int check_group(const struct event_list *l, size_t leader, const char *text, char *err, size_t errlen)
{
	size_t hw = 0;

	for (size_t j = leader; j < l->n; j++)
		hw += events_is_hardware(&l->ev[j]);
	if (hw > EVENTS_GROUP_MAX_HW) {
		snprintf(err, errlen, "group '%s' has %zu CPU PMU events: a core counts at most %d at "
			 "once; split it into several {...} groups", text, hw, EVENTS_GROUP_MAX_HW);
		return -EINVAL;
	}
	return 0;
}

static int parse_items(const char *text, struct event_list *l, char *err, size_t errlen)
{
	size_t cap = 0, group_start = 0;
	const char *p = text, *group_text = NULL;
	int in_group = 0, r;

	while (*p) {
		char item[160];
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '{') {
			if (in_group) {
				snprintf(err, errlen, "malformed group in '%s': groups do not nest", text);
				return -EINVAL;
			}
			in_group = 1;
			group_start = l->n;
			group_text = p;
			p++;
			continue;
		}
		if (*p == '}') {
			if (!in_group) {
				snprintf(err, errlen, "malformed group in '%s': '}' without '{'", text);
				return -EINVAL;
			}
			if (l->n == group_start) {
				snprintf(err, errlen, "malformed group in '%s': empty group {}", text);
				return -EINVAL;
			}
			p++;
			if (*p && *p != ',') {
				snprintf(err, errlen, "malformed group in '%s': '%.*s' after '}' (modifiers "
					 "go on each event: {cycles:u,instructions:u})", text,
					 (int)strcspn(p, ","), p);
				return -EINVAL;
			}
			snprintf(item, sizeof(item), "%.*s", (int)(p - group_text), group_text);
			r = check_group(l, group_start, item, err, errlen);
			if (r < 0)
				return r;
			in_group = 0;
			continue;
		}
		n = strcspn(p, ",{}");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (p[n] == '{') {
			snprintf(err, errlen, "malformed group in '%s': '{' must start an item", text);
			return -EINVAL;
		}
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "event name too long: '%.40s...'", p);
			return -EINVAL;
		}
		snprintf(item, sizeof(item), "%.*s", (int)n, p);
		p += n;
		r = list_push(l, &cap);
		if (r < 0)
			return r;
		r = parse_one(item, &l->ev[l->n], err, errlen);
		if (r < 0)
			return r;
		l->ev[l->n].leader = in_group ? (int)group_start : (int)l->n;
		l->n++;
	}
	if (in_group) {
		snprintf(err, errlen, "malformed group in '%s': missing '}'", text);
		return -EINVAL;
	}
	return 0;
}

int events_parse(const char *text, struct event_list **out, char *err, size_t errlen)
{
	struct event_list *l = NULL;
	char *expanded = NULL;
	int r = -ENOMEM;

	*out = NULL;
	err[0] = '\0';
	l = calloc(1, sizeof(*l));
	if (!l)
		goto fail;
	r = expand_presets(text, &expanded, err, errlen);
	if (r < 0)
		goto fail;
	r = parse_items(expanded, l, err, errlen);
	if (r < 0)
		goto fail;
	if (l->n == 0) {
		snprintf(err, errlen, "no event given in '%s'", text);
		r = -EINVAL;
		goto fail;
	}
	free(expanded);
	*out = l;
	return 0;
fail:
	if (r == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	free(expanded);
	events_free(l);
	return r;
}

void events_free(struct event_list *l)
{
	if (!l)
		return;
	free(l->ev);
	free(l);
}

int events_for_each_pmu_event(events_pmu_event_fn fn, void *ctx)
{
	int pmu, r;

	if (pfm_ready() < 0)
		return -ENODEV;
	pfm_for_all_pmus(pmu) {
		pfm_pmu_info_t pinfo = { .size = sizeof(pinfo) };

		if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
			continue;
		/* perf's own names are listed as generic events; perf_raw is rNNNN. */
		if (strcmp(pinfo.name, "perf") == 0 || strcmp(pinfo.name, "perf_raw") == 0)
			continue;
		for (int ev = pinfo.first_event; ev != -1; ev = pfm_get_event_next(ev)) {
			pfm_event_info_t einfo = { .size = sizeof(einfo) };
			char name[256];
			int umasks = 0;

			if (pfm_get_event_info(ev, PFM_OS_PERF_EVENT_EXT, &einfo) != PFM_SUCCESS)
				continue;
			for (int a = 0; a < einfo.nattrs; a++) {
				pfm_event_attr_info_t ainfo = { .size = sizeof(ainfo) };

				if (pfm_get_event_attr_info(ev, a, PFM_OS_PERF_EVENT_EXT, &ainfo) != PFM_SUCCESS ||
				    ainfo.type != PFM_ATTR_UMASK)
					continue;
				umasks++;
				snprintf(name, sizeof(name), "%s:%s", einfo.name, ainfo.name);
				r = fn(ctx, pinfo.name, pinfo.desc, name, ainfo.desc ? ainfo.desc : "");
				if (r)
					return r;
			}
			if (umasks)
				continue;
			r = fn(ctx, pinfo.name, pinfo.desc, einfo.name, einfo.desc ? einfo.desc : "");
			if (r)
				return r;
		}
	}
	return 0;
}
