/* test-sidefile.c - the names of the files beside a profile. */
#include <stdio.h>
#include <string.h>

#include "sidefile.h"
#include "tap.h"

int main(void)
{
	char path[256];

	sidefile_timeline("out/x.pb.gz", path, sizeof(path));
	is_str(path, "out/x.timeline", "X.pb.gz -> X.timeline");
	sidefile_timeline("prof", path, sizeof(path));
	is_str(path, "prof.timeline", "other names get .timeline appended");
	sidefile_timeline(".pb.gz", path, sizeof(path));
	is_str(path, ".pb.gz.timeline", "a name that is only .pb.gz keeps it");
	sidefile_timeline_of("out/x.pb.gz", path, sizeof(path));
	is_str(path, "out/x.timeline", "report reads the timeline beside a profile");
	sidefile_timeline_of("out/x.timeline", path, sizeof(path));
	is_str(path, "out/x.timeline", "or the .timeline it is given");
	sidefile_hlog("out/x.pb.gz", path, sizeof(path));
	is_str(path, "out/x.pb.gz.hlog", "span histograms: PROFILE.hlog");
	return done_testing();
}
