/* sidefile.h - the names of the files `hwprof record` writes beside a profile
 * X.pb.gz, and that `hwprof report` reads from there: the timeline (--timeline)
 * X.timeline and the span histograms X.pb.gz.hlog. */
#ifndef HWPROF_SIDEFILE_H
#define HWPROF_SIDEFILE_H

#include <stddef.h>

/* The timeline beside profile: "X.pb.gz" -> "X.timeline", other names get
 * ".timeline" appended.  Into buf (cap bytes, truncated to fit). */
void sidefile_timeline(const char *profile, char *buf, size_t cap);

/* The timeline `report FILE --timeline` reads: FILE itself when it is a
 * .timeline, else the one beside the profile FILE. */
void sidefile_timeline_of(const char *file, char *buf, size_t cap);

/* The span histograms (an HdrHistogram interval log) beside profile: PROFILE.hlog. */
void sidefile_hlog(const char *profile, char *buf, size_t cap);

#endif
