/* test-spanreport.c - report --compare-slow (spanreport_compare) on a hand-made
 * profile and span log: the functions of the slowest spans against those of all
 * the other spans, including sampled spans that the samples themselves made
 * longer than the median. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "hdrlog.h"
#include "profile.h"
#include "spanreport.h"
#include "tap.h"

#define US 1000LL
#define MS 1000000LL

/* 1000 requests: 500 of 50 us, 480 of 60 us, 20 of 5 ms (the slowest 2%). */
static int write_log(const char *path)
{
	struct hdr *h = NULL;
	FILE *f = fopen(path, "w");
	int err;

	if (!f || hdr_new(1, 3600LL * 1000 * MS, 3, &h) < 0)
		return -1;
	hdr_record_n(h, 50 * US, 500);
	hdr_record_n(h, 60 * US, 480);
	hdr_record_n(h, 5 * MS, 20);
	err = hdrlog_write_header(f, "test-spanreport", 1700000000.0) ||
	      hdrlog_write_interval(f, "request", 0, 1, 1e6, h);
	hdr_free(h);
	return fclose(f) || err ? -1 : 0;
}

/* A sample of function fn inside a request that lasted span_ns. */
static void add(struct profile *p, const char *fn, int64_t span_ns, int64_t value)
{
	int64_t f = profile_function(p, fn, fn, "", 0);
	struct profile_line line = { (uint64_t)f, 0 };
	uint64_t loc = (uint64_t)profile_location(p, 0, 0x1000 + (uint64_t)f, &line, 1);
	struct profile_label labels[] = {
		{ "span", "request", 0, NULL },
		{ "span_ns", NULL, span_ns, "nanoseconds" },
	};
	int64_t values[] = { value };
	struct profile_sample s = { 1, &loc, 2, labels, values };

	profile_add_sample(p, &s);
}

/* What spanreport_compare prints into a string (caller frees), and its result. */
static char *compare(struct profile *p, const struct spanreport *r, double pct, int *ret)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	*ret = spanreport_compare(p, 0, r, pct, 0, f);
	fclose(f);
	return out;
}

int main(void)
{
	char path[] = "/tmp/test-spanreport.XXXXXX";
	struct spanreport *r = NULL;
	struct profile *p = NULL;
	size_t line = 0;
	char *out;
	int fd = mkstemp(path), ret;

	if (fd < 0 || write_log(path) < 0) {
		printf("Bail out! cannot write the span log\n");
		return 1;
	}
	close(fd);
	is_int(spanreport_read(path, &r, &line), 0, "the span log reads back");
	unlink(path);
	profile_new(&p);
	profile_add_type(p, "cpu", "nanoseconds");

	/* Every sampled ordinary request took 70 us: longer than the median (50 us)
	 * because the sample landed in it, shorter than the slow threshold. */
	add(p, "parse", 70 * US, 3 * MS);
	add(p, "respond", 70 * US, 1 * MS);
	add(p, "slow_path", 5 * MS, 8 * MS);
	add(p, "parse", 5 * MS, 2 * MS);

	out = compare(p, r, 99, &ret);
	is_int(ret, 0, "sampled spans above the median still form the baseline");
	ok(out && strstr(out, "than in the other spans"), "the header names the baseline");
	/* slow: slow_path 80%, parse 20%; other: parse 75%, respond 25%. */
	ok(out && strstr(out, " 80.00%    0.00%  +80.00  slow_path\n"),
	   "slow_path: 80%% of the slow spans' samples, none of the others'");
	ok(out && !strstr(out, "parse") && !strstr(out, "respond"),
	   "functions whose slow share is not larger are left out");
	free(out);

	profile_free(p);

	/* Samples in slow spans only: nothing to compare them with. */
	profile_new(&p);
	profile_add_type(p, "cpu", "nanoseconds");
	add(p, "slow_path", 5 * MS, 8 * MS);
	out = compare(p, r, 99, &ret);
	is_int(ret, -ENOENT, "samples in slow spans only: -ENOENT");
	free(out);
	profile_free(p);
	spanreport_free(r);
	return done_testing();
}
