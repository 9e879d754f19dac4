/* addrname.h - names for addresses: (pid, address) -> a profile location.
 *
 * Kernel addresses (the top half of the address space) are named by kallsyms,
 * under one [kernel.kallsyms] mapping.  A user address is named through the
 * process's mapping (procmap, or /proc/PID/maps read once for a process whose
 * MMAP2 records we missed): ELF files through the symbolizer (functions, lines,
 * inlines; the build id from the record or the file), [vdso] through our own
 * vDSO image, anonymous code through perf-PID.map (JIT).  What none of them
 * names gets a name for where it is: FILE+0xOFFSET, [kernel]+0xADDR, [unknown].
 * Each address is looked up once; its next frames find it in the profile.
 * A file deleted or replaced since it was mapped is read through
 * /proc/PID/map_files while its process lives (or from the copy opened when
 * it was mapped, addrname_pin).
 *
 * Thread names come from COMM records (in the procmap), else from
 * /proc/PID/task/TID/comm, read once.  Not thread safe. */
#ifndef HWPROF_ADDRNAME_H
#define HWPROF_ADDRNAME_H

#include <stdint.h>
#include <sys/types.h>

#include "procmap.h"
#include "profile.h"

struct addrname_opts {
	const char *kallsyms_path;  /* NULL: /proc/kallsyms */
	const char *jit_dir;        /* NULL: /tmp (perf-PID.map) */
	const char *proc_root;      /* NULL: /proc */
	int functions_only;         /* symbolize_functions_only */
};

struct addrname_stats {
	uint64_t kernel_frames;     /* frames in kernel space */
	uint64_t kernel_unnamed;    /* distinct kernel addresses kallsyms could not name */
	int kallsyms_hidden;        /* kallsyms unreadable or its addresses hidden */
	uint64_t unknown_frames;    /* user frames outside any known mapping */
	uint64_t gone_named;        /* addresses in deleted or replaced files, named ... */
	uint64_t gone_unnamed;      /* ... or not (the process had gone too) */
};

struct addrname;

/* Locations are added to prof; mappings are looked up in maps (thread names
 * read from /proc are remembered there).  Neither is owned; both must outlive
 * the namer.  0 or -ENOMEM. */
int addrname_new(const struct addrname_opts *o, struct profile *prof, struct procmap *maps,
		 struct addrname **out);
void addrname_free(struct addrname *a);

/* The location of addr in process pid, named as above.  The caller adjusts a
 * return address (pc - 1) before asking.  The id, or -ENOMEM. */
int64_t addrname_location(struct addrname *a, pid_t pid, uint64_t addr);

/* A location named only name (no mapping, address 0), e.g. for a stack that
 * was not sampled.  The id, or -ENOMEM. */
int64_t addrname_named(struct addrname *a, const char *name);

/* The mapping of pid that covers addr, from the records seen or /proc (read
 * once per process); NULL when none.  Valid as procmap_find's result. */
const struct map *addrname_find_map(struct addrname *a, pid_t pid, uint64_t addr);

/* The profile mapping id of kernel locations, 0 before the first. */
uint64_t addrname_kernel_mapping(const struct addrname *a);

/* Load kallsyms now rather than at the first kernel frame. */
void addrname_preload_kernel(struct addrname *a);

/* Name locations into prof from now on (the agent's next interval): ids
 * remembered for the previous profile are forgotten. */
void addrname_set_profile(struct addrname *a, struct profile *prof);

/* pid has exited and its samples are processed: forget that its /proc maps
 * were read (the pid may come back as another process). */
void addrname_forget(struct addrname *a, pid_t pid);

/* Between intervals: close the ELF files no lookup used since the last call
 * (symbolize_close_idle). */
void addrname_close_idle(struct addrname *a);

/* A file mapped executable (an MMAP2 record): open it now, while it is there,
 * so that its code is named even when it is deleted or replaced and its
 * process has exited before its samples are named (the 64 most recently
 * mapped files are held). */
void addrname_pin(struct addrname *a, const struct map *m);

/* The name of thread tid of process pid ("" when unknown), interned in maps. */
const char *addrname_thread(struct addrname *a, pid_t pid, pid_t tid);

const struct addrname_stats *addrname_stats(const struct addrname *a);

/* The JIT maps' reader, for the maps it refused (jitmap_rejected). */
struct jitmap;
const struct jitmap *addrname_jitmap(const struct addrname *a);

#endif
