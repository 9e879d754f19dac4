#!/bin/sh
# bench/dwarf.sh [RUNS] - DWARF unwinding, hwprof vs perf, on code without frame
# pointers: `gcc -O2 -c` of a generated C file (cc1 is built without them),
# profiled by `hwprof record --call-graph dwarf` and by `perf record
# --call-graph dwarf` followed by `perf report --stdio` (perf unwinds at report
# time).  Alternating runs, medians: CPU of each step beyond the bare compile,
# time from the compiler's exit to a ready profile, output sizes, hwprof's
# unwinding cost per sample, and both top-10 self-time tables.
# Run from the top of the tree after building; needs perf and gcc.
# FUNCS (default 300) sets the generated file's size: some 4 s of cc1.
set -eu
cd "$(dirname "$0")/.."
HWPROF=${HWPROF:-$PWD/build/hwprof}
RUNS=${1:-3}
FUNCS=${FUNCS:-300}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
command -v perf >/dev/null || { echo "bench: perf not found (apt-get install linux-perf)"; exit 1; }
cc -O2 bench/measure.c -o "$W/measure"

# Functions that switch, loop and call their predecessor: inlining, register
# allocation and scheduling work for cc1, in a file of ~$((FUNCS * 17)) lines.
{ echo "#include <string.h>"; awk -v n="$FUNCS" -f bench/bigc.awk; } >"$W/big.c"
# The job notes when the compiler is done (CLOCK_REALTIME, like file mtimes).
cat >"$W/job.sh" <<EOF
#!/bin/sh
gcc -O2 -c "$W/big.c" -o "$W/big.o"
s=\$?
date +%s%N >"$W/exit_ns"
exit \$s
EOF
chmod +x "$W/job.sh"

# measure's line: wall_ns cpu_ns maxrss_kb end_mono_ns status
cpu_of() { set -- $1; echo "$2"; }
mtime_ns() { stat -c '%.9Y' "$1" | tr -d .; }

for i in $(seq "$RUNS"); do
	bare=$(cpu_of "$("$W/measure" "$W/job.sh")")

	line=$("$W/measure" "$HWPROF" record -e cpu-clock -F 999 --call-graph dwarf -o "$W/h.pb.gz" \
		-- "$W/job.sh" 2>"$W/herr")
	h_ready=$(( $(mtime_ns "$W/h.pb.gz") - $(cat "$W/exit_ns") ))
	h_cpu=$(cpu_of "$line")
	h_us=$(sed -n 's/.*median \([0-9.]*\) us\/sample.*/\1/p' "$W/herr")
	h_samples=$(sed -n 's/^hwprof: \([0-9]*\) samples in.*/\1/p' "$W/herr")
	h_partial=$(sed -n 's/.*outermost frame in \([0-9.]*\)%.*/\1/p' "$W/herr")
	h_lost=$(sed -n 's/^hwprof: lost \([0-9]*\) samples.*/\1/p' "$W/herr")

	line=$("$W/measure" perf record -q -e cpu-clock -F 999 --call-graph dwarf -o "$W/perf.data" \
		-- "$W/job.sh" 2>/dev/null)
	p_rec_ready=$(( $(mtime_ns "$W/perf.data") - $(cat "$W/exit_ns") ))
	p_rec_cpu=$(cpu_of "$line")
	line=$("$W/measure" sh -c "perf report --stdio -i '$W/perf.data' >'$W/perf.txt' 2>/dev/null")
	set -- $line
	p_rep_wall=$1 p_rep_cpu=$2

	echo "$bare $h_cpu $h_ready $h_us $h_samples $h_partial $p_rec_cpu $p_rec_ready $p_rep_cpu $p_rep_wall ${h_lost:-0}" >>"$W/rows"
done

perf_size=$(stat -c %s "$W/perf.data")
pprof_size=$(stat -c %s "$W/h.pb.gz")
echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "workload: gcc -O2 -c of a generated $(wc -l <"$W/big.c")-line C file; -e cpu-clock -F 999;"
echo "          $RUNS alternating runs per tool, medians"
awk -v psize="$perf_size" -v hsize="$pprof_size" '
function med(col,   n, i, j, t, a) {
	for (i = 1; i <= NR; i++) a[i] = v[i, col]
	n = NR
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ for (c = 1; c <= NF; c++) v[NR, c] = $c }
END {
	bare = med(1); h = med(2) - bare; prec = med(7) - bare; prep = med(9)
	printf "\n%-38s %14s %14s\n", "", "hwprof", "perf"
	printf "%-38s %14s %14s\n", "bare compile CPU", sprintf("%.2f s", bare / 1e9), ""
	printf "%-38s %14s %14s\n", "record: extra CPU", sprintf("%.2f s", h / 1e9), sprintf("%.2f s", prec / 1e9)
	printf "%-38s %14s %14s\n", "report: CPU (perf report --stdio)", "-", sprintf("%.2f s", prep / 1e9)
	printf "%-38s %14s %14s\n", "total extra CPU", sprintf("%.2f s", h / 1e9), sprintf("%.2f s", (prec + prep) / 1e9)
	printf "%-38s %14s\n", "hwprof / perf extra CPU", sprintf("%.3f", (prec + prep) > 0 ? h / (prec + prep) : 0)
	printf "%-38s %14s %14s\n", "compiler exit -> profile ready", sprintf("%.2f s", med(3) / 1e9),
		sprintf("%.2f s", (med(8) + med(10)) / 1e9)
	printf "%-38s %14s %14s\n", "output size", sprintf("%.1f KB", hsize / 1e3), sprintf("%.1f MB", psize / 1e6)
	printf "%-38s %14s\n", "samples (hwprof)", med(5)
	printf "%-38s %14s\n", "samples lost (hwprof, ring full)", med(11)
	printf "%-38s %14s\n", "unwinding, median us/sample", med(4)
	printf "%-38s %14s\n", "walks stopped before outermost, %", med(6)
}' "$W/rows"

echo
echo "top 10 self time, last run (hwprof report --top | perf report --stdio --no-children):"
# The rows (flat% in field 2), their name after flat..cum%, samples and +-95%.
"$HWPROF" report --top -n 10 "$W/h.pb.gz" | awk 'NR > 2 && $2 ~ /%$/ { n = $8; for (i = 9; i <= NF; i++) n = n " " $i; printf "%-8s %.34s\n", $2, n }' >"$W/htop"
perf report --stdio --no-children --sort sym -i "$W/perf.data" 2>/dev/null |
	awk '/^ *[0-9.]+%/ { sub(/\[[.k]\] /, ""); n = $2; for (i = 3; i <= NF; i++) n = n " " $i; printf "%-8s %.34s\n", $1, n }' | head -10 >"$W/ptop"
paste -d'|' "$W/htop" "$W/ptop" | awk -F'|' '{ printf "  %-44s %s\n", $1, $2 }'
