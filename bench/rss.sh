#!/bin/sh
# bench/rss.sh [DURATION] - hwprof's memory over a long recording: runs
# `hwprof record -F 999` on bench/stacks (about 10,000 distinct call stacks)
# for DURATION seconds (default 600) and prints hwprof's peak RSS (wait4's
# ru_maxrss via bench/measure, and /proc/PID/status VmHWM sampled every
# INTERVAL seconds, default 10, with the VmRSS timeline), the samples and lost
# samples, and the number of distinct stacks in the profile
# (`hwprof report --folded | wc -l`).  BENCH_OUT=DIR keeps the files there.
# Run from the top of the tree after building (scripts/dev.sh build).
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
DURATION=${1:-600}
INTERVAL=${INTERVAL:-10}
if [ -n "${BENCH_OUT:-}" ]; then
	W=$BENCH_OUT
	mkdir -p "$W"
else
	W=$(mktemp -d)
	trap 'rm -rf "$W"' EXIT
fi
cc -O2 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls bench/stacks.c -o "$W/stacks"
cc -O2 bench/measure.c -o "$W/measure"

rm -f "$W/timeline"
"$W/measure" "$HWPROF" record -F 999 -o "$W/stacks.pb.gz" -- "$W/stacks" "$DURATION" \
	>"$W/measure.out" 2>"$W/hwprof.err" &
mpid=$!
hpid=
while [ -z "$hpid" ] && kill -0 "$mpid" 2>/dev/null; do
	sleep 0.1
	hpid=$(pgrep -P "$mpid" || true)
done
t=0
hwm=0
while [ -n "$hpid" ] && [ -r "/proc/$hpid/status" ]; do
	# VmHWM is a high-water mark: the last reading before exit covers the run so far
	set -- $(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' \
		"/proc/$hpid/status" 2>/dev/null || echo 0 0)
	[ "$1" -gt 0 ] && echo "$t $1 $2" >>"$W/timeline"
	[ "$2" -gt "$hwm" ] && hwm=$2
	sleep "$INTERVAL"
	t=$((t + INTERVAL))
done
wait "$mpid"
set -- $(cat "$W/measure.out")
wall=$1 maxrss=$3
samples=$(sed -n 's/^hwprof: \([0-9][0-9]*\) samples in .*/\1/p' "$W/hwprof.err" | tail -1)
lost=$(sed -n 's/^hwprof: lost \([0-9][0-9]*\) samples.*/\1/p' "$W/hwprof.err" | awk '{ s += $1 } END { print s + 0 }')
stacks=$("$HWPROF" report --folded "$W/stacks.pb.gz" | wc -l)
leafstacks=$("$HWPROF" report --folded "$W/stacks.pb.gz" | grep -c ';leaf ' || true)

echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "command: hwprof record -F 999 -o stacks.pb.gz -- stacks $DURATION"
echo "wall s:                 $(awk -v w="$wall" 'BEGIN { printf "%.1f", w / 1e9 }')"
echo "samples:                ${samples:-?}"
echo "lost samples:           $lost"
echo "distinct stacks:        $stacks (ending in leaf: $leafstacks)"
echo "profile size:           $(stat -c %s "$W/stacks.pb.gz") bytes"
echo "peak RSS (ru_maxrss):   $maxrss kB ($(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }') MB; max of hwprof and its child)"
echo "peak RSS (VmHWM):       $hwm kB ($(awk -v k="$hwm" 'BEGIN { printf "%.1f", k / 1024 }') MB; hwprof, sampled every ${INTERVAL}s)"
echo "VmRSS timeline (s kB):  $(awk 'NR == 1 || $1 % 60 == 0 { printf "%s%d:%d", sep, $1, $2; sep = " "; p = NR }
	{ l = $1 ":" $2 } END { if (p != NR) printf "%s%s", sep, l }' "$W/timeline")"
