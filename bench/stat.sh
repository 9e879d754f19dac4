#!/bin/sh
# bench/stat.sh - wall time of 'hwprof stat -r N -- true' against 'perf stat -r N -- true',
# side by side: ROUNDS alternating rounds, medians, ratio (hwprof / perf; lower is better).
# Usage: sh bench/stat.sh [HWPROF] [ROUNDS] [N]     (a figure, not a test: no pass/fail)
set -eu
HWPROF=${1:-$(dirname "$0")/../build/hwprof}
ROUNDS=${2:-9}
N=${3:-20}
command -v perf >/dev/null || { echo "perf not installed (apt-get install linux-perf)"; exit 77; }
[ -x "$HWPROF" ] || { echo "$HWPROF: not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }
for r in $(seq "$ROUNDS"); do
	# Alternate which goes first, so neither always gets the warm caches.
	for tool in hwprof perf; do
		[ $((r % 2)) -eq 0 ] && tool=$([ "$tool" = hwprof ] && echo perf || echo hwprof)
		t0=$(now)
		if [ "$tool" = hwprof ]; then
			"$HWPROF" stat -r "$N" -- true 2>/dev/null
		else
			perf stat -r "$N" -- true 2>/dev/null
		fi
		echo $(( ($(now) - t0) / 1000 )) >>"$tmp/$tool"
	done
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
h=$(median "$tmp/hwprof")
p=$(median "$tmp/perf")
echo "stat -r $N -- true, $ROUNDS alternating rounds, median wall time:"
printf "  hwprof %8.1f ms\n  perf   %8.1f ms\n  ratio  %8.3f (hwprof / perf; target <= 1.1)\n" \
	"$(echo "$h" | awk '{ print $1 / 1000 }')" "$(echo "$p" | awk '{ print $1 / 1000 }')" \
	"$(awk -v h="$h" -v p="$p" 'BEGIN { print h / p }')"
