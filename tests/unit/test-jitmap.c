/* test-jitmap.c - perf-PID.map files: parsing (buf, len), lookups, and
 * reading each process's map again when it changes or keeping it when gone. */
#include "jitmap.h"
#include "fixture.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *find(const struct jitmap_syms *m, uint64_t addr)
{
	const char *name = jitmap_syms_find(m, addr);

	return name ? name : "";
}

static void test_parse(void)
{
	/* Not NUL-terminated: the parser must stop at len, inside "XYZ". */
	static const char text[] =
		"2000 80 LazyCompile:~foo bar.js:1\n"
		"1000 100 jit_a\n"
		"\n"
		"zz 10 not_hex\n"
		"4000\n"
		"0x3000 10 hex_prefix\n"
		"1000 40 jit_a_recompiled\n"
		"5000 20 lateXYZ";
	struct jitmap_syms *m = NULL;

	is_int(jitmap_parse(text, sizeof(text) - 1 - strlen("XYZ"), &m), 0, "jitmap_parse");
	if (!m)
		return;
	is_str(find(m, 0x2010), "LazyCompile:~foo bar.js:1", "names keep their spaces");
	is_str(find(m, 0x3004), "hex_prefix", "0x before a number accepted");
	is_str(find(m, 0x1010), "jit_a_recompiled", "later entry at the same start wins");
	ok(!jitmap_syms_find(m, 0x1050), "and hides the rest of the earlier one");
	is_str(find(m, 0x5001), "late", "last line without a newline, cut at len");
	ok(!jitmap_syms_find(m, 0x1100), "end is exclusive");
	ok(!jitmap_syms_find(m, 0x500), "below every entry");
	ok(!jitmap_syms_find(m, 0x4000), "a line without size or name skipped");
	jitmap_syms_free(m);
	jitmap_syms_free(NULL);

	m = NULL;
	is_int(jitmap_parse("", 0, &m), 0, "empty map parses");
	ok(m && !jitmap_syms_find(m, 0), "empty map: nothing found");
	jitmap_syms_free(m);
}

static void test_reader(const char *dir)
{
	struct jitmap *jm = NULL;
	const char *name = NULL;
	char path[4200];

	snprintf(path, sizeof(path), "%s/perf-4242.map", dir);
	fixture_write(path,
		      "2000 80 LazyCompile:~foo bar.js:1\n"
		      "1000 100 jit_a\n"
		      "3000 10 _ZN2ns3fooEi\n");
	is_int(jitmap_new(dir, &jm), 0, "jitmap with a jit dir");
	if (!jm)
		return;
	is_int(jitmap_lookup(jm, 4242, 0x1050, &name), 0, "jit lookup");
	is_str(name, "jit_a", "jit_a");
	is_int(jitmap_lookup(jm, 4242, 0x3004, &name), 0, "mangled name");
	is_str(name, "_ZN2ns3fooEi", "names are the map's, not demangled");
	is_int(jitmap_lookup(jm, 4242, 0x1100, &name), -ENOENT, "end is exclusive");
	is_int(jitmap_lookup(jm, 4243, 0x1050, &name), -ENOENT, "no map for that pid");

	/* The JIT appended code (the file grew): re-read. */
	fixture_write(path,
		      "2000 80 LazyCompile:~foo bar.js:1\n"
		      "1000 100 jit_a\n"
		      "3000 10 _ZN2ns3fooEi\n"
		      "1000 40 jit_a_recompiled\n"
		      "5000 20 late\n");
	jitmap_lookup(jm, 4242, 0x5001, &name);
	is_str(name, "late", "reloaded after change");
	jitmap_lookup(jm, 4242, 0x1010, &name);
	is_str(name, "jit_a_recompiled", "later entry at the same start wins");
	unlink(path);
	name = NULL;
	jitmap_lookup(jm, 4242, 0x5001, &name);
	is_str(name, "late", "map removed (the JIT exited): the names loaded last still hold");
	is_int(jitmap_lookup(jm, 4343, 0x5001, &name), -ENOENT, "no map ever: not found");
	ok(name == NULL, "not found: no name");
	jitmap_free(jm);
	jitmap_free(NULL);
}

int main(void)
{
	char dir[] = "/tmp/hwprof-test-jitmap-XXXXXX";

	test_parse();
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return done_testing();
	}
	test_reader(dir);
	rmdir(dir);
	return done_testing();
}
