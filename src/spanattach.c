/* spanattach.c - see spanattach.h. */
#include "spanattach.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"
#include "util.h"

struct spanattach_entry {
	pid_t pid;
	struct spanchan *ch;
	struct spanjoin *join;
};

struct spanattach {
	const char *proc_root;
	spanattach_say_fn say;
	void *say_ctx;
	struct spanattach_entry e[SPANATTACH_MAX];
	size_t n;
	int keep_gone;
	struct spanattach_entry gone[SPANATTACH_MAX];  /* kept: spanattach_keep_gone */
	size_t n_gone;
	pid_t *seen;            /* sorted: the live processes done with */
	size_t n_seen;
	pid_t *once;            /* sorted: looked at once, no channel yet */
	size_t n_once;
};

int spanattach_new(const char *proc_root, spanattach_say_fn say, void *ctx,
		   struct spanattach **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->proc_root = proc_root ? proc_root : "/proc";
	(*out)->say = say;
	(*out)->say_ctx = ctx;
	return 0;
}

void spanattach_free(struct spanattach *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < spanattach_count(a); i++) {
		spanjoin_free(spanattach_join_of(a, i));
		spanchan_free(spanattach_chan(a, i));
	}
	free(a->seen);
	free(a->once);
	free(a);
}

void spanattach_leave(struct spanattach *a)
{
	for (size_t i = 0; a && i < a->n; i++)
		spanchan_leave(a->e[i].ch);
}

/* What a libhwprof channel's file is called in /proc: "/memfd:hwprof-spans (deleted)". */
static const char channel_name[] = "/memfd:" SPANCHAN_MEMFD " ";

/* pid's descriptor of a libhwprof channel, as a path under /proc into path.
 * 1 when found, else 0. */
static int find_fd(const char *proc_root, pid_t pid, char *path, size_t cap)
{
	char dir[96], link[384], target[128];
	struct dirent *d;
	size_t seen = 0;
	DIR *dp;
	int found = 0;

	snprintf(dir, sizeof(dir), "%s/%d/fd", proc_root, (int)pid);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while (!found && seen++ < SPANATTACH_MAX_FDS && (d = readdir(dp))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, d->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, channel_name, sizeof(channel_name) - 1) == 0) {
			snprintf(path, cap, "%s", link);
			found = 1;
		}
	}
	closedir(dp);
	return found;
}

/* A program that closed the descriptor (a daemon closing all it inherited)
 * still maps the channel: its mapping in /proc/PID/maps, opened through
 * /proc/PID/map_files (where the kernel allows it).  1 when found, else 0. */
static int find_mapping(const char *proc_root, pid_t pid, char *path, size_t cap)
{
	char maps[96], line[512];
	int found = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "%s/%d/maps", proc_root, (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '/');
		char range[64];

		if (!name || strncmp(name, channel_name, sizeof(channel_name) - 1) != 0 ||
		    sscanf(line, "%63[0-9a-f-]", range) != 1)
			continue;
		snprintf(path, cap, "%s/%d/map_files/%s", proc_root, (int)pid, range);
		found = 1;
	}
	fclose(f);
	return found;
}

static const char *join_error(int err)
{
	switch (err) {
	case -EPERM:
		return "not sealed at its size";
	case -EINVAL:
		return "its header is not a span channel of this hwprof version, or does not fit its "
		       "file";
	case -EBUSY:
		return "another hwprof reads it";
	case -EACCES:
		return "sealed against writing";
	default:
		return util_strerror(err);
	}
}

int spanattach_join(struct spanattach *a, pid_t pid, char *why, size_t cap)
{
	struct spanattach_entry *e;
	char path[512];
	int fd, r;

	why[0] = '\0';
	for (size_t i = 0; i < a->n; i++)
		if (a->e[i].pid == pid)
			return 0;
	/* None (gone, or not ours to look at: the events say so on their own). */
	if (!find_fd(a->proc_root, pid, path, sizeof(path)) &&
	    !find_mapping(a->proc_root, pid, path, sizeof(path)))
		return 0;
	if (a->n == SPANATTACH_MAX) {
		snprintf(why, cap, "span channel of %d not read: %d channels already are; "
			 "recording without its spans", (int)pid, SPANATTACH_MAX);
		return -ENOSPC;
	}
	e = &a->e[a->n];
	fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		/* What /proc/PID/mem needs too: the same user, or CAP_SYS_PTRACE. */
		snprintf(why, cap, "span channel of %d not read: %s: %s%s; recording without its "
			 "spans", (int)pid, path, util_strerror(r),
			 r == -EACCES || r == -EPERM ? " (it needs the permission to read the "
						       "process's memory)" : "");
		return r;
	}
	r = spanchan_join(fd, &e->ch);
	if (r < 0) {
		close(fd);
		snprintf(why, cap, "span channel of %d not read: %s; recording without its spans",
			 (int)pid, join_error(r));
		return r;
	}
	r = spanjoin_new(e->ch, &e->join);
	if (r < 0) {
		spanchan_free(e->ch);
		e->ch = NULL;
		snprintf(why, cap, "span channel of %d not read: %s; recording without its spans",
			 (int)pid, util_strerror(r));
		return r;
	}
	if (a->n)
		spanjoin_chain(a->e[0].join, e->join);
	e->pid = pid;
	a->n++;
	return 1;
}

struct spanjoin *spanattach_spans(const struct spanattach *a)
{
	return a && a->n ? a->e[0].join : NULL;
}

void spanattach_keep_gone(struct spanattach *a)
{
	a->keep_gone = 1;
}

size_t spanattach_count(const struct spanattach *a)
{
	return a ? a->n + a->n_gone : 0;
}

/* The i-th: the live ones first, then those kept after their process exited. */
static const struct spanattach_entry *entry(const struct spanattach *a, size_t i)
{
	return i < a->n ? &a->e[i] : &a->gone[i - a->n];
}

pid_t spanattach_pid(const struct spanattach *a, size_t i)
{
	return entry(a, i)->pid;
}

struct spanchan *spanattach_chan(const struct spanattach *a, size_t i)
{
	return entry(a, i)->ch;
}

struct spanjoin *spanattach_join_of(const struct spanattach *a, size_t i)
{
	return entry(a, i)->join;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static int in_set(const pid_t *set, size_t n, pid_t pid)
{
	return n && bsearch(&pid, set, n, sizeof(pid), cmp_pid);
}

/* Leave the channels of processes that are gone, their waiting samples
 * settled into p; what they gave kept (keep_gone) or freed. */
static void prune(struct spanattach *a, struct profile *p)
{
	char path[96];

	for (size_t i = 0; i < a->n;) {
		struct spanattach_entry *e = &a->e[i];

		snprintf(path, sizeof(path), "%s/%d", a->proc_root, (int)e->pid);
		if (access(path, F_OK) == 0) {
			i++;
			continue;
		}
		spanjoin_unchain(a->e[0].join, e->join);
		if (p)
			spanjoin_settle(e->join, p, 1);
		if (a->keep_gone && a->n_gone < SPANATTACH_MAX) {
			spanchan_leave(e->ch);
			a->gone[a->n_gone++] = *e;
		} else {
			spanjoin_free(e->join);
			spanchan_free(e->ch);
		}
		memmove(e, e + 1, (a->n - i - 1) * sizeof(*e));
		a->n--;
	}
}

int spanattach_update(struct spanattach *a, const pid_t *pids, size_t n, pid_t self,
		      struct profile *p)
{
	pid_t *live = NULL, *once;
	size_t n_live = n, n_done = 0, n_once = 0;
	char why[256];
	int joined = 0;

	prune(a, p);
	if (n) {
		live = malloc(n * sizeof(*live));
		if (!live)
			return -ENOMEM;
		memcpy(live, pids, n * sizeof(*live));
		qsort(live, n, sizeof(*live), cmp_pid);
	} else if (target_processes(a->proc_root, self, &live, &n_live) < 0) {
		return -ENOMEM;
	}
	once = malloc((n_live ? n_live : 1) * sizeof(*once));
	if (!once) {
		free(live);
		return -ENOMEM;
	}
	/* live[] becomes the processes done with, in place (still sorted). */
	for (size_t i = 0; i < n_live; i++) {
		pid_t pid = live[i];
		int r;

		if (!in_set(a->seen, a->n_seen, pid)) {
			r = spanattach_join(a, pid, why, sizeof(why));
			joined += r > 0;
			if (r < 0 && a->say)
				a->say(a->say_ctx, why);
			/* No channel at a first look may be a process still
			 * starting (between fork and the library's constructor):
			 * looked at once more, at the next update. */
			if (r == 0 && !in_set(a->once, a->n_once, pid)) {
				once[n_once++] = pid;
				continue;
			}
		}
		live[n_done++] = pid;
	}
	/* What is still alive: the sets stay as large as the processes are many. */
	free(a->seen);
	a->seen = live;
	a->n_seen = n_done;
	free(a->once);
	a->once = once;
	a->n_once = n_once;
	return joined;
}
