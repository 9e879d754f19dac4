#!/bin/sh
# CMD's exit status is passed through, and the profile is still written.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/exitcode" 3
st=$?
[ "$st" -eq 3 ] || fail "exit status $st, want 3"
[ -s "$TMP/p.pb.gz" ] || fail "no profile written"
"$HWPROF" record -q -o "$TMP/q.pb.gz" -- "$WORKLOADS/exitcode" 0 || fail "exit status $?, want 0"
pass "exit status 3 and 0 passed through"
