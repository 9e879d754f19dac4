/* vdso.h - our own vDSO image as a file.
 *
 * Every 64-bit process of this kernel maps the same vDSO, which exists on no
 * file system: a copy of ours in a memfd gives libdw something to read for
 * the profiled program's [vdso] frames (names and CFI). */
#ifndef HWPROF_VDSO_H
#define HWPROF_VDSO_H

/* A read-only file descriptor of the image (created on first call into
 * *cached, which starts at -1 and which the caller closes at the end).
 * Returns the fd (*cached itself, not a duplicate) or -errno. */
int vdso_image_fd(int *cached);

#endif
