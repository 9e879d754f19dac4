/* test-unwind.c - unwind this test's own stack: registers and a stack copy are
 * captured by hand (what PERF_SAMPLE_REGS_USER and PERF_SAMPLE_STACK_USER
 * would give), then walked through the test's and libc's own CFI.  Plus the
 * frameless-leaf rule on a hand-made frameless function. */
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

/* A frameless function with CFI that says so: the return address sits at
 * [rsp] (CFA = rsp + 8), as in any leaf that needs no frame. */
__asm__(".text\n"
	".globl test_frameless\n"
	".type test_frameless,@function\n"
	"test_frameless:\n"
	".cfi_startproc\n"
	"nop\n"
	"ret\n"
	".cfi_endproc\n"
	".size test_frameless, .-test_frameless\n");
void test_frameless(void);

struct capture {
	uint64_t regs[9];            /* perf order of CAPTURE_MASK */
	unsigned char stack[COPY_MAX];
	uint64_t stack_size;
	uint64_t stack_end;          /* top of the [stack] mapping */
	int mem_fd;                  /* /proc/self/mem */
	uint64_t ret[3];             /* return addresses of capture, level2, level1 */
};

/* BX, BP, SP, IP and R12-R15: the callee-saved registers and the frame. */
#define CAPTURE_MASK ((1ULL << UNWIND_REG_BX) | (1ULL << UNWIND_REG_BP) | (1ULL << UNWIND_REG_SP) | \
		      (1ULL << UNWIND_REG_IP) | (0xfULL << UNWIND_REG_R12))

static const struct map *find_map(void *ctx, pid_t pid, uint64_t addr)
{
	return procmap_find(ctx, pid, addr);
}

__attribute__((noinline)) static void capture(struct capture *c)
{
	uint64_t rbx, rbp, rsp, rip, r12, r13, r14, r15, n;

	/* rip: the lea's own next instruction, inside this function (the
	 * sampled, "activation" frame).  Everything above rsp stays as it is
	 * while we copy it: our callees only write below rsp. */
	__asm__ volatile("lea 0(%%rip), %0\n\t"
			 "mov %%rsp, %1\n\t"
			 "mov %%rbp, %2\n\t"
			 "mov %%rbx, %3\n\t"
			 : "=r"(rip), "=r"(rsp), "=r"(rbp), "=r"(rbx));
	__asm__ volatile("mov %%r12, %0\n\tmov %%r13, %1\n\tmov %%r14, %2\n\tmov %%r15, %3"
			 : "=r"(r12), "=r"(r13), "=r"(r14), "=r"(r15));
	c->regs[0] = rbx;
	c->regs[1] = rbp;
	c->regs[2] = rsp;
	c->regs[3] = rip;
	c->regs[4] = r12;
	c->regs[5] = r13;
	c->regs[6] = r14;
	c->regs[7] = r15;
	n = c->stack_end - rsp < COPY_MAX ? c->stack_end - rsp : COPY_MAX;
	/* Through /proc/self/mem, as the kernel copies a sampled stack: a memcpy
	 * would read AddressSanitizer's redzones between our callers' locals, and
	 * bytes valgrind knows were never written (the unwinder then branches on
	 * them).  Copied by the kernel, they are plain bytes to both. */
	if (pread(c->mem_fd, c->stack, n, (off_t)rsp) != (ssize_t)n)
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

static struct unwind_sample sample_of(const struct capture *c, uint64_t size)
{
	struct unwind_sample s;

	memset(&s, 0, sizeof(s));
	s.pid = s.tid = getpid();
	s.regs_mask = CAPTURE_MASK;
	s.regs = c->regs;
	s.nregs = 8;
	s.stack = c->stack;
	s.stack_size = size;
	return s;
}

int main(void)
{
	struct capture *c = calloc(1, sizeof(*c));
	struct procmap *pm = NULL;
	struct unwinder *u = NULL;
	struct unwind_sample s;
	uint64_t pcs[64], pcs2[64], ret, fake[4], regs[9];
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
	is_int(pcs[0], c->regs[3], "frame 0 is the sampled ip");
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

	ok(unwind_median_ns(u) > 0, "median cost recorded (%llu ns)",
	   (unsigned long long)unwind_median_ns(u));

	/* No registers: nothing to walk. */
	s.regs_mask = 0;
	is_int(unwind_dwarf(u, &s, pcs2, 64, &n2), -EINVAL, "no IP/SP: -EINVAL");

	/* capture has a frame (-O0): the frame-pointer walk misses nothing. */
	s = sample_of(c, c->stack_size);
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "function with a frame: no caller to add");

	/* A frameless function: its return address at [rsp], BP still the
	 * caller's.  The kernel's walk starts at [BP + 8]: the caller is missing. */
	memset(regs, 0, sizeof(regs));
	fake[0] = 0x1234567;             /* the return address at [rsp] */
	fake[1] = fake[2] = fake[3] = 0;
	regs[1] = 0x7fff00000000ULL;      /* BP: elsewhere */
	regs[2] = 0x7ffe00000000ULL;      /* SP */
	regs[3] = (uint64_t)test_frameless;
	memset(&s, 0, sizeof(s));
	s.pid = s.tid = getpid();
	s.regs_mask = CAPTURE_MASK;
	s.regs = regs;
	s.nregs = 8;
	s.stack = fake;
	s.stack_size = sizeof(fake);
	r = unwind_leaf_caller(u, &s, &ret);
	ok(r == 1 && ret == 0x1234567, "frameless leaf: caller from [rsp] (r=%d ret=%#llx)", r,
	   (unsigned long long)ret);
	/* Same state but BP + 8 == the return address slot: already walked. */
	regs[1] = regs[2] - 8;
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "slot == [BP + 8]: nothing missing");
	/* The copy does not reach the slot: cannot tell. */
	regs[1] = 0x7fff00000000ULL;
	s.stack_size = 0;
	is_int(unwind_leaf_caller(u, &s, &ret), 0, "slot outside the copy: nothing added");

	unwind_free(u);
	unwind_free(NULL);
	procmap_free(pm);
	close(c->mem_fd);
	free(c);
	return done_testing();
}
