/* test-perfrec-records.c - perfrec_decode / perfrec_encode_* on the records
 * that are not samples: round trips with and without sample_id_all, the
 * kernel's layout of each, malformed and unknown records.  Samples:
 * test-perfrec.c. */
#include "perfrec.h"
#include "tap.h"
#include "truncations.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	test_other_records();
	test_wrappers_and_layout();
	return done_testing();
}
