/* jitmap.c - see jitmap.h.
 *
 * A map is parsed from a private copy of its text, each line NUL-terminated in
 * place; the entries point into that copy, sorted by start. */
#include "jitmap.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct jit_sym {
	uint64_t start, size;
	size_t name;                 /* offset into text; in file order */
};

struct jitmap_syms {
	char *text;                  /* the map's lines, each NUL-terminated */
	struct jit_sym *syms;
	size_t n, cap;
};

/* One process's map as read last. */
struct jit_proc {
	pid_t pid;
	int present;                 /* the file existed and was read at the last try */
	off_t size;
	struct timespec mtime;
	struct jitmap_syms *syms;    /* NULL until read once */
};

struct jitmap {
	char *dir;
	struct jit_proc *procs;
	size_t n, cap;
};

/* ---- one map ---- */

void jitmap_syms_free(struct jitmap_syms *m)
{
	if (!m)
		return;
	free(m->text);
	free(m->syms);
	free(m);
}

static int jit_cmp(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* One NUL-terminated line of m->text at offset off. */
static int parse_line(struct jitmap_syms *m, size_t off)
{
	const char *line = m->text + off;
	unsigned long long start, size;
	int pos = 0;

	if (sscanf(line, "%llx %llx %n", &start, &size, &pos) < 2 || !pos)
		return 0;
	if (util_grow(&m->syms, &m->cap, m->n + 1, sizeof(*m->syms)) < 0)
		return -ENOMEM;
	m->syms[m->n++] = (struct jit_sym){ start, size, off + (size_t)pos };
	return 0;
}

int jitmap_parse(const char *buf, size_t len, struct jitmap_syms **out)
{
	struct jitmap_syms *m;
	char *p, *end;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m || len == SIZE_MAX || !(m->text = malloc(len + 1)))
		goto nomem;
	memcpy(m->text, buf, len);
	m->text[len] = '\0';
	for (p = m->text, end = p + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl)
			*nl = '\0';
		if (parse_line(m, (size_t)(p - m->text)) < 0)
			goto nomem;
		p = nl ? nl + 1 : end;
	}
	if (m->n > 1)
		qsort(m->syms, m->n, sizeof(*m->syms), jit_cmp);
	*out = m;
	return 0;
nomem:
	jitmap_syms_free(m);
	return -ENOMEM;
}

const char *jitmap_syms_find(const struct jitmap_syms *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;
	const struct jit_sym *s;

	/* The sort keeps file order among equal starts: the last one at or
	 * below addr is the latest line. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &m->syms[lo - 1];
	return addr - s->start < s->size ? m->text + s->name : NULL;
}

/* ---- every process's map ---- */

int jitmap_new(const char *dir, struct jitmap **out)
{
	struct jitmap *jm = calloc(1, sizeof(*jm));

	*out = NULL;
	if (!jm || !(jm->dir = strdup(dir ? dir : "/tmp"))) {
		jitmap_free(jm);
		return -ENOMEM;
	}
	*out = jm;
	return 0;
}

void jitmap_free(struct jitmap *jm)
{
	if (!jm)
		return;
	for (size_t i = 0; i < jm->n; i++)
		jitmap_syms_free(jm->procs[i].syms);
	free(jm->procs);
	free(jm->dir);
	free(jm);
}

static struct jit_proc *proc_get(struct jitmap *jm, pid_t pid)
{
	for (size_t i = 0; i < jm->n; i++)
		if (jm->procs[i].pid == pid)
			return &jm->procs[i];
	if (util_grow(&jm->procs, &jm->cap, jm->n + 1, sizeof(*jm->procs)) < 0)
		return NULL;
	jm->procs[jm->n].pid = pid;
	return &jm->procs[jm->n++];
}

/* Read path into p's entries; on failure p keeps the entries it had. */
static int proc_read(struct jit_proc *p, const char *path)
{
	struct jitmap_syms *syms;
	size_t len;
	char *buf;
	int err;

	err = util_read_file(path, &buf, &len);
	if (err < 0)
		return err;
	err = jitmap_parse(buf, len, &syms);
	free(buf);
	if (err < 0)
		return err;
	jitmap_syms_free(p->syms);
	p->syms = syms;
	return 0;
}

/* Read p's map again when it changed since the last read.  0 or -ENOMEM. */
static int proc_refresh(const struct jitmap *jm, struct jit_proc *p)
{
	struct stat st;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/perf-%d.map", jm->dir, (int)p->pid);
	/* A map that is gone keeps the entries read last (see jitmap.h). */
	if (stat(path, &st) < 0)
		return 0;
	/* The JIT appends as it compiles: read again when the file changed. */
	if (p->present && st.st_size == p->size && st.st_mtim.tv_sec == p->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == p->mtime.tv_nsec)
		return 0;
	err = proc_read(p, path);
	if (err == -ENOMEM)
		return err;
	p->present = err == 0;
	p->size = st.st_size;
	p->mtime = st.st_mtim;
	return 0;
}

int jitmap_lookup(struct jitmap *jm, pid_t pid, uint64_t addr, const char **name)
{
	struct jit_proc *p = proc_get(jm, pid);

	*name = NULL;
	if (!p || proc_refresh(jm, p) < 0)
		return -ENOMEM;
	if (p->syms)
		*name = jitmap_syms_find(p->syms, addr);
	return *name ? 0 : -ENOENT;
}
