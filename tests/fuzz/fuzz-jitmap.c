/* fuzz-jitmap.c - libFuzzer target for the perf-PID.map parser (built and run
 * by tests/fuzz/run.sh).
 *
 * Any text must parse without a crash or leak, and every name it hands out
 * must be one a JIT writes: printable, not empty, at most JITMAP_MAX_NAME
 * bytes. */
#include "jitmap.h"
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const struct jitmap_syms *m, uint64_t addr)
{
	const char *name = jitmap_syms_find(m, addr);
	size_t len;

	if (!name)
		return;
	len = strlen(name);
	if (!len || len > JITMAP_MAX_NAME)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 32 || name[i] == 127)
			abort();
}

/* An address the input names, and the one after it. */
static void probe_line(void *m, uint64_t a)
{
	probe(m, a);
	probe(m, a + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t fixed[] = { 0, 1, 0x1000, 0x1001, 0x7fffffffffffULL, UINT64_MAX };
	struct jitmap_syms *m = NULL;

	if (jitmap_parse((const char *)data, size, &m) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		probe(m, fixed[i]);
	fuzz_line_numbers(data, size, probe_line, m);
	jitmap_syms_free(m);
	return 0;
}
