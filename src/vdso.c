/* vdso.c - see vdso.h. */
#include "vdso.h"

#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

int vdso_image_fd(int *cached)
{
	const unsigned char *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	size_t size;
	int fd;

	if (*cached >= 0)
		return *cached;
	if (!base)
		return -ENOENT;
	/* The image ends with the section headers or the last loaded byte. */
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff + i * eh->e_phentsize);

		if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > size)
			size = ph->p_offset + ph->p_filesz;
	}
	fd = memfd_create("hwprof-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, base, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	*cached = fd;
	return fd;
}
