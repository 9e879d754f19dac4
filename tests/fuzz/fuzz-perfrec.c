/* fuzz-perfrec.c - libFuzzer target: perfrec_decode on arbitrary bytes under a few formats.
 *
 *   clang -fsanitize=fuzzer,address -Isrc tests/fuzz/fuzz-perfrec.c src/perfrec.c
 *
 * The input is copied into an exact-size heap buffer so ASan sees any overread; every
 * pointer a successful decode hands out is read to its full claimed length; a decoded
 * sample must re-encode to the same size. */
#include "perfrec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct perfrec_format formats[] = {
	{ .sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
		PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN,
	  .sample_id_all = 1 },
	{ .sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN |
		PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
	  .read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_LOST |
		PERF_FORMAT_TOTAL_TIME_ENABLED,
	  .regs_user_mask = 0xff0fff, .sample_id_all = 1 },
	{ .sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_ADDR |
		PERF_SAMPLE_WEIGHT_STRUCT | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_REGS_INTR |
		PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_DATA_PAGE_SIZE,
	  .read_format = PERF_FORMAT_TOTAL_TIME_RUNNING, .regs_intr_mask = 0x7 },
	{ .sample_type = PERF_SAMPLE_READ | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_CGROUP |
		PERF_SAMPLE_TRANSACTION | PERF_SAMPLE_CODE_PAGE_SIZE | PERF_SAMPLE_ID |
		PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_WEIGHT,
	  .read_format = PERF_FORMAT_ID, .sample_id_all = 1 },
	{ .sample_type = PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_AUX | PERF_SAMPLE_TID },
	{ .sample_type = 0 },
};

static volatile uint64_t sink;

static void touch(const void *p, uint64_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0;

	for (uint64_t i = 0; i < n; i++)
		h += b[i];
	sink += h;
}

static void check_sample(const struct perfrec_format *fmt, const struct perfrec *r)
{
	static unsigned char out[65536];
	const struct perfrec_sample *s = &r->u.sample;
	int n;

	for (uint64_t i = 0; i < s->callchain_nr; i++)
		sink += perfrec_callchain_at(s, i);
	touch(s->raw, s->raw_size);
	touch(s->branches, s->branch_nr * 24);
	touch(s->regs_user, s->regs_user_nr * 8);
	touch(s->regs_intr, s->regs_intr_nr * 8);
	touch(s->stack_user, s->stack_user_size);
	if (s->stack_user_dyn_size > s->stack_user_size || s->read.nr > PERFREC_MAX_READ_VALUES)
		abort();
	/* The encoder writes an empty AUX area, so only formats without it re-encode
	 * byte for byte. */
	if (fmt->sample_type & PERF_SAMPLE_AUX)
		return;
	n = perfrec_encode_sample(fmt, s, r->misc, out, sizeof(out));
	if (n != r->size)
		abort();
}

/* perfrec_trim_stack on the same input: it cuts only what decodes, and what
 * it writes decodes to the same sample with the stack copy cut. */
static void trim_check(const struct perfrec_format *fmt, const unsigned char *buf, size_t size,
		       const struct perfrec *r, int err)
{
	unsigned char *out = malloc(size ? size : 1);
	struct perfrec t;
	size_t len = 0;
	int got;

	if (!out)
		return;
	got = perfrec_trim_stack(fmt, buf, size, out, &len);
	if (got == 0) {
		if (err || r->type != PERF_RECORD_SAMPLE || len >= r->size ||
		    perfrec_decode(fmt, out, len, &t) != 0 ||
		    t.u.sample.stack_user_dyn_size != r->u.sample.stack_user_dyn_size ||
		    t.u.sample.stack_user_size <= t.u.sample.stack_user_dyn_size ||
		    t.u.sample.time != r->u.sample.time || t.u.sample.ip != r->u.sample.ip ||
		    memcmp(t.u.sample.stack_user, r->u.sample.stack_user,
			   t.u.sample.stack_user_dyn_size) != 0)
			abort();
	} else if (got != 1 && got != -EINVAL) {
		abort();
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1);
	struct perfrec r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		int err = perfrec_decode(&formats[f], buf, size, &r);

		trim_check(&formats[f], buf, size, &r, err);
		if (err == -EINVAL || err == -ENOTSUP)
			continue;
		if (err || r.size > size)
			abort();
		switch (r.type) {
		case PERF_RECORD_SAMPLE:
			check_sample(&formats[f], &r);
			break;
		case PERF_RECORD_MMAP:
		case PERF_RECORD_MMAP2:
			sink += strlen(r.u.mmap.filename);
			if (r.u.mmap.build_id_size > 20)
				abort();
			break;
		case PERF_RECORD_COMM:
			sink += strlen(r.u.comm.comm);
			break;
		}
	}
	free(buf);
	return 0;
}
