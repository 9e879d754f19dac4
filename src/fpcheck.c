/* fpcheck.c - see fpcheck.h. */
#include "fpcheck.h"
#include "arch.h"
#include "elfsection.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* .eh_frame_hdr pointer encodings we meet in practice (DWARF EH, LSB spec). */
#define PE_OMIT 0xff
#define PE_UDATA4 0x03
#define PE_SDATA4 0x0b
#define PE_PCREL 0x10
#define PE_DATAREL 0x30

/* The bytes of executable code at vaddr (at most *len of them), or NULL. */
static const unsigned char *code_at(Elf *elf, uint64_t vaddr, size_t *len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || vaddr < sh.sh_addr ||
		    vaddr >= sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || vaddr - sh.sh_addr >= d->d_size)
			return NULL;
		*len = d->d_size - (vaddr - sh.sh_addr);
		return (const unsigned char *)d->d_buf + (vaddr - sh.sh_addr);
	}
	return NULL;
}

static int32_t read_s32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int scan(Elf *elf, double *share, size_t *nfuncs)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elfsection_find(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d;
	const unsigned char *h;
	size_t count, fp = 0, looked = 0, step;

	if (!scn || !(d = elf_getdata(scn, NULL)) || !d->d_buf || d->d_size < 12)
		return -ENOEXEC;
	h = d->d_buf;
	/* version 1; eh_frame_ptr as sdata4 (pc-relative); fde_count udata4;
	 * table of (initial location, FDE) pairs as datarel sdata4: the layout
	 * every toolchain writes.  Anything else: we cannot tell. */
	if (h[0] != 1 || (h[1] & 0x0f) != PE_SDATA4 || h[2] != PE_UDATA4 ||
	    h[3] != (PE_DATAREL | PE_SDATA4))
		return -ENOEXEC;
	count = (uint32_t)read_s32(h + 8);
	if (count > (d->d_size - 12) / 8)
		return -ENOEXEC;
	/* Some hundreds of functions tell as well as all of them. */
	step = count > 512 ? count / 512 : 1;
	for (size_t i = 0; i < count; i += step) {
		uint64_t loc = sh.sh_addr + (int64_t)read_s32(h + 12 + 8 * i);
		size_t len = 0;
		const unsigned char *c = code_at(elf, loc, &len);

		if (!c)
			continue;
		looked++;
		fp += arch_sets_frame_pointer(c, len);
	}
	if (!looked)
		return -ENOEXEC;
	*share = (double)fp / looked;
	*nfuncs = looked;
	return 0;
}

int fpcheck_file(const char *path, double *share, size_t *nfuncs)
{
	GElf_Ehdr eh;
	Elf *elf;
	int fd, err;

	*share = 0;
	*nfuncs = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || !gelf_getehdr(elf, &eh))
		err = -ENOEXEC;
	else if (eh.e_machine != arch_get()->elf_machine)
		err = -ENOTSUP;
	else
		err = scan(elf, share, nfuncs);
	elf_end(elf);
	close(fd);
	return err;
}
