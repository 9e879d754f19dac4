#!/bin/sh
# attach-spans.sh - the span channel a libhwprof program publishes when it
# runs without hwprof (the spanserve workload): nothing is written into it
# while no hwprof reads it; record -p joins it and labels the samples with the
# spans and with a thread label set long before; a second hwprof is told the
# channel is taken and records without spans; an hwprof killed with SIGKILL
# lets the program go quiet again and a new one join; a program without a
# channel (HWPROF_SPANS_PUBLISH=0) or with a spoiled one (bytes over its
# header, a wrong size, an unsealed file of its name) costs one line at most,
# never the profile.  record -p A,B writes both processes' latencies.  The
# agent joins the channel of its -p process, and with -a (as record -a does)
# the channel of a process started after it; record -a keeps the latencies
# of one that exited before the end.
. "$(dirname "$0")/lib.sh"
span_channels_alone "$@"
PROG="$WORKLOADS/spanserve"
[ -x "$PROG" ] || skip "tests/workloads/spanserve not built"
require_sampling

pids=
trap 'kill $pids 2>/dev/null; rm -rf "$TMP"' EXIT

# ready FILE: until spanserve says in FILE that it is ready (at most a minute).
ready() {
	n=0
	until grep -qs "ready" "$1" || [ $n -ge 1200 ]; do sleep 0.05; n=$((n + 1)); done
	grep -qs "ready" "$1"
}

# start NAME MODE [ENV=VALUE]: spanserve in the background, $srv its pid,
# once it said it is ready.
start() {
	env ${3:-HWPROF_UNUSED=1} "$PROG" 60 "$2" >"$TMP/$1.out" 2>&1 &
	srv=$!
	pids="$pids $srv"
	ready "$TMP/$1.out" || fail "$1: spanserve did not start: $(cat "$TMP/$1.out")"
}

# wait_active NAME VALUE FROM: a status line active=VALUE after line FROM
# of NAME's output, within a minute.
wait_active() {
	n=0
	until tail -n +"$(($3 + 1))" "$TMP/$1.out" | grep -q "active=$2 " || [ $n -ge 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	tail -n +"$(($3 + 1))" "$TMP/$1.out" | grep -q "active=$2 "
}

lines() { wc -l <"$TMP/$1.out"; }

# record NAME PID DUR: record -p into $TMP/NAME.pb.gz, stderr in NAME.err.
record() {
	"$HWPROF" record -e cpu-clock -F 499 -p "$2" --duration "$3" -o "$TMP/$1.pb.gz" \
		2>"$TMP/$1.err"
}

# has_spans NAME: the profile's samples carry span=request and tenant=acme.
has_spans() {
	"$HWPROF" report --tags "$TMP/$1.pb.gz" >"$TMP/$1.tags" 2>&1 &&
		awk '/^[a-z_]+:/ { sec = $1; next }
			sec == "span:" && $NF == "request" { s = 1 }
			sec == "tenant:" && $NF == "acme" { t = 1 }
			END { exit !(s && t) }' "$TMP/$1.tags"
}

# agent NAME ARGS...: the agent with 1-second intervals into $TMP/NAME/,
# its pid in $agent.
agent() {
	name=$1
	shift
	mkdir -p "$TMP/$name"
	"$HWPROF" agent -e cpu-clock -F 199 --interval 1s --dir "$TMP/$name" "$@" 2>"$TMP/$name.err" &
	agent=$!
	pids="$pids $agent"
}

# agent_spans NAME: how many of the agent's profiles have span and tenant labels.
agent_spans() {
	k=0
	for f in "$TMP/$1"/*.pb.gz; do
		cp "$f" "$TMP/one.pb.gz"
		has_spans one && k=$((k + 1))
	done
	echo $k
}

no_spans() {
	"$HWPROF" report --tags "$TMP/$1.pb.gz" >"$TMP/$1.tags" 2>&1 &&
		! grep -q "^span:" "$TMP/$1.tags"
}

# Published, and untouched while nobody reads it: its rings get no page.
start idle ok
ls -l /proc/$srv/fd | grep -q "memfd:hwprof-spans" || fail "no hwprof-spans memfd among /proc/$srv/fd"
sleep 0.3
rss=$(awk '/hwprof-spans/ { m = 1; next } m && /^Rss:/ { print $2; exit }' /proc/$srv/smaps)
[ -n "$rss" ] && [ "$rss" -le 8 ] || fail "nothing attached, yet ${rss:-?} kB of the channel in memory"
wait_active idle 0 0 || fail "a reader without hwprof: $(tail -3 "$TMP/idle.out")"
pass "published: an hwprof-spans memfd, ${rss} kB of it touched while nobody reads it"

# Joined by record -p: spans, the label set before, the histograms.
record join $srv 1.5s || fail "record -p exited $?: $(cat "$TMP/join.err")"
grep -q "span channel" "$TMP/join.err" && fail "a line about a good channel: $(cat "$TMP/join.err")"
has_spans join || fail "no span=request and tenant=acme labels: $(grep -A3 "^span:\\|^tenant:" "$TMP/join.tags")"
"$HWPROF" report --spans "$TMP/join.pb.gz" >"$TMP/join.spans" || fail "report --spans: exit $?"
awk '$1 == "request" && $2 > 0 { ok = 1 } END { exit !ok }' "$TMP/join.spans" ||
	fail "no request latencies: $(cat "$TMP/join.spans")"
wait_active idle 0 "$(lines idle)" || fail "still read after hwprof left: $(tail -3 "$TMP/idle.out")"
kill -0 $srv || fail "the program did not survive"
pass "record -p: span and thread labels, $(awk '$1 == "request" { print $2 }' "$TMP/join.spans") request latencies; quiet again after"

# Two at once: the second is told, and records without spans.
# The first records until the second is done (SIGTERM ends a recording as
# --duration does), however long a busy machine takes.
from=$(lines idle)
"$HWPROF" record -e cpu-clock -F 499 -p $srv --duration 60s -o "$TMP/first.pb.gz" 2>"$TMP/first.err" &
first=$!
pids="$pids $first"
wait_active idle 1 "$from" || fail "the first hwprof did not join: $(cat "$TMP/first.err")"
record second $srv 1s || fail "the second record -p exited $?: $(cat "$TMP/second.err")"
kill -TERM $first
[ "$(grep -c "span channel of $srv not read: another hwprof reads it" "$TMP/second.err")" -eq 1 ] ||
	fail "the second hwprof: $(cat "$TMP/second.err")"
no_spans second || fail "the second hwprof has span labels: $(grep -A3 "^span:" "$TMP/second.tags")"
wait $first || fail "the first record -p exited $?: $(cat "$TMP/first.err")"
has_spans first || fail "the first hwprof lost its spans: $(grep -A3 "^span:\\|^tenant:" "$TMP/first.tags")"
pass "a second hwprof: one line, recorded without spans; the first kept them"

# Killed while it reads: the program goes quiet when its ring fills and the
# lease has run out; a new hwprof joins.
from=$(lines idle)
"$HWPROF" record -q -e cpu-clock -F 499 -p $srv --duration 60s -o "$TMP/killed.pb.gz" 2>/dev/null &
killed=$!
pids="$pids $killed"
wait_active idle 1 "$from" || fail "the hwprof to kill did not join"
kill -9 $killed
wait $killed 2>/dev/null
from=$(lines idle)
wait_active idle 0 "$from" || fail "still writing a minute after its hwprof was killed: $(tail -3 "$TMP/idle.out")"
record again $srv 1s || fail "record -p after a kill exited $?: $(cat "$TMP/again.err")"
has_spans again || fail "no spans after a killed hwprof: $(grep -A3 "^span:\\|^tenant:" "$TMP/again.tags")"
kill -0 $srv || fail "the program did not survive"
pass "SIGKILL while attached: the program went quiet, a new hwprof joined"

# Two processes at once (-p A,B): each one's samples in its own spans.
kill $srv
start pa ok
a=$srv
start pb ok
record both "$a,$srv" 1.5s || fail "record -p A,B exited $?: $(cat "$TMP/both.err")"
"$HWPROF" report --slower-than 1us --tags "$TMP/both.pb.gz" >"$TMP/both.tags" 2>&1 ||
	fail "report --slower-than: $(head -5 "$TMP/both.tags")"
for p in $a $srv; do
	awk -v p=$p '/^[a-z_]+:/ { sec = $1; next } sec == "pid:" && $NF == p { f = 1 } END { exit !f }' \
		"$TMP/both.tags" || fail "no samples of $p in spans: $(grep -A3 "^pid:" "$TMP/both.tags"; cat "$TMP/both.err")"
done
# One histogram log, an interval of request latencies from each.
[ "$(grep -c '^Tag=request,' "$TMP/both.pb.gz.hlog")" -eq 2 ] ||
	fail "record -p A,B: not one request interval per process in the .hlog: $(grep '^Tag=' "$TMP/both.pb.gz.hlog")"
pass "record -p A,B: the samples of both in their spans, the latencies of both in the .hlog"
kill $a

# The agent, -p: its intervals carry the spans; it leaves on SIGTERM.
from=$(lines pb)
agent agentp -p $srv
wait_active pb 1 "$from" || fail "agent -p did not join: $(cat "$TMP/agentp.err")"
sleep 2.5
kill -TERM $agent
wait $agent || fail "agent -p exited $?: $(cat "$TMP/agentp.err")"
k=$(agent_spans agentp)
[ "$k" -ge 2 ] || fail "agent -p: $k profiles with spans: $(cat "$TMP/agentp.err")"
wait_active pb 0 "$(lines pb)" || fail "still read after the agent left"
pass "agent -p: $k interval profiles with span and thread labels; left on SIGTERM"
kill $srv

# The agent, -a: a process started after it is joined at the next interval.
if "$HWPROF" record -q -a -e cpu-clock --duration 100ms -o "$TMP/probe.pb.gz" 2>/dev/null; then
	agent agenta -a
	sleep 1.2
	start late ok
	wait_active late 1 0 || fail "agent -a did not join a process started after it: $(cat "$TMP/agenta.err")"
	sleep 2
	kill -TERM $agent
	wait $agent || fail "agent -a exited $?: $(cat "$TMP/agenta.err")"
	k=$(agent_spans agenta)
	[ "$k" -ge 1 ] || fail "agent -a: no profile with spans: $(cat "$TMP/agenta.err")"
	pass "agent -a: joined a process started after it; $k profiles with spans"
	kill $srv

	# record -a: the same, looked for each second; the process then exits
	# before the recording ends, and its histograms are still written.
	"$HWPROF" record -e cpu-clock -F 499 -a --duration 60s -o "$TMP/reca.pb.gz" 2>"$TMP/reca.err" &
	rec=$!
	pids="$pids $rec"
	sleep 0.5
	start reclate ok
	wait_active reclate 1 0 || fail "record -a did not join a process started after it: $(cat "$TMP/reca.err")"
	sleep 1
	kill $srv
	# Past the next look for channels (each second), then the end.
	sleep 1.5
	kill -TERM $rec
	wait $rec || fail "record -a exited $?: $(cat "$TMP/reca.err")"
	has_spans reca || fail "record -a: no spans of the late process (pid $srv): $(grep -A3 "^span:\\|^tenant:" "$TMP/reca.tags"; grep -A6 "^pid:" "$TMP/reca.tags"; cat "$TMP/reca.err")"
	"$HWPROF" report --spans "$TMP/reca.pb.gz" >"$TMP/reca.spans" || fail "report --spans: exit $?"
	awk '$1 == "request" && $2 > 0 { ok = 1 } END { exit !ok }' "$TMP/reca.spans" ||
		fail "record -a: no request latencies of the process that exited: $(cat "$TMP/reca.spans")"
	pass "record -a: joined a process started after it; its $(awk '$1 == "request" { print $2 }' "$TMP/reca.spans") request latencies kept after it exited"
else
	echo "# agent -a: not allowed here (perf_event_paranoid); left out"
fi

# Opted out: no channel, no line, a profile.
start optout ok HWPROF_SPANS_PUBLISH=0
ls -l /proc/$srv/fd | grep -q "hwprof-spans" && fail "HWPROF_SPANS_PUBLISH=0 published anyway"
record optout $srv 1s || fail "record -p exited $?: $(cat "$TMP/optout.err")"
grep -q "span channel" "$TMP/optout.err" && fail "a line about no channel: $(cat "$TMP/optout.err")"
no_spans optout || fail "span labels without a channel"
pass "HWPROF_SPANS_PUBLISH=0: no channel, no line"
kill $srv

# Its descriptor closed (a daemon closing what it inherited): found by its
# mapping, through /proc/PID/map_files where the kernel lets us open it.
start closefd closefd
ls -l /proc/$srv/fd | grep -q "hwprof-spans" && fail "closefd: the descriptor is still open"
record closefd $srv 1s || fail "closefd: record -p exited $?: $(cat "$TMP/closefd.err")"
if grep -q "map_files.*not permitted\|map_files.*denied" "$TMP/closefd.err"; then
	echo "# closefd: /proc/PID/map_files may not be opened here: $(cat "$TMP/closefd.err")"
else
	has_spans closefd || fail "closefd: no spans: $(cat "$TMP/closefd.err")"
	pass "a channel whose descriptor was closed: joined through its mapping"
fi
kill $srv

# Started by an hwprof (record -- CMD): that one reads its channel.
"$HWPROF" record -q -e cpu-clock -F 99 -o "$TMP/cmd.pb.gz" -- "$PROG" 60 ok >"$TMP/cmd.out" \
	2>"$TMP/cmd.err" &
pids="$pids $!"
ready "$TMP/cmd.out"
srv=$(sed -n 's/^spanserve: pid \([0-9]*\) ready$/\1/p' "$TMP/cmd.out")
[ -n "$srv" ] || fail "spanserve under record did not start: $(cat "$TMP/cmd.out" "$TMP/cmd.err")"
pids="$pids $srv"
record undercmd $srv 1s || fail "record -p exited $?: $(cat "$TMP/undercmd.err")"
[ "$(grep -c "span channel of $srv not read: another hwprof reads it" "$TMP/undercmd.err")" -eq 1 ] ||
	fail "a command's channel: $(cat "$TMP/undercmd.err")"
no_spans undercmd || fail "spans from the channel of another hwprof's command"
pass "the channel of another hwprof's command: one line, recorded without spans"
kill $srv

# Spoiled before anyone reads it: one line, the profile, exit 0, the program runs on.
for mode in garbage size unsealed; do
	env=
	[ $mode = unsealed ] && env=HWPROF_SPANS_PUBLISH=0
	start $mode $mode $env
	grep -q "cannot do" "$TMP/$mode.out" && skip "$mode: $(cat "$TMP/$mode.out")"
	record $mode $srv 1s || fail "$mode: record -p exited $?: $(cat "$TMP/$mode.err")"
	[ "$(grep -c "span channel" "$TMP/$mode.err")" -eq 1 ] &&
		grep -Eq "^hwprof record: span channel of $srv not read: .+; recording without its spans\$" \
			"$TMP/$mode.err" || fail "$mode: want one line: $(cat "$TMP/$mode.err")"
	no_spans $mode || fail "$mode: the profile does not read back, or has spans"
	kill -0 $srv || fail "$mode: the program did not survive"
	pass "$mode: $(grep "span channel" "$TMP/$mode.err")"
	kill $srv
done
