/* hwprof.h - libhwprof: read performance counters around a region of your own
 * program (a benchmark body, a request), and mark requests as spans with
 * honest latencies (below).  Link with `pkg-config --libs hwprof`.
 *
 *	struct hwprof_counters *c;
 *	struct hwprof_value v[4];
 *	int r = hwprof_counters_open("task-clock,page-faults", 0, &c);
 *
 *	if (r < 0)
 *		fprintf(stderr, "counters: %s\n", hwprof_strerror(r));
 *	hwprof_counters_start(c);
 *	work();
 *	hwprof_counters_read(c, v, 4);		// v[0].value: ns, v[1].value: faults
 *	hwprof_counters_close(c);
 *
 * Every function returning int returns 0 (or a count) on success and a negative
 * errno or HWPROF_E_* code on failure; hwprof_strerror() names either.  A
 * struct hwprof_counters is used by one thread at a time; different objects are
 * independent.  hwprof_counters_open() and hwprof_events_check() use libpfm4,
 * which is not thread safe: do not call them from two threads at once. */
#ifndef HWPROF_H
#define HWPROF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HWPROF_API __attribute__((visibility("default")))
#else
#define HWPROF_API
#endif

/* Errors of our own, beyond negative errno values. */
enum {
	HWPROF_E_EVENT = -4096,		/* event text not understood (unknown name, syntax) */
	HWPROF_E_UNSUPPORTED = -4097,	/* this machine cannot count the event (no PMU, VM) */
	HWPROF_E_PERMISSION = -4098,	/* the kernel refused (perf_event_paranoid, CAP_PERFMON) */
};

/* Flags for hwprof_counters_open(). */
enum {
	HWPROF_INHERIT = 1 << 0,	/* also count threads the caller creates after open */
	HWPROF_SKIP_UNSUPPORTED = 1 << 1, /* keep the others; mark unsupported ones unavailable */
	HWPROF_NO_RDPMC = 1 << 2,	/* always read() (then any thread may read) */
	HWPROF_START = 1 << 3,		/* start counting at once (default: stopped) */
};

/* Flags of one struct hwprof_value. */
enum {
	HWPROF_VALUE_UNAVAILABLE = 1 << 0, /* not counted on this machine (skipped at open) */
	HWPROF_VALUE_NOT_RUN = 1 << 1,	/* enabled but never scheduled: no estimate */
	HWPROF_VALUE_SCALED = 1 << 2,	/* multiplexed: ran part of the time, value scaled */
	HWPROF_VALUE_USER_ONLY = 1 << 3, /* kernel refused kernel mode: user space only */
};

struct hwprof_value {
	uint64_t value;		/* raw count since the last reset (ns for *-clock events) */
	uint64_t time_enabled;	/* ns the counter was started since the last reset */
	uint64_t time_running;	/* ns it was really counting (< enabled when multiplexed) */
	double scaled;		/* value * enabled / running: the estimate for the whole time */
	double coverage;	/* running / enabled, 0..1 (1 when never enabled) */
	unsigned int flags;	/* HWPROF_VALUE_* */
};

struct hwprof_counters;

/* Open the events in `events` (the syntax of `hwprof record -e`: comma-separated
 * libpfm4 or perf names with modifiers, groups {a,b}, presets @NAME) counting the
 * calling thread on any CPU, plus threads it creates later with HWPROF_INHERIT.
 * A plain list is one kernel group, scheduled and read together (unless it has
 * more hardware events than a core has counters: then each is multiplexed
 * alone); explicit groups are kept as written, one read() each.  Counters are
 * stopped unless HWPROF_START.  Returns 0 and fills *out (free with hwprof_counters_close()), or
 * a negative code and *out = NULL: HWPROF_E_EVENT, HWPROF_E_UNSUPPORTED (unless
 * HWPROF_SKIP_UNSUPPORTED and another event works), HWPROF_E_PERMISSION, -ENOMEM,
 * -EMFILE, ... */
HWPROF_API int hwprof_counters_open(const char *events, int flags, struct hwprof_counters **out);

/* Start, stop (values freeze) and reset (values and times to zero) all counters
 * of c.  Returns 0 or a negative errno. */
HWPROF_API int hwprof_counters_start(struct hwprof_counters *c);
HWPROF_API int hwprof_counters_stop(struct hwprof_counters *c);
HWPROF_API int hwprof_counters_reset(struct hwprof_counters *c);

/* Fill vals[0..n) with the first n counters (in the order of the event text)
 * and return the number of counters, or a negative errno.  Allocates nothing;
 * the counters are read from user space where the kernel allows it (hardware
 * events, no HWPROF_INHERIT; x86-64: rdpmc; arm64: mrs, once the sysctl
 * kernel.perf_user_access is 1) and otherwise with one read() per kernel
 * group.  When user-space reads are in use, call it on the thread that opened c. */
HWPROF_API int hwprof_counters_read(struct hwprof_counters *c, struct hwprof_value *vals, size_t n);

/* Number of counters, and the name of counter i as written in the event text
 * (owned by c, valid until close; NULL when i is out of range). */
HWPROF_API size_t hwprof_counters_count(const struct hwprof_counters *c);
HWPROF_API const char *hwprof_counters_name(const struct hwprof_counters *c, size_t i);

/* 1 when hwprof_counters_read() reads from user space (rdpmc or its arm64
 * equivalent: no system call), else 0. */
HWPROF_API int hwprof_counters_rdpmc(const struct hwprof_counters *c);

/* Stop counting and free c.  Accepts NULL. */
HWPROF_API void hwprof_counters_close(struct hwprof_counters *c);

/* Parse `events` without opening anything.  Returns 0, or HWPROF_E_EVENT (or
 * -ENOMEM) with one line in msg saying why ("unknown event 'cyles' (did you
 * mean: cycles?)").  msg may be NULL. */
HWPROF_API int hwprof_events_check(const char *events, char *msg, size_t len);

/* A constant string describing err (an HWPROF_E_* code or a negative errno).
 * Thread safe. */
HWPROF_API const char *hwprof_strerror(int err);

/* Spans, latencies and thread labels.  A span is a request (or any region) on
 * the calling thread, with a name and a trace id:
 *
 *	uint64_t intended = start + i * interval;	// open loop, as wrk2 does
 *	hwprof_span_begin_at("request", id, intended);
 *	serve();
 *	hwprof_span_end();
 *
 * Under `hwprof record` (which sets HWPROF_SPANS_FD) spans go to the recorder
 * through shared memory, one record per span at its end, no system call (a
 * thread's first span maps its 1.3 MB ring, so that no later one faults), timed
 * with the CPU's time-stamp counter where the kernel keeps time with it (the
 * recorder converts to CLOCK_MONOTONIC): the samples taken inside a
 * span get the pprof labels span=NAME, trace_id=ID and span_ns=DURATION, and
 * per span name a latency histogram is written next to the profile.  With
 * HWPROF_LATENCY_OUT=PREFIX in the environment, the library itself keeps a
 * histogram per span name and writes PREFIX.hlog (one interval tagged NAME per
 * name; NAME.service too when spans had an intended start) and PREFIX.NAME.hgrm
 * at exit.  With neither, the library publishes a span channel of its own
 * (a sealed memfd named hwprof-spans, 40 MB of address space, a page touched)
 * that `hwprof record -p` or `hwprof agent` joins when it attaches later:
 * while none reads it, every call below costs two loads and two branches and
 * nothing is written; HWPROF_SPANS_PUBLISH=0 turns it off (then a load and a
 * branch).  Spans open when hwprof joins are not seen; thread labels set
 * before are.
 *
 * The latency of a span is end - intended start (the start itself when none was
 * given): the time a user waited, so that a stall delays the requests queued
 * behind it instead of hiding them (coordinated omission); the "service" time is
 * end - begin.  Times are CLOCK_MONOTONIC ns (hwprof_now_ns()).  Names are
 * constant strings (literals; a name's pointer is cached per thread, so the
 * string must stay valid and unchanged), compared by content the first time
 * (keep them under 64 bytes; at most 256 names).  Spans nest up to 16 deep per
 * thread; end closes the innermost.  All functions are thread safe, return 0
 * (also when nothing records) or a negative errno: -EINVAL (no name, end
 * without begin), -EOVERFLOW (nesting), -ENOSPC (names full, or the channel's
 * ring full: the record is dropped and counted, the program never waits),
 * -EBUSY (no ring left for this thread). */
enum {
	HWPROF_SPANS_RECORD = 1 << 0,	/* `hwprof record` receives spans (or has joined) */
	HWPROF_SPANS_HISTOGRAMS = 1 << 1, /* HWPROF_LATENCY_OUT histograms are kept */
};

/* Which of the above is on (0: spans cost nothing). */
HWPROF_API int hwprof_spans_active(void);

/* CLOCK_MONOTONIC in nanoseconds, the clock of spans and hwprof's samples. */
HWPROF_API uint64_t hwprof_now_ns(void);

/* Open a span now; _at: of a request that should have started at
 * intended_start_ns (earlier than now when the program fell behind). */
HWPROF_API int hwprof_span_begin(const char *name, uint64_t trace_id);
HWPROF_API int hwprof_span_begin_at(const char *name, uint64_t trace_id, uint64_t intended_start_ns);

/* Close the calling thread's innermost open span now. */
HWPROF_API int hwprof_span_end(void);

/* Record one latency (end_ns - intended_start_ns) measured elsewhere, e.g. by a
 * load generator: it counts in NAME's histogram but labels no samples. */
HWPROF_API int hwprof_record_latency(const char *name, uint64_t trace_id,
				     uint64_t intended_start_ns, uint64_t end_ns);

/* Set the calling thread's label KEY to VALUE (NULL: remove it); under
 * `hwprof record` its samples from now on carry KEY=VALUE.  Keys and values
 * share one table of 1024 strings with span names: label with a few values
 * (a phase, a tenant), not with unique ids (use trace ids for those). */
HWPROF_API int hwprof_label_set(const char *key, const char *value);

/* Write the HWPROF_LATENCY_OUT histograms now, to PREFIX.hlog and
 * PREFIX.NAME.hgrm (prefix NULL: HWPROF_LATENCY_OUT's); also done at exit.
 * Each file is created 0600 and replaced whole (a temporary file renamed).
 * 0 when nothing keeps histograms; -errno when a file cannot be written. */
HWPROF_API int hwprof_latency_write(const char *prefix);

#ifdef __cplusplus
}
#endif

#endif
