/* events.c - see events.h. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <perfmon/pfmlib_perf_event.h>

/* perf's generic names: what users type most, and the first place to look for a
 * suggestion when they mistype. */
static const char *const generic_names[] = {
	"cycles", "instructions", "cache-references", "cache-misses", "branches",
	"branch-instructions", "branch-misses", "bus-cycles", "ref-cycles",
	"stalled-cycles-frontend", "stalled-cycles-backend", "cpu-clock", "task-clock",
	"page-faults", "faults", "minor-faults", "major-faults", "context-switches", "cs",
	"cpu-migrations", "migrations", "alignment-faults", "emulation-faults", "dummy",
	"L1-dcache-loads", "L1-dcache-load-misses", "LLC-loads", "LLC-load-misses",
	"dTLB-loads", "dTLB-load-misses", "iTLB-load-misses",
};

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
	for (size_t i = 0; i < sizeof(generic_names) / sizeof(generic_names[0]); i++)
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

static int parse_one(const char *text, struct event *e, char *err, size_t errlen)
{
	pfm_perf_encode_arg_t arg;
	int r;

	memset(e, 0, sizeof(*e));
	if (strlen(text) >= sizeof(e->name)) {
		snprintf(err, errlen, "event name too long: '%.40s...'", text);
		return -EINVAL;
	}
	snprintf(e->name, sizeof(e->name), "%s", text);
	if (pfm_ready() < 0) {
		snprintf(err, errlen, "%s: libpfm4 failed to initialize", text);
		return -EINVAL;
	}
	memset(&arg, 0, sizeof(arg));
	arg.attr = &e->attr;
	arg.size = sizeof(arg);
	/* PLM0|PLM3: user and kernel unless the event text says otherwise (:u, :k). */
	r = pfm_get_os_event_encoding(text, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r != PFM_SUCCESS) {
		char sugg[256];

		events_suggest(text, sugg, sizeof(sugg), 3);
		if (r == PFM_ERR_NOTFOUND)
			snprintf(err, errlen, "unknown event '%s'%s%s%s (see 'hwprof list')", text,
				 sugg[0] ? " (did you mean: " : "", sugg, sugg[0] ? "?)" : "");
		else
			snprintf(err, errlen, "event '%s': %s%s%s%s", text, pfm_strerror(r),
				 sugg[0] ? " (did you mean: " : "", sugg, sugg[0] ? "?)" : "");
		return -EINVAL;
	}
	e->attr.size = sizeof(e->attr);
	name_sample_type(e);
	return 0;
}

int events_parse(const char *text, struct event_list **out, char *err, size_t errlen)
{
	struct event_list *l = NULL;
	char *copy = NULL, *tok, *save = NULL;
	size_t cap = 0;
	int r = -ENOMEM;

	*out = NULL;
	err[0] = '\0';
	l = calloc(1, sizeof(*l));
	copy = strdup(text);
	if (!l || !copy)
		goto fail;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (l->n == cap) {
			struct event *n = realloc(l->ev, (cap ? cap * 2 : 4) * sizeof(*n));

			if (!n)
				goto fail;
			l->ev = n;
			cap = cap ? cap * 2 : 4;
		}
		r = parse_one(tok, &l->ev[l->n], err, errlen);
		if (r < 0)
			goto fail;
		l->n++;
	}
	if (l->n == 0) {
		snprintf(err, errlen, "no event given in '%s'", text);
		r = -EINVAL;
		goto fail;
	}
	free(copy);
	*out = l;
	return 0;
fail:
	if (r == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	free(copy);
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
