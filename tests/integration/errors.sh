#!/bin/sh
# Bad input: one clear line, the right exit code, CMD not started.
. "$(dirname "$0")/lib.sh"
marker="$TMP/started"
"$HWPROF" record -e cyles -o "$TMP/p.pb.gz" -- touch "$marker" 2>"$TMP/err"
st=$?
[ "$st" -eq 2 ] || fail "unknown event: exit $st, want 2"
grep -q "unknown event 'cyles'" "$TMP/err" || fail "unknown event: $(cat "$TMP/err")"
grep -q "cycles" "$TMP/err" || fail "no suggestion: $(cat "$TMP/err")"
[ -e "$marker" ] && fail "CMD ran despite the unknown event"
pass "unknown event"

require_sampling
"$HWPROF" record -o "$TMP/p.pb.gz" -- ./no-such-program 2>"$TMP/err"
st=$?
[ "$st" -eq 127 ] || fail "missing CMD: exit $st, want 127"
grep -qx "hwprof: ./no-such-program: No such file or directory" "$TMP/err" || fail "missing CMD: $(cat "$TMP/err")"
pass "missing command"

"$HWPROF" record -o "$TMP/no/such/dir/p.pb.gz" -- touch "$marker" 2>"$TMP/err"
st=$?
[ "$st" -ne 0 ] || fail "unwritable output: exit 0"
grep -q "cannot write" "$TMP/err" || fail "unwritable output: $(cat "$TMP/err")"
[ -e "$marker" ] && fail "CMD ran despite the unwritable output"
pass "unwritable output"

"$HWPROF" record -F abc -- true 2>"$TMP/err"
[ $? -eq 2 ] || fail "-F abc: want exit 2"
"$HWPROF" record 2>"$TMP/err"
[ $? -eq 2 ] || fail "no command: want exit 2"
"$HWPROF" report "$TMP/err" 2>"$TMP/err2"
st=$?
[ "$st" -eq 1 ] || fail "malformed profile: exit $st, want 1"
[ "$(wc -l <"$TMP/err2")" -eq 1 ] || fail "malformed profile: want one line, got: $(cat "$TMP/err2")"
pass "usage errors and malformed profile"

# Where there is no hardware PMU, the default event falls back to cpu-clock, loudly.
if [ ! -e /sys/bus/event_source/devices/cpu ] && [ ! -e /sys/bus/event_source/devices/cpu_core ]; then
	"$HWPROF" record -o "$TMP/p.pb.gz" -- "$WORKLOADS/exitcode" 0 2>"$TMP/err" || fail "fallback run failed"
	grep -q "no hardware PMU" "$TMP/err" || fail "no fallback notice: $(cat "$TMP/err")"
	pass "cycles falls back to cpu-clock with a notice"
fi
