/* symtab.h - a module's function symbols, sorted once for binary search.
 *
 * dwfl_module_addrinfo scans the whole symbol table on every call, which for
 * a large binary (cc1: 100k+ symbols) costs more than everything else done
 * per new address; this table is built with the first lookup instead.  Of
 * several symbols at one address, global ones sort before weak ones before
 * local ones, sized before sizeless. */
#ifndef HWPROF_SYMTAB_H
#define HWPROF_SYMTAB_H

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stddef.h>

struct sym_func {
	GElf_Addr addr;              /* module address */
	GElf_Xword size;
	const char *name;            /* in libelf's string data, lives with the Dwfl */
	unsigned char bind;          /* STB_* */
};

struct symtab {
	struct sym_func *funcs;      /* sorted by addr */
	size_t n;
};

/* mod's function symbols into t (emptied first).  0 or -ENOMEM. */
int symtab_build(Dwfl_Module *mod, struct symtab *t);
void symtab_free(struct symtab *t);

/* The function symbol covering addr, or NULL: a sized symbol covers its size,
 * a sizeless one (hand-written assembly) everything up to the next symbol. */
const struct sym_func *symtab_lookup(const struct symtab *t, GElf_Addr addr);

#endif
