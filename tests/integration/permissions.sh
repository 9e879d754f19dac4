#!/bin/sh
# The permissions preflight, as an unprivileged user (nobody) with
# perf_event_paranoid at 2: attaching to one's own process records user space
# only and says why once; -a says what it needs and records one's own
# processes instead.  The sysctl is put back as it was.
. "$(dirname "$0")/lib.sh"
require_sampling
[ "$(id -u)" = 0 ] || skip "needs root to run as nobody and to set perf_event_paranoid"
command -v setpriv >/dev/null 2>&1 || skip "setpriv not found (util-linux)"
old=$(cat /proc/sys/kernel/perf_event_paranoid)
if [ "$old" -lt 2 ]; then
	echo 2 >/proc/sys/kernel/perf_event_paranoid 2>/dev/null ||
		skip "cannot raise kernel.perf_event_paranoid from $old (read-only /proc/sys?)"
fi
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
work=$TMP/nobody
chmod 755 "$TMP"
mkdir "$work" && chmod 1777 "$work"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$WORKLOADS/calltree" 60 &
tree=$!
trap 'kill $tree 2>/dev/null; echo "$old" >/proc/sys/kernel/perf_event_paranoid; rm -rf "$TMP"' EXIT
wait_exec $tree "$WORKLOADS/calltree"
[ -x "$HWPROF" ] && as_nobody "$HWPROF" --version >/dev/null 2>&1 ||
	skip "nobody cannot run $HWPROF (its directories are not readable to others)"

as_nobody "$HWPROF" record -F 499 -g -p $tree --duration 2s -o "$work/p.pb.gz" 2>"$TMP/p.err" ||
	fail "record -p as nobody exited $?: $(cat "$TMP/p.err")"
grep -q "perf_event_paranoid is 2: kernel frames need 1 or less, or CAP_PERFMON;" "$TMP/p.err" ||
	fail "no preflight line on kernel frames: $(cat "$TMP/p.err")"
[ "$(grep -c 'user space only' "$TMP/p.err")" -eq 1 ] ||
	fail "the fallback is not said exactly once: $(cat "$TMP/p.err")"
folded "$work/p.pb.gz" >"$TMP/f.txt"
for leaf in leaf_a leaf_b leaf_c; do
	grep -q "main;mid_${leaf#leaf_};$leaf [0-9]" "$TMP/f.txt" ||
		fail "no user-space stack main;...;$leaf: $(cat "$TMP/f.txt")"
done
gunzip -c "$work/p.pb.gz" | grep -a -q "kernel frames not recorded" ||
	fail "the profile does not say that kernel frames were left out"
pass "record -p as nobody: the preflight line, then a user-space profile that says so"

as_nobody "$HWPROF" record -F 499 -a --duration 2s -o "$work/a.pb.gz" 2>"$TMP/a.err" ||
	fail "record -a as nobody exited $?: $(cat "$TMP/a.err")"
grep -q "watching every CPU needs 0 or CAP_PERFMON; .*perf_event_paranoid=0" "$TMP/a.err" ||
	fail "no preflight line on -a: $(cat "$TMP/a.err")"
grep -q "your own [0-9]* processes .* instead of every CPU" "$TMP/a.err" ||
	fail "the narrowing is not said: $(cat "$TMP/a.err")"
"$HWPROF" report --tags "$work/a.pb.gz" | grep -q "): calltree$" ||
	fail "nobody's own calltree is not in the degraded profile"
pass "record -a as nobody: what it needs, then nobody's own processes"
