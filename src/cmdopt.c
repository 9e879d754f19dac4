/* cmdopt.c - the usage-error line of the commands' option parsers. */
#include "cmdopt.h"

#include <getopt.h>
#include <stdio.h>

int cmdopt_bad(const char *cmd, int ch, char *const argv[])
{
	if (ch == ':')
		fprintf(stderr, "hwprof %s: %s needs an argument", cmd, argv[optind - 1]);
	else if (optopt) /* a short option: argv's word may hold several */
		fprintf(stderr, "hwprof %s: unknown option '-%c'", cmd, optopt);
	else             /* optopt is 0 for an unknown long option */
		fprintf(stderr, "hwprof %s: unknown option '%s'", cmd, argv[optind - 1]);
	fprintf(stderr, "; try 'hwprof %s --help'\n", cmd);
	return 2;
}
