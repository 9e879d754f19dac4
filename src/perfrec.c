/* perfrec.c - see perfrec.h: decoding (encoding is perfrecwrite.c). */
#include "perfrec.h"
#include "perfrec-int.h"

#include <errno.h>
#include <string.h>

#define PERFREC_SID_BITS (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
	PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)

int perfrec_format_check(const struct perfrec_format *fmt)
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

	err = perfrec_format_check(fmt);
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

