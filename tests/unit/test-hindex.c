/* test-hindex.c - find, insert, colliding hashes, growth, not-found, free;
 * interned strings. */
#include "hindex.h"
#include "util.h"
#include "tap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The caller's side: an array of keys, and a count of eq calls. */
struct keys {
	const char **names;
	size_t *calls;
};

static bool name_eq(const void *ctx, size_t entry, const void *key)
{
	const struct keys *k = ctx;

	(*k->calls)++;
	return strcmp(k->names[entry - 1], key) == 0;
}

static uint64_t name_hash(const char *s)
{
	return util_hash(s, strlen(s), UTIL_HASH_INIT);
}

static void test_basic(void)
{
	const char *names[] = { "alpha", "beta", "gamma" };
	size_t calls = 0;
	struct keys k = { names, &calls };
	struct hindex h = { 0 };
	int fails = 0;

	is_int(hindex_find(&h, name_hash("alpha"), name_eq, "alpha", &k), 0,
	       "empty index finds nothing");
	is_int(calls, 0, "empty index calls no eq");
	for (size_t i = 0; i < 3; i++) {
		if (hindex_reserve(&h))
			fails++;
		hindex_insert(&h, name_hash(names[i]), i + 1);
	}
	is_int(fails, 0, "reserve succeeds");
	is_int(h.n, 3, "three entries");
	for (size_t i = 0; i < 3; i++)
		is_int(hindex_find(&h, name_hash(names[i]), name_eq, names[i], &k), i + 1,
		       "find %s", names[i]);
	is_int(calls, 3, "eq called once per hit, only on equal hashes");
	is_int(hindex_find(&h, name_hash("delta"), name_eq, "delta", &k), 0,
	       "absent key not found");
	hindex_free(&h);
	ok(!h.slots && !h.cap && !h.n, "free leaves an empty index");
	is_int(hindex_find(&h, name_hash("alpha"), name_eq, "alpha", &k), 0,
	       "freed index finds nothing");
	is_int(hindex_reserve(&h), 0, "freed index is reusable");
	hindex_insert(&h, name_hash("beta"), 2);
	is_int(hindex_find(&h, name_hash("beta"), name_eq, "beta", &k), 2, "found after reuse");
	hindex_free(&h);
	hindex_free(NULL);
}

/* Every key under one hash: eq alone must tell them apart. */
static void test_collisions(void)
{
	const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	size_t calls = 0;
	struct keys k = { names, &calls };
	struct hindex h = { 0 };
	int fails = 0;

	for (size_t i = 0; i < 8; i++) {
		if (hindex_reserve(&h))
			fails++;
		hindex_insert(&h, 42, i + 1);
	}
	is_int(fails, 0, "reserve succeeds");
	for (size_t i = 0; i < 8; i++)
		if (hindex_find(&h, 42, name_eq, names[i], &k) != i + 1)
			fails++;
	is_int(fails, 0, "each colliding key finds its own entry");
	is_int(hindex_find(&h, 42, name_eq, "z", &k), 0, "absent colliding key not found");
	calls = 0;
	is_int(hindex_find(&h, 43, name_eq, "a", &k), 0, "same key, other hash: not found");
	is_int(calls, 0, "a different hash never reaches eq");
	/* Neighbouring hashes share probe runs with the colliding block. */
	for (size_t i = 0; i < 8; i++)
		if (hindex_find(&h, 42 + 64 * i, name_eq, names[i], &k) != (i ? 0 : 1))
			fails++;
	is_int(fails, 0, "hashes sharing a probe run do not match");
	hindex_free(&h);
}

/* Keys are even numbers hashed by x / 4: pairs share a hash, so collisions go
 * through every rehash, and odd numbers (absent) share their hashes too. */
static bool num_eq(const void *ctx, size_t entry, const void *key)
{
	const uint64_t *nums = ctx;

	return nums[entry - 1] == *(const uint64_t *)key;
}

static uint64_t num_hash(uint64_t x)
{
	x /= 4;
	return util_hash(&x, sizeof(x), UTIL_HASH_INIT);
}

static void test_growth(void)
{
	enum { N = 100000 };
	uint64_t *nums = calloc(N, sizeof(*nums));
	struct hindex h = { 0 };
	size_t bad_insert = 0, bad_find = 0, bad_miss = 0;

	if (!ok(nums, "allocate keys"))
		return;
	for (size_t i = 0; i < N; i++) {
		nums[i] = 2 * i;
		if (hindex_reserve(&h)) {
			bad_insert++;
			break;
		}
		hindex_insert(&h, num_hash(nums[i]), i + 1);
		/* Spot-check while the index grows through every rehash. */
		if (hindex_find(&h, num_hash(nums[i / 2]), num_eq, &nums[i / 2], nums) != i / 2 + 1)
			bad_find++;
	}
	is_int(bad_insert, 0, "100k reserves succeed");
	is_int(h.n, N, "100k entries");
	ok(h.cap && !(h.cap & (h.cap - 1)), "capacity is a power of two");
	ok(h.n * 2 <= h.cap, "at most half full");
	for (size_t i = 0; i < N; i++)
		if (hindex_find(&h, num_hash(nums[i]), num_eq, &nums[i], nums) != i + 1)
			bad_find++;
	is_int(bad_find, 0, "every entry found after growth");
	for (uint64_t x = 0; x < N; x += 97) {
		uint64_t key = 2 * x + 1;

		if (hindex_find(&h, num_hash(key), num_eq, &key, nums))
			bad_miss++;
	}
	is_int(bad_miss, 0, "absent keys not found");
	hindex_free(&h);
	free(nums);
}

static void test_intern(void)
{
	struct hindex_strs t = { 0 };
	char buf[16] = "main";
	const char *a, *b, *c, *d;
	size_t bad = 0;

	a = hindex_intern(&t, buf, strlen(buf));
	is_str(a, "main", "interned copy");
	ok(a != buf, "a copy, not the caller's buffer");
	strcpy(buf, "xxxx");
	is_str(a, "main", "the copy outlives the caller's string");
	ok(hindex_intern(&t, "main", 4) == a, "the same string: the same copy");
	b = hindex_intern(&t, "__libc_start_main@@GLIBC_2.34", strlen("__libc_start_main"));
	is_str(b, "__libc_start_main", "len takes a prefix");
	ok(hindex_intern(&t, "__libc_start_main", 17) == b, "the prefix is the whole string");
	c = hindex_intern(&t, "mai", 3);
	d = hindex_intern(&t, "mainly", 6);
	ok(c != a && d != a && c != d && strcmp(c, "mai") == 0 && strcmp(d, "mainly") == 0,
	   "a prefix and an extension are other strings");
	ok(hindex_intern(&t, "main\0tail", 10) == a, "a string ends at its NUL");
	ok(hindex_intern(&t, "", 0) == hindex_intern(&t, "x", 0), "the empty string");
	is_int(t.n, 5, "five distinct strings kept");
	is_str(t.strs[0], "main", "kept in the order added");
	for (int i = 0; i < 1000; i++) {
		char s[16];

		snprintf(s, sizeof(s), "s%d", i);
		if (strcmp(hindex_intern(&t, s, strlen(s)), s))
			bad++;
	}
	for (int i = 0; i < 1000; i++) {
		char s[16];

		snprintf(s, sizeof(s), "s%d", i);
		if (hindex_intern(&t, s, strlen(s)) != t.strs[5 + i])
			bad++;
	}
	is_int(bad, 0, "1000 more strings, each found again after growth");
	ok(hindex_intern(&t, "main", 4) == a, "earlier copies stay put");
	hindex_strs_free(&t);
	ok(!t.strs && !t.n && !t.ix.cap, "free leaves an empty set");
	is_str(hindex_intern(&t, "again", 5), "again", "freed set is reusable");
	hindex_strs_free(&t);
	hindex_strs_free(NULL);
}

int main(void)
{
	test_basic();
	test_collisions();
	test_growth();
	test_intern();
	return done_testing();
}
