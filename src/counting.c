/* counting.c - see counting.h. */
#include "counting.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct counting_fd {
	int fd;
	int err;          /* 0 or -errno of perf_event_open */
	int user_only;
};

struct counting {
	size_t n;
	struct counting_fd *fds;
};

int counting_scale(const struct counting_reading *r, double *scaled, double *pct)
{
	*scaled = 0;
	*pct = 0;
	if (r->running == 0)
		return -ENODATA;
	/* Multiplexing: the kernel rotated this event on and off a counter; assume it
	 * ran at the same rate while it was off (what perf stat assumes too), and say
	 * for how much of the time it really counted. */
	if (r->enabled > r->running) {
		*scaled = (double)r->value * ((double)r->enabled / (double)r->running);
		*pct = 100.0 * (double)r->running / (double)r->enabled;
	} else {
		*scaled = (double)r->value;
		*pct = 100.0;
	}
	return 0;
}

static void counting_attr(const struct event *e, int leader, struct perf_event_attr *a)
{
	*a = e->attr;
	a->size = sizeof(*a);
	/* Counting only: a per-event :period= is for record. */
	a->sample_period = 0;
	a->freq = 0;
	a->sample_type = 0;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a->inherit = 1;
	/* Members follow their leader: only the leader waits for the exec. */
	a->disabled = leader;
	a->enable_on_exec = leader;
}

int counting_open(const struct event_list *l, pid_t pid, struct counting **out)
{
	struct counting *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fds = calloc(l->n ? l->n : 1, sizeof(*c->fds));
	if (!c->fds) {
		free(c);
		return -ENOMEM;
	}
	c->n = l->n;
	for (size_t i = 0; i < l->n; i++)
		c->fds[i].fd = -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		size_t ld = (size_t)e->leader;
		int is_leader = ld == i, group_fd = -1, r;
		struct perf_event_attr a;

		if (!is_leader) {
			if (ld >= l->n || c->fds[ld].fd < 0) {
				c->fds[i].err = -ECANCELED;
				continue;
			}
			group_fd = c->fds[ld].fd;
		}
		counting_attr(e, is_leader, &a);
		r = events_open(&a, pid, -1, group_fd);
		if (r < 0 && events_refusal_of(e, r) == EVENTS_DENIED && !a.exclude_kernel) {
			/* perf_event_paranoid 2: user space is still allowed. */
			a.exclude_kernel = 1;
			a.exclude_hv = 1;
			r = events_open(&a, pid, -1, group_fd);
			if (r >= 0)
				c->fds[i].user_only = 1;
		}
		if (r < 0 && events_refusal_of(e, r) == EVENTS_EXHAUSTED) {
			counting_free(c);
			return r;
		}
		if (r < 0)
			c->fds[i].err = r;
		else
			c->fds[i].fd = r;
	}
	*out = c;
	return 0;
}

int counting_error(const struct counting *c, size_t i)
{
	return i < c->n ? c->fds[i].err : -EINVAL;
}

int counting_user_only(const struct counting *c, size_t i)
{
	return i < c->n && c->fds[i].user_only;
}

int counting_read(const struct counting *c, size_t i, struct counting_reading *out)
{
	uint64_t buf[3];
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (i >= c->n || c->fds[i].fd < 0)
		return -EBADF;
	n = read(c->fds[i].fd, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(buf))
		return -EIO;
	out->value = buf[0];
	out->enabled = buf[1];
	out->running = buf[2];
	return 0;
}

void counting_free(struct counting *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n && c->fds; i++)
		if (c->fds[i].fd >= 0)
			close(c->fds[i].fd);
	free(c->fds);
	free(c);
}

int counting_probe(const struct perf_event_attr *attr)
{
	struct perf_event_attr a = *attr;
	int fd;

	a.size = sizeof(a);
	a.sample_period = 0;
	a.freq = 0;
	a.sample_type = 0;
	a.disabled = 1;
	a.inherit = 0;
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	fd = events_open(&a, 0, -1, -1);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* Which generic event an attr is, for the metrics (by encoding, not by name:
 * "cs" and "context-switches" are the same event). */
static int is_event(const struct event *e, uint32_t type, uint64_t config)
{
	return e->attr.type == type && e->attr.config == config;
}

static long find(const struct event_list *l, const int *valid, uint32_t type, uint64_t config)
{
	for (size_t i = 0; i < l->n; i++)
		if (valid[i] && is_event(&l->ev[i], type, config))
			return (long)i;
	return -1;
}

static size_t add_metric(struct counting_metric *out, size_t n, size_t cap, size_t ev, double v,
			 const char *unit)
{
	if (n >= cap)
		return n;
	out[n].event = ev;
	out[n].value = v;
	snprintf(out[n].unit, sizeof(out[n].unit), "%s", unit);
	return n + 1;
}

size_t counting_metrics(const struct event_list *l, const double *v, const int *valid, double wall_ns,
			struct counting_metric *out, size_t cap)
{
	static const struct ratio {
		uint32_t type;
		uint64_t num, den;
		const char *unit;
	} ratios[] = {
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
		  "% of all branches" },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, PERF_COUNT_HW_CACHE_REFERENCES,
		  "% of all cache refs" },
	};
	size_t n = 0;
	long task = find(l, valid, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	long cyc = find(l, valid, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	double busy_ns = task >= 0 ? v[task] : wall_ns;

	if (task >= 0 && wall_ns > 0)
		n = add_metric(out, n, cap, (size_t)task, v[task] / wall_ns, "CPUs utilized");
	for (size_t i = 0; i < l->n; i++) {
		const struct event *e = &l->ev[i];

		if (!valid[i])
			continue;
		if (e->attr.type == PERF_TYPE_SOFTWARE &&
		    (e->attr.config == PERF_COUNT_SW_CONTEXT_SWITCHES ||
		     e->attr.config == PERF_COUNT_SW_CPU_MIGRATIONS ||
		     e->attr.config == PERF_COUNT_SW_PAGE_FAULTS ||
		     e->attr.config == PERF_COUNT_SW_PAGE_FAULTS_MIN ||
		     e->attr.config == PERF_COUNT_SW_PAGE_FAULTS_MAJ) && busy_ns > 0)
			n = add_metric(out, n, cap, i, v[i] / (busy_ns / 1e9), "/sec");
		if (is_event(e, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES) && task >= 0 && v[task] > 0)
			n = add_metric(out, n, cap, i, v[i] / v[task], "GHz");
		if (is_event(e, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS) && cyc >= 0 && v[cyc] > 0)
			n = add_metric(out, n, cap, i, v[i] / v[cyc], "insn per cycle");
		for (size_t r = 0; r < sizeof(ratios) / sizeof(ratios[0]); r++) {
			long d;

			if (!is_event(e, ratios[r].type, ratios[r].num))
				continue;
			d = find(l, valid, ratios[r].type, ratios[r].den);
			if (d >= 0 && v[d] > 0)
				n = add_metric(out, n, cap, i, 100.0 * v[i] / v[d], ratios[r].unit);
		}
		/* Cache events: config = cache | op << 8 | result << 16; a miss goes
		 * with the access of the same cache and operation. */
		if (e->attr.type == PERF_TYPE_HW_CACHE &&
		    (e->attr.config >> 16) == PERF_COUNT_HW_CACHE_RESULT_MISS) {
			long d = find(l, valid, PERF_TYPE_HW_CACHE, e->attr.config & 0xffff);

			if (d >= 0 && v[d] > 0)
				n = add_metric(out, n, cap, i, 100.0 * v[i] / v[d], "% of all accesses");
		}
	}
	return n;
}
