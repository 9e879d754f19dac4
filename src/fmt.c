/* fmt.c - see fmt.h. */
#include "fmt.h"

#include <inttypes.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t ns;
} fmt_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
};

#define FMT_N_UNITS (sizeof(fmt_units) / sizeof(fmt_units[0]))

/* FMT_NS_SHORT's unit for a >= 1000 ns: picked by the rounded value, so that
 * 999.7ms prints as "1.00s", not "1000ms". */
static size_t short_unit(double a)
{
	for (size_t i = FMT_N_UNITS - 1; i > 1; i--)
		if (a >= (double)fmt_units[i].ns * 0.9995)
			return i;
	return 1;
}

char *fmt_ns(char *buf, size_t len, int64_t ns, enum fmt_ns_style style, int64_t unit)
{
	const char *sep = style == FMT_NS_SHORT ? "" : " ";
	double a = ns < 0 ? -(double)ns : (double)ns, x;
	size_t u = 0;
	int decimals;

	if (unit) {
		while (u < FMT_N_UNITS - 1 && fmt_units[u].ns != unit)
			u++;
	} else if (style == FMT_NS_SHORT) {
		if (a >= 1000)
			u = short_unit(a);
	} else {
		for (size_t i = 1; i < FMT_N_UNITS; i++)
			if (ns >= fmt_units[i].ns)
				u = i;
	}
	if (u == 0) {
		snprintf(buf, len, "%" PRId64 "%sns", ns, sep);
		return buf;
	}
	x = a / (double)fmt_units[u].ns;
	if (unit)
		decimals = 3 * (int)u;
	else if (style == FMT_NS_SHORT)
		decimals = x >= 99.95 ? 0 : x >= 9.995 ? 1 : 2;
	else
		decimals = x < 10 ? 3 : x < 100 ? 2 : x < 1000 ? 1 : 0;
	snprintf(buf, len, "%s%.*f%s%s", ns < 0 ? "-" : "", decimals, x, sep, fmt_units[u].name);
	return buf;
}

char *fmt_sample_value(char *buf, size_t len, int64_t v, const char *unit)
{
	if (unit && !strcmp(unit, "nanoseconds"))
		return fmt_ns(buf, len, v, FMT_NS_SHORT, 0);
	snprintf(buf, len, "%" PRId64, v);
	return buf;
}

void fmt_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}
