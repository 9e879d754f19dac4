/* test-spanchan.c - the span channel: string interning across two mappings of
 * one memfd (hwprof's and the program's), a ring wrapping many times with a
 * full ring dropping and counting, ring claim (mapping the ring whole) and
 * release, a thread's open span as the drain reports it, the clock, and many
 * producer threads against one draining consumer, every record arriving once,
 * in order.  Then the program as an adversary: records, strings, ring heads
 * and the header written over, the memfd truncated; the consumer drops and
 * counts what fails its checks and goes on. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "spanchan.h"
#include "tap.h"

struct collect {
	uint64_t n, next[64];
	int out_of_order;
	uint64_t last_seq;
	struct spanchan_rec open;       /* the last SPANCHAN_OPEN */
	int n_open;
	int open_seen[256];             /* by tid */
	uint64_t open_begin[256];
};

static int collect(const struct spanchan_rec *r, void *ctx)
{
	struct collect *c = ctx;

	if (r->kind == SPANCHAN_OPEN) {
		c->open = *r;
		c->n_open++;
		c->open_seen[r->tid & 255] = 1;
		c->open_begin[r->tid & 255] = r->begin;
		return 0;
	}
	if (r->tid < 64) {
		if (r->trace_id != c->next[r->tid])
			c->out_of_order++;
		c->next[r->tid] = r->trace_id + 1;
	}
	c->last_seq = r->trace_id;
	c->n++;
	return 0;
}

/* Pages of [p, p + len) in memory, of *n pages it covers: of the memfd,
 * resident means allocated. */
static size_t resident_pages(const void *p, size_t len, size_t *n_out)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)p & ~(page - 1);
	size_t n = ((uintptr_t)p + len - start + page - 1) / page, count = 0;
	unsigned char *vec = calloc(n, 1);

	*n_out = n;
	if (!vec || mincore((void *)start, n * page, vec) < 0) {
		free(vec);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* What the claim maps a ring with; older kernels fault pages in as they go. */
static int populate_supported(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r;

	if (p == MAP_FAILED)
		return 0;
	r = madvise(p, 4096, MADV_POPULATE_WRITE);
	munmap(p, 4096);
	return r == 0;
}

static struct spanchan_rec rec(uint32_t tid, uint64_t seq)
{
	struct spanchan_rec r = { 0 };

	r.tid = tid;
	r.kind = SPANCHAN_END;
	r.name = 1;
	r.trace_id = seq;
	r.begin = seq * 10;
	r.end = seq * 10 + 5;
	return r;
}

struct producer_arg {
	struct spanchan *ch;
	uint32_t tid;
	uint64_t count, retries;
	int err;
};

static void *produce(void *p)
{
	struct producer_arg *a = p;
	struct spanchan_producer prod = { 0 };

	a->err = spanchan_claim(a->ch, a->tid, &prod);
	for (uint64_t i = 0; !a->err && i < a->count; i++) {
		struct spanchan_rec r = rec(a->tid, i);

		/* A full ring drops by design; the test wants every record, so it
		 * waits for the consumer instead. */
		while (spanchan_push(&prod, &r) == -ENOSPC) {
			a->retries++;
			sched_yield();
		}
	}
	spanchan_release(&prod);
	return NULL;
}

/* Creation refuses a ring size that is not a power of two. */
static void test_create(void)
{
	struct spanchan *ch = NULL, *bad = NULL;
	int fd = -1, r;

	r = spanchan_create(4, 8, 4, &fd, &ch);
	is_int(r, 0, "create a channel");
	ok(fd >= 0, "its memfd");
	is_int(spanchan_create(4, 6, 4, &fd, &bad), -EINVAL, "slots must be a power of two");
	ok(!bad, "nothing on failure");
	spanchan_free(ch);
}

/* Strings interned through either mapping are one table of 4. */
static void test_strings(struct spanchan *ch, struct spanchan *child)
{
	char longname[200];
	int id_a;

	id_a = spanchan_intern(child, "request");
	is_int(id_a, 1, "first string is id 1");
	is_int(spanchan_intern(ch, "db"), 2, "second string, from the other mapping");
	is_int(spanchan_intern(child, "request"), 1, "same string, same id");
	is_str(spanchan_string(ch, 1), "request", "the consumer sees the program's string");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	is_int(spanchan_intern(child, longname), 3, "a long name is truncated, not refused");
	is_int((int)strlen(spanchan_string(ch, 3)), SPANCHAN_NAME_LEN - 1, "to 63 bytes");
	is_int(spanchan_intern(child, "four"), 4, "fourth string");
	is_int(spanchan_intern(child, "five"), -ENOSPC, "table full: -ENOSPC");
	ok(spanchan_string(ch, 5) == NULL, "no string 5");
}

/* One ring of 8 slots (claimed into *p), wrapped many times with uneven batches. */
static void test_wrap(struct spanchan *ch, struct spanchan *child, struct spanchan_producer *p)
{
	struct collect c;
	uint64_t seq = 8, sent = 0;
	int ok_all = 1;

	is_int(spanchan_claim(child, 7, p), 0, "claim a ring");
	memset(&c, 0, sizeof(c));
	for (uint64_t i = 0; i < 8; i++) {
		struct spanchan_rec x = rec(7, i);

		spanchan_push(p, &x);
	}
	{
		struct spanchan_rec x = rec(7, 8);

		is_int(spanchan_push(p, &x), -ENOSPC, "the 9th record of an 8-slot ring is dropped");
	}
	is_int((int)spanchan_dropped(ch), 1, "and counted");
	is_int(spanchan_drain(ch, collect, &c), 8, "drain hands over 8 records");
	ok(c.out_of_order == 0 && c.next[7] == 8, "in order 0..7");
	for (int round = 0; round < 1000; round++) {
		int k = 1 + round % 8;

		for (int i = 0; i < k; i++) {
			struct spanchan_rec x = rec(7, seq++);

			ok_all &= spanchan_push(p, &x) == 0;
		}
		sent += k;
		if (spanchan_drain(ch, collect, &c) != k)
			ok_all = 0;
	}
	ok(ok_all, "1000 rounds of 1..8 records: every push fits, every drain gets them");
	ok(c.out_of_order == 0 && c.n == 8 + sent, "%llu records, all in order across wraps",
	   (unsigned long long)c.n);
}

/* The open span: what the thread's ring header says, after its records; and
 * the clock both mappings see. */
static void test_open_span(struct spanchan *ch, struct spanchan *child, struct spanchan_producer *p)
{
	struct collect c;

	spanchan_open(p, 12345, 2, 77, SPANCHAN_F_TICKS);
	memset(&c, 0, sizeof(c));
	is_int(spanchan_drain(ch, collect, &c), 0, "an open span is no record");
	ok(c.n_open == 1 && c.open.tid == 7 && c.open.begin == 12345 && c.open.name == 2 &&
	   c.open.trace_id == 77 && c.open.flags == SPANCHAN_F_TICKS,
	   "but the drain reports it: tid 7, begin, name, trace id, flags");
	spanchan_close(p);
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	ok(c.n_open == 1 && c.open.begin == 0, "closed: begin 0");
	is_int(spanchan_clock(ch), SPANCHAN_CLOCK_MONOTONIC, "the clock is CLOCK_MONOTONIC by default");
	spanchan_set_clock(ch, SPANCHAN_CLOCK_TSC);
	is_int(spanchan_clock(child), SPANCHAN_CLOCK_TSC, "the program's mapping sees the TSC set");
}

/* Claim the 3 rings left of 4, and release: a released ring is claimed again,
 * clean. */
static void test_claim_release(struct spanchan *ch, struct spanchan *child)
{
	struct spanchan_producer ps[4];
	struct collect c;

	for (int i = 0; i < 3; i++)
		is_int(spanchan_claim(child, 100 + i, &ps[i]), 0, "claim ring %d", i + 2);
	is_int(spanchan_claim(child, 200, &ps[3]), -EBUSY, "no fifth ring: -EBUSY");
	spanchan_open(&ps[0], 999, 1, 1, 0);
	spanchan_release(&ps[0]);
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	ok(c.n_open == 3 && !c.open_seen[100], "a released ring reports no thread");
	is_int(spanchan_claim(child, 201, &ps[3]), 0, "a released ring is claimed again");
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	ok(c.n_open == 4 && c.open_seen[201] && c.open_begin[201] == 0,
	   "its new thread, without the span its last owner left open");
	{
		struct spanchan_rec x = rec(9, 0);

		memset(&c, 0, sizeof(c));
		is_int(spanchan_push(&ps[3], &x), 0, "and appended to");
		is_int(spanchan_drain(ch, collect, &c), 1, "and drained");
	}
	for (int i = 1; i < 4; i++)
		spanchan_release(&ps[i]);
}

/* A claimed ring is mapped whole at once, not a page fault at a time on the
 * producer's hot path; the rings nobody claimed take no memory. */
static void test_claim_maps_whole(void)
{
	struct spanchan *ch = NULL, *prog = NULL;
	struct spanchan_producer q = { 0 };
	size_t bytes = 4096 * sizeof(struct spanchan_rec), n;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	int fd = -1;

	is_int(spanchan_create(2, 4096, 4, &fd, &ch), 0, "a channel of two 160 KB rings");
	is_int(spanchan_attach(fd, &prog), 0, "the program's mapping of it");
	is_int(spanchan_claim(prog, 9, &q), 0, "claim the first ring");
	if (populate_supported())
		is_int((int)resident_pages(q.ring->slot, bytes, &n), (int)n,
		       "all of its pages are in memory");
	else
		skip("all of its pages are in memory",
		     "the kernel has no MADV_POPULATE_WRITE (Linux 5.14)");
	/* Past the page the two rings share. */
	is_int((int)resident_pages((char *)q.ring->slot + bytes + page, bytes - page, &n), 0,
	       "none of the unclaimed ring's");
	spanchan_free(prog);
	spanchan_free(ch);
}

/* Many threads, small rings, a consumer draining while they write. */
static void test_many_threads(void)
{
	enum { THREADS = 8, PER = 200000 };
	struct producer_arg a[THREADS];
	pthread_t th[THREADS];
	struct spanchan *ch = NULL;
	struct collect c;
	uint64_t total = 0, retries = 0;
	int errs = 0, ok_all = 1, fd = -1;

	is_int(spanchan_create(THREADS, 256, 16, &fd, &ch), 0, "channel for %d threads", THREADS);
	is_int(spanchan_intern(ch, "span"), 1, "the records' name, string 1");
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < THREADS; i++) {
		a[i] = (struct producer_arg){ ch, (uint32_t)(i + 1), PER, 0, 0 };
		pthread_create(&th[i], NULL, produce, &a[i]);
	}
	while (c.n < (uint64_t)THREADS * PER) {
		if (spanchan_drain(ch, collect, &c) == 0)
			sched_yield();
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		errs += a[i].err != 0;
		total += a[i].count;
		retries += a[i].retries;
	}
	is_int(errs, 0, "every thread claimed a ring");
	is_int((long long)c.n, (long long)total, "every record arrived once (%llu)",
	       (unsigned long long)total);
	is_int(c.out_of_order, 0, "in each thread's order (%llu waits on a full ring)",
	       (unsigned long long)retries);
	for (int i = 0; i < THREADS; i++)
		ok_all &= c.next[i + 1] == PER;
	ok(ok_all, "each thread's last record is its %dth", PER);
	spanchan_free(ch);
}

/* Something that is not a channel. */
static void test_junk(void)
{
	struct spanchan *bad = NULL;
	int mfd = memfd_create("junk", 0);
	char junk[4096] = "not a channel";

	ok(mfd >= 0 && write(mfd, junk, sizeof(junk)) == (ssize_t)sizeof(junk), "a junk memfd");
	is_int(spanchan_attach(mfd, &bad), -EINVAL, "attaching junk: -EINVAL");
	ok(!bad, "nothing attached");
	close(mfd);
}

/* The whole of the channel's memfd, mapped as the program could map it. */
static char *map_all(int fd, size_t *size)
{
	struct stat st;
	char *m;

	if (fstat(fd, &st) < 0)
		return NULL;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*size = (size_t)st.st_size;
	return m == MAP_FAILED ? NULL : m;
}

/* Push r as it is (any bytes) and drain: the records handed over. */
static int push_drain(struct spanchan *ch, struct spanchan_producer *p, struct spanchan_rec r,
		      struct collect *c)
{
	memset(c, 0, sizeof(*c));
	spanchan_push(p, &r);
	return spanchan_drain(ch, collect, c);
}

/* Records that no producer writes: each dropped and counted, none handed on. */
static void test_bad_records(struct spanchan *ch, struct spanchan_producer *p, char *map, size_t size)
{
	struct spanchan_rec r = rec(7, 0);
	struct collect c;
	uint64_t dropped = 99;
	char *nul;

	is_int(push_drain(ch, p, r, &c), 1, "a good record is handed on");
	ok(!spanchan_corrupted(ch, &dropped) && dropped == 0, "nothing corrupted yet");
	r.kind = 9;
	is_int(push_drain(ch, p, r, &c), 0, "a kind no producer writes: dropped");
	r = rec(7, 0);
	r.flags = 0x80;
	is_int(push_drain(ch, p, r, &c), 0, "unknown flags: dropped");
	r = rec(0, 0);
	is_int(push_drain(ch, p, r, &c), 0, "thread id 0: dropped");
	r = rec(5000000, 0);
	is_int(push_drain(ch, p, r, &c), 0, "a thread id beyond PID_MAX_LIMIT: dropped");
	r = rec(7, 0);
	r.name = 3;
	is_int(push_drain(ch, p, r, &c), 0, "a string not published: dropped");
	r = rec(7, 0);
	r.kind = SPANCHAN_LABEL;
	r.trace_id = 1ULL << 40;
	is_int(push_drain(ch, p, r, &c), 0, "a label value that is no string id: dropped");
	ok(spanchan_corrupted(ch, &dropped) && dropped == 6, "six records counted (%llu)",
	   (unsigned long long)dropped);
	/* A string that lost its NUL before the consumer first read it. */
	is_int(spanchan_intern(ch, "0123456789012345678901234567890123456789012345678901234567890ab"),
	       2, "a 63-byte string");
	nul = memmem(map, size, "567890ab", 8);
	if (nul)
		nul[8] = 'x';
	r = rec(7, 0);
	r.name = 2;
	is_int(push_drain(ch, p, r, &c), 0, "a string without its NUL: its record dropped");
	ok(spanchan_string(ch, 2) == NULL, "and the string is not handed out");
	spanchan_corrupted(ch, &dropped);
	is_int((long long)dropped, 7, "counted");
}

/* A head moved far ahead or behind: at most a ring's worth is read, and the
 * consumer starts again from the new head. */
static void test_bad_head(struct spanchan *ch, struct spanchan_producer *p)
{
	struct collect c;
	uint64_t head = p->ring->head;

	memset(&c, 0, sizeof(c));
	__atomic_store_n(&p->ring->head, head + 1000000, __ATOMIC_RELEASE);
	ok(spanchan_drain(ch, collect, &c) <= 8, "a head a million ahead: no more than a ring read");
	__atomic_store_n(&p->ring->head, 3, __ATOMIC_RELEASE);
	ok(spanchan_drain(ch, collect, &c) <= 8, "a head gone back: no more than a ring read");
	p->head = 3;
	is_int(push_drain(ch, p, rec(7, 0), &c), 1, "after it, the producer's records come again");
}

/* An open span whose name is no string: reported closed, counted. */
static void test_bad_open(struct spanchan *ch, struct spanchan_producer *p)
{
	struct collect c;
	uint64_t before, after;

	spanchan_corrupted(ch, &before);
	spanchan_open(p, 5555, 40, 1, 0);
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	spanchan_corrupted(ch, &after);
	ok(c.n_open == 1 && c.open.begin == 0, "an open span named by no string reads as closed");
	is_int((long long)(after - before), 1, "and is counted");
	spanchan_close(p);
}

/* The header and then the whole mapping written over: the consumer keeps its
 * own layout, reads nothing outside it, and still hands on good records. */
static void test_bad_header(struct spanchan *ch, struct spanchan_producer *p, char *map, size_t size)
{
	struct collect c;
	uint64_t dropped;

	memset(map, 0, 64);
	is_int(push_drain(ch, p, rec(7, 0), &c), 1, "header zeroed: a good record still arrives");
	memset(map, 0xff, 4096);
	is_int(push_drain(ch, p, rec(7, 0), &c), 1, "first page 0xff: still");
	is_str(spanchan_string(ch, 1), "request", "strings read before are kept");
	memset(map, 0xff, size);
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	ok(c.n == 0, "everything 0xff: no record handed on");
	ok(spanchan_corrupted(ch, &dropped), "the channel is reported corrupted");
	memset(map, 0, size);
	memset(&c, 0, sizeof(c));
	spanchan_drain(ch, collect, &c);
	ok(c.n == 0, "everything zeroed: no record handed on");
}

/* The program cannot shrink the memfd under hwprof's mapping (SIGBUS). */
static void test_sealed(int fd)
{
	ok(ftruncate(fd, 0) < 0 && errno == EPERM, "truncating the channel is refused");
	ok(ftruncate(fd, 1 << 30) < 0 && errno == EPERM, "and growing it");
}

static void test_adversary(void)
{
	struct spanchan *ch = NULL, *prog = NULL;
	struct spanchan_producer p = { 0 };
	size_t size = 0;
	char *map;
	int fd = -1;

	is_int(spanchan_create(2, 8, 4, &fd, &ch), 0, "a channel to attack");
	is_int(spanchan_attach(fd, &prog), 0, "the program's mapping");
	is_int(spanchan_intern(prog, "request"), 1, "string 1");
	is_int(spanchan_claim(prog, 7, &p), 0, "a ring");
	map = map_all(fd, &size);
	ok(map != NULL, "the memfd mapped once more, to scribble on");
	if (!ch || !prog || !map)
		return;
	test_bad_records(ch, &p, map, size);
	test_bad_head(ch, &p);
	test_bad_open(ch, &p);
	test_bad_header(ch, &p, map, size);
	test_sealed(fd);
	munmap(map, size);
	spanchan_free(prog);
	spanchan_free(ch);
}

/* A descriptor of ch's file as hwprof opens a running program's. */
static int reopen(const struct spanchan *ch)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", spanchan_fd(ch));
	return open(path, O_RDWR | O_CLOEXEC);
}

static int count_records(const struct spanchan_rec *r, void *ctx)
{
	if (r->kind != SPANCHAN_OPEN)
		(*(int *)ctx)++;
	return 0;
}

/* A sealed memfd of size bytes filled with byte c: the program's doing. */
static int made_file(size_t size, int c, int seals)
{
	int fd = memfd_create("hwprof-spans", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	char *m;

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		return fd;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		memset(m, c, size);
		munmap(m, size);
	}
	if (seals)
		fcntl(fd, F_ADD_SEALS, seals);
	return fd;
}

static void test_published(void)
{
	struct spanchan *prog = NULL, *a = NULL, *b = NULL, *own = NULL;
	struct spanchan_producer p = { 0 };
	struct spanchan_rec r = { 0, 10, 20, 1, 7, SPANCHAN_END, 0, 1 };
	const uint32_t *word;
	uint32_t gen;
	int fd, n = 0;

	is_int(spanchan_publish(2, 8, 4, &prog), 0, "publish a channel of the program's own");
	word = spanchan_consumer_word(prog);
	is_int((int)*word, 0, "no reader yet");
	spanchan_intern(prog, "request");
	spanchan_claim(prog, 7, &p);
	spanchan_push(&p, &r);
	fd = reopen(prog);
	is_int(spanchan_join(fd, &a), 0, "joined through /proc/self/fd");
	ok(*word != 0, "the program sees a reader");
	spanchan_drain(a, count_records, &n);
	is_int(n, 0, "what was written before the join is not read");
	spanchan_push(&p, &r);
	spanchan_drain(a, count_records, &n);
	is_int(n, 1, "what comes after is");
	fd = reopen(prog);
	is_int(spanchan_join(fd, &b), -EBUSY, "a second reader while the first reads: -EBUSY");
	close(fd);
	gen = *word;
	spanchan_free(a);
	is_int((int)*word, 0, "the reader leaves: none");
	fd = reopen(prog);
	is_int(spanchan_join(fd, &b), 0, "another reader joins");
	ok(*word && *word != gen, "with a generation of its own");
	spanchan_free(b);
	spanchan_release(&p);
	spanchan_free(prog);

	fd = made_file(1 << 16, 0, 0);
	is_int(spanchan_join(fd, &b), -EPERM, "an unsealed file: -EPERM");
	close(fd);
	fd = made_file(1 << 16, 0xff, F_SEAL_SHRINK | F_SEAL_GROW);
	is_int(spanchan_join(fd, &b), -EINVAL, "a sealed file of junk: -EINVAL");
	ok(b == NULL, "nothing joined");
	close(fd);
	spanchan_create(2, 8, 4, &fd, &own);
	fd = reopen(own);
	is_int(spanchan_join(fd, &b), -EBUSY, "the channel hwprof made for a command: its own, -EBUSY");
	close(fd);
	spanchan_free(own);
}

int main(void)
{
	struct spanchan *ch = NULL, *child = NULL;
	struct spanchan_producer p = { 0 };
	int fd = -1;

	test_create();
	spanchan_create(4, 8, 4, &fd, &ch);
	is_int(spanchan_attach(fd, &child), 0, "attach a second mapping (the program's)");
	test_strings(ch, child);
	test_wrap(ch, child, &p);
	test_open_span(ch, child, &p);
	test_claim_release(ch, child);
	spanchan_release(&p);
	spanchan_free(child);
	spanchan_free(ch);
	test_claim_maps_whole();
	test_many_threads();
	test_junk();
	test_adversary();
	test_published();
	return done_testing();
}
