#!/bin/sh
# progroup.sh - the program runs in a process group of its own, and hwprof
# answers for all of it: killed with SIGKILL, hwprof leaves no orphan (the
# program gets SIGTERM); SIGTERM reaches a shell's children; a program that
# ignores SIGINT is killed by a second Ctrl-C within 2 s; exit statuses pass
# through as 128+N; on a terminal, a program that reads it gets it.
. "$(dirname "$0")/lib.sh"
require_sampling

# running PID: the process exists and is not a zombie.
running() {
	state=$(proc_state "$1")
	[ -n "$state" ] && [ "$state" != Z ]
}
# wait_file FILE: until FILE is not empty (a minute at most).
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}
# gone PID: wait until PID is no longer running (a minute at most).
gone() {
	i=0
	while running "$1" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	! running "$1"
}
# record PROG-TEXT: hwprof record -- sh -c PROG-TEXT in the background ($hw),
# with SIGINT and SIGTERM at their defaults, as from a terminal.
record() {
	env --default-signal=INT,TERM "$HWPROF" record -q -e cpu-clock -F 99 --call-graph fp \
		-o "$TMP/p.pb.gz" -- sh -c "$1" 2>"$TMP/err" &
	hw=$!
}
cleanup_fail() {
	[ -s "$TMP/pid" ] && kill -KILL "$(cat "$TMP/pid")" 2>/dev/null
	[ -s "$TMP/child" ] && kill -KILL "$(cat "$TMP/child")" 2>/dev/null
	fail "$@"
}
# ended PIDFILE STATUS WHAT: hwprof ended with STATUS (within a minute), the
# process in PIDFILE with it, and the profile reads back.
ended() {
	gone $hw || { kill -KILL $hw; cleanup_fail "$3: hwprof still running a minute later"; }
	wait $hw
	st=$?
	gone "$(cat "$1")" || cleanup_fail "$3: the program is still running"
	[ $st -eq "$2" ] || cleanup_fail "$3: exit status $st, want $2"
	folded p.pb.gz >/dev/null || fail "$3: the profile does not read back"
}

cd "$TMP" || fail "cd $TMP"
record 'echo $$ >pid; trap "echo TERM >got; exit 0" TERM; while :; do sleep 0.1; done'
wait_file pid || cleanup_fail "the program did not start"
kill -KILL $hw
wait $hw
gone "$(cat pid)" || cleanup_fail "SIGKILL of hwprof left the program running"
[ "$(cat got 2>/dev/null)" = TERM ] || cleanup_fail "the program did not get SIGTERM"
pass "SIGKILL of hwprof: the program got SIGTERM and exited"

rm -f pid got
record 'sleep 300 & echo $! >child; echo $$ >pid; wait'
wait_file child && wait_file pid || cleanup_fail "the program did not start"
kill -TERM $hw
ended child 143 "SIGTERM to hwprof (to reach the shell's child; 128 + SIGTERM)"
pass "SIGTERM reached the shell and its child; exit 143"

rm -f pid child
record 'trap "" INT; echo $$ >pid; while :; do sleep 0.1; done'
wait_file pid || cleanup_fail "the program did not start"
kill -INT $hw
sleep 0.5
running $hw || cleanup_fail "one SIGINT ended a program that ignores it: $(cat err)"
kill -INT $hw
ended pid 137 "a second SIGINT within 2 s (to kill the program; 128 + SIGKILL)"
pass "a second SIGINT within 2 s killed a program that ignores SIGINT; exit 137"

# A terminal (script(1) makes one): the program's group starts in the
# background, and reading the terminal hands it over, as a shell's fg does.
command -v script >/dev/null || skip "script(1) not found: the terminal part not run"
printf 'hello\n' | timeout 60 script -qec "$HWPROF record -q -e cpu-clock -F 99 --call-graph fp \
-o tty.pb.gz -- sh -c 'read x; echo got \$x; exit 5'" /dev/null >tty.out 2>&1
st=$?
[ $st -eq 124 ] && fail "on a terminal: still waiting after 60 s: $(cat tty.out)"
grep -q "got hello" tty.out || fail "on a terminal: the program could not read it: $(cat tty.out)"
[ $st -eq 5 ] || fail "on a terminal: exit status $st, want 5"
pass "on a terminal: the program read it, exit 5"
