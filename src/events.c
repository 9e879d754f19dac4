/* events.c - see events.h. */
#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <perfmon/pfmlib_perf_event.h>

#include "pmu.h"
#include "preset.h"
#include "sysfspmu.h"
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
	/* A sysfs PMU's event is PMU/TERMS/, commas and colons included. */
	if (strchr(n, '/'))
		len = (size_t)(strrchr(n, '/') - n) + 1;
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

void events_suggest(const char *name, char *buf, size_t cap, int max)
{
	pmu_suggest(name, generic_names, buf, cap, max);
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
		pmu_explain_attribute(base, text, r, err, errlen);
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

/* A sysfs PMU event (pmu.h): PMU/TERMS/ and modifiers written perf's way,
 * straight after the slash (cpu/event=0x3c/u), or ours after a colon (peeled
 * off already).  0, 1 when base is no such event, or -EINVAL with a message. */
static int encode_sysfs(const char *base, const char *text, struct mods *m, struct event *e,
			char *err, size_t errlen)
{
	const char *first = strchr(base, '/'), *last = strrchr(base, '/');
	struct sysfspmu_encoded enc;
	char spec[128];
	int r;

	if (!first)
		return 1;
	if (last == first) {
		snprintf(err, errlen, "event '%s': a PMU's event is written PMU/TERMS/ "
			 "(armv8_pmuv3/inst_retired/, cpu/event=0x3c,umask=0x00/u)", text);
		return -EINVAL;
	}
	if (last[1] && own_modifier(last + 1, m, text, err, errlen) <= 0) {
		if (!err[0])
			snprintf(err, errlen, "event '%s': unknown modifier '%s' after the PMU's "
				 "terms (u, k, h, p, pp, ppp)", text, last + 1);
		return -EINVAL;
	}
	snprintf(spec, sizeof(spec), "%.*s", (int)(last - base + 1), base);
	r = sysfspmu_encode(spec, &enc, err, errlen);
	if (r < 0)
		return r;
	e->attr = enc.attr;
	if (enc.period && !m->period && !m->freq)
		m->period = enc.period;
	if (enc.freq && !m->period && !m->freq)
		m->freq = enc.freq;
	e->scale = enc.scale;
	snprintf(e->scale_unit, sizeof(e->scale_unit), "%s", enc.unit);
	return 0;
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
	r = encode_sysfs(base, text, &m, e, err, errlen);
	if (r > 0)
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

/* The length of the item at p: up to a comma or brace, but commas between a
 * PMU event's slashes (cpu/event=0x3c,umask=0x00/) are its own. */
static size_t item_length(const char *p)
{
	size_t n = 0;
	int slashes = 0;

	for (; p[n] && !(slashes % 2 == 0 && strchr(",{}", p[n])); n++)
		slashes += p[n] == '/';
	return n;
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
		n = item_length(p);
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
	struct utsname u;

	memset(w, 0, sizeof(*w));
	w->paranoid = util_perf_paranoid();
	w->cpu_pmu = pmu_cpu_present();
	w->max_precise = sysfspmu_max_precise();
	if (uname(&u) == 0)
		snprintf(w->kernel, sizeof(w->kernel), "%s", u.release);
}

/* 1 when the kernel release is older than major.minor, 0 when not, -1 unknown. */
static int kernel_before(const char *release, int major, int minor)
{
	int ma, mi;

	if (sscanf(release, "%d.%d", &ma, &mi) != 2)
		return -1;
	return ma < major || (ma == major && mi < minor);
}

/* "p", "pp" or "ppp" for precise_ip n. */
static const char *ps(unsigned n)
{
	return n >= 3 ? "ppp" : n == 2 ? "pp" : n == 1 ? "p" : "";
}

/* :p asked for more than the PMU's precise sampling. */
static void less_precise_notice(const struct event *e, const struct events_why *w, char *buf,
				size_t cap)
{
	unsigned asked = e ? e->attr.precise_ip : 0;
	char pmu[64] = "the CPU PMU";

	if (e)
		sysfspmu_name(e->attr.type, pmu, sizeof(pmu));
	if (w->max_precise == 0)
		snprintf(buf, cap, "%s has no precise sampling%s%s%s: sampled without, each sample "
			 "where the overflow interrupt lands, a few instructions after the event (skid)",
			 pmu, asked ? " (:" : "", ps(asked), asked ? " asks for it)" : "");
	else if (w->max_precise > 0)
		snprintf(buf, cap, "%s samples with precise_ip %d at most: :%s sampled as :%s", pmu,
			 w->max_precise, ps(asked), ps((unsigned)w->max_precise));
	else
		snprintf(buf, cap, "the kernel refused precise sampling :%s on %s: sampled with less "
			 "precision (more skid)", ps(asked), pmu);
}

/* What the caller does instead of giving up, and why. */
static void fallback_notice(const struct event *e, int err, const struct events_why *w, char *buf,
			    size_t cap)
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
	case EVENTS_PER_THREAD:
		snprintf(buf, cap, "this kernel (%s) refuses PERF_SAMPLE_READ on inherited events "
			 "(accepted from Linux 6.12), which a group's samples need: the events are "
			 "opened on each thread as it starts instead, so a new thread is sampled from "
			 "the moment hwprof sees it", w->kernel[0] ? w->kernel : "version unknown");
		break;
	case EVENTS_LESS_PRECISE:
		less_precise_notice(e, w, buf, cap);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/* The causes the attr tried tells apart (w->attr, else e's): 1 when one fits
 * err and buf says it, with the fix. */
static int attr_cause(const struct event *e, int err, const struct events_why *w, char *buf,
		      size_t cap)
{
	const struct perf_event_attr *a = w->attr ? w->attr : e ? &e->attr : NULL;
	const char *rel = w->kernel[0] ? w->kernel : "version unknown";
	char pmu[64] = "", fmt[256];
	uint64_t mask, *field;

	if (!a)
		return 0;
	if (sysfspmu_name(a->type, pmu, sizeof(pmu)) < 0)
		pmu[0] = '\0';
	if (err == -EINVAL && a->inherit && (a->sample_type & PERF_SAMPLE_READ) &&
	    kernel_before(w->kernel, 6, 12) != 0) {
		snprintf(buf, cap, "this kernel (%s) refuses PERF_SAMPLE_READ on inherited events, which "
			 "a group's samples need (Linux 6.12 accepts it): list the events without braces, "
			 "or record on Linux 6.12 or later", rel);
		return 1;
	}
	if ((err == -EOPNOTSUPP || err == -EINVAL) && a->precise_ip && w->max_precise >= 0 &&
	    a->precise_ip > (unsigned)w->max_precise) {
		snprintf(buf, cap, ":%s asks for more precise sampling than %s has (precise_ip %d at "
			 "most): %s%s", ps(a->precise_ip), pmu[0] ? pmu : "this CPU's PMU",
			 w->max_precise, w->max_precise ? "use :" : "drop the p modifiers",
			 ps((unsigned)w->max_precise));
		return 1;
	}
	for (int f = 0; pmu[0] && f < 3 && a->type >= PERF_TYPE_RAW && a->type != PERF_TYPE_BREAKPOINT; f++) {
		field = f == 0 ? (uint64_t *)&a->config : f == 1 ? (uint64_t *)&a->config1 : (uint64_t *)&a->config2;
		if (sysfspmu_format_mask(pmu, f, &mask) < 0 || !mask || !(*field & ~mask))
			continue;
		sysfspmu_formats(pmu, fmt, sizeof(fmt));
		snprintf(buf, cap, "config%s bits %#llx are outside %s's format (%s): the kernel takes "
			 "only the bits its terms name", f ? (f == 1 ? "1" : "2") : "",
			 (unsigned long long)(*field & ~mask), pmu, fmt);
		return 1;
	}
	if (pmu[0] && sysfspmu_is_uncore(pmu)) {
		if (a->exclude_user || a->exclude_kernel || a->exclude_hv)
			snprintf(buf, cap, "%s counts every privilege level at once (an uncore PMU, "
				 "not a CPU's): drop the u, k and h modifiers", pmu);
		else
			snprintf(buf, cap, "%s is an uncore PMU: it counts for the whole package or "
				 "machine, not for one command's threads, and cannot sample; count it "
				 "machine-wide", pmu);
		return 1;
	}
	if ((err == -EOPNOTSUPP || err == -EINVAL) && a->exclude_idle) {
		snprintf(buf, cap, "%s cannot leave idle time out (exclude_idle): drop it",
			 pmu[0] ? pmu : "this PMU");
		return 1;
	}
	if (err == -EOPNOTSUPP && w->sampling && (a->sample_period || a->freq)) {
		snprintf(buf, cap, "%s cannot sample (no overflow interrupt): count it with 'hwprof "
			 "stat', or read it in a group led by a sampling event ({cycles,EVENT})",
			 pmu[0] ? pmu : "its PMU");
		return 1;
	}
	return 0;
}

/* Each refusal by its errno, then by what else is known: a new cause is one
 * more test here or in attr_cause, on e, w->attr (the attr as tried) or the
 * machine. */
void events_strerror(const struct event *e, int err, const struct events_why *w, char *buf,
		     size_t cap)
{
	struct events_why here;

	if (!w) {
		events_why_init(&here);
		w = &here;
	}
	if (w->fallback != EVENTS_GIVE_UP) {
		fallback_notice(e, err, w, buf, cap);
		return;
	}
	if (!(e && events_is_hardware(e) && !w->cpu_pmu) && attr_cause(e, err, w, buf, cap))
		return;
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
