/* util.c - see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int util_grow_raw(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **p = arr;
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	n = realloc(*p, ncap * elem);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = ncap;
	return 0;
}

int util_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t old = *cap;
	int err = util_grow_raw(arr, cap, need, elem);

	if (err == 0 && *cap > old)
		memset(*(char **)arr + old * elem, 0, (*cap - old) * elem);
	return err;
}

uint64_t util_hash(const void *buf, size_t len, uint64_t h)
{
	const unsigned char *b = buf;

	/* Eight bytes at a time (stacks are arrays of u64 ids), each folded in with
	 * a multiply and a shift that brings high bits down: tables use the low
	 * bits.  Then the tail a byte at a time, FNV-1a style. */
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		b += 8;
		len -= 8;
	}
	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 32);
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t util_now_mono_ns(void) { return now_ns(CLOCK_MONOTONIC); }
int64_t util_now_real_ns(void) { return now_ns(CLOCK_REALTIME); }

int util_exit_status(int wait_status)
{
	if (WIFEXITED(wait_status))
		return WEXITSTATUS(wait_status);
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return 1;
}

void util_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

int64_t util_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int util_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "kMGT";
	unsigned long long v;
	const char *u;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -EINVAL;
	if (*end) {
		u = strchr(units, *end == 'K' ? 'k' : *end);
		if (!u || !*u)
			return -EINVAL;
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
		if (*end)
			return -EINVAL;
		for (long i = 0; i <= u - units; i++) {
			if (v > UINT64_MAX / 1024)
				return -EINVAL;
			v *= 1024;
		}
	}
	*out = v;
	return 0;
}

const char *util_strerror(int err)
{
	return err == -ENOMEM ? "out of memory" : strerror(-err);
}

int util_read_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "r");
	int v = dflt;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

int util_perf_paranoid(void)
{
	return util_read_int("/proc/sys/kernel/perf_event_paranoid", 2);
}

int util_read_file(const char *path, char **out, size_t *len)
{
	return util_read_file_max(path, SIZE_MAX - 65537, out, len);
}

int util_read_file_max(const char *path, size_t max, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, err = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (util_grow(&buf, &cap, n + 65536 + 1, 1) < 0) {
			err = -ENOMEM;
			break;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
