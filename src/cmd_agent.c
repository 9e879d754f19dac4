/* cmd_agent.c - `hwprof agent`: the always-on profiler.  Attached to
 * processes or the whole machine (cmd_attach.h), it cuts the recording into
 * intervals aligned to the wall clock, each one complete, symbolized profile
 * written to a directory (agent.h) and/or pushed to Pyroscope (push.h), until
 * SIGINT or SIGTERM.  Options, messages and exit codes. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "cmd_attach.h"
#include "cmds.h"
#include "events.h"
#include "pprof.h"
#include "push.h"
#include "spanattach.h"
#include "unwind.h"
#include "util.h"

struct agent_opts {
	const char *events;
	uint64_t freq;
	int callchain, dwarf;
	size_t ring_pages;
	int64_t interval_ns;
	const char *dir;
	size_t keep;
	const char *push_url, *auth_file, *service;
	const char *labels[RECORDER_MAX_LABELS];  /* "k=v" */
	size_t n_labels;
	int quiet;
	int full_symbols;           /* --symbols full: inlined frames, files and lines */
	struct target target;
};

struct agent_run {
	struct agent_opts o;
	char cmdline[1024];
	struct event_list *events;
	struct session_opts so;
	struct session *s;
	struct recorder *rec;
	struct push *push;
	struct spanattach *spans;   /* the targets' span channels (attach_spans) */
	struct profile_label labels[RECORDER_MAX_LABELS];
	char label_text[RECORDER_MAX_LABELS][256];  /* split "k=v" for the labels */
	int kernel_hidden;
	char fallback[256];
	uint64_t intervals, written, write_errors;
	uint64_t samples_before, lost_before;     /* recorder stats at interval start */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof agent [-p PID... | -t TID... | -a | -C CPUS] [OPTIONS]\n"
		"\n"
		"Profile continuously until SIGINT or SIGTERM: every interval (aligned to the\n"
		"wall clock) becomes one complete, symbolized pprof profile, written to --dir\n"
		"and/or pushed to Pyroscope.  Without -p/-t/-C: every CPU (-a).\n"
		"\n");
	attach_usage(f, 0);
	fprintf(f,
		"  -e, --event EVENTS      events to sample (default: cycles, else cpu-clock)\n"
		"  -F, --freq HZ           samples per second (default: 97, a prime)\n"
		"      --call-graph MODE   fp (the default), dwarf or none\n"
		"      --interval DUR      length of each profile (default: 15s)\n"
		"      --dir DIR           write each profile to DIR/hwprof-TIME.pb.gz\n"
		"      --keep N            keep the newest N profiles in DIR (default: 100; 0: all)\n"
		"      --push URL          POST each profile to Pyroscope's URL/ingest\n"
		"      --service NAME      the application name for Pyroscope (default: hwprof)\n"
		"      --label K=V         a label on every sample and the pushed series\n"
		"                          (repeatable, up to %d)\n"
		"      --push-auth-file F  credentials for --push from the first line of F\n"
		"                          (mode 0600): USER:PASSWORD for basic auth, else a\n"
		"                          bearer token; or from HWPROF_PUSH_AUTH\n"
		"      --symbols HOW       functions (the default: names from symbol tables,\n"
		"                          no inlined frames, files or lines; cheap to keep)\n"
		"                          or full (inlined frames and lines from DWARF)\n"
		"  -m, --mmap-pages N      ring buffer data pages per CPU (power of two)\n"
		"  -q, --quiet             no lines about each interval\n"
		"  -h, --help              this help\n"
		"\n"
		"Environment: HWPROF_PUSH_AUTH (credentials, as in the file), HWPROF_PUSH_TENANT\n"
		"(sent as X-Scope-OrgID).\n"
		"\n"
		"Exit status: 0 after SIGINT/SIGTERM (the last, partial interval written);\n"
		"1 when it cannot start; 2 for a usage error.  Network failures never end it.\n",
		RECORDER_MAX_LABELS);
}

/* A positive number (-F, --keep, -m) into *out.  0, or -1 after a message. */
static int parse_count(const char *opt, const char *arg, uint64_t max, int zero_ok,
		       uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max || (!v && !zero_ok)) {
		fprintf(stderr, "hwprof agent: %s %s: expected a number from %d to %llu\n", opt,
			arg, zero_ok ? 0 : 1, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The options that are the agent's own.  0, or -1 after a message. */
static int agent_option(int c, const char *arg, struct agent_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'e':
		o->events = arg;
		return 0;
	case 'F':
		return parse_count("-F", arg, 1000000, 0, &o->freq);
	case 'm':
		if (parse_count("-m", arg, 65536, 0, &v) < 0)
			return -1;
		if (v & (v - 1)) {
			fprintf(stderr, "hwprof agent: -m %s: expected a power of two\n", arg);
			return -1;
		}
		o->ring_pages = v;
		return 0;
	case 'k':
		if (parse_count("--keep", arg, 1000000, 1, &v) < 0)
			return -1;
		o->keep = v;
		return 0;
	case 'G':
		o->callchain = strcmp(arg, "none") != 0;
		o->dwarf = strcmp(arg, "dwarf") == 0;
		if (o->dwarf || strcmp(arg, "fp") == 0 || !o->callchain)
			return 0;
		fprintf(stderr, "hwprof agent: --call-graph %s: expected fp, dwarf or none\n", arg);
		return -1;
	case 'i':
		if (attach_parse_duration(arg, &o->interval_ns) == 0 && o->interval_ns >= 100000000)
			return 0;
		fprintf(stderr, "hwprof agent: --interval %s: expected a duration of at least "
			"100ms, such as 15s or 1m\n", arg);
		return -1;
	case 'S':
		o->full_symbols = strcmp(arg, "full") == 0;
		if (o->full_symbols || strcmp(arg, "functions") == 0)
			return 0;
		fprintf(stderr, "hwprof agent: --symbols %s: expected functions or full\n", arg);
		return -1;
	case 'L':
		if (o->n_labels == RECORDER_MAX_LABELS) {
			fprintf(stderr, "hwprof agent: at most %d --label\n", RECORDER_MAX_LABELS);
			return -1;
		}
		o->labels[o->n_labels++] = arg;
		return 0;
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct agent_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "tid", required_argument, NULL, 't' },
		{ "all-cpus", no_argument, NULL, 'a' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "event", required_argument, NULL, 'e' },
		{ "freq", required_argument, NULL, 'F' },
		{ "call-graph", required_argument, NULL, 'G' },
		{ "interval", required_argument, NULL, 'i' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", required_argument, NULL, 'k' },
		{ "push", required_argument, NULL, 'P' },
		{ "service", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'L' },
		{ "push-auth-file", required_argument, NULL, 'A' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "symbols", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t unused = 0;
	int c;

	o->events = "cycles";
	o->freq = 97;
	o->callchain = 1;
	o->interval_ns = 15000000000LL;
	o->keep = 100;
	o->service = "hwprof";
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:t:aC:e:F:gm:qh", longopts, NULL)) != -1) {
		if (c == 'p' || c == 't' || c == 'a' || c == 'C') {
			if (attach_option("agent", c, optarg, &o->target, &unused) < 0)
				return -1;
		} else if (c == 'd' || c == 'P' || c == 's' || c == 'A') {
			*(c == 'd' ? &o->dir : c == 'P' ? &o->push_url : c == 's' ? &o->service
								    : &o->auth_file) = optarg;
		} else if (c == 'g') {
			o->callchain = 1;
		} else if (c == 'q') {
			o->quiet = 1;
		} else if (c == 'h') {
			usage(stdout);
			exit(0);
		} else if (c == '?' || agent_option(c, optarg, o) < 0) {
			if (c == '?')
				fprintf(stderr, "Try 'hwprof agent --help'.\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hwprof agent: unexpected argument '%s' (the agent runs no "
			"command; attach with -p)\n", argv[optind]);
		return -1;
	}
	if (!o->dir && !o->push_url) {
		fprintf(stderr, "hwprof agent: nothing to do with the profiles: give --dir DIR "
			"and/or --push URL\n");
		return -1;
	}
	if (!target_given(&o->target))
		o->target.system_wide = 1;
	return attach_check_args("agent", &o->target, 0);
}

/* The --label K=V strings as sample labels, and the push series name. */
static int set_labels(struct agent_run *run, char *name, size_t cap)
{
	int r = push_name(run->o.service, run->o.labels, run->o.n_labels, name, cap);

	if (r < 0) {
		fprintf(stderr, "hwprof agent: --service %s / --label: a service name without "
			"{},= and labels KEY=VALUE (KEY: letters, digits, _ and .; VALUE without "
			",{}=)\n", run->o.service);
		return -1;
	}
	for (size_t i = 0; i < run->o.n_labels; i++) {
		char *t = run->label_text[i], *eq;

		snprintf(t, sizeof(run->label_text[i]), "%s", run->o.labels[i]);
		eq = strchr(t, '=');
		*eq = '\0';
		run->labels[i] = (struct profile_label){ .key = t, .str = eq + 1 };
	}
	return 0;
}

/* --push: the URL checked, the credentials read, the push thread started.
 * 0, or the exit status after a message. */
static int push_setup(struct agent_run *run)
{
	struct push_opts po = { 0 };
	char name[1024], *auth = NULL;
	int r;

	if (set_labels(run, name, sizeof(name)) < 0)
		return 2;
	if (!run->o.push_url)
		return 0;
	if (push_check_url(run->o.push_url) < 0) {
		fprintf(stderr, "hwprof agent: --push %s: expected http://HOST[:PORT][/PATH] or "
			"https://...\n", run->o.push_url);
		return 2;
	}
	if (run->o.auth_file && (r = push_read_auth(run->o.auth_file, &auth)) < 0) {
		fprintf(stderr, "hwprof agent: --push-auth-file %s: %s\n", run->o.auth_file,
			r == -EPERM ? "readable by others: chmod 600 it" :
			r == -EINVAL ? "empty first line" : util_strerror(r));
		return 1;
	}
	if (!auth && getenv("HWPROF_PUSH_AUTH") && *getenv("HWPROF_PUSH_AUTH"))
		auth = strdup(getenv("HWPROF_PUSH_AUTH"));
	po.url = run->o.push_url;
	po.name = name;
	po.sample_rate = (unsigned)run->o.freq;
	po.auth = auth;
	po.tenant = getenv("HWPROF_PUSH_TENANT");
	r = push_new(&po, &run->push);
	free(auth);
	if (r < 0) {
		fprintf(stderr, "hwprof agent: cannot start pushing: %s\n", util_strerror(r));
		return 1;
	}
	return 0;
}

static int event_of(const void *ctx, uint64_t id)
{
	return session_event_of(ctx, id);
}

static void on_fallback(void *ctx, enum events_fallback what, const struct event *e, int err)
{
	struct agent_run *run = ctx;
	struct events_why w;
	char why[512];

	events_why_init(&w);
	w.sampling = 1;
	w.fallback = what;
	events_strerror(e, err, &w, why, sizeof(why));
	fprintf(stderr, "hwprof agent: %s: %s\n", e->name, why);
	if (what == EVENTS_TO_CPU_CLOCK)
		snprintf(run->fallback, sizeof(run->fallback), "event %s not supported here: "
			 "sampled cpu-clock instead", e->name);
	else if (what == EVENTS_USER_ONLY)
		run->kernel_hidden = 1;
}

/* Events, targets, recorder.  0, or the exit status after a message. */
static int agent_setup(struct agent_run *run)
{
	const struct agent_opts *o = &run->o;
	struct recorder_opts ro = { 0 };
	struct stat st = { 0 };
	size_t bad = 0;
	char err[512];
	int r;

	errno = 0;
	if (events_parse(o->events, &run->events, err, sizeof(err)) < 0) {
		fprintf(stderr, "hwprof agent: %s\n", err);
		return 2;
	}
	if (o->dir && (stat(o->dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
		       access(o->dir, W_OK | X_OK) < 0)) {
		fprintf(stderr, "hwprof agent: --dir %s: %s\n", o->dir,
			errno == 0 || S_ISDIR(st.st_mode) ? "not a directory we can write to"
							   : strerror(errno));
		return 1;
	}
	run->so.events = run->events;
	run->so.freq = o->freq;
	run->so.callchain = o->callchain;
	run->so.exclude_callchain_user = o->dwarf;
	run->so.stack_user = o->dwarf ? UNWIND_STACK_DEFAULT : o->callchain ? UNWIND_STACK_LEAF : 0;
	run->so.regs_user = UNWIND_REGS_MASK;
	run->so.on_fallback = on_fallback;
	run->so.fallback_ctx = run;
	run->so.ring_pages = session_ring_pages(&run->so, o->ring_pages);
	r = attach_setup(&(struct attach_req){ "agent", &run->o.target, &run->so, o->quiet },
			 &run->s, &bad, &run->kernel_hidden);
	if (r > 0)
		return r;
	if (r < 0) {
		struct events_why w;

		events_why_init(&w);
		w.sampling = 1;
		w.attr = session_refused_attr(run->s);
		events_strerror(&run->events->ev[bad], r, &w, err, sizeof(err));
		fprintf(stderr, "hwprof agent: %s: %s\n", run->events->ev[bad].name, err);
		return 1;
	}
	ro.fmt = session_format(run->s);
	ro.events = run->events;
	ro.dwarf = o->dwarf;
	ro.labels = run->labels;
	ro.n_labels = o->n_labels;
	ro.functions_only = !o->full_symbols;
	attach_recorder_opts(&ro);
	r = recorder_new(&ro, &run->rec);
	if (r < 0) {
		fprintf(stderr, "hwprof agent: %s\n", util_strerror(r));
		return 1;
	}
	recorder_set_event_map(run->rec, event_of, run->s);
	profile_set_period(recorder_profile(run->rec), run->events->ev[0].sample_type,
			   run->events->ev[0].unit,
			   strcmp(run->events->ev[0].unit, "nanoseconds") == 0
				   ? (int64_t)(1000000000 / o->freq) : 0);
	recorder_profile(run->rec)->default_sample_type = 1;
	if (!run->so.exclude_kernel)
		recorder_preload_kernel(run->rec);
	return 0;
}

/* The profile's comments: how it was recorded, what the agent cost. */
static void add_comments(struct agent_run *run, struct profile *p,
			 const struct agent_usage *before, const struct agent_usage *after)
{
	const struct recorder_stats *st = recorder_stats(run->rec);
	const struct agent_interval iv = { p->duration_nanos, st->samples - run->samples_before,
					   st->lost - run->lost_before };
	char buf[1024];

	profile_add_comment(p, run->cmdline);
	attach_describe(&run->o.target, buf, sizeof(buf));
	profile_add_comment(p, buf);
	if (run->fallback[0])
		profile_add_comment(p, run->fallback);
	if (run->kernel_hidden)
		profile_add_comment(p, "kernel frames not recorded (not allowed by perf_event_paranoid)");
	profile_add_comment(p, run->o.dwarf ? "call graph: dwarf" : run->o.callchain
			    ? "call graph: fp (frame pointers; frameless leaves' callers from CFI)"
			    : "call graph: none");
	profile_add_comment(p, run->o.full_symbols ? "symbols: full (inlined frames, files and lines)"
			    : "symbols: functions (symbol tables; no inlined frames, files or lines)");
	agent_overhead_line(before, after, &iv, buf, sizeof(buf));
	profile_add_comment(p, buf);
	if (st->gone_unnamed) {
		snprintf(buf, sizeof(buf), "deleted or replaced binaries: %llu addresses could "
			 "not be named (their processes had exited)",
			 (unsigned long long)st->gone_unnamed);
		profile_add_comment(p, buf);
	}
	run->samples_before = st->samples;
	run->lost_before = st->lost;
}

/* The interval [start, start + duration) is over: its profile written and/or
 * queued for pushing, the recorder started on the next. */
static void finish_interval(struct agent_run *run, int64_t start_real, int64_t duration,
			    const struct agent_usage *before, const struct agent_usage *after)
{
	struct profile *p;
	char path[4096];
	uint8_t *body;
	size_t len;
	int r = recorder_next_profile(run->rec, &p);

	if (r < 0) {
		fprintf(stderr, "hwprof agent: out of memory: interval dropped\n");
		return;
	}
	run->intervals++;
	p->time_nanos = start_real;
	p->duration_nanos = duration;
	add_comments(run, p, before, after);
	if (run->o.dir) {
		r = agent_write_dir(run->o.dir, run->o.keep, p, path, sizeof(path));
		run->written += r == 0;
		run->write_errors += r < 0;
		if (r < 0)
			fprintf(stderr, "hwprof agent: %s: %s\n", path, util_strerror(r));
		else if (!run->o.quiet)
			fprintf(stderr, "hwprof agent: wrote %s (%zu stacks)\n", path, p->n_samples);
	}
	if (run->push && pprof_encode(p, &body, &len) == 0)
		push_submit(run->push, body, len, start_real / 1000000000,
			    (start_real + duration + 999999999) / 1000000000);
	profile_free(p);
	/* The interval's profile, and whatever the caches dropped, was freed in
	 * small blocks amid long-lived ones: glibc keeps such memory in the heap
	 * (and counts it in RSS) unless asked to give the free pages back. */
	malloc_trim(0);
}

/* Until a stop signal: intervals ending on the wall clock's multiples of
 * --interval.  The last, partial one is written too. */
static void agent_loop(struct agent_run *run)
{
	struct agent_usage before, after;
	enum attach_end end = ATTACH_DEADLINE;
	/* Each interval starts where the one before ended: the clocks are read
	 * once, and the wall clock follows the monotonic one from there. */
	int64_t real0 = util_now_real_ns(), mono0 = util_now_mono_ns(), start = mono0;
	int sig = 0, read;

	agent_usage_now(&before);
	attach_spans("agent", &run->o.target, &run->spans, run->rec, 0);
	while (end != ATTACH_SIGNAL && end != ATTACH_NOMEM) {
		int64_t real = real0 + (start - mono0), stop;

		end = attach_drain(run->s, run->rec, &run->o.target,
				   start + agent_next_boundary(real, run->o.interval_ns) - real, &sig);
		/* What the rings hold when read belongs to this interval, which ends
		 * there: what is sampled while it is symbolized goes to the next. */
		read = session_read(run->s, recorder_queue, run->rec);
		stop = util_now_mono_ns();
		if (read < 0 || recorder_flush(run->rec) < 0)
			end = ATTACH_NOMEM;
		agent_usage_now(&after);
		finish_interval(run, real, stop - start, &before, &after);
		/* Channels of processes started since joined, of those gone left. */
		attach_spans("agent", &run->o.target, &run->spans, run->rec, 0);
		before = after;
		start = stop;
		if (end == ATTACH_GONE) {
			fprintf(stderr, "hwprof agent: the attached processes have exited\n");
			return;
		}
	}
	if (end == ATTACH_NOMEM)
		fprintf(stderr, "hwprof agent: out of memory; stopping\n");
	else if (!run->o.quiet)
		fprintf(stderr, "hwprof agent: %s: stopping\n", strsignal(sig));
}

static void summary(struct agent_run *run)
{
	struct push_stats ps;

	push_free(run->push, 2000, &ps);
	run->push = NULL;
	fprintf(stderr, "hwprof agent: %llu intervals, %llu samples, %llu lost",
		(unsigned long long)run->intervals,
		(unsigned long long)recorder_stats(run->rec)->samples,
		(unsigned long long)recorder_stats(run->rec)->lost);
	if (run->o.dir)
		fprintf(stderr, "; %llu profiles written, %llu failed", (unsigned long long)run->written,
			(unsigned long long)run->write_errors);
	if (run->o.push_url)
		fprintf(stderr, "; pushed %llu, dropped %llu, rejected %llu, retried %llu%s%s",
			(unsigned long long)ps.sent, (unsigned long long)ps.dropped,
			(unsigned long long)ps.rejected, (unsigned long long)ps.retries,
			ps.last_error[0] ? "; last error: " : "", ps.last_error);
	fprintf(stderr, "\n");
}

int cmd_agent(int argc, char **argv)
{
	struct agent_run run;
	size_t off = 0;
	int code;

	memset(&run, 0, sizeof(run));
	if (parse_args(argc, argv, &run.o) < 0) {
		target_free(&run.o.target);
		return 2;
	}
	for (int i = 0; i < argc && off < sizeof(run.cmdline); i++)
		off += snprintf(run.cmdline + off, sizeof(run.cmdline) - off, "%s%s",
				i ? " " : "hwprof ", argv[i]);
	/* Before the push thread starts, so that it inherits the mask. */
	attach_block_signals();
	code = push_setup(&run);
	if (code == 0)
		code = agent_setup(&run);
	if (code == 0) {
		agent_loop(&run);
		summary(&run);
	}
	push_free(run.push, 0, NULL);
	spanattach_free(run.spans);
	recorder_free(run.rec);
	session_free(run.s);
	events_free(run.events);
	target_free(&run.o.target);
	return code;
}
