#!/bin/sh
# Recursion deeper than the stack copy: the walks stop at the copy's end, the
# truncation is reported, and what is there is right: above work, only
# recurse frames (up to _start;...;main when a walk is complete).
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -e cpu-clock -F 999 --call-graph dwarf,8192 -o "$TMP/p.pb.gz" \
	-- "$WORKLOADS/deeprec" 2 1000 2>"$TMP/err" || fail "record exited $? ($(cat "$TMP/err"))"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
line=$(grep '^hwprof: dwarf unwinding: ' "$TMP/err") || fail "no unwinding line on stderr: $(cat "$TMP/err")"
cut=$(echo "$line" | sed -n 's/.*stack copy cut at 8192 bytes in \([0-9.]*\)%.*/\1/p')
partial=$(echo "$line" | sed -n 's/.*stopped before the outermost frame in \([0-9.]*\)%.*/\1/p')
within "${cut:-0}" 80 100 || fail "stack copies cut in ${cut}% only: $line"
within "${partial:-0}" 80 100 || fail "walks stopped early in ${partial}% only: $line"
echo "$line" | grep -q 'try --call-graph dwarf,32768' || fail "no advice for a larger SIZE: $line"
pass "truncation reported: $line"
gzip -dc "$TMP/p.pb.gz" | grep -a -q 'stopped before the outermost frame in [89][0-9.]*%\|in 100.0%' ||
	fail "truncation not in the profile's comments"
# Every stack whose leaf is work: recurse frames only, optionally under the
# complete root chain.  Anything else is a wrong frame.
bad=$(awk '{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); if (f[n] != "work") next; t += v
	i = 1; if (f[1] == "_start") { while (i < n && f[i] != "main") i++; i++ }
	for (; i < n; i++) if (f[i] != "recurse") { b += v; print "bad: " $0 > "/dev/stderr"; break }
	} END { printf "%d %d\n", b + 0, t + 0 }' "$TMP/f.txt" 2>"$TMP/bad")
b=${bad% *} t=${bad#* }
[ "$t" -gt 0 ] || fail "no samples in work"
[ "$b" -eq 0 ] || fail "stacks with foreign frames above work: $(head -3 "$TMP/bad")"
depth=$(awk '{ n = split($1, f, ";"); if (f[n] == "work" && n > m) m = n } END { print m + 0 }' "$TMP/f.txt")
within "$depth" 10 1000 || fail "deepest work stack only $depth frames"
pass "work's stacks: only recurse frames above it (up to $depth frames)"
