/* pmu.h - this machine's performance monitoring units: the ones libpfm4 knows
 * (names, events) and whether the kernel exposes a CPU PMU at all (the
 * kernel's own PMUs in sysfs: sysfspmu.h).
 * Not thread safe (libpfm4 is not). */
#ifndef HWPROF_PMU_H
#define HWPROF_PMU_H

#include <stddef.h>

/* Initialize libpfm4 (once; later calls are cheap).  0, or -ENODEV when it fails. */
int pmu_init(void);

/* libpfm4's name of this machine's core PMU ("clx", "amd64_fam19h_zen3"; what
 * LIBPFM_FORCE_PMU names), or "" when libpfm4 knows none.  0 or -ENODEV. */
int pmu_host(char *buf, size_t cap);

/* Why libpfm4 names no CPU events here: the CPU it does not know ("the installed
 * libpfm4 has no event table for this CPU (AMD EPYC, family 26 model 2)"). */
void pmu_no_table(char *buf, size_t cap);

/* Whether the kernel exposes a CPU PMU (sysfs event_source devices: cpu,
 * cpu_core, armv8_pmuv3, ...); without one, hardware events cannot be opened. */
int pmu_cpu_present(void);

/* Call fn for every event of libpfm4's PMUs present on this machine (the CPU's
 * and others libpfm4 detects, not its generic "perf" ones): name is what
 * events_parse takes (EVENT or EVENT:UMASK, one per unit mask).  Stops at the
 * first non-zero return of fn and returns it; 0, or -ENODEV without libpfm4. */
typedef int (*pmu_event_fn)(void *ctx, const char *pmu, const char *pmu_desc,
			    const char *name, const char *desc);
int pmu_for_each_event(pmu_event_fn fn, void *ctx);

/* Why libpfm4 refused base (the event text text, without our modifiers) with
 * its error code: the attribute it did not take, and the ones the event has,
 * as one line into err. */
void pmu_explain_attribute(const char *base, const char *text, int code, char *err, size_t errlen);

/* Up to max names close to `name` (suggest.h), comma-separated, into buf:
 * among extra (NULL-terminated, or NULL) and the events of libpfm4's PMUs on
 * this machine. */
void pmu_suggest(const char *name, const char *const *extra, char *buf, size_t cap, int max);

#endif
