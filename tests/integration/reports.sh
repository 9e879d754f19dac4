#!/bin/sh
# Hostile profiles given to `hwprof report`, crafted with our own encoder
# (tests/workloads/craftprof): values that overflow a sum saturate, negative
# values are refused in one line unless the profile is a difference, and a gzip
# bomb is refused at the size cap without the memory to hold it.
. "$(dirname "$0")/lib.sh"
CRAFT="$WORKLOADS/craftprof"
MAX=9223372036854775807

"$CRAFT" huge "$TMP/huge.pb.gz" || fail "craftprof huge"
"$HWPROF" report "$TMP/huge.pb.gz" >"$TMP/top" 2>"$TMP/err" || fail "report of huge values: exit $?"
grep -q "^Total: $MAX events" "$TMP/top" || fail "top total not held at INT64_MAX: $(cat "$TMP/top")"
grep -q -- ' -[0-9]' "$TMP/top" && fail "a negative figure in the top table: $(cat "$TMP/top")"
"$HWPROF" report --folded "$TMP/huge.pb.gz" >"$TMP/folded" || fail "--folded: exit $?"
grep -qx "main;a $MAX" "$TMP/folded" || fail "folded sum not held at INT64_MAX: $(cat "$TMP/folded")"
"$HWPROF" report --tags "$TMP/huge.pb.gz" >"$TMP/tags" || fail "--tags: exit $?"
grep -q "thread: Total $MAX" "$TMP/tags" && ! grep -q -- '-[0-9]' "$TMP/tags" ||
	fail "tags not held at INT64_MAX: $(cat "$TMP/tags")"
"$HWPROF" report --svg "$TMP/huge.svg" "$TMP/huge.pb.gz" || fail "--svg: exit $?"
grep -q "($MAX events, 100.00%)" "$TMP/huge.svg" || fail "svg root not held at INT64_MAX"
pass "sums past INT64_MAX saturate in --top, --folded, --tags and --svg"

"$CRAFT" negative "$TMP/neg.pb.gz" || fail "craftprof negative"
"$HWPROF" report "$TMP/neg.pb.gz" >"$TMP/out" 2>"$TMP/err"
st=$?
[ "$st" -eq 1 ] || fail "negative value: exit $st, want 1"
[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "negative sample value" "$TMP/err" ||
	fail "negative value: want one line naming it, got: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "negative value: printed a report anyway"
"$CRAFT" diffbase "$TMP/diff.pb.gz" || fail "craftprof diffbase"
"$HWPROF" report --folded "$TMP/diff.pb.gz" >"$TMP/out" 2>"$TMP/err" ||
	fail "a difference profile (pprof::base=true): exit $?: $(cat "$TMP/err")"
grep -qx "main;a -5" "$TMP/out" || fail "difference profile: the base's -5 is missing: $(cat "$TMP/out")"
pass "negative values refused in one line (exit 1), except a difference profile's base"

# 1100 MiB of zeros in about 1 MB.
"$CRAFT" bomb 1100 "$TMP/bomb.pb.gz" || fail "craftprof bomb"
"$HWPROF" report --max-size 1x "$TMP/bomb.pb.gz" 2>"$TMP/err"
[ $? -eq 2 ] || fail "--max-size 1x: want exit 2"
"$HWPROF" report --max-size 16M "$TMP/bomb.pb.gz" 2>"$TMP/err"
st=$?
[ "$st" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "larger than the size limit" "$TMP/err" ||
	fail "--max-size 16M on a bomb: exit $st: $(cat "$TMP/err")"
"$HWPROF" report --max-size 16M "$TMP/huge.pb.gz" >/dev/null || fail "--max-size 16M on a small profile"
if command -v /usr/bin/time >/dev/null && /usr/bin/time -f %M true >/dev/null 2>&1; then
	/usr/bin/time -o "$TMP/rss" -f %M "$HWPROF" report "$TMP/bomb.pb.gz" 2>"$TMP/err"
	st=$?
	grep -q "larger than the size limit" "$TMP/err" || fail "default cap: $(cat "$TMP/err")"
	rss=$(tail -1 "$TMP/rss")
	[ "$rss" -lt 262144 ] || fail "the bomb took $rss KiB to refuse (the cap is 1 GiB)"
	pass "a gzip bomb past the default 1 GiB cap is refused with a peak RSS of $rss KiB"
else
	"$HWPROF" report "$TMP/bomb.pb.gz" 2>"$TMP/err"
	grep -q "larger than the size limit" "$TMP/err" || fail "default cap: $(cat "$TMP/err")"
	pass "a gzip bomb past the default 1 GiB cap is refused (no GNU time here to measure memory)"
fi
pass "--max-size: a bomb refused in one line (exit 1), a bad size a usage error (exit 2)"
