/* session-open.c - session_open and session_add_task (see session.h): the
 * events' attrs, opening them per CPU (or per thread, perthread.h), and the
 * fallbacks taken when the machine or the kernel says no. */
#include "session-int.h"
#include "sysfspmu.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void session_close_events(struct session *s)
{
	for (size_t i = 0; i < s->n_cpus && s->rings; i++) {
		ring_close(s->rings[i]);
		s->rings[i] = NULL;
	}
	for (size_t i = 0; i < s->n_fds; i++)
		close(s->fds[i].fd);
	s->n_fds = 0;
	perthread_free(s->pt);
	s->pt = NULL;
	s->n_pfds = 0;
}

/* Whether the list has a group {a,b,...}: its samples then carry the members'
 * counts (PERF_SAMPLE_READ), for every event alike so that all records in a
 * ring decode with one format. */
static int has_groups(const struct event_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->ev[i].leader != (int)i)
			return 1;
	return 0;
}

static void build_attr(const struct session *s, const struct session_opts *o, const struct event *e,
		       int build_ids, struct perf_event_attr *a)
{
	*a = e->attr;
	a->size = sizeof(*a);
	a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	if (o->callchain)
		a->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (has_groups(o->events)) {
		a->sample_type |= PERF_SAMPLE_READ;
		a->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	}
	a->exclude_callchain_user = o->exclude_callchain_user ? 1 : 0;
	if (o->stack_user) {
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = o->regs_user;
		a->sample_stack_user = o->stack_user;
	}
	if (o->freq) {
		a->freq = 1;
		a->sample_freq = o->freq;
	} else {
		a->freq = 0;
		a->sample_period = o->period;
	}
	/* The event's own :period=N or :freq=N wins over -F / -c. */
	if (e->sampling_set) {
		a->freq = e->attr.freq;
		a->sample_period = e->attr.sample_period;
	}
	if (o->exclude_kernel) {
		a->exclude_kernel = 1;
		a->exclude_callchain_kernel = 1;
	}
	a->exclude_hv = 1;
	a->disabled = 1;
	a->enable_on_exec = 1;
	a->inherit = 1;
	/* Attached: the tasks run already, so count from now; a CPU-wide
	 * event sees every task of its CPU and inherits nothing. */
	if (s->attached) {
		a->disabled = 0;
		a->enable_on_exec = 0;
		a->inherit = s->tasks[0] != -1;
	}
	a->sample_id_all = 1;
	/* CLOCK_MONOTONIC, not the kernel's local clock: the profiled program's
	 * spans (spanchan.h) are timed with it, and samples are placed in them. */
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->build_id = build_ids;
	/* Wake us when a quarter of the ring is full: fewer wake-ups than per
	 * sample, and plenty of room left while we drain it. */
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(o->ring_pages * (size_t)sysconf(_SC_PAGESIZE) / 4);
}

/* Per CPU, an inherited dummy event that owns the ring and gives the records
 * every event needs (mmap, comm, switches), with o's sample_id layout.  0 or
 * the kernel's -errno (s->tried: its attr). */
static int open_trackers(struct session *s, const struct session_opts *o, int build_ids,
			 struct perf_event_attr *trk)
{
	struct event dummy;

	memset(&dummy, 0, sizeof(dummy));
	dummy.attr.type = PERF_TYPE_SOFTWARE;
	dummy.attr.config = PERF_COUNT_SW_DUMMY;
	build_attr(s, o, &dummy, build_ids, trk);
	trk->sample_type &= ~(uint64_t)PERF_SAMPLE_READ;
	trk->read_format = 0;
	trk->freq = 0;
	trk->sample_period = 0;
	trk->context_switch = o->context_switch ? 1 : 0;
	for (size_t c = 0; c < s->n_cpus; c++) {
		struct session_fd *f = &s->fds[s->n_fds];
		int r;

		s->tried = *trk;
		r = events_open(trk, s->pid, s->cpus[c], -1);
		if (r < 0)
			return r;
		*f = (struct session_fd){ .fd = r, .event = -1 };
		s->n_fds++;
		if (ioctl(f->fd, PERF_EVENT_IOC_ID, &f->id) < 0)
			return -errno;
		r = ring_open(f->fd, o->ring_pages, &s->rings[c]);
		if (r < 0)
			return r;
		s->pfds[c].fd = f->fd;
		s->pfds[c].events = POLLIN;
	}
	return 0;
}

/* Kernels that refuse PERF_SAMPLE_READ on inherited events (before 6.12): the
 * trackers own the rings, and the events are opened on each thread as it
 * appears (perthread.h), first on the command, counting from its exec. */
static int open_per_thread(struct session *s, const struct session_opts *o, int build_ids,
			   size_t *failed_event)
{
	size_t n = o->events->n;
	struct perf_event_attr *attrs = calloc(n, sizeof(*attrs)), trk;
	int *leader = calloc(n, sizeof(*leader)), *ring_fd = calloc(s->n_cpus, sizeof(*ring_fd));
	struct perthread_spec spec = { .attrs = attrs, .leader = leader, .n = n, .cpus = s->cpus,
				       .n_cpus = s->n_cpus, .ring_fd = ring_fd };
	int r = -ENOMEM;

	*failed_event = 0;
	free(s->fds);
	s->cap_fds = s->n_cpus;
	s->fds = calloc(s->cap_fds, sizeof(*s->fds));
	s->rings = calloc(s->n_cpus, sizeof(*s->rings));
	s->pfds = calloc(2 * s->n_cpus, sizeof(*s->pfds));
	if (!attrs || !leader || !ring_fd || !s->fds || !s->rings || !s->pfds)
		goto out;
	r = open_trackers(s, o, build_ids, &trk);
	if (r < 0)
		goto out;
	for (size_t c = 0; c < s->n_cpus; c++)
		ring_fd[c] = s->pfds[c].fd;
	for (size_t e = 0; e < n; e++) {
		build_attr(s, o, &o->events->ev[e], build_ids, &attrs[e]);
		leader[e] = o->events->ev[e].leader;
	}
	r = perthread_new(&spec, &s->pt);
	if (r == 0)
		r = perthread_watch(s->pt, s->pid, &trk);
	if (r == 0)
		r = perthread_open(s->pt, s->pid, 1, failed_event, &s->tried);
	/* Without its own thread the watchers are read with the rings. */
	if (r == 0 && perthread_start(s->pt) < 0)
		s->n_pfds = s->n_cpus + perthread_pollfds(s->pt, s->pfds + s->n_cpus, s->n_cpus);
out:
	free(attrs);
	free(leader);
	free(ring_fd);
	return r;
}

/* Open every event of o for task on CPU c (its ring made or joined).  0, or
 * the kernel's -errno with *failed_event. */
static int open_task(struct session *s, const struct session_opts *o, size_t c, pid_t task,
		     int build_ids, size_t *failed_event)
{
	size_t first = s->n_fds;     /* this task's fds on c, by event index */
	int r;

	if (util_grow(&s->fds, &s->cap_fds, s->n_fds + o->events->n, sizeof(*s->fds)) < 0)
		return -ENOMEM;
	for (size_t e = 0; e < o->events->n; e++) {
		struct perf_event_attr a;
		struct session_fd *f = &s->fds[s->n_fds];
		int group_leader = o->events->ev[e].leader, group_fd = -1;

		build_attr(s, o, &o->events->ev[e], build_ids, &a);
		if (e > 0)
			a.mmap = a.mmap2 = a.comm = a.comm_exec = a.task = 0;
		else
			a.context_switch = o->context_switch ? 1 : 0;
		if (group_leader != (int)e) {
			/* A member only counts: the leader's samples read it, and
			 * it runs whenever the leader runs. */
			group_fd = s->fds[first + group_leader].fd;
			a.freq = 0;
			a.sample_period = 0;
			a.disabled = 0;
			a.enable_on_exec = 0;
			a.watermark = 0;
			a.wakeup_watermark = 0;
		}
		s->tried = a;
		r = events_open(&a, task, s->cpus[c], group_fd);
		if (r < 0) {
			*failed_event = e;
			return r;
		}
		f->fd = r;
		f->event = (int)e;
		s->n_fds++;
		if (ioctl(f->fd, PERF_EVENT_IOC_ID, &f->id) < 0)
			return -errno;
		if (group_fd >= 0)
			continue;     /* no records of its own */
		if (!s->rings[c]) {
			r = ring_open(f->fd, o->ring_pages, &s->rings[c]);
			if (r < 0)
				return r;
			s->pfds[c].fd = f->fd;
			s->pfds[c].events = POLLIN;
		} else if (ioctl(f->fd, PERF_EVENT_IOC_SET_OUTPUT, s->pfds[c].fd) < 0) {
			return -errno;
		}
	}
	return 0;
}

/* Close the fds from index `from` on (a task that went away mid-open). */
static void close_from(struct session *s, size_t from)
{
	while (s->n_fds > from)
		close(s->fds[--s->n_fds].fd);
}

static int open_all(struct session *s, const struct session_opts *o, int build_ids,
		    size_t *failed_event)
{
	pid_t child[1] = { s->pid };
	const pid_t *tasks = s->attached ? s->tasks : child;
	size_t n_tasks = s->attached ? s->n_tasks : 1, opened = 0;
	int r;

	/* After a failed attempt (cycles refused without a PMU), the fallback
	 * opens again: the arrays of that attempt go first (s->fds grows). */
	free(s->rings);
	free(s->pfds);
	s->rings = NULL;
	s->pfds = NULL;
	if (s->per_thread)
		return open_per_thread(s, o, build_ids, failed_event);
	s->rings = calloc(s->n_cpus, sizeof(*s->rings));
	s->pfds = calloc(s->n_cpus, sizeof(*s->pfds));
	if (!s->rings || !s->pfds)
		return -ENOMEM;
	for (size_t c = 0; c < s->n_cpus; c++) {
		for (size_t t = 0; t < n_tasks; t++) {
			size_t from = s->n_fds;

			r = open_task(s, o, c, tasks[t], build_ids, failed_event);
			/* An attached thread that exited since it was listed. */
			if (r == -ESRCH && s->attached) {
				close_from(s, from);
				continue;
			}
			if (r < 0)
				return r;
			opened++;
		}
	}
	return opened ? 0 : -ESRCH;
}

/* One attempt at opening every event as o asks. */
static int open_once(struct session *s, const struct session_opts *o, size_t *failed_event)
{
	int r;

	*failed_event = 0;
	memset(&s->fmt, 0, sizeof(s->fmt));
	s->fmt.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			     PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD |
			     (o->callchain ? PERF_SAMPLE_CALLCHAIN : 0) |
			     (o->stack_user ? PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER : 0);
	s->fmt.regs_user_mask = o->stack_user ? o->regs_user : 0;
	if (has_groups(o->events)) {
		s->fmt.sample_type |= PERF_SAMPLE_READ;
		s->fmt.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	}
	s->fmt.sample_id_all = 1;
	/* Build ids in MMAP2 records (Linux 5.12+) spare us reading every ELF file;
	 * older kernels reject the bit with EINVAL, so try once without. */
	s->build_ids = 1;
	r = open_all(s, o, 1, failed_event);
	if (r == -EINVAL || r == -E2BIG) {
		session_close_events(s);
		s->build_ids = 0;
		r = open_all(s, o, 0, failed_event);
	}
	if (r < 0)
		session_close_events(s);
	return r;
}

static int is_cycles(const struct event *e)
{
	return e->attr.type == PERF_TYPE_HARDWARE && e->attr.config == PERF_COUNT_HW_CPU_CYCLES;
}

static void tell(const struct session_opts *o, enum events_fallback what, const struct event *e,
		 int err)
{
	if (o->on_fallback)
		o->on_fallback(o->fallback_ctx, what, e, err);
}

/* Where the machine or the kernel refused event `bad` with r, the fallback
 * that gets round it, applied to o: 1 to try again, 0 when r stands. */
static int fall_back(struct session_opts *o, size_t bad, int r)
{
	struct event *e = &o->events->ev[bad];

	if ((r == -ENOENT || r == -EOPNOTSUPP || r == -ENODEV) && events_is_hardware(e)) {
		if (!is_cycles(e))
			return 0;
		tell(o, EVENTS_TO_CPU_CLOCK, e, r);
		events_set_cpu_clock(e);
		return 1;
	}
	if (r == -EACCES || r == -EPERM) {
		if (o->exclude_kernel || e->attr.exclude_kernel)
			return 0;
		o->exclude_kernel = 1;
		tell(o, EVENTS_USER_ONLY, e, r);
		return 1;
	}
	if (r == -EMFILE || r == -ENFILE || r == -ENOMEM)
		return 0;
	/* More precision than the PMU has (x86's answer when precise_ip is
	 * beyond its PEBS or IBS): one level less each time, said once. */
	if (r == -EOPNOTSUPP && e->attr.precise_ip > 0) {
		if (!e->precise_lowered)
			tell(o, EVENTS_LESS_PRECISE, e, r);
		e->precise_lowered = 1;
		e->attr.precise_ip--;
		return 1;
	}
	/* Kernels before 4.3 reject attr.context_switch (EINVAL); the
	 * context-switch software event may be missing too: on-CPU only. */
	if (o->context_switch && (r == -EINVAL || r == -E2BIG ||
				  (bad == o->events->n - 1 && (r == -ENOENT || r == -EOPNOTSUPP)))) {
		tell(o, EVENTS_NO_SWITCHES, e, r);
		o->context_switch = 0;
		o->events->n--;
		return 1;
	}
	/* The leaf-caller stack copy is a refinement of fp stacks: a kernel
	 * that refuses user registers or stacks still gets fp stacks. */
	if (r == -EINVAL && o->stack_user && !o->exclude_callchain_user) {
		o->stack_user = 0;
		return 1;
	}
	return 0;
}

/* Whether the kernel refused s->tried (-EINVAL) for PERF_SAMPLE_READ on an
 * inherited event alone: the same attr without inherit opens. */
static int refuses_inherited_read(const struct session *s, int r)
{
	struct perf_event_attr a = s->tried;
	int fd;

	if (r != -EINVAL || !a.inherit || !(a.sample_type & PERF_SAMPLE_READ))
		return 0;
	a.inherit = 0;
	fd = events_open(&a, s->pid, s->cpus[0], -1);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* :p beyond what the CPU PMU can do: ARM's takes precise_ip and samples with
 * skid all the same, so say so and ask for what it does (sysfspmu.h). */
static void limit_precise(struct session_opts *o)
{
	int max = sysfspmu_max_precise();

	for (size_t i = 0; max >= 0 && i < o->events->n; i++) {
		struct event *e = &o->events->ev[i];

		if (e->attr.precise_ip > (unsigned)max && e->attr.type <= PERF_TYPE_RAW &&
		    events_is_hardware(e)) {
			tell(o, EVENTS_LESS_PRECISE, e, -EOPNOTSUPP);
			e->precise_lowered = 1;
			e->attr.precise_ip = (unsigned)max;
		}
	}
}

int session_open(struct session *s, struct session_opts *o, size_t *failed_event)
{
	int r;

	limit_precise(o);
	while ((r = open_once(s, o, failed_event)) < 0) {
		/* Attached, the tasks run already: no thread to follow from its start. */
		if (!s->per_thread && !s->attached && refuses_inherited_read(s, r)) {
			s->per_thread = 1;
			tell(o, EVENTS_PER_THREAD, &o->events->ev[*failed_event], r);
			continue;
		}
		if (!fall_back(o, *failed_event, r))
			return r;
	}
	s->opened = o;
	return 0;
}

int session_add_task(struct session *s, pid_t tid)
{
	size_t bad, from = s->n_fds;
	int r = 0;

	if (!s->opened)
		return -EINVAL;
	for (size_t c = 0; c < s->n_cpus && r >= 0; c++)
		r = open_task(s, s->opened, c, tid, s->build_ids, &bad);
	if (r < 0)
		close_from(s, from);
	return r;
}

const struct perf_event_attr *session_refused_attr(const struct session *s)
{
	return &s->tried;
}
