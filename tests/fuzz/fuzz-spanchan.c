/* fuzz-spanchan.c - libFuzzer target for the recorder's side of the span
 * channel (built and run by tests/fuzz/run.sh).
 *
 * A channel is created as hwprof creates one and used as libhwprof uses it
 * (strings, a ring, records, an open span); the input is what the program
 * then writes over the shared memory: a list of patches, each 3 bytes of
 * offset, 1 of length and that many bytes, applied in up to four rounds, each
 * followed by a drain, joined to samples as the recorder does (spanjoin) when
 * the first byte says so (its histograms make a run a hundred times slower).
 * Whatever the bytes, the reader must not crash, read or write outside the
 * mapping, or hand on a record that fails its checks.
 *
 * When the first byte says so, the channel is the program's own instead
 * (spanchan_publish), the first round's patches go over it before hwprof
 * joins it through /proc/self/fd (spanchan_join: its header, size and seals
 * are the program's), and the rounds go on if the join was accepted. */
#include <fcntl.h>
#include <stdio.h>
#include "profile.h"
#include "spanchan.h"
#include "spanjoin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz {
	struct spanchan *ch, *prog;     /* hwprof's side, the program's */
	struct spanchan_producer prod;
	struct spanjoin *sj;
	struct profile *p;
	char *map;
	size_t map_size;
};

/* Every record handed on passed the checks: one of the kinds a producer
 * writes, a thread id, a published string. */
static int check(const struct spanchan_rec *r, void *ctx)
{
	struct spanchan *ch = ctx;

	if (r->kind == SPANCHAN_OPEN) {
		if (r->begin && !spanchan_string(ch, r->name))
			abort();
		return 0;
	}
	if ((r->kind != SPANCHAN_END && r->kind != SPANCHAN_LATENCY && r->kind != SPANCHAN_LABEL) ||
	    !r->tid || !spanchan_string(ch, r->name))
		abort();
	return 0;
}

/* What libhwprof writes in a round: a span, a label, a latency, an open span. */
static void produce(struct fuzz *f, uint64_t t)
{
	struct spanchan_rec r[3] = {
		{ 0, t, t + 100, 7, 7, SPANCHAN_END, 0, 1 },
		{ 0, t + 10, 0, 4, 7, SPANCHAN_LABEL, 0, 3 },
		{ t, 0, t + 50, 8, 7, SPANCHAN_LATENCY, 0, 2 },
	};

	for (int i = 0; i < 3; i++)
		spanchan_push(&f->prod, &r[i]);
	spanchan_open(&f->prod, t + 200, 1, 9, 0);
}

/* The patches of data[0..len) onto the mapping. */
static void patch(struct fuzz *f, const uint8_t *data, size_t len)
{
	while (len >= 4) {
		size_t off = ((size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16) % f->map_size;
		size_t n = data[3];

		data += 4;
		len -= 4;
		n = n < len ? n : len;
		n = n < f->map_size - off ? n : f->map_size - off;
		memcpy(f->map + off, data, n);
		data += n;
		len -= n;
	}
}

static void sample(struct fuzz *f, uint32_t tid, uint64_t time)
{
	struct profile_label l = { .key = "tid", .num = tid };
	int64_t v[2] = { 1, 1000 };
	uint64_t loc = 1;

	spanjoin_add_sample(f->sj, f->p, tid, time, &(struct profile_sample){
		.n_locations = 1, .location_ids = &loc, .n_labels = 1, .labels = &l, .values = v });
}

/* The strings the records name, before anything is written over. */
static void intern_all(struct fuzz *f)
{
	spanchan_intern(f->prog, "request");
	spanchan_intern(f->prog, "db");
	spanchan_intern(f->prog, "key");
	spanchan_intern(f->prog, "value");
}

/* The shared memory of fd, mapped once more to write over. */
static int map_it(struct fuzz *f, int fd)
{
	f->map_size = (size_t)lseek(fd, 0, SEEK_END);
	f->map = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return -1;
	}
	return 0;
}

/* The program's own channel, patched with first[0..len) before hwprof joins
 * it.  0, or -1 when the join is refused (or anything else failed). */
static int setup_joined(struct fuzz *f, int tsc, const uint8_t *first, size_t len)
{
	char path[64];
	int fd;

	if (spanchan_publish(2, 64, 16, &f->prog) < 0)
		return -1;
	if (tsc)
		spanchan_set_clock(f->prog, SPANCHAN_CLOCK_TSC);
	if (map_it(f, spanchan_fd(f->prog)) < 0 || spanchan_claim(f->prog, 7, &f->prod) < 0)
		return -1;
	intern_all(f);
	patch(f, first, len);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", spanchan_fd(f->prog));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (spanchan_join(fd, &f->ch) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}

static int setup(struct fuzz *f, int tsc, int joined, const uint8_t *first, size_t len)
{
	int fd;

	if (joined) {
		if (setup_joined(f, tsc, first, len) < 0)
			return -1;
	} else {
		if (spanchan_create(2, 64, 16, &fd, &f->ch) < 0)
			return -1;
		if (tsc)
			spanchan_set_clock(f->ch, SPANCHAN_CLOCK_TSC);
		if (map_it(f, fd) < 0 || spanchan_attach(fd, &f->prog) < 0 ||
		    spanchan_claim(f->prog, 7, &f->prod) < 0)
			return -1;
		intern_all(f);
	}
	if (spanjoin_new(f->ch, &f->sj) < 0 || profile_new(&f->p) < 0)
		return -1;
	profile_add_type(f->p, "samples", "count");
	profile_add_type(f->p, "cpu", "nanoseconds");
	profile_location(f->p, 0, 0x1000, &(struct profile_line){ 0 }, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz f = { 0 };
	size_t rounds;
	uint64_t dropped;

	/* data[0]: rounds - 1 (bits 0-1), TSC (2), spanjoin (3), the program's
	 * own channel (4; the first round's patches before the join). */
	if (size < 1)
		return 0;
	rounds = 1 + (data[0] & 3);
	if (setup(&f, data[0] & 4, data[0] & 16, data + 1, (size - 1) / rounds) == 0) {
		data++;
		size--;
		for (size_t i = 0; i < rounds; i++) {
			size_t from = i * size / rounds, to = (i + 1) * size / rounds;

			produce(&f, 1000 * (i + 1));
			patch(&f, data + from, to - from);
			spanchan_drain(f.ch, check, f.ch);
			produce(&f, 1000 * (i + 1) + 500);
			if (!(data[-1] & 8))
				continue;
			spanjoin_drain(f.sj);
			for (uint32_t t = 6; t < 9; t++)
				sample(&f, t, 1000 * (i + 1) + 50);
			spanjoin_settle(f.sj, f.p, i + 1 == rounds);
		}
		spanchan_corrupted(f.ch, &dropped);
	}
	if (f.map)
		munmap(f.map, f.map_size);
	profile_free(f.p);
	spanjoin_free(f.sj);
	spanchan_free(f.prog);
	spanchan_free(f.ch);
	return 0;
}
