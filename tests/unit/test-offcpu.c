/* test-offcpu.c - switch-out/switch-in pairing, states, and the writers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offcpu.h"
#include "profile.h"
#include "tap.h"

static void test_classify(void)
{
	const char *lock[] = { "__schedule", "schedule", "futex_wait_queue", "futex_wait" };
	const char *io[] = { "__schedule", "io_schedule", "folio_wait_bit_common" };
	const char *pipe[] = { "__schedule", "schedule", "pipe_read", "vfs_read" };

	is_int(offcpu_classify(lock, 4), OFFCPU_LOCK, "futex_wait* -> lock");
	is_int(offcpu_classify(io, 3), OFFCPU_IO, "io_schedule -> io");
	is_int(offcpu_classify(pipe, 4), OFFCPU_SLEEPING, "pipe_read -> sleeping");
	is_int(offcpu_classify(NULL, 0), OFFCPU_SLEEPING, "no kernel frames -> sleeping");
	is_str(offcpu_state_name(OFFCPU_RUNNABLE), "runnable", "state names");
	ok(offcpu_state_name(OFFCPU_N_STATES) == NULL, "no name out of range");
}

/* Thread tid_ of process 1 at time_; the first n_ frames of stack. */
#define AT(tid_, time_) (&(struct offcpu_at){ .pid = 1, .tid = (tid_), .time = (time_) })
#define STACK(n_) (&(struct profile_sample){ .n_locations = (n_), .location_ids = stack })

static void test_pairing(void)
{
	struct offcpu *o = NULL;
	struct offcpu_interval iv;
	uint64_t stack[3] = { 7, 8, 9 };

	ok(offcpu_new(&o) == 0 && o, "new");
	/* Run from 100, switch out at 200 (sample, then record), back at 350. */
	is_int(offcpu_switch(o, AT(2, 100), OFFCPU_SWITCH_IN, &iv), 0,
	       "first switch-in closes nothing");
	is_int(offcpu_out_sample(o, AT(2, 200), STACK(3), OFFCPU_SLEEPING, &iv), 1,
	       "switch-out sample closes the run");
	ok(iv.state == OFFCPU_RUNNING && iv.start == 100 && iv.end == 200, "run 100..200");
	is_int(offcpu_switch(o, AT(2, 201), OFFCPU_SWITCH_OUT, &iv), 0,
	       "its SWITCH_OUT record closes nothing");
	is_int(offcpu_switch(o, AT(2, 350), OFFCPU_SWITCH_IN, &iv), 1, "switch-in closes the wait");
	ok(iv.state == OFFCPU_SLEEPING && iv.start == 200 && iv.end == 350 && iv.tid == 2 &&
	   iv.pid == 1, "wait 200..350, sleeping, tid 2");
	ok(iv.n_locs == 3 && iv.locs[0] == 7 && iv.locs[2] == 9, "on the stack at switch-out");

	/* Preempted: the record's PREEMPT bit makes it runnable. */
	offcpu_out_sample(o, AT(2, 400), STACK(2), OFFCPU_SLEEPING, &iv);
	offcpu_switch(o, AT(2, 400), OFFCPU_SWITCH_OUT | OFFCPU_SWITCH_PREEMPT, &iv);
	is_int(offcpu_switch(o, AT(2, 420), OFFCPU_SWITCH_IN, &iv), 1, "preempted wait closes");
	ok(iv.state == OFFCPU_RUNNABLE && iv.end - iv.start == 20, "runnable, 20 ns");

	/* The switch-in read a batch before its switch-out. */
	is_int(offcpu_out_sample(o, AT(3, 500), STACK(1), OFFCPU_LOCK, &iv), 0, "thread 3 out");
	offcpu_switch(o, AT(3, 500), OFFCPU_SWITCH_OUT, &iv);
	offcpu_switch(o, AT(3, 600), OFFCPU_SWITCH_IN, &iv);
	is_int(offcpu_switch(o, AT(4, 700), OFFCPU_SWITCH_IN, &iv), 0,
	       "thread 4 in, before its out");
	is_int(offcpu_out_sample(o, AT(4, 650), STACK(1), OFFCPU_LOCK, &iv), 1,
	       "an earlier switch-out closes at the switch-in already seen");
	ok(iv.start == 650 && iv.end == 700 && iv.state == OFFCPU_LOCK, "wait 650..700, lock");
	is_int(offcpu_switch(o, AT(4, 651), OFFCPU_SWITCH_OUT, &iv), 0,
	       "its stale SWITCH_OUT is ignored");

	/* A lost switch-in: the thread's next on-CPU sample ends the wait. */
	offcpu_out_sample(o, AT(2, 1000), STACK(3), OFFCPU_SLEEPING, &iv);
	offcpu_switch(o, AT(2, 1000), OFFCPU_SWITCH_OUT, &iv);
	is_int(offcpu_running(o, 2, 1500, &iv), 1, "a sample of the thread closes its wait");
	ok(iv.start == 1000 && iv.end == 1500, "wait 1000..1500");
	is_int(offcpu_running(o, 99, 1500, &iv), 0, "unknown thread: nothing");

	/* A switch-out without its sample is still counted, stackless. */
	offcpu_switch(o, AT(5, 2000), OFFCPU_SWITCH_OUT, &iv);
	is_int(offcpu_switch(o, AT(5, 2100), OFFCPU_SWITCH_IN, &iv), 1, "unsampled wait closes");
	ok(iv.n_locs == 0 && iv.end - iv.start == 100, "stackless, 100 ns");

	/* End of the recording: what is open is closed at the end time. */
	offcpu_out_sample(o, AT(2, 3000), STACK(3), OFFCPU_SLEEPING, &iv);
	offcpu_switch(o, AT(2, 3000), OFFCPU_SWITCH_OUT, &iv);
	{
		int n = 0, waits = 0;
		uint64_t wait = 0;

		while (offcpu_close(o, 0, 5000, &iv) > 0 && n < 100) {
			n++;
			if (iv.state != OFFCPU_RUNNING) {
				waits++;
				wait += iv.end - iv.start;
			}
		}
		ok(n < 100, "closing ends");
		ok(waits == 1 && wait == 2000, "the open wait closes at the end (%d, %llu)", waits,
		   (unsigned long long)wait);
		is_int(offcpu_close(o, 0, 6000, &iv), 0, "nothing left open");
	}
	offcpu_free(o);
	offcpu_free(NULL);
	ok(1, "free accepts NULL");
}

/* The kernel frames at the leaf end of a switch-out stack decide its state. */
static void test_stack_state(void)
{
	struct profile *p = NULL;
	struct offcpu *o = NULL;
	uint64_t k, locs[4];
	struct profile_sample s = { .location_ids = locs };
	struct profile_line line = { 0 };

	profile_new(&p);
	offcpu_new(&o);
	k = (uint64_t)profile_mapping(p, 0xffff800000000000ULL, UINT64_MAX, 0, "[kernel.kallsyms]",
				      "");
	line.function_id = (uint64_t)profile_function(p, "schedule", "schedule", "", 0);
	locs[0] = (uint64_t)profile_location(p, k, 0xffffffff81000000ULL, &line, 1);
	line.function_id = (uint64_t)profile_function(p, "io_schedule", "io_schedule", "", 0);
	locs[1] = (uint64_t)profile_location(p, k, 0xffffffff81001000ULL, &line, 1);
	line.function_id = (uint64_t)profile_function(p, "futex_wait", "futex_wait", "", 0);
	locs[2] = (uint64_t)profile_location(p, k, 0xffffffff81002000ULL, &line, 1);
	/* A user frame named like a futex function: not a kernel frame. */
	locs[3] = (uint64_t)profile_location(p, 0, 0x1000, &line, 1);

	s.n_locations = 1;
	is_int(offcpu_stack_state(o, p, k, &s), OFFCPU_SLEEPING, "schedule alone: sleeping");
	s.n_locations = 2;
	is_int(offcpu_stack_state(o, p, k, &s), OFFCPU_IO, "under io_schedule: io");
	s.n_locations = 3;
	is_int(offcpu_stack_state(o, p, k, &s), OFFCPU_LOCK, "a futex frame anywhere wins: lock");
	is_int(offcpu_stack_state(o, p, k, &s), OFFCPU_LOCK, "the same again, from the cache");
	is_int(offcpu_stack_state(o, p, 0, &s), OFFCPU_SLEEPING, "no kernel mapping: sleeping");
	locs[0] = locs[3];
	is_int(offcpu_stack_state(o, p, k, &s), OFFCPU_SLEEPING,
	       "only the kernel frames at the leaf end count");
	offcpu_free(o);
	profile_free(p);
}

static uint64_t loc(struct profile *p, const char *fn, uint64_t addr)
{
	struct profile_line line = { 0 };

	line.function_id = (uint64_t)profile_function(p, fn, fn, "", 0);
	return (uint64_t)profile_location(p, 0, addr, &line, 1);
}

/* A recorded sample's thread, state (NULL: on CPU) and values. */
struct row {
	int tid;
	const char *thread, *state;
	int64_t cpu, off;
};

static void add(struct profile *p, uint64_t *locs, size_t n, const struct row *w)
{
	struct profile_label l[3];
	int64_t v[3] = { 0, w->cpu, w->off };

	memset(l, 0, sizeof(l));
	l[0].key = "tid";
	l[0].num = w->tid;
	l[1].key = "thread";
	l[1].str = w->thread;
	l[2].key = "state";
	l[2].str = w->state;
	profile_add_sample(p, &(struct profile_sample){
		.n_locations = n, .location_ids = locs,
		.n_labels = w->state ? 3 : 2, .labels = l, .values = v });
}

/* Rows of the --threads table for tid (and name, unless NULL). */
static int rows_of(const char *table, long tid, const char *name)
{
	char thread[64];
	long t;
	int n = 0;

	for (const char *l = table; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (sscanf(l, "%ld %63s", &t, thread) == 2 && t == tid && (!name || !strcmp(thread, name)))
			n++;
	return n;
}

static void test_writers(void)
{
	struct profile *p = NULL;
	uint64_t cpu_stack[2], lock_stack[5], sleep_stack[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	profile_new(&p);
	profile_add_type(p, "samples", "count");
	profile_add_type(p, "cpu", "nanoseconds");
	profile_add_type(p, "off-cpu", "nanoseconds");
	cpu_stack[0] = loc(p, "work", 1);
	cpu_stack[1] = loc(p, "main", 2);
	lock_stack[0] = loc(p, "futex_wait", 3);
	lock_stack[1] = loc(p, "__lll_lock_wait", 4);
	lock_stack[2] = loc(p, "___pthread_mutex_lock", 5);
	lock_stack[3] = loc(p, "contended_update", 6);
	lock_stack[4] = loc(p, "main", 2);
	sleep_stack[0] = loc(p, "pipe_read", 7);
	sleep_stack[1] = loc(p, "main", 2);
	add(p, cpu_stack, 2, &(struct row){ 10, "main", NULL, 300, 0 });
	add(p, lock_stack, 5, &(struct row){ 10, "main", "lock", 0, 600 });
	add(p, sleep_stack, 2, &(struct row){ 10, "main", "sleeping", 0, 100 });
	/* Thread 11 ran a little under its parent's name, then named itself. */
	add(p, cpu_stack, 2, &(struct row){ 11, "main", NULL, 5, 0 });
	add(p, cpu_stack, 2, &(struct row){ 11, "helper", NULL, 45, 0 });

	f = open_memstream(&buf, &len);
	is_int(offcpu_threads_write(p, 1, f), 0, "threads");
	fclose(f);
	ok(strstr(buf, "main") && strstr(buf, "helper"), "both threads listed");
	ok(strstr(buf, "30.0%"), "main: CPU/wall 300/1000 = 30%%:\n%s", buf);
	ok(strstr(buf, "100.0%"), "helper: all CPU");
	is_int(rows_of(buf, 11, "helper"), 1, "a renamed thread: one row, under its later name");
	is_int(rows_of(buf, 11, NULL), 1, "... and no other");
	free(buf);

	f = open_memstream(&buf, &len);
	is_int(offcpu_locks_write(p, 0, f), 0, "locks");
	fclose(f);
	ok(strstr(buf, "___pthread_mutex_lock") && strstr(buf, "contended_update"),
	   "the lock function and its caller:\n%s", buf);
	ok(!strstr(buf, "pipe_read"), "sleeping waits are not locks");
	free(buf);

	profile_free(p);
	profile_new(&p);
	profile_add_type(p, "cpu", "nanoseconds");
	f = open_memstream(&buf, &len);
	is_int(offcpu_threads_write(p, 0, f), -EINVAL, "no off-cpu type: -EINVAL");
	is_int(offcpu_locks_write(p, 0, f), -EINVAL, "... for locks too");
	fclose(f);
	free(buf);
	profile_free(p);
}

int main(void)
{
	test_classify();
	test_pairing();
	test_stack_state();
	test_writers();
	return done_testing();
}
