/* cfitable.h - one ELF file's call frame information, compiled into rules.
 *
 * A row says, for an address range of the file, how to find the caller's
 * registers: the CFA (canonical frame address) is a register plus an offset
 * (or the word at such an address: a realigned frame's DRAP), and each
 * register is undefined, unchanged, saved at CFA + offset, CFA + offset
 * itself, another register, or saved at register + offset.  Rows are read
 * (.eh_frame first, then .debug_frame, as libdwfl does) the first time an
 * address needs them (the rows of every FDE of the address's 64 KiB region
 * at once, where .eh_frame_hdr says where FDEs start; otherwise libdw's row
 * at the address), and kept, so that walking a stack costs a lookup per
 * frame.  What these rules cannot say (other DWARF expressions, signal
 * frames) is reported as such, for the caller to ask libdw.
 *
 * Register numbers are DWARF's for the architecture (CFI_ARCH below).  The
 * file's input is untrusted: every number read from it is checked before
 * use.  Not thread safe. */
#ifndef HWPROF_CFITABLE_H
#define HWPROF_CFITABLE_H

#include <stddef.h>
#include <stdint.h>

/* The architecture in DWARF register numbers, the one place an unwinder port
 * fills in: how many registers libdw unwinds (ebl_frame_nregs), the stack
 * pointer, the registers the ABI's initial CFI rules leave unchanged in the
 * caller (libdw's abi_cfi: the callee-saved ones; the stack pointer's rule is
 * "the CFA", every other register's "undefined"), and the frame pointer with
 * its frame record (the saved frame pointer at [FP], the return address after
 * it, the caller's SP past both), which is how libdw unwinds code that has no
 * CFI on x86-64 (CFI_FP_RECORD; elsewhere such frames go to libdw).
 * CFI_MAX_RULES bounds the registers a row may give other rules than those. */
#if defined(__aarch64__)
#define CFI_NREGS 33            /* x0-x30, sp, (pc) */
#define CFI_REG_SP 31
#define CFI_REG_FP 29
#define CFI_SAME_MASK 0x7ff80000ULL      /* x19-x30 */
#define CFI_MAX_RULES 24
#define CFI_FP_RECORD 0         /* libdw's fallback starts from LR: not ours */
#else
#define CFI_NREGS 17            /* rax rdx rcx rbx rsi rdi rbp rsp r8-r15, return address */
#define CFI_REG_SP 7
#define CFI_REG_FP 6
#define CFI_SAME_MASK 0x1f048ULL         /* rbx rbp r12-r15, the return address */
#define CFI_MAX_RULES 10         /* a row of 64 bytes */
#define CFI_FP_RECORD 1
#endif
#define CFI_WORD 8

enum cfi_kind {
	CFI_UNDEF,              /* not recoverable (also: any rule we failed to read) */
	CFI_SAME,               /* unchanged from the callee */
	CFI_AT_CFA,             /* saved at CFA + off */
	CFI_CFA_PLUS,           /* is CFA + off */
	CFI_REG,                /* is register base's value */
	CFI_AT_REG,             /* saved at base + off (the CFA must be known too) */
	CFI_REG_PLUS,           /* is base + off (the CFA must be known too) */
};

enum cfi_cfa {
	CFI_CFA_UNDEF,          /* no CFA: rules that need it fail */
	CFI_CFA_REG,            /* base + off */
	CFI_CFA_DEREF,          /* the word at base + off */
};

/* One register whose rule is not the ABI's default: 4 bytes, so that a row
 * fits a cache line (a walk's cost is the lines it touches). */
struct cfi_rule {
	uint8_t reg;
	uint8_t how;            /* enum cfi_kind | base register << 3 */
	int16_t off;
};

#define CFI_RULE_BASE_MAX 31
static inline int cfi_rule_kind(const struct cfi_rule *x) { return x->how & 7; }
static inline unsigned cfi_rule_base(const struct cfi_rule *x) { return x->how >> 3; }

/* How to find the caller's registers: registers not in rules[] keep the
 * ABI's rules (CFI_SAME_MASK: unchanged, the SP: the CFA, others:
 * undefined).  A rule whose offset or base does not fit makes the whole
 * unsupported. */
struct cfi_rules {
	int32_t cfa_off;
	uint8_t cfa, cfa_base;  /* enum cfi_cfa, a register */
	uint8_t ra;             /* the return address column */
	uint8_t unsupported;    /* CFI the rules cannot say */
	uint8_t nrules;
	uint8_t pad[3];
	struct cfi_rule rules[CFI_MAX_RULES];   /* by register */
};

/* A row: the rules over [start, start + len); 64 bytes on x86-64. */
struct cfi_row {
	uint64_t start;         /* a file address (ELF vaddr) */
	uint32_t len;
	struct cfi_rules r;
};

/* The ABI's rule of register r (cfi_kind; the SP's is CFI_CFA_PLUS 0). */
static inline int cfi_default_kind(unsigned r)
{
	return r == CFI_REG_SP ? CFI_CFA_PLUS : (CFI_SAME_MASK >> r & 1) ? CFI_SAME : CFI_UNDEF;
}

/* What cfitable_find says about an address. */
enum cfi_found {
	CFI_FOUND,              /* *row is its rule */
	CFI_NONE,               /* no CFI covers it (libdw unwinds by frame pointer) */
	CFI_UNSUPPORTED,        /* CFI these rules cannot say: ask libdw */
};

struct cfitable;

/* The FDEs compiled for one 64 KiB region at most (16 bytes of code each): a
 * search table that packs more into a region leaves the rest of it to libdw
 * (cfitable_find says CFI_UNSUPPORTED there). */
#define CFI_REGION_SHIFT 16
#define CFI_REGION_FDES 8192

/* The table of the ELF file open as fd (taken over, closed by
 * cfitable_free), named path (for debug files: build id, debuglink).  0,
 * -ENOEXEC (not ELF, no loadable segment) or -ENOMEM; fd is closed on error. */
int cfitable_open(int fd, const char *path, struct cfitable **out);
void cfitable_free(struct cfitable *t);

/* The file address that runtime address addr has in a mapping that maps file
 * offset pgoff at start; 0, or -ENOENT when no loadable segment holds it. */
int cfitable_file_addr(const struct cfitable *t, uint64_t start, uint64_t pgoff, uint64_t addr,
		       uint64_t *file_addr);

/* [*low, *high): the file addresses its loadable segments span. */
void cfitable_span(const struct cfitable *t, uint64_t *low, uint64_t *high);

/* The rules at file address a.  CFI_FOUND fills *rules (valid until the
 * next call: cfitable_find, cfitable_clear); an address not seen before
 * reads the CFI.  -ENOMEM when a row cannot be kept. */
int cfitable_find(struct cfitable *t, uint64_t a, const struct cfi_rules **rules);

/* Bytes of rows and rules kept. */
size_t cfitable_bytes(const struct cfitable *t);

/* Forget the rows and rules (they are read again when needed). */
void cfitable_clear(struct cfitable *t);

#endif
