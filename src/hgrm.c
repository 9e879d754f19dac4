/* hgrm.c - percentile distribution text (hgrm.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hgrm.h"

/* x (finite, >= 0) with `decimals` decimals, right-aligned in `width`, rounded
 * as Java's Formatter rounds: the shortest decimal that reads back as x, then
 * half up.  printf rounds the exact binary value instead (1.0005 is stored as
 * 1.000499999...), and the files should read the same as HdrHistogram's. */
static void fmt_java(char *out, size_t size, double x, int decimals, int width)
{
	char e[40], digits[24], num[64];
	int p, exp10, n, intlen, o = 0;

	if (!(x >= 0 && x < 1e30) || decimals > 20) {
		snprintf(out, size, "%*.*f", width, decimals, x);
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, x);
		if (strtod(e, NULL) == x)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, x);
	/* e is "D.DDDe+XX": the digits, then the decimal exponent. */
	n = 0;
	for (const char *s = e; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[n++] = *s;
	digits[n] = '\0';
	exp10 = atoi(strchr(e, 'e') + 1);
	intlen = exp10 + 1;     /* digits before the decimal point */
	if (intlen + decimals < n) {
		int keep = intlen + decimals;

		if (keep < 0) {
			n = 0;
		} else {
			int up = digits[keep] >= '5', i = keep - 1;

			n = keep;
			while (up && i >= 0) {
				if (digits[i] == '9') {
					digits[i--] = '0';
				} else {
					digits[i]++;
					up = 0;
				}
			}
			if (up) {
				/* 9.99 -> 10.0: one more leading digit. */
				memmove(digits + 1, digits, (size_t)n);
				digits[0] = '1';
				n++;
				intlen++;
			}
		}
	}
	/* Lay the digits out around the point, padding with zeros. */
	for (int i = 0; i < (intlen > 0 ? intlen : 1); i++)
		num[o++] = intlen > 0 && i < n ? digits[i] : '0';
	if (decimals > 0) {
		num[o++] = '.';
		for (int i = 0; i < decimals; i++) {
			int k = intlen + i;

			num[o++] = k >= 0 && k < n ? digits[k] : '0';
		}
	}
	num[o] = '\0';
	snprintf(out, size, "%*s", width, num);
}

int hgrm_write(FILE *f, const struct hdr *h, int ticks, double ratio)
{
	struct hdr_iter it;
	int d = hdr_digits(h);
	char v[64], q[64], inv[64], a[64], b[64];

	if (ratio <= 0)
		ratio = 1;
	fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)");
	hdr_iter_percentile_init(&it, h, ticks);
	while (hdr_iter_next(&it)) {
		double level = it.percentile_level / 100.0;

		fmt_java(v, sizeof(v), (double)it.value / ratio, d, 12);
		fmt_java(q, sizeof(q), level, 12, 2);
		/* The 100% line has no 1/(1-Percentile): it would be infinite. */
		if (it.percentile_level != 100.0) {
			fmt_java(inv, sizeof(inv), 1 / (1.0 - level), 2, 14);
			fprintf(f, "%s %s %10lld %s\n", v, q, (long long)it.cumulative, inv);
		} else {
			fprintf(f, "%s %s %10lld\n", v, q, (long long)it.cumulative);
		}
	}
	fmt_java(a, sizeof(a), hdr_mean(h) / ratio, d, 12);
	fmt_java(b, sizeof(b), hdr_stddev(h) / ratio, d, 12);
	fprintf(f, "#[Mean    = %s, StdDeviation   = %s]\n", a, b);
	fmt_java(a, sizeof(a), (double)hdr_max(h) / ratio, d, 12);
	fprintf(f, "#[Max     = %s, Total count    = %12lld]\n", a, (long long)hdr_total_count(h));
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n",
		hdr_bucket_count(h), hdr_sub_bucket_count(h));
	return ferror(f) ? -EIO : 0;
}
