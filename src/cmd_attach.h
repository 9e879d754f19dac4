/* cmd_attach.h - what `record -p/-t/-a/-C` and `agent` share at the command
 * level: their options, the permissions preflight and its messages, opening
 * the events on the targets, and draining the rings until a deadline, a
 * signal or the targets' end.  Prints its own messages (prefixed with the
 * command's name); returns exit statuses or -errno as each function says. */
#ifndef HWPROF_CMD_ATTACH_H
#define HWPROF_CMD_ATTACH_H

#include <stdint.h>
#include <stdio.h>

#include "recorder.h"
#include "session.h"
#include "target.h"

/* getopt codes of the shared options (long options --duration, --cpu). */
#define ATTACH_OPT_DURATION 0x1001

/* -p LIST, -t LIST, -a, -C LIST or --duration DUR (opt, arg) into t and
 * *duration_ns.  0, or -1 after a message naming cmd. */
int attach_option(const char *cmd, int opt, const char *arg, struct target *t,
		  int64_t *duration_ns);

/* "30s", "500ms", "2m", "1h", "1.5s" (a bare number: seconds) into ns.
 * 0, or -EINVAL (zero, negative and malformed durations). */
int attach_parse_duration(const char *s, int64_t *ns);

/* Before anything is opened: check the targets exist and can be attached,
 * and what perf_event_paranoid and capabilities allow; say what is missing
 * and how to fix it, once, then narrow to what is allowed: user space only
 * (so->exclude_kernel, *kernel_hidden), one's own processes instead of every
 * CPU, the processes one may attach to.  0 to go on, or the exit status. */
int attach_preflight(const char *cmd, struct target *t, struct session_opts *so,
		     int *kernel_hidden);

/* Open so's events on t (target_open), saying which threads could not be
 * opened, and the one line for targets that have gone.  0, -ESRCH after its
 * message, or the kernel's -errno with *failed_event for the caller to word
 * (events_strerror; *s stays for session_refused_attr). */
int attach_open(const char *cmd, const struct target *t, struct session_opts *so,
		struct session **s, size_t *failed_event, int quiet);

/* Block SIGINT, SIGTERM, SIGHUP and SIGQUIT: attach_drain notices them
 * without a handler (and the profiled processes never get them from us). */
void attach_block_signals(void);

enum attach_end { ATTACH_DEADLINE, ATTACH_SIGNAL, ATTACH_GONE, ATTACH_NOMEM };

/* Drain s's rings into rec until CLOCK_MONOTONIC reaches until_ns, a blocked
 * signal arrives (consumed; *sig set), or t's processes have all exited. */
enum attach_end attach_drain(struct session *s, struct recorder *rec, const struct target *t,
			     int64_t until_ns, int *sig);

/* The help lines of the shared options (record: with --duration). */
void attach_usage(FILE *f, int record);

/* After the options: -C alone means every process on those CPUs; a command
 * and a target together are an error.  0, or -1 after a message. */
int attach_check_args(const char *cmd, struct target *t, int have_command);

/* What a command opens its events on, and how it speaks of it. */
struct attach_req {
	const char *cmd;            /* "record", "agent": the messages' prefix */
	struct target *t;
	struct session_opts *so;
	int quiet;
};

/* attach_preflight, then attach_open, of q.  0; the exit status (> 0) after a
 * message; or the kernel's -errno with *failed_event for the caller to word. */
int attach_setup(const struct attach_req *q, struct session **s, size_t *failed_event,
		 int *kernel_hidden);

/* The recorder's options for processes hwprof did not start: process labels,
 * our own samples left out, exited processes freed. */
void attach_recorder_opts(struct recorder_opts *ro);

/* The program of the first process of t, for --call-graph auto
 * ("/proc/PID/exe" into buf), or "" when system-wide (auto chooses fp). */
const char *attach_program(const struct target *t, char *buf, size_t cap);

/* record's loop: drain until duration_ns (0: none) passes, a stop signal
 * comes or the targets exit; says why it stopped unless quiet.  System-wide,
 * the span channels of processes started meanwhile are joined into *joined
 * (attach_spans) every ATTACH_SPANS_EVERY_NS; joined NULL: none. */
#define ATTACH_SPANS_EVERY_NS 1000000000
struct spanattach;
void attach_record(struct session *s, struct recorder *rec, const struct target *t,
		   int64_t duration_ns, int quiet, struct spanattach **joined);

/* The span channels that t's processes publish (spanattach.h): -p's, or
 * with -a/-C every process's, each process looked at once (twice when it
 * had no channel yet; call again to join those started since, and leave
 * those gone); *a made on first use; rec reads them.  One line, prefixed with cmd, per channel that cannot be
 * read.  keep_gone: what exited processes' channels gave stays in *a
 * (spanattach_keep_gone).  The number joined now, or -ENOMEM. */
int attach_spans(const char *cmd, const struct target *t, struct spanattach **a,
		 struct recorder *rec, int keep_gone);

/* A comment line for the profile on the targets ("attached to PID 12 (name),
 * ..." or "system-wide, CPUs 0-1") into buf. */
void attach_describe(const struct target *t, char *buf, size_t cap);

#endif
