/* test-target.c - attach targets: lists, tasks and owners from a /proc of our
 * own making; the permissions preflight's reading and words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "preflight.h"
#include "tap.h"
#include "target.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (fixture_write(path, text) < 0)
		printf("# cannot write %s\n", path);
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir(path, 0755);
}

static void test_lists(void)
{
	pid_t *ids = NULL;
	int *cpus = NULL;
	size_t n = 0;

	ok(target_parse_ids("12,34", &ids, &n) == 0 && n == 2 && ids[0] == 12 && ids[1] == 34,
	   "-p 12,34 is two ids");
	ok(target_parse_ids("56", &ids, &n) == 0 && n == 3 && ids[2] == 56,
	   "a second -p adds to the list");
	is_int(target_parse_ids("12,", &ids, &n), -EINVAL, "a trailing comma is refused");
	is_int(target_parse_ids("0", &ids, &n), -EINVAL, "pid 0 is refused");
	is_int(target_parse_ids("-3", &ids, &n), -EINVAL, "a negative id is refused");
	is_int(target_parse_ids("1x", &ids, &n), -EINVAL, "junk after a number is refused");
	free(ids);
	ok(target_parse_cpus("0-2,5", &cpus, &n) == 0 && n == 4 && cpus[2] == 2 && cpus[3] == 5,
	   "0-2,5 is CPUs 0, 1, 2 and 5");
	free(cpus);
	is_int(target_parse_cpus("3-1", &cpus, &n), -EINVAL, "a backwards range is refused");
	is_int(target_parse_cpus("", &cpus, &n), -EINVAL, "an empty list is refused");
	is_int(target_parse_cpus("0,,1", &cpus, &n), -EINVAL, "an empty item is refused");
}

static void test_proc(void)
{
	struct target t = { 0 };
	pid_t *tids = NULL, *own = NULL;
	size_t n = 0;

	dir("100");
	dir("100/task");
	dir("100/task/100");
	dir("100/task/103");
	dir("100/task/101");
	put("100/stat", "100 (a (b) c) S 1 100 100\n");
	put("100/status", "Name:\tsrv\nUid:\t1000\t1000\t1000\t1000\n");
	dir("200");
	put("200/stat", "200 (zombie) Z 1 200 200\n");
	put("200/status", "Name:\tz\nUid:\t1000\t1000\t1000\t1000\n");
	dir("300");
	put("300/stat", "300 (other) S 1 300 300\n");
	put("300/status", "Name:\to\nUid:\t1000\t0\t0\t0\n");
	ok(target_tasks(root, 100, &tids, &n) == 0 && n == 3 && tids[0] == 100 && tids[1] == 101 &&
	   tids[2] == 103, "a process's threads come from /proc/PID/task, sorted");
	free(tids);
	is_int(target_tasks(root, 999, &tids, &n), -ESRCH, "a process that does not exist: ESRCH");
	ok(target_alive(root, 100) && !target_alive(root, 200) && !target_alive(root, 999),
	   "a zombie or a missing process is not alive; a name with parentheses is read");
	t.proc_root = root;
	t.pids = (pid_t[]){ 200, 100 };
	t.n_pids = 2;
	ok(target_any_alive(&t), "a target lives while one of its processes does");
	t.n_pids = 1;
	ok(!target_any_alive(&t), "and is gone when all are");
	ok(target_own_processes(root, 1000, 100, &own, &n) == 0 && n == 1 && own[0] == 200,
	   "one's own processes: real, effective and saved uid, oneself left out");
	free(own);
}

static void test_preflight(void)
{
	struct preflight_self me = { 0 };
	struct preflight pf;
	char buf[2048];
	const char status[] = "Name:\tx\nUid:\t1000\t1000\t1000\t1000\nCapEff:\t0000004000000000\n"
			      "Seccomp:\t2\n";

	ok(preflight_parse_status(status, strlen(status), &me) == 0 && me.uid == 1000 &&
	   me.cap_eff == (1ULL << PREFLIGHT_CAP_PERFMON) && me.seccomp == 2,
	   "uid, effective capabilities and seccomp mode from /proc/PID/status");
	me.paranoid = 2;
	preflight_assess(&me, &pf);
	ok(pf.can_cpu_wide && pf.can_kernel && !pf.can_ptrace_any,
	   "CAP_PERFMON allows CPU-wide events and kernel frames whatever the level");
	me.cap_eff = 0;
	preflight_assess(&me, &pf);
	ok(pf.can_open && !pf.can_cpu_wide && !pf.can_kernel, "level 2: own processes, user space");
	me.paranoid = 1;
	preflight_assess(&me, &pf);
	ok(!pf.can_cpu_wide && pf.can_kernel, "level 1: kernel frames, no CPU-wide events");
	me.paranoid = 0;
	preflight_assess(&me, &pf);
	ok(pf.can_cpu_wide, "level 0: CPU-wide events");
	me.paranoid = 3;
	preflight_assess(&me, &pf);
	ok(!pf.can_open, "level 3 (Debian): nothing");
	me.paranoid = 2;
	is_int(preflight_explain(&me, 1, buf, sizeof(buf)), 3,
	       "unprivileged -a at level 2 in a container: three lines");
	ok(strstr(buf, "watching every CPU needs 0 or CAP_PERFMON") &&
	   strstr(buf, "kernel.perf_event_paranoid=0") && strstr(buf, "kernel frames need 1") &&
	   strstr(buf, "seccomp"), "each says what is missing and how to fix it");
	me.paranoid = -1;
	is_int(preflight_explain(&me, 1, buf, sizeof(buf)), 0,
	       "nothing is said when nothing is missing");
	ok(preflight_may_attach(&me, 1000, buf, sizeof(buf)) &&
	   !preflight_may_attach(&me, 0, buf, sizeof(buf)) && strstr(buf, "CAP_SYS_PTRACE"),
	   "another user's process needs CAP_SYS_PTRACE, and the words say so");
	ok(strstr(preflight_paranoid_meaning(2), "user space only") != NULL,
	   "each level is described");
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/test-target.XXXXXX");
	if (!mkdtemp(root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_lists();
	test_proc();
	test_preflight();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			printf("# cleanup failed\n");
	}
	return done_testing();
}
