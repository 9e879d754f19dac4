/* test-counting.c - multiplexing arithmetic and derived metrics on synthetic
 * readings; a live group on a real child where the kernel allows counting. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counting.h"
#include "events.h"
#include "session.h"
#include "tap.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static void test_scale(void)
{
	struct counting_reading r = { 1000, 200, 100 };
	double v, pct;

	ok(counting_scale(&r, &v, &pct) == 0, "a multiplexed reading scales");
	ok(near(v, 2000), "counted half the time: value doubled (%g)", v);
	ok(near(pct, 50), "and 50%% counted (%g)", pct);
	r = (struct counting_reading){ 1234, 5000, 5000 };
	ok(counting_scale(&r, &v, &pct) == 0 && near(v, 1234) && near(pct, 100),
	   "always on a counter: unscaled, 100%%");
	r = (struct counting_reading){ 7, 3000, 1000 };
	ok(counting_scale(&r, &v, &pct) == 0 && near(v, 21) && near(pct, 100.0 / 3), "a third: x3, 33%%");
	r = (struct counting_reading){ 0, 5000, 0 };
	ok(counting_scale(&r, &v, &pct) == -ENODATA, "never on a counter: -ENODATA, not a division by zero");
	r = (struct counting_reading){ 0, 0, 0 };
	ok(counting_scale(&r, &v, &pct) == -ENODATA, "never enabled: -ENODATA");
}

static const struct counting_metric *metric(const struct counting_metric *m, size_t n, size_t ev, const char *unit)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].event == ev && strcmp(m[i].unit, unit) == 0)
			return &m[i];
	return NULL;
}

static void test_metrics(void)
{
	struct event_list *l = NULL;
	char err[256];
	/* task-clock 2 ms over 4 ms wall; 3e6 cycles, 6e6 instructions (IPC 2);
	 * 1e6 branches, 1e4 misses (1%); 10 context switches in 2 ms of CPU. */
	double v[8] = { 2e6, 3e6, 6e6, 1e6, 1e4, 10, 4e5, 2e4 };
	int valid[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct counting_metric m[32];
	const struct counting_metric *x;
	size_t n;

	if (!ok(events_parse("task-clock,cycles,instructions,branches,branch-misses,cs,"
			     "L1-dcache-loads,L1-dcache-load-misses", &l, err, sizeof(err)) == 0,
		"metric inputs parse (%s)", err))
		return;
	n = counting_metrics(l, v, valid, 4e6, m, 32);
	ok((x = metric(m, n, 0, "CPUs utilized")) && near(x->value, 0.5), "CPUs utilized = task-clock / wall");
	ok((x = metric(m, n, 2, "insn per cycle")) && near(x->value, 2), "IPC = instructions / cycles");
	ok((x = metric(m, n, 4, "% of all branches")) && near(x->value, 1), "branch miss ratio");
	ok((x = metric(m, n, 5, "/sec")) && near(x->value, 5000), "context switches per second of task-clock");
	ok((x = metric(m, n, 1, "GHz")) && near(x->value, 1.5), "cycles per ns of task-clock = GHz");
	ok((x = metric(m, n, 7, "% of all accesses")) && near(x->value, 5), "L1 miss ratio from the cache encoding");
	valid[1] = 0;   /* cycles not supported: no IPC, no GHz */
	n = counting_metrics(l, v, valid, 4e6, m, 32);
	ok(!metric(m, n, 2, "insn per cycle") && !metric(m, n, 1, "GHz"), "no IPC without cycles");
	ok(metric(m, n, 0, "CPUs utilized") != NULL, "the others remain");
	ok(counting_metrics(l, v, valid, 4e6, m, 1) == 1, "at most cap metrics");
	events_free(l);
}

/* A group whose leader the machine refuses takes its members down with it,
 * and software events still count on the child. */
static void test_live(void)
{
	char *argv[] = { "true", NULL };
	struct event_list *l = NULL;
	struct session *s = NULL;
	struct counting *c = NULL;
	struct counting_reading rd;
	char err[256];
	int status;

	if (counting_probe(&(struct perf_event_attr){ .type = PERF_TYPE_SOFTWARE,
						      .config = PERF_COUNT_SW_TASK_CLOCK }) < 0) {
		printf("# skipping the live test: the kernel refuses counting here\n");
		return;
	}
	if (events_parse("{cycles,page-faults},task-clock,{context-switches,page-faults}", &l, err, sizeof(err)) < 0 ||
	    session_spawn(argv, &s) < 0 || counting_open(l, session_pid(s), &c) < 0) {
		ok(0, "live counting set up");
		goto out;
	}
	ok(session_start(s) == 0 && session_wait(s, &status, 0) == 1, "the child ran");
	ok(counting_read(c, 2, &rd) == 0 && rd.value > 0 && rd.running > 0, "task-clock counted the child");
	ok(counting_read(c, 4, &rd) == 0 && rd.value > 0, "a software group member counts with its leader");
	if (counting_error(c, 0) < 0)
		is_int(counting_error(c, 1), -ECANCELED, "a refused leader cancels its member");
	else
		ok(counting_error(c, 1) == 0, "a working leader keeps its member");
out:
	counting_free(c);
	session_free(s);
	events_free(l);
}

int main(void)
{
	test_scale();
	test_metrics();
	test_live();
	return done_testing();
}
