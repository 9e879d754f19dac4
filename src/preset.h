/* preset.h - event presets: `-e @NAME` is the line of events/NAME.preset for this
 * machine's CPU model (format: docs/HACKING.md, "An event preset"). */
#ifndef HWPROF_PRESET_H
#define HWPROF_PRESET_H

#include <stddef.h>

/* The preset directory: $HWPROF_EVENTS_DIR, else the installed one. */
const char *preset_dir(void);

/* The events of preset `name` (without '@') for PMU `pmu` from dir: the first line
 * whose patterns match pmu, else the '*' line.  *text is malloc'd; desc (may be
 * NULL) gets the preset's description.  0, -ENOENT (no such preset), -EINVAL
 * (no line for pmu, or a malformed file) or -ENOMEM. */
int preset_lookup(const char *dir, const char *name, const char *pmu, char **text,
		  char *desc, size_t desclen);

/* The presets in dir, sorted, comma-separated ("branch, cache, default").  0 or -errno. */
int preset_names(const char *dir, char *buf, size_t cap);

/* Event list text with every top-level @NAME replaced by that preset's events
 * for this machine (preset_dir(), pmu_host()).  Fills *out (malloc'd), or returns
 * -EINVAL with a one line message in err (unknown preset, preset inside a group)
 * or -ENOMEM. */
int preset_expand(const char *text, char **out, char *err, size_t errlen);

#endif
