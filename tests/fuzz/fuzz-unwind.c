/* fuzz-unwind.c - libFuzzer target for DWARF unwinding of a copied user stack
 * (unwind_dwarf, unwind_leaf_caller): arbitrary registers and stack bytes,
 * walked through the CFI of fixed real ELF files (built and run by
 * tests/fuzz/run.sh, which passes them in HWPROF_FUZZ_ELF, ':'-separated: a
 * workload built without frame pointers, and libc).
 *
 * The files are "mapped" at fixed addresses, as /proc/PID/maps would show them;
 * the input picks the sampled IP inside one of them, the registers, and the
 * stack copy.  Stack words and registers below a file's size are taken as
 * offsets into its text, so that return addresses are easy to reach.  Any input
 * must walk or stop, without a crash, a leak or reading outside the copy: a
 * walk gives at most `max` frames, the first the sampled IP. */
#include "procmap.h"
#include "unwind.h"

#include <asm/perf_regs.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The x86-64 sample registers this target lays out (perf's numbering). */
#define UNWIND_REG_IP PERF_REG_X86_IP
#define UNWIND_REG_SP PERF_REG_X86_SP
#define UNWIND_REG_BP PERF_REG_X86_BP
#define UNWIND_REG_R8 PERF_REG_X86_R8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PID 4242
#define SP 0x7ffd00000000ULL
#define MAX_FILES 4
#define MAX_FRAMES 64

struct file {
	uint64_t base, text, text_size, size;
};

static struct procmap *pm;
static struct unwinder *uw;
static struct file files[MAX_FILES];
static size_t nfiles;

static const struct map *find_map(void *ctx, pid_t pid, uint64_t addr)
{
	return procmap_find(ctx, pid, addr);
}

/* The PT_LOAD segments of path as maps lines at base; its text (the executable
 * segment) and extent into f.  0 or -1. */
static int map_file(const char *path, uint64_t base, struct file *f, FILE *maps)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	size_t phnum = 0;
	int found = -1;

	if (!elf || elf_getphdrnum(elf, &phnum) < 0)
		goto out;
	f->base = base;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);
		uint64_t start, end;

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		start = base + (ph->p_vaddr & ~0xfffULL);
		end = (base + ph->p_vaddr + ph->p_memsz + 0xfff) & ~0xfffULL;
		fprintf(maps, "%llx-%llx r%c%cp %08llx 00:00 1 %s\n", (unsigned long long)start,
			(unsigned long long)end, ph->p_flags & PF_W ? 'w' : '-',
			ph->p_flags & PF_X ? 'x' : '-', (unsigned long long)(ph->p_offset & ~0xfffULL), path);
		if (ph->p_flags & PF_X) {
			f->text = base + ph->p_vaddr;
			f->text_size = ph->p_memsz;
			found = 0;
		}
		if (end - base > f->size)
			f->size = end - base;
	}
out:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return found;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("HWPROF_FUZZ_ELF");
	char *list, *save = NULL, *maps_text = NULL;
	size_t maps_len = 0;
	FILE *maps;

	if (!env) {
		fprintf(stderr, "fuzz-unwind: set HWPROF_FUZZ_ELF to ELF files with CFI (tests/fuzz/run.sh does)\n");
		exit(1);
	}
	elf_version(EV_CURRENT);
	list = strdup(env);
	maps = open_memstream(&maps_text, &maps_len);
	for (char *p = strtok_r(list, ":", &save); p && nfiles < MAX_FILES; p = strtok_r(NULL, ":", &save))
		if (map_file(p, 0x555555554000ULL + (uint64_t)nfiles * 0x100000000ULL, &files[nfiles], maps) == 0)
			nfiles++;
	fclose(maps);
	if (!nfiles || procmap_new(&pm) || procmap_parse_maps(pm, PID, maps_text, maps_len) ||
	    unwind_new(find_map, pm, &uw)) {
		fprintf(stderr, "fuzz-unwind: no usable ELF in HWPROF_FUZZ_ELF=%s\n", env);
		exit(1);
	}
	free(maps_text);
	free(list);
	return 0;
}

/* An input word as an address: small values are offsets into a file's text. */
static uint64_t relocate(uint64_t v, const struct file *f)
{
	return v < f->text_size ? f->text + v : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t regs[17], pcs[MAX_FRAMES], ret, ip, *stack;
	const struct file *f;
	struct unwind_sample s;
	size_t n = 0, nstack, k = 0;
	uint8_t flags;
	int r;

	/* flags, then the 17 registers of UNWIND_REGS_MASK in perf order (AX..DI,
	 * BP, SP, IP, R8..R15); the rest is the stack copy. */
	if (size < 1 + sizeof(regs))
		return 0;
	flags = data[0];
	f = &files[(flags & 3) % nfiles];
	memcpy(regs, data + 1, sizeof(regs));
	nstack = (size - 1 - sizeof(regs)) / 8;
	if (nstack > UNWIND_STACK_MAX / 8)
		nstack = UNWIND_STACK_MAX / 8;
	stack = malloc((nstack ? nstack : 1) * 8);
	if (!stack)
		return 0;
	memcpy(stack, data + 1 + sizeof(regs), nstack * 8);
	for (size_t i = 0; i < nstack; i++)
		stack[i] = relocate(stack[i], f);
	for (size_t i = 0; i < 17; i++)
		regs[i] = relocate(regs[i], f);
	/* IP inside the text, SP fixed, BP near it when flags say so. */
	memcpy(&ip, data + 1 + 8 * UNWIND_REG_IP, 8);
	ip = f->text + (f->text_size ? ip % f->text_size : 0);
	regs[UNWIND_REG_IP] = ip;
	regs[UNWIND_REG_SP] = SP;
	if (flags & 4)
		regs[UNWIND_REG_BP] = SP + regs[UNWIND_REG_BP] % (nstack * 8 + 64);
	memset(&s, 0, sizeof(s));
	s.pid = s.tid = PID;
	/* Flags drop some of R8..R12: a walk whose CFI needs one must stop, not
	 * compute from zeros.  The kept registers come packed in bit order. */
	s.regs_mask = UNWIND_REGS_MASK & ~((uint64_t)(flags >> 3) << UNWIND_REG_R8);
	for (unsigned b = 0, i = 0; b < 24; b++) {
		if (!(UNWIND_REGS_MASK & (1ULL << b)))
			continue;
		if (s.regs_mask & (1ULL << b))
			regs[k++] = regs[i];
		i++;
	}
	s.regs = regs;
	s.nregs = k;
	s.stack = stack;
	s.stack_size = nstack * 8;
	r = unwind_dwarf(uw, &s, pcs, MAX_FRAMES, &n);
	if ((r != 1 && r != 0 && r != -EINVAL) || n > MAX_FRAMES || (n >= 1 && pcs[0] != ip))
		abort();
	r = unwind_leaf_caller(uw, &s, &ret);
	if (r != 1 && r != 0 && r != -EINVAL)
		abort();
	free(stack);
	return 0;
}
