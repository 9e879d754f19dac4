#!/bin/sh
# bench/blindspot.sh [SHARE] - a function called very often for much less than
# a sampling period (bench/blindspot: tiny(), about 50 ns a call, SHARE
# percent of the CPU time, default 0.5), recorded at three rates and three run
# lengths: the samples it gets, its measured share and the report's interval,
# against the samples a share of SHARE% needs (30 for the report's confidence
# mark, 1.96^2 (1 - p) / (0.25^2 p) for +-25% of itself).  Prints figures,
# never fails.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
BLIND=$(dirname "$HWPROF")/bench/blindspot
SHARE=${1:-0.5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[ -x "$BLIND" ] || { echo "bench: $BLIND not built (make builds it)"; exit 1; }

echo "machine: $(nproc) CPUs, $(uname -r); tiny() designed at $SHARE% of the CPU time"
awk -v s="$SHARE" 'BEGIN { p = s / 100
	printf "needed: %d samples in all for 30 in tiny; %d for +-25%% of its share (95%%)\n",
		30 / p, 1.96 * 1.96 * (1 - p) / (0.0625 * p) }'
echo
printf "%7s %8s %9s %12s %12s %10s\n" "rate Hz" "run s" "samples" "tiny samples" "tiny share" "+-95%"
for hz in 99 999 4999; do
	for s in 0.5 2 8; do
		nice -n 19 "$HWPROF" record -q -F "$hz" -m 1024 -o "$W/p.pb.gz" -- "$BLIND" "$s" "$SHARE"
		"$HWPROF" report -n 0 "$W/p.pb.gz" >"$W/top"
		total=$(sed -n 's/.* in \([0-9]*\) samples;.*/\1/p' "$W/top")
		awk -v hz="$hz" -v s="$s" -v total="$total" '
			$NF == "tiny" { n = $6; sh = $2; pm = $7 }
			END { if (n == "") { n = 0; sh = "0.00%"; pm = "-" }
			      printf "%7s %8s %9s %12s %12s %10s\n", hz, s, total, n, sh, pm }' "$W/top"
	done
done
