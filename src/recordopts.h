/* recordopts.h - `hwprof record`'s options: their defaults, the option table,
 * the --help text and the parsing of a command line into struct record_opts.
 * Command-level code: the parser prints its own messages, prefixed with
 * "hwprof record:", as the command's usage errors. */
#ifndef HWPROF_RECORDOPTS_H
#define HWPROF_RECORDOPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "demangle.h"
#include "target.h"

struct record_opts {
	const char *events;
	uint64_t freq, period;
	int callchain;
	int dwarf;                /* --call-graph dwarf: user stacks from stack copies */
	int auto_graph;           /* --call-graph auto: fp or dwarf, by CMD's code */
	uint32_t stack_size;      /* bytes of user stack copied per sample (0: none) */
	const char *output, *folded, *svg;
	int quiet;
	size_t ring_pages;        /* -m, 0: session_ring_pages's choice */
	int offcpu, wall, timeline; /* --off-cpu, --wall (implies it), --timeline */
	int events_set;           /* -e given */
	double jitter;            /* --jitter PCT / 100 */
	int fixed_phase;          /* --fixed-phase */
	enum demangle_style demangle;  /* --demangle: how C++ and Rust names read */
	int unwinder;             /* --unwinder: enum callstack_dwarf */
	struct target target;     /* -p/-t/-a/-C: no CMD (cmd_attach.h) */
	int64_t duration_ns;      /* --duration, 0: until Ctrl-C or the targets exit */
};
/* record's --help text into f. */
void recordopts_usage(FILE *f);

/* argv (argv[0] is the command's name) into o, from the defaults; getopt
 * stops at CMD.  The index of CMD in argv (>= 1; argc when attaching without
 * one); 0 when -h/--help asked for recordopts_usage (nothing after it is
 * read); -1 after a message.  o->target is the caller's to free (target_free)
 * in every case. */
int recordopts_parse(int argc, char **argv, struct record_opts *o);

#endif
