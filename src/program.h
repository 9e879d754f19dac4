/* program.h - which file a command line runs: what `hwprof record` inspects
 * (fpcheck.h) before it starts the command. */
#ifndef HWPROF_PROGRAM_H
#define HWPROF_PROGRAM_H

#include <stddef.h>

/* The file execvp(3) would run for cmd, searching path (a $PATH value; NULL or
 * empty: execvp's default, /usr/local/bin:/usr/bin:/bin) when cmd has no '/',
 * or, when that file is a script (#!), its interpreter.  Fills buf; 0, -ENOENT
 * when no directory of path has an executable cmd, or -errno of reading it. */
int program_resolve(const char *cmd, const char *path, char *buf, size_t cap);

#endif
