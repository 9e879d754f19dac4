/* cmd_diff.c - `hwprof diff [OPTIONS] BASE NEW`: what changed between two
 * profiles.  Options, messages and exit codes; the comparison is diff.c, the
 * outputs difftext.c, diffsvg.c and diffpprof.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdopt.h"
#include "cmds.h"
#include "diff.h"
#include "diffpprof.h"
#include "diffsvg.h"
#include "pprof.h"
#include "util.h"

struct diff_opts {
	const char *base, *new;
	const char *type;
	const char *svg, *output, *title;
	int folded, table;
	int norm_set;
	enum diff_norm norm;
	size_t rows;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof diff [OPTIONS] BASE NEW\n"
		"\n"
		"Compare two pprof profiles (gzipped or not): which functions gained or lost\n"
		"time (or whatever the sample type measures) from BASE to NEW.  Frames are\n"
		"matched by function name, without compiler clone suffixes (.isra.0,\n"
		".constprop.0, .cold) and addresses, so that a rebuild compares cleanly.\n"
		"\n"
		"  -n, --rows N            rows in the table (default: 20; 0: all)\n"
		"      --folded            'stack BASE NEW' lines on stdout (flamegraph.pl's\n"
		"                          difffolded format) instead of the table\n"
		"      --svg OUT           a differential flame graph ('-': stdout): sized by\n"
		"                          NEW, red where a frame grew, blue where it shrank,\n"
		"                          green where it is new, grey within the noise; the\n"
		"                          stacks that vanished in a second graph below\n"
		"  -o, --output OUT        a differential pprof profile: NEW's samples plus\n"
		"                          BASE's negated and labelled pprof::base=true, as\n"
		"                          'go tool pprof -diff_base' builds it\n"
		"      --normalize MODE    none: values as recorded (the default, for runs of\n"
		"                          the same program and work); share: shares of each\n"
		"                          total (BASE scaled to NEW's total); time: BASE\n"
		"                          scaled to NEW's duration\n"
		"  -t, --sample-type NAME  the value to compare (default: NEW's default type)\n"
		"      --title TEXT        the flame graph's title\n"
		"  -h, --help              this help\n"
		"\n"
		"The table lists functions by the size of their change in self value, with\n"
		"base, new, delta and delta%% for self and cumulative values; '~' marks a\n"
		"change within the sampling noise (|delta| < 2 sqrt(n1 + n2) samples).\n"
		"\n"
		"Exit status: 0 ok; 1 when an output cannot be written; 2 for a usage\n"
		"error, or when BASE or NEW cannot be read or compared.\n");
}

static int parse_norm(const char *s, enum diff_norm *n)
{
	if (!strcmp(s, "none"))
		*n = DIFF_NORM_NONE;
	else if (!strcmp(s, "share"))
		*n = DIFF_NORM_SHARE;
	else if (!strcmp(s, "time"))
		*n = DIFF_NORM_TIME;
	else
		return -1;
	return 0;
}

/* 0: run; 1: --help was printed; 2: usage error (message printed). */
static int parse_opts(int argc, char **argv, struct diff_opts *o)
{
	static const struct option longopts[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, 'F' },
		{ "svg", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "normalize", required_argument, NULL, 'N' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "title", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			o->rows = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "hwprof diff: -n %s: expected a number of rows (0: all)\n",
					optarg);
				return 2;
			}
			break;
		case 'F': o->folded = 1; break;
		case 'S': o->svg = optarg; break;
		case 'o': o->output = optarg; break;
		case 't': o->type = optarg; break;
		case 'L': o->title = optarg; break;
		case 'N':
			if (parse_norm(optarg, &o->norm) < 0) {
				fprintf(stderr, "hwprof diff: --normalize %s: expected none, share or time\n",
					optarg);
				return 2;
			}
			o->norm_set = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return cmdopt_bad("diff", c, argv);
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "hwprof diff: %s; usage: hwprof diff [OPTIONS] BASE NEW\n",
			argc - optind < 2 ? "expected two profiles, BASE and NEW" : "more than two profiles given");
		return 2;
	}
	o->base = argv[optind];
	o->new = argv[optind + 1];
	o->table = !o->folded && !o->svg && !o->output;
	if (o->folded + o->table + (o->svg && !strcmp(o->svg, "-")) > 1) {
		fprintf(stderr, "hwprof diff: --folded and --svg - both write to stdout; choose one\n");
		return 2;
	}
	return 0;
}

/* Read a profile to compare: NULL (and a message) when diff_read refuses it. */
static struct profile *read_profile(const char *path)
{
	struct profile *p = NULL;
	int r = diff_read(path, &p);

	if (r)
		fprintf(stderr, "hwprof diff: %s: %s\n", path, diff_read_strerror(r));
	return p;
}

/* Both sides tallied on the type picked for them, counted in real units:
 * a plain sample count is multiplied by each profile's own period.  0, or
 * the exit status after a message. */
static int tally(const struct diff_opts *o, struct profile *b, struct profile *n, struct diff *d,
		 struct diff_view *v)
{
	struct diff_pick pick;
	int r = diff_pick_type(b, n, o->type, &pick);

	if (r == -ENOENT) {
		fprintf(stderr, "hwprof diff: no sample type '%s' in both profiles\n", o->type);
		return 2;
	}
	if (r) {
		fprintf(stderr, "hwprof diff: %s and %s have no sample type in common (%s)\n",
			o->base, o->new, pick.dropped);
		return 2;
	}
	if (pick.dropped[0])
		fprintf(stderr, "hwprof diff: comparing %s; not in both: %s\n", n->types[pick.tn].type,
			pick.dropped);
	v->type = n->types[pick.tn];
	if (diff_tally(d, 0, b, (size_t)pick.tb) || diff_tally(d, 1, n, (size_t)pick.tn)) {
		fprintf(stderr, "hwprof diff: out of memory, or negative values in a profile\n");
		return 2;
	}
	if (!strcmp(v->type.type, "samples") && b->period > 0 && n->period > 0 &&
	    b->period_type.type[0] && !strcmp(b->period_type.type, n->period_type.type) &&
	    !strcmp(b->period_type.unit, n->period_type.unit)) {
		diff_scale_side(d, 0, (double)b->period);
		diff_scale_side(d, 1, (double)n->period);
		v->type = n->period_type;
	}
	return 0;
}

/* The notes before the comparison: build ids, a normalization to consider. */
static void notes(const struct diff_opts *o, struct profile *b, struct profile *n,
		  const struct diff *d)
{
	char buf[1024], *line, *save = NULL;
	size_t k = diff_build_id_notes(b, n, buf, sizeof(buf), 5);

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "hwprof diff: note: %s (functions matched by name)\n", line);
	if (k > 5)
		fprintf(stderr, "hwprof diff: note: %zu more files with other build ids\n", k - 5);
	if (!o->norm_set && diff_suggest_norm(d, buf, sizeof(buf))[0])
		fprintf(stderr, "hwprof diff: warning: %s; values are compared as recorded: "
			"--normalize share compares shares of each total, --normalize time rates\n", buf);
}

static int put_table(FILE *out, const void *ctx)
{
	const void *const *a = ctx;

	return diff_write_table(a[0], a[1], out);
}

static int put_folded(FILE *out, const void *ctx)
{
	const void *const *a = ctx;

	return diff_write_folded(a[0], a[1], out);
}

static int put_svg(FILE *out, const void *ctx)
{
	const void *const *a = ctx;
	const struct diff_view *v = a[1];
	char title[600];

	if (a[2])
		return diffsvg_write(a[0], v, a[2], out);
	snprintf(title, sizeof(title), "%.280s -> %.280s", v->base_file, v->new_file);
	return diffsvg_write(a[0], v, title, out);
}

/* The outputs asked for.  The exit status. */
static int write_outputs(const struct diff_opts *o, struct profile *b, struct profile *n,
			 const struct diff *d, const struct diff_view *v)
{
	const void *ctx[3] = { d, v, o->title };
	struct profile *dp = NULL;
	char comment[1200];
	int r = 0;

	if (o->table && (r = diff_write_file("-", put_table, ctx)))
		fprintf(stderr, "hwprof diff: stdout: %s\n", util_strerror(r));
	if (!r && o->folded && (r = diff_write_file("-", put_folded, ctx)))
		fprintf(stderr, "hwprof diff: stdout: %s\n", util_strerror(r));
	if (!r && o->svg && (r = diff_write_file(o->svg, put_svg, ctx)))
		fprintf(stderr, "hwprof diff: %s: cannot write: %s\n", o->svg, util_strerror(r));
	if (r || !o->output)
		return r ? 1 : 0;
	snprintf(comment, sizeof(comment), "hwprof diff: %.480s minus %.480s (BASE samples negated, "
		 "labelled pprof::base=true)", o->new, o->base);
	r = diffpprof_build(b, n, v->kb, comment, &dp);
	if (!r)
		r = pprof_write_file(dp, o->output);
	if (r)
		fprintf(stderr, "hwprof diff: %s: cannot write: %s\n", o->output, util_strerror(r));
	profile_free(dp);
	return r ? 1 : 0;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_opts o = { .rows = 20 };
	struct diff_view v = { 0 };
	struct profile *b = NULL, *n = NULL;
	struct diff *d = NULL;
	int ret = 2;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	ret = 2;
	if (!(b = read_profile(o.base)) || !(n = read_profile(o.new)))
		goto out;
	if (diff_new(2, 1, &d)) {
		fprintf(stderr, "hwprof diff: out of memory\n");
		ret = 1;
		goto out;
	}
	ret = tally(&o, b, n, d, &v);
	if (ret)
		goto out;
	notes(&o, b, n, d);
	v.norm = o.norm;
	v.kb = diff_base_scale(d, o.norm);
	v.base_file = o.base;
	v.new_file = o.new;
	v.rows = o.rows;
	ret = write_outputs(&o, b, n, d, &v);
out:
	diff_free(d);
	profile_free(b);
	profile_free(n);
	return ret;
}
