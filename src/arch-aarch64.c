/* arch-aarch64.c - arch.h for arm64 (AArch64). */
#include "arch.h"

#include <elf.h>

#include "util.h"

/* perf's arm64 user registers (arch/arm64/include/uapi/asm/perf_regs.h) are
 * x0..x30 (x29 the frame pointer, x30 the link register), sp, pc: numbers 0-32.
 * DWARF's (AAPCS64's "DWARF for the Arm 64-bit Architecture") are the same for
 * x0..x30 and sp (31); the pc has no DWARF number, and x30 is the return
 * address column. */
#define REG_FP 29
#define REG_LR 30
#define REG_SP 31
#define REG_PC 32

static const struct arch_info aarch64 = {
	.name = "aarch64",
	.elf_machine = EM_AARCH64,
	/* x0..x30, sp, pc: 33 registers, 264 bytes a sample. */
	.regs_mask = (1ULL << 33) - 1,
	.reg_pc = REG_PC,
	.reg_sp = REG_SP,
	.reg_fp = REG_FP,
	/* bl leaves the return address in x30; a function saves it only if it
	 * calls another (or needs x30), so a leaf's caller is in the register. */
	.reg_lr = REG_LR,
	.dwarf_nregs = 32,
	.dwarf_sp = REG_SP,
	.dwarf_ra = REG_LR,
	/* stp x29, x30, [sp, #-N]!; mov x29, sp: the frame record is {x29, x30}. */
	.fp_ra_offset = 8,
	/* ARMv8's PMU samples where the overflow interrupt lands; precise
	 * sampling is a PMU of its own (SPE, arm_spe_0). */
	.max_precise = 0,
	.clock_source = "arch_sys_counter",
};

const struct arch_info *arch_get(void)
{
	return &aarch64;
}

int arch_dwarf_to_perf(unsigned d)
{
	return d < 32 ? (int)d : -1;
}

/* A signed return address carries its code in bits 54..VA_BITS (Linux's user
 * VA is 48 bits; addresses above that are opt-in and not code); bit 55 tells
 * user from kernel and stays. */
uint64_t arch_code_address(uint64_t ra)
{
	return ra & ~(0x7fULL << 48);
}

static uint32_t insn_at(const unsigned char *c)
{
	/* A64 instructions are little-endian words whatever the data order. */
	return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

/* add x29, sp, #imm (mov x29, sp when imm is 0) among the first instructions:
 * the frame record is stored first (stp x29, x30, [sp, #-N]! or, with a large
 * frame, sub sp, sp, #N; stp x29, x30, [sp, #M]), and x29 set to its address
 * right after, sometimes behind a BTI or PACIASP landing pad.  Code built
 * without frame pointers saves x30 on its own (str x30 / stp x19, x30) and
 * never points x29 at the stack. */
int arch_sets_frame_pointer(const unsigned char *c, size_t len)
{
	size_t end = len < 48 ? len : 48;

	for (size_t i = 0; i + 4 <= end; i += 4)
		if ((insn_at(c + i) & 0xffc003ffu) == 0x910003fdu)
			return 1;
	return 0;
}

uint64_t arch_clock_read(void)
{
	uint64_t v;

	/* The isb keeps the read from being taken early, ahead of the code
	 * before it (the counter is not ordered with other instructions). */
	__asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

uint64_t arch_clock_hz(void)
{
	uint64_t v;

	__asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* Documentation/arch/arm64/perf.rst, "Perf Userspace PMU Hardware Counter
 * Access": kernel.perf_user_access must be 1 and the event ask for it with
 * attr.config1 bit 1 (bit 0 would ask for a 64-bit counter, which only ARMv8.5
 * PMUs have: the 32-bit one is enough, the page's pmc_width says so and the
 * kernel's offset carries the rest).  Thread-bound events only. */
#define CONFIG1_USER_ACCESS 0x2ULL

int arch_user_read_attr(struct perf_event_attr *a)
{
	if (util_read_int("/proc/sys/kernel/perf_user_access", 0) != 1)
		return 0;
	a->config1 |= CONFIG1_USER_ACCESS;
	return 1;
}

/* mrs names its register in the instruction: one read per counter. */
#define PMEVCNTR(n) \
	case n: __asm__ __volatile__("mrs %0, pmevcntr" #n "_el0" : "=r"(v)); break

/* The page's index is the kernel's counter index: n + 1 for PMEVCNTR<n>_EL0,
 * 32 for the cycle counter, PMCCNTR_EL0 (Linux's armv8pmu_user_event_idx). */
uint64_t arch_read_counter(uint32_t index)
{
	uint64_t v = 0;

	switch (index - 1) {
	PMEVCNTR(0); PMEVCNTR(1); PMEVCNTR(2); PMEVCNTR(3); PMEVCNTR(4); PMEVCNTR(5);
	PMEVCNTR(6); PMEVCNTR(7); PMEVCNTR(8); PMEVCNTR(9); PMEVCNTR(10); PMEVCNTR(11);
	PMEVCNTR(12); PMEVCNTR(13); PMEVCNTR(14); PMEVCNTR(15); PMEVCNTR(16); PMEVCNTR(17);
	PMEVCNTR(18); PMEVCNTR(19); PMEVCNTR(20); PMEVCNTR(21); PMEVCNTR(22); PMEVCNTR(23);
	PMEVCNTR(24); PMEVCNTR(25); PMEVCNTR(26); PMEVCNTR(27); PMEVCNTR(28); PMEVCNTR(29);
	PMEVCNTR(30);
	case 31:
		__asm__ __volatile__("mrs %0, pmccntr_el0" : "=r"(v));
		break;
	default:
		break;
	}
	return v;
}
