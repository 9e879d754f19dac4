/* recordopts.c - see recordopts.h. */
#include "recordopts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "callstack.h"
#include "cmd_attach.h"
#include "unwind.h"

void recordopts_usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof record [OPTIONS] [--] CMD [ARGS...]\n"
		"       hwprof [OPTIONS] -- CMD [ARGS...]   (the same: record is implied)\n"
		"       hwprof record [OPTIONS] -p PID[,PID...] | -t TID[,...] | -a [-C CPUS]\n"
		"\n"
		"Run CMD (its threads and forked children too) under perf_event sampling and\n"
		"write a symbolized profile as gzipped pprof.\n\n");
	attach_usage(f, 1);
	fprintf(f,
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
		"                          pointers (SIZE default 32768, max 65528, multiple\n"
		"                          of 8); none: leaf functions only\n"
		"      --unwinder U        DWARF unwinding by cfi (the default: compiled CFI\n"
		"                          tables, libdw where they cannot), libdw (libdwfl\n"
		"                          only) or compare (both on every sample, libdw's\n"
		"                          frames kept, the samples that differ counted);\n"
		"                          with fp, the same for frameless leaves' callers\n"
		"  -o, --output FILE       pprof output (default: hwprof.pb.gz)\n"
		"                          (spans that CMD marks with libhwprof label the samples;\n"
		"                          their latency histograms go to FILE.hlog)\n"
		"      --folded FILE       also write collapsed stacks\n"
		"      --svg FILE          also write a flame graph\n"
		"  -m, --mmap-pages N      ring buffer data pages per CPU (power of two; default 256,\n"
		"                          with --call-graph dwarf 1024 per 16 KiB of SIZE)\n"
		"      --off-cpu           also off-CPU time: from each switch-out of a thread to\n"
		"                          its next switch-in, on its stack at switch-out, as\n"
		"                          sample type off-cpu with a label state (runnable,\n"
		"                          sleeping, lock, io)\n"
		"      --wall              --off-cpu with cpu-clock, plus sample type wall\n"
		"                          (on-CPU + off-CPU time per stack)\n"
		"      --timeline          --off-cpu, plus per-thread intervals and sample times\n"
		"                          in a side file (-o X.pb.gz: X.timeline), for\n"
		"                          'hwprof report --timeline OUT.json'\n"
		"      --jitter PCT        vary the sampling period: every 50-150 ms a new one\n"
		"                          from P (1 +- PCT/100), PCT up to 50 (man hwprof:\n"
		"                          SAMPLING PHASE; by default the period starts once\n"
		"                          at a random moment in the first 50 ms)\n"
		"      --fixed-phase       no such restart: the kernel's sampling phase\n"
		"      --demangle STYLE    function names: simple (the default: no parameters,\n"
		"                          template arguments or return type), templates\n"
		"                          (template arguments kept) or full; the mangled\n"
		"                          name is kept as the function's system name\n"
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

/* --call-graph MODE (-g: fp) into o.  0, or -1 after a message. */
static int parse_call_graph(const char *arg, struct record_opts *o)
{
	uint64_t v;

	o->callchain = 1;
	o->auto_graph = 0;
	o->dwarf = 0;
	o->stack_size = UNWIND_STACK_LEAF;
	if (strcmp(arg, "auto") == 0) {
		o->auto_graph = 1;
	} else if (strcmp(arg, "fp") == 0) {
		return 0;
	} else if (strcmp(arg, "none") == 0) {
		o->callchain = 0;
		o->stack_size = 0;
	} else if (strncmp(arg, "dwarf", 5) == 0 && (!arg[5] || arg[5] == ',')) {
		o->dwarf = 1;
		o->stack_size = UNWIND_STACK_DEFAULT;
		if (arg[5] && (parse_u64(arg + 6, &v) < 0 || v == 0 || v > UNWIND_STACK_MAX || v % 8)) {
			fprintf(stderr, "hwprof record: --call-graph %s: SIZE must be a multiple "
				"of 8 from 8 to %d\n", arg, UNWIND_STACK_MAX);
			return -1;
		}
		if (arg[5])
			o->stack_size = (uint32_t)v;
	} else {
		fprintf(stderr, "hwprof record: --call-graph %s: expected auto, fp, "
			"dwarf[,SIZE] or none\n", arg);
		return -1;
	}
	return 0;
}

/* --unwinder cfi|libdw|compare into o.  0, or -1 after a message. */
static int parse_unwinder(const char *arg, struct record_opts *o)
{
	if (strcmp(arg, "cfi") == 0) {
		o->unwinder = CALLSTACK_DWARF_CFI;
	} else if (strcmp(arg, "libdw") == 0) {
		o->unwinder = CALLSTACK_DWARF_LIBDW;
	} else if (strcmp(arg, "compare") == 0) {
		o->unwinder = CALLSTACK_DWARF_COMPARE;
	} else {
		fprintf(stderr, "hwprof record: --unwinder %s: expected cfi, libdw or compare\n", arg);
		return -1;
	}
	return 0;
}

/* -F HZ, -c PERIOD or -m PAGES (opt) into o.  0, or -1 after a message. */
static int parse_number(int opt, const char *arg, struct record_opts *o)
{
	uint64_t v = 0;
	int bad = parse_u64(arg, &v) < 0 || v == 0;

	if (opt == 'F' && (bad || v > 1000000)) {
		fprintf(stderr, "hwprof record: -F %s: expected a frequency in Hz (1..1000000)\n", arg);
		return -1;
	}
	if (opt == 'c' && bad) {
		fprintf(stderr, "hwprof record: -c %s: expected a positive period\n", arg);
		return -1;
	}
	if (opt == 'm' && (bad || (v & (v - 1)) || v > 65536)) {
		fprintf(stderr, "hwprof record: -m %s: expected a power of two (1..65536)\n", arg);
		return -1;
	}
	if (opt == 'F') {
		o->freq = v;
		o->period = 0;
	} else if (opt == 'c') {
		o->period = v;
		o->freq = 0;
	} else {
		o->ring_pages = v;
	}
	return 0;
}

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
	{ "jitter", required_argument, NULL, 'J' },
	{ "fixed-phase", no_argument, NULL, 'X' },
	{ "demangle", required_argument, NULL, 'N' },
	{ "unwinder", required_argument, NULL, 'U' },
	{ "help", no_argument, NULL, 'h' },
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "cpu", required_argument, NULL, 'C' },
	{ "duration", required_argument, NULL, ATTACH_OPT_DURATION },
	{ NULL, 0, NULL, 0 },
};

/* record's defaults: cycles at 999 Hz, --call-graph auto, hwprof.pb.gz. */
static void set_defaults(struct record_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->events = "cycles";
	o->freq = 999;
	o->callchain = 1;
	o->stack_size = UNWIND_STACK_LEAF;
	o->auto_graph = 1;
	o->output = "hwprof.pb.gz";
	o->unwinder = CALLSTACK_DWARF_CFI;
}

/* --jitter PCT into o.  0, or -1 after a message. */
static int parse_jitter(const char *arg, struct record_opts *o)
{
	uint64_t pct;

	if (parse_u64(arg, &pct) < 0 || pct > 50) {
		fprintf(stderr, "hwprof record: --jitter %s: expected a percentage from "
			"0 to 50\n", arg);
		return -1;
	}
	o->jitter = (double)pct / 100;
	return 0;
}

/* One option (getopt's c, its argument arg) into o.  0; 1 for -h/--help; -1
 * after a message. */
static int record_option(int c, const char *arg, struct record_opts *o)
{
	switch (c) {
	case 'p':
	case 't':
	case 'a':
	case 'C':
	case ATTACH_OPT_DURATION:
		return attach_option("record", c, arg, &o->target, &o->duration_ns) < 0 ? -1 : 0;
	case 'e':
		o->events = arg;
		o->events_set = 1;
		return 0;
	case 'F':
	case 'c':
	case 'm':
		return parse_number(c, arg, o) < 0 ? -1 : 0;
	case 'g':
		parse_call_graph("fp", o);
		return 0;
	case 'G':
		return parse_call_graph(arg, o) < 0 ? -1 : 0;
	case 'o':
		o->output = arg;
		return 0;
	case 'f':
		o->folded = arg;
		return 0;
	case 's':
		o->svg = arg;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	case 'O':
		o->offcpu = 1;
		return 0;
	case 'W':
		o->wall = o->offcpu = 1;
		return 0;
	case 'T':
		o->timeline = o->offcpu = 1;
		return 0;
	case 'J':
		return parse_jitter(arg, o);
	case 'X':
		o->fixed_phase = 1;
		return 0;
	case 'U':
		return parse_unwinder(arg, o) < 0 ? -1 : 0;
	case 'N':
		if (demangle_parse_style(arg, &o->demangle) < 0) {
			fprintf(stderr, "hwprof record: --demangle %s: expected simple, "
				"templates or full\n", arg);
			return -1;
		}
		return 0;
	case 'h':
		return 1;
	default:
		fprintf(stderr, "Try 'hwprof record --help'.\n");
		return -1;
	}
}

int recordopts_parse(int argc, char **argv, struct record_opts *o)
{
	int c, r;

	set_defaults(o);
	optind = 1;
	/* '+': stop at CMD, so that CMD's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+e:F:c:go:m:qhp:t:aC:", longopts, NULL)) != -1) {
		r = record_option(c, optarg, o);
		if (r != 0)
			return r > 0 ? 0 : -1;
	}
	if (attach_check_args("record", &o->target, optind < argc) < 0)
		return -1;
	if (optind >= argc && !target_given(&o->target)) {
		fprintf(stderr, "hwprof record: no command given (hwprof record [OPTIONS] -- CMD [ARGS])\n");
		return -1;
	}
	if (o->wall && !o->events_set)
		o->events = "cpu-clock";
	return optind;
}
