#!/bin/sh
# unittests.sh - the unit tests, run where the hardware tests run (the lane's
# guest: hwprof's aarch64 build on a real arm64 kernel).  One TAP point per
# test program: it passes when the program exits 0 and every point it planned
# is there and not "not ok" (a TODO aside); the failing points follow a
# failure as diagnostics.  Usage: unittests.sh DIR, where DIR holds the test
# programs (test-*), fixtures/ (tests/unit/fixtures) and events/; the
# workloads test-fpcheck reads are in $WORKLOADS.  POSIX sh, busybox's tools.
set -u
dir=${1:?usage: unittests.sh DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/unittests.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# The layout make check gives them: TESTS_SRCDIR/unit/fixtures, TESTS_SRCDIR/../events.
mkdir -p "$TMP/src/tests/unit"
ln -s "$dir/fixtures" "$TMP/src/tests/unit/fixtures"
ln -s "$dir/events" "$TMP/src/events"
n=0
for t in "$dir"/test-*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	(cd "$TMP" && TESTS_SRCDIR="$TMP/src/tests" HWPROF_EVENTS_DIR="$dir/events" "$t") \
		>"$TMP/out" 2>&1
	rc=$?
	n=$((n + 1))
	awk -v rc="$rc" -v name="$name" -v n="$n" '
		/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; planned = 1 }
		/^(not )?ok / { got++; failing = 0 }
		/^#/ && failing { why = why "#   " $0 "\n" }
		/^not ok / && !/# TODO/ { bad++; failing = 1; why = why "#   " $0 "\n" }
		/^Bail out!/ { bad++; why = why "#   " $0 "\n" }
		END {
			if (rc != 0) why = why "#   exit status " rc "\n"
			if (!planned || plan != got) why = why "#   planned " (planned ? plan : "no") " points, printed " got "\n"
			ok = rc == 0 && !bad && planned && plan == got
			printf "%s %d - unit %s: %d points\n", ok ? "ok" : "not ok", n, name, got
			printf "%s", ok ? "" : why
		}' "$TMP/out"
done
echo "1..$n"
