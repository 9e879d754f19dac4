/* cmd_record.c - `hwprof record [OPTIONS] [--] CMD [ARGS]`: messages, exit
 * codes; its options are recordopts.c's.  The work is done by session.c
 * (events, fallbacks, rings) and recorder.c; events_strerror words what the
 * kernel refused. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cmd_attach.h"
#include "cmds.h"
#include "demangle.h"
#include "events.h"
#include "flamegraph.h"
#include "fpcheck.h"
#include "hdrlog.h"
#include "folded.h"
#include "phase.h"
#include "outfile.h"
#include "pprof.h"
#include "program.h"
#include "recorder.h"
#include "recordopts.h"
#include "perthread.h"
#include "session.h"
#include "sidefile.h"
#include "spanattach.h"
#include "spanchan.h"
#include "spanjoin.h"
#include "timeline.h"
#include "symbolize.h"
#include "unwind.h"
#include "util.h"

/* The one global: which signal asked us to stop (forwarded to CMD); a
 * second SIGINT before the loop saw the first counts above the number. */
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig == SIGINT && (pending_signal & 0xff) == SIGINT ? pending_signal + 0x100 : sig;
}

/* What the profile's comments should say about how it was recorded. */
struct record_notes {
	char fallback[256];
	char call_graph[512];     /* why --call-graph auto chose what it chose */
	int kernel_hidden;
	int no_switches;          /* --off-cpu asked, but the kernel has no switch records */
};

/* --call-graph auto: frame pointers (cheap: the kernel walks them) for code
 * built with them, DWARF unwinding of stack copies for code built without. */
static void choose_call_graph(struct record_opts *o, const char *cmd, struct record_notes *notes)
{
	char prog[4096];
	double share = 0;
	size_t nfuncs = 0;
	int r = program_resolve(cmd, getenv("PATH"), prog, sizeof(prog));

	if (r == 0)
		r = fpcheck_file(prog, &share, &nfuncs);
	if (r < 0) {
		snprintf(notes->call_graph, sizeof(notes->call_graph),
			 "call graph: auto chose fp (cannot tell how %.400s was built: %s)", cmd,
			 strerror(-r));
		return;
	}
	if (share < FPCHECK_MIN_SHARE) {
		o->dwarf = 1;
		o->stack_size = UNWIND_STACK_DEFAULT;
	}
	snprintf(notes->call_graph, sizeof(notes->call_graph),
		 "call graph: auto chose %s (%.400s: %.0f%% of %zu functions set up a frame pointer)",
		 o->dwarf ? "dwarf" : "fp", prog, 100 * share, nfuncs);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* One line on DWARF unwinding: how often the stack copy was too short and the
 * walk stopped early, and what a walk costs. */
static void dwarf_summary(const struct recorder_stats *st, uint32_t size, char *buf, size_t cap)
{
	int len = snprintf(buf, cap, "dwarf unwinding: %llu samples; stack copy cut at %u bytes in "
			   "%.1f%%; stopped before the outermost frame in %.1f%%; median %.1f us/sample; "
			   "libdw for %.1f%%",
			   (unsigned long long)st->dwarf_samples, (unsigned)size,
			   pct(st->stack_cut, st->dwarf_samples),
			   pct(st->unwind_partial, st->dwarf_samples), st->unwind_ns / 1000.0,
			   pct(st->unwind_libdw, st->dwarf_samples));

	/* --unwinder compare: the two unwinders side by side. */
	if (st->unwind_compared && len > 0 && (size_t)len < cap)
		snprintf(buf + len, cap - (size_t)len, "; compared %llu samples, %llu differ",
			 (unsigned long long)st->unwind_compared, (unsigned long long)st->unwind_differ);
}

static void add_comments(struct profile *p, int argc, char **argv, const struct record_opts *o,
			 const struct record_notes *notes, const struct recorder_stats *st)
{
	char buf[1024];
	size_t off = 0;

	off += snprintf(buf, sizeof(buf), "hwprof record");
	for (int i = 0; i < argc && off < sizeof(buf); i++)
		off += snprintf(buf + off, sizeof(buf) - off, " %s", argv[i]);
	profile_add_comment(p, buf);
	if (notes->fallback[0])
		profile_add_comment(p, notes->fallback);
	if (notes->call_graph[0])
		profile_add_comment(p, notes->call_graph);
	if (notes->kernel_hidden)
		profile_add_comment(p, "kernel frames not recorded (not allowed by perf_event_paranoid)");
	if (o->offcpu && notes->no_switches)
		profile_add_comment(p, "off-cpu: no context-switch records from this kernel; on-CPU time only");
	else if (o->offcpu)
		profile_add_comment(p, "off-cpu: switch-out (context-switches sample) to switch-in "
				    "(PERF_RECORD_SWITCH); state runnable when preempted, else lock/io/"
				    "sleeping from the kernel frames at switch-out");
	snprintf(buf, sizeof(buf), "samples: %llu; lost samples: %llu; throttled: %llu",
		 (unsigned long long)st->samples, (unsigned long long)st->lost,
		 (unsigned long long)st->throttled);
	profile_add_comment(p, buf);
	if (o->dwarf)
		snprintf(buf, sizeof(buf), "call graph: dwarf,%u (user stacks unwound from %u-byte "
			 "stack copies with DWARF CFI; kernel frames from the kernel)",
			 (unsigned)o->stack_size, (unsigned)o->stack_size);
	else
		snprintf(buf, sizeof(buf), "call graph: %s", o->callchain
			 ? "fp (frame pointers; frameless leaves' callers from CFI)" : "none");
	profile_add_comment(p, buf);
	if (o->dwarf) {
		dwarf_summary(st, o->stack_size, buf, sizeof(buf));
		profile_add_comment(p, buf);
	} else if (st->leaf_callers || st->leaf_compared) {
		int len = snprintf(buf, sizeof(buf), "frameless leaf callers restored from CFI: "
				   "%llu samples", (unsigned long long)st->leaf_callers);

		/* --unwinder compare: the compiled tables against libdw. */
		if (st->leaf_compared && len > 0 && (size_t)len < sizeof(buf))
			snprintf(buf + len, sizeof(buf) - (size_t)len, "; compared %llu leaves, %llu differ",
				 (unsigned long long)st->leaf_compared,
				 (unsigned long long)st->leaf_differ);
		profile_add_comment(p, buf);
	}
}

static int write_text_output(const char *path, struct profile *p, int svg)
{
	struct outfile *of;
	FILE *f;
	int r = outfile_open(path, &of);

	if (r < 0)
		return r;
	f = outfile_stream(of);
	r = svg ? flamegraph_write_svg(p, p->n_types > 1 ? 1 : 0, "hwprof", f)
		: folded_write(p, p->n_types > 1 ? 1 : 0, f);
	return outfile_close(of, r);
}

static int write_outputs(const struct record_opts *o, struct profile *p)
{
	int r, failed = 0;

	r = pprof_write_file(p, o->output);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", o->output, strerror(-r));
		failed = 1;
	}
	if (o->folded && (r = write_text_output(o->folded, p, 0)) < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", o->folded, strerror(-r));
		failed = 1;
	}
	if (o->svg && (r = write_text_output(o->svg, p, 1)) < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", o->svg, strerror(-r));
		failed = 1;
	}
	return failed;
}

/* The timeline's side file next to the profile; 1 when it cannot be written. */
static int write_timeline(const struct record_opts *o, const struct timeline *t)
{
	struct outfile *of;
	char path[4096];
	int r;

	sidefile_timeline(o->output, path, sizeof(path));
	r = outfile_open(path, &of);
	if (r == 0)
		r = outfile_close(of, timeline_write(t, outfile_stream(of)));
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", path, strerror(-r));
		return 1;
	}
	if (t->dropped)
		fprintf(stderr, "hwprof: %s: kept the first %u items, dropped %llu\n", path,
			TIMELINE_MAX_ITEMS, (unsigned long long)t->dropped);
	return 0;
}

static int event_of(const void *ctx, uint64_t id)
{
	return session_event_of(ctx, id);
}

static void install_handlers(void)
{
	struct sigaction sa;
	/* SIGTSTP too: CMD, in a group of its own, no longer gets Ctrl-Z itself. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);        /* one handler at a time */
	/* No SA_RESTART: poll() returns at once and we forward the signal. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void print_summary(const struct record_opts *o, const struct recorder_stats *st,
			  int64_t duration_ns, int status)
{
	if (st->lost || st->throttled)
		fprintf(stderr, "hwprof: lost %llu samples in %llu LOST records, throttled %llu times; "
			"try a lower -F or a larger -m\n", (unsigned long long)st->lost,
			(unsigned long long)st->lost_records, (unsigned long long)st->throttled);
	if (st->kallsyms_hidden)
		fprintf(stderr, "hwprof: kernel symbols hidden (/proc/kallsyms unreadable or "
			"kernel.kptr_restrict set); kernel frames are named by address\n");
	if (o->dwarf && st->dwarf_samples) {
		char buf[512];

		dwarf_summary(st, o->stack_size, buf, sizeof(buf));
		/* Incomplete stacks still count toward their leaves, but their
		 * callers' totals are short: say so when it is more than noise. */
		if (pct(st->unwind_partial, st->dwarf_samples) >= 5.0 && o->stack_size < UNWIND_STACK_MAX)
			fprintf(stderr, "hwprof: %s; try --call-graph dwarf,%u\n", buf,
				o->stack_size * 4 < UNWIND_STACK_MAX ? o->stack_size * 4 : UNWIND_STACK_MAX);
		else if (!o->quiet)
			fprintf(stderr, "hwprof: %s\n", buf);
	}
	if (o->quiet)
		return;
	if (WIFSIGNALED(status))
		fprintf(stderr, "hwprof: command killed by signal %d (%s)\n", WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	fprintf(stderr, "hwprof: %llu samples in %.2f s; wrote %s%s%s%s%s\n",
		(unsigned long long)st->samples, duration_ns / 1e9, o->output,
		o->folded ? ", " : "", o->folded ? o->folded : "", o->svg ? ", " : "",
		o->svg ? o->svg : "");
}

/* The span channel for programs linked with libhwprof (spanchan.h): its
 * descriptor number goes to CMD in the environment.  Without one (no memfd),
 * CMD runs and is profiled without spans.  Its clock: spanchan_choose_clock. */
static void record_spans_start(struct spanchan **ch, struct spanjoin **sp)
{
	char num[16];
	int fd;

	if (spanchan_create(SPANCHAN_CMD_RINGS, SPANCHAN_CMD_SLOTS, SPANCHAN_CMD_NAMES, &fd, ch) < 0)
		return;
	spanchan_choose_clock(*ch);
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv(SPANCHAN_ENV, num, 1) < 0 || spanjoin_new(*ch, sp) < 0) {
		spanchan_free(*ch);
		*ch = NULL;
	}
}

/* A line on stderr and in the profile's comments. */
static void tell(struct profile *p, const char *line)
{
	profile_add_comment(p, line);
	fprintf(stderr, "hwprof: %s\n", line);
}

/* Label the samples still waiting for their span, and say what the spans gave
 * and what the program (pid) did to its channel. */
static void record_spans_finish(struct spanjoin *sp, struct spanchan *ch, struct profile *p, int quiet,
				pid_t pid)
{
	const struct spanjoin_stats *st = spanjoin_stats(sp);
	char buf[256];
	/* Its count of full-ring drops is then in a header it wrote over. */
	uint64_t full = spanjoin_damage(sp, (int)pid, buf, sizeof(buf)) ? 0 : spanchan_dropped(ch);

	if (spanjoin_settle(sp, p, 1) < 0)
		fprintf(stderr, "hwprof: out of memory while labeling samples with spans\n");
	if (buf[0])
		tell(p, buf);
	if (!st->spans && !st->latencies)
		return;
	snprintf(buf, sizeof(buf), "spans: %llu ended, %llu latencies, %llu samples in spans "
		 "(%llu without span_ns); %llu records dropped (span channel full)",
		 (unsigned long long)st->spans, (unsigned long long)st->latencies,
		 (unsigned long long)st->in_span, (unsigned long long)st->no_duration,
		 (unsigned long long)full);
	profile_add_comment(p, buf);
	if (full)
		fprintf(stderr, "hwprof: %s\n", buf);
	else if (!quiet)
		fprintf(stderr, "hwprof: spans: %llu ended, %llu samples in spans\n",
			(unsigned long long)st->spans, (unsigned long long)st->in_span);
}

/* The per-span-name histograms next to the profile: OUTPUT.hlog, one log
 * with the intervals of every process that had spans (sj[0..n)). */
static int record_spans_write(const struct spanjoin *const *sj, size_t n, const struct profile *p,
			      const char *output)
{
	struct outfile *of;
	char path[4096];
	size_t any = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		any += spanjoin_stats(sj[i])->spans || spanjoin_stats(sj[i])->latencies;
	if (!any)
		return 0;
	sidefile_hlog(output, path, sizeof(path));
	r = outfile_open(path, &of);
	if (r == 0) {
		FILE *f = outfile_stream(of);
		int err = hdrlog_write_header(f, "hwprof record " PACKAGE_VERSION, p->time_nanos / 1e9);

		for (size_t i = 0; i < n && !err; i++)
			err = spanjoin_write_intervals(sj[i], f, p->duration_nanos / 1e9);
		r = outfile_close(of, err);
	}
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}

/* One run: what cmd_record sets up, runs and frees. */
struct record_run {
	struct record_opts o;
	struct record_notes notes;
	int argc;                 /* CMD and its arguments */
	char **argv;
	struct event_list *events;
	struct session_opts so;
	struct session *s;
	struct recorder *rec;
	struct spanchan *chan;
	struct spanjoin *spans;
	struct spanattach *joined; /* attached: the targets' own channels */
	struct phase *phase;      /* the sampling phase's restarts (phase.h) */
};

/* A refusal or fallback of event e as record words it (events_strerror). */
static void explain(const struct record_run *run, const struct event *e, int err,
		    enum events_fallback fallback, char *buf, size_t cap)
{
	struct events_why w;

	events_why_init(&w);
	w.sampling = 1;
	w.ring_pages = run->so.ring_pages;
	w.attr = fallback == EVENTS_GIVE_UP ? session_refused_attr(run->s) : NULL;
	w.fallback = fallback;
	events_strerror(e, err, &w, buf, cap);
}

/* session_open's fallbacks: a line on stderr (with -q only for a lost kind of
 * data) and a note for the profile's comments. */
static void on_fallback(void *ctx, enum events_fallback what, const struct event *e, int err)
{
	struct record_run *run = ctx;
	char why[512];

	explain(run, e, err, what, why, sizeof(why));
	if (what == EVENTS_TO_CPU_CLOCK) {
		if (!run->o.quiet)
			fprintf(stderr, "hwprof: %s: %s\n", e->name, why);
		snprintf(run->notes.fallback, sizeof(run->notes.fallback),
			 "event %s not supported here (no hardware PMU): sampled cpu-clock instead", e->name);
	} else if (what == EVENTS_USER_ONLY) {
		if (!run->o.quiet)
			fprintf(stderr, "hwprof: %s\n", why);
		run->notes.kernel_hidden = 1;
	} else if (what == EVENTS_NO_SWITCHES) {
		fprintf(stderr, "hwprof: %s\n", why);
		run->notes.no_switches = 1;
	} else if (!run->o.quiet) {
		fprintf(stderr, "hwprof: %s: %s\n", e->name, why);
	}
}

/* The session's options from record's; the switch event joins the list for
 * --off-cpu.  0, or -errno. */
static int fill_session_opts(struct record_run *run)
{
	struct session_opts *so = &run->so;
	const struct record_opts *o = &run->o;

	memset(so, 0, sizeof(*so));
	so->events = run->events;
	so->freq = o->freq;
	so->period = o->period;
	so->callchain = o->callchain;
	so->exclude_callchain_user = o->dwarf;
	so->stack_user = o->stack_size;
	so->regs_user = UNWIND_REGS_MASK;
	so->on_fallback = on_fallback;
	so->fallback_ctx = run;
	if (o->offcpu) {
		int r = session_add_offcpu(so);

		if (r < 0)
			return r;
	}
	so->ring_pages = session_ring_pages(so, o->ring_pages);
	return 0;
}

/* Every file the run may write, checked before CMD runs rather than lose a
 * whole run to a path that cannot be written at the end: the outputs and their
 * side files (the span histograms, when CMD marks spans; the timeline).  0, or
 * the exit status: 2 for an empty name, 1 for any other refusal. */
static int check_outputs(const struct record_opts *o)
{
	char side[2][4096], why[256];
	const char *paths[] = { o->output, o->folded, o->svg, side[0], o->timeline ? side[1] : NULL };
	int r;

	sidefile_hlog(o->output, side[0], sizeof(side[0]));
	sidefile_timeline(o->output, side[1], sizeof(side[1]));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (paths[i] && (r = outfile_check(paths[i], why, sizeof(why))) < 0) {
			fprintf(stderr, "hwprof: %s: cannot write: %s%s%s\n", paths[i], why,
				i >= 3 ? "; a side file of " : "", i >= 3 ? o->output : "");
			return r == -EINVAL ? 2 : 1;
		}
	}
	return 0;
}

/* The events, the outputs, the call graph, CMD stopped and the events opened
 * on it.  0, or the exit status. */
static int record_setup(struct record_run *run)
{
	int attaching = target_given(&run->o.target);
	char err[512], exe[64];
	size_t bad = 0;
	int r;

	if (events_parse(run->o.events, &run->events, err, sizeof(err)) < 0) {
		fprintf(stderr, "hwprof record: %s\n", err);
		return 2;
	}
	if ((r = check_outputs(&run->o)) != 0)
		return r;
	/* System-wide, auto stays fp: no one program to look at. */
	if (run->o.auto_graph && !run->o.target.system_wide)
		choose_call_graph(&run->o, attaching ? attach_program(&run->o.target, exe, sizeof(exe))
					   : run->argv[0], &run->notes);
	r = fill_session_opts(run);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s\n", strerror(-r));
		return 1;
	}
	if (attaching) {
		r = attach_setup(&(struct attach_req){ "record", &run->o.target, &run->so,
						       run->o.quiet },
				 &run->s, &bad, &run->notes.kernel_hidden);
		if (r > 0)
			return r;
	} else {
		record_spans_start(&run->chan, &run->spans);
		r = session_spawn(run->argv, &run->s);
		if (r == 0)
			r = session_own_group(run->s);
		if (r < 0) {
			fprintf(stderr, "hwprof: cannot start %s: %s\n", run->argv[0], strerror(-r));
			return 1;
		}
		r = session_open(run->s, &run->so, &bad);
	}
	if (r < 0) {
		explain(run, &run->events->ev[bad], r, EVENTS_GIVE_UP, err, sizeof(err));
		fprintf(stderr, "hwprof: %s: %s\n", run->events->ev[bad].name, err);
		return 1;
	}
	return 0;
}

/* The recorder for the opened session, its profile's sampling period.  0 or -errno. */
static int recorder_setup(struct record_run *run)
{
	const struct event *ev0 = &run->events->ev[0];
	struct recorder_opts ro;
	struct profile *p;
	int r;

	memset(&ro, 0, sizeof(ro));
	ro.fmt = session_format(run->s);
	ro.events = run->events;
	ro.dwarf = run->o.dwarf ? run->o.unwinder : 0;
	ro.leaf_unwinder = run->o.unwinder;
	ro.offcpu_event = session_offcpu_event(&run->so);
	ro.wall = run->o.wall;
	ro.timeline = run->o.timeline;
	if (target_given(&run->o.target))
		attach_recorder_opts(&ro);
	r = recorder_new(&ro, &run->rec);
	if (r < 0)
		return r;
	recorder_set_event_map(run->rec, event_of, run->s);
	if (run->spans)
		recorder_set_spans(run->rec, run->spans);
	p = recorder_profile(run->rec);
	if (run->o.period)
		profile_set_period(p, ev0->sample_type, ev0->unit, (int64_t)run->o.period);
	else
		profile_set_period(p, ev0->sample_type, ev0->unit,
				   strcmp(ev0->unit, "nanoseconds") == 0
					   ? (int64_t)(1000000000 / run->o.freq) : 0);
	p->default_sample_type = 1;
	if (!run->so.exclude_kernel)
		recorder_preload_kernel(run->rec);
	return 0;
}

/* Until CMD exits: forward signals, drain the rings into the recorder.  The
 * wait status of CMD. */
static int record_loop(struct record_run *run)
{
	int status = 0;

	if (target_given(&run->o.target))
		attach_record(run->s, run->rec, &run->o.target, run->o.duration_ns, run->o.quiet,
			      &run->joined);
	else for (;;) {
		int done;

		if (pending_signal) {
			int sig = pending_signal;

			pending_signal = 0;
			session_forward(run->s, sig & 0xff, sig > 0xff);
		}
		done = session_wait(run->s, &status, 1);
		if (done == SESSION_STOPPED)
			done = session_stop_with(run->s);
		session_poll(run->s, done ? 0 : phase_timeout(run->phase, 100));
		if (phase_apply(run->phase, run->s) < 0)
			fprintf(stderr, "hwprof: the kernel refused to restart the sampling period: "
				"the sampling phase is its own from here on\n");
		if (session_read(run->s, recorder_queue, run->rec) < 0 || recorder_flush(run->rec) < 0) {
			fprintf(stderr, "hwprof: out of memory while recording; writing what was collected\n");
			break;
		}
		if (done)
			break;
	}
	if (recorder_finish(run->rec) < 0)
		fprintf(stderr, "hwprof: out of memory while closing off-CPU waits\n");
	if (run->so.context_switch && !recorder_stats(run->rec)->switches) {
		fprintf(stderr, "hwprof: --off-cpu: no context-switch records came from the kernel; "
			"the profile has on-CPU time only\n");
		run->notes.no_switches = 1;
	}
	return status;
}

/* Run CMD under the recorder and write what it gave.  The exit status. */
static int record_and_write(struct record_run *run)
{
	struct perthread_stats pts;
	struct profile *p;
	int64_t t0, wall0;
	char buf[4400];
	int r, status;

	r = recorder_setup(run);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s\n", strerror(-r));
		return 1;
	}
	p = recorder_profile(run->rec);
	/* Attached, the targets' own sampling phase stays: their events count
	 * already (record_loop restarts a phase only for CMD). */
	if (target_given(&run->o.target)) {
		attach_block_signals();
	} else {
		install_handlers();
		if (phase_plan(&run->so, run->o.jitter, run->o.fixed_phase, &run->phase) < 0)
			fprintf(stderr, "hwprof: out of memory: the sampling phase is the kernel's\n");
	}
	t0 = util_now_mono_ns();
	wall0 = util_now_real_ns();
	r = target_given(&run->o.target) ? 0 : session_start(run->s);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", run->argv[0], strerror(-r));
		return r == -ENOENT ? 127 : 126;
	}
	phase_start(run->phase, util_now_mono_ns());
	/* Joined last, so that the rings are read from the first spans on. */
	if (target_given(&run->o.target) &&
	    attach_spans("record", &run->o.target, &run->joined, run->rec, 1) < 0)
		fprintf(stderr, "hwprof record: out of memory: recording without spans\n");
	status = record_loop(run);
	spanattach_leave(run->joined);
	p->time_nanos = wall0;
	p->duration_nanos = util_now_mono_ns() - t0;
	if (run->spans)
		record_spans_finish(run->spans, run->chan, p, run->o.quiet, session_pid(run->s));
	for (size_t i = 0; i < spanattach_count(run->joined); i++)
		record_spans_finish(spanattach_join_of(run->joined, i), spanattach_chan(run->joined, i),
				    p, run->o.quiet, spanattach_pid(run->joined, i));
	for (size_t i = 0; recorder_jit_rejected(run->rec, i, buf, sizeof(buf)); i++)
		tell(p, buf);
	if (demangle_profile(p, run->o.demangle) < 0)
		fprintf(stderr, "hwprof: out of memory while naming functions; some keep their whole names\n");
	add_comments(p, run->argc, run->argv, &run->o, &run->notes, recorder_stats(run->rec));
	phase_comment(run->phase, p);
	if (write_outputs(&run->o, p))
		return 1;
	if (run->spans) {
		const struct spanjoin *one = run->spans;

		if (record_spans_write(&one, 1, p, run->o.output))
			return 1;
	} else if (spanattach_count(run->joined)) {
		const struct spanjoin *all[2 * SPANATTACH_MAX];     /* live and kept */
		size_t n = 0;

		for (size_t i = 0; i < spanattach_count(run->joined) && n < 2 * SPANATTACH_MAX; i++)
			all[n++] = spanattach_join_of(run->joined, i);
		if (record_spans_write(all, n, p, run->o.output))
			return 1;
	}
	if (recorder_timeline(run->rec) && write_timeline(&run->o, recorder_timeline(run->rec)))
		return 1;
	if (session_perthread_stats(run->s, &pts) && pts.failed)
		fprintf(stderr, "hwprof: %llu of the command's %llu threads went unsampled: their "
			"events would not open (%s)\n", (unsigned long long)pts.failed,
			(unsigned long long)(pts.failed + pts.threads), strerror(-pts.last_err));
	print_summary(&run->o, recorder_stats(run->rec), p->duration_nanos, status);
	return util_exit_status(status);
}

int cmd_record(int argc, char **argv)
{
	struct record_run run;
	int first, code;

	memset(&run, 0, sizeof(run));
	first = recordopts_parse(argc, argv, &run.o);
	if (first <= 0) {
		if (first == 0)
			recordopts_usage(stdout);
		target_free(&run.o.target);
		return first == 0 ? 0 : 2;
	}
	/* Attached, the comments show the options instead of a command. */
	first = target_given(&run.o.target) ? 1 : first;
	run.argc = argc - first;
	run.argv = argv + first;
	code = record_setup(&run);
	if (code == 0)
		code = record_and_write(&run);
	recorder_free(run.rec);
	session_free(run.s);
	spanjoin_free(run.spans);
	spanchan_free(run.chan);
	spanattach_free(run.joined);
	phase_free(run.phase);
	events_free(run.events);
	target_free(&run.o.target);
	return code;
}
