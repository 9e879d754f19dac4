/* test-sidefile.c - the names of the files beside a profile. */
#include <stdio.h>
#include <string.h>

#include "sidefile.h"
#include "tap.h"

int main(void)
{
	static const struct {
		void (*name)(const char *profile, char *buf, size_t cap);
		const char *profile, *want, *rule;
	} cases[] = {
		{ sidefile_timeline, "out/x.pb.gz", "out/x.timeline", "X.pb.gz -> X.timeline" },
		{ sidefile_timeline, "prof", "prof.timeline", "other names get .timeline appended" },
		{ sidefile_timeline, ".pb.gz", ".pb.gz.timeline", "a name that is only .pb.gz keeps it" },
		{ sidefile_timeline_of, "out/x.pb.gz", "out/x.timeline",
		  "report reads the timeline beside a profile" },
		{ sidefile_timeline_of, "out/x.timeline", "out/x.timeline", "or the .timeline it is given" },
		{ sidefile_hlog, "out/x.pb.gz", "out/x.pb.gz.hlog", "span histograms: PROFILE.hlog" },
	};
	char path[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cases[i].name(cases[i].profile, path, sizeof(path));
		is_str(path, cases[i].want, "%s", cases[i].rule);
	}
	return done_testing();
}
