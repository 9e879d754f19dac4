#!/bin/sh
# `hwprof -- CMD` and `hwprof -e EVENT ... -- CMD` are `hwprof record`: a first
# argument that is an option (or --) starts record, as with perf; -h, --help
# and --version stay hwprof's own, and a word that is no command is an error.
. "$(dirname "$0")/lib.sh"
"$HWPROF" --help >"$TMP/help" || fail "--help exited $?"
grep -q -- "hwprof \[RECORD OPTIONS\] -- CMD" "$TMP/help" || fail "--help does not say so: $(cat "$TMP/help")"
"$HWPROF" --version >/dev/null || fail "--version exited $?"
"$HWPROF" ./app 2>"$TMP/err"
st=$?
[ "$st" -eq 2 ] || fail "hwprof ./app: exit $st, want 2"
grep -q "'./app' is not a command" "$TMP/err" || fail "hwprof ./app: $(cat "$TMP/err")"
grep -q "hwprof -- ./app" "$TMP/err" || fail "hwprof ./app: no hint: $(cat "$TMP/err")"
"$HWPROF" --no-such-option -- true 2>"$TMP/err"
st=$?
[ "$st" -eq 2 ] || fail "unknown record option: exit $st, want 2"
grep -q "hwprof record --help" "$TMP/err" || fail "unknown record option: $(cat "$TMP/err")"
pass "help, version, not a command, record's usage errors"

require_sampling
# The default output, hwprof.pb.gz, lands in the working directory.
(cd "$TMP" && "$HWPROF" -- "$WORKLOADS/exitcode" 3 2>"$TMP/err1")
st=$?
[ "$st" -eq 3 ] || fail "hwprof -- CMD: exit $st, want CMD's 3: $(cat "$TMP/err1")"
[ -s "$TMP/hwprof.pb.gz" ] || fail "hwprof -- CMD wrote no hwprof.pb.gz"
"$HWPROF" report "$TMP/hwprof.pb.gz" >/dev/null || fail "hwprof -- CMD: profile unreadable"
pass "hwprof -- CMD records, CMD's exit status passed through"

"$HWPROF" -q -e cpu-clock -F 499 -o "$TMP/p.pb.gz" -- "$WORKLOADS/exitcode" 0 2>"$TMP/err2" ||
	fail "hwprof -e ... -- CMD exited $?: $(cat "$TMP/err2")"
[ -s "$TMP/p.pb.gz" ] || fail "hwprof -e ... -o FILE -- CMD wrote no FILE"
"$HWPROF" report --folded "$TMP/p.pb.gz" >/dev/null || fail "hwprof -e ...: profile unreadable"
grep -q "samples in" "$TMP/err2" && fail "-q was not record's: $(cat "$TMP/err2")"
pass "hwprof -e cpu-clock -F 499 -q -o FILE -- CMD is record with those options"
