/* main.c - `hwprof COMMAND ...`: dispatch to cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hwprof COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"  record [OPTIONS] -- CMD [ARGS]   profile CMD, write a pprof profile\n"
		"  report [OPTIONS] FILE            top functions, folded stacks or a flame graph\n"
		"\n"
		"'hwprof COMMAND --help' describes each command; 'man hwprof' all of them.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("hwprof %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "hwprof: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return 2;
}
