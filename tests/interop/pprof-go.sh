#!/bin/sh
# pprof-go.sh - a profile written by `hwprof record` must be read by clients we
# did not write: Google's pprof library (tests/interop/validate, CheckValid) and
# `go tool pprof` (-top, -traces, -tags).
#
# Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
# Environment (set by `make check`): HWPROF, WORKLOADS, TESTS_SRCDIR.
# HWPROF_PROFILE=FILE checks an existing profile instead of recording one (its
# stack must come from the calltree workload).
set -u

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
GOPATH_DEBIAN=/usr/share/gocode

command -v go >/dev/null 2>&1 || skip "go not found (apt-get install golang-go)"
[ -d "$GOPATH_DEBIAN/src/github.com/google/pprof/profile" ] ||
	skip "Google's pprof library not found in $GOPATH_DEBIAN (apt-get install golang-github-google-pprof-dev)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pprof-go.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# Build the validator offline against Debian's copy of the library; a private
# cache keeps the build from writing into $HOME.
(cd "$TESTS_SRCDIR/interop/validate" &&
	GO111MODULE=off GOPATH=$GOPATH_DEBIAN GOCACHE=$tmp/gocache GOFLAGS= \
	go build -o "$tmp/validate" .) >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	fail "could not build tests/interop/validate"
}

profile=$tmp/cpu.pb.gz
if [ -n "${HWPROF_PROFILE:-}" ]; then
	profile=$HWPROF_PROFILE
	[ -r "$profile" ] || fail "HWPROF_PROFILE=$profile is not readable"
else
	[ -n "${HWPROF:-}" ] && [ -x "$HWPROF" ] || skip "hwprof binary not built (HWPROF=${HWPROF:-unset})"
	calltree=${WORKLOADS:-}/calltree
	[ -x "$calltree" ] || skip "workload $calltree not built"
	if ! "$HWPROF" record -o "$profile" -- "$calltree" >"$tmp/record.out" 2>"$tmp/record.err"; then
		cat "$tmp/record.err"
		paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
		if [ "$(id -u)" != 0 ] && [ "$paranoid" -gt 1 ]; then
			skip "perf_event_open refused: kernel.perf_event_paranoid=$paranoid and not root"
		fi
		fail "hwprof record failed"
	fi
	[ -s "$profile" ] || fail "hwprof record wrote no profile"
fi

failures=0
check() { # check DESCRIPTION COMMAND...: run a test, report, count failures
	what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failures=$((failures + 1))
	fi
}
has() { grep -q -e "$2" "$1"; }            # has FILE REGEX
has_word() { grep -q -w -F -e "$2" "$1"; } # has_word FILE WORD

"$tmp/validate" "$profile" >"$tmp/facts" 2>"$tmp/validate.err" || {
	cat "$tmp/validate.err"
	fail "pprof library rejects the profile"
}
sed 's/^/# /' "$tmp/facts"

check "CheckValid accepts the profile" has "$tmp/facts" '^valid: yes$'
check "sample types samples/count then cpu/nanoseconds" \
	has "$tmp/facts" '^sample_types: samples/count cpu/nanoseconds\( \|$\)'
check "at least one sample" has "$tmp/facts" '^samples: [1-9]'
check "a positive sample count" has "$tmp/facts" '^total samples/count: [1-9]'
check "a positive cpu total" has "$tmp/facts" '^total cpu/nanoseconds: [1-9]'
check "every sample has pid, tid and thread labels" \
	has "$tmp/facts" '^labels pid/tid/thread: all$'
check "a mapping of the calltree binary" has "$tmp/facts" '^mapping: \(.*/\)\{0,1\}calltree$'
check "a leaf_* function among the top leaves" has "$tmp/facts" '^top [^ ]*: leaf_'

# -symbolize=none: the names must come from the profile, not from pprof
# looking at the binary itself.
for view in top traces tags; do
	go tool pprof -symbolize=none "-$view" "$profile" >"$tmp/$view" 2>"$tmp/$view.err" || {
		cat "$tmp/$view.err"
		fail "go tool pprof -$view failed"
	}
done
for fn in leaf_a mid_a main; do
	check "go tool pprof -top shows $fn" has_word "$tmp/top" "$fn"
	check "go tool pprof -traces shows $fn" has_word "$tmp/traces" "$fn"
done
for tag in pid tid thread; do
	check "go tool pprof -tags shows $tag" has "$tmp/tags" "^ *$tag: "
done

if [ "$failures" -ne 0 ]; then
	echo "# go tool pprof -top:"
	sed 's/^/# /' "$tmp/top"
	fail "$failures check(s) failed"
fi
echo "PASS"
exit 0
