/* cfilibdw.c - cfiread_row (see cfiread.h): libdw's frame at an address as a
 * row, for what the .eh_frame reader leaves to libdw. */
#include "cfiread.h"
#include "cfiread-int.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdbool.h>
#include <string.h>

/* DW_OP_bregN / DW_OP_bregx: the register and offset, or -1. */
static int breg(const Dwarf_Op *op, unsigned *reg, int64_t *off)
{
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (int64_t)op->number;
	} else if (op->atom == DW_OP_bregx && op->number < CFI_NREGS) {
		*reg = (unsigned)op->number;
		*off = (int64_t)op->number2;
	} else {
		return -1;
	}
	return *reg < CFI_NREGS ? 0 : -1;
}

/* The CFA rule: "breg" is register + offset, "breg; deref" the word there
 * (a realigned frame keeps its CFA in memory). */
static void libdw_cfa(Dwarf_Frame *frame, struct cfiread_state *st)
{
	Dwarf_Op *ops;
	size_t nops;
	unsigned reg;
	int64_t off;

	/* libdwfl's walk fails every CFA-relative rule when the CFA fails. */
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops == 0) {
		st->cfa = CFI_CFA_UNDEF;
		return;
	}
	if (breg(&ops[0], &reg, &off) < 0 || nops > 2 ||
	    (nops == 2 && ops[1].atom != DW_OP_deref)) {
		st->cfa_bad = 1;
		return;
	}
	st->cfa = nops == 2 ? CFI_CFA_DEREF : CFI_CFA_REG;
	st->cfa_base = (uint8_t)reg;
	st->cfa_off = off;
}

/* One register's rule, as dwarf_frame_register spells it:
 *   undefined: no ops (ops == ops_mem); same value: no ops (ops NULL);
 *   offset(N):  call_frame_cfa [plus_uconst N]        (a location: read it)
 *   val_offset: call_frame_cfa [plus_uconst N] stack_value
 *   register(R): regx R
 *   expression E: call_frame_cfa E [stack_value]      (E: breg R N here) */
static void libdw_reg(Dwarf_Frame *frame, unsigned r, struct cfiread_rule *x)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	int value = 0;
	unsigned reg;
	int64_t off;

	memset(x, 0, sizeof(*x));
	/* A rule libdw cannot read leaves the register unknown to libdwfl too. */
	if (dwarf_frame_register(frame, (int)r, mem, &ops, &nops) != 0)
		return;
	if (nops == 0) {
		x->kind = ops == NULL ? CFI_SAME : CFI_UNDEF;
		return;
	}
	if (ops[0].atom == DW_OP_regx && nops == 1) {
		/* A register libdwfl does not unwind reads as unknown. */
		if (ops[0].number < CFI_NREGS) {
			x->kind = CFI_REG;
			x->base = (uint8_t)ops[0].number;
		}
		return;
	}
	if (ops[0].atom != DW_OP_call_frame_cfa) {
		x->bad = 1;
		return;
	}
	if (nops > 1 && ops[nops - 1].atom == DW_OP_stack_value) {
		value = 1;
		nops--;
	}
	if (nops == 1 || (nops == 2 && ops[1].atom == DW_OP_plus_uconst)) {
		x->kind = value ? CFI_CFA_PLUS : CFI_AT_CFA;
		x->off = nops == 2 ? (int64_t)ops[1].number : 0;
	} else if (nops == 2 && breg(&ops[1], &reg, &off) == 0) {
		x->kind = value ? CFI_REG_PLUS : CFI_AT_REG;
		x->base = (uint8_t)reg;
		x->off = off;
	} else {
		x->bad = 1;
	}
}

int cfiread_row(struct Dwarf_Frame_s *frame, struct cfi_row *row)
{
	Dwarf_Addr start = 0, end = 0;
	bool signal = false;
	int ra = dwarf_frame_info(frame, &start, &end, &signal);
	struct cfiread_state st;
	int r;

	memset(&st, 0, sizeof(st));
	libdw_cfa(frame, &st);
	for (unsigned reg = 0; reg < CFI_NREGS; reg++)
		libdw_reg(frame, reg, &st.r[reg]);
	/* A signal frame changes how the next frame's pc is looked up. */
	r = cfiread_make_row(&st, ra < 0 || signal ? CFI_NREGS : (uint64_t)ra, start, end, row);
	if (r < 0) {
		memset(row, 0, sizeof(*row));
		row->start = start;
		row->r.unsupported = 1;
		return CFI_UNSUPPORTED;
	}
	return r;
}

