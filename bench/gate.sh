#!/bin/sh
# bench/gate.sh [POOL] [REPS] [SECONDS] [HZ] - how often hwprof gate fails
# unchanged code, and how often it catches a function grown 30%, at 5, 10
# and 20 runs a side.  Records POOL runs of the mix workload as it is
# (alpha=40 bravo=25 charlie=20 delta=8 echo=4 foxtrot=3) and POOL/2 with
# charlie's work up 30%, each SECONDS of CPU at HZ (defaults: 40, 20, 0.5 s,
# 999 Hz: hwprof's default rate).  Then, REPS times for each N, draws N BASE
# runs and N other NEW runs from the pools (without replacement within a
# draw) and runs the gate with its defaults: same against same counts false
# failures, BASE against grown counts detections (charlie failed).  The
# draws come from one pool of runs, so repetitions are not independent
# experiments: the rates describe these runs.  KEEP=DIR keeps the runs.
# Prints figures, never fails.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
MIX=$(dirname "$HWPROF")/tests/workloads/mix
POOL=${1:-40}
REPS=${2:-20}
SECONDS_EACH=${3:-0.5}
HZ=${4:-999}
W=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && cp -r "$W" "$KEEP"; rm -rf "$W"' EXIT
[ -x "$MIX" ] || { echo "bench: $MIX not built (make check builds it)"; exit 1; }
BEFORE="alpha=40 bravo=25 charlie=20 delta=8 echo=4 foxtrot=3"
GROWN="alpha=40 bravo=25 charlie=26 delta=8 echo=4 foxtrot=3"

i=1
while [ "$i" -le "$POOL" ]; do
	nice -n 19 "$HWPROF" record -q -F "$HZ" -o "$W/base-$i.pb.gz" -- "$MIX" "$SECONDS_EACH" $BEFORE
	if [ $((i % 2)) -eq 0 ]; then
		nice -n 19 "$HWPROF" record -q -F "$HZ" -o "$W/grown-$((i / 2)).pb.gz" -- "$MIX" \
			"$SECONDS_EACH" $GROWN
	fi
	i=$((i + 1))
done
samples=$("$HWPROF" report "$W/base-1.pb.gz" | sed -n 's/.* in \([0-9]*\) samples;.*/\1/p')

# draw SEED COUNT N: a random N-subset of 1..COUNT, one per line.
draw() {
	awk -v seed="$1" -v n="$3" -v count="$2" 'BEGIN {
		srand(seed); for (i = 1; i <= count; i++) p[i] = i
		for (i = 1; i <= n; i++) { j = i + int(rand() * (count - i + 1)); t = p[i]; p[i] = p[j]; p[j] = t; print p[i] }
	}'
}
files() { sed "s|.*|$W/$1-&.pb.gz|" "$2" | tr '\n' ' '; }

echo "machine: $(nproc) CPUs, $(uname -r); mix $SECONDS_EACH s of CPU at -F $HZ (about $samples samples a run)"
echo "pools: $POOL runs as is, $((POOL / 2)) with charlie +30%; $REPS draws for each N"
echo
printf "%6s %22s %26s\n" "N" "false failures" "charlie +30% caught"
for n in 5 10 20; do
	[ $((2 * n)) -le "$POOL" ] && [ "$n" -le $((POOL / 2)) ] || continue
	false_fail=0 caught=0 rep=1
	while [ "$rep" -le "$REPS" ]; do
		draw "$n$rep" "$POOL" $((2 * n)) >"$W/d"
		head -n "$n" "$W/d" >"$W/b"
		tail -n "$n" "$W/d" >"$W/n"
		draw "$n$rep" $((POOL / 2)) "$n" >"$W/g"
		# shellcheck disable=SC2046
		"$HWPROF" gate --base $(files base "$W/b") --new $(files base "$W/n") >/dev/null 2>&1 ||
			false_fail=$((false_fail + 1))
		# shellcheck disable=SC2046
		"$HWPROF" gate --json --base $(files base "$W/b") --new $(files grown "$W/g") 2>/dev/null |
			grep -q '"name": "charlie", .*"fail": true' && caught=$((caught + 1))
		rep=$((rep + 1))
	done
	printf "%6s %12s (%5.1f%%) %16s (%5.1f%%)\n" "$n" "$false_fail/$REPS" \
		"$(echo "$false_fail $REPS" | awk '{ print 100 * $1 / $2 }')" "$caught/$REPS" \
		"$(echo "$caught $REPS" | awk '{ print 100 * $1 / $2 }')"
done
