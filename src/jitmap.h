/* jitmap.h - names of JIT-compiled code from perf-PID.map files.
 *
 * A JIT that supports perf writes DIR/perf-PID.map, one line per piece of code:
 * "START SIZE NAME", START and SIZE in hex, NAME the rest of the line (spaces
 * included).  Each process's map is read on its first lookup and read again
 * whenever it changed.  Not thread safe. */
#ifndef HWPROF_JITMAP_H
#define HWPROF_JITMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- one map's entries (a pure parser) ---- */

struct jitmap_syms;

/* The entries of the map text buf[0..len) (need not be NUL-terminated);
 * lines that do not parse are skipped.  0 or -ENOMEM (*out NULL). */
int jitmap_parse(const char *buf, size_t len, struct jitmap_syms **out);
void jitmap_syms_free(struct jitmap_syms *m);

/* The name of the entry covering addr (START <= addr < START + SIZE), or
 * NULL.  Among entries that start at the same address the last line wins: a
 * JIT reuses the addresses of code it freed.  Lives as long as m. */
const char *jitmap_syms_find(const struct jitmap_syms *m, uint64_t addr);

/* ---- the maps of every process looked up ---- */

struct jitmap;

/* Maps are read from dir (NULL means /tmp).  0 or -ENOMEM. */
int jitmap_new(const char *dir, struct jitmap **out);
void jitmap_free(struct jitmap *jm);

/* The name of pid's JIT code at addr: 0 and *name, which lives until pid's
 * map is read again (a later lookup for pid) or jitmap_free; -ENOENT when
 * there is no map or no entry covers addr; -ENOMEM.  A map that is gone keeps
 * the entries read last: a JIT often removes it as it exits, while its last
 * samples are still to be named. */
int jitmap_lookup(struct jitmap *jm, pid_t pid, uint64_t addr, const char **name);

#endif
