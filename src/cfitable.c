/* cfitable.c - see cfitable.h.
 *
 * Two ways to read and keep rows:
 *  - by FDE, where .eh_frame_hdr's search table says which FDE covers an
 *    address (every linker writes one): the first address of an FDE reads
 *    all its rows in one pass (cfiread_fde); a lookup is then a binary search
 *    in the table and one in the FDE's few rows;
 *  - by row otherwise (no table; .debug_frame; an FDE the reader refused):
 *    libdw's dwarf_cfi_addrframe gives the row at an address and where it
 *    ends (cfiread_row), kept for its range in an index sorted by start
 *    address, fed through a short unsorted tail.  libdw's start of a row is
 *    not always right (after DW_CFA_restore_state it is the remembered row's):
 *    a row read alone starts at the address asked for unless libdw's row at
 *    its start says the same.
 * In front of both, the rows of the addresses looked up last, by hash. */
#include "cfitable.h"
#include "cfiread.h"
#include "debuginfo.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define CFI_MAX_LOADS 16        /* loadable segments kept (real files have 2-5) */
#define CFI_TAIL 32             /* rows read alone since the last merge */
#define CFI_MAX_FDE_ROWS 4096   /* rows read for one FDE (cc1's largest: some 300) */
#define CFI_CACHE_MIN 256       /* addresses looked up last, by hash: per FDE, a */
#define CFI_CACHE_MAX 4096      /* quarter of a slot, within these (powers of two) */
#define CFI_CHUNK 65536         /* .eh_frame mapped in chunks as FDEs are read */
#define CFI_MAX_CHUNKS 4096     /* past 256 MB of .eh_frame, pages fault in one by one */
#define CFI_PAGE_SHIFT 12       /* the FDE index's pages, 4 KiB of code each */
#define CFI_MAX_PAGES (1 << 20)
#define CFI_PAGE_SCAN 64        /* FDEs scanned in a page before a binary search */

struct cfi_load {
	uint64_t offset, filesz, vaddr;
};

/* FDE i of the search table: where its range starts, and its rows,
 * rows[first - 1 ..][0..n).  The starts are a private copy of the table's,
 * so that a lookup scans one small array (and finds the rows in the same
 * cache line) rather than the file's table. */
struct cfi_fde {
	uint32_t off;               /* start - the first FDE's start (with pages only) */
	uint32_t first;             /* 0: not read yet */
	uint32_t n;                 /* UINT32_MAX: the reader refused it */
};

/* An address looked up before and its rules, a copy of its row's: one cache
 * line where most frames of a stack are return addresses seen in earlier
 * samples. */
struct cfi_slot {
	uint64_t key;               /* the address + 1; 0: empty */
	struct cfi_rules r;
};

struct cfitable {
	int fd;
	char *path;
	Elf *elf;                   /* holds the search table's bytes */
	struct cfi_load loads[CFI_MAX_LOADS];
	size_t nloads;
	uint64_t low, high;
	struct cfiread_hdr hdr;     /* count 0: none */
	struct cfiread_eh ehb;      /* .eh_frame's bytes, with hdr */
	uint64_t faulted[CFI_MAX_CHUNKS / 64];  /* chunks of ehb mapped (prefault_around) */
	struct cfi_fde *fdes;       /* hdr.count of them, allocated at the first read */
	/* Per page of code from the first FDE's start: the last FDE that starts
	 * at or below the page (the table's binary search touches some 16 cold
	 * cache lines of a large table; this one or two). */
	uint32_t *pages;
	size_t npages;

	/* libdw's view of the file, opened at the first address not in a row. */
	int dwfl_tried;
	Dwfl *dwfl;
	Dwfl_Callbacks callbacks;   /* libdwfl keeps pointers to both */
	char *debuginfo_path;
	Dwfl_Module *mod;
	Dwarf_Addr mod_bias;
	int dw_tried;
	Dwarf_CFI *eh, *dw;
	Dwarf_Addr eh_bias, dw_bias;

	struct cfirows rows;
	struct cfi_slot *cache;     /* ncache of them, allocated with the first lookup */
	size_t ncache;
	uint32_t *sorted;           /* rows read alone, by start address */
	size_t nsorted, sorted_cap;
	uint32_t tail[CFI_TAIL];
	size_t ntail;
};

/* ---- opening ---- */

/* Zeroed memory for tables that are written at random places (FDE entries,
 * the cache), its pages mapped at once rather than one fault at a time.
 * NULL on ENOMEM.  unzeroed frees it (NULL accepted). */
static void *zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unzeroed(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

/* Map the file's pages at [p, p + len) now: the first read of each FDE would
 * otherwise take a page fault, and a fault costs more than reading the FDE
 * (some microseconds in a virtual machine).  Kernels before 5.14 read them
 * ahead at least. */
static void prefault(const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)p & ~(page - 1);

	len += (uintptr_t)p - start;
	if (madvise((void *)start, len, MADV_POPULATE_READ) < 0)
		madvise((void *)start, len, MADV_WILLNEED);
}

/* .eh_frame's bytes, from its address to the end of its segment (as libdw
 * reads it, without section headers).  0 or -ENOENT. */
static int find_eh_frame(struct cfitable *t)
{
	uint64_t a = t->hdr.eh_frame;

	for (size_t i = 0; i < t->nloads; i++) {
		const struct cfi_load *l = &t->loads[i];
		Elf_Data *d;

		if (a < l->vaddr || a - l->vaddr >= l->filesz)
			continue;
		d = elf_getdata_rawchunk(t->elf, (int64_t)(l->offset + (a - l->vaddr)),
					 l->filesz - (a - l->vaddr), ELF_T_BYTE);
		if (!d || !d->d_buf)
			return -ENOENT;
		t->ehb = (struct cfiread_eh){ d->d_buf, d->d_size, a };
		return 0;
	}
	return -ENOENT;
}

/* Map the chunk of .eh_frame around the FDE at address fde, once per chunk:
 * FDEs met are near each other (the program's hot code), and mapping all of
 * .eh_frame up front would keep megabytes of a large library resident for an
 * agent that looks up a few of its functions. */
static void prefault_around(struct cfitable *t, uint64_t fde)
{
	uint64_t off = fde - t->ehb.vaddr, c = off / CFI_CHUNK;

	if (fde < t->ehb.vaddr || off >= t->ehb.len || c >= CFI_MAX_CHUNKS ||
	    (t->faulted[c / 64] >> (c % 64) & 1))
		return;
	t->faulted[c / 64] |= 1ULL << (c % 64);
	prefault(t->ehb.buf + c * CFI_CHUNK,
		 t->ehb.len - c * CFI_CHUNK < CFI_CHUNK ? t->ehb.len - c * CFI_CHUNK : CFI_CHUNK);
}

/* The loadable segments, and the search table of PT_GNU_EH_FRAME. */
static int read_phdrs(struct cfitable *t)
{
	size_t phnum;

	t->elf = elf_begin(t->fd, ELF_C_READ_MMAP, NULL);
	if (!t->elf || elf_kind(t->elf) != ELF_K_ELF || elf_getphdrnum(t->elf, &phnum) < 0)
		return -ENOEXEC;
	t->low = UINT64_MAX;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(t->elf, (int)i, &mem);
		Elf_Data *d;

		if (ph && ph->p_type == PT_GNU_EH_FRAME && !t->hdr.count &&
		    (d = elf_getdata_rawchunk(t->elf, (int64_t)ph->p_offset, ph->p_filesz,
					      ELF_T_BYTE)) && d->d_buf)
			cfiread_hdr(d->d_buf, d->d_size, ph->p_vaddr, &t->hdr);
		if (!ph || ph->p_type != PT_LOAD || ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
		    t->nloads == CFI_MAX_LOADS)
			continue;
		t->loads[t->nloads++] = (struct cfi_load){ ph->p_offset, ph->p_filesz, ph->p_vaddr };
		if (ph->p_vaddr < t->low)
			t->low = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > t->high)
			t->high = ph->p_vaddr + ph->p_memsz;
	}
	if (t->hdr.count && find_eh_frame(t) < 0)
		memset(&t->hdr, 0, sizeof(t->hdr));
	return t->nloads ? 0 : -ENOEXEC;
}

int cfitable_open(int fd, const char *path, struct cfitable **out)
{
	struct cfitable *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (!t || !(t->path = strdup(path))) {
		free(t);
		close(fd);
		return -ENOMEM;
	}
	t->fd = fd;
	elf_version(EV_CURRENT);
	r = read_phdrs(t);
	if (r < 0) {
		cfitable_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void cfitable_free(struct cfitable *t)
{
	if (!t)
		return;
	if (t->dwfl)
		dwfl_end(t->dwfl);
	elf_end(t->elf);
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	unzeroed(t->fdes, t->hdr.count * sizeof(*t->fdes));
	free(t->pages);
	unzeroed(t->cache, t->ncache * sizeof(*t->cache));
	cfirows_free(&t->rows);
	free(t->sorted);
	free(t);
}

int cfitable_file_addr(const struct cfitable *t, uint64_t start, uint64_t pgoff, uint64_t addr,
		       uint64_t *file_addr)
{
	uint64_t off = addr - start + pgoff;

	/* The segment whose file bytes the mapping shows at addr. */
	for (size_t i = 0; i < t->nloads; i++) {
		const struct cfi_load *l = &t->loads[i];

		if (off >= l->offset && off - l->offset < l->filesz) {
			*file_addr = l->vaddr + (off - l->offset);
			return 0;
		}
	}
	return -ENOENT;
}

void cfitable_span(const struct cfitable *t, uint64_t *low, uint64_t *high)
{
	*low = t->low;
	*high = t->high;
}

/* The file as libdwfl's module at bias 0 (module addresses are file
 * addresses), as the process's own Dwfl reports it.  0 or -errno. */
static int open_dwfl(struct cfitable *t)
{
	int fd;

	t->dwfl_tried = 1;
	t->callbacks.find_elf = dwfl_build_id_find_elf;
	t->callbacks.find_debuginfo = debuginfo_find;
	t->callbacks.debuginfo_path = &t->debuginfo_path;
	t->dwfl = dwfl_begin(&t->callbacks);
	if (!t->dwfl)
		return -ENOMEM;
	fd = dup(t->fd);
	if (fd < 0)
		return -errno;
	dwfl_report_begin(t->dwfl);
	t->mod = dwfl_report_elf(t->dwfl, t->path, t->path, fd, 0, true);
	dwfl_report_end(t->dwfl, NULL, NULL);
	if (!t->mod) {
		close(fd);          /* libdwfl owns it only on success */
		return -ENOEXEC;
	}
	if (!dwfl_module_getelf(t->mod, &t->mod_bias))
		t->mod = NULL;
	if (t->mod)
		t->eh = dwfl_module_eh_cfi(t->mod, &t->eh_bias);
	return t->mod ? 0 : -ENOEXEC;
}

/* ---- rows ---- */

/* The starts of rows [from, rows.n) into rows.starts[]. */
static void index_starts(struct cfitable *t, size_t from)
{
	for (size_t i = from; i < t->rows.n; i++)
		t->rows.starts[i] = t->rows.v[i].start;
}

/* libdw's row at file address a of cfi (whose addresses are file addresses
 * plus shift) into *row, its range in file addresses: CFI_FOUND,
 * CFI_UNSUPPORTED (the range filled), or CFI_NONE. */
static int libdw_row(Dwarf_CFI *cfi, Dwarf_Addr shift, uint64_t a, struct cfi_row *row)
{
	Dwarf_Frame *frame = NULL;
	int r;

	if (!cfi || dwarf_cfi_addrframe(cfi, a + shift, &frame) != 0)
		return CFI_NONE;
	r = cfiread_row(frame, row);
	free(frame);
	row->start -= shift;
	return r;
}

/* The row of FDE f that covers a, or NULL. */
static const struct cfi_row *fde_lookup(const struct cfitable *t, const struct cfi_fde *f,
					uint64_t a)
{
	const uint64_t *starts = &t->rows.starts[f->first - 1];
	const struct cfi_row *row;
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (starts[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	row = lo ? &t->rows.v[f->first - 1 + lo - 1] : NULL;
	return row && a - row->start < row->len ? row : NULL;
}

/* The tail, sorted, merged into the index.  0 or -ENOMEM. */
static int start_cmp(const void *a, const void *b, void *ctx)
{
	const struct cfitable *t = ctx;
	uint64_t x = t->rows.v[*(const uint32_t *)a].start, y = t->rows.v[*(const uint32_t *)b].start;

	return x < y ? -1 : x > y;
}

static int merge_tail(struct cfitable *t)
{
	size_t n = t->nsorted + t->ntail, i = t->nsorted, j = t->ntail, k = n;

	if (n > t->sorted_cap) {
		size_t cap = t->sorted_cap ? t->sorted_cap * 2 : 256;
		uint32_t *s;

		while (cap < n)
			cap *= 2;
		s = realloc(t->sorted, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		t->sorted = s;
		t->sorted_cap = cap;
	}
	qsort_r(t->tail, t->ntail, sizeof(t->tail[0]), start_cmp, t);
	/* Merge from the end, in place. */
	while (j > 0) {
		if (i > 0 && t->rows.v[t->sorted[i - 1]].start > t->rows.v[t->tail[j - 1]].start)
			t->sorted[--k] = t->sorted[--i];
		else
			t->sorted[--k] = t->tail[--j];
	}
	t->nsorted = n;
	t->ntail = 0;
	return 0;
}

/* A row read alone that covers a, or NULL. */
static const struct cfi_row *alone_lookup(const struct cfitable *t, uint64_t a)
{
	size_t lo = 0, hi = t->nsorted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows.v[t->sorted[mid]].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && a - t->rows.v[t->sorted[lo - 1]].start < t->rows.v[t->sorted[lo - 1]].len)
		return &t->rows.v[t->sorted[lo - 1]];
	for (size_t i = 0; i < t->ntail; i++) {
		const struct cfi_row *r = &t->rows.v[t->tail[i]];

		if (r->start <= a && a - r->start < r->len)
			return r;
	}
	return NULL;
}

/* The row at a in one CFI read alone (.eh_frame without a search table, or
 * .debug_frame): CFI_FOUND, CFI_UNSUPPORTED or CFI_NONE. */
static int read_alone(struct cfitable *t, Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t a,
		      struct cfi_row *row)
{
	Dwarf_Addr shift = t->mod_bias - bias;
	struct cfi_row at_start;
	int r = libdw_row(cfi, shift, a, row);

	if (r == CFI_NONE)
		return r;
	if (row->start < a && (libdw_row(cfi, shift, row->start, &at_start) == CFI_NONE ||
			       at_start.start != row->start || at_start.len != row->len)) {
		if (a - row->start >= row->len)
			return CFI_UNSUPPORTED;
		row->len -= (uint32_t)(a - row->start);
		row->start = a;
	}
	return row->start <= a && a - row->start < row->len ? r : CFI_UNSUPPORTED;
}

static int add_alone(struct cfitable *t, const struct cfi_row *row, const struct cfi_row **out)
{
	if (cfirows_grow(&t->rows, 1) < 0 || (t->ntail == CFI_TAIL && merge_tail(t) < 0))
		return -ENOMEM;
	t->rows.v[t->rows.n] = *row;
	t->tail[t->ntail++] = (uint32_t)t->rows.n;
	*out = &t->rows.v[t->rows.n++];
	index_starts(t, t->rows.n - 1);
	return 0;
}

static int found(const struct cfi_row *row)
{
	return row->r.unsupported ? CFI_UNSUPPORTED : CFI_FOUND;
}

/* The page index and the FDEs' starts, built with the first FDE read.  0
 * or -ENOMEM (none is fine: binary search of the file's table instead,
 * also for a table that is not sorted or spans too much). */
static int build_pages(struct cfitable *t)
{
	uint64_t lo = cfiread_hdr_start(&t->hdr, 0), hi = cfiread_hdr_start(&t->hdr, t->hdr.count - 1);
	size_t i = 0;

	if (hi < lo || (hi - lo) >> CFI_PAGE_SHIFT >= CFI_MAX_PAGES)
		return 0;
	for (size_t k = 0; k < t->hdr.count; k++) {
		uint64_t at = cfiread_hdr_start(&t->hdr, k);

		if (at < lo + (k ? t->fdes[k - 1].off : 0) || at > hi)
			return 0;
		t->fdes[k].off = (uint32_t)(at - lo);
	}
	t->npages = (size_t)((hi - lo) >> CFI_PAGE_SHIFT) + 1;
	t->pages = malloc(t->npages * sizeof(*t->pages));
	if (!t->pages)
		return -ENOMEM;
	for (size_t p = 0; p < t->npages; p++) {
		uint64_t at = (uint64_t)p << CFI_PAGE_SHIFT;

		while (i + 1 < t->hdr.count && t->fdes[i + 1].off <= at)
			i++;
		t->pages[p] = (uint32_t)i;
	}
	return 0;
}

/* The FDE the search table gives for a (hdr.count: none), as
 * cfiread_hdr_find. */
static size_t fde_index(const struct cfitable *t, uint64_t a)
{
	uint64_t lo = cfiread_hdr_start(&t->hdr, 0), off;
	size_t i, n = 0;

	if (!t->pages || a < lo || (off = a - lo) > UINT32_MAX)
		return cfiread_hdr_find(&t->hdr, a);
	i = (off >> CFI_PAGE_SHIFT) < t->npages ? t->pages[off >> CFI_PAGE_SHIFT] : t->hdr.count - 1;
	while (i + 1 < t->hdr.count && t->fdes[i + 1].off <= off)
		if (++i, ++n == CFI_PAGE_SCAN)
			return cfiread_hdr_find(&t->hdr, a);
	return i;
}

/* Where .eh_frame_hdr has FDE i covering a: its rows, read on first use.
 * CFI_FOUND / CFI_UNSUPPORTED, CFI_NONE when they do not cover a. */
static int find_by_fde(struct cfitable *t, size_t i, uint64_t a, const struct cfi_row **row)
{
	struct cfi_fde *f;
	size_t first = t->rows.n;
	int r;

	if (!t->fdes) {
		prefault(t->hdr.table, t->hdr.count * 8);      /* build_pages reads it all */
		if (!(t->fdes = zeroed(t->hdr.count * sizeof(*t->fdes))) || build_pages(t) < 0)
			return -ENOMEM;
	}
	f = &t->fdes[i];
	if (!f->first) {
		prefault_around(t, cfiread_hdr_fde(&t->hdr, i));
		r = cfiread_fde(&t->ehb, cfiread_hdr_fde(&t->hdr, i), CFI_MAX_FDE_ROWS, &t->rows);
		if (r == -ENOMEM)
			return r;
		index_starts(t, first);
		/* A program the reader refuses goes to libdw, which may
		 * read it (or refuse it too). */
		f->first = (uint32_t)first + 1;
		f->n = r < 0 ? UINT32_MAX : (uint32_t)(t->rows.n - first);
	}
	if (f->n == UINT32_MAX)
		return CFI_UNSUPPORTED;
	*row = f->n ? fde_lookup(t, f, a) : NULL;
	return *row ? found(*row) : CFI_NONE;
}

static struct cfi_slot *slot_of(struct cfitable *t, uint64_t a)
{
	return &t->cache[(a * 0x9e3779b97f4a7c15ULL) >> 40 & (t->ncache - 1)];
}

static int find_uncached(struct cfitable *t, uint64_t a, const struct cfi_row **row);

int cfitable_find(struct cfitable *t, uint64_t a, const struct cfi_rules **rules)
{
	const struct cfi_row *row;
	struct cfi_slot *slot;
	int r;

	if (!t->cache) {
		for (t->ncache = CFI_CACHE_MIN; t->ncache < CFI_CACHE_MAX && t->ncache < t->hdr.count / 4;)
			t->ncache *= 2;
		if (!(t->cache = zeroed(t->ncache * sizeof(*t->cache))))
			return -ENOMEM;
	}
	slot = slot_of(t, a);
	if (slot->key == a + 1) {
		*rules = &slot->r;
		return slot->r.unsupported ? CFI_UNSUPPORTED : CFI_FOUND;
	}
	*rules = NULL;
	r = find_uncached(t, a, &row);
	if (row) {
		slot->key = a + 1;
		slot->r = row->r;
		*rules = &slot->r;
	}
	return r;
}

static int find_uncached(struct cfitable *t, uint64_t a, const struct cfi_row **row)
{
	struct cfi_row r;
	size_t i;
	int got = CFI_NONE;

	*row = NULL;
	if (t->hdr.count && (i = fde_index(t, a)) < t->hdr.count) {
		got = find_by_fde(t, i, a, row);
		if (got != CFI_NONE)
			return got;
	}
	*row = alone_lookup(t, a);
	if (*row)
		return found(*row);
	if (!t->dwfl_tried)
		open_dwfl(t);
	if (!t->mod)
		return CFI_NONE;
	/* .eh_frame first (an FDE too long to read whole), then .debug_frame
	 * (of a separate debug file, too). */
	got = read_alone(t, t->eh, t->eh_bias, a, &r);
	if (got == CFI_NONE) {
		if (!t->dw_tried) {
			t->dw_tried = 1;
			t->dw = dwfl_module_dwarf_cfi(t->mod, &t->dw_bias);
		}
		got = read_alone(t, t->dw, t->dw_bias, a, &r);
	}
	if (got == CFI_NONE)
		return got;
	return add_alone(t, &r, row) < 0 ? -ENOMEM : found(*row);
}

size_t cfitable_rows(const struct cfitable *t)
{
	return t->rows.n;
}

void cfitable_clear(struct cfitable *t)
{
	cfirows_clear(&t->rows);
	t->nsorted = t->ntail = 0;
	if (t->cache)
		memset(t->cache, 0, t->ncache * sizeof(*t->cache));
	/* The FDEs' starts stay: the page index still points into them. */
	for (size_t i = 0; t->fdes && i < t->hdr.count; i++)
		t->fdes[i].first = t->fdes[i].n = 0;
}
