/* test-recorder-stacks.c - the pipeline's rules on stacks and values, stated
 * on encoded records as test-recorder.c states them (recording.h): a
 * frameless leaf's caller, DWARF-unwound user stacks, group reads, off-CPU
 * waits and the timeline. */
#include "recording.h"

#include "offcpu.h"
#include "timeline.h"

/* Group sampling: the leader's sample reads every member (with their ids). */
static const struct perfrec_format group_fmt = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ |
		       PERF_SAMPLE_CALLCHAIN,
	.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID,
	.sample_id_all = 1,
};

/* A PERF_RECORD_SWITCH of tid (pid PID). */
static void queue_switch(struct recorder *r, uint32_t tid, uint64_t time, int out, int preempt)
{
	struct perfrec rec = { .type = PERF_RECORD_SWITCH };

	rec.u.sw.out = out;
	rec.u.sw.preempt = preempt;
	rec.sid = (struct perfrec_sample_id){ .pid = PID, .tid = tid, .time = time };
	queue_rec(r, &fmt, &rec);
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
	if (setup() < 0) {
		printf("Bail out! setup (%s)\n", env.dir);
		return 1;
	}
	test_leaf_caller();
	test_dwarf();
	test_group_reads();
	test_offcpu();
	cleanup();
	return done_testing();
}
