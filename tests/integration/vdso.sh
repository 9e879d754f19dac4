#!/bin/sh
# Frames in the program's vDSO are named (from hwprof's own copy of it), not
# left as [vdso]+0xOFFSET, wherever the vDSO has a symbol for them.
. "$(dirname "$0")/lib.sh"
require_sampling
command -v readelf >/dev/null || skip "readelf (binutils) is not installed"
"$HWPROF" record -q -o "$TMP/p.pb.gz" -- "$WORKLOADS/clockloop" 1 || fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
grep -q "read_clocks" "$TMP/f.txt" || fail "the caller read_clocks is missing"
grep -q "__vdso_clock_gettime" "$TMP/f.txt" || fail "no frame named __vdso_clock_gettime: $(head -3 "$TMP/f.txt")"

# Every frame left as [vdso]+0xOFF lies outside every function symbol of the image.
"$WORKLOADS/clockloop" --dump-vdso "$TMP/vdso.so" || fail "clockloop could not dump its vDSO"
readelf -sW "$TMP/vdso.so" | awk '$4 == "FUNC" { print $2, $3 }' >"$TMP/syms"
[ -s "$TMP/syms" ] || fail "no function symbols in the vDSO image"
inside=$(grep -o '\[vdso\]+0x[0-9a-f]*' "$TMP/f.txt" | sort -u | sed 's/.*+0x//' |
	while read -r off; do
		while read -r value size; do
			[ $((0x$off)) -ge $((0x$value)) ] && [ $((0x$off)) -lt $((0x$value + size)) ] &&
				echo "0x$off in the symbol at 0x$value"
		done <"$TMP/syms"
	done)
[ -z "$inside" ] || fail "unnamed [vdso] frames inside a symbol: $inside"

# Where the kernel keeps time with the TSC, the clock is read in named functions;
# with a paravirtual clock (kvm-clock) most of it is the image's local pvclock
# reader, which has no symbol: its frames stay [vdso]+0xOFF, as perf shows them.
named=$(awk '{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); t += v
	if (f[n] ~ /^__vdso_|^do_hres|^vread/) s += v }
	END { printf "%.1f", t ? 100 * s / t : 0 }' "$TMP/f.txt")
unnamed=$(awk '/\[vdso\]\+0x/ { v = $NF; s += v } { t += $NF } END { printf "%.1f", t ? 100 * s / t : 0 }' "$TMP/f.txt")
clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
if [ "$clock" = tsc ]; then
	within "$named" 30 100 || fail "only ${named}% of samples in a named vDSO clock function: $(head -3 "$TMP/f.txt")"
	within "$unnamed" 0 5 || fail "${unnamed}% of samples in unnamed [vdso] frames"
fi
pass "${named}% in named vDSO functions, ${unnamed}% outside any vDSO symbol (clocksource ${clock:-unknown})"
