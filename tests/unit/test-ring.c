/* test-ring.c - ring_read over a ring this test fills like the kernel, then a real one. */
#include "ring.h"
#include "tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define DATA_SIZE 4096

/* The kernel's side of a ring: a meta page and a small data area in our memory. */
struct fake {
	void *base;
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	size_t size;
};

static int fake_init(struct fake *f, int kernel_sets_offsets)
{
	long page = sysconf(_SC_PAGESIZE);

	f->size = DATA_SIZE;
	f->base = aligned_alloc(page, page + DATA_SIZE);
	if (!f->base)
		return -ENOMEM;
	memset(f->base, 0, page + DATA_SIZE);
	f->meta = f->base;
	f->data = (unsigned char *)f->base + page;
	if (kernel_sets_offsets) {
		f->meta->data_offset = page;
		f->meta->data_size = DATA_SIZE;
	}
	return 0;
}

/* Append a record as the kernel does: bytes first, then publish data_head. */
static int fake_write(struct fake *f, const void *rec, size_t len)
{
	uint64_t head = f->meta->data_head;
	uint64_t tail = __atomic_load_n(&f->meta->data_tail, __ATOMIC_ACQUIRE);
	size_t off = head % f->size, first = f->size - off < len ? f->size - off : len;

	if (len > f->size - (head - tail))
		return 0;
	memcpy(f->data + off, rec, first);
	memcpy(f->data, (const unsigned char *)rec + first, len - first);
	__atomic_store_n(&f->meta->data_head, head + len, __ATOMIC_RELEASE);
	return 1;
}

static size_t rec_size(uint64_t k)
{
	/* Mostly small and odd-sized (in u64s), with an occasional near-full one. */
	if (k % 23 == 22)
		return 8 * (300 + k % 200);
	return 8 * (1 + (k * 37) % 97);
}

static size_t make_rec(uint64_t k, unsigned char *buf)
{
	struct perf_event_header h = { 100 + k % 5, k & 0xffff, rec_size(k) };

	memcpy(buf, &h, sizeof(h));
	for (size_t j = sizeof(h); j < h.size; j++)
		buf[j] = (k * 131 + j) & 0xff;
	return h.size;
}

struct expect {
	uint64_t next;                  /* sequence number of the next record */
	uint64_t delivered;
	int bad;
	uint64_t stop_at;               /* return -42 on this record (0: never) */
};

static int check_rec(const void *buf, size_t len, void *ctx)
{
	struct expect *e = ctx;
	unsigned char want[65536];
	size_t n = make_rec(e->next, want);

	if (len != n || memcmp(buf, want, n) != 0) {
		if (e->bad++ < 3)
			printf("# record %llu: len %zu want %zu, or content differs\n",
			       (unsigned long long)e->next, len, n);
	}
	e->next++;
	e->delivered++;
	if (e->stop_at && e->delivered == e->stop_at)
		return -42;
	return 0;
}

static int count_any(const void *buf, size_t len, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_wraps(int kernel_sets_offsets)
{
	const char *how = kernel_sets_offsets ? "data_offset set" : "data_offset 0";
	unsigned char rec[65536];
	struct expect e = { 0 };
	struct ring *r = NULL;
	uint64_t k = 0, straddled = 0, reads = 0, bad_pending = 0, bad_tail = 0, bad_n = 0;
	struct fake f;
	int err;

	if (fake_init(&f, kernel_sets_offsets)) {
		ok(0, "%s: allocating a fake ring", how);
		return;
	}
	err = ring_attach(f.base, kernel_sets_offsets ? 0 : DATA_SIZE, &r);
	is_int(err, 0, "%s: ring_attach", how);
	if (err)
		goto out;
	is_int(ring_pending(r), 0, "%s: empty ring has nothing pending", how);
	is_int(ring_read(r, check_rec, &e), 0, "%s: reading an empty ring delivers 0", how);

	/* Fill as far as the ring takes (or a few records, every third round), read,
	 * repeat, until head has gone round the data area many times. */
	while (f.meta->data_head < 40 * DATA_SIZE) {
		uint64_t written = 0, bytes = 0, limit = reads % 3 == 2 ? 2 : UINT64_MAX;
		int n;

		for (;;) {
			size_t len = make_rec(k, rec);
			uint64_t off = f.meta->data_head % DATA_SIZE;

			if (written == limit || !fake_write(&f, rec, len))
				break;
			if (off + len > DATA_SIZE)
				straddled++;
			written++;
			bytes += len;
			k++;
		}
		if (ring_pending(r) != bytes)
			bad_pending++;
		n = ring_read(r, check_rec, &e);
		reads++;
		if (n < 0 || (uint64_t)n != written)
			bad_n++;
		if (f.meta->data_tail != f.meta->data_head || ring_pending(r) != 0)
			bad_tail++;
	}
	ok(straddled >= 20, "%s: %llu records straddled the end of the data area", how,
	   (unsigned long long)straddled);
	is_int(e.delivered, k, "%s: every record written was delivered", how);
	is_int(e.bad, 0, "%s: contents, lengths and order intact (also when wrapped)", how);
	is_int(bad_n, 0, "%s: ring_read returns the number of records", how);
	is_int(bad_pending, 0, "%s: ring_pending counts the bytes written", how);
	is_int(bad_tail, 0, "%s: data_tail reaches data_head after each read", how);
out:
	ring_close(r);
	free(f.base);
}

static void test_stop_and_corrupt(void)
{
	unsigned char rec[65536];
	struct expect e = { 0 };
	struct ring *r = NULL;
	struct perf_event_header h;
	uint64_t lost[2] = { 5, 17 }, tail;
	struct fake f;
	int n;

	if (fake_init(&f, 1) || ring_attach(f.base, DATA_SIZE, &r)) {
		ok(0, "setting up a fake ring");
		free(f.base);
		return;
	}
	/* Start near the end so these records wrap too. */
	f.meta->data_head = f.meta->data_tail = 3 * DATA_SIZE - 16;
	for (uint64_t k = 0; k < 6; k++)
		fake_write(&f, rec, make_rec(k, rec));
	e.stop_at = 3;
	n = ring_read(r, check_rec, &e);
	is_int(n, -42, "a callback's non-zero return is ring_read's");
	is_int(e.delivered, 3, "and stops the read");
	tail = 3 * DATA_SIZE - 16 + rec_size(0) + rec_size(1) + rec_size(2);
	is_int(f.meta->data_tail, tail, "the records seen so far are released");
	is_int(ring_pending(r), rec_size(3) + rec_size(4) + rec_size(5), "the rest is pending");
	e.stop_at = 0;
	is_int(ring_read(r, check_rec, &e), 3, "the next read delivers the rest");
	is_int(e.bad, 0, "in order, intact");

	/* LOST records are delivered like any other (the recorder counts them). */
	h = (struct perf_event_header){ PERF_RECORD_LOST, 0, 24 };
	memcpy(rec, &h, 8);
	memcpy(rec + 8, lost, 16);
	fake_write(&f, rec, 24);
	fake_write(&f, rec, 24);
	n = 0;
	ok(ring_read(r, count_any, &n) == 2 && n == 2, "LOST records are delivered");

	/* A good record, then a header of size 0: the good one is delivered and
	 * released, the bad one is reported. */
	e = (struct expect){ .next = 100 };
	fake_write(&f, rec, make_rec(100, rec));
	tail = f.meta->data_head;
	h = (struct perf_event_header){ PERF_RECORD_SAMPLE, 0, 0 };
	memcpy(rec, &h, 8);
	memset(rec + 8, 0, 8);
	fake_write(&f, rec, 16);
	is_int(ring_read(r, check_rec, &e), -EINVAL, "header size 0: -EINVAL");
	ok(e.delivered == 1 && e.bad == 0 && f.meta->data_tail == tail,
	   "records before the corrupt one are delivered and released");
	/* A header claiming more than is pending. */
	h.size = 64;
	memcpy(f.data + tail % DATA_SIZE, &h, 8);
	is_int(ring_read(r, check_rec, &e), -EINVAL, "header size > pending: -EINVAL");
	is_int(f.meta->data_tail, tail, "data_tail stays before the corrupt record");
	/* head - tail larger than the ring. */
	f.meta->data_head = tail + DATA_SIZE + 8;
	is_int(ring_read(r, check_rec, &e), -EINVAL, "head beyond a full ring: -EINVAL");
	ring_close(r);
	free(f.base);
}

static void test_attach_errors(void)
{
	struct ring *r = (struct ring *)&r;
	struct fake f;

	if (fake_init(&f, 0)) {
		ok(0, "allocating a fake ring");
		return;
	}
	is_int(ring_attach(f.base, 3000, &r), -EINVAL, "data size not a power of two: -EINVAL");
	ok(r == NULL, "*out is NULL on failure");
	is_int(ring_attach(f.base, 0, &r), -EINVAL, "no data size anywhere: -EINVAL");
	f.meta->data_size = 8192;
	is_int(ring_attach(f.base, 4096, &r), -EINVAL, "size disagreeing with the meta page");
	is_int(ring_attach(NULL, 4096, &r), -EINVAL, "NULL base: -EINVAL");
	is_int(ring_open(-1, 3, &r), -EINVAL, "ring_open: 3 pages is not a power of two");
	ok(ring_open(-1, 4, &r) < 0 && r == NULL, "ring_open on a bad fd fails cleanly");
	ring_close(NULL);
	ok(1, "ring_close(NULL) is harmless");
	free(f.base);
}

struct seen {
	unsigned long long map_addr;
	int comm, mmap, samples, other;
};

static int count_real(const void *buf, size_t len, void *ctx)
{
	struct seen *s = ctx;
	struct perf_event_header h;
	uint64_t addr;

	memcpy(&h, buf, sizeof(h));
	if (h.size != len)
		return -EINVAL;
	switch (h.type) {
	case PERF_RECORD_COMM:
		/* header, u32 pid, u32 tid, comm */
		if (len > 16 && memchr((const char *)buf + 16, 0, len - 16) &&
		    strcmp((const char *)buf + 16, "ringtest") == 0)
			s->comm++;
		break;
	case PERF_RECORD_MMAP:
		/* header, u32 pid, u32 tid, u64 addr, ... */
		if (len < 24)
			return -EINVAL;
		memcpy(&addr, (const char *)buf + 16, 8);
		if (addr == s->map_addr)
			s->mmap++;
		break;
	case PERF_RECORD_SAMPLE:
		s->samples++;
		break;
	default:
		s->other++;
	}
	return 0;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_real_ring(void)
{
	struct perf_event_attr attr;
	struct seen s = { 0 };
	struct ring *r = NULL;
	volatile uint64_t spin = 0;
	double t0;
	void *map;
	int fd, err, bad_read = 0;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 100000;    /* ns of CPU: 10 kHz */
	attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID;
	attr.mmap = 1;
	attr.comm = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		printf("ok %d - real ring # SKIP perf_event_open: %s\n", ++tap_count,
		       strerror(errno));
		return;
	}
	err = ring_open(fd, 8, &r);
	is_int(err, 0, "ring_open on a cpu-clock event");
	if (err)
		goto out;

	prctl(PR_SET_NAME, "ringtest");
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s.map_addr = map == MAP_FAILED ? 0 : (unsigned long long)(uintptr_t)map;
	/* Burn CPU until a sample arrives; the bound only keeps a broken kernel from
	 * hanging the test. */
	t0 = thread_cpu_s();
	while (!s.samples && thread_cpu_s() - t0 < 5) {
		for (int i = 0; i < 1000000; i++)
			spin += i;
		if (ring_read(r, count_real, &s) < 0)
			bad_read++;
	}
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (ring_read(r, count_real, &s) < 0)
		bad_read++;
	is_int(bad_read, 0, "ring_read over the kernel's ring never fails");
	ok(s.comm >= 1, "the COMM record for prctl(PR_SET_NAME) arrived");
	ok(map != MAP_FAILED && s.mmap >= 1, "the MMAP record for our exec mapping arrived");
	ok(s.samples >= 1, "samples arrived (%d)", s.samples);
	is_int(ring_pending(r), 0, "nothing pending once the event is disabled and read");
	if (map != MAP_FAILED)
		munmap(map, 4096);
out:
	ring_close(r);
	close(fd);
}

int main(void)
{
	test_wraps(0);
	test_wraps(1);
	test_stop_and_corrupt();
	test_attach_errors();
	test_real_ring();
	return done_testing();
}
