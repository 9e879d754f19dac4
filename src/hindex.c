/* hindex.c - see hindex.h.
 *
 * Linear probing in a power-of-two slot array kept at most half full, so probe
 * sequences stay short and a probe always ends at an empty slot. */
#include "hindex.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The first capacity; small so that short-lived indexes stay cheap. */
#define HINDEX_MIN_CAP 64

size_t hindex_find(const struct hindex *h, uint64_t hash, hindex_eq_fn eq,
		   const void *key, const void *ctx)
{
	size_t mask = h->cap - 1;

	if (!h->cap)
		return 0;
	for (size_t j = hash & mask; h->slots[j].entry; j = (j + 1) & mask)
		if (h->slots[j].hash == hash && eq(ctx, h->slots[j].entry, key))
			return h->slots[j].entry;
	return 0;
}

/* Place a slot at the end of its probe sequence; the caller ensured room. */
static void place(struct hindex_slot *slots, size_t cap, uint64_t hash, size_t entry)
{
	size_t j;

	for (j = hash & (cap - 1); slots[j].entry; j = (j + 1) & (cap - 1))
		;
	slots[j].hash = hash;
	slots[j].entry = entry;
}

int hindex_reserve(struct hindex *h)
{
	struct hindex_slot *ns;
	size_t ncap;

	if ((h->n + 1) * 2 <= h->cap)
		return 0;
	if (h->cap > SIZE_MAX / 2 / sizeof(*ns))
		return -ENOMEM;
	ncap = h->cap ? h->cap * 2 : HINDEX_MIN_CAP;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	/* The stored hashes let us re-place every slot without the caller's keys. */
	for (size_t i = 0; i < h->cap; i++)
		if (h->slots[i].entry)
			place(ns, ncap, h->slots[i].hash, h->slots[i].entry);
	free(h->slots);
	h->slots = ns;
	h->cap = ncap;
	return 0;
}

void hindex_insert(struct hindex *h, uint64_t hash, size_t entry)
{
	place(h->slots, h->cap, hash, entry);
	h->n++;
}

void hindex_free(struct hindex *h)
{
	if (!h)
		return;
	free(h->slots);
	*h = (struct hindex){ 0 };
}

/* ---- interned strings ---- */

struct strkey {
	const char *str;
	size_t len;             /* no NUL in str[0..len) */
};

static bool str_eq(const void *ctx, size_t entry, const void *key)
{
	const struct hindex_strs *t = ctx;
	const struct strkey *k = key;
	const char *kept = t->strs[entry - 1];

	/* strncmp stops at the end of a shorter kept string, where the key
	 * (without NULs) differs, so kept[len] is inside the copy. */
	return strncmp(kept, k->str, k->len) == 0 && kept[k->len] == '\0';
}

const char *hindex_intern(struct hindex_strs *t, const char *str, size_t len)
{
	struct strkey k = { str, strnlen(str, len) };
	uint64_t h = util_hash(k.str, k.len, UTIL_HASH_INIT);
	size_t e = hindex_find(&t->ix, h, str_eq, &k, t);
	char *c;

	if (e)
		return t->strs[e - 1];
	if (hindex_reserve(&t->ix) < 0 || util_grow(&t->strs, &t->cap, t->n + 1, sizeof(*t->strs)) < 0)
		return NULL;
	c = strndup(k.str, k.len);
	if (!c)
		return NULL;
	t->strs[t->n++] = c;
	hindex_insert(&t->ix, h, t->n);
	return c;
}

void hindex_strs_free(struct hindex_strs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->strs[i]);
	free(t->strs);
	hindex_free(&t->ix);
	*t = (struct hindex_strs){ 0 };
}
