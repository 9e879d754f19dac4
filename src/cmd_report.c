/* cmd_report.c - `hwprof report [OPTIONS] FILE`: read a pprof profile and print
 * the top table, collapsed stacks or a flame graph.  Options, messages and exit
 * codes only; the formats live in text.c, folded.c and flamegraph.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdopt.h"
#include "cmds.h"
#include "demangle.h"
#include "flamegraph.h"
#include "offcpu.h"
#include "folded.h"
#include "outfile.h"
#include "pprof.h"
#include "profile.h"
#include "sidefile.h"
#include "spanreport.h"
#include "tags.h"
#include "text.h"
#include "timeline.h"
#include "util.h"

struct report_opts {
	const char *file;
	const char *type;       /* -t NAME, or NULL for the default */
	const char *svg;        /* --svg OUT ("-": stdout) */
	const char *title;
	int top, folded, tags;
	int threads, locks;     /* --threads, --locks (off-CPU profiles) */
	const char *timeline;   /* --timeline OUT.json */
	int spans, compare_slow; /* --spans, --compare-slow */
	const char *trace_id;   /* --trace-id ID */
	double slower_pct;      /* --slower-than pNN (-1: not given) */
	int64_t slower_ns;      /* --slower-than DURATION (-1: not given) */
	size_t rows;
	int demangle_set;       /* --demangle STYLE given */
	enum demangle_style demangle;
	size_t max_size;        /* --max-size: the profile's cap, uncompressed */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof report [OPTIONS] FILE\n"
		"\n"
		"Read a pprof profile (gzipped or not) and print its top functions (the\n"
		"default), its collapsed stacks, or write an interactive SVG flame graph.\n"
		"\n"
		"      --top               the top functions table (the default output)\n"
		"  -n, --rows N            rows in the top table (default: 20; 0: all)\n"
		"      --folded            collapsed stacks (root;...;leaf VALUE) on stdout\n"
		"      --tags              the value per label (pid, tid, thread, ...) on stdout\n"
		"      --threads           per thread: CPU time, off-CPU time by state and the\n"
		"                          CPU/wall ratio (a profile recorded with --off-cpu)\n"
		"      --locks             lock waits (off-CPU in state lock) by lock function\n"
		"                          and the frame that called it, largest first\n"
		"      --timeline OUT      convert FILE's timeline (record --timeline: X.timeline\n"
		"                          beside X.pb.gz) to Chrome trace event JSON in OUT\n"
		"                          (Perfetto UI, chrome://tracing)\n"
		"      --svg OUT           write a flame graph to OUT ('-': stdout)\n"
		"      --spans             per span name (libhwprof spans, FILE.hlog beside FILE):\n"
		"                          count, p50, p90, p99, p99.9, max of the latency from\n"
		"                          the intended start, and of the service time\n"
		"      --trace-id ID       only the samples of the request with trace id ID\n"
		"      --slower-than X     only the samples inside spans at or above percentile\n"
		"                          X of their name (p99, p99.9) or longer than duration\n"
		"                          X (250ms, 1.5s); --trace-id and --slower-than filter\n"
		"                          --top, --folded, --tags and --svg\n"
		"      --compare-slow      functions whose share in spans at or above p99 (or\n"
		"                          --slower-than pNN) exceeds their share in the other\n"
		"                          spans, with both shares\n"
		"      --title TEXT        the flame graph's title (default: FILE and type)\n"
		"      --max-size SIZE     refuse a profile larger than SIZE uncompressed\n"
		"                          (default 1G; k, M, G, T: binary units)\n"
		"  -t, --sample-type NAME  the value to report (default: the profile's default\n"
		"                          type, else the first that is not \"samples\")\n"
		"      --demangle STYLE    name C++ and Rust functions again from their mangled\n"
		"                          names: simple (no parameters, template arguments or\n"
		"                          return type), templates or full (overloads apart);\n"
		"                          default: the names the profile holds\n"
		"  -h, --help              this help\n"
		"\n"
		"The top table gives each function's samples ('*' under 30: low confidence)\n"
		"and the 95%% interval on its flat%% (Wilson score, in points); a note below\n"
		"says how many samples, and how long a run, would give +-1 point.\n"
		"\n"
		"Exit status: 0 ok; 1 when FILE cannot be read or is not a profile, or an\n"
		"output cannot be written; 2 for a usage error.\n");
}

/* --max-size SIZE into *out.  0, or 2 after a message. */
static int opt_size(const char *s, size_t *out)
{
	uint64_t v;

	if (util_parse_size(s, &v) < 0 || v == 0 || v > SIZE_MAX) {
		fprintf(stderr, "hwprof report: --max-size %s: expected a size in bytes, "
			"optionally with k, M, G or T (1G, 512M)\n", s);
		return 2;
	}
	*out = (size_t)v;
	return 0;
}

/* Whether the files report will write can be written: checked before the
 * profile is read.  0, or the exit status after a message (2: empty name). */
static int check_outputs(const struct report_opts *o)
{
	const char *paths[] = { o->svg && strcmp(o->svg, "-") ? o->svg : NULL, o->timeline };
	char why[256];
	int r;

	for (size_t i = 0; i < 2; i++) {
		if (paths[i] && (r = outfile_check(paths[i], why, sizeof(why))) < 0) {
			fprintf(stderr, "hwprof report: %s: cannot write: %s\n", paths[i], why);
			return r == -EINVAL ? 2 : 1;
		}
	}
	return 0;
}

/* The output option c turns on (--top, --folded, ...), or NULL. */
static int *output_flag(struct report_opts *o, int c)
{
	switch (c) {
	case 'T': return &o->top;
	case 'F': return &o->folded;
	case 'G': return &o->tags;
	case 'R': return &o->threads;
	case 'K': return &o->locks;
	case 'P': return &o->spans;
	case 'C': return &o->compare_slow;
	default: return NULL;
	}
}

/* The options as given, into o: 0; 1: --help was printed; 2: usage error
 * (message printed). */
static int read_opts(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "top", no_argument, NULL, 'T' },
		{ "rows", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, 'F' },
		{ "tags", no_argument, NULL, 'G' },
		{ "threads", no_argument, NULL, 'R' },
		{ "locks", no_argument, NULL, 'K' },
		{ "timeline", required_argument, NULL, 'J' },
		{ "spans", no_argument, NULL, 'P' },
		{ "trace-id", required_argument, NULL, 'I' },
		{ "slower-than", required_argument, NULL, 'W' },
		{ "compare-slow", no_argument, NULL, 'C' },
		{ "svg", required_argument, NULL, 'S' },
		{ "title", required_argument, NULL, 'L' },
		{ "max-size", required_argument, NULL, 'M' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "demangle", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	/* main may have run getopt already; opterr = 0: we word our own messages. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:t:h", longopts, NULL)) != -1) {
		int *flag = output_flag(o, c);

		if (flag) {
			*flag = 1;
			continue;
		}
		switch (c) {
		case 'n':
			errno = 0;
			o->rows = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "hwprof report: -n %s: expected a number of rows (0: all)\n",
					optarg);
				return 2;
			}
			break;
		case 'J':
			o->timeline = optarg;
			break;
		case 'I':
			o->trace_id = optarg;
			break;
		case 'W':
			if (spanreport_parse_slower(optarg, &o->slower_pct, &o->slower_ns) < 0) {
				fprintf(stderr, "hwprof report: --slower-than %s: expected a percentile "
					"(p99, p99.9) or a duration with its unit (250ms, 1.5s)\n", optarg);
				return 2;
			}
			break;
		case 'S':
			o->svg = optarg;
			break;
		case 'L':
			o->title = optarg;
			break;
		case 'M':
			if (opt_size(optarg, &o->max_size))
				return 2;
			break;
		case 't':
			o->type = optarg;
			break;
		case 'D':
			if (demangle_parse_style(optarg, &o->demangle) < 0) {
				fprintf(stderr, "hwprof report: --demangle %s: expected simple, templates "
					"or full\n", optarg);
				return 2;
			}
			o->demangle_set = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return cmdopt_bad("report", c, argv);
		}
	}
	return 0;
}

/* 0: run; 1: --help was printed; 2: usage error (message printed). */
static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	int r = read_opts(argc, argv, o);

	if (r)
		return r;
	if (optind != argc - 1) {
		fprintf(stderr, "hwprof report: %s; usage: hwprof report [OPTIONS] FILE\n",
			optind >= argc ? "no profile FILE given" : "more than one FILE given");
		return 2;
	}
	o->file = argv[optind];
	if (!o->folded && !o->svg && !o->tags && !o->threads && !o->locks && !o->timeline &&
	    !o->spans && !o->compare_slow)
		o->top = 1;
	if (o->top + o->folded + o->tags + o->threads + o->locks + o->spans + o->compare_slow +
	    (o->svg && !strcmp(o->svg, "-")) > 1) {
		fprintf(stderr, "hwprof report: --top, --folded, --tags and --svg - all write to stdout; "
			"choose one (or --svg to a file)\n");
		return 2;
	}
	return 0;
}

/* The sample type to report: -t NAME (or index), else the profile's default,
 * else the first that is not the plain "samples" count, else 0.  -1 if NAME is
 * not in the profile. */
static int pick_type(const struct profile *p, const char *name)
{
	char *end;
	long i;

	if (name) {
		i = profile_type_index(p, name);
		if (i >= 0)
			return i;
		i = strtol(name, &end, 10);
		return *name && !*end && i >= 0 && (size_t)i < p->n_types ? i : -1;
	}
	if (p->default_sample_type >= 0 && (size_t)p->default_sample_type < p->n_types)
		return p->default_sample_type;
	for (size_t k = 0; k < p->n_types; k++)
		if (strcmp(p->types[k].type, "samples") != 0)
			return k;
	return 0;
}

static void print_types(const struct profile *p, FILE *f)
{
	for (size_t k = 0; k < p->n_types; k++)
		fprintf(f, "%s%s", k ? ", " : "", p->types[k].type);
}

static int write_svg(struct profile *p, size_t type, const struct report_opts *o)
{
	struct outfile *of = NULL;
	char title[512];
	int r = 0;

	if (!o->title)
		snprintf(title, sizeof(title), "%s (%s)", o->file, p->types[type].type);
	if (strcmp(o->svg, "-"))
		r = outfile_open(o->svg, &of);
	if (!r)
		r = flamegraph_write_svg(p, type, o->title ? o->title : title,
					 of ? outfile_stream(of) : stdout);
	/* Buffered output fails at flush time (ENOSPC, EPIPE): check it too. */
	if (of)
		r = outfile_close(of, r);
	else if (fflush(stdout) && !r)
		r = -errno;
	if (r) {
		fprintf(stderr, "hwprof report: %s: cannot write: %s\n",
			strcmp(o->svg, "-") ? o->svg : "stdout", util_strerror(r));
		return 1;
	}
	return 0;
}

/* The on-CPU time type for --threads: "cpu", else the default if it is a time. */
static int pick_cpu_type(const struct profile *p)
{
	int t = profile_type_index(p, "cpu");

	if (t < 0 && p->default_sample_type >= 0 && (size_t)p->default_sample_type < p->n_types &&
	    strcmp(p->types[p->default_sample_type].unit, "nanoseconds") == 0 &&
	    strcmp(p->types[p->default_sample_type].type, "off-cpu") != 0)
		t = (int)p->default_sample_type;
	return t;
}

/* --timeline OUT: FILE's side file (or FILE itself, a .timeline) as Chrome JSON. */
static int export_timeline(const struct report_opts *o)
{
	struct timeline *t = NULL;
	struct outfile *of;
	char path[4096];
	int r;

	sidefile_timeline_of(o->file, path, sizeof(path));
	r = timeline_read_file(path, &t);
	if (r < 0) {
		fprintf(stderr, "hwprof report: %s: %s\n", path,
			r == -ENOENT ? "no timeline (record it with --off-cpu --timeline)" :
			r == -EINVAL ? "not an hwprof timeline (malformed or truncated)" : util_strerror(r));
		return 1;
	}
	r = outfile_open(o->timeline, &of);
	if (!r)
		r = outfile_close(of, timeline_write_chrome(t, outfile_stream(of)));
	timeline_free(t);
	if (r) {
		fprintf(stderr, "hwprof report: %s: cannot write: %s\n", o->timeline, util_strerror(r));
		return 1;
	}
	return 0;
}

/* FILE.hlog, the span histograms `hwprof record` wrote beside FILE; NULL (and
 * a message) when it cannot be read. */
static struct spanreport *read_spans(const struct report_opts *o)
{
	struct spanreport *sr;
	char path[4096];
	size_t line;
	int r;

	sidefile_hlog(o->file, path, sizeof(path));
	r = spanreport_read(path, &sr, &line);
	if (r == -ENOENT)
		fprintf(stderr, "hwprof report: %s: no span histograms (the program recorded no "
			"spans: mark requests with libhwprof's hwprof_span_begin/end)\n", path);
	else if (r == -EINVAL)
		fprintf(stderr, "hwprof report: %s:%zu: not a valid HdrHistogram interval log\n",
			path, line);
	else if (r)
		fprintf(stderr, "hwprof report: %s: %s\n", path, util_strerror(r));
	return r ? NULL : sr;
}

/* --trace-id, --slower-than: zero the other samples.  0, or 1 after a message. */
static int filter_spans(const struct report_opts *o, struct profile *p, struct spanreport **sr)
{
	struct spanreport_filter f = { o->trace_id, o->slower_pct, o->slower_ns, NULL };
	const char *missing;
	long kept;

	if (!o->trace_id && o->slower_pct < 0 && o->slower_ns < 0)
		return 0;
	if (o->slower_pct >= 0 && !*sr && !(*sr = read_spans(o)))
		return 1;
	f.r = *sr;
	kept = spanreport_filter(p, &f, &missing);
	if (kept == -ENOENT) {
		char path[4096];

		sidefile_hlog(o->file, path, sizeof(path));
		fprintf(stderr, "hwprof report: %s: no histogram for span '%s'\n", path, missing);
		return 1;
	}
	if (kept == 0)
		fprintf(stderr, "hwprof report: %s: no samples %s\n", o->file,
			o->trace_id ? "with that trace id (and duration)" : "in spans that slow");
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .rows = 20, .slower_pct = -1, .slower_ns = -1,
				 .max_size = PPROF_MAX_SIZE };
	struct spanreport *sr = NULL;
	struct profile *p = NULL;
	int ret = 1, r, type;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r == 1 ? 0 : r;
	r = check_outputs(&o);
	if (r)
		return r;
	if (o.timeline)
		return export_timeline(&o);
	if (o.spans) {
		if (!(sr = read_spans(&o)))
			return 1;
		r = spanreport_table(sr, stdout);
		spanreport_free(sr);
		return r || fflush(stdout) ? 1 : 0;
	}
	r = pprof_read_file_max(o.file, o.max_size, &p);
	if (r) {
		fprintf(stderr, "hwprof report: %s: %s\n", o.file, pprof_strerror(r));
		goto out;
	}
	if (!p->n_types) {
		fprintf(stderr, "hwprof report: %s: the profile has no sample types\n", o.file);
		goto out;
	}
	if (o.demangle_set && demangle_profile(p, o.demangle) < 0) {
		fprintf(stderr, "hwprof report: %s\n", util_strerror(-ENOMEM));
		goto out;
	}
	type = pick_type(p, o.type);
	if (type < 0) {
		fprintf(stderr, "hwprof report: %s: no sample type '%s' (it has: ", o.file, o.type);
		print_types(p, stderr);
		fprintf(stderr, ")\n");
		ret = 2;
		goto out;
	}
	if ((o.threads || o.locks) && profile_type_index(p, "off-cpu") < 0) {
		fprintf(stderr, "hwprof report: %s: no off-CPU time in this profile (record it with "
			"hwprof record --off-cpu)\n", o.file);
		goto out;
	}
	/* --compare-slow takes --slower-than pNN as its threshold, not as a filter. */
	if (!o.compare_slow && filter_spans(&o, p, &sr))
		goto out;
	if (o.compare_slow && !sr && !(sr = read_spans(&o)))
		goto out;
	r = 0;
	if (o.compare_slow) {
		r = spanreport_compare(p, type, sr, o.slower_pct >= 0 ? o.slower_pct : 99, o.rows, stdout);
		if (r == -ENOENT) {
			fprintf(stderr, "hwprof report: %s: no samples in both slow and other spans "
				"(spans need samples: longer spans or a higher -F)\n", o.file);
			goto out;
		}
	} else if (o.top)
		r = text_top(p, type, o.rows, stdout);
	else if (o.folded)
		r = folded_write(p, type, stdout);
	else if (o.threads)
		r = offcpu_threads_write(p, pick_cpu_type(p), stdout);
	else if (o.locks)
		r = offcpu_locks_write(p, o.rows, stdout);
	else if (o.tags)
		r = tags_write(p, type, stdout);
	if (!r && fflush(stdout))
		r = -errno;
	if (r) {
		fprintf(stderr, "hwprof report: stdout: %s\n", util_strerror(r));
		goto out;
	}
	if (o.svg && write_svg(p, type, &o))
		goto out;
	ret = 0;
out:
	spanreport_free(sr);
	profile_free(p);
	return ret;
}
