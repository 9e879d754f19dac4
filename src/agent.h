/* agent.h - the always-on agent's intervals: where they end, what the agent
 * itself cost during one, and the directory of the last N profiles.
 *
 * Intervals end on multiples of their length on the wall clock (15 s: at :00,
 * :15, :30, :45), so that agents on many machines cut the same intervals.
 * Profiles are written through pprof_write_file (a temporary file renamed)
 * under names that sort by time.  Library code: nothing printed. */
#ifndef HWPROF_AGENT_H
#define HWPROF_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* The first multiple of interval_ns (> 0) on the wall clock after now_ns. */
int64_t agent_next_boundary(int64_t now_ns, int64_t interval_ns);

/* This process's CPU time (user + system) and resident memory now. */
struct agent_usage {
	int64_t cpu_ns;
	int64_t rss_bytes;
	int64_t peak_rss_bytes;
};

/* 0 or -errno. */
int agent_usage_now(struct agent_usage *u);

/* One interval's length on the wall clock and what was recorded in it. */
struct agent_interval {
	int64_t wall_ns;
	uint64_t samples;
	uint64_t lost;
};

/* What the agent cost over interval iv (its usage from before to after), as
 * a profile comment line: samples, lost samples, own CPU in % of one core, RSS. */
void agent_overhead_line(const struct agent_usage *before, const struct agent_usage *after,
			 const struct agent_interval *iv, char *buf, size_t cap);

/* The file name of the profile of the interval starting at time_ns (Unix
 * ns): "hwprof-20240131T120000.000Z.pb.gz" (UTC; names sort by time). */
void agent_file_name(int64_t time_ns, char *buf, size_t cap);

/* Write p as DIR/agent_file_name(p->time_nanos) (its path into path), then
 * keep only the newest `keep` such files (0: all).  0 or -errno of the
 * write (a failed removal of an old one is not an error). */
int agent_write_dir(const char *dir, size_t keep, const struct profile *p, char *path,
		    size_t cap);

/* Remove all but the newest keep files named like agent_file_name in dir.
 * The number removed, or -errno when dir cannot be read. */
int agent_prune(const char *dir, size_t keep);

#endif
