#!/bin/sh
# hwprof gate on runs of two versions of a program (the mix workload given
# different work): 8 runs of the same version pass; a function grown 30% and
# a new function in the top 5 fail and are named in the Markdown, the JUnit
# XML and the JSON; counters from stat --json; bad input exits 2.
. "$(dirname "$0")/lib.sh"
require_sampling
MIX=$WORKLOADS/mix
BEFORE="alpha=40 bravo=25 charlie=20 delta=8 echo=4 foxtrot=3"
# record NAME I WORK...: $TMP/NAME-I.pb.gz, 0.5 s of CPU at 9999 Hz (some
# 5000 samples: echo's 4% holds some 200, so that the same version's medians
# rarely differ by 15% by chance), with rings large enough to lose none while
# hwprof starts.  User time only: the kernel's share (a VM's
# interrupts, 3 to 5% here) would contend for the fifth place with echo.
record() {
	out=$TMP/$1-$2.pb.gz
	shift 2
	"$HWPROF" record -q -e cpu-clock:u -F 9999 -m 1024 -o "$out" -- "$MIX" 0.5 "$@" ||
		fail "record $out exited $?"
}
# The versions' runs alternate, as the runbook says, so that a change in the
# machine's load (the kernel's share under interrupts) falls on both sides.
i=1
while [ "$i" -le 8 ]; do
	record base "$i" $BEFORE
	record same "$i" $BEFORE
	if [ "$i" -le 5 ]; then
		record grown "$i" alpha=40 bravo=25 charlie=26 delta=8 echo=4 foxtrot=3
		record fresh "$i" $BEFORE hotel=10
	fi
	i=$((i + 1))
done

"$HWPROF" gate --base "$TMP"/base-*.pb.gz --new "$TMP"/same-*.pb.gz >"$TMP/same.txt" 2>"$TMP/err"
st=$?
[ $st -eq 0 ] || fail "same version: exit $st: $(cat "$TMP/same.txt" "$TMP/err")"
grep -q "^hwprof gate: PASS" "$TMP/same.txt" || fail "same version: no PASS line: $(cat "$TMP/same.txt")"
pass "8 runs against 8 of the same version pass"

"$HWPROF" gate --base "$TMP"/base-*.pb.gz --new "$TMP"/grown-*.pb.gz --markdown "$TMP/grown.md" \
	--junit "$TMP/grown.xml" >"$TMP/grown.txt" 2>"$TMP/err"
st=$?
[ $st -eq 1 ] || fail "charlie grown 30%: exit $st, want 1: $(cat "$TMP/grown.txt" "$TMP/err")"
grep -q '^| `charlie` | .* | \*\*FAIL\*\*: grew more than 15% in the top 5 |$' "$TMP/grown.md" ||
	fail "the Markdown does not name charlie as failed: $(cat "$TMP/grown.md")"
grep -q "^### hwprof gate: FAIL: 1 regression" "$TMP/grown.md" || fail "the Markdown's verdict: $(cat "$TMP/grown.md")"
grep -q '<testcase classname="hwprof.gate" name="charlie"><failure message="grew more than 15% in the top 5">' \
	"$TMP/grown.xml" || fail "the JUnit XML does not fail charlie"
if command -v xmllint >/dev/null; then
	xmllint --noout "$TMP/grown.xml" || fail "the JUnit XML is not well-formed"
fi
pass "charlie grown 30%: fails, named in the Markdown and the JUnit XML"

"$HWPROF" gate --json --base "$TMP"/base-*.pb.gz --new "$TMP"/fresh-*.pb.gz --markdown "$TMP/fresh.md" \
	>"$TMP/fresh.json" 2>"$TMP/err"
st=$?
[ $st -eq 1 ] || fail "hotel new: exit $st, want 1: $(cat "$TMP/fresh.json" "$TMP/err")"
grep -q '^| `hotel` | 0.00% | .* | new | .* | \*\*FAIL\*\*: entered the top 5 |$' "$TMP/fresh.md" ||
	fail "the Markdown does not name hotel as entering the top 5: $(cat "$TMP/fresh.md")"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq -r '.verdict' "$TMP/fresh.json")" = fail ] || fail "json verdict: $(cat "$TMP/fresh.json")"
	[ "$(jq -r '[.rows[] | select(.fail) | .name] | join(",")' "$TMP/fresh.json")" = hotel ] ||
		fail "json: the failed rows are not just hotel: $(cat "$TMP/fresh.json")"
fi
pass "hotel entering the top 5: fails, named"

# Counters: stat's JSON from real runs (the gate runs on them), then two
# written by hand: instructions up 30% fails, task-clock within its noise passes.
"$HWPROF" stat -r 3 --json -o "$TMP/s1.json" -e task-clock,page-faults -- "$MIX" 0.02 alpha=1 2>/dev/null ||
	fail "stat -r 3 --json"
"$HWPROF" stat -r 3 --json -o "$TMP/s2.json" -e task-clock,page-faults -- "$MIX" 0.02 alpha=1 2>/dev/null ||
	fail "stat -r 3 --json"
"$HWPROF" gate --stat "$TMP/s1.json" "$TMP/s2.json" >"$TMP/stat.txt" 2>"$TMP/err"
st=$?
[ $st -le 1 ] || fail "gate --stat on stat's own output: exit $st: $(cat "$TMP/err")"
grep -q "task-clock" "$TMP/stat.txt" && grep -q "page-faults" "$TMP/stat.txt" ||
	fail "gate --stat: events missing: $(cat "$TMP/stat.txt")"
stat_json() { # stat_json FILE INSTRUCTIONS...: a 5-run document
	printf '{"runs": 5, "events": [{"name": "instructions", "supported": true, "values": [%s]},
	 {"name": "task-clock", "supported": true, "values": [5.1, 5.3, 4.9, 5.0, 5.2]}]}\n' "$2" >"$1"
}
stat_json "$TMP/b.json" "1000000, 1000100, 999900, 1000200, 1000050"
stat_json "$TMP/n.json" "1300000, 1300100, 1299900, 1300200, 1300050"
"$HWPROF" gate --stat "$TMP/b.json" "$TMP/n.json" --markdown "$TMP/stat.md" >"$TMP/stat.txt" 2>"$TMP/err"
st=$?
[ $st -eq 1 ] || fail "instructions +30%: exit $st, want 1: $(cat "$TMP/stat.txt" "$TMP/err")"
grep -q '^| `instructions` | .* | \*\*FAIL\*\*: grew more than 15% |$' "$TMP/stat.md" ||
	fail "gate --stat: instructions not failed: $(cat "$TMP/stat.md")"
grep -q '^| `task-clock` | .* | ok: no significant change |$' "$TMP/stat.md" ||
	fail "gate --stat: task-clock not passed: $(cat "$TMP/stat.md")"
pass "gate --stat: instructions +30% fails, task-clock passes"

# Bad input: exit 2 and the reason.
expect2() { # expect2 WORDS ARGS...
	words=$1
	shift
	"$HWPROF" gate "$@" >/dev/null 2>"$TMP/err"
	st=$?
	[ $st -eq 2 ] || fail "gate $*: exit $st, want 2 ($(cat "$TMP/err"))"
	grep -q -- "$words" "$TMP/err" || fail "gate $*: no '$words' in: $(cat "$TMP/err")"
}
: >"$TMP/empty.pb.gz"
expect2 "the test needs at least 2 runs a side" --base "$TMP/base-1.pb.gz" --new "$TMP"/same-*.pb.gz
expect2 "$TMP/empty.pb.gz: an empty file" --base "$TMP"/base-*.pb.gz "$TMP/empty.pb.gz" --new "$TMP"/same-*.pb.gz
expect2 "$TMP/none.pb.gz: No such file" --base "$TMP"/base-*.pb.gz --new "$TMP"/same-*.pb.gz "$TMP/none.pb.gz"
"$HWPROF" record -q -e page-faults -o "$TMP/pf.pb.gz" -- "$MIX" 0.05 alpha=1 || fail "record page-faults"
expect2 "$TMP/pf.pb.gz: no sample type cpu (nanoseconds)" --base "$TMP"/base-*.pb.gz --new "$TMP"/same-*.pb.gz "$TMP/pf.pb.gz"
"$HWPROF" stat -r 1 --json -o "$TMP/one.json" -e task-clock -- true 2>/dev/null || fail "stat -r 1 --json"
expect2 "the test needs at least 2 a side" --stat "$TMP/one.json" "$TMP/s1.json"
expect2 "not JSON" --stat "$TMP/base-1.pb.gz" "$TMP/s1.json"
expect2 "expected a number from" --alpha 2 --base "$TMP"/base-*.pb.gz --new "$TMP"/same-*.pb.gz
pass "bad input: exit 2 with the reason"
