/* test-events.c - event text to perf_event_attr, without needing a PMU. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "tap.h"

static struct event_list *parse(const char *text, char *err, size_t errlen)
{
	struct event_list *l = NULL;

	if (events_parse(text, &l, err, errlen) < 0)
		return NULL;
	return l;
}

static void test_generic(void)
{
	char err[256];
	struct event_list *l = parse("cycles,cpu-clock,page-faults,cache-misses:u", err, sizeof(err));

	if (!ok(l != NULL, "generic names parse (%s)", err))
		return;
	is_int(l->n, 4, "four events");
	is_int(l->ev[0].attr.type, PERF_TYPE_HARDWARE, "cycles is a hardware event");
	is_int(l->ev[0].attr.config, PERF_COUNT_HW_CPU_CYCLES, "cycles config");
	is_str(l->ev[0].sample_type, "cycles", "cycles sample type");
	is_str(l->ev[0].unit, "count", "cycles unit");
	ok(events_is_hardware(&l->ev[0]), "cycles needs a PMU");
	is_int(l->ev[1].attr.type, PERF_TYPE_SOFTWARE, "cpu-clock is software");
	is_int(l->ev[1].attr.config, PERF_COUNT_SW_CPU_CLOCK, "cpu-clock config");
	is_str(l->ev[1].sample_type, "cpu", "cpu-clock becomes the pprof type cpu");
	is_str(l->ev[1].unit, "nanoseconds", "cpu-clock unit");
	ok(!events_is_hardware(&l->ev[1]), "cpu-clock needs no PMU");
	is_int(l->ev[2].attr.config, PERF_COUNT_SW_PAGE_FAULTS, "page-faults config");
	is_str(l->ev[2].sample_type, "page-faults", "other events keep their name");
	is_int(l->ev[3].attr.config, PERF_COUNT_HW_CACHE_MISSES, "cache-misses config");
	ok(l->ev[3].attr.exclude_kernel && !l->ev[3].attr.exclude_user, ":u excludes the kernel only");
	is_str(l->ev[3].sample_type, "cache-misses", "modifiers are not part of the type");
	events_set_cpu_clock(&l->ev[0]);
	is_int(l->ev[0].attr.type, PERF_TYPE_SOFTWARE, "fallback turns cycles into software");
	is_str(l->ev[0].name, "cpu-clock", "fallback renames the event");
	is_str(l->ev[0].sample_type, "cpu", "fallback type");
	events_free(l);
}

static void test_raw(void)
{
	char err[256];
	struct event_list *l = parse("r01c2", err, sizeof(err));

	if (!ok(l != NULL, "raw event parses (%s)", err))
		return;
	is_int(l->ev[0].attr.type, PERF_TYPE_RAW, "raw type");
	is_int(l->ev[0].attr.config, 0x1c2, "raw config");
	events_free(l);
}

/* Encodings for a given CPU model, whatever this machine is: the codes are those
 * of Intel's SDM for Skylake (INST_RETIRED.ANY_P = event 0xC0 umask 0x00,
 * L1D.REPLACEMENT = event 0x51 umask 0x01) and of AMD's PPR for family 17h
 * (RETIRED_INSTRUCTIONS = event 0xC0).  LIBPFM_FORCE_PMU is read once, when
 * libpfm4 initializes: so encode in a child that has not initialized it yet. */
static int forced_configs(const char *pmu, const char *events, uint64_t *configs, size_t n)
{
	int fds[2], status;
	pid_t pid;
	ssize_t got;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct event_list *l = NULL;
		char err[256];

		close(fds[0]);
		setenv("LIBPFM_FORCE_PMU", pmu, 1);
		if (events_parse(events, &l, err, sizeof(err)) < 0 || l->n != n)
			_exit(1);
		for (size_t i = 0; i < n; i++)
			configs[i] = l->ev[i].attr.config;
		_exit(write(fds[1], configs, n * sizeof(*configs)) == (ssize_t)(n * sizeof(*configs)) ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], configs, n * sizeof(*configs));
	close(fds[0]);
	waitpid(pid, &status, 0);
	return got == (ssize_t)(n * sizeof(*configs)) && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static void test_forced_pmu(void)
{
	uint64_t c[2];

	if (ok(forced_configs("skl", "INST_RETIRED:ANY_P,L1D:REPLACEMENT", c, 2) == 0,
	       "Skylake events encode with LIBPFM_FORCE_PMU=skl")) {
		is_int(c[0] & 0xffff, 0x00c0, "INST_RETIRED:ANY_P encodes 0xc0");
		is_int(c[1] & 0xffff, 0x0151, "L1D:REPLACEMENT encodes 0x151");
	}
	if (ok(forced_configs("amd64_fam17h_zen1", "RETIRED_INSTRUCTIONS", c, 1) == 0,
	       "Zen events encode with LIBPFM_FORCE_PMU=amd64_fam17h_zen1"))
		is_int(c[0] & 0xff, 0xc0, "RETIRED_INSTRUCTIONS encodes 0xc0");
}

static void test_errors(void)
{
	char err[256];
	struct event_list *l = parse("cyles", err, sizeof(err));

	ok(l == NULL, "a misspelt event is rejected");
	ok(strstr(err, "unknown event 'cyles'") != NULL, "the message names it: %s", err);
	ok(strstr(err, "cycles") != NULL, "and suggests cycles: %s", err);
	l = parse("cpu-clock,instrucions", err, sizeof(err));
	ok(l == NULL && strstr(err, "instructions"), "second event checked too: %s", err);
	l = parse(",", err, sizeof(err));
	ok(l == NULL && err[0], "an empty list is rejected: %s", err);
}

int main(void)
{
	test_forced_pmu();   /* first: before this process initializes libpfm4 */
	test_generic();
	test_raw();
	test_errors();
	return done_testing();
}
