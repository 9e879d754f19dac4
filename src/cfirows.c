/* cfirows.c - see cfirows.h. */
#include "cfirows.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define ROWS_STEP 1024          /* rows mapped at a time (64 KiB) */

static void *reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int cfirows_grow(struct cfirows *r, size_t more)
{
	size_t cap;

	if (r->n + more <= r->cap)
		return 0;
	if (more > CFIROWS_MAX - r->n)
		return -ENOMEM;
	if (!r->v) {
		r->v = reserve(CFIROWS_MAX * sizeof(*r->v));
		r->starts = reserve(CFIROWS_MAX * sizeof(*r->starts));
		if (!r->v || !r->starts) {
			cfirows_free(r);
			return -ENOMEM;
		}
	}
	cap = (r->n + more + ROWS_STEP - 1) / ROWS_STEP * ROWS_STEP;
	if (cap > CFIROWS_MAX)
		cap = CFIROWS_MAX;
	/* Best effort: a kernel without it faults the pages in on first use. */
	madvise(r->v + r->cap, (cap - r->cap) * sizeof(*r->v), MADV_POPULATE_WRITE);
	madvise(r->starts + r->cap, (cap - r->cap) * sizeof(*r->starts), MADV_POPULATE_WRITE);
	r->cap = cap;
	return 0;
}

void cfirows_clear(struct cfirows *r)
{
	if (r->cap) {
		madvise(r->v, r->cap * sizeof(*r->v), MADV_DONTNEED);
		madvise(r->starts, r->cap * sizeof(*r->starts), MADV_DONTNEED);
	}
	r->n = r->cap = 0;
}

void cfirows_free(struct cfirows *r)
{
	if (r->v)
		munmap(r->v, CFIROWS_MAX * sizeof(*r->v));
	if (r->starts)
		munmap(r->starts, CFIROWS_MAX * sizeof(*r->starts));
	memset(r, 0, sizeof(*r));
}
