/* spanattach.h - the span channels of running processes that hwprof attaches
 * to (`record -p`, `agent -p/-a`): a program linked with libhwprof and started
 * without hwprof publishes one (spanchan.h, spanchan_publish); this finds it
 * among /proc/PID/fd by its name, opens it through /proc/PID/fd/N (the same
 * permission as reading /proc/PID/mem; a program that closed the descriptor
 * still maps it: /proc/PID/map_files, where the kernel lets us), joins it (spanchan_join: everything in
 * it is checked as the program's) and reads it with a spanjoin of its own.
 *
 * The recorder takes one spanjoin (recorder_set_spans): the joined ones are
 * chained behind the first (spanjoin_chain), so a sample goes to the
 * channel of its thread's process.  At most SPANATTACH_MAX channels at once
 * (and as many of exited processes kept: spanattach_keep_gone).  Library
 * code: says why in buffers, prints nothing. */
#ifndef HWPROF_SPANATTACH_H
#define HWPROF_SPANATTACH_H

#include <stddef.h>
#include <sys/types.h>

#include "profile.h"
#include "spanchan.h"
#include "spanjoin.h"

#define SPANATTACH_MAX 64
/* /proc/PID/fd entries looked at per process: a server with more descriptors
 * than that is searched only that far (the channel is among its first). */
#define SPANATTACH_MAX_FDS 65536

struct spanattach;

/* Who is told what could not be joined: one line. */
typedef void (*spanattach_say_fn)(void *ctx, const char *line);

/* An empty set reading /proc under proc_root (NULL: "/proc"; not copied),
 * telling say(ctx, line) (may be NULL) what could not be joined.  0 or
 * -ENOMEM. */
int spanattach_new(const char *proc_root, spanattach_say_fn say, void *ctx,
		   struct spanattach **out);

/* Leave every joined channel (the programs stop writing) and free.  Accepts NULL. */
void spanattach_free(struct spanattach *a);

/* Leave every joined channel now (the programs stop writing); what was
 * read stays until spanattach_free. */
void spanattach_leave(struct spanattach *a);

/* Join process pid's channel.  1 when joined; 0 when it has none (not linked
 * with libhwprof, HWPROF_SPANS_PUBLISH=0, or already in the set); -errno
 * with one line in why saying what was wrong (not sealed, a header that is
 * not a channel, taken by another hwprof, permission, the set full). */
int spanattach_join(struct spanattach *a, pid_t pid, char *why, size_t cap);

/* Keep the set in step with the processes: the channels of those gone are
 * left and their waiting samples settled into p; processes not looked at
 * before are joined (pids[0..n), or with n == 0 every process under
 * proc_root but self), say() told of each failure.  A process without a
 * channel is looked at twice, at two updates in a row (it may have been
 * starting); otherwise once.  Bounded: at most two looks per process, at
 * most SPANATTACH_MAX channels at once.
 * The number joined now, or -ENOMEM. */
int spanattach_update(struct spanattach *a, const pid_t *pids, size_t n, pid_t self,
		      struct profile *p);

/* Keep what the channels of processes that exit gave (their histograms,
 * their damage) for spanattach_join_of, up to SPANATTACH_MAX of them, each
 * with its channel's mapping (the pages the program wrote): for a recording
 * that writes them at its end, not for an agent that runs on. */
void spanattach_keep_gone(struct spanattach *a);

/* The first joined channel's spanjoin, with the others chained behind it,
 * for recorder_set_spans; NULL while none is joined. */
struct spanjoin *spanattach_spans(const struct spanattach *a);

/* The joined channels: how many, and the i-th's process, channel and join
 * (the live ones first, then those kept after their process exited). */
size_t spanattach_count(const struct spanattach *a);
pid_t spanattach_pid(const struct spanattach *a, size_t i);
struct spanchan *spanattach_chan(const struct spanattach *a, size_t i);
struct spanjoin *spanattach_join_of(const struct spanattach *a, size_t i);

#endif
