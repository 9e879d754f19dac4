/* perfrec.h - decode (and, for tests and tools, encode) one perf_event record.
 *
 * Pure functions over (buf, len): no I/O, no allocation, fuzzable.  Pointers in a
 * decoded record point into the caller's buffer and live as long as it does. */
#ifndef HWPROF_PERFREC_H
#define HWPROF_PERFREC_H

#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

/* What the kernel was asked to put in each record: needed to decode it. */
struct perfrec_format {
	uint64_t sample_type;     /* PERF_SAMPLE_* bits */
	uint64_t read_format;     /* PERF_FORMAT_* bits */
	uint64_t regs_user_mask;  /* attr.sample_regs_user */
	uint64_t regs_intr_mask;  /* attr.sample_regs_intr */
	int sample_id_all;        /* non-sample records carry a sample_id trailer */
};

/* The sample_id trailer of non-sample records (fields valid per sample_type). */
struct perfrec_sample_id {
	uint32_t pid, tid;
	uint64_t time, id, stream_id;
	uint32_t cpu;
	uint64_t identifier;
};

#define PERFREC_MAX_READ_VALUES 64

struct perfrec_read_value {
	uint64_t value, id, lost;
};

/* PERF_SAMPLE_READ: one value, or a group (nr values) when PERF_FORMAT_GROUP. */
struct perfrec_read {
	uint64_t time_enabled, time_running;
	uint64_t nr;
	struct perfrec_read_value values[PERFREC_MAX_READ_VALUES];
};

struct perfrec_sample {
	uint64_t identifier, ip;
	uint32_t pid, tid;
	uint64_t time, addr, id, stream_id;
	uint32_t cpu;
	uint64_t period;
	struct perfrec_read read;
	uint64_t callchain_nr;
	const uint64_t *callchain;        /* unaligned-safe: read with memcpy */
	uint32_t raw_size;
	const void *raw;
	uint64_t branch_nr;
	const void *branches;             /* struct perf_branch_entry[branch_nr] */
	uint64_t regs_user_abi;
	uint64_t regs_user_nr;            /* popcount(regs_user_mask) when abi != 0 */
	const uint64_t *regs_user;
	uint64_t stack_user_size;         /* bytes reserved */
	const void *stack_user;
	uint64_t stack_user_dyn_size;     /* bytes actually copied (when size > 0) */
	uint64_t weight;
	uint64_t data_src;
	uint64_t transaction;
	uint64_t regs_intr_abi;
	uint64_t regs_intr_nr;
	const uint64_t *regs_intr;
	uint64_t phys_addr;
	uint64_t cgroup;
	uint64_t data_page_size;
	uint64_t code_page_size;
};

struct perfrec_mmap {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	int is_mmap2;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint8_t build_id_size;          /* > 0 when PERF_RECORD_MISC_MMAP_BUILD_ID */
	uint8_t build_id[20];
	uint32_t prot, flags;
	const char *filename;           /* NUL-terminated inside the buffer */
};

struct perfrec_comm {
	uint32_t pid, tid;
	int exec;                       /* PERF_RECORD_MISC_COMM_EXEC */
	const char *comm;
};

struct perfrec_fork {                       /* PERF_RECORD_FORK and PERF_RECORD_EXIT */
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

struct perfrec_lost {                       /* PERF_RECORD_LOST and PERF_RECORD_LOST_SAMPLES */
	uint64_t id, lost;
};

struct perfrec_throttle {                   /* PERF_RECORD_THROTTLE / UNTHROTTLE */
	uint64_t time, id, stream_id;
};

struct perfrec_switch {                     /* PERF_RECORD_SWITCH / SWITCH_CPU_WIDE */
	int out, preempt;
	uint32_t next_prev_pid, next_prev_tid;  /* CPU-wide only */
};

struct perfrec {
	uint32_t type;                  /* PERF_RECORD_* */
	uint16_t misc;
	uint16_t size;
	union {
		struct perfrec_sample sample;
		struct perfrec_mmap mmap;
		struct perfrec_comm comm;
		struct perfrec_fork fork;
		struct perfrec_lost lost;
		struct perfrec_throttle throttle;
		struct perfrec_switch sw;
	} u;
	struct perfrec_sample_id sid;       /* trailer, when sample_id_all (not for samples) */
	int has_sid;
};

/* Decode the record in buf[0..len).  Returns 0, -EINVAL for a malformed or truncated
 * record, -ENOTSUP for a record type we do not decode (header fields still filled). */
int perfrec_decode(const struct perfrec_format *fmt, const void *buf, size_t len, struct perfrec *out);

/* A sample's user stack copy keeps the room it asked for (PERF_SAMPLE_STACK_USER's
 * size), however little of it the kernel filled (dyn_size).  Copy the record in
 * buf[0..len) to out (len bytes of room) with that copy cut to what was filled,
 * plus one word, so that a copy that was not full still reads as such; *out_len
 * its new length.  0: copied and cut; 1: nothing to cut, nothing copied (any
 * other record, a full copy); -EINVAL: malformed. */
int perfrec_trim_stack(const struct perfrec_format *fmt, const void *buf, size_t len, void *out,
		       size_t *out_len);

/* Just the timestamp of the record in buf[0..len), cheaply (no full decode):
 * for sorting records from several rings.  Returns 0 and sets *time, or
 * -ENOENT when the record carries no time (fmt has no PERF_SAMPLE_TIME, or a
 * non-sample record without sample_id_all), -EINVAL when malformed. */
int perfrec_time(const struct perfrec_format *fmt, const void *buf, size_t len, uint64_t *time);

/* Encode a sample as the kernel would lay it out for fmt.  Returns the record size,
 * or -ENOSPC when cap is too small, -EINVAL for values fmt cannot carry. */
int perfrec_encode_sample(const struct perfrec_format *fmt, const struct perfrec_sample *s, uint16_t misc,
			  void *buf, size_t cap);

/* Encode non-sample records (sid is appended when fmt->sample_id_all). */
int perfrec_encode_mmap2(const struct perfrec_format *fmt, const struct perfrec_mmap *m,
			 const struct perfrec_sample_id *sid, void *buf, size_t cap);
int perfrec_encode_comm(const struct perfrec_format *fmt, const struct perfrec_comm *c,
			const struct perfrec_sample_id *sid, void *buf, size_t cap);
int perfrec_encode_fork(const struct perfrec_format *fmt, uint32_t type, const struct perfrec_fork *f,
			const struct perfrec_sample_id *sid, void *buf, size_t cap);
int perfrec_encode_lost(const struct perfrec_format *fmt, const struct perfrec_lost *l,
			const struct perfrec_sample_id *sid, void *buf, size_t cap);

/* Encode any record perfrec_decode understands from r->type, r->misc, the matching r->u
 * member and r->sid (appended when fmt->sample_id_all; r->size is ignored).  The typed
 * fields set their misc bits (comm exec, switch out/preempt, mmap2 build id); other
 * misc bits (cpumode, MMAP_DATA) come from r->misc.  Returns like perfrec_encode_sample,
 * or -ENOTSUP for other types.  perfrec_encode_mmap2 sets misc PERF_RECORD_MISC_USER. */
int perfrec_encode(const struct perfrec_format *fmt, const struct perfrec *r, void *buf, size_t cap);

/* A callchain entry (handles unaligned buffers). */
static inline uint64_t perfrec_callchain_at(const struct perfrec_sample *s, uint64_t i)
{
	uint64_t v;
	__builtin_memcpy(&v, (const char *)s->callchain + i * 8, 8);
	return v;
}

#endif
