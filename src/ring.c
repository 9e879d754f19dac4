/* ring.c - see ring.h. */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/perf_event.h>

/* header.size is a u16: no record is larger, so this holds any wrapped record. */
#define RING_SCRATCH 65536

struct ring {
	struct perf_event_mmap_page *meta;
	const unsigned char *data;
	uint64_t size;                  /* bytes in the data area, a power of two */
	void *map;                      /* ring_open's mapping, NULL when attached */
	size_t map_len;
	unsigned char *scratch;
};

static int pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int ring_attach(void *base, size_t data_size, struct ring **out)
{
	struct perf_event_mmap_page *meta = base;
	struct ring *r = NULL;
	uint64_t off, size;
	long page;
	int err;

	*out = NULL;
	if (!base)
		return -EINVAL;
	off = meta->data_offset;
	size = meta->data_size;
	/* Kernels before 4.1 leave both 0: the data then starts at the next page. */
	if (!off) {
		page = sysconf(_SC_PAGESIZE);
		off = page > 0 ? (uint64_t)page : 4096;
	}
	if (!size)
		size = data_size;
	else if (data_size && data_size != size)
		return -EINVAL;
	if (off < sizeof(*meta) || !pow2(size) || size < 8)
		return -EINVAL;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->meta = meta;
	r->data = (const unsigned char *)base + off;
	r->size = size;
	r->scratch = malloc(RING_SCRATCH);
	if (!r->scratch) {
		err = -ENOMEM;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	ring_close(r);
	return err;
}

int ring_open(int fd, size_t data_pages, struct ring **out)
{
	long page = sysconf(_SC_PAGESIZE);
	void *map = MAP_FAILED;
	struct ring *r = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if (page <= 0 || !pow2(data_pages) || data_pages > SIZE_MAX / page - 1)
		return -EINVAL;
	len = (data_pages + 1) * (size_t)page;
	/* PROT_WRITE is what makes the kernel honour data_tail (no overwrite). */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	err = ring_attach(map, data_pages * (size_t)page, &r);
	if (err)
		goto fail;
	r->map = map;
	r->map_len = len;
	*out = r;
	return 0;
fail:
	if (map != MAP_FAILED)
		munmap(map, len);
	return err;
}

/* Copy n bytes at ring offset pos (which may wrap) out of the data area. */
static void ring_copy(const struct ring *r, uint64_t pos, void *dst, size_t n)
{
	size_t off = pos & (r->size - 1);
	size_t first = r->size - off < n ? r->size - off : n;

	memcpy(dst, r->data + off, first);
	memcpy((unsigned char *)dst + first, r->data, n - first);
}

int ring_read(struct ring *r, ring_record_fn fn, void *ctx)
{
	struct perf_event_header h;
	uint64_t head, tail;
	int n = 0, ret = 0;

	/* Acquire pairs with the kernel's release of data_head: the record bytes
	 * below data_head are visible before we read them. */
	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	/* Only we write data_tail. */
	tail = __atomic_load_n(&r->meta->data_tail, __ATOMIC_RELAXED);
	if (head - tail > r->size)
		return -EINVAL;
	while (head - tail >= sizeof(h)) {
		const unsigned char *rec;
		size_t off = tail & (r->size - 1);

		ring_copy(r, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail) {
			ret = -EINVAL;
			break;
		}
		if (off + h.size <= r->size) {
			rec = r->data + off;
		} else {
			ring_copy(r, tail, r->scratch, h.size);
			rec = r->scratch;
		}
		ret = fn(rec, h.size, ctx);
		/* The callback has seen this record: it is consumed either way. */
		tail += h.size;
		n++;
		if (ret)
			break;
	}
	if (!ret && head != tail)
		ret = -EINVAL;          /* fewer than 8 bytes left: not a record */
	/* Release orders our reads of the data before the kernel may reuse it. */
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	return ret ? ret : n;
}

size_t ring_pending(const struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);

	return head - __atomic_load_n(&r->meta->data_tail, __ATOMIC_RELAXED);
}

void ring_close(struct ring *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->map_len);
	free(r->scratch);
	free(r);
}
