/* test-gate.c - the gate on synthetic runs, where the statistics are the
 * point: each run draws its samples from designed shares (a seeded
 * generator, so the test is the same every time).  Same against same fails
 * at most 2 times in 20 (a false-failure rate of at most 10%); a function
 * grown 30% and a new function in the top 5 are caught; the reports name
 * them; counters from stat's JSON. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "gate.h"
#include "json.h"
#include "profile.h"
#include "tap.h"

#define CAPTURE(buf, call) ({ \
	size_t len_; FILE *out = open_memstream(&(buf), &len_); int r_ = (call); \
	fclose(out); r_; })

#define RUNS 8          /* a side */
#define SAMPLES 1000    /* a run: 0.2 s at 4999 Hz */
#define NAMES 8

static const char *const names[NAMES] = { "alpha", "bravo", "charlie", "delta", "echo",
					   "foxtrot", "golf", "hotel" };
/* Units of work per function: the workload of tests/integration/gate.sh. */
static const double before[NAMES] = { 40, 25, 20, 8, 4, 3, 0, 0 };

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* One run: SAMPLES samples of 1 ms drawn from the shares of work w. */
static struct profile *run(const double *w)
{
	struct profile *p = NULL;
	int64_t count[NAMES] = { 0 };
	double total = 0;

	for (int k = 0; k < NAMES; k++)
		total += w[k];
	for (int i = 0; i < SAMPLES; i++) {
		double u = uniform() * total;
		int k = 0;

		while (k < NAMES - 1 && (u -= w[k]) >= 0)
			k++;
		count[k]++;
	}
	if (profile_new(&p))
		return NULL;
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	profile_set_period(p, "cpu", "nanoseconds", 1000000);
	for (int k = 0; k < NAMES; k++) {
		struct profile_line l = { (uint64_t)profile_function(p, names[k], names[k], "", 0), 0 };
		uint64_t id = (uint64_t)profile_location(p, 0, 0x100 + (uint64_t)k, &l, 1);
		int64_t v[2] = { count[k], count[k] * 1000000 };

		if (count[k])
			profile_add_sample(p, &(struct profile_sample){ .n_locations = 1,
				.location_ids = &id, .values = v });
	}
	return p;
}

/* RUNS runs of work a against RUNS of work b, through the gate. */
static struct gate_result *gate(const double *a, const double *b, const struct gate_opts *o)
{
	struct gate_result *r = NULL;
	struct diff *d = NULL;

	if (diff_new(2 * RUNS, 0, &d))
		return NULL;
	for (int s = 0; s < 2 * RUNS; s++) {
		struct profile *p = run(s < RUNS ? a : b);

		if (!p || diff_tally(d, (size_t)s, p, 1)) {
			profile_free(p);
			diff_free(d);
			return NULL;
		}
		profile_free(p);
	}
	gate_profiles(d, RUNS, o, "cpu", "nanoseconds", &r);
	diff_free(d);
	return r;
}

static const struct gate_row *row(const struct gate_result *r, const char *name)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->rows[i].name, name))
			return &r->rows[i];
	return NULL;
}

static void test_rates(const struct gate_opts *o)
{
	double grown[NAMES], fresh[NAMES];
	int same_fail = 0, grown_found = 0, fresh_found = 0, wrong = 0;

	memcpy(grown, before, sizeof(grown));
	grown[2] *= 1.3;
	memcpy(fresh, before, sizeof(fresh));
	fresh[7] = 10;
	for (int rep = 0; rep < 20; rep++) {
		struct gate_result *s = gate(before, before, o), *g = gate(before, grown, o);
		struct gate_result *f = gate(before, fresh, o);
		const struct gate_row *c = row(g, "charlie"), *h = row(f, "hotel");

		same_fail += s && s->failures > 0;
		grown_found += c && c->fail;
		fresh_found += h && h->fail;
		/* Nothing but the changed function may fail. */
		wrong += (g && g->failures > (size_t)(c && c->fail)) ||
			 (f && f->failures > (size_t)(h && h->fail));
		gate_result_free(s);
		gate_result_free(g);
		gate_result_free(f);
	}
	ok(same_fail <= 2, "same against same: %d of 20 repetitions fail (at most 2: 10%%)", same_fail);
	ok(grown_found >= 18, "charlie grown 30%%: caught in %d of 20", grown_found);
	ok(fresh_found == 20, "hotel new in the top 5: caught in %d of 20", fresh_found);
	ok(wrong <= 2, "other functions failed alongside in %d of 40", wrong);
}

static void test_rules(const struct gate_opts *defaults)
{
	double grown[NAMES], fresh[NAMES];
	struct gate_opts o = *defaults;
	struct gate_result *r;
	const struct gate_row *c;

	memcpy(grown, before, sizeof(grown));
	grown[2] *= 1.3;
	r = gate(before, grown, &o);
	c = row(r, "charlie");
	ok(c && c->fail && c->rank_base == 3 && !strcmp(c->why, "grew more than 15% in the top 5"),
	   "charlie: fails, third by share, the reason said (%s)", c ? c->why : "no row");
	ok(c && c->test.exact && c->test.p < 0.05, "charlie: exact p %g", c ? c->test.p : 1);
	ok(r && r->rows[0].fail, "failures come first");
	ok(!row(r, "golf"), "a function in no run has no row");
	gate_result_free(r);
	o.max_growth = 0.40;
	r = gate(before, grown, &o);
	ok(r && !r->failures, "--max-growth 40: a 30%% growth passes");
	gate_result_free(r);
	o = *defaults;
	o.top = 2;
	r = gate(before, grown, &o);
	c = row(r, "charlie");
	ok(c && c->fail && c->rank_new == 2, "--top 2: charlie, third in BASE, second in NEW: fails");
	gate_result_free(r);
	o.top = 1;
	r = gate(before, grown, &o);
	c = row(r, "charlie");
	ok(c && !c->fail && !strcmp(c->why, "grew, outside the top 1"), "--top 1: charlie passes");
	gate_result_free(r);
	memcpy(fresh, before, sizeof(fresh));
	fresh[7] = 10;
	o = *defaults;
	r = gate(before, fresh, &o);
	c = row(r, "hotel");
	ok(c && c->fail && isinf(c->growth) && !strcmp(c->why, "entered the top 5"),
	   "hotel: entered the top 5 from nothing");
	gate_result_free(r);
	o.min_share = 0.2;
	r = gate(before, fresh, &o);
	ok(r && !row(r, "hotel") && !r->failures, "--min-share 20: hotel is ignored");
	gate_result_free(r);
	o = *defaults;
	o.total = 1;
	r = gate(before, before, &o);
	ok(r && r->n && !strcmp(r->rows[0].name, "total cpu") && !r->rows[0].fail,
	   "--total: a row for the total, first");
	gate_result_free(r);
}

static void test_reports(const struct gate_opts *o)
{
	double grown[NAMES];
	struct gate_result *r;
	char *buf = NULL;

	memcpy(grown, before, sizeof(grown));
	grown[2] *= 1.3;
	r = gate(before, grown, o);
	if (!r) {
		ok(0, "gate ran");
		return;
	}
	is_int(CAPTURE(buf, gate_write_markdown(r, 5, out)), 0, "markdown: ok");
	ok(buf && !strncmp(buf, "### hwprof gate: FAIL: 1 regression\n", 36), "markdown: the verdict first");
	ok(buf && strstr(buf, "\n| `charlie` | ") && strstr(buf, "**FAIL**: grew more than 15% in the top 5"),
	   "markdown: charlie named, with its verdict");
	ok(buf && strstr(buf, "|---|---:|---:|---:|---:|---|\n"), "markdown: a table");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, gate_write_junit(r, out)), 0, "junit: ok");
	ok(buf && strstr(buf, "<testsuites name=\"hwprof gate\" tests=\"") &&
	   strstr(buf, "failures=\"1\">"), "junit: one failure in the suite");
	ok(buf && strstr(buf, "<testcase classname=\"hwprof.gate\" name=\"charlie\"><failure message=\""),
	   "junit: charlie's test case failed");
	ok(buf && strstr(buf, "<testcase classname=\"hwprof.gate\" name=\"alpha\"></testcase>"),
	   "junit: alpha's passed");
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, gate_write_json(r, out)), 0, "json: ok");
	{
		struct json *j = NULL;

		ok(buf && json_parse(buf, strlen(buf), &j, NULL) == 0, "json: parses");
		ok(j && json_get(j, "verdict") && !strcmp(json_get(j, "verdict")->str, "fail") &&
		   json_get(j, "rows") && json_get(j, "rows")->n == r->n, "json: verdict and every row");
		json_free(j);
	}
	free(buf);
	buf = NULL;
	is_int(CAPTURE(buf, gate_write_table(r, out)), 0, "table: ok");
	ok(buf && strstr(buf, "FAIL    charlie (grew more than 15% in the top 5)\n"), "table: charlie");
	free(buf);
	gate_result_free(r);
}

static struct json *parse(const char *s)
{
	struct json *j = NULL;

	json_parse(s, strlen(s), &j, NULL);
	return j;
}

static void test_stat(const struct gate_opts *o)
{
	struct json *b = parse("{\"runs\": 5, \"events\": ["
			       "{\"name\": \"instructions\", \"supported\": true, \"values\": [1000, 1001, 999, 1002, 1000]},"
			       "{\"name\": \"task-clock\", \"supported\": true, \"values\": [5.1, 5.3, 4.9, 5.0, 5.2]},"
			       "{\"name\": \"cycles\", \"supported\": false, \"reason\": \"no PMU\"},"
			       "{\"name\": \"branches\", \"supported\": true, \"values\": [10, 11, 12, 10, 11]}]}");
	struct json *n = parse("{\"runs\": 5, \"events\": ["
			       "{\"name\": \"instructions\", \"supported\": true, \"values\": [1300, 1301, 1299, 1302, 1298]},"
			       "{\"name\": \"task-clock\", \"supported\": true, \"values\": [5.0, 5.4, 5.1, 4.8, 5.2]},"
			       "{\"name\": \"cycles\", \"supported\": false},"
			       "{\"name\": \"page-faults\", \"supported\": true, \"values\": [1, 2, 3, 4, 5]}]}");
	struct gate_result *r = NULL;
	char notes[256];
	int added;

	gate_counters(5, 5, o, &r);
	added = r ? gate_add_stat(r, b, n, notes, sizeof(notes)) : -1;
	is_int(added, 2, "stat: instructions and task-clock compared");
	is_str(notes, "cycles: not counted in 2 runs or more on both sides\nbranches: not in NEW\n"
	       "page-faults: not in BASE\n", "stat: the others named");
	if (r)
		gate_finish(r);
	ok(row(r, "instructions") && row(r, "instructions")->fail && r->failures == 1,
	   "stat: instructions +30%% fails, alone");
	ok(row(r, "task-clock") && !row(r, "task-clock")->fail, "stat: task-clock within the noise");
	gate_result_free(r);
	r = NULL;
	gate_counters(5, 5, o, &r);
	{
		struct json *bad = parse("{\"runs\": 5, \"events\": [{\"name\": \"x\", \"values\": [1, \"a\"]}]}");
		struct json *arr = parse("[]");

		is_int(r ? gate_add_stat(r, bad, n, notes, sizeof(notes)) : 0, -EINVAL,
		       "stat: a value that is not a number: -EINVAL");
		is_int(r ? gate_add_stat(r, n, arr, notes, sizeof(notes)) : 0, -EINVAL,
		       "stat: not stat's JSON: -EINVAL");
		json_free(bad);
		json_free(arr);
	}
	ok(gate_add_series(r, "x", (double[]){ 1 }, 1, (double[]){ 1, 2 }, 2) == -EINVAL,
	   "one value a side: -EINVAL");
	gate_result_free(r);
	json_free(b);
	json_free(n);
}

int main(void)
{
	struct gate_opts o;

	gate_opts_init(&o);
	ok(o.alpha == 0.05 && o.max_growth == 0.15 && o.min_share == 0.005 && o.top == 5,
	   "defaults: alpha 0.05, growth 15%%, share 0.5%%, top 5");
	test_rates(&o);
	test_rules(&o);
	test_reports(&o);
	test_stat(&o);
	{
		struct diff *d = NULL;
		struct gate_result *r = NULL;

		diff_new(3, 0, &d);
		ok(d && gate_profiles(d, 1, &o, "cpu", "", &r) == -EINVAL && !r,
		   "one BASE run: -EINVAL");
		diff_free(d);
	}
	return done_testing();
}
