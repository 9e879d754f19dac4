#!/bin/sh
# The designed 60/30/10 split is measured within 5 points, with complete stacks.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -F 999 -g -o "$TMP/p.pb.gz" -- "$WORKLOADS/calltree" 2 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
for spec in leaf_a:60 leaf_b:30 leaf_c:10; do
	leaf=${spec%:*} want=${spec#*:}
	got=$(leaf_share "$TMP/f.txt" "$leaf")
	within "$got" $((want - 5)) $((want + 5)) || fail "$leaf: ${got}% of samples, designed ${want}%"
	mid=mid_${leaf#leaf_}
	chain=$(stack_share "$TMP/f.txt" "$leaf" "main;$mid;$leaf")
	within "$chain" 95 100 || fail "$leaf: only ${chain}% of its samples show main;$mid;$leaf"
	pass "$leaf ${got}% (designed ${want}%), ${chain}% with main;$mid;$leaf"
done
