/* sysfspmu.h - the kernel's PMUs as sysfs describes them, read the way perf
 * reads them.
 *
 * Each PMU folder has `type` (attr.type), format/TERM files saying which bits
 * of config, config1 or config2 a term fills ("config:0-7", "config1:0-3,8"),
 * and events/NAME files giving an event's terms ("event=0x08",
 * "event=0x3c,umask=0x00"; a value "?" is a parameter the user supplies), with
 * NAME.scale and NAME.unit where the count converts to a unit.  The folder is
 * /sys/bus/event_source/devices, under $HWPROF_SYSFS instead of /sys when set
 * (tests). */
#ifndef HWPROF_SYSFSPMU_H
#define HWPROF_SYSFSPMU_H

#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

/* The devices folder into buf. */
void sysfspmu_dir(char *buf, size_t cap);

/* What a sysfs PMU event encodes to. */
struct sysfspmu_encoded {
	struct perf_event_attr attr;   /* type, config, config1, config2 only */
	uint64_t period, freq;         /* period=N or freq=N among the terms (0: none) */
	double scale;                  /* the named event's .scale (0: none) */
	char unit[16];                 /* and .unit */
};

/* Encode "PMU/TERM,.../" (both slashes, no modifiers) as perf does: TERM is an
 * event of PMU's (inst_retired), a format term with a value (event=0x3c; a
 * term alone is 1), config=, config1=, config2=, period= or freq=.  0, or
 * -EINVAL with a one line message in err naming what is wrong: an unknown PMU
 * or term (with suggestions), a value too wide for its bits, a parameter
 * (NAME=?) not given. */
int sysfspmu_encode(const char *text, struct sysfspmu_encoded *out, char *err, size_t errlen);

/* The sysfs name of the PMU events of attr.type `type` open on: a dynamic
 * type's by its type file; hardware, cache and raw events the CPU PMU's.
 * 0, or -ENOENT. */
int sysfspmu_name(uint32_t type, char *buf, size_t cap);

/* The bits of config (field 0), config1 (1) or config2 (2) that pmu's format
 * terms cover, in *mask.  0, or -ENOENT (no such PMU, or no format). */
int sysfspmu_format_mask(const char *pmu, int field, uint64_t *mask);

/* pmu's format terms as "event=config:0-7, umask=config:8-15" into buf. */
void sysfspmu_formats(const char *pmu, char *buf, size_t cap);

/* Whether pmu counts for the whole machine or a package rather than for a
 * thread (a cpumask file, as uncore, power and cstate PMUs have). */
int sysfspmu_is_uncore(const char *pmu);

/* The precise_ip the CPU PMU takes: its caps/max_precise, else what arch.h
 * knows of the architecture; -1 when unknown. */
int sysfspmu_max_precise(void);

/* Call fn for every event of every sysfs PMU, PMUs and events in name order:
 * name as events_parse takes it ("armv8_pmuv3/inst_retired/"; a parameter
 * spelled "pmu/event,param=?/"), its terms, and its unit ("" or "Joules,
 * scale 2.3283e-10").  Stops at fn's first non-zero return and returns it;
 * 0, or -ENOENT without the devices folder. */
typedef int (*sysfspmu_event_fn)(void *ctx, const char *pmu, const char *name,
				  const char *terms, const char *unit);
int sysfspmu_for_each_event(sysfspmu_event_fn fn, void *ctx);

#endif
