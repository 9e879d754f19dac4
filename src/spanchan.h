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
 * A span is one record, appended when it ends.  While a thread has spans open,
 * its ring's header says when the outermost one began (and its name and trace
 * id): the consumer reads that before the records, so a sample taken inside a
 * span that is still open is known to be so, and waits for the span's end.
 *
 * The program can write anything anywhere in the shared memory, so the creator
 * (hwprof) trusts none of it: it keeps the layout it made privately, reads each
 * record and string as a copy that it checks before use, and drops and counts
 * what fails (spanchan_corrupted).  The memfd is sealed at its size, so the
 * program cannot shrink it under hwprof's mapping either.
 *
 * A program linked with libhwprof and started without HWPROF_SPANS_FD
 * publishes a channel of its own instead (spanchan_publish), which an hwprof
 * that attaches later finds among /proc/PID/fd by its name and joins
 * (spanchan_join).  The header says whether a reader is there (its
 * generation; spanchan_consumer_word): while none is, the program writes
 * nothing.  The reader renews a lease in the header as it drains; a reader
 * that vanished (killed) lets its lease run out, and a producer whose ring is
 * full then clears the reader's place, so the program goes back to writing
 * nothing and a new hwprof may join.  Here the program made the layout: the
 * reader checks the file's seals, its size against the header, and keeps its
 * own copy of the layout as with a channel it made.
 *
 * Times: the channel's clock, chosen by its creator (spanchan_set_clock).
 * With SPANCHAN_CLOCK_TSC a producer may write begin and end as TSC ticks
 * (tscclock.h), flagged per record, which the consumer converts; intended_ns
 * and everything else is CLOCK_MONOTONIC nanoseconds, the clock of samples. */
#ifndef HWPROF_SPANCHAN_H
#define HWPROF_SPANCHAN_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define SPANCHAN_ENV "HWPROF_SPANS_FD"
#define SPANCHAN_NAME_LEN 64           /* bytes per interned string, with the NUL */
/* The channel `hwprof record` makes for the command it starts; a channel
 * that a program published is joined only if no larger in rings and slots. */
#define SPANCHAN_CMD_RINGS 128
#define SPANCHAN_CMD_SLOTS 32768
#define SPANCHAN_CMD_NAMES 1024
#define SPANCHAN_MEMFD "hwprof-spans"  /* the memfd's name: /proc/PID/fd/N -> "/memfd:hwprof-spans" */

enum spanchan_kind {
	SPANCHAN_END = 2,      /* a span of tid ended: begin, end */
	SPANCHAN_LATENCY = 3,  /* a latency with no span on this thread (begin 0, end in ns) */
	SPANCHAN_LABEL = 4,    /* thread label `name` set to string `value` (0: cleared) at begin */
	SPANCHAN_OPEN = 5,     /* from spanchan_drain only: tid's outermost open span now
				* (begin 0: none), after the ring's records */
};

enum spanchan_clock {
	SPANCHAN_CLOCK_MONOTONIC = 0,
	SPANCHAN_CLOCK_TSC = 1,
};

#define SPANCHAN_F_TICKS 1     /* begin and end are TSC ticks, not ns */

/* One record: 40 bytes. */
struct spanchan_rec {
	uint64_t intended_ns;  /* when the request should have started (open loop); 0: at begin */
	uint64_t begin;        /* when the thread started on it */
	uint64_t end;
	uint64_t trace_id;     /* LABEL: the value's string id */
	uint32_t tid;
	uint8_t kind;
	uint8_t flags;         /* SPANCHAN_F_* */
	uint16_t name;         /* string id of the span name or label key (>= 1) */
};

struct spanchan;

/* A new channel of `rings` (<= 65536) rings of `slots` records (a power of
 * two, <= 2^24) and `names` (< 65536) strings, in a sealed memfd that is
 * inherited across exec (*fd; owned by the channel).  Fills *out.  Returns 0,
 * -EINVAL, or the -errno of memfd, sealing or mmap. */
int spanchan_create(uint32_t rings, uint32_t slots, uint32_t names, int *fd, struct spanchan **out);

/* Map the channel of descriptor fd (from SPANCHAN_ENV).  The descriptor stays
 * open.  Returns 0, -EINVAL when it is not a channel of this version, -errno. */
int spanchan_attach(int fd, struct spanchan **out);

/* The program's own channel, to be joined by an hwprof that attaches later:
 * as spanchan_create, but the descriptor is not inherited across exec and the
 * header says it is published.  Fills *out.  0, -EINVAL, or -errno. */
int spanchan_publish(uint32_t rings, uint32_t slots, uint32_t names, struct spanchan **out);

/* Join the published channel of descriptor fd (opened through /proc/PID/fd;
 * owned by the channel on success) as its reader, from the rings' heads on:
 * -EPERM when the file is not sealed at its size, -EINVAL when its header is
 * not a published channel of this version filling exactly the file (or is
 * larger than hwprof makes one), -EBUSY when another reader holds it (its
 * lease still runs, or it is the channel an hwprof made for its command), -EACCES when it cannot be mapped for writing, -errno.
 * spanchan_free leaves it. */
int spanchan_join(int fd, struct spanchan **out);

/* Stop reading a joined channel: the program writes no more (its records
 * still there can be drained).  Nothing for other channels. */
void spanchan_leave(struct spanchan *ch);

/* The channel's descriptor (owned by it). */
int spanchan_fd(const struct spanchan *ch);

/* Producer side: the word that says whether a reader is there (0: none; else
 * the current reader's generation, new with each join).  For a relaxed
 * atomic load on the hot path. */
const uint32_t *spanchan_consumer_word(const struct spanchan *ch);

/* Unmap (and close the descriptor of a created or joined channel; leave a
 * joined one).  Accepts NULL. */
void spanchan_free(struct spanchan *ch);

/* The id (>= 1) of string s (truncated to SPANCHAN_NAME_LEN - 1 bytes), adding
 * it if new; -ENOSPC when the table is full, -EBUSY when the lock stays taken
 * (a header written over).  Thread and process safe (a spin lock in the shared
 * header); meant for first uses, not for every span. */
int spanchan_intern(struct spanchan *ch, const char *s);

/* String id, as first read and checked (NUL-terminated, no control
 * characters): a private copy that lives as long as ch.  NULL when not yet
 * published or when it failed the check.  Consumer side. */
const char *spanchan_string(struct spanchan *ch, uint32_t id);

/* The clock producers may use for begin and end (the creator sets it before
 * handing the descriptor on; SPANCHAN_CLOCK_MONOTONIC by default). */
void spanchan_set_clock(struct spanchan *ch, enum spanchan_clock clock);

/* The creator's choice of clock: the TSC where it keeps time (tscclock.h),
 * unless HWPROF_SPAN_CLOCK=monotonic asks for the clock itself. */
void spanchan_choose_clock(struct spanchan *ch);
enum spanchan_clock spanchan_clock(const struct spanchan *ch);

/* Records dropped because a ring was full or no ring was free (as the program
 * counted them in the shared header). */
uint64_t spanchan_dropped(const struct spanchan *ch);

/* Consumer side: 1 when the program wrote over the channel (a header field, a
 * ring's head, a record or a string failed its check), else 0; *dropped: the
 * records (and open-span headers) dropped for failing their checks. */
int spanchan_corrupted(const struct spanchan *ch, uint64_t *dropped);

/* Producer side: one per thread, in thread-local storage. */
struct spanchan_producer {
	struct spanchan_ring *ring;    /* NULL: none claimed */
	struct spanchan *ch;
	uint64_t head, tail;           /* own head; the consumer's tail last seen */
	uint64_t mask;
};

/* Claim a free ring for the calling thread (tid) into *p, and map all of it
 * into the process (the claim takes a while; appending never page-faults).
 * Returns 0, -EBUSY when every ring is taken (the drop is counted). */
int spanchan_claim(struct spanchan *ch, uint32_t tid, struct spanchan_producer *p);

/* Give the ring back (thread exit): another thread may claim it once this one
 * appends no more.  Records not yet drained stay and are drained. */
void spanchan_release(struct spanchan_producer *p);

/* Count one dropped record. */
void spanchan_count_drop(struct spanchan *ch);

/* The ring looked full: 1 if the consumer has made room since, else 0 (the
 * record is dropped and counted). */
int spanchan_room(struct spanchan_producer *p);

struct spanchan_ring {
	uint64_t head;                 /* written by the producer only (release) */
	uint64_t open_begin;           /* the outermost open span (0: none; release) */
	uint64_t open_trace;
	uint16_t open_name;
	uint8_t open_flags;
	uint8_t pad0[37];
	uint64_t tail;                 /* written by the consumer only (release) */
	uint8_t pad1[56];
	uint32_t owner;                /* tid of the producer, 0 when free */
	uint8_t pad2[60];
	struct spanchan_rec slot[];
};

/* The hot path, inline: the slot the next record goes into, to be filled in
 * place and published with spanchan_commit; NULL when the ring is full (the
 * drop is counted).  The consumer's tail is only re-read when the ring looks
 * full, so a producer touches no line the consumer writes while there is room
 * (the head and tail live on separate cache lines for the same reason). */
static inline struct spanchan_rec *spanchan_reserve(struct spanchan_producer *p)
{
	if (__builtin_expect(p->head - p->tail > p->mask, 0) && !spanchan_room(p))
		return NULL;
	return &p->ring->slot[p->head & p->mask];
}

/* spanchan_reserve without looking again when the ring looks full (NULL,
 * nothing counted): for a caller whose fast path must not make a call. */
static inline struct spanchan_rec *spanchan_reserve_fast(const struct spanchan_producer *p)
{
	return p->head - p->tail > p->mask ? NULL : &p->ring->slot[p->head & p->mask];
}

static inline void spanchan_commit(struct spanchan_producer *p)
{
	p->head++;
	/* Release: the record is visible before the head that covers it. */
	__atomic_store_n(&p->ring->head, p->head, __ATOMIC_RELEASE);
}

/* Append one record: 0, or -ENOSPC when the ring is full (dropped, counted). */
static inline int spanchan_push(struct spanchan_producer *p, const struct spanchan_rec *r)
{
	struct spanchan_rec *slot = spanchan_reserve(p);

	if (!slot)
		return -ENOSPC;
	*slot = *r;
	spanchan_commit(p);
	return 0;
}

/* A thread's outermost span opens (begin != 0) or it closes: what the
 * consumer reads to hold samples taken inside it.  Plain stores on the
 * producer's own line; the consumer checks open_begin around the others. */
static inline void spanchan_open(struct spanchan_producer *p, uint64_t begin, uint16_t name,
				 uint64_t trace, uint8_t flags)
{
	struct spanchan_ring *r = p->ring;     /* once: the atomics would reload it */

	__atomic_store_n(&r->open_name, name, __ATOMIC_RELAXED);
	__atomic_store_n(&r->open_trace, trace, __ATOMIC_RELAXED);
	__atomic_store_n(&r->open_flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&r->open_begin, begin, __ATOMIC_RELEASE);
}

/* After the span's END record: a consumer that sees it closed drains its end. */
static inline void spanchan_close(struct spanchan_producer *p)
{
	__atomic_store_n(&p->ring->open_begin, 0, __ATOMIC_RELEASE);
}

/* Consumer side: hand every record appended since the last call to fn (in
 * append order per ring) and release the room.  Only records that pass the
 * checks reach fn (a copy: kind, flags, a thread id, published strings); the
 * rest are counted (spanchan_corrupted).  fn's non-zero return stops
 * the drain (that record is consumed, the ones after it stay).  After each
 * claimed ring's records comes one SPANCHAN_OPEN record with the state of its
 * thread's open span, as it was before those records were read.  Returns the
 * count of records handed over, or fn's non-zero value. */
typedef int (*spanchan_fn)(const struct spanchan_rec *r, void *ctx);
int spanchan_drain(struct spanchan *ch, spanchan_fn fn, void *ctx);

#endif
