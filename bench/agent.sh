#!/bin/sh
# bench/agent.sh [SECONDS] [RSS_SECONDS] - the always-on agent's own cost
# (issue targets in bench/README.md), side by side with perf where perf does
# the same:
#   1. own CPU at -F 97 system-wide with both CPUs busy (two calltree
#      processes), frame pointers and DWARF: `hwprof agent -a` vs
#      `perf record -a -F 97` (-g, --call-graph dwarf), SECONDS each (default
#      30): the one-time start (CPU in the first 5 s: kallsyms, libraries) and
#      the steady state (CPU from 5 s to the end), both tools from /proc/PID/stat;
#   2. peak RSS of `hwprof agent -a` over RSS_SECONDS (default 120; the target
#      is stated for 3600) with ten short-lived processes starting per second;
#   3. time from `hwprof record -p` starting to its first sample (from the
#      timeline's sample times, CLOCK_MONOTONIC), five runs;
#   4. the target's speed before attaching, while attached and after hwprof
#      left (bench/rate for 9 s: median chunk time; attached from 2 s to 5 s);
#   5. peak RSS of `hwprof agent -a` over RSS_SECONDS beside `gcc -O2 -c` of
#      a generated file, one compile after another (the agent symbolizes and
#      looks up callers in every new program it samples, as on a build box).
# SECTIONS="2" (say) runs only those (default "1 2 3 4"; 5 only when asked);
# sections 2 and 5 print the agent's VmHWM, VmRSS and its anonymous and
# file-backed parts every TREND seconds (default 300).
# Needs root (system-wide) and `make check`'s workloads (calltree, calltree-nofp).
# Run from the top of the tree after building.  BENCH_OUT=DIR keeps the files.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
WL=$PWD/build/tests/workloads
SECS=${1:-30}
RSS_SECS=${2:-120}
SECTIONS=" ${SECTIONS:-1 2 3 4} "
TREND=${TREND:-300}
want() { case "$SECTIONS" in *" $1 "*) return 0 ;; esac; return 1; }
WARM=5
[ "$SECS" -gt $((WARM + 4)) ] || { echo "SECONDS must be at least $((WARM + 5))"; exit 2; }
if [ -n "${BENCH_OUT:-}" ]; then W=$BENCH_OUT; mkdir -p "$W"; else W=$(mktemp -d); fi
[ -x "$WL/calltree-nofp" ] || { echo "build the workloads first: make -C build check TESTS="; exit 2; }
cc -O2 bench/measure.c -o "$W/measure"
cc -O1 bench/rate.c -o "$W/rate"
pids=
cleanup() { [ -z "$pids" ] || kill $pids 2>/dev/null || true; }
trap cleanup EXIT
TCK=$(getconf CLK_TCK)
# cpu_of PID: user+system CPU seconds of PID so far.
cpu_of() { awk -v t="$TCK" '{ sub(/^.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"; }

if want 1; then
echo "== 1. own CPU, -F 97 system-wide, both CPUs busy, $SECS s each"
echo "   (start: CPU in the first $WARM s; steady: CPU from then to the end, per second)"
# steady NAME PID: after WARM seconds and at SECS, both tools read the same way
# from /proc/PID/stat (user + system, all threads); the tool is then stopped.
steady() {
	sleep "$WARM"
	c0=$(cpu_of "$2")
	sleep $((SECS - WARM))
	c1=$(cpu_of "$2")
	kill -INT "$2"; wait "$2" || true
	echo "$1: start $(awk -v c="$c0" 'BEGIN { printf "%.3f", c }') s CPU, steady" \
		"$(awk -v a="$c0" -v b="$c1" -v s=$((SECS - WARM)) 'BEGIN { printf "%.2f", 100 * (b - a) / s }')% of one core"
}
for mode in fp dwarf; do
	prog=$WL/calltree
	[ $mode = dwarf ] && prog=$WL/calltree-nofp
	"$prog" 100000 & a=$!
	"$prog" 100000 & b=$!
	pids="$a $b"
	mkdir -p "$W/d-$mode"
	"$HWPROF" agent -q -a -F 97 --call-graph $mode --interval 10s --dir "$W/d-$mode" \
		2>"$W/agent-$mode.err" &
	steady "hwprof agent -a -F 97 --call-graph $mode" $!
	pg=-g
	[ $mode = dwarf ] && pg="--call-graph dwarf"
	# shellcheck disable=SC2086
	perf record -q -a -F 97 $pg -o "$W/perf-$mode.data" 2>/dev/null &
	steady "perf record -a -F 97 $pg (recording only; perf report not counted)" $!
	kill $a $b; wait $a $b 2>/dev/null || true
	pids=
done
fi

# rss_run NAME: peak RSS of `hwprof agent -a` over RSS_SECS while load_NAME
# runs again and again beside it; VmHWM, VmRSS and their parts every TREND s.
rss_run() {
	mkdir -p "$W/d-$1"
	"$HWPROF" agent -q -a -F 97 --interval 15s --dir "$W/d-$1" --keep 8 2>"$W/agent-$1.err" &
	ag=$!
	(end=$(($(date +%s) + RSS_SECS)); while [ "$(date +%s)" -lt "$end" ]; do "load_$1"; done) &
	load=$!
	pids="$ag $load"
	t=0
	while [ $t -lt "$RSS_SECS" ]; do
		step=$((RSS_SECS - t < TREND ? RSS_SECS - t : TREND))
		sleep $step
		t=$((t + step))
		echo "  at $t s: $(awk '/^(VmHWM|VmRSS|RssAnon|RssFile):/ { printf "%s%s %.1f", sep, $1, $2 / 1024; sep = ", " }' /proc/$ag/status) MB"
	done
	wait $load 2>/dev/null || true
	hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$ag/status)
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$ag/status)
	kill -TERM $ag; wait $ag || true
	pids=
	echo "peak RSS $(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }') MB, at the end $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }') MB; $(tail -1 "$W/agent-$1.err")"
}
# Ten short-lived processes in a second.
load_short() {
	for i in 1 2 3 4 5 6 7 8 9 10; do "$WL/calltree" 0.02 & done
	sleep 1
	wait
}
# One compile: gcc, cc1, as, each new, as in a build.
load_compile() {
	gcc -O2 -c "$W/big.c" -o "$W/big.o"
}

if want 2; then
echo "== 2. peak RSS of hwprof agent -a over $RSS_SECS s, ten short-lived processes a second"
rss_run short
fi

if want 3; then
echo "== 3. from 'hwprof record -p' starting to its first sample"
"$WL/calltree" 100000 & t=$!
pids=$t
for i in 1 2 3 4 5; do
	# shellcheck disable=SC2046
	set -- $("$W/measure" "$HWPROF" record -q -F 999 -p $t --timeline --duration 500ms \
		-o "$W/first.pb.gz")
	start=$(($4 - $1))
	first=$(awk '$1 == "s" { print $3; exit }' "$W/first.timeline")
	echo "run $i: first sample $(awk -v a="$first" -v b="$start" 'BEGIN { printf "%.1f", (a - b) / 1e6 }') ms after the command started"
done
kill $t; wait $t 2>/dev/null || true
pids=
fi

if want 4; then
echo "== 4. the target's speed before, while and after hwprof attached (median chunk ms)"
"$W/rate" 9 >"$W/rate.out" & r=$!
pids=$r
sleep 2
t0=$(awk 'END { print $2 }' "$W/rate.out")
"$HWPROF" record -q -F 999 -g -p $r --duration 3s -o "$W/rate.pb.gz"
t1=$(awk 'END { print $2 }' "$W/rate.out")
wait $r
pids=
awk -v t0="$t0" -v t1="$t1" '
	function med(a, n,   i, j, x) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }; return a[int((n + 1) / 2)] }
	$2 <= t0 { b[++nb] = $3 } $2 > t0 + 3e8 && $2 <= t1 { d[++nd] = $3 } $2 > t1 + 3e8 { f[++nf] = $3 }
	END { printf "before %.1f ms (%d), attached %.1f ms (%d), after %.1f ms (%d); after/before %.3f\n",
		med(b, nb) / 1e6, nb, med(d, nd) / 1e6, nd, med(f, nf) / 1e6, nf, med(f, nf) / med(b, nb) }' \
	"$W/rate.out"
fi

if want 5; then
echo "== 5. peak RSS of hwprof agent -a over $RSS_SECS s beside a compiler, one compile after another"
{ echo "#include <string.h>"; awk -v n=100 -f bench/bigc.awk; } >"$W/big.c"
rss_run compile
fi
