/* hdrlog.c - HdrHistogram's V2 encoding and interval log format (hdrlog.h).
 *
 * V2 encoding, all integers big-endian:
 *   int32 cookie (0x1c849313; the 0x10 bits are the V2 word-size marker)
 *   int32 payload length, int32 normalizing index offset (0),
 *   int32 significant digits, int64 lowest discernible value,
 *   int64 highest trackable value, double integer-to-double ratio (1.0),
 *   payload: the counts array up to the last non-zero count, each count
 *   ZigZag-encoded LEB128 (at most 9 bytes, the 9th carrying 8 bits), a run of
 *   N > 1 zero counts written as the single count -N.
 * Compressed: int32 cookie (0x1c849314), int32 length, then the above deflated
 * with zlib (zlib header, as java.util.zip.Deflater writes it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "hdrlog.h"

#define V2_COOKIE_BASE            0x1c849303u
#define V2_COMPRESSED_COOKIE_BASE 0x1c849304u
#define V2_WORD_SIZE_MARK         0x10u
#define V2_HEADER_LEN             40
#define ZZ_MAX_BYTES              9

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static size_t zz_put(uint8_t *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	/* Eight 7-bit groups with a continuation bit; a 9th byte, if needed,
	 * carries the top 8 bits whole (64 = 8 * 7 + 8). */
	while (n < ZZ_MAX_BYTES - 1 && u >= 0x80) {
		p[n++] = (uint8_t)(u & 0x7f) | 0x80;
		u >>= 7;
	}
	p[n++] = (uint8_t)u;
	return n;
}

/* Decode one value at *pos (< end); -EINVAL when truncated. */
static int zz_get(const uint8_t *buf, size_t end, size_t *pos, int64_t *out)
{
	uint64_t u = 0;
	size_t i;

	for (i = 0; i < ZZ_MAX_BYTES; i++) {
		uint8_t b;

		if (*pos >= end)
			return -EINVAL;
		b = buf[(*pos)++];
		if (i == ZZ_MAX_BYTES - 1) {
			u |= (uint64_t)b << 56;
			break;
		}
		u |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	*out = (int64_t)((u >> 1) ^ (~(u & 1) + 1));
	return 0;
}

/* The plain V2 encoding of h into a malloc'ed buffer. */
static int encode_plain(const struct hdr *h, uint8_t **out, size_t *len)
{
	size_t limit = 0, n = V2_HEADER_LEN, i;
	uint8_t *buf;
	double ratio = 1.0;
	uint64_t ratio_bits;

	for (i = hdr_counts_len(h); i > 0; i--)
		if (hdr_count_at_index(h, i - 1)) {
			limit = i;
			break;
		}
	buf = malloc(V2_HEADER_LEN + limit * ZZ_MAX_BYTES + 1);
	if (!buf)
		return -ENOMEM;
	i = 0;
	while (i < limit) {
		int64_t c = hdr_count_at_index(h, i++);
		int64_t zeros = 0;

		if (c == 0) {
			zeros = 1;
			while (i < limit && hdr_count_at_index(h, i) == 0) {
				zeros++;
				i++;
			}
		}
		/* A lone zero is cheaper as itself than as the run "-1". */
		n += zz_put(buf + n, zeros > 1 ? -zeros : c);
	}
	memcpy(&ratio_bits, &ratio, sizeof(ratio_bits));
	put32(buf, V2_COOKIE_BASE | V2_WORD_SIZE_MARK);
	put32(buf + 4, (uint32_t)(n - V2_HEADER_LEN));
	put32(buf + 8, 0);
	put32(buf + 12, (uint32_t)hdr_digits(h));
	put64(buf + 16, (uint64_t)hdr_lowest(h));
	put64(buf + 24, (uint64_t)hdr_highest(h));
	put64(buf + 32, ratio_bits);
	*out = buf;
	*len = n;
	return 0;
}

int hdrlog_encode(const struct hdr *h, uint8_t **out, size_t *len)
{
	uint8_t *plain = NULL, *buf = NULL;
	size_t plain_len;
	uLongf zlen;
	int err;

	*out = NULL;
	*len = 0;
	err = encode_plain(h, &plain, &plain_len);
	if (err)
		goto out;
	zlen = compressBound(plain_len);
	err = -ENOMEM;
	buf = malloc(8 + zlen);
	if (!buf)
		goto out;
	err = -EIO;
	if (compress2(buf + 8, &zlen, plain, plain_len, Z_DEFAULT_COMPRESSION) != Z_OK)
		goto out;
	put32(buf, V2_COMPRESSED_COOKIE_BASE | V2_WORD_SIZE_MARK);
	put32(buf + 4, (uint32_t)zlen);
	*out = buf;
	*len = 8 + zlen;
	buf = NULL;
	err = 0;
out:
	free(plain);
	free(buf);
	return err;
}

#define WHY(s) do { if (why) *why = (s); } while (0)

/* Decode a plain V2 encoding (header and payload) from buf. */
static int decode_plain(const uint8_t *buf, size_t len, struct hdr **out, const char **why)
{
	struct hdr *h = NULL;
	uint32_t payload;
	int64_t lowest, highest;
	int32_t digits;
	size_t pos, end, idx = 0;
	int err = -EINVAL;

	*out = NULL;
	if (len < V2_HEADER_LEN) {
		WHY("truncated histogram header");
		goto fail;
	}
	if ((get32(buf) & ~0xf0u) != V2_COOKIE_BASE) {
		WHY("not an HdrHistogram V2 encoding (bad cookie)");
		goto fail;
	}
	payload = get32(buf + 4);
	digits = (int32_t)get32(buf + 12);
	lowest = (int64_t)get64(buf + 16);
	highest = (int64_t)get64(buf + 24);
	if (get32(buf + 8) != 0) {
		WHY("normalizing index offset is not supported");
		goto fail;
	}
	if (payload > len - V2_HEADER_LEN) {
		WHY("truncated histogram payload");
		goto fail;
	}
	err = hdr_new(lowest, highest, digits, &h);
	if (err) {
		WHY(err == -EINVAL ? "bad histogram parameters" : "out of memory");
		goto fail;
	}
	pos = V2_HEADER_LEN;
	end = V2_HEADER_LEN + payload;
	err = -EINVAL;
	while (pos < end) {
		int64_t c;

		if (zz_get(buf, end, &pos, &c) < 0) {
			WHY("truncated count in histogram payload");
			goto fail;
		}
		if (c < 0) {
			if (c == INT64_MIN || (uint64_t)-c > hdr_counts_len(h) - idx) {
				WHY("histogram payload has more counts than its range");
				goto fail;
			}
			idx += (size_t)-c;
			continue;
		}
		if (hdr_add_at_index(h, idx++, c) < 0) {
			WHY("histogram payload has more counts than its range");
			goto fail;
		}
	}
	*out = h;
	return 0;
fail:
	hdr_free(h);
	return err;
}

/* Inflate exactly n bytes into dst. */
static int inflate_exact(z_stream *zs, uint8_t *dst, size_t n)
{
	zs->next_out = dst;
	zs->avail_out = (uInt)n;
	while (zs->avail_out > 0) {
		int ret = inflate(zs, Z_NO_FLUSH);

		if (ret == Z_STREAM_END)
			break;
		if (ret != Z_OK)
			return -EINVAL;
	}
	return zs->avail_out == 0 ? 0 : -EINVAL;
}

int hdrlog_decode(const uint8_t *buf, size_t len, struct hdr **out, const char **why)
{
	uint8_t head[V2_HEADER_LEN], *plain = NULL;
	z_stream zs;
	uint32_t zlen, payload;
	int inited = 0, err = -EINVAL;

	*out = NULL;
	WHY("");
	if (len < 8) {
		WHY("truncated histogram");
		goto out;
	}
	if ((get32(buf) & ~0xf0u) == V2_COOKIE_BASE) {
		err = decode_plain(buf, len, out, why);
		goto out;
	}
	if ((get32(buf) & ~0xf0u) != V2_COMPRESSED_COOKIE_BASE) {
		WHY("not an HdrHistogram V2 compressed histogram (bad cookie)");
		goto out;
	}
	zlen = get32(buf + 4);
	if (zlen > len - 8) {
		WHY("truncated compressed histogram");
		goto out;
	}
	memset(&zs, 0, sizeof(zs));
	zs.next_in = (Bytef *)(uintptr_t)(buf + 8);
	zs.avail_in = zlen;
	err = -ENOMEM;
	if (inflateInit(&zs) != Z_OK)
		goto out;
	inited = 1;
	err = -EINVAL;
	if (inflate_exact(&zs, head, sizeof(head)) < 0) {
		WHY("corrupt or truncated deflate data");
		goto out;
	}
	payload = get32(head + 4);
	/* deflate expands by at most ~1032:1: a longer payload claimed by a
	 * short stream is corrupt and not worth allocating. */
	if ((uint64_t)payload > (uint64_t)zlen * 1032 + 64) {
		WHY("histogram payload length is out of range");
		goto out;
	}
	err = -ENOMEM;
	plain = malloc(V2_HEADER_LEN + (size_t)payload);
	if (!plain)
		goto out;
	memcpy(plain, head, sizeof(head));
	err = -EINVAL;
	if (inflate_exact(&zs, plain + V2_HEADER_LEN, payload) < 0) {
		WHY("corrupt or truncated deflate data");
		goto out;
	}
	err = decode_plain(plain, V2_HEADER_LEN + (size_t)payload, out, why);
out:
	if (inited)
		inflateEnd(&zs);
	free(plain);
	return err;
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hdrlog_encode_b64(const struct hdr *h, char **out)
{
	uint8_t *bin = NULL;
	size_t len, i, o = 0;
	char *s;
	int err;

	*out = NULL;
	err = hdrlog_encode(h, &bin, &len);
	if (err)
		return err;
	s = malloc((len + 2) / 3 * 4 + 1);
	if (!s) {
		free(bin);
		return -ENOMEM;
	}
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)bin[i] << 16 | (uint32_t)bin[i + 1] << 8 | bin[i + 2];

		s[o++] = b64chars[v >> 18];
		s[o++] = b64chars[(v >> 12) & 63];
		s[o++] = b64chars[(v >> 6) & 63];
		s[o++] = b64chars[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)bin[i] << 16 | (i + 1 < len ? (uint32_t)bin[i + 1] << 8 : 0);

		s[o++] = b64chars[v >> 18];
		s[o++] = b64chars[(v >> 12) & 63];
		s[o++] = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
		s[o++] = '=';
	}
	s[o] = '\0';
	free(bin);
	*out = s;
	return 0;
}

static int b64val(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64chars, c);
	return p ? (int)(p - b64chars) : -1;
}

int hdrlog_decode_b64(const char *s, size_t len, struct hdr **out, const char **why)
{
	uint8_t *bin;
	size_t n = 0;
	int err;

	*out = NULL;
	if (len == 0 || len % 4) {
		WHY("truncated base64 (length not a multiple of 4)");
		return -EINVAL;
	}
	bin = malloc(len / 4 * 3);
	if (!bin)
		return -ENOMEM;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			v[j] = b64val(s[i + j]);
			/* '=' only as the last one or two characters. */
			if (s[i + j] == '=' && i + 4 == len && j >= 2 &&
			    (j == 3 || s[i + 3] == '=')) {
				v[j] = 0;
				pad++;
			} else if (v[j] < 0) {
				free(bin);
				WHY("invalid base64 character");
				return -EINVAL;
			}
		}
		bin[n++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			bin[n++] = (uint8_t)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			bin[n++] = (uint8_t)((v[2] & 3) << 6 | v[3]);
	}
	err = hdrlog_decode(bin, n, out, why);
	free(bin);
	return err;
}

int hdrlog_write_header(FILE *f, const char *writer, double start_sec)
{
	char date[64] = "";
	time_t t = (time_t)start_sec;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", &tm);
	fprintf(f, "#[Logged with %s]\n", writer ? writer : "hwprof");
	fprintf(f, "#[Histogram log format version 1.3]\n");
	fprintf(f, "#[StartTime: %.3f (seconds since epoch), %s]\n", start_sec, date);
	fprintf(f, "#[BaseTime: %.3f (seconds since epoch)]\n", start_sec);
	fprintf(f, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
		"\"Interval_Compressed_Histogram\"\n");
	return ferror(f) ? -EIO : 0;
}

int hdrlog_write_interval(FILE *f, const char *tag, double start, double length,
			  double max_ratio, const struct hdr *h)
{
	char *b64;
	int err;

	if (tag && strpbrk(tag, ", \t\r\n"))
		return -EINVAL;
	if (max_ratio <= 0)
		max_ratio = 1;
	err = hdrlog_encode_b64(h, &b64);
	if (err)
		return err;
	if (tag && *tag)
		fprintf(f, "Tag=%s,", tag);
	fprintf(f, "%.3f,%.3f,%.3f,%s\n", start, length, (double)hdr_max(h) / max_ratio, b64);
	free(b64);
	return ferror(f) ? -EIO : 0;
}

struct hdrlog_reader {
	const char *buf;
	size_t len, pos, line;
	const char *why;
	double start_time, base_time;
	int have_start, have_base;
	char *text;             /* the current line, NUL-terminated */
	char *tag;
};

int hdrlog_reader_new(const char *buf, size_t len, struct hdrlog_reader **out)
{
	struct hdrlog_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->buf = buf;
	r->len = len;
	r->why = "";
	*out = r;
	return 0;
}

void hdrlog_reader_free(struct hdrlog_reader *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->tag);
	free(r);
}

size_t hdrlog_reader_line(const struct hdrlog_reader *r)
{
	return r->line;
}

const char *hdrlog_reader_why(const struct hdrlog_reader *r)
{
	return r->why;
}

double hdrlog_reader_start_time(const struct hdrlog_reader *r)
{
	return r->have_start ? r->start_time : 0;
}

/* A "#[Name: SECONDS ..." header value. */
static int header_time(const char *s, const char *name, double *out)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(s, name, n) != 0)
		return 0;
	*out = strtod(s + n, &end);
	return end != s + n ? 1 : -1;
}

/* A number field ending in ','; advances *s past the comma. */
static int field(char **s, double *out)
{
	char *end;

	*out = strtod(*s, &end);
	if (end == *s || *end != ',')
		return -EINVAL;
	*s = end + 1;
	return 0;
}

static int parse_interval(struct hdrlog_reader *r, char *s, struct hdrlog_interval *iv)
{
	double ts, length, max;
	size_t n;
	int err;

	free(r->tag);
	r->tag = NULL;
	if (strncmp(s, "Tag=", 4) == 0) {
		char *comma = strchr(s + 4, ',');

		if (!comma) {
			r->why = "a tag without the fields after it";
			return -EINVAL;
		}
		*comma = '\0';
		r->tag = strdup(s + 4);
		if (!r->tag)
			return -ENOMEM;
		s = comma + 1;
	}
	if (field(&s, &ts) < 0 || field(&s, &length) < 0 || field(&s, &max) < 0) {
		r->why = "expected START,LENGTH,MAX,HISTOGRAM";
		return -EINVAL;
	}
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	err = hdrlog_decode_b64(s, n, &iv->h, &r->why);
	if (err)
		return err;
	if (!r->have_base) {
		/* As HdrHistogram's reader: without BaseTime, timestamps more
		 * than a year before StartTime are relative to it. */
		r->base_time = r->have_start && ts < r->start_time - 365 * 24 * 3600.0 ?
			r->start_time : 0;
		r->have_base = 1;
	}
	iv->tag = r->tag;
	iv->start = r->base_time + ts;
	iv->length = length;
	return 1;
}

int hdrlog_read(struct hdrlog_reader *r, struct hdrlog_interval *iv)
{
	memset(iv, 0, sizeof(*iv));
	while (r->pos < r->len) {
		const char *p = r->buf + r->pos;
		const char *nl = memchr(p, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;
		char *s;
		int got;

		r->pos += n + (nl ? 1 : 0);
		r->line++;
		free(r->text);
		r->text = s = strndup(p, n);
		if (!s)
			return -ENOMEM;
		if (strlen(s) != n) {
			r->why = "a NUL byte in the line";
			return -EINVAL;
		}
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		if (n == 0 || strncmp(s, "\"StartTimestamp\"", 16) == 0)
			continue;
		if (s[0] == '#') {
			got = header_time(s, "#[StartTime: ", &r->start_time);
			if (got > 0)
				r->have_start = 1;
			if (got == 0) {
				got = header_time(s, "#[BaseTime: ", &r->base_time);
				if (got > 0)
					r->have_base = 1;
			}
			if (got < 0) {
				r->why = "a StartTime/BaseTime header without seconds";
				return -EINVAL;
			}
			continue;
		}
		return parse_interval(r, s, iv);
	}
	return 0;
}
