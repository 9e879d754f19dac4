/* events.c - see events.h. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>

#include "pmu.h"
#include "preset.h"
#include "tracepoint.h"
#include "util.h"

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
	if (pmu_init() == 0) {
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

static const struct {
	const char *name;
	uint64_t config;
} builtin_sw[] = {
	{ "alignment-faults", PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_COUNT_SW_EMULATION_FAULTS },
};

/* Our modifiers, peeled off the end of text into m; what is left in base (cap
 * bytes) is the event and the PMU's own attributes, for libpfm4. */
static int peel_modifiers(const char *text, char *base, size_t cap, struct mods *m, char *err,
			  size_t errlen)
{
	snprintf(base, cap, "%s", text);
	for (;;) {
		char *c = strrchr(base, ':');
		int r;

		if (!c || c == base || c[-1] == ':')
			break;
		r = own_modifier(c + 1, m, text, err, errlen);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		*c = '\0';
	}
	if (m->period && m->freq) {
		snprintf(err, errlen, "event '%s': period= and freq= exclude each other", text);
		return -EINVAL;
	}
	return 0;
}

/* perf's software events that libpfm4 does not name: 0, or 1 when base is none. */
static int encode_builtin(const char *base, struct event *e)
{
	for (size_t i = 0; i < sizeof(builtin_sw) / sizeof(builtin_sw[0]); i++) {
		if (strcmp(base, builtin_sw[i].name) == 0) {
			e->attr.type = PERF_TYPE_SOFTWARE;
			e->attr.config = builtin_sw[i].config;
			return 0;
		}
	}
	return 1;
}

/* base through libpfm4, which takes :u/:k/:h as its privilege levels.  0, or
 * -EINVAL with a message naming what it did not know. */
static int encode_pfm(const char *base, const char *text, const struct mods *m, struct event *e,
		      char *err, size_t errlen)
{
	pfm_perf_encode_arg_t arg;
	char sugg[256];
	const char *c = strchr(base, ':');
	/* PLM0|PLM3: user and kernel unless the event text says otherwise (:u, :k). */
	int plm = m->priv ? (m->u ? PFM_PLM3 : 0) | (m->k ? PFM_PLM0 : 0) | (m->h ? PFM_PLMH : 0)
			  : PFM_PLM0 | PFM_PLM3;
	int r;

	memset(&arg, 0, sizeof(arg));
	arg.attr = &e->attr;
	arg.size = sizeof(arg);
	r = pfm_get_os_event_encoding(base, plm, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_SUCCESS)
		return 0;
	if (r == PFM_ERR_ATTR || r == PFM_ERR_ATTR_VAL || r == PFM_ERR_UMASK) {
		bad_attribute(base, text, r, err, errlen);
		return -EINVAL;
	}
	events_suggest(base, sugg, sizeof(sugg), 3);
	if (r == PFM_ERR_NOTFOUND && c && c[1] != ':' && !tracepoint_fs() &&
	    tracepoint_word(base, (size_t)(c - base)))
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

/* The modifiers libpfm4 did not see: privilege levels of a tracepoint or
 * built-in event (set_priv), precision and this event's own sampling. */
static void apply_modifiers(struct event *e, const struct mods *m, int set_priv)
{
	if (set_priv && m->priv) {
		e->attr.exclude_user = !m->u;
		e->attr.exclude_kernel = !m->k;
		e->attr.exclude_hv = !m->h;
	}
	e->attr.size = sizeof(e->attr);
	if (m->precise)
		e->attr.precise_ip = m->precise;
	if (m->period) {
		e->attr.freq = 0;
		e->attr.sample_period = m->period;
		e->sampling_set = 1;
	} else if (m->freq) {
		e->attr.freq = 1;
		e->attr.sample_freq = m->freq;
		e->sampling_set = 1;
	} else if (e->attr.sample_period) {
		/* libpfm4's own :period= / :freq= spelled out by hand */
		e->sampling_set = 1;
	}
}

static int parse_one(const char *text, struct event *e, char *err, size_t errlen)
{
	struct mods m;
	char base[128];
	int r, ours;

	memset(e, 0, sizeof(*e));
	memset(&m, 0, sizeof(m));
	if (strlen(text) >= sizeof(e->name)) {
		snprintf(err, errlen, "event name too long: '%.40s...'", text);
		return -EINVAL;
	}
	snprintf(e->name, sizeof(e->name), "%s", text);
	r = peel_modifiers(text, base, sizeof(base), &m, err, errlen);
	if (r < 0)
		return r;
	if (pmu_init() < 0) {
		snprintf(err, errlen, "%s: libpfm4 failed to initialize", text);
		return -EINVAL;
	}
	r = tracepoint_encode(base, e, text, err, errlen);
	if (r > 0)
		r = encode_builtin(base, e);
	ours = r == 0;
	if (r > 0)
		r = encode_pfm(base, text, &m, e, err, errlen);
	if (r < 0)
		return r;
	apply_modifiers(e, &m, ours);
	name_sample_type(e);
	return 0;
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
	r = preset_expand(text, &expanded, err, errlen);
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
	/* The message quotes the text: a control character in it (a newline)
	 * must not make one line two. */
	for (char *c = err; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
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

int events_append(struct event_list *l, const char *text, char *err, size_t errlen)
{
	struct event_list *more = NULL;
	struct event *ev;
	int r = events_parse(text, &more, err, errlen);

	if (r < 0)
		return r;
	ev = realloc(l->ev, (l->n + more->n) * sizeof(*ev));
	if (!ev) {
		events_free(more);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->ev = ev;
	for (size_t i = 0; i < more->n; i++) {
		l->ev[l->n + i] = more->ev[i];
		l->ev[l->n + i].leader += (int)l->n;
	}
	l->n += more->n;
	events_free(more);
	return 0;
}

/* ---- opening an event, and why the kernel refused it ---- */

int events_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd)
{
	long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

enum events_refusal events_refusal_of(const struct event *e, int err)
{
	switch (-err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
	case ENXIO:
		return EVENTS_UNSUPPORTED;
	case EINVAL:
		/* The kernel validates a CPU PMU event's encoding against the model:
		 * there EINVAL means this CPU has no such event or modifier. */
		return e && events_is_hardware(e) ? EVENTS_UNSUPPORTED : EVENTS_REFUSED;
	case EACCES:
	case EPERM:
		return EVENTS_DENIED;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return EVENTS_EXHAUSTED;
	default:
		return EVENTS_REFUSED;
	}
}

/* The fix for a permission refusal, the same whatever else is known. */
#define FIX_DENIED "run as root or with CAP_PERFMON, or 'sysctl kernel.perf_event_paranoid=1'"

const char *events_refusal_text(enum events_refusal kind)
{
	switch (kind) {
	case EVENTS_UNSUPPORTED:
		return "event not supported on this machine (no hardware PMU, e.g. in a VM?)";
	case EVENTS_DENIED:
		return "permission denied: perf_event_paranoid too high (" FIX_DENIED ")";
	default:
		return NULL;
	}
}

void events_why_init(struct events_why *w)
{
	memset(w, 0, sizeof(*w));
	w->paranoid = util_perf_paranoid();
	w->cpu_pmu = pmu_cpu_present();
}

/* What the caller does instead of giving up, and why. */
static void fallback_notice(int err, const struct events_why *w, char *buf, size_t cap)
{
	switch (w->fallback) {
	case EVENTS_TO_CPU_CLOCK:
		snprintf(buf, cap, "no hardware PMU on this machine (VM?); using cpu-clock instead, "
			 "or pass -e cpu-clock");
		break;
	case EVENTS_USER_ONLY:
		snprintf(buf, cap, "kernel frames not allowed (perf_event_paranoid is %d; root, "
			 "CAP_PERFMON or a value <= 1 allows them); recording user space only",
			 w->paranoid);
		break;
	case EVENTS_NO_SWITCHES:
		snprintf(buf, cap, "--off-cpu: this kernel gives no context-switch records "
			 "(PERF_RECORD_SWITCH, Linux 4.3+): %s; recording on-CPU time only",
			 strerror(-err));
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* Each refusal by its errno, then by what else is known: a new cause is one
 * more test here, on e, w->attr (the attr as tried) or the machine. */
void events_strerror(const struct event *e, int err, const struct events_why *w, char *buf,
		     size_t cap)
{
	struct events_why here;

	if (!w) {
		events_why_init(&here);
		w = &here;
	}
	if (w->fallback != EVENTS_GIVE_UP) {
		fallback_notice(err, w, buf, cap);
		return;
	}
	switch (-err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
	case ENXIO:
	case EINVAL:
		if (e && events_is_hardware(e) && !w->cpu_pmu)
			snprintf(buf, cap, "not supported on this machine (the kernel exposes no CPU PMU)%s",
				 w->sampling ? "; try -e cpu-clock" : "");
		else if (-err == EINVAL && w->sampling)
			snprintf(buf, cap, "the kernel rejected its attributes (%s): its modifiers or "
				 "encoding, or a sampling setting (-F, -c, --call-graph) it does not take",
				 strerror(-err));
		else if (-err == EINVAL)
			snprintf(buf, cap, "not supported: the kernel rejected its attributes (modifier or "
				 "encoding not valid for this CPU)");
		else
			snprintf(buf, cap, "not supported by this CPU or kernel");
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, cap, "permission denied: perf_event_paranoid=%d (" FIX_DENIED ")",
			 w->paranoid);
		break;
	case ECANCELED:
		snprintf(buf, cap, "not counted: its group leader could not be opened");
		break;
	case EMFILE:
	case ENFILE:
		snprintf(buf, cap, "too many open files (one per %sevent); raise 'ulimit -n'",
			 w->sampling ? "CPU and " : "");
		break;
	case ENOMEM:
		if (w->ring_pages) {
			snprintf(buf, cap, "ring buffers: cannot map %zu pages per CPU (locked memory "
				 "limit, see 'ulimit -l' and /proc/sys/kernel/perf_event_mlock_kb); "
				 "try a smaller -m", w->ring_pages);
			break;
		}
		/* fall through */
	default:
		snprintf(buf, cap, "%s", strerror(-err));
		break;
	}
}
