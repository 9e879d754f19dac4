/* events.h - event text ("cycles", "cpu-clock", "r003c", "cache-misses:u") to
 * struct perf_event_attr, through libpfm4.  Not thread safe (libpfm4 is not). */
#ifndef HWPROF_EVENTS_H
#define HWPROF_EVENTS_H

#include <stddef.h>
#include <linux/perf_event.h>

struct event {
	char name[128];                /* as the user wrote it */
	struct perf_event_attr attr;   /* type, config*, exclude_* (sampling left to the caller) */
	char sample_type[64];          /* pprof sample type: "cpu", "cycles", "page-faults" */
	char unit[16];                 /* "nanoseconds" or "count" */
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

/* Up to max names close to `name` (edit distance), comma-separated, into buf. */
void events_suggest(const char *name, char *buf, size_t cap, int max);

#endif
