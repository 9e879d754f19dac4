/* test-ordering.c - the rings' records handed on in time order (ordering.c):
 * two rings read one after the other, ties, records without a time, a
 * callback that fails, and batches large enough for several merge passes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ordering.h"
#include "perfrec.h"
#include "tap.h"

/* Samples carry a tag (their ip) and a time; other records their time in the
 * sample_id trailer. */
static const struct perfrec_format fmt = {
	.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
	.sample_id_all = 1,
};

/* What a flush handed on: the tags in order (mmap records: their addr). */
struct seen {
	uint64_t *tags;
	size_t n, cap;
	int fail_at;                 /* return -EIO for this record (1-based), 0: never */
	const struct perfrec_format *fmt;
};

static int collect(const void *buf, size_t len, void *ctx)
{
	struct seen *s = ctx;
	struct perfrec rec;

	if (s->fail_at && (int)s->n + 1 == s->fail_at)
		return -EIO;
	if (s->n == s->cap) {
		uint64_t *t = realloc(s->tags, (s->cap ? 2 * s->cap : 64) * sizeof(*t));

		if (!t)
			return -ENOMEM;
		s->tags = t;
		s->cap = s->cap ? 2 * s->cap : 64;
	}
	if (perfrec_decode(s->fmt, buf, len, &rec) < 0)
		s->tags[s->n++] = UINT64_MAX;
	else
		s->tags[s->n++] = rec.type == PERF_RECORD_SAMPLE ? rec.u.sample.ip : rec.u.mmap.addr;
	return 0;
}

static void add_sample(struct ordering *o, uint64_t tag, uint64_t time)
{
	struct perfrec_sample s = { .ip = tag, .pid = 1, .tid = 1, .time = time };
	uint8_t buf[256];
	int n = perfrec_encode_sample(&fmt, &s, PERF_RECORD_MISC_USER, buf, sizeof(buf));

	if (n < 0 || ordering_add(o, buf, (size_t)n) < 0)
		printf("# add failed\n");
}

static void add_mmap(struct ordering *o, const struct perfrec_format *f, uint64_t tag,
		     uint64_t time)
{
	struct perfrec_mmap m = { .pid = 1, .tid = 1, .addr = tag, .len = 4096, .filename = "/x" };
	struct perfrec_sample_id sid = { .pid = 1, .tid = 1, .time = time };
	uint8_t buf[256];
	int n = perfrec_encode_mmap2(f, &m, &sid, buf, sizeof(buf));

	if (n < 0 || ordering_add(o, buf, (size_t)n) < 0)
		printf("# add failed\n");
}

static int tags_are(const struct seen *s, const uint64_t *want, size_t n)
{
	if (s->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s->tags[i] != want[i])
			return 0;
	return 1;
}

static void test_two_rings(void)
{
	struct ordering *o = NULL;
	struct seen s = { .fmt = &fmt };
	static const uint64_t want[] = { 1, 2, 3, 4, 5, 6 };

	ok(ordering_new(&fmt, &o) == 0 && o, "new");
	/* Ring A, then ring B: each in time order, together not. */
	add_sample(o, 1, 10);
	add_sample(o, 3, 30);
	add_sample(o, 5, 50);
	add_mmap(o, &fmt, 2, 20);
	add_sample(o, 4, 40);
	add_sample(o, 6, 60);
	is_int(ordering_pending(o), 6, "six records wait");
	is_int(ordering_flush(o, collect, &s), 0, "flush");
	ok(tags_are(&s, want, 6), "records read ring after ring come out in time order");
	is_int(ordering_pending(o), 0, "a flush empties the batch");
	s.n = 0;
	is_int(ordering_flush(o, collect, &s), 0, "an empty flush");
	is_int(s.n, 0, "an empty batch hands on nothing");
	free(s.tags);
	ordering_free(o);
	ordering_free(NULL);
}

static void test_ties_and_no_time(void)
{
	static const struct perfrec_format no_sid = {
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
	};
	struct ordering *o = NULL;
	struct seen s = { .fmt = &no_sid };
	static const uint64_t ties[] = { 2, 1, 3, 4 };
	static const uint64_t untimed[] = { 0xa000, 0xb000, 3, 5 };
	uint8_t buf[256];
	int n;

	ordering_new(&fmt, &o);
	add_sample(o, 1, 100);
	add_sample(o, 2, 50);
	add_sample(o, 3, 100);
	add_sample(o, 4, 100);
	ordering_flush(o, collect, &s);
	ok(tags_are(&s, ties, 4), "records of equal time keep the order they came in");
	ordering_free(o);

	/* Without sample_id_all, an MMAP2 record has no time: it comes first. */
	o = NULL;
	s.n = 0;
	ordering_new(&no_sid, &o);
	add_sample(o, 5, 500);
	add_mmap(o, &no_sid, 0xa000, 0);
	add_sample(o, 3, 300);
	add_mmap(o, &no_sid, 0xb000, 0);
	ordering_flush(o, collect, &s);
	ok(tags_are(&s, untimed, 4), "records without a time come first, in the order they came in");

	/* A truncated record has no time either; it is handed on, for the
	 * caller to count. */
	s.n = 0;
	add_sample(o, 7, 700);
	n = perfrec_encode_sample(&fmt, &(struct perfrec_sample){ .ip = 8, .time = 10 }, 0, buf,
				  sizeof(buf));
	ordering_add(o, buf, n > 8 ? 8 : 0);
	ordering_flush(o, collect, &s);
	ok(s.n == 2 && s.tags[0] == UINT64_MAX && s.tags[1] == 7,
	   "a malformed record is handed on first, as it is");
	free(s.tags);
	ordering_free(o);
}

static void test_copy_and_failure(void)
{
	struct ordering *o = NULL;
	struct seen s = { .fmt = &fmt };
	struct perfrec_sample smp = { .ip = 42, .time = 5 };
	uint8_t buf[256];
	int n;

	ordering_new(&fmt, &o);
	n = perfrec_encode_sample(&fmt, &smp, 0, buf, sizeof(buf));
	ordering_add(o, buf, (size_t)n);
	memset(buf, 0, sizeof(buf));
	ordering_flush(o, collect, &s);
	ok(s.n == 1 && s.tags[0] == 42, "a record is copied when added");

	s.n = 0;
	s.fail_at = 2;
	for (int i = 0; i < 4; i++)
		add_sample(o, (uint64_t)i, (uint64_t)(10 - i));
	is_int(ordering_flush(o, collect, &s), -EIO, "the callback's error stops the flush");
	ok(s.n == 1 && s.tags[0] == 3, "after the records before it");
	is_int(ordering_pending(o), 0, "and the batch is emptied all the same");
	free(s.tags);
	ordering_free(o);
}

/* Is the flush's output sorted by time, with ties in arrival order?  Tags
 * are (time << 32 | arrival). */
static int sorted(const struct seen *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (s->tags[i - 1] >= s->tags[i])
			return 0;
	return 1;
}

static void test_large(void)
{
	enum { N = 50000 };
	struct ordering *o = NULL;
	struct seen s = { .fmt = &fmt };
	uint32_t x = 1;

	ordering_new(&fmt, &o);
	/* Two long rings: even times, then odd ones. */
	for (uint64_t i = 0; i < N; i++)
		add_sample(o, (2 * i) << 32 | i, 2 * i);
	for (uint64_t i = 0; i < N; i++)
		add_sample(o, (2 * i + 1) << 32 | (N + i), 2 * i + 1);
	is_int(ordering_flush(o, collect, &s), 0, "flush two rings of 50000");
	ok(s.n == 2 * N && sorted(&s), "all 100000 records, in time order");

	/* Many short runs, many ties: several merge passes. */
	s.n = 0;
	for (uint64_t i = 0; i < N; i++) {
		uint64_t t;

		x = x * 1103515245u + 12345u;
		t = (x >> 16) % 1000;
		add_sample(o, t << 32 | i, t);
	}
	is_int(ordering_flush(o, collect, &s), 0, "flush 50000 records in random order");
	ok(s.n == N && sorted(&s), "in time order, ties in arrival order");
	free(s.tags);
	ordering_free(o);
}

int main(void)
{
	test_two_rings();
	test_ties_and_no_time();
	test_copy_and_failure();
	test_large();
	return done_testing();
}
