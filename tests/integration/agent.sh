#!/bin/sh
# hwprof agent --dir: 1-second intervals give valid, contiguous profiles, each
# with its start, duration and the agent's overhead; together they match one
# recording of the same time within noise.  SIGTERM ends it with status 0.
. "$(dirname "$0")/lib.sh"
require_sampling
go_tool validate

"$WORKLOADS/calltree" 60 &
tree=$!
trap 'kill $tree 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/d"
wait_exec $tree "$WORKLOADS/calltree"
"$HWPROF" agent -F 499 -g -p $tree --interval 1s --dir "$TMP/d" --label env=test \
	2>"$TMP/agent.err" &
agent=$!
"$HWPROF" record -q -F 499 -g -p $tree --duration 3500ms -o "$TMP/one.pb.gz" 2>"$TMP/err" ||
	fail "record -p exited $?: $(cat "$TMP/err")"
kill -TERM $agent
wait $agent || fail "agent exited $? after SIGTERM: $(cat "$TMP/agent.err")"
pass "SIGTERM ends the agent with status 0"
n=$(ls "$TMP/d" | wc -l)
[ "$n" -ge 3 ] || fail "$n profiles for about 3.5 s of 1-second intervals: $(ls "$TMP/d")"
prev_end=
last=$(ls "$TMP"/d/hwprof-*.pb.gz | tail -1)
for f in "$TMP"/d/hwprof-*.pb.gz; do
	"$TMP/validate" "$f" >"$f.facts" 2>"$f.err" || fail "$f is not valid: $(cat "$f.err")"
	t=$(awk '/^time_nanos:/ { print $2 }' "$f.facts")
	d=$(awk '/^duration_nanos:/ { print $2 }' "$f.facts")
	[ "$d" -gt 0 ] || fail "$f: duration $d ns"
	# Aligned to the wall clock: each interval but the last (ended by
	# SIGTERM) reaches a whole second.  How far past it depends on the load.
	[ "$f" = "$last" ] || [ $(((t + d) / 1000000000)) -gt $((t / 1000000000)) ] ||
		fail "$f: $t + $d ns reaches no whole second"
	[ -z "$prev_end" ] || [ "$t" = "$prev_end" ] ||
		fail "$f starts at $t, the one before ended at $prev_end"
	prev_end=$((t + d))
	"$HWPROF" report --tags "$f" | grep -q '^env:' || fail "$f: no env label"
	gunzip -c "$f" | grep -a -q "agent overhead: [0-9]* samples, [0-9]* lost, own CPU" ||
		fail "$f: no overhead comment"
	folded "$f" >>"$TMP/sum.txt"
done
pass "$n valid profiles, each starting where the one before ended, ending past a whole second, labeled, with overhead"
folded "$TMP/one.pb.gz" >"$TMP/one.txt"
sum=$(awk '{ s += $NF } END { print s }' "$TMP/sum.txt")
one=$(awk '{ s += $NF } END { print s }' "$TMP/one.txt")
# Against each other, not the design: what the machine adds (the kernel's
# share on a loaded guest) falls on both.  Within 4 standard deviations of
# the difference of two shares, from the samples each has (ns at 499 Hz).
for leaf in leaf_a leaf_b leaf_c; do
	a=$(leaf_share "$TMP/sum.txt" $leaf)
	b=$(leaf_share "$TMP/one.txt" $leaf)
	awk -v a="$a" -v b="$b" -v n1="$sum" -v n2="$one" 'BEGIN {
		n1 *= 499 / 1e9; n2 *= 499 / 1e9; p = (a + b) / 200
		tol = 400 * sqrt(p * (1 - p) * (1 / n1 + 1 / n2)); d = a - b
		exit !(n1 > 0 && n2 > 0 && d <= tol && -d <= tol) }' ||
		fail "$leaf: ${a}% over the intervals, ${b}% in one recording"
done
within "$(awk -v a="$sum" -v b="$one" 'BEGIN { print a / b }')" 0.8 1.25 ||
	fail "the intervals hold $sum ns of samples, one recording of the same time $one"
pass "the intervals add up to one recording of the same time (leaf shares within noise)"

# --symbols: function names from symbol tables by default (no file or line),
# inlined frames and lines from DWARF with full.
for how in functions full; do
	mkdir "$TMP/s-$how"
	opt=
	[ $how = full ] && opt="--symbols full"
	# shellcheck disable=SC2086
	"$HWPROF" agent -q -F 499 -g -p $tree --interval 1s --dir "$TMP/s-$how" $opt 2>"$TMP/s.err" &
	agent=$!
	# Until the second interval, a whole second from boundary to boundary
	# (the first runs from the start to the next whole second: maybe 1 ms).
	wait_files "$TMP/s-$how" 2 $agent
	kill -TERM $agent
	wait $agent || fail "agent --symbols $how exited $?: $(cat "$TMP/s.err")"
	f=$(ls "$TMP"/s-$how/hwprof-*.pb.gz | sed -n 2p)
	[ -n "$f" ] || fail "agent --symbols $how: no second interval in a minute: $(cat "$TMP/s.err")"
	"$TMP/validate" "$f" >"$f.facts" 2>"$f.err" || fail "$f is not valid: $(cat "$f.err")"
	folded "$f" | grep -q 'main;mid_a;leaf_a' || fail "--symbols $how: no main;mid_a;leaf_a"
	lines=$(awk '/^lines_with_number:/ { print $2 }' "$f.facts")
	gunzip -c "$f" | grep -a -q "symbols: $how" || fail "--symbols $how: no comment saying so"
	if [ $how = functions ]; then
		[ "${lines:-1}" -eq 0 ] || fail "--symbols functions: $lines lines with a number"
	else
		[ "${lines:-0}" -gt 0 ] || fail "--symbols full: no line numbers"
	fi
done
pass "--symbols functions names functions without lines; full adds them"
"$HWPROF" agent --symbols bogus 2>"$TMP/b.err" && fail "--symbols bogus accepted"
grep -q 'expected functions or full' "$TMP/b.err" || fail "--symbols bogus: $(cat "$TMP/b.err")"
