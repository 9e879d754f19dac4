/* outfile.c - see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

struct outfile {
	char *path, *dir, *tmp;
	int fd;
	int err;        /* the first write error (-errno) */
	FILE *f;
};

/* The directory part of path: "." when it has none, "/" for "/name". */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* DIR/.hwprof-XXXXXX: a short name of its own, so that any name that fits the
 * directory also fits beside its temporary file. */
static char *tmp_template(const char *dir)
{
	static const char name[] = "/.hwprof-XXXXXX";
	size_t n = strlen(dir);
	char *t = malloc(n + sizeof(name));

	if (t) {
		memcpy(t, dir, n);
		memcpy(t + n, name, sizeof(name));
	}
	return t;
}

static int fail(char *why, size_t cap, int err, const char *text)
{
	snprintf(why, cap, "%s", text ? text : strerror(-err));
	return err;
}

/* Whether the entry at path may be replaced by a regular file: absent, a
 * regular file, or a symbolic link that dangles or leads to a regular file.
 * A link into /proc (/dev/stdout) names a descriptor, not a file: replacing
 * the link would break it for everyone. */
static int replaceable(const char *path, const char **why)
{
	struct stat st;
	char link[8];
	ssize_t n;

	*why = NULL;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISLNK(st.st_mode)) {
		*why = "not a regular file (a device, FIFO or socket): not replaced";
		return -EEXIST;
	}
	n = readlink(path, link, sizeof(link));
	if (n >= 6 && memcmp(link, "/proc/", 6) == 0) {
		*why = "a link into /proc (such as /dev/stdout): not replaced";
		return -EEXIST;
	}
	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	*why = S_ISDIR(st.st_mode) ? "a symbolic link to a directory: not replaced"
				   : "a symbolic link to something not a regular file: not replaced";
	return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
}

/* The directory dir (of path's last component name): exists, takes a name that
 * long, is not /proc, lets us replace what is there (the sticky bit). */
static int check_dir(const char *path, const char *dir, const char *name, char *why, size_t cap)
{
	struct stat ds, st;
	struct statfs fs;
	long name_max;

	if (stat(dir, &ds) < 0)
		return fail(why, cap, -errno, errno == ENOENT ? "no such directory" : NULL);
	if (!S_ISDIR(ds.st_mode))
		return fail(why, cap, -ENOTDIR, NULL);
	name_max = pathconf(dir, _PC_NAME_MAX);
	if (strlen(name) > (size_t)(name_max > 0 ? name_max : NAME_MAX))
		return fail(why, cap, -ENAMETOOLONG, NULL);
	if (statfs(dir, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC)
		return fail(why, cap, -EEXIST, "in /proc: not a place for files");
	/* In a sticky directory (/tmp) only the owner of a file (or of the
	 * directory) may replace it; rename() would say so only at the end. */
	if ((ds.st_mode & S_ISVTX) && lstat(path, &st) == 0 && geteuid() != 0 &&
	    st.st_uid != geteuid() && ds.st_uid != geteuid())
		return fail(why, cap, -EPERM, "another user's file in a sticky directory: "
			    "cannot be replaced");
	return 0;
}

int outfile_check(const char *path, char *why, size_t cap)
{
	const char *name, *what;
	char *dir = NULL, *tmp = NULL;
	int err, fd;

	if (!*path)
		return fail(why, cap, -EINVAL, "an empty file name");
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	if (!*name)
		return fail(why, cap, -EISDIR, "names a directory (ends in '/')");
	if (strlen(path) >= PATH_MAX)
		return fail(why, cap, -ENAMETOOLONG, NULL);
	dir = dir_of(path);
	tmp = dir ? tmp_template(dir) : NULL;
	if (!tmp) {
		err = fail(why, cap, -ENOMEM, "out of memory");
		goto out;
	}
	err = check_dir(path, dir, name, why, cap);
	if (err)
		goto out;
	err = replaceable(path, &what);
	if (err) {
		fail(why, cap, err, what);
		goto out;
	}
	/* access(2) grants root any directory whatever its mode, and knows
	 * nothing of quotas or full inode tables: create a file instead. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = fail(why, cap, -errno, NULL);
		goto out;
	}
	close(fd);
	unlink(tmp);
out:
	free(dir);
	free(tmp);
	return err;
}

/* The stream's sink: write(2) everything, or remember the first error (so
 * that it reaches outfile_close however the writer treats stdio's errors). */
static ssize_t cookie_write(void *cookie, const char *buf, size_t len)
{
	struct outfile *o = cookie;
	size_t done = 0;

	while (!o->err && done < len) {
		ssize_t n = write(o->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	return (ssize_t)done;
}

static void outfile_free(struct outfile *o)
{
	free(o->path);
	free(o->dir);
	free(o->tmp);
	free(o);
}

int outfile_open(const char *path, struct outfile **out)
{
	cookie_io_functions_t io = { .write = cookie_write };
	struct outfile *o;
	int err = -ENOMEM;

	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = -1;
	o->path = strdup(path);
	o->dir = dir_of(path);
	if (!o->path || !o->dir || !(o->tmp = tmp_template(o->dir)))
		goto fail;
	/* mkostemp: O_EXCL, mode 0600 less the umask, a name nobody can guess
	 * (and so cannot place a link or a FIFO at first). */
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		err = -errno;
		goto fail;
	}
	o->f = fopencookie(o, "w", io);
	if (!o->f)
		goto fail;
	setvbuf(o->f, NULL, _IOFBF, 65536);
	*out = o;
	return 0;
fail:
	if (o->fd >= 0) {
		close(o->fd);
		unlink(o->tmp);
	}
	outfile_free(o);
	return err;
}

FILE *outfile_stream(const struct outfile *o)
{
	return o->f;
}

/* The rename made durable: the directory entry reaches the disk too. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int outfile_close(struct outfile *o, int err)
{
	const char *what;

	if (!o)
		return err;
	/* A write error is the real cause of whatever the writer made of it
	 * (stdio's error flag, -EIO). */
	if (o->err)
		err = o->err;
	/* A failed writer's buffered rest is not worth writing. */
	if (err)
		o->err = err;
	if (fflush(o->f) && !err)
		err = o->err ? o->err : -EIO;
	fclose(o->f);
	if (!err && fsync(o->fd) < 0 && errno != EINVAL)
		err = -errno;
	if (close(o->fd) < 0 && !err)
		err = -errno;
	/* Checked again: something may have appeared at the path since. */
	if (!err)
		err = replaceable(o->path, &what);
	if (!err && rename(o->tmp, o->path) < 0)
		err = -errno;
	if (!err)
		sync_dir(o->dir);
	else
		unlink(o->tmp);
	outfile_free(o);
	return err;
}

int outfile_write(const char *path, const void *buf, size_t len)
{
	struct outfile *o;
	int err = outfile_open(path, &o);

	if (err)
		return err;
	if (len && fwrite(buf, 1, len, o->f) != len)
		err = o->err ? o->err : -EIO;
	return outfile_close(o, err);
}
