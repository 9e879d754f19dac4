/* recorder.c - see recorder.h. */
#include "recorder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "groupread.h"
#include "offcpu.h"
#include "procmap.h"
#include "vdso.h"
#include "spanjoin.h"
#include "symbolize.h"
#include "timeline.h"
#include "unwind.h"
#include "util.h"

#define MAX_FRAMES 512
/* x86-64 and arm64 kernels live in the top half of the address space. */
#define KERNEL_START 0xffff800000000000ULL

struct queued {
	size_t off;
	uint32_t len;
	uint64_t time;
	uint64_t seq;       /* arrival order: keeps the sort stable */
};

/* A profile mapping already named for a procmap mapping: the frames of a
 * sample hit a few mappings over and over, and naming one costs its build id
 * in hex and hashing its path. */
#define MAPPING_CACHE 64

struct mapping_slot {
	uint64_t start, end, pgoff;
	const char *path;           /* procmap's interned path: compared by pointer */
	int64_t id;                 /* 0: empty */
	char build_id[48];
};

struct recorder {
	struct recorder_opts opts;
	struct profile *prof;
	struct procmap *maps;
	struct symbolizer *sym;
	struct unwinder *unw;       /* created with the first sample that has registers */
	struct groupread *groups;   /* last member counts, with group sampling */
	struct spanjoin *spans;        /* the program's spans (recorder_set_spans), or NULL */
	struct recorder_stats stats;
	recorder_event_of_fn event_of;
	const void *event_ctx;
	int64_t kernel_mapping;     /* 0 until the first kernel frame */
	struct offcpu *off;         /* --off-cpu: threads switched out */
	struct timeline *timeline;
	int offcpu_type, wall_type; /* their sample types (0: none) */
	uint64_t last_time;         /* of the last record, to close open waits at */

	char *arena;                /* queued raw records */
	size_t arena_len, arena_cap;
	struct queued *queue;
	size_t n_queued, queue_cap;
	struct queued *merged;      /* recorder_flush's merge buffer, as big as queue */
	size_t merged_cap;
	uint64_t seq;

	struct mapping_slot mcache[MAPPING_CACHE];
	uint8_t *loc_state;         /* 1 + offcpu_state of a kernel location, by id */
	int vdso_fd;                /* our vDSO image (vdso.h), -1 until needed */
	size_t loc_state_cap;
	pid_t *proc_loaded;         /* pids whose /proc/PID/maps we read */
	size_t n_proc_loaded, proc_loaded_cap;
};

int recorder_new(const struct recorder_opts *o, struct recorder **out)
{
	struct recorder *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = *o;
	r->vdso_fd = -1;
	err = profile_new(&r->prof);
	if (err < 0)
		goto fail;
	err = procmap_new(&r->maps);
	if (err < 0)
		goto fail;
	err = symbolize_new(o->kallsyms_path, o->jit_dir, &r->sym);
	if (err < 0)
		goto fail;
	err = profile_add_type(r->prof, "samples", "count");
	for (size_t i = 0; err >= 0 && i < o->events->n; i++)
		err = profile_add_type(r->prof, o->events->ev[i].sample_type, o->events->ev[i].unit);
	if (err >= 0 && o->offcpu_event)
		err = r->offcpu_type = profile_add_type(r->prof, "off-cpu", "nanoseconds");
	if (err >= 0 && o->offcpu_event && o->wall)
		err = r->wall_type = profile_add_type(r->prof, "wall", "nanoseconds");
	if (err >= 0 && o->offcpu_event)
		err = offcpu_new(&r->off);
	if (err >= 0 && o->offcpu_event && o->timeline)
		err = timeline_new(&r->timeline);
	if (err < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	recorder_free(r);
	return err;
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	profile_free(r->prof);
	offcpu_free(r->off);
	timeline_free(r->timeline);
	unwind_free(r->unw);
	groupread_free(r->groups);
	if (r->vdso_fd >= 0)
		close(r->vdso_fd);
	free(r->loc_state);
	procmap_free(r->maps);
	symbolize_free(r->sym);
	free(r->arena);
	free(r->queue);
	free(r->merged);
	free(r->proc_loaded);
	free(r);
}

void recorder_preload_kernel(struct recorder *r)
{
	symbolize_kernel_available(r->sym);   /* loads kallsyms */
}

void recorder_set_spans(struct recorder *r, struct spanjoin *spans)
{
	r->spans = spans;
}

void recorder_set_event_map(struct recorder *r, recorder_event_of_fn fn, const void *ctx)
{
	r->event_of = fn;
	r->event_ctx = ctx;
}

struct profile *recorder_profile(struct recorder *r)
{
	return r->prof;
}

const struct recorder_stats *recorder_stats(const struct recorder *r)
{
	return &r->stats;
}

int recorder_queue(const void *buf, size_t len, void *ctx)
{
	struct recorder *r = ctx;
	struct queued *q;

	if (util_grow(&r->arena, &r->arena_cap, r->arena_len + len, 1) < 0 ||
	    util_grow(&r->queue, &r->queue_cap, r->n_queued + 1, sizeof(*r->queue)) < 0)
		return -ENOMEM;
	memcpy(r->arena + r->arena_len, buf, len);
	q = &r->queue[r->n_queued++];
	q->off = r->arena_len;
	q->len = (uint32_t)len;
	q->seq = r->seq++;
	/* Records without a time (malformed ones among them) sort first. */
	if (perfrec_time(r->opts.fmt, buf, len, &q->time) < 0)
		q->time = 0;
	r->arena_len += len;
	return 0;
}

static int cmp_queued(const struct queued *x, const struct queued *y)
{
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The end of the ascending run of q that starts at i. */
static size_t run_end(const struct queued *q, size_t i, size_t n)
{
	while (++i < n && cmp_queued(&q[i - 1], &q[i]) <= 0)
		;
	return i;
}

/* Merge the ascending runs q[a..mid) and q[mid..end) into out; stable. */
static struct queued *merge_runs(const struct queued *q, size_t a, size_t mid, size_t end,
				 struct queued *out)
{
	size_t b = mid;

	while (a < mid && b < end)
		*out++ = cmp_queued(&q[b], &q[a]) < 0 ? q[b++] : q[a++];
	memcpy(out, &q[a], (mid - a) * sizeof(*q));
	out += mid - a;
	memcpy(out, &q[b], (end - b) * sizeof(*q));
	return out + (end - b);
}

/* Sort the queue by time.  It holds one run per ring, each in time order but
 * for the odd record: merging the ascending runs pairwise takes a pass or two
 * over the batch, where qsort took log2(n) of them (and the most CPU of a flush). */
static int sort_queue(struct recorder *r)
{
	size_t n = r->n_queued, runs, cap;
	struct queued *tmp;

	if (run_end(r->queue, 0, n) >= n)
		return 0;
	if (util_grow(&r->merged, &r->merged_cap, n, sizeof(*r->merged)) < 0)
		return -ENOMEM;
	do {
		struct queued *out = r->merged;

		runs = 0;
		for (size_t i = 0, mid, end; i < n; i = end, runs++) {
			mid = run_end(r->queue, i, n);
			end = mid < n ? run_end(r->queue, mid, n) : n;
			out = merge_runs(r->queue, i, mid, end, out);
		}
		tmp = r->queue;
		r->queue = r->merged;
		r->merged = tmp;
		cap = r->queue_cap;
		r->queue_cap = r->merged_cap;
		r->merged_cap = cap;
	} while (runs > 1);
	return 0;
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
static int64_t fallback_location(struct recorder *r, int64_t mapping, uint64_t addr,
				 const char *fmt_name)
{
	int64_t fn = profile_function(r->prof, fmt_name, fmt_name, "", 0);
	struct profile_line line = { 0 };

	if (fn < 0)
		return fn;
	line.function_id = (uint64_t)fn;
	return profile_location(r->prof, (uint64_t)(mapping > 0 ? mapping : 0), addr, &line, 1);
}

static int64_t location_from_symbols(struct recorder *r, int64_t mapping, uint64_t addr,
				     const struct sym_result *res)
{
	struct profile_line lines[SYM_MAX_FRAMES];

	for (size_t i = 0; i < res->n; i++) {
		const struct sym_frame *f = &res->frames[i];
		int64_t fn = profile_function(r->prof, f->function, f->system_name, f->file, 0);

		if (fn < 0)
			return fn;
		lines[i].function_id = (uint64_t)fn;
		lines[i].line = f->line;
	}
	return profile_location(r->prof, (uint64_t)mapping, addr, lines, res->n);
}

static int64_t kernel_location(struct recorder *r, uint64_t addr)
{
	struct sym_result res;
	uint64_t found;
	char name[64];

	r->stats.kernel_frames++;
	if (!r->kernel_mapping) {
		r->kernel_mapping = profile_mapping(r->prof, KERNEL_START, UINT64_MAX, 0,
						    "[kernel.kallsyms]", "");
		if (r->kernel_mapping < 0)
			return r->kernel_mapping;
	}
	found = profile_find_location(r->prof, (uint64_t)r->kernel_mapping, addr);
	if (found)
		return (int64_t)found;
	if (symbolize_lookup_kernel(r->sym, addr, &res) == 0 && res.n > 0)
		return location_from_symbols(r, r->kernel_mapping, addr, &res);
	r->stats.kernel_unnamed++;
	r->stats.kallsyms_hidden = !symbolize_kernel_available(r->sym);
	snprintf(name, sizeof(name), "[kernel]+0x%llx", (unsigned long long)addr);
	return fallback_location(r, r->kernel_mapping, addr, name);
}

static int proc_loaded(struct recorder *r, pid_t pid)
{
	for (size_t i = 0; i < r->n_proc_loaded; i++)
		if (r->proc_loaded[i] == pid)
			return 1;
	if (util_grow(&r->proc_loaded, &r->proc_loaded_cap, r->n_proc_loaded + 1,
		      sizeof(*r->proc_loaded)) == 0)
		r->proc_loaded[r->n_proc_loaded++] = pid;
	return 0;
}

static const struct map *find_map(struct recorder *r, pid_t pid, uint64_t addr)
{
	const struct map *m = procmap_find(r->maps, pid, addr);

	/* A process whose mappings we missed (it was running before us): ask /proc once. */
	if (!m && !proc_loaded(r, pid) &&
	    procmap_load_proc(r->maps, pid, r->opts.proc_root) == 0)
		m = procmap_find(r->maps, pid, addr);
	return m;
}

static int is_anon(const char *path)
{
	return !path[0] || strncmp(path, "//anon", 6) == 0 || strncmp(path, "[anon", 5) == 0 ||
	       strncmp(path, "/memfd:", 7) == 0 || strcmp(path, "[heap]") == 0;
}

static const struct mapping_slot *mapping_of(struct recorder *r, const struct map *m)
{
	struct mapping_slot *slot = &r->mcache[((m->start >> 12) ^ ((uintptr_t)m->path >> 4)) %
					       MAPPING_CACHE];

	if (slot->id > 0 && slot->start == m->start && slot->end == m->end &&
	    slot->pgoff == m->pgoff && slot->path == m->path)
		return slot;
	slot->build_id[0] = '\0';
	if (m->build_id_size)
		hex_build_id(m->build_id, m->build_id_size, slot->build_id);
	else if (m->path[0] == '/' && !is_anon(m->path))
		symbolize_build_id(r->sym, m->path, slot->build_id, sizeof(slot->build_id));
	slot->id = profile_mapping(r->prof, m->start, m->end, m->pgoff, m->path, slot->build_id);
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

static int64_t user_location(struct recorder *r, pid_t pid, uint64_t addr)
{
	const struct map *m = find_map(r, pid, addr);
	struct sym_result res = { 0 };
	const struct mapping_slot *slot;
	const char *build_id;
	char name[512];
	int64_t mapping;
	uint64_t found, file_off;

	if (!m) {
		r->stats.unknown_frames++;
		if (symbolize_lookup_jit(r->sym, pid, addr, &res) == 0 && res.n > 0)
			return location_from_symbols(r, 0, addr, &res);
		return fallback_location(r, 0, addr, "[unknown]");
	}
	slot = mapping_of(r, m);
	if (!slot)
		return -ENOMEM;
	mapping = slot->id;
	build_id = slot->build_id;
	found = profile_find_location(r->prof, (uint64_t)mapping, addr);
	if (found)
		return (int64_t)found;
	file_off = addr - m->start + m->pgoff;
	if (is_anon(m->path)) {
		if (symbolize_lookup_jit(r->sym, pid, addr, &res) == 0 && res.n > 0)
			return location_from_symbols(r, mapping, addr, &res);
	} else if (m->path[0] == '/') {
		if (symbolize_lookup_file(r->sym, m->path, build_id, file_off, &res) == 0 && res.n > 0)
			return location_from_symbols(r, mapping, addr, &res);
	} else if (strcmp(m->path, "[vdso]") == 0) {
		char self[64];
		int fd = vdso_image_fd(&r->vdso_fd);

		/* The program's vDSO is ours: name its frames from our copy. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (fd >= 0 && symbolize_lookup_file(r->sym, self, "", file_off, &res) == 0 &&
		    res.n > 0)
			return location_from_symbols(r, mapping, addr, &res);
	}
	snprintf(name, sizeof(name), "%s+0x%llx", base_name(m->path), (unsigned long long)file_off);
	return fallback_location(r, mapping, addr, name);
}

static const char *thread_name(struct recorder *r, pid_t pid, pid_t tid)
{
	const char *c = procmap_comm(r->maps, tid);
	char path[96], buf[64] = "";
	FILE *f;

	if (c)
		return c;
	/* No COMM record seen for this thread: ask /proc once, and remember the
	 * answer (the process's name when the thread is gone) for its next samples. */
	snprintf(path, sizeof(path), "%s/%d/task/%d/comm",
		 r->opts.proc_root ? r->opts.proc_root : "/proc", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0] && (c = procmap_comm(r->maps, pid)))
		snprintf(buf, sizeof(buf), "%s", c);
	procmap_set_comm(r->maps, tid, buf);
	c = procmap_comm(r->maps, tid);
	return c ? c : "";
}

static const struct map *unwind_find_map(void *ctx, pid_t pid, uint64_t addr)
{
	return find_map(ctx, pid, addr);
}

/* The sample's user registers and stack copy for unwind.c; 0, or -ENOENT when
 * it has none (a kernel thread, a 32-bit process) and -ENOMEM. */
static int unwind_sample_of(struct recorder *r, const struct perfrec_sample *s, struct unwind_sample *us)
{
	int err;

	if (s->regs_user_abi != PERF_SAMPLE_REGS_ABI_64 || !s->regs_user_nr)
		return -ENOENT;
	if (!r->unw && (err = unwind_new(unwind_find_map, r, &r->unw)) < 0)
		return err;
	memset(us, 0, sizeof(*us));
	us->pid = (pid_t)s->pid;
	us->tid = (pid_t)s->tid;
	us->regs_mask = r->opts.fmt->regs_user_mask;
	us->regs = s->regs_user;
	us->nregs = s->regs_user_nr;
	us->stack = s->stack_user;
	us->stack_size = s->stack_user_size ? s->stack_user_dyn_size : 0;
	return 0;
}

/* Append the DWARF-unwound user frames of s to locs[0..*n). */
static int add_dwarf_frames(struct recorder *r, const struct perfrec_sample *s, uint64_t *locs, size_t *n)
{
	uint64_t pcs[MAX_FRAMES];
	struct unwind_sample us;
	size_t npcs = 0;
	int c;

	c = unwind_sample_of(r, s, &us);
	if (c == -ENOENT)
		return 0;
	if (c < 0 || *n >= MAX_FRAMES)
		return c;
	c = unwind_dwarf(r->unw, &us, pcs, MAX_FRAMES - *n, &npcs);
	if (c < 0)
		return 0;
	r->stats.dwarf_samples++;
	if (s->stack_user_size && s->stack_user_dyn_size == s->stack_user_size)
		r->stats.stack_cut++;
	if (!c)
		r->stats.unwind_partial++;
	for (size_t i = 0; i < npcs; i++) {
		uint64_t pc = pcs[i];
		int64_t id;

		/* Under kernel frames the user pc is where the system call returns
		 * to; like every return address, its call is the instruction before.
		 * unwind_dwarf already adjusted the others. */
		if (i == 0 && *n > 0 && pc > 0)
			pc--;
		id = pc >= KERNEL_START ? kernel_location(r, pc) : user_location(r, (pid_t)s->pid, pc);
		if (id < 0)
			return (int)id;
		locs[(*n)++] = (uint64_t)id;
	}
	return 0;
}

/* The caller of a frameless sampled function, missing from the kernel's
 * frame-pointer chain (unwind_leaf_caller); 0 when none is missing. */
static uint64_t leaf_caller(struct recorder *r, const struct perfrec_sample *s)
{
	struct unwind_sample us;
	uint64_t ret;

	if (unwind_sample_of(r, s, &us) < 0 || unwind_leaf_caller(r->unw, &us, &ret) != 1)
		return 0;
	r->stats.leaf_callers++;
	return ret;
}

/* A leader's sample reads its group: each member's increase since this
 * thread's previous sample belongs to this sample's stack. */
static int add_group_reads(struct recorder *r, const struct perfrec_sample *s, int ev, int64_t *values)
{
	int err;

	if (!r->groups && (err = groupread_new(&r->groups)) < 0)
		return err;
	for (uint64_t i = 0; i < s->read.nr; i++) {
		const struct perfrec_read_value *v = &s->read.values[i];
		int member = r->event_of ? r->event_of(r->event_ctx, v->id) : -1;
		uint64_t delta;

		if (member < 0 || member == ev || 1 + (size_t)member >= r->prof->n_types)
			continue;
		err = groupread_delta(r->groups, s->tid, v->id, v->value, &delta);
		if (err < 0)
			return err;
		values[1 + member] += (int64_t)delta;
	}
	return 0;
}

/* A sample (or an off-CPU wait) of thread tid at `time` into the profile;
 * inside a span of the program, through spanjoin.c, which labels it (and may hold
 * it until the span ends). */
static int add_sample(struct recorder *r, uint32_t tid, uint64_t time, const uint64_t *locs, size_t n,
		      const struct profile_label *labels, size_t n_labels, const int64_t *values)
{
	if (r->spans)
		return spanjoin_add_sample(r->spans, r->prof, tid, time, locs, n, labels, n_labels, values);
	return profile_add_sample(r->prof, locs, n, labels, n_labels, values);
}

/* ---- off-CPU time (offcpu.h) and the timeline (timeline.h) ---- */

/* What one kernel location suggests (OFFCPU_LOCK, _IO or _SLEEPING), cached by
 * location id: a thread switches out through the same few kernel paths
 * thousands of times a second. */
static int location_state(struct recorder *r, uint64_t id, enum offcpu_state *st)
{
	const struct profile_location *l;
	const char *fns[SYM_MAX_FRAMES];
	size_t k = 0;

	if (id < r->loc_state_cap && r->loc_state[id]) {
		*st = (enum offcpu_state)(r->loc_state[id] - 1);
		return 0;
	}
	l = profile_get_location(r->prof, id);
	for (size_t j = 0; l && j < l->n_lines && k < SYM_MAX_FRAMES; j++) {
		const struct profile_function *f = profile_get_function(r->prof, l->lines[j].function_id);

		if (f)
			fns[k++] = f->name;
	}
	*st = offcpu_classify(fns, k);
	if (util_grow(&r->loc_state, &r->loc_state_cap, id + 1, 1) < 0)
		return -ENOMEM;
	r->loc_state[id] = (uint8_t)(*st + 1);
	return 0;
}

/* What the kernel frames at the leaf end of a switch-out stack suggest: a lock
 * wait anywhere wins, then I/O, else sleeping (as offcpu_classify over them all). */
static enum offcpu_state kernel_state(struct recorder *r, const uint64_t *locs, size_t n)
{
	int io = 0;

	for (size_t i = 0; i < n && r->kernel_mapping > 0; i++) {
		const struct profile_location *l = profile_get_location(r->prof, locs[i]);
		enum offcpu_state st;

		if (!l || l->mapping_id != (uint64_t)r->kernel_mapping)
			break;
		if (location_state(r, locs[i], &st) < 0)
			break;
		if (st == OFFCPU_LOCK)
			return OFFCPU_LOCK;
		io |= st == OFFCPU_IO;
	}
	return io ? OFFCPU_IO : OFFCPU_SLEEPING;
}

/* The labels every sample carries, in labels[0..2]: pid, tid, thread name. */
static void thread_labels(struct profile_label *labels, uint32_t pid, uint32_t tid, const char *name)
{
	memset(labels, 0, 3 * sizeof(*labels));
	labels[0].key = "pid";
	labels[0].num = pid;
	labels[1].key = "tid";
	labels[1].num = tid;
	labels[2].key = "thread";
	labels[2].str = name;
}

static int add_interval(struct recorder *r, const struct offcpu_interval *iv)
{
	int64_t values[PROFILE_MAX_TYPES] = { 0 };
	struct profile_label labels[4];
	const uint64_t *locs = iv->locs;
	size_t n = iv->n_locs;
	uint64_t unsampled;
	const char *name = thread_name(r, (pid_t)iv->pid, (pid_t)iv->tid);
	int err;

	if (r->timeline) {
		err = timeline_thread(r->timeline, iv->pid, iv->tid, name);
		if (err >= 0)
			err = timeline_add(r->timeline, iv->tid, (int)iv->state, iv->start,
					   iv->end - iv->start);
		if (err < 0)
			return err;
	}
	if (iv->state == OFFCPU_RUNNING || iv->end <= iv->start)
		return 0;
	if (!n) {
		int64_t id = fallback_location(r, 0, 0, "[off-cpu: switch-out not sampled]");

		if (id < 0)
			return (int)id;
		unsampled = (uint64_t)id;
		locs = &unsampled;
		n = 1;
		r->stats.offcpu_unsampled++;
	}
	values[r->offcpu_type] = (int64_t)(iv->end - iv->start);
	if (r->wall_type > 0)
		values[r->wall_type] = values[r->offcpu_type];
	/* The context-switch event's own type counts the waits. */
	values[r->opts.offcpu_event] = 1;
	thread_labels(labels, iv->pid, iv->tid, name);
	memset(&labels[3], 0, sizeof(labels[3]));
	labels[3].key = "state";
	labels[3].str = offcpu_state_name(iv->state);
	r->stats.offcpu_waits++;
	/* A wait that began inside a request is that request's. */
	return add_sample(r, iv->tid, iv->start, locs, n, labels, 4, values);
}

/* A sample with --off-cpu: a switch-out keeps its stack until the thread runs
 * again; any other sample shows its thread running (and is added as usual). */
static int offcpu_sample(struct recorder *r, const struct perfrec_sample *s, int ev, const uint64_t *locs,
			 size_t n, const struct profile_label *labels, size_t n_labels, int64_t *values)
{
	struct offcpu_interval iv;
	int c;

	if (s->time > r->last_time)
		r->last_time = s->time;
	if (ev == r->opts.offcpu_event - 1) {
		c = offcpu_out_sample(r->off, s->pid, s->tid, s->time, locs, n,
				      kernel_state(r, locs, n), &iv);
		return c > 0 ? add_interval(r, &iv) : c;
	}
	c = offcpu_running(r->off, s->tid, s->time, &iv);
	if (c > 0)
		c = add_interval(r, &iv);
	if (c >= 0 && r->timeline)
		c = timeline_add(r->timeline, s->tid, -1, s->time, 0);
	if (c < 0)
		return c;
	if (r->wall_type > 0 && ev == 0)
		values[r->wall_type] = values[1];
	r->stats.samples++;
	return add_sample(r, s->tid, s->time, locs, n, labels, n_labels, values);
}

static int offcpu_record(struct recorder *r, const struct perfrec *rec)
{
	struct offcpu_interval iv;
	int c;

	if (rec->has_sid && rec->sid.time > r->last_time)
		r->last_time = rec->sid.time;
	if (rec->type == PERF_RECORD_EXIT) {
		while ((c = offcpu_close(r->off, rec->u.fork.tid, rec->u.fork.time, &iv)) > 0)
			if ((c = add_interval(r, &iv)) < 0)
				return c;
		return c;
	}
	r->stats.switches++;
	c = offcpu_switch(r->off, rec->sid.pid, rec->sid.tid, rec->sid.time, rec->u.sw.out,
			  rec->u.sw.preempt, &iv);
	return c > 0 ? add_interval(r, &iv) : c;
}

int recorder_finish(struct recorder *r)
{
	struct offcpu_interval iv;
	int c;

	if (!r->off)
		return 0;
	while ((c = offcpu_close(r->off, 0, r->last_time, &iv)) > 0)
		if ((c = add_interval(r, &iv)) < 0)
			return c;
	return c;
}

struct timeline *recorder_timeline(struct recorder *r)
{
	return r->timeline;
}

static int handle_sample(struct recorder *r, const struct perfrec_sample *s)
{
	uint64_t locs[MAX_FRAMES];
	int64_t values[PROFILE_MAX_TYPES] = { 0 };
	struct profile_label labels[3];
	size_t n = 0;
	int ev = 0, first = 1, user_next = 0, err;

	if (r->event_of && (r->opts.fmt->sample_type & (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_ID))) {
		ev = r->event_of(r->event_ctx, s->id ? s->id : s->identifier);
		if (ev < 0)
			ev = 0;
	}
	if (1 + (size_t)ev >= r->prof->n_types)
		return 0;
	values[0] = 1;
	values[1 + ev] = (int64_t)s->period;
	if (r->opts.fmt->sample_type & PERF_SAMPLE_READ) {
		err = add_group_reads(r, s, ev, values);
		if (err < 0)
			return err;
	}

	if (s->callchain_nr == 0 && !(r->opts.dwarf && s->regs_user_nr)) {
		int64_t id = s->ip >= KERNEL_START ? kernel_location(r, s->ip)
							    : user_location(r, (pid_t)s->pid, s->ip);
		if (id < 0)
			return (int)id;
		locs[n++] = (uint64_t)id;
	}
	for (uint64_t i = 0; i < s->callchain_nr && n < MAX_FRAMES; i++) {
		uint64_t ip = perfrec_callchain_at(s, i);
		int64_t id;

		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			/* A context marker: the address tells us the same. */
			user_next = ip == (uint64_t)PERF_CONTEXT_USER;
			continue;
		}
		/* Every frame but the very first holds a return address: the call is the
		 * instruction before it, and that is the line the user wants to see. */
		if (!first && ip > 0)
			ip--;
		first = 0;
		id = ip >= KERNEL_START ? kernel_location(r, ip) : user_location(r, (pid_t)s->pid, ip);
		if (id < 0)
			return (int)id;
		locs[n++] = (uint64_t)id;
		/* The first user entry is the sampled user pc; the kernel's
		 * frame-pointer walk follows it from [BP + 8], which skips the
		 * caller of a function that has no frame. */
		if (user_next && s->regs_user_nr && n < MAX_FRAMES) {
			uint64_t ret = leaf_caller(r, s);

			if (ret && (id = user_location(r, (pid_t)s->pid, ret - 1)) < 0)
				return (int)id;
			if (ret)
				locs[n++] = (uint64_t)id;
		}
		user_next = 0;
	}
	if (r->opts.dwarf && (err = add_dwarf_frames(r, s, locs, &n)) < 0)
		return err;
	if (n == 0)
		return 0;
	thread_labels(labels, s->pid, s->tid, thread_name(r, (pid_t)s->pid, (pid_t)s->tid));
	if (r->off)
		return offcpu_sample(r, s, ev, locs, n, labels, 3, values);
	r->stats.samples++;
	return add_sample(r, s->tid, s->time, locs, n, labels, 3, values);
}

static int handle_mmap(struct recorder *r, const struct perfrec_mmap *mm)
{
	struct map m;

	if (mm->pid == (uint32_t)-1)
		return 0;            /* kernel modules: kallsyms names them */
	if (mm->is_mmap2 && !(mm->prot & PROT_EXEC))
		return 0;
	memset(&m, 0, sizeof(m));
	m.start = mm->addr;
	m.end = mm->addr + mm->len;
	m.pgoff = mm->pgoff;
	m.path = mm->filename;
	m.exec = 1;
	m.build_id_size = mm->build_id_size;
	memcpy(m.build_id, mm->build_id, sizeof(m.build_id));
	return procmap_add(r->maps, (pid_t)mm->pid, &m);
}

static int handle(struct recorder *r, const struct perfrec *rec)
{
	switch (rec->type) {
	case PERF_RECORD_SAMPLE:
		return handle_sample(r, &rec->u.sample);
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		return handle_mmap(r, &rec->u.mmap);
	case PERF_RECORD_COMM:
		if (rec->u.comm.exec)
			procmap_exec(r->maps, (pid_t)rec->u.comm.pid);
		procmap_set_comm(r->maps, (pid_t)rec->u.comm.tid, rec->u.comm.comm);
		return 0;
	case PERF_RECORD_FORK: {
		const char *parent = procmap_comm(r->maps, (pid_t)rec->u.fork.ptid);

		if (parent)
			procmap_set_comm(r->maps, (pid_t)rec->u.fork.tid, parent);
		if (rec->u.fork.pid != rec->u.fork.ppid)
			return procmap_fork(r->maps, (pid_t)rec->u.fork.ppid, (pid_t)rec->u.fork.pid);
		return 0;
	}
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		r->stats.lost += rec->u.lost.lost;
		r->stats.lost_records++;
		return 0;
	case PERF_RECORD_THROTTLE:
		r->stats.throttled++;
		return 0;
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
	case PERF_RECORD_EXIT:
		return r->off ? offcpu_record(r, rec) : 0;
	default:
		return 0;
	}
}

int recorder_flush(struct recorder *r)
{
	struct perfrec rec;
	int err = 0;

	/* The spans the program ended so far, before the samples they hold. */
	if (r->spans && (err = spanjoin_drain(r->spans)) < 0)
		return err;
	err = sort_queue(r);
	for (size_t i = 0; err >= 0 && i < r->n_queued; i++) {
		struct queued *q = &r->queue[i];
		int d = perfrec_decode(r->opts.fmt, r->arena + q->off, q->len, &rec);

		if (d == -ENOTSUP)
			continue;
		if (d < 0) {
			r->stats.malformed++;
			continue;
		}
		err = handle(r, &rec);
	}
	r->n_queued = 0;
	r->arena_len = 0;
	r->stats.unwind_ns = unwind_median_ns(r->unw);
	if (r->spans && err >= 0)
		err = spanjoin_settle(r->spans, r->prof, 0);
	return err;
}
