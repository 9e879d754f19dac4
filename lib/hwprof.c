/* hwprof.c - libhwprof, the counters API: see hwprof.h. */
#include "hwprof.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "arch.h"
#include "counters.h"
#include "events.h"

struct counter {
	int fd;				/* -1: unavailable on this machine */
	size_t group;			/* index into hwprof_counters.group */
	unsigned int flags;		/* HWPROF_VALUE_UNAVAILABLE, _USER_ONLY */
	uint64_t id;			/* kernel id, to match group read() entries */
	const volatile struct perf_event_mmap_page *page; /* NULL: no user-space reads */
	int user_read;			/* opened for user-space reads (arch_user_read_attr) */
	/* Raw values at the last reset: the kernel's PERF_EVENT_IOC_RESET clears the
	 * count but not time_enabled/time_running, so reset is done here instead,
	 * for values and times alike. */
	uint64_t base_value, base_enabled, base_running;
	/* The latest raw reading (scratch, so that read allocates nothing). */
	uint64_t value, enabled, running;
	char name[128];
};

struct hwprof_counters {
	size_t n;
	struct counter *ctr;
	int *leader;			/* [n]: kernel group g's leader fd, -1 if none */
	int mapped;			/* every open counter has its page mapped */
	size_t page_size;
	uint64_t *buf;			/* group read(): nr, enabled, running, {value, id}[nr] */
	size_t buf_len;			/* bytes */
};

#define READ_FORMAT (PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | \
		     PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID)

/* What a refusal means for the caller: "this machine cannot count it" is the
 * case HWPROF_SKIP_UNSUPPORTED tolerates (events_refusal_of decides it). */
static int open_error(int err, const struct event *e)
{
	switch (events_refusal_of(e, err)) {
	case EVENTS_UNSUPPORTED:
		return HWPROF_E_UNSUPPORTED;
	case EVENTS_DENIED:
		return HWPROF_E_PERMISSION;
	default:
		return err;
	}
}

static int open_one(struct hwprof_counters *c, struct counter *k, const struct event *e,
		    int flags)
{
	struct perf_event_attr attr = e->attr;
	int *leader = &c->leader[k->group];
	int fd;

	attr.size = sizeof(attr);
	attr.sample_period = 0;
	attr.freq = 0;
	attr.sample_type = 0;
	/* Only the leader starts disabled: members follow it in and out. */
	attr.disabled = *leader < 0;
	attr.inherit = !!(flags & HWPROF_INHERIT);
	attr.read_format = READ_FORMAT;
	/* User-space reads, where the architecture needs the event to ask for
	 * them (arm64); counters read by their own thread only (no inherit). */
	if (!(flags & (HWPROF_INHERIT | HWPROF_NO_RDPMC)) && events_is_hardware(e))
		k->user_read = arch_user_read_attr(&attr);
	fd = events_open(&attr, 0, -1, *leader);
	/* perf_event_paranoid 2 refuses kernel-mode counting to users: count user
	 * space only rather than nothing, and say so in the value's flags. */
	if (fd < 0 && events_refusal_of(e, fd) == EVENTS_DENIED && !attr.exclude_kernel) {
		attr.exclude_kernel = 1;
		attr.exclude_hv = 1;
		fd = events_open(&attr, 0, -1, *leader);
		if (fd >= 0)
			k->flags |= HWPROF_VALUE_USER_ONLY;
	}
	if (fd < 0)
		return open_error(fd, e);
	if (ioctl(fd, PERF_EVENT_IOC_ID, &k->id) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	k->fd = fd;
	if (*leader < 0)
		*leader = fd;
	return 0;
}

/* Which kernel group each event joins.  Groups the text spells out ({a,b},
 * presets) are kept: each is scheduled, multiplexed and read on its own.  A
 * plain list becomes one group, so that one read() returns every value sampled
 * at the same moment, unless it has more CPU PMU events than a core has
 * counters: such a group could never run, so each event goes alone and the
 * kernel multiplexes them (values then scaled). */
static void assign_groups(struct hwprof_counters *c, const struct event_list *l)
{
	size_t grouped = 0, hw = 0;

	for (size_t i = 0; i < l->n; i++) {
		grouped += l->ev[i].leader != (int)i;
		hw += events_is_hardware(&l->ev[i]) != 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (grouped)
			c->ctr[i].group = (size_t)l->ev[i].leader;
		else if (hw > EVENTS_GROUP_MAX_HW)
			c->ctr[i].group = i;
		else
			c->ctr[i].group = 0;
	}
}

/* Reading a counter from user space (x86 rdpmc, arm64 mrs) needs its page, a
 * CPU PMU counter opened for it (software events have no register) and the
 * counter's own thread only: inherited children count into counters of their
 * own that only read() sums. */
static void map_pages(struct hwprof_counters *c, const struct event_list *l, int flags)
{
	if (flags & (HWPROF_INHERIT | HWPROF_NO_RDPMC))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->ctr[i].fd >= 0 && (!events_is_hardware(&l->ev[i]) || !c->ctr[i].user_read))
			return;
	for (size_t i = 0; i < c->n; i++) {
		void *p;

		if (c->ctr[i].fd < 0)
			continue;
		p = mmap(NULL, c->page_size, PROT_READ, MAP_SHARED, c->ctr[i].fd, 0);
		if (p == MAP_FAILED)
			return;	/* the pages mapped so far are unmapped by close */
		c->ctr[i].page = p;
	}
	c->mapped = 1;
}

int hwprof_counters_open(const char *events, int flags, struct hwprof_counters **out)
{
	struct hwprof_counters *c = NULL;
	struct event_list *l = NULL;
	char err[256];
	size_t nopen = 0;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!events)
		return HWPROF_E_EVENT;
	r = events_parse(events, &l, err, sizeof(err));
	if (r < 0) {
		r = r == -ENOMEM ? r : HWPROF_E_EVENT;
		goto out;
	}
	r = -ENOMEM;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto out;
	c->page_size = (size_t)sysconf(_SC_PAGESIZE);
	c->ctr = calloc(l->n, sizeof(*c->ctr));
	c->leader = calloc(l->n, sizeof(*c->leader));
	c->buf_len = (3 + 2 * l->n) * sizeof(uint64_t);
	c->buf = malloc(c->buf_len);
	if (!c->ctr || !c->leader || !c->buf)
		goto out;
	c->n = l->n;
	for (size_t i = 0; i < c->n; i++) {
		c->ctr[i].fd = -1;
		c->leader[i] = -1;
		snprintf(c->ctr[i].name, sizeof(c->ctr[i].name), "%s", l->ev[i].name);
	}
	assign_groups(c, l);
	for (size_t i = 0; i < c->n; i++) {
		r = open_one(c, &c->ctr[i], &l->ev[i], flags);
		if (r == HWPROF_E_UNSUPPORTED && (flags & HWPROF_SKIP_UNSUPPORTED)) {
			c->ctr[i].flags |= HWPROF_VALUE_UNAVAILABLE;
			continue;
		}
		if (r < 0)
			goto out;
		nopen++;
	}
	if (nopen == 0) {
		r = HWPROF_E_UNSUPPORTED;
		goto out;
	}
	map_pages(c, l, flags);
	r = flags & HWPROF_START ? hwprof_counters_start(c) : 0;
out:
	events_free(l);
	if (r < 0) {
		hwprof_counters_close(c);
		return r;
	}
	*out = c;
	return 0;
}

void hwprof_counters_close(struct hwprof_counters *c)
{
	if (!c)
		return;
	for (size_t i = 0; c->ctr && i < c->n; i++) {
		if (c->ctr[i].page)
			munmap((void *)c->ctr[i].page, c->page_size);
		/* Members first, leaders last: closing a leader with live members
		 * promotes them to singletons for nothing. */
		if (c->ctr[i].fd >= 0 && c->ctr[i].fd != c->leader[c->ctr[i].group])
			close(c->ctr[i].fd);
	}
	for (size_t g = 0; c->leader && g < c->n; g++)
		if (c->leader[g] >= 0)
			close(c->leader[g]);
	free(c->leader);
	free(c->ctr);
	free(c->buf);
	free(c);
}

/* Start and stop switch the leader only: members stay enabled and count
 * exactly while their leader does.  (PERF_IOC_FLAG_GROUP toggles every member
 * too, and a software member re-enabled that way stayed off in our tests.) */
static int toggle(struct hwprof_counters *c, unsigned long request)
{
	if (!c)
		return -EINVAL;
	for (size_t g = 0; g < c->n; g++)
		if (c->leader[g] >= 0 && ioctl(c->leader[g], request, 0) < 0)
			return -errno;
	return 0;
}

int hwprof_counters_start(struct hwprof_counters *c)
{
	return toggle(c, PERF_EVENT_IOC_ENABLE);
}

int hwprof_counters_stop(struct hwprof_counters *c)
{
	return toggle(c, PERF_EVENT_IOC_DISABLE);
}

/* One read() of a leader gives every member, sampled at the same moment. */
static int read_group(struct hwprof_counters *c, size_t g)
{
	ssize_t got = read(c->leader[g], c->buf, c->buf_len);
	uint64_t nr, enabled, running;
	size_t next = 0;

	if (got < 0)
		return -errno;
	if ((size_t)got < 3 * sizeof(uint64_t))
		return -EIO;
	nr = c->buf[0];
	enabled = c->buf[1];
	running = c->buf[2];
	if ((size_t)got < (3 + 2 * nr) * sizeof(uint64_t))
		return -EIO;
	for (uint64_t j = 0; j < nr; j++) {
		uint64_t value = c->buf[3 + 2 * j], id = c->buf[4 + 2 * j];
		size_t i;

		/* Members come in the order they were opened; search otherwise. */
		for (i = next; i < c->n && (c->ctr[i].fd < 0 || c->ctr[i].group != g); i++)
			;
		if (i == c->n || c->ctr[i].id != id)
			for (i = 0; i < c->n && (c->ctr[i].fd < 0 || c->ctr[i].id != id); i++)
				;
		if (i == c->n)
			return -EIO;
		c->ctr[i].value = value;
		c->ctr[i].enabled = enabled;
		c->ctr[i].running = running;
		next = i + 1;
	}
	return 0;
}

#define compiler_barrier() __asm__ __volatile__("" ::: "memory")

/* One counter from its page, without a system call.  The kernel rewrites the
 * page when it schedules the counter in or out; `lock` is a sequence count
 * bumped around those updates, so the fields are retried until one pass saw no
 * update.  index is the hardware counter + 1 while the counter is on this CPU,
 * 0 otherwise (stopped, multiplexed out, or user access off): then -EAGAIN
 * sends us to read().  The page's times stop at the last update;
 * time_offset/mult/shift turn the clock counter (arch_clock_read: the TSC,
 * CNTVCT_EL0) into the nanoseconds since then. */
static int read_page(struct counter *k)
{
	const volatile struct perf_event_mmap_page *pc = k->page;
	uint64_t enabled, running, count, cyc, delta, time_offset, time_cycles = 0;
	uint64_t time_mask = ~UINT64_C(0);
	uint32_t seq, idx, mult;
	uint16_t shift;

	do {
		seq = pc->lock;
		compiler_barrier();
		idx = pc->index;
		if (!pc->cap_user_rdpmc || !pc->cap_user_time || idx == 0)
			return -EAGAIN;
		enabled = pc->time_enabled;
		running = pc->time_running;
		count = (uint64_t)(pc->offset + counters_pmc_extend(arch_read_counter(idx), pc->pmc_width));
		cyc = arch_clock_read();
		mult = pc->time_mult;
		shift = pc->time_shift;
		time_offset = pc->time_offset;
		if (pc->cap_user_time_short) {
			time_cycles = pc->time_cycles;
			time_mask = pc->time_mask;
		}
		compiler_barrier();
	} while (pc->lock != seq);
	cyc = counters_tsc_short(cyc, time_cycles, time_mask);
	delta = counters_tsc_delta(cyc, mult, shift, time_offset);
	k->value = count;
	k->enabled = enabled + delta;
	k->running = running + delta;
	return 0;
}

static int read_raw(struct hwprof_counters *c)
{
	if (c->mapped) {
		size_t i;

		for (i = 0; i < c->n; i++)
			if (c->ctr[i].page && read_page(&c->ctr[i]) < 0)
				break;
		if (i == c->n)
			return 0;
	}
	for (size_t g = 0; g < c->n; g++) {
		int r = c->leader[g] >= 0 ? read_group(c, g) : 0;

		if (r < 0)
			return r;
	}
	return 0;
}

int hwprof_counters_reset(struct hwprof_counters *c)
{
	int r;

	if (!c)
		return -EINVAL;
	r = read_raw(c);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n; i++) {
		c->ctr[i].base_value = c->ctr[i].value;
		c->ctr[i].base_enabled = c->ctr[i].enabled;
		c->ctr[i].base_running = c->ctr[i].running;
	}
	return 0;
}

int hwprof_counters_read(struct hwprof_counters *c, struct hwprof_value *vals, size_t n)
{
	int r;

	if (!c || (n && !vals))
		return -EINVAL;
	r = read_raw(c);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && i < c->n; i++) {
		const struct counter *k = &c->ctr[i];
		struct hwprof_value *v = &vals[i];

		memset(v, 0, sizeof(*v));
		v->flags = k->flags;
		if (k->fd < 0)
			continue;
		v->value = k->value - k->base_value;
		v->time_enabled = k->enabled - k->base_enabled;
		v->time_running = k->running - k->base_running;
		v->scaled = counters_scale(v->value, v->time_enabled, v->time_running);
		if (v->time_enabled == 0) {
			v->coverage = 1.0;
		} else {
			v->coverage = (double)v->time_running / (double)v->time_enabled;
			if (v->time_running == 0)
				v->flags |= HWPROF_VALUE_NOT_RUN;
			else if (v->time_running < v->time_enabled)
				v->flags |= HWPROF_VALUE_SCALED;
		}
	}
	return (int)c->n;
}

size_t hwprof_counters_count(const struct hwprof_counters *c)
{
	return c ? c->n : 0;
}

const char *hwprof_counters_name(const struct hwprof_counters *c, size_t i)
{
	return c && i < c->n ? c->ctr[i].name : NULL;
}

int hwprof_counters_rdpmc(const struct hwprof_counters *c)
{
	if (!c || !c->mapped)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->ctr[i].page && !(c->ctr[i].page->cap_user_rdpmc && c->ctr[i].page->cap_user_time))
			return 0;
	return 1;
}

int hwprof_events_check(const char *events, char *msg, size_t len)
{
	struct event_list *l = NULL;
	char err[256];
	int r;

	if (msg && len)
		msg[0] = '\0';
	if (!events)
		return HWPROF_E_EVENT;
	r = events_parse(events, &l, err, sizeof(err));
	events_free(l);
	if (r < 0 && msg && len) {
		strncpy(msg, err, len - 1);
		msg[len - 1] = '\0';
	}
	return r < 0 && r != -ENOMEM ? HWPROF_E_EVENT : r;
}

const char *hwprof_strerror(int err)
{
	const char *s;

	switch (err) {
	case 0:
		return "success";
	case HWPROF_E_EVENT:
		return "event not understood (unknown name or bad syntax; see 'hwprof list')";
	case HWPROF_E_UNSUPPORTED:
		return events_refusal_text(EVENTS_UNSUPPORTED);
	case HWPROF_E_PERMISSION:
		return events_refusal_text(EVENTS_DENIED);
	}
	s = err < 0 ? strerrordesc_np(-err) : NULL;
	return s ? s : "unknown error";
}
