/* perfrec-int.h - what perfrec.c (decoding) and perfrecwrite.c (encoding)
 * share: the layouts both know, and the check of a format both depend on. */
#ifndef HWPROF_PERFREC_INT_H
#define HWPROF_PERFREC_INT_H

#include "perfrec.h"

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
#define PERFREC_BRANCH_ENTRY 24	/* struct perf_branch_entry: from, to, flags */
#define PERFREC_BUILD_ID_MAX 20

/* Checks a format both the decoder and the encoder depend on: 0, -ENOTSUP
 * (bits whose layout we do not know) or -EINVAL. */
int perfrec_format_check(const struct perfrec_format *fmt);

#endif
