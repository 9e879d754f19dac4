/* agent.c - see agent.h. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pprof.h"
#include "util.h"

int64_t agent_next_boundary(int64_t now_ns, int64_t interval_ns)
{
	return (now_ns / interval_ns + 1) * interval_ns;
}

int agent_usage_now(struct agent_usage *u)
{
	struct rusage ru;
	char *buf, *p;
	size_t len;
	int err;

	memset(u, 0, sizeof(*u));
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -errno;
	u->cpu_ns = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		    ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	u->peak_rss_bytes = (int64_t)ru.ru_maxrss * 1024;
	err = util_read_file("/proc/self/status", &buf, &len);
	if (err < 0)
		return err;
	p = strstr(buf, "\nVmRSS:");
	if (p)
		u->rss_bytes = strtoll(p + 7, NULL, 10) * 1024;
	free(buf);
	return 0;
}

void agent_overhead_line(const struct agent_usage *before, const struct agent_usage *after,
			 const struct agent_interval *iv, char *buf, size_t cap)
{
	double cpu = iv->wall_ns > 0
		? 100.0 * (double)(after->cpu_ns - before->cpu_ns) / (double)iv->wall_ns : 0.0;

	snprintf(buf, cap, "agent overhead: %llu samples, %llu lost, own CPU %.2f%% of one core, "
		 "RSS %.1f MB (peak %.1f MB)", (unsigned long long)iv->samples,
		 (unsigned long long)iv->lost, cpu, after->rss_bytes / 1048576.0,
		 after->peak_rss_bytes / 1048576.0);
}

void agent_file_name(int64_t time_ns, char *buf, size_t cap)
{
	time_t t = (time_t)(time_ns / 1000000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, cap, "hwprof-%04d%02d%02dT%02d%02d%02d.%03dZ.pb.gz", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(time_ns % 1000000000 / 1000000));
}

int agent_write_dir(const char *dir, size_t keep, const struct profile *p, char *path,
		    size_t cap)
{
	char name[64];
	int err;

	agent_file_name(p->time_nanos, name, sizeof(name));
	snprintf(path, cap, "%s/%s", dir, name);
	err = pprof_write_file(p, path);
	if (err == 0 && keep)
		agent_prune(dir, keep);
	return err;
}

/* "hwprof-YYYYMMDDTHHMMSS.mmmZ.pb.gz", exactly. */
static int is_profile_name(const char *n)
{
	return strlen(n) == 33 && strncmp(n, "hwprof-", 7) == 0 &&
	       strcmp(n + 26, "Z.pb.gz") == 0 && n[15] == 'T' && n[22] == '.';
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int agent_prune(const char *dir, size_t keep)
{
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dh = opendir(dir);
	int removed = 0;

	if (!dh)
		return -errno;
	while ((d = readdir(dh))) {
		char *copy;

		if (!is_profile_name(d->d_name))
			continue;
		copy = strdup(d->d_name);
		if (!copy || util_grow(&names, &cap, n + 1, sizeof(*names)) < 0) {
			free(copy);
			break;
		}
		names[n++] = copy;
	}
	closedir(dh);
	util_sort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		/* The oldest sort first. */
		if (i + keep < n) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			removed += unlink(path) == 0;
		}
		free(names[i]);
	}
	free(names);
	return removed;
}
