/* gatereport.c - see gate.h: the gate's verdict as a table, Markdown for a
 * pull request, JUnit XML and JSON. */
#include "gate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "flamegraph.h"
#include "fmt.h"
#include "text.h"

static int is_fn(const struct gate_row *row)
{
	return row->rank_base || row->rank_new;
}

/* A median as the reports show it: a share, a duration or a number. */
static char *value(const struct gate_result *r, const struct gate_row *row, double v, char *buf,
		   size_t len)
{
	if (is_fn(row))
		snprintf(buf, len, "%.2f%%", 100 * v);
	else if (!strcmp(r->unit, "nanoseconds"))
		fmt_ns(buf, len, (int64_t)llround(v), FMT_NS_SHORT, 0);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
	return buf;
}

static char *change(const struct gate_row *row, char *buf, size_t len)
{
	if (isinf(row->growth))
		snprintf(buf, len, "new");
	else
		snprintf(buf, len, "%+.1f%%", 100 * row->growth);
	return buf;
}

static char *pvalue(const struct gate_row *row, char *buf, size_t len)
{
	if (row->test.p < 0.0001)
		snprintf(buf, len, "<0.0001");
	else
		snprintf(buf, len, "%.4f", row->test.p);
	return buf;
}

/* What the gate compared and how, in one sentence. */
static void put_rules(const struct gate_result *r, FILE *out)
{
	const struct gate_opts *o = &r->opts;

	fprintf(out, "%zu BASE runs, %zu NEW runs; Mann-Whitney U (two-sided), alpha %g; ",
		r->n_base, r->n_new, o->alpha);
	if (r->shares)
		fprintf(out, "%s self share per run: a function fails when its share changed "
			"significantly and grew more than %g%% while in the top %zu (functions under "
			"%g%% ignored)", r->what, 100 * o->max_growth, o->top, 100 * o->min_share);
	else
		fprintf(out, "an event fails when its count changed significantly and grew more "
			"than %g%%", 100 * o->max_growth);
	if (r->shares && o->total)
		fprintf(out, "; the total fails by the same test and growth");
}

static void put_verdict(const struct gate_result *r, FILE *out)
{
	if (r->failures)
		fprintf(out, "FAIL: %zu regression%s", r->failures, r->failures > 1 ? "s" : "");
	else
		fprintf(out, "PASS: no regression beyond the noise");
}

int gate_write_table(const struct gate_result *r, FILE *out)
{
	char b1[32], b2[32], b3[32], b4[32];

	fputs("hwprof gate: ", out);
	put_verdict(r, out);
	fputs("\n", out);
	put_rules(r, out);
	fprintf(out, "\n\n%10s %10s %8s %8s  %-7s %s\n", "base", "new", "change", "p-value",
		"verdict", "name (why)");
	for (size_t i = 0; i < r->n; i++) {
		const struct gate_row *row = &r->rows[i];
		char line[512];

		fprintf(out, "%10s %10s %8s %8s  %-7s ", value(r, row, row->base, b1, sizeof(b1)),
			value(r, row, row->new, b2, sizeof(b2)), change(row, b3, sizeof(b3)),
			pvalue(row, b4, sizeof(b4)), row->fail ? "FAIL" : "ok");
		snprintf(line, sizeof(line), "%s (%s)", row->name, row->why);
		text_put_name(line, out);
	}
	if (!r->n)
		fputs("(nothing to gate: no function reaches the minimum share)\n", out);
	return ferror(out) ? -EIO : 0;
}

/* A name in a Markdown table cell, as code: '|' would end the cell and '`'
 * the code span. */
static void put_md_name(const char *s, FILE *out)
{
	fputc('`', out);
	for (; *s; s++)
		fputc(*s == '|' || *s == '`' ? '\'' : (unsigned char)*s < ' ' ? ' ' : *s, out);
	fputc('`', out);
}

int gate_write_markdown(const struct gate_result *r, size_t rows, FILE *out)
{
	size_t shown = rows && rows < r->n ? rows : r->n;
	char b1[32], b2[32], b3[32], b4[32];

	fputs("### hwprof gate: ", out);
	put_verdict(r, out);
	fputs("\n\n", out);
	put_rules(r, out);
	fprintf(out, ".\n\n| %s | base | new | change | p-value | verdict |\n"
		"|---|---:|---:|---:|---:|---|\n", r->shares ? "function" : "event");
	for (size_t i = 0; i < shown; i++) {
		const struct gate_row *row = &r->rows[i];

		fputs("| ", out);
		put_md_name(row->name, out);
		fprintf(out, " | %s | %s | %s | %s | %s%s%s |\n", value(r, row, row->base, b1, sizeof(b1)),
			value(r, row, row->new, b2, sizeof(b2)), change(row, b3, sizeof(b3)),
			pvalue(row, b4, sizeof(b4)), row->fail ? "**FAIL**: " : "ok: ", row->why, "");
	}
	if (shown < r->n)
		fprintf(out, "\n%zu more row%s, none %s.\n", r->n - shown, r->n - shown > 1 ? "s" : "",
			r->failures > shown ? "shown failed too" : "failed");
	return ferror(out) ? -EIO : 0;
}

int gate_write_junit(const struct gate_result *r, FILE *out)
{
	char b1[32], b2[32], b3[32], b4[32];

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"hwprof gate\" tests=\"%zu\" failures=\"%zu\">\n", r->n,
		r->failures);
	fprintf(out, "<testsuite name=\"hwprof gate: ");
	flamegraph_put_text(out, r->shares ? r->what : "counters");
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", r->n,
		r->failures);
	for (size_t i = 0; i < r->n; i++) {
		const struct gate_row *row = &r->rows[i];

		fputs("<testcase classname=\"hwprof.gate\" name=\"", out);
		flamegraph_put_text(out, row->name);
		fputs("\">", out);
		if (row->fail) {
			fputs("<failure message=\"", out);
			flamegraph_put_text(out, row->why);
			fprintf(out, "\">base %s, new %s, change %s, p-value %s</failure>",
				value(r, row, row->base, b1, sizeof(b1)),
				value(r, row, row->new, b2, sizeof(b2)), change(row, b3, sizeof(b3)),
				pvalue(row, b4, sizeof(b4)));
		}
		fputs("</testcase>\n", out);
	}
	fputs("</testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -EIO : 0;
}

static void json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.10g", v);
	else
		fputs("null", out);
}

int gate_write_json(const struct gate_result *r, FILE *out)
{
	const struct gate_opts *o = &r->opts;

	fprintf(out, "{\"verdict\": \"%s\", \"failures\": %zu, \"base_runs\": %zu, \"new_runs\": %zu,\n",
		r->failures ? "fail" : "pass", r->failures, r->n_base, r->n_new);
	fputs(" \"compared\": ", out);
	fmt_json_string(out, r->shares ? "self share" : "counters");
	fputs(", \"sample_type\": ", out);
	fmt_json_string(out, r->what);
	fprintf(out, ",\n \"alpha\": %g, \"max_growth\": %g, \"min_share\": %g, \"top\": %zu,\n"
		" \"rows\": [", o->alpha, o->max_growth, o->min_share, o->top);
	for (size_t i = 0; i < r->n; i++) {
		const struct gate_row *row = &r->rows[i];

		fprintf(out, "%s\n  {\"name\": ", i ? "," : "");
		fmt_json_string(out, row->name);
		fprintf(out, ", \"kind\": \"%s\", \"base\": ",
			is_fn(row) ? "function" : r->shares ? "total" : "event");
		json_num(out, row->base);
		fputs(", \"new\": ", out);
		json_num(out, row->new);
		fputs(", \"growth\": ", out);
		json_num(out, row->growth);
		fputs(", \"p\": ", out);
		json_num(out, row->test.p);
		fprintf(out, ", \"exact\": %s, \"rank_base\": %zu, \"rank_new\": %zu, \"fail\": %s, "
			"\"why\": ", row->test.exact ? "true" : "false", row->rank_base, row->rank_new,
			row->fail ? "true" : "false");
		fmt_json_string(out, row->why);
		fputs("}", out);
	}
	fputs("\n ]\n}\n", out);
	return ferror(out) ? -EIO : 0;
}
