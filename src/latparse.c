/* latparse.c - see latparse.h. */
#include "latparse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t ns;
} units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
};

int64_t latparse_unit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && strncmp(s, units[i].name, len) == 0)
			return units[i].ns;
	return 0;
}

int latparse_duration(const char *s, size_t len, int64_t unit, int64_t *out, const char **why)
{
	size_t i = 0, int_end, frac_start = 0, frac_end = 0;
	int64_t ip = 0, frac_ns = 0;

	if (len > 0 && s[0] == '-' && len > 1 && (isdigit((unsigned char)s[1]) || s[1] == '.')) {
		*why = "negative latency";
		return -EINVAL;
	}
	if (len > 0 && s[0] == '+')
		i++;
	int_end = i;
	while (int_end < len && isdigit((unsigned char)s[int_end]))
		int_end++;
	i = int_end;
	if (i < len && s[i] == '.') {
		frac_start = ++i;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		frac_end = i;
	}
	if (int_end == (s[0] == '+' ? 1u : 0u) && frac_end == frac_start) {
		*why = "not a number";
		return -EINVAL;
	}
	if (i < len) {
		unit = latparse_unit(s + i, len - i);
		if (!unit) {
			if ((s[i] == 'e' || s[i] == 'E') && i + 1 < len &&
			    (isdigit((unsigned char)s[i + 1]) || s[i + 1] == '+' || s[i + 1] == '-'))
				*why = "exponent notation is not supported; write all the digits";
			else if (isdigit((unsigned char)s[i]) || s[i] == '.')
				*why = "not a number";
			else
				*why = "unknown unit (use ns, us, ms or s)";
			return -EINVAL;
		}
	}
	for (size_t k = s[0] == '+' ? 1 : 0; k < int_end; k++) {
		int d = s[k] - '0';

		if (ip > (INT64_MAX - d) / 10) {
			*why = "too large";
			return -EINVAL;
		}
		ip = ip * 10 + d;
	}
	if (ip > INT64_MAX / unit) {
		*why = "too large";
		return -EINVAL;
	}
	if (frac_end > frac_start) {
		char buf[32] = "0.";
		size_t n = frac_end - frac_start;

		if (n > sizeof(buf) - 3)
			n = sizeof(buf) - 3;
		memcpy(buf + 2, s + frac_start, n);
		/* Below a nanosecond, round to the nearest. */
		frac_ns = llround(strtod(buf, NULL) * (double)unit);
	}
	if (ip * unit > INT64_MAX - frac_ns) {
		*why = "too large";
		return -EINVAL;
	}
	*out = ip * unit + frac_ns;
	return 0;
}

static int is_sep(char c)
{
	return isspace((unsigned char)c) || c == ',';
}

int latparse_line(const char *line, size_t len, int64_t unit, struct latparse_line *r)
{
	const char *tok[3];
	size_t tlen[3], n = 0, i = 0;
	int64_t v[2];

	memset(r, 0, sizeof(*r));
	while (n < 3) {
		while (i < len && is_sep(line[i]))
			i++;
		if (i == len || (n == 0 && line[i] == '#'))
			break;
		tok[n] = line + i;
		while (i < len && !is_sep(line[i]))
			i++;
		tlen[n] = (size_t)(line + i - tok[n]);
		n++;
	}
	if (n == 0)
		return 0;
	r->text = tok[0];
	r->text_len = (size_t)(tok[n - 1] + tlen[n - 1] - tok[0]);
	if (n == 3) {
		r->text = line;
		r->text_len = 0;
		while (r->text_len < len && line[r->text_len] != '\n' && line[r->text_len] != '\r')
			r->text_len++;
		r->why = "expected a latency or 'INTENDED_START END'";
		return -EINVAL;
	}
	for (size_t k = 0; k < n; k++) {
		if (latparse_duration(tok[k], tlen[k], unit, &v[k], &r->why) < 0) {
			/* A negative timestamp is a bad number, not a negative latency. */
			if (n == 2 && !strcmp(r->why, "negative latency"))
				r->why = "negative timestamp";
			r->text = tok[k];
			r->text_len = tlen[k];
			return -EINVAL;
		}
	}
	if (n == 2 && v[1] < v[0]) {
		r->why = "end before intended start (negative latency)";
		return -EINVAL;
	}
	r->latency = n == 2 ? v[1] - v[0] : v[0];
	return 1;
}
