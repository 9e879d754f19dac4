/* test-outfile.c - every output through one door: 0600, a temporary file
 * renamed over the target, the old file kept on failure, paths refused early. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "outfile.h"
#include "tap.h"

static char dir[PATH_MAX - NAME_MAX - 2];

static const char *at(const char *name)
{
	static char buf[2][PATH_MAX];
	static int k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* The file's contents (up to 255 bytes), "" when it cannot be read. */
static const char *contents(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Entries in the test directory whose name starts with ".hwprof-". */
static int leftovers(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strncmp(e->d_name, ".hwprof-", 8) == 0;
	if (d)
		closedir(d);
	return n;
}

static int mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void test_write(void)
{
	struct outfile *o;
	struct stat st;

	umask(022);
	is_int(outfile_write(at("a"), "hello\n", 6), 0, "outfile_write writes a new file");
	is_str(contents(at("a")), "hello\n", "with the contents given");
	is_int(mode_of(at("a")), 0600, "created 0600 under umask 022");
	umask(0277);
	outfile_write(at("b"), "x", 1);
	is_int(mode_of(at("b")), 0400, "a stricter umask makes it stricter still");
	umask(022);

	fixture_write(at("c"), "old");
	chmod(at("c"), 0644);
	ok(outfile_open(at("c"), &o) == 0, "outfile_open over an existing file");
	fputs("new", outfile_stream(o));
	fflush(outfile_stream(o));
	is_str(contents(at("c")), "old", "until outfile_close, readers see the old file");
	is_int(outfile_close(o, 0), 0, "outfile_close renames the new one into place");
	is_str(contents(at("c")), "new", "then the new one, whole");
	is_int(mode_of(at("c")), 0600, "the old file's mode does not carry over");

	ok(outfile_open(at("c"), &o) == 0, "a writer that fails");
	fputs("partial", outfile_stream(o));
	is_int(outfile_close(o, -ENOMEM), -ENOMEM, "outfile_close returns the writer's error");
	is_str(contents(at("c")), "new", "and leaves the old file as it was");
	is_int(leftovers(), 0, "and no temporary file behind");

	fixture_write(at("target"), "precious");
	symlink("target", at("link"));
	is_int(outfile_write(at("link"), "out", 3), 0, "a symlink at the path");
	ok(lstat(at("link"), &st) == 0 && S_ISREG(st.st_mode), "is replaced by the new file");
	is_str(contents(at("target")), "precious", "and what it pointed to is left alone");
}

/* A write error reaches outfile_close with its own errno, however the writer
 * treats stdio's error flag: a file size limit makes write(2) fail with EFBIG
 * as a full disk makes it fail with ENOSPC. */
static void test_write_error(void)
{
	struct rlimit old, small = { 4096, 4096 };
	struct outfile *o;
	char block[1024];
	int r;

	memset(block, 'x', sizeof(block));
	fixture_write(at("d"), "old");
	getrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_IGN);
	small.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &small);
	ok(outfile_open(at("d"), &o) == 0, "open with a 4 KiB file size limit");
	for (int i = 0; i < 64; i++)
		fwrite(block, 1, sizeof(block), outfile_stream(o));
	r = outfile_close(o, 0);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(r, -EFBIG, "outfile_close names write(2)'s own error (EFBIG), not EIO");
	is_str(contents(at("d")), "old", "the old file survives a failed write");
	is_int(leftovers(), 0, "the temporary file is removed");

	setrlimit(RLIMIT_FSIZE, &small);
	ok(outfile_open(at("d"), &o) == 0, "a writer that saw the error and said EIO");
	for (int i = 0; i < 64; i++)
		fwrite(block, 1, sizeof(block), outfile_stream(o));
	r = outfile_close(o, -EIO);
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(r, -EFBIG, "still gets the real cause back");
}

static void check_refused(const char *path, int want, const char *what)
{
	char why[256] = "";
	int r = outfile_check(path, why, sizeof(why));

	is_int(r, want, "outfile_check refuses %s", what);
	if (r)
		ok(why[0] != '\0', "  with a reason: %s", why);
}

static void test_check(void)
{
	char name[NAME_MAX + 2], why[256];

	is_int(outfile_check(at("new"), why, sizeof(why)), 0, "outfile_check: a new file in a writable directory");
	is_int(leftovers(), 0, "its trial file is removed");
	is_int(outfile_check(at("a"), why, sizeof(why)), 0, "an existing file");
	chmod(at("a"), 0400);
	is_int(outfile_check(at("a"), why, sizeof(why)), 0, "a read-only file (it is replaced, not written)");
	is_int(outfile_check(at("link"), why, sizeof(why)), 0, "a symlink to a regular file (the link is replaced)");
	symlink("nowhere", at("dangling"));
	is_int(outfile_check(at("dangling"), why, sizeof(why)), 0, "a dangling symlink");
	memset(name, 'n', NAME_MAX);
	name[NAME_MAX] = '\0';
	is_int(outfile_check(at(name), why, sizeof(why)), 0, "a name of NAME_MAX bytes (the temporary name is short)");
	is_int(outfile_write(at(name), "x", 1), 0, "and outfile_write writes it");

	check_refused("", -EINVAL, "an empty name");
	name[NAME_MAX] = 'n';
	name[NAME_MAX + 1] = '\0';
	check_refused(at(name), -ENAMETOOLONG, "a name longer than NAME_MAX");
	check_refused(at("no/such/dir/x"), -ENOENT, "a missing directory");
	check_refused(at("a/x"), -ENOTDIR, "a file used as a directory");
	check_refused(dir, -EISDIR, "a directory");
	check_refused(at("sub/"), -EISDIR, "a name ending in '/'");
	mkfifo(at("fifo"), 0600);
	check_refused(at("fifo"), -EEXIST, "a FIFO (never opened: no hang)");
	symlink("/dev/null", at("null"));
	check_refused(at("null"), -EEXIST, "a symlink to a device");
	symlink("/proc/self/fd/1", at("stdout"));
	check_refused(at("stdout"), -EEXIST, "a symlink into /proc, like /dev/stdout");
	symlink(".", at("dirlink"));
	check_refused(at("dirlink"), -EISDIR, "a symlink to a directory");
	check_refused("/proc/self/x", -EEXIST, "a file in /proc");
	if (geteuid() != 0) {
		mkdir(at("ro"), 0500);
		check_refused(at("ro/x"), -EACCES, "a directory we cannot write");
	} else {
		skip("a directory we cannot write", "root writes any directory (the integration "
		     "test mounts a read-only file system instead)");
	}
}

int main(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(dir, sizeof(dir), "%s/test-outfile.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	mkdir(at("sub"), 0700);
	test_write();
	test_write_error();
	test_check();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
