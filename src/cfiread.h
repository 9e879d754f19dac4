/* cfiread.h - reading call frame information into rows (cfitable.h).
 *
 * Three readers:
 *  - cfiread_row: libdw's frame at an address (dwarf_cfi_addrframe) as a row;
 *  - cfiread_hdr: the FDE search table of .eh_frame_hdr;
 *  - cfiread_fde: all rows of one .eh_frame FDE in one pass over its CIE's
 *    and its own CFA program, the way libdw's execute_cfi reads them (the ABI's
 *    initial rules, then the CIE's instructions, then the FDE's), without
 *    libdw's cost of running the program again for every row.
 * All read untrusted bytes (the profiled program's files) and check every
 * length, offset and register number before use; what a row cannot say (a
 * DWARF expression of another shape, a signal frame, an unknown opcode or
 * augmentation) becomes an unsupported row or an error, for the caller to ask
 * libdw.  Pure functions; thread safe. */
#ifndef HWPROF_CFIREAD_H
#define HWPROF_CFIREAD_H

#include <stddef.h>
#include <stdint.h>

#include "cfirows.h"
#include "cfitable.h"

/* libdw's frame (a Dwarf_Frame, from dwarf_cfi_addrframe) as a row: its range
 * and rules.  CFI_FOUND, or CFI_UNSUPPORTED (row->unsupported set) for rules a
 * row cannot say; the range is filled either way (empty when libdw gives
 * none). */
struct Dwarf_Frame_s;
int cfiread_row(struct Dwarf_Frame_s *frame, struct cfi_row *row);

/* An .eh_frame_hdr: where .eh_frame is, and its search table of count FDEs
 * sorted by start address, as pairs (start, FDE address) relative to the
 * section (DW_EH_PE_datarel | DW_EH_PE_sdata4, what every linker writes). */
struct cfiread_hdr {
	uint64_t eh_frame;      /* .eh_frame's address */
	const uint8_t *table;
	size_t count;
	uint64_t vaddr;         /* the section's address, the base of the pairs */
};

/* Parse the section buf[0..len) loaded at vaddr.  0, or -ENOTSUP for a
 * version or encoding not read here (or no table), -EINVAL when the table
 * would run past the section.  h points into buf. */
int cfiread_hdr(const void *buf, size_t len, uint64_t vaddr, struct cfiread_hdr *h);

/* Start address and FDE address of entry i (< h->count). */
uint64_t cfiread_hdr_start(const struct cfiread_hdr *h, size_t i);
uint64_t cfiread_hdr_fde(const struct cfiread_hdr *h, size_t i);

/* The last entry that starts at or below a, or h->count when none does. */
size_t cfiread_hdr_find(const struct cfiread_hdr *h, uint64_t a);

/* .eh_frame's bytes: buf[0..len) at vaddr. */
struct cfiread_eh {
	const uint8_t *buf;
	size_t len;
	uint64_t vaddr;
};

/* Rows of the FDE at address fde, appended to rows, covering the FDE's range
 * without gaps or overlap, at most max of them.  0; -EINVAL (malformed),
 * -ENOTSUP (a CIE or opcode not read here: signal frames, unknown
 * augmentations) or -E2BIG (more than max rows) with rows->n unchanged;
 * -ENOMEM. */
int cfiread_fde(const struct cfiread_eh *eh, uint64_t fde, size_t max, struct cfirows *rows);

#endif
