/* pmu.h - this machine's performance monitoring units: the ones libpfm4 knows
 * (names, events) and whether the kernel exposes a CPU PMU at all.
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

#endif
