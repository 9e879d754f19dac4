#!/bin/sh
# A large program nobody here wrote, without frame pointers: gcc's cc1 (tens
# of MB of C++) compiling a generated file, recorded with no option at all.
# Its stacks are complete by default: at least 95% of the samples reach main,
# and no sample is lost at the default rate.
. "$(dirname "$0")/lib.sh"
require_sampling
command -v gcc >/dev/null || skip "no gcc"
cc1=$(gcc -print-prog-name=cc1)
[ -x "$cc1" ] || skip "gcc has no cc1 at $cc1"
# bench/dwarf.sh's file (strlen declared: cc1 alone has no system header
# path): switches, loops and calls for cc1's optimizers.
awk -v n=300 'BEGIN { print "__SIZE_TYPE__ strlen(const char *);"
	for (i = 0; i < n; i++) {
		printf "struct s%d { int a, b; double c[4]; char name[16]; };\n", i
		printf "int f%d(const int *v, int n, struct s%d *p)\n{\n\tint acc = %d;\n", i, i, i
		printf "\tfor (int i = 0; i < n; i++) {\n\t\tswitch ((v[i] + %d) & 7) {\n", i
		printf "\t\tcase 0: acc += v[i] * %d; break;\n", i * 7 + 1
		printf "\t\tcase 1: acc ^= v[i] << %d; break;\n", i % 13
		printf "\t\tcase 2: p->c[i & 3] += acc * 0.5; break;\n"
		if (i > 0)
			printf "\t\tcase 3: acc -= f%d(v + 1, n / 2, 0); break;\n", i - 1
		printf "\t\tcase 4: if (p->name[i & 15] == %d) acc += (int)strlen(p->name); break;\n", i % 128
		printf "\t\tdefault: acc += p->a * %d + p->b; p->b = acc >> 2;\n\t\t}\n\t}\n", i
		printf "\treturn acc + (int)p->c[%d];\n}\n\n", i % 4 } }' >"$TMP/big.c"
"$HWPROF" record -o "$TMP/p.pb.gz" -- "$cc1" -quiet -O2 "$TMP/big.c" -o "$TMP/big.s" \
	2>"$TMP/err" >/dev/null || fail "record exited $? ($(cat "$TMP/err"))"
! grep '^hwprof: lost' "$TMP/err" || fail "samples lost at the default rate"
folded "$TMP/p.pb.gz" >"$TMP/f.txt" || fail "report --folded failed"
got=$(user_stacks "$TMP/f.txt" | awk '{ v = $NF; t += v; if ($0 ~ /(^|;)main[; ]/) m += v }
	END { printf "%.1f %.0f\n", t ? 100 * m / t : 0, t }')
share=${got% *}
within "$share" 95 100 || fail "only ${share}% of cc1's samples reach main: $(cat "$TMP/err")"
pass "${share}% of cc1's samples (${got#* } ns) reach main; $(grep '^hwprof: dwarf' "$TMP/err")"
