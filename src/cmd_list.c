/* cmd_list.c - `hwprof list [PATTERN]` and `hwprof list --attr EVENT`: the events
 * and presets hwprof knows, and whether each works on this machine (tried with
 * perf_event_open on hwprof itself, counting only). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "counting.h"
#include "events.h"
#include "pmu.h"
#include "preset.h"
#include "sysfspmu.h"
#include "tracepoint.h"

struct list_ctx {
	const char *pattern;
	const char *last_pmu;
	int last_sysfs;
	char last_sysfs_name[64];
	size_t shown;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof list [PATTERN]\n"
		"       hwprof list --attr EVENTS\n"
		"\n"
		"List the events hwprof knows (perf's generic names, software events, the\n"
		"events libpfm4 knows for this machine's PMUs, the kernel's own PMU events\n"
		"from sysfs as PMU/EVENT/, presets; kernel tracepoints only with a PATTERN)\n"
		"and whether each works here, or why not.  PATTERN is a case-insensitive\n"
		"substring, or a glob when it has * ? or [.\n"
		"\n"
		"  --attr EVENTS   print the perf_event_attr each event becomes\n"
		"  -h, --help      this help\n");
}

static int matches(const char *pattern, const char *name)
{
	if (!pattern)
		return 1;
	if (strpbrk(pattern, "*?["))
		return fnmatch(pattern, name, FNM_CASEFOLD) == 0;
	return strcasestr(name, pattern) != NULL;
}

/* "ok", or why the event does not work here. */
static void status_of(const char *name, char *buf, size_t cap)
{
	struct event_list *l = NULL;
	char err[400];
	int r;

	if (events_parse(name, &l, err, sizeof(err)) < 0) {
		snprintf(buf, cap, "cannot encode: %.400s", err);
		return;
	}
	r = counting_probe(&l->ev[0].attr);
	if (r == 0)
		snprintf(buf, cap, "ok");
	else
		events_strerror(&l->ev[0], r, NULL, buf, cap);
	events_free(l);
}

static void show(const char *name, const char *desc)
{
	char st[512];

	status_of(name, st, sizeof(st));
	if (desc && *desc)
		printf("  %-40s %-4s %s\n", name, strcmp(st, "ok") == 0 ? "ok" : "no", strcmp(st, "ok") == 0 ? desc : st);
	else
		printf("  %-40s %-4s %s\n", name, strcmp(st, "ok") == 0 ? "ok" : "no", strcmp(st, "ok") == 0 ? "" : st);
}

static void list_generic(struct list_ctx *c, int software)
{
	const char *const *names = events_generic_names();
	int header = 0;

	for (size_t i = 0; names[i]; i++) {
		struct event_list *l = NULL;
		char err[256];
		int sw;

		if (!matches(c->pattern, names[i]) || events_parse(names[i], &l, err, sizeof(err)) < 0)
			continue;
		sw = !events_is_hardware(&l->ev[0]);
		events_free(l);
		if (sw != software)
			continue;
		if (!header++)
			printf("%s\n", software ? "Software events:" : "Hardware events (perf's generic names):");
		show(names[i], NULL);
		c->shown++;
	}
	if (header)
		printf("\n");
}

static int on_pmu_event(void *ctx, const char *pmu, const char *pmu_desc, const char *name, const char *desc)
{
	struct list_ctx *c = ctx;

	if (!matches(c->pattern, name))
		return 0;
	if (!c->last_pmu || strcmp(c->last_pmu, pmu) != 0) {
		printf("%s%s events (libpfm4: %s):\n", c->last_pmu ? "\n" : "", pmu, pmu_desc);
		c->last_pmu = pmu;
	}
	(void)desc;   /* libpfm4's descriptions are long: 'hwprof list --attr' is for details */
	show(name, NULL);
	c->shown++;
	return 0;
}

/* The kernel's own PMU events (sysfs), as perf names them: PMU/EVENT/. */
static int on_sysfs_event(void *ctx, const char *pmu, const char *name, const char *terms,
			  const char *unit)
{
	struct list_ctx *c = ctx;
	char desc[400], formats[256];

	if (!matches(c->pattern, name))
		return 0;
	if (!c->last_sysfs || strcmp(c->last_sysfs_name, pmu) != 0) {
		sysfspmu_formats(pmu, formats, sizeof(formats));
		printf("%s%s events (the kernel's, sysfs%s%s):\n", c->last_sysfs ? "\n" : "", pmu,
		       formats[0] ? "; terms " : "", formats);
		snprintf(c->last_sysfs_name, sizeof(c->last_sysfs_name), "%s", pmu);
		c->last_sysfs = 1;
	}
	snprintf(desc, sizeof(desc), "%s%s%s%s", terms, unit[0] ? " (" : "", unit, unit[0] ? ")" : "");
	show(name, desc);
	c->shown++;
	return 0;
}

/* A CPU newer than the installed libpfm4 has no event table: say so rather than
 * leave the section out, so that its absence does not look like a bug. */
static void list_no_pmu_table(void)
{
	char why[320];

	pmu_no_table(why, sizeof(why));
	printf("CPU PMU events: none: %s\n\n", why);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_tracepoints(struct list_ctx *c)
{
	const char *root = tracepoint_fs();
	char path[512], **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d, *sd;
	struct dirent *de, *se;

	if (!root) {
		printf("Tracepoints: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)\n\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/events", root);
	if (!(d = opendir(path))) {
		printf("Tracepoints: %s: %s\n\n", path, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", root, de->d_name);
		if (!(sd = opendir(path)))
			continue;
		while ((se = readdir(sd))) {
			char name[600];
			uint64_t id;

			if (se->d_name[0] == '.')
				continue;
			snprintf(name, sizeof(name), "%s:%s", de->d_name, se->d_name);
			if (!matches(c->pattern, name) || tracepoint_id(de->d_name, se->d_name, &id) < 0)
				continue;
			if (n == cap) {
				char **nn = realloc(names, (cap ? cap * 2 : 64) * sizeof(*nn));

				if (!nn)
					break;
				names = nn;
				cap = cap ? cap * 2 : 64;
			}
			if (!(names[n] = strdup(name)))
				break;
			n++;
		}
		closedir(sd);
	}
	closedir(d);
	if (n) {
		qsort(names, n, sizeof(*names), cmp_str);
		printf("Tracepoints (%s/events):\n", root);
		for (size_t i = 0; i < n; i++)
			show(names[i], NULL);
		printf("\n");
		c->shown += n;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void list_presets(struct list_ctx *c)
{
	const char *dir = preset_dir();
	char names[1024], pmu[64], *save = NULL, *tok;
	int header = 0;

	if (preset_names(dir, names, sizeof(names)) < 0) {
		if (!c->pattern)
			printf("Presets: none (%s: %s; set HWPROF_EVENTS_DIR)\n", dir, strerror(errno));
		return;
	}
	pmu_host(pmu, sizeof(pmu));
	for (tok = strtok_r(names, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char at[80], desc[256], *text = NULL, err[512];
		struct event_list *l = NULL;
		size_t ok = 0, bad = 0;
		char why[512] = "";

		snprintf(at, sizeof(at), "@%s", tok);
		if (!matches(c->pattern, at))
			continue;
		if (!header++)
			printf("Presets (%s; for %s):\n", dir, pmu[0] ? pmu : "an unknown CPU");
		if (preset_lookup(dir, tok, pmu, &text, desc, sizeof(desc)) < 0 ||
		    events_parse(at, &l, err, sizeof(err)) < 0) {
			printf("  %-40s no   %s\n", at, text ? err : "malformed preset, or no line for this CPU");
			free(text);
			continue;
		}
		for (size_t i = 0; i < l->n; i++) {
			int r = counting_probe(&l->ev[i].attr);

			if (r == 0) {
				ok++;
			} else {
				bad++;
				if (!why[0]) {
					char reason[256];

					events_strerror(&l->ev[i], r, NULL, reason, sizeof(reason));
					snprintf(why, sizeof(why), "%s: %s", l->ev[i].name, reason);
				}
			}
		}
		printf("  %-40s %-4s %s\n", at, bad == 0 ? "ok" : ok ? "part" : "no", desc);
		printf("  %-40s      = %s\n", "", text);
		if (bad)
			printf("  %-40s      %zu of %zu events do not work here (%s)\n", "", bad, ok + bad, why);
		c->shown++;
		free(text);
		events_free(l);
	}
	if (header)
		printf("\n");
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case PERF_TYPE_HARDWARE: return "hardware";
	case PERF_TYPE_SOFTWARE: return "software";
	case PERF_TYPE_TRACEPOINT: return "tracepoint";
	case PERF_TYPE_HW_CACHE: return "hw-cache";
	case PERF_TYPE_RAW: return "raw";
	case PERF_TYPE_BREAKPOINT: return "breakpoint";
	default: return "dynamic PMU";
	}
}

static int list_attr(const char *text)
{
	struct event_list *l = NULL;
	char err[512], st[512];

	if (events_parse(text, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "hwprof list: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		const struct perf_event_attr *a = &e->attr;
		int r = counting_probe(a);

		if (r == 0)
			snprintf(st, sizeof(st), "ok");
		else
			events_strerror(e, r, NULL, st, sizeof(st));
		printf("%s%s\n", i ? "\n" : "", e->name);
		printf("  type            %u (%s)\n", a->type, type_name(a->type));
		printf("  config          0x%llx\n", (unsigned long long)a->config);
		printf("  config1         0x%llx\n", (unsigned long long)a->config1);
		printf("  config2         0x%llx\n", (unsigned long long)a->config2);
		printf("  precise_ip      %u\n", (unsigned)a->precise_ip);
		printf("  exclude_user    %u\n", (unsigned)a->exclude_user);
		printf("  exclude_kernel  %u\n", (unsigned)a->exclude_kernel);
		printf("  exclude_hv      %u\n", (unsigned)a->exclude_hv);
		if (a->exclude_idle)
			printf("  exclude_idle    1\n");
		if (e->scale)
			printf("  scale           %g %s (sysfs: the count times this)\n", e->scale,
			       e->scale_unit);
		if (e->sampling_set && a->freq)
			printf("  sample_freq     %llu\n", (unsigned long long)a->sample_freq);
		else if (e->sampling_set)
			printf("  sample_period   %llu\n", (unsigned long long)a->sample_period);
		if (events_group_size(l, i) > 1 || e->leader != (int)i)
			printf("  group           %s (leader %s, %zu events)\n",
			       e->leader == (int)i ? "leader" : "member", l->ev[e->leader].name,
			       events_group_size(l, (size_t)e->leader));
		printf("  works here      %s\n", st);
	}
	events_free(l);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attr", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_ctx c;
	const char *attr = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			attr = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'hwprof list --help'.\n");
			return 2;
		}
	}
	if (attr) {
		if (optind < argc) {
			fprintf(stderr, "hwprof list: --attr takes one event list; unexpected '%s'\n", argv[optind]);
			return 2;
		}
		return list_attr(attr);
	}
	if (argc - optind > 1) {
		fprintf(stderr, "hwprof list: one PATTERN at most (got '%s' and '%s')\n", argv[optind],
			argv[optind + 1]);
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.pattern = optind < argc ? argv[optind] : NULL;
	list_generic(&c, 0);
	list_generic(&c, 1);
	if (pmu_for_each_event(on_pmu_event, &c) == 0 && c.last_pmu)
		printf("\n");
	else if (!c.pattern)
		list_no_pmu_table();
	if (sysfspmu_for_each_event(on_sysfs_event, &c) == 0 && c.last_sysfs)
		printf("\n");
	/* Thousands of them: only on request. */
	if (c.pattern)
		list_tracepoints(&c);
	list_presets(&c);
	if (c.pattern && c.shown == 0) {
		fprintf(stderr, "hwprof list: nothing matches '%s'\n", c.pattern);
		return 1;
	}
	return 0;
}
