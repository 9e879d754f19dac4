# lib.sh - shared helpers for the integration tests (sourced).
# make check sets HWPROF (the binary), WORKLOADS (built workloads), TESTS_SRCDIR.
set -u
: "${HWPROF:?HWPROF is not set (run through make check)}"
: "${WORKLOADS:?WORKLOADS is not set (run through make check)}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hwprof-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "PASS: $*"; }

# Skip (77) where the kernel refuses sampling a child at all, and say why.
require_sampling() {
	if ! "$HWPROF" record -q -e cpu-clock -o "$TMP/probe.pb.gz" -- true 2>"$TMP/probe.err"; then
		skip "hwprof cannot sample here: $(head -1 "$TMP/probe.err")" \
			"(perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
	fi
}

# folded FILE: collapsed stacks of a saved profile.
folded() { "$HWPROF" report --folded "$1"; }

# user_stacks FOLDED: the stacks without their kernel tail. A sample taken in the
# kernel (an interrupt's exit path, a system call) is still the user function's
# time; the frames after it are the kernel's names in /proc/kallsyms.
user_stacks() {
	ks=/proc/kallsyms
	[ -r "$ks" ] || ks=/dev/null
	awk 'FILENAME != ARGV[2] { k[$3] = 1; next }
		{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";")
		  while (n > 1 && (f[n] in k)) n--
		  s = f[1]; for (i = 2; i <= n; i++) s = s ";" f[i]
		  print s, v }' "$ks" "$1"
}

# leaf_share FOLDED LEAF: percent of the total whose user-space leaf frame is LEAF.
leaf_share() {
	user_stacks "$1" | awk -v leaf="$2" '
		{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";"); tot += v; if (f[n] == leaf) s += v }
		END { if (tot == 0) print 0; else printf "%.1f\n", 100 * s / tot }'
}

# stack_share FOLDED LEAF CHAIN: percent of LEAF's value whose user stack ends in
# CHAIN (e.g. "main;mid_a;leaf_a").
stack_share() {
	user_stacks "$1" | awk -v leaf="$2" -v chain="$3" '
		{ v = $NF; sub(/ [0-9]+$/, ""); n = split($0, f, ";");
		  if (f[n] != leaf) next; tot += v;
		  if (substr($0, length($0) - length(chain) + 1) == chain) s += v }
		END { if (tot == 0) print 0; else printf "%.1f\n", 100 * s / tot }'
}

# within VALUE LOW HIGH: numeric range check.
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

# check_calltree FOLDED: calltree's designed 60/30/10 split within 5 points, and
# at least 95% of each leaf's samples with the whole chain main;mid_X;leaf_X.
check_calltree() {
	for spec in leaf_a:60 leaf_b:30 leaf_c:10; do
		leaf=${spec%:*} want=${spec#*:}
		got=$(leaf_share "$1" "$leaf")
		within "$got" $((want - 5)) $((want + 5)) ||
			fail "$leaf: ${got}% of samples, designed ${want}%; heaviest stacks:
$(awk '{ print $NF, $0 }' "$1" | sort -n -r | head -8 | cut -d' ' -f2-)"
		mid=mid_${leaf#leaf_}
		chain=$(stack_share "$1" "$leaf" "main;$mid;$leaf")
		within "$chain" 95 100 || fail "$leaf: only ${chain}% of its samples show main;$mid;$leaf"
		pass "$leaf ${got}% (designed ${want}%), ${chain}% with main;$mid;$leaf"
	done
}

# go_tool NAME: build tests/interop/NAME (Go, against Debian's pprof library)
# into $TMP/NAME, or skip saying why.
go_tool() {
	command -v go >/dev/null 2>&1 || skip "go not found (apt-get install golang-go)"
	[ -d /usr/share/gocode/src/github.com/google/pprof/profile ] ||
		skip "Google's pprof library not found (apt-get install golang-github-google-pprof-dev)"
	(cd "$TESTS_SRCDIR/interop/$1" && GO111MODULE=off GOPATH=/usr/share/gocode \
		GOCACHE="$TMP/gocache" GOFLAGS= go build -o "$TMP/$1" .) >"$TMP/$1.build" 2>&1 ||
		fail "could not build tests/interop/$1: $(cat "$TMP/$1.build")"
}

# wait_file FILE: until FILE exists (at most a minute: a busy guest can stall
# for seconds).
wait_file() {
	n=0
	while [ ! -s "$1" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	[ -s "$1" ] || fail "$1 did not appear"
}

# wait_exec PID PROG: until process PID runs PROG (its exec done; at most a
# minute), so that what follows sees the program, not the shell's fork.
wait_exec() {
	prog=$(readlink -f "$2")
	n=0
	while [ "$(readlink "/proc/$1/exe")" != "$prog" ] && [ $n -lt 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ "$(readlink "/proc/$1/exe")" = "$prog" ] || fail "pid $1 does not run $2"
}

# wait_files DIR N PID: until DIR holds N files (at most a minute), or PID
# (the process writing them) has ended.
wait_files() {
	n=0
	while [ "$(ls "$1" | wc -l)" -lt "$2" ] && [ $n -lt 600 ] && kill -0 "$3" 2>/dev/null; do
		sleep 0.1
		n=$((n + 1))
	done
}

# proc_state PID: the process's state letter (R, S, Z, ...); empty when gone.
proc_state() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }

# span_channels_alone "$@" (first thing after sourcing): run the rest of the
# script while no other script holding this runs.  A system-wide recording
# joins every span channel on the machine, and a channel has one reader: the
# scripts that record system-wide and those that need a program's channel
# to themselves take turns.  The script runs again under flock(1), which
# holds the lock itself (-o: no child of the test inherits it).
span_channels_alone() {
	[ -n "${HWPROF_TEST_CHANNELS_LOCKED:-}" ] && return 0
	command -v flock >/dev/null 2>&1 || return 0
	rm -rf "$TMP"
	HWPROF_TEST_CHANNELS_LOCKED=1 exec flock -o -w 600 -E 99 \
		"${TMPDIR:-/tmp}/hwprof-tests-span-channels.lock" "$0" "$@"
}

# require_system_wide: skip unless this user may watch every CPU.
require_system_wide() {
	[ "$(id -u)" = 0 ] || [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 0 ] ||
		skip "system-wide sampling needs root or perf_event_paranoid <= 0"
}
