/* spancorrupt.c - a program that attacks hwprof through its own span channel.
 *
 * It marks spans and sets a thread label (libhwprof, linked in statically),
 * waits for hwprof to have drained them, then overwrites the shared memory of
 * the channel, found by name in /proc/self/maps, and goes on marking spans
 * for a while before it exits with STATUS:
 *
 *	spancorrupt MODE [STATUS]
 *
 *	none       nothing (the control run)
 *	zeros      the whole mapping set to 0
 *	ones       the whole mapping set to 0xff
 *	random     the whole mapping filled with random bytes
 *	firstpage  random bytes over the first page (header and strings)
 *	flips      random bit flips in the first 2 MiB (header, strings, the
 *	           first rings) while a second thread marks spans
 *	shrink     truncate the channel's descriptor to nothing
 *
 * STATUS defaults to 3.  Without hwprof (no channel) it says so and exits 77. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hwprof.h"

static volatile uint64_t sink;
static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void work(int n)
{
	for (int i = 0; i < n; i++)
		sink += (uint64_t)i * 2654435761u;
}

/* Spans for ms milliseconds (or until stop), each around a little work. */
__attribute__((noinline)) static void mark_spans(uint64_t ms, uint64_t *trace)
{
	uint64_t end = now_ns() + ms * 1000000u;

	while (now_ns() < end && !stop) {
		hwprof_span_begin("request", ++*trace);
		work(20000);
		hwprof_span_begin("inner", *trace);
		work(5000);
		hwprof_span_end();
		hwprof_span_end();
	}
}

/* The channel's mapping in /proc/self/maps.  0, or -1 when there is none. */
static int find_channel(char **start, size_t *len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (strstr(line, "hwprof-spans") && sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*start = (char *)a;
			*len = b - a;
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void fill_random(char *p, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd(seed);

		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

static void *marker(void *arg)
{
	uint64_t trace = 1000000;

	(void)arg;
	hwprof_label_set("worker", "marker");
	mark_spans(600, &trace);
	return NULL;
}

/* Flip bits in the first 2 MiB of the mapping for ms milliseconds while a
 * second thread (its ring claimed first) marks spans. */
static void flip_bits(char *p, size_t len, uint64_t ms, uint64_t *seed)
{
	size_t span = len < (2u << 20) ? len : (2u << 20);
	uint64_t end = now_ns() + ms * 1000000u;
	pthread_t th;

	if (pthread_create(&th, NULL, marker, NULL) != 0)
		return;
	usleep(20000);
	while (now_ns() < end) {
		for (int i = 0; i < 200; i++) {
			uint64_t r = rnd(seed);

			/* Half of them on the first page: the header, where one flip
			 * moves every ring. */
			size_t off = (r & 1) ? (r >> 8) % 4096 : (r >> 8) % span;

			p[off] ^= (char)(1u << ((r >> 1) & 7));
		}
		usleep(50);
	}
	stop = 1;
	pthread_join(th, NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";
	int status = argc > 2 ? atoi(argv[2]) : 3;
	uint64_t trace = 0, seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	const char *fd_s = getenv("HWPROF_SPANS_FD");
	char *map;
	size_t len;

	if (!(hwprof_spans_active() & HWPROF_SPANS_RECORD) || find_channel(&map, &len) < 0) {
		printf("spancorrupt: no span channel (not run under hwprof record)\n");
		return 77;
	}
	hwprof_label_set("phase", "before");
	mark_spans(200, &trace);
	/* Let hwprof drain what was marked: the rings are read every 100 ms. */
	usleep(250000);
	if (strcmp(mode, "zeros") == 0)
		memset(map, 0, len);
	else if (strcmp(mode, "ones") == 0)
		memset(map, 0xff, len);
	else if (strcmp(mode, "random") == 0)
		fill_random(map, len, &seed);
	else if (strcmp(mode, "firstpage") == 0)
		fill_random(map, 4096, &seed);
	else if (strcmp(mode, "flips") == 0)
		flip_bits(map, len, 600, &seed);
	else if (strcmp(mode, "shrink") == 0) {
		if (!fd_s || ftruncate(atoi(fd_s), 0) == 0)
			printf("spancorrupt: the channel was truncated\n");
		else
			printf("spancorrupt: truncate refused: %s\n", strerror(errno));
	} else if (strcmp(mode, "none") != 0) {
		fprintf(stderr, "spancorrupt: unknown mode %s\n", mode);
		return 2;
	}
	/* Go on as if nothing happened: spans after the damage. */
	mark_spans(300, &trace);
	printf("spancorrupt: pid %d, %s done, %llu spans\n", (int)getpid(), mode,
	       (unsigned long long)trace);
	return status;
}
