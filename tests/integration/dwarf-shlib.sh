#!/bin/sh
# A hot path through glibc, which has no frame pointers: main -> sorter ->
# qsort -> ... -> cmp.  DWARF unwinding keeps main;sorter above qsort's frames;
# a frame-pointer walk loses them (shown, not asserted: it depends on glibc).
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 --call-graph dwarf -o "$TMP/p.pb.gz" \
	-- "$WORKLOADS/sorter" 2 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
share=$(leaf_share "$TMP/f.txt" cmp)
within "$share" 50 100 || fail "cmp is the leaf of only ${share}% of samples"
# cmp's samples whose stack is main;sorter;<glibc's qsort frames>;cmp.
got=$(awk '{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); if (f[n] != "cmp") next; t += v
	for (i = 1; i < n - 1; i++) if (f[i] == "main" && f[i + 1] == "sorter") break
	if (i < n - 1 && (f[i + 2] ~ /qsort/)) s += v }
	END { printf "%.1f\n", t ? 100 * s / t : 0 }' "$TMP/f.txt")
within "$got" 95 100 || fail "only ${got}% of cmp's samples show main;sorter;qsort...;cmp"
pass "cmp ${share}% of samples, ${got}% of them under main;sorter;qsort"
"$HWPROF" record -q -e cpu-clock -F 999 -g -o "$TMP/fp.pb.gz" -- "$WORKLOADS/sorter" 1 ||
	fail "record -g exited $?"
fp=$(folded "$TMP/fp.pb.gz" | awk '{ v = $NF; n = split($1, f, ";"); if (f[n] != "cmp") next; t += v
	if ($0 ~ /main;sorter;/) s += v } END { printf "%.1f\n", t ? 100 * s / t : 0 }')
pass "for comparison, frame pointers: ${fp}% of cmp's samples under main;sorter"
