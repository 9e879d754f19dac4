/* json.h - a JSON reader (RFC 8259) for the files hwprof reads back: its own
 * `stat --json` output, which a user may hand over edited or truncated.
 *
 * The text is parsed whole into a tree.  Nothing in it is trusted: nesting
 * is limited to JSON_MAX_DEPTH, strings are checked UTF-8 after their
 * escapes are decoded (\u0000 is refused: strings are C strings), numbers
 * must have JSON's syntax, and anything after the value but white space is
 * an error. */
#ifndef HWPROF_JSON_H
#define HWPROF_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	double num;             /* JSON_NUMBER */
	char *str;              /* JSON_STRING */
	char *key;              /* a member of an object: its name; else NULL */
	struct json *items;     /* JSON_ARRAY elements, JSON_OBJECT members */
	size_t n;
};

/* Parse buf[0..len) into *out.  0, -EINVAL for malformed text (*err_at: the
 * offset where it goes wrong; err_at may be NULL) or -ENOMEM. */
int json_parse(const char *buf, size_t len, struct json **out, size_t *err_at);
void json_free(struct json *j);

/* The member of object j named key (the first, if repeated), or NULL (also
 * when j is NULL or not an object). */
const struct json *json_get(const struct json *j, const char *key);

#endif
