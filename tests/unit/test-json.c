/* test-json.c - the JSON reader: every kind of value, escapes and UTF-8,
 * and the malformed texts it must refuse (with where). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"

static int parse(const char *s, struct json **j, size_t *at)
{
	return json_parse(s, strlen(s), j, at);
}

static void test_values(void)
{
	struct json *j = NULL;
	const struct json *v;

	is_int(parse(" {\"a\": [1, -2.5e3, 0, true, false, null], \"b\": {\"c\": \"d\"}, \"a\": 2} ",
		     &j, NULL), 0, "an object parses");
	v = json_get(j, "a");
	ok(v && v->type == JSON_ARRAY && v->n == 6, "a: an array of six");
	ok(v && v->items[0].num == 1 && v->items[1].num == -2500 && v->items[2].num == 0,
	   "numbers: 1, -2.5e3, 0");
	ok(v && v->items[3].type == JSON_TRUE && v->items[4].type == JSON_FALSE &&
	   v->items[5].type == JSON_NULL, "true, false, null");
	v = json_get(json_get(j, "b"), "c");
	ok(v && v->type == JSON_STRING && !strcmp(v->str, "d"), "nested: b.c is \"d\"");
	ok(!json_get(j, "z") && !json_get(NULL, "a") && !json_get(v, "a"), "absent, NULL, not an object");
	json_free(j);
	j = NULL;
	is_int(parse("\"q\\\" b\\\\ s\\/ \\n\\t \\u00e9 \\ud83d\\ude00 \xc3\xa9\"", &j, NULL), 0, "escapes parse");
	is_str(j ? j->str : NULL, "q\" b\\ s/ \n\t \xc3\xa9 \xf0\x9f\x98\x80 \xc3\xa9",
	       "escapes decoded, a surrogate pair as one character, UTF-8 kept");
	json_free(j);
	j = NULL;
	is_int(parse("[[], {}]", &j, NULL), 0, "empty containers");
	json_free(j);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "01", "1.", ".5", "-", "+1", "1e",
		"tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\u0000\"", "\"a\nb\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "[1] 2",
		"{1: 2}", "[\"a\" \"b\"]",
	};
	char deep[200];
	struct json *j = NULL;
	size_t at = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], &j, &at);

		ok(r == -EINVAL && !j, "refused: %zu", i);
		json_free(j);
		j = NULL;
	}
	parse("[1, 2, x]", &j, &at);
	is_int(at, 7, "the offset of the first bad byte");
	memset(deep, '[', sizeof(deep));
	ok(json_parse(deep, JSON_MAX_DEPTH, &j, NULL) == -EINVAL, "unterminated nesting refused");
	memset(deep, 0, sizeof(deep));
	for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
		deep[i] = '[', deep[2 * (JSON_MAX_DEPTH + 1) - 1 - i] = ']';
	ok(parse(deep, &j, NULL) == -EINVAL, "nesting beyond %d refused", JSON_MAX_DEPTH);
	deep[0] = ' ';
	deep[2 * (JSON_MAX_DEPTH + 1) - 1] = ' ';
	ok(parse(deep, &j, NULL) == 0 && j, "nesting of %d accepted", JSON_MAX_DEPTH);
	json_free(j);
	ok(json_parse("[1]x", 3, &j, NULL) == 0, "only len bytes are read");
	json_free(j);
}

int main(void)
{
	test_values();
	test_malformed();
	return done_testing();
}
