#!/bin/sh
# When the kernel drops samples (a one-page ring that hwprof, stopped for half
# a second, does not read while two busy threads are sampled), hwprof says so
# on stderr, records the same count in the profile's comments ("lost samples:
# N"), exits 0 and writes a readable profile.
. "$(dirname "$0")/lib.sh"
require_sampling

# comments FILE: the profile's comments, one per line.
comments() {
	if command -v go >/dev/null 2>&1; then
		go tool pprof -raw -symbolize=none "$1" 2>"$TMP/raw.err" | sed -n 's/^Comment: //p'
	else
		# Without go, the comment's text still sits in the string table.
		gzip -dc "$1" | tr -c '[:print:]' '\n' | grep -a 'lost samples: '
	fi
}

# A stopped reader rather than a high rate: a period short enough to overrun a
# reader that runs floods a small guest with timer interrupts (its watchdog
# saw CPUs stuck for tens of seconds) and starves whatever runs beside it.
lost=
for attempt in 1 2 3; do
	"$HWPROF" record -q -e cpu-clock -F 999 -m 1 -o "$TMP/p.pb.gz" -- "$WORKLOADS/threads" 2 \
		2>"$TMP/err" &
	hw=$!
	sleep 0.5
	kill -STOP "$hw"
	sleep 0.5
	kill -CONT "$hw"
	wait "$hw"
	rc=$?
	[ "$rc" -eq 0 ] || { cat "$TMP/err"; fail "attempt $attempt: record exited $rc despite lost samples"; }
	lost=$(sed -n 's/^hwprof: lost \([0-9][0-9]*\) samples.*/\1/p' "$TMP/err")
	[ -n "$lost" ] && [ "$lost" -gt 0 ] && break
	echo "# attempt $attempt: no samples lost"
	lost=
done
[ -n "$lost" ] || fail "no lost samples in 3 attempts (-m 1, hwprof stopped for 0.5 s)"
pass "stderr: lost $lost samples ($(cat "$TMP/err"))"

comments "$TMP/p.pb.gz" >"$TMP/comments.txt"
got=$(sed -n 's/.*lost samples: \([0-9][0-9]*\).*/\1/p' "$TMP/comments.txt" | head -1)
[ -n "$got" ] || { cat "$TMP/comments.txt" "$TMP/raw.err" 2>/dev/null; fail "no 'lost samples: N' in the profile's comments"; }
[ "$got" = "$lost" ] || fail "profile comment says lost samples: $got, stderr said $lost"
pass "profile comment: lost samples: $got"

# Still a good profile of what was kept: whole stacks of the busy threads (one
# of the two is enough: the machine may have run only one for a while), none
# of them another thread's.
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed on the lossy profile"
present=
for fn in work_one work_two; do
	! grep -q "thread_${fn#work_};$fn " "$TMP/f.txt" || present="$present thread_${fn#work_};$fn"
done
[ -n "$present" ] || { head -20 "$TMP/f.txt"; fail "no stack thread_one;work_one or thread_two;work_two in the lossy profile"; }
! grep -E 'thread_one;work_two|thread_two;work_one' "$TMP/f.txt" || fail "a stack mixes up the two threads"
kept=$(sed -n 's/.*samples: \([0-9][0-9]*\); lost.*/\1/p' "$TMP/comments.txt" | head -1)
[ -n "$kept" ] && [ "$kept" -gt 0 ] || fail "the profile's comments report no samples kept"
pass "readable profile: $kept samples kept, stacks$present"
