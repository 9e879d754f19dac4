/* test-diff.c - two profiles built by hand, compared: names matched without
 * clone suffixes and addresses, exact deltas per function and stack, the
 * noise mark, normalization, the folded lines, the differential pprof and
 * the colours of the differential flame graph. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "diffpprof.h"
#include "diffsvg.h"
#include "pprof.h"
#include "profile.h"
#include "tap.h"

#define MS 1000000LL

#define CAPTURE(buf, call) ({ \
	size_t len_; FILE *out = open_memstream(&(buf), &len_); int r_ = (call); \
	fclose(out); r_; })

/* Add n samples of 1 ms each along stack ("main;mid;leaf", root first). */
static void add(struct profile *p, const char *stack, int64_t n)
{
	char copy[256], *save = NULL;
	uint64_t ids[16];
	const char *names[16];
	size_t k = 0;
	int64_t v[2] = { n, n * MS };

	snprintf(copy, sizeof(copy), "%s", stack);
	for (char *t = strtok_r(copy, ";", &save); t && k < 16; t = strtok_r(NULL, ";", &save))
		names[k++] = t;
	/* Leaf first, one location per frame, at an address made of its name. */
	for (size_t i = 0; i < k; i++) {
		const char *name = names[k - 1 - i];
		struct profile_line l = { (uint64_t)profile_function(p, name, name, "x.c", 1), 0 };

		ids[i] = (uint64_t)profile_location(p, 0, 0x1000 + strlen(name) * 64 + (uint8_t)name[0],
						    &l, 1);
	}
	profile_add_sample(p, &(struct profile_sample){ .n_locations = k, .location_ids = ids,
							.values = v });
}

static struct profile *build(int new)
{
	struct profile *p = NULL;

	if (profile_new(&p))
		return NULL;
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	profile_set_period(p, "cpu", "nanoseconds", MS);
	p->default_sample_type = 1;
	p->duration_nanos = new ? 400 * MS : 200 * MS;
	add(p, "main;hot", new ? 160 : 100);
	add(p, "main;steady", new ? 52 : 50);
	add(p, new ? "main;cool" : "main;cool.isra.0", new ? 40 : 80);
	add(p, "main;mid;leaf", new ? 31 : 30);
	add(p, new ? "main;fresh" : "main;gone", new ? 25 : 20);
	return p;
}

static void test_names(void)
{
	static const char *const cases[][2] = {
		{ "foo.isra.0", "foo" }, { "foo.constprop.0.isra.0", "foo" }, { "foo.part.1.cold", "foo" },
		{ "foo.cold", "foo" }, { "foo.lto_priv.0", "foo" }, { "foo.llvm.1234567", "foo" },
		{ "com.example.part.run", "com.example.part.run" }, { "v1.2", "v1.2" },
		{ "f(int) [clone .isra.0] [clone .cold]", "f(int)" }, { "0x7f001234", "[unknown]" },
		{ "libc.so.6+0x1a2b", "libc.so.6" }, { "[kernel]+0xffff", "[kernel]" },
		{ "LazyCompile:*foo app.js:10 0x3e2a", "LazyCompile:*foo app.js:10" },
		{ "stub@0x7f00", "stub" }, { "jit_fn [0x7f00]", "jit_fn" }, { "", "[unknown]" },
		{ "a+b", "a+b" }, { ".isra.0", ".isra.0" }, { "operator+", "operator+" },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(diff_match_name(cases[i][0], buf, sizeof(buf)), cases[i][1], "match name '%s'",
		       cases[i][0]);
}

static const struct diff_fn *fn(const struct diff *d, const char *name)
{
	for (size_t i = 0; i < d->n_fns; i++)
		if (!strcmp(d->fns[i].name, name))
			return &d->fns[i];
	return NULL;
}

/* The table row of name (its line), or "". */
static const char *row(const char *table, const char *name, char *buf, size_t len)
{
	char pat[64];
	const char *e, *b;

	snprintf(pat, sizeof(pat), "  %s\n", name);
	e = table ? strstr(table, pat) : NULL;
	if (!e)
		return "";
	for (b = e; b > table && b[-1] != '\n'; b--)
		;
	snprintf(buf, len, "%.*s", (int)(e - b + strlen(pat) - 1), b);
	return buf;
}

static void test_tally(const struct diff *d)
{
	const struct diff_fn *f;

	is_int(d->sides[0].total, 280 * MS, "base total 280 ms");
	is_int(d->sides[1].total, 308 * MS, "new total 308 ms");
	is_int(d->sides[0].samples, 280, "base: 280 samples counted");
	f = fn(d, "cool");
	ok(f && f->self[0] == 80 * MS && f->self[1] == 40 * MS && f->self_n[0] == 80,
	   "cool.isra.0 in BASE and cool in NEW are one function: 80 ms -> 40 ms");
	ok(!fn(d, "cool.isra.0"), "no row for the clone's own name");
	f = fn(d, "main");
	ok(f && f->cum[0] == 280 * MS && f->cum[1] == 308 * MS && f->self[0] == 0,
	   "main: cum is the whole, self nothing");
	f = fn(d, "mid");
	ok(f && f->cum[1] == 31 * MS && f->self[1] == 0, "mid: cum only");
	f = fn(d, "gone");
	ok(f && f->self[0] == 20 * MS && f->self[1] == 0, "gone: BASE only");
	f = fn(d, "fresh");
	ok(f && f->self[0] == 0 && f->self[1] == 25 * MS, "fresh: NEW only");
	is_int(d->n_stacks, 6, "six distinct stacks over both sides");
}

static void test_table(const struct diff *d, const struct diff_view *v)
{
	char *buf = NULL, line[256];

	is_int(CAPTURE(buf, diff_write_table(d, v, out)), 0, "table: ok");
	ok(buf && strstr(buf, "BASE b.pb.gz: 280ms cpu in 280 samples over 200ms\n"), "table: BASE line");
	ok(buf && strstr(buf, "Change: +28.0ms (+10.0%); values as recorded"), "table: total change");
	is_str(row(buf, "hot", line, sizeof(line)),
	       "     100ms      160ms    +60.0ms   +60.0%        100ms      160ms    +60.0ms   +60.0%    hot",
	       "table: hot +60 ms, beyond the noise (2 sqrt(260) = 32 samples)");
	is_str(row(buf, "steady", line, sizeof(line)),
	       "    50.0ms     52.0ms    +2.00ms    +4.0% ~     50.0ms     52.0ms    +2.00ms    +4.0% ~  steady",
	       "table: steady +2 ms, within the noise");
	is_str(row(buf, "fresh", line, sizeof(line)),
	       "       0ns     25.0ms    +25.0ms      new          0ns     25.0ms    +25.0ms      new    fresh",
	       "table: fresh is new");
	is_str(row(buf, "gone", line, sizeof(line)),
	       "    20.0ms        0ns    -20.0ms  -100.0%       20.0ms        0ns    -20.0ms  -100.0%    gone",
	       "table: gone -100%%, beyond the noise (2 sqrt(20) = 9 samples)");
	ok(buf && strstr(buf, "  hot\n") < strstr(buf, "  cool\n") &&
	   strstr(buf, "  cool\n") < strstr(buf, "  fresh\n") &&
	   strstr(buf, "  fresh\n") < strstr(buf, "  gone\n"), "table: by |delta self|");
	free(buf);
}

static void test_norm(struct diff *d, struct diff_view *v)
{
	char *buf = NULL, line[256], why[256];

	ok(fabs(diff_base_scale(d, DIFF_NORM_SHARE) - 308.0 / 280) < 1e-12, "share: NEW total / BASE");
	ok(diff_base_scale(d, DIFF_NORM_TIME) == 2, "time: NEW duration / BASE");
	ok(diff_base_scale(d, DIFF_NORM_NONE) == 1, "none: 1");
	is_str(diff_suggest_norm(d, why, sizeof(why)),
	       "BASE and NEW differ by more than 10% in their durations",
	       "the durations differ by more than 10%%, the totals by 10%% exactly");
	v->norm = DIFF_NORM_SHARE;
	v->kb = diff_base_scale(d, DIFF_NORM_SHARE);
	is_int(CAPTURE(buf, diff_write_table(d, v, out)), 0, "share table: ok");
	/* hot: 100/280 = 35.71% -> 160/308 = 51.95% */
	is_str(row(buf, "hot", line, sizeof(line)),
	       "    35.71%     51.95%    +16.23%   +45.5%       35.71%     51.95%    +16.23%   +45.5%    hot",
	       "share table: hot 35.71%% -> 51.95%%");
	ok(buf && strstr(buf, "Totals as recorded: +28.0ms (+10.0%)"), "share table: the totals still said");
	free(buf);
	v->norm = DIFF_NORM_NONE;
	v->kb = 1;
}

static void test_folded(const struct diff *d, struct diff_view *v)
{
	char *buf = NULL;

	is_int(CAPTURE(buf, diff_write_folded(d, v, out)), 0, "folded: ok");
	is_str(buf,
	       "main;cool 80000000 40000000\n"
	       "main;fresh 0 25000000\n"
	       "main;gone 20000000 0\n"
	       "main;hot 100000000 160000000\n"
	       "main;mid;leaf 30000000 31000000\n"
	       "main;steady 50000000 52000000\n",
	       "folded: stack BASE NEW, sorted, clones matched");
	free(buf);
	v->kb = 2;
	buf = NULL;
	CAPTURE(buf, diff_write_folded(d, v, out));
	ok(buf && strstr(buf, "main;hot 200000000 160000000\n"), "folded: BASE scaled by kb");
	free(buf);
	v->kb = 1;
}

/* Sum of type `t` over samples with (base) or without the pprof::base label. */
static int64_t sum(const struct profile *p, size_t t, int base)
{
	int64_t s = 0;

	for (size_t i = 0; i < p->n_samples; i++)
		if (!!profile_sample_label(&p->samples[i], "pprof::base") == base)
			s += p->samples[i].values[t];
	return s;
}

static void test_pprof(struct profile *b, struct profile *n)
{
	struct profile *dp = NULL, *back = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int clone = 0, kept = 0;

	is_int(diffpprof_build(b, n, 1, "a comment", &dp), 0, "pprof: built");
	if (!dp)
		return;
	is_int(dp->n_types, 2, "pprof: both types");
	is_int(dp->default_sample_type, 1, "pprof: NEW's default type");
	is_int(sum(dp, 1, 0), 308 * MS, "pprof: NEW's samples as they are");
	is_int(sum(dp, 1, 1), -280 * MS, "pprof: BASE's negated and labelled pprof::base=true");
	is_int(sum(dp, 0, 1), -280, "pprof: the sample counts too");
	for (size_t i = 0; i < dp->n_functions; i++) {
		clone += !strcmp(dp->functions[i].name, "cool.isra.0");
		kept += !strcmp(dp->functions[i].name, "cool") &&
			!strcmp(dp->functions[i].system_name, "cool.isra.0");
	}
	ok(!clone && kept == 1, "pprof: BASE's cool.isra.0 named cool (its system name kept)");
	ok(diff_is_differential(dp) && !diff_is_differential(n), "pprof: a differential profile");
	ok(pprof_encode(dp, &buf, &len) == 0 && pprof_decode(buf, len, &back) == 0 &&
	   back && sum(back, 1, 1) == -280 * MS, "pprof: encodes and reads back");
	profile_free(back);
	profile_free(dp);
	free(buf);
	dp = NULL;
	is_int(diffpprof_build(b, n, 0.5, NULL, &dp), 0, "pprof scaled: built");
	ok(dp && sum(dp, 1, 1) == -140 * MS, "pprof: BASE scaled by kb before negation");
	profile_free(dp);
}

/* The fill of the frame whose tooltip starts with "name (", after `from`. */
static const char *fill_of(const char *svg, const char *from, const char *name, char *buf, size_t len)
{
	char pat[64];
	const char *t = from ? strstr(svg, from) : svg, *f;

	snprintf(pat, sizeof(pat), "<title>%s (", name);
	t = t ? strstr(t, pat) : NULL;
	f = t ? strstr(t, "fill=\"") : NULL;
	if (!f)
		return "";
	snprintf(buf, len, "%.*s", (int)strcspn(f + 6, "\""), f + 6);
	return buf;
}

static void test_svg(const struct diff *d, const struct diff_view *v)
{
	char *buf = NULL, c[32];
	const char *vanished;

	is_int(CAPTURE(buf, diffsvg_write(d, v, "T", out)), 0, "svg: ok");
	if (!buf)
		return;
	vanished = strstr(buf, "Vanished since BASE");
	ok(vanished != NULL, "svg: a section for the vanished stacks");
	is_str(fill_of(buf, NULL, "fresh", c, sizeof(c)), "rgb(80,190,80)", "svg: fresh is new: green");
	is_str(fill_of(buf, NULL, "steady", c, sizeof(c)), "rgb(200,200,200)", "svg: steady within noise: grey");
	/* hot +60%: deepest red (a change of half the BASE value or more) */
	is_str(fill_of(buf, NULL, "hot", c, sizeof(c)), "rgb(210,30,20)", "svg: hot grew: red");
	is_str(fill_of(buf, NULL, "cool", c, sizeof(c)), "rgb(30,80,210)", "svg: cool halved: blue");
	ok(strstr(buf, "<title>hot (new 160ms, base 100ms, delta +60.0ms (+60.0%))</title>"),
	   "svg: tooltip with both values, delta and delta%%");
	ok(!strstr(buf, "<title>gone (") || strstr(buf, "<title>gone (") > vanished,
	   "svg: gone is not in NEW's graph");
	is_str(fill_of(buf, "Vanished since BASE", "gone", c, sizeof(c)), "rgb(50,80,200)",
	       "svg: gone in the vanished section");
	is_str(fill_of(buf, "Vanished since BASE", "main", c, sizeof(c)), "rgb(232,232,222)",
	       "svg: its caller main, still in NEW, pale");
	ok(strstr(buf, "<title>gone (base 20.0ms, 7.14% of BASE; gone in NEW)</title>"),
	   "svg: vanished tooltip with its BASE value and share");
	free(buf);
}

static void test_types(struct profile *b, struct profile *n)
{
	struct diff_pick pk = { -1, -1, "" };

	is_int(diff_pick_type(b, n, NULL, &pk), 0, "pick: default");
	ok(pk.tb == 1 && pk.tn == 1 && !pk.dropped[0], "pick: cpu in both, nothing dropped");
	is_int(diff_pick_type(b, n, "wall", &pk), -ENOENT, "pick: no wall");
	{
		struct profile *w = NULL;

		profile_new(&w);
		profile_add_type(w, "wall", "nanoseconds");
		profile_add_type(w, "cpu", "nanoseconds");
		is_int(diff_pick_type(b, w, NULL, &pk), 0, "pick: cpu");
		ok(pk.tb == 1 && pk.tn == 1, "pick: cpu, the first type in common that is not samples");
		is_str(pk.dropped, "samples (BASE only), wall (NEW only)",
		       "pick: the others named as dropped");
		profile_free(w);
	}
}

static void test_refusals(void)
{
	struct profile *p = NULL, *q = NULL;
	struct diff *d = NULL;
	struct diff_pick pk;
	uint64_t id;
	int64_t v[1] = { -5 };

	profile_new(&p);
	profile_new(&q);
	profile_add_type(p, "cpu", "nanoseconds");
	profile_add_type(q, "alloc_space", "bytes");
	is_int(diff_pick_type(p, q, NULL, &pk), -EINVAL, "no type in common: -EINVAL");
	is_str(pk.dropped, "cpu (BASE only), alloc_space (NEW only)", "both named");
	{
		struct profile_line l = { (uint64_t)profile_function(p, "f", "f", "", 0), 0 };

		id = (uint64_t)profile_location(p, 0, 1, &l, 1);
	}
	profile_add_sample(p, &(struct profile_sample){ .n_locations = 1, .location_ids = &id,
							.values = v });
	diff_new(2, 0, &d);
	is_int(diff_tally(d, 0, p, 0), -EINVAL, "a negative value: -EINVAL");
	is_int(diff_tally(d, 2, p, 0), -EINVAL, "no such side: -EINVAL");
	diff_free(d);
	profile_free(p);
	profile_free(q);
	ok(diff_new(0, 0, &d) == -EINVAL && !d, "no sides: -EINVAL");
}

static void test_build_ids(struct profile *b, struct profile *n)
{
	char buf[256];

	profile_mapping(b, 0x1000, 0x2000, 0, "/usr/bin/app", "aaaa1111");
	profile_mapping(n, 0x5000, 0x6000, 0, "/opt/app", "bbbb2222");
	profile_mapping(n, 0x7000, 0x8000, 0, "/usr/lib/libz.so", "cccc");
	is_int(diff_build_id_notes(b, n, buf, sizeof(buf), 5), 1, "one file rebuilt");
	is_str(buf, "app: build id aaaa1111 in BASE, bbbb2222 in NEW\n", "named by its base name");
}

int main(void)
{
	struct profile *b = build(0), *n = build(1);
	struct diff_view v = { .norm = DIFF_NORM_NONE, .kb = 1, .base_file = "b.pb.gz",
			       .new_file = "n.pb.gz", .rows = 0 };
	struct diff *d = NULL;

	test_names();
	if (!b || !n || diff_new(2, 1, &d) || diff_tally(d, 0, b, 1) || diff_tally(d, 1, n, 1)) {
		ok(0, "profiles built and tallied");
		return done_testing();
	}
	v.type = n->types[1];
	test_tally(d);
	test_table(d, &v);
	test_norm(d, &v);
	test_folded(d, &v);
	test_svg(d, &v);
	test_pprof(b, n);
	test_types(b, n);
	test_build_ids(b, n);
	test_refusals();
	diff_free(d);
	profile_free(b);
	profile_free(n);
	return done_testing();
}
