/* offcpu.c - see offcpu.h. */
#include "offcpu.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hindex.h"
#include "util.h"

/* The lines of a location looked at for its state: as many as the symbolizer
 * gives one address (SYM_MAX_FRAMES), the kernel's have one. */
#define MAX_LINES 16

struct offcpu_thread {
	uint32_t pid, tid;
	int in_known;              /* in_time is the start of the current run */
	uint64_t in_time;
	int pending;               /* switched out at out_time, not yet back */
	int switch_seen;           /* ... and its SWITCH_OUT record has been seen */
	uint64_t out_time;
	enum offcpu_state state;
	uint64_t *locs;
	size_t n_locs, cap_locs;
};

struct offcpu {
	struct offcpu_thread *threads;
	size_t n_threads, cap_threads;
	struct hindex index;
	uint64_t *ret;             /* the stack handed out with the last interval */
	size_t cap_ret;
	uint8_t *loc_state;        /* 1 + the state a kernel location suggests, by id */
	size_t cap_loc_state;
};

static const char *const state_names[OFFCPU_N_STATES] = {
	"running", "runnable", "sleeping", "lock", "io",
};

const char *offcpu_state_name(enum offcpu_state s)
{
	return (unsigned)s < OFFCPU_N_STATES ? state_names[s] : NULL;
}

static int has_prefix(const char *s, const char *const *prefixes)
{
	for (size_t i = 0; prefixes[i]; i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

enum offcpu_state offcpu_classify(const char *const *fns, size_t n)
{
	static const char *const lock[] = { "futex_wait", "futex_q", "__futex", NULL };
	static const char *const io[] = {
		"io_schedule", "folio_wait", "wait_on_page", "__folio_lock", "blk_", "bio_",
		"submit_bio", "ext4_", "xfs_", "btrfs_", "jbd2", "nfs_", "filemap_", NULL,
	};
	int is_io = 0;

	/* A futex wait under an I/O path is still a lock wait, and a page-cache
	 * wait deep under a futex call cannot happen: lock first. */
	for (size_t i = 0; i < n; i++) {
		if (!fns[i])
			continue;
		if (has_prefix(fns[i], lock))
			return OFFCPU_LOCK;
		if (has_prefix(fns[i], io))
			is_io = 1;
	}
	return is_io ? OFFCPU_IO : OFFCPU_SLEEPING;
}

int offcpu_new(struct offcpu **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void offcpu_free(struct offcpu *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_threads; i++)
		free(o->threads[i].locs);
	free(o->threads);
	free(o->index.slots);
	free(o->ret);
	free(o->loc_state);
	free(o);
}

static uint64_t tid_hash(uint32_t tid)
{
	return util_hash(&tid, sizeof(tid), UTIL_HASH_INIT);
}

static bool same_tid(const void *ctx, size_t entry, const void *key)
{
	const struct offcpu *o = ctx;

	return o->threads[entry - 1].tid == *(const uint32_t *)key;
}

static struct offcpu_thread *find_thread(const struct offcpu *o, uint32_t tid)
{
	size_t e = hindex_find(&o->index, tid_hash(tid), same_tid, &tid, o);

	return e ? &o->threads[e - 1] : NULL;
}

static struct offcpu_thread *get_thread(struct offcpu *o, uint32_t pid, uint32_t tid)
{
	struct offcpu_thread *t = find_thread(o, tid);

	if (t)
		return t;
	if (hindex_reserve(&o->index) < 0 ||
	    util_grow(&o->threads, &o->cap_threads, o->n_threads + 1, sizeof(*o->threads)) < 0)
		return NULL;
	t = &o->threads[o->n_threads++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	hindex_insert(&o->index, tid_hash(tid), o->n_threads);
	return t;
}

/* Hand out t's pending wait as [out_time, end): its stack moves to o->ret (the
 * buffers are swapped, so nothing is copied and the next out reuses ret's). */
static int close_wait(struct offcpu *o, struct offcpu_thread *t, uint64_t end,
		      struct offcpu_interval *iv)
{
	uint64_t *l = o->ret;
	size_t c = o->cap_ret;

	o->ret = t->locs;
	o->cap_ret = t->cap_locs;
	t->locs = l;
	t->cap_locs = c;
	memset(iv, 0, sizeof(*iv));
	iv->pid = t->pid;
	iv->tid = t->tid;
	iv->start = t->out_time;
	iv->end = end > t->out_time ? end : t->out_time;
	iv->state = t->state;
	iv->locs = o->ret;
	iv->n_locs = t->n_locs;
	t->pending = 0;
	t->n_locs = 0;
	return 1;
}

static int close_run(struct offcpu_thread *t, uint64_t end, struct offcpu_interval *iv)
{
	memset(iv, 0, sizeof(*iv));
	iv->pid = t->pid;
	iv->tid = t->tid;
	iv->start = t->in_time;
	iv->end = end;
	iv->state = OFFCPU_RUNNING;
	t->in_known = 0;
	return 1;
}

/* t switches out at time with stack s, in state (its wait not yet over). */
static int keep_stack(struct offcpu_thread *t, uint64_t time, const struct profile_sample *s,
		      enum offcpu_state state)
{
	size_t n = s->n_locations;

	if (util_grow(&t->locs, &t->cap_locs, n ? n : 1, sizeof(*t->locs)) < 0)
		return -ENOMEM;
	memcpy(t->locs, s->location_ids, n * sizeof(*t->locs));
	t->n_locs = n;
	t->out_time = time;
	t->state = state;
	return 0;
}

int offcpu_out_sample(struct offcpu *o, const struct offcpu_at *at, const struct profile_sample *s,
		      enum offcpu_state state, struct offcpu_interval *iv)
{
	struct offcpu_thread *t = get_thread(o, at->pid, at->tid);
	int closed = 0;

	if (!t)
		return -ENOMEM;
	/* The rings of two CPUs are read one after the other: the switch-in on the
	 * CPU the thread moved to can be read a batch before this switch-out.  The
	 * wait is then over already. */
	if (t->in_known && t->in_time > at->time && !t->pending) {
		if (keep_stack(t, at->time, s, state) < 0)
			return -ENOMEM;
		return close_wait(o, t, t->in_time, iv);
	}
	/* A wait still open whose switch-in was lost: it ends here at the latest. */
	if (t->pending && t->switch_seen)
		closed = close_wait(o, t, at->time, iv);
	else if (!t->pending && t->in_known && t->in_time <= at->time)
		closed = close_run(t, at->time, iv);
	if (keep_stack(t, at->time, s, state) < 0)
		return -ENOMEM;
	t->pending = 1;
	t->switch_seen = 0;
	t->in_known = 0;
	return closed;
}

int offcpu_switch(struct offcpu *o, const struct offcpu_at *at, unsigned flags,
		  struct offcpu_interval *iv)
{
	struct offcpu_thread *t = get_thread(o, at->pid, at->tid);
	int preempt = !!(flags & OFFCPU_SWITCH_PREEMPT);
	uint64_t time = at->time;
	int closed = 0;

	if (!t)
		return -ENOMEM;
	if (!(flags & OFFCPU_SWITCH_OUT)) {
		if (t->pending && t->out_time <= time)
			closed = close_wait(o, t, time, iv);
		t->in_known = 1;
		t->in_time = time;
		return closed;
	}
	/* The switch-out of a wait that was closed early (see offcpu_out_sample). */
	if (t->in_known && t->in_time > time)
		return 0;
	/* The sample of this very switch-out came just before its record. */
	if (t->pending && !t->switch_seen && t->out_time <= time) {
		t->switch_seen = 1;
		if (preempt)
			t->state = OFFCPU_RUNNABLE;
		return 0;
	}
	if (t->pending)
		closed = close_wait(o, t, time, iv);
	else if (t->in_known && t->in_time <= time)
		closed = close_run(t, time, iv);
	/* No sample for this switch-out (lost): the wait is counted, stackless. */
	t->pending = 1;
	t->switch_seen = 1;
	t->out_time = time;
	t->n_locs = 0;
	t->state = preempt ? OFFCPU_RUNNABLE : OFFCPU_SLEEPING;
	t->in_known = 0;
	return closed;
}

int offcpu_running(struct offcpu *o, uint32_t tid, uint64_t time, struct offcpu_interval *iv)
{
	struct offcpu_thread *t = find_thread(o, tid);

	if (!t || !t->pending || t->out_time >= time)
		return 0;
	close_wait(o, t, time, iv);
	t->in_known = 1;
	t->in_time = time;
	return 1;
}

static int close_thread(struct offcpu *o, struct offcpu_thread *t, uint64_t end,
			struct offcpu_interval *iv)
{
	if (t->pending)
		return close_wait(o, t, end, iv);
	if (t->in_known && t->in_time <= end)
		return close_run(t, end, iv);
	t->in_known = 0;
	return 0;
}

int offcpu_close(struct offcpu *o, uint32_t tid, uint64_t end, struct offcpu_interval *iv)
{
	if (tid) {
		struct offcpu_thread *t = find_thread(o, tid);

		return t ? close_thread(o, t, end, iv) : 0;
	}
	for (size_t i = 0; i < o->n_threads; i++)
		if (close_thread(o, &o->threads[i], end, iv))
			return 1;
	return 0;
}

/* What one kernel location suggests (OFFCPU_LOCK, _IO or _SLEEPING), cached by
 * location id: a thread switches out through the same few kernel paths
 * thousands of times a second.  0 or -ENOMEM. */
static int location_state(struct offcpu *o, const struct profile *p, uint64_t id,
			  enum offcpu_state *st)
{
	const struct profile_location *l;
	const char *fns[MAX_LINES];
	size_t k = 0;

	if (id < o->cap_loc_state && o->loc_state[id]) {
		*st = (enum offcpu_state)(o->loc_state[id] - 1);
		return 0;
	}
	l = profile_get_location(p, id);
	for (size_t j = 0; l && j < l->n_lines && k < MAX_LINES; j++) {
		const struct profile_function *f = profile_get_function(p, l->lines[j].function_id);

		if (f)
			fns[k++] = f->name;
	}
	*st = offcpu_classify(fns, k);
	if (util_grow(&o->loc_state, &o->cap_loc_state, id + 1, 1) < 0)
		return -ENOMEM;
	o->loc_state[id] = (uint8_t)(*st + 1);
	return 0;
}

enum offcpu_state offcpu_stack_state(struct offcpu *o, const struct profile *p,
				     uint64_t kernel_mapping, const struct profile_sample *s)
{
	int io = 0;

	for (size_t i = 0; i < s->n_locations && kernel_mapping > 0; i++) {
		const struct profile_location *l = profile_get_location(p, s->location_ids[i]);
		enum offcpu_state st;

		if (!l || l->mapping_id != kernel_mapping)
			break;
		if (location_state(o, p, s->location_ids[i], &st) < 0)
			break;
		if (st == OFFCPU_LOCK)
			return OFFCPU_LOCK;
		io |= st == OFFCPU_IO;
	}
	return io ? OFFCPU_IO : OFFCPU_SLEEPING;
}

/* ---- writers ---- */

static const struct profile_label *label_of(const struct profile_sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i].key, key) == 0)
			return &s->labels[i];
	return NULL;
}

struct thread_row {
	int64_t tid;
	const char *name;
	int64_t cpu;
	int64_t off[OFFCPU_N_STATES];
	int64_t off_total;
};

static int64_t row_wall(const struct thread_row *w)
{
	return w->cpu + w->off_total;
}

/* The longest wall time first, then by tid. */
static int cmp_thread_row(const void *a, const void *b)
{
	const struct thread_row *x = a, *y = b;
	int64_t wx = row_wall(x), wy = row_wall(y);

	if (wx != wy)
		return wx > wy ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* By tid, and within a tid the longest wall time first. */
static int cmp_tid_then_wall(const void *a, const void *b)
{
	const struct thread_row *x = a, *y = b;
	int64_t wx = row_wall(x), wy = row_wall(y);

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return wx > wy ? -1 : wx < wy;
}

/* Rows are first kept by tid and name: a thread that names itself after it
 * started (pthread_setname_np) has samples under both.  It gets one row, under
 * the name it spent most of its time with.  The number of rows left. */
static size_t merge_names(struct thread_row *rows, size_t n)
{
	size_t out = 0;

	util_sort(rows, n, sizeof(*rows), cmp_tid_then_wall);
	for (size_t i = 0; i < n; i++) {
		struct thread_row *w = out ? &rows[out - 1] : NULL;

		if (!w || w->tid != rows[i].tid) {
			rows[out++] = rows[i];
			continue;
		}
		w->cpu += rows[i].cpu;
		for (int k = 0; k < OFFCPU_N_STATES; k++)
			w->off[k] += rows[i].off[k];
		w->off_total += rows[i].off_total;
	}
	return out;
}

static enum offcpu_state state_of(const char *name)
{
	for (int k = OFFCPU_RUNNABLE; k < OFFCPU_N_STATES; k++)
		if (strcmp(name, state_names[k]) == 0)
			return (enum offcpu_state)k;
	return OFFCPU_SLEEPING;
}

int offcpu_threads_write(struct profile *p, int cpu_type, FILE *out)
{
	int off = profile_type_index(p, "off-cpu");
	struct thread_row *rows = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (off < 0)
		return -EINVAL;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct profile_label *tid = label_of(s, "tid"), *name = label_of(s, "thread");
		const struct profile_label *st = label_of(s, "state");
		const char *thread = name && name->str ? name->str : "";
		struct thread_row *row = NULL;

		if (!tid)
			continue;
		for (size_t k = 0; k < n && !row; k++)
			if (rows[k].tid == tid->num && strcmp(rows[k].name, thread) == 0)
				row = &rows[k];
		if (!row) {
			if (util_grow(&rows, &cap, n + 1, sizeof(*rows)) < 0) {
				r = -ENOMEM;
				goto out;
			}
			row = &rows[n++];
			memset(row, 0, sizeof(*row));
			row->tid = tid->num;
			row->name = thread;
		}
		if (cpu_type >= 0 && (size_t)cpu_type < p->n_types && cpu_type != off)
			row->cpu += s->values[cpu_type];
		if (st && st->str) {
			row->off[state_of(st->str)] += s->values[off];
			row->off_total += s->values[off];
		}
	}
	n = merge_names(rows, n);
	util_sort(rows, n, sizeof(*rows), cmp_thread_row);
	fprintf(out, "%8s  %-16s %10s %10s %10s %10s %10s %10s %9s\n", "TID", "THREAD", "CPU ms",
		"OFF ms", "runnable", "sleeping", "lock", "io", "CPU/WALL");
	for (size_t i = 0; i < n; i++) {
		const struct thread_row *w = &rows[i];
		int64_t wall = row_wall(w);

		fprintf(out, "%8" PRId64 "  %-16.16s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %8.1f%%\n",
			w->tid, w->name, w->cpu / 1e6, w->off_total / 1e6,
			w->off[OFFCPU_RUNNABLE] / 1e6, w->off[OFFCPU_SLEEPING] / 1e6,
			w->off[OFFCPU_LOCK] / 1e6, w->off[OFFCPU_IO] / 1e6,
			wall ? 100.0 * (double)w->cpu / (double)wall : 0.0);
	}
	if (ferror(out))
		r = -EIO;
out:
	free(rows);
	return r;
}

struct lock_row {
	const char *lock, *caller;
	int64_t wait, waits;
};

static int cmp_lock_row(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;
	int c;

	if (x->wait != y->wait)
		return x->wait > y->wait ? -1 : 1;
	c = strcmp(x->lock, y->lock);
	return c ? c : strcmp(x->caller, y->caller);
}

/* The user-space functions that implement a lock wait: the outermost of them in
 * a stack is "the lock", the frame above it the code that took it. */
static int is_lock_impl(const char *fn)
{
	static const char *const names[] = {
		"pthread_mutex_", "___pthread_mutex_", "__pthread_mutex_", "__lll_lock",
		"lll_lock", "pthread_rwlock_", "___pthread_rwlock_", "__pthread_rwlock_",
		"pthread_cond_", "___pthread_cond_", "__pthread_cond_", "__futex_abstimed",
		"futex_wait", "__GI___lll", "sem_wait", "__new_sem_wait", "do_futex_wait",
		"pthread_spin_", "pthread_join", "___pthread_join", "__pthread_clockjoin",
		"syscall", NULL,
	};

	return has_prefix(fn, names);
}

int offcpu_locks_write(struct profile *p, size_t max_rows, FILE *out)
{
	int off = profile_type_index(p, "off-cpu");
	int cs = profile_type_index(p, "context-switches");
	struct lock_row *rows = NULL;
	const char *names[512];
	size_t n = 0, cap = 0;
	int64_t total = 0;
	int r = 0;

	if (off < 0)
		return -EINVAL;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		const struct profile_label *st = label_of(s, "state");
		const char *lock = "[futex]", *caller = "[unknown]";
		struct lock_row *row = NULL;
		size_t nf;

		if (!st || !st->str || strcmp(st->str, "lock") != 0 || !s->values[off])
			continue;
		nf = profile_sample_frames(p, s, names, sizeof(names) / sizeof(names[0]));
		/* Kernel frames come first (leaf side); the outermost lock function
		 * is the API the program called. */
		for (size_t k = nf; k-- > 0;) {
			if (is_lock_impl(names[k])) {
				lock = names[k];
				caller = k + 1 < nf ? names[k + 1] : "[unknown]";
				break;
			}
		}
		for (size_t k = 0; k < n && !row; k++)
			if (!strcmp(rows[k].lock, lock) && !strcmp(rows[k].caller, caller))
				row = &rows[k];
		if (!row) {
			if (util_grow(&rows, &cap, n + 1, sizeof(*rows)) < 0) {
				r = -ENOMEM;
				goto out;
			}
			row = &rows[n++];
			memset(row, 0, sizeof(*row));
			row->lock = lock;
			row->caller = caller;
		}
		row->wait += s->values[off];
		row->waits += cs >= 0 ? s->values[cs] : 0;
		total += s->values[off];
	}
	util_sort(rows, n, sizeof(*rows), cmp_lock_row);
	fprintf(out, "%12s %6s %8s  %-28s %s\n", "WAIT ms", "%", "WAITS", "LOCK", "CALLED FROM");
	for (size_t i = 0; i < n && (!max_rows || i < max_rows); i++)
		fprintf(out, "%12.2f %5.1f%% %8" PRId64 "  %-28s %s\n", rows[i].wait / 1e6,
			total ? 100.0 * (double)rows[i].wait / (double)total : 0.0, rows[i].waits,
			rows[i].lock, rows[i].caller);
	if (!n)
		fprintf(out, "(no off-CPU time in state lock)\n");
	if (ferror(out))
		r = -EIO;
out:
	free(rows);
	return r;
}
