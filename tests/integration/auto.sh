#!/bin/sh
# --call-graph auto (the default): frame pointers for a program built with
# them, DWARF for one built without; both give the whole chain.
. "$(dirname "$0")/lib.sh"
require_sampling
for spec in calltree:fp calltree-nofp:dwarf; do
	prog=${spec%:*} want=${spec#*:}
	"$HWPROF" record -q -o "$TMP/$prog.pb.gz" -- "$WORKLOADS/$prog" 1 || fail "$prog: record exited $?"
	gunzip -c "$TMP/$prog.pb.gz" | tr -c '[:print:]' '\n' | grep -q "auto chose $want" ||
		fail "$prog: the profile does not say auto chose $want"
	folded "$TMP/$prog.pb.gz" >"$TMP/$prog.txt" || fail "$prog: report failed"
	chain=$(stack_share "$TMP/$prog.txt" leaf_a "main;mid_a;leaf_a")
	within "$chain" 95 100 || fail "$prog: only ${chain}% of leaf_a's samples show main;mid_a;leaf_a"
	pass "$prog: auto chose $want, ${chain}% complete"
done
