/* fuzz-kallsyms.c - libFuzzer target for the /proc/kallsyms parser (built and
 * run by tests/fuzz/run.sh).
 *
 * Any text, parsed whole and then again cut in two at its first newline (as
 * kallsyms_load hands it over, a block of whole lines at a time), must not
 * crash or leak; lookups hand out strings. */
#include "kallsyms.h"
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(struct kallsyms *k, uint64_t addr)
{
	const char *name = NULL, *module = NULL;

	if (kallsyms_lookup(k, addr, &name, &module) == 0 && (!name || !module ||
	    strlen(name) + strlen(module) > (size_t)1 << 30))
		abort();
}

/* A line's own address, and around it. */
static void probe_line(void *k, uint64_t a)
{
	probe(k, a);
	probe(k, a - 1);
	probe(k, a + 1);
}

static void parse(const char *buf, size_t len, size_t cut)
{
	struct kallsyms *k = NULL;

	if (kallsyms_new(&k) != 0)
		return;
	if (kallsyms_parse(k, buf, cut) == 0 && kallsyms_parse(k, buf + cut, len - cut) == 0) {
		kallsyms_available(k);
		fuzz_line_numbers((const uint8_t *)buf, len, probe_line, k);
		probe(k, 0);
		probe(k, UINT64_MAX);
	}
	kallsyms_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nl = memchr(buf, '\n', size);

	parse(buf, size, 0);
	if (nl)
		parse(buf, size, (size_t)(nl - buf) + 1);
	return 0;
}
