/* test-pprof.c - profile -> pprof -> profile round trips, and malformed input. */
#include "pprof.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Compare two profiles field by field; print the first difference. */
static bool same_profile(const struct profile *a, const struct profile *b)
{
#define DIFF(cond, ...) do { if (cond) { printf("#   differ: " __VA_ARGS__); printf("\n"); \
	return false; } } while (0)
	DIFF(a->n_types != b->n_types, "n_types");
	for (size_t i = 0; i < a->n_types; i++)
		DIFF(!same_str(a->types[i].type, b->types[i].type) ||
		     !same_str(a->types[i].unit, b->types[i].unit), "type %zu", i);
	DIFF(!same_str(a->period_type.type, b->period_type.type) ||
	     !same_str(a->period_type.unit, b->period_type.unit), "period_type");
	DIFF(a->period != b->period, "period");
	DIFF(a->time_nanos != b->time_nanos || a->duration_nanos != b->duration_nanos, "times");
	DIFF(a->default_sample_type != b->default_sample_type, "default_sample_type");
	DIFF(a->n_comments != b->n_comments, "n_comments");
	for (size_t i = 0; i < a->n_comments; i++)
		DIFF(!same_str(a->comments[i], b->comments[i]), "comment %zu", i);
	DIFF(a->n_mappings != b->n_mappings, "n_mappings");
	for (size_t i = 0; i < a->n_mappings; i++) {
		const struct profile_mapping *x = &a->mappings[i], *y = &b->mappings[i];

		DIFF(x->id != y->id || x->start != y->start || x->limit != y->limit ||
		     x->offset != y->offset || !same_str(x->file, y->file) ||
		     !same_str(x->build_id, y->build_id) ||
		     !x->has_functions != !y->has_functions ||
		     !x->has_filenames != !y->has_filenames ||
		     !x->has_line_numbers != !y->has_line_numbers, "mapping %zu", i);
	}
	DIFF(a->n_functions != b->n_functions, "n_functions");
	for (size_t i = 0; i < a->n_functions; i++) {
		const struct profile_function *x = &a->functions[i], *y = &b->functions[i];

		DIFF(x->id != y->id || !same_str(x->name, y->name) ||
		     !same_str(x->system_name, y->system_name) ||
		     !same_str(x->filename, y->filename) || x->start_line != y->start_line,
		     "function %zu", i);
	}
	DIFF(a->n_locations != b->n_locations, "n_locations");
	for (size_t i = 0; i < a->n_locations; i++) {
		const struct profile_location *x = &a->locations[i], *y = &b->locations[i];

		DIFF(x->id != y->id || x->mapping_id != y->mapping_id ||
		     x->address != y->address || x->n_lines != y->n_lines, "location %zu", i);
		for (size_t j = 0; j < x->n_lines; j++)
			DIFF(x->lines[j].function_id != y->lines[j].function_id ||
			     x->lines[j].line != y->lines[j].line, "location %zu line %zu", i, j);
	}
	DIFF(a->n_samples != b->n_samples, "n_samples");
	for (size_t i = 0; i < a->n_samples; i++) {
		const struct profile_sample *x = &a->samples[i], *y = &b->samples[i];

		DIFF(x->n_locations != y->n_locations || x->n_labels != y->n_labels, "sample %zu", i);
		for (size_t j = 0; j < x->n_locations; j++)
			DIFF(x->location_ids[j] != y->location_ids[j], "sample %zu loc %zu", i, j);
		for (size_t j = 0; j < a->n_types; j++)
			DIFF(x->values[j] != y->values[j], "sample %zu value %zu", i, j);
		for (size_t j = 0; j < x->n_labels; j++) {
			const struct profile_label *l = &x->labels[j], *m = &y->labels[j];

			DIFF(!same_str(l->key, m->key) || !same_str(l->str, m->str) ||
			     l->num != m->num || !same_str(l->num_unit, m->num_unit),
			     "sample %zu label %zu", i, j);
		}
	}
	return true;
#undef DIFF
}

/* A profile with every kind of content; n_types of the three known types. */
static struct profile *make_profile(size_t n_types)
{
	static const char *types[][2] = {
		{ "samples", "count" }, { "cpu", "nanoseconds" }, { "cycles", "count" },
	};
	struct profile *p;
	int64_t m1, m2, fa, fb, fc, fk;
	uint64_t l[5], stack[4];
	struct profile_line inl[2], ln;
	int64_t v[3];

	if (profile_new(&p))
		return NULL;
	for (size_t i = 0; i < n_types; i++)
		profile_add_type(p, types[i][0], types[i][1]);
	profile_set_period(p, "cpu", "nanoseconds", 1000000);
	p->time_nanos = 1700000000123456789LL;
	p->duration_nanos = 2500000000LL;
	p->default_sample_type = n_types ? (int64_t)n_types - 1 : -1;
	profile_add_comment(p, "hwprof test");
	profile_add_comment(p, "second comment");

	m1 = profile_mapping(p, 0x555555554000ULL, 0x555555556000ULL, 0x1000,
			     "/tmp/calltree", "0123456789abcdef");
	m2 = profile_mapping(p, 0x7ffff7dd0000ULL, 0x7ffff7f00000ULL, 0, "/lib/libc.so.6", "");
	p->mappings[m1 - 1].has_functions = 1;
	p->mappings[m1 - 1].has_filenames = 1;
	p->mappings[m1 - 1].has_line_numbers = 1;
	p->mappings[m2 - 1].has_functions = 1;
	fa = profile_function(p, "leaf_a", "leaf_a", "calltree.c", 10);
	fb = profile_function(p, "mid_a", "mid_a", "calltree.c", 20);
	fc = profile_function(p, "main", "main", "calltree.c", 40);
	fk = profile_function(p, "std::vector<int>::push_back(int const&)",
			      "_ZNSt6vectorIiSaIiEE9push_backERKi", "", 0);
	inl[0] = (struct profile_line){ (uint64_t)fa, 12 };
	inl[1] = (struct profile_line){ (uint64_t)fb, 23 };
	l[0] = (uint64_t)profile_location(p, (uint64_t)m1, 0x555555554123ULL, inl, 2);
	ln = (struct profile_line){ (uint64_t)fc, 45 };
	l[1] = (uint64_t)profile_location(p, (uint64_t)m1, 0x555555554456ULL, &ln, 1);
	ln = (struct profile_line){ (uint64_t)fk, 0 };
	l[2] = (uint64_t)profile_location(p, (uint64_t)m2, 0x7ffff7dd1234ULL, &ln, 1);
	l[3] = (uint64_t)profile_location(p, 0, 0xffffffff81001234ULL, NULL, 0);
	l[4] = (uint64_t)profile_location(p, (uint64_t)m2, 0x7ffff7dd9999ULL, NULL, 0);

	for (int s = 0; s < 6; s++) {
		struct profile_label lab[4] = {
			{ .key = "pid", .num = 100 + s % 2 },
			{ .key = "tid", .num = 200 + s % 3 },
			{ .key = "thread", .str = s % 2 ? "worker" : "main" },
			{ .key = "alloc", .num = -s * 1000000000LL, .num_unit = "bytes" },
		};
		size_t depth = 1 + s % 4;

		for (size_t d = 0; d < depth; d++)
			stack[d] = l[(s + d) % 5];
		for (size_t i = 0; i < n_types; i++)
			v[i] = (s + 1) * (int64_t)(i + 1) * 1000003;
		profile_add_sample(p, &(struct profile_sample){
			.n_locations = depth, .location_ids = stack,
			.n_labels = s == 5 ? 0 : 4 - s % 2, .labels = lab, .values = v });
	}
	return p;
}

static int gunzip_all(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream zs = { 0 };
	size_t cap = len * 20 + 4096;
	int rc;

	*out = malloc(cap);
	if (!*out || inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	zs.next_out = *out;
	zs.avail_out = cap;
	rc = inflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	inflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

static void test_round_trip(void)
{
	for (size_t nt = 0; nt <= 3; nt++) {
		struct profile *p = make_profile(nt), *q = NULL, *r = NULL;
		uint8_t *gz = NULL, *raw = NULL;
		size_t gz_len = 0, raw_len = 0;

		ok(p != NULL, "[%zu types] built", nt);
		is_int(pprof_encode(p, &gz, &gz_len), 0, "[%zu types] encode", nt);
		ok(gz_len > 18 && gz[0] == 0x1f && gz[1] == 0x8b, "[%zu types] gzip magic", nt);
		is_int(pprof_decode(gz, gz_len, &q), 0, "[%zu types] decode gzipped", nt);
		ok(q && same_profile(p, q), "[%zu types] gzipped round trip equal", nt);
		is_int(gunzip_all(gz, gz_len, &raw, &raw_len), 0, "[%zu types] gunzip", nt);
		is_int(pprof_decode(raw, raw_len, &r), 0, "[%zu types] decode raw", nt);
		ok(r && same_profile(p, r), "[%zu types] raw round trip equal", nt);
		if (nt) {
			is_int(profile_total(r, nt - 1), profile_total(p, nt - 1),
			       "[%zu types] totals", nt);
			ok(p->n_samples == 6, "[%zu types] six samples in the source", nt);
		}
		profile_free(p);
		profile_free(q);
		profile_free(r);
		free(gz);
		free(raw);
	}
}

static void test_empty(void)
{
	struct profile *p, *q = NULL;
	uint8_t *gz = NULL;
	size_t len;

	profile_new(&p);
	is_int(pprof_encode(p, &gz, &len), 0, "encode empty profile");
	is_int(pprof_decode(gz, len, &q), 0, "decode empty profile");
	ok(q && same_profile(p, q), "empty round trip");
	profile_free(p);
	profile_free(q);
	free(gz);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_files(void)
{
	char dir[] = "/tmp/test-pprof.XXXXXX", path[64], bad[96];
	struct profile *p = make_profile(2), *q = NULL;

	if (!ok(mkdtemp(dir) != NULL, "temp dir"))
		return;
	snprintf(path, sizeof(path), "%s/out.pb.gz", dir);
	is_int(pprof_write_file(p, path), 0, "write_file");
	is_int(pprof_write_file(p, path), 0, "write_file over an existing file");
	is_int(count_files(dir), 1, "no temporary file left behind");
	is_int(pprof_read_file(path, &q), 0, "read_file");
	ok(q && same_profile(p, q), "file round trip equal");
	profile_free(q);
	snprintf(bad, sizeof(bad), "%s/missing/out.pb.gz", dir);
	is_int(pprof_write_file(p, bad), -ENOENT, "write into a missing directory: -ENOENT");
	is_int(pprof_read_file(bad, &q), -ENOENT, "read a missing file: -ENOENT");
	ok(q == NULL, "out NULL on failure");
	unlink(path);
	rmdir(dir);
	profile_free(p);
}

static void test_truncated(void)
{
	struct profile *p = make_profile(2), *q;
	uint8_t *gz = NULL, *raw = NULL;
	size_t gz_len, raw_len;
	int bad = 0, consistent = 1, err;

	pprof_encode(p, &gz, &gz_len);
	for (size_t n = 0; n < gz_len; n++) {
		err = pprof_decode(gz, n, &q);
		if (err != -EINVAL || q)
			bad++;
		profile_free(q);
	}
	is_int(bad, 0, "every truncated gzip stream is -EINVAL");

	gunzip_all(gz, gz_len, &raw, &raw_len);
	/* A protobuf cut at a field boundary can still parse; it must not crash. */
	for (size_t n = 0; n < raw_len; n++) {
		err = pprof_decode(raw, n, &q);
		if ((err == 0) != (q != NULL) || (err && err != -EINVAL))
			consistent = 0;
		profile_free(q);
	}
	ok(consistent, "raw prefixes: 0 with a profile or -EINVAL with NULL");
	is_int(pprof_decode(raw, raw_len - 1, &q), -EINVAL, "raw cut by one byte: -EINVAL");
	is_int(pprof_decode(raw, 0, &q), -EINVAL, "empty input: -EINVAL");

	/* A gzip header followed by garbage. */
	memset(gz + 10, 0xff, gz_len - 10);
	is_int(pprof_decode(gz, gz_len, &q), -EINVAL, "bad deflate data: -EINVAL");
	ok(q == NULL, "out NULL");
	is_int(pprof_decode("\x1f\x8b", 2, &q), -EINVAL, "bare gzip magic: -EINVAL");
	is_int(pprof_decode("not a profile at all", 20, &q), -EINVAL, "text: -EINVAL");
	profile_free(p);
	free(gz);
	free(raw);
}

/* A minimal valid message that the cases below break one field at a time. */
struct craft {
	Perftools__Profiles__Profile msg;
	Perftools__Profiles__ValueType vt, *vtp[1];
	Perftools__Profiles__Sample smp, *smpp[1];
	Perftools__Profiles__Label lab, *labp[1];
	Perftools__Profiles__Mapping map, *mapp[1];
	Perftools__Profiles__Location loc[2], *locp[2];
	Perftools__Profiles__Line line, *linep[1];
	Perftools__Profiles__Function fn, *fnp[1];
	uint64_t loc_ids[2];
	int64_t value;
	char *strs[6];
};

static void craft_init(struct craft *c)
{
	static const char *s[] = { "", "samples", "count", "/bin/x", "f", "thread" };

	memset(c, 0, sizeof(*c));
	perftools__profiles__profile__init(&c->msg);
	for (int i = 0; i < 6; i++)
		c->strs[i] = (char *)s[i];
	c->msg.n_string_table = 6;
	c->msg.string_table = c->strs;

	perftools__profiles__value_type__init(&c->vt);
	c->vt.type = 1;
	c->vt.unit = 2;
	c->vtp[0] = &c->vt;
	c->msg.n_sample_type = 1;
	c->msg.sample_type = c->vtp;

	perftools__profiles__mapping__init(&c->map);
	c->map.id = 7;
	c->map.memory_start = 0x1000;
	c->map.memory_limit = 0x2000;
	c->map.filename = 3;
	c->mapp[0] = &c->map;
	c->msg.n_mapping = 1;
	c->msg.mapping = c->mapp;

	perftools__profiles__function__init(&c->fn);
	c->fn.id = 9;
	c->fn.name = 4;
	c->fn.system_name = 4;
	c->fnp[0] = &c->fn;
	c->msg.n_function = 1;
	c->msg.function = c->fnp;

	perftools__profiles__line__init(&c->line);
	c->line.function_id = 9;
	c->line.line = 3;
	c->linep[0] = &c->line;
	/* Two locations at address 0 that a reader must keep apart. */
	for (int i = 0; i < 2; i++) {
		perftools__profiles__location__init(&c->loc[i]);
		c->loc[i].id = 100 - i;
		c->loc[i].mapping_id = 7;
		c->locp[i] = &c->loc[i];
	}
	c->loc[0].n_line = 1;
	c->loc[0].line = c->linep;
	c->msg.n_location = 2;
	c->msg.location = c->locp;

	perftools__profiles__label__init(&c->lab);
	c->lab.key = 5;
	c->lab.str = 4;
	c->labp[0] = &c->lab;
	perftools__profiles__sample__init(&c->smp);
	c->loc_ids[0] = 100;
	c->loc_ids[1] = 99;
	c->smp.n_location_id = 2;
	c->smp.location_id = c->loc_ids;
	c->value = 5;
	c->smp.n_value = 1;
	c->smp.value = &c->value;
	c->smp.n_label = 1;
	c->smp.label = c->labp;
	c->smpp[0] = &c->smp;
	c->msg.n_sample = 1;
	c->msg.sample = c->smpp;
}

static int craft_decode(struct craft *c, struct profile **out)
{
	size_t len = perftools__profiles__profile__get_packed_size(&c->msg);
	uint8_t *buf = malloc(len + 1);
	int err;

	perftools__profiles__profile__pack(&c->msg, buf);
	err = pprof_decode(buf, len, out);
	free(buf);
	return err;
}

static void test_crafted(void)
{
	struct craft c;
	struct profile *q;
	const char *names[4];

	craft_init(&c);
	is_int(craft_decode(&c, &q), 0, "crafted message decodes");
	if (ok(q != NULL, "crafted profile")) {
		is_int(q->n_locations, 2, "address-0 locations kept apart");
		is_int(q->samples[0].location_ids[0], 1, "file id 100 renumbered to 1");
		is_int(q->samples[0].location_ids[1], 2, "file id 99 renumbered to 2");
		is_int(q->locations[0].mapping_id, 1, "mapping id 7 renumbered to 1");
		is_int(q->locations[0].lines[0].function_id, 1, "function id 9 renumbered to 1");
		is_str(q->mappings[0].file, "/bin/x", "mapping file");
		is_str(profile_sample_label(&q->samples[0], "thread"), "f", "label");
		is_int(profile_sample_frames(q, &q->samples[0], names, 4), 2, "two frames");
		is_str(names[0], "f", "leaf frame name");
		is_int(q->default_sample_type, -1, "no default sample type");
		profile_free(q);
	}

#define BAD(what, mutate) do { \
	craft_init(&c); \
	mutate; \
	is_int(craft_decode(&c, &q), -EINVAL, what ": -EINVAL"); \
	ok(q == NULL, what ": out NULL"); \
} while (0)
	BAD("string index past the table", c.map.filename = 6);
	BAD("negative string index", c.fn.name = -1);
	BAD("sample type string out of range", c.vt.unit = 1000);
	BAD("label key out of range", c.lab.key = 6);
	BAD("label str out of range", c.lab.str = 60);
	BAD("label num_unit out of range", c.lab.num_unit = 6);
	BAD("comment out of range", { static int64_t cm = 6; c.msg.n_comment = 1; c.msg.comment = &cm; });
	BAD("drop_frames out of range", c.msg.drop_frames = 6);
	BAD("default_sample_type out of range", c.msg.default_sample_type = 99);
	BAD("string_table[0] not empty", c.strs[0] = "x");
	BAD("no string table", c.msg.n_string_table = 0);
	BAD("dangling location id", c.loc_ids[1] = 98);
	BAD("location id 0 in a sample", c.loc_ids[0] = 0);
	BAD("dangling mapping id", c.loc[1].mapping_id = 8);
	BAD("dangling function id", c.line.function_id = 10);
	BAD("function id 0 in a line", c.line.function_id = 0);
	BAD("mapping id 0", c.map.id = 0);
	BAD("duplicate location ids", c.loc[1].id = 100);
	BAD("value count != sample types", c.smp.n_value = 0);
	BAD("too many sample types", { static Perftools__Profiles__ValueType *many[PROFILE_MAX_TYPES + 1];
		for (int i = 0; i <= PROFILE_MAX_TYPES; i++) many[i] = &c.vt;
		c.msg.n_sample_type = PROFILE_MAX_TYPES + 1; c.msg.sample_type = many; });
#undef BAD

	craft_init(&c);
	c.msg.default_sample_type = 1;
	c.lab.str = 0;
	c.lab.num = 77;
	is_int(craft_decode(&c, &q), 0, "numeric label decodes");
	if (q) {
		is_int(q->default_sample_type, 0, "default sample type by name");
		ok(q->samples[0].labels[0].str == NULL, "str 0 means numeric");
		is_int(q->samples[0].labels[0].num, 77, "numeric value");
		ok(q->samples[0].labels[0].num_unit == NULL, "no unit");
		profile_free(q);
	}
}

/* Sample values count things: negative ones are refused, but for the base
 * samples of a difference profile (pprof's -diff_base convention). */
static void test_negative(void)
{
	struct craft c;
	struct profile *q;

	craft_init(&c);
	c.value = -5;
	is_int(craft_decode(&c, &q), -ERANGE, "a negative value: -ERANGE");
	ok(q == NULL, "a negative value: out NULL");
	craft_init(&c);
	c.value = INT64_MIN;
	is_int(craft_decode(&c, &q), -ERANGE, "INT64_MIN: -ERANGE");
	craft_init(&c);
	c.value = -5;
	c.strs[5] = "pprof::base";
	c.strs[4] = "true";
	is_int(craft_decode(&c, &q), 0, "a negative value labelled pprof::base=true decodes");
	if (q)
		is_int(q->samples[0].values[0], -5, "and keeps its value");
	profile_free(q);
	c.strs[4] = "false";
	is_int(craft_decode(&c, &q), -ERANGE, "pprof::base=false: -ERANGE");
	c.strs[4] = "true";
	c.lab.str = 0;
	c.lab.num = 1;
	is_int(craft_decode(&c, &q), -ERANGE, "a numeric pprof::base label: -ERANGE");
	craft_init(&c);
	c.value = 0;
	is_int(craft_decode(&c, &q), 0, "zero is a value");
	profile_free(q);
}

/* Two equal samples of INT64_MAX merge into INT64_MAX, not a negative sum. */
static void test_saturated_merge(void)
{
	struct craft c;
	struct profile *q;
	Perftools__Profiles__Sample *two[2];

	craft_init(&c);
	c.value = INT64_MAX;
	two[0] = two[1] = &c.smp;
	c.msg.n_sample = 2;
	c.msg.sample = two;
	is_int(craft_decode(&c, &q), 0, "two samples of INT64_MAX decode");
	if (q) {
		is_int(q->n_samples, 1, "into one sample");
		ok(q->samples[0].values[0] == INT64_MAX, "whose value saturates at INT64_MAX");
		ok(profile_total(q, 0) == INT64_MAX, "as does the total");
	}
	profile_free(q);
}

/* A gzip stream of n zero bytes (level 9: about 1000:1), into *out. */
static int gzip_zeros(size_t n, uint8_t **out, size_t *len)
{
	static uint8_t zeros[1 << 16];
	size_t cap = n / 500 + 4096;
	z_stream zs = { 0 };
	int rc = Z_OK;

	*out = malloc(cap);
	if (!*out || deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_out = *out;
	zs.avail_out = cap;
	while (rc == Z_OK) {
		size_t chunk = n < sizeof(zeros) ? n : sizeof(zeros);

		zs.next_in = zeros;
		zs.avail_in = chunk;
		n -= chunk;
		rc = deflate(&zs, n ? Z_NO_FLUSH : Z_FINISH);
		if (!n && rc == Z_OK)
			continue;
	}
	*len = zs.total_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* The size cap: on the file, on the raw message, and on what a gzip stream
 * inflates to, counted as it inflates, so that a bomb costs no memory. */
static void test_size_cap(void)
{
	struct profile *p = make_profile(2), *q;
	uint8_t *gz = NULL, *raw = NULL, *bomb = NULL;
	size_t gz_len, raw_len, bomb_len;
	long rss0;

	if (!p || pprof_encode(p, &gz, &gz_len) || gunzip_all(gz, gz_len, &raw, &raw_len)) {
		ok(0, "size cap: profile");
		goto out;
	}
	is_int(pprof_decode_max(gz, gz_len, raw_len, &q), 0, "a profile exactly at the cap decodes");
	profile_free(q);
	is_int(pprof_decode_max(gz, gz_len, raw_len - 1, &q), -EFBIG,
	       "one byte over the cap once inflated: -EFBIG");
	ok(q == NULL, "  out NULL");
	is_int(pprof_decode_max(raw, raw_len, raw_len - 1, &q), -EFBIG,
	       "an uncompressed message over the cap: -EFBIG");
	is_int(pprof_decode_max(raw, raw_len, raw_len, &q), 0, "and at the cap decodes");
	profile_free(q);

	/* 256 MiB of zeros against a 64 MiB cap: refused having held no more
	 * than a buffer (the old reader grew to the cap before refusing). */
	if (gzip_zeros((size_t)256 << 20, &bomb, &bomb_len)) {
		ok(0, "gzip bomb");
		goto out;
	}
	rss0 = max_rss_kb();
	is_int(pprof_decode_max(bomb, bomb_len, (size_t)64 << 20, &q), -EFBIG,
	       "a gzip bomb (%zu bytes to 256 MiB) against a 64 MiB cap: -EFBIG", bomb_len);
	ok(max_rss_kb() - rss0 < 16 * 1024, "  stopped at the cap with no more than a buffer "
	   "(peak RSS grew %ld KiB)", max_rss_kb() - rss0);
out:
	free(bomb);
	free(gz);
	free(raw);
	profile_free(p);
}

int main(void)
{
	test_negative();
	test_saturated_merge();
	test_size_cap();
	test_round_trip();
	test_empty();
	test_files();
	test_truncated();
	test_crafted();
	return done_testing();
}
