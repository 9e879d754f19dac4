/* lines.h - for the fuzz targets of line-oriented text: the addresses an
 * input names itself. */
#ifndef HWPROF_FUZZ_LINES_H
#define HWPROF_FUZZ_LINES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* fn(ctx, A) for A the hex number each line of data[0..size) starts with
 * (0 when none). */
static inline void fuzz_line_numbers(const uint8_t *data, size_t size,
				     void (*fn)(void *ctx, uint64_t a), void *ctx)
{
	char *text = malloc(size + 1);

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		fn(ctx, strtoull(p, NULL, 16));
	free(text);
}

#endif
