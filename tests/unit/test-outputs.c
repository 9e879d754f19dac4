/* test-outputs.c - folded stacks, the top table and the SVG flame graph, on a
 * small profile built by hand: an inlined location, a recursive stack, samples
 * that differ only in labels, names with XML and folded metacharacters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crafted.h"
#include "flamegraph.h"
#include "folded.h"
#include "profile.h"
#include "tags.h"
#include "text.h"
#include "tap.h"

#define MS 1000000LL
#define TEMPLATE "std::vector<a&b>::push_back"

static struct profile *build(void)
{
	struct profile *p = NULL;
	int64_t f_main, f_work, f_helper, f_rec, f_tmpl, f_semi, f_tiny;
	uint64_t l_main, l_work, l_rec, l_tmpl, l_semi, l_tiny;
	struct profile_label la = { .key = "thread", .str = "a" };
	struct profile_label lb = { .key = "thread", .str = "b" };

	if (profile_new(&p))
		return NULL;
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	f_main = profile_function(p, "main", "main", "main.c", 1);
	f_work = profile_function(p, "work", "work", "main.c", 10);
	f_helper = profile_function(p, "helper", "helper", "main.c", 20);
	f_rec = profile_function(p, "rec", "rec", "main.c", 30);
	f_tmpl = profile_function(p, TEMPLATE, "_ZNSt6vector", "", 0);
	f_semi = profile_function(p, "semi;colon\nnl", "semi", "", 0);
	f_tiny = profile_function(p, "tiny_fn", "tiny_fn", "", 0);
	{
		struct profile_line m[] = { { f_main, 2 } };
		/* helper inlined into work: innermost first */
		struct profile_line w[] = { { f_helper, 21 }, { f_work, 11 } };
		struct profile_line r[] = { { f_rec, 31 } };
		struct profile_line t[] = { { f_tmpl, 0 } };
		struct profile_line s[] = { { f_semi, 0 } };
		struct profile_line y[] = { { f_tiny, 0 } };

		l_main = profile_location(p, 0, 0x100, m, 1);
		l_work = profile_location(p, 0, 0x200, w, 2);
		l_rec = profile_location(p, 0, 0x300, r, 1);
		l_tmpl = profile_location(p, 0, 0x400, t, 1);
		l_semi = profile_location(p, 0, 0x500, s, 1);
		l_tiny = profile_location(p, 0, 0x600, y, 1);
	}
	{
		/* leaf first */
		uint64_t s1[] = { l_work, l_main };
		uint64_t s3[] = { l_rec, l_rec, l_rec, l_main };
		uint64_t s4[] = { l_main };
		uint64_t s5[] = { l_tmpl, l_main };
		uint64_t s6[] = { l_semi, l_main };
		uint64_t s7[] = { l_tiny, l_main };
		int64_t v1[] = { 1, 10 * MS }, v2[] = { 2, 20 * MS }, v3[] = { 3, 30 * MS };
		int64_t v4[] = { 4, 40 * MS }, v5[] = { 1, 5 * MS }, v6[] = { 1, 0 };
		int64_t v7[] = { 1, 1 };

		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 2, .location_ids = s1,
			.n_labels = 1, .labels = &la, .values = v1 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 2, .location_ids = s1,
			.n_labels = 1, .labels = &lb, .values = v2 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 4, .location_ids = s3, .values = v3 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 1, .location_ids = s4, .values = v4 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 2, .location_ids = s5, .values = v5 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 2, .location_ids = s6, .values = v6 });
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = 2, .location_ids = s7, .values = v7 });
	}
	return p;
}

/* Run a writer into a memory buffer; returns the writer's result. */
#define CAPTURE(buf, call) ({ \
	size_t len_; FILE *out = open_memstream(&(buf), &len_); int r_ = (call); \
	fclose(out); r_; })

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *c = hay; (c = strstr(c, needle)); c += strlen(needle))
		n++;
	return n;
}

/* The line of the top table that ends with "  name". */
static const char *row(const char *table, const char *name, char *buf, size_t len)
{
	char pat[128];
	const char *e, *b;

	snprintf(pat, sizeof(pat), "  %s\n", name);
	e = strstr(table, pat);
	if (!e)
		return "(no row)";
	for (b = e; b > table && b[-1] != '\n'; b--)
		;
	snprintf(buf, len, "%.*s", (int)(e - b + strlen(pat) - 1), b);
	return buf;
}

static void test_folded(struct profile *p)
{
	char *buf = NULL;
	const char **names = NULL;
	size_t cap = 0;
	int n;

	is_int(CAPTURE(buf, folded_write(p, 1, out)), 0, "folded cpu: ok");
	is_str(buf,
	       "main 40000000\n"
	       "main;rec;rec;rec 30000000\n"
	       "main;" TEMPLATE " 5000000\n"
	       "main;tiny_fn 1\n"
	       "main;work;helper 30000000\n",
	       "folded cpu: root first, inlined expanded, labels summed, zeros skipped, sorted");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, folded_write(p, 0, out)), 0, "folded samples: ok");
	ok(buf && strstr(buf, "\nmain;semi:colon nl 1\n"), "folded: ';' and newline sanitized");
	ok(buf && strstr(buf, "\nmain;work;helper 3\n"), "folded samples: labels summed");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, folded_write(p, 2, out)), -EINVAL, "folded: bad type");
	free(buf);

	n = profile_sample_stack(p, &p->samples[0], PROFILE_LEAF_FIRST, &names, &cap);
	is_int(n, 3, "frames: inlined location expands to two frames");
	if (n == 3) {
		is_str(names[0], "helper", "frames: innermost inlined first");
		is_str(names[1], "work", "frames: then its outer function");
		is_str(names[2], "main", "frames: root last");
	}
	n = profile_sample_stack(p, &p->samples[0], PROFILE_ROOT_FIRST, &names, &cap);
	is_int(n, 3, "frames root first: as many");
	if (n == 3) {
		is_str(names[0], "main", "frames root first: root first");
		is_str(names[1], "work", "frames root first: then the outer function");
		is_str(names[2], "helper", "frames root first: innermost inlined last");
	}
	free(names);
}

static void test_no_locations(struct profile *p)
{
	struct profile_sample s = { 0 };
	const char **names = NULL;
	size_t cap = 0;
	int n;

	n = profile_sample_stack(p, &s, PROFILE_ROOT_FIRST, &names, &cap);
	is_int(n, 1, "frames: a sample without locations has one frame");
	if (n == 1)
		is_str(names[0], "[unknown]", "frames: named [unknown]");
	free(names);
}

static void test_top(struct profile *p)
{
	char *buf = NULL, line[256];

	is_int(CAPTURE(buf, text_top(p, 1, 0, out)), 0, "top: ok");
	ok(buf && !strncmp(buf, "Total: 105ms cpu (nanoseconds)", 30), "top: header has total and unit");
	ok(buf && strstr(buf, "\n(no sampling interval: cpu is not a count of equal samples)\n") &&
	   !strstr(buf, "+-95%"), "top: cpu without a period: no interval, said why");
	is_str(row(buf, "main", line, sizeof(line)),
	       "    40.0ms  38.10%  38.10%      105ms 100.00%  main", "top: main flat and cum");
	is_str(row(buf, "helper", line, sizeof(line)),
	       "    30.0ms  28.57%  66.67%     30.0ms  28.57%  helper", "top: inlined leaf gets flat");
	is_str(row(buf, "rec", line, sizeof(line)),
	       "    30.0ms  28.57%  95.24%     30.0ms  28.57%  rec", "top: recursion counted once in cum");
	is_str(row(buf, "work", line, sizeof(line)),
	       "       0ns   0.00% 100.00%     30.0ms  28.57%  work", "top: caller of inlined: cum only");
	ok(buf && strstr(buf, "  " TEMPLATE "\n"), "top: template row");
	/* sorted by flat: main, then helper before rec (tie broken by name) */
	ok(buf && strstr(buf, "  main\n") < strstr(buf, "  helper\n") &&
	   strstr(buf, "  helper\n") < strstr(buf, "  rec\n") &&
	   strstr(buf, "  tiny_fn\n") < strstr(buf, "  work\n"), "top: rows sorted by flat");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, text_top(p, 0, 2, out)), 0, "top -n 2: ok");
	is_int(buf ? count(buf, "\n") : -1, 7,
	       "top -n 2: header, column line, two rows and three notes (low confidence, interval, run)");
	/* samples: 4 of 13, Wilson 95% [12.68%, 57.63%]: 26.86 points above 30.77% */
	is_str(row(buf, "main", line, sizeof(line)),
	       "         4  30.77%  30.77%         13 100.00%        4*  26.86  main",
	       "top samples: main's samples, marked low, and its interval");
	ok(buf && strstr(buf, "Total: 13 samples (count) in 13 samples;"), "top samples: the sample count");
	ok(buf && strstr(buf, "\n* fewer than 30 samples: low confidence\n"), "top samples: the mark said");
	ok(buf && strstr(buf, "\n+-1 point on a share of 30.8% needs 8184 samples (this run: 13)\n"),
	   "top samples: +-1 point on the widest interval shown needs 8184 samples");
	ok(buf && strstr(buf, "showing 2 of 7 functions"), "top -n 2: says how many");
	ok(buf && strstr(buf, "  semi:colon nl\n") == NULL && strstr(buf, "  main\n"),
	   "top -n 2: main kept");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, text_top(p, 5, 0, out)), -EINVAL, "top: bad type");
	free(buf);
}

static void test_svg(struct profile *p)
{
	char *buf = NULL, path[] = "/tmp/hwprof-test-XXXXXX";
	FILE *f;
	int fd;

	is_int(CAPTURE(buf, flamegraph_write_svg(p, 1, "cpu <&> test", out)), 0, "svg: ok");
	if (!buf)
		return;
	ok(!strncmp(buf, "<?xml ", 6), "svg: XML declaration first");
	is_int(count(buf, "<svg "), 1, "svg: one <svg>");
	is_int(count(buf, "</svg>"), 1, "svg: one </svg>");
	ok(strlen(buf) > 7 && !strcmp(buf + strlen(buf) - 7, "</svg>\n"), "svg: ends with </svg>");
	is_int(count(buf, "<g "), count(buf, "</g>"), "svg: <g> balanced");
	is_int(count(buf, "<text"), count(buf, "</text>"), "svg: <text> balanced");
	is_int(count(buf, "<title>"), count(buf, "</title>"), "svg: <title> balanced");
	is_int(count(buf, "<script"), 1, "svg: has a script");
	ok(strstr(buf, "<![CDATA[") != NULL, "svg: script in CDATA");
	ok(strstr(buf, "<title>main (105ms, 100.00%)</title>"), "svg: main title with value and percent");
	ok(strstr(buf, "<title>helper (30.0ms, 28.57%)</title>"), "svg: inlined helper");
	ok(strstr(buf, "<title>work (30.0ms, 28.57%)</title>"), "svg: work");
	is_int(count(buf, "<title>rec ("), 3, "svg: three rec frames for recursion");
	ok(strstr(buf, "<title>all (105ms, 100.00%)</title>"), "svg: root");
	ok(strstr(buf, "<title>std::vector&lt;a&amp;b&gt;::push_back (5.00ms, 4.76%)</title>"),
	   "svg: name escaped in title");
	ok(strstr(buf, ">std:..</text>"), "svg: narrow frame label truncated with ..");
	ok(!strstr(buf, "<a&b>"), "svg: no raw markup from names");
	ok(strstr(buf, "cpu &lt;&amp;&gt; test"), "svg: title escaped");
	ok(!strstr(buf, "tiny_fn"), "svg: frame under 0.1%% elided");
	ok(!strstr(buf, "semi"), "svg: zero-valued frame absent");

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f && system("command -v xmllint >/dev/null 2>&1") == 0) {
		char cmd[128];

		fputs(buf, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
		is_int(system(cmd), 0, "svg: xmllint --noout accepts it");
	} else {
		if (f)
			fclose(f);
		ok(1, "# SKIP xmllint not installed");
	}
	if (fd >= 0)
		unlink(path);
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, flamegraph_write_svg(p, 9, NULL, out)), -EINVAL, "svg: bad type");
	free(buf);
}

static void test_tags(struct profile *p)
{
	char *buf = NULL;

	is_int(CAPTURE(buf, tags_write(p, 1, out)), 0, "tags: ok");
	is_str(buf, "thread: Total 105ms\n      20.0ms ( 19.05%): b\n      10.0ms (  9.52%): a\n",
	       "tags: per label value, largest first, shares of the total");
	free(buf);
}

/* The first node named name at depth, or NULL. */
static const struct flamegraph_node *node(const struct flamegraph *g, const char *name,
					  uint32_t depth)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->nodes[i].depth == depth && !strcmp(g->nodes[i].name, name))
			return &g->nodes[i];
	return NULL;
}

static int near(double a, double b)
{
	return a - b < 0.001 && b - a < 0.001;
}

static void test_layout(struct profile *p)
{
	struct flamegraph *g = NULL;
	const struct flamegraph_node *all, *main_, *rec, *tmpl, *tiny, *work, *rec4;

	is_int(flamegraph_build(p, 9, &g), -EINVAL, "build: bad type");
	ok(g == NULL, "build: no graph for a bad type");
	is_int(flamegraph_build(p, 1, &g), 0, "build: ok");
	if (!g)
		return;
	is_int(g->total, 105 * MS + 1, "build: total of the positive values");
	is_int(g->n, 9, "build: one node per distinct path, none for zero values");
	is_int(flamegraph_layout(g), 0, "layout: ok");
	all = &g->nodes[0];
	main_ = node(g, "main", 1);
	rec = node(g, "rec", 2);
	tmpl = node(g, TEMPLATE, 2);
	tiny = node(g, "tiny_fn", 2);
	work = node(g, "work", 2);
	rec4 = node(g, "rec", 4);
	if (!main_ || !rec || !tmpl || !tiny || !work || !rec4) {
		ok(0, "layout: nodes found");
		flamegraph_free(g);
		return;
	}
	ok(near(all->x, 10) && near(all->width, 1180), "layout: the root spans the image");
	ok(near(main_->x, 10) && near(main_->width, 1180), "layout: an only child as wide as its parent");
	ok(near(rec->x, 10) && near(rec->width, 1180.0 * 30 / 105),
	   "layout: the first child by name at its parent's left edge");
	ok(near(tmpl->x, rec->x + rec->width), "layout: the next sibling by name right of it");
	ok(near(tiny->x + tiny->width, work->x), "layout: siblings side by side");
	ok(near(work->x + work->width, 10 + 1180.0 * 65 / 105),
	   "layout: the parent's own value right of its children");
	ok(near(rec4->x, 10), "layout: a recursion's frames stacked on each other");
	ok(!tiny->drawn && work->drawn, "layout: frames under 0.1%% not drawn");
	is_int(g->max_depth, 4, "layout: max depth of the drawn frames");
	is_int(g->order[0], 0, "layout: the root drawn first");
	flamegraph_free(g);
	flamegraph_free(NULL);
}

static void says_changed(FILE *out, const struct flamegraph *g, const void *ctx)
{
	(void)g;
	flamegraph_put_text(out, ctx);
}

static void change_of(FILE *out, const struct flamegraph *g, const struct flamegraph_node *nd,
		      const void *ctx)
{
	(void)g;
	(void)ctx;
	fprintf(out, "%+d", nd == &g->nodes[0] ? 0 : 7);
}

/* Another graph reuses build and layout, and changes colours and words only. */
static void test_own_words(struct profile *p)
{
	struct flamegraph *g = NULL;
	struct flamegraph_words w = { "diff", says_changed, change_of, "red <grew>" };
	char *buf = NULL, *plain = NULL;
	struct flamegraph_node *main_ = NULL;

	if (flamegraph_build(p, 1, &g) || flamegraph_layout(g)) {
		ok(0, "own words: graph");
		flamegraph_free(g);
		return;
	}
	is_int(CAPTURE(plain, flamegraph_emit(g, NULL, out)), 0, "emit with the default words: ok");
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[i].name, "main"))
			main_ = &g->nodes[i];
	if (main_)
		main_->rgb = 0x0000ff;
	is_int(CAPTURE(buf, flamegraph_emit(g, &w, out)), 0, "emit with own words: ok");
	ok(plain && strstr(plain, "<title>main (105ms, 100.00%)</title>"), "default words: value and share");
	ok(buf && strstr(buf, ">diff</text>"), "own words: title");
	ok(buf && strstr(buf, ">red &lt;grew&gt;</text>"), "own words: subtitle, escaped");
	ok(buf && strstr(buf, "<title>main (+7)</title>") && strstr(buf, "<title>all (+0)</title>"),
	   "own words: tooltips");
	ok(buf && strstr(buf, "fill=\"rgb(0,0,255)\"/><text x=\"13.00\" y=\"120\">main</text>"),
	   "own colour: main blue");
	ok(buf && plain && strlen(buf) > 200 && !strcmp(strstr(buf, "<script"), strstr(plain, "<script")),
	   "own words: the same script");
	free(buf);
	free(plain);
	flamegraph_free(g);
}

static void test_empty(void)
{
	struct profile *p = NULL;
	char *buf = NULL;

	if (profile_new(&p) || profile_add_type(p, "cpu", "nanoseconds") < 0) {
		ok(0, "empty profile");
		profile_free(p);
		return;
	}
	is_int(CAPTURE(buf, folded_write(p, 0, out)), 0, "empty: folded ok");
	is_str(buf, "", "empty: folded prints nothing");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, flamegraph_write_svg(p, 0, NULL, out)), 0, "empty: svg ok");
	ok(buf && strstr(buf, "No samples") && strstr(buf, "</svg>"), "empty: svg says so");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, text_top(p, 0, 10, out)), 0, "empty: top ok");
	ok(buf && strstr(buf, "Total: 0ns cpu"), "empty: top total 0");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, tags_write(p, 0, out)), 0, "empty: tags ok");
	is_str(buf, "", "empty: no labels, no tags");
	free(buf);
	profile_free(p);
}

/* Control characters and invalid UTF-8 must not make the SVG invalid XML. */
static void test_weird_names(void)
{
	struct profile *p = NULL;
	struct profile_line l = { 0 };
	uint64_t loc;
	int64_t v = 7;
	char *buf = NULL;

	if (profile_new(&p) || profile_add_type(p, "cycles", "count") < 0) {
		ok(0, "weird: profile");
		profile_free(p);
		return;
	}
	l.function_id = profile_function(p, "x\001y\377z<\xed\xa0\x80", "x", "", 0);
	loc = profile_location(p, 0, 0x10, &l, 1);
	profile_add_sample(p, &(struct profile_sample){
		.n_locations = 1, .location_ids = &loc, .values = &v });
	is_int(CAPTURE(buf, flamegraph_write_svg(p, 0, NULL, out)), 0, "weird: svg ok");
	ok(buf && strstr(buf, "<title>x y?z&lt;??? (7 cycles, 100.00%)</title>"),
	   "weird: control char -> space, invalid UTF-8 -> '?', count unit named by type");
	free(buf);
	profile_free(p);
}

/* Values from a file can be anything: sums saturate at INT64_MAX instead of
 * wrapping to a negative total. */
static void test_saturation(void)
{
	uint64_t a[2], b[2];
	struct profile *p = crafted_new(a, b);
	struct flamegraph *g = NULL;
	char *buf = NULL;

	/* main;a twice (apart by their labels), main;b once, each INT64_MAX. */
	if (!p || crafted_add(p, a, "thread", "1", INT64_MAX) || crafted_add(p, a, "thread", "2", INT64_MAX) ||
	    crafted_add(p, b, "thread", "1", INT64_MAX)) {
		ok(0, "saturation: profile");
		profile_free(p);
		return;
	}

	is_int(CAPTURE(buf, text_top(p, 0, 0, out)), 0, "saturation: top ok");
	ok(buf && strstr(buf, "Total: 9223372036854775807 events") && !strstr(buf, " -"),
	   "saturation: top total and columns held at INT64_MAX, none negative");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, folded_write(p, 0, out)), 0, "saturation: folded ok");
	is_str(buf, "main;a 9223372036854775807\nmain;b 9223372036854775807\n",
	       "saturation: folded sums of one stack held at INT64_MAX");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, tags_write(p, 0, out)), 0, "saturation: tags ok");
	ok(buf && strstr(buf, "thread: Total 9223372036854775807") && !strstr(buf, "-"),
	   "saturation: tag values and total held at INT64_MAX");
	free(buf);
	buf = NULL;
	if (ok(flamegraph_build(p, 0, &g) == 0, "saturation: flame graph built")) {
		ok(g->total == INT64_MAX && g->nodes[0].value == INT64_MAX,
		   "saturation: the root's value held at INT64_MAX");
		is_int(flamegraph_layout(g), 0, "saturation: laid out");
		ok(g->nodes[0].width > 0, "saturation: the root has a width");
		flamegraph_free(g);
	}
	is_int(CAPTURE(buf, flamegraph_write_svg(p, 0, NULL, out)), 0, "saturation: svg ok");
	ok(buf && !strstr(buf, "(-"), "saturation: no negative value in the svg");
	free(buf);
	profile_free(p);
}

int main(void)
{
	struct profile *p = build();

	ok(p != NULL, "build profile");
	if (!p)
		return done_testing();
	test_folded(p);
	test_no_locations(p);
	test_top(p);
	test_tags(p);
	test_svg(p);
	test_layout(p);
	test_own_words(p);
	test_empty();
	test_weird_names();
	test_saturation();
	profile_free(p);
	return done_testing();
}
