/* fmt.h - text formats shared by the writers and the commands: durations,
 * sample values, JSON strings. */
#ifndef HWPROF_FMT_H
#define HWPROF_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How fmt_ns writes a duration. */
enum fmt_ns_style {
	/* "1.23s", "45.6ms", "2.50us", "800ns", "-5.00ms": three significant
	 * digits, the unit chosen after rounding (999.7ms is "1.00s"); the
	 * report tables. */
	FMT_NS_SHORT,
	/* "1.234 s", "45.60 ms", "250.1 us", "800 ns": four significant digits
	 * in the largest unit the value reaches; negative values in ns; the
	 * latency summary. */
	FMT_NS_SPACED,
};

/* Write ns nanoseconds into buf (len bytes) in the given style.  unit 0 picks
 * the unit per value as the style says; 1, 1000, 1000000 or 1000000000 fixes
 * it (ns, us, ms, s), keeping every digit ("0.250111 ms").  Returns buf. */
char *fmt_ns(char *buf, size_t len, int64_t ns, enum fmt_ns_style style, int64_t unit);

/* A value of a profile's sample type in its unit (profile_value_type.unit,
 * may be NULL): "nanoseconds" as fmt_ns's FMT_NS_SHORT, anything else a plain
 * integer.  Returns buf. */
char *fmt_sample_value(char *buf, size_t len, int64_t v, const char *unit);

/* Write s to out as a JSON string: quoted, '"' and '\' escaped, control
 * characters as \u00XX; other bytes as they are (UTF-8 stays UTF-8). */
void fmt_json_string(FILE *out, const char *s);

#endif
