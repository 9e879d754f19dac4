/* perfrec.c - see perfrec.h. */
#include "perfrec.h"

#include <errno.h>
#include <string.h>

/* The sample_type bits whose layout we know.  AUX is skipped when decoding. */
#define PERFREC_SAMPLE_KNOWN (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
	PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | \
	PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | \
	PERF_SAMPLE_RAW | PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_USER | \
	PERF_SAMPLE_STACK_USER | PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT | \
	PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_TRANSACTION | PERF_SAMPLE_REGS_INTR | \
	PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_AUX | PERF_SAMPLE_CGROUP | \
	PERF_SAMPLE_DATA_PAGE_SIZE | PERF_SAMPLE_CODE_PAGE_SIZE)
#define PERFREC_READ_KNOWN (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | \
	PERF_FORMAT_ID | PERF_FORMAT_GROUP | PERF_FORMAT_LOST)
#define PERFREC_SID_BITS (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
	PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)
#define PERFREC_BRANCH_ENTRY 24	/* struct perf_branch_entry: from, to, flags */
#define PERFREC_BUILD_ID_MAX 20

/* Checks a format both the decoder and the encoder depend on. */
static int format_check(const struct perfrec_format *fmt)
{
	uint64_t st = fmt->sample_type;

	if (st & ~(uint64_t)PERFREC_SAMPLE_KNOWN || fmt->read_format & ~(uint64_t)PERFREC_READ_KNOWN)
		return -ENOTSUP;
	/* The kernel refuses both at once: they share one u64 slot. */
	if ((st & PERF_SAMPLE_WEIGHT) && (st & PERF_SAMPLE_WEIGHT_STRUCT))
		return -EINVAL;
	return 0;
}

static size_t sid_size(uint64_t st)
{
	return 8 * (size_t)__builtin_popcountll(st & PERFREC_SID_BITS);
}

/* ---- reading ----
 * A cursor over [pos, end) with a sticky error: once a read runs past end, every
 * later read returns zeros/NULL and the caller checks rd.err once at the end. */

struct rd {
	const unsigned char *p;
	size_t pos, end;
	int err;
};

static uint64_t rd_u64(struct rd *r)
{
	uint64_t v = 0;

	if (r->err || r->end - r->pos < 8) {
		r->err = -EINVAL;
		return 0;
	}
	memcpy(&v, r->p + r->pos, 8);
	r->pos += 8;
	return v;
}

static void rd_u32x2(struct rd *r, uint32_t *a, uint32_t *b)
{
	if (r->err || r->end - r->pos < 8) {
		r->err = -EINVAL;
		*a = *b = 0;
		return;
	}
	memcpy(a, r->p + r->pos, 4);
	memcpy(b, r->p + r->pos + 4, 4);
	r->pos += 8;
}

/* nr elements of elem bytes; the division keeps nr * elem from overflowing. */
static const void *rd_array(struct rd *r, uint64_t nr, size_t elem)
{
	const void *at;

	if (r->err || nr > (r->end - r->pos) / elem) {
		r->err = -EINVAL;
		return NULL;
	}
	at = r->p + r->pos;
	r->pos += nr * elem;
	return at;
}

/* A NUL-terminated string filling the rest of the cursor (kernel pads to 8). */
static const char *rd_str(struct rd *r)
{
	const char *s = (const char *)r->p + r->pos;

	if (r->err || r->pos == r->end || !memchr(s, 0, r->end - r->pos)) {
		r->err = -EINVAL;
		return NULL;
	}
	r->pos = r->end;
	return s;
}

static void rd_sid(struct rd *r, uint64_t st, struct perfrec_sample_id *sid)
{
	uint32_t res;

	if (st & PERF_SAMPLE_TID)
		rd_u32x2(r, &sid->pid, &sid->tid);
	if (st & PERF_SAMPLE_TIME)
		sid->time = rd_u64(r);
	if (st & PERF_SAMPLE_ID)
		sid->id = rd_u64(r);
	if (st & PERF_SAMPLE_STREAM_ID)
		sid->stream_id = rd_u64(r);
	if (st & PERF_SAMPLE_CPU)
		rd_u32x2(r, &sid->cpu, &res);
	if (st & PERF_SAMPLE_IDENTIFIER)
		sid->identifier = rd_u64(r);
}

static int rd_read_format(struct rd *r, uint64_t rf, struct perfrec_read *v)
{
	uint64_t nr = 1;

	if (rf & PERF_FORMAT_GROUP) {
		nr = rd_u64(r);
		if (nr > PERFREC_MAX_READ_VALUES)
			return -EINVAL;
	} else {
		v->values[0].value = rd_u64(r);
	}
	v->nr = nr;
	if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
		v->time_enabled = rd_u64(r);
	if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
		v->time_running = rd_u64(r);
	for (uint64_t i = 0; i < nr && !r->err; i++) {
		if (rf & PERF_FORMAT_GROUP)
			v->values[i].value = rd_u64(r);
		if (rf & PERF_FORMAT_ID)
			v->values[i].id = rd_u64(r);
		if (rf & PERF_FORMAT_LOST)
			v->values[i].lost = rd_u64(r);
	}
	return r->err;
}

static void rd_regs(struct rd *r, uint64_t mask, uint64_t *abi, uint64_t *nr,
		    const uint64_t **regs)
{
	*abi = rd_u64(r);
	/* PERF_SAMPLE_REGS_ABI_NONE (e.g. a kernel thread) carries no registers. */
	if (*abi == PERF_SAMPLE_REGS_ABI_NONE)
		return;
	*nr = __builtin_popcountll(mask);
	*regs = rd_array(r, *nr, 8);
}

static int decode_sample(const struct perfrec_format *fmt, struct rd *r, struct perfrec_sample *s)
{
	uint64_t st = fmt->sample_type;
	uint32_t res;
	int err;

	err = format_check(fmt);
	if (err)
		return err;
	if (st & PERF_SAMPLE_IDENTIFIER)
		s->identifier = rd_u64(r);
	if (st & PERF_SAMPLE_IP)
		s->ip = rd_u64(r);
	if (st & PERF_SAMPLE_TID)
		rd_u32x2(r, &s->pid, &s->tid);
	if (st & PERF_SAMPLE_TIME)
		s->time = rd_u64(r);
	if (st & PERF_SAMPLE_ADDR)
		s->addr = rd_u64(r);
	if (st & PERF_SAMPLE_ID)
		s->id = rd_u64(r);
	if (st & PERF_SAMPLE_STREAM_ID)
		s->stream_id = rd_u64(r);
	if (st & PERF_SAMPLE_CPU)
		rd_u32x2(r, &s->cpu, &res);
	if (st & PERF_SAMPLE_PERIOD)
		s->period = rd_u64(r);
	if (st & PERF_SAMPLE_READ) {
		err = rd_read_format(r, fmt->read_format, &s->read);
		if (err)
			return err;
	}
	if (st & PERF_SAMPLE_CALLCHAIN) {
		s->callchain_nr = rd_u64(r);
		s->callchain = rd_array(r, s->callchain_nr, 8);
	}
	if (st & PERF_SAMPLE_RAW) {
		const uint32_t *sz = rd_array(r, 1, 4);

		if (sz)
			memcpy(&s->raw_size, sz, 4);
		s->raw = rd_array(r, s->raw_size, 1);
	}
	if (st & PERF_SAMPLE_BRANCH_STACK) {
		s->branch_nr = rd_u64(r);
		s->branches = rd_array(r, s->branch_nr, PERFREC_BRANCH_ENTRY);
	}
	if (st & PERF_SAMPLE_REGS_USER)
		rd_regs(r, fmt->regs_user_mask, &s->regs_user_abi, &s->regs_user_nr,
			&s->regs_user);
	if (st & PERF_SAMPLE_STACK_USER) {
		s->stack_user_size = rd_u64(r);
		/* dyn_size is only there when something was reserved. */
		if (s->stack_user_size) {
			s->stack_user = rd_array(r, s->stack_user_size, 1);
			s->stack_user_dyn_size = rd_u64(r);
			/* Consumers trust dyn_size to index stack_user. */
			if (s->stack_user_dyn_size > s->stack_user_size)
				return -EINVAL;
		}
	}
	if (st & (PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT))
		s->weight = rd_u64(r);
	if (st & PERF_SAMPLE_DATA_SRC)
		s->data_src = rd_u64(r);
	if (st & PERF_SAMPLE_TRANSACTION)
		s->transaction = rd_u64(r);
	if (st & PERF_SAMPLE_REGS_INTR)
		rd_regs(r, fmt->regs_intr_mask, &s->regs_intr_abi, &s->regs_intr_nr,
			&s->regs_intr);
	if (st & PERF_SAMPLE_PHYS_ADDR)
		s->phys_addr = rd_u64(r);
	if (st & PERF_SAMPLE_CGROUP)
		s->cgroup = rd_u64(r);
	if (st & PERF_SAMPLE_DATA_PAGE_SIZE)
		s->data_page_size = rd_u64(r);
	if (st & PERF_SAMPLE_CODE_PAGE_SIZE)
		s->code_page_size = rd_u64(r);
	if (st & PERF_SAMPLE_AUX) {
		uint64_t aux = rd_u64(r);

		rd_array(r, aux, 1);
	}
	if (r->err)
		return r->err;
	/* Leftover bytes mean fmt does not describe this record. */
	return r->pos == r->end ? 0 : -EINVAL;
}

static void decode_mmap(struct rd *r, int is2, uint16_t misc, struct perfrec_mmap *m)
{
	m->is_mmap2 = is2;
	rd_u32x2(r, &m->pid, &m->tid);
	m->addr = rd_u64(r);
	m->len = rd_u64(r);
	m->pgoff = rd_u64(r);
	if (is2) {
		if (misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			/* u8 size, u8 + u16 reserved, u8 build_id[20] */
			const unsigned char *b = rd_array(r, 24, 1);

			if (b) {
				m->build_id_size = b[0];
				memcpy(m->build_id, b + 4, PERFREC_BUILD_ID_MAX);
				if (m->build_id_size > PERFREC_BUILD_ID_MAX)
					r->err = -EINVAL;
			}
		} else {
			rd_u32x2(r, &m->maj, &m->min);
			m->ino = rd_u64(r);
			m->ino_generation = rd_u64(r);
		}
		rd_u32x2(r, &m->prot, &m->flags);
	}
	m->filename = rd_str(r);
}

static void decode_other(struct rd *r, uint32_t type, uint16_t misc, struct perfrec *out)
{
	switch (type) {
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		decode_mmap(r, type == PERF_RECORD_MMAP2, misc, &out->u.mmap);
		break;
	case PERF_RECORD_COMM:
		rd_u32x2(r, &out->u.comm.pid, &out->u.comm.tid);
		out->u.comm.exec = !!(misc & PERF_RECORD_MISC_COMM_EXEC);
		out->u.comm.comm = rd_str(r);
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		rd_u32x2(r, &out->u.fork.pid, &out->u.fork.ppid);
		rd_u32x2(r, &out->u.fork.tid, &out->u.fork.ptid);
		out->u.fork.time = rd_u64(r);
		break;
	case PERF_RECORD_LOST:
		out->u.lost.id = rd_u64(r);
		out->u.lost.lost = rd_u64(r);
		break;
	case PERF_RECORD_LOST_SAMPLES:
		out->u.lost.lost = rd_u64(r);
		break;
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE:
		out->u.throttle.time = rd_u64(r);
		out->u.throttle.id = rd_u64(r);
		out->u.throttle.stream_id = rd_u64(r);
		break;
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		out->u.sw.out = !!(misc & PERF_RECORD_MISC_SWITCH_OUT);
		out->u.sw.preempt = !!(misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
		if (type == PERF_RECORD_SWITCH_CPU_WIDE)
			rd_u32x2(r, &out->u.sw.next_prev_pid, &out->u.sw.next_prev_tid);
		break;
	}
}

static int known_other(uint32_t type)
{
	switch (type) {
	case PERF_RECORD_MMAP: case PERF_RECORD_MMAP2: case PERF_RECORD_COMM:
	case PERF_RECORD_FORK: case PERF_RECORD_EXIT: case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES: case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE: case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:
		return 1;
	}
	return 0;
}

int perfrec_time(const struct perfrec_format *fmt, const void *buf, size_t len, uint64_t *time)
{
	struct perf_event_header h;
	uint64_t st = fmt->sample_type;
	size_t pos;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.size < sizeof(h) || h.size > len || h.size % 8)
		return -EINVAL;
	if (!(st & PERF_SAMPLE_TIME))
		return -ENOENT;
	if (h.type == PERF_RECORD_SAMPLE) {
		/* IDENTIFIER, IP and TID come before TIME, a u64 each. */
		pos = sizeof(h) + 8 * (size_t)__builtin_popcountll(
			st & (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID));
	} else {
		if (!fmt->sample_id_all || !known_other(h.type))
			return -ENOENT;
		/* The trailer: TID, then TIME, at the record's end. */
		if (sid_size(st) > h.size - sizeof(h))
			return -EINVAL;
		pos = h.size - sid_size(st) + ((st & PERF_SAMPLE_TID) ? 8 : 0);
	}
	if (pos + 8 > h.size)
		return -EINVAL;
	memcpy(time, (const char *)buf + pos, 8);
	return 0;
}

int perfrec_trim_stack(const struct perfrec_format *fmt, const void *buf, size_t len, void *out,
		       size_t *out_len)
{
	struct perfrec rec;
	const struct perfrec_sample *s = &rec.u.sample;
	struct perf_event_header h;
	uint64_t keep;
	size_t data, rest;

	if (!(fmt->sample_type & PERF_SAMPLE_STACK_USER) || len < sizeof(h))
		return 1;
	/* Only samples are decoded: this runs on every record of a batch. */
	memcpy(&h, buf, sizeof(h));
	if (h.type != PERF_RECORD_SAMPLE)
		return 1;
	if (perfrec_decode(fmt, buf, len, &rec) < 0)
		return -EINVAL;
	keep = (s->stack_user_dyn_size + 8) & ~(uint64_t)7;
	if (!s->stack_user || keep >= s->stack_user_size)
		return 1;
	/* [header ... size][data: size bytes][dyn_size ... the record's end] */
	data = (size_t)((const char *)s->stack_user - (const char *)buf);
	rest = data + (size_t)s->stack_user_size;
	memcpy(out, buf, data + (size_t)keep);
	memcpy((char *)out + data - 8, &keep, 8);
	memcpy((char *)out + data + keep, (const char *)buf + rest, h.size - rest);
	*out_len = h.size - (size_t)(s->stack_user_size - keep);
	h.size = (uint16_t)*out_len;
	memcpy(out, &h, sizeof(h));
	return 0;
}

int perfrec_decode(const struct perfrec_format *fmt, const void *buf, size_t len, struct perfrec *out)
{
	struct perf_event_header h;
	struct rd r = { .p = buf };
	size_t body_end;

	memset(out, 0, sizeof(*out));
	if (!fmt || !buf || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	out->type = h.type;
	out->misc = h.misc;
	out->size = h.size;
	/* The kernel writes whole u64s: anything else is corruption or a bad length. */
	if (h.size < sizeof(h) || h.size > len || h.size % 8)
		return -EINVAL;
	r.pos = sizeof(h);
	r.end = h.size;
	if (h.type == PERF_RECORD_SAMPLE)
		return decode_sample(fmt, &r, &out->u.sample);
	if (!known_other(h.type))
		return -ENOTSUP;

	/* The sample_id trailer sits at the very end, after any padded string. */
	body_end = h.size;
	if (fmt->sample_id_all) {
		struct rd t = { .p = buf };
		size_t ss = sid_size(fmt->sample_type);

		if (ss > h.size - sizeof(h))
			return -EINVAL;
		body_end = h.size - ss;
		t.pos = body_end;
		t.end = h.size;
		rd_sid(&t, fmt->sample_type, &out->sid);
		out->has_sid = 1;
	}
	r.end = body_end;
	decode_other(&r, h.type, h.misc, out);
	if (r.err)
		return r.err;
	return r.pos == r.end ? 0 : -EINVAL;
}

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

	err = format_check(fmt);
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
