/* fuzz-hdrlog.c - libFuzzer target for the HdrHistogram interval log reader and
 * the V2 decoder (built and run by tests/fuzz/run.sh).
 *
 * Any input must read to the end or stop with -EINVAL and a line number, without
 * a crash or leak; a histogram that decodes must survive encode -> decode with the
 * same total count. */
#include "hdr.h"
#include "hdrlog.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct hdr *h)
{
	struct hdr *back = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (hdrlog_encode(h, &buf, &len) == 0) {
		if (hdrlog_decode(buf, len, &back, NULL) != 0 ||
		    hdr_total_count(back) != hdr_total_count(h))
			abort();
	}
	hdr_free(back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdrlog_reader *r = NULL;
	struct hdrlog_interval iv;
	struct hdr *h = NULL;
	int n = 0;

	/* The raw bytes as one encoded histogram... */
	if (hdrlog_decode(data, size, &h, NULL) == 0)
		check_round_trip(h);
	hdr_free(h);
	/* ...and as a whole log. */
	if (hdrlog_reader_new((const char *)data, size, &r) != 0)
		return 0;
	while (n++ < 64 && hdrlog_read(r, &iv) == 1) {
		check_round_trip(iv.h);
		hdr_free(iv.h);
	}
	hdrlog_reader_free(r);
	return 0;
}
