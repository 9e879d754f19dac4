/* suggest.h - the names closest to a mistyped one ("did you mean: cycles?"):
 * edit distance, with names that contain the typed one counted close. */
#ifndef HWPROF_SUGGEST_H
#define HWPROF_SUGGEST_H

#include <stddef.h>

#define SUGGEST_MAX 8

struct suggest {
	char name[96];                 /* what was typed */
	int max;
	struct {
		char name[96];
		size_t dist;
	} best[SUGGEST_MAX];
};

/* Start looking for at most max (up to SUGGEST_MAX) names close to name. */
void suggest_init(struct suggest *s, const char *name, int max);

/* Consider a candidate: kept when close enough and among the closest so far. */
void suggest_consider(struct suggest *s, const char *cand);

/* The closest, best first, comma-separated into buf ("" when none). */
void suggest_format(const struct suggest *s, char *buf, size_t cap);

#endif
