/* json.c - see json.h. */
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct parser {
	const char *s;
	size_t len, pos;
	int depth;
};

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return -EINVAL;
	p->pos += n;
	return 0;
}

static size_t digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, then strtod on a copy (the
 * buffer need not end in NUL). */
static int number(struct parser *p, double *out)
{
	size_t start = p->pos, n;
	char buf[64];

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (!digits(p))
		return -EINVAL;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!digits(p))
			return -EINVAL;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digits(p))
			return -EINVAL;
	}
	n = p->pos - start;
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, p->s + start, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	return 0;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX (after the backslash and u), a surrogate pair as one character. */
static int escape_u(struct parser *p, char *d, size_t *n)
{
	unsigned cp, lo;

	if (hex4(p, &cp))
		return -EINVAL;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -EINVAL;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return -EINVAL;
		p->pos += 2;
		if (hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -EINVAL;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (!cp)
		return -EINVAL;
	*n += put_utf8(d + *n, cp);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	if (!n || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* A string (after its opening quote) into a malloc'd C string. */
static int string(struct parser *p, char **out)
{
	/* Decoded, a string is never longer than its source text. */
	char *d = malloc(p->len - p->pos + 1);
	size_t n = 0;

	if (!d)
		return -ENOMEM;
	while (p->pos < p->len && p->s[p->pos] != '"') {
		unsigned char c = (unsigned char)p->s[p->pos];
		size_t l;

		if (c < 0x20)
			goto bad;
		if (c == '\\') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *e;

			if (++p->pos >= p->len)
				goto bad;
			e = strchr(from, p->s[p->pos]);
			if (e && *e) {
				d[n++] = to[e - from];
				p->pos++;
			} else if (p->s[p->pos] == 'u') {
				p->pos++;
				if (escape_u(p, d, &n))
					goto bad;
			} else {
				goto bad;
			}
			continue;
		}
		l = c < 0x80 ? 1 : utf8_seq((const unsigned char *)p->s + p->pos, p->len - p->pos);
		if (!l)
			goto bad;
		memcpy(d + n, p->s + p->pos, l);
		n += l;
		p->pos += l;
	}
	if (p->pos >= p->len)
		goto bad;
	p->pos++;
	d[n] = '\0';
	*out = d;
	return 0;
bad:
	free(d);
	return -EINVAL;
}

static int value(struct parser *p, struct json *j);

/* An array or object (after its bracket): its elements into j->items. */
static int container(struct parser *p, struct json *j, char close)
{
	size_t cap = 0;
	int err;

	skip_space(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		struct json *it;
		char *key = NULL;

		skip_space(p);
		if (close == '}') {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return -EINVAL;
			p->pos++;
			err = string(p, &key);
			if (err)
				return err;
			skip_space(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				return -EINVAL;
			}
			p->pos++;
		}
		if (util_grow(&j->items, &cap, j->n + 1, sizeof(*j->items))) {
			free(key);
			return -ENOMEM;
		}
		it = &j->items[j->n++];
		it->key = key;
		err = value(p, it);
		if (err)
			return err;
		skip_space(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			return 0;
		}
		return -EINVAL;
	}
}

static int value(struct parser *p, struct json *j)
{
	int err;

	skip_space(p);
	if (p->pos >= p->len)
		return -EINVAL;
	switch (p->s[p->pos]) {
	case 'n': j->type = JSON_NULL; return literal(p, "null");
	case 't': j->type = JSON_TRUE; return literal(p, "true");
	case 'f': j->type = JSON_FALSE; return literal(p, "false");
	case '"':
		p->pos++;
		j->type = JSON_STRING;
		return string(p, &j->str);
	case '[':
	case '{':
		if (++p->depth > JSON_MAX_DEPTH)
			return -EINVAL;
		j->type = p->s[p->pos] == '[' ? JSON_ARRAY : JSON_OBJECT;
		p->pos++;
		err = container(p, j, j->type == JSON_ARRAY ? ']' : '}');
		p->depth--;
		return err;
	default:
		j->type = JSON_NUMBER;
		return number(p, &j->num);
	}
}

/* Free what j holds (not j itself). */
static void release(struct json *j)
{
	for (size_t i = 0; i < j->n; i++)
		release(&j->items[i]);
	free(j->items);
	free(j->str);
	free(j->key);
}

void json_free(struct json *j)
{
	if (!j)
		return;
	release(j);
	free(j);
}

int json_parse(const char *buf, size_t len, struct json **out, size_t *err_at)
{
	struct parser p = { buf, len, 0, 0 };
	struct json *j = calloc(1, sizeof(*j));
	int err = j ? value(&p, j) : -ENOMEM;

	*out = NULL;
	if (!err) {
		skip_space(&p);
		if (p.pos != p.len)
			err = -EINVAL;
	}
	if (err) {
		if (err_at)
			*err_at = p.pos;
		json_free(j);
		return err;
	}
	*out = j;
	return 0;
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->items[i].key, key))
			return &j->items[i];
	return NULL;
}
