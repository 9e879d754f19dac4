/* arch-capture.h - for test-unwind: what only assembly can do, once per
 * architecture (src/arch.h keeps the rest): capture the registers a sample
 * would carry, at a known instruction of the calling function, and two
 * hand-made functions whose CFI is known exactly.
 *
 *   CAPTURE_MASK, CAPTURE_NREGS    the registers captured (perf's numbers, as
 *                                  attr.sample_regs_user), in increasing order
 *   CAPTURE_REGS(regs)             store them into uint64_t regs[CAPTURE_NREGS]
 *                                  (the pc: that of the capture itself)
 *   CAPTURE_SP, CAPTURE_PC         the indexes of SP and PC in regs
 *   test_frameless                 a leaf without a frame: the return address
 *                                  where a call leaves it, all along
 *   test_framed, test_framed_saved, test_framed_body
 *                                  a function with a frame record: its entry,
 *                                  the instruction after it saved the return
 *                                  address (the frame pointer not yet set),
 *                                  and its body (frame pointer set) */
#ifndef HWPROF_TEST_ARCH_CAPTURE_H
#define HWPROF_TEST_ARCH_CAPTURE_H

#include <stdint.h>

void test_frameless(void);
void test_framed(void);
extern const char test_framed_saved[], test_framed_body[];

/* The same instructions on both: its CFI is the CIE's (the return address
 * where the call leaves it). */
__asm__(".text\n"
	".globl test_frameless\n"
	".type test_frameless,%function\n"
	"test_frameless:\n"
	".cfi_startproc\n"
	"nop\n"
	"ret\n"
	".cfi_endproc\n"
	".size test_frameless, .-test_frameless\n");

#if defined(__x86_64__)

/* BX, BP, SP, IP and R12-R15: the callee-saved registers and the frame. */
#define CAPTURE_MASK ((1ULL << 1) | (1ULL << 6) | (1ULL << 7) | (1ULL << 8) | (0xfULL << 20))
#define CAPTURE_NREGS 8
#define CAPTURE_SP 2
#define CAPTURE_PC 3
#define CAPTURE_REGS(r) \
	__asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%rsp, 16(%0)\n\t" \
			 "lea 0(%%rip), %%rax\n\tmov %%rax, 24(%0)\n\t" \
			 "mov %%r12, 32(%0)\n\tmov %%r13, 40(%0)\n\tmov %%r14, 48(%0)\n\t" \
			 "mov %%r15, 56(%0)" : : "r"(r) : "rax", "memory")

__asm__(".text\n"
	".globl test_framed, test_framed_saved, test_framed_body\n"
	".type test_framed,@function\n"
	"test_framed:\n"
	".cfi_startproc\n"
	"push %rbp\n"
	"test_framed_saved:\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset 6, -16\n"
	"mov %rsp, %rbp\n"
	"test_framed_body:\n"
	".cfi_def_cfa_register 6\n"
	"nop\n"
	"pop %rbp\n"
	".cfi_def_cfa 7, 8\n"
	"ret\n"
	".cfi_endproc\n"
	".size test_framed, .-test_framed\n");

#elif defined(__aarch64__)

/* x19..x30 and sp, pc (perf's 19..32): the callee-saved registers, the frame
 * pointer and the link register. */
#define CAPTURE_MASK (((1ULL << 14) - 1) << 19)
#define CAPTURE_NREGS 14
#define CAPTURE_SP 12
#define CAPTURE_PC 13
#define CAPTURE_REGS(r) \
	__asm__ volatile("stp x19, x20, [%0, #0]\n\tstp x21, x22, [%0, #16]\n\t" \
			 "stp x23, x24, [%0, #32]\n\tstp x25, x26, [%0, #48]\n\t" \
			 "stp x27, x28, [%0, #64]\n\tstp x29, x30, [%0, #80]\n\t" \
			 "mov x9, sp\n\tadr x10, .\n\tstp x9, x10, [%0, #96]" \
			 : : "r"(r) : "x9", "x10", "memory")

__asm__(".text\n"
	".globl test_framed, test_framed_saved, test_framed_body\n"
	".type test_framed,%function\n"
	"test_framed:\n"
	".cfi_startproc\n"
	"stp x29, x30, [sp, #-16]!\n"
	"test_framed_saved:\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset 29, -16\n"
	".cfi_offset 30, -8\n"
	"mov x29, sp\n"
	"test_framed_body:\n"
	"nop\n"
	"ldp x29, x30, [sp], #16\n"
	".cfi_restore 30\n"
	".cfi_restore 29\n"
	".cfi_def_cfa_offset 0\n"
	"ret\n"
	".cfi_endproc\n"
	".size test_framed, .-test_framed\n");

#else
#error "arch-capture.h: no capture written for this architecture (see src/arch.h)"
#endif

#endif
