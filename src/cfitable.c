/* cfitable.c - see cfitable.h.
 *
 * Two ways to read and keep rules:
 *  - by region, where .eh_frame_hdr's search table says which FDE covers an
 *    address (every linker writes one): the first address looked up in a
 *    64 KiB region of the file reads all FDEs that cover the region, in one
 *    pass over their bytes (cfiread_fde), into rows of 4 bytes (where the row
 *    starts in the region, which rules), indexed per 256 bytes of code.  The
 *    rules themselves are kept once each (cc1's 437,000 rows have some 740
 *    different ones), so that a lookup touches the index, a row or two and
 *    rules that are mostly in cache already;
 *  - by row otherwise (no table; .debug_frame; an FDE the reader refused):
 *    libdw's dwarf_cfi_addrframe gives the row at an address and where it
 *    ends (cfiread_row), kept for its range in an index sorted by start
 *    address, fed through a short unsorted tail.  libdw's start of a row is
 *    not always right (after DW_CFA_restore_state it is the remembered row's):
 *    a row read alone starts at the address asked for unless libdw's row at
 *    its start says the same. */
#include "cfitable.h"
#include "cfiread.h"
#include "debuginfo.h"
#include "util.h"

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
#define CFI_CHUNK 65536         /* .eh_frame mapped in chunks as FDEs are read */
#define CFI_MAX_CHUNKS 4096     /* past 256 MB of .eh_frame, pages fault in one by one */
#define CFI_BLOCK_SHIFT 8       /* indexed by 256 bytes */
#define CFI_BLOCKS (1 << (CFI_REGION_SHIFT - CFI_BLOCK_SHIFT))
#define CFI_MAX_REGIONS (1 << 16)       /* 4 GiB of a file; past it, rows read alone */
#define CFI_NO_RULES 0          /* a row's rules: no FDE covers it */
#define CFI_MAX_UNIQUE 65535    /* different rules a table keeps (ids are 16 bits) */

struct cfi_load {
	uint64_t offset, filesz, vaddr;
};

/* A region's rows, each `offset in the region << 16 | rules id`, sorted
 * and covering the region from offset 0 (CFI_NO_RULES where no FDE does);
 * block[b]: the last row that starts at or below block b. */
struct cfi_region {
	uint32_t row0;              /* its rows: rowv[row0 .. row0 + nrows) */
	uint32_t nrows;
	uint16_t block[CFI_BLOCKS];
};

struct cfitable {
	int fd;
	char *path;
	Elf *elf;                   /* holds the search table's bytes */
	struct cfi_load loads[CFI_MAX_LOADS];
	size_t nloads;
	uint64_t low, high;
	struct cfiread_hdr hdr;     /* count 0: none (or not sorted) */
	int hdr_checked;
	struct cfiread_eh ehb;      /* .eh_frame's bytes, with hdr */
	uint64_t faulted[CFI_MAX_CHUNKS / 64];  /* chunks of ehb mapped (prefault_around) */

	/* Regions from region_base, each compiled on first use. */
	uint64_t region_base;
	struct cfi_region **regions;
	size_t nregions, compiled;  /* regions[] entries, regions compiled */
	uint32_t *rowv;             /* every region's rows */
	size_t nrowv, rowv_cap;
	struct cfirows fde_rows;    /* one FDE's rows as read, before they are packed */

	/* The different rules, by id (0: CFI_NO_RULES), and a hash of ids. */
	struct cfi_rules *rules;
	size_t nrules, rules_cap;
	uint32_t *rules_ix;
	size_t rules_ix_cap;        /* a power of two, at least twice nrules */

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

	struct cfirows rows;        /* rows read alone */
	uint32_t *sorted;           /* ... by start address */
	size_t nsorted, sorted_cap;
	uint32_t tail[CFI_TAIL];
	size_t ntail;
};

/* ---- opening ---- */

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

static void regions_free(struct cfitable *t);

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
	regions_free(t);
	free(t->regions);
	cfirows_free(&t->fde_rows);
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

/* ---- the different rules ---- */

static uint64_t rules_hash(const struct cfi_rules *r)
{
	return util_hash(r, sizeof(*r), UTIL_HASH_INIT);
}

/* The hash of ids made again at twice the size.  0 or -ENOMEM. */
static int rules_rehash(struct cfitable *t)
{
	size_t cap = t->rules_ix_cap ? t->rules_ix_cap * 2 : 1024;
	uint32_t *ix = calloc(cap, sizeof(*ix));

	if (!ix)
		return -ENOMEM;
	for (size_t id = 1; id < t->nrules; id++) {
		size_t h = (size_t)rules_hash(&t->rules[id]) & (cap - 1);

		while (ix[h])
			h = (h + 1) & (cap - 1);
		ix[h] = (uint32_t)id;
	}
	free(t->rules_ix);
	t->rules_ix = ix;
	t->rules_ix_cap = cap;
	return 0;
}

/* The id of rules r, kept the first time they are met: > 0, -ENOMEM, or
 * -E2BIG past CFI_MAX_UNIQUE.  Rules are compared whole (cfiread zeroes
 * what a row does not use). */
static int rules_id(struct cfitable *t, const struct cfi_rules *r)
{
	size_t h;

	if (t->nrules * 2 + 2 > t->rules_ix_cap && rules_rehash(t) < 0)
		return -ENOMEM;
	for (h = (size_t)rules_hash(r) & (t->rules_ix_cap - 1); t->rules_ix[h];
	     h = (h + 1) & (t->rules_ix_cap - 1))
		if (memcmp(&t->rules[t->rules_ix[h]], r, sizeof(*r)) == 0)
			return (int)t->rules_ix[h];
	if (!t->nrules)
		t->nrules = 1;      /* id 0 is CFI_NO_RULES */
	if (t->nrules > CFI_MAX_UNIQUE)
		return -E2BIG;
	if (t->nrules >= t->rules_cap) {
		size_t cap = t->rules_cap ? t->rules_cap * 2 : 256;
		struct cfi_rules *v = realloc(t->rules, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->rules = v;
		t->rules_cap = cap;
	}
	t->rules[t->nrules] = *r;
	t->rules_ix[h] = (uint32_t)t->nrules;
	return (int)t->nrules++;
}

/* ---- regions ---- */

/* Whether the search table is sorted by start address (libdw's binary search
 * needs it; an unsorted one is left to libdw, row by row), and the regions
 * it is read by.  Once, at the first lookup. */
static void check_hdr(struct cfitable *t)
{
	uint64_t prev = 0, size = (uint64_t)1 << CFI_REGION_SHIFT;

	t->hdr_checked = 1;
	prefault(t->hdr.table, t->hdr.count * 8);
	for (size_t k = 0; k < t->hdr.count; k++) {
		uint64_t at = cfiread_hdr_start(&t->hdr, k);

		if (at < prev) {
			memset(&t->hdr, 0, sizeof(t->hdr));
			return;
		}
		prev = at;
	}
	/* From the first loadable segment, aligned. */
	t->region_base = t->low & ~(size - 1);
	t->nregions = (size_t)((t->high - t->region_base + size - 1) >> CFI_REGION_SHIFT);
	if (t->nregions > CFI_MAX_REGIONS)
		t->nregions = CFI_MAX_REGIONS;
}

/* The rules of code whose CFI the reader refused: libdw's to read. */
static const struct cfi_rules cfi_refused = { .unsupported = 1 };

/* A region being compiled: where it is, and how far its rows reach. */
struct packing {
	struct cfitable *t;
	uint64_t base, end;
	uint64_t at;                /* rows cover [base, at) */
	size_t first;               /* its first row in rowv */
};

static int push_row(struct packing *p, uint64_t start, uint32_t id)
{
	struct cfitable *t = p->t;

	/* The same rules as the row before: one row. */
	if (t->nrowv > p->first && (t->rowv[t->nrowv - 1] & 0xffff) == id)
		return 0;
	if (t->nrowv == t->rowv_cap) {
		size_t cap = t->rowv_cap ? t->rowv_cap * 2 : 4096;
		uint32_t *v = cap > UINT32_MAX ? NULL : realloc(t->rowv, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->rowv = v;
		t->rowv_cap = cap;
	}
	t->rowv[t->nrowv++] = (uint32_t)(start - p->base) << 16 | id;
	return 0;
}

/* Rules id over [lo, hi), clipped to the region, after no rules from where
 * the rows reached.  0 or -ENOMEM. */
static int cover(struct packing *p, uint64_t lo, uint64_t hi, uint32_t id)
{
	if (lo < p->at)
		lo = p->at;
	if (hi > p->end)
		hi = p->end;
	if (hi <= lo)
		return 0;
	if ((lo > p->at && push_row(p, p->at, CFI_NO_RULES) < 0) || push_row(p, lo, id) < 0)
		return -ENOMEM;
	p->at = hi;
	return 0;
}

/* FDE k's rows over [lo, hi), the addresses the search table gives it.  An
 * FDE the reader refuses (or whose rules are too many to keep) has
 * unsupported rules there, for libdw to read (or refuse too).  0 or
 * -ENOMEM. */
static int pack_fde(struct packing *p, size_t k, uint64_t lo, uint64_t hi)
{
	struct cfitable *t = p->t;
	struct cfirows *rows = &t->fde_rows;
	uint64_t fde = cfiread_hdr_fde(&t->hdr, k);
	int r, id = 0;

	prefault_around(t, fde);
	rows->n = 0;
	r = cfiread_fde(&t->ehb, fde, CFI_MAX_FDE_ROWS, rows);
	if (r == -ENOMEM)
		return r;
	for (size_t i = 0; r == 0 && i < rows->n; i++) {
		const struct cfi_row *row = &rows->v[i];
		uint64_t end = row->start + row->len;

		if (end <= lo || row->start >= hi)
			continue;
		if ((r = rules_id(t, &row->r)) < 0)
			break;
		id = r;
		r = 0;
		if (cover(p, row->start > lo ? row->start : lo, end < hi ? end : hi, (uint32_t)id) < 0)
			return -ENOMEM;
	}
	if (r == 0)
		return 0;
	if (r == -ENOMEM || (id = rules_id(t, &cfi_refused)) < 0)
		return -ENOMEM;
	/* The rows already packed stay: the same rules libdw would give. */
	return cover(p, lo, hi, (uint32_t)id);
}

/* Region r read: every FDE whose addresses (as the search table assigns
 * them: from its start to the next FDE's) meet the region.  0 or -ENOMEM. */
static int compile_region(struct cfitable *t, size_t r)
{
	uint64_t base = t->region_base + ((uint64_t)r << CFI_REGION_SHIFT);
	struct packing p = { t, base, base + ((uint64_t)1 << CFI_REGION_SHIFT), base, t->nrowv };
	struct cfi_region *g;
	size_t k = cfiread_hdr_find(&t->hdr, base), nfdes = 0;
	int id;

	if (!t->regions && !(t->regions = calloc(t->nregions, sizeof(*t->regions))))
		return -ENOMEM;
	for (k = k == t->hdr.count ? 0 : k; k < t->hdr.count; k++) {
		uint64_t lo = cfiread_hdr_start(&t->hdr, k);
		uint64_t hi = k + 1 < t->hdr.count ? cfiread_hdr_start(&t->hdr, k + 1) : UINT64_MAX;

		if (lo >= p.end)
			break;
		if (hi <= base || hi <= lo)
			continue;
		/* A table that packs more FDEs in than code could need leaves
		 * the rest of the region to libdw, which reads one at a time. */
		if (nfdes++ == CFI_REGION_FDES) {
			if ((id = rules_id(t, &cfi_refused)) < 0 ||
			    cover(&p, lo, p.end, (uint32_t)id) < 0)
				goto nomem;
			break;
		}
		if (pack_fde(&p, k, lo, hi) < 0)
			goto nomem;
	}
	if (cover(&p, p.at, p.end, CFI_NO_RULES) < 0 || !(g = malloc(sizeof(*g))))
		goto nomem;
	g->row0 = (uint32_t)p.first;
	g->nrows = (uint32_t)(t->nrowv - p.first);
	/* Offsets strictly grow: at most 65536 rows, indexed in 16 bits. */
	for (uint32_t b = 0, i = 0; b < CFI_BLOCKS; b++) {
		while (i + 1 < g->nrows && t->rowv[g->row0 + i + 1] >> 16 <= b << CFI_BLOCK_SHIFT)
			i++;
		g->block[b] = (uint16_t)i;
	}
	t->regions[r] = g;
	t->compiled++;
	return 0;
nomem:
	t->nrowv = p.first;
	return -ENOMEM;
}

/* The rules id at a by the search table: 0 (*id set; CFI_NO_RULES where no
 * FDE covers a), -ENOENT where there is no table or region, -ENOMEM. */
static int region_lookup(struct cfitable *t, uint64_t a, uint32_t *id)
{
	const struct cfi_region *g;
	const uint32_t *rows;
	uint64_t off;
	uint32_t key, lo, hi;
	size_t r, b;

	if (!t->hdr_checked)
		check_hdr(t);
	off = a - t->region_base;
	r = (size_t)(off >> CFI_REGION_SHIFT);
	if (!t->hdr.count || a < t->region_base || r >= t->nregions)
		return -ENOENT;
	if ((!t->regions || !t->regions[r]) && compile_region(t, r) < 0)
		return -ENOMEM;
	g = t->regions[r];
	rows = t->rowv + g->row0;
	off &= ((uint64_t)1 << CFI_REGION_SHIFT) - 1;
	key = (uint32_t)off << 16 | 0xffff;
	/* The last row at or below off: from its block's to the next block's. */
	b = (size_t)(off >> CFI_BLOCK_SHIFT);
	lo = g->block[b];
	hi = b + 1 < CFI_BLOCKS ? g->block[b + 1] + 1u : g->nrows;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rows[mid] <= key)
			lo = mid;
		else
			hi = mid;
	}
	*id = rows[lo] & 0xffff;
	return 0;
}

/* Every region's rows and the rules, freed (regions[] stays, emptied). */
static void regions_free(struct cfitable *t)
{
	for (size_t r = 0; t->regions && r < t->nregions; r++) {
		free(t->regions[r]);
		t->regions[r] = NULL;
	}
	free(t->rowv);
	free(t->rules);
	free(t->rules_ix);
	t->rowv = NULL;
	t->rules = NULL;
	t->rules_ix = NULL;
	t->nrowv = t->rowv_cap = t->nrules = t->rules_cap = t->rules_ix_cap = t->compiled = 0;
}

/* ---- rows read alone ---- */

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

static int found(const struct cfi_rules *r)
{
	return r->unsupported ? CFI_UNSUPPORTED : CFI_FOUND;
}

int cfitable_find(struct cfitable *t, uint64_t a, const struct cfi_rules **rules)
{
	const struct cfi_row *row;
	struct cfi_row r;
	uint32_t id;
	int got;

	*rules = NULL;
	got = region_lookup(t, a, &id);
	if (got == -ENOMEM)
		return got;
	if (got == 0 && id != CFI_NO_RULES) {
		*rules = &t->rules[id];
		return found(*rules);
	}
	if ((row = alone_lookup(t, a))) {
		*rules = &row->r;
		return found(*rules);
	}
	if (!t->dwfl_tried)
		open_dwfl(t);
	if (!t->mod)
		return CFI_NONE;
	/* .eh_frame first, then .debug_frame (of a separate debug file, too).
	 * Where the search table covers a, libdw's .eh_frame lookup is a
	 * search of the same table, which found no FDE. */
	got = got == 0 ? CFI_NONE : read_alone(t, t->eh, t->eh_bias, a, &r);
	if (got == CFI_NONE) {
		if (!t->dw_tried) {
			t->dw_tried = 1;
			if (debuginfo_has_section(t->mod, ".debug_frame"))
				t->dw = dwfl_module_dwarf_cfi(t->mod, &t->dw_bias);
		}
		got = read_alone(t, t->dw, t->dw_bias, a, &r);
	}
	if (got == CFI_NONE)
		return got;
	if (add_alone(t, &r, &row) < 0)
		return -ENOMEM;
	*rules = &row->r;
	return found(*rules);
}

size_t cfitable_bytes(const struct cfitable *t)
{
	return t->compiled * sizeof(struct cfi_region) + t->rowv_cap * sizeof(*t->rowv) +
	       t->rules_cap * sizeof(*t->rules) + t->rules_ix_cap * sizeof(*t->rules_ix) +
	       (t->rows.cap + t->fde_rows.cap) * (sizeof(*t->rows.v) + sizeof(*t->rows.starts)) +
	       t->sorted_cap * sizeof(*t->sorted);
}

void cfitable_clear(struct cfitable *t)
{
	regions_free(t);
	cfirows_clear(&t->fde_rows);
	cfirows_clear(&t->rows);
	free(t->sorted);
	t->sorted = NULL;
	t->nsorted = t->sorted_cap = t->ntail = 0;
}
