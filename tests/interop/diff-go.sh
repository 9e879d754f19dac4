#!/bin/sh
# diff-go.sh - the differential profile of `hwprof diff -o` read by Google's
# pprof library (tests/interop/validate) and `go tool pprof`: valid; BASE's
# samples negated and labelled pprof::base=true; the same -top as pprof's own
# -diff_base on the two profiles.
#
# Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
# Environment (set by `make check`): HWPROF, WORKLOADS, TESTS_SRCDIR.
set -u

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
GOPATH_DEBIAN=/usr/share/gocode

command -v go >/dev/null 2>&1 || skip "go not found (apt-get install golang-go)"
[ -d "$GOPATH_DEBIAN/src/github.com/google/pprof/profile" ] ||
	skip "Google's pprof library not found in $GOPATH_DEBIAN (apt-get install golang-github-google-pprof-dev)"
[ -n "${HWPROF:-}" ] && [ -x "$HWPROF" ] || skip "hwprof binary not built (HWPROF=${HWPROF:-unset})"
mix=${WORKLOADS:-}/mix
[ -x "$mix" ] || skip "workload $mix not built"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/diff-go.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

(cd "$TESTS_SRCDIR/interop/validate" &&
	GO111MODULE=off GOPATH=$GOPATH_DEBIAN GOCACHE=$tmp/gocache GOFLAGS= \
	go build -o "$tmp/validate" .) >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log"
	fail "could not build tests/interop/validate"
}

if ! "$HWPROF" record -q -e cpu-clock -o "$tmp/base.pb.gz" -- "$mix" 0.3 alpha=50 bravo=30 foxtrot=20 \
	2>"$tmp/err"; then
	cat "$tmp/err"
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
	if [ "$(id -u)" != 0 ] && [ "$paranoid" -gt 1 ]; then
		skip "perf_event_open refused: kernel.perf_event_paranoid=$paranoid and not root"
	fi
	fail "hwprof record failed"
fi
"$HWPROF" record -q -e cpu-clock -o "$tmp/new.pb.gz" -- "$mix" 0.3 alpha=50 bravo=60 hotel=20 ||
	fail "hwprof record (new) failed"
"$HWPROF" diff -o "$tmp/d.pb.gz" "$tmp/base.pb.gz" "$tmp/new.pb.gz" 2>"$tmp/err" || {
	cat "$tmp/err"
	fail "hwprof diff -o failed"
}

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
fact() { sed -n "s|^$2: ||p" "$1"; } # fact FILE KEY

for f in base new d; do
	"$tmp/validate" "$tmp/$f.pb.gz" >"$tmp/$f.facts" 2>"$tmp/validate.err" || {
		cat "$tmp/validate.err"
		fail "pprof library rejects $f.pb.gz"
	}
done
sed 's/^/# /' "$tmp/d.facts"
t="cpu/nanoseconds"
check "CheckValid accepts the differential profile" grep -q '^valid: yes$' "$tmp/d.facts"
check "BASE's samples are labelled pprof::base=true" \
	test "$(fact "$tmp/d.facts" "diff base samples")" -gt 0
check "they sum to minus BASE's total" \
	test "$(fact "$tmp/d.facts" "diff base total $t")" -eq "$((-$(fact "$tmp/base.facts" "total $t")))"
check "the whole sums to NEW's total minus BASE's" \
	test "$(fact "$tmp/d.facts" "total $t")" -eq \
	"$(($(fact "$tmp/new.facts" "total $t") - $(fact "$tmp/base.facts" "total $t")))"

# go tool pprof -top, on ours and on its own -diff_base of the same two files.
go tool pprof -symbolize=none -top -nodecount=100 "$tmp/d.pb.gz" >"$tmp/ours" 2>"$tmp/err" || {
	cat "$tmp/err"
	fail "go tool pprof -top failed on the differential profile"
}
go tool pprof -symbolize=none -top -nodecount=100 -diff_base "$tmp/base.pb.gz" "$tmp/new.pb.gz" \
	>"$tmp/theirs" 2>"$tmp/err" || {
	cat "$tmp/err"
	fail "go tool pprof -diff_base failed"
}
flat() { awk -v n="$2" '$NF == n { print $1 }' "$1"; } # flat TOP NAME
flat_is() { flat "$1" "$2" | grep -q "$3"; }              # flat_is TOP NAME REGEX
check "pprof shows hotel (new) with a positive flat value" flat_is "$tmp/ours" hotel '^[0-9]'
check "pprof shows foxtrot (gone) with a negative flat value" flat_is "$tmp/ours" foxtrot '^-'

for fn in alpha bravo foxtrot hotel; do
	check "-top $fn: ours as pprof's own -diff_base ($(flat "$tmp/ours" $fn))" \
		test "$(grep -w "$fn\$" "$tmp/ours")" = "$(grep -w "$fn\$" "$tmp/theirs")"
done
# The total the percentages are of (what the shown nodes account for may
# differ: names matched without clone suffixes and addresses merge the
# kernel's and the loader's stray frames into fewer nodes).
of_total() { sed -n 's/.*% of \(.*\) total$/\1/p' "$1"; }
check "the percentages are of BASE's total, as with -diff_base ($(of_total "$tmp/ours"))" \
	test -n "$(of_total "$tmp/ours")" -a "$(of_total "$tmp/ours")" = "$(of_total "$tmp/theirs")"

if [ "$failures" -ne 0 ]; then
	echo "# ours:"
	sed 's/^/# /' "$tmp/ours" | head -20
	echo "# pprof -diff_base:"
	sed 's/^/# /' "$tmp/theirs" | head -20
	fail "$failures check(s) failed"
fi
echo "PASS"
exit 0
