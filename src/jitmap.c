/* jitmap.c - see jitmap.h.
 *
 * A map is parsed from a private copy of its text, each line NUL-terminated in
 * place; the entries point into that copy, sorted by start. */
#include "jitmap.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* User space ends below this on every 64-bit Linux (x86-64 with 5-level
 * pages: 2^56; arm64: 2^52). */
#define USER_END (1ULL << 63)

struct jit_sym {
	uint64_t start;
	uint32_t size;               /* <= JITMAP_MAX_CODE */
	uint32_t name;               /* offset into text (< JITMAP_MAX_SIZE); in file order */
};

struct jitmap_syms {
	char *text;                  /* the map's lines, each NUL-terminated */
	struct jit_sym *syms;
	size_t n, cap;
	size_t skipped;              /* lines that failed the checks */
};

/* Why a map was not read, or read in part. */
enum jit_refusal {
	JIT_OK,
	JIT_SYMLINK,
	JIT_NOT_REGULAR,
	JIT_OWNER,
	JIT_TOO_LARGE,
	JIT_UNREADABLE,
	JIT_LINES,
};

/* One process's map as read last. */
struct jit_proc {
	pid_t pid;
	uid_t uid;                   /* the process's user, with has_uid */
	int has_uid;
	int tried;                   /* the file below was looked at */
	dev_t dev;                   /* the file as last looked at */
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct jitmap_syms *syms;    /* NULL until read once */
	enum jit_refusal why;        /* the first refusal, JIT_OK for none */
	uid_t owner;                 /* JIT_OWNER: the file's */
	int err;                     /* JIT_UNREADABLE: the errno */
	size_t skipped;              /* JIT_LINES: lines skipped in a read */
};

struct jitmap {
	char *dir;
	uid_t self;                  /* the user hwprof runs as */
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

size_t jitmap_syms_skipped(const struct jitmap_syms *m)
{
	return m->skipped;
}

static int jit_cmp(const void *a, const void *b)
{
	const struct jit_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* A hex number (1 to 16 digits, "0x" allowed) at *p followed by one space;
 * *p moves past the space.  0, or -1. */
static int hex_field(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (;; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			break;
		if (digits == 16)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits || *s != ' ')
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

/* A name as a JIT writes one: printable (UTF-8 allowed), not empty, bounded. */
static int name_ok(const char *s)
{
	size_t i = 0;

	for (; s[i]; i++)
		if (i >= JITMAP_MAX_NAME || (unsigned char)s[i] < 32 || s[i] == 127)
			return 0;
	return i > 0;
}

/* One NUL-terminated line of m->text at offset off: 1 when it is an entry
 * (added), 0 when it fails the checks, -ENOMEM. */
static int parse_line(struct jitmap_syms *m, size_t off)
{
	char *line = m->text + off;
	const char *p = line;
	uint64_t start, size;
	size_t len = strlen(line);

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (hex_field(&p, &start) < 0 || hex_field(&p, &size) < 0 || !name_ok(p) ||
	    !size || size > JITMAP_MAX_CODE || start >= USER_END || size > USER_END - start ||
	    m->n >= JITMAP_MAX_ENTRIES)
		return 0;
	if (util_grow(&m->syms, &m->cap, m->n + 1, sizeof(*m->syms)) < 0)
		return -ENOMEM;
	m->syms[m->n++] = (struct jit_sym){ start, (uint32_t)size, (uint32_t)(p - m->text) };
	return 1;
}

int jitmap_parse(const char *buf, size_t len, struct jitmap_syms **out)
{
	struct jitmap_syms *m;
	char *p, *end;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	/* Entries keep 32-bit offsets into the text: no more of it than a file
	 * can have. */
	if (len > JITMAP_MAX_SIZE)
		len = JITMAP_MAX_SIZE;
	if (!m || !(m->text = malloc(len + 1)))
		goto nomem;
	memcpy(m->text, buf, len);
	m->text[len] = '\0';
	for (p = m->text, end = p + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		int r;

		if (nl)
			*nl = '\0';
		r = *p ? parse_line(m, (size_t)(p - m->text)) : 1;
		if (r < 0)
			goto nomem;
		/* A last line without its newline may be half written: not counted. */
		if (r == 0 && nl)
			m->skipped++;
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
	jm->self = geteuid();
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

/* The effective uid of process pid from /proc/PID/status: 0, or -1 when it
 * is gone (or /proc is not there). */
static int proc_uid(pid_t pid, uid_t *uid)
{
	char path[64], line[256];
	unsigned long real, eff;
	int found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu %lu", &real, &eff) == 2) {
			*uid = (uid_t)eff;
			found = 0;
		}
	fclose(f);
	return found;
}

static struct jit_proc *proc_get(struct jitmap *jm, pid_t pid)
{
	struct jit_proc *p;

	for (size_t i = 0; i < jm->n; i++)
		if (jm->procs[i].pid == pid)
			return &jm->procs[i];
	if (util_grow(&jm->procs, &jm->cap, jm->n + 1, sizeof(*jm->procs)) < 0)
		return NULL;
	p = &jm->procs[jm->n++];
	p->pid = pid;
	/* A process gone before its first lookup: root's and our own files only. */
	p->has_uid = proc_uid(pid, &p->uid) == 0;
	return p;
}

/* Remember why p's map was refused (its first refusal only). */
static void refuse(struct jit_proc *p, enum jit_refusal why, const struct stat *st, int err)
{
	if (p->why != JIT_OK)
		return;
	p->why = why;
	p->owner = st ? st->st_uid : 0;
	p->err = err;
}

/* Who may have written a map hwprof trusts: root, hwprof's own user, the
 * process's user.  Anyone else could have put it there to mislead. */
static int owner_ok(const struct jitmap *jm, const struct jit_proc *p, uid_t owner)
{
	return owner == 0 || owner == jm->self || (p->has_uid && owner == p->uid);
}

/* All of the regular file fd (st_size bytes when opened) into *out, *len:
 * 0, -EFBIG when it is (or grew) larger than JITMAP_MAX_SIZE, -errno of read,
 * -ENOMEM. */
static int read_capped(int fd, size_t size, char **out, size_t *len)
{
	size_t cap = size + 1, n = 0;
	char *buf = malloc(cap), *bigger;

	for (;;) {
		ssize_t got;

		if (buf && n == cap && cap <= JITMAP_MAX_SIZE) {
			/* Grown since: a byte past the cap tells it is too large. */
			cap = cap > JITMAP_MAX_SIZE / 2 ? JITMAP_MAX_SIZE + 1 : 2 * cap;
			bigger = realloc(buf, cap);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
		if (!buf)
			return -ENOMEM;
		if (n == cap)
			break;
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return -errno;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > JITMAP_MAX_SIZE) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Whether p's map, opened as fd, may be read: checks on what was opened,
 * not on its name.  0, or the refusal (recorded in p). */
static int check_file(const struct jitmap *jm, struct jit_proc *p, int fd, struct stat *st)
{
	enum jit_refusal why = JIT_OK;

	if (fstat(fd, st) < 0) {
		refuse(p, JIT_UNREADABLE, NULL, errno);
		return JIT_UNREADABLE;
	}
	if (!S_ISREG(st->st_mode))
		why = JIT_NOT_REGULAR;
	else if (!owner_ok(jm, p, st->st_uid))
		why = JIT_OWNER;
	else if (st->st_size > (off_t)JITMAP_MAX_SIZE)
		why = JIT_TOO_LARGE;
	if (why != JIT_OK)
		refuse(p, why, st, 0);
	return why;
}

/* Open and check p's map at path, then read it into p's entries; on any
 * refusal p keeps the entries it had.  0 or -ENOMEM. */
static int proc_read(const struct jitmap *jm, struct jit_proc *p, const char *path)
{
	struct jitmap_syms *syms;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, err;

	/* No symbolic link to follow, no FIFO to wait on. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			refuse(p, JIT_SYMLINK, NULL, 0);
		else if (errno != ENOENT)
			refuse(p, JIT_UNREADABLE, NULL, errno);
		return 0;
	}
	err = check_file(jm, p, fd, &st) ? 0 : read_capped(fd, (size_t)st.st_size, &buf, &len);
	close(fd);
	if (err == -EFBIG)
		refuse(p, JIT_TOO_LARGE, &st, 0);
	else if (err < 0 && err != -ENOMEM)
		refuse(p, JIT_UNREADABLE, &st, -err);
	if (!buf)
		return err == -ENOMEM ? err : 0;
	err = jitmap_parse(buf, len, &syms);
	free(buf);
	if (err < 0)
		return err;
	/* Lines skipped: told once, with the most skipped in one read. */
	if (syms->skipped && (p->why == JIT_OK || p->why == JIT_LINES)) {
		p->why = JIT_LINES;
		if (syms->skipped > p->skipped)
			p->skipped = syms->skipped;
	}
	jitmap_syms_free(p->syms);
	p->syms = syms;
	return 0;
}

/* Read p's map again when it changed since the last look.  0 or -ENOMEM. */
static int proc_refresh(const struct jitmap *jm, struct jit_proc *p)
{
	struct stat st;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/perf-%d.map", jm->dir, (int)p->pid);
	/* A map that is gone keeps the entries read last (see jitmap.h).  lstat:
	 * a cheap look that follows nothing; proc_read checks what it opens. */
	if (lstat(path, &st) < 0)
		return 0;
	/* The JIT appends as it compiles: read again when the file changed.  A
	 * refused file is not looked at again until it changes either. */
	if (p->tried && st.st_dev == p->dev && st.st_ino == p->ino && st.st_size == p->size &&
	    st.st_mtim.tv_sec == p->mtime.tv_sec && st.st_mtim.tv_nsec == p->mtime.tv_nsec)
		return 0;
	p->tried = 1;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->size = st.st_size;
	p->mtime = st.st_mtim;
	err = proc_read(jm, p, path);
	return err == -ENOMEM ? err : 0;
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

int jitmap_rejected(const struct jitmap *jm, size_t i, char *buf, size_t len)
{
	for (size_t k = 0; k < jm->n; k++) {
		const struct jit_proc *p = &jm->procs[k];
		int n;

		if (p->why == JIT_OK)
			continue;
		if (i > 0) {
			i--;
			continue;
		}
		n = snprintf(buf, len, "%s/perf-%d.map: ", jm->dir, (int)p->pid);
		if (n < 0 || (size_t)n >= len)
			return 1;
		buf += n;
		len -= (size_t)n;
		switch (p->why) {
		case JIT_SYMLINK:
			snprintf(buf, len, "a symbolic link; not followed");
			break;
		case JIT_NOT_REGULAR:
			snprintf(buf, len, "not a regular file; not read");
			break;
		case JIT_OWNER:
			snprintf(buf, len, "owned by uid %u, not by root or the process's user; not read",
				 (unsigned)p->owner);
			break;
		case JIT_TOO_LARGE:
			snprintf(buf, len, "larger than %u MiB; not read", JITMAP_MAX_SIZE >> 20);
			break;
		case JIT_UNREADABLE:
			snprintf(buf, len, "%s; not read", strerror(p->err));
			break;
		default:
			snprintf(buf, len, "%zu lines that are not \"START SIZE NAME\" skipped", p->skipped);
			break;
		}
		return 1;
	}
	return 0;
}
