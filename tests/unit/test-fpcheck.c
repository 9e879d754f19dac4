/* test-fpcheck.c - telling code built with frame pointers from code without. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpcheck.h"
#include "tap.h"

static void check(const char *name, int with_fp)
{
	const char *dir = getenv("WORKLOADS");
	char path[4096];
	double share = -1;
	size_t n = 0;
	int r;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/workloads", name);
	r = fpcheck_file(path, &share, &n);
	if (!ok(r == 0, "%s: read (%d)", name, r))
		return;
	ok(n >= 5, "%s: %zu functions looked at", name, n);
	if (with_fp)
		ok(share >= FPCHECK_MIN_SHARE, "%s (-fno-omit-frame-pointer): %.2f >= %.2f", name,
		   share, FPCHECK_MIN_SHARE);
	else
		ok(share < FPCHECK_MIN_SHARE, "%s (-fomit-frame-pointer): %.2f < %.2f", name, share,
		   FPCHECK_MIN_SHARE);
}

int main(void)
{
	double share;
	size_t n;

	check("calltree", 1);
	check("threads", 1);
	check("calltree-nofp", 0);
	check("deeprec", 0);
	is_int(fpcheck_file("/nonexistent/x", &share, &n), -ENOENT, "a missing file: -ENOENT");
	is_int(fpcheck_file("/proc/self/status", &share, &n), -ENOEXEC, "not ELF: -ENOEXEC");
	return done_testing();
}
