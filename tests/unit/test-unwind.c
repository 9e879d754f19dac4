/* test-unwind.c - unwind this test's own stack: registers and a stack copy are
 * captured by hand (what PERF_SAMPLE_REGS_USER and PERF_SAMPLE_STACK_USER
 * would give), then walked through the test's and libc's own CFI.  Plus the
 * frameless-leaf rule on hand-made functions (arch-capture.h), the same
 * assertions on every architecture: arch.h says where each keeps what. */
#include "arch-capture.h"
#include "cfiwalk.h"
#include "procmap.h"
#include "tap.h"
#include "unwind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COPY_MAX 65528

struct capture {
	uint64_t regs[CAPTURE_NREGS];   /* perf order of CAPTURE_MASK */
	unsigned char stack[COPY_MAX];
	uint64_t stack_size;
	uint64_t stack_end;          /* top of the [stack] mapping */
	int mem_fd;                  /* /proc/self/mem */
	uint64_t ret[3];             /* return addresses of capture, level2, level1 */
};

static const struct map *find_map(void *ctx, pid_t pid, uint64_t addr)
{
	return procmap_find(ctx, pid, addr);
}

__attribute__((noinline)) static void capture(struct capture *c)
{
	uint64_t sp, n;

	/* The pc: the capture's own, inside this function (the sampled,
	 * "activation" frame).  Everything above SP stays as it is while we copy
	 * it: our callees only write below SP. */
	CAPTURE_REGS(c->regs);
	sp = c->regs[CAPTURE_SP];
	n = c->stack_end - sp < COPY_MAX ? c->stack_end - sp : COPY_MAX;
	/* Through /proc/self/mem, as the kernel copies a sampled stack: a memcpy
	 * would read AddressSanitizer's redzones between our callers' locals, and
	 * bytes valgrind knows were never written (the unwinder then branches on
	 * them).  Copied by the kernel, they are plain bytes to both. */
	if (pread(c->mem_fd, c->stack, n, (off_t)sp) != (ssize_t)n)
		n = 0;
	c->stack_size = n;
	c->ret[0] = (uint64_t)__builtin_return_address(0);
}

__attribute__((noinline)) static void level2(struct capture *c)
{
	capture(c);
	c->ret[1] = (uint64_t)__builtin_return_address(0);
}

__attribute__((noinline)) static void level1(struct capture *c)
{
	level2(c);
	c->ret[2] = (uint64_t)__builtin_return_address(0);
}

/* The end of the mapping that holds our stack: the one around a local
 * variable, which is "[stack]" but for valgrind, whose client stack is a
 * mapping of its own (copying up to [stack]'s end there reads unmapped pages). */
static uint64_t stack_end(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t here = (uint64_t)(uintptr_t)&f, end = 0;
	char line[512];
	unsigned long long a, b;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &a, &b) == 2 && a <= here && here < b)
			end = b;
	if (f)
		fclose(f);
	return end;
}

/* A sample of this process: the registers of mask (nregs of them, perf's
 * order) and a stack copy of size bytes. */
static struct unwind_sample sample_with(uint64_t mask, const uint64_t *regs, uint64_t nregs,
					const void *stack, uint64_t size)
{
	struct unwind_sample s;

	memset(&s, 0, sizeof(s));
	s.pid = s.tid = getpid();
	s.regs_mask = mask;
	s.regs = regs;
	s.nregs = nregs;
	s.stack = stack;
	s.stack_size = size;
	return s;
}

static struct unwind_sample sample_of(const struct capture *c, uint64_t size)
{
	return sample_with(CAPTURE_MASK, c->regs, CAPTURE_NREGS, c->stack, size);
}

/* The compiled-CFI walk of c's copy, whole and cut at size, against
 * libdw's whole walk pcs[0..n): the same frames (a prefix when cut). */
static void cfi_same(struct procmap *pm, const struct capture *c, const uint64_t *pcs, size_t n)
{
	uint64_t sizes[2] = { c->stack_size, 96 }, got[64];
	struct cfiwalk *w = NULL;
	struct cfiwalk_sample cs;
	struct unwind_sample s;
	size_t ng = 0;
	int r;

	ok(cfiwalk_new(find_map, pm, &w) == 0 && w, "cfiwalk_new");
	for (size_t i = 0; w && i < 2; i++) {
		s = sample_of(c, sizes[i]);
		memset(&cs, 0, sizeof(cs));
		cs.pid = s.pid;
		cs.stack = s.stack;
		cs.stack_size = s.stack_size;
		ok(unwind_dwarf_regs(&s, &cs.regs.pc, cs.regs.v, CFI_NREGS, &cs.regs.known) == 0,
		   "registers in DWARF numbering");
		r = cfiwalk_unwind(w, &cs, got, 64, &ng);
		if (i == 0)
			ok(r == 1 && ng == n && memcmp(got, pcs, n * 8) == 0,
			   "compiled CFI: libdw's %zu frames (got %d, %zu frames)", n, r, ng);
		else
			ok(r == 0 && ng >= 1 && ng < n && memcmp(got, pcs, ng * 8) == 0,
			   "compiled CFI, cut copy: a prefix of %zu frames (got %d)", ng, r);
	}
	cfiwalk_free(w);
}

/* A sample made up for the leaf-caller rule: pc, SP and FP (and the link
 * register where there is one), packed in perf's order; stack at SP. */
struct fake {
	uint64_t regs[4];
	uint64_t stack[4];
};

static struct unwind_sample fake_sample(struct fake *f, uint64_t pc, uint64_t sp, uint64_t fp,
					uint64_t lr)
{
	const struct arch_info *a = arch_get();
	uint64_t mask = 1ULL << a->reg_pc | 1ULL << a->reg_sp | 1ULL << a->reg_fp;
	size_t n = 0;

	if (a->reg_lr >= 0)
		mask |= 1ULL << a->reg_lr;
	for (int r = 0; r < 64; r++) {
		if (!(mask & (1ULL << r)))
			continue;
		f->regs[n++] = r == a->reg_pc ? pc : r == a->reg_sp ? sp : r == a->reg_fp ? fp : lr;
	}
	return sample_with(mask, f->regs, n, f->stack, sizeof(f->stack));
}

/* The leaf-caller rule on hand-made functions whose CFI is known: the kernel's
 * walk starts at the frame record FP points to, and what it misses is where
 * the architecture keeps a return address that no frame record holds yet. */
static void test_leaf_rules(struct unwinder *u)
{
	const uint64_t SP = 0x7ffe00000000ULL, ELSEWHERE = 0x7fff00000000ULL, CALLER = 0x1234567;
	struct unwind_sample s;
	struct fake f;
	uint64_t ret;
	int r;

	/* A frameless leaf: the return address where the call left it, FP still
	 * the caller's (x86-64: at [SP]; arm64: in the link register). */
	memset(&f, 0, sizeof(f));
	f.stack[0] = CALLER;
	s = fake_sample(&f, (uint64_t)test_frameless, SP, ELSEWHERE, CALLER);
	r = unwind_leaf_caller(u, &s, &ret);
	ok(r == 1 && ret == CALLER, "frameless leaf: its caller, from where %s keeps it (r=%d ret=%#llx)",
	   arch_get()->reg_lr >= 0 ? "the link register" : "the call", r, (unsigned long long)ret);

	/* Saved, the frame pointer not yet set: from the saved slot, [SP + 8]. */
	memset(&f, 0, sizeof(f));
	f.stack[1] = CALLER;
	s = fake_sample(&f, (uint64_t)test_framed_saved, SP, ELSEWHERE, 0x42);
	r = unwind_leaf_caller(u, &s, &ret);
	ok(r == 1 && ret == CALLER, "prologue, return address saved, no frame record yet: from the "
	   "stack (r=%d ret=%#llx)", r, (unsigned long long)ret);

	/* The frame record set: the kernel's walk starts at [FP + 8] itself. */
	s = fake_sample(&f, (uint64_t)test_framed_body, SP, SP, 0x42);
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "frame record set: nothing missing");

	/* The copy does not reach the slot: cannot tell. */
	s = fake_sample(&f, (uint64_t)test_framed_saved, SP, ELSEWHERE, 0x42);
	s.stack_size = 0;
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "slot outside the copy: nothing added");

	/* No FP: -EINVAL. */
	s.regs_mask &= ~(1ULL << arch_get()->reg_fp);
	is_int(unwind_leaf_caller(u, &s, &ret), -EINVAL, "no FP sampled: -EINVAL");
}

int main(void)
{
	struct capture *c = calloc(1, sizeof(*c));
	struct procmap *pm = NULL;
	struct unwinder *u = NULL;
	struct unwind_sample s;
	uint64_t pcs[64], pcs2[64], ret;
	size_t n = 0, n2 = 0;
	int r;

	ok(c && procmap_new(&pm) == 0, "procmap");
	ok(procmap_load_proc(pm, getpid(), NULL) == 0, "own mappings from /proc/self/maps");
	ok(unwind_new(find_map, pm, &u) == 0 && u, "unwind_new");
	c->stack_end = stack_end();
	ok(c->stack_end != 0, "[stack] found");
	c->mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ok(c->mem_fd >= 0, "/proc/self/mem opened");
	level1(c);

	/* The whole stack: up to _start, each caller's call site in turn. */
	s = sample_of(c, c->stack_size);
	r = unwind_dwarf(u, &s, pcs, 64, &n);
	is_int(r, 1, "walk reaches the outermost frame");
	ok(n >= 5, "at least capture, level2, level1, main, _start (%zu frames)", n);
	is_int(pcs[0], c->regs[CAPTURE_PC], "frame 0 is the sampled pc");
	/* pc - 1: the call instruction, not the one after it. */
	is_int(pcs[1], c->ret[0] - 1, "frame 1: the call in level2");
	is_int(pcs[2], c->ret[1] - 1, "frame 2: the call in level1");
	is_int(pcs[3], c->ret[2] - 1, "frame 3: the call in main");

	/* Again, with the modules already known: the same answer. */
	r = unwind_dwarf(u, &s, pcs2, 64, &n2);
	ok(r == 1 && n2 == n && memcmp(pcs, pcs2, n * 8) == 0, "second walk, cached modules: same frames");

	/* A copy cut inside level1's frame: a shorter walk, never a wrong frame. */
	s = sample_of(c, 96);
	r = unwind_dwarf(u, &s, pcs2, 64, &n2);
	is_int(r, 0, "cut copy: walk stops before the outermost frame");
	ok(n2 >= 1 && n2 < n && memcmp(pcs, pcs2, n2 * 8) == 0,
	   "cut copy: %zu frames, a prefix of the full walk", n2);

	/* Room for two frames only. */
	s = sample_of(c, c->stack_size);
	r = unwind_dwarf(u, &s, pcs2, 2, &n2);
	ok(r == 0 && n2 == 2 && pcs2[1] == pcs[1], "max frames: stops, counted incomplete");

	cfi_same(pm, c, pcs, n);

	/* No registers: nothing to walk. */
	s.regs_mask = 0;
	is_int(unwind_dwarf(u, &s, pcs2, 64, &n2), -EINVAL, "no PC/SP: -EINVAL");

	/* capture has a frame: the frame-pointer walk misses nothing. */
	s = sample_of(c, c->stack_size);
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "function with a frame: no caller to add");
	test_leaf_rules(u);

	unwind_free(u);
	unwind_free(NULL);
	procmap_free(pm);
	close(c->mem_fd);
	free(c);
	return done_testing();
}
