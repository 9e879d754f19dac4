#!/bin/sh
# record -a: two unrelated programs and one whose binary was deleted while it
# ran are all seen, by process and function name; hwprof leaves itself out.
. "$(dirname "$0")/lib.sh"
span_channels_alone "$@"
require_sampling
require_system_wide
go_tool validate

cp "$WORKLOADS/calltree" "$TMP/gone-tree"
"$TMP/gone-tree" 60 &
gone=$!
"$WORKLOADS/spinner" &
spin=$!
"$WORKLOADS/threads" 60 &
thr=$!
trap 'kill $gone $spin $thr 2>/dev/null; rm -rf "$TMP"' EXIT
# Removed once it runs (not before its exec: then it would never run).
wait_exec $gone "$TMP/gone-tree"
rm "$TMP/gone-tree"
"$HWPROF" record -q -a -F 199 --duration 3s -o "$TMP/a.pb.gz" 2>"$TMP/err" &
hw=$!
wait $hw || fail "record -a exited $?: $(cat "$TMP/err")"
"$TMP/validate" "$TMP/a.pb.gz" >"$TMP/facts" 2>"$TMP/verr" || fail "invalid: $(cat "$TMP/verr")"
# has PID PROCESS LEAF: the pid's samples include leaf LEAF under process name PROCESS.
has() {
	grep -q "^pid $1 process $2 leaf $3 samples [1-9]" "$TMP/facts" ||
		fail "no samples of $2 (pid $1) in $3; pid $1 has: $(grep "^pid $1 " "$TMP/facts")"
}
has $spin spinner spin_forever
pass "an unrelated program: spinner in spin_forever"
grep -q "^pid $thr process threads leaf work_\(one\|two\) samples" "$TMP/facts" ||
	fail "threads not seen: $(grep "^pid $thr " "$TMP/facts")"
pass "another: threads in work_one/work_two"
for leaf in leaf_a leaf_b; do
	has $gone gone-tree $leaf
done
pass "a program whose binary was deleted: gone-tree, its functions named"
! grep -q "^pid $hw " "$TMP/facts" || fail "hwprof's own samples are in the profile"
pass "hwprof's own process is left out"
