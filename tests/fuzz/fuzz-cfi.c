/* fuzz-cfi.c - libFuzzer target for the readers of a profiled program's call
 * frame information (cfiread.h; built and run by tests/fuzz/run.sh).
 *
 * The input is taken both as an .eh_frame_hdr and as an .eh_frame section:
 * its first 4 bytes name the FDE to compile, the rest is the section.  Any
 * bytes must read without a crash, a leak or a read outside them; the rows of
 * an FDE that compiles must cover one range in order, without gaps or
 * overlap, and stay within the given maximum. */
#include "cfiread.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define VADDR 0x400000
#define MAX_ROWS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_hdr(const uint8_t *buf, size_t len)
{
	struct cfiread_hdr h;
	size_t i;

	if (cfiread_hdr(buf, len, VADDR, &h) < 0)
		return;
	for (i = 0; i < h.count && i < 64; i++) {
		uint64_t start = cfiread_hdr_start(&h, i);

		(void)cfiread_hdr_fde(&h, i);
		if (cfiread_hdr_find(&h, start) > h.count)
			abort();
	}
	if (cfiread_hdr_find(&h, 0) > h.count || cfiread_hdr_find(&h, UINT64_MAX) > h.count)
		abort();
}

static void read_fde(const uint8_t *buf, size_t len, uint32_t at)
{
	struct cfiread_eh eh = { buf, len, VADDR };
	struct cfirows rows;
	int r;

	memset(&rows, 0, sizeof(rows));
	r = cfiread_fde(&eh, VADDR + at, MAX_ROWS, &rows);
	if (r == 0) {
		if (rows.n > MAX_ROWS)
			abort();
		for (size_t i = 0; i + 1 < rows.n; i++)
			if (rows.v[i].start + rows.v[i].len != rows.v[i + 1].start)
				abort();
	} else if (rows.n) {
		abort(); /* a failure leaves the rows as they were: none */
	}
	cfirows_free(&rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	uint32_t at;

	if (size < 4)
		return 0;
	memcpy(&at, data, 4);
	size -= 4;
	/* A copy of its own size, so that a read past the section is caught. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 4, size);
	read_hdr(buf, size);
	read_fde(buf, size, size ? at % (uint32_t)size : 0);
	free(buf);
	return 0;
}
