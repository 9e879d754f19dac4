/* session.c - see session.h.  Opening the events, with the fallbacks, is in
 * session-open.c. */
#include "session-int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

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
	pid_t parent = getpid();
	int r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->go_fd = s->err_fd = s->tty = -1;
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
		/* hwprof killed, even by SIGKILL: the program is told (SIGTERM)
		 * rather than left running with nobody recording it.  Unless
		 * hwprof died before this line: then we have another parent. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(127);
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


int session_perthread_stats(const struct session *s, struct perthread_stats *out)
{
	if (!s->pt)
		return 0;
	perthread_stats(s->pt, out);
	return 1;
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
	/* Larger copies: room for as many samples as with 16 KiB ones. */
	for (uint32_t size = 16384; o->exclude_callchain_user && size < o->stack_user; size *= 2)
		pages *= 2;
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
	int r = poll(s->pfds, s->n_pfds ? s->n_pfds : s->n_cpus, timeout_ms);

	return r < 0 ? -errno : r;
}

int session_read(struct session *s, ring_record_fn fn, void *ctx)
{
	int err;

	/* The watchers' records first: FORK before the new thread's samples. */
	if (s->pt && (err = perthread_read(s->pt, fn, ctx)) < 0)
		return err;
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
	return s->pt ? perthread_event_of(s->pt, id) : -1;
}

pid_t session_pid(const struct session *s)
{
	return s->pid;
}

int session_has_build_ids(const struct session *s)
{
	return s->build_ids;
}

/* The controlling terminal's descriptor among 0..2, or -1. */
static int controlling_tty(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (isatty(fd) && tcgetsid(fd) == getsid(0))
			return fd;
	return -1;
}

/* Whether hwprof's process group is the terminal's foreground. */
static int tty_ours(const struct session *s)
{
	return s->tty >= 0 && tcgetpgrp(s->tty) == getpgrp();
}

/* Make pgid the terminal's foreground group, from the background too (a
 * background tcsetpgrp is let through when SIGTTOU is blocked). */
static void tty_set(const struct session *s, pid_t pgid)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(s->tty, pgid);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int session_own_group(struct session *s)
{
	/* The child waits for session_start before it execs: no race with it. */
	if (s->started)
		return -EBUSY;
	if (setpgid(s->pid, s->pid) < 0)
		return -errno;
	s->own_group = 1;
	s->tty = controlling_tty();
	return 0;
}

int session_signal(struct session *s, int sig)
{
	if (s->reaped)
		return -ESRCH;  /* its pid may be another process's by now */
	if (s->own_group && kill(-s->pid, sig) == 0) {
		/* A child that left its group (setsid) gets it too. */
		if (getpgid(s->pid) != s->pid)
			kill(s->pid, sig);
		return 0;
	}
	return kill(s->pid, sig) < 0 ? -errno : 0;
}

int session_forward(struct session *s, int sig, int again)
{
	int64_t now = util_now_mono_ns();

	if (sig == SIGINT && (again || (s->last_int && now - s->last_int < 2000000000)))
		sig = SIGKILL;
	if (sig == SIGINT)
		s->last_int = now;
	return session_signal(s, sig);
}

void session_suspend(struct session *s)
{
	if (s->tty_given && tcgetpgrp(s->tty) == s->pid)
		tty_set(s, getpgrp());
}

int session_resume(struct session *s)
{
	int wants_tty = s->tty_given || s->stop_sig == SIGTTIN || s->stop_sig == SIGTTOU;

	if (s->reaped)
		return 0;
	if (wants_tty && tty_ours(s)) {
		tty_set(s, s->pid);
		s->tty_given = 1;
	}
	s->stop_sig = 0;
	return session_signal(s, SIGCONT);
}

int session_stop_with(struct session *s)
{
	session_suspend(s);
	raise(SIGSTOP);
	session_resume(s);
	return 0;
}

/* The child stopped on sig.  Reading (or writing) the terminal from the
 * background while hwprof holds it: the program is interactive, so it gets
 * the terminal, as a shell's fg would give it, and goes on.  Any other stop
 * (Ctrl-Z, SIGSTOP, a terminal not ours to give): the caller stops too, so
 * that the shell, which sees only hwprof, shows the job stopped. */
static int on_stop(struct session *s, int sig)
{
	s->stop_sig = sig;
	if ((sig == SIGTTIN || sig == SIGTTOU) && tty_ours(s)) {
		session_resume(s);
		return 0;
	}
	return s->tty >= 0 ? SESSION_STOPPED : 0;
}

int session_wait(struct session *s, int *status, int nohang)
{
	int st, flags = nohang ? WNOHANG : 0;
	pid_t r;

	if (s->reaped)
		return 1;
	/* In a group of its own, its job control stops are ours to handle. */
	if (s->own_group)
		flags |= WUNTRACED;
	do {
		r = waitpid(s->pid, &st, flags);
	} while (r < 0 && errno == EINTR && !nohang);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	if (WIFSTOPPED(st))
		return on_stop(s, WSTOPSIG(st));
	*status = st;
	s->reaped = 1;
	session_suspend(s);     /* the terminal back to hwprof */
	return 1;
}

int session_set_period(struct session *s, int event, uint64_t period)
{
	for (size_t i = 0; i < s->n_fds; i++)
		if (s->fds[i].event == event && ioctl(s->fds[i].fd, PERF_EVENT_IOC_PERIOD, &period) < 0)
			return -errno;
	return 0;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	session_close_events(s);
	if (s->go_fd >= 0)
		close(s->go_fd);   /* a child still waiting to exec sees EOF and exits */
	if (s->err_fd >= 0)
		close(s->err_fd);
	session_suspend(s);
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
