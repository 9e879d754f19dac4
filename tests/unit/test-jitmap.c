/* test-jitmap.c - perf-PID.map files: parsing (buf, len), lookups, and
 * reading each process's map again when it changes or keeping it when gone;
 * lines that are not a JIT's skipped and counted, and maps that hwprof must
 * not read (a FIFO, a symlink, another user's, a huge one) refused and told. */
#include "jitmap.h"
#include "fixture.h"
#include "tap.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Each line that is not "START SIZE NAME" as a JIT writes it is skipped and
 * counted; the rest are used. */
static void test_strict_lines(void)
{
	char text[8192], *p = text;
	struct jitmap_syms *m = NULL;

	p += sprintf(p, "1000 10 good\r\n");                 /* CRLF: fine */
	p += sprintf(p, "2000 10 caf\xc3\xa9\n");              /* UTF-8: fine */
	p += sprintf(p, "3000 0 empty_size\n");
	p += sprintf(p, "3000 40000001 over_1GiB\n");
	p += sprintf(p, "ffffffffffffff00 1000 wraps\n");
	p += sprintf(p, "ffff800000001000 10 kernel\n");
	p += sprintf(p, "10000000000000000 10 seventeen_digits\n");
	p += sprintf(p, "-1000 10 minus\n");
	p += sprintf(p, "4000  10 two_spaces\n");
	p += sprintf(p, "4000 10 tab\there\n");
	p += sprintf(p, "4000 10 \n");                       /* no name */
	p += sprintf(p, "5000 10 ");
	memset(p, 'n', JITMAP_MAX_NAME + 1);
	p += JITMAP_MAX_NAME + 1;
	p += sprintf(p, "\n6000 10 last_good\n7000 1");        /* cut short: not counted */
	is_int(jitmap_parse(text, (size_t)(p - text), &m), 0, "jitmap_parse");
	if (!m)
		return;
	is_str(find(m, 0x1001), "good", "a line ending in CRLF");
	is_str(find(m, 0x2001), "caf\xc3\xa9", "a UTF-8 name");
	is_str(find(m, 0x6001), "last_good", "lines after bad ones");
	ok(!jitmap_syms_find(m, 0x3000) && !jitmap_syms_find(m, 0x4000) &&
	   !jitmap_syms_find(m, 0x5000) && !jitmap_syms_find(m, 0xffffffffffffff01ULL) &&
	   !jitmap_syms_find(m, 0xffff800000001001ULL), "no bad line named anything");
	is_int((long long)jitmap_syms_skipped(m), 10, "10 lines skipped, the last (cut) one not counted");
	jitmap_syms_free(m);
}

/* The map of pid in dir, looked up twice: the name found at 0x1001, and the
 * refusal told, into why ("" when none). */
static const char *try_map(const char *dir, int pid, char *why, size_t len)
{
	struct jitmap *jm = NULL;
	const char *name = NULL;
	static char found[64];

	why[0] = found[0] = '\0';
	if (jitmap_new(dir, &jm) < 0)
		return "";
	if (jitmap_lookup(jm, pid, 0x1001, &name) == 0)
		snprintf(found, sizeof(found), "%s", name);
	jitmap_lookup(jm, pid, 0x1002, &name);      /* told once, not per lookup */
	if (jitmap_rejected(jm, 0, why, len) && jitmap_rejected(jm, 1, why + strlen(why), 1))
		snprintf(why, len, "told twice");
	jitmap_free(jm);
	return found;
}

/* Maps hwprof must not read: refused (the entries named nothing) and told. */
static void test_refused(const char *dir)
{
	char path[4200], target[4200], why[4400], want[4400];
	struct passwd *nobody = getpwnam("nobody");
	int pid = 4999999;      /* beyond PID_MAX_LIMIT: no process's user to trust */

	snprintf(path, sizeof(path), "%s/perf-%d.map", dir, pid);
	unlink(path);
	ok(mkfifo(path, 0644) == 0, "a FIFO as the map");
	is_str(try_map(dir, pid, why, sizeof(why)), "", "a FIFO: not read (and not waited on)");
	snprintf(want, sizeof(want), "%s: not a regular file; not read", path);
	is_str(why, want, "told: not a regular file");
	unlink(path);

	snprintf(target, sizeof(target), "%s/real.map", dir);
	fixture_write(target, "1000 10 through_link\n");
	ok(symlink(target, path) == 0, "a symlink to a map");
	is_str(try_map(dir, pid, why, sizeof(why)), "", "a symlink: not followed");
	snprintf(want, sizeof(want), "%s: a symbolic link; not followed", path);
	is_str(why, want, "told: a symbolic link");
	unlink(path);
	unlink(target);

	fixture_write(path, "1000 10 huge\n");
	ok(truncate(path, JITMAP_MAX_SIZE + 1) == 0, "a map of 64 MiB + 1");
	is_str(try_map(dir, pid, why, sizeof(why)), "", "too large: not read");
	snprintf(want, sizeof(want), "%s: larger than 64 MiB; not read", path);
	is_str(why, want, "told: larger than 64 MiB");
	unlink(path);

	fixture_write(path, "garbage\n1000 10 kept\nmore garbage\n");
	is_str(try_map(dir, pid, why, sizeof(why)), "kept", "garbage lines: the good one used");
	snprintf(want, sizeof(want), "%s: 2 lines that are not \"START SIZE NAME\" skipped", path);
	is_str(why, want, "told: lines skipped");

	fixture_write(path, "1000 10 mine\n");
	is_str(try_map(dir, pid, why, sizeof(why)), "mine", "a map of our own user: read");
	is_str(why, "", "nothing told");
	if (geteuid() != 0 || !nobody || chown(path, nobody->pw_uid, nobody->pw_gid) < 0) {
		skip("another user's map refused", "not root, or no user nobody");
	} else {
		is_str(try_map(dir, pid, why, sizeof(why)), "", "another user's map: not read");
		snprintf(want, sizeof(want), "%s: owned by uid %u, not by root or the process's user; "
			 "not read", path, (unsigned)nobody->pw_uid);
		is_str(why, want, "told: owned by another user");
	}
	unlink(path);
}

/* A map owned by the process's own user (here nobody, not hwprof's): read. */
static void test_process_user(const char *dir)
{
	struct passwd *nobody = getpwnam("nobody");
	char path[4200], why[4400], c = 0;
	int go[2], ready[2], status;
	pid_t child;

	if (geteuid() != 0 || !nobody || pipe(go) < 0 || pipe(ready) < 0) {
		skip("a map owned by the process's user is read", "not root, or no user nobody");
		return;
	}
	child = fork();
	if (child == 0) {
		close(go[1]);
		close(ready[0]);
		if (setgid(nobody->pw_gid) < 0 || setuid(nobody->pw_uid) < 0 || write(ready[1], &c, 1) < 0)
			_exit(1);
		_exit(read(go[0], &c, 1) < 0);      /* until the parent is done */
	}
	close(go[0]);
	close(ready[1]);
	snprintf(path, sizeof(path), "%s/perf-%d.map", dir, (int)child);
	fixture_write(path, "1000 10 nobodys\n");
	ok(chown(path, nobody->pw_uid, nobody->pw_gid) == 0 && read(ready[0], &c, 1) == 1,
	   "a process of user nobody, and its map");
	is_str(try_map(dir, (int)child, why, sizeof(why)), "nobodys",
	       "a map owned by the process's own user: read");
	close(ready[0]);
	close(go[1]);
	waitpid(child, &status, 0);
	unlink(path);
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
	test_strict_lines();
	test_refused(dir);
	test_process_user(dir);
	rmdir(dir);
	return done_testing();
}
