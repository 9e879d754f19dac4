/* cmd_stat.c - `hwprof stat [-e EVENTS] [-r N] [--json | -x SEP] [--] CMD [ARGS]`:
 * options, output, exit codes.  counting.c opens and reads the counters,
 * session.c starts CMD, stats.c summarizes repeated runs. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "counting.h"
#include "events.h"
#include "fmt.h"
#include "outfile.h"
#include "session.h"
#include "stats.h"
#include "util.h"

/* perf stat's defaults: what a program costs in time, scheduling and memory,
 * and, where there is a PMU, how well it uses the core. */
#define STAT_DEFAULT_EVENTS "task-clock,context-switches,cpu-migrations,page-faults," \
	"cycles,instructions,branches,branch-misses"

enum stat_format { FMT_TEXT, FMT_JSON, FMT_CSV };

struct stat_opts {
	const char *events;
	unsigned runs;
	enum stat_format format;
	const char *sep;
	const char *output;
};

/* Per event, what every run measured. */
struct stat_event {
	int err;              /* from the first run: 0 or -errno of perf_event_open */
	int user_only;
	size_t n;             /* runs where it was counted */
	double *v;            /* scaled values, in display units */
	double min_pct;       /* lowest share of time it was really counted */
	struct stats_summary sum;
};

struct stat_result {
	size_t runs;
	double *wall_ns;
	struct stats_summary wall;
	struct stat_event *ev;
	int status;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof stat [OPTIONS] [--] CMD [ARGS...]\n"
		"\n"
		"Run CMD (its threads and children too) and count events while it runs.\n"
		"\n"
		"  -e, --event EVENTS      events to count, comma-separated; {a,b} counts a group\n"
		"                          together, @NAME a preset (see 'hwprof list'); default:\n"
		"                          " STAT_DEFAULT_EVENTS "\n"
		"  -r, --repeat N          run CMD N times: median, p10, p90, min, max, stddev, cv\n"
		"                          per event (stops at the first run that fails)\n"
		"      --json              JSON output\n"
		"  -x, --field-separator SEP  one line per event, fields separated by SEP:\n"
		"                          value,unit,event,counted%%,p10,p90,min,max,stddev,cv%%,metric,metric-unit\n"
		"  -o, --output FILE       write the results to FILE (default: standard error)\n"
		"  -h, --help              this help\n"
		"\n"
		"Events the machine cannot count are reported with the reason and the others\n"
		"still counted.  Counts that were multiplexed are scaled, with the percentage of\n"
		"time they were really counted beside them.\n"
		"\n"
		"Exit status: CMD's own, of the last run (128+N when killed by signal N); 1 when\n"
		"hwprof fails; 2 for a usage error; 127 when CMD cannot be found.\n");
}

static int parse_args(int argc, char **argv, struct stat_opts *o)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "field-separator", required_argument, NULL, 'x' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->events = STAT_DEFAULT_EVENTS;
	o->runs = 1;
	optind = 1;
	/* '+': stop at CMD, so that CMD's own options are left alone. */
	while ((c = getopt_long(argc, argv, "+e:r:x:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->events = optarg;
			break;
		case 'r': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v == 0 || v > 100000) {
				fprintf(stderr, "hwprof stat: -r %s: expected a number of runs (1..100000)\n",
					optarg);
				return -1;
			}
			o->runs = (unsigned)v;
			break;
		}
		case 'j':
			if (o->format == FMT_CSV) {
				fprintf(stderr, "hwprof stat: --json and -x exclude each other\n");
				return -1;
			}
			o->format = FMT_JSON;
			break;
		case 'x':
			if (o->format == FMT_JSON) {
				fprintf(stderr, "hwprof stat: --json and -x exclude each other\n");
				return -1;
			}
			if (!optarg[0]) {
				fprintf(stderr, "hwprof stat: -x: expected a separator, e.g. -x ,\n");
				return -1;
			}
			o->format = FMT_CSV;
			o->sep = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'hwprof stat --help'.\n");
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hwprof stat: no command given (hwprof stat [OPTIONS] -- CMD [ARGS])\n");
		return -1;
	}
	return optind;
}

static int is_clock(const struct event *e)
{
	return e->attr.type == PERF_TYPE_SOFTWARE &&
	       (e->attr.config == PERF_COUNT_SW_TASK_CLOCK || e->attr.config == PERF_COUNT_SW_CPU_CLOCK);
}

static const char *unit_of(const struct event *e)
{
	return is_clock(e) ? "msec" : e->scale ? e->scale_unit : "";
}

/* One run: start CMD stopped, open the counters on it, let it go, wait, read.
 * Returns 0, or the exit status hwprof should end with. */
static int run_once(char **argv, const struct event_list *l, struct stat_result *res, size_t run)
{
	struct session *s = NULL;
	struct counting *c = NULL;
	struct sigaction ign, old_int, old_quit;
	int64_t t0, t1;
	int r, status = 0, code = 1;

	r = session_spawn(argv, &s);
	if (r < 0) {
		fprintf(stderr, "hwprof: cannot start %s: %s\n", argv[0], strerror(-r));
		goto out;
	}
	r = counting_open(l, session_pid(s), &c);
	if (r < 0) {
		char why[256];

		events_strerror(NULL, r, NULL, why, sizeof(why));
		fprintf(stderr, "hwprof: perf_event_open: %s\n", why);
		goto out;
	}
	/* Ctrl-C is for CMD (it has its own handlers, set before we ignore them
	 * here): we stay to read the counters. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	t0 = util_now_mono_ns();
	r = session_start(s);
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: %s\n", argv[0], strerror(-r));
		code = r == -ENOENT ? 127 : 126;
		goto restore;
	}
	r = session_wait(s, &status, 0);
	t1 = util_now_mono_ns();
	if (r < 0) {
		fprintf(stderr, "hwprof: waiting for %s: %s\n", argv[0], strerror(-r));
		goto restore;
	}
	res->wall_ns[run] = (double)(t1 - t0);
	for (size_t i = 0; i < l->n; i++) {
		struct stat_event *se = &res->ev[i];
		struct counting_reading rd;
		double v, pct;

		if (run == 0) {
			se->err = counting_error(c, i);
			se->user_only = counting_user_only(c, i);
			se->min_pct = 100;
		}
		if (counting_error(c, i) < 0 || counting_read(c, i, &rd) < 0 ||
		    counting_scale(&rd, &v, &pct) < 0)
			continue;
		/* A sysfs event's count times its .scale is in its .unit (Joules, MiB). */
		se->v[se->n++] = is_clock(&l->ev[i]) ? v / 1e6 : l->ev[i].scale ? v * l->ev[i].scale : v;
		if (pct < se->min_pct)
			se->min_pct = pct;
	}
	res->runs = run + 1;
	res->status = status;
	code = 0;
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
out:
	counting_free(c);
	session_free(s);
	return code;
}

static void print_metrics(FILE *f, const struct counting_metric *m, size_t nm, size_t ev)
{
	int first = 1;

	for (size_t k = 0; k < nm; k++) {
		if (m[k].event != ev)
			continue;
		fprintf(f, "%s%10.3f %s", first ? "   # " : ", ", m[k].value, m[k].unit);
		first = 0;
	}
}

static void fmt_value(char *buf, size_t cap, const struct event *e, double v)
{
	if (is_clock(e) || e->scale)
		snprintf(buf, cap, "%.2f", v);
	else
		snprintf(buf, cap, "%.0f", v);
}

static void print_text(FILE *f, char **argv, const struct event_list *l, const struct stat_result *res,
		       const struct counting_metric *m, size_t nm)
{
	char reason[256], cmd[256];
	size_t off = 0;

	cmd[0] = '\0';
	for (int i = 0; argv[i] && off < sizeof(cmd); i++)
		off += snprintf(cmd + off, sizeof(cmd) - off, "%s%s", i ? " " : "", argv[i]);
	fprintf(f, "\n Performance counter stats for '%s'", cmd);
	if (res->runs > 1)
		fprintf(f, " (%zu runs)", res->runs);
	fprintf(f, ":\n\n");
	if (res->runs > 1)
		fprintf(f, " %-28s %12s %12s %12s %12s %12s %12s %8s\n", "event", "median", "p10", "p90",
			"min", "max", "stddev", "cv");
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		const struct stat_event *se = &res->ev[i];
		char label[160], name[176];

		snprintf(label, sizeof(label), "%s%s%s", e->name, se->user_only ? " (user)" : "",
			 e->leader != (int)i ? " (group)" : "");
		snprintf(name, sizeof(name), "%s%s", label, is_clock(e) ? " (msec)" : "");
		if (se->err < 0) {
			events_strerror(e, se->err, NULL, reason, sizeof(reason));
			if (res->runs > 1)
				fprintf(f, " %-28s %12s   # %s\n", name, "<not supported>", reason);
			else
				fprintf(f, " %18s %-5s %-28s   # %s\n", "<not supported>", "", label, reason);
			continue;
		}
		if (se->n == 0) {
			if (res->runs > 1)
				fprintf(f, " %-28s %12s   # never on a counter (too many events at once?)\n",
					name, "<not counted>");
			else
				fprintf(f, " %18s %-5s %-28s   # never on a counter (too many events at once?)\n",
					"<not counted>", "", label);
			continue;
		}
		if (res->runs > 1) {
			const struct stats_summary *s = &se->sum;
			int prec = is_clock(e) ? 3 : 0;

			fprintf(f, " %-28s %12.*f %12.*f %12.*f %12.*f %12.*f %12.*f %7.2f%%", name,
				prec, s->median, prec, s->p10, prec, s->p90, prec, s->min, prec, s->max,
				is_clock(e) ? 3 : 1, s->stddev, 100 * s->cv);
		} else {
			char val[64];

			fmt_value(val, sizeof(val), e, se->sum.median);
			fprintf(f, " %18s %-5s %-28s", val, unit_of(e), label);
		}
		print_metrics(f, m, nm, i);
		if (se->min_pct < 100)
			fprintf(f, "  (%.2f%%)", se->min_pct);
		fprintf(f, "\n");
	}
	if (res->runs > 1)
		fprintf(f, "\n %14.9f seconds time elapsed (median; p10 %.9f, p90 %.9f, cv %.2f%%)\n\n",
			res->wall.median / 1e9, res->wall.p10 / 1e9, res->wall.p90 / 1e9, 100 * res->wall.cv);
	else
		fprintf(f, "\n %14.9f seconds time elapsed\n\n", res->wall.median / 1e9);
}

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.17g", v);
	else
		fprintf(f, "null");
}

static void json_summary(FILE *f, const struct stats_summary *s, const double *v, size_t n)
{
	static const char *const keys[] = { "median", "p10", "p90", "min", "max", "stddev", "cv" };
	const double vals[] = { s->median, s->p10, s->p90, s->min, s->max, s->stddev, s->cv };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		fprintf(f, ", \"%s\": ", keys[k]);
		json_num(f, vals[k]);
	}
	fprintf(f, ", \"values\": [");
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_num(f, v[i]);
	}
	fprintf(f, "]");
}

static void print_json(FILE *f, char **argv, const struct event_list *l, const struct stat_result *res,
		       const struct counting_metric *m, size_t nm)
{
	char reason[256];

	fprintf(f, "{\"command\": [");
	for (int i = 0; argv[i]; i++) {
		fprintf(f, "%s", i ? ", " : "");
		fmt_json_string(f, argv[i]);
	}
	fprintf(f, "], \"runs\": %zu, \"exit_status\": %d,\n \"elapsed_ns\": {\"n\": %zu",
		res->runs, util_exit_status(res->status), res->runs);
	json_summary(f, &res->wall, res->wall_ns, res->runs);
	fprintf(f, "},\n \"events\": [");
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		const struct stat_event *se = &res->ev[i];

		fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
		fmt_json_string(f, e->name);
		fprintf(f, ", \"unit\": \"%s\", \"group_leader\": ", unit_of(e));
		fmt_json_string(f, l->ev[e->leader].name);
		if (se->err < 0) {
			events_strerror(e, se->err, NULL, reason, sizeof(reason));
			fprintf(f, ", \"supported\": false, \"reason\": ");
			fmt_json_string(f, reason);
			fprintf(f, "}");
			continue;
		}
		fprintf(f, ", \"supported\": true, \"user_only\": %s, \"counted_runs\": %zu",
			se->user_only ? "true" : "false", se->n);
		if (se->n) {
			fprintf(f, ", \"counted_pct\": ");
			json_num(f, se->min_pct);
			fprintf(f, ", \"value\": ");
			json_num(f, se->sum.median);
			json_summary(f, &se->sum, se->v, se->n);
		}
		fprintf(f, ", \"metrics\": [");
		for (size_t k = 0, first = 1; k < nm; k++) {
			if (m[k].event != i)
				continue;
			fprintf(f, "%s{\"value\": ", first ? "" : ", ");
			json_num(f, m[k].value);
			fprintf(f, ", \"unit\": ");
			fmt_json_string(f, m[k].unit);
			fprintf(f, "}");
			first = 0;
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n ]\n}\n");
}

static void print_csv(FILE *f, const char *sep, const struct event_list *l, const struct stat_result *res,
		      const struct counting_metric *m, size_t nm)
{
	char reason[256];

	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		const struct stat_event *se = &res->ev[i];
		const struct stats_summary *s = &se->sum;
		int prec = is_clock(e) ? 3 : 0;
		size_t k;

		if (se->err < 0 || se->n == 0) {
			if (se->err < 0)
				events_strerror(e, se->err, NULL, reason, sizeof(reason));
			else
				snprintf(reason, sizeof(reason), "never on a counter");
			fprintf(f, "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s\n",
				se->err < 0 ? "<not supported>" : "<not counted>", sep, unit_of(e), sep,
				e->name, sep, "", sep, "", sep, "", sep, "", sep, "", sep, "", sep, "",
				sep, "", sep, reason);
			continue;
		}
		fprintf(f, "%.*f%s%s%s%s%s%.2f%s%.*f%s%.*f%s%.*f%s%.*f%s%.*f%s%.2f", prec, s->median, sep,
			unit_of(e), sep, e->name, sep, se->min_pct, sep, prec, s->p10, sep, prec, s->p90,
			sep, prec, s->min, sep, prec, s->max, sep, prec + 1, s->stddev, sep, 100 * s->cv);
		for (k = 0; k < nm && m[k].event != i; k++)
			;
		if (k < nm)
			fprintf(f, "%s%.3f%s%s\n", sep, m[k].value, sep, m[k].unit);
		else
			fprintf(f, "%s%s\n", sep, sep);
	}
}

static void result_free(struct stat_result *res, size_t n)
{
	for (size_t i = 0; res->ev && i < n; i++)
		free(res->ev[i].v);
	free(res->ev);
	free(res->wall_ns);
}

int cmd_stat(int argc, char **argv)
{
	struct stat_opts o;
	struct stat_result res;
	struct event_list *l = NULL;
	struct counting_metric m[64];
	double *med = NULL;
	int *valid = NULL;
	size_t nm;
	char err[512];
	struct outfile *of = NULL;
	FILE *f = stderr;
	int first, code = 1, r;

	memset(&res, 0, sizeof(res));
	first = parse_args(argc, argv, &o);
	if (first < 0)
		return 2;
	if (events_parse(o.events, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "hwprof stat: %s\n", err);
		return 2;
	}
	/* Refused now rather than after the runs. */
	if (o.output && (r = outfile_check(o.output, err, sizeof(err))) < 0) {
		fprintf(stderr, "hwprof: %s: cannot write: %s\n", o.output, err);
		code = r == -EINVAL ? 2 : 1;
		goto out;
	}
	res.wall_ns = calloc(o.runs, sizeof(*res.wall_ns));
	res.ev = calloc(l->n, sizeof(*res.ev));
	med = calloc(l->n, sizeof(*med));
	valid = calloc(l->n, sizeof(*valid));
	if (!res.wall_ns || !res.ev || !med || !valid)
		goto oom;
	for (size_t i = 0; i < l->n; i++)
		if (!(res.ev[i].v = calloc(o.runs, sizeof(double))))
			goto oom;
	for (unsigned run = 0; run < o.runs; run++) {
		r = run_once(argv + first, l, &res, run);
		if (r) {
			code = r;
			goto out;
		}
		/* A failing run is the answer: repeating would only hide it. */
		if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0)
			break;
	}
	if (stats_summarize(res.wall_ns, res.runs, &res.wall) < 0)
		goto oom;
	for (size_t i = 0; i < l->n; i++) {
		struct stat_event *se = &res.ev[i];

		if (se->err < 0 || se->n == 0)
			continue;
		if (stats_summarize(se->v, se->n, &se->sum) < 0)
			goto oom;
		valid[i] = 1;
		/* The metrics want ns for the clocks, as counted. */
		med[i] = is_clock(&l->ev[i]) ? se->sum.median * 1e6 : se->sum.median;
	}
	nm = counting_metrics(l, med, valid, res.wall.median, m, sizeof(m) / sizeof(m[0]));
	if (o.output && (r = outfile_open(o.output, &of)) < 0) {
		fprintf(stderr, "hwprof: %s: cannot write: %s\n", o.output, util_strerror(r));
		goto out;
	}
	if (of)
		f = outfile_stream(of);
	if (o.format == FMT_JSON)
		print_json(f, argv + first, l, &res, m, nm);
	else if (o.format == FMT_CSV)
		print_csv(f, o.sep, l, &res, m, nm);
	else
		print_text(f, argv + first, l, &res, m, nm);
	r = outfile_close(of, 0);
	of = NULL;
	if (r < 0) {
		fprintf(stderr, "hwprof: %s: cannot write: %s\n", o.output, util_strerror(r));
		goto out;
	}
	code = util_exit_status(res.status);
	goto out;
oom:
	fprintf(stderr, "hwprof: out of memory\n");
out:
	outfile_close(of, -ECANCELED);
	result_free(&res, l->n);
	free(med);
	free(valid);
	events_free(l);
	return code;
}
