#!/bin/sh
# An inlined function is a frame of its own: the pprof Location of the hot
# code has two Lines (mix_steps inlined into crunch), the folded stacks show
# main;crunch;mix_steps, and `go tool pprof` shows both names.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 -o "$TMP/p.pb.gz" -- "$WORKLOADS/inlined" 1 ||
	fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"

# The workload is built -O2: make sure the compiler did inline mix_steps,
# or the test would prove nothing.
if command -v nm >/dev/null 2>&1 && nm "$WORKLOADS/inlined" | grep -q ' mix_steps$'; then
	fail "the inlined workload has a mix_steps symbol: it was not inlined"
fi
share=$(leaf_share "$TMP/f.txt" mix_steps)
within "$share" 50 100 || {
	sort -k2 -nr "$TMP/f.txt" | head -5
	fail "mix_steps: ${share}% of samples as a leaf, expected most of them"
}
chain=$(stack_share "$TMP/f.txt" mix_steps "main;crunch;mix_steps")
within "$chain" 90 100 || fail "only ${chain}% of mix_steps' samples show main;crunch;mix_steps"
pass "folded: mix_steps ${share}% of samples, ${chain}% as main;crunch;mix_steps"

command -v go >/dev/null 2>&1 || skip "go not found for the go tool pprof part (apt-get install golang-go)"
go tool pprof -traces -symbolize=none "$TMP/p.pb.gz" >"$TMP/traces.txt" 2>"$TMP/err" || {
	cat "$TMP/err"
	fail "go tool pprof -traces failed"
}
for fn in mix_steps crunch main; do
	grep -qw "$fn" "$TMP/traces.txt" || { cat "$TMP/traces.txt"; fail "-traces does not show $fn"; }
done
# In -traces, pprof marks the frames of an inlined call "(inline)": mix_steps
# must be one of them, the inner Line of a Location whose outer Line is crunch.
grep -q 'mix_steps.*(inline)' "$TMP/traces.txt" || {
	head -30 "$TMP/traces.txt"
	fail "-traces does not mark mix_steps as inlined"
}
# -raw lists each Location with its Lines, innermost first, one per row.
go tool pprof -raw -symbolize=none "$TMP/p.pb.gz" >"$TMP/raw.txt" 2>"$TMP/err" || {
	cat "$TMP/err"
	fail "go tool pprof -raw failed"
}
awk '/^Locations/ { in_locs = 1; next }
	/^Mappings/ { in_locs = 0 }
	in_locs && /^ *[0-9]+: / { prev = $0; next }
	in_locs && prev ~ / mix_steps / && / crunch / { found = 1 }
	{ prev = "" }
	END { exit !found }' "$TMP/raw.txt" || {
	sed -n '/^Locations/,/^Mappings/p' "$TMP/raw.txt" | head -40
	fail "no Location with the Lines mix_steps then crunch"
}
pass "go tool pprof: a Location with Lines mix_steps (inline) and crunch"
