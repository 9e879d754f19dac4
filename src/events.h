/* events.h - event text to struct perf_event_attr, through libpfm4 (presets:
 * preset.h, tracepoints: tracepoint.h, this machine's PMUs: pmu.h), and opening
 * one: the perf_event_open call and the words for the kernel's refusals.
 *
 * A list is comma-separated; each item is one of
 *   a name libpfm4 knows for this machine's PMUs (INST_RETIRED:ANY_P, clx::L1D:REPLACEMENT),
 *   one of perf's generic names (cycles, cache-misses, L1-dcache-load-misses, cpu-clock ...),
 *   a raw event rNNNN (hex), a kernel tracepoint SYS:NAME (sched:sched_switch),
 *   a sysfs PMU event PMU/TERMS/ as perf writes them (armv8_pmuv3/inst_retired/,
 *   cpu/event=0x3c,umask=0x00/, uncore_imc_0/cas_count_read/; pmu.h),
 *   a group {EV,EV,...} (counted together, sampled on its first event), or
 *   a preset @NAME (events/NAME.preset, the line for this CPU model).
 * followed by modifiers, colon-separated (or, after PMU/TERMS/, written straight
 * after the slash: cpu/event=0x3c/u): u (user only), k (kernel only), h, p/pp/ppp
 * (precise_ip 1..3), period=N, freq=N (this event's own sampling), and the PMU's own
 * attributes (c=2, e, ldlat=3 ...).
 * Not thread safe (libpfm4 is not). */
#ifndef HWPROF_EVENTS_H
#define HWPROF_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/perf_event.h>

/* At most this many CPU PMU events in one group: the general-purpose counters
 * of one core (8 on Intel with SMT off, 6 on AMD Zen); more can never be
 * scheduled together. */
#define EVENTS_GROUP_MAX_HW 8

struct event {
	char name[128];                /* as the user wrote it (a preset's item) */
	struct perf_event_attr attr;   /* type, config*, exclude_*, precise_ip; sample_period
	                                  or sample_freq only when sampling_set */
	char sample_type[64];          /* pprof sample type: "cpu", "cycles", "page-faults" */
	char unit[16];                 /* "nanoseconds" or "count" */
	int leader;                    /* index of the group leader in the list; the event's
	                                  own index when it leads or is not in a group */
	int sampling_set;              /* :period=N or :freq=N was given for this event */
	double scale;                  /* a sysfs event's .scale (0: none): count * scale ... */
	char scale_unit[16];           /* ... is in this unit (its .unit: "Joules", "MiB") */
	int precise_lowered;           /* its precise_ip was lowered to what the PMU takes */
};

struct event_list {
	size_t n;
	struct event *ev;
};

/* Parse a comma-separated list.  Returns 0 and fills *out, or -EINVAL with a one
 * line message in err ("unknown event 'cyles' (did you mean: cycles?)"). */
int events_parse(const char *text, struct event_list **out, char *err, size_t errlen);
void events_free(struct event_list *l);

/* Turn e into the software event cpu-clock (the fallback where there is no PMU). */
void events_set_cpu_clock(struct event *e);

/* Whether e counts on a CPU PMU (hardware, cache, raw or a dynamic PMU type). */
int events_is_hardware(const struct event *e);

/* Up to max names close to `name` (edit distance), comma-separated, into buf:
 * perf's generic names and those of libpfm4's PMUs on this machine. */
void events_suggest(const char *name, char *buf, size_t cap, int max);

/* Number of events in the group led by event i (1 when it is alone). */
size_t events_group_size(const struct event_list *l, size_t i);

/* perf's generic event names, NULL-terminated. */
const char *const *events_generic_names(void);

/* Append the events of `text` to l, each group (or lone event) its own as in
 * events_parse.  0, or -EINVAL / -ENOMEM with a one line message in err (l is
 * unchanged then). */
int events_append(struct event_list *l, const char *text, char *err, size_t errlen);

/* ---- opening an event, and why the kernel refused it ---- */

/* perf_event_open(2), close-on-exec: the new fd, or the kernel's -errno.  The
 * one call of it in hwprof (record, stat, list and libhwprof alike). */
int events_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd);

/* What a refusal means to a caller that opens many events. */
enum events_refusal {
	EVENTS_UNSUPPORTED = 1,   /* this machine cannot count it (no PMU, not this CPU's) */
	EVENTS_DENIED,            /* not allowed (perf_event_paranoid, no CAP_PERFMON) */
	EVENTS_EXHAUSTED,         /* out of file descriptors or memory: all events alike */
	EVENTS_REFUSED,           /* anything else (an attribute, its group leader, ...) */
};

/* The kind of refusal -err (from events_open) is for e (NULL: no one event). */
enum events_refusal events_refusal_of(const struct event *e, int err);

/* A constant line for a kind of refusal when nothing more is known (libhwprof's
 * hwprof_strerror); NULL for kinds whose errno says it best. */
const char *events_refusal_text(enum events_refusal kind);

/* What the caller does instead of giving up on an event. */
enum events_fallback {
	EVENTS_GIVE_UP,           /* nothing: the event is not counted, or the run fails */
	EVENTS_TO_CPU_CLOCK,      /* a cycles event without a PMU samples cpu-clock */
	EVENTS_USER_ONLY,         /* kernel mode not allowed: user space only */
	EVENTS_NO_SWITCHES,       /* no context-switch records: on-CPU time only */
	EVENTS_PER_THREAD,        /* no PERF_SAMPLE_READ on inherited events (before
				     6.12): the events opened on each thread */
	EVENTS_LESS_PRECISE,      /* precise_ip beyond the PMU's: sampled with less */
};

/* What explaining a refusal depends on besides the event and the errno. */
struct events_why {
	const struct perf_event_attr *attr; /* as given to perf_event_open (NULL: the event's) */
	int sampling;             /* it samples (record); else it only counts */
	size_t ring_pages;        /* sampling: data pages per CPU ring (0: not known) */
	int paranoid;             /* /proc/sys/kernel/perf_event_paranoid */
	int cpu_pmu;              /* the kernel exposes a CPU PMU (pmu_cpu_present) */
	int max_precise;          /* precise_ip the CPU PMU takes (pmu_max_precise), -1 unknown */
	char kernel[65];          /* the kernel's release (uname -r), "" unknown */
	enum events_fallback fallback;
};

/* This machine's context (paranoid level, CPU PMU and its precise sampling,
 * kernel release), counting, no fallback. */
void events_why_init(struct events_why *w);

/* Why the kernel refused e (NULL: no one event) with -err, and the fix, or with
 * w->fallback what is done instead, as one line that names neither the event
 * nor hwprof: "not supported on this machine (the kernel exposes no CPU PMU)".
 * The attr tried (w->attr, else e's) and the PMU it names in sysfs (pmu.h:
 * its format, whether it is a CPU's) tell the cause apart.  w NULL:
 * events_why_init's.  Every command words refusals with this. */
void events_strerror(const struct event *e, int err, const struct events_why *w, char *buf,
		     size_t cap);

#endif
