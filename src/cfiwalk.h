/* cfiwalk.h - walk a copied user stack with compiled CFI (cfitable.h).
 *
 * The walk libdwfl makes for unwind_dwarf (unwind.h), frame by frame with the
 * same results (tests/integration/unwinder.sh compares them on every sample
 * of a run), at the cost of a table lookup per frame instead of libdwfl's
 * interpretation of the CFI: each file met (executable, libraries, [vdso]) is
 * compiled once, lazily by address range, and shared by every process that
 * maps it.  Code without CFI is unwound by its frame pointer, as libdwfl does.
 * Where the walk needs what the tables cannot say (a DWARF expression, a
 * signal frame, a read of a module's memory), it gives up with -ENOTSUP and
 * the caller asks libdw for that sample.
 *
 * Memory: at most CFIWALK_MAX_FILES files open and CFIWALK_MAX_BYTES of
 * rows and rules over all of them (cc1's whole table takes some 2 MB); past
 * either, the least recently used file's table goes first (its rows are read
 * again if it is met again).  cfiwalk_close_idle closes files between
 * intervals, as the symbolizer does.
 * Not thread safe. */
#ifndef HWPROF_CFIWALK_H
#define HWPROF_CFIWALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfitable.h"
#include "procmap.h"

#define CFIWALK_MAX_FILES 64
#define CFIWALK_MAX_BYTES (8 << 20)

/* A frame's registers in DWARF numbering (cfitable.h), and its pc. */
struct cfiwalk_regs {
	uint64_t pc;
	uint64_t v[CFI_NREGS];
	uint64_t known;             /* bit r set: v[r] holds register r */
};

/* One sample: the sampled registers and the stack copy, which starts at the
 * sampled SP (regs.v[CFI_REG_SP]). */
struct cfiwalk_sample {
	pid_t pid;
	struct cfiwalk_regs regs;
	const void *stack;
	uint64_t stack_size;
};

struct cfiwalk_stats {
	uint64_t walks;             /* cfiwalk_unwind calls */
	uint64_t unsupported;       /* ... that gave up with -ENOTSUP */
	uint64_t bytes;             /* of rows and rules kept now */
	uint64_t evictions;         /* tables dropped to stay within the bounds */
};

/* The mapping of pid covering addr, or NULL (unwind_find_map_fn's twin). */
typedef const struct map *(*cfiwalk_find_map_fn)(void *ctx, pid_t pid, uint64_t addr);

struct cfiwalk;

/* find/ctx are used while the walker lives.  0 or -ENOMEM. */
int cfiwalk_new(cfiwalk_find_map_fn find, void *ctx, struct cfiwalk **out);
void cfiwalk_free(struct cfiwalk *w);

/* Walk s into pcs[0..*n), as unwind_dwarf does: pcs[0] the sampled pc, the
 * others return addresses minus one.  1: reached the outermost frame; 0:
 * stopped before it (copy too short, no rule, max frames); -ENOTSUP: ask
 * libdw (*n is then meaningless); -EINVAL: no pc or SP; -ENOMEM. */
int cfiwalk_unwind(struct cfiwalk *w, const struct cfiwalk_sample *s, uint64_t *pcs, size_t max,
		   size_t *n);

/* unwind_leaf_caller's answer from the compiled tables, without a libdwfl
 * session per process: the caller a frame-pointer walk misses when the
 * sampled function keeps its return address elsewhere than its frame record
 * ([FP + word]): on the stack copy or in a register.  1 with *ret, 0 when
 * nothing is missing or it cannot tell, -ENOTSUP: ask libdw (CFI the tables
 * cannot say, a file they cannot read). */
int cfiwalk_leaf_caller(struct cfiwalk *w, const struct cfiwalk_sample *s, uint64_t *ret);

const struct cfiwalk_stats *cfiwalk_stats(const struct cfiwalk *w);

/* Between intervals: close the files no walk used since the last call (their
 * tables and mapped pages; opened again when met again). */
void cfiwalk_close_idle(struct cfiwalk *w);

#endif
