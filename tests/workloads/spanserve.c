/* spanserve.c - a service linked with libhwprof (statically) and started
 * without hwprof: it labels its thread, then serves "request" spans (each
 * around a little work) for SECONDS, so that an hwprof that attaches later
 * (`record -p`, `agent -p`) can join the span channel the library publishes.
 *
 *	spanserve SECONDS [MODE]
 *
 * Every 100 ms it prints "spanserve: t=MS active=A spans=N" (A: whether a
 * reader has joined, hwprof_spans_active).  MODE spoils what it publishes
 * before anyone joins:
 *
 *	ok        nothing (the default)
 *	garbage   random bytes over the channel's first page
 *	size      the header's size field one page larger than the file
 *	unsealed  its own channel off (run with HWPROF_SPANS_PUBLISH=0) and an
 *	          unsealed memfd of the channel's name in its place, filled with
 *	          random bytes
 *	closefd   not spoiled: the channel's descriptor closed (a daemon closing
 *	          what it inherited), its mapping kept
 *
 * It prints "spanserve: pid PID ready" first and "spanserve: done" last. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hwprof.h"

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static void serve(int n)
{
	for (int i = 0; i < n; i++)
		sink += (uint64_t)i * 2654435761u;
}

/* The channel's mapping in /proc/self/maps: its start, or NULL. */
static char *find_channel(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], *at = NULL;

	while (f && !at && fgets(line, sizeof(line), f)) {
		unsigned long a;

		if (strstr(line, "hwprof-spans") && sscanf(line, "%lx-", &a) == 1)
			at = (char *)a;
	}
	if (f)
		fclose(f);
	return at;
}

static void fill_random(char *p, size_t len)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();

	for (size_t i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = (char)s;
	}
}

/* Close the descriptor of the channel (its mapping stays).  0 or -1. */
static int close_channel_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd = -1;

	while (d && fd < 0 && (e = readdir(d))) {
		char link[300], target[128];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && (target[n] = '\0', strstr(target, "hwprof-spans")))
			fd = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return fd < 0 ? -1 : close(fd);
}

/* MODE's damage.  0, or -1 when the mode is unknown or could not be done. */
static int spoil(const char *mode)
{
	char *map = find_channel();

	if (strcmp(mode, "ok") == 0)
		return 0;
	if (strcmp(mode, "unsealed") == 0) {
		int fd = memfd_create("hwprof-spans", 0);

		if (fd < 0 || ftruncate(fd, 1 << 20) < 0 ||
		    (map = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
			return -1;
		fill_random(map, 1 << 20);
		return 0;       /* fd stays open: that is the point */
	}
	if (!map)
		return -1;
	if (strcmp(mode, "closefd") == 0)
		return close_channel_fd();
	if (strcmp(mode, "garbage") == 0) {
		fill_random(map, 4096);
		return 0;
	}
	if (strcmp(mode, "size") == 0) {
		/* The header: magic, version, n_rings, slots, n_names, ring_off,
		 * names_off, then size at offset 40. */
		*(uint64_t *)(map + 40) += 4096;
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	uint64_t secs = argc > 1 ? strtoull(argv[1], NULL, 10) : 5, trace = 0;
	const char *mode = argc > 2 ? argv[2] : "ok";
	uint64_t start = now_ns(), end = start + secs * 1000000000u, next = start;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (spoil(mode) < 0) {
		printf("spanserve: cannot do mode %s\n", mode);
		return 77;
	}
	/* Set once at start, long before any hwprof comes. */
	hwprof_label_set("tenant", "acme");
	printf("spanserve: pid %d ready\n", (int)getpid());
	for (uint64_t t = start; t < end; t = now_ns()) {
		if (t >= next) {
			printf("spanserve: t=%llu active=%d spans=%llu\n",
			       (unsigned long long)((t - start) / 1000000), hwprof_spans_active() & 1,
			       (unsigned long long)trace);
			next += 100000000u;
		}
		hwprof_span_begin("request", ++trace);
		serve(100000);
		hwprof_span_end();
	}
	printf("spanserve: done, %llu spans\n", (unsigned long long)trace);
	return 0;
}
