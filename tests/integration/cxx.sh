#!/bin/sh
# C++ functions are named as pprof and perf name them: without parameters,
# template arguments or return type (--demangle simple, the default), the
# mangled name kept as the system name so that `report --demangle` can name
# them again: full keeps overloads apart, templates keeps template arguments.
# The workload (tests/workloads/cxx.cc): run(int) 40%, run(double) 20%,
# mix<double> 20% from main and 20% under mix<float>.
. "$(dirname "$0")/lib.sh"
require_sampling
"$HWPROF" record -q -e cpu-clock -F 999 -o "$TMP/p.pb.gz" -- "$WORKLOADS/cxx" 1 ||
	fail "record exited $?"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"

# share LEAF LOW HIGH [CHAIN MIN]: LEAF's share of the samples within LOW..HIGH,
# and at least MIN% of LEAF's samples with a stack that ends in CHAIN.
share() {
	s=$(leaf_share "$1" "$2")
	within "$s" "$3" "$4" || {
		sort -k2 -nr "$1" | head -5
		fail "$2: ${s}% of samples as a leaf, designed $3..$4%"
	}
	[ $# -gt 4 ] || return 0
	c=$(stack_share "$1" "$2" "$5")
	within "$c" "$6" 100 || fail "only ${c}% of $2's samples show $5"
}

share "$TMP/f.txt" 'demo::Engine::run' 45 75 'main;demo::Engine::run' 90
share "$TMP/f.txt" 'demo::mix' 25 55
# Half of it from main, half under mix<float>: the same name twice.
direct=$(stack_share "$TMP/f.txt" 'demo::mix' 'main;demo::mix')
nested=$(stack_share "$TMP/f.txt" 'demo::mix' 'main;demo::mix;demo::mix')
within "$nested" 25 75 && within "$direct" 25 75 &&
	within "$(awk -v a="$direct" -v b="$nested" 'BEGIN { print a + b }')" 90 100 ||
	fail "demo::mix: ${direct}% main;demo::mix and ${nested}% main;demo::mix;demo::mix, designed 50/50"
pass "simple names: demo::Engine::run (two overloads) and demo::mix (two instances, nested)"

# No parameter list, template argument or mangled name left in the workload's frames.
if grep -E 'demo::[^;]*[(<]' "$TMP/f.txt"; then
	fail "parameters or template arguments in simple names"
fi
if grep -q '_Z[A-Za-z0-9_]*' "$TMP/f.txt"; then
	grep -o '_Z[A-Za-z0-9_]*' "$TMP/f.txt" | sort -u | head -5
	fail "mangled names in the folded output"
fi

# The top table has one row per name, and a function in a stack twice under
# one name counts once toward cum: demo::mix's cum% is the share of the samples
# with demo::mix anywhere in their stack.  Columns: flat flat% sum% cum cum%
# samples +-95% name.
"$HWPROF" report -n 0 "$TMP/p.pb.gz" >"$TMP/top.txt" || fail "report --top failed"
rows=$(awk '$8 == "demo::Engine::run" && NF == 8' "$TMP/top.txt" | wc -l)
[ "$rows" -eq 1 ] || fail "demo::Engine::run in $rows rows of the top table"
cum=$(awk '$8 == "demo::mix" && NF == 8 { sub(/%/, "", $5); print $5 }' "$TMP/top.txt")
want=$(awk '{ v = $NF; t += v; if ($0 ~ /(^|;)demo::mix(;| )/) m += v }
	END { printf "%.2f\n", t ? 100 * m / t : 0 }' "$TMP/f.txt")
awk -v a="$cum" -v b="$want" 'BEGIN { d = a - b; exit !(a != "" && d < 0.05 && d > -0.05) }' ||
	fail "demo::mix cum ${cum}%, but ${want}% of the samples have it"
pass "top: one row per name, demo::mix cum ${cum}% counted once per sample"

# report --demangle full: the overloads and instances apart again, from the
# system names; templates: template arguments back, parameters still gone.
"$HWPROF" report --folded --demangle full "$TMP/p.pb.gz" >"$TMP/full.txt" ||
	fail "report --demangle full failed"
share "$TMP/full.txt" 'demo::Engine::run(int)' 25 55
share "$TMP/full.txt" 'demo::Engine::run(double)' 8 35
share "$TMP/full.txt" 'double demo::mix<double>(double)' 25 55
grep -q ';float demo::mix<float>(float);double demo::mix<double>(double)' "$TMP/full.txt" ||
	fail "report --demangle full: no mix<float> -> mix<double> stack"
"$HWPROF" report --demangle full -n 0 "$TMP/p.pb.gz" | grep -q ' demo::Engine::run(double)$' ||
	fail "report --demangle full: no top row for run(double)"
"$HWPROF" report --folded --demangle templates "$TMP/p.pb.gz" >"$TMP/tmpl.txt" ||
	fail "report --demangle templates failed"
grep -q ';demo::mix<float>;demo::mix<double>' "$TMP/tmpl.txt" || fail "--demangle templates: $(head -3 "$TMP/tmpl.txt")"
grep -q 'demo::[^;]*(' "$TMP/tmpl.txt" && fail "--demangle templates kept parameters"
"$HWPROF" report --demangle fancy "$TMP/p.pb.gz" 2>"$TMP/err"
[ $? -eq 2 ] || fail "report --demangle fancy: want exit 2"
pass "report --demangle full and templates name the functions again"

# record --demangle full names them so in the file itself.
"$HWPROF" record -q -e cpu-clock -F 999 --demangle full -o "$TMP/full.pb.gz" -- "$WORKLOADS/cxx" 0.3 ||
	fail "record --demangle full exited $?"
folded "$TMP/full.pb.gz" | grep -q ';demo::Engine::run(int)' || fail "record --demangle full: no run(int)"
pass "record --demangle full"

command -v go >/dev/null 2>&1 || skip "go not found for the go tool pprof part (apt-get install golang-go)"
# go tool pprof shows the profile's names (-symbolize=none): the simple ones,
# and in a profile recorded with full names, the class and template argument.
go tool pprof -top -symbolize=none "$TMP/p.pb.gz" >"$TMP/top.txt" 2>"$TMP/top.err" || {
	cat "$TMP/top.err"
	fail "go tool pprof -top failed"
}
grep -q ' demo::Engine::run$' "$TMP/top.txt" || fail "go tool pprof -top: $(cat "$TMP/top.txt")"
go tool pprof -top -symbolize=none "$TMP/full.pb.gz" >"$TMP/top.txt" 2>"$TMP/top.err" || {
	cat "$TMP/top.err"
	fail "go tool pprof -top failed on the full names"
}
for pat in 'demo::Engine::run' 'demo::mix<double>'; do
	grep -qF "$pat" "$TMP/top.txt" || {
		cat "$TMP/top.txt"
		fail "go tool pprof -top does not show $pat"
	}
done
pass "go tool pprof -top shows demo::Engine::run, and demo::mix<double> from full names"
