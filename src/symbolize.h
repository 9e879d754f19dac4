/* symbolize.h - addresses to functions, source lines and inlined frames.
 *
 * User code through libdw/libdwfl (ELF symbol tables, DWARF lines and inlines,
 * separate debug files by build id and debuglink), C++ names demangled; kernel
 * addresses through /proc/kallsyms (kallsyms.h); JIT code through
 * /tmp/perf-PID.map (jitmap.h).
 * Each ELF file is opened once and its results are cached per (file, address),
 * within bounds (a long run sees many files): the least recently used file is
 * closed past 64 open, results are dropped past 65536, and all is dropped
 * past 262144 strings.  Returned strings belong to the symbolizer and live
 * until the next symbolize_lookup_* call (or symbolize_free): copy them first.
 * Not thread safe. */
#ifndef HWPROF_SYMBOLIZE_H
#define HWPROF_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYM_MAX_FRAMES 16

struct sym_frame {
	const char *function;     /* demangled; never NULL */
	const char *system_name;  /* mangled (symbol table) name, or == function */
	const char *file;         /* source file, "" when unknown */
	int line;                 /* 0 when unknown */
};

/* One address: frames[0] is the innermost inlined function, frames[n-1] the
 * function the address is in.  n == 0 means "not found" (the caller then names
 * the address module+0xoffset). */
struct sym_result {
	size_t n;
	struct sym_frame frames[SYM_MAX_FRAMES];
};

struct symbolizer;

/* kallsyms_path NULL means /proc/kallsyms; jit_dir NULL means /tmp. */
int symbolize_new(const char *kallsyms_path, const char *jit_dir, struct symbolizer **out);
void symbolize_free(struct symbolizer *s);

/* Name ELF addresses by their symbol tables only: no inlined frames, no file
 * and line, and none of the DWARF (scopes, line tables, decompressed debug
 * sections) that those cost to read and keep. */
void symbolize_functions_only(struct symbolizer *s);

/* Symbolize a file offset in an ELF file (the runtime address minus the mapping's
 * start plus its pgoff).  The file is found at path; build_id (hex, may be NULL or
 * "") selects a separate debug file.  Returns 0 (res->n may be 0) or -errno when
 * the file cannot be read at all. */
int symbolize_lookup_file(struct symbolizer *s, const char *path, const char *build_id,
			  uint64_t file_offset, struct sym_result *res);

/* Build id of an ELF file, as lowercase hex into buf (cap >= 41); 0 or -errno. */
int symbolize_build_id(struct symbolizer *s, const char *path, char *buf, size_t cap);

/* Kernel address through kallsyms (loaded on first use).  Returns 0 and res->n == 1
 * when found, res->n == 0 when kallsyms is unreadable or hides addresses.  A module
 * symbol's frame has the module as its file ("[ext4]"), "" for the kernel proper. */
int symbolize_lookup_kernel(struct symbolizer *s, uint64_t addr, struct sym_result *res);

/* Whether kallsyms gave usable (non-zero) addresses (loading it, if not yet). */
int symbolize_kernel_available(struct symbolizer *s);

/* JIT address through /tmp/perf-PID.map (re-read when it changes).  res->n == 0
 * when there is no map or no entry covers addr. */
int symbolize_lookup_jit(struct symbolizer *s, pid_t pid, uint64_t addr, struct sym_result *res);

/* The JIT maps' reader, for the maps it refused (jitmap_rejected). */
struct jitmap;
const struct jitmap *symbolize_jitmap(const struct symbolizer *s);

/* Close the files (their Dwfl, line tables, decompressed debug sections)
 * not looked up since the last call, and the results that point at them:
 * between a long run's intervals, so that a program seen once does not keep
 * its debug information for the rest of the run.  Between lookups only. */
void symbolize_close_idle(struct symbolizer *s);

/* How full the caches are, and how often a bound was hit. */
struct symbolize_cache_stats {
	size_t files, results, strings;
	uint64_t files_closed, result_flushes, string_flushes;
};
void symbolize_cache_stats(const struct symbolizer *s, struct symbolize_cache_stats *out);

/* name demangled whole (demangle.h, DEMANGLE_FULL) when it is a mangled
 * name, else name itself; interned in s.  NULL on ENOMEM. */
const char *symbolize_demangle(struct symbolizer *s, const char *name);

#endif
