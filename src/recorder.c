/* recorder.c - see recorder.h. */
#include "recorder.h"
#include "recorder-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "addrname.h"
#include "callstack.h"
#include "groupread.h"
#include "jitmap.h"
#include "offcpu.h"
#include "ordering.h"
#include "procmap.h"
#include "spanjoin.h"
#include "timeline.h"
#include "util.h"

static int add_types(struct recorder *r)
{
	const struct recorder_opts *o = &r->opts;
	int err = profile_add_type(r->prof, "samples", "count");

	for (size_t i = 0; err >= 0 && i < o->events->n; i++)
		err = profile_add_type(r->prof, o->events->ev[i].sample_type, o->events->ev[i].unit);
	if (err >= 0 && o->offcpu_event)
		err = r->offcpu_type = profile_add_type(r->prof, "off-cpu", "nanoseconds");
	if (err >= 0 && o->offcpu_event && o->wall)
		err = r->wall_type = profile_add_type(r->prof, "wall", "nanoseconds");
	return err;
}

int recorder_new(const struct recorder_opts *o, struct recorder **out)
{
	struct addrname_opts ao = { o->kallsyms_path, o->jit_dir, o->proc_root,
				    o->functions_only };
	struct recorder *r;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = *o;
	err = profile_new(&r->prof);
	if (err >= 0)
		err = procmap_new(&r->maps);
	if (err >= 0)
		err = addrname_new(&ao, r->prof, r->maps, &r->names);
	if (err >= 0)
		err = callstack_new(r->names, o->fmt, o->dwarf, o->leaf_unwinder, &r->stacks);
	if (err >= 0)
		err = ordering_new(o->fmt, &r->order);
	if (err >= 0)
		err = add_types(r);
	if (err >= 0 && o->offcpu_event)
		err = offcpu_new(&r->off);
	if (err >= 0 && o->offcpu_event && o->timeline)
		err = timeline_new(&r->timeline);
	if (err < 0) {
		recorder_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	offcpu_free(r->off);
	timeline_free(r->timeline);
	groupread_free(r->groups);
	ordering_free(r->order);
	callstack_free(r->stacks);
	addrname_free(r->names);
	procmap_free(r->maps);
	profile_free(r->prof);
	free(r->exits[0]);
	free(r->exits[1]);
	free(r);
}

void recorder_preload_kernel(struct recorder *r)
{
	addrname_preload_kernel(r->names);
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

int recorder_jit_rejected(const struct recorder *r, size_t i, char *buf, size_t len)
{
	return jitmap_rejected(addrname_jitmap(r->names), i, buf, len);
}

struct timeline *recorder_timeline(struct recorder *r)
{
	return r->timeline;
}

/* The namer's and the stack builder's counters into the recorder's. */
static void collect_stats(struct recorder *r)
{
	const struct addrname_stats *a = addrname_stats(r->names);
	const struct callstack_stats *c = callstack_stats(r->stacks);

	r->stats.kernel_frames = a->kernel_frames;
	r->stats.kernel_unnamed = a->kernel_unnamed;
	r->stats.kallsyms_hidden = a->kallsyms_hidden;
	r->stats.unknown_frames = a->unknown_frames;
	r->stats.dwarf_samples = c->dwarf_samples;
	r->stats.stack_cut = c->stack_cut;
	r->stats.unwind_partial = c->unwind_partial;
	r->stats.unwind_ns = c->unwind_ns;
	r->stats.unwind_libdw = c->unwind_libdw;
	r->stats.unwind_compared = c->unwind_compared;
	r->stats.unwind_differ = c->unwind_differ;
	r->stats.leaf_callers = c->leaf_callers;
	r->stats.leaf_compared = c->leaf_compared;
	r->stats.leaf_differ = c->leaf_differ;
	r->stats.gone_named = a->gone_named;
	r->stats.gone_unnamed = a->gone_unnamed;
}

int recorder_next_profile(struct recorder *r, struct profile **out)
{
	struct profile *next;
	int err;

	*out = NULL;
	/* Samples waiting for their span to end point at names the ending
	 * profile holds: they go into it now, without the span's length if it
	 * is still open. */
	if (r->spans && (err = spanjoin_settle(r->spans, r->prof, 1)) < 0)
		return err;
	if ((err = profile_new_like(r->prof, &next)) < 0)
		return err;
	*out = r->prof;
	r->prof = next;
	addrname_set_profile(r->names, next);
	addrname_close_idle(r->names);
	callstack_close_idle(r->stacks);
	return 0;
}

/* A sample (or an off-CPU wait) x of thread tid at `time` into the profile;
 * inside a span of the program, through spanjoin.c, which labels it (and may
 * hold it until the span ends). */
int recorder_add_sample(struct recorder *r, uint32_t tid, uint64_t time,
			const struct profile_sample *x)
{
	if (r->spans)
		return spanjoin_add_sample(r->spans, r->prof, tid, time, x);
	return profile_add_sample(r->prof, x);
}

size_t recorder_thread_labels(struct recorder *r, struct profile_label *labels, uint32_t pid,
			      uint32_t tid)
{
	size_t n = 3, given = r->opts.n_labels < RECORDER_MAX_LABELS ? r->opts.n_labels
								    : RECORDER_MAX_LABELS;

	memset(labels, 0, 3 * sizeof(*labels));
	labels[0].key = "pid";
	labels[0].num = pid;
	labels[1].key = "tid";
	labels[1].num = tid;
	labels[2].key = "thread";
	labels[2].str = addrname_thread(r->names, (pid_t)pid, (pid_t)tid);
	if (r->opts.process_label) {
		memset(&labels[n], 0, sizeof(*labels));
		labels[n].key = "process";
		labels[n++].str = addrname_thread(r->names, (pid_t)pid, (pid_t)pid);
	}
	if (given)
		memcpy(&labels[n], r->opts.labels, given * sizeof(*labels));
	return n + given;
}

int recorder_finish(struct recorder *r)
{
	int err = r->off ? recorder_close_intervals(r, 0, r->last_time) : 0;

	collect_stats(r);
	return err;
}

/* ---- dispatch ---- */

/* Which event a sample belongs to (0 when it cannot tell). */
static int event_of_sample(const struct recorder *r, const struct perfrec_sample *s)
{
	int ev;

	if (!r->event_of || !(r->opts.fmt->sample_type & (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_ID)))
		return 0;
	ev = r->event_of(r->event_ctx, s->id ? s->id : s->identifier);
	return ev < 0 ? 0 : ev;
}

/* A leader's sample reads its group: each member's increase since this
 * thread's previous sample belongs to this sample's stack. */
static int add_group_reads(struct recorder *r, const struct perfrec_sample *s, int ev,
			   int64_t *values)
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

static int handle_sample(struct recorder *r, const struct perfrec_sample *s)
{
	uint64_t locs[CALLSTACK_MAX_FRAMES];
	int64_t values[PROFILE_MAX_TYPES] = { 0 };
	struct profile_label labels[LABELS_MAX];
	struct profile_sample x = {
		.location_ids = locs, .labels = labels, .values = values,
	};
	int ev = event_of_sample(r, s), err;

	if (1 + (size_t)ev >= r->prof->n_types)
		return 0;
	/* System-wide, hwprof would see itself draining the rings. */
	if (r->opts.self_pid && s->pid == r->opts.self_pid) {
		r->stats.self_samples++;
		return 0;
	}
	values[0] = 1;
	values[1 + ev] = (int64_t)s->period;
	if ((r->opts.fmt->sample_type & PERF_SAMPLE_READ) &&
	    (err = add_group_reads(r, s, ev, values)) < 0)
		return err;
	err = callstack_of(r->stacks, s, locs, &x.n_locations);
	if (err < 0 || x.n_locations == 0)
		return err;
	x.n_labels = recorder_thread_labels(r, labels, s->pid, s->tid);
	/* Wall time: the on-CPU samples' time (event 0, cpu-clock) plus the waits. */
	if (r->wall_type > 0 && ev == 0)
		values[r->wall_type] = values[1];
	if (r->off)
		return recorder_offcpu_sample(r, s, ev, &x);
	r->stats.samples++;
	return recorder_add_sample(r, s->tid, s->time, &x);
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
	if (r->opts.attached)
		addrname_pin(r->names, &m);
	return procmap_add(r->maps, (pid_t)mm->pid, &m);
}

/* A new task reuses tid: it is not the exited one whose state waits to go. */
static void unnote_exit(struct recorder *r, pid_t tid)
{
	for (int g = 0; g < 2; g++) {
		for (size_t i = 0; i < r->n_exits[g];) {
			if (r->exits[g][i] == tid)
				r->exits[g][i] = r->exits[g][--r->n_exits[g]];
			else
				i++;
		}
	}
}

static int handle_fork(struct recorder *r, const struct perfrec_fork *f)
{
	const char *parent = procmap_comm(r->maps, (pid_t)f->ptid);

	if (r->opts.attached)
		unnote_exit(r, (pid_t)f->tid);
	if (parent)
		procmap_set_comm(r->maps, (pid_t)f->tid, parent);
	if (f->pid != f->ppid)
		return procmap_fork(r->maps, (pid_t)f->ppid, (pid_t)f->pid);
	return 0;
}

/* Thread tid exited: its state goes after the next flush (forget_exits). */
static int note_exit(struct recorder *r, pid_t tid)
{
	if (util_grow(&r->exits[0], &r->cap_exits[0], r->n_exits[0] + 1, sizeof(pid_t)) < 0)
		return -ENOMEM;
	r->exits[0][r->n_exits[0]++] = tid;
	return 0;
}

/* After a flush: free the state of the threads that exited in the flush
 * before (a thread's pid is its process's when it is the main thread), and
 * keep this flush's exits for the next. */
static void forget_exits(struct recorder *r)
{
	pid_t *swap = r->exits[1];
	size_t cap = r->cap_exits[1];

	for (size_t i = 0; i < r->n_exits[1]; i++) {
		pid_t tid = r->exits[1][i];

		if (procmap_find_proc(r->maps, tid)) {
			procmap_exit(r->maps, tid);
			r->stats.exited++;
		}
		procmap_forget_comm(r->maps, tid);
		addrname_forget(r->names, tid);
		callstack_forget(r->stacks, tid);
	}
	r->exits[1] = r->exits[0];
	r->n_exits[1] = r->n_exits[0];
	r->cap_exits[1] = r->cap_exits[0];
	r->exits[0] = swap;
	r->n_exits[0] = 0;
	r->cap_exits[0] = cap;
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
	case PERF_RECORD_FORK:
		return handle_fork(r, &rec->u.fork);
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		r->stats.lost += rec->u.lost.lost;
		r->stats.lost_records++;
		return 0;
	case PERF_RECORD_THROTTLE:
		r->stats.throttled++;
		return 0;
	case PERF_RECORD_EXIT:
		if (r->opts.attached && note_exit(r, (pid_t)rec->u.fork.tid) < 0)
			return -ENOMEM;
		return r->off ? recorder_offcpu_record(r, rec) : 0;
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		return r->off ? recorder_offcpu_record(r, rec) : 0;
	default:
		return 0;
	}
}

/* One raw record of the batch, in time order (ordering_record_fn). */
static int handle_raw(const void *buf, size_t len, void *ctx)
{
	struct recorder *r = ctx;
	struct perfrec rec;
	int d = perfrec_decode(r->opts.fmt, buf, len, &rec);

	if (d == -ENOTSUP)
		return 0;
	if (d < 0) {
		r->stats.malformed++;
		return 0;
	}
	return handle(r, &rec);
}

int recorder_queue(const void *buf, size_t len, void *ctx)
{
	struct recorder *r = ctx;

	return ordering_add(r->order, buf, len);
}

int recorder_flush(struct recorder *r)
{
	int err;

	/* The spans the program ended so far, before the samples they hold. */
	if (r->spans && (err = spanjoin_drain(r->spans)) < 0)
		return err;
	err = ordering_flush(r->order, handle_raw, r);
	if (r->opts.attached)
		forget_exits(r);
	collect_stats(r);
	if (r->spans && err >= 0)
		err = spanjoin_settle(r->spans, r->prof, 0);
	return err;
}
