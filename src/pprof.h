/* pprof.h - struct profile <-> gzipped profile.proto (protobuf-c, zlib). */
#ifndef HWPROF_PPROF_H
#define HWPROF_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include "profile.h"

/* Serialize p as a gzipped profile.proto into a malloc'd buffer (*out, *len).
 * Returns 0 or -errno. */
int pprof_encode(const struct profile *p, uint8_t **out, size_t *len);

/* Write p to path through outfile_write (outfile.h): 0600, a temporary file
 * renamed over path.  0 or -errno. */
int pprof_write_file(const struct profile *p, const char *path);

/* The cap on a profile's size given to pprof_decode/pprof_read_file: the
 * file, and what it inflates to (1 GiB). */
#define PPROF_MAX_SIZE ((size_t)1 << 30)

/* Parse a profile.proto, gzipped or not, from buf.  Fills *out (NULL on
 * failure).  Sample values must not be negative, except in the samples of a
 * difference profile's base (label pprof::base=true, as pprof's -diff_base
 * writes them).  Returns 0, -EINVAL for malformed data, -ERANGE for a negative
 * value elsewhere, -EFBIG for data larger than max_size bytes (compressed or
 * inflated: inflating stops there, with no more memory than a buffer),
 * -ENOMEM.  pprof_decode: max_size PPROF_MAX_SIZE. */
int pprof_decode_max(const void *buf, size_t len, size_t max_size, struct profile **out);
int pprof_decode(const void *buf, size_t len, struct profile **out);

/* pprof_decode of a file's contents (a file larger than max_size is not read:
 * -EFBIG).  0, -errno of the read, or pprof_decode's errors. */
int pprof_read_file_max(const char *path, size_t max_size, struct profile **out);
int pprof_read_file(const char *path, struct profile **out);

/* A reader's error in words for a command's message: pprof_decode's codes,
 * util_strerror otherwise. */
const char *pprof_strerror(int err);

#endif
