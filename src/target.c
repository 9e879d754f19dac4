/* target.c - see target.h. */
#include "target.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *root_of(const char *proc_root)
{
	return proc_root ? proc_root : "/proc";
}

/* One decimal number from *p up to a separator; -1 when there is none. */
static long number_at(const char **p)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || v > 0x3fffffff)
		return -1;
	*p = end;
	return v;
}

/* Append v to (*arr, *n) of capacity *cap (pid_t is int on Linux). */
static int push_int(int **arr, size_t *n, size_t *cap, long v)
{
	if (util_grow(arr, cap, *n + 1, sizeof(**arr)) < 0)
		return -ENOMEM;
	(*arr)[(*n)++] = (int)v;
	return 0;
}

int target_parse_ids(const char *list, pid_t **ids, size_t *n)
{
	const char *p = list;
	size_t cap = *n;

	if (!*p)
		return -EINVAL;
	for (;;) {
		long v = number_at(&p);

		if (v <= 0 || (*p && *p != ','))
			return -EINVAL;
		if (push_int(ids, n, &cap, v) < 0)
			return -ENOMEM;
		if (!*p)
			return 0;
		p++;
	}
}

int target_parse_cpus(const char *list, int **cpus, size_t *n)
{
	const char *p = list;
	size_t cap = 0, cnt = 0;
	int *out = NULL;

	*cpus = NULL;
	*n = 0;
	while (*p) {
		long a = number_at(&p), b = a;

		if (a >= 0 && *p == '-') {
			p++;
			b = number_at(&p);
		}
		if (a < 0 || b < a || b >= 8192 || (*p && *p != ','))
			goto bad;
		for (long c = a; c <= b; c++)
			if (push_int(&out, &cnt, &cap, c) < 0) {
				free(out);
				return -ENOMEM;
			}
		if (*p)
			p++;
	}
	if (!cnt)
		goto bad;
	*cpus = out;
	*n = cnt;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

int target_given(const struct target *t)
{
	return t->n_pids || t->n_tids || t->system_wide;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int target_tasks(const char *proc_root, pid_t pid, pid_t **tids, size_t *n)
{
	char path[4096];
	size_t cap = 0;
	struct dirent *d;
	DIR *dir;

	*tids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%d/task", root_of(proc_root), (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((d = readdir(dir))) {
		const char *p = d->d_name;
		long v = number_at(&p);

		if (v <= 0 || *p)
			continue;
		if (push_int(tids, n, &cap, v) < 0) {
			closedir(dir);
			free(*tids);
			*tids = NULL;
			*n = 0;
			return -ENOMEM;
		}
	}
	closedir(dir);
	if (!*n)
		return -ESRCH;
	util_sort(*tids, *n, sizeof(**tids), cmp_pid);
	return 0;
}

int target_alive(const char *proc_root, pid_t pid)
{
	char path[4096], *buf, *close_paren;
	size_t len;
	int alive;

	snprintf(path, sizeof(path), "%s/%d/stat", root_of(proc_root), (int)pid);
	if (util_read_file(path, &buf, &len) < 0)
		return 0;
	/* "PID (COMM) S ...": the name may hold spaces and parentheses. */
	close_paren = strrchr(buf, ')');
	alive = close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' &&
		close_paren[2] != 'X' && close_paren[2] != 'x';
	free(buf);
	return alive;
}

int target_any_alive(const struct target *t)
{
	if (t->system_wide)
		return 1;
	for (size_t i = 0; i < t->n_pids; i++)
		if (target_alive(t->proc_root, t->pids[i]))
			return 1;
	for (size_t i = 0; i < t->n_tids; i++)
		if (target_alive(t->proc_root, t->tids[i]))
			return 1;
	return 0;
}

/* The threads to open first: every thread of t's processes, and t's threads
 * that exist, sorted and once each, into a malloc'd (*all, *n). */
static int first_tasks(const struct target *t, pid_t **all, size_t *n)
{
	size_t cap = 0, k = 0;
	int err = 0;

	*all = NULL;
	*n = 0;
	for (size_t i = 0; i < t->n_pids && !err; i++) {
		pid_t *tids;
		size_t nt;

		if (target_tasks(t->proc_root, t->pids[i], &tids, &nt) < 0)
			continue;
		for (size_t j = 0; j < nt && !err; j++)
			err = push_int(all, n, &cap, tids[j]);
		free(tids);
	}
	for (size_t i = 0; i < t->n_tids && !err; i++)
		if (target_alive(t->proc_root, t->tids[i]))
			err = push_int(all, n, &cap, t->tids[i]);
	if (err)
		return err;
	util_sort(*all, *n, sizeof(**all), cmp_pid);
	for (size_t i = 0; i < *n; i++)
		if (!k || (*all)[k - 1] != (*all)[i])
			(*all)[k++] = (*all)[i];
	*n = k;
	return 0;
}

static int known(const pid_t *set, size_t n, pid_t tid)
{
	return bsearch(&tid, set, n, sizeof(*set), cmp_pid) != NULL;
}

/* One more read of the processes' tasks: open the threads not in (*set, *n)
 * and add them.  The number of threads found, or -ENOMEM. */
static int rescan(const struct target *t, struct session *s, pid_t **set, size_t *n,
		  struct target_report *rep)
{
	size_t cap = *n, added = 0;

	for (size_t i = 0; i < t->n_pids; i++) {
		pid_t *tids;
		size_t nt;

		if (target_tasks(t->proc_root, t->pids[i], &tids, &nt) < 0)
			continue;
		for (size_t j = 0; j < nt; j++) {
			int r;

			if (known(*set, *n - added, tids[j]))
				continue;
			r = session_add_task(s, tids[j]);
			if (r == -ESRCH) {
				rep->vanished++;
				continue;
			}
			if (r < 0 && !rep->missed) {
				rep->missed = tids[j];
				rep->missed_err = r;
			}
			if (push_int(set, n, &cap, tids[j]) < 0) {
				free(tids);
				return -ENOMEM;
			}
			added++;
			rep->late += r >= 0;
		}
		free(tids);
	}
	util_sort(*set, *n, sizeof(**set), cmp_pid);
	return (int)added;
}

int target_open(const struct target *t, struct session_opts *o, struct session **out,
		size_t *failed_event, struct target_report *rep)
{
	pid_t *set = NULL;
	size_t n = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	*out = NULL;
	if (!t->system_wide) {
		r = first_tasks(t, &set, &n);
		if (r == 0 && !n)
			r = -ESRCH;
		if (r < 0)
			return r;
	}
	r = session_attach(t->cpus, t->n_cpus, set, n, out);
	if (r == 0)
		r = session_open(*out, o, failed_event);
	/* Threads created between the first read and the open have no event
	 * (their creator had none yet to inherit): read again until none is new. */
	for (size_t round = 0; r == 0 && !t->system_wide && round < 32; round++) {
		rep->rescans++;
		r = rescan(t, *out, &set, &n, rep);
		if (r <= 0)
			break;
		r = 0;
	}
	rep->tasks = n;
	free(set);
	return r < 0 ? r : 0;
}

int target_processes(const char *proc_root, pid_t self, pid_t **pids, size_t *n)
{
	size_t cap = 0;
	struct dirent *d;
	DIR *dir = opendir(root_of(proc_root));

	*pids = NULL;
	*n = 0;
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		const char *p = d->d_name;
		long v = number_at(&p);

		if (v <= 0 || *p || v == self)
			continue;
		if (push_int(pids, n, &cap, v) < 0) {
			closedir(dir);
			free(*pids);
			*pids = NULL;
			*n = 0;
			return -ENOMEM;
		}
	}
	closedir(dir);
	util_sort(*pids, *n, sizeof(**pids), cmp_pid);
	return 0;
}

/* Whether process pid's real, effective and saved uids are all uid. */
static int owned_by(const char *proc_root, pid_t pid, uid_t uid)
{
	char path[4096], *buf, *line;
	size_t len;
	unsigned long ru, eu, su;
	int mine;

	snprintf(path, sizeof(path), "%s/%d/status", root_of(proc_root), (int)pid);
	if (util_read_file(path, &buf, &len) < 0)
		return 0;
	line = strstr(buf, "\nUid:");
	mine = line && sscanf(line + 5, "%lu %lu %lu", &ru, &eu, &su) == 3 &&
	       ru == uid && eu == uid && su == uid;
	free(buf);
	return mine;
}

int target_own_processes(const char *proc_root, uid_t uid, pid_t self, pid_t **pids, size_t *n)
{
	size_t kept = 0;
	int r = target_processes(proc_root, self, pids, n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < *n; i++)
		if (owned_by(proc_root, (*pids)[i], uid))
			(*pids)[kept++] = (*pids)[i];
	*n = kept;
	return 0;
}

void target_free(struct target *t)
{
	if (!t)
		return;
	free(t->pids);
	free(t->tids);
	free(t->cpus);
	memset(t, 0, sizeof(*t));
}
