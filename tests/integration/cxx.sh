#!/bin/sh
# C++ functions are named demangled, from DWARF and the symbol table: a member
# function of a namespaced class and a template instance, in the folded stacks
# and in `go tool pprof` (names from the profile, -symbolize=none).
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 -o "$TMP/p.pb.gz" -- "$WORKLOADS/cxx" 1 ||
	fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"

run='demo::Engine::run(int)'
tmpl='double demo::mix<double>(double)'
for fn in "$run" "$tmpl"; do
	s=$(leaf_share "$TMP/f.txt" "$fn")
	within "$s" 10 95 || {
		sort -k2 -nr "$TMP/f.txt" | head -5
		fail "$fn: ${s}% of samples as a leaf, expected a large part"
	}
	c=$(stack_share "$TMP/f.txt" "$fn" "main;$fn")
	within "$c" 90 100 || fail "only ${c}% of $fn's samples show main;$fn"
	pass "folded: $fn ${s}% of samples, ${c}% under main"
done
# No mangled name left anywhere in a stack.
if grep -q '_Z[A-Za-z0-9_]*' "$TMP/f.txt"; then
	grep -o '_Z[A-Za-z0-9_]*' "$TMP/f.txt" | sort -u | head -5
	fail "mangled names in the folded output"
fi

command -v go >/dev/null 2>&1 || skip "go not found for the go tool pprof part (apt-get install golang-go)"
go tool pprof -top -symbolize=none "$TMP/p.pb.gz" >"$TMP/top.txt" 2>"$TMP/top.err" || {
	cat "$TMP/top.err"
	fail "go tool pprof -top failed"
}
# pprof may shorten C++ names (drop parameters, return type): the class and
# the template argument must survive.
for pat in 'demo::Engine::run' 'demo::mix<double>'; do
	grep -qF "$pat" "$TMP/top.txt" || {
		cat "$TMP/top.txt"
		fail "go tool pprof -top does not show $pat"
	}
done
pass "go tool pprof -top shows demo::Engine::run and demo::mix<double>"
