/* test-perfrec.c - perfrec_decode / perfrec_encode_sample on samples: round
 * trips of every sample_type subset, kernel layout, malformed input.  The
 * other records: test-perfrec-records.c. */
#include "perfrec.h"
#include "tap.h"
#include "truncations.h"

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

/* perfrec_trim_stack: the copy cut to dyn_size plus a word, every other
 * field as it was, and nothing done where there is nothing to cut. */
static void test_trim_stack(const struct fixture *f)
{
	static const uint64_t types[] = {
		PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_USER,
		PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN |
			PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_USER,
		0x1ffffffULL & ~(uint64_t)(PERF_SAMPLE_WEIGHT_STRUCT | PERF_SAMPLE_AUX),
	};
	static const uint64_t dyns[] = { 0, 13, 16, 88 };
	static uint64_t in[8192], out[8192];
	size_t bad = 0, trimmed = 0, kept = 0;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t d = 0; d < sizeof(dyns) / sizeof(dyns[0]); d++) {
			struct perfrec_format fmt = { .sample_type = types[t],
						      .regs_user_mask = REGS_USER_MASK,
						      .regs_intr_mask = REGS_INTR_MASK };
			struct perfrec_sample s;
			struct perfrec r;
			size_t len = 0;
			int size, got;

			make_sample(f, 1, 0, &s);
			s.stack_user_size = 96;
			s.stack_user = f->stack;
			s.stack_user_dyn_size = dyns[d];
			size = perfrec_encode_sample(&fmt, &s, PERF_RECORD_MISC_USER, in, sizeof(in));
			memset(out, 0xaa, sizeof(out));
			got = perfrec_trim_stack(&fmt, in, (size_t)size, out, &len);
			if (dyns[d] == 88) {
				/* 88 + a word is the whole room: nothing to cut. */
				kept += got == 1;
				bad += got != 1;
				continue;
			}
			s.stack_user_size = (dyns[d] + 8) & ~7ULL;
			if (got != 0 || len != (size_t)size - (96 - s.stack_user_size) ||
			    perfrec_decode(&fmt, out, len, &r) != 0 || r.size != len ||
			    sample_diff(&fmt, &s, &r.u.sample) != NULL)
				bad++;
			else
				trimmed++;
		}
	}
	is_int(bad, 0, "a trimmed sample decodes to the same sample with a shorter stack copy");
	is_int(trimmed, 9, "copies filled to 0, 13 and 16 of 96 bytes are cut");
	is_int(kept, 3, "a copy filled to its last word is left alone");
	{
		struct perfrec_format fmt = { .sample_type = PERF_SAMPLE_IP };
		size_t len = 0;
		struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = 16 };

		memset(in, 0, 16);
		memcpy(in, &h, sizeof(h));
		is_int(perfrec_trim_stack(&fmt, in, 16, out, &len), 1,
		       "a sample without a stack copy: nothing to do");
		fmt.sample_type |= PERF_SAMPLE_STACK_USER;
		is_int(perfrec_trim_stack(&fmt, in, 16, out, &len), -EINVAL,
		       "a sample too short for its stack copy: -EINVAL");
	}
}

int main(void)
{
	struct fixture f;

	fixture_init(&f);
	test_kernel_layout_sample();
	test_all_combinations(&f);
	test_truncated_samples(&f);
	test_bad_formats(&f);
	test_trim_stack(&f);
	return done_testing();
}
