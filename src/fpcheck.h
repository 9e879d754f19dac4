/* fpcheck.h - does an ELF file's code keep frame pointers?
 *
 * --call-graph auto uses frame pointers for programs built with them (cheap,
 * the kernel walks them) and DWARF unwinding for those built without.  The
 * answer comes from the prologues of the functions .eh_frame_hdr lists (it lists
 * them in stripped files too): with frame pointers, most set up a frame record
 * (arch.h: push %rbp; mov %rsp,%rbp on x86-64, stp x29, x30, [sp, #-N]!;
 * mov x29, sp on arm64). */
#ifndef HWPROF_FPCHECK_H
#define HWPROF_FPCHECK_H

#include <stddef.h>

/* A program built with frame pointers shows 40-80% here (its leaves and start-up
 * code have none); one built without, 0-3%. */
#define FPCHECK_MIN_SHARE 0.25

/* Share of the functions of the ELF file at path whose prologue sets up the
 * frame pointer, in *share (0..1), out of *nfuncs functions looked at.
 * Returns 0, -errno for an unreadable file, -ENOEXEC when it is not an ELF file
 * or has no .eh_frame_hdr table to go by, -ENOTSUP when its code is for another
 * architecture than this machine's. */
int fpcheck_file(const char *path, double *share, size_t *nfuncs);

#endif
