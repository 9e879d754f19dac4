#!/bin/sh
# Bad input to record -p and agent: a PID that does not exist or has exited,
# an unreachable or malformed URL, a missing credentials file, another user's
# process: one clear line each, and the right exit status.
. "$(dirname "$0")/lib.sh"
require_sampling

# one_line STATUS PATTERN CMD...: CMD exits STATUS and says PATTERN, in one line.
one_line() {
	want=$1 pat=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	[ "$got" = "$want" ] || fail "$*: exit $got, expected $want: $(cat "$TMP/err")"
	grep -v 'no hardware PMU' "$TMP/err" >"$TMP/err1"
	[ "$(wc -l <"$TMP/err1")" -eq 1 ] && grep -q -e "$pat" "$TMP/err1" ||
		fail "$*: expected one line saying '$pat', got: $(cat "$TMP/err1")"
	pass "$(cat "$TMP/err1")"
}

pid_max=$(cat /proc/sys/kernel/pid_max)
one_line 1 "no such process" "$HWPROF" record -p "$pid_max" -o "$TMP/x.pb.gz"
sh -c 'exit 0' &
gone=$!
# A zombie until the wait below.
n=0
while [ "$(proc_state $gone)" != Z ] && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
# Gone at once (a zombie, or reaped already): not attached, and said so.
one_line 1 "exited before\|no such process" "$HWPROF" record -p $gone -o "$TMP/x.pb.gz"
wait $gone
one_line 2 "expected process or thread ids" "$HWPROF" record -p 12x -o "$TMP/x.pb.gz"
one_line 2 "either a command or" "$HWPROF" record -p 1 -o "$TMP/x.pb.gz" -- true
one_line 2 "expected http" "$HWPROF" agent -p 1 --push ftp://example
one_line 1 "missing: No such file" "$HWPROF" agent -p 1 --push http://127.0.0.1:1 \
	--push-auth-file "$TMP/missing"
one_line 2 "--dir DIR" "$HWPROF" agent -p 1
one_line 2 "power of two" "$HWPROF" agent -p 1 -m 3 --dir "$TMP"

"$WORKLOADS/spinner" &
spin=$!
trap 'kill $spin 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/d"
"$HWPROF" agent -q -p $spin --interval 1s --push http://127.0.0.1:1 --dir "$TMP/d" \
	2>"$TMP/agent.err" &
agent=$!
sleep 2.5
kill -0 $agent 2>/dev/null || fail "the agent exited with no server to push to: $(cat "$TMP/agent.err")"
kill -TERM $agent
wait $agent || fail "agent exited $? after SIGTERM: $(cat "$TMP/agent.err")"
pass "an unreachable URL: the agent keeps running and exits 0 on SIGTERM"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# A process of root's, seen by nobody.
	one_line 1 "not yours" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$HWPROF" record -p $spin -o /tmp/never.pb.gz
else
	echo "# skipped another user's process: needs root and setpriv"
fi
