#!/bin/sh
# Outputs: created 0600, written whole through a temporary file and a rename,
# the old file kept when writing fails (with the real cause), and paths that
# cannot be written refused before the program runs.
. "$(dirname "$0")/lib.sh"
require_sampling
marker="$TMP/started"
W="$WORKLOADS/calltree"

# mode FILE: its permission bits in octal.
mode() { stat -c %a "$1"; }
# leftovers DIR: temporary files left behind.
leftovers() { find "$1" -maxdepth 1 -name '.hwprof-*' | wc -l; }

umask 022
"$HWPROF" record -q --timeline -o "$TMP/p.pb.gz" --folded "$TMP/p.folded" --svg "$TMP/p.svg" \
	-- "$W" 1 || fail "record exited $?"
"$HWPROF" report --svg "$TMP/r.svg" --folded "$TMP/p.pb.gz" >/dev/null || fail "report --svg"
"$HWPROF" report --timeline "$TMP/t.json" "$TMP/p.pb.gz" || fail "report --timeline"
seq 1 1000 | "$HWPROF" latency --hlog "$TMP/l.hlog" --hgrm "$TMP/l.hgrm" >/dev/null ||
	fail "latency --hlog --hgrm"
"$HWPROF" stat -e cpu-clock -o "$TMP/s.txt" -- true || fail "stat -o"
for f in p.pb.gz p.folded p.svg p.timeline r.svg t.json l.hlog l.hgrm s.txt; do
	[ "$(mode "$TMP/$f")" = 600 ] || fail "$f is $(mode "$TMP/$f") under umask 022, want 600"
done
[ "$(leftovers "$TMP")" -eq 0 ] || fail "temporary files left: $(ls -a "$TMP")"
pass "every output is 0600 under umask 022, no temporary file left"

# A symbolic link at the output path is replaced, never written through.
echo precious >"$TMP/target"
ln -s "$TMP/target" "$TMP/link.svg"
"$HWPROF" report --svg "$TMP/link.svg" "$TMP/p.pb.gz" || fail "report --svg over a symlink"
[ "$(cat "$TMP/target")" = precious ] || fail "wrote through the symlink"
[ -f "$TMP/link.svg" ] && [ ! -L "$TMP/link.svg" ] || fail "the symlink was not replaced"
pass "a symlink at the output path is replaced, its target untouched"

# refused WANT_EXIT WHAT ARGS...: record refuses before CMD runs, in one line.
refused() {
	want=$1 what=$2
	shift 2
	rm -f "$marker"
	"$HWPROF" record -q "$@" -- touch "$marker" 2>"$TMP/err"
	st=$?
	[ "$st" -eq "$want" ] || fail "$what: exit $st, want $want: $(cat "$TMP/err")"
	[ -e "$marker" ] && fail "$what: CMD ran"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "cannot write" "$TMP/err" ||
		fail "$what: want one 'cannot write' line, got: $(cat "$TMP/err")"
}
refused 2 "-o ''" -o ''
refused 1 "a missing directory" -o "$TMP/no/such/p.pb.gz"
refused 1 "a directory" -o "$TMP"
long=$(printf '%0255d' 0)
refused 1 "a 256-character name" -o "$TMP/${long}x"
# 251..255 characters fit the profile, but not its span histograms (NAME.hlog).
refused 1 "a 255-character name (its .hlog side file does not fit)" -o "$TMP/$long"
grep -q "side file" "$TMP/err" || fail "the refusal does not say it is a side file: $(cat "$TMP/err")"
refused 1 "--svg to a device" -o "$TMP/q.pb.gz" --svg /dev/null
mkfifo "$TMP/fifo"
refused 1 "--folded to a FIFO" -o "$TMP/q.pb.gz" --folded "$TMP/fifo"
refused 1 "--svg /dev/stdout" -o "$TMP/q.pb.gz" --svg /dev/stdout
name250=$(printf '%0247d' 0).gz
"$HWPROF" record -q -o "$TMP/$name250" -- true 2>/dev/null || fail "a 250-character name: exit $?"
[ -s "$TMP/$name250" ] || fail "a 250-character name: no profile"
pass "unwritable outputs refused before CMD runs (exit 2 for '', 1 otherwise); a 250-character name works"

"$HWPROF" report --svg '' "$TMP/p.pb.gz" 2>"$TMP/err"
[ $? -eq 2 ] || fail "report --svg '': want exit 2"
"$HWPROF" latency --hlog "$TMP/no/x.hlog" </dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "cannot write" "$TMP/err" || fail "latency --hlog in a missing directory: $(cat "$TMP/err")"
"$HWPROF" stat -e cpu-clock -o '' -- touch "$marker" 2>"$TMP/err"
[ $? -eq 2 ] && [ ! -e "$marker" ] || fail "stat -o '': want exit 2 and no run"
pass "report, latency and stat refuse unwritable outputs up front"

# Full disks and read-only file systems need a mount of our own.
if [ "$(id -u)" -ne 0 ]; then
	skip "mounting a small tmpfs (full disk, read-only file system) needs root"
fi
mnt="$TMP/mnt"
mkdir "$mnt"
mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$TMP/err" || skip "cannot mount a tmpfs: $(cat "$TMP/err")"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
for f in p.pb.gz p.svg p.folded l.hlog s.txt; do echo "old $f" >"$mnt/$f"; done
# Fill the file system up, so that only the first blocks of a new file fit.
dd if=/dev/zero of="$mnt/fill" bs=1k 2>/dev/null
# full WHAT FILE: the old FILE survived, the error is ENOSPC, nothing left over.
full() {
	[ "$st" -eq 1 ] || fail "$1 on a full disk: exit $st, want 1"
	grep -q "No space left on device" "$TMP/err" || fail "$1: the cause is not named: $(cat "$TMP/err")"
	[ "$(cat "$mnt/$2")" = "old $2" ] || fail "$1: the old $2 did not survive"
	[ "$(leftovers "$mnt")" -eq 0 ] || fail "$1: temporary files left: $(ls -a "$mnt")"
}
"$HWPROF" record -q -o "$mnt/p.pb.gz" -- "$W" 1 2>"$TMP/err"
st=$?
full "record -o" p.pb.gz
"$HWPROF" report --svg "$mnt/p.svg" "$TMP/p.pb.gz" 2>"$TMP/err"
st=$?
full "report --svg" p.svg
"$HWPROF" record -q -o "$TMP/q.pb.gz" --folded "$mnt/p.folded" -- "$W" 1 2>"$TMP/err"
st=$?
full "record --folded" p.folded
seq 1 100000 | "$HWPROF" latency --hlog "$mnt/l.hlog" >/dev/null 2>"$TMP/err"
st=$?
full "latency --hlog" l.hlog
pass "a full disk: exit 1 with 'No space left on device', the old files intact, no temporary files"

umount "$mnt"
mount -t tmpfs -o ro,size=64k tmpfs "$mnt" || fail "cannot mount a read-only tmpfs"
refused 1 "a read-only file system" -o "$mnt/p.pb.gz"
grep -q "Read-only file system" "$TMP/err" || fail "read-only: $(cat "$TMP/err")"
pass "a read-only file system is refused before CMD runs"
