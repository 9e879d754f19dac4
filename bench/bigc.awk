# bench/bigc.awk - print n (awk -v n=N) C functions that switch, loop and call
# their predecessor: inlining, register allocation and scheduling work for
# cc1, some 17 lines each.  The caller prints a declaration of strlen first.
BEGIN {
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
		printf "\treturn acc + (int)p->c[%d];\n}\n\n", i % 4
	}
}
