/* spanchan.c - see spanchan.h. */
#include "spanchan.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPANCHAN_MAGIC 0x6e616863707368ULL   /* "hspchan" */
#define SPANCHAN_VERSION 2

struct spanchan_header {
	uint64_t magic;
	uint32_t version;
	uint32_t n_rings, slots, n_names;
	uint64_t ring_off, names_off, size;
	uint32_t lock;          /* intern's spin lock */
	uint32_t names_used;    /* strings published (ids 1..names_used) */
	uint32_t rings_used;    /* rings ever claimed: the consumer scans these */
	uint32_t clock;         /* enum spanchan_clock */
	uint64_t dropped;
};

/* The producer's and the consumer's fields on lines of their own. */
_Static_assert(sizeof(struct spanchan_ring) == 192, "spanchan_ring: three cache lines");

struct spanchan {
	struct spanchan_header *hdr;
	size_t size;
	int fd;                 /* closed by spanchan_free when created here */
	int own_fd;
};

static size_t ring_size(uint32_t slots)
{
	return sizeof(struct spanchan_ring) + (size_t)slots * sizeof(struct spanchan_rec);
}

static struct spanchan_ring *ring_at(const struct spanchan *ch, uint32_t i)
{
	return (struct spanchan_ring *)((char *)ch->hdr + ch->hdr->ring_off +
					(size_t)i * ring_size(ch->hdr->slots));
}

static char *name_at(const struct spanchan *ch, uint32_t id)
{
	return (char *)ch->hdr + ch->hdr->names_off + (size_t)(id - 1) * SPANCHAN_NAME_LEN;
}

int spanchan_create(uint32_t rings, uint32_t slots, uint32_t names, int *fd, struct spanchan **out)
{
	struct spanchan *ch;
	size_t names_off, ring_off, size;
	int err;

	*out = NULL;
	*fd = -1;
	if (!rings || !names || names > 65535 || slots < 2 || (slots & (slots - 1)))
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->fd = -1;
	names_off = (sizeof(struct spanchan_header) + 63) & ~(size_t)63;
	ring_off = (names_off + (size_t)names * SPANCHAN_NAME_LEN + 4095) & ~(size_t)4095;
	size = ring_off + (size_t)rings * ring_size(slots);
	/* No MFD_CLOEXEC: the profiled program inherits the descriptor through exec.
	 * Pages are only allocated where rings are written. */
	ch->fd = memfd_create("hwprof-spans", 0);
	ch->own_fd = 1;
	if (ch->fd < 0 || ftruncate(ch->fd, (off_t)size) < 0) {
		err = -errno;
		goto fail;
	}
	ch->hdr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ch->fd, 0);
	if (ch->hdr == MAP_FAILED) {
		ch->hdr = NULL;
		err = -errno;
		goto fail;
	}
	ch->size = size;
	ch->hdr->version = SPANCHAN_VERSION;
	ch->hdr->n_rings = rings;
	ch->hdr->slots = slots;
	ch->hdr->n_names = names;
	ch->hdr->names_off = names_off;
	ch->hdr->ring_off = ring_off;
	ch->hdr->size = size;
	__atomic_store_n(&ch->hdr->magic, SPANCHAN_MAGIC, __ATOMIC_RELEASE);
	*fd = ch->fd;
	*out = ch;
	return 0;
fail:
	spanchan_free(ch);
	return err;
}

int spanchan_attach(int fd, struct spanchan **out)
{
	struct spanchan_header h;
	struct spanchan *ch;
	struct stat st;
	int err;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((size_t)st.st_size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -EINVAL;
	if (h.magic != SPANCHAN_MAGIC || h.version != SPANCHAN_VERSION || h.size != (uint64_t)st.st_size ||
	    !h.slots || (h.slots & (h.slots - 1)) ||
	    h.ring_off + (uint64_t)h.n_rings * ring_size(h.slots) > h.size ||
	    h.names_off + (uint64_t)h.n_names * SPANCHAN_NAME_LEN > h.ring_off)
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->fd = fd;
	ch->hdr = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ch->hdr == MAP_FAILED) {
		err = -errno;
		free(ch);
		return err;
	}
	ch->size = h.size;
	*out = ch;
	return 0;
}

void spanchan_free(struct spanchan *ch)
{
	if (!ch)
		return;
	if (ch->hdr)
		munmap(ch->hdr, ch->size);
	if (ch->own_fd && ch->fd >= 0)
		close(ch->fd);
	free(ch);
}

static void lock(struct spanchan_header *h)
{
	uint32_t z = 0;

	while (!__atomic_compare_exchange_n(&h->lock, &z, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		z = 0;
		sched_yield();
	}
}

int spanchan_intern(struct spanchan *ch, const char *s)
{
	struct spanchan_header *h = ch->hdr;
	char buf[SPANCHAN_NAME_LEN];
	uint32_t n;
	int id = -ENOSPC;

	snprintf(buf, sizeof(buf), "%s", s);
	/* Published strings never change: look without the lock first. */
	n = __atomic_load_n(&h->names_used, __ATOMIC_ACQUIRE);
	for (uint32_t i = 1; i <= n; i++)
		if (strcmp(name_at(ch, i), buf) == 0)
			return (int)i;
	lock(h);
	n = h->names_used;
	for (uint32_t i = 1; i <= n; i++) {
		if (strcmp(name_at(ch, i), buf) == 0) {
			id = (int)i;
			goto out;
		}
	}
	if (n < h->n_names) {
		memcpy(name_at(ch, n + 1), buf, sizeof(buf));
		/* Release: the string is complete before its id is published. */
		__atomic_store_n(&h->names_used, n + 1, __ATOMIC_RELEASE);
		id = (int)(n + 1);
	}
out:
	__atomic_store_n(&h->lock, 0, __ATOMIC_RELEASE);
	return id;
}

const char *spanchan_string(const struct spanchan *ch, uint32_t id)
{
	if (!id || id > __atomic_load_n(&ch->hdr->names_used, __ATOMIC_ACQUIRE))
		return NULL;
	return name_at(ch, id);
}

void spanchan_set_clock(struct spanchan *ch, enum spanchan_clock clock)
{
	ch->hdr->clock = (uint32_t)clock;
}

enum spanchan_clock spanchan_clock(const struct spanchan *ch)
{
	return ch->hdr->clock == SPANCHAN_CLOCK_TSC ? SPANCHAN_CLOCK_TSC : SPANCHAN_CLOCK_MONOTONIC;
}

uint64_t spanchan_dropped(const struct spanchan *ch)
{
	return __atomic_load_n(&ch->hdr->dropped, __ATOMIC_RELAXED);
}

void spanchan_count_drop(struct spanchan *ch)
{
	__atomic_fetch_add(&ch->hdr->dropped, 1, __ATOMIC_RELAXED);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14 */
#endif

/* Map the whole of ring r into this process now, once, rather than a page
 * fault every hundred spans on the thread's first pass through it (a fault
 * costs more than a span).  Best effort: older kernels fault as they go. */
static void populate(const struct spanchan *ch, struct spanchan_ring *r)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)r & ~(page - 1);
	uintptr_t end = (uintptr_t)r + ring_size(ch->hdr->slots);

	madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

int spanchan_claim(struct spanchan *ch, uint32_t tid, struct spanchan_producer *p)
{
	struct spanchan_header *h = ch->hdr;

	for (uint32_t i = 0; i < h->n_rings; i++) {
		struct spanchan_ring *r = ring_at(ch, i);
		uint32_t z = 0, used;

		if (__atomic_load_n(&r->owner, __ATOMIC_RELAXED) ||
		    !__atomic_compare_exchange_n(&r->owner, &z, tid ? tid : 1, 0, __ATOMIC_ACQUIRE,
						 __ATOMIC_RELAXED))
			continue;
		/* The consumer scans rings [0, rings_used): raise it to cover this one. */
		used = __atomic_load_n(&h->rings_used, __ATOMIC_RELAXED);
		while (used < i + 1 && !__atomic_compare_exchange_n(&h->rings_used, &used, i + 1, 0,
								    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			;
		p->ch = ch;
		p->ring = r;
		/* The previous owner's last head (it released the ring after it). */
		p->head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
		p->tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		p->mask = h->slots - 1;
		spanchan_close(p);      /* whatever the previous owner left open */
		populate(ch, r);
		return 0;
	}
	spanchan_count_drop(ch);
	return -EBUSY;
}

void spanchan_release(struct spanchan_producer *p)
{
	if (!p->ring)
		return;
	spanchan_close(p);
	__atomic_store_n(&p->ring->owner, 0, __ATOMIC_RELEASE);
	p->ring = NULL;
}

int spanchan_room(struct spanchan_producer *p)
{
	p->tail = __atomic_load_n(&p->ring->tail, __ATOMIC_ACQUIRE);
	if (p->head - p->tail > p->mask) {
		spanchan_count_drop(p->ch);
		return 0;
	}
	return 1;
}

/* The ring's open span, read like a sequence lock with open_begin as the
 * sequence (each new span begins at a later time): the fields belong together
 * when open_begin reads the same before and after them. */
static void read_open(const struct spanchan_ring *r, struct spanchan_rec *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = SPANCHAN_OPEN;
	out->tid = __atomic_load_n(&r->owner, __ATOMIC_ACQUIRE);
	for (int tries = 0; tries < 4; tries++) {
		uint64_t begin = __atomic_load_n(&r->open_begin, __ATOMIC_ACQUIRE);

		out->name = __atomic_load_n(&r->open_name, __ATOMIC_RELAXED);
		out->trace_id = __atomic_load_n(&r->open_trace, __ATOMIC_RELAXED);
		out->flags = __atomic_load_n(&r->open_flags, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (begin == __atomic_load_n(&r->open_begin, __ATOMIC_RELAXED)) {
			out->begin = begin;
			return;
		}
	}
	/* Spans opening and closing faster than we read: call it closed; the
	 * next drain looks again. */
}

int spanchan_drain(struct spanchan *ch, spanchan_fn fn, void *ctx)
{
	uint32_t used = __atomic_load_n(&ch->hdr->rings_used, __ATOMIC_ACQUIRE);
	uint64_t mask = ch->hdr->slots - 1;
	int count = 0;

	for (uint32_t i = 0; i < used && i < ch->hdr->n_rings; i++) {
		struct spanchan_ring *r = ring_at(ch, i);
		struct spanchan_rec open;
		uint64_t head, tail = r->tail;
		int stop = 0;

		/* The open span first, then the head: a span seen open here has
		 * either its END among the records below or is still open. */
		read_open(r, &open);
		/* Acquire: the records up to head are complete. */
		head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

		/* A corrupt head (the program scribbled on the mapping) must not
		 * make us read more than one ring's worth. */
		if (head - tail > mask + 1)
			tail = head - (mask + 1);
		for (; tail != head; tail++) {
			struct spanchan_rec rec = r->slot[tail & mask];

			stop = fn(&rec, ctx);
			if (stop) {
				tail++;
				break;
			}
			count++;
		}
		/* Release: we are done reading the slots before the producer reuses them. */
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		if (!stop && open.tid)
			stop = fn(&open, ctx);
		if (stop)
			return stop;
	}
	return count;
}
