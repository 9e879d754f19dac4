/* procmap.c - see procmap.h.
 *
 * Processes sit in an array sorted by pid, each with its mappings sorted by
 * start and never overlapping, so both lookups are binary searches.  Process
 * names sit in a second array sorted by tid.  Paths and names are interned in
 * one string table. */
#include "procmap.h"
#include "hindex.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct proc {
	pid_t pid;
	struct map *maps;
	size_t n, cap;
};

struct comm {
	pid_t tid;
	const char *name;
};

struct procmap {
	struct proc **procs;
	size_t nprocs, proccap;
	struct comm *comms;
	size_t ncomms, commcap;
	struct hindex_strs strs;
};

int procmap_new(struct procmap **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void proc_free(struct proc *p)
{
	if (!p)
		return;
	free(p->maps);
	free(p);
}

void procmap_free(struct procmap *pm)
{
	if (!pm)
		return;
	for (size_t i = 0; i < pm->nprocs; i++)
		proc_free(pm->procs[i]);
	free(pm->procs);
	free(pm->comms);
	hindex_strs_free(&pm->strs);
	free(pm);
}

/* The interned copy of str, or NULL on ENOMEM. */
static const char *intern(struct procmap *pm, const char *str)
{
	return hindex_intern(&pm->strs, str, strlen(str));
}

/* Index of the first process with pid >= the given one. */
static size_t proc_index(const struct procmap *pm, pid_t pid)
{
	size_t lo = 0, hi = pm->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct proc *proc_find(const struct procmap *pm, pid_t pid)
{
	size_t i = proc_index(pm, pid);

	return i < pm->nprocs && pm->procs[i]->pid == pid ? pm->procs[i] : NULL;
}

/* pid's process, created empty when new; NULL on ENOMEM. */
static struct proc *proc_get(struct procmap *pm, pid_t pid)
{
	size_t i = proc_index(pm, pid);
	struct proc *p;

	if (i < pm->nprocs && pm->procs[i]->pid == pid)
		return pm->procs[i];
	if (util_grow(&pm->procs, &pm->proccap, pm->nprocs + 1, sizeof(*pm->procs)) < 0)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	memmove(&pm->procs[i + 1], &pm->procs[i], (pm->nprocs - i) * sizeof(*pm->procs));
	pm->procs[i] = p;
	pm->nprocs++;
	return p;
}

static void proc_remove(struct procmap *pm, pid_t pid)
{
	size_t i = proc_index(pm, pid);

	if (i >= pm->nprocs || pm->procs[i]->pid != pid)
		return;
	proc_free(pm->procs[i]);
	memmove(&pm->procs[i], &pm->procs[i + 1], (pm->nprocs - i - 1) * sizeof(*pm->procs));
	pm->nprocs--;
}

/* Index of the first mapping whose end is above addr. */
static size_t map_index(const struct proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->maps[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int procmap_add(struct procmap *pm, pid_t pid, const struct map *m)
{
	struct map nm = *m, left, right;
	size_t lo, hi, nnew;
	int has_left, has_right;
	struct proc *p;

	if (m->start >= m->end)
		return -EINVAL;
	nm.path = intern(pm, m->path ? m->path : "//anon");
	if (nm.path == NULL)
		return -ENOMEM;
	if (nm.build_id_size > sizeof(nm.build_id))
		nm.build_id_size = sizeof(nm.build_id);
	p = proc_get(pm, pid);
	if (!p)
		return -ENOMEM;

	/* maps[lo, hi) overlap [start, end).  What sticks out of it on
	 * either side survives: a mapping in the middle of an old one splits
	 * it in two (mprotect of a part, a library's segments mapped over a
	 * reserved region). */
	lo = map_index(p, nm.start);
	hi = lo;
	while (hi < p->n && p->maps[hi].start < nm.end)
		hi++;
	has_left = lo < hi && p->maps[lo].start < nm.start;
	has_right = lo < hi && p->maps[hi - 1].end > nm.end;
	if (has_left) {
		left = p->maps[lo];
		left.end = nm.start;
	}
	if (has_right) {
		right = p->maps[hi - 1];
		right.pgoff += nm.end - right.start;
		right.start = nm.end;
	}
	nnew = has_left + 1 + has_right;
	if (util_grow(&p->maps, &p->cap, p->n - (hi - lo) + nnew, sizeof(*p->maps)) < 0)
		return -ENOMEM;
	memmove(&p->maps[lo + nnew], &p->maps[hi], (p->n - hi) * sizeof(*p->maps));
	p->n = p->n - (hi - lo) + nnew;
	if (has_left)
		p->maps[lo++] = left;
	p->maps[lo++] = nm;
	if (has_right)
		p->maps[lo] = right;
	return 0;
}

int procmap_fork(struct procmap *pm, pid_t parent, pid_t child)
{
	struct proc *pp, *cp;
	struct map *copy = NULL;

	if (parent == child)
		return 0;
	pp = proc_find(pm, parent);
	if (!pp || !pp->n) {
		procmap_exit(pm, child);
		return 0;
	}
	copy = malloc(pp->n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, pp->maps, pp->n * sizeof(*copy));
	/* proc_get may move the process array, never a process: pp stays. */
	cp = proc_get(pm, child);
	if (!cp) {
		free(copy);
		return -ENOMEM;
	}
	free(cp->maps);
	cp->maps = copy;
	cp->n = cp->cap = pp->n;
	return 0;
}

void procmap_exec(struct procmap *pm, pid_t pid)
{
	proc_remove(pm, pid);
}

void procmap_exit(struct procmap *pm, pid_t pid)
{
	/* The name stays: samples that raced the EXIT record still get it,
	 * and a reused pid gets a new COMM anyway. */
	proc_remove(pm, pid);
}

const struct map *procmap_find(struct procmap *pm, pid_t pid, uint64_t addr)
{
	const struct proc *p = proc_find(pm, pid);
	size_t i;

	if (!p)
		return NULL;
	i = map_index(p, addr);
	if (i >= p->n || p->maps[i].start > addr || !p->maps[i].exec)
		return NULL;
	return &p->maps[i];
}

int procmap_parse_maps(struct procmap *pm, pid_t pid, const char *buf, size_t len)
{
	const char *end = buf + len, *line = buf;
	char lbuf[4096 + 256];
	int err = 0;

	while (line < end) {
		const char *nl = memchr(line, '\n', end - line);
		size_t ll = (nl ? nl : end) - line;
		unsigned long long start, stop, pgoff, inode;
		char perms[8];
		struct map m;
		int pos = 0;

		/* Longer lines than a path can be are not mappings: skip. */
		if (ll < sizeof(lbuf)) {
			memcpy(lbuf, line, ll);
			lbuf[ll] = '\0';
		} else {
			lbuf[0] = '\0';
		}
		line += ll + (nl != NULL);
		if (sscanf(lbuf, "%llx-%llx %7s %llx %*x:%*x %llu%n", &start, &stop, perms,
			   &pgoff, &inode, &pos) < 5 || !pos || start >= stop)
			continue;
		memset(&m, 0, sizeof(m));
		m.start = start;
		m.end = stop;
		m.pgoff = pgoff;
		m.exec = strchr(perms, 'x') != NULL;
		/* The path is the rest of the line, spaces included. */
		m.path = lbuf + pos + strspn(lbuf + pos, " \t");
		if (!*m.path)
			m.path = "//anon";
		err = procmap_add(pm, pid, &m);
		if (err < 0)
			goto out;
	}
out:
	return err;
}

int procmap_load_proc(struct procmap *pm, pid_t pid, const char *proc_root)
{
	char path[4096], *buf;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/%d/maps", proc_root ? proc_root : "/proc", (int)pid);
	err = util_read_file(path, &buf, &len);
	if (err)
		return err;
	err = procmap_parse_maps(pm, pid, buf, len);
	free(buf);
	return err;
}

static size_t comm_index(const struct procmap *pm, pid_t tid)
{
	size_t lo = 0, hi = pm->ncomms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->comms[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void procmap_set_comm(struct procmap *pm, pid_t tid, const char *comm)
{
	size_t i = comm_index(pm, tid);
	const char *name = intern(pm, comm);

	/* Out of memory: the thread keeps its old name (or none). */
	if (!name)
		return;
	if (i < pm->ncomms && pm->comms[i].tid == tid) {
		pm->comms[i].name = name;
		return;
	}
	if (util_grow(&pm->comms, &pm->commcap, pm->ncomms + 1, sizeof(*pm->comms)) < 0)
		return;
	memmove(&pm->comms[i + 1], &pm->comms[i], (pm->ncomms - i) * sizeof(*pm->comms));
	pm->comms[i] = (struct comm){ tid, name };
	pm->ncomms++;
}

const char *procmap_comm(struct procmap *pm, pid_t tid)
{
	size_t i = comm_index(pm, tid);

	return i < pm->ncomms && pm->comms[i].tid == tid ? pm->comms[i].name : NULL;
}

int procmap_find_proc(const struct procmap *pm, pid_t pid)
{
	return proc_find(pm, pid) != NULL;
}

void procmap_forget_comm(struct procmap *pm, pid_t tid)
{
	size_t i = comm_index(pm, tid);

	if (i >= pm->ncomms || pm->comms[i].tid != tid)
		return;
	memmove(&pm->comms[i], &pm->comms[i + 1], (pm->ncomms - i - 1) * sizeof(*pm->comms));
	pm->ncomms--;
}

size_t procmap_count(const struct procmap *pm, size_t *n_comms)
{
	*n_comms = pm->ncomms;
	return pm->nprocs;
}
