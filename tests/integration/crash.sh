#!/bin/sh
# A CMD killed by SIGSEGV: hwprof exits 128+11 and the profile collected is written.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -o "$TMP/p.pb.gz" -- "$WORKLOADS/crasher" 2>"$TMP/err"
st=$?
[ "$st" -eq 139 ] || fail "exit status $st, want 139"
grep -q "signal 11" "$TMP/err" || fail "no word of the signal on stderr: $(cat "$TMP/err")"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "profile unreadable"
grep -q "crash_work" "$TMP/f.txt" || fail "crash_work missing from the profile"
pass "exit 139, profile has crash_work"
