/* spanjoin.c - see spanjoin.h. */
#include "spanjoin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hdrlog.h"
#include "tscclock.h"
#include "util.h"

/* Samples may arrive a little after the drain that closed their span (the
 * rings are read before the channel); closed spans are kept this long behind
 * the newest sample to catch them. */
#define KEEP_CLOSED_NS 2000000000ULL
#define HIGHEST_NS (3600 * 1000000000LL)
#define MAX_BASE_LABELS 8       /* the recorder's own (pid, tid, thread, ...) */
#define MAX_LABELS (MAX_BASE_LABELS + SPANJOIN_MAX_THREAD_LABELS + 3)
/* TSC times this far (2^59 ticks: years) from the calibration point are not
 * the TSC's; converting them would overflow. */
#define MAX_TICKS_AWAY (1ULL << 59)

/* What a name's latency histogram holds. */
enum {
	K_SPANS = 1,            /* spans' latencies */
	K_LATENCIES = 2,        /* hwprof_record_latency() values */
	K_SERVICE = 4,          /* some span had an intended start of its own */
};

struct span {
	uint64_t intended, begin, end, trace;   /* ns; end 0: still open */
	uint64_t begin_as_written;               /* ticks or ns: names the span (with name) */
	uint32_t name;
};

struct label_change {
	uint64_t time;
	uint32_t key, value;                     /* value 0: removed */
};

struct tstate {
	uint32_t tid;
	struct span open;                        /* the outermost open span (begin 0: none) */
	struct span *closed;                     /* by end time */
	size_t n_closed, cap_closed;
	uint32_t key[SPANJOIN_MAX_THREAD_LABELS], value[SPANJOIN_MAX_THREAD_LABELS];
	size_t n_base;                           /* labels in force before chg[0] */
	struct label_change *chg;
	size_t n_chg, cap_chg;
};

struct pending {
	uint32_t tid;
	uint64_t time;
	size_t locs_off, n_locs, n_labels;
	struct profile_label labels[MAX_LABELS - 3];
	int64_t values[PROFILE_MAX_TYPES];
};

struct spanjoin {
	struct spanchan *ch;
	struct tscclock clock;                   /* for records in ticks */
	struct spanjoin_stats stats;
	int err;                                 /* first error inside the drain callback */
	struct tstate **tid_tab;                 /* open addressing by tid */
	size_t tid_cap, n_tids;
	size_t n_kept;                           /* closed spans + label changes, all threads */
	struct pending *pend;
	size_t n_pend, cap_pend;
	uint64_t *locs;                          /* pending samples' stacks */
	size_t n_locs, cap_locs;
	uint64_t newest;                         /* newest sample time seen */
	struct hdr **lat, **svc;                 /* by name id */
	uint8_t *kind;                           /* K_*, by name id */
	size_t cap_names, n_names;
	struct spanjoin *next;                   /* spanjoin_chain: not owned */
};

int spanjoin_new(struct spanchan *ch, struct spanjoin **out)
{
	struct spanjoin *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->ch = ch;
	/* The first calibration point, well before the program's first span. */
	if (spanchan_clock(ch) == SPANCHAN_CLOCK_TSC)
		tscclock_mark(&s->clock);
	*out = s;
	return 0;
}

static void tstate_free(struct tstate *t)
{
	if (!t)
		return;
	free(t->closed);
	free(t->chg);
	free(t);
}

void spanjoin_free(struct spanjoin *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->tid_cap; i++)
		tstate_free(s->tid_tab[i]);
	free(s->tid_tab);
	for (size_t i = 0; i < s->cap_names; i++) {
		hdr_free(s->lat[i]);
		hdr_free(s->svc[i]);
	}
	free(s->lat);
	free(s->svc);
	free(s->kind);
	free(s->pend);
	free(s->locs);
	free(s);
}

static size_t tid_slot(const struct spanjoin *s, uint32_t tid)
{
	size_t i = (tid * 2654435761u) & (s->tid_cap - 1);

	while (s->tid_tab[i] && s->tid_tab[i]->tid != tid)
		i = (i + 1) & (s->tid_cap - 1);
	return i;
}

static struct tstate *find_tid(const struct spanjoin *s, uint32_t tid)
{
	return s->tid_cap ? s->tid_tab[tid_slot(s, tid)] : NULL;
}

/* Put t into the table (room for it assured). */
static void tid_insert(struct spanjoin *s, struct tstate *t)
{
	s->tid_tab[tid_slot(s, t->tid)] = t;
}

/* The state of thread tid, new if need be, into *out.  0, -ENOSPC beyond
 * SPANJOIN_MAX_THREADS, or -ENOMEM. */
static int get_tid(struct spanjoin *s, uint32_t tid, struct tstate **out)
{
	struct tstate *t = find_tid(s, tid);

	*out = t;
	if (t)
		return 0;
	if (s->n_tids >= SPANJOIN_MAX_THREADS)
		return -ENOSPC;
	if (2 * (s->n_tids + 1) > s->tid_cap) {
		size_t old_cap = s->tid_cap;
		struct tstate **old = s->tid_tab;

		s->tid_cap = old_cap ? 2 * old_cap : 64;
		s->tid_tab = calloc(s->tid_cap, sizeof(*s->tid_tab));
		if (!s->tid_tab) {
			s->tid_tab = old;
			s->tid_cap = old_cap;
			return -ENOMEM;
		}
		for (size_t i = 0; i < old_cap; i++)
			if (old[i])
				tid_insert(s, old[i]);
		free(old);
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->tid = tid;
	tid_insert(s, t);
	s->n_tids++;
	*out = t;
	return 0;
}

/* Halve the array *arr (of *cap elements) when it holds fewer than a quarter
 * of them: what a thread once held does not stay allocated. */
static void shrink(void *arr, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (*cap <= 64 || n >= *cap / 4)
		return;
	p = realloc(*(void **)arr, *cap / 2 * elem);
	if (p) {
		*(void **)arr = p;
		*cap /= 2;
	}
}

/* Forget the first n closed spans of t. */
static void forget_closed(struct spanjoin *s, struct tstate *t, size_t n)
{
	if (!n)
		return;
	memmove(t->closed, t->closed + n, (t->n_closed - n) * sizeof(*t->closed));
	t->n_closed -= n;
	s->n_kept -= n;
	shrink(&t->closed, &t->cap_closed, t->n_closed, sizeof(*t->closed));
}

static void apply_label(uint32_t *key, uint32_t *value, size_t *n, uint32_t k, uint32_t v)
{
	for (size_t i = 0; i < *n; i++) {
		if (key[i] != k)
			continue;
		if (v) {
			value[i] = v;
		} else {
			memmove(key + i, key + i + 1, (*n - i - 1) * sizeof(*key));
			memmove(value + i, value + i + 1, (*n - i - 1) * sizeof(*value));
			(*n)--;
		}
		return;
	}
	if (v && *n < SPANJOIN_MAX_THREAD_LABELS) {
		key[*n] = k;
		value[*n] = v;
		(*n)++;
	}
}

/* Fold the first n label changes of t into the labels in force before the rest. */
static void fold_changes(struct spanjoin *s, struct tstate *t, size_t n)
{
	if (!n)
		return;
	for (size_t j = 0; j < n; j++)
		apply_label(t->key, t->value, &t->n_base, t->chg[j].key, t->chg[j].value);
	memmove(t->chg, t->chg + n, (t->n_chg - n) * sizeof(*t->chg));
	t->n_chg -= n;
	s->n_kept -= n;
	shrink(&t->chg, &t->cap_chg, t->n_chg, sizeof(*t->chg));
}

/* Room for one more closed span or label change within SPANJOIN_MAX_KEPT:
 * the thread that holds the most gives up the older half of it.  (Only a
 * program that floods the channel, or that stamps its spans far in the
 * future so that they are never pruned, gets here.) */
static void make_room(struct spanjoin *s)
{
	struct tstate *big = NULL;

	if (s->n_kept < SPANJOIN_MAX_KEPT)
		return;
	for (size_t i = 0; i < s->tid_cap; i++) {
		struct tstate *t = s->tid_tab[i];

		if (t && (!big || t->n_closed + t->n_chg > big->n_closed + big->n_chg))
			big = t;
	}
	if (!big)
		return;
	s->stats.forgotten += (big->n_closed + 1) / 2;
	forget_closed(s, big, (big->n_closed + 1) / 2);
	fold_changes(s, big, (big->n_chg + 1) / 2);
}

/* Nothing of t is needed any more: no open span, closed span, labels. */
static int tstate_idle(const struct tstate *t)
{
	return !t->open.begin && !t->n_closed && !t->n_chg && !t->n_base;
}

/* Free the idle threads' state and rebuild the table without them. */
static void drop_idle(struct spanjoin *s, size_t n_idle)
{
	struct tstate **keep = malloc((s->n_tids - n_idle + 1) * sizeof(*keep));
	size_t n = 0;

	if (!keep)
		return;         /* next time */
	for (size_t i = 0; i < s->tid_cap; i++) {
		struct tstate *t = s->tid_tab[i];

		s->tid_tab[i] = NULL;
		if (t && tstate_idle(t))
			tstate_free(t);
		else if (t)
			keep[n++] = t;
	}
	for (size_t i = 0; i < n; i++)
		tid_insert(s, keep[i]);
	s->n_tids = n;
	free(keep);
}

/* Room in the histogram tables for name.  0 or -ENOMEM. */
static int names_room(struct spanjoin *s, uint32_t name)
{
	if (name >= s->cap_names) {
		size_t cap = s->cap_names, need = name + 1;

		if (util_grow(&s->lat, &cap, need, sizeof(*s->lat)) < 0)
			return -ENOMEM;
		cap = s->cap_names;
		if (util_grow(&s->svc, &cap, need, sizeof(*s->svc)) < 0)
			return -ENOMEM;
		cap = s->cap_names;
		if (util_grow(&s->kind, &cap, need, sizeof(*s->kind)) < 0)
			return -ENOMEM;
		s->cap_names = cap;
	}
	if (name + 1 > s->n_names)
		s->n_names = name + 1;
	return 0;
}

/* Record v in *h, made on first use.  0 or -ENOMEM. */
static int record(struct spanjoin *s, struct hdr **h, int64_t v)
{
	if (!*h && hdr_new(1, HIGHEST_NS, 3, h) < 0)
		return -ENOMEM;
	if (hdr_record(*h, v < 0 ? 0 : v) == -ERANGE)
		s->stats.too_large++;
	return 0;
}

/* name's service histogram from now on, made when its latency histogram is
 * about to get a value that is not a span's service time.  Until then, when
 * it holds spans only, its values are their service times: a copy of it.  (A
 * histogram is 256 KiB: most names never need this one.)  0 or -ENOMEM. */
static int need_service(struct spanjoin *s, uint32_t name)
{
	if (s->svc[name])
		return 0;
	if (hdr_new(1, HIGHEST_NS, 3, &s->svc[name]) < 0 ||
	    (!(s->kind[name] & K_LATENCIES) && s->lat[name] && hdr_add(s->svc[name], s->lat[name]) < 0))
		return -ENOMEM;
	return 0;
}

/* A record's time in ns. */
static uint64_t rec_ns(const struct spanjoin *s, const struct spanchan_rec *r, uint64_t v)
{
	return (r->flags & SPANCHAN_F_TICKS) && v ? tscclock_ns(&s->clock, v) : v;
}

static int span_ended(struct spanjoin *s, struct tstate *t, const struct spanchan_rec *r)
{
	struct span sp = { 0, rec_ns(s, r, r->begin), rec_ns(s, r, r->end), r->trace_id, r->begin,
			   r->name };
	int err;

	if (sp.end < sp.begin)
		sp.end = sp.begin;
	/* No intended start, or one in the future (a caller's clock mix-up): the
	 * request cannot have waited less than nothing. */
	sp.intended = r->intended_ns && r->intended_ns < sp.begin ? r->intended_ns : sp.begin;
	make_room(s);
	if (util_grow(&t->closed, &t->cap_closed, t->n_closed + 1, sizeof(*t->closed)) < 0)
		return -ENOMEM;
	t->closed[t->n_closed++] = sp;
	s->n_kept++;
	/* The open span seen at a drain before: no longer open, even if no
	 * later drain says so (a thread that exits gives its ring up, and its
	 * open span is then read no more). */
	if (t->open.begin && t->open.begin_as_written == r->begin && t->open.name == r->name)
		t->open.begin = 0;
	s->stats.spans++;
	err = names_room(s, sp.name);
	if (!err && (sp.intended != sp.begin || (s->kind[sp.name] & K_LATENCIES)))
		err = need_service(s, sp.name);
	if (!err)
		s->kind[sp.name] |= K_SPANS | (sp.intended != sp.begin ? K_SERVICE : 0);
	if (!err)
		err = record(s, &s->lat[sp.name], (int64_t)(sp.end - sp.intended));
	if (!err && s->svc[sp.name])
		err = record(s, &s->svc[sp.name], (int64_t)(sp.end - sp.begin));
	return err;
}

/* Whether open, read at this drain before its records, has ended since: its
 * END is among the closed spans that ended after it began (the span may have
 * ended, and others begun and ended, between the two reads). */
static int ended_since(const struct tstate *t, const struct span *open)
{
	for (size_t i = t->n_closed; i > 0 && t->closed[i - 1].end >= open->begin; i--)
		if (t->closed[i - 1].begin_as_written == open->begin_as_written &&
		    t->closed[i - 1].name == open->name)
			return 1;
	return 0;
}

/* A time of r (ticks or ns) that can be converted. */
static int time_ok(const struct spanjoin *s, const struct spanchan_rec *r, uint64_t v)
{
	return !(r->flags & SPANCHAN_F_TICKS) || !v ||
	       v - s->clock.last_ticks + MAX_TICKS_AWAY <= 2 * MAX_TICKS_AWAY;
}

static int on_record(const struct spanchan_rec *r, void *ctx)
{
	struct spanjoin *s = ctx;
	struct tstate *t;
	int err;

	if (!r->name)
		return 0;
	if (!time_ok(s, r, r->begin) || !time_ok(s, r, r->end)) {
		s->stats.bad_times++;
		return 0;
	}
	if (r->kind == SPANCHAN_LATENCY) {
		s->stats.latencies++;
		/* A latency is no span's service time: split them from here. */
		s->err = names_room(s, r->name);
		if (!s->err && (s->kind[r->name] & K_SPANS))
			s->err = need_service(s, r->name);
		if (!s->err)
			s->kind[r->name] |= K_LATENCIES;
		if (!s->err)
			s->err = record(s, &s->lat[r->name],
					(int64_t)(r->end > r->intended_ns ? r->end - r->intended_ns : 0));
		return s->err;
	}
	if (r->kind == SPANCHAN_OPEN && !r->begin) {
		t = find_tid(s, r->tid);
		if (!t)
			return 0;
	} else if ((err = get_tid(s, r->tid, &t)) < 0) {
		if (err == -ENOSPC) {
			s->stats.over_limit++;
			return 0;
		}
		return s->err = err;
	}
	switch (r->kind) {
	case SPANCHAN_OPEN:
		t->open = (struct span){ 0, rec_ns(s, r, r->begin), 0, r->trace_id, r->begin, r->name };
		if (ended_since(t, &t->open))
			t->open.begin = 0;
		return 0;
	case SPANCHAN_END:
		return s->err = span_ended(s, t, r);
	case SPANCHAN_LABEL:
		make_room(s);
		if (util_grow(&t->chg, &t->cap_chg, t->n_chg + 1, sizeof(*t->chg)) < 0)
			return s->err = -ENOMEM;
		t->chg[t->n_chg++] = (struct label_change){ rec_ns(s, r, r->begin), r->name,
							    (uint32_t)r->trace_id };
		s->n_kept++;
		return 0;
	default:
		return 0;
	}
}

static int drain_one(struct spanjoin *s)
{
	int r;

	s->err = 0;
	/* A fresh calibration point: this drain's ticks are close to it. */
	if (spanchan_clock(s->ch) == SPANCHAN_CLOCK_TSC)
		tscclock_mark(&s->clock);
	r = spanchan_drain(s->ch, on_record, s);
	return r < 0 ? r : 0;
}

/* Append the thread labels in force at `time` to labels[*n]; their strings are
 * interned in p so that waiting samples can hold them. */
static void thread_labels(struct spanjoin *s, struct profile *p, const struct tstate *t,
			  uint64_t time, struct profile_label *labels, size_t *n)
{
	uint32_t key[SPANJOIN_MAX_THREAD_LABELS], value[SPANJOIN_MAX_THREAD_LABELS];
	size_t k = t->n_base;

	memcpy(key, t->key, sizeof(key));
	memcpy(value, t->value, sizeof(value));
	for (size_t i = 0; i < t->n_chg && t->chg[i].time <= time; i++)
		apply_label(key, value, &k, t->chg[i].key, t->chg[i].value);
	for (size_t i = 0; i < k; i++) {
		const char *ks = spanchan_string(s->ch, key[i]), *vs = spanchan_string(s->ch, value[i]);

		if (!ks || !vs)
			continue;
		memset(&labels[*n], 0, sizeof(labels[*n]));
		labels[*n].key = profile_intern(p, ks);
		labels[*n].str = profile_intern(p, vs);
		if (labels[*n].key && labels[*n].str)
			(*n)++;
	}
}

/* Add x with the labels of span sp: its name, trace id and, when ended (a
 * closed span, not the still-open one), its duration. */
static int add_labeled(struct spanjoin *s, struct profile *p, const struct profile_sample *x,
		       const struct span *sp, int ended)
{
	struct profile_label l[MAX_LABELS];
	struct profile_sample y = *x;
	char id[24];
	const char *ns = spanchan_string(s->ch, sp->name);
	size_t n = x->n_labels;

	memcpy(l, x->labels, n * sizeof(*l));
	memset(l + n, 0, 3 * sizeof(*l));
	l[n].key = "span";
	l[n++].str = ns ? ns : "?";
	snprintf(id, sizeof(id), "%" PRIu64, sp->trace);
	l[n].key = "trace_id";
	l[n++].str = id;
	if (ended) {
		l[n].key = "span_ns";
		l[n].num = (int64_t)(sp->end - sp->begin);
		l[n++].num_unit = "nanoseconds";
	} else {
		s->stats.no_duration++;
	}
	s->stats.in_span++;
	y.labels = l;
	y.n_labels = n;
	return profile_add_sample(p, &y);
}

/* The innermost closed span of t around `time`, or NULL.  (A span nested in
 * it ends before it: if one covered `time`, it was seen first.) */
static const struct span *closed_at(const struct tstate *t, uint64_t time)
{
	const struct span *best = NULL;

	/* Closed spans are in end order: scanning back, stop at the first one
	 * that ended before `time`. */
	for (size_t i = t->n_closed; i > 0 && t->closed[i - 1].end >= time; i--) {
		const struct span *c = &t->closed[i - 1];

		if (c->begin <= time && (!best || c->begin > best->begin))
			best = c;
	}
	return best;
}

/* Whether `time` falls in t's open span (so its span, maybe a nested one, is
 * still to end). */
static int open_at(const struct tstate *t, uint64_t time)
{
	return t->open.begin && t->open.begin <= time;
}

/* Keep x (of thread tid at time) until its span ends: copied, with its label
 * strings interned in p. */
static int defer(struct spanjoin *s, struct profile *p, uint32_t tid, uint64_t time,
		 const struct profile_sample *x)
{
	const struct profile_label *labels = x->labels;
	struct pending *q;

	if (util_grow(&s->pend, &s->cap_pend, s->n_pend + 1, sizeof(*s->pend)) < 0 ||
	    util_grow(&s->locs, &s->cap_locs, s->n_locs + x->n_locations, sizeof(*s->locs)) < 0)
		return -ENOMEM;
	q = &s->pend[s->n_pend++];
	q->tid = tid;
	q->time = time;
	q->locs_off = s->n_locs;
	q->n_locs = x->n_locations;
	memcpy(s->locs + s->n_locs, x->location_ids, x->n_locations * sizeof(*s->locs));
	s->n_locs += x->n_locations;
	q->n_labels = 0;
	/* The recorder's label strings may not outlive this call: intern them. */
	for (size_t i = 0; i < x->n_labels && i < MAX_LABELS - 3; i++) {
		q->labels[i] = labels[i];
		q->labels[i].key = profile_intern(p, labels[i].key);
		q->labels[i].str = labels[i].str ? profile_intern(p, labels[i].str) : NULL;
		q->labels[i].num_unit = labels[i].num_unit ? profile_intern(p, labels[i].num_unit) : NULL;
		if (!q->labels[i].key || (labels[i].str && !q->labels[i].str))
			return -ENOMEM;
		q->n_labels++;
	}
	memcpy(q->values, x->values, p->n_types * sizeof(*q->values));
	return 0;
}

static int add_one(struct spanjoin *s, struct tstate *t, struct profile *p, uint32_t tid,
		   uint64_t time, const struct profile_sample *x)
{
	struct profile_label l[MAX_LABELS];
	struct profile_sample y = *x;
	const struct span *sp;
	size_t n = x->n_labels < MAX_BASE_LABELS ? x->n_labels : MAX_BASE_LABELS;

	if (!t)
		return profile_add_sample(p, x);
	memcpy(l, x->labels, n * sizeof(*l));
	thread_labels(s, p, t, time, l, &n);
	y.labels = l;
	y.n_labels = n;
	sp = closed_at(t, time);
	if (sp)
		return add_labeled(s, p, &y, sp, 1);
	if (open_at(t, time))
		return defer(s, p, tid, time, &y);
	return profile_add_sample(p, &y);
}

int spanjoin_add_sample(struct spanjoin *s, struct profile *p, uint32_t tid, uint64_t time,
			const struct profile_sample *x)
{
	struct spanjoin *owner = s;
	struct tstate *t = NULL;

	/* Thread ids are the system's: at most one channel of the chain knows tid. */
	for (struct spanjoin *j = s; j; j = j->next) {
		if (time > j->newest)
			j->newest = time;
		if (!t && (t = find_tid(j, tid)))
			owner = j;
	}
	return add_one(owner, t, p, tid, time, x);
}

/* Forget what no sample can need any more: closed spans well behind the newest
 * sample, label changes older than it (folded into the base set), the threads
 * left with nothing. */
static void prune(struct spanjoin *s)
{
	uint64_t horizon = s->newest > KEEP_CLOSED_NS ? s->newest - KEEP_CLOSED_NS : 0;
	size_t n_idle = 0;

	for (size_t k = 0; k < s->tid_cap; k++) {
		struct tstate *t = s->tid_tab[k];
		size_t i = 0, j = 0;

		if (!t)
			continue;
		while (i < t->n_closed && t->closed[i].end < horizon)
			i++;
		forget_closed(s, t, i);
		while (j < t->n_chg && t->chg[j].time <= s->newest)
			j++;
		fold_changes(s, t, j);
		n_idle += tstate_idle(t);
	}
	if (n_idle)
		drop_idle(s, n_idle);
}

static int settle_one(struct spanjoin *s, struct profile *p, int final)
{
	size_t kept = 0, locs_kept = 0;
	/* Over the bound, the oldest waiting samples go out now, without span_ns. */
	size_t force = s->n_pend > SPANJOIN_MAX_PENDING ? s->n_pend - SPANJOIN_MAX_PENDING : 0;
	int err = 0;

	for (size_t i = 0; i < s->n_pend; i++) {
		struct pending *q = &s->pend[i];
		const struct tstate *t = find_tid(s, q->tid);
		const struct span *c = t ? closed_at(t, q->time) : NULL;
		uint64_t *locs = s->locs + q->locs_off;
		int open = t && open_at(t, q->time);
		struct profile_sample x = {
			.n_locations = q->n_locs, .location_ids = locs,
			.n_labels = q->n_labels, .labels = q->labels, .values = q->values,
		};

		if (!err && !c && open && !final && i >= force) {
			memmove(s->locs + locs_kept, locs, q->n_locs * sizeof(*locs));
			q->locs_off = locs_kept;
			locs_kept += q->n_locs;
			s->pend[kept++] = *q;
			continue;
		}
		if (err)
			continue;
		if (c)
			err = add_labeled(s, p, &x, c, 1);
		else if (open)  /* never ended: the outermost span, without span_ns */
			err = add_labeled(s, p, &x, &t->open, 0);
		else            /* its end was dropped (channel full) */
			err = profile_add_sample(p, &x);
	}
	s->n_pend = kept;
	s->n_locs = locs_kept;
	prune(s);
	return err;
}

size_t spanjoin_names(const struct spanjoin *s)
{
	return s->n_names ? s->n_names - 1 : 0;
}

const char *spanjoin_name(const struct spanjoin *s, size_t id)
{
	return spanchan_string(s->ch, (uint32_t)id);
}

const struct hdr *spanjoin_latency(const struct spanjoin *s, size_t id)
{
	return id < s->n_names ? s->lat[id] : NULL;
}

const struct hdr *spanjoin_service(const struct spanjoin *s, size_t id)
{
	return id < s->n_names && (s->kind[id] & K_SERVICE) ? s->svc[id] : NULL;
}

static void tag_of(const char *name, const char *suffix, char *out, size_t len)
{
	size_t i = 0;

	for (; name[i] && i + 1 < len; i++)
		out[i] = (name[i] == ',' || name[i] == ' ' || (unsigned char)name[i] < 32) ? '_' : name[i];
	out[i] = '\0';
	snprintf(out + i, len - i, "%s", suffix);
}

int spanjoin_write_intervals(const struct spanjoin *s, FILE *f, double length_sec)
{
	char tag[SPANCHAN_NAME_LEN + 16];
	int err = 0;

	for (size_t id = 1; !err && id < s->n_names; id++) {
		const char *name = spanjoin_name(s, id);

		if (!name || !s->lat[id])
			continue;
		tag_of(name, "", tag, sizeof(tag));
		/* Interval_Max in ms, as HdrHistogram's writer does for ns values. */
		err = hdrlog_write_interval(f, tag, 0, length_sec, 1e6, s->lat[id]);
		if (!err && spanjoin_service(s, id)) {
			tag_of(name, ".service", tag, sizeof(tag));
			err = hdrlog_write_interval(f, tag, 0, length_sec, 1e6, s->svc[id]);
		}
	}
	return err;
}

const struct spanjoin_stats *spanjoin_stats(const struct spanjoin *s)
{
	return &s->stats;
}

int spanjoin_damage(const struct spanjoin *s, int pid, char *buf, size_t len)
{
	uint64_t bad = 0;
	int corrupt = spanchan_corrupted(s->ch, &bad) || s->stats.bad_times;
	int n = 0;

	buf[0] = '\0';
	if (corrupt)
		n = snprintf(buf, len, "span channel of %d corrupted: %llu records dropped", pid,
			     (unsigned long long)(bad + s->stats.bad_times));
	else if (s->stats.over_limit)
		n = snprintf(buf, len, "span channel of %d", pid);
	if (s->stats.over_limit && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%llu records of threads beyond the first %d dropped",
			 corrupt ? "; " : ": ", (unsigned long long)s->stats.over_limit,
			 SPANJOIN_MAX_THREADS);
	return corrupt;
}

struct spanjoin *spanjoin_unchain(struct spanjoin *head, struct spanjoin *s)
{
	struct spanjoin *j = head;

	if (head == s) {
		head = s->next;
	} else {
		while (j && j->next != s)
			j = j->next;
		if (j)
			j->next = s->next;
	}
	s->next = NULL;
	return head;
}

void spanjoin_chain(struct spanjoin *s, struct spanjoin *next)
{
	while (s->next)
		s = s->next;
	s->next = next;
}

int spanjoin_drain(struct spanjoin *s)
{
	int r = 0;

	for (; s && r >= 0; s = s->next)
		r = drain_one(s);
	return r;
}

int spanjoin_settle(struct spanjoin *s, struct profile *p, int final)
{
	int r = 0;

	for (; s && r >= 0; s = s->next)
		r = settle_one(s, p, final);
	return r;
}
