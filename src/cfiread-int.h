/* cfiread-int.h - what the two row readers share: cfiread.c's of .eh_frame
 * and cfilibdw.c's of libdw's frames fill a struct cfiread_state (every
 * register's rule, the CFA's), and cfiread_make_row keeps what differs from
 * the ABI's rules. */
#ifndef HWPROF_CFIREAD_INT_H
#define HWPROF_CFIREAD_INT_H

#include <stdint.h>

#include "cfiread.h"

struct cfiread_rule {
	uint8_t kind, base;
	uint8_t bad;                /* an expression a row cannot say */
	int64_t off;
};

/* libdw's kinds of CFA rule, which the .eh_frame reader must tell apart:
 * DW_CFA_def_cfa_offset and _register keep an offset rule, and make any
 * other invalid. */
enum { CFA_UNDEFINED, CFA_OFFSET, CFA_EXPR, CFA_INVALID };

struct cfiread_state {
	uint8_t cfa, cfa_base;      /* the row's CFA rule (enum cfi_cfa) */
	uint8_t cfa_bad;            /* an expression a row cannot say */
	uint8_t cfa_rule;           /* libdw's kind of it */
	int64_t cfa_off;
	struct cfiread_rule r[CFI_NREGS];
};

/* The row for [start, end) with return address column ra: CFI_FOUND or
 * CFI_UNSUPPORTED (row->unsupported set).  -1 when the range is empty or
 * too long for a row. */
int cfiread_make_row(const struct cfiread_state *st, uint64_t ra, uint64_t start, uint64_t end,
		     struct cfi_row *row);

#endif
