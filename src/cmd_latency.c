/* cmd_latency.c - `hwprof latency [OPTIONS] [FILE]`: latencies (or intended
 * start / end pairs) from a file or stdin into an HDR histogram, tail
 * percentiles on stdout, optionally an HdrHistogram interval log and a .hgrm
 * percentile distribution; or `--read-hlog FILE` to summarise a log.  Options,
 * messages and exit codes only; the histogram lives in hdr.c, the formats in
 * hdrlog.c and hgrm.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdopt.h"
#include "cmds.h"
#include "fmt.h"
#include "hdr.h"
#include "hdrco.h"
#include "hdrlog.h"
#include "hgrm.h"
#include "latparse.h"
#include "outfile.h"
#include "util.h"

#define NS_PER_S 1000000000LL
/* Bad lines named one by one before only the total is reported. */
#define MAX_REPORTED_LINES 5

struct latency_opts {
	const char *file;       /* NULL: stdin */
	const char *hlog, *hgrm, *read_hlog, *tag;
	const char *unit_s, *out_unit_s, *interval_s, *highest_s;
	int64_t unit;           /* ns per bare number */
	int64_t out_unit;       /* 0: choose per value */
	int64_t interval;       /* 0: no correction */
	int64_t highest;
	int digits, digits_given, compare;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof latency [OPTIONS] [FILE]\n"
		"       hwprof latency --read-hlog LOG [--tag NAME] [--unit U]\n"
		"\n"
		"Read latencies from FILE (default: stdin), one per line, or pairs\n"
		"'INTENDED_START END' (latency = END - INTENDED_START), and print their count\n"
		"and tail percentiles from an HDR histogram.  A number may carry its unit\n"
		"(800ns, 250us, 1.5ms, 3s); blank lines and lines starting with '#' are skipped.\n"
		"\n"
		"  -u, --unit ns|us|ms|s       what bare numbers mean (default: ns)\n"
		"  -i, --expected-interval D   correct for coordinated omission: a latency L\n"
		"                              longer than D also records L-D, L-2D, ... D, the\n"
		"                              requests that a closed-loop load generator failed\n"
		"                              to send while it waited (e.g. 10ms)\n"
		"      --compare               print corrected beside uncorrected percentiles\n"
		"                              (needs --expected-interval)\n"
		"      --highest D             largest latency tracked (default: 1h = 3600s);\n"
		"                              larger ones are rejected, never dropped silently\n"
		"      --digits N              significant decimal digits kept, 1..5 (default: 3)\n"
		"      --output-unit ns|us|ms|s   print values in this unit (default: a readable\n"
		"                              unit per value; the .hgrm default is ms)\n"
		"      --hlog FILE             write an HdrHistogram interval log (V2 compressed)\n"
		"      --hgrm FILE             write the percentile distribution ('-': stdout)\n"
		"      --read-hlog LOG         read an interval log (ours or HdrHistogram's), merge\n"
		"                              its intervals and print their percentiles; --unit\n"
		"                              then says what the log's values are (default: ns)\n"
		"      --tag NAME              with --read-hlog: intervals tagged NAME (default:\n"
		"                              the untagged ones)\n"
		"  -h, --help                  this help\n"
		"\n"
		"Exit status: 0 ok; 1 when lines were rejected (the percentiles of the accepted\n"
		"ones are still printed), an input cannot be read or an output written; 2 for a\n"
		"usage error.\n");
}

/* A duration option: usage error message on failure. */
static int opt_duration(const char *name, const char *arg, int64_t unit, int64_t *out)
{
	const char *why = NULL;

	if (latparse_duration(arg, strlen(arg), unit, out, &why) < 0) {
		fprintf(stderr, "hwprof latency: %s %s: %s; expected a duration such as 10ms, "
			"250us or a number in --unit\n", name, arg, why);
		return 2;
	}
	if (*out <= 0) {
		fprintf(stderr, "hwprof latency: %s %s: must be more than 0\n", name, arg);
		return 2;
	}
	return 0;
}

/* The options as given, into o: 0; 1: --help was printed; 2: usage error
 * (message printed). */
static int read_opts(int argc, char **argv, struct latency_opts *o)
{
	static const struct option longopts[] = {
		{ "unit", required_argument, NULL, 'u' },
		{ "expected-interval", required_argument, NULL, 'i' },
		{ "compare", no_argument, NULL, 'C' },
		{ "highest", required_argument, NULL, 'H' },
		{ "digits", required_argument, NULL, 'd' },
		{ "output-unit", required_argument, NULL, 'O' },
		{ "hlog", required_argument, NULL, 'L' },
		{ "hgrm", required_argument, NULL, 'G' },
		{ "read-hlog", required_argument, NULL, 'R' },
		{ "tag", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	long d;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o->unit_s = optarg;
			break;
		case 'i':
			o->interval_s = optarg;
			break;
		case 'C':
			o->compare = 1;
			break;
		case 'H':
			o->highest_s = optarg;
			break;
		case 'd':
			errno = 0;
			d = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || d < 1 || d > 5) {
				fprintf(stderr, "hwprof latency: --digits %s: expected 1..5 significant "
					"digits\n", optarg);
				return 2;
			}
			o->digits = (int)d;
			o->digits_given = 1;
			break;
		case 'O':
			o->out_unit_s = optarg;
			break;
		case 'L':
			o->hlog = optarg;
			break;
		case 'G':
			o->hgrm = optarg;
			break;
		case 'R':
			o->read_hlog = optarg;
			break;
		case 'T':
			o->tag = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			return cmdopt_bad("latency", c, argv);
		}
	}
	return 0;
}

/* 0: run; 1: --help was printed; 2: usage error (message printed). */
static int parse_opts(int argc, char **argv, struct latency_opts *o)
{
	int r = read_opts(argc, argv, o);

	if (r)
		return r;
	if (argc - optind > 1) {
		fprintf(stderr, "hwprof latency: more than one FILE given; usage: hwprof latency "
			"[OPTIONS] [FILE]\n");
		return 2;
	}
	o->file = optind < argc ? argv[optind] : NULL;
	if (o->unit_s && !(o->unit = latparse_unit(o->unit_s, strlen(o->unit_s)))) {
		fprintf(stderr, "hwprof latency: --unit %s: expected ns, us, ms or s\n", o->unit_s);
		return 2;
	}
	if (o->out_unit_s && !(o->out_unit = latparse_unit(o->out_unit_s, strlen(o->out_unit_s)))) {
		fprintf(stderr, "hwprof latency: --output-unit %s: expected ns, us, ms or s\n",
			o->out_unit_s);
		return 2;
	}
	if (o->read_hlog) {
		if (o->file || o->interval_s || o->compare || o->highest_s || o->digits_given ||
		    o->hlog) {
			fprintf(stderr, "hwprof latency: --read-hlog takes the histograms as they are "
				"in the log: no FILE, --expected-interval, --compare, --highest, "
				"--digits or --hlog with it\n");
			return 2;
		}
		return 0;
	}
	if (o->tag) {
		fprintf(stderr, "hwprof latency: --tag selects intervals of --read-hlog LOG\n");
		return 2;
	}
	if (o->interval_s && opt_duration("--expected-interval", o->interval_s, o->unit,
					  &o->interval))
		return 2;
	if (o->highest_s && opt_duration("--highest", o->highest_s, o->unit, &o->highest))
		return 2;
	if (o->highest < 2) {
		fprintf(stderr, "hwprof latency: --highest %s: must be at least 2ns\n", o->highest_s);
		return 2;
	}
	if (o->compare && !o->interval) {
		fprintf(stderr, "hwprof latency: --compare shows corrected beside uncorrected "
			"percentiles: give the --expected-interval to correct with\n");
		return 2;
	}
	return 0;
}

static const double report_percentiles[] = { 50, 90, 99, 99.9, 99.99 };
static const char *const report_names[] = { "p50", "p90", "p99", "p99.9", "p99.99" };

/* The summary table; `scale` converts histogram values to ns. */
static void print_summary(const struct hdr *a, const struct hdr *b, int64_t scale,
			  int64_t out_unit)
{
	char x[64], y[64];
	size_t n = sizeof(report_percentiles) / sizeof(report_percentiles[0]);

	if (b)
		printf("%-9s %16s %16s\n", "", "corrected", "uncorrected");
	if (b)
		printf("%-9s %16lld %16lld\n", "count", (long long)hdr_total_count(a),
		       (long long)hdr_total_count(b));
	else
		printf("%-9s %16lld\n", "count", (long long)hdr_total_count(a));
	for (size_t i = 0; i <= n; i++) {
		const char *name = i < n ? report_names[i] : "max";

		fmt_ns(x, sizeof(x), (i < n ? hdr_value_at_percentile(a, report_percentiles[i]) :
				      hdr_max(a)) * scale, FMT_NS_SPACED, out_unit);
		if (!b) {
			printf("%-9s %16s\n", name, x);
			continue;
		}
		fmt_ns(y, sizeof(y), (i < n ? hdr_value_at_percentile(b, report_percentiles[i]) :
				      hdr_max(b)) * scale, FMT_NS_SPACED, out_unit);
		printf("%-9s %16s %16s\n", name, x, y);
	}
}

/* The stream for the output path: stdout for "-", else a new outfile in *of.
 * NULL after a message. */
static FILE *open_output(const char *path, struct outfile **of)
{
	int err;

	*of = NULL;
	if (!strcmp(path, "-"))
		return stdout;
	err = outfile_open(path, of);
	if (err) {
		fprintf(stderr, "hwprof latency: %s: cannot write: %s\n", path, util_strerror(err));
		return NULL;
	}
	return outfile_stream(*of);
}

/* Finish the output open_output gave (flush stdout, or put the file in place),
 * reporting a failure for `name`.  0, or 1 after a message. */
static int finish_output(struct outfile *of, const char *name, int err)
{
	if (of)
		err = outfile_close(of, err);
	else if (fflush(stdout) && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "hwprof latency: %s: cannot write: %s\n", name, util_strerror(err));
		return 1;
	}
	return 0;
}

/* ratio: what to divide the histogram's values by. */
static int write_hgrm(const char *path, const struct hdr *h, double ratio)
{
	struct outfile *of;
	FILE *f = open_output(path, &of);

	if (!f)
		return 1;
	return finish_output(of, path, hgrm_write(f, h, 5, ratio));
}

/* ns per .hgrm value: --output-unit, else ms as HdrHistogram's tools print. */
static double hgrm_ratio(const struct latency_opts *o)
{
	return (double)(o->out_unit ? o->out_unit : 1000000);
}

static int write_hlog(const char *path, const struct hdr *h, const struct hdr *uncorrected,
		      double start, double length)
{
	struct outfile *of;
	FILE *f = open_output(path, &of);
	int err;

	if (!f)
		return 1;
	err = hdrlog_write_header(f, "hwprof " PACKAGE_VERSION, start);
	/* Interval_Max in ms, as HdrHistogram's writer does for ns values. */
	if (!err)
		err = hdrlog_write_interval(f, NULL, 0, length, 1e6, h);
	if (!err && uncorrected)
		err = hdrlog_write_interval(f, "uncorrected", 0, length, 1e6, uncorrected);
	return finish_output(of, path, err);
}

struct reader_state {
	const char *name;
	size_t lineno, rejected, accepted;
};

static void reject(struct reader_state *st, const char *tok, size_t len, const char *why)
{
	if (++st->rejected <= MAX_REPORTED_LINES)
		fprintf(stderr, "hwprof latency: %s:%zu: '%.*s': %s\n", st->name, st->lineno,
			(int)(len > 60 ? 60 : len), tok, why);
}

/* One input line into the histograms (through the corrector co when there is
 * an expected interval); a rejection is counted and reported. */
static void read_line(struct reader_state *st, const char *line, const struct latency_opts *o,
		      struct hdr *h, struct hdrco *co, struct hdr *uncorrected)
{
	struct latparse_line l;
	int err = latparse_line(line, strlen(line), o->unit, &l);

	if (err <= 0) {
		if (err < 0)
			reject(st, l.text, l.text_len, l.why);
		return;
	}
	err = co ? hdrco_record(co, l.latency) : hdr_record(h, l.latency);
	if (err == -ENOMEM) {
		reject(st, l.text, l.text_len, "out of memory");
		return;
	}
	if (err == -ERANGE) {
		char hi[64], why_buf[128];

		fmt_ns(hi, sizeof(hi), o->highest, FMT_NS_SPACED, 0);
		snprintf(why_buf, sizeof(why_buf), "above the highest trackable latency (%s); "
			 "raise --highest", hi);
		reject(st, l.text, l.text_len, why_buf);
		return;
	}
	if (uncorrected)
		hdr_record(uncorrected, l.latency);
	st->accepted++;
}

static int run_read(const struct latency_opts *o)
{
	struct hdr *h = NULL, *uncorrected = NULL;
	struct hdrco *co = NULL;
	struct reader_state st = { .name = o->file ? o->file : "input" };
	FILE *in = stdin;
	char *line = NULL;
	size_t cap = 0;
	double start, length;
	int ret = 1, err;

	err = hdr_new(1, o->highest, o->digits, &h);
	if (!err && o->compare)
		err = hdr_new(1, o->highest, o->digits, &uncorrected);
	/* Coordinated-omission correction in batches (hdrco.h): the same result
	 * as correcting line by line, without a step per missing value. */
	if (!err && o->interval)
		err = hdrco_new(h, o->interval, &co);
	if (err) {
		fprintf(stderr, "hwprof latency: cannot make a histogram up to %lld ns with %d "
			"digits: %s\n", (long long)o->highest, o->digits, util_strerror(err));
		goto out;
	}
	if (o->file && !(in = fopen(o->file, "r"))) {
		fprintf(stderr, "hwprof latency: %s: cannot read: %s\n", o->file, strerror(errno));
		goto out;
	}
	start = (double)util_now_real_ns() / 1e9;
	while (getline(&line, &cap, in) >= 0) {
		st.lineno++;
		read_line(&st, line, o, h, co, uncorrected);
	}
	if (co && (err = hdrco_flush(co)) < 0) {
		fprintf(stderr, "hwprof latency: %s: correcting for coordinated omission: %s\n",
			st.name, util_strerror(err));
		goto out;
	}
	if (ferror(in)) {
		fprintf(stderr, "hwprof latency: %s: read error: %s\n", st.name, strerror(errno));
		goto out;
	}
	length = (double)util_now_real_ns() / 1e9 - start;
	if (st.accepted == 0 && st.rejected == 0) {
		fprintf(stderr, "hwprof latency: %s: no latencies in the input; give one per line "
			"(or 'INTENDED_START END' pairs)\n", st.name);
		goto out;
	}
	ret = 0;
	/* All lines rejected: a table of zeros would read as a result. */
	if (st.accepted) {
		print_summary(h, uncorrected, 1, o->out_unit);
		if (o->hgrm && write_hgrm(o->hgrm, h, hgrm_ratio(o)))
			ret = 1;
		if (o->hlog && write_hlog(o->hlog, h, uncorrected, start, length))
			ret = 1;
	}
	if (st.rejected && st.accepted)
		fprintf(stderr, "hwprof latency: %zu line%s rejected (of %zu read); the "
			"percentiles above are of the %zu accepted\n", st.rejected,
			st.rejected == 1 ? "" : "s", st.rejected + st.accepted, st.accepted);
	else if (st.rejected)
		fprintf(stderr, "hwprof latency: all %zu line%s rejected; nothing to report\n",
			st.rejected, st.rejected == 1 ? "" : "s");
	if (st.rejected)
		ret = 1;
out:
	if (in && in != stdin)
		fclose(in);
	free(line);
	hdrco_free(co);
	hdr_free(h);
	hdr_free(uncorrected);
	return ret;
}

/* Merge src into *acc, widening *acc when src reaches further. */
static int merge(struct hdr **acc, struct hdr *src)
{
	struct hdr *wide = NULL;
	int64_t lo, hi;
	int digits, err;

	if (!*acc) {
		err = hdr_new_like(src, acc);
		return err ? err : hdr_add(*acc, src);
	}
	err = hdr_add(*acc, src);
	if (err != -ERANGE)
		return err;
	lo = hdr_lowest(*acc) < hdr_lowest(src) ? hdr_lowest(*acc) : hdr_lowest(src);
	hi = hdr_highest(*acc) > hdr_highest(src) ? hdr_highest(*acc) : hdr_highest(src);
	digits = hdr_digits(*acc) > hdr_digits(src) ? hdr_digits(*acc) : hdr_digits(src);
	err = hdr_new(lo, hi, digits, &wide);
	if (!err)
		err = hdr_add(wide, *acc);
	if (!err)
		err = hdr_add(wide, src);
	if (err) {
		hdr_free(wide);
		return err;
	}
	hdr_free(*acc);
	*acc = wide;
	return 0;
}

static int run_read_hlog(const struct latency_opts *o)
{
	struct hdrlog_reader *r = NULL;
	struct hdrlog_interval iv;
	struct hdr *acc = NULL;
	size_t len = 0, intervals = 0;
	char *buf = NULL;
	int ret = 1, err;

	err = util_read_file(o->read_hlog, &buf, &len);
	if (err) {
		fprintf(stderr, "hwprof latency: %s: cannot read: %s\n", o->read_hlog, util_strerror(err));
		goto out;
	}
	err = hdrlog_reader_new(buf, len, &r);
	while (!err && (err = hdrlog_read(r, &iv)) == 1) {
		int want = o->tag ? iv.tag && !strcmp(iv.tag, o->tag) : !iv.tag;

		err = want ? merge(&acc, iv.h) : 0;
		intervals += want;
		hdr_free(iv.h);
	}
	if (err == -EINVAL) {
		fprintf(stderr, "hwprof latency: %s:%zu: not a valid HdrHistogram interval log "
			"line: %s\n", o->read_hlog, hdrlog_reader_line(r), hdrlog_reader_why(r));
		goto out;
	}
	if (err) {
		fprintf(stderr, "hwprof latency: %s: %s\n", o->read_hlog, util_strerror(err));
		goto out;
	}
	if (!acc) {
		if (o->tag)
			fprintf(stderr, "hwprof latency: %s: no intervals tagged '%s' in the log\n",
				o->read_hlog, o->tag);
		else
			fprintf(stderr, "hwprof latency: %s: no untagged intervals in the log; "
				"select tagged ones with --tag NAME\n", o->read_hlog);
		goto out;
	}
	printf("%-9s %16zu\n", "intervals", intervals);
	print_summary(acc, NULL, o->unit, o->out_unit);
	ret = o->hgrm ? write_hgrm(o->hgrm, acc, hgrm_ratio(o) / (double)o->unit) : 0;
out:
	hdrlog_reader_free(r);
	hdr_free(acc);
	free(buf);
	return ret;
}

/* Whether --hlog and --hgrm can be written, before any input is read.  0, or
 * the exit status after a message (2: an empty name). */
static int check_outputs(const struct latency_opts *o)
{
	const char *paths[] = { o->hlog, o->hgrm };
	char why[256];
	int r;

	for (size_t i = 0; i < 2; i++) {
		if (paths[i] && strcmp(paths[i], "-") &&
		    (r = outfile_check(paths[i], why, sizeof(why))) < 0) {
			fprintf(stderr, "hwprof latency: %s: cannot write: %s\n", paths[i], why);
			return r == -EINVAL ? 2 : 1;
		}
	}
	return 0;
}

int cmd_latency(int argc, char **argv)
{
	struct latency_opts o = { .unit = 1, .highest = 3600 * NS_PER_S, .digits = 3 };
	int r = parse_opts(argc, argv, &o);

	if (r)
		return r == 1 ? 0 : 2;
	r = check_outputs(&o);
	if (r)
		return r;
	return o.read_hlog ? run_read_hlog(&o) : run_read(&o);
}
