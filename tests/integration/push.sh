#!/bin/sh
# hwprof agent --push: a stand-in for Pyroscope's /ingest (tests/interop/
# receiver, which reads every body with Go's pprof parser) gets every
# interval with the right query, body and credentials.  A server that answers
# 500, or none at all: the agent keeps sampling and writing, counts what it
# retries and drops, keeps its memory, and exits 0 on SIGTERM.
. "$(dirname "$0")/lib.sh"
require_sampling
go_tool receiver

"$WORKLOADS/calltree" 60 &
tree=$!
recv=
trap 'kill $tree $recv 2>/dev/null; rm -rf "$TMP"' EXIT

# run_agent N URL DIR: the agent until it has written N profiles (however
# long a loaded machine takes, up to a minute), then SIGTERM.
run_agent() {
	mkdir -p "$3"
	HWPROF_PUSH_AUTH=test-token HWPROF_PUSH_TENANT=team-a "$HWPROF" agent -q -F 199 \
		-p $tree --interval 1s --push "$2" --dir "$3" --service app --label env=test \
		2>"$3.err" &
	a=$!
	wait_files "$3" "$1" $a
	kill -TERM $a
	wait $a || fail "agent exited $? after SIGTERM: $(cat "$3.err")"
}

"$TMP/receiver" -log "$TMP/ok.log" -portfile "$TMP/port" -timeout 60s &
recv=$!
wait_file "$TMP/port"
run_agent 3 "http://127.0.0.1:$(cat "$TMP/port")/" "$TMP/ok"
n=$(ls "$TMP/ok" | wc -l)
! grep -q '^bad' "$TMP/ok.log" || fail "the receiver refused a request: $(grep '^bad' "$TMP/ok.log")"
got=$(grep -c '^ok name=app{env=test} .* rate=199 spy=hwprof samples=[1-9]' "$TMP/ok.log")
[ "$got" -eq "$n" ] && [ "$n" -ge 3 ] ||
	fail "$n intervals written, $got pushed with the right query: $(cat "$TMP/ok.log")"
grep -q 'auth="Bearer test-token" tenant="team-a"' "$TMP/ok.log" ||
	fail "no bearer token or tenant: $(head -1 "$TMP/ok.log")"
grep -q "pushed $n, dropped 0, rejected 0" "$TMP/ok.err" || fail "summary: $(cat "$TMP/ok.err")"
pass "every interval ($n) pushed: name, from/until, format, sampleRate, spyName, valid gzipped pprof"
kill $recv
wait $recv 2>/dev/null

"$TMP/receiver" -log "$TMP/500.log" -portfile "$TMP/port500" -status 500 -timeout 60s &
recv=$!
wait_file "$TMP/port500"
run_agent 5 "http://127.0.0.1:$(cat "$TMP/port500")" "$TMP/s500"
grep -q '^refused 500' "$TMP/500.log" || fail "nothing reached the failing server"
n=$(ls "$TMP/s500" | wc -l)
[ "$n" -ge 5 ] || fail "the agent stopped writing while the server failed: $n profiles"
grep -q 'pushed 0, dropped [1-9][0-9]*, rejected 0, retried [1-9]' "$TMP/s500.err" ||
	fail "retries and drops not counted: $(cat "$TMP/s500.err")"
rss() { gunzip -c "$1" | grep -a -o 'RSS [0-9.]* MB' | head -1 | awk '{ print $2 }'; }
first=$(rss "$(ls "$TMP"/s500/*.pb.gz | sed -n 2p)")
last=$(rss "$(ls "$TMP"/s500/*.pb.gz | tail -1)")
within "$(awk -v a="$first" -v b="$last" 'BEGIN { print b - a }')" -1000 16 ||
	fail "RSS grew from $first MB to $last MB while the server failed"
pass "server answering 500: $n intervals written, retries and drops counted, RSS $first -> $last MB"
kill $recv
wait $recv 2>/dev/null
recv=

run_agent 2 "http://127.0.0.1:$(cat "$TMP/port500")" "$TMP/down"
n=$(ls "$TMP/down" | wc -l)
[ "$n" -ge 2 ] || fail "the agent stopped writing with no server: $n profiles"
grep -q "pushed 0, dropped [1-9].*last error: .*onnect" "$TMP/down.err" ||
	fail "drops or the connection error not reported: $(cat "$TMP/down.err")"
pass "no server at all: $n intervals written, drops counted, exit 0"
