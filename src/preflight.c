/* preflight.c - see preflight.h. */
#include "preflight.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The value after "\nKEY:" in text, or NULL. */
static const char *field(const char *text, const char *key)
{
	char k[32];
	const char *p;

	snprintf(k, sizeof(k), "\n%s:", key);
	if (strncmp(text, k + 1, strlen(k + 1)) == 0)
		return text + strlen(k + 1);
	p = strstr(text, k);
	return p ? p + strlen(k) : NULL;
}

int preflight_parse_status(const char *buf, size_t len, struct preflight_self *out)
{
	char *text = malloc(len + 1);
	const char *v;
	int err = 0;

	if (!text)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	v = field(text, "Uid");
	if (!v)
		err = -EINVAL;
	else
		out->uid = (uid_t)strtoul(v, NULL, 10);
	v = field(text, "CapEff");
	if (v)
		out->cap_eff = strtoull(v, NULL, 16);
	v = field(text, "Seccomp");
	if (v)
		out->seccomp = (int)strtol(v, NULL, 10);
	free(text);
	return err;
}

int preflight_self(struct preflight_self *out)
{
	char *buf;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	err = util_read_file("/proc/self/status", &buf, &len);
	if (err < 0)
		return err;
	err = preflight_parse_status(buf, len, out);
	free(buf);
	out->paranoid = util_perf_paranoid();
	return err;
}

static int has_cap(const struct preflight_self *s, int cap)
{
	return (s->cap_eff >> cap) & 1;
}

/* CAP_PERFMON, or CAP_SYS_ADMIN, which kernels before 5.8 ask for instead. */
static int perfmon(const struct preflight_self *s)
{
	return has_cap(s, PREFLIGHT_CAP_PERFMON) || has_cap(s, PREFLIGHT_CAP_SYS_ADMIN);
}

void preflight_assess(const struct preflight_self *self, struct preflight *out)
{
	int priv = perfmon(self);

	out->can_open = priv || self->paranoid <= 2;
	out->can_cpu_wide = priv || self->paranoid <= 0;
	out->can_kernel = priv || self->paranoid <= 1;
	out->can_map_files = has_cap(self, PREFLIGHT_CAP_SYS_ADMIN) ||
			     has_cap(self, PREFLIGHT_CAP_CHECKPOINT_RESTORE);
	out->can_ptrace_any = has_cap(self, PREFLIGHT_CAP_SYS_PTRACE);
}

const char *preflight_paranoid_meaning(int n)
{
	if (n <= -1)
		return "every event for every user";
	if (n == 0)
		return "CPU-wide events and kernel samples, no raw tracepoints";
	if (n == 1)
		return "your own processes with kernel samples, no CPU-wide events";
	if (n == 2)
		return "your own processes in user space only";
	return "no perf events at all without CAP_PERFMON (Debian's level 3)";
}

/* One line into buf at *off (truncated when buf is full). */
static void line(char *buf, size_t cap, size_t *off, int *n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void line(char *buf, size_t cap, size_t *off, int *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off >= cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (w > 0)
		*off += (size_t)w < cap - *off ? (size_t)w : cap - *off - 1;
	(*n)++;
}

int preflight_explain(const struct preflight_self *self, int system_wide, char *buf, size_t cap)
{
	struct preflight pf;
	const char *fix = "run as root, or give hwprof CAP_PERFMON (setcap cap_perfmon+ep), "
			  "or lower it: sysctl kernel.perf_event_paranoid=";
	size_t off = 0;
	int n = 0;

	buf[0] = '\0';
	preflight_assess(self, &pf);
	if (!pf.can_open)
		line(buf, cap, &off, &n, "perf_event_paranoid is %d (%s): nothing can be "
		     "sampled; %s2\n", self->paranoid, preflight_paranoid_meaning(self->paranoid),
		     fix);
	if (pf.can_open && system_wide && !pf.can_cpu_wide)
		line(buf, cap, &off, &n, "perf_event_paranoid is %d (%s): watching every CPU "
		     "needs 0 or CAP_PERFMON; %s0\n", self->paranoid,
		     preflight_paranoid_meaning(self->paranoid), fix);
	if (pf.can_open && !pf.can_kernel)
		line(buf, cap, &off, &n, "perf_event_paranoid is %d: kernel frames need 1 or "
		     "less, or CAP_PERFMON; %s1\n", self->paranoid, fix);
	if (self->seccomp == 2 && n)
		line(buf, cap, &off, &n, "a seccomp filter is active (a container?): its "
		     "profile must allow perf_event_open (Docker: --security-opt "
		     "seccomp=PROFILE, or --cap-add PERFMON with a recent runtime)\n");
	return n;
}

int preflight_may_attach(const struct preflight_self *self, uid_t uid, char *buf, size_t cap)
{
	if (uid == self->uid || has_cap(self, PREFLIGHT_CAP_SYS_PTRACE))
		return 1;
	snprintf(buf, cap, "a process of uid %u, not yours (you are uid %u): attaching needs "
		 "the same user or CAP_SYS_PTRACE (run as root or as that user)",
		 (unsigned)uid, (unsigned)self->uid);
	return 0;
}

int preflight_owner(const char *proc_root, pid_t pid, uid_t *uid)
{
	char path[4096], *buf;
	struct preflight_self s;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/%d/status", proc_root ? proc_root : "/proc", (int)pid);
	err = util_read_file(path, &buf, &len);
	if (err < 0)
		return err == -ENOENT ? -ESRCH : err;
	memset(&s, 0, sizeof(s));
	err = preflight_parse_status(buf, len, &s);
	free(buf);
	if (err == 0)
		*uid = s.uid;
	return err;
}
