/* test-events.c - event text to perf_event_attr, without needing a PMU, and the
 * words for the kernel's refusals. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "events.h"
#include "preset.h"
#include "tap.h"
#include "tracepoint.h"

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

/* ARM's architected event numbers (Arm ARM, "PMU events"): INST_RETIRED 0x08,
 * CPU_CYCLES 0x11, L1D_CACHE_REFILL 0x03, BR_MIS_PRED 0x10 (BRANCH_MISPRED to
 * libpfm4's Cortex-A57 table); libpfm4 encodes them as raw events. */
static void test_forced_arm(void)
{
	uint64_t c[2];

	if (ok(forced_configs("arm_n1", "INST_RETIRED,CPU_CYCLES", c, 2) == 0,
	       "Neoverse N1 events encode with LIBPFM_FORCE_PMU=arm_n1"))
		ok(c[0] == 0x08 && c[1] == 0x11, "arm_n1: INST_RETIRED 0x08, CPU_CYCLES 0x11");
	if (ok(forced_configs("arm_ac57", "L1D_CACHE_REFILL,BRANCH_MISPRED", c, 2) == 0,
	       "Cortex-A57 events encode with LIBPFM_FORCE_PMU=arm_ac57"))
		ok(c[0] == 0x03 && c[1] == 0x10, "arm_ac57: L1D_CACHE_REFILL 0x03, BRANCH_MISPRED 0x10");
	if (ok(forced_configs("arm_n1", "INST_RETIRED:u,INST_RETIRED:k", c, 2) == 0,
	       "our modifiers are peeled off before libpfm4 sees the name"))
		ok(c[0] == 0x08 && c[1] == 0x08, ":u and :k keep the code");
}

/* libpfm4 is built with its own architecture's tables only: force those. */
static void test_forced_pmu(void)
{
	uint64_t c[2];

	if (strcmp(arch_get()->name, "aarch64") == 0) {
		test_forced_arm();
		return;
	}

	if (ok(forced_configs("skl", "INST_RETIRED:ANY_P,L1D:REPLACEMENT", c, 2) == 0,
	       "Skylake events encode with LIBPFM_FORCE_PMU=skl")) {
		is_int(c[0] & 0xffff, 0x00c0, "INST_RETIRED:ANY_P encodes 0xc0");
		is_int(c[1] & 0xffff, 0x0151, "L1D:REPLACEMENT encodes 0x151");
	}
	if (ok(forced_configs("amd64_fam17h_zen1", "RETIRED_INSTRUCTIONS", c, 1) == 0,
	       "Zen events encode with LIBPFM_FORCE_PMU=amd64_fam17h_zen1"))
		is_int(c[0] & 0xff, 0xc0, "RETIRED_INSTRUCTIONS encodes 0xc0");
	/* The same name differs between models: BR_INST_RETIRED.COND is umask 0x01
	 * on Skylake, 0x11 on Ice Lake (SDM); Zen 3's Ex_Ret_Brn is PMCx0C2 (PPR 19h). */
	if (ok(forced_configs("skl", "BR_INST_RETIRED:COND,BR_MISP_RETIRED:ALL_BRANCHES", c, 2) == 0,
	       "Skylake branch events encode"))
		ok((c[0] & 0xffff) == 0x01c4 && (c[1] & 0xffff) == 0x00c5, "skl: COND 0x1c4, mispredicts 0xc5");
	if (ok(forced_configs("icl", "BR_INST_RETIRED:COND,L1D:REPLACEMENT", c, 2) == 0,
	       "Ice Lake events encode with LIBPFM_FORCE_PMU=icl"))
		ok((c[0] & 0xffff) == 0x11c4 && (c[1] & 0xffff) == 0x0151, "icl: COND 0x11c4, L1D:REPLACEMENT 0x151");
	if (ok(forced_configs("amd64_fam19h_zen3", "RETIRED_BRANCH_INSTRUCTIONS,"
			      "RETIRED_BRANCH_INSTRUCTIONS_MISPREDICTED", c, 2) == 0,
	       "Zen 3 events encode with LIBPFM_FORCE_PMU=amd64_fam19h_zen3"))
		ok((c[0] & 0xff) == 0xc2 && (c[1] & 0xff) == 0xc3, "zen3: branches 0xc2, mispredicted 0xc3");
	/* Modifiers go through with a forced PMU too: :u keeps the code. */
	if (ok(forced_configs("skl", "INST_RETIRED:ANY_P:u,INST_RETIRED:ANY_P:c=1", c, 2) == 0,
	       "PMU attributes parse after our modifiers are peeled off"))
		ok((c[0] & 0xffff) == 0xc0 && (c[1] >> 24) == 1, "c=1 lands in the counter-mask bits");
}

static void test_modifiers(void)
{
	char err[512];
	struct event_list *l = parse("cycles:u,cycles:k,cycles:pp,cycles:upp,cycles:period=100000,"
				     "instructions:freq=4000,r01c2:ppp", err, sizeof(err));

	if (!ok(l != NULL, "modifiers parse (%s)", err))
		return;
	ok(l->ev[0].attr.exclude_kernel && !l->ev[0].attr.exclude_user, ":u: user only");
	ok(l->ev[1].attr.exclude_user && !l->ev[1].attr.exclude_kernel, ":k: kernel only");
	is_int(l->ev[2].attr.precise_ip, 2, ":pp is precise_ip 2");
	ok(!l->ev[2].attr.exclude_kernel, ":pp alone keeps kernel and user");
	ok(l->ev[3].attr.precise_ip == 2 && l->ev[3].attr.exclude_kernel, ":upp combines both");
	ok(l->ev[4].sampling_set && !l->ev[4].attr.freq && l->ev[4].attr.sample_period == 100000,
	   ":period=100000 sets this event's period");
	ok(!l->ev[0].sampling_set, "no period modifier: sampling left to the caller");
	ok(l->ev[5].sampling_set && l->ev[5].attr.freq && l->ev[5].attr.sample_freq == 4000, ":freq=4000");
	ok(l->ev[6].attr.type == PERF_TYPE_RAW && l->ev[6].attr.precise_ip == 3, "raw with :ppp");
	is_str(l->ev[4].sample_type, "cycles", "the period is not part of the type");
	events_free(l);

	ok(!parse("cycles:pppp", err, sizeof(err)) && strstr(err, "'pppp'"), "pppp rejected: %s", err);
	ok(!parse("cycles:period=abc", err, sizeof(err)) && strstr(err, "period=abc"), "period=abc: %s", err);
	ok(!parse("cycles:period=0", err, sizeof(err)) && strstr(err, "positive"), "period=0: %s", err);
	ok(!parse("cycles:period=10:freq=10", err, sizeof(err)) && strstr(err, "exclude"), "period and freq: %s", err);
	ok(!parse("cycles:x", err, sizeof(err)) && strstr(err, "'x'") && strstr(err, "modifiers: u, k"),
	   "an unknown modifier is named, with the known ones: %s", err);
}

static void test_groups(void)
{
	char err[512];
	struct event_list *l = parse("{cycles,instructions},cpu-clock,{page-faults, task-clock ,cs}", err, sizeof(err));

	if (!ok(l != NULL, "groups parse (%s)", err))
		return;
	is_int(l->n, 6, "six events");
	ok(l->ev[0].leader == 0 && l->ev[1].leader == 0, "cycles leads instructions");
	is_int(l->ev[2].leader, 2, "cpu-clock alone leads itself");
	ok(l->ev[3].leader == 3 && l->ev[4].leader == 3 && l->ev[5].leader == 3, "page-faults leads the second group");
	is_str(l->ev[4].name, "task-clock", "spaces around names are trimmed");
	is_int(events_group_size(l, 0), 2, "group size 2");
	is_int(events_group_size(l, 2), 1, "a lone event is a group of one");
	is_int(events_group_size(l, 3), 3, "group size 3");
	events_free(l);

	ok(!parse("{cycles,instructions", err, sizeof(err)) && strstr(err, "missing '}'"), "unclosed: %s", err);
	ok(!parse("cycles}", err, sizeof(err)) && strstr(err, "without '{'"), "stray }: %s", err);
	ok(!parse("{}", err, sizeof(err)) && strstr(err, "empty group"), "empty: %s", err);
	ok(!parse("{cycles,{instructions}}", err, sizeof(err)) && strstr(err, "do not nest"), "nested: %s", err);
	ok(!parse("{cycles,instructions}:u", err, sizeof(err)) && strstr(err, "after '}'"), "group modifier: %s", err);
	ok(!parse("{cycles,instructions,branches,branch-misses,cache-misses,cache-references,"
		  "bus-cycles,ref-cycles,L1-dcache-loads}", err, sizeof(err)) && strstr(err, "at most 8"),
	   "too many CPU events in one group: %s", err);
	l = parse("{cpu-clock,task-clock,page-faults,cs,migrations,minor-faults,major-faults,faults,"
		  "alignment-faults,emulation-faults}", err, sizeof(err));
	ok(l && l->n == 10, "software events do not count against the PMU's counters");
	events_free(l);
}

static void test_tracepoints(const char *srcdir)
{
	char dir[512], err[512];
	struct event_list *l;
	uint64_t id = 0;

	snprintf(dir, sizeof(dir), "%s/unit/fixtures/tracefs", srcdir);
	setenv("HWPROF_TRACEFS", dir, 1);
	ok(tracepoint_id("sched", "sched_switch", &id) == 0 && id == 316, "id read from tracefs");
	ok(tracepoint_id("sched", "../../x", &id) == -ENOENT, "a path in the name is not followed");
	l = parse("sched:sched_switch,syscalls:sys_enter_write:u", err, sizeof(err));
	if (ok(l != NULL, "tracepoints parse (%s)", err)) {
		ok(l->ev[0].attr.type == PERF_TYPE_TRACEPOINT && l->ev[0].attr.config == 316, "type tracepoint, config = id");
		is_str(l->ev[0].sample_type, "sched:sched_switch", "the type keeps SYS:NAME");
		ok(l->ev[1].attr.config == 715 && l->ev[1].attr.exclude_kernel, "a tracepoint takes :u");
		ok(!events_is_hardware(&l->ev[0]), "a tracepoint needs no PMU");
	}
	events_free(l);
	ok(!parse("sched:sched_swtch", err, sizeof(err)) && strstr(err, "unknown tracepoint 'sched:sched_swtch'"),
	   "a misspelt tracepoint of a known system: %s", err);
	unsetenv("HWPROF_TRACEFS");
}

/* sysfs PMU events on a fixture tree (fixtures/sysfs): perf's PMU/TERMS/ names,
 * encoded from the PMUs' type, format and events files. */
static void test_sysfs(const char *srcdir)
{
	char dir[512], err[512];
	struct event_list *l;

	snprintf(dir, sizeof(dir), "%s/unit/fixtures/sysfs", srcdir);
	setenv("HWPROF_SYSFS", dir, 1);
	l = parse("armv8_pmuv3/inst_retired/,armv8_pmuv3/event=0x11/u,armv8_pmuv3/cpu_cycles/:k",
		  err, sizeof(err));
	if (ok(l != NULL, "PMU/EVENT/ and PMU/TERM=VALUE/ parse (%s)", err)) {
		ok(l->ev[0].attr.type == 8 && l->ev[0].attr.config == 0x08,
		   "an event of the PMU: its type file, the terms of its events/ file");
		is_str(l->ev[0].sample_type, "armv8_pmuv3/inst_retired/", "the pprof type is the name");
		ok(l->ev[1].attr.config == 0x11 && l->ev[1].attr.exclude_kernel && !l->ev[1].attr.exclude_user,
		   "a format term's value in its bits; u straight after the slash: user only");
		ok(l->ev[2].attr.config == 0x11 && l->ev[2].attr.exclude_user, ":k after the slash too");
		ok(!l->ev[0].attr.exclude_user && !l->ev[0].attr.exclude_kernel,
		   "no modifier: every privilege level, as perf");
		ok(events_is_hardware(&l->ev[0]), "a dynamic PMU's event needs that PMU");
	}
	events_free(l);
	l = parse("{cpu/event=0xc0,umask=0x01,edge,cmask=2/,cpu/instructions/pp},cpu/mem-loads/", err,
		  sizeof(err));
	if (ok(l != NULL, "commas between a PMU event's slashes are its own (%s)", err)) {
		is_int(l->n, 3, "three events");
		ok(l->ev[0].leader == 0 && l->ev[1].leader == 0 && l->ev[2].leader == 2, "the group holds two");
		is_int(l->ev[0].attr.config, 0x020401c0, "event, umask, a bare term (edge: 1), cmask: each "
		       "in its format's bits");
		ok(l->ev[1].attr.config == 0xc0 && l->ev[1].attr.precise_ip == 2, "pp straight after the slash");
		ok(l->ev[2].attr.config == 0x1cd && l->ev[2].attr.config1 == 3, "an event's terms may fill config1");
	}
	events_free(l);
	l = parse("cpu/offcore_response,offcore_rsp=0x10001/,cpu/config=0x1234,config1=5,period=1000/",
		  err, sizeof(err));
	if (ok(l != NULL, "a parameter given, raw config fields, a period (%s)", err)) {
		ok(l->ev[0].attr.config == 0x1b7 && l->ev[0].attr.config1 == 0x10001,
		   "an event's '?' parameter takes the value given with it");
		ok(l->ev[1].attr.config == 0x1234 && l->ev[1].attr.config1 == 5, "config= and config1= as given");
		ok(l->ev[1].sampling_set && l->ev[1].attr.sample_period == 1000, "period= samples that event");
	}
	events_free(l);
	l = parse("power/energy-pkg/,uncore_imc_0/cas_count_read/", err, sizeof(err));
	if (ok(l != NULL, "uncore PMUs' events parse (%s)", err)) {
		ok(l->ev[0].scale > 2.32e-10 && l->ev[0].scale < 2.33e-10 && !strcmp(l->ev[0].scale_unit, "Joules"),
		   "an event's .scale and .unit are kept");
		ok(l->ev[1].attr.type == 13 && l->ev[1].attr.config == 0x304 &&
		   !strcmp(l->ev[1].scale_unit, "MiB"), "uncore_imc_0/cas_count_read/");
	}
	events_free(l);
	ok(!parse("cpu/offcore_response/", err, sizeof(err)) && strstr(err, "offcore_rsp=N"),
	   "a parameter not given: %s", err);
	ok(!parse("cpu/event=0x100/", err, sizeof(err)) && strstr(err, "does not fit its 8 bits"),
	   "a value too wide for its bits: %s", err);
	ok(!parse("cpu/evnt=1/", err, sizeof(err)) && strstr(err, "no event or term 'evnt'") &&
	   strstr(err, "did you mean: event"), "an unknown term, with suggestions: %s", err);
	ok(!parse("armv8_pmuv3/inst_retird/", err, sizeof(err)) && strstr(err, "inst_retired"),
	   "a misspelt event of the PMU: %s", err);
	ok(!parse("nopmu/x/", err, sizeof(err)) && strstr(err, "no PMU 'nopmu'"), "an unknown PMU: %s", err);
	ok(!parse("../cpu/instructions/", err, sizeof(err)) && strstr(err, "no PMU"),
	   "a path is not a PMU name: %s", err);
	ok(!parse("cpu/../type/", err, sizeof(err)) && strstr(err, "not a term name"),
	   "nor a path a term: %s", err);
	ok(!parse("cpu/instructions", err, sizeof(err)) && strstr(err, "PMU/TERMS/"),
	   "one slash only: the form is said: %s", err);
	ok(!parse("cpu/instructions/x", err, sizeof(err)) && strstr(err, "'x'"),
	   "an unknown modifier after the slash: %s", err);
	ok(!parse("cpu/event=zz/", err, sizeof(err)) && strstr(err, "expected a number"),
	   "a value that is not a number: %s", err);
	unsetenv("HWPROF_SYSFS");
}

static void test_presets(const char *srcdir)
{
	char dir[512], err[512], desc[128], names[512];
	char *text = NULL;
	struct event_list *l;

	snprintf(dir, sizeof(dir), "%s/unit/fixtures/events", srcdir);
	ok(preset_lookup(dir, "test", "skl", &text, desc, sizeof(desc)) == 0 &&
	   strcmp(text, "{cycles,instructions},L1D:REPLACEMENT") == 0, "skl gets its line");
	is_str(desc, "Test preset", "the description");
	free(text);
	text = NULL;
	ok(preset_lookup(dir, "test", "amd64_fam19h_zen3", &text, NULL, 0) == 0 &&
	   strcmp(text, "{cycles,RETIRED_INSTRUCTIONS}") == 0, "a glob matches Zen 3");
	free(text);
	text = NULL;
	ok(preset_lookup(dir, "test", "icl", &text, NULL, 0) == 0 && strcmp(text, "cpu-clock,task-clock") == 0,
	   "another model gets the fallback");
	free(text);
	text = NULL;
	ok(preset_lookup(dir, "nope", "skl", &text, NULL, 0) == -ENOENT && !text, "no such preset: -ENOENT");
	ok(preset_lookup(dir, "broken", "skl", &text, NULL, 0) == -EINVAL, "a pattern without events: -EINVAL");
	ok(preset_lookup(dir, "nofallback", "skl", &text, NULL, 0) == -EINVAL, "no line for the CPU: -EINVAL");
	ok(preset_lookup(dir, "../test", "skl", &text, NULL, 0) == -ENOENT, "names are not paths");
	ok(preset_names(dir, names, sizeof(names)) == 0, "names listed");
	is_str(names, "broken, fallback, nofallback, test", "sorted");

	setenv("HWPROF_EVENTS_DIR", dir, 1);
	l = parse("@fallback,cycles", err, sizeof(err));
	if (ok(l != NULL, "@fallback expands (%s)", err)) {
		is_int(l->n, 4, "three events from the preset, one more");
		ok(l->ev[0].leader == 0 && l->ev[1].leader == 0 && l->ev[2].leader == 2, "the preset's group is kept");
		is_str(l->ev[3].name, "cycles", "then the next item");
	}
	events_free(l);
	ok(!parse("@nope", err, sizeof(err)) && strstr(err, "unknown preset '@nope'") && strstr(err, "fallback, nofallback, test"),
	   "an unknown preset lists the presets: %s", err);
	ok(!parse("{cycles,@fallback}", err, sizeof(err)) && strstr(err, "inside a group"), "no preset in a group: %s", err);

	/* The shipped presets: every one expands and parses on this machine. */
	snprintf(dir, sizeof(dir), "%s/../events", srcdir);
	setenv("HWPROF_EVENTS_DIR", dir, 1);
	if (ok(preset_names(dir, names, sizeof(names)) == 0 && strstr(names, "cache") && strstr(names, "default"),
	       "shipped presets found: %s", names)) {
		char *save = NULL;

		for (char *tok = strtok_r(names, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			char at[80];

			snprintf(at, sizeof(at), "@%s", tok);
			l = parse(at, err, sizeof(err));
			ok(l != NULL, "%s parses here (%s)", at, l ? "" : err);
			events_free(l);
		}
	}
	unsetenv("HWPROF_EVENTS_DIR");
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
	/* Found by tests/fuzz/fuzz-events.c: the message quoted a newline. */
	l = parse("\n", err, sizeof(err));
	ok(l == NULL && err[0] && !strchr(err, '\n'), "a newline in the text: still one line: %s", err);
	l = parse("a\nb", err, sizeof(err));
	ok(l == NULL && !strchr(err, '\n') && strstr(err, "a?b"), "quoted as '?': %s", err);
}

static void test_append(void)
{
	char err[256];
	struct event_list *l = parse("{cycles,instructions}", err, sizeof(err));

	if (!ok(l != NULL, "a group to append to (%s)", err))
		return;
	ok(events_append(l, "context-switches:period=1", err, sizeof(err)) == 0 && l->n == 3,
	   "an event appended (%s)", err);
	ok(l->ev[2].leader == 2 && l->ev[2].sampling_set && l->ev[2].attr.sample_period == 1,
	   "it leads itself, with its own period");
	ok(l->ev[0].leader == 0 && l->ev[1].leader == 0, "the group before it is kept");
	ok(events_append(l, "{cpu-clock,task-clock}", err, sizeof(err)) == 0 && l->n == 5 &&
	   l->ev[3].leader == 3 && l->ev[4].leader == 3, "an appended group keeps its leader");
	ok(events_append(l, "cyles", err, sizeof(err)) == -EINVAL && l->n == 5 && strstr(err, "cyles"),
	   "a bad text leaves the list as it was: %s", err);
	events_free(l);
}

/* The refusals, worded for a machine described by hand. */
static void test_refusals(void)
{
	char err[256], why[512];
	struct event_list *l = parse("cycles,task-clock", err, sizeof(err));
	struct events_why w;

	if (!ok(l != NULL, "events to refuse (%s)", err))
		return;
	memset(&w, 0, sizeof(w));
	w.paranoid = 2;
	events_strerror(&l->ev[1], -EACCES, &w, why, sizeof(why));
	ok(strstr(why, "permission denied: perf_event_paranoid=2") && strstr(why, "CAP_PERFMON"),
	   "EACCES names the paranoid level and the fix: %s", why);
	events_strerror(&l->ev[1], -ECANCELED, &w, why, sizeof(why));
	ok(strstr(why, "group leader") != NULL, "a member of a failed group says so: %s", why);
	events_strerror(&l->ev[0], -ENOENT, &w, why, sizeof(why));
	is_str(why, "not supported on this machine (the kernel exposes no CPU PMU)", "no PMU: cycles");
	w.sampling = 1;
	events_strerror(&l->ev[0], -ENOENT, &w, why, sizeof(why));
	is_str(why, "not supported on this machine (the kernel exposes no CPU PMU); try -e cpu-clock",
	       "no PMU, sampling: the software clock instead");
	w.cpu_pmu = 1;
	events_strerror(&l->ev[0], -ENOENT, &w, why, sizeof(why));
	is_str(why, "not supported by this CPU or kernel", "with a PMU: not this CPU's event");
	events_strerror(&l->ev[0], -EMFILE, &w, why, sizeof(why));
	ok(strstr(why, "one per CPU and event") && strstr(why, "ulimit -n"),
	   "sampling opens an fd per CPU: %s", why);
	w.ring_pages = 1024;
	events_strerror(&l->ev[0], -ENOMEM, &w, why, sizeof(why));
	ok(strstr(why, "1024 pages per CPU") && strstr(why, "smaller -m"), "rings that do not fit: %s", why);
	w.fallback = EVENTS_TO_CPU_CLOCK;
	events_strerror(&l->ev[0], -ENOENT, &w, why, sizeof(why));
	ok(strstr(why, "using cpu-clock instead") != NULL, "a fallback says what is done instead: %s", why);
	w.fallback = EVENTS_NO_SWITCHES;
	events_strerror(&l->ev[1], -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "no context-switch records") && strstr(why, "Invalid argument"),
	   "no switch records, with the kernel's errno: %s", why);
	events_strerror(NULL, -EMFILE, NULL, why, sizeof(why));
	is_str(why, "too many open files (one per event); raise 'ulimit -n'", "no one event, counting");

	is_int(events_refusal_of(&l->ev[0], -EINVAL), EVENTS_UNSUPPORTED,
	       "EINVAL on a CPU PMU event: not this CPU's");
	is_int(events_refusal_of(&l->ev[1], -EINVAL), EVENTS_REFUSED, "EINVAL on a software event: refused");
	is_int(events_refusal_of(&l->ev[1], -EPERM), EVENTS_DENIED, "EPERM: denied");
	is_int(events_refusal_of(NULL, -ENFILE), EVENTS_EXHAUSTED, "ENFILE: every event alike");
	ok(strstr(events_refusal_text(EVENTS_UNSUPPORTED), "not supported") != NULL,
	   "a constant line for an unsupported event");
	ok(events_refusal_text(EVENTS_REFUSED) == NULL, "none where the errno says it");
	events_free(l);
}

/* The causes the attr tried tells apart, worded with the fix, on the sysfs
 * fixture's PMUs (their format, an uncore PMU) and a kernel described by hand. */
static void test_refusal_causes(const char *srcdir)
{
	char dir[512], why[512];
	struct perf_event_attr a;
	struct event_list *l;
	struct events_why w;

	snprintf(dir, sizeof(dir), "%s/unit/fixtures/sysfs", srcdir);
	setenv("HWPROF_SYSFS", dir, 1);
	memset(&w, 0, sizeof(w));
	w.cpu_pmu = 1;
	w.sampling = 1;
	w.max_precise = -1;
	w.attr = &a;
	snprintf(w.kernel, sizeof(w.kernel), "6.1.0-28-arm64");
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.inherit = 1;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_READ;
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "6.1.0-28-arm64") && strstr(why, "PERF_SAMPLE_READ on inherited") &&
	   strstr(why, "6.12") && strstr(why, "without braces"),
	   "EINVAL, inherit with PERF_SAMPLE_READ before 6.12: the kernel, the version that "
	   "takes it, the fix: %s", why);
	snprintf(w.kernel, sizeof(w.kernel), "6.12.3");
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(!strstr(why, "PERF_SAMPLE_READ"), "not said on 6.12: %s", why);

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.precise_ip = 2;
	w.max_precise = 0;
	events_strerror(NULL, -EOPNOTSUPP, &w, why, sizeof(why));
	ok(strstr(why, ":pp") && strstr(why, "precise_ip 0 at most") && strstr(why, "drop the p modifiers"),
	   "precise_ip beyond a PMU without precise sampling: %s", why);
	a.precise_ip = 3;
	w.max_precise = 1;
	events_strerror(NULL, -EOPNOTSUPP, &w, why, sizeof(why));
	ok(strstr(why, ":ppp") && strstr(why, "use :p") && !strstr(why, "use :pp"),
	   "precise_ip beyond the PMU's maximum: the one it takes: %s", why);
	w.max_precise = -1;

	memset(&a, 0, sizeof(a));
	a.type = 8;                          /* armv8_pmuv3: event is config:0-15 */
	a.config = 0x10008;
	events_strerror(NULL, -ENOENT, &w, why, sizeof(why));
	ok(strstr(why, "config bits 0x10000") && strstr(why, "armv8_pmuv3") &&
	   strstr(why, "event=config:0-15"), "config bits outside the PMU's format: %s", why);
	a.config = 0x8;
	a.config1 = 0x4;
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "config1 bits 0x4"), "and in config1: %s", why);

	memset(&a, 0, sizeof(a));
	a.type = 13;                         /* uncore_imc_0: a cpumask file */
	a.config = 0x304;
	a.exclude_kernel = 1;
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "uncore_imc_0") && strstr(why, "drop the u, k and h"),
	   "an uncore PMU with u/k/h: %s", why);
	a.exclude_kernel = 0;
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "uncore PMU") && strstr(why, "machine-wide"), "an uncore PMU on a command: %s", why);

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_HARDWARE;
	a.exclude_idle = 1;
	events_strerror(NULL, -EOPNOTSUPP, &w, why, sizeof(why));
	ok(strstr(why, "exclude_idle") && strstr(why, "drop it"), "exclude_idle the PMU cannot honour: %s", why);
	memset(&a, 0, sizeof(a));
	a.type = 9;                          /* not in the fixture */
	a.sample_period = 1000;
	events_strerror(NULL, -EOPNOTSUPP, &w, why, sizeof(why));
	ok(strstr(why, "cannot sample") && strstr(why, "hwprof stat"), "a PMU that cannot sample: %s", why);

	w.attr = NULL;
	w.fallback = EVENTS_PER_THREAD;
	snprintf(w.kernel, sizeof(w.kernel), "5.14.0-362.el9.x86_64");
	events_strerror(NULL, -EINVAL, &w, why, sizeof(why));
	ok(strstr(why, "5.14.0-362.el9.x86_64") && strstr(why, "each thread"),
	   "the per-thread fallback says why and what it does: %s", why);
	w.fallback = EVENTS_LESS_PRECISE;
	w.max_precise = 0;
	l = parse("armv8_pmuv3/cpu_cycles/upp", why, sizeof(why));
	if (ok(l != NULL, "an event asking for precise sampling (%s)", why)) {
		events_strerror(&l->ev[0], -EOPNOTSUPP, &w, why, sizeof(why));
		ok(strstr(why, "armv8_pmuv3 has no precise sampling (:pp asks for it)") && strstr(why, "skid"),
		   "a PMU without precise sampling, and :pp: said, sampled without: %s", why);
		w.max_precise = 1;
		events_strerror(&l->ev[0], -EOPNOTSUPP, &w, why, sizeof(why));
		ok(strstr(why, "precise_ip 1 at most") && strstr(why, ":pp sampled as :p"),
		   "a PMU with less: sampled as it can: %s", why);
	}
	events_free(l);
	unsetenv("HWPROF_SYSFS");
}

int main(void)
{
	const char *srcdir = getenv("TESTS_SRCDIR");

	test_forced_pmu();   /* first: before this process initializes libpfm4 */
	test_generic();
	test_raw();
	test_errors();
	test_modifiers();
	test_groups();
	test_append();
	test_refusals();
	if (srcdir) {
		test_tracepoints(srcdir);
		test_presets(srcdir);
		test_sysfs(srcdir);
		test_refusal_causes(srcdir);
	} else {
		printf("# TESTS_SRCDIR not set: tracepoint, preset and sysfs fixtures not tested\n");
	}
	return done_testing();
}
