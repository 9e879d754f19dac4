/* callstack.h - a sample's stack as profile location ids, leaf first.
 *
 * The frames come from the kernel's callchain (PERF_SAMPLE_CALLCHAIN: kernel
 * frames, then the user frames of its frame-pointer walk), and with DWARF
 * unwinding from the user registers and stack copy (PERF_SAMPLE_REGS_USER,
 * PERF_SAMPLE_STACK_USER) through unwind.h; without either, the sampled ip.
 * On a frame-pointer stack, the registers and copy, when sampled, give back the
 * caller of a frameless leaf, which the kernel's walk skips.
 *
 * DWARF unwinding walks with compiled CFI (cfiwalk.h) and asks libdw
 * (unwind.h) for the samples the tables cannot walk; --unwinder libdw asks
 * libdw for all, --unwinder compare both, keeping libdw's frames and counting
 * the samples where the two differ.
 *
 * Every frame but the sampled pc holds a return address: it is named at pc - 1,
 * the call instruction, whose line is the one the user wants to see.
 * Not thread safe. */
#ifndef HWPROF_CALLSTACK_H
#define HWPROF_CALLSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "addrname.h"
#include "perfrec.h"

#define CALLSTACK_MAX_FRAMES 512

/* How user stacks are unwound from stack copies (0: they are not). */
enum callstack_dwarf {
	CALLSTACK_DWARF_CFI = 1,   /* compiled CFI, libdw where it cannot */
	CALLSTACK_DWARF_LIBDW,     /* libdw only */
	CALLSTACK_DWARF_COMPARE,   /* both on every sample; libdw's frames kept */
};

struct callstack_stats {
	uint64_t dwarf_samples;    /* samples whose user stack was unwound with DWARF CFI */
	uint64_t unwind_libdw;     /* ... by libdw (all with libdw; the rest's leftovers) */
	uint64_t unwind_compared;  /* compare: samples both unwinders walked */
	uint64_t unwind_differ;    /* ... whose frames or completeness differ */
	uint64_t stack_cut;        /* ... whose stack copy was full (dyn_size == size) */
	uint64_t unwind_partial;   /* ... whose walk stopped before the outermost frame */
	uint64_t unwind_ns;        /* median cost of a sample's DWARF unwinding, nanoseconds */
	uint64_t leaf_callers;     /* frame-pointer stacks given back a frameless leaf's caller */
	uint64_t leaf_compared;    /* compare: samples whose leaf both looked at */
	uint64_t leaf_differ;      /* ... with different answers */
};

struct callstack;

/* Frames are named by names (not owned; must outlive c); fmt (not owned) says
 * which registers a sample carries; dwarf (enum callstack_dwarf, 0: none):
 * unwind user stacks from the stack copies; otherwise leaf (enum
 * callstack_dwarf, 0: CALLSTACK_DWARF_CFI) finds frameless leaves' callers
 * under frame-pointer stacks.  0 or -ENOMEM. */
int callstack_new(struct addrname *names, const struct perfrec_format *fmt, int dwarf, int leaf,
		  struct callstack **out);
void callstack_free(struct callstack *c);

/* The stack of s into locs[0..*n), at most CALLSTACK_MAX_FRAMES of them; *n
 * may be 0 (nothing to name).  0 or -ENOMEM. */
int callstack_of(struct callstack *c, const struct perfrec_sample *s, uint64_t *locs, size_t *n);

/* Process pid exited and its samples are processed: free its unwinding state. */
void callstack_forget(struct callstack *c, pid_t pid);

/* Between intervals: close the unwinding tables' files no walk used since
 * the last call (cfiwalk_close_idle). */
void callstack_close_idle(struct callstack *c);

/* The counters so far (unwind_ns as of this call). */
const struct callstack_stats *callstack_stats(struct callstack *c);

#endif
