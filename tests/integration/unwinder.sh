#!/bin/sh
# The compiled-CFI unwinder against libdw, sample by sample: --unwinder compare
# walks every sample with both and counts those whose frames or completeness
# differ.  On glibc's qsort (no frame pointers), on recursion cut by the stack
# copy, and on cc1 (tens of MB of C++ without frame pointers) when gcc is here,
# none may differ, and the tables must walk nearly all samples themselves.
. "$(dirname "$0")/lib.sh"
require_sampling

# compare NAME CMD...: record CMD with --unwinder compare and check the counts.
compare() {
	name=$1
	shift
	"$HWPROF" record -e cpu-clock -F 999 --call-graph dwarf,8192 --unwinder compare \
		-o "$TMP/$name.pb.gz" -- "$@" 2>"$TMP/$name.err" >/dev/null ||
		fail "$name: record exited $? ($(cat "$TMP/$name.err"))"
	line=$(grep '^hwprof: dwarf unwinding: ' "$TMP/$name.err") ||
		fail "$name: no unwinding line on stderr: $(cat "$TMP/$name.err")"
	total=$(echo "$line" | sed -n 's/.*dwarf unwinding: \([0-9]*\) samples.*/\1/p')
	compared=$(echo "$line" | sed -n 's/.*compared \([0-9]*\) samples.*/\1/p')
	differ=$(echo "$line" | sed -n 's/.*compared [0-9]* samples, \([0-9]*\) differ.*/\1/p')
	[ "${total:-0}" -gt 0 ] || fail "$name: no DWARF-unwound samples: $line"
	[ "${differ:-1}" -eq 0 ] || fail "$name: the unwinders differ: $line"
	share=$(awk -v c="${compared:-0}" -v t="$total" 'BEGIN { printf "%.1f\n", 100 * c / t }')
	within "$share" 90 100 || fail "$name: the tables walked only ${share}% of samples: $line"
	pass "$name: $line"
}

compare sorter "$WORKLOADS/sorter" 1
compare deeprec "$WORKLOADS/deeprec" 1 1000

# --unwinder libdw walks with libdw alone; an unknown unwinder is refused.
"$HWPROF" record -e cpu-clock -F 999 --call-graph dwarf --unwinder libdw -o "$TMP/l.pb.gz" \
	-- "$WORKLOADS/sorter" 1 2>"$TMP/l.err" >/dev/null || fail "--unwinder libdw exited $?"
grep -q 'libdw for 100.0%' "$TMP/l.err" || fail "--unwinder libdw: $(cat "$TMP/l.err")"
pass "--unwinder libdw: $(grep '^hwprof: dwarf' "$TMP/l.err")"
"$HWPROF" record --unwinder bogus -- true 2>"$TMP/b.err" && fail "--unwinder bogus accepted"
grep -q 'expected cfi, libdw or compare' "$TMP/b.err" || fail "--unwinder bogus: $(cat "$TMP/b.err")"

command -v gcc >/dev/null || skip "no gcc for the cc1 comparison (the others passed)"
cc1=$(gcc -print-prog-name=cc1)
[ -x "$cc1" ] || skip "gcc has no cc1 at $cc1 (the others passed)"
awk 'BEGIN { for (i = 0; i < 60; i++) {
	printf "int f%d(const int *v, int n) { int a = %d;\n", i, i
	printf "  for (int i = 0; i < n; i++) switch ((v[i] + %d) & 3) {\n", i
	printf "  case 0: a += v[i] * %d; break; case 1: a ^= v[i] << %d; break;\n", i + 1, i % 13
	if (i) printf "  case 2: a -= f%d(v + 1, n / 2); break;\n", i - 1
	printf "  default: a += a >> 2; }\n  return a; }\n" } }' >"$TMP/big.c"
compare cc1 "$cc1" -quiet -O2 "$TMP/big.c" -o "$TMP/big.s"
