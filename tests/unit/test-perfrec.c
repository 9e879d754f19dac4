/* test-perfrec.c - perfrec_decode / perfrec_encode_*: round trips, kernel layout, malformed input. */
#include "perfrec.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sample_type bits we round-trip; WEIGHT stands for WEIGHT or WEIGHT_STRUCT. */
static const uint64_t sample_bits[] = {
	PERF_SAMPLE_IDENTIFIER, PERF_SAMPLE_IP, PERF_SAMPLE_TID, PERF_SAMPLE_TIME,
	PERF_SAMPLE_ADDR, PERF_SAMPLE_ID, PERF_SAMPLE_STREAM_ID, PERF_SAMPLE_CPU,
	PERF_SAMPLE_PERIOD, PERF_SAMPLE_READ, PERF_SAMPLE_CALLCHAIN, PERF_SAMPLE_RAW,
	PERF_SAMPLE_BRANCH_STACK, PERF_SAMPLE_REGS_USER, PERF_SAMPLE_STACK_USER,
	PERF_SAMPLE_WEIGHT, PERF_SAMPLE_DATA_SRC, PERF_SAMPLE_TRANSACTION,
	PERF_SAMPLE_REGS_INTR, PERF_SAMPLE_PHYS_ADDR, PERF_SAMPLE_CGROUP,
	PERF_SAMPLE_DATA_PAGE_SIZE, PERF_SAMPLE_CODE_PAGE_SIZE,
};
#define NBITS (sizeof(sample_bits) / sizeof(sample_bits[0]))

static const uint64_t read_formats[] = {
	0,
	PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
	PERF_FORMAT_ID | PERF_FORMAT_LOST,
	PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID,
	PERF_FORMAT_GROUP,
	PERF_FORMAT_GROUP | PERF_FORMAT_ID,
	PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
		PERF_FORMAT_ID | PERF_FORMAT_LOST,
};
#define NRF (sizeof(read_formats) / sizeof(read_formats[0]))

struct fixture {
	uint64_t callchain[7];
	unsigned char raw[13];
	uint64_t branches[4 * 3];
	uint64_t regs_user[5];
	uint64_t regs_intr[3];
	unsigned char stack[96];
};

#define REGS_USER_MASK 0x30015ULL    /* 5 bits */
#define REGS_INTR_MASK 0x8000000000000401ULL /* 3 bits */

static void fixture_init(struct fixture *f)
{
	for (size_t i = 0; i < 7; i++)
		f->callchain[i] = 0xffffffff81000000ULL + i * 0x1111;
	for (size_t i = 0; i < sizeof(f->raw); i++)
		f->raw[i] = 0xa0 + i;
	for (size_t i = 0; i < 12; i++)
		f->branches[i] = 0x400000 + i * 3;
	for (size_t i = 0; i < 5; i++)
		f->regs_user[i] = 0x7ffc0000 + i;
	for (size_t i = 0; i < 3; i++)
		f->regs_intr[i] = 0xdead0000 + i;
	for (size_t i = 0; i < sizeof(f->stack); i++)
		f->stack[i] = i * 7;
}

/* A sample for combination number i: the variable parts rotate with i. */
static void make_sample(const struct fixture *f, uint64_t i, uint64_t read_format,
			struct perfrec_sample *s)
{
	static const uint64_t group_nr[] = { 1, 3, PERFREC_MAX_READ_VALUES, 0 };

	memset(s, 0, sizeof(*s));
	s->identifier = 0x1d00 + i;
	s->ip = 0x401234 + i;
	s->pid = 1000 + i;
	s->tid = 2000 + i;
	s->time = 123456789000ULL + i;
	s->addr = 0xdeadbeef00ULL;
	s->id = 42 + i;
	s->stream_id = 43;
	s->cpu = i % 2;
	s->period = 10007;
	s->read.nr = (read_format & PERF_FORMAT_GROUP) ? group_nr[i % 4] : 1;
	s->read.time_enabled = 555 + i;
	s->read.time_running = 444;
	for (uint64_t k = 0; k < s->read.nr; k++) {
		s->read.values[k].value = 1000 * k + i;
		s->read.values[k].id = 77 + k;
		s->read.values[k].lost = k * 2;
	}
	s->callchain_nr = i % 11 == 0 ? 0 : 1 + i % 7;
	s->callchain = s->callchain_nr ? f->callchain : NULL;
	s->raw_size = i % 13 == 0 ? 0 : 1 + i % 13;
	s->raw = s->raw_size ? f->raw : NULL;
	s->branch_nr = i % 4;
	s->branches = s->branch_nr ? f->branches : NULL;
	s->regs_user_abi = i % 5 == 0 ? PERF_SAMPLE_REGS_ABI_NONE : PERF_SAMPLE_REGS_ABI_64;
	s->regs_user_nr = s->regs_user_abi ? 5 : 0;
	s->regs_user = s->regs_user_abi ? f->regs_user : NULL;
	s->stack_user_size = i % 3 == 0 ? 0 : 8 * (1 + i % 12);
	s->stack_user = s->stack_user_size ? f->stack : NULL;
	s->stack_user_dyn_size = s->stack_user_size ? s->stack_user_size - 8 * (i % 2) : 0;
	s->weight = 0x0001000200000003ULL;
	s->data_src = 0x68100142ULL;
	s->transaction = 0x5;
	s->regs_intr_abi = i % 6 == 1 ? PERF_SAMPLE_REGS_ABI_NONE : PERF_SAMPLE_REGS_ABI_32;
	s->regs_intr_nr = s->regs_intr_abi ? 3 : 0;
	s->regs_intr = s->regs_intr_abi ? f->regs_intr : NULL;
	s->phys_addr = 0x1234000;
	s->cgroup = 0x99;
	s->data_page_size = 4096;
	s->code_page_size = 2 << 20;
}

static int mem_eq(const void *a, const void *b, size_t n)
{
	if (!n)
		return 1;
	return a && b && memcmp(a, b, n) == 0;
}

/* PERF_SAMPLE_READ: NULL when g is what w's encoding under read_format rf must
 * decode to, else the field's name. */
static const char *read_diff(uint64_t rf, const struct perfrec_read *w,
			     const struct perfrec_read *g)
{
	int enabled = (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) != 0;
	int running = (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) != 0;

	if (g->nr != w->nr)
		return "read.nr";
	if (g->time_enabled != (enabled ? w->time_enabled : 0))
		return "read.time_enabled";
	if (g->time_running != (running ? w->time_running : 0))
		return "read.time_running";
	for (uint64_t k = 0; k < PERFREC_MAX_READ_VALUES; k++) {
		const struct perfrec_read_value *wv = &w->values[k], *gv = &g->values[k];
		int in = k < w->nr;

		if (gv->value != (in ? wv->value : 0))
			return "read.value";
		if (gv->id != (in && (rf & PERF_FORMAT_ID) ? wv->id : 0))
			return "read.id";
		if (gv->lost != (in && (rf & PERF_FORMAT_LOST) ? wv->lost : 0))
			return "read.lost";
	}
	return NULL;
}

/* NULL when got is what encoding want under fmt must decode to, else the field name.
 * Fields fmt does not carry must come back zero. */
static const char *sample_diff(const struct perfrec_format *fmt, const struct perfrec_sample *w,
			       const struct perfrec_sample *g)
{
	uint64_t st = fmt->sample_type;
	struct perfrec_sample z;
	const char *d;

	memset(&z, 0, sizeof(z));
#define HAS(bit) ((st & (bit)) != 0)
#define FIELD(bit, f) do { if (g->f != (HAS(bit) ? w->f : z.f)) return #f; } while (0)
/* A variable part: the same as w's when sampled, else absent. */
#define PART(bit, same, absent, name) do { \
	if (HAS(bit) ? !(same) : (absent)) \
		return HAS(bit) ? name : name " (absent)"; \
} while (0)
	FIELD(PERF_SAMPLE_IDENTIFIER, identifier); FIELD(PERF_SAMPLE_IP, ip);
	FIELD(PERF_SAMPLE_TID, pid); FIELD(PERF_SAMPLE_TID, tid);
	FIELD(PERF_SAMPLE_TIME, time); FIELD(PERF_SAMPLE_ADDR, addr);
	FIELD(PERF_SAMPLE_ID, id); FIELD(PERF_SAMPLE_STREAM_ID, stream_id);
	FIELD(PERF_SAMPLE_CPU, cpu); FIELD(PERF_SAMPLE_PERIOD, period);
	FIELD(PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT, weight);
	FIELD(PERF_SAMPLE_TRANSACTION, transaction); FIELD(PERF_SAMPLE_PHYS_ADDR, phys_addr);
	FIELD(PERF_SAMPLE_CGROUP, cgroup); FIELD(PERF_SAMPLE_DATA_PAGE_SIZE, data_page_size);
	FIELD(PERF_SAMPLE_DATA_SRC, data_src); FIELD(PERF_SAMPLE_CODE_PAGE_SIZE, code_page_size);
	if (HAS(PERF_SAMPLE_READ) && (d = read_diff(fmt->read_format, &w->read, &g->read)))
		return d;
	if (!HAS(PERF_SAMPLE_READ) && memcmp(&g->read, &z.read, sizeof(z.read)))
		return "read (absent)";
	if (HAS(PERF_SAMPLE_CALLCHAIN)) {
		if (g->callchain_nr != w->callchain_nr)
			return "callchain_nr";
		for (uint64_t k = 0; k < w->callchain_nr; k++)
			if (perfrec_callchain_at(g, k) != w->callchain[k])
				return "callchain";
	} else if (g->callchain_nr || g->callchain) {
		return "callchain (absent)";
	}
	if (HAS(PERF_SAMPLE_RAW)) {
		/* The kernel pads raw so that its u32 size plus data fill whole u64s. */
		uint32_t padded = ((4 + w->raw_size + 7) & ~7u) - 4;
		static const unsigned char zeros[8];

		if (g->raw_size != padded)
			return "raw_size";
		if (!mem_eq(g->raw, w->raw, w->raw_size))
			return "raw";
		if (memcmp((const char *)g->raw + w->raw_size, zeros, padded - w->raw_size))
			return "raw padding";
	} else if (g->raw_size || g->raw) {
		return "raw (absent)";
	}
	PART(PERF_SAMPLE_BRANCH_STACK,
	     g->branch_nr == w->branch_nr && mem_eq(g->branches, w->branches, w->branch_nr * 24),
	     g->branch_nr || g->branches, "branches");
	PART(PERF_SAMPLE_REGS_USER,
	     g->regs_user_abi == w->regs_user_abi && g->regs_user_nr == w->regs_user_nr &&
	     mem_eq(g->regs_user, w->regs_user, w->regs_user_nr * 8),
	     g->regs_user_abi || g->regs_user_nr || g->regs_user, "regs_user");
	PART(PERF_SAMPLE_REGS_INTR,
	     g->regs_intr_abi == w->regs_intr_abi && g->regs_intr_nr == w->regs_intr_nr &&
	     mem_eq(g->regs_intr, w->regs_intr, w->regs_intr_nr * 8),
	     g->regs_intr_abi || g->regs_intr_nr || g->regs_intr, "regs_intr");
	PART(PERF_SAMPLE_STACK_USER,
	     g->stack_user_size == w->stack_user_size &&
	     g->stack_user_dyn_size == w->stack_user_dyn_size &&
	     mem_eq(g->stack_user, w->stack_user, w->stack_user_size),
	     g->stack_user_size || g->stack_user || g->stack_user_dyn_size, "stack_user");
#undef PART
#undef FIELD
#undef HAS
	return NULL;
}

/* Every subset of sample_bits, each through encode -> decode (at an odd address
 * for half of them), with read_format, weight flavour and contents rotating. */
static void test_all_combinations(const struct fixture *f)
{
	static uint64_t store[(65536 + 16) / 8];
	uint64_t n = 1ULL << NBITS, failures = 0, checked = 0, max_size = 0, time_bad = 0;
	struct perfrec_sample s;
	struct perfrec r;

	for (uint64_t i = 0; i < n; i++) {
		struct perfrec_format fmt = {
			.read_format = read_formats[i % NRF],
			.regs_user_mask = REGS_USER_MASK,
			.regs_intr_mask = REGS_INTR_MASK,
			.sample_id_all = i & 1,
		};
		unsigned char *buf = (unsigned char *)store + (i & 2 ? 4 : 0);
		uint16_t misc = PERF_RECORD_MISC_USER | (i & 4 ? PERF_RECORD_MISC_EXACT_IP : 0);
		const char *diff = NULL;
		int size, err;

		for (size_t b = 0; b < NBITS; b++)
			if (i & (1ULL << b))
				fmt.sample_type |= sample_bits[b];
		/* WEIGHT_STRUCT shares WEIGHT's slot: use it for every other set. */
		if ((fmt.sample_type & PERF_SAMPLE_WEIGHT) && (i / NRF) % 2)
			fmt.sample_type ^= PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT;
		make_sample(f, i, fmt.read_format, &s);
		size = perfrec_encode_sample(&fmt, &s, misc, buf, 65536);
		if (size < 8 || size % 8) {
			diff = "encode";
			err = size;
		} else {
			err = perfrec_decode(&fmt, buf, size, &r);
			if (err)
				diff = "decode";
			else if (r.type != PERF_RECORD_SAMPLE || r.misc != misc || r.size != size ||
				 r.has_sid)
				diff = "header";
			else
				diff = sample_diff(&fmt, &s, &r.u.sample);
			if (!diff) {
				uint64_t t = 0;
				int tr = perfrec_time(&fmt, buf, size, &t);

				if ((fmt.sample_type & PERF_SAMPLE_TIME)
					    ? tr != 0 || t != r.u.sample.time : tr != -ENOENT)
					time_bad++;
			}
			if ((uint64_t)size > max_size)
				max_size = size;
		}
		checked++;
		if (diff && failures++ < 5)
			printf("# combination %#llx sample_type %#llx read_format %#llx: %s (%d)\n",
			       (unsigned long long)i, (unsigned long long)fmt.sample_type,
			       (unsigned long long)fmt.read_format, diff, err);
	}
	is_int(checked, n, "all %llu sample_type subsets tried", (unsigned long long)n);
	is_int(failures, 0, "every subset round-trips encode -> decode");
	is_int(time_bad, 0, "perfrec_time finds the decoded time in every subset (-ENOENT without)");
	ok(max_size > 1600, "largest sample (%llu bytes) holds a 64-value read group",
	   (unsigned long long)max_size);
}

/* Every shorter length of a record, as len and as header.size: -EINVAL. */
static int truncations_rejected(const struct perfrec_format *fmt, const void *rec, int size)
{
	unsigned char *copy = malloc(size);
	int bad = 0;
	struct perfrec r;

	for (int len = 0; len < size; len++) {
		uint16_t hs = len;

		/* An exact-size heap copy lets ASan/valgrind catch any overread. */
		memcpy(copy, rec, len);
		if (perfrec_decode(fmt, copy, len, &r) != -EINVAL)
			bad++;
		if (len >= 8) {
			memcpy(copy + 6, &hs, 2);
			if (perfrec_decode(fmt, copy, len, &r) != -EINVAL)
				bad++;
		}
	}
	free(copy);
	return bad == 0;
}

static void test_truncated_samples(const struct fixture *f)
{
	static const uint64_t types[] = {
		PERF_SAMPLE_IP,
		PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN,
		PERF_SAMPLE_RAW,
		PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_USER,
		PERF_SAMPLE_READ,
		PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_CODE_PAGE_SIZE,
		0x1ffffffULL & ~(uint64_t)(PERF_SAMPLE_WEIGHT_STRUCT | PERF_SAMPLE_AUX),
	};
	unsigned char buf[4096];
	struct perfrec_sample s;
	int all = 1;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (uint64_t v = 1; v < 4; v++) {
			struct perfrec_format fmt = {
				.sample_type = types[t],
				.read_format = read_formats[(t + v) % NRF],
				.regs_user_mask = REGS_USER_MASK,
				.regs_intr_mask = REGS_INTR_MASK,
			};
			int size;

			make_sample(f, v * 7 + 1, fmt.read_format, &s);
			size = perfrec_encode_sample(&fmt, &s, 0, buf, sizeof(buf));
			if (size < 0 || !truncations_rejected(&fmt, buf, size)) {
				printf("# sample_type %#llx variant %llu fails\n",
				       (unsigned long long)types[t], (unsigned long long)v);
				all = 0;
			}
		}
	}
	ok(all, "samples: every shorter length and header.size is rejected");
}

static void put64(unsigned char *p, size_t *off, uint64_t v)
{
	memcpy(p + *off, &v, 8);
	*off += 8;
}

static void put32x2(unsigned char *p, size_t *off, uint32_t a, uint32_t b)
{
	memcpy(p + *off, &a, 4);
	memcpy(p + *off + 4, &b, 4);
	*off += 8;
}

/* A sample laid out by hand, field by field in the order of linux/perf_event.h,
 * so that an encoder and decoder agreeing on a wrong order cannot pass. */
static void test_kernel_layout_sample(void)
{
	struct perfrec_format fmt = {
		.sample_type = 0x1ffffffULL & ~(uint64_t)(PERF_SAMPLE_WEIGHT | PERF_SAMPLE_AUX),
		.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
			PERF_FORMAT_ID,
		.regs_user_mask = 0x3,
		.regs_intr_mask = 0x1,
	};
	unsigned char b[1024], enc[1024];
	struct perf_event_header h = { PERF_RECORD_SAMPLE, PERF_RECORD_MISC_KERNEL, 0 };
	const struct perfrec_sample *s;
	size_t o = 8;
	uint32_t raw = 12;
	struct perfrec r;
	int err;

	memset(b, 0, sizeof(b));
	put64(b, &o, 1);                /* identifier */
	put64(b, &o, 2);                /* ip */
	put32x2(b, &o, 3, 4);           /* pid, tid */
	put64(b, &o, 5);                /* time */
	put64(b, &o, 6);                /* addr */
	put64(b, &o, 7);                /* id */
	put64(b, &o, 8);                /* stream_id */
	put32x2(b, &o, 9, 0);           /* cpu, res */
	put64(b, &o, 10);               /* period */
	put64(b, &o, 2);                /* read: nr */
	put64(b, &o, 11);               /* time_enabled */
	put64(b, &o, 12);               /* value 0 */
	put64(b, &o, 13);               /* id 0 */
	put64(b, &o, 14);               /* value 1 */
	put64(b, &o, 15);               /* id 1 */
	put64(b, &o, 2);                /* callchain nr */
	put64(b, &o, 16);
	put64(b, &o, 17);
	memcpy(b + o, &raw, 4);         /* raw size 12: 4 + 12 = 16 */
	memcpy(b + o + 4, "raw-payload", 12);
	o += 16;
	put64(b, &o, 1);                /* branch nr */
	put64(b, &o, 18);               /* from */
	put64(b, &o, 19);               /* to */
	put64(b, &o, 20);               /* flags */
	put64(b, &o, PERF_SAMPLE_REGS_ABI_64);
	put64(b, &o, 21);
	put64(b, &o, 22);
	put64(b, &o, 16);               /* stack size */
	put64(b, &o, 23);
	put64(b, &o, 24);
	put64(b, &o, 8);                /* dyn_size */
	put64(b, &o, 25);               /* weight (struct) */
	put64(b, &o, 26);               /* data_src */
	put64(b, &o, 27);               /* transaction */
	put64(b, &o, PERF_SAMPLE_REGS_ABI_64);
	put64(b, &o, 28);
	put64(b, &o, 29);               /* phys_addr */
	put64(b, &o, 30);               /* cgroup */
	put64(b, &o, 31);               /* data_page_size */
	put64(b, &o, 32);               /* code_page_size */
	h.size = o;
	memcpy(b, &h, 8);

	err = perfrec_decode(&fmt, b, o, &r);
	is_int(err, 0, "hand-laid kernel sample decodes");
	s = &r.u.sample;
	ok(s->identifier == 1 && s->ip == 2 && s->pid == 3 && s->tid == 4 && s->time == 5 &&
	   s->addr == 6 && s->id == 7 && s->stream_id == 8 && s->cpu == 9 && s->period == 10,
	   "fixed fields in kernel order");
	ok(s->read.nr == 2 && s->read.time_enabled == 11 && s->read.values[0].value == 12 &&
	   s->read.values[0].id == 13 && s->read.values[1].value == 14 &&
	   s->read.values[1].id == 15, "read group in kernel order");
	ok(s->callchain_nr == 2 && perfrec_callchain_at(s, 0) == 16 && perfrec_callchain_at(s, 1) == 17,
	   "callchain");
	ok(s->raw_size == 12 && memcmp(s->raw, "raw-payload", 12) == 0, "raw");
	ok(s->branch_nr == 1 && memcmp(s->branches, b + 8 * 22, 24) == 0, "branch stack");
	ok(s->regs_user_abi == 2 && s->regs_user_nr == 2 && s->stack_user_size == 16 &&
	   s->stack_user_dyn_size == 8 && s->weight == 25 && s->data_src == 26 &&
	   s->transaction == 27 && s->regs_intr_nr == 1 && s->phys_addr == 29 &&
	   s->cgroup == 30 && s->data_page_size == 31 && s->code_page_size == 32,
	   "tail fields in kernel order");
	err = perfrec_encode_sample(&fmt, s, PERF_RECORD_MISC_KERNEL, enc, sizeof(enc));
	ok(err == (int)o && memcmp(enc, b, o) == 0, "re-encoding gives the kernel's bytes");

	/* One byte more than the fields: the format does not describe it. */
	h.size = o + 8;
	memcpy(b, &h, 8);
	is_int(perfrec_decode(&fmt, b, o + 8, &r), -EINVAL, "leftover bytes in a sample: -EINVAL");
}

static int sid_eq(uint64_t st, const struct perfrec_sample_id *w, const struct perfrec_sample_id *g)
{
	return g->pid == (st & PERF_SAMPLE_TID ? w->pid : 0) &&
	       g->tid == (st & PERF_SAMPLE_TID ? w->tid : 0) &&
	       g->time == (st & PERF_SAMPLE_TIME ? w->time : 0) &&
	       g->id == (st & PERF_SAMPLE_ID ? w->id : 0) &&
	       g->stream_id == (st & PERF_SAMPLE_STREAM_ID ? w->stream_id : 0) &&
	       g->cpu == (st & PERF_SAMPLE_CPU ? w->cpu : 0) &&
	       g->identifier == (st & PERF_SAMPLE_IDENTIFIER ? w->identifier : 0);
}

static int body_eq(const struct perfrec *w, const struct perfrec *g)
{
	const struct perfrec_mmap *wm = &w->u.mmap, *gm = &g->u.mmap;

	switch (w->type) {
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2:
		return gm->pid == wm->pid && gm->tid == wm->tid && gm->addr == wm->addr &&
		       gm->len == wm->len && gm->pgoff == wm->pgoff &&
		       gm->is_mmap2 == (w->type == PERF_RECORD_MMAP2) &&
		       gm->maj == wm->maj && gm->min == wm->min && gm->ino == wm->ino &&
		       gm->ino_generation == wm->ino_generation &&
		       gm->build_id_size == wm->build_id_size &&
		       memcmp(gm->build_id, wm->build_id, 20) == 0 &&
		       gm->prot == wm->prot && gm->flags == wm->flags &&
		       gm->filename && strcmp(gm->filename, wm->filename) == 0;
	case PERF_RECORD_COMM:
		return g->u.comm.pid == w->u.comm.pid && g->u.comm.tid == w->u.comm.tid &&
		       g->u.comm.exec == w->u.comm.exec && g->u.comm.comm &&
		       strcmp(g->u.comm.comm, w->u.comm.comm) == 0;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		return memcmp(&g->u.fork, &w->u.fork, sizeof(w->u.fork)) == 0;
	case PERF_RECORD_LOST:
		return g->u.lost.id == w->u.lost.id && g->u.lost.lost == w->u.lost.lost;
	case PERF_RECORD_LOST_SAMPLES:
		return g->u.lost.id == 0 && g->u.lost.lost == w->u.lost.lost;
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE:
		return memcmp(&g->u.throttle, &w->u.throttle, sizeof(w->u.throttle)) == 0;
	case PERF_RECORD_SWITCH:
		return g->u.sw.out == w->u.sw.out && g->u.sw.preempt == w->u.sw.preempt &&
		       g->u.sw.next_prev_pid == 0 && g->u.sw.next_prev_tid == 0;
	case PERF_RECORD_SWITCH_CPU_WIDE:
		return memcmp(&g->u.sw, &w->u.sw, sizeof(w->u.sw)) == 0;
	}
	return 0;
}

static void make_others(struct perfrec *recs, size_t *n)
{
	struct perfrec *r;
	size_t k = 0;

#define NEXT(t, m) (r = &recs[k++], memset(r, 0, sizeof(*r)), r->type = (t), r->misc = (m))
	NEXT(PERF_RECORD_MMAP, PERF_RECORD_MISC_USER);
	r->u.mmap = (struct perfrec_mmap){ .pid = 10, .tid = 11, .addr = 0x400000, .len = 0x1000,
				       .pgoff = 0x200, .filename = "/usr/bin/true" };
	NEXT(PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL);
	r->u.mmap = (struct perfrec_mmap){ .pid = -1, .tid = 0, .addr = 0xffffffff81000000ULL,
				       .len = 0x2000000, .filename = "[kernel.kallsyms]_text" };
	NEXT(PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER | PERF_RECORD_MISC_MMAP_DATA);
	r->u.mmap = (struct perfrec_mmap){ .pid = 12, .tid = 13, .addr = 0x7f0000000000ULL,
				       .len = 0x21000, .pgoff = 0x1000, .maj = 8, .min = 1,
				       .ino = 123456, .ino_generation = 7, .prot = 5,
				       .flags = 2, .filename = "/lib/x86_64-linux-gnu/libc.so.6" };
	NEXT(PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	r->u.mmap = (struct perfrec_mmap){ .pid = 14, .tid = 14, .addr = 0x1000, .len = 0x1000,
				       .build_id_size = 20, .prot = 5, .flags = 2,
				       .filename = "1234567" };   /* 7 chars: NUL fills 8 */
	for (int b = 0; b < 20; b++)
		r->u.mmap.build_id[b] = 0xb0 + b;
	NEXT(PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER);
	r->u.mmap = (struct perfrec_mmap){ .pid = 15, .tid = 15, .build_id_size = 4,
				       .build_id = { 1, 2, 3, 4 }, .filename = "" };
	NEXT(PERF_RECORD_COMM, 0);
	r->u.comm = (struct perfrec_comm){ .pid = 20, .tid = 21, .comm = "worker-thread-1" };
	NEXT(PERF_RECORD_COMM, 0);
	r->u.comm = (struct perfrec_comm){ .pid = 22, .tid = 22, .exec = 1, .comm = "12345678" };
	NEXT(PERF_RECORD_FORK, 0);
	r->u.fork = (struct perfrec_fork){ 30, 31, 32, 33, 999 };
	NEXT(PERF_RECORD_EXIT, 0);
	r->u.fork = (struct perfrec_fork){ 34, 35, 36, 37, 1000 };
	NEXT(PERF_RECORD_LOST, 0);
	r->u.lost = (struct perfrec_lost){ 77, 12345 };
	NEXT(PERF_RECORD_LOST_SAMPLES, 0);
	r->u.lost = (struct perfrec_lost){ 0, 99 };
	NEXT(PERF_RECORD_THROTTLE, 0);
	r->u.throttle = (struct perfrec_throttle){ 1111, 2, 3 };
	NEXT(PERF_RECORD_UNTHROTTLE, 0);
	r->u.throttle = (struct perfrec_throttle){ 2222, 4, 5 };
	NEXT(PERF_RECORD_SWITCH, 0);
	r->u.sw = (struct perfrec_switch){ .out = 0 };
	NEXT(PERF_RECORD_SWITCH, 0);
	r->u.sw = (struct perfrec_switch){ .out = 1, .preempt = 1 };
	NEXT(PERF_RECORD_SWITCH_CPU_WIDE, 0);
	r->u.sw = (struct perfrec_switch){ .out = 1, .preempt = 0, .next_prev_pid = 40,
				       .next_prev_tid = 41 };
	NEXT(PERF_RECORD_SWITCH_CPU_WIDE, 0);
	r->u.sw = (struct perfrec_switch){ .out = 0, .next_prev_pid = 42, .next_prev_tid = 43 };
#undef NEXT
	*n = k;
}

/* Expected misc after encoding: the typed fields own their misc bits. */
static uint16_t want_misc(const struct perfrec *w)
{
	uint16_t m = w->misc;

	if (w->type == PERF_RECORD_COMM && w->u.comm.exec)
		m |= PERF_RECORD_MISC_COMM_EXEC;
	if (w->type == PERF_RECORD_MMAP2 && w->u.mmap.build_id_size)
		m |= PERF_RECORD_MISC_MMAP_BUILD_ID;
	if ((w->type == PERF_RECORD_SWITCH || w->type == PERF_RECORD_SWITCH_CPU_WIDE) &&
	    w->u.sw.out)
		m |= PERF_RECORD_MISC_SWITCH_OUT;
	if ((w->type == PERF_RECORD_SWITCH || w->type == PERF_RECORD_SWITCH_CPU_WIDE) &&
	    w->u.sw.preempt)
		m |= PERF_RECORD_MISC_SWITCH_OUT_PREEMPT;
	return m;
}

static void test_other_records(void)
{
	static const uint64_t sid_types[] = {
		0,
		PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
		PERF_SAMPLE_IDENTIFIER,
		PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
			PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER |
			PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_PERIOD,
	};
	const struct perfrec_sample_id sid = { 501, 502, 503, 504, 505, 1, 506 };
	struct perfrec recs[32], got;
	unsigned char buf[512];
	int rt_bad = 0, trunc_bad = 0, exact_bad = 0, time_bad = 0, cases = 0;
	size_t n;

	make_others(recs, &n);
	for (size_t t = 0; t < sizeof(sid_types) / sizeof(sid_types[0]); t++) {
		for (int all = 0; all <= 1; all++) {
			struct perfrec_format fmt = { .sample_type = sid_types[t], .sample_id_all = all };

			for (size_t k = 0; k < n; k++) {
				int size, err;

				recs[k].sid = sid;
				size = perfrec_encode(&fmt, &recs[k], buf, sizeof(buf));
				err = size < 0 ? size : perfrec_decode(&fmt, buf, size, &got);
				cases++;
				if (err || got.type != recs[k].type ||
				    got.misc != want_misc(&recs[k]) || got.size != size ||
				    got.has_sid != all || !body_eq(&recs[k], &got) ||
				    !sid_eq(all ? fmt.sample_type : 0, &sid, &got.sid)) {
					printf("# type %u sid_type %#llx all %d: err %d\n",
					       recs[k].type, (unsigned long long)fmt.sample_type,
					       all, err);
					rt_bad++;
					continue;
				}
				{
					uint64_t when = 0;
					int tr = perfrec_time(&fmt, buf, size, &when);

					if (all && (fmt.sample_type & PERF_SAMPLE_TIME)
						    ? tr != 0 || when != sid.time : tr != -ENOENT)
						time_bad++;
				}
				if (size != perfrec_encode(&fmt, &recs[k], buf, size) ||
				    perfrec_encode(&fmt, &recs[k], buf, size - 1) != -ENOSPC)
					exact_bad++;
				if (!truncations_rejected(&fmt, buf, size)) {
					printf("# type %u sid_type %#llx all %d: truncation accepted\n",
					       recs[k].type, (unsigned long long)fmt.sample_type,
					       all);
					trunc_bad++;
				}
			}
		}
	}
	ok(cases > 100, "%d non-sample cases", cases);
	is_int(rt_bad, 0, "non-sample records round-trip with and without sample_id_all");
	is_int(exact_bad, 0, "encoders fill exactly the reported size, -ENOSPC one byte short");
	is_int(trunc_bad, 0, "non-sample records: every shorter length is rejected");
	is_int(time_bad, 0, "perfrec_time reads the trailer's time (-ENOENT without one)");
}

static void test_wrappers_and_layout(void)
{
	struct perfrec_format fmt = { .sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME,
				  .sample_id_all = 1 };
	const struct perfrec_sample_id sid = { .pid = 7, .tid = 8, .time = 9 };
	struct perfrec_comm c = { .pid = 1, .tid = 2, .comm = "abc" };
	struct perfrec_mmap m = { .pid = 3, .tid = 4, .addr = 5, .len = 6, .pgoff = 7,
			      .build_id_size = 20, .prot = 1, .flags = 2, .filename = "/x" };
	struct perfrec_fork fk = { 1, 2, 3, 4, 5 };
	struct perfrec_lost l = { 6, 7 };
	unsigned char b[256], want[256];
	struct perf_event_header h;
	uint64_t u;
	struct perfrec r;
	int size;

	/* COMM "abc": header, pid/tid, "abc" NUL-padded to 8, then the trailer. */
	size = perfrec_encode_comm(&fmt, &c, &sid, b, sizeof(b));
	is_int(size, 8 + 8 + 8 + 16, "comm size as the kernel lays it out");
	ok(memcmp(b + 16, "abc\0\0\0\0\0", 8) == 0, "comm string NUL-padded to 8 bytes");
	memcpy(&u, b + 32, 8);
	is_int(u, 9, "sample_id trailer at the end (time)");
	is_int(perfrec_decode(&fmt, b, size, &r), 0, "comm decodes");
	is_str(r.u.comm.comm, "abc", "comm string");

	/* MMAP2 build id variant: u8 size, 3 reserved bytes, 20 bytes of id. */
	for (int i = 0; i < 20; i++)
		m.build_id[i] = i + 1;
	size = perfrec_encode_mmap2(&fmt, &m, &sid, b, sizeof(b));
	is_int(size, 8 + 32 + 24 + 8 + 8 + 16, "mmap2 build-id size");
	memcpy(&h, b, 8);
	ok(h.type == PERF_RECORD_MMAP2 && (h.misc & PERF_RECORD_MISC_MMAP_BUILD_ID) &&
	   (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_USER,
	   "mmap2 header: type, build-id flag, user mode");
	ok(b[40] == 20 && b[41] == 0 && b[42] == 0 && b[43] == 0 && b[44] == 1 && b[63] == 20,
	   "mmap2 build-id bytes where the kernel puts them");
	is_int(perfrec_decode(&fmt, b, size, &r), 0, "mmap2 decodes");
	ok(r.u.mmap.build_id_size == 20 && memcmp(r.u.mmap.build_id, m.build_id, 20) == 0 &&
	   r.u.mmap.maj == 0 && r.u.mmap.ino == 0, "mmap2 build id round trip");
	b[40] = 21;
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "mmap2 build_id_size 21: -EINVAL");
	m.build_id_size = 21;
	is_int(perfrec_encode_mmap2(&fmt, &m, &sid, b, sizeof(b)), -EINVAL,
	       "encoding build_id_size 21: -EINVAL");

	/* A filename with no NUL before the trailer. */
	m.build_id_size = 0;
	m.filename = "1234567";
	size = perfrec_encode_mmap2(&fmt, &m, &sid, b, sizeof(b));
	b[size - 16 - 1] = 'x';
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "unterminated filename: -EINVAL");

	size = perfrec_encode_fork(&fmt, PERF_RECORD_EXIT, &fk, &sid, b, sizeof(b));
	is_int(size, 8 + 24 + 16, "exit size");
	memcpy(&h, b, 8);
	is_int(h.type, PERF_RECORD_EXIT, "perfrec_encode_fork honours the type");
	is_int(perfrec_encode_fork(&fmt, PERF_RECORD_COMM, &fk, &sid, b, sizeof(b)), -EINVAL,
	       "perfrec_encode_fork refuses other types");
	size = perfrec_encode_lost(&fmt, &l, NULL, b, sizeof(b));
	is_int(size, 8 + 16 + 16, "lost size (NULL sid writes zeros)");
	is_int(perfrec_decode(&fmt, b, size, &r), 0, "lost decodes");
	ok(r.type == PERF_RECORD_LOST && r.u.lost.id == 6 && r.u.lost.lost == 7 && r.has_sid &&
	   r.sid.time == 0, "lost fields");

	/* Types we do not decode: header filled, -ENOTSUP. */
	memset(want, 0, 32);
	h = (struct perf_event_header){ PERF_RECORD_KSYMBOL, 3, 32 };
	memcpy(want, &h, 8);
	is_int(perfrec_decode(&fmt, want, 32, &r), -ENOTSUP, "KSYMBOL: -ENOTSUP");
	ok(r.type == PERF_RECORD_KSYMBOL && r.misc == 3 && r.size == 32, "header still filled");
	h.size = 12;
	memcpy(want, &h, 8);
	is_int(perfrec_decode(&fmt, want, 32, &r), -EINVAL, "size not a multiple of 8: -EINVAL");
	h.size = 0;
	memcpy(want, &h, 8);
	is_int(perfrec_decode(&fmt, want, 32, &r), -EINVAL, "size 0: -EINVAL");
	is_int(perfrec_decode(&fmt, NULL, 0, &r), -EINVAL, "NULL buffer: -EINVAL");
}

static void test_bad_formats(const struct fixture *f)
{
	struct perfrec_format fmt = { .sample_type = PERF_SAMPLE_READ,
				  .read_format = PERF_FORMAT_GROUP };
	unsigned char b[4096];
	struct perfrec_sample s;
	struct perfrec r;
	uint64_t nr;
	int size;

	make_sample(f, 1, fmt.read_format, &s);
	s.read.nr = PERFREC_MAX_READ_VALUES + 1;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "encoding a group of 65 values: -EINVAL");
	s.read.nr = PERFREC_MAX_READ_VALUES;
	size = perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b));
	is_int(size, 8 + 8 + 64 * 8, "group of 64 values encodes");
	nr = PERFREC_MAX_READ_VALUES + 1;
	memcpy(b + 8, &nr, 8);
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "decoding a group of 65 values: -EINVAL");

	fmt.read_format = 0;
	s.read.nr = 2;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "a non-group read with nr 2: -EINVAL");

	fmt.sample_type = PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "WEIGHT with WEIGHT_STRUCT: encode -EINVAL");
	fmt.sample_type = PERF_SAMPLE_WEIGHT;
	size = perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b));
	fmt.sample_type = PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT;
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "WEIGHT with WEIGHT_STRUCT: decode -EINVAL");

	fmt.sample_type = PERF_SAMPLE_STACK_USER;
	make_sample(f, 1, 0, &s);
	s.stack_user_dyn_size = s.stack_user_size + 8;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "stack dyn_size > size: encode -EINVAL");
	s.stack_user_dyn_size = 8;
	size = perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b));
	nr = s.stack_user_size + 8;
	memcpy(b + size - 8, &nr, 8);
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "stack dyn_size > size: decode -EINVAL");

	fmt.sample_type = PERF_SAMPLE_CALLCHAIN;
	size = perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b));
	nr = UINT64_MAX / 4;            /* nr * 8 overflows */
	memcpy(b + 8, &nr, 8);
	is_int(perfrec_decode(&fmt, b, size, &r), -EINVAL, "huge callchain nr: -EINVAL");

	fmt.sample_type = PERF_SAMPLE_REGS_USER;
	fmt.regs_user_mask = REGS_USER_MASK;
	s.regs_user_nr = 4;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "regs_user_nr != popcount(mask): -EINVAL");

	fmt.sample_type = 1ULL << 40;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, sizeof(b)), -EINVAL,
	       "unknown sample_type bit: encode -EINVAL");
	memset(b, 0, 16);
	b[0] = PERF_RECORD_SAMPLE;
	b[6] = 16;
	is_int(perfrec_decode(&fmt, b, 16, &r), -ENOTSUP, "unknown sample_type bit: decode -ENOTSUP");

	fmt.sample_type = PERF_SAMPLE_IP;
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, 15), -ENOSPC, "cap 15 for 16 bytes: -ENOSPC");
	is_int(perfrec_encode_sample(&fmt, &s, 0, b, 16), 16, "cap 16: fits");
}

int main(void)
{
	struct fixture f;

	fixture_init(&f);
	test_kernel_layout_sample();
	test_all_combinations(&f);
	test_truncated_samples(&f);
	test_other_records();
	test_wrappers_and_layout();
	test_bad_formats(&f);
	return done_testing();
}
