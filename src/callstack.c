/* callstack.c - see callstack.h. */
#include "callstack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfiwalk.h"
#include "unwind.h"
#include "util.h"

#define COST_BUCKET_NS 100
#define COST_BUCKETS 4096

struct callstack {
	struct addrname *names;
	const struct perfrec_format *fmt;
	int dwarf;                  /* enum callstack_dwarf, 0: none */
	int leaf;                   /* enum callstack_dwarf: for frameless leaves */
	struct unwinder *unw;       /* created with the first sample that has registers */
	struct cfiwalk *cfi;        /* ... the first that is unwound with it */
	struct callstack_stats stats;
	uint32_t cost[COST_BUCKETS];    /* per-sample unwinding times */
	uint64_t ncost;
};

int callstack_new(struct addrname *names, const struct perfrec_format *fmt, int dwarf, int leaf,
		  struct callstack **out)
{
	struct callstack *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return -ENOMEM;
	c->names = names;
	c->fmt = fmt;
	c->dwarf = dwarf;
	c->leaf = leaf ? leaf : CALLSTACK_DWARF_CFI;
	return 0;
}

void callstack_free(struct callstack *c)
{
	if (!c)
		return;
	unwind_free(c->unw);
	cfiwalk_free(c->cfi);
	free(c);
}

static void cost_add(struct callstack *c, int64_t ns)
{
	uint64_t b = ns > 0 ? (uint64_t)ns / COST_BUCKET_NS : 0;

	c->cost[b < COST_BUCKETS ? b : COST_BUCKETS - 1]++;
	c->ncost++;
}

/* The median of the unwinding times (100 ns resolution), 0 before the first. */
static uint64_t cost_median(const struct callstack *c)
{
	uint64_t seen = 0;

	if (!c->ncost)
		return 0;
	for (size_t b = 0; b < COST_BUCKETS; b++) {
		seen += c->cost[b];
		if (seen * 2 >= c->ncost)
			return b * COST_BUCKET_NS + COST_BUCKET_NS / 2;
	}
	return COST_BUCKETS * COST_BUCKET_NS;
}

void callstack_forget(struct callstack *c, pid_t pid)
{
	if (c->unw)
		unwind_forget(c->unw, pid);
}

void callstack_close_idle(struct callstack *c)
{
	if (c->cfi)
		cfiwalk_close_idle(c->cfi);
}

const struct callstack_stats *callstack_stats(struct callstack *c)
{
	c->stats.unwind_ns = cost_median(c);
	return &c->stats;
}

static const struct map *find_map(void *ctx, pid_t pid, uint64_t addr)
{
	return addrname_find_map(ctx, pid, addr);
}

/* The sample's user registers and stack copy for unwind.c; 0, or -ENOENT when
 * it has none (a kernel thread, a 32-bit process) and -ENOMEM. */
static int unwind_sample_of(struct callstack *c, const struct perfrec_sample *s,
			    struct unwind_sample *us)
{
	int err;

	if (s->regs_user_abi != PERF_SAMPLE_REGS_ABI_64 || !s->regs_user_nr)
		return -ENOENT;
	if (!c->unw && (err = unwind_new(find_map, c->names, &c->unw)) < 0)
		return err;
	memset(us, 0, sizeof(*us));
	us->pid = (pid_t)s->pid;
	us->tid = (pid_t)s->tid;
	us->regs_mask = c->fmt->regs_user_mask;
	us->regs = s->regs_user;
	us->nregs = s->regs_user_nr;
	us->stack = s->stack_user;
	us->stack_size = s->stack_user_size ? s->stack_user_dyn_size : 0;
	return 0;
}

/* us for the compiled-CFI walker, created with the first.  0, -EINVAL (no
 * pc) or -ENOMEM. */
static int cfi_sample_of(struct callstack *c, const struct unwind_sample *us,
			 struct cfiwalk_sample *cs)
{
	int err;

	if (!c->cfi && (err = cfiwalk_new(find_map, c->names, &c->cfi)) < 0)
		return err;
	memset(cs, 0, sizeof(*cs));
	cs->pid = us->pid;
	cs->stack = us->stack;
	cs->stack_size = us->stack_size;
	if (unwind_dwarf_regs(us, &cs->regs.pc, cs->regs.v, CFI_NREGS, &cs->regs.known) < 0)
		return -EINVAL;
	return 0;
}

/* The compiled-CFI walk of us: what cfiwalk_unwind returns. */
static int cfi_walk(struct callstack *c, const struct unwind_sample *us, uint64_t *pcs, size_t max,
		    size_t *n)
{
	struct cfiwalk_sample cs;
	int err;

	*n = 0;
	if ((err = cfi_sample_of(c, us, &cs)) < 0)
		return err;
	return cfiwalk_unwind(c->cfi, &cs, pcs, max, n);
}

/* The user frames of us into pcs[0..*n) by the unwinder c->dwarf names:
 * unwind_dwarf's result (1 complete, 0 not, < 0 none). */
static int user_frames(struct callstack *c, const struct unwind_sample *us, uint64_t *pcs,
		       size_t max, size_t *n)
{
	uint64_t other[CALLSTACK_MAX_FRAMES];
	size_t n_other = 0;
	int r = -ENOTSUP, ref;

	if (c->dwarf != CALLSTACK_DWARF_LIBDW) {
		r = cfi_walk(c, us, c->dwarf == CALLSTACK_DWARF_COMPARE ? other : pcs, max,
			     c->dwarf == CALLSTACK_DWARF_COMPARE ? &n_other : n);
		if (r != -ENOTSUP && r != -ENOMEM && c->dwarf == CALLSTACK_DWARF_CFI)
			return r;
	}
	c->stats.unwind_libdw++;
	ref = unwind_dwarf(c->unw, us, pcs, max, n);
	if (c->dwarf == CALLSTACK_DWARF_COMPARE && r != -ENOTSUP && r != -ENOMEM) {
		c->stats.unwind_libdw--;
		c->stats.unwind_compared++;
		if (r != ref || n_other != *n || memcmp(other, pcs, *n * sizeof(*pcs)) != 0)
			c->stats.unwind_differ++;
	}
	return ref;
}

/* Append the DWARF-unwound user frames of s to locs[0..*n). */
static int add_dwarf_frames(struct callstack *c, const struct perfrec_sample *s, uint64_t *locs,
			    size_t *n)
{
	uint64_t pcs[CALLSTACK_MAX_FRAMES];
	struct unwind_sample us;
	size_t npcs = 0;
	int64_t t0;
	int r;

	r = unwind_sample_of(c, s, &us);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || *n >= CALLSTACK_MAX_FRAMES)
		return r;
	t0 = util_now_mono_ns();
	r = user_frames(c, &us, pcs, CALLSTACK_MAX_FRAMES - *n, &npcs);
	cost_add(c, util_now_mono_ns() - t0);
	if (r < 0)
		return 0;
	c->stats.dwarf_samples++;
	if (s->stack_user_size && s->stack_user_dyn_size == s->stack_user_size)
		c->stats.stack_cut++;
	if (!r)
		c->stats.unwind_partial++;
	for (size_t i = 0; i < npcs; i++) {
		uint64_t pc = pcs[i];
		int64_t id;

		/* Under kernel frames the user pc is where the system call returns
		 * to; like every return address, its call is the instruction before.
		 * unwind_dwarf already adjusted the others. */
		if (i == 0 && *n > 0 && pc > 0)
			pc--;
		id = addrname_location(c->names, (pid_t)s->pid, pc);
		if (id < 0)
			return (int)id;
		locs[(*n)++] = (uint64_t)id;
	}
	return 0;
}

/* The caller of a frameless sampled function, missing from the kernel's
 * frame-pointer chain, by the unwinder c->leaf names (cfiwalk_leaf_caller,
 * libdw's unwind_leaf_caller where the tables cannot tell); 0 when none is
 * missing. */
static uint64_t leaf_caller(struct callstack *c, const struct perfrec_sample *s)
{
	struct cfiwalk_sample cs;
	struct unwind_sample us;
	uint64_t ret = 0, other = 0;
	int r = -ENOTSUP, ref;

	if (unwind_sample_of(c, s, &us) < 0)
		return 0;
	if (c->leaf != CALLSTACK_DWARF_LIBDW && (r = cfi_sample_of(c, &us, &cs)) == 0)
		r = cfiwalk_leaf_caller(c->cfi, &cs, &other);
	if (r >= 0 && c->leaf == CALLSTACK_DWARF_CFI) {
		ret = other;
	} else {
		ref = unwind_leaf_caller(c->unw, &us, &ret);
		if (ref != 1)
			ret = 0;
		if (c->leaf == CALLSTACK_DWARF_COMPARE && r >= 0) {
			c->stats.leaf_compared++;
			c->stats.leaf_differ += (r == 1 ? other : 0) != ret;
		}
	}
	c->stats.leaf_callers += ret != 0;
	return ret;
}

/* Append the frames of the kernel's callchain of s to locs[0..*n). */
static int add_callchain(struct callstack *c, const struct perfrec_sample *s, uint64_t *locs,
			 size_t *n)
{
	int first = 1, user_next = 0;

	for (uint64_t i = 0; i < s->callchain_nr && *n < CALLSTACK_MAX_FRAMES; i++) {
		uint64_t ip = perfrec_callchain_at(s, i);
		int64_t id;

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			/* A context marker: the address tells us the same. */
			user_next = ip == (uint64_t)PERF_CONTEXT_USER;
			continue;
		}
		/* Every frame but the very first holds a return address: the call is the
		 * instruction before it, and that is the line the user wants to see. */
		if (!first && ip > 0)
			ip--;
		first = 0;
		id = addrname_location(c->names, (pid_t)s->pid, ip);
		if (id < 0)
			return (int)id;
		locs[(*n)++] = (uint64_t)id;
		/* The first user entry is the sampled user pc; the kernel's
		 * frame-pointer walk follows it from [BP + 8], which skips the
		 * caller of a function that has no frame. */
		if (user_next && s->regs_user_nr && *n < CALLSTACK_MAX_FRAMES) {
			uint64_t ret = leaf_caller(c, s);

			if (ret && (id = addrname_location(c->names, (pid_t)s->pid, ret - 1)) < 0)
				return (int)id;
			if (ret)
				locs[(*n)++] = (uint64_t)id;
		}
		user_next = 0;
	}
	return 0;
}

int callstack_of(struct callstack *c, const struct perfrec_sample *s, uint64_t *locs, size_t *n)
{
	int err;

	*n = 0;
	if (s->callchain_nr == 0 && !(c->dwarf && s->regs_user_nr)) {
		int64_t id = addrname_location(c->names, (pid_t)s->pid, s->ip);

		if (id < 0)
			return (int)id;
		locs[(*n)++] = (uint64_t)id;
	}
	err = add_callchain(c, s, locs, n);
	if (err >= 0 && c->dwarf)
		err = add_dwarf_frames(c, s, locs, n);
	return err;
}
