/* kallsyms.c - see kallsyms.h.
 *
 * Names sit in one arena of NUL-terminated strings, which a symbol refers to by
 * 32-bit offsets; arena[0] is "", the module of the kernel proper.  Parsed by
 * hand because sscanf over 100k+ lines is most of the cost of loading. */
#include "kallsyms.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The block read at a time; it grows only for a longer line. */
#define KALLSYMS_BLOCK 65536

struct ksym {
	uint64_t addr;
	uint32_t name;               /* arena offsets, in file order: name also */
	uint32_t module;             /* keeps the sort stable; module 0: none */
};

struct kallsyms {
	struct ksym *syms;
	size_t n, cap;
	char *arena;
	size_t alen, acap;
	uint32_t last_mod;           /* the module of the last module symbol, or 0 */
	size_t last_mod_len;
	size_t nonzero;              /* symbols whose address is not 0 */
	bool sorted;
};

int kallsyms_new(struct kallsyms **out)
{
	struct kallsyms *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k || util_grow_raw(&k->arena, &k->acap, 1, 1) < 0) {
		kallsyms_free(k);
		return -ENOMEM;
	}
	k->arena[0] = '\0';
	k->alen = 1;                 /* "" */
	k->sorted = true;
	*out = k;
	return 0;
}

void kallsyms_free(struct kallsyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->arena);
	free(k);
}

/* Copy str[0..len) into the arena as a string at *off.  0 or -ENOMEM (also
 * when the offsets would outgrow 32 bits). */
static int arena_add(struct kallsyms *k, const char *str, size_t len, uint32_t *off)
{
	/* Raw growth: the arena is written as it grows; zeroing its doubled
	 * space first would only fault in pages twice over at load. */
	if (len >= UINT32_MAX - k->alen ||
	    util_grow_raw(&k->arena, &k->acap, k->alen + len + 1, 1) < 0)
		return -ENOMEM;
	memcpy(k->arena + k->alen, str, len);
	k->arena[k->alen + len] = '\0';
	*off = (uint32_t)k->alen;
	k->alen += len + 1;
	return 0;
}

/* The arena offset of module name mod[0..len), 0 for none. */
static int module_add(struct kallsyms *k, const char *mod, size_t len, uint32_t *off)
{
	*off = 0;
	if (!len)
		return 0;
	/* A module's symbols are contiguous: store its name once. */
	if (k->last_mod && len == k->last_mod_len && memcmp(k->arena + k->last_mod, mod, len) == 0) {
		*off = k->last_mod;
		return 0;
	}
	if (arena_add(k, mod, len, off) < 0)
		return -ENOMEM;
	k->last_mod = *off;
	k->last_mod_len = len;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The hex number at p (before end) into *v: the byte after it, or NULL when
 * p holds no hex digit or more than 16. */
static const char *hex_u64(const char *p, const char *end, uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;
	int d;

	for (; p < end && (d = hex_digit(*p)) >= 0; p++) {
		if (p - start == 16)
			return NULL;
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return p > start ? p : NULL;
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* One line, [p, end): "ffffffff81000000 T _text" or "... t name\t[module]". */
static int parse_line(struct kallsyms *k, const char *p, const char *end)
{
	const char *name, *tab, *mod;
	uint32_t noff, moff = 0;
	uint64_t addr;

	p = hex_u64(p, end, &addr);
	if (!p || end - p < 3 || p[0] != ' ' || !is_text(p[1]) || p[2] != ' ')
		return 0;
	name = p + 3;
	tab = memchr(name, '\t', (size_t)(end - name));
	if (tab) {
		for (mod = tab + 1; mod < end && (*mod == '\t' || *mod == ' '); mod++)
			;
		if (module_add(k, mod, (size_t)(end - mod), &moff) < 0)
			return -ENOMEM;
	}
	if (arena_add(k, name, (size_t)((tab ? tab : end) - name), &noff) < 0 ||
	    util_grow_raw(&k->syms, &k->cap, k->n + 1, sizeof(*k->syms)) < 0)
		return -ENOMEM;
	k->syms[k->n++] = (struct ksym){ addr, noff, moff };
	k->nonzero += addr != 0;
	k->sorted = false;
	return 0;
}

int kallsyms_parse(struct kallsyms *k, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (parse_line(k, p, eol) < 0)
			return -ENOMEM;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static void sort_syms(struct kallsyms *k)
{
	if (!k->sorted && k->n > 1)
		qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
	k->sorted = true;
}

/* Give back the doubling's slack: the table is kept for the whole run, and
 * up to half of each array would otherwise be resident for nothing. */
static void shrink(struct kallsyms *k)
{
	void *p;

	if (k->n && k->n < k->cap && (p = realloc(k->syms, k->n * sizeof(*k->syms)))) {
		k->syms = p;
		k->cap = k->n;
	}
	if (k->alen < k->acap && (p = realloc(k->arena, k->alen))) {
		k->arena = p;
		k->acap = k->alen;
	}
}

/* Parse the whole lines in buf[0..*have) and keep the unterminated rest at
 * the start of buf.  At eof the rest is the last line: parse it too. */
static int parse_block(struct kallsyms *k, char *buf, size_t *have, bool eof)
{
	size_t used = *have;

	if (!eof) {
		const char *nl = memrchr(buf, '\n', *have);

		used = nl ? (size_t)(nl - buf) + 1 : 0;
	}

	if (used && kallsyms_parse(k, buf, used) < 0)
		return -ENOMEM;
	memmove(buf, buf + used, *have - used);
	*have -= used;
	return 0;
}

int kallsyms_load(struct kallsyms *k, const char *path)
{
	size_t cap = 0, have = 0;
	char *buf = NULL;
	int fd, err = 0;

	fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		/* A line longer than the block (none in a real kallsyms) grows it. */
		if (util_grow_raw(&buf, &cap, have < KALLSYMS_BLOCK ? KALLSYMS_BLOCK : have + 1, 1) < 0) {
			err = -ENOMEM;
			break;
		}
		got = read(fd, buf + have, cap - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		have += (size_t)got;
		err = parse_block(k, buf, &have, got == 0);
		if (err < 0 || got == 0)
			break;
	}
	free(buf);
	close(fd);
	sort_syms(k);
	shrink(k);
	return err;
}

bool kallsyms_available(const struct kallsyms *k)
{
	return k->nonzero > 0;
}

int kallsyms_lookup(struct kallsyms *k, uint64_t addr, const char **name, const char **module)
{
	size_t lo = 0, hi = k->n;
	const struct ksym *s;

	if (!kallsyms_available(k))
		return -ENOENT;
	sort_syms(k);
	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	s = &k->syms[lo - 1];
	*name = k->arena + s->name;
	*module = k->arena + s->module;
	return 0;
}
