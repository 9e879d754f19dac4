/* test-profile.c - interning, find-or-add dedup, sample aggregation, frames. */
#include "profile.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A sample of n_ location ids_, nl_ labels l_ and values v_. */
#define SAMPLE(ids_, n_, l_, nl_, v_) (&(struct profile_sample){ \
	.n_locations = (n_), .location_ids = (ids_), .n_labels = (nl_), .labels = (l_), .values = (v_) })

static void test_intern(void)
{
	struct profile *p;
	char buf[] = "hello";
	const char *a, *b, *c;

	is_int(profile_new(&p), 0, "profile_new");
	a = profile_intern(p, buf);
	buf[0] = 'j';
	b = profile_intern(p, "hello");
	c = profile_intern(p, buf);
	is_str(a, "hello", "interned string is a copy");
	ok(a == b, "same content, same pointer");
	ok(c != a, "different content, different pointer");
	is_str(c, "jello", "second string intact");
	ok(profile_intern(p, NULL) == NULL, "intern(NULL) is NULL");
	is_int(p->default_sample_type, -1, "no default sample type");
	is_str(p->period_type.type, "", "period type starts empty");
	profile_free(p);
	profile_free(NULL);
}

static void test_types(void)
{
	struct profile *p;
	uint64_t loc;
	int64_t v[1] = { 1 };
	int i, last = 0;

	profile_new(&p);
	is_int(profile_add_type(p, "samples", "count"), 0, "first type index 0");
	is_int(profile_add_type(p, "cpu", "nanoseconds"), 1, "second type index 1");
	is_int(profile_type_index(p, "cpu"), 1, "type index of cpu");
	is_int(profile_type_index(p, "cycles"), -1, "unknown type is -1");
	for (i = 2; i < PROFILE_MAX_TYPES; i++)
		last = profile_add_type(p, "t", "u");
	is_int(last, PROFILE_MAX_TYPES - 1, "types up to the maximum");
	is_int(profile_add_type(p, "x", "y"), -E2BIG, "one type too many is -E2BIG");
	profile_free(p);

	profile_new(&p);
	profile_add_type(p, "samples", "count");
	loc = (uint64_t)profile_location(p, 0, 0x10, NULL, 0);
	is_int(profile_add_sample(p, SAMPLE(&loc, 1, NULL, 0, v)), 0, "sample added");
	is_int(profile_add_type(p, "late", "count"), -EBUSY, "type after a sample is refused");
	is_int(p->n_types, 1, "still one type");
	is_int(profile_set_period(p, "cpu", "nanoseconds", 1000), 0, "set period");
	is_str(p->period_type.unit, "nanoseconds", "period unit");
	is_int(p->period, 1000, "period");
	is_int(profile_add_comment(p, "made by test"), 0, "comment");
	is_int(p->n_comments, 1, "one comment");
	is_str(p->comments[0], "made by test", "comment text");
	profile_free(p);
}

static void test_dedup(void)
{
	struct profile *p;
	int64_t m1, m2, m3, f1, f2, f3, l1, l2, l3, l4;
	struct profile_line ln[2];

	profile_new(&p);
	m1 = profile_mapping(p, 0x1000, 0x2000, 0, "/bin/a", "abcd");
	m2 = profile_mapping(p, 0x1000, 0x2000, 0, "/bin/a", "abcd");
	m3 = profile_mapping(p, 0x1000, 0x2000, 0x1000, "/bin/a", "abcd");
	is_int(m1, 1, "first mapping id 1");
	is_int(m2, m1, "same mapping found again");
	is_int(m3, 2, "different offset, new mapping");
	is_int(p->n_mappings, 2, "two mappings");
	ok(profile_mapping(p, 0x1000, 0x2000, 0, NULL, NULL) == 3, "NULL file is a new mapping");
	is_str(profile_get_mapping(p, 3)->file, "", "NULL file stored as \"\"");
	is_str(profile_get_mapping(p, 1)->build_id, "abcd", "build id kept");
	ok(profile_get_mapping(p, 4) == NULL && profile_get_mapping(p, 0) == NULL,
	   "mapping accessor range");

	f1 = profile_function(p, "ns::f()", "_ZN2ns1fEv", "f.cc", 10);
	f2 = profile_function(p, "ns::f()", "_ZN2ns1fEv", "f.cc", 99);
	f3 = profile_function(p, "ns::f()", "_ZN2ns1fEv", "g.cc", 10);
	is_int(f1, 1, "first function id 1");
	is_int(f2, f1, "same function found (start_line not part of the key)");
	is_int(f3, 2, "other file, new function");
	is_int(profile_get_function(p, 1)->start_line, 10, "start line from the first add");
	is_str(profile_get_function(p, 2)->filename, "g.cc", "function file");

	ln[0] = (struct profile_line){ (uint64_t)f1, 12 };
	l1 = profile_location(p, (uint64_t)m1, 0x1234, NULL, 0);
	l2 = profile_location(p, (uint64_t)m1, 0x1234, ln, 1);
	l3 = profile_location(p, (uint64_t)m2 + 1, 0x1234, NULL, 0);
	is_int(l1, 1, "first location id 1");
	is_int(l2, l1, "same location found");
	is_int(profile_get_location(p, 1)->n_lines, 1, "lines taken from a later add");
	is_int(profile_get_location(p, 1)->lines[0].line, 12, "line number");
	ln[0].line = 77;
	profile_location(p, (uint64_t)m1, 0x1234, ln, 1);
	is_int(profile_get_location(p, 1)->lines[0].line, 12, "lines of the first add kept");
	is_int(l3, 2, "other mapping, new location");
	is_int(profile_find_location(p, (uint64_t)m1, 0x1234), 1, "find_location hit");
	is_int(profile_find_location(p, (uint64_t)m1, 0x1235), 0, "find_location miss");
	l4 = profile_add_location(p, (uint64_t)m1, 0x1234, NULL, 0);
	is_int(l4, 3, "add_location appends even when equal");
	is_int(profile_find_location(p, (uint64_t)m1, 0x1234), 1, "find still gives the first");
	is_int(profile_location(p, 99, 0x1, NULL, 0), -EINVAL, "unknown mapping id refused");
	ln[1] = (struct profile_line){ 42, 1 };
	is_int(profile_location(p, 0, 0x5, ln, 2), -EINVAL, "unknown function id refused");
	is_int(p->n_locations, 3, "refused locations not added");
	profile_free(p);
}

static void test_aggregation(void)
{
	struct profile *p;
	uint64_t ids[3];
	int64_t v1[2] = { 1, 1000 }, v2[2] = { 2, 500 };
	struct profile_label la[3] = {
		{ .key = "pid", .num = 42 },
		{ .key = "thread", .str = "main" },
		{ .key = "bytes", .num = 8, .num_unit = "bytes" },
	};
	struct profile_label lb[3];
	char thread[16];

	profile_new(&p);
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	for (int i = 0; i < 3; i++)
		ids[i] = (uint64_t)profile_location(p, 0, 0x100 + i, NULL, 0);

	is_int(profile_add_sample(p, SAMPLE(ids, 3, la, 3, v1)), 0, "add sample");
	/* Same content from different buffers must merge. */
	strcpy(thread, "main");
	memcpy(lb, la, sizeof(lb));
	lb[1].str = thread;
	is_int(profile_add_sample(p, SAMPLE(ids, 3, lb, 3, v2)), 0, "add same stack and labels");
	is_int(p->n_samples, 1, "same stack + labels merged");
	is_int(p->samples[0].values[0], 3, "counts summed");
	is_int(p->samples[0].values[1], 1500, "cpu summed");

	strcpy(thread, "worker");
	profile_add_sample(p, SAMPLE(ids, 3, lb, 3, v1));
	is_int(p->n_samples, 2, "different string label separates");
	lb[1].str = "main";
	lb[0].num = 43;
	profile_add_sample(p, SAMPLE(ids, 3, lb, 3, v1));
	is_int(p->n_samples, 3, "different numeric label separates");
	lb[0].num = 42;
	lb[2].num_unit = NULL;
	profile_add_sample(p, SAMPLE(ids, 3, lb, 3, v1));
	is_int(p->n_samples, 4, "different num_unit separates");
	profile_add_sample(p, SAMPLE(ids, 3, la, 2, v1));
	is_int(p->n_samples, 5, "fewer labels separates");
	profile_add_sample(p, SAMPLE(ids, 2, la, 3, v1));
	is_int(p->n_samples, 6, "shorter stack separates");
	profile_add_sample(p, SAMPLE(ids + 1, 2, la, 3, v1));
	is_int(p->n_samples, 7, "other stack separates");
	profile_add_sample(p, SAMPLE(ids, 3, la, 3, v1));
	is_int(p->n_samples, 7, "first key still merges");
	is_int(p->samples[0].values[0], 4, "merged into the first sample");

	is_int(profile_total(p, 0), 4 + 6 * 1, "total samples");
	is_int(profile_total(p, 1), 1500 + 1000 + 6 * 1000, "total cpu");
	is_int(profile_total(p, 2), 0, "total of unknown type is 0");

	is_str(profile_sample_label(&p->samples[0], "thread"), "main", "string label");
	is_str(profile_sample_label(&p->samples[1], "thread"), "worker", "string label copy");
	ok(profile_sample_label(&p->samples[0], "pid") == NULL, "numeric label is not a string");
	ok(profile_sample_label(&p->samples[0], "nope") == NULL, "missing label");
	ok(p->samples[0].labels[1].str != la[1].str, "label strings are copied");

	ids[1] = 99;
	is_int(profile_add_sample(p, SAMPLE(ids, 3, la, 3, v1)), -EINVAL, "dangling location refused");
	ids[1] = 0;
	is_int(profile_add_sample(p, SAMPLE(ids, 3, la, 3, v1)), -EINVAL, "location id 0 refused");
	is_int(p->n_samples, 7, "refused samples not added");
	profile_free(p);
}

static void test_frames(void)
{
	struct profile *p;
	int64_t m, fa, fb, fc, fanon;
	uint64_t ids[3];
	struct profile_line inl[2], one;
	const char *names[8];
	int64_t v = 1;
	size_t n;

	profile_new(&p);
	profile_add_type(p, "samples", "count");
	m = profile_mapping(p, 0x400000, 0x500000, 0, "/bin/calltree", "");
	fa = profile_function(p, "inner", "inner", "a.c", 1);
	fb = profile_function(p, "outer", "outer", "a.c", 5);
	fc = profile_function(p, "main", "main", "a.c", 20);
	fanon = profile_function(p, "", "_Zsys", "", 0);
	/* A leaf location where inner() was inlined into outer(). */
	inl[0] = (struct profile_line){ (uint64_t)fa, 2 };
	inl[1] = (struct profile_line){ (uint64_t)fb, 7 };
	ids[0] = (uint64_t)profile_location(p, (uint64_t)m, 0x401000, inl, 2);
	ids[1] = (uint64_t)profile_location(p, (uint64_t)m, 0x4abcde, NULL, 0);
	one = (struct profile_line){ (uint64_t)fc, 22 };
	ids[2] = (uint64_t)profile_location(p, (uint64_t)m, 0x402000, &one, 1);
	profile_add_sample(p, SAMPLE(ids, 3, NULL, 0, &v));

	n = profile_sample_frames(p, &p->samples[0], names, 8);
	is_int(n, 4, "inlined frames expanded");
	is_str(names[0], "inner", "innermost inlined function first");
	is_str(names[1], "outer", "then its caller");
	is_str(names[2], "0x4abcde", "no lines: the address");
	is_str(names[3], "main", "root last");
	n = profile_sample_frames(p, &p->samples[0], names, 2);
	is_int(n, 2, "capped");
	is_str(names[1], "outer", "cap keeps the leaf end");

	one = (struct profile_line){ (uint64_t)fanon, 0 };
	ids[0] = (uint64_t)profile_location(p, 0, 0xffffffff81000000ULL, &one, 1);
	profile_add_sample(p, SAMPLE(ids, 1, NULL, 0, &v));
	n = profile_sample_frames(p, &p->samples[1], names, 8);
	is_int(n, 1, "one frame");
	is_str(names[0], "_Zsys", "empty name falls back to the system name");
	profile_free(p);
}

/* Memory must grow with distinct stacks: 100k adds over 1k stacks give 1k samples. */
static void test_stress(void)
{
	struct profile *p;
	enum { STACKS = 1000, ADDS = 100000, DEPTH = 8 };
	uint64_t locs[64], ids[DEPTH];
	int64_t v[2];
	int err = 0;
	unsigned x = 12345;
	struct profile_label lab[2] = { { .key = "pid", .num = 1 }, { .key = "thread", .str = "t" } };

	profile_new(&p);
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	for (int i = 0; i < 64; i++)
		locs[i] = (uint64_t)profile_location(p, 0, 0x1000 + 16 * i, NULL, 0);
	for (int i = 0; i < ADDS && !err; i++) {
		/* Stack k is a fixed function of k; visit stacks in a scrambled order. */
		unsigned k;

		x = x * 1103515245 + 12345;
		k = (i < STACKS) ? i : (x >> 8) % STACKS;
		for (int d = 0; d < DEPTH; d++)
			ids[d] = locs[(k >> (d % 4 * 3)) % 64 ^ (d * 7 % 64)];
		ids[DEPTH - 1] = locs[k % 64];
		ids[DEPTH - 2] = locs[(k / 64) % 64];
		v[0] = 1;
		v[1] = 10;
		err = profile_add_sample(p, SAMPLE(ids, DEPTH, lab, 2, v));
	}
	is_int(err, 0, "100k adds succeed");
	is_int(p->n_samples, STACKS, "n_samples == distinct stacks");
	is_int(profile_total(p, 0), ADDS, "total count preserved");
	is_int(profile_total(p, 1), (int64_t)ADDS * 10, "total cpu preserved");
	is_int(p->n_locations, 64, "no new locations");
	profile_free(p);
}

int main(void)
{
	test_intern();
	test_types();
	test_dedup();
	test_aggregation();
	test_frames();
	test_stress();
	return done_testing();
}
