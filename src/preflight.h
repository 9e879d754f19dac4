/* preflight.h - before attaching or watching the machine: what the kernel will
 * allow this process, and in words what is missing and how to get it.
 *
 * perf_event_open decides by kernel.perf_event_paranoid and capabilities
 * (CAP_PERFMON, or CAP_SYS_ADMIN before Linux 5.8); attaching to a task also
 * needs ptrace read access to it (same user, or CAP_SYS_PTRACE); the files of
 * deleted binaries (/proc/PID/map_files) need CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE; a container's seccomp filter may refuse the system
 * call whatever the rest says.  Library code: the words are returned. */
#ifndef HWPROF_PREFLIGHT_H
#define HWPROF_PREFLIGHT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What this process is, from /proc/self/status and sysctls. */
struct preflight_self {
	uid_t uid;                /* real uid */
	uint64_t cap_eff;         /* effective capability bits */
	int seccomp;              /* 0 none, 1 strict, 2 filter */
	int paranoid;             /* kernel.perf_event_paranoid */
};

#define PREFLIGHT_CAP_SYS_PTRACE 19
#define PREFLIGHT_CAP_SYS_ADMIN 21
#define PREFLIGHT_CAP_PERFMON 38
#define PREFLIGHT_CAP_CHECKPOINT_RESTORE 40

/* The Uid (real), CapEff and Seccomp lines of a /proc/PID/status text
 * (buf, len; need not be NUL-terminated) into *out; other fields untouched.
 * 0, or -EINVAL when the Uid line is missing. */
int preflight_parse_status(const char *buf, size_t len, struct preflight_self *out);

/* This process: its status and perf_event_paranoid.  0 or -errno. */
int preflight_self(struct preflight_self *out);

/* What the kernel allows a process like `self`. */
struct preflight {
	int can_open;             /* any perf_event_open (paranoid 3 forbids all) */
	int can_cpu_wide;         /* events on a CPU, every task (-a, -C) */
	int can_kernel;           /* kernel samples and kernel call chains */
	int can_map_files;        /* /proc/PID/map_files (deleted binaries) */
	int can_ptrace_any;       /* attach to other users' tasks */
};

void preflight_assess(const struct preflight_self *self, struct preflight *out);

/* What perf_event_paranoid level n allows an unprivileged user, in a phrase. */
const char *preflight_paranoid_meaning(int n);

/* The lines that say what is missing for what is wanted (system_wide, kernel
 * frames), each with its fix, into buf (lines end with '\n'; "" when nothing
 * is missing).  Returns the number of lines. */
int preflight_explain(const struct preflight_self *self, int system_wide, char *buf, size_t cap);

/* Whether self may attach to a process of uid; when not, why and the fix
 * into buf (one phrase, no newline).  1 allowed, 0 not. */
int preflight_may_attach(const struct preflight_self *self, uid_t uid, char *buf, size_t cap);

/* The real uid owning process pid (from PROC/PID/status), or -errno. */
int preflight_owner(const char *proc_root, pid_t pid, uid_t *uid);

#endif
