/* cfiwalk.c - see cfiwalk.h.
 *
 * The walk follows libdwfl's (elfutils' dwfl_thread_getframes, handle_cfi and
 * the architecture's frame-pointer fallback) step by step, with unwind.c's
 * memory callback, so that the two agree on every frame, not only on good
 * stacks:
 *  - frame k's rule is looked up at its pc (the sampled frame) or pc - 1 (a
 *    return address); it is recorded as that same address;
 *  - a register whose rule cannot be evaluated (an unknown base register, a
 *    failed read) is unknown in the caller; the return address column gives
 *    the caller's pc, and an unknown or zero one ends the walk;
 *  - the CFA is evaluated only when a rule needs it (a CFA read from memory
 *    may fail, and a failed read marks the walk incomplete);
 *  - with no CFI at the pc (or no file), the frame pointer unwinds it;
 *  - reads come from the stack copy, never from below the frame's SP (where
 *    nothing a rule restores lives); a read elsewhere that libdwfl could
 *    serve from a module's file gives up (-ENOTSUP). */
#include "cfiwalk.h"
#include "arch.h"
#include "vdso.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WALK_MAPS 8             /* mappings a walk remembers */
#define WALK_PREFETCH 4096      /* bytes of the stack copy asked for at once */

struct cw_file {
	const char *key;            /* procmap's path pointer last seen for it */
	char *path;
	uint8_t build_id[20];
	uint8_t build_id_size;
	struct cfitable *t;         /* NULL: the file cannot be read (no CFI) */
	uint64_t last_use;
};

/* A mapping met in this walk, with its file. */
struct cw_map {
	uint64_t start, end, pgoff;
	struct cw_file *f;
};

struct cfiwalk {
	cfiwalk_find_map_fn find;
	void *ctx;
	struct cw_file files[CFIWALK_MAX_FILES];
	size_t nfiles;
	uint64_t tick;
	uint64_t idle_mark;         /* tick at the last cfiwalk_close_idle */
	uint64_t bytes;             /* kept by all tables */
	int vdso_fd;
	struct cfiwalk_stats stats;
};

/* One walk in progress. */
struct walk {
	struct cfiwalk *w;
	const struct cfiwalk_sample *s;
	uint64_t sp0;               /* the sampled SP: offset 0 of the copy */
	uint64_t frame_sp;          /* SP of the frame being unwound */
	struct cw_map maps[WALK_MAPS];
	size_t nmaps;
	int read_failed;
	int unsupported;
};

int cfiwalk_new(cfiwalk_find_map_fn find, void *ctx, struct cfiwalk **out)
{
	struct cfiwalk *w = calloc(1, sizeof(*w));

	*out = w;
	if (!w)
		return -ENOMEM;
	w->find = find;
	w->ctx = ctx;
	w->vdso_fd = -1;
	return 0;
}

static void file_clear(struct cfiwalk *w, struct cw_file *f)
{
	if (f->t)
		w->bytes -= cfitable_bytes(f->t);
	cfitable_free(f->t);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

void cfiwalk_free(struct cfiwalk *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nfiles; i++)
		file_clear(w, &w->files[i]);
	if (w->vdso_fd >= 0)
		close(w->vdso_fd);
	free(w);
}

const struct cfiwalk_stats *cfiwalk_stats(const struct cfiwalk *w)
{
	((struct cfiwalk *)w)->stats.bytes = w->bytes;
	return &w->stats;
}

void cfiwalk_close_idle(struct cfiwalk *w)
{
	size_t kept = 0;

	for (size_t i = 0; i < w->nfiles; i++) {
		if (w->files[i].last_use > w->idle_mark)
			w->files[kept++] = w->files[i];
		else
			file_clear(w, &w->files[i]);
	}
	/* The slots left behind hold copies of the moved ones: empty them, as
	 * file_of expects of a slot past nfiles. */
	memset(&w->files[kept], 0, (w->nfiles - kept) * sizeof(w->files[0]));
	w->nfiles = kept;
	w->idle_mark = w->tick;
}

/* ---- files ---- */

static int same_file(const struct cw_file *f, const struct map *m)
{
	if (f->build_id_size != m->build_id_size ||
	    memcmp(f->build_id, m->build_id, m->build_id_size) != 0)
		return 0;
	return f->key == m->path || strcmp(f->path, m->path) == 0;
}

/* The least recently used file not met in the walk under way (tick); with
 * rows or rules only if with_rows. */
static struct cw_file *lru_file(struct cfiwalk *w, int with_rows)
{
	struct cw_file *best = NULL;

	for (size_t i = 0; i < w->nfiles; i++) {
		struct cw_file *f = &w->files[i];

		if (f->last_use != w->tick && (!with_rows || (f->t && cfitable_bytes(f->t))) &&
		    (!best || f->last_use < best->last_use))
			best = f;
	}
	return best;
}

/* Open m's file as unwind.c's report_map does: a path, or our [vdso] image. */
static int open_file(struct cfiwalk *w, const struct map *m)
{
	int fd;

	if (strcmp(m->path, "[vdso]") == 0) {
		fd = vdso_image_fd(&w->vdso_fd);
		if (fd < 0)
			return fd;
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	} else if (m->path[0] == '/') {
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	} else {
		return -ENOENT;
	}
	return fd < 0 ? -errno : fd;
}

/* The file of m, opened on first use.  NULL only on ENOMEM. */
static struct cw_file *file_of(struct cfiwalk *w, const struct map *m)
{
	struct cw_file *f = NULL;
	int fd;

	for (size_t i = 0; i < w->nfiles && !f; i++)
		if (same_file(&w->files[i], m))
			f = &w->files[i];
	if (f) {
		f->key = m->path;
		f->last_use = w->tick;
		return f;
	}
	if (w->nfiles < CFIWALK_MAX_FILES) {
		f = &w->files[w->nfiles++];
	} else {
		f = lru_file(w, 0);
		if (!f)
			return NULL;
		file_clear(w, f);
		w->stats.evictions++;
	}
	f->path = strdup(m->path);
	if (!f->path)
		return NULL;
	f->key = m->path;
	f->build_id_size = m->build_id_size <= sizeof(f->build_id) ? m->build_id_size : 0;
	memcpy(f->build_id, m->build_id, f->build_id_size);
	f->last_use = w->tick;
	fd = open_file(w, m);
	if (fd >= 0 && cfitable_open(fd, m->path, &f->t) < 0)
		f->t = NULL;
	return f;
}

/* Keep the rows and rules within bounds: drop least recently used tables. */
static void trim(struct cfiwalk *w)
{
	while (w->bytes > CFIWALK_MAX_BYTES) {
		struct cw_file *f = lru_file(w, 1);

		if (!f)
			break;
		w->bytes -= cfitable_bytes(f->t);
		cfitable_clear(f->t);
		w->stats.evictions++;
	}
}

/* The mapping (and file) at pc for this walk; NULL when pc is in none. */
static const struct cw_map *map_at(struct walk *k, uint64_t pc)
{
	const struct map *m;
	struct cw_map *c;

	for (size_t i = 0; i < k->nmaps; i++)
		if (pc >= k->maps[i].start && pc < k->maps[i].end)
			return &k->maps[i];
	m = k->w->find(k->w->ctx, k->s->pid, pc);
	if (!m)
		return NULL;
	c = &k->maps[k->nmaps < WALK_MAPS ? k->nmaps++ : WALK_MAPS - 1];
	*c = (struct cw_map){ m->start, m->end, m->pgoff, file_of(k->w, m) };
	if (!c->f)
		k->unsupported = 1;
	return c;
}

/* ---- reading the stack ---- */

/* Whether libdwfl could read addr from a module's file (unwind.c's
 * read_module): it is in a mapping, or within the span of the segments of a
 * file this walk met, where libdwfl's module for it lies. */
static int module_memory(struct walk *k, uint64_t addr)
{
	if (k->w->find(k->w->ctx, k->s->pid, addr))
		return 1;
	for (size_t i = 0; i < k->nmaps; i++) {
		const struct cw_map *m = &k->maps[i];
		uint64_t lo, hi, fa;

		if (!m->f || !m->f->t || cfitable_file_addr(m->f->t, m->start, m->pgoff, m->start, &fa))
			continue;
		cfitable_span(m->f->t, &lo, &hi);
		/* The runtime address of file address x is x + (start - fa). */
		if (addr - (m->start - fa) >= lo && addr - (m->start - fa) < hi)
			return 1;
	}
	return 0;
}

/* The word at addr, as unwind.c's cb_memory_read gives it.  0 or -1. */
static int read_word(struct walk *k, uint64_t addr, uint64_t *v)
{
	uint64_t off = addr - k->sp0;

	if (addr >= k->sp0 && addr < k->frame_sp) {
		k->read_failed = 1;
		return -1;
	}
	if (addr >= k->sp0 && off <= k->s->stack_size && k->s->stack_size - off >= CFI_WORD) {
		memcpy(v, (const char *)k->s->stack + off, CFI_WORD);
		return 0;
	}
	if (module_memory(k, addr))
		k->unsupported = 1;
	k->read_failed = 1;
	return -1;
}

/* ---- one frame ---- */

enum step { STEP_NEXT, STEP_END, STEP_FAIL };

static int known(const struct cfiwalk_regs *r, unsigned reg)
{
	return reg < CFI_NREGS && (r->known >> reg & 1);
}

static void set(struct cfiwalk_regs *r, unsigned reg, uint64_t v)
{
	r->v[reg] = v;
	r->known |= 1ULL << reg;
}

/* The CFA of a row in frame cur, evaluated when a rule first needs it (as
 * libdwfl does: a CFA read from memory may fail). */
struct cfa {
	int state;                  /* 0: not yet, 1: *v, -1: none */
	uint64_t v;
};

/* Frame cur being unwound by row: what every register's rule reads. */
struct frame {
	struct walk *k;
	const struct cfi_rules *row;
	const struct cfiwalk_regs *cur;
	struct cfa cfa;
};

/* f's CFA into f->cfa.v.  0, or -1 without one. */
static int cfa_of(struct frame *f)
{
	const struct cfi_rules *row = f->row;
	const struct cfiwalk_regs *cur = f->cur;
	struct cfa *c = &f->cfa;

	if (!c->state) {
		c->state = -1;
		if (row->cfa != CFI_CFA_UNDEF && known(cur, row->cfa_base)) {
			c->v = cur->v[row->cfa_base] + (uint64_t)(int64_t)row->cfa_off;
			if (row->cfa == CFI_CFA_REG || read_word(f->k, c->v, &c->v) == 0)
				c->state = 1;
		}
	}
	return c->state > 0 ? 0 : -1;
}

/* Register r of f's caller by its rule (kind, base register, offset).  0
 * set, -1 unknown. */
static int reg_by_rule(struct frame *f, unsigned r, int kind, unsigned base, uint64_t off,
		       uint64_t *v)
{
	const struct cfiwalk_regs *cur = f->cur;

	switch (kind) {
	case CFI_SAME:
		*v = cur->v[r];
		return known(cur, r) ? 0 : -1;
	case CFI_REG:
		*v = cur->v[base];
		return known(cur, base) ? 0 : -1;
	case CFI_AT_CFA:
	case CFI_CFA_PLUS:
		if (cfa_of(f) < 0)
			return -1;
		*v = f->cfa.v + off;
		return kind == CFI_AT_CFA ? read_word(f->k, *v, v) : 0;
	case CFI_AT_REG:
	case CFI_REG_PLUS:
		if (cfa_of(f) < 0 || !known(cur, base))
			return -1;
		*v = cur->v[base] + off;
		return kind == CFI_AT_REG ? read_word(f->k, *v, v) : 0;
	default:
		return -1;
	}
}

/* handle_cfi: the caller of cur by row, into next.  Registers the row does
 * not list keep the ABI's rules: unchanged (what is known of them), the SP
 * the CFA, the others undefined; then each listed register by its rule. */
static enum step by_row(struct walk *k, const struct cfi_rules *row, const struct cfiwalk_regs *cur,
			struct cfiwalk_regs *next)
{
	const struct cfi_rule *x, *end = row->rules + row->nrules;
	struct frame f = { k, row, cur, { 0, 0 } };
	uint64_t listed = 0, v;
	int ra_undefined;

	for (x = row->rules; x < end; x++)
		listed |= 1ULL << x->reg;
	*next = *cur;
	next->known = cur->known & CFI_SAME_MASK & ~listed;
	if (!(listed >> CFI_REG_SP & 1) && cfa_of(&f) == 0)
		set(next, CFI_REG_SP, f.cfa.v);
	ra_undefined = !(listed >> row->ra & 1) && cfi_default_kind(row->ra) == CFI_UNDEF;
	for (x = row->rules; x < end; x++) {
		int kind = cfi_rule_kind(x);

		if (kind == CFI_UNDEF)
			ra_undefined |= x->reg == row->ra;
		else if (reg_by_rule(&f, x->reg, kind, cfi_rule_base(x),
				     (uint64_t)(int64_t)x->off, &v) == 0)
			set(next, x->reg, v);
	}
	/* An undefined, unknown or zero return address ends the stack. */
	if (ra_undefined || !known(next, row->ra) || next->v[row->ra] == 0)
		return STEP_END;
	next->pc = next->v[row->ra];
	return STEP_NEXT;
}

/* The architecture's fallback without CFI (libdw's x86_64_unwind): the frame
 * record at FP.  Elsewhere libdw's own rule applies: ask it. */
static enum step by_frame_pointer(struct walk *k, const struct cfiwalk_regs *cur,
				  struct cfiwalk_regs *next)
{
	uint64_t fp = cur->v[CFI_REG_FP], sp = known(cur, CFI_REG_SP) ? cur->v[CFI_REG_SP] : 0;
	uint64_t prev_fp, ret;

	if (!CFI_FP_RECORD) {
		k->unsupported = 1;
		return STEP_FAIL;
	}
	if (!known(cur, CFI_REG_FP) || fp == 0)
		return STEP_FAIL;
	if (read_word(k, fp, &prev_fp) < 0)
		prev_fp = 0;
	if (read_word(k, fp + CFI_WORD, &ret) < 0)
		return STEP_FAIL;
	next->known = 0;
	set(next, CFI_REG_FP, prev_fp);
	set(next, CFI_REG_SP, fp + 2 * CFI_WORD);
	next->pc = ret;
	/* A stack that does not grow up is no frame chain. */
	return sp >= fp + 2 * CFI_WORD ? STEP_FAIL : STEP_NEXT;
}

/* The rules at pc in its file's table (*m: pc's mapping, NULL when in
 * none), the rows it read counted against the bound: cfitable_find's
 * answer, or -ENOENT when no table holds pc (no mapping, file or table). */
static int rules_at(struct walk *k, uint64_t pc, const struct cw_map **m,
		    const struct cfi_rules **row)
{
	uint64_t a;
	size_t before;
	int r;

	*m = map_at(k, pc);
	if (!*m || !(*m)->f || !(*m)->f->t ||
	    cfitable_file_addr((*m)->f->t, (*m)->start, (*m)->pgoff, pc, &a) < 0)
		return -ENOENT;
	before = cfitable_bytes((*m)->f->t);
	r = cfitable_find((*m)->f->t, a, row);
	k->w->bytes += cfitable_bytes((*m)->f->t) - before;
	return r;
}

/* Unwind the frame cur, whose rules are those at pc (its pc or pc - 1). */
static enum step step(struct walk *k, uint64_t pc, const struct cfiwalk_regs *cur,
		      struct cfiwalk_regs *next)
{
	const struct cfi_rules *row;
	const struct cw_map *m;
	int r = rules_at(k, pc, &m, &row);

	if (k->unsupported)
		return STEP_FAIL;
	if (r == CFI_FOUND)
		return by_row(k, row, cur, next);
	if (r != CFI_NONE && r != -ENOENT) {
		k->unsupported = 1;
		return STEP_FAIL;
	}
	return by_frame_pointer(k, cur, next);
}

/* A walk of s starting: the bound kept, the walk's tick for the LRU. */
static void walk_start(struct cfiwalk *w, const struct cfiwalk_sample *s, struct walk *k)
{
	trim(w);
	w->tick++;
	memset(k, 0, sizeof(*k));
	k->w = w;
	k->s = s;
	k->sp0 = k->frame_sp = s->regs.v[CFI_REG_SP];
}

int cfiwalk_unwind(struct cfiwalk *w, const struct cfiwalk_sample *s, uint64_t *pcs, size_t max,
		   size_t *n)
{
	struct cfiwalk_regs cur = s->regs, next;
	struct walk k;
	enum step st;
	int initial = 1;

	*n = 0;
	if (!max || !known(&s->regs, CFI_REG_SP))
		return -EINVAL;
	walk_start(w, s, &k);
	w->stats.walks++;
	/* The copy was written long before and is out of the cache; the walk
	 * reads it frame after frame, each read waiting for the one before.
	 * Asked for at once, the lines of its first frames arrive together. */
	for (uint64_t o = 0; o < s->stack_size && o < WALK_PREFETCH; o += 64)
		__builtin_prefetch((const char *)s->stack + o);
	for (;;) {
		/* The sampled pc is the interrupted instruction; every other pc
		 * a return address, whose call is the instruction before. */
		uint64_t pc = initial || cur.pc == 0 ? cur.pc : cur.pc - 1;

		if (known(&cur, CFI_REG_SP))
			k.frame_sp = cur.v[CFI_REG_SP];
		pcs[(*n)++] = pc;
		if (*n >= max) {
			st = STEP_FAIL;
			break;
		}
		st = step(&k, initial ? cur.pc : cur.pc - 1, &cur, &next);
		if (st != STEP_NEXT)
			break;
		cur = next;
		initial = 0;
	}
	if (k.unsupported) {
		w->stats.unsupported++;
		return -ENOTSUP;
	}
	return st == STEP_END && !k.read_failed;
}

/* ---- a frameless leaf's caller ---- */

/* The rule of register r in row: kind, base register and offset. */
static int rule_of(const struct cfi_rules *row, unsigned r, unsigned *base, int64_t *off)
{
	for (unsigned i = 0; i < row->nrules; i++) {
		if (row->rules[i].reg == r) {
			*base = cfi_rule_base(&row->rules[i]);
			*off = row->rules[i].off;
			return cfi_rule_kind(&row->rules[i]);
		}
	}
	*base = r;
	*off = 0;
	return cfi_default_kind(r);
}

int cfiwalk_leaf_caller(struct cfiwalk *w, const struct cfiwalk_sample *s, uint64_t *ret)
{
	const struct cfiwalk_regs *regs = &s->regs;
	const struct cfi_rules *row;
	const struct cw_map *m;
	struct walk k;
	uint64_t cfa, v;
	unsigned base;
	int64_t off;
	int kind, r;

	*ret = 0;
	if (!known(regs, CFI_REG_SP) || !known(regs, CFI_REG_FP))
		return 0;
	walk_start(w, s, &k);
	/* The sampled pc is the interrupted instruction: its own row, no pc - 1. */
	r = rules_at(&k, regs->pc, &m, &row);
	if (!m || r == CFI_NONE)
		return 0;
	if (r != CFI_FOUND)
		return -ENOTSUP;
	if (row->cfa == CFI_CFA_DEREF)
		return -ENOTSUP;
	if (row->cfa != CFI_CFA_REG || !known(regs, row->cfa_base))
		return 0;
	cfa = regs->v[row->cfa_base] + (uint64_t)(int64_t)row->cfa_off;
	kind = rule_of(row, row->ra, &base, &off);
	if (kind == CFI_AT_CFA) {
		/* The kernel's walk reads [FP + word] first: when that is this
		 * function's own slot, it has a frame record and misses nothing. */
		if (cfa + (uint64_t)off == regs->v[CFI_REG_FP] + CFI_WORD ||
		    read_word(&k, cfa + (uint64_t)off, &v) < 0)
			return 0;
	} else if (kind == CFI_SAME || kind == CFI_REG) {
		/* Still in a register (arm64's link register until it is saved). */
		if (!known(regs, base))
			return 0;
		v = regs->v[base];
	} else {
		return 0;
	}
	*ret = arch_code_address(v);
	return *ret != 0;
}
