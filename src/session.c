/* session.c - see session.h. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

struct session_fd {
	int fd;
	uint64_t id;
	int event;
};

struct session {
	pid_t pid;
	int go_fd;               /* writing here lets the child exec */
	int err_fd;              /* the child writes errno here when exec fails */
	int started, reaped;
	struct perfrec_format fmt;
	int build_ids;
	size_t n_cpus;
	int *cpus;
	size_t n_fds;
	struct session_fd *fds;
	struct ring **rings;     /* one per CPU */
	struct pollfd *pfds;
	struct perf_event_attr tried; /* the last attr given to perf_event_open */
	/* Attached (session_attach): no child; events on these tasks, or on
	 * every task of each CPU when the one task is -1. */
	int attached;
	pid_t *tasks;
	size_t n_tasks, cap_fds;
	const struct session_opts *opened;   /* as session_open left them */
};

static int read_online_cpus(int **out, size_t *n)
{
	char buf[4096];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int r;

	*out = NULL;
	*n = 0;
	if (!f || !fgets(buf, sizeof(buf), f)) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		if (f)
			fclose(f);
		snprintf(buf, sizeof(buf), "0-%ld", c > 0 ? c - 1 : 0);
	} else {
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	r = target_parse_cpus(buf, out, n);
	return r == -EINVAL ? -ENODEV : r;
}

int session_spawn(char *const argv[], struct session **out)
{
	struct session *s;
	int go[2] = { -1, -1 }, err[2] = { -1, -1 };
	int r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->go_fd = s->err_fd = -1;
	r = read_online_cpus(&s->cpus, &s->n_cpus);
	if (r < 0)
		goto fail;
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	s->pid = fork();
	if (s->pid < 0) {
		r = -errno;
		goto fail;
	}
	if (s->pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		/* Wait for the counters: EOF means hwprof gave up before starting us. */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		close(go[0]);
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	s->go_fd = go[1];
	s->err_fd = err[0];
	*out = s;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	session_free(s);
	return r;
}

static void close_events(struct session *s)
{
	for (size_t i = 0; i < s->n_cpus && s->rings; i++) {
		ring_close(s->rings[i]);
		s->rings[i] = NULL;
	}
	for (size_t i = 0; i < s->n_fds; i++)
		close(s->fds[i].fd);
	s->n_fds = 0;
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

	free(s->rings);
	free(s->pfds);
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
		close_events(s);
		s->build_ids = 0;
		r = open_all(s, o, 0, failed_event);
	}
	if (r < 0)
		close_events(s);
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

int session_open(struct session *s, struct session_opts *o, size_t *failed_event)
{
	int r;

	while ((r = open_once(s, o, failed_event)) < 0)
		if (!fall_back(o, *failed_event, r))
			return r;
	s->opened = o;
	return 0;
}

int session_attach(const int *cpus, size_t n_cpus, const pid_t *tids, size_t n_tids,
		   struct session **out)
{
	struct session *s = calloc(1, sizeof(*s));
	int r = -ENOMEM;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->go_fd = s->err_fd = -1;
	s->attached = 1;
	s->n_tasks = n_tids ? n_tids : 1;
	s->tasks = malloc(s->n_tasks * sizeof(*s->tasks));
	if (!s->tasks)
		goto fail;
	if (n_tids)
		memcpy(s->tasks, tids, n_tids * sizeof(*tids));
	else
		s->tasks[0] = -1;
	if (cpus) {
		s->cpus = malloc(n_cpus * sizeof(*cpus));
		if (!s->cpus)
			goto fail;
		memcpy(s->cpus, cpus, n_cpus * sizeof(*cpus));
		s->n_cpus = n_cpus;
	} else if ((r = read_online_cpus(&s->cpus, &s->n_cpus)) < 0) {
		goto fail;
	}
	*out = s;
	return 0;
fail:
	session_free(s);
	return r;
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

size_t session_ring_pages(const struct session_opts *o, size_t asked)
{
	size_t pages = SESSION_RING_PAGES;

	if (asked)
		return asked;
	/* A frame-pointer sample carries 650 bytes of registers and stack for the
	 * leaf-caller recovery (hence 256 pages: 1 MiB, room for some 100 ms at
	 * -F 4999 on two threads); a DWARF sample some 16 KiB: the default ring
	 * would hold only a few dozen of them between two reads. */
	if (o->exclude_callchain_user)
		pages *= 4;
	/* A sample and two records per context switch: tens of thousands a
	 * second in a chatty program, more than the default ring holds between
	 * two reads while hwprof symbolizes the first stacks. */
	if (o->context_switch && pages < 1024)
		pages = 1024;
	return pages;
}

int session_add_offcpu(struct session_opts *o)
{
	char err[256];
	/* Period 1: every switch-out is a sample, with the stacks the other
	 * events get. */
	int r = events_append(o->events, "context-switches:period=1", err, sizeof(err));

	if (r < 0)
		return r;
	o->context_switch = 1;
	return 0;
}

int session_offcpu_event(const struct session_opts *o)
{
	/* session_add_offcpu put the switch event last; session_open drops it
	 * together with the records. */
	return o->context_switch ? (int)o->events->n : 0;
}

int session_start(struct session *s)
{
	char go = 1;
	int e = 0;
	ssize_t n;

	if (write(s->go_fd, &go, 1) != 1)
		return -errno;
	close(s->go_fd);
	s->go_fd = -1;
	s->started = 1;
	/* The error pipe is close-on-exec: EOF means the exec succeeded. */
	do {
		n = read(s->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(s->err_fd);
	s->err_fd = -1;
	if (n == (ssize_t)sizeof(e)) {
		int status;

		waitpid(s->pid, &status, 0);
		s->reaped = 1;
		return -e;
	}
	return 0;
}

int session_poll(struct session *s, int timeout_ms)
{
	int r = poll(s->pfds, s->n_cpus, timeout_ms);

	return r < 0 ? -errno : r;
}

int session_read(struct session *s, ring_record_fn fn, void *ctx)
{
	for (size_t c = 0; c < s->n_cpus; c++) {
		int r;

		if (!s->rings[c])
			continue;
		r = ring_read(s->rings[c], fn, ctx);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct perfrec_format *session_format(const struct session *s)
{
	return &s->fmt;
}

int session_event_of(const struct session *s, uint64_t id)
{
	for (size_t i = 0; i < s->n_fds; i++)
		if (s->fds[i].id == id)
			return s->fds[i].event;
	return -1;
}

pid_t session_pid(const struct session *s)
{
	return s->pid;
}

int session_has_build_ids(const struct session *s)
{
	return s->build_ids;
}

int session_wait(struct session *s, int *status, int nohang)
{
	pid_t r;

	if (s->reaped)
		return 1;
	do {
		r = waitpid(s->pid, status, nohang ? WNOHANG : 0);
	} while (r < 0 && errno == EINTR && !nohang);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	s->reaped = 1;
	return 1;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	close_events(s);
	if (s->go_fd >= 0)
		close(s->go_fd);   /* a child still waiting to exec sees EOF and exits */
	if (s->err_fd >= 0)
		close(s->err_fd);
	if (s->pid > 0 && !s->reaped) {
		int status;

		if (!s->started)
			waitpid(s->pid, &status, 0);
	}
	free(s->fds);
	free(s->rings);
	free(s->pfds);
	free(s->cpus);
	free(s->tasks);
	free(s);
}
