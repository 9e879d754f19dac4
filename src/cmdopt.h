/* cmdopt.h - what every command says about an option it cannot take: one line
 * on stderr that names the option as it was typed and where to read more. */
#ifndef HWPROF_CMDOPT_H
#define HWPROF_CMDOPT_H

/* getopt_long (with a leading ':' in its optstring) returned ch, ':' or '?',
 * for argv[optind - 1]: say so for command cmd ("report").  Returns 2, the
 * exit status of a usage error. */
int cmdopt_bad(const char *cmd, int ch, char *const argv[]);

#endif
