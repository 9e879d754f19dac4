#!/bin/sh
# A forked child is followed: its function shows up, under its own pid label.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/forker" 1 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
c=$(leaf_share "$TMP/f.txt" child_work)
p=$(leaf_share "$TMP/f.txt" parent_work)
within "$c" 25 75 || fail "child_work: ${c}% of samples, expected about half"
within "$p" 25 75 || fail "parent_work: ${p}% of samples, expected about half"
"$HWPROF" report --tags "$TMP/p.pb.gz" >"$TMP/tags.txt" 2>&1 || fail "report --tags failed"
npids=$(awk '/^pid/ { in_pid = 1; next } /^[a-z]/ { in_pid = 0 } in_pid && NF { n++ } END { print n + 0 }' "$TMP/tags.txt")
[ "$npids" -ge 2 ] || fail "expected two pids in the pid label, got $npids"
pass "child ${c}%, parent ${p}%, $npids pids"
