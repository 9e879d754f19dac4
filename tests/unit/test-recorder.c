/* test-recorder.c - the pipeline's rules, stated on encoded records: how
 * addresses and threads are named, processes hwprof did not start, batches.
 *
 * Records as the kernel writes them (perfrec_encode_*) go through the recorder
 * as session_read hands them over, ring after ring, and each test states one
 * rule as an exact fact of the profile that comes out: the names and lines of
 * this test's own functions (recording.h), names from a kallsyms, a
 * perf-PID.map and a /proc of our own making, values and labels.  The
 * records' pids are made up; their mappings are this test's.  Stacks, group
 * reads and off-CPU waits: test-recorder-stacks.c. */
#include "recording.h"

static void queue_comm(struct recorder *r, uint32_t pid, uint32_t tid, const char *name, int exec,
		       uint64_t time)
{
	struct perfrec rec = { .type = PERF_RECORD_COMM };

	rec.u.comm = (struct perfrec_comm){ .pid = pid, .tid = tid, .exec = exec, .comm = name };
	rec.sid = (struct perfrec_sample_id){ .pid = pid, .tid = tid, .time = time };
	queue_rec(r, &fmt, &rec);
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

int main(void)
{
	if (setup() < 0) {
		printf("Bail out! setup (%s)\n", env.dir);
		return 1;
	}
	test_names();
	test_threads();
	test_attached();
	test_batches();
	cleanup();
	return done_testing();
}
