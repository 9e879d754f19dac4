/* elfsection.h - an ELF file's section found by its name (section headers:
 * files read whole, not a process's memory).  Pure; thread safe. */
#ifndef HWPROF_ELFSECTION_H
#define HWPROF_ELFSECTION_H

#include <gelf.h>

/* The first section of elf called name, its header in *sh, or NULL (none, or
 * no section header string table). */
Elf_Scn *elfsection_find(Elf *elf, const char *name, GElf_Shdr *sh);

#endif
