/* test-perthread.c - a group opened thread by thread (perthread.h), on a child
 * of ours that starts two threads: the watchers' FORK records bring each new
 * thread its own events, every sample reads its group, and the events of a
 * thread that ended are closed.  Software events (task-clock leading
 * context-switches), so that it runs on machines without a PMU; skipped where
 * perf_event_open is refused. */
#include <errno.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "perfrec.h"
#include "perthread.h"
#include "ring.h"
#include "tap.h"
#include "util.h"

#define MAX_CPUS 256
#define RING_PAGES 64
#define TIDS 8

static const struct perfrec_format fmt = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_READ,
	.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID,
	.sample_id_all = 1,
};

/* ---- the child: two threads and main, busy until told to stop ---- */

static int done_fd;

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* At least 20 ms of CPU, then until the parent has seen enough. */
static void *busy(void *arg)
{
	volatile unsigned long sink = 0;
	double end = cpu_now() + 0.02;
	struct pollfd p = { .fd = done_fd, .events = POLLIN };

	(void)arg;
	for (;;) {
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long)i;
		if (cpu_now() >= end && poll(&p, 1, 0) == 1)
			return NULL;
	}
}

static void child(int go, int done)
{
	pthread_t t[2];
	char c;

	done_fd = done;
	if (read(go, &c, 1) != 1)
		_exit(1);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, busy, NULL) != 0)
			_exit(1);
	busy(NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

/* ---- the parent ---- */

struct seen {
	struct perthread *pt;
	uint32_t tid[TIDS];
	uint64_t samples[TIDS];
	size_t ntids;
	uint64_t forks, exits, bad_reads, bad_ids;
};

static int on_task(const void *buf, size_t len, void *arg)
{
	struct seen *s = arg;
	struct perf_event_header h;

	memcpy(&h, buf, sizeof(h));
	s->forks += h.type == PERF_RECORD_FORK;
	s->exits += h.type == PERF_RECORD_EXIT;
	(void)len;
	return 0;
}

static int on_sample(const void *buf, size_t len, void *arg)
{
	struct seen *s = arg;
	struct perfrec r;
	size_t i;

	if (perfrec_decode(&fmt, buf, len, &r) < 0 || r.type != PERF_RECORD_SAMPLE)
		return 0;
	if (perthread_event_of(s->pt, r.u.sample.identifier) != 0)
		s->bad_ids++;
	if (r.u.sample.read.nr != 2 ||
	    perthread_event_of(s->pt, r.u.sample.read.values[1].id) != 1)
		s->bad_reads++;
	for (i = 0; i < s->ntids && s->tid[i] != r.u.sample.tid; i++)
		;
	if (i == s->ntids && i < TIDS)
		s->tid[s->ntids++] = r.u.sample.tid;
	if (i < TIDS)
		s->samples[i]++;
	return 0;
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Every thread (main and two) with samples of its own. */
static int all_sampled(const struct seen *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ntids; i++)
		n += s->samples[i] >= 2;
	return n >= 3;
}

/* One run: the child, the CPUs and their rings, what was seen. */
struct run {
	pid_t pid;
	int go[2], done[2], status, exited, told;
	int cpus[MAX_CPUS], ring_fd[MAX_CPUS];
	struct ring *rings[MAX_CPUS];
	size_t ncpus;
	struct perf_event_attr trk;         /* the session's dummy per CPU */
	struct seen seen;
};

/* The CPUs we may run on, and the child, waiting for go.  0 or 1. */
static int spawn(struct run *u)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < MAX_CPUS; c++)
			if (CPU_ISSET(c, &set))
				u->cpus[u->ncpus++] = c;
	if (pipe(u->go) < 0 || pipe(u->done) < 0)
		return 1;
	u->pid = fork();
	if (u->pid == 0) {
		close(u->go[1]);
		close(u->done[1]);
		child(u->go[0], u->done[0]);
	}
	close(u->go[0]);
	close(u->done[0]);
	return 0;
}

/* The session's part: per CPU an inherited dummy owning the ring.  0, or 77
 * (the child killed) when perf_event_open is refused here. */
static int open_rings(struct run *u)
{
	struct perf_event_attr *trk = &u->trk;

	memset(trk, 0, sizeof(*trk));
	trk->size = sizeof(*trk);
	trk->type = PERF_TYPE_SOFTWARE;
	trk->config = PERF_COUNT_SW_DUMMY;
	trk->sample_type = fmt.sample_type & ~(uint64_t)PERF_SAMPLE_READ;
	trk->sample_id_all = 1;
	trk->inherit = 1;
	for (size_t c = 0; c < u->ncpus; c++) {
		u->ring_fd[c] = events_open(trk, u->pid, u->cpus[c], -1);
		if (u->ring_fd[c] < 0 || ring_open(u->ring_fd[c], RING_PAGES, &u->rings[c]) < 0) {
			printf("1..0 # SKIP perf_event_open refused here: %s\n",
			       strerror(u->ring_fd[c] < 0 ? -u->ring_fd[c] : errno));
			kill(u->pid, SIGKILL);
			return 77;
		}
	}
	return 0;
}

/* The group: task-clock leading context-switches, as a session asks for it. */
static void group_attrs(struct perf_event_attr attrs[2])
{
	memset(attrs, 0, 2 * sizeof(attrs[0]));
	attrs[0].size = attrs[1].size = sizeof(attrs[0]);
	attrs[0].type = attrs[1].type = PERF_TYPE_SOFTWARE;
	attrs[0].config = PERF_COUNT_SW_TASK_CLOCK;
	attrs[1].config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	attrs[0].sample_period = 1000000;        /* a sample a millisecond */
	for (int i = 0; i < 2; i++) {
		attrs[i].sample_type = fmt.sample_type;
		attrs[i].read_format = fmt.read_format;
		attrs[i].sample_id_all = 1;
		attrs[i].inherit = 1;                /* perthread clears it */
		attrs[i].mmap = 1;                   /* and the side-band bits */
	}
}

/* Let the child go and read the watchers and the rings until it has exited
 * (killed if it does not within a minute: a count of loops would run out
 * early when the watchers are readable at every poll while a slow, sanitized
 * child takes its time), then what is left of both.  0 or 1. */
static int drive(struct run *u)
{
	struct pollfd pfds[MAX_CPUS];
	int64_t deadline = util_now_mono_ns() + 60 * (int64_t)1000000000;

	if (write(u->go[1], "g", 1) != 1)
		return 1;
	while (!u->exited && util_now_mono_ns() < deadline) {
		size_t n = perthread_pollfds(u->seen.pt, pfds, MAX_CPUS);

		if (n)
			poll(pfds, n, 5);
		else
			usleep(5000);
		perthread_read(u->seen.pt, on_task, &u->seen);
		for (size_t c = 0; c < u->ncpus; c++)
			ring_read(u->rings[c], on_sample, &u->seen);
		/* Enough seen: the threads may end. */
		if (!u->told && all_sampled(&u->seen)) {
			u->told = write(u->done[1], "d", 1) == 1;
			close(u->done[1]);
		}
		u->exited = waitpid(u->pid, &u->status, WNOHANG) == u->pid;
	}
	if (!u->exited) {
		kill(u->pid, SIGKILL);
		waitpid(u->pid, &u->status, 0);
	}
	/* The last EXIT records may still be on their way to the watcher thread. */
	for (int tries = 0; tries < 200 && u->seen.exits < 3; tries++) {
		usleep(5000);
		perthread_read(u->seen.pt, on_task, &u->seen);
	}
	for (size_t c = 0; c < u->ncpus; c++)
		ring_read(u->rings[c], on_sample, &u->seen);
	return 0;
}

/* The whole run, with the watchers read by perthread's own thread or, without
 * it, by drive's calls to perthread_read.  0, or 77 when perf_event_open is
 * refused here. */
static int scenario(int own_thread)
{
	const char *how = own_thread ? "own thread" : "read inline";
	struct perf_event_attr attrs[2];
	int leader[2] = { 0, 0 }, r;
	struct perthread_stats st;
	struct perthread_spec spec;
	struct pollfd pfds[MAX_CPUS];
	size_t failed = 99, fds_before;
	struct run u = { 0 };
	struct seen *seen = &u.seen;

	if (spawn(&u))
		return 1;
	r = open_rings(&u);
	if (r)
		return r;
	group_attrs(attrs);
	spec = (struct perthread_spec){ .attrs = attrs, .leader = leader, .n = 2, .cpus = u.cpus,
					.n_cpus = u.ncpus, .ring_fd = u.ring_fd };
	ok(perthread_new(&spec, &seen->pt) == 0, "%s: perthread_new", how);
	r = perthread_watch(seen->pt, u.pid, &u.trk);
	is_int(r, 0, "%s: a watcher on every CPU (%zu)", how, u.ncpus);
	fds_before = open_fds();
	r = perthread_open(seen->pt, u.pid, 0, &failed, NULL);
	is_int(r, 0, "%s: the group opened on the command's first thread", how);
	perthread_stats(seen->pt, &st);
	ok(perthread_open(seen->pt, 999999999, 0, &failed, NULL) == -ESRCH && st.failed == 0,
	   "%s: a thread gone before its events open: -ESRCH, no failure", how);
	if (own_thread) {
		size_t before_start = open_fds();

		is_int(perthread_start(seen->pt), 0, "%s: the watcher thread starts", how);
		/* What the thread itself holds stays open. */
		fds_before += open_fds() - before_start;
	}
	is_int(perthread_pollfds(seen->pt, pfds, MAX_CPUS), own_thread ? 0 : u.ncpus,
	       "%s: the watchers are polled by the caller only without the thread", how);
	if (drive(&u))
		return 1;

	perthread_stats(seen->pt, &st);
	ok(u.exited && WIFEXITED(u.status) && WEXITSTATUS(u.status) == 0,
	   "%s: the command ran and exited", how);
	is_int(seen->forks, 2, "%s: the watchers gave a FORK record for each new thread", how);
	ok(seen->exits >= 3, "%s: and an EXIT record for each thread (%llu)", how,
	   (unsigned long long)seen->exits);
	is_int(st.threads, 3, "%s: each new thread got the group at its FORK record", how);
	ok(all_sampled(seen), "%s: all three threads were sampled (%zu threads with samples)", how,
	   seen->ntids);
	is_int(seen->bad_ids, 0, "%s: every sample's id is the leader's (event 0)", how);
	is_int(seen->bad_reads, 0, "%s: every sample reads its group: the member's id is event 1's",
	       how);
	/* done[1] was closed meanwhile. */
	is_int(open_fds() + (u.told ? 1 : 0), fds_before,
	       "%s: every thread's events closed at its EXIT, the first thread's too", how);
	is_int(perthread_event_of(seen->pt, 0), -1, "%s: an id never opened belongs to no event",
	       how);
	perthread_free(seen->pt);
	for (size_t c = 0; c < u.ncpus; c++) {
		ring_close(u.rings[c]);
		close(u.ring_fd[c]);
	}
	close(u.go[1]);
	return 0;
}

int main(void)
{
	if (scenario(1) == 77)
		return 0;
	scenario(0);
	perthread_free(NULL);
	return done_testing();
}
