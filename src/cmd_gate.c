/* cmd_gate.c - `hwprof gate [OPTIONS] --base FILE... --new FILE...` and
 * `hwprof gate --stat BASE.json NEW.json`: a CI check that fails only beyond
 * run-to-run noise.  Options, messages and exit codes; the statistics and
 * verdicts are gate.c, the reports gatereport.c. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdopt.h"
#include "cmds.h"
#include "diff.h"
#include "gate.h"
#include "json.h"
#include "util.h"

struct gate_cli {
	struct gate_opts g;
	const char **base, **new;       /* profiles (or, with --stat, one JSON file each) */
	size_t n_base, n_new;
	int stat, json;
	const char *type, *markdown, *junit;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof gate [OPTIONS] --base FILE... --new FILE...\n"
		"       hwprof gate [OPTIONS] --stat BASE.json NEW.json\n"
		"\n"
		"Compare several runs of a program before (BASE) and after (NEW) a change,\n"
		"and fail only where the change is beyond run-to-run noise: for each function\n"
		"its self share of each run's total, BASE's runs against NEW's by the\n"
		"Mann-Whitney U test.  A function fails when the test says its share changed\n"
		"(p < alpha) and its median share grew more than --max-growth while it is in\n"
		"the top N by self share on either side (a function entering the top N, or a\n"
		"top-N function growing).  Give each side at least 5 runs (10 or more is\n"
		"better: with 5 a side the smallest possible p is 0.008).\n"
		"\n"
		"  --base FILE...          BASE's profiles, one per run (at least 2)\n"
		"  --new FILE...           NEW's profiles, one per run (at least 2)\n"
		"  --stat BASE NEW         compare two 'hwprof stat -r N --json' outputs instead:\n"
		"                          each event's count per run, by the same test\n"
		"  --alpha P               significance level (default 0.05)\n"
		"  --max-growth PCT        growth of the median allowed (default 15)\n"
		"  --min-share PCT         ignore functions under PCT%% of the total on both\n"
		"                          sides (default 0.5)\n"
		"  --top N                 the top N functions by self share (default 5)\n"
		"  --total                 also fail when each run's total grows (CPU time)\n"
		"  -t, --sample-type NAME  the value to compare (default: the profiles' default)\n"
		"  --markdown FILE         the verdict and the 5 most changed functions as\n"
		"                          Markdown, for a pull request comment\n"
		"  --junit FILE            JUnit XML, one test case per gated function\n"
		"  --json                  JSON on stdout instead of the table\n"
		"  -h, --help              this help\n"
		"\n"
		"Exit status: 0 no regression; 1 a regression; 2 a usage error, or profiles\n"
		"that cannot be read or compared (fewer than 2 runs a side, no common\n"
		"sample type).\n");
}

/* Split argv: the files after --base, --new or --stat go to their lists, the
 * rest (options and their arguments) to opts (argv[0] kept).  -1 on ENOMEM. */
static int split_args(int argc, char **argv, struct gate_cli *c, char **opts, int *n_opts)
{
	static const char *const with_arg[] = { "--alpha", "--max-growth", "--min-share", "--top",
						"-t", "--sample-type", "--markdown", "--junit" };
	const char ***list = NULL;
	size_t *count = NULL;

	c->base = calloc((size_t)argc, sizeof(*c->base));
	c->new = calloc((size_t)argc, sizeof(*c->new));
	if (!c->base || !c->new)
		return -1;
	*n_opts = 0;
	opts[(*n_opts)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--base") || !strcmp(a, "--new") || !strcmp(a, "--stat")) {
			c->stat |= !strcmp(a, "--stat");
			list = !strcmp(a, "--new") ? &c->new : &c->base;
			count = !strcmp(a, "--new") ? &c->n_new : &c->n_base;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			list = NULL;
			opts[(*n_opts)++] = argv[i];
			for (size_t k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]); k++)
				if (!strcmp(a, with_arg[k]) && i + 1 < argc)
					opts[(*n_opts)++] = argv[++i];
			continue;
		}
		if (!list) {
			opts[(*n_opts)++] = argv[i];    /* a stray word: getopt names it */
			continue;
		}
		/* --stat BASE NEW: the second file is NEW's. */
		if (c->stat && list == &c->base && c->n_base == 1) {
			list = &c->new;
			count = &c->n_new;
		}
		(*list)[(*count)++] = a;
	}
	return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "hwprof gate: %s %s: expected a number from %g to %g\n", opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* One option into c.  0, 1 (--help printed) or 2 (usage error, said). */
static int one_opt(int ch, const char *arg, struct gate_cli *c)
{
	double v;

	switch (ch) {
	case 'a': return parse_double("--alpha", arg, 1e-9, 0.5, &c->g.alpha) ? 2 : 0;
	case 'g':
		if (parse_double("--max-growth", arg, 0, 1e6, &v))
			return 2;
		c->g.max_growth = v / 100;
		return 0;
	case 'm':
		if (parse_double("--min-share", arg, 0, 100, &v))
			return 2;
		c->g.min_share = v / 100;
		return 0;
	case 'n':
		if (parse_double("--top", arg, 1, 1e6, &v) || v != floor(v)) {
			if (v != floor(v))
				fprintf(stderr, "hwprof gate: --top %s: expected a whole number\n", arg);
			return 2;
		}
		c->g.top = (size_t)v;
		return 0;
	case 'T': c->g.total = 1; return 0;
	case 't': c->type = arg; return 0;
	case 'M': c->markdown = arg; return 0;
	case 'J': c->junit = arg; return 0;
	case 'j': c->json = 1; return 0;
	case 'h': usage(stdout); return 1;
	default: return 2;
	}
}

/* 0: run; 1: --help was printed; 2: usage error (message printed). */
static int parse_opts(int argc, char **argv, struct gate_cli *c)
{
	static const struct option longopts[] = {
		{ "alpha", required_argument, NULL, 'a' },
		{ "max-growth", required_argument, NULL, 'g' },
		{ "min-share", required_argument, NULL, 'm' },
		{ "top", required_argument, NULL, 'n' },
		{ "total", no_argument, NULL, 'T' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "markdown", required_argument, NULL, 'M' },
		{ "junit", required_argument, NULL, 'J' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **opts = calloc((size_t)argc + 1, sizeof(*opts));
	int n_opts, ch, r = 0;

	if (!opts || split_args(argc, argv, c, opts, &n_opts)) {
		free(opts);
		fprintf(stderr, "hwprof gate: out of memory\n");
		return 2;
	}
	optind = 1;
	opterr = 0;
	while (!r && (ch = getopt_long(n_opts, opts, ":t:h", longopts, NULL)) != -1) {
		if (ch == ':' || ch == '?')
			r = cmdopt_bad("gate", ch, opts);
		else
			r = one_opt(ch, optarg, c);
	}
	if (!r && optind < n_opts) {
		fprintf(stderr, "hwprof gate: '%s': files go after --base and --new (or --stat)\n",
			opts[optind]);
		r = 2;
	}
	free(opts);
	return r;
}

/* Whether there are enough runs; says why not.  0 or 2. */
static int check_counts(const struct gate_cli *c)
{
	if (c->stat && (c->n_base != 1 || c->n_new != 1)) {
		fprintf(stderr, "hwprof gate: --stat takes two files, BASE.json and NEW.json\n");
		return 2;
	}
	if (!c->stat && (c->n_base < 2 || c->n_new < 2)) {
		fprintf(stderr, "hwprof gate: %zu BASE and %zu NEW profiles: the test needs at least 2 "
			"runs a side (5 or more for a useful verdict, 10 or more is better)\n",
			c->n_base, c->n_new);
		return 2;
	}
	if (!c->stat && (c->n_base < 5 || c->n_new < 5))
		fprintf(stderr, "hwprof gate: warning: %zu BASE and %zu NEW runs: with fewer than 5 a "
			"side the test can hardly find a change (10 or more a side is better)\n",
			c->n_base, c->n_new);
	return 0;
}

/* The sample type every profile is compared on, from the first BASE run. */
static int pick_type(const struct gate_cli *c, const struct profile *p, struct profile_value_type *t)
{
	int k;

	if (c->type) {
		k = profile_type_index(p, c->type);
		if (k < 0) {
			fprintf(stderr, "hwprof gate: %s: no sample type '%s'\n", c->base[0], c->type);
			return 2;
		}
	} else {
		struct diff_pick pick = { 0 };

		/* The default diff takes between a profile and itself. */
		diff_pick_type(p, p, NULL, &pick);
		k = pick.tn;
	}
	t->type = strdup(p->types[k].type);
	t->unit = strdup(p->types[k].unit);
	if (!t->type || !t->unit) {
		fprintf(stderr, "hwprof gate: out of memory\n");
		return 1;
	}
	return 0;
}

/* Read every profile into its side of d (all on type *t).  0 or the exit status. */
static int tally_all(const struct gate_cli *c, struct diff *d, struct profile_value_type *t)
{
	for (size_t i = 0; i < c->n_base + c->n_new; i++) {
		const char *path = i < c->n_base ? c->base[i] : c->new[i - c->n_base];
		struct profile *p = NULL;
		int r = diff_read(path, &p), k;

		if (r) {
			fprintf(stderr, "hwprof gate: %s: %s\n", path, diff_read_strerror(r));
			return 2;
		}
		if (!i && (r = pick_type(c, p, t))) {
			profile_free(p);
			return r;
		}
		k = diff_same_type(p, t);
		if (k < 0) {
			fprintf(stderr, "hwprof gate: %s: no sample type %s (%s) to compare with %s\n",
				path, t->type, t->unit, c->base[0]);
			profile_free(p);
			return 2;
		}
		r = diff_tally(d, i, p, (size_t)k);
		profile_free(p);
		if (r) {
			fprintf(stderr, "hwprof gate: %s: %s\n", path, r == -ENOMEM ? "out of memory" :
				"negative sample values");
			return r == -ENOMEM ? 1 : 2;
		}
	}
	return 0;
}

static int gate_of_profiles(const struct gate_cli *c, struct gate_result **out,
			    struct profile_value_type *t)
{
	struct diff *d = NULL;
	int r;

	if (diff_new(c->n_base + c->n_new, 0, &d)) {
		fprintf(stderr, "hwprof gate: out of memory\n");
		return 1;
	}
	r = tally_all(c, d, t);
	if (!r && gate_profiles(d, c->n_base, &c->g, t->type, t->unit, out)) {
		fprintf(stderr, "hwprof gate: out of memory\n");
		r = 1;
	}
	diff_free(d);
	return r;
}

/* A stat --json document: NULL (and a message) when it cannot be read. */
static struct json *read_stat(const char *path)
{
	struct json *doc = NULL;
	size_t len, at = 0;
	char *buf;
	int r = util_read_file(path, &buf, &len);

	if (r) {
		fprintf(stderr, "hwprof gate: %s: %s\n", path, util_strerror(r));
		return NULL;
	}
	r = len ? json_parse(buf, len, &doc, &at) : -EINVAL;
	free(buf);
	if (r == -ENOMEM)
		fprintf(stderr, "hwprof gate: %s: out of memory\n", path);
	else if (r)
		fprintf(stderr, "hwprof gate: %s: %s\n", path, len ? "not JSON" : "an empty file");
	if (r == -EINVAL && len)
		fprintf(stderr, "hwprof gate: %s: malformed at byte %zu\n", path, at);
	return doc;
}

/* The number of runs a stat document says it has, or 0. */
static size_t stat_runs(const struct json *doc)
{
	const struct json *runs = json_get(doc, "runs");

	return runs && runs->type == JSON_NUMBER && runs->num >= 0 && runs->num < 1e9 ?
	       (size_t)runs->num : 0;
}

static int gate_of_stat(const struct gate_cli *c, struct gate_result **out)
{
	struct json *b = read_stat(c->base[0]), *n = b ? read_stat(c->new[0]) : NULL;
	size_t rb = stat_runs(b), rn = stat_runs(n);
	char notes[2048], *line, *save = NULL;
	int r = 2, added;

	if (!b || !n)
		goto out;
	if (rb < 2 || rn < 2) {
		fprintf(stderr, "hwprof gate: %s has %zu runs, %s %zu: the test needs at least 2 a "
			"side (hwprof stat -r N with N of 5 or more)\n", c->base[0], rb, c->new[0], rn);
		goto out;
	}
	if (gate_counters(rb, rn, &c->g, out)) {
		r = 1;
		goto out;
	}
	added = gate_add_stat(*out, b, n, notes, sizeof(notes));
	if (added == -ENOMEM) {
		fprintf(stderr, "hwprof gate: out of memory\n");
		r = 1;
		goto out;
	}
	if (added < 0) {
		fprintf(stderr, "hwprof gate: %s, %s: not the JSON of hwprof stat --json\n", c->base[0],
			c->new[0]);
		goto out;
	}
	for (line = strtok_r(notes, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "hwprof gate: skipped %s\n", line);
	if (!added) {
		fprintf(stderr, "hwprof gate: no event counted in both %s and %s\n", c->base[0],
			c->new[0]);
		goto out;
	}
	gate_finish(*out);
	r = 0;
out:
	json_free(b);
	json_free(n);
	return r;
}

static int put_table(FILE *out, const void *r)
{
	return gate_write_table(r, out);
}

static int put_json(FILE *out, const void *r)
{
	return gate_write_json(r, out);
}

static int put_markdown(FILE *out, const void *r)
{
	return gate_write_markdown(r, 5, out);
}

static int put_junit(FILE *out, const void *r)
{
	return gate_write_junit(r, out);
}

/* The reports asked for.  0, or 1 when one cannot be written. */
static int write_reports(const struct gate_cli *c, const struct gate_result *res)
{
	const struct {
		const char *path;
		int (*fn)(FILE *out, const void *ctx);
	} outs[] = {
		{ "-", c->json ? put_json : put_table },
		{ c->markdown, put_markdown },
		{ c->junit, put_junit },
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		int r;

		if (!outs[i].path)
			continue;
		r = diff_write_file(outs[i].path, outs[i].fn, res);
		if (r) {
			fprintf(stderr, "hwprof gate: %s: cannot write: %s\n",
				strcmp(outs[i].path, "-") ? outs[i].path : "stdout", util_strerror(r));
			failed = 1;
		}
	}
	return failed;
}

int cmd_gate(int argc, char **argv)
{
	struct gate_cli c = { 0 };
	struct profile_value_type t = { NULL, NULL };
	struct gate_result *res = NULL;
	int r;

	gate_opts_init(&c.g);
	r = parse_opts(argc, argv, &c);
	if (r == 1) {
		r = 0;          /* --help */
		goto out;
	}
	if (!r)
		r = check_counts(&c);
	if (!r)
		r = c.stat ? gate_of_stat(&c, &res) : gate_of_profiles(&c, &res, &t);
	if (!r)
		r = write_reports(&c, res);
	/* A report that cannot be written is a failure of the gate itself. */
	if (!r && res->failures)
		r = 1;
out:
	gate_result_free(res);
	free((char *)t.type);
	free((char *)t.unit);
	free(c.base);
	free(c.new);
	return r;
}
