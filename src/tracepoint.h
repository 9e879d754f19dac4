/* tracepoint.h - kernel tracepoints as events: SYS:NAME, its id in tracefs. */
#ifndef HWPROF_TRACEPOINT_H
#define HWPROF_TRACEPOINT_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"

/* The tracefs root with an events/ directory: $HWPROF_TRACEFS, /sys/kernel/tracing
 * or /sys/kernel/debug/tracing; NULL when none is mounted. */
const char *tracepoint_fs(void);

/* Whether s[0..len) can be a tracepoint's system or name: a file name in
 * tracefs that cannot walk elsewhere (letters, digits, '_', '-'; 1..63). */
int tracepoint_word(const char *s, size_t len);

/* The id of tracepoint sys:name (PERF_TYPE_TRACEPOINT's config).  0, -ENOENT, -ENODEV
 * (no tracefs). */
int tracepoint_id(const char *sys, const char *name, uint64_t *id);

/* Make e the tracepoint `base` (SYS:NAME, modifiers already removed; text is the
 * item as written, for messages).  0 when it is one; 1 when base is not a
 * tracepoint (not shaped like one, or not in tracefs); -EINVAL with a message in
 * err when SYS is a tracepoint system without NAME (a misspelt tracepoint). */
int tracepoint_encode(const char *base, struct event *e, const char *text, char *err, size_t errlen);

#endif
