/* kallsyms.h - the kernel's text symbols, from the text of /proc/kallsyms.
 *
 * A kernel has 100k+ text symbols, kept for the whole run: 16 bytes a symbol
 * plus its name, sorted by address before the first lookup.  Not thread safe. */
#ifndef HWPROF_KALLSYMS_H
#define HWPROF_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kallsyms;

/* An empty table.  0 or -ENOMEM (*out NULL). */
int kallsyms_new(struct kallsyms **out);
void kallsyms_free(struct kallsyms *k);

/* Add the text symbols (types t, T, w, W) of the lines in buf[0..len): "ADDR
 * TYPE NAME", ADDR in hex, and "\t[MODULE]" after a module's symbol.  Other
 * lines are skipped.  A line ends at '\n' or at len, so pass whole lines; buf
 * need not be NUL-terminated.  0 or -ENOMEM (the symbols added so far stay). */
int kallsyms_parse(struct kallsyms *k, const char *buf, size_t len);

/* The same from the file at path (NULL means /proc/kallsyms), read a block of
 * whole lines at a time.  0, -errno of open or read, or -ENOMEM. */
int kallsyms_load(struct kallsyms *k, const char *path);

/* Whether some symbol has a non-zero address: kptr_restrict shows every
 * address as 0 to unprivileged readers. */
bool kallsyms_available(const struct kallsyms *k);

/* The last symbol at or below addr: its *name, and *module ("[ext4]") or ""
 * for the kernel proper.  0, or -ENOENT below the first symbol or when no
 * address is available.  The strings live until the next parse or load. */
int kallsyms_lookup(struct kallsyms *k, uint64_t addr, const char **name, const char **module);

#endif
