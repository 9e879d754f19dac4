/* cfirows.h - a growing array of CFI rows (cfitable.h), in address space
 * reserved once: the rows a table keeps as libdw read them, and the rows of
 * one FDE as cfiread reads them.  Not thread safe. */
#ifndef HWPROF_CFIROWS_H
#define HWPROF_CFIROWS_H

#include <stddef.h>
#include <stdint.h>

#include "cfitable.h"

/* Rows, and their start addresses packed apart for searching: address
 * space for CFIROWS_MAX of each is reserved at the first row and filled in
 * steps (no copy as they grow; the pages are mapped a step at a time rather
 * than faulted in one by one, which costs microseconds each in a virtual
 * machine).  A zeroed struct is empty. */
#define CFIROWS_MAX (1 << 17)
struct cfirows {
	struct cfi_row *v;
	uint64_t *starts;       /* filled by the owner (cfitable.c) */
	size_t n, cap;          /* rows used, rows mapped */
};

/* Room for more rows: 0, or -ENOMEM (r unchanged) past CFIROWS_MAX or when
 * the address space cannot be had.  cfirows_free unmaps. */
int cfirows_grow(struct cfirows *r, size_t more);
void cfirows_free(struct cfirows *r);

/* No rows, their memory given back (the address space stays reserved). */
void cfirows_clear(struct cfirows *r);

#endif
