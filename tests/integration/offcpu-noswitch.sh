#!/bin/sh
# A kernel without context-switch records (before Linux 4.3 it rejects
# attr.context_switch with EINVAL), imitated by a preloaded syscall() that
# does so: record --off-cpu says so in one line and still writes the on-CPU
# profile.
. "$(dirname "$0")/lib.sh"
require_sampling
cat >"$TMP/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <sys/syscall.h>

long syscall(long n, ...)
{
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	long a[5];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < 5; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (n == SYS_perf_event_open && ((struct perf_event_attr *)a[0])->context_switch) {
		errno = EINVAL;
		return -1;
	}
	return real(n, a[0], a[1], a[2], a[3], a[4]);
}
C
${CC:-cc} -shared -fPIC -o "$TMP/shim.so" "$TMP/shim.c" -ldl 2>"$TMP/cc.err" ||
	skip "cannot build the preload shim: $(head -1 "$TMP/cc.err")"
# An hwprof built with --enable-asan wants its runtime first: the shim may go
# before it (it interposes nothing ASan does).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
LD_PRELOAD="$TMP/shim.so" "$HWPROF" record --off-cpu -o "$TMP/p.pb.gz" -- "$WORKLOADS/pipewait" 0.3 \
	>/dev/null 2>"$TMP/err.txt" || fail "record exited $?: $(cat "$TMP/err.txt")"
grep -q "^hwprof: --off-cpu: this kernel gives no context-switch records" "$TMP/err.txt" ||
	fail "no clear line: $(cat "$TMP/err.txt")"
[ "$(grep -c "context-switch" "$TMP/err.txt")" = 1 ] || fail "said more than once: $(cat "$TMP/err.txt")"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "no readable profile"
grep -q "compute_step" "$TMP/f.txt" || fail "the on-CPU profile lacks compute_step"
"$HWPROF" report -t off-cpu --folded "$TMP/p.pb.gz" >/dev/null 2>&1 && fail "an off-cpu type without records"
"$HWPROF" report --threads "$TMP/p.pb.gz" 2>"$TMP/threads.err" && fail "report --threads succeeded"
grep -q "no off-CPU time in this profile" "$TMP/threads.err" || fail "report --threads: $(cat "$TMP/threads.err")"
pass "$(head -1 "$TMP/err.txt" | cut -c1-80)...; on-CPU profile written"
