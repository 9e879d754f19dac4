/* cmd_report.c - `hwprof report [OPTIONS] FILE`: read a pprof profile and print
 * the top table, collapsed stacks or a flame graph.  Options, messages and exit
 * codes only; the formats live in text.c, folded.c and flamegraph.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "flamegraph.h"
#include "folded.h"
#include "pprof.h"
#include "profile.h"
#include "tags.h"
#include "text.h"

struct report_opts {
	const char *file;
	const char *type;       /* -t NAME, or NULL for the default */
	const char *svg;        /* --svg OUT ("-": stdout) */
	const char *title;
	int top, folded, tags;
	size_t rows;
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
		"      --svg OUT           write a flame graph to OUT ('-': stdout)\n"
		"      --title TEXT        the flame graph's title (default: FILE and type)\n"
		"  -t, --sample-type NAME  the value to report (default: the profile's default\n"
		"                          type, else the first that is not \"samples\")\n"
		"  -h, --help              this help\n"
		"\n"
		"Exit status: 0 ok; 1 when FILE cannot be read or is not a profile, or an\n"
		"output cannot be written; 2 for a usage error.\n");
}

/* 0: run; 1: --help was printed; 2: usage error (message printed). */
static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "top", no_argument, NULL, 'T' },
		{ "rows", required_argument, NULL, 'n' },
		{ "folded", no_argument, NULL, 'F' },
		{ "tags", no_argument, NULL, 'G' },
		{ "svg", required_argument, NULL, 'S' },
		{ "title", required_argument, NULL, 'L' },
		{ "sample-type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	/* main may have run getopt already; opterr = 0: we word our own messages. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->top = 1;
			break;
		case 'n':
			errno = 0;
			o->rows = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, "hwprof report: -n %s: expected a number of rows (0: all)\n",
					optarg);
				return 2;
			}
			break;
		case 'F':
			o->folded = 1;
			break;
		case 'G':
			o->tags = 1;
			break;
		case 'S':
			o->svg = optarg;
			break;
		case 'L':
			o->title = optarg;
			break;
		case 't':
			o->type = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "hwprof report: %s needs an argument; try 'hwprof report --help'\n",
				argv[optind - 1]);
			return 2;
		default:
			/* optopt is 0 for an unknown long option: name it by its argv word. */
			if (optopt)
				fprintf(stderr, "hwprof report: unknown option '-%c'", optopt);
			else
				fprintf(stderr, "hwprof report: unknown option '%s'", argv[optind - 1]);
			fprintf(stderr, "; try 'hwprof report --help'\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hwprof report: %s; usage: hwprof report [OPTIONS] FILE\n",
			optind >= argc ? "no profile FILE given" : "more than one FILE given");
		return 2;
	}
	o->file = argv[optind];
	if (!o->folded && !o->svg && !o->tags)
		o->top = 1;
	if (o->top + o->folded + o->tags + (o->svg && !strcmp(o->svg, "-")) > 1) {
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

static const char *why(int err)
{
	return err == -ENOMEM ? "out of memory" : strerror(-err);
}

static int write_svg(struct profile *p, size_t type, const struct report_opts *o)
{
	char title[512];
	FILE *f;
	int r;

	if (!o->title)
		snprintf(title, sizeof(title), "%s (%s)", o->file, p->types[type].type);
	f = strcmp(o->svg, "-") ? fopen(o->svg, "w") : stdout;
	if (!f) {
		fprintf(stderr, "hwprof report: %s: cannot write: %s\n", o->svg, strerror(errno));
		return 1;
	}
	r = flamegraph_write_svg(p, type, o->title ? o->title : title, f);
	/* Buffered output fails at flush time (ENOSPC, EPIPE): check it too. */
	if (f == stdout) {
		if (fflush(f) && !r)
			r = -errno;
	} else if (fclose(f) && !r) {
		r = -errno;
	}
	if (r) {
		fprintf(stderr, "hwprof report: %s: cannot write: %s\n",
			strcmp(o->svg, "-") ? o->svg : "stdout", why(r));
		return 1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .rows = 20 };
	struct profile *p = NULL;
	int ret = 1, r, type;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r == 1 ? 0 : r;
	r = pprof_read_file(o.file, &p);
	if (r) {
		fprintf(stderr, "hwprof report: %s: %s\n", o.file,
			r == -EINVAL ? "not a pprof profile (malformed, truncated or another format)" :
			why(r));
		goto out;
	}
	if (!p->n_types) {
		fprintf(stderr, "hwprof report: %s: the profile has no sample types\n", o.file);
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
	r = 0;
	if (o.top)
		r = text_top(p, type, o.rows, stdout);
	else if (o.folded)
		r = folded_write(p, type, stdout);
	else if (o.tags)
		r = tags_write(p, type, stdout);
	if (!r && fflush(stdout))
		r = -errno;
	if (r) {
		fprintf(stderr, "hwprof report: stdout: %s\n", why(r));
		goto out;
	}
	if (o.svg && write_svg(p, type, &o))
		goto out;
	ret = 0;
out:
	profile_free(p);
	return ret;
}
