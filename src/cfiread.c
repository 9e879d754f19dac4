/* cfiread.c - see cfiread.h: the search table and the .eh_frame reader
 * (libdw's frames as rows: cfilibdw.c).
 *
 * Both row readers fill a struct cfiread_state and cfiread_make_row keeps
 * what differs from the ABI's rules (cfiread-int.h).  The .eh_frame reader
 * follows libdw's (elfutils libdw/cfi.c, cie.c, fde.c, encoded-value.h):
 * the same initial rules, the same meaning of each opcode, including its
 * quirks (a CFA that DW_CFA_def_cfa_offset changes while it is an
 * expression becomes invalid, not an error); where libdw would refuse the
 * program, so does this reader, and the caller asks libdw. */
#include "cfiread.h"
#include "cfiread-int.h"

#include <dwarf.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REMEMBER 16         /* DW_CFA_remember_state nesting (GCC uses 1) */
#define NO_REG 0xff             /* a register beyond CFI_NREGS: never known */

static void state_init(struct cfiread_state *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned r = 0; r < CFI_NREGS; r++)
		st->r[r].kind = (uint8_t)cfi_default_kind(r);
}

static int fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

int cfiread_make_row(const struct cfiread_state *st, uint64_t ra, uint64_t start, uint64_t end,
		     struct cfi_row *row)
{
	memset(row, 0, sizeof(*row));
	if (end <= start || end - start > UINT32_MAX)
		return -1;
	row->start = start;
	row->len = (uint32_t)(end - start);
	if (ra >= CFI_NREGS || st->cfa_bad || (st->cfa != CFI_CFA_UNDEF && !fits32(st->cfa_off)))
		goto unsupported;
	row->r.ra = (uint8_t)ra;
	row->r.cfa = st->cfa;
	/* No CFA: whatever register and offset a rule before it named are not
	 * part of the row (rows with the same rules are the same bytes). */
	if (st->cfa != CFI_CFA_UNDEF) {
		row->r.cfa_base = st->cfa_base;
		row->r.cfa_off = (int32_t)st->cfa_off;
	}
	for (unsigned r = 0; r < CFI_NREGS; r++) {
		const struct cfiread_rule *x = &st->r[r];
		unsigned base = x->base <= CFI_RULE_BASE_MAX ? x->base : 0;

		if (x->bad || x->off < INT16_MIN || x->off > INT16_MAX)
			goto unsupported;
		if (x->kind == cfi_default_kind(r) && x->off == 0)
			continue;
		/* A base beyond the field is a register never known: as
		 * undefined for CFI_REG, unknown for the others. */
		if (x->base != base && x->kind != CFI_REG)
			goto unsupported;
		if (row->r.nrules == CFI_MAX_RULES)
			goto unsupported;
		row->r.rules[row->r.nrules++] = (struct cfi_rule){
			(uint8_t)r,
			(uint8_t)((x->base != base ? CFI_UNDEF : x->kind) | base << 3),
			(int16_t)x->off };
	}
	return CFI_FOUND;
unsupported:
	/* One row for all the rules a row cannot say: none of them kept. */
	memset(&row->r, 0, sizeof(row->r));
	row->r.unsupported = 1;
	return CFI_UNSUPPORTED;
}

/* ---- bytes ---- */

/* A cursor over buf[pos..end), the section at vaddr. */
struct cur {
	const uint8_t *buf;
	size_t pos, end;
	uint64_t vaddr;
	int bad;                    /* read past the end or an overflow */
};

static uint64_t get_le(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if (c->end - c->pos < n) {
		c->bad = 1;
		c->pos = c->end;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->buf[c->pos + i] << (8 * i);
	c->pos += n;
	return v;
}

static uint64_t get_uleb(struct cur *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; c->pos < c->end; shift += 7) {
		uint8_t b = c->buf[c->pos++];

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

static int64_t get_sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (c->pos < c->end) {
		uint8_t b = c->buf[c->pos++];

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~0ULL << shift;
			return (int64_t)v;
		}
	}
	c->bad = 1;
	return 0;
}

/* A value of pointer encoding enc (DW_EH_PE_*), as libdw's
 * read_encoded_value: pc-relative to where it is; text-, data- and
 * function-relative ones from base 0.  0 or -1 (an encoding not read here). */
static int get_encoded(struct cur *c, uint8_t enc, uint64_t *v)
{
	uint64_t base = 0, at = c->vaddr + c->pos;

	if (enc == DW_EH_PE_omit)
		return -1;
	switch (enc & 0x70) {
	case DW_EH_PE_absptr: case DW_EH_PE_textrel: case DW_EH_PE_datarel: case DW_EH_PE_funcrel:
		break;
	case DW_EH_PE_pcrel:
		base = at;
		break;
	default:
		return -1;
	}
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: case DW_EH_PE_udata8: case DW_EH_PE_sdata8:
		*v = get_le(c, 8);
		break;
	case DW_EH_PE_udata2: *v = get_le(c, 2); break;
	case DW_EH_PE_sdata2: *v = (uint64_t)(int64_t)(int16_t)get_le(c, 2); break;
	case DW_EH_PE_udata4: *v = get_le(c, 4); break;
	case DW_EH_PE_sdata4: *v = (uint64_t)(int64_t)(int32_t)get_le(c, 4); break;
	case DW_EH_PE_uleb128: *v = get_uleb(c); break;
	case DW_EH_PE_sleb128: *v = (uint64_t)get_sleb(c); break;
	default:
		return -1;
	}
	*v += base;
	return c->bad || (enc & DW_EH_PE_indirect) ? -1 : 0;
}

/* ---- .eh_frame_hdr ---- */

int cfiread_hdr(const void *buf, size_t len, uint64_t vaddr, struct cfiread_hdr *h)
{
	struct cur c = { buf, 4, len, vaddr, 0 };
	const uint8_t *p = buf;
	uint64_t count;

	memset(h, 0, sizeof(*h));
	/* version 1, then the encodings of eh_frame_ptr, fde_count, table */
	if (len < 4 || p[0] != 1 || p[2] != DW_EH_PE_udata4 ||
	    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -ENOTSUP;
	if (get_encoded(&c, p[1], &h->eh_frame) < 0)
		return c.bad ? -EINVAL : -ENOTSUP;
	count = get_le(&c, 4);
	if (c.bad)
		return -EINVAL;
	if (count == 0)
		return -ENOTSUP;
	if (count > (len - c.pos) / 8)
		return -EINVAL;
	h->table = p + c.pos;
	h->count = (size_t)count;
	h->vaddr = vaddr;
	return 0;
}

static int32_t le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

uint64_t cfiread_hdr_start(const struct cfiread_hdr *h, size_t i)
{
	return h->vaddr + (uint64_t)(int64_t)le32(h->table + 8 * i);
}

uint64_t cfiread_hdr_fde(const struct cfiread_hdr *h, size_t i)
{
	return h->vaddr + (uint64_t)(int64_t)le32(h->table + 8 * i + 4);
}

size_t cfiread_hdr_find(const struct cfiread_hdr *h, uint64_t a)
{
	size_t lo = 0, hi = h->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cfiread_hdr_start(h, mid) <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : h->count;
}

/* ---- .eh_frame ---- */

struct cie {
	uint64_t caf;               /* code alignment factor */
	int64_t daf;                /* data alignment factor */
	uint64_t ra;                /* return address column */
	uint8_t fde_enc;            /* how FDEs encode their addresses */
	uint8_t z, signal;          /* augmentation data; a signal frame */
	size_t insn, insn_end;      /* initial instructions */
};

/* The entry (CIE or FDE) at pos: c over its bytes after the length, c->pos
 * at its id (CIE 0, or an FDE's CIE pointer), read into *id. */
static int entry(const struct cfiread_eh *eh, size_t pos, struct cur *c, size_t *id_pos,
		 uint64_t *id)
{
	uint64_t len;
	int wide = 0;

	*c = (struct cur){ eh->buf, pos, eh->len, eh->vaddr, 0 };
	if (pos > eh->len)
		return -EINVAL;
	len = get_le(c, 4);
	if (len == 0xffffffff) {
		len = get_le(c, 8);
		wide = 1;
	}
	if (c->bad || len == 0 || len > c->end - c->pos)
		return -EINVAL;
	c->end = c->pos + len;
	*id_pos = c->pos;
	*id = get_le(c, wide ? 8 : 4);
	return c->bad ? -EINVAL : 0;
}

/* The augmentation string's data: the FDE encoding, personality and LSDA
 * skipped, a signal frame noted; letters libdw does not know are ignored
 * when the data is sized ('z'), as libdw does. */
static int read_augmentation(struct cur *c, const char *aug, size_t aug_len, struct cie *cie)
{
	uint64_t len, v;
	size_t end;

	if (aug[0] != 'z')
		return aug_len ? -ENOTSUP : 0;
	len = get_uleb(c);
	if (c->bad || len > c->end - c->pos)
		return -EINVAL;
	end = c->pos + len;
	cie->z = 1;
	for (size_t i = 1; i < aug_len; i++) {
		uint8_t enc;

		if (aug[i] == 'R') {
			cie->fde_enc = (uint8_t)get_le(c, 1);
		} else if (aug[i] == 'L') {
			get_le(c, 1);
		} else if (aug[i] == 'P') {
			enc = (uint8_t)get_le(c, 1);
			if (get_encoded(c, enc & (uint8_t)~DW_EH_PE_indirect, &v) < 0 && !c->bad)
				return -ENOTSUP;
		} else if (aug[i] == 'S') {
			cie->signal = 1;
		}
	}
	if (c->bad || c->pos > end)
		return -EINVAL;
	c->pos = end;
	return 0;
}

static int read_cie(const struct cfiread_eh *eh, size_t pos, struct cie *cie)
{
	struct cur c;
	size_t id_pos, aug_len;
	uint64_t id, version;
	const char *aug;
	int r = entry(eh, pos, &c, &id_pos, &id);

	if (r < 0)
		return r;
	memset(cie, 0, sizeof(*cie));
	version = get_le(&c, 1);
	if (id != 0 || c.bad)
		return -EINVAL;
	if (version != 1 && version != 3 && version != 4)
		return -ENOTSUP;
	aug = (const char *)c.buf + c.pos;
	aug_len = strnlen(aug, c.end - c.pos);
	if (aug_len == c.end - c.pos)
		return -EINVAL;
	c.pos += aug_len + 1;
	/* DWARF 4's address and segment selector sizes */
	if (version == 4 && (get_le(&c, 1) != 8 || get_le(&c, 1) != 0))
		return -ENOTSUP;
	cie->caf = get_uleb(&c);
	cie->daf = get_sleb(&c);
	cie->ra = version == 1 ? get_le(&c, 1) : get_uleb(&c);
	cie->fde_enc = DW_EH_PE_absptr;
	if (c.bad)
		return -EINVAL;
	r = read_augmentation(&c, aug, aug_len, cie);
	if (r < 0)
		return r;
	cie->insn = c.pos;
	cie->insn_end = c.end;
	return 0;
}

/* Reading one CFA program: the state, the CIE's (for DW_CFA_restore), the
 * remembered ones, and where rows go. */
struct interp {
	const struct cie *cie;
	struct cfiread_state st, init;
	size_t nsaved;
	int in_cie;
	uint64_t loc, end;          /* the row being read starts at loc; the FDE ends at end */
	struct cfirows *rows;
	size_t first, max;
	struct cfiread_state saved[MAX_REMEMBER];   /* last: not zeroed */
};

/* The row [in->loc, to) of the current state.  0, -E2BIG or -ENOMEM. */
static int emit(struct interp *in, uint64_t to)
{
	struct cfirows *r = in->rows;

	if (to > in->end)
		to = in->end;
	if (to <= in->loc)
		return 0;
	if (r->n - in->first >= in->max)
		return -E2BIG;
	if (cfirows_grow(r, 1) < 0)
		return -ENOMEM;
	/* A row longer than a row can say (4 GiB) ends the FDE's rows. */
	if (cfiread_make_row(&in->st, in->cie->signal ? CFI_NREGS : in->cie->ra, in->loc, to,
		     &r->v[r->n]) < 0)
		return -E2BIG;
	r->n++;
	return 0;
}

/* DW_OP_breg R N, then DW_OP_deref or nothing: 1 (*deref set), 0 for
 * another expression, -1 when the block does not parse. */
static int expr_shape(struct cur *c, unsigned *reg, int64_t *off, int *deref)
{
	uint64_t len = get_uleb(c), op, r;
	struct cur e;

	if (c->bad || len > c->end - c->pos)
		return -1;
	e = *c;
	e.end = c->pos + len;
	c->pos += len;
	op = get_le(&e, 1);
	if (op >= DW_OP_breg0 && op <= DW_OP_breg31) {
		r = op - DW_OP_breg0;
	} else if (op == DW_OP_bregx) {
		r = get_uleb(&e);
	} else {
		return e.bad ? -1 : 0;
	}
	*off = get_sleb(&e);
	*deref = e.pos < e.end && e.buf[e.pos] == DW_OP_deref;
	e.pos += (size_t)*deref;
	if (e.bad)
		return -1;
	*reg = r < CFI_NREGS ? (unsigned)r : NO_REG;
	return e.pos == e.end && r < CFI_NREGS;
}

static void set_rule(struct interp *in, uint64_t reg, uint8_t kind, uint64_t base, uint64_t off)
{
	if (reg < CFI_NREGS)
		in->st.r[reg] = (struct cfiread_rule){ kind, base < CFI_NREGS ? (uint8_t)base : NO_REG, 0,
					       (int64_t)off };
}

/* A rule of an expression block: shape 1 is "base + off" (at: the word
 * there); a block that does not parse leaves libdw no rule (undefined). */
static void set_expr_rule(struct interp *in, uint64_t reg, struct cur *c, int value)
{
	unsigned base = 0;
	int64_t off = 0;
	int deref = 0, shape = expr_shape(c, &base, &off, &deref);

	if (shape < 0) {
		set_rule(in, reg, CFI_UNDEF, 0, 0);
		return;
	}
	set_rule(in, reg, value ? CFI_REG_PLUS : CFI_AT_REG, base, (uint64_t)off);
	if (reg < CFI_NREGS)
		in->st.r[reg].bad = shape == 0 || deref;
}

static void def_cfa(struct interp *in, uint64_t reg, uint64_t off)
{
	in->st.cfa_rule = CFA_OFFSET;
	in->st.cfa = CFI_CFA_REG;
	in->st.cfa_base = reg < CFI_NREGS ? (uint8_t)reg : NO_REG;
	in->st.cfa_off = (int64_t)off;
	in->st.cfa_bad = 0;
}

/* DW_CFA_def_cfa_register / _offset: only an offset rule takes them. */
static void require_offset(struct interp *in)
{
	if (in->st.cfa_rule != CFA_OFFSET) {
		in->st.cfa_rule = CFA_INVALID;
		in->st.cfa = CFI_CFA_UNDEF;
		in->st.cfa_bad = 0;
	}
}

static void cfa_expr(struct interp *in, struct cur *c)
{
	unsigned base = 0;
	int64_t off = 0;
	int deref = 0, shape = expr_shape(c, &base, &off, &deref);

	in->st.cfa_rule = CFA_EXPR;
	in->st.cfa = shape < 0 ? CFI_CFA_UNDEF : deref ? CFI_CFA_DEREF : CFI_CFA_REG;
	in->st.cfa_base = (uint8_t)base;
	in->st.cfa_off = off;
	in->st.cfa_bad = shape == 0;
}

/* The next row starts at to: the one so far is emitted.  0, 1 when past the
 * FDE's end (nothing more to read), or -errno. */
static int advance(struct interp *in, uint64_t to)
{
	int r;

	if (in->in_cie || to < in->loc)
		return -EINVAL;
	r = emit(in, to);
	in->loc = to;
	return r < 0 ? r : in->loc >= in->end;
}

static int restore(struct interp *in, uint64_t reg)
{
	if (in->in_cie)
		return -EINVAL;
	if (reg < CFI_NREGS)
		in->st.r[reg] = in->init.r[reg];
	return 0;
}

/* Opcodes with a register operand (DW_CFA_offset & co.).  0 or -ENOTSUP. */
static int reg_op(struct interp *in, uint8_t op, struct cur *c)
{
	uint64_t daf = (uint64_t)in->cie->daf, reg = get_uleb(c), base;

	switch (op) {
	case DW_CFA_offset_extended:
		set_rule(in, reg, CFI_AT_CFA, 0, get_uleb(c) * daf);
		return 0;
	case DW_CFA_offset_extended_sf:
		set_rule(in, reg, CFI_AT_CFA, 0, (uint64_t)get_sleb(c) * daf);
		return 0;
	case DW_CFA_GNU_negative_offset_extended:
		set_rule(in, reg, CFI_AT_CFA, 0, (0 - get_uleb(c)) * daf);
		return 0;
	case DW_CFA_val_offset:
		set_rule(in, reg, CFI_CFA_PLUS, 0, get_uleb(c) * daf);
		return 0;
	case DW_CFA_val_offset_sf:
		set_rule(in, reg, CFI_CFA_PLUS, 0, (uint64_t)get_sleb(c) * daf);
		return 0;
	case DW_CFA_restore_extended:
		return restore(in, reg);
	case DW_CFA_undefined:
		set_rule(in, reg, CFI_UNDEF, 0, 0);
		return 0;
	case DW_CFA_same_value:
		set_rule(in, reg, CFI_SAME, 0, 0);
		return 0;
	case DW_CFA_register:
		/* A register libdwfl does not unwind is unknown. */
		base = get_uleb(c);
		set_rule(in, reg, base < CFI_NREGS ? CFI_REG : CFI_UNDEF, base, 0);
		return 0;
	case DW_CFA_expression:
	case DW_CFA_val_expression:
		set_expr_rule(in, reg, c, op == DW_CFA_val_expression);
		return 0;
	case DW_CFA_def_cfa:
		def_cfa(in, reg, get_uleb(c));
		return 0;
	case DW_CFA_def_cfa_sf:
		def_cfa(in, reg, (uint64_t)get_sleb(c) * daf);
		return 0;
	case DW_CFA_def_cfa_register:
		require_offset(in);
		in->st.cfa_base = reg < CFI_NREGS ? (uint8_t)reg : NO_REG;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* One instruction.  0, 1 past the FDE's end, or -errno. */
static int step_op(struct interp *in, struct cur *c)
{
	uint8_t op = (uint8_t)get_le(c, 1);
	uint64_t caf = in->cie->caf, to;

	switch (op & 0xc0) {
	case DW_CFA_advance_loc:
		return advance(in, in->loc + (op & 0x3f) * caf);
	case DW_CFA_offset:
		set_rule(in, op & 0x3f, CFI_AT_CFA, 0, get_uleb(c) * (uint64_t)in->cie->daf);
		return 0;
	case DW_CFA_restore:
		return restore(in, op & 0x3f);
	}
	switch (op) {
	case DW_CFA_nop:
		return 0;
	case DW_CFA_set_loc:
		return get_encoded(c, in->cie->fde_enc, &to) < 0 ? -EINVAL : advance(in, to);
	case DW_CFA_advance_loc1:
		return advance(in, in->loc + get_le(c, 1) * caf);
	case DW_CFA_advance_loc2:
		return advance(in, in->loc + get_le(c, 2) * caf);
	case DW_CFA_advance_loc4:
		return advance(in, in->loc + get_le(c, 4) * caf);
	case DW_CFA_MIPS_advance_loc8:
		return advance(in, in->loc + get_le(c, 8) * caf);
	case DW_CFA_remember_state:
		if (in->nsaved == MAX_REMEMBER)
			return -ENOTSUP;
		in->saved[in->nsaved++] = in->st;
		return 0;
	case DW_CFA_restore_state:
		if (!in->nsaved)
			return -EINVAL;
		in->st = in->saved[--in->nsaved];
		return 0;
	case DW_CFA_def_cfa_offset:
		require_offset(in);
		in->st.cfa_off = (int64_t)get_uleb(c);
		return 0;
	case DW_CFA_def_cfa_offset_sf:
		require_offset(in);
		in->st.cfa_off = (int64_t)((uint64_t)get_sleb(c) * (uint64_t)in->cie->daf);
		return 0;
	case DW_CFA_def_cfa_expression:
		cfa_expr(in, c);
		return 0;
	case DW_CFA_GNU_args_size:
		get_uleb(c);
		return 0;
	default:
		return reg_op(in, op, c);
	}
}

/* Run the program c covers.  0 or -errno. */
static int run(struct interp *in, struct cur *c)
{
	while (c->pos < c->end) {
		int r = step_op(in, c);

		if (c->bad)
			return -EINVAL;
		if (r)
			return r < 0 ? r : 0;
	}
	return 0;
}

int cfiread_fde(const struct cfiread_eh *eh, uint64_t fde, size_t max, struct cfirows *rows)
{
	struct interp *in;
	struct cur c, ci;
	struct cie cie;
	size_t id_pos;
	uint64_t id, begin, range, alen;
	int r;

	if (fde < eh->vaddr || fde - eh->vaddr > eh->len)
		return -EINVAL;
	r = entry(eh, fde - eh->vaddr, &c, &id_pos, &id);
	if (r < 0)
		return r;
	/* An FDE's id is the distance back to its CIE. */
	if (id == 0 || id > id_pos || (r = read_cie(eh, id_pos - id, &cie)) < 0)
		return r < 0 ? r : -EINVAL;
	if (get_encoded(&c, cie.fde_enc, &begin) < 0 ||
	    get_encoded(&c, cie.fde_enc & 0x0f, &range) < 0)
		return c.bad ? -EINVAL : -ENOTSUP;
	if (cie.z) {
		alen = get_uleb(&c);
		if (c.bad || alen > c.end - c.pos)
			return -EINVAL;
		c.pos += alen;
	}
	if (begin + range < begin)
		return -EINVAL;
	/* Some 5 KB of states, mostly room to remember: off the stack, and not
	 * zeroed (only what is used is written first). */
	in = malloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	memset(in, 0, offsetof(struct interp, saved));
	in->cie = &cie;
	state_init(&in->st);
	in->in_cie = 1;
	ci = (struct cur){ eh->buf, cie.insn, cie.insn_end, eh->vaddr, 0 };
	r = run(in, &ci);
	if (r == 0 && in->nsaved)
		r = -ENOTSUP;
	in->init = in->st;
	in->in_cie = 0;
	in->loc = begin;
	in->end = begin + range;
	in->rows = rows;
	in->first = rows->n;
	in->max = max;
	if (r == 0)
		r = run(in, &c);
	if (r == 0)
		r = emit(in, in->end);
	if (r < 0)
		rows->n = in->first;
	free(in);
	return r < 0 ? r : 0;
}
