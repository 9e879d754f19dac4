/* test-cfiread: FDEs with DWARF expressions a row cannot say, read by
 * cfiread_fde from hand-made .eh_frame bytes.  A CFA block that does not
 * parse leaves no CFA (and no register or offset of it: rows with the same
 * rules are the same bytes, and nothing comes from the reader's stack; the
 * stack is dirtied before each read so that a value read uninitialised is
 * likelier to show, as valgrind shows it); a register's expression of
 * another shape makes the row unsupported, with nothing else kept (one
 * canonical form for all such rows). */
#include <dwarf.h>
#include <stdint.h>
#include <string.h>

#include "../../src/cfiread.h"
#include "tap.h"

#define VADDR 0x2000
#define FDE_AT 18               /* after the CIE: 4 + 14 bytes */
#define PC_BEGIN 0x1000
#define PC_RANGE 0x10

/* A CIE (version 1, no augmentation, code alignment 1, data alignment -8,
 * return address column 16; CFA = rsp + 8, return address at CFA - 8) and
 * one FDE over [PC_BEGIN, PC_BEGIN + PC_RANGE): one byte of the CIE's rules,
 * then the n bytes of insns.  Into b; its length. */
static size_t eh_frame(uint8_t *b, const uint8_t *insns, uint8_t n)
{
	static const uint8_t cie[] = {
		14, 0, 0, 0,  0, 0, 0, 0,  1, 0,  1, 0x78, 16,
		0x0c, 7, 8,  0x90, 1,
	};
	static const uint8_t fde[] = {
		0, 0, 0, 0,  FDE_AT + 4, 0, 0, 0,
		PC_BEGIN & 0xff, PC_BEGIN >> 8, 0, 0, 0, 0, 0, 0,
		PC_RANGE, 0, 0, 0, 0, 0, 0, 0,
		0x41,
	};
	size_t len = sizeof(cie);

	memcpy(b, cie, sizeof(cie));
	memcpy(b + len, fde, sizeof(fde));
	b[len] = (uint8_t)(sizeof(fde) - 4 + n);
	len += sizeof(fde);
	memcpy(b + len, insns, n);
	len += n;
	memset(b + len, 0, 4);
	return len + 4;
}

__attribute__((noinline)) static void dirty_stack(void)
{
	volatile uint8_t junk[8192];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = 0xa5;
}

static int read_fde(const uint8_t *insns, uint8_t n, struct cfirows *rows)
{
	uint8_t buf[64];
	struct cfiread_eh eh = { buf, eh_frame(buf, insns, n), VADDR };

	memset(rows, 0, sizeof(*rows));
	dirty_stack();
	return cfiread_fde(&eh, VADDR + FDE_AT, 16, rows);
}

int main(void)
{
	static const struct cfi_rules unsupported = { .unsupported = 1 };
	/* DW_OP_breg7 without its offset: the block does not parse. */
	static const uint8_t cfa_cut[] = { DW_CFA_def_cfa_expression, 1, DW_OP_breg7 };
	/* rbp = DW_OP_lit0: an expression, not "register + offset". */
	static const uint8_t rbp_lit[] = { DW_CFA_expression, 6, 1, DW_OP_lit0 };
	struct cfirows rows;

	is_int(read_fde(cfa_cut, sizeof(cfa_cut), &rows), 0, "an FDE whose CFA block does not parse reads");
	is_int(rows.n, 2, "two rows: the CIE's, then the expression's");
	if (rows.n == 2) {
		const struct cfi_rules *r = &rows.v[1].r;

		ok(rows.v[0].r.cfa == CFI_CFA_REG && rows.v[0].r.cfa_base == 7 && rows.v[0].r.cfa_off == 8,
		   "the first: CFA = r7 + 8");
		ok(rows.v[1].start == PC_BEGIN + 1 && rows.v[1].len == PC_RANGE - 1,
		   "the second from the advance to the end");
		is_int(r->cfa, CFI_CFA_UNDEF, "no CFA there");
		ok(r->cfa_base == 0 && r->cfa_off == 0, "and no register or offset of one (r%d%+d)",
		   r->cfa_base, r->cfa_off);
	}
	cfirows_free(&rows);

	is_int(read_fde(rbp_lit, sizeof(rbp_lit), &rows), 0,
	       "an FDE with a register's rule another expression reads");
	ok(rows.n == 2 && memcmp(&rows.v[1].r, &unsupported, sizeof(unsupported)) == 0,
	   "its row: unsupported, and nothing else kept");
	cfirows_free(&rows);
	return done_testing();
}
