/* hwprof-spans.c - libhwprof's spans, latencies and thread labels: see hwprof.h.
 *
 * Sinks, chosen once at load time from the environment:
 *  - HWPROF_SPANS_FD (set by `hwprof record`): records go into the span
 *    channel (src/spanchan.h), one ring per thread, one record per span, no
 *    system call; times are TSC ticks where the channel says so (tscclock.h);
 *  - HWPROF_LATENCY_OUT=PREFIX: per span name an HDR histogram of latencies,
 *    written at exit as PREFIX.hlog and PREFIX.NAME.hgrm;
 *  - with neither, a channel of the program's own (spanchan_publish) for an
 *    hwprof that attaches later, unless HWPROF_SPANS_PUBLISH=0: while no
 *    reader has joined it, every call returns after two loads and two branches
 *    and nothing is written.  Each join has a new generation: a thread that
 *    sees one sends its labels again, so that they hold from the join on.
 * With none, every call returns after one load and one branch. */
#include "hwprof.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "hdr.h"
#include "hdrlog.h"
#include "hgrm.h"
#include "outfile.h"
#include "spanchan.h"
#include "tscclock.h"

#define MAX_NAMES 256
#define MAX_DEPTH 16
#define NAME_CACHE 32           /* per thread: name pointer -> id, direct mapped */
#define NS_PER_S 1000000000ULL
#define MAX_LABELS 8            /* per thread, sent again to a new reader */
/* The published channel: 64 rings of 16384 records (640 KiB each, mapped
 * by a thread's first span while a reader is there), 1024 strings. */
#define PUB_RINGS 64
#define PUB_SLOTS 16384
#define PUB_NAMES 1024

struct span_name {
	char *s;
	int chan_id;            /* string id in the channel, 0 without one */
	/* Standalone histograms, as HDR counts indexed like `shape`: updated with
	 * relaxed atomic adds by any thread, turned into histograms at exit. */
	uint64_t *latency;      /* end - intended start */
	uint64_t *service;      /* end - begin, when a span had an intended start */
	int has_service;
};

struct spans_ctx {
	struct spanchan *ch;
	/* Whether spans are written: the channel's reader word when published
	 * (0: no reader), else `always` (1). */
	const uint32_t *gate;
	uint32_t always;
	int published;
	int ticks;              /* span times are TSC ticks (recorder converts) */
	char *out_prefix;
	struct hdr *shape;      /* the histograms' parameters: 1 ns .. 1 h, 3 digits */
	size_t counts_len;
	uint64_t too_large;     /* latencies beyond 1 h (not recorded) */
	uint64_t start_real_ns, start_mono_ns;
	pthread_mutex_t lock;   /* names: adding; the hot path reads published ones */
	uint32_t n_names;
	struct span_name names[MAX_NAMES + 1];  /* ids 1..n_names */
	pthread_key_t key;      /* thread exit: give the ring back */
};

struct open_span {
	uint16_t id;
	uint16_t chan;          /* the name's string id in the channel (0: none) */
	uint64_t trace;
	uint64_t intended;      /* ns; 0: none (the latency runs from begin) */
	uint64_t begin;         /* span_clock() */
};

struct name_cache {
	const char *ptr;
	uint16_t id, chan;      /* as in open_span */
};

struct thread_state {
	uint32_t tid;
	uint32_t gen;           /* the reader's generation this thread last wrote for */
	int n_labels;           /* published channel: the labels in force */
	uint16_t label_key[MAX_LABELS], label_value[MAX_LABELS];
	int ring_failed;
	struct spanchan_producer prod;
	int depth;
	struct open_span stack[MAX_DEPTH];
	struct name_cache cache[NAME_CACHE];
};

/* The library's one global: the spans context, set before main() by
 * spans_init() and NULL when nothing records spans (the ~1 ns fast path).
 * Everything per thread lives in `self` (initial-exec TLS: no call to reach it). */
static struct spans_ctx *spans_ctx;
static __thread struct thread_state self __attribute__((tls_model("initial-exec")));

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The clock of begin and end: ticks or ns, as c->ticks says. */
static uint64_t span_clock(const struct spans_ctx *c)
{
	return c->ticks ? tscclock_read() : now_ns();
}

uint64_t hwprof_now_ns(void)
{
	return now_ns();
}

int hwprof_spans_active(void)
{
	struct spans_ctx *c = spans_ctx;

	if (!c)
		return 0;
	return (c->ch && __atomic_load_n(c->gate, __ATOMIC_RELAXED) ? HWPROF_SPANS_RECORD : 0) |
	       (c->out_prefix ? HWPROF_SPANS_HISTOGRAMS : 0);
}

static void thread_exit(void *arg)
{
	struct thread_state *t = arg;

	spanchan_release(&t->prod);
}

/* A forked child is a new process with a new tid: it must not append to the
 * parent thread's ring (two producers), so it claims its own on first use. */
static void after_fork_child(void)
{
	memset(&self, 0, sizeof(self));
}

static uint32_t my_tid(void)
{
	if (!self.tid)
		self.tid = (uint32_t)syscall(SYS_gettid);
	return self.tid;
}

static __attribute__((noinline)) int claim_ring(struct spans_ctx *c)
{
	if (self.ring_failed)
		return -EBUSY;
	if (spanchan_claim(c->ch, my_tid(), &self.prod) < 0) {
		self.ring_failed = 1;
		return -EBUSY;
	}
	pthread_setspecific(c->key, &self);
	return 0;
}

static inline int ensure_ring(struct spans_ctx *c)
{
	return __builtin_expect(self.prod.ring != NULL, 1) ? 0 : claim_ring(c);
}

static uint64_t *new_counts(struct spans_ctx *c)
{
	return calloc(c->counts_len, sizeof(uint64_t));
}

/* The id of name, adding it under the lock the first time. */
static int name_id_slow(struct spans_ctx *c, const char *name)
{
	struct span_name *n;
	int id = 0;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 1; i <= c->n_names; i++) {
		if (strcmp(c->names[i].s, name) == 0) {
			id = (int)i;
			goto out;
		}
	}
	if (c->n_names >= MAX_NAMES) {
		id = -ENOSPC;
		goto out;
	}
	n = &c->names[c->n_names + 1];
	memset(n, 0, sizeof(*n));
	n->s = strdup(name);
	if (!n->s || (c->out_prefix && (!(n->latency = new_counts(c)) || !(n->service = new_counts(c))))) {
		free(n->s);
		free(n->latency);
		free(n->service);
		id = -ENOMEM;
		goto out;
	}
	if (c->ch) {
		int r = spanchan_intern(c->ch, name);

		n->chan_id = r > 0 ? r : 0;
	}
	/* Release: the entry is complete before readers can see the new count. */
	__atomic_store_n(&c->n_names, c->n_names + 1, __ATOMIC_RELEASE);
	id = (int)c->n_names;
out:
	pthread_mutex_unlock(&c->lock);
	return id;
}

/* Fill the cache entry e for name; 0 or -errno. */
static __attribute__((noinline)) int name_miss(struct spans_ctx *c, const char *name,
					       struct name_cache *e)
{
	int id;

	if (!name)
		return -EINVAL;
	id = name_id_slow(c, name);
	if (id < 0)
		return id;
	e->ptr = name;
	e->id = (uint16_t)id;
	e->chan = (uint16_t)c->names[id].chan_id;
	return 0;
}

/* The cache entry of name: the pointer is the key (hwprof.h: names are
 * constant strings, such as literals); comparing the content every time cost
 * a tenth of a span.  NULL with *err set when the name cannot be added. */
static inline const struct name_cache *name_entry(struct spans_ctx *c, const char *name, int *err)
{
	struct name_cache *e = &self.cache[((uintptr_t)name >> 3) % NAME_CACHE];

	if (__builtin_expect(e->ptr != name || !name, 0)) {
		*err = name_miss(c, name, e);
		if (*err < 0)
			return NULL;
	}
	return e;
}

static void count(struct spans_ctx *c, uint64_t *counts, uint64_t v)
{
	int64_t i = hdr_index_of(c->shape, v > INT64_MAX ? INT64_MAX : (int64_t)v);

	if (i < 0 || (size_t)i >= c->counts_len || v > (uint64_t)hdr_highest(c->shape)) {
		__atomic_fetch_add(&c->too_large, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&counts[i], 1, __ATOMIC_RELAXED);
}

/* One record of this thread, written in place into its ring's slot r; its
 * name is s->chan. */
static inline void fill(struct spanchan_rec *r, uint8_t kind, const struct open_span *s,
			uint64_t end, uint8_t flags)
{
	r->intended_ns = s->intended;
	r->begin = s->begin;
	r->end = end;
	r->trace_id = s->trace;
	r->tid = self.tid;
	r->kind = kind;
	r->flags = flags;
	r->name = s->chan;
}

static inline int push(struct spans_ctx *c, uint8_t kind, const struct open_span *s, uint64_t end,
		       uint8_t flags)
{
	struct spanchan_rec *r;

	if (ensure_ring(c) < 0)
		return -EBUSY;
	r = spanchan_reserve(&self.prod);
	if (!r)
		return -ENOSPC;
	fill(r, kind, s, end, flags);
	spanchan_commit(&self.prod);
	return 0;
}

static uint8_t clock_flags(const struct spans_ctx *c)
{
	return c->ticks ? SPANCHAN_F_TICKS : 0;
}

/* A reader joined the published channel since this thread last wrote (g:
 * its generation), or left it (g == 0).  To a new one, the thread's labels
 * again: it cannot know what was set before it came. */
static __attribute__((noinline)) int new_reader(struct spans_ctx *c, uint32_t g)
{
	struct open_span s = { 0 };

	self.gen = g;
	if (!g || !c->published)
		return g != 0;
	s.begin = span_clock(c);
	for (int i = 0; i < self.n_labels; i++) {
		s.chan = self.label_key[i];
		s.trace = self.label_value[i];
		push(c, SPANCHAN_LABEL, &s, 0, clock_flags(c));
	}
	return 1;
}

/* Whether this call writes anything: 0 for a published channel that no
 * reader has joined.  One relaxed load and a compare on every call. */
static inline int gate_open(struct spans_ctx *c)
{
	uint32_t g = __atomic_load_n(c->gate, __ATOMIC_RELAXED);

	if (__builtin_expect(g == self.gen, 1))
		return g != 0;
	return new_reader(c, g);
}

/* No reader: a span begun while one was there still ends (and the thread's
 * open span is closed with its outermost), so that the nesting holds for the
 * next reader; nothing is written. */
static __attribute__((noinline)) int end_unread(void)
{
	if (--self.depth == 0 && self.prod.ring)
		spanchan_close(&self.prod);
	return 0;
}

/* The thread's labels as the next reader must learn them (value 0: removed). */
static void keep_label(int key, int value)
{
	int i = 0;

	while (i < self.n_labels && self.label_key[i] != key)
		i++;
	if (i == self.n_labels) {
		if (!value || i == MAX_LABELS)
			return;
		self.n_labels++;
	}
	self.label_key[i] = (uint16_t)key;
	self.label_value[i] = (uint16_t)value;
	if (!value) {
		self.n_labels--;
		self.label_key[i] = self.label_key[self.n_labels];
		self.label_value[i] = self.label_value[self.n_labels];
	}
}

/* intended: ns, 0 for none.  Every case; span_begin below is the common one. */
static __attribute__((noinline)) int span_begin_slow(struct spans_ctx *c, const char *name,
						     uint64_t trace, uint64_t intended)
{
	const struct name_cache *e;
	struct open_span *s;
	int depth = self.depth, err = 0, ring;

	if (depth >= MAX_DEPTH)
		return -EOVERFLOW;
	e = name_entry(c, name, &err);
	if (!e)
		return err;
	/* Before the clock: a thread's first claim maps its ring, which the
	 * span must not be charged for. */
	ring = e->chan && ensure_ring(c) == 0;
	s = &self.stack[depth];
	self.depth = depth + 1;
	s->id = e->id;
	s->chan = e->chan;
	s->trace = trace;
	s->begin = span_clock(c);
	/* An intended start in the future is a caller's clock mix-up: the request
	 * cannot have waited less than nothing.  (In ticks, the recorder clamps.) */
	s->intended = !c->ticks && intended > s->begin ? s->begin : intended;
	/* No record until the end; the ring's header tells the recorder that the
	 * samples from now on may belong to a span. */
	if (!depth && ring)
		spanchan_open(&self.prod, s->begin, s->chan, trace, clock_flags(c));
	return 0;
}

/* The common case inline and without a call, so without registers to save:
 * recorded, timed by the TSC, a known name, the thread's ring claimed.  The
 * whole of a span's budget is a few dozen instructions besides the clock. */
static inline int span_begin(struct spans_ctx *c, const char *name, uint64_t trace,
			     uint64_t intended)
{
	const struct name_cache *e = &self.cache[((uintptr_t)name >> 3) % NAME_CACHE];
	int depth = self.depth;
	struct open_span *s;

	if (__builtin_expect(!c->ticks || e->ptr != name || !name || depth >= MAX_DEPTH ||
			     !self.prod.ring, 0))
		return span_begin_slow(c, name, trace, intended);
	s = &self.stack[depth];
	self.depth = depth + 1;
	s->id = e->id;
	s->chan = e->chan;
	s->trace = trace;
	s->begin = tscclock_read();
	s->intended = intended;
	if (!depth && s->chan)
		spanchan_open(&self.prod, s->begin, s->chan, trace, SPANCHAN_F_TICKS);
	return 0;
}

int hwprof_span_begin(const char *name, uint64_t trace_id)
{
	struct spans_ctx *c = spans_ctx;

	if (__builtin_expect(!c, 1) || !gate_open(c))
		return 0;
	return span_begin(c, name, trace_id, 0);
}

int hwprof_span_begin_at(const char *name, uint64_t trace_id, uint64_t intended_start_ns)
{
	struct spans_ctx *c = spans_ctx;

	if (__builtin_expect(!c, 1) || !gate_open(c))
		return 0;
	return span_begin(c, name, trace_id, intended_start_ns);
}

/* The histograms of a span or latency (ns times: never ticks here). */
static __attribute__((noinline)) void count_latency(struct spans_ctx *c, const struct open_span *s,
						   uint64_t end)
{
	struct span_name *n = &c->names[s->id];
	uint64_t start = s->intended ? s->intended : s->begin;

	count(c, n->latency, end > start ? end - start : 0);
	if (s->begin && s->intended && s->intended != s->begin) {
		if (!n->has_service)
			__atomic_store_n(&n->has_service, 1, __ATOMIC_RELAXED);
		count(c, n->service, end > s->begin ? end - s->begin : 0);
	}
}

static __attribute__((noinline)) int span_end_slow(struct spans_ctx *c)
{
	const struct open_span *s;
	uint64_t end;
	int err = 0;

	/* Published: a span begun before the reader came ends unseen. */
	if (self.depth <= 0)
		return c->published ? 0 : -EINVAL;
	end = span_clock(c);
	s = &self.stack[--self.depth];
	if (c->out_prefix)
		count_latency(c, s, end);
	if (s->chan)
		err = push(c, SPANCHAN_END, s, end, clock_flags(c));
	/* After the END: a recorder that sees the span closed finds its end. */
	if (!self.depth && self.prod.ring)
		spanchan_close(&self.prod);
	return err;
}

int hwprof_span_end(void)
{
	struct spans_ctx *c = spans_ctx;
	const struct open_span *s;
	struct spanchan_rec *r;
	uint64_t end;
	int depth;

	if (__builtin_expect(!c, 1))
		return 0;
	if (!gate_open(c))
		return self.depth > 0 ? end_unread() : 0;
	/* As span_begin: the common case without a call. */
	depth = self.depth - 1;
	if (__builtin_expect(!c->ticks || depth < 0 || !self.prod.ring, 0))
		return span_end_slow(c);
	s = &self.stack[depth];
	if (s->chan) {
		r = spanchan_reserve_fast(&self.prod);
		if (__builtin_expect(!r, 0))
			return span_end_slow(c);        /* looks full: look again, or drop */
		end = tscclock_read();
		fill(r, SPANCHAN_END, s, end, SPANCHAN_F_TICKS);
		spanchan_commit(&self.prod);
	}
	self.depth = depth;
	if (!depth)
		spanchan_close(&self.prod);
	return 0;
}

int hwprof_record_latency(const char *name, uint64_t trace_id, uint64_t intended_start_ns,
			  uint64_t end_ns)
{
	struct spans_ctx *c = spans_ctx;
	const struct name_cache *e;
	struct open_span s;
	int err = 0;

	if (__builtin_expect(!c, 1) || !gate_open(c))
		return 0;
	if (end_ns < intended_start_ns)
		return -EINVAL;
	e = name_entry(c, name, &err);
	if (!e)
		return err;
	s.id = e->id;
	s.chan = e->chan;
	s.trace = trace_id;
	s.intended = intended_start_ns;
	s.begin = 0;            /* no span on this thread: no samples to label */
	if (c->out_prefix)
		count_latency(c, &s, end_ns);
	if (s.chan)
		return push(c, SPANCHAN_LATENCY, &s, end_ns, 0);
	return 0;
}

int hwprof_label_set(const char *key, const char *value)
{
	struct spans_ctx *c = spans_ctx;
	struct open_span s = { 0 };
	int k, v = 0;

	if (__builtin_expect(!c, 1) || !c->ch)
		return 0;
	if (!key || !*key)
		return -EINVAL;
	k = spanchan_intern(c->ch, key);
	if (k > 0 && value)
		v = spanchan_intern(c->ch, value);
	if (k < 0 || v < 0) {
		spanchan_count_drop(c->ch);
		return k < 0 ? k : v;
	}
	/* The reader first (a new one gets the labels so far), then this one. */
	if (!gate_open(c)) {
		if (c->published)
			keep_label(k, v);
		return 0;
	}
	if (c->published)
		keep_label(k, v);
	s.trace = (uint64_t)v;
	s.begin = span_clock(c);
	s.chan = (uint16_t)k;
	return push(c, SPANCHAN_LABEL, &s, 0, clock_flags(c));
}

/* A name as an hlog tag and a file name part: no ',', space, '/' or control. */
static void safe_name(const char *s, char *out, size_t len)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++)
		out[i] = (s[i] == ',' || s[i] == ' ' || s[i] == '/' || (unsigned char)s[i] < 32)
				 ? '_' : s[i];
	out[i] = '\0';
}

static int to_hdr(struct spans_ctx *c, const uint64_t *counts, struct hdr **out)
{
	int err = hdr_new_like(c->shape, out);

	for (size_t i = 0; !err && i < c->counts_len; i++) {
		uint64_t n = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);

		if (n)
			err = hdr_add_at_index(*out, i, (int64_t)n);
	}
	return err;
}

static int write_hgrm(const char *prefix, const char *tag, const struct hdr *h)
{
	struct outfile *of;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s.%s.hgrm", prefix, tag);
	err = outfile_open(path, &of);
	return err ? err : outfile_close(of, hgrm_write(outfile_stream(of), h, 5, 1e6));
}

int hwprof_latency_write(const char *prefix)
{
	struct spans_ctx *c = spans_ctx;
	struct hdr *h = NULL;
	char path[4096], tag[SPANCHAN_NAME_LEN + 16];
	double length;
	struct outfile *of;
	uint32_t n;
	FILE *f;
	int err;

	if (!c || !c->out_prefix)
		return 0;
	if (!prefix)
		prefix = c->out_prefix;
	snprintf(path, sizeof(path), "%s.hlog", prefix);
	err = outfile_open(path, &of);
	if (err)
		return err;
	f = outfile_stream(of);
	length = (double)(now_ns() - c->start_mono_ns) / 1e9;
	err = hdrlog_write_header(f, "libhwprof " PACKAGE_VERSION, (double)c->start_real_ns / 1e9);
	n = __atomic_load_n(&c->n_names, __ATOMIC_ACQUIRE);
	for (uint32_t i = 1; !err && i <= n; i++) {
		struct span_name *sn = &c->names[i];

		safe_name(sn->s, tag, SPANCHAN_NAME_LEN);
		err = to_hdr(c, sn->latency, &h);
		/* Interval_Max in ms, as HdrHistogram's writer does for ns values. */
		if (!err)
			err = hdrlog_write_interval(f, tag, 0, length, 1e6, h);
		if (!err)
			err = write_hgrm(prefix, tag, h);
		hdr_free(h);
		h = NULL;
		if (err || !sn->has_service)
			continue;
		/* What a closed-loop measurement would have reported: from the
		 * actual start, the coordinated-omission-blind figure. */
		strcat(tag, ".service");
		err = to_hdr(c, sn->service, &h);
		if (!err)
			err = hdrlog_write_interval(f, tag, 0, length, 1e6, h);
		hdr_free(h);
		h = NULL;
	}
	return outfile_close(of, err);
}

static void spans_ctx_free(struct spans_ctx *c)
{
	if (!c)
		return;
	for (uint32_t i = 1; i <= c->n_names; i++) {
		free(c->names[i].s);
		free(c->names[i].latency);
		free(c->names[i].service);
	}
	spanchan_free(c->ch);
	hdr_free(c->shape);
	free(c->out_prefix);
	free(c);
}

/* The program's own channel, for an hwprof that attaches later: timed as
 * `hwprof record` would time it (spanchan_choose_clock).  0 or -errno. */
static int publish(struct spans_ctx *c)
{
	int err = spanchan_publish(PUB_RINGS, PUB_SLOTS, PUB_NAMES, &c->ch);

	if (err < 0)
		return err;
	spanchan_choose_clock(c->ch);
	c->published = 1;
	c->gate = spanchan_consumer_word(c->ch);
	return 0;
}

__attribute__((constructor)) static void spans_init(void)
{
	const char *fd_s = getenv(SPANCHAN_ENV), *out = getenv("HWPROF_LATENCY_OUT");
	const char *pub = getenv("HWPROF_SPANS_PUBLISH");
	struct spans_ctx *c;
	struct timespec ts;
	char *end;
	long fd = -1;

	if (fd_s && *fd_s) {
		fd = strtol(fd_s, &end, 10);
		if (*end || fd < 0)
			fd = -1;
	}
	if (fd < 0 && !(out && *out) && pub && (strcmp(pub, "0") == 0 || strcmp(pub, "off") == 0))
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	pthread_mutex_init(&c->lock, NULL);
	c->always = 1;
	c->gate = &c->always;
	if (fd < 0 && !(out && *out)) {
		if (publish(c) < 0)
			goto fail;
	}
	/* A descriptor that is not a channel (closed, reused by the program's own
	 * start-up) is ignored: spans then only go to the histograms, if any. */
	if (fd >= 0 && spanchan_attach((int)fd, &c->ch) < 0)
		c->ch = NULL;
	if (out && *out && !(c->out_prefix = strdup(out)))
		goto fail;
	if (!c->ch && !c->out_prefix)
		goto fail;
	/* Ticks only when nothing here needs ns: histograms in the process do. */
	c->ticks = c->ch && !c->out_prefix && spanchan_clock(c->ch) == SPANCHAN_CLOCK_TSC;
	if (hdr_new(1, 3600 * (int64_t)NS_PER_S, 3, &c->shape) < 0)
		goto fail;
	c->counts_len = hdr_counts_len(c->shape);
	if (pthread_key_create(&c->key, thread_exit))
		goto fail;
	pthread_atfork(NULL, NULL, after_fork_child);
	clock_gettime(CLOCK_REALTIME, &ts);
	c->start_real_ns = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	c->start_mono_ns = now_ns();
	spans_ctx = c;
	return;
fail:
	spans_ctx_free(c);
}

/* At exit: write the histograms.  Threads still running may lose their last
 * spans; the context itself is left for them (never freed while they run). */
__attribute__((destructor)) static void spans_exit(void)
{
	struct spans_ctx *c = spans_ctx;

	if (c && c->out_prefix)
		hwprof_latency_write(NULL);
	if (c && c->ch && self.prod.ring)
		spanchan_release(&self.prod);
}
