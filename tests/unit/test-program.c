/* test-program.c - which file a command runs: the PATH search and scripts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"
#include "tap.h"

static int make_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

int main(void)
{
	char dir[] = "/tmp/test-program.XXXXXX", bin[64], other[64], path[256], want[256], buf[4096];

	if (!mkdtemp(dir)) {
		skip("program resolution", "cannot make a temporary directory");
		return done_testing();
	}
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	if (mkdir(bin, 0700) < 0 || mkdir(other, 0700) < 0) {
		skip("program resolution", "cannot make directories");
		return done_testing();
	}
	snprintf(path, sizeof(path), "%s/tool", bin);
	make_file(path, "\177ELF not really\n", 0700);
	snprintf(path, sizeof(path), "%s/script", bin);
	make_file(path, "#!  /bin/interp -e\necho hi\n", 0700);
	snprintf(path, sizeof(path), "%s/tool", other);
	make_file(path, "not executable\n", 0600);
	snprintf(path, sizeof(path), "%s:%s", other, bin);

	snprintf(want, sizeof(want), "%s/tool", bin);
	ok(program_resolve("tool", path, buf, sizeof(buf)) == 0 && strcmp(buf, want) == 0,
	   "a name is searched along PATH, past a file that is not executable: %s", buf);
	ok(program_resolve("script", path, buf, sizeof(buf)) == 0 && strcmp(buf, "/bin/interp") == 0,
	   "a script resolves to its interpreter, without its arguments: %s", buf);
	snprintf(want, sizeof(want), "%s/tool", bin);
	ok(program_resolve(want, "/nonexistent", buf, sizeof(buf)) == 0 && strcmp(buf, want) == 0,
	   "a name with a slash is not searched: %s", buf);
	is_int(program_resolve("no-such-tool", path, buf, sizeof(buf)), -ENOENT,
	       "a name in no directory of PATH: -ENOENT");
	is_int(program_resolve("./no-such-tool", path, buf, sizeof(buf)), -ENOENT,
	       "a path that does not exist: -ENOENT");
	ok(program_resolve("sh", NULL, buf, sizeof(buf)) == 0 && buf[0] == '/',
	   "without PATH, the default directories: %s", buf);

	snprintf(path, sizeof(path), "%s/tool", other);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tool", bin);
	unlink(path);
	snprintf(path, sizeof(path), "%s/script", bin);
	unlink(path);
	rmdir(other);
	rmdir(bin);
	rmdir(dir);
	return done_testing();
}
