#!/bin/sh
# Frames in the program's vDSO are named (from hwprof's own copy of it), not
# left as [vdso]+0xOFFSET.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/clockloop" 1 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
# The leaf frame: a vDSO function (the stack above it holds libc's wrapper).
named=$(awk '{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); t += v
	if (f[n] ~ /^__vdso_|^do_hres|^vread/) s += v }
	END { printf "%.1f", t ? 100 * s / t : 0 }' "$TMP/f.txt")
within "$named" 30 100 || fail "only ${named}% of samples in a named vDSO clock function: $(head -3 "$TMP/f.txt")"
unnamed=$(awk '/\[vdso\]\+0x/ { v = $NF; s += v } { t += $NF } END { printf "%.1f", t ? 100 * s / t : 0 }' "$TMP/f.txt")
within "$unnamed" 0 5 || fail "${unnamed}% of samples in unnamed [vdso] frames"
grep -q "read_clocks" "$TMP/f.txt" || fail "the caller read_clocks is missing"
pass "${named}% in named vDSO functions, ${unnamed}% unnamed"
