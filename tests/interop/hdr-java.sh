#!/bin/sh
# hdr-java.sh - our HdrHistogram interval logs against the Java reference
# implementation (Debian's libhdrhistogram-java), both ways:
#   - HistogramLogReader decodes our .hlog to the same count, percentiles and max
#     (tests/interop/HdrCheck.java, compiled here against the jar);
#   - HistogramLogProcessor turns our .hlog into the same .hgrm as our --hgrm,
#     and its -correctLogWithKnownCoordinatedOmission on our uncorrected log
#     gives the same distribution as our --expected-interval;
#   - a log written by HistogramLogWriter is read by `hwprof latency --read-hlog`
#     to the values the Java side computed.
# Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
. "${TESTS_SRCDIR:-$(dirname "$0")/..}/integration/lib.sh"

JAR=${HDRHISTOGRAM_JAR:-/usr/share/java/hdrhistogram.jar}
command -v java >/dev/null 2>&1 || skip "java not found (apt-get install default-jre-headless)"
command -v javac >/dev/null 2>&1 || skip "javac not found (apt-get install default-jdk-headless)"
[ -r "$JAR" ] || skip "$JAR not found (apt-get install libhdrhistogram-java)"

javac -d "$TMP" -cp "$JAR" "$TESTS_SRCDIR/interop/HdrCheck.java" >"$TMP/javac.log" 2>&1 || {
	cat "$TMP/javac.log"
	fail "could not compile tests/interop/HdrCheck.java against $JAR"
}
check() { java -cp "$TMP:$JAR" HdrCheck "$@"; }
processor() { java -cp "$JAR" org.HdrHistogram.HistogramLogProcessor "$@"; }

# ours NAME FILE: a value of our summary (--output-unit ns: "NAME VALUE ns").
ours() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
theirs() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
# equivalent A B: the same value at 3 significant digits (HdrHistogram's
# ranges are 1/1024 wide at most).
equivalent() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a > b ? a : b;
	exit !(a != "" && b != "" && d * 1000 <= m) }'; }

# A heavy-tailed input with a few stalls: 20000 latencies from 50 us to ~2 s.
awk 'BEGIN { x = 12345; for (i = 0; i < 20000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
	u = x / 2147483648; v = int(50000 / (1 - u * 0.99999)); if (i % 997 == 0) v = v * 40;
	printf "%.0f\n", v } }' >"$TMP/in.txt"

"$HWPROF" latency --output-unit ns --hlog "$TMP/ours.hlog" <"$TMP/in.txt" >"$TMP/ours.out" ||
	fail "hwprof latency: exit $?"
# The .hgrm in HdrHistogram's default unit (ms for ns values), as the processor's.
"$HWPROF" latency --hgrm "$TMP/ours.hgrm" <"$TMP/in.txt" >/dev/null || fail "--hgrm: exit $?"
check read "$TMP/ours.hlog" >"$TMP/java.out" 2>"$TMP/java.err" || {
	cat "$TMP/java.err"
	fail "HdrHistogram's HistogramLogReader could not read our log"
}
[ "$(theirs count "$TMP/java.out")" = "$(ours count "$TMP/ours.out")" ] ||
	fail "count: Java $(theirs count "$TMP/java.out"), ours $(ours count "$TMP/ours.out")"
for r in p50 p90 p99 p99.9 p99.99 max; do
	j=$(theirs "$r" "$TMP/java.out")
	o=$(ours "$r" "$TMP/ours.out")
	equivalent "$j" "$o" || fail "$r: Java reads $j from our log, we print $o"
done
pass "Java's HistogramLogReader decodes our log: count and percentiles agree ($(tr '\n' ' ' <"$TMP/java.out"))"

processor -i "$TMP/ours.hlog" -o "$TMP/proc" >"$TMP/proc.log" 2>&1 || {
	cat "$TMP/proc.log"
	fail "HistogramLogProcessor on our log"
}
# The processor adds two comment lines of its own before the distribution.
grep -v -e '^#\[Overall percentile distribution' -e '^#\[StartTime' "$TMP/proc.hgrm" >"$TMP/proc2.hgrm"
diff "$TMP/ours.hgrm" "$TMP/proc2.hgrm" >"$TMP/hgrm.diff" || {
	head -20 "$TMP/hgrm.diff"
	fail "our --hgrm differs from HistogramLogProcessor's .hgrm of our log"
}
pass "HistogramLogProcessor's .hgrm of our log equals our --hgrm ($(wc -l <"$TMP/ours.hgrm") lines)"

# Coordinated omission: our correction while recording vs the reference's
# correction of our uncorrected log.  Values below 2048 are exact at 3 digits,
# so both must give the very same distribution.
awk 'BEGIN { for (i = 0; i < 3000; i++) print (i % 50 == 0) ? 1900 + i % 7 : 20 + i % 30 }' \
	>"$TMP/co.txt"
"$HWPROF" latency --output-unit ns --hlog "$TMP/raw.hlog" <"$TMP/co.txt" >/dev/null ||
	fail "uncorrected log"
"$HWPROF" latency --expected-interval 100 --hgrm "$TMP/cor.hgrm" --output-unit ms \
	<"$TMP/co.txt" >/dev/null || fail "corrected hgrm"
processor -i "$TMP/raw.hlog" -o "$TMP/jcor" -correctLogWithKnownCoordinatedOmission 100 \
	>"$TMP/jcor.log" 2>&1 || { cat "$TMP/jcor.log"; fail "HistogramLogProcessor -correctLog..."; }
grep -v -e '^#\[Overall percentile distribution' -e '^#\[StartTime' "$TMP/jcor.hgrm" >"$TMP/jcor2.hgrm"
diff "$TMP/cor.hgrm" "$TMP/jcor2.hgrm" >"$TMP/cor.diff" || {
	head -20 "$TMP/cor.diff"
	fail "our --expected-interval 100 differs from the reference's correction"
}
grep -q 'Total count    = *3000\]' "$TMP/cor.hgrm" &&
	fail "the correction added no values (the test input has stalls)"
pass "our coordinated-omission correction equals HdrHistogram's"

# The other way: a log written by HistogramLogWriter, read by us.
check write "$TMP/java.hlog" >"$TMP/jw.out" 2>"$TMP/jw.err" || {
	cat "$TMP/jw.err"
	fail "HdrCheck write"
}
"$HWPROF" latency --read-hlog "$TMP/java.hlog" --output-unit ns >"$TMP/rd.out" 2>"$TMP/rd.err" || {
	cat "$TMP/rd.err"
	fail "hwprof latency --read-hlog could not read HistogramLogWriter's log"
}
for r in intervals count p50 p90 p99 p99.9 p99.99 max; do
	[ "$(theirs "$r" "$TMP/jw.out")" = "$(ours "$r" "$TMP/rd.out")" ] ||
		fail "$r of Java's log: Java $(theirs "$r" "$TMP/jw.out"), ours $(ours "$r" "$TMP/rd.out")"
done
"$HWPROF" latency --read-hlog "$TMP/java.hlog" --tag other --output-unit ns >"$TMP/tag.out" ||
	fail "--tag other"
[ "$(ours count "$TMP/tag.out")" = 1 ] && [ "$(ours max "$TMP/tag.out")" = 42 ] ||
	fail "Java's tagged interval: $(cat "$TMP/tag.out")"
pass "we read HistogramLogWriter's log: same intervals, count and percentiles, tags"
