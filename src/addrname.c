/* addrname.c - see addrname.h. */
#include "addrname.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"
#include "util.h"
#include "vdso.h"

/* x86-64 and arm64 kernels live in the top half of the address space. */
#define KERNEL_START 0xffff800000000000ULL

/* A profile mapping already named for a procmap mapping: the frames of a
 * sample hit a few mappings over and over, and naming one costs its build id
 * in hex and hashing its path. */
#define MAPPING_CACHE 64

/* Executable files held open from their MMAP2 record (addrname_pin), the
 * least recently mapped closed first: one open(2) each, read only when the
 * file is gone from its path and its process too. */
#define PINS 64

struct pin {
	char *path;                 /* NULL: empty */
	int fd;
	uint64_t used;
	char build_id[48];          /* hex, "" when the record had none */
};

struct mapping_slot {
	uint64_t start, end, pgoff;
	const char *path;           /* procmap's interned path: compared by pointer */
	int64_t id;                 /* 0: empty */
	char build_id[48];
};

struct addrname {
	struct addrname_opts opts;
	struct profile *prof;
	struct procmap *maps;
	struct symbolizer *sym;
	struct addrname_stats stats;
	int64_t kernel_mapping;     /* 0 until the first kernel frame */
	int vdso_fd;                /* our vDSO image (vdso.h), -1 until needed */
	struct mapping_slot mcache[MAPPING_CACHE];
	pid_t *proc_loaded;         /* pids whose /proc/PID/maps we read (until they exit) */
	size_t n_proc_loaded, proc_loaded_cap;
	struct pin pins[PINS];
	uint64_t pin_tick;
};

int addrname_new(const struct addrname_opts *o, struct profile *prof, struct procmap *maps,
		 struct addrname **out)
{
	struct addrname *a = calloc(1, sizeof(*a));
	int err;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->opts = *o;
	a->prof = prof;
	a->maps = maps;
	a->vdso_fd = -1;
	err = symbolize_new(o->kallsyms_path, o->jit_dir, &a->sym);
	if (err >= 0 && o->functions_only)
		symbolize_functions_only(a->sym);
	if (err < 0) {
		addrname_free(a);
		return err;
	}
	*out = a;
	return 0;
}

void addrname_free(struct addrname *a)
{
	if (!a)
		return;
	if (a->vdso_fd >= 0)
		close(a->vdso_fd);
	for (size_t i = 0; i < PINS; i++)
		if (a->pins[i].path) {
			close(a->pins[i].fd);
			free(a->pins[i].path);
		}
	symbolize_free(a->sym);
	free(a->proc_loaded);
	free(a);
}

void addrname_preload_kernel(struct addrname *a)
{
	symbolize_kernel_available(a->sym);   /* loads kallsyms */
}

uint64_t addrname_kernel_mapping(const struct addrname *a)
{
	return a->kernel_mapping > 0 ? (uint64_t)a->kernel_mapping : 0;
}

const struct addrname_stats *addrname_stats(const struct addrname *a)
{
	return &a->stats;
}

const struct jitmap *addrname_jitmap(const struct addrname *a)
{
	return symbolize_jitmap(a->sym);
}

void addrname_set_profile(struct addrname *a, struct profile *prof)
{
	a->prof = prof;
	a->kernel_mapping = 0;
	memset(a->mcache, 0, sizeof(a->mcache));
}

void addrname_close_idle(struct addrname *a)
{
	symbolize_close_idle(a->sym);
}

void addrname_forget(struct addrname *a, pid_t pid)
{
	for (size_t i = 0; i < a->n_proc_loaded; i++)
		if (a->proc_loaded[i] == pid) {
			a->proc_loaded[i] = a->proc_loaded[--a->n_proc_loaded];
			return;
		}
}

static void hex_build_id(const uint8_t *id, size_t n, char *buf)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[id[i] >> 4];
		buf[2 * i + 1] = digits[id[i] & 15];
	}
	buf[2 * n] = '\0';
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* A location named by where it is when nothing better is known. */
static int64_t fallback_location(struct addrname *a, int64_t mapping, uint64_t addr,
				 const char *fmt_name)
{
	int64_t fn = profile_function(a->prof, fmt_name, fmt_name, "", 0);
	struct profile_line line = { 0 };

	if (fn < 0)
		return fn;
	line.function_id = (uint64_t)fn;
	return profile_location(a->prof, (uint64_t)(mapping > 0 ? mapping : 0), addr, &line, 1);
}

int64_t addrname_named(struct addrname *a, const char *name)
{
	return fallback_location(a, 0, 0, name);
}

static int64_t location_from_symbols(struct addrname *a, int64_t mapping, uint64_t addr,
				     const struct sym_result *res)
{
	struct profile_line lines[SYM_MAX_FRAMES];

	for (size_t i = 0; i < res->n; i++) {
		const struct sym_frame *f = &res->frames[i];
		int64_t fn = profile_function(a->prof, f->function, f->system_name, f->file, 0);

		if (fn < 0)
			return fn;
		lines[i].function_id = (uint64_t)fn;
		lines[i].line = f->line;
	}
	return profile_location(a->prof, (uint64_t)mapping, addr, lines, res->n);
}

static int64_t kernel_location(struct addrname *a, uint64_t addr)
{
	struct sym_result res;
	uint64_t found;
	char name[64];

	a->stats.kernel_frames++;
	if (!a->kernel_mapping) {
		a->kernel_mapping = profile_mapping(a->prof, KERNEL_START, UINT64_MAX, 0,
						    "[kernel.kallsyms]", "");
		if (a->kernel_mapping < 0)
			return a->kernel_mapping;
	}
	found = profile_find_location(a->prof, (uint64_t)a->kernel_mapping, addr);
	if (found)
		return (int64_t)found;
	if (symbolize_lookup_kernel(a->sym, addr, &res) == 0 && res.n > 0)
		return location_from_symbols(a, a->kernel_mapping, addr, &res);
	a->stats.kernel_unnamed++;
	a->stats.kallsyms_hidden = !symbolize_kernel_available(a->sym);
	snprintf(name, sizeof(name), "[kernel]+0x%llx", (unsigned long long)addr);
	return fallback_location(a, a->kernel_mapping, addr, name);
}

static int proc_loaded(struct addrname *a, pid_t pid)
{
	for (size_t i = 0; i < a->n_proc_loaded; i++)
		if (a->proc_loaded[i] == pid)
			return 1;
	if (util_grow(&a->proc_loaded, &a->proc_loaded_cap, a->n_proc_loaded + 1,
		      sizeof(*a->proc_loaded)) == 0)
		a->proc_loaded[a->n_proc_loaded++] = pid;
	return 0;
}

const struct map *addrname_find_map(struct addrname *a, pid_t pid, uint64_t addr)
{
	const struct map *m = procmap_find(a->maps, pid, addr);

	/* A process whose mappings we missed (it was running before us): ask /proc once. */
	if (!m && !proc_loaded(a, pid) &&
	    procmap_load_proc(a->maps, pid, a->opts.proc_root) == 0)
		m = procmap_find(a->maps, pid, addr);
	return m;
}

static int is_anon(const char *path)
{
	return !path[0] || strncmp(path, "//anon", 6) == 0 || strncmp(path, "[anon", 5) == 0 ||
	       strncmp(path, "/memfd:", 7) == 0 || strcmp(path, "[heap]") == 0;
}

static const struct mapping_slot *mapping_of(struct addrname *a, const struct map *m)
{
	struct mapping_slot *slot = &a->mcache[((m->start >> 12) ^ ((uintptr_t)m->path >> 4)) %
					       MAPPING_CACHE];

	if (slot->id > 0 && slot->start == m->start && slot->end == m->end &&
	    slot->pgoff == m->pgoff && slot->path == m->path)
		return slot;
	slot->build_id[0] = '\0';
	if (m->build_id_size)
		hex_build_id(m->build_id, m->build_id_size, slot->build_id);
	else if (m->path[0] == '/' && !is_anon(m->path))
		symbolize_build_id(a->sym, m->path, slot->build_id, sizeof(slot->build_id));
	slot->id = profile_mapping(a->prof, m->start, m->end, m->pgoff, m->path, slot->build_id);
	if (slot->id < 0) {
		slot->id = 0;
		return NULL;
	}
	slot->start = m->start;
	slot->end = m->end;
	slot->pgoff = m->pgoff;
	slot->path = m->path;
	return slot;
}

/* Whether the file at m's path is not the one mapped: deleted since (the
 * kernel says " (deleted)" in /proc/PID/maps, and the open fails), or replaced
 * by another build (its build id is not the mapping's). */
static int file_gone(struct addrname *a, const struct map *m, const char *build_id)
{
	char now[48] = "";
	size_t len = strlen(m->path);

	if (len > 10 && strcmp(m->path + len - 10, " (deleted)") == 0)
		return 1;
	if (symbolize_build_id(a->sym, m->path, now, sizeof(now)) == -ENOENT)
		return 1;
	return build_id[0] && now[0] && strcmp(now, build_id) != 0;
}

/* The pin of m's file (its path without " (deleted)", the same build id
 * when both are known), or NULL. */
static const struct pin *pinned(struct addrname *a, const struct map *m, const char *build_id)
{
	size_t len = strcspn(m->path, " ");

	for (size_t i = 0; i < PINS; i++) {
		const struct pin *p = &a->pins[i];

		if (p->path && strlen(p->path) == len && !strncmp(p->path, m->path, len) &&
		    (!p->build_id[0] || !build_id[0] || !strcmp(p->build_id, build_id)))
			return p;
	}
	return NULL;
}

/* The file mapped at m in process pid, deleted or replaced at its path: the
 * kernel still holds it, as /proc/PID/map_files/START-END while pid lives
 * (CAP_SYS_ADMIN).  0 or -errno (then it is counted: the report says so). */
static int lookup_gone(struct addrname *a, pid_t pid, const struct map *m, const char *build_id,
		       uint64_t file_off, struct sym_result *res)
{
	const struct pin *pin;
	char path[128];
	int err;

	snprintf(path, sizeof(path), "%s/%d/map_files/%llx-%llx",
		 a->opts.proc_root ? a->opts.proc_root : "/proc", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	err = symbolize_lookup_file(a->sym, path, "", file_off, res);
	/* The process has gone too: the copy held open since it was mapped. */
	if ((err < 0 || !res->n) && (pin = pinned(a, m, build_id))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", pin->fd);
		err = symbolize_lookup_file(a->sym, path, "", file_off, res);
	}
	if (err < 0 || !res->n)
		a->stats.gone_unnamed++;
	else
		a->stats.gone_named++;
	return err;
}

/* The symbols of addr in mapping m (an ELF file, our vDSO image or JIT code)
 * into *res; res->n is 0 when nothing names it. */
static void lookup_mapped(struct addrname *a, pid_t pid, const struct map *m,
			  const struct mapping_slot *slot, uint64_t addr, struct sym_result *res)
{
	uint64_t file_off = addr - m->start + m->pgoff;
	int err = -ENOENT;

	if (is_anon(m->path)) {
		err = symbolize_lookup_jit(a->sym, pid, addr, res);
	} else if (m->path[0] == '/' && file_gone(a, m, slot->build_id)) {
		err = lookup_gone(a, pid, m, slot->build_id, file_off, res);
	} else if (m->path[0] == '/') {
		err = symbolize_lookup_file(a->sym, m->path, slot->build_id, file_off, res);
	} else if (strcmp(m->path, "[vdso]") == 0) {
		char self[64];
		int fd = vdso_image_fd(&a->vdso_fd);

		/* The program's vDSO is ours: name its frames from our copy. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (fd >= 0)
			err = symbolize_lookup_file(a->sym, self, "", file_off, res);
	}
	if (err < 0)
		res->n = 0;
}

static int64_t user_location(struct addrname *a, pid_t pid, uint64_t addr)
{
	const struct map *m = addrname_find_map(a, pid, addr);
	struct sym_result res = { 0 };
	const struct mapping_slot *slot;
	char name[512];
	uint64_t found;

	if (!m) {
		a->stats.unknown_frames++;
		if (symbolize_lookup_jit(a->sym, pid, addr, &res) == 0 && res.n > 0)
			return location_from_symbols(a, 0, addr, &res);
		return fallback_location(a, 0, addr, "[unknown]");
	}
	slot = mapping_of(a, m);
	if (!slot)
		return -ENOMEM;
	found = profile_find_location(a->prof, (uint64_t)slot->id, addr);
	if (found)
		return (int64_t)found;
	lookup_mapped(a, pid, m, slot, addr, &res);
	if (res.n > 0)
		return location_from_symbols(a, slot->id, addr, &res);
	snprintf(name, sizeof(name), "%s+0x%llx", base_name(m->path),
		 (unsigned long long)(addr - m->start + m->pgoff));
	return fallback_location(a, slot->id, addr, name);
}

int64_t addrname_location(struct addrname *a, pid_t pid, uint64_t addr)
{
	return addr >= KERNEL_START ? kernel_location(a, addr) : user_location(a, pid, addr);
}

void addrname_pin(struct addrname *a, const struct map *m)
{
	char id[48] = "";
	struct pin *lru = &a->pins[0];
	int fd;

	if (m->path[0] != '/' || is_anon(m->path))
		return;
	if (m->build_id_size)
		hex_build_id(m->build_id, m->build_id_size, id);
	for (size_t i = 0; i < PINS; i++) {
		struct pin *p = &a->pins[i];

		if (p->path && !strcmp(p->path, m->path) && !strcmp(p->build_id, id)) {
			p->used = ++a->pin_tick;
			return;
		}
		if (!p->path || (lru->path && p->used < lru->used))
			lru = p;
	}
	fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (lru->path) {
		close(lru->fd);
		free(lru->path);
	}
	lru->path = strdup(m->path);
	if (!lru->path) {
		close(fd);
		return;
	}
	lru->fd = fd;
	lru->used = ++a->pin_tick;
	snprintf(lru->build_id, sizeof(lru->build_id), "%s", id);
}

const char *addrname_thread(struct addrname *a, pid_t pid, pid_t tid)
{
	const char *c = procmap_comm(a->maps, tid);
	char path[96], buf[64] = "";
	FILE *f;

	if (c)
		return c;
	/* No COMM record seen for this thread: ask /proc once, and remember the
	 * answer (the process's name when the thread is gone) for its next samples. */
	snprintf(path, sizeof(path), "%s/%d/task/%d/comm",
		 a->opts.proc_root ? a->opts.proc_root : "/proc", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0] && (c = procmap_comm(a->maps, pid)))
		snprintf(buf, sizeof(buf), "%s", c);
	procmap_set_comm(a->maps, tid, buf);
	c = procmap_comm(a->maps, tid);
	return c ? c : "";
}
