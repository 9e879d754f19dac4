#!/bin/sh
# bench/spans.sh [RUNS] [BATCHES] - what a libhwprof span costs the program,
# in each mode, alternating RUNS times (bench/span-cost: medians of per-batch
# means): nothing records (the channel published for a later `record -p`, no
# reader: idle; HWPROF_SPANS_PUBLISH=0: unpublished); HWPROF_LATENCY_OUT (histograms in the process);
# under `hwprof record` with spans timed by the TSC (the default where the
# kernel keeps time with it), the same in batches of 500 (a thread's first
# pass through its ring: the whole run fits in it), and with
# HWPROF_SPAN_CLOCK=monotonic.  Prints per
# mode the median over runs of span-cost's median, its lowest and highest,
# and the clocks' own costs.  Run from anywhere after building.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
COST=$(dirname "$HWPROF")/bench/span-cost
RUNS=${1:-7}
BATCHES=${2:-20}
W=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && cp "$W/rows" "$KEEP"; rm -rf "$W"' EXIT
[ -x "$COST" ] || { echo "bench: $COST not built"; exit 1; }

# One row per run and mode: mode span_median clock_gettime rdtsc
row() {
	mode=$1
	shift
	"$@" >"$W/out" 2>/dev/null
	awk -v m="$mode" '/^span \(/ { s = $6 } /^clock_gettime/ { c = $4 } /^span clock/ { t = $8 }
		END { print m, s, c, (t == "" ? 0 : t) }' "$W/out" >>"$W/rows"
}

for i in $(seq "$RUNS"); do
	row idle "$COST" -b "$BATCHES"
	row unpublished env HWPROF_SPANS_PUBLISH=0 "$COST" -b "$BATCHES"
	row histograms env HWPROF_LATENCY_OUT="$W/lat" "$COST" -b "$BATCHES"
	row record-tsc "$HWPROF" record -q -o "$W/p.pb.gz" -- "$COST" -b "$BATCHES"
	row record-short "$HWPROF" record -q -o "$W/p.pb.gz" -- "$COST" -b "$BATCHES" -k 500
	row record-monotonic env HWPROF_SPAN_CLOCK=monotonic "$HWPROF" record -q -o "$W/p.pb.gz" -- \
		"$COST" -b "$BATCHES"
done

echo "machine: $(nproc) CPUs, $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "bench/span-cost -b $BATCHES (5000 spans per batch; record-short: 500), $RUNS runs per mode, alternating"
echo
awk -f bench/medians.awk -f /dev/stdin "$W/rows" <<'EOF'
END {
	printf "%-18s %14s %8s %8s\n", "mode", "ns per span", "lowest", "highest"
	split("idle unpublished histograms record-tsc record-short record-monotonic", modes, " ")
	for (k = 1; k <= 6; k++) {
		md = modes[k]; med = median(md, 2); n = sorted(md, 2)
		printf "%-18s %14.1f %8.1f %8.1f\n", md, med, a[1], a[n]
	}
	printf "\nclock_gettime %.1f ns, rdtsc %.1f ns (medians over all runs)\n",
		median("idle", 3), median("idle", 4)
}
EOF
