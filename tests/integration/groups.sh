#!/bin/sh
# A group samples on its leader and attributes each member's increase to the
# leader's stacks: page faults land on the function that faults.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e '{cpu-clock,page-faults}' -o "$TMP/p.pb.gz" -- "$WORKLOADS/faulter" 1 \
	2>"$TMP/err" || fail "record exited $?: $(cat "$TMP/err")"
"$HWPROF" report -t page-faults --folded "$TMP/p.pb.gz" >"$TMP/pf.txt" || fail "no page-faults type"
"$HWPROF" report -t cpu --folded "$TMP/p.pb.gz" >"$TMP/cpu.txt" || fail "no cpu type"
total=$(awk '{ s += $NF } END { print s + 0 }' "$TMP/pf.txt")
[ "$total" -ge 1000 ] || fail "only $total page faults counted (the workload makes thousands)"
# Counting the same run length gives the same order of magnitude: deltas, not
# running totals, are what the samples carry.
counted=$("$HWPROF" stat -x, -e page-faults -- "$WORKLOADS/faulter" 1 2>&1 | awk -F, '/page-faults/ { print $1 }')
ratio=$(awk -v a="$total" -v b="$counted" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
within "$ratio" 0.5 2 || fail "sampled $total page faults vs $counted counted (ratio $ratio)"
touch=$(awk '/touch_pages/ { s += $NF } { t += $NF } END { printf "%.1f", 100 * s / t }' "$TMP/pf.txt")
within "$touch" 80 100 || fail "touch_pages has ${touch}% of the page faults, want >= 80%"
spin=$(awk '/spin_only/ { s += $NF } { t += $NF } END { printf "%.1f", 100 * s / t }' "$TMP/cpu.txt")
within "$spin" 20 80 || fail "spin_only has ${spin}% of cpu, the workload gives it about half"
pass "$total page faults, ${touch}% in touch_pages; spin_only ${spin}% of cpu"

# Without a PMU, a group led by a hardware event falls back like a single one.
"$HWPROF" record -q -e '{cpu-clock,page-faults,context-switches}' -o "$TMP/q.pb.gz" -- \
	"$WORKLOADS/exitcode" 0 || fail "three-event group: exit $?"
go_types=$("$HWPROF" report -t context-switches "$TMP/q.pb.gz" 2>&1 | head -1)
echo "$go_types" | grep -q "context-switches" || fail "context-switches type missing: $go_types"
pass "three-event group recorded with one sample type per event"
