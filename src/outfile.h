/* outfile.h - every file hwprof writes (profiles, flame graphs, collapsed
 * stacks, timelines, histogram logs, stat results) is written the same way:
 * into a new temporary file in the target's directory, created 0600 (stricter
 * if the umask is), with an unpredictable name (mkstemp); flushed, fsync'd,
 * then renamed over the target.  Readers see the old file or the whole new
 * one; a failure (a full disk) leaves the old file as it was and names the
 * first error as the system gave it.
 *
 * The target is replaced, never written into: an existing file's mode, owner
 * and hard links do not carry over, and a symbolic link at the target is
 * replaced by the new file, never followed.  Devices, FIFOs, sockets and
 * links to them (or into /proc, such as /dev/stdout) are refused. */
#ifndef HWPROF_OUTFILE_H
#define HWPROF_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

struct outfile;

/* Whether path can be written as outfile_open/outfile_close will: checked
 * before any work, so that a command refuses a path rather than lose its
 * results at the end.  A temporary file is created in path's directory and
 * removed again, which proves the directory writable as the kernel sees it.
 * Returns 0, or -errno with the reason in why (cap bytes, one line, no path):
 * -EINVAL empty name, -ENAMETOOLONG, -ENOENT/-ENOTDIR missing directory,
 * -EISDIR, -EEXIST not a regular file or a link to one, -EPERM another user's
 * file in a sticky directory, or what creating the trial file gave (-EACCES,
 * -EROFS, -ENOSPC, ...). */
int outfile_check(const char *path, char *why, size_t cap);

/* A new temporary file for path, open for writing through outfile_stream().
 * Fills *out (NULL on failure).  0, -ENOMEM, or -errno of mkstemp. */
int outfile_open(const char *path, struct outfile **out);

/* The stream to write the contents to (fully buffered).  A write error is
 * remembered with its errno, for outfile_close to return. */
FILE *outfile_stream(const struct outfile *o);

/* Finish o and free it.  When err is 0: flush, fsync, close and rename the
 * temporary file over the target; returns 0 or the first failure (a write's
 * errno, then fsync's, close's, rename's).  When err is non-zero (the writer
 * failed) or any step fails, the temporary file is removed and the target is
 * left as it was; returns err (or the failure).  Accepts NULL (returns err). */
int outfile_close(struct outfile *o, int err);

/* len bytes of buf as the contents of path, through outfile_open/close.
 * 0 or -errno. */
int outfile_write(const char *path, const void *buf, size_t len);

#endif
