#!/bin/sh
# jit-hostile.sh - /tmp/perf-PID.map is the program's (or anyone's): hwprof
# reads it only as a regular file of at most 64 MiB owned by root or by the
# process's user, never through a symlink nor waiting on a FIFO, and skips
# lines that are not "START SIZE NAME".  The jit workload puts each kind of
# hostile map in place; each run exits with the program's status, the profile
# reads back, and one line names the map and why.
. "$(dirname "$0")/lib.sh"
case $(uname -m) in
x86_64) ;;
*) skip "the jit workload hand-encodes x86-64 code; this is $(uname -m)" ;;
esac
require_sampling

for spec in "fifo:not a regular file; not read" "symlink:a symbolic link; not followed" \
	"owner:owned by uid [0-9]+, not by root or the process's user; not read" \
	"huge:larger than 64 MiB; not read" "garbage:6 lines that are not \"START SIZE NAME\" skipped"; do
	how=${spec%%:*} why=${spec#*:}
	# A FIFO must not make hwprof wait: give up on it after a minute.
	timeout 60 "$HWPROF" record -q -e cpu-clock -F 499 -o "$TMP/$how.pb.gz" -- \
		"$WORKLOADS/jit" 1 $how >"$TMP/$how.out" 2>"$TMP/$how.err"
	rc=$?
	if [ $rc -eq 77 ]; then
		echo "# $how: not run here (the workload cannot make it: not root?)"
		continue
	fi
	[ $rc -eq 124 ] && fail "$how: hwprof still running after 60 s"
	[ $rc -eq 0 ] || fail "$how: hwprof exited $rc: $(cat "$TMP/$how.err")"
	folded "$TMP/$how.pb.gz" >"$TMP/$how.folded" || fail "$how: the profile does not read back"
	[ -s "$TMP/$how.folded" ] || fail "$how: no samples"
	[ "$(grep -c "perf-[0-9]*\.map" "$TMP/$how.err")" -eq 1 ] &&
		grep -Eq "^hwprof: /tmp/perf-[0-9]+\.map: $why\$" "$TMP/$how.err" ||
		fail "$how: want one line '$why': $(cat "$TMP/$how.err")"
	if [ $how = garbage ]; then
		grep -q jit_hot_loop "$TMP/$how.folded" || fail "garbage: the good line was not used"
	else
		grep -q jit_hot_loop "$TMP/$how.folded" && fail "$how: the refused map named the code"
	fi
	pass "$how: $(sed 's/^hwprof: //' "$TMP/$how.err")"
done
