#!/bin/sh
# hwprof diff on two versions of a program (the mix workload given different
# work): the table, the folded lines and the outputs; bad input and exit codes.
. "$(dirname "$0")/lib.sh"
require_sampling
MIX=$WORKLOADS/mix
BEFORE="alpha=40 bravo=25 charlie=20 delta=8 foxtrot=7"
AFTER="alpha=40 bravo=25 charlie=30 delta=8 hotel=7"
# Some 2000 samples a side (rings large enough to lose none): the standard
# deviation of charlie's change of share is then about 1.3 points, and the
# 7 points it should grow by stay clear of the 3 checked below (with 600
# samples a side, one run in 20 fell short).
"$HWPROF" record -q -e cpu-clock -F 4999 -m 1024 -o "$TMP/base.pb.gz" -- "$MIX" 0.4 $BEFORE ||
	fail "record base exited $?"
"$HWPROF" record -q -e cpu-clock -F 4999 -m 1024 -o "$TMP/new.pb.gz" -- "$MIX" 0.4 $AFTER ||
	fail "record new exited $?"

# The table: charlie's share from 20% to 27%, foxtrot (7%) gone, hotel (6%) new;
# the others lose 2 to 4 points of share.
"$HWPROF" diff -n 0 --normalize share "$TMP/base.pb.gz" "$TMP/new.pb.gz" >"$TMP/table" 2>"$TMP/err" ||
	fail "diff exited $?: $(cat "$TMP/err")"
row() { awk -v n="$1" '$NF == n' "$TMP/table"; }
[ -n "$(row charlie)" ] || fail "no charlie row: $(cat "$TMP/table")"
row charlie | awk '{ d = $3; sub(/%/, "", d); exit !(d + 0 > 3) }' ||
	fail "charlie's share did not grow by 3 points: $(row charlie)"
row hotel | grep -q " new " || fail "hotel not marked new: $(row hotel)"
row foxtrot | grep -q -- "-100.0%" || fail "foxtrot not gone: $(row foxtrot)"
head -1 "$TMP/table" | grep -q "^BASE $TMP/base.pb.gz: .* cpu in [0-9]* samples" ||
	fail "no BASE line: $(head -3 "$TMP/table")"
# The rows by the size of the change: the three changed functions in the first
# four (alpha, which loses 3.6 points of share, may come among them).
[ "$(sed -n '6,9p' "$TMP/table" | awk '$NF ~ /^(charlie|hotel|foxtrot)$/' | wc -l)" -eq 3 ] ||
	fail "the three changed functions are not first: $(sed -n '5,10p' "$TMP/table")"
pass "table: charlie grew, hotel new, foxtrot gone, largest first"

# Folded: three columns, each stack once, BASE and NEW as recorded.
"$HWPROF" diff --folded "$TMP/base.pb.gz" "$TMP/new.pb.gz" >"$TMP/folded" 2>/dev/null || fail "--folded"
awk 'NF < 3 || $(NF-1) !~ /^[0-9]+$/ || $NF !~ /^[0-9]+$/ { bad++ } END { exit bad }' "$TMP/folded" ||
	fail "folded lines are not 'stack BASE NEW'"
grep -q ";main;run_hotel;hotel 0 [1-9][0-9]*$" "$TMP/folded" || fail "no hotel line with BASE 0"
grep -q ";main;run_foxtrot;foxtrot [1-9][0-9]* 0$" "$TMP/folded" || fail "no foxtrot line with NEW 0"
# A stack is all but the two counts (C++ names hold spaces).
[ "$(sed 's/ [0-9]* [0-9]*$//' "$TMP/folded" | sort | uniq -d | wc -l)" -eq 0 ] || fail "a stack twice"
base_sum=$(awk '{ s += $(NF-1) } END { print s }' "$TMP/folded")
folded "$TMP/base.pb.gz" >"$TMP/base.folded"
[ "$base_sum" = "$(awk '{ s += $NF } END { print s }' "$TMP/base.folded")" ] ||
	fail "folded BASE column sums to $base_sum, report --folded of BASE to another"
pass "folded: stack BASE NEW, totals as recorded"

# The outputs together; -o writes a differential pprof.
"$HWPROF" diff --svg "$TMP/d.svg" -o "$TMP/d.pb.gz" "$TMP/base.pb.gz" "$TMP/new.pb.gz" \
	>"$TMP/out" 2>"$TMP/err" || fail "--svg -o: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "--svg and -o alone print no table"
grep -q "Vanished since BASE" "$TMP/d.svg" || fail "svg without the vanished section"
if command -v xmllint >/dev/null; then
	xmllint --noout "$TMP/d.svg" || fail "svg is not well-formed XML"
fi
"$HWPROF" diff "$TMP/d.pb.gz" "$TMP/new.pb.gz" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "a differential profile" "$TMP/err" || fail "a differential profile compared again"
pass "--svg and -o"

# Bad input: exit 2, the file named.
expect2() { # expect2 WORDS ARGS...: exit 2 and WORDS on stderr
	words=$1
	shift
	"$HWPROF" diff "$@" >/dev/null 2>"$TMP/err"
	st=$?
	[ $st -eq 2 ] || fail "diff $*: exit $st, want 2"
	grep -q -- "$words" "$TMP/err" || fail "diff $*: no '$words' in: $(cat "$TMP/err")"
}
: >"$TMP/empty"
echo "not a profile" >"$TMP/junk"
expect2 "$TMP/empty: an empty file" "$TMP/empty" "$TMP/new.pb.gz"
expect2 "$TMP/missing.pb.gz: No such file" "$TMP/base.pb.gz" "$TMP/missing.pb.gz"
expect2 "$TMP/junk: not a pprof profile" "$TMP/junk" "$TMP/new.pb.gz"
expect2 "expected two profiles" "$TMP/base.pb.gz"
expect2 "expected none, share or time" --normalize rate "$TMP/base.pb.gz" "$TMP/new.pb.gz"
expect2 "no sample type 'wall' in both" -t wall "$TMP/base.pb.gz" "$TMP/new.pb.gz"
# Page faults and CPU time have no sample type in common (their plain sample
# counts count different events).
"$HWPROF" record -q -e page-faults -o "$TMP/pf.pb.gz" -- "$MIX" 0.05 alpha=1 ||
	fail "record page-faults exited $?"
expect2 "no sample type in common" "$TMP/pf.pb.gz" "$TMP/new.pb.gz"
pass "bad input: exit 2, named"

# Different sample types: the common one compared, the others named.
"$HWPROF" record -q --off-cpu -o "$TMP/off.pb.gz" -- "$MIX" 0.1 $AFTER 2>"$TMP/err" ||
	fail "record --off-cpu: $(cat "$TMP/err")"
"$HWPROF" diff "$TMP/base.pb.gz" "$TMP/off.pb.gz" >"$TMP/table" 2>"$TMP/err" ||
	fail "diff with an off-CPU profile exited $?: $(cat "$TMP/err")"
grep -q "comparing cpu; not in both: .*off-cpu (NEW only)" "$TMP/err" ||
	fail "the dropped type is not named: $(cat "$TMP/err")"
pass "different sample types: the common one compared, the dropped named"
