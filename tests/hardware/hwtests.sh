#!/bin/sh
# hwtests.sh - the hardware tests: hwprof on a real PMU, against exact truth.
# Prints TAP on standard output, one point per assertion.
#
# Run by the guest's /init in the hardware lane (QEMU's ARMv8 PMU with -icount
# shift=1: every instruction counts 2 cycles, and a run's user-space counts are
# the same every time), or directly on a machine with a PMU.  Environment:
#   HWPROF     the hwprof binary
#   WORKLOADS  a folder with calltree, leaves, calltree-nofp, threads
#   HWBIN      a folder with hwloop, hwref, hwuser (tests/hardware/)
#   HW_EXACT   1 under QEMU -icount: counts compared exactly, CPI is exactly 2
#   READ_INSNS bench/read-insns, whose figures are printed (default: HWBIN/read-insns)
# POSIX sh and busybox's tools only.  Points that wait for work not done yet
# carry a TAP TODO directive: they report, they do not fail the suite.
set -u
: "${HWPROF:?}" "${WORKLOADS:?}" "${HWBIN:?}"
EXACT=${HW_EXACT:-0}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwtests.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
ARCH=$(uname -m)
KERNEL=$(uname -r)
n=0

# check FUNCTION DESC [TODO]: one TAP point.  FUNCTION runs in a subshell and
# passes unless it calls fail, whose reason follows a failure as diagnostics.
check() {
	rm -f "$TMP/why"
	("$1")
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then r=ok; else r="not ok"; fi
	if [ -n "${3:-}" ]; then echo "$r $n - $2 # TODO $3"; else echo "$r $n - $2"; fi
	if [ "$rc" -ne 0 ] && [ -s "$TMP/why" ]; then sed 's/^/#   /' "$TMP/why"; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
note() { echo "# $*"; }
# fail REASON: inside a test function only: it fails, and says why.
fail() { printf '%s\n' "$*" >"$TMP/why"; exit 1; }

# csv_field FILE EVENT COLUMN: a field of `hwprof stat -x,` for EVENT (the
# first line naming it; column 1 is the value, 4 the percentage counted).
csv_field() { awk -F, -v e="$2" -v c="$3" '$3 == e { print $c; exit }' "$1"; }

# stat_events EVENTS CMD...: hwprof stat -x, into $TMP/stat.csv.
stat_events() {
	ev=$1
	shift
	"$HWPROF" stat -x, -o "$TMP/stat.csv" -e "$ev" -- "$@" 2>"$TMP/stat.err" ||
		fail "hwprof stat -e $ev $*: exit $?: $(cat "$TMP/stat.err")"
}

# exact_or_close GOT WANT: equal under -icount; within 0.05% on real hardware,
# where interrupts and the PMU's own counting add a little noise.
exact_or_close() {
	if [ "$EXACT" = 1 ]; then
		[ "$1" = "$2" ]
	else
		awk -v g="$1" -v w="$2" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d / w <= 0.0005) }'
	fi
}

# --- the machine ---------------------------------------------------------------

pmu=$(ls /sys/bus/event_source/devices 2>/dev/null | grep -E '^(armv8|cpu$|cpu_core$)' | head -1)
note "kernel $KERNEL on $ARCH; PMU ${pmu:-none}; uid $(id -u);" \
	"perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null)"
# The reference counts of hwloop 1000000, kept for the tests below.
t_pmu() {
	"$HWBIN/hwref" "$HWBIN/hwloop" 1000000 >"$TMP/ref.txt" 2>"$TMP/ref.err" ||
		fail "a bare perf_event_open cannot count cycles:u and instructions:u here: $(cat "$TMP/ref.err")"
}
check t_pmu "the PMU (${pmu:-?}) counts cycles:u and instructions:u for a bare perf_event_open"
if [ "$rc" -ne 0 ]; then
	echo "Bail out! no hardware PMU to test"
	exit 0
fi

# --- counting ------------------------------------------------------------------

# stat counts what a bare perf_event_open counts, for the same command.
t_stat_ref() {
	stat_events cycles:u,instructions:u "$HWBIN/hwloop" 1000000
	for e in cycles instructions; do
		want=$(awk -v e="$e" '$1 == e { print $2 }' "$TMP/ref.txt")
		got=$(csv_field "$TMP/stat.csv" "$e:u" 1)
		exact_or_close "$got" "$want" || fail "$e:u: hwprof stat $got, perf_event_open $want"
	done
}
check t_stat_ref "stat -e cycles:u,instructions:u equals a bare perf_event_open (hwloop 1000000)"

# Runs of 100000, 200000, 300000 iterations (same number of digits: the same
# work outside the loop): the loop's instruction count per iteration is an
# integer, and it is the 4 written in hwloop's assembly.
t_per_iter() {
	prev=
	for k in 100000 200000 300000; do
		stat_events instructions:u "$HWBIN/hwloop" $k
		i=$(csv_field "$TMP/stat.csv" instructions:u 1)
		if [ -n "$prev" ]; then
			d=$((i - prev))
			per=$(awk -v d="$d" 'BEGIN { printf "%.5f", d / 100000 }')
			note "100000 more iterations: $d more instructions, $per each"
			if [ "$EXACT" = 1 ]; then
				[ "$d" -eq 400000 ] || fail "want exactly 400000 (4 each)"
			else
				awk -v p="$per" 'BEGIN { exit !(p > 3.999 && p < 4.001) }' || fail "want 4 each"
			fi
		fi
		prev=$i
	done
}
check t_per_iter "instructions per loop iteration is an integer: 4, as hwloop's assembly has"

# Under -icount shift=1 each instruction takes exactly 2 cycles: CPI is 2.0
# to the last count, in a tight loop and in calltree alike.
t_cpi() {
	for w in "$HWBIN/hwloop 1000000" "$WORKLOADS/calltree 0.05"; do
		# shellcheck disable=SC2086
		stat_events cycles:u,instructions:u $w
		c=$(csv_field "$TMP/stat.csv" cycles:u 1)
		i=$(csv_field "$TMP/stat.csv" instructions:u 1)
		[ "$c" -eq $((2 * i)) ] || fail "${w##*/}: $c cycles for $i instructions," \
			"CPI $(awk -v c="$c" -v i="$i" 'BEGIN { printf "%.6f", c / i }'), want exactly 2"
	done
}
if [ "$EXACT" = 1 ]; then
	check t_cpi "CPI is exactly 2.0 (cycles:u = 2 x instructions:u) in hwloop and calltree"
else
	skip "CPI is exactly 2.0" "only QEMU's -icount shift=1 makes it exact"
fi

# More events than counters (six plus the cycle counter on ARMv8): the kernel
# rotates them, stat scales each by enabled/running and shows the coverage.
# The truth is the same command counted alone.
MUX_N=20000000
MUX_EV=instructions:u,instructions:u,instructions:u,instructions:u,instructions:u,instructions:u
MUX_EV=$MUX_EV,cycles:u,cycles:u,cycles:u,cycles:u,cycles:u,cycles:u
(
	stat_events instructions:u "$HWBIN/hwloop" $MUX_N
	csv_field "$TMP/stat.csv" instructions:u 1 >"$TMP/mux.exact"
	stat_events "$MUX_EV" "$HWBIN/hwloop" $MUX_N
	cp "$TMP/stat.csv" "$TMP/mux.csv"
) 2>&1
mux_exact=$(cat "$TMP/mux.exact" 2>/dev/null)
[ -s "$TMP/mux.csv" ] && note "exact instructions:u ${mux_exact}; multiplexed (value,counted%):" \
	"$(awk -F, '{ printf " %s=%s,%s%%", $3, $1, $4 }' "$TMP/mux.csv")"
# mux_within EVENT WANT: every line of EVENT within 3% of WANT.
mux_within() {
	[ -s "$TMP/mux.csv" ] && [ -n "$mux_exact" ] || fail "no multiplexed counts: $(cat "$TMP/stat.err")"
	awk -F, -v e="$1" -v w="$2" '$3 == e { d = ($1 - w) / w; if (d < 0) d = -d; n++
		if (d > 0.03) { printf "%s scaled to %s, %.2f%% off %s\n", e, $1, 100 * d, w; bad = 1 } }
		END { exit bad || n != 6 }' "$TMP/mux.csv" >"$TMP/mux.why" || fail "$(cat "$TMP/mux.why")"
}
t_mux_insn() { mux_within instructions:u "$mux_exact"; }
t_mux_cycles() { mux_within cycles:u $((2 * ${mux_exact:-0})); }
t_mux_coverage() {
	[ "$(wc -l <"$TMP/mux.csv")" -eq 12 ] || fail "want 12 lines: $(cat "$TMP/mux.csv")"
	awk -F, '$4 >= 100 { print $3 " counted " $4 "% of the time"; bad = 1 } END { exit bad }' \
		"$TMP/mux.csv" >"$TMP/mux.why" || fail "$(cat "$TMP/mux.why")"
}
check t_mux_insn "multiplexed: each of 6 x instructions:u scaled within 3% of the exact count"
if [ "$EXACT" = 1 ]; then
	check t_mux_cycles "multiplexed: each of 6 x cycles:u scaled within 3% of the exact count"
else
	skip "multiplexed: cycles:u within 3%" "cycles are exact only under QEMU -icount"
fi
check t_mux_coverage "multiplexed: all 12 events show a coverage below 100%"

# --- sampling ------------------------------------------------------------------

# Sample on cycles (QEMU 7.2 raises the inst_retired overflow only at the next
# exception entry; the cycles overflow comes on time).  Under -icount the run
# is the same every time; on real hardware calltree runs longer.
if [ "$EXACT" = 1 ]; then PERIOD=50021 SECS=0.3; else PERIOD=1000003 SECS=1; fi

# record_folded NAME OPTIONS... -- CMD...: hwprof record into $TMP/NAME.pb.gz,
# its folded stacks into $TMP/NAME.txt, its stderr into $TMP/NAME.err.
record_folded() {
	name=$1
	shift
	"$HWPROF" record -o "$TMP/$name.pb.gz" "$@" 2>"$TMP/$name.err" ||
		fail "hwprof record $*: exit $?: $(cat "$TMP/$name.err")"
	"$HWPROF" report --folded "$TMP/$name.pb.gz" >"$TMP/$name.txt" 2>"$TMP/$name.rerr" ||
		fail "hwprof report --folded: $(cat "$TMP/$name.rerr")"
}

# shares FOLDED: per calltree leaf, "leaf share% chain%": its share of all the
# samples and the share of its own samples whose stack ends main;mid_X;leaf_X.
# (-e cycles:u: no kernel frames to strip.)
shares() {
	awk '{ v = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";"); tot += v
		leaf = f[k]; val[leaf] += v; mid = leaf; sub(/^leaf_/, "mid_", mid)
		if (k >= 3 && f[k - 1] == mid && f[k - 2] == "main") chain[leaf] += v }
		END { split("leaf_a leaf_b leaf_c", l, " ")
			for (i = 1; i <= 3; i++)
				printf "%s %.2f %.2f\n", l[i], tot ? 100 * val[l[i]] / tot : 0,
					val[l[i]] ? 100 * chain[l[i]] / val[l[i]] : 0 }' "$1"
}

# check_split FOLDED: the designed 60/30/10 within 1 point.
check_split() {
	shares "$1" >"$1.shares"
	note "$1: $(awk '{ printf "%s %s%% ", $1, $2 }' "$1.shares")"
	awk '{ want = ($1 == "leaf_a") ? 60 : ($1 == "leaf_b") ? 30 : 10; d = $2 - want
		if (d < -1 || d > 1) { printf "%s has %s%% of the samples, designed %d%%\n", $1, $2, want; bad = 1 } }
		END { exit bad }' "$1.shares" >"$1.why" || fail "$(cat "$1.why")"
}

# check_chains FOLDED: at least 99% of each leaf's samples with main;mid_X;leaf_X.
check_chains() {
	shares "$1" >"$1.shares"
	awk '$3 < 99 { bad = 1
		printf "%s: only %s%% of its samples show main;mid_%s;%s\n", $1, $3, substr($1, 6), $1 }
		END { exit bad }' "$1.shares" >"$1.why" ||
		fail "$(cat "$1.why")
heaviest stacks:
$(sort -k2 -n -r "$1" | head -4)"
}

t_fp_split() {
	record_folded fp -q -e cycles:u -c $PERIOD -g -- "$WORKLOADS/calltree" $SECS
	check_split "$TMP/fp.txt"
}
check t_fp_split "record -e cycles:u -c $PERIOD -g: calltree's 60/30/10 split within 1 point"
t_fp_chains() {
	[ -s "$TMP/fp.txt" ] || fail "no profile"
	check_chains "$TMP/fp.txt"
}
check t_fp_chains "frame pointers: complete main;mid_X;leaf_X stacks (calltree)"

# Frameless leaves: the kernel's frame-pointer walk misses the leaf's caller,
# which arm64 keeps in x30 (the link register) and x86-64 on the stack.
t_leaves() {
	record_folded leaves -q -e cycles:u -c $PERIOD -g -- "$WORKLOADS/leaves" $SECS
	check_chains "$TMP/leaves.txt"
}
check t_leaves "frame pointers, frameless leaves: the leaf's caller recovered (main;mid_X;leaf_X)"

# DWARF unwinding of code without frame pointers.
t_dwarf() {
	record_folded dwarf -q -e cycles:u -c $PERIOD --call-graph dwarf -- "$WORKLOADS/calltree-nofp" $SECS
	check_split "$TMP/dwarf.txt"
	check_chains "$TMP/dwarf.txt"
}
check t_dwarf "--call-graph dwarf: calltree-nofp's split within 1 point, complete stacks"

# A {cycles,instructions} group samples on cycles and reads instructions with
# each sample: both sample types, and per function CPI 2.0 (each period of
# 100002 cycles is 50001 instructions under -icount).  Kernels before 6.12
# refuse inherit with PERF_SAMPLE_READ: hwprof opens the group on each thread
# there, and says so.
OLD_KERNEL=0
case $KERNEL in
[0-5].* | 6.[0-9].* | 6.1[01].*) OLD_KERNEL=1 ;;
esac
t_group() {
	record_folded group -q -e '{cycles:u,instructions:u}' -c 100002 -g -- "$WORKLOADS/calltree" $SECS
	for t in cycles instructions; do
		"$HWPROF" report -t $t --folded "$TMP/group.pb.gz" >"$TMP/group.$t" 2>"$TMP/group.terr" ||
			fail "no $t sample type: $(cat "$TMP/group.terr")"
		[ -s "$TMP/group.$t" ] || fail "no $t samples"
	done
}
check t_group "record -e '{cycles:u,instructions:u}': both sample types"
t_group_cpi() {
	[ -s "$TMP/group.cycles" ] && [ -s "$TMP/group.instructions" ] || fail "no group profile"
	awk 'FNR == 1 { f++ } { v = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, a, ";")
		if (a[k] !~ /^leaf_/) next; x[f, a[k]] += v; seen[a[k]] = 1 }
		END { for (l in seen) { m++; c = x[1, l]; i = x[2, l]; cpi = i ? c / i : 0
			if (cpi < 1.99 || cpi > 2.01) {
				printf "%s: %d cycles, %d instructions: CPI %.4f\n", l, c, i, cpi; bad = 1 } }
			if (m != 3) { print "leaves seen: " m ", want 3"; bad = 1 }
			exit bad }' "$TMP/group.cycles" "$TMP/group.instructions" >"$TMP/cpi.why" ||
		fail "$(cat "$TMP/cpi.why")"
}
if [ "$EXACT" = 1 ]; then
	check t_group_cpi "group: CPI 2.0 in each of leaf_a, leaf_b, leaf_c"
else
	skip "group: CPI 2.0 per function" "only QEMU's -icount shift=1 makes it exact"
fi

# The group follows the command into the threads it starts (the per-thread
# events on kernels before 6.12 open at each thread's FORK record): each
# worker's function has both sample types, at CPI 2.0 under -icount.
t_group_threads() {
	record_folded gthreads -e '{cycles:u,instructions:u}' -c 100002 -- "$WORKLOADS/threads" 0.1
	if [ "$OLD_KERNEL" = 1 ]; then
		grep -q "each thread" "$TMP/gthreads.err" ||
			fail "nothing said of the per-thread group on kernel $KERNEL: $(cat "$TMP/gthreads.err")"
	fi
	for t in cycles instructions; do
		"$HWPROF" report -t $t --folded "$TMP/gthreads.pb.gz" >"$TMP/gthreads.$t" 2>&1 ||
			fail "no $t sample type: $(cat "$TMP/gthreads.$t")"
	done
	awk -v exact="$EXACT" 'FNR == 1 { f++ } { v = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, a, ";")
		if (a[k] !~ /^work_/) next; x[f, a[k]] += v; seen[a[k]] = 1 }
		END { for (w in seen) { m++; c = x[1, w]; i = x[2, w]; cpi = i ? c / i : 0
			if (!c || !i || (exact == 1 && (cpi < 1.99 || cpi > 2.01))) {
				printf "%s: %d cycles, %d instructions: CPI %.4f\n", w, c, i, cpi; bad = 1 } }
			if (m != 2) { print "worker functions seen: " m ", want work_one and work_two"; bad = 1 }
			exit bad }' "$TMP/gthreads.cycles" "$TMP/gthreads.instructions" >"$TMP/gthreads.why" ||
		fail "$(cat "$TMP/gthreads.why")"
}
check t_group_threads "group on a command's threads: work_one and work_two each with both types$(
	[ "$EXACT" = 1 ] && echo ', CPI 2.0')"

# :pp asks for precise samples; a PMU without them (ARMv8's has none; x86
# says so in caps/max_precise) must say it samples without, not stay silent.
t_pp() {
	record_folded pp -e cycles:upp -c $PERIOD -- "$WORKLOADS/calltree" 0.05
	[ -s "$TMP/pp.txt" ] || fail "no samples"
	grep -q -i precise "$TMP/pp.err" || fail "nothing said about precise sampling (stderr: $(cat "$TMP/pp.err"))"
}
if [ "$(cat /sys/bus/event_source/devices/cpu/caps/max_precise 2>/dev/null || echo 0)" -gt 0 ]; then
	skip ":pp on a PMU without precise sampling" "this PMU has precise sampling"
else
	check t_pp "record -e cycles:upp on a PMU without precise sampling: samples, and says so"
fi

# --- event names and list ------------------------------------------------------

# libpfm4's table for this PMU (the lane's -cpu neoverse-n1 is arm_n1).
"$HWPROF" list >"$TMP/list.txt" 2>&1
table=$(sed -n 's/^\([a-z0-9_]*\) events (libpfm4: .*/\1/p' "$TMP/list.txt" | head -1)
t_table() {
	if [ "$EXACT" = 1 ]; then
		[ "$table" = arm_n1 ] || fail "list shows libpfm4 table '${table}', want arm_n1 for -cpu neoverse-n1"
	else
		[ -n "$table" ] || fail "no libpfm4 PMU table in 'hwprof list': $(grep -i pmu "$TMP/list.txt" | head -3)"
	fi
}
check t_table "list: libpfm4's table for this PMU is ${table:-missing}"

case $table in
arm_*) inst="$table::INST_RETIRED" ;;
amd64_*) inst="$table::RETIRED_INSTRUCTIONS" ;;
"") inst= ;;
*) inst="$table::INST_RETIRED:ANY_P" ;;
esac
# ARMv8's architected event number for instructions retired is 0x08.
t_encode() {
	"$HWPROF" list --attr "$inst" >"$TMP/attr.txt" 2>&1 || fail "$(cat "$TMP/attr.txt")"
	[ "$ARCH" != aarch64 ] ||
		awk '$1 == "type" && $2 == 4 { t = 1 } $1 == "config" && $2 == "0x8" { c = 1 } END { exit !(t && c) }' \
			"$TMP/attr.txt" || fail "want type 4 (raw), config 0x8: $(cat "$TMP/attr.txt")"
}
t_count() {
	stat_events "$inst:u" "$HWBIN/hwloop" 1000000
	got=$(csv_field "$TMP/stat.csv" "$inst:u" 1)
	want=$(awk '$1 == "instructions" { print $2 }' "$TMP/ref.txt")
	exact_or_close "$got" "$want" || fail "$inst:u counted $got, instructions:u (perf_event_open) $want"
}
if [ -n "$inst" ]; then
	check t_encode "libpfm4 name $inst encodes$([ "$ARCH" = aarch64 ] && echo ' as raw event 0x08')"
	check t_count "libpfm4 name $inst:u counts what instructions:u counts"
else
	skip "libpfm4 name encodes" "no libpfm4 table for this PMU"
	skip "libpfm4 name counts" "no libpfm4 table for this PMU"
fi

# list marks ok exactly the generic hardware events this PMU counts.  ARMv8:
# the kernel maps them to architected events and lists the ones the PMU
# implements (PMCEID) in sysfs; elsewhere only cycles and instructions are sure.
t_list_marks() {
	sysfs=$(ls -d /sys/bus/event_source/devices/armv8_pmuv3*/events 2>/dev/null | head -1)
	if [ "$ARCH" = aarch64 ] && [ -n "$sysfs" ]; then
		map="cycles:cpu_cycles instructions:inst_retired cache-references:l1d_cache
cache-misses:l1d_cache_refill branch-misses:br_mis_pred bus-cycles:bus_cycles
stalled-cycles-frontend:stall_frontend stalled-cycles-backend:stall_backend"
	else
		map="cycles: instructions:"
	fi
	bad=
	for m in $map; do
		name=${m%%:*} ev=${m#*:}
		want=ok
		[ -n "$ev" ] && [ ! -e "$sysfs/$ev" ] && want=no
		got=$(awk -v e="$name" '$1 == e { print $2; exit }' "$TMP/list.txt")
		[ "$got" = "$want" ] || bad="$bad$name: list says '${got}', want $want${ev:+ (sysfs: $ev)}; "
	done
	[ -z "$bad" ] || fail "$bad"
}
check t_list_marks "list marks ok exactly the generic hardware events this PMU counts"

# The kernel's own names for this PMU's events (sysfs): PMU/EVENT/ and
# PMU/event=N/ as perf takes them count what instructions:u counts.
dev=/sys/bus/event_source/devices
spmu= sinst=
for p in $(ls "$dev" 2>/dev/null); do
	case $p in armv8_* | armv9_* | cpu | cpu_core) ;; *) continue ;; esac
	for e in inst_retired instructions; do
		[ -f "$dev/$p/events/$e" ] && { spmu=$p sinst=$e; break 2; }
	done
done
t_sysfs_name() {
	stat_events "$spmu/$sinst/u" "$HWBIN/hwloop" 1000000
	got=$(csv_field "$TMP/stat.csv" "$spmu/$sinst/u" 1)
	want=$(awk '$1 == "instructions" { print $2 }' "$TMP/ref.txt")
	exact_or_close "$got" "$want" || fail "$spmu/$sinst/u counted $got, instructions:u (perf_event_open) $want"
}
t_sysfs_terms() {
	terms=$(cat "$dev/$spmu/events/$sinst")
	case $terms in *,*) fail "$spmu/$sinst is $terms: more than one term" ;; esac
	stat_events "$spmu/$terms/u" "$HWBIN/hwloop" 1000000
	got=$(csv_field "$TMP/stat.csv" "$spmu/$terms/u" 1)
	want=$(awk '$1 == "instructions" { print $2 }' "$TMP/ref.txt")
	exact_or_close "$got" "$want" || fail "$spmu/$terms/u counted $got, instructions:u (perf_event_open) $want"
}
t_sysfs_list() {
	"$HWPROF" list "$spmu/" >"$TMP/slist.txt" 2>&1 || fail "hwprof list $spmu/: $(head -3 "$TMP/slist.txt")"
	awk -v e="$spmu/$sinst/" '$1 == e && $2 == "ok" { f = 1 } END { exit !f }' "$TMP/slist.txt" ||
		fail "list does not mark $spmu/$sinst/ ok: $(grep "$sinst" "$TMP/slist.txt")"
	"$HWPROF" list --attr "$spmu/$sinst/" >"$TMP/sattr.txt" 2>&1 || fail "$(cat "$TMP/sattr.txt")"
	awk -v t="$(cat "$dev/$spmu/type")" '$1 == "type" && $2 == t { f = 1 } END { exit !f }' "$TMP/sattr.txt" ||
		fail "list --attr: type is not $spmu's ($(cat "$dev/$spmu/type")): $(cat "$TMP/sattr.txt")"
}
if [ -n "$spmu" ]; then
	check t_sysfs_name "sysfs name $spmu/$sinst/u counts what instructions:u counts"
	check t_sysfs_terms "sysfs terms $spmu/$(cat "$dev/$spmu/events/$sinst")/u count the same"
	check t_sysfs_list "list shows $spmu/$sinst/ ok, --attr with $spmu's type"
else
	for w in name terms list; do skip "sysfs PMU event by $w" "no CPU PMU with an instructions event in $dev"; done
fi

# --- reading counters from user space ------------------------------------------

# libhwprof reads its counters without a system call where the PMU allows it
# (x86 rdpmc; arm64 once perf_user_access is 1).  Its increases around N and 2N
# loop iterations must differ by exactly 4N, as those read with read() do.
ua=/proc/sys/kernel/perf_user_access
ua_old=$(cat $ua 2>/dev/null)
[ -n "$ua_old" ] && echo 1 >$ua 2>/dev/null
"$HWBIN/hwuser" 1000000 >"$TMP/user.txt" 2>"$TMP/user.err"
user_rc=$?
# The benchmark of the same reads (bench/README.md), printed, never a test.
bench=${READ_INSNS:-$HWBIN/read-insns}
[ -x "$bench" ] && "$bench" 2>&1 | sed 's/^/# bench: /'
[ -n "$ua_old" ] && echo "$ua_old" >$ua 2>/dev/null
note "hwuser: $(tr '\n' ' ' <"$TMP/user.txt")$(cat "$TMP/user.err")"
t_user() {
	[ "$user_rc" -eq 0 ] || fail "hwuser failed: $(cat "$TMP/user.err")"
	grep -q '^user_access 1$' "$TMP/user.txt" || fail "libhwprof reads through read(), not from user space"
}
t_user_exact() {
	t_user
	for way in user read; do
		d=$(awk -v w="$way" '$1 == w "_step" { print $2 }' "$TMP/user.txt")
		exact_or_close "$d" 4000000 ||
			fail "$way: 1000000 more iterations read as $d more instructions, want 4000000"
	done
}
check t_user "libhwprof reads counters from user space (no system call)"
check t_user_exact "user-space reads are exact: 4 instructions per iteration, as with read()"

echo "1..$n"
