#!/bin/sh
# record --off-cpu on lockfight (two threads fighting over one mutex held about
# 2 ms in contended_update): the futex waits are in state lock, and the --locks
# view and go tool pprof -tagfocus state=lock name contended_update as the caller
# of pthread_mutex_lock.  --call-graph dwarf: glibc has no frame pointers, and a
# frame-pointer walk from inside __lll_lock_wait skips contended_update.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q --off-cpu --call-graph dwarf -o "$TMP/p.pb.gz" -- "$WORKLOADS/lockfight" 1 \
	2>"$TMP/err.txt" || fail "record exited $?: $(cat "$TMP/err.txt")"
grep -q "no context-switch records" "$TMP/err.txt" && skip "$(cat "$TMP/err.txt")"
"$HWPROF" report --locks "$TMP/p.pb.gz" >"$TMP/locks.txt" || fail "report --locks failed"
row=$(grep "mutex_lock" "$TMP/locks.txt" | grep " contended_update$" | head -1)
[ -n "$row" ] || fail "no lock row for pthread_mutex_lock called from contended_update: $(cat "$TMP/locks.txt")"
wait_ms=$(echo "$row" | awk '{ print $1 }')
"$HWPROF" report --threads "$TMP/p.pb.gz" >"$TMP/threads.txt" || fail "report --threads failed"
# At most the fighters' whole lives (CPU + off-CPU: about 1 s each, longer
# if the machine stalls), at least a good part of them.
lives=$(awk '$2 ~ /^fighter-/ { s += $3 + $4 } END { print s + 0 }' "$TMP/threads.txt")
within "$wait_ms" 50 "$lives" || fail "contended_update waited $wait_ms ms, expected a good part of the fighters' $lives ms"
lock=$(awk '$2 ~ /^fighter-/ { s += $7 } END { print s + 0 }' "$TMP/threads.txt")
within "$lock" 50 "$lives" || fail "fighter threads: $lock ms in state lock of their $lives ms"
if command -v go >/dev/null 2>&1; then
	HOME=$TMP PPROF_TMPDIR=$TMP go tool pprof -sample_index=off-cpu -tagfocus state=lock -top \
		"$TMP/p.pb.gz" >"$TMP/pprof.txt" 2>&1 || fail "go tool pprof failed: $(cat "$TMP/pprof.txt")"
	grep -q "contended_update" "$TMP/pprof.txt" || fail "pprof -tagfocus state=lock: no contended_update"
fi
pass "contended_update waited $wait_ms ms for the mutex; fighters $lock ms in state lock"
