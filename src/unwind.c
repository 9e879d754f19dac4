/* unwind.c - see unwind.h.
 *
 * libdwfl does the walking (dwfl_attach_state + dwfl_getthread_frames); we give
 * it the sampled registers and serve its memory reads from the sample's stack
 * copy.  What we add is the module bookkeeping: perf creates a Dwfl and
 * reports every module for every sample, which is where its time goes; here a
 * process's Dwfl lives across samples and learns a module the first time a
 * frame's pc lands in it (the walk stops there, the module is reported, the
 * walk starts over: at most once per module and process). */
#include "unwind.h"
#include "debuginfo.h"
#include "vdso.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#define UNWIND_MAX_PROCS 32       /* Dwfls kept; the least recently used goes first */
#define UNWIND_MAX_RESTARTS 16    /* module reports (or rebuilds) within one walk */
#define UNWIND_MAX_FAILED 16      /* mappings per process whose file we could not use */

struct uproc {
	pid_t pid;
	Dwfl *dwfl;
	int attached;
	uint64_t last_use;
	uint64_t failed[UNWIND_MAX_FAILED];   /* mapping starts not to report again */
	size_t nfailed;
};

/* The walk in progress, as the libdwfl callbacks see it. */
struct walk {
	const struct unwind_sample *s;
	struct uproc *p;
	uint64_t sp;                 /* the sampled SP: stack copy offset 0 */
	uint64_t frame_sp;           /* SP of the frame being unwound */
	uint64_t *pcs;
	size_t max, n;
	const struct map *missing;   /* report this mapping, then walk again */
	int stale;                   /* a module no longer matches its mapping */
	int full;                    /* pcs[] filled up */
	int read_failed;             /* a memory read found nothing */
};

struct unwinder {
	unwind_find_map_fn find;
	void *ctx;
	/* libdwfl keeps pointers to both for the life of each Dwfl. */
	Dwfl_Callbacks callbacks;
	char *debuginfo_path;
	struct uproc procs[UNWIND_MAX_PROCS];
	size_t nprocs;
	uint64_t tick;
	struct walk *walk;
	int vdso_fd;                 /* -1 until a [vdso] is first needed */
	Elf *arch_elf;               /* our vDSO image: the architecture to attach with */
};

/* The value of perf register reg in s.  0, or -ENOENT when it was not sampled. */
static int sample_reg(const struct unwind_sample *s, int reg, uint64_t *v)
{
	return arch_sample_reg(s->regs_mask, s->regs, s->nregs, reg, v);
}

/* 8 bytes of the stack copy at addr; 0 or -EFAULT outside it. */
static int stack_read(const struct unwind_sample *s, uint64_t sp, uint64_t addr, uint64_t *v)
{
	if (addr < sp || addr - sp > s->stack_size || s->stack_size - (addr - sp) < 8)
		return -EFAULT;
	memcpy(v, (const char *)s->stack + (addr - sp), 8);
	return 0;
}

/* ---- libdwfl thread callbacks ---- */

static pid_t cb_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	/* Threads are never listed: each walk names its own (cb_get_thread). */
	return 0;
}

static bool cb_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

/* A read-only word of a module's file, e.g. a constant that a CFI expression
 * dereferences: for non-writable segments the file holds what memory does. */
static bool read_module(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
	GElf_Addr bias;
	size_t phnum;
	Elf *elf;

	if (!mod || !(elf = dwfl_module_getelf(mod, &bias)) || elf_getphdrnum(elf, &phnum) < 0)
		return false;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);
		uint64_t va = addr - bias;
		Elf_Data *d;

		if (!ph || ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || va < ph->p_vaddr ||
		    ph->p_filesz < 8 || va - ph->p_vaddr > ph->p_filesz - 8)
			continue;
		d = elf_getdata_rawchunk(elf, (int64_t)(ph->p_offset + (va - ph->p_vaddr)), 8, ELF_T_BYTE);
		if (!d || d->d_size < 8)
			return false;
		memcpy(result, d->d_buf, 8);
		return true;
	}
	return false;
}

static bool cb_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	struct walk *w = u->walk;
	uint64_t v;

	/* Nothing a frame's CFI restores lies below that frame's SP; a read there
	 * can only come from libdwfl's frame-pointer guess on a garbage RBP. */
	if (addr >= w->sp && addr < w->frame_sp) {
		w->read_failed = 1;
		return false;
	}
	if (stack_read(w->s, w->sp, addr, &v) == 0) {
		*result = v;
		return true;
	}
	if (read_module(dwfl, addr, result))
		return true;
	w->read_failed = 1;
	return false;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;
	const struct unwind_sample *s = u->walk->s;
	struct arch_frame f;

	arch_frame_init(s->regs_mask, s->regs, s->nregs, &f);
	for (unsigned d = 0; d < ARCH_DWARF_MAX; d++) {
		Dwarf_Word word = f.regs[d];

		if ((f.known & (1ULL << d)) && !dwfl_thread_state_registers(thread, (int)d, 1, &word))
			return false;
	}
	if (f.has_pc)
		dwfl_thread_state_register_pc(thread, f.pc);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

/* ---- processes and their modules ---- */

int unwind_new(unwind_find_map_fn find, void *ctx, struct unwinder **out)
{
	struct unwinder *u;

	*out = NULL;
	elf_version(EV_CURRENT);
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->find = find;
	u->ctx = ctx;
	u->vdso_fd = -1;
	u->callbacks.find_elf = dwfl_build_id_find_elf;
	u->callbacks.find_debuginfo = debuginfo_find;
	u->callbacks.debuginfo_path = &u->debuginfo_path;
	*out = u;
	return 0;
}

static void proc_clear(struct uproc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	memset(p, 0, sizeof(*p));
}

void unwind_free(struct unwinder *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nprocs; i++)
		proc_clear(&u->procs[i]);
	elf_end(u->arch_elf);
	if (u->vdso_fd >= 0)
		close(u->vdso_fd);
	free(u);
}

void unwind_forget(struct unwinder *u, pid_t pid)
{
	for (size_t i = 0; i < u->nprocs; i++)
		if (u->procs[i].pid == pid) {
			proc_clear(&u->procs[i]);
			u->procs[i] = u->procs[--u->nprocs];
			memset(&u->procs[u->nprocs], 0, sizeof(u->procs[0]));
			return;
		}
}

/* A fresh Dwfl for p (a new process, or one whose mappings changed). */
static int proc_reset(struct unwinder *u, struct uproc *p, pid_t pid)
{
	proc_clear(p);
	p->pid = pid;
	p->last_use = ++u->tick;
	p->dwfl = dwfl_begin(&u->callbacks);
	return p->dwfl ? 0 : -ENOMEM;
}

static struct uproc *proc_get(struct unwinder *u, pid_t pid)
{
	struct uproc *p = NULL;

	for (size_t i = 0; i < u->nprocs; i++) {
		if (u->procs[i].pid == pid) {
			u->procs[i].last_use = ++u->tick;
			return &u->procs[i];
		}
		if (!p || u->procs[i].last_use < p->last_use)
			p = &u->procs[i];
	}
	if (u->nprocs < UNWIND_MAX_PROCS)
		p = &u->procs[u->nprocs++];
	return proc_reset(u, p, pid) == 0 ? p : NULL;
}

/* A duplicate of our own vDSO image's fd (vdso.h): its CFI is what unwinds
 * out of clock_gettime & co. */
static int vdso_open(struct unwinder *u)
{
	int fd = vdso_image_fd(&u->vdso_fd);

	if (fd < 0)
		return fd;
	fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* The load bias of m's file (runtime address = ELF vaddr + bias): m maps file
 * offset pgoff at start, and the PT_LOAD segment holding that offset says which
 * vaddr that offset has.  ET_EXEC files are not relocated. */
static int load_bias(int fd, const struct map *m, GElf_Addr *bias)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	GElf_Ehdr eh;
	size_t phnum;
	int r = -ENOEXEC;

	if (!elf || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &phnum) < 0)
		goto out;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		r = 0;
		goto out;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr mem, *ph = gelf_getphdr(elf, (int)i, &mem);

		if (!ph || ph->p_type != PT_LOAD)
			continue;
		if (m->pgoff >= (ph->p_offset & ~(page - 1)) && m->pgoff < ph->p_offset + ph->p_filesz) {
			*bias = m->start - m->pgoff + ph->p_offset - ph->p_vaddr;
			r = 0;
			break;
		}
	}
out:
	elf_end(elf);
	return r;
}

static int proc_failed(const struct uproc *p, const struct map *m)
{
	for (size_t i = 0; i < p->nfailed; i++)
		if (p->failed[i] == m->start)
			return 1;
	return 0;
}

/* Report m's file as a module of p (the whole file, whichever of its segments
 * m is).  0, or -errno (then remembered: m is not tried again). */
static int report_map(struct unwinder *u, struct uproc *p, const struct map *m)
{
	GElf_Addr bias = 0;
	Dwfl_Module *mod = NULL;
	int fd = -ENOENT, r;

	if (strcmp(m->path, "[vdso]") == 0) {
		fd = vdso_open(u);
	} else if (m->path[0] == '/') {
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	r = fd;
	if (fd >= 0 && (r = load_bias(fd, m, &bias)) == 0) {
		dwfl_report_begin_add(p->dwfl);
		/* add_p_vaddr: base is the bias, whatever the first segment's vaddr. */
		mod = dwfl_report_elf(p->dwfl, m->path, m->path, fd, bias, true);
		dwfl_report_end(p->dwfl, NULL, NULL);
		r = mod ? 0 : -ENOEXEC;
	}
	if (fd >= 0 && !mod)
		close(fd);          /* libdwfl owns it only on success */
	if (r < 0 && p->nfailed < UNWIND_MAX_FAILED)
		p->failed[p->nfailed++] = m->start;
	return r;
}

/* Whether mod was reported for m's file (and not for what was there before). */
static int module_matches(Dwfl_Module *mod, const struct map *m)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

	return name && strcmp(name, m->path) == 0;
}

/* The module of p at pc, reporting it (or rebuilding p's Dwfl when its module
 * there is stale).  NULL when pc is in no usable file. */
static Dwfl_Module *module_at(struct unwinder *u, struct uproc *p, uint64_t pc)
{
	const struct map *m = u->find(u->ctx, p->pid, pc);
	Dwfl_Module *mod = dwfl_addrmodule(p->dwfl, pc);

	if (!m || proc_failed(p, m))
		return mod;
	if (mod && !module_matches(mod, m)) {
		if (proc_reset(u, p, p->pid) < 0)
			return NULL;
		mod = NULL;
	}
	if (!mod && report_map(u, p, m) == 0)
		mod = dwfl_addrmodule(p->dwfl, pc);
	return mod;
}

/* ---- walking ---- */

static int cb_frame(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	struct walk *w = u->walk;
	Dwfl *dwfl = dwfl_thread_dwfl(dwfl_frame_thread(state));
	const struct map *m;
	Dwfl_Module *mod;
	Dwarf_Addr pc;
	Dwarf_Word sp;
	bool activation;

	/* Before dwfl_frame_pc: asked whether this frame is an activation, it
	 * unwinds the frame, and the memory callback's floor must be this
	 * frame's SP by then (cfiwalk.c reads the same way). */
	if (dwfl_frame_reg(state, (unsigned)arch_get()->dwarf_sp, &sp) == 0)
		w->frame_sp = sp;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	/* Every frame but the sampled one (and a frame interrupted by a signal) is
	 * a return address: the instruction after the call, which may belong to
	 * the next line or even the next function (a noreturn call ends its
	 * function).  The call itself is at pc - 1. */
	if (!activation && pc > 0)
		pc--;
	/* libdwfl unwinds this frame with its module's CFI once we return: the
	 * module must be known by then. */
	m = u->find(u->ctx, w->s->pid, pc);
	if (m && !proc_failed(w->p, m)) {
		mod = dwfl_addrmodule(dwfl, pc);
		if (!mod) {
			w->missing = m;
			return DWARF_CB_ABORT;
		}
		if (!module_matches(mod, m)) {
			w->stale = 1;
			return DWARF_CB_ABORT;
		}
	}
	w->pcs[w->n++] = pc;
	if (w->n >= w->max) {
		w->full = 1;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

int unwind_dwarf_regs(const struct unwind_sample *s, uint64_t *pc, uint64_t *regs, size_t nregs,
		      uint64_t *known)
{
	const struct arch_info *a = arch_get();
	uint64_t v;

	*known = 0;
	if (sample_reg(s, a->reg_pc, pc) < 0)
		return -EINVAL;
	/* The same registers cb_set_initial_registers gives libdwfl. */
	for (unsigned d = 0; d < a->dwarf_nregs && d < nregs && d < 64; d++) {
		if (sample_reg(s, arch_dwarf_to_perf(d), &v) < 0)
			continue;
		regs[d] = v;
		*known |= 1ULL << d;
	}
	return 0;
}

int unwind_dwarf(struct unwinder *u, const struct unwind_sample *s, uint64_t *pcs, size_t max,
		 size_t *n)
{
	struct walk w;
	uint64_t ip, sp;
	int complete = 0;

	*n = 0;
	if (!max || sample_reg(s, arch_get()->reg_pc, &ip) < 0 ||
	    sample_reg(s, arch_get()->reg_sp, &sp) < 0)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	for (int tries = 0; tries <= UNWIND_MAX_RESTARTS; tries++) {
		struct uproc *p = proc_get(u, s->pid);
		int rc;

		memset(&w, 0, sizeof(w));
		if (!p)
			break;
		/* dwfl_attach_state learns the architecture from a module: report
		 * the sampled pc's first; without one (a pc in no file), from our
		 * own vDSO, so that the walk goes on by frame pointer as it would
		 * in a module without CFI (and as cfiwalk.c does). */
		if (!p->attached) {
			if (!module_at(u, p, ip) && !u->arch_elf && vdso_image_fd(&u->vdso_fd) >= 0)
				u->arch_elf = elf_begin(u->vdso_fd, ELF_C_READ_MMAP, NULL);
			if (!dwfl_attach_state(p->dwfl, dwfl_addrmodule(p->dwfl, ip) ? NULL : u->arch_elf,
					       p->pid, &thread_callbacks, u))
				break;
			p->attached = 1;
		}
		w.s = s;
		w.p = p;
		w.sp = w.frame_sp = sp;
		w.pcs = pcs;
		w.max = max;
		u->walk = &w;
		rc = dwfl_getthread_frames(p->dwfl, s->tid > 0 ? s->tid : s->pid, cb_frame, u);
		u->walk = NULL;
		if (w.missing) {
			report_map(u, p, w.missing);
			continue;
		}
		if (w.stale) {
			if (proc_reset(u, p, p->pid) < 0)
				break;
			continue;
		}
		/* 0: the walk ended on a frame whose return address is undefined.
		 * That is how _start and clone mark the outermost frame, but libdwfl
		 * says the same when the return address could not be read (beyond
		 * the stack copy): only a walk without failed reads is complete. */
		complete = rc == 0 && !w.full && !w.read_failed;
		break;
	}
	if (w.n == 0) {
		pcs[0] = ip;
		w.n = 1;
	}
	*n = w.n;
	return complete;
}

/* Evaluate a CFA rule of the form "register + offset" (DW_OP_bregN or
 * DW_OP_bregx) with the sampled registers.  0 or -ENOTSUP. */
static int eval_breg(const struct unwind_sample *s, const Dwarf_Op *ops, size_t nops, uint64_t *out)
{
	uint64_t reg, v;
	int64_t off;

	if (nops != 1)
		return -ENOTSUP;
	if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		off = (int64_t)ops[0].number;
	} else {
		return -ENOTSUP;
	}
	if (reg >= ARCH_DWARF_MAX || sample_reg(s, arch_dwarf_to_perf((unsigned)reg), &v) < 0)
		return -ENOTSUP;
	*out = v + (uint64_t)off;
	return 0;
}

/* Where the sampled function's return address is by the CFI row of its pc
 * (frame), with CFA cfa: on the stack (the slot's address in *slot, return 1),
 * in a register (its perf number in *reg, return 2; the "same value" rule of
 * arm64's link register says it is still in x30), or 0 when the rule is one
 * we cannot follow. */
static int ra_rule(Dwarf_Frame *frame, uint64_t cfa, uint64_t *slot, int *reg)
{
	const struct arch_info *a = arch_get();
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;

	if (dwarf_frame_register(frame, a->dwarf_ra, ops_mem, &ops, &nops) != 0)
		return 0;
	/* libdw: no ops and a NULL *ops is "same value" (not saved yet), no ops
	 * in ops_mem "undefined" (the outermost frame). */
	if (nops == 0 && !ops) {
		*reg = a->reg_lr;
		return *reg >= 0 ? 2 : 0;
	}
	if (nops == 0)
		return 0;
	/* "offset(k)": saved at CFA + k (k = -8 at x86-64's entry), which libdw
	 * writes as DW_OP_call_frame_cfa [DW_OP_plus_uconst k]. */
	if (ops[0].atom == DW_OP_call_frame_cfa && (nops == 1 || (nops == 2 && ops[1].atom == DW_OP_plus_uconst))) {
		*slot = cfa + (nops == 2 ? ops[1].number : 0);
		return 1;
	}
	/* "register(r)": moved to another register, DW_OP_regx r. */
	if (nops == 1 && ops[0].atom == DW_OP_regx && ops[0].number < ARCH_DWARF_MAX) {
		*reg = arch_dwarf_to_perf((unsigned)ops[0].number);
		return *reg >= 0 ? 2 : 0;
	}
	return 0;
}

int unwind_leaf_caller(struct unwinder *u, const struct unwind_sample *s, uint64_t *ret)
{
	const struct arch_info *a = arch_get();
	uint64_t ip, sp, fp, cfa, slot = 0, v;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	Dwfl_Module *mod;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias;
	struct uproc *p;
	size_t nops;
	int r = 0, reg = -1, where;

	*ret = 0;
	if (sample_reg(s, a->reg_pc, &ip) < 0 || sample_reg(s, a->reg_sp, &sp) < 0 ||
	    sample_reg(s, a->reg_fp, &fp) < 0)
		return -EINVAL;
	p = proc_get(u, s->pid);
	if (!p)
		return -ENOMEM;
	mod = module_at(u, p, ip);
	if (!mod)
		return 0;
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (!cfi)
		cfi = dwfl_module_dwarf_cfi(mod, &bias);
	/* The sampled pc is the interrupted instruction itself, not a return
	 * address: its own CFI row applies, no pc - 1 here. */
	if (!cfi || dwarf_cfi_addrframe(cfi, ip - bias, &frame) != 0)
		return 0;
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || eval_breg(s, ops, nops, &cfa) < 0)
		goto out;
	where = ra_rule(frame, cfa, &slot, &reg);
	/* The kernel's frame-pointer walk reads its first return address at
	 * [FP + 8].  When that is this function's own slot, the function has a
	 * frame record and nothing is missing; otherwise FP still belongs to
	 * the caller and the walk starts at the caller's caller. */
	if (where == 1 && (slot == fp + a->fp_ra_offset || stack_read(s, sp, slot, &v) < 0))
		goto out;
	if (where == 2 && sample_reg(s, reg, &v) < 0)
		goto out;
	if (where == 0)
		goto out;
	*ret = arch_code_address(v);
	r = *ret != 0;
out:
	free(frame);
	return r;
}
