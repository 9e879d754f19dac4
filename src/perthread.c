/* perthread.c - see perthread.h. */
#include "perthread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "events.h"
#include "util.h"

/* Data pages of a watcher's ring: FORK and EXIT records are 40-odd bytes, so
 * 32 KiB holds hundreds of them between two reads. */
#define WATCH_PAGES 8

struct ptfd {
	uint64_t id;                /* kernel id: entries are in increasing id order */
	int fd;                     /* -1 once its thread exited */
	int event;
};

struct ptthread {
	pid_t tid;
	size_t first, count;        /* its entries in fds */
	int open;
};

struct perthread {
	struct perf_event_attr *attrs;
	int *leader;
	size_t n;
	int *cpus, *ring_fd;
	size_t n_cpus;
	int *watch_fd;              /* [n_cpus], -1 until opened */
	struct ring **watch;        /* [n_cpus] */
	struct ptfd *fds;
	size_t n_fds, cap_fds;
	struct ptthread *threads;
	size_t n_threads, cap_threads;
	int raised_nofile;          /* RLIMIT_NOFILE already raised to its hard limit */
	struct perthread_stats stats;
	/* With a watcher thread (perthread_start): it reads the watchers, opens
	 * and closes, and queues the records for perthread_read; `lock` guards
	 * fds, threads, stats and the queue. */
	int threaded;               /* that thread runs */
	pthread_t thread;
	pthread_mutex_t lock;
	int stop_fd[2];             /* a byte on [1] ends the thread */
	char *queue;                /* records read, not yet delivered */
	size_t queue_len, queue_cap;
	int queue_err;              /* -ENOMEM: records were dropped */
};

int perthread_new(const struct perthread_spec *spec, struct perthread **out)
{
	struct perthread *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->stop_fd[0] = p->stop_fd[1] = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->n = spec->n;
	p->n_cpus = spec->n_cpus;
	p->attrs = calloc(spec->n ? spec->n : 1, sizeof(*p->attrs));
	p->leader = calloc(spec->n ? spec->n : 1, sizeof(*p->leader));
	p->cpus = calloc(spec->n_cpus ? spec->n_cpus : 1, sizeof(*p->cpus));
	p->ring_fd = calloc(spec->n_cpus ? spec->n_cpus : 1, sizeof(*p->ring_fd));
	p->watch_fd = calloc(spec->n_cpus ? spec->n_cpus : 1, sizeof(*p->watch_fd));
	p->watch = calloc(spec->n_cpus ? spec->n_cpus : 1, sizeof(*p->watch));
	if (!p->attrs || !p->leader || !p->cpus || !p->ring_fd || !p->watch_fd || !p->watch) {
		perthread_free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < spec->n; i++) {
		struct perf_event_attr *a = &p->attrs[i];

		*a = spec->attrs[i];
		/* Per thread: no inheriting, and the side-band records come from
		 * the session's own inherited event. */
		a->inherit = 0;
		a->mmap = a->mmap2 = a->comm = a->comm_exec = a->task = a->build_id = 0;
		a->context_switch = 0;
		p->leader[i] = spec->leader[i];
		/* A member only counts: its leader's samples read it. */
		if (spec->leader[i] != (int)i) {
			a->freq = 0;
			a->sample_period = 0;
			a->watermark = 0;
			a->wakeup_watermark = 0;
		}
	}
	for (size_t c = 0; c < spec->n_cpus; c++) {
		p->cpus[c] = spec->cpus[c];
		p->ring_fd[c] = spec->ring_fd[c];
		p->watch_fd[c] = -1;
	}
	*out = p;
	return 0;
}

static void stop_thread(struct perthread *p)
{
	if (!p->threaded)
		return;
	if (write(p->stop_fd[1], "", 1) != 1)
		pthread_cancel(p->thread);
	pthread_join(p->thread, NULL);
	p->threaded = 0;
}

void perthread_free(struct perthread *p)
{
	if (!p)
		return;
	stop_thread(p);
	for (int i = 0; i < 2; i++)
		if (p->stop_fd[i] >= 0)
			close(p->stop_fd[i]);
	pthread_mutex_destroy(&p->lock);
	free(p->queue);
	for (size_t i = 0; i < p->n_fds; i++)
		if (p->fds[i].fd >= 0)
			close(p->fds[i].fd);
	for (size_t c = 0; p->watch && p->watch_fd && c < p->n_cpus; c++) {
		ring_close(p->watch[c]);
		if (p->watch_fd[c] >= 0)
			close(p->watch_fd[c]);
	}
	free(p->attrs);
	free(p->leader);
	free(p->cpus);
	free(p->ring_fd);
	free(p->watch_fd);
	free(p->watch);
	free(p->fds);
	free(p->threads);
	free(p);
}

int perthread_watch(struct perthread *p, pid_t pid, const struct perf_event_attr *tmpl)
{
	for (size_t c = 0; c < p->n_cpus; c++) {
		struct perf_event_attr a = *tmpl;
		int fd, r;

		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_DUMMY;
		a.sample_type &= ~(uint64_t)PERF_SAMPLE_READ;
		a.read_format = 0;
		a.freq = 0;
		a.sample_period = 0;
		a.inherit = 1;
		a.mmap = a.mmap2 = a.comm = a.comm_exec = a.build_id = a.context_switch = 0;
		a.task = 1;
		/* Wake the reader at every record: a new thread is sampled only
		 * once the reader has seen its FORK. */
		a.watermark = 1;
		a.wakeup_watermark = 1;
		fd = events_open(&a, pid, p->cpus[c], -1);
		if (fd < 0)
			return fd;
		p->watch_fd[c] = fd;
		r = ring_open(fd, WATCH_PAGES, &p->watch[c]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int push_fd(struct perthread *p, int fd, int event, uint64_t id)
{
	if (util_grow(&p->fds, &p->cap_fds, p->n_fds + 1, sizeof(*p->fds)) < 0)
		return -ENOMEM;
	p->fds[p->n_fds++] = (struct ptfd){ .id = id, .fd = fd, .event = event };
	return 0;
}

/* Close the fds of entries [first, n_fds) and forget them (a failed open). */
static void drop_from(struct perthread *p, size_t first)
{
	while (p->n_fds > first)
		close(p->fds[--p->n_fds].fd);
}

/* Event e on tid and CPU slot c, in the ring of that CPU, the attr tried
 * into *a.  The events of a CPU open in order, one fd each, so that the
 * CPU's first is at n_fds - e.  0 or -errno. */
static int open_one(struct perthread *p, pid_t tid, size_t c, size_t e, int on_exec,
		    struct perf_event_attr *a)
{
	int is_leader = p->leader[e] == (int)e, group_fd = -1, fd, r;
	size_t base = p->n_fds - e;
	uint64_t id;

	*a = p->attrs[e];
	if (!is_leader)
		group_fd = p->fds[base + (size_t)p->leader[e]].fd;
	/* Members follow their leader; a leader waits for the exec or starts. */
	a->disabled = is_leader && on_exec;
	a->enable_on_exec = is_leader && on_exec;
	fd = events_open(a, tid, p->cpus[c], group_fd);
	if (fd < 0)
		return fd;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0 ||
	    (is_leader && ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, p->ring_fd[c]) < 0)) {
		r = -errno;
		close(fd);
		return r;
	}
	r = push_fd(p, fd, (int)e, id);
	if (r < 0)
		close(fd);
	return r;
}

/* One attempt at every event of tid on every CPU; nothing stays open on failure. */
static int open_thread(struct perthread *p, pid_t tid, int on_exec, size_t *failed,
		       struct perf_event_attr *tried)
{
	size_t first = p->n_fds;
	struct perf_event_attr a;

	for (size_t c = 0; c < p->n_cpus; c++) {
		for (size_t e = 0; e < p->n; e++) {
			int r = open_one(p, tid, c, e, on_exec, &a);

			if (r < 0) {
				if (failed)
					*failed = e;
				if (tried)
					*tried = a;
				drop_from(p, first);
				return r;
			}
		}
	}
	return 0;
}

/* Out of file descriptors: a thread's events on every CPU take many; the
 * soft limit may rise to the hard one (once). */
static int raise_nofile(struct perthread *p)
{
	struct rlimit rl;

	if (p->raised_nofile || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return 0;
	p->raised_nofile = 1;
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static struct ptthread *find_thread(struct perthread *p, pid_t tid)
{
	/* Newest first: threads that come and go are the recent ones. */
	for (size_t i = p->n_threads; i-- > 0;)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

static void close_thread(struct ptthread *t, struct perthread *p)
{
	for (size_t i = t->first; i < t->first + t->count; i++) {
		if (p->fds[i].fd >= 0)
			close(p->fds[i].fd);
		p->fds[i].fd = -1;      /* the id stays: its samples may be unread */
	}
	t->open = 0;
}

int perthread_open(struct perthread *p, pid_t tid, int on_exec, size_t *failed,
		   struct perf_event_attr *tried)
{
	struct ptthread *t = find_thread(p, tid);
	size_t first;
	int r;

	/* A tid seen again while open: its EXIT was lost and the number reused. */
	if (t && t->open)
		close_thread(t, p);
	if (util_grow(&p->threads, &p->cap_threads, p->n_threads + 1, sizeof(*p->threads)) < 0)
		return -ENOMEM;
	first = p->n_fds;
	r = open_thread(p, tid, on_exec, failed, tried);
	if ((r == -EMFILE || r == -ENFILE) && raise_nofile(p))
		r = open_thread(p, tid, on_exec, failed, tried);
	if (r < 0) {
		/* ESRCH: the thread ended before we saw it; nothing was lost. */
		if (r != -ESRCH) {
			p->stats.failed++;
			p->stats.last_err = r;
		}
		return r;
	}
	p->threads[p->n_threads++] = (struct ptthread){
		.tid = tid, .first = first, .count = p->n_fds - first, .open = 1 };
	p->stats.threads++;
	return 0;
}

/* FORK and EXIT: u32 pid, ppid, tid, ptid after the header. */
static void on_task_record(struct perthread *p, const void *buf, size_t len)
{
	struct perf_event_header h;
	uint32_t tid;
	struct ptthread *t;

	if (len < sizeof(h) + 16)
		return;
	memcpy(&h, buf, sizeof(h));
	if (h.type != PERF_RECORD_FORK && h.type != PERF_RECORD_EXIT)
		return;
	memcpy(&tid, (const char *)buf + sizeof(h) + 8, sizeof(tid));
	if (h.type == PERF_RECORD_FORK) {
		perthread_open(p, (pid_t)tid, 0, NULL, NULL);
		return;
	}
	t = find_thread(p, (pid_t)tid);
	if (t && t->open)
		close_thread(t, p);
}

struct relay {
	struct perthread *p;
	ring_record_fn fn;
	void *ctx;
};

static int relay_record(const void *buf, size_t len, void *arg)
{
	struct relay *r = arg;

	on_task_record(r->p, buf, len);
	return r->fn(buf, len, r->ctx);
}

/* Every watcher's records through fn (on_task_record first). */
static int read_watchers(struct perthread *p, ring_record_fn fn, void *ctx)
{
	struct relay r = { p, fn, ctx };

	for (size_t c = 0; c < p->n_cpus; c++) {
		int got;

		if (!p->watch[c])
			continue;
		got = ring_read(p->watch[c], relay_record, &r);
		if (got < 0)
			return got;
	}
	return 0;
}

/* The watcher thread's fn: keep the record for perthread_read (lock held). */
static int enqueue(const void *buf, size_t len, void *arg)
{
	struct perthread *p = arg;

	if (util_grow(&p->queue, &p->queue_cap, p->queue_len + len, 1) < 0) {
		p->queue_err = -ENOMEM;
		return 0;
	}
	memcpy(p->queue + p->queue_len, buf, len);
	p->queue_len += len;
	return 0;
}

/* The watchers' fds for poll(2) into pfds[0..cap): how many were written. */
static size_t watch_pollfds(const struct perthread *p, struct pollfd *pfds, size_t cap)
{
	size_t n = 0;

	for (size_t c = 0; c < p->n_cpus && n < cap; c++) {
		if (p->watch_fd[c] < 0)
			continue;
		pfds[n].fd = p->watch_fd[c];
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		n++;
	}
	return n;
}

static void *watch_thread(void *arg)
{
	struct perthread *p = arg;
	struct pollfd pfds[1 + 1024];
	size_t n = watch_pollfds(p, pfds + 1, 1024);

	pfds[0].fd = p->stop_fd[0];
	pfds[0].events = POLLIN;
	for (;;) {
		if (poll(pfds, 1 + n, -1) < 0 && errno != EINTR)
			break;
		if (pfds[0].revents)
			break;
		pthread_mutex_lock(&p->lock);
		read_watchers(p, enqueue, p);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

int perthread_start(struct perthread *p)
{
	sigset_t all, old;
	int r;

	if (p->threaded)
		return 0;
	if (p->n_cpus > 1024 || pipe2(p->stop_fd, O_CLOEXEC) < 0)
		return p->n_cpus > 1024 ? -E2BIG : -errno;
	/* Signals are the main thread's (hwprof forwards them to the command). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&p->thread, NULL, watch_thread, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->threaded = r == 0;
	return r;
}

int perthread_read(struct perthread *p, ring_record_fn fn, void *ctx)
{
	char *q;
	size_t len, off = 0;
	int r = 0, err;

	if (!p->threaded)
		return read_watchers(p, fn, ctx);
	/* Take the queue whole; the thread starts a new one. */
	pthread_mutex_lock(&p->lock);
	q = p->queue;
	len = p->queue_len;
	p->queue = NULL;
	p->queue_len = p->queue_cap = 0;
	r = p->queue_err;
	p->queue_err = 0;
	pthread_mutex_unlock(&p->lock);
	/* Records that did not fit in memory are lost: say so, after these. */
	err = r;
	r = 0;
	while (r == 0 && off + sizeof(struct perf_event_header) <= len) {
		struct perf_event_header h;

		memcpy(&h, q + off, sizeof(h));
		if (h.size < sizeof(h) || off + h.size > len)
			break;
		r = fn(q + off, h.size, ctx);
		off += h.size;
	}
	free(q);
	return r < 0 ? r : err;
}

size_t perthread_pollfds(const struct perthread *p, struct pollfd *pfds, size_t cap)
{
	/* With the watcher thread, the watchers are its to poll. */
	return p->threaded ? 0 : watch_pollfds(p, pfds, cap);
}

int perthread_event_of(struct perthread *p, uint64_t id)
{
	size_t lo = 0, hi;
	int event = -1;

	pthread_mutex_lock(&p->lock);
	hi = p->n_fds;
	/* The kernel numbers events in the order they are opened. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->fds[mid].id == id) {
			event = p->fds[mid].event;
			break;
		}
		if (p->fds[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	pthread_mutex_unlock(&p->lock);
	return event;
}

void perthread_stats(struct perthread *p, struct perthread_stats *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->stats;
	pthread_mutex_unlock(&p->lock);
}
