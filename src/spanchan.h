/* spanchan.h - the span channel: shared memory through which a program linked
 * with libhwprof hands its spans and thread labels to `hwprof record` without a
 * system call per span.
 *
 * hwprof creates the channel in a memfd and passes its descriptor number to the
 * program in HWPROF_SPANS_FD (the descriptor survives exec).  The file holds a
 * header, a table of interned strings (span names, label keys and values) and
 * a fixed set of rings.  Each producing thread claims a ring of its own (single
 * producer, single consumer: no atomic read-modify-write on the hot path, only
 * an acquire load of the consumer's tail and a release store of the head) and
 * gives it back when it exits; hwprof drains every claimed ring with each batch.
 * A full ring drops the record and counts it: the program never waits for hwprof.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the clock hwprof's samples use. */
#ifndef HWPROF_SPANCHAN_H
#define HWPROF_SPANCHAN_H

#include <stddef.h>
#include <stdint.h>

#define SPANCHAN_ENV "HWPROF_SPANS_FD"
#define SPANCHAN_NAME_LEN 64           /* bytes per interned string, with the NUL */

enum spanchan_kind {
	SPANCHAN_BEGIN = 1,    /* a span opened on tid at begin_ns */
	SPANCHAN_END = 2,      /* it closed: the whole span again, with end_ns */
	SPANCHAN_LATENCY = 3,  /* a latency with no span on this thread (begin_ns 0) */
	SPANCHAN_LABEL = 4,    /* thread label `name` set to string `value` (0: cleared) at begin_ns */
};

/* One record: 40 bytes. */
struct spanchan_rec {
	uint64_t intended_ns;  /* when the request should have started (open loop) */
	uint64_t begin_ns;     /* when the thread started on it */
	uint64_t end_ns;
	uint64_t trace_id;     /* LABEL: the value's string id */
	uint32_t tid;
	uint16_t kind;
	uint16_t name;         /* string id of the span name or label key (>= 1) */
};

struct spanchan;

/* A new channel of `rings` rings of `slots` records (a power of two) and
 * `names` strings, in a memfd that is inherited across exec (*fd; owned by the
 * channel).  Fills *out.  Returns 0, -EINVAL, or the -errno of memfd/mmap. */
int spanchan_create(uint32_t rings, uint32_t slots, uint32_t names, int *fd, struct spanchan **out);

/* Map the channel of descriptor fd (from SPANCHAN_ENV).  The descriptor stays
 * open.  Returns 0, -EINVAL when it is not a channel of this version, -errno. */
int spanchan_attach(int fd, struct spanchan **out);

/* Unmap (and close the descriptor of a created channel).  Accepts NULL. */
void spanchan_free(struct spanchan *ch);

/* The id (>= 1) of string s (truncated to SPANCHAN_NAME_LEN - 1 bytes), adding
 * it if new; -ENOSPC when the table is full.  Thread and process safe (a spin
 * lock in the shared header); meant for first uses, not for every span. */
int spanchan_intern(struct spanchan *ch, const char *s);

/* String id (NULL when not yet published).  Consumer side. */
const char *spanchan_string(const struct spanchan *ch, uint32_t id);

/* Records dropped because a ring was full or no ring was free. */
uint64_t spanchan_dropped(const struct spanchan *ch);

/* Producer side: one per thread, in thread-local storage. */
struct spanchan_producer {
	struct spanchan_ring *ring;    /* NULL: none claimed */
	struct spanchan *ch;
	uint64_t head, tail;           /* own head; the consumer's tail last seen */
	uint64_t mask;
};

/* Claim a free ring for the calling thread (tid) into *p.  Returns 0, -EBUSY
 * when every ring is taken (the drop is counted). */
int spanchan_claim(struct spanchan *ch, uint32_t tid, struct spanchan_producer *p);

/* Give the ring back (thread exit): another thread may claim it once this one
 * appends no more.  Records not yet drained stay and are drained. */
void spanchan_release(struct spanchan_producer *p);

/* Count one dropped record. */
void spanchan_count_drop(struct spanchan *ch);

/* Append one record: 0, or -ENOSPC when the ring is full (dropped, counted). */
int spanchan_push_slow(struct spanchan_producer *p, const struct spanchan_rec *r);

struct spanchan_ring {
	uint64_t head;                 /* written by the producer only (release) */
	uint8_t pad0[56];
	uint64_t tail;                 /* written by the consumer only (release) */
	uint8_t pad1[56];
	uint32_t owner;                /* tid of the producer, 0 when free */
	uint8_t pad2[60];
	struct spanchan_rec slot[];
};

/* The hot path, inline: the consumer's tail is only re-read when the ring
 * looks full, so a producer touches no line the consumer writes while there is
 * room (the head and tail live on separate cache lines for the same reason). */
static inline int spanchan_push(struct spanchan_producer *p, const struct spanchan_rec *r)
{
	if (p->head - p->tail > p->mask)
		return spanchan_push_slow(p, r);
	p->ring->slot[p->head & p->mask] = *r;
	p->head++;
	/* Release: the record is visible before the head that covers it. */
	__atomic_store_n(&p->ring->head, p->head, __ATOMIC_RELEASE);
	return 0;
}

/* Consumer side: hand every record appended since the last call to fn (in
 * append order per ring) and release the room.  fn's non-zero return stops
 * the drain (that record is consumed, the ones after it stay).  Returns the
 * count of records handed over, or fn's non-zero value. */
typedef int (*spanchan_fn)(const struct spanchan_rec *r, void *ctx);
int spanchan_drain(struct spanchan *ch, spanchan_fn fn, void *ctx);

#endif
