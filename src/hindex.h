/* hindex.h - an open-addressing hash index over a caller's array of entries.
 *
 * The index maps a 64-bit hash to 1-based entry numbers (entry - 1 indexes the
 * caller's array); it never sees the keys, so the caller hashes them and says
 * how to compare one.  Hashes are stored in the slots, so growing never calls
 * back into the caller and most mismatches are rejected without touching the
 * entries.  A zeroed struct hindex is an empty index.  Not thread-safe. */
#ifndef HWPROF_HINDEX_H
#define HWPROF_HINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hindex_slot {
	uint64_t hash;
	size_t entry;           /* 1-based; 0 marks an empty slot */
};

struct hindex {
	struct hindex_slot *slots;
	size_t cap;             /* 0 or a power of two */
	size_t n;               /* entries inserted */
};

/* Whether entry (1-based) holds key; ctx is the caller's, passed through. */
typedef bool (*hindex_eq_fn)(const void *ctx, size_t entry, const void *key);

/* The entry with this hash for which eq(ctx, entry, key) holds, or 0.  eq is
 * called only for entries whose stored hash equals hash.  No allocation. */
size_t hindex_find(const struct hindex *h, uint64_t hash, hindex_eq_fn eq,
		   const void *key, const void *ctx);

/* Make room for one more hindex_insert: 0, or -ENOMEM with h unchanged.  Call
 * it before adding the entry to the caller's array, so indexing cannot fail. */
int hindex_reserve(struct hindex *h);

/* Index entry (1-based, not yet indexed) under hash.  Requires a successful
 * hindex_reserve since the previous insert. */
void hindex_insert(struct hindex *h, uint64_t hash, size_t entry);

/* Free the slots and leave h empty (reusable).  Accepts NULL. */
void hindex_free(struct hindex *h);

/* Interned strings: each distinct string kept once, as one malloc'd copy, so
 * that kept strings compare by pointer.  A zeroed struct is an empty set. */
struct hindex_strs {
	struct hindex ix;
	char **strs;            /* entry e is strs[e - 1], in the order added */
	size_t n, cap;
};

/* The kept copy of str[0..len) (up to its first NUL, if one comes sooner),
 * added when new; it lives until hindex_strs_free.  NULL on ENOMEM. */
const char *hindex_intern(struct hindex_strs *t, const char *str, size_t len);

/* Free every kept string and leave t empty (reusable).  Accepts NULL. */
void hindex_strs_free(struct hindex_strs *t);

#endif
