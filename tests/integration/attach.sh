#!/bin/sh
# record -p: attached to a call tree already running, the designed 60/30/10
# split within 5 points; the target runs on afterwards; a thread created after
# attaching is profiled too.
. "$(dirname "$0")/lib.sh"
require_sampling

"$WORKLOADS/calltree" 60 &
tree=$!
trap 'kill $tree $late 2>/dev/null; rm -rf "$TMP"' EXIT
late=
wait_exec $tree "$WORKLOADS/calltree"
"$HWPROF" record -q -F 999 -g -p $tree --duration 3s -o "$TMP/p.pb.gz" 2>"$TMP/err" ||
	fail "record -p exited $?: $(cat "$TMP/err")"
kill -0 $tree 2>/dev/null || fail "the target did not survive hwprof leaving"
pass "the target still runs after recording"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
check_calltree "$TMP/f.txt"
"$HWPROF" report --tags "$TMP/p.pb.gz" >"$TMP/tags" || fail "report --tags failed"
grep -q "): calltree$" "$TMP/tags" || fail "no process label calltree: $(cat "$TMP/tags")"
pass "samples carry the process label"
kill $tree

# A thread that starts after attaching (its creator's event is inherited).
"$WORKLOADS/latethread" 1 "$TMP/late.pid" &
late=$!
wait_file "$TMP/late.pid"
"$HWPROF" record -q -F 499 -g -p $late --duration 4s -o "$TMP/t.pb.gz" 2>"$TMP/err" &
rec=$!
sleep 1
kill -USR1 $late
wait $rec || fail "record -p exited $?: $(cat "$TMP/err")"
folded "$TMP/t.pb.gz" >"$TMP/t.txt"
share=$(leaf_share "$TMP/t.txt" late_work)
within "$share" 80 100 || fail "late_work: ${share}% of samples; stacks: $(cat "$TMP/t.txt")"
"$HWPROF" report --tags "$TMP/t.pb.gz" >"$TMP/ttags"
others=$(awk -v main=$late '/^[a-z_]+:/ { sec = $1; next }
	sec == "tid:" && $NF != main { print $NF }' "$TMP/ttags")
[ -n "$others" ] || fail "no samples under the new thread's tid: $(cat "$TMP/ttags")"
pass "a thread created after attaching: ${share}% of samples in late_work, under its own tid"

# Children forked after attaching (a shell that starts two spinners once
# hwprof says it is attached): followed by inheritance, each under its pid.
printf 'while [ ! -e "%s" ]; do sleep 0.05; done\n"%s" & "%s" & wait\n' "$TMP/go" \
	"$WORKLOADS/spinner" "$WORKLOADS/spinner" >"$TMP/parent.sh"
sh "$TMP/parent.sh" &
parent=$!
late="$late $parent"
# Its spinners too, should the test end early: killing the shell leaves them.
trap 'kill $(pgrep -P $parent) $tree $late 2>/dev/null; rm -rf "$TMP"' EXIT
"$HWPROF" record -F 499 -g -p $parent --duration 2s -o "$TMP/c.pb.gz" 2>"$TMP/err" &
rec=$!
n=0
until grep -q "attached to" "$TMP/err" || [ $n -ge 600 ]; do sleep 0.1; n=$((n + 1)); done
touch "$TMP/go"
wait $rec || fail "record -p exited $?: $(cat "$TMP/err")"
kill $(pgrep -P $parent) 2>/dev/null
"$HWPROF" report --tags "$TMP/c.pb.gz" >"$TMP/ctags"
kids=$(awk '/^[a-z_]+:/ { sec = $1; next } sec == "pid:" { print $NF }' "$TMP/ctags" | grep -v "^$parent\$" | wc -l)
grep -q "): spinner$" "$TMP/ctags" && [ "$kids" -ge 2 ] ||
	fail "the children forked after attaching are missing: $(cat "$TMP/ctags")"
pass "two children forked after attaching: profiled, under their own pids"
