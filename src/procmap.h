/* procmap.h - the address spaces of the profiled processes.
 *
 * Fed from MMAP2, COMM (exec), FORK and EXIT records, and from /proc/PID/maps for a
 * process whose mappings we missed.  Paths are interned and live until procmap_free.
 * Not thread safe. */
#ifndef HWPROF_PROCMAP_H
#define HWPROF_PROCMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map {
	uint64_t start, end;      /* [start, end) */
	uint64_t pgoff;           /* file offset of start */
	const char *path;         /* "[vdso]", "//anon", "/usr/lib/..." */
	uint8_t build_id_size;    /* from MMAP2 when the kernel gives it */
	uint8_t build_id[20];
	int exec;                 /* PROT_EXEC */
};

struct procmap;

int procmap_new(struct procmap **out);
void procmap_free(struct procmap *pm);

/* A new mapping in pid; it replaces whatever it overlaps. 0 or -ENOMEM. */
int procmap_add(struct procmap *pm, pid_t pid, const struct map *m);

/* pid forked child: the child starts with a copy of pid's mappings (threads,
 * child == pid's thread group, need nothing). */
int procmap_fork(struct procmap *pm, pid_t parent, pid_t child);

/* pid called exec: forget its mappings. */
void procmap_exec(struct procmap *pm, pid_t pid);

/* pid exited: forget it. */
void procmap_exit(struct procmap *pm, pid_t pid);

/* Read /proc/PID/maps (proc_root NULL means /proc) into pid's mappings. 0 or -errno. */
int procmap_load_proc(struct procmap *pm, pid_t pid, const char *proc_root);

/* The same from the text of a maps file (buf, len; need not be NUL-terminated).
 * Lines that do not parse are skipped.  0 or -ENOMEM. */
int procmap_parse_maps(struct procmap *pm, pid_t pid, const char *buf, size_t len);

/* The executable mapping of pid that covers addr, or NULL.  The pointer is
 * valid until the next add/fork/exec/exit/load for that pid. */
const struct map *procmap_find(struct procmap *pm, pid_t pid, uint64_t addr);

/* Whether pid has mappings here. */
int procmap_find_proc(const struct procmap *pm, pid_t pid);

/* Forget thread tid's name (it exited and its samples are processed). */
void procmap_forget_comm(struct procmap *pm, pid_t tid);

/* Processes and thread names held (to check that they are freed). */
size_t procmap_count(const struct procmap *pm, size_t *n_comms);

/* Process name last seen in COMM, or NULL. */
void procmap_set_comm(struct procmap *pm, pid_t tid, const char *comm);
const char *procmap_comm(struct procmap *pm, pid_t tid);

#endif
