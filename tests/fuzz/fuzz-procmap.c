/* fuzz-procmap.c - libFuzzer target for the /proc/PID/maps parser (built and
 * run by tests/fuzz/run.sh).
 *
 * Any text must parse without a crash or leak; a mapping found for an
 * address covers it and has a path; a fork and an exec of the process after
 * it still work. */
#include "lines.h"
#include "procmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(struct procmap *pm, pid_t pid, uint64_t addr)
{
	const struct map *m = procmap_find(pm, pid, addr);

	if (m && (addr < m->start || addr >= m->end || !m->path))
		abort();
}

/* A line's start address, and the byte before it. */
static void probe_line(void *pm, uint64_t a)
{
	probe(pm, 42, a);
	probe(pm, 42, a - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procmap *pm = NULL;

	if (procmap_new(&pm) != 0)
		return 0;
	if (procmap_parse_maps(pm, 42, (const char *)data, size) == 0) {
		fuzz_line_numbers(data, size, probe_line, pm);
		procmap_fork(pm, 42, 43);
		probe(pm, 43, 0x400000);
		procmap_exec(pm, 42);
		probe(pm, 42, 0x400000);
	}
	procmap_free(pm);
	return 0;
}
