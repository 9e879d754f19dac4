/* spanchan.c - see spanchan.h.
 *
 * The program can write any byte of the shared mapping at any time (a bug, or
 * on purpose), so the consumer's side trusts none of it: the layout is the one
 * it made and keeps privately; the read position of each ring is its own; each
 * record and string is copied out of the mapping first and checked afterwards,
 * and only the copy is used.  What fails a check is dropped and counted. */
#include "spanchan.h"
#include "tscclock.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPANCHAN_MAGIC 0x6e616863707368ULL   /* "hspchan" */
#define SPANCHAN_VERSION 3
#define MAX_RINGS 65536
#define MAX_SLOTS (1u << 24)
/* Thread ids are at most PID_MAX_LIMIT (4 Mi on 64-bit Linux). */
#define MAX_TID (4u << 20)
/* intern's spin lock: give up after this many waits (a lock word the
 * program overwrote would otherwise spin its threads forever). */
#define LOCK_TRIES (1 << 20)

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
	/* A published channel (spanchan_publish): its reader, when one joined. */
	uint32_t flags;         /* HDR_PUBLISHED */
	uint32_t consumer;      /* the joined reader's generation, 0: none */
	uint64_t lease_ns;      /* CLOCK_MONOTONIC: the reader renews it as it drains */
};

#define HDR_PUBLISHED 1
/* A reader that has not drained for this long is gone (killed): a producer
 * whose ring is full then stops writing, and another reader may join. */
#define LEASE_NS 3000000000ULL
/* A published channel hwprof joins is no larger than one it makes for a
 * command: a drain reads at most that much. */
#define JOIN_MAX_RINGS SPANCHAN_CMD_RINGS
#define JOIN_MAX_SLOTS SPANCHAN_CMD_SLOTS
#define JOIN_MAX_NAMES 4096

/* The producer's and the consumer's fields on lines of their own. */
_Static_assert(sizeof(struct spanchan_ring) == 192, "spanchan_ring: three cache lines");
_Static_assert(sizeof(struct spanchan_rec) == 40, "spanchan_rec: no padding");

enum { NAME_UNREAD, NAME_GOOD, NAME_BAD };

struct spanchan {
	struct spanchan_header *hdr;    /* shared: see the top of this file */
	size_t size;
	int fd;                 /* closed by spanchan_free when created here */
	int own_fd;
	int published;          /* made by spanchan_publish (the program's side) */
	uint32_t joined;        /* spanchan_join: our generation in `consumer` */
	uint64_t dropped0;      /* joined: the program's drops before we came */
	int lost;               /* joined, and another reader took the place since */
	/* The layout as created here or checked once by spanchan_attach: never
	 * read back from the mapping. */
	uint32_t n_rings, slots, n_names, clock;
	size_t ring_off, names_off;
	/* The consumer's own state. */
	uint64_t *tail;         /* per ring: records read up to here */
	uint32_t rings_seen;    /* rings_used, as far as it was believable */
	uint32_t names_seen;    /* names_used, likewise */
	char *names;            /* copies of strings 1..n_names, SPANCHAN_NAME_LEN each */
	uint8_t *name_state;    /* NAME_*, per id - 1 */
	int corrupt;            /* some check failed */
	uint64_t bad_records;   /* records that failed their checks */
};

static size_t ring_size(uint32_t slots)
{
	return sizeof(struct spanchan_ring) + (size_t)slots * sizeof(struct spanchan_rec);
}

static struct spanchan_ring *ring_at(const struct spanchan *ch, uint32_t i)
{
	return (struct spanchan_ring *)((char *)ch->hdr + ch->ring_off + (size_t)i * ring_size(ch->slots));
}

static char *name_at(const struct spanchan *ch, uint32_t id)
{
	return (char *)ch->hdr + ch->names_off + (size_t)(id - 1) * SPANCHAN_NAME_LEN;
}

/* The private state both sides keep: the layout and the consumer's copies. */
static int init_private(struct spanchan *ch, const struct spanchan_header *h)
{
	ch->n_rings = h->n_rings;
	ch->slots = h->slots;
	ch->n_names = h->n_names;
	ch->ring_off = h->ring_off;
	ch->names_off = h->names_off;
	ch->clock = h->clock;
	ch->tail = calloc(h->n_rings, sizeof(*ch->tail));
	ch->names = calloc(h->n_names, SPANCHAN_NAME_LEN);
	ch->name_state = calloc(h->n_names, 1);
	return ch->tail && ch->names && ch->name_state ? 0 : -ENOMEM;
}

/* The channel in a new sealed memfd of memfd_create flags mfd; published:
 * the program's own (spanchan_publish). */
static int create(uint32_t rings, uint32_t slots, uint32_t names, unsigned mfd, int published,
		  struct spanchan **out)
{
	struct spanchan_header *h;
	struct spanchan *ch;
	size_t names_off, ring_off, size;
	int err;

	*out = NULL;
	if (!rings || rings > MAX_RINGS || !names || names > 65535 || slots < 2 || slots > MAX_SLOTS ||
	    (slots & (slots - 1)))
		return -EINVAL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	names_off = (sizeof(struct spanchan_header) + 63) & ~(size_t)63;
	ring_off = (names_off + (size_t)names * SPANCHAN_NAME_LEN + 4095) & ~(size_t)4095;
	size = ring_off + (size_t)rings * ring_size(slots);
	/* Pages are only allocated where rings are written.  Sealed at its size:
	 * a program that truncated it would fault hwprof's reads (SIGBUS). */
	ch->fd = memfd_create(SPANCHAN_MEMFD, mfd | MFD_ALLOW_SEALING);
	ch->own_fd = 1;
	ch->published = published;
	if (ch->fd < 0 || ftruncate(ch->fd, (off_t)size) < 0 ||
	    fcntl(ch->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		err = -errno;
		goto fail;
	}
	h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, ch->fd, 0);
	if (h == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	ch->hdr = h;
	ch->size = size;
	h->version = SPANCHAN_VERSION;
	h->n_rings = rings;
	h->slots = slots;
	h->n_names = names;
	h->names_off = names_off;
	h->ring_off = ring_off;
	h->size = size;
	h->flags = published ? HDR_PUBLISHED : 0;
	err = init_private(ch, h);
	if (err < 0)
		goto fail;
	__atomic_store_n(&h->magic, SPANCHAN_MAGIC, __ATOMIC_RELEASE);
	*out = ch;
	return 0;
fail:
	spanchan_free(ch);
	return err;
}

int spanchan_create(uint32_t rings, uint32_t slots, uint32_t names, int *fd, struct spanchan **out)
{
	/* No MFD_CLOEXEC: the profiled program inherits the descriptor through exec. */
	int err = create(rings, slots, names, 0, 0, out);

	*fd = err ? -1 : (*out)->fd;
	return err;
}

int spanchan_publish(uint32_t rings, uint32_t slots, uint32_t names, struct spanchan **out)
{
	/* The program's own: a program it execs publishes its own, if any. */
	return create(rings, slots, names, MFD_CLOEXEC, 1, out);
}

/* A header that describes a channel of this version in a file of size bytes. */
static int header_valid(const struct spanchan_header *h, uint64_t size)
{
	uint64_t rings_bytes, names_bytes;

	if (h->magic != SPANCHAN_MAGIC || h->version != SPANCHAN_VERSION || h->size != size ||
	    !h->n_rings || h->n_rings > MAX_RINGS || !h->n_names || h->n_names > 65535 ||
	    h->slots < 2 || h->slots > MAX_SLOTS || (h->slots & (h->slots - 1)))
		return 0;
	rings_bytes = (uint64_t)h->n_rings * ring_size(h->slots);
	names_bytes = (uint64_t)h->n_names * SPANCHAN_NAME_LEN;
	return h->names_off >= sizeof(*h) && h->names_off <= size && h->ring_off <= size &&
	       h->ring_off % 64 == 0 && names_bytes <= h->ring_off - h->names_off &&
	       h->ring_off >= h->names_off && rings_bytes <= size - h->ring_off;
}

/* The channel of fd, whose header h (a copy) passed the checks: the layout
 * kept privately, the file mapped.  0 or -errno (nothing made). */
static int map_checked(int fd, const struct spanchan_header *h, int published,
		       struct spanchan **out)
{
	struct spanchan *ch = calloc(1, sizeof(*ch));
	int err;

	if (!ch)
		return -ENOMEM;
	ch->fd = fd;
	ch->published = published;
	err = init_private(ch, h);
	if (err == 0) {
		ch->hdr = mmap(NULL, h->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ch->hdr == MAP_FAILED) {
			ch->hdr = NULL;
			err = -errno;
		}
	}
	if (err < 0) {
		spanchan_free(ch);
		return err;
	}
	ch->size = h->size;
	*out = ch;
	return 0;
}

int spanchan_attach(int fd, struct spanchan **out)
{
	struct spanchan_header h;
	struct stat st;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((size_t)st.st_size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    !header_valid(&h, (uint64_t)st.st_size))
		return -EINVAL;
	return map_checked(fd, &h, 0, out);
}

/* Take the reader's place of a published channel: free, or its reader's
 * lease run out (killed without leaving).  The lease first, then the place:
 * a producer that sees a reader and a live lease keeps writing.  0 or -EBUSY. */
static int take_consumer(struct spanchan *ch, uint32_t gen)
{
	struct spanchan_header *h = ch->hdr;
	uint64_t now = (uint64_t)util_now_mono_ns();
	uint32_t cur = __atomic_load_n(&h->consumer, __ATOMIC_ACQUIRE);

	if (cur && __atomic_load_n(&h->lease_ns, __ATOMIC_ACQUIRE) > now)
		return -EBUSY;
	__atomic_store_n(&h->lease_ns, now + LEASE_NS, __ATOMIC_RELEASE);
	if (!__atomic_compare_exchange_n(&h->consumer, &cur, gen, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return -EBUSY;
	ch->joined = gen;
	return 0;
}

/* Before joining: what earlier readers left unread is not ours; read from
 * the rings' heads as they are before the program sees us, so that what its
 * threads write once they do (their labels first) is read (a head is checked
 * as every drain checks it).  With publish, the room given back to them. */
static void skip_old(struct spanchan *ch, int publish)
{
	uint32_t rings = __atomic_load_n(&ch->hdr->rings_used, __ATOMIC_ACQUIRE);

	if (!publish)
		ch->rings_seen = rings < ch->n_rings ? rings : ch->n_rings;
	for (uint32_t i = 0; i < ch->rings_seen; i++) {
		struct spanchan_ring *r = ring_at(ch, i);

		if (publish)
			__atomic_store_n(&r->tail, ch->tail[i], __ATOMIC_RELEASE);
		else
			ch->tail[i] = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	}
}

int spanchan_join(int fd, struct spanchan **out)
{
	struct spanchan_header h;
	struct spanchan *ch;
	struct stat st;
	int seals, err;

	*out = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* The program made this file: only a size that cannot change under our
	 * mapping (a shrunk file would fault our reads) and a header that
	 * describes exactly that size. */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
		return -EPERM;
	if ((size_t)st.st_size < sizeof(h) || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    !header_valid(&h, (uint64_t)st.st_size) || h.clock > SPANCHAN_CLOCK_TSC ||
	    h.n_rings > JOIN_MAX_RINGS || h.slots > JOIN_MAX_SLOTS || h.n_names > JOIN_MAX_NAMES ||
	    h.size != h.ring_off + (uint64_t)h.n_rings * ring_size(h.slots) ||
	    (h.flags & ~HDR_PUBLISHED))
		return -EINVAL;
	/* The channel an hwprof made for the command it started: that one reads it. */
	if (h.flags != HDR_PUBLISHED)
		return -EBUSY;
	err = map_checked(fd, &h, 1, &ch);
	/* A write seal: not a channel a producer could write to either. */
	if (err < 0)
		return err == -EPERM ? -EACCES : err;
	skip_old(ch, 0);
	/* Not ours yet: the generation tells the program's threads that a new
	 * reader came (they send their labels again). */
	err = take_consumer(ch, ((uint32_t)getpid() << 12 ^ (uint32_t)util_now_mono_ns()) | 1);
	if (err < 0) {
		spanchan_free(ch);
		return err;
	}
	skip_old(ch, 1);
	ch->dropped0 = __atomic_load_n(&ch->hdr->dropped, __ATOMIC_RELAXED);
	ch->own_fd = 1;
	*out = ch;
	return 0;
}

void spanchan_leave(struct spanchan *ch)
{
	uint32_t gen = ch->joined;

	if (!ch->hdr || !gen)
		return;
	/* The program's threads stop writing (unless another reader took the place). */
	__atomic_compare_exchange_n(&ch->hdr->consumer, &gen, 0, 0, __ATOMIC_RELEASE,
				    __ATOMIC_RELAXED);
	ch->joined = 0;
}

void spanchan_free(struct spanchan *ch)
{
	if (!ch)
		return;
	spanchan_leave(ch);
	if (ch->hdr)
		munmap(ch->hdr, ch->size);
	if (ch->own_fd && ch->fd >= 0)
		close(ch->fd);
	free(ch->tail);
	free(ch->names);
	free(ch->name_state);
	free(ch);
}

static int lock(struct spanchan_header *h)
{
	uint32_t z = 0;

	for (int tries = 0; tries < LOCK_TRIES; tries++) {
		if (__atomic_compare_exchange_n(&h->lock, &z, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		z = 0;
		sched_yield();
	}
	return -EBUSY;
}

/* Strings published, as far as this side can hold them. */
static uint32_t names_used(const struct spanchan *ch)
{
	uint32_t n = __atomic_load_n(&ch->hdr->names_used, __ATOMIC_ACQUIRE);

	return n < ch->n_names ? n : ch->n_names;
}

int spanchan_intern(struct spanchan *ch, const char *s)
{
	struct spanchan_header *h = ch->hdr;
	char buf[SPANCHAN_NAME_LEN];
	uint32_t n;
	int id = -ENOSPC;

	/* strcmp against a published string stops within its 64 bytes even
	 * when it lost its NUL: buf has one, at most at buf[63]. */
	snprintf(buf, sizeof(buf), "%s", s);
	/* Published strings never change: look without the lock first. */
	n = names_used(ch);
	for (uint32_t i = 1; i <= n; i++)
		if (strcmp(name_at(ch, i), buf) == 0)
			return (int)i;
	if (lock(h) < 0)
		return -EBUSY;
	n = names_used(ch);
	for (uint32_t i = 1; i <= n; i++) {
		if (strcmp(name_at(ch, i), buf) == 0) {
			id = (int)i;
			goto out;
		}
	}
	if (n < ch->n_names) {
		memcpy(name_at(ch, n + 1), buf, sizeof(buf));
		/* Release: the string is complete before its id is published. */
		__atomic_store_n(&h->names_used, n + 1, __ATOMIC_RELEASE);
		id = (int)(n + 1);
	}
out:
	__atomic_store_n(&h->lock, 0, __ATOMIC_RELEASE);
	return id;
}

/* Copy string id out of the mapping and check it once: NUL-terminated, no
 * control characters.  Its first copy is the one used from then on. */
static const char *copy_name(struct spanchan *ch, uint32_t id)
{
	char *copy = ch->names + (size_t)(id - 1) * SPANCHAN_NAME_LEN;
	size_t len;

	memcpy(copy, name_at(ch, id), SPANCHAN_NAME_LEN);
	/* Only the copy from here on: the compiler must not read the mapping again. */
	__asm__ __volatile__("" ::: "memory");
	len = strnlen(copy, SPANCHAN_NAME_LEN);
	ch->name_state[id - 1] = NAME_GOOD;
	if (len == SPANCHAN_NAME_LEN)
		ch->name_state[id - 1] = NAME_BAD;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)copy[i] < 32 || copy[i] == 127)
			ch->name_state[id - 1] = NAME_BAD;
	return ch->name_state[id - 1] == NAME_GOOD ? copy : NULL;
}

const char *spanchan_string(struct spanchan *ch, uint32_t id)
{
	if (!id || id > ch->n_names)
		return NULL;
	switch (ch->name_state[id - 1]) {
	case NAME_GOOD:
		return ch->names + (size_t)(id - 1) * SPANCHAN_NAME_LEN;
	case NAME_BAD:
		return NULL;
	default:
		if (id > ch->names_seen && id > names_used(ch))
			return NULL;    /* not published yet */
		return copy_name(ch, id);
	}
}

int spanchan_fd(const struct spanchan *ch)
{
	return ch->fd;
}

const uint32_t *spanchan_consumer_word(const struct spanchan *ch)
{
	return &ch->hdr->consumer;
}

void spanchan_choose_clock(struct spanchan *ch)
{
	const char *clock = getenv("HWPROF_SPAN_CLOCK");

	if (!(clock && strcmp(clock, "monotonic") == 0) && tscclock_usable())
		spanchan_set_clock(ch, SPANCHAN_CLOCK_TSC);
}

void spanchan_set_clock(struct spanchan *ch, enum spanchan_clock clock)
{
	ch->clock = (uint32_t)clock;
	ch->hdr->clock = (uint32_t)clock;
}

enum spanchan_clock spanchan_clock(const struct spanchan *ch)
{
	/* The creator's own setting; the program's side reads what the creator
	 * set before handing the channel on. */
	uint32_t c = ch->own_fd ? ch->clock : __atomic_load_n(&ch->hdr->clock, __ATOMIC_RELAXED);

	return c == SPANCHAN_CLOCK_TSC ? SPANCHAN_CLOCK_TSC : SPANCHAN_CLOCK_MONOTONIC;
}

uint64_t spanchan_dropped(const struct spanchan *ch)
{
	uint64_t d = __atomic_load_n(&ch->hdr->dropped, __ATOMIC_RELAXED);

	/* A joined channel: only the drops since (a lower count: written over). */
	return d >= ch->dropped0 ? d - ch->dropped0 : d;
}

int spanchan_corrupted(const struct spanchan *ch, uint64_t *dropped)
{
	*dropped = ch->bad_records;
	return ch->corrupt;
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
	uintptr_t end = (uintptr_t)r + ring_size(ch->slots);

	madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

int spanchan_claim(struct spanchan *ch, uint32_t tid, struct spanchan_producer *p)
{
	struct spanchan_header *h = ch->hdr;

	for (uint32_t i = 0; i < ch->n_rings; i++) {
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
		p->mask = ch->slots - 1;
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

/* A full ring of a published channel: a reader that stopped renewing its
 * lease is gone (killed); its place goes back to none, so the threads stop
 * writing rather than fill and drop on every span. */
static void check_lease(struct spanchan *ch)
{
	struct spanchan_header *h = ch->hdr;
	uint32_t cur = __atomic_load_n(&h->consumer, __ATOMIC_ACQUIRE);

	if (cur && __atomic_load_n(&h->lease_ns, __ATOMIC_ACQUIRE) < (uint64_t)util_now_mono_ns())
		__atomic_compare_exchange_n(&h->consumer, &cur, 0, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
}

int spanchan_room(struct spanchan_producer *p)
{
	p->tail = __atomic_load_n(&p->ring->tail, __ATOMIC_ACQUIRE);
	if (p->head - p->tail > p->mask) {
		spanchan_count_drop(p->ch);
		if (p->ch->published)
			check_lease(p->ch);
		return 0;
	}
	return 1;
}

/* ---- the consumer's checks ---- */

static int tid_valid(uint32_t tid)
{
	return tid >= 1 && tid <= MAX_TID;
}

/* A record as a producer writes it: a kind it writes, flags it knows, a thread
 * id, published strings. */
static int rec_valid(struct spanchan *ch, const struct spanchan_rec *r)
{
	if (r->kind != SPANCHAN_END && r->kind != SPANCHAN_LATENCY && r->kind != SPANCHAN_LABEL)
		return 0;
	if ((r->flags & ~SPANCHAN_F_TICKS) || !tid_valid(r->tid) || !spanchan_string(ch, r->name))
		return 0;
	/* A label's value: a string id, 0 when the label is removed. */
	return r->kind != SPANCHAN_LABEL || !r->trace_id ||
	       (r->trace_id <= UINT32_MAX && spanchan_string(ch, (uint32_t)r->trace_id));
}

/* The header's fixed fields as created, and its counters only ever growing
 * and within bounds: otherwise the program wrote over it.  Updates the rings
 * and strings the consumer believes in. */
static void check_header(struct spanchan *ch)
{
	const struct spanchan_header *h = ch->hdr;
	uint32_t rings = __atomic_load_n(&h->rings_used, __ATOMIC_ACQUIRE);
	uint32_t names = __atomic_load_n(&h->names_used, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&h->magic, __ATOMIC_RELAXED) != SPANCHAN_MAGIC ||
	    h->version != SPANCHAN_VERSION || h->n_rings != ch->n_rings || h->slots != ch->slots ||
	    h->n_names != ch->n_names || h->ring_off != ch->ring_off || h->names_off != ch->names_off ||
	    h->size != ch->size || h->clock != ch->clock ||
	    h->flags != (ch->published ? HDR_PUBLISHED : 0) || rings > ch->n_rings ||
	    rings < ch->rings_seen || names > ch->n_names || names < ch->names_seen)
		ch->corrupt = 1;
	if (rings > ch->rings_seen)
		ch->rings_seen = rings < ch->n_rings ? rings : ch->n_rings;
	if (names > ch->names_seen)
		ch->names_seen = names < ch->n_names ? names : ch->n_names;
}

/* The ring's open span, read like a sequence lock with open_begin as the
 * sequence (each new span begins at a later time): the fields belong together
 * when open_begin reads the same before and after them.  Checked as a record
 * is; a bad one reads as closed. */
static void read_open(struct spanchan *ch, const struct spanchan_ring *r, struct spanchan_rec *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = SPANCHAN_OPEN;
	out->tid = __atomic_load_n(&r->owner, __ATOMIC_ACQUIRE);
	if (out->tid && !tid_valid(out->tid)) {
		ch->corrupt = 1;
		ch->bad_records++;
		out->tid = 0;
		return;
	}
	for (int tries = 0; tries < 4; tries++) {
		uint64_t begin = __atomic_load_n(&r->open_begin, __ATOMIC_ACQUIRE);

		out->name = __atomic_load_n(&r->open_name, __ATOMIC_RELAXED);
		out->trace_id = __atomic_load_n(&r->open_trace, __ATOMIC_RELAXED);
		out->flags = __atomic_load_n(&r->open_flags, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (begin == __atomic_load_n(&r->open_begin, __ATOMIC_RELAXED)) {
			out->begin = begin;
			break;
		}
	}
	/* Spans opening and closing faster than we read: call it closed; the
	 * next drain looks again. */
	if (out->begin && ((out->flags & ~SPANCHAN_F_TICKS) || !spanchan_string(ch, out->name))) {
		ch->corrupt = 1;
		ch->bad_records++;
		out->begin = 0;
	}
}

/* Ring i's records since the last drain, then its open span, to fn. */
static int drain_ring(struct spanchan *ch, uint32_t i, spanchan_fn fn, void *ctx, int *count)
{
	struct spanchan_ring *r = ring_at(ch, i);
	uint64_t mask = ch->slots - 1, head, tail = ch->tail[i];
	struct spanchan_rec open;
	int stop = 0;

	/* The open span first, then the head: a span seen open here has
	 * either its END among the records below or is still open. */
	read_open(ch, r, &open);
	/* Acquire: the records up to head are complete. */
	head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	/* A producer is never behind what we read nor more than a ring ahead
	 * of it: a head that is was written over.  Start again from it. */
	if (head - tail > ch->slots) {
		ch->corrupt = 1;
		tail = head;
	}
	for (; tail != head; tail++) {
		struct spanchan_rec rec;

		memcpy(&rec, &r->slot[tail & mask], sizeof(rec));
		/* Only the copy from here on (see copy_name). */
		__asm__ __volatile__("" ::: "memory");
		if (!rec_valid(ch, &rec)) {
			ch->corrupt = 1;
			ch->bad_records++;
			continue;
		}
		stop = fn(&rec, ctx);
		if (stop) {
			tail++;
			break;
		}
		(*count)++;
	}
	ch->tail[i] = tail;
	/* Release: we are done reading the slots before the producer reuses them. */
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	if (!stop && open.tid)
		stop = fn(&open, ctx);
	return stop;
}

/* A joined channel: the place taken back if the program gave it up while
 * we did not drain for longer than the lease (stopped, not dead), then the
 * lease renewed.  0, or -1 when another reader took the place meanwhile: its
 * rings are its own from then on (spanchan_drain reads nothing more). */
static int renew(struct spanchan *ch)
{
	uint32_t cur = __atomic_load_n(&ch->hdr->consumer, __ATOMIC_ACQUIRE);

	if (cur != ch->joined && (cur || !__atomic_compare_exchange_n(&ch->hdr->consumer, &cur,
								       ch->joined, 0, __ATOMIC_ACQ_REL,
								       __ATOMIC_RELAXED))) {
		ch->joined = 0;
		ch->lost = 1;
		return -1;
	}
	__atomic_store_n(&ch->hdr->lease_ns, (uint64_t)util_now_mono_ns() + LEASE_NS, __ATOMIC_RELEASE);
	return 0;
}

int spanchan_drain(struct spanchan *ch, spanchan_fn fn, void *ctx)
{
	int count = 0;

	if (ch->lost || (ch->joined && renew(ch) < 0))
		return 0;
	check_header(ch);
	for (uint32_t i = 0; i < ch->rings_seen; i++) {
		int stop = drain_ring(ch, i, fn, ctx, &count);

		if (stop)
			return stop;
	}
	return count;
}
