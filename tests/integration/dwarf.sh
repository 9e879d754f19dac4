#!/bin/sh
# --call-graph dwarf on code built -O2 -fomit-frame-pointer: the designed
# 60/30/10 split with complete main;mid_X;leaf_X stacks, the walks reaching
# _start, and the unwinding figures on stderr and in the profile's comments.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -e cpu-clock -F 999 --call-graph dwarf -o "$TMP/p.pb.gz" \
	-- "$WORKLOADS/calltree-nofp" 2 2>"$TMP/err" || fail "record exited $? ($(cat "$TMP/err"))"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
check_calltree "$TMP/f.txt"
line=$(grep '^hwprof: dwarf unwinding: ' "$TMP/err") || fail "no unwinding line on stderr: $(cat "$TMP/err")"
partial=$(echo "$line" | sed -n 's/.*stopped before the outermost frame in \([0-9.]*\)%.*/\1/p')
within "${partial:-100}" 0 5 || fail "walks stopped early in ${partial}% of samples: $line"
pass "stderr: $line"
gzip -dc "$TMP/p.pb.gz" | grep -a -q 'call graph: dwarf,32768' || fail "no call graph mode in the comments"
gzip -dc "$TMP/p.pb.gz" | grep -a -q 'dwarf unwinding: [0-9]* samples; stack copy cut' ||
	fail "no unwinding figures in the comments"
pass "mode and unwinding figures in the profile's comments"
for bad in dwarf,100 dwarf,70000 dwarf,0 dwarfx; do
	"$HWPROF" record -q --call-graph "$bad" -o "$TMP/x.pb.gz" -- true 2>"$TMP/uerr"
	rc=$?
	[ "$rc" -eq 2 ] || fail "--call-graph $bad: exit $rc, want 2"
	grep -q -- "--call-graph $bad" "$TMP/uerr" || fail "--call-graph $bad: no message naming it"
done
pass "bad --call-graph values: usage errors"
