#!/bin/sh
# bench/lost.sh [RUNS] [SECONDS] - lost samples at -F 4999 on two busy threads:
# records tests/workloads/threads.c (two CPU-bound threads, SECONDS of CPU time
# each, default 5) RUNS times (default 5), alternating `perf record -F 4999 -g` and
# `hwprof record -F 4999 -g`, and prints per run: the threads' CPU time, samples,
# samples expected from that CPU time (cpu s * 4999), lost samples and
# throttling.  hwprof's lost/throttled come from the profile's comment
# ("samples: N; lost samples: N; throttled: N", via go tool pprof -raw) and its
# "hwprof: lost N samples" warning; perf's from PERF_RECORD_LOST /
# LOST_SAMPLES / THROTTLE records (perf report -D).  BENCH_OUT=DIR keeps files.
# Run from the top of the tree after building (scripts/dev.sh build).
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
RUNS=${1:-5}
SECONDS_=${2:-5}
FREQ=${FREQ:-4999}
if [ -n "${BENCH_OUT:-}" ]; then
	W=$BENCH_OUT
	mkdir -p "$W"
else
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
fi
command -v perf >/dev/null || { echo "bench: perf not found (apt-get install linux-perf)"; exit 1; }
cc -O2 -g -fno-omit-frame-pointer -pthread tests/workloads/threads.c -o "$W/threads"
cc -O2 bench/measure.c -o "$W/measure"
rm -f "$W/rows"

# the profiled command is `measure threads`, so that measure prints the threads' CPU time
for i in $(seq "$RUNS"); do
	perf record -F "$FREQ" -g -o "$W/perf.data" -- "$W/measure" "$W/threads" "$SECONDS_" >"$W/prog.out" 2>"$W/perf.err"
	cpu=$(cut -d' ' -f2 "$W/prog.out")
	samples=$(sed -n 's/.*(\([0-9][0-9]*\) samples).*/\1/p' "$W/perf.err" | tail -1)
	perf report -D -i "$W/perf.data" 2>/dev/null | grep -E 'PERF_RECORD_(LOST|LOST_SAMPLES|THROTTLE)' >"$W/perf.lost" || true
	# "PERF_RECORD_LOST: id:N: lost:N" (and LOST_SAMPLES: "lost N" or "lost:N")
	lost=$(awk '/PERF_RECORD_LOST/ { if (match($0, /lost[: ]+[0-9]+/)) { t = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", t); s += t } }
		END { print s + 0 }' "$W/perf.lost")
	throttled=$(grep -c 'PERF_RECORD_THROTTLE' "$W/perf.lost" || true)
	echo "perf $i $cpu ${samples:-0} $lost $throttled" >>"$W/rows"

	"$HWPROF" record -F "$FREQ" -g -o "$W/h.pb.gz" -- "$W/measure" "$W/threads" "$SECONDS_" >"$W/prog.out" 2>"$W/hwprof.err"
	cpu=$(cut -d' ' -f2 "$W/prog.out")
	comment=$(go tool pprof -raw "$W/h.pb.gz" 2>/dev/null | sed -n 's/^Comment: samples: //p')
	set -- $(echo "$comment" | sed 's/[^0-9 ]//g')
	samples=${1:-0} lost=${2:-0} throttled=${3:-0}
	warned=$(sed -n 's/^hwprof: lost \([0-9][0-9]*\) samples.*/\1/p' "$W/hwprof.err" | awk '{ s += $1 } END { print s + 0 }')
	[ "$warned" -gt "$lost" ] && lost=$warned
	echo "hwprof $i $cpu $samples $lost $throttled" >>"$W/rows"
done

echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "workload: threads $SECONDS_ (2 busy threads), -F $FREQ, $RUNS runs per tool, alternating"
echo
awk -v f="$FREQ" '
{ t = $1; cpu = $3 / 1e9; exp_ = cpu * f
  printf "%-7s %3d %8.2f %9d %9d %7.1f%% %6d %9d\n", t, $2, cpu, $4, exp_, 100 * $4 / exp_, $5, $6
  S[t] += $4; E[t] += exp_; L[t] += $5; T[t] += $6 }
BEGIN { printf "%-7s %3s %8s %9s %9s %8s %6s %9s\n", "tool", "run", "prog cpu", "samples", "expected", "got", "lost", "throttle" }
END { print ""
  for (t in S) printf "%-7s total samples %d of %d expected (%.1f%%), lost %d, throttle events %d\n", t, S[t], E[t], 100 * S[t] / E[t], L[t], T[t] }' "$W/rows"
