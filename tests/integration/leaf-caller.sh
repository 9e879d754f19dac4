#!/bin/sh
# Frame pointers with frameless leaves (GCC omits the leaf frame pointer on
# x86-64 even with -fno-omit-frame-pointer): the kernel's walk starts at the
# caller's caller; the leaf's CFI gives mid_X back, without duplicating a
# frame where the leaf has one (calltree's leaves do; `leaves` is calltree
# built with -DFRAMELESS_LEAVES).
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 -g -o "$TMP/p.pb.gz" -- "$WORKLOADS/leaves" 2 ||
	fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
check_calltree "$TMP/f.txt"
gzip -dc "$TMP/p.pb.gz" | grep -a -q "frameless leaf callers restored from CFI: [0-9]" ||
	fail "no leaf-caller count in the comments"
# Leaves with a frame: no frame twice, in the program's call tree.  Samples
# before main are left out: in start-up code (ld.so, libc's call_init, built
# without frame pointers) the kernel's frame-pointer walk follows whatever
# the register holds and can land on a stale return address of the caller
# the tables name too.  Frames without a name ([unknown]) are different
# addresses, not a repeated function.
"$HWPROF" record -q -e cpu-clock -F 999 -g -o "$TMP/c.pb.gz" -- "$WORKLOADS/calltree" 1 ||
	fail "record exited $?"
folded "$TMP/c.pb.gz" >"$TMP/c.txt" || fail "report --folded failed"
dup=$(awk '$1 ~ /(^|;)main;/ { n = split($1, f, ";"); for (i = 2; i <= n; i++) if (f[i] == f[i - 1] && f[i] !~ /^\[/) { print; break } }' "$TMP/c.txt")
[ -z "$dup" ] || fail "a frame duplicated: $dup"
chain=$(stack_share "$TMP/c.txt" leaf_a "__libc_start_call_main;main;mid_a;leaf_a")
within "$chain" 95 100 || fail "calltree leaf_a: only ${chain}% show __libc_start_call_main;main;mid_a;leaf_a"
pass "leaves with frames: nothing duplicated (${chain}% exact chains)"

# The callers come from the compiled CFI tables (no libdw session per
# process); --unwinder compare asks libdw too on every sample: same answers.
"$HWPROF" record -q -e cpu-clock -F 999 -g --unwinder compare -o "$TMP/cmp.pb.gz" \
	-- "$WORKLOADS/leaves" 1 || fail "record --unwinder compare exited $?"
line=$(gzip -dc "$TMP/cmp.pb.gz" | grep -a -o "frameless leaf callers restored from CFI: [^\"]*differ" | head -1)
compared=$(echo "$line" | sed -n 's/.*compared \([0-9]*\) leaves.*/\1/p')
differ=$(echo "$line" | sed -n 's/.*leaves, \([0-9]*\) differ.*/\1/p')
[ "${compared:-0}" -gt 100 ] || fail "--unwinder compare: too few leaves compared: '$line'"
[ "${differ:-1}" -eq 0 ] || fail "--unwinder compare: the unwinders differ on leaves: '$line'"
pass "leaf callers, compiled CFI vs libdw: $line"
