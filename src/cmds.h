/* cmds.h - the subcommands.  Each takes its own argv (argv[0] is the
 * subcommand's name, e.g. "report"), prints its own messages and returns the
 * process exit status: 0 ok, 1 runtime failure, 2 usage error (record passes
 * the profiled command's status through; diff and gate also say 2 for
 * profiles that cannot be compared, and gate 1 for a regression). */
#ifndef HWPROF_CMDS_H
#define HWPROF_CMDS_H

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_latency(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_agent(int argc, char **argv);

#endif
