#!/bin/sh
# The designed 60/30/10 split is measured within 5 points, with complete stacks.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -F 999 -g -o "$TMP/p.pb.gz" -- "$WORKLOADS/calltree" 2 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
check_calltree "$TMP/f.txt"
