/* diffpprof.h - a differential profile as pprof's own -diff_base builds it:
 * NEW's samples as they are, BASE's negated and labelled pprof::base=true,
 * so that `go tool pprof` shows NEW minus BASE (and takes BASE's total as
 * the 100% of its percentages). */
#ifndef HWPROF_DIFFPPROF_H
#define HWPROF_DIFFPPROF_H

#include "profile.h"

/* The differential profile of base and new, on the sample types both have
 * (same name and unit), BASE's values scaled by kb (diff_base_scale) before
 * they are negated.  Functions are renamed to the names diff matches them by
 * (diff_match_name); each side keeps its own locations.  NEW's period,
 * time and duration; comment (may be NULL) as its comment.  Fills *out.
 * 0, -EINVAL (no type in common) or -ENOMEM. */
int diffpprof_build(struct profile *base, struct profile *new, double kb, const char *comment,
		    struct profile **out);

#endif
