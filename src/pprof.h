/* pprof.h - struct profile <-> gzipped profile.proto (protobuf-c, zlib). */
#ifndef HWPROF_PPROF_H
#define HWPROF_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include "profile.h"

/* Serialize p as a gzipped profile.proto into a malloc'd buffer (*out, *len).
 * Returns 0 or -errno. */
int pprof_encode(const struct profile *p, uint8_t **out, size_t *len);

/* Write p to path (atomically: a temporary file renamed over path). 0 or -errno. */
int pprof_write_file(const struct profile *p, const char *path);

/* Parse a profile.proto, gzipped or not, from buf.  Fills *out (NULL on failure).
 * Returns 0, -EINVAL for malformed data, -ENOMEM. */
int pprof_decode(const void *buf, size_t len, struct profile **out);

/* pprof_decode of a file's contents.  0, -errno of the read, or -EINVAL. */
int pprof_read_file(const char *path, struct profile **out);

#endif
