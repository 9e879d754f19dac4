#!/bin/sh
# A large program nobody here wrote, without frame pointers: gcc's cc1 (tens
# of MB of C++) compiling a generated file, recorded with no option at all.
# Its stacks are complete by default: at least 95% of the samples reach main,
# and no sample is lost at the default rate.
. "$(dirname "$0")/lib.sh"
require_sampling
command -v gcc >/dev/null || skip "no gcc"
cc1=$(gcc -print-prog-name=cc1)
[ -x "$cc1" ] || skip "gcc has no cc1 at $cc1"
# bench/dwarf.sh's file (strlen declared: cc1 alone has no system header
# path): switches, loops and calls for cc1's optimizers.
{ echo "__SIZE_TYPE__ strlen(const char *);"
	awk -v n=300 -f "$TESTS_SRCDIR/../bench/bigc.awk"; } >"$TMP/big.c"
record_cc1() {
	"$HWPROF" record -o "$TMP/p.pb.gz" -- "$cc1" -quiet -O2 "$TMP/big.c" -o "$TMP/big.s" \
		2>"$TMP/err" >/dev/null || fail "record exited $? ($(cat "$TMP/err"))"
}
record_cc1
# The ring holds a quarter second of 32 KiB copies: a reader kept off both
# CPUs that long by the tests beside this one loses some.  Once is the
# machine; twice in a row is hwprof.
if grep -q '^hwprof: lost' "$TMP/err"; then
	echo "# $(grep '^hwprof: lost' "$TMP/err"); recording again"
	record_cc1
fi
if grep -q '^hwprof: lost' "$TMP/err"; then
	# Built with sanitizers, hwprof does several times the work per sample:
	# its speed is not what this build tests.
	[ -n "${SAN_CFLAGS:-}" ] || fail "samples lost at the default rate, twice"
	echo "# $(grep '^hwprof: lost' "$TMP/err") (a sanitizer build)"
fi
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
got=$(user_stacks "$TMP/f.txt" | awk '{ v = $NF; t += v; if ($0 ~ /(^|;)main[; ]/) m += v }
	END { printf "%.1f %.0f\n", t ? 100 * m / t : 0, t }')
share=${got% *}
within "$share" 95 100 || fail "only ${share}% of cc1's samples reach main: $(cat "$TMP/err")"
pass "${share}% of cc1's samples (${got#* } ns) reach main; $(grep '^hwprof: dwarf' "$TMP/err")"
