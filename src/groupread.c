/* groupread.c - see groupread.h. */
#include "groupread.h"

#include <errno.h>
#include <stdlib.h>

#include "hindex.h"
#include "util.h"

struct last_count {
	uint32_t tid;
	uint64_t id;
	uint64_t value;
};

struct groupread {
	struct last_count *last;
	size_t n, cap;
	struct hindex ix;
};

struct key {
	uint32_t tid;
	uint64_t id;
};

int groupread_new(struct groupread **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void groupread_free(struct groupread *g)
{
	if (!g)
		return;
	free(g->last);
	hindex_free(&g->ix);
	free(g);
}

static bool same_counter(const void *ctx, size_t entry, const void *key)
{
	const struct groupread *g = ctx;
	const struct key *k = key;

	return g->last[entry - 1].tid == k->tid && g->last[entry - 1].id == k->id;
}

int groupread_delta(struct groupread *g, uint32_t tid, uint64_t id, uint64_t value,
		    uint64_t *delta)
{
	struct key k = { tid, id };
	uint64_t h = util_hash(&id, sizeof(id), util_hash(&tid, sizeof(tid), UTIL_HASH_INIT));
	size_t e = hindex_find(&g->ix, h, same_counter, &k, g);

	if (e) {
		struct last_count *c = &g->last[e - 1];

		*delta = value >= c->value ? value - c->value : 0;
		c->value = value;
		return 0;
	}
	if (hindex_reserve(&g->ix) < 0 || util_grow(&g->last, &g->cap, g->n + 1, sizeof(*g->last)) < 0)
		return -ENOMEM;
	g->last[g->n++] = (struct last_count){ tid, id, value };
	hindex_insert(&g->ix, h, g->n);
	*delta = value;
	return 0;
}
