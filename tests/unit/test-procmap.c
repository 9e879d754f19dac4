/* test-procmap.c - mappings: add, overlap, split, fork, exec, exit, find,
 * /proc/PID/maps from a fixture directory, comm per thread. */
#include "procmap.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct map mk(uint64_t start, uint64_t end, uint64_t pgoff, const char *path, int exec)
{
	struct map m;

	memset(&m, 0, sizeof(m));
	m.start = start;
	m.end = end;
	m.pgoff = pgoff;
	m.path = path;
	m.exec = exec;
	return m;
}

/* The mapping covering addr, checked field by field. */
static int has(struct procmap *pm, pid_t pid, uint64_t addr, uint64_t start, uint64_t end,
	       uint64_t pgoff, const char *path)
{
	const struct map *m = procmap_find(pm, pid, addr);

	if (!m) {
		printf("#   no mapping at %#llx\n", (unsigned long long)addr);
		return 0;
	}
	if (m->start != start || m->end != end || m->pgoff != pgoff || strcmp(m->path, path)) {
		printf("#   at %#llx: [%#llx, %#llx) pgoff %#llx %s\n", (unsigned long long)addr,
		       (unsigned long long)m->start, (unsigned long long)m->end,
		       (unsigned long long)m->pgoff, m->path);
		return 0;
	}
	return 1;
}

static void test_add_find(void)
{
	struct procmap *pm = NULL;
	struct map m;
	char path[32];

	is_int(procmap_new(&pm), 0, "procmap_new");
	if (!pm)
		return;
	m = mk(0x1000, 0x3000, 0, "/bin/a", 1);
	is_int(procmap_add(pm, 10, &m), 0, "add a");
	m = mk(0x5000, 0x6000, 0x2000, "/lib/b.so", 1);
	is_int(procmap_add(pm, 10, &m), 0, "add b");
	m = mk(0x3000, 0x4000, 0, "/lib/data", 0);
	is_int(procmap_add(pm, 10, &m), 0, "add a data mapping");
	m = mk(0x7000, 0x7000, 0, "/empty", 1);
	is_int(procmap_add(pm, 10, &m), -EINVAL, "empty range refused");

	ok(has(pm, 10, 0x1000, 0x1000, 0x3000, 0, "/bin/a"), "find at start");
	ok(has(pm, 10, 0x2fff, 0x1000, 0x3000, 0, "/bin/a"), "find at last byte");
	ok(has(pm, 10, 0x5800, 0x5000, 0x6000, 0x2000, "/lib/b.so"), "find b");
	ok(!procmap_find(pm, 10, 0x3000), "non-exec mapping not returned");
	ok(!procmap_find(pm, 10, 0x4800), "hole");
	ok(!procmap_find(pm, 10, 0x6000), "end is exclusive");
	ok(!procmap_find(pm, 10, 0x0fff), "below all");
	ok(!procmap_find(pm, 11, 0x1000), "unknown pid");

	/* The path is interned: the caller's buffer may go away. */
	snprintf(path, sizeof(path), "/tmp/jit");
	m = mk(0x9000, 0xa000, 0, path, 1);
	procmap_add(pm, 10, &m);
	memset(path, 'x', sizeof(path) - 1);
	ok(has(pm, 10, 0x9000, 0x9000, 0xa000, 0, "/tmp/jit"), "path copied");
	m = mk(0xb000, 0xc000, 0, NULL, 1);
	procmap_add(pm, 10, &m);
	ok(has(pm, 10, 0xb000, 0xb000, 0xc000, 0, "//anon"), "NULL path is //anon");

	/* Many processes, inserted out of order. */
	for (int pid = 200; pid > 100; pid -= 3) {
		m = mk(0x1000 * pid, 0x1000 * pid + 0x800, pid, "/bin/many", 1);
		procmap_add(pm, pid, &m);
	}
	ok(has(pm, 119, 0x1000 * 119 + 4, 0x1000 * 119, 0x1000 * 119 + 0x800, 119, "/bin/many") &&
	   has(pm, 200, 0x1000 * 200, 0x1000 * 200, 0x1000 * 200 + 0x800, 200, "/bin/many") &&
	   !procmap_find(pm, 118, 0x1000 * 118), "processes kept apart");
	procmap_free(pm);
}

static void test_overlap(void)
{
	struct procmap *pm = NULL;
	struct map m;

	procmap_new(&pm);
	if (!pm)
		return;
	m = mk(0x10000, 0x20000, 0x100, "/old", 1);
	procmap_add(pm, 1, &m);

	/* A mapping inside an old one splits it; the right part's pgoff moves. */
	m = mk(0x14000, 0x15000, 0, "/new", 1);
	procmap_add(pm, 1, &m);
	ok(has(pm, 1, 0x13fff, 0x10000, 0x14000, 0x100, "/old"), "split: left part");
	ok(has(pm, 1, 0x14000, 0x14000, 0x15000, 0, "/new"), "split: new in the middle");
	ok(has(pm, 1, 0x15000, 0x15000, 0x20000, 0x100 + 0x5000, "/old"),
	   "split: right part, pgoff advanced");

	/* Partial overlap at both ends and a full cover in between. */
	m = mk(0x12000, 0x16000, 0x40, "/cover", 1);
	procmap_add(pm, 1, &m);
	ok(has(pm, 1, 0x11000, 0x10000, 0x12000, 0x100, "/old"), "left trimmed");
	ok(has(pm, 1, 0x14800, 0x12000, 0x16000, 0x40, "/cover"), "covered mapping replaced");
	ok(has(pm, 1, 0x16000, 0x16000, 0x20000, 0x100 + 0x6000, "/old"), "right trimmed");

	/* Exact replacement. */
	m = mk(0x12000, 0x16000, 0, "/exact", 1);
	procmap_add(pm, 1, &m);
	ok(has(pm, 1, 0x12000, 0x12000, 0x16000, 0, "/exact"), "exact replacement");
	ok(has(pm, 1, 0x11fff, 0x10000, 0x12000, 0x100, "/old") &&
	   has(pm, 1, 0x16000, 0x16000, 0x20000, 0x6100, "/old"), "neighbours untouched");

	/* One mapping over everything. */
	m = mk(0x1000, 0x30000, 0, "/all", 1);
	procmap_add(pm, 1, &m);
	ok(has(pm, 1, 0x10000, 0x1000, 0x30000, 0, "/all") &&
	   has(pm, 1, 0x1f000, 0x1000, 0x30000, 0, "/all"), "everything replaced");

	/* mprotect(PROT_NONE) of a part: a non-exec hole in an exec mapping. */
	m = mk(0x8000, 0x9000, 0x7000, "/all", 0);
	procmap_add(pm, 1, &m);
	ok(!procmap_find(pm, 1, 0x8800), "non-exec part hidden");
	ok(has(pm, 1, 0x9000, 0x9000, 0x30000, 0x8000, "/all"), "exec part after it");
	procmap_free(pm);
}

static void test_fork_exec_exit(void)
{
	struct procmap *pm = NULL;
	struct map m;

	procmap_new(&pm);
	if (!pm)
		return;
	m = mk(0x1000, 0x2000, 0, "/bin/parent", 1);
	procmap_add(pm, 100, &m);
	is_int(procmap_fork(pm, 100, 101), 0, "fork");
	ok(has(pm, 101, 0x1000, 0x1000, 0x2000, 0, "/bin/parent"), "child has the copy");

	/* The copy is independent of the parent. */
	m = mk(0x1000, 0x2000, 0, "/bin/child-only", 1);
	procmap_add(pm, 101, &m);
	ok(has(pm, 100, 0x1000, 0x1000, 0x2000, 0, "/bin/parent"), "parent unchanged");
	ok(has(pm, 101, 0x1000, 0x1000, 0x2000, 0, "/bin/child-only"), "child changed");

	is_int(procmap_fork(pm, 100, 100), 0, "thread: fork into itself");
	ok(has(pm, 100, 0x1000, 0x1000, 0x2000, 0, "/bin/parent"), "thread: nothing changes");
	is_int(procmap_fork(pm, 555, 556), 0, "fork of an unknown parent");
	ok(!procmap_find(pm, 556, 0x1000), "child of an unknown parent: empty");

	procmap_exec(pm, 101);
	ok(!procmap_find(pm, 101, 0x1000), "exec forgets mappings");
	m = mk(0x4000, 0x5000, 0, "/bin/new", 1);
	procmap_add(pm, 101, &m);
	ok(has(pm, 101, 0x4000, 0x4000, 0x5000, 0, "/bin/new"), "mappings after exec");

	procmap_exit(pm, 100);
	ok(!procmap_find(pm, 100, 0x1000), "exit forgets the process");
	ok(has(pm, 101, 0x4000, 0x4000, 0x5000, 0, "/bin/new"), "others stay");
	procmap_exit(pm, 4242);
	procmap_exec(pm, 4242);
	ok(1, "exit/exec of unknown pids are no-ops");
	procmap_free(pm);
}

static void test_comm(void)
{
	struct procmap *pm = NULL;
	char name[16];

	procmap_new(&pm);
	if (!pm)
		return;
	ok(procmap_comm(pm, 1) == NULL, "no comm yet");
	snprintf(name, sizeof(name), "bash");
	procmap_set_comm(pm, 30, name);
	procmap_set_comm(pm, 10, "worker-10");
	procmap_set_comm(pm, 20, "worker-20");
	name[0] = 'X';
	is_str(procmap_comm(pm, 30), "bash", "comm copied");
	is_str(procmap_comm(pm, 10), "worker-10", "comm per tid (10)");
	is_str(procmap_comm(pm, 20), "worker-20", "comm per tid (20)");
	procmap_set_comm(pm, 30, "app");
	is_str(procmap_comm(pm, 30), "app", "exec renames");
	ok(procmap_comm(pm, 15) == NULL, "unknown tid");
	procmap_free(pm);
}

static const char maps_text[] =
	"55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1311 /usr/bin/app\n"
	"55d0c0a02000-55d0c0a07000 r-xp 00002000 08:01 1311 /usr/bin/app\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f1e2a000000-7f1e2a028000 r--p 00000000 08:01 2222 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1e2a028000-7f1e2a19d000 r-xp 00028000 08:01 2222 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1e2a200000-7f1e2a201000 r-xp 00000000 00:00 0 \n"
	"7f1e2a300000-7f1e2a301000 r-xp 00001000 08:01 3333 /opt/my app/lib x.so (deleted)\n"
	"garbage line\n"
	"7ffd3b9e5000-7ffd3b9e7000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static void test_proc(void)
{
	char dir[] = "/tmp/hwprof-test-procmap-XXXXXX", path[4200];
	struct procmap *pm = NULL;
	FILE *fp;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/4321", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/4321/maps", dir);
	fp = fopen(path, "w");
	if (fp) {
		fputs(maps_text, fp);
		fclose(fp);
	}
	procmap_new(&pm);
	if (!pm)
		goto out;
	is_int(procmap_load_proc(pm, 4321, dir), 0, "load fixture maps");
	ok(has(pm, 4321, 0x55d0c0a03000, 0x55d0c0a02000, 0x55d0c0a07000, 0x2000, "/usr/bin/app"),
	   "executable text of the program");
	ok(!procmap_find(pm, 4321, 0x55d0c0a01000), "read-only part is not executable");
	ok(!procmap_find(pm, 4321, 0x55d0c1000100), "heap is not executable");
	ok(has(pm, 4321, 0x7f1e2a100000, 0x7f1e2a028000, 0x7f1e2a19d000, 0x28000,
	       "/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc text");
	ok(has(pm, 4321, 0x7f1e2a200010, 0x7f1e2a200000, 0x7f1e2a201000, 0, "//anon"),
	   "anonymous executable memory");
	ok(has(pm, 4321, 0x7f1e2a300000, 0x7f1e2a300000, 0x7f1e2a301000, 0x1000,
	       "/opt/my app/lib x.so (deleted)"), "path with spaces kept whole");
	ok(has(pm, 4321, 0x7ffd3b9e5000, 0x7ffd3b9e5000, 0x7ffd3b9e7000, 0, "[vdso]"), "vdso");
	ok(has(pm, 4321, 0xffffffffff600000ULL, 0xffffffffff600000ULL, 0xffffffffff601000ULL, 0,
	       "[vsyscall]"), "last line without newline");
	is_int(procmap_load_proc(pm, 999999, dir), -ENOENT, "missing process: -ENOENT");

	/* The same parser on a buffer that is not NUL-terminated. */
	{
		const char *nl = strchr(strchr(maps_text, '\n') + 1, '\n');

		/* Cut "/usr/bin/app" after "/usr/bin/". */
		is_int(procmap_parse_maps(pm, 77, maps_text, nl - maps_text - 3), 0,
		       "parse a prefix");
		ok(has(pm, 77, 0x55d0c0a03000, 0x55d0c0a02000, 0x55d0c0a07000, 0x2000,
		       "/usr/bin/"), "the path ends where the buffer ends");
		ok(!procmap_find(pm, 77, 0x7f1e2a100000), "nothing read past the buffer");
	}

	/* This process, for real. */
	{
		pid_t self = getpid();
		uintptr_t addr = (uintptr_t)&test_proc;
		const struct map *m;

		is_int(procmap_load_proc(pm, self, NULL), 0, "load /proc/self");
		m = procmap_find(pm, self, addr);
		ok(m && m->path[0] == '/' && strstr(m->path, "test-procmap"),
		   "own code found in own binary (%s)", m ? m->path : "none");
	}
	procmap_free(pm);
out:
	unlink(path);
	snprintf(path, sizeof(path), "%s/4321", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	procmap_free(NULL);
	test_add_find();
	test_overlap();
	test_fork_exec_exit();
	test_comm();
	test_proc();
	return done_testing();
}
