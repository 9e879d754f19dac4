#!/bin/sh
# Ctrl-C (SIGINT) or SIGTERM to hwprof reaches CMD, and the profile is still written.
. "$(dirname "$0")/lib.sh"
require_sampling
for spec in INT:2 TERM:15; do
	sig=${spec%:*} num=${spec#*:}
	rm -f "$TMP/pid"
	# A background job of a script starts with SIGINT ignored, and CMD would
	# inherit that: give both the default disposition, as a terminal would.
	env --default-signal=INT,TERM "$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/spinner" "$TMP/pid" &
	hw=$!
	i=0
	while [ ! -s "$TMP/pid" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$TMP/pid" ] || fail "spinner did not start"
	sleep 0.5
	kill -$sig $hw
	i=0
	while kill -0 $hw 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $hw 2>/dev/null; then
		kill -KILL "$(cat "$TMP/pid")" $hw
		fail "SIG$sig: hwprof still running a minute later"
	fi
	wait $hw
	st=$?
	want=$((128 + num))
	[ "$st" -eq "$want" ] || fail "SIG$sig: exit status $st, want $want"
	kill -0 "$(cat "$TMP/pid")" 2>/dev/null && fail "SIG$sig: spinner still running"
	folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "SIG$sig: profile unreadable"
	grep -q "spin_forever" "$TMP/f.txt" || fail "SIG$sig: spin_forever missing"
	pass "SIG$sig forwarded, exit $st, profile written"
done
