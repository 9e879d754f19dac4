/* test-hdrlog.c - HdrHistogram V2 encoding and interval logs: round trips, a
 * hand-assembled encoding, and corrupt or truncated input (base64, deflate,
 * payload, log lines) that must give -EINVAL, never a crash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hdr.h"
#include "hdrlog.h"
#include "tap.h"

static int same(const struct hdr *a, const struct hdr *b)
{
	if (hdr_lowest(a) != hdr_lowest(b) || hdr_highest(a) != hdr_highest(b) ||
	    hdr_digits(a) != hdr_digits(b) || hdr_counts_len(a) != hdr_counts_len(b) ||
	    hdr_total_count(a) != hdr_total_count(b) || hdr_max(a) != hdr_max(b) ||
	    hdr_min(a) != hdr_min(b))
		return 0;
	for (size_t i = 0; i < hdr_counts_len(a); i++)
		if (hdr_count_at_index(a, i) != hdr_count_at_index(b, i))
			return 0;
	return 1;
}

static struct hdr *sample(void)
{
	struct hdr *h = NULL;

	hdr_new(1, 3600LL * 1000000000, 3, &h);
	for (int v = 1; v <= 3000; v += 7)
		hdr_record(h, v);
	hdr_record_n(h, 0, 4);                  /* index 0 */
	hdr_record_n(h, 2048, 1);               /* a lone zero before it */
	hdr_record_n(h, 123456789, 1LL << 60);  /* a count needing all 9 bytes */
	hdr_record_n(h, 3600LL * 1000000000, 2);/* the very top */
	return h;
}

static void test_round_trip(void)
{
	struct hdr *h = sample(), *back = NULL, *empty = NULL;
	const char *why = NULL;
	uint8_t *buf = NULL;
	char *b64 = NULL;
	size_t len = 0;

	is_int(hdrlog_encode(h, &buf, &len), 0, "encode");
	ok(len > 8 && buf[0] == 0x1c && buf[1] == 0x84 && buf[2] == 0x93 && buf[3] == 0x14,
	   "starts with the V2 compressed cookie 0x1c849314");
	is_int(hdrlog_decode(buf, len, &back, &why), 0, "decode");
	ok(back && same(h, back), "round trip keeps parameters and every count");
	hdr_free(back);
	is_int(hdrlog_encode_b64(h, &b64), 0, "encode base64");
	ok(b64 && strncmp(b64, "HISTFAA", 7) == 0, "base64 starts with HISTFAA, as HdrHistogram's");
	is_int(hdrlog_decode_b64(b64, strlen(b64), &back, &why), 0, "decode base64");
	ok(back && same(h, back), "base64 round trip");
	hdr_free(back);
	free(b64);
	free(buf);

	hdr_new(1000, 1000000, 2, &empty);
	is_int(hdrlog_encode_b64(empty, &b64), 0, "encode an empty histogram");
	is_int(hdrlog_decode_b64(b64, strlen(b64), &back, &why), 0, "decode it");
	ok(back && same(empty, back) && hdr_total_count(back) == 0, "empty round trip");
	hdr_free(back);
	free(b64);
	hdr_free(empty);
	hdr_free(h);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A plain V2 encoding assembled by hand from the format description. */
static size_t hand_encoding(uint8_t *b, const uint8_t *payload, size_t n)
{
	memset(b, 0, 40);
	put32(b, 0x1c849313);
	put32(b + 4, (uint32_t)n);
	put32(b + 12, 3);                       /* digits */
	b[23] = 1;                              /* lowest 1 */
	put32(b + 28, 1000000);                 /* highest 1000000 */
	b[32] = 0x3f;                           /* 1.0 */
	b[33] = 0xf0;
	memcpy(b + 40, payload, n);
	return 40 + n;
}

static void test_hand_encoding(void)
{
	/* Counts [0 0 0 5 0 2 300]: -3 (ZigZag 5), 5 (10), a lone 0, 2 (4),
	 * 300 (ZigZag 600 = LEB128 0xd8 0x04). */
	static const uint8_t payload[] = { 0x05, 0x0a, 0x00, 0x04, 0xd8, 0x04 };
	uint8_t b[64], z[128];
	uLongf zlen = sizeof(z) - 8;
	struct hdr *h = NULL;
	const char *why = NULL;
	size_t n = hand_encoding(b, payload, sizeof(payload));

	is_int(hdrlog_decode(b, n, &h, &why), 0, "decode a hand-made plain V2 encoding");
	ok(h && hdr_count_at_index(h, 3) == 5 && hdr_count_at_index(h, 5) == 2 &&
	   hdr_count_at_index(h, 6) == 300 && hdr_total_count(h) == 307,
	   "counts 5 at 3, 2 at 5, 300 at 6");
	ok(h && hdr_highest(h) == 1000000 && hdr_digits(h) == 3, "header parameters");
	hdr_free(h);

	compress2(z + 8, &zlen, b, n, 9);
	put32(z, 0x1c849314);
	put32(z + 4, (uint32_t)zlen);
	is_int(hdrlog_decode(z, 8 + zlen, &h, &why), 0, "the same deflated (compressed V2)");
	ok(h && hdr_total_count(h) == 307, "same counts");
	hdr_free(h);

	/* A run of zeros past the end of the counts array. */
	{
		static const uint8_t bad[] = { 0x05, 0x0a, 0xff, 0xff, 0x03 };

		n = hand_encoding(b, bad, sizeof(bad));
		is_int(hdrlog_decode(b, n, &h, &why), -EINVAL, "zeros beyond the range: -EINVAL");
		ok(h == NULL, "and no histogram");
	}
	/* A count cut in the middle of its LEB128 bytes. */
	{
		static const uint8_t cut[] = { 0x0a, 0xd8 };

		n = hand_encoding(b, cut, sizeof(cut));
		is_int(hdrlog_decode(b, n, &h, &why), -EINVAL, "truncated LEB128: -EINVAL (%s)", why);
	}
	/* Random payloads: a histogram or -EINVAL, nothing else. */
	{
		uint8_t rnd[24], big[40 + sizeof(rnd)];
		uint32_t x = 2463534242u;
		int odd = 0;

		for (int k = 0; k < 2000; k++) {
			int r;

			for (size_t i = 0; i < sizeof(rnd); i++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				rnd[i] = (uint8_t)x;
			}
			n = hand_encoding(big, rnd, sizeof(rnd));
			r = hdrlog_decode(big, n, &h, &why);
			if (!((r == 0 && h) || (r == -EINVAL && !h)))
				odd++;
			hdr_free(h);
		}
		is_int(odd, 0, "2000 random payloads: a histogram or -EINVAL");
	}
	n = hand_encoding(b, payload, sizeof(payload));
	put32(b + 4, 100);
	is_int(hdrlog_decode(b, n, &h, &why), -EINVAL, "payload length past the end: -EINVAL");
	n = hand_encoding(b, payload, sizeof(payload));
	put32(b + 12, 7);
	is_int(hdrlog_decode(b, n, &h, &why), -EINVAL, "7 digits: -EINVAL");
	n = hand_encoding(b, payload, sizeof(payload));
	put32(b, 0x1c849301);
	is_int(hdrlog_decode(b, n, &h, &why), -EINVAL, "a V1 cookie: -EINVAL");
}

static void test_corrupt(void)
{
	struct hdr *h = sample(), *back = NULL;
	const char *why = NULL;
	uint8_t *buf = NULL;
	char *b64 = NULL;
	size_t len = 0, b64len;
	int bad = 0, flips_ok = 1;

	hdrlog_encode(h, &buf, &len);
	hdrlog_encode_b64(h, &b64);
	b64len = strlen(b64);

	for (size_t n = 0; n < len; n++)
		if (hdrlog_decode(buf, n, &back, &why) != -EINVAL || back) {
			bad++;
			hdr_free(back);
		}
	is_int(bad, 0, "every truncation of the binary (%zu) gives -EINVAL", len);

	/* Flip every byte of the deflate stream: zlib's checksum or the decoder
	 * must notice; a change that still decodes must give a histogram. */
	for (size_t i = 8; i < len; i++) {
		int r;

		buf[i] ^= 0x5a;
		r = hdrlog_decode(buf, len, &back, &why);
		if (!(r == -EINVAL && !back) && !(r == 0 && back))
			flips_ok = 0;
		hdr_free(back);
		buf[i] ^= 0x5a;
	}
	ok(flips_ok, "flipped deflate bytes: -EINVAL (or a valid histogram)");

	is_int(hdrlog_decode_b64(b64, b64len - 1, &back, &why), -EINVAL,
	       "base64 missing its last character: -EINVAL (%s)", why);
	is_int(hdrlog_decode_b64(b64, b64len - 4, &back, &why), -EINVAL,
	       "base64 missing its last 4 characters: -EINVAL (%s)", why);
	b64[10] = '!';
	is_int(hdrlog_decode_b64(b64, b64len, &back, &why), -EINVAL,
	       "invalid base64 character: -EINVAL (%s)", why);
	is_int(hdrlog_decode_b64("", 0, &back, &why), -EINVAL, "empty base64: -EINVAL");
	is_int(hdrlog_decode_b64("QUJD", 4, &back, &why), -EINVAL, "base64 of 'ABC': -EINVAL");
	is_int(hdrlog_decode_b64("HISTFAA=AAAA", 12, &back, &why), -EINVAL,
	       "padding in the middle: -EINVAL");
	ok(back == NULL, "no histogram after failures");
	free(b64);
	free(buf);
	hdr_free(h);
}

static void test_log(void)
{
	struct hdr *h = sample(), *h2 = NULL;
	struct hdrlog_reader *r = NULL;
	struct hdrlog_interval iv;
	char *text = NULL, *cut;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	hdr_new(1, 1000000, 2, &h2);
	hdr_record_n(h2, 777, 3);
	is_int(hdrlog_write_header(f, "test", 1700000000.5), 0, "write header");
	is_int(hdrlog_write_interval(f, NULL, 0, 1.5, 1e6, h), 0, "write untagged interval");
	is_int(hdrlog_write_interval(f, "b", 1.5, 2, 1e6, h2), 0, "write tagged interval");
	is_int(hdrlog_write_interval(f, "a,b", 1.5, 2, 1e6, h2), -EINVAL, "a tag with ',': -EINVAL");
	fclose(f);
	ok(strstr(text, "#[StartTime: 1700000000.500 (seconds since epoch), Tue Nov 14 ") != NULL,
	   "StartTime header");
	ok(strstr(text, "\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		  "\"Interval_Compressed_Histogram\"\n") != NULL, "legend line");
	ok(strstr(text, "\nTag=b,1.500,2.000,0.001,HISTFAA") != NULL, "tagged line, max in ms");

	hdrlog_reader_new(text, size, &r);
	is_int(hdrlog_read(r, &iv), 1, "read first interval");
	ok(iv.tag == NULL && iv.start == 1700000000.5 && iv.length == 1.5, "untagged, at StartTime");
	ok(iv.h && same(iv.h, h), "same histogram");
	hdr_free(iv.h);
	is_int(hdrlog_read(r, &iv), 1, "read second interval");
	ok(iv.tag && !strcmp(iv.tag, "b") && iv.start == 1700000002.0, "tag b, 1.5 s later");
	ok(iv.h && same(iv.h, h2), "same histogram");
	hdr_free(iv.h);
	is_int(hdrlog_read(r, &iv), 0, "end of log");
	ok(hdrlog_reader_start_time(r) == 1700000000.5, "start time");
	hdrlog_reader_free(r);

	/* Cut inside the second histogram: line 7 is bad. */
	cut = strstr(text, "Tag=b");
	hdrlog_reader_new(text, (size_t)(cut - text) + 30, &r);
	is_int(hdrlog_read(r, &iv), 1, "truncated log: first interval still read");
	hdr_free(iv.h);
	is_int(hdrlog_read(r, &iv), -EINVAL, "truncated line: -EINVAL");
	is_int(hdrlog_reader_line(r), 7, "on line 7");
	ok(iv.h == NULL, "no histogram");
	hdrlog_reader_free(r);

	{
		static const char bad[] = "#[StartTime: 5 (seconds)]\n1.0,oops,2,HISTFAAAAA==\n";

		hdrlog_reader_new(bad, sizeof(bad) - 1, &r);
		is_int(hdrlog_read(r, &iv), -EINVAL, "a non-numeric field: -EINVAL");
		is_int(hdrlog_reader_line(r), 2, "on line 2 (%s)", hdrlog_reader_why(r));
		hdrlog_reader_free(r);
	}
	free(text);
	hdr_free(h);
	hdr_free(h2);
}

int main(void)
{
	test_round_trip();
	test_hand_encoding();
	test_corrupt();
	test_log();
	return done_testing();
}
