/* difftext.c - see diff.h: the table and the folded lines of two sides. */
#include "diff.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "folded.h"
#include "text.h"
#include "util.h"

char *diff_show(char *buf, size_t len, const struct diff *d, const struct diff_view *v, double x,
		int sign)
{
	if (v->norm == DIFF_NORM_SHARE) {
		double t = d->sides[1].total;

		snprintf(buf, len, sign ? "%+.2f%%" : "%.2f%%", t > 0 ? 100 * x / t : 0);
		return buf;
	}
	buf[0] = sign && x > 0 ? '+' : '\0';
	fmt_sample_value(buf + (buf[0] == '+'), len - 1, (int64_t)llround(x), v->type.unit);
	return buf;
}

char *diff_show_change(char *buf, size_t len, double base, double new)
{
	if (base <= 0)
		snprintf(buf, len, new > 0 ? "new" : "");
	else
		snprintf(buf, len, "%+.1f%%", 100 * (new - base) / base);
	return buf;
}

/* The rows in table order: by |delta self|, then |delta cum|, then name. */
struct row {
	const struct diff_fn *f;
	double ds, dc;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (fabs(x->ds) != fabs(y->ds))
		return fabs(x->ds) > fabs(y->ds) ? -1 : 1;
	if (fabs(x->dc) != fabs(y->dc))
		return fabs(x->dc) > fabs(y->dc) ? -1 : 1;
	return strcmp(x->f->name, y->f->name);
}

static void put_side(const struct diff *d, const struct diff_view *v, size_t side, FILE *out)
{
	const struct diff_side *s = &d->sides[side];
	double k = side ? 1 : v->kb;
	char b[32];

	fprintf(out, "%-4s %s: %s %s", side ? "NEW" : "BASE", side ? v->new_file : v->base_file,
		fmt_sample_value(b, sizeof(b), (int64_t)llround(s->total), v->type.unit),
		v->type.type);
	if (s->counted)
		fprintf(out, " in %.0f samples", s->samples);
	if (s->duration_ns > 0)
		fprintf(out, " over %s", fmt_ns(b, sizeof(b), s->duration_ns, FMT_NS_SHORT, 0));
	if (k != 1)
		fprintf(out, "; scaled x%.4g", k);
	fputc('\n', out);
}

static const char *const norm_words[] = {
	[DIFF_NORM_NONE] = "values as recorded (--normalize none)",
	[DIFF_NORM_SHARE] = "shares of each total (--normalize share)",
	[DIFF_NORM_TIME] = "BASE scaled to NEW's duration (--normalize time)",
};

static void put_header(const struct diff *d, const struct diff_view *v, FILE *out)
{
	double tb = v->kb * d->sides[0].total, tn = d->sides[1].total;
	char b[32], r[32];

	put_side(d, v, 0, out);
	put_side(d, v, 1, out);
	/* Shares always add up to 100%: say how the totals themselves moved. */
	if (v->norm == DIFF_NORM_SHARE)
		fprintf(out, "Totals as recorded: %s%s (%s); %s", tn > d->sides[0].total ? "+" : "",
			fmt_sample_value(b, sizeof(b), (int64_t)llround(tn - d->sides[0].total),
					 v->type.unit),
			diff_show_change(r, sizeof(r), d->sides[0].total, tn), norm_words[v->norm]);
	else
		fprintf(out, "Change: %s (%s); %s", diff_show(b, sizeof(b), d, v, tn - tb, 1),
			diff_show_change(r, sizeof(r), tb, tn), norm_words[v->norm]);
	if (d->sides[0].counted && d->sides[1].counted)
		fprintf(out, "; ~ marks a change within the sampling noise "
			"(|delta| < 2 sqrt(n1 + n2) samples)");
	else
		fprintf(out, "; samples not counted: noise not judged");
	fputs("\n\n", out);
}

/* One value column group of a function's values and sample counts per side
 * (val[], n[]: self or cum): base (scaled by v->kb), new, delta, delta%,
 * noise mark. */
static void put_group(const struct diff *d, const struct diff_view *v, const double *val,
		      const double *n, FILE *out)
{
	double base = v->kb * val[0], bn = n[0], new = val[1], nn = n[1];
	char b1[32], b2[32], b3[32], b4[32];

	fprintf(out, "%10s %10s %10s %8s %c", diff_show(b1, sizeof(b1), d, v, base, 0),
		diff_show(b2, sizeof(b2), d, v, new, 0), diff_show(b3, sizeof(b3), d, v, new - base, 1),
		diff_show_change(b4, sizeof(b4), base, new),
		diff_noise(d, v->kb, base, bn, new, nn) ? '~' : ' ');
}

int diff_write_table(const struct diff *d, const struct diff_view *v, FILE *out)
{
	struct row *rows = calloc(d->n_fns ? d->n_fns : 1, sizeof(*rows));
	size_t n = 0, shown;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_fns; i++) {
		const struct diff_fn *f = &d->fns[i];

		rows[n].f = f;
		rows[n].ds = f->self[1] - v->kb * f->self[0];
		rows[n].dc = f->cum[1] - v->kb * f->cum[0];
		n++;
	}
	util_sort(rows, n, sizeof(*rows), row_cmp);
	shown = v->rows && v->rows < n ? v->rows : n;
	put_header(d, v, out);
	fprintf(out, "%10s %10s %10s %8s   %10s %10s %10s %8s    name\n", "base", "new", "delta",
		"delta%", "base cum", "new cum", "delta cum", "delta%");
	for (size_t i = 0; i < shown; i++) {
		const struct diff_fn *f = rows[i].f;

		put_group(d, v, f->self, f->self_n, out);
		fputs(" ", out);
		put_group(d, v, f->cum, f->cum_n, out);
		fputs("  ", out);
		text_put_name(f->name, out);
	}
	if (shown < n)
		fprintf(out, "(%zu more functions; -n 0 shows all)\n", n - shown);
	free(rows);
	return ferror(out) ? -EIO : 0;
}

/* A stack and its two values, as one folded line. */
struct fline {
	char *stack;
	int64_t base, new;
};

static int fline_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fline *)a)->stack, ((const struct fline *)b)->stack);
}

/* The folded form of st: its frames joined by ';'.  NULL on ENOMEM. */
static char *join(const struct diff_stack *st)
{
	size_t size = 1, len = 0;
	char *s;

	for (size_t k = 0; k < st->n_frames; k++)
		size += strlen(st->frames[k]) + 10;
	s = malloc(size);
	if (!s)
		return NULL;
	for (size_t k = 0; k < st->n_frames; k++) {
		if (k)
			s[len++] = ';';
		folded_put_name(st->frames[k], s, &len);
	}
	s[len] = '\0';
	return s;
}

int diff_write_folded(const struct diff *d, const struct diff_view *v, FILE *out)
{
	struct fline *lines = calloc(d->n_stacks ? d->n_stacks : 1, sizeof(*lines));
	size_t n = 0;
	int ret = 0;

	if (!lines)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_stacks; i++) {
		const struct diff_stack *st = &d->stacks[i];
		int64_t b = (int64_t)llround(v->kb * st->value[0]), nv = (int64_t)llround(st->value[1]);

		if (!b && !nv)
			continue;
		lines[n].stack = join(st);
		if (!lines[n].stack) {
			ret = -ENOMEM;
			goto out;
		}
		lines[n].base = b;
		lines[n++].new = nv;
	}
	util_sort(lines, n, sizeof(*lines), fline_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		int64_t b = 0, nv = 0;

		/* Names that differ only in ';' or line breaks fold alike: one line. */
		for (j = i; j < n && !strcmp(lines[j].stack, lines[i].stack); j++) {
			b += lines[j].base;
			nv += lines[j].new;
		}
		fprintf(out, "%s %" PRId64 " %" PRId64 "\n", lines[i].stack, b, nv);
	}
	if (ferror(out))
		ret = -EIO;
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i].stack);
	free(lines);
	return ret;
}
