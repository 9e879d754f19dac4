/* test-fmt.c - durations in the report's short style and the latency summary's
 * spaced one, sample values, JSON strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "tap.h"

#define MS 1000000LL

static void test_short(void)
{
	char b[32];

	is_str(fmt_sample_value(b, sizeof(b), 1234567890, "nanoseconds"), "1.23s", "fmt 1.23s");
	is_str(fmt_sample_value(b, sizeof(b), 45600000, "nanoseconds"), "45.6ms", "fmt 45.6ms");
	is_str(fmt_sample_value(b, sizeof(b), 105 * MS, "nanoseconds"), "105ms", "fmt 105ms");
	is_str(fmt_sample_value(b, sizeof(b), 999700000, "nanoseconds"), "1.00s", "fmt rounds up a unit");
	is_str(fmt_sample_value(b, sizeof(b), 2500, "nanoseconds"), "2.50us", "fmt us");
	is_str(fmt_sample_value(b, sizeof(b), 800, "nanoseconds"), "800ns", "fmt ns");
	is_str(fmt_sample_value(b, sizeof(b), -5 * MS, "nanoseconds"), "-5.00ms", "fmt negative");
	is_str(fmt_sample_value(b, sizeof(b), 1234567, "count"), "1234567", "fmt count plain");
	is_str(fmt_sample_value(b, sizeof(b), -42, NULL), "-42", "fmt no unit plain");
	is_str(fmt_ns(b, sizeof(b), -999, FMT_NS_SHORT, 0), "-999ns", "short: under 1us in ns");
	is_str(fmt_ns(b, sizeof(b), 999600, FMT_NS_SHORT, 0), "1.00ms", "short: 999.6us rounds to 1.00ms");
	is_str(fmt_ns(b, sizeof(b), 99960, FMT_NS_SHORT, 0), "100us", "short: 99.96us rounds to 100us");
	is_str(fmt_ns(b, sizeof(b), 9996, FMT_NS_SHORT, 0), "10.0us", "short: 9.996us rounds to 10.0us");
}

static void test_spaced(void)
{
	char b[64];

	is_str(fmt_ns(b, sizeof(b), 250111, FMT_NS_SPACED, 0), "250.1 us", "spaced: four digits");
	is_str(fmt_ns(b, sizeof(b), 3001024511LL, FMT_NS_SPACED, 0), "3.001 s", "spaced: s");
	is_str(fmt_ns(b, sizeof(b), 45600000, FMT_NS_SPACED, 0), "45.60 ms", "spaced: ms");
	is_str(fmt_ns(b, sizeof(b), 1000190509055LL, FMT_NS_SPACED, 0), "1000 s",
	       "spaced: no unit above s");
	is_str(fmt_ns(b, sizeof(b), 999999, FMT_NS_SPACED, 0), "1000.0 us",
	       "spaced: the unit reached, not the rounded one");
	is_str(fmt_ns(b, sizeof(b), 800, FMT_NS_SPACED, 0), "800 ns", "spaced: ns");
	is_str(fmt_ns(b, sizeof(b), -5 * MS, FMT_NS_SPACED, 0), "-5000000 ns", "spaced: negative in ns");
	is_str(fmt_ns(b, sizeof(b), 250111, FMT_NS_SPACED, MS), "0.250111 ms", "spaced: fixed ms, every digit");
	is_str(fmt_ns(b, sizeof(b), 1000190509055LL, FMT_NS_SPACED, MS), "1000190.509055 ms",
	       "spaced: fixed ms, large");
	is_str(fmt_ns(b, sizeof(b), 1234, FMT_NS_SPACED, 1000), "1.234 us", "spaced: fixed us");
	is_str(fmt_ns(b, sizeof(b), 1234567891, FMT_NS_SPACED, 1000 * MS), "1.234567891 s",
	       "spaced: fixed s");
	is_str(fmt_ns(b, sizeof(b), 1234567891, FMT_NS_SPACED, 1), "1234567891 ns", "spaced: fixed ns");
}

static void test_json(void)
{
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	if (!out) {
		ok(0, "json: memstream");
		return;
	}
	fmt_json_string(out, "a\"b\\c\td\n\x01\x7f h\xc3\xa9");
	fputc(' ', out);
	fmt_json_string(out, "");
	fclose(out);
	is_str(buf, "\"a\\\"b\\\\c\\u0009d\\u000a\\u0001\x7f h\xc3\xa9\" \"\"",
	       "json: quotes, backslashes and control characters escaped, the rest as is");
	free(buf);
}

int main(void)
{
	test_short();
	test_spaced();
	test_json();
	return done_testing();
}
