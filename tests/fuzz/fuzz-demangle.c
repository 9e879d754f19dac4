/* fuzz-demangle.c - libFuzzer target: demangle_name and demangle_cut on
 * arbitrary names, in every style.
 *
 *   clang -fsanitize=fuzzer,address -Isrc tests/fuzz/fuzz-demangle.c src/demangle.c ... -lstdc++
 *
 * The input becomes a NUL-terminated name in an exact-size heap buffer (ASan
 * sees any overread); demangle_name sees it with and without a "_Z" in front,
 * demangle_cut as a demangled name.  A cut name is never longer than the
 * name it was cut from. */
#include "demangle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 3), *r;

	if (!name)
		return 0;
	memcpy(name, "_Z", 2);
	memcpy(name + 2, data, size);
	name[size + 2] = '\0';
	for (int st = DEMANGLE_SIMPLE; st <= DEMANGLE_FULL; st++) {
		free(demangle_name(name, (enum demangle_style)st));
		free(demangle_name(name + 2, (enum demangle_style)st));
		r = demangle_cut(name + 2, (enum demangle_style)st);
		if (r && strlen(r) > strlen(name + 2))
			abort();
		free(r);
	}
	free(name);
	return 0;
}
