/* test-cfitable: this test's own .eh_frame compiled into rules, looked up
 * across its whole text, gives the same answers the first time (regions read
 * as they are met), the second (from the kept rows), after the table was
 * cleared (cfitable_clear, as the walker's memory bound does), and as the
 * very first lookup of a new table.  The test is built without -pie: its
 * code starts far above address 0, where regions do not start at 0 either.
 * The walker counts the rows a frameless leaf's lookup reads against that
 * bound, and closes a file idle between two cfiwalk_close_idle calls. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/cfitable.h"
#include "../../src/cfiwalk.h"
#include "tap.h"

#define STEP 7          /* bytes between the addresses tried: odd, to land mid-instruction too */
#define MAX_TRIES 200000

struct answer {
	int found;
	struct cfi_rules r;
};

/* This program's executable segment, in file addresses, and as mapped. */
static uint64_t text_lo, text_hi;
static struct map text_map;

static int find_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			text_lo = ph->p_vaddr;
			text_hi = ph->p_vaddr + ph->p_memsz;
			text_map.start = info->dlpi_addr + (ph->p_vaddr & ~(uint64_t)4095);
			text_map.end = info->dlpi_addr + text_hi;
			text_map.pgoff = ph->p_offset & ~(uint64_t)4095;
		}
	}
	return 1;       /* the first object is the program */
}

/* Every STEP-th address of the text into out[0..*n). */
static void look_all(struct cfitable *t, struct answer *out, size_t *n)
{
	uint64_t lo = text_lo, hi = text_hi;

	*n = 0;
	for (uint64_t a = lo; a < hi && *n < MAX_TRIES; a += STEP) {
		const struct cfi_rules *r = NULL;
		struct answer *x = &out[(*n)++];

		memset(x, 0, sizeof(*x));
		x->found = cfitable_find(t, a, &r);
		if (x->found == CFI_FOUND && r)
			x->r = *r;
	}
}

static size_t differences(const struct answer *a, const struct answer *b, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++)
		d += a[i].found != b[i].found || memcmp(&a[i].r, &b[i].r, sizeof(a[i].r)) != 0;
	return d;
}

static const struct map *text_at(void *ctx, pid_t pid, uint64_t addr)
{
	return addr >= text_map.start && addr < text_map.end ? &text_map : NULL;
}

/* Some addresses, each the first lookup of a new table: the same answers. */
static void first_lookups(const struct answer *want, size_t n)
{
	size_t wrong = 0, tried = 0;

	for (size_t i = 0; i < n; i += n / 16 + 1) {
		struct cfitable *t = NULL;
		const struct cfi_rules *r = NULL;
		struct answer x;

		if (cfitable_open(open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "/proc/self/exe",
				  &t) < 0)
			break;
		memset(&x, 0, sizeof(x));
		x.found = cfitable_find(t, text_lo + i * STEP, &r);
		if (x.found == CFI_FOUND && r)
			x.r = *r;
		wrong += differences(&want[i], &x, 1);
		tried++;
		cfitable_free(t);
	}
	ok(tried > 8 && wrong == 0, "%zu first lookups of new tables, %zu wrong", tried, wrong);
}

/* A frameless leaf's lookup through the walker: the rows it reads count. */
static void leaf_rows_counted(void)
{
	static char exe[4096], other[64];
	uint64_t stack[8] = { 0 }, ret;
	struct cfiwalk_sample s = { .pid = getpid(), .stack = stack, .stack_size = sizeof(stack) };
	struct cfiwalk *w = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || cfiwalk_new(text_at, NULL, &w) < 0) {
		ok(0, "a walker over this program");
		return;
	}
	exe[n] = '\0';
	text_map.path = exe;
	text_map.exec = 1;
	s.regs.pc = (uint64_t)(uintptr_t)&look_all;
	s.regs.v[CFI_REG_SP] = (uint64_t)(uintptr_t)stack;
	s.regs.v[CFI_REG_FP] = (uint64_t)(uintptr_t)stack;
	s.regs.known = 1ULL << CFI_REG_SP | 1ULL << CFI_REG_FP;
	ok(cfiwalk_leaf_caller(w, &s, &ret) >= 0, "a leaf's caller looked up in the tables");
	ok(cfiwalk_stats(w)->bytes > 0, "the rows that lookup read count against the bound (%llu bytes)",
	   (unsigned long long)cfiwalk_stats(w)->bytes);
	cfiwalk_close_idle(w);
	ok(cfiwalk_stats(w)->bytes > 0, "a file used since the last close_idle stays open");
	cfiwalk_close_idle(w);
	is_int(cfiwalk_stats(w)->bytes, 0, "one idle since then is closed");
	ok(cfiwalk_leaf_caller(w, &s, &ret) >= 0 && cfiwalk_stats(w)->bytes > 0,
	   "and opened again when met again");
	/* A file closed before another that stays: the one kept moves down, and
	 * a new file that cannot be opened takes the slot it left. */
	snprintf(other, sizeof(other), "/proc/%d/exe", (int)getpid());
	cfiwalk_close_idle(w);
	text_map.path = other;
	ok(cfiwalk_leaf_caller(w, &s, &ret) >= 0, "the same program under another name");
	cfiwalk_close_idle(w);
	text_map.path = "/nonexistent/program";
	is_int(cfiwalk_leaf_caller(w, &s, &ret), -ENOTSUP, "a file that cannot be opened has no table");
	cfiwalk_close_idle(w);
	cfiwalk_close_idle(w);
	is_int(cfiwalk_stats(w)->bytes, 0, "all closed, each once");
	cfiwalk_free(w);
}

int main(void)
{
	static struct answer first[MAX_TRIES], again[MAX_TRIES], cleared[MAX_TRIES];
	struct cfitable *t = NULL;
	size_t n1, n2, n3, found = 0;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	is_int(cfitable_open(fd, "/proc/self/exe", &t), 0, "this test's table opens");
	if (!t)
		return done_testing();
	dl_iterate_phdr(find_text, NULL);
	ok(text_hi > text_lo, "the text: [%#llx, %#llx)", (unsigned long long)text_lo,
	   (unsigned long long)text_hi);
	look_all(t, first, &n1);
	for (size_t i = 0; i < n1; i++)
		found += first[i].found == CFI_FOUND;
	ok(found > n1 / 2, "rules for %zu of %zu addresses of the text", found, n1);
	ok(cfitable_bytes(t) > 0, "%zu bytes of rows and rules kept", cfitable_bytes(t));
	look_all(t, again, &n2);
	is_int(n2, n1, "the same addresses again");
	is_int(differences(first, again, n1), 0, "the same answers from the cache");
	cfitable_clear(t);
	is_int(cfitable_bytes(t), 0, "cleared: nothing kept");
	look_all(t, cleared, &n3);
	is_int(differences(first, cleared, n1), 0, "the same answers after the table was cleared");
	cfitable_free(t);
	ok(text_lo >= 0x10000, "the text starts above the first region (%#llx)",
	   (unsigned long long)text_lo);
	first_lookups(first, n1);
	leaf_rows_counted();
	return done_testing();
}
