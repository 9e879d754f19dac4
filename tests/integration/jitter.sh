#!/bin/sh
# The sampling phase: the lockstep workload ticks for the first 30% of every
# 10 ms of its CPU time, the period of the sampler.  At the kernel's phase
# (--fixed-phase) every sample falls at the same point of that cycle and tick
# gets all the samples or none; with --jitter the period varies, the samples
# sweep the cycle and tick gets its 30%.
. "$(dirname "$0")/lib.sh"
require_sampling
L=$WORKLOADS/lockstep
"$L" 10000000 0.01 0.3 2>"$TMP/err" ||
	skip "lockstep cannot count its own CPU time here: $(cat "$TMP/err")"
# tick's share of the samples in tick or rest (cum%: their time goes to reading
# the clock), percent.
tick_share() {
	"$HWPROF" report -n 0 "$1" | awk '$NF == "tick" { t = $5 } $NF == "rest" { r = $5 }
		END { sub(/%/, "", t); sub(/%/, "", r); if (t + r > 0) printf "%.1f\n", 100 * t / (t + r); else print -1 }'
}

# Lockstep needs the sampler's clock and the workload's to agree for the whole
# run; a stall of the guest (its timer and the thread's CPU time then differ)
# can shift the phase once, so a second run decides.
for attempt in 1 2; do
	"$HWPROF" record -q -e cpu-clock -c 10000000 --fixed-phase -o "$TMP/fixed.pb.gz" -- "$L" 10000000 1 0.3 ||
		fail "record --fixed-phase exited $?"
	fixed=$(tick_share "$TMP/fixed.pb.gz")
	[ "$fixed" != -1 ] || fail "--fixed-phase: no samples in tick or rest"
	within "$fixed" 10 90 || break
	echo "# attempt $attempt: tick has ${fixed}% of the samples"
done
within "$fixed" 10 90 && fail "--fixed-phase: tick has ${fixed}% of the samples, not all or none: the workload" \
	"did not run in lockstep with the sampler"
pass "at the kernel's phase, tick has ${fixed}% of tick's and rest's samples (designed 30%): lockstep"

"$HWPROF" record -q -e cpu-clock -c 10000000 --jitter 50 -o "$TMP/jitter.pb.gz" -- "$L" 10000000 2 0.3 ||
	fail "record --jitter 50 exited $?"
jitter=$(tick_share "$TMP/jitter.pb.gz")
within "$jitter" 20 40 || fail "--jitter 50: tick has ${jitter}% of the samples, designed 30%"
pass "with --jitter 50, tick has ${jitter}% of tick's and rest's samples (designed 30%)"

# Usage errors.
"$HWPROF" record --jitter 60 -- true 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "expected a percentage from 0 to 50" "$TMP/err" || fail "--jitter 60 accepted"
pass "--jitter above 50 refused"
