/* spanreport.c - see spanreport.h. */
#include "spanreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hdrlog.h"
#include "util.h"

#define SERVICE_SUFFIX ".service"

struct tagged {
	char *tag;
	struct hdr *h;
};

struct spanreport {
	struct tagged *t;
	size_t n, cap;
};

static struct tagged *find(const struct spanreport *r, const char *tag)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->t[i].tag, tag) == 0)
			return &r->t[i];
	return NULL;
}

int spanreport_read(const char *path, struct spanreport **out, size_t *line)
{
	struct spanreport *r;
	struct hdrlog_reader *rd = NULL;
	struct hdrlog_interval iv;
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	*line = 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = util_read_file(path, &buf, &len);
	if (!err)
		err = hdrlog_reader_new(buf, len, &rd);
	while (!err && (err = hdrlog_read(rd, &iv)) == 1) {
		const char *tag = iv.tag ? iv.tag : "";
		struct tagged *t = find(r, tag);

		err = 0;
		if (t) {
			err = hdr_add(t->h, iv.h);
			hdr_free(iv.h);
			continue;
		}
		if (util_grow(&r->t, &r->cap, r->n + 1, sizeof(*r->t)) < 0 ||
		    !(r->t[r->n].tag = strdup(tag))) {
			hdr_free(iv.h);
			err = -ENOMEM;
			break;
		}
		r->t[r->n++].h = iv.h;
	}
	if (err == -EINVAL)
		*line = hdrlog_reader_line(rd);
	hdrlog_reader_free(rd);
	free(buf);
	if (err) {
		spanreport_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void spanreport_free(struct spanreport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->t[i].tag);
		hdr_free(r->t[i].h);
	}
	free(r->t);
	free(r);
}

static int is_service(const char *tag)
{
	size_t n = strlen(tag), k = strlen(SERVICE_SUFFIX);

	return n > k && strcmp(tag + n - k, SERVICE_SUFFIX) == 0;
}

static void row(const char *name, const struct hdr *h, FILE *out)
{
	static const double pcts[] = { 50, 90, 99, 99.9 };
	char b[32];

	fprintf(out, "%-28s %9lld", name, (long long)hdr_total_count(h));
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		fprintf(out, " %9s", fmt_ns(b, sizeof(b), hdr_value_at_percentile(h, pcts[i]),
					      FMT_NS_SHORT, 0));
	fprintf(out, " %9s\n", fmt_ns(b, sizeof(b), hdr_max(h), FMT_NS_SHORT, 0));
}

int spanreport_table(const struct spanreport *r, FILE *out)
{
	char name[256];

	fprintf(out, "%-28s %9s %9s %9s %9s %9s %9s\n", "span", "count", "p50", "p90", "p99",
		"p99.9", "max");
	for (size_t i = 0; i < r->n; i++) {
		const struct tagged *svc;

		if (is_service(r->t[i].tag))
			continue;
		row(r->t[i].tag[0] ? r->t[i].tag : "(untagged)", r->t[i].h, out);
		snprintf(name, sizeof(name), "%s" SERVICE_SUFFIX, r->t[i].tag);
		svc = find(r, name);
		if (svc) {
			snprintf(name, sizeof(name), "  service (from begin)");
			row(name, svc->h, out);
		}
	}
	if (r->n && find(r, "") == NULL)
		fprintf(out, "latency: from the intended start (coordinated omission corrected); "
			"service: from the actual begin, what a closed-loop measurement reports\n");
	return ferror(out) ? -EIO : 0;
}

const struct hdr *spanreport_durations(const struct spanreport *r, const char *name)
{
	char tag[256];
	const struct tagged *t;

	snprintf(tag, sizeof(tag), "%s" SERVICE_SUFFIX, name);
	t = find(r, tag);
	if (!t)
		t = find(r, name);
	return t ? t->h : NULL;
}

static const struct profile_label *label(const struct profile_sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i].key, key) == 0)
			return &s->labels[i];
	return NULL;
}

/* The lowest span_ns at or above percentile pct of name: the lowest value of
 * the bucket that holds the percentile, so that spans equal to it count. */
static int64_t threshold(const struct hdr *h, double pct)
{
	return hdr_lowest_equivalent(h, hdr_value_at_percentile(h, pct));
}

long spanreport_filter(struct profile *p, const struct spanreport_filter *f, const char **missing)
{
	long kept = 0;

	*missing = NULL;
	for (size_t i = 0; i < p->n_samples; i++) {
		struct profile_sample *s = &p->samples[i];
		const struct profile_label *id = label(s, "trace_id"), *ns = label(s, "span_ns");
		const struct profile_label *name = label(s, "span");
		int keep = 1;

		if (f->trace_id)
			keep = id && id->str && strcmp(id->str, f->trace_id) == 0;
		if (keep && f->slower_ns >= 0)
			keep = ns && !ns->str && ns->num > f->slower_ns;
		if (keep && f->slower_pct >= 0) {
			const struct hdr *h;

			keep = ns && !ns->str && name && name->str;
			h = keep ? spanreport_durations(f->r, name->str) : NULL;
			if (keep && !h) {
				*missing = name->str;
				return -ENOENT;
			}
			keep = keep && ns->num >= threshold(h, f->slower_pct);
		}
		if (keep)
			kept++;
		else
			memset(s->values, 0, p->n_types * sizeof(*s->values));
	}
	return kept;
}

struct share {
	const char *name;
	int64_t slow, other;
};

static int share_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct share *)a)->name, ((const struct share *)b)->name);
}

static double frac(int64_t v, int64_t total)
{
	return total ? (double)v / (double)total : 0.0;
}

/* Sort key of the output: the larger share gained in slow spans first. */
struct shown {
	const char *name;
	double slow, other;
};

static int shown_cmp(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;
	double dx = x->slow - x->other, dy = y->slow - y->other;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

int spanreport_compare(struct profile *p, size_t type, const struct spanreport *r, double pct_slow,
		       size_t n, FILE *out)
{
	struct share *sh = NULL;
	struct shown *rows = NULL;
	size_t n_sh = 0, cap_sh = 0, n_rows = 0, cap_rows = 0, cap_names = 0;
	const char **names = NULL;
	int64_t tot_slow = 0, tot_other = 0;
	int err = 0;

	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct profile_label *ns = label(s, "span_ns"), *name = label(s, "span");
		const struct hdr *h;
		int64_t v = s->values[type];
		int slow, nf;

		if (!v || !ns || ns->str || !name || !name->str)
			continue;
		h = spanreport_durations(r, name->str);
		if (!h)
			continue;
		/* The baseline is every other span, not those at or below the median:
		 * a sample lengthens the span it lands in (the interrupt, the stack
		 * copy), so on a busy machine hardly a sampled span stays at or
		 * below the median, and the comparison would have no baseline. */
		slow = ns->num >= threshold(h, pct_slow);
		nf = profile_sample_stack(p, s, PROFILE_LEAF_FIRST, &names, &cap_names);
		if (nf < 0) {
			err = nf;
			goto out;
		}
		if (util_grow(&sh, &cap_sh, n_sh + 1, sizeof(*sh)) < 0) {
			err = -ENOMEM;
			goto out;
		}
		sh[n_sh].name = names[0];
		sh[n_sh].slow = slow ? v : 0;
		sh[n_sh].other = slow ? 0 : v;
		n_sh++;
		tot_slow += slow ? v : 0;
		tot_other += slow ? 0 : v;
	}
	if (!tot_slow || !tot_other) {
		err = -ENOENT;
		goto out;
	}
	util_sort(sh, n_sh, sizeof(*sh), share_name_cmp);
	for (size_t i = 0; i < n_sh;) {
		struct shown row = { sh[i].name, 0, 0 };
		int64_t a = 0, b = 0;

		for (; i < n_sh && strcmp(sh[i].name, row.name) == 0; i++) {
			a += sh[i].slow;
			b += sh[i].other;
		}
		row.slow = frac(a, tot_slow);
		row.other = frac(b, tot_other);
		if (row.slow <= row.other)
			continue;
		if (util_grow(&rows, &cap_rows, n_rows + 1, sizeof(*rows)) < 0) {
			err = -ENOMEM;
			goto out;
		}
		rows[n_rows++] = row;
	}
	util_sort(rows, n_rows, sizeof(*rows), shown_cmp);
	fprintf(out, "functions with a larger share in slow spans (>= p%g) than in the other spans: "
		"flat share of %s\n", pct_slow, p->types[type].type);
	fprintf(out, "%8s %8s %8s  %s\n", "slow%", "other%", "diff", "name");
	for (size_t i = 0; i < n_rows && (!n || i < n); i++)
		fprintf(out, "%7.2f%% %7.2f%% %+7.2f  %s\n", 100 * rows[i].slow, 100 * rows[i].other,
			100 * (rows[i].slow - rows[i].other), rows[i].name);
	err = ferror(out) ? -EIO : 0;
out:
	free(sh);
	free(rows);
	free(names);
	return err;
}

int spanreport_parse_slower(const char *s, double *pct, int64_t *ns)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v;

	*pct = -1;
	*ns = -1;
	if (s[0] == 'p' || s[0] == 'P') {
		v = strtod(s + 1, &end);
		if (end == s + 1 || *end || !(v > 0 && v < 100))
			return -EINVAL;
		*pct = v;
		return 0;
	}
	v = strtod(s, &end);
	if (end == s || !(v >= 0))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].name) == 0 && v * units[i].ns < 9.2e18) {
			*ns = (int64_t)(v * units[i].ns);
			return 0;
		}
	}
	return -EINVAL;
}
