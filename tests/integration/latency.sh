#!/bin/sh
# latency.sh - `hwprof latency` through the real binary: percentiles of known
# inputs, units and unit suffixes, intended-start/end pairs, coordinated-omission
# correction (--compare), rejected lines with their line numbers and the exit
# status, --hlog/--hgrm outputs read back, a corrupt log, usage errors.
. "${TESTS_SRCDIR:-$(dirname "$0")/..}/integration/lib.sh"

# row OUT NAME [COLUMN]: the value in row NAME, column 1 or 2 ("VALUE UNIT" pairs).
row() { awk -v n="$2" -v c="${3:-1}" '$1 == n { print $(2 * c) }' "$1"; }

lat() { "$HWPROF" latency "$@"; }

# 1..10000 ns: HdrHistogram's values at 3 digits (ranges of 4 and 8 up there).
seq 1 10000 | lat --output-unit ns >"$TMP/u.out" || fail "uniform input: exit $?"
[ "$(row "$TMP/u.out" count)" = 10000 ] || fail "count: $(cat "$TMP/u.out")"
[ "$(row "$TMP/u.out" p50)" = 5003 ] || fail "p50 of 1..10000 is 5003: $(cat "$TMP/u.out")"
[ "$(row "$TMP/u.out" p90)" = 9007 ] || fail "p90 of 1..10000 is 9007"
[ "$(row "$TMP/u.out" p99)" = 9903 ] || fail "p99 of 1..10000 is 9903"
[ "$(row "$TMP/u.out" p99.9)" = 9991 ] || fail "p99.9 of 1..10000 is 9991"
[ "$(row "$TMP/u.out" p99.99)" = 9999 ] || fail "p99.99 of 1..10000 is 9999"
[ "$(row "$TMP/u.out" max)" = 10007 ] || fail "max of 1..10000 is 10007"
seq 1 10000 | lat | grep -q '^p50 *5\.003 us$' || fail "default output: p50 in a readable unit (5.003 us)"
pass "percentiles of 1..10000"

# Units: bare numbers in --unit, suffixes win; exact below 2048 units.
printf '1\n1.5\n2\n' | lat --unit us --output-unit ns >"$TMP/us.out" || fail "--unit us: exit $?"
[ "$(row "$TMP/us.out" p50)" = 1500 ] && [ "$(row "$TMP/us.out" max)" = 2000 ] ||
	fail "--unit us: 1 1.5 2 us are 1000 1500 2000 ns: $(cat "$TMP/us.out")"
printf '1ms\n250us\n3s\n800ns\n1.5ms\n' | lat --unit s --output-unit us >"$TMP/sfx.out" ||
	fail "suffixes: exit $?"
[ "$(row "$TMP/sfx.out" count)" = 5 ] || fail "suffixes: count $(cat "$TMP/sfx.out")"
# 3 s at 3 digits: 3.0000s..3.0015s; 800 ns is the exact p0.
p90=$(row "$TMP/sfx.out" p90)
within "$p90" 3000000 3003000 || fail "3s read as $p90 us (--unit s must not apply to '3s')"
p50=$(row "$TMP/sfx.out" p50)
within "$p50" 1000 1001 || fail "p50 of {800ns 250us 1ms 1.5ms 3s} is 1ms, got $p50 us"
printf '0.5\n' | lat --unit ms --output-unit ns | grep -q '^max *500223 ns$' ||
	fail "0.5 with --unit ms is 500000 ns (max: the top of its range, 500223)"
pass "units and suffixes"

# Pairs: latency = end - intended start; epoch nanoseconds keep every digit.
printf '100 350\n1000 1100\n1700000000000000000 1700000000000001234\n' |
	lat --output-unit ns >"$TMP/pairs.out" || fail "pairs: exit $?"
[ "$(row "$TMP/pairs.out" count)" = 3 ] && [ "$(row "$TMP/pairs.out" p50)" = 250 ] &&
	[ "$(row "$TMP/pairs.out" max)" = 1234 ] ||
	fail "pairs: latencies 250, 100, 1234: $(cat "$TMP/pairs.out")"
printf '1.000s,1.250s\n' | lat --output-unit ms | grep -q '^max *250.0[0-9]* ms$' ||
	fail "comma-separated pair with units: 250 ms"
pass "intended start / end pairs"

# Coordinated omission: 10 10 100 at an expected 10 ns interval also records
# 90, 80, ... 10 for the 100: 12 values, p50 (6th) = 40; uncorrected p50 = 10.
printf '10\n10\n100\n' | lat -i 10 --compare --output-unit ns >"$TMP/cmp.out" ||
	fail "--compare: exit $?"
grep -q 'corrected *uncorrected' "$TMP/cmp.out" || fail "--compare header: $(cat "$TMP/cmp.out")"
[ "$(awk '$1 == "count" { print $2, $3 }' "$TMP/cmp.out")" = "12 3" ] ||
	fail "--compare counts 12 and 3: $(cat "$TMP/cmp.out")"
[ "$(awk '$1 == "p50" { print $2, $4 }' "$TMP/cmp.out")" = "40 10" ] ||
	fail "--compare p50 40 (corrected) vs 10: $(cat "$TMP/cmp.out")"
printf '10\n10\n100\n' | lat --expected-interval 10ns --output-unit ns >"$TMP/cor.out"
[ "$(row "$TMP/cor.out" count)" = 12 ] || fail "--expected-interval alone corrects: $(cat "$TMP/cor.out")"
pass "coordinated-omission correction"

# Bad lines: each named with its line number, a total, exit 1, and the
# percentiles of the good lines still printed.
printf '5\n-3\nabc\n# a comment\n\n7\n1 2 3\n9 4\n5zs\n2h\n' >"$TMP/bad.txt"
lat --output-unit ns "$TMP/bad.txt" >"$TMP/bad.out" 2>"$TMP/bad.err"
st=$?
[ "$st" = 1 ] || fail "bad lines: exit $st, want 1"
[ "$(row "$TMP/bad.out" count)" = 2 ] || fail "bad lines: the 2 good ones are reported: $(cat "$TMP/bad.out")"
grep -qF "hwprof latency: $TMP/bad.txt:2: '-3': negative latency" "$TMP/bad.err" ||
	fail "negative value with its line: $(cat "$TMP/bad.err")"
grep -qF "bad.txt:3: 'abc': not a number" "$TMP/bad.err" || fail "non-numeric line 3"
grep -qF "bad.txt:7: '1 2 3': expected a latency" "$TMP/bad.err" || fail "3 fields on line 7"
grep -qF "bad.txt:8: '9 4': end before intended start" "$TMP/bad.err" || fail "end < start on line 8"
grep -qF "bad.txt:9: '5zs': unknown unit" "$TMP/bad.err" || fail "unknown unit on line 9"
grep -q "6 lines rejected (of 8 read)" "$TMP/bad.err" || fail "the total: $(cat "$TMP/bad.err")"
[ "$(grep -c 'bad.txt:[0-9]*:' "$TMP/bad.err")" = 5 ] || fail "only the first 5 bad lines named"
printf '1\n2ms\n' | lat --highest 1ms 2>"$TMP/hi.err" >/dev/null
st=$?
[ "$st" = 1 ] || fail "above --highest: exit $st, want 1"
grep -qF "input:2: '2ms': above the highest trackable latency (1.000 ms); raise --highest" \
	"$TMP/hi.err" || fail "above --highest: $(cat "$TMP/hi.err")"
printf '# nothing\n' | lat 2>"$TMP/empty.err" >/dev/null
[ $? = 1 ] && grep -q "no latencies in the input" "$TMP/empty.err" || fail "empty input: exit 1 and why"
pass "rejected lines"

# Usage errors: exit 2 and one line naming the problem.
for args in "--unit parsecs" "--compare" "--digits 9" "--expected-interval 0" \
	"--expected-interval 5furlongs" "--bogus" "a b" "--read-hlog x --compare" "--tag x"; do
	# shellcheck disable=SC2086
	lat $args </dev/null >/dev/null 2>"$TMP/usage.err"
	st=$?
	[ "$st" = 2 ] || fail "'hwprof latency $args': exit $st, want 2"
	[ "$(wc -l <"$TMP/usage.err")" = 1 ] && grep -q '^hwprof latency: ' "$TMP/usage.err" ||
		fail "'hwprof latency $args': one message line: $(cat "$TMP/usage.err")"
done
lat --help | grep -q -- '--expected-interval' || fail "--help"
pass "usage errors"

# --hlog and --hgrm, and the log read back.
seq 1 10000 | lat -i 100 --compare --hlog "$TMP/l.hlog" --hgrm "$TMP/l.hgrm" \
	>"$TMP/direct.out" || fail "--hlog/--hgrm: exit $?"
grep -q '^#\[StartTime: [0-9.]* (seconds since epoch)' "$TMP/l.hlog" || fail "hlog StartTime"
grep -q '^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$' \
	"$TMP/l.hlog" || fail "hlog legend"
grep -q '^0\.000,[0-9.]*,0\.010,HISTFAA' "$TMP/l.hlog" || fail "hlog interval line: $(cat "$TMP/l.hlog")"
grep -q '^Tag=uncorrected,0\.000,' "$TMP/l.hlog" || fail "hlog: --compare also logs the uncorrected"
lat --read-hlog "$TMP/l.hlog" >"$TMP/back.out" || fail "--read-hlog: exit $?"
for r in count p50 p90 p99 p99.9 p99.99 max; do
	[ "$(row "$TMP/back.out" "$r")" = "$(row "$TMP/direct.out" "$r" 1)" ] ||
		fail "--read-hlog $r: $(row "$TMP/back.out" "$r") vs $(row "$TMP/direct.out" "$r" 1)"
done
lat --read-hlog "$TMP/l.hlog" --tag uncorrected --output-unit ns >"$TMP/back2.out"
[ "$(row "$TMP/back2.out" p50)" = 5003 ] && [ "$(row "$TMP/back2.out" count)" = 10000 ] ||
	fail "--read-hlog --tag uncorrected: $(cat "$TMP/back2.out")"
head -2 "$TMP/l.hgrm" | grep -q '^ *Value *Percentile *TotalCount 1/(1-Percentile)$' ||
	fail "hgrm header: $(head -2 "$TMP/l.hgrm")"
# Default hgrm unit: ms (HdrHistogram's); max 10007 ns = 0.010 ms.
grep -q '^#\[Max     =        0\.010, Total count    =       495199\]$' "$TMP/l.hgrm" ||
	fail "hgrm footer: $(tail -3 "$TMP/l.hgrm")"
grep -q '^       0\.010 1\.000000000000     495199$' "$TMP/l.hgrm" || fail "hgrm 100% line"
pass "--hlog, --hgrm, --read-hlog"

# A truncated log: the line and the reason, exit 1.
head -c 400 "$TMP/l.hlog" >"$TMP/cut.hlog"
lat --read-hlog "$TMP/cut.hlog" >/dev/null 2>"$TMP/cut.err"
st=$?
[ "$st" = 1 ] || fail "truncated log: exit $st, want 1"
grep -qF "$TMP/cut.hlog:6: not a valid HdrHistogram interval log line: truncated base64" \
	"$TMP/cut.err" || fail "truncated log: $(cat "$TMP/cut.err")"
sed 's/^0\.000,\([0-9.]*\),0\.010,HISTFAA\(....\)/0.000,\1,0.010,HISTFAA\2AAAA/' \
	"$TMP/l.hlog" | grep -v Tag= >"$TMP/bad.hlog"
lat --read-hlog "$TMP/bad.hlog" >/dev/null 2>"$TMP/bad.err"
[ $? = 1 ] && grep -q 'bad.hlog:6: not a valid HdrHistogram interval log line' "$TMP/bad.err" ||
	fail "corrupt histogram: $(cat "$TMP/bad.err")"
lat --read-hlog "$TMP/nonexistent.hlog" 2>/dev/null
[ $? = 1 ] || fail "missing log: exit 1"
pass "corrupt logs"
