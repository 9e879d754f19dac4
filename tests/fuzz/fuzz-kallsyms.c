/* fuzz-kallsyms.c - libFuzzer target for the /proc/kallsyms parser (built and
 * run by tests/fuzz/run.sh).
 *
 * Any text, parsed whole and then again cut in two at its first newline (as
 * kallsyms_load hands it over, a block of whole lines at a time), must not
 * crash or leak; lookups hand out strings. */
#include "kallsyms.h"

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

static void parse(const char *buf, size_t len, size_t cut)
{
	struct kallsyms *k = NULL;
	char *text;

	if (kallsyms_new(&k) != 0)
		return;
	text = malloc(len + 1);
	if (text && kallsyms_parse(k, buf, cut) == 0 && kallsyms_parse(k, buf + cut, len - cut) == 0) {
		kallsyms_available(k);
		memcpy(text, buf, len);
		text[len] = '\0';
		/* Each line's own address, and around it. */
		for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			uint64_t a = strtoull(p, NULL, 16);

			probe(k, a);
			probe(k, a - 1);
			probe(k, a + 1);
		}
		probe(k, 0);
		probe(k, UINT64_MAX);
	}
	free(text);
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
