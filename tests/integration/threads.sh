#!/bin/sh
# Both threads are followed, each labelled with its own tid and name.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/threads" 1 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
for fn in work_one work_two; do
	s=$(leaf_share "$TMP/f.txt" "$fn")
	within "$s" 25 75 || fail "$fn: ${s}% of samples, expected about half"
	grep -q "thread_${fn#work_};$fn " "$TMP/f.txt" || fail "no stack thread_${fn#work_};$fn"
done
"$HWPROF" report --tags "$TMP/p.pb.gz" >"$TMP/tags.txt" 2>&1 || fail "report --tags failed"
grep -q "worker-one" "$TMP/tags.txt" || fail "thread label worker-one missing"
grep -q "worker-two" "$TMP/tags.txt" || fail "thread label worker-two missing"
pass "two threads, each about half, named"
