/* timeline.c - see timeline.h. */
#include "timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "offcpu.h"
#include "util.h"

int timeline_new(struct timeline **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_threads; i++)
		free(t->threads[i].name);
	free(t->threads);
	free(t->items);
	free(t);
}

int timeline_thread(struct timeline *t, uint32_t pid, uint32_t tid, const char *name)
{
	struct timeline_thread *th = NULL;
	char *copy;

	if (!name)
		name = "";
	for (size_t i = 0; i < t->n_threads && !th; i++)
		if (t->threads[i].tid == tid)
			th = &t->threads[i];
	if (th && th->pid == pid && strncmp(th->name, name, strcspn(name, "\n")) == 0 &&
	    !th->name[strcspn(name, "\n")])
		return 0;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	if (!th) {
		if (util_grow(&t->threads, &t->cap_threads, t->n_threads + 1, sizeof(*t->threads)) < 0) {
			free(copy);
			return -ENOMEM;
		}
		th = &t->threads[t->n_threads++];
		th->name = NULL;
	}
	/* A name is one line of the side file. */
	copy[strcspn(copy, "\n")] = '\0';
	free(th->name);
	th->name = copy;
	th->pid = pid;
	th->tid = tid;
	return 0;
}

int timeline_add(struct timeline *t, uint32_t tid, int state, uint64_t start, uint64_t dur)
{
	struct timeline_item *it;

	if (t->n_items >= TIMELINE_MAX_ITEMS) {
		t->dropped++;
		return 0;
	}
	if (util_grow(&t->items, &t->cap_items, t->n_items + 1, sizeof(*t->items)) < 0)
		return -ENOMEM;
	it = &t->items[t->n_items++];
	it->tid = tid;
	it->state = state;
	it->start = start;
	it->dur = dur;
	return 0;
}

int timeline_write(const struct timeline *t, FILE *out)
{
	fprintf(out, "hwprof-timeline 1\n");
	for (size_t i = 0; i < t->n_threads; i++)
		fprintf(out, "t %" PRIu32 " %" PRIu32 " %s\n", t->threads[i].pid, t->threads[i].tid,
			t->threads[i].name);
	for (size_t i = 0; i < t->n_items; i++) {
		const struct timeline_item *it = &t->items[i];

		if (it->state < 0)
			fprintf(out, "s %" PRIu32 " %" PRIu64 "\n", it->tid, it->start);
		else
			fprintf(out, "i %" PRIu32 " %" PRIu64 " %" PRIu64 " %s\n", it->tid, it->start,
				it->dur, offcpu_state_name((enum offcpu_state)it->state));
	}
	return ferror(out) ? -EIO : 0;
}

static int state_by_name(const char *s, size_t len)
{
	for (int k = 0; k < OFFCPU_N_STATES; k++) {
		const char *n = offcpu_state_name((enum offcpu_state)k);

		if (strlen(n) == len && memcmp(n, s, len) == 0)
			return k;
	}
	return -1;
}

/* One line (NUL-terminated, without its newline). */
static int parse_line(struct timeline *t, char *line)
{
	unsigned long long a, b, c;
	unsigned int pid, tid;
	int used = 0, state;

	switch (line[0]) {
	case 't':
		if (sscanf(line, "t %u %u %n", &pid, &tid, &used) != 2 || !used)
			return -EINVAL;
		return timeline_thread(t, pid, tid, line + used);
	case 'i':
		if (sscanf(line, "i %u %llu %llu %n", &tid, &a, &b, &used) != 3 || !used)
			return -EINVAL;
		state = state_by_name(line + used, strlen(line + used));
		if (state < 0)
			return -EINVAL;
		return timeline_add(t, tid, state, a, b);
	case 's':
		if (sscanf(line, "s %u %llu%n", &tid, &c, &used) != 2 || line[used])
			return -EINVAL;
		return timeline_add(t, tid, -1, c, 0);
	case '\0':
		return 0;
	default:
		return -EINVAL;
	}
}

int timeline_parse(const char *buf, size_t len, struct timeline **out)
{
	static const char magic[] = "hwprof-timeline 1\n";
	struct timeline *t = NULL;
	char *line = NULL;
	size_t pos, cap = 0;
	int r;

	*out = NULL;
	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0)
		return -EINVAL;
	r = timeline_new(&t);
	if (r < 0)
		return r;
	for (pos = sizeof(magic) - 1; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		if (memchr(buf + pos, '\0', n)) {
			r = -EINVAL;
			goto fail;
		}
		if (util_grow(&line, &cap, n + 1, 1) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		r = parse_line(t, line);
		if (r < 0)
			goto fail;
		pos += n + 1;
	}
	free(line);
	*out = t;
	return 0;
fail:
	free(line);
	timeline_free(t);
	return r;
}

int timeline_read_file(const char *path, struct timeline **out)
{
	char *buf;
	size_t len;
	int r;

	*out = NULL;
	r = util_read_file(path, &buf, &len);
	if (r)
		return r;
	r = timeline_parse(buf, len, out);
	free(buf);
	return r;
}

static uint32_t pid_of(const struct timeline *t, uint32_t tid)
{
	for (size_t i = 0; i < t->n_threads; i++)
		if (t->threads[i].tid == tid)
			return t->threads[i].pid;
	return tid;
}

/* Microseconds with nanosecond digits, as the format's ts and dur want. */
static void json_us(const char *key, uint64_t ns, FILE *out)
{
	fprintf(out, ",\"%s\":%" PRIu64 ".%03u", key, ns / 1000, (unsigned)(ns % 1000));
}

int timeline_write_chrome(const struct timeline *t, FILE *out)
{
	uint64_t t0 = UINT64_MAX;
	const char *sep = "\n";
	uint32_t last_tid = 0, last_pid = 0;
	int have_last = 0;

	for (size_t i = 0; i < t->n_items; i++)
		if (t->items[i].start < t0)
			t0 = t->items[i].start;
	if (t0 == UINT64_MAX)
		t0 = 0;
	fprintf(out, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
	for (size_t i = 0; i < t->n_threads; i++) {
		const struct timeline_thread *th = &t->threads[i];

		fprintf(out, "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%" PRIu32
			",\"tid\":%" PRIu32 ",\"args\":{\"name\":", sep, th->pid, th->tid);
		fmt_json_string(out, th->name);
		fprintf(out, "}}");
		sep = ",\n";
	}
	for (size_t i = 0; i < t->n_items; i++) {
		const struct timeline_item *it = &t->items[i];

		/* Items come in runs of one thread: look its pid up once per run. */
		if (!have_last || it->tid != last_tid) {
			last_tid = it->tid;
			last_pid = pid_of(t, it->tid);
			have_last = 1;
		}
		if (it->state < 0) {
			fprintf(out, "%s{\"name\":\"sample\",\"cat\":\"cpu\",\"ph\":\"i\",\"s\":\"t\","
				"\"pid\":%" PRIu32 ",\"tid\":%" PRIu32, sep, last_pid, it->tid);
			json_us("ts", it->start - t0, out);
		} else {
			fprintf(out, "%s{\"name\":\"%s\",\"cat\":\"sched\",\"ph\":\"X\",\"pid\":%" PRIu32
				",\"tid\":%" PRIu32, sep, offcpu_state_name((enum offcpu_state)it->state),
				last_pid, it->tid);
			json_us("ts", it->start - t0, out);
			json_us("dur", it->dur, out);
		}
		fputc('}', out);
		sep = ",\n";
	}
	fprintf(out, "\n]}\n");
	return ferror(out) ? -EIO : 0;
}
