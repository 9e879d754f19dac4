/* debuginfo.c - see debuginfo.h.
 *
 * libdwfl's dwfl_standard_find_debuginfo asks debuginfod when the local
 * search fails, and in elfutils 0.188 loads libdebuginfod (and with it
 * libcurl, TLS and Kerberos libraries, megabytes of them) on first use even
 * when no server is configured.  This is its local part: the build id through
 * libdwfl's public dwfl_build_id_find_debuginfo, the debuglink by hand. */
#include "debuginfo.h"
#include "elfsection.h"

#include <elfutils/libdwelf.h>
#include <gelf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* The .gnu_debuglink CRC: zlib's CRC-32 of the whole file.  0 or -errno. */
static int file_crc(int fd, uint32_t *crc)
{
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t got;

	while ((got = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		c = crc32(c, buf, (uInt)got);
		off += got;
	}
	*crc = (uint32_t)c;
	return 0;
}

/* Is fd the module's debug file?  The same build id, or when the module or
 * the file has none, the CRC the debuglink names. */
static bool candidate_ok(Dwfl_Module *mod, int fd, GElf_Word crc)
{
	const unsigned char *want;
	const void *have;
	GElf_Addr vaddr;
	ssize_t nhave = -1;
	int nwant = dwfl_module_build_id(mod, &want, &vaddr);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	uint32_t c = 0;
	bool ok = false;

	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	nhave = dwelf_elf_gnu_build_id(elf, &have);
	if (nwant > 0 && nhave > 0) {
		ok = nhave == nwant && memcmp(have, want, (size_t)nwant) == 0;
		goto out;
	}
	ok = crc && file_crc(fd, &c) == 0 && c == crc;
out:
	elf_end(elf);
	return ok;
}

/* Open path if it is a regular file other than the module's own
 * (st, when given) and its debug file: the descriptor, or -1. */
static int try_open(Dwfl_Module *mod, const char *path, const struct stat *self, GElf_Word crc,
		    char **found)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO planted under the name must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (self && st.st_dev == self->st_dev && st.st_ino == self->st_ino) ||
	    !candidate_ok(mod, fd, crc) || !(*found = strdup(path))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The debuglink's usual places for file_name's directory dir. */
static int find_debuglink(Dwfl_Module *mod, const char *file_name, const char *link,
			  GElf_Word crc, char **found)
{
	static const char *const sub[][2] = { { "", "/" }, { "", "/.debug/" },
					      { "/usr/lib/debug", "/" } };
	char real[PATH_MAX], path[PATH_MAX + 64];
	struct stat self;
	bool have_self;
	char *slash;
	int fd = -1;

	/* A link is a file name, never a path that could leave the directories. */
	if (!file_name || !link || !*link || strchr(link, '/') || strlen(link) > 255 ||
	    !realpath(file_name, real))
		return -1;
	have_self = stat(real, &self) == 0;
	slash = strrchr(real, '/');
	*slash = '\0';               /* "/bin/x" -> "/bin"; "/x" -> "" */
	for (size_t i = 0; fd < 0 && i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s%s", sub[i][0], real, sub[i][1], link);
		fd = try_open(mod, path, have_self ? &self : NULL, crc, found);
	}
	return fd;
}

int debuginfo_find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		   const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
		   char **debuginfo_file_name)
{
	int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					      debuglink_file, debuglink_crc, debuginfo_file_name);

	if (fd >= 0)
		return fd;
	fd = find_debuglink(mod, file_name, debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd < 0)
		errno = ENOENT;
	return fd;
}

int debuginfo_has_section(Dwfl_Module *mod, const char *name)
{
	const char *modname, *file = NULL, *link;
	GElf_Word crc = 0;
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias), *debug;
	char *found = NULL;
	void **userdata;
	GElf_Shdr sh;
	bool has;
	int fd;

	if (elfsection_find(elf, name, &sh))
		return 1;
	modname = dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, &file, NULL);
	link = elf ? dwelf_elf_gnu_debuglink(elf, &crc) : NULL;
	fd = debuginfo_find(mod, userdata, modname, 0, file, link, crc, &found);
	free(found);
	if (fd < 0)
		return 0;
	debug = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	has = elfsection_find(debug, name, &sh) != NULL;
	elf_end(debug);
	close(fd);
	return has;
}
