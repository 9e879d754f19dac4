#!/bin/sh
# --folded and --svg from record, and the same from report on the saved profile.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -o "$TMP/p.pb.gz" --folded "$TMP/r.folded" --svg "$TMP/r.svg" \
	-- "$WORKLOADS/calltree" 1 || fail "record exited $?"
[ -s "$TMP/r.folded" ] || fail "no folded output"
grep -q "^.*main;mid_a;leaf_a [0-9][0-9]*$" "$TMP/r.folded" || fail "folded lacks main;mid_a;leaf_a"
grep -q "<svg" "$TMP/r.svg" || fail "svg is not an SVG"
grep -q "leaf_a" "$TMP/r.svg" || fail "svg lacks leaf_a"
if command -v xmllint >/dev/null; then
	xmllint --noout "$TMP/r.svg" || fail "svg is not well-formed XML"
fi
"$HWPROF" report --svg "$TMP/p.svg" "$TMP/p.pb.gz" || fail "report --svg failed"
grep -q "leaf_b" "$TMP/p.svg" || fail "report svg lacks leaf_b"
"$HWPROF" report "$TMP/p.pb.gz" >"$TMP/top.txt" || fail "report failed"
head -20 "$TMP/top.txt" | grep -q "leaf_a" || fail "top table lacks leaf_a: $(cat "$TMP/top.txt")"
"$HWPROF" report --folded "$TMP/p.pb.gz" | sort >"$TMP/p.folded"
sort "$TMP/r.folded" | cmp -s - "$TMP/p.folded" || fail "record --folded and report --folded differ"
pass "folded, svg, top"
