/* hdrlog.h - HdrHistogram's exchange formats: one histogram in the "V2
 * compressed" encoding (big-endian header, counts as ZigZag LEB128 with runs of
 * zeros as negative counts, zlib-deflated, base64 in text), and the interval
 * log text format that HdrHistogram's HistogramLogWriter/Reader and
 * HistogramLogProcessor use:
 *
 *   #[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]
 *   #[BaseTime: 1700000000.000 (seconds since epoch)]
 *   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
 *   [Tag=NAME,]START,LENGTH,MAX,BASE64
 */
#ifndef HWPROF_HDRLOG_H
#define HWPROF_HDRLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hdr.h"

/* h in the V2 compressed encoding, in a malloc'ed buffer (*out, *len).
 * Returns 0, -ENOMEM, -EIO (zlib failure). */
int hdrlog_encode(const struct hdr *h, uint8_t **out, size_t *len);

/* Decode a V2 compressed (or plain V2) histogram from buf.  Fills *out.
 * Returns 0, -EINVAL for anything malformed, truncated or not V2 (*why, when
 * not NULL, then says what in a few words; a static string), -ENOMEM. */
int hdrlog_decode(const uint8_t *buf, size_t len, struct hdr **out, const char **why);

/* The same through base64 (standard alphabet, padded), as in interval logs.
 * hdrlog_encode_b64 fills *out with a malloc'ed NUL-terminated string. */
int hdrlog_encode_b64(const struct hdr *h, char **out);
int hdrlog_decode_b64(const char *s, size_t len, struct hdr **out, const char **why);

/* Write the log's header: a comment naming the writer, the format version,
 * StartTime and BaseTime (both start_sec, seconds since the epoch; the
 * intervals' timestamps are then relative to it) and the legend line.
 * Returns 0 or -EIO. */
int hdrlog_write_header(FILE *f, const char *writer, double start_sec);

/* One interval line: tag (NULL or "" for none; no ',' ' ' or newline in it),
 * start seconds relative to BaseTime, length in seconds, and h, whose maximum
 * is written divided by max_ratio (HdrHistogram's tools use 1e6: ns -> ms).
 * Returns 0, -EINVAL (bad tag), -ENOMEM, -EIO. */
int hdrlog_write_interval(FILE *f, const char *tag, double start, double length,
			  double max_ratio, const struct hdr *h);

/* Reading: a reader over a whole log held in memory (buf is not copied and must
 * outlive the reader). */
struct hdrlog_reader;

struct hdrlog_interval {
	char *tag;              /* NULL when untagged; owned by the reader */
	double start;           /* seconds since the epoch when the log says when */
	double length;
	struct hdr *h;          /* the caller's to free */
};

int hdrlog_reader_new(const char *buf, size_t len, struct hdrlog_reader **out);
void hdrlog_reader_free(struct hdrlog_reader *r);

/* The next interval into *iv.  Returns 1, 0 at the end, -EINVAL for a
 * malformed line (hdrlog_reader_line and hdrlog_reader_why say which and
 * why), -ENOMEM.  iv->tag stays valid until the next call. */
int hdrlog_read(struct hdrlog_reader *r, struct hdrlog_interval *iv);
size_t hdrlog_reader_line(const struct hdrlog_reader *r);
const char *hdrlog_reader_why(const struct hdrlog_reader *r);
/* StartTime from the header, or 0 when the log has none. */
double hdrlog_reader_start_time(const struct hdrlog_reader *r);

#endif
