/* recording.h - what the recorder's tests (test-recorder.c,
 * test-recorder-stacks.c) share: code with known lines, the world the records
 * describe (a kallsyms, a perf-PID.map and a /proc of our own making, this
 * test's executable mapping), the recorder under test, records queued as the
 * kernel writes them (perfrec_encode_*), and reading the profile that comes
 * out.  Built -O0 -g (see Makefile.am) so that the code's lines are known. */
#ifndef HWPROF_RECORDING_H
#define HWPROF_RECORDING_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "fixture.h"
#include "perfrec.h"
#include "profile.h"
#include "recorder.h"
#include "tap.h"
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

/* The registers sampled, the return addresses of the code above, env and
 * its directory.  0, or -1 (env.dir names the directory). */
static int setup(void)
{
	char line[4096 + 128], path[4200];
	uint64_t at = (uint64_t)caller;
	FILE *f;

	fmt.regs_user_mask = regs_mask();
	outer();
	f = fopen("/proc/self/maps", "r");
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
	if (fixture_write(path, kallsyms) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/perf-%d.map", env.dir, PID);
	if (fixture_write(path, "7f0000001000 100 jitted_fn\n") < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%d", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task/4310", env.dir, PID);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%d/task/4310/comm", env.dir, PID);
	return fixture_write(path, "from-proc\n");
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

/* FORK or EXIT of tid (pid) from ptid (ppid). */
static void queue_fork(struct recorder *r, uint32_t type, const struct perfrec_fork *fk)
{
	struct perfrec rec = { .type = type };

	rec.u.fork = *fk;
	rec.sid = (struct perfrec_sample_id){ .pid = fk->pid, .tid = fk->tid, .time = fk->time };
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

#endif
