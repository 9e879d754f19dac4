/* test-recorder.c - the pipeline's rules, stated on encoded records.
 *
 * Records as the kernel writes them (perfrec_encode_*) go through the recorder
 * as session_read hands them over, ring after ring, and each test states one
 * rule as an exact fact of the profile that comes out: the names and lines of
 * this test's own functions (built -O0 -g, see Makefile.am), names from a
 * kallsyms, a perf-PID.map and a /proc of our own making, values and labels.
 * The records' pids are made up; their mappings are this test's. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "offcpu.h"
#include "perfrec.h"
#include "profile.h"
#include "recorder.h"
#include "tap.h"
#include "timeline.h"
#include "arch.h"

/* ---- code with known lines: the frames the samples below name ---- */

static volatile int sink;
static uint64_t ret_in_caller, ret_in_outer;

__attribute__((noinline)) static void callee(void)
{
	ret_in_caller = (uint64_t)__builtin_return_address(0);
}

enum { CALL_LINE = __LINE__ + 4 };
__attribute__((noinline)) static void caller(void)
{
	ret_in_outer = (uint64_t)__builtin_return_address(0);
	callee();
	sink++;
}

enum { OUTER_LINE = __LINE__ + 3 };
__attribute__((noinline)) static void outer(void)
{
	caller();
	sink++;
}

/* ---- the world the records describe ---- */

#define PID 4242
#define K_STEXT 0xffffffff81000000ULL
#define K_SCHEDULE 0xffffffff81000100ULL
#define K_FUTEX 0xffffffff81000200ULL
#define K_IO 0xffffffff81000300ULL
#define K_PIPE 0xffffffff81000400ULL
#define K_ENTRY 0xffffffff81000500ULL
#define K_SYSCALL 0xffffffff81000600ULL
#define JIT_BASE 0x7f0000000000ULL
#define GONE_BASE 0x600000000ULL
/* Where the stack copies below pretend to have been taken. */
#define SP 0x7ffd00001000ULL

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 T schedule\n"
	"ffffffff81000200 T futex_wait_queue\n"
	"ffffffff81000300 T io_schedule\n"
	"ffffffff81000400 T pipe_read\n"
	"ffffffff81000500 T entry_SYSCALL_64\n"
	"ffffffff81000600 T do_syscall_64\n"
	"ffffffff81000700 T _etext\n";

/* Event ids of the samples (PERF_SAMPLE_IDENTIFIER): event 0, 1, 2. */
enum { ID0 = 100, ID1, ID2 };

/* This test's executable mapping, and a directory with kallsyms,
 * perf-PID.map and a /proc. */
static struct {
	uint64_t start, end, pgoff;
	char path[4096];
	char dir[64];
} env;

/* The frame pointer, SP and the pc, and the link register where a call
 * leaves the return address in one (arm64): what the leaf-caller rule and a
 * DWARF walk need.  main sets regs_user_mask (arch.h). */
static struct perfrec_format fmt = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN |
		       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
	.sample_id_all = 1,
};

static uint64_t regs_mask(void)
{
	const struct arch_info *a = arch_get();

	return 1ULL << a->reg_fp | 1ULL << a->reg_sp | 1ULL << a->reg_pc |
	       (a->reg_lr >= 0 ? 1ULL << a->reg_lr : 0);
}

static const struct perfrec_format group_fmt = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ |
		       PERF_SAMPLE_CALLCHAIN,
	.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID,
	.sample_id_all = 1,
};

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int setup(void)
{
	char line[4096 + 128], path[4200];
	uint64_t at = (uint64_t)caller;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a, b, off;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &a, &b, &off, &pos) < 3 || !pos ||
		    at < a || at >= b)
			continue;
		env.start = a;
		env.end = b;
		env.pgoff = off;
		snprintf(env.path, sizeof(env.path), "%s", line + pos);
		env.path[strcspn(env.path, "\n")] = '\0';
	}
	if (f)
		fclose(f);
	snprintf(env.dir, sizeof(env.dir), "/tmp/test-recorder-XXXXXX");
	if (!env.start || !mkdtemp(env.dir))
		return -1;
	snprintf(path, sizeof(path), "%s/kallsyms", env.dir);
	if (write_file(path, kallsyms) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/perf-%d.map", env.dir, PID);
	if (write_file(path, "7f0000001000 100 jitted_fn\n") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%d", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task/4310", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task/4310/comm", env.dir, PID);
	return write_file(path, "from-proc\n");
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env.dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", env.dir);
}

/* ---- the recorder under test ---- */

static struct event evs[3];
static struct event_list events = { 0, evs };

static int event_of(const void *ctx, uint64_t id)
{
	(void)ctx;
	return id >= ID0 && id < ID0 + events.n ? (int)(id - ID0) : -1;
}

/* A recorder of the events named (sample type and unit, in pairs). */
static struct recorder *start(const struct perfrec_format *f, struct recorder_opts *o,
			      const char *const *types, size_t n)
{
	char kpath[128];
	struct recorder *r = NULL;

	memset(evs, 0, sizeof(evs));
	for (size_t i = 0; i < n; i++) {
		snprintf(evs[i].sample_type, sizeof(evs[i].sample_type), "%s", types[2 * i]);
		snprintf(evs[i].unit, sizeof(evs[i].unit), "%s", types[2 * i + 1]);
	}
	events.n = n;
	snprintf(kpath, sizeof(kpath), "%s/kallsyms", env.dir);
	o->fmt = f;
	o->events = &events;
	o->kallsyms_path = kpath;
	o->jit_dir = env.dir;
	o->proc_root = env.dir;
	if (recorder_new(o, &r) < 0) {
		printf("Bail out! recorder_new\n");
		exit(1);
	}
	recorder_set_event_map(r, event_of, NULL);
	return r;
}

static void queue_rec(struct recorder *r, const struct perfrec_format *f, const struct perfrec *rec)
{
	uint8_t buf[4096];
	int n = perfrec_encode(f, rec, buf, sizeof(buf));

	if (n < 0 || recorder_queue(buf, (size_t)n, r) < 0)
		printf("# queue type %u failed: %d\n", rec->type, n);
}

static void queue_sample(struct recorder *r, const struct perfrec_format *f,
			 const struct perfrec_sample *s)
{
	struct perfrec rec = { .type = PERF_RECORD_SAMPLE, .misc = PERF_RECORD_MISC_USER };

	rec.u.sample = *s;
	queue_rec(r, f, &rec);
}

/* An executable MMAP2 of m->pid at time. */
static void queue_mmap(struct recorder *r, uint64_t time, const struct perfrec_mmap *m)
{
	struct perfrec rec = { .type = PERF_RECORD_MMAP2, .misc = PERF_RECORD_MISC_USER };

	rec.u.mmap = *m;
	rec.u.mmap.tid = m->pid;
	rec.u.mmap.is_mmap2 = 1;
	rec.u.mmap.prot = PROT_READ | PROT_EXEC;
	rec.sid = (struct perfrec_sample_id){ .pid = m->pid, .tid = m->pid, .time = time };
	queue_rec(r, &fmt, &rec);
}

/* This test's executable, mapped where it is, in process pid. */
static void queue_exe(struct recorder *r, uint32_t pid, uint64_t time)
{
	queue_mmap(r, time, &(struct perfrec_mmap){ .pid = pid, .addr = env.start,
		   .len = env.end - env.start, .pgoff = env.pgoff, .filename = env.path });
}

static void queue_comm(struct recorder *r, uint32_t pid, uint32_t tid, const char *name, int exec,
		       uint64_t time)
{
	struct perfrec rec = { .type = PERF_RECORD_COMM };

	rec.u.comm = (struct perfrec_comm){ .pid = pid, .tid = tid, .exec = exec, .comm = name };
	rec.sid = (struct perfrec_sample_id){ .pid = pid, .tid = tid, .time = time };
	queue_rec(r, &fmt, &rec);
}

/* FORK or EXIT of tid (pid) from ptid (ppid). */
static void queue_fork(struct recorder *r, uint32_t type, const struct perfrec_fork *fk)
{
	struct perfrec rec = { .type = type };

	rec.u.fork = *fk;
	rec.sid = (struct perfrec_sample_id){ .pid = fk->pid, .tid = fk->tid, .time = fk->time };
	queue_rec(r, &fmt, &rec);
}

/* A PERF_RECORD_SWITCH of tid (pid PID). */
static void queue_switch(struct recorder *r, uint32_t tid, uint64_t time, int out, int preempt)
{
	struct perfrec rec = { .type = PERF_RECORD_SWITCH };

	rec.u.sw.out = out;
	rec.u.sw.preempt = preempt;
	rec.sid = (struct perfrec_sample_id){ .pid = PID, .tid = tid, .time = time };
	queue_rec(r, &fmt, &rec);
}

/* ---- reading the profile ---- */

static int64_t num_label(const struct profile_sample *s, const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++)
		if (!strcmp(s->labels[i].key, key) && !s->labels[i].str)
			return s->labels[i].num;
	return -1;
}

/* The function of frame i of s (the outer one of its inlined lines), its line. */
static const char *fn_at(const struct profile *p, const struct profile_sample *s, size_t i,
			 int64_t *line)
{
	const struct profile_location *l =
		i < s->n_locations ? profile_get_location(p, s->location_ids[i]) : NULL;
	const struct profile_function *f =
		l && l->n_lines ? profile_get_function(p, l->lines[l->n_lines - 1].function_id) : NULL;

	if (line)
		*line = f ? l->lines[l->n_lines - 1].line : -1;
	return f ? f->name : "(none)";
}

/* The sample of thread tid whose leaf is in function leaf (NULL: any), and
 * whose state label is state (NULL: none). */
static const struct profile_sample *find(const struct profile *p, int64_t tid, const char *leaf,
					 const char *state)
{
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_sample *s = &p->samples[i];
		const char *st = profile_sample_label(s, "state");

		if (num_label(s, "tid") != tid || (leaf && strcmp(fn_at(p, s, 0, NULL), leaf)))
			continue;
		if ((!state && !st) || (state && st && !strcmp(state, st)))
			return s;
	}
	return NULL;
}

/* One expected frame: its function and line (0: any line). */
struct want {
	const char *fn;
	int64_t line;
};

/* Does s's stack name exactly the frames of want (up to its { NULL })? */
static int stack_is(const struct profile *p, const struct profile_sample *s,
		    const struct want *want)
{
	size_t n = 0;

	while (want[n].fn)
		n++;
	if (!s || s->n_locations != n) {
		printf("#   %zu frames, want %zu\n", s ? s->n_locations : 0, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t line;
		const char *fn = fn_at(p, s, i, &line);

		if (strcmp(fn, want[i].fn) || (want[i].line && line != want[i].line)) {
			printf("#   frame %zu: %s:%lld, want %s:%lld\n", i, fn, (long long)line,
			       want[i].fn, (long long)want[i].line);
			return 0;
		}
	}
	return 1;
}

#define WANT(...) ((const struct want[]){ __VA_ARGS__, { NULL, 0 } })

/* ---- the rules ---- */

static const char *const cpu_only[] = { "cpu", "nanoseconds" };

/* A frame-pointer sample of thread tid of PID at time: a callchain only. */
static void queue_chain(struct recorder *r, uint32_t tid, uint64_t time, const uint64_t *chain,
			size_t n)
{
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .pid = PID, .tid = tid, .time = time, .period = 1000,
		.callchain_nr = n, .callchain = chain });
}

/* How addresses are named: lines of return addresses, kernel, JIT, files. */
static void test_names(void)
{
	struct recorder_opts o = { 0 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	struct profile *p = recorder_profile(r);
	const struct recorder_stats *st = recorder_stats(r);
	const struct profile_sample *s;
	const struct profile_mapping *m;
	uint64_t calls[] = { PERF_CONTEXT_USER, (uint64_t)callee, ret_in_caller };
	uint64_t sys[] = { PERF_CONTEXT_KERNEL, K_SCHEDULE + 0x10, K_SYSCALL,
			   PERF_CONTEXT_USER, ret_in_caller };
	uint64_t jit[] = { PERF_CONTEXT_USER, JIT_BASE + 0x1010 };
	uint64_t gone[] = { PERF_CONTEXT_USER, GONE_BASE + 0x10 };
	uint64_t nowhere[] = { PERF_CONTEXT_USER, 0x1000 };
	uint64_t hidden[] = { PERF_CONTEXT_KERNEL, K_STEXT - 0x1000000 };
	int64_t line;

	queue_exe(r, PID, 10);
	queue_mmap(r, 11, &(struct perfrec_mmap){ .pid = PID, .addr = JIT_BASE, .len = 0x10000,
		   .filename = "//anon" });
	queue_mmap(r, 12, &(struct perfrec_mmap){ .pid = PID, .addr = GONE_BASE, .len = 0x1000,
		   .pgoff = 0x2000, .filename = "/nonexistent/libgone.so" });
	/* Without a callchain, the sampled ip. */
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .ip = ret_in_caller, .pid = PID, .tid = 4301, .time = 100,
		.period = 1000 });
	queue_chain(r, 4302, 101, calls, 3);
	queue_chain(r, 4303, 102, sys, 5);
	queue_chain(r, 4304, 103, jit, 2);
	queue_chain(r, 4305, 104, gone, 2);
	queue_chain(r, 4306, 105, nowhere, 2);
	queue_chain(r, 4307, 106, hidden, 2);
	queue_chain(r, 4307, 107, hidden, 2);
	is_int(recorder_flush(r), 0, "names: flush");

	s = find(p, 4301, "caller", NULL);
	ok(s && fn_at(p, s, 0, &line) && line == CALL_LINE + 1,
	   "the sampled pc is named as it is: at a return address, the line after the call");
	ok(stack_is(p, find(p, 4302, NULL, NULL), WANT({ "callee", 0 }, { "caller", CALL_LINE })),
	   "a return address is looked up at pc - 1, so its line is the call's");
	s = find(p, 4302, NULL, NULL);
	ok(s && profile_get_location(p, s->location_ids[1])->address == ret_in_caller - 1,
	   "... and its location is at pc - 1");
	ok(stack_is(p, find(p, 4303, NULL, NULL),
		    WANT({ "schedule", 0 }, { "entry_SYSCALL_64", 0 }, { "caller", CALL_LINE })),
	   "kernel frames are named by kallsyms, a return address at a function's first "
	   "byte (pc - 1) by the function before; the user pc under them is a return "
	   "address too");
	s = find(p, 4303, NULL, NULL);
	m = s ? profile_get_mapping(p, profile_get_location(p, s->location_ids[2])->mapping_id) : NULL;
	ok(m && !strcmp(m->file, env.path) && m->start == env.start,
	   "a user frame's mapping is the file mapped there");
	m = s ? profile_get_mapping(p, profile_get_location(p, s->location_ids[0])->mapping_id) : NULL;
	is_str(m ? m->file : NULL, "[kernel.kallsyms]", "kernel frames share one [kernel.kallsyms] mapping");
	ok(find(p, 4304, "jitted_fn", NULL), "code in an anonymous mapping is named by perf-PID.map");
	ok(find(p, 4305, "libgone.so+0x2010", NULL),
	   "an address in a file that cannot be read is FILE+0xOFFSET, the offset in the file");
	ok(find(p, 4306, "[unknown]", NULL) && st->unknown_frames == 1,
	   "an address outside every mapping is [unknown], and counted");
	s = find(p, 4307, "[kernel]+0xffffffff80000000", NULL);
	ok(s && s->values[0] == 2 && s->values[1] == 2000 && st->kernel_unnamed == 1,
	   "a kernel address kallsyms cannot name is [kernel]+0xADDR, counted once; "
	   "samples of one stack and thread add up into one");
	is_int(st->kernel_frames, 4, "every kernel frame is counted");
	is_int(st->samples, 8, "every sample with a frame is counted");
	recorder_free(r);
}

/* Threads and processes: names, forks, exec. */
static void test_threads(void)
{
	struct recorder_opts o = { 0 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	struct profile *p = recorder_profile(r);
	uint64_t here[] = { PERF_CONTEXT_USER, ret_in_caller };
	const struct profile_sample *s;

	queue_comm(r, PID, PID, "main-thread", 1, 5);
	queue_exe(r, PID, 10);
	queue_chain(r, PID, 100, here, 2);
	queue_chain(r, 4310, 101, here, 2);
	queue_fork(r, PERF_RECORD_FORK, &(struct perfrec_fork){
		.pid = PID, .ppid = PID, .tid = 4311, .ptid = PID, .time = 102 });
	queue_chain(r, 4311, 103, here, 2);
	queue_fork(r, PERF_RECORD_FORK, &(struct perfrec_fork){
		.pid = 4400, .ppid = PID, .tid = 4400, .ptid = PID, .time = 104 });
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .ip = ret_in_caller, .pid = 4400, .tid = 4400, .time = 105,
		.period = 1000 });
	queue_comm(r, 4400, 4400, "newprog", 1, 106);
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .ip = ret_in_caller, .pid = 4400, .tid = 4400, .time = 107,
		.period = 1000 });
	is_int(recorder_flush(r), 0, "threads: flush");

	s = find(p, PID, "caller", NULL);
	is_str(s ? profile_sample_label(s, "thread") : NULL, "main-thread",
	       "a thread is named by its COMM record");
	ok(s && num_label(s, "pid") == PID, "and labeled with its pid and tid");
	s = find(p, 4310, "caller", NULL);
	is_str(s ? profile_sample_label(s, "thread") : NULL, "from-proc",
	       "a thread without a COMM record is named from /proc/PID/task/TID/comm");
	s = find(p, 4311, "caller", NULL);
	is_str(s ? profile_sample_label(s, "thread") : NULL, "main-thread",
	       "a new thread takes its creator's name");
	s = find(p, 4400, "caller", NULL);
	ok(s && !strcmp(profile_sample_label(s, "thread"), "main-thread"),
	   "a forked process inherits its parent's mappings and name");
	s = find(p, 4400, "[unknown]", NULL);
	ok(s && !strcmp(profile_sample_label(s, "thread"), "newprog"),
	   "an exec forgets the process's mappings and renames it");
	recorder_free(r);
}

/* Processes hwprof did not start: process labels, given labels, its own
 * samples, exits, and the agent's next interval. */
static void test_attached(void)
{
	const struct profile_label env_label = { .key = "env", .str = "test" };
	struct recorder_opts o = { .attached = 1, .process_label = 1, .self_pid = 4500,
				   .labels = &env_label, .n_labels = 1 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	uint64_t here[] = { PERF_CONTEXT_USER, ret_in_caller };
	struct profile *old = NULL, *p = recorder_profile(r);
	const struct profile_sample *s;

	queue_comm(r, PID, PID, "server", 1, 5);
	queue_comm(r, PID, 4601, "worker", 0, 6);
	queue_exe(r, PID, 10);
	queue_chain(r, 4601, 100, here, 2);
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .ip = ret_in_caller, .pid = 4500, .tid = 4500, .time = 101,
		.period = 1000 });
	is_int(recorder_flush(r), 0, "attached: flush");
	s = find(p, 4601, "caller", NULL);
	ok(s && !strcmp(profile_sample_label(s, "process"), "server") &&
	   !strcmp(profile_sample_label(s, "thread"), "worker"),
	   "a sample is labeled with its process's name as well as its thread's");
	is_str(s ? profile_sample_label(s, "env") : NULL, "test", "and with the given labels");
	ok(p->n_samples == 1 && recorder_stats(r)->self_samples == 1,
	   "hwprof's own samples are left out and counted");
	is_int(recorder_next_profile(r, &old), 0, "next interval");
	ok(old == p && recorder_profile(r) != p && recorder_profile(r)->n_samples == 0 &&
	   recorder_profile(r)->n_types == p->n_types,
	   "the next interval starts an empty profile with the same sample types");
	p = recorder_profile(r);
	queue_chain(r, 4601, 200, here, 2);
	queue_fork(r, PERF_RECORD_EXIT, &(struct perfrec_fork){
		.pid = PID, .ppid = 1, .tid = PID, .ptid = 1, .time = 201 });
	recorder_flush(r);
	s = find(p, 4601, "caller", NULL);
	ok(s && s->n_locations >= 1, "its samples are named again in the new profile");
	is_int(recorder_stats(r)->exited, 0, "an exited process is kept for one more flush");
	recorder_flush(r);
	is_int(recorder_stats(r)->exited, 1, "then its maps and names are freed");
	queue_exe(r, 4800, 299);
	queue_fork(r, PERF_RECORD_EXIT, &(struct perfrec_fork){
		.pid = 4700, .ppid = 1, .tid = 4700, .ptid = 1, .time = 300 });
	queue_fork(r, PERF_RECORD_FORK, &(struct perfrec_fork){
		.pid = 4700, .ppid = 4800, .tid = 4700, .ptid = 4800, .time = 301 });
	recorder_flush(r);
	recorder_flush(r);
	is_int(recorder_stats(r)->exited, 1, "a pid taken again before its state went keeps the new one");
	profile_free(old);
	recorder_free(r);
}

/* Two rings read one after the other; records lost, throttled, malformed. */
static void test_batches(void)
{
	struct recorder_opts o = { 0 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	struct profile *p = recorder_profile(r);
	const struct recorder_stats *st = recorder_stats(r);
	uint64_t here[] = { PERF_CONTEXT_USER, ret_in_caller };
	struct perfrec rec = { .type = PERF_RECORD_LOST };
	uint8_t buf[256];
	struct perf_event_header h = { .type = PERF_RECORD_NAMESPACES, .size = 16 };
	int n;

	/* Ring 0: a sample of 4500 at 200 and an mmap of 4501 at 260.  Ring 1:
	 * the mmap of 4500 at 150, a sample of 4501 at 250. */
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .pid = 4500, .tid = 4500, .time = 200, .period = 1,
		.callchain_nr = 2, .callchain = here });
	queue_exe(r, 4501, 260);
	queue_exe(r, 4500, 150);
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .pid = 4501, .tid = 4501, .time = 250, .period = 1,
		.callchain_nr = 2, .callchain = here });
	rec.u.lost = (struct perfrec_lost){ .id = ID0, .lost = 7 };
	queue_rec(r, &fmt, &rec);
	rec.type = PERF_RECORD_LOST_SAMPLES;
	rec.u.lost.lost = 3;
	queue_rec(r, &fmt, &rec);
	rec.type = PERF_RECORD_THROTTLE;
	queue_rec(r, &fmt, &rec);
	rec.type = PERF_RECORD_UNTHROTTLE;
	queue_rec(r, &fmt, &rec);
	/* A sample cut short (its header says more than it holds), and a record
	 * of a type the recorder does not read. */
	n = perfrec_encode_sample(&fmt, &(struct perfrec_sample){ .identifier = ID0, .pid = 4502,
				  .tid = 4502, .time = 300, .callchain_nr = 2, .callchain = here },
				  0, buf, sizeof(buf));
	recorder_queue(buf, n > 24 ? 24 : 0, r);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	recorder_queue(buf, 16, r);
	queue_chain(r, 4503, 400, here, 2);
	is_int(recorder_flush(r), 0, "batches: flush");

	ok(find(p, 4500, "caller", NULL),
	   "a sample read before its mmap, but taken after it, is named through that mapping");
	ok(find(p, 4501, "[unknown]", NULL), "a sample taken before its mmap does not see it");
	is_int(st->malformed, 1, "a malformed record is counted; a type we do not read is not");
	ok(!find(p, 4502, NULL, NULL) && find(p, 4503, NULL, NULL) && st->samples == 3,
	   "a malformed record is skipped, and the records after it still count");
	ok(st->lost == 10 && st->lost_records == 2,
	   "LOST and LOST_SAMPLES records add up the samples the kernel dropped");
	is_int(st->throttled, 1, "THROTTLE records are counted, UNTHROTTLE ones are not");
	recorder_free(r);
}

/* The stack copy of a sample taken at the first instruction of callee, called
 * from caller at CALL_LINE, called from outer at OUTER_LINE.  x86-64: callee's
 * return address at SP, caller's frame at BP = SP + 8, outer's at SP + 32.
 * arm64: callee's return address in the link register, caller's frame record
 * at FP = SP, outer's at SP + 16 (16-byte frames, the code GCC makes of them). */
struct copy {
	uint64_t regs[4];          /* FP, (LR), SP, PC: perf's order */
	uint64_t nregs;
	uint64_t stack[16];
};

/* The registers by role into c->regs, in perf's order (FP < LR < SP < PC on
 * both architectures). */
static void copy_regs(struct copy *c, uint64_t fp, uint64_t lr, uint64_t sp, uint64_t pc)
{
	c->nregs = 0;
	c->regs[c->nregs++] = fp;
	if (arch_get()->reg_lr >= 0)
		c->regs[c->nregs++] = lr;
	c->regs[c->nregs++] = sp;
	c->regs[c->nregs++] = pc;
}

static void copy_at_callee(struct copy *c)
{
	memset(c, 0, sizeof(*c));
	if (arch_get()->reg_lr >= 0) {
		copy_regs(c, SP, ret_in_caller, SP, (uint64_t)callee);
		c->stack[0] = SP + 16;     /* caller's frame record: outer's FP ... */
		c->stack[1] = ret_in_outer; /* ... and its return address */
		return;
	}
	copy_regs(c, SP + 8, 0, SP, (uint64_t)callee);
	c->stack[0] = ret_in_caller;
	c->stack[1] = SP + 32;     /* caller's saved BP: outer's frame */
	c->stack[2] = ret_in_outer;
	/* outer's saved frame pointer and return address: 0, the end of the walk. */
}

/* The same stack once callee has returned: the sample taken in caller, past
 * its prologue, at the line after the call; on x86-64 the copy starts at
 * SP + 8 (the return address popped). */
static void copy_in_caller(struct copy *c)
{
	memset(c, 0, sizeof(*c));
	if (arch_get()->reg_lr >= 0) {
		copy_regs(c, SP, ret_in_caller, SP, ret_in_caller);
		c->stack[0] = SP + 16;
		c->stack[1] = ret_in_outer;
		return;
	}
	copy_regs(c, SP + 8, 0, SP + 8, ret_in_caller);
	c->stack[0] = SP + 32;     /* caller's saved BP, at its BP */
	c->stack[1] = ret_in_outer;
}

static void queue_copy(struct recorder *r, uint32_t tid, uint64_t time, const struct copy *c,
		       const uint64_t *chain, size_t n)
{
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .ip = c->regs[c->nregs - 1], .pid = PID, .tid = tid, .time = time,
		.period = 1000, .callchain_nr = n, .callchain = chain,
		.regs_user_abi = PERF_SAMPLE_REGS_ABI_64, .regs_user_nr = c->nregs, .regs_user = c->regs,
		.stack_user_size = sizeof(c->stack), .stack_user = c->stack,
		.stack_user_dyn_size = 48 });
}

/* Frame-pointer stacks: the caller of a frameless leaf. */
static void test_leaf_caller(void)
{
	struct recorder_opts o = { 0 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	struct profile *p = recorder_profile(r);
	uint64_t fp[] = { PERF_CONTEXT_USER, (uint64_t)callee, ret_in_outer };
	uint64_t framed[] = { PERF_CONTEXT_USER, ret_in_caller, ret_in_outer };
	struct copy c;

	copy_at_callee(&c);
	queue_exe(r, PID, 10);
	queue_copy(r, 4601, 100, &c, fp, 3);
	queue_chain(r, 4602, 101, fp, 3);
	/* In caller, past its prologue: BP + 8 holds its return address. */
	copy_in_caller(&c);
	queue_copy(r, 4603, 102, &c, framed, 3);
	is_int(recorder_flush(r), 0, "leaf caller: flush");

	ok(stack_is(p, find(p, 4601, NULL, NULL),
		    WANT({ "callee", 0 }, { "caller", CALL_LINE }, { "outer", OUTER_LINE })),
	   "a frameless leaf's caller, skipped by the frame-pointer walk, is recovered from "
	   "its CFI and the stack copy, at pc - 1");
	is_int(recorder_stats(r)->leaf_callers, 1, "a recovered caller is counted");
	ok(stack_is(p, find(p, 4602, NULL, NULL), WANT({ "callee", 0 }, { "outer", OUTER_LINE })),
	   "without sampled registers, the frame-pointer chain is taken as it is");
	ok(stack_is(p, find(p, 4603, NULL, NULL),
		    WANT({ "caller", CALL_LINE + 1 }, { "outer", OUTER_LINE })),
	   "a leaf with a frame of its own misses no caller: none is added");
	recorder_free(r);
}

/* --call-graph dwarf: user stacks from the registers and the stack copy. */
static void test_dwarf(void)
{
	struct recorder_opts o = { .dwarf = 1 };
	struct recorder *r = start(&fmt, &o, cpu_only, 1);
	struct profile *p = recorder_profile(r);
	uint64_t kernel[] = { PERF_CONTEXT_KERNEL, K_SCHEDULE + 0x10 };
	struct copy c;

	copy_at_callee(&c);
	queue_exe(r, PID, 10);
	queue_copy(r, 4701, 100, &c, NULL, 0);
	copy_in_caller(&c);
	queue_copy(r, 4702, 101, &c, kernel, 2);
	queue_copy(r, 4703, 102, &c, NULL, 0);
	is_int(recorder_flush(r), 0, "dwarf: flush");

	ok(stack_is(p, find(p, 4701, NULL, NULL),
		    WANT({ "callee", 0 }, { "caller", CALL_LINE }, { "outer", OUTER_LINE })),
	   "with DWARF, the user stack is walked through each function's CFI, callers at "
	   "their calls' lines");
	ok(stack_is(p, find(p, 4702, NULL, NULL),
		    WANT({ "schedule", 0 }, { "caller", CALL_LINE }, { "outer", OUTER_LINE })),
	   "under kernel frames, the walk's first pc is where the system call returns to: "
	   "named at pc - 1");
	ok(stack_is(p, find(p, 4703, NULL, NULL),
		    WANT({ "caller", CALL_LINE + 1 }, { "outer", OUTER_LINE })),
	   "without kernel frames, the walk's first pc is the sampled pc, named as it is");
	is_int(recorder_stats(r)->dwarf_samples, 3, "DWARF-unwound samples are counted");
	recorder_free(r);
}

/* Group sampling: the leader's sample reads every member. */
static void test_group_reads(void)
{
	static const char *const types[] = { "cpu", "nanoseconds", "instructions", "count",
					     "cycles", "count" };
	struct recorder_opts o = { 0 };
	struct recorder *r = start(&group_fmt, &o, types, 3);
	struct profile *p = recorder_profile(r);
	uint64_t here[] = { PERF_CONTEXT_USER, ret_in_caller };
	const struct profile_sample *s;
	/* Each reading: tid, time, then the counts of events 0, 1, 2. */
	static const uint64_t reads[][5] = {
		{ 4801, 100, 7777, 500, 900 },
		{ 4802, 150, 8888, 50, 60 },
		{ 4801, 200, 9999, 800, 1000 },
	};

	queue_exe(r, PID, 10);
	for (size_t i = 0; i < 3; i++) {
		struct perfrec_sample smp = {
			.identifier = ID0, .pid = PID, .tid = (uint32_t)reads[i][0],
			.time = reads[i][1], .period = 1000, .callchain_nr = 2, .callchain = here,
		};

		smp.read.nr = 3;
		for (int k = 0; k < 3; k++)
			smp.read.values[k] = (struct perfrec_read_value){ reads[i][2 + k], ID0 + k, 0 };
		queue_sample(r, &group_fmt, &smp);
	}
	is_int(recorder_flush(r), 0, "group reads: flush");

	s = find(p, 4801, NULL, NULL);
	ok(s && s->values[2] == 800 && s->values[3] == 1000,
	   "a leader's sample adds each member's increase since the thread's previous sample");
	s = find(p, 4802, NULL, NULL);
	ok(s && s->values[2] == 50 && s->values[3] == 60,
	   "each thread's counts start with its first reading");
	s = find(p, 4801, NULL, NULL);
	ok(s && s->values[1] == 2000, "the leader's own value is its period, not its reading");
	recorder_free(r);
}

/* --off-cpu: switch-out samples and SWITCH records become waits. */
static void test_offcpu(void)
{
	static const char *const types[] = { "cpu", "nanoseconds", "context-switches", "count" };
	struct recorder_opts o = { .offcpu_event = 2, .wall = 1, .timeline = 1 };
	struct recorder *r = start(&fmt, &o, types, 2);
	struct profile *p = recorder_profile(r);
	const struct recorder_stats *st = recorder_stats(r);
	const struct timeline *tl = recorder_timeline(r);
	uint64_t lock[] = { PERF_CONTEXT_KERNEL, K_FUTEX + 0x10, K_SCHEDULE + 0x10,
			    PERF_CONTEXT_USER, ret_in_caller, ret_in_outer };
	uint64_t io[] = { PERF_CONTEXT_KERNEL, K_IO + 0x10, K_SCHEDULE + 0x10,
			  PERF_CONTEXT_USER, ret_in_caller };
	uint64_t pipe[] = { PERF_CONTEXT_KERNEL, K_PIPE + 0x10, K_SCHEDULE + 0x10,
			    PERF_CONTEXT_USER, ret_in_caller };
	uint64_t sched[] = { PERF_CONTEXT_KERNEL, K_SCHEDULE + 0x10, PERF_CONTEXT_USER, ret_in_caller };
	/* Each switch-out: tid, time, its stack; switched in at `in` (0: never). */
	const struct { uint32_t tid; uint64_t out, in; const uint64_t *chain; size_t n; int preempt; }
	waits[] = {
		{ 4901, 1000, 3000, lock, 6, 0 },
		{ 4902, 1100, 1600, io, 5, 0 },
		{ 4903, 1200, 1500, pipe, 5, 0 },
		{ 4904, 1300, 1400, sched, 4, 1 },
		{ 4905, 1700, 1750, NULL, 0, 0 },      /* its sample was lost */
		{ 4906, 1800, 0, pipe, 5, 0 },         /* exits at 1900 */
		{ 4907, 2000, 0, pipe, 5, 0 },         /* still off-CPU at the end */
	};
	const struct profile_sample *s;
	int found = 0;

	queue_exe(r, PID, 10);
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		if (waits[i].n)
			queue_sample(r, &fmt, &(struct perfrec_sample){
				.identifier = ID1, .pid = PID, .tid = waits[i].tid,
				.time = waits[i].out, .period = 1, .callchain_nr = waits[i].n,
				.callchain = waits[i].chain });
		queue_switch(r, waits[i].tid, waits[i].out + 1, 1, waits[i].preempt);
		if (waits[i].in)
			queue_switch(r, waits[i].tid, waits[i].in, 0, 0);
	}
	queue_fork(r, PERF_RECORD_EXIT, &(struct perfrec_fork){
		.pid = PID, .ppid = PID, .tid = 4906, .ptid = PID, .time = 1900 });
	/* 4901 runs again: an on-CPU sample, the last record. */
	queue_sample(r, &fmt, &(struct perfrec_sample){
		.identifier = ID0, .pid = PID, .tid = 4901, .time = 3500, .period = 250000,
		.callchain_nr = 2, .callchain = (uint64_t[]){ PERF_CONTEXT_USER, ret_in_caller } });
	is_int(recorder_flush(r), 0, "off-cpu: flush");
	is_int(recorder_finish(r), 0, "off-cpu: finish");

	s = find(p, 4901, NULL, "lock");
	ok(stack_is(p, s, WANT({ "futex_wait_queue", 0 }, { "schedule", 0 }, { "caller", CALL_LINE },
			      { "outer", OUTER_LINE })),
	   "a wait is a sample of the stack at switch-out; a futex frame makes it a lock wait");
	ok(s && s->values[3] == 2000 && s->values[4] == 2000 && s->values[2] == 1 && s->values[0] == 0,
	   "a wait lasts from switch-out to switch-in: off-cpu and wall get its ns, the "
	   "switch event counts it once");
	s = find(p, 4902, NULL, "io");
	ok(s && s->values[3] == 500, "a wait under io_schedule is an I/O wait");
	s = find(p, 4903, NULL, "sleeping");
	ok(s && s->values[3] == 300, "a wait under neither is sleeping");
	s = find(p, 4904, NULL, "runnable");
	ok(s && s->values[3] == 100, "a switch-out marked preempted is runnable");
	s = find(p, 4905, "[off-cpu: switch-out not sampled]", "sleeping");
	ok(s && s->values[3] == 1750 - 1701 && st->offcpu_unsampled == 1,
	   "a switch-out whose sample was lost still counts, from its record, on a stack "
	   "that says so");
	s = find(p, 4906, NULL, "sleeping");
	ok(s && s->values[3] == 100, "a thread's exit ends its wait");
	s = find(p, 4907, NULL, "sleeping");
	ok(s && s->values[3] == 1500, "a wait still open at the end ends at the last record's time");
	s = find(p, 4901, "caller", NULL);
	ok(s && s->values[1] == 250000 && s->values[4] == 250000 && s->values[3] == 0,
	   "an on-CPU sample's wall time is its CPU time");
	ok(st->switches == 12 && st->offcpu_waits == 7 && st->samples == 1,
	   "SWITCH records and waits are counted; switch-out samples are not samples");
	for (size_t i = 0; tl && i < tl->n_items; i++)
		found |= (tl->items[i].tid == 4901 && tl->items[i].state == OFFCPU_LOCK &&
			  tl->items[i].start == 1000 && tl->items[i].dur == 2000) |
			 (tl->items[i].tid == 4901 && tl->items[i].state == -1 &&
			  tl->items[i].start == 3500) << 1;
	is_int(found, 3, "the timeline gets each wait and each on-CPU sample");
	recorder_free(r);
}

int main(void)
{
	fmt.regs_user_mask = regs_mask();
	outer();
	if (setup() < 0) {
		printf("Bail out! setup (%s)\n", env.dir);
		return 1;
	}
	test_names();
	test_threads();
	test_attached();
	test_batches();
	test_leaf_caller();
	test_dwarf();
	test_group_reads();
	test_offcpu();
	cleanup();
	return done_testing();
}
