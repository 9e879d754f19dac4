/* callstack.c - see callstack.h. */
#include "callstack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unwind.h"

struct callstack {
	struct addrname *names;
	const struct perfrec_format *fmt;
	int dwarf;
	struct unwinder *unw;       /* created with the first sample that has registers */
	struct callstack_stats stats;
};

int callstack_new(struct addrname *names, const struct perfrec_format *fmt, int dwarf,
		  struct callstack **out)
{
	struct callstack *c = calloc(1, sizeof(*c));

	*out = c;
	if (!c)
		return -ENOMEM;
	c->names = names;
	c->fmt = fmt;
	c->dwarf = dwarf;
	return 0;
}

void callstack_free(struct callstack *c)
{
	if (!c)
		return;
	unwind_free(c->unw);
	free(c);
}

const struct callstack_stats *callstack_stats(struct callstack *c)
{
	c->stats.unwind_ns = unwind_median_ns(c->unw);
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

/* Append the DWARF-unwound user frames of s to locs[0..*n). */
static int add_dwarf_frames(struct callstack *c, const struct perfrec_sample *s, uint64_t *locs,
			    size_t *n)
{
	uint64_t pcs[CALLSTACK_MAX_FRAMES];
	struct unwind_sample us;
	size_t npcs = 0;
	int r;

	r = unwind_sample_of(c, s, &us);
	if (r == -ENOENT)
		return 0;
	if (r < 0 || *n >= CALLSTACK_MAX_FRAMES)
		return r;
	r = unwind_dwarf(c->unw, &us, pcs, CALLSTACK_MAX_FRAMES - *n, &npcs);
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
 * frame-pointer chain (unwind_leaf_caller); 0 when none is missing. */
static uint64_t leaf_caller(struct callstack *c, const struct perfrec_sample *s)
{
	struct unwind_sample us;
	uint64_t ret;

	if (unwind_sample_of(c, s, &us) < 0 || unwind_leaf_caller(c->unw, &us, &ret) != 1)
		return 0;
	c->stats.leaf_callers++;
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
