#!/bin/sh
# spancorrupt.sh - a program that writes over its own span channel (the
# spancorrupt workload: zeros, 0xff, random bytes, a random first page, bit
# flips while it marks spans) costs the records it spoiled, never the run:
# hwprof exits with the program's status, the profile reads back, and one
# line says "span channel of PID corrupted: N records dropped".  Untouched
# (none) or refused (shrink: the channel is sealed at its size), no line.
. "${TESTS_SRCDIR:-$(dirname "$0")/..}/integration/lib.sh"
PROG="$WORKLOADS/spancorrupt"
[ -x "$PROG" ] || skip "tests/workloads/spancorrupt not built"
require_sampling

for mode in none shrink zeros ones random firstpage flips; do
	"$HWPROF" record -q -e cpu-clock -F 499 -o "$TMP/$mode.pb.gz" -- "$PROG" $mode 3 \
		>"$TMP/$mode.out" 2>"$TMP/$mode.err"
	rc=$?
	[ $rc -eq 77 ] && skip "$(cat "$TMP/$mode.out")"
	[ $rc -eq 3 ] || fail "$mode: hwprof exited $rc, the program's status is 3: $(cat "$TMP/$mode.err")"
	"$HWPROF" report --top "$TMP/$mode.pb.gz" >"$TMP/$mode.top" 2>&1 ||
		fail "$mode: the profile does not read back: $(cat "$TMP/$mode.top")"
	pid=$(sed -n 's/^spancorrupt: pid \([0-9]*\),.*/\1/p' "$TMP/$mode.out")
	[ -n "$pid" ] || fail "$mode: the program did not finish: $(cat "$TMP/$mode.out")"
	lines=$(grep -c "corrupted" "$TMP/$mode.err")
	case $mode in
	none | shrink)
		[ "$lines" -eq 0 ] || fail "$mode: a channel nobody spoiled reported: $(cat "$TMP/$mode.err")"
		;;
	*)
		[ "$lines" -eq 1 ] && grep -Eq "^hwprof: span channel of $pid corrupted: [0-9]+ records dropped\$" \
			"$TMP/$mode.err" || fail "$mode: want one line for pid $pid: $(cat "$TMP/$mode.err")"
		;;
	esac
	[ $mode = shrink ] && { grep -q "truncate refused" "$TMP/$mode.out" ||
		fail "shrink: the program truncated the channel: $(cat "$TMP/$mode.out")"; }
	pass "$mode: exit 3, profile read back; $(grep corrupted "$TMP/$mode.err" || echo "no line")"
done
