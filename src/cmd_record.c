/* cmd_record.c - `hwprof record [OPTIONS] [--] CMD [ARGS]`: options, messages,
 * exit codes.  The work is done by session.c (events, rings) and recorder.c. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "events.h"
#include "flamegraph.h"
#include "fpcheck.h"
#include "folded.h"
#include "pprof.h"
#include "recorder.h"
#include "session.h"
#include "spanchan.h"
#include "spanjoin.h"
#include "timeline.h"
#include "tscclock.h"
#include "symbolize.h"
#include "unwind.h"
#include "util.h"

/* The one global: which signal asked us to stop (forwarded to CMD). */
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

struct record_opts {
	const char *events;
	uint64_t freq, period;
	int callchain;
	int dwarf;                /* --call-graph dwarf: user stacks from stack copies */
	int auto_graph;           /* --call-graph auto: fp or dwarf, by CMD's code */
	uint32_t stack_size;      /* bytes of user stack copied per sample (0: none) */
	int ring_pages_set;       /* -m given */
	const char *output, *folded, *svg;
	int quiet;
	size_t ring_pages;
	int offcpu, wall, timeline; /* --off-cpu, --wall (implies it), --timeline */
	int events_set;           /* -e given */
};

/* What the profile's comments should say about how it was recorded. */
struct record_notes {
	char fallback[256];
	char call_graph[512];     /* why --call-graph auto chose what it chose */
	int kernel_hidden;
	int no_switches;          /* --off-cpu asked, but the kernel has no switch records */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof record [OPTIONS] [--] CMD [ARGS...]\n"
		"\n"
		"Run CMD (its threads and forked children too) under perf_event sampling and\n"
		"write a symbolized profile as gzipped pprof.\n"
		"\n"
		"  -e, --event EVENTS      events to sample, comma-separated (default: cycles;\n"
		"                          falls back to cpu-clock where there is no hardware PMU)\n"
		"  -F, --freq HZ           samples per second per thread (default: 999)\n"
		"  -c, --count PERIOD      one sample every PERIOD events (instead of -F)\n"
		"  -g                      record call stacks by frame pointers (--call-graph fp)\n"
		"      --call-graph MODE   auto (the default): fp when CMD's code keeps frame\n"
		"                          pointers, dwarf when it does not;\n"
		"                          fp: frame pointers, plus the caller of a frameless leaf\n"
		"                          from its CFI (512-byte stack copies);\n"
		"                          dwarf[,SIZE]: unwind SIZE bytes of user stack copied\n"
		"                          per sample with DWARF CFI, for code without frame\n"
		"                          pointers (SIZE default 16384, max 65528, multiple\n"
		"                          of 8); none: leaf functions only\n"
		"  -o, --output FILE       pprof output (default: hwprof.pb.gz)\n"
		"                          (spans that CMD marks with libhwprof label the samples;\n"
		"                          their latency histograms go to FILE.hlog)\n"
		"      --folded FILE       also write collapsed stacks\n"
		"      --svg FILE          also write a flame graph\n"
		"  -m, --mmap-pages N      ring buffer data pages per CPU (power of two; default 256,\n"
		"                          1024 with --call-graph dwarf)\n"
		"      --off-cpu           also off-CPU time: from each switch-out of a thread to\n"
		"                          its next switch-in, on its stack at switch-out, as\n"
		"                          sample type off-cpu with a label state (runnable,\n"
		"                          sleeping, lock, io)\n"
		"      --wall              --off-cpu with cpu-clock, plus sample type wall\n"
		"                          (on-CPU + off-CPU time per stack)\n"
		"      --timeline          --off-cpu, plus per-thread intervals and sample times\n"
		"                          in a side file (-o X.pb.gz: X.timeline), for\n"
		"                          'hwprof report --timeline OUT.json'\n"
		"  -q, --quiet             no summary on stderr\n"
		"  -h, --help              this help\n"
		"\n"
		"Environment: HWPROF_SPAN_CLOCK=monotonic times libhwprof spans with\n"
		"CLOCK_MONOTONIC instead of the CPU's time-stamp counter.\n"
		"\n"
		"Exit status: CMD's own (128+N when killed by signal N); 1 when hwprof fails;\n"
		"2 for a usage error; 127 when CMD cannot be found.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

/* Fail before CMD runs rather than lose a whole run to an unwritable path. */
static int check_writable(const char *path)
{
	char *copy = strdup(path);
	const char *dir;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (access(path, F_OK) == 0) {
		struct stat st;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			r = -EISDIR;
		else if (access(path, W_OK) < 0)
			r = -errno;
	} else if (access(dir, W_OK) < 0) {
		r = -errno;
	}
	free(copy);
	return r;
}

static int parse_args(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "freq", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'c' },
		{ "call-graph", required_argument, NULL, 'G' },
		{ "output", required_argument, NULL, 'o' },
		{ "folded", required_argument, NULL, 'f' },
		{ "svg", required_argument, NULL, 's' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "off-cpu", no_argument, NULL, 'O' },
		{ "wall", no_argument, NULL, 'W' },
		{ "timeline", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->events = "cycles";
	o->freq = 999;
	o->callchain = 1;
	o->stack_size = UNWIND_STACK_LEAF;
	o->auto_graph = 1;
	o->output = "hwprof.pb.gz";
	o->ring_pages = 256;
	optind = 1;
	/* '+': stop at CMD, so that CMD's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+e:F:c:go:m:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->events = optarg;
			o->events_set = 1;
			break;
		case 'F':
			if (parse_u64(optarg, &v) < 0 || v == 0 || v > 1000000) {
				fprintf(stderr, "hwprof record: -F %s: expected a frequency in Hz (1..1000000)\n", optarg);
				return -1;
			}
			o->freq = v;
			o->period = 0;
			break;
		case 'c':
			if (parse_u64(optarg, &v) < 0 || v == 0) {
				fprintf(stderr, "hwprof record: -c %s: expected a positive period\n", optarg);
				return -1;
			}
			o->period = v;
			o->freq = 0;
			break;
		case 'g':
			o->callchain = 1;
			o->auto_graph = 0;
			o->dwarf = 0;
			o->stack_size = UNWIND_STACK_LEAF;
			break;
		case 'G':
			o->callchain = 1;
			o->auto_graph = 0;
			o->dwarf = 0;
			o->stack_size = UNWIND_STACK_LEAF;
			if (strcmp(optarg, "auto") == 0) {
				o->auto_graph = 1;
			} else if (strcmp(optarg, "fp") == 0) {
				break;
			} else if (strcmp(optarg, "none") == 0) {
				o->callchain = 0;
				o->stack_size = 0;
			} else if (strncmp(optarg, "dwarf", 5) == 0 && (!optarg[5] || optarg[5] == ',')) {
				o->dwarf = 1;
				o->stack_size = UNWIND_STACK_DEFAULT;
				if (optarg[5] && (parse_u64(optarg + 6, &v) < 0 || v == 0 ||
						  v > UNWIND_STACK_MAX || v % 8)) {
					fprintf(stderr, "hwprof record: --call-graph %s: SIZE must be a multiple "
						"of 8 from 8 to %d\n", optarg, UNWIND_STACK_MAX);
					return -1;
				}
				if (optarg[5])
					o->stack_size = (uint32_t)v;
			} else {
				fprintf(stderr, "hwprof record: --call-graph %s: expected auto, fp, "
					"dwarf[,SIZE] or none\n", optarg);
				return -1;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			o->folded = optarg;
			break;
		case 's':
			o->svg = optarg;
			break;
		case 'm':
			if (parse_u64(optarg, &v) < 0 || v == 0 || (v & (v - 1)) || v > 65536) {
				fprintf(stderr, "hwprof record: -m %s: expected a power of two (1..65536)\n", optarg);
				return -1;
			}
			o->ring_pages = v;
			o->ring_pages_set = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'O':
			o->offcpu = 1;
			break;
		case 'W':
			o->wall = o->offcpu = 1;
			break;
		case 'T':
			o->timeline = o->offcpu = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'hwprof record --help'.\n");
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hwprof record: no command given (hwprof record [OPTIONS] -- CMD [ARGS])\n");
		return -1;
	}
	return optind;
}

/* The file execvp would run for cmd, or its interpreter when it is a script. */
static int resolve_program(const char *cmd, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	FILE *f;
	char line[256];

	if (strchr(cmd, '/')) {
		snprintf(buf, cap, "%s", cmd);
	} else {
		const char *dir = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
		int found = 0;

		while (!found && *dir) {
			size_t len = strcspn(dir, ":");

			snprintf(buf, cap, "%.*s/%s", (int)len, len ? dir : ".", cmd);
			found = access(buf, X_OK) == 0;
			dir += len + (dir[len] == ':');
		}
		if (!found)
			return -ENOENT;
	}
	f = fopen(buf, "re");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *interp = line + 2 + strspn(line + 2, " \t");

		interp[strcspn(interp, " \t\n")] = '\0';
		snprintf(buf, cap, "%s", interp);
	}
	fclose(f);
	return 0;
}

/* --call-graph auto: frame pointers (cheap: the kernel walks them) for code
 * built with them, DWARF unwinding of stack copies for code built without. */
static void choose_call_graph(struct record_opts *o, const char *cmd, struct record_notes *notes)
{
	char prog[4096];
	double share = 0;
	size_t nfuncs = 0;
	int r = resolve_program(cmd, prog, sizeof(prog));

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

static int is_cycles(const struct event *e)
{
	return e->attr.type == PERF_TYPE_HARDWARE && e->attr.config == PERF_COUNT_HW_CPU_CYCLES;
}

/* Open the events, falling back loudly where the machine or the kernel says no.
 * Returns 0, or the exit status to use. */
static int open_events(struct session *s, struct session_opts *so, struct record_notes *notes,
		       const struct record_opts *o)
{
	for (;;) {
		size_t bad = 0;
		int r = session_open(s, so, &bad);
		struct event *e = &so->events->ev[bad];

		if (r == 0)
			return 0;
		if ((r == -ENOENT || r == -EOPNOTSUPP || r == -ENODEV) && events_is_hardware(e)) {
			if (is_cycles(e)) {
				if (!o->quiet)
					fprintf(stderr, "hwprof: %s: no hardware PMU on this machine (VM?); "
						"using cpu-clock instead, or pass -e cpu-clock\n", e->name);
				snprintf(notes->fallback, sizeof(notes->fallback),
					 "event %s not supported here (no hardware PMU): sampled cpu-clock instead",
					 e->name);
				events_set_cpu_clock(e);
				continue;
			}
			fprintf(stderr, "hwprof: %s: not supported on this machine (the kernel exposes no "
				"CPU PMU for it); try -e cpu-clock\n", e->name);
			return 1;
		}
		if ((r == -EACCES || r == -EPERM) && !so->exclude_kernel && !e->attr.exclude_kernel) {
			so->exclude_kernel = 1;
			notes->kernel_hidden = 1;
			if (!o->quiet)
				fprintf(stderr, "hwprof: kernel frames not allowed (perf_event_paranoid is %d; "
					"root, CAP_PERFMON or a value <= 1 allows them); recording user space only\n",
					util_perf_paranoid());
			continue;
		}
		if (r == -EACCES || r == -EPERM) {
			fprintf(stderr, "hwprof: perf_event_open: %s: /proc/sys/kernel/perf_event_paranoid is %d "
				"and hwprof lacks CAP_PERFMON; run as root, or 'sysctl kernel.perf_event_paranoid=1'\n",
				strerror(-r), util_perf_paranoid());
			return 1;
		}
		if (r == -EMFILE || r == -ENFILE) {
			fprintf(stderr, "hwprof: perf_event_open: too many open files (one per CPU and event); "
				"raise 'ulimit -n'\n");
			return 1;
		}
		if (r == -ENOMEM) {
			fprintf(stderr, "hwprof: ring buffers: cannot map %zu pages per CPU (locked memory limit, "
				"see 'ulimit -l' and /proc/sys/kernel/perf_event_mlock_kb); try a smaller -m\n",
				so->ring_pages);
			return 1;
		}
		/* The leaf-caller stack copy is a refinement of fp stacks: a kernel
		 * that refuses user registers or stacks still gets fp stacks. */
		/* Kernels before 4.3 reject attr.context_switch (EINVAL); the
		 * context-switch software event may be missing too: on-CPU only. */
		if (so->context_switch && (r == -EINVAL || r == -E2BIG ||
					   (bad == so->events->n - 1 && (r == -ENOENT || r == -EOPNOTSUPP)))) {
			fprintf(stderr, "hwprof: --off-cpu: this kernel gives no context-switch records "
				"(PERF_RECORD_SWITCH, Linux 4.3+): %s; recording on-CPU time only\n",
				strerror(-r));
			so->context_switch = 0;
			so->events->n--;
			notes->no_switches = 1;
			continue;
		}
		if (r == -EINVAL && so->stack_user && !o->dwarf) {
			so->stack_user = 0;
			continue;
		}
		fprintf(stderr, "hwprof: perf_event_open(%s): %s\n", e->name, strerror(-r));
		return 1;
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* One line on DWARF unwinding: how often the stack copy was too short and the
 * walk stopped early, and what a walk costs. */
static void dwarf_summary(const struct recorder_stats *st, uint32_t size, char *buf, size_t cap)
{
	snprintf(buf, cap, "dwarf unwinding: %llu samples; stack copy cut at %u bytes in %.1f%%; "
		 "stopped before the outermost frame in %.1f%%; median %.1f us/sample",
		 (unsigned long long)st->dwarf_samples, (unsigned)size,
		 pct(st->stack_cut, st->dwarf_samples), pct(st->unwind_partial, st->dwarf_samples),
		 st->unwind_ns / 1000.0);
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
	} else if (st->leaf_callers) {
		snprintf(buf, sizeof(buf), "frameless leaf callers restored from CFI: %llu samples",
			 (unsigned long long)st->leaf_callers);
		profile_add_comment(p, buf);
	}
}

static int write_text_output(const char *path, struct profile *p, int svg)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f)
		return -errno;
	r = svg ? flamegraph_write_svg(p, p->n_types > 1 ? 1 : 0, "hwprof", f)
		: folded_write(p, p->n_types > 1 ? 1 : 0, f);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
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
	char path[4096];
	FILE *f;
	int r;

	timeline_path(o->output, path, sizeof(path));
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "hwprof: %s: %s\n", path, strerror(errno));
		return 1;
	}
	r = timeline_write(t, f);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
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
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
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
 * CMD runs and is profiled without spans.  Spans read the TSC where it keeps
 * time (tscclock.h), unless HWPROF_SPAN_CLOCK=monotonic asks for the clock
 * itself. */
static void record_spans_start(struct spanchan **ch, struct spanjoin **sp)
{
	const char *clock = getenv("HWPROF_SPAN_CLOCK");
	char num[16];
	int fd;

	if (spanchan_create(128, 32768, 1024, &fd, ch) < 0)
		return;
	if (!(clock && strcmp(clock, "monotonic") == 0) && tscclock_usable())
		spanchan_set_clock(*ch, SPANCHAN_CLOCK_TSC);
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv(SPANCHAN_ENV, num, 1) < 0 || spanjoin_new(*ch, sp) < 0) {
		spanchan_free(*ch);
		*ch = NULL;
	}
}

/* Label the samples still waiting for their span, and say what the spans gave. */
static void record_spans_finish(struct spanjoin *sp, struct spanchan *ch, struct profile *p, int quiet)
{
	const struct spanjoin_stats *st = spanjoin_stats(sp);
	char buf[256];

	if (spanjoin_settle(sp, p, 1) < 0)
		fprintf(stderr, "hwprof: out of memory while labeling samples with spans\n");
	if (!st->spans && !st->latencies)
		return;
	snprintf(buf, sizeof(buf), "spans: %llu ended, %llu latencies, %llu samples in spans "
		 "(%llu without span_ns); %llu records dropped (span channel full)",
		 (unsigned long long)st->spans, (unsigned long long)st->latencies,
		 (unsigned long long)st->in_span, (unsigned long long)st->no_duration,
		 (unsigned long long)spanchan_dropped(ch));
	profile_add_comment(p, buf);
	if (spanchan_dropped(ch))
		fprintf(stderr, "hwprof: %s\n", buf);
	else if (!quiet)
		fprintf(stderr, "hwprof: spans: %llu ended, %llu samples in spans\n",
			(unsigned long long)st->spans, (unsigned long long)st->in_span);
}

/* The per-span-name histograms next to the profile: OUTPUT.hlog. */
static int record_spans_write(const struct spanjoin *sp, const struct profile *p, const char *output)
{
	char path[4096];
	FILE *f;
	int r;

	if (!spanjoin_stats(sp)->spans && !spanjoin_stats(sp)->latencies)
		return 0;
	snprintf(path, sizeof(path), "%s.hlog", output);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "hwprof: %s: %s\n", path, strerror(errno));
		return 1;
	}
	r = spanjoin_write_hlog(sp, f, p->time_nanos / 1e9, p->duration_nanos / 1e9);
	if (fclose(f) && !r)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", path, strerror(-r));
		return 1;
	}
	return 0;
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct session_opts so;
	struct record_notes notes;
	struct event_list *events = NULL;
	struct session *s = NULL;
	struct recorder *rec = NULL;
	struct recorder_opts ro;
	struct spanchan *chan = NULL;
	struct spanjoin *spans = NULL;
	struct profile *p;
	char err[512], evtext[4096];
	int first, r, status = 0, code = 1;
	int64_t t0, wall0;

	memset(&notes, 0, sizeof(notes));
	first = parse_args(argc, argv, &o);
	if (first < 0)
		return 2;
	if (o.offcpu) {
		/* Switch-outs are sampled by their own software event, one sample per
		 * switch, with the stacks the other events get. */
		snprintf(evtext, sizeof(evtext), "%s,context-switches:period=1",
			 o.wall && !o.events_set ? "cpu-clock" : o.events);
		o.events = evtext;
	}
	if (events_parse(o.events, &events, err, sizeof(err)) < 0) {
		fprintf(stderr, "hwprof record: %s\n", err);
		return 2;
	}
	{
		const char *paths[] = { o.output, o.folded, o.svg };

		for (size_t i = 0; i < 3; i++) {
			if (paths[i] && (r = check_writable(paths[i])) < 0) {
				fprintf(stderr, "hwprof: %s: cannot write: %s\n", paths[i], strerror(-r));
				goto out;
			}
		}
	}
	if (o.auto_graph)
		choose_call_graph(&o, argv[first], &notes);
	record_spans_start(&chan, &spans);
	r = session_spawn(argv + first, &s);
	if (r < 0) {
		fprintf(stderr, "hwprof: cannot start %s: %s\n", argv[first], strerror(-r));
		goto out;
	}
	memset(&so, 0, sizeof(so));
	so.events = events;
	so.freq = o.freq;
	so.period = o.period;
	so.callchain = o.callchain;
	so.exclude_callchain_user = o.dwarf;
	so.stack_user = o.stack_size;
	so.regs_user = UNWIND_REGS_MASK;
	so.context_switch = o.offcpu;
	/* A frame-pointer sample carries 650 bytes of registers and stack for the
	 * leaf-caller recovery (hence 256 pages: 1 MiB, room for some 100 ms at
	 * -F 4999 on two threads); a DWARF sample some 16 KiB: the default ring
	 * would hold only a few dozen of them between two reads. */
	so.ring_pages = o.dwarf && !o.ring_pages_set ? o.ring_pages * 4 : o.ring_pages;
	/* A sample and two records per context switch: tens of thousands a
	 * second in a chatty program, more than the default ring holds between
	 * two reads while hwprof symbolizes the first stacks. */
	if (o.offcpu && !o.ring_pages_set && so.ring_pages < 1024)
		so.ring_pages = 1024;
	r = open_events(s, &so, &notes, &o);
	if (r) {
		code = r;
		goto out;
	}
	memset(&ro, 0, sizeof(ro));
	ro.fmt = session_format(s);
	ro.events = events;
	ro.dwarf = o.dwarf;
	ro.offcpu_event = so.context_switch ? (int)events->n : 0;
	ro.wall = o.wall;
	ro.timeline = o.timeline;
	r = recorder_new(&ro, &rec);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s\n", strerror(-r));
		goto out;
	}
	recorder_set_event_map(rec, event_of, s);
	if (spans)
		recorder_set_spans(rec, spans);
	p = recorder_profile(rec);
	if (o.period)
		profile_set_period(p, events->ev[0].sample_type, events->ev[0].unit, (int64_t)o.period);
	else
		profile_set_period(p, events->ev[0].sample_type, events->ev[0].unit,
				   strcmp(events->ev[0].unit, "nanoseconds") == 0
					   ? (int64_t)(1000000000 / o.freq) : 0);
	p->default_sample_type = 1;

	if (!so.exclude_kernel)
		recorder_preload_kernel(rec);
	install_handlers();
	t0 = util_now_mono_ns();
	wall0 = util_now_real_ns();
	r = session_start(s);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", argv[first], strerror(-r));
		code = (r == -ENOENT) ? 127 : 126;
		goto out;
	}
	for (;;) {
		int done;

		if (pending_signal) {
			int sig = pending_signal;

			pending_signal = 0;
			kill(session_pid(s), sig);
		}
		done = session_wait(s, &status, 1);
		session_poll(s, done ? 0 : 100);
		if (session_read(s, recorder_queue, rec) < 0 || recorder_flush(rec) < 0) {
			fprintf(stderr, "hwprof: out of memory while recording; writing what was collected\n");
			break;
		}
		if (done)
			break;
	}
	if (recorder_finish(rec) < 0)
		fprintf(stderr, "hwprof: out of memory while closing off-CPU waits\n");
	if (so.context_switch && !recorder_stats(rec)->switches) {
		fprintf(stderr, "hwprof: --off-cpu: no context-switch records came from the kernel; "
			"the profile has on-CPU time only\n");
		notes.no_switches = 1;
	}
	p->time_nanos = wall0;
	p->duration_nanos = util_now_mono_ns() - t0;
	if (spans)
		record_spans_finish(spans, chan, p, o.quiet);
	add_comments(p, argc - first, argv + first, &o, &notes, recorder_stats(rec));
	if (write_outputs(&o, p))
		goto out;
	if (spans && record_spans_write(spans, p, o.output))
		goto out;
	if (recorder_timeline(rec) && write_timeline(&o, recorder_timeline(rec)))
		goto out;
	print_summary(&o, recorder_stats(rec), p->duration_nanos, status);
	code = util_exit_status(status);
out:
	recorder_free(rec);
	session_free(s);
	spanjoin_free(spans);
	spanchan_free(chan);
	events_free(events);
	return code;
}
