/* arch.h - what differs between the architectures hwprof runs on, behind one
 * interface.  The build compiles exactly one implementation, the file of the
 * host's architecture: arch-x86_64.c or arch-aarch64.c (configure.ac).
 *
 * What lives there: the user registers a sample carries and their DWARF
 * numbers (the initial frame of an unwinder), where a frame record keeps its
 * return address and which register holds it in a function that has not saved
 * it (arm64's link register), the frame-pointer prologue, the span clock (the
 * TSC, CNTVCT_EL0) and reading a PMU counter from user space (rdpmc, mrs).
 * Everything else in hwprof is the same on every architecture. */
#ifndef HWPROF_ARCH_H
#define HWPROF_ARCH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/perf_event.h>

/* DWARF registers an initial frame can hold, on any architecture (x86-64 uses
 * 17, arm64 32). */
#define ARCH_DWARF_MAX 32

struct arch_info {
	const char *name;              /* "x86_64", "aarch64" (uname -m) */
	unsigned elf_machine;          /* EM_X86_64, EM_AARCH64 */
	/* attr.sample_regs_user: every register an unwinder may need (perf's
	 * numbering, arch/<arch>/include/uapi/asm/perf_regs.h). */
	uint64_t regs_mask;
	/* perf numbers of the registers with a role; reg_lr -1 where a call
	 * pushes its return address instead (x86-64). */
	int reg_pc, reg_sp, reg_fp, reg_lr;
	/* DWARF: registers 0..dwarf_nregs-1 make the initial frame; the SP's
	 * number and the return address column of the CIEs. */
	unsigned dwarf_nregs;
	int dwarf_sp, dwarf_ra;
	/* A frame record (what the kernel's frame-pointer walk follows) holds
	 * the caller's FP at [FP] and the return address at [FP + this]. */
	unsigned fp_ra_offset;
	/* precise_ip the core PMU honours when sysfs does not say (caps/
	 * max_precise): -1 unknown; 0 for PMUs without precise sampling. */
	int max_precise;
	/* The kernel clocksource (current_clocksource) that reads the same
	 * counter as arch_clock_read: then its ticks can stand for time. */
	const char *clock_source;
};

/* This machine's architecture. */
const struct arch_info *arch_get(void);

/* The perf register number of DWARF register d, or -1 (none, or d out of range). */
int arch_dwarf_to_perf(unsigned d);

/* The value of perf register reg in a sample's PERF_SAMPLE_REGS_USER block:
 * the registers of mask, in increasing bit order, nregs of them (regs may be
 * unaligned).  0, or -ENOENT when reg was not sampled. */
static inline int arch_sample_reg(uint64_t mask, const void *regs, uint64_t nregs, int reg,
				  uint64_t *v)
{
	uint64_t bit, idx;

	if (reg < 0 || reg > 63 || !regs)
		return -ENOENT;
	bit = 1ULL << reg;
	if (!(mask & bit))
		return -ENOENT;
	idx = (uint64_t)__builtin_popcountll(mask & (bit - 1));
	if (idx >= nregs)
		return -ENOENT;
	memcpy(v, (const char *)regs + idx * 8, 8);
	return 0;
}

/* The initial frame of an unwinder: a sample's registers by DWARF number. */
struct arch_frame {
	uint64_t regs[ARCH_DWARF_MAX];
	uint64_t known;                /* bit d: regs[d] was sampled */
	uint64_t pc, sp;
	int has_pc, has_sp;
};

/* Fill f from a sample's registers (as arch_sample_reg reads them).  Registers
 * not sampled stay unknown, so that CFI needing them ends a walk rather than
 * computing from zeros.  0, or -EINVAL without PC and SP. */
static inline int arch_frame_init(uint64_t mask, const void *regs, uint64_t nregs,
				  struct arch_frame *f)
{
	const struct arch_info *a = arch_get();

	memset(f, 0, sizeof(*f));
	for (unsigned d = 0; d < a->dwarf_nregs && d < ARCH_DWARF_MAX; d++)
		if (arch_sample_reg(mask, regs, nregs, arch_dwarf_to_perf(d), &f->regs[d]) == 0)
			f->known |= 1ULL << d;
	f->has_pc = arch_sample_reg(mask, regs, nregs, a->reg_pc, &f->pc) == 0;
	f->has_sp = arch_sample_reg(mask, regs, nregs, a->reg_sp, &f->sp) == 0;
	return f->has_pc && f->has_sp ? 0 : -EINVAL;
}

/* A return address as a frame holds it, as a code address: arm64 may sign it
 * (pointer authentication, -mbranch-protection=pac-ret) in bits above the
 * user address space; x86-64 stores it as it is. */
uint64_t arch_code_address(uint64_t ra);

/* Whether the code at a function's entry (len bytes) sets up the frame
 * pointer the way compilers do with -fno-omit-frame-pointer. */
int arch_sets_frame_pointer(const unsigned char *code, size_t len);

/* The span clock: a cheap counter at a constant rate, read in user space (x86:
 * the TSC; arm64: CNTVCT_EL0).  0 where it cannot be read. */
uint64_t arch_clock_read(void);

/* Its nominal rate in Hz (arm64: CNTFRQ_EL0), 0 when the CPU does not say
 * (x86: the TSC's rate is measured instead). */
uint64_t arch_clock_hz(void);

/* Prepare a thread-bound counting attr for reads from user space (x86: nothing
 * to ask; arm64: the config1 bit that asks for it, when kernel.perf_user_access
 * is 1).  1 when such reads can work, 0 when only read() can. */
int arch_user_read_attr(struct perf_event_attr *a);

/* The hardware counter that a perf_event_mmap_page's index names (1-based,
 * index != 0), read from user space: rdpmc, or mrs from PMEVCNTR<n>_EL0 /
 * PMCCNTR_EL0.  Only valid inside the page's sequence-lock loop. */
uint64_t arch_read_counter(uint32_t index);

#endif
