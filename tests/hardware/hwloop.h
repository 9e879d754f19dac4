/* hwloop.h - a loop of exactly HWLOOP_INSNS instructions per iteration, in
 * assembly so that no compiler can change its length: the hardware tests'
 * unit of known work (hwloop.c, hwuser.c). */
#ifndef HWLOOP_H
#define HWLOOP_H

#include <stdint.h>

/* Instructions per iteration, the same on both architectures. */
#define HWLOOP_INSNS 4

/* Runs n iterations (none when n is 0). */
static inline void hwloop_spin(uint64_t n)
{
	uint64_t a = 0, b = 1;

	if (n == 0)
		return;
#if defined(__aarch64__)
	__asm__ __volatile__(
		"1:\n\t"
		"add %[a], %[a], #1\n\t"
		"eor %[b], %[b], %[a]\n\t"
		"subs %[n], %[n], #1\n\t"
		"b.ne 1b\n\t"
		: [a] "+r"(a), [b] "+r"(b), [n] "+r"(n) : : "cc");
#elif defined(__x86_64__)
	__asm__ __volatile__(
		"1:\n\t"
		"addq $1, %[a]\n\t"
		"xorq %[a], %[b]\n\t"
		"subq $1, %[n]\n\t"
		"jnz 1b\n\t"
		: [a] "+r"(a), [b] "+r"(b), [n] "+r"(n) : : "cc");
#else
#error "hwloop.h: no loop written for this architecture"
#endif
}

#endif
