#!/bin/sh
# bench/offcpu.sh [RUNS] [ROUNDS] - the cost of off-CPU profiling on a program
# that switches context some 20k times a second (bench/pingpong.c: two threads
# ping-ponging a byte over pipes), alternating in one run: bare,
# `hwprof record --off-cpu` (frame pointers + leaf caller),
# `perf record -e sched:sched_switch -g` (the tracepoint way, for reference),
# and perf asked for what hwprof's kernel side collects (`perf-same`: cpu-clock
# at 999 Hz, every sched_switch with its stack, and the switch-in/out records
# that give exact off-CPU intervals), so that the kernel's share of the cost
# can be told from hwprof's processing.
# Prints medians of the workload's own elapsed time, of all CPU used (workload +
# profiler, from wait4), and the ratios.  Needs perf; mounts tracefs for it when
# it is not (and unmounts it again).  Run from anywhere after building.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
RUNS=${1:-5}
ROUNDS=${2:-20000}
W=$(mktemp -d)
MOUNTED=
cleanup() {
	[ -n "$MOUNTED" ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
command -v perf >/dev/null || { echo "bench: perf not found (apt-get install linux-perf)"; exit 1; }
cc -O2 -g -fno-omit-frame-pointer -pthread bench/pingpong.c -o "$W/pingpong"
cc -O2 bench/measure.c -o "$W/measure"
if [ ! -d /sys/kernel/tracing/events/sched ]; then
	mount -t tracefs nodev /sys/kernel/tracing && MOUNTED=1 ||
		{ echo "bench: cannot mount tracefs for perf's sched:sched_switch"; exit 1; }
fi

# One row per run: mode elapsed_ns(workload) wall_ns cpu_ns switches/s
run_one() {
	mode=$1
	shift
	line=$("$W/measure" sh -c '"$@" >'"$W/out"' 2>'"$W/err" sh "$@")
	set -- $line
	wall=$1 cpu=$2
	el=$(sed -n 's/.*elapsed_ns \([0-9]*\).*/\1/p' "$W/out")
	sw=$(sed -n 's/.*switches_per_s \([0-9]*\).*/\1/p' "$W/out")
	echo "$mode ${el:-0} $wall $cpu ${sw:-0}" >>"$W/rows"
	cp "$W/err" "$W/err.$mode"
}

for i in $(seq "$RUNS"); do
	run_one bare "$W/pingpong" "$ROUNDS"
	run_one hwprof "$HWPROF" record --off-cpu -o "$W/h.pb.gz" -- "$W/pingpong" "$ROUNDS"
	run_one perf perf record -e sched:sched_switch -g -o "$W/perf.data" -- "$W/pingpong" "$ROUNDS"
	run_one perf-same perf record -c 1 -e cpu-clock/freq=999/ -e sched:sched_switch --switch-events -g \
		-o "$W/perf-same.data" -- "$W/pingpong" "$ROUNDS"
done

echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "workload: bench/pingpong $ROUNDS, $RUNS runs per mode, alternating; medians"
echo "hwprof: $(grep -h '^hwprof: [0-9]* samples' "$W/err.hwprof" | tail -1)"
echo "hwprof lost: $(grep -h 'lost' "$W/err.hwprof" | tail -1)"
echo "perf: $(grep -h 'samples' "$W/err.perf" | tail -1)"
echo "output: perf.data $(stat -c %s "$W/perf.data") bytes, hwprof.pb.gz $(stat -c %s "$W/h.pb.gz") bytes"
echo
awk -f bench/medians.awk -f /dev/stdin "$W/rows" <<'EOF'
END {
	be = median("bare", 2); bc = median("bare", 4)
	printf "%-10s %12s %10s %12s %10s %12s\n", "mode", "elapsed s", "slowdown", "all CPU s", "extra CPU", "switches/s"
	split("bare hwprof perf perf-same", modes, " ")
	for (k = 1; k <= 4; k++) {
		md = modes[k]; e = median(md, 2); c = median(md, 4)
		printf "%-10s %12.3f %9.1f%% %12.3f %10.3f %12d\n", md, e / 1e9, 100 * (e - be) / be, c / 1e9,
			(c - bc) / 1e9, median(md, 5)
		ex[md] = e - be; cx[md] = c - bc
	}
	if (ex["perf"] > 0 && cx["perf"] > 0)
		printf "\nhwprof / perf: slowdown %.2f, extra CPU %.2f (elapsed ratio %.3f)\n", ex["hwprof"] / ex["perf"],
			cx["hwprof"] / cx["perf"], median("hwprof", 2) / median("perf", 2)
	if (ex["perf-same"] > 0 && cx["perf-same"] > 0)
		printf "hwprof / perf-same: slowdown %.2f, extra CPU %.2f (elapsed ratio %.3f)\n",
			ex["hwprof"] / ex["perf-same"], cx["hwprof"] / cx["perf-same"],
			median("hwprof", 2) / median("perf-same", 2)
}
EOF
