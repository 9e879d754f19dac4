#!/bin/sh
# Code in anonymous executable memory is named from /tmp/perf-PID.map (perf's
# JIT interface): the jit workload's generated loop is the leaf jit_hot_loop,
# with most of the samples, below its real caller.
. "$(dirname "$0")/lib.sh"
case $(uname -m) in
x86_64) ;;
*) skip "the jit workload hand-encodes x86-64 code; this is $(uname -m)" ;;
esac
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 -o "$TMP/p.pb.gz" -- "$WORKLOADS/jit" 1 2>"$TMP/err"
rc=$?
[ "$rc" -eq 77 ] && skip "jit workload: $(cat "$TMP/err")"
[ "$rc" -eq 0 ] || { cat "$TMP/err"; fail "record exited $rc"; }
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"

share=$(leaf_share "$TMP/f.txt" jit_hot_loop)
within "$share" 50 100 || {
	sort -k2 -nr "$TMP/f.txt" | head -5
	fail "jit_hot_loop: ${share}% of samples as a leaf, expected most of them"
}
# The generated code keeps a frame pointer: its caller is not skipped.
chain=$(stack_share "$TMP/f.txt" jit_hot_loop "main;call_jit;jit_hot_loop")
within "$chain" 80 100 || fail "only ${chain}% of jit_hot_loop's samples show main;call_jit;jit_hot_loop"
pass "jit_hot_loop ${share}% of samples, ${chain}% under main;call_jit"
