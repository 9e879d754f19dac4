/* fuzz-cfitable.c - libFuzzer target for a profiled program's CFI compiled
 * into tables (cfitable.h), where the file lies: a real ELF file (the first
 * of HWPROF_FUZZ_ELF, which tests/fuzz/run.sh sets) whose .eh_frame_hdr and
 * .eh_frame the input changes.
 *
 * The input's first 4 bytes are an offset into the two sections taken as one
 * (.eh_frame_hdr, then .eh_frame); the rest is XORed into them from there, so
 * that the empty input is the real file and small inputs are small lies (a
 * search table out of order, FDEs claiming other ranges, more FDEs in a
 * region than it compiles).  Every STEP-th address of the file's span is
 * looked up in a table of the file, in a second table of the same file, and
 * in the first again after cfitable_clear: any bytes must give answers
 * without a crash, a leak or a read outside the file, rules exactly where
 * cfitable_find says CFI_FOUND or CFI_UNSUPPORTED, the same answers from
 * both tables, and nothing kept after a clear.  (A cleared table may answer
 * otherwise where it asks libdw: libdw keeps what it found of a lying
 * file's FDEs, and its later answers depend on it.) */
#define _GNU_SOURCE
#include "cfitable.h"
#include "elfsection.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP 5
#define MAX_LOOKUPS 8192

static uint8_t *file;           /* the real file */
static size_t file_size;
static uint8_t *copy;           /* the one the input changes */
static size_t hdr_off, hdr_size, eh_off, eh_size;
static int memfd = -1;

struct answer {
	int found;
	struct cfi_rules r;
};

static struct answer first[MAX_LOOKUPS];

/* Offset and size of section name into *off, *size; 0 or -1. */
static int section(Elf *elf, const char *name, size_t *off, size_t *size)
{
	GElf_Shdr sh;

	if (!elfsection_find(elf, name, &sh) || sh.sh_type == SHT_NOBITS || sh.sh_offset > file_size ||
	    sh.sh_size > file_size - sh.sh_offset)
		return -1;
	*off = sh.sh_offset;
	*size = sh.sh_size;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *env = getenv("HWPROF_FUZZ_ELF");
	char *path = env ? strndup(env, strcspn(env, ":")) : NULL;
	FILE *f = path ? fopen(path, "rb") : NULL;
	Elf *elf;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (long)(file_size = (size_t)ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(file = malloc(file_size)) || !(copy = malloc(file_size)) ||
	    fread(file, 1, file_size, f) != file_size) {
		fprintf(stderr, "fuzz-cfitable: set HWPROF_FUZZ_ELF to an ELF file with CFI "
			"(tests/fuzz/run.sh does)\n");
		exit(1);
	}
	fclose(f);
	free(path);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)file, file_size);
	if (!elf || section(elf, ".eh_frame_hdr", &hdr_off, &hdr_size) < 0 ||
	    section(elf, ".eh_frame", &eh_off, &eh_size) < 0 ||
	    (memfd = memfd_create("fuzz-cfitable", MFD_CLOEXEC)) < 0) {
		fprintf(stderr, "fuzz-cfitable: no .eh_frame_hdr and .eh_frame in HWPROF_FUZZ_ELF\n");
		exit(1);
	}
	elf_end(elf);
	return 0;
}

/* Byte i of the two sections taken as one, in the copy. */
static uint8_t *section_byte(size_t i)
{
	return i < hdr_size ? &copy[hdr_off + i] : &copy[eh_off + (i - hdr_size)];
}

enum pass { KEEP, COMPARE, CHECK };

/* The lookups over the file's span: kept in first[], compared with it, or
 * only checked.  The number of answers that differ from first[]. */
static size_t look(struct cfitable *t, enum pass pass)
{
	uint64_t lo, hi;
	size_t n = 0, differ = 0;

	cfitable_span(t, &lo, &hi);
	for (uint64_t a = lo; a < hi && n < MAX_LOOKUPS; a += STEP, n++) {
		const struct cfi_rules *r = NULL;
		struct answer x;
		int got = cfitable_find(t, a, &r);

		memset(&x, 0, sizeof(x));
		x.found = got;
		if (got != CFI_FOUND && got != CFI_UNSUPPORTED && got != CFI_NONE && got != -ENOMEM)
			abort();
		if ((r != NULL) != (got == CFI_FOUND || got == CFI_UNSUPPORTED))
			abort();    /* rules exactly when it says there are */
		if (r)
			x.r = *r;
		if (pass == KEEP)
			first[n] = x;
		else if (pass == COMPARE)
			differ += memcmp(&first[n], &x, sizeof(x)) != 0;
	}
	return differ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfitable *t = NULL, *again = NULL;
	uint32_t at = 0;
	int fd;

	if (size >= 4) {
		memcpy(&at, data, 4);
		data += 4;
		size -= 4;
	} else {
		size = 0;
	}
	memcpy(copy, file, file_size);
	for (size_t i = 0; i < size; i++)
		*section_byte(((size_t)at + i) % (hdr_size + eh_size)) ^= data[i];
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, copy, file_size, 0) != (ssize_t)file_size ||
	    (fd = dup(memfd)) < 0)
		abort();
	if (cfitable_open(fd, "fuzz.elf", &t) < 0)
		return 0;
	look(t, KEEP);
	if ((fd = dup(memfd)) < 0 || cfitable_open(fd, "fuzz.elf", &again) < 0)
		abort();    /* the same bytes opened before */
	if (look(again, COMPARE) != 0)
		abort();    /* the same file, the same answers */
	cfitable_free(again);
	cfitable_clear(t);
	if (cfitable_bytes(t) != 0)
		abort();
	look(t, CHECK);
	cfitable_free(t);
	return 0;
}
