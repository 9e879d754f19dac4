#!/bin/sh
# hwprof list: events, presets, whether they work here and why not.
. "$(dirname "$0")/lib.sh"
have_pmu() { [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; }

"$HWPROF" list >"$TMP/all" 2>"$TMP/err" || fail "list: $(cat "$TMP/err")"
grep -q "^Software events:" "$TMP/all" || fail "no software section"
grep -Eq "^  task-clock +ok" "$TMP/all" || fail "task-clock not marked ok: $(grep task-clock "$TMP/all")"
if ! have_pmu; then
	grep -Eq "^  cycles +no +not supported on this machine \(the kernel exposes no CPU PMU\)" "$TMP/all" ||
		fail "cycles not marked unsupported: $(grep '^  cycles ' "$TMP/all")"
fi
# A CPU newer than the installed libpfm4 has no table: the list says so instead.
grep -Eq "events \(libpfm4: |^CPU PMU events: none: the installed libpfm4 has no event table for this CPU \(.+\)$" "$TMP/all" ||
	fail "no libpfm4 PMU section and no line saying why"
grep -q "^Presets (" "$TMP/all" || fail "no presets section"
for p in default cache branch tlb memory; do
	grep -Eq "^  @$p " "$TMP/all" || fail "preset @$p not listed"
done
grep -q "sched:sched_switch" "$TMP/all" && fail "tracepoints listed without a pattern"
pass "list"

# A pattern filters everything.
"$HWPROF" list page-fa >"$TMP/pf" || fail "list page-fa"
grep -q "page-faults" "$TMP/pf" || fail "pattern lost page-faults"
grep -q "^  cycles " "$TMP/pf" && fail "pattern kept cycles"
"$HWPROF" list 'no-such-event-*' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] || fail "a pattern matching nothing: want exit 1"
pass "pattern"

# Tracepoints, with a pattern, where tracefs is mounted.
if [ -e /sys/kernel/tracing/events/sched/sched_switch/id ] || [ -e /sys/kernel/debug/tracing/events/sched/sched_switch/id ]; then
	"$HWPROF" list sched_switch >"$TMP/tp" || fail "list sched_switch"
	grep -Eq "^  sched:sched_switch +ok" "$TMP/tp" || fail "sched:sched_switch: $(cat "$TMP/tp")"
	pass "tracepoints"
else
	echo "tracefs not mounted: tracepoint listing not checked"
fi

# --attr: the perf_event_attr fields.
"$HWPROF" list --attr 'cycles:upp:period=100000' >"$TMP/attr" || fail "--attr"
grep -Eq "^  type +0 \(hardware\)" "$TMP/attr" || fail "type: $(cat "$TMP/attr")"
grep -Eq "^  config +0x0$" "$TMP/attr" || fail "config"
grep -Eq "^  precise_ip +2$" "$TMP/attr" || fail "precise_ip"
grep -Eq "^  exclude_kernel +1$" "$TMP/attr" || fail "exclude_kernel"
grep -Eq "^  sample_period +100000$" "$TMP/attr" || fail "sample_period"
"$HWPROF" list --attr r01c2 | grep -Eq "^  config +0x1c2$" || fail "raw config"
"$HWPROF" list --attr task-clock | grep -Eq "^  works here +ok$" || fail "task-clock works here"
"$HWPROF" list --attr '{cpu-clock,page-faults}' | grep -q "member (leader cpu-clock, 2 events)" || fail "group shown"
"$HWPROF" list --attr cyles 2>"$TMP/err"
[ $? -eq 2 ] || fail "--attr unknown: want 2"
grep -q "did you mean: cycles" "$TMP/err" || fail "--attr suggestion: $(cat "$TMP/err")"
pass "--attr"
