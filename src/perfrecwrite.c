/* perfrecwrite.c - see perfrec.h: encoding records as the kernel writes them
 * (for tests and tools; decoding is perfrec.c). */
#include "perfrec.h"
#include "perfrec-int.h"

#include <errno.h>
#include <string.h>

/* ---- writing ----
 * A cursor that keeps counting past cap so the caller learns the size it would
 * need, and writes only what fits. */

struct wr {
	unsigned char *p;
	size_t pos, cap;
};

static void wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (w->pos <= w->cap && n <= w->cap - w->pos) {
		if (src)
			memcpy(w->p + w->pos, src, n);
		else
			memset(w->p + w->pos, 0, n);
	}
	w->pos += n;
}

static void wr_u64(struct wr *w, uint64_t v)
{
	wr_bytes(w, &v, 8);
}

static void wr_u32x2(struct wr *w, uint32_t a, uint32_t b)
{
	uint32_t v[2] = { a, b };

	wr_bytes(w, v, 8);
}

/* A string NUL-terminated and zero-padded to 8 bytes, as the kernel does. */
static int wr_str(struct wr *w, const char *s)
{
	size_t n;

	if (!s)
		return -EINVAL;
	n = strlen(s);
	if (n > UINT16_MAX)
		return -EINVAL;
	wr_bytes(w, s, n);
	wr_bytes(w, NULL, ((n + 8) & ~(size_t)7) - n);
	return 0;
}

static void wr_sid(struct wr *w, uint64_t st, const struct perfrec_sample_id *sid)
{
	struct perfrec_sample_id zero = { 0 };

	if (!sid)
		sid = &zero;
	if (st & PERF_SAMPLE_TID)
		wr_u32x2(w, sid->pid, sid->tid);
	if (st & PERF_SAMPLE_TIME)
		wr_u64(w, sid->time);
	if (st & PERF_SAMPLE_ID)
		wr_u64(w, sid->id);
	if (st & PERF_SAMPLE_STREAM_ID)
		wr_u64(w, sid->stream_id);
	if (st & PERF_SAMPLE_CPU)
		wr_u32x2(w, sid->cpu, 0);
	if (st & PERF_SAMPLE_IDENTIFIER)
		wr_u64(w, sid->identifier);
}

static int wr_read_format(struct wr *w, uint64_t rf, const struct perfrec_read *v)
{
	if (rf & PERF_FORMAT_GROUP) {
		if (v->nr > PERFREC_MAX_READ_VALUES)
			return -EINVAL;
		wr_u64(w, v->nr);
	} else {
		if (v->nr != 1)
			return -EINVAL;
		wr_u64(w, v->values[0].value);
	}
	if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
		wr_u64(w, v->time_enabled);
	if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
		wr_u64(w, v->time_running);
	for (uint64_t i = 0; i < v->nr; i++) {
		if (rf & PERF_FORMAT_GROUP)
			wr_u64(w, v->values[i].value);
		if (rf & PERF_FORMAT_ID)
			wr_u64(w, v->values[i].id);
		if (rf & PERF_FORMAT_LOST)
			wr_u64(w, v->values[i].lost);
	}
	return 0;
}

static int wr_regs(struct wr *w, uint64_t mask, uint64_t abi, uint64_t nr, const uint64_t *regs)
{
	wr_u64(w, abi);
	if (abi == PERF_SAMPLE_REGS_ABI_NONE)
		return 0;
	if (nr != (uint64_t)__builtin_popcountll(mask) || (nr && !regs))
		return -EINVAL;
	wr_bytes(w, regs, nr * 8);
	return 0;
}

/* Arrays come from the caller: refuse sizes that cannot fit a u16 record before
 * multiplying, so nothing overflows. */
static int wr_array(struct wr *w, const void *src, uint64_t nr, size_t elem)
{
	if (nr > UINT16_MAX / elem || (nr && !src))
		return -EINVAL;
	wr_bytes(w, src, nr * elem);
	return 0;
}

static int encode_sample(const struct perfrec_format *fmt, const struct perfrec_sample *s, struct wr *w)
{
	uint64_t st = fmt->sample_type;
	int err;

	err = perfrec_format_check(fmt);
	if (err)
		return -EINVAL;
	if (st & PERF_SAMPLE_IDENTIFIER)
		wr_u64(w, s->identifier);
	if (st & PERF_SAMPLE_IP)
		wr_u64(w, s->ip);
	if (st & PERF_SAMPLE_TID)
		wr_u32x2(w, s->pid, s->tid);
	if (st & PERF_SAMPLE_TIME)
		wr_u64(w, s->time);
	if (st & PERF_SAMPLE_ADDR)
		wr_u64(w, s->addr);
	if (st & PERF_SAMPLE_ID)
		wr_u64(w, s->id);
	if (st & PERF_SAMPLE_STREAM_ID)
		wr_u64(w, s->stream_id);
	if (st & PERF_SAMPLE_CPU)
		wr_u32x2(w, s->cpu, 0);
	if (st & PERF_SAMPLE_PERIOD)
		wr_u64(w, s->period);
	if (st & PERF_SAMPLE_READ) {
		err = wr_read_format(w, fmt->read_format, &s->read);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		wr_u64(w, s->callchain_nr);
		err = wr_array(w, s->callchain, s->callchain_nr, 8);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_RAW) {
		/* The kernel pads the raw data so that size + data end on a u64, and
		 * reports the padded size. */
		uint32_t padded = ((4 + (uint64_t)s->raw_size + 7) & ~7ULL) - 4;

		if (s->raw_size > UINT16_MAX || (s->raw_size && !s->raw))
			return -EINVAL;
		wr_bytes(w, &padded, 4);
		wr_bytes(w, s->raw, s->raw_size);
		wr_bytes(w, NULL, padded - s->raw_size);
	}
	if (st & PERF_SAMPLE_BRANCH_STACK) {
		wr_u64(w, s->branch_nr);
		err = wr_array(w, s->branches, s->branch_nr, PERFREC_BRANCH_ENTRY);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_REGS_USER) {
		err = wr_regs(w, fmt->regs_user_mask, s->regs_user_abi, s->regs_user_nr,
			      s->regs_user);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_STACK_USER) {
		uint64_t sz = s->stack_user_size;

		if (sz % 8 || s->stack_user_dyn_size > sz)
			return -EINVAL;
		wr_u64(w, sz);
		if (sz) {
			err = wr_array(w, s->stack_user, sz, 1);
			if (err)
				return err;
			wr_u64(w, s->stack_user_dyn_size);
		}
	}
	if (st & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT))
		wr_u64(w, s->weight);
	if (st & PERF_SAMPLE_DATA_SRC)
		wr_u64(w, s->data_src);
	if (st & PERF_SAMPLE_TRANSACTION)
		wr_u64(w, s->transaction);
	if (st & PERF_SAMPLE_REGS_INTR) {
		err = wr_regs(w, fmt->regs_intr_mask, s->regs_intr_abi, s->regs_intr_nr,
			      s->regs_intr);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_PHYS_ADDR)
		wr_u64(w, s->phys_addr);
	if (st & PERF_SAMPLE_CGROUP)
		wr_u64(w, s->cgroup);
	if (st & PERF_SAMPLE_DATA_PAGE_SIZE)
		wr_u64(w, s->data_page_size);
	if (st & PERF_SAMPLE_CODE_PAGE_SIZE)
		wr_u64(w, s->code_page_size);
	/* struct perfrec_sample carries no AUX data: an empty one. */
	if (st & PERF_SAMPLE_AUX)
		wr_u64(w, 0);
	return 0;
}

static int encode_mmap(struct wr *w, uint32_t type, uint16_t *misc, const struct perfrec_mmap *m)
{
	wr_u32x2(w, m->pid, m->tid);
	wr_u64(w, m->addr);
	wr_u64(w, m->len);
	wr_u64(w, m->pgoff);
	if (type == PERF_RECORD_MMAP2) {
		if (m->build_id_size || (*misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
			unsigned char b[24] = { m->build_id_size };

			if (m->build_id_size > PERFREC_BUILD_ID_MAX)
				return -EINVAL;
			*misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
			memcpy(b + 4, m->build_id, PERFREC_BUILD_ID_MAX);
			wr_bytes(w, b, sizeof(b));
		} else {
			wr_u32x2(w, m->maj, m->min);
			wr_u64(w, m->ino);
			wr_u64(w, m->ino_generation);
		}
		wr_u32x2(w, m->prot, m->flags);
	}
	return wr_str(w, m->filename);
}

static struct perf_event_header header(uint32_t type, uint16_t misc)
{
	return (struct perf_event_header){ .type = type, .misc = misc };
}

/* h gives the type and misc; body points to the union member that matches the type.
 * The typed fields decide the misc bits that encode them (comm exec, switch
 * out/preempt, mmap2 build id); h.size is computed. */
static int encode(const struct perfrec_format *fmt, struct perf_event_header h, const void *body,
		  const struct perfrec_sample_id *sid, void *buf, size_t cap)
{
	struct wr w = { .p = buf, .cap = buf ? cap : 0, .pos = sizeof(struct perf_event_header) };
	uint32_t type = h.type;
	int err = 0;

	if (!fmt || !body)
		return -EINVAL;
	switch (type) {
	case PERF_RECORD_SAMPLE:
		err = encode_sample(fmt, body, &w);
		break;
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		err = encode_mmap(&w, type, &h.misc, body);
		break;
	case PERF_RECORD_COMM: {
		const struct perfrec_comm *c = body;

		h.misc &= ~PERF_RECORD_MISC_COMM_EXEC;
		if (c->exec)
			h.misc |= PERF_RECORD_MISC_COMM_EXEC;
		wr_u32x2(&w, c->pid, c->tid);
		err = wr_str(&w, c->comm);
		break;
	}
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		const struct perfrec_fork *f = body;

		wr_u32x2(&w, f->pid, f->ppid);
		wr_u32x2(&w, f->tid, f->ptid);
		wr_u64(&w, f->time);
		break;
	}
	case PERF_RECORD_LOST:
		wr_u64(&w, ((const struct perfrec_lost *)body)->id);
		wr_u64(&w, ((const struct perfrec_lost *)body)->lost);
		break;
	case PERF_RECORD_LOST_SAMPLES:
		wr_u64(&w, ((const struct perfrec_lost *)body)->lost);
		break;
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE: {
		const struct perfrec_throttle *t = body;

		wr_u64(&w, t->time);
		wr_u64(&w, t->id);
		wr_u64(&w, t->stream_id);
		break;
	}
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE: {
		const struct perfrec_switch *s = body;

		h.misc &= ~(PERF_RECORD_MISC_SWITCH_OUT | PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
		if (s->out)
			h.misc |= PERF_RECORD_MISC_SWITCH_OUT;
		if (s->preempt)
			h.misc |= PERF_RECORD_MISC_SWITCH_OUT_PREEMPT;
		if (type == PERF_RECORD_SWITCH_CPU_WIDE)
			wr_u32x2(&w, s->next_prev_pid, s->next_prev_tid);
		break;
	}
	default:
		return -ENOTSUP;
	}
	if (err)
		return err;
	if (type != PERF_RECORD_SAMPLE && fmt->sample_id_all) {
		if (fmt->sample_type & ~(uint64_t)PERFREC_SAMPLE_KNOWN)
			return -EINVAL;
		wr_sid(&w, fmt->sample_type, sid);
	}
	if (w.pos > UINT16_MAX)
		return -EINVAL;
	if (w.pos > w.cap)
		return -ENOSPC;
	h.size = w.pos;
	memcpy(buf, &h, sizeof(h));
	return w.pos;
}

int perfrec_encode(const struct perfrec_format *fmt, const struct perfrec *r, void *buf, size_t cap)
{
	if (!r)
		return -EINVAL;
	return encode(fmt, header(r->type, r->misc), &r->u, &r->sid, buf, cap);
}

int perfrec_encode_sample(const struct perfrec_format *fmt, const struct perfrec_sample *s, uint16_t misc,
			  void *buf, size_t cap)
{
	return encode(fmt, header(PERF_RECORD_SAMPLE, misc), s, NULL, buf, cap);
}

int perfrec_encode_mmap2(const struct perfrec_format *fmt, const struct perfrec_mmap *m,
			 const struct perfrec_sample_id *sid, void *buf, size_t cap)
{
	return encode(fmt, header(PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER), m, sid, buf, cap);
}

int perfrec_encode_comm(const struct perfrec_format *fmt, const struct perfrec_comm *c,
			const struct perfrec_sample_id *sid, void *buf, size_t cap)
{
	return encode(fmt, header(PERF_RECORD_COMM, 0), c, sid, buf, cap);
}

int perfrec_encode_fork(const struct perfrec_format *fmt, uint32_t type, const struct perfrec_fork *f,
			const struct perfrec_sample_id *sid, void *buf, size_t cap)
{
	if (type != PERF_RECORD_FORK && type != PERF_RECORD_EXIT)
		return -EINVAL;
	return encode(fmt, header(type, 0), f, sid, buf, cap);
}

int perfrec_encode_lost(const struct perfrec_format *fmt, const struct perfrec_lost *l,
			const struct perfrec_sample_id *sid, void *buf, size_t cap)
{
	return encode(fmt, header(PERF_RECORD_LOST, 0), l, sid, buf, cap);
}
