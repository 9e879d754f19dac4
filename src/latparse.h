/* latparse.h - the input of `hwprof latency`: one latency per line, or a pair
 * "INTENDED_START END" (latency = END - INTENDED_START), separated by blanks or
 * commas; a number may carry its unit (800ns, 250us, 1.5ms, 3s); blank lines
 * and lines starting with '#' say nothing.  Pure (buf, len): the input is
 * untrusted and fuzzed (tests/fuzz/fuzz-latparse.c). */
#ifndef HWPROF_LATPARSE_H
#define HWPROF_LATPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Nanoseconds per unit named by s[0..len) (ns, us, ms, s), 0 for another. */
int64_t latparse_unit(const char *s, size_t len);

/* A duration "DIGITS[.DIGITS][UNIT]" of len bytes in nanoseconds, a bare
 * number counting in `unit` ns.  Integer arithmetic for the integer part, so
 * that epoch timestamps in ns keep every digit.  0, or -EINVAL with *why. */
int latparse_duration(const char *s, size_t len, int64_t unit, int64_t *out, const char **why);

/* What a line says.  On success (1), text/text_len span the numbers; on a
 * rejection, the words that are wrong, and why. */
struct latparse_line {
	int64_t latency;        /* ns */
	const char *text;       /* within the line */
	size_t text_len;
	const char *why;        /* rejections only */
};

/* Parse one line of len bytes (its end of line included or not).  1 with
 * r->latency, 0 for a blank or comment line, -EINVAL with r->why. */
int latparse_line(const char *line, size_t len, int64_t unit, struct latparse_line *r);

#endif
