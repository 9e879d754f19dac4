#!/bin/sh
# bench/run.sh [RUNS] [ROUNDS] - hwprof record vs perf record on one CPU-bound
# workload, alternating in one run: bare, perf record -F 999 -g, the same with
# --no-bpf-event, hwprof record -F 999 -g.  Prints medians and ratios.
# CALLGRAPH=dwarf compares --call-graph dwarf on the workload built without
# frame pointers instead.
# Run from the top of the tree after building (scripts/dev.sh build); needs perf.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
RUNS=${1:-5}
ROUNDS=${2:-20000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# CALLGRAPH=dwarf: the workload built without frame pointers, both profilers
# unwinding stack copies with DWARF (perf at report time, hwprof while recording).
CALLGRAPH=${CALLGRAPH:-fp}
case $CALLGRAPH in
fp) CG="-g" WFLAGS="-fno-omit-frame-pointer" ;;
dwarf) CG="--call-graph dwarf" WFLAGS="-fomit-frame-pointer" ;;
*) echo "bench: CALLGRAPH must be fp or dwarf" >&2; exit 2 ;;
esac
cc -O2 -g $WFLAGS bench/cpubound.c -o "$W/cpubound"
cc -O2 bench/measure.c -o "$W/measure"
command -v perf >/dev/null || { echo "bench: perf not found (apt-get install linux-perf)"; exit 1; }

# One row per run: mode wall_ns total_cpu_ns maxrss_kb workload_cpu_ns ready_ns samples lost
run_one() {
	mode=$1
	shift
	rm -f "$W/report" "$W/err"
	line=$(BENCH_REPORT="$W/report" "$W/measure" "$@" 2>"$W/err")
	set -- $line
	wall=$1 cpu=$2 rss=$3 end=$4
	set -- $(cat "$W/report")
	wcpu=$1 wexit=$2
	# hwprof: "hwprof: N samples in S s; wrote F"; perf: "[ perf record: ... (N samples) ]"
	samples=$(sed -n 's/^hwprof: \([0-9][0-9]*\) samples in .*/\1/p; s/.*(\([0-9][0-9]*\) samples).*/\1/p' "$W/err" | tail -1)
	# hwprof warns "hwprof: lost N samples ..."; perf record prints nothing about
	# losses: they are PERF_RECORD_LOST records ("lost:N") in perf.data
	case $mode in
	perf*) lost=$(perf report -D -i "$W/perf.data" 2>/dev/null |
		awk '/PERF_RECORD_LOST/ { if (match($0, /lost[: ]+[0-9]+/)) { t = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", t); s += t } }
			END { print s + 0 }') ;;
	*) lost=$(sed -n 's/^hwprof: lost \([0-9][0-9]*\) samples.*/\1/p' "$W/err" | awk '{ s += $1 } END { print s + 0 }') ;;
	esac
	echo "$mode $wall $cpu $rss $wcpu $((end - wexit)) ${samples:-0} $lost" >>"$W/rows"
}

for i in $(seq "$RUNS"); do
	run_one bare "$W/cpubound" "$ROUNDS"
	run_one perf perf record -F 999 $CG -o "$W/perf.data" -- "$W/cpubound" "$ROUNDS"
	run_one perf-nobpf perf record --no-bpf-event -F 999 $CG -o "$W/perf.data" -- "$W/cpubound" "$ROUNDS"
	run_one hwprof "$HWPROF" record -F 999 $CG -o "$W/h.pb.gz" -- "$W/cpubound" "$ROUNDS"
done

perf_size=$(stat -c %s "$W/perf.data")
pprof_size=$(stat -c %s "$W/h.pb.gz")
echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "workload: bench/cpubound $ROUNDS ($WFLAGS), call graph $CALLGRAPH, $RUNS runs per mode, alternating; medians"
echo "output: perf.data $perf_size bytes, hwprof.pb.gz $pprof_size bytes"
echo
awk -f bench/medians.awk -f /dev/stdin "$W/rows" <<'EOF'
END {
	printf "%-11s %8s %9s %9s %9s %11s %9s %8s %6s\n", "mode", "wall s", "wall/bare", "prog cpu", "own cpu s", "peak RSS MB", "ready ms", "samples", "lost"
	split("bare perf perf-nobpf hwprof", modes, " ")
	bw = median("bare", 2)
	for (k = 1; k <= 4; k++) {
		md = modes[k]
		w = median(md, 2); tc = median(md, 3); wc = median(md, 5)
		printf "%-11s %8.3f %9.3f %9.3f %9.3f %11.1f %9.1f %8d %6d\n", md, w / 1e9, w / bw, wc / 1e9,
			(md == "bare" ? 0 : (tc - wc) / 1e9), median(md, 4) / 1024,
			(md == "bare" ? 0 : median(md, 6) / 1e6), median(md, 7), median(md, 8)
		W[md] = w; O[md] = tc - wc
	}
	printf "\nwall ratio hwprof/perf:        %.3f\n", W["hwprof"] / W["perf"]
	printf "wall ratio hwprof/perf-nobpf:  %.3f\n", W["hwprof"] / W["perf-nobpf"]
	printf "own CPU ratio hwprof/perf:     %.3f\n", O["hwprof"] / O["perf"]
}
EOF
