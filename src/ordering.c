/* ordering.c - see ordering.h. */
#include "ordering.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A record of the batch: where its bytes are in the arena, and its sort key. */
struct queued {
	size_t off;
	uint32_t len;
	uint64_t time;
	uint64_t seq;       /* arrival order: keeps the sort stable */
};

struct ordering {
	const struct perfrec_format *fmt;
	char *arena;                /* the records' bytes, one after the other */
	size_t arena_len, arena_cap;
	struct queued *queue;
	size_t n_queued, queue_cap;
	struct queued *merged;      /* the merge's output, as big as queue */
	size_t merged_cap;
	uint64_t seq;
};

int ordering_new(const struct perfrec_format *fmt, struct ordering **out)
{
	struct ordering *o = calloc(1, sizeof(*o));

	*out = o;
	if (!o)
		return -ENOMEM;
	o->fmt = fmt;
	return 0;
}

void ordering_free(struct ordering *o)
{
	if (!o)
		return;
	free(o->arena);
	free(o->queue);
	free(o->merged);
	free(o);
}

int ordering_add(struct ordering *o, const void *buf, size_t len)
{
	struct queued *q;

	if (util_grow(&o->arena, &o->arena_cap, o->arena_len + len, 1) < 0 ||
	    util_grow(&o->queue, &o->queue_cap, o->n_queued + 1, sizeof(*o->queue)) < 0)
		return -ENOMEM;
	/* A sample's stack copy is mostly room the kernel did not fill: what is
	 * not copied does not push the unwinder's tables out of the caches. */
	if (perfrec_trim_stack(o->fmt, buf, len, o->arena + o->arena_len, &len) != 0)
		memcpy(o->arena + o->arena_len, buf, len);
	buf = o->arena + o->arena_len;
	q = &o->queue[o->n_queued++];
	q->off = o->arena_len;
	q->len = (uint32_t)len;
	q->seq = o->seq++;
	/* Records without a time (malformed ones among them) sort first. */
	if (perfrec_time(o->fmt, buf, len, &q->time) < 0)
		q->time = 0;
	o->arena_len += len;
	return 0;
}

size_t ordering_pending(const struct ordering *o)
{
	return o->n_queued;
}

static int cmp_queued(const struct queued *x, const struct queued *y)
{
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The end of the ascending run of q that starts at i. */
static size_t run_end(const struct queued *q, size_t i, size_t n)
{
	while (++i < n && cmp_queued(&q[i - 1], &q[i]) <= 0)
		;
	return i;
}

/* Merge the ascending runs q[a..mid) and q[mid..end) into out; stable. */
static struct queued *merge_runs(const struct queued *q, size_t a, size_t mid, size_t end,
				 struct queued *out)
{
	size_t b = mid;

	while (a < mid && b < end)
		*out++ = cmp_queued(&q[b], &q[a]) < 0 ? q[b++] : q[a++];
	memcpy(out, &q[a], (mid - a) * sizeof(*q));
	out += mid - a;
	memcpy(out, &q[b], (end - b) * sizeof(*q));
	return out + (end - b);
}

/* Sort the queue by time.  It holds one run per ring, each in time order but
 * for the odd record: merging the ascending runs pairwise takes a pass or two
 * over the batch, where qsort took log2(n) of them (and the most CPU of a flush). */
static int sort_queue(struct ordering *o)
{
	size_t n = o->n_queued, runs, cap;
	struct queued *tmp;

	if (run_end(o->queue, 0, n) >= n)
		return 0;
	if (util_grow(&o->merged, &o->merged_cap, n, sizeof(*o->merged)) < 0)
		return -ENOMEM;
	do {
		struct queued *out = o->merged;

		runs = 0;
		for (size_t i = 0, mid, end; i < n; i = end, runs++) {
			mid = run_end(o->queue, i, n);
			end = mid < n ? run_end(o->queue, mid, n) : n;
			out = merge_runs(o->queue, i, mid, end, out);
		}
		tmp = o->queue;
		o->queue = o->merged;
		o->merged = tmp;
		cap = o->queue_cap;
		o->queue_cap = o->merged_cap;
		o->merged_cap = cap;
	} while (runs > 1);
	return 0;
}

int ordering_flush(struct ordering *o, ordering_record_fn fn, void *ctx)
{
	int err = sort_queue(o);

	for (size_t i = 0; err >= 0 && i < o->n_queued; i++)
		err = fn(o->arena + o->queue[i].off, o->queue[i].len, ctx);
	o->n_queued = 0;
	o->arena_len = 0;
	return err < 0 ? err : 0;
}
