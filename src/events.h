/* events.h - event text to struct perf_event_attr, through libpfm4 (presets:
 * preset.h, tracepoints: tracepoint.h, this machine's PMUs: pmu.h).
 *
 * A list is comma-separated; each item is one of
 *   a name libpfm4 knows for this machine's PMUs (INST_RETIRED:ANY_P, clx::L1D:REPLACEMENT),
 *   one of perf's generic names (cycles, cache-misses, L1-dcache-load-misses, cpu-clock ...),
 *   a raw event rNNNN (hex), a kernel tracepoint SYS:NAME (sched:sched_switch),
 *   a group {EV,EV,...} (counted together, sampled on its first event), or
 *   a preset @NAME (events/NAME.preset, the line for this CPU model).
 * followed by modifiers, colon-separated: u (user only), k (kernel only), h, p/pp/ppp
 * (precise_ip 1..3), period=N, freq=N (this event's own sampling), and the PMU's own
 * attributes (c=2, e, ldlat=3 ...).
 * Not thread safe (libpfm4 is not). */
#ifndef HWPROF_EVENTS_H
#define HWPROF_EVENTS_H

#include <stddef.h>
#include <stdint.h>
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

#endif
