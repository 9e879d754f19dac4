/* main.c - `hwprof COMMAND ...`: dispatch to cmd_*.c.
 *
 * Like perf, a first argument that is an option (or `--`) starts `record`:
 * `hwprof -- ./app` and `hwprof -e cycles -F 4999 -- ./app` are
 * `hwprof record ...`; only -h/--help and --version stay our own. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
} commands[] = {
	{ "record", cmd_record, "record [OPTIONS] -- CMD [ARGS]   profile CMD, write a pprof profile" },
	{ "latency", cmd_latency, "latency [OPTIONS] [FILE]         tail percentiles of latencies (HDR histogram, .hlog, .hgrm)" },
	{ "report", cmd_report, "report [OPTIONS] FILE            top functions, folded stacks, tags or a flame graph" },
	{ "diff", cmd_diff, "diff [OPTIONS] BASE NEW          what changed between two profiles (table, flame graph, pprof)" },
	{ "gate", cmd_gate, "gate --base F... --new F...      CI: fail only on a change beyond run-to-run noise" },
	{ "stat", cmd_stat, "stat [OPTIONS] -- CMD [ARGS]     count events while CMD runs (-r N: distributions)" },
	{ "agent", cmd_agent, "agent [-p PID|-a] [OPTIONS]      always on: a profile per interval to --dir or --push" },
	{ "list", cmd_list, "list [PATTERN] | --attr EVENT    events and presets, and which work on this machine" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hwprof COMMAND [OPTIONS] [ARGS]\n"
		"       hwprof [RECORD OPTIONS] -- CMD [ARGS]   the same as hwprof record\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].synopsis);
	fprintf(f, "\n'hwprof COMMAND --help' describes each command; 'man hwprof' all of them.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("hwprof %s\n", PACKAGE_VERSION);
		return 0;
	}
	/* argv[0] stands where "record" would: record's option parsing starts
	 * at argv[1] either way. */
	if (argv[1][0] == '-')
		return cmd_record(argc, argv);
	fprintf(stderr, "hwprof: '%s' is not a command (to profile a program: hwprof -- %s ...)\n",
		argv[1], argv[1]);
	usage(stderr);
	return 2;
}
