#!/bin/sh
# libhwprof as a user gets it: install the library, hwprof.h and hwprof.pc into a
# scratch DESTDIR, build a program with `pkg-config --cflags --libs hwprof` (C,
# and the header as C++), run it; only hwprof_* may be exported.
. "$(dirname "$0")/lib.sh"
b=$(dirname "$HWPROF")
command -v pkg-config >/dev/null || skip "pkg-config not installed"
CC=${CC:-cc}
# A library built with --enable-asan/--enable-ubsan needs their runtime in
# the program (make check passes the flags).
SAN=${SAN_CFLAGS:-}

# MAKEFLAGS of the enclosing `make check` (TESTS=..., -j) must not leak in.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$b" DESTDIR="$TMP/dest" \
	install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA \
	>"$TMP/install.log" 2>&1 || fail "make install: $(tail -3 "$TMP/install.log")"
pc=$(find "$TMP/dest" -name hwprof.pc | head -1)
[ -n "$pc" ] || fail "hwprof.pc not installed"
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH="$(dirname "$pc")"
pcflags="--define-variable=prefix=$TMP/dest$prefix"
pkg-config --exists hwprof || fail "pkg-config does not find hwprof"
[ "$(pkg-config --modversion hwprof)" = "$(sed -n 's/^Version: //p' "$pc")" ] || fail "version"
libdir=$(pkg-config $pcflags --variable=libdir hwprof)
[ -f "$libdir/libhwprof.so" ] || fail "no $libdir/libhwprof.so"
[ -f "$(pkg-config $pcflags --variable=includedir hwprof)/hwprof.h" ] || fail "hwprof.h not installed"
pass "installed: library, header, hwprof.pc"

nm -D --defined-only "$libdir/libhwprof.so" | awk '$2 ~ /^[TDBR]$/ { print $3 }' >"$TMP/syms"
grep -q '^hwprof_counters_open' "$TMP/syms" || fail "hwprof_counters_open not exported"
if grep -v '^hwprof_' "$TMP/syms" >"$TMP/extra"; then
	fail "exports beyond hwprof_*: $(head -5 "$TMP/extra" | tr '\n' ' ')"
fi
pass "exports only hwprof_* ($(wc -l <"$TMP/syms") symbols)"

cat >"$TMP/user.c" <<'PROG'
#include <hwprof.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct hwprof_counters *c;
	struct hwprof_value v[2];
	volatile char *p;
	int r = hwprof_counters_open(argc > 1 ? argv[1] : "task-clock,page-faults",
				     HWPROF_START, &c);

	if (r < 0) {
		printf("error %d: %s\n", r, hwprof_strerror(r));
		return 3;
	}
	p = malloc(1 << 22);
	for (int i = 0; i < (1 << 22); i += 4096)
		p[i] = 1;
	if (hwprof_counters_read(c, v, 2) != 2)
		return 4;
	printf("%s %llu\n%s %llu\n", hwprof_counters_name(c, 0), (unsigned long long)v[0].value,
	       hwprof_counters_name(c, 1), (unsigned long long)v[1].value);
	hwprof_counters_close(c);
	free((char *)p);
	return 0;
}
PROG
# shellcheck disable=SC2046,SC2086
$CC $SAN -std=c99 -Wall -Wextra -pedantic -Werror -o "$TMP/user" "$TMP/user.c" \
	$(pkg-config $pcflags --cflags --libs hwprof) -Wl,-rpath,"$libdir" 2>"$TMP/cc.err" ||
	fail "build against the installed library: $(head -5 "$TMP/cc.err")"
"$TMP/user" >"$TMP/out" || fail "user program: exit $?: $(cat "$TMP/out")"
awk '$1 == "task-clock" && $2 > 0 { t = 1 } $1 == "page-faults" && $2 > 0 { f = 1 }
	END { exit !(t && f) }' "$TMP/out" || fail "counts: $(cat "$TMP/out")"
pass "program built with pkg-config counts: $(tr '\n' ' ' <"$TMP/out")"

"$TMP/user" "cyles" >"$TMP/out"
[ $? -eq 3 ] && grep -q "error -4096: event not understood" "$TMP/out" ||
	fail "bad event text: $(cat "$TMP/out")"
pass "bad event text: $(cat "$TMP/out")"

if command -v c++ >/dev/null; then
	printf '#include <hwprof.h>\nint main() { return hwprof_strerror(0) ? 0 : 1; }\n' >"$TMP/user.cc"
	# shellcheck disable=SC2046,SC2086
	c++ $SAN -Wall -Werror -o "$TMP/usercc" "$TMP/user.cc" \
		$(pkg-config $pcflags --cflags --libs hwprof) -Wl,-rpath,"$libdir" 2>"$TMP/cxx.err" &&
		"$TMP/usercc" || fail "C++ use of hwprof.h: $(head -5 "$TMP/cxx.err")"
	pass "hwprof.h links from C++"
fi

# Static: libhwprof.a plus Libs.private (libpfm4).
# shellcheck disable=SC2046,SC2086
$CC $SAN -o "$TMP/user-static" "$TMP/user.c" $(pkg-config $pcflags --cflags hwprof) \
	"$libdir/libhwprof.a" $(pkg-config $pcflags --static --libs-only-l hwprof | sed 's/-lhwprof//') \
	2>"$TMP/cc.err" || fail "static link: $(head -5 "$TMP/cc.err")"
"$TMP/user-static" >/dev/null || fail "static program: exit $?"
pass "static link with Libs.private"
