#!/bin/sh
# hwprof stat: counting through the real binary; bad input; exit status.
. "$(dirname "$0")/lib.sh"
if ! "$HWPROF" stat -e task-clock -- true 2>"$TMP/probe"; then
	skip "the kernel refuses counting a child here: $(head -1 "$TMP/probe")" \
		"(perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
fi
# A busy loop of some 100 ms of CPU, in the shell itself.
BUSY='i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
have_pmu() { [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; }

# task-clock counts the command (a busy loop takes more than a millisecond of CPU);
# cycles is reported, not fatal, where there is no PMU.
"$HWPROF" stat -e cycles,task-clock -- sh -c "$BUSY" 2>"$TMP/out" >/dev/null
st=$?
[ "$st" -eq 0 ] || fail "stat: exit $st: $(cat "$TMP/out")"
ms=$(awk '$3 == "task-clock" { print $1 }' "$TMP/out")
[ -n "$ms" ] || fail "no task-clock line: $(cat "$TMP/out")"
within "$ms" 20 100000 || fail "task-clock $ms ms for a busy loop"
if ! have_pmu; then
	grep -q "<not supported> .*cycles .*# not supported on this machine (the kernel exposes no CPU PMU)" "$TMP/out" ||
		fail "cycles not reported as not supported: $(cat "$TMP/out")"
fi
grep -q "CPUs utilized" "$TMP/out" || fail "no CPUs utilized: $(cat "$TMP/out")"
grep -q "seconds time elapsed" "$TMP/out" || fail "no elapsed time"
pass "task-clock counted ($ms ms), cycles reported"

# Defaults: perf stat's set, software ones counted.
"$HWPROF" stat -- true 2>"$TMP/out" || fail "default events: $(cat "$TMP/out")"
for e in task-clock context-switches cpu-migrations page-faults cycles instructions branches branch-misses; do
	grep -q " $e " "$TMP/out" || fail "default event $e missing: $(cat "$TMP/out")"
done
pf=$(awk '$2 == "page-faults" { print $1 }' "$TMP/out")
within "${pf:-0}" 1 100000000 || fail "page-faults of true: '$pf'"
pass "default events"

# Inherit: the children's CPU time is counted (sh runs spinner as a child).
"$HWPROF" stat -e task-clock -- sh -c "sh -c '$BUSY'; true" 2>"$TMP/out" || fail "child run"
ms=$(awk '$3 == "task-clock" { print $1 }' "$TMP/out")
within "$ms" 20 100000 || fail "children not counted: $ms ms"
pass "children counted"

# -r 5: distribution columns, one row per event.
"$HWPROF" stat -r 5 -e task-clock,page-faults -- true 2>"$TMP/out" || fail "-r 5: $(cat "$TMP/out")"
grep -q "(5 runs)" "$TMP/out" || fail "-r 5: no run count"
grep -Eq "^ event +median +p10 +p90 +min +max +stddev +cv" "$TMP/out" || fail "-r 5: no header: $(cat "$TMP/out")"
awk '$1 == "task-clock" { if (NF < 9) exit 1; med = $3; lo = $6; hi = $7; if (!(lo <= med && med <= hi)) exit 1; found = 1 }
     END { exit !found }' "$TMP/out" || fail "-r 5: task-clock row: $(cat "$TMP/out")"
pass "-r 5 distribution"

# JSON: valid, with the values of every run.
"$HWPROF" stat -r 3 --json -o "$TMP/s.json" -e cycles,task-clock -- true 2>"$TMP/err" || fail "--json: $(cat "$TMP/err")"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq '.runs' "$TMP/s.json")" = 3 ] || fail "json runs: $(cat "$TMP/s.json")"
	[ "$(jq '.events[1].values | length' "$TMP/s.json")" = 3 ] || fail "json values"
	[ "$(jq -r '.events[1].name' "$TMP/s.json")" = task-clock ] || fail "json name"
	jq -e '.events[1].median > 0' "$TMP/s.json" >/dev/null || fail "json median"
	have_pmu || [ "$(jq '.events[0].supported' "$TMP/s.json")" = false ] || fail "json cycles supported?"
	pass "--json (jq)"
elif python3 -m json.tool "$TMP/s.json" >/dev/null 2>&1; then
	pass "--json (python3 -m json.tool)"
else
	echo "no jq or python3: JSON not parsed"
fi

# -x: one line per event, fields in the documented order.
"$HWPROF" stat -x ';' -e task-clock,cycles -- true 2>"$TMP/out" || fail "-x: $(cat "$TMP/out")"
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "-x: want 2 lines: $(cat "$TMP/out")"
awk -F';' 'NR == 1 && !($2 == "msec" && $3 == "task-clock" && $1 > 0 && $4 == "100.00") { exit 1 }' "$TMP/out" ||
	fail "-x task-clock line: $(cat "$TMP/out")"
have_pmu || grep -q '^<not supported>;;cycles;' "$TMP/out" || fail "-x cycles line: $(cat "$TMP/out")"
pass "-x"

# Exit status: passed through; -r stops at the first failing run.
"$HWPROF" stat -e task-clock -- "$WORKLOADS/exitcode" 3 2>/dev/null
[ $? -eq 3 ] || fail "exit status not passed through"
"$HWPROF" stat -r 5 -e task-clock -- sh -c "echo run >>'$TMP/runs'; exit 4" 2>"$TMP/out"
st=$?
[ "$st" -eq 4 ] || fail "-r: exit $st, want 4"
[ "$(wc -l <"$TMP/runs")" -eq 1 ] || fail "-r went on after a failing run: $(wc -l <"$TMP/runs") runs"
"$HWPROF" stat -e task-clock -- ./no-such-program 2>"$TMP/err"
[ $? -eq 127 ] || fail "missing command: want 127"
pass "exit status"

# Bad input: one line, exit 2, CMD not started.
marker="$TMP/started"
bad() {
	want=$1; shift
	"$HWPROF" stat "$@" -- touch "$marker" 2>"$TMP/err"
	st=$?
	[ "$st" -eq 2 ] || fail "$*: exit $st, want 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$*: want one line: $(cat "$TMP/err")"
	grep -q "$want" "$TMP/err" || fail "$*: '$want' not in: $(cat "$TMP/err")"
	[ -e "$marker" ] && fail "$*: CMD ran"
	:
}
bad "unknown event 'cyles'.*did you mean: cycles" -e cyles
bad "unknown modifier or unit mask 'x'" -e cycles:x
bad "'pppp'" -e cycles:pppp
bad "missing '}'" -e '{cycles,instructions'
bad "without '{'" -e 'cycles}'
bad "at most 8" -e '{cycles,instructions,branches,branch-misses,cache-misses,cache-references,bus-cycles,ref-cycles,L1-dcache-loads}'
bad "unknown preset '@nope' (presets: .*cache" -e @nope
bad "expected a number of runs" -r 0
bad "exclude each other" --json -x ,
pass "bad input"

# Presets and groups count.
"$HWPROF" stat -e '@default' -- true 2>"$TMP/out" || fail "@default: $(cat "$TMP/out")"
grep -q "task-clock" "$TMP/out" || fail "@default did not expand"
"$HWPROF" stat -e '{task-clock,page-faults}' -- true 2>"$TMP/out" || fail "group: $(cat "$TMP/out")"
pf=$(awk '$2 == "page-faults" { print $1 }' "$TMP/out")
within "${pf:-0}" 1 100000000 || fail "group member not counted: $(cat "$TMP/out")"
pass "presets and groups"
