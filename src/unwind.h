/* unwind.h - user stacks from sampled registers and stack copies (libdwfl).
 *
 * Two uses of the same machinery:
 *  - unwind_dwarf walks a whole user stack with the CFI of the modules it meets
 *    (--call-graph dwarf): code built without frame pointers, glibc, ...
 *  - unwind_leaf_caller recovers the one frame a frame-pointer walk misses when
 *    the sampled function has no frame of its own (a frameless leaf, or any
 *    function caught in its prologue or epilogue).
 *
 * Each process gets one Dwfl, attached once; its modules are reported from the
 * process's mappings when a walk first meets them and stay for later samples
 * (rebuilt when a mapping changes under them, e.g. after exec).  Registers
 * and their DWARF numbers come from arch.h, so that this works on every
 * architecture hwprof builds for.  Not thread safe. */
#ifndef HWPROF_UNWIND_H
#define HWPROF_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "procmap.h"

/* attr.sample_regs_user: every register a walk may need (arch.h). */
#define UNWIND_REGS_MASK (arch_get()->regs_mask)

/* Stack copy sizes (attr.sample_stack_user): the kernel wants a multiple of 8
 * below 64 KiB.  The default is what gcc's cc1 needs: with 16 KiB, 6% of its
 * walks stopped at the copy's end; with 32 KiB, 3.4% (of all its samples,
 * start-up included, 95% and more reach main).  UNWIND_STACK_LEAF serves unwind_leaf_caller: a frameless leaf
 * keeps its return address within the registers it pushes plus its locals, a
 * few hundred bytes at most in practice. */
#define UNWIND_STACK_DEFAULT 32768
#define UNWIND_STACK_MAX 65528
#define UNWIND_STACK_LEAF 512

/* The mapping of pid covering addr, or NULL (the recorder's procmap lookup). */
typedef const struct map *(*unwind_find_map_fn)(void *ctx, pid_t pid, uint64_t addr);

/* One sample's user state, as PERF_SAMPLE_REGS_USER and PERF_SAMPLE_STACK_USER
 * give it.  regs may be unaligned; stack starts at the sampled SP. */
struct unwind_sample {
	pid_t pid, tid;
	uint64_t regs_mask;
	const uint64_t *regs;
	uint64_t nregs;
	const void *stack;
	uint64_t stack_size;        /* bytes valid (the kernel's dyn_size) */
};

struct unwinder;

/* find/ctx are used while the unwinder lives.  0 or -ENOMEM. */
int unwind_new(unwind_find_map_fn find, void *ctx, struct unwinder **out);
void unwind_free(struct unwinder *u);

/* Process pid exited and its samples are processed: close its Dwfl (its
 * modules' CFI and caches) now rather than when it is least recently used. */
void unwind_forget(struct unwinder *u, pid_t pid);

/* Walk the user stack of s into pcs[0..*n): pcs[0] is the sampled IP, every
 * other entry a call site (the return address minus one, so that it names the
 * call's line and function, not the next one).  Returns 1 when the walk reached
 * the outermost frame (_start, a thread's clone), 0 when it stopped earlier
 * (stack copy too short, no CFI, max frames), -EINVAL when s has no IP/SP. */
int unwind_dwarf(struct unwinder *u, const struct unwind_sample *s, uint64_t *pcs, size_t max,
		 size_t *n);

/* The kernel's frame-pointer walk starts at the sampled function's frame
 * record ([FP + 8] holds its return address).  When the function's CFI keeps
 * its return address elsewhere (it has no frame record of its own: a
 * frameless leaf, a prologue or epilogue), that return address is the missing
 * caller's: on the stack (x86-64's call pushes it) or still in the link
 * register (arm64's bl leaves it in x30 until the function saves it).  Stored
 * in *ret (not adjusted), return 1.  0 when nothing is missing or it cannot
 * tell, -EINVAL without PC/SP/FP. */
int unwind_leaf_caller(struct unwinder *u, const struct unwind_sample *s, uint64_t *ret);

/* The sampled pc and registers of s in DWARF numbering (regs[0..nregs), bit
 * d of *known set for each register sampled), as the walk above starts from
 * them: what cfiwalk.h takes.  0, or -EINVAL without a pc. */
int unwind_dwarf_regs(const struct unwind_sample *s, uint64_t *pc, uint64_t *regs, size_t nregs,
		      uint64_t *known);

#endif
