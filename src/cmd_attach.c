/* cmd_attach.c - see cmd_attach.h. */
#include "cmd_attach.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "preflight.h"
#include "spanattach.h"
#include "util.h"

int attach_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {
		{ "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 },
		{ "", 1e9 },
	};
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v <= 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].name) != 0)
			continue;
		/* A year is plenty; past it the value would not fit in ns. */
		if (v * units[i].ns > 365.0 * 86400e9 || v * units[i].ns < 1e6)
			return -EINVAL;
		*ns = (int64_t)(v * units[i].ns);
		return 0;
	}
	return -EINVAL;
}

int attach_option(const char *cmd, int opt, const char *arg, struct target *t,
		  int64_t *duration_ns)
{
	int r = 0;

	switch (opt) {
	case 'p':
		r = target_parse_ids(arg, &t->pids, &t->n_pids);
		break;
	case 't':
		r = target_parse_ids(arg, &t->tids, &t->n_tids);
		break;
	case 'a':
		t->system_wide = 1;
		return 0;
	case 'C':
		free(t->cpus);
		r = target_parse_cpus(arg, &t->cpus, &t->n_cpus);
		if (r == -EINVAL) {
			fprintf(stderr, "hwprof %s: -C %s: expected CPU numbers and ranges, "
				"e.g. 0-3,6\n", cmd, arg);
			return -1;
		}
		break;
	case ATTACH_OPT_DURATION:
		if (attach_parse_duration(arg, duration_ns) < 0) {
			fprintf(stderr, "hwprof %s: --duration %s: expected a duration such as "
				"30s, 500ms, 2m or 1h\n", cmd, arg);
			return -1;
		}
		return 0;
	default:
		return -1;
	}
	if (r == -EINVAL) {
		fprintf(stderr, "hwprof %s: -%c %s: expected process or thread ids, "
			"comma-separated (e.g. 1234,5678)\n", cmd, opt, arg);
		return -1;
	}
	if (r < 0) {
		fprintf(stderr, "hwprof %s: %s\n", cmd, util_strerror(r));
		return -1;
	}
	return 0;
}

/* Drop ids[i] from (ids, *n), keeping the order. */
static void drop_at(pid_t *ids, size_t *n, size_t i)
{
	memmove(&ids[i], &ids[i + 1], (*n - i - 1) * sizeof(*ids));
	(*n)--;
}

/* What check_ids needs of the command and its targets, and the count of
 * ids it dropped. */
struct id_check {
	const char *cmd;
	const char *proc_root;
	const struct preflight_self *self;
	size_t dropped;
};

/* Every id of (ids, *n) (given with -flag) must exist; those of other users
 * are dropped when we may not attach to them, each with its line, and counted
 * in c->dropped.  0, or 1 after a message for an id that does not exist. */
static int check_ids(struct id_check *c, char flag, pid_t *ids, size_t *n)
{
	char why[256];

	for (size_t i = 0; i < *n;) {
		uid_t uid;
		int r = preflight_owner(c->proc_root, ids[i], &uid);

		if (r == -ESRCH) {
			fprintf(stderr, "hwprof %s: -%c %d: no such process\n", c->cmd, flag,
				(int)ids[i]);
			return 1;
		}
		if (r == 0 && !preflight_may_attach(c->self, uid, why, sizeof(why))) {
			fprintf(stderr, "hwprof %s: -%c %d: %s\n", c->cmd, flag, (int)ids[i], why);
			drop_at(ids, n, i);
			c->dropped++;
			continue;
		}
		i++;
	}
	return 0;
}

/* Unprivileged -a: every process of one's own instead.  0, or the status. */
static int narrow_to_own(const char *cmd, struct target *t, const struct preflight_self *self)
{
	int r = target_own_processes(t->proc_root, self->uid, getpid(), &t->pids, &t->n_pids);

	if (r < 0 || !t->n_pids) {
		fprintf(stderr, "hwprof %s: no process of yours to record instead%s%s\n", cmd,
			r < 0 ? ": " : "", r < 0 ? util_strerror(r) : "");
		return 1;
	}
	t->system_wide = 0;
	fprintf(stderr, "hwprof %s: recording what is allowed: your own %zu processes "
		"(and what they start) instead of every CPU\n", cmd, t->n_pids);
	return 0;
}

int attach_preflight(const char *cmd, struct target *t, struct session_opts *so,
		     int *kernel_hidden)
{
	struct preflight_self self;
	struct preflight pf;
	struct id_check ids = { cmd, t->proc_root, &self, 0 };
	size_t given = t->n_pids + t->n_tids;
	char why[2048];

	if (preflight_self(&self) < 0) {
		memset(&self, 0, sizeof(self));
		self.uid = getuid();
		self.paranoid = util_perf_paranoid();
	}
	preflight_assess(&self, &pf);
	if (check_ids(&ids, 'p', t->pids, &t->n_pids) ||
	    check_ids(&ids, 't', t->tids, &t->n_tids) || (given && ids.dropped == given))
		return 1;
	if (preflight_explain(&self, t->system_wide, why, sizeof(why)) > 0) {
		for (char *l = strtok(why, "\n"); l; l = strtok(NULL, "\n"))
			fprintf(stderr, "hwprof %s: %s\n", cmd, l);
	}
	if (!pf.can_open)
		return 1;
	if (t->system_wide && !pf.can_cpu_wide && narrow_to_own(cmd, t, &self))
		return 1;
	if (!pf.can_kernel && !so->exclude_kernel) {
		so->exclude_kernel = 1;
		*kernel_hidden = 1;
		fprintf(stderr, "hwprof %s: recording what is allowed: user space only\n", cmd);
	}
	return 0;
}

int attach_open(const char *cmd, const struct target *t, struct session_opts *so,
		struct session **s, size_t *failed_event, int quiet)
{
	struct target_report rep;
	int r = target_open(t, so, s, failed_event, &rep);

	if (r == -ESRCH) {
		fprintf(stderr, "hwprof %s: the process%s exited before %s could be attached\n",
			cmd, t->n_pids + t->n_tids > 1 ? "es" : "", t->n_pids ? "it" : "its threads");
		return r;
	}
	if (r < 0)
		return r;
	if (rep.missed)
		fprintf(stderr, "hwprof %s: thread %d could not be followed: %s\n", cmd,
			(int)rep.missed, util_strerror(rep.missed_err));
	if (!quiet && !t->system_wide)
		fprintf(stderr, "hwprof %s: attached to %zu threads%s\n", cmd, rep.tasks,
			rep.late ? " (some created while attaching)" : "");
	return 0;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

void attach_block_signals(void)
{
	sigset_t set;

	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* A blocked stop signal that arrived (consumed), or 0. */
static int stop_requested(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	int sig;

	stop_signals(&set);
	sig = sigtimedwait(&set, NULL, &zero);
	return sig > 0 ? sig : 0;
}

enum attach_end attach_drain(struct session *s, struct recorder *rec, const struct target *t,
			     int64_t until_ns, int *sig)
{
	int64_t next_check = 0;

	for (;;) {
		int64_t now = util_now_mono_ns(), left = until_ns - now;
		int gone = 0;

		*sig = stop_requested();
		if (*sig)
			return ATTACH_SIGNAL;
		if (left <= 0)
			return ATTACH_DEADLINE;
		/* Whether the targets still run: from /proc, ten times a second. */
		if (now >= next_check) {
			gone = !target_any_alive(t);
			next_check = now + 100000000;
		}
		if (!gone)
			session_poll(s, left > 100000000 ? 100 : (int)(left / 1000000) + 1);
		if (session_read(s, recorder_queue, rec) < 0 || recorder_flush(rec) < 0)
			return ATTACH_NOMEM;
		if (gone)
			return ATTACH_GONE;
	}
}

void attach_describe(const struct target *t, char *buf, size_t cap)
{
	size_t off = 0;

	if (t->system_wide) {
		off += snprintf(buf, cap, "system-wide, %s", t->cpus ? "CPUs" : "every CPU");
		for (size_t i = 0; t->cpus && i < t->n_cpus && off < cap; i++)
			off += snprintf(buf + off, cap - off, "%s%d", i ? "," : " ", t->cpus[i]);
		return;
	}
	off += snprintf(buf, cap, "attached to");
	for (size_t i = 0; i < t->n_pids + t->n_tids && off < cap; i++) {
		int is_pid = i < t->n_pids;
		pid_t id = is_pid ? t->pids[i] : t->tids[i - t->n_pids];
		char path[64], *comm = NULL;
		size_t len;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)id);
		if (util_read_file(path, &comm, &len) == 0)
			comm[strcspn(comm, "\n")] = '\0';
		off += snprintf(buf + off, cap - off, "%s %s %d (%s)", i ? "," : "",
				is_pid ? "process" : "thread", (int)id, comm ? comm : "?");
		free(comm);
	}
}

void attach_usage(FILE *f, int record)
{
	fprintf(f,
		"  -p, --pid PIDS          attach to these running processes: every thread,\n"
		"                          and the threads and children they create; they\n"
		"                          run on untouched when hwprof leaves; libhwprof\n"
		"                          spans are joined where they publish them\n"
		"  -t, --tid TIDS          these threads only (and what they create)\n"
		"  -a, --all-cpus          every process on every CPU (needs perf_event_paranoid\n"
		"                          0 or CAP_PERFMON, else your own processes); samples\n"
		"                          get a process label; hwprof leaves itself out\n"
		"  -C, --cpu CPUS          every process on these CPUs only (0-3,6)\n");
	if (record)
		fprintf(f,
			"      --duration DUR      stop after DUR (30s, 500ms, 2m); else Ctrl-C or\n"
			"                          the attached processes' exit ends the recording\n");
}

int attach_check_args(const char *cmd, struct target *t, int have_command)
{
	if (t->cpus && !t->n_pids && !t->n_tids)
		t->system_wide = 1;
	if (have_command && target_given(t)) {
		fprintf(stderr, "hwprof %s: give either a command or -p/-t/-a/-C, not both\n", cmd);
		return -1;
	}
	if (t->system_wide && (t->n_pids || t->n_tids)) {
		fprintf(stderr, "hwprof %s: -a watches every process; leave out -p/-t\n", cmd);
		return -1;
	}
	return 0;
}

int attach_setup(const struct attach_req *q, struct session **s, size_t *failed_event,
		 int *kernel_hidden)
{
	int r = attach_preflight(q->cmd, q->t, q->so, kernel_hidden);

	if (r)
		return r;
	r = attach_open(q->cmd, q->t, q->so, s, failed_event, q->quiet);
	return r == -ESRCH ? 1 : r;
}

void attach_recorder_opts(struct recorder_opts *ro)
{
	ro->attached = 1;
	ro->process_label = 1;
	ro->self_pid = (uint32_t)getpid();
}

const char *attach_program(const struct target *t, char *buf, size_t cap)
{
	pid_t first = t->n_pids ? t->pids[0] : t->n_tids ? t->tids[0] : 0;

	if (!first)
		return "";
	snprintf(buf, cap, "/proc/%d/exe", (int)first);
	return buf;
}

void attach_record(struct session *s, struct recorder *rec, const struct target *t,
		   int64_t duration_ns, int quiet, struct spanattach **joined)
{
	int64_t until = duration_ns ? util_now_mono_ns() + duration_ns : INT64_MAX;
	enum attach_end end;
	int sig;

	/* System-wide, processes started since the last look are joined each
	 * second (each process is looked at once, or twice if it had no channel
	 * yet: a few directory reads). */
	for (;;) {
		int64_t step = until;

		if (t->system_wide && joined)
			step = util_now_mono_ns() + ATTACH_SPANS_EVERY_NS;
		end = attach_drain(s, rec, t, step < until ? step : until, &sig);
		if (end != ATTACH_DEADLINE || util_now_mono_ns() >= until)
			break;
		if (attach_spans("record", t, joined, rec, 1) < 0) {
			fprintf(stderr, "hwprof record: out of memory: processes started from here on "
				"are recorded without their spans\n");
			joined = NULL;
		}
	}
	switch (end) {
	case ATTACH_GONE:
		if (!quiet)
			fprintf(stderr, "hwprof record: the attached processes have exited\n");
		break;
	case ATTACH_NOMEM:
		fprintf(stderr, "hwprof: out of memory while recording; writing what was collected\n");
		break;
	default:
		break;
	}
	if (recorder_stats(rec)->gone_unnamed)
		fprintf(stderr, "hwprof record: %llu addresses in deleted or replaced binaries could "
			"not be named (their processes had exited)\n",
			(unsigned long long)recorder_stats(rec)->gone_unnamed);
}

static void say_line(void *ctx, const char *line)
{
	fprintf(stderr, "hwprof %s: %s\n", (const char *)ctx, line);
}

int attach_spans(const char *cmd, const struct target *t, struct spanattach **a,
		 struct recorder *rec, int keep_gone)
{
	int r;

	/* Threads alone (-t): their processes' other threads are not ours. */
	if (!t->system_wide && !t->n_pids)
		return 0;
	if (!*a && (r = spanattach_new(t->proc_root, say_line, (void *)cmd, a)) < 0)
		return r;
	if (keep_gone)
		spanattach_keep_gone(*a);
	r = spanattach_update(*a, t->pids, t->system_wide ? 0 : t->n_pids, getpid(),
			      recorder_profile(rec));
	recorder_set_spans(rec, spanattach_spans(*a));
	return r;
}
