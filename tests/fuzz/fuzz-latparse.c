/* fuzz-latparse.c - libFuzzer target for the input of `hwprof latency`: each
 * line through latparse_line, and the accepted latencies through the batched
 * coordinated-omission correction, checked against the step-by-step one
 * (built and run by tests/fuzz/run.sh).
 *
 * Any line must parse to a latency >= 0, say nothing (blank, comment), or be
 * refused with a reason and words that lie inside the line; hdrco must give
 * the very histogram hdr_record_corrected gives, value by value. */
#include "hdr.h"
#include "hdrco.h"
#include "latparse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small histograms (highest 10^9, 1..3 digits) keep the step-by-step way
 * fast whatever the input. */
#define HIGHEST 1000000000LL

static void check_line(const char *line, size_t len, int64_t unit, struct hdrco *co, struct hdr *want,
		       int64_t interval)
{
	struct latparse_line l;
	int r = latparse_line(line, len, unit, &l);

	if (r == 0)
		return;
	if (r == -EINVAL) {
		if (!l.why || !l.text || l.text < line || l.text + l.text_len > line + len)
			abort();
		return;
	}
	if (r != 1 || l.latency < 0 || l.text < line || l.text + l.text_len > line + len)
		abort();
	if (hdrco_record(co, l.latency) != hdr_record_corrected(want, l.latency, interval))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t units[] = { 1, 1000, 1000000, 1000000000 };
	/* Kept from input to input (one pair per number of digits) and reset:
	 * a fresh pair each time spent most of the run faulting its pages in. */
	static struct hdr *hists[3][2];
	struct hdr *got, *want;
	struct hdrco *co = NULL;
	const char *p, *end, *nl;
	int64_t unit, interval;
	int digits;

	/* First byte: unit and digits; next two: the expected interval. */
	if (size < 3)
		return 0;
	unit = units[data[0] & 3];
	digits = 1 + (data[0] >> 2) % 3;
	interval = 1 + (((int64_t)data[1] << 8 | data[2]) << (data[0] >> 4));
	if (!hists[digits - 1][0] && (hdr_new(1, HIGHEST, digits, &hists[digits - 1][0]) ||
				      hdr_new(1, HIGHEST, digits, &hists[digits - 1][1])))
		abort();
	got = hists[digits - 1][0];
	want = hists[digits - 1][1];
	hdr_reset(got);
	hdr_reset(want);
	if (hdrco_new(got, interval, &co))
		abort();
	p = (const char *)data + 3;
	end = (const char *)data + size;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		check_line(p, (size_t)(nl - p), unit, co, want, interval);
	}
	if (hdrco_flush(co) != 0 || hdr_total_count(got) != hdr_total_count(want) ||
	    hdr_min(got) != hdr_min(want) || hdr_max(got) != hdr_max(want))
		abort();
	for (size_t i = 0; i < hdr_counts_len(got); i++)
		if (hdr_count_at_index(got, i) != hdr_count_at_index(want, i))
			abort();
	hdrco_free(co);
	return 0;
}
