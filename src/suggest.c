/* suggest.c - see suggest.h. */
#include "suggest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], prev, tmp;

	if (lb >= 64)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

void suggest_init(struct suggest *s, const char *name, int max)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->max = max < 0 ? 0 : max > SUGGEST_MAX ? SUGGEST_MAX : max;
}

void suggest_consider(struct suggest *s, const char *cand)
{
	const char *name = s->name;
	size_t d = strcasecmp(cand, name) == 0 ? 0 : edit_distance(name, cand);
	size_t limit = strlen(name) / 3 + 1;
	int max = s->max;

	if (d > limit && !(strlen(name) >= 4 && strcasestr(cand, name)))
		return;
	if (strcasestr(cand, name))
		d = d < 2 ? d : 2;
	for (int i = 0; i < max; i++)
		if (strcmp(s->best[i].name, cand) == 0)
			return;
	for (int i = 0; i < max; i++) {
		if (s->best[i].name[0] && s->best[i].dist <= d)
			continue;
		memmove(&s->best[i + 1], &s->best[i], (size_t)(max - i - 1) * sizeof(s->best[0]));
		snprintf(s->best[i].name, sizeof(s->best[i].name), "%s", cand);
		s->best[i].dist = d;
		return;
	}
}

void suggest_format(const struct suggest *s, char *buf, size_t cap)
{
	size_t off = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	for (int i = 0; i < s->max && s->best[i].name[0]; i++) {
		int w = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "", s->best[i].name);

		if (w < 0 || (size_t)w >= cap - off)
			break;
		off += (size_t)w;
	}
}
