/* symbolize.c - see symbolize.h.
 *
 * Three sources of names: ELF files through libdwfl (one offline Dwfl per
 * file, at bias 0, its debug file found by build id and debuglink on this
 * machine only: debuginfo.c), kallsyms for the kernel (kallsyms.c),
 * perf-PID.map for JIT code (jitmap.c).  Every string handed out is interned
 * here, so results can be copied freely and live until symbolize_free. */
#include "symbolize.h"
#include "debuginfo.h"
#include "demangle.h"
#include "hindex.h"
#include "jitmap.h"
#include "kallsyms.h"
#include "symtab.h"
#include "util.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sym_load {
	uint64_t offset, filesz, vaddr;
};

/* Bounds over a long run (the agent, system-wide): open files, least recently
 * used closed first; results, dropped all at once when full (each costs one
 * lookup to find again); strings, everything dropped when past the bound. */
#define SYM_FILES_MAX 64
#define SYM_RESULTS_MAX 65536
#define SYM_STRINGS_MAX 262144

struct sym_file {
	const char *path;            /* interned; the cache key */
	uint64_t last_use;           /* symbolizer's tick at its last lookup */
	int err;                     /* -errno when the file could not be opened */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;              /* module address = ELF vaddr + bias */
	struct sym_load *loads;
	size_t nloads;
	char build_id[41];           /* "" when the file has none */
	struct symtab funcs;         /* built on first lookup */
	int funcs_built;
};

/* Cached result of one (file, offset). */
struct sym_entry {
	const struct sym_file *file;
	uint64_t offset;
	size_t n;
	struct sym_frame *frames;
};

struct symbolizer {
	char *kallsyms_path;         /* NULL: kallsyms' default */
	/* libdwfl keeps pointers to both for the life of each Dwfl. */
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;

	struct hindex_strs strs;

	/* Open files keyed by path, and results keyed by (file, offset). */
	struct sym_file **files;
	size_t nfiles, filecap;
	struct hindex files_ix;
	struct sym_entry *cache;
	size_t ncache, cachecap;
	struct hindex cache_ix;

	uint64_t tick;
	uint64_t idle_mark;          /* tick at the last symbolize_close_idle */
	struct symbolize_cache_stats cstats;

	int kernel_loaded;
	struct kallsyms *kernel;     /* NULL when kallsyms could not be read */
	struct jitmap *jit;
	int functions_only;          /* symbolize_functions_only */
};

/* ---- strings ---- */

/* The interned copy of str, or NULL on ENOMEM. */
static const char *intern(struct symbolizer *s, const char *str)
{
	return hindex_intern(&s->strs, str, strlen(str));
}

const char *symbolize_demangle(struct symbolizer *s, const char *name)
{
	/* Whole names: the profile's styles are cut from them (demangle.h). */
	char *d = demangle_name(name, DEMANGLE_FULL);
	const char *r = intern(s, d ? d : name);

	free(d);
	return r;
}

/* ---- construction ---- */

int symbolize_new(const char *kallsyms_path, const char *jit_dir, struct symbolizer **out)
{
	struct symbolizer *s;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	if (kallsyms_path && !(s->kallsyms_path = strdup(kallsyms_path)))
		goto fail;
	if (jitmap_new(jit_dir, &s->jit) < 0)
		goto fail;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = debuginfo_find;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	*out = s;
	return 0;
fail:
	symbolize_free(s);
	return -ENOMEM;
}

static void file_free(struct sym_file *f)
{
	if (!f)
		return;
	if (f->dwfl)
		dwfl_end(f->dwfl);
	free(f->loads);
	symtab_free(&f->funcs);
	free(f);
}

void symbolize_functions_only(struct symbolizer *s)
{
	s->functions_only = 1;
}

void symbolize_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++)
		file_free(s->files[i]);
	free(s->files);
	hindex_free(&s->files_ix);
	for (size_t i = 0; i < s->ncache; i++)
		free(s->cache[i].frames);
	free(s->cache);
	hindex_free(&s->cache_ix);
	hindex_strs_free(&s->strs);
	kallsyms_free(s->kernel);
	jitmap_free(s->jit);
	free(s->kallsyms_path);
	free(s);
}

/* ---- cache bounds ---- */

static void results_clear(struct symbolizer *s)
{
	for (size_t i = 0; i < s->ncache; i++)
		free(s->cache[i].frames);
	s->ncache = 0;
	hindex_free(&s->cache_ix);
	s->cstats.result_flushes++;
}

static uint64_t path_hash(const char *ip)
{
	return util_hash(&ip, sizeof(ip), UTIL_HASH_INIT);
}

/* The files' index built again from s->files.  0 or -ENOMEM. */
static int files_reindex(struct symbolizer *s)
{
	hindex_free(&s->files_ix);
	for (size_t i = 0; i < s->nfiles; i++) {
		if (hindex_reserve(&s->files_ix) < 0)
			return -ENOMEM;
		hindex_insert(&s->files_ix, path_hash(s->files[i]->path), i + 1);
	}
	return 0;
}

/* Close the least recently used file (and forget every result, which may
 * point at it); the index is built again without it.  0 or -ENOMEM. */
static int file_evict(struct symbolizer *s)
{
	size_t lru = 0;

	for (size_t i = 1; i < s->nfiles; i++)
		if (s->files[i]->last_use < s->files[lru]->last_use)
			lru = i;
	results_clear(s);
	file_free(s->files[lru]);
	s->files[lru] = s->files[--s->nfiles];
	s->cstats.files_closed++;
	return files_reindex(s);
}

void symbolize_close_idle(struct symbolizer *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i]->last_use > s->idle_mark) {
			s->files[kept++] = s->files[i];
			continue;
		}
		file_free(s->files[i]);
		s->cstats.files_closed++;
	}
	if (kept < s->nfiles) {
		/* Results may point at a closed file. */
		results_clear(s);
		s->nfiles = kept;
		if (files_reindex(s) < 0) {
			/* Without an index the files cannot be found: close them all. */
			for (size_t i = 0; i < s->nfiles; i++)
				file_free(s->files[i]);
			s->nfiles = 0;
			hindex_free(&s->files_ix);
		}
	}
	s->idle_mark = s->tick;
}

/* Past the strings' bound, drop everything: files keep interned paths and
 * results interned names.  Between lookups only, as the header says. */
static void strings_bound(struct symbolizer *s)
{
	if (s->strs.n < SYM_STRINGS_MAX)
		return;
	results_clear(s);
	for (size_t i = 0; i < s->nfiles; i++)
		file_free(s->files[i]);
	s->nfiles = 0;
	hindex_free(&s->files_ix);
	hindex_strs_free(&s->strs);
	s->cstats.string_flushes++;
}

void symbolize_cache_stats(const struct symbolizer *s, struct symbolize_cache_stats *out)
{
	*out = s->cstats;
	out->files = s->nfiles;
	out->results = s->ncache;
	out->strings = s->strs.n;
}

/* ---- ELF files ---- */

static int file_open(struct symbolizer *s, struct sym_file *f, const char *path)
{
	const unsigned char *bits;
	GElf_Addr idaddr;
	size_t nph;
	Elf *elf;
	int fd, len, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f->dwfl = dwfl_begin(&s->callbacks);
	if (!f->dwfl) {
		close(fd);
		err = -ENOMEM;
		goto out;
	}
	dwfl_report_begin(f->dwfl);
	/* Bias 0: addresses in this Dwfl are the ELF's own virtual addresses
	 * (plus f->bias for an odd ET_DYN whose first segment is not at 0). */
	f->mod = dwfl_report_elf(f->dwfl, path, path, fd, 0, false);
	if (!f->mod) {
		close(fd);
		err = -ENOEXEC;
		goto out;
	}
	dwfl_report_end(f->dwfl, NULL, NULL);
	elf = dwfl_module_getelf(f->mod, &f->bias);
	if (!elf) {
		err = -ENOEXEC;
		goto out;
	}
	if (elf_getphdrnum(elf, &nph) == 0) {
		f->loads = calloc(nph ? nph : 1, sizeof(*f->loads));
		if (!f->loads) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
				continue;
			f->loads[f->nloads++] = (struct sym_load){
				ph.p_offset, ph.p_filesz, ph.p_vaddr };
		}
	}
	len = dwfl_module_build_id(f->mod, &bits, &idaddr);
	for (int i = 0; i < len && i < 20; i++)
		snprintf(f->build_id + 2 * i, 3, "%02x", bits[i]);
out:
	return err;
}

static bool file_eq(const void *ctx, size_t entry, const void *key)
{
	const struct symbolizer *s = ctx;

	return s->files[entry - 1]->path == key;
}

/* The open file for path (its err set when it could not be opened), or NULL
 * on ENOMEM.  Failures are cached too, so a missing file costs one open. */
static struct sym_file *file_get(struct symbolizer *s, const char *path)
{
	const char *ip = intern(s, path);
	struct sym_file *f;
	uint64_t h;
	size_t e;

	if (!ip)
		return NULL;
	/* Interned paths are unique, so the pointer itself is the key. */
	h = path_hash(ip);
	e = hindex_find(&s->files_ix, h, file_eq, ip, s);
	if (e) {
		s->files[e - 1]->last_use = ++s->tick;
		return s->files[e - 1];
	}
	if (s->nfiles >= SYM_FILES_MAX && file_evict(s) < 0)
		return NULL;
	if (hindex_reserve(&s->files_ix) < 0 ||
	    util_grow(&s->files, &s->filecap, s->nfiles + 1, sizeof(*s->files)) < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = ip;
	f->last_use = ++s->tick;
	f->err = file_open(s, f, path);
	if (f->err == -ENOMEM) {
		file_free(f);
		return NULL;
	}
	s->files[s->nfiles++] = f;
	hindex_insert(&s->files_ix, h, s->nfiles);
	return f;
}

/* The file for path, or when it is gone, the separate debug file named by
 * build_id (it has the same program headers and the symbol table). */
static struct sym_file *file_find(struct symbolizer *s, const char *path, const char *build_id)
{
	struct sym_file *f = file_get(s, path), *d;
	char dbg[128];

	if (!f || !f->err || !build_id || strlen(build_id) < 3 || strlen(build_id) > 40)
		return f;
	snprintf(dbg, sizeof(dbg), "/usr/lib/debug/.build-id/%.2s/%s.debug",
		 build_id, build_id + 2);
	d = file_get(s, dbg);
	return d && !d->err ? d : f;
}

static int offset_to_vaddr(const struct sym_file *f, uint64_t off, uint64_t *vaddr)
{
	if (!f->nloads) {
		*vaddr = off;
		return 0;
	}
	for (size_t i = 0; i < f->nloads; i++) {
		const struct sym_load *l = &f->loads[i];

		if (off >= l->offset && off - l->offset < l->filesz) {
			*vaddr = off - l->offset + l->vaddr;
			return 0;
		}
	}
	/* The mapping starts at a page boundary below p_offset; an offset in
	 * that slack still belongs to the segment that follows it. */
	for (size_t i = 0; i < f->nloads; i++) {
		const struct sym_load *l = &f->loads[i];

		if (off < l->offset && l->offset - off < 4096) {
			*vaddr = l->vaddr - (l->offset - off);
			return 0;
		}
	}
	return -ENOENT;
}

/* ---- result cache ---- */

static uint64_t entry_hash(const struct sym_file *f, uint64_t off)
{
	return util_hash(&off, sizeof(off), util_hash(&f, sizeof(f), UTIL_HASH_INIT));
}

static bool entry_eq(const void *ctx, size_t entry, const void *key)
{
	const struct symbolizer *s = ctx;
	const struct sym_entry *e = &s->cache[entry - 1], *k = key;

	return e->file == k->file && e->offset == k->offset;
}

/* ---- DWARF ---- */

static void frame_set(struct sym_frame *fr, const char *function, const char *system_name)
{
	fr->function = function;
	fr->system_name = system_name;
	fr->file = "";
	fr->line = 0;
}

/* Name of a subprogram or inlined instance: the linkage (mangled) name when
 * the DIE or its abstract origin has one, demangled; else DW_AT_name. */
static int die_name(struct symbolizer *s, Dwarf_Die *die, const char **function,
		    const char **system_name)
{
	Dwarf_Attribute attr;
	const char *name = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
		name = dwarf_formstring(&attr);
	if (!name && dwarf_attr_integrate(die, DW_AT_name, &attr))
		name = dwarf_formstring(&attr);
	if (!name)
		name = "??";
	*system_name = intern(s, name);
	*function = symbolize_demangle(s, name);
	return *system_name && *function ? 0 : -ENOMEM;
}

static const char *call_file(Dwarf_Die *cudie, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx;
	size_t nfiles;

	if (!dwarf_attr(die, DW_AT_call_file, &attr) || dwarf_formudata(&attr, &idx) != 0)
		return NULL;
	if (dwarf_getsrcfiles(cudie, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static int call_line(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;

	if (!dwarf_attr(die, DW_AT_call_line, &attr) || dwarf_formudata(&attr, &line) != 0)
		return 0;
	return (int)line;
}

/* Global symbols first at an address (the name users know, not a local alias),
 * then sized ones. */
/* The frames of one address as they are found. */
struct frames {
	struct sym_result *res;
	size_t n;                    /* frames filled */
	int outer;                   /* frames[n - 1] is the function itself */
};

/* One scope around the address: an inlined instance adds its frame and the
 * call site of the next outer one; the subprogram adds the last frame; other
 * scopes (lexical blocks) add none.  0 or -ENOMEM. */
static int scope_frame(struct symbolizer *s, Dwarf_Die *cudie, Dwarf_Die *d, struct frames *fr)
{
	int tag = dwarf_tag(d);
	struct sym_frame *cur, *next;
	const char *cf;

	if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine &&
	    tag != DW_TAG_entry_point)
		return 0;
	/* frames[n].file/line were set by the inlined instance below it (its
	 * call site), or are unknown yet. */
	cur = &fr->res->frames[fr->n];
	if (fr->n++ == 0)
		frame_set(cur, "", "");
	if (die_name(s, d, &cur->function, &cur->system_name) < 0)
		return -ENOMEM;
	if (tag != DW_TAG_inlined_subroutine) {
		fr->outer = 1;
		return 0;
	}
	/* The call site of an inlined instance is the line in the next outer
	 * frame. */
	if (fr->n == SYM_MAX_FRAMES)
		return 0;
	next = &fr->res->frames[fr->n];
	cf = call_file(cudie, d);
	frame_set(next, "", "");
	next->file = cf ? intern(s, cf) : "";
	next->line = call_line(d);
	return next->file ? 0 : -ENOMEM;
}

/* The frames DWARF gives for addr: inlined instances innermost first, then
 * the function that holds them.  0 or -ENOMEM. */
static int scope_frames(struct symbolizer *s, struct sym_file *f, GElf_Addr addr,
			struct frames *fr)
{
	Dwarf_Die *cudie, *scopes = NULL, inner;
	Dwarf_Addr dbias;
	int nscopes, err = 0;

	cudie = dwfl_module_addrdie(f->mod, addr, &dbias);
	if (!cudie)
		return 0;
	nscopes = dwarf_getscopes(cudie, addr - dbias, &scopes);
	if (nscopes > 0) {
		/* dwarf_getscopes follows an inlined instance into its abstract
		 * origin (lexical scoping); the call chain is the physical
		 * nesting of the innermost scope instead. */
		inner = scopes[0];
		free(scopes);
		scopes = NULL;
		nscopes = dwarf_getscopes_die(&inner, &scopes);
	}
	for (int i = 0; i < nscopes && fr->n < SYM_MAX_FRAMES && !fr->outer && !err; i++)
		err = scope_frame(s, cudie, &scopes[i], fr);
	free(scopes);
	return err;
}

/* The symbol table names the outermost function: it is what the linker saw
 * (foo.cold, aliases), and it exists without DWARF.  0 or -ENOMEM. */
static int symtab_frame(struct symbolizer *s, struct sym_file *f, GElf_Addr addr,
			struct frames *fr)
{
	const struct sym_func *fsym = symtab_lookup(&f->funcs, addr);
	struct sym_frame *outer;
	const char *sn, *dn;

	if (!fsym)
		return 0;
	/* A versioned symbol ("__libc_start_main@@GLIBC_2.34") is named
	 * without its version, as in the source. */
	sn = hindex_intern(&s->strs, fsym->name, strcspn(fsym->name, "@"));
	dn = sn ? symbolize_demangle(s, sn) : NULL;
	if (!sn || !dn)
		return -ENOMEM;
	if (fr->outer) {
		outer = &fr->res->frames[fr->n - 1];
	} else if (fr->n < SYM_MAX_FRAMES) {
		/* No DWARF subprogram (or no DWARF): the symbol is the outermost
		 * frame; an inlined call site may already have filled its
		 * file:line. */
		outer = &fr->res->frames[fr->n];
		if (fr->n++ == 0)
			frame_set(outer, dn, sn);
	} else {
		return 0;
	}
	outer->function = dn;
	outer->system_name = sn;
	return 0;
}

/* The line table's file:line for addr, into the innermost frame.  0 or -ENOMEM. */
static int addr_line(struct symbolizer *s, struct sym_file *f, GElf_Addr addr,
		     struct sym_frame *fr)
{
	Dwfl_Line *line = dwfl_module_getsrc(f->mod, addr);
	const char *fname;
	int lineno = 0;

	fname = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (!fname)
		return 0;
	fr->file = intern(s, fname);
	fr->line = lineno;
	return fr->file ? 0 : -ENOMEM;
}

/* Fill res for module address addr: DWARF's frames, the symbol table's name
 * for the outermost, the line of the innermost.  0 or -ENOMEM (res->n 0). */
static int symbolize_addr(struct symbolizer *s, struct sym_file *f, GElf_Addr addr,
			  struct sym_result *res)
{
	struct frames fr = { res, 0, 0 };
	int err;

	res->n = 0;
	if (!f->funcs_built) {
		f->funcs_built = 1;
		if (symtab_build(f->mod, &f->funcs) < 0)
			return -ENOMEM;
	}
	err = s->functions_only ? 0 : scope_frames(s, f, addr, &fr);
	if (!err)
		err = symtab_frame(s, f, addr, &fr);
	if (!err && fr.n && !s->functions_only)
		err = addr_line(s, f, addr, &res->frames[0]);
	res->n = err < 0 ? 0 : fr.n;
	return err;
}

int symbolize_lookup_file(struct symbolizer *s, const char *path, const char *build_id,
			  uint64_t file_offset, struct sym_result *res)
{
	struct sym_entry *e;
	struct sym_file *f;
	uint64_t vaddr, h;
	size_t found;
	int err;

	res->n = 0;
	strings_bound(s);
	f = file_find(s, path, build_id);
	if (!f)
		return -ENOMEM;
	if (f->err)
		return f->err;
	h = entry_hash(f, file_offset);
	found = hindex_find(&s->cache_ix, h, entry_eq,
			    &(struct sym_entry){ f, file_offset, 0, NULL }, s);
	if (found) {
		e = &s->cache[found - 1];
		res->n = e->n;
		if (e->n) /* an address with no name keeps no frames (NULL) */
			memcpy(res->frames, e->frames, e->n * sizeof(*e->frames));
		return 0;
	}
	if (s->ncache >= SYM_RESULTS_MAX)
		results_clear(s);
	if (hindex_reserve(&s->cache_ix) < 0 ||
	    util_grow(&s->cache, &s->cachecap, s->ncache + 1, sizeof(*s->cache)) < 0)
		return -ENOMEM;
	if (offset_to_vaddr(f, file_offset, &vaddr) == 0) {
		err = symbolize_addr(s, f, vaddr + f->bias, res);
		if (err < 0)
			return err;
	}
	/* The new entry counts once its frames are copied. */
	e = &s->cache[s->ncache];
	*e = (struct sym_entry){ f, file_offset, res->n, NULL };
	if (res->n) {
		e->frames = malloc(res->n * sizeof(*e->frames));
		if (!e->frames)
			return -ENOMEM;
		memcpy(e->frames, res->frames, res->n * sizeof(*e->frames));
	}
	s->ncache++;
	hindex_insert(&s->cache_ix, h, s->ncache);
	return 0;
}

int symbolize_build_id(struct symbolizer *s, const char *path, char *buf, size_t cap)
{
	struct sym_file *f = file_get(s, path);

	if (!f)
		return -ENOMEM;
	if (f->err)
		return f->err;
	if (!f->build_id[0])
		return -ENODATA;
	if (cap <= strlen(f->build_id))
		return -ENOSPC;
	strcpy(buf, f->build_id);
	return 0;
}

/* ---- kernel and JIT names ---- */

/* Load kallsyms once; a table that could not be read whole is dropped. */
static int kernel_load(struct symbolizer *s)
{
	int err;

	s->kernel_loaded = 1;
	err = kallsyms_new(&s->kernel);
	if (!err)
		err = kallsyms_load(s->kernel, s->kallsyms_path);
	if (err) {
		kallsyms_free(s->kernel);
		s->kernel = NULL;
	}
	return err;
}

int symbolize_kernel_available(struct symbolizer *s)
{
	if (!s->kernel_loaded)
		kernel_load(s);
	return s->kernel && kallsyms_available(s->kernel);
}

int symbolize_lookup_kernel(struct symbolizer *s, uint64_t addr, struct sym_result *res)
{
	const char *name, *module;

	res->n = 0;
	strings_bound(s);
	if (!s->kernel_loaded && kernel_load(s) == -ENOMEM)
		return -ENOMEM;
	if (!s->kernel || kallsyms_lookup(s->kernel, addr, &name, &module) < 0)
		return 0;
	name = intern(s, name);
	if (!name)
		return -ENOMEM;
	frame_set(&res->frames[0], name, name);
	/* A module symbol carries its module as the "file": "[ext4]". */
	if (module[0]) {
		res->frames[0].file = intern(s, module);
		if (!res->frames[0].file)
			return -ENOMEM;
	}
	res->n = 1;
	return 0;
}

int symbolize_lookup_jit(struct symbolizer *s, pid_t pid, uint64_t addr, struct sym_result *res)
{
	const char *name, *sys, *fn;
	int err;

	res->n = 0;
	strings_bound(s);
	err = jitmap_lookup(s->jit, pid, addr, &name);
	if (err < 0)
		return err == -ENOMEM ? err : 0;
	sys = intern(s, name);
	fn = symbolize_demangle(s, name);
	if (!sys || !fn)
		return -ENOMEM;
	frame_set(&res->frames[0], fn, sys);
	res->n = 1;
	return 0;
}

const struct jitmap *symbolize_jitmap(const struct symbolizer *s)
{
	return s->jit;
}
