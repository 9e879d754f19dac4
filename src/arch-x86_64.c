/* arch-x86_64.c - arch.h for x86-64. */
#include "arch.h"

#include <elf.h>
#include <x86intrin.h>

/* perf's x86-64 user register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum {
	REG_AX, REG_BX, REG_CX, REG_DX, REG_SI, REG_DI, REG_BP, REG_SP,
	REG_IP, REG_FLAGS, REG_CS, REG_SS, REG_DS, REG_ES, REG_FS, REG_GS,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* The psABI's DWARF numbers: 0-7 are rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp
 * (neither the hardware's order nor perf's), 8-15 are r8-r15 and 16 is the
 * return address column, which holds the pc.  The table gives perf's number
 * for each. */
static const signed char dwarf_to_perf[] = {
	REG_AX, REG_DX, REG_CX, REG_BX, REG_SI, REG_DI, REG_BP, REG_SP,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	REG_IP,
};

static const struct arch_info x86_64 = {
	.name = "x86_64",
	.elf_machine = EM_X86_64,
	/* Every general-purpose register and IP: CFI mostly needs SP, BP and
	 * the callee-saved RBX, R12-R15, but stack-realigning functions (main
	 * with a DRAP) compute their CFA from R10 or another scratch register.
	 * 17 registers, 136 bytes a sample. */
	.regs_mask = 0xff01ffULL,
	.reg_pc = REG_IP,
	.reg_sp = REG_SP,
	.reg_fp = REG_BP,
	.reg_lr = -1,
	.dwarf_nregs = sizeof(dwarf_to_perf),
	.dwarf_sp = 7,
	.dwarf_ra = 16,
	/* push %rbp; mov %rsp,%rbp under the return address the call pushed. */
	.fp_ra_offset = 8,
	/* Intel and AMD differ (PEBS, IBS); sysfs caps/max_precise says. */
	.max_precise = -1,
	.clock_source = "tsc",
};

const struct arch_info *arch_get(void)
{
	return &x86_64;
}

int arch_dwarf_to_perf(unsigned d)
{
	return d < sizeof(dwarf_to_perf) ? dwarf_to_perf[d] : -1;
}

uint64_t arch_code_address(uint64_t ra)
{
	return ra;
}

/* mov %rsp,%rbp (either encoding) among the first instructions: the compiler
 * may schedule it a few instructions after push %rbp (after an endbr64), or
 * shrink-wrap an early-exit test before both, so look a few instructions in.
 * Code without frame pointers uses RBP as an ordinary register and pushes it
 * as often, but hardly ever copies RSP into it. */
int arch_sets_frame_pointer(const unsigned char *c, size_t len)
{
	size_t end = len < 48 ? len : 48;

	for (size_t i = 0; i + 3 <= end; i++)
		if (c[i] == 0x48 && ((c[i + 1] == 0x89 && c[i + 2] == 0xe5) ||
				     (c[i + 1] == 0x8b && c[i + 2] == 0xec)))
			return 1;
	return 0;
}

uint64_t arch_clock_read(void)
{
	return __rdtsc();
}

uint64_t arch_clock_hz(void)
{
	return 0;
}

/* rdpmc needs no attr bit: the kernel allows it for events a process has
 * mapped (/sys/bus/event_source/devices/cpu/rdpmc 1, the default), and says
 * so in the page (cap_user_rdpmc). */
int arch_user_read_attr(struct perf_event_attr *a)
{
	(void)a;
	return 1;
}

uint64_t arch_read_counter(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi) : "c"(index - 1));
	return (uint64_t)hi << 32 | lo;
}
