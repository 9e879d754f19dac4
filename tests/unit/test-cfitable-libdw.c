/* test-cfitable-libdw: the compiled tables give libdw's rules.  Every address
 * of a block of DENSE_FNS tiny functions, more FDEs than a region compiles
 * (CFI_REGION_FDES), and every STEP-th address of the rest of this test's
 * text are looked up both in a cfitable of this program and with libdw
 * (dwarf_cfi_addrframe on its .eh_frame as libdwfl opens it, with the
 * architecture's initial rules; read by cfiread_row):
 *  - rules the table found are libdw's, byte for byte;
 *  - where the table says no CFI covers an address, libdw has none either;
 *  - the block's first CFI_REGION_FDES functions are compiled, the others are
 *    left to libdw (CFI_UNSUPPORTED), not given some other FDE's rules.
 * Built without -pie: file addresses are the addresses the code runs at. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/cfiread.h"
#include "../../src/cfitable.h"
#include "tap.h"

#define DENSE_FNS 9000          /* > CFI_REGION_FDES, all within one region */
#define STEP 7                  /* between addresses tried outside the block */
#define XSTR(x) #x
#define STR(x) XSTR(x)

/* The block fills the start of a region of its own (regions are aligned to
 * their size), before the rest of the text (.text.unlikely comes first); each
 * function changes the CFA, so that neighbours' rows differ: 3 bytes each on
 * x86-64; on aarch64 one instruction, whose row is the CIE's. */
#if defined(__x86_64__)
#define DENSE_FN_BYTES 3
#define DENSE_FN "push %rbp\n .cfi_adjust_cfa_offset 8\n .cfi_offset %rbp, -16\n" \
	"pop %rbp\n .cfi_adjust_cfa_offset -8\n .cfi_restore %rbp\n ret\n"
#else
#define DENSE_FN_BYTES 4
#define DENSE_FN "ret\n"
#endif
__asm__(".pushsection .text.unlikely.dense, \"ax\"\n"
	".balign 1 << " STR(CFI_REGION_SHIFT) "\n"
	".globl dense_first\n"
	"dense_first:\n"
	".rept " STR(DENSE_FNS) "\n"
	".cfi_startproc\n" DENSE_FN ".cfi_endproc\n"
	".endr\n"
	".globl dense_end\n"
	"dense_end:\n"
	".balign 1 << " STR(CFI_REGION_SHIFT) "\n"
	".popsection\n");
extern const char dense_first[], dense_end[];

/* libdw's initial rules for x86-64 (elfutils' backends/x86_64_cfi.c) say
 * "same value" for register 0 (rax) where the ABI's callee-saved register is
 * 3 (rbx), which the tables follow (cfitable.h, CFI_SAME_MASK): libdw's rows
 * are compared with the ABI's rules for those two. */
static void abi_rules(struct cfi_rules *r)
{
#if defined(__x86_64__)
	unsigned k = 0;

	for (unsigned i = 0; i < r->nrules && i < CFI_MAX_RULES; i++) {
		const struct cfi_rule *x = &r->rules[i];

		if ((x->reg == 0 && cfi_rule_kind(x) == CFI_SAME) || (x->reg == 3 && cfi_rule_kind(x) == CFI_UNDEF))
			continue;
		r->rules[k++] = *x;
	}
	memset(&r->rules[k], 0, (CFI_MAX_RULES - k) * sizeof(r->rules[0]));
	r->nrules = (uint8_t)k;
#else
	(void)r;
#endif
}

/* Our answer and libdw's at one address. */
struct both {
	int tab, lib;               /* enum cfi_found */
	struct cfi_rules t, l;
};

static Dwarf_CFI *lib_cfi;
static Dwarf_Addr lib_bias;

static void look(struct cfitable *t, uint64_t a, struct both *x)
{
	const struct cfi_rules *r = NULL;
	Dwarf_Frame *frame = NULL;
	struct cfi_row row;

	memset(x, 0, sizeof(*x));
	x->tab = cfitable_find(t, a, &r);
	if (r)
		x->t = *r;
	x->lib = CFI_NONE;
	if (dwarf_cfi_addrframe(lib_cfi, a + lib_bias, &frame) == 0) {
		x->lib = cfiread_row(frame, &row);
		x->l = row.r;
		abi_rules(&x->l);
		free(frame);
	}
}

/* An answer of the table that is not libdw's. */
static int wrong(const struct both *x)
{
	if (x->tab == CFI_FOUND)
		return x->lib != CFI_FOUND || memcmp(&x->t, &x->l, sizeof(x->t)) != 0;
	return x->tab == CFI_NONE && x->lib != CFI_NONE;
}

static void show_rules(const char *who, const struct cfi_rules *r)
{
	printf("#     %s: cfa %d r%d%+d, ra %d, unsupported %d, rules", who, r->cfa, r->cfa_base,
	       r->cfa_off, r->ra, r->unsupported);
	for (unsigned i = 0; i < r->nrules && i < CFI_MAX_RULES; i++)
		printf(" r%u:%d/r%u%+d", r->rules[i].reg, cfi_rule_kind(&r->rules[i]),
		       cfi_rule_base(&r->rules[i]), r->rules[i].off);
	printf("\n");
}

static void show(uint64_t a, const struct both *x)
{
	printf("#   %#llx: table %d, libdw %d\n", (unsigned long long)a, x->tab, x->lib);
	show_rules("table", &x->t);
	show_rules("libdw", &x->l);
}

/* The executable segments (.init and .plt may have one of their own): [*lo, *hi). */
static int text_span(Elf *elf, uint64_t *lo, uint64_t *hi)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			if (*hi <= *lo || ph.p_vaddr < *lo)
				*lo = ph.p_vaddr;
			if (ph.p_vaddr + ph.p_memsz > *hi)
				*hi = ph.p_vaddr + ph.p_memsz;
		}
	}
	return *hi > *lo ? 0 : -1;
}

static void dense_block(struct cfitable *t)
{
	uint64_t first = (uint64_t)(uintptr_t)dense_first;
	size_t compiled = 0, left = 0, other = 0, bad = 0, libdw_found = 0;
	struct both x;

	is_int((long long)(dense_end - dense_first), (long long)DENSE_FNS * DENSE_FN_BYTES,
	       "the block: %d functions of %d bytes", DENSE_FNS, DENSE_FN_BYTES);
	is_int((long long)(first & ((1 << CFI_REGION_SHIFT) - 1)), 0, "it starts a 64 KiB region (%#llx)",
	       (unsigned long long)first);
	for (size_t f = 0; f < DENSE_FNS; f++) {
		int all_found = 1, all_left = 1;

		for (size_t b = 0; b < DENSE_FN_BYTES; b++) {
			look(t, first + f * DENSE_FN_BYTES + b, &x);
			if (wrong(&x) && bad++ < 3)
				show(first + f * DENSE_FN_BYTES + b, &x);
			libdw_found += x.lib == CFI_FOUND;
			all_found &= x.tab == CFI_FOUND;
			all_left &= x.tab == CFI_UNSUPPORTED;
		}
		if (all_found && f < CFI_REGION_FDES)
			compiled++;
		else if (all_left && f >= CFI_REGION_FDES)
			left++;
		else
			other++;
	}
	is_int(libdw_found, DENSE_FNS * DENSE_FN_BYTES, "libdw has rules for every address of the block");
	is_int(bad, 0, "the table's rules there are libdw's");
	is_int(compiled, CFI_REGION_FDES, "the region's first %d functions compiled", CFI_REGION_FDES);
	is_int(left, DENSE_FNS - CFI_REGION_FDES, "the other %d left to libdw",
	       DENSE_FNS - CFI_REGION_FDES);
	is_int(other, 0, "no function answered otherwise");
}

/* The rest of the text, in regions of its own: where libdw has rules, the
 * table has the same. */
static void rest_of_text(struct cfitable *t, uint64_t lo, uint64_t hi)
{
	uint64_t block_lo = (uint64_t)(uintptr_t)dense_first, block_hi = (uint64_t)(uintptr_t)dense_end;
	size_t tried = 0, found = 0, missed = 0, bad = 0;
	struct both x;

	for (uint64_t a = lo; a < hi; a += STEP) {
		if (a >= block_lo && a < block_hi)
			continue;
		look(t, a, &x);
		tried++;
		found += x.tab == CFI_FOUND;
		if (x.lib == CFI_FOUND && x.tab != CFI_FOUND && missed++ < 5)
			show(a, &x);
		if (wrong(&x) && bad++ < 5)
			show(a, &x);
	}
	ok(found > 1000 && missed == 0, "the rest of the text: rules for %zu of %zu addresses, "
	   "wherever libdw has some (%zu not)", found, tried, missed);
	is_int(bad, 0, "all of them libdw's");
}

int main(void)
{
	struct cfitable *t = NULL;
	uint64_t lo = 0, hi = 0;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	Elf *elf;

	static const Dwfl_Callbacks cb = {
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
	};
	Dwfl *dwfl = dwfl_begin(&cb);
	Dwfl_Module *mod = NULL;

	elf_version(EV_CURRENT);
	elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (dwfl) {
		dwfl_report_begin(dwfl);
		mod = dwfl_report_elf(dwfl, "self", "/proc/self/exe", -1, 0, true);
		dwfl_report_end(dwfl, NULL, NULL);
	}
	lib_cfi = mod ? dwfl_module_eh_cfi(mod, &lib_bias) : NULL;
	ok(lib_cfi != NULL, "libdw reads this program's .eh_frame");
	if (elf)
		text_span(elf, &lo, &hi);
	ok(hi > lo, "its text: [%#llx, %#llx)", (unsigned long long)lo, (unsigned long long)hi);
	is_int(cfitable_open(open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "/proc/self/exe", &t), 0,
	       "its table opens");
	if (!lib_cfi || !t || hi <= lo)
		return done_testing();
	dense_block(t);
	rest_of_text(t, lo, hi);
	cfitable_free(t);
	dwfl_end(dwfl);
	elf_end(elf);
	close(fd);
	return done_testing();
}
