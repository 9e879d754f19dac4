#!/bin/sh
# A binary without symbols shows module+0xoffset frames, never a crash or a blank.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/nosyms" 1 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
grep -q "nosyms+0x[0-9a-f]" "$TMP/f.txt" || fail "no nosyms+0x... frame: $(head -3 "$TMP/f.txt")"
grep -q ";;" "$TMP/f.txt" && fail "blank frame name"
pass "stripped binary named module+offset"
