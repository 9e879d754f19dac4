/* symtab.c - see symtab.h. */
#include "symtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int bind_rank(unsigned char bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

static int sym_func_cmp(const void *a, const void *b)
{
	const struct sym_func *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (bind_rank(x->bind) != bind_rank(y->bind))
		return bind_rank(x->bind) < bind_rank(y->bind) ? -1 : 1;
	if ((x->size == 0) != (y->size == 0))
		return x->size ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;   /* string table order */
}

int symtab_build(Dwfl_Module *mod, struct symtab *t)
{
	int n = dwfl_module_getsymtab(mod);

	memset(t, 0, sizeof(*t));
	if (n <= 0)
		return 0;
	t->funcs = calloc((size_t)n, sizeof(*t->funcs));
	if (!t->funcs)
		return -ENOMEM;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);

		/* st_name 0 is the empty name: the string table's pages are not
		 * read here (megabytes in a large C++ library), only the names
		 * of the functions looked up later. */
		if (!name || !sym.st_name || sym.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		t->funcs[t->n++] = (struct sym_func){ addr, sym.st_size, name,
						      GELF_ST_BIND(sym.st_info) };
	}
	util_sort(t->funcs, t->n, sizeof(*t->funcs), sym_func_cmp);
	return 0;
}

void symtab_free(struct symtab *t)
{
	free(t->funcs);
	memset(t, 0, sizeof(*t));
}

const struct sym_func *symtab_lookup(const struct symtab *t, GElf_Addr addr)
{
	size_t lo = 0, hi = t->n, first;
	const struct sym_func *best = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->funcs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Symbols at the same address sort best first: go back to the first. */
	first = lo - 1;
	while (first > 0 && t->funcs[first - 1].addr == t->funcs[lo - 1].addr)
		first--;
	best = &t->funcs[first];
	if (best->size ? addr - best->addr < best->size : 1)
		return best;
	/* A nested or overlapping symbol further back may still cover addr. */
	for (size_t i = first; i-- > 0 && first - i < 8;)
		if (t->funcs[i].size && addr - t->funcs[i].addr < t->funcs[i].size)
			return &t->funcs[i];
	return NULL;
}
