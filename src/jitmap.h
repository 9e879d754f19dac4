/* jitmap.h - names of JIT-compiled code from perf-PID.map files.
 *
 * A JIT that supports perf writes DIR/perf-PID.map, one line per piece of code:
 * "START SIZE NAME", START and SIZE in hex, NAME the rest of the line (spaces
 * included).  Each process's map is read on its first lookup and read again
 * whenever it changed.  Not thread safe.
 *
 * The file is the profiled program's (anyone can create a file in /tmp), so
 * it is read only when it is a regular file (never through a symbolic link,
 * never waiting on a FIFO), owned by root, by the user hwprof runs as or by
 * the process's own user, and at most JITMAP_MAX_SIZE long; each line is
 * checked (hex numbers, a range inside user space, a printable name of at
 * most JITMAP_MAX_NAME bytes) and skipped when it fails.  A map refused, or
 * read with lines skipped, is told through jitmap_rejected. */
#ifndef HWPROF_JITMAP_H
#define HWPROF_JITMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* 64 MiB: a map written by a JIT that adds a line of ~100 bytes per compiled
 * function reaches it at ~650,000 functions, more than the largest JVM or
 * Node.js services write; it bounds what one map costs to read (the text,
 * plus 16 bytes per entry). */
#define JITMAP_MAX_SIZE (64u << 20)
#define JITMAP_MAX_ENTRIES (1u << 21)  /* lines beyond are skipped */
#define JITMAP_MAX_NAME 4096           /* bytes; longer names are not a JIT's */
#define JITMAP_MAX_CODE (1u << 30)     /* SIZE: more is not one piece of code */

/* ---- one map's entries (a pure parser) ---- */

struct jitmap_syms;

/* The entries of the map text buf[0..len) (need not be NUL-terminated; only
 * its first JITMAP_MAX_SIZE bytes are read); lines that fail the checks above
 * are skipped and counted, except a last line without its newline (a JIT may
 * be writing it).  Empty lines are ignored.  0 or -ENOMEM (*out NULL). */
int jitmap_parse(const char *buf, size_t len, struct jitmap_syms **out);
void jitmap_syms_free(struct jitmap_syms *m);

/* Lines of the map skipped for failing the checks. */
size_t jitmap_syms_skipped(const struct jitmap_syms *m);

/* The name of the entry covering addr (START <= addr < START + SIZE), or
 * NULL.  Among entries that start at the same address the last line wins: a
 * JIT reuses the addresses of code it freed.  Lives as long as m. */
const char *jitmap_syms_find(const struct jitmap_syms *m, uint64_t addr);

/* ---- the maps of every process looked up ---- */

struct jitmap;

/* Maps are read from dir (NULL means /tmp); a process's user is read from
 * /proc/PID/status on its first lookup.  0 or -ENOMEM. */
int jitmap_new(const char *dir, struct jitmap **out);
void jitmap_free(struct jitmap *jm);

/* The name of pid's JIT code at addr: 0 and *name, which lives until pid's
 * map is read again (a later lookup for pid) or jitmap_free; -ENOENT when
 * there is no map or no entry covers addr; -ENOMEM.  A map that is gone or
 * refused keeps the entries read last: a JIT often removes it as it exits,
 * while its last samples are still to be named. */
int jitmap_lookup(struct jitmap *jm, pid_t pid, uint64_t addr, const char **name);

/* The i-th (from 0) map refused or read with lines skipped, as one line in
 * buf ("/tmp/perf-42.map: not a regular file; not read"): 1, or 0 when there
 * is no i-th.  A map's first refusal is the one told. */
int jitmap_rejected(const struct jitmap *jm, size_t i, char *buf, size_t len);

#endif
