/* recorder-offcpu.c - the recorder's off-CPU time (offcpu.h) and timeline
 * (timeline.h): switch records and switch-out samples become intervals, each
 * closed one onto the timeline and, when it is a wait, into the profile as a
 * sample of the stack it left with, labeled with its state. */
#include "recorder-int.h"

#include <string.h>

#include "addrname.h"
#include "offcpu.h"
#include "timeline.h"

/* A closed interval of a thread: onto the timeline, and a wait into the
 * profile as a sample of its stack at switch-out, labeled with its state. */
static int add_interval(struct recorder *r, const struct offcpu_interval *iv)
{
	int64_t values[PROFILE_MAX_TYPES] = { 0 };
	struct profile_label labels[LABELS_MAX];
	struct profile_sample x = {
		.n_locations = iv->n_locs, .location_ids = iv->locs,
		.labels = labels, .values = values,
	};
	uint64_t unsampled;
	int err;

	x.n_labels = recorder_thread_labels(r, labels, iv->pid, iv->tid) + 1;
	if (r->timeline) {
		err = timeline_thread(r->timeline, iv->pid, iv->tid, labels[2].str);
		if (err >= 0)
			err = timeline_add(r->timeline, iv->tid, (int)iv->state, iv->start,
					   iv->end - iv->start);
		if (err < 0)
			return err;
	}
	if (iv->state == OFFCPU_RUNNING || iv->end <= iv->start)
		return 0;
	if (!x.n_locations) {
		int64_t id = addrname_named(r->names, "[off-cpu: switch-out not sampled]");

		if (id < 0)
			return (int)id;
		unsampled = (uint64_t)id;
		x.location_ids = &unsampled;
		x.n_locations = 1;
		r->stats.offcpu_unsampled++;
	}
	values[r->offcpu_type] = (int64_t)(iv->end - iv->start);
	if (r->wall_type > 0)
		values[r->wall_type] = values[r->offcpu_type];
	/* The context-switch event's own type counts the waits. */
	values[r->opts.offcpu_event] = 1;
	memset(&labels[x.n_labels - 1], 0, sizeof(*labels));
	labels[x.n_labels - 1].key = "state";
	labels[x.n_labels - 1].str = offcpu_state_name(iv->state);
	r->stats.offcpu_waits++;
	/* A wait that began inside a request is that request's. */
	return recorder_add_sample(r, iv->tid, iv->start, &x);
}

int recorder_offcpu_sample(struct recorder *r, const struct perfrec_sample *s, int ev,
			   const struct profile_sample *x)
{
	struct offcpu_at at = { s->pid, s->tid, s->time };
	struct offcpu_interval iv;
	int c;

	if (s->time > r->last_time)
		r->last_time = s->time;
	if (ev == r->opts.offcpu_event - 1) {
		enum offcpu_state st = offcpu_stack_state(r->off, r->prof,
							  addrname_kernel_mapping(r->names), x);

		c = offcpu_out_sample(r->off, &at, x, st, &iv);
		return c > 0 ? add_interval(r, &iv) : c;
	}
	c = offcpu_running(r->off, s->tid, s->time, &iv);
	if (c > 0)
		c = add_interval(r, &iv);
	if (c >= 0 && r->timeline)
		c = timeline_add(r->timeline, s->tid, -1, s->time, 0);
	if (c < 0)
		return c;
	r->stats.samples++;
	return recorder_add_sample(r, s->tid, s->time, x);
}

int recorder_close_intervals(struct recorder *r, uint32_t tid, uint64_t end)
{
	struct offcpu_interval iv;
	int c;

	while ((c = offcpu_close(r->off, tid, end, &iv)) > 0)
		if ((c = add_interval(r, &iv)) < 0)
			return c;
	return c;
}

int recorder_offcpu_record(struct recorder *r, const struct perfrec *rec)
{
	struct offcpu_at at = { rec->sid.pid, rec->sid.tid, rec->sid.time };
	struct offcpu_interval iv;
	unsigned flags;
	int c;

	if (rec->has_sid && rec->sid.time > r->last_time)
		r->last_time = rec->sid.time;
	if (rec->type == PERF_RECORD_EXIT)
		return recorder_close_intervals(r, rec->u.fork.tid, rec->u.fork.time);
	r->stats.switches++;
	flags = (rec->u.sw.out ? OFFCPU_SWITCH_OUT : OFFCPU_SWITCH_IN) |
		(rec->u.sw.preempt ? OFFCPU_SWITCH_PREEMPT : 0);
	c = offcpu_switch(r->off, &at, flags, &iv);
	return c > 0 ? add_interval(r, &iv) : c;
}

