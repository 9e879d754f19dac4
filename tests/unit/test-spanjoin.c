/* test-spanjoin.c - joining spans to samples (spanjoin.c) on hand-made channel
 * records: samples inside a closed span, inside an open one (held until it
 * ends), outside, nested, with thread labels, in a span whose end was lost;
 * times in TSC ticks converted to ns; the histograms per name and
 * their interval log read back by spanreport.c, whose filters (trace id,
 * slower than a percentile or a duration) and argument parser are tested too;
 * what the program's records can make it keep: threads, closed spans, times;
 * the channels of two processes chained, each sample to its own thread's;
 * a span seen open at one drain and ended by the next labels nothing after
 * its end. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdrlog.h"
#include "profile.h"
#include "spanchan.h"
#include "spanreport.h"
#include "spanjoin.h"
#include "tap.h"
#include "tscclock.h"

static struct spanchan_producer prod;

/* A record of thread 5, the producer's. */
static void push(uint8_t kind, uint32_t name, uint64_t trace, uint64_t intended, uint64_t begin,
		 uint64_t end)
{
	struct spanchan_rec r = { intended, begin, end, trace, 5, kind, 0, (uint16_t)name };

	if (spanchan_push(&prod, &r) < 0)
		printf("# push failed\n");
}

static int add(struct spanjoin *s, struct profile *p, uint32_t tid, uint64_t time, uint64_t loc)
{
	struct profile_label l[3];
	int64_t v[2] = { 1, 1000 };

	memset(l, 0, sizeof(l));
	l[0].key = "pid";
	l[0].num = 1;
	l[1].key = "tid";
	l[1].num = tid;
	l[2].key = "thread";
	l[2].str = "t";
	return spanjoin_add_sample(s, p, tid, time, &(struct profile_sample){
		.n_locations = 1, .location_ids = &loc, .n_labels = 3, .labels = l, .values = v });
}

static const struct profile_label *label(const struct profile_sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i].key, key) == 0)
			return &s->labels[i];
	return NULL;
}

/* The sample whose only location is loc. */
static const struct profile_sample *sample_at(const struct profile *p, uint64_t loc)
{
	for (size_t i = 0; i < p->n_samples; i++)
		if (p->samples[i].n_locations == 1 && p->samples[i].location_ids[0] == loc)
			return &p->samples[i];
	return NULL;
}

/* What the tests below share: one channel, its joiner, the profile, eight
 * one-frame stacks and the interned span and label names. */
struct fixture {
	struct spanchan *ch;
	struct spanjoin *s;
	struct profile *p;
	uint64_t loc[8];
	int req, db, phase, parse;
};

static int setup(struct fixture *fx)
{
	int fd;

	if (spanchan_create(2, 64, 32, &fd, &fx->ch) || spanchan_claim(fx->ch, 5, &prod) ||
	    spanjoin_new(fx->ch, &fx->s) || profile_new(&fx->p))
		return -1;
	profile_add_type(fx->p, "samples", "count");
	profile_add_type(fx->p, "cpu", "nanoseconds");
	for (int i = 0; i < 8; i++) {
		int64_t fn = profile_function(fx->p, "f", "f", "", 0);
		struct profile_line line = { (uint64_t)fn, 0 };

		fx->loc[i] = (uint64_t)profile_location(fx->p, 0, 0x1000 + (uint64_t)i, &line, 1);
	}
	fx->req = spanchan_intern(fx->ch, "request");
	fx->db = spanchan_intern(fx->ch, "db");
	fx->phase = spanchan_intern(fx->ch, "phase");
	fx->parse = spanchan_intern(fx->ch, "parse");
	return 0;
}

/* Samples before, inside, nested inside and outside closed spans; one in an
 * open span waits. */
static void test_closed_spans(struct fixture *fx)
{
	struct spanjoin *s = fx->s;
	struct profile *p = fx->p;
	const uint64_t *loc = fx->loc;
	const struct profile_sample *x;
	const struct profile_label *l;

	/* tid 5 (as libhwprof writes them): request 42 [1000, 2000] (intended
	 * 900), inside it db [1200, 1300]. */
	push(SPANCHAN_LABEL, (uint32_t)fx->phase, (uint64_t)fx->parse, 0, 950, 0);
	spanchan_open(&prod, 1000, (uint16_t)fx->req, 42, 0);
	push(SPANCHAN_END, (uint32_t)fx->db, 42, 0, 1200, 1300);
	push(SPANCHAN_END, (uint32_t)fx->req, 42, 900, 1000, 2000);
	spanchan_close(&prod);
	/* request 43 begins at 3000 and is still open. */
	spanchan_open(&prod, 3000, (uint16_t)fx->req, 43, 0);
	is_int(spanjoin_drain(s), 0, "drain");

	is_int(add(s, p, 5, 500, loc[0]), 0, "a sample before any span");
	is_int(add(s, p, 5, 1050, loc[1]), 0, "a sample in request 42");
	is_int(add(s, p, 5, 1250, loc[2]), 0, "a sample in db inside request 42");
	is_int(add(s, p, 5, 3500, loc[3]), 0, "a sample in open request 43");
	is_int(add(s, p, 6, 1050, loc[4]), 0, "a sample of another thread");
	is_int(spanjoin_settle(s, p, 0), 0, "settle");

	x = sample_at(p, loc[0]);
	ok(x && !label(x, "span"), "before the span: no span label");
	ok(x && !label(x, "phase"), "nor the label set later");
	x = sample_at(p, loc[1]);
	ok(x && (l = label(x, "span")) && !strcmp(l->str, "request"), "span=request");
	ok(x && (l = label(x, "trace_id")) && !strcmp(l->str, "42"), "trace_id=42");
	ok(x && (l = label(x, "span_ns")) && !l->str && l->num == 1000 &&
	   !strcmp(l->num_unit, "nanoseconds"), "span_ns=1000 (end - begin)");
	ok(x && (l = label(x, "phase")) && !strcmp(l->str, "parse"), "thread label phase=parse");
	x = sample_at(p, loc[2]);
	ok(x && (l = label(x, "span")) && !strcmp(l->str, "db") && (l = label(x, "span_ns")) &&
	   l->num == 100, "nested: the innermost span, db, 100 ns");
	ok(!sample_at(p, loc[3]), "a sample of an open span waits");
	x = sample_at(p, loc[4]);
	ok(x && !label(x, "span"), "another thread's sample is not in tid 5's span");
}

/* The waiting sample goes out when its span ends; thread labels as of each
 * sample's time. */
static void test_span_ends_later(struct fixture *fx)
{
	struct spanjoin *s = fx->s;
	struct profile *p = fx->p;
	const uint64_t *loc = fx->loc;
	const struct profile_sample *x;
	const struct profile_label *l;

	push(SPANCHAN_LABEL, (uint32_t)fx->phase, 0, 0, 3600, 0);
	push(SPANCHAN_END, (uint32_t)fx->req, 43, 0, 3000, 4000);
	is_int(spanjoin_drain(s), 0, "drain the end of request 43 (its header not yet closed)");
	is_int(add(s, p, 5, 3700, loc[5]), 0, "a sample after the label was removed");
	is_int(spanjoin_settle(s, p, 0), 0, "settle");
	x = sample_at(p, loc[3]);
	ok(x && (l = label(x, "trace_id")) && !strcmp(l->str, "43") && (l = label(x, "span_ns")) &&
	   l->num == 1000, "the waiting sample is added when its span ends, with span_ns");
	ok(x && label(x, "phase"), "with the label in force at its time");
	x = sample_at(p, loc[5]);
	ok(x && !label(x, "phase") && label(x, "span"), "a removed label is gone");
	spanchan_close(&prod);
}

/* A span whose end is lost, and one still open when the recording ends. */
static void test_spans_without_end(struct fixture *fx)
{
	struct spanjoin *s = fx->s;
	struct profile *p = fx->p;
	const uint64_t *loc = fx->loc;
	const struct profile_sample *x;
	const struct profile_label *l;

	/* Request 45's end is lost (a full channel): its sample waits, then goes
	 * out without span labels once the thread is seen outside any span. */
	spanchan_open(&prod, 4500, (uint16_t)fx->req, 45, 0);
	spanjoin_drain(s);
	add(s, p, 5, 4600, loc[7]);
	is_int(spanjoin_settle(s, p, 0), 0, "settle");
	ok(!sample_at(p, loc[7]), "a sample in an open span waits");
	spanchan_close(&prod);
	spanjoin_drain(s);
	is_int(spanjoin_settle(s, p, 0), 0, "settle");
	x = sample_at(p, loc[7]);
	ok(x && !label(x, "span") && label(x, "pid"), "its span closed without an end: unlabeled");

	spanchan_open(&prod, 5000, (uint16_t)fx->req, 44, 0);
	spanjoin_drain(s);
	add(s, p, 5, 5100, loc[6]);
	is_int(spanjoin_settle(s, p, 1), 0, "final settle");
	x = sample_at(p, loc[6]);
	ok(x && (l = label(x, "trace_id")) && !strcmp(l->str, "44") && !label(x, "span_ns"),
	   "at the end, a span never ended labels its samples without span_ns");
	is_int((long long)spanjoin_stats(s)->spans, 3, "3 spans ended");
	is_int((long long)spanjoin_stats(s)->no_duration, 1, "1 sample without span_ns");
}

/* A span seen open, then ended, with no later look at the open span: the
 * thread gave its ring up (it exited), or the span ended and another began
 * and ended between a drain's read of the open span and of the records.
 * Samples after its end are no longer its own. */
static void test_open_then_ended(struct fixture *fx)
{
	struct spanjoin *s = fx->s;
	struct profile *p = fx->p;
	const struct profile_sample *x;

	/* Request 47 read open; the next drain reads its END and request 48's
	 * (the open span as read before the records). */
	push(SPANCHAN_END, (uint32_t)fx->req, 47, 0, 8000, 8100);
	push(SPANCHAN_END, (uint32_t)fx->req, 48, 0, 8200, 8300);
	spanchan_open(&prod, 8000, (uint16_t)fx->req, 47, 0);
	spanjoin_drain(s);
	add(s, p, 5, 8400, fx->loc[0]);
	is_int(spanjoin_settle(s, p, 1), 0, "final settle");
	x = sample_at(p, fx->loc[0]);
	ok(x && !label(x, "span") && !label(x, "trace_id"),
	   "open when read, ended with another before the records were: not open after");
	spanchan_close(&prod);

	/* Request 49 seen open; then its END, and the thread gives its ring up. */
	spanchan_open(&prod, 9000, (uint16_t)fx->req, 49, 0);
	spanjoin_drain(s);
	push(SPANCHAN_END, (uint32_t)fx->req, 49, 0, 9000, 9100);
	spanchan_release(&prod);
	spanjoin_drain(s);
	add(s, p, 5, 9500, fx->loc[1]);
	is_int(spanjoin_settle(s, p, 1), 0, "final settle");
	x = sample_at(p, fx->loc[1]);
	ok(x && !label(x, "span") && !label(x, "trace_id"),
	   "a thread that exits after its span ended: its later samples are unlabeled");
	is_int((long long)spanjoin_stats(s)->no_duration, 0, "no sample without span_ns");
}

static void test_histograms(struct fixture *fx)
{
	size_t req = (size_t)fx->req;

	ok(spanjoin_latency(fx->s, req) && hdr_total_count(spanjoin_latency(fx->s, req)) == 2,
	   "request's histogram: 2 spans");
	ok(hdr_max(spanjoin_latency(fx->s, req)) >= 1100 && hdr_max(spanjoin_latency(fx->s, req)) < 1110,
	   "latency from the intended start: 1100 ns");
	ok(spanjoin_service(fx->s, req) && hdr_max(spanjoin_service(fx->s, req)) < 1010,
	   "service time from the begin: 1000 ns");
	ok(!spanjoin_service(fx->s, (size_t)fx->db), "db had no intended start: no separate service histogram");
}

/* A name's service histogram is made only when it differs from its latency
 * one, and then holds the service times of the spans before too. */
static void test_service_later(struct fixture *fx)
{
	size_t parse = (size_t)fx->parse;

	push(SPANCHAN_END, (uint32_t)fx->parse, 1, 0, 10000, 10100);
	push(SPANCHAN_END, (uint32_t)fx->parse, 2, 0, 10200, 10300);
	spanjoin_drain(fx->s);
	ok(!spanjoin_service(fx->s, parse), "spans without an intended start: no service histogram");
	push(SPANCHAN_LATENCY, (uint32_t)fx->parse, 3, 10000, 0, 90000);
	push(SPANCHAN_END, (uint32_t)fx->parse, 4, 10300, 10400, 10500);
	spanjoin_drain(fx->s);
	ok(spanjoin_service(fx->s, parse) && hdr_total_count(spanjoin_service(fx->s, parse)) == 3,
	   "one with: the service times of all 3 spans");
	ok(hdr_max(spanjoin_service(fx->s, parse)) < 110, "and not the latency recorded between them");
	ok(hdr_total_count(spanjoin_latency(fx->s, parse)) == 4, "the latency histogram: 3 spans, 1 latency");
}

/* The log, read back, and the report's filters. */
static void test_log_and_filters(struct fixture *fx)
{
	char path[] = "/tmp/test-spans-XXXXXX";
	int tfd = mkstemp(path);
	FILE *f = tfd >= 0 ? fdopen(tfd, "w") : NULL;
	struct spanreport *sr = NULL;
	struct spanreport_filter flt = { NULL, -1, -1, NULL };
	const uint64_t *loc = fx->loc;
	struct profile *p = fx->p;
	const char *missing;
	size_t line;
	double pct;
	int64_t ns;

	ok(f && hdrlog_write_header(f, "test-spanjoin", 1700000000.0) == 0 &&
	   spanjoin_write_intervals(fx->s, f, 1.0) == 0, "write the interval log");
	if (f)
		fclose(f);
	is_int(spanreport_read(path, &sr, &line), 0, "read it back");
	ok(sr && spanreport_durations(sr, "request") &&
	   hdr_total_count(spanreport_durations(sr, "request")) == 2, "request's durations");
	ok(sr && spanreport_durations(sr, "db"), "db's");
	flt.trace_id = "43";
	is_int(spanreport_filter(p, &flt, &missing), 2, "--trace-id 43 keeps its two samples");
	ok(sample_at(p, loc[3])->values[1] == 1000 && sample_at(p, loc[5])->values[1] == 1000 &&
	   sample_at(p, loc[1])->values[1] == 0 && sample_at(p, loc[0])->values[1] == 0,
	   "and zeroes the others");
	is_int(spanreport_parse_slower("p99", &pct, &ns), 0, "p99 parses");
	ok(pct == 99 && ns == -1, "as a percentile");
	is_int(spanreport_parse_slower("250ms", &pct, &ns), 0, "250ms parses");
	ok(ns == 250000000 && pct < 0, "as a duration");
	is_int(spanreport_parse_slower("p100", &pct, &ns), -EINVAL, "p100 is refused");
	is_int(spanreport_parse_slower("5 parsecs", &pct, &ns), -EINVAL, "junk is refused");
	spanreport_free(sr);
	remove(path);
}

/* Push records of tid (n of them, ending at end, end + 1, ...) and drain as
 * the ring fills. */
static void push_many(struct fixture *fx, uint32_t tid, uint32_t name, size_t n, uint64_t end)
{
	for (size_t i = 0; i < n; i++) {
		struct spanchan_rec r = { 0, end + i, end + i + 1, 1, tid, SPANCHAN_END, 0, (uint16_t)name };

		spanchan_push(&prod, &r);
		if (i % 32 == 31)
			spanjoin_drain(fx->s);
	}
	spanjoin_drain(fx->s);
}

/* Span state for SPANJOIN_MAX_THREADS threads at most, until some are left
 * with nothing; SPANJOIN_MAX_KEPT closed spans; TSC times no clock gives. */
static void test_limits(struct fixture *fx)
{
	const struct spanjoin_stats *st = spanjoin_stats(fx->s);
	uint64_t base = st->over_limit;
	char line[256];

	/* Thread 5 of the tests before holds one place. */
	for (uint32_t t = 0; t < SPANJOIN_MAX_THREADS + 10; t++)
		push_many(fx, 1000 + t, (uint32_t)fx->req, 1, 10000000);
	is_int((long long)(st->over_limit - base), 11,
	       "the records of threads beyond the first %d are dropped", SPANJOIN_MAX_THREADS);
	is_int(spanjoin_damage(fx->s, 42, line, sizeof(line)), 0, "not a corrupted channel");
	is_str(line, "span channel of 42: 11 records of threads beyond the first 4096 dropped",
	       "but said");
	/* A sample far later: their spans are pruned, the threads forgotten. */
	add(fx->s, fx->p, 5, 100000000000ULL, fx->loc[0]);
	spanjoin_settle(fx->s, fx->p, 0);
	base = st->over_limit;
	push_many(fx, 999999, (uint32_t)fx->req, 1, 100000000000ULL);
	is_int((long long)(st->over_limit - base), 0, "threads left with nothing make room");

	/* Spans stamped in the future are never pruned: one thread's older half
	 * goes when SPANJOIN_MAX_KEPT is reached. */
	push_many(fx, 77, (uint32_t)fx->db, SPANJOIN_MAX_KEPT + 1000, 1ULL << 62);
	ok(st->forgotten >= 1000, "closed spans beyond SPANJOIN_MAX_KEPT forgotten (%llu)",
	   (unsigned long long)st->forgotten);

	base = st->bad_times;
	{
		struct spanchan_rec r = { 0, 1ULL << 62, (1ULL << 62) + 5, 1, 5, SPANCHAN_END,
					  SPANCHAN_F_TICKS, (uint16_t)fx->req };

		spanchan_push(&prod, &r);
	}
	spanjoin_drain(fx->s);
	is_int((long long)(st->bad_times - base), 1, "TSC ticks no clock reading gives: dropped");
	is_int(spanjoin_damage(fx->s, 42, line, sizeof(line)), 1, "a corrupted channel");
	is_str(line, "span channel of 42 corrupted: 1 records dropped; 11 records of threads "
	       "beyond the first 4096 dropped", "said in one line");
}

/* A channel with one record of thread tid: span "request" [100, 200] of trace. */
static int chain_channel(uint32_t tid, uint64_t trace, struct spanchan **ch, struct spanjoin **j)
{
	struct spanchan_producer p = { 0 };
	int fd, name;

	if (spanchan_create(1, 8, 4, &fd, ch) || spanchan_claim(*ch, tid, &p) ||
	    (name = spanchan_intern(*ch, "request")) < 0)
		return -1;
	spanchan_push(&p, &(struct spanchan_rec){ 0, 100, 200, trace, tid, SPANCHAN_END, 0,
						  (uint16_t)name });
	spanchan_release(&p);
	return spanjoin_new(*ch, j);
}

/* Two processes' channels chained: each sample goes to its thread's. */
static void test_chain(void)
{
	struct spanchan *ca = NULL, *cb = NULL;
	struct spanjoin *ja = NULL, *jb = NULL;
	struct profile *p = NULL;
	const struct profile_sample *x;
	uint64_t loc[3];

	if (chain_channel(11, 1, &ca, &ja) || chain_channel(22, 2, &cb, &jb) || profile_new(&p)) {
		ok(0, "two channels");
		return;
	}
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	for (int i = 0; i < 3; i++) {
		struct profile_line line = { (uint64_t)profile_function(p, "g", "g", "", 0), 0 };

		loc[i] = (uint64_t)profile_location(p, 0, 0x2000 + (uint64_t)i, &line, 1);
	}
	spanjoin_chain(ja, jb);
	is_int(spanjoin_drain(ja), 0, "one drain reads both channels");
	add(ja, p, 11, 150, loc[0]);
	add(ja, p, 22, 150, loc[1]);
	add(ja, p, 33, 150, loc[2]);
	is_int(spanjoin_settle(ja, p, 1), 0, "settle both");
	x = sample_at(p, loc[0]);
	ok(x && label(x, "trace_id") && !strcmp(label(x, "trace_id")->str, "1"),
	   "thread 11: the span of the first channel");
	x = sample_at(p, loc[1]);
	ok(x && label(x, "trace_id") && !strcmp(label(x, "trace_id")->str, "2"),
	   "thread 22: the span of the second");
	x = sample_at(p, loc[2]);
	ok(x && !label(x, "span"), "a thread of neither: no span");
	is_int((int)spanjoin_stats(jb)->spans, 1, "each channel counts its own spans");
	ok(spanjoin_unchain(ja, ja) == jb, "the first taken out: the second heads the chain");
	ok(spanjoin_unchain(jb, jb) == NULL, "and then none");
	spanjoin_free(ja);
	spanjoin_free(jb);
	spanchan_free(ca);
	spanchan_free(cb);
	profile_free(p);
}

int main(void)
{
	struct fixture fx = { 0 };

	if (setup(&fx) < 0) {
		printf("Bail out! setup\n");
		return 1;
	}
	/* In this order: each test goes on from the channel's and the profile's
	 * state the one before left. */
	test_closed_spans(&fx);
	test_span_ends_later(&fx);
	test_spans_without_end(&fx);
	test_histograms(&fx);
	test_service_later(&fx);
	test_log_and_filters(&fx);
	test_limits(&fx);
	test_chain();
	spanjoin_free(fx.s);
	spanchan_release(&prod);
	spanchan_free(fx.ch);
	profile_free(fx.p);
	/* On a channel of its own: it ends with the thread's ring given up. */
	memset(&fx, 0, sizeof(fx));
	if (setup(&fx) < 0) {
		printf("Bail out! setup\n");
		return 1;
	}
	test_open_then_ended(&fx);
	spanjoin_free(fx.s);
	spanchan_free(fx.ch);
	profile_free(fx.p);
	return done_testing();
}
